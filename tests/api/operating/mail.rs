use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::outbox;
use ogug::db::write_transaction;
use ogug::domain::users::EmailAddress;
use ogug::i18n::Locale;
use ogug::mail::templates::Activation;
use ogug::mail::transport::{Transport, parse_from};
use ogug::mail::worker::{Waker, Worker};
use ogug::mail::{self, Email, MailError, outbox as queue};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn email(key: &str, to: &str, name: &str, locale: Locale) -> Email {
    Email {
        idempotency_key: key.to_string(),
        to: EmailAddress::parse(to).unwrap(),
        to_name: name.to_string(),
        locale,
        content: Activation {
            name: name.to_string(),
            link: format!("http://127.0.0.1/account/activate/{key}"),
        }
        .render(locale)
        .unwrap(),
        extras: Default::default(),
    }
}

fn enqueue(app: &TestApp, email: &Email) -> Result<bool, MailError> {
    let mut conn = app.conn();
    write_transaction(&mut conn, |c| mail::enqueue(c, email))
}

fn statuses(app: &TestApp) -> Vec<(String, i32)> {
    outbox::table
        .order(outbox::id)
        .select((outbox::status, outbox::attempts))
        .load(&mut app.conn())
        .unwrap()
}

async fn wait_status(app: &TestApp, status: &str, n: usize) -> Vec<(String, i32)> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = statuses(app);
        if rows.iter().filter(|(s, _)| s == status).count() >= n
            || tokio::time::Instant::now() > deadline
        {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn extra_worker(app: &TestApp) -> Worker {
    let transport = Transport::new(
        app.config.smtp_url.as_ref().map(|u| u.expose()),
        &app.config.data_dir.join("outbox"),
    )
    .unwrap();
    Worker::new(
        app.pool.clone(),
        transport,
        parse_from(&app.config.mail_from).unwrap(),
        fast_mail_settings(8),
        Waker::default(),
    )
}

#[tokio::test]
async fn a_queued_email_arrives_as_multipart_with_proper_headers_in_chinese() {
    let app = spawn_app().await;
    assert!(
        enqueue(
            &app,
            &email("k1", "Li.Lei@Example.org", "李雷", Locale::ZhCn)
        )
        .unwrap()
    );
    let got = app.smtp.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let m = parse(&got[0]);
    assert_eq!(m.subject, zh("email.activation.subject"));
    assert!(
        m.raw.contains("Subject: =?utf-8?"),
        "subject is RFC 2047 encoded"
    );
    assert!(m.text.contains("李雷，您好"));
    assert!(m.text.contains("http://127.0.0.1/account/activate/k1"));
    assert!(
        m.html
            .contains("<a href=\"http://127.0.0.1/account/activate/k1\"")
    );
    assert!(m.html.contains("lang=\"zh-Hans\""));
    assert_eq!(m.from, "noreply@localhost");
    assert_eq!(m.to, "li.lei@example.org");
    assert!(m.message_id.ends_with("@localhost"));
    assert!(m.raw.contains("\r\nDate: ") || m.raw.starts_with("Date: "));
    assert!(m.raw.contains("multipart/alternative"));
    assert_eq!(
        wait_status(&app, "sent", 1).await,
        vec![("sent".to_string(), 1)]
    );
}

#[tokio::test]
async fn english_recipients_get_english_emails() {
    let app = spawn_app().await;
    enqueue(&app, &email("k-en", "jane@example.org", "Jane", Locale::En)).unwrap();
    let got = app.smtp.wait_for(1, WAIT).await;
    let m = parse(&got[0]);
    assert_eq!(m.subject, "Welcome to oGUG: set your password");
    assert!(m.text.contains("Hello Jane,"));
    assert!(m.html.contains("lang=\"en\""));
}

#[tokio::test]
async fn the_same_idempotency_key_sends_one_email() {
    let app = spawn_app().await;
    let e = email("once", "a@example.org", "A", Locale::ZhCn);
    assert!(enqueue(&app, &e).unwrap());
    assert!(!enqueue(&app, &e).unwrap(), "second enqueue is a no-op");
    // Also inside one transaction, twice.
    let mut conn = app.conn();
    let twice = write_transaction(&mut conn, |c| -> Result<_, MailError> {
        Ok((mail::enqueue(c, &e)?, mail::enqueue(c, &e)?))
    })
    .unwrap();
    assert_eq!(twice, (false, false));
    app.smtp.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.received().len(), 1);
    assert_eq!(statuses(&app).len(), 1);
}

