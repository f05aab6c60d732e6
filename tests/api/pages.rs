use crate::helpers::*;
use ogug::domain::memberships::Role;
use reqwest::StatusCode;

const PW: &str = "pages passphrase 2021";

#[tokio::test]
async fn home_page_explains_ogug_in_chinese_by_default() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="zh-Hans">"#));
    assert!(html.contains(zh("home.title")));
    for role in ["组织者", "布道师", "成员"] {
        assert!(html.contains(role), "role {role} missing");
    }
    assert!(html.contains(r#"href="/chapters/beijing""#));
    assert!(html.contains("北京用户组"));
}

#[tokio::test]
async fn language_follows_query_then_cookie_then_accept_language() {
    let app = spawn_app().await;
    // Accept-Language alone.
    let html = app
        .client
        .get(app.url("/chapters"))
        .header("Accept-Language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("City chapters"));

    // ?lang= wins and is remembered in a cookie.
    let res = app.get("/?lang=en").await;
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("lang=en"), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    let html = res.text().await.unwrap();
    assert!(html.contains("Three roles"));
    assert!(
        html.contains(r#"href="/?lang=zh-CN""#),
        "switch link back to Chinese"
    );
    let (_, html) = app.get_html("/chapters/beijing").await;
    assert!(html.contains("Beijing User Group"), "cookie keeps English");
    let (_, html) = app.get_html("/chapters/beijing?lang=zh-CN").await;
    assert!(html.contains("北京用户组"));
}

#[tokio::test]
async fn chapter_list_shows_the_demo_chapter_with_its_member_count() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/chapters").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("北京用户组"));
    assert!(html.contains("10 位成员"), "8 founders + 2 staff accounts");
    let (_, html) = app.get_html("/chapters?lang=en").await;
    assert!(html.contains("10 members"));
    assert!(html.contains("29 May 2021"));
}

#[tokio::test]
async fn chapter_page_lists_the_founding_members_and_the_meetup() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/chapters/beijing").await;
    assert_eq!(status, StatusCode::OK);
    for (name, org) in [
        ("周志", "北京鲲鹏联合创新中心"),
        ("章明星", "深信服"),
        ("张亮", "SphereEx"),
        ("张皖川", "云和恩墨"),
        ("王潇", "云和恩墨"),
        ("姜殿斌", "云和恩墨"),
        ("余江", "海量数据"),
        ("詹年科", "宝兰德"),
    ] {
        assert!(
            html.contains(&format!("<strong>{name}</strong>")),
            "{name} missing"
        );
        assert!(html.contains(org), "{org} missing");
    }
    // Staff demo accounts did not opt in to the public roster.
    assert!(!html.contains("Demo Organizer"));
    assert!(html.contains("成立于 2021年5月29日"));
    assert!(html.contains(zh("chapter.past")));
    assert!(html.contains(r#"href="/chapters/beijing/events/2021-05-29-beijing-meetup""#));
    assert!(
        html.contains("暂无即将举行的活动"),
        "empty state for upcoming events"
    );

    let (_, html) = app.get_html("/chapters/beijing?lang=en").await;
    assert!(html.contains("Past events"));
    assert!(html.contains("founded on 29 May 2021 at the openGauss Beijing Meetup"));
}

#[tokio::test]
async fn event_page_shows_agenda_hosts_mode_and_venue_in_both_languages() {
    let app = spawn_app().await;
    let (status, html) = app
        .get_html("/chapters/beijing/events/2021-05-29-beijing-meetup")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("【北京】openGauss Meetup"));
    assert!(html.contains("2021年5月29日 13:30–17:30（Asia/Shanghai）"));
    assert!(html.contains(zh("mode.hybrid")));
    assert!(html.contains("中关村智能制造创新中心"));
    for talk in [
        "共建企业级开源数据库",
        "openGauss 线程能力解析",
        "持续打造最易用的 openGauss 商业发行版",
    ] {
        assert!(html.contains(talk), "{talk} missing");
    }
    for speaker in [
        "堵俊平",
        "胡正策",
        "朱金伟",
        "华为计算产品线 openGauss 数据库产品总经理",
    ] {
        assert!(html.contains(speaker), "{speaker} missing");
    }
    assert!(html.contains(zh("host.co_host")));
    assert!(html.contains("SphereEx"));
    assert!(html.contains(zh("event.recording")));

    let (_, html) = app
        .get_html("/chapters/beijing/events/2021-05-29-beijing-meetup?lang=en")
        .await;
    assert!(html.contains("openGauss Meetup Beijing"));
    assert!(html.contains("Sat 29 May 2021, 13:30–17:30 (Asia/Shanghai)"));
    assert!(html.contains("In person + online"));
    assert!(html.contains("Co-host"));
    assert!(html.contains("Agenda"));
}

#[tokio::test]
async fn unknown_pages_get_the_bilingual_404() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/chapters/atlantis",
        "/chapters/beijing/events/nothing",
        "/chapters/beijing/events/x/y",
    ] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("页面不存在"), "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/chapters/beijing",
        "/nope",
        "/static/app.css",
        "/healthz",
    ] {
        let res = app.get(path).await;
        let h = res.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(csp.contains("object-src 'none'"));
        assert!(csp.contains("base-uri 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS on http"
        );
    }
}

