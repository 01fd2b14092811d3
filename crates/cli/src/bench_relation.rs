//! `alliances bench relation`: « mise en relation » (issue #7) at N organisations (default
//! 1,000,000), generated over the real communes by the app's generator into the real tables
//! (`organisations`, `ressources`) of a SQLite file — and of a PostgreSQL database with
//! `--database-url postgres://…` (or TEST_DATABASE_URL): a database `alliances_bench_relation` is
//! created beside the one named, and dropped at the end.
//!
//! Measured: the matching index's rebuild from the database (`relation::index::construire`, as
//! `App::open` does it) and its size in bytes per organisation; the top 20 for many question
//! organisations, single-threaded, in process (p50 / p90 / p99); the same ranking written as one
//! SQL query on each backend over the same data, timed on a few questions, with its top 20
//! checked against the index's (ids and scores).
//!
//! The SQL version computes the same formula from the stored columns: offers and needs grouped
//! from `ressources`, SDGs from `odd_principal` and the comma list `odd_secondaires`, the
//! headquarters' EPCI, département and région from `territoires`, the scope from `perimetre`
//! (entries naming the question's own territories, and the départements of its régions), the
//! maturity from the latest ODD 17 kit result. One simplification, stated in the report: a
//! candidate's scope entry naming an EPCI or a commune is only matched at its own level (the
//! expansion of an EPCI to its départements, of a commune to its EPCI, would need the
//! referential's hierarchy as a table); generated scopes name départements only.

use alliances_app::annuaire::generateur::Generateur;
use alliances_app::relation::{index as rindex, requete_de};
use alliances_app::App;
use alliances_domain::annuaire::Profil;
use alliances_domain::relation::{
    self as rel, Famille, Filtres, Focus, Proximite, FACTEUR_PERIME, ODD_PLAFOND,
};
use alliances_domain::territoires::Referentiel;
use alliances_search::relation::{IndexRelation, Requete};
use alliances_store::import_rows::{self, Provenance};
use alliances_store::organisations as store_orgs;
use alliances_store::Db;
use anyhow::{bail, Context};
use clap::Args;
use hdrhistogram::Histogram;
use sqlx::{Connection, Executor, Row};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct RelationArgs {
    /// Organisations generated.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    orgs: usize,
    /// Question organisations timed on the index.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    questions: usize,
    /// Questions timed (and checked against the index) on each SQL backend.
    #[arg(long, value_name = "N", default_value_t = 5)]
    sql_questions: usize,
    /// PostgreSQL server to measure as well (a database `alliances_bench_relation` is created
    /// there and dropped at the end); TEST_DATABASE_URL is used when absent.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Folder of the SQLite file (a temporary folder when absent).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

const K: usize = 20;
const AT: i64 = 1_790_000_000;

fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000_000, 3).expect("histogram bounds")
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// Writes `n` generated organisations and their offers and needs (multi-row inserts), then
/// spreads the verification dates over two years (about half stale).
async fn remplir(app: &App, n: usize) -> anyhow::Result<()> {
    let t = app.territoires();
    let mut g = Generateur::new(&t.referentiel, 2026, AT, "demo");
    let p = Provenance {
        source: "demo",
        licence: alliances_app::annuaire::LICENCE_OUVERTE,
        lot_id: 0,
        verifie_le: AT,
    };
    let debut = Instant::now();
    let mut fait = 0;
    let backend = app.db.backend();
    while fait < n {
        let k = (n - fait).min(10_000);
        let generes: Vec<_> = (0..k).map(|_| g.suivante()).collect();
        let lignes: Vec<_> = generes.iter().map(|x| (&x.org, &p)).collect();
        let mut tx = app.db.pool().begin().await?;
        let avant: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM organisations")
            .fetch_one(&mut *tx)
            .await?
            .try_get("m")?;
        import_rows::inserer(&mut tx, backend, &lignes, AT).await?;
        // Ids follow the insertion order in a fresh table.
        let mut valeurs: Vec<(i64, &'static str, &'static str)> = Vec::new();
        for (i, x) in generes.iter().enumerate() {
            for r in &x.ressources {
                valeurs.push((avant + 1 + i as i64, r.sens.slug(), r.nature.slug()));
            }
        }
        for chunk in valeurs.chunks(400) {
            let mut sql = String::from(
                "INSERT INTO ressources (organisation_id, sens, nature, titre, cree_le, modifie_le) VALUES ",
            );
            for (j, (id, sens, nature)) in chunk.iter().enumerate() {
                if j > 0 {
                    sql.push(',');
                }
                write!(sql, "({id}, '{sens}', '{nature}', 'Ressource', {AT}, {AT})")?;
            }
            tx.execute(sql.as_str()).await?;
        }
        tx.commit().await?;
        fait += k;
        if fait % 100_000 == 0 || fait == n {
            eprintln!(
                "  {fait} organisations written ({:.0} s)",
                debut.elapsed().as_secs_f64()
            );
        }
    }
    sqlx::query("UPDATE organisations SET verifie_le = verifie_le - ((id * 7919) % 730) * 86400")
        .execute(app.db.pool())
        .await?;
    let max: i64 = sqlx::query("SELECT MAX(id) AS m FROM organisations")
        .fetch_one(app.db.pool())
        .await?
        .try_get("m")?;
    if max != n as i64 {
        bail!("expected ids 1..{n}, found max {max}");
    }
    Ok(())
}

