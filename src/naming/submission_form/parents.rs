//! The parent picker: strings of the chosen rule at the level above the
//! starting field, searched by value (the first `PARENT_MATCHES` by value,
//! before any search too, and how many more), with the chosen one kept
//! whatever the search.

use diesel::prelude::*;

use super::form::SubmissionForm;
use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::naming::catalogue;
use crate::naming::models::*;
use crate::naming::submissions::{self, PARENT_MATCHES};
use crate::schema::{naming_rules, naming_strings};

/// A string the new ones may hang under.
#[derive(Debug, Clone)]
pub struct ParentOpt {
    pub id: StringId,
    pub value: String,
}

/// What the picker shows: the search, the chosen parent and the matches.
#[derive(Debug, Clone, Default)]
pub struct ParentPicker {
    /// What was searched ("": the first ones by value are listed).
    pub q: String,
    pub chosen: Option<ParentOpt>,
    /// Matches by value, without the chosen one.
    pub matches: Vec<ParentOpt>,
    /// How many more match than are listed.
    pub more: i64,
}

impl ParentPicker {
    /// The picker for `rule`'s strings at `level`, `chosen` kept, `q`
    /// searched (case ignored, `%` and `_` literal).
    pub fn load(
        c: &mut DbConn,
        t: TenantId,
        rule: RuleId,
        level: FieldId,
        chosen: Option<&NamingString>,
        q: &str,
    ) -> AppResult<Self> {
        let q = q.trim();
        let (found, total) = submissions::parent_matches(c, t, rule, level, q, PARENT_MATCHES)?;
        let more = total - found.len() as i64;
        Ok(ParentPicker {
            q: q.to_string(),
            chosen: chosen.map(|p| ParentOpt {
                id: p.id,
                value: p.value.clone(),
            }),
            matches: found
                .into_iter()
                .filter(|(id, _)| chosen.is_none_or(|p| p.id != *id))
                .map(|(id, value)| ParentOpt { id, value })
                .collect(),
            more,
        })
    }

    pub fn searched(&self) -> bool {
        !self.q.is_empty()
    }

    /// Rows of the select: a list box while it lists matches.
    pub fn size(&self) -> usize {
        (self.matches.len() + 1 + usize::from(self.chosen.is_some())).min(10)
    }
}

/// The chosen parent, if it is a string of `rule` at `level` in this workspace.
pub fn chosen(
    c: &mut DbConn,
    t: TenantId,
    form: &SubmissionForm,
    rule: RuleId,
    level: FieldId,
) -> AppResult<Option<NamingString>> {
    let Ok(id) = form.parent.trim().parse::<StringId>() else {
        return Ok(None);
    };
    Ok(naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::id.eq(id))
        .filter(naming_strings::rule_id.eq(rule))
        .filter(naming_strings::field_id.eq(level))
        .select(NamingString::as_select())
        .first(c)
        .optional()?)
}

/// The picker the search endpoint answers with: the form's rule (another
/// workspace's or an unknown one: not found), the level above its starting
/// field (none: nothing to pick), its parent and its search.
pub fn search(c: &mut DbConn, t: TenantId, form: &SubmissionForm) -> AppResult<ParentPicker> {
    let text = form.rule.trim();
    if text.is_empty() {
        return Ok(ParentPicker::default());
    }
    let id: RuleId = text.parse().map_err(|_| AppError::NotFound)?;
    let rule: Rule = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::id.eq(id))
        .select(Rule::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let fields = catalogue::fields(c, rule.platform_id)?;
    let start = form
        .field
        .trim()
        .parse::<FieldId>()
        .ok()
        .filter(|id| fields.iter().any(|f| f.id == *id))
        .or_else(|| fields.first().map(|f| f.id));
    let Some(level) = fields
        .iter()
        .find(|f| start.is_some() && f.next_field_id == start)
    else {
        return Ok(ParentPicker::default());
    };
    let parent = chosen(c, t, form, rule.id, level.id)?;
    ParentPicker::load(c, t, rule.id, level.id, parent.as_ref(), &form.parent_q)
}
