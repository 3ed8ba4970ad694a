//! A workspace's public face: its logo file, its social links, and the old
//! addresses (slugs) that still lead to it after a rename.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use diesel::prelude::*;

use super::models::{Platform, Workspace, WorkspaceLink, WorkspaceLinkId};
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::{slug_redirects, tenants, workspace_links};
use crate::web::extract::RequestMeta;
use crate::web::FormErrors;

/// Largest logo accepted, in bytes (1 MiB).
pub const MAX_LOGO_BYTES: usize = 1024 * 1024;
/// Longest social link accepted, in characters.
pub const MAX_LINK_CHARS: usize = 300;

// ---------------------------------------------------------------- logo ----

/// An image format accepted for logos. SVG is not one: it can carry scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
    Gif,
}

impl ImageKind {
    const ALL: [ImageKind; 4] = [
        ImageKind::Png,
        ImageKind::Jpeg,
        ImageKind::Webp,
        ImageKind::Gif,
    ];

    /// The file extension the logo is stored under.
    pub fn ext(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Webp => "webp",
            ImageKind::Gif => "gif",
        }
    }

    /// The `Content-Type` the logo is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
            ImageKind::Gif => "image/gif",
        }
    }

    /// The format of `bytes`, from their magic number alone: the client's
    /// content type and file name say whatever the client likes.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(b"\xff\xd8\xff") {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }
}

/// The format of an uploaded logo, or the message to show beside the field.
pub fn check_logo(bytes: &[u8]) -> Result<ImageKind, String> {
    if bytes.is_empty() {
        return Err("Choose an image file to upload.".into());
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(logo_too_large());
    }
    match ImageKind::sniff(bytes) {
        Some(kind) => Ok(kind),
        None if looks_like_svg(bytes) => Err(
            "SVG logos are not accepted (an SVG can carry scripts). Use PNG, JPEG, WebP or GIF."
                .into(),
        ),
        None => Err("That file is not a PNG, JPEG, WebP or GIF image.".into()),
    }
}

/// The message for a logo over [`MAX_LOGO_BYTES`].
pub fn logo_too_large() -> String {
    format!(
        "The logo must be {} MiB or smaller.",
        MAX_LOGO_BYTES / (1024 * 1024)
    )
}

/// Only to choose the message: SVG is refused like any other unknown format.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    String::from_utf8_lossy(head)
        .to_ascii_lowercase()
        .contains("<svg")
}

/// Where logos live: `<data_dir>/logos/<tenant_id>.<ext>`.
pub fn logo_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logos")
}

/// The format of a stored logo name, if it is one this code could have
/// written for `tenant`; anything else is never joined onto a path.
fn stored_kind(tenant: TenantId, name: &str) -> Option<ImageKind> {
    ImageKind::ALL
        .into_iter()
        .find(|k| name == format!("{tenant}.{}", k.ext()))
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::internal(format!("{what} {}: {e}", path.display()))
}

/// Deletes a file that is no longer referenced. A leftover file is harmless
/// (it is overwritten or ignored), so a failure is logged, not returned.
fn discard(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(path = %path.display(), error = %e, "could not delete file"),
    }
}

/// Writes `bytes` to a fresh temporary file beside the final one, so that the
/// final rename is atomic and a reader never sees half a logo.
fn write_temp(dir: &Path, tenant: TenantId, bytes: &[u8]) -> AppResult<PathBuf> {
    crate::files::create_private_dir_all(dir).map_err(|e| io_error("cannot create", dir, e))?;
    let tmp = dir.join(format!(".{tenant}.{}.tmp", crate::web::random_token(8)));
    // 0600: the rename keeps the mode, so the logo is private from the start.
    let written = crate::files::private_file_options()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
    if let Err(e) = written {
        discard(&tmp);
        return Err(io_error("cannot write", &tmp, e));
    }
    Ok(tmp)
}

