//! Private reviews of proposals by a chapter's organizers and ambassadors, and the review list.

use super::{Talk, TalkStatus};
use crate::db::DbConnection;
use crate::db::schema::{talk_reviews, talks, users};
use crate::domain::ids::*;
use crate::domain::text::check_text;
use crate::domain::{DomainResult, FieldErrors, now};
use diesel::prelude::*;

#[derive(Debug, Clone)]
pub struct Review {
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    pub rating: i32,
    pub comment: String,
    pub updated_at: chrono::NaiveDateTime,
}

/// A rating (1–5) and comment, checked.
pub fn validate(rating: &str, comment: &str) -> Result<(i32, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let rating = match rating.trim().parse::<i32>() {
        Ok(r) if (1..=5).contains(&r) => r,
        _ => {
            errors.add("rating", "error.rating_invalid");
            0
        }
    };
    if let Err(key) = check_text(comment, 2000, false) {
        errors.add("comment", key);
    }
    if errors.is_empty() {
        Ok((rating, comment.trim().to_string()))
    } else {
        Err(errors)
    }
}

/// Writes or replaces the reviewer's review of a talk.
pub fn save(
    conn: &mut DbConnection,
    talk_id: TalkId,
    reviewer: UserId,
    rating: i32,
    comment: &str,
) -> DomainResult<()> {
    let at = now();
    let n = diesel::update(talk_reviews::table.find((talk_id, reviewer)))
        .set((
            talk_reviews::rating.eq(rating),
            talk_reviews::comment.eq(comment),
            talk_reviews::updated_at.eq(at),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(talk_reviews::table)
            .values((
                talk_reviews::talk_id.eq(talk_id),
                talk_reviews::reviewer_id.eq(reviewer),
                talk_reviews::rating.eq(rating),
                talk_reviews::comment.eq(comment),
                talk_reviews::created_at.eq(at),
                talk_reviews::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn of_talk(conn: &mut DbConnection, talk_id: TalkId) -> DomainResult<Vec<Review>> {
    let rows: Vec<(UserId, String, i32, String, chrono::NaiveDateTime)> = talk_reviews::table
        .inner_join(users::table.on(users::id.eq(talk_reviews::reviewer_id)))
        .filter(talk_reviews::talk_id.eq(talk_id))
        .order(talk_reviews::updated_at.asc())
        .select((
            talk_reviews::reviewer_id,
            users::display_name,
            talk_reviews::rating,
            talk_reviews::comment,
            talk_reviews::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(reviewer_id, reviewer_name, rating, comment, updated_at)| Review {
                reviewer_id,
                reviewer_name,
                rating,
                comment,
                updated_at,
            },
        )
        .collect())
}

/// The review list's filters and order.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct QueueFilter {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub tag: String,
    /// "rating" (best first), "oldest", or newest first.
    #[serde(default)]
    pub sort: String,
    /// "mine": only talks I have not reviewed yet.
    #[serde(default)]
    pub unreviewed: Option<String>,
}

/// A proposal in the review list: the average rating, the number of reviews, and my rating.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub talk: Talk,
    pub average: Option<f64>,
    pub reviews: i64,
    pub mine: Option<i32>,
}

impl QueueEntry {
    pub fn average_label(&self) -> String {
        self.average
            .map_or_else(|| "–".to_string(), |a| format!("{a:.1}"))
    }
}

/// A chapter's proposals for its reviewers (at most 500 a view: a chapter's calls receive far
/// fewer).
pub fn queue(
    conn: &mut DbConnection,
    chapter_id: ChapterId,
    me: UserId,
    filter: &QueueFilter,
) -> DomainResult<Vec<QueueEntry>> {
    let mut query = talks::table
        .filter(talks::chapter_id.eq(chapter_id))
        .select(Talk::as_select())
        .into_boxed();
    match TalkStatus::parse(&filter.status) {
        Some(status) => query = query.filter(talks::status.eq(status)),
        None if filter.status == "all" => {}
        None => query = query.filter(talks::status.ne(TalkStatus::Withdrawn)),
    }
    if super::LANGUAGES.contains(&filter.language.as_str()) {
        query = query.filter(talks::language.eq(filter.language.clone()));
    }
    let talks: Vec<Talk> = query
        .order(talks::created_at.desc())
        .limit(500)
        .load(conn)?;
    let ids: Vec<TalkId> = talks.iter().map(|t| t.id).collect();
    let ratings: Vec<(TalkId, UserId, i32)> = talk_reviews::table
        .filter(talk_reviews::talk_id.eq_any(&ids))
        .select((
            talk_reviews::talk_id,
            talk_reviews::reviewer_id,
            talk_reviews::rating,
        ))
        .load(conn)?;
    let mut out: Vec<QueueEntry> = talks
        .into_iter()
        .filter(|t| filter.tag.is_empty() || t.tag_slugs().any(|s| s == filter.tag))
        .map(|talk| {
            let mine_and_all: Vec<&(TalkId, UserId, i32)> =
                ratings.iter().filter(|(t, _, _)| *t == talk.id).collect();
            let n = mine_and_all.len() as i64;
            let sum: i64 = mine_and_all.iter().map(|(_, _, r)| i64::from(*r)).sum();
            QueueEntry {
                average: (n > 0).then(|| sum as f64 / n as f64),
                reviews: n,
                mine: mine_and_all
                    .iter()
                    .find(|(_, u, _)| *u == me)
                    .map(|(_, _, r)| *r),
                talk,
            }
        })
        .filter(|e| filter.unreviewed.is_none() || e.mine.is_none())
        .collect();
    match filter.sort.as_str() {
        "rating" => out.sort_by(|a, b| {
            b.average
                .unwrap_or(0.0)
                .total_cmp(&a.average.unwrap_or(0.0))
                .then(b.reviews.cmp(&a.reviews))
        }),
        "oldest" => out.reverse(),
        _ => {}
    }
    Ok(out)
}
