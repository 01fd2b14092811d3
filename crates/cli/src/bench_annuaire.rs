//! `alliances bench annuaire`: full-text + facets + territory filter over N fictional
//! organisations (default 1,000,000, generated over the real communes by the app's generator),
//! the tantivy index side by side with the nearest alternatives on the same data and queries:
//! SQLite FTS5 (unicode61 tokenizer, diacritics removed, bm25) and, with `--postgres-url`,
//! PostgreSQL full-text search (a French configuration with unaccent, GIN indexes). Each query
//! returns what the search page needs: the 20 best, the total and every facet count.

use alliances_app::annuaire::generateur::Generateur;
use alliances_domain::territoires::{Niveau, Referentiel, TypeCommune};
use alliances_search::organisations::{OrgDoc, OrgIndex, OrgQuery};
use clap::Args;
use hdrhistogram::Histogram;
use sqlx::Row;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct AnnuaireArgs {
    /// Organisations generated.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    organisations: usize,
    /// Timed searches per query kind on the tantivy index.
    #[arg(long, value_name = "N", default_value_t = 300)]
    queries: usize,
    /// Timed searches per query kind on each SQL engine (they cost far more).
    #[arg(long, value_name = "N", default_value_t = 20)]
    sql_queries: usize,
    /// PostgreSQL database for the PostgreSQL full-text alternative (a `bench_orgs` table is
    /// created there and dropped at the end). Without it, SQLite FTS5 only.
    #[arg(long, value_name = "URL")]
    postgres_url: Option<String>,
    /// Leaves the SQL engines out (tantivy only).
    #[arg(long)]
    skip_sql: bool,
}

/// One kind of query and its instances.
struct Kind {
    name: &'static str,
    queries: Vec<Q>,
}

/// A query as every engine understands it.
#[derive(Clone)]
struct Q {
    texte: Option<String>,
    territoire: Option<String>,
    profil: Option<u8>,
    odd: Option<u8>,
}

fn kinds(r: &Referentiel, docs: &[OrgDoc]) -> Vec<Kind> {
    // Small communes' names: rare words.
    let rares: Vec<String> = r
        .communes()
        .iter()
        .filter(|c| c.type_commune == TypeCommune::Actuelle)
        .filter(|c| c.population.unwrap_or(0) > 300 && !c.nom.contains(['-', ' ', '\'']))
        .step_by(997)
        .take(20)
        .map(|c| c.nom.clone())
        .collect();
    let departements: Vec<String> = ["69", "13", "59", "33", "35", "44", "67", "31", "06", "42"]
        .iter()
        .map(|d| format!("departement:{d}"))
        .collect();
    let regions: Vec<String> = r
        .regions()
        .iter()
        .take(13)
        .map(|x| format!("region:{}", x.code))
        .collect();
    let q = |texte: Option<&str>, territoire: Option<&str>| Q {
        texte: texte.map(String::from),
        territoire: territoire.map(String::from),
        profil: None,
        odd: None,
    };
    let _ = docs;
    vec![
        Kind {
            name: "mot rare (nom de petite commune)",
            queries: rares.iter().map(|w| q(Some(w), None)).collect(),
        },
        Kind {
            name: "mot courant (« solidarité », « sport », « emploi »…)",
            queries: [
                "solidarité",
                "sport",
                "emploi",
                "culture",
                "santé",
                "jeunesse",
            ]
            .iter()
            .map(|w| q(Some(w), None))
            .collect(),
        },
        Kind {
            name: "mot très large (« démonstration », toutes les fiches)",
            queries: vec![
                q(Some("démonstration"), None),
                q(Some("organisation"), None),
            ],
        },
        Kind {
            name: "deux mots",
            queries: [
                "insertion emploi",
                "sport jeunesse",
                "culture patrimoine",
                "aide alimentaire",
            ]
            .iter()
            .map(|w| q(Some(w), None))
            .collect(),
        },
        Kind {
            name: "mot + département",
            queries: departements
                .iter()
                .zip(
                    ["sport", "culture", "emploi", "santé", "logement"]
                        .iter()
                        .cycle(),
                )
                .map(|(d, w)| q(Some(w), Some(d)))
                .collect(),
        },
        Kind {
            name: "sans texte, région (facettes sur ~1/13 des fiches)",
            queries: regions.iter().map(|g| q(None, Some(g))).collect(),
        },
        Kind {
            name: "sans texte, profil + ODD",
            queries: (0..5u8)
                .map(|i| Q {
                    texte: None,
                    territoire: None,
                    profil: Some(i),
                    odd: Some([8, 4, 3, 17, 11][i as usize]),
                })
                .collect(),
        },
    ]
}

