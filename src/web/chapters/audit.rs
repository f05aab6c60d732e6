//! The audit log as people read it: each entry one sentence in the reader's language, with the
//! names of the people and things it concerns (linked where they have a page), the time in the
//! chapter's zone, and filters by kind of action and by person.

use crate::domain::applications;
use crate::domain::audit::{self, AuditAction, AuditRow, Filter, Kind, Named, Names};
use crate::domain::ids::{ChapterId, UserId};
use crate::domain::memberships::Role;
use crate::i18n::Locale;
use crate::paths;
use crate::web::admin::require_site_admin;
use crate::web::http::access::ChapterAccess;
use crate::web::http::auth::RequireUser;
use crate::web::http::view::{self, Frame};
use crate::web::{AppError, AppState, db};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::TimeZone;
use serde::Deserialize;

/// A run of a sentence: plain words, or a name with a page.
pub enum Piece {
    Text(String),
    Link { text: String, href: String },
}

pub struct Line {
    pub when: String,
    /// Machine-readable time for `<time datetime>`.
    pub at: String,
    pub pieces: Vec<Piece>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "chapters/audit.html")]
struct AuditPage {
    ui: Frame,
    crumb: Option<(String, String)>,
    lines: Vec<Line>,
    kinds: Vec<Choice>,
    people: Vec<Choice>,
    filtered: bool,
    next_href: Option<String>,
    base: String,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    kind: Option<String>,
    who: Option<i64>,
    before: Option<i64>,
}

/// Splits a catalog sentence at `{who}`, `{object}` and `{detail}` into pieces.
fn sentence(template: &str, who: Piece, object: Piece, detail: String) -> Vec<Piece> {
    let mut parts = vec![];
    let mut slots = [("{who}", Some(who)), ("{object}", Some(object))];
    let mut rest = template.replace("{detail}", &detail);
    loop {
        let next = slots
            .iter()
            .enumerate()
            .filter_map(|(i, (tag, p))| p.as_ref().and(rest.find(tag)).map(|at| (at, i)))
            .min();
        let Some((at, i)) = next else { break };
        let (tag, piece) = &mut slots[i];
        let tag_len = tag.len();
        if at > 0 {
            parts.push(Piece::Text(rest[..at].to_string()));
        }
        if let Some(p) = piece.take() {
            parts.push(p);
        }
        rest = rest[at + tag_len..].to_string();
    }
    if !rest.is_empty() {
        parts.push(Piece::Text(rest));
    }
    parts
}

fn in_language(locale: Locale, zh: &str, en: &str) -> String {
    match locale {
        Locale::En if !en.trim().is_empty() => en.to_string(),
        _ => zh.to_string(),
    }
}

/// The object of a row as a piece: its name, linked to its page when it has one.
fn object_piece(row: &AuditRow, names: &Names, locale: Locale) -> Piece {
    let gone = || Piece::Text(locale.t("audit.gone").to_string());
    let Some(id) = row.object_id else {
        return gone();
    };
    match names.objects.get(&(row.object_type.clone(), id)) {
        None => gone(),
        Some(named) => named_piece(named, id, locale),
    }
}

fn named_piece(named: &Named, id: i64, locale: Locale) -> Piece {
    match named {
        Named::Person(name) => Piece::Text(name.clone()),
        Named::Application { name, chapter_slug } => Piece::Link {
            text: name.clone(),
            href: paths::application(chapter_slug, id),
        },
        Named::Chapter { slug, zh, en } => Piece::Link {
            text: in_language(locale, zh, en),
            href: paths::chapter(slug),
        },
        Named::Event {
            chapter_slug,
            slug,
            zh,
            en,
        } => Piece::Link {
            text: in_language(locale, zh, en),
            href: paths::event(chapter_slug, slug),
        },
        Named::Talk { zh, en } => Piece::Link {
            text: in_language(locale, zh, en),
            href: paths::talk(id),
        },
        Named::Organization { zh, en } => Piece::Link {
            text: in_language(locale, zh, en),
            href: paths::organization(crate::domain::ids::OrganizationId(id)),
        },
    }
}

