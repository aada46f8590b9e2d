//! The OpenAPI document fuzzed by an independent tool: schemathesis generates requests for every
//! documented operation (as an organizer, with a fixed seed) and checks that no answer is a 5xx
//! and none has a status the document does not list.

use std::path::PathBuf;

use crate::helpers::{Backend, TestApp};

/// The schemathesis command next to the test Python (`.ci/venv`), or `None` after saying so.
fn schemathesis() -> Option<PathBuf> {
    let python = std::env::var_os("PLENARY_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/venv/bin/python")
        });
    let candidate = python.with_file_name("schemathesis");
    let works = std::process::Command::new(&candidate)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Some(candidate)
    } else {
        crate::helpers::skip(
            "SKIPPED (OpenAPI fuzzing): no schemathesis beside PLENARY_TEST_PYTHON; run .ci/run or pip install schemathesis",
        );
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_undocumented_status() {
    let Some(tool) = schemathesis() else { return };
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let org = app.organizer().await;
    // Something to find: an event with a session, so reads reach real rows.
    app.live_session(&org).await;
    let cookie = org.cookie_header().expect("an organizer cookie");
    let output = tokio::process::Command::new(tool)
        .current_dir(app.dir.path())
        .args([
            "run",
            &format!("{}/api/openapi.json", app.address),
            "--checks",
            "not_a_server_error,status_code_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "30",
            "--seed",
            "20261128",
            "--generation-deterministic",
            "--header",
            &format!("Cookie: {cookie}"),
            "--no-color",
        ])
        .output()
        .await
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("passed"), "{report}");
    app.teardown().await;
}
