//! Experimentation files of alliances and the steps of their workflow.

use alliances_domain::alliances::experimentation::{Dossier, EtatDossier};
use alliances_domain::annuaire::Lieu;
use sqlx::{AnyConnection, Row};

use crate::db::{Db, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct FicheDossier {
    pub id: i64,
    pub alliance_id: i64,
    pub alliance_nom: String,
    pub dossier: Dossier,
    pub etat: EtatDossier,
    pub version: i64,
    pub cree_le: i64,
    pub modifie_le: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Etape {
    pub de: EtatDossier,
    pub vers: EtatDossier,
    pub par: Option<i64>,
    pub par_nom: Option<String>,
    pub le: i64,
    pub commentaire: String,
}

const COLONNES: &str = "e.id, e.alliance_id, a.nom AS alliance_nom, e.titre, e.hypothese, e.regles, e.territoires, e.duree_mois, e.protocole, e.criteres, e.etat, e.version, e.cree_le, e.modifie_le \
    FROM experimentations e JOIN alliances a ON a.id = e.alliance_id";

fn etat(s: &str) -> Result<EtatDossier, StoreError> {
    EtatDossier::from_slug(s).ok_or_else(|| StoreError::Corrupt(format!("état de dossier « {s} »")))
}

fn fiche(r: &sqlx::any::AnyRow) -> Result<FicheDossier, StoreError> {
    let territoires: String = r.try_get("territoires")?;
    let criteres: String = r.try_get("criteres")?;
    Ok(FicheDossier {
        id: r.try_get("id")?,
        alliance_id: r.try_get("alliance_id")?,
        alliance_nom: r.try_get("alliance_nom")?,
        dossier: Dossier {
            titre: r.try_get("titre")?,
            hypothese: r.try_get("hypothese")?,
            regles: r.try_get("regles")?,
            territoires: territoires
                .split_whitespace()
                .map(|c| {
                    Lieu::parse_cle(c)
                        .ok_or_else(|| StoreError::Corrupt(format!("territoire « {c} »")))
                })
                .collect::<Result<_, _>>()?,
            duree_mois: r.try_get::<i64, _>("duree_mois")? as u32,
            protocole: r.try_get("protocole")?,
            criteres: criteres
                .split(',')
                .filter(|x| !x.is_empty())
                .map(|x| {
                    x.parse()
                        .map_err(|_| StoreError::Corrupt(format!("critère « {x} »")))
                })
                .collect::<Result<_, _>>()?,
        },
        etat: etat(&r.try_get::<String, _>("etat")?)?,
        version: r.try_get("version")?,
        cree_le: r.try_get("cree_le")?,
        modifie_le: r.try_get("modifie_le")?,
    })
}

fn territoires(d: &Dossier) -> String {
    d.territoires
        .iter()
        .map(Lieu::cle)
        .collect::<Vec<_>>()
        .join(" ")
}

fn criteres(d: &Dossier) -> String {
    d.criteres
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub async fn insert(
    conn: &mut AnyConnection,
    alliance_id: i64,
    d: &Dossier,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO experimentations (alliance_id, titre, hypothese, regles, territoires, duree_mois, protocole, criteres, etat, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'brouillon', $9, $9) RETURNING id",
    )
    .bind(alliance_id)
    .bind(&d.titre)
    .bind(&d.hypothese)
    .bind(&d.regles)
    .bind(territoires(d))
    .bind(i64::from(d.duree_mois))
    .bind(&d.protocole)
    .bind(criteres(d))
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Edits a draft still at `version`; false otherwise.
pub async fn update_brouillon(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    d: &Dossier,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE experimentations SET titre = $1, hypothese = $2, regles = $3, territoires = $4, duree_mois = $5, protocole = $6, criteres = $7, modifie_le = $8, version = version + 1 \
         WHERE id = $9 AND version = $10 AND etat = 'brouillon'",
    )
    .bind(&d.titre)
    .bind(&d.hypothese)
    .bind(&d.regles)
    .bind(territoires(d))
    .bind(i64::from(d.duree_mois))
    .bind(&d.protocole)
    .bind(criteres(d))
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<FicheDossier>, StoreError> {
    let sql = format!("SELECT {COLONNES} WHERE e.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(fiche).transpose()
}

/// Moves the file from `de` to `vers` if it is still in `de` and at `version`, and records the
/// step; false otherwise (someone moved it in between).
#[allow(clippy::too_many_arguments)]
pub async fn changer_etat(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    de: EtatDossier,
    vers: EtatDossier,
    par: i64,
    commentaire: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE experimentations SET etat = $1, modifie_le = $2, version = version + 1 WHERE id = $3 AND etat = $4 AND version = $5")
        .bind(vers.slug())
        .bind(now)
        .bind(id)
        .bind(de.slug())
        .bind(version)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO experimentation_etapes (experimentation_id, de, vers, par, le, commentaire) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(de.slug())
        .bind(vers.slug())
        .bind(par)
        .bind(now)
        .bind(commentaire)
        .execute(conn)
        .await?;
    Ok(true)
}

/// The steps of a file, oldest first, with who took them.
pub async fn etapes(db: &Db, id: i64) -> Result<Vec<Etape>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.de, s.vers, s.par, u.name AS par_nom, s.le, s.commentaire FROM experimentation_etapes s LEFT JOIN users u ON u.id = s.par \
         WHERE s.experimentation_id = $1 ORDER BY s.id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Etape {
                de: etat(&r.try_get::<String, _>("de")?)?,
                vers: etat(&r.try_get::<String, _>("vers")?)?,
                par: r.try_get("par")?,
                par_nom: r.try_get("par_nom")?,
                le: r.try_get("le")?,
                commentaire: r.try_get("commentaire")?,
            })
        })
        .collect()
}

/// The public register: every file past the draft, most recently moved first.
pub async fn registre(db: &Db) -> Result<Vec<FicheDossier>, StoreError> {
    let sql = format!(
        "SELECT {COLONNES} WHERE e.etat <> 'brouillon' ORDER BY e.modifie_le DESC, e.id DESC"
    );
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(fiche).collect()
}

/// The files of an alliance (drafts included), most recent first.
pub async fn de_l_alliance(db: &Db, alliance_id: i64) -> Result<Vec<FicheDossier>, StoreError> {
    let sql = format!("SELECT {COLONNES} WHERE e.alliance_id = $1 ORDER BY e.id DESC");
    let rows = sqlx::query(&sql)
        .bind(alliance_id)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(fiche).collect()
}
