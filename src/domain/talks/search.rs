//! The talk archive and its full-text search. Chinese has no spaces between words, and neither
//! SQLite's FTS5 nor PostgreSQL's `simple` parser segments it, so the app tokenizes: ASCII words
//! lower-cased, and runs of other letters (Chinese) as overlapping character pairs plus the
//! run's last character. Those pairs are written as ASCII words (`c` and the code points in
//! hex), so both backends index the same terms: FTS5 on SQLite, a `tsvector` on PostgreSQL.

use super::{Talk, TalkStatus};
use crate::db::DbConnection;
use crate::db::schema::{chapters, talk_speakers, talks};
use crate::domain::DomainResult;
use crate::domain::ids::*;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

pub use super::entries::ArchiveEntry;
use super::entries::entries_of;
/// The terms of a text, in order, repeated terms kept once.
pub fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() && word.len() <= 40 {
            out.push(std::mem::take(word));
        }
        word.clear();
    };
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        for pair in run.windows(2) {
            out.push(format!("c{:06x}{:06x}", pair[0] as u32, pair[1] as u32));
        }
        if let Some(last) = run.last() {
            out.push(format!("c{:06x}", *last as u32));
        }
        run.clear();
    };
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.push(ch.to_ascii_lowercase());
        } else if ch.is_alphanumeric() {
            flush_word(&mut word, &mut out);
            run.push(ch);
        } else {
            flush_word(&mut word, &mut out);
            flush_run(&mut run, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_run(&mut run, &mut out);
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| seen.insert(t.clone()));
    out
}

/// A search box's text as the terms every match must hold: the pairs of a Chinese word (a
/// one-character word as a prefix, so "库" finds "数据库"), and the last ASCII word as a
/// prefix (typing "replic" finds "replication"). None when there is nothing to search for.
fn query_terms(query: &str) -> Option<Vec<(String, bool)>> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for chunk in query.split(|c: char| !c.is_alphanumeric()) {
        let mut ascii = String::new();
        let mut run: Vec<char> = Vec::new();
        let push_run = |run: &mut Vec<char>, out: &mut Vec<(String, bool)>| {
            match run.len() {
                0 => {}
                1 => out.push((format!("c{:06x}", run[0] as u32), true)),
                _ => out.extend(
                    run.windows(2)
                        .map(|p| (format!("c{:06x}{:06x}", p[0] as u32, p[1] as u32), false)),
                ),
            }
            run.clear();
        };
        for ch in chunk.chars() {
            if ch.is_ascii_alphanumeric() {
                push_run(&mut run, &mut out);
                ascii.push(ch.to_ascii_lowercase());
            } else {
                if !ascii.is_empty() {
                    out.push((std::mem::take(&mut ascii), false));
                }
                run.push(ch);
            }
        }
        push_run(&mut run, &mut out);
        if !ascii.is_empty() && ascii.len() <= 40 {
            out.push((ascii, false));
        }
    }
    if let Some(last) = out.last_mut()
        && !last.0.starts_with('c')
    {
        last.1 = true;
    }
    out.dedup();
    out.truncate(12);
    (!out.is_empty()).then_some(out)
}

fn is_pg(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Pg(_))
}

/// Keeps a talk's search document current: archived talks (accepted and given) are indexed,
/// others are not.
pub fn reindex(conn: &mut DbConnection, talk_id: TalkId) -> DomainResult<()> {
    let talk: Talk = super::find(conn, talk_id)?;
    let doc = if talk.status == TalkStatus::Accepted && talk.given_at.is_some() {
        let names: Vec<String> = talk_speakers::table
            .filter(talk_speakers::talk_id.eq(talk_id))
            .filter(talk_speakers::confirmed_at.is_not_null())
            .select(talk_speakers::name)
            .load(conn)?;
        let text = format!(
            "{} {} {} {}",
            talk.title_zh,
            talk.title_en,
            talk.abstract_md,
            names.join(" ")
        );
        terms(&text).join(" ")
    } else {
        String::new()
    };
    if is_pg(conn) {
        diesel::sql_query(
            "UPDATE talks SET search = CASE WHEN $2 = '' THEN NULL \
             ELSE to_tsvector('simple', $2) END WHERE id = $1",
        )
        .bind::<BigInt, _>(talk_id.get())
        .bind::<Text, _>(&doc)
        .execute(conn)?;
    } else {
        let old: Option<i64> = talks::table
            .find(talk_id)
            .select(diesel::dsl::sql::<diesel::sql_types::Nullable<BigInt>>(
                "search_key",
            ))
            .first(conn)?;
        if let Some(old) = old {
            diesel::sql_query("DELETE FROM talk_search WHERE rowid = ?")
                .bind::<BigInt, _>(old)
                .execute(conn)?;
        }
        let key = match talk.given_at.filter(|_| !doc.is_empty()) {
            Some(given) => {
                let key = search_key(given, talk_id);
                diesel::sql_query("INSERT INTO talk_search (rowid, doc, talk_id) VALUES (?, ?, ?)")
                    .bind::<BigInt, _>(key)
                    .bind::<Text, _>(&doc)
                    .bind::<BigInt, _>(talk_id.get())
                    .execute(conn)?;
                Some(key)
            }
            None => None,
        };
        diesel::sql_query("UPDATE talks SET search_key = ? WHERE id = ?")
            .bind::<diesel::sql_types::Nullable<BigInt>, _>(key)
            .bind::<BigInt, _>(talk_id.get())
            .execute(conn)?;
    }
    Ok(())
}

