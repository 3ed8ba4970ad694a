//! Naming: versions (to be built).
