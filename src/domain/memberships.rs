//! Who belongs to which chapter, in which role.

use super::{DomainResult, now};
use crate::db::DbConnection;
use crate::db::schema::{memberships, users};
use crate::domain::Conflict;
use crate::domain::ids::*;
use crate::domain::text::lower;
use diesel::prelude::*;

crate::text_enum! {
    /// A role in a chapter, most powerful first.
    #[derive(PartialOrd, Ord)]
    pub enum Role {
        Organizer => "organizer",
        Ambassador => "ambassador",
        Member => "member",
    }
}

impl Role {
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
    pub id: MembershipId,
    pub chapter_id: ChapterId,
    pub user_id: UserId,
    pub role: Role,
    pub joined_at: chrono::NaiveDateTime,
}

impl Membership {
    pub fn role(&self) -> Role {
        self.role
    }
}

pub fn add(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    user_id: UserId,
    role: Role,
) -> DomainResult<()> {
    diesel::insert_into(memberships::table)
        .values((
            memberships::chapter_id.eq(chapter_id),
            memberships::user_id.eq(user_id),
            memberships::role.eq(role.as_str()),
            memberships::joined_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| super::unique_violation_as(e, super::Conflict::AlreadyMember))?;
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    user_id: UserId,
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

/// How many members (not organizers or ambassadors) the public roster lists at most.
pub const ROSTER_MEMBERS: i64 = 60;

/// The public roster: everyone who opted in, organizers first, then ambassadors, then members,
/// each group in joining order (the seed's "首批成员" list is the model). Members stop at
/// `ROSTER_MEMBERS`; `more_members` says whether more opted in.
#[derive(Debug, Clone)]
pub struct Roster {
    pub entries: Vec<RosterEntry>,
    pub more_members: bool,
}

pub fn public_roster(conn: &mut DbConnection, chapter_id: ChapterId) -> DomainResult<Roster> {
    // One walk of the (chapter_id, listed, role, id) index per role, in joining order: with a
    // single role PostgreSQL reads the index in order and stops at the limit (with `role IN
    // (…)` it read and sorted all 400 listed members of a 20 k-member chapter: 2–10 ms).
    // `listed` is kept by triggers from the user's roster setting and status.
    let listed = |conn: &mut DbConnection, role: Role, limit: i64| {
        memberships::table
            .inner_join(users::table)
            .filter(memberships::chapter_id.eq(chapter_id))
            .filter(memberships::listed.eq(true))
            .filter(memberships::role.eq(role.as_str()))
            .order(memberships::id.asc())
            .select((
                users::display_name,
                users::organization,
                users::job_title,
                memberships::role,
            ))
            .limit(limit)
            .load::<(String, String, String, String)>(conn)
    };
    let mut rows = listed(conn, Role::Organizer, 1000)?;
    rows.extend(listed(conn, Role::Ambassador, 1000)?);
    let mut members = listed(conn, Role::Member, ROSTER_MEMBERS + 1)?;
    let more_members = members.len() as i64 > ROSTER_MEMBERS;
    members.truncate(ROSTER_MEMBERS as usize);
    rows.extend(members);
    // Already grouped by role: organizers, ambassadors, members.
    let entries: Vec<RosterEntry> = rows
        .into_iter()
        .map(|(name, organization, job_title, role)| RosterEntry {
            name,
            organization,
            job_title,
            role: Role::parse(&role).unwrap_or(Role::Member),
        })
        .collect();
    Ok(Roster {
        entries,
        more_members,
    })
}

/// A row of a chapter's member list.
#[derive(Debug, Clone)]
pub struct MemberRow {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub organization: String,
    pub job_title: String,
    pub role: Role,
    pub joined_at: chrono::NaiveDateTime,
    /// Events of this chapter they were checked in at.
    pub attended: i64,
}

pub const MEMBERS_PAGE: i64 = 50;

/// A member-list row as loaded: id, name, email, organization, job title, role, joined,
/// events attended.
type MemberTuple = (
    UserId,
    String,
    String,
    String,
    String,
    String,
    chrono::NaiveDateTime,
    i64,
);

/// Members of a chapter: organizers first, then by name; filter by role and search text.
pub fn list(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    role: Option<Role>,
    search: Option<&str>,
    page: i64,
    by_attendance: bool,
) -> DomainResult<(Vec<MemberRow>, i64)> {
    let filtered = || {
        let mut q = memberships::table
            .inner_join(users::table)
            .filter(memberships::chapter_id.eq(chapter_id))
            .filter(users::disabled_at.is_null())
            .into_boxed();
        if let Some(role) = role {
            q = q.filter(memberships::role.eq(role.as_str()));
        }
        if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
            let pattern = crate::domain::text::like_pattern(s);
            q = q.filter(
                lower(users::display_name)
                    .like(pattern.clone())
                    .or(lower(users::email).like(pattern.clone()))
                    .or(lower(users::organization).like(pattern)),
            );
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    // Organizers, ambassadors, members; a fixed SQL fragment, the same on both backends.
    let rank = diesel::dsl::sql::<diesel::sql_types::Integer>(
        "CASE memberships.role WHEN 'organizer' THEN 0 WHEN 'ambassador' THEN 1 ELSE 2 END",
    );
    // Events of this chapter the person was checked in at (organizers spot future ambassadors).
    let attended = || {
        diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT COUNT(*) FROM rsvps JOIN events ON events.id = rsvps.event_id \
              WHERE rsvps.user_id = users.id AND events.chapter_id = memberships.chapter_id \
              AND rsvps.checked_in_at IS NOT NULL)",
        )
    };
    let mut q = filtered();
    q = if by_attendance {
        q.order((
            attended().desc(),
            users::display_name.asc(),
            users::id.asc(),
        ))
    } else {
        q.order((rank.asc(), users::display_name.asc(), users::id.asc()))
    };
    let rows: Vec<MemberTuple> = q
        .select((
            users::id,
            users::display_name,
            users::email,
            users::organization,
            users::job_title,
            memberships::role,
            memberships::joined_at,
            attended(),
        ))
        .offset(page.max(0) * MEMBERS_PAGE)
        .limit(MEMBERS_PAGE)
        .load(conn)?;
    let rows: Vec<MemberRow> = rows
        .into_iter()
        .map(
            |(user_id, name, email, organization, job_title, role, joined_at, attended)| {
                MemberRow {
                    user_id,
                    name,
                    email,
                    organization,
                    job_title,
                    role: Role::parse(&role).unwrap_or(Role::Member),
                    joined_at,
                    attended,
                }
            },
        )
        .collect();
    Ok((rows, total))
}

/// The chapter's organizers, counted under the chapter row's lock: two organizers demoting each
/// other (or leaving) at once on two instances then count one after the other, and the second
/// sees the first's change (read committed would let both see two).
fn organizer_count(conn: &mut DbConnection, chapter_id: ChapterId) -> DomainResult<i64> {
    crate::db::lock_row(conn, "chapters", chapter_id.get())?;
    Ok(memberships::table
        .filter(memberships::chapter_id.eq(chapter_id))
        .filter(memberships::role.eq(Role::Organizer.as_str()))
        .count()
        .get_result(conn)?)
}

/// Changes a member's role. The last organizer cannot be demoted. Returns the old role.
pub fn change_role(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    user_id: UserId,
    role: Role,
) -> DomainResult<Role> {
    let current = find(conn, chapter_id, user_id)?.ok_or(super::DomainError::NotFound)?;
    let old = current.role();
    if old == Role::Organizer && role != Role::Organizer && organizer_count(conn, chapter_id)? <= 1
    {
        return Err(super::DomainError::Conflict(Conflict::LastOrganizer));
    }
    diesel::update(memberships::table.find(current.id))
        .set(memberships::role.eq(role.as_str()))
        .execute(conn)?;
    Ok(old)
}

/// Ends a membership (removal or leaving); the last organizer cannot go. The caller releases
/// the person's seats at the chapter's upcoming events (`events::release_upcoming`).
pub fn remove(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    user_id: UserId,
) -> DomainResult<Role> {
    let current = find(conn, chapter_id, user_id)?.ok_or(super::DomainError::NotFound)?;
    let role = current.role();
    if role == Role::Organizer && organizer_count(conn, chapter_id)? <= 1 {
        return Err(super::DomainError::Conflict(Conflict::LastOrganizer));
    }
    diesel::delete(memberships::table.find(current.id)).execute(conn)?;
    Ok(role)
}

/// Makes a person (found or created by email) an organizer of a chapter. Returns the user and,
/// when they have no password yet, a fresh activation token for the email.
pub fn appoint_organizer(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    email: &super::users::EmailAddress,
    name: &str,
) -> DomainResult<(super::users::User, Option<String>)> {
    use super::one_time_tokens::{self, Purpose};
    use super::users::{self, UserProfile};
    let user = match users::find_by_email(conn, email)? {
        Some(u) => u,
        None => users::create(
            conn,
            &UserProfile {
                email,
                display_name: name,
                organization: "",
                job_title: "",
                locale: crate::i18n::Locale::ZhCn,
                roster_visible: false,
            },
            false,
        )?,
    };
    match find(conn, chapter_id, user.id)? {
        Some(m) => {
            diesel::update(memberships::table.find(m.id))
                .set(memberships::role.eq(Role::Organizer.as_str()))
                .execute(conn)?;
        }
        None => add(conn, chapter_id, user.id, Role::Organizer)?,
    }
    let token = match user.password_hash {
        Some(_) => None,
        None => Some(one_time_tokens::issue(
            conn,
            Purpose::Activate,
            Some(user.id),
            None,
        )?),
    };
    Ok((user, token))
}

/// The chapters a person belongs to, by slug: (slug, name_zh, name_en, role).
pub fn chapters_of(
    conn: &mut DbConnection,
    user_id: UserId,
) -> DomainResult<Vec<(String, String, String, String)>> {
    use crate::db::schema::chapters;
    Ok(memberships::table
        .inner_join(chapters::table)
        .filter(memberships::user_id.eq(user_id))
        .order(chapters::slug)
        .select((
            chapters::slug,
            chapters::name_zh,
            chapters::name_en,
            memberships::role,
        ))
        .load(conn)?)
}
