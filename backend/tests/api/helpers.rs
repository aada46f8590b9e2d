//! The harness: every test gets a fresh database and the real server on a free port, driven over
//! HTTP by `reqwest` the way a browser or API client would.
//!
//! Tests are written once, as `async fn a_sentence(app: TestApp)`, and `both!` turns each into two
//! test functions, `a_sentence::sqlite` and `a_sentence::postgres`. The PostgreSQL ones need
//! `PLENARY_TEST_POSTGRES_URL` (a URL of a server where we may create databases); without it they
//! say so on stderr and pass, so a plain `cargo test` works on a laptop with no PostgreSQL.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeZone, Utc};
use plenary::cli::Server;
use plenary::config::{LogFormat, LogSettings, Settings};
use plenary::domain::schedule::StaffRole;
use plenary::store::Db;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The environment variable naming a PostgreSQL server for the `postgres` variants.
pub const POSTGRES_URL_VAR: &str = "PLENARY_TEST_POSTGRES_URL";

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(app: TestApp)` as two tests: `name::sqlite`, `name::postgres`.
///
/// A module with the test's name keeps the two variants together in `cargo test` output and lets
/// `cargo test postgres` or `cargo test double_booked` pick them, without a macro-ident crate.
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::run(super::$name, $crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::helpers::run(super::$name, $crate::helpers::Backend::Postgres).await;
            }
        }
    )+};
}

/// Starts an app on `backend`, runs `test` on it, and tears everything down even when the test
/// panics (the database is dropped either way), then reports the panic.
pub async fn run<F, Fut>(test: F, backend: Backend)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let handle = app.clone();
    // A spawned task turns a panic into a JoinError, so teardown still runs.
    let outcome = tokio::spawn(test(app)).await;
    handle.teardown().await;
    if let Err(err) = outcome {
        match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("test task failed: {err}"),
        }
    }
}

/// Log output only when asked for: `TEST_LOG=1 cargo test name -- --nocapture`.
fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            plenary::telemetry::init(&LogSettings {
                format: LogFormat::Pretty,
                level: std::env::var("TEST_LOG_LEVEL").unwrap_or_else(|_| "info".into()),
            });
        }
    });
}

/// The PostgreSQL URL from the environment, or a loud note that the test was skipped.
pub fn postgres_url_or_skip() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            skip(&format!(
                "SKIPPED (PostgreSQL): set {POSTGRES_URL_VAR}, e.g. postgres://postgres@127.0.0.1:5432/postgres"
            ));
            None
        }
    }
}

/// Reports a test that cannot run here: loudly on stderr, or as a failure under `CI=true`,
/// where `.ci/run` provides everything and a skip would hide a broken set-up.
pub fn skip(message: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} (CI=true: .ci/run should have provided it)");
    }
    // Straight to the process's stderr: libtest captures eprintln! of passing tests, and a
    // skip must be seen.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// `postgres://u@h:5432/postgres?x=y` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// A throwaway PostgreSQL database, dropped in teardown.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    async fn create(admin_url: &str) -> Self {
        let name = format!("plenary_test_{}", unique_suffix());
        let mut conn = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}={admin_url}: cannot connect: {e}"));
        // Identifiers cannot be bound; the name is ours, made of [a-z0-9_] only.
        sqlx::raw_sql(&format!("create database {name}"))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let _ = conn.close().await;
        PgDatabase {
            admin_url: admin_url.to_string(),
            name,
        }
    }

    async fn drop_database(&self) {
        match sqlx::PgConnection::connect(&self.admin_url).await {
            Ok(mut conn) => {
                // FORCE ends connections a failed test may have left open (PostgreSQL 13+).
                if let Err(e) = sqlx::raw_sql(&format!(
                    "drop database if exists {} with (force)",
                    self.name
                ))
                .execute(&mut conn)
                .await
                {
                    eprintln!("could not drop test database {}: {e}", self.name);
                }
                let _ = conn.close().await;
            }
            Err(e) => eprintln!("could not drop test database {}: {e}", self.name),
        }
    }
}

