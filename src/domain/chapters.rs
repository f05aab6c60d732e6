//! Chapters: one per city.

use super::{DomainError, DomainResult, FieldErrors, now};
use crate::db::DbConnection;
use crate::db::schema::chapters;
use crate::domain::ids::*;
use crate::i18n::Locale;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = chapters)]
pub struct Chapter {
    pub id: ChapterId,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub city: String,
    pub time_zone: String,
    pub description: String,
    pub description_en: String,
    pub founded_on: Option<chrono::NaiveDate>,
    pub contact_email: Option<String>,
    pub apply_questions: String,
    pub status: ChapterStatus,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// Kept by database triggers on `memberships` (see the migration `chapter_member_count`).
    pub member_count: i64,
    /// The descriptions rendered when saved (None for rows not rendered yet).
    pub description_html: Option<String>,
    pub description_en_html: Option<String>,
    /// The rolling call for speakers is open.
    pub cfp_open: bool,
    /// Bumped by database triggers whenever anything its pages show alike to every reader
    /// changes (migration `content_versions`): the key of what `web::cache::shared` keeps.
    pub content_version: i64,
}

impl Chapter {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.name_en.is_empty() => &self.name_en,
            _ => &self.name_zh,
        }
    }

    /// The description in the reader's language, falling back to Chinese.
    pub fn description(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.description_en.trim().is_empty() => &self.description_en,
            _ => &self.description,
        }
    }

    /// The description in the reader's language as sanitized HTML: stored at save time, rendered
    /// here only for a row written before that (the start-up job renders those once).
    pub fn description_html(&self, locale: Locale) -> std::borrow::Cow<'_, str> {
        let stored = match locale {
            Locale::En if !self.description_en.trim().is_empty() => &self.description_en_html,
            _ => &self.description_html,
        };
        match stored {
            Some(html) => html.as_str().into(),
            None => super::markdown::render(self.description(locale)).into(),
        }
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    pub fn is_active(&self) -> bool {
        self.status == ChapterStatus::Active
    }
}

crate::text_enum! {
    /// An archived chapter takes no applications and leaves the public lists.
    pub enum ChapterStatus {
        Active => "active",
        Archived => "archived",
    }
}

/// A URL-safe chapter or event identifier: 2–63 of `a-z 0-9 -`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Slug, &'static str> {
        let value = raw.trim();
        let ok = (2..=63).contains(&value.len())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if ok {
            Ok(Slug(value.to_string()))
        } else {
            Err("error.slug_invalid")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub struct ChapterInput {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub city: String,
    pub time_zone: String,
    pub description: String,
    pub description_en: String,
    pub founded_on: Option<chrono::NaiveDate>,
    pub contact_email: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = chapters)]
struct NewChapter<'a> {
    slug: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    city: &'a str,
    time_zone: &'a str,
    description: &'a str,
    description_en: &'a str,
    description_html: &'a str,
    description_en_html: &'a str,
    founded_on: Option<chrono::NaiveDate>,
    contact_email: Option<&'a str>,
    status: &'a str,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

fn validate(input: &ChapterInput) -> DomainResult<Slug> {
    let mut errors = FieldErrors::default();
    let slug = Slug::parse(&input.slug)
        .map_err(|e| errors.add("slug", e))
        .ok();
    for (field, value) in [
        ("name_zh", &input.name_zh),
        ("name_en", &input.name_en),
        ("city", &input.city),
    ] {
        if let Err(key) = super::text::check_line(value, 100, true) {
            errors.add(field, key);
        }
    }
    for (field, value) in [
        ("description", &input.description),
        ("description_en", &input.description_en),
    ] {
        if let Err(key) = super::text::check_markdown(value) {
            errors.add(field, key);
        }
    }
    if input.time_zone.parse::<chrono_tz::Tz>().is_err() {
        errors.add("time_zone", "error.time_zone_invalid");
    }
    errors.into_result()?;
    slug.ok_or(DomainError::NotFound)
}

pub fn create(conn: &mut DbConnection, input: &ChapterInput) -> DomainResult<Chapter> {
    let slug = validate(input)?;
    let at = now();
    diesel::insert_into(chapters::table)
        .values(NewChapter {
            slug: slug.as_str(),
            name_zh: input.name_zh.trim(),
            name_en: input.name_en.trim(),
            city: input.city.trim(),
            time_zone: input.time_zone.trim(),
            description: &input.description,
            description_en: &input.description_en,
            description_html: &super::markdown::render(&input.description),
            description_en_html: &super::markdown::render(&input.description_en),
            founded_on: input.founded_on,
            contact_email: input.contact_email.as_deref(),
            status: "active",
            created_at: at,
            updated_at: at,
        })
        .returning(chapters::all_columns)
        .get_result::<Chapter>(conn)
        .map_err(|e| super::unique_violation_as(e, super::Conflict::SlugTaken))
}

