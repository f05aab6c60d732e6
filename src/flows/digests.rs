//! The organizers' digest of new applications (one per organizer per hour at most) and the
//! weekly reminder of applications waiting over 7 days. Safe on every instance at once: the
//! idempotency keys name the hour or the week.

use super::{FlowResult, Site};
use crate::db::{DbConnection, write_transaction};
use crate::domain::applications::{self, Application};
use crate::domain::chapters;
use crate::domain::ids::*;
use crate::domain::now;
use crate::mail::{notices, templates};
use std::collections::BTreeMap;

fn by_chapter(list: Vec<Application>) -> BTreeMap<ChapterId, Vec<Application>> {
    let mut map: BTreeMap<ChapterId, Vec<Application>> = BTreeMap::new();
    for a in list {
        map.entry(a.chapter_id).or_default().push(a);
    }
    map
}

fn entries(list: &[Application]) -> Vec<templates::DigestEntry> {
    list.iter()
        .map(|a| templates::DigestEntry {
            name: a.name.clone(),
            organization: a.organization.clone(),
            role_key: a.desired_role().label_key(),
            waiting_days: (now() - a.confirmed_at.unwrap_or(a.created_at)).num_days(),
        })
        .collect()
}

/// Applications confirmed since the last digest, by chapter.
pub fn new_applications(
    conn: &mut DbConnection,
) -> FlowResult<BTreeMap<ChapterId, Vec<Application>>> {
    Ok(by_chapter(applications::unnotified_pending(conn)?))
}

/// Applications pending longer than `age`, by chapter.
pub fn waiting_applications(
    conn: &mut DbConnection,
    age: chrono::TimeDelta,
) -> FlowResult<BTreeMap<ChapterId, Vec<Application>>> {
    Ok(by_chapter(applications::stale_pending(conn, age)?))
}

/// Queues this hour's digest of `list` to each organizer of the chapter and marks the
/// applications notified. Returns how many emails were queued.
pub fn send_digest(
    conn: &mut DbConnection,
    site: &Site,
    chapter_id: ChapterId,
    list: &[Application],
    hour: &str,
) -> FlowResult<usize> {
    write_transaction(conn, |c| {
        let chapter = chapters::find(c, chapter_id)?;
        let organizers = applications::organizers(c, chapter_id)?;
        let mut n = 0;
        for organizer in &organizers {
            let queued = notices::organizer_digest(
                c,
                site.links(),
                &chapter,
                organizer,
                entries(list),
                false,
                hour,
            )?;
            if !queued {
                // This hour's digest went out already: these wait for the next hour.
                return Ok(n);
            }
            n += 1;
        }
        if !organizers.is_empty() {
            let ids: Vec<ApplicationId> = list.iter().map(|a| a.id).collect();
            applications::mark_notified(c, &ids)?;
        }
        Ok(n)
    })
}

/// Queues this week's reminder of `list` to each organizer of the chapter.
pub fn send_reminder(
    conn: &mut DbConnection,
    site: &Site,
    chapter_id: ChapterId,
    list: &[Application],
    week: &str,
) -> FlowResult<usize> {
    write_transaction(conn, |c| {
        let chapter = chapters::find(c, chapter_id)?;
        let mut n = 0;
        for organizer in applications::organizers(c, chapter_id)? {
            if notices::organizer_digest(
                c,
                site.links(),
                &chapter,
                &organizer,
                entries(list),
                true,
                week,
            )? {
                n += 1;
            }
        }
        Ok(n)
    })
}
