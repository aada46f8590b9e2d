//! Storage: one sqlx `Any` pool over SQLite (the embedded default) or PostgreSQL.
//!
//! All SQL in Plenary is written once, with `$1` placeholders, lowercase, and the small common
//! subset both engines understand (`returning`, `on conflict`, bigint instants, 0/1 flags), so the
//! same queries and the same integration suite run on both backends.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// The PostgreSQL advisory lock key for programme writes ("plenary" in ASCII, as a number).
const SCHEDULE_LOCK_KEY: i64 = 0x0070_6c65_6e61_7279;

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A cheap, cloneable handle to the database.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The URL connected to (the live bus opens its own PostgreSQL listener with it).
    pub url: Arc<str>,
    /// Serialises programme writes in this process; see [`Db::lock_schedule`].
    schedule_lock: Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    /// Connects (creating the SQLite file if needed), sets durability pragmas, applies migrations.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let url = match backend {
            Backend::Sqlite => {
                let path = url
                    .trim_start_matches("sqlite://")
                    .trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or(path);
                if let Some(parent) = std::path::Path::new(path).parent() {
                    if !parent.as_os_str().is_empty() {
                        std::fs::create_dir_all(parent).with_context(|| {
                            format!("creating the data directory {}", parent.display())
                        })?;
                    }
                }
                format!("sqlite://{path}?mode=rwc")
            }
            Backend::Postgres => url.to_string(),
        };
        let connected_url: Arc<str> = url.as_str().into();
        let options = AnyConnectOptions::from_str(&url).context("parsing database.url")?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            // Checking a connection before handing it out is a round trip to the server. On
            // SQLite the "server" is a thread of this process, whose connection cannot drop, and
            // the check is a hand-off to that thread and back for every pooled query (sqlx's
            // pings were 2.9% of a join storm's samples, 2.3% without this one: it also pings
            // every connection given back, which no setting turns off; docs/BENCHMARKS.md, S2).
            // A PostgreSQL connection can drop.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    match backend {
                        // WAL lets readers run beside the writer; synchronous=FULL makes every
                        // acknowledged commit survive power loss (see docs/ARCHITECTURE.md).
                        Backend::Sqlite => {
                            conn.execute(
                                "pragma journal_mode = wal; pragma synchronous = full; \
                                 pragma foreign_keys = on; pragma busy_timeout = 10000; \
                                 pragma secure_delete = on;",
                            )
                            .await?;
                        }
                        Backend::Postgres => {
                            conn.execute("set synchronous_commit = on; set time zone 'UTC';")
                                .await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to the {backend:?} database"))?;
        let db = Db {
            pool,
            backend,
            url: connected_url,
            schedule_lock: Arc::default(),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .context("applying migrations")?;
        Ok(())
    }

    /// Starts a programme write that is exclusive from its conflict check to its commit, so two
    /// organizers cannot both pass the check and book the same room or person.
    ///
    /// Run the check after this and the writes inside the returned transaction; keep the guard
    /// until the transaction ends. Within one process the mutex does it (SQLite is one process by
    /// design), taken before a connection so waiting writers hold none; on PostgreSQL an advisory
    /// lock held until the transaction ends also covers other instances sharing the database.
    pub async fn begin_schedule_write(
        &self,
    ) -> Result<
        (
            tokio::sync::MutexGuard<'_, ()>,
            sqlx::Transaction<'static, sqlx::Any>,
        ),
        sqlx::Error,
    > {
        let guard = self.schedule_lock.lock().await;
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // From a FROM clause, because the Any driver cannot decode the function's void result.
            sqlx::query("select 1 from pg_advisory_xact_lock($1)")
                .bind(SCHEDULE_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
        }
        Ok((guard, tx))
    }

    /// True when the database answers a trivial query (used by `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("select 1").execute(&self.pool).await.is_ok()
    }
}

/// Current time as unix seconds, the unit every instant is stored in.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// True when `err` is a unique-constraint violation (on either backend).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.message().contains("UNIQUE constraint failed")
                || db.code().as_deref() == Some("23505")
        }
        _ => false,
    }
}

/// True when `err` is a foreign-key violation (on either backend).
pub fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_foreign_key_violation()
                || db.message().contains("FOREIGN KEY constraint failed")
                || db.code().as_deref() == Some("23503")
        }
        _ => false,
    }
}
