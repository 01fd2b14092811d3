//! Invitations to join an organisation, by e-mail: the token is stored as its SHA-256 only.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub token_hash: String,
    pub organisation_id: i64,
    pub email: String,
    pub role: String,
    pub invite_par: Option<i64>,
    pub cree_le: i64,
    pub expire_le: i64,
    pub acceptee_le: Option<i64>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Invitation, sqlx::Error> {
    Ok(Invitation {
        token_hash: r.try_get("token_hash")?,
        organisation_id: r.try_get("organisation_id")?,
        email: r.try_get("email")?,
        role: r.try_get("role")?,
        invite_par: r.try_get("invite_par")?,
        cree_le: r.try_get("cree_le")?,
        expire_le: r.try_get("expire_le")?,
        acceptee_le: r.try_get("acceptee_le")?,
    })
}

const COLUMNS: &str =
    "token_hash, organisation_id, email, role, invite_par, cree_le, expire_le, acceptee_le";

pub async fn insert(conn: &mut AnyConnection, i: &Invitation) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO invitations (token_hash, organisation_id, email, role, invite_par, cree_le, expire_le) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&i.token_hash)
    .bind(i.organisation_id)
    .bind(&i.email)
    .bind(&i.role)
    .bind(i.invite_par)
    .bind(i.cree_le)
    .bind(i.expire_le)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<Invitation>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = $1");
    let row = sqlx::query(&sql)
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Marks the invitation used; false when it already was (two clicks racing: one wins).
pub async fn accept(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE invitations SET acceptee_le = $1, acceptee_par = $2 WHERE token_hash = $3 AND acceptee_le IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Pending (not accepted, not expired) invitations of an organisation.
pub async fn pending(
    db: &Db,
    organisation_id: i64,
    now: i64,
) -> Result<Vec<Invitation>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM invitations WHERE organisation_id = $1 AND acceptee_le IS NULL AND expire_le > $2 ORDER BY cree_le DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(organisation_id)
        .bind(now)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(from_row)
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}

/// Withdraws a pending invitation (by its hash prefix shown to owners is not enough: full hash).
pub async fn delete(
    conn: &mut AnyConnection,
    organisation_id: i64,
    token_hash: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM invitations WHERE organisation_id = $1 AND token_hash = $2 AND acceptee_le IS NULL")
        .bind(organisation_id)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
