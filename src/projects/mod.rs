//! Projects and tasks (the Plane/Taiga model): projects with a team,
//! manager, budget and templates; tasks with subtasks up to three levels, a
//! state machine, comments, an activity trail and time tracking; a list with
//! filters and bulk changes, a kanban board with WIP limits and swimlanes,
//! "my work"; sprints that never overlap, with a burndown; milestones with
//! progress; workflows with approvals (a versioned JSON state machine).
//!
//! Pages live under `/w/{slug}/projects/…`.

pub mod board;
pub mod calendar;
pub mod comments;
pub mod demo;
pub mod demo_more;
pub mod extras;
pub mod fields;
pub mod forms;
pub mod handlers;
pub mod milestones;
pub mod models;
pub mod module;
pub mod notify;
pub mod project;
pub mod project_team;
pub mod run_control;
pub mod runs;
pub mod sprints;
pub mod task_files;
pub mod task_lists;
pub mod tasks;
pub mod time;
pub mod tree;
pub mod triggers;
pub mod views;
pub mod workflow_def;
pub mod workflows;

pub use module::MODULE;

use actix_web::web;

/// The workspace pages, mounted by the core inside `/w/{slug}/projects`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.route("", web::get().to(projects::list))
        .route("", web::post().to(projects::create))
        .route("/", web::get().to(projects::list))
        .route("/new", web::get().to(projects::new_form))
        .route("/my", web::get().to(board::my_work))
        .configure(workflows::routes)
        .route("/{project_id}", web::get().to(projects::show))
        .route("/{project_id}", web::post().to(projects::update))
        .route("/{project_id}/edit", web::get().to(projects::edit_form))
        .route("/{project_id}/delete", web::post().to(projects::trash))
        .route("/{project_id}/restore", web::post().to(projects::restore))
        .route("/{project_id}/team", web::post().to(projects::set_member))
        .route(
            "/{project_id}/team/{member_id}/remove",
            web::post().to(projects::remove_member),
        )
        .route("/{project_id}/board", web::get().to(board::board))
        .route("/{project_id}/calendar", web::get().to(board::calendar))
        .route("/{project_id}/time.csv", web::get().to(time::csv))
        .configure(handlers::extras::routes)
        .configure(tasks::routes)
        .configure(time::routes)
        .configure(sprints::routes);
}
