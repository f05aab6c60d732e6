//! `ogug backup` and `ogug restore` (issue 16), through the real binary.

use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{applications, outbox};
use reqwest::StatusCode;

fn counts(url: &str) -> Vec<(&'static str, i64)> {
    let mut conn = ogug::db::connect_one(url).expect("open");
    ogug::db::backup::row_counts(&mut conn).expect("counts")
}

#[tokio::test]
async fn a_backup_taken_during_an_apply_storm_restores_to_the_same_site() {
    let app = spawn_app().await;
    if app.db.is_postgres() {
        // pg_dump / pg_restore are PostgreSQL's own; this test covers the SQLite path.
        eprintln!(
            "skipped a_backup_taken_during_an_apply_storm…: the SQLite path (PostgreSQL uses pg_dump)"
        );
        return;
    }
    let organizer = app.organizer_of("beijing").await;
    let storm: Vec<_> = (0..40)
        .map(|i| {
            let applicant = app.applicant("风暴", &format!("storm{i}@example.org"));
            tokio::spawn(async move { applicant.apply("beijing").await.status() })
        })
        .collect();
    let file = app.dir.path().join("snapshot.sqlite3");
    let url = app.db.url.clone();
    let f = file.clone();
    let backup = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let result = ogug_cli(&url, &["backup", f.to_str().unwrap()]);
        (result, started.elapsed())
    });
    for s in storm {
        assert_eq!(s.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let ((ok, out), took) = backup.await.unwrap();
    assert!(ok, "{out}");
    eprintln!(
        "backup during the storm: {took:?}, {} bytes",
        std::fs::metadata(&file).unwrap().len()
    );

    // Restore into a new, empty database.
    let restored_dir = tempfile::tempdir().unwrap();
    let restored_url = format!(
        "sqlite://{}",
        restored_dir.path().join("restored.sqlite3").display()
    );
    let (ok, out) = ogug_cli(&restored_url, &["restore", file.to_str().unwrap()]);
    assert!(ok, "{out}");
    let snapshot_url = format!("sqlite://{}", file.display());
    assert_eq!(
        counts(&restored_url),
        counts(&snapshot_url),
        "same row counts"
    );
    // Consistent: each application in the snapshot has its confirmation email (one transaction).
    let mut conn = ogug::db::connect_one(&restored_url).unwrap();
    let apps: i64 = applications::table.count().get_result(&mut conn).unwrap();
    let confirms: i64 = outbox::table
        .filter(outbox::idempotency_key.like("apply-confirm:%"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(apps, confirms);
    drop(conn);

    // A server on the restored database serves the same public page and the old session.
    let restored = spawn_app_with(Options {
        demo: false,
        mail_worker: false,
        database_url: Some(restored_url),
        ..Options::default()
    })
    .await;
    let page = |a: &TestApp| {
        let (address, path) = (
            a.address.clone(),
            "/chapters/beijing/events?lang=en".to_string(),
        );
        async move {
            let html = reqwest::get(format!("{address}{path}"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            html.replace(&address, "ORIGIN")
        }
    };
    assert_eq!(page(&app).await, page(&restored).await);
    let old_session = Browser {
        address: restored.address.clone(),
        client: organizer.client.clone(),
    };
    assert_eq!(old_session.get("/account").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn restore_refuses_a_damaged_or_foreign_file_and_a_database_with_data() {
    let app = spawn_app().await;
    if app.db.is_postgres() {
        eprintln!("skipped restore_refuses…: the SQLite path");
        return;
    }
    let dir = app.dir.path();
    let file = dir.join("good.sqlite3");
    let (ok, out) = ogug_cli(&app.db.url, &["backup", file.to_str().unwrap()]);
    assert!(ok, "{out}");
    let (ok, out) = ogug_cli(&app.db.url, &["backup", file.to_str().unwrap()]);
    assert!(!ok && out.contains("already exists"), "{out}");

    let truncated = dir.join("truncated.sqlite3");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let foreign = dir.join("foreign.sqlite3");
    std::fs::write(&foreign, "name,email\nx,y\n").unwrap();
    let target_dir = tempfile::tempdir().unwrap();
    let target = target_dir.path().join("t.sqlite3");
    let target_url = format!("sqlite://{}", target.display());
    for bad in [&truncated, &foreign] {
        let (ok, out) = ogug_cli(&target_url, &["restore", bad.to_str().unwrap()]);
        assert!(!ok, "{out}");
        assert!(out.contains("is not an ogug SQLite backup"), "{out}");
        assert_eq!(out.trim().lines().count(), 1, "one line: {out}");
        assert!(!target.exists(), "nothing written");
    }
    // Into the original database, which holds data: refused.
    let (ok, out) = ogug_cli(&app.db.url, &["restore", file.to_str().unwrap()]);
    assert!(!ok && out.contains("already holds data"), "{out}");
}

#[tokio::test]
async fn on_postgres_backup_runs_pg_dump() {
    let app = spawn_app().await;
    if !app.db.is_postgres() {
        eprintln!("skipped on_postgres_backup_runs_pg_dump: PostgreSQL only");
        return;
    }
    let file = app.dir.path().join("ogug.pgdump");
    let (ok, out) = ogug_cli(&app.db.url, &["backup", file.to_str().unwrap()]);
    if out.contains("is not on the PATH") {
        // Said exactly what to run instead: that is the contract without pg_dump.
        assert!(
            !ok && out.contains("run instead: pg_dump --format=custom"),
            "{out}"
        );
        return;
    }
    assert!(ok, "{out}");
    let head = std::fs::read(&file).unwrap();
    assert!(
        head.starts_with(b"PGDMP"),
        "a pg_dump custom-format archive"
    );
}

/// Issue 27, item 16: the disaster-recovery case — a new machine with no data folder yet.
/// `restore` makes what the configured database needs; an error names the path it could not open.
#[tokio::test]
async fn restore_onto_a_new_machine_makes_the_data_folder() {
    let app = spawn_app().await;
    if app.db.is_postgres() {
        eprintln!("skipped restore_onto_a_new_machine…: the SQLite path");
        return;
    }
    let file = app.dir.path().join("before-the-fire.sqlite3");
    let (ok, out) = ogug_cli(&app.db.url, &["backup", file.to_str().unwrap()]);
    assert!(ok, "{out}");
    let machine = tempfile::tempdir().unwrap();
    let target = machine
        .path()
        .join("data")
        .join("nested")
        .join("ogug.sqlite3");
    let url = format!("sqlite://{}", target.display());
    let (ok, out) = ogug_cli(&url, &["restore", file.to_str().unwrap()]);
    assert!(ok, "restore into a folder that does not exist yet: {out}");
    assert!(target.exists());
    assert_eq!(counts(&url), counts(&app.db.url), "the same site");

    // A backup file that is not there: the message names it.
    let missing = machine.path().join("no-such-backup.sqlite3");
    let (ok, out) = ogug_cli(
        &format!(
            "sqlite://{}",
            machine.path().join("other.sqlite3").display()
        ),
        &["restore", missing.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(out.contains(missing.to_str().unwrap()), "{out}");
    // A database folder that cannot be made (a file stands in its way): named too.
    let blocker = machine.path().join("blocker");
    std::fs::write(&blocker, b"x").unwrap();
    let url = format!("sqlite://{}", blocker.join("ogug.sqlite3").display());
    let (ok, out) = ogug_cli(&url, &["migrate"]);
    assert!(!ok);
    assert!(out.contains(blocker.to_str().unwrap()), "{out}");
}
