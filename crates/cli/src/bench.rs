//! Benchmarks: `alliances bench …`. Each prints a Markdown report on stdout (progress goes to
//! stderr) and, on request, the same figures as JSON. Results are copied into BENCHMARKS.md.
//!
//! `bench territoires` measures issue #2's targets for the territory autocomplete: the in-memory
//! index in process, the JSON API end to end over loopback HTTP, the nearest alternative (a
//! prefix range on the indexed folded-name column, in SQLite and PostgreSQL) on the same queries,
//! and the start-up time and memory of the real binary.
//!
//! `bench comptes` measures issue #3's targets for accounts: argon2id login throughput (the real
//! `App::log_in`, beside `verify_password` alone) and what the per-request session lookup costs,
//! in process and over HTTP, on SQLite and PostgreSQL.

use alliances_app::App;
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef};
use alliances_domain::texte::{fold, fold_query};
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use hdrhistogram::Histogram;
use serde::Serialize;
use sqlx::Row as _;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Global search (issue #10): the federated search (organisations' index + the small
    /// global index) at N organisations plus every territory and thousands of other contents,
    /// beside one SQLite FTS5 table holding everything. Meaningful in a release build only.
    Recherche(crate::bench_recherche::RechercheArgs),
    /// Territory autocomplete (issue #2): in-process index, HTTP API, SQL alternatives side by
    /// side on the same queries, start-up time and memory. Meaningful in a release build only.
    Territoires(TerritoiresArgs),
    /// Accounts (issue #3): argon2id login throughput (one task, then two on two cores) beside
    /// `verify_password` alone, and the cost of the per-request session lookup, in process and
    /// over HTTP, on SQLite and PostgreSQL. Meaningful in a release build only.
    Comptes(ComptesArgs),
    /// Annuaire import and export: RNA-format rows/s into SQLite (validation and indexing
    /// included) beside a bare INSERT, and the peak memory of exporting 1,000,000 organisations.
    AnnuaireIo(crate::bench_annuaire_io::AnnuaireIoArgs),
    /// Annuaire search (issue #4): full-text + facets + territory filter over N fictional
    /// organisations, tantivy beside SQLite FTS5 and PostgreSQL full-text search on the same
    /// data and queries. Meaningful in a release build only.
    Annuaire(crate::bench_annuaire::AnnuaireArgs),
    /// Annuaire search page over HTTP (issue #4): requests/s and latency under wrk at N
    /// organisations, beside an empty handler on the same server. Needs `wrk`.
    AnnuaireHttp(crate::bench_annuaire_http::AnnuaireHttpArgs),
    /// Kits (issue #5): scoring one submission (in process, through JSON, and beside a scorer
    /// that reads the definition per submission), and the results page's server time through
    /// the router. Meaningful in a release build only.
    Kits(crate::bench_kits::KitsArgs),
    /// Alliances (issue #6): the list filtered by territory at N alliances beside a scan and
    /// SQLite, and the alliance page with 10 indicators × 5 years of monthly values. Meaningful
    /// in a release build only.
    Alliances(crate::bench_alliances::AlliancesArgs),
    /// Ingénieries (issue #8): « qui peut m'aider ici ? » at N support schemes beside a scan of
    /// every scheme, and the coverage map's server time. Meaningful in a release build only.
    Ingenieries(crate::bench_ingenieries::IngenieriesArgs),
    /// Observatoire (issue #9): raking and linear calibration of N respondents on two margins
    /// (9 and 13 categories), CSV loading, beside R's survey::calibrate and weightipy in the
    /// same run, with the agreement of the weights. Meaningful in a release build only.
    Observatoire(crate::bench_observatoire::ObservatoireArgs),
    /// Mise en relation (issue #7): the matching index at N organisations (rebuild from the
    /// database, bytes per organisation, top 20 single-threaded) beside the same ranking as one
    /// SQL query on SQLite and PostgreSQL over the same data. Meaningful in a release build only.
    Relation(crate::bench_relation::RelationArgs),
    /// Tableaux de bord (issue #10): a région's dashboard from the counters kept by the change
    /// feed at N organisations, beside the same dashboard computed by SQL per request on SQLite
    /// and PostgreSQL, and the counters' start-up build. Meaningful in a release build only.
    Tableaux(crate::bench_tableaux::TableauxArgs),
}

#[derive(Args)]
pub struct TerritoiresArgs {
    /// PostgreSQL database for the SQL alternative (schema and referential created if missing),
    /// e.g. postgres://alliances:alliances@127.0.0.1:5432/alliances_bench. Without it, SQLite only.
    #[arg(long, value_name = "URL")]
    postgres_url: Option<String>,
    /// Rounds over the query set for the in-process index.
    #[arg(long, value_name = "N", default_value_t = 20)]
    rounds: u32,
    /// Rounds over the query set for HTTP and SQL (each call costs far more).
    #[arg(long, value_name = "N", default_value_t = 5)]
    io_rounds: u32,
    /// Also writes the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    out_json: Option<PathBuf>,
    /// Skips the start-up and memory measurement (which runs the binary twice as a child process).
    #[arg(long)]
    skip_startup: bool,
}

#[derive(Args)]
pub struct ComptesArgs {
    /// PostgreSQL database to measure as well (schema created if missing; the accounts,
    /// sessions and queued e-mails the bench creates are deleted at the end). Without it, SQLite only.
    #[arg(long, value_name = "URL")]
    postgres_url: Option<String>,
    /// Successful logins timed per backend: N one after the other, then N over two concurrent tasks.
    #[arg(long, value_name = "N", default_value_t = 200)]
    logins: u32,
    /// Session lookups timed per backend and per method (request path on a cache hit, on a
    /// cache miss, uncached one-query lookup), on random live sessions.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    lookups: u32,
    /// Accounts created with `sign_up` (per backend); logins go through them in turn.
    #[arg(long, value_name = "N", default_value_t = 20)]
    accounts: u32,
    /// Live sessions of signed-in users opened per backend before the lookups.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    sessions: u32,
    /// HTTP requests per variant (cached session, uncached session, no cookie) per backend.
    #[arg(long, value_name = "N", default_value_t = 5_000)]
    requests: u32,
    /// Also writes the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    out_json: Option<PathBuf>,
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Territoires(args) => territoires(args).await,
        BenchCommand::Comptes(args) => comptes::run(args).await,
        BenchCommand::AnnuaireIo(args) => crate::bench_annuaire_io::run(args).await,
        BenchCommand::Annuaire(args) => crate::bench_annuaire::run(args).await,
        BenchCommand::AnnuaireHttp(args) => crate::bench_annuaire_http::run(args).await,
        BenchCommand::Kits(args) => crate::bench_kits::run(args).await,
        BenchCommand::Alliances(args) => crate::bench_alliances::run(args).await,
        BenchCommand::Ingenieries(args) => crate::bench_ingenieries::run(args).await,
        BenchCommand::Observatoire(args) => crate::bench_observatoire::run(args),
        BenchCommand::Relation(args) => crate::bench_relation::run(args).await,
        BenchCommand::Tableaux(args) => crate::bench_tableaux::run(args).await,
        BenchCommand::Recherche(args) => crate::bench_recherche::run(args).await,
    }
}

// --- targets of issue #2 ---------------------------------------------------------------------

const TARGET_INPROCESS_P99_US: f64 = 200.0;
const TARGET_HTTP_P50_US: f64 = 2_000.0;
const TARGET_STARTUP_S: f64 = 10.0;
const TARGET_RSS_MB: f64 = 150.0;
const LIMIT: usize = 10;

// --- the query set ---------------------------------------------------------------------------

/// What a query looks like; each kind is reported on its own as well as together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    /// A 1–2 letter name prefix ("s", "sa", "la"): matches thousands of territories.
    Broad,
    /// A 4 or 6 letter prefix of the folded name ("sain", "saint ").
    Prefix,
    /// Most of a name typed without accents ("saint etien"), or the full name as written ("Saint-Étienne").
    Name,
    /// An INSEE code, a département code, a SIREN, a postal code or a postal-code prefix.
    Code,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Broad, Kind::Prefix, Kind::Name, Kind::Code];
    const NAMES: [Kind; 3] = [Kind::Broad, Kind::Prefix, Kind::Name];
    const NAMES_NOT_BROAD: [Kind; 2] = [Kind::Prefix, Kind::Name];
}

struct Query {
    text: String,
    kind: Kind,
}

/// Well-known names, so that the big cities and their homonyms are in the set whatever the sampling.
const WELL_KNOWN: [&str; 16] = [
    "Paris",
    "Marseille",
    "Lyon",
    "Toulouse",
    "Nice",
    "Nantes",
    "Saint-Étienne",
    "Bordeaux",
    "Lille",
    "Aix-en-Provence",
    "Le Havre",
    "Boulogne-Billancourt",
    "Île-de-France",
    "Bouches-du-Rhône",
    "Métropole du Grand Paris",
    "Provence-Alpes-Côte d'Azur",
];

/// Single letters and common two-letter starts, as a user's first keystrokes.
const FIRST_KEYSTROKES: [&str; 14] = [
    "s", "l", "m", "b", "c", "a", "p", "v", "sa", "la", "le", "ma", "pa", "be",
];

