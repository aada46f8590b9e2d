//! The archive in a real headless Chromium: an observer searches, follows a result to the
//! transcript passage it quotes and finds it on screen, highlighted; the archive pages pass
//! axe-core in English and in Arabic (right to left), and print with the navigation hidden.
//!
//! SQLite only, like the other browser tests: the database path is covered on both engines by
//! `search` and `exports`.

use std::future::Future;

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{Browser, Options, check_axe, eval, open, wait_until};
use crate::helpers::{Backend, TestApp};
use crate::search::{Fixture, archive_fixture};

async fn with_archive<F, Fut>(test: F)
where
    F: FnOnce(TestApp, Fixture, Client) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::helpers::run(
        move |app: TestApp| async move {
            let fixture = archive_fixture(&app).await;
            let Some(browser) = Browser::start_with(Options::default()).await else {
                return;
            };
            browser.run(move |client| test(app, fixture, client)).await;
        },
        Backend::Sqlite,
    )
    .await;
}

/// Waits for the session record at the fixture's grooming passage, and checks what a reader
/// sees there: the right page, the passage on screen, targeted and highlighted.
async fn lands_on_the_passage(client: &Client, f: &Fixture) {
    let anchor = format!("seg-{}", f.grooming_segment);
    wait_until(
        client,
        "the passage in the session record",
        &format!("location.hash === '#{anchor}' && document.readyState === 'complete'"),
    )
    .await;
    assert_eq!(
        eval(client, "return location.pathname;").await,
        json!(format!("/archive/sessions/{}", f.public))
    );
    let seen = eval(
        client,
        &format!(
            "const el = document.getElementById('{anchor}');
             const r = el.getBoundingClientRect();
             return {{top: r.top, bottom: r.bottom, height: innerHeight,
                      target: el.matches(':target'), text: el.textContent,
                      background: getComputedStyle(el).backgroundColor}};"
        ),
    )
    .await;
    let top = seen["top"].as_f64().unwrap();
    let bottom = seen["bottom"].as_f64().unwrap();
    let height = seen["height"].as_f64().unwrap();
    assert!(
        top >= 0.0 && bottom <= height,
        "the passage is on screen: {seen}"
    );
    assert_eq!(seen["target"], true);
    assert!(
        seen["text"]
            .as_str()
            .unwrap()
            .contains("Grooming detection")
    );
    assert_ne!(
        seen["background"], "rgba(0, 0, 0, 0)",
        "the passage is highlighted"
    );
}

/// The other way in: from the action plan (a header link) to an item, from the item's trail to
/// the transcript passage that moved it, by clicking as a reader does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_observer_follows_the_plan_to_the_passage_that_moved_an_item() {
    with_archive(|app, f, client| async move {
        open(&client, &app, "/").await;
        client
            .find(Locator::Css("nav a[href='/plan']"))
            .await
            .expect("the header's plan link")
            .click()
            .await
            .expect("open the plan");
        wait_until(
            &client,
            "the plan",
            "location.pathname === '/plan' && document.querySelector('table')",
        )
        .await;
        client
            .find(Locator::Css(&format!(
                "th a[href='/plan/items/{}']",
                f.item
            )))
            .await
            .expect("AI-1 in the plan's table")
            .click()
            .await
            .expect("open AI-1");
        wait_until(
            &client,
            "the item's page",
            &format!("location.pathname === '/plan/items/{}'", f.item),
        )
        .await;
        let anchor = format!("seg-{}", f.grooming_segment);
        client
            .find(Locator::Css(&format!(".trail a[href$='#{anchor}']")))
            .await
            .expect("the trail cites the passage")
            .click()
            .await
            .expect("follow the passage link");
        lands_on_the_passage(&client, &f).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_observer_searches_and_lands_on_the_quoted_passage() {
    with_archive(|app, f, client| async move {
        open(&client, &app, "/archive").await;
        // Search from the archive's front page, as a person types it.
        let input = client
            .find(Locator::Css("#archive-q"))
            .await
            .expect("the search box");
        input.send_keys("grooming encryption").await.expect("type");
        client
            .find(Locator::Css(".archive-search-box button[type=submit]"))
            .await
            .expect("the search button")
            .click()
            .await
            .expect("search");
        wait_until(&client, "the results", "document.querySelector('.search-result mark')").await;
        let marks = eval(
            &client,
            "return [...document.querySelectorAll('.search-result .snippet mark')].map(m => m.textContent);",
        )
        .await;
        assert_eq!(marks, json!(["Grooming", "encryption"]));

        // Follow the result to the passage.
        client
            .find(Locator::Css(".search-result h3 a"))
            .await
            .expect("the result's link")
            .click()
            .await
            .expect("follow the result");
        lands_on_the_passage(&client, &f).await;
        let anchor = format!("seg-{}", f.grooming_segment);

        // The takeaway it supports links back to this passage and on to its action item.
        let links = eval(
            &client,
            &format!(
                "return [...document.querySelectorAll('#outcome-{} a')].map(a => a.getAttribute('href'));",
                f.takeaway
            ),
        )
        .await;
        let links: Vec<&str> = links
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(links.contains(&format!("/plan/items/{}", f.item).as_str()), "{links:?}");
        assert!(links.contains(&format!("#{anchor}").as_str()), "{links:?}");

        // Printed, the navigation goes and links show where they lead.
        let printed = eval(
            &client,
            "const sheet = [...document.styleSheets].find(s => s.href && s.href.includes('app.css'));
             const rules = [...sheet.cssRules].filter(r => r.media && r.media.mediaText === 'print');
             return rules.map(r => r.cssText).join('\\n');",
        )
        .await;
        let printed = printed.as_str().unwrap_or_default();
        assert!(printed.contains(".site-header nav"), "{printed}");
        assert!(printed.contains("attr(href)"), "{printed}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_archive_pages_pass_axe_in_english_and_arabic() {
    with_archive(|app, f, client| async move {
        let pages = [
            "/archive".to_string(),
            format!("/archive/events/{}", f.event_id),
            format!("/archive/sessions/{}", f.public),
            format!("/archive/sessions/{}", f.raw),
            "/archive/search".to_string(),
            "/archive/search?q=age".to_string(),
            "/archive/search?q=%22".to_string(),
            "/plan".to_string(),
            format!("/plan/items/{}", f.item),
        ];
        let mut problems = Vec::new();
        for lang in ["en", "ar"] {
            open(&client, &app, &format!("/lang?set={lang}&next=/archive")).await;
            wait_until(
                &client,
                "the language",
                &format!("document.documentElement.lang === '{lang}'"),
            )
            .await;
            for page in &pages {
                open(&client, &app, page).await;
                wait_until(&client, "the page", "document.readyState === 'complete'").await;
                if lang == "ar" {
                    assert_eq!(eval(&client, "return document.dir;").await, json!("rtl"));
                }
                check_axe(&client, &format!("{lang} {page}"), &mut problems).await;
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
