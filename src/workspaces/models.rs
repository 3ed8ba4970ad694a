//! Workspaces (tenants), roles and memberships.

use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::UserId;
use crate::db::{Id, Json, TenantId, UtcTime};
use crate::schema::{memberships, tenants, workspace_links};

/// The key in `tenants.settings` that makes members use two-factor sign-in.
pub const REQUIRE_TWO_FACTOR: &str = "require_two_factor";

crate::text_enum!(
    /// Whether a workspace is open to its members (`tenants.status`).
    WorkspaceStatus {
        Active = "active" / "Active",
        Inactive = "inactive" / "Inactive",
    }
);

/// A workspace.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants)]
pub struct Workspace {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub status: WorkspaceStatus,
    pub plan: String,
    pub seat_limit: i32,
    pub settings: Json,
    pub logo_path: Option<String>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    /// Who created it (`None` for workspaces made before this was kept).
    pub created_by: Option<UserId>,
}

impl Workspace {
    pub fn is_active(&self) -> bool {
        self.status == WorkspaceStatus::Active
    }

    /// Members must have two-factor sign-in on to open the workspace
    /// (`settings.require_two_factor`, set by its admins).
    pub fn requires_two_factor(&self) -> bool {
        self.settings
            .0
            .get(REQUIRE_TWO_FACTOR)
            .and_then(|v| v.as_bool())
            == Some(true)
    }

    /// The logo's URL for an `<img>`, when there is a logo. The `v` parameter
    /// changes with every update, so a browser's cached copy (five minutes)
    /// never hides a new logo.
    pub fn logo_src(&self) -> Option<String> {
        self.logo_path.as_ref().map(|_| {
            format!(
                "/w/{}/logo?v={}",
                self.slug,
                self.updated_at.0.timestamp_millis()
            )
        })
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
    /// Set when the member was removed or left; the row stays for history.
    pub revoked_at: Option<UtcTime>,
    /// Their unread notices here, kept by `notifications` (the badge).
    pub unread_notifications: i32,
    /// When their next digest email goes, if one is waiting.
    pub digest_due_at: Option<UtcTime>,
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
    /// When the member was removed or left (the list shows them on request).
    pub removed: Option<UtcTime>,
}

impl MemberRow {
    pub fn joined_day(&self) -> String {
        self.joined.0.format("%Y-%m-%d").to_string()
    }

    pub fn removed_day(&self) -> Option<String> {
        self.removed.map(|t| t.0.format("%Y-%m-%d").to_string())
    }
}

/// A workspace in "my workspaces".
#[derive(Debug, Clone)]
pub struct MyWorkspace {
    pub name: String,
    pub slug: String,
    pub role: Role,
}

/// A social network a workspace can link to (one link per platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Twitter,
    Facebook,
    Linkedin,
    Instagram,
    Youtube,
}

impl Platform {
    pub const ALL: [Platform; 5] = [
        Platform::Twitter,
        Platform::Facebook,
        Platform::Linkedin,
        Platform::Instagram,
        Platform::Youtube,
    ];

    /// The stored value (`workspace_links.platform`) and the form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Twitter => "twitter",
            Platform::Facebook => "facebook",
            Platform::Linkedin => "linkedin",
            Platform::Instagram => "instagram",
            Platform::Youtube => "youtube",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Platform::Twitter => "X (Twitter)",
            Platform::Facebook => "Facebook",
            Platform::Linkedin => "LinkedIn",
            Platform::Instagram => "Instagram",
            Platform::Youtube => "YouTube",
        }
    }

    /// Hosts a link to this platform may use (each also with `www.`).
    pub fn hosts(self) -> &'static [&'static str] {
        match self {
            Platform::Twitter => &["twitter.com", "x.com"],
            Platform::Facebook => &["facebook.com"],
            Platform::Linkedin => &["linkedin.com"],
            Platform::Instagram => &["instagram.com"],
            Platform::Youtube => &["youtube.com", "youtu.be"],
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

crate::typed_id!(
    /// `workspace_links.id`.
    WorkspaceLinkId
);

/// A social link of a workspace.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workspace_links)]
pub struct WorkspaceLink {
    pub tenant_id: TenantId,
    pub id: WorkspaceLinkId,
    pub platform: String,
    pub url: String,
    pub created_at: UtcTime,
}

impl WorkspaceLink {
    /// The platform's display name (the raw value if the database holds an
    /// unknown one, which its CHECK constraint prevents).
    pub fn label(&self) -> &str {
        match Platform::parse(&self.platform) {
            Some(p) => p.label(),
            None => &self.platform,
        }
    }
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
