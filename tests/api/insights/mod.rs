//! Insights: the numbers against a hand-counted fixture (in the chapter's time zone), who sees
//! which half, bad periods, the empty state, the charts as XML and the CSV round trip.

use crate::helpers::*;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use ogug::db::schema::{applications, events, memberships, rsvps, talks};
use ogug::domain::ids::{ChapterId, EventId, UserId};
use ogug::domain::memberships::Role;
use reqwest::StatusCode;

const PAGE: &str = "/chapters/metrics/manage/insights";
const PERIOD: &str = "from=2026-01-01&to=2026-06-30";

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

struct App<'a> {
    app: &'a TestApp,
    chapter: ChapterId,
}

impl App<'_> {
    #[allow(clippy::too_many_arguments)]
    fn application(
        &self,
        email: &str,
        user: Option<UserId>,
        org: &str,
        status: &str,
        source: &str,
        created: &str,
        confirmed: bool,
        decided_after_hours: Option<i64>,
    ) {
        let created = at(created);
        diesel::insert_into(applications::table)
            .values((
                applications::chapter_id.eq(self.chapter),
                applications::user_id.eq(user),
                applications::email.eq(email),
                applications::name.eq(email),
                applications::organization.eq(org),
                applications::desired_role.eq("member"),
                applications::status.eq(status),
                applications::source.eq(source),
                applications::created_at.eq(created),
                applications::confirmed_at.eq(confirmed.then_some(created)),
                applications::decided_at
                    .eq(decided_after_hours.map(|h| created + chrono::TimeDelta::hours(h))),
                applications::updated_at.eq(created),
            ))
            .execute(&mut self.app.conn())
            .unwrap();
    }

    fn joined(&self, user: UserId, role: &str, when: &str) {
        diesel::insert_into(memberships::table)
            .values((
                memberships::chapter_id.eq(self.chapter),
                memberships::user_id.eq(user),
                memberships::role.eq(role),
                memberships::joined_at.eq(at(when)),
            ))
            .execute(&mut self.app.conn())
            .unwrap();
    }

    fn event(&self, slug: &str, status: &str, starts: &str, capacity: Option<i32>) -> EventId {
        let starts = at(starts);
        diesel::insert_into(events::table)
            .values((
                events::chapter_id.eq(self.chapter),
                events::slug.eq(slug),
                events::title_zh.eq(format!("活动 {slug}")),
                events::title_en.eq(format!("Event {slug}")),
                events::starts_at.eq(starts),
                events::ends_at.eq(starts + chrono::TimeDelta::hours(3)),
                events::mode.eq("offline"),
                events::status.eq(status),
                events::capacity.eq(capacity),
                events::created_at.eq(starts),
                events::updated_at.eq(starts),
            ))
            .returning(events::id)
            .get_result(&mut self.app.conn())
            .unwrap()
    }

    fn rsvp(&self, event: EventId, user: UserId, status: &str, checked_in: bool) {
        let now = ogug::domain::now();
        diesel::insert_into(rsvps::table)
            .values((
                rsvps::event_id.eq(event),
                rsvps::user_id.eq(user),
                rsvps::status.eq(status),
                rsvps::created_at.eq(now),
                rsvps::updated_at.eq(now),
                rsvps::checked_in_at.eq(checked_in.then_some(now)),
            ))
            .execute(&mut self.app.conn())
            .unwrap();
    }

    fn talk(&self, title: &str, language: &str, event: EventId, given: &str) {
        diesel::insert_into(talks::table)
            .values((
                talks::chapter_id.eq(self.chapter),
                talks::title_zh.eq(title),
                talks::title_en.eq(title),
                talks::abstract_md.eq(""),
                talks::abstract_html.eq(""),
                talks::language.eq(language),
                talks::level.eq("beginner"),
                talks::duration_min.eq(30),
                talks::status.eq("accepted"),
                talks::placed_event_id.eq(Some(event)),
                talks::given_at.eq(Some(at(given))),
                talks::created_at.eq(at(given)),
                talks::updated_at.eq(at(given)),
            ))
            .execute(&mut self.app.conn())
            .unwrap();
    }
}

