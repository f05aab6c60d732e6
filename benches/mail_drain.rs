//! Drains 10,000 queued emails to a loopback SMTP server and reports emails/second and peak RSS.
//! Numbers, not assertions. `cargo bench --bench mail_drain` (SQLite; set TEST_DATABASE_URL for
//! PostgreSQL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../tests/api/smtp.rs"]
mod smtp;

use ogug::db::{self, write_transaction};
use ogug::domain::users::EmailAddress;
use ogug::i18n::Locale;
use ogug::mail::templates::Activation;
use ogug::mail::transport::{Transport, parse_from};
use ogug::mail::worker::{Settings, Waker, Worker};
use ogug::mail::{self, Email};
use std::time::Instant;

const EMAILS: usize = 10_000;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let bench_db = common::BenchDb::new(dir.path());
    let (url, backend) = (bench_db.url.clone(), bench_db.backend);
    let pool = db::connect(&url, 8).unwrap();

    let started = Instant::now();
    let template = Activation {
        name: "测试用户".into(),
        link: "http://127.0.0.1:8080/account/activate/0123456789abcdef".into(),
    }
    .render(Locale::ZhCn)
    .unwrap();
    let mut conn = pool.get().unwrap();
    for chunk in 0..(EMAILS / 500) {
        write_transaction(&mut conn, |c| -> Result<(), mail::MailError> {
            for i in 0..500 {
                let n = chunk * 500 + i;
                mail::enqueue(
                    c,
                    &Email {
                        idempotency_key: format!("bench:{n}"),
                        to: EmailAddress::parse(&format!("user{n}@example.org")).unwrap(),
                        to_name: format!("用户 {n}"),
                        locale: Locale::ZhCn,
                        content: template.clone(),
                        extras: Default::default(),
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
    }
    drop(conn);
    let enqueue_secs = started.elapsed().as_secs_f64();

    let server = smtp::SmtpServer::start().await;
    let mut config = ogug::config::Config::for_data_dir(dir.path(), &url);
    config.smtp_url = Some(ogug::config::Secret::new(server.url()));
    let settings = Settings {
        batch: 256,
        concurrency: 8,
        ..Settings::default()
    };
    let worker = Worker::new(
        pool.clone(),
        Transport::new(
            config.smtp_url.as_ref().map(|u| u.expose()),
            &config.data_dir.join("outbox"),
        )
        .unwrap(),
        parse_from(&config.mail_from).unwrap(),
        settings,
        Waker::default(),
    );
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let round = worker.run_once().await.unwrap();
        if round.claimed == 0 {
            break;
        }
        sent += round.sent;
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(server.received().len(), EMAILS);
    println!("mail_drain backend={backend} emails={sent}");
    println!(
        "  enqueue: {:.0} emails/s ({enqueue_secs:.2} s)",
        EMAILS as f64 / enqueue_secs
    );
    println!(
        "  drain:   {:.0} emails/s ({secs:.2} s)",
        sent as f64 / secs
    );
    println!(
        "  peak RSS of the bench process (app + SMTP sink): {:.1} MiB",
        peak_rss_mib()
    );
}
