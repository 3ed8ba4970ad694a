//! The rule builder page: one section per field level, each part edited
//! inline. htmx requests get the re-rendered field section (with its
//! preview, and the page warnings out of band); plain form posts get a 303
//! back to the page, or the page itself with messages (422).

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::naming::models::Availability;
use crate::naming::models::{FieldId, Rule, RuleDetailId, RuleId};
use crate::naming::parts::today;
use crate::naming::rules::builder::{self, Builder, FieldSection, PartInput};
use crate::naming::rules::{self, Usage};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, HxRequest, Member, PageCtx};
use crate::workspaces::Role;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/rules/{rule_id}", web::get().to(show))
        .route(
            "/rules/{rule_id}/fields/{field_id}/parts",
            web::post().to(add_part),
        )
        .route(
            "/rules/{rule_id}/fields/{field_id}/try",
            web::post().to(try_values),
        )
        .route(
            "/rules/{rule_id}/parts/{detail_id}",
            web::post().to(update_part),
        )
        .route(
            "/rules/{rule_id}/parts/{detail_id}/remove",
            web::post().to(remove_part),
        )
        .route(
            "/rules/{rule_id}/parts/{detail_id}/move",
            web::post().to(move_part),
        );
}

#[derive(Template)]
#[template(path = "naming/rule.html")]
pub struct BuilderPage {
    page: PageCtx,
    csrf: String,
    slug: String,
    rule: Rule,
    platform_name: String,
    sections: Vec<FieldSection>,
    warnings: Vec<String>,
    can_edit: bool,
    usage: Usage,
    pub duplicate_name: String,
    pub duplicate_error: Option<String>,
    pub delete_error: Option<String>,
}

/// One field section, plus the page's warnings out of band (htmx).
#[derive(Template)]
#[template(path = "naming/_rule_field_swap.html")]
struct FieldFragment {
    csrf: String,
    slug: String,
    rule: Rule,
    sec: FieldSection,
    warnings: Vec<String>,
    can_edit: bool,
}

fn has_errors(s: &FieldSection) -> bool {
    !s.add_errors.is_empty() || s.parts.iter().any(|p| !p.errors.is_empty())
}

async fn load(member: &Member, id: RuleId) -> AppResult<(Builder, Usage)> {
    let m = member.clone();
    web::block(move || {
        m.conn()?
            .read(|c, t| Ok((builder::load(c, t, id, today())?, rules::usage(c, t, id)?)))
    })
    .await?
}

/// The whole page, after `tweak`; 422 when it carries a message.
pub async fn render_page_with(
    ctx: &Ctx,
    member: &Member,
    id: RuleId,
    tweak: impl FnOnce(&mut BuilderPage),
) -> AppResult<HttpResponse> {
    let (b, usage) = load(member, id).await?;
    page_from(ctx, member, b, usage, tweak)
}

