//! Reading a name back against a field's rule parts: a depth-first search
//! over (part, position, pending delimiter) that remembers every state it has
//! seen fail, so each state is expanded at most once — polynomial in the
//! name's length and the number of parts, where the plain backtracking search
//! it replaces (kept in `legacy` for tests) was exponential. The report is
//! the same: the search visits readings in the same order, and what a failed
//! state contributes to "where did the best reading stop" is remembered with
//! it. A hard step budget per name turns a pathological name into a "too
//! ambiguous to check" report instead of minutes of work.

use std::collections::HashSet;

use memo::Memo;

use super::{ParseReport, Part, PartKind, Problem};

mod memo;

/// Most steps (states entered, readings tried, list lengths looked up) the
/// search may take for one name. Ordinary names take tens to hundreds; nine
/// optional free-text parts against a 31-part name take about 1,600 and
/// twenty against 64 parts about 7,500 (both still checked in full). At
/// 10–15 ns a step (`cargo bench --bench naming_core`) this caps a name at
/// about 120 µs, so 10,000 of the worst names we could build take about 1.2 s.
pub const STEP_BUDGET: u32 = 8_000;

/// Parses `name` against a field's rule parts. A conforming name yields the
/// values of every present part; otherwise the report names the first part
/// where no reading works, and why. Checking many names against the same
/// parts is cheaper through one [`Parser`].
pub fn parse(parts: &[Part], name: &str) -> ParseReport {
    Parser::new(parts).parse(name)
}

/// The search ran out of steps.
struct Exhausted;

/// The pending delimiter when no part has been read yet.
const NONE: usize = usize::MAX;

/// Where a reading stopped, and why (turned into a `Problem` only at the end).
#[derive(Debug, Clone, Copy)]
struct Note {
    at_part: usize,
    consumed: usize,
    kind: NoteKind,
}

#[derive(Debug, Clone, Copy)]
enum NoteKind {
    /// The report's starting point: nothing read.
    Start,
    Trailing,
    /// `delimiter` is the index of a part carrying the expected delimiter.
    WrongDelimiter {
        delimiter: usize,
    },
    UnknownValue,
    Missing,
    WrongAffix,
}

impl Note {
    fn key(&self) -> (usize, usize) {
        (self.at_part, self.consumed)
    }
}

/// Keeps the note that got furthest; among equals the later one (which is
/// what the backtracking search's "replace when ≥" kept). This is
/// associative, so a failed state's notes can be folded into one and
/// replayed from the memo.
fn keep(best: &mut Option<Note>, note: Note) {
    if best.is_none_or(|b| note.key() >= b.key()) {
        *best = Some(note);
    }
}

/// A LIST part's values by length: the lengths, longest first, and the set.
struct ListIndex<'a> {
    lengths: Vec<usize>,
    values: HashSet<&'a str>,
}

/// Checks names against one field's parts, reusing what it works out from
/// the parts (value indexes) and its scratch space from name to name.
pub struct Parser<'a> {
    parts: &'a [Part],
    /// Per part: its LIST values by length (`None` for TEXT parts).
    lists: Vec<Option<ListIndex<'a>>>,
    /// Per part: the first part with the same delimiter (states that differ
    /// only in which part set an identical delimiter are the same state).
    delimiter_of: Vec<usize>,
    /// Per part: `suffix + delimiter`, where free text may stop.
    stops: Vec<String>,
    memo: Memo,
    /// Per part: its delimiter's number among the rule's distinct delimiters
    /// (the memo's key needs only that much of the pending delimiter).
    delimiter_id: Vec<usize>,
    /// How many distinct delimiters the rule has.
    delimiters: usize,
    /// Per part: every place (overlapping) its stop string occurs in the name.
    occurrences: Vec<Vec<usize>>,
    /// Per part: for each occurrence, the index of the next one a
    /// left-to-right, non-overlapping scan reaches (`len` when none).
    next_stop: Vec<Vec<usize>>,
    /// Per part: for each occurrence, once known, the fold of what reading
    /// free text up to it and to every later stop on its scan contributed
    /// (all of those readings failed). A later state of the same part whose
    /// scan reaches a known occurrence replays it instead of trying each.
    tail: Vec<Vec<Option<Option<Note>>>>,
    /// Per part: the candidate lengths being tried (reused buffers).
    scratch: Vec<Vec<usize>>,
    steps: u32,
}

