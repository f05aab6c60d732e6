mod security;
use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{audit_log, sessions, tokens, users};
use ogug::domain::one_time_tokens::Purpose;
use reqwest::StatusCode;
use std::time::Duration;

const PW: &str = "correct horse battery staple";
const WAIT: Duration = Duration::from_secs(10);

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.cookies()
        .find(|c| c.name() == "ogug_session")
        .map(|c| c.value().to_string())
}

/// A browser that presents exactly this session cookie (a replayed or stolen one).
fn replay(app: &TestApp, cookie: &str) -> reqwest::RequestBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/account"))
        .header("Cookie", format!("ogug_session={cookie}"))
}

/// Whether the session is refused within a second: a change made in the database by someone
/// other than this server reaches its memory of sessions through PostgreSQL's notice.
async fn refused_within_a_second(app: &TestApp, cookie: &str) -> bool {
    let since = std::time::Instant::now();
    while since.elapsed() < std::time::Duration::from_secs(1) {
        let status = replay(app, cookie).send().await.unwrap().status();
        if status.is_redirection() {
            return true;
        }
        assert_eq!(status, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    false
}

fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::table
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn activation_sets_a_password_and_signs_in_once() {
    let app = spawn_app().await;
    let id = app.create_user("new@example.org", "新人", None, false);
    let token = app.issue_token(Purpose::Activate, id);
    let path = format!("/account/activate/{token}");

    let (status, html) = app.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("new@example.org"));
    assert!(
        !html.contains("pattern="),
        "no composition rules (ASVS 6.2.5)"
    );

    // Common password refused; mismatch refused; both re-render with the field error.
    let res = app
        .post_form(
            &path,
            &[
                ("password", "password1234"),
                ("password_confirm", "password1234"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("error.password_common"))
    );
    let res = app
        .post_form(
            &path,
            &[("password", "1234567"), ("password_confirm", "1234567")],
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("error.password_short"))
    );
    let res = app
        .post_form(
            &path,
            &[("password", PW), ("password_confirm", "something else")],
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("error.password_mismatch"))
    );

    let res = app
        .post_form(&path, &[("password", PW), ("password_confirm", PW)])
        .await;
    assert_redirect_to(&res, "/account?welcome=1");
    assert!(session_cookie(&res).is_some());
    let (status, html) = app.get_html("/account?welcome=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(zh("account.welcome")));
    assert!(html.contains("新人"));

    // Replay refused.
    let (status, html) = app.get_html(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains(zh("link.invalid_title")));
    let res = app
        .post_form(&path, &[("password", PW), ("password_confirm", PW)])
        .await;
    assert_eq!(res.status(), StatusCode::GONE);

    // The database holds only the digest.
    let hashes: Vec<String> = tokens::table
        .select(tokens::token_hash)
        .load(&mut app.conn())
        .unwrap();
    assert!(!hashes.contains(&token));
    assert!(audit_actions(&app).contains(&"account_activated".to_string()));
}

#[tokio::test]
async fn expired_activation_links_are_refused() {
    let app = spawn_app().await;
    let id = app.create_user("late@example.org", "Late", None, false);
    let token = app.issue_token(Purpose::Activate, id);
    diesel::update(tokens::table)
        .set(tokens::expires_at.eq(ogug::domain::now() - chrono::TimeDelta::minutes(1)))
        .execute(&mut app.conn())
        .unwrap();
    let (status, _) = app.get_html(&format!("/account/activate/{token}")).await;
    assert_eq!(status, StatusCode::GONE);
    let res = app
        .post_form(
            &format!("/account/activate/{token}"),
            &[("password", PW), ("password_confirm", PW)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
    let hash: Option<String> = users::table
        .find(id)
        .select(users::password_hash)
        .first(&mut app.conn())
        .unwrap();
    assert!(hash.is_none());
}

#[tokio::test]
async fn passwords_are_argon2id_never_truncated_and_long_ones_work() {
    let app = spawn_app().await;
    let long = "长城".repeat(20) + &"x".repeat(60); // 100 characters
    app.create_user("long@example.org", "Long", Some(&long), false);
    let hash: Option<String> = users::table
        .filter(users::email.eq("long@example.org"))
        .select(users::password_hash)
        .first(&mut app.conn())
        .unwrap();
    assert!(hash.unwrap().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    let mut almost = long.clone();
    almost.pop();
    almost.push('y');
    let res = app.browser().login("long@example.org", &almost).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "changing the last character fails"
    );
    let res = app.login("long@example.org", &long).await;
    assert_redirect_to(&res, "/account");
}

#[tokio::test]
async fn sign_in_rotates_the_session_and_sign_out_kills_it() {
    let app = spawn_app().await;
    app.create_user("m@example.org", "M", Some(PW), false);
    let first = session_cookie(&app.login("m@example.org", PW).await).unwrap();
    assert_eq!(first.len(), 64, "256-bit session id");
    let second = session_cookie(&app.login("m@example.org", PW).await).unwrap();
    assert_ne!(first, second, "new id at sign-in");
    let res = replay(&app, &first).send().await.unwrap();
    assert_redirect_to(&res, "/login?next=%2Faccount");
    let res = replay(&app, &second).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");

    // The database keys sessions by digest only.
    let stored: Vec<String> = sessions::table
        .select(sessions::token_hash)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(stored, vec![ogug::crypto::sha256_hex(&second)]);

    let res = app.post_form("/logout", &[]).await;
    assert_redirect_to(&res, "/login?done=logout");
    let res = replay(&app, &second).send().await.unwrap();
    assert!(
        res.status().is_redirection(),
        "replay after sign-out refused"
    );
    let actions = audit_actions(&app);
    assert!(actions.contains(&"login".to_string()));
    assert!(actions.contains(&"logout".to_string()));
}

#[tokio::test]
async fn session_cookie_attributes() {
    let app = spawn_app().await;
    app.create_user("c@example.org", "C", Some(PW), false);
    let res = app.login("c@example.org", PW).await;
    let set_cookie: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("ogug_session="))
        .unwrap();
    assert!(session.contains("HttpOnly"));
    assert!(session.contains("SameSite=Lax"));
    assert!(session.contains("Path=/"));
    assert!(!session.contains("Secure"), "plain http here");
    assert!(
        !session.contains("Max-Age"),
        "a browser-session cookie without remember me"
    );
    let remembered = app
        .browser()
        .post_form(
            "/login",
            &[
                ("email", "c@example.org"),
                ("password", PW),
                ("remember", "on"),
            ],
        )
        .await;
    let c = remembered
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("ogug_session="))
        .unwrap();
    assert!(c.contains("Max-Age=2592000"), "{c}");

    let https = ogug::web::http::auth::session_cookie("v".into(), true, false).to_string();
    assert!(https.starts_with("__Host-ogug_session=v"));
    assert!(https.contains("Secure"));
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_sessions() {
    let app = spawn_app().await;
    app.create_user("t@example.org", "T", Some(PW), false);
    let cookie = session_cookie(&app.login("t@example.org", PW).await).unwrap();
    assert_eq!(
        replay(&app, &cookie).send().await.unwrap().status(),
        StatusCode::OK
    );
    // Idle for over 2 hours.
    diesel::update(sessions::table)
        .set(sessions::last_seen_at.eq(ogug::domain::now() - chrono::TimeDelta::minutes(121)))
        .execute(&mut app.conn())
        .unwrap();
    assert!(refused_within_a_second(&app, &cookie).await);

    let cookie = session_cookie(&app.login("t@example.org", PW).await).unwrap();
    diesel::update(sessions::table)
        .set(sessions::expires_at.eq(ogug::domain::now() - chrono::TimeDelta::seconds(1)))
        .execute(&mut app.conn())
        .unwrap();
    assert!(refused_within_a_second(&app, &cookie).await);
}

#[tokio::test]
async fn disabling_a_user_ends_their_session_at_the_next_request() {
    let app = spawn_app().await;
    let id = app.create_user("d@example.org", "D", Some(PW), false);
    let cookie = session_cookie(&app.login("d@example.org", PW).await).unwrap();
    // Seen once, so that on PostgreSQL this server keeps the session in memory.
    let seen = replay(&app, &cookie).send().await.unwrap();
    assert_eq!(seen.status(), StatusCode::OK);
    diesel::update(users::table.find(id))
        .set(users::disabled_at.eq(Some(ogug::domain::now())))
        .execute(&mut app.conn())
        .unwrap();
    assert!(refused_within_a_second(&app, &cookie).await);
    let res = app.browser().login("d@example.org", PW).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a disabled user cannot sign in"
    );
}

#[tokio::test]
async fn unknown_and_known_emails_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("known@example.org", "K", Some(PW), false);
    let b = app.browser();
    let known = b.login("known@example.org", "wrong password here").await;
    let known_status = known.status();
    let known_body = known
        .text()
        .await
        .unwrap()
        .replace("known@example.org", "EMAIL");
    let unknown = b.login("nobody@example.org", "wrong password here").await;
    let unknown_status = unknown.status();
    let unknown_body = unknown
        .text()
        .await
        .unwrap()
        .replace("nobody@example.org", "EMAIL");
    assert_eq!(known_status, StatusCode::UNAUTHORIZED);
    assert_eq!(known_status, unknown_status);
    assert_eq!(known_body, unknown_body);
    assert!(known_body.contains(zh("login.failed")));
    assert!(
        known_body.contains(r#"value="EMAIL""#),
        "email kept in the form"
    );

    // Reset requests too.
    let a = b
        .post_form("/account/reset", &[("email", "known@example.org")])
        .await;
    let a_status = a.status();
    let a_body = a
        .text()
        .await
        .unwrap()
        .replace("known@example.org", "EMAIL");
    let u = b
        .post_form("/account/reset", &[("email", "nobody@example.org")])
        .await;
    assert_eq!(a_status, u.status());
    assert_eq!(
        a_body,
        u.text()
            .await
            .unwrap()
            .replace("nobody@example.org", "EMAIL")
    );
    assert!(a_body.contains(zh("reset.sent")));
}

#[tokio::test]
async fn the_eleventh_sign_in_attempt_is_throttled() {
    let app = spawn_app().await;
    app.create_user("victim@example.org", "V", Some(PW), false);
    let b = app.browser();
    for i in 0..10 {
        let res = b.login("victim@example.org", "not the password").await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    let res = b.login("victim@example.org", "not the password").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = res.text().await.unwrap();
    assert!(body.contains("请求过于频繁") && body.contains("Too many requests"));
    // Per account, across addresses and instances: the database counter holds the lock even
    // with the right password from a fresh per-IP window.
    let counts: Vec<i32> = ogug::db::schema::rate_limits::table
        .filter(ogug::db::schema::rate_limits::key.like("login:%"))
        .select(ogug::db::schema::rate_limits::count)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(counts, [10, 10], "per account, and per account and address");
    let failures = audit_actions(&app)
        .iter()
        .filter(|a| *a == "login_failed")
        .count();
    assert_eq!(failures, 10);
}

#[tokio::test]
async fn a_throttled_account_stays_locked_with_the_right_password() {
    let app = spawn_app().await;
    app.create_user("locked@example.org", "L", Some(PW), false);
    {
        let mut conn = app.conn();
        let failures =
            ogug::domain::rate_limits::PasswordFailures::new("locked@example.org", "127.0.0.1");
        for _ in 0..10 {
            failures.record(&mut conn).unwrap();
        }
    }
    let res = app.login("locked@example.org", PW).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn posts_without_the_csrf_token_are_refused_and_gets_cannot_change_state() {
    let app = spawn_app().await;
    app.create_user("x@example.org", "X", Some(PW), false);
    let b = app.browser();
    let res = b
        .post_raw("/login", &[("email", "x@example.org"), ("password", PW)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("表单已过期"));
    let res = b
        .post_raw(
            "/login",
            &[
                ("email", "x@example.org"),
                ("password", PW),
                ("csrf_token", &"0".repeat(64)),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Signed in, the token is the session's: the pre-session one no longer works.
    let anon_token = b.csrf().await;
    assert_redirect_to(&b.login("x@example.org", PW).await, "/account");
    let res = b
        .post_raw(
            "/account/settings",
            &[
                ("display_name", "Hacked"),
                ("locale", "en"),
                ("csrf_token", &anon_token),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let name: String = users::table
        .filter(users::email.eq("x@example.org"))
        .select(users::display_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(name, "X");

    // GET on a POST route is 405, never a state change.
    let res = b.get("/logout").await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        b.get("/account").await.status(),
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = spawn_app().await;
    let big = "x".repeat(100 * 1024);
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("email", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.text().await.unwrap().contains("内容过大"));
}

#[tokio::test]
async fn password_reset_by_email_ends_all_sessions_and_notifies() {
    let app = spawn_app().await;
    app.create_user("r@example.org", "Rita", Some(PW), false);
    let other = app.browser();
    let other_cookie = session_cookie(&other.login("r@example.org", PW).await).unwrap();

    let res = app
        .post_form("/account/reset", &[("email", "R@Example.org")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mails = app.smtp.wait_for(1, WAIT).await;
    let mail = parse(&mails[0]);
    assert_eq!(mail.subject, zh("email.reset.subject"));
    let link = link_in(&mail.text, &format!("{}/account/reset/", app.address));
    let path = link.trim_start_matches(&app.address).to_string();

    let res = app
        .post_form(
            &path,
            &[("password", "qwerty123"), ("password_confirm", "qwerty123")],
        )
        .await;
    assert!(
        res.text().await.unwrap().contains("这个密码太常见"),
        "common password refused at reset"
    );
    let new = "a brand new passphrase";
    let res = app
        .post_form(&path, &[("password", new), ("password_confirm", new)])
        .await;
    assert_redirect_to(&res, "/login?done=reset");
    assert!(
        replay(&app, &other_cookie)
            .send()
            .await
            .unwrap()
            .status()
            .is_redirection(),
        "other sessions ended"
    );
    let (status, _) = app.get_html(&path).await;
    assert_eq!(status, StatusCode::GONE, "single use");

    let mails = app.smtp.wait_for(2, WAIT).await;
    let notice = parse(&mails[1]);
    assert_eq!(notice.subject, zh("email.security.subject"));
    assert!(notice.text.contains(zh("email.security.password_reset")));
    assert_redirect_to(&app.browser().login("r@example.org", new).await, "/account");
    assert!(audit_actions(&app).contains(&"password_reset".to_string()));
}

#[tokio::test]
async fn expired_reset_links_are_refused() {
    let app = spawn_app().await;
    let id = app.create_user("e@example.org", "E", Some(PW), false);
    let token = app.issue_token(Purpose::ResetPassword, id);
    diesel::update(tokens::table)
        .set(tokens::expires_at.eq(ogug::domain::now() - chrono::TimeDelta::seconds(1)))
        .execute(&mut app.conn())
        .unwrap();
    let res = app
        .post_form(
            &format!("/account/reset/{token}"),
            &[
                ("password", "a brand new passphrase"),
                ("password_confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    app.create_user("p@example.org", "Pat", Some(PW), false);
    let other = app.browser();
    let other_cookie = session_cookie(&other.login("p@example.org", PW).await).unwrap();
    app.login("p@example.org", PW).await;

    let new = "another long passphrase";
    let res = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "wrong one"),
                ("password", new),
                ("password_confirm", new),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("error.current_password_wrong"))
    );
    let res = app
        .post_form(
            "/account/password",
            &[
                ("current_password", PW),
                ("password", "password1234"),
                ("password_confirm", "password1234"),
            ],
        )
        .await;
    assert!(
        res.text().await.unwrap().contains("这个密码太常见"),
        "common password refused at change"
    );

    let res = app
        .post_form(
            "/account/password",
            &[
                ("current_password", PW),
                ("password", new),
                ("password_confirm", new),
            ],
        )
        .await;
    assert_redirect_to(&res, "/account/settings?saved=password");
    assert_eq!(
        app.get("/account").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    assert!(
        replay(&app, &other_cookie)
            .send()
            .await
            .unwrap()
            .status()
            .is_redirection(),
        "the other ends"
    );
    let mails = app.smtp.wait_for(1, WAIT).await;
    assert!(
        parse(&mails[0])
            .text
            .contains(zh("email.security.password_changed"))
    );
    assert!(audit_actions(&app).contains(&"password_changed".to_string()));
}

#[tokio::test]
async fn settings_keep_input_on_errors_and_apply_the_locale() {
    let app = spawn_app().await;
    app.create_user("s@example.org", "S", Some(PW), false);
    app.login("s@example.org", PW).await;
    let long = "x".repeat(101);
    let res = app
        .post_form(
            "/account/settings",
            &[
                ("display_name", ""),
                ("organization", &long),
                ("job_title", "DBA"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains(zh("error.required")));
    assert!(html.contains(zh("error.too_long")));
    assert!(html.contains(r#"value="DBA""#), "input kept");
    assert!(html.contains("aria-invalid=\"true\""));

    let res = app
        .post_form(
            "/account/settings",
            &[
                ("display_name", "Sam <b>"),
                ("organization", "云和恩墨"),
                ("job_title", "DBA"),
                ("locale", "en"),
                ("roster_visible", "on"),
            ],
        )
        .await;
    assert_redirect_to(&res, "/account/settings?saved=1");
    let (_, html) = app.get_html("/account").await;
    assert!(
        html.contains("My account"),
        "English from the saved setting"
    );
    assert!(
        html.contains("Sam &#60;b&#62;") || html.contains("Sam &lt;b&gt;"),
        "escaped"
    );
    assert!(!html.contains("Sam <b>"));
    let visible: bool = users::table
        .filter(users::email.eq("s@example.org"))
        .select(users::roster_visible)
        .first(&mut app.conn())
        .unwrap();
    assert!(visible);
}

#[tokio::test]
async fn export_contains_my_data_and_no_one_elses() {
    let app = spawn_app().await;
    app.create_user("me@example.org", "Me", Some(PW), false);
    app.login("me@example.org", PW).await;
    let res = app.get("/account/export").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let json: serde_json::Value = res.json().await.unwrap();
    assert_eq!(json["user"]["email"], "me@example.org");
    assert_eq!(json["user"]["has_password"], true);
    let text = json.to_string();
    assert!(!text.contains("argon2"), "no password hash");
    assert!(!text.contains("zhou.zhi@example.org"), "no one else");
    assert!(!text.contains("organizer@example.org"));
}

#[tokio::test]
async fn deleting_the_account_removes_it_and_the_last_organizer_must_hand_over() {
    let app = spawn_app().await;
    // The demo organizer is Beijing's only organizer.
    let organizer: UserId = users::table
        .filter(users::email.eq("organizer@example.org"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let hash = ogug::domain::passwords::hash(PW).unwrap();
    ogug::domain::accounts::set_password(&mut app.conn(), organizer, &hash, None).unwrap();
    let b = app.browser();
    b.login("organizer@example.org", PW).await;
    let (_, html) = b.get_html("/account/delete").await;
    assert!(html.contains(zh("delete.handover")));
    let res = b
        .post_form(
            "/account/delete",
            &[("confirm_email", "organizer@example.org")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        users::table
            .find(organizer)
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap()
            == 1
    );

    app.create_user("bye@example.org", "Bye", Some(PW), false);
    app.login("bye@example.org", PW).await;
    let res = app
        .post_form("/account/delete", &[("confirm_email", "wrong@example.org")])
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("输入的地址与您的账号不一致")
    );
    let res = app
        .post_form("/account/delete", &[("confirm_email", "bye@example.org")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains(zh("delete.done")));
    let left: i64 = users::table
        .filter(users::email.eq("bye@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0);
    assert!(app.get("/account").await.status().is_redirection());
}

#[tokio::test]
async fn the_admin_area_is_for_site_admins_only() {
    let app = spawn_app().await;
    assert_redirect_to(&app.get("/admin").await, "/login?next=%2Fadmin");
    app.create_user("plain@example.org", "Plain", Some(PW), false);
    app.login("plain@example.org", PW).await;
    assert_eq!(app.get("/admin").await.status(), StatusCode::FORBIDDEN);
    let admin = app.browser();
    app.create_user("root@example.org", "Root", Some(PW), true);
    admin.login("root@example.org", PW).await;
    let (status, html) = admin.get_html("/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("北京用户组"));
}

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for_but_only_on_this_site() {
    let app = spawn_app().await;
    app.create_user("n@example.org", "N", Some(PW), false);
    let res = app.get("/account/settings").await;
    assert_redirect_to(&res, "/login?next=%2Faccount%2Fsettings");
    let res = app
        .post_form(
            "/login",
            &[
                ("email", "n@example.org"),
                ("password", PW),
                ("next", "/account/settings"),
            ],
        )
        .await;
    assert_redirect_to(&res, "/account/settings");
    let res = app
        .browser()
        .post_form(
            "/login",
            &[
                ("email", "n@example.org"),
                ("password", PW),
                ("next", "//evil.example"),
            ],
        )
        .await;
    assert_redirect_to(&res, "/");
}

#[tokio::test]
async fn activating_on_an_english_page_makes_the_account_english() {
    let app = spawn_app().await;
    let id = app.create_user("staff@example.org", "Staff", None, false);
    let token = app.issue_token(Purpose::Activate, id);
    let path = format!("/account/activate/{token}");
    let b = app.browser();
    // The appointee opened the link and switched the page to English.
    let (status, html) = b.get_html(&format!("{path}?lang=en")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(ogug::i18n::Locale::En.t("activate.title")));
    let res = b
        .post_form(
            &path,
            &[
                ("password", "a long staff passphrase"),
                ("password_confirm", "a long staff passphrase"),
            ],
        )
        .await;
    assert!(res.status().is_redirection());
    let locale: String = users::table
        .find(id)
        .select(users::locale)
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(locale, "en", "stored as the account's language");
    // A fresh browser signed in as them reads English without choosing again.
    let fresh = app
        .sign_in("staff@example.org", "a long staff passphrase")
        .await;
    let (_, page) = fresh.get_html("/account").await;
    assert!(page.contains(r#"lang="en""#));
}

/// Staff find their work from the account page: each chapter they run, with the applications
/// waiting (organizers), the talks they have not reviewed and the drafts, each linked.
#[tokio::test]
async fn the_account_page_lists_my_chapters_with_what_waits_for_me() {
    let app = spawn_app().await;
    let applicant = app.applicant("李雷", "lilei@example.org");
    applicant.apply("beijing").await;
    let confirm = app.mail().link_to("/applications/confirm/").await;
    applicant.browser.post_form(&confirm, &[]).await;
    let organizer = app.organizer().await;
    let (_, page) = organizer.get_html("/account").await;
    let work = &page[page.find(r#"id="my-work""#).expect("my chapters")..];
    assert!(work.contains(
        r#"id="work-applications-beijing" href="/chapters/beijing/manage/applications""#
    ));
    let after = &work[work.find("work-applications-beijing").unwrap()..];
    assert!(
        after[..200].contains(&zh("account.work_waiting").replace("{n}", "1")),
        "{}",
        &after[..200]
    );
    assert!(work.contains(r#"href="/chapters/beijing/manage/talks""#));

    // An ambassador decides no applications: no such link for them.
    let ambassador = app
        .signed_in_as(ogug::domain::memberships::Role::Ambassador, "beijing")
        .await;
    let (_, page) = ambassador.get_html("/account").await;
    assert!(page.contains(r#"id="my-work""#));
    assert!(!page.contains("work-applications-beijing"));
    // A plain member runs nothing.
    let member = app
        .signed_in_as(ogug::domain::memberships::Role::Member, "beijing")
        .await;
    let (_, page) = member.get_html("/account").await;
    assert!(!page.contains(r#"id="my-work""#));
}
