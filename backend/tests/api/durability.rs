//! An acknowledged write survives a crash or power loss: the durability settings are in force
//! on the server's own connections.

use sqlx::Row;

use crate::helpers::{Backend, TestApp};

both!(the_database_is_set_up_for_durable_commits);

async fn the_database_is_set_up_for_durable_commits(app: TestApp) {
    // Several connections, so a setting made only on the first one would show.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(app.db.pool.acquire().await.expect("a pooled connection"));
    }
    for conn in &mut conns {
        match app.backend {
            Backend::Sqlite => {
                let mode: String = sqlx::query_scalar("pragma journal_mode")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap();
                assert_eq!(mode, "wal");
                let row = sqlx::query("pragma synchronous")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap();
                assert_eq!(row.get::<i64, _>(0), 2, "synchronous = FULL");
                let row = sqlx::query("pragma foreign_keys")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap();
                assert_eq!(row.get::<i64, _>(0), 1, "foreign keys enforced");
            }
            Backend::Postgres => {
                let on: String = sqlx::query_scalar("show synchronous_commit")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap();
                assert_eq!(on, "on");
                let tz: String = sqlx::query_scalar("show timezone")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap();
                assert_eq!(tz, "UTC");
            }
        }
    }
}
