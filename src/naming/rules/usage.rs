//! Where a rule is used (strings, submissions, batch updates), and deleting
//! a rule only when it is used nowhere.

use diesel::prelude::*;
use serde_json::json;

use super::find;
use crate::accounts::UserId;
use crate::audit::{self, NewEvent};
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::models::RuleId;
use crate::schema::{
    naming_rules, naming_string_update_batches, naming_strings, naming_submissions,
};
use crate::web::extract::RequestMeta;

/// Where a rule is used: these rows keep it from being deleted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub strings: i64,
    pub submissions: i64,
    pub batches: i64,
}

impl Usage {
    pub fn is_empty(&self) -> bool {
        self.strings == 0 && self.submissions == 0 && self.batches == 0
    }

    /// "3 strings, 1 submission".
    pub fn describe(&self) -> String {
        let plural =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut out = Vec::new();
        if self.strings > 0 {
            out.push(plural(self.strings, "string", "strings"));
        }
        if self.submissions > 0 {
            out.push(plural(self.submissions, "submission", "submissions"));
        }
        if self.batches > 0 {
            out.push(plural(self.batches, "batch update", "batch updates"));
        }
        out.join(", ")
    }
}

pub fn usage(c: &mut DbConn, t: TenantId, id: RuleId) -> AppResult<Usage> {
    Ok(Usage {
        strings: naming_strings::table
            .filter(naming_strings::tenant_id.eq(t))
            .filter(naming_strings::rule_id.eq(id))
            .count()
            .get_result(c)?,
        submissions: naming_submissions::table
            .filter(naming_submissions::tenant_id.eq(t))
            .filter(naming_submissions::rule_id.eq(id))
            .count()
            .get_result(c)?,
        batches: naming_string_update_batches::table
            .filter(naming_string_update_batches::tenant_id.eq(t))
            .filter(naming_string_update_batches::rule_id.eq(id))
            .count()
            .get_result(c)?,
    })
}

/// Deletes an unused rule (its details cascade); a used one is refused with
/// where it is used.
pub fn delete(
    c: &mut DbConn,
    t: TenantId,
    actor: UserId,
    id: RuleId,
    meta: &RequestMeta,
) -> AppResult<Result<String, String>> {
    let rule = find(c, t, id)?;
    let used = usage(c, t, id)?;
    if !used.is_empty() {
        return Ok(Err(format!(
            "“{}” can't be deleted: it is used by {}. Deactivate it instead.",
            rule.name,
            used.describe()
        )));
    }
    diesel::delete(
        naming_rules::table
            .filter(naming_rules::tenant_id.eq(t))
            .filter(naming_rules::id.eq(id)),
    )
    .execute(c)?;
    audit::record(
        c,
        NewEvent::tenant(t, "naming.rule.delete")
            .actor(actor)
            .resource("naming_rule", id)
            .meta(meta)
            .changes(json!({"name": rule.name})),
    )?;
    Ok(Ok(rule.name))
}
