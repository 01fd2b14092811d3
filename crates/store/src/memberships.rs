//! Who belongs to which organisation, as owner (`proprietaire`) or editor (`editeur`). The
//! organisations themselves arrive with the annuaire; this is the part accounts need.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

pub async fn add(
    conn: &mut AnyConnection,
    user_id: i64,
    organisation_id: i64,
    role: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = $3",
    )
    .bind(user_id)
    .bind(organisation_id)
    .bind(role)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// (organisation, role) pairs of a user.
pub async fn of_user(db: &Db, user_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT organisation_id, role FROM memberships WHERE user_id = $1 ORDER BY organisation_id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("organisation_id")?, r.try_get("role")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Organisations where this user is the only owner (they would be left without one).
pub async fn sole_ownerships(db: &Db, user_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.organisation_id AS organisation_id FROM memberships m WHERE m.user_id = $1 AND m.role = 'proprietaire' \
         AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.organisation_id = m.organisation_id AND o.role = 'proprietaire' AND o.user_id <> $1) \
         ORDER BY m.organisation_id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| r.try_get("organisation_id").map_err(StoreError::from))
        .collect()
}
