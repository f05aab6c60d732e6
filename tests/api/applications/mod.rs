mod security;
use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{applications, memberships, outbox, users};
use ogug::domain::memberships::Role;
use reqwest::StatusCode;
use std::time::Duration;

const PW: &str = "organizer passphrase 2021";
const WAIT: Duration = Duration::from_secs(10);
const XSS: &str = "<script>alert(1)</script>";

fn apply_fields<'a>(name: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("email", email),
        ("organization", "云和恩墨"),
        ("job_title", "DBA"),
        ("desired_role", "member"),
        ("motivation", "想和北京的 openGauss 用户交流"),
        ("opengauss_usage", "生产环境"),
        ("consent", "on"),
        ("website", ""),
    ]
}

fn count_applications(app: &TestApp) -> i64 {
    applications::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Applies anonymously and confirms through the emailed link; returns the status page path.
async fn apply_and_confirm(app: &TestApp, b: &Browser, name: &str, email: &str) -> String {
    let before = app.smtp.received().len();
    let res = b
        .post_form("/chapters/beijing/apply", &apply_fields(name, email))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mails = app.smtp.wait_for(before + 1, WAIT).await;
    let mail = parse(mails.last().unwrap());
    let confirm = link_in(
        &mail.text,
        &format!("{}/applications/confirm/", app.address),
    );
    let res = b
        .post_form(confirm.trim_start_matches(&app.address), &[])
        .await;
    assert!(res.status().is_redirection());
    res.headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_whole_journey_apply_confirm_approve_activate() {
    let app = spawn_app().await;
    let b = app.browser();
    // The chapter page leads to the form, with the QR code.
    let (_, html) = b.get_html("/chapters/beijing").await;
    assert!(html.contains(r#"href="/chapters/beijing/apply""#));
    assert!(html.contains(r#"src="/chapters/beijing/qr.svg""#));

    // One mistake: the field error shows and the input stays.
    let mut fields = apply_fields("李雷", "not-an-email");
    fields.retain(|(k, _)| *k != "consent");
    let res = b.post_form("/chapters/beijing/apply", &fields).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains(zh("error.email_invalid")));
    assert!(html.contains(zh("error.consent_required")));
    assert!(html.contains(r#"value="李雷""#));
    assert!(html.contains("想和北京的 openGauss 用户交流"));
    assert_eq!(count_applications(&app), 0);

    let res = b
        .post_form(
            "/chapters/beijing/apply",
            &apply_fields("李雷", "Li.Lei@Example.org"),
        )
        .await;
    // Redirected after the POST (a refresh does not send it again), to a page naming the address.
    assert_redirect_to(&res, "/chapters/beijing/apply/sent");
    let (_, sent) = b.get_html("/chapters/beijing/apply/sent").await;
    assert!(sent.contains(zh("apply.check_inbox_title")));
    assert!(sent.contains(r#"<strong id="sent-to">Li.Lei@Example.org</strong>"#));
    assert!(sent.contains(r#"id="start-again" href="/chapters/beijing/apply""#));
    // Another browser (or a shared link) sees no address.
    let (_, other) = app.browser().get_html("/chapters/beijing/apply/sent").await;
    assert!(!other.contains("Li.Lei") && other.contains(zh("apply.check_inbox_title")));
    let mails = app.smtp.wait_for(1, WAIT).await;
    let first = parse(&mails[0]);
    // Not arrived? "Send it again" mails a fresh confirmation link to the same address.
    assert!(sent.contains(r#"id="resend""#));
    let res = b.post_form("/chapters/beijing/apply/sent", &[]).await;
    assert_redirect_to(&res, "/chapters/beijing/apply/sent?resent=1");
    let (_, resent) = b.get_html(&res.location()).await;
    assert!(resent.contains(zh("apply.resent")));
    let mails = app.smtp.wait_for(2, WAIT).await;
    let mail = parse(&mails[1]);
    assert_ne!(link_in(&mail.text, "http"), link_in(&first.text, "http"));
    // A browser that sent nothing gets the same answer, and nothing is sent.
    let stranger = app.browser();
    let page = stranger.get_html("/chapters/beijing/apply/sent").await.1;
    assert!(!page.contains(r#"id="resend""#));
    let res = stranger
        .post_form("/chapters/beijing/apply/sent", &[])
        .await;
    assert_redirect_to(&res, "/chapters/beijing/apply/sent?resent=1");
    assert_eq!(mail.to, "li.lei@example.org");
    assert_eq!(mail.subject, "请确认您加入 oGUG 北京用户组的申请");
    let confirm = link_in(
        &mail.text,
        &format!("{}/applications/confirm/", app.address),
    );
    let confirm_path = confirm.trim_start_matches(&app.address).to_string();
    let (status, html) = b.get_html(&confirm_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(zh("confirm.submit")));
    let status_before: String = applications::table
        .select(applications::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status_before, "unconfirmed", "GET changes nothing");
    let res = b.post_form(&confirm_path, &[]).await;
    let status_path = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let (_, html) = b.get_html(&status_path).await;
    assert!(html.contains(zh("status.pending")));
    assert!(html.contains(zh("status.notice_confirmed")));

    // The organizers' digest.
    assert_eq!(ogug::jobs::run_digests(&app.pool, &app.config).unwrap(), 1);
    assert_eq!(
        ogug::jobs::run_digests(&app.pool, &app.config).unwrap(),
        0,
        "told once"
    );
    let mails = app.smtp.wait_for(3, WAIT).await;
    let digest = parse(&mails[2]);
    assert_eq!(digest.to, "organizer@example.org");
    assert!(
        digest.subject.contains("1 份新的待审核申请"),
        "{}",
        digest.subject
    );
    assert!(digest.text.contains("李雷"));

    // The organizer approves as Ambassador.
    let org = app.organizer().await;
    let (status, html) = org.get_html("/chapters/beijing/manage/applications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("李雷"));
    assert!(html.contains("0 小时"));
    let id: i64 = applications::table
        .select(applications::id)
        .first(&mut app.conn())
        .unwrap();
    let (_, detail) = org
        .get_html(&format!("/chapters/beijing/manage/applications/{id}"))
        .await;
    assert!(detail.contains("生产环境"));
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/applications/{id}/decision"),
            &[("decision", "approve"), ("role", "ambassador")],
        )
        .await;
    assert_redirect_to(
        &res,
        &format!("/chapters/beijing/manage/applications?done=approved&id={id}"),
    );
    // The message says what happened and offers its undo right there.
    let (_, queue) = org
        .get_html(&format!(
            "/chapters/beijing/manage/applications?done=approved&id={id}"
        ))
        .await;
    assert!(queue.contains(zh("queue.done_approved")));
    assert!(queue.contains(&format!(
        r#"action="/chapters/beijing/manage/applications/{id}/undo""#
    )));

    let mails = app.smtp.wait_for(4, WAIT).await;
    let welcome = parse(&mails[3]);
    assert_eq!(welcome.to, "li.lei@example.org");
    assert_eq!(welcome.subject, "欢迎加入 oGUG 北京用户组");
    assert!(welcome.text.contains(zh("role.ambassador")));
    let activate = link_in(&welcome.text, &format!("{}/account/activate/", app.address));
    let activate_path = activate.trim_start_matches(&app.address).to_string();
    let res = b
        .post_form(
            &activate_path,
            &[
                ("password", "my own long passphrase"),
                ("password_confirm", "my own long passphrase"),
            ],
        )
        .await;
    assert_redirect_to(&res, "/account?welcome=1");
    let (_, html) = b.get_html("/account").await;
    assert!(html.contains("北京用户组"));
    assert!(html.contains(zh("role.ambassador")));
    let (status, html) = b.get_html("/chapters/beijing/members").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the new member sees the member list"
    );
    assert!(html.contains("李雷"));
    let (_, html) = b.get_html(&status_path).await;
    assert!(html.contains(zh("status.approved")));
}

#[tokio::test]
async fn a_rejection_tells_the_applicant_why() {
    let app = spawn_app().await;
    let b = app.browser();
    let status_path = apply_and_confirm(&app, &b, "韩梅梅", "han@example.org").await;
    let id: i64 = applications::table
        .select(applications::id)
        .first(&mut app.conn())
        .unwrap();
    let org = app.organizer().await;
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/applications/{id}/decision"),
            &[
                ("decision", "reject"),
                ("reason", "not_local"),
                ("message", "欢迎加入上海用户组"),
            ],
        )
        .await;
    assert!(
        res.location()
            .starts_with("/chapters/beijing/manage/applications?done=rejected&id=")
    );
    let mails = app.smtp.wait_for(2, WAIT).await;
    let mail = parse(&mails[1]);
    assert_eq!(mail.subject, "关于您加入 oGUG 北京用户组的申请");
    assert!(mail.text.contains(zh("reason.not_local")));
    assert!(mail.text.contains("欢迎加入上海用户组"));
    let (_, html) = b.get_html(&status_path).await;
    assert!(html.contains(zh("status.rejected")));
    assert!(html.contains(zh("reason.not_local")));
    assert!(html.contains("欢迎加入上海用户组"));
    let n: i64 = memberships::table
        .inner_join(users::table)
        .filter(users::email.eq("han@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 0);
    // A decided application cannot be decided again.
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/applications/{id}/decision"),
            &[("decision", "approve"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn english_applicants_get_english_emails() {
    let app = spawn_app().await;
    let b = app.browser();
    b.get("/?lang=en").await;
    b.post_form(
        "/chapters/beijing/apply",
        &apply_fields("Jane", "jane@example.org"),
    )
    .await;
    let mail = parse(&app.smtp.wait_for(1, WAIT).await[0]);
    assert_eq!(
        mail.subject,
        "Please confirm your application to oGUG Beijing User Group"
    );
}

#[tokio::test]
async fn withdrawing_an_application() {
    let app = spawn_app().await;
    let b = app.browser();
    let status_path = apply_and_confirm(&app, &b, "Wu", "wu@example.org").await;
    let path = status_path.split('?').next().unwrap().to_string();
    // The first tap only asks: nothing is withdrawn until the person says yes.
    let res = b.post_form(&path, &[("action", "withdraw")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(zh("status.withdraw_ask")) && html.contains(r#"name="confirm" value="1""#)
    );
    let (_, html) = b.get_html(&path).await;
    assert!(
        html.contains(zh("status.pending")),
        "still pending after the question"
    );
    let res = b
        .post_form(&path, &[("action", "withdraw"), ("confirm", "1")])
        .await;
    assert_redirect_to(&res, &format!("{path}?withdrawn=1"));
    let (_, html) = b.get_html(&path).await;
    assert!(html.contains(zh("status.withdrawn")));
    assert!(
        !html.contains(r#"value="withdraw""#),
        "no second withdrawal"
    );
    // A closed application offers to apply again.
    assert!(html.contains(r#"id="apply-again" href="/chapters/beijing/apply""#));
    let res = b
        .post_form(&path, &[("action", "withdraw"), ("confirm", "1")])
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("status.notice_not_open"))
    );
}

#[tokio::test]
async fn a_duplicate_application_shows_the_existing_one_by_email() {
    let app = spawn_app().await;
    let b = app.browser();
    b.post_form(
        "/chapters/beijing/apply",
        &apply_fields("Dup", "dup@example.org"),
    )
    .await;
    let first = b
        .post_form(
            "/chapters/beijing/apply",
            &apply_fields("Dup", "dup@example.org"),
        )
        .await;
    let first_body = first.text().await.unwrap();
    let other = app.browser();
    let fresh = other
        .post_form(
            "/chapters/beijing/apply",
            &apply_fields("New", "new@example.org"),
        )
        .await;
    assert_eq!(
        first_body.replace(&b.csrf().await, "T"),
        fresh
            .text()
            .await
            .unwrap()
            .replace(&other.csrf().await, "T"),
        "same page for a duplicate and a new application"
    );
    assert_eq!(count_applications(&app), 2, "no duplicate row");
    let mails = app.smtp.wait_for(3, WAIT).await;
    let to_dup: Vec<_> = mails
        .iter()
        .map(parse)
        .filter(|m| m.to == "dup@example.org")
        .collect();
    assert_eq!(to_dup.len(), 2);
    assert!(
        to_dup
            .iter()
            .any(|m| m.subject == "您在 oGUG 北京用户组的申请"),
        "status link resent"
    );
}

#[tokio::test]
async fn members_reapplying_are_told_they_are_in() {
    let app = spawn_app().await;
    app.member("m@example.org", "beijing", Role::Member, PW);
    // Anonymously with a member's address: same page, the email tells.
    let anon = app.browser();
    let res = anon
        .post_form(
            "/chapters/beijing/apply",
            &apply_fields("M", "m@example.org"),
        )
        .await;
    assert_redirect_to(&res, "/chapters/beijing/apply/sent");
    let mail = parse(&app.smtp.wait_for(1, WAIT).await[0]);
    assert_eq!(mail.subject, "您已是 oGUG 北京用户组的成员");
    // Signed in: told on the page.
    let b = app.browser();
    b.login("m@example.org", PW).await;
    let (_, html) = b.get_html("/chapters/beijing/apply").await;
    assert!(html.contains(zh("apply.already_member_body")));
    let res = b
        .post_form(
            "/chapters/beijing/apply",
            &apply_fields("M", "m@example.org"),
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("apply.already_member_title"))
    );
    assert_eq!(count_applications(&app), 0);
}

#[tokio::test]
async fn a_signed_in_applicant_skips_confirmation() {
    let app = spawn_app().await;
    app.chapter("shanghai");
    app.member("s@example.org", "beijing", Role::Member, PW);
    let b = app.browser();
    b.login("s@example.org", PW).await;
    let res = b
        .post_form(
            "/chapters/shanghai/apply",
            &apply_fields("S", "ignored@example.org"),
        )
        .await;
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(location.starts_with("/applications/status/"));
    let (status, email): (String, String) = applications::table
        .select((applications::status, applications::email))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending");
    assert_eq!(email, "s@example.org", "applies as themselves");
}

#[tokio::test]
async fn bots_filling_the_honeypot_store_nothing() {
    let app = spawn_app().await;
    let mut fields = apply_fields("Bot", "bot@example.org");
    fields.retain(|(k, _)| *k != "website");
    fields.push(("website", "http://spam.example"));
    let res = app.post_form("/chapters/beijing/apply", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(count_applications(&app), 0);
}

#[tokio::test]
async fn the_apply_form_is_rate_limited_per_address() {
    let app = spawn_app_with(Options {
        limits: Some(ogug::web::http::throttle::Limits {
            login_per_minute: 10,
            reset_per_minute: 5,
            apply_per_minute: 3,
        }),
        ..Options::default()
    })
    .await;
    for i in 0..3 {
        let email = format!("r{i}@example.org");
        let res = app
            .post_form("/chapters/beijing/apply", &apply_fields("R", &email))
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = app
        .post_form(
            "/chapters/beijing/apply",
            &apply_fields("R", "r9@example.org"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_qr_code_encodes_the_absolute_apply_url() {
    let app = spawn_app().await;
    let res = app.get("/chapters/beijing/qr.svg").await;
    assert_eq!(res.headers().get("content-type").unwrap(), "image/svg+xml");
    assert!(res.text().await.unwrap().contains("<svg"));
    let res = app.get("/chapters/beijing/qr.png").await;
    assert_eq!(res.headers().get("content-type").unwrap(), "image/png");
    let content = decode_qr(&res.bytes().await.unwrap());
    assert_eq!(
        content,
        format!("{}/chapters/beijing/apply", app.config.base_url)
    );
    assert_eq!(
        app.get("/chapters/atlantis/qr.svg").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn review_routes_follow_the_permission_matrix() {
    let app = spawn_app().await;
    app.chapter("shanghai");
    let b = app.browser();
    apply_and_confirm(&app, &b, "Target", "target@example.org").await;
    let id: i64 = applications::table
        .select(applications::id)
        .first(&mut app.conn())
        .unwrap();
    app.member("member@example.org", "beijing", Role::Member, PW);
    app.member("amb@example.org", "beijing", Role::Ambassador, PW);
    app.member("other-org@example.org", "shanghai", Role::Organizer, PW);
    app.create_user("admin@example.org", "Admin", Some(PW), true);
    let queue = "/chapters/beijing/manage/applications";
    let detail = format!("{queue}/{id}");
    let decision = format!("{queue}/{id}/decision");

    let anon = app.browser();
    assert_redirect_to(
        &anon.get(queue).await,
        "/login?next=%2Fchapters%2Fbeijing%2Fmanage%2Fapplications",
    );
    assert!(
        anon.post_form(&decision, &[("decision", "approve")])
            .await
            .status()
            .is_redirection()
    );
    for who in [
        "member@example.org",
        "amb@example.org",
        "other-org@example.org",
    ] {
        let c = app.browser();
        c.login(who, PW).await;
        assert_eq!(c.get(queue).await.status(), StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            c.get(&detail).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let res = c
            .post_form(&decision, &[("decision", "approve"), ("role", "member")])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
    }
    // The other chapter's organizer cannot reach it through their own chapter either.
    let other = app.browser();
    other.login("other-org@example.org", PW).await;
    assert_eq!(
        other
            .get(&format!("/chapters/shanghai/manage/applications/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = other
        .post_form(
            &format!("/chapters/shanghai/manage/applications/{id}/decision"),
            &[("decision", "approve"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let status: String = applications::table
        .select(applications::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "pending");

    let org = app.organizer().await;
    assert_eq!(org.get(queue).await.status(), StatusCode::OK);
    let admin = app.browser();
    admin.login("admin@example.org", PW).await;
    assert_eq!(admin.get(&detail).await.status(), StatusCode::OK);
    let res = admin
        .post_form(&decision, &[("decision", "approve"), ("role", "member")])
        .await;
    assert!(res.status().is_redirection(), "site admin may decide");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_organizers_deciding_at_once_make_one_decision() {
    let app = spawn_app().await;
    let b = app.browser();
    apply_and_confirm(&app, &b, "Race", "race@example.org").await;
    let id: i64 = applications::table
        .select(applications::id)
        .first(&mut app.conn())
        .unwrap();
    let org = app.organizer().await;
    app.member("org2@example.org", "beijing", Role::Organizer, PW);
    let org2 = app.browser();
    org2.login("org2@example.org", PW).await;
    let path = format!("/chapters/beijing/manage/applications/{id}/decision");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let who = if i % 2 == 0 {
            org.clone()
        } else {
            org2.clone()
        };
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            who.post_form(&path, &[("decision", "approve"), ("role", "member")])
                .await
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| s.is_redirection()).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        7,
        "{statuses:?}"
    );
    let n: i64 = memberships::table
        .inner_join(users::table)
        .filter(users::email.eq("race@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 1);
    let emails: i64 = outbox::table
        .filter(outbox::idempotency_key.like("decision:%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(emails, 1);
    let res = org
        .post_form(&path, &[("decision", "approve"), ("role", "member")])
        .await;
    assert!(
        res.text().await.unwrap().contains("已由"),
        "already decided by X"
    );
}

#[tokio::test]
async fn hostile_input_is_escaped_on_every_page_and_in_emails() {
    let app = spawn_app().await;
    let b = app.browser();
    let email = "xss@example.org";
    let fields = vec![
        ("name", XSS),
        ("email", email),
        ("organization", XSS),
        ("job_title", XSS),
        ("desired_role", "member"),
        ("motivation", XSS),
        ("opengauss_usage", XSS),
        ("consent", "on"),
    ];
    b.post_form("/chapters/beijing/apply", &fields).await;
    let mail = parse(&app.smtp.wait_for(1, WAIT).await[0]);
    assert!(!mail.html.contains("<script>"), "HTML email escapes");
    let confirm = link_in(
        &mail.text,
        &format!("{}/applications/confirm/", app.address),
    );
    let confirm_path = confirm.trim_start_matches(&app.address).to_string();
    let (_, html) = b.get_html(&confirm_path).await;
    assert!(!html.contains(XSS));
    let res = b.post_form(&confirm_path, &[]).await;
    let status_path = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let (_, html) = b.get_html(&status_path).await;
    assert!(!html.contains(XSS));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
    let id: i64 = applications::table
        .select(applications::id)
        .first(&mut app.conn())
        .unwrap();
    let org = app.organizer().await;
    for path in [
        "/chapters/beijing/manage/applications".to_string(),
        format!("/chapters/beijing/manage/applications/{id}"),
    ] {
        let (_, html) = org.get_html(&path).await;
        assert!(!html.contains(XSS), "{path}");
    }
    ogug::jobs::run_digests(&app.pool, &app.config).unwrap();
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/applications/{id}/decision"),
            &[
                ("decision", "reject"),
                ("reason", "other"),
                ("message", XSS),
            ],
        )
        .await;
    assert!(res.status().is_redirection());
    let mails = app.smtp.wait_for(3, WAIT).await;
    for m in mails.iter().map(parse) {
        assert!(!m.html.contains("<script>"), "{}", m.subject);
    }
}

#[tokio::test]
async fn the_queue_stays_fast_and_correct_with_ten_thousand_pending() {
    let app = spawn_app().await;
    let chapter = ogug::domain::chapters::find_by_slug(&mut app.conn(), "beijing").unwrap();
    let at = ogug::domain::now();
    let mut conn = app.conn();
    ogug::db::write_transaction(&mut conn, |c| -> diesel::QueryResult<()> {
        for i in 0..10_000i64 {
            diesel::insert_into(applications::table)
                .values((
                    applications::chapter_id.eq(chapter.id),
                    applications::email.eq(format!("bulk{i}@example.org")),
                    applications::name.eq(format!("申请人 {i}")),
                    applications::desired_role.eq("member"),
                    applications::status.eq(if i % 10 == 0 { "rejected" } else { "pending" }),
                    applications::created_at.eq(at - chrono::TimeDelta::seconds(10_000 - i)),
                    applications::updated_at.eq(at),
                ))
                .execute(c)?;
        }
        Ok(())
    })
    .unwrap();
    drop(conn);
    let org = app.organizer().await;
    let (status, html) = org.get_html("/chapters/beijing/manage/applications").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches(r#"name="ids""#).count(), 50);
    assert!(
        html.contains(r#"<span class="count">9000</span>"#),
        "pending count"
    );
    assert!(
        html.contains(r#"<span class="count">1000</span>"#),
        "rejected count"
    );
    assert!(html.contains("申请人 1<"), "oldest first");
    // Keyset pagination: the next page starts after the 50th row.
    let next = html
        .split(r#"<a class="button secondary" href=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let (_, page2) = org.get_html(&next).await;
    assert_eq!(page2.matches(r#"name="ids""#).count(), 50);
    assert!(
        page2.contains("申请人 56<"),
        "page 2 continues after page 1"
    );
    assert!(!page2.contains("申请人 1<"));
    let (_, found) = org
        .get_html("/chapters/beijing/manage/applications?q=bulk4242%40")
        .await;
    assert_eq!(found.matches(r#"name="ids""#).count(), 1);
}

#[tokio::test]
async fn bulk_approval_and_undo() {
    let app = spawn_app_with(Options {
        decision_grace: chrono::TimeDelta::minutes(5),
        ..Options::default()
    })
    .await;
    let b = app.browser();
    apply_and_confirm(&app, &b, "A1", "a1@example.org").await;
    apply_and_confirm(&app, &app.browser(), "A2", "a2@example.org").await;
    let ids: Vec<i64> = applications::table
        .order(applications::id)
        .select(applications::id)
        .load(&mut app.conn())
        .unwrap();
    let org = app.organizer().await;
    let id_strings: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let mut fields: Vec<(&str, &str)> = id_strings.iter().map(|i| ("ids", i.as_str())).collect();
    fields.extend([("decision", "approve"), ("role", "member")]);
    // First the question: whom, as what, and that each gets an email.
    let ask_res = org
        .post_form("/chapters/beijing/manage/applications/bulk", &fields)
        .await;
    assert_eq!(ask_res.status(), StatusCode::OK);
    let ask_html = ask_res.text().await.unwrap();
    assert!(ask_html.contains(&zh("queue.bulk_ask_approve").replace("{n}", "2")));
    assert!(ask_html.contains("A1") && ask_html.contains("A2"));
    assert!(ask_html.contains(r#"name="confirm" value="1""#));
    let still: i64 = applications::table
        .filter(applications::status.eq("pending"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(still, 2, "asking decides nothing");
    fields.push(("confirm", "1"));
    let res = org
        .post_form("/chapters/beijing/manage/applications/bulk", &fields)
        .await;
    assert_redirect_to(
        &res,
        "/chapters/beijing/manage/applications?done=bulk_approved&n=2",
    );
    let (_, queue) = org.get_html(&res.location()).await;
    assert!(queue.contains(&zh("queue.done_bulk_approved").replace("{n}", "2")));
    let statuses: Vec<String> = applications::table
        .select(applications::status)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(statuses, vec!["approved", "approved"]);

    // The emails wait out the grace period: the decision can be undone.
    let (_, html) = org
        .get_html(&format!("/chapters/beijing/manage/applications/{}", ids[0]))
        .await;
    assert!(html.contains(zh("queue.undo")));
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/applications/{}/undo", ids[0]),
            &[],
        )
        .await;
    assert_redirect_to(&res, "/chapters/beijing/manage/applications?done=undone");
    let (status, member): (String, i64) = (
        applications::table
            .find(ids[0])
            .select(applications::status)
            .first(&mut app.conn())
            .unwrap(),
        memberships::table
            .inner_join(users::table)
            .filter(users::email.eq("a1@example.org"))
            .count()
            .get_result(&mut app.conn())
            .unwrap(),
    );
    assert_eq!(status, "pending");
    assert_eq!(member, 0, "the membership the approval made is gone");
    let queued: Vec<String> = outbox::table
        .filter(outbox::idempotency_key.like("decision:%"))
        .select(outbox::idempotency_key)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        queued,
        vec![format!("decision:application:{}", ids[1])],
        "its email is gone too"
    );
}

#[tokio::test]
async fn archived_chapters_accept_no_applications() {
    let app = spawn_app().await;
    diesel::update(ogug::db::schema::chapters::table)
        .set(ogug::db::schema::chapters::status.eq("archived"))
        .execute(&mut app.conn())
        .unwrap();
    let (_, html) = app.get_html("/chapters/beijing/apply").await;
    assert!(html.contains(zh("apply.closed_body")));
    let res = app
        .post_form(
            "/chapters/beijing/apply",
            &apply_fields("Late", "late@example.org"),
        )
        .await;
    assert!(res.text().await.unwrap().contains(zh("apply.closed_title")));
    assert_eq!(count_applications(&app), 0);
}

/// The review queue's tab counts are kept by triggers: after inserts (one and many at once),
/// status changes, a move and deletions they equal a count of the rows, on both backends.
#[tokio::test]
async fn kept_counts_match_the_applications() {
    use ogug::db::schema::applications;
    use ogug::domain::applications::counts;
    let app = spawn_app().await;
    app.chapter("shanghai");
    let mut conn = app.conn();
    let ids: Vec<(ogug::domain::ids::ChapterId, &str)> = ["beijing", "shanghai"]
        .iter()
        .map(|s| {
            (
                ogug::domain::chapters::find_by_slug(&mut conn, s)
                    .unwrap()
                    .id,
                *s,
            )
        })
        .collect();
    // Many rows in one statement (a bulk load), then one more alone.
    let values: Vec<String> = (0..40)
        .map(|i| {
            let status = if i % 3 == 0 { "unconfirmed" } else { "pending" };
            format!(
                "({}, 'count{i}@example.org', 'C{i}', 'member', '{status}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                ids[i % 2].0.0
            )
        })
        .collect();
    let insert = "INSERT INTO applications (chapter_id, email, name, desired_role, status, created_at, updated_at) VALUES ";
    diesel::sql_query(format!("{insert}{}", values[..39].join(", ")))
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query(format!("{insert}{}", values[39]))
        .execute(&mut conn)
        .unwrap();
    let some = |status: &str, n: i64| {
        applications::table
            .filter(applications::status.eq(status.to_string()))
            .filter(applications::email.like("count%"))
            .select(applications::id)
            .limit(n)
    };
    let pending: Vec<i64> = some("pending", 6).load(&mut conn).unwrap();
    diesel::update(applications::table.filter(applications::id.eq_any(&pending[..3])))
        .set(applications::status.eq("approved"))
        .execute(&mut conn)
        .unwrap();
    diesel::update(applications::table.filter(applications::id.eq_any(&pending[3..])))
        .set(applications::status.eq("rejected"))
        .execute(&mut conn)
        .unwrap();
    // An update that does not touch the status leaves the counts alone.
    diesel::update(applications::table.filter(applications::email.like("count%")))
        .set(applications::organization.eq("华为"))
        .execute(&mut conn)
        .unwrap();
    let unconfirmed: Vec<i64> = some("unconfirmed", 4).load(&mut conn).unwrap();
    diesel::delete(applications::table.filter(applications::id.eq_any(&unconfirmed[..2])))
        .execute(&mut conn)
        .unwrap();
    diesel::update(applications::table.filter(applications::id.eq(unconfirmed[2])))
        .set(applications::chapter_id.eq(ids[1].0))
        .execute(&mut conn)
        .unwrap();
    for (id, slug) in &ids {
        let counted: Vec<(String, i64)> = applications::table
            .filter(applications::chapter_id.eq(*id))
            .group_by(applications::status)
            .select((applications::status, diesel::dsl::count_star()))
            .load(&mut conn)
            .unwrap();
        for tab in counts(&mut conn, *id).unwrap() {
            let want = counted
                .iter()
                .find(|(s, _)| s == tab.status.as_str())
                .map_or(0, |(_, n)| *n);
            assert_eq!(tab.n, want, "{slug} {}", tab.status.as_str());
        }
    }
}

#[tokio::test]
async fn the_kept_first_page_of_a_queue_tab_follows_every_change() {
    use ogug::db::schema::applications;
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let chapter = ogug::domain::chapters::find_by_slug(&mut app.conn(), "beijing")
        .unwrap()
        .id;
    let add = |name: &str| {
        diesel::sql_query(format!(
            "INSERT INTO applications (chapter_id, email, name, desired_role, status, created_at, updated_at) \
             VALUES ({}, '{}@example.org', '{name}', 'member', 'pending', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            chapter.0,
            name.to_lowercase()
        ))
        .execute(&mut app.conn())
        .unwrap();
    };
    let id_of = |name: &str| -> i64 {
        applications::table
            .filter(applications::name.eq(name))
            .select(applications::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let pending = "/chapters/beijing/manage/applications?status=pending";
    let approved = "/chapters/beijing/manage/applications?status=approved";
    let shows = |page: &'static str| {
        let org = &org;
        async move {
            let (status, html) = org.get_html(page).await;
            assert_eq!(status, StatusCode::OK);
            html
        }
    };
    for name in ["QueueAlpha", "QueueBravo", "QueueCharlie"] {
        add(name);
    }
    for _ in 0..2 {
        let html = shows(pending).await;
        assert!(
            ["QueueAlpha", "QueueBravo", "QueueCharlie"]
                .iter()
                .all(|n| html.contains(n))
        );
    }

    // What the list shows changes while the status does not (a name, as when an account is
    // deleted and its applications are anonymized).
    diesel::update(applications::table.find(id_of("QueueBravo")))
        .set(applications::name.eq("QueueBravoRenamed"))
        .execute(&mut app.conn())
        .unwrap();
    assert!(shows(pending).await.contains("QueueBravoRenamed"));

    // A decision moves a row from one tab to another; both tabs follow.
    assert!(!shows(approved).await.contains("QueueAlpha"));
    diesel::update(applications::table.find(id_of("QueueAlpha")))
        .set(applications::status.eq("approved"))
        .execute(&mut app.conn())
        .unwrap();
    assert!(!shows(pending).await.contains("QueueAlpha"));
    assert!(shows(approved).await.contains("QueueAlpha"));

    // A new application, and one removed.
    add("QueueDelta");
    assert!(shows(pending).await.contains("QueueDelta"));
    diesel::delete(applications::table.find(id_of("QueueCharlie")))
        .execute(&mut app.conn())
        .unwrap();
    let html = shows(pending).await;
    assert!(!html.contains("QueueCharlie") && html.contains("QueueDelta"));

    // A search is read afresh, never from the kept page.
    let (_, html) = org
        .get_html("/chapters/beijing/manage/applications?status=pending&q=delta")
        .await;
    assert!(html.contains("QueueDelta") && !html.contains("QueueBravoRenamed"));
}

#[tokio::test]
async fn students_apply_without_an_organization_and_members_see_they_belong() {
    let app = spawn_app().await;
    let b = app.browser();
    let (_, form) = b.get_html("/chapters/beijing/apply").await;
    assert!(form.contains(zh("field.organization_optional")));
    assert!(!form.contains(
        r#"name="organization" type="text" value="" autocomplete="organization" required"#
    ));
    let mut fields = apply_fields("学生小王", "student@example.org");
    fields.retain(|(k, _)| *k != "organization");
    fields.push(("organization", ""));
    let res = b.post_form("/chapters/beijing/apply", &fields).await;
    assert!(res.status().is_success() || res.status().is_redirection());
    assert_eq!(
        count_applications(&app),
        1,
        "an empty organization is accepted"
    );

    // A member of the chapter is told so instead of being asked to apply.
    app.member("in@example.org", "beijing", Role::Member, PW);
    let member = app.sign_in("in@example.org", PW).await;
    let (_, page) = member.get_html("/chapters/beijing").await;
    assert!(page.contains(zh("chapter.you_are_member")));
    assert!(!page.contains(&format!(">{}</a>", zh("chapter.apply"))));
    let (_, page) = app.browser().get_html("/chapters/beijing").await;
    assert!(page.contains(&format!(">{}</a>", zh("chapter.apply"))));
}

fn role_line(role: &str) -> String {
    zh("email.approved.role").replace("{role}", zh(role))
}

/// 李雷 approved as a member, then made an ambassador while the welcome waits out its undo
/// window: one welcome, naming the role he has when it is read, and every email queued for him
/// after it arrives after it.
#[tokio::test]
async fn emails_to_one_person_arrive_in_order_and_say_what_is_true() {
    let app = spawn_app_with(Options {
        decision_grace: chrono::TimeDelta::seconds(2),
        ..Options::default()
    })
    .await;
    apply_and_confirm(&app, &app.browser(), "李雷", "lilei@example.org").await;
    let id: i64 = applications::table
        .select(applications::id)
        .first(&mut app.conn())
        .unwrap();
    let org = app.organizer().await;
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/applications/{id}/decision"),
            &[("decision", "approve"), ("role", "member")],
        )
        .await;
    assert!(res.status().is_redirection());
    let user_id: i64 = users::table
        .filter(users::email.eq("lilei@example.org"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/members/{user_id}/role"),
            &[("role", "ambassador")],
        )
        .await;
    assert!(res.status().is_redirection());
    // Something else for him, queued after the welcome but due at once.
    ogug::mail::enqueue(
        &mut app.conn(),
        &ogug::mail::Email {
            idempotency_key: "later:lilei".into(),
            to: ogug::domain::users::EmailAddress::parse("lilei@example.org").unwrap(),
            to_name: "李雷".into(),
            locale: ogug::i18n::Locale::ZhCn,
            content: ogug::mail::Rendered {
                subject: "queued after the welcome".into(),
                text: "later".into(),
                html: "<p>later</p>".into(),
            },
            extras: Default::default(),
        },
    )
    .unwrap();
    let later = wait_for_mail(&app, |m| m.subject == "queued after the welcome").await;
    let to_him: Vec<_> = app
        .smtp
        .received()
        .iter()
        .map(parse)
        .filter(|m| m.to.contains("lilei@example.org"))
        .collect();
    let subjects: Vec<&str> = to_him.iter().map(|m| m.subject.as_str()).collect();
    let welcome = to_him
        .iter()
        .position(|m| m.text.contains(&role_line("role.ambassador")))
        .unwrap_or_else(|| panic!("a welcome naming his new role: {subjects:?}"));
    let later_at = to_him
        .iter()
        .position(|m| m.subject == later.subject)
        .unwrap();
    assert!(welcome < later_at, "the welcome comes first: {subjects:?}");
    assert!(
        !to_him
            .iter()
            .any(|m| m.text.contains(&role_line("role.member"))),
        "nothing says he is a plain member: {subjects:?}"
    );
    assert_eq!(
        to_him.len(),
        3,
        "confirmation, welcome, the later email; no separate role change: {subjects:?}"
    );
}

/// The chapter's audit log reads as sentences: names linked to their pages, roles and reasons
/// in words, and filters by kind of action and by person.
#[tokio::test]
async fn the_audit_log_speaks_in_sentences_and_filters_by_kind_and_person() {
    let app = spawn_app().await;
    apply_and_confirm(&app, &app.browser(), "李雷", "lilei@example.org").await;
    apply_and_confirm(&app, &app.browser(), "韩梅梅", "hmm@example.org").await;
    let ids: Vec<i64> = applications::table
        .order(applications::id)
        .select(applications::id)
        .load(&mut app.conn())
        .unwrap();
    let org = app.organizer().await;
    org.post_form(
        &format!("/chapters/beijing/manage/applications/{}/decision", ids[0]),
        &[("decision", "approve"), ("role", "member")],
    )
    .await;
    org.post_form(
        &format!("/chapters/beijing/manage/applications/{}/decision", ids[1]),
        &[("decision", "reject"), ("reason", "incomplete")],
    )
    .await;
    let lilei: i64 = users::table
        .filter(users::email.eq("lilei@example.org"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    org.post_form(
        &format!("/chapters/beijing/manage/members/{lilei}/role"),
        &[("role", "ambassador")],
    )
    .await;
    let (status, log) = org.get_html("/chapters/beijing/manage/audit").await;
    assert_eq!(status, StatusCode::OK);
    let approved = format!(
        r#"通过了<a href="/chapters/beijing/manage/applications/{}">李雷</a>的入会申请，角色为成员。"#,
        ids[0]
    );
    assert!(log.contains(&approved), "{log}");
    assert!(log.contains(&format!("的入会申请，原因：{}。", zh("reason.incomplete"))));
    assert!(log.contains("调整了李雷的角色，从成员改为布道师。"));
    for code in ["application_rejected", "reason=", "member -> ", "user #"] {
        assert!(!log.contains(code), "no code {code:?} on the page");
    }

    let (_, members_only) = org
        .get_html("/chapters/beijing/manage/audit?kind=members")
        .await;
    assert!(members_only.contains("调整了李雷的角色"));
    assert!(!members_only.contains("的入会申请"));
    // By person: the applicants' own steps (confirming) are not the organizer's.
    let organizer_id: i64 = users::table
        .filter(users::email.eq("organizer@example.org"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let (_, by_organizer) = org
        .get_html(&format!(
            "/chapters/beijing/manage/audit?who={organizer_id}"
        ))
        .await;
    assert!(by_organizer.contains(&approved));
    assert!(!by_organizer.contains("确认了邮箱"));
    assert!(log.contains("确认了邮箱"));

    // English readers get English sentences.
    let (_, en) = org.get_html("/chapters/beijing/manage/audit?lang=en").await;
    assert!(en.contains("’s role from Member to Ambassador."), "{en}");
}
