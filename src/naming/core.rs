//! The pure core of naming conventions: compose a string from a field's rule
//! parts and chosen values, and parse an existing name back against the rule
//! (which part fails and why, which values were recognised). No I/O: the
//! pages, the "validate names" tool and the benchmarks all call these.

use std::collections::HashMap;

/// What a part accepts.
#[derive(Debug, Clone, PartialEq)]
pub enum PartKind {
    /// One of a list of values (dimension type LIST). `expired` values are
    /// recognised when parsing but flagged, and refused when composing.
    List {
        values: Vec<String>,
        expired: Vec<String>,
    },
    /// Free text (dimension type TEXT).
    Text,
}

/// One dimension's place in a field's rule (a "rule detail").
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub dimension: String,
    pub prefix: String,
    pub suffix: String,
    /// Written after this part when another part follows.
    pub delimiter: String,
    pub required: bool,
    pub kind: PartKind,
}

/// Why a name can't be composed.
#[derive(Debug, Clone, PartialEq)]
pub enum ComposeError {
    Missing {
        dimension: String,
    },
    UnknownValue {
        dimension: String,
        value: String,
    },
    Expired {
        dimension: String,
        value: String,
    },
    /// A free-text value holding the part's delimiter would not parse back.
    ContainsDelimiter {
        dimension: String,
        value: String,
    },
    Empty,
}

impl std::fmt::Display for ComposeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ComposeError::Missing { dimension } => write!(f, "{dimension} is required"),
            ComposeError::UnknownValue { dimension, value } => {
                write!(f, "“{value}” is not a value of {dimension}")
            }
            ComposeError::Expired { dimension, value } => {
                write!(f, "“{value}” of {dimension} is outside its validity window")
            }
            ComposeError::ContainsDelimiter { dimension, value } => {
                write!(f, "“{value}” for {dimension} contains the delimiter")
            }
            ComposeError::Empty => write!(f, "no part has a value"),
        }
    }
}

/// Composes the string for one field: each present part as prefix + value +
/// suffix, joined by the delimiter of the part before it.
pub fn compose(parts: &[Part], values: &HashMap<String, String>) -> Result<String, ComposeError> {
    let mut out = String::new();
    let mut last_delimiter: Option<&str> = None;
    for part in parts {
        let value = values
            .get(&part.dimension)
            .map(String::as_str)
            .filter(|v| !v.is_empty());
        let Some(value) = value else {
            if part.required {
                return Err(ComposeError::Missing {
                    dimension: part.dimension.clone(),
                });
            }
            continue;
        };
        match &part.kind {
            PartKind::List { values, expired } => {
                if expired.iter().any(|v| v == value) {
                    return Err(ComposeError::Expired {
                        dimension: part.dimension.clone(),
                        value: value.into(),
                    });
                }
                if !values.iter().any(|v| v == value) {
                    return Err(ComposeError::UnknownValue {
                        dimension: part.dimension.clone(),
                        value: value.into(),
                    });
                }
            }
            PartKind::Text => {
                if !part.delimiter.is_empty() && value.contains(part.delimiter.as_str()) {
                    return Err(ComposeError::ContainsDelimiter {
                        dimension: part.dimension.clone(),
                        value: value.into(),
                    });
                }
            }
        }
        if let Some(d) = last_delimiter {
            out.push_str(d);
        }
        out.push_str(&part.prefix);
        out.push_str(value);
        out.push_str(&part.suffix);
        last_delimiter = Some(&part.delimiter);
    }
    if out.is_empty() {
        return Err(ComposeError::Empty);
    }
    Ok(out)
}

/// What went wrong with one part of a parsed name.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Problem {
    /// A required part is not there.
    #[default]
    Missing,
    /// The text at this place is not a value of the dimension.
    UnknownValue(String),
    /// The value exists but is outside its validity window.
    Expired(String),
    /// The part's prefix or suffix is not there.
    WrongAffix,
    /// The separator after this part is not the rule's delimiter.
    WrongDelimiter { expected: String },
    /// Text is left over after the last part.
    TrailingText(String),
}

