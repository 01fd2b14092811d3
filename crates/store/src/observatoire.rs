//! The observatory's studies, waves, respondents (microdata) and invitations. Waves keep their
//! questionnaire, margins and quotas as text (TOML, JSON), their diagnostics and published
//! results as JSON: they are read and checked by the layers above, written here as they are.

use sqlx::{AnyConnection, Row};

use crate::db::{Db, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct Etude {
    pub id: i64,
    pub titre: String,
    pub population: String,
    pub description: String,
    pub producteur: String,
    pub demo: bool,
    pub cree_le: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vague {
    pub id: i64,
    pub etude_id: i64,
    pub numero: i64,
    pub libelle: String,
    pub debut: String,
    pub fin: String,
    pub mode: String,
    pub plan: String,
    pub questionnaire: String,
    pub domaines: String,
    pub seuil: i64,
    pub marges: Option<String>,
    pub quotas: Option<String>,
    pub methode: Option<String>,
    pub bornes: Option<(f64, f64)>,
    pub rognage: Option<(f64, f64)>,
    pub diagnostics: Option<String>,
    pub calee_le: Option<i64>,
    pub collecte_ouverte: bool,
    pub resultats: Option<String>,
    pub publiee_le: Option<i64>,
    pub version: i64,
    pub modifie_le: i64,
}

/// The definition of a wave (what the analyst's form sets).
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionVague<'a> {
    pub libelle: &'a str,
    pub debut: &'a str,
    pub fin: &'a str,
    pub mode: &'a str,
    pub plan: &'a str,
    pub questionnaire: &'a str,
    pub domaines: &'a str,
    pub seuil: i64,
}

/// The calibration settings of a wave.
#[derive(Debug, Clone, PartialEq)]
pub struct ReglagesCalage<'a> {
    pub marges: Option<&'a str>,
    pub quotas: Option<&'a str>,
    pub methode: Option<&'a str>,
    pub bornes: Option<(f64, f64)>,
    pub rognage: Option<(f64, f64)>,
}

/// One respondent as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Repondant {
    pub id: i64,
    pub ident: String,
    pub source: String,
    pub poids_initial: f64,
    pub poids: Option<f64>,
    /// JSON object, question id → answer.
    pub reponses: String,
}

fn paire(r: &sqlx::any::AnyRow, a: &str, b: &str) -> Result<Option<(f64, f64)>, StoreError> {
    let x: Option<f64> = r.try_get(a)?;
    let y: Option<f64> = r.try_get(b)?;
    Ok(x.zip(y))
}

/// A new study.
#[derive(Debug, Clone, PartialEq)]
pub struct NouvelleEtude<'a> {
    pub titre: &'a str,
    pub population: &'a str,
    pub description: &'a str,
    pub producteur: &'a str,
    pub demo: bool,
    pub cree_par: Option<i64>,
}

