//! The three journeys in a real browser (Debian's chromium through chromedriver), in Chinese and
//! in English. Without chromedriver on the PATH these tests report themselves skipped.

use crate::helpers::*;
use crate::webdriver::driver;
use fantoccini::{Client, Locator};
use ogug::domain::memberships::Role;
use std::time::Duration;

const PW: &str = "browser passphrase 2021";

/// Finds an element, waiting for it (a click before may still be navigating).
async fn find(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

async fn fill(c: &Client, name: &str, value: &str) {
    let el = find(c, &format!("[name='{name}']")).await;
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    find(c, css).await.click().await.unwrap();
}

async fn page(c: &Client) -> String {
    c.source().await.unwrap()
}

/// Waits for the page (after a click that navigates) to show `text`; returns the page.
async fn wait_text(c: &Client, text: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let html = page(c).await;
        if html.contains(text) {
            return html;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "page never showed {text:?}:\n{html}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sign_in(c: &Client, app: &TestApp, email: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "email", email).await;
    fill(c, "password", PW).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_text(c, "action=\"/logout\"").await;
}

async fn sign_out(c: &Client) {
    // The account page's button: at phone width the menu has no sign-out entry.
    let here = c.current_url().await.unwrap();
    c.goto(here.join("/account").unwrap().as_str())
        .await
        .unwrap();
    click(c, "#account-logout").await;
    wait_text(
        c,
        "<form class=\"stack\" method=\"post\" action=\"/login\">",
    )
    .await;
}

/// Runs the three journeys in `lang`; `zh` picks the expected texts.
async fn journeys(lang: &str) {
    let Some(driver) = driver().await else { return };
    let c = &driver.client;
    let app = spawn_app().await;
    let zh = lang == "zh-CN";
    let t = |zh_text: &'static str, en_text: &'static str| if zh { zh_text } else { en_text };
    app.set_password("organizer@example.org", PW);
    app.member("fan@example.org", "beijing", Role::Member, PW);
    c.goto(&app.url(&format!("/?lang={lang}"))).await.unwrap();

    // 1. A prospective member applies, with one mistake first, and confirms by email.
    c.goto(&app.url("/chapters/beijing")).await.unwrap();
    click(c, ".apply-box a[href='/chapters/beijing/apply']").await;
    fill(c, "name", "李雷").await;
    fill(c, "email", "li.lei-at-example.org").await;
    fill(c, "organization", "云和恩墨").await;
    fill(c, "motivation", "交流 openGauss 经验").await;
    click(c, "#f-role-ambassador").await;
    click(c, "#f-consent").await;
    click(
        c,
        "form[action='/chapters/beijing/apply'] button[type=submit]",
    )
    .await;
    wait_text(
        c,
        t(
            "请输入有效的电子邮件地址",
            "Please enter a valid email address",
        ),
    )
    .await;
    let kept = find(c, "[name='name']").await.prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("李雷"), "input kept");
    fill(c, "email", "li.lei@example.org").await;
    if !find(c, "#f-consent").await.is_selected().await.unwrap() {
        click(c, "#f-consent").await;
    }
    click(
        c,
        "form[action='/chapters/beijing/apply'] button[type=submit]",
    )
    .await;
    wait_text(c, t("请查收邮件", "Check your inbox")).await;
    let mail = wait_for_mail(&app, |m| m.to == "li.lei@example.org").await;
    let confirm = link_in(
        &mail.text,
        &format!("{}/applications/confirm/", app.address),
    );
    c.goto(&confirm).await.unwrap();
    click(c, "main form button[type=submit]").await;
    wait_text(c, t("待审核", "Waiting for review")).await;

    // 2. The organizer approves as Ambassador; the new Ambassador activates and is signed in.
    sign_in(c, &app, "organizer@example.org").await;
    c.goto(&app.url("/chapters/beijing/manage/applications"))
        .await
        .unwrap();
    click(c, "td a[href*='/manage/applications/']").await;
    wait_text(c, "r-amb").await;
    click(c, "#r-amb").await;
    click(c, "form[action$='/decision'] input[value=approve] ~ p button, form[action$='/decision'] button:not(.danger)").await;
    wait_text(
        c,
        t("已通过，欢迎邮件即将发出", "Approved. The welcome email"),
    )
    .await;
    sign_out(c).await;
    let welcome = wait_for_mail(&app, |m| {
        m.to == "li.lei@example.org" && m.text.contains("/account/activate/")
    })
    .await;
    let activate = link_in(&welcome.text, &format!("{}/account/activate/", app.address));
    c.goto(&activate).await.unwrap();
    fill(c, "password", PW).await;
    fill(c, "password_confirm", PW).await;
    click(c, "main form button[type=submit]").await;
    let html = wait_text(c, t("账号已激活", "Your account is active")).await;
    assert!(html.contains(t("布道师", "Ambassador")));

    // 3. The Ambassador creates, previews and publishes an event with two agenda items; it shows
    // on the chapter page and in the calendar feed; a member RSVPs.
    c.goto(&app.url("/chapters/beijing/events/new"))
        .await
        .unwrap();
    fill(c, "title_zh", "浏览器里创建的活动").await;
    fill(c, "title_en", "An event made in a browser").await;
    let start = find(c, "[name='starts_local']").await;
    c.execute(
        "arguments[0].value = '2031-06-01T14:00'",
        vec![serde_json::to_value(&start).unwrap()],
    )
    .await
    .unwrap();
    let end = find(c, "[name='ends_local']").await;
    c.execute(
        "arguments[0].value = '2031-06-01T17:00'",
        vec![serde_json::to_value(&end).unwrap()],
    )
    .await
    .unwrap();
    fill(c, "venue", "中关村").await;
    fill(c, "agenda_0_title", "内核解析").await;
    fill(c, "agenda_0_speaker", "朱金伟").await;
    fill(c, "agenda_1_title", "生态建设").await;
    fill(c, "agenda_1_speaker", "周志").await;
    click(c, "#save-event").await;
    // The preview's own hint (the form's "save draft" button would match "draft").
    let html = wait_text(c, t("这是预览", "This is a preview")).await;
    assert!(html.contains("内核解析") && html.contains("生态建设"));
    click(c, "form[action$='/publish'] button").await;
    // The question first: how many members will be emailed.
    wait_text(c, t("发布这场活动？", "Publish this event?")).await;
    click(c, "#publish-confirm button").await;
    wait_text(c, t("已发布，订阅通知", "Published. Members")).await;
    c.goto(&app.url("/chapters/beijing")).await.unwrap();
    let title = t("浏览器里创建的活动", "An event made in a browser");
    wait_text(c, title).await;
    let (_, ics) = app.get_html("/chapters/beijing/events.ics").await;
    assert!(ics.contains("浏览器里创建的活动"));
    sign_out(c).await;
    sign_in(c, &app, "fan@example.org").await;
    c.goto(&app.url("/chapters/beijing")).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::LinkText(title))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(c, "form[action$='/rsvp'] input[value=yes] ~ button").await;
    wait_text(c, t("您已报名参加", "You are going")).await;

    // 4. The day: the ticket email's QR code, opened by the organizer's phone, checks the fan
    // in with one tap; the desk counts it.
    let mail = wait_for_mail(&app, |m| {
        m.to == "fan@example.org" && m.text.contains("/tickets/")
    })
    .await;
    let msg = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    let png = msg
        .parts
        .iter()
        .find(|p| {
            use mail_parser::MimeHeaders;
            p.content_type().is_some_and(|c| c.subtype() == Some("png"))
        })
        .expect("the ticket's QR code");
    let ticket = decode_qr(png.contents());
    assert!(ticket.starts_with(&app.url("/tickets/")), "{ticket}");
    sign_out(c).await;
    sign_in(c, &app, "organizer@example.org").await;
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&ticket).await.unwrap();
    click(c, "form[action$='/check-in'] button").await;
    wait_text(c, t("签到成功", "Checked in.")).await;
    let desk = ticket_event_desk(&app);
    c.goto(&app.url(&desk)).await.unwrap();
    let html = wait_text(c, "id=\"count-checked-in\"").await;
    assert_eq!(
        crate::events::day_of::desk_count(&html, "count-checked-in"),
        1
    );
    c.set_window_size(1280, 900).await.unwrap();
}