/// A running Plenary on a fresh database. Cheap to clone; all clones drive the same server.
#[derive(Clone)]
pub struct TestApp {
    /// `http://127.0.0.1:port`, which is also the server's public URL (the CSRF check's origin).
    pub address: String,
    pub backend: Backend,
    /// The server's own pool, for checking what was (not) stored.
    pub db: Db,
    /// The URL the server's database is reachable at (for running the binary against it).
    pub database_url: String,
    /// A scratch directory that lives as long as the test (SQLite file, data dirs).
    pub dir: Arc<tempfile::TempDir>,
    http: reqwest::Client,
    stop: Arc<Mutex<Option<oneshot::Sender<()>>>>,
    extra_stops: Arc<Mutex<Vec<oneshot::Sender<()>>>>,
    server: Arc<Mutex<Option<JoinHandle<anyhow::Result<()>>>>>,
    pg: Option<Arc<PgDatabase>>,
}

/// Settings for a test server: port 0, no demo data, a short shutdown grace.
pub fn test_settings(database_url: &str, data_dir: PathBuf) -> Settings {
    let mut settings =
        Settings::load_with_env(None, Vec::new()).expect("the built-in defaults load");
    settings.server.bind = "127.0.0.1:0".into();
    settings.server.shutdown_grace_seconds = 5;
    settings.database.url = database_url.to_string();
    settings.database.data_dir = data_dir;
    settings.database.max_connections = 4;
    settings.demo.load_on_first_start = false;
    // Every test client comes from 127.0.0.1; tests of the limits themselves set them back.
    settings.limits.joins_per_minute_per_address = 100_000;
    settings.limits.questions_per_minute_per_address = 100_000;
    settings
}

