//! Plenary's integration tests: the real server on a fresh SQLite or PostgreSQL database per
//! test, driven over HTTP; the real binary for start-up, CLI and shutdown; a real browser.
//!
//! One test binary (it links once). `helpers` holds the harness and the `both!` macro that runs
//! each test on both databases. Run: `cargo test --workspace`, with
//! `PLENARY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` for the PostgreSQL
//! variants and `TEST_LOG=1` to see the server's logs.
#![forbid(unsafe_code)]

#[macro_use]
mod helpers;

mod access;
mod archive_browser;
mod archive_staff_browser;
mod binary;
mod browser;
mod conflicts;
mod durability;
mod exports;
mod feeds;
mod health;
mod limits;
mod live;
mod live_browser;
mod live_client;
mod live_durability;
mod live_fanout;
mod live_props;
mod logs;
mod minutes;
mod openapi_fuzz;
mod pages_browser;
mod plan;
mod privacy;
mod programme;
mod records;
mod retention;
mod reuse_port;
mod safeguarding;
mod schema;
mod search;
mod transcripts;
