//! Admin: users — list, detail, (bulk) deactivation, password reset links,
//! superadmin grants, signing out everywhere.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::list::{self, Bulk, ConfirmPage, KeysetResource, ListParams, Resource};
use super::workspaces::lower;
use crate::accounts::sessions::{self, UserSession};
use crate::accounts::{models, User, UserId};
use crate::audit::{queries::AuditRow, NewEvent};
use crate::db::{DbConn, Id, MultiBackend, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{memberships, tenants, users};
use crate::seek_by;
use crate::support::csv;
use crate::web::extract::RequestMeta;
use crate::web::{
    self as w, Ctx, Cursor, Flash, HxRequest, Keyset, PageCtx, Seek, Superadmin, COUNT_CAP,
};
use crate::AppState;

/// A user row with the number of workspaces they belong to.
pub struct UserRow {
    pub user: User,
    pub workspaces: i64,
}

impl UserRow {
    pub fn last_login(&self) -> String {
        self.user
            .last_login_at
            .map(|t| t.0.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "never".into())
    }
}

pub struct Users;

pub const SORTS: &[&str] = &["created", "email", "name", "last_login"];

/// The one scoped query for users.
fn scoped(p: &ListParams) -> users::BoxedQuery<'static, MultiBackend> {
    let mut q = users::table.into_boxed();
    if !p.q.is_empty() {
        let pat = format!(
            "%{}%",
            crate::audit::queries::escape_like(&p.q.to_lowercase())
        );
        q = q.filter(
            users::email
                .like(pat.clone())
                .escape('\\')
                .or(lower(users::name).like(pat).escape('\\')),
        );
    }
    match p.filter("role") {
        "superadmin" => q = q.filter(users::is_superadmin.eq(true)),
        "regular" => q = q.filter(users::is_superadmin.eq(false)),
        _ => {}
    }
    match p.filter("status") {
        "active" => q = q.filter(users::is_active.eq(true)),
        "inactive" => q = q.filter(users::is_active.eq(false)),
        _ => {}
    }
    q
}

/// `last_login` pages with "never" (null) before every instant, so that
/// ascending reads never, oldest, …, newest, and descending the reverse; the
/// cursor key of a null is "".
fn seek_last_login(
    q: users::BoxedQuery<'static, MultiBackend>,
    seek: &Seek,
    desc: bool,
) -> Option<users::BoxedQuery<'static, MultiBackend>> {
    let asc = desc == seek.backwards();
    let at = match seek.cursor() {
        None => None,
        Some(c) if c.key.is_empty() => Some((None, UserId(Id(c.id)))),
        Some(c) => Some((Some(c.time()?), UserId(Id(c.id)))),
    };
    let (t, id) = (users::last_login_at, users::id);
    let q = match (at, asc) {
        (None, _) => q,
        (Some((None, i)), true) => q.filter(t.is_not_null().or(id.gt(i))),
        (Some((None, i)), false) => q.filter(t.is_null().and(id.lt(i))),
        (Some((Some(k), i)), true) => q.filter(t.gt(k).or(t.eq(k).and(id.gt(i)))),
        (Some((Some(k), i)), false) => q.filter(
            t.lt(k)
                .or(t.eq(k).and(id.lt(i)))
                .or(t.is_null())
                .assume_not_null(),
        ),
    };
    Some(if asc {
        q.order((t.is_not_null().asc(), t.asc(), id.asc()))
    } else {
        q.order((t.is_not_null().desc(), t.desc(), id.desc()))
    })
}

impl KeysetResource for Users {
    fn count_capped(c: &mut DbConn, p: &ListParams) -> AppResult<i64> {
        Ok(scoped(p)
            .select(users::id)
            .limit(COUNT_CAP + 1)
            .load::<UserId>(c)?
            .len() as i64)
    }

