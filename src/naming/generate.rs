//! Generating strings: a submission picks a rule, a starting field and
//! (optionally) a parent string, and values for each dimension of each level.
//! Generation makes one string per field level from the starting field down,
//! each child linked to its parent; several values chosen for a dimension make
//! one string per combination (a campaign with two ad sets, …). Children
//! inherit the values of dimensions they share with their parent.
//!
//! `plan` works everything out without writing (the live preview uses it);
//! `generate` plans and, when nothing is wrong, writes the submission, the
//! strings, their details and each string's first version in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::naming::catalogue;
use crate::naming::core;
use crate::naming::models::*;
use crate::naming::parts::{usable, RuleParts};
use crate::schema::{naming_rules, naming_string_details, naming_strings, naming_submissions};

/// Most strings one submission may generate (combinations multiply fast).
pub const MAX_STRINGS: usize = 10_000;
/// Most values one control may send (a multi-select): checked before any
/// value is looked up.
pub const MAX_CHOICES: usize = 1_000;

/// What the submission form sends.
#[derive(Debug, Clone, Default)]
pub struct GenerateRequest {
    pub rule: RuleId,
    pub starting_field: FieldId,
    pub parent_string: Option<StringId>,
    pub name: String,
    pub description: String,
    /// Chosen values per (field, dimension): value ids for LIST dimensions
    /// (several make one string per combination), the text for TEXT ones.
    pub choices: HashMap<(FieldId, DimensionId), Vec<String>>,
    /// Submit for approval at once (else the submission stays a draft).
    pub submit: bool,
}

/// Something that stops generation, said next to the control it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub field: Option<FieldId>,
    pub dimension: Option<DimensionId>,
    pub message: String,
    /// The string a collision is with.
    pub existing: Option<StringId>,
}

impl Problem {
    fn general(message: impl Into<String>) -> Problem {
        Problem {
            field: None,
            dimension: None,
            message: message.into(),
            existing: None,
        }
    }
}

/// One part of a planned string: a listed value or free text.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedDetail {
    pub dimension: DimensionId,
    pub dimension_name: String,
    pub value: Option<DimensionValueId>,
    pub text: Option<String>,
    /// The value as it appears in the name.
    pub shown: String,
    pub inherited: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlannedParent {
    None,
    Existing(StringId),
    /// An earlier string of the same plan.
    Index(usize),
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub field: FieldId,
    pub level: i32,
    pub parent: PlannedParent,
    pub value: String,
    pub details: Vec<PlannedDetail>,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub rule: Rule,
    pub fields: Vec<Field>,
    pub strings: Vec<Planned>,
}

/// The values a string has, by dimension: what its children inherit.
type Inherited = Vec<PlannedDetail>;

