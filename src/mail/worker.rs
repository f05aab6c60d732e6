//! The delivery worker: claims due outbox rows, sends them, records the outcome.
//!
//! Delivery is at least once: a row is marked sent after the transport accepted it, so an
//! instance that dies between the two sends that row again once its lease expires (same
//! Message-ID). Nothing is ever lost.

use super::outbox::{self, OutboxRow};
use super::transport::{SendError, Transport};
use crate::db::{DbConnection, Pool, write_transaction};
use chrono::TimeDelta;
use futures_util::StreamExt;
use lettre::message::Mailbox;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How the worker retries, leases and polls (kept in `config`, where every setting lives).
pub use crate::config::MailSettings as Settings;

/// Wakes the worker when this instance enqueued something, and holds the worker's heartbeat
/// (for `/readyz`).
#[derive(Clone, Default)]
pub struct Waker(Arc<Notify>, Arc<std::sync::atomic::AtomicI64>);

impl Waker {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    fn beat(&self) {
        self.1.store(
            chrono::Utc::now().timestamp(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Seconds since the worker last went round its loop (None: it never ran).
    pub fn silent_for(&self) -> Option<i64> {
        match self.1.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            at => Some(chrono::Utc::now().timestamp() - at),
        }
    }
}

pub struct Worker {
    pool: Pool,
    transport: Arc<Transport>,
    from: Mailbox,
    settings: Settings,
    waker: Waker,
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub claimed: usize,
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
}

impl Worker {
    pub fn new(
        pool: Pool,
        transport: Transport,
        from: Mailbox,
        settings: Settings,
        waker: Waker,
    ) -> Worker {
        Worker {
            pool,
            transport: Arc::new(transport),
            from,
            settings,
            waker,
        }
    }

    /// Runs until `shutdown` turns true; the batch in flight is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("mail worker started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            self.waker.beat();
            match self.run_once().await {
                Ok(round) if round.claimed > 0 => continue,
                Ok(_) => {}
                Err(err) => tracing::error!(error = ?err, "mail worker round failed"),
            }
            let wait = self.idle_wait().await;
            tokio::select! {
                _ = self.waker.0.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!("mail worker stopped");
    }

    async fn blocking<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut DbConnection) -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let result = f(&mut conn);
            if let Err(err) = &result {
                let lost = err.downcast_ref::<diesel::result::Error>().or_else(|| {
                    match err.downcast_ref::<crate::domain::DomainError>() {
                        Some(crate::domain::DomainError::Db(e)) => Some(e),
                        _ => None,
                    }
                });
                if let Some(e) = lost {
                    crate::db::discard_if_lost(&mut conn, e);
                }
            }
            result
        })
        .await?
    }

    /// How long to sleep: until the next scheduled retry, at most `idle_poll`.
    async fn idle_wait(&self) -> Duration {
        let next = self
            .blocking(|c| Ok(outbox::next_due(c)?))
            .await
            .ok()
            .flatten();
        let poll = self.settings.idle_poll;
        match next {
            Some(at) => (at - crate::domain::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .clamp(Duration::from_millis(10), poll),
            None => poll,
        }
    }

    /// Claims one batch and delivers it.
    pub async fn run_once(&self) -> anyhow::Result<Round> {
        let (lease, batch) = (self.settings.lease, self.settings.batch);
        let rows = self
            .blocking(move |c| {
                Ok(write_transaction(c, |c| {
                    outbox::claim_due(c, crate::domain::now(), lease, batch)
                })?)
            })
            .await?;
        if rows.is_empty() {
            return Ok(Round::default());
        }
        let results: Vec<(OutboxRow, Result<(), SendError>)> = futures_util::stream::iter(rows)
            .map(|row| async move {
                let result = self.transport.send(&self.from, &row).await;
                if result.is_ok() {
                    // Recorded at once, not with the batch: an instance killed mid-batch then
                    // leaves at most the messages in flight to be sent again after the lease.
                    let id = row.id;
                    let recorded = self
                        .blocking(move |c| Ok(outbox::mark_sent(c, &[id], crate::domain::now())?))
                        .await;
                    if let Err(err) = recorded {
                        tracing::warn!(error = ?err, "sent email not recorded yet");
                    }
                }
                (row, result)
            })
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        let settings = self.settings.clone();
        self.blocking(move |c| Ok(record(c, &results, &settings)?))
            .await
    }
}

fn backoff(settings: &Settings, attempts: i32) -> TimeDelta {
    let exp = attempts.clamp(1, 20) - 1;
    let base = settings
        .base_backoff
        .num_milliseconds()
        .saturating_mul(1i64 << exp);
    let capped = base.min(settings.max_backoff.num_milliseconds()).max(1);
    let jitter = rand::rng().random_range(0.75..1.25);
    TimeDelta::milliseconds((capped as f64 * jitter) as i64)
}

/// Records a round's outcomes in one transaction.
fn record(
    conn: &mut DbConnection,
    results: &[(OutboxRow, Result<(), SendError>)],
    settings: &Settings,
) -> diesel::QueryResult<Round> {
    let now = crate::domain::now();
    let mut round = Round {
        claimed: results.len(),
        ..Round::default()
    };
    write_transaction(conn, |c| {
        let sent: Vec<i64> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(row, _)| row.id)
            .collect();
        // Most were recorded as they went; this catches any whose own record failed.
        outbox::mark_sent(c, &sent, now)?;
        round.sent = sent.len();
        for (row, result) in results {
            let retry_at = match result {
                Ok(()) => continue,
                Err(SendError::Transient(_)) if row.attempts < settings.max_attempts => {
                    round.retried += 1;
                    Some(now + backoff(settings, row.attempts))
                }
                Err(_) => {
                    round.dead += 1;
                    None
                }
            };
            let error = match result {
                Err(SendError::Transient(e) | SendError::Permanent(e)) => e.as_str(),
                Ok(()) => "",
            };
            tracing::warn!(
                outbox_id = row.id,
                attempts = row.attempts,
                error,
                dead = retry_at.is_none(),
                "email not delivered"
            );
            outbox::mark_failed(c, row.id, error, retry_at)?;
        }
        Ok(round)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let s = Settings::default();
        let first = backoff(&s, 1).num_seconds();
        assert!((22..=38).contains(&first), "{first}");
        let fourth = backoff(&s, 4).num_seconds();
        assert!((180..=300).contains(&fourth), "{fourth}");
        assert!(backoff(&s, 20) <= TimeDelta::seconds(9000));
    }
}
