//! Periodic work of `ogug serve`: organizer digests of new applications (one per organizer per
//! hour at most) and the weekly reminder of applications pending over 7 days. Safe to run on
//! every instance at once: idempotency keys name the hour or the week.

use crate::config::Config;
use crate::db::{Pool, write_transaction};
use crate::domain::applications::{self, Application};
use crate::domain::chapters;
use crate::domain::{DomainError, DomainResult, now};
use crate::mail::{self, templates};
use chrono::{Datelike, TimeDelta};
use std::collections::BTreeMap;

fn by_chapter(list: Vec<Application>) -> BTreeMap<i64, Vec<Application>> {
    let mut map: BTreeMap<i64, Vec<Application>> = BTreeMap::new();
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

/// Queues digests and reminders that are due; returns how many emails were queued.
pub fn run_digests(pool: &Pool, config: &Config) -> DomainResult<usize> {
    let mut conn = pool.get()?;
    let at = now();
    let hour = at.format("%Y%m%d%H").to_string();
    let week = format!("{}-W{:02}", at.iso_week().year(), at.iso_week().week());
    let mut queued = 0;

    let fresh = by_chapter(applications::unnotified_pending(&mut conn)?);
    for (chapter_id, list) in fresh {
        let done = write_transaction(&mut conn, |c| -> Result<usize, DomainError> {
            let chapter = chapters::find(c, chapter_id)?;
            let organizers = applications::organizers(c, chapter_id)?;
            let mut n = 0;
            for organizer in &organizers {
                let locale = organizer.locale();
                let content = templates::OrganizerDigest {
                    name: organizer.display_name.clone(),
                    chapter: chapter.name(locale).to_string(),
                    entries: entries(&list),
                    queue_link: format!(
                        "{}/chapters/{}/manage/applications",
                        config.base_url, chapter.slug
                    ),
                    reminder: false,
                };
                let key = format!("digest:{chapter_id}:{}:{hour}", organizer.id);
                if !mail::enqueue_for(c, organizer, key, |l| content.render(l))? {
                    // This hour's digest went out already: these wait for the next hour.
                    return Ok(n);
                }
                n += 1;
            }
            if !organizers.is_empty() {
                let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
                applications::mark_notified(c, &ids)?;
            }
            Ok(n)
        });
        queued += isolated("digest", chapter_id, done);
    }

    let stale = by_chapter(applications::stale_pending(&mut conn, TimeDelta::days(7))?);
    for (chapter_id, list) in stale {
        let done = write_transaction(&mut conn, |c| -> Result<usize, DomainError> {
            let chapter = chapters::find(c, chapter_id)?;
            let mut n = 0;
            for organizer in applications::organizers(c, chapter_id)? {
                let locale = organizer.locale();
                let content = templates::OrganizerDigest {
                    name: organizer.display_name.clone(),
                    chapter: chapter.name(locale).to_string(),
                    entries: entries(&list),
                    queue_link: format!(
                        "{}/chapters/{}/manage/applications",
                        config.base_url, chapter.slug
                    ),
                    reminder: true,
                };
                let key = format!("reminder:{chapter_id}:{}:{week}", organizer.id);
                if mail::enqueue_for(c, &organizer, key, |l| content.render(l))? {
                    n += 1;
                }
            }
            Ok(n)
        });
        queued += isolated("reminder", chapter_id, done);
    }
    Ok(queued)
}

/// Hourly housekeeping: bodies of emails sent longer ago than the retention period are
/// emptied, and expired throttle windows dropped. Returns how many bodies were emptied.
pub fn housekeeping(pool: &Pool, config: &Config) -> DomainResult<usize> {
    let mut conn = pool.get()?;
    let purged = mail::outbox::purge_sent_bodies(&mut conn, now() - config.mail_retention)?;
    if purged > 0 {
        tracing::info!(emails = purged, "bodies of sent emails purged");
    }
    crate::domain::rate_limits::prune(&mut conn, TimeDelta::days(1))?;
    Ok(purged)
}

/// Chapters whose periodic job failed since start-up (one chapter's failure never stops the
/// others': it is logged, counted here, and tried again next run).
pub static CHAPTER_FAILURES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One chapter's share of a periodic job: its count, or 0 with the failure logged and counted.
fn isolated(job: &str, chapter_id: i64, result: DomainResult<usize>) -> usize {
    result.unwrap_or_else(|err| {
        CHAPTER_FAILURES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::error!(job, chapter_id, error = ?err, "periodic job failed for one chapter");
        0
    })
}
