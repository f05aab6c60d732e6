//! One function per user action: each opens its write transaction, calls the domain, queues its
//! email through `mail::notices` and writes its audit row, so the state change, the email and the
//! trail commit together or not at all. Web handlers, jobs and the CLI all act through here.

pub mod accounts;
pub mod announcements;
pub mod applications;
pub mod chapters;
pub mod checkin;
pub mod contact;
pub mod digests;
pub mod events;
pub mod guests;
pub mod members;
pub mod organizations;
pub mod reminders;
pub mod talks;

use crate::domain::audit::{self, AuditAction, Object};
use crate::domain::ids::*;
use crate::domain::users::User;
use crate::domain::{Conflict, DomainError};
use crate::mail::MailError;

/// Who acts and from where: the audit row's actor and address. A flow that needs a signed-in
/// person asks for `person()`; there is no stand-in user id.
#[derive(Debug, Clone)]
pub struct Actor {
    user: Option<User>,
    ip: String,
}

impl Actor {
    pub fn person(user: User, ip: impl Into<String>) -> Actor {
        Actor {
            user: Some(user),
            ip: ip.into(),
        }
    }

    /// Someone not signed in (an applicant, a link's holder).
    pub fn visitor(ip: impl Into<String>) -> Actor {
        Actor {
            user: None,
            ip: ip.into(),
        }
    }

    /// ogug itself: periodic jobs and the command line.
    pub fn system() -> Actor {
        Actor {
            user: None,
            ip: String::new(),
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.user.as_ref().map(|u| u.id)
    }

    /// The signed-in person, for flows only a person may run.
    pub fn user(&self) -> Result<&User, DomainError> {
        self.user.as_ref().ok_or(DomainError::Forbidden)
    }

    pub fn ip(&self) -> &str {
        &self.ip
    }

    fn audit(
        &self,
        conn: &mut crate::db::DbConnection,
        action: AuditAction,
        chapter: Option<ChapterId>,
        object: Object,
        details: &str,
    ) -> Result<(), FlowError> {
        audit::record(
            conn,
            audit::Entry {
                actor: self.user_id(),
                ip: &self.ip,
                action,
                chapter,
                object,
                details,
            },
        )?;
        Ok(())
    }
}

/// What can stop a flow: the domain's refusal, or an email that could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

impl From<diesel::result::Error> for FlowError {
    fn from(err: diesel::result::Error) -> FlowError {
        FlowError::Domain(err.into())
    }
}

impl From<askama::Error> for FlowError {
    fn from(err: askama::Error) -> FlowError {
        FlowError::Mail(err.into())
    }
}

impl From<Conflict> for FlowError {
    fn from(conflict: Conflict) -> FlowError {
        FlowError::Domain(DomainError::Conflict(conflict))
    }
}

pub type FlowResult<T> = Result<T, FlowError>;

/// Where links in emails point, and how long decision emails wait (for undo).
#[derive(Debug, Clone)]
pub struct Site {
    pub base_url: String,
    pub decision_grace: chrono::TimeDelta,
    pub caps: crate::mail::caps::Caps,
    pub announcements_per_day: i64,
    pub event_announcements_per_day: i64,
    pub contact_per_chapter_per_hour: i64,
}

impl Site {
    pub fn from_config(config: &crate::config::Config) -> Site {
        Site {
            base_url: config.base_url.clone(),
            decision_grace: config.decision_grace,
            caps: crate::mail::caps::Caps {
                per_address: config.unsolicited_per_address,
                unconfirmed_per_hour: config.unconfirmed_mail_per_hour,
            },
            announcements_per_day: config.announcements_per_day,
            event_announcements_per_day: config.event_announcements_per_day,
            contact_per_chapter_per_hour: config.contact_per_chapter_per_hour,
        }
    }

    /// Counts an email nobody asked for in person; false when a cap holds it back.
    pub fn unsolicited_allowed(
        &self,
        conn: &mut crate::db::DbConnection,
        to: &crate::domain::users::EmailAddress,
        kind: &str,
    ) -> Result<bool, FlowError> {
        Ok(crate::mail::caps::allow(conn, self.caps, to, kind)?)
    }

    pub fn links(&self) -> crate::mail::notices::Links<'_> {
        crate::mail::notices::Links(&self.base_url)
    }
}