/// The questions: organisations spread over the ids, as the app builds them.
async fn questions(
    db: &Db,
    r: &Referentiel,
    n: usize,
    total: usize,
) -> anyhow::Result<Vec<Requete>> {
    let mut out = Vec::with_capacity(n);
    let pas = (total / n.max(1)).max(1);
    let mut conn = db.pool().acquire().await?;
    for i in 0..n {
        let id = (1 + i * pas) as i64;
        let Some(f) = store_orgs::get(&mut conn, id).await? else {
            continue;
        };
        let res = store_orgs::ressources_of(db, &[id]).await?;
        out.push(requete_de(r, &f, &res, None, Filtres::default(), AT));
    }
    Ok(out)
}

fn liste(v: impl IntoIterator<Item = String>) -> Option<String> {
    let v: Vec<String> = v.into_iter().collect();
    (!v.is_empty()).then(|| v.join(", "))
}

fn dans(col: &str, v: Option<&String>) -> String {
    match v {
        Some(l) => format!("{col} IN ({l})"),
        None => "1 = 0".into(),
    }
}

fn famille_sql(col: &str) -> String {
    let mut s = String::from("CASE ");
    for p in Profil::ALL {
        write!(
            s,
            "WHEN {col} = '{}' THEN {} ",
            p.slug(),
            Famille::de(*p) as u8
        )
        .ok();
    }
    s.push_str("ELSE 255 END");
    s
}