/// The result of checking one name against a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseReport {
    pub conforms: bool,
    /// Recognised values by dimension (parts that matched).
    pub values: Vec<(String, String)>,
    /// Problems by dimension ("" for the name as a whole), best explanation first.
    pub problems: Vec<(String, Problem)>,
}

/// Parses `name` against a field's rule parts. A conforming name yields the
/// values of every present part; otherwise the report names the first part
/// where no reading works, and why.
pub fn parse(parts: &[Part], name: &str) -> ParseReport {
    let mut best = Failure {
        at_part: 0,
        consumed: 0,
        problem: (String::new(), Problem::Missing),
    };
    let mut values = Vec::new();
    if matches(parts, name, 0, 0, None, &mut values, &mut best) {
        let expired: Vec<(String, Problem)> = values
            .iter()
            .filter_map(|(dim, v)| {
                parts
                    .iter()
                    .find(|p| &p.dimension == dim)
                    .and_then(|p| match &p.kind {
                        PartKind::List { expired, .. } if expired.contains(v) => {
                            Some((dim.clone(), Problem::Expired(v.clone())))
                        }
                        _ => None,
                    })
            })
            .collect();
        return ParseReport {
            conforms: expired.is_empty(),
            values,
            problems: expired,
        };
    }
    // Values recognised along the reading that got furthest.
    let mut partial = Vec::new();
    let _ = matches(
        &parts[..best.at_part.min(parts.len())],
        &name[..best.consumed.min(name.len())],
        0,
        0,
        None,
        &mut partial,
        &mut Failure::default(),
    );
    ParseReport {
        conforms: false,
        values: partial,
        problems: vec![best.problem],
    }
}

#[derive(Debug, Default)]
struct Failure {
    at_part: usize,
    consumed: usize,
    problem: (String, Problem),
}

impl Failure {
    fn note(&mut self, at_part: usize, consumed: usize, dimension: &str, problem: Problem) {
        if (at_part, consumed) >= (self.at_part, self.consumed) {
            *self = Failure {
                at_part,
                consumed,
                problem: (dimension.to_string(), problem),
            };
        }
    }
}

/// Backtracking matcher: can `parts[i..]` read `name[pos..]`, given that the
/// previous present part wants `delimiter` before the next one?
fn matches(
    parts: &[Part],
    name: &str,
    i: usize,
    pos: usize,
    delimiter: Option<&str>,
    values: &mut Vec<(String, String)>,
    best: &mut Failure,
) -> bool {
    if i == parts.len() {
        if pos == name.len() {
            return true;
        }
        best.note(i, pos, "", Problem::TrailingText(name[pos..].to_string()));
        return false;
    }
    let part = &parts[i];
    // Reading with this part present.
    let mut start = pos;
    let mut ok = true;
    if let Some(d) = delimiter {
        if name[pos..].starts_with(d) {
            start = pos + d.len();
        } else if pos < name.len() {
            best.note(
                i,
                pos,
                &parts[i - 1].dimension,
                Problem::WrongDelimiter {
                    expected: d.to_string(),
                },
            );
            ok = false;
        } else {
            ok = false;
        }
    }
    if ok && start <= name.len() {
        let rest = &name[start..];
        if let Some(after_prefix) = rest.strip_prefix(part.prefix.as_str()) {
            let base = start + part.prefix.len();
            for value in candidates(part, after_prefix) {
                let end = base + value.len();
                if !name[end..].starts_with(part.suffix.as_str()) {
                    continue;
                }
                values.push((part.dimension.clone(), value.to_string()));
                if matches(
                    parts,
                    name,
                    i + 1,
                    end + part.suffix.len(),
                    Some(&part.delimiter),
                    values,
                    best,
                ) {
                    return true;
                }
                values.pop();
            }
            let shown: String = after_prefix.chars().take(40).collect();
            let problem = match &part.kind {
                PartKind::List { .. } if !after_prefix.is_empty() => Problem::UnknownValue(
                    shown
                        .split(part.delimiter.as_str())
                        .next()
                        .unwrap_or("")
                        .to_string(),
                ),
                _ if after_prefix.is_empty() => Problem::Missing,
                _ => Problem::WrongAffix,
            };
            best.note(i, base, &part.dimension, problem);
        } else if rest.is_empty() {
            best.note(i, start, &part.dimension, Problem::Missing);
        } else {
            best.note(i, start, &part.dimension, Problem::WrongAffix);
        }
    } else if delimiter.is_some() && pos == name.len() && part.required {
        best.note(i, pos, &part.dimension, Problem::Missing);
    }
    // Reading with this optional part absent (the delimiter carries over).
    if !part.required {
        return matches(parts, name, i + 1, pos, delimiter, values, best);
    }
    false
}

