//! Periodic work of `ogug serve`: the organizers' digests and reminders (each chapter on its
//! own, so one chapter's failure never holds up the others), and hourly housekeeping.

use crate::config::Config;
use crate::db::Pool;
use crate::domain::ids::*;
use crate::domain::now;
use crate::flows::{FlowResult, Site, digests};
use chrono::{Datelike, TimeDelta};

/// Queues digests and reminders that are due; returns how many emails were queued.
pub fn run_digests(pool: &Pool, config: &Config) -> FlowResult<usize> {
    let mut conn = pool.get().map_err(crate::domain::DomainError::from)?;
    let site = Site::from_config(config);
    let at = now();
    let hour = at.format("%Y%m%d%H").to_string();
    let week = format!("{}-W{:02}", at.iso_week().year(), at.iso_week().week());
    let mut queued = 0;
    for (chapter_id, list) in digests::new_applications(&mut conn)? {
        let done = digests::send_digest(&mut conn, &site, chapter_id, &list, &hour);
        queued += isolated("digest", chapter_id, done);
    }
    for (chapter_id, list) in digests::waiting_applications(&mut conn, TimeDelta::days(7))? {
        let done = digests::send_reminder(&mut conn, &site, chapter_id, &list, &week);
        queued += isolated("reminder", chapter_id, done);
    }
    // Event reminders, 24 hours and 2 hours before: a failure is logged and tried next minute.
    match crate::flows::reminders::send_due(&mut conn, &site, at) {
        Ok(n) => queued += n,
        Err(err) => {
            CHAPTER_FAILURES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::error!(error = ?err, "event reminders failed");
        }
    }
    Ok(queued)
}

/// Chapters whose periodic job failed since start-up (one chapter's failure never stops the
/// others': it is logged, counted here, and tried again next run).
pub static CHAPTER_FAILURES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One chapter's share of a periodic job: its count, or 0 with the failure logged and counted.
fn isolated(job: &str, chapter_id: ChapterId, result: FlowResult<usize>) -> usize {
    result.unwrap_or_else(|err| {
        CHAPTER_FAILURES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::error!(job, chapter_id = chapter_id.get(), error = ?err, "periodic job failed for one chapter");
        0
    })
}

/// Hourly housekeeping: bodies of emails sent longer ago than the retention period are
/// emptied, and expired throttle windows dropped. Returns how many bodies were emptied.
pub fn housekeeping(pool: &Pool, config: &Config) -> FlowResult<usize> {
    let mut conn = pool.get().map_err(crate::domain::DomainError::from)?;
    let purged = crate::mail::outbox::purge_sent_bodies(&mut conn, now() - config.mail_retention)?;
    if purged > 0 {
        tracing::info!(emails = purged, "bodies of sent emails purged");
    }
    crate::domain::rate_limits::prune(&mut conn, TimeDelta::days(1))?;
    Ok(purged)
}
