//! What the string page shows: the string with its rule, field, submission,
//! parent and children, its details with the edit controls, and its history.

use diesel::prelude::*;

use super::{details, find, history, RuleCtx, VersionRow};
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::catalogue;
use crate::naming::models::*;
use crate::naming::parts::{today, usable};
use crate::schema::{naming_rules, naming_strings, naming_submissions};
use crate::web::{PageParams, Paginated};

/// One option of a LIST control.
#[derive(Debug, Clone)]
pub struct Choice {
    pub id: String,
    pub value: String,
    pub label: String,
    pub selected: bool,
    /// Kept for the current value only: inactive or outside its window.
    pub expired: bool,
}

/// One part of the string's field, with its current value.
#[derive(Debug, Clone)]
pub struct DetailRow {
    pub dimension_id: DimensionId,
    pub name: String,
    pub is_text: bool,
    pub required: bool,
    /// The value as it appears in the name ("" when the part is empty).
    pub shown: String,
    pub inherited: bool,
    /// The listed value is now inactive or outside its validity window.
    pub expired: bool,
    /// What the edit control offers (LIST only): usable values plus the
    /// current one.
    pub choices: Vec<Choice>,
}

impl DetailRow {
    /// The form field name of this part's control.
    pub fn input(&self) -> String {
        format!("dim_{}", self.dimension_id)
    }
}

/// A string and its links.
#[derive(Debug, Clone)]
pub struct StringView {
    pub s: NamingString,
    pub rule: Rule,
    pub field: Field,
    pub submission: Submission,
    pub parent: Option<(StringId, String)>,
    pub children: Paginated<(StringId, String)>,
    pub details: Vec<DetailRow>,
    /// One page of versions, newest first.
    pub history: Paginated<VersionRow>,
}

pub const CHILDREN_PER_PAGE: i64 = 50;

/// A page number to keep in the other list's pager links ("" for the first).
fn kept(p: PageParams) -> String {
    if p.page > 1 {
        p.page.to_string()
    } else {
        String::new()
    }
}

/// Everything the string page shows (404 for another workspace's string).
pub fn load(
    c: &mut DbConn,
    t: TenantId,
    id: StringId,
    children_page: PageParams,
    history_page: PageParams,
) -> AppResult<StringView> {
    let s = find(c, t, id)?;
    let rule: Rule = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::id.eq(s.rule_id))
        .select(Rule::as_select())
        .first(c)?;
    let field = catalogue::field(c, s.field_id)?;
    let submission: Submission = naming_submissions::table
        .filter(naming_submissions::tenant_id.eq(t))
        .filter(naming_submissions::id.eq(s.submission_id))
        .select(Submission::as_select())
        .first(c)?;
    let parent = match s.parent_id {
        Some(p) => naming_strings::table
            .filter(naming_strings::tenant_id.eq(t))
            .filter(naming_strings::id.eq(p))
            .select((naming_strings::id, naming_strings::value))
            .first::<(StringId, String)>(c)
            .optional()?,
        None => None,
    };
    let kids = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::parent_id.eq(s.id));
    let total: i64 = kids.count().get_result(c)?;
    let children = Paginated::new(
        kids.order(naming_strings::value)
            .limit(CHILDREN_PER_PAGE)
            .offset(children_page.offset(CHILDREN_PER_PAGE))
            .select((naming_strings::id, naming_strings::value))
            .load(c)?,
        children_page,
        CHILDREN_PER_PAGE,
        total,
    )
    .with_query(&[("history_page", &kept(history_page))]);
    let rc = RuleCtx::load(c, t, s.rule_id)?;
    let current = details(c, t, s.id)?;
    let day = today();
    let mut rows = Vec::new();
    for p in rc.parts.field(s.field_id) {
        let d = &p.dimension;
        let have = current.iter().find(|x| x.dimension_id == d.id);
        let value = have.and_then(|h| h.dimension_value_id);
        let listed = value.and_then(|v| rc.parts.values(d.id).iter().find(|x| x.id == v));
        let shown = match (listed, have) {
            (Some(v), _) => v.value.clone(),
            (None, Some(h)) => h.dimension_value_freetext.clone().unwrap_or_default(),
            (None, None) => String::new(),
        };
        let choices = if d.kind == DimensionKind::Text {
            Vec::new()
        } else {
            rc.parts
                .values(d.id)
                .iter()
                .filter(|v| usable(v, day) || Some(v.id) == value)
                .map(|v| Choice {
                    id: v.id.to_string(),
                    value: v.value.clone(),
                    label: v.label.clone(),
                    selected: Some(v.id) == value,
                    expired: !usable(v, day),
                })
                .collect()
        };
        rows.push(DetailRow {
            dimension_id: d.id,
            name: d.name.clone(),
            is_text: d.kind == DimensionKind::Text,
            required: p.detail.is_required,
            shown,
            inherited: have.is_some_and(|h| h.is_inherited),
            expired: listed.is_some_and(|v| !usable(v, day)),
            choices,
        });
    }
    Ok(StringView {
        history: history(c, t, s.id, history_page)?
            .in_section("history_page", "history")
            .with_query(&[("page", &kept(children_page))]),
        s,
        rule,
        field,
        submission,
        parent,
        children,
        details: rows,
    })
}
