//! What the territory dashboards read besides the organisations' columns (which they share with
//! the matching index: [`crate::relation`]): the SDGs of declared needs, contact requests and
//! referrals with the headquarters of the organisations involved. Large pages by id, so that a
//! million records load in seconds; the same statements on both backends.

use crate::db::{Db, StoreError};
use sqlx::Row;

fn marques(depuis: usize, n: usize) -> String {
    (depuis..depuis + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(organisation id, SDG list as stored)` of the needs of organisations with ids in
/// `(apres, jusqu_a]`, by organisation.
pub async fn besoins_entre(
    db: &Db,
    apres: i64,
    jusqu_a: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT organisation_id, odd FROM ressources \
         WHERE sens = 'besoin' AND organisation_id > $1 AND organisation_id <= $2 \
         ORDER BY organisation_id, id",
    )
    .bind(apres)
    .bind(jusqu_a)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("organisation_id")?, r.try_get("odd")?)))
        .collect()
}

/// The same for a list of organisations.
pub async fn besoins_de(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let sql = format!(
            "SELECT organisation_id, odd FROM ressources WHERE sens = 'besoin' \
             AND organisation_id IN ({}) ORDER BY organisation_id, id",
            marques(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push((r.try_get("organisation_id")?, r.try_get("odd")?));
        }
    }
    out.sort_by_key(|x| x.0);
    Ok(out)
}

/// A contact request as the dashboards count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LigneDemande {
    pub id: i64,
    pub de: i64,
    pub vers: i64,
    pub etat: String,
    pub alliance: bool,
}

/// A referral as the dashboards count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LigneOrientation {
    pub id: i64,
    pub organisation: i64,
    pub etat: String,
}

fn demande(r: &sqlx::any::AnyRow) -> Result<LigneDemande, StoreError> {
    Ok(LigneDemande {
        id: r.try_get("id")?,
        de: r.try_get("de_organisation")?,
        vers: r.try_get("vers_organisation")?,
        etat: r.try_get("etat")?,
        alliance: r.try_get::<Option<i64>, _>("alliance_id")?.is_some(),
    })
}

fn orientation(r: &sqlx::any::AnyRow) -> Result<LigneOrientation, StoreError> {
    Ok(LigneOrientation {
        id: r.try_get("id")?,
        organisation: r.try_get("organisation_id")?,
        etat: r.try_get("etat")?,
    })
}

const DEMANDES: &str =
    "SELECT id, de_organisation, vers_organisation, etat, alliance_id FROM demandes_contact";
const ORIENTATIONS: &str = "SELECT id, organisation_id, etat FROM orientations";

/// Contact requests with ids above `apres`, by id, at most `limite`.
pub async fn demandes_apres(
    db: &Db,
    apres: i64,
    limite: i64,
) -> Result<Vec<LigneDemande>, StoreError> {
    let rows = sqlx::query(&format!("{DEMANDES} WHERE id > $1 ORDER BY id LIMIT $2"))
        .bind(apres)
        .bind(limite)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(demande).collect()
}

/// Contact requests by id (missing ids skipped).
pub async fn demandes_par_ids(db: &Db, ids: &[i64]) -> Result<Vec<LigneDemande>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let sql = format!("{DEMANDES} WHERE id IN ({})", marques(1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push(demande(&r)?);
        }
    }
    out.sort_by_key(|d| d.id);
    Ok(out)
}

/// Referrals with ids above `apres`, by id, at most `limite`.
pub async fn orientations_apres(
    db: &Db,
    apres: i64,
    limite: i64,
) -> Result<Vec<LigneOrientation>, StoreError> {
    let rows = sqlx::query(&format!(
        "{ORIENTATIONS} WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind(apres)
    .bind(limite)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(orientation).collect()
}

/// Referrals by id (missing ids skipped).
pub async fn orientations_par_ids(
    db: &Db,
    ids: &[i64],
) -> Result<Vec<LigneOrientation>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let sql = format!("{ORIENTATIONS} WHERE id IN ({})", marques(1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push(orientation(&r)?);
        }
    }
    out.sort_by_key(|o| o.id);
    Ok(out)
}

// ------------------------------------------------------------- the per-request alternative

const COLONNES_ORG: &str = "id, profil, commune, national, perimetre, odd_principal, \
    odd_secondaires, verifie_le, etat, fusionnee_dans, contactable";

fn ligne_org(r: &sqlx::any::AnyRow) -> Result<crate::relation::LigneRelation, StoreError> {
    Ok(crate::relation::LigneRelation {
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

/// `(id, scope)` of the organisations that declare a scope: the per-request alternative keeps
/// those whose scope reaches the territory.
pub async fn perimetres(db: &Db) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query("SELECT id, perimetre FROM organisations WHERE perimetre <> ''")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("perimetre")?)))
        .collect()
}

/// Organisations whose headquarters commune is one of `communes`, as
/// [`crate::relation::page`] reads them.
pub async fn organisations_des_communes(
    db: &Db,
    communes: &[String],
) -> Result<Vec<crate::relation::LigneRelation>, StoreError> {
    let mut out = Vec::new();
    for chunk in communes.chunks(1000) {
        let sql = format!(
            "SELECT {COLONNES_ORG} FROM organisations WHERE commune IN ({})",
            marques(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q.bind(c);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push(ligne_org(&r)?);
        }
    }
    out.sort_by_key(|l| l.id);
    Ok(out)
}

/// Contact requests whose source or target has its headquarters in one of `communes`, with
/// both headquarters communes.
pub async fn demandes_des_communes(
    db: &Db,
    communes: &[String],
) -> Result<Vec<(LigneDemande, Option<String>, Option<String>)>, StoreError> {
    let mut out = Vec::new();
    for chunk in communes.chunks(1000) {
        let liste = marques(1, chunk.len());
        let sql = format!(
            "SELECT d.id, d.de_organisation, d.vers_organisation, d.etat, d.alliance_id, \
             s.commune AS commune_de, t.commune AS commune_vers FROM demandes_contact d \
             LEFT JOIN organisations s ON s.id = d.de_organisation \
             LEFT JOIN organisations t ON t.id = d.vers_organisation \
             WHERE s.commune IN ({liste}) OR t.commune IN ({liste})"
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q.bind(c);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push((
                demande(&r)?,
                r.try_get("commune_de")?,
                r.try_get("commune_vers")?,
            ));
        }
    }
    out.sort_by_key(|x| x.0.id);
    out.dedup_by_key(|x| x.0.id);
    Ok(out)
}

/// Referrals for organisations headquartered in one of `communes`.
pub async fn orientations_des_communes(
    db: &Db,
    communes: &[String],
) -> Result<Vec<LigneOrientation>, StoreError> {
    let mut out = Vec::new();
    for chunk in communes.chunks(1000) {
        let sql = format!(
            "SELECT o.id, o.organisation_id, o.etat FROM orientations o \
             JOIN organisations g ON g.id = o.organisation_id WHERE g.commune IN ({})",
            marques(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q.bind(c);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push(orientation(&r)?);
        }
    }
    out.sort_by_key(|o| o.id);
    Ok(out)
}
