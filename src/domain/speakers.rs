//! Speaker profiles: the opt-in public page of a person who gives talks.

use crate::db::DbConnection;
use crate::db::schema::{speaker_profiles, users};
use crate::domain::ids::UserId;
use crate::domain::text::{check_line, check_text, url_ok};
use crate::domain::{DomainError, DomainResult, FieldErrors, now};
use crate::i18n::Locale;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = speaker_profiles)]
pub struct SpeakerProfile {
    pub user_id: UserId,
    pub affiliation: String,
    pub bio_zh: String,
    pub bio_en: String,
    pub links: String,
    pub photo_hash: Option<String>,
    pub public: bool,
    pub updated_at: chrono::NaiveDateTime,
}

impl SpeakerProfile {
    pub fn bio(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.bio_en.is_empty() => &self.bio_en,
            _ if !self.bio_zh.is_empty() => &self.bio_zh,
            _ => &self.bio_en,
        }
    }

    /// The links, one a line.
    pub fn link_list(&self) -> Vec<&str> {
        self.links
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProfileInput {
    #[serde(default)]
    pub affiliation: String,
    #[serde(default)]
    pub bio_zh: String,
    #[serde(default)]
    pub bio_en: String,
    #[serde(default)]
    pub links: String,
    #[serde(default)]
    pub public: Option<String>,
}

pub fn validate(input: &ProfileInput) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    if let Err(key) = check_line(&input.affiliation, 200, false) {
        errors.add("affiliation", key);
    }
    for (field, value) in [("bio_zh", &input.bio_zh), ("bio_en", &input.bio_en)] {
        if let Err(key) = check_text(value, 3000, false) {
            errors.add(field, key);
        }
    }
    let links: Vec<&str> = input
        .links
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    if links.len() > 5 || links.iter().any(|l| l.trim().is_empty() || !url_ok(l)) {
        errors.add("links", "error.links_invalid");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

pub fn find(conn: &mut DbConnection, user_id: UserId) -> DomainResult<Option<SpeakerProfile>> {
    Ok(speaker_profiles::table
        .find(user_id)
        .select(SpeakerProfile::as_select())
        .first(conn)
        .optional()?)
}

pub fn save(conn: &mut DbConnection, user_id: UserId, input: &ProfileInput) -> DomainResult<()> {
    let links = input
        .links
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let values = (
        speaker_profiles::affiliation.eq(input.affiliation.trim()),
        speaker_profiles::bio_zh.eq(input.bio_zh.trim()),
        speaker_profiles::bio_en.eq(input.bio_en.trim()),
        speaker_profiles::links.eq(&links),
        speaker_profiles::public.eq(input.public.is_some()),
        speaker_profiles::updated_at.eq(now()),
    );
    let n = diesel::update(speaker_profiles::table.find(user_id))
        .set(values)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(speaker_profiles::table)
            .values((speaker_profiles::user_id.eq(user_id), values))
            .execute(conn)?;
    }
    Ok(())
}

/// Sets the bio of one language, keeping the rest of the profile (a new one stays private).
pub fn set_bio(
    conn: &mut DbConnection,
    user_id: UserId,
    locale: Locale,
    bio: &str,
) -> DomainResult<()> {
    if find(conn, user_id)?.is_none() {
        save(conn, user_id, &ProfileInput::default())?;
    }
    let target = speaker_profiles::table.find(user_id);
    let bio = bio.trim();
    match locale {
        Locale::En => diesel::update(target)
            .set((
                speaker_profiles::bio_en.eq(bio),
                speaker_profiles::updated_at.eq(now()),
            ))
            .execute(conn)?,
        Locale::ZhCn => diesel::update(target)
            .set((
                speaker_profiles::bio_zh.eq(bio),
                speaker_profiles::updated_at.eq(now()),
            ))
            .execute(conn)?,
    };
    Ok(())
}

pub fn set_photo(conn: &mut DbConnection, user_id: UserId, hash: &str) -> DomainResult<()> {
    if find(conn, user_id)?.is_none() {
        save(conn, user_id, &ProfileInput::default())?;
    }
    diesel::update(speaker_profiles::table.find(user_id))
        .set((
            speaker_profiles::photo_hash.eq(Some(hash)),
            speaker_profiles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A public speaker page's person: their name and opted-in profile; 404 otherwise.
pub fn public(
    conn: &mut DbConnection,
    user_id: UserId,
) -> DomainResult<(String, String, SpeakerProfile)> {
    let row: Option<(String, String, SpeakerProfile)> = speaker_profiles::table
        .inner_join(users::table)
        .filter(speaker_profiles::user_id.eq(user_id))
        .filter(speaker_profiles::public.eq(true))
        .filter(users::disabled_at.is_null())
        .select((
            users::display_name,
            users::organization,
            SpeakerProfile::as_select(),
        ))
        .first(conn)
        .optional()?;
    row.ok_or(DomainError::NotFound)
}

/// Of these people, those with a public speaker page.
pub fn with_public_page(conn: &mut DbConnection, ids: &[UserId]) -> DomainResult<Vec<UserId>> {
    Ok(speaker_profiles::table
        .filter(speaker_profiles::user_id.eq_any(ids))
        .filter(speaker_profiles::public.eq(true))
        .select(speaker_profiles::user_id)
        .load(conn)?)
}
