//! Column types shared by both backends: UUIDs, UTC timestamps and JSON, each a
//! native type on PostgreSQL and TEXT on SQLite, behind one Rust type.

use std::io::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::HasSqlType;
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// SQL types for `schema.rs`: diesel's own, with `Uuid`, `Timestamptz` and `Jsonb`
/// replaced by types that also exist on SQLite (as TEXT).
pub mod sql {
    pub use diesel::sql_types::*;

    /// `uuid` on PostgreSQL, `TEXT` (hyphenated) on SQLite.
    #[derive(
        Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
    )]
    #[diesel(postgres_type(oid = 2950, array_oid = 2951))]
    #[diesel(sqlite_type(name = "Text"))]
    pub struct Uuid;

    /// `timestamptz` on PostgreSQL, RFC 3339 `TEXT` in UTC on SQLite.
    #[derive(
        Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
    )]
    #[diesel(postgres_type(oid = 1184, array_oid = 1185))]
    #[diesel(sqlite_type(name = "Text"))]
    pub struct Timestamptz;

    /// `jsonb` on PostgreSQL, JSON `TEXT` on SQLite.
    #[derive(
        Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
    )]
    #[diesel(postgres_type(oid = 3802, array_oid = 3807))]
    #[diesel(sqlite_type(name = "Text"))]
    pub struct Jsonb;

    // `table!` emits arithmetic impls for a column type named `Timestamptz`.
    impl diesel::sql_types::ops::Add for Timestamptz {
        type Rhs = diesel::sql_types::Interval;
        type Output = Timestamptz;
    }
    impl diesel::sql_types::ops::Sub for Timestamptz {
        type Rhs = diesel::sql_types::Interval;
        type Output = Timestamptz;
    }
}

/// A UUID column value (UUIDv7 for new rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql::Uuid)]
pub struct Id(pub uuid::Uuid);

impl Id {
    /// A new time-ordered id.
    pub fn new() -> Self {
        Id(uuid::Uuid::now_v7())
    }
}

impl Default for Id {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Id {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(Id)
    }
}

/// A UTC instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql::Timestamptz)]
pub struct UtcTime(pub DateTime<Utc>);

impl UtcTime {
    pub fn now() -> Self {
        UtcTime(Utc::now())
    }

    /// The SQLite storage form: fixed-width RFC 3339 with microseconds, so that
    /// text order is time order.
    pub fn to_db_text(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    fn parse_db_text(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(UtcTime(t.with_timezone(&Utc)));
        }
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")?;
        Ok(UtcTime(naive.and_utc()))
    }
}

impl std::ops::Add<chrono::Duration> for UtcTime {
    type Output = UtcTime;
    fn add(self, rhs: chrono::Duration) -> UtcTime {
        UtcTime(self.0 + rhs)
    }
}

impl std::ops::Sub<chrono::Duration> for UtcTime {
    type Output = UtcTime;
    fn sub(self, rhs: chrono::Duration) -> UtcTime {
        UtcTime(self.0 - rhs)
    }
}

/// A JSON column value.
#[derive(Debug, Clone, PartialEq, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql::Jsonb)]
pub struct Json(pub serde_json::Value);

// ---- PostgreSQL: delegate to diesel's own implementations. ----

impl ToSql<sql::Uuid, Pg> for Id {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}
impl FromSql<sql::Uuid, Pg> for Id {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <uuid::Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(bytes).map(Id)
    }
}

impl ToSql<sql::Timestamptz, Pg> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <DateTime<Utc> as ToSql<diesel::sql_types::Timestamptz, Pg>>::to_sql(&self.0, out)
    }
}
impl FromSql<sql::Timestamptz, Pg> for UtcTime {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <DateTime<Utc> as FromSql<diesel::sql_types::Timestamptz, Pg>>::from_sql(bytes).map(UtcTime)
    }
}

impl ToSql<sql::Jsonb, Pg> for Json {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <serde_json::Value as ToSql<diesel::sql_types::Jsonb, Pg>>::to_sql(&self.0, out)
    }
}
impl FromSql<sql::Jsonb, Pg> for Json {
    fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <serde_json::Value as FromSql<diesel::sql_types::Jsonb, Pg>>::from_sql(bytes).map(Json)
    }
}

// ---- SQLite: TEXT. ----

fn sqlite_text(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<String> {
    <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(bytes)
}

impl ToSql<sql::Uuid, Sqlite> for Id {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.hyphenated().to_string());
        Ok(IsNull::No)
    }
}
impl FromSql<sql::Uuid, Sqlite> for Id {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Id(uuid::Uuid::parse_str(&sqlite_text(bytes)?)?))
    }
}

impl ToSql<sql::Timestamptz, Sqlite> for UtcTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.to_db_text());
        Ok(IsNull::No)
    }
}
impl FromSql<sql::Timestamptz, Sqlite> for UtcTime {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        UtcTime::parse_db_text(&sqlite_text(bytes)?)
    }
}

impl ToSql<sql::Jsonb, Sqlite> for Json {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}
impl FromSql<sql::Jsonb, Sqlite> for Json {
    fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Json(serde_json::from_str(&sqlite_text(bytes)?)?))
    }
}

// ---- MultiBackend glue: pick the variant's implementation. ----

macro_rules! multi_backend_glue {
    ($rust:ty, $sql:ty) => {
        impl HasSqlType<$sql> for MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                MultiBackend::lookup_sql_type::<$sql>(lookup)
            }
        }
        impl ToSql<$sql, MultiBackend> for $rust {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((<$sql>::default(), self));
                Ok(IsNull::No)
            }
        }
        impl FromSql<$sql, MultiBackend> for $rust {
            fn from_sql(raw: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                raw.from_sql::<$rust, $sql>()
            }
        }
    };
}

multi_backend_glue!(Id, sql::Uuid);
multi_backend_glue!(UtcTime, sql::Timestamptz);
multi_backend_glue!(Json, sql::Jsonb);

/// Declares a typed id: a newtype over [`Id`] stored in a `Uuid` column, so that a
/// `UserId` can't be passed where a `TenantId` is expected.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = $crate::db::sql::Uuid)]
        pub struct $name(pub $crate::db::Id);

        impl $name {
            pub fn new() -> Self {
                $name($crate::db::Id::new())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<DB> diesel::serialize::ToSql<$crate::db::sql::Uuid, DB> for $name
        where
            DB: diesel::backend::Backend,
            $crate::db::Id: diesel::serialize::ToSql<$crate::db::sql::Uuid, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<$crate::db::sql::Uuid, DB> for $name
        where
            DB: diesel::backend::Backend,
            $crate::db::Id: diesel::deserialize::FromSql<$crate::db::sql::Uuid, DB>,
        {
            fn from_sql(bytes: <DB as diesel::backend::Backend>::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                $crate::db::Id::from_sql(bytes).map($name)
            }
        }
    };
}

/// Declares a state or kind stored as TEXT: an enum whose variants map to
/// fixed strings (the column's CHECK list), refused when parsed, with a
/// label for people. Forms deserialize it, templates print `label()`.
///
/// ```ignore
/// crate::text_enum!(
///     /// Where a task stands.
///     TaskStatus { Backlog = "backlog" / "Backlog", Done = "done" / "Done" }
/// );
/// ```
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash,
                 diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            /// Every variant, in declaration order (the order forms list them).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored value.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value),+
                }
            }

            /// What people read.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// `None` for anything but a stored value.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($value => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {}: {s:?}", stringify!($name)))
                })
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                $name::parse(&s).ok_or_else(|| format!("unknown {} {s:?}", stringify!($name)).into())
            }
        }
    };
}
