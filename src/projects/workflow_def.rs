//! A workflow's definition: a small JSON state machine, its validation (a
//! pure function whose messages name the broken step) and its drawing as
//! server-rendered SVG.
//!
//! ```json
//! {"start": "review",
//!  "steps": [
//!    {"key": "review", "kind": "approval", "approvers": ["<user uuid>"],
//!     "next": {"approved": "publish", "rejected": "rework", "expired": "rework"}},
//!    {"key": "rework", "kind": "task", "next": {"done": "review"}},
//!    {"key": "publish", "kind": "end"}]}
//! ```
//!
//! An `approval` step waits until every approver approves (`approved`), or
//! one rejects (`rejected`, or the run fails when absent); when its approvals
//! expire the run follows `expired`, or fails. A `task` step waits for a
//! member to mark it done (`done`). Reaching an `end` step completes the run.

use std::collections::{BTreeMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// At most this many steps in a definition.
pub const MAX_STEPS: usize = 50;
/// At most this many bytes of JSON.
pub const MAX_BYTES: usize = 20_000;
/// At most this many approvers on one step.
pub const MAX_APPROVERS: usize = 20;
/// A step key is 1 to this many characters.
pub const MAX_KEY: usize = 50;

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Approval,
    Task,
    End,
}

impl StepKind {
    /// The outcomes a step of this kind may name in `next`, the first required.
    fn outcomes(self) -> &'static [&'static str] {
        match self {
            StepKind::Approval => &["approved", "rejected", "expired"],
            StepKind::Task => &["done"],
            StepKind::End => &[],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Approval => "approval",
            StepKind::Task => "task",
            StepKind::End => "end",
        }
    }
}

/// One state of the machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub key: String,
    pub kind: StepKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvers: Vec<Uuid>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub next: BTreeMap<String, String>,
}

/// A whole definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub start: String,
    pub steps: Vec<Step>,
}

