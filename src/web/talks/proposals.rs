//! The speaker's side of the call for speakers: proposing, changing, withdrawing, confirming as
//! co-speaker, and the person's own talks.

use crate::domain::chapters::Chapter;
use crate::domain::events::Event;
use crate::domain::ids::TalkId;
use crate::domain::talks::{self, OpenCalls, Tags, Talk, TalkInput};
use crate::domain::{Conflict, FieldErrors};
use crate::flows;
use crate::paths;
use crate::web::http::access::ChapterAccess;
use crate::web::http::auth::RequireUser;
use crate::web::http::respond::{actor, see_other, with_status};
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db, flow};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "talks/propose.html")]
struct ProposePage {
    ui: Frame,
    chapter: Chapter,
    chapter_name: String,
    calls: OpenCalls,
    tags: Tags,
    form: TalkInput,
    errors: FieldErrors,
    /// None: a new proposal; Some: editing this talk.
    editing: Option<Talk>,
    notice: &'static str,
}

impl ProposePage {
    fn has_tag(&self, slug: &str) -> bool {
        self.form.tags.iter().any(|t| t == slug)
    }
    fn event_title(&self, event: &Event) -> String {
        event.title(self.ui.locale).to_string()
    }
    fn deadline(&self, event: &Event) -> String {
        event
            .cfp_deadline
            .map(|d| view::local_date(d, self.chapter.tz(), self.ui.locale))
            .unwrap_or_default()
    }
    fn can_change_content(&self) -> bool {
        self.editing.as_ref().is_none_or(Talk::is_open)
    }
}

fn parse_form(body: &[u8]) -> Result<TalkInput, AppError> {
    let form = crate::web::http::upload::FormData::urlencoded(body)?;
    let get = |k: &str| form.field(k);
    Ok(TalkInput {
        title_zh: get("title_zh"),
        title_en: get("title_en"),
        abstract_md: get("abstract"),
        language: get("language"),
        level: get("level"),
        duration: get("duration"),
        tags: form.all("tags").map(str::to_string).take(20).collect(),
        co_speakers: get("co_speakers"),
        event: get("event"),
        slides_url: get("slides_url"),
        recording_url: get("recording_url"),
        bio: get("bio"),
    })
}

struct Context {
    access: ChapterAccess,
    calls: OpenCalls,
    tags: Tags,
}

async fn context(state: &AppState, req: &HttpRequest, slug: &str) -> Result<Context, AppError> {
    let access = ChapterAccess::load(state, req, slug).await?;
    access.require_signed_in()?;
    let chapter = access.chapter.clone();
    let (calls, tags) = db(state, move |c| {
        Ok((talks::open_calls(c, &chapter)?, talks::tags(c)?))
    })
    .await?;
    Ok(Context {
        access,
        calls,
        tags,
    })
}

fn page(
    req: &HttpRequest,
    ctx: Context,
    (form, errors): (TalkInput, FieldErrors),
    editing: Option<Talk>,
    (notice, status): (&'static str, StatusCode),
) -> Result<HttpResponse, AppError> {
    let ui = Frame::titled(
        req,
        if editing.is_some() {
            "talk.edit_title"
        } else {
            "talk.propose_title"
        },
    );
    let page = ProposePage {
        chapter_name: ctx.access.chapter.name(ui.locale).to_string(),
        chapter: ctx.access.chapter,
        calls: ctx.calls,
        tags: ctx.tags,
        form,
        errors,
        editing,
        notice,
        ui,
    };
    Ok(with_status(view::render(&page)?, status))
}

pub async fn propose_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let ctx = context(&state, &req, &slug).await?;
    let locale = crate::web::http::locale::of(&req);
    let me = ctx.access.require_signed_in()?.user.id;
    let bio = db(&state, move |c| {
        Ok(crate::domain::speakers::find(c, me)?
            .map(|p| p.bio(locale).to_string())
            .unwrap_or_default())
    })
    .await?;
    let form = TalkInput {
        bio,
        language: "zh".into(),
        level: "intermediate".into(),
        duration: "30".into(),
        event: match (ctx.calls.rolling, ctx.calls.events.first()) {
            (false, Some(e)) => e.slug.clone(),
            _ => String::new(),
        },
        ..TalkInput::default()
    };
    page(
        &req,
        ctx,
        (form, FieldErrors::default()),
        None,
        ("", StatusCode::OK),
    )
}

