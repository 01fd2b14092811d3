//! The territorial referential in the database: replaced as a whole, in one transaction, under
//! the `referentiel` lock; read back whole at start.

use crate::changes;
use crate::db::{Backend, Db, StoreError};
use alliances_domain::territoires::*;
use alliances_domain::texte::fold;
use sqlx::{Any, AnyConnection, Row};
use std::collections::HashMap;

const COLUMNS: [&str; 15] = [
    "id",
    "niveau",
    "code",
    "type",
    "nom",
    "nom_plie",
    "zone",
    "code_region",
    "code_departement",
    "code_parent",
    "code_epci",
    "chef_lieu",
    "population",
    "siren",
    "mode_financement",
];
/// Rows per multi-row INSERT. PostgreSQL gains from few round trips; SQLite is in-process and its
/// driver resolves each `$n` by scanning the statement's parameters, so large statements cost
/// O(parameters²) there: keep them small.
fn rows_per_insert(backend: Backend) -> usize {
    match backend {
        Backend::Postgres => 400,
        Backend::Sqlite => 20,
    }
}

/// One row of the `territoires` table.
struct TerritoireRow<'a> {
    niveau: &'static str,
    code: &'a str,
    type_: &'a str,
    nom: &'a str,
    zone: Option<&'static str>,
    code_region: Option<&'a str>,
    code_departement: Option<&'a str>,
    code_parent: Option<&'a str>,
    code_epci: Option<&'a str>,
    chef_lieu: Option<&'a str>,
    population: Option<i64>,
    siren: Option<&'a str>,
    mode_financement: Option<&'a str>,
}

fn rows(data: &ReferentielData) -> Vec<TerritoireRow<'_>> {
    let mut out = Vec::with_capacity(
        data.regions.len() + data.departements.len() + data.epcis.len() + data.communes.len(),
    );
    let blank = TerritoireRow {
        niveau: "",
        code: "",
        type_: "",
        nom: "",
        zone: None,
        code_region: None,
        code_departement: None,
        code_parent: None,
        code_epci: None,
        chef_lieu: None,
        population: None,
        siren: None,
        mode_financement: None,
    };
    for r in &data.regions {
        out.push(TerritoireRow {
            niveau: Niveau::Region.slug(),
            code: &r.code,
            type_: Niveau::Region.slug(),
            nom: &r.nom,
            zone: Some(r.zone.code()),
            chef_lieu: r.chef_lieu.as_deref(),
            ..blank
        });
    }
    for d in &data.departements {
        out.push(TerritoireRow {
            niveau: Niveau::Departement.slug(),
            code: &d.code,
            type_: Niveau::Departement.slug(),
            nom: &d.nom,
            zone: Some(d.zone.code()),
            code_region: Some(&d.code_region),
            chef_lieu: d.chef_lieu.as_deref(),
            ..blank
        });
    }
    for e in &data.epcis {
        out.push(TerritoireRow {
            niveau: Niveau::Epci.slug(),
            code: &e.siren,
            type_: e.type_epci.code(),
            nom: &e.nom,
            siren: Some(&e.siren),
            mode_financement: e.mode_financement.as_deref(),
            ..blank
        });
    }
    for c in &data.communes {
        out.push(TerritoireRow {
            niveau: Niveau::Commune.slug(),
            code: &c.code,
            type_: c.type_commune.slug(),
            nom: &c.nom,
            zone: Some(c.zone.code()),
            code_region: Some(&c.code_region),
            code_departement: Some(&c.code_departement),
            code_parent: c.code_parent.as_deref(),
            code_epci: c.code_epci.as_deref(),
            population: c.population.map(|p| p as i64),
            siren: c.siren.as_deref(),
            ..blank
        });
    }
    out
}

fn placeholders(rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(r * cols + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// Takes a named lock until the end of the transaction: the first write of the transaction, so
/// that PostgreSQL holds the row lock and SQLite the database write lock.
pub(crate) async fn lock(conn: &mut AnyConnection, name: &str) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE verrous SET compteur = compteur + 1 WHERE nom = $1")
        .bind(name)
        .execute(conn)
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Corrupt(format!("verrou « {name} » absent")));
    }
    Ok(())
}

