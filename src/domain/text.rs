//! Checks shared by every free-text field. Single-line text (names, titles, venues,
//! organizations, job titles, summaries) ends up in mail headers, iCalendar lines, CSV cells and
//! log lines, so control characters and bidi overrides are refused at the door with a field
//! error, never discovered later as a 500 or a forged line.

use super::FieldErrors;

/// Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they make text read
/// differently from what is stored (e.g. a forged file name or link in an email).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// True for a character no single-line field may hold: C0/C1 controls (CR, LF and TAB
/// included), the Unicode line and paragraph separators, and bidi controls.
pub fn forbidden_in_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_bidi_control(c)
}

/// Multi-line text (motivations, messages, Markdown) keeps its line breaks and tabs.
pub fn forbidden_in_text(c: char) -> bool {
    !matches!(c, '\n' | '\r' | '\t') && forbidden_in_line(c)
}

/// Checks one value against a length, presence and a character rule.
fn check(
    value: &str,
    max_chars: usize,
    required: bool,
    forbidden: fn(char) -> bool,
) -> Result<(), &'static str> {
    let v = value.trim();
    if required && v.is_empty() {
        Err("error.required")
    } else if v.chars().count() > max_chars {
        Err("error.too_long")
    } else if v.chars().any(forbidden) {
        Err("error.invalid_characters")
    } else {
        Ok(())
    }
}

/// Checks one single-line value; the catalog key of the problem, if any.
pub fn check_line(value: &str, max_chars: usize, required: bool) -> Result<(), &'static str> {
    check(value, max_chars, required, forbidden_in_line)
}

/// Checks one multi-line value.
pub fn check_text(value: &str, max_chars: usize, required: bool) -> Result<(), &'static str> {
    check(value, max_chars, required, forbidden_in_text)
}

/// A single-line field: trimmed; its problem, if any, recorded under `field`.
pub fn line(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max_chars: usize,
    required: bool,
) -> String {
    if let Err(key) = check_line(value, max_chars, required) {
        errors.add(field, key);
    }
    value.trim().to_string()
}

/// A multi-line field: trimmed; its problem, if any, recorded under `field`.
pub fn text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max_chars: usize,
    required: bool,
) -> String {
    if let Err(key) = check_text(value, max_chars, required) {
        errors.add(field, key);
    }
    value.trim().to_string()
}

/// Markdown sources are bounded in bytes (rendering cost grows with bytes, not characters),
/// and in how deeply they nest: each level of `>` or list costs the renderer and the sanitizer
/// a pass, so 20,000 `>` took a second to render.
pub const MARKDOWN_MAX_BYTES: usize = 20_000;
pub const MARKDOWN_MAX_NESTING: usize = 16;

/// Checks a Markdown source.
pub fn check_markdown(value: &str) -> Result<(), &'static str> {
    if value.len() > MARKDOWN_MAX_BYTES {
        return Err("error.too_long");
    }
    if value.chars().any(forbidden_in_text) {
        return Err("error.invalid_characters");
    }
    if value.lines().any(|l| nesting(l) > MARKDOWN_MAX_NESTING) {
        return Err("error.markdown_too_deep");
    }
    Ok(())
}

/// How many block containers (quotes, list items) a line opens before its text.
fn nesting(line: &str) -> usize {
    let mut depth = 0;
    let mut rest = line.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix('>') {
            depth += 1;
            rest = r.trim_start();
        } else if let Some(r) = rest
            .strip_prefix("- ")
            .or_else(|| rest.strip_prefix("* "))
            .or_else(|| rest.strip_prefix("+ "))
        {
            depth += 1;
            rest = r.trim_start();
        } else {
            return depth;
        }
    }
}

/// Makes stored text safe for a one-line context (a mail header, a log line) by turning every
/// forbidden character into a space: for rows written before validation refused them.
pub fn one_line(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().any(forbidden_in_line) {
        value
            .chars()
            .map(|c| if forbidden_in_line(c) { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        value.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines_refuse_controls_and_bidi_overrides() {
        assert_eq!(check_line("openGauss 北京 Meetup", 100, true), Ok(()));
        for bad in [
            "a\tb",
            "a\r\nb",
            "a\u{0}b",
            "a\u{85}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{2028}b",
        ] {
            assert_eq!(
                check_line(bad, 100, true),
                Err("error.invalid_characters"),
                "{bad:?}"
            );
        }
        assert_eq!(check_line("  ", 100, true), Err("error.required"));
        assert_eq!(
            check_line(&"长".repeat(101), 100, false),
            Err("error.too_long")
        );
    }

    #[test]
    fn multi_line_text_keeps_line_breaks_and_tabs() {
        assert_eq!(check_text("a\r\n\tb", 100, true), Ok(()));
        assert_eq!(
            check_text("a\u{7}b", 100, true),
            Err("error.invalid_characters")
        );
        assert_eq!(
            check_text("a\u{202D}b", 100, true),
            Err("error.invalid_characters")
        );
    }

    #[test]
    fn markdown_is_bounded_in_bytes_and_depth() {
        assert_eq!(check_markdown("> quote\n\n- a\n  - b\n"), Ok(()));
        assert_eq!(
            check_markdown(&">".repeat(20_000)),
            Err("error.markdown_too_deep")
        );
        assert_eq!(
            check_markdown(&"- ".repeat(40)),
            Err("error.markdown_too_deep")
        );
        assert_eq!(check_markdown(&"长".repeat(7_000)), Err("error.too_long"));
        assert_eq!(check_markdown(&"x".repeat(20_000)), Ok(()));
    }

    #[test]
    fn one_line_blanks_what_a_header_cannot_hold() {
        assert_eq!(one_line("a\tb\r\nc"), "a b  c");
        assert_eq!(one_line("plain"), "plain");
    }
}

diesel::define_sql_function! {
    /// SQL `lower()`: searches compare lower-cased text on both backends (PostgreSQL's `LIKE`
    /// is case-sensitive, SQLite's is not for ASCII).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A search box's text as a `LIKE` pattern for `lower(column)`: lower-cased, wildcards and the
/// escape character dropped, matching anywhere.
pub fn like_pattern(query: &str) -> String {
    format!(
        "%{}%",
        query.trim().to_lowercase().replace(['%', '_', '\\'], "")
    )
}

/// An optional web link: empty, or http(s) without spaces, at most 500 characters.
pub fn url_ok(v: &str) -> bool {
    let v = v.trim();
    v.is_empty()
        || ((v.starts_with("https://") || v.starts_with("http://"))
            && v.len() <= 500
            && !v.contains(char::is_whitespace))
}