/// Works out what a submission would generate, or every problem with it.
pub fn plan(
    c: &mut DbConn,
    t: TenantId,
    req: &GenerateRequest,
    today: NaiveDate,
) -> AppResult<Result<Plan, Vec<Problem>>> {
    let mut problems = too_many_choices(req);
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let rule: Rule = naming_rules::table
        .filter(naming_rules::tenant_id.eq(t))
        .filter(naming_rules::id.eq(req.rule))
        .select(Rule::as_select())
        .first(c)
        .optional()?
        .ok_or(AppError::NotFound)?;
    if rule.status != Availability::Active {
        problems.push(Problem::general(
            "This rule is inactive: activate it before generating names with it.",
        ));
    }
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        problems.push(Problem::general(
            "Give the submission a name of 1 to 100 characters.",
        ));
    } else if naming_submissions::table
        .filter(naming_submissions::tenant_id.eq(t))
        .filter(naming_submissions::name.eq(name))
        .count()
        .get_result::<i64>(c)?
        > 0
    {
        problems.push(Problem::general(format!(
            "A submission named “{name}” already exists: choose another name."
        )));
    }
    let fields = match catalogue::field(c, req.starting_field) {
        Ok(f) if f.platform_id == rule.platform_id => catalogue::chain_from(c, f.id)?,
        Ok(_) | Err(AppError::NotFound) => {
            problems.push(Problem::general(
                "Choose a starting field of the rule's platform.",
            ));
            return Ok(Err(problems));
        }
        Err(e) => return Err(e),
    };
    let parts = RuleParts::load(c, t, rule.id)?;

    // The parent string: same rule, one level above the starting field.
    let mut start: Inherited = Vec::new();
    let root_parent = match req.parent_string {
        None => PlannedParent::None,
        Some(pid) => {
            let parent: Option<NamingString> = naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::id.eq(pid))
                .select(NamingString::as_select())
                .first(c)
                .optional()?;
            let parent_field = match &parent {
                Some(p) => Some(catalogue::field(c, p.field_id)?),
                None => None,
            };
            match (parent, parent_field) {
                (Some(p), Some(pf))
                    if p.rule_id == rule.id && pf.next_field_id == Some(req.starting_field) =>
                {
                    start = details_of(c, t, p.id, &parts)?;
                    PlannedParent::Existing(p.id)
                }
                _ => {
                    problems.push(Problem::general(
                        "The parent string must be of this rule and one level above the starting field.",
                    ));
                    PlannedParent::None
                }
            }
        }
    };

    required_choices(req, &fields, &parts, &start, &mut problems);
    let mut strings: Vec<Planned> = Vec::new();
    let mut parents: Vec<(PlannedParent, Inherited)> = vec![(root_parent, start)];
    for field in &fields {
        let field_parts = parts.field(field.id);
        if field_parts.is_empty() {
            problems.push(Problem {
                field: Some(field.id),
                dimension: None,
                message: format!("The rule has no dimensions for {}.", field.name),
                existing: None,
            });
            continue;
        }
        let core_parts = parts.core_parts(field.id, today);
        // This level's own choices (dimensions not inherited), resolved once.
        let mut own: HashMap<DimensionId, Vec<PlannedDetail>> = HashMap::new();
        for p in field_parts {
            let d = &p.dimension;
            let raw = req
                .choices
                .get(&(field.id, d.id))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let mut chosen = Vec::new();
            if d.kind == DimensionKind::Text {
                if let Some(text) = raw.iter().map(|s| s.trim()).find(|s| !s.is_empty()) {
                    chosen.push(PlannedDetail {
                        dimension: d.id,
                        dimension_name: d.name.clone(),
                        value: None,
                        text: Some(text.to_string()),
                        shown: text.to_string(),
                        inherited: false,
                    });
                }
            } else {
                let mut seen = HashSet::new();
                for id in raw.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                    let found = id
                        .parse::<DimensionValueId>()
                        .ok()
                        .and_then(|id| parts.values(d.id).iter().find(|v| v.id == id));
                    match found {
                        None => problems.push(Problem {
                            field: Some(field.id),
                            dimension: Some(d.id),
                            message: format!("Choose a value of {} from the list.", d.name),
                            existing: None,
                        }),
                        Some(v) if !usable(v, today) => problems.push(Problem {
                            field: Some(field.id),
                            dimension: Some(d.id),
                            message: format!(
                                "“{}” of {} is inactive or outside its validity window.",
                                v.value, d.name
                            ),
                            existing: None,
                        }),
                        Some(v) if seen.insert(v.id) => chosen.push(PlannedDetail {
                            dimension: d.id,
                            dimension_name: d.name.clone(),
                            value: Some(v.id),
                            text: None,
                            shown: v.value.clone(),
                            inherited: false,
                        }),
                        Some(_) => {}
                    }
                }
            }
            own.insert(d.id, chosen);
        }

        let mut next_parents = Vec::new();
        for (parent, inherited) in &parents {
            // Inherited: the parent has a value for a dimension of this field.
            let mut fixed: Vec<PlannedDetail> = Vec::new();
            let mut free: Vec<(&crate::naming::parts::RulePart, &Vec<PlannedDetail>)> = Vec::new();
            for p in field_parts {
                if let Some(d) = inherited.iter().find(|d| d.dimension == p.dimension.id) {
                    fixed.push(PlannedDetail {
                        inherited: true,
                        ..d.clone()
                    });
                } else {
                    let chosen = own.get(&p.dimension.id);
                    match chosen {
                        Some(ch) if !ch.is_empty() => free.push((p, ch)),
                        _ => {} // required and missing: reported below
                    }
                }
            }
            // One string per combination of the free dimensions' choices:
            // count them before making any.
            let count = free
                .iter()
                .fold(1usize, |n, (_, choices)| n.saturating_mul(choices.len()));
            if strings.len().saturating_add(count) > MAX_STRINGS {
                problems.push(Problem::general(format!(
                    "This would generate more than {MAX_STRINGS} names: choose fewer values."
                )));
                return Ok(Err(problems));
            }
            let mut combos: Vec<Vec<PlannedDetail>> = vec![fixed];
            for (_, choices) in &free {
                let mut next = Vec::with_capacity(combos.len() * choices.len());
                for combo in &combos {
                    for ch in choices.iter() {
                        let mut c2 = combo.clone();
                        c2.push(ch.clone());
                        next.push(c2);
                    }
                }
                combos = next;
            }
            for mut details in combos {
                // Keep the rule's order.
                details.sort_by_key(|d| {
                    field_parts
                        .iter()
                        .position(|p| p.dimension.id == d.dimension)
                        .unwrap_or(usize::MAX)
                });
                if let Some(msg) = parent_value_mismatch(&details, &parts) {
                    problems.push(Problem {
                        field: Some(field.id),
                        dimension: None,
                        message: msg,
                        existing: None,
                    });
                    continue;
                }
                let values: HashMap<String, String> = details
                    .iter()
                    .map(|d| (d.dimension_name.clone(), d.shown.clone()))
                    .collect();
                match core::compose(&core_parts, &values) {
                    Ok(value) if value.chars().count() > 255 => problems.push(Problem {
                        field: Some(field.id),
                        dimension: None,
                        message: format!("“{value}” is longer than 255 characters."),
                        existing: None,
                    }),
                    Ok(value) => {
                        let index = strings.len();
                        strings.push(Planned {
                            field: field.id,
                            level: field.field_level,
                            parent: parent.clone(),
                            value,
                            details: details.clone(),
                        });
                        next_parents.push((PlannedParent::Index(index), details));
                    }
                    Err(core::ComposeError::Missing { dimension }) => {
                        let problem = Problem {
                            field: Some(field.id),
                            dimension: field_parts
                                .iter()
                                .find(|p| p.dimension.name == dimension)
                                .map(|p| p.dimension.id),
                            message: format!("{dimension} is required for {}.", field.name),
                            existing: None,
                        };
                        if !problems.contains(&problem) {
                            problems.push(problem);
                        }
                    }
                    Err(e) => {
                        let problem = Problem {
                            field: Some(field.id),
                            dimension: None,
                            message: format!("{e}."),
                            existing: None,
                        };
                        if !problems.contains(&problem) {
                            problems.push(problem);
                        }
                    }
                }
            }
        }
        parents = next_parents;
    }

    if problems.is_empty() {
        collisions(c, t, rule.id, &fields, &strings, &mut problems)?;
    }
    if problems.is_empty() && strings.is_empty() {
        problems.push(Problem::general("Nothing to generate."));
    }
    if problems.is_empty() {
        Ok(Ok(Plan {
            rule,
            fields,
            strings,
        }))
    } else {
        Ok(Err(problems))
    }
}

