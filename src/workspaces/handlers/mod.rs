//! Workspace pages, split by area.

pub mod dashboard;
pub mod members;
pub mod profile;
pub mod settings;
pub mod teams;