/// The fixture, counted by hand (times are UTC; the chapter is in Asia/Shanghai, UTC+8):
/// - 7 applications made 2026-03-10 and decided 1, 2, 3, 5, 8, 13 and 21 hours later: the first
///   four approved, the rest declined. Median 5 h; 90th percentile 13 + 0.4 × (21 − 13) = 16.2 h.
///   Sources 5 form, 1 door, 1 signed in; organizations Huawei ×3, Enmotech ×2, none ×2.
/// - 1 withdrawn (April, Huawei); 1 pending made 2026-05-31 17:00 UTC, which is June 1st in
///   Shanghai (waiting over 7 days); 1 unconfirmed in June; 1 before the period.
/// - Members: an ambassador since 2025, an organizer since February, the four approved in March.
/// - Events: March (capacity 3): applicant 1 checked in, applicant 2 a no-show, one waitlisted;
///   2026-05-31 18:00 UTC = June 1st in Shanghai: applicant 1 checked in, applicant 3 not going;
///   a cancelled one in April and one in August (after the period; applicant 4 is going) are
///   not counted as events of the period.
/// - Talks: one in Chinese at the March event, one in English at the June one.
fn fixture(app: &TestApp) {
    app.chapter("metrics");
    let chapter = ogug::domain::chapters::find_by_slug(&mut app.conn(), "metrics")
        .unwrap()
        .id;
    let f = App { app, chapter };
    let user = |i: usize| app.create_user(&format!("m{i}@example.org"), "m", None, false);
    let users: Vec<UserId> = (0..7).map(user).collect();
    let decided = [
        (1, "approved", "form", "Huawei"),
        (2, "approved", "door", "Huawei"),
        (3, "approved", "signed_in", "Huawei"),
        (5, "approved", "form", "Enmotech"),
        (8, "rejected", "form", "Enmotech"),
        (13, "rejected", "form", ""),
        (21, "rejected", "form", ""),
    ];
    for (i, (hours, status, source, org)) in decided.into_iter().enumerate() {
        let user = (status == "approved").then(|| users[i]);
        f.application(
            &format!("a{i}@example.org"),
            user,
            org,
            status,
            source,
            "2026-03-10 00:00",
            true,
            Some(hours),
        );
    }
    f.application(
        "w@example.org",
        None,
        "Huawei",
        "withdrawn",
        "form",
        "2026-04-02 03:00",
        true,
        None,
    );
    f.application(
        "p@example.org",
        None,
        "",
        "pending",
        "form",
        "2026-05-31 17:00",
        true,
        None,
    );
    f.application(
        "u@example.org",
        None,
        "",
        "unconfirmed",
        "form",
        "2026-06-10 03:00",
        false,
        None,
    );
    f.application(
        "old@example.org",
        None,
        "Huawei",
        "approved",
        "form",
        "2025-12-20 03:00",
        true,
        Some(1),
    );
    f.joined(users[5], "ambassador", "2025-11-01 00:00");
    f.joined(users[6], "organizer", "2026-02-15 00:00");
    for user in &users[..4] {
        f.joined(*user, "member", "2026-03-10 06:00");
    }
    let march = f.event("march", "published", "2026-03-20 06:00", Some(3));
    let june = f.event("june", "published", "2026-05-31 18:00", None);
    let april = f.event("april", "cancelled", "2026-04-20 06:00", None);
    let august = f.event("august", "published", "2026-08-20 06:00", None);
    f.rsvp(march, users[0], "going", true);
    f.rsvp(march, users[1], "going", false);
    f.rsvp(march, users[5], "waitlisted", false);
    f.rsvp(june, users[0], "going", true);
    f.rsvp(june, users[2], "not_going", false);
    f.rsvp(april, users[3], "going", false);
    f.rsvp(august, users[3], "going", false);
    f.talk("内核解读", "zh", march, "2026-03-20 06:00");
    f.talk("Replication", "en", june, "2026-05-31 18:00");
}

