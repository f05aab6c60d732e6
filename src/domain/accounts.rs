//! What a person does with their own account: activate, reset or change the password, edit the
//! profile, export their data, delete the account.

use super::memberships::Role;
use super::one_time_tokens::Purpose;
use super::users::{self, User};
use super::{DomainError, DomainResult, FieldErrors, now, sessions};
use crate::crypto::sha256_hex;
use crate::db::DbConnection;
use crate::db::schema::{applications, chapters, memberships, tokens, users as users_t};
use crate::domain::Conflict;
use crate::domain::applications::ApplicationStatus;
use crate::domain::ids::*;
use crate::i18n::Locale;
use diesel::prelude::*;

/// The user a live (unused, unexpired) token belongs to, without using it up.
pub fn peek_token(conn: &mut DbConnection, raw: &str, purpose: Purpose) -> DomainResult<User> {
    let user_id: Option<Option<UserId>> = tokens::table
        .filter(tokens::token_hash.eq(sha256_hex(raw)))
        .filter(tokens::purpose.eq(purpose.as_str()))
        .filter(tokens::used_at.is_null())
        .filter(tokens::expires_at.gt(now()))
        .select(tokens::user_id)
        .first(conn)
        .optional()?;
    match user_id.flatten() {
        Some(id) => {
            let user = users::find(conn, id)?;
            if user.disabled_at.is_some() {
                Err(DomainError::NotFound)
            } else {
                Ok(user)
            }
        }
        None => Err(DomainError::NotFound),
    }
}

/// Uses up a token (a guarded update: of two concurrent uses, one wins) and returns its user.
pub fn consume_token(conn: &mut DbConnection, raw: &str, purpose: Purpose) -> DomainResult<User> {
    let user = peek_token(conn, raw, purpose)?;
    let at = now();
    let used = diesel::update(
        tokens::table
            .filter(tokens::token_hash.eq(sha256_hex(raw)))
            .filter(tokens::purpose.eq(purpose.as_str()))
            .filter(tokens::used_at.is_null())
            .filter(tokens::expires_at.gt(at)),
    )
    .set(tokens::used_at.eq(Some(at)))
    .execute(conn)?;
    if used == 1 {
        Ok(user)
    } else {
        Err(DomainError::NotFound)
    }
}

/// Sets a password hash, ends sessions (all, or all but `keep`), and voids every outstanding
/// activation and reset link of the account: a second activation email (approved in two
/// chapters) must not set the password again once the first was used. The caller owns the
/// transaction.
pub fn set_password(
    conn: &mut DbConnection,
    user_id: UserId,
    hash: &str,
    keep_session: Option<SessionId>,
) -> DomainResult<()> {
    diesel::update(users_t::table.find(user_id))
        .set((
            users_t::password_hash.eq(Some(hash)),
            users_t::updated_at.eq(now()),
        ))
        .execute(conn)?;
    sessions::delete_for_user(conn, user_id, keep_session)?;
    diesel::update(
        tokens::table
            .filter(tokens::user_id.eq(user_id))
            .filter(
                tokens::purpose
                    .eq_any([Purpose::ResetPassword.as_str(), Purpose::Activate.as_str()]),
            )
            .filter(tokens::used_at.is_null()),
    )
    .set(tokens::used_at.eq(Some(now())))
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub display_name: String,
    pub organization: String,
    pub job_title: String,
    pub locale: String,
    pub roster_visible: bool,
    pub event_announcements: bool,
}

fn bounded(errors: &mut FieldErrors, field: &'static str, value: &str, max: usize) -> String {
    super::text::line(errors, field, value, max, false)
}

