//! The pure core of naming conventions: compose a string from a field's rule
//! parts and chosen values, and parse an existing name back against the rule
//! (which part fails and why, which values were recognised). No I/O: the
//! pages, the "validate names" tool and the benchmarks all call these.
//! Parsing lives in `parse` (a memoised search with a step budget); `legacy`
//! keeps the old backtracking search for tests that compare the two.

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
    /// The name can be read so many ways against the rule that checking it
    /// would take more than [`STEP_BUDGET`] steps: not checked.
    TooAmbiguous,
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

#[cfg(test)]
mod legacy;
mod parse;

pub use parse::{parse, Parser, STEP_BUDGET};

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

        /// A small rule over a tiny alphabet, so that names can be read
        /// many ways: adjacent optional free-text parts, shared and empty
        /// delimiters, affixes made of the same characters.
        fn ambiguous_rule() -> impl Strategy<Value = Vec<Part>> {
            let part = (
                prop::collection::vec("[ab]{1,3}", 1..4),
                prop::collection::vec("[ab]{1,2}", 0..2),
                any::<bool>(),
                any::<bool>(),
                prop::sample::select(vec!["_", "-", "__", "", "a"]),
                prop::sample::select(vec!["", "x", "_"]),
                prop::sample::select(vec!["", "]", "b"]),
            );
            prop::collection::vec(part, 1..6).prop_map(|specs| {
                specs
                    .into_iter()
                    .enumerate()
                    .map(
                        |(i, (values, expired, is_text, required, delimiter, prefix, suffix))| {
                            Part {
                                dimension: format!("d{i}"),
                                prefix: prefix.into(),
                                suffix: suffix.into(),
                                delimiter: delimiter.into(),
                                required,
                                kind: if is_text {
                                    PartKind::Text
                                } else {
                                    PartKind::List { values, expired }
                                },
                            }
                        },
                    )
                    .collect()
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

            /// The memoised parser reports exactly what the old backtracking
            /// one did (values, verdict, and the problem it explains), on
            /// names full of delimiters that can be read many ways.
            #[test]
            fn the_memoised_parser_agrees_with_the_backtracking_one(
                parts in ambiguous_rule(),
                names in prop::collection::vec("[abx_\\-\\]]{0,24}", 1..8),
            ) {
                let mut parser = Parser::new(&parts);
                for name in &names {
                    let old = legacy::parse(&parts, name);
                    prop_assert_eq!(&parse(&parts, name), &old, "{}", name);
                    prop_assert_eq!(&parser.parse(name), &old, "reused parser: {}", name);
                }
            }
        }
    }
}
