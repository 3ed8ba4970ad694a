//! The new-submission form: rule, starting field, optional parent string
//! (searched by value), one fieldset per level with a control per rule part
//! (dependent dropdowns filtered server-side, reloaded by htmx), the live
//! preview, and creation. Control names are `v.{field_id}.{dimension_id}`,
//! repeated per value.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::error::{AppError, AppResult};
use crate::naming::generate::{self, Outcome, Problem};
use crate::naming::models::Availability;
use crate::naming::parts::today;
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, Flash, HxRequest, PageCtx};

pub use crate::naming::submission_form::{
    form_view, parents, Control, FormView, Level, Opt, ParentPicker, PreviewRow, PreviewView,
    ProblemView, SubmissionForm,
};

#[derive(Template)]
#[template(path = "naming/submission_new.html")]
struct NewPage {
    page: PageCtx,
    slug: String,
    form: SubmissionForm,
    view: FormView,
    preview: PreviewView,
}

#[derive(Template)]
#[template(path = "naming/_submission_levels.html")]
struct LevelsFragment {
    slug: String,
    view: FormView,
}

#[derive(Template)]
#[template(path = "naming/_submission_preview.html")]
struct PreviewFragment {
    slug: String,
    preview: PreviewView,
}

#[derive(Template)]
#[template(path = "naming/_parent_results.html")]
struct ParentResults {
    slug: String,
    picker: ParentPicker,
}

async fn render(
    ctx: &Ctx,
    editor: &Editor,
    mut form: SubmissionForm,
    problems: Vec<Problem>,
    hx: bool,
) -> AppResult<HttpResponse> {
    let m = editor.0.clone();
    let slug = editor.workspace.slug.clone();
    let s = slug.clone();
    let invalid = !problems.is_empty();
    let (form, view) = web::block(move || {
        m.conn()?.read(|c, t| {
            let view = form_view(c, t, &mut form, &problems, &s)?;
            Ok((form, view))
        })
    })
    .await??;
    if hx && !invalid {
        return w::ok(&LevelsFragment { slug, view });
    }
    let page = NewPage {
        page: ctx.workspace("New submission", editor),
        slug,
        form,
        preview: PreviewView::empty(),
        view,
    };
    if invalid {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

/// `GET /submissions/new[?rule=…&field=…&parent=…&v.…]`: the form; for
/// htmx, only the starting field, parent and level fieldsets.
pub async fn new(
    ctx: Ctx,
    editor: Editor,
    hx: HxRequest,
    q: web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SubmissionForm::from_pairs(q.into_inner());
    render(&ctx, &editor, form, Vec::new(), hx.0).await
}

/// `POST /submissions/new`: the "Load fields" and "Search" buttons without
/// JavaScript. The form as sent, re-rendered for the chosen rule, starting
/// field, parent and search; nothing is written. A POST so that the form's
/// CSRF token never lands in a URL (history, access logs).
pub async fn reload(
    ctx: Ctx,
    editor: Editor,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SubmissionForm::from_pairs(body.into_inner());
    render(&ctx, &editor, form, Vec::new(), false).await
}

/// `GET /submissions/parents?rule=…&field=…&parent=…&parent_q=…`: the
/// parent select for a search (htmx; without JavaScript the form's
/// "Search" button posts to `reload`, which shows the same results).
pub async fn parents(
    editor: Editor,
    q: web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SubmissionForm::from_pairs(q.into_inner());
    let m = editor.0.clone();
    let picker = web::block(move || m.conn()?.read(|c, t| parents::search(c, t, &form))).await??;
    w::ok(&ParentResults {
        slug: editor.workspace.slug.clone(),
        picker,
    })
}

/// `POST /submissions/preview`: what the form would generate (writes nothing).
pub async fn preview(
    editor: Editor,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SubmissionForm::from_pairs(body.into_inner());
    let slug = editor.workspace.slug.clone();
    let Some(req) = form.request() else {
        return w::ok(&PreviewFragment {
            slug,
            preview: PreviewView::empty(),
        });
    };
    let m = editor.0.clone();
    let plan = web::block(move || {
        m.conn()?
            .read(|c, t| match generate::plan(c, t, &req, today()) {
                // A rule of another workspace, or gone: nothing to preview.
                Err(AppError::NotFound) => Ok(Err(Vec::new())),
                other => other,
            })
    })
    .await??;
    w::ok(&PreviewFragment {
        slug,
        preview: PreviewView::of(plan),
    })
}

/// `POST /submissions`: generates; 303 to the submission, or 422 with the
/// form as it was sent and the problems beside the controls.
pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SubmissionForm::from_pairs(body.into_inner());
    let Some(req) = form.request() else {
        let problem = Problem {
            field: None,
            dimension: None,
            message: "Choose a rule and a starting field.".into(),
            existing: None,
        };
        return render(&ctx, &editor, form, vec![problem], false).await;
    };
    let outcome = editor
        .write(
            move |c, t, uid| match generate::generate(c, t, uid, &req, today(), &meta) {
                Err(AppError::NotFound) => Ok(Outcome::Invalid(vec![Problem {
                    field: None,
                    dimension: None,
                    message: "That rule doesn't exist in this workspace.".into(),
                    existing: None,
                }])),
                other => other,
            },
        )
        .await?;
    match outcome {
        Outcome::Created {
            submission,
            strings,
        } => {
            Flash::success(
                &ctx.session,
                format!(
                    "{strings} name{} generated.",
                    if strings == 1 { "" } else { "s" }
                ),
            );
            Ok(w::redirect(&format!(
                "/w/{}/naming/submissions/{submission}",
                editor.workspace.slug
            )))
        }
        Outcome::Invalid(problems) => render(&ctx, &editor, form, problems, false).await,
    }
}
