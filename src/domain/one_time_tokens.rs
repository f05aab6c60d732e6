//! Single-use links (activation, password reset, application confirmation): the raw value goes
//! into the email, only its SHA-256 is stored.

use super::{DomainResult, now};
use crate::crypto::{random_token, sha256_hex};
use crate::db::DbConnection;
use crate::db::schema::tokens;
use crate::domain::ids::*;
use diesel::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    ConfirmApplication,
    Activate,
    ResetPassword,
    ApplicationStatus,
    /// The one-tap check-in link emailed from the door; it lasts while the door is open.
    DoorCheckIn,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ConfirmApplication => "confirm-application",
            Purpose::Activate => "activate",
            Purpose::ResetPassword => "reset-password",
            Purpose::ApplicationStatus => "application-status",
            Purpose::DoorCheckIn => "door-check-in",
        }
    }

    pub fn lifetime(self) -> chrono::TimeDelta {
        match self {
            Purpose::ConfirmApplication | Purpose::Activate => chrono::TimeDelta::hours(72),
            Purpose::ResetPassword => chrono::TimeDelta::hours(1),
            Purpose::ApplicationStatus => chrono::TimeDelta::days(365),
            Purpose::DoorCheckIn => chrono::TimeDelta::hours(4),
        }
    }
}

/// Stores a new token and returns its raw value (to put in a link, never to store).
pub fn issue(
    conn: &mut DbConnection,
    purpose: Purpose,
    user_id: Option<UserId>,
    application_id: Option<ApplicationId>,
) -> DomainResult<String> {
    issue_until(
        conn,
        purpose,
        user_id,
        application_id,
        now() + purpose.lifetime(),
    )
}

/// Like `issue`, expiring at `expires_at` (a door link ends when the door closes).
pub fn issue_until(
    conn: &mut DbConnection,
    purpose: Purpose,
    user_id: Option<UserId>,
    application_id: Option<ApplicationId>,
    expires_at: chrono::NaiveDateTime,
) -> DomainResult<String> {
    let raw = random_token();
    let at = now();
    diesel::insert_into(tokens::table)
        .values((
            tokens::token_hash.eq(sha256_hex(&raw)),
            tokens::purpose.eq(purpose.as_str()),
            tokens::user_id.eq(user_id),
            tokens::application_id.eq(application_id),
            tokens::expires_at.eq(expires_at),
            tokens::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(raw)
}
