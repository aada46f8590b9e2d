//! The server-rendered pages, driven through the router as a browser would: what a visitor or
//! an organizer would notice. Each test gets a fresh SQLite database in a temporary directory.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{DateTime, NaiveDate, Utc};
use http_body_util::BodyExt;
use tower::ServiceExt;

use plenary::auth;
use plenary::config::Settings;
use plenary::domain::schedule::{
    EventKind, Role, RoomLayout, SessionFormat, SessionStatus, StaffRole,
};
use plenary::http::{AppState, app};
use plenary::programme::{
    self, EventInput, PersonInput, RoleInput, RoomInput, SessionInput, SessionTypeInput, Venue,
};
use plenary::store::Db;

struct TestApp {
    router: Router,
    db: Db,
    _dir: tempfile::TempDir,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The value a response sets for a cookie, with its attributes.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// `name=value` of a cookie the response sets, for sending back.
    fn cookie_pair(&self, name: &str) -> String {
        self.set_cookie(name)
            .expect("cookie set")
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

async fn spawn() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.sqlite3").display());
    let db = Db::connect(&url, 4).await.unwrap();
    let settings = Settings::load_with_env(None, Vec::<(String, String)>::new()).unwrap();
    let settings_live = settings.live.clone();
    let settings_limits = settings.limits.clone();
    let settings_safeguarding = settings.safeguarding.clone();
    let state = AppState {
        db: db.clone(),
        settings: Arc::new(settings),
        public_url: "http://localhost".into(),
        live: Arc::new(plenary::live::Live::new(
            db.clone(),
            settings_live,
            &settings_safeguarding,
        )),
        limits: Arc::new(plenary::http::ratelimit::RateLimits::new(&settings_limits)),
    };
    TestApp {
        router: app(state),
        db,
        _dir: dir,
    }
}

impl TestApp {
    async fn send(&self, req: Request<Body>) -> Page {
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, cookies: &[&str]) -> Page {
        let mut req = Request::get(path);
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A form post as a browser sends it from one of our own pages.
    async fn post(&self, path: &str, form: &[(&str, &str)], cookies: &[&str]) -> Page {
        let body = serde_urlencoded::to_string(form).unwrap();
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies.join("; "));
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Signs a staff member in and returns the cookie to send.
    async fn staff_cookie(&self, email: &str, role: StaffRole) -> String {
        auth::create_staff(
            &self.db,
            email,
            "Test Person",
            role,
            "a-long-enough-password",
        )
        .await
        .unwrap();
        let (_, token) = auth::login(&self.db, email, "a-long-enough-password", 1)
            .await
            .unwrap()
            .unwrap();
        format!("{}={token}", auth::SESSION_COOKIE)
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// An IGF week in Oslo with two rooms, a workshop type, two people and one session,
/// WS #403 in Room A on Monday 23 June 2025, 09:30–11:00 Oslo time (07:30–09:00 UTC).
async fn igf_week(db: &Db) -> i64 {
    let event = programme::create_event(
        db,
        &EventInput {
            slug: "igf-2025".into(),
            name: "IGF 2025".into(),
            kind: EventKind::AnnualMeeting,
            time_zone: "Europe/Oslo".into(),
            starts_on: NaiveDate::from_ymd_opt(2025, 6, 23).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2025, 6, 26).unwrap(),
            venue_id: None,
            coalition_id: None,
            description: String::new(),
            report_due_hours: programme::DEFAULT_REPORT_DUE_HOURS,
        },
    )
    .await
    .unwrap();
    let venue = programme::create_venue(
        db,
        &Venue {
            venue_id: 0,
            name: "Nova".into(),
            city: String::new(),
            country: String::new(),
        },
    )
    .await
    .unwrap();
    for name in ["Room A", "Room B"] {
        programme::create_room(
            db,
            &RoomInput {
                venue_id: venue.venue_id,
                name: name.into(),
                capacity: 100,
                layout: RoomLayout::Theatre,
            },
        )
        .await
        .unwrap();
    }
    programme::create_session_type(
        db,
        &SessionTypeInput {
            code: "WS".into(),
            name: "Workshop".into(),
            label: "WS".into(),
            numbered: true,
            allowed_durations: vec![30, 60, 90],
            webcast: true,
            captions: true,
            interpretation: false,
        },
    )
    .await
    .unwrap();
    for name in ["Amina Diallo", "Jonas Berg"] {
        programme::create_person(
            db,
            &PersonInput {
                name: name.into(),
                organization: String::new(),
                stakeholder_group: None,
                regional_group: None,
            },
        )
        .await
        .unwrap();
    }
    let input = SessionInput {
        session_type_id: 1,
        number: Some(403),
        title: "Age assurance without surveillance".into(),
        description: String::new(),
        policy_questions: vec![],
        track: String::new(),
        format: SessionFormat::Panel,
        room_id: Some(1),
        starts_at: at("2025-06-23T07:30:00Z"),
        ends_at: at("2025-06-23T09:00:00Z"),
        status: SessionStatus::Scheduled,
        online_join_url: String::new(),
        roles: vec![RoleInput {
            person_id: 1,
            role: Role::Speaker,
        }],
        override_reason: None,
    };
    programme::save_session(db, &event, None, &input, 1)
        .await
        .unwrap();
    event.event_id
}

async fn session_count(db: &Db) -> i64 {
    sqlx::query_scalar("select count(*) from session")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_programme_lists_sessions_with_host_local_and_utc_times() {
    let app = spawn().await;
    igf_week(&app.db).await;
    let page = app.get("/events/igf-2025?day=2025-06-23", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("WS #403"), "{}", page.body);
    assert!(page.body.contains("Age assurance without surveillance"));
    assert!(page.body.contains("09:30–11:00"), "host-local time missing");
    assert!(
        page.body.contains("07:30–09:00\u{2069} UTC"),
        "UTC time missing"
    );
    assert!(page.body.contains(r#"datetime="2025-06-23T07:30:00Z""#));
    assert!(page.body.contains("Europe/Oslo"));
    assert!(page.body.contains("Monday 23 June 2025"));

    // By room, and with a zone chosen without JavaScript (remembered in a cookie).
    let page = app
        .get(
            "/events/igf-2025?day=2025-06-23&view=rooms&tz=America/New_York",
            &[],
        )
        .await;
    assert!(page.body.contains("Room A"));
    assert!(
        page.body.contains("Your time: \u{2066}03:30–05:00"),
        "{}",
        page.body
    );
    let tz = page.cookie_pair("tz");
    let remembered = app.get("/events/igf-2025?day=2025-06-23", &[&tz]).await;
    assert!(
        remembered.body.contains("Your time: \u{2066}03:30–05:00"),
        "the chosen zone is remembered"
    );

    let session = app.get("/sessions/1", &[]).await;
    assert!(session.body.contains("WS #403"));
    assert!(session.body.contains("Amina Diallo"));
    assert!(session.body.contains("/calendar/sessions/1.ics"));
}

#[tokio::test]
async fn the_language_switch_gives_french_headings_and_arabic_is_right_to_left() {
    let app = spawn().await;
    igf_week(&app.db).await;
    let switched = app.get("/lang?set=fr&next=/events/igf-2025", &[]).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location(), "/events/igf-2025");
    let lang = switched.cookie_pair("lang");
    assert_eq!(lang, "lang=fr");

    let page = app.get("/events/igf-2025?day=2025-06-23", &[&lang]).await;
    assert!(page.body.contains(r#"<html lang="fr" dir="ltr">"#));
    assert!(page.body.contains("lundi 23 juin 2025"), "{}", page.body);
    assert!(page.body.contains("Salle"));
    assert!(page.body.contains("Mon programme"));

    let arabic = app
        .get("/lang?set=ar&next=/", &[])
        .await
        .cookie_pair("lang");
    let page = app.get("/events/igf-2025?day=2025-06-23", &[&arabic]).await;
    assert!(page.body.contains(r#"<html lang="ar" dir="rtl">"#));
    assert!(page.body.contains("الاثنين 23 يونيو 2025"));

    // Without a cookie, the browser's Accept-Language decides; an outside `next` is ignored.
    let req = Request::get("/")
        .header(header::ACCEPT_LANGUAGE, "de, ar;q=0.9")
        .body(Body::empty())
        .unwrap();
    assert!(app.send(req).await.body.contains(r#"dir="rtl""#));
    let away = app.get("/lang?set=fr&next=//evil.example/", &[]).await;
    assert_eq!(away.location(), "/");
}

#[tokio::test]
async fn an_organizer_double_booking_a_room_sees_the_conflict_and_nothing_is_saved() {
    let app = spawn().await;
    igf_week(&app.db).await;
    let staff = app
        .staff_cookie("ana@example.org", StaffRole::Organizer)
        .await;
    let form = [
        ("session_type_id", "1"),
        ("number", "404"),
        ("title", "A clashing workshop"),
        ("format", "panel"),
        ("status", "scheduled"),
        ("room_id", "1"),
        ("day", "2025-06-23"),
        ("start", "10:00"),
        ("duration", "60"),
        ("person_0", "2"),
        ("role_0", "speaker"),
    ];
    let page = app
        .post("/organize/events/igf-2025/sessions/new", &form, &[&staff])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("Blocking"), "{}", page.body);
    assert!(
        page.body
            .contains("Room A is already booked for WS #403 “Age assurance without surveillance”"),
        "{}",
        page.body
    );
    // The user's input is kept.
    assert!(page.body.contains(r#"value="A clashing workshop""#));
    assert_eq!(session_count(&app.db).await, 1);

    // With an override and a reason it goes through, and the session page says so.
    let mut with_override = form.to_vec();
    with_override.extend([
        ("override", "1"),
        (
            "override_reason",
            "Shared room, agreed with both organizers",
        ),
    ]);
    let page = app
        .post(
            "/organize/events/igf-2025/sessions/new",
            &with_override,
            &[&staff],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/sessions/2?saved=1");
    assert_eq!(session_count(&app.db).await, 2);
    let saved = app.get(page.location(), &[&staff]).await;
    assert!(saved.body.contains("The session was saved."));
    assert!(saved.body.contains("Room A is already booked"));
}

#[tokio::test]
async fn a_local_time_the_clocks_skip_is_a_field_error_not_a_crash() {
    let app = spawn().await;
    igf_week(&app.db).await;
    let staff = app
        .staff_cookie("ana@example.org", StaffRole::Organizer)
        .await;
    let event = programme::event_by_slug(&app.db, "igf-2025").await.unwrap();
    let input = EventInput {
        slug: "igf-2025".into(),
        name: event.name.clone(),
        kind: event.kind,
        time_zone: event.time_zone.clone(),
        starts_on: NaiveDate::from_ymd_opt(2025, 3, 29).unwrap(),
        ends_on: NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
        venue_id: None,
        coalition_id: None,
        description: String::new(),
        report_due_hours: programme::DEFAULT_REPORT_DUE_HOURS,
    };
    programme::update_event(&app.db, event.event_id, &input)
        .await
        .unwrap();
    let form = [
        ("session_type_id", "1"),
        ("number", "9"),
        ("title", "Spring forward"),
        ("format", "panel"),
        ("status", "scheduled"),
        ("day", "2025-03-30"),
        ("start", "02:30"),
        ("duration", "60"),
    ];
    let page = app
        .post("/organize/events/igf-2025/sessions/new", &form, &[&staff])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body
            .contains("This time does not exist in Europe/Oslo"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"aria-describedby="start-error""#));
    assert!(page.body.contains(r#"id="start-error""#));
    assert_eq!(session_count(&app.db).await, 1);
}

#[tokio::test]
async fn visitors_who_are_not_organizers_are_sent_to_login() {
    let app = spawn().await;
    igf_week(&app.db).await;
    for path in [
        "/organize",
        "/organize/events/igf-2025/sessions/new",
        "/organize/events/igf-2025/conflicts",
    ] {
        let page = app.get(path, &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            page.location().starts_with("/login?next=/organize"),
            "{}",
            page.location()
        );
    }
    let page = app
        .post(
            "/organize/events/igf-2025/sessions/new",
            &[("title", "x")],
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(session_count(&app.db).await, 1);

    // A moderator is signed in but may not organize: a friendly 403 page, not JSON.
    let moderator = app
        .staff_cookie("mo@example.org", StaffRole::Moderator)
        .await;
    let page = app.get("/organize", &[&moderator]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Not allowed"));
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn login_with_a_wrong_password_fails_with_one_generic_message() {
    let app = spawn().await;
    auth::create_staff(
        &app.db,
        "ana@example.org",
        "Ana",
        StaffRole::Organizer,
        "a-long-enough-password",
    )
    .await
    .unwrap();
    let wrong = app
        .post(
            "/login",
            &[
                ("email", "ana@example.org"),
                ("password", "not-the-password"),
            ],
            &[],
        )
        .await;
    let unknown = app
        .post(
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "not-the-password"),
            ],
            &[],
        )
        .await;
    for page in [&wrong, &unknown] {
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(
            page.body
                .contains("The e-mail address or password is not correct.")
        );
        assert!(page.set_cookie(auth::SESSION_COOKIE).is_none());
    }

    let ok = app
        .post(
            "/login",
            &[
                ("email", "ana@example.org"),
                ("password", "a-long-enough-password"),
                ("next", "//evil.example"),
            ],
            &[],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), "/organize");
    let cookie = ok.set_cookie(auth::SESSION_COOKIE).unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // Logging out ends the server-side session too.
    let pair = ok.cookie_pair(auth::SESSION_COOKIE);
    assert_eq!(app.get("/organize", &[&pair]).await.status, StatusCode::OK);
    let out = app.post("/logout", &[], &[&pair]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/organize", &[&pair]).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_invitation_link_works_once() {
    let app = spawn().await;
    let staff = app
        .staff_cookie("ana@example.org", StaffRole::Organizer)
        .await;
    let page = app
        .post(
            "/organize/invitations",
            &[("email", "new@example.org"), ("role", "organizer")],
            &[&staff],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Plenary does not send e-mail"));
    let start = page
        .body
        .find("http://localhost/invitations/")
        .expect("link shown");
    let link = &page.body[start + "http://localhost".len()..];
    let path = &link[..link.find('"').unwrap()];

    assert_eq!(app.get(path, &[]).await.status, StatusCode::OK);
    let mismatch = app
        .post(
            path,
            &[
                ("display_name", "Nia"),
                ("password", "a-long-enough-password"),
                ("password_again", "another"),
            ],
            &[],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatch
            .body
            .contains("The two passwords are not the same.")
    );
    assert!(
        !mismatch.body.contains("a-long-enough-password"),
        "passwords are never echoed"
    );

    let form = [
        ("display_name", "Nia"),
        ("password", "a-long-enough-password"),
        ("password_again", "a-long-enough-password"),
    ];
    let accepted = app.post(path, &form, &[]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    assert_eq!(accepted.location(), "/organize");
    let cookie = accepted.cookie_pair(auth::SESSION_COOKIE);
    assert_eq!(
        app.get("/organize", &[&cookie]).await.status,
        StatusCode::OK
    );

    assert_eq!(app.get(path, &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(path, &form, &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn my_schedule_needs_no_account_and_shows_a_private_feed_link() {
    let app = spawn().await;
    igf_week(&app.db).await;
    let added = app.post("/my-schedule/sessions/1", &[], &[]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let cookie = added.set_cookie("__Host-plenary-schedule").unwrap();
    for attr in [
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
        "Max-Age=34560000",
    ] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let pair = added.cookie_pair("__Host-plenary-schedule");
    let page = app.get("/my-schedule", &[&pair]).await;
    assert!(page.body.contains("Age assurance without surveillance"));
    assert!(page.body.contains("http://localhost/calendar/my/"));
    assert!(page.body.contains("This link is private"));

    app.post("/my-schedule/sessions/1/remove", &[], &[&pair])
        .await;
    let page = app.get("/my-schedule", &[&pair]).await;
    assert!(!page.body.contains("Age assurance without surveillance"));
    assert_eq!(
        app.post("/my-schedule/sessions/999", &[], &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pages_carry_no_inline_styles_and_only_nonced_or_external_scripts() {
    let app = spawn().await;
    igf_week(&app.db).await;
    let staff = app
        .staff_cookie("ana@example.org", StaffRole::Organizer)
        .await;
    let paths = [
        "/",
        "/events/igf-2025",
        "/events/igf-2025?view=rooms",
        "/sessions/1",
        "/meetings",
        "/my-schedule",
        "/login",
        "/organize",
        "/organize/rooms",
        "/organize/events/new",
        "/organize/events/igf-2025/edit",
        "/organize/events/igf-2025/sessions/new",
        "/organize/sessions/1/edit",
        "/organize/events/igf-2025/conflicts",
        "/no-such-page",
    ];
    for path in paths {
        let page = app.get(path, &[&staff]).await;
        assert!(
            page.status == StatusCode::OK || path == "/no-such-page",
            "{path}: {}",
            page.status
        );
        let html = page.body.to_lowercase();
        assert!(!html.contains(" style="), "{path} has a style attribute");
        assert!(!html.contains("<style"), "{path} has a style element");
        for script in html.split("<script").skip(1) {
            let tag = &script[..script.find('>').unwrap()];
            assert!(
                tag.contains(" src=") || tag.contains(" nonce="),
                "{path}: inline script without nonce"
            );
        }
        assert!(html.contains("<main"), "{path} lacks a main landmark");
    }
}

#[tokio::test]
async fn unknown_pages_are_friendly_html_and_static_files_are_cached_by_version() {
    let app = spawn().await;
    let page = app.get("/events/nope", &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found"));

    let home = app.get("/", &[]).await;
    let start = home.body.find("/static/app.css?v=").unwrap();
    let url = &home.body[start..start + home.body[start..].find('"').unwrap()];
    let css = app.get(url, &[]).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css");
    assert!(
        css.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let js = app.get("/static/viewer-time.js", &[]).await;
    assert_eq!(js.headers[header::CONTENT_TYPE], "text/javascript");
    assert_eq!(js.headers[header::CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused() {
    let app = spawn().await;
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from("email=a%40example.org&password=x"))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    let req = Request::post("/my-schedule/sessions/1")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
}

// ---------------------------------------------------------------------------------------------
// Live pages

async fn live_session_id(db: &Db) -> i64 {
    igf_week(db).await;
    sqlx::query_scalar("select min(session_id) from session")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn joining_a_live_session_needs_a_handle_an_age_band_and_the_code_of_conduct() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let form = app.get(&format!("/live/{id}"), &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"handle\"") && form.body.contains("name=\"age_band\""));
    assert!(form.body.contains("Code of conduct"));

    // Missing acceptance, a handle with a phone number: clear errors, nothing stored.
    let refused = app
        .post(
            &format!("/live/{id}/join"),
            &[
                ("handle", "call 07700900123"),
                ("age_band", "16_17"),
                ("attendance", "online"),
            ],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("contact details"), "{}", refused.body);
    assert!(refused.body.contains("accept the code of conduct"));
    let stored: i64 = sqlx::query_scalar("select count(*) from participant")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);

    let joined = app
        .post(
            &format!("/live/{id}/join"),
            &[
                ("handle", "Robin"),
                ("age_band", "16_17"),
                ("attendance", "online"),
                ("stakeholder_group", ""),
                ("regional_group", "african"),
                ("accept_code_of_conduct", "yes"),
            ],
            &[],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    assert_eq!(joined.location(), format!("/live/{id}"));
    let cookie = joined
        .set_cookie(&format!("__Host-plenary-live-{id}"))
        .expect("the join cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax")
    );
    // The data key is shown once, on the next page, then its cookie is gone.
    let join_cookie = joined.cookie_pair(&format!("__Host-plenary-live-{id}"));
    let key_cookie = joined.cookie_pair(&format!("__Host-plenary-key-{id}"));
    let page = app
        .get(&format!("/live/{id}"), &[&join_cookie, &key_cookie])
        .await;
    assert!(page.body.contains("personal data key"));
    assert!(page.body.contains("data-live=\"participant\""));
    assert!(
        page.set_cookie(&format!("__Host-plenary-key-{id}"))
            .is_some(),
        "the key cookie is removed"
    );
    let again = app.get(&format!("/live/{id}"), &[&join_cookie]).await;
    assert!(!again.body.contains("personal data key"));
    // A look-alike handle is refused.
    let twin = app
        .post(
            &format!("/live/{id}/join"),
            &[
                ("handle", "ROBIN"),
                ("age_band", "18_plus"),
                ("attendance", "onsite"),
                ("accept_code_of_conduct", "yes"),
            ],
            &[],
        )
        .await;
    assert_eq!(twin.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_moderator_console_is_for_the_sessions_moderators_and_the_screen_shows_the_join_code() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let anonymous = app.get(&format!("/live/{id}/moderate"), &[]).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/login?next="));
    let unassigned = app
        .staff_cookie("mod@example.org", StaffRole::Moderator)
        .await;
    assert_eq!(
        app.get(&format!("/live/{id}/moderate"), &[&unassigned])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let organizer = app
        .staff_cookie("org@example.org", StaffRole::Organizer)
        .await;
    let console = app
        .get(&format!("/live/{id}/moderate"), &[&organizer])
        .await;
    assert_eq!(console.status, StatusCode::OK);
    assert!(
        console.body.contains("data-live=\"moderator\"")
            && console.body.contains("Keyboard shortcuts")
    );
    let code: String =
        sqlx::query_scalar("select join_code from live_session where session_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    // The organizer assigns the moderator from the console; then the console opens for them.
    let staff_id: i64 =
        sqlx::query_scalar("select staff_id from staff where email = 'mod@example.org'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let added = app
        .post(
            &format!("/live/{id}/moderators"),
            &[
                ("staff_id", &staff_id.to_string()),
                ("role", "online_moderator"),
                ("action", "add"),
            ],
            &[&organizer],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/live/{id}/moderate"), &[&unassigned])
            .await
            .status,
        StatusCode::OK
    );
    let by_moderator = app
        .post(
            &format!("/live/{id}/moderators"),
            &[("staff_id", &staff_id.to_string()), ("action", "remove")],
            &[&unassigned],
        )
        .await;
    assert_eq!(
        by_moderator.status,
        StatusCode::FORBIDDEN,
        "only organizers assign"
    );
    let screen = app.get(&format!("/live/{id}/screen"), &[]).await;
    assert_eq!(screen.status, StatusCode::OK);
    assert!(screen.body.contains(&code) && screen.body.contains(&format!("/j/{code}")));
    assert_eq!(
        app.get("/live/999999", &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

// ---------------------------------------------------------------------------------------------
// Live pages: forms that work without script, and what each visitor may see

/// Joins `session_id` through the form; returns the join cookie (`name=value`).
async fn join_live(app: &TestApp, session_id: i64, handle: &str) -> String {
    let joined = app
        .post(
            &format!("/live/{session_id}/join"),
            &[
                ("handle", handle),
                ("age_band", "18_plus"),
                ("attendance", "onsite"),
                ("accept_code_of_conduct", "yes"),
            ],
            &[],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    joined.cookie_pair(&format!("__Host-plenary-live-{session_id}"))
}

/// The id of the only question with this text.
async fn question_id(db: &Db, text: &str) -> i64 {
    sqlx::query_scalar("select question_id from question where text = $1")
        .bind(text)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// The JSON object a live page hands its scripts (HTML-escaped in a data attribute).
fn live_strings(body: &str) -> serde_json::Map<String, serde_json::Value> {
    let start = body.find("data-strings=\"").expect("the strings") + "data-strings=\"".len();
    let raw = &body[start..start + body[start..].find('"').unwrap()];
    let json = raw
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    match serde_json::from_str(&json).expect("the strings are JSON") {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[tokio::test]
async fn the_live_join_form_asks_only_for_a_pseudonym_an_age_band_and_how_one_takes_part() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let page = app.get(&format!("/live/{id}"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    for value in [
        "under_13",
        "13_15",
        "16_17",
        "18_plus",
        "onsite",
        "online",
        "remote_hub",
    ] {
        assert!(
            page.body.contains(&format!("<option value=\"{value}\"")),
            "{value}"
        );
    }
    for name in ["handle", "stakeholder_group", "regional_group"] {
        assert!(page.body.contains(&format!("name=\"{name}\"")), "{name}");
    }
    assert!(page.body.contains("Code of conduct"));
    assert!(
        page.body
            .contains("name=\"accept_code_of_conduct\" value=\"yes\" required")
    );
    assert!(
        page.body
            .contains("No e-mail, no account: your handle is a pseudonym")
    );
    assert!(!page.body.contains("type=\"email\""), "no e-mail is asked");
    // The questions so far are readable before joining, without script.
    assert!(page.body.contains("Questions so far"));
}

#[tokio::test]
async fn a_live_join_with_mistakes_answers_422_with_a_message_by_each_field_and_stores_nothing() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let refused = app
        .post(
            &format!("/live/{id}/join"),
            &[
                ("handle", "x"),
                ("age_band", "12"),
                ("attendance", ""),
                ("regional_group", "atlantis"),
            ],
            &[],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "handle",
        "age_band",
        "attendance",
        "regional_group",
        "accept_code_of_conduct",
    ] {
        assert!(
            refused.body.contains(&format!("id=\"{field}-error\"")),
            "a message by {field}: {}",
            refused.body
        );
        assert!(
            refused.body.contains(&format!("href=\"#{field}\"")),
            "{field} in the summary"
        );
    }
    assert!(refused.body.contains("aria-invalid=\"true\""));
    assert!(
        refused.body.contains("value=\"x\""),
        "what was typed is kept"
    );
    assert!(
        refused
            .set_cookie(&format!("__Host-plenary-live-{id}"))
            .is_none()
    );
    let stored: i64 = sqlx::query_scalar("select count(*) from participant")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn a_good_live_join_redirects_with_a_host_only_secure_join_cookie() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let joined = app
        .post(
            &format!("/live/{id}/join"),
            &[
                ("handle", "Kwame"),
                ("age_band", "13_15"),
                ("attendance", "remote_hub"),
                ("stakeholder_group", "civil_society"),
                ("regional_group", ""),
                ("accept_code_of_conduct", "yes"),
            ],
            &[],
        )
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    assert_eq!(joined.location(), format!("/live/{id}"));
    let cookie = joined
        .set_cookie(&format!("__Host-plenary-live-{id}"))
        .expect("the join cookie");
    for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "__Host- cookies name no domain");
    let join_cookie = joined.cookie_pair(&format!("__Host-plenary-live-{id}"));
    let page = app.get(&format!("/live/{id}"), &[&join_cookie]).await;
    assert!(page.body.contains("data-live=\"participant\""));
    assert!(page.body.contains("You take part as Kwame."));
    assert!(page.body.contains("/static/live/participant.js?v="));
}

#[tokio::test]
async fn a_participant_asks_votes_and_raises_a_hand_with_plain_forms_and_a_moderator_answers() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let me = join_live(&app, id, "Robin").await;
    let organizer = app
        .staff_cookie("org@example.org", StaffRole::Organizer)
        .await;
    let question = "How will the coalition follow up on age assurance?";

    let asked = app
        .post(
            &format!("/live/{id}/act"),
            &[
                ("client_id", "form1"),
                ("action", "ask"),
                ("text", question),
            ],
            &[&me],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert!(
        asked.location().contains("done=asked_pending"),
        "{}",
        asked.location()
    );
    let page = app.get(asked.location(), &[&me]).await;
    assert!(
        page.body
            .contains("A moderator will read it before others see it.")
    );
    let mine = &page.body
        [page.body.find("data-mine").unwrap()..page.body.find("data-questions ").unwrap()];
    assert!(mine.contains(question) && mine.contains("Waiting for a moderator"));
    let public = &page.body[page.body.find("data-questions ").unwrap()..];
    assert!(
        !public[..public.find("</ul>").unwrap()].contains(question),
        "not public yet"
    );

    // The moderator's console lists it for review, and approves it with its form.
    let qid = question_id(&app.db, question).await;
    let console = app
        .get(&format!("/live/{id}/moderate"), &[&organizer])
        .await;
    let pending = &console.body[console.body.find("data-list=\"pending\"").unwrap()
        ..console.body.find("data-list=\"approved\"").unwrap()];
    assert!(pending.contains(question));
    let approved = app
        .post(
            &format!("/live/{id}/moderate"),
            &[
                ("client_id", "c1"),
                ("question_id", &qid.to_string()),
                ("action", "approve"),
            ],
            &[&organizer],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        approved.location(),
        format!("/live/{id}/moderate?done=done#q-{qid}")
    );

    // Public now, with an upvote button not yet pressed; a double-posted vote counts once.
    let page = app.get(&format!("/live/{id}"), &[&me]).await;
    assert!(page.body.contains("Visible to everyone"));
    assert!(
        page.body
            .contains("value=\"vote\" class=\"vote\" aria-pressed=\"false\"")
    );
    for _ in 0..2 {
        let voted = app
            .post(
                &format!("/live/{id}/act"),
                &[
                    ("client_id", "v1"),
                    ("question_id", &qid.to_string()),
                    ("action", "vote"),
                ],
                &[&me],
            )
            .await;
        assert_eq!(voted.status, StatusCode::SEE_OTHER);
        assert!(voted.location().contains(&format!("#q-{qid}")));
    }
    let votes: i64 = sqlx::query_scalar("select votes from question where question_id = $1")
        .bind(qid)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(votes, 1);
    let page = app.get(&format!("/live/{id}"), &[&me]).await;
    assert!(
        page.body
            .contains("value=\"unvote\" class=\"vote\" aria-pressed=\"true\"")
    );

    // A raised hand gets a place; the moderator gives the floor.
    app.post(
        &format!("/live/{id}/act"),
        &[("client_id", "h1"), ("action", "raise_hand")],
        &[&me],
    )
    .await;
    let page = app.get(&format!("/live/{id}"), &[&me]).await;
    assert!(page.body.contains("You are number 1 in the queue."));
    let console = app
        .get(&format!("/live/{id}/moderate"), &[&organizer])
        .await;
    assert!(console.body.contains("Proposed next: Robin"));
    app.post(
        &format!("/live/{id}/moderate"),
        &[("client_id", "c2"), ("action", "call_next")],
        &[&organizer],
    )
    .await;
    let page = app.get(&format!("/live/{id}"), &[&me]).await;
    assert!(page.body.contains("You have the floor"));

    // On screen: the participant page and the big screen show it.
    app.post(
        &format!("/live/{id}/moderate"),
        &[
            ("client_id", "c3"),
            ("question_id", &qid.to_string()),
            ("action", "show_on_screen"),
        ],
        &[&organizer],
    )
    .await;
    let screen = app.get(&format!("/live/{id}/screen"), &[]).await;
    let now = &screen.body[screen.body.find("data-screen-question").unwrap()..];
    assert!(now[..now.find("</blockquote>").unwrap()].contains(question));
    assert!(screen.body.contains("Votes: 1"));
}

#[tokio::test]
async fn a_question_refused_without_script_comes_back_with_its_text_and_the_reason() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let me = join_live(&app, id, "Noor").await;
    let organizer = app
        .staff_cookie("org@example.org", StaffRole::Organizer)
        .await;
    let closed = app
        .post(
            &format!("/live/{id}/moderate"),
            &[
                ("client_id", "s1"),
                ("action", "set_qa_state"),
                ("state", "closed"),
            ],
            &[&organizer],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    let text = "Will the toolkit be translated into Arabic?";
    let refused = app
        .post(
            &format!("/live/{id}/act"),
            &[
                ("client_id", "a1"),
                ("action", "ask"),
                ("text", text),
                ("anonymous", "true"),
            ],
            &[&me],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains(&format!(">{text}</textarea>")),
        "the text is kept"
    );
    assert!(
        refused
            .body
            .contains("id=\"anonymous\" name=\"anonymous\" value=\"true\" checked")
    );
    assert!(
        refused
            .body
            .contains("questions or votes are not open right now")
    );
    assert!(refused.body.contains("Questions: Closed"));
    let stored: i64 = sqlx::query_scalar("select count(*) from question")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn the_moderator_console_is_refused_to_participants_and_to_staff_not_assigned() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let me = join_live(&app, id, "Lukas").await;
    // A participant is not signed in as staff: the console sends them to the login page.
    let as_participant = app.get(&format!("/live/{id}/moderate"), &[&me]).await;
    assert_eq!(as_participant.status, StatusCode::SEE_OTHER);
    assert_eq!(
        as_participant.location(),
        format!("/login?next=/live/{id}/moderate")
    );
    // Moderator commands through the participant's form are refused and change nothing.
    app.post(
        &format!("/live/{id}/act"),
        &[("action", "ask"), ("text", "Is this on?")],
        &[&me],
    )
    .await;
    let qid = question_id(&app.db, "Is this on?").await;
    let tried = app
        .post(
            &format!("/live/{id}/act"),
            &[("question_id", &qid.to_string()), ("action", "approve")],
            &[&me],
        )
        .await;
    assert_eq!(tried.status, StatusCode::SEE_OTHER);
    assert!(tried.location().contains("error=forbidden"));
    let status: String = sqlx::query_scalar("select status from question where question_id = $1")
        .bind(qid)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    // Staff who are not this session's moderators get 403, for the page and for its forms.
    let other = app
        .staff_cookie("mod@example.org", StaffRole::Moderator)
        .await;
    let page = app.get(&format!("/live/{id}/moderate"), &[&other]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let post = app
        .post(
            &format!("/live/{id}/moderate"),
            &[("question_id", &qid.to_string()), ("action", "approve")],
            &[&other],
        )
        .await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert!(
        post.body.contains("<main"),
        "a friendly page, not a bare status"
    );
}

#[tokio::test]
async fn the_console_shows_why_a_question_was_held_in_the_moderators_language() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let me = join_live(&app, id, "Mei").await;
    let organizer = app
        .staff_cookie("org@example.org", StaffRole::Organizer)
        .await;
    app.post(
        &format!("/live/{id}/act"),
        &[
            ("action", "ask"),
            ("text", "Write to me at mei@example.org please"),
        ],
        &[&me],
    )
    .await;
    let console = app
        .get(&format!("/live/{id}/moderate"), &[&organizer])
        .await;
    assert!(console.body.contains("Held for review: an e-mail address"));
    assert!(
        console
            .body
            .contains("class=\"question moderated status-pending held\"")
    );
    let french = app
        .get(&format!("/live/{id}/moderate"), &[&organizer, "lang=fr"])
        .await;
    assert!(
        french
            .body
            .contains("Retenue pour examen : une adresse e-mail")
    );
    // Keyboard help is on the page, and every action is a real button.
    assert!(console.body.contains("Keyboard shortcuts") && console.body.contains("<kbd>j</kbd>"));
    assert!(!console.body.contains("<div role=\"button\""));
}

#[tokio::test]
async fn the_presenter_screen_shows_the_join_code_and_link_and_has_nothing_to_click() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let page = app.get(&format!("/live/{id}/screen"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let code: String =
        sqlx::query_scalar("select join_code from live_session where session_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        page.body
            .contains(&format!("class=\"screen-code\" dir=\"ltr\">{code}<"))
    );
    assert!(page.body.contains(&format!("http://localhost/j/{code}")));
    assert!(page.body.contains("Questions: Open"));
    assert!(page.body.contains("No question on screen."));
    assert!(!page.body.contains("<form") && !page.body.contains("<button"));
    assert!(page.body.contains("/static/live/screen.js?v="));
}

#[tokio::test]
async fn every_string_the_live_scripts_use_is_in_english_french_and_arabic() {
    let app = spawn().await;
    let id = live_session_id(&app.db).await;
    let me = join_live(&app, id, "Tomas").await;
    let organizer = app
        .staff_cookie("org@example.org", StaffRole::Organizer)
        .await;
    let english = live_strings(&app.get(&format!("/live/{id}"), &[&me]).await.body);
    assert!(english.len() > 80, "{}", english.len());
    for lang in ["en", "fr", "ar"] {
        let cookie = format!("lang={lang}");
        for path in [
            format!("/live/{id}"),
            format!("/live/{id}/moderate"),
            format!("/live/{id}/screen"),
        ] {
            let page = app.get(&path, &[&me, &organizer, &cookie]).await;
            let strings = live_strings(&page.body);
            for (key, value) in &strings {
                let value = value.as_str().unwrap();
                assert!(
                    !value.is_empty() && value != key,
                    "{lang} {path}: {key} is missing"
                );
                // A few words are the same in French ("Spam", "Questions").
                let cognate = ["report-category-spam"].contains(&key.as_str());
                if lang != "en" && !(lang == "fr" && cognate) {
                    assert_ne!(
                        Some(value),
                        english.get(key).and_then(|v| v.as_str()),
                        "{lang}: {key} is not translated"
                    );
                }
            }
        }
    }
}
