//! The day of the meetup: checking people in (a ticket scanned, a tap at the desk), taking a
//! mistaken tap back, and walk-ins through the door link.

use super::applications::{Applied, apply_in};
use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::accounts;
use crate::domain::applications::{self, ValidApplication};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::chapters::Chapter;
use crate::domain::events::{self, CheckIn, DoorOutcome, Event};
use crate::domain::memberships::Role;
use crate::domain::one_time_tokens::{self, Purpose};
use crate::domain::users::{self, EmailAddress, UserProfile};
use crate::domain::{DomainError, memberships};
use crate::i18n::Locale;
use crate::mail::notices;

fn audit(
    c: &mut DbConnection,
    actor: &Actor,
    action: AuditAction,
    event: &Event,
    rsvp_id: i64,
) -> FlowResult<()> {
    actor.audit(
        c,
        action,
        Some(event.chapter_id),
        Object::Event(event.id),
        &format!("rsvp {rsvp_id}"),
    )
}

/// Staff check a person in (their ticket, or their row at the desk). A second tap answers who
/// was first and when; only the first writes an audit row.
pub fn check_in(
    conn: &mut DbConnection,
    actor: &Actor,
    event: &Event,
    rsvp_id: i64,
) -> FlowResult<CheckIn> {
    let by = actor.user()?.id;
    write_transaction(conn, |c| {
        // The row must be this event's (an id from elsewhere is 404).
        events::find_rsvp(c, event.id, rsvp_id)?;
        let done = events::check_in(c, rsvp_id, by)?;
        if let CheckIn::Done(_) = done {
            audit(c, actor, AuditAction::CheckedIn, event, rsvp_id)?;
        }
        Ok(done)
    })
}

/// Takes back a check-in made in the last minute; false when it is too late (or none).
pub fn undo_check_in(
    conn: &mut DbConnection,
    actor: &Actor,
    event: &Event,
    rsvp_id: i64,
) -> FlowResult<bool> {
    actor.user()?;
    write_transaction(conn, |c| {
        events::find_rsvp(c, event.id, rsvp_id)?;
        let undone = events::undo_check_in(c, rsvp_id)?;
        if undone {
            audit(c, actor, AuditAction::CheckInUndone, event, rsvp_id)?;
        }
        Ok(undone)
    })
}

/// What the door did, as the page tells it: only what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtTheDoor {
    pub outcome: Door,
    /// An application to join was submitted (and its email queued).
    pub applied: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    CheckedIn,
    Already,
    /// Full: on the waitlist; the desk can admit them.
    Waitlisted,
    /// The address has an account: its owner was emailed a one-tap link instead.
    LinkSent,
}

impl From<DoorOutcome> for Door {
    fn from(o: DoorOutcome) -> Door {
        match o {
            DoorOutcome::CheckedIn => Door::CheckedIn,
            DoorOutcome::Already => Door::Already,
            DoorOutcome::Waitlisted => Door::Waitlisted,
        }
    }
}

fn door_audit(
    c: &mut DbConnection,
    actor: &Actor,
    event: &Event,
    (rsvp_id, outcome): (i64, DoorOutcome),
) -> FlowResult<()> {
    if outcome == DoorOutcome::CheckedIn {
        audit(c, actor, AuditAction::WalkedIn, event, rsvp_id)?;
    }
    Ok(())
}

/// A signed-in person taps "check me in" at the door (a POST: opening the link changes
/// nothing). The capacity holds; `apply` (offered to people who are not members) also applies
/// to join.
pub fn walk_in_member(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    (chapter, event): (&Chapter, &Event),
    apply: bool,
    locale: Locale,
) -> FlowResult<AtTheDoor> {
    let me = actor.user()?.clone();
    write_transaction(conn, |c| {
        let done = events::walk_in(c, event, me.id)?;
        door_audit(c, actor, event, done)?;
        let mut applied = false;
        if apply && memberships::find(c, chapter.id, me.id)?.is_none() {
            let email = EmailAddress::parse(&me.email).map_err(|_| DomainError::NotFound)?;
            let valid = door_application(event, &me.display_name, &email, &me.organization, locale);
            applied = matches!(
                apply_in(c, site, actor, chapter, &valid, locale)?,
                Applied::Status(_)
            );
            if applied {
                applications::mark_from_door(c, chapter.id, &email)?;
            }
        }
        Ok(AtTheDoor {
            outcome: done.1.into(),
            applied,
        })
    })
}

