//! Two-factor sign-in (TOTP, RFC 6238): enrolment by QR code, one-time
//! recovery codes, the second step at sign-in, remembered browsers, and the
//! re-authentication that guards changes to the second factor.

pub mod codes;
pub mod devices;
pub mod handlers;
pub mod login;
pub mod reauth;
pub mod store;

pub use reauth::RecentAuth;
pub use store::is_enabled;
