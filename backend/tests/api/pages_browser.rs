//! The programme pages in a real headless Chromium against the real server, with the demo data:
//! what a visitor sees and clicks, the language switch, an organizer's form, accessibility
//! (axe-core) and a phone-width layout.
//!
//! These run on SQLite only. They test what the browser shows and does (markup, scripts,
//! cookies, layout); the database underneath is the same code path the `both!` API tests
//! already cover on PostgreSQL, and a second Chromium per test would double the slowest part
//! of the suite for no new coverage.

use std::future::Future;

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{
    Browser, Options, check_axe, click, eval, field, fill, open, text, wait_until, xpath_literal,
};
use crate::helpers::{Backend, TestApp};

/// The demo's host zone is Europe/Oslo; the browser is put elsewhere so the viewer-time
/// script has something to add.
const VIEWER_ZONE: &str = "America/New_York";

// ---------------------------------------------------------------------------------------------
// Running a test: a fresh server with the demo programme, and a browser

/// Runs `test` on a SQLite app holding the demo data, with a browser started with `options`.
async fn with_demo<F, Fut>(options: Options, test: F)
where
    F: FnOnce(TestApp, Client) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::helpers::run(
        move |app: TestApp| async move {
            plenary::seed::load(&app.db)
                .await
                .expect("the demo data loads into a fresh database");
            let Some(browser) = Browser::start_with(options).await else {
                return;
            };
            browser.run(move |client| test(app, client)).await;
        },
        Backend::Sqlite,
    )
    .await;
}

