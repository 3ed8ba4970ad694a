//! Naming: submissions (to be built).
