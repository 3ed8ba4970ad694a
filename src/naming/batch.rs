//! Naming: batch (to be built).
