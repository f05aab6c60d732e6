//! Metrics in the Prometheus / OpenMetrics text format (the `prometheus-client` crate, with one
//! registry per application, no global), served on their own listener (`OGUG_METRICS_BIND`),
//! never on the public port. Counters are kept as requests pass; database figures (outbox,
//! pending applications) are read when scraped.

use crate::web::{AppError, AppState};
use actix_web::{HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteClass {
    route: String,
    class: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

type Latency = Family<RouteLabel, Histogram, fn() -> Histogram>;

fn latency_buckets() -> Histogram {
    // 0.25 ms … 2 s.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 14))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RouteClass, Counter>,
    latency: Latency,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    pub shared_hits: Counter,
    pub shared_builds: Counter,
    pub sessions_kept_hits: Counter,
    pub sign_in_failures: Counter,
    pub throttle_refusals: Counter,
    pub pool_waits: Counter,
    pool_in_use: Gauge,
    pool_idle: Gauge,
    outbox: Family<StatusLabel, Gauge>,
    oldest_queued: Gauge<f64, AtomicU64>,
    pending_applications: Gauge,
    job_chapter_failures: Gauge,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("ogug");
        let requests = Family::<RouteClass, Counter>::default();
        registry.register(
            "http_requests",
            "Requests by route pattern and status class",
            requests.clone(),
        );
        let latency: Latency = Family::new_with_constructor(latency_buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route pattern",
            latency.clone(),
        );
        let counter = |registry: &mut Registry, name: &str, help: &str| {
            let c = Counter::default();
            registry.register(name, help, c.clone());
            c
        };
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let cache_hits = counter(
            &mut registry,
            "page_cache_hits",
            "Pages answered from the micro-cache",
        );
        let cache_misses = counter(
            &mut registry,
            "page_cache_misses",
            "Cacheable pages rendered anew",
        );
        let shared_hits = counter(
            &mut registry,
            "shared_parts_hits",
            "Parts of pages shown alike to everyone, answered from this instance's copy",
        );
        let shared_builds = counter(
            &mut registry,
            "shared_parts_builds",
            "Parts of pages shown alike to everyone, built anew (after a change, or expired)",
        );
        let sessions_kept_hits = counter(
            &mut registry,
            "sessions_kept_hits",
            "Signed-in requests whose session this instance answered from memory (PostgreSQL)",
        );
        let sign_in_failures = counter(
            &mut registry,
            "sign_in_failures",
            "Wrong passwords at sign-in",
        );
        let throttle_refusals = counter(
            &mut registry,
            "throttle_refusals",
            "Requests refused by a per-address or per-account limit",
        );
        let pool_waits = counter(
            &mut registry,
            "db_pool_waits",
            "Database checkouts that waited over a millisecond for a connection",
        );
        let pool_in_use = gauge(
            &mut registry,
            "db_pool_in_use",
            "Database connections in use",
        );
        let pool_idle = gauge(&mut registry, "db_pool_idle", "Idle database connections");
        let outbox = Family::<StatusLabel, Gauge>::default();
        registry.register("outbox_emails", "Outbox rows by status", outbox.clone());
        let oldest_queued = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "outbox_oldest_queued_age_seconds",
            "Age of the oldest email waiting to be sent (0: none)",
            oldest_queued.clone(),
        );
        let pending_applications = gauge(
            &mut registry,
            "applications_pending",
            "Applications waiting for an organizer, site-wide",
        );
        let job_chapter_failures = gauge(
            &mut registry,
            "job_chapter_failures",
            "Chapters whose periodic job failed since start-up",
        );
        Metrics {
            registry,
            requests,
            latency,
            cache_hits,
            cache_misses,
            shared_hits,
            shared_builds,
            sessions_kept_hits,
            sign_in_failures,
            throttle_refusals,
            pool_waits,
            pool_in_use,
            pool_idle,
            outbox,
            oldest_queued,
            pending_applications,
            job_chapter_failures,
        }
    }
}

impl Metrics {
    /// One answered request. Route patterns are labelled `/chapters/:slug` rather than
    /// `/chapters/{slug}`: braces inside label values trip some scrapers' parsers.
    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        let route = route.replace('{', ":").replace('}', "");
        let class = format!("{}xx", status / 100);
        self.requests
            .get_or_create(&RouteClass {
                route: route.to_string(),
                class,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabel {
                route: route.to_string(),
            })
            .observe(seconds);
    }
}

/// Figures read from the database at scrape time.
struct Snapshot {
    outbox: Vec<(String, i64)>,
    oldest_queued: Option<chrono::NaiveDateTime>,
    pending_applications: i64,
}

fn snapshot(conn: &mut crate::db::DbConnection) -> Result<Snapshot, crate::domain::DomainError> {
    use crate::db::schema::{applications, outbox};
    use diesel::prelude::*;
    Ok(Snapshot {
        outbox: crate::mail::outbox::status_counts(conn)?,
        oldest_queued: outbox::table
            .filter(outbox::status.eq_any(["pending", "sending"]))
            .select(diesel::dsl::min(outbox::created_at))
            .first(conn)?,
        pending_applications: applications::table
            .filter(
                applications::status.eq(crate::domain::applications::ApplicationStatus::Pending),
            )
            .count()
            .get_result(conn)?,
    })
}

/// `GET /metrics` on the metrics listener.
pub async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let now = crate::domain::now();
    let snap = crate::web::db(&state, snapshot).await?;
    let m = &state.metrics;
    for (status, n) in snap.outbox {
        m.outbox.get_or_create(&StatusLabel { status }).set(n);
    }
    m.oldest_queued.set(snap.oldest_queued.map_or(0.0, |at| {
        (now - at).num_milliseconds().max(0) as f64 / 1000.0
    }));
    m.pending_applications.set(snap.pending_applications);
    let pool = state.pool.state();
    m.pool_in_use
        .set(i64::from(pool.connections - pool.idle_connections));
    m.pool_idle.set(i64::from(pool.idle_connections));
    m.job_chapter_failures.set(
        i64::try_from(crate::jobs::CHAPTER_FAILURES.load(std::sync::atomic::Ordering::Relaxed))
            .unwrap_or(i64::MAX),
    );
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &m.registry)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("metrics encoding: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body))
}
