//! Saved views of a project's task list: a name for a set of filters (the
//! list's query string), kept for their author or shared with everyone who
//! sees the project.

use diesel::prelude::*;

use super::models::*;
use crate::accounts::UserId;
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::schema::projects_views as pv;
use crate::web::FormErrors;

/// A person keeps at most this many views per project.
pub const MAX_VIEWS: i64 = 50;

/// The views a member sees on a project's list: their own and the shared
/// ones, by name.
pub fn visible(
    c: &mut DbConn,
    t: TenantId,
    project: ProjectId,
    me: UserId,
) -> AppResult<Vec<SavedView>> {
    Ok(pv::table
        .filter(pv::tenant_id.eq(t))
        .filter(pv::project_id.eq(project))
        .filter(pv::user_id.eq(me).or(pv::shared.eq(true)))
        .order((pv::name.asc(), pv::id.asc()))
        .limit(2 * MAX_VIEWS)
        .select(SavedView::as_select())
        .load(c)?)
}

/// The query a view keeps: the list's filters, without paging, every pair
/// URL-encoded again so nothing else can ride along.
pub fn clean_query(raw: &str) -> String {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, v)| !v.trim().is_empty() && k != "after" && k != "before" && k != "view")
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// Saves the current filters under `name`; the same name again replaces
/// the person's earlier view.
pub fn save(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    project: ProjectId,
    name: &str,
    query: &str,
    shared: bool,
) -> AppResult<Result<ViewId, FormErrors>> {
    let mut e = FormErrors::default();
    let name = super::forms::text(&mut e, "view_name", name, 60, true);
    let query = clean_query(query);
    if query.is_empty() {
        e.add(
            "view_name",
            "Set a filter first: a view keeps the list's filters.",
        );
    } else if query.len() > 2_000 {
        e.add("view_name", "These filters are too long to keep as a view.");
    }
    if !e.is_empty() {
        return Ok(Err(e));
    }
    let mine: Vec<SavedView> = pv::table
        .filter(pv::tenant_id.eq(t))
        .filter(pv::project_id.eq(project))
        .filter(pv::user_id.eq(me))
        .limit(MAX_VIEWS + 1)
        .select(SavedView::as_select())
        .load(c)?;
    if let Some(old) = mine
        .iter()
        .find(|v| v.name.to_lowercase() == name.to_lowercase())
    {
        diesel::update(
            pv::table
                .filter(pv::tenant_id.eq(t))
                .filter(pv::id.eq(old.id)),
        )
        .set((
            pv::query.eq(&query),
            pv::shared.eq(shared),
            pv::name.eq(&name),
        ))
        .execute(c)?;
        return Ok(Ok(old.id));
    }
    if mine.len() as i64 >= MAX_VIEWS {
        e.add(
            "view_name",
            format!("You keep {MAX_VIEWS} views of this project already; delete one first."),
        );
        return Ok(Err(e));
    }
    let v = SavedView {
        tenant_id: t,
        id: ViewId::new(),
        project_id: project,
        user_id: me,
        name,
        query,
        shared,
        created_at: UtcTime::now(),
    };
    diesel::insert_into(pv::table).values(&v).execute(c)?;
    Ok(Ok(v.id))
}

/// Deletes a view: its author's, or a shared one by a workspace admin.
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    me: UserId,
    is_admin: bool,
    project: ProjectId,
    id: ViewId,
) -> AppResult<()> {
    let v: SavedView = pv::table
        .filter(pv::tenant_id.eq(t))
        .filter(pv::project_id.eq(project))
        .filter(pv::id.eq(id))
        .filter(pv::user_id.eq(me).or(pv::shared.eq(true)))
        .select(SavedView::as_select())
        .first(c)?;
    if v.user_id != me && !is_admin {
        return Err(AppError::Forbidden(
            "Only its author or an admin can delete a shared view.".into(),
        ));
    }
    diesel::delete(pv::table.filter(pv::tenant_id.eq(t)).filter(pv::id.eq(id))).execute(c)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::clean_query;

    #[test]
    fn a_view_keeps_filters_only() {
        assert_eq!(
            clean_query("status=todo&after=abc&q=&tag=ui+kit&x=%3Cb%3E"),
            "status=todo&tag=ui+kit&x=%3Cb%3E"
        );
        assert_eq!(clean_query("after=1&before=2"), "");
    }
}
