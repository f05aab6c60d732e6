//! The talk archive (`/talks`, its feeds), a talk's page and a speaker's page: public.

use crate::domain::DomainError;
use crate::domain::chapters::{self, Chapter};
use crate::domain::ids::{TalkId, UserId};
use crate::domain::speakers::{self, SpeakerProfile};
use crate::domain::talks::given;
use crate::domain::talks::search::{self, ArchiveEntry, ArchiveFilter};
use crate::domain::talks::{self, Speaker, Tags, Talk};
use crate::i18n::Locale;
use crate::paths;
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// A talk as lists show it: its entry and its confirmed speakers, with who has a public page.
pub struct Shown {
    pub entry: ArchiveEntry,
    pub speakers: Vec<(Speaker, bool)>,
}

fn with_speakers(
    c: &mut crate::db::DbConnection,
    entries: Vec<ArchiveEntry>,
) -> Result<Vec<Shown>, DomainError> {
    let ids: Vec<TalkId> = entries.iter().map(|e| e.talk.id).collect();
    let all = talks::confirmed_speakers_of(c, &ids)?;
    let users: Vec<UserId> = all.iter().filter_map(|s| s.user_id).collect();
    let public = speakers::with_public_page(c, &users)?;
    Ok(entries
        .into_iter()
        .map(|entry| Shown {
            speakers: all
                .iter()
                .filter(|s| s.talk_id == entry.talk.id)
                .map(|s| (s.clone(), s.user_id.is_some_and(|u| public.contains(&u))))
                .collect(),
            entry,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "talks/archive.html")]
struct ArchivePage {
    ui: Frame,
    filter: ArchiveFilter,
    /// Talks of events still to come, shown apart from the talks given.
    upcoming: Vec<Shown>,
    talks: Vec<Shown>,
    more: bool,
    page: i64,
    tags: Tags,
    chapters: Vec<Chapter>,
    years: Vec<i32>,
}

impl ArchivePage {
    /// The query string of this view at another page.
    fn page_link(&self, page: i64) -> String {
        let f = &self.filter;
        let query = serde_urlencoded::to_string([
            ("q", f.q.as_str()),
            ("chapter", f.chapter.as_str()),
            ("language", f.language.as_str()),
            ("tag", f.tag.as_str()),
            ("year", f.year.as_str()),
            ("page", &page.to_string()),
        ])
        .unwrap_or_default();
        format!("{}?{query}", paths::talks())
    }
    fn year_selected(&self, y: &i32) -> bool {
        self.filter.year == y.to_string()
    }
}

pub async fn archive(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ArchiveFilter>,
) -> Result<HttpResponse, AppError> {
    let filter = query.into_inner();
    let f = filter.clone();
    let (talks, more, tags, chapters, years) = db(&state, move |c| {
        let (entries, more) = search::archive(c, &f, search::ARCHIVE_PAGE)?;
        Ok((
            with_speakers(c, entries)?,
            more,
            talks::tags(c)?,
            chapters::list_active(c)?,
            given::years(c)?,
        ))
    })
    .await?;
    let now = crate::domain::now();
    let (upcoming, talks): (Vec<Shown>, Vec<Shown>) = talks
        .into_iter()
        .partition(|s| s.entry.talk.given_at.is_some_and(|g| g > now));
    view::render(&ArchivePage {
        ui: Frame::titled(&req, "archive.title"),
        page: crate::domain::page(filter.page),
        filter,
        upcoming,
        talks,
        more,
        tags,
        chapters,
        years,
    })
}

#[derive(Template)]
#[template(path = "talks/talk.html")]
struct TalkPage {
    ui: Frame,
    shown: Shown,
    tags: Tags,
}

/// A talk in the archive; talks not (yet) given are not public.
pub async fn talk_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = TalkId(id.into_inner());
    let (shown, tags) = db(&state, move |c| {
        let entries = given::given_entry(c, id)?;
        let mut shown = with_speakers(c, entries)?;
        Ok((shown.pop().ok_or(DomainError::NotFound)?, talks::tags(c)?))
    })
    .await?;
    let title = shown
        .entry
        .talk
        .title(crate::web::http::locale::of(&req))
        .to_string();
    let locale = crate::web::http::locale::of(&req);
    let e = &shown.entry;
    let ui = Frame::new(&req, title).shared_as(
        &state.config.base_url,
        &paths::talk(e.talk.id),
        &format!("{} · {}", e.event_title(locale), e.given_on(locale)),
        &paths::event_share_png(&e.chapter_slug, &e.event_slug),
    );
    view::render(&TalkPage { ui, shown, tags })
}

#[derive(Template)]
#[template(path = "talks/speaker.html")]
struct SpeakerPage {
    ui: Frame,
    name: String,
    organization: String,
    profile: SpeakerProfile,
    photo: Option<String>,
    talks: Vec<ArchiveEntry>,
}

impl SpeakerPage {
    fn affiliation(&self) -> &str {
        if self.profile.affiliation.is_empty() {
            &self.organization
        } else {
            &self.profile.affiliation
        }
    }
}

/// A speaker's page: only for people who opted in.
pub async fn speaker_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = UserId(id.into_inner());
    let (name, organization, profile, photo, talks) = db(&state, move |c| {
        let (name, organization, profile) = speakers::public(c, id)?;
        let photo = crate::domain::images::path_for(c, profile.photo_hash.as_deref())?;
        Ok((name, organization, profile, photo, given::given_by(c, id)?))
    })
    .await?;
    let locale = crate::web::http::locale::of(&req);
    let image = photo.clone().unwrap_or_else(paths::icon_512);
    let ui = Frame::new(&req, name.clone()).shared_as(
        &state.config.base_url,
        &paths::speaker(id),
        profile.bio(locale),
        &image,
    );
    view::render(&SpeakerPage {
        ui,
        name,
        organization,
        profile,
        photo,
        talks,
    })
}

