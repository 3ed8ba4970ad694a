//! Naming: dimensions (to be built).
