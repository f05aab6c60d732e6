//! Events: the editor, publishing, RSVPs and the waitlist, feeds; the day of the meetup
//! (`day_of`) and hostile input (`security`).

pub mod day_of;
mod guests;
mod security;

use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{events, outbox, rsvps};
use ogug::domain::memberships::Role;
use reqwest::StatusCode;
use std::time::Duration;

pub const PW: &str = "events passphrase 2021";
const WAIT: Duration = Duration::from_secs(10);

pub fn event_fields<'a>(title: &'a str, capacity: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title_zh", title),
        ("title_en", "openGauss Meetup Beijing 2031"),
        ("summary_zh", "第二届北京 Meetup"),
        ("body", "**欢迎** 参加"),
        ("starts_local", "2031-05-29T13:30"),
        ("ends_local", "2031-05-29T17:30"),
        ("mode", "hybrid"),
        ("venue", "中关村"),
        ("address", "北京市海淀区"),
        ("online_url", "https://live.example.org/ogug"),
        ("capacity", capacity),
        ("agenda_0_position", "20"),
        ("agenda_0_time", "14:00"),
        ("agenda_0_title", "第二个议题"),
        ("agenda_0_speaker", "李四"),
        ("agenda_0_affiliation", "云和恩墨"),
        ("agenda_1_position", "10"),
        ("agenda_1_time", "13:30"),
        ("agenda_1_title", "第一个议题"),
        ("agenda_1_speaker", "张三"),
        ("agenda_1_affiliation", "华为"),
        ("agenda_2_position", "30"),
        ("agenda_2_title", ""),
        ("host_0_organization", "openGauss 社区"),
        ("host_0_kind", "host"),
    ]
}

/// Creates and (optionally) publishes an event as `b`; returns its page path.
pub async fn create(b: &Browser, title: &str, capacity: &str, publish: bool) -> String {
    let res = b
        .post_form("/chapters/beijing/events", &event_fields(title, capacity))
        .await;
    assert!(res.status().is_redirection(), "create: {}", res.status());
    let location = res
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let path = location.split('?').next().unwrap().to_string();
    if publish {
        let res = b
            .post_form(&format!("{path}/publish"), &[("confirm", "1")])
            .await;
        assert!(res.status().is_redirection());
    }
    path
}

