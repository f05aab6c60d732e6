//! The emails about events: announcements of published and cancelled events, RSVP answers and
//! tickets, reminders, changes of time or place, chapter announcements, and messages relayed
//! to the organizers.

use super::Links;
use crate::crypto::random_token;
use crate::db::DbConnection;
use crate::domain::chapters::Chapter;
use crate::domain::events::Event;
use crate::domain::users::{EmailAddress, User};
use crate::i18n::time_range;
use crate::mail::{MailError, enqueue_for, templates};

/// A published or cancelled event, to one member who wants announcements.
pub fn event_announcement(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    event: &Event,
    person: &User,
    (message, unsubscribe_key): (Option<&str>, &str),
) -> Result<bool, MailError> {
    let locale = person.locale();
    let cancelled = message.is_some();
    let unsubscribe = format!(
        "{}{}",
        links.0,
        crate::paths::unsubscribe(unsubscribe_key, &chapter.slug)
    );
    let content = templates::EventAnnouncement {
        name: person.display_name.clone(),
        chapter: chapter.name(locale).to_string(),
        title: event.title(locale).to_string(),
        when: time_range(event.starts_at, event.ends_at, chapter.tz(), locale),
        venue: event.venue.clone(),
        link: links.event(chapter, event),
        cancelled,
        message: message.unwrap_or_default().to_string(),
        unsubscribe: unsubscribe.clone(),
    };
    // Not transactional: one-click unsubscribe (RFC 8058), no account needed.
    let extras = crate::mail::Extras {
        list_unsubscribe: Some(unsubscribe),
        ..crate::mail::Extras::default()
    };
    let key = format!(
        "event:{}:{}:{}",
        if cancelled { "cancelled" } else { "published" },
        event.id,
        person.id
    );
    crate::mail::enqueue_with(conn, person, key, extras, |l| content.render(l))
}

/// What an RSVP notice says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsvpNews {
    Confirmed,
    Waitlisted,
    /// A seat came free and is theirs.
    Promoted,
}

/// An answer to an RSVP, or a promotion from the waitlist. With a seat it is the ticket: its
/// link as a QR code (inline PNG) and the event as an `.ics` attachment.
pub fn rsvp(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    event: &Event,
    person: &User,
    news: RsvpNews,
    ticket: Option<&str>,
) -> Result<bool, MailError> {
    let (what_key, kind) = match news {
        RsvpNews::Confirmed => ("rsvp.confirmed", "rsvp"),
        RsvpNews::Waitlisted => ("rsvp.waitlisted", "rsvp"),
        RsvpNews::Promoted => ("rsvp.promoted", "rsvp-promoted"),
    };
    let key = format!("{kind}:{}:{}:{}", event.id, person.id, random_token());
    let notice = EventNotice {
        what_key,
        waitlisted: false,
        ticket,
        attach_ics: ticket.is_some(),
    };
    event_notice(conn, links, chapter, event, person, key, notice)
}

/// A reminder before the event (24 hours or 2 hours); the waitlisted hear they still are.
pub fn event_reminder(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    event: &Event,
    person: &User,
    (kind, waitlisted): (crate::domain::events::Reminder, bool),
    ticket: Option<&str>,
) -> Result<bool, MailError> {
    let what_key = match kind {
        crate::domain::events::Reminder::Day => "email.reminder.day",
        crate::domain::events::Reminder::TwoHours => "email.reminder.two_hours",
    };
    let key = format!("reminder:{}:{}:{}", kind.key(), event.id, person.id);
    let notice = EventNotice {
        what_key,
        waitlisted,
        ticket: ticket.filter(|_| !waitlisted),
        attach_ics: false,
    };
    event_notice(conn, links, chapter, event, person, key, notice)
}

