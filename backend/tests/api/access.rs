//! Who may change the programme, cross-site request refusal, and response hardening.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

both!(
    writes_need_an_organizer_login,
    a_cross_site_write_is_refused_and_nothing_is_stored,
    every_response_carries_the_security_headers,
);

fn event(slug: &str) -> serde_json::Value {
    json!({
        "slug": slug, "name": "IGF 2025", "kind": "annual_meeting",
        "time_zone": "Europe/Oslo", "starts_on": "2025-06-23", "ends_on": "2025-06-27",
    })
}

async fn writes_need_an_organizer_login(app: TestApp) {
    let anon = app.anonymous();
    anon.post_json("/api/events", &event("igf-2025"))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    anon.post_json("/api/venues", &json!({"name": "Hall"}))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    anon.post_json("/api/people", &json!({"name": "Someone"}))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // A made-up or expired cookie is no login.
    let forged = anon
        .request(reqwest::Method::POST, "/api/events")
        .header(
            reqwest::header::COOKIE,
            format!("{}=not-a-real-token", plenary::auth::SESSION_COOKIE),
        )
        .json(&event("igf-2025"));
    anon.send(forged)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");

    let moderator = app.moderator().await;
    moderator
        .post_json("/api/events", &event("igf-2025"))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    moderator
        .post_json("/api/venues", &json!({"name": "Hall"}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.count("event").await, 0);
    assert_eq!(app.count("venue").await, 0);
    assert_eq!(app.count("person").await, 0);

    // Reads stay public, and an organizer may write.
    anon.get("/api/events").await.expect_status(StatusCode::OK);
    app.organizer()
        .await
        .post_json("/api/events", &event("igf-2025"))
        .await
        .expect_status(StatusCode::CREATED);
    // After logging out, the same cookie no longer counts.
    let org = app.organizer().await;
    org.post_json("/api/events", &event("igf-2026"))
        .await
        .expect_status(StatusCode::CREATED);
    plenary::auth::logout(&app.db, org.login_token().expect("a login"))
        .await
        .unwrap();
    org.post_json("/api/events", &event("igf-2027"))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(app.count("event").await, 2);
}

async fn a_cross_site_write_is_refused_and_nothing_is_stored(app: TestApp) {
    let org = app.organizer().await;
    let cases = [
        ("sec-fetch-site", "cross-site".to_string()),
        ("sec-fetch-site", "same-site".to_string()),
        ("origin", "https://evil.example".to_string()),
        ("origin", "null".to_string()),
        // Same host, other port: another origin.
        ("origin", "http://127.0.0.1:1".to_string()),
    ];
    for (header, value) in &cases {
        let request = org
            .request(reqwest::Method::POST, "/api/events")
            .header(*header, value)
            .json(&event("igf-2025"));
        let reply = org
            .send(request)
            .await
            .expect_error(StatusCode::FORBIDDEN, "cross_site_request");
        assert!(!reply.text.is_empty(), "{header}: {value}");
        let put = org
            .request(reqwest::Method::PUT, "/api/rooms/1")
            .header(*header, value)
            .json(&json!({}));
        org.send(put)
            .await
            .expect_error(StatusCode::FORBIDDEN, "cross_site_request");
    }
    assert_eq!(app.count("event").await, 0);

    // Our own pages (same origin) and non-browser clients (no such headers) may write.
    let same_origin = org
        .request(reqwest::Method::POST, "/api/events")
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .json(&event("igf-2025"));
    org.send(same_origin)
        .await
        .expect_status(StatusCode::CREATED);
    let origin_only = org
        .request(reqwest::Method::POST, "/api/events")
        .header("origin", &app.address)
        .json(&event("igf-2026"));
    org.send(origin_only)
        .await
        .expect_status(StatusCode::CREATED);
    // Reading across sites is harmless and allowed.
    let read = org
        .request(reqwest::Method::GET, "/api/events")
        .header("sec-fetch-site", "cross-site");
    org.send(read).await.expect_status(StatusCode::OK);
}

async fn every_response_carries_the_security_headers(app: TestApp) {
    let anon = app.anonymous();
    let org = app.organizer().await;
    let replies = vec![
        ("/healthz", anon.get("/healthz").await),
        ("/api/openapi.json", anon.get("/api/openapi.json").await),
        ("/api/events", anon.get("/api/events").await),
        ("a 404", anon.get("/no/such/page").await),
        ("a 401", anon.post_json("/api/events", &json!({})).await),
        (
            "a 415",
            org.send(org.request(reqwest::Method::POST, "/api/events").body("x"))
                .await,
        ),
        (
            "a 403 cross-site",
            org.send(
                org.request(reqwest::Method::POST, "/api/events")
                    .header("sec-fetch-site", "cross-site"),
            )
            .await,
        ),
    ];
    let mut nonces = Vec::new();
    for (what, reply) in &replies {
        let csp = reply.header("content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{what}: CSP {csp:?}");
        assert!(
            csp.contains("frame-ancestors 'none'"),
            "{what}: CSP {csp:?}"
        );
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_default();
        assert!(
            nonce.len() >= 22,
            "{what}: a nonce of at least 128 bits in {csp:?}"
        );
        nonces.push(nonce.to_string());
        assert_eq!(reply.header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(reply.header("referrer-policy"), "no-referrer", "{what}");
        assert_eq!(reply.header("x-frame-options"), "DENY", "{what}");
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(
        nonces.len(),
        replies.len(),
        "every response has its own nonce"
    );
}
