//! Outbox queries: claim due rows, record outcomes, report and requeue.

use crate::db::DbConnection;
use crate::db::schema::outbox;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text, Timestamp};

crate::text_enum! {
    /// Where an email is on its way: queued, being sent (leased by a worker), sent, or given up.
    pub enum OutboxStatus {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Dead => "dead",
    }
}

/// A claimed row, ready to send.
#[derive(QueryableByName, Debug, Clone)]
pub struct OutboxRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub idempotency_key: String,
    #[diesel(sql_type = Text)]
    pub to_addr: String,
    #[diesel(sql_type = Text)]
    pub to_name: String,
    #[diesel(sql_type = Text)]
    pub subject: String,
    #[diesel(sql_type = Text)]
    pub body_text: String,
    #[diesel(sql_type = Text)]
    pub body_html: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Text)]
    pub extras: String,
}

/// Claims up to `limit` due rows: pending rows whose time has come, and rows left `sending` by an
/// instance that died (their lease ran out). Each claim takes a lease and counts an attempt.
///
/// A row waits while an earlier-queued email to the same address is unsent: a welcome still in
/// its undo window goes out before the role change or the "new event" queued after it, so a
/// person never reads the emails of one story out of order.
///
/// PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several instances claim disjoint rows. SQLite: the
/// statement runs in the caller's immediate transaction, which serialises writers.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: TimeDelta,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let lock = match conn {
        DbConnection::Pg(_) => "FOR UPDATE SKIP LOCKED",
        DbConnection::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE outbox SET status = {sending}, locked_until = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
             WHERE ((status = {pending} AND next_attempt_at <= $2) \
                OR (status = {sending} AND locked_until < $2)) \
               AND NOT EXISTS (SELECT 1 FROM outbox earlier \
                   WHERE earlier.to_addr = outbox.to_addr AND earlier.id < outbox.id \
                     AND earlier.status IN ({pending}, {sending})) \
             ORDER BY next_attempt_at, id LIMIT $3 {lock}) \
         RETURNING id, idempotency_key, to_addr, to_name, subject, body_text, body_html, attempts, extras",
        sending = OutboxStatus::Sending.sql(),
        pending = OutboxStatus::Pending.sql(),
    );
    diesel::sql_query(sql)
        .bind::<Timestamp, _>(now + lease)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load(conn)
}

/// Marks claimed rows sent. Only rows still `sending` change, so a late worker whose lease was
/// taken over cannot resurrect a row.
pub fn mark_sent(conn: &mut DbConnection, ids: &[i64], now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .filter(outbox::status.eq(OutboxStatus::Sending)),
    )
    .set((
        outbox::status.eq(OutboxStatus::Sent),
        outbox::sent_at.eq(Some(now)),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)
}

/// Puts a row back in the queue for `retry_at`, or buries it (`dead`) when `retry_at` is None.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let error: String = error.chars().take(1000).collect();
    let target = outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::status.eq(OutboxStatus::Sending));
    match retry_at {
        Some(at) => diesel::update(target)
            .set((
                outbox::status.eq(OutboxStatus::Pending),
                outbox::next_attempt_at.eq(at),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn),
        None => diesel::update(target)
            .set((
                outbox::status.eq(OutboxStatus::Dead),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(Some(error)),
            ))
            .execute(conn),
    }
}

/// Row counts by status, in a fixed order.
pub fn status_counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(OutboxStatus, i64)> = outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(OutboxStatus::ALL
        .iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(status, _)| status == s)
                .map_or(0, |r| r.1);
            (s.as_str().to_string(), n)
        })
        .collect())
}

/// Requeues every dead row with a fresh attempt budget; returns how many.
pub fn retry_dead(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::status.eq(OutboxStatus::Dead)))
        .set((
            outbox::status.eq(OutboxStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
        ))
        .execute(conn)
}

/// When the next pending row falls due, if any.
pub fn next_due(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    outbox::table
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .select(diesel::dsl::min(outbox::next_attempt_at))
        .first(conn)
}

/// True while the email of `key` is queued and not yet tried.
pub fn is_unsent(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    let n: i64 = outbox::table
        .filter(outbox::idempotency_key.eq(key))
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .filter(outbox::attempts.eq(0))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Empties the bodies of emails sent before `cutoff`: they hold links with live tokens
/// (confirmation, status, activation, reset), and no raw token may rest in the database
/// (ASVS 2.10 / 8.3). The row stays, with its recipient, subject, status and times, for
/// `ogug mail status` and the audit. Returns how many rows were emptied.
pub fn purge_sent_bodies(conn: &mut DbConnection, cutoff: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::status.eq(OutboxStatus::Sent))
            .filter(outbox::sent_at.lt(cutoff))
            .filter(outbox::body_text.ne("").or(outbox::body_html.ne(""))),
    )
    .set((
        outbox::body_text.eq(""),
        outbox::body_html.eq(""),
        outbox::extras.eq(""),
    ))
    .execute(conn)
}

/// Sent emails whose bodies were emptied.
pub fn purged_count(conn: &mut DbConnection) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::status.eq(OutboxStatus::Sent))
        .filter(outbox::body_text.eq(""))
        .filter(outbox::body_html.eq(""))
        .count()
        .get_result(conn)
}
