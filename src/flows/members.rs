//! Roles in a chapter: role changes, removals, members leaving, organizers appointed.

use super::{Actor, FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::applications::{self, Approved};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::chapters::{self, Chapter};
use crate::domain::ids::UserId;
use crate::domain::memberships::{self, Role};
use crate::domain::one_time_tokens::{self, Purpose};
use crate::domain::users::{self, EmailAddress, User};
use crate::mail::{self, notices};

/// Gives a member another role and tells them. Returns false when the role was already theirs
/// (nothing written, nobody emailed).
pub fn change_role(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    user_id: UserId,
    role: Role,
) -> FlowResult<bool> {
    actor.user()?;
    write_transaction(conn, |c| {
        let old = memberships::change_role(c, chapter.id, user_id, role)?;
        if old == role {
            return Ok(false);
        }
        let person = users::find(c, user_id)?;
        // A welcome still in its undo window names the new role instead of being contradicted
        // by a role-change email that would arrive before it.
        let rewritten = match applications::approval_of(c, chapter.id, user_id)? {
            Some(application)
                if mail::outbox::is_unsent(c, &notices::decision_key(application.id))? =>
            {
                let activation_token = match person.password_hash {
                    Some(_) => None,
                    None => Some(one_time_tokens::issue(
                        c,
                        Purpose::Activate,
                        Some(user_id),
                        None,
                    )?),
                };
                let approved = Approved {
                    user: person.clone(),
                    activation_token,
                    role,
                };
                notices::rewrite_welcome(c, site.links(), chapter, &application, &approved)?
            }
            _ => false,
        };
        if !rewritten {
            notices::role_changed(c, site.links(), chapter, &person, role)?;
        }
        let details = format!("{} -> {}", old.as_str(), role.as_str());
        actor.audit(
            c,
            AuditAction::RoleChanged,
            Some(chapter.id),
            Object::User(user_id),
            &details,
        )?;
        Ok(true)
    })
}

/// An organizer removes a member, with a reason the member is told. Their seats at upcoming
/// events pass to the waitlists.
pub fn remove(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
    user_id: UserId,
    reason: &str,
) -> FlowResult<()> {
    actor.user()?;
    write_transaction(conn, |c| {
        memberships::remove(c, chapter.id, user_id)?;
        // Their answers to the chapter's upcoming events go too: seats pass to the waitlist.
        let released = crate::domain::events::release_upcoming(c, user_id, Some(chapter.id))?;
        super::events::notify_promoted(c, site, &released)?;
        let person = users::find(c, user_id)?;
        // A welcome not yet sent would arrive after the removal and say the opposite.
        if let Some(application) = applications::approval_of(c, chapter.id, user_id)? {
            mail::cancel_unsent(c, &notices::decision_key(application.id))?;
        }
        notices::member_removed(c, chapter, &person, reason)?;
        actor.audit(
            c,
            AuditAction::MemberRemoved,
            Some(chapter.id),
            Object::User(user_id),
            reason,
        )
    })
}

/// A member leaves a chapter (the last organizer cannot).
pub fn leave(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter: &Chapter,
) -> FlowResult<()> {
    let me = actor.user()?.id;
    write_transaction(conn, |c| {
        memberships::remove(c, chapter.id, me)?;
        let released = crate::domain::events::release_upcoming(c, me, Some(chapter.id))?;
        super::events::notify_promoted(c, site, &released)?;
        actor.audit(
            c,
            AuditAction::MemberLeft,
            Some(chapter.id),
            Object::User(me),
            "",
        )
    })
}

/// A site admin makes someone (found or created by email) an organizer of a chapter; they get
/// an email, with an activation link when they have no password yet.
pub fn appoint_organizer(
    conn: &mut DbConnection,
    site: &Site,
    actor: &Actor,
    chapter_slug: &str,
    email: &EmailAddress,
    name: &str,
) -> FlowResult<User> {
    actor.user()?;
    write_transaction(conn, |c| {
        let chapter = chapters::find_by_slug(c, chapter_slug)?;
        let (user, token) = memberships::appoint_organizer(c, chapter.id, email, name)?;
        notices::organizer_appointed(c, site.links(), &chapter, &user, token.as_deref())?;
        actor.audit(
            c,
            AuditAction::OrganizerAppointed,
            Some(chapter.id),
            Object::User(user.id),
            "",
        )?;
        Ok(user)
    })
}
