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

/// Markdown as a plain-text email part reads: the words, list items as "• …", links as
/// "text (address)", paragraphs apart; raw HTML (a `<script>` line) and images' markup dropped.
pub fn to_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    let mut links: Vec<String> = Vec::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let block_end = |out: &mut String| {
        let trimmed = out.trim_end_matches([' ', '\n']).len();
        out.truncate(trimmed);
        if !out.is_empty() {
            out.push_str("\n\n");
        }
    };
    for event in pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Item) => {
                let trimmed = out.trim_end_matches(' ').len();
                out.truncate(trimmed);
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                let indent = "  ".repeat(lists.len().saturating_sub(1));
                match lists.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{indent}{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str(&format!("{indent}• ")),
                }
            }
            Event::Start(Tag::List(start)) => lists.push(start),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
                if lists.is_empty() {
                    block_end(&mut out);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop()
                    && !out.ends_with(url.as_str())
                {
                    out.push_str(&format!(" ({url})"));
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock) => {
                if lists.is_empty() {
                    block_end(&mut out);
                } else {
                    out.push('\n');
                }
            }
            Event::End(TagEnd::TableCell) => out.push_str("  "),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            Event::Rule => out.push_str("———\n\n"),
            _ => {}
        }
    }
    out.trim().to_string()
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
    fn markdown_becomes_readable_text_without_its_html() {
        let md = "# 通知\n\n**下周六** 见，地址见 [活动页](https://example.org/e)。\n\n<script>alert(1)</script>\n\n- 带上电脑\n- 提前 *十分钟*\n\n1. 签到\n2. 开场";
        let text = super::to_text(md);
        assert_eq!(
            text,
            "通知\n\n下周六 见，地址见 活动页 (https://example.org/e)。\n\n• 带上电脑\n• 提前 十分钟\n\n1. 签到\n2. 开场"
        );
        assert!(!text.contains("script") && !text.contains("**"));
    }

    #[test]
    fn scripts_are_removed_and_formatting_kept() {
        let html = super::render("**bold** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
    }
}
