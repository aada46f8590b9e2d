//! `sqlx::migrate!` embeds the migrations at compile time, and cargo does not know it reads
//! them: without this, a migration added to `migrations/` is left out of an incremental build.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
