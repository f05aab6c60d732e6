//! DESIGN.md section 4 as one table over HTTP: every route of the app (walked from the router's
//! own registry, `ogug::web::ROUTES`) × every kind of person. A route added without a row here
//! fails this test.

use crate::helpers::*;
use diesel::prelude::*;
use ogug::domain::memberships::Role;
use reqwest::StatusCode;

const PW: &str = "matrix passphrase 2021";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Member,
    Ambassador,
    Organizer,
    OtherOrganizer,
    SiteAdmin,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::Member,
    Who::Ambassador,
    Who::Organizer,
    Who::OtherOrganizer,
    Who::SiteAdmin,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exp {
    Ok,
    /// A redirect, but not to sign in.
    Redirect,
    Login,
    Forbidden,
    NotFound,
    Gone,
    BadRequest,
    Unauthorized,
    Conflict,
    /// 422: a form that came back with field errors.
    Invalid,
}

/// The table. `None`: the route has no row (the test fails).
fn expect(path: &str, method: &str, who: Who) -> Option<Exp> {
    use Exp::*;
    use Who::*;
    let signed_in = who != Anonymous;
    let organizer = matches!(who, Organizer | SiteAdmin);
    let member = matches!(who, Member | Ambassador | Organizer | SiteAdmin);
    let admin = who == SiteAdmin;
    let gate = |allowed: bool, then: Exp| {
        if who == Anonymous {
            Login
        } else if allowed {
            then
        } else {
            Forbidden
        }
    };
    Some(match (method, path) {
        // Public pages.
        (
            "GET",
            "/"
            | "/healthz"
            | "/readyz"
            | "/static/app.css"
            | "/chapters"
            | "/chapters/{slug}"
            | "/chapters/{slug}/events/{event_slug}",
        )
        | (
            "GET",
            "/chapters/{slug}/qr.svg"
            | "/chapters/{slug}/qr.png"
            | "/chapters/{slug}/share.png"
            | "/chapters/{slug}/events/{event_slug}/share.png"
            | "/favicon.ico"
            | "/apple-touch-icon.png"
            | "/static/icon-512.png"
            | "/static/icon.svg"
            | "/manifest.webmanifest"
            | "/chapters/{slug}/apply"
            | "/chapters/{slug}/apply/sent"
            | "/account/reset",
        ) => Ok,
        // An empty form re-renders with field errors, for anyone.
        ("POST", "/chapters/{slug}/apply" | "/account/reset") => Ok,
        // Getting an account by email: signed-in people go to theirs; an empty form comes
        // back with its errors, for anyone.
        ("GET", "/account/new") => {
            if signed_in {
                Redirect
            } else {
                Ok
            }
        }
        ("POST", "/account/new") => Invalid,
        // The fingerprinted stylesheet: the walk's made-up name is not hex (the real one is
        // tested in `pages::shared_links_…`).
        ("GET", "/static/app.{hash}.css") => BadRequest,
        // "Send it again": the same answer for anyone (back to the page).
        ("POST", "/chapters/{slug}/apply/sent") => Redirect,
        // Anyone may write to the organizers (an empty message comes back with errors).
        ("GET", "/chapters/{slug}/contact") => Ok,
        ("POST", "/chapters/{slug}/contact") => Invalid,
        // Links from emails: a wrong token is gone, whoever asks.
        (
            "GET" | "POST",
            "/applications/confirm/{token}"
            | "/account/activate/{token}"
            | "/account/reset/{token}",
        ) => Gone,
        ("GET", "/applications/status/{token}") => Gone,
        ("POST", "/applications/status/{token}") => BadRequest,
        ("GET", "/login") => {
            if signed_in {
                Redirect
            } else {
                Ok
            }
        }
        ("POST", "/login") => Unauthorized,
        ("POST", "/logout") => Redirect,
        // The account's own pages.
        (
            "GET",
            "/account" | "/account/settings" | "/account/password" | "/account/export"
            | "/account/delete",
        ) => gate(true, Ok),
        ("POST", "/account/settings" | "/account/password" | "/account/delete") => gate(true, Ok),
        // Members.
        ("GET", "/chapters/{slug}/members") => gate(member, Ok),
        ("POST", "/chapters/{slug}/leave") => match who {
            Anonymous => Login,
            OtherOrganizer => Forbidden,
            SiteAdmin => NotFound, // allowed, but not a member to begin with
            _ => Redirect,
        },
        // Organizers of this chapter (and site admins).
        (
            "GET",
            "/chapters/{slug}/manage/members"
            | "/chapters/{slug}/manage/applications"
            | "/chapters/{slug}/manage/applications/{id}",
        )
        | ("GET", "/chapters/{slug}/manage/profile" | "/chapters/{slug}/manage/audit") => {
            gate(organizer, Ok)
        }
        ("POST", "/chapters/{slug}/manage/members/{user_id}/role") => gate(organizer, BadRequest),
        ("POST", "/chapters/{slug}/manage/members/{user_id}/remove") => gate(organizer, NotFound),
        (
            "POST",
            "/chapters/{slug}/manage/applications/bulk"
            | "/chapters/{slug}/manage/applications/{id}/decision",
        ) => gate(organizer, BadRequest),
        (
            "POST",
            "/chapters/{slug}/manage/applications/{id}/undo" | "/chapters/{slug}/manage/profile",
        ) => gate(organizer, Ok),
        // Events: lists, pages and feeds are public.
        (
            "GET",
            "/events"
            | "/events.ics"
            | "/events.atom"
            | "/api/v1/events.json"
            | "/api/v1/chapters/{slug}/events.json",
        )
        | (
            "GET",
            "/chapters/{slug}/events"
            | "/chapters/{slug}/events.ics"
            | "/chapters/{slug}/events.atom",
        )
        | ("GET", "/chapters/{slug}/events/{event_slug}/event.ics") => Ok,
        // Ambassadors and organizers of this chapter create events (an empty form re-renders
        // with its field errors, 422).
        ("GET", "/chapters/{slug}/events/new") => {
            gate(matches!(who, Ambassador | Organizer | SiteAdmin), Ok)
        }
        ("POST", "/chapters/{slug}/events") => {
            gate(matches!(who, Ambassador | Organizer | SiteAdmin), Invalid)
        }
        // The demo event was created by nobody here: only organizers (and admins) may edit it;
        // an ambassador edits only events they created (tested on its own).
        ("GET", "/chapters/{slug}/events/{event_slug}/edit") => gate(organizer, Ok),
        // Attendees' contact details follow the desk's rule (issue 27, item 10): the chapter's
        // ambassadors and organizers see them at the desk and in the CSV alike.
        ("GET", "/chapters/{slug}/events/{event_slug}/attendees.csv") => {
            gate(matches!(who, Ambassador | Organizer | SiteAdmin), Ok)
        }
        ("POST", "/chapters/{slug}/events/{event_slug}/edit") => gate(organizer, Invalid),
        // Published already: publishing or deleting it is a conflict.
        (
            "POST",
            "/chapters/{slug}/events/{event_slug}/publish"
            | "/chapters/{slug}/events/{event_slug}/delete",
        ) => gate(organizer, Conflict),
        // Cancelling asks first (the page that says whom it tells); `confirm=1` cancels.
        ("POST", "/chapters/{slug}/events/{event_slug}/cancel") => gate(organizer, Ok),
        // The day of the meetup: organizers and ambassadors of this chapter run the desk and
        // the door (a row that is not this event's is 404); tickets and door links are
        // capabilities, so a made-up one is 404 for everyone.
        (
            "GET",
            "/chapters/{slug}/events/{event_slug}/check-in"
            | "/chapters/{slug}/events/{event_slug}/door"
            | "/chapters/{slug}/events/{event_slug}/door.png",
        ) => gate(matches!(who, Ambassador | Organizer | SiteAdmin), Ok),
        (
            "POST",
            "/chapters/{slug}/events/{event_slug}/check-in/{rsvp_id}"
            | "/chapters/{slug}/events/{event_slug}/check-in/{rsvp_id}/undo",
        ) => gate(matches!(who, Ambassador | Organizer | SiteAdmin), NotFound),
        ("GET", "/tickets/{token}") | ("POST", "/tickets/{token}/check-in") => NotFound,
        ("GET" | "POST", "/door/{key}" | "/door/{key}/check-in/{token}") => NotFound,
        // Announcements: staff to an event's people, organizers to the chapter (an empty form
        // comes back with field errors); a made-up unsubscribe link is 404.
        ("GET", "/chapters/{slug}/events/{event_slug}/announce") => {
            gate(matches!(who, Ambassador | Organizer | SiteAdmin), Ok)
        }
        ("POST", "/chapters/{slug}/events/{event_slug}/announce") => {
            gate(matches!(who, Ambassador | Organizer | SiteAdmin), Invalid)
        }
        ("GET", "/chapters/{slug}/manage/announce") => gate(organizer, Ok),
        ("POST", "/chapters/{slug}/manage/announce") => gate(organizer, Invalid),
        ("GET" | "POST", "/unsubscribe/{token}/{slug}") => NotFound,
        ("GET", "/account/announcements") => gate(true, Ok),
        ("POST", "/account/announcements") => gate(true, Redirect),
        // Members RSVP; an empty answer is a bad request.
        // Anyone signed in answers (guests who are not members too); signed out, one
        // registers as a guest (the demo meetup is over: registration closed, 409; a form
        // for an open event is tested in `events::guests`).
        ("POST", "/chapters/{slug}/events/{event_slug}/rsvp") => gate(true, BadRequest),
        ("POST", "/chapters/{slug}/events/{event_slug}/register") => {
            if signed_in {
                Redirect
            } else {
                Conflict
            }
        }
        ("GET", "/chapters/{slug}/events/{event_slug}/register/sent") => Ok,
        ("GET" | "POST", "/registrations/confirm/{token}") => Gone,
        ("POST", "/tickets/{token}/cancel") => NotFound,
        // Site admins.
        (
            "GET",
            "/admin" | "/admin/audit" | "/admin/chapters/new" | "/admin/chapters/{slug}/edit",
        ) => gate(admin, Ok),
        ("POST", "/admin/chapters" | "/admin/chapters/{slug}/edit") => gate(admin, Ok),
        ("POST", "/admin/chapters/{slug}/status") => gate(admin, BadRequest),
        ("POST", "/admin/chapters/{slug}/organizer") => gate(admin, Redirect),
        // Speakers and sponsors: the archive, its feeds, talks given and organizations are
        // public; a made-up invitation link, picture or private speaker page is 404.
        ("GET", "/talks" | "/talks.atom" | "/api/v1/talks.json")
        | ("GET", "/organizations" | "/organizations/{id}") => Ok,
        // A demo talk (its event's cancellation only asks here, so it stays).
        ("GET", "/talks/{id}") => Ok,
        ("GET" | "POST", "/talks/invite/{token}") => NotFound,
        ("GET", "/speakers/{id}" | "/images/{file}") => NotFound,
        ("GET", "/account/speaker" | "/account/talks") => gate(true, Ok),
        // A picture form posted without its multipart body is a bad request.
        ("POST", "/account/speaker") => gate(true, BadRequest),
        ("GET", "/chapters/{slug}/talks/propose") => gate(true, Ok),
        ("POST", "/chapters/{slug}/talks/propose") => gate(true, Invalid),
        // The demo's talks have no proposer here: nobody may change or withdraw them.
        (
            "GET" | "POST",
            "/chapters/{slug}/talks/{id}/edit" | "/chapters/{slug}/talks/{id}/withdraw",
        ) => gate(false, Ok),
        // Organizers and ambassadors of this chapter review; organizers decide and run the call.
        ("GET", "/chapters/{slug}/manage/talks" | "/chapters/{slug}/manage/talks/{id}") => {
            gate(matches!(who, Ambassador | Organizer | SiteAdmin), Ok)
        }
        (
            "POST",
            "/chapters/{slug}/manage/talks/{id}/review"
            | "/chapters/{slug}/manage/talks/{id}/place",
        ) => gate(matches!(who, Ambassador | Organizer | SiteAdmin), Invalid),
        (
            "POST",
            "/chapters/{slug}/manage/talks/call" | "/chapters/{slug}/manage/talks/{id}/decision",
        ) => gate(organizer, BadRequest),
        ("GET", "/chapters/{slug}/manage/balance") => gate(organizer, Ok),
        // Insights: ambassadors see the event half; a CSV without a series is the organizers'
        // (an unknown series: 404). Site insights are the admins'; the totals are public.
        ("GET", "/chapters/{slug}/manage/insights") => {
            gate(matches!(who, Ambassador | Organizer | SiteAdmin), Ok)
        }
        ("GET", "/chapters/{slug}/manage/insights.csv") => gate(organizer, NotFound),
        ("GET", "/admin/insights") => gate(admin, Ok),
        ("GET", "/admin/insights.csv") => gate(admin, NotFound),
        ("GET", "/stats") => Ok,
        // Organizers of any chapter add to the directory; an entry is edited by site admins and
        // organizers of a chapter with a stake in it, and anyone signed in may suggest a change
        // through the same form (issue 27, item 11). A form posted without its multipart body is
        // a bad request. Site admins merge and edit tags.
        ("GET", "/organizations/new") => {
            gate(matches!(who, Organizer | OtherOrganizer | SiteAdmin), Ok)
        }
        ("POST", "/organizations/new") => gate(
            matches!(who, Organizer | OtherOrganizer | SiteAdmin),
            BadRequest,
        ),
        ("GET", "/organizations/{id}/edit") => gate(true, Ok),
        ("POST", "/organizations/{id}/edit") => gate(true, BadRequest),
        ("POST", "/admin/organizations/merge") => gate(admin, BadRequest),
        ("GET", "/admin/tags") => gate(admin, Ok),
        ("POST", "/admin/tags") => gate(admin, Invalid),
        _ => return None,
    })
}

