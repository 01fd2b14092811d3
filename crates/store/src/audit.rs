//! The audit log: who did what to which record, when, with the state before and after.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub organisation_id: Option<i64>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// What to record; written in the transaction of the change itself.
pub struct NewEntry<'a> {
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub organisation_id: Option<i64>,
    pub before_json: Option<&'a str>,
    pub after_json: Option<&'a str>,
}

pub async fn record(
    conn: &mut AnyConnection,
    e: &NewEntry<'_>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, action, entity, entity_id, organisation_id, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now)
    .bind(e.actor_user_id)
    .bind(e.action)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(e.organisation_id)
    .bind(e.before_json)
    .bind(e.after_json)
    .execute(conn)
    .await?;
    Ok(())
}

const COLUMNS: &str =
    "id, at, actor_user_id, action, entity, entity_id, organisation_id, before_json, after_json";

fn from_row(r: &sqlx::any::AnyRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_user_id: r.try_get("actor_user_id")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        organisation_id: r.try_get("organisation_id")?,
        before_json: r.try_get("before_json")?,
        after_json: r.try_get("after_json")?,
    })
}

/// The newest entries, before the id `before` when given (cursor paging).
pub async fn latest(
    db: &Db,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| from_row(r).map_err(StoreError::from))
        .collect()
}

/// Entries done by a user or about them (their personal-data export).
pub async fn about_user(db: &Db, user_id: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log WHERE actor_user_id = $1 OR (entity = 'utilisateur' AND entity_id = $2) ORDER BY id"))
        .bind(user_id)
        .bind(user_id.to_string())
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| from_row(r).map_err(StoreError::from))
        .collect()
}

/// Entries of one organisation (what its owners may read).
pub async fn of_organisation(
    db: &Db,
    organisation_id: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE organisation_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(organisation_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| from_row(r).map_err(StoreError::from))
        .collect()
}
