//! Rules pages: the list with filters, create, edit, make default,
//! (de)activate, duplicate and delete. The builder itself is `rule_builder`.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::naming::catalogue;
use crate::naming::models::Availability;
use crate::naming::models::{Platform, Rule, RuleId};
use crate::naming::rules::{self, RuleFilter, RuleInput, RuleRow};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, Flash, FormErrors, Member, PageCtx, Paginated};
use crate::workspaces::Role;

use super::rule_builder;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rules", web::get().to(list))
        .route("/rules", web::post().to(create))
        .route("/rules/{rule_id}/edit", web::get().to(edit))
        .route("/rules/{rule_id}/edit", web::post().to(update))
        .route("/rules/{rule_id}/default", web::post().to(make_default))
        .route("/rules/{rule_id}/status", web::post().to(set_status))
        .route("/rules/{rule_id}/duplicate", web::post().to(duplicate))
        .route("/rules/{rule_id}/delete", web::post().to(delete));
    rule_builder::routes(cfg);
}

const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "naming/rules.html")]
struct RulesPage {
    page: PageCtx,
    slug: String,
    rules: Paginated<RuleRow>,
    platforms: Vec<Platform>,
    filter: RuleFilter,
    can_edit: bool,
    form: RuleInput,
    form_action: String,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "naming/rule_edit.html")]
struct EditPage {
    page: PageCtx,
    slug: String,
    rule: Rule,
    platform: Platform,
    platforms: Vec<Platform>,
    form: RuleInput,
    form_action: String,
    errors: FormErrors,
}

async fn render_list(
    ctx: &Ctx,
    member: &Member,
    filter: RuleFilter,
    form: RuleInput,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let (m, f) = (member.clone(), filter.clone());
    let (rules, platforms) = web::block(move || {
        m.conn()?
            .read(|c, t| Ok((rules::list(c, t, &f, PER_PAGE)?, catalogue::platforms(c)?)))
    })
    .await??;
    let page = RulesPage {
        page: ctx.workspace("Rules", member),
        slug: member.workspace.slug.clone(),
        rules,
        platforms,
        filter,
        can_edit: member.role.at_least(Role::Member),
        form,
        form_action: String::new(),
        errors: errors.clone(),
    };
    if errors.is_empty() {
        w::ok(&page)
    } else {
        w::invalid(&page)
    }
}

/// `GET /rules`: filter by platform and status, search by name.
pub async fn list(ctx: Ctx, member: Member, q: web::Query<RuleFilter>) -> AppResult<HttpResponse> {
    let form = RuleInput {
        platform_id: q.platform.clone(),
        status: Availability::Active.to_string(),
        ..RuleInput::default()
    };
    render_list(&ctx, &member, q.into_inner(), form, FormErrors::default()).await
}

/// `POST /rules`: create, then open the builder.
pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    form: web::Form<RuleInput>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let f = form.clone();
    let created = editor
        .write(move |c, t, uid| rules::create(c, t, uid, &f, &meta))
        .await?;
    match created {
        Ok(id) => {
            Flash::success(
                &ctx.session,
                format!(
                    "Rule “{}” created: now add its dimensions.",
                    form.name.trim()
                ),
            );
            Ok(w::redirect(&rule_url(&editor, id)))
        }
        Err(errors) => render_list(&ctx, &editor, RuleFilter::default(), form, errors).await,
    }
}

pub fn rule_url(member: &Member, id: RuleId) -> String {
    format!("/w/{}/naming/rules/{id}", member.workspace.slug)
}