/// Makes `bytes` the workspace's logo, or says why not (`Ok(Err(message))`).
/// The file is written to a temporary name first and renamed into place as
/// the transaction's last step, so a failed update leaves the old logo intact.
/// Audited as `workspace.logo_update`.
pub fn set_logo(
    conn: &mut TenantConn,
    data_dir: &Path,
    actor: UserId,
    bytes: &[u8],
    meta: &RequestMeta,
) -> AppResult<Result<(), String>> {
    let kind = match check_logo(bytes) {
        Ok(kind) => kind,
        Err(message) => return Ok(Err(message)),
    };
    let tenant = conn.tenant_id();
    let dir = logo_dir(data_dir);
    let name = format!("{tenant}.{}", kind.ext());
    let tmp = write_temp(&dir, tenant, bytes)?;
    let committed = conn.write(|c, t| {
        let old: Option<String> = tenants::table.find(t).select(tenants::logo_path).first(c)?;
        diesel::update(tenants::table.find(t))
            .set((
                tenants::logo_path.eq(&name),
                tenants::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
        audit::record(
            c,
            NewEvent::tenant(t, "workspace.logo_update")
                .actor(actor)
                .resource("workspace", t)
                .meta(meta)
                .changes(serde_json::json!({
                    "logo": [old, name],
                    "bytes": bytes.len(),
                })),
        )?;
        let target = dir.join(&name);
        std::fs::rename(&tmp, &target).map_err(|e| io_error("cannot move logo to", &target, e))?;
        Ok(old)
    });
    match committed {
        Ok(old) => {
            // A logo in another format had another file name.
            if let Some(old) = old.filter(|o| *o != name) {
                if stored_kind(tenant, &old).is_some() {
                    discard(&dir.join(old));
                }
            }
            Ok(Ok(()))
        }
        Err(e) => {
            discard(&tmp);
            Err(e)
        }
    }
}

/// Removes the workspace's logo (nothing to do when there is none). Audited
/// as `workspace.logo_remove`; the file goes once the change has committed.
pub fn remove_logo(
    conn: &mut TenantConn,
    data_dir: &Path,
    actor: UserId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let tenant = conn.tenant_id();
    let old = conn.write(|c, t| {
        let old: Option<String> = tenants::table.find(t).select(tenants::logo_path).first(c)?;
        let Some(old) = old else {
            return Ok(None);
        };
        diesel::update(tenants::table.find(t))
            .set((
                tenants::logo_path.eq(None::<String>),
                tenants::updated_at.eq(UtcTime::now()),
            ))
            .execute(c)?;
        audit::record(
            c,
            NewEvent::tenant(t, "workspace.logo_remove")
                .actor(actor)
                .resource("workspace", t)
                .meta(meta)
                .changes(serde_json::json!({ "logo": [old, null] })),
        )?;
        Ok(Some(old))
    })?;
    if let Some(old) = old.filter(|o| stored_kind(tenant, o).is_some()) {
        discard(&logo_dir(data_dir).join(old));
    }
    Ok(())
}

/// The workspace's logo file and its format; `None` when it has none (or the
/// file has gone missing). Blocking: call inside `web::block`.
pub fn read_logo(data_dir: &Path, ws: &Workspace) -> AppResult<Option<(ImageKind, Vec<u8>)>> {
    let Some(name) = ws.logo_path.as_deref() else {
        return Ok(None);
    };
    let Some(kind) = stored_kind(ws.id, name) else {
        tracing::warn!(tenant = %ws.id, name, "ignoring an unexpected logo file name");
        return Ok(None);
    };
    let path = logo_dir(data_dir).join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(Some((kind, bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("cannot read", &path, e)),
    }
}

// --------------------------------------------------------------- links ----

/// The workspace's social links, in the order of [`Platform::ALL`].
pub fn links(c: &mut DbConn, tenant: TenantId) -> AppResult<Vec<WorkspaceLink>> {
    let mut rows: Vec<WorkspaceLink> = workspace_links::table
        .filter(workspace_links::tenant_id.eq(tenant))
        .select(WorkspaceLink::as_select())
        .load(c)?;
    rows.sort_by_key(|l| {
        Platform::ALL
            .iter()
            .position(|p| p.as_str() == l.platform)
            .unwrap_or(Platform::ALL.len())
    });
    Ok(rows)
}

/// The host of an `https://` URL, lowercased, when the URL is one we are
/// willing to link to: no credentials, no port, nothing a browser would read
/// differently from us (whitespace, backslashes, quotes, angle brackets).
fn https_host(url: &str) -> Option<String> {
    let scheme = url.get(..8)?;
    if !scheme.eq_ignore_ascii_case("https://") {
        return None;
    }
    host_after(url, 8)
}

/// As [`https_host`], for an `https://` or `http://` URL (a website field).
pub fn web_host(url: &str) -> Option<String> {
    match url.get(..7) {
        Some(s) if s.eq_ignore_ascii_case("http://") => host_after(url, 7),
        _ => https_host(url),
    }
}

fn host_after(url: &str, scheme_len: usize) -> Option<String> {
    if url
        .chars()
        .any(|ch| ch.is_whitespace() || ch.is_control() || matches!(ch, '\\' | '"' | '<' | '>'))
    {
        return None;
    }
    let rest = url.get(scheme_len..)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    valid.then_some(host)
}

/// A platform and URL as typed, checked: the URL is `https://`, at most
/// [`MAX_LINK_CHARS`], on one of the platform's hosts (`www.` allowed).
pub fn validate_link(platform: &str, url: &str) -> Result<(Platform, String), FormErrors> {
    let mut errors = FormErrors::default();
    let platform = Platform::parse(platform.trim());
    if platform.is_none() {
        errors.add("platform", "Choose a platform.");
    }
    let url = url.trim();
    if url.is_empty() {
        errors.add("url", "Enter the address of the page.");
    } else if url.chars().count() > MAX_LINK_CHARS {
        errors.add(
            "url",
            format!("Keep the address under {MAX_LINK_CHARS} characters."),
        );
    } else if !url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    {
        errors.add("url", "Use an https:// address.");
    } else {
        match https_host(url) {
            None => errors.add("url", "That is not a valid web address."),
            Some(host) => {
                if let Some(p) = platform {
                    let bare = host.strip_prefix("www.").unwrap_or(&host);
                    if !p.hosts().contains(&bare) {
                        errors.add(
                            "url",
                            format!(
                                "A {} link must be on {}.",
                                p.label(),
                                p.hosts().join(" or ")
                            ),
                        );
                    }
                }
            }
        }
    }
    match platform {
        Some(p) if errors.is_empty() => Ok((p, url.to_string())),
        _ => Err(errors),
    }
}

/// Adds a social link, replacing the workspace's link to the same platform if
/// it has one; or says why not (`Ok(Err(..))`). Audited as `workspace.link_add`.
pub fn add_link(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    platform: &str,
    url: &str,
    meta: &RequestMeta,
) -> AppResult<Result<WorkspaceLink, FormErrors>> {
    let (platform, url) = match validate_link(platform, url) {
        Ok(valid) => valid,
        Err(errors) => return Ok(Err(errors)),
    };
    let replaced: Option<String> = workspace_links::table
        .filter(workspace_links::tenant_id.eq(tenant))
        .filter(workspace_links::platform.eq(platform.as_str()))
        .select(workspace_links::url)
        .first(c)
        .optional()?;
    let link = WorkspaceLink {
        tenant_id: tenant,
        id: WorkspaceLinkId::new(),
        platform: platform.as_str().to_string(),
        url,
        created_at: UtcTime::now(),
    };
    // The replace is one savepoint: if another admin saved a link to the same
    // platform at the same moment, neither the delete nor the insert is kept.
    let inserted = crate::db::unless_taken(c, |c| {
        diesel::delete(
            workspace_links::table
                .filter(workspace_links::tenant_id.eq(tenant))
                .filter(workspace_links::platform.eq(platform.as_str())),
        )
        .execute(c)?;
        diesel::insert_into(workspace_links::table)
            .values((
                workspace_links::tenant_id.eq(link.tenant_id),
                workspace_links::id.eq(link.id),
                workspace_links::platform.eq(&link.platform),
                workspace_links::url.eq(&link.url),
                workspace_links::created_at.eq(link.created_at),
            ))
            .execute(c)
    })?;
    if inserted.is_none() {
        return Ok(Err(FormErrors::one(
            "platform",
            "Someone else just changed this link; try again.",
        )));
    }
    audit::record(
        c,
        NewEvent::tenant(tenant, "workspace.link_add")
            .actor(actor)
            .resource("workspace_link", link.id)
            .meta(meta)
            .changes(serde_json::json!({
                "platform": link.platform,
                "url": [replaced, link.url],
            })),
    )?;
    Ok(Ok(link))
}

/// Removes a social link; another workspace's link is not found (404).
/// Audited as `workspace.link_remove`.
pub fn remove_link(
    c: &mut DbConn,
    tenant: TenantId,
    actor: UserId,
    id: WorkspaceLinkId,
    meta: &RequestMeta,
) -> AppResult<()> {
    let link: WorkspaceLink = workspace_links::table
        .filter(workspace_links::tenant_id.eq(tenant))
        .filter(workspace_links::id.eq(id))
        .select(WorkspaceLink::as_select())
        .first(c)?;
    diesel::delete(
        workspace_links::table
            .filter(workspace_links::tenant_id.eq(tenant))
            .filter(workspace_links::id.eq(id)),
    )
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(tenant, "workspace.link_remove")
            .actor(actor)
            .resource("workspace_link", id)
            .meta(meta)
            .changes(serde_json::json!({"platform": link.platform, "url": link.url})),
    )
}

// ----------------------------------------------------------- redirects ----

/// The active workspace that `old_slug` used to name, if any.
pub fn redirected(conn: &mut DbConn, old_slug: &str) -> AppResult<Option<Workspace>> {
    Ok(slug_redirects::table
        .inner_join(tenants::table)
        .filter(slug_redirects::old_slug.eq(old_slug))
        .filter(tenants::status.eq(super::models::WorkspaceStatus::Active))
        .select(Workspace::as_select())
        .first(conn)
        .optional()?)
}

/// The workspace (active or not) an old slug still belongs to: no other
/// workspace may take it while the redirect stands.
pub fn redirect_owner(conn: &mut DbConn, slug: &str) -> AppResult<Option<TenantId>> {
    Ok(slug_redirects::table
        .filter(slug_redirects::old_slug.eq(slug))
        .select(slug_redirects::tenant_id)
        .first(conn)
        .optional()?)
}

/// Records a rename from `old` to `new` inside the rename's transaction:
/// `old` now redirects to the workspace, and `new`, if it was one of the
/// workspace's own old addresses, is live again rather than a redirect. The
/// caller has already refused a `new` that is another workspace's redirect.
pub fn record_slug_change(c: &mut DbConn, tenant: TenantId, old: &str, new: &str) -> AppResult<()> {
    diesel::delete(
        slug_redirects::table
            .filter(slug_redirects::old_slug.eq(new))
            .filter(slug_redirects::tenant_id.eq(tenant)),
    )
    .execute(c)?;
    diesel::insert_into(slug_redirects::table)
        .values((
            slug_redirects::old_slug.eq(old),
            slug_redirects::tenant_id.eq(tenant),
            slug_redirects::created_at.eq(UtcTime::now()),
        ))
        .execute(c)?;
    Ok(())
}
