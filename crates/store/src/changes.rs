//! The change feed: every write that affects a derived index appends a row here in the same
//! transaction; each instance tails it by sequence number to refresh its indexes.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub operation: String,
    pub at: i64,
}

/// Appends a change, inside the caller's transaction.
pub async fn append(
    conn: &mut AnyConnection,
    entity: &str,
    entity_id: &str,
    operation: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO changes (entity, entity_id, operation, at) VALUES ($1, $2, $3, $4)")
        .bind(entity)
        .bind(entity_id)
        .bind(operation)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Changes after `after`, in order, at most `limit`.
pub async fn since(db: &Db, after: i64, limit: i64) -> Result<Vec<Change>, StoreError> {
    let rows = sqlx::query("SELECT seq, entity, entity_id, operation, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                seq: r.try_get("seq")?,
                entity: r.try_get("entity")?,
                entity_id: r.try_get("entity_id")?,
                operation: r.try_get("operation")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The latest sequence number (0 when the feed is empty).
pub async fn last_seq(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM changes")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("last")?)
}
