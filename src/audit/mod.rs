//! The audit log: one append-only table of who did what, written in the same
//! transaction as the change it records. The database refuses UPDATE and DELETE.

pub mod handlers;
pub mod queries;

pub use queries::{AuditFilter, AuditRow};

use diesel::prelude::*;

use crate::db::UserId;
use crate::db::{DbConn, Id, Json, TenantId, UtcTime};
use crate::error::AppResult;
use crate::schema::audit_events;
use crate::web::extract::RequestMeta;

/// An event to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewEvent {
    id: Id,
    tenant_id: Option<TenantId>,
    actor_id: Option<UserId>,
    action: String,
    resource_type: String,
    resource_id: String,
    ip: Option<String>,
    user_agent: Option<String>,
    changes: Json,
    severity: String,
    created_at: UtcTime,
}

impl NewEvent {
    /// An event with no workspace (sign-up, login, account changes).
    pub fn global(action: &str) -> Self {
        NewEvent {
            id: Id::new(),
            tenant_id: None,
            actor_id: None,
            action: action.to_string(),
            resource_type: String::new(),
            resource_id: String::new(),
            ip: None,
            user_agent: None,
            changes: Json(serde_json::json!({})),
            severity: "info".into(),
            created_at: UtcTime::now(),
        }
    }

    /// An event inside a workspace.
    pub fn tenant(tenant: TenantId, action: &str) -> Self {
        NewEvent {
            tenant_id: Some(tenant),
            ..Self::global(action)
        }
    }

    pub fn actor(mut self, user: UserId) -> Self {
        self.actor_id = Some(user);
        self
    }

    pub fn resource(mut self, kind: &str, id: impl ToString) -> Self {
        self.resource_type = kind.to_string();
        self.resource_id = id.to_string();
        self
    }

    pub fn meta(mut self, meta: &RequestMeta) -> Self {
        self.ip = Some(meta.ip.clone());
        self.user_agent = meta.user_agent.clone();
        self
    }

    /// Before/after values or other detail, as JSON.
    pub fn changes(mut self, changes: serde_json::Value) -> Self {
        self.changes = Json(changes);
        self
    }

    pub fn warning(mut self) -> Self {
        self.severity = "warning".into();
        self
    }

    pub fn critical(mut self) -> Self {
        self.severity = "critical".into();
        self
    }
}

/// Writes one event; call it inside the transaction of the change.
pub fn record(conn: &mut DbConn, event: NewEvent) -> AppResult<()> {
    diesel::insert_into(audit_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}