/// Controls that sent more than [`MAX_CHOICES`] values, each said beside
/// its control.
fn too_many_choices(req: &GenerateRequest) -> Vec<Problem> {
    req.choices
        .iter()
        .filter(|(_, values)| values.len() > MAX_CHOICES)
        .map(|((field, dimension), values)| Problem {
            field: Some(*field),
            dimension: Some(*dimension),
            message: format!(
                "{} values chosen here: choose at most {MAX_CHOICES}.",
                values.len()
            ),
            existing: None,
        })
        .collect()
}

/// Required dimensions that no level chose and none can inherit (the
/// level above has no such dimension), for every level at once.
fn required_choices(
    req: &GenerateRequest,
    fields: &[Field],
    parts: &RuleParts,
    start: &[PlannedDetail],
    problems: &mut Vec<Problem>,
) {
    let mut above: HashSet<DimensionId> = start.iter().map(|d| d.dimension).collect();
    for field in fields {
        for p in parts.field(field.id) {
            let chosen = req
                .choices
                .get(&(field.id, p.dimension.id))
                .is_some_and(|v| v.iter().any(|s| !s.trim().is_empty()));
            if p.detail.is_required && !chosen && !above.contains(&p.dimension.id) {
                problems.push(Problem {
                    field: Some(field.id),
                    dimension: Some(p.dimension.id),
                    message: format!("{} is required for {}.", p.dimension.name, field.name),
                    existing: None,
                });
            }
        }
        above = parts
            .field(field.id)
            .iter()
            .map(|p| p.dimension.id)
            .collect();
    }
}