impl Definition {
    pub fn step(&self, key: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.key == key)
    }

    /// Every approver named anywhere (for the membership check).
    pub fn approvers(&self) -> Vec<Uuid> {
        let mut out: Vec<Uuid> = self
            .steps
            .iter()
            .flat_map(|s| s.approvers.iter().copied())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The definition as stored and shown: pretty JSON.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Parses and checks a definition. `is_member` says whether a user is a
/// member of the workspace. Every message names the step it is about.
pub fn validate(raw: &str, is_member: &dyn Fn(&Uuid) -> bool) -> Result<Definition, Vec<String>> {
    if raw.len() > MAX_BYTES {
        return Err(vec![format!(
            "The definition is {} bytes; at most {MAX_BYTES} are allowed.",
            raw.len()
        )]);
    }
    let def: Definition = serde_json::from_str(raw).map_err(|e| {
        vec![format!(
            "The definition is not valid JSON of the expected shape: {e}."
        )]
    })?;
    let mut errors = Vec::new();
    if def.steps.is_empty() {
        errors.push("The definition has no steps.".to_string());
    }
    if def.steps.len() > MAX_STEPS {
        errors.push(format!(
            "The definition has {} steps; at most {MAX_STEPS} are allowed.",
            def.steps.len()
        ));
        return Err(errors);
    }
    let mut seen = HashSet::new();
    for s in &def.steps {
        let n = s.key.chars().count();
        if s.key.trim().is_empty() || n > MAX_KEY || s.key.chars().any(char::is_control) {
            errors.push(format!(
                "Step “{}”: a key is 1 to {MAX_KEY} characters, without control characters.",
                s.key
            ));
        }
        if !seen.insert(s.key.as_str()) {
            errors.push(format!(
                "Step “{}”: the key is used by more than one step.",
                s.key
            ));
        }
    }
    let keys: HashSet<&str> = def.steps.iter().map(|s| s.key.as_str()).collect();
    if !keys.contains(def.start.as_str()) {
        errors.push(format!("The start “{}” is not a step.", def.start));
    }
    if !def.steps.iter().any(|s| s.kind == StepKind::End) {
        errors.push("The definition has no end step: add a step with \"kind\": \"end\".".into());
    }
    for s in &def.steps {
        let allowed = s.kind.outcomes();
        for (outcome, target) in &s.next {
            if !allowed.contains(&outcome.as_str()) {
                errors.push(match s.kind {
                    StepKind::End => format!("Step “{}”: an end step has no next steps.", s.key),
                    _ => format!(
                        "Step “{}”: “{outcome}” is not an outcome of a {} step (use {}).",
                        s.key,
                        s.kind.as_str(),
                        allowed.join(", ")
                    ),
                });
            } else if !keys.contains(target.as_str()) {
                errors.push(format!(
                    "Step “{}”: next “{outcome}” points at “{target}”, which is not a step.",
                    s.key
                ));
            }
        }
        if let Some(first) = allowed.first() {
            if !s.next.contains_key(*first) {
                errors.push(format!(
                    "Step “{}”: a {} step needs a next step for “{first}”.",
                    s.key,
                    s.kind.as_str()
                ));
            }
        }
        match s.kind {
            StepKind::Approval if s.approvers.is_empty() => errors.push(format!(
                "Step “{}”: an approval step needs approvers.",
                s.key
            )),
            StepKind::Approval if s.approvers.len() > MAX_APPROVERS => errors.push(format!(
                "Step “{}”: at most {MAX_APPROVERS} approvers.",
                s.key
            )),
            StepKind::Approval => {
                for a in &s.approvers {
                    if !is_member(a) {
                        errors.push(format!(
                            "Step “{}”: approver {a} is not a member of this workspace.",
                            s.key
                        ));
                    }
                }
            }
            _ if !s.approvers.is_empty() => errors.push(format!(
                "Step “{}”: only approval steps have approvers.",
                s.key
            )),
            _ => {}
        }
    }
    if errors.is_empty() {
        let reached = reachable(&def);
        for s in &def.steps {
            if !reached.contains(&s.key.as_str()) {
                errors.push(format!(
                    "Step “{}” cannot be reached from the start “{}”.",
                    s.key, def.start
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(def)
    } else {
        Err(errors)
    }
}

/// The keys reachable from the start, in breadth-first order.
fn reachable(def: &Definition) -> Vec<&str> {
    let mut order = Vec::new();
    let mut queue = VecDeque::from([def.start.as_str()]);
    while let Some(k) = queue.pop_front() {
        if order.contains(&k) {
            continue;
        }
        let Some(s) = def.step(k) else { continue };
        order.push(k);
        queue.extend(s.next.values().map(String::as_str));
    }
    order
}

/// XML-escapes text for SVG.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const BOX_W: i64 = 220;
const BOX_H: i64 = 36;
const GAP: i64 = 28;
const LEFT: i64 = 10;

/// The definition drawn top to bottom (steps in the order they are reached),
/// with each transition as an arc on the right labelled by its outcome.
/// `visited` steps are shaded, `current` outlined. Only numbers and escaped
/// keys go into the markup.
pub fn svg(def: &Definition, current: Option<&str>, visited: &[String]) -> String {
    let mut order: Vec<&str> = reachable(def);
    for s in &def.steps {
        if !order.contains(&s.key.as_str()) {
            order.push(&s.key);
        }
    }
    let y_of = |k: &str| -> Option<i64> {
        order
            .iter()
            .position(|o| *o == k)
            .map(|i| 10 + i as i64 * (BOX_H + GAP))
    };
    let edges: usize = def.steps.iter().map(|s| s.next.len()).sum();
    let width = LEFT + BOX_W + 40 + 22 * edges as i64 + 120;
    let height = 20 + order.len() as i64 * (BOX_H + GAP);
    let mut out = format!(
        "<svg class=\"workflow-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Workflow steps\">"
    );
    for k in &order {
        let Some(s) = def.step(k) else { continue };
        let Some(y) = y_of(k) else { continue };
        let fill = if current == Some(*k) {
            "#fde68a"
        } else if visited.iter().any(|v| v == k) {
            "#dbeafe"
        } else {
            "#ffffff"
        };
        let stroke_w = if current == Some(*k) { 3 } else { 1 };
        out.push_str(&format!(
            "<g class=\"step step-{}\"><rect x=\"{LEFT}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"6\" fill=\"{fill}\" stroke=\"#334155\" stroke-width=\"{stroke_w}\"/><text x=\"{}\" y=\"{}\" font-size=\"13\" font-family=\"sans-serif\">{} · {}</text></g>",
            s.kind.as_str(),
            LEFT + 10,
            y + 23,
            esc(&truncate(k, 24)),
            s.kind.as_str(),
        ));
    }
    let mut lane = 0i64;
    for k in &order {
        let Some(s) = def.step(k) else { continue };
        let Some(y1) = y_of(k) else { continue };
        for (outcome, target) in &s.next {
            let Some(y2) = y_of(target) else { continue };
            lane += 1;
            let x0 = LEFT + BOX_W;
            let x1 = x0 + 20 + 22 * lane;
            let (a, b) = (y1 + BOX_H / 2 - 6, y2 + BOX_H / 2 + 6);
            out.push_str(&format!(
                "<path d=\"M{x0} {a} H{x1} V{b} H{}\" fill=\"none\" stroke=\"#64748b\" stroke-width=\"1.5\"/><path d=\"M{} {} l8 -4 v8 z\" fill=\"#64748b\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" font-family=\"sans-serif\" fill=\"#475569\">{}</text>",
                x0 + 8,
                x0,
                b,
                x1 + 4,
                (a + b) / 2,
                esc(outcome),
            ));
        }
    }
    out.push_str("</svg>");
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0190a3c2-0000-7000-8000-000000000001";

    fn all_members(_: &Uuid) -> bool {
        true
    }

    fn ok_def() -> String {
        format!(
            r#"{{"start": "review", "steps": [
                {{"key": "review", "kind": "approval", "approvers": ["{A}"],
                  "next": {{"approved": "publish", "rejected": "rework"}}}},
                {{"key": "rework", "kind": "task", "next": {{"done": "review"}}}},
                {{"key": "publish", "kind": "end"}}]}}"#
        )
    }

    fn errors_of(raw: &str) -> Vec<String> {
        validate(raw, &all_members).err().unwrap_or_default()
    }

    #[test]
    fn a_good_definition_passes() {
        let d = validate(&ok_def(), &all_members).expect("valid");
        assert_eq!(d.steps.len(), 3);
        assert_eq!(d.approvers().len(), 1);
    }

    #[test]
    fn an_unknown_next_target_names_the_step() {
        let e =
            errors_of(&ok_def().replace("\"publish\", \"rejected\"", "\"publsh\", \"rejected\""));
        assert!(
            e.iter()
                .any(|m| m.contains("Step “review”") && m.contains("“publsh”")),
            "{e:?}"
        );
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let e = errors_of(&ok_def().replace("\"key\": \"rework\"", "\"key\": \"review\""));
        assert!(
            e.iter()
                .any(|m| m.contains("Step “review”: the key is used")),
            "{e:?}"
        );
    }

    #[test]
    fn a_definition_needs_an_end_step() {
        let raw =
            r#"{"start": "a", "steps": [{"key": "a", "kind": "task", "next": {"done": "a"}}]}"#;
        assert!(errors_of(raw).iter().any(|m| m.contains("no end step")));
    }

    #[test]
    fn unreachable_steps_are_named() {
        let raw = r#"{"start": "a", "steps": [{"key": "a", "kind": "end"}, {"key": "lost", "kind": "end"}]}"#;
        assert!(errors_of(raw)
            .iter()
            .any(|m| m.contains("Step “lost” cannot be reached")));
    }

    #[test]
    fn approval_steps_need_member_approvers() {
        let raw = r#"{"start": "a", "steps": [{"key": "a", "kind": "approval", "next": {"approved": "b"}}, {"key": "b", "kind": "end"}]}"#;
        assert!(errors_of(raw)
            .iter()
            .any(|m| m.contains("Step “a”: an approval step needs approvers")));
        let e = validate(&ok_def(), &|_| false).err().unwrap_or_default();
        assert!(e
            .iter()
            .any(|m| m.contains("Step “review”: approver") && m.contains("not a member")));
    }

    #[test]
    fn the_start_must_be_a_step() {
        let e = errors_of(&ok_def().replace("\"start\": \"review\"", "\"start\": \"nowhere\""));
        assert!(e
            .iter()
            .any(|m| m.contains("The start “nowhere” is not a step")));
    }

    #[test]
    fn too_many_steps_and_too_many_bytes_are_refused() {
        let steps: Vec<String> = (0..=MAX_STEPS)
            .map(|i| format!(r#"{{"key": "s{i}", "kind": "end"}}"#))
            .collect();
        let raw = format!(r#"{{"start": "s0", "steps": [{}]}}"#, steps.join(","));
        assert!(errors_of(&raw).iter().any(|m| m.contains("at most 50")));
        let big = format!(
            r#"{{"start": "a", "steps": [], "x": "{}"}}"#,
            "y".repeat(MAX_BYTES)
        );
        assert!(errors_of(&big).iter().any(|m| m.contains("bytes")));
    }

    #[test]
    fn a_wrong_outcome_and_a_missing_required_one_name_the_step() {
        let raw = r#"{"start": "a", "steps": [{"key": "a", "kind": "task", "next": {"approved": "b"}}, {"key": "b", "kind": "end"}]}"#;
        let e = errors_of(raw);
        assert!(
            e.iter()
                .any(|m| m.contains("Step “a”: “approved” is not an outcome")),
            "{e:?}"
        );
        assert!(e
            .iter()
            .any(|m| m.contains("Step “a”: a task step needs a next step for “done”")));
    }

    #[test]
    fn the_svg_escapes_keys_and_marks_the_current_step() {
        let raw = r#"{"start": "<b>&", "steps": [{"key": "<b>&", "kind": "task", "next": {"done": "end"}}, {"key": "end", "kind": "end"}]}"#;
        let d = validate(raw, &all_members).expect("valid");
        let s = svg(&d, Some("<b>&"), &[]);
        assert!(s.contains("&lt;b&gt;&amp;"));
        assert!(!s.contains("<b>"));
        assert!(s.contains("#fde68a"));
    }
}
