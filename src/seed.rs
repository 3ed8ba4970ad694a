//! Shell-side account and demo data: `create-superuser` and `seed-demo`.

use diesel::prelude::*;

use crate::accounts::{models, passwords, User};
use crate::db::{Pool, TenantConn, TenantScope};
use crate::error::{AppError, AppResult};
use crate::modules::DemoPeople;
use crate::web::extract::RequestMeta;
use crate::workspaces::{queries, Role};

/// Creates a superadmin, or makes an existing account one.
pub fn create_superuser(
    pool: &Pool,
    email: &str,
    name: &str,
    password: &str,
) -> Result<User, String> {
    if let Some(e) = crate::accounts::forms::email_error(email) {
        return Err(e);
    }
    if let Some(e) = passwords::policy_error(password, email) {
        return Err(e);
    }
    let hash = passwords::hash(password).map_err(|e| e.to_string())?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    match models::register(&mut conn, name, email, hash, true, None).map_err(|e| e.to_string())? {
        Ok(user) => Ok(user),
        Err(_) => Err(format!("an account with the email {email} already exists")),
    }
}

fn shell_meta() -> RequestMeta {
    RequestMeta {
        ip: "cli".into(),
        user_agent: Some("atrium seed-demo".into()),
    }
}

/// A demo workspace "Acme Marketing" with an owner, an admin, a member, a
/// viewer and a team. All demo accounts use the password `demo-password-123`.
pub fn seed_demo(pool: &Pool, data_dir: &std::path::Path) -> AppResult<String> {
    const PASSWORD: &str = "demo-password-123";
    let hash = passwords::hash(PASSWORD)?;
    let people = [
        ("owner@demo.atrium.test", "Olivia Owner", Role::Owner),
        ("admin@demo.atrium.test", "Adam Admin", Role::Admin),
        ("member@demo.atrium.test", "Mia Member", Role::Member),
        ("viewer@demo.atrium.test", "Victor Viewer", Role::Viewer),
        // Removed again below: the members list's "Removed members" has someone.
        ("former@demo.atrium.test", "Felix Former", Role::Member),
    ];
    let mut conn = pool.get()?;
    let mut ids = Vec::new();
    for (email, name, role) in people {
        let user = match models::find_by_email(&mut conn, email)? {
            Some(u) => u,
            None => models::register(&mut conn, name, email, hash.clone(), false, None)?
                .map_err(|_| AppError::internal("demo user could not be created"))?,
        };
        ids.push((user.id, role));
    }
    let owner = ids[0].0;
    let exists: bool = diesel::select(diesel::dsl::exists(
        crate::schema::tenants::table.filter(crate::schema::tenants::slug.eq("acme")),
    ))
    .get_result(&mut conn)?;
    if exists {
        return Ok("The demo workspace already exists: /w/acme/".into());
    }
    // Workspace creation takes its own connection from the pool.
    drop(conn);
    let ws = queries::create(pool, owner, "Acme Marketing", "acme", &shell_meta())
        .map_err(|e| AppError::internal(format!("{e:?}")))?;
    let mut tc = TenantConn::open(pool, &TenantScope::verified(ws.id))?;
    tc.write(|c, t| {
        for (user, role) in ids.iter().skip(1) {
            queries::add_member(c, t, *user, *role, None)?;
        }
        if let Ok(team) = crate::workspaces::teams::create(
            c,
            t,
            owner,
            "Growth",
            "Paid and organic acquisition",
            &shell_meta(),
        )? {
            for email in ["owner@demo.atrium.test", "member@demo.atrium.test"] {
                let _ =
                    crate::workspaces::teams::add_member(c, t, owner, team, email, &shell_meta())?;
            }
        }
        let about = crate::workspaces::about::About {
            description:
                "The marketing team of Acme: campaigns, launches and the naming rules behind them."
                    .into(),
            kind: "company".into(),
            industry: "Consumer goods".into(),
            company_size: "51-200".into(),
            location: "Berlin, Germany".into(),
            contact_email: "marketing@demo.atrium.test".into(),
            contact_phone: "+49 30 1234567".into(),
            website: "https://acme.example".into(),
        };
        if let Err(errors) = crate::workspaces::about::save(c, t, owner, &about, &shell_meta())? {
            return Err(AppError::internal(format!("demo profile: {errors:?}")));
        }
        let people = DemoPeople {
            owner,
            admin: ids[1].0,
            member: ids[2].0,
            viewer: ids[3].0,
            data_dir: data_dir.to_path_buf(),
        };
        for module in crate::modules::all() {
            (module.demo)(c, t, &people, &shell_meta())?;
        }
        let former = queries::membership_of(c, t, ids[4].0)?;
        let actor = queries::Actor {
            user: owner,
            role: Role::Owner,
        };
        queries::remove(c, t, actor, former, &shell_meta())?;
        Ok(())
    })?;
    Ok(format!(
        "Demo workspace ready at /w/{}/ — sign in as owner@demo.atrium.test (or admin@, member@, viewer@) with the password {PASSWORD}",
        ws.slug
    ))
}
