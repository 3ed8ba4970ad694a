//! Workspace settings: name, address (slug), deactivation, and the page that
//! also carries the logo and social-link forms (their handlers: `profile`).

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Flash, FormErrors, Owner, PageCtx, WorkspaceAdmin};
use crate::workspaces::about::{self, About};
use crate::workspaces::models::{Platform, WorkspaceLink};
use crate::workspaces::{profile, queries};

#[derive(Template)]
#[template(path = "workspaces/settings.html")]
struct SettingsPage {
    page: PageCtx,
    slug: String,
    ws_name: String,
    form: SettingsForm,
    errors: FormErrors,
    is_owner: bool,
    plan: String,
    seat_limit: i32,
    logo_src: Option<String>,
    logo_error: Option<String>,
    max_logo_mib: usize,
    links: Vec<WorkspaceLink>,
    link_form: LinkForm,
    link_errors: FormErrors,
    platforms: [Platform; 5],
    require_two_factor: bool,
    security_error: Option<String>,
    about: About,
    about_errors: FormErrors,
    kinds: &'static [(&'static str, &'static str)],
    sizes: &'static [(&'static str, &'static str)],
    max_description: usize,
}

/// The general form: name and address.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
}

/// The social-link form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub url: String,
}

/// What one rendering of the settings page shows in its forms: typed values
/// and messages. `Default` is the page as first opened.
#[derive(Debug, Default)]
pub struct Forms {
    /// `None`: the workspace's current name and address.
    pub general: Option<SettingsForm>,
    pub errors: FormErrors,
    pub logo_error: Option<String>,
    pub link: LinkForm,
    pub link_errors: FormErrors,
    /// The two-factor requirement could not be turned on.
    pub security_error: Option<String>,
    /// `None`: the profile fields as stored.
    pub about: Option<About>,
    pub about_errors: FormErrors,
}

impl Forms {
    fn has_errors(&self) -> bool {
        !self.errors.is_empty()
            || self.logo_error.is_some()
            || !self.link_errors.is_empty()
            || self.security_error.is_some()
            || !self.about_errors.is_empty()
    }
}

/// The security form: require two-factor sign-in (a checkbox, present when ticked).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SecurityForm {
    #[serde(default)]
    pub require_two_factor: Option<String>,
}

/// Renders the settings page: 200, or 422 when a form has messages.
pub async fn render(ctx: &Ctx, admin: &WorkspaceAdmin, forms: Forms) -> AppResult<HttpResponse> {
    let m = admin.0.clone();
    let (links, stored) = web::block(move || {
        m.conn()?
            .read(|c, t| Ok((profile::links(c, t)?, about::load(c, t)?)))
    })
    .await??;
    let ws = &admin.workspace;
    let invalid = forms.has_errors();
    let page = SettingsPage {
        page: ctx.workspace("Settings", admin),
        slug: ws.slug.clone(),
        ws_name: ws.name.clone(),
        form: forms.general.unwrap_or_else(|| SettingsForm {
            name: ws.name.clone(),
            slug: ws.slug.clone(),
        }),
        errors: forms.errors,
        is_owner: admin.role == crate::workspaces::Role::Owner,
        plan: ws.plan.clone(),
        seat_limit: ws.seat_limit,
        logo_src: ws.logo_src(),
        logo_error: forms.logo_error,
        max_logo_mib: profile::MAX_LOGO_BYTES / (1024 * 1024),
        links,
        link_form: forms.link,
        link_errors: forms.link_errors,
        platforms: Platform::ALL,
        require_two_factor: ws.requires_two_factor(),
        security_error: forms.security_error,
        about: forms.about.unwrap_or(stored),
        about_errors: forms.about_errors,
        kinds: about::KINDS,
        sizes: about::SIZES,
        max_description: about::MAX_DESCRIPTION,
    };
    if invalid {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

pub async fn show(ctx: Ctx, admin: WorkspaceAdmin) -> AppResult<HttpResponse> {
    render(&ctx, &admin, Forms::default()).await
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
        Err(errors) => {
            let forms = Forms {
                general: Some(form),
                errors,
                ..Forms::default()
            };
            render(&ctx, &admin, forms).await
        }
    }
}

pub async fn security(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    form: web::Form<SecurityForm>,
) -> AppResult<HttpResponse> {
    let required = form.require_two_factor.is_some();
    let ws = admin.workspace.clone();
    let done = admin
        .write(move |c, _, uid| queries::set_two_factor_requirement(c, &ws, uid, required, &meta))
        .await?;
    match done {
        Ok(()) => {
            Flash::success(
                &ctx.session,
                if required {
                    "Members now need two-factor sign-in to open this workspace."
                } else {
                    "Two-factor sign-in is no longer required here."
                },
            );
            Ok(w::redirect(&format!(
                "/w/{}/settings",
                admin.workspace.slug
            )))
        }
        Err(message) => {
            let forms = Forms {
                security_error: Some(message),
                ..Forms::default()
            };
            render(&ctx, &admin, forms).await
        }
    }
}

/// Saves the workspace's profile fields (description, type, contact…).
pub async fn update_about(
    ctx: Ctx,
    admin: WorkspaceAdmin,
    meta: RequestMeta,
    form: web::Form<About>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let f = form.clone();
    let saved = admin
        .write(move |c, t, uid| about::save(c, t, uid, &f, &meta))
        .await?;
    match saved {
        Ok(()) => {
            Flash::success(&ctx.session, "Profile saved.");
            Ok(w::redirect(&format!(
                "/w/{}/settings#about",
                admin.workspace.slug
            )))
        }
        Err(errors) => {
            let forms = Forms {
                about: Some(form),
                about_errors: errors,
                ..Forms::default()
            };
            render(&ctx, &admin, forms).await
        }
    }
}

pub async fn deactivate(ctx: Ctx, owner: Owner, meta: RequestMeta) -> AppResult<HttpResponse> {
    owner
        .write(move |c, t, uid| queries::set_status(c, t, uid, false, &meta))
        .await?;
    Flash::success(
        &ctx.session,
        format!(
            "“{}” is deactivated. A superadmin can reactivate it.",
            owner.workspace.name
        ),
    );
    Ok(w::redirect("/"))
}
