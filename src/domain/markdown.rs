//! Markdown written by organizers, rendered to HTML and sanitized by ammonia (an allow-list),
//! so it is the one kind of user text a template may mark safe.

pub fn render(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::with_capacity(markdown.len() * 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

/// Renders the stored HTML of rows that have none yet (written before rendering moved to save
/// time, or inserted by other tools), a batch at a time. Returns how many rows were rendered.
pub fn render_missing(conn: &mut crate::db::DbConnection) -> super::DomainResult<usize> {
    use crate::db::schema::{chapters, events};
    use diesel::prelude::*;
    let mut done = 0;
    loop {
        let rows: Vec<(i64, String)> = events::table
            .filter(events::body_html.is_null())
            .select((events::id, events::body))
            .order(events::id)
            .limit(200)
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        // A batch per transaction: one commit (and one new version of the chapters' pages,
        // see `web::cache::shared`) per 200 rows, not per row.
        done += crate::db::write_transaction(conn, |conn| -> super::DomainResult<usize> {
            for (id, body) in &rows {
                diesel::update(events::table.find(*id))
                    .set(events::body_html.eq(Some(render(body))))
                    .execute(conn)?;
            }
            Ok(rows.len())
        })?;
    }
    let rows: Vec<(i64, String, String)> = chapters::table
        .filter(
            chapters::description_html
                .is_null()
                .or(chapters::description_en_html.is_null()),
        )
        .select((
            chapters::id,
            chapters::description,
            chapters::description_en,
        ))
        .load(conn)?;
    for (id, zh, en) in rows {
        diesel::update(chapters::table.find(id))
            .set((
                chapters::description_html.eq(Some(render(&zh))),
                chapters::description_en_html.eq(Some(render(&en))),
            ))
            .execute(conn)?;
        done += 1;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    #[test]
    fn scripts_are_removed_and_formatting_kept() {
        let html = super::render("**bold** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
    }
}
