//! Projects fixtures: Acme with Ann (owner), Bob (member) and Vic (viewer),
//! projects and tasks made through the app, and reads through a connection
//! scoped to the workspace.

#![allow(dead_code)]

use actix_web::http::StatusCode;

use atrium::db::{DbConn, TenantConn, TenantId};
use atrium::error::AppResult;
use atrium::projects::models::*;

use super::{Browser, TestApp};

pub struct Ws {
    pub app: TestApp,
    pub ann: Browser,
    pub bob: Browser,
    pub vic: Browser,
    pub slug: String,
}

pub async fn workspace() -> Ws {
    workspace_in(TestApp::new().await).await
}

/// The same people in an app made with its own configuration.
pub async fn workspace_in(app: TestApp) -> Ws {
    let mut ann = app.user("ann@example.com", "Ann").await;
    let slug = app.workspace(&mut ann, "Acme").await;
    let bob = app
        .member(&mut ann, &slug, "bob@example.com", "member")
        .await;
    let vic = app
        .member(&mut ann, &slug, "vic@example.com", "viewer")
        .await;
    Ws {
        app,
        ann,
        bob,
        vic,
        slug,
    }
}

impl Ws {
    pub fn base(&self) -> String {
        format!("/w/{}/projects", self.slug)
    }

    pub fn tenant(&self) -> TenantId {
        self.app.tenant(&self.slug)
    }

    /// Reads through a connection scoped to the workspace, as the app does.
    pub fn read<T>(&self, f: impl FnOnce(&mut DbConn, TenantId) -> AppResult<T>) -> T {
        TenantConn::open(
            self.app.pool(),
            &atrium::db::tenant_scope_for_tests(self.tenant()),
        )
        .expect("conn")
        .read(f)
        .expect("read")
    }

    pub fn project(&self, id: &str) -> Project {
        let id: ProjectId = id.parse().expect("project id");
        self.read(|c, t| atrium::projects::project::find(c, t, id))
    }

    pub fn task(&self, project: &str, id: &str) -> Task {
        let (p, id): (ProjectId, TaskId) = (
            project.parse().expect("project id"),
            id.parse().expect("task id"),
        );
        self.read(|c, t| atrium::projects::tasks::find(c, t, p, id))
    }

    /// Creates a project as Ann (its manager); returns its id.
    pub async fn new_project(&mut self, name: &str, extra: &[(&str, &str)]) -> String {
        let ann_id = self.app.user_id("ann@example.com").to_string();
        let mut form: Vec<(&str, &str)> = vec![
            ("name", name),
            ("status", "active"),
            ("priority", "medium"),
            ("manager_id", &ann_id),
        ];
        for (k, v) in extra {
            form.retain(|(fk, _)| fk != k);
            form.push((k, v));
        }
        let base = self.base();
        let r = self.ann.post(&base, &form).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "creating {name}: {}",
            r.body
        );
        last_segment(&r.location())
    }

    /// Creates a task in `project` as Ann; returns its id.
    pub async fn new_task(&mut self, project: &str, title: &str, extra: &[(&str, &str)]) -> String {
        let mut form: Vec<(&str, &str)> =
            vec![("title", title), ("kind", "task"), ("priority", "medium")];
        for (k, v) in extra {
            form.retain(|(fk, _)| fk != k);
            form.push((k, v));
        }
        let url = format!("{}/{project}/tasks", self.base());
        let r = self.ann.post(&url, &form).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "creating {title}: {}",
            r.body
        );
        last_segment(&r.location())
    }

    /// Moves a task as Ann; the response.
    pub async fn move_task(&mut self, project: &str, task: &str, to: &str) -> super::Resp {
        let url = format!("{}/{project}/tasks/{task}/status", self.base());
        self.ann.post(&url, &[("status", to)]).await
    }

    /// Walks a task along the state machine to `done`.
    pub async fn finish_task(&mut self, project: &str, task: &str) {
        for to in ["todo", "in_progress", "in_review", "done"] {
            let r = self.move_task(project, task, to).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "to {to}: {}", r.body);
        }
    }
}

/// `/w/acme/projects/<id>` → `<id>` (and drops a `#fragment`).
pub fn last_segment(url: &str) -> String {
    url.split('#')
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}
