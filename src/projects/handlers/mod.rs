//! The projects pages. Each handler parses, calls one model function, and
//! renders; the shared page pieces are here.

pub mod board;
pub mod extras;
pub mod hooks;
pub mod projects;
pub mod sprints;
pub mod tasks;
pub mod time;
pub mod workflows;

use crate::web::{Ctx, Member, PageCtx};
use crate::workspaces::Role;

/// The page context of a projects page.
pub fn page(ctx: &Ctx, m: &Member, title: &str) -> PageCtx {
    ctx.workspace(title, m)
}

/// Whether the member may change projects and tasks (not a viewer).
pub fn can_edit(m: &Member) -> bool {
    m.role.at_least(Role::Member)
}

/// Whether the member may trash and restore projects and delete others'
/// comments.
pub fn can_admin(m: &Member) -> bool {
    m.role.at_least(Role::Admin)
}
