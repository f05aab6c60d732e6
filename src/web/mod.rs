//! HTTP: routes, handlers by area, and the middleware every response passes through.
//! A handler parses the request, checks access, calls one flow (or reads), and answers.

pub mod access;
pub mod account;
pub mod admin;
pub mod announce;
pub mod apply;
pub mod archive;
pub mod assets;
pub mod auth;
pub mod chapter_admin;
pub mod charts;
pub mod contact;
pub mod csv;
pub mod errors;
pub mod events;
pub mod feeds;
pub mod hasher;
pub mod insights;
pub mod limits;
pub mod listener;
pub mod locale;
pub mod members;
pub mod metrics;
pub mod organizations;
pub mod page_cache;
pub mod profiles;
pub mod public;
pub mod request_log;
pub mod respond;
pub mod review;
pub mod session_cache;
pub mod shared;
pub mod talk_review;
pub mod talks;
pub mod throttle;
pub mod upload;
pub mod view;

pub use errors::AppError;

use crate::config::Config;
use crate::db::{DbConnection, Pool};
use crate::domain::DomainError;
use actix_web::middleware::DefaultHeaders;
use actix_web::web;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    /// Wakes this instance's mail worker after a transaction that queued email commits.
    pub mail: crate::mail::worker::Waker,
    /// argon2 work on bounded, low-priority threads, so a sign-in storm cannot starve pages.
    pub hashing: hasher::Hasher,
    /// Rendered public pages for anonymous visitors, kept for a second or two.
    pub page_cache: std::sync::Arc<page_cache::PageCache>,
    /// What every reader of a chapter sees alike, kept per version of the chapter.
    pub shared: std::sync::Arc<shared::Shared>,
    /// Signed-in sessions kept while this instance hears changes (PostgreSQL).
    pub sessions: std::sync::Arc<session_cache::SessionCache>,
    pub metrics: metrics::Metrics,
    /// Turns to decode an uploaded picture (`images::CONCURRENT_DECODES` at once).
    pub image_decodes: tokio::sync::Semaphore,
}

impl AppState {
    pub fn new(pool: Pool, config: Config, mail: crate::mail::worker::Waker) -> AppState {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let metrics = metrics::Metrics::default();
        AppState {
            hashing: hasher::Hasher::start(cores.saturating_sub(1).max(1), config.hash_queue),
            page_cache: std::sync::Arc::default(),
            sessions: std::sync::Arc::default(),
            shared: std::sync::Arc::new(shared::Shared::counting(
                metrics.shared_hits.clone(),
                metrics.shared_builds.clone(),
            )),
            metrics,
            image_decodes: tokio::sync::Semaphore::new(crate::domain::images::CONCURRENT_DECODES),
            pool,
            config,
            mail,
        }
    }

    /// Runs CPU-heavy password work on the hashing threads.
    pub async fn hash_work<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        self.hashing.run(f).await.map_err(|e| match e {
            hasher::HasherError::Busy => {
                tracing::warn!("password check refused: hashing queue full");
                AppError::Busy
            }
            gone => AppError::Internal(gone.into()),
        })
    }
}

/// Runs blocking database reads on the blocking pool, off the async workers.
pub async fn db<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, DomainError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    let (result, waited) = web::block(move || {
        let started = std::time::Instant::now();
        let conn = pool.get();
        let waited = started.elapsed() > std::time::Duration::from_millis(1);
        let result = match conn {
            Ok(mut c) => {
                let result = f(&mut c);
                if let Err(DomainError::Db(e)) = &result {
                    crate::db::discard_if_lost(&mut c, e);
                }
                result
            }
            Err(e) => Err(e.into()),
        };
        (result, waited)
    })
    .await?;
    if waited {
        state.metrics.pool_waits.inc();
    }
    Ok(result?)
}

/// Runs a flow (a user action that writes) on the blocking pool, then wakes this instance's mail
/// worker for whatever the flow queued.
pub async fn flow<T, F>(state: &AppState, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection, &crate::flows::Site) -> crate::flows::FlowResult<T>
        + Send
        + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    let site = state.site();
    let (result, waited) = web::block(move || {
        let started = std::time::Instant::now();
        let conn = pool.get();
        let waited = started.elapsed() > std::time::Duration::from_millis(1);
        let result: crate::flows::FlowResult<T> = match conn {
            Ok(mut c) => {
                let result = f(&mut c, &site);
                if let Err(crate::flows::FlowError::Domain(DomainError::Db(e))) = &result {
                    crate::db::discard_if_lost(&mut c, e);
                }
                result
            }
            Err(e) => Err(DomainError::from(e).into()),
        };
        (result, waited)
    })
    .await?;
    if waited {
        state.metrics.pool_waits.inc();
    }
    // A flow may have ended a session or changed a person (sign-out, password, profile): what
    // this instance kept of sessions is forgotten now that it committed.
    state.sessions.forget_all();
    if result.is_ok() {
        state.mail.wake();
    }
    Ok(result?)
}