impl TestApp {
    /// Starts the server on a new database; `None` when the backend is not available here.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_configured(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with the test settings adjusted by `configure` first.
    pub async fn spawn_configured(
        backend: Backend,
        configure: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        init_logs();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (database_url, pg) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("plenary.sqlite3").display()),
                None,
            ),
            Backend::Postgres => {
                let admin = postgres_url_or_skip()?;
                let pg = PgDatabase::create(&admin).await;
                (with_database(&admin, &pg.name), Some(Arc::new(pg)))
            }
        };
        let mut settings = test_settings(&database_url, dir.path().join("data"));
        configure(&mut settings);
        let db = Db::connect(&database_url, settings.database.max_connections)
            .await
            .expect("connect to and migrate the test database");
        let server = Server::build(settings, db.clone())
            .await
            .expect("build the server");
        let address = format!("http://{}", server.local_addr().expect("a bound address"));
        assert_eq!(
            address,
            server.state.public_url.as_ref(),
            "tests send Origin = address"
        );
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        Some(TestApp {
            address,
            backend,
            db,
            database_url,
            dir: Arc::new(dir),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a reqwest client"),
            stop: Arc::new(Mutex::new(Some(tx))),
            extra_stops: Arc::default(),
            server: Arc::new(Mutex::new(Some(task))),
            pg,
        })
    }

    /// A second server on the same database, as behind a load balancer (stopped in teardown).
    /// Returns its address.
    pub async fn another_instance(&self) -> String {
        let settings = test_settings(&self.database_url, self.dir.path().join("data"));
        let db = Db::connect(&self.database_url, settings.database.max_connections)
            .await
            .expect("connect again");
        let server = Server::build(settings, db)
            .await
            .expect("build a second server");
        let address = format!("http://{}", server.local_addr().expect("a bound address"));
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        self.extra_stops.lock().expect("stop lock").push(tx);
        address
    }

    /// Stops the server (as SIGTERM would), then drops the PostgreSQL database.
    pub async fn teardown(&self) {
        if let Some(tx) = self.stop.lock().expect("stop lock").take() {
            let _ = tx.send(());
        }
        for tx in self.extra_stops.lock().expect("stop lock").drain(..) {
            let _ = tx.send(());
        }
        let task = self.server.lock().expect("server lock").take();
        if let Some(task) = task {
            match tokio::time::timeout(Duration::from_secs(15), task).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => eprintln!("server stopped with an error: {e:#}"),
                Ok(Err(e)) => eprintln!("server task failed: {e}"),
                Err(_) => eprintln!("server did not stop within 15 s"),
            }
        }
        self.db.pool.close().await;
        if let Some(pg) = &self.pg {
            pg.drop_database().await;
        }
    }

    /// A client with no login: what the public and other sites see.
    pub fn anonymous(&self) -> ApiClient {
        ApiClient {
            http: self.http.clone(),
            base: self.address.clone(),
            cookie: None,
        }
    }

    /// A signed-in organizer (a fresh account each call).
    pub async fn organizer(&self) -> ApiClient {
        self.staff(StaffRole::Organizer).await
    }

    /// A signed-in moderator: staff, but not allowed to change the programme.
    pub async fn moderator(&self) -> ApiClient {
        self.staff(StaffRole::Moderator).await
    }

    /// Creates a staff account and logs it in through the real login code.
    async fn staff(&self, role: StaffRole) -> ApiClient {
        let email = format!("{}-{}@example.org", role.as_str(), unique_suffix());
        let password = "a long and unguessable passphrase";
        plenary::auth::create_staff(&self.db, &email, "Test Staff", role, password)
            .await
            .expect("create a staff account");
        let (_, token) = plenary::auth::login(&self.db, &email, password, 1)
            .await
            .expect("log in")
            .expect("the password we just set is accepted");
        // The cookie is `Secure` (and `__Host-`): a cookie store would not send it over plain
        // http to 127.0.0.1, so the client sends it itself, as a browser does over https.
        ApiClient {
            http: self.http.clone(),
            base: self.address.clone(),
            cookie: Some(format!("{}={token}", plenary::auth::SESSION_COOKIE)),
        }
    }

    /// How many rows `table` holds (the name is a literal from the test).
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&self.db.pool)
            .await
            .unwrap_or_else(|e| panic!("count {table}: {e}"))
    }

    /// Sets up a programme to schedule in: an event, a venue with two rooms, a session type
    /// and three people.
    pub async fn programme(&self, org: &ApiClient) -> Programme {
        let event = org
            .post_json(
                "/api/events",
                &json!({
                    "slug": "igf-2025", "name": "IGF 2025", "kind": "annual_meeting",
                    "time_zone": "Europe/Oslo", "starts_on": "2025-06-23", "ends_on": "2025-06-27",
                }),
            )
            .await
            .expect_status(StatusCode::CREATED);
        let venue = org
            .post_json(
                "/api/venues",
                &json!({"name": "Nova Spektrum", "city": "Lillestrøm", "country": "Norway"}),
            )
            .await
            .expect_status(StatusCode::CREATED);
        let venue_id = venue.body["venue_id"].as_i64().expect("venue_id");
        let mut rooms = Vec::new();
        for name in ["Workshop Room 1", "Workshop Room 2"] {
            let room = org
                .post_json(
                    "/api/rooms",
                    &json!({"venue_id": venue_id, "name": name, "capacity": 120, "layout": "u_shape"}),
                )
                .await
                .expect_status(StatusCode::CREATED);
            rooms.push(room.body["room_id"].as_i64().expect("room_id"));
        }
        let ws = org
            .post_json(
                "/api/session-types",
                &json!({
                    "code": "WS", "name": "Workshop", "label": "WS", "numbered": true,
                    "allowed_durations": [60, 90], "webcast": true, "captions": true, "interpretation": false,
                }),
            )
            .await
            .expect_status(StatusCode::CREATED);
        let mut people = Vec::new();
        for (name, group) in [
            ("Amina Diallo", "civil_society"),
            ("Lars Berg", "government"),
            ("Mei Tanaka", "academia"),
        ] {
            let person = org
                .post_json(
                    "/api/people",
                    &json!({"name": name, "stakeholder_group": group}),
                )
                .await
                .expect_status(StatusCode::CREATED);
            people.push(person.body["person_id"].as_i64().expect("person_id"));
        }
        Programme {
            slug: event.body["slug"].as_str().expect("slug").to_string(),
            rooms,
            session_type_id: ws.body["session_type_id"]
                .as_i64()
                .expect("session_type_id"),
            people,
        }
    }
}

/// What `TestApp::programme` made.
pub struct Programme {
    pub slug: String,
    pub rooms: Vec<i64>,
    pub session_type_id: i64,
    pub people: Vec<i64>,
}

impl Programme {
    /// The sessions URL of the event.
    pub fn sessions_url(&self) -> String {
        format!("/api/events/{}/sessions", self.slug)
    }