pub async fn propose(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let ctx = context(&state, &req, &slug).await?;
    let form = parse_form(&body)?;
    let known = ctx.tags.slugs();
    let valid = match talks::validate(&form, &known) {
        Ok(v) => v,
        Err(errors) => {
            let s = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&req, ctx, (form, errors), None, ("", s));
        }
    };
    let (actor, chapter) = (actor(&req), ctx.access.chapter.clone());
    let locale = crate::web::http::locale::of(&req);
    match flow(&state, move |c, site| {
        flows::talks::propose(c, site, &actor, &chapter, &valid, locale)
    })
    .await
    {
        Ok(_) => Ok(see_other(format!("{}?proposed=1", paths::my_talks()))),
        Err(AppError::Conflict(Conflict::CallClosed)) => page(
            &req,
            ctx,
            (form, FieldErrors::default()),
            None,
            ("closed", StatusCode::CONFLICT),
        ),
        Err(e) => Err(e),
    }
}

async fn own_talk(state: &AppState, ctx: &Context, id: i64) -> Result<Talk, AppError> {
    let me = ctx.access.require_signed_in()?.user.id;
    let chapter_id = ctx.access.chapter.id;
    let (talk, mine) = db(state, move |c| {
        let talk = talks::find_in(c, chapter_id, TalkId(id))?;
        let mine = talks::is_speaker(c, &talk, me)?;
        Ok((talk, mine))
    })
    .await?;
    if mine {
        Ok(talk)
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn edit_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let ctx = context(&state, &req, &slug).await?;
    let talk = own_talk(&state, &ctx, id).await?;
    let talk_id = talk.id;
    let speakers = db(&state, move |c| talks::speakers(c, talk_id)).await?;
    let event = match talk.call_event_id {
        Some(e) => ctx
            .calls
            .events
            .iter()
            .find(|ev| ev.id == e)
            .map(|ev| ev.slug.clone())
            .unwrap_or_default(),
        None => String::new(),
    };
    let form = TalkInput {
        title_zh: talk.title_zh.clone(),
        title_en: talk.title_en.clone(),
        abstract_md: talk.abstract_md.clone(),
        language: talk.language.clone(),
        level: talk.level.clone(),
        duration: talk.duration_min.to_string(),
        tags: talk.tag_slugs().map(str::to_string).collect(),
        co_speakers: speakers
            .iter()
            .filter(|s| s.position > 0)
            .map(|s| s.email.clone())
            .collect::<Vec<_>>()
            .join("\n"),
        event,
        slides_url: talk.slides_url.clone(),
        recording_url: talk.recording_url.clone(),
        // Edited in the speaker profile once the talk exists.
        bio: String::new(),
    };
    page(
        &req,
        ctx,
        (form, FieldErrors::default()),
        Some(talk),
        ("", StatusCode::OK),
    )
}

pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let ctx = context(&state, &req, &slug).await?;
    let talk = own_talk(&state, &ctx, id).await?;
    let mut form = parse_form(&body)?;
    if !talk.is_open() {
        // Decided talks keep their content; only the links change.
        let (slides, recording) = (form.slides_url, form.recording_url);
        form = TalkInput {
            title_zh: talk.title_zh.clone(),
            title_en: talk.title_en.clone(),
            abstract_md: talk.abstract_md.clone(),
            language: talk.language.clone(),
            level: talk.level.clone(),
            duration: talk.duration_min.to_string(),
            tags: talk.tag_slugs().map(str::to_string).collect(),
            slides_url: slides,
            recording_url: recording,
            ..TalkInput::default()
        };
    }
    let known = ctx.tags.slugs();
    let valid = match talks::validate(&form, &known) {
        Ok(v) => v,
        Err(errors) => {
            let s = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&req, ctx, (form, errors), Some(talk), ("", s));
        }
    };
    let (actor, chapter, talk_id) = (actor(&req), ctx.access.chapter.clone(), talk.id);
    match flow(&state, move |c, site| {
        flows::talks::edit(c, site, &actor, &chapter, talk_id, &valid)
    })
    .await
    {
        Ok(()) => Ok(see_other(format!("{}?saved=1", paths::my_talks()))),
        Err(AppError::Conflict(Conflict::NotProposed)) => page(
            &req,
            ctx,
            (form, FieldErrors::default()),
            Some(talk),
            ("decided", StatusCode::CONFLICT),
        ),
        Err(e) => Err(e),
    }
}

pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, AppError> {
    let (slug, id) = path.into_inner();
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_signed_in()?;
    let (actor, chapter) = (actor(&req), access.chapter.clone());
    flow(&state, move |c, _| {
        flows::talks::withdraw(c, &actor, &chapter, TalkId(id))
    })
    .await?;
    Ok(see_other(format!("{}?withdrawn=1", paths::my_talks())))
}

#[derive(Template)]
#[template(path = "talks/mine.html")]
struct MinePage {
    ui: Frame,
    talks: Vec<(Talk, String)>,
    notice: String,
}

#[derive(serde::Deserialize)]
pub struct MineQuery {
    proposed: Option<String>,
    saved: Option<String>,
    withdrawn: Option<String>,
}

pub async fn mine(
    state: web::Data<AppState>,
    req: HttpRequest,
    RequireUser(me): RequireUser,
    query: web::Query<MineQuery>,
) -> Result<HttpResponse, AppError> {
    let id = me.user.id;
    let talks = db(&state, move |c| talks::of_person(c, id)).await?;
    let notice = if query.proposed.is_some() {
        "proposed"
    } else if query.saved.is_some() {
        "saved"
    } else if query.withdrawn.is_some() {
        "withdrawn"
    } else {
        ""
    };
    view::render(&MinePage {
        ui: Frame::titled(&req, "talk.mine_title"),
        talks,
        notice: notice.to_string(),
    })
}

#[derive(Template)]
#[template(path = "talks/invite.html")]
struct InvitePage {
    ui: Frame,
    talk: Talk,
    confirmed: bool,
    speaker_name: String,
    affiliation: String,
    errors: FieldErrors,
}

async fn invitation(state: &AppState, token: &str) -> Result<(talks::Speaker, Talk), AppError> {
    let token = token.to_string();
    match db(state, move |c| talks::invitation(c, &token)).await {
        // An expired link is gone, like any used link.
        Err(AppError::Conflict(Conflict::TooLate)) => Err(AppError::NotFound),
        other => other,
    }
}

pub async fn invite_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (speaker, talk) = invitation(&state, &token).await?;
    let me = crate::web::http::auth::signed_in(&req);
    view::render(&InvitePage {
        ui: Frame::titled(&req, "talk.invite_title"),
        confirmed: speaker.confirmed_at.is_some(),
        speaker_name: me
            .as_ref()
            .map(|m| m.user.display_name.clone())
            .unwrap_or_default(),
        affiliation: me.map(|m| m.user.organization).unwrap_or_default(),
        talk,
        errors: FieldErrors::default(),
    })
}

#[derive(serde::Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    affiliation: String,
}

pub async fn invite_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let (speaker, talk) = invitation(&state, &token).await?;
    let mut errors = FieldErrors::default();
    if let Err(key) = crate::domain::text::check_line(&form.name, 100, true) {
        errors.add("name", key);
    }
    if let Err(key) = crate::domain::text::check_line(&form.affiliation, 200, false) {
        errors.add("affiliation", key);
    }
    if !errors.is_empty() || speaker.confirmed_at.is_some() {
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = InvitePage {
            ui: Frame::titled(&req, "talk.invite_title"),
            confirmed: speaker.confirmed_at.is_some(),
            speaker_name: form.name.clone(),
            affiliation: form.affiliation.clone(),
            talk,
            errors,
        };
        return Ok(with_status(view::render(&page)?, status));
    }
    let (actor, token) = (actor(&req), token.into_inner());
    let (name, affiliation) = (form.name.clone(), form.affiliation.clone());
    let talk = flow(&state, move |c, _| {
        flows::talks::confirm_co_speaker(c, &actor, &token, &name, &affiliation)
    })
    .await?;
    view::render(&InvitePage {
        ui: Frame::titled(&req, "talk.invite_title"),
        confirmed: true,
        speaker_name: form.name.clone(),
        affiliation: form.affiliation.clone(),
        talk,
        errors: FieldErrors::default(),
    })
}
