//! API tokens: stored as SHA-256, with a short visible prefix, scopes, last use and revocation.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    /// Space-separated: `read`, `read write`.
    pub scopes: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, name, prefix, scopes, created_at, last_used_at, revoked_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<TokenRecord, sqlx::Error> {
    Ok(TokenRecord {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        scopes: r.try_get("scopes")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut AnyConnection,
    user_id: i64,
    name: &str,
    token_hash: &str,
    prefix: &str,
    scopes: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(prefix)
        .bind(scopes)
        .bind(now)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// The user's tokens, newest first (revoked ones included, marked).
pub async fn of_user(db: &Db, user_id: i64) -> Result<Vec<TokenRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| from_row(r).map_err(StoreError::from))
        .collect()
}

/// A live (unrevoked) token by its hash.
pub async fn live_by_hash(db: &Db, token_hash: &str) -> Result<Option<TokenRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn touch(db: &Db, id: i64, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Revokes a token of this user; false when there is no such live token *of this user* (another
/// user's token id changes nothing).
pub async fn revoke(
    conn: &mut AnyConnection,
    id: i64,
    user_id: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
