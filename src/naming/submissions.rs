//! Submissions after generation: the list, one submission with its strings,
//! the review flow (DRAFT → SUBMITTED → APPROVED | REJECTED, REJECTED →
//! DRAFT) and deleting a draft or rejected submission with its strings.
//! Creating one is `generate::generate`.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::models::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId, UtcTime};
use crate::error::{AppError, AppResult};
use crate::naming::models::*;
use crate::naming::strings::{self, Node};
use crate::schema::{naming_rules, naming_strings, naming_submissions, users};
use crate::web::extract::RequestMeta;
use crate::web::{PageParams, Paginated};

pub const PER_PAGE: i64 = 25;
/// Longest review comment.
pub const MAX_COMMENT: usize = 2000;

/// The list's filters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubmissionFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub rule: String,
    #[serde(default)]
    pub page: String,
}

impl SubmissionFilter {
    pub fn page_params(&self) -> PageParams {
        PageParams::new(crate::web::pagination::parse_page(&self.page))
    }

    pub fn query_pairs(&self) -> Vec<(&str, &str)> {
        vec![
            ("q", self.q.as_str()),
            ("status", self.status.as_str()),
            ("rule", self.rule.as_str()),
        ]
    }
}

/// A submission in the list.
#[derive(Debug, Clone)]
pub struct SubmissionRow {
    pub submission: Submission,
    pub rule: String,
    pub strings: i64,
    pub creator: String,
}

