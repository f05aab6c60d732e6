//! Guests at a meetup who have not joined (most of the founding meetup's hundred): register by
//! email, confirm with one click, manage the seat from the ticket link.

use super::applications::apply_in;
use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::applications::ValidApplication;
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::guests::{self, ValidGuest};
use crate::domain::events::{self, Event, RsvpStatus};
use crate::domain::memberships::{self, Role};
use crate::domain::users::{self, EmailAddress, UserProfile};
use crate::domain::{Conflict, DomainError, now};
use crate::i18n::Locale;
use crate::mail::notices::{self, Applicant, RsvpNews};

/// Whether an event takes registrations now: published, not over, within the window its
/// organizers chose.
pub fn open_for_registration(event: &Event) -> bool {
    event.registration(now()) == events::Registration::Open
}

/// A signed-out visitor's registration: the form is kept and a confirmation link emailed (to
/// an address with an account too, which the page never reveals). Within the address's
/// email caps; the visitor's page is the same whatever happened.
pub fn register(
    conn: &mut DbConnection,
    site: &Site,
    (chapter, event): (&Chapter, &Event),
    guest: &ValidGuest,
    locale: Locale,
) -> FlowResult<()> {
    if !open_for_registration(event) {
        return Err(Conflict::RsvpClosed.into());
    }
    write_transaction(conn, |c| {
        if !site.unsolicited_allowed(c, &guest.email, "register")? {
            return Ok(());
        }
        let account = users::find_by_email(c, &guest.email)?;
        if account.as_ref().is_some_and(|u| u.disabled_at.is_some()) {
            return Ok(());
        }
        let has_account = account.as_ref().is_some_and(|u| u.password_hash.is_some());
        let token = guests::start(c, event, guest, locale)?;
        let who = Applicant {
            to: &guest.email,
            name: &guest.name,
            locale,
        };
        notices::guest_confirm(
            c,
            site.links(),
            chapter,
            event,
            &who,
            (&token, has_account, guest.also_apply),
        )?;
        Ok(())
    })
}

/// What following a confirmation link did.
#[derive(Debug, Clone)]
pub struct Confirmed {
    pub chapter: Chapter,
    pub event: Event,
    pub status: RsvpStatus,
    /// The ticket's token, when the guest has a seat.
    pub ticket: Option<String>,
}

/// Follows a registration's link: the guest's contact row (a new address gets one, with no
/// password), an RSVP like anyone's (a seat or the waitlist, the capacity holds), the ticket
/// email and, if asked, an application to join (its address just proved). A replayed link
/// changes nothing and shows the same ticket.
pub fn confirm(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    token: &str,
) -> FlowResult<Confirmed> {
    write_transaction(conn, |c| {
        let registration = guests::by_token(c, token)?;
        let event = events::find_by_id(c, registration.event_id)?;
        let chapter = chapters::find(c, event.chapter_id)?;
        let email = EmailAddress::parse(&registration.email).map_err(|_| DomainError::NotFound)?;
        let fresh = guests::mark_confirmed(c, registration.id)?;
        let user = match users::find_by_email(c, &email)? {
            Some(u) if u.disabled_at.is_some() => return Err(DomainError::Forbidden.into()),
            Some(u) => u,
            None => users::create(
                c,
                &UserProfile {
                    email: &email,
                    display_name: &registration.name,
                    organization: &registration.organization,
                    job_title: "",
                    locale: registration.locale,
                    roster_visible: false,
                },
                false,
            )?,
        };
        if !fresh {
            let status = events::my_rsvp(c, event.id, user.id)?.unwrap_or(RsvpStatus::NotGoing);
            let ticket = events::ticket_of(c, event.id, user.id)?;
            return Ok(Confirmed {
                chapter,
                event,
                status,
                ticket,
            });
        }
        if !open_for_registration(&event) {
            return Err(Conflict::RsvpClosed.into());
        }
        let (status, _) = events::rsvp(c, &event, user.id, true)?;
        let ticket = match status {
            RsvpStatus::Going => events::ticket_of(c, event.id, user.id)?,
            _ => None,
        };
        let news = match status {
            RsvpStatus::Going => RsvpNews::Confirmed,
            _ => RsvpNews::Waitlisted,
        };
        notices::rsvp(
            c,
            site.links(),
            &chapter,
            &event,
            &user,
            news,
            ticket.as_deref(),
        )?;
        if registration.also_apply && memberships::find(c, chapter.id, user.id)?.is_none() {
            let valid = ValidApplication {
                name: registration.name.clone(),
                email: email.clone(),
                organization: registration.organization.clone(),
                job_title: String::new(),
                role: Role::Member,
                motivation: event.title(registration.locale).to_string(),
                opengauss_usage: String::new(),
                answers: Vec::new(),
            };
            // The address is proven by the link: the application goes straight to review.
            let as_guest = Actor::person(user.clone(), actor.ip.clone());
            apply_in(c, site, &as_guest, &chapter, &valid, registration.locale)?;
        }
        Ok(Confirmed {
            chapter,
            event,
            status,
            ticket,
        })
    })
}

/// Cancels the seat (or waitlist place) held by a ticket link; the next on the waitlist moves
/// up and is told.
pub fn cancel_by_ticket(conn: &mut DbConnection, site: &Site, token: &str) -> FlowResult<()> {
    write_transaction(conn, |c| {
        let ticket = events::find_ticket(c, token)?;
        let event = events::find_by_id(c, ticket.event_id)?;
        if ticket.checked_in_at.is_some() || event.ends_at < now() {
            return Err(Conflict::RsvpClosed.into());
        }
        let (_, promoted) = events::rsvp(c, &event, ticket.user_id, false)?;
        super::events::notify_promoted(c, site, &[(event, promoted)])?;
        Ok(())
    })
}
