//! The site-wide directory of organizations (companies, universities, communities) that host,
//! sponsor and send speakers to meetups; shared by every chapter.

mod balance;
pub use balance::{BalanceRow, balance};

use crate::db::DbConnection;
use crate::db::schema::{chapters, event_hosts, events, organizations};
use crate::domain::events::EventStatus;
use crate::domain::ids::*;
use crate::domain::text::{check_line, check_text, like_pattern};
use crate::domain::{Conflict, DomainError, DomainResult, FieldErrors, now};
use crate::i18n::Locale;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = organizations)]
pub struct Organization {
    pub id: OrganizationId,
    pub name_zh: String,
    pub name_en: String,
    pub website: String,
    pub description: String,
    pub logo_hash: Option<String>,
    pub merged_into: Option<OrganizationId>,
    pub created_by: Option<UserId>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl Organization {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.name_en.is_empty() => &self.name_en,
            _ if !self.name_zh.is_empty() => &self.name_zh,
            _ => &self.name_en,
        }
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OrganizationInput {
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub description: String,
}

pub fn validate(input: &OrganizationInput) -> Result<OrganizationInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let names_empty = input.name_zh.trim().is_empty() && input.name_en.trim().is_empty();
    if names_empty {
        errors.add("name_zh", "error.name_one_language");
    }
    for (field, value) in [("name_zh", &input.name_zh), ("name_en", &input.name_en)] {
        if let Err(key) = check_line(value, 200, false) {
            errors.add(field, key);
        }
    }
    if !crate::domain::text::url_ok(&input.website) {
        errors.add("website", "error.url_invalid");
    }
    if let Err(key) = check_text(&input.description, 2000, false) {
        errors.add("description", key);
    }
    errors.into_result().map_err(|e| match e {
        DomainError::Invalid(f) => f,
        _ => FieldErrors::default(),
    })?;
    Ok(OrganizationInput {
        name_zh: input.name_zh.trim().to_string(),
        name_en: input.name_en.trim().to_string(),
        website: input.website.trim().to_string(),
        description: input.description.trim().to_string(),
    })
}

pub fn insert(
    conn: &mut DbConnection,
    input: &OrganizationInput,
    by: UserId,
) -> DomainResult<Organization> {
    let at = now();
    Ok(diesel::insert_into(organizations::table)
        .values((
            organizations::name_zh.eq(&input.name_zh),
            organizations::name_en.eq(&input.name_en),
            organizations::website.eq(&input.website),
            organizations::description.eq(&input.description),
            organizations::created_by.eq(Some(by)),
            organizations::created_at.eq(at),
            organizations::updated_at.eq(at),
        ))
        .returning(organizations::all_columns)
        .get_result::<Organization>(conn)?)
}

