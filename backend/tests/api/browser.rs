//! The browser harness: headless Chromium driven through chromedriver by `fantoccini`, and
//! axe-core for accessibility. Page tests live beside the pages; this module proves the harness.
//!
//! Needs `/usr/bin/chromium`, `chromedriver` (on PATH or in /usr/bin) and, for accessibility
//! checks, `PLENARY_AXE_JS` pointing at axe-core's `axe.min.js`. `.ci/run` installs all three;
//! elsewhere a missing one is reported loudly on stderr and the test passes without running.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::helpers::{Backend, TestApp};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Flags that make Chromium start quickly and quietly on a machine with no outside network.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// How to launch Chromium: its time zone and window size.
#[derive(Debug, Clone)]
pub struct Options {
    /// An IANA zone for the browser (`TZ` on chromedriver, which Chromium inherits); `None`
    /// keeps the machine's zone.
    pub time_zone: Option<&'static str>,
    /// The window's width and height in CSS pixels; below 500 px wide (smaller than a headless
    /// window can be) a phone of that size is emulated.
    pub window: (u32, u32),
}

impl Default for Options {
    fn default() -> Self {
        Options {
            time_zone: None,
            window: (1280, 900),
        }
    }
}

fn skip(why: &str) {
    crate::helpers::skip(&format!("SKIPPED (browser): {why}"));
}

fn chromedriver_path() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("chromedriver"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/bin/chromedriver")])
        .find(|p| p.is_file())
}

/// The axe-core script, when `PLENARY_AXE_JS` names a readable file.
pub fn axe_source() -> Option<String> {
    let path = std::env::var_os("PLENARY_AXE_JS")?;
    std::fs::read_to_string(Path::new(&path)).ok()
}

/// A headless Chromium session with its chromedriver and a throwaway profile.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session; `None` (after saying why on
    /// stderr) when Chromium or chromedriver is not installed.
    pub async fn start() -> Option<Browser> {
        Browser::start_with(Options::default()).await
    }

    /// As [`Browser::start`], with a chosen time zone and window size.
    pub async fn start_with(options: Options) -> Option<Browser> {
        if !Path::new(CHROMIUM).is_file() {
            skip(&format!(
                "{CHROMIUM} not found; apt-get install chromium chromium-driver"
            ));
            return None;
        }
        let Some(chromedriver) = chromedriver_path() else {
            skip("chromedriver not found on PATH or in /usr/bin; apt-get install chromium-driver");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(&chromedriver);
        if let Some(zone) = options.time_zone {
            command.env("TZ", zone);
        }
        let driver = command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", chromedriver.display()));
        let url = format!("http://127.0.0.1:{port}");
        wait_until_ready(&url).await;

        let profile = tempfile::tempdir().expect("a profile directory");
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!(
            "--window-size={},{}",
            options.window.0, options.window.1
        ));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        let mut chrome = json!({"binary": CHROMIUM, "args": args});
        // Headless windows are at least 500 px wide; a phone-sized viewport is emulated.
        if options.window.0 < 500 {
            chrome["mobileEmulation"] = json!({"deviceMetrics": {
                "width": options.window.0, "height": options.window.1,
                "pixelRatio": 2.0, "mobile": true, "touch": true,
            }});
        }
        caps.insert("goog:chromeOptions".into(), chrome);
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("a Chromium session through chromedriver");
        Some(Browser {
            client,
            driver,
            _profile: profile,
        })
    }

    /// Ends the session, then chromedriver (which takes Chromium with it).
    pub async fn stop(mut self) {
        if let Err(e) = self.client.clone().close().await {
            eprintln!("closing the browser session: {e}");
        }
        let _ = self.driver.kill().await;
    }

    /// Runs `test` with the session's client, then stops the browser even if the test panicked.
    pub async fn run<F, Fut>(self, test: F)
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let outcome = tokio::spawn(test(self.client.clone())).await;
        self.stop().await;
        if let Err(err) = outcome {
            match err.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(err) => panic!("browser test task failed: {err}"),
            }
        }
    }
}

