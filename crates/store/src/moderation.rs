//! What moderators review: likely duplicates, claims of imported organisations, reported content.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Doublon {
    pub id: i64,
    pub organisation_a: i64,
    pub organisation_b: i64,
    pub raison: String,
    pub score: f64,
    /// `a-examiner`, `fusionnes`, `distincts`.
    pub etat: String,
    pub cree_le: i64,
}

/// Queues a pair for review (the smaller id first; a pair already queued stays as it is).
pub async fn add_doublon(
    conn: &mut AnyConnection,
    a: i64,
    b: i64,
    raison: &str,
    score: f64,
    now: i64,
) -> Result<(), StoreError> {
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    sqlx::query(
        "INSERT INTO doublons (organisation_a, organisation_b, raison, score, etat, cree_le) VALUES ($1, $2, $3, $4, 'a-examiner', $5) \
         ON CONFLICT (organisation_a, organisation_b) DO NOTHING",
    )
    .bind(a)
    .bind(b)
    .bind(raison)
    .bind(score)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn doublons_a_examiner(db: &Db, limit: i64) -> Result<Vec<Doublon>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, organisation_a, organisation_b, raison, score, etat, cree_le FROM doublons WHERE etat = 'a-examiner' ORDER BY score DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Doublon {
                id: r.try_get("id")?,
                organisation_a: r.try_get("organisation_a")?,
                organisation_b: r.try_get("organisation_b")?,
                raison: r.try_get("raison")?,
                score: r.try_get("score")?,
                etat: r.try_get("etat")?,
                cree_le: r.try_get("cree_le")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn get_doublon(conn: &mut AnyConnection, id: i64) -> Result<Option<Doublon>, StoreError> {
    let row = sqlx::query(
        "SELECT id, organisation_a, organisation_b, raison, score, etat, cree_le FROM doublons WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Doublon {
            id: r.try_get("id")?,
            organisation_a: r.try_get("organisation_a")?,
            organisation_b: r.try_get("organisation_b")?,
            raison: r.try_get("raison")?,
            score: r.try_get("score")?,
            etat: r.try_get("etat")?,
            cree_le: r.try_get("cree_le")?,
        })
    })
    .transpose()
    .map_err(|e: sqlx::Error| e.into())
}

/// Closes a review (`fusionnes` or `distincts`); false when it was already closed.
pub async fn close_doublon(
    conn: &mut AnyConnection,
    id: i64,
    etat: &str,
    by: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE doublons SET etat = $1, traite_le = $2, traite_par = $3 WHERE id = $4 AND etat = 'a-examiner'",
    )
    .bind(etat)
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revendication {
    pub id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub message: String,
    /// `en-attente`, `acceptee`, `refusee`.
    pub etat: String,
    pub cree_le: i64,
}

fn revendication_from(r: &sqlx::any::AnyRow) -> Result<Revendication, sqlx::Error> {
    Ok(Revendication {
        id: r.try_get("id")?,
        organisation_id: r.try_get("organisation_id")?,
        user_id: r.try_get("user_id")?,
        message: r.try_get("message")?,
        etat: r.try_get("etat")?,
        cree_le: r.try_get("cree_le")?,
    })
}

pub async fn add_revendication(
    conn: &mut AnyConnection,
    organisation_id: i64,
    user_id: i64,
    message: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO revendications (organisation_id, user_id, message, etat, cree_le) VALUES ($1, $2, $3, 'en-attente', $4) RETURNING id",
    )
    .bind(organisation_id)
    .bind(user_id)
    .bind(message)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn pending_revendication(
    conn: &mut AnyConnection,
    organisation_id: i64,
    user_id: i64,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM revendications WHERE organisation_id = $1 AND user_id = $2 AND etat = 'en-attente'",
    )
    .bind(organisation_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

pub async fn revendications_en_attente(
    db: &Db,
    limit: i64,
) -> Result<Vec<Revendication>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, organisation_id, user_id, message, etat, cree_le FROM revendications WHERE etat = 'en-attente' ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(revendication_from)
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}

pub async fn get_revendication(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<Revendication>, StoreError> {
    let row = sqlx::query(
        "SELECT id, organisation_id, user_id, message, etat, cree_le FROM revendications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(revendication_from).transpose()?)
}

pub async fn close_revendication(
    conn: &mut AnyConnection,
    id: i64,
    etat: &str,
    by: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE revendications SET etat = $1, traite_le = $2, traite_par = $3 WHERE id = $4 AND etat = 'en-attente'",
    )
    .bind(etat)
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signalement {
    pub id: i64,
    pub entity: String,
    pub entity_id: String,
    pub motif: String,
    pub message: String,
    pub auteur_id: Option<i64>,
    /// `a-traiter`, `traite`, `rejete`.
    pub etat: String,
    pub cree_le: i64,
}

fn signalement_from(r: &sqlx::any::AnyRow) -> Result<Signalement, sqlx::Error> {
    Ok(Signalement {
        id: r.try_get("id")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        motif: r.try_get("motif")?,
        message: r.try_get("message")?,
        auteur_id: r.try_get("auteur_id")?,
        etat: r.try_get("etat")?,
        cree_le: r.try_get("cree_le")?,
    })
}

pub async fn add_signalement(
    conn: &mut AnyConnection,
    entity: &str,
    entity_id: &str,
    motif: &str,
    message: &str,
    auteur_id: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO signalements (entity, entity_id, motif, message, auteur_id, etat, cree_le) VALUES ($1, $2, $3, $4, $5, 'a-traiter', $6) RETURNING id",
    )
    .bind(entity)
    .bind(entity_id)
    .bind(motif)
    .bind(message)
    .bind(auteur_id)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn signalements_a_traiter(db: &Db, limit: i64) -> Result<Vec<Signalement>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, entity, entity_id, motif, message, auteur_id, etat, cree_le FROM signalements WHERE etat = 'a-traiter' ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(signalement_from)
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}

pub async fn close_signalement(
    conn: &mut AnyConnection,
    id: i64,
    etat: &str,
    by: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE signalements SET etat = $1, traite_le = $2, traite_par = $3 WHERE id = $4 AND etat = 'a-traiter'",
    )
    .bind(etat)
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
