//! Who may do what in a chapter (DESIGN.md section 4), decided on every request from the
//! database, so a role change takes effect at the person's next request.

use super::auth::{SignedIn, signed_in};
use super::{AppError, AppState, db};
use crate::domain::chapters::{self, Chapter};
use crate::domain::memberships::{self, Role};
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
        let me = signed_in(req);
        let user_id = me.as_ref().map(|m| m.user.id);
        let slug = slug.to_string();
        let (chapter, role) = db(state, move |c| {
            let chapter = chapters::find_by_slug(c, &slug)?;
            let role = match user_id {
                Some(id) => memberships::find(c, chapter.id, id)?.map(|m| m.role()),
                None => None,
            };
            Ok((chapter, role))
        })
        .await?;
        Ok(ChapterAccess {
            chapter,
            me,
            role,
            login_target: super::auth::login_redirect_target(req),
        })
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
