//! The organizations directory and speaker profiles: what people show of themselves and their
//! companies, pictures included.

use super::{Actor, FlowResult};
use crate::db::{DbConnection, write_transaction};
use crate::domain::DomainError;
use crate::domain::access::{self, Permission, Viewer};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::ids::*;
use crate::domain::images::{self, CleanImage};
use crate::domain::organizations::{self, Organization, OrganizationInput};
use crate::domain::speakers::{self, ProfileInput};

fn require_editor(c: &mut DbConnection, actor: &Actor) -> FlowResult<UserId> {
    let me = actor.user()?;
    if access::may_add_organization(me, organizations::organizes_a_chapter(c, me.id)?) {
        Ok(me.id)
    } else {
        Err(DomainError::Forbidden.into())
    }
}

/// An organizer (of any chapter) or a site admin adds an organization, with its logo if given.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &OrganizationInput,
    logo: Option<&CleanImage>,
) -> FlowResult<Organization> {
    write_transaction(conn, |c| {
        let me = require_editor(c, actor)?;
        let org = organizations::insert(c, input, me)?;
        if let Some(logo) = logo {
            let hash = images::store(c, logo, Some(me))?;
            organizations::set_logo(c, org.id, &hash)?;
        }
        actor.audit(
            c,
            AuditAction::OrganizationCreated,
            None,
            Object::Organization(org.id),
            "",
        )?;
        Ok(org)
    })
}

/// Changes an organization's names, link, description and, if given, its logo: for site admins
/// and organizers of a chapter with a stake in the entry (`access::may_edit_organization`).
pub fn edit(
    conn: &mut DbConnection,
    actor: &Actor,
    id: OrganizationId,
    input: &OrganizationInput,
    logo: Option<&CleanImage>,
) -> FlowResult<()> {
    write_transaction(conn, |c| {
        let me = actor.user()?;
        if !access::may_edit_organization(me, organizations::stake(c, me.id, id)?) {
            return Err(DomainError::Forbidden.into());
        }
        let me = me.id;
        let org = organizations::find(c, id)?;
        if org.merged_into.is_some() {
            return Err(DomainError::NotFound.into());
        }
        organizations::update(c, id, input)?;
        if let Some(logo) = logo {
            let hash = images::store(c, logo, Some(me))?;
            organizations::set_logo(c, id, &hash)?;
        }
        actor.audit(
            c,
            AuditAction::OrganizationEdited,
            None,
            Object::Organization(id),
            "",
        )
    })
}

/// Someone who may not edit an entry suggests a change: every site admin gets it by email (in
/// their language), and the site-wide audit records it. Nothing in the entry changes.
pub fn suggest_change(
    conn: &mut DbConnection,
    site: &super::Site,
    actor: &Actor,
    id: OrganizationId,
    input: &OrganizationInput,
) -> FlowResult<()> {
    let me = actor.user()?.clone();
    write_transaction(conn, |c| {
        let org = organizations::find(c, id)?;
        if org.merged_into.is_some() {
            return Err(DomainError::NotFound.into());
        }
        let key = crate::crypto::random_token()[..16].to_string();
        for admin in crate::domain::users::site_admins(c)? {
            crate::mail::notices::organization_suggestion(
                c,
                site.links(),
                (&org, input),
                (&me, &admin),
                &key,
            )?;
        }
        actor.audit(
            c,
            AuditAction::OrganizationChangeSuggested,
            None,
            Object::Organization(id),
            "",
        )
    })
}

/// A site admin folds a duplicate into another organization.
pub fn merge(
    conn: &mut DbConnection,
    actor: &Actor,
    from: OrganizationId,
    into: OrganizationId,
) -> FlowResult<usize> {
    if !access::may(Viewer::of(Some(actor.user()?), None), Permission::SiteAdmin) {
        return Err(DomainError::Forbidden.into());
    }
    write_transaction(conn, |c| {
        let moved = organizations::merge(c, from, into)?;
        actor.audit(
            c,
            AuditAction::OrganizationsMerged,
            None,
            Object::Organization(into),
            &format!("{from} → {into}: {moved}"),
        )?;
        Ok(moved)
    })
}

/// A person saves their speaker profile, with a new photo if given.
pub fn save_speaker_profile(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &ProfileInput,
    photo: Option<&CleanImage>,
) -> FlowResult<()> {
    let me = actor.user()?.id;
    write_transaction(conn, |c| {
        speakers::save(c, me, input)?;
        if let Some(photo) = photo {
            let hash = images::store(c, photo, Some(me))?;
            speakers::set_photo(c, me, &hash)?;
        }
        actor.audit(
            c,
            AuditAction::SpeakerProfileSaved,
            None,
            Object::User(me),
            if input.public.is_some() {
                "public"
            } else {
                "private"
            },
        )
    })
}
