//! Naming: propagation (to be built).