/// Values a part could read at the start of `text`, longest first.
fn candidates<'a>(part: &'a Part, text: &'a str) -> Vec<&'a str> {
    match &part.kind {
        PartKind::List { values, expired } => {
            let mut found: Vec<&str> = values
                .iter()
                .chain(expired.iter())
                .map(String::as_str)
                .filter(|v| !v.is_empty() && text.starts_with(v))
                .collect();
            found.sort_by_key(|v| std::cmp::Reverse(v.len()));
            found.dedup();
            found
        }
        PartKind::Text => {
            // Free text runs to a delimiter (or suffix) boundary: try each
            // place the suffix + delimiter could start, longest first, then to the end.
            let stop = format!("{}{}", part.suffix, part.delimiter);
            let mut ends: Vec<usize> = if stop.is_empty() {
                Vec::new()
            } else {
                text.match_indices(stop.as_str()).map(|(i, _)| i).collect()
            };
            let tail = text.len().saturating_sub(part.suffix.len());
            if text.ends_with(part.suffix.as_str()) {
                ends.push(tail);
            }
            ends.sort_unstable_by(|a, b| b.cmp(a));
            ends.dedup();
            ends.into_iter()
                .filter(|e| *e > 0)
                .map(|e| &text[..e])
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(dim: &str, values: &[&str], delimiter: &str, required: bool) -> Part {
        Part {
            dimension: dim.into(),
            prefix: String::new(),
            suffix: String::new(),
            delimiter: delimiter.into(),
            required,
            kind: PartKind::List {
                values: values.iter().map(|v| v.to_string()).collect(),
                expired: vec![],
            },
        }
    }

    fn vals(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn campaign_rule() -> Vec<Part> {
        let mut country = list("country", &["de", "fr", "us"], "_", true);
        country.prefix = "c-".into();
        let mut name = Part {
            kind: PartKind::Text,
            ..list("name", &[], "_", true)
        };
        name.suffix = "!".into();
        vec![
            list("channel", &["fb", "meta", "google"], "_", true),
            country,
            list("objective", &["reach", "conv"], "_", false),
            name,
        ]
    }

    #[test]
    fn composes_parts_with_prefix_suffix_and_delimiters() {
        let rule = campaign_rule();
        let s = compose(
            &rule,
            &vals(&[
                ("channel", "fb"),
                ("country", "de"),
                ("objective", "reach"),
                ("name", "summer sale"),
            ]),
        );
        assert_eq!(s.as_deref(), Ok("fb_c-de_reach_summer sale!"));
        let s = compose(
            &rule,
            &vals(&[("channel", "fb"), ("country", "de"), ("name", "x")]),
        );
        assert_eq!(
            s.as_deref(),
            Ok("fb_c-de_x!"),
            "optional part left out with its delimiter"
        );
    }

    #[test]
    fn composing_refuses_missing_unknown_expired_and_delimiter_values() {
        let mut rule = campaign_rule();
        assert!(matches!(
            compose(&rule, &vals(&[("channel", "fb")])),
            Err(ComposeError::Missing { .. })
        ));
        assert!(matches!(
            compose(
                &rule,
                &vals(&[("channel", "tiktok"), ("country", "de"), ("name", "x")])
            ),
            Err(ComposeError::UnknownValue { .. })
        ));
        assert!(matches!(
            compose(
                &rule,
                &vals(&[("channel", "fb"), ("country", "de"), ("name", "a_b")])
            ),
            Err(ComposeError::ContainsDelimiter { .. })
        ));
        rule[0].kind = PartKind::List {
            values: vec!["meta".into()],
            expired: vec!["fb".into()],
        };
        assert!(matches!(
            compose(
                &rule,
                &vals(&[("channel", "fb"), ("country", "de"), ("name", "x")])
            ),
            Err(ComposeError::Expired { .. })
        ));
    }

    #[test]
    fn parses_a_conforming_name_back_to_its_values() {
        let rule = campaign_rule();
        let r = parse(&rule, "meta_c-fr_conv_black friday!");
        assert!(r.conforms, "{r:?}");
        assert_eq!(
            r.values,
            vec![
                ("channel".into(), "meta".into()),
                ("country".into(), "fr".into()),
                ("objective".into(), "conv".into()),
                ("name".into(), "black friday".into())
            ]
        );
        let r = parse(&rule, "google_c-us_spring!");
        assert!(r.conforms, "the optional part may be absent: {r:?}");
    }

    #[test]
    fn explains_which_part_fails_and_why() {
        let rule = campaign_rule();
        let r = parse(&rule, "tiktok_c-de_x!");
        assert!(!r.conforms);
        assert_eq!(
            r.problems[0],
            ("channel".into(), Problem::UnknownValue("tiktok".into()))
        );
        let r = parse(&rule, "fb-c-de_x!");
        assert_eq!(
            r.problems[0],
            (
                "channel".into(),
                Problem::WrongDelimiter {
                    expected: "_".into()
                }
            )
        );
        assert_eq!(r.values, vec![("channel".into(), "fb".into())]);
        let r = parse(&rule, "fb_de_x!");
        assert_eq!(r.problems[0].0, "country");
        assert_eq!(r.problems[0].1, Problem::WrongAffix);
        let r = parse(&rule, "fb_c-de");
        assert_eq!(r.problems[0], ("name".into(), Problem::Missing));
        let mut expired = campaign_rule();
        expired[0].kind = PartKind::List {
            values: vec!["meta".into()],
            expired: vec!["fb".into()],
        };
        let r = parse(&expired, "fb_c-de_x!");
        assert!(!r.conforms);
        assert_eq!(
            r.problems,
            vec![("channel".into(), Problem::Expired("fb".into()))]
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn token() -> impl Strategy<Value = String> {
            "[a-z0-9]{1,8}"
        }

        fn rule_and_values() -> impl Strategy<Value = (Vec<Part>, HashMap<String, String>)> {
            let part = (
                prop::collection::vec(token(), 1..5),
                any::<bool>(),
                any::<bool>(),
                prop::sample::select(vec!["_", "-", "|", "__", "."]),
                prop::sample::select(vec!["", "x:", "["]),
                prop::sample::select(vec!["", "]", "#"]),
                any::<prop::sample::Index>(),
                token(),
            );
            prop::collection::vec(part, 1..6).prop_map(|specs| {
                let mut parts = Vec::new();
                let mut values = HashMap::new();
                for (i, (list_values, is_text, required, delimiter, prefix, suffix, pick, text)) in
                    specs.into_iter().enumerate()
                {
                    let dimension = format!("d{i}");
                    let kind = if is_text {
                        PartKind::Text
                    } else {
                        PartKind::List {
                            values: list_values.clone(),
                            expired: vec![],
                        }
                    };
                    let value = if is_text {
                        text
                    } else {
                        list_values[pick.index(list_values.len())].clone()
                    };
                    // Optional parts are sometimes left out.
                    if required || i % 2 == 0 {
                        values.insert(dimension.clone(), value);
                    }
                    parts.push(Part {
                        dimension,
                        prefix: prefix.into(),
                        suffix: suffix.into(),
                        delimiter: delimiter.into(),
                        required: required || i % 2 == 0,
                        kind,
                    });
                }
                (parts, values)
            })
        }

        proptest! {
            /// compose then parse gives back the values, whenever the composed name
            /// can be read only one way (values never contain the delimiters).
            #[test]
            fn compose_then_parse_round_trips((parts, values) in rule_and_values()) {
                let name = compose(&parts, &values).expect("composable");
                let report = parse(&parts, &name);
                prop_assert!(report.conforms, "{name}: {report:?}");
                // The parse is a valid reading: composing its values gives the same name.
                let parsed: HashMap<String, String> = report.values.iter().cloned().collect();
                prop_assert_eq!(compose(&parts, &parsed).expect("recomposable"), name);
            }
        }
    }
}
