//! Counters in the database, so a limit holds across every instance sharing it (e.g. failed
//! sign-ins per account). A fixed window per key.

use super::{DomainResult, now};
use crate::db::DbConnection;
use crate::db::schema::rate_limits;
use chrono::TimeDelta;
use diesel::prelude::*;

/// Current count of `key` inside its window (0 when the window has passed).
pub fn count(conn: &mut DbConnection, key: &str, window: TimeDelta) -> DomainResult<i32> {
    let row: Option<(chrono::NaiveDateTime, i32)> = rate_limits::table
        .find(key)
        .select((rate_limits::window_start, rate_limits::count))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((start, n)) if start + window > now() => n,
        _ => 0,
    })
}

/// Adds one to `key`'s count, starting a new window if the old one passed. Returns the new count.
/// Each statement is atomic, so concurrent hits from several instances all count.
pub fn hit(conn: &mut DbConnection, key: &str, window: TimeDelta) -> DomainResult<i32> {
    let at = now();
    let fresh = (
        rate_limits::key.eq(key),
        rate_limits::window_start.eq(at),
        rate_limits::count.eq(0),
    );
    // ON CONFLICT cannot go through the connection enum: the same builder on each backend.
    match conn {
        DbConnection::Pg(c) => diesel::insert_into(rate_limits::table)
            .values(fresh)
            .on_conflict(rate_limits::key)
            .do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_into(rate_limits::table)
            .values(fresh)
            .on_conflict(rate_limits::key)
            .do_nothing()
            .execute(c)?,
    };
    diesel::update(
        rate_limits::table
            .find(key)
            .filter(rate_limits::window_start.le(at - window)),
    )
    .set((rate_limits::window_start.eq(at), rate_limits::count.eq(0)))
    .execute(conn)?;
    Ok(diesel::update(rate_limits::table.find(key))
        .set(rate_limits::count.eq(rate_limits::count + 1))
        .returning(rate_limits::count)
        .get_result(conn)?)
}

pub fn clear(conn: &mut DbConnection, key: &str) -> DomainResult<()> {
    diesel::delete(rate_limits::table.find(key)).execute(conn)?;
    Ok(())
}

/// Drops windows older than `max_age` (housekeeping).
pub fn prune(conn: &mut DbConnection, max_age: TimeDelta) -> DomainResult<usize> {
    Ok(
        diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(now() - max_age)))
            .execute(conn)?,
    )
}
