//! Naming: strings (to be built).
