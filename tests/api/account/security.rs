//! Accounts against attack: sign-in guesses, links, `next`, the hashing queue, cookies.
//! (Regression tests for the findings of the outside probe of issue 13.)

use crate::events::PW;
use crate::helpers::*;
use reqwest::StatusCode;

// 3. Open redirect ---------------------------------------------------------------------------

#[tokio::test]
async fn next_accepts_only_a_local_path() {
    let app = spawn_app().await;
    app.create_user("n@example.org", "N", Some(PW), false);
    for bad in [
        "/\t/evil.example",
        "/\\evil.example",
        "//evil.example",
        "/\0",
        "/\u{b}",
    ] {
        let res = app
            .browser()
            .post_form(
                "/login",
                &[("email", "n@example.org"), ("password", PW), ("next", bad)],
            )
            .await;
        assert_redirect_to(&res, "/");
    }
    let b = app.browser();
    b.login("n@example.org", PW).await;
    // A NUL is refused before any handler (issue 27: it never reaches a database).
    let res = b.get("/login?next=/%00").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    for query in ["/%09/evil.example", "/%0B", "/%7F", "/%5Cevil.example"] {
        let res = b.get(&format!("/login?next={query}")).await;
        assert_redirect_to(&res, "/");
    }
    let res = b.get("/login?next=/chapters/beijing").await;
    assert_redirect_to(&res, "/chapters/beijing");
}

// 4. Activation links after activation -------------------------------------------------------

#[tokio::test]
async fn using_one_activation_link_voids_the_others() {
    use ogug::domain::one_time_tokens::Purpose;
    let app = spawn_app().await;
    let id = app.create_user("two@example.org", "两个分会", None, false);
    let first = app.issue_token(Purpose::Activate, id);
    let second = app.issue_token(Purpose::Activate, id);
    let reset = app.issue_token(Purpose::ResetPassword, id);
    let b = app.browser();
    let res = b
        .post_form(
            &format!("/account/activate/{first}"),
            &[("password", PW), ("password_confirm", PW)],
        )
        .await;
    assert_redirect_to(&res, "/account?welcome=1");
    let other = app.browser();
    for path in [
        format!("/account/activate/{second}"),
        format!("/account/reset/{reset}"),
    ] {
        let (status, html) = other.get_html(&path).await;
        assert_eq!(status, StatusCode::GONE, "{path}");
        assert!(!html.contains("two@example.org"));
        let res = other
            .post_form(
                &path,
                &[
                    ("password", "another passphrase 99"),
                    ("password_confirm", "another passphrase 99"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::GONE, "{path}");
    }
    // The first session lives on: nobody set another password.
    assert_eq!(b.get("/account").await.status(), StatusCode::OK);
}

// 10. The current-password check and the hashing queue ---------------------------------------

#[tokio::test]
async fn wrong_current_passwords_count_like_failed_sign_ins() {
    let app = spawn_app().await;
    app.create_user("pw@example.org", "PW", Some(PW), false);
    let b = app.sign_in("pw@example.org", PW).await;
    let change = |current: &'static str| {
        let b = b.clone();
        async move {
            b.post_form(
                "/account/password",
                &[
                    ("current_password", current),
                    ("password", "a new passphrase 2026"),
                    ("password_confirm", "a new passphrase 2026"),
                ],
            )
            .await
        }
    };
    for _ in 0..ogug::domain::rate_limits::PAIR_FAILURES {
        let res = change("wrong guess").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains(zh("error.current_password_wrong"))
        );
    }
    // Locked now, even with the right one; the same lock holds for signing in.
    let res = change(PW).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("error.password_attempts"))
    );
    assert_eq!(
        app.browser().login("pw@example.org", PW).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_full_hashing_queue_answers_503_at_once() {
    let app = spawn_app_with(Options {
        hash_queue: 0,
        ..Options::default()
    })
    .await;
    app.create_user("q@example.org", "Q", Some(PW), false);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let b = app.browser();
        let token = b.csrf().await;
        tasks.push(tokio::spawn(async move {
            b.client
                .post(b.url("/login"))
                .form(&[
                    ("email", "q@example.org"),
                    ("password", "wrong guess"),
                    ("csrf_token", &token),
                ])
                .send()
                .await
                .unwrap()
        }));
    }
    let mut busy = 0;
    for t in tasks {
        let res = t.await.unwrap();
        match res.status() {
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert!(res.headers().contains_key("retry-after"));
            }
            StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(busy > 0, "some checks were refused instead of queued");
}

// 11. Targeted lockout -----------------------------------------------------------------------

#[tokio::test]
async fn guesses_from_elsewhere_do_not_lock_the_owner_out() {
    use ogug::domain::rate_limits::{ACCOUNT_FAILURES, PAIR_FAILURES, PasswordFailures};
    let app = spawn_app().await;
    app.create_user("owner@example.org", "Owner", Some(PW), false);
    let attacker = app.browser_from([127, 0, 0, 2]);
    for _ in 0..PAIR_FAILURES {
        let res = attacker.login("owner@example.org", "guess").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = attacker.login("owner@example.org", PW).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser is locked"
    );
    let res = app.browser().login("owner@example.org", PW).await;
    assert!(res.status().is_redirection(), "the owner is not");

    // Guesses spread over many addresses meet the account-wide ceiling.
    {
        let mut conn = app.conn();
        for i in 0..ACCOUNT_FAILURES {
            PasswordFailures::new(
                "owner@example.org",
                &format!("10.0.{}.{}", i / 250, i % 250),
            )
            .record(&mut conn)
            .unwrap();
        }
    }
    let res = app.browser().login("owner@example.org", PW).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

// 14. The pre-session CSRF cookie on https ---------------------------------------------------

#[tokio::test]
async fn on_https_the_csrf_cookie_is_host_prefixed() {
    let app = spawn_app_with(Options {
        https: true,
        ..Options::default()
    })
    .await;
    let res = app.browser().get("/login").await;
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.contains("ogug_csrf="))
        .expect("a CSRF cookie");
    assert!(csrf.starts_with("__Host-ogug_csrf="), "{csrf}");
    assert!(csrf.contains("Secure") && csrf.contains("Path=/"), "{csrf}");
    assert!(!csrf.contains("Domain="), "{csrf}");

    let plain = spawn_app().await;
    let res = plain.browser().get("/login").await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains("ogug_csrf="))
        .unwrap();
    assert!(
        cookie.starts_with("ogug_csrf="),
        "on http no prefix: {cookie}"
    );
}
