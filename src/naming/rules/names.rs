//! "Validate names": existing names checked against one field of a rule by
//! the pure core's parser, with each problem said in plain English. One load
//! of the rule's parts, then no database work per name.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::core::{self, Part, Problem};
use crate::naming::models::Availability;
use crate::naming::models::{Field, FieldId, Rule, RuleId};
use crate::schema::{naming_fields, naming_rule_details, naming_rules};

/// Most names checked in one go.
pub const MAX_NAMES: usize = 10_000;
/// Largest input (pasted text or uploaded file).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Longest name checked, in characters (the strings Atrium generates have
/// at most 255): the parser's work grows with a name's length.
pub const MAX_NAME_CHARS: usize = 1_000;

/// Why a list of names can't be checked as sent (said beside the names box),
/// checked before any parsing starts.
pub fn check_input(names: &[String]) -> Option<String> {
    if names.len() > MAX_NAMES {
        return Some(format!(
            "That is {} names: check at most {MAX_NAMES} at a time.",
            names.len()
        ));
    }
    let (line, _) = names
        .iter()
        .enumerate()
        .find(|(_, n)| n.len() > MAX_NAME_CHARS && n.chars().count() > MAX_NAME_CHARS)?;
    Some(format!(
        "Name {} is longer than {MAX_NAME_CHARS} characters: no name of a naming \
         convention is that long. Check that the names are one per line.",
        line + 1
    ))
}

/// Why a field's parts can't be checked against (more parts than a rule may
/// have: an old rule from before the limit).
pub fn check_parts(parts: &[Part]) -> Option<String> {
    (parts.len() > crate::naming::rules::MAX_PARTS).then(|| {
        format!(
            "This field has {} parts; names can be checked against at most {}. \
             Remove some parts in the rule builder.",
            parts.len(),
            crate::naming::rules::MAX_PARTS
        )
    })
}

/// A rule and one of its fields that has parts: what names are checked against.
#[derive(Debug, Clone)]
pub struct Target {
    pub rule: Rule,
    pub field: Field,
}

impl Target {
    /// The select's value: `{rule id}:{field id}`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.rule.id, self.field.id)
    }

    /// "Meta default — Ad set".
    pub fn label(&self) -> String {
        let inactive = if self.rule.status == Availability::Active {
            ""
        } else {
            " (inactive)"
        };
        format!("{}{inactive} — {}", self.rule.name, self.field.name)
    }
}

/// Parses a target key back into ids.
pub fn parse_key(key: &str) -> Option<(RuleId, FieldId)> {
    let (r, f) = key.split_once(':')?;
    Some((r.parse().ok()?, f.parse().ok()?))
}

/// The workspace's rule/field pairs that have parts, by rule name then level.
pub fn targets(c: &mut DbConn, t: TenantId) -> AppResult<Vec<Target>> {
    let pairs: Vec<(RuleId, FieldId)> = naming_rule_details::table
        .filter(naming_rule_details::tenant_id.eq(t))
        .select((naming_rule_details::rule_id, naming_rule_details::field_id))
        .distinct()
        .load(c)?;
    let rule_ids: Vec<RuleId> = pairs.iter().map(|p| p.0).collect();
    let field_ids: Vec<FieldId> = pairs.iter().map(|p| p.1).collect();
    let rules: HashMap<RuleId, Rule> = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::id.eq_any(&rule_ids))
        .select(Rule::as_select())
        .load(c)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let fields: HashMap<FieldId, Field> = naming_fields::table
        .filter(naming_fields::id.eq_any(&field_ids))
        .select(Field::as_select())
        .load(c)?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let mut out: Vec<Target> = pairs
        .into_iter()
        .filter_map(|(r, f)| {
            Some(Target {
                rule: rules.get(&r)?.clone(),
                field: fields.get(&f)?.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.rule.name, a.rule.id, a.field.field_level).cmp(&(
            &b.rule.name,
            b.rule.id,
            b.field.field_level,
        ))
    });
    Ok(out)
}