/// The desk of the one event the fan answered.
fn ticket_event_desk(app: &TestApp) -> String {
    use diesel::prelude::*;
    use ogug::db::schema::{events, rsvps};
    let slug: String = rsvps::table
        .inner_join(events::table)
        .select(events::slug)
        .first(&mut app.conn())
        .unwrap();
    format!("/chapters/beijing/events/{slug}/check-in")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_journeys_in_chinese() {
    journeys("zh-CN").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_journeys_in_english() {
    journeys("en").await;
}

/// The speaker's journey in a browser: propose → review → accept → place in an agenda → the
/// public event page and the speaker page show it (with the photo uploaded from a file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_talk_goes_from_proposal_to_the_speaker_page() {
    use diesel::prelude::*;
    let Some(driver) = driver().await else { return };
    let c = &driver.client;
    let app = spawn_app().await;
    app.set_password("organizer@example.org", PW);
    let speaker_id = app.member("speaker@example.org", "beijing", Role::Member, PW);
    {
        use ogug::db::schema::events;
        let starts = ogug::domain::now() + chrono::TimeDelta::days(7);
        diesel::update(events::table)
            .set((
                events::starts_at.eq(starts),
                events::ends_at.eq(starts + chrono::TimeDelta::hours(4)),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    c.goto(&app.url("/?lang=zh-CN")).await.unwrap();

    // The speaker proposes from the chapter page (a field error first).
    sign_in(c, &app, "speaker@example.org").await;
    c.goto(&app.url("/chapters/beijing")).await.unwrap();
    click(c, "#propose-link").await;
    fill(c, "title_zh", "浏览器里提交的议题").await;
    fill(c, "duration", "999").await;
    click(c, "form.narrow button[type=submit]").await;
    wait_text(c, "5 到 180").await;
    fill(c, "abstract", "讲讲 openGauss 的**逻辑复制**。").await;
    fill(c, "duration", "30").await;
    click(c, "input[name=tags][value=ha]").await;
    click(c, "form.narrow button[type=submit]").await;
    wait_text(c, "id=\"talk-proposed\"").await;

    // Her speaker profile, with a photo chosen from a file.
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("me.png");
    image::RgbImage::from_fn(120, 120, |x, y| image::Rgb([x as u8, y as u8, 160]))
        .save(&photo)
        .unwrap();
    c.goto(&app.url("/account/speaker")).await.unwrap();
    fill(c, "bio_zh", "openGauss 社区开发者").await;
    find(c, "#f-photo")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    click(c, "input[name=public]").await;
    click(c, "form[enctype='multipart/form-data'] button[type=submit]").await;
    wait_text(c, "id=\"profile-saved\"").await;
    sign_out(c).await;

    // The organizer rates, accepts and places it.
    sign_in(c, &app, "organizer@example.org").await;
    c.goto(&app.url("/chapters/beijing/manage/talks"))
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::LinkText("浏览器里提交的议题"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(c, "input[name=rating][value='5']").await;
    click(c, "form[action$='/review'] button[type=submit]").await;
    wait_text(c, "<span id=\"average\">5.0</span>").await;
    click(c, "button[name=decision][value=accept]").await;
    wait_text(c, "id=\"decided\"").await;
    fill(c, "time_label", "18:30").await;
    click(c, "form[action$='/place'] button[type=submit]").await;
    wait_text(c, "id=\"placed\"").await;
    sign_out(c).await;

    // Everyone sees it on the event page, the talk page and the speaker page.
    c.goto(&app.url(&format!(
        "/chapters/beijing/events/{}",
        ogug::domain::demo::EVENT_SLUG
    )))
    .await
    .unwrap();
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::LinkText("浏览器里提交的议题"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "<strong>逻辑复制</strong>").await;
    c.goto(&app.url(&format!("/speakers/{speaker_id}")))
        .await
        .unwrap();
    let html = wait_text(c, "浏览器里提交的议题").await;
    assert!(html.contains("openGauss 社区开发者"));
    let src = find(c, "img.speaker-photo")
        .await
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    assert!(src.starts_with("/images/"), "{src}");
    let mail = wait_for_mail(&app, |m| m.to == "speaker@example.org").await;
    assert!(mail.subject.contains("浏览器里提交的议题"));
}

/// What a page looks like to the check below: how wide it is against the screen, the widest
/// elements when it is too wide, and the text a person reads.
#[derive(serde::Deserialize)]
struct Fit {
    scroll: f64,
    inner: f64,
    wide: Vec<String>,
    text: String,
    /// Rows the top menu takes.
    menu_lines: usize,
}

/// Visible text that is a code: a catalog key (`queue.done_bulk`) or a stored value with an
/// underscore (`walk_in`, `application_rejected`).
fn codes_in(text: &str) -> Vec<String> {
    use std::sync::LazyLock;
    static KEYS: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| {
        ogug::i18n::parse_catalog(ogug::i18n::ZH_CN_CATALOG)
            .into_keys()
            .collect()
    });
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map(|w| w.trim_matches('.'))
        .filter(|w| !w.is_empty())
        .filter(|w| {
            KEYS.contains(w)
                || (w.contains('_')
                    && w.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    && !w.starts_with('_'))
        })
        .map(str::to_string)
        .collect()
}

/// At phone width the page is no wider than the screen, and no visible text is a code.
async fn fits_a_phone(c: &Client, app: &TestApp, path: &str) -> Vec<String> {
    c.goto(&app.url(path)).await.unwrap();
    find(c, "main").await;
    let fit = c
        .execute(
            r#"const w = window.innerWidth;
               const wide = [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > w + 1)
                 .slice(0, 5)
                 .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''));
               const tops = new Set([...document.querySelectorAll('.nav > li')]
                 .filter(li => li.offsetParent !== null)
                 .map(li => Math.round(li.getBoundingClientRect().top / 16)));
               return { scroll: document.documentElement.scrollWidth, inner: w, wide, text: document.body.innerText, menu_lines: tops.size };"#,
            vec![],
        )
        .await
        .unwrap();
    let fit: Fit = serde_json::from_value(fit).unwrap();
    let mut problems = vec![];
    if fit.scroll > fit.inner + 1.0 {
        problems.push(format!(
            "{path}: {} px wide on a {} px screen ({:?})",
            fit.scroll, fit.inner, fit.wide
        ));
    }
    if fit.menu_lines > 1 {
        problems.push(format!("{path}: the menu takes {} lines", fit.menu_lines));
    }
    let codes = codes_in(&fit.text);
    if !codes.is_empty() {
        problems.push(format!("{path}: codes shown {codes:?}"));
    }
    problems
}

/// Every page the journeys visit, in both languages, at 390 px: nothing scrolls sideways and no
/// visible text is a catalog key or a raw stored value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_journey_page_fits_a_phone_and_speaks_words() {
    let Some(driver) = driver().await else { return };
    let c = &driver.client;
    let app = spawn_app().await;
    app.set_password("organizer@example.org", PW);
    let applicant = app.applicant("李雷", "lilei@example.org");
    applicant.apply("beijing").await;
    let confirm = app.mail().link_to("/applications/confirm/").await;
    applicant.browser.post_form(&confirm, &[]).await;
    let status = app.mail().link_to("/applications/status/").await;
    let (event, talk, application, org_id, member) = {
        use diesel::prelude::*;
        use ogug::db::schema::{applications, events, organizations, talks, users};
        let mut conn = app.conn();
        (
            events::table
                .select(events::slug)
                .order(events::starts_at.desc())
                .first::<String>(&mut conn)
                .unwrap(),
            talks::table
                .select(talks::id)
                .first::<i64>(&mut conn)
                .unwrap(),
            applications::table
                .select(applications::id)
                .first::<i64>(&mut conn)
                .unwrap(),
            organizations::table
                .select(organizations::id)
                .first::<i64>(&mut conn)
                .unwrap(),
            users::table
                .filter(users::email.ne("organizer@example.org"))
                .select(users::id)
                .first::<i64>(&mut conn)
                .unwrap(),
        )
    };
    let _ = member;
    let e = format!("/chapters/beijing/events/{event}");
    let public = vec![
        "/".to_string(),
        "/chapters".into(),
        "/chapters/beijing".into(),
        "/chapters/beijing/apply".into(),
        "/chapters/beijing/events".into(),
        "/events".into(),
        e.clone(),
        "/talks".into(),
        format!("/talks/{talk}"),
        "/organizations".into(),
        format!("/organizations/{org_id}"),
        "/stats".into(),
        "/chapters/beijing/contact".into(),
        "/login".into(),
        "/account/reset".into(),
        status.clone(),
    ];
    let staff = vec![
        "/account".to_string(),
        "/account/settings".into(),
        "/account/talks".into(),
        "/account/speaker".into(),
        "/account/announcements".into(),
        "/chapters/beijing/members".into(),
        "/chapters/beijing/manage/applications".into(),
        format!("/chapters/beijing/manage/applications/{application}"),
        "/chapters/beijing/manage/members".into(),
        "/chapters/beijing/manage/audit".into(),
        "/chapters/beijing/manage/profile".into(),
        "/chapters/beijing/manage/talks".into(),
        format!("/chapters/beijing/manage/talks/{talk}"),
        "/chapters/beijing/manage/insights".into(),
        "/chapters/beijing/manage/balance".into(),
        "/chapters/beijing/manage/announce".into(),
        "/chapters/beijing/talks/propose".into(),
        "/chapters/beijing/events/new".into(),
        format!("{e}/edit"),
        format!("{e}/check-in"),
        format!("{e}/door"),
        format!("{e}/announce"),
    ];
    c.set_window_size(390, 844).await.unwrap();
    let mut problems = vec![];
    for lang in ["zh-CN", "en"] {
        c.goto(&app.url(&format!("/?lang={lang}"))).await.unwrap();
        for path in &public {
            problems.extend(fits_a_phone(c, &app, path).await);
        }
        sign_in(c, &app, "organizer@example.org").await;
        for path in &staff {
            problems.extend(fits_a_phone(c, &app, path).await);
        }
        sign_out(c).await;
    }
    c.set_window_size(1280, 900).await.unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_code_check_sees_codes_and_passes_words() {
    assert_eq!(codes_in("状态：walk_in。"), vec!["walk_in"]);
    assert_eq!(codes_in("queue.done_bulk"), vec!["queue.done_bulk"]);
    assert!(codes_in("Checked in at 14:05. See example.org").is_empty());
}

/// On a phone the ticket's QR code is on the first screen, whole; staff opening it get a way
/// back to the desk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticket_code_is_on_the_first_screen_of_a_phone() {
    let Some(driver) = driver().await else { return };
    let c = &driver.client;
    let app = spawn_app().await;
    app.set_password("organizer@example.org", PW);
    app.member("fan@example.org", "beijing", Role::Member, PW);
    let fan = app.sign_in("fan@example.org", PW).await;
    let event = demo_event_in_days(&app, 3);
    let res = fan
        .post_form(&format!("{event}/rsvp"), &[("going", "yes")])
        .await;
    assert!(res.status().is_redirection());
    let ticket = app.mail().link_to("/tickets/").await;
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&app.url(&ticket)).await.unwrap();
    find(c, "#ticket-qr svg").await;
    let (bottom, height): (f64, f64) = serde_json::from_value(
        c.execute(
            "const r = document.querySelector('#ticket-qr svg').getBoundingClientRect(); return [r.bottom, window.innerHeight];",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(
        bottom <= height,
        "the code ends at {bottom} px of a {height} px screen"
    );
    sign_in(c, &app, "organizer@example.org").await;
    c.goto(&app.url(&ticket)).await.unwrap();
    let html = wait_text(c, "id=\"back-to-desk\"").await;
    assert!(html.contains(&format!("href=\"{event}/check-in\"")));
    c.set_window_size(1280, 900).await.unwrap();
}

/// A guest on a phone: the event page's form, the emailed link, the ticket, with nothing
/// scrolling sideways on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_registers_on_a_phone() {
    let Some(driver) = driver().await else { return };
    let c = &driver.client;
    let app = spawn_app().await;
    let event = demo_event_in_days(&app, 5);
    c.set_window_size(390, 844).await.unwrap();
    let mut problems = fits_a_phone(c, &app, &event).await;
    fill(c, "name", "访客小王").await;
    fill(c, "email", "guest@example.org").await;
    click(c, "#g-consent").await;
    click(c, "#register-submit").await;
    wait_text(c, "id=\"register-sent\"").await;
    problems.extend(fits_a_phone(c, &app, &format!("{event}/register/sent")).await);
    let mail = wait_for_mail(&app, |m| m.to == "guest@example.org").await;
    let link = link_in(&mail.text, &app.url("/registrations/confirm/"));
    c.goto(&link).await.unwrap();
    click(c, "#confirm-registration").await;
    let html = wait_text(c, "id=\"registered\"").await;
    assert!(html.contains("访客小王"));
    let here = c.current_url().await.unwrap();
    problems.extend(fits_a_phone(c, &app, here.path()).await);
    c.set_window_size(1280, 900).await.unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The application page's approve and reject cards are the same width on a desk, and the
/// reason list fits its card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_two_decisions_are_even() {
    let Some(driver) = driver().await else { return };
    let c = &driver.client;
    let app = spawn_app().await;
    app.set_password("organizer@example.org", PW);
    let applicant = app.applicant("李雷", "lilei@example.org");
    applicant.apply("beijing").await;
    let confirm = app.mail().link_to("/applications/confirm/").await;
    applicant.browser.post_form(&confirm, &[]).await;
    let id: i64 = {
        use diesel::prelude::*;
        ogug::db::schema::applications::table
            .select(ogug::db::schema::applications::id)
            .first(&mut app.conn())
            .unwrap()
    };
    c.set_window_size(1280, 900).await.unwrap();
    sign_in(c, &app, "organizer@example.org").await;
    c.goto(&app.url(&format!("/chapters/beijing/manage/applications/{id}")))
        .await
        .unwrap();
    find(c, ".decide").await;
    let (a, b, select, card): (f64, f64, f64, f64) = serde_json::from_value(
        c.execute(
            "const f = document.querySelectorAll('.decide > form'); const s = document.querySelector('#f-reason'); return [f[0].getBoundingClientRect().width, f[1].getBoundingClientRect().width, s.getBoundingClientRect().right, f[1].getBoundingClientRect().right];",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!((a - b).abs() <= 2.0, "approve {a} px, reject {b} px");
    assert!(
        select <= card,
        "the reason list ends at {select}, its card at {card}"
    );
}

/// Moves the demo meetup `days` ahead (so it takes registrations); its page's path.
fn demo_event_in_days(app: &TestApp, days: i64) -> String {
    use diesel::prelude::*;
    use ogug::db::schema::events;
    let slug: String = events::table
        .select(events::slug)
        .first(&mut app.conn())
        .unwrap();
    let starts = ogug::domain::now() + chrono::TimeDelta::days(days);
    diesel::update(events::table.filter(events::slug.eq(&slug)))
        .set((
            events::starts_at.eq(starts),
            events::ends_at.eq(starts + chrono::TimeDelta::hours(3)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    format!("/chapters/beijing/events/{slug}")
}