impl SubmissionRow {
    pub fn status_class(&self) -> String {
        self.submission.status.as_str().to_lowercase()
    }
    pub fn created(&self) -> String {
        self.submission
            .created_at
            .0
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

type Boxed = naming_submissions::BoxedQuery<'static, crate::db::MultiBackend>;

fn scoped(t: TenantId, f: &SubmissionFilter) -> Boxed {
    let mut q = naming_submissions::table
        .filter(naming_submissions::tenant_id.eq(t))
        .into_boxed();
    let text = f.q.trim();
    if !text.is_empty() {
        q = q.filter(
            strings::lower(naming_submissions::name)
                .like(format!(
                    "%{}%",
                    crate::audit::queries::escape_like(&text.to_lowercase())
                ))
                .escape('\\'),
        );
    }
    if let Some(status) = SubmissionStatus::parse(&f.status.trim().to_uppercase()) {
        q = q.filter(naming_submissions::status.eq(status));
    }
    if let Ok(rule) = f.rule.trim().parse::<RuleId>() {
        q = q.filter(naming_submissions::rule_id.eq(rule));
    }
    q
}

/// One page of submissions, newest first, with string counts (one query for
/// the counts, one for the creators).
pub fn list(
    c: &mut DbConn,
    t: TenantId,
    f: &SubmissionFilter,
    per_page: i64,
) -> AppResult<Paginated<SubmissionRow>> {
    let params = f.page_params();
    let total: i64 = scoped(t, f).count().get_result(c)?;
    let page: Vec<Submission> = scoped(t, f)
        .order((
            naming_submissions::created_at.desc(),
            naming_submissions::id.desc(),
        ))
        .limit(per_page)
        .offset(params.offset(per_page))
        .select(Submission::as_select())
        .load(c)?;
    let ids: Vec<SubmissionId> = page.iter().map(|s| s.id).collect();
    let counts: Vec<(SubmissionId, i64)> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::submission_id.eq_any(&ids))
        .group_by(naming_strings::submission_id)
        .select((naming_strings::submission_id, diesel::dsl::count_star()))
        .load(c)?;
    let rules: Vec<(RuleId, String)> = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .select((naming_rules::id, naming_rules::name))
        .load(c)?;
    let creator_ids: Vec<UserId> = page.iter().filter_map(|s| s.created_by).collect();
    let creators: Vec<(UserId, String)> = users::table
        .filter(users::id.eq_any(&creator_ids))
        .select((users::id, users::name))
        .load(c)?;
    let items = page
        .into_iter()
        .map(|s| SubmissionRow {
            strings: counts
                .iter()
                .find(|(id, _)| *id == s.id)
                .map_or(0, |(_, n)| *n),
            rule: rules
                .iter()
                .find(|(id, _)| *id == s.rule_id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            creator: creators
                .iter()
                .find(|(id, _)| Some(*id) == s.created_by)
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
            submission: s,
        })
        .collect();
    Ok(Paginated::new(items, params, per_page, total))
}

/// The workspace's rules, by name (the filter and form selects).
pub fn rules(c: &mut DbConn, t: TenantId) -> AppResult<Vec<Rule>> {
    Ok(naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .order(naming_rules::name)
        .select(Rule::as_select())
        .load(c)?)
}

/// Most parent strings one search of the submission form shows.
pub const PARENT_MATCHES: i64 = 50;

/// Strings a new submission may hang under: those of `rule` at `field`
/// whose value contains `text` (case ignored, `%` and `_` literal), the
/// first `limit` by value, and how many match in all.
pub fn parent_matches(
    c: &mut DbConn,
    t: TenantId,
    rule: RuleId,
    field: FieldId,
    text: &str,
    limit: i64,
) -> AppResult<(Vec<(StringId, String)>, i64)> {
    let filter = strings::StringFilter {
        q: text.to_string(),
        rule: rule.to_string(),
        field: field.to_string(),
        ..Default::default()
    };
    let total: i64 = strings::scoped(t, &filter).count().get_result(c)?;
    let rows = strings::scoped(t, &filter)
        .order((naming_strings::value, naming_strings::id))
        .limit(limit)
        .select((naming_strings::id, naming_strings::value))
        .load(c)?;
    Ok((rows, total))
}

/// A submission of this workspace (another workspace's id: not found).
pub fn find(c: &mut DbConn, t: TenantId, id: SubmissionId) -> AppResult<Submission> {
    naming_submissions::table
        .filter(naming_submissions::tenant_id.eq(t))
        .filter(naming_submissions::id.eq(id))
        .select(Submission::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// A submission with what its page shows.
pub struct SubmissionView {
    pub submission: Submission,
    pub rule: String,
    pub creator: String,
    pub reviewer: String,
    /// One page of its strings, in tree order.
    pub strings: Paginated<Node>,
}

impl SubmissionView {
    pub fn status_class(&self) -> String {
        self.submission.status.as_str().to_lowercase()
    }
    pub fn reviewed(&self) -> String {
        self.submission
            .reviewed_at
            .map(|t| t.0.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }
}

/// A submission's strings per page (up to `generate::MAX_STRINGS` in all).
pub const STRINGS_PER_PAGE: i64 = 100;

/// A submission with one page of its strings: all of them are ordered as a
/// tree (ids and parents only), and only the page's are decorated.
pub fn view(
    c: &mut DbConn,
    t: TenantId,
    id: SubmissionId,
    page: PageParams,
) -> AppResult<SubmissionView> {
    let submission = find(c, t, id)?;
    let rule: String = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::id.eq(submission.rule_id))
        .select(naming_rules::name)
        .first(c)?;
    let name_of = |c: &mut DbConn, u: Option<UserId>| -> AppResult<String> {
        Ok(match u {
            Some(u) => users::table
                .filter(users::id.eq(u))
                .select(users::name)
                .first(c)
                .optional()?
                .unwrap_or_default(),
            None => String::new(),
        })
    };
    let creator = name_of(c, submission.created_by)?;
    let reviewer = name_of(c, submission.reviewed_by)?;
    let rows: Vec<NamingString> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::submission_id.eq(id))
        .select(NamingString::as_select())
        .load(c)?;
    let total = rows.len() as i64;
    let offset = usize::try_from(page.offset(STRINGS_PER_PAGE)).unwrap_or(usize::MAX);
    let (rows, depths): (Vec<NamingString>, Vec<usize>) = strings::tree_order(rows, &[], |s| s)
        .into_iter()
        .skip(offset)
        .take(STRINGS_PER_PAGE as usize)
        .unzip();
    let mut nodes = strings::decorate(c, t, rows.clone(), strings::DEFAULT_LANDING)?;
    // Back into the page's tree order, with depths.
    let at: HashMap<StringId, (usize, usize)> = rows
        .iter()
        .zip(depths)
        .enumerate()
        .map(|(i, (s, d))| (s.id, (i, d)))
        .collect();
    nodes.sort_by_key(|n| at.get(&n.s.id).map_or(usize::MAX, |(i, _)| *i));
    for n in &mut nodes {
        n.depth = at.get(&n.s.id).map_or(0, |(_, d)| *d);
    }
    Ok(SubmissionView {
        submission,
        rule,
        creator,
        reviewer,
        strings: Paginated::new(nodes, page, STRINGS_PER_PAGE, total).in_section("page", "strings"),
    })
}

/// A step of the review flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    Approve,
    Reject,
    Reopen,
}

impl Action {
    /// The status the action leads to, from `from`, when legal.
    pub fn next(self, from: SubmissionStatus) -> Option<SubmissionStatus> {
        use SubmissionStatus::*;
        match (from, self) {
            (Draft, Action::Submit) => Some(Submitted),
            (Submitted, Action::Approve) => Some(Approved),
            (Submitted, Action::Reject) => Some(Rejected),
            (Rejected, Action::Reopen) => Some(Draft),
            _ => None,
        }
    }

    /// The audit action.
    pub fn audit_action(self) -> &'static str {
        match self {
            Action::Submit => "naming.submission.submit",
            Action::Approve => "naming.submission.approve",
            Action::Reject => "naming.submission.reject",
            Action::Reopen => "naming.submission.reopen",
        }
    }
}

/// Moves a submission along the flow. An illegal step is a conflict (409);
/// `Ok(Err(message))` is input to fix (a rejection needs a comment). Approve
/// and reject record the reviewer, the time and the comment. Who may take
/// which step is the caller's extractor (`Editor` / `WorkspaceAdmin`).
pub fn transition(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: SubmissionId,
    action: Action,
    comment: &str,
    meta: &RequestMeta,
) -> AppResult<Result<SubmissionStatus, String>> {
    let s = find(c, t, id)?;
    let Some(next) = action.next(s.status) else {
        return Err(AppError::Conflict(format!(
            "A {} submission can't be {}: only DRAFT → SUBMITTED → APPROVED or REJECTED, and REJECTED → DRAFT.",
            s.status.as_str().to_lowercase(),
            match action {
                Action::Submit => "submitted",
                Action::Approve => "approved",
                Action::Reject => "rejected",
                Action::Reopen => "reopened",
            }
        )));
    };
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Ok(Err(format!(
            "Keep the comment under {MAX_COMMENT} characters."
        )));
    }
    if action == Action::Reject && comment.is_empty() {
        return Ok(Err("Say why the submission is rejected.".into()));
    }
    let now = UtcTime::now();
    let target = naming_submissions::table
        .filter(naming_submissions::tenant_id.eq(t))
        .filter(naming_submissions::id.eq(id))
        // The status read above: a concurrent review changes nothing here.
        .filter(naming_submissions::status.eq(&s.status));
    let changed = match action {
        Action::Approve | Action::Reject => diesel::update(target)
            .set((
                naming_submissions::status.eq(next),
                naming_submissions::review_comment.eq(comment),
                naming_submissions::reviewed_by.eq(Some(actor)),
                naming_submissions::reviewed_at.eq(Some(now)),
                naming_submissions::updated_at.eq(now),
            ))
            .execute(c)?,
        Action::Submit | Action::Reopen => diesel::update(target)
            .set((
                naming_submissions::status.eq(next),
                naming_submissions::updated_at.eq(now),
            ))
            .execute(c)?,
    };
    if changed == 0 {
        return Err(AppError::Conflict(
            "Someone changed this submission a moment ago: reload the page.".into(),
        ));
    }
    audit::record(
        c,
        NewEvent::tenant(t, action.audit_action())
            .actor(actor)
            .resource("naming_submission", id)
            .meta(meta)
            .changes(json!({
                "name": s.name,
                "status": [s.status, next],
                "comment": comment,
            })),
    )?;
    Ok(Ok(next))
}

