//! Announcements: organizers and ambassadors write to an event's attendees, organizers to a
//! whole chapter. Members opt out per chapter (in settings, or by the one-click link every
//! announcement carries).

use crate::db::DbConnection;
use crate::db::schema::{announcement_optouts, announcements, chapters, memberships, rsvps, users};
use crate::domain::chapters::Chapter;
use crate::domain::events::RsvpStatus;
use crate::domain::ids::*;
use crate::domain::users::User;
use crate::domain::{DomainError, DomainResult, FieldErrors, now, text};
use chrono::TimeDelta;
use diesel::prelude::*;

crate::text_enum! {
    /// Who an announcement goes to.
    pub enum Audience {
        /// An event's people going.
        Going => "going",
        /// An event's waitlist.
        Waitlisted => "waitlisted",
        /// An event's people checked in (after the day: thanks, slides, a survey).
        CheckedIn => "checked_in",
        /// Every member of the chapter (organizers only).
        Members => "members",
    }
}

impl Audience {
    pub const FOR_EVENT: [Audience; 3] =
        [Audience::Going, Audience::Waitlisted, Audience::CheckedIn];

    pub fn label_key(self) -> &'static str {
        match self {
            Audience::Going => "announce.to_going",
            Audience::Waitlisted => "announce.to_waitlisted",
            Audience::CheckedIn => "announce.to_checked_in",
            Audience::Members => "announce.to_members",
        }
    }
}

/// An announcement, checked: its subject, Markdown and the sanitized HTML.
#[derive(Debug, Clone)]
pub struct ValidAnnouncement {
    pub audience: Audience,
    pub subject: String,
    pub body: String,
    pub body_html: String,
}

pub fn validate(
    audience: Option<Audience>,
    subject: &str,
    body: &str,
) -> Result<ValidAnnouncement, FieldErrors> {
    let mut errors = FieldErrors::default();
    if audience.is_none() {
        errors.add("audience", "error.invalid_choice");
    }
    let subject = subject.trim();
    if let Err(e) = text::check_line(subject, 150, true) {
        errors.add("subject", e);
    }
    let body = body.trim();
    if body.is_empty() {
        errors.add("body", "error.required");
    } else if let Err(e) = text::check_markdown(body) {
        errors.add("body", e);
    }
    match audience {
        Some(audience) if errors.is_empty() => Ok(ValidAnnouncement {
            audience,
            subject: subject.to_string(),
            body: body.to_string(),
            body_html: crate::domain::markdown::render(body),
        }),
        _ => Err(errors),
    }
}

/// Announcements a chapter sent in the last 24 hours.
/// Announcements of one kind a chapter sent in the last 24 hours: to an event's people
/// (`to_events`) or to the whole chapter. Each kind has its own cap, so an ambassador's event
/// messages never use up the organizers' chapter announcements.
pub fn sent_today(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    to_events: bool,
) -> DomainResult<i64> {
    let recent = announcements::table
        .filter(announcements::chapter_id.eq(chapter_id))
        .filter(announcements::created_at.gt(now() - TimeDelta::hours(24)));
    Ok(if to_events {
        recent
            .filter(announcements::event_id.is_not_null())
            .count()
            .get_result(conn)?
    } else {
        recent
            .filter(announcements::event_id.is_null())
            .count()
            .get_result(conn)?
    })
}

/// Who receives it: the audience, minus disabled accounts and people who opted out of this
/// chapter's announcements.
pub fn recipients(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    event_id: Option<EventId>,
    audience: Audience,
) -> DomainResult<Vec<User>> {
    let opted_out = announcement_optouts::table
        .filter(announcement_optouts::chapter_id.eq(chapter_id))
        .select(announcement_optouts::user_id);
    let list = match (audience, event_id) {
        (Audience::Members, _) => memberships::table
            .inner_join(users::table)
            .filter(memberships::chapter_id.eq(chapter_id))
            .filter(users::disabled_at.is_null())
            .filter(users::id.ne_all(opted_out))
            .order(users::id.asc())
            .select(User::as_select())
            .load(conn)?,
        (_, None) => return Err(DomainError::NotFound),
        (audience, Some(event_id)) => {
            let mut q = rsvps::table
                .inner_join(users::table)
                .filter(rsvps::event_id.eq(event_id))
                .filter(users::disabled_at.is_null())
                .filter(users::id.ne_all(opted_out))
                .into_boxed();
            q = match audience {
                Audience::Waitlisted => q.filter(rsvps::status.eq(RsvpStatus::Waitlisted)),
                Audience::CheckedIn => q.filter(rsvps::checked_in_at.is_not_null()),
                _ => q.filter(rsvps::status.eq(RsvpStatus::Going)),
            };
            q.order(users::id.asc())
                .select(User::as_select())
                .load(conn)?
        }
    };
    Ok(list)
}