/// What the details column says, as words: a role, a reason, a count; never a code.
fn detail(row: &AuditRow, names: &Names, locale: Locale) -> String {
    let d = row.details.as_str();
    let role = |r: &str| {
        Role::parse(r)
            .map(|r| locale.t(r.label_key()))
            .unwrap_or("")
    };
    // A label's own full stop would double the sentence's.
    let phrase = |key: &str, value: &str| {
        let value = value.trim().trim_end_matches(['.', '。']);
        if value.is_empty() {
            String::new()
        } else {
            locale.tf1(key, "x", value)
        }
    };
    match row.action {
        AuditAction::ApplicationApproved => {
            phrase("audit.detail.as_role", role(d.trim_start_matches("role=")))
        }
        AuditAction::ApplicationRejected => phrase(
            "audit.detail.reason",
            locale.t(&applications::reason_key(d.trim_start_matches("reason="))),
        ),
        AuditAction::RoleChanged => match d.split_once(" -> ") {
            Some((old, new)) => locale.tf(
                "audit.detail.roles",
                &[("old", &role(old)), ("new", &role(new))],
            ),
            None => String::new(),
        },
        AuditAction::MemberRemoved => phrase("audit.detail.reason", d),
        AuditAction::AnnouncementSent => {
            let (audience, n) = d.split_once(' ').unwrap_or((d, "0"));
            let audience = crate::domain::announcements::Audience::parse(audience)
                .map(|a| locale.t(&format!("announce.to_{}", a.as_str())).to_string())
                .unwrap_or_default();
            locale.tf("audit.detail.sent_to", &[("who", &audience), ("n", &n)])
        }
        AuditAction::CheckedIn | AuditAction::CheckInUndone | AuditAction::WalkedIn => {
            let person = audit::rsvp_of(d).and_then(|id| names.rsvps.get(&id));
            phrase("audit.detail.person", person.map_or("", |p| p.as_str()))
        }
        AuditAction::TalkReviewed => phrase("audit.detail.rating", d),
        AuditAction::TalkDecided => {
            let key = format!("talk.status.{d}");
            let label = locale.t(&key);
            phrase(
                "audit.detail.outcome",
                if label == key { "" } else { label },
            )
        }
        AuditAction::TalkPlaced => {
            let event = row
                .chapter_id
                .and_then(|c| names.events_by_slug.get(&(c.get(), d.to_string())));
            match event {
                Some(Named::Event { zh, en, .. }) => {
                    phrase("audit.detail.placed_in", &in_language(locale, zh, en))
                }
                _ => String::new(),
            }
        }
        AuditAction::CallChanged => match d {
            "open" => locale.t("audit.detail.call_open").to_string(),
            _ => locale.t("audit.detail.call_closed").to_string(),
        },
        AuditAction::TagsEdited => phrase("audit.detail.tags", d),
        AuditAction::SpeakerProfileSaved => match d {
            "public" => locale.t("audit.detail.public").to_string(),
            _ => locale.t("audit.detail.private").to_string(),
        },
        AuditAction::OrganizationsMerged | AuditAction::LoginFailed => {
            phrase("audit.detail.text", d)
        }
        _ => String::new(),
    }
}

fn line(row: &AuditRow, names: &Names, locale: Locale, base: &str) -> Line {
    let who = match (&row.actor, row.actor_id) {
        (Some(name), Some(id)) => Piece::Link {
            text: name.clone(),
            href: format!("{base}?who={id}"),
        },
        _ => Piece::Text(locale.t("audit.someone").to_string()),
    };
    let key = format!("audit.say.{}", row.action.as_str());
    let pieces = sentence(
        locale.t(&key),
        who,
        object_piece(row, names, locale),
        detail(row, names, locale),
    );
    let (when, at) = match row
        .chapter_tz
        .as_deref()
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
    {
        Some(tz) => {
            let local = tz.from_utc_datetime(&row.created_at);
            (
                local.format("%Y-%m-%d %H:%M %Z").to_string(),
                local.to_rfc3339(),
            )
        }
        None => (
            format!("{} UTC", row.created_at.format("%Y-%m-%d %H:%M")),
            format!("{}Z", row.created_at.format("%Y-%m-%dT%H:%M:%S")),
        ),
    };
    Line { when, at, pieces }
}

