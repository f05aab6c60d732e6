//! Who may do what to which object (DESIGN.md section 4), in one place: pure functions over the
//! facts a caller has already read (the person, their role in the chapter, the object), used by
//! handlers and flows alike. Each route in the route table names the [`Permission`] it needs at
//! least; an object's own rule (an ambassador's own event, a talk's speakers, a directory entry's
//! stakeholders) is decided here too.

use crate::domain::ids::UserId;
use crate::domain::memberships::Role;
use crate::domain::users::User;

/// The least a route asks of the person (the route table names one per path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Anyone, signed in or not: public pages, and links whose token is the permission.
    Public,
    /// Anyone signed in.
    SignedIn,
    /// A member of the chapter in the path, in any role.
    Member,
    /// An organizer or ambassador of the chapter in the path (events, the door, the desk).
    EventEditor,
    /// An organizer of the chapter in the path.
    Organizer,
    /// A site admin.
    SiteAdmin,
}

impl Permission {
    /// Is this permission about the chapter in the path (decided once the chapter is read)?
    pub fn is_chapter_scoped(self) -> bool {
        matches!(
            self,
            Permission::Member | Permission::EventEditor | Permission::Organizer
        )
    }
}

/// Who is asking, as far as permissions go: whether they are signed in, a site admin, and
/// their role in the chapter concerned (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Viewer {
    pub user: Option<UserId>,
    pub site_admin: bool,
    pub role: Option<Role>,
}

impl Viewer {
    pub fn of(user: Option<&User>, role: Option<Role>) -> Viewer {
        Viewer {
            user: user.map(|u| u.id),
            site_admin: user.is_some_and(|u| u.is_site_admin),
            role,
        }
    }
}

/// The answer to "may they?", with the reason when not: signing in may help, or it would not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    SignInFirst,
    Refused,
}

/// May this viewer use a route that needs `need`? Site admins may do anything a role may.
pub fn may(viewer: Viewer, need: Permission) -> bool {
    decide(viewer, need) == Decision::Allowed
}

/// [`may`], with the reason when not.
pub fn decide(viewer: Viewer, need: Permission) -> Decision {
    if need == Permission::Public {
        return Decision::Allowed;
    }
    if viewer.user.is_none() {
        return Decision::SignInFirst;
    }
    let allowed = viewer.site_admin
        || match need {
            Permission::Public | Permission::SignedIn => true,
            Permission::Member => viewer.role.is_some(),
            Permission::EventEditor => {
                matches!(viewer.role, Some(Role::Organizer | Role::Ambassador))
            }
            Permission::Organizer => viewer.role == Some(Role::Organizer),
            Permission::SiteAdmin => false,
        };
    if allowed {
        Decision::Allowed
    } else {
        Decision::Refused
    }
}

/// May this viewer edit this event? Organizers any of their chapter's; ambassadors the ones
/// they created.
pub fn may_edit_event(viewer: Viewer, created_by: Option<UserId>) -> bool {
    viewer.site_admin
        || match viewer.role {
            Some(Role::Organizer) => viewer.user.is_some(),
            Some(Role::Ambassador) => viewer.user.is_some() && created_by == viewer.user,
            _ => false,
        }
}

/// May this person add entries to the organizations directory? Site admins and anyone who
/// organizes some chapter.
pub fn may_add_organization(user: &User, organizes_a_chapter: bool) -> bool {
    user.is_site_admin || organizes_a_chapter
}

/// What ties a person to a directory entry (read by `organizations::stake`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stake {
    /// They created the entry.
    pub created_it: bool,
    /// They organize a chapter that its creator organizes, or whose events it hosted or
    /// sponsored.
    pub organizes_a_stakeholder: bool,
}

/// May this person change a directory entry? Site admins, its creator, and organizers of a
/// chapter with a stake in it; anyone else may only suggest a change.
pub fn may_edit_organization(user: &User, stake: Stake) -> bool {
    user.is_site_admin || stake.created_it || stake.organizes_a_stakeholder
}

/// May this person change or withdraw a talk? Only its speakers.
pub fn may_change_talk(is_speaker: bool) -> bool {
    is_speaker
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Option<Role>) -> Viewer {
        Viewer {
            user: Some(UserId(7)),
            site_admin: false,
            role,
        }
    }

    #[test]
    fn roles_rank_as_the_design_says() {
        let anonymous = Viewer::default();
        assert_eq!(decide(anonymous, Permission::Public), Decision::Allowed);
        assert_eq!(decide(anonymous, Permission::Member), Decision::SignInFirst);
        let member = viewer(Some(Role::Member));
        assert!(may(member, Permission::Member));
        assert_eq!(decide(member, Permission::EventEditor), Decision::Refused);
        let ambassador = viewer(Some(Role::Ambassador));
        assert!(may(ambassador, Permission::EventEditor));
        assert!(!may(ambassador, Permission::Organizer));
        assert!(may(viewer(Some(Role::Organizer)), Permission::Organizer));
        assert!(!may(viewer(Some(Role::Organizer)), Permission::SiteAdmin));
        let admin = Viewer {
            site_admin: true,
            ..viewer(None)
        };
        assert!(may(admin, Permission::Organizer) && may(admin, Permission::SiteAdmin));
    }

    #[test]
    fn ambassadors_edit_only_their_own_events() {
        let ambassador = viewer(Some(Role::Ambassador));
        assert!(may_edit_event(ambassador, Some(UserId(7))));
        assert!(!may_edit_event(ambassador, Some(UserId(8))));
        assert!(!may_edit_event(ambassador, None));
        assert!(may_edit_event(
            viewer(Some(Role::Organizer)),
            Some(UserId(8))
        ));
        assert!(!may_edit_event(viewer(Some(Role::Member)), Some(UserId(7))));
    }
}
