//! The resource library: entries (resources of the five families and inspiring examples), the
//! organisations an example involves, events, and the state of the web addresses the
//! broken-link check follows. Multi-valued fields are text (profiles, SDGs, themes and
//! partnership types comma-separated, territories as space-separated `niveau:code`, links as
//! JSON), encoded and decoded here only.
//!
//! Change feed (written by the app layer in the transaction of each write):
//! - `bibliotheque <id>` — an entry (resource or example) was created, edited, submitted,
//!   published, refused, or loaded by the demo (operations `create`, `update`, `publish`,
//!   `refuse`, `demo`). Readers re-read it with [`publiee`] (None: no longer public).
//! - `bibliotheque-evenement <id>` — an event was created or edited (`create`, `update`,
//!   `demo`).
//!
//! Public read functions for other modules (global search): [`publiees`] (every published
//! resource and example, flattened) and [`publiee`] (one of them).

use alliances_domain::alliances::Forme;
use alliances_domain::annuaire::{Lieu, Profil, TypePartenariat};
use alliances_domain::bibliotheque::{
    markdown, Cas, Entree, EtatPublication, Evenement, Famille, FormatEvenement, Lien,
};
use alliances_domain::odd::OddNumber;
use alliances_domain::ressources::Theme;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

use crate::db::{Db, StoreError};

fn corrompu(quoi: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("bibliothèque : {quoi} « {v} »"))
}

fn slugs<T>(s: &str, quoi: &str, lire: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, StoreError> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| lire(x).ok_or_else(|| corrompu(quoi, x)))
        .collect()
}

fn joindre<T: Copy>(v: &[T], slug: impl Fn(T) -> &'static str) -> String {
    v.iter().map(|x| slug(*x)).collect::<Vec<_>>().join(",")
}

fn lieux(s: &str) -> Result<Vec<Lieu>, StoreError> {
    s.split_whitespace()
        .map(|c| Lieu::parse_cle(c).ok_or_else(|| corrompu("territoire", c)))
        .collect()
}

fn lieux_txt(v: &[Lieu]) -> String {
    v.iter().map(Lieu::cle).collect::<Vec<_>>().join(" ")
}

fn odd(s: &str) -> Result<Vec<OddNumber>, StoreError> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| OddNumber::parse(x).map_err(|_| corrompu("ODD", x)))
        .collect()
}

fn odd_txt(v: &[OddNumber]) -> String {
    v.iter()
        .map(|o| o.get().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn ids(s: &str) -> Result<Vec<i64>, StoreError> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().map_err(|_| corrompu("numéro", x)))
        .collect()
}

fn ids_txt(v: &[i64]) -> String {
    v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// A stored entry with its bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct FicheEntree {
    pub id: i64,
    pub entree: Entree,
    pub organisation_id: Option<i64>,
    pub etat: EtatPublication,
    pub motif_refus: Option<String>,
    pub publiee_le: Option<i64>,
    pub demo: bool,
    pub version: i64,
    pub cree_par: Option<i64>,
    pub cree_le: i64,
    pub modifie_le: i64,
}

impl FicheEntree {
    /// The page of the entry: examples have their own path.
    pub fn chemin(&self) -> String {
        chemin(self.entree.famille, self.id)
    }
}

/// `/exemples/{id}` for an example, `/ressources/{id}` otherwise.
pub fn chemin(famille: Famille, id: i64) -> String {
    match famille {
        Famille::Exemple => format!("/exemples/{id}"),
        _ => format!("/ressources/{id}"),
    }
}

const COLONNES: &str = "id, famille, titre, resume, corps, publics, odd, themes, territoires, liens, date_ressource, organisation_id, \
    alliance_id, types_partenariat, forme, besoin, realisation, resultats, enseignements, contact, etat, motif_refus, publiee_le, demo, version, \
    cree_par, cree_le, modifie_le";

