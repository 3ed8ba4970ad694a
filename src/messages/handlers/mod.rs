//! The messages pages. Each handler parses, calls one model function, and
//! renders; the shared pieces are here.

pub mod edits;
pub mod files;
pub mod inbox;
pub mod room;
pub mod settings;

use actix_web::web;

use crate::error::AppResult;
use crate::web::live::Event;
use crate::web::{Ctx, Member, PageCtx};
use crate::workspaces::Role;
use crate::AppState;

/// The page context of a messages page.
pub fn page(ctx: &Ctx, m: &Member, title: &str) -> PageCtx {
    ctx.workspace(title, m)
}

/// Whether the member may write (not a viewer: viewers read the
/// conversations they are in).
pub fn can_write(m: &Member) -> bool {
    m.role.at_least(Role::Member)
}

/// Whether the member may delete others' messages (a workspace admin).
pub fn can_moderate(m: &Member) -> bool {
    m.role.at_least(Role::Admin)
}

/// Publishes committed changes to open pages. A failure is logged, never
/// shown: the change itself is saved, and pages catch up on their next event
/// or reload.
pub async fn publish(state: &web::Data<AppState>, events: Vec<Event>) {
    if events.is_empty() {
        return;
    }
    let st = state.clone();
    let sent: AppResult<()> = match web::block(move || st.live.publish(&st.pool, &events)).await {
        Ok(r) => r,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "live event not published");
    }
}
