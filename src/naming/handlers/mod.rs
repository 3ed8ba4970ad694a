//! Naming pages, one file per area.

pub mod batch;
pub mod catalogue;
pub mod dimensions;
pub mod home;
pub mod propagation;
pub mod rule_builder;
pub mod rules;
pub mod strings;
pub mod submission_form;
pub mod submissions;
pub mod validate;
pub mod versions;
