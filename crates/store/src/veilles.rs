//! Shared watch spaces of support schemes: member schemes, sessions, watch items and their
//! comments. Territories and domains of an item are text, encoded and decoded here only.

use alliances_domain::annuaire::Lieu;
use alliances_domain::ingenieries::veille::{Domaine, Element, Genre};
use sqlx::{AnyConnection, Row};

use crate::db::{Db, StoreError};

fn corrompu(quoi: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{quoi} « {v} »"))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Veille {
    pub id: i64,
    pub titre: String,
    pub description: String,
    pub cree_par: Option<i64>,
    pub cree_le: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Seance {
    pub id: i64,
    pub date: String,
    pub notes: String,
    pub decisions: String,
    pub auteur: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FicheElement {
    pub id: i64,
    pub element: Element,
    pub auteur: Option<String>,
    pub cree_le: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Commentaire {
    pub id: i64,
    pub element_id: i64,
    pub texte: String,
    pub auteur: Option<String>,
    pub cree_le: i64,
}

pub async fn creer(
    conn: &mut AnyConnection,
    titre: &str,
    description: &str,
    cree_par: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO veilles (titre, description, cree_par, cree_le) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(titre)
    .bind(description)
    .bind(cree_par)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Veille>, StoreError> {
    let row =
        sqlx::query("SELECT id, titre, description, cree_par, cree_le FROM veilles WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(|r| {
        Ok(Veille {
            id: r.try_get("id")?,
            titre: r.try_get("titre")?,
            description: r.try_get("description")?,
            cree_par: r.try_get("cree_par")?,
            cree_le: r.try_get("cree_le")?,
        })
    })
    .transpose()
}

/// Adds a member scheme (nothing when it already is one).
pub async fn ajouter_membre(
    conn: &mut AnyConnection,
    veille: i64,
    dispositif: i64,
    now: i64,
) -> Result<(), StoreError> {
    let deja = sqlx::query(
        "SELECT 1 AS x FROM veille_membres WHERE veille_id = $1 AND dispositif_id = $2",
    )
    .bind(veille)
    .bind(dispositif)
    .fetch_optional(&mut *conn)
    .await?;
    if deja.is_none() {
        sqlx::query(
            "INSERT INTO veille_membres (veille_id, dispositif_id, ajoute_le) VALUES ($1, $2, $3)",
        )
        .bind(veille)
        .bind(dispositif)
        .bind(now)
        .execute(conn)
        .await?;
    }
    Ok(())
}

pub async fn membres(db: &Db, veille: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query("SELECT dispositif_id FROM veille_membres WHERE veille_id = $1 ORDER BY ajoute_le, dispositif_id")
        .bind(veille)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get("dispositif_id")?))
        .collect()
}

/// The spaces where any of these schemes is a member, or created by this user, newest first.
pub async fn de(db: &Db, dispositifs: &[i64], user: i64) -> Result<Vec<Veille>, StoreError> {
    let rows = sqlx::query("SELECT v.id, v.titre, v.description, v.cree_par, v.cree_le, m.dispositif_id FROM veilles v LEFT JOIN veille_membres m ON m.veille_id = v.id ORDER BY v.cree_le DESC, v.id DESC")
        .fetch_all(db.pool())
        .await?;
    let mut out: Vec<Veille> = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let cree_par: Option<i64> = r.try_get("cree_par")?;
        let membre: Option<i64> = r.try_get("dispositif_id")?;
        let mien = cree_par == Some(user) || membre.is_some_and(|m| dispositifs.contains(&m));
        if mien && !out.iter().any(|v| v.id == id) {
            out.push(Veille {
                id,
                titre: r.try_get("titre")?,
                description: r.try_get("description")?,
                cree_par,
                cree_le: r.try_get("cree_le")?,
            });
        }
    }
    Ok(out)
}