fn fiche(r: &sqlx::any::AnyRow, acteurs: Vec<i64>) -> Result<FicheEntree, StoreError> {
    let famille: String = r.try_get("famille")?;
    let famille = Famille::from_slug(&famille).ok_or_else(|| corrompu("famille", &famille))?;
    let etat: String = r.try_get("etat")?;
    let liens: String = r.try_get("liens")?;
    let liens: Vec<Lien> = serde_json::from_str(&liens).map_err(|_| corrompu("liens", &liens))?;
    let cas = if famille == Famille::Exemple {
        let forme: Option<String> = r.try_get("forme")?;
        Some(Cas {
            alliance: r.try_get("alliance_id")?,
            acteurs,
            types_partenariat: slugs(
                &r.try_get::<String, _>("types_partenariat")?,
                "type de partenariat",
                TypePartenariat::from_slug,
            )?,
            forme: forme
                .map(|f| Forme::from_slug(&f).ok_or_else(|| corrompu("forme", &f)))
                .transpose()?,
            besoin: r
                .try_get::<Option<String>, _>("besoin")?
                .unwrap_or_default(),
            realisation: r
                .try_get::<Option<String>, _>("realisation")?
                .unwrap_or_default(),
            resultats: r
                .try_get::<Option<String>, _>("resultats")?
                .unwrap_or_default(),
            enseignements: r
                .try_get::<Option<String>, _>("enseignements")?
                .unwrap_or_default(),
            contact: r.try_get("contact")?,
        })
    } else {
        None
    };
    Ok(FicheEntree {
        id: r.try_get("id")?,
        entree: Entree {
            famille,
            titre: r.try_get("titre")?,
            resume: r.try_get("resume")?,
            corps: r.try_get("corps")?,
            publics: slugs(
                &r.try_get::<String, _>("publics")?,
                "public",
                Profil::from_slug,
            )?,
            odd: odd(&r.try_get::<String, _>("odd")?)?,
            themes: slugs(
                &r.try_get::<String, _>("themes")?,
                "thème",
                Theme::from_slug,
            )?,
            territoires: lieux(&r.try_get::<String, _>("territoires")?)?,
            liens,
            date: r.try_get("date_ressource")?,
            cas,
        },
        organisation_id: r.try_get("organisation_id")?,
        etat: EtatPublication::from_slug(&etat).ok_or_else(|| corrompu("état", &etat))?,
        motif_refus: r.try_get("motif_refus")?,
        publiee_le: r.try_get("publiee_le")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        version: r.try_get("version")?,
        cree_par: r.try_get("cree_par")?,
        cree_le: r.try_get("cree_le")?,
        modifie_le: r.try_get("modifie_le")?,
    })
}

/// Provenance of a new entry.
pub struct Provenance<'a> {
    pub organisation_id: Option<i64>,
    pub etat: EtatPublication,
    pub demo: bool,
    pub cle_demo: Option<&'a str>,
    pub cree_par: Option<i64>,
}

/// The columns of an example's case (all empty for another family).
#[derive(Default)]
struct ColonnesCas<'a> {
    alliance: Option<i64>,
    types: String,
    forme: Option<&'static str>,
    besoin: Option<&'a str>,
    realisation: Option<&'a str>,
    resultats: Option<&'a str>,
    enseignements: Option<&'a str>,
    contact: Option<&'a str>,
}

fn cas_colonnes(e: &Entree) -> ColonnesCas<'_> {
    match &e.cas {
        Some(c) => ColonnesCas {
            alliance: c.alliance,
            types: joindre(&c.types_partenariat, TypePartenariat::slug),
            forme: c.forme.map(Forme::slug),
            besoin: Some(c.besoin.as_str()),
            realisation: Some(c.realisation.as_str()),
            resultats: Some(c.resultats.as_str()),
            enseignements: Some(c.enseignements.as_str()),
            contact: c.contact.as_deref(),
        },
        None => ColonnesCas::default(),
    }
}