struct Stats {
    p50: f64,
    p99: f64,
    mean: f64,
    matches: u64,
}

fn stats(h: &Histogram<u64>, matches: u64) -> Stats {
    Stats {
        p50: h.value_at_quantile(0.5) as f64 / 1000.0,
        p99: h.value_at_quantile(0.99) as f64 / 1000.0,
        mean: h.mean() / 1000.0,
        matches,
    }
}

fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000_000, 3).expect("histogram bounds")
}

fn tantivy_query(q: &Q, now: i64) -> OrgQuery {
    let mut o = OrgQuery::new(now);
    o.texte = q.texte.clone();
    o.territoire = q.territoire.clone();
    o.profils = q.profil.into_iter().collect();
    o.odd = q.odd.into_iter().collect();
    o.limit = 20;
    o
}

fn run_tantivy(
    index: &OrgIndex,
    k: &Kind,
    n: usize,
    now: i64,
    all: &mut Histogram<u64>,
) -> anyhow::Result<Stats> {
    let mut h = hist();
    let mut matches = 0;
    for q in &k.queries {
        matches = matches.max(index.search(&tantivy_query(q, now))?.total as u64);
    }
    for i in 0..n {
        let q = tantivy_query(&k.queries[i % k.queries.len()], now);
        let t = Instant::now();
        let r = index.search(&q)?;
        let ns = t.elapsed().as_nanos().max(1) as u64;
        h.record(ns)?;
        all.record(ns)?;
        std::hint::black_box(r);
    }
    Ok(stats(&h, matches))
}

