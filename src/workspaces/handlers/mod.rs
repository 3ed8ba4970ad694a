//! Workspace pages, split by area.

pub mod dashboard;
pub mod invitation;
pub mod members;
pub mod profile;
pub mod settings;
pub mod teams;
