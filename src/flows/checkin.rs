//! The day of the meetup: checking people in (a ticket scanned, a tap at the desk), taking a
//! mistaken tap back, and walk-ins through the door link.

use super::applications::{Applied, apply_in};
use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::applications::{self, ValidApplication};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::chapters::Chapter;
use crate::domain::events::{self, CheckIn, Event};
use crate::domain::memberships::Role;
use crate::domain::users::{self, EmailAddress, UserProfile};
use crate::domain::{DomainError, memberships};
use crate::i18n::Locale;

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

/// A signed-in person opens the door link: they are in (an RSVP made if they had none).
/// Returns whether they were already checked in.
pub fn walk_in_member(conn: &mut DbConnection, actor: &Actor, event: &Event) -> FlowResult<bool> {
    let me = actor.user()?.id;
    write_transaction(conn, |c| {
        let (rsvp_id, already) = events::walk_in(c, event, me)?;
        if !already {
            audit(c, actor, AuditAction::WalkedIn, event, rsvp_id)?;
        }
        Ok(already)
    })
}

/// What a walk-in typed at the door.
#[derive(Debug, Clone)]
pub struct WalkIn {
    pub name: String,
    pub email: EmailAddress,
    pub organization: String,
    /// Also apply to join the chapter (ticked by default).
    pub apply: bool,
}

/// Someone without an account (or not signed in) at the door: an account is made for the
/// address if it has none (they can set a password later through "forgot password"), they
/// are checked in, and, if they asked, a pending application marked as from the door is
/// submitted with the usual confirmation email. Whether the address had an account is not
/// shown to the person at the door.
pub fn walk_in_visitor(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    event: &Event,
    form: &WalkIn,
    locale: Locale,
) -> FlowResult<()> {
    write_transaction(conn, |c| {
        let user = match users::find_by_email(c, &form.email)? {
            Some(user) => user,
            None => users::create(
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
            )?,
        };
        if user.disabled_at.is_some() {
            return Err(DomainError::Forbidden.into());
        }
        let (rsvp_id, already) = events::walk_in(c, event, user.id)?;
        if !already {
            audit(c, actor, AuditAction::WalkedIn, event, rsvp_id)?;
        }
        if form.apply && memberships::find(c, chapter.id, user.id)?.is_none() {
            let valid = ValidApplication {
                name: form.name.clone(),
                email: form.email.clone(),
                organization: form.organization.clone(),
                job_title: String::new(),
                role: Role::Member,
                motivation: format!("{} {}", event.title(locale), event.starts_at.date()),
                opengauss_usage: String::new(),
                answers: Vec::new(),
            };
            if let Applied::CheckInbox | Applied::Status(_) =
                apply_in(c, site, actor, chapter, &valid, locale)?
            {
                applications::mark_from_door(c, chapter.id, &form.email)?;
            }
        }
        Ok(())
    })
}
