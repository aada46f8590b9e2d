//! Probes and the API's self-description.

use reqwest::StatusCode;

use crate::helpers::TestApp;

both!(
    the_probes_answer_while_the_database_does,
    readiness_fails_when_the_database_is_gone
);
both!(the_openapi_document_lists_every_api_route);

async fn the_probes_answer_while_the_database_does(app: TestApp) {
    let anon = app.anonymous();
    assert_eq!(
        anon.get("/healthz")
            .await
            .expect_status(StatusCode::OK)
            .text,
        "ok"
    );
    assert_eq!(
        anon.get("/readyz").await.expect_status(StatusCode::OK).text,
        "ready"
    );
}

async fn readiness_fails_when_the_database_is_gone(app: TestApp) {
    // The server shares this pool; closing it is what a lost database looks like from inside.
    app.db.pool.close().await;
    let anon = app.anonymous();
    anon.get("/readyz")
        .await
        .expect_status(StatusCode::SERVICE_UNAVAILABLE);
    // Liveness is about the process, which is fine: a restart would not help.
    anon.get("/healthz").await.expect_status(StatusCode::OK);
    // And the API says something went wrong, without details.
    let reply = anon
        .get("/api/events")
        .await
        .expect_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
    assert!(
        !reply.text.to_lowercase().contains("pool"),
        "internal details leaked: {}",
        reply.text
    );
}