pub fn update(
    conn: &mut DbConnection,
    id: OrganizationId,
    input: &OrganizationInput,
) -> DomainResult<()> {
    diesel::update(organizations::table.find(id))
        .set((
            organizations::name_zh.eq(&input.name_zh),
            organizations::name_en.eq(&input.name_en),
            organizations::website.eq(&input.website),
            organizations::description.eq(&input.description),
            organizations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_logo(conn: &mut DbConnection, id: OrganizationId, hash: &str) -> DomainResult<()> {
    diesel::update(organizations::table.find(id))
        .set((
            organizations::logo_hash.eq(Some(hash)),
            organizations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Any organization by id, merged ones included (their page sends to the one they became).
pub fn find(conn: &mut DbConnection, id: OrganizationId) -> DomainResult<Organization> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

pub const PAGE: i64 = 50;

/// The directory (merged duplicates left out), by name, optionally searched; one page.
pub fn list(
    conn: &mut DbConnection,
    search: &str,
    page: i64,
) -> DomainResult<(Vec<Organization>, bool)> {
    let mut query = organizations::table
        .filter(organizations::merged_into.is_null())
        .select(Organization::as_select())
        .into_boxed();
    if !search.trim().is_empty() {
        let pattern = like_pattern(search.trim());
        query = query.filter(
            crate::domain::text::lower(organizations::name_zh)
                .like(pattern.clone())
                .or(crate::domain::text::lower(organizations::name_en).like(pattern)),
        );
    }
    let mut rows = query
        .order((organizations::name_en.asc(), organizations::id.asc()))
        .limit(PAGE + 1)
        .offset(page.max(0) * PAGE)
        .load(conn)?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok((rows, more))
}

/// The live organization whose Chinese or English name is this one (case-insensitive), so an
/// event's host typed as text links to the directory.
pub fn by_name(conn: &mut DbConnection, name: &str) -> DomainResult<Option<OrganizationId>> {
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return Ok(None);
    }
    Ok(organizations::table
        .filter(organizations::merged_into.is_null())
        .filter(
            crate::domain::text::lower(organizations::name_zh)
                .eq(&name)
                .or(crate::domain::text::lower(organizations::name_en).eq(&name)),
        )
        .order(organizations::id.asc())
        .select(organizations::id)
        .first(conn)
        .optional()?)
}

/// Every live organization's names, for the event form's suggestions.
pub fn all_names(conn: &mut DbConnection) -> DomainResult<Vec<(String, String)>> {
    Ok(organizations::table
        .filter(organizations::merged_into.is_null())
        .order(organizations::name_en.asc())
        .select((organizations::name_zh, organizations::name_en))
        .limit(2000)
        .load(conn)?)
}

/// Folds a duplicate into another: its hosts and sponsorships move, and it is hidden.
pub fn merge(
    conn: &mut DbConnection,
    from: OrganizationId,
    into: OrganizationId,
) -> DomainResult<usize> {
    if from == into {
        return Err(DomainError::Invalid(FieldErrors(
            [("into", "error.merge_same")].into_iter().collect(),
        )));
    }
    // Both rows locked in id order before either is read: A→B and B→A at the same moment on
    // two instances then run one after the other, and the second finds the first's merge.
    for id in [from.min(into), from.max(into)] {
        crate::db::lock_row(conn, "organizations", id.get())?;
    }
    let target = find(conn, into)?;
    let source = find(conn, from)?;
    if target.merged_into.is_some() || source.merged_into.is_some() {
        return Err(DomainError::Conflict(Conflict::Merged));
    }
    let moved = diesel::update(event_hosts::table.filter(event_hosts::organization_id.eq(from)))
        .set(event_hosts::organization_id.eq(Some(into)))
        .execute(conn)?;
    diesel::update(organizations::table.filter(organizations::merged_into.eq(from)))
        .set(organizations::merged_into.eq(Some(into)))
        .execute(conn)?;
    diesel::update(organizations::table.find(from))
        .set((
            organizations::merged_into.eq(Some(into)),
            organizations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    if target.logo_hash.is_none()
        && let Some(logo) = source.logo_hash
    {
        set_logo(conn, into, &logo)?;
    }
    Ok(moved)
}

/// An organization's part in one event.
#[derive(Debug, Clone)]
pub struct Hosting {
    pub chapter_slug: String,
    pub event_slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub starts_at: chrono::NaiveDateTime,
    pub kind: String,
    pub level: String,
}

/// The published events an organization hosted or sponsored, latest first.
pub fn hostings(conn: &mut DbConnection, id: OrganizationId) -> DomainResult<Vec<Hosting>> {
    let rows: Vec<(
        String,
        String,
        String,
        String,
        chrono::NaiveDateTime,
        String,
        String,
    )> = event_hosts::table
        .inner_join(events::table.inner_join(chapters::table))
        .filter(event_hosts::organization_id.eq(id))
        .filter(events::status.eq(EventStatus::Published))
        .order(events::starts_at.desc())
        .select((
            chapters::slug,
            events::slug,
            events::title_zh,
            events::title_en,
            events::starts_at,
            event_hosts::kind,
            event_hosts::level,
        ))
        .limit(200)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(chapter_slug, event_slug, title_zh, title_en, starts_at, kind, level)| Hosting {
                chapter_slug,
                event_slug,
                title_zh,
                title_en,
                starts_at,
                kind,
                level,
            },
        )
        .collect())
}

/// The organizations that hosted or sponsored a chapter's published events since a time,
/// most events first.
pub fn recent_for_chapter(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    since: chrono::NaiveDateTime,
) -> DomainResult<Vec<(Organization, i64)>> {
    let counts: Vec<(OrganizationId, i64)> = event_hosts::table
        .inner_join(events::table)
        .filter(events::chapter_id.eq(chapter_id))
        .filter(events::status.eq(EventStatus::Published))
        .filter(events::starts_at.ge(since))
        .filter(event_hosts::organization_id.is_not_null())
        .group_by(event_hosts::organization_id)
        .select((
            event_hosts::organization_id.assume_not_null(),
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let ids: Vec<OrganizationId> = counts.iter().map(|(id, _)| *id).collect();
    let orgs: Vec<Organization> = organizations::table
        .filter(organizations::id.eq_any(&ids))
        .select(Organization::as_select())
        .load(conn)?;
    let mut out: Vec<(Organization, i64)> = orgs
        .into_iter()
        .map(|o| {
            let n = counts
                .iter()
                .find(|(id, _)| *id == o.id)
                .map_or(0, |(_, n)| *n);
            (o, n)
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.name_en.cmp(&b.0.name_en)));
    Ok(out)
}

/// Organizations with the served path of their logo (one query for all of them).
pub fn with_logos(
    conn: &mut DbConnection,
    orgs: Vec<Organization>,
) -> DomainResult<Vec<(Organization, Option<String>)>> {
    let hashes: Vec<&str> = orgs.iter().filter_map(|o| o.logo_hash.as_deref()).collect();
    let mut paths = crate::domain::images::paths_for(conn, &hashes)?;
    Ok(orgs
        .into_iter()
        .map(|o| {
            let logo = o.logo_hash.as_ref().and_then(|h| paths.remove(h));
            (o, logo)
        })
        .collect())
}

/// What ties this person to this entry, for `access::may_edit_organization`: they created it,
/// or they organize a chapter that its creator organizes or whose events it hosted or
/// sponsored.
pub fn stake(
    conn: &mut DbConnection,
    user: crate::domain::ids::UserId,
    id: OrganizationId,
) -> DomainResult<crate::domain::access::Stake> {
    use crate::db::schema::memberships;
    use crate::domain::access::Stake;
    use crate::domain::memberships::Role;
    let org = find(conn, id)?;
    if org.created_by == Some(user) {
        return Ok(Stake {
            created_it: true,
            organizes_a_stakeholder: false,
        });
    }
    let mine: Vec<ChapterId> = memberships::table
        .filter(memberships::user_id.eq(user))
        .filter(memberships::role.eq(Role::Organizer))
        .select(memberships::chapter_id)
        .load(conn)?;
    if mine.is_empty() {
        return Ok(Stake::default());
    }
    let creators: i64 = match org.created_by {
        Some(creator) => memberships::table
            .filter(memberships::user_id.eq(creator))
            .filter(memberships::role.eq(Role::Organizer))
            .filter(memberships::chapter_id.eq_any(&mine))
            .count()
            .get_result(conn)?,
        None => 0,
    };
    let hosted = creators == 0
        && diesel::select(diesel::dsl::exists(
            event_hosts::table
                .inner_join(events::table)
                .filter(event_hosts::organization_id.eq(id))
                .filter(events::chapter_id.eq_any(&mine)),
        ))
        .get_result(conn)?;
    Ok(Stake {
        created_it: false,
        organizes_a_stakeholder: creators > 0 || hosted,
    })
}

/// Does this person organize some chapter (`access::may_add_organization`)?
pub fn organizes_a_chapter(
    conn: &mut DbConnection,
    user: crate::domain::ids::UserId,
) -> DomainResult<bool> {
    use crate::db::schema::memberships;
    Ok(diesel::select(diesel::dsl::exists(
        memberships::table
            .filter(memberships::user_id.eq(user))
            .filter(memberships::role.eq(crate::domain::memberships::Role::Organizer)),
    ))
    .get_result(conn)?)
}
