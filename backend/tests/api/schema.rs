//! Rules about the schema itself, read from each database's catalogue after every migration.

use sqlx::Row;

use crate::helpers::{Backend, TestApp};

both!(
    every_foreign_key_is_found_by_index,
    partial_indexes_serve_the_lookups_a_delete_makes
);

/// Tables a foreign key may point at without an index on the referring column: directory rows
/// (a handful, hardly ever deleted) whose referrers would otherwise each need one more index.
const DIRECTORY_TABLES: &[&str] = &["staff", "coalition", "venue", "session_type"];

/// Deleting a row looks up the rows that refer to it; without an index on the referring column
/// each lookup reads the whole table (8.2–9.1 s to purge 2,000 participants among 20,000 stored
/// questions, in one write transaction; migrations/*/0010). A migration that adds a foreign key
/// adds its index, or this names it.
async fn every_foreign_key_is_found_by_index(app: TestApp) {
    let references: Vec<(String, String, String, bool)> = match app.backend {
        // (table, column, referenced table, an index starts with the column)
        Backend::Sqlite => sqlx::query(
            "select m.name, f.\"from\", f.\"table\", \
             exists (select 1 from pragma_index_list(m.name) i \
                     join pragma_index_info(i.name) c on c.seqno = 0 \
                     where c.name = f.\"from\") \
             or exists (select 1 from pragma_table_info(m.name) t where t.pk = 1 and t.name = f.\"from\") \
             from sqlite_master m join pragma_foreign_key_list(m.name) f on f.seq = 0 \
             where m.type = 'table' order by 1, 2",
        ),
        Backend::Postgres => sqlx::query(
            "select c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text, \
             exists (select 1 from pg_index i where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1]) \
             from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] \
             where c.contype = 'f' order by 1, 2",
        ),
    }
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|row| {
        (
            row.get(0),
            row.get(1),
            row.get(2),
            // SQLite answers the exists with an integer, PostgreSQL with a boolean.
            row.try_get::<bool, _>(3)
                .unwrap_or_else(|_| row.get::<i64, _>(3) != 0),
        )
    })
    .collect();
    assert!(
        references
            .iter()
            .any(|(t, c, _, _)| t == "question" && c == "merged_into"),
        "the catalogue query found no foreign keys: {references:?}"
    );
    let unindexed: Vec<String> = references
        .iter()
        .filter(|(_, _, to, indexed)| !indexed && !DIRECTORY_TABLES.contains(&to.as_str()))
        .map(|(table, column, to, _)| format!("{table}.{column} → {to}"))
        .collect();
    assert!(
        unindexed.is_empty(),
        "foreign keys without an index on the referring column: {unindexed:?}"
    );
}

/// The mostly-empty referring columns have partial indexes (`where … is not null`). A delete's
/// lookup is an equality, which implies not null, so the planner may use them; this checks it
/// does, on both databases.
async fn partial_indexes_serve_the_lookups_a_delete_makes(app: TestApp) {
    let mut conn = app.db.pool.acquire().await.unwrap();
    let lookups = [
        ("question", "merged_into", "question_merged_into"),
        ("report", "question_id", "report_question"),
        ("report", "reporter_participant_id", "report_reporter"),
        ("carried_question", "meeting_id", "carried_question_meeting"),
        ("minutes", "approved_in_meeting_id", "minutes_approved_in"),
    ];
    if app.backend == Backend::Postgres {
        // Empty tables are cheapest to read whole; ask whether the index can be used at all.
        sqlx::query("set enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    for (table, column, index) in lookups {
        let explain = match app.backend {
            Backend::Sqlite => "explain query plan",
            Backend::Postgres => "explain",
        };
        let plan: Vec<String> = sqlx::query(&format!(
            "{explain} select 1 from {table} where {column} = 7"
        ))
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|row| row.get::<String, _>(if app.backend == Backend::Sqlite { 3 } else { 0 }))
        .collect();
        assert!(
            plan.iter().any(|step| step.contains(index)),
            "{table}.{column}: {plan:?}"
        );
    }
    if app.backend == Backend::Postgres {
        sqlx::query("reset enable_seqscan")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
}
