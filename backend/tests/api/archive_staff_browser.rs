//! The archive's staff and meeting pages in a real headless Chromium, signed in as an
//! organizer: a meeting's page, its minutes form and the series' record; the rapporteur's page
//! and the missing-reports list; the staff transcript, the captioner's page and the scribes on
//! the moderator console. Each passes axe-core in English and in Arabic (right to left) with
//! realistic content, forms in their error state included (there, each message must also be tied
//! to its field and each summary link lead to one). And the captioner's page works end to end:
//! a line typed there appears in a participant's captions as they watch.
//!
//! SQLite only, like the other browser tests: the API tests under `minutes`, `records` and
//! `transcripts` cover the same writes on both databases.

use std::future::Future;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use plenary::domain::schedule::StaffRole;
use plenary::live::protocol::Command;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::browser::{Browser, Options, click, eval, field, fill, open, text, wait_until};
use crate::helpers::{ApiClient, Backend, TestApp};
use crate::live_client::{LiveClient, acked};
use crate::search::{Fixture, archive_fixture};

const ORGANIZER_EMAIL: &str = "olga.organizer@example.org";
const ORGANIZER_PASSWORD: &str = "a long and unguessable passphrase";
/// The IGF's own transcript page: a phone number, a place and a young participant's handle.
const IGF_PAGE: &str = include_str!("../fixtures/transcripts/igf_raw.html");
/// The meeting series the fixture makes (first Tuesdays, 14:00 UTC, from January 2026).
const SERIES: &str = "monthly";
const JANUARY: &str = "2026-01-06";
const FEBRUARY: &str = "2026-02-03";

/// What [`staff_fixture`] made, beside the public record of [`archive_fixture`].
struct Staff {
    archive: Fixture,
    /// A session with live Q&A, caption lines, an approved question and two scribes.
    live: i64,
}

// ---------------------------------------------------------------------------------------------
// The fixture: the archive's public record plus a meeting series' minutes and actions, an
// imported raw transcript with things to hide, and a live session with captions

/// The meeting's row id, made by opening the meeting as staff.
async fn open_meeting(org: &ApiClient, date: &str) -> i64 {
    org.send(org.request(
        Method::PUT,
        &format!("/api/series/{SERIES}/meetings/{date}"),
    ))
    .await
    .expect_status(StatusCode::OK)
    .body["meeting"]["meeting_id"]
        .as_i64()
        .expect("meeting_id")
}

async fn minutes_status(org: &ApiClient, minutes_id: i64, status: &str) {
    org.post_json(
        &format!("/api/minutes/{minutes_id}/status"),
        &json!({ "status": status }),
    )
    .await
    .expect_status(StatusCode::OK);
}

fn minutes_content(discussion: &str) -> Value {
    json!({
        "attendee_count": 14,
        "attendee_organisations": ["ECPAT International", "ITU", "Insafe"],
        "apologies": ["UNICEF"],
        "agenda": ["Approval of the minutes", "Members' news", "IGF 2026 workshop proposal"],
        "discussion": discussion,
    })
}

