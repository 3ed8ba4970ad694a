//! The live preview: the names the form would generate, or what stops them.

use super::view::{problem_view, ProblemView};
use crate::naming::generate::{Plan, Problem};

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
    pub fn empty() -> Self {
        PreviewView {
            ran: false,
            rows: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn of(plan: Result<Plan, Vec<Problem>>) -> Self {
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
