//! Sessions live in the database, so that any instance can serve any request. Times are epoch
//! seconds given by the caller.

use crate::db::{Db, StoreError};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// The session id as stored (the application stores a hash of the cookie value).
    pub id: String,
    pub user_id: Option<i64>,
    pub csrf_token: String,
    /// Small JSON document (flash messages, language…).
    pub data: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn insert(db: &Db, s: &SessionRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, csrf_token, data, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&s.id)
    .bind(s.user_id)
    .bind(&s.csrf_token)
    .bind(&s.data)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The session if it exists and has not expired at `now`.
pub async fn get(db: &Db, id: &str, now: i64) -> Result<Option<SessionRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT id, user_id, csrf_token, data, created_at, last_seen_at, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| -> Result<SessionRecord, sqlx::Error> {
        Ok(SessionRecord {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            csrf_token: r.try_get("csrf_token")?,
            data: r.try_get("data")?,
            created_at: r.try_get("created_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
    .map_err(Into::into)
}

/// Records activity and moves the expiry; returns false when the session no longer exists.
pub async fn touch(db: &Db, id: &str, now: i64, expires_at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
        .bind(now)
        .bind(expires_at)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(db: &Db, id: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}

/// The user fields a request needs, read with the session in one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub verified: bool,
    pub roles: Vec<String>,
}

/// The live session with its user and roles, in one query (one row per role): this runs on
/// every page request that carries a session cookie.
pub async fn get_with_user(
    db: &Db,
    id: &str,
    now: i64,
) -> Result<Option<(SessionRecord, Option<SessionUser>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id AS id, s.user_id AS user_id, s.csrf_token AS csrf_token, s.data AS data, s.created_at AS created_at, \
                s.last_seen_at AS last_seen_at, s.expires_at AS expires_at, \
                u.email AS email, u.name AS name, u.email_verified_at AS email_verified_at, r.role AS role \
         FROM sessions s LEFT JOIN users u ON u.id = s.user_id LEFT JOIN user_roles r ON r.user_id = u.id \
         WHERE s.id = $1 AND s.expires_at > $2 ORDER BY r.role",
    )
    .bind(id)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let session = SessionRecord {
        id: first.try_get("id")?,
        user_id: first.try_get("user_id")?,
        csrf_token: first.try_get("csrf_token")?,
        data: first.try_get("data")?,
        created_at: first.try_get("created_at")?,
        last_seen_at: first.try_get("last_seen_at")?,
        expires_at: first.try_get("expires_at")?,
    };
    let email: Option<String> = first.try_get("email")?;
    let user = match (session.user_id, email) {
        (Some(uid), Some(email)) => {
            let roles = rows
                .iter()
                .map(|r| r.try_get::<Option<String>, _>("role"))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect();
            Some(SessionUser {
                id: uid,
                email,
                name: first.try_get("name")?,
                verified: first
                    .try_get::<Option<i64>, _>("email_verified_at")?
                    .is_some(),
                roles,
            })
        }
        _ => None,
    };
    Ok(Some((session, user)))
}
