//! Transcripts and live captions, through the doors people use: imports over the API in each
//! format, redaction and publication, the public downloads, and caption lines over real
//! websockets.

use plenary::live::protocol::{CaptionKind, Command, ErrorCode, ServerFrame};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ApiClient, Reply, TestApp};
use crate::live_client::{LiveClient, acked, refused};

const IGF_PAGE: &str = include_str!("../fixtures/transcripts/igf_raw.html");
const VTT: &str = include_str!("../fixtures/transcripts/sample.vtt");
const SRT: &str = include_str!("../fixtures/transcripts/sample.srt");
const BAD_VTT: &str = include_str!("../fixtures/transcripts/bad.vtt");

both!(
    each_format_imports_as_speaker_turns_and_stage_notes,
    a_bad_file_is_refused_with_its_line_and_stores_nothing,
    a_webvtt_export_imports_back_to_the_same_segments,
    redacted_words_never_reach_the_public_and_withdrawal_hides_the_transcript,
    captions_reach_participants_in_order_and_only_captioners_send_them,
    the_staff_pages_work_with_plain_forms,
);

async fn import(
    client: &ApiClient,
    session_id: i64,
    content_type: &str,
    query: &str,
    body: &str,
) -> Reply {
    client
        .send(
            client
                .request(
                    reqwest::Method::POST,
                    &format!("/api/sessions/{session_id}/transcript/import{query}"),
                )
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.to_string()),
        )
        .await
}