/// The FTS5 query of a text: its words, each quoted (implicit AND).
fn fts5_match(texte: &str) -> String {
    texte
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The facet aggregate: total, profiles, SDGs, offers, needs, freshness.
fn facet_columns(prefix: &str, boolean_to_int: &str) -> String {
    let mut cols = vec!["COUNT(*) AS n".to_string()];
    for p in 0..10 {
        cols.push(format!("SUM(({prefix}profil = {p}){boolean_to_int})"));
    }
    for b in 0..17 {
        cols.push(format!("SUM(({prefix}odd >> {b}) & 1)"));
    }
    for b in 0..8 {
        cols.push(format!("SUM(({prefix}offres >> {b}) & 1)"));
        cols.push(format!("SUM(({prefix}besoins >> {b}) & 1)"));
    }
    cols.push(format!("SUM(({prefix}verifie_le >= $1){boolean_to_int})"));
    cols.join(", ")
}

async fn sqlite_load(pool: &sqlx::SqlitePool, docs: &[OrgDoc]) -> anyhow::Result<Duration> {
    let t = Instant::now();
    for s in [
        "CREATE TABLE orgs (id INTEGER PRIMARY KEY, profil INT, odd INT, offres INT, besoins INT, verifie_le INT, actif INT)",
        "CREATE VIRTUAL TABLE orgs_fts USING fts5(nom, texte, content='', tokenize='unicode61 remove_diacritics 2')",
        "CREATE TABLE org_terr (term TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (term, id)) WITHOUT ROWID",
    ] {
        sqlx::query(s).execute(pool).await?;
    }
    for chunk in docs.chunks(20_000) {
        let mut tx = pool.begin().await?;
        for d in chunk {
            sqlx::query("INSERT INTO orgs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .bind(d.id)
                .bind(i64::from(d.profil))
                .bind(i64::from(d.odd))
                .bind(i64::from(d.offres))
                .bind(i64::from(d.besoins))
                .bind(d.verifie_le)
                .bind(i64::from(d.actif))
                .execute(&mut *tx)
                .await?;
            let nom = match &d.sigle {
                Some(s) => format!("{} {s}", d.nom),
                None => d.nom.clone(),
            };
            sqlx::query("INSERT INTO orgs_fts (rowid, nom, texte) VALUES (?1, ?2, ?3)")
                .bind(d.id)
                .bind(nom)
                .bind(&d.texte)
                .execute(&mut *tx)
                .await?;
            for term in &d.territoires {
                sqlx::query("INSERT INTO org_terr VALUES (?1, ?2)")
                    .bind(term)
                    .bind(d.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
    }
    sqlx::query("INSERT INTO orgs_fts (orgs_fts) VALUES ('optimize')")
        .execute(pool)
        .await?;
    sqlx::query("ANALYZE").execute(pool).await?;
    Ok(t.elapsed())
}

/// The WHERE clause on `orgs o` for a query (text through a sub-select on the FTS table).
fn sql_where(q: &Q, text_clause: &str, terr_clause: &str) -> String {
    let mut w = vec!["1 = 1".to_string()];
    if q.texte.is_some() {
        w.push(text_clause.to_string());
    }
    if q.territoire.is_some() {
        w.push(terr_clause.to_string());
    }
    if let Some(p) = q.profil {
        w.push(format!("o.profil = {p}"));
    }
    if let Some(n) = q.odd {
        w.push(format!("(o.odd & {}) <> 0", 1u32 << (n - 1)));
    }
    w.join(" AND ")
}

async fn sqlite_search(pool: &sqlx::SqlitePool, q: &Q, fresh_after: i64) -> anyhow::Result<u64> {
    let m = q.texte.as_deref().map(fts5_match).unwrap_or_default();
    let t = q.territoire.clone().unwrap_or_default();
    let w = sql_where(
        q,
        "o.id IN (SELECT rowid FROM orgs_fts WHERE orgs_fts MATCH $2)",
        "o.id IN (SELECT id FROM org_terr WHERE term = $3)",
    );
    let top = if q.texte.is_some() {
        format!(
            "SELECT f.rowid AS id FROM orgs_fts f JOIN orgs o ON o.id = f.rowid WHERE orgs_fts MATCH $2 AND {w} \
             AND $1 = $1 AND $3 = $3 ORDER BY bm25(orgs_fts, 3.0, 1.0) LIMIT 20"
        )
    } else {
        format!("SELECT o.id AS id FROM orgs o WHERE {w} AND $1 = $1 AND $2 = $2 AND $3 = $3 ORDER BY o.verifie_le DESC LIMIT 20")
    };
    let rows = sqlx::query(&top)
        .bind(fresh_after)
        .bind(&m)
        .bind(&t)
        .fetch_all(pool)
        .await?;
    std::hint::black_box(rows.len());
    let agg = format!(
        "SELECT {} FROM orgs o WHERE {w} AND $2 = $2 AND $3 = $3",
        facet_columns("o.", "")
    );
    let row = sqlx::query(&agg)
        .bind(fresh_after)
        .bind(&m)
        .bind(&t)
        .fetch_one(pool)
        .await?;
    Ok(row.try_get::<i64, _>("n")? as u64)
}

async fn pg_load(pool: &sqlx::PgPool, docs: &[OrgDoc]) -> anyhow::Result<Duration> {
    let t = Instant::now();
    for s in [
        "DROP TABLE IF EXISTS bench_orgs",
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        "DROP TEXT SEARCH CONFIGURATION IF EXISTS bench_fr",
        "CREATE TEXT SEARCH CONFIGURATION bench_fr (COPY = french)",
        "ALTER TEXT SEARCH CONFIGURATION bench_fr ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem",
        "CREATE TABLE bench_orgs (id BIGINT PRIMARY KEY, profil INT, odd INT, offres INT, besoins INT, verifie_le BIGINT, actif BOOLEAN, doc TSVECTOR, terr TEXT[])",
    ] {
        sqlx::query(s).execute(pool).await?;
    }
    for chunk in docs.chunks(10_000) {
        let ids: Vec<i64> = chunk.iter().map(|d| d.id).collect();
        let profils: Vec<i32> = chunk.iter().map(|d| i32::from(d.profil)).collect();
        let odds: Vec<i32> = chunk.iter().map(|d| d.odd as i32).collect();
        let offres: Vec<i32> = chunk.iter().map(|d| d.offres as i32).collect();
        let besoins: Vec<i32> = chunk.iter().map(|d| d.besoins as i32).collect();
        let verifs: Vec<i64> = chunk.iter().map(|d| d.verifie_le).collect();
        let actifs: Vec<bool> = chunk.iter().map(|d| d.actif).collect();
        let noms: Vec<String> = chunk
            .iter()
            .map(|d| match &d.sigle {
                Some(s) => format!("{} {s}", d.nom),
                None => d.nom.clone(),
            })
            .collect();
        let textes: Vec<String> = chunk.iter().map(|d| d.texte.clone()).collect();
        let terrs: Vec<String> = chunk.iter().map(|d| d.territoires.join(" ")).collect();
        sqlx::query(
            "INSERT INTO bench_orgs SELECT id, profil, odd, offres, besoins, verifie_le, actif, \
             setweight(to_tsvector('bench_fr', nom), 'A') || setweight(to_tsvector('bench_fr', texte), 'D'), \
             string_to_array(terr, ' ') \
             FROM UNNEST($1::BIGINT[], $2::INT[], $3::INT[], $4::INT[], $5::INT[], $6::BIGINT[], $7::BOOLEAN[], $8::TEXT[], $9::TEXT[], $10::TEXT[]) \
             AS x(id, profil, odd, offres, besoins, verifie_le, actif, nom, texte, terr)",
        )
        .bind(ids)
        .bind(profils)
        .bind(odds)
        .bind(offres)
        .bind(besoins)
        .bind(verifs)
        .bind(actifs)
        .bind(noms)
        .bind(textes)
        .bind(terrs)
        .execute(pool)
        .await?;
    }
    for s in [
        "CREATE INDEX bench_orgs_doc ON bench_orgs USING GIN (doc)",
        "CREATE INDEX bench_orgs_terr ON bench_orgs USING GIN (terr)",
        "CREATE INDEX bench_orgs_verif ON bench_orgs (verifie_le)",
        "VACUUM ANALYZE bench_orgs",
    ] {
        sqlx::query(s).execute(pool).await?;
    }
    Ok(t.elapsed())
}

async fn pg_search(pool: &sqlx::PgPool, q: &Q, fresh_after: i64) -> anyhow::Result<u64> {
    let text = q.texte.clone().unwrap_or_default();
    let t = q.territoire.clone().unwrap_or_default();
    let w = sql_where(
        q,
        "o.doc @@ plainto_tsquery('bench_fr', $2)",
        "o.terr @> ARRAY[$3::TEXT]",
    );
    let top = if q.texte.is_some() {
        format!(
            "SELECT o.id FROM bench_orgs o WHERE {w} AND $1::BIGINT IS NOT NULL AND $3::TEXT IS NOT NULL \
             ORDER BY ts_rank(o.doc, plainto_tsquery('bench_fr', $2)) DESC LIMIT 20"
        )
    } else {
        format!("SELECT o.id FROM bench_orgs o WHERE {w} AND $1::BIGINT IS NOT NULL AND $2::TEXT IS NOT NULL AND $3::TEXT IS NOT NULL ORDER BY o.verifie_le DESC LIMIT 20")
    };
    let rows = sqlx::query(&top)
        .bind(fresh_after)
        .bind(&text)
        .bind(&t)
        .fetch_all(pool)
        .await?;
    std::hint::black_box(rows.len());
    let agg = format!(
        "SELECT {} FROM bench_orgs o WHERE {w} AND $2::TEXT IS NOT NULL AND $3::TEXT IS NOT NULL",
        facet_columns("o.", "::INT")
    )
    .replace(
        "SUM((o.verifie_le >= $1)::INT)",
        "SUM((o.verifie_le >= $1::BIGINT)::INT)",
    );
    let row = sqlx::query(&agg)
        .bind(fresh_after)
        .bind(&text)
        .bind(&t)
        .fetch_one(pool)
        .await?;
    Ok(row.try_get::<i64, _>("n")? as u64)
}

async fn timed<F, Fut>(k: &Kind, n: usize, mut f: F) -> anyhow::Result<Stats>
where
    F: FnMut(Q) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<u64>>,
{
    let mut h = hist();
    let mut matches = 0;
    // One warm-up pass over the kind's queries.
    for q in &k.queries {
        matches = matches.max(f(q.clone()).await?);
    }
    for i in 0..n {
        let q = k.queries[i % k.queries.len()].clone();
        let t = Instant::now();
        f(q).await?;
        h.record(t.elapsed().as_nanos().max(1) as u64)?;
    }
    Ok(stats(&h, matches))
}

fn ms(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else {
        format!("{:.0} µs", us)
    }
}

pub async fn run(args: AnnuaireArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let r = Referentiel::build(alliances_app::geo::shipped()?)?;
    let now = alliances_app::now();
    let t = Instant::now();
    let mut g = Generateur::new(&r, 20_261_127, now, "bench");
    let docs: Vec<OrgDoc> = (0..args.organisations)
        .map(|i| g.doc_suivant(i as i64 + 1))
        .collect();
    let generation = t.elapsed();
    eprintln!(
        "generated {} organisations in {:.1} s",
        docs.len(),
        generation.as_secs_f64()
    );

    let t = Instant::now();
    let idx = OrgIndex::in_ram();
    idx.rebuild(docs.iter().cloned())?;
    let build = t.elapsed();
    eprintln!("tantivy index built in {:.1} s", build.as_secs_f64());
    let kinds = kinds(&r, &docs);
    let fresh_after = now - alliances_domain::annuaire::FRAICHEUR_SECONDES;

    let mut rows: Vec<(String, Stats, Option<Stats>, Option<Stats>)> = Vec::new();
    let mut all = hist();
    for k in &kinds {
        rows.push((
            k.name.to_string(),
            run_tantivy(&idx, k, args.queries, now, &mut all)?,
            None,
            None,
        ));
    }
    let mix = stats(&all, 0);
    let mut sqlite_load_time = None;
    let mut pg_load_time = None;
    if !args.skip_sql {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("fts.db").display());
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await?;
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
        sqlx::query("PRAGMA synchronous = OFF")
            .execute(&pool)
            .await?;
        let d = sqlite_load(&pool, &docs).await?;
        eprintln!("SQLite FTS5 loaded in {:.1} s", d.as_secs_f64());
        sqlite_load_time = Some(d);
        for (k, row) in kinds.iter().zip(rows.iter_mut()) {
            let p = pool.clone();
            row.2 = Some(
                timed(k, args.sql_queries, |q| {
                    let p = p.clone();
                    async move { sqlite_search(&p, &q, fresh_after).await }
                })
                .await?,
            );
            eprintln!("SQLite: {}", k.name);
        }
        pool.close().await;
        if let Some(url) = &args.postgres_url {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await?;
            let d = pg_load(&pool, &docs).await?;
            eprintln!("PostgreSQL loaded in {:.1} s", d.as_secs_f64());
            pg_load_time = Some(d);
            for (k, row) in kinds.iter().zip(rows.iter_mut()) {
                let p = pool.clone();
                row.3 = Some(
                    timed(k, args.sql_queries, |q| {
                        let p = p.clone();
                        async move { pg_search(&p, &q, fresh_after).await }
                    })
                    .await?,
                );
                eprintln!("PostgreSQL: {}", k.name);
            }
            sqlx::query("DROP TABLE IF EXISTS bench_orgs")
                .execute(&pool)
                .await?;
            pool.close().await;
        }
    }

    // Report.
    println!(
        "### Annuaire search — {} organisations ({} release build)\n",
        args.organisations,
        if cfg!(debug_assertions) { "NOT a" } else { "a" }
    );
    println!(
        "Generation {:.1} s; tantivy index built in {:.1} s{}{}. Tantivy: {} timed searches per kind; SQL: {} per kind, after one warm-up pass. Each search returns the 20 best, the total and every facet count (profiles, 17 SDGs, offers, needs, freshness).\n",
        generation.as_secs_f64(),
        build.as_secs_f64(),
        sqlite_load_time.map(|d| format!("; SQLite FTS5 loaded and indexed in {:.1} s", d.as_secs_f64())).unwrap_or_default(),
        pg_load_time.map(|d| format!("; PostgreSQL loaded and indexed (GIN) in {:.1} s", d.as_secs_f64())).unwrap_or_default(),
        args.queries,
        args.sql_queries,
    );
    println!("| Query kind | matches (max) | tantivy p50 | tantivy p99 | SQLite FTS5 p50 | p99 | ratio p50 / p99 | PostgreSQL FTS p50 | p99 | ratio p50 / p99 |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut all_p50 = Vec::new();
    let mut all_p99 = Vec::new();
    for (name, ta, sq, pg) in &rows {
        all_p50.push(ta.p50);
        all_p99.push(ta.p99);
        let cell = |s: &Option<Stats>| match s {
            Some(s) => format!(
                "{} | {} | {:.0}× / {:.0}×",
                ms(s.p50),
                ms(s.p99),
                s.p50 / ta.p50.max(0.001),
                s.p99 / ta.p99.max(0.001)
            ),
            None => "— | — | —".into(),
        };
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            ta.matches,
            ms(ta.p50),
            ms(ta.p99),
            cell(sq),
            cell(pg)
        );
        let _ = ta.mean;
    }
    let worst_p50 = all_p50.iter().cloned().fold(0.0, f64::max);
    let worst_p99 = all_p99.iter().cloned().fold(0.0, f64::max);
    println!(
        "\nTantivy over the whole mix (every kind equally weighted): p50 {}, p99 {}. Target (issue #4): p50 ≤ 2 ms and p99 ≤ 10 ms in process — {}. Worst single kind: p50 {}, p99 {}.",
        ms(mix.p50),
        ms(mix.p99),
        if mix.p50 <= 2000.0 && mix.p99 <= 10_000.0 { "met" } else { "NOT met" },
        ms(worst_p50),
        ms(worst_p99),
    );
    println!(
        "\nTotal bench time {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    let _ = Niveau::Commune;
    Ok(())
}
