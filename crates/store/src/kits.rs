//! Kit passations and groups of partners.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Passation {
    pub id: i64,
    pub cle: String,
    pub kit_id: String,
    pub kit_version: i64,
    pub user_id: i64,
    pub sujet_type: String,
    pub sujet_code: String,
    pub groupe_id: Option<i64>,
    /// JSON object.
    pub reponses: String,
    pub section_courante: i64,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub terminee_at: Option<i64>,
    pub score_global: Option<f64>,
    pub niveau: Option<i64>,
    /// JSON object: dimension id → score.
    pub scores: Option<String>,
    pub profil: Option<String>,
    pub taille: Option<String>,
}

const COLUMNS: &str = "id, cle, kit_id, kit_version, user_id, sujet_type, sujet_code, groupe_id, reponses, \
     section_courante, version, created_at, updated_at, terminee_at, score_global, niveau, scores, profil, taille";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Passation, sqlx::Error> {
    Ok(Passation {
        id: r.try_get("id")?,
        cle: r.try_get("cle")?,
        kit_id: r.try_get("kit_id")?,
        kit_version: r.try_get("kit_version")?,
        user_id: r.try_get("user_id")?,
        sujet_type: r.try_get("sujet_type")?,
        sujet_code: r.try_get("sujet_code")?,
        groupe_id: r.try_get("groupe_id")?,
        reponses: r.try_get("reponses")?,
        section_courante: r.try_get("section_courante")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        terminee_at: r.try_get("terminee_at")?,
        score_global: r.try_get("score_global")?,
        niveau: r.try_get("niveau")?,
        scores: r.try_get("scores")?,
        profil: r.try_get("profil")?,
        taille: r.try_get("taille")?,
    })
}

/// A new passation (`id` and `version` are ignored); returns its id.
pub async fn insert(conn: &mut AnyConnection, p: &Passation) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO kit_passations (cle, kit_id, kit_version, user_id, sujet_type, sujet_code, groupe_id, reponses, section_courante, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&p.cle)
    .bind(&p.kit_id)
    .bind(p.kit_version)
    .bind(p.user_id)
    .bind(&p.sujet_type)
    .bind(&p.sujet_code)
    .bind(p.groupe_id)
    .bind(&p.reponses)
    .bind(p.section_courante)
    .bind(p.created_at)
    .bind(p.updated_at)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn par_cle(conn: &mut AnyConnection, cle: &str) -> Result<Option<Passation>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kit_passations WHERE cle = $1");
    let row = sqlx::query(&sql).bind(cle).fetch_optional(conn).await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Saves the answers if the passation is still at `version` and not completed; false otherwise
/// (someone saved in between, or it was completed).
pub async fn enregistrer(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    reponses: &str,
    section_courante: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE kit_passations SET reponses = $1, section_courante = $2, updated_at = $3, version = version + 1 \
         WHERE id = $4 AND version = $5 AND terminee_at IS NULL",
    )
    .bind(reponses)
    .bind(section_courante)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The scores of a completed passation.
pub struct Terminaison<'a> {
    pub score_global: Option<f64>,
    pub niveau: Option<i64>,
    pub scores: &'a str,
    pub profil: Option<&'a str>,
    pub taille: Option<&'a str>,
}

/// Completes the passation if still at `version` and open; false otherwise.
pub async fn terminer(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    t: &Terminaison<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE kit_passations SET terminee_at = $1, updated_at = $1, score_global = $2, niveau = $3, scores = $4, profil = $5, taille = $6, version = version + 1 \
         WHERE id = $7 AND version = $8 AND terminee_at IS NULL",
    )
    .bind(now)
    .bind(t.score_global)
    .bind(t.niveau)
    .bind(t.scores)
    .bind(t.profil)
    .bind(t.taille)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A user's passations, most recently updated first.
