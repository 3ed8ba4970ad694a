//! The naming overview's figures and the catalogue's platforms with their
//! levels. No figure counts a whole big table: strings come from the kept
//! counter, the rest are counts that stop at `COUNT_CAP` + 1, all in one
//! statement.

use crate::db::{DbConn, TenantId};
use crate::error::AppResult;
use crate::naming::catalogue;
use crate::naming::models::{Field, Platform};
use crate::web::pagination::{Count, COUNT_CAP};

/// A platform with its levels (fields), top first.
pub struct PlatformRow {
    pub platform: Platform,
    pub fields: Vec<Field>,
}

impl PlatformRow {
    /// "Campaign → Ad set → Ad".
    pub fn levels(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(" → ")
    }
}

/// The overview's tiles.
pub struct Counts {
    pub strings: i64,
    pub pending: Count,
    pub rules: Count,
    pub dimensions: Count,
}

/// The figures, in two statements whatever the workspace's size.
pub fn counts(c: &mut DbConn, t: TenantId) -> AppResult<Counts> {
    let strings = crate::db::counters::get(c, t, super::strings::COUNTER)?;
    let capped = crate::db::counters::count_many(
        c,
        t,
        &[
            (
                "SELECT 1 FROM naming_submissions WHERE tenant_id = ? AND status = 'SUBMITTED'",
                Some(COUNT_CAP),
            ),
            (
                "SELECT 1 FROM naming_rules WHERE tenant_id = ?",
                Some(COUNT_CAP),
            ),
            (
                "SELECT 1 FROM naming_dimensions WHERE tenant_id = ?",
                Some(COUNT_CAP),
            ),
        ],
    )?;
    let n = |i: usize| Count::from_capped(capped.get(i).copied().unwrap_or_default());
    Ok(Counts {
        strings,
        pending: n(0),
        rules: n(1),
        dimensions: n(2),
    })
}

/// Every platform of the catalogue with its levels.
pub fn platforms(c: &mut DbConn) -> AppResult<Vec<PlatformRow>> {
    let mut out = Vec::new();
    for p in catalogue::platforms(c)? {
        let fields = catalogue::fields(c, p.id)?;
        out.push(PlatformRow {
            platform: p,
            fields,
        });
    }
    Ok(out)
}
