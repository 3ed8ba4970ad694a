//! The new-conversation form's choices: the workspace's people, its teams
//! and its live projects (each list capped at 500).

use diesel::prelude::*;

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::projects::project::{people, Person};
use crate::schema::{projects_projects, teams};

/// The team and project choices of the new-conversation form.
pub struct Choices {
    pub people: Vec<Person>,
    pub teams: Vec<(String, String)>,
    pub projects: Vec<(String, String)>,
}

pub fn choices(c: &mut DbConn, t: TenantId) -> AppResult<Choices> {
    let teams: Vec<(crate::workspaces::teams::TeamId, String)> = teams::table
        .filter(teams::tenant_id.eq(t))
        .order(teams::name.asc())
        .limit(500)
        .select((teams::id, teams::name))
        .load(c)?;
    let projects: Vec<(crate::projects::models::ProjectId, String)> = projects_projects::table
        .filter(projects_projects::tenant_id.eq(t))
        .filter(projects_projects::deleted_at.is_null())
        .filter(projects_projects::is_template.eq(false))
        .order(projects_projects::name.asc())
        .limit(500)
        .select((projects_projects::id, projects_projects::name))
        .load(c)?;
    Ok(Choices {
        people: people(c, t)?,
        teams: teams
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect(),
        projects: projects
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect(),
    })
}
