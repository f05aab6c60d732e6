//! Speakers and sponsors: the call for speakers from proposal to archive, refusals, hostile
//! uploads, the organizations directory and the balance report.

use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{images, organizations, talks};
use ogug::domain::memberships::Role;
use reqwest::StatusCode;

const EVENT: &str = "/chapters/beijing/events/2021-05-29-beijing-meetup";

fn talk_id(app: &TestApp, title: &str) -> i64 {
    talks::table
        .filter(talks::title_zh.eq(title))
        .select(talks::id)
        .first(&mut app.conn())
        .unwrap()
}

/// Moves the demo meetup a week ahead, so talks can be placed in it.
fn meetup_next_week(app: &TestApp) {
    use ogug::db::schema::events;
    let starts = ogug::domain::now() + chrono::TimeDelta::days(7);
    diesel::update(events::table.filter(events::slug.eq(ogug::domain::demo::EVENT_SLUG)))
        .set((
            events::starts_at.eq(starts),
            events::ends_at.eq(starts + chrono::TimeDelta::hours(4)),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

async fn propose(b: &Browser, title: &str, co: &str) -> reqwest::Response {
    b.post_form(
        "/chapters/beijing/talks/propose",
        &[
            ("title_zh", title),
            ("title_en", "Parallel query in openGauss"),
            ("abstract", "介绍 openGauss 的**并行查询**与向量化执行。"),
            ("language", "zh"),
            ("level", "advanced"),
            ("duration", "40"),
            ("tags", "kernel"),
            ("tags", "performance"),
            ("co_speakers", co),
            ("event", ""),
        ],
    )
    .await
}

#[tokio::test]
async fn a_proposal_is_reviewed_accepted_placed_and_archived() {
    let app = spawn_app().await;
    meetup_next_week(&app);
    app.member("speaker@example.org", "beijing", Role::Member, PASSWORD);
    let speaker = app.sign_in("speaker@example.org", PASSWORD).await;
    let res = propose(&speaker, "并行查询实战", "co@example.org").await;
    assert_redirect_to(&res, "/account/talks?proposed=1");
    let id = talk_id(&app, "并行查询实战");

    // The co-speaker confirms by the link in their email; until then nobody lists them.
    let invite = wait_for_mail(&app, |m| m.to == "co@example.org").await;
    let link = link_in(&invite.text, &format!("{}/talks/invite/", app.address));
    let guest = app.browser();
    let path = link.trim_start_matches(&app.address).to_string();
    let (status, page) = guest.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("并行查询实战"));
    let res = guest
        .post_form(&path, &[("name", "王共讲"), ("affiliation", "清华大学")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("invite-confirmed"));

    // Reviews: an ambassador and an organizer; the average is shown to reviewers.
    let ambassador = app.signed_in_as(Role::Ambassador, "beijing").await;
    let manage = format!("/chapters/beijing/manage/talks/{id}");
    let res = ambassador
        .post_form(
            &format!("{manage}/review"),
            &[("rating", "4"), ("comment", "好")],
        )
        .await;
    assert!(res.status().is_redirection());
    let organizer = app.organizer_of("beijing").await;
    organizer
        .post_form(&format!("{manage}/review"), &[("rating", "5")])
        .await;
    let (_, detail) = organizer.get_html(&manage).await;
    assert!(
        detail.contains(r#"<span id="average">4.5</span>"#),
        "{detail}"
    );
    // The scale says what each number means; the three decisions look different.
    assert!(
        detail.contains(zh("review_talks.scale_1")) && detail.contains(zh("review_talks.scale_5"))
    );
    assert!(detail.contains(r#"class="danger" id="decide-decline""#));
    assert!(detail.contains(r#"class="secondary" id="decide-waitlist""#));
    // The speaker never sees the reviews.
    assert_eq!(speaker.get(&manage).await.status(), StatusCode::FORBIDDEN);

    // Accept: the proposer is told, in their language.
    let res = organizer
        .post_form(
            &format!("{manage}/decision"),
            &[("decision", "accept"), ("message", "欢迎！")],
        )
        .await;
    assert!(res.status().is_redirection());
    let mail = wait_for_mail(&app, |m| {
        m.to == "speaker@example.org" && m.subject.contains("并行查询实战")
    })
    .await;
    assert!(mail.text.contains("欢迎！"));
    // ... and so is the co-speaker who confirmed.
    wait_for_mail(&app, |m| {
        m.to == "co@example.org" && m.subject.contains("并行查询实战") && m.text.contains("欢迎！")
    })
    .await;

    // Placed in the meetup's agenda: the event page links the talk, the archive has it.
    let res = organizer
        .post_form(
            &format!("{manage}/place"),
            &[
                ("event", ogug::domain::demo::EVENT_SLUG),
                ("time_label", "18:00"),
            ],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    // Each speaker is told where and when.
    for to in ["speaker@example.org", "co@example.org"] {
        let placed = wait_for_mail(&app, |m| {
            m.to == to
                && m.subject == zh("email.talk_placed.subject").replace("{title}", "并行查询实战")
        })
        .await;
        assert!(
            placed
                .text
                .contains(&zh("email.talk_placed.slot").replace("{time}", "18:00"))
        );
        assert!(placed.text.contains(&app.url(EVENT)));
    }
    // The meetup is next week: the archive shows the talk as coming up, apart from those given.
    let (_, archive) = app.get_html("/talks").await;
    let upcoming = &archive[archive
        .find(r#"id="upcoming""#)
        .expect("a coming-up section")..];
    let upcoming = &upcoming[..upcoming.find("</section>").unwrap()];
    assert!(upcoming.contains("并行查询实战"));
    let (_, event_page) = app.get_html(EVENT).await;
    assert!(event_page.contains(&format!("/talks/{id}")), "{event_page}");
    assert!(event_page.contains("王共讲"));
    let (status, talk_page) = app.get_html(&format!("/talks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(talk_page.contains("<strong>并行查询</strong>"));
    // Search: a Chinese word in the abstract, an English prefix in the title, a speaker.
    for q in ["向量化", "parall", "王共讲"] {
        let (_, found) = app.get_html(&format!("/talks?q={}", urlencode(q))).await;
        assert!(found.contains("并行查询实战"), "search {q}");
    }
    let (_, none) = app.get_html("/talks?q=%E7%81%AB%E6%98%9F").await;
    assert!(!none.contains("并行查询实战"));
    assert!(none.contains("archive-empty"));
    let (_, by_tag) = app.get_html("/talks?tag=performance").await;
    assert!(by_tag.contains("并行查询实战"));
    let (_, other_tag) = app.get_html("/talks?tag=ha").await;
    assert!(!other_tag.contains("并行查询实战"));
    // Feeds.
    let json: serde_json::Value = app.get("/api/v1/talks.json").await.json().await.unwrap();
    let first = &json["talks"][0];
    assert_eq!(first["title_zh"], "并行查询实战");
    assert_eq!(first["speakers"].as_array().unwrap().len(), 2);
    let atom = app.get("/talks.atom").await.text().await.unwrap();
    let feed: atom_syndication::Feed = atom.parse().unwrap();
    assert!(
        feed.entries()
            .iter()
            .any(|e| e.title().as_str() == "并行查询实战")
    );

    // The speaker page is opt-in.
    let speaker_id: i64 = {
        use ogug::db::schema::users;
        users::table
            .filter(users::email.eq("speaker@example.org"))
            .select(users::id)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(
        app.get(&format!("/speakers/{speaker_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = speaker
        .post_multipart(
            "/account/speaker",
            &[
                ("affiliation", "openGauss 社区"),
                ("bio_zh", "数据库内核开发者"),
                ("links", "https://gitee.com/opengauss"),
                ("public", "on"),
            ],
            Some(("photo", "me.png", png(64, 64))),
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let (status, page) = app.get_html(&format!("/speakers/{speaker_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("并行查询实战") && page.contains("数据库内核开发者"));
    assert!(page.contains("/images/"), "the photo shows");

    // Moving the meetup moves the talk's date; cancelling it takes the talk out.
    let cancel = organizer
        .post_form(
            &format!("{EVENT}/cancel"),
            &[("message", "改期"), ("confirm", "1")],
        )
        .await;
    assert!(cancel.status().is_redirection());
    assert_eq!(
        app.get(&format!("/talks/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap()[2..].to_string()
}

#[tokio::test]
async fn the_call_refuses_what_it_should() {
    let app = spawn_app().await;
    meetup_next_week(&app);
    app.chapter("shanghai");
    // Not signed in: sent to sign in.
    let res = app
        .browser()
        .post_form("/chapters/beijing/talks/propose", &[("title_zh", "x")])
        .await;
    assert!(res.status().is_redirection());
    assert!(res.location().starts_with("/login"));

    app.member("p@example.org", "beijing", Role::Member, PASSWORD);
    let person = app.sign_in("p@example.org", PASSWORD).await;
    // Bad input comes back with field errors and the input kept.
    let res = person
        .post_form(
            "/chapters/beijing/talks/propose",
            &[
                ("title_zh", "保留我的标题"),
                ("abstract", ""),
                ("language", "fr"),
                ("level", "beginner"),
                ("duration", "999"),
                ("co_speakers", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("保留我的标题"));
    for key in [
        "error.duration_invalid",
        "error.co_speakers_invalid",
        "error.invalid_choice",
    ] {
        assert!(page.contains(zh(key)), "{key}");
    }

    // A closed rolling call refuses proposals, keeping the input.
    let organizer = app.organizer_of("beijing").await;
    organizer
        .post_form("/chapters/beijing/manage/talks/call", &[("open", "off")])
        .await;
    let res = propose(&person, "关闭时提交", "").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("关闭时提交"));
    organizer
        .post_form("/chapters/beijing/manage/talks/call", &[("open", "on")])
        .await;
    propose(&person, "正常提交", "never@example.org").await;
    let id = talk_id(&app, "正常提交");
    let manage = format!("/chapters/beijing/manage/talks/{id}");

    // Members do not review; ratings are 1 to 5; ambassadors do not decide.
    let member = app.signed_in_as(Role::Member, "beijing").await;
    let res = member
        .post_form(&format!("{manage}/review"), &[("rating", "3")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let ambassador = app.signed_in_as(Role::Ambassador, "beijing").await;
    let res = ambassador
        .post_form(&format!("{manage}/review"), &[("rating", "7")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("error.rating_invalid"))
    );
    let res = ambassador
        .post_form(&format!("{manage}/decision"), &[("decision", "accept")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Another chapter's organizer sees no such talk.
    let other = app.organizer_of("shanghai").await;
    let res = other
        .get(&format!("/chapters/shanghai/manage/talks/{id}"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Not accepted yet: it cannot be placed.
    let place = [
        ("event", ogug::domain::demo::EVENT_SLUG),
        ("time_label", "19:00"),
    ];
    let res = organizer
        .post_form(&format!("{manage}/place"), &place)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    organizer
        .post_form(&format!("{manage}/decision"), &[("decision", "accept")])
        .await;
    // Deciding twice is a conflict; withdrawing a decided talk too.
    let res = organizer
        .post_form(&format!("{manage}/decision"), &[("decision", "decline")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = person
        .post_form(&format!("/chapters/beijing/talks/{id}/withdraw"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Only the event's own chapter: Shanghai's event is not found from Beijing's talk.
    let shanghai_event = {
        let b = app.organizer_of("shanghai").await;
        let res = b
            .post_form(
                "/chapters/shanghai/events",
                &[
                    ("title_zh", "上海活动"),
                    ("starts_local", "2030-01-01T14:00"),
                    ("ends_local", "2030-01-01T17:00"),
                    ("mode", "offline"),
                ],
            )
            .await;
        assert!(res.status().is_redirection(), "{}", res.status());
        res.location().split('/').nth(4).unwrap().to_string()
    };
    let res = organizer
        .post_form(
            &format!("{manage}/place"),
            &[("event", shanghai_event.as_str()), ("time_label", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An agenda edited to name a talk of another chapter is refused too.
    organizer
        .post_form(&format!("{manage}/place"), &place)
        .await;
    let (_, shanghai_talk) = {
        app.member("s@example.org", "shanghai", Role::Member, PASSWORD);
        let s = app.sign_in("s@example.org", PASSWORD).await;
        s.post_form(
            "/chapters/shanghai/talks/propose",
            &[
                ("title_zh", "上海的议题"),
                ("abstract", "x"),
                ("language", "zh"),
                ("level", "beginner"),
                ("duration", "20"),
            ],
        )
        .await;
        ((), talk_id(&app, "上海的议题"))
    };
    let form_page = organizer.get_html(&format!("{EVENT}/edit")).await.1;
    assert!(
        form_page.contains(&format!(r#"value="{id}""#)),
        "the agenda row keeps its talk"
    );
    let mut fields: Vec<(String, String)> = vec![
        ("title_zh".into(), "【北京】openGauss Meetup".into()),
        ("starts_local".into(), "2031-05-29T13:30".into()),
        ("ends_local".into(), "2031-05-29T17:30".into()),
        ("mode".into(), "hybrid".into()),
        ("agenda_0_title".into(), "别人的议题".into()),
        ("agenda_0_talk".into(), shanghai_talk.to_string()),
    ];
    let borrowed: Vec<(&str, &str)> = fields
        .iter_mut()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = organizer
        .post_form(&format!("{EVENT}/edit"), &borrowed)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The co-speaker who never confirmed is not listed anywhere public.
    let (_, event_page) = app.get_html(EVENT).await;
    assert!(event_page.contains("正常提交"));
    assert!(!event_page.contains("never@example.org"));
    let (_, talk_page) = app.get_html(&format!("/talks/{id}")).await;
    assert!(!talk_page.contains("never@example.org"));
    // And an expired invitation link is gone.
    let hash: String = {
        use ogug::db::schema::talk_speakers;
        diesel::update(talk_speakers::table.filter(talk_speakers::email.eq("never@example.org")))
            .set(talk_speakers::invited_at.eq(ogug::domain::now() - chrono::TimeDelta::days(31)))
            .execute(&mut app.conn())
            .unwrap();
        talk_speakers::table
            .filter(talk_speakers::email.eq("never@example.org"))
            .select(talk_speakers::invite_hash.assume_not_null())
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(hash.len(), 64, "only the link's hash is stored");
    let mail = wait_for_mail(&app, |m| m.to == "never@example.org").await;
    let link = link_in(&mail.text, &format!("{}/talks/invite/", app.address));
    assert_eq!(
        app.get(link.trim_start_matches(&app.address))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let img = image::RgbaImage::from_fn(w, h, |x, y| image::Rgba([x as u8, y as u8, 128, 255]));
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([x as u8, 90, 200]));
    img.write_to(
        &mut std::io::Cursor::new(&mut out),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    out
}

/// A PNG whose header claims 20,000 × 20,000 pixels (with a tiny body): refused before decoding.
fn huge_png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 20_000, 20_000);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().unwrap();
        writer.write_chunk(png::chunk::IDAT, &[0x78, 0x9c]).unwrap();
        writer.finish().unwrap();
    }
    out
}

fn image_rows(app: &TestApp) -> i64 {
    images::table.count().get_result(&mut app.conn()).unwrap()
}

#[tokio::test]
async fn hostile_uploads_get_field_errors_and_nothing_is_stored() {
    let app = spawn_app().await;
    let organizer = app.organizer_of("beijing").await;
    let before = image_rows(&app);
    let mut polyglot = png(8, 8);
    polyglot.extend_from_slice(b"PK\x03\x04<html><script>alert(1)</script></html>");
    let mut truncated = png(50, 50);
    truncated.truncate(truncated.len() / 2);
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let big = {
        let mut b = png(8, 8);
        b.resize(5 * 1024 * 1024, 0);
        b
    };
    for (name, bytes, key) in [
        ("huge.png", huge_png(), "error.image_dimensions"),
        // Issue 27, item 12: at most 4096 pixels a side.
        ("wide.png", png(4097, 16), "error.image_dimensions"),
        ("poly.png", polyglot, "error.image_damaged"),
        ("x.svg", svg, "error.image_type"),
        ("half.png", truncated, "error.image_damaged"),
        ("empty.png", Vec::new(), ""),
        ("big.png", big, "error.image_too_big"),
    ] {
        let res = organizer
            .post_multipart(
                "/organizations/new",
                &[("name_zh", "恶意公司")],
                Some(("logo", name, bytes)),
            )
            .await;
        if key.is_empty() {
            // No file chosen: the organization is created without a logo.
            assert!(res.status().is_redirection(), "{name}");
            continue;
        }
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let page = res.text().await.unwrap();
        assert!(page.contains(zh(key)), "{name}: {key}");
        assert!(page.contains(r#"value="恶意公司""#), "{name}: input kept");
    }
    assert_eq!(image_rows(&app), before, "nothing stored");
    let orgs: i64 = organizations::table
        .filter(organizations::name_zh.eq("恶意公司"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(orgs, 1, "only the one without a file");
    // Past the upload body limit: 413.
    let res = organizer
        .post_multipart(
            "/organizations/new",
            &[("name_zh", "太大")],
            Some(("logo", "x.png", vec![0u8; 7 * 1024 * 1024])),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A JPEG named .png is a JPEG: stored re-encoded, served as what it is, cached long.
    let res = organizer
        .post_multipart(
            "/organizations/new",
            &[("name_zh", "云和恩墨"), ("name_en", "Enmotech")],
            Some(("logo", "logo.png", jpeg(1600, 400))),
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let page = organizer.get_html(&res.location()).await.1;
    let src = page
        .split(r#"<img class="logo" src=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(
        src.starts_with("/images/") && src.ends_with(".jpg"),
        "{src}"
    );
    let res = app.get(&src).await;
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let stored = res.bytes().await.unwrap();
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (800, 200),
        "scaled down"
    );
    // The same path under another type is not served.
    let wrong = src.replace(".jpg", ".png");
    assert_eq!(app.get(&wrong).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hosts_link_to_the_directory_and_the_balance_report_counts_them() {
    let app = spawn_app().await;
    let organizer = app.organizer_of("beijing").await;
    // The demo's hosts are in the directory and on the chapter page (the meetup is in 2021,
    // so move it into the last 12 months).
    {
        use ogug::db::schema::events;
        let starts = ogug::domain::now() - chrono::TimeDelta::days(30);
        diesel::update(events::table)
            .set((
                events::starts_at.eq(starts),
                events::ends_at.eq(starts + chrono::TimeDelta::hours(4)),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    let (_, chapter) = app.get_html("/chapters/beijing").await;
    assert!(chapter.contains(r#"id="sponsors""#));
    assert!(chapter.contains("SphereEx"));

    let (status, report) = organizer.get_html("/chapters/beijing/manage/balance").await;
    assert_eq!(status, StatusCode::OK);
    // The SVG parses as XML and has a bar for the busiest organization.
    let start = report.find("<svg").unwrap();
    let end = report.find("</svg>").unwrap() + "</svg>".len();
    let svg = &report[start..end];
    let doc = roxmltree_like_parse(svg);
    assert!(doc, "the chart is well-formed XML");
    assert!(svg.contains("<title>SphereEx: "), "{svg}");
    // SphereEx co-hosted once and sat at the round table (its CEO's own talk is listed under
    // the affiliation as typed, "SphereEx CEO").
    let row = report
        .split("<tr>")
        .find(|r| r.starts_with("<td><a") && r.contains(">SphereEx</a>"))
        .unwrap()
        .to_string();
    let cells: Vec<&str> = row
        .split("<td>")
        .skip(2)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(cells, ["1", "1", "0"], "{row}");
    // Members and ambassadors do not see the report.
    let ambassador = app.signed_in_as(Role::Ambassador, "beijing").await;
    assert_eq!(
        ambassador
            .get("/chapters/beijing/manage/balance")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // A duplicate is merged by a site admin: its hostings move, its page redirects.
    let dup = organizer
        .post_multipart(
            "/organizations/new",
            &[("name_zh", "SphereEx 公司"), ("name_en", "SphereEx Inc.")],
            None,
        )
        .await;
    assert!(dup.status().is_redirection());
    let dup_id: i64 = dup.location().rsplit('/').next().unwrap().parse().unwrap();
    let keep_id: i64 = organizations::table
        .filter(organizations::name_en.eq("SphereEx"))
        .select(organizations::id)
        .first(&mut app.conn())
        .unwrap();
    let res = organizer
        .post_form(
            "/admin/organizations/merge",
            &[
                ("from", &dup_id.to_string()),
                ("into", &keep_id.to_string()),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "organizers do not merge"
    );
    app.create_user("root@example.org", "Root", Some(PASSWORD), true);
    let admin = app.sign_in("root@example.org", PASSWORD).await;
    let res = admin
        .post_form(
            "/admin/organizations/merge",
            &[
                ("from", &dup_id.to_string()),
                ("into", &keep_id.to_string()),
            ],
        )
        .await;
    assert!(res.status().is_redirection());
    let res = app.get(&format!("/organizations/{dup_id}")).await;
    assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY);
    let (_, list) = app.get_html("/organizations?q=sphere").await;
    assert!(
        !list.contains("SphereEx 公司"),
        "the duplicate is out of the directory"
    );
}

/// Well-formedness: every tag opened is closed in order (the chart has no text that could
/// confuse this, its labels are escaped).
fn roxmltree_like_parse(xml: &str) -> bool {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if stack.pop().as_deref() != Some(name) {
                return false;
            }
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap().to_string());
        }
    }
    stack.is_empty()
}

#[tokio::test]
async fn the_founding_meetup_talks_are_in_the_archive() {
    let app = spawn_app().await;
    let (status, page) = app.get_html("/talks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches(r#"<li class="card">"#).count(), 9);
    let (_, found) = app.get_html("/talks?q=ShardingSphere").await;
    assert_eq!(found.matches(r#"<li class="card">"#).count(), 1);
    let (_, found) = app.get_html("/talks?q=%E5%AE%89%E5%85%A8").await; // 安全
    assert!(found.contains("openGauss 数据库最大安全性架构"));
    let (_, found) = app.get_html("/talks?year=2021&tag=security").await;
    assert_eq!(found.matches(r#"<li class="card">"#).count(), 1);
    let (_, none) = app.get_html("/talks?year=2022").await;
    assert!(none.contains("archive-empty"));
    // English page, same talks.
    let (_, en) = app.get_html("/talks?language=zh&q=openGauss&lang=en").await;
    assert!(en.matches(r#"<li class="card">"#).count() >= 4);
}

/// Past the newest 2,000 talks (where a PostgreSQL search first looks), a rare word's old talk
/// is still found, in order, and a common word pages deep; on SQLite the same answers.
#[tokio::test]
async fn searching_finds_old_talks_beyond_the_newest_two_thousand() {
    use ogug::db::schema::{events, talk_speakers};
    let app = spawn_app().await;
    let mut conn = app.conn();
    let chapter = ogug::domain::chapters::find_by_slug(&mut conn, "beijing").unwrap();
    let event: (ogug::domain::ids::EventId, chrono::NaiveDateTime) = events::table
        .select((events::id, events::starts_at))
        .first(&mut conn)
        .unwrap();
    let now = ogug::domain::now();
    ogug::db::write_transaction(&mut conn, |c| -> ogug::domain::DomainResult<()> {
        for i in 0..2100i64 {
            // The first is the oldest and the only one with the rare word.
            let title = if i == 0 {
                "冷门话题 zanzibar"
            } else {
                "常见话题 common"
            };
            let id: ogug::domain::ids::TalkId = diesel::insert_into(talks::table)
                .values((
                    talks::chapter_id.eq(chapter.id),
                    talks::title_zh.eq(title),
                    talks::title_en.eq(""),
                    talks::abstract_md.eq(""),
                    talks::abstract_html.eq(""),
                    talks::language.eq("zh"),
                    talks::level.eq("beginner"),
                    talks::duration_min.eq(20),
                    talks::status.eq("accepted"),
                    talks::placed_event_id.eq(Some(event.0)),
                    talks::given_at.eq(Some(event.1 + chrono::TimeDelta::days(i))),
                    talks::created_at.eq(now),
                    talks::updated_at.eq(now),
                ))
                .returning(talks::id)
                .get_result(c)?;
            diesel::insert_into(talk_speakers::table)
                .values((
                    talk_speakers::talk_id.eq(id),
                    talk_speakers::email.eq(""),
                    talk_speakers::name.eq("讲师"),
                    talk_speakers::position.eq(0),
                    talk_speakers::invited_at.eq(now),
                    talk_speakers::confirmed_at.eq(Some(now)),
                ))
                .execute(c)?;
            ogug::domain::talks::search::reindex(c, id)?;
        }
        Ok(())
    })
    .unwrap();
    drop(conn);
    let (_, rare) = app.get_html("/talks?q=zanzibar").await;
    assert_eq!(rare.matches(r#"<li class="card">"#).count(), 1);
    assert!(rare.contains("冷门话题"));
    let (_, rare_zh) = app.get_html("/talks?q=%E5%86%B7%E9%97%A8").await; // 冷门
    assert!(rare_zh.contains("冷门话题"));
    // Page 104 of the common word holds the oldest of its 2,099 talks (20 a page).
    let (_, deep) = app.get_html("/talks?q=common&page=104").await;
    assert_eq!(deep.matches(r#"<li class="card">"#).count(), 19);
    assert!(!deep.contains(r#"rel="next""#));
    let (_, none) = app.get_html("/talks?q=common+zanzibar").await;
    assert!(none.contains("archive-empty"));
}

/// Agenda rows typed in by hand with a speaker are talks of the archive once the event is
/// published, and follow later edits; rows without a speaker are not talks.
#[tokio::test]
async fn typed_agenda_rows_with_a_speaker_join_the_archive() {
    let app = spawn_app().await;
    let organizer = app.organizer_of("beijing").await;
    let mut fields = vec![
        ("title_zh", "手写议程的活动"),
        ("starts_local", "2030-03-01T14:00"),
        ("ends_local", "2030-03-01T17:00"),
        ("mode", "offline"),
        ("agenda_0_title", "openGauss 资源池化"),
        ("agenda_0_speaker", "韩梅梅、Tom"),
        ("agenda_0_affiliation", "华为、Enmotech"),
        ("agenda_1_title", "茶歇"),
    ];
    let res = organizer
        .post_form("/chapters/beijing/events", &fields)
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.location();
    let event = location.split(['/', '?']).nth(4).unwrap().to_string();
    let path = format!("/chapters/beijing/events/{event}");
    // A draft's talks are not in the archive yet (asked signed in: anonymous pages are cached
    // for two seconds).
    let (_, archive) = organizer.get_html("/talks?q=%E8%B5%84%E6%BA%90").await; // 资源
    assert!(archive.contains("archive-empty"));
    let res = organizer
        .post_form(&format!("{path}/publish"), &[("confirm", "1")])
        .await;
    assert!(res.status().is_redirection(), "publish: {}", res.status());
    let (_, archive) = organizer.get_html("/talks?q=%E8%B5%84%E6%BA%90").await;
    assert!(archive.contains("openGauss 资源池化"), "{archive}");
    assert!(archive.contains("Tom（Enmotech）"));
    let (_, all) = organizer.get_html("/talks").await;
    assert!(!all.contains("茶歇"), "a break is no talk");

    // The editor keeps the row's talk; a new title follows into the archive.
    let form = organizer.get_html(&format!("{path}/edit")).await.1;
    let talk = form
        .split(r#"name="agenda_0_talk" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    fields.push(("agenda_0_talk", &talk));
    fields[4] = ("agenda_0_title", "openGauss 资源池化架构");
    let res = organizer.post_form(&format!("{path}/edit"), &fields).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let (status, page) = organizer.get_html(&format!("/talks/{talk}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("openGauss 资源池化架构"));
    let guests: i64 = talks::table
        .filter(talks::title_zh.like("openGauss 资源池化%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(guests, 1, "the same talk, not a second one");
}

#[tokio::test]
async fn each_language_has_its_own_punctuation_in_speaker_lists() {
    let app = spawn_app().await;
    let b = app.browser();
    let (_, zh_page) = b.get_html("/talks").await;
    let zh_lines: Vec<&str> = zh_page
        .split(r#"<p class="meta">"#)
        .skip(1)
        .map(|l| l.split("</p>").next().unwrap())
        .collect();
    assert!(
        zh_lines.iter().any(|l| l.contains('（')),
        "Chinese asides in full-width brackets"
    );
    b.get("/?lang=en").await;
    let (_, en_page) = b.get_html("/talks").await;
    let en_lines: Vec<&str> = en_page
        .split(r#"<p class="meta">"#)
        .skip(1)
        .map(|l| l.split("</p>").next().unwrap())
        .collect();
    let speakers = en_lines
        .iter()
        .find(|l| l.contains(" ("))
        .expect("an English speaker line with an aside");
    for line in &en_lines {
        // Our brackets and separators, not the stored text (an affiliation may hold "、").
        assert!(
            !line.contains('（') && !line.contains('）') && !line.contains(")、"),
            "English punctuation: {line}"
        );
    }
    assert!(speakers.contains(')'));
}

/// Someone with no account wants to propose a talk: the sign-in page says why and offers an
/// account by email (no membership needed); the activation link signs them in and the form
/// opens. An address that has an account gets "sign in or reset" instead, on the same page.
#[tokio::test]
async fn a_visitor_without_an_account_gets_one_by_email_to_propose_a_talk() {
    let app = spawn_app().await;
    let b = app.browser();
    let res = b.get("/chapters/beijing/talks/propose").await;
    let login = res.location();
    assert!(login.starts_with("/login?next="), "{login}");
    let (_, page) = b.get_html(&login).await;
    assert!(page.contains(zh("login.why_propose")));
    assert!(page.contains(r#"href="/account/new""#));

    let (status, form) = b.get_html("/account/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains(r#"name="email""#));
    let res = b
        .post_form(
            "/account/new",
            &[("name", "韩梅梅"), ("email", "not-an-address")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains(r#"value="韩梅梅""#));
    let res = b
        .post_form(
            "/account/new",
            &[("name", "韩梅梅"), ("email", "hmm@example.org")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let sent = res.text().await.unwrap();
    assert!(sent.contains(r#"id="signup-sent""#));
    let activate = app.mail().link_to("/account/activate/").await;
    let (_, set) = b.get_html(&activate).await;
    assert!(set.contains(r#"name="password""#));
    let res = b
        .post_form(
            &activate,
            &[("password", PASSWORD), ("password_confirm", PASSWORD)],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let (status, propose_form) = b.get_html("/chapters/beijing/talks/propose").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "signed in, no membership: the form opens"
    );
    assert!(propose_form.contains(r#"name="title_zh""#));

    // The same address again, from another browser: the same page, and an email that says
    // there is an account already.
    let other = app.browser();
    let res = other
        .post_form(
            "/account/new",
            &[("name", "冒名"), ("email", "hmm@example.org")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let again = res.text().await.unwrap();
    assert!(again.contains(r#"id="signup-sent""#));
    let exists = wait_for_mail(&app, |m| m.subject == zh("email.exists.subject")).await;
    assert_eq!(exists.to, "hmm@example.org");
    assert!(exists.text.contains(&app.url("/login")));
    let accounts: i64 = ogug::db::schema::users::table
        .filter(ogug::db::schema::users::email.eq("hmm@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(accounts, 1);
}

/// The proposal form takes the speaker's bio (into their speaker profile), and a co-speaker
/// with no account who once applied in English is invited in English.
#[tokio::test]
async fn the_bio_goes_to_the_profile_and_invites_go_in_the_invitees_language() {
    let app = spawn_app().await;
    // Alice applied in English once (and never made an account).
    let alice = app.browser();
    alice.get("/?lang=en").await;
    let res = alice
        .post_form(
            "/chapters/beijing/apply",
            &[
                ("name", "Alice"),
                ("email", "alice@example.org"),
                ("desired_role", "member"),
                ("motivation", "openGauss"),
                ("consent", "on"),
            ],
        )
        .await;
    assert!(res.status().is_redirection());
    app.member("speaker@example.org", "beijing", Role::Member, PASSWORD);
    let speaker = app.sign_in("speaker@example.org", PASSWORD).await;
    let (_, form) = speaker.get_html("/chapters/beijing/talks/propose").await;
    assert!(form.contains(r#"name="bio""#));
    let res = speaker
        .post_form(
            "/chapters/beijing/talks/propose",
            &[
                ("title_zh", "带简介的议题"),
                ("abstract", "摘要"),
                ("language", "zh"),
                ("level", "beginner"),
                ("duration", "30"),
                ("co_speakers", "alice@example.org"),
                ("event", ""),
                ("bio", "十年数据库内核开发"),
            ],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let bio: String = ogug::db::schema::speaker_profiles::table
        .select(ogug::db::schema::speaker_profiles::bio_zh)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(bio, "十年数据库内核开发");
    let invite = wait_for_mail(&app, |m| {
        m.to == "alice@example.org" && m.text.contains("/talks/invite/")
    })
    .await;
    assert!(
        invite.subject.contains("invites you to co-present"),
        "an English invitation: {}",
        invite.subject
    );
}
