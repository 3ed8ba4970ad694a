//! Workspaces (tenants), roles and memberships.

use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::UserId;
use crate::db::{Id, Json, TenantId, UtcTime};
use crate::schema::{memberships, tenants};

/// A workspace.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants)]
pub struct Workspace {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub status: String,
    pub plan: String,
    pub seat_limit: i32,
    pub settings: Json,
    pub logo_path: Option<String>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

impl Workspace {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

/// A role in a workspace, from most to least privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Viewer];
    /// Roles an invitation can grant (ownership is transferred, not invited).
    pub const INVITABLE: [Role; 3] = [Role::Admin, Role::Member, Role::Viewer];

    fn rank(self) -> u8 {
        match self {
            Role::Owner => 3,
            Role::Admin => 2,
            Role::Member => 1,
            Role::Viewer => 0,
        }
    }

    pub fn at_least(self, other: Role) -> bool {
        self.rank() >= other.rank()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::typed_id!(
    /// `memberships.id`.
    MembershipId
);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub tenant_id: TenantId,
    pub id: MembershipId,
    pub user_id: UserId,
    pub role: String,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
}

impl Membership {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }
}

/// A member as the members page lists them.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub membership_id: MembershipId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined: UtcTime,
}

impl MemberRow {
    pub fn joined_day(&self) -> String {
        self.joined.0.format("%Y-%m-%d").to_string()
    }
}

/// A workspace in "my workspaces".
#[derive(Debug, Clone)]
pub struct MyWorkspace {
    pub name: String,
    pub slug: String,
    pub role: Role,
}

pub fn new_id() -> Id {
    Id::new()
}

/// Slugs: lowercase letters, digits and single hyphens, 2–48 characters.
pub fn valid_slug(s: &str) -> bool {
    let len = s.len();
    (2..=48).contains(&len)
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Slugs that would shadow pages or confuse people.
pub const RESERVED_SLUGS: &[&str] = &["new", "admin", "api", "static", "settings", "www", "w"];

/// A slug made from a name: "Acme Marketing!" → "acme-marketing".
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut s: String = out.trim_end_matches('-').chars().take(40).collect();
    s = s.trim_end_matches('-').to_string();
    if s.len() < 2 {
        s = format!("workspace-{}", &crate::web::random_token(2));
    }
    s
}

impl MemberRow {
    pub fn is_owner(&self) -> bool {
        self.role == Role::Owner
    }
}
