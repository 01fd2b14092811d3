//! Organisations of the annuaire and their offers and needs. Multi-valued fields are encoded as
//! text here, and only here (codes and slugs separated by spaces or commas, themes as JSON).

use crate::db::{Db, StoreError};
use alliances_domain::annuaire::{
    Etat, Lieu, NatureRessource, Organisation, Profil, Ressource, Rna, Sens, Siret, SousType,
    Taille, TypePartenariat,
};
use alliances_domain::territoires::{CodeCommune, Siren};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// What the platform knows about a record besides its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Where it comes from: `saisie` (typed on the platform), `rna`, `sirene`, `csv`, `demo`.
    pub source: String,
    pub licence: String,
    pub lot_id: Option<i64>,
    pub verifie_le: i64,
    pub rappel_le: Option<i64>,
    pub cree_le: i64,
    pub modifie_le: i64,
    pub version: i64,
    pub demo: bool,
    pub fusionnee_dans: Option<i64>,
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Fiche {
    pub id: i64,
    pub org: Organisation,
    pub meta: Meta,
}

/// A stored offer or need.
#[derive(Debug, Clone, PartialEq)]
pub struct FicheRessource {
    pub id: i64,
    pub organisation_id: i64,
    pub ressource: Ressource,
    pub cree_le: i64,
    pub modifie_le: i64,
}

pub(crate) fn join_u8(v: &[u8]) -> String {
    v.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
}

pub(crate) fn split_u8(s: &str) -> Result<Vec<u8>, StoreError> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse()
                .map_err(|_| StoreError::Corrupt(format!("liste d'ODD « {s} »")))
        })
        .collect()
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} « {v} »"))
}

fn slug<T>(what: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| corrupt(what, v))
}

fn opt_slug<T>(
    what: &str,
    v: Option<String>,
    f: fn(&str) -> Option<T>,
) -> Result<Option<T>, StoreError> {
    v.map(|v| slug(what, &v, f)).transpose()
}

const COLUMNS: &str = "id, nom, sigle, profil, sous_type, taille, siren, siret, rna, commune, national, perimetre, \
    odd_principal, odd_secondaires, themes, description, site_web, contact_public, contacts_prives, partenariats, \
    catalyseur, etat, date_creation, date_fin, source, licence, lot_id, verifie_le, rappel_le, cree_le, modifie_le, \
    version, demo, fusionnee_dans";

fn fiche_from(r: &AnyRow) -> Result<Fiche, StoreError> {
    let get_s = |c: &str| -> Result<String, StoreError> { Ok(r.try_get::<String, _>(c)?) };
    let get_o =
        |c: &str| -> Result<Option<String>, StoreError> { Ok(r.try_get::<Option<String>, _>(c)?) };
    let perimetre = get_s("perimetre")?
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(|p| Lieu::parse_cle(p).ok_or_else(|| corrupt("territoire", p)))
        .collect::<Result<Vec<_>, _>>()?;
    let themes_json = get_s("themes")?;
    let themes: Vec<String> =
        serde_json::from_str(&themes_json).map_err(|_| corrupt("thèmes", &themes_json))?;
    let partenariats = get_s("partenariats")?
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| slug("partenariat", p, TypePartenariat::from_slug))
        .collect::<Result<Vec<_>, _>>()?;
    let odd_principal: Option<i64> = r.try_get("odd_principal")?;
    let org = Organisation {
        nom: get_s("nom")?,
        sigle: get_o("sigle")?,
        profil: slug("profil", &get_s("profil")?, Profil::from_slug)?,
        sous_type: opt_slug("sous-type", get_o("sous_type")?, SousType::from_slug)?,
        taille: opt_slug("taille", get_o("taille")?, Taille::from_slug)?,
        siren: get_o("siren")?
            .map(|v| Siren::parse(&v).map_err(|_| corrupt("SIREN", &v)))
            .transpose()?,
        siret: get_o("siret")?
            .map(|v| Siret::parse(&v).map_err(|_| corrupt("SIRET", &v)))
            .transpose()?,
        rna: get_o("rna")?
            .map(|v| Rna::parse(&v).map_err(|_| corrupt("RNA", &v)))
            .transpose()?,
        commune: get_o("commune")?
            .map(|v| CodeCommune::parse(&v).map_err(|_| corrupt("commune", &v)))
            .transpose()?,
        national: r.try_get::<i64, _>("national")? != 0,
        perimetre,
        odd_principal: odd_principal.map(|n| n as u8),
        odd_secondaires: split_u8(&get_s("odd_secondaires")?)?,
        themes,
        description: get_s("description")?,
        site_web: get_o("site_web")?,
        contact_public: get_o("contact_public")?,
        contacts_prives: get_o("contacts_prives")?,
        partenariats,
        catalyseur: r.try_get::<i64, _>("catalyseur")? != 0,
        etat: slug("état", &get_s("etat")?, Etat::from_slug)?,
        date_creation: get_o("date_creation")?,
        date_fin: get_o("date_fin")?,
    };
    Ok(Fiche {
        id: r.try_get("id")?,
        org,
        meta: Meta {
            source: get_s("source")?,
            licence: get_s("licence")?,
            lot_id: r.try_get("lot_id")?,
            verifie_le: r.try_get("verifie_le")?,
            rappel_le: r.try_get("rappel_le")?,
            cree_le: r.try_get("cree_le")?,
            modifie_le: r.try_get("modifie_le")?,
            version: r.try_get("version")?,
            demo: r.try_get::<i64, _>("demo")? != 0,
            fusionnee_dans: r.try_get("fusionnee_dans")?,
        },
    })
}