/// The names in pasted text: one per line, trimmed, blank lines ignored.
pub fn names_from_text(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The names in a CSV file: its first column (quoted or not), blanks
/// ignored. Text the reader cannot take (an unclosed quote) is refused with
/// its line.
pub fn names_from_csv(text: &str) -> Result<Vec<String>, String> {
    Ok(crate::support::csv::parse(text)?
        .into_iter()
        .filter_map(|(_, fields)| {
            let first = fields.into_iter().next()?;
            let first = first.trim();
            (!first.is_empty()).then(|| first.to_string())
        })
        .collect())
}

/// One name's result.
#[derive(Debug, Clone)]
pub struct NameResult {
    /// 1-based position among the names.
    pub n: usize,
    pub name: String,
    pub conforms: bool,
    /// The failing part (dimension name; empty for the name as a whole).
    pub part: String,
    /// Short kind: "Unknown value", "Wrong delimiter", …
    pub kind: &'static str,
    /// Why, in a sentence.
    pub why: String,
    /// Values recognised, in order.
    pub values: Vec<(String, String)>,
}

impl NameResult {
    /// "Channel = fb; Country = de".
    pub fn values_text(&self) -> String {
        self.values
            .iter()
            .map(|(d, v)| format!("{d} = {v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A problem's short kind and sentence.
pub fn describe(parts: &[Part], dimension: &str, problem: &Problem) -> (&'static str, String) {
    let part = parts.iter().find(|p| p.dimension == dimension);
    match problem {
        Problem::Missing => (
            "Missing part",
            format!("{dimension} is required but missing."),
        ),
        Problem::UnknownValue(v) => (
            "Unknown value",
            format!("“{v}” is not a value of {dimension}."),
        ),
        Problem::Expired(v) => (
            "Expired value",
            format!("“{v}” of {dimension} is outside its validity window (or inactive)."),
        ),
        Problem::WrongAffix => {
            let expected = part
                .map(|p| match (p.prefix.is_empty(), p.suffix.is_empty()) {
                    (false, false) => format!(
                        " (expected prefix “{}” and suffix “{}”)",
                        p.prefix, p.suffix
                    ),
                    (false, true) => format!(" (expected prefix “{}”)", p.prefix),
                    (true, false) => format!(" (expected suffix “{}”)", p.suffix),
                    (true, true) => String::new(),
                })
                .unwrap_or_default();
            (
                "Wrong prefix/suffix",
                format!("{dimension} does not have its prefix or suffix{expected}."),
            )
        }
        Problem::WrongDelimiter { expected } => (
            "Wrong delimiter",
            format!("After {dimension} the rule wants “{expected}”."),
        ),
        Problem::TrailingText(s) => (
            "Trailing text",
            format!("“{s}” is left over after the last part."),
        ),
        Problem::TooAmbiguous => (
            "Too ambiguous",
            "This name can be read in too many ways against the rule to check it: \
             the rule's optional free-text parts can each take almost any stretch of it."
                .to_string(),
        ),
    }
}

/// Checks every name against the parts (pure: no database; run it with no
/// connection held). Each name's work is capped by `core::STEP_BUDGET`.
pub fn check(parts: &[Part], names: &[String]) -> Vec<NameResult> {
    let mut parser = core::Parser::new(parts);
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let report = parser.parse(name);
            let (part, kind, why) = match report.problems.first() {
                Some((dim, problem)) => {
                    let (kind, why) = describe(parts, dim, problem);
                    (dim.clone(), kind, why)
                }
                None => (String::new(), "", String::new()),
            };
            NameResult {
                n: i + 1,
                name: name.clone(),
                conforms: report.conforms,
                part,
                kind,
                why,
                values: report.values,
            }
        })
        .collect()
}

/// Counts by problem kind ("Unknown value" → 12), for the summary.
pub fn kinds(results: &[NameResult]) -> Vec<(&'static str, usize)> {
    let mut m: BTreeMap<&'static str, usize> = BTreeMap::new();
    for r in results.iter().filter(|r| !r.conforms) {
        *m.entry(r.kind).or_default() += 1;
    }
    m.into_iter().collect()
}

/// The full report as CSV (spreadsheet formulas defused).
pub fn csv(results: &[NameResult]) -> String {
    let mut out = crate::support::csv::line(&[
        "line",
        "name",
        "conforms",
        "failing part",
        "problem",
        "why",
        "recognised values",
    ]);
    for r in results {
        out.push_str(&crate::support::csv::line(&[
            &r.n.to_string(),
            &r.name,
            if r.conforms { "yes" } else { "no" },
            &r.part,
            r.kind,
            &r.why,
            &r.values_text(),
        ]));
    }
    out
}
