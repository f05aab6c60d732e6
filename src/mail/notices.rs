//! One function per kind of email: it builds the message in the recipient's language, with its
//! links, and queues it in the caller's transaction. Flows, jobs and the CLI all send through
//! here, so an email's wording and links live in one place.

use super::{Email, MailError, enqueue, enqueue_delayed, enqueue_for, templates};
use crate::crypto::{random_token, sha256_hex};
use crate::db::DbConnection;
use crate::domain::applications::{Application, Approved};
use crate::domain::chapters::Chapter;
use crate::domain::events::Event;
use crate::domain::ids::*;
use crate::domain::memberships::Role;
use crate::domain::users::{EmailAddress, User};
use crate::i18n::Locale;
use crate::paths;

mod events;
mod talks;
pub use events::*;
pub use talks::*;

/// Absolute links into the site, for emails (and QR codes).
#[derive(Debug, Clone, Copy)]
pub struct Links<'a>(pub &'a str);

impl Links<'_> {
    pub fn chapter(&self, chapter: &Chapter) -> String {
        format!("{}{}", self.0, paths::chapter(&chapter.slug))
    }
    pub fn event(&self, chapter: &Chapter, event: &Event) -> String {
        format!("{}{}", self.0, paths::event(&chapter.slug, &event.slug))
    }
    pub fn organization(&self, id: crate::domain::ids::OrganizationId) -> String {
        format!("{}{}", self.0, paths::organization(id))
    }
    /// The one-tap check-in link emailed from the door (`/door/{key}/check-in/{token}`).
    pub fn door_check_in(&self, key: &str, token: &str) -> String {
        format!("{}{}", self.0, paths::door_link(key, token))
    }
    pub fn ticket(&self, token: &str) -> String {
        format!("{}{}", self.0, paths::ticket(token))
    }
    pub fn activate(&self, token: &str) -> String {
        format!("{}{}", self.0, paths::activate(token))
    }
    pub fn reset(&self, token: &str) -> String {
        format!("{}{}", self.0, paths::reset_link(token))
    }
    pub fn reset_request(&self) -> String {
        format!("{}{}", self.0, paths::reset())
    }
    pub fn login(&self) -> String {
        format!("{}{}", self.0, paths::login())
    }
    pub fn confirm(&self, token: &str) -> String {
        format!("{}{}", self.0, paths::application_confirm(token))
    }
    pub fn status(&self, token: &str) -> String {
        format!("{}{}", self.0, paths::application_status(token))
    }
    pub fn review_queue(&self, chapter: &Chapter) -> String {
        format!("{}{}", self.0, paths::applications(&chapter.slug))
    }
}

/// The idempotency key of an application's decision email (undo cancels it by this key).
pub fn decision_key(application_id: ApplicationId) -> String {
    format!("decision:application:{application_id}")
}

fn now_utc() -> String {
    format!("{} UTC", crate::domain::now().format("%Y-%m-%d %H:%M"))
}

/// An applicant (no account yet, or not signed in): addressed by the application's email, in
/// the language they applied in.
pub struct Applicant<'a> {
    pub to: &'a EmailAddress,
    pub name: &'a str,
    pub locale: Locale,
}

fn to_applicant(
    conn: &mut DbConnection,
    who: &Applicant<'_>,
    key: String,
    content: super::Rendered,
) -> Result<bool, MailError> {
    enqueue(
        conn,
        &Email {
            idempotency_key: key,
            to: who.to.clone(),
            to_name: who.name.to_string(),
            locale: who.locale,
            content,
            extras: Default::default(),
        },
    )
}

/// "Confirm your application": the confirmation link and the status link.
pub fn application_confirm(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    who: &Applicant<'_>,
    application_id: ApplicationId,
    (confirm_token, status_token): (&str, &str),
) -> Result<bool, MailError> {
    let content = templates::ApplicationConfirm {
        name: who.name.to_string(),
        chapter: chapter.name(who.locale).to_string(),
        confirm_link: links.confirm(confirm_token),
        status_link: links.status(status_token),
    }
    .render(who.locale)?;
    to_applicant(
        conn,
        who,
        // Per link: "send it again" issues a new one, and that email must go too.
        format!(
            "apply-confirm:{application_id}:{}",
            &sha256_hex(confirm_token)[..16]
        ),
        content,
    )
}

