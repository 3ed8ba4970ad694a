//! The parser's memo of states seen to fail: a flat stamped table, or a
//! hash map with a cheap hasher for names too long for the table.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::Note;

/// Multiplicative hash for the memo's packed integer keys (SipHash is
/// needlessly slow for them and nothing here is attacker-keyed: the
/// number of entries is capped by the step budget).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b) ^ self.0.rotate_left(8));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ self.0)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// States seen to fail, with their best note: a flat table indexed by
/// (position, part, pending delimiter) when that is small — the usual case,
/// and much faster than hashing — else a hash map. Entries are stamped with
/// the search they belong to, so starting a search clears nothing.
#[derive(Default)]
pub(super) struct Memo {
    flat: Vec<(u32, Option<Note>)>,
    search: u32,
    hashed: Option<HashMap<usize, Option<Note>, BuildHasherDefault<KeyHasher>>>,
}

/// Most entries of the flat table (about 5 MB): a 1,000-character name
/// against a 20-part rule with two delimiters fits.
const FLAT_STATES: usize = 1 << 17;

impl Memo {
    pub(super) fn reset(&mut self, states: usize) {
        if states > FLAT_STATES {
            self.hashed.get_or_insert_with(HashMap::default).clear();
            return;
        }
        self.hashed = None;
        if self.flat.len() < states {
            self.flat.resize(states, (0, None));
        }
        self.search = self.search.wrapping_add(1);
        if self.search == 0 {
            self.flat.fill((0, None));
            self.search = 1;
        }
    }

    pub(super) fn get(&self, key: usize) -> Option<Option<Note>> {
        match &self.hashed {
            Some(map) => map.get(&key).copied(),
            None => self
                .flat
                .get(key)
                .filter(|(search, _)| *search == self.search)
                .map(|(_, note)| *note),
        }
    }

    pub(super) fn insert(&mut self, key: usize, note: Option<Note>) {
        match &mut self.hashed {
            Some(map) => {
                map.insert(key, note);
            }
            None => {
                if let Some(slot) = self.flat.get_mut(key) {
                    *slot = (self.search, note);
                }
            }
        }
    }
}
