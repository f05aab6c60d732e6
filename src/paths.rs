//! Every path of the site, once: `pattern::<name>` is what the route table registers, and the
//! function of the same name builds it from typed parts, for handlers, templates, emails, feeds
//! and tests alike. A path is never formatted by hand elsewhere.
//!
//! Each entry alternates literal text and named parts; a part's name is the route's parameter
//! (what the handler's `web::Path` reads) and the builder's argument.

use std::fmt::{Display, Write};

macro_rules! paths {
    ($( $(#[$doc:meta])* $name:ident = $( $text:literal $( $part:ident )? )+ ; )+) => {
        /// The route table's patterns (`{part}` where a builder takes an argument).
        #[allow(non_upper_case_globals)]
        pub mod pattern {
            $( pub const $name: &str = concat!($( $text, $( "{", stringify!($part), "}", )? )+); )+
        }

        $(
            $(#[$doc])*
            #[allow(clippy::too_many_arguments)]
            pub fn $name($( $( $part: impl Display, )? )+) -> String {
                let mut out = String::with_capacity(48);
                $(
                    out.push_str($text);
                    $( let _ = write!(out, "{}", $part); )?
                )+
                out
            }
        )+

        /// Every pattern, for tests that walk the site.
        pub const ALL: &[&str] = &[ $( pattern::$name ),+ ];
    };
}

paths! {
    home = "/";
    healthz = "/healthz";
    readyz = "/readyz";
    stylesheet = "/static/app.css";
    stylesheet_hashed = "/static/app." hash ".css";
    favicon = "/favicon.ico";
    apple_touch_icon = "/apple-touch-icon.png";
    icon_512 = "/static/icon-512.png";
    icon_svg = "/static/icon.svg";
    manifest = "/manifest.webmanifest";
    chapters = "/chapters";
    chapter = "/chapters/" slug;
    events = "/events";
    events_ics = "/events.ics";
    events_atom = "/events.atom";
    events_json = "/api/v1/events.json";
    chapter_events_json = "/api/v1/chapters/" slug "/events.json";
    chapter_events = "/chapters/" slug "/events";
    chapter_events_ics = "/chapters/" slug "/events.ics";
    chapter_events_atom = "/chapters/" slug "/events.atom";
    new_event = "/chapters/" slug "/events/new";
    event = "/chapters/" slug "/events/" event_slug;
    event_ics = "/chapters/" slug "/events/" event_slug "/event.ics";
    edit_event = "/chapters/" slug "/events/" event_slug "/edit";
    publish_event = "/chapters/" slug "/events/" event_slug "/publish";
    cancel_event = "/chapters/" slug "/events/" event_slug "/cancel";
    delete_event = "/chapters/" slug "/events/" event_slug "/delete";
    rsvp = "/chapters/" slug "/events/" event_slug "/rsvp";
    register = "/chapters/" slug "/events/" event_slug "/register";
    register_sent = "/chapters/" slug "/events/" event_slug "/register/sent";
    registration_confirm = "/registrations/confirm/" token;
    attendees_csv = "/chapters/" slug "/events/" event_slug "/attendees.csv";
    desk = "/chapters/" slug "/events/" event_slug "/check-in";
    desk_check_in = "/chapters/" slug "/events/" event_slug "/check-in/" rsvp_id;
    desk_undo = "/chapters/" slug "/events/" event_slug "/check-in/" rsvp_id "/undo";
    door = "/chapters/" slug "/events/" event_slug "/door";
    door_png = "/chapters/" slug "/events/" event_slug "/door.png";
    ticket = "/tickets/" token;
    ticket_check_in = "/tickets/" token "/check-in";
    ticket_cancel = "/tickets/" token "/cancel";
    walk_in = "/door/" key;
    door_link = "/door/" key "/check-in/" token;
    event_announce = "/chapters/" slug "/events/" event_slug "/announce";
    chapter_announce = "/chapters/" slug "/manage/announce";
    unsubscribe = "/unsubscribe/" token "/" slug;
    announcement_preferences = "/account/announcements";
    chapter_qr_svg = "/chapters/" slug "/qr.svg";
    chapter_qr_png = "/chapters/" slug "/qr.png";
    chapter_share_png = "/chapters/" slug "/share.png";
    event_share_png = "/chapters/" slug "/events/" event_slug "/share.png";
    apply = "/chapters/" slug "/apply";
    apply_sent = "/chapters/" slug "/apply/sent";
    contact = "/chapters/" slug "/contact";
    members = "/chapters/" slug "/members";
    leave = "/chapters/" slug "/leave";
    manage_members = "/chapters/" slug "/manage/members";
    member_role = "/chapters/" slug "/manage/members/" user_id "/role";
    member_remove = "/chapters/" slug "/manage/members/" user_id "/remove";
    applications = "/chapters/" slug "/manage/applications";
    applications_bulk = "/chapters/" slug "/manage/applications/bulk";
    application = "/chapters/" slug "/manage/applications/" id;
    application_decision = "/chapters/" slug "/manage/applications/" id "/decision";
    application_undo = "/chapters/" slug "/manage/applications/" id "/undo";
    application_confirm = "/applications/confirm/" token;
    application_status = "/applications/status/" token;
    login = "/login";
    logout = "/logout";
    account = "/account";
    activate = "/account/activate/" token;
    reset = "/account/reset";
    sign_up = "/account/new";
    reset_link = "/account/reset/" token;
    settings = "/account/settings";
    password = "/account/password";
    export = "/account/export";
    delete_account = "/account/delete";
    admin = "/admin";
    site_audit = "/admin/audit";
    admin_chapters = "/admin/chapters";
    new_chapter = "/admin/chapters/new";
    admin_edit_chapter = "/admin/chapters/" slug "/edit";
    chapter_status = "/admin/chapters/" slug "/status";
    appoint_organizer = "/admin/chapters/" slug "/organizer";
    chapter_profile = "/chapters/" slug "/manage/profile";
    chapter_audit = "/chapters/" slug "/manage/audit";
    talks = "/talks";
    talks_atom = "/talks.atom";
    talks_json = "/api/v1/talks.json";
    talk = "/talks/" id;
    talk_invite = "/talks/invite/" token;
    speaker = "/speakers/" id;
    speaker_profile = "/account/speaker";
    my_talks = "/account/talks";
    propose_talk = "/chapters/" slug "/talks/propose";
    edit_talk = "/chapters/" slug "/talks/" id "/edit";
    withdraw_talk = "/chapters/" slug "/talks/" id "/withdraw";
    talk_queue = "/chapters/" slug "/manage/talks";
    talk_call = "/chapters/" slug "/manage/talks/call";
    talk_detail = "/chapters/" slug "/manage/talks/" id;
    talk_review = "/chapters/" slug "/manage/talks/" id "/review";
    talk_decision = "/chapters/" slug "/manage/talks/" id "/decision";
    talk_place = "/chapters/" slug "/manage/talks/" id "/place";
    balance = "/chapters/" slug "/manage/balance";
    chapter_insights = "/chapters/" slug "/manage/insights";
    chapter_insights_csv = "/chapters/" slug "/manage/insights.csv";
    site_insights = "/admin/insights";
    site_insights_csv = "/admin/insights.csv";
    stats = "/stats";
    organizations = "/organizations";
    new_organization = "/organizations/new";
    organization = "/organizations/" id;
    edit_organization = "/organizations/" id "/edit";
    merge_organizations = "/admin/organizations/merge";
    tags = "/admin/tags";
    image = "/images/" file;
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_builder_fills_its_pattern() {
        assert_eq!(
            super::pattern::event,
            "/chapters/{slug}/events/{event_slug}"
        );
        assert_eq!(
            super::event("beijing", "meetup-1"),
            "/chapters/beijing/events/meetup-1"
        );
        assert_eq!(
            super::desk_undo("b", "e", 7),
            "/chapters/b/events/e/check-in/7/undo"
        );
        assert_eq!(super::home(), "/");
    }
}
