//! HTTP: routes, handlers by area, and the middleware every response passes through.
//! A handler parses the request, checks access, calls one flow (or reads), and answers.

pub mod account;
pub mod admin;
pub mod applications;
pub mod cache;
pub mod chapters;
pub mod events;
pub mod http;
pub mod insights;
pub mod members;
pub mod organizations;
pub mod talks;

pub use http::errors::AppError;

use crate::config::Config;
use crate::db::{DbConnection, Pool};
use crate::domain::DomainError;
use crate::domain::access::Permission;
use crate::paths::pattern;
use actix_web::middleware::DefaultHeaders;
use actix_web::web;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    /// Wakes this instance's mail worker after a transaction that queued email commits.
    pub mail: crate::mail::worker::Waker,
    /// argon2 work on bounded, low-priority threads, so a sign-in storm cannot starve pages.
    pub hashing: crate::web::http::hasher::Hasher,
    /// Rendered public pages for anonymous visitors, kept for a second or two.
    pub page_cache: std::sync::Arc<crate::web::cache::pages::PageCache>,
    /// What every reader of a chapter sees alike, kept per version of the chapter.
    pub shared: std::sync::Arc<crate::web::cache::shared::Shared>,
    /// Signed-in sessions kept while this instance hears changes (PostgreSQL).
    pub sessions: std::sync::Arc<crate::web::cache::sessions::SessionCache>,
    pub metrics: crate::web::http::metrics::Metrics,
    /// Turns to decode an uploaded picture (`images::CONCURRENT_DECODES` at once).
    pub image_decodes: tokio::sync::Semaphore,
}