/// The ranking of `q` as one SQL query (the formula of `alliances_domain::relation`).
fn sql_classement(q: &Requete, moi: &MonTerritoire, r: &Referentiel) -> String {
    let natures = |m: u8| {
        liste(
            alliances_domain::annuaire::NatureRessource::ALL
                .iter()
                .filter(|n| m & (1 << n.index()) != 0)
                .map(|n| format!("'{}'", n.slug())),
        )
    };
    let (besoins, offres) = (natures(q.question.besoins), natures(q.question.offres));
    let mes_besoins = q.question.besoins.count_ones();
    let qp = q.question.odd_principal;
    let qs = q.question.odd_secondaires & !qp;
    let mut points = Vec::new();
    for n in 1..=17u32 {
        let bit = 1 << (n - 1);
        let (si_p, si_s) = if qp & bit != 0 {
            (3, 2)
        } else if qs & bit != 0 {
            (2, 1)
        } else {
            continue;
        };
        points.push(format!(
            "(CASE WHEN COALESCE(o.odd_principal, 0) = {n} THEN {si_p} \
             WHEN (',' || o.odd_secondaires || ',') LIKE '%,{n},%' THEN {si_s} ELSE 0 END)"
        ));
    }
    let points = if points.is_empty() {
        "0".to_string()
    } else {
        points.join(" + ")
    };
    let perimetre = |cles: &[String]| {
        if cles.is_empty() {
            "1 = 0".to_string()
        } else {
            cles.iter()
                .map(|c| format!("(' ' || o.perimetre || ' ') LIKE '% {c} %'"))
                .collect::<Vec<_>>()
                .join(" OR ")
        }
    };
    let deps_region: Vec<String> = moi
        .regions
        .iter()
        .filter_map(|c| r.find_region(c))
        .flat_map(|g| r.departements_of_region(g).to_vec())
        .map(|d| format!("departement:{}", r.departement(d).code))
        .chain(moi.regions.iter().map(|c| format!("region:{c}")))
        .collect();
    let niveau_siege = format!(
        "CASE WHEN {} THEN 0 WHEN {} THEN 1 WHEN {} THEN 2 WHEN {} THEN 3 ELSE 5 END",
        dans(
            "o.commune",
            liste(moi.communes.iter().map(|c| format!("'{c}'"))).as_ref()
        ),
        dans(
            "tc.code_epci",
            liste(moi.epcis.iter().map(|c| format!("'{c}'"))).as_ref()
        ),
        dans(
            "tc.code_departement",
            liste(moi.departements.iter().map(|c| format!("'{c}'"))).as_ref()
        ),
        dans(
            "tc.code_region",
            liste(moi.regions.iter().map(|c| format!("'{c}'"))).as_ref()
        ),
    );
    let niveau_portee = format!(
        "CASE WHEN o.perimetre = '' THEN 5 WHEN {} THEN 0 WHEN {} THEN 1 WHEN {} THEN 2 WHEN {} THEN 3 ELSE 5 END",
        perimetre(&moi.communes.iter().map(|c| format!("commune:{c}")).collect::<Vec<_>>()),
        perimetre(&moi.epcis.iter().map(|c| format!("epci:{c}")).collect::<Vec<_>>()),
        perimetre(&moi.departements.iter().map(|c| format!("departement:{c}")).collect::<Vec<_>>()),
        perimetre(&deps_region),
    );
    let national = if q.presence.est_nationale() {
        "1"
    } else {
        "o.national"
    };
    let part_proximite = format!(
        "CASE WHEN niveau = 0 THEN {} WHEN niveau = 1 THEN {} WHEN niveau = 2 THEN {} WHEN niveau = 3 THEN {} \
         WHEN nat <> 0 THEN {} ELSE {} END",
        Proximite::Commune.part(),
        Proximite::Epci.part(),
        Proximite::Departement.part(),
        Proximite::Region.part(),
        Proximite::National.part(),
        Proximite::Aucune.part(),
    );
    let (w_couverts, w_utiles) = match q.question.focus {
        Focus::Offre => (rel::POIDS_OFFRES_UTILES, rel::POIDS_BESOINS_COUVERTS),
        _ => (rel::POIDS_BESOINS_COUVERTS, rel::POIDS_OFFRES_UTILES),
    };
    let ma_famille = Famille::de(q.question.profil) as u8;
    let mon_profil = q.question.profil.slug();
    let jour = i64::from(q.jour);
    let exclure = q.exclure.unwrap_or(0);
    format!(
        "WITH r AS (SELECT organisation_id AS oid, \
           COUNT(DISTINCT CASE WHEN sens = 'offre' AND {couverts} THEN nature END) AS couverts, \
           COUNT(DISTINCT CASE WHEN sens = 'besoin' THEN nature END) AS leurs_besoins, \
           COUNT(DISTINCT CASE WHEN sens = 'besoin' AND {utiles} THEN nature END) AS utiles \
           FROM ressources GROUP BY organisation_id), \
         m AS (SELECT sujet_code, score_global, ROW_NUMBER() OVER \
           (PARTITION BY sujet_code ORDER BY terminee_at DESC, id DESC) AS rang FROM kit_passations \
           WHERE kit_id = '{kit}' AND sujet_type = 'organisation' AND terminee_at IS NOT NULL \
           AND score_global IS NOT NULL), \
         c AS (SELECT o.id, o.profil, o.verifie_le, \
           COALESCE(r.couverts, 0) AS couverts, COALESCE(r.leurs_besoins, 0) AS leurs_besoins, \
           COALESCE(r.utiles, 0) AS utiles, ({points}) AS points, \
           (CASE WHEN ({niveau_siege}) < ({niveau_portee}) THEN ({niveau_siege}) ELSE ({niveau_portee}) END) AS niveau, \
           {national} AS nat, \
           COALESCE(CAST(ROUND(m.score_global) AS INTEGER), 0) AS maturite \
           FROM organisations o \
           LEFT JOIN r ON r.oid = o.id \
           LEFT JOIN m ON m.sujet_code = CAST(o.id AS TEXT) AND m.rang = 1 \
           LEFT JOIN territoires tc ON tc.niveau = 'commune' AND tc.code = o.commune AND tc.type = 'commune-actuelle' \
           WHERE o.id <> {exclure} AND o.etat = 'active' AND o.fusionnee_dans IS NULL), \
         s AS (SELECT id, \
           {w_couverts} * (CASE WHEN {mes_besoins} = 0 THEN 0 ELSE 100 * couverts / {mes_besoins_div} END) \
           + {w_utiles} * (CASE WHEN leurs_besoins = 0 THEN 0 ELSE 100 * utiles / leurs_besoins END) \
           + {w_odd} * (100 * (CASE WHEN points > {plafond} THEN {plafond} ELSE points END) / {plafond}) \
           + {w_prox} * ({part_proximite}) \
           + {w_div} * (CASE WHEN ({famille}) <> {ma_famille} THEN 100 WHEN profil <> '{mon_profil}' THEN 50 ELSE 0 END) \
           + {w_mat} * maturite AS brut, \
           ({jour} - verifie_le / 86400) > {fraicheur} AS perime \
           FROM c) \
         SELECT id, CASE WHEN perime THEN brut * {facteur} / 100 ELSE brut END AS score \
         FROM s ORDER BY score DESC, id LIMIT {K}",
        couverts = dans("nature", besoins.as_ref()),
        utiles = dans("nature", offres.as_ref()),
        kit = rindex::KIT_MATURITE,
        mes_besoins_div = mes_besoins.max(1),
        w_odd = rel::POIDS_ODD,
        w_prox = rel::POIDS_PROXIMITE,
        w_div = rel::POIDS_DIVERSITE,
        w_mat = rel::POIDS_MATURITE,
        plafond = ODD_PLAFOND,
        famille = famille_sql("profil"),
        fraicheur = alliances_search::relation::JOURS_FRAICHEUR,
        facteur = FACTEUR_PERIME,
    )
}