/// The columns written from an organisation, in the order of [`WRITE_COLUMNS`].
pub(crate) const WRITE_COLUMNS: &str = "nom, nom_normalise, sigle, profil, sous_type, taille, siren, siret, rna, commune, \
    departement, national, perimetre, odd_principal, odd_secondaires, themes, description, site_web, contact_public, \
    contacts_prives, partenariats, catalyseur, etat, date_creation, date_fin";
pub(crate) const WRITE_COUNT: usize = 25;

pub(crate) fn bind_org<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    o: &Organisation,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(o.nom.clone())
        .bind(alliances_domain::annuaire::doublons::nom_normalise(&o.nom))
        .bind(o.sigle.clone())
        .bind(o.profil.slug())
        .bind(o.sous_type.map(|s| s.slug()))
        .bind(o.taille.map(|s| s.slug()))
        .bind(o.siren.as_ref().map(|s| s.as_str().to_string()))
        .bind(o.siret.as_ref().map(|s| s.as_str().to_string()))
        .bind(o.rna.as_ref().map(|s| s.as_str().to_string()))
        .bind(o.commune.as_ref().map(|s| s.as_str().to_string()))
        .bind(
            o.commune
                .as_ref()
                .map(|s| s.departement_prefix().to_string()),
        )
        .bind(i64::from(o.national))
        .bind(
            o.perimetre
                .iter()
                .map(Lieu::cle)
                .collect::<Vec<_>>()
                .join(" "),
        )
        .bind(o.odd_principal.map(i64::from))
        .bind(join_u8(&o.odd_secondaires))
        .bind(serde_json::to_string(&o.themes).unwrap_or_else(|_| "[]".into()))
        .bind(o.description.clone())
        .bind(o.site_web.clone())
        .bind(o.contact_public.clone())
        .bind(o.contacts_prives.clone())
        .bind(
            o.partenariats
                .iter()
                .map(|p| p.slug())
                .collect::<Vec<_>>()
                .join(","),
        )
        .bind(i64::from(o.catalyseur))
        .bind(o.etat.slug())
        .bind(o.date_creation.clone())
        .bind(o.date_fin.clone())
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts an organisation; returns its id.
pub async fn insert(
    conn: &mut AnyConnection,
    o: &Organisation,
    m: &Meta,
) -> Result<i64, StoreError> {
    let sql = format!(
        "INSERT INTO organisations ({WRITE_COLUMNS}, source, licence, lot_id, verifie_le, rappel_le, cree_le, modifie_le, version, demo) \
         VALUES ({}) RETURNING id",
        placeholders(1, WRITE_COUNT + 9)
    );
    let row = bind_org(sqlx::query(&sql), o)
        .bind(m.source.clone())
        .bind(m.licence.clone())
        .bind(m.lot_id)
        .bind(m.verifie_le)
        .bind(m.rappel_le)
        .bind(m.cree_le)
        .bind(m.modifie_le)
        .bind(m.version)
        .bind(i64::from(m.demo))
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// Replaces the content of an organisation when its version is still `version`; bumps the
/// version. Returns false when someone else changed it meanwhile (or it does not exist).
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    version: i64,
    o: &Organisation,
    verifie_le: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let sets = WRITE_COLUMNS
        .split(", ")
        .enumerate()
        .map(|(i, c)| format!("{} = ${}", c.trim(), i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let n = WRITE_COUNT;
    let sql = format!(
        "UPDATE organisations SET {sets}, verifie_le = ${}, modifie_le = ${}, version = version + 1, rappel_le = NULL \
         WHERE id = ${} AND version = ${}",
        n + 1,
        n + 2,
        n + 3,
        n + 4
    );
    let done = bind_org(sqlx::query(&sql), o)
        .bind(verifie_le)
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Updates an imported record from a newer file: content, provenance and batch.
pub async fn update_from_import(
    conn: &mut AnyConnection,
    id: i64,
    o: &Organisation,
    lot_id: i64,
    now: i64,
) -> Result<(), StoreError> {
    let sets = WRITE_COLUMNS
        .split(", ")
        .enumerate()
        .map(|(i, c)| format!("{} = ${}", c.trim(), i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let n = WRITE_COUNT;
    let sql = format!(
        "UPDATE organisations SET {sets}, lot_id = ${}, verifie_le = ${}, modifie_le = ${}, version = version + 1 WHERE id = ${}",
        n + 1,
        n + 2,
        n + 2,
        n + 3
    );
    bind_org(sqlx::query(&sql), o)
        .bind(lot_id)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Fiche>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organisations WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(fiche_from).transpose()
}

/// Organisations by id, in the order given (missing ids skipped).
pub async fn get_many(db: &Db, ids: &[i64]) -> Result<Vec<Fiche>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let sql = format!(
            "SELECT {COLUMNS} FROM organisations WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push(fiche_from(&r)?);
        }
    }
    let pos: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    out.sort_by_key(|f| pos.get(&f.id).copied().unwrap_or(usize::MAX));
    Ok(out)
}

/// A page of organisations by increasing id, after `after` (index rebuild, exports).
pub async fn page(db: &Db, after: i64, limit: i64) -> Result<Vec<Fiche>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM organisations WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = sqlx::query(&sql)
        .bind(after)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(fiche_from).collect()
}

pub async fn count(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM organisations WHERE fusionnee_dans IS NULL")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

/// Number of demonstration records.
pub async fn count_demo(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM organisations WHERE demo = 1")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}

pub async fn id_by_rna(conn: &mut AnyConnection, rna: &str) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT id FROM organisations WHERE rna = $1")
        .bind(rna)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

pub async fn id_by_siret(conn: &mut AnyConnection, siret: &str) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT id FROM organisations WHERE siret = $1")
        .bind(siret)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

/// Organisations with this SIREN (a company and its establishments, an EPCI).
pub async fn ids_by_siren(conn: &mut AnyConnection, siren: &str) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM organisations WHERE siren = $1 AND fusionnee_dans IS NULL ORDER BY id",
    )
    .bind(siren)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Into::into))
        .collect()
}