/// "You are already a member" (an anonymous application from a member's address).
pub fn already_member(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    who: &Applicant<'_>,
) -> Result<bool, MailError> {
    let content = templates::AlreadyMember {
        name: who.name.to_string(),
        chapter: chapter.name(who.locale).to_string(),
        chapter_link: links.chapter(chapter),
    }
    .render(who.locale)?;
    let key = format!("already-member:{}:{}", chapter.id, random_token());
    to_applicant(conn, who, key, content)
}

/// The status link again (an application from an address that has one open).
pub fn application_status_link(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    who: &Applicant<'_>,
    status_token: &str,
) -> Result<bool, MailError> {
    let content = templates::ApplicationStatusLink {
        name: who.name.to_string(),
        chapter: chapter.name(who.locale).to_string(),
        status_link: links.status(status_token),
    }
    .render(who.locale)?;
    let key = format!("status-link:{}", sha256_hex(status_token));
    to_applicant(conn, who, key, content)
}

fn decision_email(
    conn: &mut DbConnection,
    application: &Application,
    locale: Locale,
    content: super::Rendered,
    grace: chrono::TimeDelta,
) -> Result<bool, MailError> {
    let to = EmailAddress::parse(&application.email).map_err(|_| MailError::HeaderInjection)?;
    enqueue_delayed(
        conn,
        &Email {
            idempotency_key: decision_key(application.id),
            to,
            to_name: application.name.clone(),
            locale,
            content,
            extras: Default::default(),
        },
        grace,
    )
}

fn welcome(
    links: Links<'_>,
    chapter: &Chapter,
    application: &Application,
    approved: &Approved,
) -> Result<super::Rendered, askama::Error> {
    let locale = approved.user.locale();
    templates::ApplicationApproved {
        name: application.name.clone(),
        chapter: chapter.name(locale).to_string(),
        role_key: approved.role.label_key(),
        activation_link: approved
            .activation_token
            .as_deref()
            .map(|t| links.activate(t))
            .unwrap_or_default(),
        signin_link: links.login(),
        chapter_link: links.chapter(chapter),
    }
    .render(locale)
}

/// Brings a welcome still waiting in its undo window up to date (the role changed since the
/// approval), so it says what is true when it is read. False when it already went out.
pub fn rewrite_welcome(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    application: &Application,
    approved: &Approved,
) -> Result<bool, MailError> {
    let content = welcome(links, chapter, application, approved)?;
    super::replace_unsent(conn, &decision_key(application.id), &content)
}

/// "Welcome": sent `grace` after an approval (it can be undone until then).
pub fn application_approved(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    application: &Application,
    approved: &Approved,
    grace: chrono::TimeDelta,
) -> Result<bool, MailError> {
    let content = welcome(links, chapter, application, approved)?;
    decision_email(conn, application, approved.user.locale(), content, grace)
}

/// The rejection, its reason and message, and a status link.
pub fn application_rejected(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    application: &Application,
    status_token: &str,
    grace: chrono::TimeDelta,
) -> Result<bool, MailError> {
    let locale = application.locale();
    let content = templates::ApplicationRejected {
        name: application.name.clone(),
        chapter: chapter.name(locale).to_string(),
        reason_key: crate::domain::applications::reason_key(
            application.reason.as_deref().unwrap_or("other"),
        ),
        message: application.message.clone().unwrap_or_default(),
        status_link: links.status(status_token),
    }
    .render(locale)?;
    decision_email(conn, application, locale, content, grace)
}

/// A site admin made someone an organizer (with an activation link if they have no password).
pub fn organizer_appointed(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    user: &User,
    activation_token: Option<&str>,
) -> Result<bool, MailError> {
    let content = templates::ApplicationApproved {
        name: user.display_name.clone(),
        chapter: chapter.name(user.locale()).to_string(),
        role_key: Role::Organizer.label_key(),
        activation_link: activation_token
            .map(|t| links.activate(t))
            .unwrap_or_default(),
        signin_link: links.login(),
        chapter_link: links.chapter(chapter),
    };
    let key = format!("appointed:{}:{}:{}", chapter.id, user.id, random_token());
    enqueue_for(conn, user, key, |l| content.render(l))
}

