//! What other instances sharing a PostgreSQL database tell this one, on its own connection:
//! `ogug_pages` (clear the micro-cache) and `ogug_sessions` (forget kept sessions). Reconnects on
//! its own; the thread ends when the server's state is dropped.

use crate::web::cache::pages::{self, PageCache};
use crate::web::cache::sessions::SessionCache;
use std::sync::{Arc, Weak};
use std::time::Duration;

pub const SESSIONS: &str = "ogug_sessions";

struct Listening {
    pages: Weak<PageCache>,
    sessions: Weak<SessionCache>,
}

pub fn start(database_url: String, pages: &Arc<PageCache>, sessions: &Arc<SessionCache>) {
    let target = Listening {
        pages: Arc::downgrade(pages),
        sessions: Arc::downgrade(sessions),
    };
    let spawned = std::thread::Builder::new()
        .name("ogug-listener".into())
        .spawn(move || {
            while target.pages.strong_count() > 0 {
                if let Err(err) = listen_once(&database_url, &target) {
                    tracing::warn!(error = %err, "the listener lost its connection");
                }
                // Not hearing changes: kept sessions could go stale, so none are kept.
                if let Some(sessions) = target.sessions.upgrade() {
                    sessions.set_live(false);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        });
    if let Err(err) = spawned {
        tracing::error!(error = %err, "cannot start the listener");
    }
}

fn listen_once(url: &str, target: &Listening) -> Result<(), anyhow::Error> {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Schema {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let mut conn = crate::db::establish_pg(url)?;
    let schema = diesel::sql_query("SELECT current_schema() AS name")
        .get_result::<Schema>(&mut conn)?
        .name;
    // Named in pg_stat_activity, per schema: operators (and a test) can tell it apart.
    diesel::sql_query("SELECT set_config('application_name', $1, false)")
        .bind::<diesel::sql_types::Text, _>(format!("ogug listener {schema}"))
        .execute(&mut conn)?;
    conn.batch_execute(&format!("LISTEN {}; LISTEN {SESSIONS}", pages::CHANNEL))?;
    if let Some(sessions) = target.sessions.upgrade() {
        sessions.set_live(true);
    }
    loop {
        let (Some(pages), Some(sessions)) = (target.pages.upgrade(), target.sessions.upgrade())
        else {
            return Ok(());
        };
        for notification in conn.notifications_iter() {
            let notification = notification?;
            if notification.payload != schema {
                continue;
            }
            if notification.channel == SESSIONS {
                sessions.forget_all();
            } else {
                pages.clear();
            }
        }
        drop((pages, sessions));
        std::thread::sleep(Duration::from_millis(20));
    }
}
