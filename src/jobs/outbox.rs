//! Account emails (sign-up verification, notices): a global outbox table that
//! the job workers drain. Jobs belong to a workspace; these emails go to
//! people who may have none, so they queue here, in the same transaction as
//! the change they announce, and retry with backoff like jobs do.

use chrono::Duration;
use diesel::prelude::*;

use super::email::{self, Email};
use crate::config::Config;
use crate::db::{write_tx, Backend, DbConn, Id, Pool, UtcTime};
use crate::error::AppResult;
use crate::schema::mail_outbox;

/// Attempts before an email is given up (its last error stays on the row).
pub const MAX_ATTEMPTS: i32 = 5;
/// Emails claimed by one pass.
const BATCH: i64 = 20;
/// A claimed email is retried after this long if its sender died.
const LEASE_SECS: i64 = 300;

/// Queues `email` (call inside the transaction that makes it true).
pub fn queue(c: &mut DbConn, email: &Email) -> AppResult<Id> {
    let id = Id::new();
    let now = UtcTime::now();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::id.eq(id),
            mail_outbox::recipient.eq(&email.to),
            mail_outbox::subject.eq(&email.subject),
            mail_outbox::body.eq(&email.body),
            mail_outbox::run_after.eq(now),
            mail_outbox::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(id)
}

#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = crate::db::sql::Uuid)]
    id: Id,
}

/// Claims due emails: pushes their `run_after` past the lease and counts the
/// attempt, so another server (or a later pass) leaves them alone meanwhile.
fn claim(c: &mut DbConn) -> AppResult<Vec<(Id, Email, i32)>> {
    write_tx(c, |c| {
        let now = UtcTime::now();
        let ids: Vec<Id> = match c.backend() {
            Backend::Postgres => diesel::sql_query(
                "SELECT id FROM mail_outbox WHERE sent_at IS NULL AND attempts < $1 \
                 AND run_after <= $2 ORDER BY run_after LIMIT $3 FOR UPDATE SKIP LOCKED",
            )
            .bind::<diesel::sql_types::Integer, _>(MAX_ATTEMPTS)
            .bind::<crate::db::sql::Timestamptz, _>(now)
            .bind::<diesel::sql_types::BigInt, _>(BATCH)
            .load::<Due>(c)?
            .into_iter()
            .map(|d| d.id)
            .collect(),
            // The immediate transaction already holds SQLite's write lock.
            Backend::Sqlite => mail_outbox::table
                .filter(mail_outbox::sent_at.is_null())
                .filter(mail_outbox::attempts.lt(MAX_ATTEMPTS))
                .filter(mail_outbox::run_after.le(now))
                .order(mail_outbox::run_after.asc())
                .limit(BATCH)
                .select(mail_outbox::id)
                .load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(mail_outbox::table.filter(mail_outbox::id.eq_any(&ids)))
            .set((
                mail_outbox::run_after.eq(now + Duration::seconds(LEASE_SECS)),
                mail_outbox::attempts.eq(mail_outbox::attempts + 1),
            ))
            .execute(c)?;
        let rows: Vec<(Id, String, String, String, i32)> = mail_outbox::table
            .filter(mail_outbox::id.eq_any(&ids))
            .select((
                mail_outbox::id,
                mail_outbox::recipient,
                mail_outbox::subject,
                mail_outbox::body,
                mail_outbox::attempts,
            ))
            .load(c)?;
        Ok(rows
            .into_iter()
            .map(|(id, to, subject, body, attempts)| (id, Email { to, subject, body }, attempts))
            .collect())
    })
}

/// Sends what is due, when SMTP is configured; returns how many were sent.
/// A failed send is kept on the row and retried later (1, 4, 9… minutes).
pub fn send_due(pool: &Pool, config: &Config) -> AppResult<usize> {
    let Some(url) = config.smtp_url.as_deref() else {
        return Ok(0);
    };
    let claimed = claim(&mut *pool.get()?)?;
    let mut sent = 0;
    // No connection is held while talking to the mail server.
    for (id, mail, attempts) in claimed {
        let outcome = email::send(url, &config.smtp_from, &mail);
        let mut conn = pool.get()?;
        let target = mail_outbox::table.find(id);
        match outcome {
            Ok(()) => {
                sent += 1;
                diesel::update(target)
                    .set(mail_outbox::sent_at.eq(UtcTime::now()))
                    .execute(&mut *conn)?;
            }
            Err(e) => {
                tracing::warn!(email = %id, attempt = attempts, error = %e, "account email failed");
                let backoff = Duration::minutes(i64::from(attempts * attempts));
                diesel::update(target)
                    .set((
                        mail_outbox::last_error.eq(e),
                        mail_outbox::run_after.eq(UtcTime::now() + backoff),
                    ))
                    .execute(&mut *conn)?;
            }
        }
    }
    Ok(sent)
}