pub async fn insert_etude(
    conn: &mut AnyConnection,
    e: &NouvelleEtude<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let NouvelleEtude {
        titre,
        population,
        description,
        producteur,
        demo,
        cree_par,
    } = *e;
    let row = sqlx::query(
        "INSERT INTO obs_etudes (titre, population, description, producteur, demo, cree_par, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(titre)
    .bind(population)
    .bind(description)
    .bind(producteur)
    .bind(i64::from(demo))
    .bind(cree_par)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_etude(
    conn: &mut AnyConnection,
    id: i64,
    titre: &str,
    population: &str,
    description: &str,
    producteur: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE obs_etudes SET titre = $2, population = $3, description = $4, producteur = $5, modifie_le = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(titre)
    .bind(population)
    .bind(description)
    .bind(producteur)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

fn lire_etude(r: &sqlx::any::AnyRow) -> Result<Etude, StoreError> {
    Ok(Etude {
        id: r.try_get("id")?,
        titre: r.try_get("titre")?,
        population: r.try_get("population")?,
        description: r.try_get("description")?,
        producteur: r.try_get("producteur")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        cree_le: r.try_get("cree_le")?,
    })
}

const COLONNES_ETUDE: &str = "id, titre, population, description, producteur, demo, cree_le";

pub async fn etude(db: &Db, id: i64) -> Result<Option<Etude>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLONNES_ETUDE} FROM obs_etudes WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(lire_etude).transpose()
}

/// Every study, newest first.
pub async fn etudes(db: &Db) -> Result<Vec<Etude>, StoreError> {
    sqlx::query(&format!(
        "SELECT {COLONNES_ETUDE} FROM obs_etudes ORDER BY id DESC"
    ))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(lire_etude)
    .collect()
}

pub async fn count_demo(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM obs_etudes WHERE demo = 1")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

const COLONNES_VAGUE: &str = "id, etude_id, numero, libelle, debut, fin, mode, plan, questionnaire, domaines, seuil, \
    marges, quotas, methode, borne_bas, borne_haut, rognage_bas, rognage_haut, diagnostics, calee_le, \
    collecte_ouverte, resultats, publiee_le, version, modifie_le";

fn lire_vague(r: &sqlx::any::AnyRow) -> Result<Vague, StoreError> {
    Ok(Vague {
        id: r.try_get("id")?,
        etude_id: r.try_get("etude_id")?,
        numero: r.try_get("numero")?,
        libelle: r.try_get("libelle")?,
        debut: r.try_get("debut")?,
        fin: r.try_get("fin")?,
        mode: r.try_get("mode")?,
        plan: r.try_get("plan")?,
        questionnaire: r.try_get("questionnaire")?,
        domaines: r.try_get("domaines")?,
        seuil: r.try_get("seuil")?,
        marges: r.try_get("marges")?,
        quotas: r.try_get("quotas")?,
        methode: r.try_get("methode")?,
        bornes: paire(r, "borne_bas", "borne_haut")?,
        rognage: paire(r, "rognage_bas", "rognage_haut")?,
        diagnostics: r.try_get("diagnostics")?,
        calee_le: r.try_get("calee_le")?,
        collecte_ouverte: r.try_get::<i64, _>("collecte_ouverte")? != 0,
        resultats: r.try_get("resultats")?,
        publiee_le: r.try_get("publiee_le")?,
        version: r.try_get("version")?,
        modifie_le: r.try_get("modifie_le")?,
    })
}

/// Adds a wave to a study, numbered after its last one; returns (id, number).
pub async fn insert_vague(
    conn: &mut AnyConnection,
    etude_id: i64,
    d: &DefinitionVague<'_>,
    now: i64,
) -> Result<(i64, i64), StoreError> {
    let row =
        sqlx::query("SELECT COALESCE(MAX(numero), 0) + 1 AS n FROM obs_vagues WHERE etude_id = $1")
            .bind(etude_id)
            .fetch_one(&mut *conn)
            .await?;
    let numero: i64 = row.try_get("n")?;
    let row = sqlx::query(
        "INSERT INTO obs_vagues (etude_id, numero, libelle, debut, fin, mode, plan, questionnaire, domaines, seuil, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(etude_id)
    .bind(numero)
    .bind(d.libelle)
    .bind(d.debut)
    .bind(d.fin)
    .bind(d.mode)
    .bind(d.plan)
    .bind(d.questionnaire)
    .bind(d.domaines)
    .bind(d.seuil)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("id")?, numero))
}

/// Changes a wave's definition if its version is still `version`; false otherwise.
pub async fn update_vague(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    d: &DefinitionVague<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE obs_vagues SET libelle = $3, debut = $4, fin = $5, mode = $6, plan = $7, questionnaire = $8, \
         domaines = $9, seuil = $10, modifie_le = $11, version = version + 1 WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .bind(d.libelle)
    .bind(d.debut)
    .bind(d.fin)
    .bind(d.mode)
    .bind(d.plan)
    .bind(d.questionnaire)
    .bind(d.domaines)
    .bind(d.seuil)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets the calibration settings; the previous calibration's weights and diagnostics no
/// longer apply and are cleared.
pub async fn set_reglages(
    conn: &mut AnyConnection,
    id: i64,
    r: &ReglagesCalage<'_>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE obs_vagues SET marges = $2, quotas = $3, methode = $4, borne_bas = $5, borne_haut = $6, \
         rognage_bas = $7, rognage_haut = $8, diagnostics = NULL, calee_le = NULL, modifie_le = $9, version = version + 1 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(r.marges)
    .bind(r.quotas)
    .bind(r.methode)
    .bind(r.bornes.map(|b| b.0))
    .bind(r.bornes.map(|b| b.1))
    .bind(r.rognage.map(|b| b.0))
    .bind(r.rognage.map(|b| b.1))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    effacer_poids(conn, id).await
}

async fn effacer_poids(conn: &mut AnyConnection, vague_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE obs_repondants SET poids = NULL WHERE vague_id = $1")
        .bind(vague_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE obs_vagues SET diagnostics = NULL, calee_le = NULL WHERE id = $1")
        .bind(vague_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a calibration: the weight of each respondent (by row id) and the diagnostics.
pub async fn set_calage(
    conn: &mut AnyConnection,
    vague_id: i64,
    poids: &[(i64, f64)],
    diagnostics: &str,
    now: i64,
) -> Result<(), StoreError> {
    const PAR_REQUETE: usize = 200;
    for lot in poids.chunks(PAR_REQUETE) {
        let valeurs: Vec<String> = (0..lot.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "WITH v (rid, p) AS (VALUES {}) UPDATE obs_repondants SET poids = (SELECT p FROM v WHERE v.rid = obs_repondants.id) \
             WHERE id IN (SELECT rid FROM v)",
            valeurs.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (id, p) in lot {
            q = q.bind(*id).bind(*p);
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query(
        "UPDATE obs_vagues SET diagnostics = $2, calee_le = $3, modifie_le = $3 WHERE id = $1",
    )
    .bind(vague_id)
    .bind(diagnostics)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Publishes (`Some(results)`) or withdraws (`None`) a wave's results.
pub async fn set_publication(
    conn: &mut AnyConnection,
    id: i64,
    resultats: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE obs_vagues SET resultats = $2, publiee_le = $3, modifie_le = $4, version = version + 1 WHERE id = $1",
    )
    .bind(id)
    .bind(resultats)
    .bind(resultats.map(|_| now))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_collecte(
    conn: &mut AnyConnection,
    id: i64,
    ouverte: bool,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE obs_vagues SET collecte_ouverte = $2, modifie_le = $3 WHERE id = $1")
        .bind(id)
        .bind(i64::from(ouverte))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn vague_par_id(conn: &mut AnyConnection, id: i64) -> Result<Option<Vague>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLONNES_VAGUE} FROM obs_vagues WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(lire_vague).transpose()
}

pub async fn vague_numero(
    db: &Db,
    etude_id: i64,
    numero: i64,
) -> Result<Option<Vague>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLONNES_VAGUE} FROM obs_vagues WHERE etude_id = $1 AND numero = $2"
    ))
    .bind(etude_id)
    .bind(numero)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(lire_vague).transpose()
}

/// A study's waves, by number.
pub async fn vagues(db: &Db, etude_id: i64) -> Result<Vec<Vague>, StoreError> {
    sqlx::query(&format!(
        "SELECT {COLONNES_VAGUE} FROM obs_vagues WHERE etude_id = $1 ORDER BY numero"
    ))
    .bind(etude_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(lire_vague)
    .collect()
}

/// Every published wave (for the list of studies and the API).
pub async fn vagues_publiees(db: &Db) -> Result<Vec<Vague>, StoreError> {
    sqlx::query(&format!(
        "SELECT {COLONNES_VAGUE} FROM obs_vagues WHERE publiee_le IS NOT NULL ORDER BY etude_id, numero"
    ))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(lire_vague)
    .collect()
}

/// Replaces the wave's imported respondents (`source = 'fichier'`) by `lignes` (ident, design
/// weight, answers as JSON); online answers stay. Calibrated weights are cleared.
pub async fn remplacer_fichier(
    conn: &mut AnyConnection,
    vague_id: i64,
    lignes: &[(String, f64, String)],
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM obs_repondants WHERE vague_id = $1 AND source = 'fichier'")
        .bind(vague_id)
        .execute(&mut *conn)
        .await?;
    const PAR_REQUETE: usize = 100;
    for lot in lignes.chunks(PAR_REQUETE) {
        let valeurs: Vec<String> = (0..lot.len())
            .map(|i| {
                let b = 3 * i + 3;
                format!("($1, ${}, 'fichier', ${}, ${}, $2)", b, b + 1, b + 2)
            })
            .collect();
        let sql = format!(
            "INSERT INTO obs_repondants (vague_id, ident, source, poids_initial, reponses, cree_le) VALUES {}",
            valeurs.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(vague_id).bind(now);
        for (ident, poids, reponses) in lot {
            q = q.bind(ident.as_str()).bind(*poids).bind(reponses.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    effacer_poids(conn, vague_id).await
}

/// Adds one online respondent; false when the identifier is already taken.
pub async fn insert_repondant(
    conn: &mut AnyConnection,
    vague_id: i64,
    ident: &str,
    reponses: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let existe =
        sqlx::query("SELECT 1 AS x FROM obs_repondants WHERE vague_id = $1 AND ident = $2")
            .bind(vague_id)
            .bind(ident)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
    if existe {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO obs_repondants (vague_id, ident, source, poids_initial, reponses, cree_le) VALUES ($1, $2, 'en-ligne', 1.0, $3, $4)",
    )
    .bind(vague_id)
    .bind(ident)
    .bind(reponses)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    effacer_poids(conn, vague_id).await?;
    Ok(true)
}

/// The wave's respondents, by row id.
pub async fn repondants(
    conn: &mut AnyConnection,
    vague_id: i64,
) -> Result<Vec<Repondant>, StoreError> {
    sqlx::query(
        "SELECT id, ident, source, poids_initial, poids, reponses FROM obs_repondants WHERE vague_id = $1 ORDER BY id",
    )
    .bind(vague_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Repondant {
            id: r.try_get("id")?,
            ident: r.try_get("ident")?,
            source: r.try_get("source")?,
            poids_initial: r.try_get("poids_initial")?,
            poids: r.try_get("poids")?,
            reponses: r.try_get("reponses")?,
        })
    })
    .collect()
}

/// (imported, online) respondents of a wave.
pub async fn effectifs(db: &Db, vague_id: i64) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT COALESCE(SUM(CASE WHEN source = 'fichier' THEN 1 ELSE 0 END), 0) AS f, \
         COALESCE(SUM(CASE WHEN source = 'en-ligne' THEN 1 ELSE 0 END), 0) AS e FROM obs_repondants WHERE vague_id = $1",
    )
    .bind(vague_id)
    .fetch_one(db.pool())
    .await?;
    Ok((row.try_get("f")?, row.try_get("e")?))
}

pub async fn insert_invitations(
    conn: &mut AnyConnection,
    vague_id: i64,
    hashes: &[String],
    now: i64,
) -> Result<(), StoreError> {
    for lot in hashes.chunks(200) {
        let valeurs: Vec<String> = (0..lot.len())
            .map(|i| format!("($1, ${}, $2)", i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO obs_invitations (vague_id, jeton_hash, cree_le) VALUES {}",
            valeurs.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(vague_id).bind(now);
        for h in lot {
            q = q.bind(h.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// An invitation: (id, wave id, used at).
pub async fn invitation(
    conn: &mut AnyConnection,
    hash: &str,
) -> Result<Option<(i64, i64, Option<i64>)>, StoreError> {
    let row =
        sqlx::query("SELECT id, vague_id, utilisee_le FROM obs_invitations WHERE jeton_hash = $1")
            .bind(hash)
            .fetch_optional(conn)
            .await?;
    row.map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("vague_id")?,
            r.try_get("utilisee_le")?,
        ))
    })
    .transpose()
}

/// Marks an unused invitation used; false when it was used meanwhile.
pub async fn utiliser_invitation(
    conn: &mut AnyConnection,
    id: i64,
    issue: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE obs_invitations SET utilisee_le = $2, issue = $3 WHERE id = $1 AND utilisee_le IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(issue)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// (sent, completed, screened out by a full quota) invitations of a wave.
pub async fn bilan_invitations(db: &Db, vague_id: i64) -> Result<(i64, i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN issue = 'complete' THEN 1 ELSE 0 END), 0) AS c, \
         COALESCE(SUM(CASE WHEN issue = 'hors-quota' THEN 1 ELSE 0 END), 0) AS h FROM obs_invitations WHERE vague_id = $1",
    )
    .bind(vague_id)
    .fetch_one(db.pool())
    .await?;
    Ok((row.try_get("n")?, row.try_get("c")?, row.try_get("h")?))
}
