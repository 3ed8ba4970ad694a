//! Naming conventions (the TUX model). So far: the pure core that composes a
//! name from a rule and values and parses a name back against a rule. The
//! tables, pages and propagation come next (see the open issue).

pub mod core;