#[tokio::test]
async fn an_ambassador_drafts_previews_and_publishes_an_event() {
    let app = spawn_app().await;
    app.member("amb@example.org", "beijing", Role::Ambassador, PW);
    let fan = app.member("fan@example.org", "beijing", Role::Member, PW);
    let quiet = app.member("quiet@example.org", "beijing", Role::Member, PW);
    diesel::update(ogug::db::schema::users::table.find(quiet))
        .set(ogug::db::schema::users::event_announcements.eq(false))
        .execute(&mut app.conn())
        .unwrap();
    let amb = app.sign_in("amb@example.org", PW).await;
    let (status, form) = amb.get_html("/chapters/beijing/events/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("agenda_2_title"),
        "blank rows to add agenda items without JavaScript"
    );

    // One mistake: the end before the start.
    let mut bad = event_fields("第二届北京 Meetup", "");
    bad.retain(|(k, _)| *k != "ends_local");
    bad.push(("ends_local", "2031-05-29T10:00"));
    let res = amb.post_form("/chapters/beijing/events", &bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains(zh("error.ends_before_start")));
    assert!(html.contains(r#"value="第二届北京 Meetup""#), "input kept");

    let path = create(&amb, "第二届北京 Meetup", "", false).await;
    // The draft: a preview for its editor, 404 for everyone else.
    let (status, html) = amb.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(zh("event.draft")));
    let first = html.find("第一个议题").unwrap();
    let second = html.find("第二个议题").unwrap();
    assert!(first < second, "agenda ordered by the order numbers");
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    let fan_browser = app.sign_in("fan@example.org", PW).await;
    assert_eq!(fan_browser.get(&path).await.status(), StatusCode::NOT_FOUND);
    let (_, ics) = app.get_html("/chapters/beijing/events.ics").await;
    assert!(
        !ics.contains("第二届北京 Meetup"),
        "drafts stay out of feeds"
    );

    // Publishing asks first, saying how many members it will email; nothing is published yet.
    let outbox_before: i64 = outbox::table.count().get_result(&mut app.conn()).unwrap();
    let res = amb.post_form(&format!("{path}/publish"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ask = res.text().await.unwrap();
    let recipients = ogug::domain::events::announcement_recipients(
        &mut app.conn(),
        ogug::domain::chapters::find_by_slug(&mut app.conn(), "beijing")
            .unwrap()
            .id,
    )
    .unwrap()
    .len();
    assert!(ask.contains(&zh("event.publish_recipients").replace("{n}", &recipients.to_string())));
    assert_eq!(
        app.get_html(&path).await.0,
        StatusCode::NOT_FOUND,
        "still a draft"
    );
    let outbox_after: i64 = outbox::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(
        outbox_before, outbox_after,
        "nobody emailed by the question"
    );
    let res = amb
        .post_form(&format!("{path}/publish"), &[("confirm", "1")])
        .await;
    assert_redirect_to(&res, &format!("{path}?done=published"));
    let (status, html) = app.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("2031年5月29日 13:30–17:30（Asia/Shanghai）"));
    assert!(html.contains(r#"<script type="application/ld+json">"#));
    assert!(html.contains(r#""startDate":"2031-05-29T13:30:00+08:00""#));
    assert!(html.contains("<strong>欢迎</strong>"));
    let (_, chapter) = app.get_html("/chapters/beijing").await;
    assert!(chapter.contains("第二届北京 Meetup"), "on the chapter page");
    let (_, ics) = app.get_html("/chapters/beijing/events.ics").await;
    assert!(ics.contains("第二届北京 Meetup"));

    // Announced to members who opted in (the fan, the demo staff), not the quiet one.
    let announcement = wait_for_mail(&app, |m| m.to == "fan@example.org").await;
    assert_eq!(announcement.subject, "新活动：第二届北京 Meetup");
    // Everyone else who opted in is told too; wait for them all, then check the quiet one.
    app.smtp.wait_for(12, WAIT).await;
    let to: Vec<String> = app.smtp.received().iter().map(|m| parse(m).to).collect();
    assert!(!to.contains(&"quiet@example.org".to_string()));
    let _ = fan;

    // A member RSVPs and gets the confirmation with the calendar link.
    let res = fan_browser
        .post_form(&format!("{path}/rsvp"), &[("going", "yes")])
        .await;
    assert_redirect_to(&res, &format!("{path}?done=rsvp"));
    let (_, html) = fan_browser.get_html(&path).await;
    assert!(html.contains(zh("rsvp.status_going")));
    let deadline = tokio::time::Instant::now() + WAIT;
    let confirmation = loop {
        if let Some(m) = app
            .smtp
            .received()
            .iter()
            .map(parse)
            .find(|m| m.subject.starts_with("报名成功"))
        {
            break m;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no RSVP confirmation"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(confirmation.text.contains("/event.ics"));
    let (_, csv) = amb.get_html(&format!("{path}/attendees.csv")).await;
    assert!(csv.starts_with("name,email,organization,status,rsvp_at,checked_in_at,source\n"));
    assert!(csv.contains("fan@example.org"));
}

#[tokio::test]
async fn who_may_create_and_edit_events() {
    let app = spawn_app().await;
    app.chapter("shanghai");
    app.member("amb@example.org", "beijing", Role::Ambassador, PW);
    app.member("amb2@example.org", "beijing", Role::Ambassador, PW);
    app.member("sh-amb@example.org", "shanghai", Role::Ambassador, PW);
    app.member("member@example.org", "beijing", Role::Member, PW);
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let amb = app.sign_in("amb@example.org", PW).await;
    let path = create(&amb, "大使的活动", "", true).await;

    let member = app.sign_in("member@example.org", PW).await;
    let res = member
        .post_form("/chapters/beijing/events", &event_fields("成员的活动", ""))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a member cannot create"
    );
    let other_chapter = app.sign_in("sh-amb@example.org", PW).await;
    let res = other_chapter
        .post_form(&format!("{path}/edit"), &event_fields("改", ""))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "an ambassador of another chapter cannot edit"
    );
    let colleague = app.sign_in("amb2@example.org", PW).await;
    let res = colleague
        .post_form(&format!("{path}/edit"), &event_fields("改", ""))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "an ambassador cannot edit another's event"
    );
    let org = app.sign_in("org@example.org", PW).await;
    let res = org
        .post_form(
            &format!("{path}/edit"),
            &event_fields("组织者改过的活动", ""),
        )
        .await;
    assert_redirect_to(&res, &format!("{path}?done=saved"));
    let (_, html) = app.get_html(&path).await;
    assert!(html.contains("组织者改过的活动"));
    let seq: i32 = events::table
        .filter(events::title_zh.eq("组织者改过的活动"))
        .select(events::sequence)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(seq, 2, "publish and edit each raise SEQUENCE");
}

#[tokio::test]
async fn a_cancelled_event_shows_as_cancelled_and_in_the_calendar() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let org = app.sign_in("org@example.org", PW).await;
    let path = create(&org, "将被取消的活动", "", true).await;
    // First the question, saying whom it tells; nothing is cancelled by asking.
    let ask = org
        .post_form(&format!("{path}/cancel"), &[("message", "因场地原因取消")])
        .await;
    assert_eq!(ask.status(), StatusCode::OK);
    let ask = ask.text().await.unwrap();
    assert!(ask.contains(&zh("event.cancel_ask").replace("{title}", "将被取消的活动")));
    assert!(ask.contains(r#"name="message" value="因场地原因取消""#));
    let (_, page) = app.get_html(&path).await;
    assert!(
        !page.contains(zh("event.cancelled")),
        "asking cancels nothing"
    );
    let res = org
        .post_form(
            &format!("{path}/cancel"),
            &[("message", "因场地原因取消"), ("confirm", "1")],
        )
        .await;
    assert_redirect_to(&res, &format!("{path}?done=cancelled"));
    let (status, html) = app.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(zh("event.cancelled")));
    assert!(html.contains("因场地原因取消"));
    assert!(html.contains("EventCancelled"));
    let (_, ics) = app.get_html(&format!("{path}/event.ics")).await;
    let calendar: icalendar::Calendar = ics.parse().unwrap();
    let event = calendar
        .components
        .iter()
        .find_map(|c| c.as_event())
        .unwrap();
    assert_eq!(event.get_status(), Some(icalendar::EventStatus::Cancelled));
    use icalendar::Component;
    assert_eq!(event.property_value("SEQUENCE"), Some("2"));
    let uid = event.property_value("UID").unwrap().to_string();
    // The site-wide feed carries the same UID.
    let (_, all) = app.get_html("/events.ics").await;
    assert!(all.contains(&uid));
}

#[tokio::test]
async fn times_are_entered_and_shown_in_the_chapter_time_zone() {
    let app = spawn_app().await;
    diesel::update(ogug::db::schema::chapters::table)
        .set(ogug::db::schema::chapters::time_zone.eq("Europe/Berlin"))
        .execute(&mut app.conn())
        .unwrap();
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let org = app.sign_in("org@example.org", PW).await;
    let path = create(&org, "柏林时间的活动", "", true).await;
    let starts: chrono::NaiveDateTime = events::table
        .filter(events::title_zh.eq("柏林时间的活动"))
        .select(events::starts_at)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        starts.to_string(),
        "2031-05-29 11:30:00",
        "13:30 CEST is 11:30 UTC"
    );
    let (_, html) = app.get_html(&format!("{path}?lang=en")).await;
    assert!(html.contains("Thu 29 May 2031, 13:30–17:30 (Europe/Berlin)"));
    let (_, ics) = app.get_html(&format!("{path}/event.ics")).await;
    assert!(ics.contains("DTSTART:20310529T113000Z"));
}

#[tokio::test]
async fn feeds_parse_with_real_parsers() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let org = app.sign_in("org@example.org", PW).await;
    create(&org, "订阅源里的活动", "", true).await;
    for path in ["/events.ics", "/chapters/beijing/events.ics"] {
        let res = app.get(path).await;
        assert!(
            res.headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
        let calendar: icalendar::Calendar = res.text().await.unwrap().parse().unwrap();
        let n = calendar
            .components
            .iter()
            .filter(|c| c.as_event().is_some())
            .count();
        assert_eq!(n, 2, "{path}: the demo Meetup and the new event");
    }
    for path in ["/events.atom", "/chapters/beijing/events.atom"] {
        let body = app.get(path).await.text().await.unwrap();
        let feed: atom_syndication::Feed = body.parse().unwrap();
        assert_eq!(feed.entries().len(), 2, "{path}");
        assert!(
            feed.entries()
                .iter()
                .any(|e| e.title().as_str() == "订阅源里的活动")
        );
    }
    let json: serde_json::Value = app
        .get("/api/v1/chapters/beijing/events.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["chapter"]["slug"], "beijing");
    assert_eq!(json["events"].as_array().unwrap().len(), 2);
    let site: serde_json::Value = app.get("/api/v1/events.json").await.json().await.unwrap();
    assert!(
        site["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["title_en"] == "openGauss Meetup Beijing 2031")
    );
    let (_, list) = app.get_html("/events?mode=hybrid").await;
    assert!(list.contains("订阅源里的活动"));
    let (_, list) = app.get_html("/events?mode=online").await;
    assert!(!list.contains("订阅源里的活动"), "mode filter");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rsvps_never_exceed_the_capacity_and_the_waitlist_moves_up() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let org = app.sign_in("org@example.org", PW).await;
    let path = create(&org, "名额有限的活动", "3", true).await;
    let mut browsers = Vec::new();
    for i in 0..10 {
        let email = format!("m{i}@example.org");
        app.member(&email, "beijing", Role::Member, PW);
        browsers.push(app.sign_in(&email, PW).await);
    }
    let tasks: Vec<_> = browsers
        .iter()
        .cloned()
        .map(|b| {
            let path = path.clone();
            tokio::spawn(async move {
                b.post_form(&format!("{path}/rsvp"), &[("going", "yes")])
                    .await
                    .status()
            })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap().is_redirection());
    }
    let count = |status: &str| -> i64 {
        rsvps::table
            .filter(rsvps::status.eq(status))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(count("going"), 3, "capacity held");
    assert_eq!(count("waitlisted"), 7);

    // The first waiting person moves up when someone going says no, and is told.
    let first_waiting: i64 = rsvps::table
        .filter(rsvps::status.eq("waitlisted"))
        .order((rsvps::created_at.asc(), rsvps::id.asc()))
        .select(rsvps::user_id)
        .first(&mut app.conn())
        .unwrap();
    let going_user: i64 = rsvps::table
        .filter(rsvps::status.eq("going"))
        .select(rsvps::user_id)
        .first(&mut app.conn())
        .unwrap();
    let going_email: String = ogug::db::schema::users::table
        .find(going_user)
        .select(ogug::db::schema::users::email)
        .first(&mut app.conn())
        .unwrap();
    let waiting_email: String = ogug::db::schema::users::table
        .find(first_waiting)
        .select(ogug::db::schema::users::email)
        .first(&mut app.conn())
        .unwrap();
    let leaver = app.sign_in(&going_email, PW).await;
    leaver
        .post_form(&format!("{path}/rsvp"), &[("going", "no")])
        .await;
    assert_eq!(count("going"), 3);
    assert_eq!(count("waitlisted"), 6);
    let status: String = rsvps::table
        .filter(rsvps::user_id.eq(first_waiting))
        .select(rsvps::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "going");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = app
            .smtp
            .received()
            .iter()
            .map(parse)
            .any(|m| m.to == waiting_email && m.subject.starts_with("候补转正"));
        if found {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no promotion email");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_archived_chapters_events_leave_the_site_wide_lists() {
    let app = spawn_app().await;
    app.member("amb@example.org", "beijing", Role::Ambassador, PW);
    let b = app.sign_in("amb@example.org", PW).await;
    create(&b, "将要归档的活动", "", true).await;
    let (_, home) = app.get_html("/").await;
    assert!(home.contains("将要归档的活动"), "upcoming on the home page");
    let (_, list) = app.get_html("/events").await;
    assert!(list.contains("将要归档的活动"));
    // Archived behind the app's back: the cache is bypassed by a fresh query string.
    diesel::update(ogug::db::schema::chapters::table)
        .set(ogug::db::schema::chapters::status.eq("archived"))
        .execute(&mut app.conn())
        .unwrap();
    let (_, home) = app.get_html("/?after=archive").await;
    assert!(!home.contains("将要归档的活动"));
    assert!(home.contains(zh("events.none_upcoming")));
    let (_, list) = app.get_html("/events?after=archive").await;
    assert!(!list.contains("将要归档的活动"));
    let ics = app
        .get("/events.ics?after=archive")
        .await
        .text()
        .await
        .unwrap();
    assert!(!ics.contains("将要归档的活动"));
}

/// Past events come from one index walk per public status, merged: the order and the pages must
/// be the same as one sorted list.
#[tokio::test]
async fn past_events_of_both_public_statuses_page_latest_first() {
    let app = spawn_app().await;
    let chapter = ogug::domain::chapters::find_by_slug(&mut app.conn(), "beijing").unwrap();
    let base = ogug::domain::now() - chrono::TimeDelta::days(400);
    for n in 0..45i64 {
        let starts = base + chrono::TimeDelta::days(n);
        let status = match n % 5 {
            0 => "draft",
            1 | 3 => "cancelled",
            _ => "published",
        };
        diesel::insert_into(events::table)
            .values((
                events::chapter_id.eq(chapter.id),
                events::slug.eq(format!("past-{n}")),
                events::title_zh.eq(format!("往期活动{n:02}号")),
                events::starts_at.eq(starts),
                events::ends_at.eq(starts + chrono::TimeDelta::hours(2)),
                events::mode.eq("offline"),
                events::status.eq(status),
                events::created_at.eq(starts),
                events::updated_at.eq(starts),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    // Public ones, latest first: 44, 43, 42, 41, 39, … (every fifth is a draft).
    let expected: Vec<String> = (0..45i64)
        .rev()
        .filter(|n| n % 5 != 0)
        .map(|n| format!("往期活动{n:02}号"))
        .collect();
    let mut seen = Vec::new();
    for page in 0..3 {
        let (status, html) = app
            .get_html(&format!("/chapters/beijing/events?page={page}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let mut on_page: Vec<(usize, String)> = expected
            .iter()
            .filter_map(|t| html.find(t.as_str()).map(|at| (at, t.clone())))
            .collect();
        on_page.sort();
        assert!(on_page.len() <= 20, "page {page}: {}", on_page.len());
        seen.extend(on_page.into_iter().map(|(_, t)| t));
    }
    assert_eq!(seen, expected, "every public past event once, latest first");
}

#[tokio::test]
async fn the_online_link_is_for_people_who_registered() {
    let app = spawn_app().await;
    let organizer = app.organizer_of("beijing").await;
    let path = create(&organizer, "线上分享", "", true).await;
    let link = "https://live.example.org/ogug";
    let (_, page) = app.browser().get_html(&path).await;
    assert!(!page.contains(link), "a visitor does not see the link");
    assert!(page.contains(zh("event.online_after_registering")));
    assert!(
        !page.contains(zh("event_form.capacity")),
        "no form label on the public page"
    );
    for feed in [
        format!("{path}/event.ics"),
        "/events.ics".into(),
        "/api/v1/events.json".into(),
    ] {
        let body = app.browser().get(&feed).await.text().await.unwrap();
        assert!(!body.contains(link), "{feed} leaves the link out");
    }
    app.member("fan@example.org", "beijing", Role::Member, PW);
    let fan = app.sign_in("fan@example.org", PW).await;
    fan.post_form(&format!("{path}/rsvp"), &[("going", "yes")])
        .await;
    let (_, page) = fan.get_html(&path).await;
    assert!(
        page.contains(&format!(r#"href="{link}""#)),
        "registered: the link"
    );
    let (_, page) = organizer.get_html(&path).await;
    assert!(
        page.contains(&format!(r#"href="{link}""#)),
        "staff: the link"
    );
}

/// The agenda is typed in one go: ten rows to start (the founding meetup had nine), "add 5 rows"
/// keeps what was typed and saves nothing, the first host defaults to 主办, and each row keeps
/// the speaker's organization (linked to the directory) apart from their job title.
#[tokio::test]
async fn the_agenda_takes_a_whole_meetup_and_keeps_organization_and_title_apart() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let org = app.sign_in("org@example.org", PW).await;
    let (_, form) = org.get_html("/chapters/beijing/events/new").await;
    assert!(form.contains("agenda_9_title") && !form.contains("agenda_10_title"));
    assert!(
        form.contains(r#"<option value="host" selected>"#),
        "the first host row is 主办"
    );
    assert!(form.contains(r#"name="agenda_0_speaker_title""#));

    let mut fields = event_fields("十行议程的活动", "");
    fields.retain(|(k, _)| !k.starts_with("agenda_"));
    fields.extend([
        ("agenda_0_title", "开场"),
        ("agenda_0_speaker", "李四"),
        ("agenda_0_affiliation", "云和恩墨"),
        ("agenda_0_speaker_title", "CEO"),
        ("agenda_1_title", "第二项"),
        ("more_rows", "1"),
    ]);
    let before: i64 = ogug::db::schema::events::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    let res = org.post_form("/chapters/beijing/events", &fields).await;
    assert_eq!(res.status(), StatusCode::OK, "more rows: the form again");
    let more = res.text().await.unwrap();
    assert!(
        more.contains(r#"value="十行议程的活动""#),
        "what was typed is kept"
    );
    assert!(more.contains(r#"value="第二项""#));
    assert!(
        more.contains("agenda_14_title"),
        "2 typed + 8 blank + 5 more"
    );
    let after: i64 = ogug::db::schema::events::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(before, after, "nothing saved");

    fields.retain(|(k, _)| *k != "more_rows");
    let res = org.post_form("/chapters/beijing/events", &fields).await;
    assert!(res.status().is_redirection());
    let path = res.location();
    let (_, page) = org.get_html(&path).await;
    let org_id: i64 = ogug::db::schema::organizations::table
        .filter(ogug::db::schema::organizations::name_zh.eq("云和恩墨"))
        .select(ogug::db::schema::organizations::id)
        .first(&mut app.conn())
        .unwrap();
    assert!(
        page.contains(&format!(
            r#"李四 · <a href="/organizations/{org_id}">云和恩墨</a> · CEO"#
        )),
        "{page}"
    );
    let stored: (String, String) = ogug::db::schema::event_agenda_items::table
        .filter(ogug::db::schema::event_agenda_items::title.eq("开场"))
        .select((
            ogug::db::schema::event_agenda_items::affiliation,
            ogug::db::schema::event_agenda_items::speaker_title,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored, ("云和恩墨".to_string(), "CEO".to_string()));
}

/// The "new event" email is not transactional: it carries one-click unsubscribe headers and a
/// link that works without signing in; after it, that chapter's events are not announced to
/// the person any more.
#[tokio::test]
async fn new_event_emails_unsubscribe_in_one_click_without_an_account() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    app.member("fan@example.org", "beijing", Role::Member, PW);
    let org = app.sign_in("org@example.org", PW).await;
    create(&org, "第一场", "", true).await;
    let mail = wait_for_mail(&app, |m| {
        m.to == "fan@example.org" && m.text.contains("第一场")
    })
    .await;
    assert!(
        !mail.text.contains("账号设置"),
        "no settings the reader may not have"
    );
    let msg = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    assert_eq!(
        msg.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    let url = msg.header_raw("List-Unsubscribe").unwrap().trim();
    let path = url
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_start_matches(&app.address)
        .to_string();
    assert!(
        mail.text.contains(&app.url(&path)),
        "the link is in the text too"
    );
    let res = client()
        .post(app.url(&path))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    create(&org, "第二场", "", true).await;
    let second: i64 = ogug::db::schema::outbox::table
        .filter(ogug::db::schema::outbox::to_addr.eq("fan@example.org"))
        .filter(ogug::db::schema::outbox::subject.like("%第二场%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(
        second, 0,
        "unsubscribed: the next event is not announced to them"
    );
}