impl<'a> Parser<'a> {
    pub fn new(parts: &'a [Part]) -> Self {
        let lists = parts
            .iter()
            .map(|p| match &p.kind {
                PartKind::List { values, expired } => {
                    let values: HashSet<&str> = values
                        .iter()
                        .chain(expired.iter())
                        .map(String::as_str)
                        .filter(|v| !v.is_empty())
                        .collect();
                    let mut lengths: Vec<usize> = values.iter().map(|v| v.len()).collect();
                    lengths.sort_unstable_by(|a, b| b.cmp(a));
                    lengths.dedup();
                    Some(ListIndex { lengths, values })
                }
                PartKind::Text => None,
            })
            .collect();
        let delimiter_of: Vec<usize> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                parts[..i]
                    .iter()
                    .position(|q| q.delimiter == p.delimiter)
                    .unwrap_or(i)
            })
            .collect();
        let mut firsts: Vec<usize> = delimiter_of.clone();
        firsts.sort_unstable();
        firsts.dedup();
        let delimiter_id = delimiter_of
            .iter()
            .map(|d| firsts.partition_point(|f| f < d))
            .collect();
        let delimiters = firsts.len();
        Parser {
            parts,
            lists,
            delimiter_of,
            stops: parts
                .iter()
                .map(|p| format!("{}{}", p.suffix, p.delimiter))
                .collect(),
            memo: Memo::default(),
            delimiter_id,
            delimiters,
            occurrences: vec![Vec::new(); parts.len()],
            next_stop: vec![Vec::new(); parts.len()],
            tail: vec![Vec::new(); parts.len()],
            scratch: vec![Vec::new(); parts.len()],
            steps: 0,
        }
    }

    /// The steps the last [`Parser::parse`] took (for benchmarks).
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Parses one name (see [`parse`]).
    pub fn parse(&mut self, name: &str) -> ParseReport {
        self.steps = 0;
        let parts = self.parts;
        let mut path = Vec::new();
        let mut best = Some(Note {
            at_part: 0,
            consumed: 0,
            kind: NoteKind::Start,
        });
        let found = match self.run(parts.len(), name, &mut path, &mut best) {
            Ok(found) => found,
            Err(Exhausted) => return too_ambiguous(),
        };
        if found {
            let values = values(parts, name, &path);
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
        let Some(best) = best else {
            return too_ambiguous();
        };
        let problem = self.problem(name, best);
        // Values recognised along the reading that got furthest.
        let (limit, consumed) = (best.at_part.min(parts.len()), best.consumed.min(name.len()));
        let prefix = &name[..consumed];
        let mut partial = Vec::new();
        if self.run(limit, prefix, &mut partial, &mut None).is_err() {
            return too_ambiguous();
        }
        ParseReport {
            conforms: false,
            values: values(parts, prefix, &partial),
            problems: vec![problem],
        }
    }

    /// Searches for a reading of all of `name` by the first `limit` parts.
    fn run(
        &mut self,
        limit: usize,
        name: &str,
        path: &mut Vec<(usize, usize, usize)>,
        best: &mut Option<Note>,
    ) -> Result<bool, Exhausted> {
        let states = (name.len() + 1)
            .saturating_mul(self.parts.len() + 1)
            .saturating_mul(self.delimiters + 1);
        self.memo.reset(states);
        for i in 0..limit {
            let (stop, text) = (
                self.stops[i].as_bytes(),
                matches!(self.parts[i].kind, PartKind::Text),
            );
            let twin = (0..i).find(|&j| {
                matches!(self.parts[j].kind, PartKind::Text) && self.stops[j] == self.stops[i]
            });
            if let (true, Some(j)) = (text, twin) {
                // Parts with the same stop string share where it occurs.
                let (before, from_i) = self.occurrences.split_at_mut(i);
                from_i[0].clone_from(&before[j]);
                let (before, from_i) = self.next_stop.split_at_mut(i);
                from_i[0].clone_from(&before[j]);
            } else {
                let found = &mut self.occurrences[i];
                found.clear();
                if text && !stop.is_empty() {
                    found.extend((0..name.len()).filter(|&p| bytes_at(name.as_bytes(), p, stop)));
                }
                let next = &mut self.next_stop[i];
                next.clear();
                let mut j = 0;
                for &p in found.iter() {
                    while j < found.len() && found[j] < p + stop.len() {
                        j += 1;
                    }
                    next.push(j);
                }
            }
            let tail = &mut self.tail[i];
            tail.clear();
            tail.resize(self.occurrences[i].len(), None);
        }
        Search {
            parser: self,
            limit,
            name,
        }
        .state(0, 0, NONE, path, best)
    }

    /// The problem a note stands for.
    fn problem(&self, name: &str, note: Note) -> (String, Problem) {
        let dimension = |i: usize| {
            self.parts
                .get(i)
                .map(|p| p.dimension.clone())
                .unwrap_or_default()
        };
        match note.kind {
            NoteKind::Start => (String::new(), Problem::Missing),
            NoteKind::Trailing => (
                String::new(),
                Problem::TrailingText(name[note.consumed..].to_string()),
            ),
            NoteKind::WrongDelimiter { delimiter } => (
                dimension(note.at_part.wrapping_sub(1)),
                Problem::WrongDelimiter {
                    expected: self.parts[delimiter].delimiter.clone(),
                },
            ),
            NoteKind::UnknownValue => {
                let part = &self.parts[note.at_part];
                let shown: String = name[note.consumed..].chars().take(40).collect();
                let value = shown.split(part.delimiter.as_str()).next().unwrap_or("");
                (part.dimension.clone(), Problem::UnknownValue(value.into()))
            }
            NoteKind::Missing => (dimension(note.at_part), Problem::Missing),
            NoteKind::WrongAffix => (dimension(note.at_part), Problem::WrongAffix),
        }
    }
}