/// The question organisation's territories as codes (for the SQL text).
struct MonTerritoire {
    communes: Vec<String>,
    epcis: Vec<String>,
    departements: Vec<String>,
    regions: Vec<String>,
}

async fn mon_territoire(db: &Db, r: &Referentiel, id: i64) -> anyhow::Result<MonTerritoire> {
    let mut conn = db.pool().acquire().await?;
    let f = store_orgs::get(&mut conn, id)
        .await?
        .context("question organisation")?;
    let s = rindex::siege(r, f.org.commune.as_ref().map(|c| c.as_str()));
    let p = rindex::presence(r, &f.org.perimetre);
    let mut m = MonTerritoire {
        communes: s
            .commune
            .iter()
            .chain(p.communes.iter())
            .map(|&c| r.commune(c).code.clone())
            .collect(),
        epcis: s
            .epci
            .iter()
            .chain(p.epcis.iter())
            .map(|&e| r.epci(u32::from(e)).siren.clone())
            .collect(),
        departements: s
            .departement
            .iter()
            .chain(p.departements.iter())
            .map(|&d| r.departement(u32::from(d)).code.clone())
            .collect(),
        regions: s
            .region
            .iter()
            .map(|&g| r.region(u32::from(g)).code.clone())
            .collect(),
    };
    for (g, reg) in r.regions().iter().enumerate() {
        if p.regions & (1 << g) != 0 {
            m.regions.push(reg.code.clone());
        }
    }
    for v in [
        &mut m.communes,
        &mut m.epcis,
        &mut m.departements,
        &mut m.regions,
    ] {
        v.sort();
        v.dedup();
    }
    Ok(m)
}