    fn seek_rows(
        c: &mut DbConn,
        p: &ListParams,
        seek: &Seek,
        limit: i64,
    ) -> AppResult<Option<Vec<UserRow>>> {
        let q = scoped(p);
        let desc = p.desc || p.sort.is_empty();
        let q = match p.sort_or(SORTS) {
            "email" | "name" => {
                let at = seek.cursor().map(|c| (c.key.clone(), UserId(Id(c.id))));
                if p.sort_or(SORTS) == "email" {
                    seek_by!(q, seek, p.desc, users::email, users::id, at)
                } else {
                    seek_by!(q, seek, p.desc, users::name, users::id, at)
                }
            }
            "last_login" => match seek_last_login(q, seek, p.desc) {
                Some(q) => q,
                None => return Ok(None),
            },
            // Newest first by default; "asc" asks for oldest first.
            _ => {
                let at = match seek.cursor() {
                    None => None,
                    Some(cur) => match cur.time() {
                        Some(t) => Some((t, UserId(Id(cur.id)))),
                        None => return Ok(None),
                    },
                };
                seek_by!(q, seek, desc, users::created_at, users::id, at)
            }
        };
        let all: Vec<User> = q.limit(limit).select(User::as_select()).load(c)?;
        Ok(Some(with_workspace_counts(c, all)?))
    }

    fn cursor(p: &ListParams, r: &UserRow) -> Cursor {
        let u = &r.user;
        let key = match p.sort_or(SORTS) {
            "email" => u.email.clone(),
            "name" => u.name.clone(),
            "last_login" => u.last_login_at.map(|t| t.to_db_text()).unwrap_or_default(),
            _ => u.created_at.to_db_text(),
        };
        Cursor::new(key, u.id.0 .0)
    }
}

/// Users with the number of workspaces each belongs to (one query for all).
fn with_workspace_counts(c: &mut DbConn, all: Vec<User>) -> AppResult<Vec<UserRow>> {
    let ids: Vec<UserId> = all.iter().map(|u| u.id).collect();
    let counts: Vec<(UserId, i64)> = memberships::table
        .filter(memberships::user_id.eq_any(ids))
        .filter(memberships::revoked_at.is_null())
        .group_by(memberships::user_id)
        .select((memberships::user_id, diesel::dsl::count_star()))
        .load(c)?;
    Ok(all
        .into_iter()
        .map(|user| {
            let workspaces = counts
                .iter()
                .find(|(u, _)| *u == user.id)
                .map_or(0, |(_, n)| *n);
            UserRow { user, workspaces }
        })
        .collect())
}

impl Resource for Users {
    type Row = UserRow;

    fn matching_ids(c: &mut DbConn, p: &ListParams) -> AppResult<Vec<Id>> {
        Ok(scoped(p)
            .select(users::id)
            .load::<UserId>(c)?
            .into_iter()
            .map(|u| u.0)
            .collect())
    }

    fn existing_ids(c: &mut DbConn, ids: &[Id]) -> AppResult<Vec<Id>> {
        let ids: Vec<UserId> = ids.iter().map(|i| UserId(*i)).collect();
        Ok(scoped(&ListParams::default())
            .filter(users::id.eq_any(ids))
            .select(users::id)
            .load::<UserId>(c)?
            .into_iter()
            .map(|u| u.0)
            .collect())
    }

    fn csv_header() -> &'static [&'static str] {
        &[
            "id",
            "email",
            "name",
            "superadmin",
            "active",
            "last_login",
            "workspaces",
            "created_at",
        ]
    }

    fn csv_row(r: &UserRow) -> String {
        let u = &r.user;
        csv::line(&[
            &u.id.to_string(),
            &u.email,
            &u.name,
            if u.is_superadmin { "yes" } else { "no" },
            if u.is_active { "yes" } else { "no" },
            &u.last_login_at.map(|t| t.to_db_text()).unwrap_or_default(),
            &r.workspaces.to_string(),
            &u.created_at.to_db_text(),
        ])
    }
}

/// One user through the scoped query.
pub fn find(c: &mut DbConn, id: UserId) -> AppResult<User> {
    Ok(scoped(&ListParams::default())
        .filter(users::id.eq(id))
        .select(User::as_select())
        .first(c)?)
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    page: PageCtx,
    p: ListParams,
    rows: Keyset<UserRow>,
}