pub async fn ajouter_seance(
    conn: &mut AnyConnection,
    veille: i64,
    (date, notes, decisions): (&str, &str, &str),
    auteur: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO veille_seances (veille_id, date_seance, notes, decisions, auteur_id, cree_le) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(veille)
    .bind(date)
    .bind(notes)
    .bind(decisions)
    .bind(auteur)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn seances(db: &Db, veille: i64) -> Result<Vec<Seance>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id, s.date_seance, s.notes, s.decisions, u.name AS auteur FROM veille_seances s LEFT JOIN users u ON u.id = s.auteur_id \
         WHERE s.veille_id = $1 ORDER BY s.date_seance DESC, s.id DESC",
    )
    .bind(veille)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Seance {
                id: r.try_get("id")?,
                date: r.try_get("date_seance")?,
                notes: r.try_get("notes")?,
                decisions: r.try_get("decisions")?,
                auteur: r.try_get("auteur")?,
            })
        })
        .collect()
}

pub async fn ajouter_element(
    conn: &mut AnyConnection,
    veille: i64,
    e: &Element,
    auteur: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO veille_elements (veille_id, genre, titre, texte, lien, territoires, domaines, auteur_id, cree_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(veille)
    .bind(e.genre.slug())
    .bind(&e.titre)
    .bind(&e.texte)
    .bind(&e.lien)
    .bind(e.territoires.iter().map(Lieu::cle).collect::<Vec<_>>().join(" "))
    .bind(e.domaines.iter().map(|d| d.slug()).collect::<Vec<_>>().join(","))
    .bind(auteur)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn elements(db: &Db, veille: i64) -> Result<Vec<FicheElement>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.id, e.genre, e.titre, e.texte, e.lien, e.territoires, e.domaines, e.cree_le, u.name AS auteur \
         FROM veille_elements e LEFT JOIN users u ON u.id = e.auteur_id WHERE e.veille_id = $1 ORDER BY e.cree_le DESC, e.id DESC",
    )
    .bind(veille)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let genre: String = r.try_get("genre")?;
            let territoires: String = r.try_get("territoires")?;
            let domaines: String = r.try_get("domaines")?;
            Ok(FicheElement {
                id: r.try_get("id")?,
                element: Element {
                    genre: Genre::from_slug(&genre).ok_or_else(|| corrompu("genre", &genre))?,
                    titre: r.try_get("titre")?,
                    texte: r.try_get("texte")?,
                    lien: r.try_get("lien")?,
                    territoires: territoires
                        .split_whitespace()
                        .map(|c| Lieu::parse_cle(c).ok_or_else(|| corrompu("territoire", c)))
                        .collect::<Result<_, _>>()?,
                    domaines: domaines
                        .split(',')
                        .filter(|d| !d.is_empty())
                        .map(|d| Domaine::from_slug(d).ok_or_else(|| corrompu("domaine", d)))
                        .collect::<Result<_, _>>()?,
                },
                auteur: r.try_get("auteur")?,
                cree_le: r.try_get("cree_le")?,
            })
        })
        .collect()
}

/// The space an item belongs to.
pub async fn veille_de_l_element(
    conn: &mut AnyConnection,
    element: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT veille_id FROM veille_elements WHERE id = $1")
        .bind(element)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok(r.try_get("veille_id")?)).transpose()
}

pub async fn commenter(
    conn: &mut AnyConnection,
    element: i64,
    texte: &str,
    auteur: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO veille_commentaires (element_id, texte, auteur_id, cree_le) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(element)
    .bind(texte)
    .bind(auteur)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Comments of a space's items, oldest first.
pub async fn commentaires(db: &Db, veille: i64) -> Result<Vec<Commentaire>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.element_id, c.texte, c.cree_le, u.name AS auteur FROM veille_commentaires c \
         JOIN veille_elements e ON e.id = c.element_id LEFT JOIN users u ON u.id = c.auteur_id \
         WHERE e.veille_id = $1 ORDER BY c.cree_le, c.id",
    )
    .bind(veille)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Commentaire {
                id: r.try_get("id")?,
                element_id: r.try_get("element_id")?,
                texte: r.try_get("texte")?,
                auteur: r.try_get("auteur")?,
                cree_le: r.try_get("cree_le")?,
            })
        })
        .collect()
}
