//! Batch reads and writes of the annuaire imports: identifiers of many rows at once, multi-row
//! inserts, the per-batch lock on the import batch ("lot"), the same-commune duplicate
//! candidates of many rows in one query.
//!
//! Columns are encoded exactly as in [`crate::organisations`] (space-separated territories,
//! comma-separated SDGs and partnership slugs, themes as JSON); the conformance test
//! `import_rows_round_trip` reads the rows written here back through `organisations::get`.

use crate::db::{Backend, StoreError};
use alliances_domain::annuaire::Organisation;
use sqlx::{AnyConnection, Row};

/// Rows per multi-row `INSERT` (33 values each). SQLite's driver resolves every `$n`
/// placeholder by name, a linear scan each, so wide statements with `$n` cost quadratic time
/// there (the reason for ARCHITECTURE.md's 20-row rule); [`inserer`] writes anonymous `?`
/// placeholders on SQLite instead, bound by position, which lifts it. PostgreSQL stays on `$n`.
pub fn rows_per_insert(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 100,
        Backend::Postgres => 200,
    }
}

/// Identifiers per `IN (…)` list.
const IN_MAX: usize = 400;

/// Provenance of an imported row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance<'a> {
    pub source: &'a str,
    pub licence: &'a str,
    pub lot_id: i64,
    /// When the source last confirmed the record (the register's update date, else now).
    pub verifie_le: i64,
}

/// An organisation already stored that carries one of the identifiers looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existant {
    pub id: i64,
    pub rna: Option<String>,
    pub siret: Option<String>,
}

/// Takes the write lock for one batch of lot `lot_id` and checks that nobody else moved its
/// resume point: returns false when the lot is finished or its last committed line is not
/// `derniere_ligne` (another process is importing the same file).
pub async fn verrouiller_lot(
    conn: &mut AnyConnection,
    lot_id: i64,
    derniere_ligne: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE import_lots SET derniere_ligne = derniere_ligne WHERE id = $1 AND derniere_ligne = $2 AND etat = 'en-cours'",
    )
    .bind(lot_id)
    .bind(derniere_ligne)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The connection an import writes all its batches with. On SQLite, set for bulk writing: a
/// 128 MiB page cache (default 2 MB) kept warm from one batch to the next, the statement
/// journals of the multi-row inserts in memory (`temp_store`; a temporary file by default),
/// the WAL checkpointed every 20,000 pages rather than 1,000. The connection is closed, not
/// returned to the pool, when dropped: these settings stay with the import.
pub type ConnexionImport = sqlx::pool::PoolConnection<sqlx::Any>;

/// Takes a connection from the pool for an import, with its settings.
pub async fn connexion(db: &crate::Db) -> Result<ConnexionImport, StoreError> {
    let mut conn = db.pool().acquire().await?;
    if db.backend() == Backend::Sqlite {
        conn.close_on_drop();
        for p in [
            "PRAGMA cache_size = -131072",
            "PRAGMA temp_store = MEMORY",
            "PRAGMA wal_autocheckpoint = 20000",
        ] {
            sqlx::query(p).execute(&mut *conn).await?;
        }
    }
    Ok(conn)
}

/// Begins the transaction of one batch on the import's connection.
pub async fn transaction(
    conn: &mut ConnexionImport,
) -> Result<sqlx::Transaction<'_, sqlx::Any>, StoreError> {
    use sqlx::Connection;
    Ok(conn.begin().await?)
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn existants_par(
    conn: &mut AnyConnection,
    column: &str,
    values: &[&str],
) -> Result<Vec<Existant>, StoreError> {
    let mut out = Vec::new();
    // Anonymous `?` on SQLite, as in [`inserer`]: the driver looks every named `$n` up by name
    // (a scan of the statement's names each), quadratic over a list of 400.
    let sqlite = conn.backend_name().eq_ignore_ascii_case("sqlite");
    for chunk in values.chunks(IN_MAX) {
        let liste = if sqlite {
            vec!["?"; chunk.len()].join(", ")
        } else {
            placeholders(1, chunk.len())
        };
        let sql = format!("SELECT id, rna, siret FROM organisations WHERE {column} IN ({liste})");
        let mut q = sqlx::query(&sql);
        for v in chunk {
            q = q.bind(*v);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(Existant {
                id: r.try_get("id")?,
                rna: r.try_get("rna")?,
                siret: r.try_get("siret")?,
            });
        }
    }
    Ok(out)
}

/// The organisations carrying one of these RNA identifiers (merged records included: they keep
/// their identifiers).
pub async fn par_rna(conn: &mut AnyConnection, rnas: &[&str]) -> Result<Vec<Existant>, StoreError> {
    existants_par(conn, "rna", rnas).await
}

