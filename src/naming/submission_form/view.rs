//! The form's view: the rule, starting field and parent picker, and one
//! level per field with a control per rule part (dependent dropdowns
//! filtered server-side), problems placed beside their controls.

use std::collections::HashMap;

use diesel::prelude::*;

use super::form::SubmissionForm;
use super::parents::ParentPicker;
use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::catalogue;
use crate::naming::generate::Problem;
use crate::naming::models::*;
use crate::naming::parts::{today, usable, RuleParts};
use crate::naming::submissions;
use crate::schema::{naming_string_details, naming_strings};

/// A problem as the form shows it, with the colliding string to link to.
#[derive(Debug, Clone)]
pub struct ProblemView {
    pub message: String,
    pub existing: Option<StringId>,
}

pub struct Opt {
    pub id: String,
    pub text: String,
    pub selected: bool,
}

/// One rule part of one level.
pub struct Control {
    pub name: String,
    pub id: String,
    pub dimension: String,
    pub text_kind: bool,
    pub required: bool,
    pub inherited_from: Option<String>,
    pub options: Vec<Opt>,
    pub text: String,
    pub errors: Vec<ProblemView>,
    /// The dependent-dropdown endpoint and the control it follows.
    pub options_url: Option<String>,
    pub follows: Option<String>,
}

pub struct Level {
    pub field: Field,
    pub controls: Vec<Control>,
    pub errors: Vec<ProblemView>,
}

/// Everything the form shows.
pub struct FormView {
    pub rules: Vec<Rule>,
    pub rule: Option<Rule>,
    pub fields: Vec<Field>,
    pub start: Option<FieldId>,
    pub parent_field: Option<Field>,
    pub picker: ParentPicker,
    pub levels: Vec<Level>,
    pub general: Vec<ProblemView>,
}

impl FormView {
    pub fn is_rule(&self, id: impl std::borrow::Borrow<RuleId>) -> bool {
        self.rule.as_ref().is_some_and(|r| r.id == *id.borrow())
    }
    pub fn is_start(&self, id: impl std::borrow::Borrow<FieldId>) -> bool {
        self.start == Some(*id.borrow())
    }
}

pub fn problem_view(p: &Problem) -> ProblemView {
    ProblemView {
        message: p.message.clone(),
        existing: p.existing,
    }
}

/// Builds the form for `form` (a GET's query or a POST's body), with
/// `problems` placed beside their controls.
pub fn form_view(
    c: &mut DbConn,
    t: TenantId,
    form: &mut SubmissionForm,
    problems: &[Problem],
    slug: &str,
) -> AppResult<FormView> {
    let rules = submissions::rules(c, t)?;
    let parent = parent_string(c, t, form)?;
    let mut general: Vec<ProblemView> = problems
        .iter()
        .filter(|p| p.field.is_none())
        .map(problem_view)
        .collect();
    let rule = form
        .rule
        .trim()
        .parse::<RuleId>()
        .ok()
        .and_then(|id| rules.iter().find(|r| r.id == id).cloned());
    let empty = |rules, rule, fields, parent_field, general| FormView {
        rules,
        rule,
        fields,
        start: None,
        parent_field,
        picker: ParentPicker::default(),
        levels: Vec::new(),
        general,
    };
    let Some(rule) = rule else {
        return Ok(empty(rules, None, Vec::new(), None, general));
    };
    let fields = catalogue::fields(c, rule.platform_id)?;
    let start = form
        .field
        .trim()
        .parse::<FieldId>()
        .ok()
        .filter(|id| fields.iter().any(|f| f.id == *id))
        .or_else(|| fields.first().map(|f| f.id));
    form.field = start.map(|s| s.to_string()).unwrap_or_default();
    let parent_field = fields
        .iter()
        .find(|f| start.is_some() && f.next_field_id == start)
        .cloned();
    let parent = parent.filter(|p| {
        p.rule_id == rule.id && parent_field.as_ref().is_some_and(|f| f.id == p.field_id)
    });
    let picker = match &parent_field {
        Some(pf) => ParentPicker::load(c, t, rule.id, pf.id, parent.as_ref(), &form.parent_q)?,
        None => ParentPicker::default(),
    };
    let Some(start) = start else {
        return Ok(empty(rules, Some(rule), fields, parent_field, general));
    };
    let chain = catalogue::chain_from(c, start)?;
    let parts = RuleParts::load(c, t, rule.id)?;
    let mut carry = Carry::from_parent(c, t, parent.as_ref(), parent_field.as_ref())?;
    let ctx = LevelCtx {
        form,
        problems,
        parts: &parts,
        slug,
        today: today(),
    };
    let levels: Vec<Level> = chain
        .into_iter()
        .map(|field| ctx.level(field, &mut carry))
        .collect();
    // Problems about a field outside the chain (shouldn't happen) stay visible.
    for p in problems {
        if let Some(f) = p.field {
            if !levels.iter().any(|l| l.field.id == f) {
                general.push(problem_view(p));
            }
        }
    }
    Ok(FormView {
        rules,
        rule: Some(rule),
        fields,
        start: Some(start),
        parent_field,
        picker,
        levels,
        general,
    })
}

/// "Add children": the parent string the form names, which gives the rule
/// and the starting field when the form has none yet.
fn parent_string(
    c: &mut DbConn,
    t: TenantId,
    form: &mut SubmissionForm,
) -> AppResult<Option<NamingString>> {
    let Ok(pid) = form.parent.trim().parse::<StringId>() else {
        return Ok(None);
    };
    let parent: Option<NamingString> = naming_strings::table
        .filter(naming_strings::tenant_id.eq(t))
        .filter(naming_strings::id.eq(pid))
        .select(NamingString::as_select())
        .first(c)
        .optional()?;
    if let Some(p) = &parent {
        if form.rule.trim().is_empty() {
            form.rule = p.rule_id.to_string();
            if let Some(next) = catalogue::field(c, p.field_id)?.next_field_id {
                form.field = next.to_string();
            }
        }
    }
    Ok(parent)
}

