//! Who belongs to which chapter, in which role.

use super::{DomainResult, now};
use crate::db::DbConnection;
use crate::db::schema::{memberships, users};
use diesel::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Organizer,
    Ambassador,
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Organizer, Role::Ambassador, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organizer => "organizer",
            Role::Ambassador => "ambassador",
            Role::Member => "member",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// Catalog key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Organizer => "role.organizer",
            Role::Ambassador => "role.ambassador",
            Role::Member => "role.member",
        }
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub id: i64,
    pub chapter_id: i64,
    pub user_id: i64,
    pub role: String,
    pub joined_at: chrono::NaiveDateTime,
}

impl Membership {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Member)
    }
}

pub fn add(conn: &mut DbConnection, chapter_id: i64, user_id: i64, role: Role) -> DomainResult<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::chapter_id.eq(chapter_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role.as_str()),
            memberships::joined_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| super::unique_violation_as(e, "already_member"))?;
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    chapter_id: i64,
    user_id: i64,
) -> DomainResult<Option<Membership>> {
    Ok(memberships::table
        .filter(memberships::chapter_id.eq(chapter_id))
        .filter(memberships::user_id.eq(user_id))
        .select(Membership::as_select())
        .first(conn)
        .optional()?)
}

/// One person on the public roster.
#[derive(Debug, Clone)]
pub struct RosterEntry {
    pub name: String,
    pub organization: String,
    pub job_title: String,
    pub role: Role,
}

/// Opted-in people of a chapter, organizers first, then ambassadors, then members, each group in
/// joining order (the seed's "首批成员" list is the model).
pub fn public_roster(conn: &mut DbConnection, chapter_id: i64) -> DomainResult<Vec<RosterEntry>> {
    let rows: Vec<(String, String, String, String)> = memberships::table
        .inner_join(users::table)
        .filter(memberships::chapter_id.eq(chapter_id))
        .filter(users::roster_visible.eq(true))
        .filter(users::disabled_at.is_null())
        .order((memberships::joined_at.asc(), memberships::id.asc()))
        .select((
            users::display_name,
            users::organization,
            users::job_title,
            memberships::role,
        ))
        .limit(500)
        .load(conn)?;
    let mut roster: Vec<RosterEntry> = rows
        .into_iter()
        .map(|(name, organization, job_title, role)| RosterEntry {
            name,
            organization,
            job_title,
            role: Role::parse(&role).unwrap_or(Role::Member),
        })
        .collect();
    roster.sort_by_key(|e| e.role);
    Ok(roster)
}
