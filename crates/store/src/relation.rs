//! What the matching index of « mise en relation » reads: the few columns of every organisation
//! the score needs, their offers' and needs' kinds, and the latest ODD 17 kit score of each
//! organisation — read in large pages by id so that a million records load in seconds.

use crate::db::{Db, StoreError};
use sqlx::Row;

/// The columns of an organisation that matching reads (text as stored: see `organisations`).
#[derive(Debug, Clone, PartialEq)]
pub struct LigneRelation {
    pub id: i64,
    pub profil: String,
    pub commune: Option<String>,
    pub national: bool,
    /// Space-separated `niveau:code`.
    pub perimetre: String,
    pub odd_principal: Option<i64>,
    /// Comma-separated SDG numbers.
    pub odd_secondaires: String,
    pub verifie_le: i64,
    pub etat: String,
    pub fusionnee_dans: Option<i64>,
    pub contactable: bool,
}

const COLONNES: &str = "id, profil, commune, national, perimetre, odd_principal, odd_secondaires, \
    verifie_le, etat, fusionnee_dans, contactable";

fn ligne(r: &sqlx::any::AnyRow) -> Result<LigneRelation, StoreError> {
    Ok(LigneRelation {
        id: r.try_get("id")?,
        profil: r.try_get("profil")?,
        commune: r.try_get("commune")?,
        national: r.try_get::<i64, _>("national")? != 0,
        perimetre: r.try_get("perimetre")?,
        odd_principal: r.try_get("odd_principal")?,
        odd_secondaires: r.try_get("odd_secondaires")?,
        verifie_le: r.try_get("verifie_le")?,
        etat: r.try_get("etat")?,
        fusionnee_dans: r.try_get("fusionnee_dans")?,
        contactable: r.try_get::<i64, _>("contactable")? != 0,
    })
}

/// Organisations with ids in `(apres, jusqu_a]`, by id, at most `limite`.
pub async fn page(
    db: &Db,
    apres: i64,
    jusqu_a: i64,
    limite: i64,
) -> Result<Vec<LigneRelation>, StoreError> {
    let sql = format!(
        "SELECT {COLONNES} FROM organisations WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(apres)
        .bind(jusqu_a)
        .bind(limite)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(ligne).collect()
}

fn marques(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Organisations by id (missing ids skipped), by id.
pub async fn par_ids(db: &Db, ids: &[i64]) -> Result<Vec<LigneRelation>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(200) {
        let sql = format!(
            "SELECT {COLONNES} FROM organisations WHERE id IN ({}) ORDER BY id",
            marques(chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push(ligne(&r)?);
        }
    }
    out.sort_by_key(|l| l.id);
    Ok(out)
}

/// `(organisation id, sens, nature)` of the offers and needs of organisations with ids in
/// `(apres, jusqu_a]`, by organisation.
pub async fn natures_entre(
    db: &Db,
    apres: i64,
    jusqu_a: i64,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT organisation_id, sens, nature FROM ressources \
         WHERE organisation_id > $1 AND organisation_id <= $2 ORDER BY organisation_id",
    )
    .bind(apres)
    .bind(jusqu_a)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("organisation_id")?,
                r.try_get("sens")?,
                r.try_get("nature")?,
            ))
        })
        .collect()
}

/// The same for a list of organisations.
pub async fn natures_de(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let sql = format!(
            "SELECT organisation_id, sens, nature FROM ressources WHERE organisation_id IN ({}) \
             ORDER BY organisation_id",
            marques(chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push((
                r.try_get("organisation_id")?,
                r.try_get("sens")?,
                r.try_get("nature")?,
            ));
        }
    }
    out.sort_by_key(|x| x.0);
    Ok(out)
}

/// The global score of the latest completed result of kit `kit_id` taken on behalf of each
/// organisation (`None`: every organisation; else these ones): `(organisation id, score)`.
pub async fn maturites(
    db: &Db,
    kit_id: &str,
    ids: Option<&[i64]>,
) -> Result<Vec<(i64, f64)>, StoreError> {
    let base = "SELECT sujet_code, score_global FROM kit_passations WHERE kit_id = $1 \
        AND sujet_type = 'organisation' AND terminee_at IS NOT NULL AND score_global IS NOT NULL";
    let rows = match ids {
        None => {
            sqlx::query(&format!(
                "{base} ORDER BY sujet_code, terminee_at DESC, id DESC"
            ))
            .bind(kit_id)
            .fetch_all(db.pool())
            .await?
        }
        Some(ids) => {
            let mut rows = Vec::new();
            for chunk in ids.chunks(200) {
                let sql = format!(
                    "{base} AND sujet_code IN ({}) ORDER BY sujet_code, terminee_at DESC, id DESC",
                    (2..2 + chunk.len())
                        .map(|i| format!("${i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let mut q = sqlx::query(&sql).bind(kit_id);
                for id in chunk {
                    q = q.bind(id.to_string());
                }
                rows.extend(q.fetch_all(db.pool()).await?);
            }
            rows
        }
    };
    let mut out: Vec<(i64, f64)> = Vec::new();
    let mut dernier: Option<String> = None;
    for r in &rows {
        let code: String = r.try_get("sujet_code")?;
        if dernier.as_deref() == Some(code.as_str()) {
            continue; // an older result of the same organisation
        }
        if let Ok(id) = code.parse::<i64>() {
            out.push((id, r.try_get("score_global")?));
        }
        dernier = Some(code);
    }
    Ok(out)
}