fn in_new_york() -> Options {
    Options {
        time_zone: Some(VIEWER_ZONE),
        ..Options::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Reading and driving pages the way a person does

/// Waits until the page's path (and query) is `path_and_query`-prefixed.
async fn wait_for_path(client: &Client, prefix: &str) {
    wait_until(
        client,
        &format!("a page at {prefix}"),
        &format!(
            "document.readyState === 'complete' && (location.pathname + location.search).startsWith({})",
            json!(prefix)
        ),
    )
    .await;
}

/// Picks the option whose text starts with `option` in the select labelled `label`.
async fn choose(client: &Client, label: &str, option: &str) {
    let select = field(client, label).await;
    let xpath = format!(
        ".//option[starts-with(normalize-space(), {})]",
        xpath_literal(option)
    );
    select
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("an option {option:?} under {label:?}: {e}"))
        .click()
        .await
        .expect("pick an option");
}

/// A time typed into an `<input type=time>` the way a person does: hours, minutes, and the
/// AM/PM marker when the browser's locale shows one.
async fn fill_time(client: &Client, label: &str, hh_mm: &str) {
    let input = field(client, label).await;
    let (h, m) = hh_mm.split_once(':').expect("HH:MM");
    input.click().await.expect("focus the time field");
    input
        .send_keys(&format!("{h}{m}"))
        .await
        .expect("type a time");
    let value = input
        .prop("value")
        .await
        .expect("the value")
        .unwrap_or_default();
    if value != hh_mm {
        // A 12-hour locale waits for AM or PM.
        let hour: u32 = h.parse().expect("an hour");
        input
            .send_keys(if hour >= 12 { "P" } else { "A" })
            .await
            .expect("type AM/PM");
    }
    let value = input
        .prop("value")
        .await
        .expect("the value")
        .unwrap_or_default();
    assert_eq!(
        value, hh_mm,
        "the time field {label:?} holds what was typed"
    );
}

async fn click_link(client: &Client, link_text: &str) {
    client
        .find(Locator::LinkText(link_text))
        .await
        .unwrap_or_else(|e| panic!("a link {link_text:?}: {e}"))
        .click()
        .await
        .expect("click a link");
}

/// Switches the page's language by clicking the switch in the header.
async fn switch_language(client: &Client, code: &str) {
    click(client, &format!(".lang-switch a[hreflang={code}]")).await;
    wait_until(
        client,
        &format!("the page in {code}"),
        &format!(
            "document.readyState === 'complete' && document.documentElement.lang === {}",
            json!(code)
        ),
    )
    .await;
}

/// The id of the demo's workshop with `number` (e.g. 101 for "WS #101").
async fn demo_workshop_id(app: &TestApp, number: i64) -> i64 {
    sqlx::query_scalar(
        "select s.session_id from session s join session_type t using (session_type_id) \
         where t.code = 'WS' and s.number = $1",
    )
    .bind(number)
    .fetch_one(&app.db.pool)
    .await
    .unwrap_or_else(|e| panic!("the demo holds WS #{number}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// 1. The programme

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_finds_a_session_through_the_programme_in_host_time_utc_and_their_own_time() {
    with_demo(in_new_york(), |app, client| async move {
        open(&client, &app, "/").await;
        click_link(&client, "Internet Governance Forum 2025").await;
        wait_for_path(&client, "/events/igf-2025").await;

        let tabs = client
            .find_all(Locator::Css("nav.tabs a"))
            .await
            .expect("day tabs");
        assert_eq!(tabs.len(), 5, "one tab per day, 23 to 27 June");
        let notice = text(&client, "#tz-info").await;
        assert!(notice.contains("Europe/Oslo"), "{notice}");

        // Day 1 (24 June): the second tab.
        tabs[1].click().await.expect("click the second day");
        wait_for_path(&client, "/events/igf-2025?day=2025-06-24").await;
        let current = text(&client, "nav.tabs a[aria-current=page]").await;
        let second = tabs_text(&client, 1).await;
        assert_eq!(current, second, "the clicked tab is marked current");

        let row = row_text(&client, "WS #101").await;
        assert!(row.contains("Age assurance without surveillance"), "{row}");
        assert!(row.contains("11:45"), "host (Oslo) time: {row}");
        assert!(row.contains("09:45") && row.contains("UTC"), "UTC: {row}");
        assert!(row.contains("Workshop Room 1"), "{row}");

        // The viewer-time module: Chromium runs in New York, so 11:45 Oslo is 05:45 there.
        wait_until(
            &client,
            "the notice that the viewer's zone differs",
            "!document.querySelector('.tz-js-notice').hidden",
        )
        .await;
        let js_notice = text(&client, ".tz-js-notice").await;
        assert!(js_notice.contains(VIEWER_ZONE), "{js_notice}");
        let row = row_text(&client, "WS #101").await;
        assert!(row.contains("Your time:") && row.contains("05:45"), "{row}");

        click_link_containing(&client, "Age assurance without surveillance").await;
        wait_for_path(&client, "/sessions/").await;
        let heading = text(&client, "h1").await;
        assert!(heading.contains("WS #101"), "{heading}");
        let people = text(&client, "section[aria-labelledby=people-heading]").await;
        assert!(people.contains("People"), "{people}");
        let roles = client
            .find_all(Locator::Css("section[aria-labelledby=people-heading] h3"))
            .await
            .expect("role headings");
        assert!(!roles.is_empty(), "the session lists people by role");
        wait_until(
            &client,
            "the viewer's time on the session page",
            "document.querySelector('.times .viewer-time') !== null",
        )
        .await;
        let when = text(&client, "#tz-info").await;
        assert!(
            when.contains("05:45") && when.contains(VIEWER_ZONE),
            "{when}"
        );
    })
    .await;
}

async fn tabs_text(client: &Client, index: usize) -> String {
    let tabs = client
        .find_all(Locator::Css("nav.tabs a"))
        .await
        .expect("day tabs");
    tabs[index].text().await.expect("a tab's text")
}

/// The text of the programme row holding the session labelled `label`.
async fn row_text(client: &Client, label: &str) -> String {
    let xpath = format!(
        "//tr[.//span[@class='label' and normalize-space()={}]]",
        xpath_literal(label)
    );
    client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("a programme row for {label}: {e}"))
        .text()
        .await
        .expect("the row's text")
}

async fn click_link_containing(client: &Client, words: &str) {
    client
        .find(Locator::XPath(&format!(
            "//a[contains(normalize-space(), {})]",
            xpath_literal(words)
        )))
        .await
        .unwrap_or_else(|e| panic!("a link with {words:?}: {e}"))
        .click()
        .await
        .expect("click a link");
}

// ---------------------------------------------------------------------------------------------
// 2. The language switch

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_shows_french_then_arabic_right_to_left() {
    with_demo(Options::default(), |app, client| async move {
        open(&client, &app, "/events/igf-2025").await;
        assert_eq!(
            eval(&client, "return document.documentElement.lang").await,
            "en"
        );

        switch_language(&client, "fr").await;
        wait_for_path(&client, "/events/igf-2025").await;
        let days = eval(
            &client,
            "return document.querySelector('nav.tabs').getAttribute('aria-label')",
        )
        .await;
        assert_eq!(days, "Jours de l’événement");
        assert_eq!(text(&client, "th[scope=col]").await, "Heure");
        assert_eq!(
            eval(&client, "return document.documentElement.dir").await,
            "ltr"
        );

        open(&client, &app, "/").await;
        assert_eq!(text(&client, "#events-heading").await, "Événements");

        switch_language(&client, "ar").await;
        assert_eq!(
            eval(&client, "return document.documentElement.dir").await,
            "rtl"
        );
        assert_eq!(
            eval(&client, "return document.documentElement.lang").await,
            "ar"
        );
        assert_eq!(text(&client, "#events-heading").await, "الفعاليات");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 3. An organizer's session form

const ORGANIZER_EMAIL: &str = "organizer@example.org";
const ORGANIZER_PASSWORD: &str = "a long and unguessable passphrase";

async fn create_organizer(app: &TestApp) {
    plenary::auth::create_staff(
        &app.db,
        ORGANIZER_EMAIL,
        "Olga Organizer",
        plenary::domain::schedule::StaffRole::Organizer,
        ORGANIZER_PASSWORD,
    )
    .await
    .expect("create an organizer");
}

/// Logs in through the login form, as a person types it, and waits for `then`.
async fn log_in(client: &Client, app: &TestApp, next: &str) {
    open(client, app, &format!("/login?next={next}")).await;
    fill(client, "E-mail address", ORGANIZER_EMAIL).await;
    fill(client, "Password", ORGANIZER_PASSWORD).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    wait_for_path(client, next).await;
}

async fn sessions_titled(app: &TestApp, title: &str) -> i64 {
    sqlx::query_scalar("select count(*) from session where title = $1")
        .bind(title)
        .fetch_one(&app.db.pool)
        .await
        .expect("count sessions")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_is_told_a_room_is_double_booked_and_can_save_only_with_a_reason() {
    with_demo(Options::default(), |app, client| async move {
        create_organizer(&app).await;
        log_in(&client, &app, "/organize").await;
        let cookie = client
            .get_named_cookie(plenary::auth::SESSION_COOKIE)
            .await
            .expect("Chromium kept the __Host- login cookie from http://127.0.0.1");
        assert_eq!(cookie.secure(), Some(true));

        open(&client, &app, "/organize/events/igf-2025/sessions/new").await;
        let title = "Children's data in edtech platforms";
        choose(&client, "Session type", "Workshop").await;
        fill(&client, "Number", "299").await;
        fill(&client, "Title", title).await;
        // WS #101 holds Workshop Room 1 on 24 June, 11:45–13:15 Oslo time.
        choose(&client, "Room", "Workshop Room 1").await;
        choose_value(&client, "Day", "2025-06-24").await;
        fill_time(&client, "Start time", "12:00").await;
        choose(&client, "Duration", "60").await;
        click(&client, "form.stack button[type=submit]").await;

        wait_until(
            &client,
            "the conflict summary",
            "document.readyState === 'complete' && document.querySelector('.error-summary') !== null",
        )
        .await;
        let summary = text(&client, ".error-summary").await;
        assert!(
            summary.contains("This change conflicts with the programme"),
            "{summary}"
        );
        assert!(
            summary.contains("Workshop Room 1") && summary.contains("WS #101"),
            "names the room and the other session: {summary}"
        );
        assert!(summary.contains("Nothing was saved"), "{summary}");
        assert_eq!(sessions_titled(&app, title).await, 0, "nothing was saved");
        let mut problems = Vec::new();
        check_axe(&client, "the session form with a conflict", &mut problems).await;
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        // What was typed is still there.
        assert_eq!(
            field(&client, "Title").await.prop("value").await.unwrap(),
            Some(title.to_string())
        );

        click(&client, "#override").await;
        fill(&client, "Reason for the override", "Room shared by agreement with WS #101").await;
        click(&client, "form.stack button[type=submit]").await;
        wait_for_path(&client, "/sessions/").await;
        let heading = text(&client, "h1").await;
        assert!(heading.contains("WS #299") && heading.contains(title), "{heading}");
        let notice = text(&client, ".notice.success").await;
        assert!(!notice.is_empty(), "the page says it was saved");
        assert_eq!(sessions_titled(&app, title).await, 1);
    })
    .await;
}

/// Picks the option with `value` in the select labelled `label`.
async fn choose_value(client: &Client, label: &str, value: &str) {
    field(client, label)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("the option {value} under {label:?}: {e}"));
}

// ---------------------------------------------------------------------------------------------
// 4. Accessibility

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_without_serious_problems_in_english_and_arabic() {
    with_demo(Options::default(), |app, client| async move {
        let session = demo_workshop_id(&app, 101).await;
        create_organizer(&app).await;
        log_in(&client, &app, "/organize").await;
        let pages = [
            "/".to_string(),
            "/events/igf-2025?day=2025-06-24".into(),
            format!("/sessions/{session}"),
            "/meetings".into(),
            "/meetings/dc-cos-monthly-call".into(),
            "/meetings/rotation?zones=Europe/Zurich%0AAfrica/Nairobi&slots=2".into(),
        ];
        let mut problems = Vec::new();
        for lang in ["en", "ar"] {
            open(&client, &app, "/").await;
            switch_language(&client, lang).await;
            for page in &pages {
                open(&client, &app, page).await;
                check_axe(&client, &format!("{page} ({lang})"), &mut problems).await;
            }
            // The session form after a submit with errors: nothing filled in.
            open(&client, &app, "/organize/events/igf-2025/sessions/new").await;
            click(&client, "form.stack button[type=submit]").await;
            wait_until(
                &client,
                "the form's error summary",
                "document.readyState === 'complete' && document.querySelector('.error-summary') !== null",
            )
            .await;
            check_axe(&client, &format!("the session form with errors ({lang})"), &mut problems)
                .await;
        }
        // The login page, signed out.
        client.delete_all_cookies().await.expect("sign out");
        for lang in ["en", "ar"] {
            open(&client, &app, "/login").await;
            switch_language(&client, lang).await;
            check_axe(&client, &format!("/login ({lang})"), &mut problems).await;
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 5. A phone

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_programme_fits_a_360_px_phone_without_sideways_scrolling() {
    let phone = Options {
        window: (360, 800),
        ..Options::default()
    };
    with_demo(phone, |app, client| async move {
        for lang in ["en", "ar"] {
            open(&client, &app, "/events/igf-2025?day=2025-06-24").await;
            switch_language(&client, lang).await;
            let width = eval(&client, "return window.innerWidth").await;
            assert!(
                width.as_u64().is_some_and(|w| w <= 360),
                "the viewport is a phone's: {width}"
            );
            let scroll = eval(&client, "return document.documentElement.scrollWidth").await;
            assert!(
                scroll.as_u64().is_some_and(|w| w <= 360),
                "no sideways scrolling in {lang}: scrollWidth {scroll}; wider elements: {}",
                eval(
                    &client,
                    "return [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > 360.5 || e.getBoundingClientRect().left < -0.5)
                        .slice(0, 8).map(e => e.tagName + '.' + e.className).join(', ')"
                )
                .await
            );
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 4. Live Q&A: a participant, a moderator and the presenter screen in two Chromium sessions

/// Runs `test` with the demo loaded and two browsers: one for a participant, one for staff
/// (their cookies must not mix: the server decides the role from them).
async fn with_two_browsers<F, Fut>(options: Options, test: F)
where
    F: FnOnce(TestApp, Client, Client) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::helpers::run(
        move |app: TestApp| async move {
            plenary::seed::load(&app.db).await.expect("the demo loads");
            let Some(first) = Browser::start_with(options.clone()).await else {
                return;
            };
            let Some(second) = Browser::start_with(options).await else {
                first.stop().await;
                return;
            };
            let (a, b) = (first.client.clone(), second.client.clone());
            let outcome = tokio::spawn(test(app, a, b)).await;
            first.stop().await;
            second.stop().await;
            if let Err(err) = outcome {
                match err.try_into_panic() {
                    Ok(panic) => std::panic::resume_unwind(panic),
                    Err(err) => panic!("browser test task failed: {err}"),
                }
            }
        },
        Backend::Sqlite,
    )
    .await;
}

async fn demo_live_session(app: &TestApp) -> i64 {
    sqlx::query_scalar("select session_id from live_session order by session_id limit 1")
        .fetch_one(&app.db.pool)
        .await
        .expect("the demo has a live session")
}

/// Joins through the form, as a person fills it in.
async fn join_live(client: &Client, app: &TestApp, session_id: i64, handle: &str) {
    open(client, app, &format!("/live/{session_id}")).await;
    fill(client, "Name to show", handle).await;
    choose(client, "Age group", "16 or 17").await;
    choose(client, "How you take part", "Online").await;
    click(client, "#accept_code_of_conduct").await;
    click(client, "form[action$='/join'] button[type=submit]").await;
    wait_until(
        client,
        "the data key",
        "document.querySelector('.data-key code')",
    )
    .await;
    wait_until(
        client,
        "a live connection",
        "document.querySelector('[data-connection]').textContent === 'Connected'",
    )
    .await;
}

async fn ask_live(client: &Client, text_to_ask: &str) {
    fill(client, "Your question", text_to_ask).await;
    click(client, "form[data-ask] button[type=submit]").await;
}

fn contains_text(list_css: &str, words: &str) -> String {
    format!(
        "[...document.querySelectorAll({})].some(e => e.textContent.includes({}))",
        json!(format!("{list_css} .q-text")),
        json!(words)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_goes_from_a_participant_through_the_moderator_to_the_screen() {
    with_two_browsers(Options::default(), |app, participant, staff| async move {
        let session_id = demo_live_session(&app).await;
        create_organizer(&app).await;
        log_in(&staff, &app, "/organize").await;
        open(&staff, &app, &format!("/live/{session_id}/moderate")).await;
        wait_until(&staff, "the console connects", "document.querySelector('[data-connection]').textContent === 'Connected'").await;

        join_live(&participant, &app, session_id, "Robin").await;
        let question = "What can game platforms do about grooming in chats?";
        ask_live(&participant, question).await;
        wait_until(&participant, "the question waits for a moderator",
            &contains_text("[data-mine]", question)).await;
        let fate = text(&participant, "[data-mine] .q-meta").await;
        assert!(fate.contains("Waiting for a moderator"), "{fate}");
        assert!(!eval(&participant, &format!("return {}", contains_text("[data-questions]", question))).await.as_bool().unwrap(),
            "nobody sees it before approval, not even in the public list");

        // The moderator approves it, by keyboard, then puts it on screen.
        wait_until(&staff, "the pending question", &contains_text("[data-list=pending]", question)).await;
        eval(&staff, &format!(
            "const li = [...document.querySelectorAll('[data-list=pending] li')].find(e => e.textContent.includes({}));
             li.focus(); li.dispatchEvent(new KeyboardEvent('keydown', {{key: 'a', bubbles: true}})); return true;",
            json!(question))).await;
        wait_until(&staff, "the approved question", &contains_text("[data-list=approved]", question)).await;
        eval(&staff, &format!(
            "[...document.querySelectorAll('[data-list=approved] li')].find(e => e.textContent.includes({})).querySelector('button.show').click(); return true;",
            json!(question))).await;

        wait_until(&participant, "the approved question in the public list", &contains_text("[data-questions]", question)).await;
        wait_until(&participant, "its fate", "document.querySelector('[data-mine] .q-meta').textContent.includes('Visible to everyone')").await;
        wait_until(&participant, "the on-screen line", &format!(
            "document.querySelector('[data-on-screen]').textContent.includes({})", json!(question))).await;

        let mut problems = Vec::new();
        check_axe(&staff, "moderator console", &mut problems).await;
        check_axe(&participant, "participant page", &mut problems).await;
        open(&staff, &app, &format!("/live/{session_id}/screen")).await;
        wait_until(&staff, "the question on the big screen", &format!(
            "document.querySelector('[data-screen-question]').textContent === {}", json!(question))).await;
        check_axe(&staff, "presenter screen", &mut problems).await;
        switch_language(&participant, "ar").await;
        wait_until(&participant, "the Arabic page connects", "document.documentElement.dir === 'rtl' && document.querySelector('[data-questions] li')").await;
        check_axe(&participant, "participant page (ar)", &mut problems).await;
        assert!(problems.is_empty(), "axe-core found serious problems:\n{}", problems.join("\n"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_youth_session_a_question_with_a_phone_number_is_held_and_others_never_see_it() {
    with_two_browsers(Options::default(), |app, participant, staff| async move {
        let session_id = demo_live_session(&app).await;
        create_organizer(&app).await;
        // The organizer makes it a youth session from the console.
        log_in(&staff, &app, "/organize").await;
        open(&staff, &app, &format!("/live/{session_id}/moderate")).await;
        wait_until(&staff, "the console connects", "document.querySelector('[data-connection]').textContent === 'Connected'").await;
        click(&staff, "[data-youth]").await;
        wait_until(&staff, "the youth level", "document.querySelector('[data-youth]').getAttribute('aria-pressed') === 'true'").await;
        wait_until(&staff, "post-moderation is locked", "document.querySelector('[data-moderation=post]').disabled").await;
        // Another participant watches over a websocket: the model fails the test if it ever
        // receives a question it may not see.
        let other = app.join(session_id, "Watcher").await;
        let mut watcher = crate::live_client::LiveClient::connect(&app, session_id, Some(&other.cookie)).await;
        join_live(&participant, &app, session_id, "Sam").await;
        let question = "Can someone call me on 07700 900123 about the project?";
        ask_live(&participant, question).await;
        wait_until(&participant, "its fate", &contains_text("[data-mine]", question)).await;
        assert!(text(&participant, "[data-mine] .q-meta").await.contains("Waiting for a moderator"));

        // The moderator sees it held, and why.
        wait_until(&staff, "the held question", &contains_text("[data-list=pending]", question)).await;
        let held = eval(&staff, &format!(
            "return [...document.querySelectorAll('[data-list=pending] li')].find(e => e.textContent.includes({})).querySelector('.q-held').textContent",
            json!(question))).await;
        assert!(held.as_str().unwrap().contains("phone"), "{held}");
        // The other participant got only a skip for it, never the question.
        let last: i64 = sqlx::query_scalar("select last_seq from live_session where session_id = $1")
            .bind(session_id).fetch_one(&app.db.pool).await.unwrap();
        watcher.until_seq(last).await;
        assert!(!format!("{:?}", watcher.view.frames).contains("07700"), "the watcher saw the held question");
        assert!(watcher.view.questions.values().all(|q| q.handle.is_none()), "youth level: no names");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_page_fits_a_360_px_phone() {
    let phone = Options {
        window: (360, 800),
        ..Options::default()
    };
    with_demo(phone, |app, client| async move {
        let session_id = demo_live_session(&app).await;
        join_live(&client, &app, session_id, "Pocket").await;
        wait_until(&client, "the questions", "document.querySelector('[data-questions] li .q-actions')").await;
        let scroll = eval(&client, "return document.documentElement.scrollWidth").await;
        assert!(scroll.as_u64().is_some_and(|w| w <= 360), "no sideways scrolling: {scroll}; wider: {}",
            eval(&client, "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 360.5).slice(0, 8).map(e => e.tagName + '.' + e.className).join(', ')").await);
    })
    .await;
}