/// The time or place of an event someone answered changed: once per change (the calendar's
/// SEQUENCE), with the updated `.ics`.
pub fn event_changed(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    event: &Event,
    person: &User,
    waitlisted: bool,
) -> Result<bool, MailError> {
    let key = format!("changed:{}:{}:{}", event.id, event.sequence, person.id);
    let notice = EventNotice {
        what_key: "email.event_changed",
        waitlisted,
        ticket: None,
        attach_ics: true,
    };
    event_notice(conn, links, chapter, event, person, key, notice)
}

/// What an email about one event says beyond the event itself.
struct EventNotice<'a> {
    what_key: &'static str,
    waitlisted: bool,
    ticket: Option<&'a str>,
    attach_ics: bool,
}

fn event_notice(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    event: &Event,
    person: &User,
    key: String,
    notice: EventNotice<'_>,
) -> Result<bool, MailError> {
    let locale = person.locale();
    let link = links.event(chapter, event);
    let ticket_link = notice.ticket.map(|t| links.ticket(t));
    let content = templates::RsvpNotice {
        name: person.display_name.clone(),
        title: event.title(locale).to_string(),
        when: time_range(event.starts_at, event.ends_at, chapter.tz(), locale),
        ics_link: format!("{link}/event.ics"),
        link,
        what_key: notice.what_key,
        place: place(event),
        ticket_link: ticket_link.clone(),
        waitlisted: notice.waitlisted,
        make_account: person
            .password_hash
            .is_none()
            .then(|| format!("{}{}", links.0, crate::paths::sign_up())),
    };
    let extras = crate::mail::Extras {
        qr_link: ticket_link,
        ics: notice.attach_ics.then(|| {
            crate::calendar::ics(
                links.0,
                chapter.name(locale),
                &[(event.clone(), chapter.clone())],
                crate::calendar::Audience::Registered,
            )
        }),
        list_unsubscribe: None,
        reply_to: None,
    };
    crate::mail::enqueue_with(conn, person, key, extras, |l| content.render(l))
}

/// An announcement from a chapter's organizers or ambassadors, with the chapter's one-click
/// unsubscribe link (and headers). `key` names the announcement, so a retry queues nothing new.
pub fn announcement(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    person: &User,
    (subject, body, body_html): (&str, &str, &str),
    (key, unsubscribe_key): (&str, &str),
    event: Option<&Event>,
) -> Result<bool, MailError> {
    let locale = person.locale();
    let unsubscribe = format!(
        "{}{}",
        links.0,
        crate::paths::unsubscribe(unsubscribe_key, &chapter.slug)
    );
    let content = templates::Announcement {
        name: person.display_name.clone(),
        chapter: chapter.name(locale).to_string(),
        subject: subject.to_string(),
        // The plain-text part reads as text, not Markdown.
        body: crate::domain::markdown::to_text(body),
        body_html: body_html.to_string(),
        link: match event {
            Some(e) => links.event(chapter, e),
            None => links.chapter(chapter),
        },
        unsubscribe: unsubscribe.clone(),
    };
    let extras = crate::mail::Extras {
        list_unsubscribe: Some(unsubscribe),
        ..crate::mail::Extras::default()
    };
    let key = format!("announce:{key}:{}", person.id);
    crate::mail::enqueue_with(conn, person, key, extras, |l| content.render(l))
}

/// A visitor's message to a chapter's organizers, relayed with `Reply-To` set to the sender.
pub fn contact_message(
    conn: &mut DbConnection,
    chapter: &Chapter,
    organizer: &User,
    (name, email, message): (&str, &EmailAddress, &str),
    key: &str,
) -> Result<bool, MailError> {
    let content = templates::ContactMessage {
        name: organizer.display_name.clone(),
        chapter: chapter.name(organizer.locale()).to_string(),
        from_name: name.to_string(),
        from_email: email.as_str().to_string(),
        message: message.to_string(),
    };
    let extras = crate::mail::Extras {
        reply_to: Some(email.as_str().to_string()),
        ..crate::mail::Extras::default()
    };
    let key = format!("contact:{key}:{}", organizer.id);
    crate::mail::enqueue_with(conn, organizer, key, extras, |l| content.render(l))
}

