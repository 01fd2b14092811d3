//! Roles held on a territory (today: `catalyseur`), granted by moderators.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerritorialRole {
    pub user_id: i64,
    pub niveau: String,
    pub code: String,
    pub role: String,
    pub granted_by: Option<i64>,
    pub granted_at: i64,
}

/// Grants; false when the user already held that role on that territory.
pub async fn grant(conn: &mut AnyConnection, r: &TerritorialRole) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO territorial_roles (user_id, niveau, code, role, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (user_id, niveau, code, role) DO NOTHING",
    )
    .bind(r.user_id)
    .bind(&r.niveau)
    .bind(&r.code)
    .bind(&r.role)
    .bind(r.granted_by)
    .bind(r.granted_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn withdraw(
    conn: &mut AnyConnection,
    user_id: i64,
    niveau: &str,
    code: &str,
    role: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM territorial_roles WHERE user_id = $1 AND niveau = $2 AND code = $3 AND role = $4")
        .bind(user_id)
        .bind(niveau)
        .bind(code)
        .bind(role)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<TerritorialRole, sqlx::Error> {
    Ok(TerritorialRole {
        user_id: r.try_get("user_id")?,
        niveau: r.try_get("niveau")?,
        code: r.try_get("code")?,
        role: r.try_get("role")?,
        granted_by: r.try_get("granted_by")?,
        granted_at: r.try_get("granted_at")?,
    })
}

pub async fn of_user(db: &Db, user_id: i64) -> Result<Vec<TerritorialRole>, StoreError> {
    let rows = sqlx::query("SELECT user_id, niveau, code, role, granted_by, granted_at FROM territorial_roles WHERE user_id = $1 ORDER BY niveau, code")
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| from_row(r).map_err(StoreError::from))
        .collect()
}

/// Every territorial role with the holder's e-mail (one query), newest first.
pub async fn all_with_email(
    db: &Db,
    limit: i64,
) -> Result<Vec<(TerritorialRole, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.user_id AS user_id, t.niveau AS niveau, t.code AS code, t.role AS role, t.granted_by AS granted_by, t.granted_at AS granted_at, u.email AS email \
         FROM territorial_roles t JOIN users u ON u.id = t.user_id ORDER BY t.granted_at DESC, t.user_id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((from_row(r)?, r.try_get("email")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