pub async fn de_l_utilisateur(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<Passation>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM kit_passations WHERE user_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The completed passations of a subject for a kit (every version), most recent first.
pub async fn du_sujet(
    db: &Db,
    sujet_type: &str,
    sujet_code: &str,
    kit_id: &str,
) -> Result<Vec<Passation>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM kit_passations WHERE sujet_type = $1 AND sujet_code = $2 AND kit_id = $3 \
         AND terminee_at IS NOT NULL ORDER BY terminee_at DESC, id DESC LIMIT 200"
    );
    let rows = sqlx::query(&sql)
        .bind(sujet_type)
        .bind(sujet_code)
        .bind(kit_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The latest completed result of every other organisation of the same profile and size band,
/// for one kit version: `(organisation id, scores JSON)`.
pub async fn pairs(
    db: &Db,
    kit_id: &str,
    kit_version: i64,
    profil: &str,
    taille: &str,
    sauf_organisation: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT sujet_code, scores FROM kit_passations WHERE kit_id = $1 AND kit_version = $2 AND profil = $3 AND taille = $4 \
         AND terminee_at IS NOT NULL AND sujet_type = 'organisation' AND sujet_code <> $5 AND scores IS NOT NULL \
         ORDER BY sujet_code, terminee_at DESC",
    )
    .bind(kit_id)
    .bind(kit_version)
    .bind(profil)
    .bind(taille)
    .bind(sauf_organisation)
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<(String, String)> = Vec::new();
    for r in &rows {
        let code: String = r.try_get("sujet_code")?;
        if out.last().is_some_and(|(c, _)| *c == code) {
            continue; // an older result of the same organisation
        }
        out.push((code, r.try_get("scores")?));
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groupe {
    pub id: i64,
    pub cle: String,
    pub kit_id: String,
    pub titre: String,
    pub jeton_hash: String,
    pub cree_par: i64,
    pub created_at: i64,
    /// The alliance whose partners evaluate together (None: a group created by its link).
    pub alliance_id: Option<i64>,
}

fn groupe_from_row(r: &sqlx::any::AnyRow) -> Result<Groupe, sqlx::Error> {
    Ok(Groupe {
        id: r.try_get("id")?,
        cle: r.try_get("cle")?,
        kit_id: r.try_get("kit_id")?,
        titre: r.try_get("titre")?,
        jeton_hash: r.try_get("jeton_hash")?,
        cree_par: r.try_get("cree_par")?,
        created_at: r.try_get("created_at")?,
        alliance_id: r.try_get("alliance_id")?,
    })
}

const GROUPE_COLUMNS: &str =
    "id, cle, kit_id, titre, jeton_hash, cree_par, created_at, alliance_id";

pub async fn insert_groupe(conn: &mut AnyConnection, g: &Groupe) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO kit_groupes (cle, kit_id, titre, jeton_hash, cree_par, created_at, alliance_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&g.cle)
    .bind(&g.kit_id)
    .bind(&g.titre)
    .bind(&g.jeton_hash)
    .bind(g.cree_par)
    .bind(g.created_at)
    .bind(g.alliance_id)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn groupe_par_cle(db: &Db, cle: &str) -> Result<Option<Groupe>, StoreError> {
    let sql = format!("SELECT {GROUPE_COLUMNS} FROM kit_groupes WHERE cle = $1");
    let row = sqlx::query(&sql)
        .bind(cle)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(groupe_from_row).transpose()?)
}

pub async fn groupe_par_jeton(
    conn: &mut AnyConnection,
    jeton_hash: &str,
) -> Result<Option<Groupe>, StoreError> {
    let sql = format!("SELECT {GROUPE_COLUMNS} FROM kit_groupes WHERE jeton_hash = $1");
    let row = sqlx::query(&sql)
        .bind(jeton_hash)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(groupe_from_row).transpose()?)
}

pub async fn groupe_par_id(db: &Db, id: i64) -> Result<Option<Groupe>, StoreError> {
    let sql = format!("SELECT {GROUPE_COLUMNS} FROM kit_groupes WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    Ok(row.as_ref().map(groupe_from_row).transpose()?)
}

/// The passations of a group, in the order partners joined.
pub async fn du_groupe(db: &Db, groupe_id: i64) -> Result<Vec<Passation>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kit_passations WHERE groupe_id = $1 ORDER BY id");
    let rows = sqlx::query(&sql)
        .bind(groupe_id)
        .fetch_all(db.pool())
        .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// A user's passation in a group, if they joined it.
pub async fn dans_le_groupe(
    conn: &mut AnyConnection,
    groupe_id: i64,
    user_id: i64,
) -> Result<Option<Passation>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM kit_passations WHERE groupe_id = $1 AND user_id = $2");
    let row = sqlx::query(&sql)
        .bind(groupe_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The first `limit` demonstration organisations, by id (to attach demonstration results).
pub async fn organisations_demo(db: &Db, limit: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query("SELECT id FROM organisations WHERE demo = 1 AND fusionnee_dans IS NULL ORDER BY id LIMIT $1")
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?)
}

/// Whether a user has any passation.
pub async fn a_des_passations(db: &Db, user_id: i64) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT id FROM kit_passations WHERE user_id = $1 LIMIT 1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.is_some())
}

/// The evaluation group of an alliance, if its partners started one.
pub async fn groupe_de_l_alliance(
    conn: &mut AnyConnection,
    alliance_id: i64,
) -> Result<Option<Groupe>, StoreError> {
    let sql = format!(
        "SELECT {GROUPE_COLUMNS} FROM kit_groupes WHERE alliance_id = $1 ORDER BY id LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(alliance_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(groupe_from_row).transpose()?)
}