#[derive(Template)]
#[template(path = "admin/_users_table.html")]
struct ListTable {
    page: PageCtx,
    p: ListParams,
    rows: Keyset<UserRow>,
}

pub async fn list(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    hx: HxRequest,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let p = ListParams::parse(req.query_string());
    let (pool, user, pp) = (state.pool.clone(), admin.clone(), p.clone());
    let rows = web::block(move || {
        crate::admin::open_audited(&pool, &user, "users.list")?
            .read(|c| list::keyset_page::<Users>(c, &pp))
    })
    .await??;
    let page = ctx.user("Users · Admin", &admin.user);
    if hx.0 {
        return w::ok(&ListTable { page, p, rows });
    }
    w::ok(&ListPage { page, p, rows })
}

pub async fn export_csv(
    state: web::Data<AppState>,
    admin: Superadmin,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let p = ListParams::parse(req.query_string());
    let (pool, user) = (state.pool.clone(), admin.clone());
    web::block(move || crate::admin::open_audited(&pool, &user, "users.export").map(|_| ()))
        .await??;
    let name = format!("users-{}.csv", chrono::Utc::now().format("%Y%m%d"));
    Ok(list::keyset_csv_response::<Users>(
        state.pool.clone(),
        p,
        &name,
    ))
}

/// A membership as a user's admin page lists it.
pub struct MembershipRow {
    pub tenant: TenantId,
    pub name: String,
    pub slug: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct DetailPage {
    page: PageCtx,
    u: User,
    memberships: Vec<MembershipRow>,
    sessions: Vec<UserSession>,
    history: Vec<AuditRow>,
    reset_link: Option<String>,
    is_self: bool,
    two_factor: bool,
}

const RESET_LINK_KEY: &str = "reset_link";

pub async fn detail(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    path: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (pool, user) = (state.pool.clone(), admin.clone());
    let (u, memberships, sessions, history, two_factor) = web::block(move || {
        crate::admin::open_audited(&pool, &user, "user.detail")?.read(|c| {
            let u = find(c, id)?;
            let rows: Vec<(TenantId, String, String, String)> = memberships::table
                .inner_join(tenants::table)
                .filter(memberships::user_id.eq(id))
                .filter(memberships::revoked_at.is_null())
                .order(tenants::name.asc())
                .select((tenants::id, tenants::name, tenants::slug, memberships::role))
                .load(c)?;
            let memberships = rows
                .into_iter()
                .map(|(tenant, name, slug, role)| MembershipRow {
                    tenant,
                    name,
                    slug,
                    role,
                })
                .collect();
            Ok((
                u,
                memberships,
                sessions::list_active(c, id)?,
                crate::audit::queries::for_user(c, id, 25)?,
                crate::accounts::two_factor::store::is_enabled(c, id)?,
            ))
        })
    })
    .await??;
    let reset_link = match ctx.session.get::<(UserId, String)>(RESET_LINK_KEY) {
        Ok(Some((for_user, link))) if for_user == id => {
            ctx.session.remove(RESET_LINK_KEY);
            Some(link)
        }
        _ => None,
    };
    let is_self = u.id == admin.user.id;
    w::ok(&DetailPage {
        page: ctx.user(&format!("{} · Admin", u.email), &admin.user),
        u,
        memberships,
        sessions,
        history,
        reset_link,
        is_self,
        two_factor,
    })
}

/// The actions on one user; each is audited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UserAction {
    Deactivate,
    Reactivate,
    SignOut,
    GrantSuperadmin,
    RevokeSuperadmin,
    ResetTwoFactor,
}