pub fn update_profile(
    conn: &mut DbConnection,
    user_id: UserId,
    input: &ProfileInput,
) -> DomainResult<()> {
    let mut errors = FieldErrors::default();
    let name = users::parse_display_name(&input.display_name)
        .map_err(|e| errors.add("display_name", e))
        .unwrap_or_default();
    let organization = bounded(&mut errors, "organization", &input.organization, 100);
    let job_title = bounded(&mut errors, "job_title", &input.job_title, 100);
    let locale = Locale::parse(&input.locale);
    if locale.is_none() {
        errors.add("locale", "error.invalid_choice");
    }
    errors.into_result()?;
    diesel::update(users_t::table.find(user_id))
        .set((
            users_t::display_name.eq(name),
            users_t::organization.eq(organization),
            users_t::job_title.eq(job_title),
            users_t::locale.eq(locale.unwrap_or_default().code()),
            users_t::roster_visible.eq(input.roster_visible),
            users_t::event_announcements.eq(input.event_announcements),
            users_t::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn ts(t: chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339()
}

/// Everything stored about a person, as JSON (ASVS 14: the right of access).
pub fn export(conn: &mut DbConnection, user_id: UserId) -> DomainResult<serde_json::Value> {
    let user = users::find(conn, user_id)?;
    let member_rows: Vec<(String, String, chrono::NaiveDateTime)> = memberships::table
        .inner_join(chapters::table)
        .filter(memberships::user_id.eq(user_id))
        .select((chapters::slug, memberships::role, memberships::joined_at))
        .load(conn)?;
    type AppRow = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        chrono::NaiveDateTime,
    );
    let app_rows: Vec<AppRow> = applications::table
        .inner_join(chapters::table)
        .filter(
            applications::email
                .eq(&user.email)
                .or(applications::user_id.eq(user_id)),
        )
        .select((
            applications::id,
            chapters::slug,
            applications::status,
            applications::desired_role,
            applications::name,
            applications::organization,
            applications::job_title,
            applications::motivation,
            applications::opengauss_usage,
            applications::created_at,
        ))
        .load(conn)?;
    type RsvpRow = (
        String,
        String,
        String,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    );
    let rsvp_rows: Vec<RsvpRow> = {
        use crate::db::schema::{events, rsvps};
        rsvps::table
            .inner_join(events::table.inner_join(chapters::table))
            .filter(rsvps::user_id.eq(user_id))
            .order(rsvps::id.asc())
            .select((
                chapters::slug,
                events::slug,
                rsvps::status,
                rsvps::source,
                rsvps::created_at,
                rsvps::checked_in_at,
            ))
            .load(conn)?
    };
    let opted_out: Vec<String> = {
        use crate::db::schema::announcement_optouts;
        announcement_optouts::table
            .inner_join(chapters::table)
            .filter(announcement_optouts::user_id.eq(user_id))
            .select(chapters::slug)
            .load(conn)?
    };
    Ok(serde_json::json!({
        "user": {
            "email": user.email,
            "display_name": user.display_name,
            "organization": user.organization,
            "job_title": user.job_title,
            "locale": user.locale,
            "roster_visible": user.roster_visible,
            "event_announcements": user.event_announcements,
            "is_site_admin": user.is_site_admin,
            "has_password": user.password_hash.is_some(),
            "created_at": ts(user.created_at),
            "updated_at": ts(user.updated_at),
        },
        "memberships": member_rows.into_iter().map(|(chapter, role, joined)| serde_json::json!({
            "chapter": chapter, "role": role, "joined_at": ts(joined),
        })).collect::<Vec<_>>(),
        "applications": app_rows.into_iter().map(|(id, chapter, status, role, name, org, title, motivation, usage, created)| serde_json::json!({
            "id": id, "chapter": chapter, "status": status, "desired_role": role, "name": name,
            "organization": org, "job_title": title, "motivation": motivation,
            "opengauss_usage": usage, "created_at": ts(created),
        })).collect::<Vec<_>>(),
        "rsvps": rsvp_rows.into_iter().map(|(chapter, event, status, source, at, checked_in)| serde_json::json!({
            "chapter": chapter, "event": event, "status": status, "source": source,
            "answered_at": ts(at), "checked_in_at": checked_in.map(ts),
        })).collect::<Vec<_>>(),
        "announcements_turned_off": opted_out,
    }))
}

/// Chapters (slugs) where this person is the only organizer.
pub fn chapters_needing_handover(
    conn: &mut DbConnection,
    user_id: UserId,
) -> DomainResult<Vec<String>> {
    let organizing: Vec<(i64, String)> = memberships::table
        .inner_join(chapters::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::role.eq(Role::Organizer.as_str()))
        .select((chapters::id, chapters::slug))
        .load(conn)?;
    let mut alone = Vec::new();
    for (chapter_id, slug) in organizing {
        let n: i64 = memberships::table
            .filter(memberships::chapter_id.eq(chapter_id))
            .filter(memberships::role.eq(Role::Organizer.as_str()))
            .count()
            .get_result(conn)?;
        if n <= 1 {
            alone.push(slug);
        }
    }
    Ok(alone)
}

/// Deletes the account: memberships, sessions and tokens go with it; applications stay for the
/// chapters' records but lose everything that identifies the person. The last organizer of a
/// chapter must hand over first.
/// Deletes an account. Its seats at upcoming events pass to the waitlists first (returned, for
/// the caller to email whoever was promoted).
pub fn delete_account(
    conn: &mut DbConnection,
    user_id: UserId,
) -> DomainResult<Vec<super::events::Released>> {
    // The chapters this person organizes are locked (in id order) before their organizers are
    // counted, as every last-organizer check does: two organizers deleting their accounts at
    // once cannot both see the other still there.
    let organizing: Vec<i64> = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::role.eq(Role::Organizer.as_str()))
        .select(memberships::chapter_id)
        .order(memberships::chapter_id)
        .load::<ChapterId>(conn)?
        .into_iter()
        .map(ChapterId::get)
        .collect();
    for chapter_id in organizing {
        crate::db::lock_row(conn, "chapters", chapter_id)?;
    }
    if !chapters_needing_handover(conn, user_id)?.is_empty() {
        return Err(DomainError::Conflict(Conflict::LastOrganizer));
    }
    let user = users::find(conn, user_id)?;
    let released = super::events::release_upcoming(conn, user_id, None)?;
    let placeholder = format!("deleted-{}@invalid", user_id);
    let mine = applications::email
        .eq(user.email.clone())
        .or(applications::user_id.eq(user_id));
    diesel::update(applications::table.filter(mine.clone()).filter(
        applications::status.eq_any([ApplicationStatus::Unconfirmed, ApplicationStatus::Pending]),
    ))
    .set((
        applications::status.eq(ApplicationStatus::Withdrawn),
        applications::updated_at.eq(now()),
    ))
    .execute(conn)?;
    diesel::update(
        applications::table.filter(
            applications::email
                .eq(&user.email)
                .or(applications::user_id.eq(user_id)),
        ),
    )
    .set((
        applications::email.eq(&placeholder),
        applications::name.eq("—"),
        applications::organization.eq(""),
        applications::job_title.eq(""),
        applications::motivation.eq(""),
        applications::opengauss_usage.eq(""),
        applications::answers.eq(""),
        applications::message.eq(None::<String>),
        applications::user_id.eq(None::<i64>),
    ))
    .execute(conn)?;
    diesel::delete(users_t::table.find(user_id)).execute(conn)?;
    Ok(released)
}

/// Sets the language a person reads the site and their emails in.
pub fn set_locale(
    conn: &mut DbConnection,
    user_id: UserId,
    locale: crate::i18n::Locale,
) -> DomainResult<()> {
    diesel::update(users_t::table.find(user_id))
        .set((
            users_t::locale.eq(locale.code()),
            users_t::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