/// The SQLite index's rowid: the second the talk was given, then the talk's id (its low 22
/// bits; two talks share a key only if given in the same second 4 million ids apart).
fn search_key(given: chrono::NaiveDateTime, id: TalkId) -> i64 {
    (given.and_utc().timestamp() << 22) | (id.get() & ((1 << 22) - 1))
}

/// What the archive is filtered by.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ArchiveFilter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub chapter: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub page: Option<i64>,
}

/// Talks per archive page.
pub const ARCHIVE_PAGE: i64 = 20;

/// How many of the newest talks a PostgreSQL search walks before it reads the GIN index.
const WALK: i64 = 2000;

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// A PostgreSQL search. A common word: walking the newest talks and checking each fills a
/// page after a few rows. A rare one: its talks come from the GIN index and are sorted. The
/// planner cannot tell them apart (it walked all 100 k talks for a word in none), so the walk
/// is tried first, over the newest `WALK` talks only.
/// The archive's page query: talk ids in the archive's order.
type PageQuery = talks::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend, BigInt>;

fn pg_search(
    conn: &mut DbConnection,
    base: impl Fn() -> PageQuery,
    tsquery: &str,
    limit: i64,
) -> DomainResult<Vec<TalkId>> {
    let matches = || {
        diesel::dsl::sql::<Bool>("talks.search @@ to_tsquery('simple', ")
            .bind::<Text, _>(tsquery.to_string())
            .sql(")")
    };
    let oldest_walked: Option<chrono::NaiveDateTime> = talks::table
        .filter(talks::given_at.is_not_null())
        .order(talks::given_at.desc())
        .select(talks::given_at.assume_not_null())
        .offset(WALK - 1)
        .first(conn)
        .optional()?;
    let Some(oldest) = oldest_walked else {
        // Fewer talks than the walk: walking them all is the whole answer.
        return Ok(base().filter(matches()).load(conn)?);
    };
    let walked: Vec<TalkId> = base()
        .filter(matches())
        .filter(talks::given_at.ge(oldest))
        .load(conn)?;
    if walked.len() as i64 == limit {
        return Ok(walked);
    }
    // Not a page among the newest: the matches come from the GIN index and are sorted.
    // Ordering by an expression the `given_at` index cannot give keeps the planner from
    // walking that index instead.
    let unindexed =
        diesel::dsl::sql::<diesel::sql_types::Timestamp>("talks.given_at + interval '0 seconds'");
    Ok(base()
        .filter(matches())
        .order((unindexed.desc(), talks::id.desc()))
        .load(conn)?)
}

