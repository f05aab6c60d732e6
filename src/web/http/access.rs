//! Who is asking about which chapter: the chapter and the person's role in it, read on every
//! request (so a role change takes effect at the person's next request), with the decisions
//! left to `domain::access`. Loading enforces the route's own permission when it is about the
//! chapter (`web::PERMISSIONS`).

use crate::db::DbConnection;
use crate::domain::DomainError;
use crate::domain::access::{self, Decision, Permission, Viewer};
use crate::domain::chapters::{self, Chapter};
use crate::domain::memberships::Role;
use crate::web::http::auth::{SignedIn, signed_in};
use crate::web::{AppError, AppState, db};
use actix_web::HttpRequest;

pub struct ChapterAccess {
    pub chapter: Chapter,
    pub me: Option<SignedIn>,
    /// The person's role in this chapter, if they belong to it.
    pub role: Option<Role>,
    login_target: String,
}

impl ChapterAccess {
    /// Loads the chapter (404 if missing) and the person's role in it.
    pub async fn load(
        state: &AppState,
        req: &HttpRequest,
        slug: &str,
    ) -> Result<ChapterAccess, AppError> {
        Ok(Self::load_with(state, req, slug, |_, _, _| Ok(())).await?.0)
    }

    /// Loads the chapter and the person's role in it (one query), then runs `then` with them in
    /// the same blocking call: a page costs one trip to the blocking pool, not two. `then`
    /// runs before the handler checks permissions, so it must only read.
    pub async fn load_with<T, F>(
        state: &AppState,
        req: &HttpRequest,
        slug: &str,
        then: F,
    ) -> Result<(ChapterAccess, T), AppError>
    where
        F: FnOnce(&mut DbConnection, &Chapter, Option<Role>) -> Result<T, DomainError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let me = signed_in(req);
        let user_id = me.as_ref().map(|m| m.user.id);
        let slug = slug.to_string();
        let (chapter, role, found) = db(state, move |c| {
            let (chapter, role) = chapters::find_with_role(c, &slug, user_id)?;
            let found = then(c, &chapter, role)?;
            Ok((chapter, role, found))
        })
        .await?;
        let access = ChapterAccess {
            chapter,
            me,
            role,
            login_target: crate::web::http::auth::login_redirect_target(req),
        };
        // The route's own permission, now that the role in this chapter is known.
        if let Some(need) = req
            .match_pattern()
            .and_then(|route| crate::web::permission_of(&route, req.method().as_str()))
            .filter(|need| need.is_chapter_scoped())
        {
            access.require(need)?;
        }
        Ok((access, found))
    }

    /// Who is asking, for `domain::access`.
    pub fn viewer(&self) -> Viewer {
        Viewer::of(self.me.as_ref().map(|m| &m.user), self.role)
    }

    /// The person, if `need` allows them here; otherwise sign in first (anonymous) or 403.
    pub fn require(&self, need: Permission) -> Result<&SignedIn, AppError> {
        match (access::decide(self.viewer(), need), &self.me) {
            (Decision::Allowed, Some(me)) => Ok(me),
            (Decision::Refused, _) => Err(AppError::Forbidden),
            _ => Err(AppError::LoginRequired(self.login_target.clone())),
        }
    }

    /// Review applications, change roles, edit the chapter, read its audit log.
    pub fn require_organizer(&self) -> Result<&SignedIn, AppError> {
        self.require(Permission::Organizer)
    }

    /// Create, edit, publish and cancel events.
    pub fn require_event_editor(&self) -> Result<&SignedIn, AppError> {
        self.require(Permission::EventEditor)
    }

    /// Anyone signed in (proposing a talk).
    pub fn require_signed_in(&self) -> Result<&SignedIn, AppError> {
        self.require(Permission::SignedIn)
    }

    /// See the full member list.
    pub fn require_member(&self) -> Result<&SignedIn, AppError> {
        self.require(Permission::Member)
    }

    pub fn can_manage(&self) -> bool {
        access::may(self.viewer(), Permission::Organizer)
    }
}
