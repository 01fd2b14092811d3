//! Users, their platform roles and one-time e-mail tokens (verification, password reset, change
//! of e-mail). Token values never reach the database: only their SHA-256.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub email_verified_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("cette adresse e-mail a déjà un compte")]
    EmailTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            // PostgreSQL: 23505 unique_violation; SQLite: 2067 SQLITE_CONSTRAINT_UNIQUE, 1555 PRIMARY KEY.
            matches!(
                db.code().as_deref(),
                Some("23505") | Some("2067") | Some("1555")
            ) || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

const USER_COLUMNS: &str =
    "id, email, name, password_hash, email_verified_at, created_at, updated_at";

fn user_from(r: &sqlx::any::AnyRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        password_hash: r.try_get("password_hash")?,
        email_verified_at: r.try_get("email_verified_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Creates a user; a second account for the same (normalised) e-mail is refused, even when two
/// sign-ups race: the unique index decides.
pub async fn insert(
    conn: &mut AnyConnection,
    email: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> Result<i64, UserError> {
    let row = sqlx::query("INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id")
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(now)
        .fetch_one(conn)
        .await
        .map_err(|e| if is_unique_violation(&e) { UserError::EmailTaken } else { UserError::Store(e.into()) })?;
    Ok(row.try_get("id").map_err(StoreError::from)?)
}

pub async fn by_email(db: &Db, email: &str) -> Result<Option<UserRecord>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(user_from).transpose()?)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<UserRecord>, StoreError> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(user_from).transpose()?)
}

pub async fn set_email_verified(
    conn: &mut AnyConnection,
    id: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email_verified_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    id: i64,
    hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn roles(db: &Db, id: i64) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
        .bind(id)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| r.try_get("role").map_err(StoreError::from))
        .collect()
}

pub async fn grant_role(db: &Db, id: i64, role: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT (user_id, role) DO NOTHING")
        .bind(id)
        .bind(role)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A one-time token, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub user_id: i64,
    pub purpose: String,
    pub data: Option<String>,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn insert_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    purpose: &str,
    data: Option<&str>,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO email_tokens (token_hash, user_id, purpose, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(token_hash)
        .bind(user_id)
        .bind(purpose)
        .bind(data)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a token used, once: returns it only if it existed, had this purpose, was unused and
/// unexpired at `now`. A replayed or expired token changes nothing.
pub async fn consume_token(
    conn: &mut AnyConnection,
    token_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<TokenRecord>, StoreError> {
    let row = sqlx::query(
        "UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id, purpose, data, expires_at, used_at",
    )
    .bind(now)
    .bind(token_hash)
    .bind(purpose)
    .fetch_optional(conn)
    .await?;
    row.map(|r| -> Result<TokenRecord, sqlx::Error> {
        Ok(TokenRecord {
            user_id: r.try_get("user_id")?,
            purpose: r.try_get("purpose")?,
            data: r.try_get("data")?,
            expires_at: r.try_get("expires_at")?,
            used_at: r.try_get("used_at")?,
        })
    })
    .transpose()
    .map_err(Into::into)
}

/// Why a token was refused, for a clear message (the state is not changed).
pub async fn token_state(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> Result<Option<&'static str>, StoreError> {
    let row = sqlx::query("SELECT expires_at, used_at FROM email_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        None => Some("inconnu"),
        Some(r) => {
            let used: Option<i64> = r.try_get("used_at")?;
            let expires: i64 = r.try_get("expires_at")?;
            if used.is_some() {
                Some("déjà utilisé")
            } else if expires <= now {
                Some("expiré")
            } else {
                None
            }
        }
    })
}

/// Failed logins recorded for an e-mail address: (count, time of the last one).
pub async fn login_failures(db: &Db, email: &str) -> Result<Option<(i64, i64)>, StoreError> {
    let row = sqlx::query("SELECT failures, last_failure_at FROM login_failures WHERE email = $1")
        .bind(email)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("failures")?, r.try_get("last_failure_at")?)),
        None => None,
    })
}

pub async fn record_login_failure(db: &Db, email: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO login_failures (email, failures, last_failure_at) VALUES ($1, 1, $2) \
         ON CONFLICT (email) DO UPDATE SET failures = login_failures.failures + 1, last_failure_at = $2",
    )
    .bind(email)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn clear_login_failures(db: &Db, email: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Deletes every session of a user (after a password reset, or "log out everywhere").
pub async fn delete_sessions_of(conn: &mut AnyConnection, user_id: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn set_email(
    conn: &mut AnyConnection,
    id: i64,
    email: &str,
    now: i64,
) -> Result<(), UserError> {
    sqlx::query(
        "UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 WHERE id = $3",
    )
    .bind(email)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            UserError::EmailTaken
        } else {
            UserError::Store(e.into())
        }
    })?;
    Ok(())
}

/// Users, newest first, for the admin pages.
pub async fn list(db: &Db, limit: i64, offset: i64) -> Result<Vec<UserRecord>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY id DESC LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| user_from(r).map_err(StoreError::from))
        .collect()
}

pub async fn count(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// Every (user, role) pair: one query for a whole list of users.
pub async fn all_roles(db: &Db) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query("SELECT user_id, role FROM user_roles ORDER BY user_id, role")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("user_id")?, r.try_get("role")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Withdraws a platform role; false when the user did not have it.
pub async fn withdraw_role(
    conn: &mut AnyConnection,
    id: i64,
    role: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role = $2")
        .bind(id)
        .bind(role)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Grants a platform role inside a transaction; false when the user already had it.
pub async fn grant_role_in(
    conn: &mut AnyConnection,
    id: i64,
    role: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT (user_id, role) DO NOTHING").bind(id).bind(role).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a user; their sessions, roles, tokens and memberships go with them (cascade), and
/// sessions explicitly (they have no foreign key).
pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
