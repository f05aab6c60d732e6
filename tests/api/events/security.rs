//! Events against hostile input: calendar lines, Markdown, years, and the waitlist's order.
//! (Regression tests for the findings of the outside probe of issue 13.)

use crate::events::{PW, create, event_fields};
use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{chapters, events, outbox, rsvps};
use ogug::domain::memberships::Role;
use reqwest::StatusCode;
use std::time::Duration;

// 1. iCalendar injection -----------------------------------------------------------------------

#[tokio::test]
async fn stored_text_cannot_forge_calendar_lines() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let path = create(&org, "日历注入", "", true).await;
    let forged = "X\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@x\r\nSUMMARY:forged";
    // Rows written before validation refused control characters (the form refuses them now,
    // see the next test): the feeds must still escape them.
    diesel::update(events::table)
        .set((events::title_zh.eq(forged), events::venue.eq("A\rB;C,D")))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(chapters::table.filter(chapters::slug.eq("beijing")))
        .set(chapters::name_zh.eq("北京\r\nX-EVIL:1\r\nBEGIN:VEVENT"))
        .execute(&mut app.conn())
        .unwrap();
    let published: i64 = events::table
        .filter(events::status.eq("published"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    for feed in [
        "/chapters/beijing/events.ics".to_string(),
        format!("{path}/event.ics"),
        "/events.ics".to_string(),
    ] {
        let body = app.get(&feed).await.text().await.unwrap();
        let lines: Vec<&str> = body.split("\r\n").collect();
        assert!(
            !lines.iter().any(|l| l.starts_with("UID:evil")
                || l.starts_with("X-EVIL")
                || l.starts_with("SUMMARY:forged")),
            "{feed}: {body}"
        );
        assert!(!body.replace("\r\n", "").contains('\r'), "no lone CR");
        let want = if feed.ends_with("event.ics") {
            1
        } else {
            published as usize
        };
        assert_eq!(
            lines.iter().filter(|l| **l == "BEGIN:VEVENT").count(),
            want,
            "{feed}"
        );
        let calendar: icalendar::Calendar = body.parse().unwrap();
        assert_eq!(calendar.components.len(), want);
        if !feed.ends_with("event.ics") && feed.starts_with("/chapters") {
            assert!(body.contains("NAME;VALUE=TEXT:oGUG 北京\\nX-EVIL:1\\nBEGIN:VEVENT"));
            assert_eq!(
                calendar.get_name(),
                Some("oGUG 北京\nX-EVIL:1\nBEGIN:VEVENT")
            );
        }
        assert!(body.contains("LOCATION:A\\nB\\;C\\,D"), "{body}");
    }
}

// 8. Waitlist order and people who leave -----------------------------------------------------

fn rsvp_of(app: &TestApp, user: UserId) -> String {
    rsvps::table
        .filter(rsvps::user_id.eq(user))
        .select(rsvps::status)
        .first(&mut app.conn())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_waitlist_keeps_its_order_and_people_leaving_free_their_seats() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let path = create(&org, "一个座位", "1", true).await;
    let mut people = Vec::new();
    for email in ["u1@example.org", "u2@example.org", "u3@example.org"] {
        let id = app.member(email, "beijing", Role::Member, PW);
        people.push((id, app.sign_in(email, PW).await));
    }
    let rsvp = |i: usize, going: &'static str| {
        let b = people[i].1.clone();
        let path = path.clone();
        async move {
            let res = b
                .post_form(&format!("{path}/rsvp"), &[("going", going)])
                .await;
            assert!(res.status().is_redirection(), "{}", res.status());
        }
    };
    let (u1, u2, u3) = (people[0].0, people[1].0, people[2].0);
    rsvp(0, "yes").await; // u1 takes the seat
    rsvp(1, "no").await; // u2 answers "no" first…
    rsvp(2, "yes").await; // …u3 joins the waitlist…
    tokio::time::sleep(Duration::from_millis(5)).await;
    rsvp(1, "yes").await; // …and u2 joins it after u3.
    assert_eq!(rsvp_of(&app, u2), "waitlisted");
    rsvp(0, "no").await;
    assert_eq!(
        rsvp_of(&app, u3),
        "going",
        "the earlier waitlister is promoted"
    );
    assert_eq!(rsvp_of(&app, u2), "waitlisted");
    rsvp(0, "yes").await; // u1 back on the waitlist, after u2

    // Removing a member frees their seat: u2 is promoted and told.
    let res = org
        .post_form(
            &format!("/chapters/beijing/manage/members/{u3}/remove"),
            &[("reason", ""), ("confirm", "1")],
        )
        .await;
    assert!(res.status().is_redirection());
    assert_eq!(rsvp_of(&app, u3), "not_going");
    assert_eq!(rsvp_of(&app, u2), "going");
    let promoted: i64 = outbox::table
        .filter(outbox::idempotency_key.like(format!("rsvp-promoted:%:{u2}:%")))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(promoted, 1);

    // Deleting the account frees it too: u1 is promoted.
    let res = people[1]
        .1
        .post_form("/account/delete", &[("confirm_email", "u2@example.org")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(rsvp_of(&app, u1), "going");

    // And leaving the chapter: the seat is free again.
    let res = people[0].1.post_form("/chapters/beijing/leave", &[]).await;
    assert!(res.status().is_redirection());
    assert_eq!(rsvp_of(&app, u1), "not_going");
    let going: i64 = rsvps::table
        .filter(rsvps::status.eq("going"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(going, 0);
}

// 9. Render amplification --------------------------------------------------------------------

#[tokio::test]
async fn markdown_is_bounded_and_rendered_when_saved() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    let profile = |description: String| {
        let org = org.clone();
        async move {
            org.post_form(
                "/chapters/beijing/manage/profile",
                &[
                    ("name_zh", "北京用户组"),
                    ("name_en", "Beijing User Group"),
                    ("city", "北京"),
                    ("time_zone", "Asia/Shanghai"),
                    ("description", &description),
                ],
            )
            .await
        }
    };
    for (source, key) in [
        (">".repeat(20_000), "error.markdown_too_deep"),
        ("长".repeat(7_000), "error.too_long"),
    ] {
        let res = profile(source).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains(zh(key)), "{key}");
    }
    let res = profile("**第一版**".into()).await;
    assert!(res.status().is_redirection() || res.status() == StatusCode::OK);
    let stored: Option<String> = chapters::table
        .filter(chapters::slug.eq("beijing"))
        .select(chapters::description_html)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored.as_deref(), Some("<p><strong>第一版</strong></p>\n"));
    // Stored HTML follows its source.
    profile("*第二版*".into()).await;
    let (_, html) = app.get_html("/chapters/beijing?fresh=1").await;
    assert!(html.contains("<em>第二版</em>"));
    assert!(!html.contains("第一版"));

    // A row from before (no stored HTML) is rendered on the fly, then by the start-up job.
    diesel::update(events::table)
        .set((
            events::body.eq("**旧行**"),
            events::body_html.eq(None::<String>),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let page = format!(
        "/chapters/beijing/events/{}?fresh=2",
        ogug::domain::demo::EVENT_SLUG
    );
    assert!(
        app.get_html(&page)
            .await
            .1
            .contains("<strong>旧行</strong>")
    );
    assert_eq!(
        ogug::domain::markdown::render_missing(&mut app.conn()).unwrap(),
        1
    );
    let body_html: Option<String> = events::table
        .select(events::body_html)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(body_html.as_deref(), Some("<p><strong>旧行</strong></p>\n"));
}

// 12. Out-of-range dates ---------------------------------------------------------------------

#[tokio::test]
async fn event_years_outside_2000_to_2100_get_a_field_error() {
    let app = spawn_app().await;
    let org = app.organizer_of("beijing").await;
    for (start, key) in [
        ("10000-01-01T10:00", "error.datetime_range"),
        ("1999-12-31T10:00", "error.datetime_range"),
        ("2101-01-01T10:00", "error.datetime_range"),
        ("-0001-01-01T10:00", "error.datetime_range"),
        ("2031-13-01T10:00", "error.datetime_invalid"),
    ] {
        let mut fields = event_fields("年份", "");
        fields.retain(|(k, _)| *k != "starts_local");
        fields.push(("starts_local", start));
        let res = org.post_form("/chapters/beijing/events", &fields).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{start}");
        let html = res.text().await.unwrap();
        assert!(html.contains(zh(key)), "{start}");
        assert!(html.contains(start), "{start}: input kept");
    }
    let mut fields = event_fields("年份", "");
    fields.retain(|(k, _)| !k.ends_with("_local"));
    fields.extend([
        ("starts_local", "2100-12-31T10:00"),
        ("ends_local", "2100-12-31T12:00"),
    ]);
    let res = org.post_form("/chapters/beijing/events", &fields).await;
    assert!(res.status().is_redirection(), "2100 is accepted");
}