async fn count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM territoires")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Number of territories stored (0 before the first load).
pub async fn count_all(db: &Db) -> Result<i64, StoreError> {
    let mut conn = db.pool().acquire().await?;
    count(&mut conn).await
}

async fn write_all(
    conn: &mut AnyConnection,
    backend: Backend,
    data: &ReferentielData,
    now: i64,
) -> Result<(), StoreError> {
    let batch = rows_per_insert(backend);
    sqlx::query("DELETE FROM codes_postaux")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM territoires")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM referentiel_source")
        .execute(&mut *conn)
        .await?;
    let all = rows(data);
    let mut id_of: HashMap<(&str, &str), i64> = HashMap::new();
    for (chunk_no, chunk) in all.chunks(batch).enumerate() {
        let sql = format!(
            "INSERT INTO territoires ({}) VALUES {}",
            COLUMNS.join(", "),
            placeholders(chunk.len(), COLUMNS.len())
        );
        let mut q = sqlx::query::<Any>(&sql);
        for (i, r) in chunk.iter().enumerate() {
            let id = (chunk_no * batch + i + 1) as i64;
            if r.niveau == "commune"
                && matches!(r.type_, "commune-actuelle" | "arrondissement-municipal")
            {
                id_of.insert((r.code, r.type_), id);
            }
            q = q
                .bind(id)
                .bind(r.niveau)
                .bind(r.code)
                .bind(r.type_)
                .bind(r.nom)
                .bind(fold(r.nom))
                .bind(r.zone)
                .bind(r.code_region)
                .bind(r.code_departement)
                .bind(r.code_parent)
                .bind(r.code_epci)
                .bind(r.chef_lieu)
                .bind(r.population)
                .bind(r.siren)
                .bind(r.mode_financement);
        }
        q.execute(&mut *conn).await?;
    }
    let mut postal: Vec<(&str, i64)> = Vec::new();
    for c in &data.communes {
        if let Some(&id) = id_of.get(&(c.code.as_str(), c.type_commune.slug())) {
            postal.extend(c.codes_postaux.iter().map(|cp| (cp.as_str(), id)));
        }
    }
    for chunk in postal.chunks(batch * 4) {
        let sql = format!(
            "INSERT INTO codes_postaux (code_postal, territoire_id) VALUES {}",
            placeholders(chunk.len(), 2)
        );
        let mut q = sqlx::query::<Any>(&sql);
        for (cp, id) in chunk {
            q = q.bind(*cp).bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    for (k, v) in [
        ("source", &data.source.source),
        ("licence", &data.source.licence),
        ("millesime", &data.source.millesime),
        ("populations", &data.source.populations),
    ] {
        sqlx::query("INSERT INTO referentiel_source (cle, valeur) VALUES ($1, $2)")
            .bind(k)
            .bind(v)
            .execute(&mut *conn)
            .await?;
    }
    changes::append(conn, "referentiel", "*", "remplacement", now).await
}

/// Replaces the whole referential in one transaction (all or nothing).
pub async fn replace(db: &Db, data: &ReferentielData, now: i64) -> Result<(), StoreError> {
    let mut tx = db.pool().begin().await?;
    lock(&mut tx, "referentiel").await?;
    write_all(&mut tx, db.backend(), data, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Loads the referential when the database has none; returns whether it did. Safe when several
/// processes start at once: the check runs under the lock.
pub async fn load_if_empty(
    db: &Db,
    data: impl FnOnce() -> ReferentielData,
    now: i64,
) -> Result<bool, StoreError> {
    if count_all(db).await? > 0 {
        return Ok(false);
    }
    let mut tx = db.pool().begin().await?;
    lock(&mut tx, "referentiel").await?;
    if count(&mut tx).await? > 0 {
        return Ok(false);
    }
    write_all(&mut tx, db.backend(), &data(), now).await?;
    tx.commit().await?;
    Ok(true)
}

fn opt(row: &sqlx::any::AnyRow, col: &str) -> Result<Option<String>, sqlx::Error> {
    row.try_get::<Option<String>, _>(col)
}

/// Reads the whole referential back; `None` when the database has none.
pub async fn load(db: &Db) -> Result<Option<ReferentielData>, StoreError> {
    let mut conn = db.pool().acquire().await?;
    let source_rows = sqlx::query("SELECT cle, valeur FROM referentiel_source")
        .fetch_all(&mut *conn)
        .await?;
    if source_rows.is_empty() {
        return Ok(None);
    }
    let mut source = SourceInfo {
        source: String::new(),
        licence: String::new(),
        millesime: String::new(),
        populations: String::new(),
    };
    for r in &source_rows {
        let value: String = r.try_get("valeur")?;
        match r.try_get::<String, _>("cle")?.as_str() {
            "source" => source.source = value,
            "licence" => source.licence = value,
            "millesime" => source.millesime = value,
            "populations" => source.populations = value,
            _ => {}
        }
    }
    let mut postal: HashMap<i64, Vec<String>> = HashMap::new();
    for r in
        sqlx::query("SELECT code_postal, territoire_id FROM codes_postaux ORDER BY code_postal")
            .fetch_all(&mut *conn)
            .await?
    {
        postal
            .entry(r.try_get("territoire_id")?)
            .or_default()
            .push(r.try_get("code_postal")?);
    }
    let all = sqlx::query(&format!(
        "SELECT {} FROM territoires ORDER BY id",
        COLUMNS.join(", ")
    ))
    .fetch_all(&mut *conn)
    .await?;
    let mut data = ReferentielData {
        source,
        regions: Vec::new(),
        departements: Vec::new(),
        epcis: Vec::new(),
        communes: Vec::new(),
    };
    let corrupt = |what: String| StoreError::Corrupt(what);
    for r in &all {
        let id: i64 = r.try_get("id")?;
        let niveau: String = r.try_get("niveau")?;
        let code: String = r.try_get("code")?;
        let type_: String = r.try_get("type")?;
        let nom: String = r.try_get("nom")?;
        let zone = opt(r, "zone")?
            .map(|z| {
                Zone::from_code(&z)
                    .ok_or_else(|| corrupt(format!("zone « {z} » du territoire {id}")))
            })
            .transpose()?;
        let need_zone =
            || zone.ok_or_else(|| corrupt(format!("zone manquante pour le territoire {id}")));
        match niveau.as_str() {
            "region" => data.regions.push(Region {
                code,
                nom,
                zone: need_zone()?,
                chef_lieu: opt(r, "chef_lieu")?,
            }),
            "departement" => data.departements.push(Departement {
                code,
                nom,
                code_region: opt(r, "code_region")?
                    .ok_or_else(|| corrupt(format!("département {id} sans région")))?,
                zone: need_zone()?,
                chef_lieu: opt(r, "chef_lieu")?,
            }),
            "epci" => data.epcis.push(Epci {
                siren: code,
                nom,
                type_epci: TypeEpci::from_code(&type_)
                    .ok_or_else(|| corrupt(format!("type d'EPCI « {type_} »")))?,
                mode_financement: opt(r, "mode_financement")?,
            }),
            "commune" => data.communes.push(Commune {
                type_commune: TypeCommune::from_slug(&type_)
                    .ok_or_else(|| corrupt(format!("type de commune « {type_} »")))?,
                nom,
                code_departement: opt(r, "code_departement")?.unwrap_or_default(),
                code_region: opt(r, "code_region")?.unwrap_or_default(),
                code_parent: opt(r, "code_parent")?,
                code_epci: opt(r, "code_epci")?,
                population: r.try_get::<Option<i64>, _>("population")?.map(|p| p as u64),
                siren: opt(r, "siren")?,
                codes_postaux: postal.remove(&id).unwrap_or_default(),
                zone: need_zone()?,
                code,
            }),
            other => return Err(corrupt(format!("niveau « {other} »"))),
        }
    }
    Ok(Some(data))
}
