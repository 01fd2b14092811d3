//! Contact requests between organisations (`demandes_contact`) and the organisations' opt-out
//! (`organisations.contactable`). Every move of a request is a conditional update on its state,
//! so that an answer given twice (two tabs, two members, the expiry pass racing an answer)
//! applies once; one open request per (source, target) is a unique partial index.

use alliances_domain::contacts::{Conversion, EtatDemande};
use sqlx::{AnyConnection, Row};

use crate::db::{Db, StoreError};

/// A stored request, with the names the pages show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demande {
    pub id: i64,
    pub de_organisation: i64,
    pub de_nom: String,
    pub vers_organisation: i64,
    pub vers_nom: String,
    pub auteur_id: Option<i64>,
    /// The author's name and e-mail (None once the account is deleted).
    pub auteur: Option<(String, String)>,
    pub message: String,
    pub ressource_id: Option<i64>,
    pub ressource_titre: Option<String>,
    pub etat: EtatDemande,
    pub cree_le: i64,
    pub repondu_le: Option<i64>,
    pub repondu_par: Option<i64>,
    pub reponse: String,
    pub alliance_id: Option<i64>,
}

/// What a new request says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NouvelleDemande {
    pub de_organisation: i64,
    pub vers_organisation: i64,
    pub auteur_id: i64,
    pub message: String,
    pub ressource_id: Option<i64>,
}

const SELECT: &str = "SELECT d.id, d.de_organisation, s.nom AS de_nom, d.vers_organisation, t.nom AS vers_nom, \
    d.auteur_id, u.name AS auteur_nom, u.email AS auteur_email, d.message, d.ressource_id, r.titre AS ressource_titre, \
    d.etat, d.cree_le, d.repondu_le, d.repondu_par, d.reponse, d.alliance_id \
    FROM demandes_contact d \
    JOIN organisations s ON s.id = d.de_organisation \
    JOIN organisations t ON t.id = d.vers_organisation \
    LEFT JOIN users u ON u.id = d.auteur_id \
    LEFT JOIN ressources r ON r.id = d.ressource_id";

fn demande(r: &sqlx::any::AnyRow) -> Result<Demande, StoreError> {
    let etat: String = r.try_get("etat")?;
    let nom: Option<String> = r.try_get("auteur_nom")?;
    let email: Option<String> = r.try_get("auteur_email")?;
    Ok(Demande {
        id: r.try_get("id")?,
        de_organisation: r.try_get("de_organisation")?,
        de_nom: r.try_get("de_nom")?,
        vers_organisation: r.try_get("vers_organisation")?,
        vers_nom: r.try_get("vers_nom")?,
        auteur_id: r.try_get("auteur_id")?,
        auteur: nom.zip(email),
        message: r.try_get("message")?,
        ressource_id: r.try_get("ressource_id")?,
        ressource_titre: r.try_get("ressource_titre")?,
        etat: EtatDemande::from_slug(&etat)
            .ok_or_else(|| StoreError::Corrupt(format!("état de demande « {etat} »")))?,
        cree_le: r.try_get("cree_le")?,
        repondu_le: r.try_get("repondu_le")?,
        repondu_par: r.try_get("repondu_par")?,
        reponse: r.try_get("reponse")?,
        alliance_id: r.try_get("alliance_id")?,
    })
}

