//! What the submission form sends, parsed from a GET's query or a POST's
//! body: rule, starting field, parent, the parent search, names and the
//! `v.{field_id}.{dimension_id}` controls.

use std::collections::HashMap;

use crate::naming::generate::GenerateRequest;
use crate::naming::models::*;

/// What the form sends (and the GET that reloads it carries).
#[derive(Debug, Clone, Default)]
pub struct SubmissionForm {
    pub rule: String,
    pub field: String,
    pub parent: String,
    /// The parent search ("" when none).
    pub parent_q: String,
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
                "parent_q" => f.parent_q = v,
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

    pub fn chosen(&self, field: FieldId, dim: DimensionId) -> Vec<&str> {
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