fn door_application(
    event: &Event,
    name: &str,
    email: &EmailAddress,
    organization: &str,
    locale: Locale,
) -> ValidApplication {
    ValidApplication {
        name: name.to_string(),
        email: email.clone(),
        organization: organization.to_string(),
        job_title: String::new(),
        role: Role::Member,
        motivation: format!("{} {}", event.title(locale), event.starts_at.date()),
        opengauss_usage: String::new(),
        answers: Vec::new(),
    }
}

/// What a walk-in typed at the door.
#[derive(Debug, Clone)]
pub struct WalkIn {
    pub name: String,
    pub email: EmailAddress,
    pub organization: String,
    /// Also apply to join the chapter (unticked by default).
    pub apply: bool,
}

/// Someone not signed in at the door. Typing an address never acts for the person who owns
/// it: an address that has an account (every RSVP has one) gets a one-tap check-in link by
/// email, valid while the door is open, and nothing else happens. A new address gets an
/// account (a password can be set later through "forgot password"), is checked in (or
/// waitlisted when the event is full) and, if asked, applies to join with the usual
/// confirmation email. `door_key` is the door link's, for the emailed link.
pub fn walk_in_visitor(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    (chapter, event, door_key): (&Chapter, &Event, &str),
    form: &WalkIn,
    locale: Locale,
) -> FlowResult<AtTheDoor> {
    write_transaction(conn, |c| {
        if let Some(user) = users::find_by_email(c, &form.email)? {
            if user.disabled_at.is_some() {
                return Err(DomainError::Forbidden.into());
            }
            // The unsolicited-mail cap (3 an hour per address) bounds a stranger typing
            // someone's address again and again.
            if site.unsolicited_allowed(c, &form.email, "door-link")? {
                let closes = event.ends_at + events::DOOR_MARGIN;
                let token = one_time_tokens::issue_until(
                    c,
                    Purpose::DoorCheckIn,
                    Some(user.id),
                    None,
                    closes,
                )?;
                notices::door_link(c, site.links(), (chapter, event), &user, (door_key, &token))?;
            }
            return Ok(AtTheDoor {
                outcome: Door::LinkSent,
                applied: false,
            });
        }
        let user = users::create(
            c,
            &UserProfile {
                email: &form.email,
                display_name: &form.name,
                organization: &form.organization,
                job_title: "",
                locale,
                roster_visible: false,
            },
            false,
        )?;
        let done = events::walk_in(c, event, user.id)?;
        door_audit(c, actor, event, done)?;
        let mut applied = false;
        if form.apply {
            let valid =
                door_application(event, &form.name, &form.email, &form.organization, locale);
            if let Applied::CheckInbox = apply_in(c, site, actor, chapter, &valid, locale)? {
                applied = applications::mark_from_door(c, chapter.id, &form.email)?;
            }
        }
        Ok(AtTheDoor {
            outcome: done.1.into(),
            applied,
        })
    })
}

/// The person opens the emailed link and taps "check me in": the link is used up and they are
/// checked in (or waitlisted when the event is full) while the door is open.
pub fn door_link_check_in(
    conn: &mut DbConnection,
    actor: &Actor,
    event: &Event,
    token: &str,
) -> FlowResult<Door> {
    write_transaction(conn, |c| {
        let user = accounts::consume_token(c, token, Purpose::DoorCheckIn)?;
        let done = events::walk_in(c, event, user.id)?;
        door_audit(c, actor, event, done)?;
        Ok(done.1.into())
    })
}
