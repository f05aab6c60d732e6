//! CSV downloads: every cell quoted, and a cell that a spreadsheet would run as a formula
//! (starting with = + - @) gets a leading apostrophe (CSV injection).

use actix_web::HttpResponse;

fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// One line of cells, with its line break.
pub fn line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = cells.into_iter().map(cell).collect::<Vec<_>>().join(",");
    out.push('\n');
    out
}

/// A CSV body as a download named `filename` (made of slugs, dates and ASCII words).
pub fn response(filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(
            super::line(["a\"b", "=SUM(A1)", "北京"]),
            "\"a\"\"b\",\"'=SUM(A1)\",\"北京\"\n"
        );
    }
}