/// The index measured once (on the first backend): the index, its questions, their latencies
/// and the question organisations' ids.
type Mesure = (IndexRelation, Vec<Requete>, Histogram<u64>, Vec<i64>);

struct Backend {
    nom: &'static str,
    ecriture_s: f64,
    reconstruction_s: f64,
    sql_ms: Vec<f64>,
    identiques: usize,
    compares: usize,
}

async fn mesurer(
    nom: &'static str,
    url: &str,
    args: &RelationArgs,
    index_ref: &mut Option<Mesure>,
) -> anyhow::Result<Backend> {
    eprintln!("{nom}: opening {}", alliances_store::db::redact_url(url));
    let app = App::open(url, 4).await?;
    let t0 = Instant::now();
    remplir(&app, args.orgs).await?;
    let ecriture_s = t0.elapsed().as_secs_f64();
    let territoires = app.territoires();
    let r = &territoires.referentiel;
    if nom == "PostgreSQL" {
        app.db.pool().execute("ANALYZE").await?;
    }
    eprintln!("{nom}: rebuilding the matching index");
    let t0 = Instant::now();
    let index = rindex::construire(&app.db, r).await?;
    let reconstruction_s = t0.elapsed().as_secs_f64();
    if index.len() != args.orgs {
        bail!(
            "{nom}: index holds {} organisations, expected {}",
            index.len(),
            args.orgs
        );
    }
    if index_ref.is_none() {
        eprintln!("{nom}: timing {} questions on the index", args.questions);
        let qs = questions(&app.db, r, args.questions, args.orgs).await?;
        // Warm-up, then one pass timed.
        for q in qs.iter().take(50) {
            std::hint::black_box(index.meilleurs(q, K, false));
        }
        let mut h = hist();
        for q in &qs {
            let t = Instant::now();
            let c = index.meilleurs(q, K, false);
            h.record(t.elapsed().as_nanos().max(1) as u64)?;
            std::hint::black_box(c);
        }
        let ids: Vec<i64> = qs.iter().filter_map(|q| q.exclure).collect();
        *index_ref = Some((index, qs, h, ids));
    }
    let (index, qs, _, ids) = index_ref.as_ref().expect("set above");
    let mut sql_ms = Vec::new();
    let (mut identiques, mut compares) = (0, 0);
    for (q, id) in qs.iter().zip(ids).take(args.sql_questions) {
        let moi = mon_territoire(&app.db, r, *id).await?;
        let sql = sql_classement(q, &moi, r);
        let t = Instant::now();
        let rows = sqlx::query(&sql).fetch_all(app.db.pool()).await?;
        sql_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let par_sql: Vec<(i64, i64)> = rows
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("score")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let par_index: Vec<(i64, i64)> = index
            .meilleurs(q, K, false)
            .resultats
            .iter()
            .map(|t| (t.id, i64::from(t.score)))
            .collect();
        compares += 1;
        if par_sql == par_index {
            identiques += 1;
        } else {
            eprintln!("{nom}: question {id}: SQL {par_sql:?}\n  index {par_index:?}");
        }
        eprintln!(
            "{nom}: SQL question {id}: {:.0} ms",
            sql_ms.last().unwrap_or(&0.0)
        );
    }
    app.db.close().await;
    Ok(Backend {
        nom,
        ecriture_s,
        reconstruction_s,
        sql_ms,
        identiques,
        compares,
    })
}

