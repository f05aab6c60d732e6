//! Applying to a chapter, confirming, withdrawing, and the organizers' decisions.

use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::applications::{self, Decided, Decision, Submitted, ValidApplication};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::chapters::Chapter;
use crate::domain::ids::ApplicationId;
use crate::domain::one_time_tokens::{self, Purpose};
use crate::domain::{Conflict, DomainError};
use crate::i18n::Locale;
use crate::mail;
use crate::mail::notices::{self, Applicant};

/// What the applicant sees next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// "Check your inbox", whatever happened: an anonymous visitor learns nothing about the
    /// address (the email tells the rest).
    CheckInbox,
    /// A signed-in member applied to their own chapter.
    AlreadyMember,
    /// A signed-in person: straight to the application's status page.
    Status(String),
}

/// Submits an application with its confirmation (or status-link, or already-a-member) email.
pub fn apply(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    valid: &ValidApplication,
    locale: Locale,
) -> FlowResult<Applied> {
    write_transaction(conn, |c| apply_in(c, site, actor, chapter, valid, locale))
}

/// `apply` inside the caller's transaction (the door's walk-in form applies too).
pub(super) fn apply_in(
    c: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    valid: &ValidApplication,
    locale: Locale,
) -> FlowResult<Applied> {
    let links = site.links();
    let signed_in = actor.user().ok();
    {
        let outcome = applications::submit(c, chapter, valid, locale, signed_in)?;
        match outcome {
            Submitted::Created {
                application,
                confirm_token,
                status_token,
            } => {
                actor.audit(
                    c,
                    AuditAction::ApplicationSubmitted,
                    Some(chapter.id),
                    Object::Application(application.id),
                    "",
                )?;
                match confirm_token {
                    Some(token) => {
                        let who = Applicant {
                            to: &valid.email,
                            name: &application.name,
                            locale,
                        };
                        if site.unsolicited_allowed(c, &valid.email, "confirm")? {
                            notices::application_confirm(
                                c,
                                links,
                                chapter,
                                &who,
                                application.id,
                                (&token, &status_token),
                            )?;
                        }
                        Ok(Applied::CheckInbox)
                    }
                    None => Ok(Applied::Status(status_token)),
                }
            }
            Submitted::AlreadyMember { .. } if signed_in.is_some() => Ok(Applied::AlreadyMember),
            Submitted::AlreadyMember { .. } => {
                let who = Applicant {
                    to: &valid.email,
                    name: &valid.name,
                    locale,
                };
                if site.unsolicited_allowed(c, &valid.email, "already-member")? {
                    notices::already_member(c, links, chapter, &who)?;
                }
                Ok(Applied::CheckInbox)
            }
            Submitted::Existing { status_token, .. } if signed_in.is_some() => {
                Ok(Applied::Status(status_token))
            }
            Submitted::Existing {
                application,
                status_token,
            } => {
                let who = Applicant {
                    to: &valid.email,
                    name: &application.name,
                    locale,
                };
                if site.unsolicited_allowed(c, &valid.email, "status-link")? {
                    notices::application_status_link(c, links, chapter, &who, &status_token)?;
                }
                Ok(Applied::CheckInbox)
            }
        }
    }
}

/// "Send it again" from the check-your-inbox page: the confirmation (or, once confirmed, the
/// status link) of the open application of `email`, within the address's email caps. Says
/// nothing of whether there was one.
pub fn resend(
    conn: &mut DbConnection,
    site: &Site,
    chapter: &Chapter,
    email: &crate::domain::users::EmailAddress,
) -> FlowResult<()> {
    write_transaction(conn, |c| {
        let Some((application, confirm, status)) = applications::fresh_links(c, chapter.id, email)?
        else {
            return Ok(());
        };
        if !site.unsolicited_allowed(c, email, "resend")? {
            return Ok(());
        }
        let who = Applicant {
            to: email,
            name: &application.name,
            locale: application.locale(),
        };
        match confirm {
            Some(token) => notices::application_confirm(
                c,
                site.links(),
                chapter,
                &who,
                application.id,
                (&token, &status),
            )?,
            None => notices::application_status_link(c, site.links(), chapter, &who, &status)?,
        };
        Ok(())
    })
}

