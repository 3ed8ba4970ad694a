//! The new-submission form: rule, starting field, optional parent string,
//! one fieldset per level with a control per rule part (dependent dropdowns
//! filtered server-side, reloaded by htmx), the live preview, and creation.
//! Control names are `v.{field_id}.{dimension_id}`, repeated per value.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;

use crate::db::{DbConn, TenantId};
use crate::error::{AppError, AppResult};
use crate::naming::catalogue;
use crate::naming::generate::{self, GenerateRequest, Outcome, Plan, Problem};
use crate::naming::models::*;
use crate::naming::parts::{today, usable, RuleParts};
use crate::naming::submissions;
use crate::schema::{naming_string_details, naming_strings};
use crate::web::extract::RequestMeta;
use crate::web::{self as w, Ctx, Editor, Flash, HxRequest, PageCtx};

/// Most parent strings offered in the select.
const PARENT_OPTIONS: i64 = 200;

/// What the form sends (and the GET that reloads it carries).
#[derive(Debug, Clone, Default)]
pub struct SubmissionForm {
    pub rule: String,
    pub field: String,
    pub parent: String,
    pub name: String,
    pub description: String,
    pub values: Vec<(FieldId, DimensionId, String)>,
    pub submit: bool,
}

impl SubmissionForm {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = SubmissionForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "rule" => f.rule = v,
                "field" => f.field = v,
                "parent" => f.parent = v,
                "name" => f.name = v,
                "description" => f.description = v,
                "action" => f.submit = v == "submit",
                _ => {
                    let mut it = k.splitn(3, '.');
                    if let (Some("v"), Some(fid), Some(did)) = (it.next(), it.next(), it.next()) {
                        if let (Ok(fid), Ok(did)) = (fid.parse(), did.parse()) {
                            f.values.push((fid, did, v));
                        }
                    }
                }
            }
        }
        f
    }

    fn chosen(&self, field: FieldId, dim: DimensionId) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(f, d, v)| *f == field && *d == dim && !v.trim().is_empty())
            .map(|(_, _, v)| v.trim())
            .collect()
    }

    /// The generation request, once a rule and a starting field are chosen.
    pub fn request(&self) -> Option<GenerateRequest> {
        let mut choices: HashMap<(FieldId, DimensionId), Vec<String>> = HashMap::new();
        for (f, d, v) in &self.values {
            choices.entry((*f, *d)).or_default().push(v.clone());
        }
        Some(GenerateRequest {
            rule: self.rule.trim().parse().ok()?,
            starting_field: self.field.trim().parse().ok()?,
            parent_string: self.parent.trim().parse().ok(),
            name: self.name.clone(),
            description: self.description.clone(),
            choices,
            submit: self.submit,
        })
    }
}

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

