//! Guests: registering for a meetup without joining a chapter. The form waits in
//! `registrations` until its emailed link is followed; confirming makes the RSVP (the flow
//! does, with the guest's contact row).

use super::Event;
use crate::crypto::{random_token, sha256_hex};
use crate::db::DbConnection;
use crate::db::schema::registrations;
use crate::domain::ids::EventId;
use crate::domain::text::check_line;
use crate::domain::users::EmailAddress;
use crate::domain::{DomainError, DomainResult, FieldErrors, now};
use crate::i18n::Locale;
use diesel::prelude::*;

/// How long a registration's link works.
pub const CONFIRM_WITHIN: chrono::TimeDelta = chrono::TimeDelta::hours(72);

/// What a guest typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GuestInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub organization: String,
    pub consent: Option<String>,
    /// "Also apply to join this chapter" (unticked by default).
    pub also_apply: Option<String>,
    /// The honeypot: people leave it empty.
    #[serde(default)]
    pub website: String,
}

#[derive(Debug, Clone)]
pub struct ValidGuest {
    pub name: String,
    pub email: EmailAddress,
    pub organization: String,
    pub also_apply: bool,
}

pub fn validate(input: &GuestInput) -> Result<ValidGuest, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = crate::domain::text::text(&mut errors, "name", &input.name, 100, true);
    let email = match EmailAddress::parse(&input.email) {
        Ok(e) => Some(e),
        Err(key) => {
            errors.add("email", key);
            None
        }
    };
    if let Err(key) = check_line(&input.organization, 200, false) {
        errors.add("organization", key);
    }
    if input.consent.is_none() {
        errors.add("consent", "error.consent_required");
    }
    match email {
        Some(email) if errors.is_empty() => Ok(ValidGuest {
            name,
            email,
            organization: input.organization.trim().to_string(),
            also_apply: input.also_apply.is_some(),
        }),
        _ => Err(errors),
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = registrations)]
pub struct Registration {
    pub id: i64,
    pub event_id: EventId,
    pub email: String,
    pub name: String,
    pub organization: String,
    pub locale: Locale,
    pub also_apply: bool,
    pub created_at: chrono::NaiveDateTime,
    pub confirmed_at: Option<chrono::NaiveDateTime>,
}

/// Keeps the form until its link is followed; returns the link's raw token.
pub fn start(
    conn: &mut DbConnection,
    event: &Event,
    guest: &ValidGuest,
    locale: Locale,
) -> DomainResult<String> {
    let raw = random_token();
    diesel::insert_into(registrations::table)
        .values((
            registrations::event_id.eq(event.id),
            registrations::email.eq(guest.email.as_str()),
            registrations::name.eq(&guest.name),
            registrations::organization.eq(&guest.organization),
            registrations::locale.eq(locale.code()),
            registrations::also_apply.eq(guest.also_apply),
            registrations::token_hash.eq(sha256_hex(&raw)),
            registrations::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(raw)
}

/// The registration of a link, while it works (72 hours); a forged or expired one is
/// `NotFound`. Confirming twice finds it again (the flow then changes nothing).
pub fn by_token(conn: &mut DbConnection, raw: &str) -> DomainResult<Registration> {
    let found: Registration = registrations::table
        .filter(registrations::token_hash.eq(sha256_hex(raw)))
        .select(Registration::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)?;
    if found.created_at + CONFIRM_WITHIN < now() {
        return Err(DomainError::NotFound);
    }
    Ok(found)
}

/// Marks a registration confirmed; false when it already was (a replayed link).
pub fn mark_confirmed(conn: &mut DbConnection, id: i64) -> DomainResult<bool> {
    let n = diesel::update(
        registrations::table
            .find(id)
            .filter(registrations::confirmed_at.is_null()),
    )
    .set(registrations::confirmed_at.eq(Some(now())))
    .execute(conn)?;
    Ok(n == 1)
}
