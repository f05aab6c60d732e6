//! Chapters: created, edited and archived (or restored) by site admins and organizers.

use super::{Actor, FlowResult};
use crate::db::{DbConnection, write_transaction};
use crate::domain::audit::{AuditAction, Object};
use crate::domain::chapters::{self, Chapter, ChapterInput};
use crate::domain::ids::ChapterId;

/// Creates a chapter with its profile and apply questions. The CLI acts as the system.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &ChapterInput,
    apply_questions: &str,
) -> FlowResult<Chapter> {
    write_transaction(conn, |c| {
        let chapter = chapters::create(c, input)?;
        chapters::update(c, chapter.id, input, apply_questions)?;
        actor.audit(
            c,
            AuditAction::ChapterCreated,
            Some(chapter.id),
            Object::Chapter(chapter.id),
            "",
        )?;
        Ok(chapters::find(c, chapter.id)?)
    })
}

/// Saves a chapter's profile (the slug never changes: printed QR codes point to it).
pub fn edit(
    conn: &mut DbConnection,
    actor: &Actor,
    chapter_id: ChapterId,
    input: &ChapterInput,
    apply_questions: &str,
) -> FlowResult<()> {
    actor.user()?;
    write_transaction(conn, |c| {
        chapters::update(c, chapter_id, input, apply_questions)?;
        actor.audit(
            c,
            AuditAction::ChapterProfileEdited,
            Some(chapter_id),
            Object::Chapter(chapter_id),
            "",
        )
    })
}

/// Archives a chapter (it stops taking applications and leaves the lists) or restores it.
pub fn set_active(
    conn: &mut DbConnection,
    actor: &Actor,
    slug: &str,
    active: bool,
) -> FlowResult<()> {
    actor.user()?;
    write_transaction(conn, |c| {
        let chapter = chapters::find_by_slug(c, slug)?;
        chapters::set_status(c, chapter.id, active)?;
        let action = if active {
            AuditAction::ChapterRestored
        } else {
            AuditAction::ChapterArchived
        };
        actor.audit(c, action, Some(chapter.id), Object::Chapter(chapter.id), "")
    })
}