async fn render_edit(
    ctx: &Ctx,
    member: &Member,
    id: RuleId,
    form: Option<RuleInput>,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let (rule, platform) = web::block(move || {
        m.conn()?.read(|c, t| {
            let rule = rules::find(c, t, id)?;
            let platform = catalogue::platform(c, rule.platform_id)?;
            Ok((rule, platform))
        })
    })
    .await??;
    let page = EditPage {
        page: ctx.workspace(&format!("Edit {}", rule.name), member),
        slug: member.workspace.slug.clone(),
        form: form.unwrap_or_else(|| RuleInput::from_rule(&rule)),
        form_action: format!("/w/{}/naming/rules/{}/edit", member.workspace.slug, rule.id),
        platforms: Vec::new(),
        rule,
        platform,
        errors: errors.clone(),
    };
    if errors.is_empty() {
        w::ok(&page)
    } else {
        w::invalid(&page)
    }
}

/// `GET /rules/{id}/edit` (editors only: viewers have nothing to edit).
pub async fn edit(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, RuleId)>,
) -> AppResult<HttpResponse> {
    render_edit(
        &ctx,
        &editor,
        path.into_inner().1,
        None,
        FormErrors::default(),
    )
    .await
}

/// `POST /rules/{id}/edit`.
pub async fn update(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, RuleId)>,
    form: web::Form<RuleInput>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let form = form.into_inner();
    let f = form.clone();
    let saved = editor
        .write(move |c, t, uid| rules::update(c, t, uid, id, &f, &meta))
        .await?;
    match saved {
        Ok(()) => {
            Flash::success(&ctx.session, "Rule saved.");
            Ok(w::redirect(&rule_url(&editor, id)))
        }
        Err(errors) => render_edit(&ctx, &editor, id, Some(form), errors).await,
    }
}

/// `POST /rules/{id}/default`.
pub async fn make_default(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, RuleId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let done = editor
        .write(move |c, t, uid| rules::make_default(c, t, uid, id, &meta))
        .await?;
    match done {
        Ok(()) => Flash::success(&ctx.session, "This is now the platform's default rule."),
        Err(message) => Flash::error(&ctx.session, message),
    }
    Ok(w::redirect(&rule_url(&editor, id)))
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    pub status: String,
}

/// `POST /rules/{id}/status` with `status=ACTIVE|INACTIVE`.
pub async fn set_status(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, RuleId)>,
    form: web::Form<StatusForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let active = form.status != "INACTIVE";
    editor
        .write(move |c, t, uid| rules::set_status(c, t, uid, id, active, &meta))
        .await?;
    Flash::success(
        &ctx.session,
        if active {
            "Rule activated."
        } else {
            "Rule deactivated: it stays on the strings made with it, but is not offered for new ones."
        },
    );
    Ok(w::redirect(&rule_url(&editor, id)))
}

#[derive(Debug, Deserialize)]
pub struct DuplicateForm {
    #[serde(default)]
    pub name: String,
}

/// `POST /rules/{id}/duplicate`: a copy with all its parts, then its builder.
pub async fn duplicate(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, RuleId)>,
    form: web::Form<DuplicateForm>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let name = form.into_inner().name;
    let n = name.clone();
    let done = editor
        .write(move |c, t, uid| rules::duplicate(c, t, uid, id, &n, &meta))
        .await?;
    match done {
        Ok(copy) => {
            Flash::success(&ctx.session, format!("Copied as “{}”.", name.trim()));
            Ok(w::redirect(&rule_url(&editor, copy)))
        }
        Err(message) => {
            rule_builder::render_page_with(&ctx, &editor, id, |p| {
                p.duplicate_name = name;
                p.duplicate_error = Some(message);
            })
            .await
        }
    }
}

/// `POST /rules/{id}/delete`: refused (with where it is used) for a rule in use.
pub async fn delete(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, RuleId)>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().1;
    let done = editor
        .write(move |c, t, uid| rules::delete(c, t, uid, id, &meta))
        .await?;
    match done {
        Ok(name) => {
            Flash::success(&ctx.session, format!("Rule “{name}” deleted."));
            Ok(w::redirect(&format!(
                "/w/{}/naming/rules",
                editor.workspace.slug
            )))
        }
        Err(message) => {
            rule_builder::render_page_with(&ctx, &editor, id, |p| {
                p.delete_error = Some(message);
            })
            .await
        }
    }
}
