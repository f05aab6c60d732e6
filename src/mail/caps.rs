//! Caps on emails nobody asked for in person: confirmation, status-link, already-a-member,
//! reset and activation emails go to whatever address a visitor types. Counted in the database,
//! so the caps hold across every instance: at most `per_address` an hour to one address, and a
//! site-wide hourly budget for addresses that never confirmed anything. A capped email is simply
//! not queued; the visitor's page does not change (no enumeration), the log and
//! `ogug mail status` say so.

use crate::crypto::sha256_hex;
use crate::db::DbConnection;
use crate::db::schema::{applications, users};
use crate::domain::rate_limits;
use crate::domain::users::EmailAddress;
use chrono::TimeDelta;
use diesel::prelude::*;

const HOUR: TimeDelta = TimeDelta::hours(1);
/// The counter of emails held back this hour.
pub const CAPPED_KEY: &str = "mail-capped";
const UNCONFIRMED_KEY: &str = "mail-unconfirmed";

/// The limits, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub per_address: i32,
    pub unconfirmed_per_hour: i32,
}

/// Whether `to` has ever been confirmed: it has an account, or confirmed an application.
fn ever_confirmed(conn: &mut DbConnection, to: &EmailAddress) -> QueryResult<bool> {
    let account: i64 = users::table
        .filter(users::email.eq(to.as_str()))
        .count()
        .get_result(conn)?;
    if account > 0 {
        return Ok(true);
    }
    let confirmed: i64 = applications::table
        .filter(applications::email.eq(to.as_str()))
        .filter(applications::confirmed_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(confirmed > 0)
}

/// Counts one unsolicited email to `to`; false when a cap holds it back.
pub fn allow(
    conn: &mut DbConnection,
    caps: Caps,
    to: &EmailAddress,
    kind: &str,
) -> Result<bool, crate::domain::DomainError> {
    let key = format!("mail-to:{}", sha256_hex(to.as_str()));
    let held = if rate_limits::hit(conn, &key, HOUR)? > caps.per_address {
        Some("per address")
    } else if !ever_confirmed(conn, to)?
        && rate_limits::hit(conn, UNCONFIRMED_KEY, HOUR)? > caps.unconfirmed_per_hour
    {
        Some("site-wide, unconfirmed addresses")
    } else {
        None
    };
    match held {
        Some(cap) => {
            rate_limits::hit(conn, CAPPED_KEY, HOUR)?;
            tracing::warn!(kind, cap, "unsolicited email held back by a cap");
            Ok(false)
        }
        None => Ok(true),
    }
}

/// Emails held back this hour (for `ogug mail status`).
pub fn held_back(conn: &mut DbConnection) -> Result<i32, crate::domain::DomainError> {
    rate_limits::count(conn, CAPPED_KEY, HOUR)
}