struct QuerySet {
    queries: Vec<Query>,
    sampled: Vec<(&'static str, usize)>,
}

impl QuerySet {
    fn count(&self, kinds: &[Kind]) -> usize {
        self.queries
            .iter()
            .filter(|q| kinds.contains(&q.kind))
            .count()
    }
}

/// A deterministic sample: every région and département, every k-th EPCI (~50) and commune
/// (~140, all record types), plus well-known names; from each name its folded prefixes of 2, 4
/// and 6 characters, three quarters of the folded name and the name as written; codes of part of
/// the sample. Duplicates are dropped (first occurrence kept).
fn query_set(r: &Referentiel) -> QuerySet {
    let mut seen = HashSet::new();
    let mut queries = Vec::new();
    let mut push = |text: String, kind: Kind| {
        if !fold_query(&text).is_empty() && seen.insert(text.clone()) {
            queries.push(Query { text, kind });
        }
    };
    let mut sampled = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut codes: Vec<String> = Vec::new();

    for idx in 0..r.regions().len() as u32 {
        names.push(
            r.nom(TerritoireRef {
                niveau: Niveau::Region,
                idx,
            })
            .to_string(),
        );
    }
    sampled.push(("régions", r.regions().len()));
    for idx in 0..r.departements().len() as u32 {
        let t = TerritoireRef {
            niveau: Niveau::Departement,
            idx,
        };
        names.push(r.nom(t).to_string());
        codes.push(r.code(t).to_string());
    }
    sampled.push(("départements", r.departements().len()));
    let step = (r.epcis().len() / 50).max(1);
    let mut n = 0;
    for idx in (0..r.epcis().len() as u32).step_by(step) {
        let t = TerritoireRef {
            niveau: Niveau::Epci,
            idx,
        };
        names.push(r.nom(t).to_string());
        if n % 2 == 0 {
            codes.push(r.code(t).to_string());
        }
        n += 1;
    }
    sampled.push(("EPCI", n));
    let step = (r.communes().len() / 140).max(1);
    let mut n = 0;
    for idx in (0..r.communes().len() as u32).step_by(step) {
        let c = r.commune(idx);
        names.push(c.nom.clone());
        if n % 2 == 0 {
            codes.push(c.code.clone());
        } else if let Some(cp) = c.codes_postaux.first() {
            codes.push(cp.clone());
        }
        if n % 5 == 0 {
            if let Some(cp) = c.codes_postaux.first() {
                codes.push(cp[..3.min(cp.len())].to_string());
            }
        }
        n += 1;
    }
    sampled.push(("communes", n));
    names.extend(WELL_KNOWN.iter().map(|s| s.to_string()));
    sampled.push(("well-known names", WELL_KNOWN.len()));

    for k in FIRST_KEYSTROKES {
        push(k.to_string(), Kind::Broad);
    }
    for nom in &names {
        let folded: Vec<char> = fold(nom).chars().collect();
        let prefix = |n: usize| {
            folded[..n.min(folded.len())]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string()
        };
        for n in [2, 4, 6] {
            if folded.len() > n {
                push(prefix(n), if n <= 2 { Kind::Broad } else { Kind::Prefix });
            }
        }
        let three_quarters = (folded.len() * 3).div_ceil(4);
        if three_quarters > 6 && three_quarters < folded.len() {
            push(prefix(three_quarters), Kind::Name);
        }
        push(nom.clone(), Kind::Name);
    }
    for code in codes {
        push(code, Kind::Code);
    }
    QuerySet { queries, sampled }
}

// --- measurements ----------------------------------------------------------------------------

/// Latencies in nanoseconds, one histogram per kind of query.
struct Recorder {
    by_kind: BTreeMap<Kind, Histogram<u64>>,
}

impl Recorder {
    fn new() -> Self {
        let by_kind = Kind::ALL
            .into_iter()
            .map(|k| {
                (
                    k,
                    Histogram::new_with_bounds(1, 600_000_000_000, 3)
                        .expect("valid histogram bounds"),
                )
            })
            .collect();
        Self { by_kind }
    }

    fn record(&mut self, kind: Kind, elapsed: Duration) {
        let ns = (elapsed.as_nanos() as u64).max(1);
        self.by_kind
            .get_mut(&kind)
            .expect("every kind has a histogram")
            .saturating_record(ns);
    }

    fn stats(&self, kinds: &[Kind]) -> Stats {
        let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3)
            .expect("valid histogram bounds");
        for k in kinds {
            h.add(&self.by_kind[k]).expect("same bounds");
        }
        Stats::of(&h)
    }
}

/// Percentiles in microseconds; `per_second` is the sequential throughput (1 / mean).
#[derive(Debug, Clone, Copy, Serialize)]
struct Stats {
    calls: u64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    p999_us: f64,
    max_us: f64,
    mean_us: f64,
    per_second: f64,
}

impl Stats {
    fn of(h: &Histogram<u64>) -> Self {
        let us = |ns: u64| ns as f64 / 1000.0;
        let mean_us = h.mean() / 1000.0;
        Stats {
            calls: h.len(),
            p50_us: us(h.value_at_quantile(0.50)),
            p90_us: us(h.value_at_quantile(0.90)),
            p99_us: us(h.value_at_quantile(0.99)),
            p999_us: us(h.value_at_quantile(0.999)),
            max_us: us(h.max()),
            mean_us,
            per_second: if mean_us > 0.0 { 1e6 / mean_us } else { 0.0 },
        }
    }
}

/// A deterministic shuffle (xorshift), different for each round, so that no round replays the
/// previous one's cache pattern.
fn shuffled(n: usize, round: u32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state =
        0x9E37_79B9_7F4A_7C15u64 ^ (u64::from(round) + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

/// Median cost of one `Instant::now()` + `elapsed()` pair, in nanoseconds: included in every
/// in-process figure.
fn timer_overhead_ns() -> f64 {
    let mut h =
        Histogram::<u64>::new_with_bounds(1, 1_000_000_000, 3).expect("valid histogram bounds");
    for _ in 0..100_000 {
        let start = Instant::now();
        let elapsed = black_box(start).elapsed();
        h.saturating_record((elapsed.as_nanos() as u64).max(1));
    }
    h.value_at_quantile(0.5) as f64
}

/// The 1-minute load average (other processes compete for the 2 CPUs).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn in_process(app: &App, set: &QuerySet, rounds: u32) -> Recorder {
    let t = app.territoires();
    let (r, index) = (&t.referentiel, &t.index);
    for q in &set.queries {
        black_box(index.search(r, &q.text, None, LIMIT));
    }
    let mut rec = Recorder::new();
    for round in 0..rounds {
        for i in shuffled(set.queries.len(), round) {
            let q = &set.queries[i];
            let start = Instant::now();
            let res = index.search(r, black_box(&q.text), None, LIMIT);
            let elapsed = start.elapsed();
            black_box(res);
            rec.record(q.kind, elapsed);
        }
    }
    rec
}

struct HttpRun {
    rec: Recorder,
    /// Queries whose `total` in the JSON differs from the in-process search (should be none).
    total_mismatches: usize,
}

async fn http(app: Arc<App>, set: &QuerySet, rounds: u32) -> anyhow::Result<HttpRun> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on 127.0.0.1")?;
    let addr = listener.local_addr()?;
    let router = alliances_web::build_router(app.clone(), alliances_web::WebOptions::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(alliances_web::serve(listener, router, async move {
        let _ = stopped.await;
    }));
    let result = async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .tcp_nodelay(true)
            .build()?;
        let mut urls = Vec::with_capacity(set.queries.len());
        for q in &set.queries {
            let limit = LIMIT.to_string();
            urls.push(reqwest::Url::parse_with_params(
                &format!("http://{addr}/api/v1/territoires"),
                [("q", q.text.as_str()), ("limit", limit.as_str())],
            )?);
        }
        // Warm-up round, also a check that the API answers what the index answers.
        let t = app.territoires();
        let mut total_mismatches = 0;
        for (q, url) in set.queries.iter().zip(&urls) {
            let resp = client.get(url.clone()).send().await?;
            let status = resp.status();
            if !status.is_success() {
                bail!("GET {url} answered {status}");
            }
            let body: serde_json::Value = resp.json().await?;
            let expected = t.index.search(&t.referentiel, &q.text, None, LIMIT).total as u64;
            if body["total"].as_u64() != Some(expected) {
                total_mismatches += 1;
            }
        }
        let mut rec = Recorder::new();
        for round in 0..rounds {
            for i in shuffled(set.queries.len(), round) {
                let start = Instant::now();
                let resp = client.get(urls[i].clone()).send().await?;
                let status = resp.status();
                let body = resp.bytes().await?;
                let elapsed = start.elapsed();
                if !status.is_success() {
                    bail!("GET {} answered {status}", urls[i]);
                }
                black_box(body);
                rec.record(set.queries[i].kind, elapsed);
            }
        }
        Ok(HttpRun {
            rec,
            total_mismatches,
        })
    }
    .await;
    let _ = stop.send(());
    server
        .await
        .context("the server task failed")?
        .context("the server failed")?;
    result
}

/// The nearest alternative: a prefix range on the indexed folded-name column. `NULLS LAST` makes
/// SQLite and PostgreSQL order alike (only communes have a population in the table).
const SQL_PREFIX: &str = "SELECT niveau, code, nom, population FROM territoires \
     WHERE nom_plie >= $1 AND nom_plie < $2 \
     ORDER BY CASE WHEN nom_plie = $1 THEN 0 ELSE 1 END, population DESC NULLS LAST LIMIT 10";

/// The exclusive upper bound of the strings starting with `prefix`: its last character incremented.
fn upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    match s.pop() {
        Some(last) => match char::from_u32(last as u32 + 1) {
            Some(next) => s.push(next),
            None => {
                s.push(last);
                s.push(char::MAX);
            }
        },
        None => s.push(char::MAX),
    }
    s
}

struct SqlRun {
    backend: &'static str,
    version: String,
    rows_in_table: i64,
    plan: String,
    rec: Recorder,
    /// Name queries whose first row is the in-process first hit.
    top1_agree: usize,
    name_queries: usize,
}

