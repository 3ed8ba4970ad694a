//! The string page: the string, its details, the edit form, its history with
//! a diff per version and rollback; saving starts propagation (or offers it)
//! per the user's propagation settings.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppResult;
use crate::naming::models::*;
use crate::naming::propagation::{self, FollowUp};
use crate::naming::versions::view::{self, DetailRow, StringView};
use crate::naming::versions::{self, Choices, EditError, Saved};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, Flash, Member, PageCtx, PageParams};
use crate::workspaces::Role;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/strings/{string_id}", web::get().to(show))
        .route("/strings/{string_id}/edit", web::post().to(edit))
        .route(
            "/strings/{string_id}/versions/{version}/rollback",
            web::post().to(rollback),
        );
}

#[derive(Template)]
#[template(path = "naming/string.html")]
struct StringPage {
    page: PageCtx,
    slug: String,
    v: StringView,
    can_edit: bool,
    /// Messages by dimension id ("" for the form as a whole).
    errors: Vec<(String, String)>,
    /// The string the new value collides with.
    collision: Option<(String, StringId)>,
    /// What the user typed, by form field name (after a refused save).
    typed: Vec<(String, String)>,
    /// "Ask first": the version waiting to be propagated and how many
    /// descendants inherit it.
    ask: Option<(ModificationId, i64)>,
}

impl StringPage {
    fn error(&self, row: &DetailRow) -> Option<&str> {
        let key = row.dimension_id.to_string();
        self.errors
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, m)| m.as_str())
    }

    fn general_errors(&self) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|(k, _)| k.is_empty())
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// The text control's value: what the user typed, else the current one.
    fn text_value(&self, row: &DetailRow) -> String {
        let name = row.input();
        self.typed
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| row.shown.clone())
    }

    fn is_selected(&self, row: &DetailRow, choice: &view::Choice) -> bool {
        let name = row.input();
        match self.typed.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => *v == choice.id,
            None => choice.selected,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    /// The children's page.
    #[serde(default, deserialize_with = "crate::web::pagination::lenient_page")]
    page: Option<i64>,
    /// The history's page.
    #[serde(default, deserialize_with = "crate::web::pagination::lenient_page")]
    history_page: Option<i64>,
    /// A version waiting for "propagate now" (ask-first setting).
    #[serde(default)]
    propagate: Option<ModificationId>,
}

struct Problems {
    errors: Vec<(String, String)>,
    collision: Option<(String, StringId)>,
    typed: Vec<(String, String)>,
}

async fn render(
    ctx: &Ctx,
    member: &Member,
    id: StringId,
    q: ShowQuery,
    problems: Option<Problems>,
) -> AppResult<HttpResponse> {
    let m = member.clone();
    let uid = member.user_id();
    let ask_for = q.propagate;
    let (v, ask) = web::block(move || {
        m.conn()?.read(|c, t| {
            let v = view::load(
                c,
                t,
                id,
                PageParams::new(q.page),
                PageParams::new(q.history_page),
            )?;
            let ask = match ask_for {
                Some(mid) if v.history.items.iter().any(|r| r.m.id == mid) => {
                    let row = v.history.items.iter().find(|r| r.m.id == mid);
                    let dims = match row {
                        Some(r) => propagation::changed_dimensions(c, t, &r.m)?,
                        None => Vec::new(),
                    };
                    let depth = propagation::settings(c, t, uid)?.max_depth;
                    let n = propagation::inheriting_count(c, t, id, &dims, depth, None)?;
                    (n > 0).then_some((mid, n))
                }
                _ => None,
            };
            Ok((v, ask))
        })
    })
    .await??;
    let invalid = problems.is_some();
    let p = problems.unwrap_or(Problems {
        errors: Vec::new(),
        collision: None,
        typed: Vec::new(),
    });
    let page = StringPage {
        page: ctx.workspace(&v.s.value, member),
        slug: member.workspace.slug.clone(),
        v,
        can_edit: member.role.at_least(Role::Member),
        errors: p.errors,
        collision: p.collision,
        typed: p.typed,
        ask,
    };
    if invalid {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

pub async fn show(
    ctx: Ctx,
    member: Member,
    path: web::Path<(String, StringId)>,
    q: web::Query<ShowQuery>,
) -> AppResult<HttpResponse> {
    render(&ctx, &member, path.1, q.into_inner(), None).await
}

pub async fn edit(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, StringId)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let id = path.1;
    let typed: Vec<(String, String)> = form
        .into_inner()
        .into_iter()
        .filter(|(k, _)| k.starts_with("dim_"))
        .collect();
    let choices: Choices = typed
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("dim_")?.parse().ok()?, v.clone())))
        .collect();
    let saved = editor
        .write(
            move |c, t, uid| match versions::edit(c, t, uid, id, &choices, &meta)? {
                Ok(saved) => {
                    let next = propagation::follow_up(c, t, uid, id, &saved, &meta)?;
                    Ok(Ok((saved, next)))
                }
                Err(e) => Ok(Err(e)),
            },
        )
        .await?;
    after_save(&ctx, &editor, id, saved, typed).await
}

