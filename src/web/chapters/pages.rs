//! Pages anyone may see: home, chapters, a chapter, an event; and the health check.

use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, Event};
use crate::domain::memberships::{self, Role};
use crate::i18n::Locale;
use crate::paths;
use crate::web::cache::shared::{Built, Part, SITE};
use crate::web::http::access::ChapterAccess;
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

pub struct ChapterCard {
    pub href: String,
    pub name: String,
    pub city: String,
    pub founded: String,
    pub members_label: String,
}

pub struct EventCard {
    pub href: String,
    pub title: String,
    pub summary: String,
    pub when: String,
    pub mode_key: &'static str,
    pub venue: String,
    pub cancelled: bool,
}

impl EventCard {
    pub fn new(event: &Event, chapter_slug: &str, tz: chrono_tz::Tz, locale: Locale) -> EventCard {
        EventCard {
            href: paths::event(chapter_slug, &event.slug),
            title: event.title(locale).to_string(),
            summary: event.summary(locale).to_string(),
            when: view::time_range(event.starts_at, event.ends_at, tz, locale),
            mode_key: event.mode_key(),
            venue: event.venue.clone(),
            cancelled: event.is_cancelled(),
        }
    }
}

/// Cards for a list of events once per language (`Locale::ALL` order): what is kept for every
/// reader is built in both, and a page picks its reader's.
pub fn cards_per_locale<T>(
    list: &[T],
    card: impl Fn(&T, Locale) -> EventCard,
) -> [Vec<EventCard>; 2] {
    Locale::ALL.map(|locale| list.iter().map(|item| card(item, locale)).collect())
}

#[derive(Template)]
#[template(path = "chapters/home.html")]
struct HomePage<'a> {
    ui: Frame,
    chapters: &'a [ChapterCard],
    events: &'a [EventCard],
}

fn chapter_cards(list: &[Chapter], locale: Locale) -> Vec<ChapterCard> {
    list.iter()
        .map(|s| ChapterCard {
            href: paths::chapter(&s.slug),
            name: s.name(locale).to_string(),
            city: s.city.clone(),
            founded: s
                .founded_on
                .map(|d| view::date(d, locale))
                .unwrap_or_default(),
            members_label: locale.tf("chapter.member_count", &[("n", &s.member_count)]),
        })
        .collect()
}

/// The home page's chapter and event cards in both languages (`Locale::ALL` order).
pub struct HomeShared {
    chapters: [Vec<ChapterCard>; 2],
    events: [Vec<EventCard>; 2],
}

fn home_shared(
    conn: &mut crate::db::DbConnection,
) -> crate::domain::DomainResult<Built<HomeShared>> {
    let list = chapters::list_active(conn)?;
    let upcoming = events::upcoming_everywhere(conn, 6)?;
    let events = cards_per_locale(&upcoming, |(e, slug, tz), locale| {
        EventCard::new(
            e,
            slug,
            tz.parse().unwrap_or(chrono_tz::Asia::Shanghai),
            locale,
        )
    });
    Ok(Built {
        value: HomeShared {
            chapters: Locale::ALL.map(|locale| chapter_cards(&list, locale)),
            events,
        },
        until: events::next_end(conn, None)?,
    })
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let ui = Frame::new(&req, "");
    let locale = ui.locale;
    let cache = state.shared.clone();
    let shared = db(&state, move |conn| {
        let version = chapters::site_version(conn)?;
        cache.get(SITE, version, Part::Home, || home_shared(conn))
    })
    .await?;
    view::render(&HomePage {
        ui,
        chapters: &shared.chapters[locale.index()],
        events: &shared.events[locale.index()],
    })
}

#[derive(Template)]
#[template(path = "chapters/list.html")]
struct ChaptersPage {
    ui: Frame,
    chapters: Vec<ChapterCard>,
}

pub async fn chapter_list(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let mut ui = Frame::new(&req, "");
    ui.title = ui.t("chapters.title").to_string();
    let list = db(&state, chapters::list_active).await?;
    let chapters = chapter_cards(&list, ui.locale);
    view::render(&ChaptersPage { ui, chapters })
}

pub struct RosterGroup {
    pub role_key: &'static str,
    pub people: Vec<memberships::RosterEntry>,
}

type Sponsors = Vec<(crate::domain::organizations::Organization, Option<String>)>;

/// What the chapter page shows alike to every reader, built once per version of the chapter
/// (`shared`); cards once per language, in `Locale::ALL` order.
pub struct ChapterShared {
    roster: Vec<RosterGroup>,
    more_members: bool,
    upcoming: [Vec<EventCard>; 2],
    past: [Vec<EventCard>; 2],
    /// Organizations that hosted or sponsored its events in the last 12 months, with logos.
    sponsors: Sponsors,
}

