//! Who may do what in a chapter (DESIGN.md section 4), decided on every request from the
//! database, so a role change takes effect at the person's next request.

use super::auth::{SignedIn, signed_in};
use super::{AppError, AppState, db};
use crate::db::DbConnection;
use crate::domain::DomainError;
use crate::domain::chapters::{self, Chapter};
use crate::domain::memberships::Role;
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
            login_target: super::auth::login_redirect_target(req),
        };
        Ok((access, found))
    }

    fn is_site_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|m| m.user.is_site_admin)
    }

    fn require(&self, allowed: bool) -> Result<&SignedIn, AppError> {
        match &self.me {
            None => Err(AppError::LoginRequired(self.login_target.clone())),
            Some(me) if allowed || me.user.is_site_admin => Ok(me),
            Some(_) => Err(AppError::Forbidden),
        }
    }

    /// Review applications, change roles, edit the chapter, read its audit log.
    pub fn require_organizer(&self) -> Result<&SignedIn, AppError> {
        self.require(self.role == Some(Role::Organizer))
    }

    /// Create, edit, publish and cancel events.
    pub fn require_event_editor(&self) -> Result<&SignedIn, AppError> {
        self.require(matches!(
            self.role,
            Some(Role::Organizer | Role::Ambassador)
        ))
    }

    /// Anyone signed in (proposing a talk).
    pub fn require_signed_in(&self) -> Result<&SignedIn, AppError> {
        self.require(true)
    }

    /// See the full member list.
    pub fn require_member(&self) -> Result<&SignedIn, AppError> {
        self.require(self.role.is_some())
    }

    pub fn can_manage(&self) -> bool {
        self.is_site_admin() || self.role == Some(Role::Organizer)
    }
}