fn page_from(
    ctx: &Ctx,
    member: &Member,
    b: Builder,
    usage: Usage,
    tweak: impl FnOnce(&mut BuilderPage),
) -> AppResult<HttpResponse> {
    let warnings = b.warnings();
    let page_ctx = ctx.workspace(&b.rule.name, member);
    let mut page = BuilderPage {
        csrf: page_ctx.csrf.clone(),
        page: page_ctx,
        slug: member.workspace.slug.clone(),
        duplicate_name: format!("{} (copy)", b.rule.name),
        rule: b.rule,
        platform_name: b.platform.name,
        sections: b.sections,
        warnings,
        can_edit: member.role.at_least(Role::Member),
        usage,
        duplicate_error: None,
        delete_error: None,
    };
    tweak(&mut page);
    if page.duplicate_error.is_some()
        || page.delete_error.is_some()
        || page.sections.iter().any(has_errors)
    {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

/// `GET /rules/{id}`: the builder (read-only for viewers).
pub async fn show(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, RuleId)>,
) -> AppResult<HttpResponse> {
    render_page_with(&ctx, &member, path.into_inner().1, |_| {}).await
}

/// After a builder action on `field`: the field's fragment for htmx (422
/// when `edit` left messages), else a 303 back to the page — or, with
/// messages, the page itself (422). `changed` is false for a preview only
/// (then a plain post gets the page, as there is nothing to go back to).
async fn answer(
    ctx: &Ctx,
    member: &Member,
    hx: bool,
    id: RuleId,
    field: FieldId,
    changed: bool,
    edit: impl FnOnce(&mut FieldSection),
) -> AppResult<HttpResponse> {
    let (mut b, usage) = load(member, id).await?;
    edit(b.section_mut(field)?);
    let invalid = has_errors(b.section_mut(field)?);
    if !hx {
        if changed && !invalid {
            return Ok(w::redirect(&format!(
                "/w/{}/naming/rules/{id}#field-{field}",
                member.workspace.slug
            )));
        }
        return page_from(ctx, member, b, usage, |_| {});
    }
    let rule = b.rule.clone();
    let (warnings, sec) = b.into_section(field)?;
    let fragment = FieldFragment {
        csrf: ctx.csrf.clone(),
        slug: member.workspace.slug.clone(),
        rule,
        sec,
        warnings,
        can_edit: member.role.at_least(Role::Member),
    };
    if invalid {
        w::invalid(&fragment)
    } else {
        w::ok(&fragment)
    }
}

/// `POST /rules/{id}/fields/{field}/parts`: add a dimension at the end.
pub async fn add_part(
    ctx: Ctx,
    editor: Editor,
    hx: HxRequest,
    meta: RequestMeta,
    path: web::Path<(String, RuleId, FieldId)>,
    form: web::Form<PartInput>,
) -> AppResult<HttpResponse> {
    let (_, id, field) = path.into_inner();
    let input = form.into_inner();
    let i = input.clone();
    let added = editor
        .write(move |c, t, uid| builder::add_part(c, t, uid, id, field, &i, &meta))
        .await?;
    answer(&ctx, &editor, hx.0, id, field, true, |s| {
        if let Err(errors) = added {
            s.add_input = input;
            s.add_errors = errors;
        }
    })
    .await
}

/// `POST /rules/{id}/parts/{detail}`: save prefix, suffix, delimiter, required.
pub async fn update_part(
    ctx: Ctx,
    editor: Editor,
    hx: HxRequest,
    meta: RequestMeta,
    path: web::Path<(String, RuleId, RuleDetailId)>,
    form: web::Form<PartInput>,
) -> AppResult<HttpResponse> {
    let (_, id, detail) = path.into_inner();
    let input = form.into_inner();
    let i = input.clone();
    let (field, saved) = editor
        .write(move |c, t, uid| builder::update_part(c, t, uid, id, detail, &i, &meta))
        .await?;
    answer(&ctx, &editor, hx.0, id, field, true, |s| {
        if let Err(errors) = saved {
            builder::keep_part_input(s, detail, input, errors);
        }
    })
    .await
}

/// `POST /rules/{id}/parts/{detail}/remove`.
pub async fn remove_part(
    ctx: Ctx,
    editor: Editor,
    hx: HxRequest,
    meta: RequestMeta,
    path: web::Path<(String, RuleId, RuleDetailId)>,
) -> AppResult<HttpResponse> {
    let (_, id, detail) = path.into_inner();
    let field = editor
        .write(move |c, t, uid| builder::remove_part(c, t, uid, id, detail, &meta))
        .await?;
    answer(&ctx, &editor, hx.0, id, field, true, |_| {}).await
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    pub direction: String,
}

/// `POST /rules/{id}/parts/{detail}/move` with `direction=up|down`.
pub async fn move_part(
    ctx: Ctx,
    editor: Editor,
    hx: HxRequest,
    meta: RequestMeta,
    path: web::Path<(String, RuleId, RuleDetailId)>,
    form: web::Form<MoveForm>,
) -> AppResult<HttpResponse> {
    let (_, id, detail) = path.into_inner();
    let up = form.direction != "down";
    let field = editor
        .write(move |c, t, uid| builder::move_part(c, t, uid, id, detail, up, &meta))
        .await?;
    answer(&ctx, &editor, hx.0, id, field, true, |_| {}).await
}

/// `POST /rules/{id}/fields/{field}/try`: compose the field from typed values
/// (changes nothing, so any member may).
pub async fn try_values(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    path: web::Path<(String, RuleId, FieldId)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (_, id, field) = path.into_inner();
    let typed = form.into_inner();
    let m = member.clone();
    let (values, result) = web::block(move || {
        m.conn()?.read(|c, t| {
            rules::find(c, t, id)?;
            builder::try_values(c, t, id, field, &typed, today())
        })
    })
    .await??;
    answer(&ctx, &member, hx.0, id, field, false, |s| {
        s.tried = Some(result);
        s.tried_values = values;
    })
    .await
}
