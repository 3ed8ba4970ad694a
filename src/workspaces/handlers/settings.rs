//! Workspace settings: name, address (slug), deactivation.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, Owner, PageCtx, WorkspaceAdmin};
use crate::workspaces::queries;

#[derive(Template)]
#[template(path = "workspaces/settings.html")]
struct SettingsPage {
    page: PageCtx,
    slug: String,
    form: SettingsForm,
    errors: FormErrors,
    is_owner: bool,
    plan: String,
    seat_limit: i32,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
}

fn page(ctx: &Ctx, admin: &WorkspaceAdmin, form: SettingsForm, errors: FormErrors) -> SettingsPage {
    SettingsPage {
        page: ctx.workspace("Settings", &admin.user.user, &admin.workspace, admin.role),
        slug: admin.workspace.slug.clone(),
        form,
        errors,
        is_owner: admin.role == crate::workspaces::Role::Owner,
        plan: admin.workspace.plan.clone(),
        seat_limit: admin.workspace.seat_limit,
    }
}

pub async fn show(ctx: Ctx, admin: WorkspaceAdmin) -> AppResult<HttpResponse> {
    let form = SettingsForm {
        name: admin.workspace.name.clone(),
        slug: admin.workspace.slug.clone(),
    };
    w::ok(&page(&ctx, &admin, form, FormErrors::default()))
}

pub async fn update(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    form: web::Form<SettingsForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (m, f) = (admin.0.clone(), form.clone());
    let updated = web::block(move || {
        let (uid, ws) = (m.user_id(), m.workspace.clone());
        m.conn()?
            .write(|c, _| queries::update_settings(c, &ws, uid, &f.name, &f.slug, &meta))
    })
    .await??;
    match updated {
        Ok(ws) => {
            Flash::success(&ctx.session, "Settings saved.");
            Ok(w::redirect(&format!("/w/{}/settings", ws.slug)))
        }
        Err(errors) => w::invalid(&page(&ctx, &admin, form, errors.into())),
    }
}

pub async fn deactivate(ctx: Ctx, owner: Owner, meta: RequestMeta) -> AppResult<HttpResponse> {
    let m = owner.0.clone();
    web::block(move || {
        let uid = m.user_id();
        m.conn()?
            .write(|c, t| queries::set_status(c, t, uid, false, &meta))
    })
    .await??;
    Flash::success(
        &ctx.session,
        format!(
            "“{}” is deactivated. A superadmin can reactivate it.",
            owner.workspace.name
        ),
    );
    Ok(w::redirect("/"))
}