async fn sql(app: &App, set: &QuerySet, rounds: u32) -> anyhow::Result<SqlRun> {
    let pool = app.db.pool();
    let backend = app.db.backend().name();
    let version_sql = if backend == "sqlite" {
        "SELECT sqlite_version() AS v"
    } else {
        "SELECT current_setting('server_version') AS v"
    };
    let version: String = sqlx::query(version_sql)
        .fetch_one(pool)
        .await?
        .try_get("v")?;
    let rows_in_table: i64 = sqlx::query("SELECT COUNT(*) AS n FROM territoires")
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    let plan = query_plan(app, "sain")
        .await
        .unwrap_or_else(|e| format!("(plan unavailable: {e})"));

    let names: Vec<(usize, String, String)> = set
        .queries
        .iter()
        .enumerate()
        .filter(|(_, q)| q.kind != Kind::Code)
        .map(|(i, q)| {
            let folded = fold_query(&q.text);
            let hi = upper_bound(&folded);
            (i, folded, hi)
        })
        .collect();
    // Warm-up round (prepares the statement on the pooled connections), also the agreement check.
    let t = app.territoires();
    let mut top1_agree = 0;
    for (i, lo, hi) in &names {
        let rows = sqlx::query(SQL_PREFIX)
            .bind(lo.as_str())
            .bind(hi.as_str())
            .fetch_all(pool)
            .await?;
        let first_sql = rows
            .first()
            .map(|row| -> anyhow::Result<(String, String)> {
                Ok((row.try_get("niveau")?, row.try_get("code")?))
            })
            .transpose()?;
        let first_index = t
            .index
            .search(&t.referentiel, &set.queries[*i].text, None, LIMIT)
            .hits
            .first()
            .map(|h| {
                (
                    h.territoire.niveau.slug().to_string(),
                    t.referentiel.code(h.territoire).to_string(),
                )
            });
        if first_sql == first_index {
            top1_agree += 1;
        }
    }
    let mut rec = Recorder::new();
    for round in 0..rounds {
        for j in shuffled(names.len(), round) {
            let (i, lo, hi) = &names[j];
            let start = Instant::now();
            let rows = sqlx::query(SQL_PREFIX)
                .bind(lo.as_str())
                .bind(hi.as_str())
                .fetch_all(pool)
                .await?;
            let mut decoded = Vec::with_capacity(rows.len());
            for row in &rows {
                let niveau: String = row.try_get("niveau")?;
                let code: String = row.try_get("code")?;
                let nom: String = row.try_get("nom")?;
                let population: Option<i64> = row.try_get("population")?;
                decoded.push((niveau, code, nom, population));
            }
            let elapsed = start.elapsed();
            black_box(decoded);
            rec.record(set.queries[*i].kind, elapsed);
        }
    }
    Ok(SqlRun {
        backend,
        version,
        rows_in_table,
        plan,
        rec,
        top1_agree,
        name_queries: names.len(),
    })
}