const FEED_SIZE: i64 = 50;

fn feed_list(state: &AppState) -> impl Future<Output = Result<Vec<Shown>, AppError>> + '_ {
    db(state, |c| {
        let (entries, _) = search::archive(c, &ArchiveFilter::default(), FEED_SIZE)?;
        with_speakers(c, entries)
    })
}

fn talk_url(base: &str, talk: &Talk) -> String {
    format!("{base}{}", paths::talk(talk.id))
}

pub async fn atom(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    use atom_syndication::{Entry, Feed, Link, Person, Text};
    let list = feed_list(&state).await?;
    let base = &state.config.base_url;
    let entries: Vec<Entry> = list
        .iter()
        .map(|s| {
            let talk = &s.entry.talk;
            let mut entry = Entry::default();
            entry.set_id(format!("urn:ogug:talk:{}", talk.id));
            entry.set_title(Text::plain(talk.title(Locale::ZhCn)));
            entry.set_updated(talk.updated_at.and_utc().fixed_offset());
            entry.set_published(talk.given_at.map(|g| g.and_utc().fixed_offset()));
            entry.set_authors(
                s.speakers
                    .iter()
                    .map(|(sp, _)| Person {
                        name: sp.name.clone(),
                        ..Person::default()
                    })
                    .collect::<Vec<_>>(),
            );
            entry.set_summary(Some(Text::plain(talk.abstract_md.clone())));
            let mut link = Link::default();
            link.set_href(talk_url(base, talk));
            link.set_rel("alternate");
            entry.set_links(vec![link]);
            entry
        })
        .collect();
    let mut feed = Feed::default();
    feed.set_title(Text::plain("oGUG talks"));
    feed.set_id(format!("{base}/talks.atom"));
    feed.set_updated(
        list.iter()
            .map(|s| s.entry.talk.updated_at)
            .max()
            .unwrap_or_default()
            .and_utc()
            .fixed_offset(),
    );
    let mut me = Link::default();
    me.set_href(format!("{base}/talks.atom"));
    me.set_rel("self");
    feed.set_links(vec![me]);
    feed.set_entries(entries);
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(feed.to_string()))
}

pub async fn json(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let list = feed_list(&state).await?;
    let base = &state.config.base_url;
    let talks: Vec<serde_json::Value> = list
        .iter()
        .map(|s| {
            let t = &s.entry.talk;
            serde_json::json!({
                "id": t.id,
                "url": talk_url(base, t),
                "title_zh": t.title_zh,
                "title_en": t.title_en,
                "abstract": t.abstract_md,
                "language": t.language,
                "level": t.level,
                "duration_min": t.duration_min,
                "tags": t.tag_slugs().collect::<Vec<_>>(),
                "chapter": s.entry.chapter_slug,
                "event_url": format!("{base}{}", paths::event(&s.entry.chapter_slug, &s.entry.event_slug)),
                "given_at": t.given_at.map(|g| g.and_utc().to_rfc3339()),
                "speakers": s.speakers.iter().map(|(sp, public)| serde_json::json!({
                    "name": sp.name,
                    "affiliation": sp.affiliation,
                    "url": sp.user_id.filter(|_| *public).map(|u| format!("{base}{}", paths::speaker(u))),
                })).collect::<Vec<_>>(),
                "slides_url": t.slides_url,
                "recording_url": s.entry.recording(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body(serde_json::json!({ "talks": talks }).to_string()))
}