impl AppState {
    pub fn new(pool: Pool, config: Config, mail: crate::mail::worker::Waker) -> AppState {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let metrics = crate::web::http::metrics::Metrics::default();
        AppState {
            hashing: crate::web::http::hasher::Hasher::start(
                cores.saturating_sub(1).max(1),
                config.hash_queue,
            ),
            page_cache: std::sync::Arc::default(),
            sessions: std::sync::Arc::default(),
            shared: std::sync::Arc::new(crate::web::cache::shared::Shared::counting(
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
            crate::web::http::hasher::HasherError::Busy => {
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

/// Declares every route once, with the least permission each method of it needs:
/// `routes()` registers them, `ROUTES` lists them (the permission matrix test walks it, so a
/// route added without its row fails that test) and `permission_of` answers for the guard. A
/// path with no handler for the request's method answers 405.
macro_rules! routes {
    ($( $path:path => { $( $method:ident ($perm:ident) $handler:path ),+ $(,)? } ),+ $(,)?) => {
        pub const ROUTES: &[(&str, &[&str])] = &[ $( ($path, &[ $( stringify!($method) ),+ ]) ),+ ];

        /// Each route's methods with the permission they name (`domain::access`).
        pub const PERMISSIONS: &[(&str, &str, Permission)] =
            &[ $( $( ($path, stringify!($method), Permission::$perm), )+ )+ ];

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

/// The permission a route names for a method (HEAD asks what GET asks).
pub fn permission_of(pattern: &str, method: &str) -> Option<Permission> {
    static TABLE: std::sync::LazyLock<
        std::collections::HashMap<(&'static str, &'static str), Permission>,
    > = std::sync::LazyLock::new(|| {
        PERMISSIONS
            .iter()
            .map(|(path, method, permission)| ((*path, *method), *permission))
            .collect()
    });
    let method = if method == "HEAD" { "GET" } else { method };
    TABLE.get(&(pattern, method)).copied()
}

routes! {
    pattern::home => { GET(Public) chapters::pages::home },
    pattern::healthz => { GET(Public) chapters::pages::healthz },
    pattern::readyz => { GET(Public) chapters::pages::readyz },
    pattern::stylesheet => { GET(Public) http::assets::stylesheet },
    pattern::stylesheet_hashed => { GET(Public) http::assets::stylesheet_hashed },
    pattern::favicon => { GET(Public) http::assets::favicon },
    pattern::apple_touch_icon => { GET(Public) http::assets::apple_touch_icon },
    pattern::icon_512 => { GET(Public) http::assets::icon_512 },
    pattern::icon_svg => { GET(Public) http::assets::icon_svg },
    pattern::manifest => { GET(Public) http::assets::manifest },
    pattern::chapters => { GET(Public) chapters::pages::chapter_list },
    pattern::chapter => { GET(Public) chapters::pages::chapter_page },
    pattern::events => { GET(Public) events::all_events },
    pattern::events_ics => { GET(Public) events::feeds::site_ics },
    pattern::events_atom => { GET(Public) events::feeds::site_atom },
    pattern::events_json => { GET(Public) events::feeds::site_json },
    pattern::chapter_events_json => { GET(Public) events::feeds::chapter_json },
    pattern::chapter_events => { GET(Public) events::chapter_events, POST(EventEditor) events::create_event },
    pattern::chapter_events_ics => { GET(Public) events::feeds::chapter_ics },
    pattern::chapter_events_atom => { GET(Public) events::feeds::chapter_atom },
    pattern::new_event => { GET(EventEditor) events::new_event },
    pattern::event => { GET(Public) events::event_page },
    pattern::event_ics => { GET(Public) events::feeds::event_ics },
    pattern::edit_event => { GET(EventEditor) events::edit_event, POST(EventEditor) events::save_event },
    pattern::publish_event => { POST(EventEditor) events::publish },
    pattern::cancel_event => { POST(EventEditor) events::cancel },
    pattern::delete_event => { POST(EventEditor) events::delete_draft },
    pattern::rsvp => { POST(SignedIn) events::rsvp },
    pattern::register => { POST(Public) events::guests::register },
    pattern::register_sent => { GET(Public) events::guests::sent },
    pattern::registration_confirm => { GET(Public) events::guests::confirm_page, POST(Public) events::guests::confirm },
    pattern::ticket_cancel => { POST(Public) events::guests::cancel },
    pattern::attendees_csv => { GET(EventEditor) events::attendees_csv },
    pattern::desk => { GET(EventEditor) events::desk },
    pattern::desk_check_in => { POST(EventEditor) events::desk_check_in },
    pattern::desk_undo => { POST(EventEditor) events::desk_undo },
    pattern::door => { GET(EventEditor) events::door_page },
    pattern::door_png => { GET(EventEditor) events::door_png },
    pattern::ticket => { GET(Public) events::ticket_page },
    pattern::ticket_check_in => { POST(EventEditor) events::ticket_check_in },
    pattern::walk_in => { GET(Public) events::door_open_page, POST(Public) events::door_walk_in },
    pattern::door_link => { GET(Public) events::door_link_page, POST(Public) events::door_link_check_in },
    pattern::event_announce => { GET(EventEditor) chapters::announcements::event_form, POST(EventEditor) chapters::announcements::event_send },
    pattern::chapter_announce => { GET(Organizer) chapters::announcements::chapter_form, POST(Organizer) chapters::announcements::chapter_send },
    pattern::unsubscribe => { GET(Public) chapters::announcements::unsubscribe_page, POST(Public) chapters::announcements::unsubscribe },
    pattern::announcement_preferences => { GET(SignedIn) chapters::announcements::preferences, POST(SignedIn) chapters::announcements::save_preferences },
    pattern::chapter_qr_svg => { GET(Public) applications::apply::qr_svg },
    pattern::chapter_qr_png => { GET(Public) applications::apply::qr_png },
    pattern::chapter_share_png => { GET(Public) chapters::share::chapter_png },
    pattern::event_share_png => { GET(Public) chapters::share::event_png },
    pattern::apply => { GET(Public) applications::apply::apply_form, POST(Public) applications::apply::submit },
    pattern::apply_sent => { GET(Public) applications::apply::sent, POST(Public) applications::apply::resend },
    pattern::contact => { GET(Public) chapters::contact::contact_form, POST(Public) chapters::contact::send },
    pattern::members => { GET(Member) members::members },
    pattern::leave => { POST(Member) members::leave },
    pattern::manage_members => { GET(Organizer) members::manage_members },
    pattern::member_role => { POST(Organizer) members::change_role },
    pattern::member_remove => { POST(Organizer) members::remove_member },
    pattern::applications => { GET(Organizer) applications::review::queue },
    pattern::applications_bulk => { POST(Organizer) applications::review::bulk },
    pattern::application => { GET(Organizer) applications::review::detail },
    pattern::application_decision => { POST(Organizer) applications::review::decide },
    pattern::application_undo => { POST(Organizer) applications::review::undo },
    pattern::application_confirm => { GET(Public) applications::apply::confirm_form, POST(Public) applications::apply::confirm },
    pattern::application_status => { GET(Public) applications::apply::status, POST(Public) applications::apply::status_action },
    pattern::login => { GET(Public) account::login_form, POST(Public) account::login },
    pattern::logout => { POST(Public) account::logout },
    pattern::account => { GET(SignedIn) account::overview },
    pattern::activate => { GET(Public) account::link_form, POST(Public) account::set_password },
    pattern::reset => { GET(Public) account::reset_request_form, POST(Public) account::reset_request },
    pattern::sign_up => { GET(Public) account::sign_up_form, POST(Public) account::sign_up },
    pattern::reset_link => { GET(Public) account::link_form, POST(Public) account::set_password },
    pattern::settings => { GET(SignedIn) account::settings_form, POST(SignedIn) account::save_settings },
    pattern::password => { GET(SignedIn) account::change_password_form, POST(SignedIn) account::change_password },
    pattern::export => { GET(SignedIn) account::export_data },
    pattern::delete_account => { GET(SignedIn) account::delete_account_form, POST(SignedIn) account::delete_account },
    pattern::admin => { GET(SiteAdmin) admin::dashboard },
    pattern::site_audit => { GET(SiteAdmin) chapters::audit::site_audit },
    pattern::admin_chapters => { POST(SiteAdmin) chapters::manage::create_chapter },
    pattern::new_chapter => { GET(SiteAdmin) chapters::manage::new_chapter },
    pattern::admin_edit_chapter => { GET(SiteAdmin) chapters::manage::admin_edit_form, POST(SiteAdmin) chapters::manage::admin_save },
    pattern::chapter_status => { POST(SiteAdmin) chapters::manage::set_status },
    pattern::appoint_organizer => { POST(SiteAdmin) chapters::manage::appoint_organizer },
    pattern::chapter_profile => { GET(Organizer) chapters::manage::profile_form, POST(Organizer) chapters::manage::save_profile },
    pattern::chapter_audit => { GET(Organizer) chapters::audit::chapter_audit },
    pattern::talks => { GET(Public) talks::archive::archive },
    pattern::talks_atom => { GET(Public) talks::archive::atom },
    pattern::talks_json => { GET(Public) talks::archive::json },
    pattern::talk => { GET(Public) talks::archive::talk_page },
    pattern::talk_invite => { GET(Public) talks::proposals::invite_page, POST(Public) talks::proposals::invite_confirm },
    pattern::speaker => { GET(Public) talks::archive::speaker_page },
    pattern::speaker_profile => { GET(SignedIn) talks::speakers::form, POST(SignedIn) talks::speakers::save },
    pattern::my_talks => { GET(SignedIn) talks::proposals::mine },
    pattern::propose_talk => { GET(SignedIn) talks::proposals::propose_form, POST(SignedIn) talks::proposals::propose },
    pattern::edit_talk => { GET(SignedIn) talks::proposals::edit_form, POST(SignedIn) talks::proposals::save },
    pattern::withdraw_talk => { POST(SignedIn) talks::proposals::withdraw },
    pattern::talk_queue => { GET(EventEditor) talks::review::queue },
    pattern::talk_call => { POST(Organizer) talks::review::set_call },
    pattern::talk_detail => { GET(EventEditor) talks::review::detail },
    pattern::talk_review => { POST(EventEditor) talks::review::review },
    pattern::talk_decision => { POST(Organizer) talks::review::decide },
    pattern::talk_place => { POST(EventEditor) talks::review::place },
    pattern::balance => { GET(Organizer) talks::review::balance },
    pattern::chapter_insights => { GET(EventEditor) insights::chapter_page },
    pattern::chapter_insights_csv => { GET(EventEditor) insights::chapter_csv },
    pattern::site_insights => { GET(SiteAdmin) insights::site_page },
    pattern::site_insights_csv => { GET(SiteAdmin) insights::site_csv },
    pattern::stats => { GET(Public) insights::stats },
    pattern::organizations => { GET(Public) organizations::list },
    pattern::new_organization => { GET(SignedIn) organizations::new_form, POST(SignedIn) organizations::create },
    pattern::organization => { GET(Public) organizations::page },
    pattern::edit_organization => { GET(SignedIn) organizations::edit_form, POST(SignedIn) organizations::save },
    pattern::merge_organizations => { POST(SiteAdmin) organizations::merge },
    pattern::tags => { GET(SiteAdmin) admin::tags::tags_form, POST(SiteAdmin) admin::tags::save_tags },
    pattern::image => { GET(Public) http::images::image },
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