/// (id, name, commune) of the live organisations of a département, for duplicate detection.
pub async fn names_in_departement(
    conn: &mut AnyConnection,
    departement: &str,
    limit: i64,
) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, nom, commune FROM organisations WHERE departement = $1 AND fusionnee_dans IS NULL ORDER BY id LIMIT $2",
    )
    .bind(departement)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("nom")?, r.try_get("commune")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Live organisations with this normalised name in this commune.
pub async fn same_name_in_commune(
    conn: &mut AnyConnection,
    commune: &str,
    nom: &str,
) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM organisations WHERE commune = $1 AND nom_normalise = $2 AND fusionnee_dans IS NULL ORDER BY id",
    )
    .bind(commune)
    .bind(alliances_domain::annuaire::doublons::nom_normalise(nom))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Into::into))
        .collect()
}

/// Marks `from` as merged into `into` (its page redirects there).
pub async fn mark_merged(
    conn: &mut AnyConnection,
    from: i64,
    into: i64,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE organisations SET fusionnee_dans = $1, modifie_le = $2, version = version + 1 WHERE id = $3")
        .bind(into)
        .bind(now)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    // Earlier merges into `from` now point at `into`.
    sqlx::query("UPDATE organisations SET fusionnee_dans = $1 WHERE fusionnee_dans = $2")
        .bind(into)
        .bind(from)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stale live records whose owners were not reminded since `rappel_avant`.
pub async fn stale_to_remind(
    db: &Db,
    verifie_avant: i64,
    rappel_avant: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT id FROM organisations WHERE verifie_le < $1 AND (rappel_le IS NULL OR rappel_le < $2) \
         AND fusionnee_dans IS NULL AND demo = 0 ORDER BY id LIMIT $3",
    )
    .bind(verifie_avant)
    .bind(rappel_avant)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Into::into))
        .collect()
}

