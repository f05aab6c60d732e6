//! Writes PNGs of the main pages at desktop and phone widths into docs/screenshots/, from a
//! real server with the demo data, through headless chromium.
//! `cargo run --example screenshots` (needs chromium and chromium-driver from Debian).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/api/webdriver.rs"]
mod webdriver;

#[allow(dead_code)]
#[path = "../benches/common/history.rs"]
mod history;

use fantoccini::Locator;
use ogug::domain::memberships::Role;

const PW: &str = "screenshot passphrase";

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shots.sqlite3").display());
    let pool = ogug::db::connect(&url, 4).unwrap();
    let mut config = ogug::config::Config::for_data_dir(dir.path(), &url);
    config.mail_worker = false;
    let ticket: String;
    let door_key: String;
    let speaker_path: String;
    {
        let mut conn = pool.get().unwrap();
        ogug::cli::load_demo(&mut conn, &config).unwrap();
        let chapter = ogug::domain::chapters::find_by_slug(&mut conn, "beijing").unwrap();
        let hash = ogug::domain::passwords::hash(PW).unwrap();
        use diesel::prelude::*;
        use ogug::db::schema::users;
        let id: ogug::domain::ids::UserId = users::table
            .filter(users::email.eq("organizer@example.org"))
            .select(users::id)
            .first(&mut conn)
            .unwrap();
        ogug::domain::accounts::set_password(&mut conn, id, &hash, None).unwrap();
        let _ = Role::Organizer;
        for (i, (name, org)) in [
            ("李雷", "云和恩墨"),
            ("韩梅梅", "华为"),
            ("王芳", "海量数据"),
        ]
        .iter()
        .enumerate()
        {
            let app = ogug::domain::applications::ValidApplication {
                name: name.to_string(),
                email: ogug::domain::users::EmailAddress::parse(&format!(
                    "applicant{i}@example.org"
                ))
                .unwrap(),
                organization: org.to_string(),
                job_title: "DBA".into(),
                role: if i == 1 {
                    Role::Ambassador
                } else {
                    Role::Member
                },
                motivation: "希望和北京的 openGauss 用户交流经验".into(),
                opengauss_usage: "生产环境".into(),
                answers: vec![],
            };
            let outcome = ogug::domain::applications::submit(
                &mut conn,
                &chapter,
                &app,
                ogug::i18n::Locale::ZhCn,
                None,
            )
            .unwrap();
            if let ogug::domain::applications::Submitted::Created {
                confirm_token: Some(t),
                ..
            } = outcome
            {
                ogug::domain::applications::confirm(&mut conn, &t).unwrap();
            }
        }
        // The day of the meetup: the demo meetup starts in an hour; thirty people are going,
        // a third of them checked in, two came through the door.
        use ogug::db::schema::{events, rsvps};
        let event =
            ogug::domain::events::find_any(&mut conn, chapter.id, ogug::domain::demo::EVENT_SLUG)
                .unwrap();
        let starts = ogug::domain::now() + chrono::TimeDelta::hours(1);
        diesel::update(events::table.find(event.id))
            .set((
                events::starts_at.eq(starts),
                events::ends_at.eq(starts + chrono::TimeDelta::hours(4)),
                events::capacity.eq(Some(100)),
            ))
            .execute(&mut conn)
            .unwrap();
        let names = [
            "张伟", "王静", "李娜", "刘洋", "陈杰", "杨帆", "赵磊", "黄敏", "周涛", "吴昊",
        ];
        for i in 0..30usize {
            let profile = ogug::domain::users::UserProfile {
                email: &ogug::domain::users::EmailAddress::parse(&format!("guest{i}@example.org"))
                    .unwrap(),
                display_name: &format!("{}{}", names[i % 10], i / 10 + 1),
                organization: ["华为", "云和恩墨", "海量数据", "北京大学"][i % 4],
                job_title: "",
                locale: ogug::i18n::Locale::ZhCn,
                roster_visible: false,
            };
            let user = ogug::domain::users::create(&mut conn, &profile, false).unwrap();
            if i >= 28 {
                ogug::domain::events::walk_in(&mut conn, &event, user.id).unwrap();
                continue;
            }
            ogug::domain::events::rsvp(&mut conn, &event, user.id, true).unwrap();
            ogug::domain::events::ticket_of(&mut conn, event.id, user.id).unwrap();
            if i % 3 == 0 {
                diesel::update(rsvps::table.filter(rsvps::user_id.eq(user.id)))
                    .set(rsvps::checked_in_at.eq(Some(ogug::domain::now())))
                    .execute(&mut conn)
                    .unwrap();
            }
        }
        // The door link walk-ins scan (what they see on a phone).
        door_key = ogug::domain::events::door_key(&mut conn, &event).unwrap();
        // A speaker with a public page: the founding meetup's kernel talk, linked to an account.
        use ogug::db::schema::talk_speakers;
        let speaker = ogug::domain::users::create(
            &mut conn,
            &ogug::domain::users::UserProfile {
                email: &ogug::domain::users::EmailAddress::parse("zhu.jinwei@example.org").unwrap(),
                display_name: "朱金伟",
                organization: "华为",
                job_title: "",
                locale: ogug::i18n::Locale::ZhCn,
                roster_visible: false,
            },
            false,
        )
        .unwrap();
        diesel::update(talk_speakers::table.filter(talk_speakers::name.eq("朱金伟")))
            .set(talk_speakers::user_id.eq(Some(speaker.id)))
            .execute(&mut conn)
            .unwrap();
        let mut photo = Vec::new();
        image::RgbImage::from_fn(320, 320, |x, y| {
            image::Rgb([40 + (x / 3) as u8, 90 + (y / 4) as u8, 173])
        })
        .write_to(
            &mut std::io::Cursor::new(&mut photo),
            image::ImageFormat::Png,
        )
        .unwrap();
        let clean = ogug::domain::images::clean(&photo).unwrap();
        let hash = ogug::domain::images::store(&mut conn, &clean, Some(speaker.id)).unwrap();
        ogug::domain::speakers::save(
            &mut conn,
            speaker.id,
            &ogug::domain::speakers::ProfileInput {
                affiliation: "openGauss 内核技术研发团队经理、openGauss 布道师".into(),
                bio_zh: "长期从事数据库内核研发，关注线程模型、执行器与高可用。".into(),
                bio_en: "Works on database kernels: threading, the executor and high availability."
                    .into(),
                links: "https://gitee.com/opengauss".into(),
                public: Some("on".into()),
            },
        )
        .unwrap();
        ogug::domain::speakers::set_photo(&mut conn, speaker.id, &hash).unwrap();
        speaker_path = format!("/speakers/{}", speaker.id);
        ticket = rsvps::table
            .filter(rsvps::checked_in_at.is_null())
            .filter(rsvps::ticket.is_not_null())
            .select(rsvps::ticket)
            .first::<Option<String>>(&mut conn)
            .unwrap()
            .unwrap();
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    config.base_url = format!("http://127.0.0.1:{port}");
    let app = ogug::Application::build_on(listener, config, pool.clone()).unwrap();
    tokio::spawn(app.run_until_stopped());
    let base = format!("http://127.0.0.1:{port}");

    let Some(driver) = webdriver::driver().await else {
        eprintln!("no chromedriver: nothing written");
        return;
    };
    let c = &driver.client;
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let meetup = "/chapters/beijing/events/2021-05-29-beijing-meetup";
    let ticket_path = format!("/tickets/{ticket}");
    let desk_path = format!("{meetup}/check-in");
    let door_path = format!("{meetup}/door");
    let walk_in_path = format!("/door/{door_key}");
    let balance_path = "/chapters/beijing/manage/balance";
    let pages: [(&str, &str); 12] = [
        ("home", "/"),
        ("chapter", "/chapters/beijing"),
        ("apply", "/chapters/beijing/apply"),
        ("walk-in", &walk_in_path),
        (
            "event",
            "/chapters/beijing/events/2021-05-29-beijing-meetup",
        ),
        ("talks", "/talks"),
        ("speaker", &speaker_path),
        ("review-queue", "/chapters/beijing/manage/applications"),
        ("balance", balance_path),
        ("ticket", &ticket_path),
        ("desk", &desk_path),
        ("door", &door_path),
    ];
    // Chinese first, as the community is.
    c.goto(&format!("{base}/?lang=zh-CN")).await.unwrap();
    for (label, width, height) in [("desktop", 1280u32, 900u32), ("phone", 390, 844)] {
        c.set_window_size(width, height).await.unwrap();
        for (name, path) in pages {
            if name == "review-queue" {
                sign_in(c, &base).await;
            }
            shoot(c, &base, path, &out, name, label).await;
        }
        sign_out(c).await;
    }
    // Insights want a year of history: the generated one (as the insights bench's small
    // scale, over 12 months) goes into Beijing after the other pages are taken.
    {
        let mut conn = pool.get().unwrap();
        let chapter = ogug::domain::chapters::find_by_slug(&mut conn, "beijing").unwrap();
        let year = history::Scale {
            chapters: 1,
            members: 300,
            applications: 420,
            events: 14,
            rsvps: 300,
            talks: 30,
            days: 365,
        };
        history::seed(&mut conn, chapter.id.0, &year, ogug::domain::now());
    }
    // Tall windows: the period form, the numbers and the first charts.
    for (label, width, height) in [("desktop", 1280u32, 1400u32), ("phone", 390, 2200)] {
        c.set_window_size(width, height).await.unwrap();
        sign_in(c, &base).await;
        shoot(
            c,
            &base,
            "/chapters/beijing/manage/insights",
            &out,
            "insights",
            label,
        )
        .await;
        sign_out(c).await;
    }
    // A guest's view of the event on a phone, all of it: the registration form and the share
    // box; and the link-preview image itself.
    c.set_window_size(390, 3000).await.unwrap();
    shoot(c, &base, meetup, &out, "event-guest", "phone").await;
    let share = reqwest::get(format!("{base}{meetup}/share.png"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let file = out.join("event-share.png");
    std::fs::write(&file, share).unwrap();
    println!("wrote {}", file.display());
}

async fn sign_in(c: &fantoccini::Client, base: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    if let Ok(email) = c.find(Locator::Css("[name='email']")).await {
        email.send_keys("organizer@example.org").await.unwrap();
        c.find(Locator::Css("[name='password']"))
            .await
            .unwrap()
            .send_keys(PW)
            .await
            .unwrap();
        c.find(Locator::Css("form[action='/login'] button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

/// Signs out, so the next width starts anonymous again.
async fn sign_out(c: &fantoccini::Client) {
    // The account page's button (at phone width the menu has none).
    if let Ok(here) = c.current_url().await
        && let Ok(account) = here.join("/account")
    {
        let _ = c.goto(account.as_str()).await;
    }
    if let Ok(button) = c.find(Locator::Css("#account-logout")).await {
        button.click().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}

async fn shoot(
    c: &fantoccini::Client,
    base: &str,
    path: &str,
    out: &std::path::Path,
    name: &str,
    label: &str,
) {
    c.goto(&format!("{base}{path}")).await.unwrap();
    if let Ok(axe_path) = std::env::var("AXE_JS") {
        audit(c, &axe_path, name, label).await;
    }
    let png = c.screenshot().await.unwrap();
    let file = out.join(format!("{name}-{label}.png"));
    std::fs::write(&file, png).unwrap();
    println!("wrote {}", file.display());
}

/// Runs axe-core (from npm; path in AXE_JS) in the page and prints its violations.
async fn audit(c: &fantoccini::Client, axe_path: &str, name: &str, label: &str) {
    let source = std::fs::read_to_string(axe_path).unwrap();
    c.execute(&source, vec![]).await.unwrap();
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1]; axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] }).then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.length + ' node(s)')));",
            vec![],
        )
        .await
        .unwrap();
    let violations: Vec<String> = serde_json::from_value(result).unwrap_or_default();
    if violations.is_empty() {
        println!("axe {name}-{label}: no WCAG 2 A/AA violations");
    } else {
        for v in violations {
            println!("axe {name}-{label}: {v}");
        }
    }
}