async fn wait_until_ready(url: &str) {
    let status = format!("{url}/status");
    for _ in 0..100 {
        if let Ok(reply) = reqwest::get(&status).await {
            if let Ok(body) = reply.json::<Value>().await {
                if body["value"]["ready"] == true {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver at {url} not ready within 10 s");
}

/// An accessibility problem axe-core found.
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    /// The rule, e.g. `image-alt`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    pub help: String,
    #[serde(default)]
    pub nodes: Vec<Value>,
}

/// Runs axe-core on the current page and returns its serious and critical violations.
///
/// `None` (after saying so on stderr) when axe-core is not available.
pub async fn axe_check(client: &Client) -> Option<Vec<Violation>> {
    let Some(source) = axe_source() else {
        skip("axe-core not found; set PLENARY_AXE_JS to axe.min.js (npm install axe-core)");
        return None;
    };
    // Injected through WebDriver, so the page's CSP does not apply to it.
    client
        .execute(&source, Vec::new())
        .await
        .expect("inject axe-core");
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']})
                .then(r => done({violations: r.violations}))
                .catch(e => done({error: String(e)}));",
            Vec::new(),
        )
        .await
        .expect("run axe-core");
    if let Some(error) = result.get("error") {
        panic!("axe-core failed: {error}");
    }
    let all: Vec<Violation> =
        serde_json::from_value(result["violations"].clone()).expect("axe-core's violations");
    Some(
        all.into_iter()
            .filter(|v| matches!(v.impact.as_deref(), Some("serious") | Some("critical")))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Reading and driving pages the way a person does (shared by every browser test module)

/// How long a page may take to reach what a test waits for.
pub const WAIT: Duration = Duration::from_secs(20);

/// Opens `path` on the test server.
pub async fn open(client: &Client, app: &TestApp, path: &str) {
    client
        .goto(&format!("{}{path}", app.address))
        .await
        .unwrap_or_else(|e| panic!("open {path}: {e}"));
}

/// The visible text of the first element matching `css`, or "" when there is none.
pub async fn text(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Runs `script` (a function body; `return` gives the value).
pub async fn eval(client: &Client, script: &str) -> Value {
    client
        .execute(script, Vec::new())
        .await
        .unwrap_or_else(|e| panic!("run {script}: {e}"))
}

/// Waits (at most [`WAIT`]) until `script` (a JS expression) is truthy; panics saying `what`,
/// with the page's address and text.
pub async fn wait_until(client: &Client, what: &str, script: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    let check = format!("return Boolean({script});");
    loop {
        // A navigation in progress can make a script fail; that only means "not yet".
        if let Ok(Value::Bool(true)) = client.execute(&check, Vec::new()).await {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            let url = client.current_url().await.map(|u| u.to_string());
            let body = text(client, "body").await;
            panic!("waited {WAIT:?} for {what} ({script}); at {url:?} the page says:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks the first element matching `css`.
pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("an element {css}: {e}"))
        .click()
        .await
        .expect("click");
}

/// `text` as an XPath string literal (XPath 1.0 has no escapes: quotes need `concat`).
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// The form control a `<label for>` with exactly this text names.
pub async fn field(client: &Client, label: &str) -> Element {
    let xpath = format!("//label[normalize-space()={}]", xpath_literal(label));
    let label_element = client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("a label {label:?}: {e}"));
    let id = label_element
        .attr("for")
        .await
        .expect("the label's for")
        .unwrap_or_else(|| panic!("the label {label:?} names its field with for="));
    client
        .find(Locator::Id(&id))
        .await
        .unwrap_or_else(|e| panic!("the field #{id} labelled {label:?}: {e}"))
}

/// Types `value` into the field labelled `label`, replacing what was there.
pub async fn fill(client: &Client, label: &str, value: &str) {
    let input = field(client, label).await;
    input.clear().await.expect("clear a field");
    input.send_keys(value).await.expect("type into a field");
}

/// Runs axe-core on the current page and adds each serious or critical problem to `problems`,
/// with axe's own explanation of the first node (for contrast: both colours and the ratio).
pub async fn check_axe(client: &Client, page: &str, problems: &mut Vec<String>) {
    let Some(violations) = axe_check(client).await else {
        return;
    };
    for v in violations {
        let targets: Vec<String> = v
            .nodes
            .iter()
            .map(|n| n["target"].to_string())
            .take(5)
            .collect();
        let why = v
            .nodes
            .first()
            .and_then(|n| n["failureSummary"].as_str())
            .unwrap_or_default()
            .replace('\n', " ");
        problems.push(format!(
            "{page}: {} ({}): {} at {} ({why})",
            v.id,
            v.impact.unwrap_or_default(),
            v.help,
            targets.join(", ")
        ));
    }
}

/// A `data:` URL holding `html`, for checking the harness on a page of our own.
fn data_url(html: &str) -> String {
    let mut url = String::from("data:text/html;charset=utf-8,");
    for byte in html.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_reaches_the_server_and_axe_reports_serious_problems() {
    crate::helpers::run(browse, Backend::Sqlite).await;
}

async fn browse(app: TestApp) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    browser
        .run(move |client| async move {
            client.goto(&format!("{}/healthz", app.address)).await.expect("open /healthz");
            let body = client.find(Locator::Css("body")).await.expect("a body").text().await.unwrap();
            assert_eq!(body.trim(), "ok");
            client.goto(&format!("{}/api/openapi.json", app.address)).await.expect("open the API document");
            let text = client.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
            assert!(text.contains("Plenary API"), "{text}");

            // No HTML page of ours exists yet: prove axe on a minimal good page and a bad one.
            let good = "<!doctype html><html lang=\"en\"><head><title>Programme</title></head>\
                        <body><main><h1>IGF 2025</h1><p>Sessions</p></main></body></html>";
            client.goto(&data_url(good)).await.unwrap();
            let Some(violations) = axe_check(&client).await else {
                return;
            };
            assert!(violations.is_empty(), "{violations:#?}");
            let bad = "<!doctype html><html><head><title>x</title></head><body><main>\
                       <img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"><button></button></main></body></html>";
            client.goto(&data_url(bad)).await.unwrap();
            let violations = axe_check(&client).await.expect("axe ran before");
            let ids: Vec<&str> = violations.iter().map(|v| v.id.as_str()).collect();
            for expected in ["image-alt", "button-name", "html-has-lang"] {
                assert!(ids.contains(&expected), "axe finds {expected}: {violations:#?}");
            }
            assert!(violations.iter().all(|v| !v.help.is_empty() && !v.nodes.is_empty()));
        })
        .await;
}