pub async fn rollback(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    path: web::Path<(String, StringId, i32)>,
) -> AppResult<HttpResponse> {
    let (_, id, version) = path.into_inner();
    let saved = editor
        .write(
            move |c, t, uid| match versions::rollback(c, t, uid, id, version, &meta)? {
                Ok(saved) => {
                    let next = propagation::follow_up(c, t, uid, id, &saved, &meta)?;
                    Ok(Ok((saved, next)))
                }
                Err(e) => Ok(Err(e)),
            },
        )
        .await?;
    after_save(&ctx, &editor, id, saved, Vec::new()).await
}

/// Saved: run a small propagation job here, point at a big one, or offer
/// it; refused: the page again with the reasons (422).
async fn after_save(
    ctx: &Ctx,
    editor: &Editor,
    id: StringId,
    saved: Result<(Saved, FollowUp), EditError>,
    typed: Vec<(String, String)>,
) -> AppResult<HttpResponse> {
    let slug = &editor.workspace.slug;
    let here = format!("/w/{slug}/naming/strings/{id}");
    let (saved, next) = match saved {
        Ok(x) => x,
        Err(EditError::Invalid(errors)) => {
            let p = Problems {
                errors,
                collision: None,
                typed,
            };
            return render(ctx, editor, id, ShowQuery::default(), Some(p)).await;
        }
        Err(EditError::Collision { value, existing }) => {
            let p = Problems {
                errors: vec![(
                    String::new(),
                    format!("“{value}” already exists for this rule and field: nothing was saved."),
                )],
                collision: Some((value, existing)),
                typed,
            };
            return render(ctx, editor, id, ShowQuery::default(), Some(p)).await;
        }
    };
    let done = format!("Saved version {}: “{}”.", saved.version, saved.value);
    match next {
        FollowUp::Nothing => {
            Flash::success(&ctx.session, done);
            Ok(w::redirect(&here))
        }
        FollowUp::Ask { modification, .. } => {
            Flash::success(&ctx.session, done);
            Ok(w::redirect(&format!("{here}?propagate={modification}")))
        }
        FollowUp::Started(job) if job.processing_method == "INLINE" => {
            let m = (*editor).clone();
            let jid = job.id;
            let job = web::block(move || {
                let mut tc = m.conn()?;
                propagation::run(&mut tc, jid)?;
                tc.read(|c, t| propagation::find(c, t, jid))
            })
            .await??;
            let msg = format!(
                "{done} Propagated to {} descendant(s){}.",
                propagation::updated(&job),
                if job.failed_strings > 0 {
                    format!(", {} failed", job.failed_strings)
                } else {
                    String::new()
                }
            );
            if job.failed_strings > 0 {
                Flash::error(&ctx.session, msg);
                Ok(w::redirect(&format!("/w/{slug}/naming/propagation/{jid}")))
            } else {
                Flash::success(&ctx.session, msg);
                Ok(w::redirect(&here))
            }
        }
        FollowUp::Started(job) => {
            Flash::success(
                &ctx.session,
                format!(
                    "{done} Propagating to {} descendants in the background.",
                    job.total_strings
                ),
            );
            Ok(w::redirect(&format!(
                "/w/{slug}/naming/propagation/{}",
                job.id
            )))
        }
    }
}