/// The one-tap check-in link, to the owner of an address typed at the door: typing an address
/// never checks its owner in; following this link does. Keyed by the token, so a retry of the
/// same transaction never sends it twice.
pub fn door_link(
    conn: &mut DbConnection,
    links: Links<'_>,
    (chapter, event): (&Chapter, &Event),
    user: &User,
    (door_key, token): (&str, &str),
) -> Result<bool, MailError> {
    let locale = user.locale();
    let content = templates::DoorLink {
        name: user.display_name.clone(),
        event: event.title(locale).to_string(),
        link: links.door_check_in(door_key, token),
        until: crate::i18n::date_time(
            event.ends_at + crate::domain::events::DOOR_MARGIN,
            chapter.tz(),
            locale,
        ),
    };
    let key = format!("door-link:{}", &crate::crypto::sha256_hex(token)[..24]);
    enqueue_for(conn, user, key, |l| content.render(l))
}

/// A suggested change to a directory entry, to one site admin.
pub fn organization_suggestion(
    conn: &mut DbConnection,
    links: Links<'_>,
    (org, input): (
        &crate::domain::organizations::Organization,
        &crate::domain::organizations::OrganizationInput,
    ),
    (from, admin): (&User, &User),
    key: &str,
) -> Result<bool, MailError> {
    let content = templates::OrganizationSuggestion {
        name: admin.display_name.clone(),
        organization: org.name_zh.clone(),
        from_name: from.display_name.clone(),
        from_email: from.email.clone(),
        link: links.organization(org.id),
        name_zh: input.name_zh.clone(),
        name_en: input.name_en.clone(),
        website: input.website.clone(),
        description: input.description.clone(),
    };
    let key = format!("org-suggestion:{key}:{}", admin.id);
    enqueue_for(conn, admin, key, |l| content.render(l))
}

/// Tells an organizer that the contact form stopped relaying for this hour (`hour` keys it, so
/// each organizer gets it once per hour reached).
pub fn contact_ceiling(
    conn: &mut DbConnection,
    chapter: &Chapter,
    organizer: &User,
    ceiling: i64,
    hour: &str,
) -> Result<bool, MailError> {
    let content = templates::ContactCeiling {
        name: organizer.display_name.clone(),
        chapter: chapter.name(organizer.locale()).to_string(),
        ceiling: ceiling.to_string(),
    };
    let key = format!("contact-ceiling:{}:{hour}:{}", chapter.id, organizer.id);
    enqueue_for(conn, organizer, key, |l| content.render(l))
}

/// Where an event happens, on one line: venue and address, or the online link.
fn place(event: &Event) -> String {
    [
        event.venue.as_str(),
        event.address.as_str(),
        event.online_url.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

/// A guest's confirmation link for a registration (to the address typed, in the page's
/// language). An address with an account is told it may sign in instead; nothing on the page
/// said so. Keyed by the link, so a retry sends it once.
#[allow(clippy::too_many_arguments)]
pub fn guest_confirm(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    event: &Event,
    who: &super::Applicant<'_>,
    (token, has_account, also_apply): (&str, bool, bool),
) -> Result<bool, MailError> {
    let l = who.locale;
    let content = templates::GuestConfirm {
        name: who.name.to_string(),
        title: event.title(l).to_string(),
        chapter: chapter.name(l).to_string(),
        when: time_range(event.starts_at, event.ends_at, chapter.tz(), l),
        venue: event.venue.clone(),
        confirm_link: format!("{}{}", links.0, crate::paths::registration_confirm(token)),
        signin_link: has_account.then(|| links.login()),
        also_apply,
    }
    .render(l)?;
    let key = format!("guest-confirm:{}", crate::crypto::sha256_hex(token));
    crate::mail::enqueue(
        conn,
        &crate::mail::Email {
            idempotency_key: key,
            to: who.to.clone(),
            to_name: who.name.to_string(),
            locale: l,
            content,
            extras: Default::default(),
        },
    )
}