#[tokio::test]
async fn header_injection_cannot_reach_lettre() {
    let app = spawn_app().await;
    // A name or subject holding a line break (stored text older than the validation that now
    // refuses it) is queued with the break turned into a space: no header can be added, and
    // the action that sends it does not fail.
    let bad = email(
        "inj",
        "a@example.org",
        "Eve\r\nBcc: victim@example.org",
        Locale::ZhCn,
    );
    assert!(enqueue(&app, &bad).unwrap());
    let mut subject = email("inj2", "b@example.org", "Eve", Locale::ZhCn);
    subject.content.subject = "Hi\nBcc: victim@example.org".into();
    assert!(enqueue(&app, &subject).unwrap());
    let got = app.smtp.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2);
    for m in &got {
        let headers = m.raw.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers.lines().any(|l| l.starts_with("Bcc:")),
            "no Bcc header: {headers}"
        );
        assert!(!m.to.iter().any(|t| t.contains("victim")));
    }
    let rows: Vec<(String, String)> = outbox::table
        .order(outbox::id)
        .select((outbox::to_name, outbox::subject))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(rows[0].0, "Eve  Bcc: victim@example.org");
    assert_eq!(rows[1].1, "Hi Bcc: victim@example.org");
    assert!(statuses(&app).iter().all(|(s, _)| s != "dead"));
}

