//! The live pages in real headless Chromium sessions against the real server: a participant,
//! a moderator and the presenter screen each in their own browser (their cookies must not mix:
//! the server decides each connection's role from them), driven the way people use them —
//! typing, clicking, single-key shortcuts — plus accessibility (axe-core) in English and
//! Arabic and a 360 px phone.
//!
//! SQLite only, like `pages_browser`: these test what the browser shows and does; the engine
//! underneath runs on both databases in `live`.

use std::future::Future;

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use plenary::domain::schedule::{ModeratorRole, StaffRole};
use plenary::live::participants::{SessionModerator, set_moderators};
use plenary::live::protocol::Command;
use serde_json::{Value, json};

use crate::browser::{
    Browser, Options, check_axe, click, eval, field, fill, open, text, wait_until,
};
use crate::helpers::{Backend, TestApp};
use crate::live_client::{LiveClient, acked};

const MODERATOR_EMAIL: &str = "moderator@example.org";
const MODERATOR_PASSWORD: &str = "a long and unguessable passphrase";

// ---------------------------------------------------------------------------------------------
// Running a test: a fresh server with one live session, and browsers

/// Runs `test` with a fresh session (returned id) and `count` browsers started with `options`.
async fn with_browsers<F, Fut>(count: usize, options: Options, test: F)
where
    F: FnOnce(TestApp, i64, Vec<Client>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::helpers::run(
        move |app: TestApp| async move {
            let org = app.organizer().await;
            let session_id = app.live_session(&org).await;
            let mut browsers = Vec::new();
            for _ in 0..count {
                match Browser::start_with(options.clone()).await {
                    Some(b) => browsers.push(b),
                    None => {
                        for b in browsers {
                            b.stop().await;
                        }
                        return;
                    }
                }
            }
            let clients = browsers.iter().map(|b| b.client.clone()).collect();
            let outcome = tokio::spawn(test(app, session_id, clients)).await;
            for b in browsers {
                b.stop().await;
            }
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

// ---------------------------------------------------------------------------------------------
// Reading and driving pages the way a person does

async fn find(client: &Client, css: &str) -> Element {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("an element {css}: {e}"))
}

/// Picks the option with this text in the select labelled `label`.
async fn choose(client: &Client, label: &str, option: &str) {
    let select = field(client, label).await;
    let xpath = format!(".//option[normalize-space()={}]", json!(option));
    select
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("an option {option:?} under {label:?}: {e}"))
        .click()
        .await
        .expect("pick an option");
}

/// Presses one key on whatever has the focus, as a keyboard does (through WebDriver, so the
/// page gets real key events).
async fn press(client: &Client, key: &str) {
    client
        .active_element()
        .await
        .expect("a focused element")
        .send_keys(key)
        .await
        .expect("press a key");
}

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

/// The page says it is live (in whatever language: the catalog's word is in the page's strings).
async fn wait_connected(client: &Client, what: &str) {
    wait_until(
        client,
        what,
        "document.querySelector('[data-connection]') && \
         document.querySelector('[data-connection]').textContent === \
         JSON.parse(document.getElementById('live-strings').dataset.strings)['live-connected']",
    )
    .await;
}

/// A JS expression: some `.q-text` under `list_css` shows `words`.
fn shows(list_css: &str, words: &str) -> String {
    format!(
        "[...document.querySelectorAll({})].some(e => e.textContent.includes({}))",
        json!(format!("{list_css} .q-text")),
        json!(words)
    )
}

/// A JS expression: the list item under `list_css` whose text shows `words`.
fn item(list_css: &str, words: &str) -> String {
    format!(
        "[...document.querySelectorAll({})].find(e => e.querySelector('.q-text').textContent.includes({}))",
        json!(format!("{list_css} > li")),
        json!(words)
    )
}

/// A moderator account assigned to the session, signed in through the login form.
async fn sign_in_moderator(client: &Client, app: &TestApp, session_id: i64) {
    let staff = plenary::auth::create_staff(
        &app.db,
        MODERATOR_EMAIL,
        "Mona Moderator",
        StaffRole::Moderator,
        MODERATOR_PASSWORD,
    )
    .await
    .expect("create a moderator");
    set_moderators(
        &app.db,
        session_id,
        &[SessionModerator {
            staff_id: staff.staff_id,
            role: ModeratorRole::OnlineModerator,
            display_name: String::new(),
        }],
    )
    .await
    .expect("assign the moderator");
    let next = format!("/live/{session_id}/moderate");
    open(client, app, &format!("/login?next={next}")).await;
    fill(client, "E-mail address", MODERATOR_EMAIL).await;
    fill(client, "Password", MODERATOR_PASSWORD).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    wait_until(
        client,
        "the console",
        &format!(
            "document.readyState === 'complete' && location.pathname === {}",
            json!(next)
        ),
    )
    .await;
    wait_connected(client, "the console connects").await;
}

/// Joins through the join form as a person fills it in.
async fn join(client: &Client, app: &TestApp, session_id: i64, handle: &str) {
    open(client, app, &format!("/live/{session_id}")).await;
    fill(client, "Name to show", handle).await;
    choose(client, "Age group", "18 or over").await;
    choose(client, "How you take part", "Online").await;
    click(client, "#accept_code_of_conduct").await;
    click(client, "form[action$='/join'] button[type=submit]").await;
    wait_until(
        client,
        "the data key",
        "document.querySelector('.data-key code')",
    )
    .await;
    wait_connected(client, "the participant page connects").await;
}

// ---------------------------------------------------------------------------------------------
// The tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_goes_from_a_participant_through_a_moderator_to_the_big_screen() {
    with_browsers(3, Options::default(), |app, session_id, browsers| async move {
        let [participant, moderator, screen] = <[Client; 3]>::try_from(browsers).ok().unwrap();
        let mut problems = Vec::new();
        sign_in_moderator(&moderator, &app, session_id).await;
        open(&screen, &app, &format!("/live/{session_id}/screen")).await;
        join(&participant, &app, session_id, "Robin").await;
        check_axe(&participant, "participant page (en)", &mut problems).await;

        // The participant asks; only they see it, waiting for a moderator.
        let question = "How will platforms check ages without collecting more data about children?";
        fill(&participant, "Your question", question).await;
        click(&participant, "form[data-ask] button[type=submit]").await;
        wait_until(&participant, "their question under My questions", &shows("[data-mine]", question)).await;
        wait_until(&participant, "the textarea is emptied once it is sent",
            "document.getElementById('question-text').value === ''").await;
        let fate = text(&participant, "[data-mine] .fate").await;
        assert!(fate.contains("Waiting for a moderator"), "{fate}");
        assert_eq!(eval(&participant, &format!("return {}", shows("[data-questions]", question))).await, json!(false),
            "nobody sees it before a moderator approves it, not even its asker in the public list");

        // The moderator approves it with the keyboard: focus the question, press a.
        wait_until(&moderator, "the question waiting for review", &shows("[data-list=pending]", question)).await;
        eval(&moderator, &format!("{}.focus(); return true;", item("[data-list=pending]", question))).await;
        press(&moderator, "a").await;
        wait_until(&moderator, "the question among the visible ones", &shows("[data-list=approved]", question)).await;
        check_axe(&moderator, "moderator console (en)", &mut problems).await;

        // The participant sees it approved and public; they start typing another question.
        wait_until(&participant, "the question in the public list", &shows("[data-questions]", question)).await;
        wait_until(&participant, "its fate", "document.querySelector('[data-mine] .fate').textContent.includes('Visible to everyone')").await;
        let draft = "And what about";
        find(&participant, "#question-text").await.send_keys(draft).await.expect("type");

        // The moderator puts it on screen (a click on the button).
        let id = eval(&moderator, &format!("return {}.dataset.id", item("[data-list=approved]", question))).await;
        let id = id.as_str().expect("an id").to_string();
        click(&moderator, &format!("#q-{id} button.show")).await;
        wait_until(&moderator, "the on-screen toggle pressed",
            &format!("document.querySelector('#q-{id} button.show').getAttribute('aria-pressed') === 'true'")).await;

        wait_until(&screen, "the question on the big screen", &format!(
            "document.querySelector('[data-screen-question]').textContent === {}", json!(question))).await;
        wait_until(&screen, "the question among the top five", &shows("[data-screen-top]", question)).await;
        wait_until(&participant, "the on-screen line", &format!(
            "document.querySelector('[data-on-screen]').textContent.includes({})", json!(question))).await;
        assert_eq!(
            eval(&participant, "return [document.activeElement.id, document.getElementById('question-text').value]").await,
            json!(["question-text", draft]),
            "updates never touch what the person is typing"
        );

        // An upvote is a toggle button; the big screen's count follows.
        click(&participant, &format!("#q-{id} button.vote")).await;
        wait_until(&participant, "the vote pressed and counted", &format!(
            "document.querySelector('#q-{id} button.vote').getAttribute('aria-pressed') === 'true' && \
             document.querySelector('#q-{id} .vote-count').textContent === '1'")).await;
        wait_until(&screen, "one vote on the big screen",
            "document.querySelector('[data-screen-top] .votes').textContent.includes('1')").await;

        // The floor: a raised hand, its place, then the floor given by the moderator.
        click(&participant, "[data-hand]").await;
        wait_until(&participant, "a place in the queue",
            "document.querySelector('[data-hand-status]').textContent.includes('number 1')").await;
        wait_until(&moderator, "the proposed next speaker",
            "document.querySelector('[data-proposed]').textContent.includes('Robin')").await;
        click(&moderator, "[data-call-next]").await;
        wait_until(&participant, "the floor",
            "document.querySelector('[data-hand-status]').textContent === 'You have the floor'").await;

        let presence = text(&moderator, "[data-presence]").await;
        assert!(presence.contains("Participants connected: 1"), "{presence}");
        check_axe(&screen, "presenter screen (en)", &mut problems).await;

        // Arabic, right to left, still live.
        switch_language(&participant, "ar").await;
        wait_connected(&participant, "the Arabic page connects").await;
        assert_eq!(eval(&participant, "return document.documentElement.dir").await, json!("rtl"));
        wait_until(&participant, "the question in the Arabic page", &shows("[data-questions]", question)).await;
        check_axe(&participant, "participant page (ar)", &mut problems).await;
        // The big screen has nothing to click: its language comes from the same /lang link.
        open(&screen, &app, &format!("/lang?set=ar&next=/live/{session_id}/screen")).await;
        wait_until(&screen, "the Arabic big screen", "document.documentElement.lang === 'ar'").await;
        wait_until(&screen, "the question on the Arabic big screen", &format!(
            "document.querySelector('[data-screen-question]').textContent === {}", json!(question))).await;
        check_axe(&screen, "presenter screen (ar)", &mut problems).await;
        switch_language(&moderator, "ar").await;
        wait_connected(&moderator, "the Arabic console connects").await;
        check_axe(&moderator, "moderator console (ar)", &mut problems).await;
        assert!(problems.is_empty(), "axe-core found serious problems:\n{}", problems.join("\n"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_triages_the_queue_from_the_keyboard() {
    with_browsers(1, Options::default(), |app, session_id, browsers| async move {
        let moderator = &browsers[0];
        sign_in_moderator(moderator, &app, session_id).await;
        // Three participants ask over the websocket; one question carries an e-mail address.
        let asks = [
            "Who funds the age assurance pilots?",
            "Write to me at kid@example.org about it",
            "Will the report be translated?",
        ];
        for (i, text_to_ask) in asks.iter().enumerate() {
            let person = app.join(session_id, &format!("asker{i}")).await;
            let mut client = LiveClient::connect(&app, session_id, Some(&person.cookie)).await;
            acked(&client.command(Command::Ask { text: text_to_ask.to_string(), anonymous: false }).await);
        }
        wait_until(moderator, "three questions to review",
            "document.querySelectorAll('[data-list=pending] > li').length === 3").await;
        let held = eval(moderator, &format!("return {}.querySelector('.q-held').textContent", item("[data-list=pending]", asks[1]))).await;
        assert!(held.as_str().unwrap().contains("Held for review: an e-mail address"), "{held}");

        // j and k move between questions; a approves and the next one takes the focus.
        eval(moderator, "document.querySelector('[data-list=pending] > li').focus(); return true;").await;
        press(moderator, "j").await;
        press(moderator, "j").await;
        press(moderator, "k").await;
        let focused = eval(moderator, "return document.activeElement.querySelector('.q-text').textContent").await;
        assert_eq!(focused, json!(asks[1]));
        press(moderator, "k").await;
        press(moderator, "a").await;
        wait_until(moderator, "the first question approved", &shows("[data-list=approved]", asks[0])).await;
        wait_until(moderator, "the focus on the next question to review", &format!(
            "document.activeElement.matches('li.moderated') && document.activeElement.textContent.includes({})",
            json!(asks[1]))).await;

        // d with no reason chosen goes to the reason; choose one, and the dismissal says why.
        press(moderator, "d").await;
        assert_eq!(eval(moderator, "return document.activeElement.name").await, json!("reason"));
        choose_in_focused_select(moderator, "Contains contact details").await;
        click_in(moderator, &item("[data-list=pending]", asks[1]), "button.dismiss").await;
        wait_until(moderator, "the dismissed question", &shows("[data-list=dismissed]", asks[1])).await;
        let summary = text(moderator, "[data-disposition]").await;
        assert!(summary.contains("Contains contact details"), "{summary}");

        // Tab and Enter reach every action: the answered button of the approved question.
        eval(moderator, &format!("{}.querySelector('button.answered').focus(); return true;", item("[data-list=approved]", asks[0]))).await;
        press(moderator, "\u{E007}").await; // Enter
        wait_until(moderator, "the question answered", &shows("[data-list=answered]", asks[0])).await;
    })
    .await;
}

/// Picks an option by its text in the focused `<select>`.
async fn choose_in_focused_select(client: &Client, option: &str) {
    let select = client.active_element().await.expect("a focused select");
    let xpath = format!(".//option[normalize-space()={}]", json!(option));
    select
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("an option {option:?}: {e}"))
        .click()
        .await
        .expect("pick an option");
}

/// Clicks `css` inside the element a JS expression finds.
async fn click_in(client: &Client, element_js: &str, css: &str) {
    let id = eval(client, &format!("return {element_js}.id")).await;
    click(client, &format!("#{} {css}", id.as_str().expect("an id"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_participant_page_fits_a_360_px_phone_in_english_and_arabic() {
    let phone = Options {
        window: (360, 800),
        ..Options::default()
    };
    with_browsers(1, phone, |app, session_id, browsers| async move {
        let client = &browsers[0];
        // A few approved questions, one long and without spaces, one with a reply and label.
        let org = app.organizer().await;
        let mut moderator = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
        let person = app.join(session_id, "Asker").await;
        let mut asker = LiveClient::connect(&app, session_id, Some(&person.cookie)).await;
        for text_to_ask in [
            "Short one?",
            "Whatabouttheverylongcompoundwordsthatsomelanguagesbuildwithoutanyspacesatalltobreakthemon?",
            "What will the coalition ask of governments before the next Internet Governance Forum?",
        ] {
            let (_, result) = acked(&asker.command(Command::Ask { text: text_to_ask.into(), anonymous: false }).await);
            let question_id = result.question_id.expect("a question id");
            acked(&moderator.command(Command::Approve { question_id }).await);
            acked(&moderator.command(Command::Label { question_id, label: "governance".into() }).await);
            acked(&moderator.command(Command::Reply { question_id, text: "We will come back to this.".into() }).await);
        }
        join(client, &app, session_id, "Pocket").await;
        for lang in ["en", "ar"] {
            if lang != "en" {
                switch_language(client, lang).await;
                wait_connected(client, "the page connects").await;
            }
            wait_until(client, "three questions", "document.querySelectorAll('[data-questions] > li').length === 3").await;
            let width = eval(client, "return window.innerWidth").await;
            assert!(width.as_u64().is_some_and(|w| w <= 360), "a phone's viewport: {width}");
            let scroll = eval(client, "return document.documentElement.scrollWidth").await;
            assert!(
                scroll.as_u64().is_some_and(|w| w <= 360),
                "no sideways scrolling in {lang}: scrollWidth {scroll}; wider: {}",
                eval(client, "return [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > 360.5 || e.getBoundingClientRect().left < -0.5)
                    .slice(0, 8).map(e => e.tagName + '.' + e.className).join(', ')").await
            );
        }
    })
    .await;
}

/// Runs an async JS body in the page and returns what it resolves to.
async fn run_async(client: &Client, body: &str) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         (async () => {{ {body} }})().then(done, (e) => done({{error: String(e && e.stack || e)}}));"
    );
    let value = client
        .execute_async(&script, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("run {body}: {e}"));
    assert!(value.get("error").is_none(), "{value}");
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_connection_resumes_after_a_drop_and_sends_each_question_once() {
    with_browsers(1, Options::default(), |app, session_id, browsers| async move {
        let client = &browsers[0];
        join(client, &app, session_id, "Sam").await;
        let org = app.organizer().await;
        let mut moderator =
            LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
        let other = app.join(session_id, "Other").await;
        let mut asker = LiveClient::connect(&app, session_id, Some(&other.cookie)).await;
        let (_, pending) = acked(
            &asker
                .command(Command::Ask { text: "Asked by someone else".into(), anonymous: false })
                .await,
        );
        let other_question = pending.question_id.expect("a question id");

        // The page's own connection module, with a log of what it passes on.
        run_async(client, &format!(
            "const {{ LiveConnection }} = await import('/static/live/connection.js');
             const log = {{ frames: [], statuses: [], acks: [] }};
             window.__live = log;
             await new Promise((resolve) => {{
               log.connection = new LiveConnection({{
                 sessionId: {session_id},
                 onFrame: (f) => {{ log.frames.push({{type: f.type, seq: f.seq}}); if (f.type === 'snapshot') resolve(); }},
                 onStatus: (s) => log.statuses.push(s),
               }});
               log.connection.start();
             }});
             return true;")).await;

        // One question sent just before the socket drops (its ack may be lost), one while it
        // is down; meanwhile a moderator approves another question.
        run_async(client,
            "const log = window.__live, c = log.connection;
             c.send({type: 'ask', text: 'Sent as the line dropped'}).then((a) => log.acks.push(a));
             c.ws.close();
             c.send({type: 'ask', text: 'Sent while offline'}).then((a) => log.acks.push(a));
             return true;").await;
        acked(&moderator.command(Command::Approve { question_id: other_question }).await);

        wait_until(client, "both questions acknowledged and the approval replayed",
            &format!("window.__live.acks.length === 2 && window.__live.frames.some(f => f.type === 'question') \
                      && window.__live.connection.lastSeq >= {}", moderator.view.seq)).await;
        let log = eval(client, "const l = window.__live; return {frames: l.frames, statuses: l.statuses};").await;
        let frames = log["frames"].as_array().expect("frames");
        assert_eq!(frames.iter().filter(|f| f["type"] == "snapshot").count(), 1,
            "the reconnect resumed with ?since= instead of starting over: {frames:?}");
        let mut last = frames[0]["seq"].as_i64().expect("the snapshot's seq");
        for f in &frames[1..] {
            let Some(seq) = f["seq"].as_i64() else { continue };
            if f["type"] == "tallies" {
                assert!(seq > last, "{frames:?}");
            } else {
                assert_eq!(seq, last + 1, "no gap and nothing twice: {frames:?}");
            }
            last = seq;
        }
        let statuses: Vec<&str> = log["statuses"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(statuses.windows(2).any(|w| w == ["reconnecting", "connected"]), "{statuses:?}");
        for text_sent in ["Sent as the line dropped", "Sent while offline"] {
            let stored: i64 = sqlx::query_scalar("select count(*) from question where text = $1")
                .bind(text_sent)
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            assert_eq!(stored, 1, "{text_sent:?} is stored exactly once");
        }
        // The page itself shows both under My questions, once each.
        wait_until(client, "both questions on the page",
            "document.querySelectorAll('[data-mine] > li').length === 2").await;
    })
    .await;
}