/// Takes the source organisation's row lock (PostgreSQL) or the write lock (SQLite) for the rest
/// of the transaction: two requests of one organisation are checked (daily limit, duplicates)
/// and written one after the other. False when the organisation does not exist.
pub async fn verrouiller_source(
    conn: &mut AnyConnection,
    organisation: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE organisations SET contactable = contactable WHERE id = $1")
        .bind(organisation)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a sent request; `None` when an open request between the same two organisations exists
/// (the unique partial index decided). On PostgreSQL the transaction must then be rolled back.
pub async fn insert(
    conn: &mut AnyConnection,
    d: &NouvelleDemande,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO demandes_contact (de_organisation, vers_organisation, auteur_id, message, ressource_id, etat, cree_le) \
         VALUES ($1, $2, $3, $4, $5, 'envoyee', $6) RETURNING id",
    )
    .bind(d.de_organisation)
    .bind(d.vers_organisation)
    .bind(d.auteur_id)
    .bind(&d.message)
    .bind(d.ressource_id)
    .bind(now)
    .fetch_one(conn)
    .await;
    match row {
        Ok(r) => Ok(Some(r.try_get("id")?)),
        Err(e) if crate::users::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Demande>, StoreError> {
    let sql = format!("{SELECT} WHERE d.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(demande).transpose()
}

/// Which side of the requests of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sens {
    Recues,
    Envoyees,
}

/// A page of an organisation's received or sent requests, newest first: those with an id below
/// `avant` (the cursor: the last id of the previous page), optionally in one state.
pub async fn liste(
    db: &Db,
    organisation: i64,
    sens: Sens,
    etat: Option<EtatDemande>,
    avant: Option<i64>,
    limite: i64,
) -> Result<Vec<Demande>, StoreError> {
    let colonne = match sens {
        Sens::Recues => "d.vers_organisation",
        Sens::Envoyees => "d.de_organisation",
    };
    let sql = format!(
        "{SELECT} WHERE {colonne} = $1 AND ($2 = '' OR d.etat = $2) AND d.id < $3 ORDER BY d.id DESC LIMIT $4"
    );
    let rows = sqlx::query(&sql)
        .bind(organisation)
        .bind(etat.map(EtatDemande::slug).unwrap_or(""))
        .bind(avant.unwrap_or(i64::MAX))
        .bind(limite)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(demande).collect()
}

/// How many requests an organisation has on one side, optionally in one state.
pub async fn compter(
    db: &Db,
    organisation: i64,
    sens: Sens,
    etat: Option<EtatDemande>,
) -> Result<i64, StoreError> {
    let colonne = match sens {
        Sens::Recues => "vers_organisation",
        Sens::Envoyees => "de_organisation",
    };
    let sql = format!(
        "SELECT COUNT(*) AS n FROM demandes_contact WHERE {colonne} = $1 AND ($2 = '' OR etat = $2)"
    );
    let row = sqlx::query(&sql)
        .bind(organisation)
        .bind(etat.map(EtatDemande::slug).unwrap_or(""))
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// The open request from `de` to `vers`, if any: (id, sent at).
pub async fn ouverte_entre(
    conn: &mut AnyConnection,
    de: i64,
    vers: i64,
) -> Result<Option<(i64, i64)>, StoreError> {
    let row = sqlx::query(
        "SELECT id, cree_le FROM demandes_contact WHERE de_organisation = $1 AND vers_organisation = $2 AND etat = 'envoyee'",
    )
    .bind(de)
    .bind(vers)
    .fetch_optional(conn)
    .await?;
    row.map(|r| -> Result<(i64, i64), StoreError> { Ok((r.try_get("id")?, r.try_get("cree_le")?)) })
        .transpose()
}

/// Requests sent by an organisation since `depuis` (inclusive) and the oldest of them, for the
/// daily limit.
pub async fn envoyees_depuis(
    conn: &mut AnyConnection,
    organisation: i64,
    depuis: i64,
) -> Result<(i64, Option<i64>), StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(cree_le) AS premiere FROM demandes_contact WHERE de_organisation = $1 AND cree_le >= $2",
    )
    .bind(organisation)
    .bind(depuis)
    .fetch_one(conn)
    .await?;
    Ok((row.try_get("n")?, row.try_get("premiere")?))
}

/// Moves a sent request to `vers` (accepted or declined) with who answered and their message;
/// false when it was no longer sent (already answered, or closed without answer).
pub async fn repondre(
    conn: &mut AnyConnection,
    id: i64,
    vers: EtatDemande,
    par: i64,
    reponse: &str,
    now: i64,
) -> Result<bool, StoreError> {
    debug_assert!(EtatDemande::Envoyee.peut_passer(vers));
    let done = sqlx::query(
        "UPDATE demandes_contact SET etat = $1, repondu_le = $2, repondu_par = $3, reponse = $4 \
         WHERE id = $5 AND etat = 'envoyee'",
    )
    .bind(vers.slug())
    .bind(now)
    .bind(par)
    .bind(reponse)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the alliance started from an accepted request; false when the request is not
/// accepted or already started one.
pub async fn lier_alliance(
    conn: &mut AnyConnection,
    id: i64,
    alliance_id: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE demandes_contact SET alliance_id = $1 WHERE id = $2 AND etat = 'acceptee' AND alliance_id IS NULL",
    )
    .bind(alliance_id)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes every request still sent at `avant` or earlier as « sans réponse »; returns the ids
/// this call closed (a concurrent pass closes the others: each id is returned once overall).
pub async fn marquer_sans_reponse(
    conn: &mut AnyConnection,
    avant: i64,
    now: i64,
    limite: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "UPDATE demandes_contact SET etat = 'sans_reponse', repondu_le = $1 \
         WHERE id IN (SELECT id FROM demandes_contact WHERE etat = 'envoyee' AND cree_le <= $2 ORDER BY id LIMIT $3) \
           AND etat = 'envoyee' RETURNING id",
    )
    .bind(now)
    .bind(avant)
    .bind(limite)
    .fetch_all(conn)
    .await?;
    let mut ids = rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<Vec<i64>, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// Where the headquarters of one side of a request must lie for it to count in a territory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Perimetre {
    /// Headquarters in one of these départements (a région is its départements).
    Departements(Vec<String>),
    /// Headquarters in one of these communes (an EPCI is its communes).
    Communes(Vec<String>),
}

/// Counts of requests by state and alliances started: over the platform (`None`), or over the
/// requests whose source or target has its headquarters in the territory (each request counted
/// once even when both sides are there).
pub async fn conversion(db: &Db, perimetre: Option<&Perimetre>) -> Result<Conversion, StoreError> {
    let (filtre, codes): (String, &[String]) = match perimetre {
        None => (String::new(), &[]),
        Some(p) => {
            let (colonne, codes) = match p {
                Perimetre::Departements(c) => ("departement", c),
                Perimetre::Communes(c) => ("commune", c),
            };
            if codes.is_empty() {
                return Ok(Conversion::default());
            }
            let liste = (1..=codes.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            (
                format!(
                    " JOIN organisations s ON s.id = d.de_organisation JOIN organisations t ON t.id = d.vers_organisation \
                     WHERE s.{colonne} IN ({liste}) OR t.{colonne} IN ({liste})"
                ),
                codes.as_slice(),
            )
        }
    };
    let sql = format!(
        "SELECT d.etat AS etat, COUNT(*) AS n, COUNT(d.alliance_id) AS alliances FROM demandes_contact d{filtre} GROUP BY d.etat"
    );
    let mut q = sqlx::query(&sql);
    for c in codes {
        q = q.bind(c);
    }
    let rows = q.fetch_all(db.pool()).await?;
    let mut c = Conversion::default();
    for r in &rows {
        let etat: String = r.try_get("etat")?;
        let n: i64 = r.try_get("n")?;
        c.demandes += n;
        c.alliances += r.try_get::<i64, _>("alliances")?;
        match EtatDemande::from_slug(&etat) {
            Some(EtatDemande::Envoyee) => c.envoyees += n,
            Some(EtatDemande::Acceptee) => c.acceptees += n,
            Some(EtatDemande::Refusee) => c.refusees += n,
            Some(EtatDemande::SansReponse) => c.sans_reponse += n,
            None => return Err(StoreError::Corrupt(format!("état de demande « {etat} »"))),
        }
    }
    Ok(c)
}

/// Whether an organisation accepts contact requests (None: no such organisation).
pub async fn contactable(
    conn: &mut AnyConnection,
    organisation: i64,
) -> Result<Option<bool>, StoreError> {
    let row = sqlx::query("SELECT contactable FROM organisations WHERE id = $1")
        .bind(organisation)
        .fetch_optional(conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>("contactable"))
        .transpose()?
        .map(|v| v != 0))
}

/// Sets the opt-out; false when the organisation does not exist.
pub async fn set_contactable(
    conn: &mut AnyConnection,
    organisation: i64,
    oui: bool,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE organisations SET contactable = $1 WHERE id = $2")
        .bind(i64::from(oui))
        .bind(organisation)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
