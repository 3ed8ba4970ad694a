//! Throughput of the naming core (compose, parse). `cargo bench --bench naming_core`
//! prints numbers; it asserts nothing.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Instant;

use atrium::naming::core::{compose, parse, Part, PartKind};

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
}