/// The organisations carrying one of these SIRETs.
pub async fn par_siret(
    conn: &mut AnyConnection,
    sirets: &[&str],
) -> Result<Vec<Existant>, StoreError> {
    existants_par(conn, "siret", sirets).await
}

const INSERT_COLUMNS: &str = "nom, nom_normalise, sigle, profil, sous_type, taille, siren, siret, rna, commune, \
    departement, national, perimetre, odd_principal, odd_secondaires, themes, description, site_web, contact_public, \
    contacts_prives, partenariats, catalyseur, etat, date_creation, date_fin, source, licence, lot_id, verifie_le, \
    cree_le, modifie_le, version, demo";
const INSERT_COUNT: usize = 33;

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds the 25 content columns, in the order of `INSERT_COLUMNS` (the encoding of
/// [`crate::organisations`], shared).
fn bind_contenu<'q>(q: Query<'q>, o: &'q Organisation) -> Query<'q> {
    crate::organisations::bind_org(q, o)
}

/// Inserts organisations with multi-row statements ([`rows_per_insert`] rows each); returns
/// their ids in the order of `rows`. Ids of one statement are assigned in the order of its rows
/// (sorted, the returned ids give that order whatever order the database returns them in).
pub async fn inserer(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[(&Organisation, &Provenance<'_>)],
    now: i64,
) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::with_capacity(rows.len());
    let per = rows_per_insert(backend);
    for chunk in rows.chunks(per) {
        let values = (0..chunk.len())
            .map(|k| match backend {
                // Anonymous `?` on SQLite: named `$n` placeholders are looked up one by one by
                // name (linear each), which makes wide statements quadratic.
                Backend::Sqlite => format!("({})", vec!["?"; INSERT_COUNT].join(", ")),
                Backend::Postgres => {
                    format!("({})", placeholders(k * INSERT_COUNT + 1, INSERT_COUNT))
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        // SQLite: no `RETURNING` (the driver hands rows over one by one, through a channel); the
        // table's ids are `AUTOINCREMENT`, so the rows of one statement get consecutive ids
        // (each one more than the largest ever given), the last one being `last_insert_rowid()`.
        let sql = match backend {
            Backend::Sqlite => {
                format!("INSERT INTO organisations ({INSERT_COLUMNS}) VALUES {values}")
            }
            Backend::Postgres => {
                format!("INSERT INTO organisations ({INSERT_COLUMNS}) VALUES {values} RETURNING id")
            }
        };
        let mut q = sqlx::query(&sql);
        for (o, p) in chunk {
            q = bind_contenu(q, o)
                .bind(p.source.to_string())
                .bind(p.licence.to_string())
                .bind(p.lot_id)
                .bind(p.verifie_le)
                .bind(now)
                .bind(now)
                .bind(1i64)
                .bind(0i64);
        }
        let mut got = match backend {
            Backend::Sqlite => {
                let r = q.execute(&mut *conn).await?;
                // (The `Any` driver does not pass the last insert rowid on: asked for.)
                let last: i64 = sqlx::query("SELECT last_insert_rowid() AS id")
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("id")?;
                let n = chunk.len() as i64;
                if r.rows_affected() == chunk.len() as u64 && last >= n {
                    (last - n + 1..=last).collect()
                } else {
                    Vec::new()
                }
            }
            Backend::Postgres => q
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("id"))
                .collect::<Result<Vec<_>, _>>()?,
        };
        if got.len() != chunk.len() {
            return Err(StoreError::Corrupt(format!(
                "insertion de {} organisations : {} identifiants rendus",
                chunk.len(),
                got.len()
            )));
        }
        got.sort_unstable();
        ids.extend(got);
    }
    Ok(ids)
}

/// Replaces the content and provenance of an imported organisation (version bumped).
pub async fn mettre_a_jour(
    conn: &mut AnyConnection,
    id: i64,
    o: &Organisation,
    p: &Provenance<'_>,
    now: i64,
) -> Result<(), StoreError> {
    let sets = INSERT_COLUMNS
        .split(", ")
        .take(25)
        .enumerate()
        .map(|(i, c)| format!("{} = ${}", c.trim(), i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE organisations SET {sets}, source = $26, licence = $27, lot_id = $28, verifie_le = $29, modifie_le = $30, \
         version = version + 1 WHERE id = $31"
    );
    bind_contenu(sqlx::query(&sql), o)
        .bind(p.source.to_string())
        .bind(p.licence.to_string())
        .bind(p.lot_id)
        .bind(p.verifie_le)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Queues likely duplicates for review, many per statement: (a, b, reason, score) with the
/// smaller id first, as `moderation::add_doublon` does; a pair already queued stays as it is.
pub async fn ajouter_doublons(
    conn: &mut AnyConnection,
    backend: Backend,
    paires: &[(i64, i64, &str, f64)],
    now: i64,
) -> Result<(), StoreError> {
    for chunk in paires.chunks(100) {
        let values = (0..chunk.len())
            .map(|k| match backend {
                Backend::Sqlite => "(?, ?, ?, ?, 'a-examiner', ?)".to_string(),
                Backend::Postgres => format!(
                    "(${}, ${}, ${}, ${}, 'a-examiner', ${})",
                    5 * k + 1,
                    5 * k + 2,
                    5 * k + 3,
                    5 * k + 4,
                    5 * k + 5
                ),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO doublons (organisation_a, organisation_b, raison, score, etat, cree_le) VALUES {values} \
             ON CONFLICT (organisation_a, organisation_b) DO NOTHING"
        );
        let mut q = sqlx::query(&sql);
        for (a, b, raison, score) in chunk {
            let (a, b) = if a < b { (*a, *b) } else { (*b, *a) };
            q = q
                .bind(a)
                .bind(b)
                .bind(raison.to_string())
                .bind(*score)
                .bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One duplicate lookup: the live organisations of `commune` whose normalised names sort next
/// to `nom` on the `(commune, nom_normalise)` index ("sorted neighbourhood"): from `nom` on
/// (the same name first), and just before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voisinage {
    pub commune: String,
    pub nom: String,
}

/// Lookups per statement (two arms and two placeholders each).
const VOISINAGES_PAR_REQUETE: usize = 20;

/// Neighbours of several names in one statement: at most `apres` names from each name on and
/// `avant` names before it, per commune. Returns (lookup index, id, normalised name).
///
/// The statement returns a single row: the neighbours aggregated into one text (`k`, id and
/// name separated by U+001F, records by U+001E; normalised names hold neither), so that the
/// driver hands over one row per statement instead of one per neighbour.
pub async fn voisins(
    conn: &mut AnyConnection,
    backend: Backend,
    voisinages: &[Voisinage],
    apres: i64,
    avant: i64,
) -> Result<Vec<(usize, i64, String)>, StoreError> {
    let mut out = Vec::new();
    for (c, chunk) in voisinages.chunks(VOISINAGES_PAR_REQUETE).enumerate() {
        let arms = (0..chunk.len())
            .flat_map(|k| {
                let (p1, p2) = (2 * k + 1, 2 * k + 2);
                [
                    format!(
                        "SELECT * FROM (SELECT {k} AS k, id, nom_normalise FROM organisations \
                         WHERE commune = ${p1} AND nom_normalise >= ${p2} AND fusionnee_dans IS NULL \
                         ORDER BY nom_normalise LIMIT {apres}) AS a{k}"
                    ),
                    format!(
                        "SELECT * FROM (SELECT {k} AS k, id, nom_normalise FROM organisations \
                         WHERE commune = ${p1} AND nom_normalise < ${p2} AND fusionnee_dans IS NULL \
                         ORDER BY nom_normalise DESC LIMIT {avant}) AS b{k}"
                    ),
                ]
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let record = "CAST(k AS TEXT) || CHR(31) || CAST(id AS TEXT) || CHR(31) || nom_normalise";
        let sql = match backend {
            Backend::Sqlite => format!(
                "SELECT group_concat({}, CHAR(30)) AS v FROM ({arms}) AS t",
                record.replace("CHR(", "CHAR(")
            ),
            Backend::Postgres => {
                format!("SELECT string_agg({record}, CHR(30)) AS v FROM ({arms}) AS t")
            }
        };
        let mut q = sqlx::query(&sql);
        for v in chunk {
            q = q.bind(v.commune.clone()).bind(v.nom.clone());
        }
        let v: Option<String> = q.fetch_one(&mut *conn).await?.try_get("v")?;
        for rec in v
            .as_deref()
            .unwrap_or("")
            .split('\u{1e}')
            .filter(|r| !r.is_empty())
        {
            let mut it = rec.splitn(3, '\u{1f}');
            let (Some(k), Some(id), Some(nom)) = (it.next(), it.next(), it.next()) else {
                return Err(StoreError::Corrupt(format!("voisins : « {rec} »")));
            };
            let (Ok(k), Ok(id)) = (k.parse::<usize>(), id.parse::<i64>()) else {
                return Err(StoreError::Corrupt(format!("voisins : « {rec} »")));
            };
            out.push((c * VOISINAGES_PAR_REQUETE + k, id, nom.to_string()));
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organisations;
    use alliances_domain::annuaire::Lieu;
    use alliances_domain::annuaire::{Etat, Profil, Rna, Siret, SousType, Taille, TypePartenariat};
    use alliances_domain::territoires::{CodeCommune, Niveau, Siren};

    fn org(nom: &str, rna: &str) -> Organisation {
        Organisation {
            nom: nom.into(),
            sigle: Some("SG".into()),
            profil: Profil::Association,
            sous_type: Some(SousType::AssociationEmployeuse),
            taille: Some(Taille::De10a49),
            siren: Some(Siren::parse("123456790").unwrap()),
            siret: Some(Siret::parse("12345679000021").unwrap()),
            rna: Some(Rna::parse(rna).unwrap()),
            commune: Some(CodeCommune::parse("69123").unwrap()),
            national: true,
            perimetre: vec![
                Lieu {
                    niveau: Niveau::Departement,
                    code: "69".into(),
                },
                Lieu {
                    niveau: Niveau::Epci,
                    code: "200046977".into(),
                },
            ],
            odd_principal: Some(3),
            odd_secondaires: vec![4, 17],
            themes: vec!["sport".into(), "santé « pour tous »".into()],
            description: "Ligne 1\nLigne 2".into(),
            site_web: Some("https://exemple.fr".into()),
            contact_public: Some("contact@exemple.fr".into()),
            contacts_prives: Some("privé".into()),
            partenariats: vec![
                TypePartenariat::MecenatFinancier,
                TypePartenariat::InnovationSocietale,
            ],
            catalyseur: true,
            etat: Etat::Dissoute,
            date_creation: Some("2001-02-03".into()),
            date_fin: Some("2020-01-01".into()),
        }
    }

    #[tokio::test]
    async fn import_rows_round_trip() {
        let t = crate::testing::fresh().await;
        let p = Provenance {
            source: "rna",
            licence: "LO",
            lot_id: 7,
            verifie_le: 1_000,
        };
        let a = org("Club de sport de Lyon", "W691000001");
        let mut b = org("Club de sport de Lyonn", "W691000002");
        b.siret = None;
        let mut tx = t.db.pool().begin().await.unwrap();
        assert!(verrouiller_lot(&mut tx, 1, 0).await.is_ok());
        let ids = inserer(&mut tx, t.db.backend(), &[(&a, &p), (&b, &p)], 2_000)
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert!(ids[0] < ids[1]);
        let f = organisations::get(&mut tx, ids[0]).await.unwrap().unwrap();
        assert_eq!(f.org, a);
        assert_eq!(
            (
                f.meta.source.as_str(),
                f.meta.licence.as_str(),
                f.meta.lot_id,
                f.meta.verifie_le,
                f.meta.cree_le,
                f.meta.version
            ),
            ("rna", "LO", Some(7), 1_000, 2_000, 1)
        );
        let mut a2 = a.clone();
        a2.nom = "Club de sport de Lyon 2".into();
        a2.themes.clear();
        mettre_a_jour(
            &mut tx,
            ids[0],
            &a2,
            &Provenance {
                lot_id: 8,
                ..p.clone()
            },
            3_000,
        )
        .await
        .unwrap();
        let f = organisations::get(&mut tx, ids[0]).await.unwrap().unwrap();
        assert_eq!(f.org, a2);
        assert_eq!(
            (f.meta.lot_id, f.meta.modifie_le, f.meta.version),
            (Some(8), 3_000, 2)
        );

        let e = par_rna(&mut tx, &["W691000001", "W691000002", "W000000000"])
            .await
            .unwrap();
        assert_eq!(e.len(), 2);
        let e = par_siret(&mut tx, &["12345679000021"]).await.unwrap();
        assert_eq!(
            e,
            vec![Existant {
                id: ids[0],
                rna: Some("W691000001".into()),
                siret: Some("12345679000021".into())
            }]
        );

        let v = vec![
            Voisinage {
                commune: "69123".into(),
                nom: "club sport lyonn".into(),
            },
            Voisinage {
                commune: "75056".into(),
                nom: "club sport lyonn".into(),
            },
        ];
        let c = voisins(&mut tx, t.db.backend(), &v, 5, 5).await.unwrap();
        let vus: Vec<(usize, i64)> = c.iter().map(|(k, id, _)| (*k, *id)).collect();
        assert_eq!(vus, vec![(0, ids[0]), (0, ids[1])]);
        let c = voisins(&mut tx, t.db.backend(), &v[..1], 1, 0)
            .await
            .unwrap();
        assert_eq!(
            c,
            vec![(0, ids[1], "club sport lyonn".to_string())],
            "the same name first"
        );
        tx.rollback().await.unwrap();
    }
}
