//! Support schemes (« dispositifs ») and referrals (« orientations »). Multi-valued fields are
//! text (services, publics and sizes comma-separated, coverage as space-separated `niveau:code`),
//! encoded and decoded here only.

use alliances_domain::annuaire::{Lieu, Profil, Taille};
use alliances_domain::ingenieries::dispositif::Dispositif;
use alliances_domain::ingenieries::orientation::{EtatOrientation, Issue};
use alliances_domain::ingenieries::{Ingenierie, NiveauDispositif, Service};
use sqlx::{AnyConnection, Row};

use crate::db::{Db, StoreError};

fn corrompu(quoi: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{quoi} « {v} »"))
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

/// A stored scheme with its provenance and bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct FicheDispositif {
    pub id: i64,
    pub dispositif: Dispositif,
    pub porteur_id: Option<i64>,
    pub source: String,
    pub licence: String,
    pub verifie_le: i64,
    pub demo: bool,
    pub version: i64,
    pub modifie_le: i64,
}

const COLONNES: &str = "id, nom, description, porteur_id, niveau, ingenierie, services, publics, tailles, couverture, contact, url, relais_de, \
    source, licence, verifie_le, demo, version, modifie_le";

fn fiche(r: &sqlx::any::AnyRow) -> Result<FicheDispositif, StoreError> {
    let niveau: String = r.try_get("niveau")?;
    let ingenierie: String = r.try_get("ingenierie")?;
    let couverture: String = r.try_get("couverture")?;
    Ok(FicheDispositif {
        id: r.try_get("id")?,
        dispositif: Dispositif {
            nom: r.try_get("nom")?,
            description: r.try_get("description")?,
            niveau: NiveauDispositif::from_slug(&niveau)
                .ok_or_else(|| corrompu("niveau", &niveau))?,
            ingenierie: Ingenierie::from_slug(&ingenierie)
                .ok_or_else(|| corrompu("ingénierie", &ingenierie))?,
            services: slugs(
                &r.try_get::<String, _>("services")?,
                "service",
                Service::from_slug,
            )?,
            publics: slugs(
                &r.try_get::<String, _>("publics")?,
                "public",
                Profil::from_slug,
            )?,
            tailles: slugs(
                &r.try_get::<String, _>("tailles")?,
                "taille",
                Taille::from_slug,
            )?,
            couverture: couverture
                .split_whitespace()
                .map(|c| Lieu::parse_cle(c).ok_or_else(|| corrompu("territoire", c)))
                .collect::<Result<_, _>>()?,
            contact: r.try_get("contact")?,
            url: r.try_get("url")?,
            relais_de: r.try_get("relais_de")?,
        },
        porteur_id: r.try_get("porteur_id")?,
        source: r.try_get("source")?,
        licence: r.try_get("licence")?,
        verifie_le: r.try_get("verifie_le")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        version: r.try_get("version")?,
        modifie_le: r.try_get("modifie_le")?,
    })
}