async fn the_openapi_document_lists_every_api_route(app: TestApp) {
    let doc = app
        .anonymous()
        .get("/api/openapi.json")
        .await
        .expect_status(StatusCode::OK)
        .body;
    let expected = [
        ("/api/events", "get"),
        ("/api/events", "post"),
        ("/api/events/{slug}", "get"),
        ("/api/events/{slug}", "put"),
        ("/api/events/{slug}/retention", "get"),
        ("/api/events/{slug}/retention", "put"),
        ("/api/events/{slug}/sessions", "get"),
        ("/api/events/{slug}/sessions", "post"),
        ("/api/events/{slug}/sessions/check", "post"),
        ("/api/events/{slug}/conflicts", "get"),
        ("/api/sessions/{session_id}", "get"),
        ("/api/sessions/{session_id}", "put"),
        ("/api/venues", "get"),
        ("/api/venues", "post"),
        ("/api/rooms", "get"),
        ("/api/rooms", "post"),
        ("/api/rooms/{room_id}", "put"),
        ("/api/session-types", "get"),
        ("/api/session-types", "post"),
        ("/api/people", "get"),
        ("/api/people", "post"),
        ("/api/people/{person_id}/unavailability", "post"),
        ("/api/series", "get"),
        ("/api/series", "post"),
        ("/api/series/{slug}", "get"),
        ("/api/series/{slug}/occurrences", "get"),
        ("/api/series/{slug}/exceptions", "post"),
        ("/api/rotation", "post"),
        ("/api/feed-keys", "get"),
        ("/api/feed-keys", "post"),
        ("/api/feed-keys/{key_id}/revoke", "post"),
        ("/api/sessions/{session_id}/live", "get"),
        ("/api/sessions/{session_id}/live/participants", "post"),
        ("/api/sessions/{session_id}/live/disposition", "get"),
        ("/api/sessions/{session_id}/moderators", "get"),
        ("/api/sessions/{session_id}/moderators", "put"),
        ("/api/sessions/{session_id}/audit", "get"),
        ("/api/sessions/{session_id}/live/reports", "post"),
        ("/api/sessions/{session_id}/live/reports/mine", "get"),
        ("/api/reports", "get"),
        ("/api/my-data", "post"),
        ("/api/my-data/erase", "post"),
        ("/api/reports/{report_id}", "put"),
        ("/api/sessions/{session_id}/safeguarding-contact", "put"),
        ("/api/sessions/{session_id}/scribes", "get"),
        ("/api/sessions/{session_id}/scribes", "put"),
        ("/api/sessions/{session_id}/transcript", "get"),
        ("/api/sessions/{session_id}/transcript/staff", "get"),
        ("/api/sessions/{session_id}/transcript/import", "post"),
        ("/api/sessions/{session_id}/transcript/status", "post"),
        ("/api/sessions/{session_id}/transcript/suggestions", "get"),
        ("/api/sessions/{session_id}/transcript/redactions", "post"),
        (
            "/api/sessions/{session_id}/transcript/redactions/{redaction_id}",
            "delete",
        ),
        ("/api/search", "get"),
        ("/api/archive/sessions/{session_id}", "get"),
        ("/api/archive/plan", "get"),
        ("/api/sessions/{session_id}/report", "get"),
        ("/api/sessions/{session_id}/report", "put"),
        ("/api/sessions/{session_id}/report/submit", "post"),
        ("/api/sessions/{session_id}/report/reopen", "post"),
        ("/api/session-reports/missing", "get"),
        ("/api/sessions/{session_id}/outcomes", "get"),
        ("/api/sessions/{session_id}/outcomes", "post"),
        ("/api/sessions/{session_id}/outcomes/order", "put"),
        ("/api/meetings/{meeting_id}/outcomes", "get"),
        ("/api/meetings/{meeting_id}/outcomes", "post"),
        ("/api/meetings/{meeting_id}/outcomes/order", "put"),
        ("/api/outcomes/{outcome_id}", "get"),
        ("/api/outcomes/{outcome_id}", "put"),
        ("/api/outcomes/{outcome_id}", "delete"),
        ("/api/sessions/{session_id}/archived-questions", "get"),
        ("/api/sessions/{session_id}/archived-questions", "post"),
        (
            "/api/sessions/{session_id}/questions/{question_id}/carry",
            "post",
        ),
        ("/api/meetings/{meeting_id}/carried-questions", "get"),
        ("/api/series/{slug}/meetings/{date}", "get"),
        ("/api/series/{slug}/meetings/{date}", "put"),
        ("/api/meetings/{meeting_id}", "get"),
        ("/api/meetings/{meeting_id}/agenda-items", "post"),
        ("/api/meetings/{meeting_id}/agenda-items/order", "put"),
        ("/api/agenda-items/{agenda_item_id}", "delete"),
        (
            "/api/meetings/{meeting_id}/approve-previous-minutes",
            "post",
        ),
        ("/api/meetings/{meeting_id}/minutes", "get"),
        ("/api/meetings/{meeting_id}/minutes", "post"),
        ("/api/minutes/{minutes_id}", "get"),
        ("/api/minutes/{minutes_id}", "put"),
        ("/api/minutes/{minutes_id}/status", "post"),
        ("/api/meetings/{meeting_id}/actions", "get"),
        ("/api/meetings/{meeting_id}/actions", "post"),
        ("/api/meeting-actions/{meeting_action_id}", "put"),
        ("/api/plan", "get"),
        ("/api/coalitions/{slug}/plan", "get"),
        ("/api/coalitions/{slug}/rename", "post"),
        ("/api/plan/items/{action_item_id}", "get"),
        ("/api/plan/items/{action_item_id}", "put"),
        ("/api/plan/items/{action_item_id}/updates", "post"),
    ];
    let paths = doc["paths"]
        .as_object()
        .expect("an OpenAPI document with paths");
    let mut missing = Vec::new();
    for (path, method) in expected {
        if paths.get(path).and_then(|p| p.get(method)).is_none() {
            missing.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert!(
        missing.is_empty(),
        "missing from /api/openapi.json: {missing:?}"
    );
    let documented: usize = paths
        .values()
        .map(|p| p.as_object().map_or(0, |m| m.len()))
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "a route was added: list it here too; paths: {:?}",
        paths.keys()
    );
    assert!(
        doc["components"]["schemas"]["ErrorBody"].is_object(),
        "the error shape is documented"
    );
}