/// What flows from one level to the next.
#[derive(Default)]
struct Carry {
    /// What the level above carries (inherited): dimension → its source.
    above: HashMap<DimensionId, String>,
    /// Every chosen value so far, by dimension.
    effective: HashMap<DimensionId, Vec<DimensionValueId>>,
    /// Where each dimension last had a control (for the dependent reload).
    control_of: HashMap<DimensionId, String>,
}

impl Carry {
    /// Starts from the parent string's values, carried from its level.
    fn from_parent(
        c: &mut DbConn,
        t: TenantId,
        parent: Option<&NamingString>,
        parent_field: Option<&Field>,
    ) -> AppResult<Self> {
        let mut carry = Carry::default();
        let Some(p) = parent else {
            return Ok(carry);
        };
        let pf = parent_field.map(|f| f.name.clone()).unwrap_or_default();
        for (dim, value) in naming_string_details::table
            .filter(naming_string_details::tenant_id.eq(t))
            .filter(naming_string_details::string_id.eq(p.id))
            .select((
                naming_string_details::dimension_id,
                naming_string_details::dimension_value_id,
            ))
            .load::<(DimensionId, Option<DimensionValueId>)>(c)?
        {
            carry.above.insert(dim, format!("{pf} {}", p.value));
            carry.effective.insert(dim, value.into_iter().collect());
        }
        Ok(carry)
    }
}

/// What every level's controls are built from.
struct LevelCtx<'a> {
    form: &'a SubmissionForm,
    problems: &'a [Problem],
    parts: &'a RuleParts,
    slug: &'a str,
    today: chrono::NaiveDate,
}

impl LevelCtx<'_> {
    /// One level: a control per rule part of `field`.
    fn level(&self, field: Field, carry: &mut Carry) -> Level {
        // This level's choices first, so a dependent control sees a parent
        // chosen after it in the rule's order too.
        for p in self.parts.field(field.id) {
            if !carry.above.contains_key(&p.dimension.id) {
                let ids: Vec<DimensionValueId> = self
                    .form
                    .chosen(field.id, p.dimension.id)
                    .iter()
                    .filter_map(|s| s.parse().ok())
                    .collect();
                if !ids.is_empty() {
                    carry.effective.insert(p.dimension.id, ids);
                }
            }
        }
        let mut carried: HashMap<DimensionId, String> = HashMap::new();
        let controls = self
            .parts
            .field(field.id)
            .iter()
            .map(|p| self.control(&field, p, carry, &mut carried))
            .collect();
        let errors = self
            .problems
            .iter()
            .filter(|x| x.field == Some(field.id) && x.dimension.is_none())
            .map(problem_view)
            .collect();
        carry.above = carried;
        Level {
            field,
            controls,
            errors,
        }
    }

    /// The control of one rule part: inherited, a dropdown of usable values
    /// under the chosen parent value (reloaded when that changes), or text.
    fn control(
        &self,
        field: &Field,
        p: &crate::naming::parts::RulePart,
        carry: &mut Carry,
        carried: &mut HashMap<DimensionId, String>,
    ) -> Control {
        let d = &p.dimension;
        let name = format!("v.{}.{}", field.id, d.id);
        let id = format!("ctl-{}-{}", field.id, d.id);
        let chosen = self.form.chosen(field.id, d.id);
        let errors: Vec<ProblemView> = self
            .problems
            .iter()
            .filter(|x| x.field == Some(field.id) && x.dimension == Some(d.id))
            .map(problem_view)
            .collect();
        let inherited_from = carry.above.get(&d.id).cloned();
        if inherited_from.is_some() || p.detail.is_required || !chosen.is_empty() {
            carried.insert(d.id, field.name.clone());
        }
        let mut options = Vec::new();
        let (mut options_url, mut follows) = (None, None);
        if d.kind != DimensionKind::Text && inherited_from.is_none() {
            let under: Option<&Vec<DimensionValueId>> = d
                .parent_id
                .and_then(|pd| carry.effective.get(&pd))
                .filter(|v| !v.is_empty());
            if let Some(pd) = d.parent_id {
                if let Some(ctl) = carry.control_of.get(&pd).cloned().or_else(|| {
                    self.parts
                        .field(field.id)
                        .iter()
                        .any(|x| x.dimension.id == pd && !carry.above.contains_key(&pd))
                        .then(|| format!("ctl-{}-{}", field.id, pd))
                }) {
                    options_url = Some(format!(
                        "/w/{}/naming/dimensions/{}/options",
                        self.slug, d.id
                    ));
                    follows = Some(ctl);
                }
            }
            for v in self.parts.values(d.id) {
                let selected = chosen.contains(&v.id.to_string().as_str());
                let fits = under.is_none_or(|u| v.parent_id.is_some_and(|pv| u.contains(&pv)));
                if selected || (usable(v, self.today) && fits) {
                    options.push(Opt {
                        id: v.id.to_string(),
                        text: if v.label.is_empty() {
                            v.value.clone()
                        } else {
                            format!("{} — {}", v.value, v.label)
                        },
                        selected,
                    });
                }
            }
        }
        if inherited_from.is_none() {
            carry.control_of.insert(d.id, id.clone());
        }
        Control {
            name,
            id,
            dimension: d.name.clone(),
            text_kind: d.kind == DimensionKind::Text,
            required: p.detail.is_required,
            inherited_from,
            options,
            text: chosen.first().map(|s| s.to_string()).unwrap_or_default(),
            errors,
            options_url,
            follows,
        }
    }
}
