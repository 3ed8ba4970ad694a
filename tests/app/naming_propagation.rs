//! Propagation tests.