    /// A workshop in the first room, starting at an Oslo wall-clock time ("2025-06-24 09:00").
    pub fn session(&self, number: i64, title: &str, local_start: &str, minutes: i64) -> Value {
        let (starts_at, ends_at) = oslo(local_start, minutes);
        json!({
            "session_type_id": self.session_type_id,
            "number": number,
            "title": title,
            "room_id": self.rooms[0],
            "starts_at": starts_at,
            "ends_at": ends_at,
        })
    }
}

/// An Oslo wall-clock start and a duration as two RFC 3339 UTC instants.
pub fn oslo(local_start: &str, minutes: i64) -> (String, String) {
    let naive =
        NaiveDateTime::parse_from_str(local_start, "%Y-%m-%d %H:%M").expect("YYYY-MM-DD HH:MM");
    let start = chrono_tz::Europe::Oslo
        .from_local_datetime(&naive)
        .single()
        .expect("an unambiguous time")
        .with_timezone(&Utc);
    let end = start + chrono::Duration::minutes(minutes);
    (start.to_rfc3339(), end.to_rfc3339())
}

/// An HTTP client as one kind of user: anonymous, organizer or moderator.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
}

impl ApiClient {
    /// A request to `path` (relative to the server), carrying the login cookie if any.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.cookie {
            Some(cookie) => builder.header(reqwest::header::COOKIE, cookie),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::read(self.request(reqwest::Method::GET, path).send().await).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        Reply::read(
            self.request(reqwest::Method::POST, path)
                .json(body)
                .send()
                .await,
        )
        .await
    }

    pub async fn put_json(&self, path: &str, body: &Value) -> Reply {
        Reply::read(
            self.request(reqwest::Method::PUT, path)
                .json(body)
                .send()
                .await,
        )
        .await
    }

    /// The same user talking to another server (e.g. a second instance).
    pub fn on(&self, base: &str) -> ApiClient {
        ApiClient {
            base: base.to_string(),
            ..self.clone()
        }
    }

    /// The login token this client sends, if it is signed in.
    pub fn cookie_header(&self) -> Option<String> {
        self.cookie.clone()
    }

    pub fn login_token(&self) -> Option<&str> {
        self.cookie
            .as_deref()
            .and_then(|c| c.split_once('='))
            .map(|(_, token)| token)
    }

    /// Sends a prepared request (for custom headers or bodies).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        Reply::read(request.send().await).await
    }
}

/// A response, read in full: status, headers, and the body as text and (if it is) JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// `Value::Null` when the body is not JSON.
    pub body: Value,
}

impl Reply {
    async fn read(result: reqwest::Result<reqwest::Response>) -> Reply {
        let response = result.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a readable body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            body,
        }
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect_status(self, status: StatusCode) -> Reply {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// Asserts an error reply: status and stable `error` code.
    #[track_caller]
    pub fn expect_error(self, status: StatusCode, code: &str) -> Reply {
        let reply = self.expect_status(status);
        assert_eq!(
            reply.body["error"], code,
            "unexpected error code; body: {}",
            reply.text
        );
        reply
    }

    /// The names of the fields a validation error blames.
    pub fn fields(&self) -> Vec<String> {
        self.body["fields"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|f| f["field"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `kind`s of the conflicts listed in an error or a saved session.
    pub fn conflict_kinds(&self) -> Vec<String> {
        self.body["conflicts"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|c| c["kind"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A header's value as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `name=value` of the cookie this reply sets, as a `Cookie` header sends it back.
    #[track_caller]
    pub fn cookie(&self) -> String {
        cookie_pair(&self.headers)
    }
}

/// The `name=value` of the (first) cookie a response sets, without its attributes.
#[track_caller]
pub fn cookie_pair(headers: &HeaderMap) -> String {
    let set_cookie = headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("the response sets a cookie");
    set_cookie
        .split(';')
        .next()
        .expect("split yields at least one part")
        .to_string()
}

/// 16 random lowercase hex digits, for names that must not collide between parallel tests.
pub fn unique_suffix() -> String {
    let token = plenary::auth::token_hash(&plenary::auth::new_token());
    token[..16].to_string()
}
