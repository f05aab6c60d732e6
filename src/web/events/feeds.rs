//! Open feeds of public events: iCalendar (stable UIDs, SEQUENCE, STATUS:CANCELLED), Atom and
//! JSON for the community website.

use crate::calendar::{Audience, event_url, ics};
use crate::domain::chapters::{self, Chapter};
use crate::domain::events::{self, Event};
use crate::i18n::Locale;
use crate::paths;
use crate::web::cache::shared::{Built, Part};
use crate::web::{AppError, AppState, db};
use actix_web::{HttpResponse, web};

const FEED_SIZE: i64 = 100;

/// A chapter's feed of its latest public events, in the format `render` writes: the same for
/// every reader, so built once per version of the chapter (`shared`) and answered from memory.
async fn chapter_feed(
    state: &AppState,
    slug: String,
    kind: &'static str,
    render: fn(&str, &Chapter, &[(Event, Chapter)]) -> String,
) -> Result<web::Bytes, AppError> {
    let cache = state.shared.clone();
    let base = state.config.base_url.clone();
    let body = db(state, move |c| {
        let chapter = chapters::find_by_slug(c, &slug)?;
        cache.get(
            chapter.id,
            chapter.content_version,
            Part::Feed(kind),
            || {
                let list = events::for_feed(c, Some(chapter.id), FEED_SIZE)?;
                Ok(Built::lasting(web::Bytes::from(render(
                    &base, &chapter, &list,
                ))))
            },
        )
    })
    .await?;
    Ok((*body).clone())
}

fn ics_response(body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(body)
}

pub async fn site_ics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let list = db(&state, |c| events::for_feed(c, None, FEED_SIZE)).await?;
    Ok(ics_response(ics(
        &state.config.base_url,
        "oGUG",
        &list,
        Audience::Public,
    )))
}

pub async fn chapter_ics(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let body = chapter_feed(&state, slug.into_inner(), "ics", |base, chapter, list| {
        ics(
            base,
            &format!("oGUG {}", chapter.name_zh),
            list,
            Audience::Public,
        )
    })
    .await?;
    Ok(ics_response(body))
}

pub async fn event_ics(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, event_slug) = path.into_inner();
    let (chapter, event) = db(&state, move |c| {
        let chapter = chapters::find_by_slug(c, &slug)?;
        let event = events::find_public(c, chapter.id, &event_slug)?;
        Ok((chapter, event))
    })
    .await?;
    let name = event.title(Locale::ZhCn).to_string();
    Ok(ics_response(ics(
        &state.config.base_url,
        &name,
        &[(event, chapter)],
        Audience::Public,
    )))
}

fn atom(base: &str, self_url: &str, title: &str, list: &[(Event, Chapter)]) -> String {
    use atom_syndication::{Entry, Feed, Link, Text};
    let updated = list
        .iter()
        .map(|(e, _)| e.updated_at)
        .max()
        .unwrap_or_default()
        .and_utc()
        .fixed_offset();
    let entries = list
        .iter()
        .map(|(event, chapter)| {
            let mut entry = Entry::default();
            let url = event_url(base, chapter, event);
            entry.set_id(format!("urn:ogug:event:{}", event.id));
            let mut title = event.title(Locale::ZhCn).to_string();
            if event.is_cancelled() {
                title = format!("[已取消 Cancelled] {title}");
            }
            entry.set_title(Text::plain(title));
            entry.set_updated(event.updated_at.and_utc().fixed_offset());
            if let Some(p) = event.published_at {
                entry.set_published(Some(p.and_utc().fixed_offset()));
            }
            entry.set_summary(Some(Text::plain(format!(
                "{} — {} UTC",
                event.summary(Locale::ZhCn),
                event.starts_at.format("%Y-%m-%d %H:%M")
            ))));
            let mut link = Link::default();
            link.set_href(url);
            link.set_rel("alternate");
            entry.set_links(vec![link]);
            entry
        })
        .collect::<Vec<_>>();
    let mut feed = Feed::default();
    feed.set_title(Text::plain(title));
    feed.set_id(self_url);
    feed.set_updated(updated);
    let mut me = Link::default();
    me.set_href(self_url);
    me.set_rel("self");
    feed.set_links(vec![me]);
    feed.set_entries(entries);
    feed.to_string()
}

fn atom_response(body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(body)
}

pub async fn site_atom(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let list = db(&state, |c| events::for_feed(c, None, FEED_SIZE)).await?;
    let base = &state.config.base_url;
    Ok(atom_response(atom(
        base,
        &format!("{base}/events.atom"),
        "oGUG events",
        &list,
    )))
}

pub async fn chapter_atom(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let body = chapter_feed(&state, slug.into_inner(), "atom", |base, chapter, list| {
        let self_url = format!("{base}{}", paths::chapter_events_atom(&chapter.slug));
        atom(base, &self_url, &format!("oGUG {}", chapter.name_zh), list)
    })
    .await?;
    Ok(atom_response(body))
}

fn json_list(base: &str, list: &[(Event, Chapter)]) -> serde_json::Value {
    serde_json::Value::Array(
        list.iter()
            .map(|(e, c)| {
                serde_json::json!({
                    "id": e.id,
                    "chapter": c.slug,
                    "slug": e.slug,
                    "url": event_url(base, c, e),
                    "ics_url": format!("{}/event.ics", event_url(base, c, e)),
                    "title_zh": e.title_zh,
                    "title_en": e.title(Locale::En),
                    "summary_zh": e.summary_zh,
                    "summary_en": e.summary(Locale::En),
                    "starts_at": e.starts_at.and_utc().to_rfc3339(),
                    "ends_at": e.ends_at.and_utc().to_rfc3339(),
                    "time_zone": c.time_zone,
                    "mode": e.mode,
                    "venue": e.venue,
                    "address": e.address,
                    // For people who registered (their ticket carries it), never in a feed.
                    "online_url": "",
                    "capacity": e.capacity,
                    "status": e.status,
                })
            })
            .collect(),
    )
}

fn json_response(body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body(body)
}

pub async fn site_json(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let list = db(&state, |c| events::for_feed(c, None, FEED_SIZE)).await?;
    Ok(json_response(
        serde_json::json!({ "events": json_list(&state.config.base_url, &list) }).to_string(),
    ))
}

pub async fn chapter_json(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let body = chapter_feed(&state, slug.into_inner(), "json", |base, chapter, list| {
        serde_json::json!({
            "chapter": { "slug": chapter.slug, "name_zh": chapter.name_zh, "name_en": chapter.name_en, "time_zone": chapter.time_zone },
            "events": json_list(base, list),
        })
        .to_string()
    })
    .await?;
    Ok(json_response(body))
}
