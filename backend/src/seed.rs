//! Demo data.
use crate::store::Db;
/// Loads the demo when the database holds no event.
pub async fn load_if_empty(_db: &Db) -> anyhow::Result<()> {
    Ok(())
}
