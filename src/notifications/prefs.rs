//! A person's notification preferences: per kind of notice, shown in Atrium
//! or not, and email off, at once or in an hourly digest. A kind they never
//! chose for follows its module's default; a choice holds in every workspace.

use diesel::prelude::*;

use crate::accounts::UserId;
use crate::db::{DbConn, UtcTime};
use crate::error::AppResult;
use crate::modules::{self, Delivery, NoticeKind};
use crate::schema::notification_preferences as np;
use crate::web::FormErrors;

/// What a person gets for one kind of notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pref {
    pub in_app: bool,
    pub email: Delivery,
}

impl Pref {
    fn default_of(kind: &NoticeKind) -> Self {
        Pref {
            in_app: kind.in_app,
            email: kind.email,
        }
    }
}

/// One line of the preferences page.
#[derive(Debug, Clone)]
pub struct PrefLine {
    pub kind: &'static NoticeKind,
    /// The module that sends it ("Projects").
    pub module: &'static str,
    pub pref: Pref,
}

impl PrefLine {
    /// The form field names (`in_app.<kind>`, `email.<kind>`).
    pub fn in_app_field(&self) -> String {
        format!("in_app.{}", self.kind.key)
    }

    pub fn email_field(&self) -> String {
        format!("email.{}", self.kind.key)
    }

    pub fn choices(&self) -> &'static [Delivery] {
        Delivery::ALL
    }
}

/// `user`'s preference for `kind`.
pub fn of(c: &mut DbConn, user: UserId, kind: &NoticeKind) -> AppResult<Pref> {
    let row: Option<(bool, String)> = np::table
        .filter(np::user_id.eq(user))
        .filter(np::kind.eq(kind.key))
        .select((np::in_app, np::email))
        .first(c)
        .optional()?;
    Ok(match row {
        Some((in_app, email)) => Pref {
            in_app,
            email: Delivery::parse(&email).unwrap_or(kind.email),
        },
        None => Pref::default_of(kind),
    })
}

/// Every kind of every module with `user`'s choice (or the default).
pub fn lines(c: &mut DbConn, user: UserId) -> AppResult<Vec<PrefLine>> {
    let chosen: Vec<(String, bool, String)> = np::table
        .filter(np::user_id.eq(user))
        .select((np::kind, np::in_app, np::email))
        .load(c)?;
    let mut out = Vec::new();
    for m in modules::all() {
        for kind in m.notices {
            let pref = chosen
                .iter()
                .find(|(k, _, _)| k == kind.key)
                .map(|(_, in_app, email)| Pref {
                    in_app: *in_app,
                    email: Delivery::parse(email).unwrap_or(kind.email),
                })
                .unwrap_or_else(|| Pref::default_of(kind));
            out.push(PrefLine {
                kind,
                module: m.name,
                pref,
            });
        }
    }
    Ok(out)
}

/// The lines as posted (to show a refused form again without losing what
/// was chosen); an unreadable email choice shows the kind's default.
pub fn lines_from_form(form: &[(String, String)]) -> Vec<PrefLine> {
    let value = |name: String| {
        form.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut out = Vec::new();
    for m in modules::all() {
        for kind in m.notices {
            let in_app = value(format!("in_app.{}", kind.key)).is_some_and(|v| v == "on");
            let email = value(format!("email.{}", kind.key))
                .and_then(Delivery::parse)
                .unwrap_or(kind.email);
            out.push(PrefLine {
                kind,
                module: m.name,
                pref: Pref { in_app, email },
            });
        }
    }
    out
}

/// Reads the posted form (`in_app.<kind>=on`, `email.<kind>=<delivery>`) into
/// a choice per kind; a kind missing from the form keeps nothing in the app
/// (an unticked box is not sent). Errors name the kind's field.
pub fn parse(form: &[(String, String)]) -> Result<Vec<(&'static NoticeKind, Pref)>, FormErrors> {
    let mut errors = FormErrors::default();
    let mut out = Vec::new();
    for kind in modules::notice_kinds() {
        let field = |prefix: &str| {
            let name = format!("{prefix}.{}", kind.key);
            form.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.as_str())
        };
        let in_app = field("in_app").is_some_and(|v| v == "on");
        let email_field = format!("email.{}", kind.key);
        let email = match field("email") {
            // Not in the form: the kind's default, but a digest needs the
            // centre, so without it the default is no email.
            None if kind.email == Delivery::Digest && !in_app => Delivery::Off,
            None => kind.email,
            Some(v) => match Delivery::parse(v) {
                Some(d) => d,
                None => {
                    errors.add(&email_field, "Choose one of the email options.");
                    continue;
                }
            },
        };
        if email == Delivery::Digest && !in_app {
            errors.add(
                &email_field,
                "The digest gathers what is unread in Atrium: keep “In Atrium” on, or choose “Email at once”.",
            );
            continue;
        }
        out.push((kind, Pref { in_app, email }));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Stores `user`'s choices (all kinds at once).
pub fn save(c: &mut DbConn, user: UserId, choices: &[(&NoticeKind, Pref)]) -> AppResult<()> {
    let now = UtcTime::now();
    diesel::delete(np::table.filter(np::user_id.eq(user))).execute(c)?;
    for (kind, pref) in choices {
        diesel::insert_into(np::table)
            .values((
                np::user_id.eq(user),
                np::kind.eq(kind.key),
                np::in_app.eq(pref.in_app),
                np::email.eq(pref.email.as_str()),
                np::updated_at.eq(now),
            ))
            .execute(c)?;
    }
    Ok(())
}
