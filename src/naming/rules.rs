//! Naming: rules (to be built).
