//! Guests register for a meetup without joining (issue 30): the form, the emailed link, the
//! ticket, the waitlist, cancelling, and what must not work.

use super::{PW, create};
use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{applications, registrations, rsvps, users};
use ogug::domain::memberships::Role;
use reqwest::StatusCode;

fn guest_fields<'a>(name: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("email", email),
        ("organization", "某大学"),
        ("consent", "on"),
    ]
}

fn rsvp_status(app: &TestApp, email: &str) -> Option<String> {
    rsvps::table
        .inner_join(users::table)
        .filter(users::email.eq(email))
        .select(rsvps::status)
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

/// Registers `email` as a signed-out guest and follows the emailed link; the response of the
/// confirmation POST.
async fn register_and_confirm(
    app: &TestApp,
    path: &str,
    name: &str,
    email: &str,
) -> reqwest::Response {
    let b = app.browser();
    let res = b
        .post_form(&format!("{path}/register"), &guest_fields(name, email))
        .await;
    assert_redirect_to(&res, &format!("{path}/register/sent"));
    let mail = wait_for_mail(app, |m| {
        m.to == email && m.text.contains("/registrations/confirm/")
    })
    .await;
    let link = link_in(&mail.text, &app.url("/registrations/confirm/"));
    let link = link.trim_start_matches(&app.address).to_string();
    let (status, page) = b.get_html(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"id="confirm-registration""#));
    b.post_form(&link, &[]).await
}

#[tokio::test]
async fn a_guest_registers_confirms_gets_a_ticket_and_gives_the_seat_to_the_waitlist() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let org = app.sign_in("org@example.org", PW).await;
    let path = create(&org, "来宾也能报名", "1", true).await;

    // Signed out, the event page offers the form (no account, no membership).
    let (_, page) = app.get_html(&path).await;
    assert!(page.contains(r#"id="register""#) && page.contains(r#"name="also_apply""#));
    // Bad input: field errors, the input kept, nothing stored.
    let b = app.browser();
    let res = b
        .post_form(
            &format!("{path}/register"),
            &[("name", "韩梅梅"), ("email", "not an address")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"value="韩梅梅""#));
    assert!(
        html.contains(zh("error.email_invalid")) && html.contains(zh("error.consent_required"))
    );
    let kept: i64 = registrations::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(kept, 0);

    // The first guest: a seat and a ticket (QR code in the email), nothing before the link.
    let b = app.browser();
    let res = b
        .post_form(
            &format!("{path}/register"),
            &guest_fields("韩梅梅", "hmm@example.org"),
        )
        .await;
    assert_redirect_to(&res, &format!("{path}/register/sent"));
    let (_, sent) = b.get_html(&res.location()).await;
    assert!(sent.contains(r#"<strong id="sent-to">hmm@example.org</strong>"#));
    assert_eq!(
        rsvp_status(&app, "hmm@example.org"),
        None,
        "nothing until the link"
    );
    let mail = wait_for_mail(&app, |m| m.to == "hmm@example.org").await;
    let link = link_in(&mail.text, &app.url("/registrations/confirm/"));
    let link = link.trim_start_matches(&app.address).to_string();
    let res = b.post_form(&link, &[]).await;
    let ticket = res.location();
    assert!(
        ticket.starts_with("/tickets/") && ticket.ends_with("?done=registered"),
        "{ticket}"
    );
    assert_eq!(
        rsvp_status(&app, "hmm@example.org").as_deref(),
        Some("going")
    );
    let ticket_mail = wait_for_mail(&app, |m| {
        m.to == "hmm@example.org" && m.text.contains("/tickets/")
    })
    .await;
    assert!(
        ticket_mail.raw.contains("image/png"),
        "the ticket's QR code"
    );
    // It offers an account, never requires one.
    assert!(ticket_mail.text.contains(&format!(
        "{} {}",
        zh("guest.make_account"),
        app.url("/account/new")
    )));
    let (_, ticket_page) = b.get_html(&ticket).await;
    assert!(ticket_page.contains(zh("guest.registered")));
    assert!(
        ticket_page.contains(r#"id="ticket-cancel""#)
            && ticket_page.contains(r#"id="make-account""#)
    );
    // The link again: the same ticket, no second seat.
    let again = b.post_form(&link, &[]).await;
    assert_eq!(again.location(), ticket);
    let seats: i64 = rsvps::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(seats, 1);
    // A forged link is gone.
    let (status, _) = b.get_html("/registrations/confirm/forged").await;
    assert_eq!(status, StatusCode::GONE);

    // The second guest: the event is full, said plainly; they wait.
    let res = register_and_confirm(&app, &path, "李雷", "lilei@example.org").await;
    assert_eq!(res.location(), format!("{path}?done=waitlisted"));
    let (_, full) = app.get_html(&res.location()).await;
    assert!(full.contains(zh("event.done_waitlisted")));
    assert_eq!(
        rsvp_status(&app, "lilei@example.org").as_deref(),
        Some("waitlisted")
    );

    // The first cancels from the ticket (asked first): the second moves up and is told.
    let ticket_path = ticket.split('?').next().unwrap();
    let ask = b.post_form(&format!("{ticket_path}/cancel"), &[]).await;
    assert_eq!(ask.status(), StatusCode::OK);
    assert_eq!(
        rsvp_status(&app, "hmm@example.org").as_deref(),
        Some("going"),
        "asking changes nothing"
    );
    let res = b
        .post_form(&format!("{ticket_path}/cancel"), &[("confirm", "1")])
        .await;
    assert_redirect_to(&res, &format!("{ticket_path}?done=cancelled"));
    assert_eq!(
        rsvp_status(&app, "hmm@example.org").as_deref(),
        Some("not_going")
    );
    assert_eq!(
        rsvp_status(&app, "lilei@example.org").as_deref(),
        Some("going")
    );
    wait_for_mail(&app, |m| {
        m.to == "lilei@example.org" && m.text.contains("/tickets/")
    })
    .await;

    // The desk and the attendee list treat guests like members.
    let (_, csv) = org.get_html(&format!("{path}/attendees.csv")).await;
    assert!(csv.contains("lilei@example.org"));
    let made_up = app
        .browser()
        .post_form("/tickets/made-up/cancel", &[])
        .await;
    assert_eq!(made_up.status(), StatusCode::NOT_FOUND);
}

/// An address with an account gets the same page and a link too, with the way to sign in
/// instead; "also apply" sends one email and makes two things: the seat and an application
/// waiting for review.
#[tokio::test]
async fn known_addresses_are_not_revealed_and_also_apply_makes_an_application() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    app.member("member@example.org", "beijing", Role::Member, PW);
    let org = app.sign_in("org@example.org", PW).await;
    let path = create(&org, "开放报名", "", true).await;
    let b = app.browser();
    let res = b
        .post_form(
            &format!("{path}/register"),
            &guest_fields("成员", "member@example.org"),
        )
        .await;
    assert_redirect_to(&res, &format!("{path}/register/sent"));
    let mail = wait_for_mail(&app, |m| {
        m.to == "member@example.org" && m.text.contains("/registrations/confirm/")
    })
    .await;
    assert!(mail.text.contains(zh("email.guest_confirm.has_account")));
    assert!(mail.text.contains(&app.url("/login")));
    // A new address gets no such line.
    let mut fields = guest_fields("新朋友", "new@example.org");
    fields.push(("also_apply", "on"));
    let res = b.post_form(&format!("{path}/register"), &fields).await;
    assert!(res.status().is_redirection());
    let new = wait_for_mail(&app, |m| m.to == "new@example.org").await;
    assert!(!new.text.contains(zh("email.guest_confirm.has_account")));
    assert!(new.text.contains(zh("email.guest_confirm.also_apply")));
    let link = link_in(&new.text, &app.url("/registrations/confirm/"));
    let res = b
        .post_form(link.trim_start_matches(&app.address), &[])
        .await;
    assert!(res.location().starts_with("/tickets/"));
    let status: String = applications::table
        .filter(applications::email.eq("new@example.org"))
        .select(applications::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        status, "pending",
        "the link proved the address: straight to review"
    );
    let confirmations = app
        .smtp
        .received()
        .iter()
        .map(parse)
        .filter(|m| m.to == "new@example.org" && m.text.contains("/applications/confirm/"))
        .count();
    assert_eq!(confirmations, 0, "one submission, one confirmation email");
}

/// Organizers choose when registration opens and closes: before, the page says when it opens
/// and nobody can register; after, it says it is closed (a late form gets a clear 409); a
/// window that closes before it opens is a field error.
#[tokio::test]
async fn registration_opens_and_closes_when_the_organizers_say() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    app.member("fan@example.org", "beijing", Role::Member, PW);
    let org = app.sign_in("org@example.org", PW).await;
    let mut fields = super::event_fields("报名时间有限", "");
    fields.push(("registration_opens_local", "2031-05-20T09:00"));
    fields.push(("registration_closes_local", "2031-05-19T09:00"));
    let res = org.post_form("/chapters/beijing/events", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains(zh("error.registration_window"))
    );

    // Opens in 2031: not yet.
    fields.retain(|(k, _)| !k.starts_with("registration_"));
    fields.push(("registration_opens_local", "2031-05-20T09:00"));
    let res = org.post_form("/chapters/beijing/events", &fields).await;
    assert!(res.status().is_redirection());
    let path = res.location().split('?').next().unwrap().to_string();
    org.post_form(&format!("{path}/publish"), &[("confirm", "1")])
        .await;
    let (_, page) = app.get_html(&path).await;
    assert!(page.contains(r#"id="registration-window""#) && page.contains("2031"));
    assert!(
        !page.contains(r#"id="register""#),
        "no form before it opens"
    );
    let res = app
        .browser()
        .post_form(
            &format!("{path}/register"),
            &guest_fields("早到", "early@example.org"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let fan = app.sign_in("fan@example.org", PW).await;
    let res = fan
        .post_form(&format!("{path}/rsvp"), &[("going", "yes")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // Closed since 2021: the page says so.
    diesel::update(ogug::db::schema::events::table)
        .filter(ogug::db::schema::events::title_zh.eq("报名时间有限"))
        .set((
            ogug::db::schema::events::registration_opens_at.eq(None::<chrono::NaiveDateTime>),
            ogug::db::schema::events::registration_closes_at.eq(Some(
                chrono::NaiveDate::from_ymd_opt(2021, 1, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
            )),
        ))
        .execute(&mut app.conn())
        .unwrap();
    // Direct changes bypass the kept pages: start a new request cycle after the TTL.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (_, page) = app.get_html(&path).await;
    assert!(page.contains(zh("event.registration_closed")), "{page}");
    let res = app
        .browser()
        .post_form(
            &format!("{path}/register"),
            &guest_fields("迟到", "late@example.org"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

/// A flood of registrations for one address: the page answers the same every time, the
/// address's hourly cap (3 unsolicited emails) bounds what it receives, and the form's
/// per-client throttle still stands behind it.
#[tokio::test]
async fn a_flood_for_one_address_sends_at_most_its_cap() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let org = app.sign_in("org@example.org", PW).await;
    let path = create(&org, "防刷", "", true).await;
    for _ in 0..6 {
        let res = app
            .browser()
            .post_form(
                &format!("{path}/register"),
                &guest_fields("刷", "victim@example.org"),
            )
            .await;
        assert_redirect_to(&res, &format!("{path}/register/sent"));
    }
    let queued: i64 = ogug::db::schema::outbox::table
        .filter(ogug::db::schema::outbox::to_addr.eq("victim@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(queued, 3, "the per-address cap");
}