async fn audit_page(
    state: &AppState,
    req: &HttpRequest,
    chapter: Option<(ChapterId, String, String)>,
    base: String,
    query: AuditQuery,
) -> Result<HttpResponse, AppError> {
    let kind = query.kind.as_deref().and_then(Kind::parse);
    let who = query.who.map(UserId);
    let chapter_id = chapter.as_ref().map(|c| c.0);
    let filter = Filter {
        chapter_id,
        kind,
        actor: who,
        before: query.before,
    };
    let (mut rows, names, actors) = db(state, move |c| {
        let rows = audit::list(c, &filter)?;
        let names = audit::names(c, &rows)?;
        Ok((rows, names, audit::actors(c, chapter_id)?))
    })
    .await?;
    let ui = Frame::titled(req, "audit.title");
    let mut filters = vec![];
    if let Some(k) = kind {
        filters.push(format!("kind={}", k.as_str()));
    }
    if let Some(w) = who {
        filters.push(format!("who={w}"));
    }
    let next_href = if rows.len() as i64 > audit::PAGE {
        rows.truncate(audit::PAGE as usize);
        rows.last().map(|r| {
            let mut q = filters.clone();
            q.push(format!("before={}", r.id));
            format!("{base}?{}", q.join("&"))
        })
    } else {
        None
    };
    let lines = rows
        .iter()
        .map(|r| line(r, &names, ui.locale, &base))
        .collect();
    let kinds = Kind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_string(),
            label: ui.t(&format!("audit.kind.{}", k.as_str())).to_string(),
            selected: kind == Some(*k),
        })
        .collect();
    let people = actors
        .into_iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name,
            selected: who == Some(id),
        })
        .collect();
    view::render(&AuditPage {
        crumb: chapter.map(|(_, slug, name)| (paths::chapter(&slug), name)),
        filtered: kind.is_some() || who.is_some(),
        lines,
        kinds,
        people,
        next_href,
        base,
        ui,
    })
}

pub async fn chapter_audit(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let access = ChapterAccess::load(&state, &req, &slug).await?;
    access.require_organizer()?;
    let base = paths::chapter_audit(&access.chapter.slug);
    let locale = crate::web::http::locale::of(&req);
    let chapter = (
        access.chapter.id,
        access.chapter.slug.clone(),
        access.chapter.name(locale).to_string(),
    );
    audit_page(&state, &req, Some(chapter), base, query.into_inner()).await
}

pub async fn site_audit(
    state: web::Data<AppState>,
    req: HttpRequest,
    me: RequireUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    require_site_admin(&me)?;
    audit_page(&state, &req, None, paths::site_audit(), query.into_inner()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => format!("[{t}]"),
                Piece::Link { text, href } => format!("<{text}|{href}>"),
            })
            .collect()
    }

    #[test]
    fn a_sentence_splits_at_its_names_in_either_order() {
        let who = || Piece::Link {
            text: "王".into(),
            href: "/w".into(),
        };
        let obj = || Piece::Text("李雷".into());
        assert_eq!(
            text(&sentence(
                "{who}通过了{object}的申请{detail}。",
                who(),
                obj(),
                "，角色为成员".into()
            )),
            "<王|/w>[通过了][李雷][的申请，角色为成员。]"
        );
        assert_eq!(
            text(&sentence(
                "{object} was approved by {who}",
                who(),
                obj(),
                String::new()
            )),
            "[李雷][ was approved by ]<王|/w>"
        );
    }
}