/// Routes whose allowed call changes who may do what: checked last.
fn order(path: &str) -> u8 {
    match path {
        "/chapters/{slug}/leave" => 2,
        "/logout" => 1,
        _ => 0,
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_design_says() {
    let app = spawn_app().await;
    app.chapter("shanghai");
    app.member("member@example.org", "beijing", Role::Member, PW);
    app.member("amb@example.org", "beijing", Role::Ambassador, PW);
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    app.member("other@example.org", "shanghai", Role::Organizer, PW);
    app.create_user("admin@example.org", "Admin", Some(PW), true);
    let outsider = app.create_user("outsider@example.org", "Outsider", None, false);
    let member_id: UserId = {
        use ogug::db::schema::users;
        users::table
            .filter(users::email.eq("member@example.org"))
            .select(users::id)
            .first(&mut app.conn())
            .unwrap()
    };
    // A pending application to look at.
    let b = app.browser();
    b.post_form(
        "/chapters/beijing/apply",
        &[
            ("name", "P"),
            ("email", "p@example.org"),
            ("organization", "O"),
            ("desired_role", "member"),
            ("motivation", "M"),
            ("consent", "on"),
        ],
    )
    .await;
    let app_id: i64 = {
        use ogug::db::schema::applications;
        let id = applications::table
            .select(applications::id)
            .first(&mut app.conn())
            .unwrap();
        diesel::update(applications::table)
            .set(applications::status.eq("pending"))
            .execute(&mut app.conn())
            .unwrap();
        id
    };

    let concrete = |path: &str, method: &str| -> String {
        let user_id = if path.ends_with("/role") {
            member_id
        } else {
            outsider
        };
        path.replace("{slug}", "beijing")
            .replace("{event_slug}", ogug::domain::demo::EVENT_SLUG)
            .replace("{token}", &"ab".repeat(32))
            .replace("{key}", &"cd".repeat(16))
            .replace("{rsvp_id}", "999999")
            .replace("{id}", &app_id.to_string())
            .replace("{user_id}", &user_id.to_string())
            .replace("{_method}", method)
    };

    let mut routes: Vec<(&str, &str)> = ogug::web::ROUTES
        .iter()
        .flat_map(|(path, methods)| methods.iter().map(move |m| (*path, *m)))
        .collect();
    routes.sort_by_key(|(path, _)| order(path));
    let missing: Vec<String> = routes
        .iter()
        .filter(|(p, m)| expect(p, m, Who::Anonymous).is_none())
        .map(|(p, m)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the permission table: {missing:?}"
    );

    let mut failures = Vec::new();
    for who in EVERYONE {
        let email = match who {
            Who::Anonymous => None,
            Who::Member => Some("member@example.org"),
            Who::Ambassador => Some("amb@example.org"),
            Who::Organizer => Some("org@example.org"),
            Who::OtherOrganizer => Some("other@example.org"),
            Who::SiteAdmin => Some("admin@example.org"),
        };
        for (path, method) in &routes {
            // A fresh sign-in per request: some allowed calls sign out or leave.
            let browser = app.browser();
            if let Some(email) = email {
                assert!(
                    browser.login(email, PW).await.status().is_redirection(),
                    "{email} signs in"
                );
            }
            let url = concrete(path, method);
            let res = match *method {
                "GET" => browser.get(&url).await,
                _ => browser.post_form(&url, &[]).await,
            };
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let got = match status {
                s if s.is_success() => Exp::Ok,
                s if s.is_redirection() && location.starts_with("/login?next")
                    || location == "/login" =>
                {
                    Exp::Login
                }
                s if s.is_redirection() => Exp::Redirect,
                StatusCode::FORBIDDEN => Exp::Forbidden,
                StatusCode::NOT_FOUND => Exp::NotFound,
                StatusCode::GONE => Exp::Gone,
                StatusCode::BAD_REQUEST => Exp::BadRequest,
                StatusCode::UNAUTHORIZED => Exp::Unauthorized,
                StatusCode::CONFLICT => Exp::Conflict,
                StatusCode::UNPROCESSABLE_ENTITY => Exp::Invalid,
                other => panic!("{who:?} {method} {url}: unexpected {other}"),
            };
            let want = expect(path, method, who).unwrap();
            if got != want {
                failures.push(format!(
                    "{who:?} {method} {url}: want {want:?}, got {got:?} ({status} {location})"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn missing_chapters_and_objects_are_404_for_everyone() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let b = app.browser();
    b.login("org@example.org", PW).await;
    for path in [
        "/chapters/atlantis/manage/applications",
        "/chapters/atlantis/members",
        "/chapters/beijing/manage/applications/999999",
        "/chapters/beijing/manage/applications/not-a-number",
    ] {
        assert_eq!(b.get(path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Anonymous: a missing chapter is 404 (chapters are public); inside an existing chapter the
    // answer is "sign in" whether or not the object exists, so nothing private leaks.
    assert_eq!(
        app.browser()
            .get("/chapters/atlantis/members")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    for path in [
        "/chapters/beijing/manage/applications/999999",
        "/chapters/beijing/manage/applications/1",
    ] {
        assert!(
            app.browser().get(path).await.status().is_redirection(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_demoted_organizer_is_refused_at_the_next_request() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let b = app.browser();
    b.login("org@example.org", PW).await;
    assert_eq!(
        b.get("/chapters/beijing/manage/applications")
            .await
            .status(),
        StatusCode::OK
    );
    // The demo organizer demotes them.
    app.set_password("organizer@example.org", PW);
    let boss = app.browser();
    boss.login("organizer@example.org", PW).await;
    let id: i64 = {
        use ogug::db::schema::users;
        users::table
            .filter(users::email.eq("org@example.org"))
            .select(users::id)
            .first(&mut app.conn())
            .unwrap()
    };
    let res = boss
        .post_form(
            &format!("/chapters/beijing/manage/members/{id}/role"),
            &[("role", "member")],
        )
        .await;
    assert_redirect_to(&res, "/chapters/beijing/manage/members?done=role");
    assert_eq!(
        b.get("/chapters/beijing/manage/applications")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let mail = parse(
        &app.smtp
            .wait_for(1, std::time::Duration::from_secs(10))
            .await[0],
    );
    assert_eq!(mail.to, "org@example.org");
    assert_eq!(mail.subject, "您在 oGUG 北京用户组的角色已变更");
    assert!(mail.text.contains(zh("role.member")));
}

#[tokio::test]
async fn the_last_organizer_can_be_neither_demoted_nor_removed_nor_leave() {
    let app = spawn_app().await;
    let id = app.set_password("organizer@example.org", PW);
    let b = app.browser();
    b.login("organizer@example.org", PW).await;
    let res = b
        .post_form(
            &format!("/chapters/beijing/manage/members/{id}/role"),
            &[("role", "member")],
        )
        .await;
    assert_redirect_to(
        &res,
        "/chapters/beijing/manage/members?error=last_organizer",
    );
    let (_, html) = b
        .get_html("/chapters/beijing/manage/members?error=last_organizer")
        .await;
    assert!(html.contains(zh("members.last_organizer")));
    let res = b
        .post_form(
            &format!("/chapters/beijing/manage/members/{id}/remove"),
            &[("confirm", "1")],
        )
        .await;
    assert_redirect_to(
        &res,
        "/chapters/beijing/manage/members?error=last_organizer",
    );
    let res = b.post_form("/chapters/beijing/leave", &[]).await;
    assert_redirect_to(&res, "/chapters/beijing/members?error=last_organizer");
    assert_eq!(
        b.get("/chapters/beijing/manage/members").await.status(),
        StatusCode::OK,
        "still organizer"
    );
}

#[tokio::test]
async fn site_admins_create_chapters_appoint_organizers_and_archive() {
    let app = spawn_app().await;
    app.create_user("admin@example.org", "Admin", Some(PW), true);
    let b = app.browser();
    b.login("admin@example.org", PW).await;
    let res = b
        .post_form(
            "/admin/chapters",
            &[
                ("slug", "Bad Slug"),
                ("name_zh", "西安用户组"),
                ("name_en", "Xi'an"),
                ("city", "西安"),
                ("time_zone", "Mars/Base"),
            ],
        )
        .await;
    let html = res.text().await.unwrap();
    assert!(html.contains(zh("error.slug_invalid")), "slug error");
    assert!(html.contains(zh("error.time_zone_invalid")));
    assert!(html.contains(r#"value="西安用户组""#), "input kept");
    let res = b
        .post_form(
            "/admin/chapters",
            &[
                ("slug", "xian"),
                ("name_zh", "西安用户组"),
                ("name_en", "Xi'an User Group"),
                ("city", "西安"),
                ("time_zone", "Asia/Shanghai"),
                ("founded_on", "2022-03-01"),
                ("description", "**欢迎** <script>x</script>"),
                ("apply_questions", "你在哪个公司？\n你用 openGauss 多久了？"),
            ],
        )
        .await;
    assert_redirect_to(&res, "/admin/chapters/xian/edit?saved=1");
    let (_, html) = app.get_html("/chapters/xian").await;
    assert!(html.contains("<strong>欢迎</strong>"), "Markdown rendered");
    assert!(!html.contains("<script>x"), "and sanitized");
    let (_, form) = app.get_html("/chapters/xian/apply").await;
    assert!(
        form.contains("你用 openGauss 多久了？"),
        "extra questions on the form"
    );

    let res = b
        .post_form(
            "/admin/chapters/xian/organizer",
            &[("email", "boss@example.org"), ("name", "老张")],
        )
        .await;
    assert_redirect_to(&res, "/admin?done=appointed");
    let mail = parse(
        &app.smtp
            .wait_for(1, std::time::Duration::from_secs(10))
            .await[0],
    );
    assert_eq!(mail.to, "boss@example.org");
    assert!(
        mail.text.contains("/account/activate/"),
        "new organizers get an activation link"
    );
    let (_, admin) = b.get_html("/admin").await;
    assert!(admin.contains("西安用户组"));

    let res = b
        .post_form("/admin/chapters/xian/status", &[("status", "archived")])
        .await;
    assert_redirect_to(&res, "/admin?done=status");
    let (_, html) = app.get_html("/chapters/xian/apply").await;
    assert!(html.contains(zh("apply.closed_body")));
    let (_, list) = app.get_html("/chapters").await;
    assert!(
        !list.contains("西安用户组"),
        "archived chapters leave the public list"
    );
    let (_, audit) = b.get_html("/admin/audit").await;
    // Sentences with names, never the stored codes.
    for action in ["chapter_created", "organizer_appointed", "chapter_archived"] {
        assert!(
            !audit.contains(action),
            "{action} is a code, not a sentence"
        );
    }
    assert!(audit.contains(r#"<a href="/chapters/xian">西安用户组</a>"#));
    assert!(audit.contains("任命老张为组织者。"), "{audit}");
    assert!(audit.contains("归档了"));
}

#[tokio::test]
async fn organizers_edit_their_profile_and_read_their_audit_log() {
    let app = spawn_app().await;
    app.member("org@example.org", "beijing", Role::Organizer, PW);
    let b = app.browser();
    b.login("org@example.org", PW).await;
    let (_, form) = b.get_html("/chapters/beijing/manage/profile").await;
    assert!(form.contains("北京用户组"));
    let res = b
        .post_form(
            "/chapters/beijing/manage/profile",
            &[
                ("slug", "hijack"),
                ("name_zh", "北京用户组"),
                ("name_en", "Beijing User Group"),
                ("city", "北京"),
                ("time_zone", "Asia/Shanghai"),
                ("founded_on", "2021-05-29"),
                ("description", "新的介绍"),
            ],
        )
        .await;
    assert_redirect_to(&res, "/chapters/beijing/manage/profile?saved=1");
    let (status, html) = app.get_html("/chapters/beijing").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the slug cannot be changed from the form"
    );
    assert!(html.contains("新的介绍"));
    let (_, audit) = b.get_html("/chapters/beijing/manage/audit").await;
    assert!(
        audit.contains("修改了<a href=\"/chapters/beijing\">北京用户组</a>的资料。"),
        "{audit}"
    );
    assert!(audit.contains(" CST</time>"), "times in the chapter's zone");
    let (_, filtered) = b
        .get_html("/chapters/beijing/manage/audit?kind=talks")
        .await;
    assert!(filtered.contains(zh("audit.empty_filtered")));
    let (status, _) = b
        .get_html("/chapters/beijing/manage/audit?kind=nothing_like_this&who=x")
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a made-up filter is refused"
    );
}
