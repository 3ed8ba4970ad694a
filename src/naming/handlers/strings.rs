//! The strings page (a tree with filters, copy buttons, UTM links) and its
//! CSV and JSON exports, which take the same filters. A string's own page
//! (`/strings/{id}`) lives elsewhere.

use actix_web::{web, HttpResponse};
use askama::Template;

use crate::error::AppResult;
use crate::naming::models::SubmissionStatus;
use crate::naming::strings::choices::{choices, Choices};
use crate::naming::strings::{self, Node, StringFilter, Tree, ROOTS_PER_PAGE, STATUSES};
use crate::web::{self as w, Ctx, HxRequest, Member, PageCtx};
use crate::workspaces::Role;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/strings", web::get().to(list))
        .route("/strings.csv", web::get().to(csv))
        .route("/strings.json", web::get().to(json));
}

#[derive(Template)]
#[template(path = "naming/strings.html")]
struct StringsPage {
    page: PageCtx,
    slug: String,
    filter: StringFilter,
    query: String,
    errors: Vec<String>,
    choices: Choices,
    statuses: &'static [SubmissionStatus],
    tree: Tree,
    can_edit: bool,
}

#[derive(Template)]
#[template(path = "naming/_strings_tree.html")]
struct TreeFragment {
    slug: String,
    tree: Tree,
    can_edit: bool,
}

/// `GET /strings`: the tree; for htmx, only the tree and its pager.
pub async fn list(
    ctx: Ctx,
    member: Member,
    hx: HxRequest,
    q: web::Query<StringFilter>,
) -> AppResult<HttpResponse> {
    let filter = q.into_inner();
    let (m, f, want_choices) = (member.clone(), filter.clone(), !hx.0);
    let (mut tree, choices) = web::block(move || {
        m.conn()?.read(|c, t| {
            let catalogue = strings::Catalogue::load(c, t)?;
            let tree = strings::tree(c, t, &f, ROOTS_PER_PAGE, &catalogue)?;
            let choices = if want_choices {
                Some(choices(c, t, catalogue)?)
            } else {
                None
            };
            Ok((tree, choices))
        })
    })
    .await??;
    tree.roots = tree.roots.with_query(&filter.query_pairs());
    let slug = member.workspace.slug.clone();
    let can_edit = member.role.at_least(Role::Member);
    match choices {
        Some(choices) => w::ok(&StringsPage {
            page: ctx.workspace("Strings", &member),
            slug,
            query: filter.query(),
            errors: filter.errors(),
            filter,
            choices,
            statuses: STATUSES,
            tree,
            can_edit,
        }),
        None => w::ok(&TreeFragment {
            slug,
            tree,
            can_edit,
        }),
    }
}

const CSV_FIXED: [&str; 11] = [
    "id",
    "parent_id",
    "rule",
    "platform",
    "field",
    "level",
    "value",
    "version",
    "status",
    "submission",
    "created_at",
];

/// `GET /strings.csv`: every matching string (not just a page), one column
/// per dimension the matches use, and the UTM link.
pub async fn csv(member: Member, q: web::Query<StringFilter>) -> AppResult<HttpResponse> {
    let f = q.into_inner();
    let m = member.clone();
    let g = f.clone();
    let dims =
        web::block(move || m.conn()?.read(|c, t| strings::export_dimensions(c, t, &g))).await??;
    let mut header: Vec<&str> = CSV_FIXED.to_vec();
    header.extend(dims.iter().map(String::as_str));
    header.push("utm_url");
    let head = crate::support::csv::line(&header);
    let body = w::stream::paged_body(head, String::new(), move |after| {
        let (nodes, next) = member
            .conn()?
            .read(|c, t| strings::export_page(c, t, &f, after))?;
        let mut out = String::new();
        for n in nodes {
            let fixed = fixed_fields(&n);
            let mut row: Vec<&str> = fixed.iter().map(String::as_str).collect();
            for d in &dims {
                row.push(
                    n.details
                        .iter()
                        .find(|x| &x.dimension == d)
                        .map_or("", |x| x.shown.as_str()),
                );
            }
            row.push(n.utm_url.as_deref().unwrap_or(""));
            out.push_str(&crate::support::csv::line(&row));
        }
        Ok((out, next))
    });
    Ok(w::stream::attachment(
        "text/csv; charset=utf-8",
        "strings.csv",
        body,
    ))
}

fn fixed_fields(n: &Node) -> [String; 11] {
    [
        n.s.id.to_string(),
        n.s.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        n.rule.clone(),
        n.platform.clone(),
        n.field.clone(),
        n.level.to_string(),
        n.s.value.clone(),
        n.s.version.to_string(),
        n.status.clone(),
        n.submission.clone(),
        n.s.created_at.to_db_text(),
    ]
}

/// `GET /strings.json`: the same rows as the CSV, `details` as an object; one
/// JSON array written a page at a time.
pub async fn json(member: Member, q: web::Query<StringFilter>) -> AppResult<HttpResponse> {
    let f = q.into_inner();
    let body = w::stream::paged_body("[".into(), "]".into(), move |after| {
        let (nodes, next) = member
            .conn()?
            .read(|c, t| strings::export_page(c, t, &f, after))?;
        let mut out = String::new();
        for n in nodes {
            let details: serde_json::Map<String, serde_json::Value> = n
                .details
                .iter()
                .map(|d| (d.dimension.clone(), serde_json::json!(d.shown)))
                .collect();
            let row = serde_json::json!({
                "id": n.s.id,
                "parent_id": n.s.parent_id,
                "rule": n.rule,
                "platform": n.platform,
                "field": n.field,
                "level": n.level,
                "value": n.s.value,
                "version": n.s.version,
                "status": n.status,
                "submission": n.submission,
                "created_at": n.s.created_at.to_db_text(),
                "details": details,
                "utm_url": n.utm_url,
            });
            // Every row after the very first (first page, first row) follows a comma.
            if after.is_some() || !out.is_empty() {
                out.push(',');
            }
            out.push_str(&row.to_string());
        }
        Ok((out, next))
    });
    Ok(w::stream::attachment(
        "application/json",
        "strings.json",
        body,
    ))
}