/// How the database runs the query, for the prefix "sain" (one line).
async fn query_plan(app: &App, prefix: &str) -> anyhow::Result<String> {
    let pool = app.db.pool();
    let sql = SQL_PREFIX
        .replace("$1", &format!("'{prefix}'"))
        .replace("$2", &format!("'{}'", upper_bound(prefix)));
    let lines: Vec<String> = if app.db.backend().name() == "sqlite" {
        let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
            .fetch_all(pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>("detail"))
            .collect::<Result<_, _>>()?
    } else {
        let rows = sqlx::query(&format!("EXPLAIN (COSTS OFF) {sql}"))
            .fetch_all(pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .map(|l| l.trim().to_string())
            .collect()
    };
    Ok(lines.join(" / "))
}

// --- start-up and memory ---------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
struct Startup {
    run: &'static str,
    /// From spawn to "listening on …" on stdout.
    listening_ms: f64,
    /// From spawn to the first 200 of GET /readyz.
    ready_ms: f64,
    /// Resident memory after ~3 s idle, and its peak, in MB (10^6 bytes).
    rss_mb: f64,
    hwm_mb: f64,
    /// From SIGTERM to exit.
    shutdown_ms: f64,
    exit: String,
}

fn proc_status_kb(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .strip_prefix(':')?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

async fn startup(run: &'static str, data_dir: &Path, log: &Path) -> anyhow::Result<Startup> {
    let exe = std::env::current_exe().context("cannot locate the current executable")?;
    let mut cmd = std::process::Command::new(&exe);
    cmd.args(["demo", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("ALLIANCES_") && key != "ALLIANCES_LOG" {
            cmd.env_remove(key);
        }
    }
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log_file));
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let pid = child.id();
    let stdout = child.stdout.take().context("no stdout")?;
    let first_line = tokio::task::spawn_blocking(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        // Keep draining so that the child never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        read.map(|_| line)
    });
    let measured = async {
        let line = match tokio::time::timeout(Duration::from_secs(120), first_line).await {
            Ok(joined) => joined??,
            Err(_) => bail!("not listening after 120 s"),
        };
        let listening_ms = started.elapsed().as_secs_f64() * 1000.0;
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line {line:?}"))?
            .to_string();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        let ready_ms = loop {
            if let Ok(resp) = client.get(format!("{addr}/readyz")).send().await {
                if resp.status() == reqwest::StatusCode::OK {
                    break started.elapsed().as_secs_f64() * 1000.0;
                }
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("/readyz not 200 after 120 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        tokio::time::sleep(Duration::from_secs(3)).await;
        let mb = |kb: u64| kb as f64 * 1024.0 / 1e6;
        let rss_mb = mb(proc_status_kb(pid, "VmRSS")?);
        let hwm_mb = mb(proc_status_kb(pid, "VmHWM")?);
        Ok((listening_ms, ready_ms, rss_mb, hwm_mb))
    }
    .await;
    let term = Instant::now();
    let _ = std::process::Command::new("kill")
        .arg(pid.to_string())
        .status();
    let mut exit = None;
    while term.elapsed() < Duration::from_secs(15) {
        if let Some(status) = child.try_wait()? {
            exit = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let shutdown_ms = term.elapsed().as_secs_f64() * 1000.0;
    let exit = match exit {
        Some(s) if s.success() => "exit 0 after SIGTERM".to_string(),
        Some(s) => format!("{s} after SIGTERM"),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            "still running 15 s after SIGTERM: killed".to_string()
        }
    };
    let (listening_ms, ready_ms, rss_mb, hwm_mb) =
        measured.with_context(|| format!("{run} start failed; its log: {}", log.display()))?;
    Ok(Startup {
        run,
        listening_ms,
        ready_ms,
        rss_mb,
        hwm_mb,
        shutdown_ms,
        exit,
    })
}

// --- the report ------------------------------------------------------------------------------

#[derive(Serialize)]
struct Machine {
    cpus: usize,
    cpu_model: String,
    memory_gb: f64,
    kernel: String,
    release_build: bool,
}

fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kb: u64 = meminfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0);
    Machine {
        cpus: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        cpu_model,
        memory_gb: memory_kb as f64 * 1024.0 / 1e9,
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into()),
        release_build: !cfg!(debug_assertions),
    }
}

#[derive(Serialize)]
struct Row {
    method: String,
    queries: String,
    distinct_queries: usize,
    #[serde(flatten)]
    stats: Stats,
}

#[derive(Serialize)]
struct Verdict {
    measure: String,
    p50: String,
    p99: String,
    target: String,
    met: bool,
}

#[derive(Serialize)]
struct Ratio {
    alternative: String,
    p50_vs_in_process: f64,
    p99_vs_in_process: f64,
    p50_vs_http: f64,
    p99_vs_http: f64,
}

#[derive(Serialize)]
struct Report {
    date_utc: String,
    machine: Machine,
    rounds: u32,
    io_rounds: u32,
    territories: usize,
    sampled: Vec<(&'static str, usize)>,
    queries: BTreeMap<Kind, usize>,
    in_process_open_ms: f64,
    timer_overhead_ns: f64,
    load_average_start: String,
    load_average_end: String,
    verdicts: Vec<Verdict>,
    rows: Vec<Row>,
    ratios: Vec<Ratio>,
    sql: Vec<SqlSummary>,
    http_total_mismatches: usize,
    startup: Vec<Startup>,
}

#[derive(Serialize)]
struct SqlSummary {
    backend: &'static str,
    version: String,
    rows_in_table: i64,
    plan: String,
    top1_agreement: f64,
}

/// Proleptic Gregorian date and time of a Unix timestamp (UTC).
fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

fn us(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// A duration given in microseconds, in µs below a millisecond and in ms above.
fn ms(v_us: f64) -> String {
    if v_us < 1000.0 {
        format!("{} µs", us(v_us))
    } else {
        format!("{:.2} ms", v_us / 1000.0)
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**not met**"
    }
}

fn markdown(rep: &Report) -> String {
    let mut out = String::new();
    let m = &rep.machine;
    let _ = writeln!(out, "## Territoires (issue #2): run of {}\n", rep.date_utc);
    let _ = writeln!(
        out,
        "Machine: {} CPUs ({}), {:.1} GB RAM, Linux {}; {} build; 1-minute load average {} at the start, {} at the end. Rounds: {} in process, {} over HTTP and SQL, after one warm-up round each.\n",
        m.cpus,
        m.cpu_model,
        m.memory_gb,
        m.kernel,
        if m.release_build { "release" } else { "DEBUG (figures meaningless)" },
        rep.load_average_start,
        rep.load_average_end,
        rep.rounds,
        rep.io_rounds
    );
    let sampled: Vec<String> = rep
        .sampled
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    let _ = writeln!(
        out,
        "Query set: {} distinct queries over the referential of {} territories, from {}: {} broad (1–2 letters), {} prefixes (4 or 6 letters), {} names (¾ of the folded name, or the name as written), {} codes (INSEE, département, SIREN, postal code or prefix). Every call asks for {LIMIT} results, all levels.\n",
        rep.queries.values().sum::<usize>(),
        rep.territories,
        sampled.join(", "),
        rep.queries.get(&Kind::Broad).unwrap_or(&0),
        rep.queries.get(&Kind::Prefix).unwrap_or(&0),
        rep.queries.get(&Kind::Name).unwrap_or(&0),
        rep.queries.get(&Kind::Code).unwrap_or(&0),
    );
    let _ = writeln!(out, "### Targets\n");
    let _ = writeln!(out, "| Measure | p50 | p99 | Target | Verdict |");
    let _ = writeln!(out, "|---|---:|---:|---|---|");
    for v in &rep.verdicts {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            v.measure,
            v.p50,
            v.p99,
            v.target,
            verdict(v.met)
        );
    }
    let _ = writeln!(out, "\n### Latency per call (µs)\n");
    let _ = writeln!(out, "| Method | Queries | Distinct | Calls | p50 | p90 | p99 | p99.9 | max | calls/s (sequential) |");
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rep.rows {
        let s = &r.stats;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |",
            r.method,
            r.queries,
            r.distinct_queries,
            s.calls,
            us(s.p50_us),
            us(s.p90_us),
            us(s.p99_us),
            us(s.p999_us),
            us(s.max_us),
            s.per_second
        );
    }
    if !rep.ratios.is_empty() {
        let _ = writeln!(out, "\n### Ratios on the name queries (SQL latency ÷ index latency; higher means the index is faster)\n");
        let _ = writeln!(out, "| Alternative | p50 ÷ in-process p50 | p99 ÷ in-process p99 | p50 ÷ HTTP p50 | p99 ÷ HTTP p99 |");
        let _ = writeln!(out, "|---|---:|---:|---:|---:|");
        for r in &rep.ratios {
            let _ = writeln!(
                out,
                "| {} | {:.0}× | {:.0}× | {:.2}× | {:.2}× |",
                r.alternative,
                r.p50_vs_in_process,
                r.p99_vs_in_process,
                r.p50_vs_http,
                r.p99_vs_http
            );
        }
    }
    let _ = writeln!(
        out,
        "\n### Start-up and memory (`alliances demo`, child process, fresh data directory)\n"
    );
    if rep.startup.is_empty() {
        let _ = writeln!(out, "Skipped (--skip-startup).");
    } else {
        let _ = writeln!(out, "| Run | spawn → listening | spawn → /readyz 200 | RSS after 3 s idle | peak RSS (VmHWM) | SIGTERM → exit | Exit |");
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---|");
        for s in &rep.startup {
            let _ = writeln!(
                out,
                "| {} | {:.0} ms | {:.0} ms | {:.1} MB | {:.1} MB | {:.0} ms | {} |",
                s.run, s.listening_ms, s.ready_ms, s.rss_mb, s.hwm_mb, s.shutdown_ms, s.exit
            );
        }
    }
    let _ = writeln!(out, "\n### Notes\n");
    let _ = writeln!(out, "- In process: `TerritoireIndex::search(referentiel, q, None, 10)` timed call by call (a timer read costs {:.0} ns, included); the in-process `App::open` on a fresh SQLite database took {:.0} ms.", rep.timer_overhead_ns, rep.in_process_open_ms);
    let _ = writeln!(
        out,
        "- HTTP: `GET /api/v1/territoires?q=…&limit=10` on 127.0.0.1, one keep-alive connection, requests one after the other, the whole body read; client and server share the process and its 2-worker runtime. No `Accept-Encoding` (no compression). The warm-up round checked that the API's `total` equals the index's for every query: {} mismatch(es).",
        rep.http_total_mismatches
    );
    let _ = writeln!(
        out,
        "- SQL: name queries only (codes are out of this alternative's reach). `{SQL_PREFIX}` with $1 the folded query (`fold_query`) and $2 its last character incremented, through the app's sqlx pool, rows decoded. `NULLS LAST` so both backends order alike. It does not match later words of a name (\"etienne\" → Saint-Étienne), codes or postal codes, and only communes carry a population in the table, so its ranking differs:"
    );
    for s in &rep.sql {
        let _ = writeln!(
            out,
            "  - {} {} ({} rows): same first result as the index for {:.0}% of the name queries. Plan for 'sain': {}",
            s.backend,
            s.version,
            s.rows_in_table,
            s.top1_agreement * 100.0,
            s.plan
        );
    }
    if !m.release_build {
        let _ = writeln!(
            out,
            "\n**Warning: debug build; rebuild with `cargo build --release -p alliances-cli`.**"
        );
    }
    out
}

// --- the command -----------------------------------------------------------------------------

async fn territoires(args: TerritoiresArgs) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build: its figures are meaningless; run `cargo build --release -p alliances-cli` and target/release/alliances");
    }
    if args.rounds == 0 || args.io_rounds == 0 {
        bail!("--rounds and --io-rounds must be at least 1");
    }
    let date_utc = utc(alliances_app::now());
    let load_average_start = load_average();
    let scratch = tempfile::Builder::new()
        .prefix("alliances-bench-")
        .tempdir()
        .context("cannot create a temporary directory")?;

    let mut startups = Vec::new();
    if !args.skip_startup {
        let data_dir = scratch.path().join("demo-data");
        let log = scratch.path().join("demo.log");
        for run in ["cold", "warm"] {
            eprintln!("bench: start-up and memory, {run} start…");
            startups.push(startup(run, &data_dir, &log).await?);
        }
    }

    eprintln!("bench: opening the platform on a fresh SQLite database…");
    let opened = Instant::now();
    let sqlite_url = alliances_store::db::sqlite_url_for_dir(&scratch.path().join("bench-data"));
    let app = App::open(&sqlite_url, 4)
        .await
        .context("cannot open the platform on SQLite")?;
    let in_process_open_ms = opened.elapsed().as_secs_f64() * 1000.0;
    let t = app.territoires();
    let set = query_set(&t.referentiel);
    let territories = t.referentiel.len();
    drop(t);
    eprintln!(
        "bench: {} queries; in process, {} rounds…",
        set.queries.len(),
        args.rounds
    );
    let timer_overhead_ns = timer_overhead_ns();
    let local = in_process(&app, &set, args.rounds);

    eprintln!("bench: HTTP, {} rounds…", args.io_rounds);
    let web = http(app.clone(), &set, args.io_rounds).await?;

    eprintln!("bench: SQL on SQLite, {} rounds…", args.io_rounds);
    let mut sql_runs = vec![sql(&app, &set, args.io_rounds).await?];
    if let Some(url) = &args.postgres_url {
        eprintln!(
            "bench: opening the platform on PostgreSQL ({})…",
            alliances_store::db::redact_url(url)
        );
        let pg = App::open(url, 4)
            .await
            .context("cannot open the platform on PostgreSQL")?;
        eprintln!("bench: SQL on PostgreSQL, {} rounds…", args.io_rounds);
        sql_runs.push(sql(&pg, &set, args.io_rounds).await?);
        pg.db.close().await;
    }

    // Rows.
    let groups: [(&str, &[Kind]); 6] = [
        ("all", &Kind::ALL),
        ("names (broad + prefix + name)", &Kind::NAMES),
        ("names without broad", &Kind::NAMES_NOT_BROAD),
        ("broad (1–2 letters)", &[Kind::Broad]),
        ("prefix (4–6 letters)", &[Kind::Prefix]),
        ("codes", &[Kind::Code]),
    ];
    let mut rows = Vec::new();
    for (label, kinds) in groups {
        rows.push(Row {
            method: "in process (index)".into(),
            queries: label.into(),
            distinct_queries: set.count(kinds),
            stats: local.stats(kinds),
        });
    }
    for (label, kinds) in groups {
        if kinds == [Kind::Prefix] {
            continue;
        }
        rows.push(Row {
            method: "HTTP API".into(),
            queries: label.into(),
            distinct_queries: set.count(kinds),
            stats: web.rec.stats(kinds),
        });
    }
    for run in &sql_runs {
        for (label, kinds) in &groups[1..4] {
            rows.push(Row {
                method: format!("SQL, {}", run.backend),
                queries: label.to_string(),
                distinct_queries: set.count(kinds),
                stats: run.rec.stats(kinds),
            });
        }
    }

    // Targets.
    let local_all = local.stats(&Kind::ALL);
    let local_broad = local.stats(&[Kind::Broad]);
    let http_all = web.rec.stats(&Kind::ALL);
    let mut verdicts = vec![
        Verdict {
            measure: "In-process search, all queries".into(),
            p50: ms(local_all.p50_us),
            p99: ms(local_all.p99_us),
            target: "p99 ≤ 0.2 ms".into(),
            met: local_all.p99_us <= TARGET_INPROCESS_P99_US,
        },
        Verdict {
            measure: "In-process search, broad queries only".into(),
            p50: ms(local_broad.p50_us),
            p99: ms(local_broad.p99_us),
            target: "p99 ≤ 0.2 ms".into(),
            met: local_broad.p99_us <= TARGET_INPROCESS_P99_US,
        },
        Verdict {
            measure: "HTTP API end to end, all queries".into(),
            p50: ms(http_all.p50_us),
            p99: ms(http_all.p99_us),
            target: "p50 ≤ 2 ms".into(),
            met: http_all.p50_us <= TARGET_HTTP_P50_US,
        },
    ];
    for s in &startups {
        verdicts.push(Verdict {
            measure: format!("Start-up, {} (spawn → /readyz 200)", s.run),
            p50: format!("{:.2} s", s.ready_ms / 1000.0),
            p99: "n/a".into(),
            target: "≤ 10 s".into(),
            met: s.ready_ms / 1000.0 <= TARGET_STARTUP_S,
        });
        verdicts.push(Verdict {
            measure: format!("Resident memory after {} start, 3 s idle", s.run),
            p50: format!("{:.1} MB", s.rss_mb),
            p99: "n/a".into(),
            target: "≤ 150 MB".into(),
            met: s.rss_mb <= TARGET_RSS_MB,
        });
    }

    // Ratios, on the name queries, every method over the same set.
    let local_names = local.stats(&Kind::NAMES);
    let http_names = web.rec.stats(&Kind::NAMES);
    let ratios = sql_runs
        .iter()
        .map(|run| {
            let s = run.rec.stats(&Kind::NAMES);
            Ratio {
                alternative: format!("SQL, {}", run.backend),
                p50_vs_in_process: s.p50_us / local_names.p50_us,
                p99_vs_in_process: s.p99_us / local_names.p99_us,
                p50_vs_http: s.p50_us / http_names.p50_us,
                p99_vs_http: s.p99_us / http_names.p99_us,
            }
        })
        .collect();
    let sql = sql_runs
        .iter()
        .map(|run| SqlSummary {
            backend: run.backend,
            version: run.version.clone(),
            rows_in_table: run.rows_in_table,
            plan: run.plan.clone(),
            top1_agreement: run.top1_agree as f64 / run.name_queries.max(1) as f64,
        })
        .collect();

    let report = Report {
        date_utc,
        machine: machine(),
        rounds: args.rounds,
        io_rounds: args.io_rounds,
        territories,
        sampled: set.sampled.clone(),
        queries: Kind::ALL
            .into_iter()
            .map(|k| (k, set.count(&[k])))
            .collect(),
        in_process_open_ms,
        timer_overhead_ns,
        load_average_start,
        load_average_end: load_average(),
        verdicts,
        rows,
        ratios,
        sql,
        http_total_mismatches: web.total_mismatches,
        startup: startups,
    };
    print!("{}", markdown(&report));
    if let Some(path) = &args.out_json {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("bench: JSON written to {}", path.display());
    }
    app.db.close().await;
    Ok(())
}

// =============================================================================================
// `bench comptes`: issue #3's targets for accounts.
// =============================================================================================

