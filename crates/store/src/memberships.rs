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

/// The role of a user in an organisation, if any.
pub async fn role_of(
    conn: &mut AnyConnection,
    user_id: i64,
    organisation_id: i64,
) -> Result<Option<String>, StoreError> {
    let row =
        sqlx::query("SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2")
            .bind(user_id)
            .bind(organisation_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|r| r.try_get("role")).transpose()?)
}

/// Members of an organisation: (user id, e-mail, name, role), owners first.
pub async fn members_of(
    db: &Db,
    organisation_id: i64,
) -> Result<Vec<(i64, String, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.user_id AS user_id, u.email AS email, u.name AS name, m.role AS role FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.organisation_id = $1 ORDER BY m.role DESC, u.email",
    )
    .bind(organisation_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("user_id")?,
                r.try_get("email")?,
                r.try_get("name")?,
                r.try_get("role")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Owners of an organisation (user id, e-mail), for reminders.
pub async fn owners_of(
    conn: &mut AnyConnection,
    organisation_id: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.user_id AS user_id, u.email AS email FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.organisation_id = $1 AND m.role = 'proprietaire' ORDER BY m.user_id",
    )
    .bind(organisation_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("user_id")?, r.try_get("email")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn remove(
    conn: &mut AnyConnection,
    user_id: i64,
    organisation_id: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2")
        .bind(user_id)
        .bind(organisation_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
