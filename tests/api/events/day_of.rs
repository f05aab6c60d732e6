//! The day of the meetup: tickets by email, scanning them, the check-in desk, the door QR.

use crate::helpers::*;
use diesel::prelude::*;
use mail_parser::MimeHeaders;
use ogug::db::schema::{applications, audit_log, events, rsvps, users};
use ogug::domain::demo::EVENT_SLUG;
use ogug::domain::memberships::Role;
use reqwest::StatusCode;

const EVENT: &str = "/chapters/beijing/events/2021-05-29-beijing-meetup";

/// Moves the demo meetup to today: it starts in `starts_in` minutes and lasts two hours.
fn meetup_today(app: &TestApp, starts_in: i64, capacity: Option<i32>) {
    let starts = ogug::domain::now() + chrono::TimeDelta::minutes(starts_in);
    diesel::update(events::table.filter(events::slug.eq(EVENT_SLUG)))
        .set((
            events::starts_at.eq(starts),
            events::ends_at.eq(starts + chrono::TimeDelta::hours(2)),
            events::capacity.eq(capacity),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

fn count_audit(app: &TestApp, action: &str) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// The desk's count with this id (`count-checked-in`, …).
pub fn desk_count(html: &str, id: &str) -> i64 {
    let marker = format!(r#"id="{id}">"#);
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {id}")) + marker.len();
    html[start..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_rsvp_mails_a_ticket_whose_qr_opens_the_check_in_for_staff() {
    let app = spawn_app().await;
    meetup_today(&app, 60, None);
    app.member("li@example.org", "beijing", Role::Member, PASSWORD);
    let member = app.sign_in("li@example.org", PASSWORD).await;
    let res = member
        .post_form(&format!("{EVENT}/rsvp"), &[("going", "yes")])
        .await;
    assert!(res.status().is_redirection());

    // The ticket email: the link in the text, its QR code inline, the event attached.
    let mail = wait_for_mail(&app, |m| m.to == "li@example.org").await;
    assert!(mail.subject.starts_with(zh("rsvp.confirmed")));
    let base = format!("{}/tickets/", app.address);
    let ticket_url = link_in(&mail.text, &base);
    assert!(mail.html.contains("cid:qr"), "the HTML shows the inline QR");
    let msg = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    let png_part = msg
        .parts
        .iter()
        .find(|p| p.content_type().is_some_and(|c| c.subtype() == Some("png")))
        .expect("an inline PNG");
    assert_eq!(png_part.content_id(), Some("qr"));
    assert_eq!(decode_qr(png_part.contents()), ticket_url);
    let ics_part = msg
        .attachments()
        .find(|p| p.attachment_name() == Some("event.ics"))
        .expect("the .ics attachment");
    let ics = String::from_utf8(ics_part.contents().to_vec()).unwrap();
    let calendar: icalendar::Calendar = ics.parse().expect("the attachment parses");
    assert_eq!(calendar.components.len(), 1);
    assert!(ics.contains("SUMMARY:"));

    // The attendee sees the ticket with its QR, and no check-in button; the event page links it.
    let path = ticket_url.trim_start_matches(&app.address).to_string();
    let (status, html) = member.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<svg"), "the QR to show at the door");
    assert!(!html.contains("/check-in\""));
    let (_, event_page) = member.get_html(EVENT).await;
    assert!(event_page.contains(&format!(r#"href="{path}""#)));

    // Not staff of this chapter: 403.
    let check_in = format!("{path}/check-in");
    assert_eq!(
        member.post_form(&check_in, &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    app.chapter("shanghai");
    let elsewhere = app.organizer_of("shanghai").await;
    assert_eq!(
        elsewhere.post_form(&check_in, &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    // The organizer scans it: one big button, then "checked in"; a second tap says by whom.
    let organizer = app.organizer_of("beijing").await;
    let (_, html) = organizer.get_html(&path).await;
    assert!(html.contains(&format!(r#"action="{check_in}""#)));
    let res = organizer.post_form(&check_in, &[]).await;
    assert_eq!(res.location(), format!("{path}?done=checked_in"));
    let ambassador = app.signed_in_as(Role::Ambassador, "beijing").await;
    let res = ambassador.post_form(&check_in, &[]).await;
    assert_eq!(res.location(), path, "already in: no second check-in");
    let (_, html) = ambassador.get_html(&path).await;
    assert!(html.contains(r#"id="checked-in""#));
    // The ticket now says where the person stands: in, not merely "going".
    assert!(html.contains(&format!(
        r#"id="ticket-status">{}<"#,
        zh("desk.status_checked_in")
    )));
    assert_eq!(count_audit(&app, "checked_in"), 1);

    // The desk counts it.
    let (_, desk) = organizer.get_html(&format!("{EVENT}/check-in")).await;
    assert_eq!(desk_count(&desk, "count-going"), 1);
    assert_eq!(desk_count(&desk, "count-checked-in"), 1);

    // The attendee's account lists the event; the organizers' member list, sorted by events
    // attended, puts them first with 1.
    let (_, account) = member.get_html("/account").await;
    let attended = &account[account.find(r#"id="attended""#).expect("attended list")..];
    assert!(attended.contains(&format!(r#"href="{EVENT}""#)));
    let (_, list) = organizer
        .get_html("/chapters/beijing/manage/members?sort=attended")
        .await;
    let body = &list[list.find("<tbody>").unwrap()..];
    let first_row = &body[..body.find("</tr>").unwrap()];
    assert!(first_row.contains("li@example.org"), "{first_row}");
    assert!(first_row.contains(r#"<td class="attended""#) && first_row.contains(">1</td>"));
    assert!(list.contains(r#"aria-sort="descending""#));

    // Their data export holds the RSVP and its check-in.
    let export: serde_json::Value = member.get("/account/export").await.json().await.unwrap();
    let rsvp = &export["rsvps"][0];
    assert_eq!(rsvp["event"], EVENT_SLUG);
    assert_eq!(rsvp["status"], "going");
    assert!(rsvp["checked_in_at"].is_string(), "{rsvp}");
}

#[tokio::test]
async fn the_desk_pages_searches_checks_in_once_and_undoes_within_a_minute() {
    let app = spawn_app().await;
    meetup_today(&app, 30, None);
    let event = {
        let mut c = app.conn();
        let chapter = ogug::domain::chapters::find_by_slug(&mut c, "beijing").unwrap();
        ogug::domain::events::find_any(&mut c, chapter.id, EVENT_SLUG).unwrap()
    };
    for n in 0..120 {
        let id = app.create_user(
            &format!("guest{n:03}@example.org"),
            &format!("Guest {n:03}"),
            None,
            false,
        );
        ogug::domain::events::rsvp(&mut app.conn(), &event, id, true).unwrap();
    }
    diesel::update(users::table.filter(users::email.eq("guest077@example.org")))
        .set(users::organization.eq("Unique Labs"))
        .execute(&mut app.conn())
        .unwrap();
    let desk = format!("{EVENT}/check-in");
    let staff = app.signed_in_as(Role::Ambassador, "beijing").await;

    let (_, first) = staff.get_html(&desk).await;
    assert_eq!(first.matches(r#"<li id="row-"#).count(), 50);
    assert!(first.contains(r#"rel="next""#));
    let (_, last) = staff.get_html(&format!("{desk}?page=2")).await;
    assert_eq!(last.matches(r#"<li id="row-"#).count(), 20);
    assert!(!last.contains(r#"rel="next""#));

    let (_, found) = staff.get_html(&format!("{desk}?q=unique")).await;
    assert_eq!(found.matches(r#"<li id="row-"#).count(), 1);
    assert!(found.contains("Guest 077"));
    let row: i64 = rsvps::table
        .inner_join(users::table)
        .filter(users::email.eq("guest077@example.org"))
        .select(rsvps::id)
        .first(&mut app.conn())
        .unwrap();

    // Two desks tap the same row at once: one check-in, one audit row.
    let other = app.organizer_of("beijing").await;
    let tap = format!("{desk}/{row}");
    let (a, b) = tokio::join!(
        staff.post_form(&tap, &[("q", "unique"), ("page", "0")]),
        other.post_form(&tap, &[("q", "unique"), ("page", "0")]),
    );
    let mut outcomes = vec![a.location(), b.location()];
    outcomes.sort();
    assert!(outcomes[0].ends_with("done=already"), "{outcomes:?}");
    assert!(outcomes[1].ends_with("done=checked_in"), "{outcomes:?}");
    assert!(outcomes[0].contains("q=unique"), "the search is kept");
    assert_eq!(count_audit(&app, "checked_in"), 1);
    let (_, html) = staff.get_html(&desk).await;
    assert_eq!(desk_count(&html, "count-checked-in"), 1);
    assert_eq!(desk_count(&html, "count-going"), 120);

    // Undo within the minute; later it stays.
    let res = staff.post_form(&format!("{tap}/undo"), &[]).await;
    assert!(res.location().ends_with("done=undone"));
    let (_, html) = staff.get_html(&desk).await;
    assert_eq!(desk_count(&html, "count-checked-in"), 0);
    staff.post_form(&tap, &[]).await;
    diesel::update(rsvps::table.find(row))
        .set(rsvps::checked_in_at.eq(ogug::domain::now() - chrono::TimeDelta::minutes(2)))
        .execute(&mut app.conn())
        .unwrap();
    let res = staff.post_form(&format!("{tap}/undo"), &[]).await;
    assert!(res.location().ends_with("done=too_late"));

    // A row of another event is not this desk's; a member is not staff.
    assert_eq!(
        staff
            .post_form(&format!("{desk}/999999"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let member = app.signed_in_as(Role::Member, "beijing").await;
    assert_eq!(member.get(&desk).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        member.post_form(&tap, &[]).await.status(),
        StatusCode::FORBIDDEN
    );

    // The attendee CSV has the check-in time and the source.
    let csv = other
        .get(&format!("{EVENT}/attendees.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("name,email,organization,status,rsvp_at,checked_in_at,source\n"));
    let line = csv.lines().find(|l| l.contains("guest077")).unwrap();
    assert!(line.ends_with(r#","rsvp""#), "{line}");
    assert!(!line.contains(r#","","rsvp""#), "a check-in time: {line}");
}

/// The door link from the staff's door page (and the same link in its printable PNG).
async fn door_link(app: &TestApp) -> String {
    let organizer = app.organizer_of("beijing").await;
    let (status, html) = organizer.get_html(&format!("{EVENT}/door")).await;
    assert_eq!(status, StatusCode::OK);
    let start = html.find(r#"<a id="door-link" href=""#).expect("door link") + 24;
    let link = html[start..].split('"').next().unwrap().to_string();
    let png = organizer
        .get(&format!("{EVENT}/door.png"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(decode_qr(&png), link);
    link.trim_start_matches(&app.address).to_string()
}

#[tokio::test]
async fn a_room_of_150_walks_in_through_the_door_from_one_address() {
    // The production limit on the apply form: 10 a minute from one address.
    let app = spawn_app_with(Options {
        limits: Some(ogug::web::http::throttle::Limits {
            login_per_minute: 1000,
            reset_per_minute: 1000,
            apply_per_minute: 10,
        }),
        ..Options::default()
    })
    .await;
    meetup_today(&app, 15, None);
    let door = door_link(&app).await;
    assert!(door.starts_with("/door/"));

    let mut joined = Vec::new();
    for batch in 0..15 {
        let mut tasks = Vec::new();
        for i in 0..10 {
            let n = batch * 10 + i;
            let visitor = app.browser();
            let door = door.clone();
            tasks.push(async move {
                let (status, form) = visitor.get_html(&door).await;
                assert_eq!(status, StatusCode::OK);
                // "Also apply" starts unticked (issue 27): only a ticked box applies.
                assert!(form.contains(r#"name="apply" type="checkbox" value="on">"#));
                let res = visitor
                    .post_form(
                        &door,
                        &[
                            ("name", &format!("来宾{n}")),
                            ("email", &format!("walkin{n}@example.org")),
                            ("organization", "某大学"),
                            ("consent", "on"),
                            ("apply", "on"),
                        ],
                    )
                    .await;
                (res.status(), res.text().await.unwrap())
            });
        }
        joined.extend(futures_util::future::join_all(tasks).await);
    }
    for (status, html) in &joined {
        assert_eq!(*status, StatusCode::OK);
        assert!(html.contains(r#"id="walked-in""#));
    }
    let walk_ins: i64 = rsvps::table
        .filter(rsvps::source.eq("door"))
        .filter(rsvps::checked_in_at.is_not_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(walk_ins, 150);
    let from_door: i64 = applications::table
        .filter(applications::source.eq("door"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(from_door, 150, "each applied, marked as from the door");
    let confirm_mails: i64 = ogug::db::schema::outbox::table
        .filter(ogug::db::schema::outbox::idempotency_key.like("apply-confirm:%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(confirm_mails, 150, "each gets the usual confirmation email");

    // The desk sees them all; the normal apply form from that address is still limited.
    let staff = app.organizer_of("beijing").await;
    let (_, desk) = staff.get_html(&format!("{EVENT}/check-in")).await;
    assert_eq!(desk_count(&desk, "count-walk-ins"), 150);
    assert_eq!(desk_count(&desk, "count-checked-in"), 150);
    let mut refused = false;
    for n in 0..12 {
        let res = app
            .applicant("申请人", &format!("form{n}@example.org"))
            .apply("beijing")
            .await;
        refused |= res.status() == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(refused, "outside the door, the per-address limit holds");
}

#[tokio::test]
async fn door_links_that_are_forged_expired_or_full_get_a_clear_page() {
    let app = spawn_app().await;
    meetup_today(&app, 60, Some(1));
    let door = door_link(&app).await;

    let (status, html) = app.get_html("/door/0123456789abcdef0123456789abcdef").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains(zh("door.forged_title")));
    assert!(!html.contains("<form method=\"post\""));

    // Bad input: the form comes back with errors and the input kept.
    let visitor = app.browser();
    visitor.get(&door).await;
    let res = visitor
        .post_form(
            &door,
            &[
                ("name", "王五"),
                ("email", "not-an-email"),
                ("organization", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains(zh("error.walk_in_consent")));
    assert!(html.contains(r#"value="王五""#));

    // A signed-in member opening the link sees one button (a GET changes nothing); the tap
    // checks them in; a second tap says so. Members are not offered "also apply".
    let member = app.signed_in_as(Role::Member, "beijing").await;
    let (_, html) = member.get_html(&door).await;
    assert!(html.contains(r#"id="check-me-in""#) && !html.contains(zh("door.welcome")));
    assert!(
        !html.contains(r#"name="apply""#),
        "members are not asked to apply"
    );
    let res = member.post_form(&door, &[]).await;
    assert!(res.text().await.unwrap().contains(zh("door.welcome")));
    let res = member.post_form(&door, &[]).await;
    assert!(res.text().await.unwrap().contains(zh("door.already")));

    // Capacity 1, taken by the member: two more walk-ins wait on the list, then the door's
    // walk-in cap (3) is reached.
    for n in 0..2 {
        let v = app.browser();
        v.get(&door).await;
        let res = v
            .post_form(
                &door,
                &[
                    ("name", "来宾"),
                    ("email", &format!("w{n}@example.org")),
                    ("organization", "O"),
                    ("consent", "on"),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(
            html.contains(zh("door.waitlisted")),
            "the capacity holds at the door"
        );
        assert!(
            !html.contains(zh("door.applied")),
            "says only what happened"
        );
    }
    let v = app.browser();
    v.get(&door).await;
    let res = v
        .post_form(
            &door,
            &[
                ("name", "来宾"),
                ("email", "w9@example.org"),
                ("organization", "O"),
                ("consent", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains(zh("door.full")));
    // Without "apply", no application was made.
    let applied: i64 = applications::table
        .filter(applications::email.like("w%@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(applied, 0);

    // After the event (and its two hours) the link is closed.
    meetup_today(&app, -300, Some(1));
    let (status, html) = app.get_html(&door).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains(zh("door.closed_title")));
}

fn outbox_keys(app: &TestApp, prefix: &str) -> Vec<(String, String)> {
    use ogug::db::schema::outbox;
    outbox::table
        .filter(outbox::idempotency_key.like(format!("{prefix}%")))
        .order(outbox::id.asc())
        .select((outbox::to_addr, outbox::body_text))
        .load(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn reminders_go_out_once_a_day_and_two_hours_before_even_from_two_instances() {
    // The job runs here by hand (no background worker racing it).
    let app = spawn_app_with(Options {
        mail_worker: false,
        ..Options::default()
    })
    .await;
    // They answer two days ahead; a day before the start the reminders fall due.
    meetup_today(&app, 48 * 60, Some(1));
    let event_of = |app: &TestApp| {
        let mut c = app.conn();
        let chapter = ogug::domain::chapters::find_by_slug(&mut c, "beijing").unwrap();
        ogug::domain::events::find_any(&mut c, chapter.id, EVENT_SLUG).unwrap()
    };
    let event = event_of(&app);
    for (n, going) in [(1, true), (2, true), (3, false)] {
        let id = app.create_user(&format!("p{n}@example.org"), &format!("P{n}"), None, false);
        ogug::domain::events::rsvp(&mut app.conn(), &event, id, going).unwrap();
    }
    meetup_today(&app, 23 * 60, Some(1));
    let site = ogug::flows::Site::from_config(&app.config);
    let now = ogug::domain::now();
    // Two instances run the job in the same minute.
    let (a, b) = std::thread::scope(|s| {
        let run = || {
            let mut c = app.conn();
            ogug::flows::reminders::send_due(&mut c, &site, now).unwrap_or(0)
        };
        let a = s.spawn(run);
        let b = s.spawn(run);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a + b, 2, "two reminders between the two runs ({a} + {b})");
    let day = outbox_keys(&app, "reminder:24h:");
    assert_eq!(
        day.len(),
        2,
        "one each for going and waitlisted, none for 'not going'"
    );
    let going = &day.iter().find(|(to, _)| to == "p1@example.org").unwrap().1;
    assert!(
        going.contains("/tickets/"),
        "the going person's reminder has the ticket"
    );
    let waiting = &day.iter().find(|(to, _)| to == "p2@example.org").unwrap().1;
    assert!(waiting.contains(zh("email.still_waitlisted")));
    assert!(!waiting.contains("/tickets/"));
    // Later runs add nothing.
    ogug::flows::reminders::send_due(&mut app.conn(), &site, now).unwrap();
    assert_eq!(outbox_keys(&app, "reminder:").len(), 2);

    // Two hours before: the second reminder, once.
    let soon = now + chrono::TimeDelta::hours(22) + chrono::TimeDelta::minutes(30);
    ogug::flows::reminders::send_due(&mut app.conn(), &site, soon).unwrap();
    ogug::flows::reminders::send_due(&mut app.conn(), &site, soon).unwrap();
    assert_eq!(outbox_keys(&app, "reminder:2h:").len(), 2);

    // A cancelled event reminds nobody.
    let organizer = app.organizer_of("beijing").await;
    let p4 = app.create_user("p4@example.org", "P4", None, false);
    meetup_today(&app, 60, None);
    organizer
        .post_form(
            &format!("{EVENT}/cancel"),
            &[("message", "下雨"), ("confirm", "1")],
        )
        .await;
    ogug::domain::events::rsvp(&mut app.conn(), &event_of(&app), p4, true).unwrap();
    ogug::flows::reminders::send_due(&mut app.conn(), &site, ogug::domain::now()).unwrap();
    assert!(
        outbox_keys(&app, "reminder:")
            .iter()
            .all(|(to, _)| to != "p4@example.org")
    );
}

#[tokio::test]
async fn no_reminder_comes_right_after_answering_or_to_someone_already_in() {
    let app = spawn_app_with(Options {
        mail_worker: false,
        ..Options::default()
    })
    .await;
    // An hour before the start: both windows have opened.
    meetup_today(&app, 60, None);
    let event_of = |app: &TestApp| {
        let mut c = app.conn();
        let chapter = ogug::domain::chapters::find_by_slug(&mut c, "beijing").unwrap();
        ogug::domain::events::find_any(&mut c, chapter.id, EVENT_SLUG).unwrap()
    };
    let late = app.create_user("late@example.org", "Late", None, false);
    ogug::domain::events::rsvp(&mut app.conn(), &event_of(&app), late, true).unwrap();
    // Someone who answered ten hours ahead and is already in (checked in early at the desk).
    meetup_today(&app, 10 * 60, None);
    let early = app.create_user("early@example.org", "Early", None, false);
    ogug::domain::events::rsvp(&mut app.conn(), &event_of(&app), early, true).unwrap();
    diesel::update(rsvps::table.filter(rsvps::user_id.eq(early)))
        .set(rsvps::checked_in_at.eq(ogug::domain::now()))
        .execute(&mut app.conn())
        .unwrap();
    let site = ogug::flows::Site::from_config(&app.config);
    let now = ogug::domain::now();
    for at in [
        now,
        now + chrono::TimeDelta::hours(8) + chrono::TimeDelta::minutes(30),
    ] {
        ogug::flows::reminders::send_due(&mut app.conn(), &site, at).unwrap();
    }
    let sent = outbox_keys(&app, "reminder:");
    assert!(
        sent.is_empty(),
        "no reminder for a late answer or a walk-in: {sent:?}"
    );
}

#[tokio::test]
async fn a_change_of_time_or_place_is_mailed_once_with_the_new_calendar() {
    let app = spawn_app().await;
    let organizer = app.organizer_of("beijing").await;
    let path = crate::events::create(&organizer, "改期测试", "", true).await;
    app.member("fan@example.org", "beijing", Role::Member, PASSWORD);
    let fan = app.sign_in("fan@example.org", PASSWORD).await;
    fan.post_form(&format!("{path}/rsvp"), &[("going", "yes")])
        .await;
    let fields = crate::events::event_fields("改期测试", "");
    // A new title only: nothing to tell.
    let mut retitled = fields.clone();
    retitled[0] = ("title_zh", "改期测试（更新）");
    retitled[1] = ("title_en", "Moved");
    organizer
        .post_form(&format!("{path}/edit"), &retitled)
        .await;
    assert!(outbox_keys(&app, "changed:").is_empty());
    // A new venue: everyone who answered hears once, with the calendar attached.
    let mut moved = retitled.clone();
    moved[7] = ("venue", "望京");
    let res = organizer.post_form(&format!("{path}/edit"), &moved).await;
    assert!(res.status().is_redirection());
    organizer.post_form(&format!("{path}/edit"), &moved).await;
    let changed = outbox_keys(&app, "changed:");
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, "fan@example.org");
    let mail = wait_for_mail(&app, |m| m.subject.starts_with(zh("email.event_changed"))).await;
    let msg = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    let ics = msg
        .attachments()
        .find(|p| p.attachment_name() == Some("event.ics"))
        .expect("the updated .ics");
    let ics = String::from_utf8(ics.contents().to_vec()).unwrap();
    assert!(ics.contains("望京"));
    assert!(!ics.contains("SEQUENCE:0"), "the sequence rose");
}

#[tokio::test]
async fn announcements_reach_their_audience_within_a_daily_cap_and_unsubscribe_in_one_click() {
    let app = spawn_app().await;
    meetup_today(&app, 60, None);
    app.member("going@example.org", "beijing", Role::Member, PASSWORD);
    app.member("quiet@example.org", "beijing", Role::Member, PASSWORD);
    let going = app.sign_in("going@example.org", PASSWORD).await;
    going
        .post_form(&format!("{EVENT}/rsvp"), &[("going", "yes")])
        .await;
    let ambassador = app.signed_in_as(Role::Ambassador, "beijing").await;
    let form = format!("{EVENT}/announce");

    // Bad input comes back with errors and the text kept; a preview sends nothing.
    let res = ambassador
        .post_form(
            &form,
            &[("audience", "going"), ("subject", ""), ("body", "留着")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("留着"));
    let body = "**带好电脑**\n\n<script>alert(1)</script><img src=x onerror=alert(1)>";
    let fields = [
        ("audience", "going"),
        ("subject", "明天的安排"),
        ("body", body),
    ];
    let mut preview = fields.to_vec();
    preview.push(("preview", "1"));
    let (status, html) = {
        let res = ambassador.post_form(&form, &preview).await;
        (res.status(), res.text().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    // Each audience choice says how many it reaches.
    assert!(html.contains(&format!(
        r#"<span class="meta" id="reach-going">{}</span>"#,
        zh("announce.reach").replace("{n}", "1")
    )));
    let shown = &html[html.find(r#"id="preview""#).expect("a preview")..];
    let shown = &shown[..shown.find("</section>").unwrap()];
    assert!(shown.contains("<strong>带好电脑</strong>"));
    // It says how many it would reach before sending: the one person going.
    assert!(shown.contains(&zh("announce.would_reach").replace("{n}", "1")));
    assert!(
        !shown.contains("<script") && !shown.contains("onerror"),
        "{shown}"
    );
    assert!(
        html.contains("alert(1)") && !html.contains("<script>alert"),
        "the source is kept, escaped, in the form"
    );
    assert!(outbox_keys(&app, "announce:").is_empty());

    // Sent: only to the people going, with one-click unsubscribe headers.
    let res = ambassador.post_form(&form, &fields).await;
    assert!(
        res.location().starts_with(&format!("{form}?sent=1")),
        "{}",
        res.location()
    );
    let sent = outbox_keys(&app, "announce:");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "going@example.org");
    let mail = wait_for_mail(&app, |m| m.subject.contains("明天的安排")).await;
    assert!(mail.html.contains("<strong>带好电脑</strong>"));
    // The plain-text part reads as text (no Markdown marks, no script line) and links to the
    // event, not the chapter.
    assert!(mail.text.contains("带好电脑") && !mail.text.contains("**"));
    assert!(!mail.text.contains("<script") && !mail.text.contains("alert(1)"));
    assert!(mail.text.contains(&app.url(EVENT)), "{}", mail.text);
    assert!(!mail.html.contains("<script") && !mail.html.contains("onerror"));
    let msg = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    let header = |name: &str| {
        msg.header_raw(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .trim()
            .to_string()
    };
    assert_eq!(
        header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let unsubscribe = header("List-Unsubscribe");
    let url = unsubscribe.trim_start_matches('<').trim_end_matches('>');
    let path = url.trim_start_matches(&app.address).to_string();
    assert!(path.starts_with("/unsubscribe/"), "{url}");

    // Organizers write to every member; the chapter's cap (3 a day) is its own: the
    // ambassador's event message above did not use any of it (issue 27, item 10).
    let organizer = app.organizer_of("beijing").await;
    for n in 0..3 {
        let res = organizer
            .post_form(
                "/chapters/beijing/manage/announce",
                &[
                    ("audience", "members"),
                    ("subject", &format!("第{n}条")),
                    ("body", "大家好"),
                ],
            )
            .await;
        assert!(res.status().is_redirection(), "{}", res.status());
    }
    let everyone = outbox_keys(&app, "announce:").len();
    assert!(
        everyone > 4,
        "every member got the chapter-wide ones ({everyone})"
    );
    let res = organizer
        .post_form(
            "/chapters/beijing/manage/announce",
            &[
                ("audience", "members"),
                ("subject", "第四条"),
                ("body", "大家好"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().await.unwrap().contains(zh("announce.limit")));
    // ... and the organizers' three did not use up the event messages' own cap.
    for n in 0..2 {
        let mut more = fields.to_vec();
        let subject = format!("活动提醒{n}");
        more.retain(|(k, _)| *k != "subject");
        more.push(("subject", &subject));
        let res = ambassador.post_form(&form, &more).await;
        assert!(
            res.status().is_redirection(),
            "event message {n}: {}",
            res.status()
        );
    }
    assert_eq!(
        ambassador.post_form(&form, &fields).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the fourth event message today"
    );
    // An ambassador may not write to the whole chapter.
    assert_eq!(
        ambassador
            .post_form("/chapters/beijing/manage/announce", &fields)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // A mail client's one-click POST (no cookie, no token) unsubscribes.
    let res = client()
        .post(app.url(&path))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains(r#"id="unsubscribed""#));
    // RFC 8058 §3.2: the POST SHOULD be multipart/form-data; that works too (issue 27, item 7).
    let res = client()
        .post(app.url(&path))
        .multipart(reqwest::multipart::Form::new().text("List-Unsubscribe", "One-Click"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "multipart one-click");
    assert!(res.text().await.unwrap().contains(r#"id="unsubscribed""#));
    // The key is for this chapter only: the same link with another slug is not found.
    app.chapter("shanghai");
    let elsewhere = path.replace("/beijing", "/shanghai");
    assert_ne!(elsewhere, path);
    for res in [
        client().get(app.url(&elsewhere)).send().await.unwrap(),
        client()
            .post(app.url(&elsewhere))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{elsewhere}");
    }
    // The settings page shows it, and can turn it back on.
    let (_, settings) = going.get_html("/account/announcements").await;
    assert!(!settings.contains(r#"type="checkbox" value="on" checked"#));
    let before = outbox_keys(&app, "announce:").len();
    app.conn();
    diesel::delete(ogug::db::schema::announcements::table)
        .execute(&mut app.conn())
        .unwrap();
    organizer
        .post_form(
            "/chapters/beijing/manage/announce",
            &[
                ("audience", "members"),
                ("subject", "再来"),
                ("body", "大家好"),
            ],
        )
        .await;
    let after = outbox_keys(&app, "announce:");
    assert!(after.len() > before);
    assert!(
        after[before..]
            .iter()
            .all(|(to, _)| to != "going@example.org"),
        "no more announcements after unsubscribing"
    );
    let chapter_id = {
        let mut c = app.conn();
        ogug::domain::chapters::find_by_slug(&mut c, "beijing")
            .unwrap()
            .id
    };
    let res = going
        .post_form(
            "/account/announcements",
            &[(&*format!("chapter_{chapter_id}"), "on")],
        )
        .await;
    assert_eq!(res.location(), "/account/announcements?saved=1");
    let (_, settings) = going.get_html("/account/announcements").await;
    assert!(settings.contains(r#"type="checkbox" value="on" checked"#));
    // A forged key is 404; a plain POST without the one-click field still needs the form token.
    assert_eq!(
        client()
            .post(app.url("/unsubscribe/0123456789abcdef0123456789abcdef/beijing"))
            .form(&[("List-Unsubscribe", "One-Click")])
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client()
            .post(app.url(&path))
            .form(&[("x", "y")])
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn visitors_write_to_the_organizers_without_seeing_their_addresses() {
    let app = spawn_app().await;
    app.member("boss@example.org", "beijing", Role::Organizer, PASSWORD);
    let (status, page) = app.get_html("/chapters/beijing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"id="contact-link""#));
    let visitor = app.browser();
    let (_, form) = visitor.get_html("/chapters/beijing/contact").await;
    assert!(
        !form.contains("boss@example.org"),
        "organizers' addresses stay private"
    );

    let res = visitor
        .post_form(
            "/chapters/beijing/contact",
            &[("name", "访客"), ("email", "nope"), ("message", "你好")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text().await.unwrap().contains("你好"),
        "the message is kept"
    );

    let fields = [
        ("name", "访客"),
        ("email", "visitor@example.org"),
        ("message", "请问下次活动在哪里？<b>"),
    ];
    let res = visitor
        .post_form("/chapters/beijing/contact", &fields)
        .await;
    assert_eq!(res.location(), "/chapters/beijing/contact?sent=1");
    let mail = wait_for_mail(&app, |m| m.to == "boss@example.org").await;
    assert!(mail.text.contains("请问下次活动在哪里"));
    assert!(!mail.html.contains("<b>"), "escaped in the HTML part");
    let msg = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    let reply_to = msg
        .reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address());
    assert_eq!(reply_to, Some("visitor@example.org"));

    // Three an hour from one sender to one chapter; then a clear refusal.
    for _ in 0..2 {
        visitor
            .post_form("/chapters/beijing/contact", &fields)
            .await;
    }
    let res = visitor
        .post_form("/chapters/beijing/contact", &fields)
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().await.unwrap().contains(zh("contact.limit")));

    // The honeypot: a bot is told "sent", nothing is queued.
    let before = outbox_keys(&app, "contact:").len();
    let mut bot = fields.to_vec();
    bot[1] = ("email", "bot@example.org");
    bot.push(("website", "http://spam.example"));
    let res = visitor.post_form("/chapters/beijing/contact", &bot).await;
    assert!(res.status().is_redirection());
    assert_eq!(outbox_keys(&app, "contact:").len(), before);
}

fn rsvp_of(app: &TestApp, email: &str) -> Option<(String, bool)> {
    rsvps::table
        .inner_join(users::table)
        .filter(users::email.eq(email))
        .select((rsvps::status, rsvps::checked_in_at.is_not_null()))
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

/// Issue 27, item 4: the door link never acts for the owner of a typed address, a GET never
/// changes anything, the capacity holds at the door, and the desk can admit by hand.
#[tokio::test]
async fn the_door_checks_in_only_the_person_holding_the_phone() {
    let app = spawn_app().await;
    meetup_today(&app, 30, Some(1));
    let door = door_link(&app).await;

    // (a) A stranger types a registered person's address: nobody is checked in; the owner gets
    // a one-tap link, in their own language.
    let owner = app.create_user("owner@example.org", "Owner", Some(PASSWORD), false);
    diesel::update(users::table.filter(users::id.eq(owner)))
        .set(users::locale.eq("en"))
        .execute(&mut app.conn())
        .unwrap();
    let stranger = app.browser();
    let res = stranger.get(&door).await;
    assert_eq!(
        res.headers().get("cache-control").unwrap(),
        "no-store",
        "the door page is never cached"
    );
    let res = stranger
        .post_form(
            &door,
            &[
                ("name", "冒名者"),
                ("email", "owner@example.org"),
                ("organization", "O"),
                ("consent", "on"),
                ("apply", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"id="door-link-sent""#),
        "the page says a link was emailed"
    );
    assert!(!html.contains(r#"id="walked-in""#) && !html.contains(r#"id="door-applied""#));
    assert_eq!(
        rsvp_of(&app, "owner@example.org"),
        None,
        "not checked in, no RSVP"
    );
    let applied: i64 = applications::table
        .filter(applications::email.eq("owner@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(applied, 0, "nothing applied in the owner's name");
    let mail = wait_for_mail(&app, |m| m.to == "owner@example.org").await;
    assert!(mail.subject.contains("check-in link"), "{}", mail.subject);
    let link = app.mail().link_to(&format!("{door}/check-in/")).await;

    // The link's page only shows a button; the tap checks the owner in; a second use is gone.
    let phone = app.browser();
    let (status, page) = phone.get_html(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"id="check-me-in""#) && page.contains("Owner"));
    assert_eq!(
        rsvp_of(&app, "owner@example.org"),
        None,
        "a GET changes nothing"
    );
    let res = phone.post_form(&link, &[]).await;
    assert!(res.text().await.unwrap().contains(r#"id="walked-in""#));
    assert_eq!(
        rsvp_of(&app, "owner@example.org"),
        Some(("going".into(), true))
    );
    let res = phone.post_form(&link, &[]).await;
    assert_eq!(res.status(), StatusCode::GONE, "the link is used up");

    // (b) The event is now full (capacity 1). A waitlisted member opening the link changes
    // nothing; tapping keeps them on the waitlist, not checked in.
    let waiting_email = "waiting@example.org".to_string();
    app.member(&waiting_email, "beijing", Role::Member, PASSWORD);
    let waiting = app.sign_in(&waiting_email, PASSWORD).await;
    let res = waiting
        .post_form(&format!("{EVENT}/rsvp"), &[("going", "yes")])
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(
        rsvp_of(&app, &waiting_email),
        Some(("waitlisted".into(), false))
    );
    waiting.get_html(&door).await;
    assert_eq!(
        rsvp_of(&app, &waiting_email),
        Some(("waitlisted".into(), false))
    );
    let res = waiting.post_form(&door, &[]).await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(r#"id="door-waitlisted""#)
    );
    assert_eq!(
        rsvp_of(&app, &waiting_email),
        Some(("waitlisted".into(), false))
    );
    // A member of another chapter who opens the link gets no RSVP.
    app.chapter("shanghai");
    let elsewhere = app.signed_in_as(Role::Member, "shanghai").await;
    let (status, html) = elsewhere.get_html(&door).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"name="apply""#),
        "a non-member is offered to apply, unticked"
    );
    let rsvps_now: i64 = rsvps::table.count().get_result(&mut app.conn()).unwrap();
    elsewhere.get_html(&door).await;
    let after: i64 = rsvps::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(rsvps_now, after);

    // The desk admits the waitlisted member by hand: they are in, and going.
    let staff = app.organizer_of("beijing").await;
    let id: i64 = rsvps::table
        .inner_join(users::table)
        .filter(users::email.eq(&waiting_email))
        .select(rsvps::id)
        .first(&mut app.conn())
        .unwrap();
    let res = staff
        .post_form(&format!("{EVENT}/check-in/{id}"), &[])
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(rsvp_of(&app, &waiting_email), Some(("going".into(), true)));
}

/// Issue 27, item 13: a ticket whose holder answered "not going" shows the status and asks
/// before checking them in.
#[tokio::test]
async fn a_ticket_of_someone_not_going_asks_before_checking_in() {
    let app = spawn_app().await;
    meetup_today(&app, 60, None);
    app.member("maybe@example.org", "beijing", Role::Member, PASSWORD);
    let member = app.sign_in("maybe@example.org", PASSWORD).await;
    member
        .post_form(&format!("{EVENT}/rsvp"), &[("going", "yes")])
        .await;
    let path = app.mail().link_to("/tickets/").await;
    member
        .post_form(&format!("{EVENT}/rsvp"), &[("going", "no")])
        .await;
    assert_eq!(
        rsvp_of(&app, "maybe@example.org"),
        Some(("not_going".into(), false))
    );

    let staff = app.organizer_of("beijing").await;
    let (_, html) = staff.get_html(&path).await;
    assert!(
        html.contains(r#"id="not-going""#),
        "the status is shown and asked about"
    );
    assert!(html.contains(zh("ticket.check_in_anyway")));
    // A tap that did not confirm (an old page) checks nobody in.
    let res = staff.post_form(&format!("{path}/check-in"), &[]).await;
    assert_eq!(res.location(), path);
    assert_eq!(
        rsvp_of(&app, "maybe@example.org"),
        Some(("not_going".into(), false))
    );
    let res = staff
        .post_form(&format!("{path}/check-in"), &[("confirm", "1")])
        .await;
    assert!(res.status().is_redirection());
    assert_eq!(
        rsvp_of(&app, "maybe@example.org"),
        Some(("going".into(), true))
    );
}