/// "Set your password" for a new site admin.
pub fn activation(
    conn: &mut DbConnection,
    links: Links<'_>,
    user: &User,
    token: &str,
) -> Result<bool, MailError> {
    let content = templates::Activation {
        name: user.display_name.clone(),
        link: links.activate(token),
    };
    let key = format!("activate:{}", sha256_hex(token));
    enqueue_for(conn, user, key, |l| content.render(l))
}

/// Someone asked for an account with an address that has one: sign in, or reset.
pub fn account_exists(
    conn: &mut DbConnection,
    links: Links<'_>,
    user: &User,
) -> Result<bool, MailError> {
    let content = templates::AccountExists {
        name: user.display_name.clone(),
        signin: links.login(),
        reset: links.reset_request(),
    };
    let key = format!("exists:{}:{}", user.id, random_token());
    enqueue_for(conn, user, key, |l| content.render(l))
}

/// A password reset link (1 hour).
pub fn password_reset(
    conn: &mut DbConnection,
    links: Links<'_>,
    user: &User,
    token: &str,
) -> Result<bool, MailError> {
    let content = templates::PasswordReset {
        name: user.display_name.clone(),
        link: links.reset(token),
    };
    let key = format!("reset:{}", sha256_hex(token));
    enqueue_for(conn, user, key, |l| content.render(l))
}

/// What happened to the account, so its owner can react. `cause` makes the key unique.
pub fn security_notice(
    conn: &mut DbConnection,
    links: Links<'_>,
    user: &User,
    what_key: &'static str,
    cause: &str,
) -> Result<bool, MailError> {
    let content = templates::SecurityNotice {
        name: user.display_name.clone(),
        what_key,
        when: now_utc(),
        reset_link: links.reset_request(),
    };
    let key = format!("notice:{what_key}:{}", sha256_hex(cause));
    enqueue_for(conn, user, key, |l| content.render(l))
}

/// A role change in a chapter.
pub fn role_changed(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    person: &User,
    role: Role,
) -> Result<bool, MailError> {
    let content = templates::RoleChanged {
        name: person.display_name.clone(),
        chapter: chapter.name(person.locale()).to_string(),
        role_key: role.label_key(),
        chapter_link: links.chapter(chapter),
    };
    let key = format!("role:{}:{}:{}", chapter.id, person.id, random_token());
    enqueue_for(conn, person, key, |l| content.render(l))
}

/// A removal from a chapter, with the organizer's reason.
pub fn member_removed(
    conn: &mut DbConnection,
    chapter: &Chapter,
    person: &User,
    reason: &str,
) -> Result<bool, MailError> {
    let content = templates::MemberRemoved {
        name: person.display_name.clone(),
        chapter: chapter.name(person.locale()).to_string(),
        reason: reason.to_string(),
    };
    let key = format!("removed:{}:{}:{}", chapter.id, person.id, random_token());
    enqueue_for(conn, person, key, |l| content.render(l))
}

/// New applications (or, weekly, ones waiting too long) for one organizer. `key_suffix` names
/// the hour or week, so each goes out once.
pub fn organizer_digest(
    conn: &mut DbConnection,
    links: Links<'_>,
    chapter: &Chapter,
    organizer: &User,
    entries: Vec<templates::DigestEntry>,
    reminder: bool,
    period: &str,
) -> Result<bool, MailError> {
    let content = templates::OrganizerDigest {
        name: organizer.display_name.clone(),
        chapter: chapter.name(organizer.locale()).to_string(),
        entries,
        queue_link: links.review_queue(chapter),
        reminder,
    };
    let kind = if reminder { "reminder" } else { "digest" };
    let key = format!("{kind}:{}:{}:{period}", chapter.id, organizer.id);
    enqueue_for(conn, organizer, key, |l| content.render(l))
}

/// `ogug mail test`: proves the SMTP settings work.
pub fn test_message(
    conn: &mut DbConnection,
    links: Links<'_>,
    to: &EmailAddress,
    locale: Locale,
) -> Result<bool, MailError> {
    let content = templates::TestMessage {
        base_url: links.0.to_string(),
    }
    .render(locale)?;
    enqueue(
        conn,
        &Email {
            idempotency_key: format!("test:{}", random_token()),
            to: to.clone(),
            to_name: String::new(),
            locale,
            content,
            extras: Default::default(),
        },
    )
}