#[tokio::test]
async fn racing_workers_deliver_each_email_exactly_once() {
    let app = spawn_app_with(Options {
        mail_worker: false,
        ..Options::default()
    })
    .await;
    let n = 120;
    for i in 0..n {
        enqueue(
            &app,
            &email(
                &format!("race-{i}"),
                &format!("u{i}@example.org"),
                "U",
                Locale::En,
            ),
        )
        .unwrap();
    }
    let workers: Vec<Worker> = (0..3).map(|_| extra_worker(&app)).collect();
    let handles: Vec<_> = workers
        .into_iter()
        .map(|w| {
            tokio::spawn(async move {
                let mut claimed = 0;
                loop {
                    let round = w.run_once().await.unwrap();
                    if round.claimed == 0 {
                        return claimed;
                    }
                    claimed += round.claimed;
                }
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    assert_eq!(total, n, "every row claimed once across workers");
    let got = app.smtp.received();
    assert_eq!(got.len(), n);
    let mut ids: Vec<String> = got.iter().map(|r| parse(r).message_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "no duplicates");
    assert!(statuses(&app).iter().all(|(s, a)| s == "sent" && *a == 1));
}

#[tokio::test]
async fn smtp_down_keeps_rows_pending_until_it_comes_back() {
    let mut app = spawn_app().await;
    app.smtp.stop();
    enqueue(&app, &email("down", "a@example.org", "A", Locale::ZhCn)).unwrap();
    // Wait until at least two attempts failed.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, attempts, error): (String, i32, Option<String>) = outbox::table
            .select((outbox::status, outbox::attempts, outbox::last_error))
            .first(&mut app.conn())
            .unwrap();
        if attempts >= 2 {
            assert!(status == "pending" || status == "sending", "{status}");
            assert!(error.is_some());
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no retry happened");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    app.smtp.restart().await;
    let got = app.smtp.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(wait_status(&app, "sent", 1).await[0].0, "sent");
}

#[tokio::test]
async fn a_permanent_rejection_goes_dead_at_once_and_can_be_retried() {
    let app = spawn_app().await;
    app.smtp.set(Behaviour::RejectPermanent);
    enqueue(&app, &email("perm", "a@example.org", "A", Locale::ZhCn)).unwrap();
    let rows = wait_status(&app, "dead", 1).await;
    assert_eq!(
        rows,
        vec![("dead".to_string(), 1)],
        "dead after one attempt"
    );

    app.smtp.set(Behaviour::Accept);
    let n = write_transaction(&mut app.conn(), |c| {
        queue::retry_dead(c, ogug::domain::now())
    })
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(app.smtp.wait_for(1, WAIT).await.len(), 1);
    assert_eq!(wait_status(&app, "sent", 1).await[0].0, "sent");
}

#[tokio::test]
async fn transient_failures_go_dead_after_the_attempt_budget() {
    let app = spawn_app_with(Options {
        max_attempts: 3,
        ..Options::default()
    })
    .await;
    app.smtp.set(Behaviour::RejectTransient);
    enqueue(&app, &email("budget", "a@example.org", "A", Locale::ZhCn)).unwrap();
    let rows = wait_status(&app, "dead", 1).await;
    assert_eq!(rows, vec![("dead".to_string(), 3)]);
    let error: Option<String> = outbox::table
        .select(outbox::last_error)
        .first(&mut app.conn())
        .unwrap();
    assert!(error.unwrap().contains("451"));
    assert!(app.smtp.received().is_empty());
}

/// A worker that dies while the server has not yet accepted the message: the row stays
/// `sending` until its lease expires, then another worker delivers it exactly once.
#[tokio::test]
async fn a_worker_killed_mid_send_is_taken_over_after_its_lease() {
    let app = spawn_app_with(Options {
        mail_worker: false,
        ..Options::default()
    })
    .await;
    app.smtp.set(Behaviour::Hang);
    enqueue(&app, &email("killed", "a@example.org", "A", Locale::ZhCn)).unwrap();
    let doomed = extra_worker(&app);
    let task = tokio::spawn(async move { doomed.run_once().await });
    // Wait until it claimed the row, then kill it mid-send.
    let deadline = tokio::time::Instant::now() + WAIT;
    while statuses(&app)[0].0 != "sending" {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    task.abort();
    app.smtp.set(Behaviour::Accept);

    let rescuer = extra_worker(&app);
    let round = rescuer.run_once().await.unwrap();
    assert_eq!(round.claimed, 0, "the lease still holds");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let round = rescuer.run_once().await.unwrap();
    assert_eq!(round.sent, 1);
    assert_eq!(app.smtp.received().len(), 1, "delivered exactly once");
    assert_eq!(statuses(&app), vec![("sent".to_string(), 2)]);
}

/// A worker that dies after the server accepted the message but before recording it: the row is
/// sent again after the lease. This is the one duplicate the design allows, and both copies carry
/// the same Message-ID so receivers can drop the second.
#[tokio::test]
async fn a_worker_killed_after_delivery_causes_one_duplicate_with_the_same_message_id() {
    let app = spawn_app_with(Options {
        mail_worker: false,
        ..Options::default()
    })
    .await;
    enqueue(&app, &email("dup", "a@example.org", "A", Locale::ZhCn)).unwrap();
    // The doomed instance: claims, sends, dies before marking sent.
    let rows = write_transaction(&mut app.conn(), |c| {
        queue::claim_due(c, ogug::domain::now(), chrono::TimeDelta::seconds(1), 10)
    })
    .unwrap();
    assert_eq!(rows.len(), 1);
    let transport = Transport::new(
        app.config.smtp_url.as_ref().map(|u| u.expose()),
        &app.config.data_dir.join("outbox"),
    )
    .unwrap();
    transport
        .send(&parse_from(&app.config.mail_from).unwrap(), &rows[0])
        .await
        .unwrap();

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let round = extra_worker(&app).run_once().await.unwrap();
    assert_eq!(round.sent, 1);
    let got = app.smtp.received();
    assert_eq!(got.len(), 2, "at least once: exactly one duplicate");
    assert_eq!(parse(&got[0]).message_id, parse(&got[1]).message_id);
}

#[tokio::test]
async fn shutdown_finishes_the_message_in_flight() {
    let app = spawn_app_with(Options {
        mail_worker: false,
        ..Options::default()
    })
    .await;
    app.smtp.set(Behaviour::Delay(Duration::from_millis(400)));
    enqueue(&app, &email("inflight", "a@example.org", "A", Locale::ZhCn)).unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(extra_worker(&app).run(stopped));
    let deadline = tokio::time::Instant::now() + WAIT;
    while statuses(&app)[0].0 != "sending" {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(WAIT, worker).await.unwrap().unwrap();
    assert_eq!(app.smtp.received().len(), 1);
    assert_eq!(statuses(&app), vec![("sent".to_string(), 1)]);
}

#[tokio::test]
async fn without_smtp_emails_are_written_as_eml_files() {
    let app = spawn_app_with(Options {
        mail_worker: false,
        ..Options::default()
    })
    .await;
    let mut config = app.config.clone();
    config.smtp_url = None;
    enqueue(&app, &email("file", "a@example.org", "A", Locale::En)).unwrap();
    let worker = Worker::new(
        app.pool.clone(),
        Transport::new(
            config.smtp_url.as_ref().map(|u| u.expose()),
            &config.data_dir.join("outbox"),
        )
        .unwrap(),
        parse_from(&config.mail_from).unwrap(),
        fast_mail_settings(8),
        Waker::default(),
    );
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    let files: Vec<_> = std::fs::read_dir(app.data_dir().join("outbox"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(text.contains("Welcome to oGUG"));
}
