//! The import graph between the top-level folders of `src/` (and its
//! top-level files): the ground floor imports nothing above it, and the graph
//! has no cycle — except the tangles listed in `KNOWN_TANGLES`, which may only
//! shrink.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom-up: a node may import only nodes on its own floor or below (and
/// on the ground floor, no cycle either).
const FLOORS: &[&[&str]] = &[
    &["config", "error", "db", "schema", "support", "files"],
    &["web"],
    &["audit"],
    &["accounts"],
    &["workspaces"],
    &["jobs"],
    &["exports"],
    &["admin", "metrics"],
    &["modules"],
    &["notifications"],
    &["naming", "projects", "messages"],
    &["router", "seed"],
];

/// Imports that still point upward, left from before the layering was
/// written down: each closes a cycle. Remove an entry when its edge goes
/// away (the test insists), never add one.
const KNOWN_TANGLES: &[(&str, &str)] = &[
    // The extractors and page context use accounts' and workspaces' types
    // (`CurrentUser`, `Member`, `Role`, `Workspace`); the navigation reads
    // the module registry.
    ("web", "accounts"),
    ("web", "workspaces"),
    ("web", "modules"),
    // Sign-up asks the instance settings (admin) whether it is open, and
    // the invitation page reads workspaces.
    ("accounts", "admin"),
    ("accounts", "workspaces"),
    // Member lists reuse the admin list helpers; members enqueue emails;
    // the workspace scope routes to the job and export pages.
    ("workspaces", "admin"),
    ("workspaces", "jobs"),
    ("workspaces", "exports"),
    // Sign-up and password resets queue their emails in the jobs outbox.
    ("accounts", "jobs"),
    // The worker runs the export job by name, and `Job` links its file.
    ("jobs", "exports"),
    // The core reads the module registry directly (job dispatch and labels,
    // dashboard tiles, the export) rather than having it passed in; the
    // registry's types name `JobCtx`.
    ("workspaces", "modules"),
    ("jobs", "modules"),
    ("exports", "modules"),
];

/// `src/<name>/…` or `src/<name>.rs` → `<name>`; the crate root files are
/// the composition root, above everything, and no node.
fn node_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let name = first
        .as_os_str()
        .to_str()?
        .trim_end_matches(".rs")
        .to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The nodes a file names through `crate::x` paths, including grouped
/// imports (`use crate::{x, y::z}`).
fn imports(text: &str, nodes: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        // `$crate::` in a macro is the same crate.
        rest = &rest[i + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end]
                .split(',')
                .map(|part| part.trim().split("::").next().unwrap_or("").trim())
                .collect()
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            vec![&rest[..end]]
        };
        for n in names {
            if nodes.contains(n) {
                out.insert(n.to_string());
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// node → the nodes it imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let nodes: BTreeSet<String> = files.iter().filter_map(|f| node_of(&src, f)).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(from) = node_of(&src, f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).expect("read a source file");
        let entry = g.entry(from.clone()).or_default();
        for to in imports(&text, &nodes) {
            if to != from {
                entry.insert(to);
            }
        }
    }
    g
}

fn floor(node: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&node))
}

/// One cycle in `g`, if there is any (depth-first search, three colours).
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == m).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, g, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn every_top_level_folder_of_src_sits_on_a_floor() {
    for node in graph().keys() {
        assert!(floor(node).is_some(), "src/{node} is on no floor in FLOORS");
    }
}

#[test]
fn the_ground_floor_imports_nothing_above_it() {
    let g = graph();
    for ground in FLOORS[0] {
        for to in g.get(*ground).into_iter().flatten() {
            assert_eq!(
                floor(to),
                Some(0),
                "src/{ground} imports crate::{to}, which sits above the ground floor"
            );
        }
    }
}

#[test]
fn no_import_points_to_a_higher_floor_beyond_the_known_tangles() {
    let g = graph();
    for (from, targets) in &g {
        for to in targets {
            let upward = floor(to) > floor(from);
            assert!(
                !upward || KNOWN_TANGLES.contains(&(from.as_str(), to.as_str())),
                "src/{from} imports crate::{to}, a higher floor"
            );
        }
    }
}

#[test]
fn imports_between_top_level_folders_form_no_cycle_beyond_the_known_tangles() {
    let mut g = graph();
    for (from, to) in KNOWN_TANGLES {
        assert!(
            g.get_mut(*from).is_some_and(|set| set.remove(*to)),
            "{from} no longer imports {to}: remove it from KNOWN_TANGLES"
        );
    }
    if let Some(cycle) = find_cycle(&g) {
        panic!("an import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_cycle_finder_sees_a_cycle_and_the_import_reader_sees_grouped_imports() {
    let nodes: BTreeSet<String> = ["db", "web", "error"].map(String::from).into();
    let found = imports(
        "use crate::{db::Pool, web};\nlet e = crate::error::AppError;",
        &nodes,
    );
    assert_eq!(found, nodes);
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    g.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        find_cycle(&g),
        Some(["a", "b", "c", "a"].map(String::from).to_vec())
    );
    if let Some(s) = g.get_mut("c") {
        s.clear();
    }
    assert_eq!(find_cycle(&g), None);
}
