//! What waits for a chapter's staff, for their account page: applications to decide
//! (organizers), talks they have not reviewed yet, and drafts not yet published.

use super::DomainResult;
use super::applications::ApplicationStatus;
use super::events::EventStatus;
use super::ids::{ChapterId, UserId};
use super::memberships::Role;
use super::talks::TalkStatus;
use crate::db::DbConnection;
use crate::db::schema::{chapters, events, memberships, talk_reviews, talks};
use diesel::prelude::*;

/// One chapter the person helps run, and what waits there.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub chapter_id: ChapterId,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub role: Role,
    /// Pending applications (organizers decide them); None for ambassadors.
    pub applications: Option<i64>,
    /// Proposed or waitlisted talks this person has not reviewed.
    pub talks: i64,
    /// Events still in draft.
    pub drafts: i64,
}

/// The chapters where `user_id` is an organizer or an ambassador, by name, with their counts.
pub fn waiting_for(conn: &mut DbConnection, user_id: UserId) -> DomainResult<Vec<Waiting>> {
    let staff: Vec<(ChapterId, String, String, String, Role)> = memberships::table
        .inner_join(chapters::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::role.eq_any([Role::Organizer.as_str(), Role::Ambassador.as_str()]))
        .order(chapters::slug)
        .select((
            chapters::id,
            chapters::slug,
            chapters::name_zh,
            chapters::name_en,
            memberships::role,
        ))
        .load(conn)?;
    let mut out = Vec::with_capacity(staff.len());
    for (chapter_id, slug, name_zh, name_en, role) in staff {
        let applications = if role == Role::Organizer {
            let tabs = super::applications::counts(conn, chapter_id)?;
            Some(
                tabs.iter()
                    .filter(|t| t.status == ApplicationStatus::Pending)
                    .map(|t| t.n)
                    .sum(),
            )
        } else {
            None
        };
        let reviewed = talk_reviews::table
            .filter(talk_reviews::reviewer_id.eq(user_id))
            .select(talk_reviews::talk_id);
        let talks: i64 = talks::table
            .filter(talks::chapter_id.eq(chapter_id))
            .filter(talks::status.eq_any([TalkStatus::Proposed, TalkStatus::Waitlisted]))
            .filter(talks::id.ne_all(reviewed))
            .count()
            .get_result(conn)?;
        let drafts: i64 = events::table
            .filter(events::chapter_id.eq(chapter_id))
            .filter(events::status.eq(EventStatus::Draft))
            .count()
            .get_result(conn)?;
        out.push(Waiting {
            chapter_id,
            slug,
            name_zh,
            name_en,
            role,
            applications,
            talks,
            drafts,
        });
    }
    Ok(out)
}