pub fn find(conn: &mut DbConnection, id: ChapterId) -> DomainResult<Chapter> {
    Ok(chapters::table
        .find(id)
        .select(Chapter::as_select())
        .first(conn)?)
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> DomainResult<Chapter> {
    chapters::table
        .filter(chapters::slug.eq(slug))
        .select(Chapter::as_select())
        .first(conn)
        .optional()?
        .ok_or(DomainError::NotFound)
}

/// A chapter by its slug and the role `viewer` holds in it, in one query (every chapter page
/// asks both; two round trips were a visible share of a PostgreSQL page's time).
pub fn find_with_role(
    conn: &mut DbConnection,
    slug: &str,
    viewer: Option<UserId>,
) -> DomainResult<(Chapter, Option<crate::domain::memberships::Role>)> {
    use crate::db::schema::memberships;
    let found = match viewer {
        Some(user) => chapters::table
            .left_join(
                memberships::table.on(memberships::chapter_id
                    .eq(chapters::id)
                    .and(memberships::user_id.eq(user))),
            )
            .filter(chapters::slug.eq(slug))
            .select((Chapter::as_select(), memberships::role.nullable()))
            .first(conn)
            .optional()?,
        None => chapters::table
            .filter(chapters::slug.eq(slug))
            .select(Chapter::as_select())
            .first(conn)
            .optional()?
            .map(|c| (c, None)),
    };
    found.ok_or(DomainError::NotFound)
}

/// A number that grows with every change to any chapter's shared pages: chapters are never
/// deleted and their `content_version`s only grow, so the count plus their sum never repeats.
/// The home page, which shows every chapter, is kept per value of it (`web::cache::shared`).
pub fn site_version(conn: &mut DbConnection) -> DomainResult<i64> {
    // Added up here (a few dozen rows): a typed query is prepared once per connection.
    let versions: Vec<i64> = chapters::table
        .select(chapters::content_version)
        .load(conn)?;
    Ok(versions.len() as i64 + versions.iter().sum::<i64>())
}

/// Active chapters, oldest first; each row carries its member count.
pub fn list_active(conn: &mut DbConnection) -> DomainResult<Vec<Chapter>> {
    list(conn, true)
}

/// Every chapter, archived ones too (site admins).
pub fn list_all(conn: &mut DbConnection) -> DomainResult<Vec<Chapter>> {
    list(conn, false)
}

/// Active chapters' slugs and names, for pickers (no counts).
pub fn active(conn: &mut DbConnection) -> DomainResult<Vec<Chapter>> {
    Ok(chapters::table
        .filter(chapters::status.eq(ChapterStatus::Active))
        .order((chapters::founded_on.asc(), chapters::id.asc()))
        .select(Chapter::as_select())
        .load(conn)?)
}

fn list(conn: &mut DbConnection, active_only: bool) -> DomainResult<Vec<Chapter>> {
    let mut query = chapters::table
        .order((chapters::founded_on.asc(), chapters::id.asc()))
        .select(Chapter::as_select())
        .into_boxed();
    if active_only {
        query = query.filter(chapters::status.eq(ChapterStatus::Active));
    }
    Ok(query.load(conn)?)
}

/// Updates a chapter's profile (the slug stays: links and QR codes in print point to it).
pub fn update(
    conn: &mut DbConnection,
    id: ChapterId,
    input: &ChapterInput,
    apply_questions: &str,
) -> DomainResult<()> {
    let mut probe = input.clone();
    probe.slug = "keep".into();
    validate(&probe)?;
    let questions: Vec<&str> = apply_questions
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut errors = FieldErrors::default();
    if questions.len() > 5 {
        errors.add("apply_questions", "error.too_many_questions");
    } else if let Some(Err(key)) = questions
        .iter()
        .map(|q| super::text::check_line(q, 200, false))
        .find(Result::is_err)
    {
        errors.add("apply_questions", key);
    }
    errors.into_result()?;
    diesel::update(chapters::table.find(id))
        .set((
            chapters::name_zh.eq(input.name_zh.trim()),
            chapters::name_en.eq(input.name_en.trim()),
            chapters::city.eq(input.city.trim()),
            chapters::time_zone.eq(input.time_zone.trim()),
            chapters::description.eq(&input.description),
            chapters::description_en.eq(&input.description_en),
            chapters::description_html.eq(Some(super::markdown::render(&input.description))),
            chapters::description_en_html.eq(Some(super::markdown::render(&input.description_en))),
            chapters::founded_on.eq(input.founded_on),
            chapters::contact_email.eq(input.contact_email.as_deref()),
            chapters::apply_questions.eq(questions.join("\n")),
            chapters::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_status(conn: &mut DbConnection, id: ChapterId, active: bool) -> DomainResult<()> {
    diesel::update(chapters::table.find(id))
        .set((
            chapters::status.eq(if active {
                ChapterStatus::Active
            } else {
                ChapterStatus::Archived
            }),
            chapters::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The chapters a person belongs to, by slug.
pub fn of_member(conn: &mut DbConnection, user_id: UserId) -> DomainResult<Vec<Chapter>> {
    use crate::db::schema::memberships;
    Ok(memberships::table
        .inner_join(chapters::table)
        .filter(memberships::user_id.eq(user_id))
        .order(chapters::slug)
        .select(Chapter::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn slugs_are_url_safe() {
        assert!(Slug::parse("beijing").is_ok());
        assert!(Slug::parse("xi-an-2").is_ok());
        for bad in ["", "a", "-x", "x-", "Bei", "bei jing", "北京", "a/b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