/// Login throughput with argon2id (the real `App::log_in`, then `verify_password` alone as the
/// floor), and what the per-request session lookup of `alliances_web::visiteur::load`
/// (`App::session_for_request`: the session cache, or one query on a miss) costs beside the
/// uncached one-query lookup, in process and over HTTP.
mod comptes {
    use super::{load_average, machine, ms, shuffled, utc, verdict, ComptesArgs, Machine, Stats};
    use alliances_app::comptes::{random_token, token_hash, verify_password, NewAccount};
    use alliances_app::App;
    use anyhow::{anyhow, bail, Context};
    use hdrhistogram::Histogram;
    use serde::Serialize;
    use sqlx::Row as _;
    use std::fmt::Write as _;
    use std::hint::black_box;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const TARGET_LOGINS_PER_CORE: f64 = 15.0;
    const TARGET_LOOKUP_P99_US: f64 = 200.0;
    /// The pool size of `config/default.toml`, as `alliances serve` uses it.
    const MAX_CONNECTIONS: u32 = 8;
    /// A simple page behind the visitor middleware: no form, no database work of its own.
    const PAGE: &str = "/compte/inscription/merci";
    /// What the layout shows only to a signed-in visitor (the user's name in the header).
    const SIGNED_IN_MARK: &str = "nom-utilisateur";
    /// The keep-alive writes when the session was last seen this long ago (once a minute).
    const TOUCH_AGE_SECS: i64 = 120;

    fn hist() -> Histogram<u64> {
        Histogram::new_with_bounds(1, 600_000_000_000, 3).expect("valid histogram bounds")
    }

    fn record(h: &mut Histogram<u64>, elapsed: Duration) {
        h.saturating_record((elapsed.as_nanos() as u64).max(1));
    }