fn couverture_txt(d: &Dispositif) -> String {
    d.couverture
        .iter()
        .map(Lieu::cle)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Provenance of a new scheme.
pub struct Provenance<'a> {
    pub porteur_id: Option<i64>,
    pub source: &'a str,
    pub licence: &'a str,
    pub demo: bool,
    pub cree_par: Option<i64>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    d: &Dispositif,
    nom_plie: &str,
    p: &Provenance<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO dispositifs (nom, nom_plie, description, porteur_id, niveau, ingenierie, services, publics, tailles, couverture, contact, url, relais_de, \
         source, licence, verifie_le, demo, cree_par, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $16, $16) RETURNING id",
    )
    .bind(&d.nom)
    .bind(nom_plie)
    .bind(&d.description)
    .bind(p.porteur_id)
    .bind(d.niveau.slug())
    .bind(d.ingenierie.slug())
    .bind(joindre(&d.services, Service::slug))
    .bind(joindre(&d.publics, Profil::slug))
    .bind(joindre(&d.tailles, Taille::slug))
    .bind(couverture_txt(d))
    .bind(&d.contact)
    .bind(&d.url)
    .bind(d.relais_de)
    .bind(p.source)
    .bind(p.licence)
    .bind(now)
    .bind(i64::from(p.demo))
    .bind(p.cree_par)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Updates if still at `version` (the content is verified now); false otherwise.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    d: &Dispositif,
    nom_plie: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE dispositifs SET nom = $1, nom_plie = $2, description = $3, niveau = $4, ingenierie = $5, services = $6, publics = $7, tailles = $8, \
         couverture = $9, contact = $10, url = $11, relais_de = $12, verifie_le = $13, modifie_le = $13, version = version + 1 WHERE id = $14 AND version = $15",
    )
    .bind(&d.nom)
    .bind(nom_plie)
    .bind(&d.description)
    .bind(d.niveau.slug())
    .bind(d.ingenierie.slug())
    .bind(joindre(&d.services, Service::slug))
    .bind(joindre(&d.publics, Profil::slug))
    .bind(joindre(&d.tailles, Taille::slug))
    .bind(couverture_txt(d))
    .bind(&d.contact)
    .bind(&d.url)
    .bind(d.relais_de)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<FicheDispositif>, StoreError> {
    let sql = format!("SELECT {COLONNES} FROM dispositifs WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(fiche).transpose()
}

/// Every scheme, by id (the coverage index is built from it).
pub async fn tous(db: &Db) -> Result<Vec<FicheDispositif>, StoreError> {
    let sql = format!("SELECT {COLONNES} FROM dispositifs ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(fiche).collect()
}

/// Schemes of the same carrying organisation with this folded name (duplicates).
pub async fn homonymes(
    conn: &mut AnyConnection,
    nom_plie: &str,
    porteur_id: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let rows = match porteur_id {
        Some(p) => {
            sqlx::query("SELECT id FROM dispositifs WHERE nom_plie = $1 AND porteur_id = $2")
                .bind(nom_plie)
                .bind(p)
                .fetch_all(conn)
                .await?
        }
        None => {
            sqlx::query("SELECT id FROM dispositifs WHERE nom_plie = $1 AND porteur_id IS NULL")
                .bind(nom_plie)
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Demonstration schemes (the demo loads them once).
pub async fn count_demo(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM dispositifs WHERE demo = 1")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

// ------------------------------------------------------------------------------- referrals

/// A referral as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Orientation {
    pub id: i64,
    pub de_dispositif: Option<i64>,
    pub vers_dispositif: i64,
    pub organisation_id: i64,
    pub service: Service,
    pub message: String,
    pub code_departement: Option<String>,
    pub raison_hors_couverture: Option<String>,
    pub etat: EtatOrientation,
    pub issue: Option<Issue>,
    pub commentaire: Option<String>,
    pub redirigee_vers: Option<i64>,
    pub auteur_id: Option<i64>,
    pub envoyee_le: i64,
    pub prise_en_charge_le: Option<i64>,
    pub cloturee_le: Option<i64>,
    pub version: i64,
}

/// A new referral.
pub struct NouvelleOrientation<'a> {
    pub de_dispositif: Option<i64>,
    pub vers_dispositif: i64,
    pub organisation_id: i64,
    pub service: Service,
    pub message: &'a str,
    pub code_departement: Option<&'a str>,
    pub raison_hors_couverture: Option<&'a str>,
    pub auteur_id: Option<i64>,
}

const COLONNES_ORIENTATION: &str = "id, de_dispositif, vers_dispositif, organisation_id, service, message, code_departement, raison_hors_couverture, \
    etat, issue, commentaire, redirigee_vers, auteur_id, envoyee_le, prise_en_charge_le, cloturee_le, version";

fn orientation(r: &sqlx::any::AnyRow) -> Result<Orientation, StoreError> {
    let service: String = r.try_get("service")?;
    let etat: String = r.try_get("etat")?;
    let issue: Option<String> = r.try_get("issue")?;
    Ok(Orientation {
        id: r.try_get("id")?,
        de_dispositif: r.try_get("de_dispositif")?,
        vers_dispositif: r.try_get("vers_dispositif")?,
        organisation_id: r.try_get("organisation_id")?,
        service: Service::from_slug(&service).ok_or_else(|| corrompu("service", &service))?,
        message: r.try_get("message")?,
        code_departement: r.try_get("code_departement")?,
        raison_hors_couverture: r.try_get("raison_hors_couverture")?,
        etat: EtatOrientation::from_slug(&etat).ok_or_else(|| corrompu("état", &etat))?,
        issue: issue
            .map(|i| Issue::from_slug(&i).ok_or_else(|| corrompu("issue", &i)))
            .transpose()?,
        commentaire: r.try_get("commentaire")?,
        redirigee_vers: r.try_get("redirigee_vers")?,
        auteur_id: r.try_get("auteur_id")?,
        envoyee_le: r.try_get("envoyee_le")?,
        prise_en_charge_le: r.try_get("prise_en_charge_le")?,
        cloturee_le: r.try_get("cloturee_le")?,
        version: r.try_get("version")?,
    })
}

pub async fn insert_orientation(
    conn: &mut AnyConnection,
    o: &NouvelleOrientation<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO orientations (de_dispositif, vers_dispositif, organisation_id, service, message, code_departement, raison_hors_couverture, etat, auteur_id, envoyee_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(o.de_dispositif)
    .bind(o.vers_dispositif)
    .bind(o.organisation_id)
    .bind(o.service.slug())
    .bind(o.message)
    .bind(o.code_departement)
    .bind(o.raison_hors_couverture)
    .bind(EtatOrientation::Envoyee.slug())
    .bind(o.auteur_id)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn orientation_par_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<Orientation>, StoreError> {
    let sql = format!("SELECT {COLONNES_ORIENTATION} FROM orientations WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(orientation).transpose()
}

/// Moves a referral from `de` (at `version`) to its next state; false when someone moved it in
/// between. Taking charge stamps `prise_en_charge_le`; closing and redirecting stamp
/// `cloturee_le` (a redirection closes this referral: the new one follows).
#[allow(clippy::too_many_arguments)]
pub async fn avancer_orientation(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    vers: EtatOrientation,
    issue: Option<Issue>,
    commentaire: Option<&str>,
    redirigee_vers: Option<i64>,
    now: i64,
) -> Result<bool, StoreError> {
    let (prise, cloture) = match vers {
        EtatOrientation::PriseEnCharge => (Some(now), None),
        EtatOrientation::Cloturee | EtatOrientation::Redirigee => (None, Some(now)),
        EtatOrientation::Envoyee => (None, None),
    };
    let done = sqlx::query(
        "UPDATE orientations SET etat = $1, issue = COALESCE($2, issue), commentaire = COALESCE($3, commentaire), redirigee_vers = COALESCE($4, redirigee_vers), \
         prise_en_charge_le = COALESCE(prise_en_charge_le, $5), cloturee_le = COALESCE($6, cloturee_le), version = version + 1 WHERE id = $7 AND version = $8",
    )
    .bind(vers.slug())
    .bind(issue.map(|i| i.slug()))
    .bind(commentaire)
    .bind(redirigee_vers)
    .bind(prise)
    .bind(cloture)
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Referrals received by a scheme (`vers`) or sent by it (`de`), latest first.
pub async fn orientations_du_dispositif(
    db: &Db,
    dispositif: i64,
) -> Result<Vec<Orientation>, StoreError> {
    let sql = format!(
        "SELECT {COLONNES_ORIENTATION} FROM orientations WHERE vers_dispositif = $1 OR de_dispositif = $1 ORDER BY envoyee_le DESC, id DESC LIMIT 500"
    );
    let rows = sqlx::query(&sql)
        .bind(dispositif)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(orientation).collect()
}

/// State and delay to take charge (seconds) of every referral received by a scheme, or else made
/// for requesters of a département, or else all: the articulation indicators come from them.
pub async fn delais(
    db: &Db,
    vers_dispositif: Option<i64>,
    code_departement: Option<&str>,
) -> Result<Vec<(EtatOrientation, Option<i64>)>, StoreError> {
    let sql = "SELECT etat, prise_en_charge_le - envoyee_le AS delai FROM orientations";
    let rows = match (vers_dispositif, code_departement) {
        (Some(v), _) => {
            sqlx::query(&format!("{sql} WHERE vers_dispositif = $1"))
                .bind(v)
                .fetch_all(db.pool())
                .await?
        }
        (None, Some(d)) => {
            sqlx::query(&format!("{sql} WHERE code_departement = $1"))
                .bind(d)
                .fetch_all(db.pool())
                .await?
        }
        (None, None) => sqlx::query(sql).fetch_all(db.pool()).await?,
    };
    rows.iter()
        .map(|r| {
            let etat: String = r.try_get("etat")?;
            Ok((
                EtatOrientation::from_slug(&etat).ok_or_else(|| corrompu("état", &etat))?,
                r.try_get("delai")?,
            ))
        })
        .collect()
}

// ------------------------------------------------------------------------------- programmes

/// A stored programme.
#[derive(Debug, Clone, PartialEq)]
pub struct FicheProgramme {
    pub id: i64,
    pub dispositif_id: i64,
    pub programme: alliances_domain::ingenieries::programme::Programme,
    pub demo: bool,
    pub version: i64,
    pub modifie_le: i64,
}

const COLONNES_PROGRAMME: &str =
    "id, dispositif_id, nom, nature, description, publics, territoires, ouverture, cloture, url, demo, version, modifie_le";

fn programme(r: &sqlx::any::AnyRow) -> Result<FicheProgramme, StoreError> {
    use alliances_domain::ingenieries::programme::{Nature, Programme};
    let nature: String = r.try_get("nature")?;
    let territoires: String = r.try_get("territoires")?;
    Ok(FicheProgramme {
        id: r.try_get("id")?,
        dispositif_id: r.try_get("dispositif_id")?,
        programme: Programme {
            nom: r.try_get("nom")?,
            nature: Nature::from_slug(&nature).ok_or_else(|| corrompu("nature", &nature))?,
            description: r.try_get("description")?,
            publics: slugs(
                &r.try_get::<String, _>("publics")?,
                "public",
                Profil::from_slug,
            )?,
            territoires: territoires
                .split_whitespace()
                .map(|c| Lieu::parse_cle(c).ok_or_else(|| corrompu("territoire", c)))
                .collect::<Result<_, _>>()?,
            ouverture: r.try_get("ouverture")?,
            cloture: r.try_get("cloture")?,
            url: r.try_get("url")?,
        },
        demo: r.try_get::<i64, _>("demo")? != 0,
        version: r.try_get("version")?,
        modifie_le: r.try_get("modifie_le")?,
    })
}

pub async fn insert_programme(
    conn: &mut AnyConnection,
    dispositif: i64,
    p: &alliances_domain::ingenieries::programme::Programme,
    demo: bool,
    cree_par: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO programmes (dispositif_id, nom, nature, description, publics, territoires, ouverture, cloture, url, demo, cree_par, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(dispositif)
    .bind(&p.nom)
    .bind(p.nature.slug())
    .bind(&p.description)
    .bind(joindre(&p.publics, Profil::slug))
    .bind(p.territoires.iter().map(Lieu::cle).collect::<Vec<_>>().join(" "))
    .bind(&p.ouverture)
    .bind(&p.cloture)
    .bind(&p.url)
    .bind(i64::from(demo))
    .bind(cree_par)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Every programme, by id (the index keeps them with the schemes).
pub async fn programmes(db: &Db) -> Result<Vec<FicheProgramme>, StoreError> {
    let sql = format!("SELECT {COLONNES_PROGRAMME} FROM programmes ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(programme).collect()
}