/// Keeps the announcement (its history, and the daily count).
pub fn record(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    event_id: Option<EventId>,
    author: UserId,
    valid: &ValidAnnouncement,
    recipients: usize,
) -> DomainResult<()> {
    diesel::insert_into(announcements::table)
        .values((
            announcements::chapter_id.eq(chapter_id),
            announcements::event_id.eq(event_id),
            announcements::author_id.eq(author),
            announcements::audience.eq(valid.audience),
            announcements::subject.eq(&valid.subject),
            announcements::body.eq(&valid.body),
            announcements::body_html.eq(&valid.body_html),
            announcements::recipients.eq(i32::try_from(recipients).unwrap_or(i32::MAX)),
            announcements::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The person's secret key, made on first use. It never leaves the server: links carry
/// `unsubscribe_link_key`, one per (person, chapter).
fn person_key(conn: &mut DbConnection, user: &User) -> DomainResult<String> {
    if !user.unsubscribe_key.is_empty() {
        return Ok(user.unsubscribe_key.clone());
    }
    let key = crate::crypto::random_token()[..32].to_string();
    diesel::update(
        users::table
            .filter(users::id.eq(user.id))
            .filter(users::unsubscribe_key.eq("")),
    )
    .set(users::unsubscribe_key.eq(&key))
    .execute(conn)?;
    Ok(users::table
        .find(user.id)
        .select(users::unsubscribe_key)
        .first(conn)?)
}

/// The mark that ties a link to one person and one chapter: a forwarded announcement opts its
/// reader out of that chapter only, whatever slug is put in its link.
fn chapter_mark(person_key: &str, chapter_id: ChapterId) -> String {
    crate::crypto::sha256_hex(&format!("ogug-unsubscribe:{person_key}:{chapter_id}"))[..32]
        .to_string()
}

/// The key in a person's unsubscribe link for one chapter: `{user id}-{mark}`.
pub fn unsubscribe_key(
    conn: &mut DbConnection,
    user: &User,
    chapter_id: ChapterId,
) -> DomainResult<String> {
    let secret = person_key(conn, user)?;
    Ok(format!("{}-{}", user.id, chapter_mark(&secret, chapter_id)))
}

/// The person and chapter behind an unsubscribe link; a key made for another chapter (or
/// none) is not found.
pub fn by_unsubscribe_key(
    conn: &mut DbConnection,
    key: &str,
    slug: &str,
) -> DomainResult<(User, Chapter)> {
    use subtle::ConstantTimeEq;
    let Some((id, mark)) = key.split_once('-') else {
        return Err(DomainError::NotFound);
    };
    let Ok(id) = id.parse::<i64>() else {
        return Err(DomainError::NotFound);
    };
    let user = users::table
        .find(UserId(id))
        .select(User::as_select())
        .first(conn)
        .optional()?
        .filter(|u| !u.unsubscribe_key.is_empty())
        .ok_or(DomainError::NotFound)?;
    let chapter = chapters::table
        .filter(chapters::slug.eq(slug))
        .select(Chapter::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)?;
    let expected = chapter_mark(&user.unsubscribe_key, chapter.id);
    if !bool::from(expected.as_bytes().ct_eq(mark.as_bytes())) {
        return Err(DomainError::NotFound);
    }
    Ok((user, chapter))
}

/// Opts a person in or out of a chapter's announcements.
pub fn set_opted_out(
    conn: &mut DbConnection,
    user_id: UserId,
    chapter_id: ChapterId,
    out: bool,
) -> DomainResult<()> {
    let row = announcement_optouts::table
        .filter(announcement_optouts::user_id.eq(user_id))
        .filter(announcement_optouts::chapter_id.eq(chapter_id));
    diesel::delete(row).execute(conn)?;
    if out {
        diesel::insert_into(announcement_optouts::table)
            .values((
                announcement_optouts::user_id.eq(user_id),
                announcement_optouts::chapter_id.eq(chapter_id),
                announcement_optouts::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The chapters whose announcements a person turned off.
pub fn opted_out(conn: &mut DbConnection, user_id: UserId) -> DomainResult<Vec<ChapterId>> {
    Ok(announcement_optouts::table
        .filter(announcement_optouts::user_id.eq(user_id))
        .select(announcement_optouts::chapter_id)
        .load(conn)?)
}
