use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{chapters, tokens, users};
use std::process::Command;

fn ogug(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ogug"))
        .args(args)
        .env("DATABASE_URL", &app.db.url)
        .env("OGUG_DATA_DIR", app.data_dir())
        .env("OGUG_BASE_URL", "https://ogug.example.org")
        .env("RUST_LOG", "warn")
        .current_dir(app.data_dir())
        .output()
        .expect("run ogug");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        format!("{stderr} (exit: {:?})", out.status),
    )
}

#[tokio::test]
async fn migrate_on_an_empty_database_then_demo_loads_once() {
    let app = spawn_app_with(Options {
        demo: false,
        ..Options::default()
    })
    .await;
    let (ok, out, err) = ogug(&app, &["migrate"]);
    assert!(ok, "{err}");
    assert!(out.contains("migrated"));

    let (ok, out, err) = ogug(&app, &["demo"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("organizer@example.org: https://ogug.example.org/account/activate/"),
        "{out}"
    );
    assert!(out.contains("ambassador@example.org: https://ogug.example.org/account/activate/"));
    let (ok, out, err) = ogug(&app, &["demo"]);
    assert!(ok, "{err}");
    assert!(out.contains("already present"));

    let mut conn = app.conn();
    let n: i64 = chapters::table.count().get_result(&mut conn).unwrap();
    assert_eq!(n, 1);
    let (status, html) = app.get_html("/chapters/beijing").await;
    assert_eq!(status, 200);
    assert!(html.contains("詹年科"));
}

#[tokio::test]
async fn chapter_create_adds_a_chapter_and_refuses_bad_input() {
    let app = spawn_app().await;
    let (ok, out, err) = ogug(
        &app,
        &[
            "chapter",
            "create",
            "--slug",
            "shanghai",
            "--name-zh",
            "上海用户组",
            "--name-en",
            "Shanghai User Group",
            "--city",
            "上海 Shanghai",
            "--founded-on",
            "2021-07-01",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("/chapters/shanghai"));
    let (status, html) = app.get_html("/chapters/shanghai").await;
    assert_eq!(status, 200);
    assert!(html.contains("上海用户组"));
    assert!(html.contains(zh("chapter.roster_empty")));

    let (ok, _, err) = ogug(
        &app,
        &[
            "chapter",
            "create",
            "--slug",
            "shanghai",
            "--name-zh",
            "x",
            "--name-en",
            "x",
            "--city",
            "x",
        ],
    );
    assert!(!ok);
    assert!(err.contains("already exists"), "{err}");
    let (ok, _, err) = ogug(
        &app,
        &[
            "chapter",
            "create",
            "--slug",
            "Bad Slug",
            "--name-zh",
            "x",
            "--name-en",
            "x",
            "--city",
            "x",
        ],
    );
    assert!(!ok);
    assert!(err.contains("slug"), "{err}");
}

#[tokio::test]
async fn admin_create_prints_a_link_whose_token_is_stored_only_as_a_hash() {
    let app = spawn_app().await;
    let (ok, out, err) = ogug(
        &app,
        &[
            "admin",
            "create",
            "--email",
            "Root@Example.org",
            "--name",
            "Root",
        ],
    );
    assert!(ok, "{err}");
    let token = out.trim().rsplit('/').next().unwrap().to_string();
    assert_eq!(token.len(), 64);

    let mut conn = app.conn();
    let (admin, email): (bool, String) = users::table
        .filter(users::email.eq("root@example.org"))
        .select((users::is_site_admin, users::email))
        .first(&mut conn)
        .unwrap();
    assert!(admin);
    assert_eq!(email, "root@example.org");
    let hashes: Vec<String> = tokens::table
        .select(tokens::token_hash)
        .load(&mut conn)
        .unwrap();
    assert!(!hashes.contains(&token), "raw token stored");
    assert!(hashes.contains(&ogug::crypto::sha256_hex(&token)));

    let (ok, _, err) = ogug(&app, &["admin", "create", "--email", "not-an-email"]);
    assert!(!ok);
    assert!(err.contains("invalid email"), "{err}");
}

#[tokio::test]
async fn admin_create_emails_the_activation_link_through_the_running_worker() {
    let app = spawn_app().await;
    let (ok, out, err) = ogug(
        &app,
        &[
            "admin",
            "create",
            "--email",
            "boss@example.org",
            "--name",
            "老板",
        ],
    );
    assert!(ok, "{err}");
    let token = out.trim().rsplit('/').next().unwrap().to_string();
    let got = app
        .smtp
        .wait_for(1, std::time::Duration::from_secs(10))
        .await;
    assert_eq!(
        got.len(),
        1,
        "queued by the CLI, delivered by the server's worker"
    );
    let m = parse(&got[0]);
    assert_eq!(m.to, "boss@example.org");
    assert!(m.text.contains("老板，您好"));
    assert!(m.text.contains(&token));
}

#[tokio::test]
async fn mail_status_and_retry_dead() {
    let app = spawn_app().await;
    app.smtp.set(Behaviour::RejectPermanent);
    let (ok, _, err) = ogug(&app, &["mail", "test", "--to", "ops@example.org"]);
    assert!(ok, "{err}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, out, _) = ogug(&app, &["mail", "status"]);
        if out.contains("dead     1") {
            assert!(out.contains("sent     0"), "{out}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never dead: {out}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.smtp.set(Behaviour::Accept);
    let (ok, out, err) = ogug(&app, &["mail", "retry", "--dead"]);
    assert!(ok, "{err}");
    assert!(out.contains("Requeued 1"), "{out}");
    let got = app
        .smtp
        .wait_for(1, std::time::Duration::from_secs(10))
        .await;
    assert_eq!(parse(&got[0]).subject, zh("email.test.subject"));
    let (ok, _, _) = ogug(&app, &["mail", "retry"]);
    assert!(!ok, "--dead is required");
}

#[tokio::test]
async fn a_lost_activation_link_is_printed_again_and_works() {
    let app = spawn_app().await;
    let (ok, _, err) = ogug(&app, &["admin", "create", "--email", "lost@example.org"]);
    assert!(ok, "{err}");
    // The first link was lost: the operator prints a new one, and it activates the account.
    let (ok, out, err) = ogug(&app, &["user", "link", "--email", "lost@example.org"]);
    assert!(ok, "{err}");
    assert!(out.contains("activation"), "{out}");
    let path = format!(
        "/account/activate/{}",
        out.trim().rsplit('/').next().unwrap()
    );
    let (status, html) = app.get_html(&path).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(html.contains("lost@example.org"));
    let res = app
        .post_form(
            &path,
            &[
                ("password", "found again 2021 passphrase"),
                ("password_confirm", "found again 2021 passphrase"),
            ],
        )
        .await;
    assert!(res.status().is_redirection());
    // With a password set, the same command gives a reset link; nobody unknown gets one.
    let (ok, out, _) = ogug(&app, &["user", "link", "--email", "lost@example.org"]);
    assert!(ok && out.contains("/account/reset/"), "{out}");
    let (ok, _, err) = ogug(&app, &["user", "link", "--email", "nobody@example.org"]);
    assert!(!ok && err.contains("no account"), "{err}");
}
