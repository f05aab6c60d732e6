//! ogug: the openGauss User Group site as a library. `Application::build` wires everything;
//! `main.rs` only parses the command line.

pub mod calendar;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod flows;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod paths;
pub mod qr;
pub mod web;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, dev::Server};
use config::Config;
use db::Pool;
use std::net::TcpListener;

pub struct Application {
    server: Server,
    port: u16,
    /// The metrics listener (`OGUG_METRICS_BIND`), and its port.
    metrics: Option<(Server, u16)>,
    worker: Option<mail::worker::Worker>,
    /// Runs the periodic jobs (digests, reminders), with what they need.
    jobs: Option<(Pool, Config, mail::worker::Waker)>,
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and prepares the server on a ready pool.
    pub fn build(config: Config, pool: Pool) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&config.bind)?;
        Application::build_on(listener, config, pool)
    }

    /// Like `build`, on a listener the caller bound (tests learn the port before configuring).
    pub fn build_on(
        listener: TcpListener,
        config: Config,
        pool: Pool,
    ) -> anyhow::Result<Application> {
        let port = listener.local_addr()?.port();
        let workers = config.workers;
        // Blocking work is almost all database work: about one thread per pooled connection
        // across all workers. More threads than connections only queued on the pool's lock,
        // whose wake-ups are unfair (the p99 of a busy page doubled); tokio's queue is FIFO.
        let worker_count = workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let blocking_threads = (config.db_pool_size as usize).div_ceil(worker_count.max(1)) + 1;
        let waker = mail::worker::Waker::default();
        let jobs = config
            .mail_worker
            .then(|| (pool.clone(), config.clone(), waker.clone()));
        let worker = if config.mail_worker {
            let transport = mail::transport::Transport::new(
                config.smtp_url.as_ref().map(|u| u.expose()),
                &config.data_dir.join("outbox"),
            )?;
            let from = mail::transport::parse_from(&config.mail_from)?;
            Some(mail::worker::Worker::new(
                pool.clone(),
                transport,
                from,
                config.mail.clone(),
                waker.clone(),
            ))
        } else {
            None
        };
        let state = actix_web::web::Data::new(web::AppState::new(pool, config, waker));
        if db::Backend::from_url(&state.config.database_url)? == db::Backend::Postgres {
            web::cache::listener::start(
                state.config.database_url.clone(),
                &state.page_cache,
                &state.sessions,
            );
        }
        let metrics = match &state.config.metrics_bind {
            Some(bind) => Some(metrics_server(bind, state.clone())?),
            None => None,
        };
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(web::http::guard::middleware))
                .wrap(from_fn(web::cache::pages::middleware))
                .wrap(from_fn(web::http::locale::middleware))
                .wrap(from_fn(web::http::auth::middleware))
                .wrap(from_fn(web::http::limits::middleware))
                .wrap(web::security_headers(&state.config))
                .wrap(from_fn(web::http::request_log::middleware))
                .configure(web::configure(state.clone()))
                .default_service(actix_web::web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(web::AppError::NotFound)
                }))
        })
        .worker_max_blocking_threads(blocking_threads)
        // On SIGTERM: stop accepting, finish the requests in flight (at most 10 s), then stop.
        .shutdown_timeout(10)
        .listen(listener)?;
        if let Some(n) = workers {
            server = server.workers(n);
        }
        Ok(Application {
            server: server.run(),
            port,
            metrics,
            worker,
            jobs,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(_, port)| *port)
    }

    /// Serves until the server stops (SIGTERM or SIGINT), then lets the mail worker finish the
    /// batch in flight before returning.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = self.worker.map(|w| tokio::spawn(w.run(stopped)));
        let jobs = self.jobs.map(|(pool, config, waker)| {
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
                for minute in 1u64.. {
                    every.tick().await;
                    // The first tick is at once: statistics right after start-up, then hourly.
                    if minute % 60 == 1 {
                        let p = pool.clone();
                        let optimized = tokio::task::spawn_blocking(move || {
                            let mut conn = p.get().map_err(db::DbError::from)?;
                            db::optimize(&mut conn)
                        })
                        .await;
                        if let Ok(Err(err)) = optimized {
                            tracing::warn!(error = ?err, "planner statistics not refreshed");
                        }
                        let (p, c) = (pool.clone(), config.clone());
                        match tokio::task::spawn_blocking(move || jobs::housekeeping(&p, &c)).await
                        {
                            Ok(Ok(_)) => {}
                            Ok(Err(err)) => tracing::error!(error = ?err, "housekeeping failed"),
                            Err(err) => tracing::error!(error = ?err, "housekeeping panicked"),
                        }
                    }
                    if minute == 1 {
                        let p = pool.clone();
                        let rendered = tokio::task::spawn_blocking(move || {
                            let mut conn = p.get()?;
                            domain::markdown::render_missing(&mut conn)
                        })
                        .await;
                        match rendered {
                            Ok(Ok(n)) if n > 0 => tracing::info!(rows = n, "Markdown rendered"),
                            Ok(Ok(_)) => {}
                            Ok(Err(err)) => tracing::warn!(error = ?err, "Markdown not rendered"),
                            Err(err) => tracing::error!(error = ?err, "Markdown job panicked"),
                        }
                    }
                    let (p, c) = (pool.clone(), config.clone());
                    match tokio::task::spawn_blocking(move || jobs::run_digests(&p, &c)).await {
                        Ok(Ok(n)) if n > 0 => waker.wake(),
                        Ok(Ok(_)) => {}
                        Ok(Err(err)) => tracing::error!(error = ?err, "digest job failed"),
                        Err(err) => tracing::error!(error = ?err, "digest job panicked"),
                    }
                }
            })
        });
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            (tokio::spawn(server), handle)
        });
        let result = self.server.await;
        if let Some((task, handle)) = metrics {
            handle.stop(true).await;
            let _ = task.await;
        }
        if let Some(jobs) = jobs {
            jobs.abort();
        }
        let _ = stop.send(true);
        if let Some(handle) = worker
            && let Err(err) = handle.await
        {
            tracing::error!(error = ?err, "mail worker ended abnormally");
        }
        result
    }
}

/// `/metrics` on its own listener with one worker: an operator's scraper, never the public.
fn metrics_server(
    bind: &str,
    state: actix_web::web::Data<web::AppState>,
) -> anyhow::Result<(Server, u16)> {
    let listener = TcpListener::bind(bind)
        .map_err(|e| anyhow::anyhow!("OGUG_METRICS_BIND={bind}: cannot listen there: {e}"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).route(
            "/metrics",
            actix_web::web::get().to(web::http::metrics::scrape),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok((server, port))
}