/// Does `hay` hold `needle` at `at`? Delimiters and affixes are a few
/// bytes: comparing them in place is several times cheaper than the
/// library comparison a slice's `starts_with` calls, and this is the
/// search's innermost test.
#[inline]
fn bytes_at(hay: &[u8], at: usize, needle: &[u8]) -> bool {
    match hay.get(at..at.saturating_add(needle.len())) {
        Some(window) => window.iter().zip(needle).all(|(a, b)| a == b),
        None => false,
    }
}

fn too_ambiguous() -> ParseReport {
    ParseReport {
        conforms: false,
        values: Vec::new(),
        problems: vec![(String::new(), Problem::TooAmbiguous)],
    }
}

/// The `(dimension, value)` pairs of a reading's `(part, start, end)` path.
fn values(parts: &[Part], name: &str, path: &[(usize, usize, usize)]) -> Vec<(String, String)> {
    path.iter()
        .map(|&(i, start, end)| (parts[i].dimension.clone(), name[start..end].to_string()))
        .collect()
}

/// One search: the parser's memo and buffers, over `name` and the first
/// `limit` parts.
struct Search<'p, 'a, 'n> {
    parser: &'p mut Parser<'a>,
    limit: usize,
    name: &'n str,
}

impl Search<'_, '_, '_> {
    fn tick(&mut self, n: usize) -> Result<(), Exhausted> {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.parser.steps = self.parser.steps.saturating_add(n);
        if self.parser.steps > STEP_BUDGET {
            return Err(Exhausted);
        }
        Ok(())
    }

    /// Can parts `i..limit` read `name[pos..]`, given the pending delimiter
    /// (the index of a part carrying it, or `NONE`)? A state seen to fail
    /// before fails again at once, replaying its best note.
    fn state(
        &mut self,
        i: usize,
        pos: usize,
        delimiter: usize,
        path: &mut Vec<(usize, usize, usize)>,
        best: &mut Option<Note>,
    ) -> Result<bool, Exhausted> {
        self.tick(1)?;
        let parser = &*self.parser;
        let d = if delimiter == NONE {
            parser.delimiters
        } else {
            parser.delimiter_id[delimiter]
        };
        let key = (pos * (parser.parts.len() + 1) + i) * (parser.delimiters + 1) + d;
        if let Some(seen) = self.parser.memo.get(key) {
            if let Some(note) = seen {
                keep(best, note);
            }
            return Ok(false);
        }
        let mut local = None;
        if self.expand(i, pos, delimiter, path, &mut local)? {
            return Ok(true);
        }
        self.parser.memo.insert(key, local);
        if let Some(note) = local {
            keep(best, note);
        }
        Ok(false)
    }

    /// The backtracking search's step, with its recursive calls through `state`.
    fn expand(
        &mut self,
        i: usize,
        pos: usize,
        delimiter: usize,
        path: &mut Vec<(usize, usize, usize)>,
        best: &mut Option<Note>,
    ) -> Result<bool, Exhausted> {
        let (parts, name) = (self.parser.parts, self.name);
        let note = |best: &mut Option<Note>, at: usize, kind: NoteKind| {
            keep(
                best,
                Note {
                    at_part: i,
                    consumed: at,
                    kind,
                },
            )
        };
        if i == self.limit {
            if pos == name.len() {
                return Ok(true);
            }
            note(best, pos, NoteKind::Trailing);
            return Ok(false);
        }
        let part = &parts[i];
        // Reading with this part present.
        let mut start = pos;
        let mut ok = true;
        if delimiter != NONE {
            let d = parts[delimiter].delimiter.as_str();
            if bytes_at(name.as_bytes(), pos, d.as_bytes()) {
                start = pos + d.len();
            } else if pos < name.len() {
                note(best, pos, NoteKind::WrongDelimiter { delimiter });
                ok = false;
            } else {
                ok = false;
            }
        }
        if ok {
            let rest = &name[start..];
            let prefix = part.prefix.as_bytes();
            if let Some(after_prefix) =
                bytes_at(name.as_bytes(), start, prefix).then(|| &name[start + prefix.len()..])
            {
                let base = start + prefix.len();
                let mut lengths = std::mem::take(&mut self.parser.scratch[i]);
                lengths.clear();
                let found = if matches!(part.kind, PartKind::Text) && !part.delimiter.is_empty() {
                    self.free_text(i, base, path, best, &mut lengths)
                } else {
                    self.candidates(i, base, &mut lengths).and_then(|()| {
                        self.tick(lengths.len())?;
                        for &len in &lengths {
                            let end = base + len;
                            if !bytes_at(name.as_bytes(), end, part.suffix.as_bytes()) {
                                continue;
                            }
                            path.push((i, base, end));
                            let next = self.parser.delimiter_of[i];
                            if self.state(i + 1, end + part.suffix.len(), next, path, best)? {
                                return Ok(true);
                            }
                            path.pop();
                        }
                        Ok(false)
                    })
                };
                self.parser.scratch[i] = lengths;
                if found? {
                    return Ok(true);
                }
                let kind = match &part.kind {
                    PartKind::List { .. } if !after_prefix.is_empty() => NoteKind::UnknownValue,
                    _ if after_prefix.is_empty() => NoteKind::Missing,
                    _ => NoteKind::WrongAffix,
                };
                note(best, base, kind);
            } else if rest.is_empty() {
                note(best, start, NoteKind::Missing);
            } else {
                note(best, start, NoteKind::WrongAffix);
            }
        } else if delimiter != NONE && pos == name.len() && part.required {
            note(best, pos, NoteKind::Missing);
        }
        // Reading with this optional part absent (the delimiter carries over).
        if !part.required {
            return self.state(i + 1, pos, delimiter, path, best);
        }
        Ok(false)
    }

    /// Free text read at `base` (a part with a delimiter), longest first:
    /// to the end of the name, then up to each stop a left-to-right,
    /// non-overlapping scan from `base` finds — the readings `candidates`
    /// lists, tried in the same order. Scans from different places merge at
    /// shared stops; where this scan reaches a stop whose readings (and all
    /// after it) are known to fail, their folded notes are replayed at once,
    /// so each stop of a part is tried once per search instead of once per
    /// state, and the search stays quadratic rather than cubic in the name.
    fn free_text(
        &mut self,
        i: usize,
        base: usize,
        path: &mut Vec<(usize, usize, usize)>,
        best: &mut Option<Note>,
        pending: &mut Vec<usize>,
    ) -> Result<bool, Exhausted> {
        let (parts, name) = (self.parser.parts, self.name);
        let part = &parts[i];
        let next = self.parser.delimiter_of[i];
        let after = part.suffix.len();
        if name.len() - base > after
            && bytes_at(name.as_bytes(), name.len() - after, part.suffix.as_bytes())
        {
            self.tick(1)?;
            path.push((i, base, name.len() - after));
            if self.state(i + 1, name.len(), next, path, best)? {
                return Ok(true);
            }
            path.pop();
        }
        let stops = &self.parser.occurrences[i];
        let mut k = stops.partition_point(|&p| p < base);
        if stops.get(k) == Some(&base) {
            k = self.parser.next_stop[i][k];
        }
        let mut known = None;
        while let Some(&p) = stops.get(k) {
            debug_assert!(p > base);
            if let Some(folded) = self.parser.tail[i][k] {
                known = Some(folded);
                break;
            }
            pending.push(k);
            k = self.parser.next_stop[i][k];
        }
        self.tick(pending.len() + 1)?;
        let mut folded = known.flatten();
        if let Some(note) = folded {
            keep(best, note);
        }
        while let Some(k) = pending.pop() {
            let end = self.parser.occurrences[i][k];
            path.push((i, base, end));
            let mut tried = None;
            if self.state(i + 1, end + after, next, path, &mut tried)? {
                return Ok(true);
            }
            path.pop();
            if let Some(note) = tried {
                keep(best, note);
                keep(&mut folded, note);
            }
            self.parser.tail[i][k] = Some(folded);
        }
        Ok(false)
    }

    /// The lengths a part could read at `base`, longest first: a LIST part's
    /// values found there; free text up to each place its suffix + delimiter
    /// occurs (as a left-to-right, non-overlapping scan from `base` finds
    /// them), or to the end when the name ends with the suffix.
    fn candidates(&mut self, i: usize, base: usize, out: &mut Vec<usize>) -> Result<(), Exhausted> {
        let (parts, name) = (self.parser.parts, self.name);
        let part = &parts[i];
        let text = &name[base..];
        if let Some(list) = &self.parser.lists[i] {
            let tried = list.lengths.len();
            out.extend(list.lengths.iter().copied().filter(|&len| {
                text.get(..len)
                    .is_some_and(|head| list.values.contains(head))
            }));
            return self.tick(tried);
        }
        let stop = self.parser.stops[i].len();
        let found = &self.parser.occurrences[i];
        if stop > 0 {
            let mut from = base;
            loop {
                let at = found.partition_point(|&p| p < from);
                let Some(&p) = found.get(at) else { break };
                out.push(p - base);
                from = p + stop;
            }
        }
        if text.ends_with(part.suffix.as_str()) {
            out.push(text.len() - part.suffix.len());
        }
        out.reverse();
        out.dedup();
        out.retain(|&len| len > 0);
        let n = out.len();
        self.tick(n)
    }
}
