//! Regression tests for the findings of the outside probe (issue 13): each fails without its
//! fix. They run on both backends like the rest of the suite.

use crate::events::{PW, create, event_fields, signed_in};
use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{applications, chapters, events, outbox, rsvps, users};
use ogug::domain::memberships::Role;
use reqwest::StatusCode;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

// 1. iCalendar injection -----------------------------------------------------------------------

#[tokio::test]
async fn stored_text_cannot_forge_calendar_lines() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let path = create(&org, "日历注入", "", true).await;
    let forged = "X\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@x\r\nSUMMARY:forged";
    // Rows written before validation refused control characters (the form refuses them now,
    // see the next test): the feeds must still escape them.
    diesel::update(events::table)
        .set((events::title_zh.eq(forged), events::venue.eq("A\rB;C,D")))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(chapters::table.filter(chapters::slug.eq("beijing")))
        .set(chapters::name_zh.eq("北京\r\nX-EVIL:1\r\nBEGIN:VEVENT"))
        .execute(&mut app.conn())
        .unwrap();
    let published: i64 = events::table
        .filter(events::status.eq("published"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    for feed in [
        "/chapters/beijing/events.ics".to_string(),
        format!("{path}/event.ics"),
        "/events.ics".to_string(),
    ] {
        let body = app.get(&feed).await.text().await.unwrap();
        let lines: Vec<&str> = body.split("\r\n").collect();
        assert!(
            !lines.iter().any(|l| l.starts_with("UID:evil")
                || l.starts_with("X-EVIL")
                || l.starts_with("SUMMARY:forged")),
            "{feed}: {body}"
        );
        assert!(!body.replace("\r\n", "").contains('\r'), "no lone CR");
        let want = if feed.ends_with("event.ics") {
            1
        } else {
            published as usize
        };
        assert_eq!(
            lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(),
            want,
            "{feed}"
        );
        let calendar: icalendar::Calendar = body.parse().unwrap();
        assert_eq!(calendar.components.len(), want);
        if !feed.ends_with("event.ics") && feed.starts_with("/chapters") {
            assert!(body.contains("NAME;VALUE=TEXT:oGUG 北京\\nX-EVIL:1\\nBEGIN:VEVENT"));
            assert_eq!(
                calendar.get_name(),
                Some("oGUG 北京\nX-EVIL:1\nBEGIN:VEVENT")
            );
        }
        assert!(body.contains("LOCATION:A\\nB\\;C\\,D"), "{body}");
    }
}

// 2. Control characters in single-line fields -----------------------------------------------

#[tokio::test]
async fn single_line_fields_refuse_control_characters_with_a_field_error() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let message = zh("error.invalid_characters");
    for (field, value) in [
        ("title_zh", "X\r\nEND:VEVENT"),
        ("title_en", "a\tb"),
        ("summary_zh", "a\u{202E}b"),
        ("venue", "a\u{0}b"),
        ("address", "a\u{85}b"),
        ("agenda_0_speaker", "李\t四"),
        ("host_0_organization", "社\t区"),
    ] {
        let mut fields = event_fields("正常的标题", "");
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let res = org.post_form("/chapters/beijing/events", &fields).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        let html = res.text().await.unwrap();
        assert!(html.contains(message), "{field}: field error shown");
        assert!(
            html.contains("正常的标题") || field == "title_zh",
            "input kept"
        );
    }
    let n: i64 = events::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(n, 1, "only the demo event: nothing saved");

    // The chapter profile: a TAB in the name is refused.
    let (_, form) = org.get_html("/chapters/beijing/manage/profile").await;
    assert!(form.contains("name_zh"));
    let res = org
        .post_form(
            "/chapters/beijing/manage/profile",
            &[
                ("name_zh", "北京\t用户组"),
                ("name_en", "Beijing"),
                ("city", "北京"),
                ("time_zone", "Asia/Shanghai"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains(message));

    // The apply form: a TAB in the organization.
    let res = app
        .browser()
        .post_form(
            "/chapters/beijing/apply",
            &[
                ("name", "王五"),
                ("email", "w@example.org"),
                ("organization", "云和\t恩墨"),
                ("desired_role", "member"),
                ("motivation", "交流\n\t学习"),
                ("consent", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains(message));
}

#[tokio::test]
async fn a_control_character_in_stored_text_breaks_neither_applying_nor_the_digest_of_others() {
    let app = spawn_app().await;
    app.chapter("shanghai");
    app.member("sh-org@example.org", "shanghai", Role::Organizer, PW);
    // A TAB in a chapter name, stored before validation refused it.
    diesel::update(chapters::table.filter(chapters::slug.eq("beijing")))
        .set(chapters::name_zh.eq("北京\t用户组"))
        .execute(&mut app.conn())
        .unwrap();
    for (slug, email) in [("beijing", "a@example.org"), ("shanghai", "b@example.org")] {
        let res = app
            .browser()
            .post_form(
                &format!("/chapters/{slug}/apply"),
                &[
                    ("name", "申请人"),
                    ("email", email),
                    ("organization", "某公司"),
                    ("desired_role", "member"),
                    ("motivation", "交流"),
                    ("consent", "on"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{slug}: applying works");
    }
    // Confirm both applications, then make Beijing's digest fail: its organizer's stored
    // address cannot be mailed.
    diesel::update(applications::table)
        .set((
            applications::status.eq("pending"),
            applications::confirmed_at.eq(Some(ogug::domain::now())),
        ))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(users::table.filter(users::email.eq("organizer@example.org")))
        .set(users::email.eq("broken\taddress"))
        .execute(&mut app.conn())
        .unwrap();
    let queued = ogug::jobs::run_digests(&app.pool, &app.config).expect("the job goes on");
    assert_eq!(queued, 1, "Shanghai's organizer still gets a digest");
    let shanghai: i64 = chapters::table
        .filter(chapters::slug.eq("shanghai"))
        .select(chapters::id)
        .first(&mut app.conn())
        .unwrap();
    let keys: Vec<String> = outbox::table
        .filter(outbox::idempotency_key.like("digest:%"))
        .select(outbox::idempotency_key)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(keys.len(), 1);
    assert!(keys[0].starts_with(&format!("digest:{shanghai}:")));
}

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

// 6. Raw tokens in the outbox ----------------------------------------------------------------

#[tokio::test]
async fn sent_emails_lose_their_bodies_after_the_retention_period() {
    let app = spawn_app().await;
    for email in ["old@example.org", "new@example.org"] {
        app.applicant("申请人", email).apply("beijing").await;
    }
    app.smtp.wait_for(2, WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while outbox::table
        .filter(outbox::status.eq("sent"))
        .count()
        .get_result::<i64>(&mut app.conn())
        .unwrap()
        < 2
    {
        assert!(tokio::time::Instant::now() < deadline, "never sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let eight_days_ago = ogug::domain::now() - chrono::TimeDelta::days(8);
    diesel::update(outbox::table.filter(outbox::to_addr.eq("old@example.org")))
        .set(outbox::sent_at.eq(Some(eight_days_ago)))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(ogug::jobs::housekeeping(&app.pool, &app.config).unwrap(), 1);
    let rows: Vec<(String, String, String, String)> = outbox::table
        .order(outbox::to_addr)
        .select((
            outbox::to_addr,
            outbox::subject,
            outbox::body_text,
            outbox::body_html,
        ))
        .load(&mut app.conn())
        .unwrap();
    let (new, old) = (&rows[0], &rows[1]);
    assert_eq!(old.0, "old@example.org");
    assert!(old.2.is_empty() && old.3.is_empty(), "no token at rest");
    assert!(!old.1.is_empty(), "the metadata stays");
    assert!(
        new.2.contains("/applications/confirm/"),
        "recent bodies stay"
    );
    assert_eq!(
        ogug::mail::outbox::purged_count(&mut app.conn()).unwrap(),
        1
    );
}

// 7. Undo after re-apply ---------------------------------------------------------------------

#[tokio::test]
async fn undoing_a_decision_after_the_person_applied_again_answers_409() {
    let app = spawn_app_with(Options {
        decision_grace: chrono::TimeDelta::minutes(5),
        ..Options::default()
    })
    .await;
    let applicant = app.applicant("再次申请", "again@example.org");
    let apply = || applicant.apply("beijing");
    apply().await;
    let first: i64 = applications::table
        .select(applications::id)
        .first(&mut app.conn())
        .unwrap();
    diesel::update(applications::table.find(first))
        .set((
            applications::status.eq("pending"),
            applications::confirmed_at.eq(Some(ogug::domain::now())),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let org = app.organizer_of("beijing").await;
    let detail = format!("/chapters/beijing/manage/applications/{first}");
    let res = org
        .post_form(
            &format!("{detail}/decision"),
            &[("decision", "reject"), ("reason", "incomplete")],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    apply().await;
    let open: i64 = applications::table
        .filter(applications::status.eq_any(["unconfirmed", "pending"]))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(open, 1, "a second application");
    let res = org.post_form(&format!("{detail}/undo"), &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("queue.undo_reapplied"))
    );
    let status: String = applications::table
        .find(first)
        .select(applications::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "rejected", "nothing changed");
}

// 8. Waitlist order and people who leave -----------------------------------------------------

fn rsvp_of(app: &TestApp, user: UserId) -> String {
    rsvps::table
        .filter(rsvps::user_id.eq(user))
        .select(rsvps::status)
        .first(&mut app.conn())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_waitlist_keeps_its_order_and_people_leaving_free_their_seats() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let path = create(&org, "一个座位", "1", true).await;
    let mut people = Vec::new();
    for email in ["u1@example.org", "u2@example.org", "u3@example.org"] {
        let id = app.member(email, "beijing", Role::Member, PW);
        people.push((id, signed_in(&app, email).await));
    }
    let rsvp = |i: usize, going: &'static str| {
        let b = people[i].1.clone();
        let path = path.clone();
        async move {
            let res = b
                .post_form(&format!("{path}/rsvp"), &[("going", going)])
                .await;
            assert!(res.status().is_redirection(), "{}", res.status());
        }
    };
    let (u1, u2, u3) = (people[0].0, people[1].0, people[2].0);
    rsvp(0, "yes").await; // u1 takes the seat
    rsvp(1, "no").await; // u2 answers "no" first…
    rsvp(2, "yes").await; // …u3 joins the waitlist…
    tokio::time::sleep(Duration::from_millis(5)).await;
    rsvp(1, "yes").await; // …and u2 joins it after u3.
    assert_eq!(rsvp_of(&app, u2), "waitlisted");
    rsvp(0, "no").await;
    assert_eq!(
        rsvp_of(&app, u3),
        "going",
        "the earlier waitlister is promoted"
    );
    assert_eq!(rsvp_of(&app, u2), "waitlisted");
    rsvp(0, "yes").await; // u1 back on the waitlist, after u2

    // Removing a member frees their seat: u2 is promoted and told.
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/members/{u3}/remove"),
            &[("reason", "")],
        )
        .await;
    assert!(res.status().is_redirection());
    assert_eq!(rsvp_of(&app, u3), "not_going");
    assert_eq!(rsvp_of(&app, u2), "going");
    let promoted: i64 = outbox::table
        .filter(outbox::idempotency_key.like(format!("rsvp-promoted:%:{u2}:%")))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(promoted, 1);

    // Deleting the account frees it too: u1 is promoted.
    let res = people[1]
        .1
        .post_form("/account/delete", &[("confirm_email", "u2@example.org")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(rsvp_of(&app, u1), "going");

    // And leaving the chapter: the seat is free again.
    let res = people[0].1.post_form("/chapters/beijing/leave", &[]).await;
    assert!(res.status().is_redirection());
    assert_eq!(rsvp_of(&app, u1), "not_going");
    let going: i64 = rsvps::table
        .filter(rsvps::status.eq("going"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(going, 0);
}

// 9. Render amplification --------------------------------------------------------------------

#[tokio::test]
async fn markdown_is_bounded_and_rendered_when_saved() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let profile = |description: String| {
        let org = org.clone();
        async move {
            org.post_form(
                "/chapters/beijing/manage/profile",
                &[
                    ("name_zh", "北京用户组"),
                    ("name_en", "Beijing User Group"),
                    ("city", "北京"),
                    ("time_zone", "Asia/Shanghai"),
                    ("description", &description),
                ],
            )
            .await
        }
    };
    for (source, key) in [
        (">".repeat(20_000), "error.markdown_too_deep"),
        ("长".repeat(7_000), "error.too_long"),
    ] {
        let res = profile(source).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains(zh(key)), "{key}");
    }
    let res = profile("**第一版**".into()).await;
    assert!(res.status().is_redirection() || res.status() == StatusCode::OK);
    let stored: Option<String> = chapters::table
        .filter(chapters::slug.eq("beijing"))
        .select(chapters::description_html)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored.as_deref(), Some("<p><strong>第一版</strong></p>\n"));
    // Stored HTML follows its source.
    profile("*第二版*".into()).await;
    let (_, html) = app.get_html("/chapters/beijing?fresh=1").await;
    assert!(html.contains("<em>第二版</em>"));
    assert!(!html.contains("第一版"));

    // A row from before (no stored HTML) is rendered on the fly, then by the start-up job.
    diesel::update(events::table)
        .set((
            events::body.eq("**旧行**"),
            events::body_html.eq(None::<String>),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let page = format!(
        "/chapters/beijing/events/{}?fresh=2",
        ogug::domain::demo::EVENT_SLUG
    );
    assert!(
        app.get_html(&page)
            .await
            .1
            .contains("<strong>旧行</strong>")
    );
    assert_eq!(
        ogug::domain::markdown::render_missing(&mut app.conn()).unwrap(),
        1
    );
    let body_html: Option<String> = events::table
        .select(events::body_html)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(body_html.as_deref(), Some("<p><strong>旧行</strong></p>\n"));
}

#[tokio::test]
async fn healthz_answers_while_every_database_connection_is_busy() {
    let app = spawn_app().await;
    // Hold every connection of the app's pool: pages wait, the liveness probe must not.
    let held: Vec<_> = (0..app.config.db_pool_size)
        .map(|_| app.pool.get().unwrap())
        .collect();
    let res = tokio::time::timeout(Duration::from_secs(3), app.get("/healthz"))
        .await
        .expect("/healthz does not wait for the database");
    assert_eq!(res.status(), StatusCode::OK);
    drop(held);
}

// 10. The current-password check and the hashing queue ---------------------------------------

#[tokio::test]
async fn wrong_current_passwords_count_like_failed_sign_ins() {
    let app = spawn_app().await;
    app.create_user("pw@example.org", "PW", Some(PW), false);
    let b = signed_in(&app, "pw@example.org").await;
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

// 12. Out-of-range dates ---------------------------------------------------------------------

#[tokio::test]
async fn event_years_outside_2000_to_2100_get_a_field_error() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    for (start, key) in [
        ("10000-01-01T10:00", "error.datetime_range"),
        ("1999-12-31T10:00", "error.datetime_range"),
        ("2101-01-01T10:00", "error.datetime_range"),
        ("-0001-01-01T10:00", "error.datetime_range"),
        ("2031-13-01T10:00", "error.datetime_invalid"),
    ] {
        let mut fields = event_fields("年份", "");
        fields.retain(|(k, _)| *k != "starts_local");
        fields.push(("starts_local", start));
        let res = org.post_form("/chapters/beijing/events", &fields).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{start}");
        let html = res.text().await.unwrap();
        assert!(html.contains(zh(key)), "{start}");
        assert!(html.contains(start), "{start}: input kept");
    }
    let mut fields = event_fields("年份", "");
    fields.retain(|(k, _)| !k.ends_with("_local"));
    fields.extend([
        ("starts_local", "2100-12-31T10:00"),
        ("ends_local", "2100-12-31T12:00"),
    ]);
    let res = org.post_form("/chapters/beijing/events", &fields).await;
    assert!(res.status().is_redirection(), "2100 is accepted");
}

// 13. Token pages and caches -----------------------------------------------------------------

#[tokio::test]
async fn pages_behind_secret_links_are_never_cached() {
    use ogug::domain::one_time_tokens::Purpose;
    let app = spawn_app().await;
    let id = app.create_user("t@example.org", "T", None, false);
    let activate = app.issue_token(Purpose::Activate, id);
    let reset = app.issue_token(Purpose::ResetPassword, id);
    let unknown = "0".repeat(64);
    for path in [
        format!("/account/activate/{activate}"),
        format!("/account/reset/{reset}"),
        format!("/account/activate/{unknown}"),
        format!("/applications/status/{unknown}"),
        format!("/applications/confirm/{unknown}"),
    ] {
        let res = app.browser().get(&path).await;
        assert_eq!(
            res.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path}"
        );
    }
    // Public pages stay cacheable.
    let res = app.browser().get("/chapters/beijing/events.ics").await;
    assert_ne!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
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