/// The site's links and settings, for flows.
impl AppState {
    pub fn site(&self) -> crate::flows::Site {
        crate::flows::Site::from_config(&self.config)
    }
}

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

/// Headers on every response (ASVS 3.4): no inline script can run, no framing, no sniffing.
pub fn security_headers(config: &Config) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add(("Vary", "Cookie, Accept-Language"));
    if config.is_https() {
        headers.add((
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// A route for `method`; a GET route answers HEAD too (RFC 9110 §9.3.2: the same headers,
/// no body; actix leaves the body out of a HEAD response).
fn method_route(method: actix_web::http::Method) -> actix_web::Route {
    use actix_web::guard;
    if method == actix_web::http::Method::GET {
        web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
    } else {
        web::method(method)
    }
}

/// Declares every route once: `routes()` registers them, `ROUTES` lists them (the permission
/// matrix test walks it, so a route added without its row fails that test). A path with no
/// handler for the request's method answers 405.
macro_rules! routes {
    ($( $path:literal => { $( $method:ident $handler:path ),+ $(,)? } ),+ $(,)?) => {
        pub const ROUTES: &[(&str, &[&str])] = &[ $( ($path, &[ $( stringify!($method) ),+ ]) ),+ ];

        pub fn routes(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $( .route(method_route(actix_web::http::Method::$method).to($handler)) )+
                );
            )+
        }
    };
}

routes! {
    "/" => { GET public::home },
    "/healthz" => { GET public::healthz },
    "/readyz" => { GET public::readyz },
    "/static/app.css" => { GET assets::stylesheet },
    "/chapters" => { GET public::chapter_list },
    "/chapters/{slug}" => { GET public::chapter_page },
    "/events" => { GET events::all_events },
    "/events.ics" => { GET feeds::site_ics },
    "/events.atom" => { GET feeds::site_atom },
    "/api/v1/events.json" => { GET feeds::site_json },
    "/api/v1/chapters/{slug}/events.json" => { GET feeds::chapter_json },
    "/chapters/{slug}/events" => { GET events::chapter_events, POST events::create_event },
    "/chapters/{slug}/events.ics" => { GET feeds::chapter_ics },
    "/chapters/{slug}/events.atom" => { GET feeds::chapter_atom },
    "/chapters/{slug}/events/new" => { GET events::new_event },
    "/chapters/{slug}/events/{event_slug}" => { GET events::event_page },
    "/chapters/{slug}/events/{event_slug}/event.ics" => { GET feeds::event_ics },
    "/chapters/{slug}/events/{event_slug}/edit" => { GET events::edit_event, POST events::save_event },
    "/chapters/{slug}/events/{event_slug}/publish" => { POST events::publish },
    "/chapters/{slug}/events/{event_slug}/cancel" => { POST events::cancel },
    "/chapters/{slug}/events/{event_slug}/delete" => { POST events::delete_draft },
    "/chapters/{slug}/events/{event_slug}/rsvp" => { POST events::rsvp },
    "/chapters/{slug}/events/{event_slug}/attendees.csv" => { GET events::attendees_csv },
    "/chapters/{slug}/events/{event_slug}/check-in" => { GET events::desk },
    "/chapters/{slug}/events/{event_slug}/check-in/{rsvp_id}" => { POST events::desk_check_in },
    "/chapters/{slug}/events/{event_slug}/check-in/{rsvp_id}/undo" => { POST events::desk_undo },
    "/chapters/{slug}/events/{event_slug}/door" => { GET events::door_page },
    "/chapters/{slug}/events/{event_slug}/door.png" => { GET events::door_png },
    "/tickets/{token}" => { GET events::ticket_page },
    "/tickets/{token}/check-in" => { POST events::ticket_check_in },
    "/door/{key}" => { GET events::door_open_page, POST events::door_walk_in },
    "/door/{key}/check-in/{token}" => { GET events::door_link_page, POST events::door_link_check_in },
    "/chapters/{slug}/events/{event_slug}/announce" => { GET announce::event_form, POST announce::event_send },
    "/chapters/{slug}/manage/announce" => { GET announce::chapter_form, POST announce::chapter_send },
    "/unsubscribe/{token}/{slug}" => { GET announce::unsubscribe_page, POST announce::unsubscribe },
    "/account/announcements" => { GET announce::preferences, POST announce::save_preferences },
    "/chapters/{slug}/qr.svg" => { GET apply::qr_svg },
    "/chapters/{slug}/qr.png" => { GET apply::qr_png },
    "/chapters/{slug}/apply" => { GET apply::apply_form, POST apply::submit },
    "/chapters/{slug}/contact" => { GET contact::contact_form, POST contact::send },
    "/chapters/{slug}/members" => { GET members::members },
    "/chapters/{slug}/leave" => { POST members::leave },
    "/chapters/{slug}/manage/members" => { GET members::manage_members },
    "/chapters/{slug}/manage/members/{user_id}/role" => { POST members::change_role },
    "/chapters/{slug}/manage/members/{user_id}/remove" => { POST members::remove_member },
    "/chapters/{slug}/manage/applications" => { GET review::queue },
    "/chapters/{slug}/manage/applications/bulk" => { POST review::bulk },
    "/chapters/{slug}/manage/applications/{id}" => { GET review::detail },
    "/chapters/{slug}/manage/applications/{id}/decision" => { POST review::decide },
    "/chapters/{slug}/manage/applications/{id}/undo" => { POST review::undo },
    "/applications/confirm/{token}" => { GET apply::confirm_form, POST apply::confirm },
    "/applications/status/{token}" => { GET apply::status, POST apply::status_action },
    "/login" => { GET account::login_form, POST account::login },
    "/logout" => { POST account::logout },
    "/account" => { GET account::overview },
    "/account/activate/{token}" => { GET account::link_form, POST account::set_password },
    "/account/reset" => { GET account::reset_request_form, POST account::reset_request },
    "/account/reset/{token}" => { GET account::link_form, POST account::set_password },
    "/account/settings" => { GET account::settings_form, POST account::save_settings },
    "/account/password" => { GET account::change_password_form, POST account::change_password },
    "/account/export" => { GET account::export_data },
    "/account/delete" => { GET account::delete_account_form, POST account::delete_account },
    "/admin" => { GET admin::dashboard },
    "/admin/audit" => { GET chapter_admin::site_audit },
    "/admin/chapters" => { POST chapter_admin::create_chapter },
    "/admin/chapters/new" => { GET chapter_admin::new_chapter },
    "/admin/chapters/{slug}/edit" => { GET chapter_admin::admin_edit_form, POST chapter_admin::admin_save },
    "/admin/chapters/{slug}/status" => { POST chapter_admin::set_status },
    "/admin/chapters/{slug}/organizer" => { POST chapter_admin::appoint_organizer },
    "/chapters/{slug}/manage/profile" => { GET chapter_admin::profile_form, POST chapter_admin::save_profile },
    "/chapters/{slug}/manage/audit" => { GET chapter_admin::chapter_audit },
    "/talks" => { GET archive::archive },
    "/talks.atom" => { GET archive::atom },
    "/api/v1/talks.json" => { GET archive::json },
    "/talks/{id}" => { GET archive::talk_page },
    "/talks/invite/{token}" => { GET talks::invite_page, POST talks::invite_confirm },
    "/speakers/{id}" => { GET archive::speaker_page },
    "/account/speaker" => { GET profiles::form, POST profiles::save },
    "/account/talks" => { GET talks::mine },
    "/chapters/{slug}/talks/propose" => { GET talks::propose_form, POST talks::propose },
    "/chapters/{slug}/talks/{id}/edit" => { GET talks::edit_form, POST talks::save },
    "/chapters/{slug}/talks/{id}/withdraw" => { POST talks::withdraw },
    "/chapters/{slug}/manage/talks" => { GET talk_review::queue },
    "/chapters/{slug}/manage/talks/call" => { POST talk_review::set_call },
    "/chapters/{slug}/manage/talks/{id}" => { GET talk_review::detail },
    "/chapters/{slug}/manage/talks/{id}/review" => { POST talk_review::review },
    "/chapters/{slug}/manage/talks/{id}/decision" => { POST talk_review::decide },
    "/chapters/{slug}/manage/talks/{id}/place" => { POST talk_review::place },
    "/chapters/{slug}/manage/balance" => { GET talk_review::balance },
    "/chapters/{slug}/manage/insights" => { GET insights::chapter_page },
    "/chapters/{slug}/manage/insights.csv" => { GET insights::chapter_csv },
    "/admin/insights" => { GET insights::site_page },
    "/admin/insights.csv" => { GET insights::site_csv },
    "/stats" => { GET insights::stats },
    "/organizations" => { GET organizations::list },
    "/organizations/new" => { GET organizations::new_form, POST organizations::create },
    "/organizations/{id}" => { GET organizations::page },
    "/organizations/{id}/edit" => { GET organizations::edit_form, POST organizations::save },
    "/admin/organizations/merge" => { POST organizations::merge },
    "/admin/tags" => { GET organizations::tags_form, POST organizations::save_tags },
    "/images/{file}" => { GET organizations::image },
}

/// Wires state, limits, middleware and routes into an actix `App` configuration.
pub fn configure(state: web::Data<AppState>) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.config.max_body_bytes;
        cfg.app_data(state.clone())
            .app_data(
                web::FormConfig::default()
                    .limit(limit)
                    .error_handler(|err, _| match err {
                        actix_web::error::UrlencodedError::Overflow { .. } => {
                            AppError::PayloadTooLarge.into()
                        }
                        _ => AppError::BadRequest.into(),
                    }),
            )
            .app_data(web::PayloadConfig::new(limit))
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(web::QueryConfig::default().error_handler(|_, _| AppError::BadRequest.into()))
            .configure(routes);
    }
}
