//! A person's account: signing in and out, activation and reset links, password changes,
//! deletion, and the site admins the command line creates.

use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::accounts;
use crate::domain::audit::{self, AuditAction, Object};
use crate::domain::ids::{SessionId, UserId};
use crate::domain::one_time_tokens::{self, Purpose};
use crate::domain::rate_limits::PasswordFailures;
use crate::domain::sessions;
use crate::domain::users::{self, EmailAddress, User};
use crate::i18n::Locale;
use crate::mail::notices;

/// A right password: the old session (if any) ends, a new one starts (ASVS 7.2.4), and this
/// address's failure count starts again. Returns the new session's raw cookie value.
pub fn sign_in(
    conn: &mut DbConnection,
    actor: &Actor,
    old_session: Option<SessionId>,
    failures: &PasswordFailures,
    remember: bool,
    user_agent: &str,
) -> FlowResult<String> {
    let user = actor.user()?;
    write_transaction(conn, |c| {
        if let Some(id) = old_session {
            sessions::delete(c, id)?;
        }
        failures.clear(c)?;
        actor.audit(c, AuditAction::Login, None, Object::User(user.id), "")?;
        Ok(sessions::create(c, user.id, remember, actor.ip(), user_agent)?.0)
    })
}

/// A wrong password (or an unknown address): counted, and recorded against the account when
/// there is one.
pub fn sign_in_failed(
    conn: &mut DbConnection,
    actor: &Actor,
    failures: &PasswordFailures,
    account: Option<UserId>,
    typed_email: &str,
) -> FlowResult<()> {
    write_transaction(conn, |c| {
        failures.record(c)?;
        if let Some(id) = account {
            audit::record(
                c,
                audit::Entry {
                    actor: Some(id),
                    ip: actor.ip(),
                    action: AuditAction::LoginFailed,
                    chapter: None,
                    object: Object::User(id),
                    details: typed_email,
                },
            )?;
        }
        Ok(())
    })
}

pub fn sign_out(conn: &mut DbConnection, actor: &Actor, session_id: SessionId) -> FlowResult<()> {
    let user = actor.user()?;
    write_transaction(conn, |c| {
        sessions::delete(c, session_id)?;
        actor.audit(c, AuditAction::Logout, None, Object::User(user.id), "")
    })
}

/// Which emailed link sets the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Activate,
    Reset,
}

impl Link {
    pub fn purpose(self) -> Purpose {
        match self {
            Link::Activate => Purpose::Activate,
            Link::Reset => Purpose::ResetPassword,
        }
    }
}

/// Sets the password through an activation or reset link (`hash` already computed). Every other
/// outstanding link of the account dies with it. Activation signs the person in (returns the
/// session's raw value); a reset ends every session and sends a security notice.
pub fn set_password_by_link(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    token: &str,
    link: Link,
    hash: &str,
    (user_agent, page_locale): (&str, crate::i18n::Locale),
) -> FlowResult<Option<String>> {
    write_transaction(conn, |c| {
        let user = accounts::consume_token(c, token, link.purpose())?;
        accounts::set_password(c, user.id, hash, None)?;
        if link == Link::Activate {
            // The language they activated in is the one they read: staff appointed by email
            // have had no other chance to choose.
            accounts::set_locale(c, user.id, page_locale)?;
        }
        let action = match link {
            Link::Activate => AuditAction::AccountActivated,
            Link::Reset => AuditAction::PasswordReset,
        };
        audit::record(
            c,
            audit::Entry {
                actor: Some(user.id),
                ip: actor.ip(),
                action,
                chapter: None,
                object: Object::User(user.id),
                details: "",
            },
        )?;
        match link {
            Link::Activate => Ok(Some(
                sessions::create(c, user.id, false, actor.ip(), user_agent)?.0,
            )),
            Link::Reset => {
                notices::security_notice(
                    c,
                    site.links(),
                    &user,
                    "email.security.password_reset",
                    token,
                )?;
                Ok(None)
            }
        }
    })
}

/// Sends a reset link if the address has an active account, within the unsolicited-mail caps
/// (3 an hour to one address). Returns whether an email was queued; the visitor is told the
/// same either way (ASVS 6.3.8).
pub fn request_reset(
    conn: &mut DbConnection,
    site: &Site,
    email: &EmailAddress,
) -> FlowResult<bool> {
    write_transaction(conn, |c| {
        let Some(user) = users::find_by_email(c, email)? else {
            return Ok(false);
        };
        if user.disabled_at.is_some() || !site.unsolicited_allowed(c, email, "reset")? {
            return Ok(false);
        }
        let token = one_time_tokens::issue(c, Purpose::ResetPassword, Some(user.id), None)?;
        notices::password_reset(c, site.links(), &user, &token)?;
        Ok(true)
    })
}

