//! The outside probe of 2026-12 (issue 27): what reaches a database from a URL, HEAD, and the
//! other edges it found. Each test names the item it keeps fixed.

use crate::helpers::*;
use ogug::domain::memberships::Role;
use reqwest::StatusCode;

/// Every query parameter a GET handler reads somewhere (each route gets all of them; the ones
/// it does not read it ignores).
const QUERY_PARAMS: [&str; 30] = [
    "q",
    "chapter",
    "year",
    "from",
    "to",
    "action",
    "status",
    "lang",
    "page",
    "after",
    "tag",
    "language",
    "mode",
    "role",
    "sort",
    "before",
    "series",
    "done",
    "saved",
    "error",
    "next",
    "welcome",
    "proposed",
    "withdrawn",
    "confirmed",
    "sent",
    "level",
    "unreviewed",
    "event",
    "kind",
];

/// Far-out values a person can type into the same parameters.
const FAR_OUT: [&str; 10] = [
    "year=-5000",
    "year=99999999999",
    "from=0001-01-01&to=0001-12-31",
    "from=-0001-01-01",
    "to=9999-12-31",
    "from=2021-01-01&to=-0001-01-01",
    "page=9223372036854775807",
    "page=-9223372036854775808",
    "before=9223372036854775807",
    "after=99999999999999999_1",
];

/// A site admin who organizes Beijing: every GET route answers them with a real page.
async fn everyone_at_once(app: &TestApp) -> Browser {
    app.create_user("root@example.org", "Root", Some(PASSWORD), true);
    let chapter = ogug::domain::chapters::find_by_slug(&mut app.conn(), "beijing").unwrap();
    let id = ogug::domain::users::find_by_email(
        &mut app.conn(),
        &ogug::domain::users::EmailAddress::parse("root@example.org").unwrap(),
    )
    .unwrap()
    .unwrap()
    .id;
    ogug::domain::memberships::add(&mut app.conn(), chapter.id, id, Role::Organizer).unwrap();
    app.sign_in("root@example.org", PASSWORD).await
}

/// A route's path with its placeholders filled in; `nul` names the one that gets `%00`.
fn concrete(path: &str, nul: Option<&str>) -> String {
    let mut out = path.to_string();
    for (name, value) in [
        ("{slug}", "beijing".to_string()),
        ("{event_slug}", ogug::domain::demo::EVENT_SLUG.to_string()),
        ("{token}", "ab".repeat(32)),
        ("{key}", "cd".repeat(16)),
        ("{rsvp_id}", "1".into()),
        ("{id}", "1".into()),
        ("{user_id}", "1".into()),
        ("{file}", "x.png".into()),
    ] {
        let value = if nul == Some(name) {
            format!("a%00{value}")
        } else {
            value
        };
        out = out.replace(name, &value);
    }
    out
}

fn placeholders(path: &str) -> Vec<&str> {
    path.match_indices('{')
        .filter_map(|(i, _)| path[i..].find('}').map(|j| &path[i..=i + j]))
        .collect()
}