/// Records that the owners were reminded, unless another instance just did (since
/// `rappel_avant`): true when this call claimed the reminder.
pub async fn mark_reminded(
    conn: &mut AnyConnection,
    id: i64,
    rappel_avant: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE organisations SET rappel_le = $1 WHERE id = $2 AND (rappel_le IS NULL OR rappel_le < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(rappel_avant)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirms that the record is up to date without changing it.
pub async fn mark_verified(conn: &mut AnyConnection, id: i64, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE organisations SET verifie_le = $1, rappel_le = NULL WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

// --- Offers and needs -------------------------------------------------------------------------

const R_COLUMNS: &str =
    "id, organisation_id, sens, nature, titre, description, odd, territoire, debut, fin, cree_le, modifie_le";

fn ressource_from(r: &AnyRow) -> Result<FicheRessource, StoreError> {
    let territoire: Option<String> = r.try_get("territoire")?;
    Ok(FicheRessource {
        id: r.try_get("id")?,
        organisation_id: r.try_get("organisation_id")?,
        ressource: Ressource {
            sens: slug("sens", &r.try_get::<String, _>("sens")?, Sens::from_slug)?,
            nature: slug(
                "nature",
                &r.try_get::<String, _>("nature")?,
                NatureRessource::from_slug,
            )?,
            titre: r.try_get("titre")?,
            description: r.try_get("description")?,
            odd: split_u8(&r.try_get::<String, _>("odd")?)?,
            territoire: territoire
                .map(|t| Lieu::parse_cle(&t).ok_or_else(|| corrupt("territoire", &t)))
                .transpose()?,
            debut: r.try_get("debut")?,
            fin: r.try_get("fin")?,
        },
        cree_le: r.try_get("cree_le")?,
        modifie_le: r.try_get("modifie_le")?,
    })
}

pub async fn insert_ressource(
    conn: &mut AnyConnection,
    organisation_id: i64,
    r: &Ressource,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO ressources (organisation_id, sens, nature, titre, description, odd, territoire, debut, fin, cree_le, modifie_le) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(organisation_id)
    .bind(r.sens.slug())
    .bind(r.nature.slug())
    .bind(r.titre.clone())
    .bind(r.description.clone())
    .bind(join_u8(&r.odd))
    .bind(r.territoire.as_ref().map(Lieu::cle))
    .bind(r.debut.clone())
    .bind(r.fin.clone())
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_ressource(
    conn: &mut AnyConnection,
    id: i64,
    r: &Ressource,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE ressources SET sens = $1, nature = $2, titre = $3, description = $4, odd = $5, territoire = $6, \
         debut = $7, fin = $8, modifie_le = $9 WHERE id = $10",
    )
    .bind(r.sens.slug())
    .bind(r.nature.slug())
    .bind(r.titre.clone())
    .bind(r.description.clone())
    .bind(join_u8(&r.odd))
    .bind(r.territoire.as_ref().map(Lieu::cle))
    .bind(r.debut.clone())
    .bind(r.fin.clone())
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_ressource(conn: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM ressources WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get_ressource(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<FicheRessource>, StoreError> {
    let sql = format!("SELECT {R_COLUMNS} FROM ressources WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(ressource_from).transpose()
}

/// Offers and needs of several organisations (one query per 100 ids), by organisation then id.
pub async fn ressources_of(
    db: &Db,
    organisation_ids: &[i64],
) -> Result<Vec<FicheRessource>, StoreError> {
    let mut out = Vec::new();
    for chunk in organisation_ids.chunks(100) {
        let sql = format!(
            "SELECT {R_COLUMNS} FROM ressources WHERE organisation_id IN ({}) ORDER BY organisation_id, id",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.push(ressource_from(&r)?);
        }
    }
    Ok(out)
}

/// Offers and needs of organisations with ids in (after, until], for index rebuilds.
pub async fn ressources_in_range(
    db: &Db,
    after: i64,
    until: i64,
) -> Result<Vec<FicheRessource>, StoreError> {
    let sql = format!(
        "SELECT {R_COLUMNS} FROM ressources WHERE organisation_id > $1 AND organisation_id <= $2 ORDER BY organisation_id, id"
    );
    let rows = sqlx::query(&sql)
        .bind(after)
        .bind(until)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(ressource_from).collect()
}
