//! `alliances bench annuaire-http`: the search page end to end over HTTP at N organisations
//! (default 1,000,000, fictional, over the real communes). Fills a fresh SQLite database, opens
//! the platform (which builds the search index from the database, timed), serves it on
//! loopback and loads it with `wrk` (a Lua script cycles through a mix of searches), beside the
//! nearest alternative on the same server and client: `/healthz`, a handler that does nothing,
//! which is the ceiling of the HTTP stack on this machine.

use alliances_app::annuaire::generateur::Generateur;
use alliances_app::App;
use alliances_store::import_rows::{self, Provenance};
use anyhow::{bail, Context};
use clap::Args;
use std::time::Instant;

#[derive(Args)]
pub struct AnnuaireHttpArgs {
    /// Organisations generated into the database.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    organisations: usize,
    /// Seconds of load per measurement.
    #[arg(long, value_name = "S", default_value_t = 20)]
    duration: u32,
    /// Concurrent connections held by wrk.
    #[arg(long, value_name = "N", default_value_t = 32)]
    connections: u32,
    /// wrk threads.
    #[arg(long, value_name = "N", default_value_t = 1)]
    threads: u32,
}

/// The searches of the mix, as visitors type them (shareable URLs): words alone and with a
/// département, régions, profile and SDG facets, offers and needs, later pages — 400 distinct
/// URLs, cycled through in order.
fn paths() -> Vec<String> {
    let words = [
        "sport",
        "solidarit%C3%A9",
        "insertion+emploi",
        "culture",
        "jardins",
        "association",
        "sant%C3%A9",
        "jeunesse",
        "logement",
        "num%C3%A9rique",
        "environnement",
        "patrimoine",
        "%C3%A9ducation",
        "mobilit%C3%A9",
        "alimentation",
        "handicap",
        "%C3%A9nergie",
        "atelier",
        "club",
        "r%C3%A9seau",
    ];
    let deps = [
        "69", "13", "59", "33", "35", "44", "67", "31", "06", "42", "75", "34",
    ];
    let regions = [
        "84", "11", "75", "76", "32", "44", "52", "53", "28", "24", "27", "93", "94",
    ];
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        out.push(format!("/annuaire?q={w}"));
        out.push(format!("/annuaire?q={w}&page=2"));
        for d in deps.iter().skip(i % 3).step_by(2) {
            out.push(format!("/annuaire?q={w}&territoire=departement%3A{d}"));
        }
        out.push(format!("/annuaire?q={w}&fraicheur=a-jour&actives=oui"));
    }
    for r in regions {
        out.push(format!("/annuaire?territoire=region%3A{r}"));
        out.push(format!(
            "/annuaire?territoire=region%3A{r}&profil=entreprise"
        ));
    }
    for (k, p) in ["association", "entreprise", "fondation", "collectivite"]
        .iter()
        .enumerate()
    {
        for odd in 1..=17 {
            if (odd + k) % 2 == 0 {
                out.push(format!("/annuaire?profil={p}&odd={odd}"));
            }
        }
    }
    for n in [
        "competences",
        "financement",
        "benevolat",
        "locaux",
        "reseau",
    ] {
        for d in deps {
            out.push(format!("/annuaire?offre={n}&territoire=departement%3A{d}"));
        }
    }
    out.push("/annuaire".into());
    out.truncate(400);
    out
}

struct Wrk {
    requests_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: String,
}

fn parse_latency(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(v) = s.strip_suffix("us") {
        v.parse::<f64>().ok().map(|x| x / 1000.0)
    } else if let Some(v) = s.strip_suffix("ms") {
        v.parse().ok()
    } else if let Some(v) = s.strip_suffix('s') {
        v.parse::<f64>().ok().map(|x| x * 1000.0)
    } else {
        None
    }
}

fn wrk(base: &str, paths: &[String], args: &AnnuaireHttpArgs) -> anyhow::Result<Wrk> {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("mix.lua");
    let list = paths
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        &script,
        format!(
            "local paths = {{{list}}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n"
        ),
    )?;
    let out = std::process::Command::new("wrk")
        .args([
            "--latency",
            "-t",
            &args.threads.to_string(),
            "-c",
            &args.connections.to_string(),
            "-d",
            &format!("{}s", args.duration),
            "-s",
        ])
        .arg(&script)
        .arg(base)
        .output()
        .context("running wrk (Debian package `wrk`: apt-get install wrk)")?;
    if !out.status.success() {
        bail!("wrk failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut w = Wrk {
        requests_per_s: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        errors: String::new(),
    };
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("Requests/sec:") {
            w.requests_per_s = v.trim().parse().unwrap_or(0.0);
        } else if let Some(v) = t.strip_prefix("50%") {
            w.p50_ms = parse_latency(v).unwrap_or(0.0);
        } else if let Some(v) = t.strip_prefix("99%") {
            w.p99_ms = parse_latency(v).unwrap_or(0.0);
        } else if t.starts_with("Non-2xx") || t.starts_with("Socket errors") {
            w.errors.push_str(t);
            w.errors.push(' ');
        }
    }
    Ok(w)
}