/// "Get an account" (to propose a talk, say; no membership needed): a new address gets an
/// account and its activation link, an address with an account a "sign in or reset" email.
/// The same answer either way, within the address's email caps.
pub fn sign_up(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    name: &str,
    email: &EmailAddress,
    locale: Locale,
) -> FlowResult<()> {
    write_transaction(conn, |c| {
        if !site.unsolicited_allowed(c, email, "sign-up")? {
            return Ok(());
        }
        match users::find_by_email(c, email)? {
            // A guest's contact row (a registration, a walk-in): its first password.
            Some(user) if user.disabled_at.is_none() && user.password_hash.is_none() => {
                let token = one_time_tokens::issue(c, Purpose::Activate, Some(user.id), None)?;
                notices::activation(c, site.links(), &user, &token)?;
            }
            Some(user) if user.disabled_at.is_none() => {
                notices::account_exists(c, site.links(), &user)?;
            }
            Some(_) => {}
            None => {
                let user = users::create(
                    c,
                    &users::UserProfile {
                        email,
                        display_name: name,
                        organization: "",
                        job_title: "",
                        locale,
                        roster_visible: false,
                    },
                    false,
                )?;
                let token = one_time_tokens::issue(c, Purpose::Activate, Some(user.id), None)?;
                notices::activation(c, site.links(), &user, &token)?;
                actor.audit(
                    c,
                    AuditAction::AccountCreated,
                    None,
                    Object::User(user.id),
                    "",
                )?;
            }
        }
        Ok(())
    })
}

/// Changes the password (the current one was checked): other sessions end (ASVS 7.4.3), this
/// one stays, and the owner is told.
pub fn change_password(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    session_id: SessionId,
    hash: &str,
) -> FlowResult<()> {
    let user = actor.user()?;
    write_transaction(conn, |c| {
        accounts::set_password(c, user.id, hash, Some(session_id))?;
        actor.audit(
            c,
            AuditAction::PasswordChanged,
            None,
            Object::User(user.id),
            "",
        )?;
        notices::security_notice(
            c,
            site.links(),
            user,
            "email.security.password_changed",
            &crate::crypto::random_token(),
        )?;
        Ok(())
    })
}

/// Deletes the signed-in person's account (not while they are a chapter's last organizer);
/// their seats at upcoming events pass to the waitlists.
pub fn delete_account(conn: &mut DbConnection, site: &Site, actor: &Actor) -> FlowResult<()> {
    let user_id = actor.user()?.id;
    write_transaction(conn, |c| {
        let released = accounts::delete_account(c, user_id)?;
        super::events::notify_promoted(c, site, &released)?;
        // The row is gone: the trail keeps the id, not the person.
        audit::record(
            c,
            audit::Entry {
                actor: None,
                ip: actor.ip(),
                action: AuditAction::AccountDeleted,
                chapter: None,
                object: Object::User(user_id),
                details: "",
            },
        )?;
        Ok(())
    })
}

/// `ogug admin create`: makes (or finds) a site admin and emails a one-time activation link,
/// which is also returned for the operator.
pub fn create_site_admin(
    conn: &mut DbConnection,
    site: &Site,
    email: &EmailAddress,
    name: &str,
) -> FlowResult<(User, String)> {
    write_transaction(conn, |c| {
        let user = users::ensure_site_admin(c, email, name)?;
        let token = one_time_tokens::issue(c, Purpose::Activate, Some(user.id), None)?;
        // The operator sees the link either way; the email is capped like any other.
        if site.unsolicited_allowed(c, email, "activation")? {
            notices::activation(c, site.links(), &user, &token)?;
        }
        Ok((user, token))
    })
}

/// An operator's fresh one-time link for a person: activation if they never set a password,
/// a reset link otherwise (earlier links of the same kind stop working when it is used).
pub fn operator_link(conn: &mut DbConnection, email: &EmailAddress) -> FlowResult<(Link, String)> {
    write_transaction(conn, |c| {
        let user = users::find_by_email(c, email)?.ok_or(crate::domain::DomainError::NotFound)?;
        let link = if user.password_hash.is_none() {
            Link::Activate
        } else {
            Link::Reset
        };
        let token = one_time_tokens::issue(c, link.purpose(), Some(user.id), None)?;
        Ok((link, token))
    })
}

/// Saves the person's own profile and settings.
pub fn save_profile(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &accounts::ProfileInput,
) -> FlowResult<()> {
    let user_id = actor.user()?.id;
    write_transaction(conn, |c| Ok(accounts::update_profile(c, user_id, input)?))
}