impl UserAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "deactivate" => Some(UserAction::Deactivate),
            "reactivate" => Some(UserAction::Reactivate),
            "signout" => Some(UserAction::SignOut),
            "grant_superadmin" => Some(UserAction::GrantSuperadmin),
            "revoke_superadmin" => Some(UserAction::RevokeSuperadmin),
            "reset_two_factor" => Some(UserAction::ResetTwoFactor),
            _ => None,
        }
    }

    fn done(self) -> &'static str {
        match self {
            UserAction::Deactivate => "deactivated (and signed out everywhere)",
            UserAction::Reactivate => "reactivated",
            UserAction::SignOut => "signed out everywhere",
            UserAction::GrantSuperadmin => "made superadmin",
            UserAction::RevokeSuperadmin => "no longer superadmin",
            UserAction::ResetTwoFactor => {
                "signs in with the password alone now (two-factor reset, signed out everywhere)"
            }
        }
    }
}

fn active_superadmins(c: &mut DbConn) -> AppResult<i64> {
    Ok(users::table
        .filter(users::is_superadmin.eq(true))
        .filter(users::is_active.eq(true))
        .count()
        .get_result(c)?)
}

/// Applies `action` to `target`. Never leaves the instance without an active superadmin.
pub fn apply(
    c: &mut DbConn,
    actor: UserId,
    target: UserId,
    action: UserAction,
    meta: &RequestMeta,
) -> AppResult<()> {
    let u = find(c, target)?;
    let removes_superadmin = u.is_superadmin
        && u.is_active
        && matches!(
            action,
            UserAction::Deactivate | UserAction::RevokeSuperadmin
        );
    if removes_superadmin && active_superadmins(c)? <= 1 {
        return Err(AppError::Conflict(
            "This is the last active superadmin: make someone else superadmin first.".into(),
        ));
    }
    match action {
        UserAction::ResetTwoFactor => {
            if crate::accounts::two_factor::store::reset_by_admin(c, actor, target, meta)? {
                Ok(())
            } else {
                Err(AppError::Conflict(
                    "Two-factor sign-in is not on for this user.".into(),
                ))
            }
        }
        UserAction::Deactivate => models::set_active(c, actor, target, false, meta),
        UserAction::Reactivate => models::set_active(c, actor, target, true, meta),
        UserAction::SignOut => {
            let n = sessions::revoke_all(c, target, None)?;
            crate::audit::record(
                c,
                NewEvent::global("admin.user_signout")
                    .actor(actor)
                    .resource("user", target)
                    .meta(meta)
                    .changes(serde_json::json!({"sessions_revoked": n}))
                    .warning(),
            )
        }
        UserAction::GrantSuperadmin | UserAction::RevokeSuperadmin => {
            let grant = action == UserAction::GrantSuperadmin;
            diesel::update(users::table.find(target))
                .set((
                    users::is_superadmin.eq(grant),
                    users::updated_at.eq(UtcTime::now()),
                ))
                .execute(c)?;
            crate::audit::record(
                c,
                NewEvent::global(if grant {
                    "security.superadmin_grant"
                } else {
                    "security.superadmin_revoke"
                })
                .actor(actor)
                .resource("user", target)
                .meta(meta)
                .critical(),
            )
        }
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    action: String,
}

pub async fn act(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<UserId>,
    form: web::Form<ActionForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let action = UserAction::parse(&form.action)
        .ok_or_else(|| AppError::BadRequest("Unknown action.".into()))?;
    let (pool, user) = (state.pool.clone(), admin.clone());
    let done = web::block(move || {
        crate::admin::open_audited(&pool, &user, "user.action")?
            .write(|c| apply(c, user.user.id, id, action, &meta))
    })
    .await?;
    match done {
        Ok(()) => Flash::success(&ctx.session, format!("User {}.", action.done())),
        Err(AppError::Conflict(m)) => Flash::error(&ctx.session, m),
        Err(e) => return Err(e),
    }
    Ok(w::redirect(&format!("/admin/users/{id}")))
}

/// The user's email, the reset link, and how sending it went (when SMTP is set).
type ResetOutcome = (String, String, Option<Result<(), String>>);

/// `POST /admin/users/{id}/reset`: a one-time reset link, shown once to the
/// admin and emailed when SMTP is configured; the account is signed out.
pub async fn force_reset(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    path: web::Path<UserId>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let (pool, user, config) = (state.pool.clone(), admin.clone(), state.config.clone());
    let (email, link, sent) = web::block(move || -> AppResult<ResetOutcome> {
        let (email, token) = crate::admin::open_audited(&pool, &user, "user.reset")?.write(|c| {
            let u = find(c, id)?;
            Ok((u.email, crate::accounts::reset::create(c, id, user.user.id, &meta)?))
        })?;
        let link = format!("{}/reset/{token}", config.base_url());
        // Sent now rather than as a job: jobs belong to a workspace, accounts don't.
        let sent = config.smtp_url.as_deref().map(|url| {
            let mail = crate::jobs::email::Email {
                to: email.clone(),
                subject: "Reset your Atrium password".into(),
                body: format!(
                    "An administrator asked for your Atrium password to be reset.\n\nChoose a new one here (valid for {} hours, once):\n{link}\n",
                    crate::accounts::reset::VALID_HOURS
                ),
            };
            crate::jobs::email::send(url, &config.smtp_from, &mail)
        });
        Ok((email, link, sent))
    })
    .await??;
    if let Err(e) = ctx.session.insert(RESET_LINK_KEY, (id, link)) {
        tracing::warn!(error = %e, "could not keep the reset link in the session");
    }
    match sent {
        Some(Ok(())) => Flash::success(&ctx.session, format!("Reset link created and emailed to {email}; they are signed out everywhere.")),
        Some(Err(e)) => Flash::error(&ctx.session, format!("Reset link created, but the email failed ({e}). Send the link below yourself.")),
        None => Flash::success(&ctx.session, format!("Reset link created for {email}; they are signed out everywhere. Send them the link below.")),
    }
    Ok(w::redirect(&format!("/admin/users/{id}")))
}

/// `POST /admin/users/bulk`: confirmation with a count, then the change.
pub async fn bulk(
    ctx: Ctx,
    state: web::Data<AppState>,
    admin: Superadmin,
    meta: RequestMeta,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let bulk = Bulk::parse(form.into_inner());
    let back = format!("/admin/users?{}", bulk.params.filter_query());
    let action = match UserAction::parse(&bulk.action) {
        Some(a @ (UserAction::Deactivate | UserAction::Reactivate | UserAction::SignOut)) => a,
        _ => {
            Flash::error(&ctx.session, "Choose an action for the selected users.");
            return Ok(w::redirect(&back));
        }
    };
    let (pool, user, b) = (state.pool.clone(), admin.clone(), bulk.clone());
    let outcome = web::block(move || {
        crate::admin::open_audited(&pool, &user, "users.bulk")?.write(|c| {
            let targets = b.targets::<Users>(c)?;
            if !b.confirmed {
                return Ok((targets.len(), false));
            }
            for id in &targets {
                apply(c, user.user.id, UserId(*id), action, &meta)?;
            }
            Ok((targets.len(), true))
        })
    })
    .await?;
    match outcome {
        Ok((0, _)) => {
            Flash::error(&ctx.session, "No users were selected.");
            Ok(w::redirect(&back))
        }
        Ok((n, true)) => {
            Flash::success(&ctx.session, format!("{n} user(s) {}.", action.done()));
            Ok(w::redirect(&back))
        }
        Ok((n, false)) => {
            let which = if bulk.all_matching {
                "every user matching the filter"
            } else {
                "the selected users"
            };
            let verb = match action {
                UserAction::Deactivate => "Deactivate",
                UserAction::Reactivate => "Reactivate",
                _ => "Sign out everywhere",
            };
            w::ok(&ConfirmPage {
                admin_nav: true,
                page: ctx.user("Confirm · Admin", &admin.user),
                action_url: "/admin/users/bulk".into(),
                back_url: back,
                question: format!("{verb}: {which}?"),
                count: n,
                fields: bulk.hidden_fields(),
            })
        }
        // Nothing changed (one transaction): say why.
        Err(AppError::Conflict(m)) => {
            Flash::error(&ctx.session, m);
            Ok(w::redirect(&back))
        }
        Err(e) => Err(e),
    }
}
