//! The parser as it was before memoisation: an exponential backtracking
//! search, kept only so that tests can check the memoised one gives the
//! same report for every name it can check.

use super::{ParseReport, Part, PartKind, Problem};

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
