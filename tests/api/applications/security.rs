//! Applying against hostile input, and undoing a decision after the person applied again.
//! (Regression tests for the findings of the outside probe of issue 13.)

use crate::events::{PW, event_fields};
use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{applications, chapters, events, outbox, users};
use ogug::domain::memberships::Role;
use reqwest::StatusCode;

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
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{slug}: applying works"
        );
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

/// A visitor whose apply form was open too long (its token gone with the cookie) gets the same
/// form back, filled in, with a fresh token and one sentence; nothing is stored. Sending it
/// again works. Signed-in forms still answer the error page.
#[tokio::test]
async fn an_expired_apply_form_comes_back_filled_in_and_sends_the_second_time() {
    let app = spawn_app().await;
    let b = app.browser();
    let fields = [
        ("name", "王小明"),
        ("email", "xm@example.org"),
        ("organization", ""),
        ("desired_role", "member"),
        ("motivation", "学习 openGauss"),
        ("consent", "on"),
        ("csrf_token", "stale-token-from-a-page-opened-yesterday"),
    ];
    let res = b.post_raw("/chapters/beijing/apply", &fields).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = res.text().await.unwrap();
    assert!(html.contains(zh("form.expired")));
    assert!(!html.contains("您的账号"), "nothing about an account");
    assert!(html.contains(r#"value="王小明""#) && html.contains("学习 openGauss"));
    let stored: i64 = applications::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(stored, 0);
    let fresh = csrf_in(&html);
    let mut again: Vec<(&str, &str)> = fields[..6].to_vec();
    again.push(("csrf_token", &fresh));
    let res = b.post_raw("/chapters/beijing/apply", &again).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the fresh token works");

    let (_, contact) = {
        let res = b
            .post_raw(
                "/chapters/beijing/contact",
                &[
                    ("name", "访客"),
                    ("email", "v@example.org"),
                    ("message", "你好"),
                ],
            )
            .await;
        (res.status(), res.text().await.unwrap())
    };
    assert!(contact.contains(zh("form.expired")) && contact.contains("你好"));
}
