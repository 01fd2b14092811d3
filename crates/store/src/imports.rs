//! Import batches ("lots"): one row per file imported, with its progress, so that a killed
//! import resumes after the last committed line and a report stays available.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lot {
    pub id: i64,
    pub format: String,
    pub fichier: String,
    /// SHA-256 of the file: the same file imported again resumes or is recognised.
    pub empreinte: String,
    pub source: String,
    pub licence: String,
    pub auteur_id: Option<i64>,
    /// `en-cours`, `termine`.
    pub etat: String,
    pub lignes_lues: i64,
    pub lignes_importees: i64,
    pub lignes_rejetees: i64,
    /// Last data line whose batch was committed (resume point).
    pub derniere_ligne: i64,
    /// Rejected lines, one per line of text (`ligne N, champ : raison`), bounded.
    pub rapport: String,
    pub demarre_le: i64,
    pub termine_le: Option<i64>,
}

const COLUMNS: &str =
    "id, format, fichier, empreinte, source, licence, auteur_id, etat, lignes_lues, \
    lignes_importees, lignes_rejetees, derniere_ligne, rapport, demarre_le, termine_le";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Lot, sqlx::Error> {
    Ok(Lot {
        id: r.try_get("id")?,
        format: r.try_get("format")?,
        fichier: r.try_get("fichier")?,
        empreinte: r.try_get("empreinte")?,
        source: r.try_get("source")?,
        licence: r.try_get("licence")?,
        auteur_id: r.try_get("auteur_id")?,
        etat: r.try_get("etat")?,
        lignes_lues: r.try_get("lignes_lues")?,
        lignes_importees: r.try_get("lignes_importees")?,
        lignes_rejetees: r.try_get("lignes_rejetees")?,
        derniere_ligne: r.try_get("derniere_ligne")?,
        rapport: r.try_get("rapport")?,
        demarre_le: r.try_get("demarre_le")?,
        termine_le: r.try_get("termine_le")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn start(
    db: &Db,
    format: &str,
    fichier: &str,
    empreinte: &str,
    source: &str,
    licence: &str,
    auteur_id: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO import_lots (format, fichier, empreinte, source, licence, auteur_id, etat, demarre_le) \
         VALUES ($1, $2, $3, $4, $5, $6, 'en-cours', $7) RETURNING id",
    )
    .bind(format)
    .bind(fichier)
    .bind(empreinte)
    .bind(source)
    .bind(licence)
    .bind(auteur_id)
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("id")?)
}

/// The unfinished batch of the same file in the same format, if an import was interrupted.
pub async fn unfinished(db: &Db, format: &str, empreinte: &str) -> Result<Option<Lot>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM import_lots WHERE format = $1 AND empreinte = $2 AND etat = 'en-cours' ORDER BY id DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(format)
        .bind(empreinte)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Records progress, inside the transaction of the batch it describes (so the resume point and
/// the rows it covers commit together).
pub async fn progress(
    conn: &mut AnyConnection,
    id: i64,
    lignes_lues: i64,
    importees: i64,
    rejetees: i64,
    derniere_ligne: i64,
    rapport_ajout: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE import_lots SET lignes_lues = $1, lignes_importees = $2, lignes_rejetees = $3, derniere_ligne = $4, \
         rapport = rapport || $5 WHERE id = $6",
    )
    .bind(lignes_lues)
    .bind(importees)
    .bind(rejetees)
    .bind(derniere_ligne)
    .bind(rapport_ajout)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn finish(db: &Db, id: i64, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE import_lots SET etat = 'termine', termine_le = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Lot>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM import_lots WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn recent(db: &Db, limit: i64) -> Result<Vec<Lot>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM import_lots ORDER BY id DESC LIMIT $1");
    let rows = sqlx::query(&sql).bind(limit).fetch_all(db.pool()).await?;
    rows.iter()
        .map(from_row)
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}