/// A string the new ones may hang under.
pub struct ParentOpt {
    pub id: StringId,
    pub value: String,
    pub selected: bool,
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
    pub parents: Vec<ParentOpt>,
    pub parent: Option<StringId>,
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

fn problem_view(p: &Problem) -> ProblemView {
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
    let today = today();
    let rules = submissions::rules(c, t)?;
    // "Add children": the parent string gives the rule and the starting field.
    let mut parent: Option<NamingString> = None;
    if let Ok(pid) = form.parent.trim().parse::<StringId>() {
        parent = naming_strings::table
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
    }
    let rule = form
        .rule
        .trim()
        .parse::<RuleId>()
        .ok()
        .and_then(|id| rules.iter().find(|r| r.id == id).cloned());
    let mut general: Vec<ProblemView> = problems
        .iter()
        .filter(|p| p.field.is_none())
        .map(problem_view)
        .collect();
    let Some(rule) = rule else {
        return Ok(FormView {
            rules,
            rule: None,
            fields: Vec::new(),
            start: None,
            parent_field: None,
            parents: Vec::new(),
            parent: None,
            levels: Vec::new(),
            general,
        });
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
    let mut parents: Vec<(StringId, String)> = match &parent_field {
        Some(pf) => naming_strings::table
            .filter(naming_strings::tenant_id.eq(t))
            .filter(naming_strings::rule_id.eq(rule.id))
            .filter(naming_strings::field_id.eq(pf.id))
            .order(naming_strings::created_at.desc())
            .limit(PARENT_OPTIONS)
            .select((naming_strings::id, naming_strings::value))
            .load(c)?,
        None => Vec::new(),
    };
    if let Some(p) = &parent {
        if !parents.iter().any(|(id, _)| *id == p.id) {
            parents.insert(0, (p.id, p.value.clone()));
        }
    }
    let Some(start) = start else {
        return Ok(FormView {
            rules,
            rule: Some(rule),
            fields,
            start: None,
            parent_field,
            parents: Vec::new(),
            parent: None,
            levels: Vec::new(),
            general,
        });
    };
    let chain = catalogue::chain_from(c, start)?;
    let parts = RuleParts::load(c, t, rule.id)?;

    // What the level above carries (inherited), and every chosen value so far.
    let mut above: HashMap<DimensionId, String> = HashMap::new();
    let mut effective: HashMap<DimensionId, Vec<DimensionValueId>> = HashMap::new();
    // Where each dimension last had a control (for the dependent reload).
    let mut control_of: HashMap<DimensionId, String> = HashMap::new();
    if let Some(p) = &parent {
        let pf = parent_field
            .as_ref()
            .map(|f| f.name.clone())
            .unwrap_or_default();
        for (dim, value) in naming_string_details::table
            .filter(naming_string_details::tenant_id.eq(t))
            .filter(naming_string_details::string_id.eq(p.id))
            .select((
                naming_string_details::dimension_id,
                naming_string_details::dimension_value_id,
            ))
            .load::<(DimensionId, Option<DimensionValueId>)>(c)?
        {
            above.insert(dim, format!("{pf} {}", p.value));
            effective.insert(dim, value.into_iter().collect());
        }
    }
    let mut levels = Vec::new();
    for field in chain {
        let mut controls = Vec::new();
        let mut carried: HashMap<DimensionId, String> = HashMap::new();
        // This level's choices first, so a dependent control sees a parent
        // chosen after it in the rule's order too.
        for p in parts.field(field.id) {
            if !above.contains_key(&p.dimension.id) {
                let ids: Vec<DimensionValueId> = form
                    .chosen(field.id, p.dimension.id)
                    .iter()
                    .filter_map(|s| s.parse().ok())
                    .collect();
                if !ids.is_empty() {
                    effective.insert(p.dimension.id, ids);
                }
            }
        }
        for p in parts.field(field.id) {
            let d = &p.dimension;
            let name = format!("v.{}.{}", field.id, d.id);
            let id = format!("ctl-{}-{}", field.id, d.id);
            let chosen = form.chosen(field.id, d.id);
            let errors: Vec<ProblemView> = problems
                .iter()
                .filter(|x| x.field == Some(field.id) && x.dimension == Some(d.id))
                .map(problem_view)
                .collect();
            let inherited_from = above.get(&d.id).cloned();
            if inherited_from.is_some() || p.detail.is_required || !chosen.is_empty() {
                carried.insert(d.id, field.name.clone());
            }
            let mut options = Vec::new();
            let (mut options_url, mut follows) = (None, None);
            if d.kind != "TEXT" && inherited_from.is_none() {
                let under: Option<&Vec<DimensionValueId>> = d
                    .parent_id
                    .and_then(|pd| effective.get(&pd))
                    .filter(|v| !v.is_empty());
                if let Some(pd) = d.parent_id {
                    if let Some(ctl) = control_of.get(&pd).cloned().or_else(|| {
                        parts
                            .field(field.id)
                            .iter()
                            .any(|x| x.dimension.id == pd && !above.contains_key(&pd))
                            .then(|| format!("ctl-{}-{}", field.id, pd))
                    }) {
                        options_url = Some(format!("/w/{slug}/naming/dimensions/{}/options", d.id));
                        follows = Some(ctl);
                    }
                }
                for v in parts.values(d.id) {
                    let selected = chosen.contains(&v.id.to_string().as_str());
                    let fits = under.is_none_or(|u| v.parent_id.is_some_and(|pv| u.contains(&pv)));
                    if selected || (usable(v, today) && fits) {
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
                control_of.insert(d.id, id.clone());
            }
            controls.push(Control {
                name,
                id,
                dimension: d.name.clone(),
                text_kind: d.kind == "TEXT",
                required: p.detail.is_required,
                inherited_from,
                options,
                text: chosen.first().map(|s| s.to_string()).unwrap_or_default(),
                errors,
                options_url,
                follows,
            });
        }
        let level_errors = problems
            .iter()
            .filter(|x| x.field == Some(field.id) && x.dimension.is_none())
            .map(problem_view)
            .collect();
        above = carried;
        levels.push(Level {
            field,
            controls,
            errors: level_errors,
        });
    }
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
        parent: parent.as_ref().map(|p| p.id),
        parents: parents
            .into_iter()
            .map(|(id, value)| ParentOpt {
                id,
                value,
                selected: parent.as_ref().is_some_and(|p| p.id == id),
            })
            .collect(),
        levels,
        general,
    })
}

/// One planned string in the preview.
pub struct PreviewRow {
    pub depth: usize,
    pub field: String,
    pub value: String,
}

/// The preview: the planned names, or what stops them.
pub struct PreviewView {
    pub ran: bool,
    pub rows: Vec<PreviewRow>,
    pub problems: Vec<ProblemView>,
}

impl PreviewView {
    fn empty() -> Self {
        PreviewView {
            ran: false,
            rows: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn of(plan: Result<Plan, Vec<Problem>>) -> Self {
        match plan {
            Ok(plan) => PreviewView {
                ran: true,
                rows: plan
                    .strings
                    .iter()
                    .map(|s| {
                        let depth = plan.fields.iter().position(|f| f.id == s.field);
                        PreviewRow {
                            depth: depth.unwrap_or(0),
                            field: depth
                                .map(|i| plan.fields[i].name.clone())
                                .unwrap_or_default(),
                            value: s.value.clone(),
                        }
                    })
                    .collect(),
                problems: Vec::new(),
            },
            Err(problems) => PreviewView {
                ran: true,
                rows: Vec::new(),
                problems: problems.iter().map(problem_view).collect(),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "naming/submission_new.html")]
struct NewPage {
    page: PageCtx,
    slug: String,
    form: SubmissionForm,
    view: FormView,
    preview: PreviewView,
}

#[derive(Template)]
#[template(path = "naming/_submission_levels.html")]
struct LevelsFragment {
    slug: String,
    view: FormView,
}

#[derive(Template)]
#[template(path = "naming/_submission_preview.html")]
struct PreviewFragment {
    slug: String,
    preview: PreviewView,
}

async fn render(
    ctx: &Ctx,
    editor: &Editor,
    mut form: SubmissionForm,
    problems: Vec<Problem>,
    hx: bool,
) -> AppResult<HttpResponse> {
    let m = editor.0.clone();
    let slug = editor.workspace.slug.clone();
    let s = slug.clone();
    let invalid = !problems.is_empty();
    let (form, view) = web::block(move || {
        m.conn()?.read(|c, t| {
            let view = form_view(c, t, &mut form, &problems, &s)?;
            Ok((form, view))
        })
    })
    .await??;
    if hx && !invalid {
        return w::ok(&LevelsFragment { slug, view });
    }
    let page = NewPage {
        page: ctx.workspace(
            "New submission",
            &editor.user.user,
            &editor.workspace,
            editor.role,
        ),
        slug,
        form,
        preview: PreviewView::empty(),
        view,
    };
    if invalid {
        w::invalid(&page)
    } else {
        w::ok(&page)
    }
}

/// `GET /submissions/new[?rule=…&field=…&parent=…&v.…]`: the form; for
/// htmx, only the starting field, parent and level fieldsets.
pub async fn new(
    ctx: Ctx,
    editor: Editor,
    hx: HxRequest,
    q: web::Query<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SubmissionForm::from_pairs(q.into_inner());
    render(&ctx, &editor, form, Vec::new(), hx.0).await
}

/// `POST /submissions/preview`: what the form would generate (writes nothing).
pub async fn preview(
    editor: Editor,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SubmissionForm::from_pairs(body.into_inner());
    let slug = editor.workspace.slug.clone();
    let Some(req) = form.request() else {
        return w::ok(&PreviewFragment {
            slug,
            preview: PreviewView::empty(),
        });
    };
    let m = editor.0.clone();
    let plan = web::block(move || {
        m.conn()?
            .read(|c, t| match generate::plan(c, t, &req, today()) {
                // A rule of another workspace, or gone: nothing to preview.
                Err(AppError::NotFound) => Ok(Err(Vec::new())),
                other => other,
            })
    })
    .await??;
    w::ok(&PreviewFragment {
        slug,
        preview: PreviewView::of(plan),
    })
}

/// `POST /submissions`: generates; 303 to the submission, or 422 with the
/// form as it was sent and the problems beside the controls.
pub async fn create(
    ctx: Ctx,
    editor: Editor,
    meta: RequestMeta,
    body: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = SubmissionForm::from_pairs(body.into_inner());
    let Some(req) = form.request() else {
        let problem = Problem {
            field: None,
            dimension: None,
            message: "Choose a rule and a starting field.".into(),
            existing: None,
        };
        return render(&ctx, &editor, form, vec![problem], false).await;
    };
    let outcome = editor
        .write(
            move |c, t, uid| match generate::generate(c, t, uid, &req, today(), &meta) {
                Err(AppError::NotFound) => Ok(Outcome::Invalid(vec![Problem {
                    field: None,
                    dimension: None,
                    message: "That rule doesn't exist in this workspace.".into(),
                    existing: None,
                }])),
                other => other,
            },
        )
        .await?;
    match outcome {
        Outcome::Created {
            submission,
            strings,
        } => {
            Flash::success(
                &ctx.session,
                format!(
                    "{strings} name{} generated.",
                    if strings == 1 { "" } else { "s" }
                ),
            );
            Ok(w::redirect(&format!(
                "/w/{}/naming/submissions/{submission}",
                editor.workspace.slug
            )))
        }
        Outcome::Invalid(problems) => render(&ctx, &editor, form, problems, false).await,
    }
}