pub async fn run(args: AnnuaireHttpArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = alliances_store::db::sqlite_url_for_dir(dir.path());
    let app = App::open(&url, 8).await?;
    let r = app.territoires();
    let now = alliances_app::now();
    let t = Instant::now();
    let mut g = Generateur::new(&r.referentiel, 20_261_127, now, "bench");
    let provenance = Provenance {
        source: "bench",
        licence: alliances_app::annuaire::LICENCE_OUVERTE,
        lot_id: 0,
        verifie_le: now,
    };
    let mut written = 0;
    while written < args.organisations {
        let n = 5000.min(args.organisations - written);
        let batch: Vec<_> = (0..n).map(|_| g.suivante().org).collect();
        let rows: Vec<_> = batch.iter().map(|o| (o, &provenance)).collect();
        let mut tx = app.db.begin_write().await?;
        import_rows::inserer(&mut tx, app.db.backend(), &rows, now).await?;
        tx.commit().await?;
        written += n;
    }
    let fill = t.elapsed();
    eprintln!(
        "{written} organisations written in {:.1} s",
        fill.as_secs_f64()
    );
    drop(app);
    // A fresh start, as a server restarts: the index is built from the database.
    let t = Instant::now();
    let app = App::open(&url, 8).await?;
    let open = t.elapsed();
    eprintln!(
        "platform opened (index of {} organisations) in {:.1} s",
        app.organisations.len(),
        open.as_secs_f64()
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = alliances_web::build_router(app.clone(), alliances_web::WebOptions::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(alliances_web::serve(listener, router, async move {
        let _ = stopped.await;
    }));
    let base = format!("http://{addr}");
    // Every path answers 200 first.
    let paths = paths();
    for p in &paths {
        let res = reqwest::get(format!("{base}{p}")).await?;
        if !res.status().is_success() {
            bail!("GET {p} answered {}", res.status());
        }
    }
    let baseline = tokio::task::block_in_place(|| wrk(&base, &["/healthz".to_string()], &args))?;
    app.cache_recherche.activer(false);
    let cold = tokio::task::block_in_place(|| wrk(&base, &paths, &args))?;
    app.cache_recherche.activer(true);
    let (h0, m0) = app.cache_recherche.compteurs();
    let search = tokio::task::block_in_place(|| wrk(&base, &paths, &args))?;
    let (h1, m1) = app.cache_recherche.compteurs();
    let hit_ratio = (h1 - h0) as f64 / ((h1 - h0) + (m1 - m0)).max(1) as f64;
    let _ = stop.send(());
    let _ = server.await;
    println!(
        "### Annuaire search page over HTTP — {written} organisations ({} release build)\n",
        if cfg!(debug_assertions) { "NOT a" } else { "a" }
    );
    println!(
        "Database filled in {:.1} s; platform opened (migrations, referential, search index built from the database) in {:.1} s. wrk {} thread(s), {} connections, {} s per run, on loopback, client and server on the same 2 cores.\n",
        fill.as_secs_f64(),
        open.as_secs_f64(),
        args.threads,
        args.connections,
        args.duration
    );
    println!("| Endpoint | requests/s | p50 | p99 | errors |");
    println!("|---|---:|---:|---:|---|");
    let cold_name = format!(
        "`/annuaire` search page, {} distinct searches, request cache off",
        paths.len()
    );
    let warm_name = format!(
        "`/annuaire` search page, same mix, request cache on ({:.1} % hits)",
        100.0 * hit_ratio
    );
    for (name, w) in [
        (
            "`/healthz` (does nothing: the HTTP stack's ceiling)",
            &baseline,
        ),
        (cold_name.as_str(), &cold),
        (warm_name.as_str(), &search),
    ] {
        println!(
            "| {name} | {:.0} | {:.2} ms | {:.2} ms | {} |",
            w.requests_per_s,
            w.p50_ms,
            w.p99_ms,
            if w.errors.is_empty() {
                "none"
            } else {
                w.errors.as_str()
            }
        );
    }
    println!(
        "\nSearch page at {:.0} % of the empty handler's throughput with the cache ({:.0} % without). Target (issue #4): ≥ 2,000 requests/s with p99 ≤ 50 ms — {} (with the request cache).",
        100.0 * search.requests_per_s / baseline.requests_per_s.max(1.0),
        100.0 * cold.requests_per_s / baseline.requests_per_s.max(1.0),
        if search.requests_per_s >= 2000.0 && search.p99_ms <= 50.0 { "met" } else { "NOT met" }
    );
    Ok(())
}