/// Item 1 and 2: every GET route of the route table, with `%00` in each path segment and each
/// query parameter, and with far-out years and pages, answers without a 5xx on either database.
#[tokio::test]
async fn no_url_reaches_the_database_with_a_nul_byte_or_a_far_out_year() {
    let app = spawn_app().await;
    let admin = everyone_at_once(&app).await;
    let anonymous = app.browser();
    let mut failures = Vec::new();
    let mut refused = 0;
    for (path, methods) in ogug::web::ROUTES {
        if !methods.contains(&"GET") {
            continue;
        }
        let mut urls: Vec<String> = placeholders(path)
            .into_iter()
            .map(|p| concrete(path, Some(p)))
            .collect();
        let base = concrete(path, None);
        let sep = if base.contains('?') { '&' } else { '?' };
        urls.push(format!(
            "{base}{sep}{}",
            QUERY_PARAMS
                .iter()
                .map(|p| format!("{p}=x%00y"))
                .collect::<Vec<_>>()
                .join("&")
        ));
        for param in QUERY_PARAMS {
            urls.push(format!("{base}{sep}{param}=%00"));
        }
        let nul_urls = urls.len();
        for far in FAR_OUT {
            urls.push(format!("{base}{sep}{far}"));
        }
        for (i, url) in urls.iter().enumerate() {
            for who in [&admin, &anonymous] {
                let status = who.get(url).await.status();
                if status.is_server_error() {
                    failures.push(format!("{url}: {status}"));
                }
                if i < nul_urls {
                    // Refused in one place, before any handler: the same answer everywhere.
                    if status != StatusCode::BAD_REQUEST {
                        failures.push(format!("{url}: {status}, not 400"));
                    }
                    refused += 1;
                }
            }
        }
    }
    assert!(
        refused > 500,
        "the walk covered the route table ({refused})"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Item 2: a year or date out of 2000–2100 is a field error on insights (422), ignored on the
/// public archive.
#[tokio::test]
async fn far_out_dates_are_field_errors_on_insights_and_ignored_filters_in_public() {
    let app = spawn_app().await;
    let admin = everyone_at_once(&app).await;
    for path in [
        "/chapters/beijing/manage/insights",
        "/chapters/beijing/manage/insights.csv",
        "/admin/insights",
    ] {
        for query in ["from=0001-01-01&to=0001-12-31", "from=-0001-01-01"] {
            let (status, html) = admin.get_html(&format!("{path}?{query}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}?{query}");
            if !path.ends_with(".csv") {
                assert!(html.contains(zh("error.datetime_range")), "{path}?{query}");
                assert!(html.contains(r#"value="0001-01-01""#) || query.contains("-0001"));
            }
        }
    }
    let (status, all) = app.get_html("/talks").await;
    assert_eq!(status, StatusCode::OK);
    let (status, far) = app.get_html("/talks?year=-5000").await;
    assert_eq!(status, StatusCode::OK);
    let titles = |html: &str| html.matches("<li class=\"card\">").count();
    assert_eq!(
        titles(&far),
        titles(&all),
        "an impossible year filters nothing"
    );
}

/// Item 14: HEAD answers wherever GET does (RFC 9110), with GET's status and no body.
#[tokio::test]
async fn head_answers_wherever_get_does() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/healthz",
        "/readyz",
        "/talks",
        "/events.ics",
        "/chapters/beijing",
        "/static/app.css",
    ] {
        let get = app.get(path).await;
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(head.status(), StatusCode::OK, "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "HEAD {path}"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    // A POST-only route still refuses HEAD.
    let head = app.client.head(app.url("/logout")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// Item 9: a body trickled a few bytes at a time is cut at its deadline with 408, and the
/// connection closed; twenty at once do not hold the server.
#[tokio::test]
async fn slow_bodies_are_cut_at_their_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let deadline = std::time::Duration::from_secs(2);
    let app = spawn_app_with(Options {
        body_deadline: Some(deadline),
        ..Options::default()
    })
    .await;
    let started = std::time::Instant::now();
    let slow: Vec<_> = (0..20)
        .map(|_| {
            let port = app.port;
            tokio::spawn(async move {
                let s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .unwrap();
                let (mut reader, mut s) = s.into_split();
                s.write_all(
                    b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                      Content-Type: application/x-www-form-urlencoded\r\n\
                      Content-Length: 1000\r\n\r\n",
                )
                .await
                .unwrap();
                let trickle = async {
                    loop {
                        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
                        if s.write_all(b"email=aaaa").await.is_err() {
                            break;
                        }
                    }
                };
                let mut answer = Vec::new();
                tokio::select! {
                    _ = trickle => {},
                    _ = reader.read_to_end(&mut answer) => {},
                }
                (
                    String::from_utf8_lossy(&answer).to_string(),
                    started.elapsed(),
                )
            })
        })
        .collect();
    // Meanwhile a page still answers at once.
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
    let mut longest = std::time::Duration::ZERO;
    for task in slow {
        let (answer, took) = task.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:.80}");
        longest = longest.max(took);
    }
    eprintln!("20 trickled bodies cut after at most {longest:?} (deadline {deadline:?})");
    assert!(
        longest < deadline * 3,
        "cut near the deadline, not at the sender's pace"
    );
}

/// Every field name the app's forms use, read from the templates.
fn form_field_names() -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut dirs = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("templates")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for part in text.split("name=\"").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "csrf_token" {
                    names.insert(name);
                }
            }
        }
    }
    names.into_iter().collect()
}

/// Item 1, for bodies: every POST route, with a NUL in every field any form has, answers
/// without a 5xx (a field error or a refusal, never a database error).
#[tokio::test]
async fn no_form_reaches_the_database_with_a_nul_byte() {
    let app = spawn_app().await;
    let admin = everyone_at_once(&app).await;
    let names = form_field_names();
    assert!(
        names.len() > 40,
        "the templates' fields were found: {names:?}"
    );
    let mut routes: Vec<&str> = ogug::web::ROUTES
        .iter()
        .filter(|(_, m)| m.contains(&"POST"))
        .map(|(p, _)| *p)
        .collect();
    // What signs the admin out goes last.
    routes.sort_by_key(|p| matches!(*p, "/logout" | "/account/delete" | "/chapters/{slug}/leave"));
    let mut failures = Vec::new();
    for path in routes {
        let url = concrete(path, None);
        let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "a\0b")).collect();
        let status = admin.post_form(&url, &fields).await.status();
        if status.is_server_error() {
            failures.push(format!("POST {url}: {status}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A second instance of the app on the same database (its own pool and server).
async fn second_instance(app: &TestApp) -> TestApp {
    spawn_app_with(Options {
        demo: false,
        database_url: Some(app.db.url.clone()),
        ..Options::default()
    })
    .await
}

fn organization(app: &TestApp, name: &str, by: UserId) -> i64 {
    ogug::domain::organizations::insert(
        &mut app.conn(),
        &ogug::domain::organizations::OrganizationInput {
            name_zh: name.into(),
            name_en: name.into(),
            website: String::new(),
            description: String::new(),
        },
        by,
    )
    .unwrap()
    .id
    .get()
}

/// Item 3: A→B and B→A at the same moment on two instances: one merge wins, the other is
/// refused; nothing points at itself and one of each pair stays in the directory.
#[tokio::test]
async fn racing_opposite_merges_leave_one_organization_standing() {
    use diesel::prelude::*;
    use ogug::db::schema::organizations;
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    let admin_id = app.create_user("merger@example.org", "M", Some(PASSWORD), true);
    let (one, two) = (
        app.sign_in("merger@example.org", PASSWORD).await,
        other.sign_in("merger@example.org", PASSWORD).await,
    );
    for round in 0..8 {
        let a = organization(&app, &format!("甲{round}"), admin_id);
        let b = organization(&app, &format!("乙{round}"), admin_id);
        let (a_s, b_s) = (a.to_string(), b.to_string());
        let (ab, ba) = (
            [("from", a_s.as_str()), ("into", b_s.as_str())],
            [("from", b_s.as_str()), ("into", a_s.as_str())],
        );
        let (r1, r2) = tokio::join!(
            one.post_form("/admin/organizations/merge", &ab),
            two.post_form("/admin/organizations/merge", &ba),
        );
        let statuses = [r1.status(), r2.status()];
        assert_eq!(
            statuses.iter().filter(|s| s.is_redirection()).count(),
            1,
            "round {round}: one merge wins ({statuses:?})"
        );
        assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
        let rows: Vec<(i64, Option<i64>)> = organizations::table
            .filter(organizations::id.eq_any([a, b]))
            .select((organizations::id, organizations::merged_into))
            .load::<(
                ogug::domain::ids::OrganizationId,
                Option<ogug::domain::ids::OrganizationId>,
            )>(&mut app.conn())
            .unwrap()
            .into_iter()
            .map(|(id, into)| (id.get(), into.map(|i| i.get())))
            .collect();
        assert!(rows.iter().all(|(id, into)| *into != Some(*id)), "{rows:?}");
        assert_eq!(
            rows.iter().filter(|(_, into)| into.is_none()).count(),
            1,
            "{rows:?}"
        );
    }
    // The database itself refuses an entry pointing at itself.
    let c = organization(&app, "丙", admin_id);
    let refused = diesel::update(
        organizations::table.filter(organizations::id.eq(ogug::domain::ids::OrganizationId(c))),
    )
    .set(organizations::merged_into.eq(Some(ogug::domain::ids::OrganizationId(c))))
    .execute(&mut app.conn());
    assert!(refused.is_err(), "CHECK: never merged into itself");
}

/// Item 5: the two organizers of a chapter demote each other at the same moment on two
/// instances: one demotion wins, the chapter keeps an organizer.
#[tokio::test]
async fn racing_demotions_keep_the_last_organizer() {
    use ogug::domain::memberships;
    let app = spawn_app().await;
    let other = second_instance(&app).await;
    app.chapter("race");
    let chapter = ogug::domain::chapters::find_by_slug(&mut app.conn(), "race").unwrap();
    let first = app.member("first@example.org", "race", Role::Organizer, PASSWORD);
    let second = app.member("second@example.org", "race", Role::Organizer, PASSWORD);
    let one = app.sign_in("first@example.org", PASSWORD).await;
    let two = other.sign_in("second@example.org", PASSWORD).await;
    for round in 0..8 {
        let (to_second, to_first) = (
            format!("/chapters/race/manage/members/{second}/role"),
            format!("/chapters/race/manage/members/{first}/role"),
        );
        let demote = [("role", "member")];
        let (r1, r2) = tokio::join!(
            one.post_form(&to_second, &demote),
            two.post_form(&to_first, &demote),
        );
        let organizers = memberships::list(
            &mut app.conn(),
            chapter.id,
            Some(Role::Organizer),
            None,
            0,
            false,
        )
        .unwrap()
        .1;
        assert_eq!(
            organizers,
            1,
            "round {round}: {} {}",
            r1.status(),
            r2.status()
        );
        // Both back for the next round.
        for id in [first, second] {
            let _ = memberships::change_role(&mut app.conn(), chapter.id, id, Role::Organizer);
        }
    }
}

/// Item 6: a sender who changes their (unverified) address with every message is still held
/// by the chapter's ceiling (10 an hour): past it, 429 with a clear message, the message kept,
/// and the organizers told once.
#[tokio::test]
async fn the_contact_form_has_a_ceiling_per_chapter() {
    use diesel::prelude::*;
    use ogug::db::schema::outbox;
    let app = spawn_app().await;
    app.member("boss@example.org", "beijing", Role::Organizer, PASSWORD);
    let organizers = ogug::domain::applications::organizers(
        &mut app.conn(),
        ogug::domain::chapters::find_by_slug(&mut app.conn(), "beijing")
            .unwrap()
            .id,
    )
    .unwrap()
    .len() as i64;
    let relayed = |app: &TestApp, prefix: &str| -> i64 {
        outbox::table
            .filter(outbox::idempotency_key.like(format!("{prefix}%")))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    let visitor = app.browser();
    for i in 0..14 {
        let email = format!("rotating{i}@example.org");
        let fields = [
            ("name", "轮换"),
            ("email", email.as_str()),
            ("message", "每次换一个地址"),
        ];
        let res = visitor
            .post_form("/chapters/beijing/contact", &fields)
            .await;
        if i < 10 {
            assert!(
                res.status().is_redirection(),
                "message {i}: {}",
                res.status()
            );
        } else {
            assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "message {i}");
            let html = res.text().await.unwrap();
            assert!(html.contains(r#"id="contact-full""#));
            assert!(html.contains(zh("contact.chapter_full")));
            assert!(html.contains("每次换一个地址"), "the message is kept");
        }
    }
    assert_eq!(
        relayed(&app, "contact:"),
        10 * organizers,
        "ten relayed, no more"
    );
    assert_eq!(
        relayed(&app, "contact-ceiling:"),
        organizers,
        "one notice each"
    );
    let notice = wait_for_mail(&app, |m| {
        m.to == "boss@example.org" && m.subject.contains("联系表单")
    })
    .await;
    assert!(notice.text.contains("10"), "{}", notice.text);
}

/// Item 11: an organizer of another chapter cannot rename an entry this chapter keeps; their
/// form becomes a suggestion that reaches the site admins, and the site-wide audit has it.
#[tokio::test]
async fn directory_entries_are_edited_by_those_with_a_stake_others_suggest() {
    use diesel::prelude::*;
    use ogug::db::schema::{audit_log, organizations};
    let app = spawn_app().await;
    app.create_user("admin@example.org", "管理员", Some(PASSWORD), true);
    let keeper = app.member("keeper@example.org", "beijing", Role::Organizer, PASSWORD);
    app.chapter("shanghai");
    app.member("far@example.org", "shanghai", Role::Organizer, PASSWORD);
    let id = organization(&app, "北京的伙伴", keeper);

    let far = app.sign_in("far@example.org", PASSWORD).await;
    let (status, form) = far.get_html(&format!("/organizations/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains(r#"id="send-suggestion""#),
        "a suggestion form, not the editor"
    );
    let res = far
        .post_multipart(
            &format!("/organizations/{id}/edit"),
            &[
                ("name_zh", "被改掉的名字"),
                ("website", "https://evil.example"),
            ],
            None,
        )
        .await;
    assert_eq!(res.location(), format!("/organizations/{id}?suggested=1"));
    let name: String = organizations::table
        .filter(organizations::id.eq(ogug::domain::ids::OrganizationId(id)))
        .select(organizations::name_zh)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(name, "北京的伙伴", "the entry is unchanged");
    let mail = wait_for_mail(&app, |m| m.to == "admin@example.org").await;
    assert!(mail.text.contains("被改掉的名字") && mail.text.contains("https://evil.example"));
    assert!(
        mail.text.contains("名称（中文）："),
        "Chinese punctuation: {}",
        mail.text
    );
    let suggested: i64 = audit_log::table
        .filter(audit_log::action.eq("organization_change_suggested"))
        .filter(audit_log::chapter_id.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(suggested, 1, "in the site-wide audit");

    // The creator's chapter's organizers edit it.
    let other_keeper = app.organizer_of("beijing").await;
    let (_, form) = other_keeper
        .get_html(&format!("/organizations/{id}/edit"))
        .await;
    assert!(!form.contains(r#"id="send-suggestion""#));
    let res = other_keeper
        .post_multipart(
            &format!("/organizations/{id}/edit"),
            &[("name_zh", "北京的好伙伴")],
            None,
        )
        .await;
    assert_eq!(res.location(), format!("/organizations/{id}"));
    let edited: i64 = audit_log::table
        .filter(audit_log::action.eq("organization_edited"))
        .filter(audit_log::chapter_id.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(edited, 1);
}