/// The text of each element of a well-formed XML fragment, by rows of a table: every `<tr>`'s
/// cells. Panics if the fragment is not well-formed XML.
fn xml_rows(fragment: &str) -> Vec<Vec<String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(fragment);
    reader.config_mut().check_end_names = true;
    let (mut rows, mut row, mut cell, mut depth) = (Vec::new(), Vec::new(), None, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                depth += 1;
                match e.name().as_ref() {
                    b"tr" => row = Vec::new(),
                    b"td" | b"th" => cell = Some(String::new()),
                    _ => {}
                }
            }
            Event::End(e) => {
                depth -= 1;
                match e.name().as_ref() {
                    b"tr" => rows.push(std::mem::take(&mut row)),
                    b"td" | b"th" => row.push(cell.take().unwrap_or_default()),
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t.decode().unwrap());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(c) = cell.as_mut() {
                    let name = r.decode().unwrap();
                    c.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        _ => "'",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    rows
}

/// The element `<{tag} … id="{id}" …>…</{tag}>` of a page.
fn element<'a>(page: &'a str, tag: &str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} on the page"));
    let start = page[..at].rfind(&format!("<{tag}")).unwrap();
    let end = page[start..].find(&format!("</{tag}>")).unwrap() + start + tag.len() + 3;
    &page[start..end]
}

/// The body rows of a figure's data table.
fn table(page: &str, id: &str) -> Vec<Vec<String>> {
    xml_rows(element(page, "table", &format!("table-{id}")))
        .into_iter()
        .skip(1)
        .collect()
}