fn mediane(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// A PostgreSQL database of its own beside the one of `admin` (dropped and created).
async fn base_postgres(admin: &str) -> anyhow::Result<String> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin).await?;
    conn.execute("DROP DATABASE IF EXISTS alliances_bench_relation")
        .await?;
    conn.execute("CREATE DATABASE alliances_bench_relation")
        .await?;
    conn.close().await?;
    let (base, _) = admin
        .rsplit_once('/')
        .context("database URL without a name")?;
    Ok(format!("{base}/alliances_bench_relation"))
}

async fn supprimer_postgres(admin: &str) -> anyhow::Result<()> {
    let mut conn = sqlx::AnyConnection::connect(admin).await?;
    conn.execute("DROP DATABASE IF EXISTS alliances_bench_relation")
        .await?;
    conn.close().await?;
    Ok(())
}

pub async fn run(args: RelationArgs) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let fichier = dir.join("alliances.db");
    if fichier.exists() {
        bail!("{} exists: give an empty --data-dir", fichier.display());
    }
    let mut index_ref = None;
    let mut backends = vec![
        mesurer(
            "SQLite",
            &alliances_store::db::sqlite_url_for_dir(&dir),
            &args,
            &mut index_ref,
        )
        .await?,
    ];
    let pg = args
        .database_url
        .clone()
        .or_else(|| std::env::var("TEST_DATABASE_URL").ok())
        .filter(|u| u.starts_with("postgres"));
    if let Some(admin) = pg {
        let url = base_postgres(&admin).await?;
        let res = mesurer("PostgreSQL", &url, &args, &mut index_ref).await;
        supprimer_postgres(&admin).await?;
        backends.push(res?);
    }
    let (index, _, h, _) = index_ref.as_ref().context("no index measured")?;
    let octets = index.octets();
    let p50 = ms(h.value_at_quantile(0.5));
    let p90 = ms(h.value_at_quantile(0.9));
    let p99 = ms(h.value_at_quantile(0.99));
    let mut out = String::new();
    writeln!(out, "### Mise en relation — {} organisations\n", args.orgs)?;
    writeln!(
        out,
        "`alliances bench relation --orgs {}{}` (release build), {} questions on the index, {} per SQL backend.\n",
        args.orgs,
        if backends.len() > 1 { " --database-url postgres://…" } else { "" },
        h.len(),
        args.sql_questions
    )?;
    writeln!(out, "| Measure | Value | Target |\n|---|---|---|")?;
    writeln!(
        out,
        "| Index size | {:.1} MB, **{:.0} bytes per organisation** | ≤ 300 |",
        octets as f64 / 1e6,
        octets as f64 / args.orgs as f64
    )?;
    writeln!(
        out,
        "| Top 20, one organisation, single thread | p50 **{p50:.2} ms**, p90 {p90:.2} ms, p99 **{p99:.2} ms**, max {:.2} ms | p50 ≤ 5, p99 ≤ 20 |",
        ms(h.max())
    )?;
    for b in &backends {
        writeln!(
            out,
            "| Rebuild from {} | **{:.1} s** | ≤ 30 s |",
            b.nom, b.reconstruction_s
        )?;
    }
    for b in &backends {
        let m = mediane(b.sql_ms.clone());
        writeln!(
            out,
            "| Same ranking as one SQL query, {} | median {:.0} ms (min {:.0}, max {:.0}) — **{:.0}× the index's p50**; same top 20 on {}/{} questions | |",
            b.nom,
            m,
            b.sql_ms.iter().copied().fold(f64::INFINITY, f64::min),
            b.sql_ms.iter().copied().fold(0.0, f64::max),
            m / p50.max(1e-9),
            b.identiques,
            b.compares
        )?;
    }
    for b in &backends {
        writeln!(
            out,
            "| Generating and writing the data, {} | {:.0} s | |",
            b.nom, b.ecriture_s
        )?;
    }
    println!("{out}");
    if backends.iter().any(|b| b.identiques != b.compares) {
        bail!("the SQL ranking differs from the index's");
    }
    Ok(())
}
