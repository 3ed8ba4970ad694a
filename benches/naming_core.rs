//! Throughput of the naming core (compose, parse), and parsing against the
//! most ambiguous rules we could build (many adjacent optional free-text
//! parts, names with dozens of delimiters). `cargo bench --bench naming_core`
//! prints numbers; it asserts nothing.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use atrium::naming::core::{compose, parse, Parser, Part, PartKind, Problem};

fn part(dim: &str, values: &[&str], kind_text: bool) -> Part {
    Part {
        dimension: dim.into(),
        prefix: String::new(),
        suffix: String::new(),
        delimiter: "_".into(),
        required: true,
        kind: if kind_text {
            PartKind::Text
        } else {
            PartKind::List {
                values: values.iter().map(|v| v.to_string()).collect(),
                expired: vec![],
            }
        },
    }
}

fn main() {
    let countries: Vec<String> = (0..200).map(|i| format!("c{i:03}")).collect();
    let country_refs: Vec<&str> = countries.iter().map(String::as_str).collect();
    let rule = vec![
        part(
            "channel",
            &["fb", "meta", "google", "tiktok", "linkedin"],
            false,
        ),
        part("country", &country_refs, false),
        part("objective", &["reach", "conv", "traffic", "leads"], false),
        part("name", &[], true),
    ];
    let values: HashMap<String, String> = [
        ("channel", "meta"),
        ("country", "c150"),
        ("objective", "conv"),
        ("name", "black friday"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();

    let n = 1_000_000;
    let t = Instant::now();
    let mut total = 0usize;
    for _ in 0..n {
        total += black_box(compose(black_box(&rule), black_box(&values))).map_or(0, |s| s.len());
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "compose: {n} strings in {secs:.3} s = {:.0} strings/s (one core; {total} bytes)",
        n as f64 / secs
    );

    let names: Vec<String> = (0..10_000)
        .map(|i| {
            if i % 10 == 0 {
                format!("snapchat_c{:03}_conv_campaign {i}", i % 200)
            } else {
                format!("meta_c{:03}_reach_campaign {i}", i % 200)
            }
        })
        .collect();
    let t = Instant::now();
    let conforming = names
        .iter()
        .filter(|name| parse(&rule, name).conforms)
        .count();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "parse: {} names in {:.3} s ({conforming} conform)",
        names.len(),
        secs
    );

    pathological();
}

/// `n` optional free-text parts delimited by `delimiters` in turn, then a
/// required LIST part (value "end") that the names never end with, so that no
/// reading works and every one must be ruled out.
fn ambiguous_rule(n: usize, delimiters: &[&str]) -> Vec<Part> {
    let mut rule: Vec<Part> = (0..n)
        .map(|i| Part {
            dimension: format!("t{i}"),
            prefix: String::new(),
            suffix: String::new(),
            delimiter: delimiters[i % delimiters.len()].into(),
            required: false,
            kind: PartKind::Text,
        })
        .collect();
    rule.push(part("last", &["end"], false));
    rule
}

/// `n` optional LIST parts whose values ("a", "a_a", "a_a_a", …) can
/// each swallow delimiters, then the required "end" that never comes.
fn ambiguous_lists(n: usize, values: usize) -> Vec<Part> {
    let values: Vec<String> = (1..=values).map(|k| vec!["a"; k].join("_")).collect();
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let mut rule: Vec<Part> = (0..n)
        .map(|i| Part {
            required: false,
            ..part(&format!("l{i}"), &refs, false)
        })
        .collect();
    rule.push(part("last", &["end"], false));
    rule
}

fn pathological() {
    let cases: Vec<(&str, Vec<Part>, Vec<String>)> = vec![
        (
            "9 optional TEXT parts, 31-part names",
            ambiguous_rule(9, &["_"]),
            (0..10_000)
                .map(|i| format!("{}_x{i}", vec!["a"; 30].join("_")))
                .collect(),
        ),
        (
            "20 optional TEXT parts, 64-part names",
            ambiguous_rule(20, &["_"]),
            (0..10_000)
                .map(|i| format!("{}_x{i}", vec!["a"; 63].join("_")))
                .collect(),
        ),
        (
            "20 optional TEXT parts, delimiters _ and __, 1,000-character names",
            ambiguous_rule(20, &["_", "__"]),
            (0..10_000)
                .map(|i| {
                    let mut s = "a_".repeat(330) + &"_".repeat(320);
                    s.push_str(&format!("x{i}"));
                    s
                })
                .collect(),
        ),
        (
            "20 optional LIST parts of 20 values each that read across delimiters, 64-part names",
            ambiguous_lists(20, 20),
            (0..10_000)
                .map(|i| format!("{}_x{i}", vec!["a"; 63].join("_")))
                .collect(),
        ),
    ];
    for (label, rule, names) in cases {
        let t = Instant::now();
        let mut parser = Parser::new(&rule);
        let (mut ambiguous, mut steps) = (0, 0u64);
        for name in &names {
            let report = parser.parse(black_box(name));
            steps += u64::from(parser.steps());
            if report
                .problems
                .iter()
                .any(|(_, p)| *p == Problem::TooAmbiguous)
            {
                ambiguous += 1;
            }
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "parse, {label}: {} names in {secs:.3} s ({ambiguous} too ambiguous to check; \
             {} steps a name, {:.0} ns a step)",
            names.len(),
            steps / names.len() as u64,
            secs * 1e9 / steps.max(1) as f64
        );
    }
}
