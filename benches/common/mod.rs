//! What the benches share: a database of their own for one run.
#![allow(dead_code)]

/// A benchmark's database: a file in `dir` (SQLite), or a fresh schema in `TEST_DATABASE_URL`
/// (PostgreSQL). Dropping it drops that schema, unless `OGUG_BENCH_KEEP` is set (to run
/// `EXPLAIN ANALYZE` afterwards).
pub struct BenchDb {
    pub url: String,
    pub backend: &'static str,
    /// (admin URL, schema) on PostgreSQL.
    schema: Option<(String, String)>,
}

impl BenchDb {
    pub fn new(dir: &std::path::Path) -> BenchDb {
        use diesel::connection::SimpleConnection;
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(admin) => {
                let schema = format!("bench_{}", &ogug::crypto::random_token()[..12]);
                ogug::db::establish_pg(&admin)
                    .expect("connect to TEST_DATABASE_URL")
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create the bench schema");
                let sep = if admin.contains('?') { '&' } else { '?' };
                println!("PostgreSQL schema: {schema}");
                BenchDb {
                    url: format!("{admin}{sep}options=-csearch_path%3D{schema}"),
                    backend: "PostgreSQL",
                    schema: Some((admin, schema)),
                }
            }
            None => BenchDb {
                url: format!("sqlite://{}", dir.join("bench.sqlite3").display()),
                backend: "SQLite",
                schema: None,
            },
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        if let Some((admin, schema)) = &self.schema
            && std::env::var_os("OGUG_BENCH_KEEP").is_none()
            && let Ok(mut conn) = ogug::db::establish_pg(admin)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}