#[tokio::test]
async fn healthz_answers_while_the_process_lives() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn stylesheet_is_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.get("/static/app.css").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(res.text().await.unwrap().contains("--brand"));
}

#[tokio::test]
async fn an_empty_site_shows_empty_states() {
    let app = spawn_app_with(Options {
        demo: false,
        ..Options::default()
    })
    .await;
    let (status, html) = app.get_html("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(zh("chapters.empty")));
    assert!(html.contains(zh("events.none_upcoming")));
}

#[tokio::test]
async fn anonymous_public_pages_are_micro_cached_and_signed_in_ones_are_not() {
    use diesel::prelude::*;
    use ogug::db::schema::chapters;
    let app = spawn_app().await;
    app.create_user("s@example.org", "S", Some("signed in passphrase"), false);
    let b = app.browser();
    b.login("s@example.org", "signed in passphrase").await;
    let (_, html) = app.get_html("/chapters/beijing").await;
    assert!(html.contains("北京用户组"));
    assert!(
        !html.contains("csrf-token"),
        "nothing personal in a cacheable page"
    );
    // A change made behind this instance's back (another instance, or the database itself).
    diesel::update(chapters::table)
        .set(chapters::name_zh.eq("北京用户组（新名）"))
        .execute(&mut app.conn())
        .unwrap();
    let (_, cached) = app.browser().get_html("/chapters/beijing").await;
    assert!(
        !cached.contains("新名"),
        "served from the cache within its TTL"
    );
    let (_, fresh) = b.get_html("/chapters/beijing").await;
    assert!(fresh.contains("新名"), "signed-in pages are never cached");
    app.set_password("organizer@example.org", "organizer passphrase 1");
    let org = app.browser();
    org.login("organizer@example.org", "organizer passphrase 1")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (_, later) = app.browser().get_html("/chapters/beijing").await;
    assert!(later.contains("新名"), "the cache expires");
    // Signing out (like signing in, or applying) changes no public page: the cache stays.
    diesel::update(chapters::table)
        .set(chapters::name_zh.eq("北京用户组（再改）"))
        .execute(&mut app.conn())
        .unwrap();
    let res = b.post_form("/logout", &[]).await;
    assert!(res.status().is_redirection());
    let (_, kept) = app.browser().get_html("/chapters/beijing").await;
    assert!(
        kept.contains("新名") && !kept.contains("再改"),
        "signing out left the cache alone"
    );
    // A change through this instance clears its cache at once.
    let res = org
        .post_form(
            "/chapters/beijing/manage/profile",
            &[
                ("name_zh", "北京用户组"),
                ("name_en", "Beijing User Group"),
                ("city", "北京"),
                ("time_zone", "Asia/Shanghai"),
                ("description", "改过了"),
            ],
        )
        .await;
    assert!(res.status().is_redirection());
    let (_, now) = app.browser().get_html("/chapters/beijing").await;
    assert!(now.contains("改过了"));
}

/// Member counts live on the chapter row, kept by triggers: every way in or out moves them.
#[tokio::test]
async fn member_counts_follow_joins_leaving_removals_and_deleted_accounts() {
    use ogug::domain::memberships::Role;
    const PW: &str = "correct horse battery staple";
    let app = spawn_app().await;
    app.chapter("shanghai");
    app.member("stay@example.org", "beijing", Role::Member, PW);
    app.member("leaver@example.org", "beijing", Role::Member, PW);
    app.member("bye@example.org", "beijing", Role::Ambassador, PW);
    app.member("sh@example.org", "shanghai", Role::Organizer, PW);
    let counts = |html: &str| -> (bool, bool) {
        (
            html.contains(r#"<p class="meta">13 位成员</p>"#),
            html.contains(r#"<p class="meta">1 位成员</p>"#),
        )
    };
    let (_, html) = app.get_html("/chapters").await;
    assert_eq!(
        counts(&html),
        (true, true),
        "10 + 3 in Beijing, 1 in Shanghai"
    );

    // Leaving, being removed by an organizer, deleting one's account: each takes one off.
    let leaver = app.browser();
    leaver.login("leaver@example.org", PW).await;
    let res = leaver.post_form("/chapters/beijing/leave", &[]).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let organizer = app.browser();
    app.set_password("organizer@example.org", PW);
    organizer.login("organizer@example.org", PW).await;
    let stay: i64 = {
        use diesel::prelude::*;
        ogug::db::schema::users::table
            .filter(ogug::db::schema::users::email.eq("stay@example.org"))
            .select(ogug::db::schema::users::id)
            .first(&mut app.conn())
            .unwrap()
    };
    // Removing asks first, naming the person; asking removes nobody.
    let ask = organizer
        .post_form(
            &format!("/chapters/beijing/manage/members/{stay}/remove"),
            &[("reason", "长期未参加")],
        )
        .await;
    assert_eq!(ask.status(), reqwest::StatusCode::OK);
    let ask = ask.text().await.unwrap();
    assert!(ask.contains(r#"name="reason" value="长期未参加""#));
    assert!(ask.contains(r#"class="danger""#));
    let still: i64 = {
        use diesel::prelude::*;
        ogug::db::schema::memberships::table
            .filter(ogug::db::schema::memberships::user_id.eq(stay))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(still, 1, "asking removes nobody");
    let res = organizer
        .post_form(
            &format!("/chapters/beijing/manage/members/{stay}/remove"),
            &[("confirm", "1")],
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let bye = app.browser();
    bye.login("bye@example.org", PW).await;
    let res = bye
        .post_form("/account/delete", &[("confirm_email", "bye@example.org")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let (_, html) = app.get_html("/").await;
    assert!(
        html.contains(r#"<p class="meta">10 位成员</p>"#),
        "back to 10"
    );
    assert!(html.contains(r#"<p class="meta">1 位成员</p>"#));
    let chapters = ogug::domain::chapters::list_active(&mut app.conn()).unwrap();
    let mut counts: Vec<(String, i64)> = chapters
        .into_iter()
        .map(|c| (c.slug, c.member_count))
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        vec![("beijing".to_string(), 10), ("shanghai".to_string(), 1)]
    );
}

/// A big chapter's page lists every organizer and ambassador but only the first members who
/// opted in, and says how many there are in all.
#[tokio::test]
async fn the_public_roster_of_a_big_chapter_is_cut_short_but_keeps_its_leaders() {
    use diesel::prelude::*;
    use ogug::db::schema::users;
    use ogug::domain::memberships::{self, ROSTER_MEMBERS, Role};
    let app = spawn_app().await;
    app.chapter("shenzhen");
    let chapter = ogug::domain::chapters::find_by_slug(&mut app.conn(), "shenzhen").unwrap();
    let join = |n: i64, role: Role| {
        let id = app.create_user(
            &format!("p{n}@example.org"),
            &format!("公开成员{n:03}号"),
            None,
            false,
        );
        memberships::add(&mut app.conn(), chapter.id, id, role).unwrap();
    };
    for n in 0..ROSTER_MEMBERS + 5 {
        join(n, Role::Member);
    }
    // The organizer joined last: still listed first.
    join(900, Role::Organizer);
    diesel::update(users::table)
        .set(users::roster_visible.eq(true))
        .execute(&mut app.conn())
        .unwrap();
    let (_, html) = app.get_html("/chapters/shenzhen").await;
    assert!(html.contains("公开成员900号"), "the organizer is listed");
    assert!(
        html.find("公开成员900号") < html.find("公开成员000号"),
        "organizers come first"
    );
    assert!(html.contains(&format!("公开成员{:03}号", ROSTER_MEMBERS - 1)));
    assert!(!html.contains(&format!("公开成员{:03}号", ROSTER_MEMBERS)));
    assert!(html.contains(&format!(
        "这里列出前 {ROSTER_MEMBERS} 位愿意公开的成员；本组共有 {} 位成员。",
        ROSTER_MEMBERS + 6
    )));
    // Hiding oneself or being disabled takes a person off; someone already listed who joins
    // later (as an ambassador) is on at once.
    let id_of = |email: &str| -> ogug::domain::ids::UserId {
        users::table
            .filter(users::email.eq(email))
            .select(users::id)
            .first(&mut app.conn())
            .unwrap()
    };
    diesel::update(users::table.find(id_of("p0@example.org")))
        .set(users::roster_visible.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(users::table.find(id_of("p1@example.org")))
        .set(users::disabled_at.eq(Some(ogug::domain::now())))
        .execute(&mut app.conn())
        .unwrap();
    let late = app.create_user("late@example.org", "后来的布道师", None, false);
    diesel::update(users::table.find(late))
        .set(users::roster_visible.eq(true))
        .execute(&mut app.conn())
        .unwrap();
    memberships::add(&mut app.conn(), chapter.id, late, Role::Ambassador).unwrap();
    let (_, html) = app.get_html("/chapters/shenzhen?fresh=1").await;
    assert!(!html.contains("公开成员000号") && !html.contains("公开成员001号"));
    assert!(html.contains("后来的布道师"));
    assert!(
        html.contains(&format!("公开成员{:03}号", ROSTER_MEMBERS + 1)),
        "the next ones move up"
    );
    // A small chapter shows everyone and no note.
    let (_, html) = app.get_html("/chapters/beijing").await;
    assert!(!html.contains("愿意公开的成员"));
}

/// A chapter's roster, event cards, lists, feeds and event pages are built once per change and
/// kept (`web::cache::shared`): every kind of change must show on the next request, signed in or not,
/// and an edited Markdown body is rendered again and stored beside its source.
#[tokio::test]
async fn pages_kept_per_change_follow_every_change() {
    use diesel::prelude::*;
    use ogug::db::schema::{events, organizations};
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let path = crate::events::create(&org, "第一个标题", "", true).await;
    let ics = "/chapters/beijing/events.ics";
    let pages = [
        "/",
        "/chapters/beijing",
        "/chapters/beijing/events",
        ics,
        "/chapters/beijing/events.atom",
        "/api/v1/chapters/beijing/events.json",
        path.as_str(),
    ];
    // Every page kept, as a signed-in reader and as an uncached anonymous one.
    let mut fresh = 0;
    let mut read_all = |wanted: &'static str| {
        fresh += 1;
        let n = fresh;
        let org = &org;
        let app = &app;
        async move {
            for page in pages {
                let (status, html) = org.get_html(page).await;
                assert_eq!(status, StatusCode::OK, "{page}");
                assert!(html.contains(wanted), "{page} signed in shows {wanted}");
                let (_, html) = app.get_html(&format!("{page}?fresh={n}")).await;
                assert!(html.contains(wanted), "{page} anonymous shows {wanted}");
            }
        }
    };
    read_all("第一个标题").await;

    // An edit of the event: title everywhere, and its body rendered again when saved.
    let mut fields = crate::events::event_fields("第二个标题", "");
    fields.retain(|(k, _)| *k != "body");
    fields.push(("body", "*第二版正文*"));
    let res = org.post_form(&format!("{path}/edit"), &fields).await;
    assert!(res.status().is_redirection(), "edit: {}", res.status());
    read_all("第二个标题").await;
    let stored: Option<String> = events::table
        .filter(events::title_zh.eq("第二个标题"))
        .select(events::body_html)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored.as_deref(), Some("<p><em>第二版正文</em></p>\n"));
    let (_, html) = org.get_html(&path).await;
    assert!(html.contains("<em>第二版正文</em>") && !html.contains("<strong>欢迎</strong>"));

    // The organizer's new name on the roster.
    let res = org
        .post_form(
            "/account/settings",
            &[
                ("display_name", "改了名的组织者"),
                ("locale", "zh-CN"),
                ("roster_visible", "on"),
            ],
        )
        .await;
    assert!(res.status().is_redirection(), "settings: {}", res.status());
    let (_, html) = org.get_html("/chapters/beijing").await;
    assert!(html.contains("改了名的组织者"), "roster shows the new name");

    // A new ambassador listed under their role.
    let id = app.member("amb@example.org", "beijing", Role::Member, PW);
    diesel::update(ogug::db::schema::users::table.find(id))
        .set(ogug::db::schema::users::roster_visible.eq(true))
        .execute(&mut app.conn())
        .unwrap();
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/members/{}/role", id.0),
            &[("role", "ambassador")],
        )
        .await;
    assert!(res.status().is_redirection(), "role: {}", res.status());
    let (_, html) = org.get_html("/chapters/beijing").await;
    let ambassadors = html.find(zh("role.ambassador")).unwrap();
    let listed = html.find("<strong>amb</strong>").expect("listed");
    assert!(listed > ambassadors, "under the ambassadors");

    // A sponsor renamed in the directory: the chapter's sponsors follow.
    let sponsor: i64 = diesel::insert_into(organizations::table)
        .values((
            organizations::name_zh.eq("赞助商甲"),
            organizations::name_en.eq("Sponsor A"),
            organizations::created_at.eq(ogug::domain::now()),
            organizations::updated_at.eq(ogug::domain::now()),
        ))
        .returning(organizations::id)
        .get_result(&mut app.conn())
        .unwrap();
    let event_id: i64 = events::table
        .filter(events::title_zh.eq("第二个标题"))
        .select(events::id)
        .first(&mut app.conn())
        .unwrap();
    // A past event of the last year, sponsored.
    diesel::update(events::table.find(event_id))
        .set(
            (
                events::starts_at.eq(ogug::domain::now() - chrono::TimeDelta::days(30)),
                events::ends_at
                    .eq(ogug::domain::now() - chrono::TimeDelta::days(30)
                        + chrono::TimeDelta::hours(3)),
            ),
        )
        .execute(&mut app.conn())
        .unwrap();
    diesel::insert_into(ogug::db::schema::event_hosts::table)
        .values((
            ogug::db::schema::event_hosts::event_id.eq(event_id),
            ogug::db::schema::event_hosts::position.eq(9),
            ogug::db::schema::event_hosts::organization.eq("赞助商甲"),
            ogug::db::schema::event_hosts::kind.eq("sponsor"),
            ogug::db::schema::event_hosts::organization_id.eq(sponsor),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let (_, html) = org.get_html("/chapters/beijing").await;
    assert!(html.contains("赞助商甲"), "a new sponsor shows");
    diesel::update(organizations::table.find(sponsor))
        .set(organizations::name_zh.eq("赞助商乙"))
        .execute(&mut app.conn())
        .unwrap();
    let (_, html) = org.get_html("/chapters/beijing").await;
    assert!(
        html.contains("赞助商乙") && !html.contains("赞助商甲"),
        "renamed"
    );
    // The moved event is past now, on every list.
    let (_, html) = org.get_html("/chapters/beijing/events").await;
    let past = html.find("id=\"past-h\"").unwrap();
    assert!(html.find("第二个标题").unwrap() > past, "listed as past");
}

#[tokio::test]
async fn the_roster_says_why_it_lists_fewer_than_the_member_count() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    // One more member, who keeps their name private.
    let quiet = app.member(
        "quiet@example.org",
        "beijing",
        ogug::domain::memberships::Role::Member,
        PASSWORD,
    );
    diesel::update(ogug::db::schema::users::table.find(quiet))
        .set(ogug::db::schema::users::roster_visible.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    let (_, page) = app.browser().get_html("/chapters/beijing").await;
    let members: i64 = ogug::db::schema::chapters::table
        .filter(ogug::db::schema::chapters::slug.eq("beijing"))
        .select(ogug::db::schema::chapters::member_count)
        .first(&mut app.conn())
        .unwrap();
    let listed = page.matches("<li><strong>").count() as i64;
    assert!(listed < members, "{listed} listed of {members}");
    let expected = zh("chapter.roster_private")
        .replace("{shown}", &listed.to_string())
        .replace("{hidden}", &(members - listed).to_string());
    assert!(
        page.contains(&expected),
        "{listed} of {members}: the page says why"
    );
}

/// A decoded RGB or grey PNG's QR code.
fn qr_in_png(bytes: &[u8]) -> (u32, u32, String) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * channels;
        let sum: u32 = buf[i..i + channels.min(3)]
            .iter()
            .map(|&v| u32::from(v))
            .sum();
        (sum / channels.min(3) as u32) as u8
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    (info.width, info.height, grids[0].decode().unwrap().1)
}

/// Shared links preview as the page: title, description, image (its QR code reads back as the
/// page), canonical URL and both languages; the site has icons and a manifest; the stylesheet
/// is named by its hash and cached for a year.
#[tokio::test]
async fn shared_links_preview_with_their_title_description_and_image() {
    let app = spawn_app().await;
    let event = "/chapters/beijing/events/2021-05-29-beijing-meetup";
    let (_, html) = app.get_html(event).await;
    let meta = |html: &str, property: &str| -> String {
        let at = html
            .find(&format!(r#"property="{property}" content=""#))
            .unwrap_or_else(|| panic!("no {property}"));
        let rest = &html[at + property.len() + 21..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    assert_eq!(meta(&html, "og:url"), app.url(event));
    assert!(meta(&html, "og:title").contains("openGauss Meetup"));
    assert!(!meta(&html, "og:description").is_empty());
    assert_eq!(meta(&html, "og:locale"), "zh_CN");
    assert_eq!(meta(&html, "og:locale:alternate"), "en_US");
    assert!(html.contains(&format!(
        r#"<link rel="canonical" href="{}">"#,
        app.url(event)
    )));
    assert!(html.contains(r#"<meta name="description" content=""#));
    assert!(html.contains(r#"<meta name="twitter:card" content="summary_large_image">"#));
    // The share box: the link, the QR code, the image to download.
    let share = &html[html.find(r#"id="share""#).expect("a share box")..];
    assert!(share.contains(&format!(r#"id="share-link" href="{}""#, app.url(event))));
    assert!(
        share.contains("<svg") && share.contains(&format!(r#"href="{event}/share.png" download"#))
    );
    let image = meta(&html, "og:image");
    assert_eq!(image, app.url(&format!("{event}/share.png")));
    let res = app.get(&format!("{event}/share.png")).await;
    assert_eq!(res.headers()["content-type"], "image/png");
    let (w, h, url) = qr_in_png(&res.bytes().await.unwrap());
    assert_eq!((w, h), (1200, 630));
    assert_eq!(url, app.url(event), "the preview's code opens the event");
    let (_, en) = app.get_html(&format!("{event}?lang=en")).await;
    assert_eq!(meta(&en, "og:locale"), "en_US");

    // The chapter, a talk and an organization preview too.
    let (_, chapter) = app.get_html("/chapters/beijing").await;
    assert_eq!(
        meta(&chapter, "og:image"),
        app.url("/chapters/beijing/share.png")
    );
    let (_, w, url) = {
        let bytes = app
            .get("/chapters/beijing/share.png")
            .await
            .bytes()
            .await
            .unwrap();
        qr_in_png(&bytes)
    };
    assert_eq!(w, 630);
    assert_eq!(url, app.url("/chapters/beijing/apply"), "扫码申请加入");
    let (_, talks) = app.get_html("/talks").await;
    let talk = &talks[talks.find("href=\"/talks/").unwrap() + 6..];
    let talk = &talk[..talk.find('"').unwrap()];
    let (_, talk_page) = app.get_html(talk).await;
    assert_eq!(meta(&talk_page, "og:url"), app.url(talk));
    let (_, orgs) = app.get_html("/organizations").await;
    let org = &orgs[orgs.find("href=\"/organizations/").unwrap() + 6..];
    let org = &org[..org.find('"').unwrap()];
    let (_, org_page) = app.get_html(org).await;
    assert_eq!(meta(&org_page, "og:url"), app.url(org));

    // Icons, the manifest, the fingerprinted stylesheet.
    for (path, kind) in [
        ("/favicon.ico", "image/png"),
        ("/apple-touch-icon.png", "image/png"),
        ("/static/icon.svg", "image/svg+xml"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["content-type"], kind, "{path}");
    }
    let manifest: serde_json::Value = app.get("/manifest.webmanifest").await.json().await.unwrap();
    assert_eq!(manifest["short_name"], "oGUG");
    let css = &html[html.find(r#"<link rel="stylesheet" href=""#).unwrap() + 29..];
    let css = &css[..css.find('"').unwrap()];
    assert!(
        css.starts_with("/static/app.") && css.len() > "/static/app.css".len(),
        "{css}"
    );
    let res = app.get(css).await;
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(res.text().await.unwrap().contains("--brand"));
    let res = app.get("/static/app.000000000000.css").await;
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=60",
        "another build's name"
    );
}

/// Public pages and feeds travel compressed when the client asks (Brotli first, then gzip),
/// the same bytes as uncompressed; each carries an ETag, and a conditional GET with it is a
/// 304 with no body.
#[tokio::test]
async fn pages_go_compressed_when_asked_and_conditional_gets_are_304() {
    use std::io::Read;
    let app = spawn_app().await;
    let get = |path: &'static str, accept: &'static str| {
        let url = app.url(path);
        async move {
            client()
                .get(url)
                .header("Accept-Encoding", accept)
                .send()
                .await
                .unwrap()
        }
    };
    for path in [
        "/",
        "/chapters/beijing",
        "/events.ics",
        "/api/v1/events.json",
    ] {
        let plain = get(path, "identity").await;
        assert_eq!(plain.status(), StatusCode::OK, "{path}");
        assert!(plain.headers().get("content-encoding").is_none());
        let etag = plain.headers()["etag"].to_str().unwrap().to_string();
        let plain = plain.bytes().await.unwrap();

        let gz = get(path, "gzip").await;
        assert_eq!(gz.headers()["content-encoding"], "gzip", "{path}");
        assert_eq!(gz.headers()["vary"], "Accept-Encoding");
        let gz = gz.bytes().await.unwrap();
        assert!(
            gz.len() < plain.len(),
            "{path}: {} of {}",
            gz.len(),
            plain.len()
        );
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plain, "{path}: the same page");

        let br = get(path, "gzip, deflate, br").await;
        assert_eq!(br.headers()["content-encoding"], "br", "{path}");
        let br = br.bytes().await.unwrap();
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, plain);
        // A refused coding is not used.
        let refused = get(path, "br;q=0, gzip").await;
        assert_eq!(refused.headers()["content-encoding"], "gzip");

        let res = client()
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
        assert!(res.bytes().await.unwrap().is_empty());
        let other = client()
            .get(app.url(path))
            .header("If-None-Match", "\"something else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::OK);
    }
}

/// `Last-Modified` names when a page's body first appeared and stays while it is the same
/// (across the cache's refreshes); `If-Modified-Since` with it is a 304, an older date a 200.
#[tokio::test]
async fn last_modified_stays_while_the_page_is_the_same() {
    let app = spawn_app().await;
    let first = client().get(app.url("/events.ics")).send().await.unwrap();
    let stamp = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(stamp.ends_with(" GMT"), "{stamp}");
    let res = client()
        .get(app.url("/events.ics"))
        .header("If-Modified-Since", &stamp)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res = client()
        .get(app.url("/events.ics"))
        .header("If-Modified-Since", "Sat, 29 May 2021 05:30:00 GMT")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Past the kept copy's life the page is rendered again: the same body, the same stamp.
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let again = client().get(app.url("/events.ics")).send().await.unwrap();
    assert_eq!(again.headers()["last-modified"].to_str().unwrap(), stamp);
}
