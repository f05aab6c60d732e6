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

/// Wrong passwords (at sign-in, or as the current password when changing it) are counted per
/// account *and address* and per account alone. The pair locks first (10 in 10 minutes): an
/// attacker guessing from a few addresses is stopped, while the owner, signing in from their
/// own address, is not locked out by someone else's guesses. The account-wide ceiling (100 in
/// 10 minutes) still stops guessing spread over many addresses (ASVS 6.3.1).
pub struct PasswordFailures {
    pair: String,
    account: String,
}

pub const PAIR_FAILURES: i32 = 10;
pub const ACCOUNT_FAILURES: i32 = 100;
pub const FAILURE_WINDOW: TimeDelta = TimeDelta::minutes(10);

impl PasswordFailures {
    /// The counters of `email` (as typed; case and spaces do not matter) seen from `ip`.
    pub fn new(email: &str, ip: &str) -> PasswordFailures {
        let account = format!(
            "login:{}",
            crate::crypto::sha256_hex(&email.trim().to_lowercase())
        );
        PasswordFailures {
            pair: format!("{account}:{ip}"),
            account,
        }
    }

    /// True while either counter is at its limit: no password is checked then.
    pub fn locked(&self, conn: &mut DbConnection) -> DomainResult<bool> {
        Ok(count(conn, &self.pair, FAILURE_WINDOW)? >= PAIR_FAILURES
            || count(conn, &self.account, FAILURE_WINDOW)? >= ACCOUNT_FAILURES)
    }

    pub fn record(&self, conn: &mut DbConnection) -> DomainResult<()> {
        hit(conn, &self.pair, FAILURE_WINDOW)?;
        hit(conn, &self.account, FAILURE_WINDOW)?;
        Ok(())
    }

    /// After a right password from this address: its counter starts again. The account-wide
    /// one runs out with its window, so a guesser cannot reset it with their own account.
    pub fn clear(&self, conn: &mut DbConnection) -> DomainResult<()> {
        clear(conn, &self.pair)
    }
}
