//! The workflows' webhook: `POST /hooks/projects/{workspace id}/workflows/{id}`
//! from another system, with no session. The body is read up to
//! [`MAX_HOOK_BODY`] bytes, then the signature decides (see
//! `projects::triggers`). Answers are JSON.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use crate::db::{TenantConn, TenantId, TenantScope, UtcTime};
use crate::error::{AppError, AppResult};
use crate::projects::models::WorkflowId;
use crate::projects::triggers::{self, HookRefusal, MAX_HOOK_BODY};
use crate::AppState;

/// Mounted by the core under `/hooks/projects`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/{workspace_id}/workflows/{workflow_id}",
        web::post().to(workflow),
    );
}

fn answer(status: StatusCode, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status).json(body)
}

pub async fn workflow(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(TenantId, WorkflowId)>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    let (tenant, id) = path.into_inner();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| AppError::BadRequest("The body was cut off.".into()))?;
        if body.len() + chunk.len() > MAX_HOOK_BODY {
            return Ok(answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"error": format!("The body is larger than {MAX_HOOK_BODY} bytes.")}),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (timestamp, signature) = (header("x-atrium-timestamp"), header("x-atrium-signature"));
    let pool = state.pool.clone();
    let outcome = web::block(move || {
        // The signature, checked inside, is the proof this scope stands on:
        // an unknown workspace or workflow is a 404 before anything else.
        let mut tc = TenantConn::open(&pool, &TenantScope::verified(tenant))?;
        tc.write(|c, t| triggers::webhook(c, t, id, &timestamp, &signature, &body, UtcTime::now()))
    })
    .await?;
    Ok(match outcome {
        Ok(Ok(run)) => answer(StatusCode::CREATED, json!({"run": run})),
        Ok(Err(HookRefusal::Unsigned(m))) => answer(StatusCode::UNAUTHORIZED, json!({"error": m})),
        Ok(Err(HookRefusal::NotNow(m))) => answer(StatusCode::CONFLICT, json!({"error": m})),
        Ok(Err(HookRefusal::BadTask(m))) => {
            answer(StatusCode::UNPROCESSABLE_ENTITY, json!({"error": m}))
        }
        Err(AppError::NotFound) => {
            answer(StatusCode::NOT_FOUND, json!({"error": "No such workflow."}))
        }
        Err(e) => return Err(e),
    })
}