/// A value whose dimension has a parent dimension must sit under the value
/// the string has for that parent (when the string has one).
fn parent_value_mismatch(details: &[PlannedDetail], parts: &RuleParts) -> Option<String> {
    for d in details {
        let Some(vid) = d.value else { continue };
        let Some(v) = parts.values(d.dimension).iter().find(|v| v.id == vid) else {
            continue;
        };
        let Some(want) = v.parent_id else { continue };
        let parent_dim = parts
            .values
            .values()
            .flatten()
            .find(|x| x.id == want)
            .map(|x| x.dimension_id);
        if let Some(pd) = parent_dim {
            if let Some(have) = details.iter().find(|x| x.dimension == pd) {
                if have.value != Some(want) {
                    return Some(format!(
                        "“{}” of {} does not belong under “{}”.",
                        v.value, d.dimension_name, have.shown
                    ));
                }
            }
        }
    }
    None
}

/// Duplicates inside the plan, and names that already exist for the rule.
fn collisions(
    c: &mut DbConn,
    t: TenantId,
    rule: RuleId,
    fields: &[Field],
    strings: &[Planned],
    problems: &mut Vec<Problem>,
) -> AppResult<()> {
    let mut seen = HashSet::new();
    for s in strings {
        if !seen.insert((s.field, s.value.as_str())) {
            problems.push(Problem {
                field: Some(s.field),
                dimension: None,
                message: format!("“{}” would be generated twice.", s.value),
                existing: None,
            });
        }
    }
    for f in fields {
        let values: Vec<&str> = strings
            .iter()
            .filter(|s| s.field == f.id)
            .map(|s| s.value.as_str())
            .collect();
        for chunk in values.chunks(500) {
            let found: Vec<(StringId, String)> = naming_strings::table
                .filter(naming_strings::tenant_id.eq(t))
                .filter(naming_strings::rule_id.eq(rule))
                .filter(naming_strings::field_id.eq(f.id))
                .filter(naming_strings::value.eq_any(chunk))
                .select((naming_strings::id, naming_strings::value))
                .load(c)?;
            for (id, value) in found {
                problems.push(Problem {
                    field: Some(f.id),
                    dimension: None,
                    message: format!("“{value}” already exists for {}.", f.name),
                    existing: Some(id),
                });
            }
        }
    }
    Ok(())
}

/// The details of an existing string, as a plan's parent would carry them
/// (only dimensions the rule knows).
pub fn details_of(
    c: &mut DbConn,
    t: TenantId,
    string: StringId,
    parts: &RuleParts,
) -> AppResult<Vec<PlannedDetail>> {
    let rows: Vec<StringDetail> = naming_string_details::table
        .filter(naming_string_details::tenant_id.eq(t))
        .filter(naming_string_details::string_id.eq(string))
        .select(StringDetail::as_select())
        .load(c)?;
    let names: HashMap<DimensionId, String> = parts
        .by_field
        .values()
        .flatten()
        .map(|p| (p.dimension.id, p.dimension.name.clone()))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|d| {
            let name = names.get(&d.dimension_id)?.clone();
            let shown = match (d.dimension_value_id, &d.dimension_value_freetext) {
                (Some(v), _) => parts
                    .values(d.dimension_id)
                    .iter()
                    .find(|x| x.id == v)?
                    .value
                    .clone(),
                (None, Some(text)) => text.clone(),
                (None, None) => return None,
            };
            Some(PlannedDetail {
                dimension: d.dimension_id,
                dimension_name: name,
                value: d.dimension_value_id,
                text: d.dimension_value_freetext,
                shown,
                inherited: d.is_inherited,
            })
        })
        .collect())
}

mod persist;

pub use persist::{generate, Outcome};