async fn ecrire_acteurs(conn: &mut AnyConnection, id: i64, e: &Entree) -> Result<(), StoreError> {
    let acteurs: &[i64] = e.cas.as_ref().map(|c| c.acteurs.as_slice()).unwrap_or(&[]);
    // Keep the « already reported » mark of the organisations still named.
    let avant: HashMap<i64, Option<i64>> = sqlx::query(
        "SELECT organisation_id, signale_le FROM bibliotheque_acteurs WHERE entree_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("organisation_id")?, r.try_get("signale_le")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    sqlx::query("DELETE FROM bibliotheque_acteurs WHERE entree_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (rang, a) in acteurs.iter().enumerate() {
        sqlx::query(
            "INSERT INTO bibliotheque_acteurs (entree_id, organisation_id, rang, signale_le) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(*a)
        .bind(rang as i64)
        .bind(avant.get(a).copied().flatten())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn insert(
    conn: &mut AnyConnection,
    e: &Entree,
    p: &Provenance<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let ColonnesCas {
        alliance,
        types,
        forme,
        besoin,
        realisation,
        resultats,
        enseignements,
        contact,
    } = cas_colonnes(e);
    let publiee_le = (p.etat == EtatPublication::Publiee).then_some(now);
    let row = sqlx::query(
        "INSERT INTO bibliotheque (famille, titre, resume, corps, publics, odd, themes, territoires, liens, date_ressource, organisation_id, \
         alliance_id, types_partenariat, forme, besoin, realisation, resultats, enseignements, contact, etat, publiee_le, demo, cle_demo, cree_par, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $25) RETURNING id",
    )
    .bind(e.famille.slug())
    .bind(&e.titre)
    .bind(&e.resume)
    .bind(&e.corps)
    .bind(joindre(&e.publics, Profil::slug))
    .bind(odd_txt(&e.odd))
    .bind(joindre(&e.themes, Theme::slug))
    .bind(lieux_txt(&e.territoires))
    .bind(serde_json::to_string(&e.liens).expect("links serialise"))
    .bind(&e.date)
    .bind(p.organisation_id)
    .bind(alliance)
    .bind(types)
    .bind(forme)
    .bind(besoin)
    .bind(realisation)
    .bind(resultats)
    .bind(enseignements)
    .bind(contact)
    .bind(p.etat.slug())
    .bind(publiee_le)
    .bind(i64::from(p.demo))
    .bind(p.cle_demo)
    .bind(p.cree_par)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get("id")?;
    ecrire_acteurs(conn, id, e).await?;
    Ok(id)
}

/// Replaces the content if still at `version`, and sets the state; false otherwise.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    e: &Entree,
    etat: EtatPublication,
    now: i64,
) -> Result<bool, StoreError> {
    let ColonnesCas {
        alliance,
        types,
        forme,
        besoin,
        realisation,
        resultats,
        enseignements,
        contact,
    } = cas_colonnes(e);
    let done = sqlx::query(
        "UPDATE bibliotheque SET famille = $1, titre = $2, resume = $3, corps = $4, publics = $5, odd = $6, themes = $7, territoires = $8, \
         liens = $9, date_ressource = $10, alliance_id = $11, types_partenariat = $12, forme = $13, besoin = $14, realisation = $15, resultats = $16, \
         enseignements = $17, contact = $18, etat = $19, motif_refus = NULL, modifie_le = $20, version = version + 1 WHERE id = $21 AND version = $22",
    )
    .bind(e.famille.slug())
    .bind(&e.titre)
    .bind(&e.resume)
    .bind(&e.corps)
    .bind(joindre(&e.publics, Profil::slug))
    .bind(odd_txt(&e.odd))
    .bind(joindre(&e.themes, Theme::slug))
    .bind(lieux_txt(&e.territoires))
    .bind(serde_json::to_string(&e.liens).expect("links serialise"))
    .bind(&e.date)
    .bind(alliance)
    .bind(types)
    .bind(forme)
    .bind(besoin)
    .bind(realisation)
    .bind(resultats)
    .bind(enseignements)
    .bind(contact)
    .bind(etat.slug())
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    ecrire_acteurs(conn, id, e).await?;
    Ok(true)
}

/// Moves an entry from state `de` to `vers` (a moderator's decision); false when it was no
/// longer in `de` (decided meanwhile).
pub async fn changer_etat(
    conn: &mut AnyConnection,
    id: i64,
    de: EtatPublication,
    vers: EtatPublication,
    motif: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE bibliotheque SET etat = $1, motif_refus = $2, publiee_le = CASE WHEN $1 = 'publiee' THEN $3 ELSE publiee_le END, \
         modifie_le = $3, version = version + 1 WHERE id = $4 AND etat = $5",
    )
    .bind(vers.slug())
    .bind(motif)
    .bind(now)
    .bind(id)
    .bind(de.slug())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn acteurs_de(conn: &mut AnyConnection, id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT organisation_id FROM bibliotheque_acteurs WHERE entree_id = $1 ORDER BY rang",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("organisation_id"))
        .collect::<Result<_, _>>()?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<FicheEntree>, StoreError> {
    let sql = format!("SELECT {COLONNES} FROM bibliotheque WHERE id = $1");
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let acteurs = acteurs_de(conn, id).await?;
    fiche(&row, acteurs).map(Some)
}

/// The id of a demonstration record by its stable key.
pub async fn id_demo(conn: &mut AnyConnection, cle: &str) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT id FROM bibliotheque WHERE cle_demo = $1")
        .bind(cle)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

async fn tous_acteurs(db: &Db, etat: Option<&str>) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let rows = match etat {
        Some(e) => sqlx::query(
            "SELECT a.entree_id, a.organisation_id FROM bibliotheque_acteurs a JOIN bibliotheque b ON b.id = a.entree_id \
             WHERE b.etat = $1 ORDER BY a.entree_id, a.rang",
        )
        .bind(e)
        .fetch_all(db.pool())
        .await?,
        None => sqlx::query(
            "SELECT entree_id, organisation_id FROM bibliotheque_acteurs ORDER BY entree_id, rang",
        )
        .fetch_all(db.pool())
        .await?,
    };
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for r in &rows {
        out.entry(r.try_get("entree_id")?)
            .or_default()
            .push(r.try_get("organisation_id")?);
    }
    Ok(out)
}

/// Every entry in this state, newest first (the list reads the published ones; the moderation
/// queue the submitted ones).
pub async fn par_etat(db: &Db, etat: EtatPublication) -> Result<Vec<FicheEntree>, StoreError> {
    let mut acteurs = tous_acteurs(db, Some(etat.slug())).await?;
    let sql = format!(
        "SELECT {COLONNES} FROM bibliotheque WHERE etat = $1 ORDER BY date_ressource DESC, id DESC"
    );
    let rows = sqlx::query(&sql)
        .bind(etat.slug())
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            fiche(r, acteurs.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// Entries written on behalf of these organisations, whatever their state, newest first.
pub async fn des_organisations(db: &Db, orgs: &[i64]) -> Result<Vec<FicheEntree>, StoreError> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    let liste = ids_txt(orgs);
    // The ids are integers we format ourselves: no injection possible.
    let sql = format!(
        "SELECT {COLONNES} FROM bibliotheque WHERE organisation_id IN ({liste}) ORDER BY modifie_le DESC, id DESC"
    );
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    let mut acteurs = tous_acteurs(db, None).await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            fiche(r, acteurs.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// Published examples that name this organisation among their actors.
pub async fn exemples_citant(db: &Db, organisation: i64) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT b.id, b.titre FROM bibliotheque b JOIN bibliotheque_acteurs a ON a.entree_id = b.id \
         WHERE a.organisation_id = $1 AND b.etat = 'publiee' ORDER BY b.id",
    )
    .bind(organisation)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("titre")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Actors of published examples whose organisation no longer exists (dissolved, closed, removed
/// from the register, or merged into another) and that moderators were not told about yet:
/// (entry, organisation, merged into).
pub async fn acteurs_disparus_non_signales(
    db: &Db,
) -> Result<Vec<(i64, i64, Option<i64>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.entree_id, a.organisation_id, o.fusionnee_dans FROM bibliotheque_acteurs a \
         JOIN bibliotheque b ON b.id = a.entree_id JOIN organisations o ON o.id = a.organisation_id \
         WHERE b.etat = 'publiee' AND a.signale_le IS NULL AND (o.etat <> 'active' OR o.fusionnee_dans IS NOT NULL) \
         ORDER BY a.entree_id, a.rang",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("entree_id")?,
                r.try_get("organisation_id")?,
                r.try_get("fusionnee_dans")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Marks an actor as reported; false when it already was (another instance did it).
pub async fn acteur_signale(
    conn: &mut AnyConnection,
    entree: i64,
    organisation: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE bibliotheque_acteurs SET signale_le = $1 WHERE entree_id = $2 AND organisation_id = $3 AND signale_le IS NULL",
    )
    .bind(now)
    .bind(entree)
    .bind(organisation)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// --- Public flattened view (global search) -------------------------------------------------

/// A published resource or example, flattened for other modules (the global search indexes
/// these).
#[derive(Debug, Clone, PartialEq)]
pub struct Publiee {
    pub id: i64,
    /// `methode`, `exemple`, `donnees`, `outil`, `formation`.
    pub famille: &'static str,
    pub titre: String,
    pub resume: String,
    /// The body as plain text (Markdown removed), followed for an example by its need, what was
    /// done, results and lessons.
    pub texte: String,
    pub odd: Vec<u8>,
    /// Theme slugs.
    pub themes: Vec<&'static str>,
    /// Audience profile slugs (empty: everyone).
    pub publics: Vec<&'static str>,
    /// `niveau:code`.
    pub territoires: Vec<String>,
    /// `AAAA-MM-JJ`.
    pub date: String,
    pub demo: bool,
    /// `/ressources/{id}` or `/exemples/{id}`.
    pub chemin: String,
}

impl From<&FicheEntree> for Publiee {
    fn from(f: &FicheEntree) -> Self {
        let e = &f.entree;
        let mut texte = markdown::texte_brut(&e.corps);
        if let Some(c) = &e.cas {
            for t in [&c.besoin, &c.realisation, &c.resultats, &c.enseignements] {
                if !texte.is_empty() {
                    texte.push(' ');
                }
                texte.push_str(t);
            }
        }
        Publiee {
            id: f.id,
            famille: e.famille.slug(),
            titre: e.titre.clone(),
            resume: e.resume.clone(),
            texte,
            odd: e.odd.iter().map(|o| o.get()).collect(),
            themes: e.themes.iter().map(|t| t.slug()).collect(),
            publics: e.publics.iter().map(|p| p.slug()).collect(),
            territoires: e.territoires.iter().map(Lieu::cle).collect(),
            date: e.date.clone(),
            demo: f.demo,
            chemin: f.chemin(),
        }
    }
}

/// Every published resource and example, newest first.
pub async fn publiees(db: &Db) -> Result<Vec<Publiee>, StoreError> {
    Ok(par_etat(db, EtatPublication::Publiee)
        .await?
        .iter()
        .map(Publiee::from)
        .collect())
}

/// One published resource or example (None when unknown or not published).
pub async fn publiee(db: &Db, id: i64) -> Result<Option<Publiee>, StoreError> {
    let mut conn = db.pool().acquire().await?;
    Ok(get(&mut conn, id)
        .await?
        .filter(|f| f.etat == EtatPublication::Publiee)
        .as_ref()
        .map(Publiee::from))
}

// --- Events ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct FicheEvenement {
    pub id: i64,
    pub evenement: Evenement,
    pub organisation_id: Option<i64>,
    pub demo: bool,
    pub version: i64,
    pub cree_le: i64,
    pub modifie_le: i64,
}

const COLONNES_EV: &str = "id, titre, resume, corps, format, debut, fin, lieu, inscription, replay, ressources, themes, territoires, \
    organisation_id, demo, version, cree_le, modifie_le";

fn fiche_ev(r: &sqlx::any::AnyRow) -> Result<FicheEvenement, StoreError> {
    let format: String = r.try_get("format")?;
    Ok(FicheEvenement {
        id: r.try_get("id")?,
        evenement: Evenement {
            titre: r.try_get("titre")?,
            resume: r.try_get("resume")?,
            corps: r.try_get("corps")?,
            format: FormatEvenement::from_slug(&format)
                .ok_or_else(|| corrompu("format", &format))?,
            debut: r.try_get("debut")?,
            fin: r.try_get("fin")?,
            lieu: r.try_get("lieu")?,
            inscription: r.try_get("inscription")?,
            replay: r.try_get("replay")?,
            ressources: ids(&r.try_get::<String, _>("ressources")?)?,
            themes: slugs(
                &r.try_get::<String, _>("themes")?,
                "thème",
                Theme::from_slug,
            )?,
            territoires: lieux(&r.try_get::<String, _>("territoires")?)?,
        },
        organisation_id: r.try_get("organisation_id")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        version: r.try_get("version")?,
        cree_le: r.try_get("cree_le")?,
        modifie_le: r.try_get("modifie_le")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_evenement(
    conn: &mut AnyConnection,
    e: &Evenement,
    organisation_id: Option<i64>,
    demo: bool,
    cle_demo: Option<&str>,
    cree_par: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO bibliotheque_evenements (titre, resume, corps, format, debut, fin, lieu, inscription, replay, ressources, themes, territoires, \
         organisation_id, demo, cle_demo, cree_par, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id",
    )
    .bind(&e.titre)
    .bind(&e.resume)
    .bind(&e.corps)
    .bind(e.format.slug())
    .bind(e.debut)
    .bind(e.fin)
    .bind(&e.lieu)
    .bind(&e.inscription)
    .bind(&e.replay)
    .bind(ids_txt(&e.ressources))
    .bind(joindre(&e.themes, Theme::slug))
    .bind(lieux_txt(&e.territoires))
    .bind(organisation_id)
    .bind(i64::from(demo))
    .bind(cle_demo)
    .bind(cree_par)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_evenement(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    e: &Evenement,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE bibliotheque_evenements SET titre = $1, resume = $2, corps = $3, format = $4, debut = $5, fin = $6, lieu = $7, inscription = $8, \
         replay = $9, ressources = $10, themes = $11, territoires = $12, modifie_le = $13, version = version + 1 WHERE id = $14 AND version = $15",
    )
    .bind(&e.titre)
    .bind(&e.resume)
    .bind(&e.corps)
    .bind(e.format.slug())
    .bind(e.debut)
    .bind(e.fin)
    .bind(&e.lieu)
    .bind(&e.inscription)
    .bind(&e.replay)
    .bind(ids_txt(&e.ressources))
    .bind(joindre(&e.themes, Theme::slug))
    .bind(lieux_txt(&e.territoires))
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get_evenement(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<FicheEvenement>, StoreError> {
    let sql = format!("SELECT {COLONNES_EV} FROM bibliotheque_evenements WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(fiche_ev).transpose()
}

/// Every event, by start.
pub async fn evenements(db: &Db) -> Result<Vec<FicheEvenement>, StoreError> {
    let sql = format!("SELECT {COLONNES_EV} FROM bibliotheque_evenements ORDER BY debut, id");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(fiche_ev).collect()
}

pub async fn id_demo_evenement(
    conn: &mut AnyConnection,
    cle: &str,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT id FROM bibliotheque_evenements WHERE cle_demo = $1")
        .bind(cle)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

// --- Links ----------------------------------------------------------------------------------

/// The state of a checked address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EtatLien {
    pub url: String,
    pub verifie_le: Option<i64>,
    pub statut: Option<i64>,
    pub erreur: Option<String>,
    pub casse: bool,
    pub signale_le: Option<i64>,
}

/// Reserves an address for a check at `now` when it was never checked or not since
/// `now - intervalle`; false otherwise (checked recently, or by another instance right now).
pub async fn reserver_lien(
    db: &Db,
    url: &str,
    now: i64,
    intervalle: i64,
) -> Result<bool, StoreError> {
    sqlx::query("INSERT INTO bibliotheque_liens (url) VALUES ($1) ON CONFLICT (url) DO NOTHING")
        .bind(url)
        .execute(db.pool())
        .await?;
    let done = sqlx::query(
        "UPDATE bibliotheque_liens SET verifie_le = $1 WHERE url = $2 AND (verifie_le IS NULL OR verifie_le <= $3)",
    )
    .bind(now)
    .bind(url)
    .bind(now - intervalle)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the outcome of a check. A working address loses its « reported » mark, so that a
/// later breakage is reported again.
pub async fn resultat_lien(
    db: &Db,
    url: &str,
    statut: Option<i64>,
    erreur: Option<&str>,
    casse: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE bibliotheque_liens SET statut = $1, erreur = $2, casse = $3, \
         signale_le = CASE WHEN $3 = 0 THEN NULL ELSE signale_le END WHERE url = $4",
    )
    .bind(statut)
    .bind(erreur)
    .bind(i64::from(casse))
    .bind(url)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Marks a broken address as reported; false when it already was.
pub async fn lien_signale(
    conn: &mut AnyConnection,
    url: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE bibliotheque_liens SET signale_le = $1 WHERE url = $2 AND casse = 1 AND signale_le IS NULL",
    )
    .bind(now)
    .bind(url)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The broken addresses (pages flag them).
pub async fn liens_casses(db: &Db) -> Result<Vec<EtatLien>, StoreError> {
    let rows = sqlx::query(
        "SELECT url, verifie_le, statut, erreur, casse, signale_le FROM bibliotheque_liens WHERE casse = 1 ORDER BY url",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(EtatLien {
                url: r.try_get("url")?,
                verifie_le: r.try_get("verifie_le")?,
                statut: r.try_get("statut")?,
                erreur: r.try_get("erreur")?,
                casse: r.try_get::<i64, _>("casse")? != 0,
                signale_le: r.try_get("signale_le")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Whether a job of this kind is waiting or running (so that passes are not queued twice).
pub async fn tache_prevue(conn: &mut AnyConnection, kind: &str) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND done_at IS NULL AND attempts < max_attempts",
    )
    .bind(kind)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