/// Deletes a DRAFT or REJECTED submission and its strings (their details
/// and versions go with them). Refused when another submission builds on
/// one of its strings.
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: SubmissionId,
    meta: &RequestMeta,
) -> AppResult<usize> {
    let s = find(c, t, id)?;
    if !matches!(
        s.status,
        SubmissionStatus::Draft | SubmissionStatus::Rejected
    ) {
        return Err(AppError::Conflict(format!(
            "Only a draft or rejected submission can be deleted; this one is {}.",
            s.status.as_str().to_lowercase()
        )));
    }
    let own: Vec<(StringId, Option<StringId>)> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::submission_id.eq(id))
        .select((naming_strings::id, naming_strings::parent_id))
        .load(c)?;
    let ids: Vec<StringId> = own.iter().map(|(i, _)| *i).collect();
    for chunk in ids.chunks(500) {
        let children_elsewhere: i64 = naming_strings::table
            .filter(naming_strings::tenant_id.eq(t))
            .filter(naming_strings::submission_id.ne(id))
            .filter(naming_strings::parent_id.eq_any(chunk.iter().map(|i| Some(*i))))
            .count()
            .get_result(c)?;
        let chosen_as_parent: i64 = naming_submissions::table
            .filter(naming_submissions::tenant_id.eq(t))
            .filter(naming_submissions::id.ne(id))
            .filter(
                naming_submissions::selected_parent_string_id
                    .eq_any(chunk.iter().map(|i| Some(*i))),
            )
            .count()
            .get_result(c)?;
        if children_elsewhere > 0 || chosen_as_parent > 0 {
            return Err(AppError::Conflict(
                "Other submissions have strings under this submission's strings: delete those first."
                    .into(),
            ));
        }
    }
    // Children before parents: the parent key has no cascade of its own.
    let depth_of = |mut s: StringId| {
        let mut d = 0;
        while let Some(Some(p)) = own.iter().find(|(i, _)| *i == s).map(|(_, p)| *p) {
            d += 1;
            s = p;
            if d > 25 {
                break;
            }
        }
        d
    };
    let mut by_depth: Vec<(usize, StringId)> = ids.iter().map(|i| (depth_of(*i), *i)).collect();
    by_depth.sort_by_key(|d| std::cmp::Reverse(d.0));
    let mut i = 0;
    while i < by_depth.len() {
        let depth = by_depth[i].0;
        let level: Vec<StringId> = by_depth[i..]
            .iter()
            .take_while(|(d, _)| *d == depth)
            .map(|(_, s)| *s)
            .collect();
        i += level.len();
        for chunk in level.chunks(500) {
            diesel::delete(
                naming_strings::table
                    .filter(naming_strings::tenant_id.eq(t))
                    .filter(naming_strings::id.eq_any(chunk)),
            )
            .execute(c)?;
        }
    }
    let n = ids.len() as i64;
    crate::db::counters::add(c, t, crate::naming::strings::COUNTER, -n)?;
    diesel::delete(
        naming_submissions::table
            .filter(naming_submissions::tenant_id.eq(t))
            .filter(naming_submissions::id.eq(id)),
    )
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.submission.delete")
            .actor(actor)
            .resource("naming_submission", id)
            .meta(meta)
            .changes(json!({"name": s.name, "status": s.status, "strings": n})),
    )?;
    Ok(n as usize)
}