/// January's call has approved minutes, a second version in review, decisions and actions;
/// February's agenda has items, the minutes to approve, open actions and a carried question.
async fn meetings(app: &TestApp, org: &ApiClient, f: &Fixture, live: i64) {
    let coalition: i64 =
        sqlx::query_scalar("select coalition_id from coalition where slug = 'dc-test'")
            .fetch_one(&app.db.pool)
            .await
            .expect("the archive fixture's coalition");
    org.post_json(
        "/api/series",
        &json!({
            "slug": SERIES, "title": "Monthly members' call", "time_zone": "UTC",
            "first_start_local": "2026-01-06T14:00:00", "duration_minutes": 60,
            "rrule": "FREQ=MONTHLY;BYDAY=1TU", "coalition_id": coalition,
        }),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let january = open_meeting(org, JANUARY).await;
    let february = open_meeting(org, FEBRUARY).await;

    let v1 = org
        .post_json(
            &format!("/api/meetings/{january}/minutes"),
            &minutes_content(
                "Members shared news from the regions.\nThe workshop proposal was discussed.",
            ),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .body["minutes_id"]
        .as_i64()
        .expect("minutes_id");
    minutes_status(org, v1, "in_review").await;
    minutes_status(org, v1, "approved").await;
    let v2 = org
        .put_json(
            &format!("/api/minutes/{v1}"),
            &minutes_content("Members shared news from the regions.\nThe workshop proposal was agreed, with a correction from Insafe."),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .body["minutes_id"]
        .as_i64()
        .expect("minutes_id");
    minutes_status(org, v2, "in_review").await;

    for (text, due, status, item) in [
        (
            "Send the regional report to the secretariat",
            "2026-01-20",
            "open",
            Some(f.item),
        ),
        (
            "Book a room for the IGF workshop",
            "2026-01-15",
            "done",
            None,
        ),
        (
            "Draft the workshop proposal",
            "2099-01-01",
            "open",
            Some(f.other_item),
        ),
    ] {
        org.post_json(
            &format!("/api/meetings/{january}/actions"),
            &json!({"text": text, "owner": "Secretariat", "due_on": due, "status": status, "action_item_id": item}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    }
    org.post_json(
        &format!("/api/meetings/{january}/outcomes"),
        &json!({"kind": "decision", "text": "The coalition proposes a workshop on age assurance for IGF 2026.",
                "action_items": [{"action_item_id": f.other_item, "relation": "advances"}]}),
    )
    .await
    .expect_status(StatusCode::CREATED);

    for title in [
        "Members' news",
        "IGF 2026 workshop proposal",
        "Any other business",
    ] {
        org.post_json(
            &format!("/api/meetings/{february}/agenda-items"),
            &json!({ "title": title }),
        )
        .await
        .expect_status(StatusCode::CREATED);
    }
    // A question the live session did not answer, carried to February's call.
    let carried: i64 = sqlx::query_scalar(
        "insert into archived_question (session_id, question_id, text, votes, status, asked_at, archived_at) \
         values ($1, 424242, 'Who reviews the guide with young people?', 7, 'unanswered', 0, 0) \
         returning archived_question_id",
    )
    .bind(live)
    .fetch_one(&app.db.pool)
    .await
    .expect("an archived question");
    sqlx::query(
        "insert into carried_question (archived_question_id, meeting_id, note, created_at) values ($1, $2, 'Ask the youth panel.', 0)",
    )
    .bind(carried)
    .bind(february)
    .execute(&app.db.pool)
    .await
    .expect("carry the question");
}

/// The raw session's transcript, replaced by the IGF's page: a young participant's handle and
/// a phone number are suggested for hiding, and a place is already hidden.
async fn raw_transcript(app: &TestApp, org: &ApiClient, raw: i64) {
    org.send(
        org.request(
            Method::POST,
            &format!("/api/sessions/{raw}/transcript/import?replace=true"),
        )
        .header(reqwest::header::CONTENT_TYPE, "text/html")
        .body(IGF_PAGE),
    )
    .await
    .expect_status(StatusCode::CREATED);
    app.join_with(
        raw,
        json!({"handle": "Zoya", "age_band": "13_15", "attendance": "remote_hub", "accept_code_of_conduct": true}),
    )
    .await;
    let staff = org
        .get(&format!("/api/sessions/{raw}/transcript/staff"))
        .await
        .expect_status(StatusCode::OK);
    let geneva = staff.body["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .find(|s| s["text"].as_str().unwrap_or_default().contains("Geneva"))
        .expect("a segment naming Geneva")["segment_id"]
        .clone();
    org.post_json(
        &format!("/api/sessions/{raw}/transcript/redactions"),
        &json!({"segment_id": geneva, "text": "Geneva", "reason": "other"}),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let suggestions = org
        .get(&format!("/api/sessions/{raw}/transcript/suggestions"))
        .await
        .expect_status(StatusCode::OK);
    for found in ["phone", "young_participant"] {
        assert!(
            suggestions.text.contains(&format!("\"{found}\"")),
            "a {found} suggestion: {}",
            suggestions.text
        );
    }
}

/// A live session: a captioner and a rapporteur assigned, caption lines sent through the
/// captioner's form, a participant's question approved and waiting for the record.
async fn live_session(app: &TestApp, org: &ApiClient, f: &Fixture) -> i64 {
    let room: i64 = sqlx::query_scalar("select min(room_id) from room")
        .fetch_one(&app.db.pool)
        .await
        .expect("a room");
    let (starts_at, ends_at) = crate::helpers::oslo("2025-06-25 11:00", 60);
    let live = org
        .post_json(
            "/api/events/igf-2025/sessions",
            &json!({
                "session_type_id": f.type_id, "number": 5, "title": "Children's rights by design",
                "room_id": room, "starts_at": starts_at, "ends_at": ends_at,
            }),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .body["session"]["session_id"]
        .as_i64()
        .expect("session_id");
    let mut scribes = Vec::new();
    for (email, name, role) in [
        ("kofi.captions@example.org", "Kofi Mensah", "captioner"),
        ("lina.notes@example.org", "Lina Haddad", "rapporteur"),
    ] {
        let staff = plenary::auth::create_staff(
            &app.db,
            email,
            name,
            StaffRole::Moderator,
            ORGANIZER_PASSWORD,
        )
        .await
        .expect("a scribe's account");
        scribes.push(json!({"staff_id": staff.staff_id, "role": role}));
    }
    org.put_json(
        &format!("/api/sessions/{live}/scribes"),
        &json!({ "scribes": scribes }),
    )
    .await
    .expect_status(StatusCode::OK);
    for (speaker, kind, text) in [
        (
            "MODERATOR",
            "speech",
            "Welcome to the session on children's rights by design.",
        ),
        ("", "stage_note", "(Applause)"),
        (
            "AMINA DIALLO",
            "speech",
            "Design teams should hear from children before they ship.",
        ),
    ] {
        let sent = org
            .send(
                org.request(Method::POST, &format!("/live/{live}/captions"))
                    .form(&[
                        ("client_id", format!("fixture-{}", text.len())),
                        ("speaker", speaker.to_string()),
                        ("kind", kind.to_string()),
                        ("text", text.to_string()),
                    ]),
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    }
    let joined = app.join(live, "Quill").await;
    let mut participant = LiveClient::connect(app, live, Some(&joined.cookie)).await;
    let question = acked(
        &participant
            .command(Command::Ask {
                text: "How do we measure children's wellbeing online?".into(),
                anonymous: false,
            })
            .await,
    )
    .1
    .question_id
    .expect("the question's id");
    let mut console = LiveClient::connect(app, live, org.cookie_header().as_deref()).await;
    acked(
        &console
            .command(Command::Approve {
                question_id: question,
            })
            .await,
    );
    live
}

async fn staff_fixture(app: &TestApp) -> Staff {
    let archive = archive_fixture(app).await;
    let org = app.organizer().await;
    let live = live_session(app, &org, &archive).await;
    meetings(app, &org, &archive, live).await;
    raw_transcript(app, &org, archive.raw).await;
    plenary::auth::create_staff(
        &app.db,
        ORGANIZER_EMAIL,
        "Olga Organizer",
        StaffRole::Organizer,
        ORGANIZER_PASSWORD,
    )
    .await
    .expect("the browser's organizer");
    Staff { archive, live }
}

/// Runs `test` on a SQLite app holding [`staff_fixture`], with `count` browsers.
async fn with_staff_fixture<F, Fut>(count: usize, test: F)
where
    F: FnOnce(TestApp, Staff, Vec<Client>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::helpers::run(
        move |app: TestApp| async move {
            let fixture = staff_fixture(&app).await;
            let mut browsers = Vec::new();
            for _ in 0..count {
                match Browser::start_with(Options::default()).await {
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
            let outcome = tokio::spawn(test(app, fixture, clients)).await;
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

async fn wait_for_page(client: &Client, path: &str) {
    wait_until(
        client,
        &format!("the page {path}"),
        &format!(
            "document.readyState === 'complete' && location.pathname === {}",
            json!(path)
        ),
    )
    .await;
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

/// Logs in through the login form, as a person types it, and waits for `next`.
async fn log_in(client: &Client, app: &TestApp, next: &str) {
    open(client, app, &format!("/login?next={next}")).await;
    fill(client, "E-mail address", ORGANIZER_EMAIL).await;
    fill(client, "Password", ORGANIZER_PASSWORD).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    wait_for_page(client, next).await;
}

/// The page says it is live (in whatever language).
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

/// Opens every `<details>`, then runs axe (`browser::check_axe`).
async fn check_axe(client: &Client, page: &str, problems: &mut Vec<String>) {
    // axe skips what is hidden: the outcome editors and the shortcuts are in closed <details>.
    eval(
        client,
        "document.querySelectorAll('details').forEach(d => d.open = true); return true;",
    )
    .await;
    crate::browser::check_axe(client, page, problems).await;
}

/// What axe cannot judge about a form sent back with problems: each problem in the summary
/// links to a field that exists, and each message next to a field is tied to it
/// (`aria-describedby`, with `aria-invalid`), so a screen reader says it on the field.
async fn check_errors(client: &Client, page: &str, problems: &mut Vec<String>) {
    let found = eval(
        client,
        "const broken = [...document.querySelectorAll('.error-summary a')]
             .filter(a => !document.getElementById(decodeURIComponent(a.hash.slice(1))))
             .map(a => 'the summary links ' + a.getAttribute('href') + ', which is not on the page');
         const loose = [...document.querySelectorAll('.field-error')]
             .filter(e => !document.querySelector(`[aria-describedby~='${e.id}'][aria-invalid=true]`))
             .map(e => 'no field is described by #' + e.id + ' (' + e.textContent + ')');
         return broken.concat(loose);",
    )
    .await;
    for problem in found.as_array().expect("a list") {
        problems.push(format!("{page}: {}", problem.as_str().unwrap_or_default()));
    }
}

// ---------------------------------------------------------------------------------------------
// The tests

/// A form sent with a mistake: the fields set (by CSS selector), the button pressed and what
/// the page must then show.
struct Mistake {
    what: &'static str,
    page: String,
    fields: Vec<(&'static str, &'static str)>,
    submit: &'static str,
    shows: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_and_meeting_pages_pass_axe_in_english_and_arabic() {
    with_staff_fixture(1, |app, s, browsers| async move {
        let client = &browsers[0];
        let (public, raw, live) = (s.archive.public, s.archive.raw, s.live);
        let january = format!("/meetings/{SERIES}/{JANUARY}");
        let february = format!("/meetings/{SERIES}/{FEBRUARY}");
        let pages = [
            january.clone(),
            february.clone(),
            format!("{january}/minutes/edit"),
            format!("/meetings/{SERIES}/minutes"),
            format!("/records/sessions/{public}"),
            format!("/records/sessions/{raw}"),
            format!("/records/sessions/{live}"),
            "/records/missing".to_string(),
            format!("/live/{raw}/transcript"),
            format!("/live/{raw}/transcript?names=Maria"),
            format!("/live/{public}/transcript"),
            format!("/live/{live}/captions"),
            format!("/live/{live}/captions?sent=1&kind=stage_note&speaker=MODERATOR"),
            format!("/records/sessions/{raw}?done=saved"),
            format!("/live/{raw}/transcript?done=redacted"),
            // The scribes' list and form are a section of the console (POST /live/{id}/scribes
            // answers with it).
            format!("/live/{live}/moderate"),
        ];
        let mistakes = [
            Mistake {
                what: "minutes with a hidden direction override",
                page: format!("{january}/minutes/edit"),
                fields: vec![("#discussion", "Pasted text \u{202E}reversed")],
                submit: "form[action$='/minutes/edit'] button[type=submit]",
                shows: "#discussion-error",
            },
            Mistake {
                what: "an agenda item without a title",
                page: february.clone(),
                fields: vec![("#agenda-title", " ")],
                submit: "form[action$='/agenda'] button[type=submit]",
                shows: "#agenda-title-error",
            },
            Mistake {
                what: "a decision without words",
                page: january.clone(),
                fields: vec![("#decision-text", "")],
                submit: "form[action$='/decisions'] button[type=submit]",
                shows: "#decision-text-error",
            },
            Mistake {
                what: "an action without words",
                page: january.clone(),
                fields: vec![("#action-text", ""), ("#action-owner", "Secretariat")],
                submit: "form[action$='/actions'] button[type=submit]",
                shows: "#action-text-error",
            },
            Mistake {
                what: "a report with more women speakers than speakers",
                page: format!("/records/sessions/{raw}"),
                fields: vec![("#speakers", "2"), ("#women_speakers", "5")],
                submit: "button[name=action][value=save]",
                shows: "#women_speakers-error",
            },
            Mistake {
                what: "an outcome emptied",
                page: format!("/records/sessions/{raw}"),
                fields: vec![("details > form:first-of-type textarea", "")],
                submit: "details > form:first-of-type button[type=submit]",
                shows: "details[open] .field-error",
            },
            Mistake {
                what: "an outcome linked to no action item",
                page: format!("/records/sessions/{raw}"),
                fields: vec![("details > form:nth-of-type(2) select[name=target]", "")],
                submit: "details > form:nth-of-type(2) button[type=submit]",
                shows: "details[open] .field-error",
            },
            Mistake {
                what: "a question carried to no action item",
                page: format!("/records/sessions/{live}"),
                fields: vec![("form:has(input[name=to][value=item]) select", "")],
                submit: "form:has(input[name=to][value=item]) button[type=submit]",
                shows: "[id^=carry-item-].field-error",
            },
            Mistake {
                what: "a new outcome without words",
                page: format!("/records/sessions/{raw}"),
                fields: vec![("#new-text", "")],
                submit: "#new-outcome button[type=submit]",
                shows: "#new-text-error",
            },
            Mistake {
                what: "words to hide that the line does not hold",
                page: format!("/live/{raw}/transcript"),
                fields: vec![("#text", "not in this line")],
                submit: "#by-text-heading + form button[type=submit]",
                shows: "#text-error",
            },
            Mistake {
                what: "a withdrawal without a reason",
                page: format!("/live/{public}/transcript"),
                fields: vec![("#note", "")],
                submit: "form:has(#note) button[type=submit]",
                shows: "#note-error",
            },
        ];
        log_in(client, &app, "/organize").await;
        let mut problems = Vec::new();
        for lang in ["en", "ar"] {
            open(client, &app, &format!("/lang?set={lang}&next=/organize")).await;
            wait_until(
                client,
                "the language",
                &format!("document.documentElement.lang === '{lang}'"),
            )
            .await;
            for page in &pages {
                open(client, &app, page).await;
                wait_until(client, "the page", "document.readyState === 'complete'").await;
                let seen = eval(
                    client,
                    "return {dir: document.dir, title: document.title,
                             content: Boolean(document.querySelector('main form, main table, main ul, main ol'))};",
                )
                .await;
                assert_eq!(seen["dir"], if lang == "ar" { "rtl" } else { "ltr" }, "{page}");
                assert_eq!(seen["content"], true, "{page} shows its content, not an error: {seen}");
                if page.contains("/captions") || page.contains("/moderate") {
                    wait_connected(client, "the live page connects").await;
                }
                check_axe(client, &format!("{lang} {page}"), &mut problems).await;
            }

            // Each form sent with a mistake comes back with the problem next to its field.
            for m in &mistakes {
                open(client, &app, &m.page).await;
                let filled = format!(
                    "document.querySelectorAll('details').forEach(d => d.open = true);
                     for (const [css, value] of {}) document.querySelector(css).value = value;
                     return true;",
                    json!(m.fields)
                );
                eval(client, &filled).await;
                click(client, m.submit).await;
                wait_until(
                    client,
                    &format!("{} comes back", m.what),
                    &format!(
                        "document.readyState === 'complete' && document.querySelector({})",
                        json!(m.shows)
                    ),
                )
                .await;
                check_axe(client, &format!("{lang} {}", m.what), &mut problems).await;
                check_errors(client, &format!("{lang} {}", m.what), &mut problems).await;
            }
        }
        assert!(
            problems.is_empty(),
            "accessibility problems:\n{}",
            problems.join("\n")
        );
    })
    .await;
}

/// The captioner types lines as people speak; a participant who joined sees each in the
/// captions region as it comes, speaker first, the newest last; a stage note has no speaker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_typed_on_the_captioner_page_reaches_a_participants_captions() {
    with_staff_fixture(2, |app, s, browsers| async move {
        let [captioner, participant] = <[Client; 2]>::try_from(browsers).ok().unwrap();
        let live = s.live;
        let page = format!("/live/{live}/captions");
        log_in(&captioner, &app, "/organize").await;
        open(&captioner, &app, &page).await;
        wait_connected(&captioner, "the captioner's page connects").await;

        open(&participant, &app, &format!("/live/{live}")).await;
        fill(&participant, "Name to show", "Robin").await;
        choose(&participant, "Age group", "18 or over").await;
        choose(&participant, "How you take part", "Online").await;
        click(&participant, "#accept_code_of_conduct").await;
        click(&participant, "form[action$='/join'] button[type=submit]").await;
        wait_connected(&participant, "the participant page connects").await;
        // The lines sent before the participant came are there already.
        let before = text(&participant, "[data-caption-lines]").await;
        assert!(before.contains("Design teams should hear from children"), "{before}");

        // The captioner names the speaker once, then types a line and presses Enter.
        fill(&captioner, "Speaker", "LARS BERG").await;
        let line = "Regulators should ask for audits written for children.";
        let input = field(&captioner, "Line").await;
        input
            .send_keys(&format!("{line}{}", char::from(Key::Enter)))
            .await
            .expect("type a line and press Enter");
        wait_until(
            &participant,
            "the new line in the captions",
            &format!(
                "[...document.querySelectorAll('[data-caption-lines] li')].some(li => li.textContent.includes({}))",
                json!(line)
            ),
        )
        .await;
        let last = eval(
            &participant,
            "const li = document.querySelector('[data-caption-lines] li:last-child');
             return {speaker: li.querySelector('.caption-speaker').textContent,
                     text: li.querySelector('.caption-text').textContent,
                     live: li.closest('[aria-live]').getAttribute('aria-live')};",
        )
        .await;
        assert_eq!(
            last,
            json!({"speaker": "LARS BERG:", "text": line, "live": "polite"}),
            "the newest line is last, with its speaker, in a polite live region"
        );
        // The captioner is ready for the next line: the field is empty and keeps the focus,
        // the speaker stays, the page says it was sent and shows the line too.
        wait_until(
            &captioner,
            "the line is acknowledged",
            "document.querySelector('[data-caption-result]').textContent === \
             JSON.parse(document.getElementById('live-strings').dataset.strings)['captions-sent']",
        )
        .await;
        let form = eval(
            &captioner,
            "return {text: document.getElementById('caption-text').value,
                     focused: document.activeElement.id,
                     speaker: document.getElementById('caption-speaker').value,
                     shown: document.querySelector('[data-caption-lines]').textContent};",
        )
        .await;
        assert_eq!(form["text"], "");
        assert_eq!(form["focused"], "caption-text");
        assert_eq!(form["speaker"], "LARS BERG");
        assert!(form["shown"].as_str().unwrap_or_default().contains(line), "{form}");
        // A stage note, without a speaker.
        choose(&captioner, "Kind of line", "Stage note, such as (Applause)").await;
        field(&captioner, "Line")
            .await
            .send_keys(&format!("(Laughter){}", char::from(Key::Enter)))
            .await
            .expect("type a stage note");
        wait_until(
            &participant,
            "the stage note",
            "document.querySelector('[data-caption-lines] li:last-child.stage-note') && \
             document.querySelector('[data-caption-lines] li:last-child').textContent.includes('(Laughter)')",
        )
        .await;
        assert_eq!(
            eval(
                &participant,
                "return document.querySelector('[data-caption-lines] li:last-child .caption-speaker');",
            )
            .await,
            Value::Null,
            "a stage note is nobody's words: no speaker, though the captioner's field keeps one"
        );

        let stored: Vec<(String, String, String)> = sqlx::query_as(
            "select s.speaker, s.text, s.source from transcript_segment s \
             join transcript t on t.transcript_id = s.transcript_id \
             where t.session_id = $1 order by s.position desc limit 2",
        )
        .bind(live)
        .fetch_all(&app.db.pool)
        .await
        .expect("the transcript's newest lines");
        assert_eq!(
            stored,
            [
                (String::new(), "(Laughter)".to_string(), "captioner".to_string()),
                ("LARS BERG".to_string(), line.to_string(), "captioner".to_string()),
            ],
            "the lines went into the session's raw transcript"
        );
        let mut problems = Vec::new();
        check_axe(&participant, "the participant page with captions", &mut problems).await;
        check_axe(&captioner, "the captioner's page after sending", &mut problems).await;
        assert!(
            problems.is_empty(),
            "axe-core found serious problems:\n{}",
            problems.join("\n")
        );
    })
    .await;
}