fn rows(expected: &[&[&str]]) -> Vec<Vec<String>> {
    expected
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

async fn csv(b: &Browser, path: &str) -> (StatusCode, Vec<Vec<String>>) {
    let res = b.get(path).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    let rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (status, rows)
}

#[tokio::test]
async fn chapter_insights_match_a_hand_count() {
    let app = spawn_app().await;
    fixture(&app);
    let organizer = app.organizer_of("metrics").await;
    let (status, page) = organizer.get_html(&format!("{PAGE}?{PERIOD}")).await;
    assert_eq!(status, StatusCode::OK);

    let funnel = table(&page, "funnel");
    let counts: Vec<&str> = funnel.iter().map(|r| r[1].as_str()).collect();
    // applied, confirmed, decided, approved, declined, withdrawn, first RSVP, first check-in
    // First RSVP: applicants 1 and 2 in March, 4 for August (3 only said "not going").
    assert_eq!(counts, ["10", "9", "8", "4", "3", "1", "3", "1"]);
    assert_eq!(funnel[1][2], "90 %");
    assert_eq!(
        table(&page, "applications"),
        rows(&[
            &["2026-01", "0", "0", "0", "0"],
            &["2026-02", "0", "0", "0", "0"],
            &["2026-03", "4", "3", "0", "0"],
            &["2026-04", "0", "0", "1", "0"],
            &["2026-05", "0", "0", "0", "0"],
            &["2026-06", "0", "0", "0", "2"],
        ])
    );
    let decisions = table(&page, "decisions");
    assert_eq!(decisions[2], ["2026-03", "7", "5", "16.2"]);
    assert_eq!(decisions[0], ["2026-01", "0", "—", "—"]);
    assert!(page.contains("中位数 5 小时，90 分位 16.2 小时，共 7 个审核结果"));
    assert_eq!(
        table(&page, "members"),
        rows(&[
            &["2026-01", "0", "1", "0"],
            &["2026-02", "1", "1", "0"],
            &["2026-03", "1", "1", "4"],
            &["2026-04", "1", "1", "4"],
            &["2026-05", "1", "1", "4"],
            &["2026-06", "1", "1", "4"],
        ])
    );
    assert_eq!(
        table(&page, "sources"),
        rows(&[
            &["申请表", "8"],
            &["活动现场二维码", "1"],
            &["登录后申请", "1"]
        ])
    );
    assert_eq!(
        table(&page, "organizations"),
        rows(&[&["Huawei", "4"], &["Enmotech", "2"]])
    );
    let events = table(&page, "events");
    assert_eq!(events[2], ["2026-03", "1", "2", "1", "1", "1", "50 %"]);
    assert_eq!(events[3], ["2026-04", "0", "0", "0", "0", "0", "—"]);
    assert_eq!(events[5], ["2026-06", "1", "1", "1", "0", "0", "100 %"]);
    let list = table(&page, "event-list");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0][0], "活动 june");
    assert_eq!(list[1][2..], ["3", "2", "1", "1", "1", "50 %"]);
    let talks = table(&page, "talks");
    assert_eq!((talks[2][1].as_str(), talks[5][2].as_str()), ("1", "1"));
    let tiles = xml_rows(
        &element(&page, "ul", "tiles")
            .replace("<li>", "<tr><td>")
            .replace("</li>", "</td></tr>")
            .replace("<span>", "")
            .replace("</span>", "")
            .replace("<strong>", "")
            .replace("</strong>", ""),
    );
    assert!(tiles.iter().any(|t| t[0] == "等待超过 7 天1"), "{tiles:?}");
    assert!(tiles.iter().any(|t| t[0] == "到场率67 %"), "{tiles:?}");

    // The charts are well-formed SVG with the expected series.
    let chart = element(&page, "svg", "chart-applications");
    xml_rows(chart);
    assert!(chart.contains("<title>2026-03 已通过: 4</title>"));
    assert!(chart.contains("<title>2026-06 待处理: 2</title>"));
    let chart = element(&page, "svg", "chart-decisions");
    xml_rows(chart);
    assert!(chart.contains("<title>2026-03 90 分位（小时）: 16.2</title>"));
    let chart = element(&page, "svg", "chart-funnel");
    xml_rows(chart);
    assert!(chart.contains("<title>首次签到: 1</title>"));

    // The CSV holds what the table shows.
    for series in [
        "funnel",
        "applications",
        "decisions",
        "members",
        "sources",
        "organizations",
        "events",
        "event-list",
        "talks",
    ] {
        let (status, got) = csv(&organizer, &format!("{PAGE}.csv?{PERIOD}&series={series}")).await;
        assert_eq!(status, StatusCode::OK, "{series}");
        assert_eq!(got[1..], table(&page, series), "{series}");
    }
    let (_, got) = csv(&organizer, &format!("{PAGE}.csv?{PERIOD}&series=funnel")).await;
    assert_eq!(got[0], ["step", "count", "share_of_applied"]);
    assert_eq!(got[1], ["申请", "10", "100 %"]);
    let res = organizer
        .get(&format!("{PAGE}.csv?{PERIOD}&series=nothing"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The same numbers in English.
    let (_, en) = organizer
        .get_html(&format!("{PAGE}?{PERIOD}&lang=en"))
        .await;
    assert_eq!(table(&en, "decisions")[2], ["2026-03", "7", "5", "16.2"]);
    assert!(en.contains("median 5 h, 90th percentile 16.2 h, over 7 decisions"));
}

#[tokio::test]
async fn each_role_sees_its_half_and_no_other_chapter() {
    let app = spawn_app().await;
    fixture(&app);
    let ambassador = app.signed_in_as(Role::Ambassador, "metrics").await;
    let (status, page) = ambassador.get_html(&format!("{PAGE}?{PERIOD}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"fig-events\"") && page.contains("id=\"fig-talks\""));
    assert!(!page.contains("id=\"fig-funnel\"") && !page.contains("Huawei"));
    let res = ambassador
        .get(&format!("{PAGE}.csv?{PERIOD}&series=funnel"))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = ambassador
        .get(&format!("{PAGE}.csv?{PERIOD}&series=events"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let member = app.signed_in_as(Role::Member, "metrics").await;
    assert_eq!(member.get(PAGE).await.status(), StatusCode::FORBIDDEN);
    let other = app.organizer_of("beijing").await;
    assert_eq!(other.get(PAGE).await.status(), StatusCode::FORBIDDEN);
    let other_ambassador = app.signed_in_as(Role::Ambassador, "beijing").await;
    assert_eq!(
        other_ambassador.get(PAGE).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        other
            .get("/chapters/nowhere/manage/insights")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = app.browser().get(PAGE).await;
    assert!(res.status().is_redirection(), "anonymous: sign in first");
}

#[tokio::test]
async fn bad_periods_get_a_clear_error_and_keep_the_input() {
    let app = spawn_app().await;
    fixture(&app);
    let organizer = app.organizer_of("metrics").await;
    for (query, message, kept) in [
        (
            "from=2026-06-30&to=2026-01-01",
            "结束日期早于开始日期",
            "2026-06-30",
        ),
        (
            "from=2099-01-01&to=2099-02-01",
            "开始日期在未来",
            "2099-01-01",
        ),
        (
            "from=2006-01-01&to=2026-01-01",
            "时段最长十年",
            "2006-01-01",
        ),
        (
            "from=1926-01-01&to=2026-01-01",
            "请输入 2000 年至 2100 年之间的日期",
            "1926-01-01",
        ),
        (
            "from=last+week",
            "请按 YYYY-MM-DD 格式输入日期",
            "last week",
        ),
    ] {
        let (status, page) = organizer.get_html(&format!("{PAGE}?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(page.contains(message), "{query}");
        assert!(page.contains(&format!("value=\"{kept}\"")), "{query}");
        assert!(!page.contains("id=\"fig-"), "{query}: no charts");
    }
    let res = organizer
        .get(&format!(
            "{PAGE}.csv?from=2026-06-30&to=2026-01-01&series=events"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A chapter with nothing yet: friendly, no division by zero.
    app.chapter("quiet");
    let quiet = app.organizer_of("quiet").await;
    let (status, page) = quiet.get_html("/chapters/quiet/manage/insights").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("这个时段内还没有数据"));
    assert!(!page.contains("NaN") && !page.contains("inf"));
    assert!(page.contains("最近 12 个月"));
}

#[tokio::test]
async fn site_insights_and_public_totals() {
    let app = spawn_app().await;
    fixture(&app);
    app.create_user("root@example.org", "Root", Some(PASSWORD), true);
    let admin = app.sign_in("root@example.org", PASSWORD).await;
    let (status, page) = admin.get_html(&format!("/admin/insights?{PERIOD}")).await;
    assert_eq!(status, StatusCode::OK);
    let lines = table(&page, "chapters");
    let metrics = lines.iter().find(|r| r[0] == "metrics用户组").unwrap();
    // members now, joined, applied, approved, median h, waiting, events, RSVPs, attendance, talks
    assert_eq!(
        metrics[1..],
        ["6", "5", "10", "4", "5", "1", "2", "3", "67 %", "2"]
    );
    xml_rows(element(&page, "svg", "chart-applied-by-chapter"));
    let (status, got) = csv(
        &admin,
        &format!("/admin/insights.csv?{PERIOD}&series=chapters"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got[1..], lines);
    let (status, _) = admin
        .get_html("/admin/insights?from=2026-02-01&to=2026-01-01")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let organizer = app.organizer_of("metrics").await;
    assert_eq!(
        organizer.get("/admin/insights").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        organizer
            .get("/admin/insights.csv?series=chapters")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The public totals, counted here another way.
    let mut conn = app.conn();
    let now = ogug::domain::now();
    let held: i64 = events::table
        .filter(events::status.eq("published"))
        .filter(events::ends_at.lt(now))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let given: i64 = talks::table
        .filter(talks::status.eq("accepted"))
        .filter(talks::given_at.lt(now))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let members: i64 = memberships::table.count().get_result(&mut conn).unwrap();
    let (status, page) = app.get_html("/stats").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("id=\"total-events\">{held}<")));
    assert!(page.contains(&format!("id=\"total-talks\">{given}<")));
    assert!(page.contains(&format!("id=\"total-members\">{members}<")));
    let open: i64 = ogug::db::schema::chapters::table
        .filter(ogug::db::schema::chapters::status.eq("active"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert!(page.contains(&format!("id=\"total-chapters\">{open}<")));
    assert!(given >= 11 && held >= 3, "the demo's and the fixture's");
}

/// Months are the chapter's, also where the clock changes: Berlin is UTC+1 in winter and UTC+2
/// from 2026-03-29, so 22:30 UTC on March 31 is already April there, and 23:30 UTC on January 31
/// already February.
#[tokio::test]
async fn months_follow_the_chapters_daylight_saving_time() {
    let app = spawn_app().await;
    app.chapter("berlin");
    let chapter = {
        use ogug::db::schema::chapters;
        diesel::update(chapters::table.filter(chapters::slug.eq("berlin")))
            .set(chapters::time_zone.eq("Europe/Berlin"))
            .returning(chapters::id)
            .get_result::<ChapterId>(&mut app.conn())
            .unwrap()
    };
    let f = App { app: &app, chapter };
    for (email, created) in [
        ("jan@example.org", "2026-01-31 23:30"),
        ("mar@example.org", "2026-03-31 21:30"),
        ("apr@example.org", "2026-03-31 22:30"),
    ] {
        f.application(email, None, "", "pending", "form", created, true, None);
    }
    let organizer = app.organizer_of("berlin").await;
    let (_, page) = organizer
        .get_html("/chapters/berlin/manage/insights?from=2026-01-01&to=2026-04-30")
        .await;
    let open: Vec<(String, String)> = table(&page, "applications")
        .into_iter()
        .map(|r| (r[0].clone(), r[4].clone()))
        .collect();
    let want = [
        ("2026-01", "0"),
        ("2026-02", "1"),
        ("2026-03", "1"),
        ("2026-04", "1"),
    ];
    assert_eq!(open, want.map(|(m, n)| (m.to_string(), n.to_string())));
}

#[tokio::test]
async fn attendance_waits_for_events_to_end() {
    let app = spawn_app().await;
    // The demo meetup is on now: one person is already checked in, nobody can be a no-show yet.
    let now = ogug::domain::now();
    diesel::update(events::table.filter(events::slug.eq(ogug::domain::demo::EVENT_SLUG)))
        .set((
            events::starts_at.eq(now - chrono::TimeDelta::minutes(30)),
            events::ends_at.eq(now + chrono::TimeDelta::minutes(90)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let event: EventId = events::table
        .filter(events::slug.eq(ogug::domain::demo::EVENT_SLUG))
        .select(events::id)
        .first(&mut app.conn())
        .unwrap();
    let guest = app.create_user("in@example.org", "在场", None, false);
    diesel::insert_into(rsvps::table)
        .values((
            rsvps::event_id.eq(event),
            rsvps::user_id.eq(guest),
            rsvps::status.eq("going"),
            rsvps::created_at.eq(now),
            rsvps::updated_at.eq(now),
            rsvps::checked_in_at.eq(now),
            rsvps::source.eq("rsvp"),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let organizer = app.organizer_of("beijing").await;
    let (_, page) = organizer
        .get_html("/chapters/beijing/manage/insights")
        .await;
    let tiles = element(&page, "ul", "tiles");
    let attendance = tiles
        .split(zh("insights.attendance"))
        .nth(1)
        .and_then(|rest| rest.split("<strong>").nth(1))
        .and_then(|rest| rest.split('<').next())
        .unwrap();
    assert_eq!(attendance, "—", "no finished event, no rate: {tiles}");
}
