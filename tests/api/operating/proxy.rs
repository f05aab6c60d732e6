//! Real clients (issue 15): behind a reverse proxy every visitor keeps their own address, and
//! an address cannot be mail-bombed through the forms.

use crate::helpers::*;
use diesel::prelude::*;
use ogug::db::schema::{audit_log, outbox};
use reqwest::StatusCode;

fn limits(apply_per_minute: u32) -> Option<ogug::web::http::throttle::Limits> {
    Some(ogug::web::http::throttle::Limits {
        login_per_minute: 1000,
        reset_per_minute: 1000,
        apply_per_minute,
    })
}

/// Applies as `email` through a proxy that says the client is `forwarded_for`.
async fn apply_via(app: &TestApp, forwarded_for: &str, email: &str) -> reqwest::Response {
    let b = app.browser();
    let token = b.csrf().await;
    b.client
        .post(b.url("/chapters/beijing/apply"))
        .header("X-Forwarded-For", forwarded_for)
        .form(&[
            ("name", "申请人"),
            ("email", email),
            ("organization", "某公司"),
            ("desired_role", "member"),
            ("motivation", "交流"),
            ("consent", "on"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap()
}

fn audit_ips(app: &TestApp) -> Vec<String> {
    audit_log::table
        .filter(audit_log::action.eq("application_submitted"))
        .order(audit_log::id)
        .select(audit_log::ip)
        .load(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_visitor_has_their_own_limit_and_address() {
    let app = spawn_app_with(Options {
        trusted_proxies: "127.0.0.1, ::1",
        limits: limits(2),
        ..Options::default()
    })
    .await;
    // Two visitors behind the proxy: each gets their own per-address limit.
    for (visitor, n) in [("203.0.113.7", 1), ("2001:db8::9", 2)] {
        for i in 0..2 {
            let res = apply_via(&app, visitor, &format!("v{n}-{i}@example.org")).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{visitor} #{i}");
        }
    }
    let res = apply_via(&app, "203.0.113.7", "v1-3@example.org").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // A forged entry left of the proxy's own does not make a new visitor.
    let res = apply_via(&app, "198.51.100.1, 203.0.113.7", "v1-4@example.org").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let ips = audit_ips(&app);
    assert_eq!(
        ips,
        ["203.0.113.7", "203.0.113.7", "2001:db8::9", "2001:db8::9"],
        "the audit log records the visitor, not the proxy"
    );
}

#[tokio::test]
async fn an_untrusted_peer_cannot_choose_its_address() {
    let app = spawn_app_with(Options {
        limits: limits(2),
        ..Options::default()
    })
    .await;
    for (i, forged) in ["1.1.1.1", "2.2.2.2"].iter().enumerate() {
        let res = apply_via(&app, forged, &format!("f{i}@example.org")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = apply_via(&app, "3.3.3.3", "f3@example.org").await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "still one address"
    );
    assert!(audit_ips(&app).iter().all(|ip| ip == "127.0.0.1"));
}

#[tokio::test]
async fn unparsable_hops_are_passed_over_and_never_make_the_proxy_the_client() {
    let app = spawn_app_with(Options {
        trusted_proxies: "127.0.0.1",
        ..Options::default()
    })
    .await;
    let mut long = vec!["198.51.100.1"; 32];
    long.push("203.0.113.53");
    let long = long.join(", ");
    let cases = [
        ("garbage, 203.0.113.50", "203.0.113.50"),
        ("unknown, 203.0.113.51", "203.0.113.51"),
        ("a,,b, 203.0.113.52", "203.0.113.52"),
        ("203.0.113.54, not-an-ip", "203.0.113.54"),
        (long.as_str(), "203.0.113.53"),
        // Nothing in the chain parses: only then the peer.
        ("garbage", "127.0.0.1"),
        (",,,", "127.0.0.1"),
        ("999.1.1.1", "127.0.0.1"),
    ];
    for (i, (value, _)) in cases.iter().enumerate() {
        let res = apply_via(&app, value, &format!("g{i}@example.org")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{value:.40}");
    }
    let expected: Vec<&str> = cases.iter().map(|(_, client)| *client).collect();
    assert_eq!(audit_ips(&app), expected);
    let res = app
        .browser()
        .client
        .get(app.url("/"))
        .header("Forwarded", "for=\"[::1\";by=;;;")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

fn emails_to(app: &TestApp, address: &str) -> i64 {
    outbox::table
        .filter(outbox::to_addr.eq(address))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

#[tokio::test]
async fn an_address_gets_at_most_three_unsolicited_emails_an_hour() {
    let app = spawn_app().await;
    let victim = "victim@example.org";
    let mut pages = std::collections::HashSet::new();
    for i in 0..50 {
        // From 50 addresses: the per-address form limit does not help here.
        let res = apply_via(&app, &format!("203.0.113.{i}"), victim).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        pages.insert(res.location());
    }
    assert_eq!(pages.len(), 1, "the visitor always sees the same page");
    assert_eq!(emails_to(&app, victim), 3);
    assert_eq!(ogug::mail::caps::held_back(&mut app.conn()).unwrap(), 47);
    // Reset links count against the same cap.
    app.create_user("member@example.org", "M", Some(PASSWORD), false);
    for _ in 0..5 {
        app.browser()
            .post_form("/account/reset", &[("email", "member@example.org")])
            .await;
    }
    assert_eq!(emails_to(&app, "member@example.org"), 3);
}

#[tokio::test]
async fn a_site_wide_budget_bounds_emails_to_unconfirmed_addresses() {
    let app = spawn_app_with(Options {
        unconfirmed_mail_per_hour: 2,
        ..Options::default()
    })
    .await;
    for i in 0..5 {
        apply_via(&app, "203.0.113.1", &format!("new{i}@example.org")).await;
    }
    let sent: i64 = outbox::table
        .filter(outbox::idempotency_key.like("apply-confirm:%"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(sent, 2);
    // An address with an account is not held by the budget.
    app.create_user("known@example.org", "K", Some(PASSWORD), false);
    app.browser()
        .post_form("/account/reset", &[("email", "known@example.org")])
        .await;
    assert_eq!(emails_to(&app, "known@example.org"), 1);
}