/// (speaker, kind, text) of each segment.
fn rows(transcript: &Value) -> Vec<(String, String, String)> {
    transcript["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| {
            (
                s["speaker"].as_str().unwrap().to_string(),
                s["kind"].as_str().unwrap().to_string(),
                s["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn row(speaker: &str, kind: &str, text: &str) -> (String, String, String) {
    (speaker.into(), kind.into(), text.into())
}

/// The staff id of the account behind the newest login of `role`.
async fn newest_staff(app: &TestApp, role: &str) -> i64 {
    sqlx::query_scalar("select max(staff_id) from staff where role = $1")
        .bind(role)
        .fetch_one(&app.db.pool)
        .await
        .expect("a staff account")
}

async fn each_format_imports_as_speaker_turns_and_stage_notes(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;

    let html = import(&org, session_id, "text/html; charset=utf-8", "", IGF_PAGE)
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(html.body["source"], "igf_html");
    assert_eq!(html.body["status"], "raw");
    let segments = rows(&html.body);
    assert_eq!(segments.len(), 13, "{segments:#?}");
    assert_eq!(segments[0], row("", "stage_note", "(Music)"));
    assert_eq!(
        segments[1],
        row(
            "MODERATOR",
            "speech",
            "Good afternoon and welcome. We are a little late because of the previous session. Let us start right away."
        )
    );
    assert_eq!(
        segments[2],
        row(
            "MODERATOR",
            "speech",
            "Our first speaker joins us from Geneva."
        )
    );
    assert_eq!(
        segments[3],
        row(
            "ANA DE LA CRUZ",
            "speech",
            "Thank you. Children tell us the report button is hidden \u{2014} \"three menus down\" & nobody answers."
        )
    );
    assert_eq!(
        segments[7],
        row(
            "",
            "speech",
            "So we think the reply must come within a day."
        )
    );
    assert_eq!(
        segments[8],
        row("MODERATOR", "speech", "Thank you, that is clear.")
    );
    assert_eq!(segments[9].0, "PROFESSOR JÖRG MÜLLER");
    assert_eq!(
        segments[12],
        row("", "stage_note", "(Session concluded at 15:30)")
    );
    assert!(
        !html.text.contains("FAKE") && !html.text.contains("Secretariat"),
        "page furniture stays out"
    );
    assert!(
        html.body["segments"][1]["starts_ms"].is_null(),
        "IGF pages have no times"
    );

    // A second import needs replace=true.
    import(&org, session_id, "text/vtt", "", VTT)
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    let vtt = import(&org, session_id, "text/vtt", "?replace=true", VTT)
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(vtt.body["source"], "webvtt");
    assert_eq!(
        rows(&vtt.body),
        vec![
            row(
                "MODERATOR",
                "speech",
                "Good afternoon and welcome. We start right away."
            ),
            row(
                "Ana de la Cruz",
                "speech",
                "Children tell us the report button is hidden & nobody answers."
            ),
            row("", "stage_note", "(Applause)"),
            row("Zoya", "speech", "Can the reply come within a day?"),
            row("MODERATOR", "speech", "Thank you, that is clear."),
            row(
                "Prof. Jörg Müller",
                "speech",
                "Reports must carry their context <always>."
            ),
        ]
    );
    assert_eq!(vtt.body["segments"][1]["starts_ms"], 4500);
    assert_eq!(vtt.body["segments"][1]["ends_ms"], 8250);
    assert_eq!(vtt.body["segments"][5]["starts_ms"], 60000);

    // text/plain says nothing about the format: ?format= does.
    import(&org, session_id, "text/plain", "?replace=true", SRT)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let srt = import(
        &org,
        session_id,
        "text/plain",
        "?replace=true&format=srt",
        SRT,
    )
    .await
    .expect_status(StatusCode::CREATED);
    assert_eq!(
        rows(&srt.body),
        vec![
            row(
                "MODERATOR",
                "speech",
                "Good afternoon and welcome. We start right away."
            ),
            row(
                "MODERATOR",
                "speech",
                "Let us begin with the first speaker."
            ),
            row("", "stage_note", "(Applause)"),
            row(
                "ANA DE LA CRUZ",
                "speech",
                "Children tell us the report button is hidden."
            ),
        ]
    );
    assert_eq!(
        app.count("transcript").await,
        1,
        "one transcript per session, replaced"
    );
    assert_eq!(app.count("transcript_segment").await, 4);

    // Nobody else imports: the public, and a moderator who is not the session's rapporteur.
    import(
        &app.anonymous(),
        session_id,
        "text/vtt",
        "?replace=true",
        VTT,
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let moderator = app.moderator().await;
    import(&moderator, session_id, "text/vtt", "?replace=true", VTT)
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.count("transcript_segment").await, 4);
}

async fn a_bad_file_is_refused_with_its_line_and_stores_nothing(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let bad = import(&org, session_id, "text/vtt", "", BAD_VTT)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        bad.body["message"].as_str().unwrap().contains("line 6"),
        "{}",
        bad.text
    );
    let hostile = import(
        &org,
        session_id,
        "text/html",
        "",
        "<p>&gt;&gt; A: fine</p><p>&gt;&gt; B: evil &#x202E;txet</p>",
    )
    .await
    .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        hostile.body["message"].as_str().unwrap().contains("line 1"),
        "{}",
        hostile.text
    );
    let not_utf8 = org
        .send(
            org.request(
                reqwest::Method::POST,
                &format!("/api/sessions/{session_id}/transcript/import"),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/x-subrip")
            .body(b"1\n00:00:01,000 --> 00:00:02,000\nok \xff\n".to_vec()),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        not_utf8.body["message"]
            .as_str()
            .unwrap()
            .contains("line 3"),
        "{}",
        not_utf8.text
    );
    assert_eq!(app.count("transcript").await, 0);
    assert_eq!(app.count("transcript_segment").await, 0);
}

async fn a_webvtt_export_imports_back_to_the_same_segments(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let first = import(&org, session_id, "text/vtt", "", VTT)
        .await
        .expect_status(StatusCode::CREATED);
    let exported = org
        .get(&format!("/live/{session_id}/transcript.vtt"))
        .await
        .expect_status(StatusCode::OK);
    assert!(exported.header("content-type").starts_with("text/vtt"));
    let again = import(
        &org,
        session_id,
        "text/vtt",
        "?replace=true",
        &exported.text,
    )
    .await
    .expect_status(StatusCode::CREATED);
    let timed = |t: &Value| -> Vec<(Value, Value, String, String, String)> {
        t["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["starts_ms"].clone(),
                    s["ends_ms"].clone(),
                    s["speaker"].as_str().unwrap().into(),
                    s["kind"].as_str().unwrap().into(),
                    s["text"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(timed(&again.body), timed(&first.body));
    // An IGF page has no times: no WebVTT, but text and JSON.
    import(&org, session_id, "text/html", "?replace=true", IGF_PAGE)
        .await
        .expect_status(StatusCode::CREATED);
    org.get(&format!("/live/{session_id}/transcript.vtt"))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    let text = org
        .get(&format!("/live/{session_id}/transcript.txt"))
        .await
        .expect_status(StatusCode::OK);
    assert!(text.text.contains("not as an authoritative record"));
    assert!(
        text.text.contains("\n>> ANA DE LA CRUZ: Thank you."),
        "{}",
        text.text
    );
}

async fn redacted_words_never_reach_the_public_and_withdrawal_hides_the_transcript(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    // A young participant whose handle the transcript mentions.
    app.join_with(
        session_id,
        json!({"handle": "Zoya", "age_band": "13_15", "attendance": "remote_hub", "accept_code_of_conduct": true}),
    )
    .await;
    // A rapporteur (a moderator account assigned as rapporteur) does the work.
    let rapporteur = app.moderator().await;
    let rapporteur_id = newest_staff(&app, "moderator").await;
    org.put_json(
        &format!("/api/sessions/{session_id}/scribes"),
        &json!({"scribes": [{"staff_id": rapporteur_id, "role": "rapporteur"}]}),
    )
    .await
    .expect_status(StatusCode::OK);
    import(&rapporteur, session_id, "text/html", "", IGF_PAGE)
        .await
        .expect_status(StatusCode::CREATED);

    // Unpublished: staff only.
    app.anonymous()
        .get(&format!("/api/sessions/{session_id}/transcript"))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.anonymous()
        .get(&format!("/api/sessions/{session_id}/transcript/staff"))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    app.moderator()
        .await
        .get(&format!("/api/sessions/{session_id}/transcript/staff"))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    app.anonymous()
        .get(&format!("/archive/sessions/{session_id}/transcript.txt"))
        .await
        .expect_status(StatusCode::NOT_FOUND);

    let suggestions = rapporteur
        .get(&format!(
            "/api/sessions/{session_id}/transcript/suggestions"
        ))
        .await
        .expect_status(StatusCode::OK);
    let list = suggestions.body.as_array().expect("a list").clone();
    let found = |kind: &str| list.iter().find(|s| s["found"] == kind).cloned();
    let phone = found("phone").expect("the helpline number is suggested");
    assert_eq!(phone["text"], "+41 22 555 01 99");
    let young = found("young_participant").expect("the young participant's handle is suggested");
    assert_eq!(young["text"], "Zoya");
    for s in [&phone, &young] {
        rapporteur
            .post_json(
                &format!("/api/sessions/{session_id}/transcript/redactions"),
                &json!({"segment_id": s["segment_id"], "start_char": s["start_char"], "end_char": s["end_char"], "reason": s["reason"]}),
            )
            .await
            .expect_status(StatusCode::CREATED);
    }
    // A span chosen by its words: every place they appear in that segment.
    let staff = rapporteur
        .get(&format!("/api/sessions/{session_id}/transcript/staff"))
        .await
        .expect_status(StatusCode::OK);
    let geneva = staff.body["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["text"].as_str().unwrap().contains("Geneva"))
        .expect("a segment naming Geneva")["segment_id"]
        .clone();
    rapporteur
        .post_json(
            &format!("/api/sessions/{session_id}/transcript/redactions"),
            &json!({"segment_id": geneva, "text": "not there", "reason": "other"}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    rapporteur
        .post_json(
            &format!("/api/sessions/{session_id}/transcript/redactions"),
            &json!({"segment_id": geneva, "text": "Geneva", "reason": "other"}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    let again = rapporteur
        .get(&format!(
            "/api/sessions/{session_id}/transcript/suggestions"
        ))
        .await
        .expect_status(StatusCode::OK);
    assert!(
        !again.text.contains("555 01 99") && !again.text.contains("\"Zoya\""),
        "accepted suggestions are not suggested again: {}",
        again.text
    );

    // raw → published is not a move; raw → in_redaction → published is.
    let status = format!("/api/sessions/{session_id}/transcript/status");
    rapporteur
        .post_json(&status, &json!({"status": "published"}))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    rapporteur
        .post_json(&status, &json!({"status": "in_redaction"}))
        .await
        .expect_status(StatusCode::OK);
    // Beside the publish button, the staff page says when suggestions are still open: none
    // once the detector's findings are hidden, one when the rapporteur searches for a word
    // still in the text.
    assert!(
        again.body.as_array().expect("a list").is_empty(),
        "{}",
        again.text
    );
    let page = |query: &'static str| {
        let rapporteur = rapporteur.clone();
        async move {
            rapporteur
                .get(&format!("/live/{session_id}/transcript{query}"))
                .await
                .expect_status(StatusCode::OK)
                .text
        }
    };
    assert!(!page("").await.contains("Redaction suggestions still open:"));
    let warned = page("?names=helpline").await;
    assert!(
        warned.contains("Redaction suggestions still open:"),
        "{warned}"
    );
    assert!(
        warned.contains("aria-describedby=\"open-suggestions\""),
        "{warned}"
    );
    rapporteur
        .post_json(&status, &json!({"status": "published"}))
        .await
        .expect_status(StatusCode::OK);

    let public = app.anonymous();
    let json_api = public
        .get(&format!("/api/sessions/{session_id}/transcript"))
        .await
        .expect_status(StatusCode::OK);
    let text = public
        .get(&format!("/archive/sessions/{session_id}/transcript.txt"))
        .await
        .expect_status(StatusCode::OK);
    let download = public
        .get(&format!("/archive/sessions/{session_id}/transcript.json"))
        .await
        .expect_status(StatusCode::OK);
    for body in [&json_api.text, &text.text, &download.text] {
        for hidden in ["Zoya", "555 01 99", "Geneva"] {
            assert!(!body.contains(hidden), "{hidden} is public: {body}");
        }
        assert!(body.contains("[redacted]"));
        assert!(
            body.contains("not an authoritative record")
                || body.contains("not as an authoritative record")
        );
    }
    public
        .get(&format!("/archive/sessions/{session_id}/transcript.vtt"))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    // Published redactions stay.
    let redaction_id = rapporteur
        .get(&format!("/api/sessions/{session_id}/transcript/staff"))
        .await
        .body["segments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["redactions"].as_array().unwrap().clone())
        .next()
        .expect("a redaction")["redaction_id"]
        .as_i64()
        .unwrap();
    rapporteur
        .send(rapporteur.request(
            reqwest::Method::DELETE,
            &format!("/api/sessions/{session_id}/transcript/redactions/{redaction_id}"),
        ))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");

    // Withdrawn: a reason is required, and the public sees it instead of the transcript.
    rapporteur
        .post_json(&status, &json!({"status": "withdrawn"}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    rapporteur
        .post_json(
            &status,
            &json!({"status": "withdrawn", "note": "A speaker asked for a correction."}),
        )
        .await
        .expect_status(StatusCode::OK);
    let gone = public
        .get(&format!("/api/sessions/{session_id}/transcript"))
        .await
        .expect_error(StatusCode::GONE, "withdrawn");
    assert!(gone.text.contains("A speaker asked for a correction."));
    assert_eq!(
        public
            .get(&format!("/archive/sessions/{session_id}/transcript.txt"))
            .await
            .status,
        StatusCode::GONE
    );
    assert!(
        plenary::archive::transcripts::published(&app.db, session_id)
            .await
            .unwrap()
            .is_none()
    );
}

async fn captions_reach_participants_in_order_and_only_captioners_send_them(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    let captioner = app.moderator().await;
    let captioner_id = newest_staff(&app, "moderator").await;
    let moderator = app.moderator().await;
    let moderator_id = newest_staff(&app, "moderator").await;
    org.put_json(
        &format!("/api/sessions/{session_id}/scribes"),
        &json!({"scribes": [{"staff_id": captioner_id, "role": "captioner"}]}),
    )
    .await
    .expect_status(StatusCode::OK);
    org.put_json(
        &format!("/api/sessions/{session_id}/moderators"),
        &json!({"moderators": [{"staff_id": moderator_id, "role": "onsite_moderator"}]}),
    )
    .await
    .expect_status(StatusCode::OK);

    let joined = app.join(session_id, "Listener").await;
    let mut participant = LiveClient::connect(&app, session_id, Some(&joined.cookie)).await;
    let mut scribe =
        LiveClient::connect(&app, session_id, captioner.cookie_header().as_deref()).await;

    let lines = [
        ("MODERATOR", CaptionKind::Speech, "Welcome to the session."),
        ("", CaptionKind::StageNote, "(Applause)"),
        (
            "AMINA OSEI",
            CaptionKind::Speech,
            "Children must be told what happened to their report.",
        ),
    ];
    let mut segment_ids = Vec::new();
    for (speaker, kind, text) in lines {
        let reply = scribe
            .command(Command::Caption {
                text: text.into(),
                speaker: speaker.into(),
                kind,
            })
            .await;
        let (seq, result) = acked(&reply);
        assert!(seq.is_some());
        segment_ids.push(result.segment_id.expect("the ack names the segment"));
    }
    let mut received = Vec::new();
    while received.len() < lines.len() {
        if let ServerFrame::Caption { caption, .. } = participant.next_change_or_reply().await {
            received.push((
                caption.speaker,
                caption.kind,
                caption.text,
                caption.segment_id,
            ));
        }
    }
    let expected: Vec<_> = lines
        .iter()
        .zip(&segment_ids)
        .map(|((s, k, t), id)| (s.to_string(), *k, t.to_string(), *id))
        .collect();
    assert_eq!(received, expected);

    let stored: Vec<(i64, String, String, String)> = sqlx::query_as(
        "select s.position, s.speaker, s.text, s.source from transcript_segment s \
         join transcript t on t.transcript_id = s.transcript_id where t.session_id = $1 order by s.position",
    )
    .bind(session_id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|r| (r.0, r.2.as_str(), r.3.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (1, "Welcome to the session.", "captioner"),
            (2, "(Applause)", "captioner"),
            (
                3,
                "Children must be told what happened to their report.",
                "captioner"
            ),
        ]
    );
    let (source, status): (String, String) =
        sqlx::query_as("select source, status from transcript where session_id = $1")
            .bind(session_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((source.as_str(), status.as_str()), ("live", "raw"));

    // A participant, and a moderator not assigned as captioner, cannot caption.
    let caption = || Command::Caption {
        text: "Not mine to say.".into(),
        speaker: String::new(),
        kind: CaptionKind::Speech,
    };
    assert_eq!(
        refused(&participant.command(caption()).await),
        ErrorCode::Forbidden
    );
    let mut unassigned =
        LiveClient::connect(&app, session_id, moderator.cookie_header().as_deref()).await;
    assert_eq!(
        refused(&unassigned.command(caption()).await),
        ErrorCode::Forbidden
    );
    // Text checks: a bidi override is refused.
    let evil = Command::Caption {
        text: "evil \u{202E}txet".into(),
        speaker: String::new(),
        kind: CaptionKind::Speech,
    };
    assert_eq!(refused(&scribe.command(evil).await), ErrorCode::InvalidText);
    // Organizers may caption without an assignment.
    let mut organizer = LiveClient::connect(&app, session_id, org.cookie_header().as_deref()).await;
    acked(&organizer.command(caption()).await);
    assert_eq!(app.count("transcript_segment").await, 4);

    // A late joiner's snapshot carries the lines so far.
    let late = app.join(session_id, "Late").await;
    let late = LiveClient::connect(&app, session_id, Some(&late.cookie)).await;
    let snapshot = late.view.snapshot.as_ref().expect("a snapshot");
    assert_eq!(snapshot.captions.len(), 4);
    assert_eq!(snapshot.captions[0].text, "Welcome to the session.");
    // The live page shows them without script, labelled.
    let page = app
        .anonymous()
        .request(reqwest::Method::GET, &format!("/live/{session_id}"))
        .header(reqwest::header::COOKIE, &joined.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Live captions by a human captioner"),
        "{page}"
    );
    assert!(page.contains("aria-live=\"polite\""));
    assert!(page.contains("Children must be told what happened to their report."));

    // Once the transcript is published no more lines go in.
    let status = format!("/api/sessions/{session_id}/transcript/status");
    org.post_json(&status, &json!({"status": "in_redaction"}))
        .await
        .expect_status(StatusCode::OK);
    org.post_json(&status, &json!({"status": "published"}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(
        refused(&scribe.command(caption()).await),
        ErrorCode::InvalidState
    );
    assert_eq!(app.count("transcript_segment").await, 4);
}

async fn the_staff_pages_work_with_plain_forms(app: TestApp) {
    let org = app.organizer().await;
    let session_id = app.live_session(&org).await;
    // A line from the captioner's form, without script: back to the page, speaker kept.
    let sent = org
        .send(
            org.request(
                reqwest::Method::POST,
                &format!("/live/{session_id}/captions"),
            )
            .form(&[
                ("client_id", "form1"),
                ("speaker", "MODERATOR"),
                ("kind", "speech"),
                ("text", "Welcome, everyone."),
            ]),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    assert!(sent.header("location").contains("speaker=MODERATOR"));
    let page = org
        .get(&format!("/live/{session_id}/captions?speaker=MODERATOR"))
        .await
        .expect_status(StatusCode::OK);
    assert!(page.text.contains("Welcome, everyone."));
    assert!(page.text.contains("value=\"MODERATOR\""));
    let refused = org
        .send(
            org.request(
                reqwest::Method::POST,
                &format!("/live/{session_id}/captions"),
            )
            .form(&[("speaker", "X"), ("kind", "speech"), ("text", "")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("transcript_segment").await, 1);
    // The transcript page lists the segment and offers the status change; a moderator who is
    // not a scribe of the session may not see it.
    let staff = org
        .get(&format!("/live/{session_id}/transcript"))
        .await
        .expect_status(StatusCode::OK);
    assert!(staff.text.contains("Welcome, everyone."));
    assert!(staff.text.contains("not as an authoritative record"));
    app.moderator()
        .await
        .get(&format!("/live/{session_id}/transcript"))
        .await
        .expect_status(StatusCode::FORBIDDEN);
    // The console lists the scribes' form for organizers.
    let console = org
        .get(&format!("/live/{session_id}/moderate"))
        .await
        .expect_status(StatusCode::OK);
    assert!(console.text.contains("id=\"scribes-heading\""));
}
