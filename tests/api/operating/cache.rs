//! Every kept part (`ogug::web::cache::BUMPED_BY`) is only as good as the triggers that bump its
//! key: each table and operation it names must have one in the migrated database.

use crate::helpers::*;
use diesel::prelude::*;
use diesel::sql_types::Text;

#[derive(QueryableByName)]
struct Trigger {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    operation: String,
}

fn triggers(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.conn();
    let rows: Vec<Trigger> = if app.db.is_postgres() {
        diesel::sql_query(
            "SELECT event_object_table::text AS table_name, event_manipulation::text AS operation \
             FROM information_schema.triggers WHERE trigger_schema = current_schema()",
        )
        .load(&mut conn)
        .unwrap()
    } else {
        // SQLite keeps each trigger's statement: "… AFTER UPDATE [OF cols] ON table …".
        let sql: Vec<Trigger> = diesel::sql_query(
            "SELECT tbl_name AS table_name, upper(sql) AS operation FROM sqlite_master \
             WHERE type = 'trigger'",
        )
        .load(&mut conn)
        .unwrap();
        sql.into_iter()
            .flat_map(|t| {
                ["INSERT", "UPDATE", "DELETE"]
                    .into_iter()
                    .filter(|op| {
                        let head = t.operation.split(" ON ").next().unwrap_or_default();
                        head.contains(&format!(" {op}"))
                    })
                    .map(|op| Trigger {
                        table_name: t.table_name.clone(),
                        operation: op.to_string(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    rows.into_iter()
        .map(|t| (t.table_name, t.operation))
        .collect()
}

#[tokio::test]
async fn kept_parts_have_their_triggers() {
    let app = spawn_app().await;
    let found = triggers(&app);
    let mut missing = Vec::new();
    for kept in ogug::web::cache::BUMPED_BY {
        if !kept.on_sqlite && !app.db.is_postgres() {
            continue;
        }
        for (table, operations) in kept.bumped_by {
            for op in *operations {
                if !found.iter().any(|(t, o)| t == table && o == op) {
                    missing.push(format!("{} ({}): {op} on {table}", kept.part, kept.key));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no trigger for:\n{}",
        missing.join("\n")
    );
    // The check can fail: a table nothing watches has no trigger.
    assert!(!found.iter().any(|(t, _)| t == "outbox"));
}