fn chapter_shared(
    conn: &mut crate::db::DbConnection,
    chapter: &Chapter,
) -> crate::domain::DomainResult<Built<ChapterShared>> {
    let roster = memberships::public_roster(conn, chapter.id)?;
    let (upcoming, past) = events::public_for_chapter(conn, chapter.id, 20)?;
    let since = crate::domain::now() - chrono::TimeDelta::days(365);
    let recent = crate::domain::organizations::recent_for_chapter(conn, chapter.id, since)?;
    let orgs = recent.into_iter().take(12).map(|(org, _)| org).collect();
    let sponsors = crate::domain::organizations::with_logos(conn, orgs)?;
    let until = events::next_end(conn, Some(chapter.id))?;
    let more_members = roster.more_members;
    // Already grouped by role: organizers, ambassadors, members.
    let roster = Role::ALL
        .iter()
        .map(|role| RosterGroup {
            role_key: role.label_key(),
            people: roster
                .entries
                .iter()
                .filter(|e| e.role == *role)
                .cloned()
                .collect(),
        })
        .filter(|g| !g.people.is_empty())
        .collect();
    let tz = chapter.tz();
    let cards = |list: &[Event]| {
        cards_per_locale(list, |e, locale| {
            EventCard::new(e, &chapter.slug, tz, locale)
        })
    };
    Ok(Built {
        value: ChapterShared {
            roster,
            more_members,
            upcoming: cards(&upcoming),
            past: cards(&past),
            sponsors,
        },
        until,
    })
}

#[derive(Template)]
#[template(path = "chapters/page.html")]
struct ChapterPage<'a> {
    ui: Frame,
    chapter: Chapter,
    name: String,
    founded: String,
    description_html: String,
    roster: &'a [RosterGroup],
    /// "The first 60 of 20,408 members who chose to be listed" when the roster is cut short.
    roster_more: Option<String>,
    upcoming: &'a [EventCard],
    past: &'a [EventCard],
    /// The viewer may manage the chapter (organizer or site admin).
    can_manage: bool,
    /// The viewer may create events (ambassador, organizer, site admin).
    can_edit_events: bool,
    is_member: bool,
    sponsors: &'a Sponsors,
}

pub async fn chapter_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let cache = state.shared.clone();
    let (access, shared) = ChapterAccess::load_with(&state, &req, &slug, move |conn, c, _| {
        cache.get(c.id, c.content_version, Part::ChapterPage, || {
            chapter_shared(conn, c)
        })
    })
    .await?;
    let ui = Frame::new(&req, "");
    let locale = ui.locale;
    let chapter = access.chapter;
    let listed: i64 = shared
        .roster
        .iter()
        .map(|g| i64::try_from(g.people.len()).unwrap_or(i64::MAX))
        .sum();
    let roster_more = if shared.more_members {
        Some(locale.tf(
            "chapter.roster_more",
            &[
                ("shown", &memberships::ROSTER_MEMBERS),
                ("n", &chapter.member_count),
            ],
        ))
    } else if listed > 0 && listed < chapter.member_count {
        // The count on the chapter's card includes people who keep their names private.
        Some(locale.tf(
            "chapter.roster_private",
            &[
                ("shown", &listed),
                ("hidden", &(chapter.member_count - listed)),
            ],
        ))
    } else {
        None
    };
    let is_admin = access.me.is_some_and(|m| m.user.is_site_admin);
    let role = access.role;
    let page = ChapterPage {
        can_manage: is_admin || role == Some(Role::Organizer),
        is_member: role.is_some(),
        can_edit_events: is_admin || matches!(role, Some(Role::Organizer | Role::Ambassador)),
        name: chapter.name(locale).to_string(),
        founded: chapter
            .founded_on
            .map(|d| view::date(d, locale))
            .unwrap_or_default(),
        description_html: chapter.description_html(locale).into_owned(),
        roster: &shared.roster,
        roster_more,
        sponsors: &shared.sponsors,
        upcoming: &shared.upcoming[locale.index()],
        past: &shared.past[locale.index()],
        ui: Frame {
            title: chapter.name(locale).to_string(),
            ..ui
        }
        .shared_as(
            &state.config.base_url,
            &paths::chapter(&chapter.slug),
            chapter.description(locale),
            &paths::chapter_share_png(&chapter.slug),
        ),
        chapter,
    };
    view::render(&page)
}

/// Readiness: 200 only when the database answers, its migrations are current and (where this
/// instance sends email) the mail worker is going round; else 503 with a one-line reason.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checked = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        db(&state, |conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")?;
            crate::db::migrations_pending(conn)
                .map_err(|e| crate::domain::DomainError::Invalid(migration_error(e)))
        }),
    )
    .await;
    // A worker sleeps at most `idle_poll` between rounds; a round may take a while.
    let stale_after = (state.config.mail.idle_poll.as_secs() as i64 * 3).max(60);
    let problem = match checked {
        Err(_) => Some("database: no answer within 3 s"),
        Ok(Err(_)) => Some("database: unavailable"),
        Ok(Ok(true)) => Some("database: migrations pending"),
        Ok(Ok(false)) if !state.config.mail_worker => None,
        Ok(Ok(false)) => match state.mail.silent_for() {
            None => Some("mail worker: not started"),
            Some(s) if s > stale_after => Some("mail worker: stalled"),
            Some(_) => None,
        },
    };
    let mut res = match problem {
        None => HttpResponse::Ok(),
        Some(_) => HttpResponse::ServiceUnavailable(),
    };
    res.insert_header(("Cache-Control", "no-store"))
        .content_type("text/plain")
        .body(problem.unwrap_or("ready"))
}

fn migration_error(err: crate::db::DbError) -> crate::domain::FieldErrors {
    tracing::error!(error = %err, "cannot read the migration state");
    crate::domain::FieldErrors::default()
}

/// Liveness: answered from memory on the async worker, never queued behind database work on
/// the blocking pool, so a slow page or a busy database cannot make a healthy process look dead.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .content_type("text/plain")
        .body("ok")
}