/// One page of the archive, latest first, and whether there is another.
pub fn archive(
    conn: &mut DbConnection,
    filter: &ArchiveFilter,
    per_page: i64,
) -> DomainResult<(Vec<ArchiveEntry>, bool)> {
    // Tag slugs are lower-case letters, digits and hyphens: nothing else reaches the pattern.
    let tag: String = filter
        .tag
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect();
    let tag_patterns = [
        tag.clone(),
        format!("{tag} %"),
        format!("% {tag}"),
        format!("% {tag} %"),
    ];
    // Years are read in China's time: a talk on 1 January at 01:00 belongs to that year.
    let years = crate::domain::dates::year(&filter.year).and_then(|year| {
        let start = |y| chrono::NaiveDate::from_ymd_opt(y, 1, 1);
        let shift = chrono::TimeDelta::hours(8);
        Some((
            start(year)?.and_time(chrono::NaiveTime::MIN) - shift,
            start(year + 1)?.and_time(chrono::NaiveTime::MIN) - shift,
        ))
    });
    let language = super::LANGUAGES
        .contains(&filter.language.as_str())
        .then(|| filter.language.clone());
    let page = crate::domain::page(filter.page);
    let (limit, offset) = (per_page + 1, page * per_page);
    let terms = query_terms(&filter.q);
    let mut ids: Vec<TalkId> = match (&terms, &mut *conn) {
        (Some(terms), DbConnection::Sqlite(c)) => {
            // The index's rowid is the archive's order: matches are read newest first and
            // the filters checked on each, so the read stops at a page.
            let mut sql = String::from(
                "SELECT talk_search.talk_id AS id FROM talk_search \
                 JOIN talks t ON t.id = talk_search.talk_id WHERE talk_search MATCH ?",
            );
            if !filter.chapter.is_empty() {
                sql.push_str(" AND t.chapter_id IN (SELECT id FROM chapters WHERE slug = ?)");
            }
            if language.is_some() {
                sql.push_str(" AND t.language = ?");
            }
            if !tag.is_empty() {
                sql.push_str(
                    " AND (t.tags = ? OR t.tags LIKE ? OR t.tags LIKE ? OR t.tags LIKE ?)",
                );
            }
            if years.is_some() {
                sql.push_str(" AND talk_search.rowid >= ? AND talk_search.rowid < ?");
            }
            sql.push_str(" ORDER BY talk_search.rowid DESC LIMIT ? OFFSET ?");
            let fts = terms
                .iter()
                .map(|(t, prefix)| if *prefix { format!("{t}*") } else { t.clone() })
                .collect::<Vec<_>>()
                .join(" AND ");
            let mut q = diesel::sql_query(sql)
                .into_boxed::<diesel::sqlite::Sqlite>()
                .bind::<Text, _>(fts);
            if !filter.chapter.is_empty() {
                q = q.bind::<Text, _>(filter.chapter.clone());
            }
            if let Some(language) = language {
                q = q.bind::<Text, _>(language);
            }
            if !tag.is_empty() {
                for pattern in tag_patterns {
                    q = q.bind::<Text, _>(pattern);
                }
            }
            if let Some((from, to)) = years {
                let key = |t: chrono::NaiveDateTime| t.and_utc().timestamp() << 22;
                q = q.bind::<BigInt, _>(key(from)).bind::<BigInt, _>(key(to));
            }
            let rows: Vec<IdRow> = q
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
                .load(c)?;
            rows.into_iter().map(|r| TalkId(r.id)).collect()
        }
        _ => {
            // The page is chosen from `talks` alone, walking its index on `given_at` (a talk
            // has one only while it sits in a published event's agenda); its display rows are
            // read after. Joining first lets a planner start from the chapter and sort all.
            let base = || -> PageQuery {
                let mut query = talks::table
                    .filter(talks::given_at.is_not_null())
                    .filter(talks::status.eq(TalkStatus::Accepted))
                    .select(talks::id)
                    .into_boxed();
                if !filter.chapter.is_empty() {
                    query = query.filter(
                        talks::chapter_id.eq_any(
                            chapters::table
                                .filter(chapters::slug.eq(filter.chapter.clone()))
                                .select(chapters::id),
                        ),
                    );
                }
                if let Some(language) = &language {
                    query = query.filter(talks::language.eq(language.clone()));
                }
                if !tag.is_empty() {
                    let [exact, first, last, middle] = tag_patterns.clone();
                    query = query.filter(
                        talks::tags
                            .eq(exact)
                            .or(talks::tags.like(first))
                            .or(talks::tags.like(last))
                            .or(talks::tags.like(middle)),
                    );
                }
                if let Some((from, to)) = years {
                    query = query
                        .filter(talks::given_at.ge(from))
                        .filter(talks::given_at.lt(to));
                }
                query
                    .order((talks::given_at.desc(), talks::id.desc()))
                    .limit(limit)
                    .offset(offset)
            };
            match terms {
                None => base().load(conn)?,
                Some(terms) => {
                    let tsquery = terms
                        .iter()
                        .map(|(t, prefix)| if *prefix { format!("{t}:*") } else { t.clone() })
                        .collect::<Vec<_>>()
                        .join(" & ");
                    pg_search(conn, base, &tsquery, limit)?
                }
            }
        }
    };
    let more = ids.len() as i64 > per_page;
    ids.truncate(per_page as usize);
    // Same order as the page (entries_of sorts by given_at, then id, both descending).
    Ok((entries_of(conn, &ids)?, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_indexed_as_character_pairs() {
        let t = terms("数据库 HA");
        assert!(t.contains(&format!("c{:06x}{:06x}", '数' as u32, '据' as u32)));
        assert!(t.contains(&format!("c{:06x}", '库' as u32)));
        assert!(t.contains(&"ha".to_string()));
        let q = query_terms("据库 repl").unwrap();
        assert_eq!(q.last().unwrap(), &("repl".to_string(), true));
        assert!(query_terms(" -- ").is_none());
    }
}
