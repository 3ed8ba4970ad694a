//! Editing the catalogue (superadmins; `handlers::catalogue`).
//!
//! The catalogue is global, but whether a platform or field is *used* is a
//! question about every workspace's rules and strings: the functions that
//! count uses must run on a connection that reads across tenants
//! (`AdminConn`), or they would see only rows row-level security lets through.
//!
//! - `platform_list`: the admin list of platforms (search, sort, CSV).
//! - `platforms`: the platform form, and creating, editing and deleting.
//! - `fields`: the field form, a platform's field chain, and where fields
//!   are used.

mod fields;
mod platform_list;
mod platforms;

pub use fields::{add_field, delete_field, field_uses, relink, update_field, FieldForm, FieldUses};
pub use platform_list::{PlatformRow, Platforms};
pub use platforms::{
    create_platform, delete_platform, rules_using_platform, update_platform, PlatformForm,
};