    /// CPU time used so far by the whole process (every thread), in seconds, from
    /// `/proc/self/stat` (utime + stime, in USER_HZ = 100 ticks per second on Linux).
    fn process_cpu_s() -> f64 {
        std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                let fields: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
                let utime: f64 = fields.get(11)?.parse().ok()?;
                let stime: f64 = fields.get(12)?.parse().ok()?;
                Some((utime + stime) / 100.0)
            })
            .unwrap_or(f64::NAN)
    }

    /// A small deterministic generator (xorshift64) for random session picks.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    struct Account {
        id: i64,
        email: String,
        password: String,
    }

    /// A live session of a signed-in user: the cookie value and its user.
    struct Live {
        cookie: String,
        user_id: i64,
    }

    // --- logins ------------------------------------------------------------------------------

    /// Calls timed one by one, `tasks` at a time, and the wall and CPU time of the whole run.
    #[derive(Debug, Clone, Serialize)]
    struct Throughput {
        what: &'static str,
        backend: &'static str,
        tasks: u32,
        /// Latency of each call; `per_second` there is 1 / mean latency.
        #[serde(flatten)]
        stats: Stats,
        wall_s: f64,
        /// Calls ÷ wall time, all tasks together.
        total_per_s: f64,
        /// `total_per_s` ÷ the cores the tasks can use (min(tasks, CPUs)).
        per_core_per_s: f64,
        /// CPU seconds this process used during the run (PostgreSQL's own CPU is not included).
        cpu_s: f64,
        per_cpu_second: f64,
    }

    fn throughput(
        what: &'static str,
        backend: &'static str,
        tasks: u32,
        h: &Histogram<u64>,
        wall: Duration,
        cpu_s: f64,
    ) -> Throughput {
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1);
        let wall_s = wall.as_secs_f64();
        let total_per_s = h.len() as f64 / wall_s;
        Throughput {
            what,
            backend,
            tasks,
            stats: Stats::of(h),
            wall_s,
            total_per_s,
            per_core_per_s: total_per_s / f64::from(tasks.min(cpus).max(1)),
            cpu_s,
            per_cpu_second: h.len() as f64 / cpu_s,
        }
    }

    /// `verify_password` alone, `n` calls over `threads` blocking threads (as `log_in` runs it).
    async fn verify_run(
        backend: &'static str,
        hash: &str,
        password: &str,
        n: u32,
        threads: u32,
    ) -> anyhow::Result<Throughput> {
        let cpu = process_cpu_s();
        let start = Instant::now();
        let mut handles = Vec::new();
        for t in 0..threads {
            let (hash, password) = (hash.to_string(), password.to_string());
            handles.push(tokio::task::spawn_blocking(move || {
                let mut h = hist();
                for _ in (t..n).step_by(threads as usize) {
                    let s = Instant::now();
                    let ok = verify_password(black_box(&hash), black_box(&password));
                    record(&mut h, s.elapsed());
                    if !ok {
                        return Err(anyhow!("verify_password refused the right password"));
                    }
                }
                Ok(h)
            }));
        }
        let mut h = hist();
        for handle in handles {
            h.add(&handle.await??).expect("same bounds");
        }
        let wall = start.elapsed();
        Ok(throughput(
            "verify_password alone",
            backend,
            threads,
            &h,
            wall,
            process_cpu_s() - cpu,
        ))
    }

    /// `n` successful `App::log_in` calls over `tasks` concurrent tasks, accounts in turn.
    async fn login_run(
        app: &Arc<App>,
        accounts: &Arc<Vec<Account>>,
        backend: &'static str,
        n: u32,
        tasks: u32,
    ) -> anyhow::Result<Throughput> {
        let cpu = process_cpu_s();
        let start = Instant::now();
        let mut handles = Vec::new();
        for t in 0..tasks {
            let (app, accounts) = (app.clone(), accounts.clone());
            handles.push(tokio::spawn(async move {
                let mut h = hist();
                for i in (t..n).step_by(tasks as usize) {
                    let a = &accounts[i as usize % accounts.len()];
                    let s = Instant::now();
                    let (user, cookie, csrf) = app
                        .log_in(&a.email, &a.password, None)
                        .await
                        .map_err(|e| anyhow!("log_in {} failed: {e}", a.email))?;
                    record(&mut h, s.elapsed());
                    if user.id != a.id {
                        bail!("log_in {} returned user {}", a.email, user.id);
                    }
                    black_box((cookie, csrf));
                }
                Ok(h)
            }));
        }
        let mut h = hist();
        for handle in handles {
            h.add(&handle.await??).expect("same bounds");
        }
        let wall = start.elapsed();
        Ok(throughput(
            "log_in",
            backend,
            tasks,
            &h,
            wall,
            process_cpu_s() - cpu,
        ))
    }

    // --- session lookups ---------------------------------------------------------------------

    /// The SQL condition selecting this run's sessions ($1: the LIKE pattern of its e-mails).
    const OURS: &str = "user_id IN (SELECT id FROM users WHERE email LIKE $1)";

    async fn execute(app: &App, sql: &str, pattern: &str, t: i64) -> anyhow::Result<u64> {
        Ok(sqlx::query(sql)
            .bind(pattern)
            .bind(t)
            .execute(app.db.pool())
            .await?
            .rows_affected())
    }

    async fn count(app: &App, sql: &str, pattern: &str, t: i64) -> anyhow::Result<i64> {
        Ok(sqlx::query(sql)
            .bind(pattern)
            .bind(t)
            .fetch_one(app.db.pool())
            .await?
            .try_get::<i64, _>(0)?)
    }

    /// Marks every session of this run as seen now, so that the next minute of lookups only reads.
    async fn mark_seen_now(app: &App, pattern: &str) -> anyhow::Result<i64> {
        let t = alliances_app::now();
        execute(
            app,
            &format!("UPDATE sessions SET last_seen_at = $2 WHERE {OURS}"),
            pattern,
            t,
        )
        .await?;
        Ok(t)
    }

    /// Sessions of this run whose `last_seen_at` changed since `mark_seen_now` returned `t`.
    async fn touched_since(app: &App, pattern: &str, t: i64) -> anyhow::Result<i64> {
        count(
            app,
            &format!("SELECT COUNT(*) FROM sessions WHERE {OURS} AND last_seen_at <> $2"),
            pattern,
            t,
        )
        .await
    }

    /// The session lookups of one run: the request path (`App::session_for_request`) on a cache
    /// hit and on a cache miss, and side by side the uncached one-query lookup that requests
    /// used before the cache (`App::session_with_user`).
    struct Lookups {
        hit: Histogram<u64>,
        miss: Histogram<u64>,
        uncached: Histogram<u64>,
        /// Sessions whose `last_seen_at` was written during the run.
        writes: i64,
        /// "Hit" lookups whose session was not in the cache when the block started (should be 0).
        not_cached: usize,
    }

    fn check_user(live: &Live, user_id: Option<i64>) -> anyhow::Result<()> {
        match user_id {
            Some(id) if id == live.user_id => Ok(()),
            other => bail!(
                "the session belongs to user {other:?}, not {}",
                live.user_id
            ),
        }
    }

    /// One lookup as `visiteur::load` does it (through this instance's session cache).
    async fn request_path(app: &App, live: &Live) -> anyhow::Result<Duration> {
        let start = Instant::now();
        let found = app.session_for_request(black_box(&live.cookie)).await?;
        let elapsed = start.elapsed();
        let (_, user) = found.context("a live session was not found")?;
        check_user(live, user.map(|u| u.id))?;
        Ok(elapsed)
    }

    /// The same lookup, the session first removed from the cache (untimed): one query, then
    /// the fill.
    async fn miss_path(app: &App, live: &Live) -> anyhow::Result<Duration> {
        app.session_cache
            .invalidate_session(&token_hash(&live.cookie));
        request_path(app, live).await
    }

    /// The uncached one-query lookup (session ⋈ user ⟕ roles), what requests paid before.
    async fn uncached(app: &App, live: &Live) -> anyhow::Result<Duration> {
        let start = Instant::now();
        let found = app.session_with_user(black_box(&live.cookie)).await?;
        let elapsed = start.elapsed();
        let (_, user) = found.context("a live session was not found")?;
        check_user(live, user.map(|u| u.id))?;
        Ok(elapsed)
    }

    /// The common case: `n` lookups of random live sessions, each seen less than a minute ago
    /// (reads only), by the three methods on the same sessions, in blocks of 1,000 whose order
    /// rotates so that the machine's noise hits them alike.
    async fn read_lookups(
        app: &App,
        live: &[Live],
        pattern: &str,
        n: u32,
    ) -> anyhow::Result<Lookups> {
        const BLOCK: u32 = 1_000;
        let t = mark_seen_now(app, pattern).await?;
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for _ in 0..n.clamp(1, 2_000) {
            let l = &live[rng.below(live.len())];
            uncached(app, l).await?;
            miss_path(app, l).await?;
            request_path(app, l).await?;
        }
        let mut rng = Rng(0xA076_1D64_78BD_642F);
        let (mut hit, mut miss, mut plain) = (hist(), hist(), hist());
        let mut not_cached = 0;
        for block in 0..n.div_ceil(BLOCK) {
            let len = (n - block * BLOCK).min(BLOCK);
            let picks: Vec<&Live> = (0..len).map(|_| &live[rng.below(live.len())]).collect();
            for step in 0..3 {
                match (block + step) % 3 {
                    0 => {
                        for l in &picks {
                            record(&mut plain, uncached(app, l).await?);
                        }
                    }
                    1 => {
                        for l in &picks {
                            record(&mut miss, miss_path(app, l).await?);
                        }
                    }
                    _ => {
                        // Fill the cache afresh with 100 of the block's sessions (untimed; an
                        // entry left by an earlier block could reach its TTL before its turn),
                        // then time the hits.
                        for chunk in picks.chunks(100) {
                            for l in chunk {
                                miss_path(app, l).await?;
                            }
                            let now = alliances_app::now();
                            not_cached += chunk
                                .iter()
                                .filter(|l| {
                                    !app.session_cache.contains(&token_hash(&l.cookie), now)
                                })
                                .count();
                            for l in chunk {
                                record(&mut hit, request_path(app, l).await?);
                            }
                        }
                    }
                }
            }
        }
        let writes = touched_since(app, pattern, t).await?;
        Ok(Lookups {
            hit,
            miss,
            uncached: plain,
            writes,
            not_cached,
        })
    }

    /// The first request of each minute of a session also writes `last_seen_at`. Every session
    /// is aged by two minutes and dropped from the cache, then up to `n` distinct ones are looked
    /// up once through the request path (cache miss: one query, then the UPDATE).
    async fn touch_lookups(
        app: &App,
        live: &[Live],
        pattern: &str,
        n: u32,
    ) -> anyhow::Result<(Histogram<u64>, i64)> {
        execute(
            app,
            &format!("UPDATE sessions SET last_seen_at = last_seen_at - $2 WHERE {OURS}"),
            pattern,
            TOUCH_AGE_SECS,
        )
        .await?;
        for l in live {
            app.session_cache.invalidate_session(&token_hash(&l.cookie));
        }
        let t = alliances_app::now();
        let order = shuffled(live.len(), 99);
        let warm = (live.len() / 20).clamp(1, 100);
        for &i in &order[..warm] {
            request_path(app, &live[i]).await?;
        }
        let mut h = hist();
        for &i in order[warm..].iter().take(n as usize) {
            record(&mut h, request_path(app, &live[i]).await?);
        }
        let writes = count(
            app,
            &format!("SELECT COUNT(*) FROM sessions WHERE {OURS} AND last_seen_at >= $2"),
            pattern,
            t,
        )
        .await?
            - warm as i64;
        Ok((h, writes))
    }

    // --- HTTP --------------------------------------------------------------------------------

    struct Pages {
        /// A cookie whose session the cache holds.
        cached: Histogram<u64>,
        /// A cookie whose session was just dropped from the cache (one query).
        not_cached: Histogram<u64>,
        without: Histogram<u64>,
        /// Answers that showed a signed-in header without a cookie or the reverse.
        mismatches: usize,
        writes: i64,
    }

    /// How many sessions the "cached" HTTP variant cycles through (each comes back every few
    /// milliseconds, as a visitor browsing; entries absent at their turn are refilled untimed).
    const ACTIVE: usize = 100;

    /// `GET PAGE` on the real router served in process, over one keep-alive connection: `n`
    /// requests with a cached session's cookie, `n` with a session just dropped from the cache
    /// and `n` without a cookie, interleaved at random.
    async fn pages(app: Arc<App>, live: &[Live], pattern: &str, n: u32) -> anyhow::Result<Pages> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot listen on 127.0.0.1")?;
        let addr = listener.local_addr()?;
        let router = alliances_web::build_router(app.clone(), alliances_web::WebOptions::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(alliances_web::serve(listener, router, async move {
            let _ = stopped.await;
        }));
        let result = async {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .tcp_nodelay(true)
                .build()?;
            let url = reqwest::Url::parse(&format!("http://{addr}{PAGE}"))?;
            let cookie_of =
                |l: &Live| format!("{}={}", alliances_web::visiteur::SESSION_COOKIE, l.cookie);
            // One request; returns its latency and whether the page showed a signed-in visitor.
            let get = |cookie: Option<String>| {
                let mut req = client.get(url.clone());
                if let Some(c) = cookie {
                    req = req.header(reqwest::header::COOKIE, c);
                }
                async move {
                    let start = Instant::now();
                    let resp = req.send().await?;
                    let status = resp.status();
                    let body = resp.bytes().await?;
                    let elapsed = start.elapsed();
                    if !status.is_success() {
                        bail!("GET {PAGE} answered {status}");
                    }
                    let signed_in = body
                        .windows(SIGNED_IN_MARK.len())
                        .any(|w| w == SIGNED_IN_MARK.as_bytes());
                    Ok::<_, anyhow::Error>((elapsed, signed_in))
                }
            };
            let t = mark_seen_now(&app, pattern).await?;
            let active = &live[..ACTIVE.min(live.len())];
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
            for _ in 0..n.clamp(1, 500) {
                let (_, signed_in) = get(Some(cookie_of(&live[rng.below(live.len())]))).await?;
                if !signed_in {
                    bail!("a request with a live session's cookie got the anonymous page");
                }
                let (_, signed_in) = get(None).await?;
                if signed_in {
                    bail!("a request without a cookie got a signed-in page");
                }
            }
            let (mut cached, mut not_cached, mut without, mut mismatches) =
                (hist(), hist(), hist(), 0);
            for i in shuffled(3 * n as usize, 7) {
                let variant = i / n as usize;
                let cookie = match variant {
                    0 => {
                        let l = &active[rng.below(active.len())];
                        if !app
                            .session_cache
                            .contains(&token_hash(&l.cookie), alliances_app::now())
                        {
                            request_path(&app, l).await?;
                        }
                        Some(cookie_of(l))
                    }
                    1 => {
                        let l = &live[rng.below(live.len())];
                        app.session_cache.invalidate_session(&token_hash(&l.cookie));
                        Some(cookie_of(l))
                    }
                    _ => None,
                };
                let cookied = cookie.is_some();
                let (elapsed, signed_in) = get(cookie).await?;
                if signed_in != cookied {
                    mismatches += 1;
                }
                record(
                    match variant {
                        0 => &mut cached,
                        1 => &mut not_cached,
                        _ => &mut without,
                    },
                    elapsed,
                );
            }
            let writes = touched_since(&app, pattern, t).await?;
            Ok(Pages {
                cached,
                not_cached,
                without,
                mismatches,
                writes,
            })
        }
        .await;
        let _ = stop.send(());
        server
            .await
            .context("the server task failed")?
            .context("the server failed")?;
        result
    }

    // --- one backend -------------------------------------------------------------------------

    #[derive(Serialize)]
    struct Backend {
        backend: &'static str,
        version: String,
        /// The parameters read back from a stored hash, e.g. "argon2id v=19 m=19456,t=2,p=1".
        argon2: String,
        sign_up: Stats,
        open_session: Stats,
        /// verify alone (1 thread), log_in (1 task), verify alone (2 threads), log_in (2 tasks).
        logins: Vec<Throughput>,
        /// The request path (`session_for_request`), the session in this instance's cache.
        lookup_hit: Stats,
        /// "Hit" lookups whose session was missing from the cache (should be 0).
        lookup_hit_not_cached: usize,
        /// The request path, the session not in the cache: one query, then the fill.
        lookup_miss: Stats,
        /// The uncached one-query lookup (`session_with_user`), on the same sessions.
        lookup_uncached: Stats,
        lookup_read_writes: i64,
        /// The request path on a session last seen two minutes ago: miss, query, UPDATE.
        lookup_touch: Stats,
        lookup_touch_writes: i64,
        http_cached_session: Stats,
        http_uncached_session: Stats,
        http_without_session: Stats,
        http_mismatches: usize,
        http_writes: i64,
    }

    impl Backend {
        fn login(&self, what: &str, tasks: u32) -> &Throughput {
            self.logins
                .iter()
                .find(|t| t.what == what && t.tasks == tasks)
                .expect("every run measures every combination")
        }
    }

    async fn version(app: &App) -> anyhow::Result<String> {
        let sql = if app.db.backend().name() == "sqlite" {
            "SELECT sqlite_version() AS v"
        } else {
            "SELECT current_setting('server_version') AS v"
        };
        Ok(sqlx::query(sql)
            .fetch_one(app.db.pool())
            .await?
            .try_get("v")?)
    }

    /// Deletes what the run created (accounts cascade to roles and tokens).
    async fn clean_up(app: &App, pattern: &str) -> anyhow::Result<()> {
        let pool = app.db.pool();
        sqlx::query(&format!("DELETE FROM sessions WHERE {OURS}"))
            .bind(pattern)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM jobs WHERE payload LIKE $1")
            .bind(format!("%{pattern}"))
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE email LIKE $1")
            .bind(pattern)
            .execute(pool)
            .await?;
        sqlx::query("DELETE FROM users WHERE email LIKE $1")
            .bind(pattern)
            .execute(pool)
            .await?;
        Ok(())
    }

    async fn backend(app: &Arc<App>, args: &ComptesArgs, tag: &str) -> anyhow::Result<Backend> {
        let backend = app.db.backend().name();
        let pattern = format!("banc-{tag}-%");
        let version = version(app).await?;

        eprintln!("bench: {backend}: {} accounts (sign_up)…", args.accounts);
        let mut sign_up = hist();
        let mut accounts = Vec::new();
        for i in 0..args.accounts {
            let email = format!("banc-{tag}-{i}@alliances.invalid");
            let password = format!("cheval agrafe batterie {i:03}");
            let name = format!("Compte banc {i}");
            let start = Instant::now();
            let signed = app
                .sign_up(
                    NewAccount {
                        email: &email,
                        name: &name,
                        password: &password,
                    },
                    "http://127.0.0.1:8080",
                )
                .await
                .map_err(|e| anyhow!("sign_up {email} failed: {e}"))?;
            record(&mut sign_up, start.elapsed());
            accounts.push(Account {
                id: signed.user_id,
                email,
                password,
            });
        }
        let stored = alliances_store::users::by_email(&app.db, &accounts[0].email)
            .await?
            .context("the first account was not stored")?;
        let argon2 = {
            let parts: Vec<&str> = stored.password_hash.split('$').collect();
            parts.get(1..4).map(|p| p.join(" ")).unwrap_or_default()
        };
        let (hash, password) = (stored.password_hash, accounts[0].password.clone());
        let accounts = Arc::new(accounts);

        // Logins: warm-up, then each measure next to its floor, 1 task then 2.
        eprintln!("bench: {backend}: logins, {} per run…", args.logins);
        verify_run(backend, &hash, &password, 3, 1).await?;
        login_run(app, &accounts, backend, accounts.len().min(5) as u32, 1).await?;
        let mut logins = Vec::new();
        for tasks in [1, 2] {
            logins.push(verify_run(backend, &hash, &password, args.logins, tasks).await?);
            logins.push(login_run(app, &accounts, backend, args.logins, tasks).await?);
        }

        eprintln!(
            "bench: {backend}: opening {} sessions (open_session)…",
            args.sessions
        );
        let mut open_session = hist();
        let mut live = Vec::with_capacity(args.sessions as usize);
        for i in 0..args.sessions as usize {
            let a = &accounts[i % accounts.len()];
            let start = Instant::now();
            let (cookie, _csrf) = app.open_session(Some(a.id)).await?;
            record(&mut open_session, start.elapsed());
            live.push(Live {
                cookie,
                user_id: a.id,
            });
        }

        eprintln!(
            "bench: {backend}: {} session lookups (read path), then the touch path…",
            args.lookups
        );
        let read = read_lookups(app, &live, &pattern, args.lookups).await?;
        let (touch, touch_writes) = touch_lookups(app, &live, &pattern, args.lookups).await?;

        eprintln!(
            "bench: {backend}: HTTP GET {PAGE}, {} requests with a cached session, {} with an uncached one, {} without…",
            args.requests, args.requests, args.requests
        );
        let web = pages(app.clone(), &live, &pattern, args.requests).await?;

        Ok(Backend {
            backend,
            version,
            argon2,
            sign_up: Stats::of(&sign_up),
            open_session: Stats::of(&open_session),
            logins,
            lookup_hit: Stats::of(&read.hit),
            lookup_hit_not_cached: read.not_cached,
            lookup_miss: Stats::of(&read.miss),
            lookup_uncached: Stats::of(&read.uncached),
            lookup_read_writes: read.writes,
            lookup_touch: Stats::of(&touch),
            lookup_touch_writes: touch_writes,
            http_cached_session: Stats::of(&web.cached),
            http_uncached_session: Stats::of(&web.not_cached),
            http_without_session: Stats::of(&web.without),
            http_mismatches: web.mismatches,
            http_writes: web.writes,
        })
    }

    // --- the report --------------------------------------------------------------------------

    #[derive(Serialize)]
    struct Verdict {
        measure: String,
        figure: String,
        p50: String,
        p99: String,
        target: String,
        met: bool,
    }

    #[derive(Serialize)]
    struct Report {
        date_utc: String,
        machine: Machine,
        tokio_workers: usize,
        accounts: u32,
        logins: u32,
        sessions: u32,
        lookups: u32,
        requests: u32,
        max_connections: u32,
        load_average_start: String,
        load_average_end: String,
        verdicts: Vec<Verdict>,
        backends: Vec<Backend>,
    }

    fn backend_name(b: &str) -> &'static str {
        if b == "sqlite" {
            "SQLite"
        } else {
            "PostgreSQL"
        }
    }

    /// A signed duration difference in microseconds.
    fn diff(v_us: f64) -> String {
        if v_us < 0.0 {
            format!("−{}", ms(-v_us))
        } else {
            format!("+{}", ms(v_us))
        }
    }

    fn verdicts(backends: &[Backend]) -> Vec<Verdict> {
        let mut out = Vec::new();
        for b in backends {
            let name = backend_name(b.backend);
            for tasks in [1, 2] {
                let l = b.login("log_in", tasks);
                out.push(Verdict {
                    measure: if tasks == 1 {
                        format!("Login, {name}, 1 task (one core)")
                    } else {
                        format!("Login, {name}, 2 concurrent tasks (two cores), per core")
                    },
                    figure: if tasks == 1 {
                        format!("{:.1} logins/s", l.per_core_per_s)
                    } else {
                        format!(
                            "{:.1} logins/s per core ({:.1} in all)",
                            l.per_core_per_s, l.total_per_s
                        )
                    },
                    p50: ms(l.stats.p50_us),
                    p99: ms(l.stats.p99_us),
                    target: "≥ 15 logins/s per core".into(),
                    met: l.per_core_per_s >= TARGET_LOGINS_PER_CORE,
                });
            }
        }
        for b in backends {
            let name = backend_name(b.backend);
            for (what, s) in [
                ("request path, cache hit", &b.lookup_hit),
                ("request path, cache miss (one query)", &b.lookup_miss),
            ] {
                out.push(Verdict {
                    measure: format!("Session lookup in process, {name}, {what}, reads only"),
                    figure: format!("{} calls", s.calls),
                    p50: ms(s.p50_us),
                    p99: ms(s.p99_us),
                    target: "p99 ≤ 0.2 ms".into(),
                    met: s.p99_us <= TARGET_LOOKUP_P99_US,
                });
            }
            out.push(Verdict {
                measure: format!(
                    "Session lookup in process, {name}, first request of the minute (cache miss + UPDATE)"
                ),
                figure: format!("{} calls", b.lookup_touch.calls),
                p50: ms(b.lookup_touch.p50_us),
                p99: ms(b.lookup_touch.p99_us),
                target: "p99 ≤ 0.2 ms".into(),
                met: b.lookup_touch.p99_us <= TARGET_LOOKUP_P99_US,
            });
            let wo = &b.http_without_session;
            for (what, w) in [
                ("a cached session", &b.http_cached_session),
                ("an uncached session", &b.http_uncached_session),
            ] {
                out.push(Verdict {
                    measure: format!("HTTP `GET {PAGE}`, {name}: with {what} − without"),
                    figure: format!("{} + {} requests", w.calls, wo.calls),
                    p50: diff(w.p50_us - wo.p50_us),
                    p99: diff(w.p99_us - wo.p99_us),
                    target: "p99 difference ≤ 0.2 ms (cross-check)".into(),
                    met: w.p99_us - wo.p99_us <= TARGET_LOOKUP_P99_US,
                });
            }
        }
        out
    }

    fn stats_cells(s: &Stats) -> String {
        format!(
            "{} | {} | {} | {} | {} | {}",
            s.calls,
            ms(s.p50_us),
            ms(s.p90_us),
            ms(s.p99_us),
            ms(s.p999_us),
            ms(s.max_us)
        )
    }

    fn markdown(rep: &Report) -> String {
        let mut out = String::new();
        let m = &rep.machine;
        let _ = writeln!(out, "## Comptes (issue #3): run of {}\n", rep.date_utc);
        let versions: Vec<String> = rep
            .backends
            .iter()
            .map(|b| format!("{} {}", backend_name(b.backend), b.version))
            .collect();
        let _ = writeln!(
            out,
            "Machine: {} CPUs ({}), {:.1} GB RAM, Linux {}; {} build; Tokio multi-thread runtime with {} workers; 1-minute load average {} at the start, {} at the end. Backends: {} (pool of {} connections).\n",
            m.cpus,
            m.cpu_model,
            m.memory_gb,
            m.kernel,
            if m.release_build { "release" } else { "DEBUG (figures meaningless)" },
            rep.tokio_workers,
            rep.load_average_start,
            rep.load_average_end,
            versions.join(", "),
            rep.max_connections,
        );
        let argon2 = rep
            .backends
            .first()
            .map(|b| b.argon2.as_str())
            .unwrap_or("?");
        let _ = writeln!(
            out,
            "Per backend: {} accounts created with `sign_up` (password hash: {argon2}); {} successful logins per run; {} live sessions of signed-in users, {} lookups on random ones per method; {} HTTP requests per variant (cached session, uncached session, no cookie).\n",
            rep.accounts, rep.logins, rep.sessions, rep.lookups, rep.requests
        );

        let _ = writeln!(out, "### Targets\n");
        let _ = writeln!(out, "| Measure | Figure | p50 | p99 | Target | Verdict |");
        let _ = writeln!(out, "|---|---|---:|---:|---|---|");
        for v in &rep.verdicts {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                v.measure,
                v.figure,
                v.p50,
                v.p99,
                v.target,
                verdict(v.met)
            );
        }

        let _ = writeln!(out, "\n### Logins: latency per call and throughput\n");
        let _ = writeln!(out, "| What | Backend | Tasks | Calls | p50 | p90 | p99 | max | calls/s (wall, all tasks) | per core | process CPU | calls per CPU-second |");
        let _ = writeln!(
            out,
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for b in &rep.backends {
            for t in &b.logins {
                let s = &t.stats;
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.2} s | {:.1} |",
                    if t.what == "log_in" {
                        "`App::log_in`"
                    } else {
                        "`verify_password` alone"
                    },
                    backend_name(t.backend),
                    t.tasks,
                    s.calls,
                    ms(s.p50_us),
                    ms(s.p90_us),
                    ms(s.p99_us),
                    ms(s.max_us),
                    t.total_per_s,
                    t.per_core_per_s,
                    t.cpu_s,
                    t.per_cpu_second
                );
            }
            let s = &b.sign_up;
            let _ = writeln!(
                out,
                "| `App::sign_up` (hash + one transaction) | {} | 1 | {} | {} | {} | {} | {} | {:.1} | {:.1} | – | – |",
                backend_name(b.backend),
                s.calls,
                ms(s.p50_us),
                ms(s.p90_us),
                ms(s.p99_us),
                ms(s.max_us),
                s.per_second,
                s.per_second
            );
        }

        let _ = writeln!(
            out,
            "\n### Where a login's time goes (`log_in` ÷ `verify_password` alone, measured one after the other)\n"
        );
        let _ = writeln!(out, "| Backend | Tasks | p50 ratio | p99 ratio | mean ratio | mean `log_in` − mean verify | throughput ratio (verify ÷ log_in) |");
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        for b in &rep.backends {
            for tasks in [1, 2] {
                let (l, v) = (
                    b.login("log_in", tasks),
                    b.login("verify_password alone", tasks),
                );
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.2}× | {:.2}× | {:.2}× | {} | {:.2}× |",
                    backend_name(b.backend),
                    tasks,
                    l.stats.p50_us / v.stats.p50_us,
                    l.stats.p99_us / v.stats.p99_us,
                    l.stats.mean_us / v.stats.mean_us,
                    diff(l.stats.mean_us - v.stats.mean_us),
                    v.total_per_s / l.total_per_s
                );
            }
        }

        let _ = writeln!(out, "\n### Session lookup in process\n");
        let _ = writeln!(
            out,
            "| Path | Backend | Calls | p50 | p90 | p99 | p99.9 | max | writes seen |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for b in &rep.backends {
            let name = backend_name(b.backend);
            let hit_label = format!(
                "**request path (`session_for_request`), cache hit** (not cached at their turn: {})",
                b.lookup_hit_not_cached
            );
            let rows: [(&str, &Stats, String); 5] = [
                (&hit_label, &b.lookup_hit, b.lookup_read_writes.to_string()),
                (
                    "**request path, cache miss** (one query, then the fill)",
                    &b.lookup_miss,
                    String::new(),
                ),
                (
                    "uncached one-query lookup (`session_with_user`), as before the cache",
                    &b.lookup_uncached,
                    String::new(),
                ),
                (
                    "**first of the minute: request path, cache miss + UPDATE**",
                    &b.lookup_touch,
                    b.lookup_touch_writes.to_string(),
                ),
                (
                    "`open_session` (one INSERT), for comparison",
                    &b.open_session,
                    String::new(),
                ),
            ];
            for (label, s, writes) in rows {
                let _ = writeln!(out, "| {label} | {name} | {} | {writes} |", stats_cells(s));
            }
        }

        let _ = writeln!(
            out,
            "\n### Ratios, reads only (the uncached one-query lookup ÷ the request path)\n"
        );
        let _ = writeln!(
            out,
            "| Backend | Request path | p50 ratio | p99 ratio | p50 difference | p99 difference |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
        for b in &rep.backends {
            let u = &b.lookup_uncached;
            for (what, r) in [("cache hit", &b.lookup_hit), ("cache miss", &b.lookup_miss)] {
                let _ = writeln!(
                    out,
                    "| {} | {what} | {:.2}× | {:.2}× | {} | {} |",
                    backend_name(b.backend),
                    u.p50_us / r.p50_us,
                    u.p99_us / r.p99_us,
                    diff(u.p50_us - r.p50_us),
                    diff(u.p99_us - r.p99_us)
                );
            }
        }

        let _ = writeln!(
            out,
            "\n### HTTP: `GET {PAGE}` with and without a session cookie\n"
        );
        let _ = writeln!(
            out,
            "| Backend | Request | Calls | p50 | p90 | p99 | p99.9 | max |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
        for b in &rep.backends {
            let name = backend_name(b.backend);
            let wo = &b.http_without_session;
            let _ = writeln!(out, "| {name} | without a cookie | {} |", stats_cells(wo));
            for (what, w) in [
                ("a cached session", &b.http_cached_session),
                ("an uncached session", &b.http_uncached_session),
            ] {
                let _ = writeln!(
                    out,
                    "| {name} | with {what}'s cookie | {} |",
                    stats_cells(w)
                );
                let _ = writeln!(
                    out,
                    "| {name} | **difference (with {what} − without)** | | {} | {} | {} | {} | |",
                    diff(w.p50_us - wo.p50_us),
                    diff(w.p90_us - wo.p90_us),
                    diff(w.p99_us - wo.p99_us),
                    diff(w.p999_us - wo.p999_us)
                );
            }
        }

        let _ = writeln!(out, "\n### Notes\n");
        let _ = writeln!(
            out,
            "- Logins: the real `App::log_in(email, password, None)` (throttle check, user read, argon2id verification on a blocking thread, failure counter cleared, new session inserted, user and roles read), accounts taken in turn, every call successful. \"1 task\" calls it one after the other (one core's worth of work: per core = calls ÷ wall time); \"2 tasks\" runs two such loops concurrently on the {}-worker runtime (per core = calls ÷ wall time ÷ 2). `verify_password` alone runs the same number of verifications on the same blocking pool, right before each login run. Process CPU is utime + stime of this process (`/proc/self/stat`); for PostgreSQL the server's own CPU is not in it.",
            rep.tokio_workers
        );
        let _ = writeln!(
            out,
            "- Session lookup: what `alliances_web::visiteur::load` runs for a request carrying a session cookie, `App::session_for_request(cookie)` (SHA-256 of the cookie, then this instance's session cache — TTL {} s — or on a miss one SELECT joining session, user and roles, then the fill), timed call by call on random sessions among {} live ones after a warm-up. Three methods on the same sessions, in blocks of 1,000 whose order rotates: cache hit (sessions dropped from the cache and looked up again, untimed, by 100 just before), cache miss (each session dropped from the cache, untimed, just before), and the uncached one-query lookup `App::session_with_user` that requests used before the cache. \"Reads only\": every session was marked seen just before, so no lookup writes (\"writes seen\" counts the sessions whose `last_seen_at` changed anyway). \"First of the minute\" ages every session by {} s and empties the cache first, so that each lookup misses and also writes `last_seen_at` (one UPDATE): that happens on the first request of each minute of a session (a hit then pays the UPDATE without the SELECT).",
            alliances_app::sessions_cache::SESSION_CACHE_TTL.as_secs(),
            rep.sessions,
            TOUCH_AGE_SECS
        );
        let mismatches: Vec<String> = rep
            .backends
            .iter()
            .map(|b| {
                format!(
                    "{} {} ({} sessions written)",
                    backend_name(b.backend),
                    b.http_mismatches,
                    b.http_writes
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "- HTTP: the real router (`build_router` + `serve`) on 127.0.0.1:0 in this process, one keep-alive reqwest connection, requests one after the other, the whole body read, no compression. Three variants interleaved at random so that noise hits them alike: the cookie of one of {ACTIVE} active sessions held by the cache (refilled untimed when absent at its turn), the cookie of a random live session dropped from the cache just before (untimed), no cookie. Each answer is checked (the header shows the user's name with a cookie, not without; mismatches: {}). A percentile of a difference is not the difference of percentiles: the HTTP rows are a cross-check; the in-process p99 of the lookup itself is the figure held against the 0.2 ms target.",
            mismatches.join(", ")
        );
        if !m.release_build {
            let _ = writeln!(
                out,
                "\n**Warning: debug build; rebuild with `cargo build --release -p alliances-cli`.**"
            );
        }
        out
    }

    // --- the command -------------------------------------------------------------------------

    pub(super) async fn run(args: ComptesArgs) -> anyhow::Result<()> {
        if cfg!(debug_assertions) {
            eprintln!("warning: this is a debug build: its figures are meaningless; run `cargo build --release -p alliances-cli` and target/release/alliances");
        }
        if args.logins < 2
            || args.lookups == 0
            || args.accounts == 0
            || args.sessions < 20
            || args.requests == 0
        {
            bail!("--logins must be at least 2, --sessions at least 20, --lookups, --accounts and --requests at least 1");
        }
        let date_utc = utc(alliances_app::now());
        let load_average_start = load_average();
        let tag = random_token()[..10].to_string();
        let scratch = tempfile::Builder::new()
            .prefix("alliances-bench-")
            .tempdir()
            .context("cannot create a temporary directory")?;

        eprintln!("bench: opening the platform on a fresh SQLite database…");
        let sqlite_url =
            alliances_store::db::sqlite_url_for_dir(&scratch.path().join("bench-data"));
        let app = App::open(&sqlite_url, MAX_CONNECTIONS)
            .await
            .context("cannot open the platform on SQLite")?;
        let mut backends = vec![backend(&app, &args, &tag).await?];
        app.db.close().await;

        if let Some(url) = &args.postgres_url {
            eprintln!(
                "bench: opening the platform on PostgreSQL ({})…",
                alliances_store::db::redact_url(url)
            );
            let pg = App::open(url, MAX_CONNECTIONS)
                .await
                .context("cannot open the platform on PostgreSQL")?;
            let measured = backend(&pg, &args, &tag).await;
            let cleaned = clean_up(&pg, &format!("banc-{tag}-%")).await;
            pg.db.close().await;
            backends.push(measured?);
            cleaned.context("cannot delete the bench's accounts from PostgreSQL")?;
        }

        let report = Report {
            date_utc,
            machine: machine(),
            tokio_workers: tokio::runtime::Handle::current().metrics().num_workers(),
            accounts: args.accounts,
            logins: args.logins,
            sessions: args.sessions,
            lookups: args.lookups,
            requests: args.requests,
            max_connections: MAX_CONNECTIONS,
            load_average_start,
            load_average_end: load_average(),
            verdicts: verdicts(&backends),
            backends,
        };
        print!("{}", markdown(&report));
        if let Some(path) = &args.out_json {
            std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("bench: JSON written to {}", path.display());
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn process_cpu_time_is_read() {
            let cpu = process_cpu_s();
            assert!(cpu.is_finite() && cpu >= 0.0, "{cpu}");
        }

        #[test]
        fn differences_are_signed() {
            assert_eq!(diff(12.5), "+12.5 µs");
            assert_eq!(diff(-1500.0), "−1.50 ms");
        }

        #[test]
        fn random_picks_stay_in_range() {
            let mut rng = Rng(1);
            assert!((0..1000).all(|_| rng.below(7) < 7));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_bound_increments_the_last_character() {
        assert_eq!(upper_bound("sain"), "saio");
        assert_eq!(upper_bound("saint "), "saint!");
        assert_eq!(upper_bound(""), char::MAX.to_string());
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1_735_689_599), "2024-12-31 23:59 UTC");
    }

    #[test]
    fn shuffles_are_permutations() {
        let mut order = shuffled(100, 3);
        assert_ne!(order, (0..100).collect::<Vec<_>>());
        order.sort_unstable();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn query_set_is_deterministic_and_covers_every_kind() {
        let r = Referentiel::build(alliances_app::geo::shipped().unwrap()).unwrap();
        let a = query_set(&r);
        let b = query_set(&r);
        assert_eq!(
            a.queries.iter().map(|q| &q.text).collect::<Vec<_>>(),
            b.queries.iter().map(|q| &q.text).collect::<Vec<_>>()
        );
        for k in Kind::ALL {
            assert!(a.count(&[k]) > 0, "{k:?}");
        }
        assert!(a
            .queries
            .iter()
            .filter(|q| q.kind == Kind::Broad)
            .all(|q| fold_query(&q.text).chars().count() <= 2));
    }
}
