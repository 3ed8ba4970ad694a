//! Time tracking on a task (timer, manual entries, deleting one's own) and
//! the project's time entries as CSV.

use actix_web::{web, HttpResponse};

use super::tasks::{render_show, Refused};
use crate::error::AppResult;
use crate::projects::models::*;
use crate::projects::project as projects_model;
use crate::projects::time::{self as model, EntryForm};
use crate::web::{self as w, Ctx, Editor, Flash, Member};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/{project_id}/tasks/{task_id}/timer/start",
        web::post().to(start),
    )
    .route(
        "/{project_id}/tasks/{task_id}/timer/stop",
        web::post().to(stop),
    )
    .route("/{project_id}/tasks/{task_id}/time", web::post().to(add))
    .route(
        "/{project_id}/tasks/{task_id}/time/{entry_id}/delete",
        web::post().to(delete),
    );
}

fn task_url(slug: &str, project: ProjectId, id: TaskId) -> String {
    format!("/w/{slug}/projects/{project}/tasks/{id}#time")
}

pub async fn start(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, TaskId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    editor
        .write(move |c, t, uid| model::start(c, t, uid, project, id))
        .await?;
    Flash::success(&ctx.session, "Timer started.");
    Ok(w::redirect(&task_url(&editor.workspace.slug, project, id)))
}

pub async fn stop(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, TaskId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let logged = editor
        .write(move |c, t, uid| model::stop_on(c, t, uid, project, id))
        .await?;
    let msg = match logged {
        Some(m) => format!("Timer stopped: {} logged.", hours_minutes(m)),
        None => "No timer was running.".to_string(),
    };
    Flash::success(&ctx.session, msg);
    Ok(w::redirect(&task_url(&editor.workspace.slug, project, id)))
}

pub async fn add(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, TaskId)>,
    form: web::Form<EntryForm>,
) -> AppResult<HttpResponse> {
    let (_, project, id) = path.into_inner();
    let f = form.into_inner();
    let g = f.clone();
    let r = editor
        .write(move |c, t, uid| model::add_entry(c, t, uid, project, id, &g))
        .await?;
    match r {
        Ok(m) => {
            Flash::success(&ctx.session, format!("{} logged.", hours_minutes(m)));
            Ok(w::redirect(&task_url(&editor.workspace.slug, project, id)))
        }
        Err(errors) => {
            render_show(
                &ctx,
                &editor,
                project,
                id,
                Refused {
                    entry: Some(f),
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

pub async fn delete(
    ctx: Ctx,
    editor: Editor,
    path: web::Path<(String, ProjectId, TaskId, TimeEntryId)>,
) -> AppResult<HttpResponse> {
    let (_, project, id, entry) = path.into_inner();
    editor
        .write(move |c, t, uid| model::delete_entry(c, t, uid, project, id, entry))
        .await?;
    Flash::success(&ctx.session, "Time entry deleted.");
    Ok(w::redirect(&task_url(&editor.workspace.slug, project, id)))
}

const CSV_CHUNK: i64 = 1_000;

/// `GET /{project}/time.csv`: every finished entry of the project,
/// streamed 1,000 at a time.
pub async fn csv(member: Member, path: web::Path<(String, ProjectId)>) -> AppResult<HttpResponse> {
    let project = path.into_inner().1;
    let m = member.clone();
    let p = web::block(move || {
        m.conn()?
            .read(|c, t| projects_model::find_live(c, t, project))
    })
    .await??;
    let key = p.key.clone();
    let head = crate::support::csv::line(&[
        "date", "task", "title", "person", "minutes", "hours", "note",
    ]);
    let body = w::stream::paged_body(head, String::new(), move |after: Option<TimeEntryId>| {
        let rows = member
            .conn()?
            .read(|c, t| model::export_chunk(c, t, project, after, CSV_CHUNK))?;
        let next = if rows.len() as i64 == CSV_CHUNK {
            rows.last().map(|r| r.0.id)
        } else {
            None
        };
        let mut out = String::new();
        for (e, number, title, who) in rows {
            let minutes = e.minutes.unwrap_or(0);
            out.push_str(&crate::support::csv::line(&[
                &model::day_of(&e).to_string(),
                &format!("{key}-{number}"),
                &title,
                &who,
                &minutes.to_string(),
                &format!("{:.2}", minutes as f64 / 60.0),
                &e.note,
            ]));
        }
        Ok((out, next))
    });
    Ok(w::stream::attachment(
        "text/csv; charset=utf-8",
        &format!("{}-time.csv", p.key.to_lowercase()),
        body,
    ))
}