/// Confirms an application through its emailed link; returns a fresh status-link token.
pub fn confirm(conn: &mut DbConnection, actor: &Actor, token: &str) -> FlowResult<String> {
    write_transaction(conn, |c| {
        let application = applications::confirm(c, token)?;
        actor.audit(
            c,
            AuditAction::ApplicationConfirmed,
            Some(application.chapter_id),
            Object::Application(application.id),
            "",
        )?;
        Ok(one_time_tokens::issue(
            c,
            Purpose::ApplicationStatus,
            None,
            Some(application.id),
        )?)
    })
}

/// Withdraws an open application from its status page.
pub fn withdraw(conn: &mut DbConnection, actor: &Actor, status_token: &str) -> FlowResult<()> {
    write_transaction(conn, |c| {
        let application = applications::by_token(c, status_token, Purpose::ApplicationStatus)?;
        let application = applications::withdraw(c, application.id)?;
        actor.audit(
            c,
            AuditAction::ApplicationWithdrawn,
            Some(application.chapter_id),
            Object::Application(application.id),
            "",
        )
    })
}

/// Approves or rejects one pending application of `chapter`, with its email (sent after the
/// site's grace period, so it can be undone) and its audit row.
pub fn decide(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    id: ApplicationId,
    decision: &Decision,
) -> FlowResult<Decided> {
    let decider = actor.user()?;
    let (links, grace) = (site.links(), site.decision_grace);
    write_transaction(conn, |c| {
        let decided = applications::decide(c, chapter.id, id, decider, decision)?;
        let (application, action) = match &decided {
            Decided::Approved(application, approved) => {
                notices::application_approved(c, links, chapter, application, approved, grace)?;
                (application, AuditAction::ApplicationApproved)
            }
            Decided::Rejected(application) => {
                let status_token = one_time_tokens::issue(
                    c,
                    Purpose::ApplicationStatus,
                    None,
                    Some(application.id),
                )?;
                notices::application_rejected(
                    c,
                    links,
                    chapter,
                    application,
                    &status_token,
                    grace,
                )?;
                (application, AuditAction::ApplicationRejected)
            }
        };
        let details = match decision {
            Decision::Approve(role) => format!("role={}", role.as_str()),
            Decision::Reject { reason, .. } => format!("reason={reason}"),
        };
        actor.audit(
            c,
            action,
            Some(chapter.id),
            Object::Application(application.id),
            &details,
        )?;
        Ok(decided.clone())
    })
}

/// The same decision for many applications, each in its own transaction; those someone else
/// decided meanwhile (or that are not this chapter's) are skipped. Returns how many were decided.
pub fn decide_many(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    ids: &[ApplicationId],
    decision: &Decision,
) -> FlowResult<usize> {
    let mut decided = 0;
    for &id in ids {
        match decide(conn, site, actor, chapter, id, decision) {
            Ok(_) => decided += 1,
            Err(super::FlowError::Domain(DomainError::Conflict(_) | DomainError::NotFound)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(decided)
}

/// Takes a decision back while its email is unsent and the day (in the chapter's zone) is the
/// same: the email is cancelled and the application is pending again.
pub fn undo(
    conn: &mut DbConnection,
    actor: &Actor,
    chapter: &Chapter,
    id: ApplicationId,
) -> FlowResult<()> {
    actor.user()?;
    write_transaction(conn, |c| {
        let application = applications::find(c, id)?;
        if application.chapter_id != chapter.id {
            return Err(DomainError::NotFound.into());
        }
        if !applications::decided_today(chapter, application.decided_at)
            || !mail::cancel_unsent(c, &notices::decision_key(id))?
        {
            return Err(Conflict::TooLate.into());
        }
        applications::undo(c, chapter.id, id)?;
        actor.audit(
            c,
            AuditAction::DecisionUndone,
            Some(chapter.id),
            Object::Application(id),
            "",
        )
    })
}
