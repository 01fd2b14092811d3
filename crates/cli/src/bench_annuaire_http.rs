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

/// The searches of the mix, as a visitor types them (shareable URLs).
const PATHS: &[&str] = &[
    "/annuaire?q=sport",
    "/annuaire?q=solidarit%C3%A9&territoire=departement%3A69",
    "/annuaire?q=insertion+emploi",
    "/annuaire?territoire=region%3A84",
    "/annuaire?profil=entreprise&odd=8",
    "/annuaire?q=culture&territoire=departement%3A13&page=2",
    "/annuaire?q=jardins",
    "/annuaire?offre=locaux&territoire=departement%3A35",
    "/annuaire?q=association&fraicheur=a-jour",
    "/annuaire",
];

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

fn wrk(base: &str, paths: &[&str], args: &AnnuaireHttpArgs) -> anyhow::Result<Wrk> {
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
    eprintln!("{written} organisations written in {:.1} s", fill.as_secs_f64());
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
    for p in PATHS {
        let res = reqwest::get(format!("{base}{p}")).await?;
        if !res.status().is_success() {
            bail!("GET {p} answered {}", res.status());
        }
    }
    let baseline = tokio::task::block_in_place(|| wrk(&base, &["/healthz"], &args))?;
    let search = tokio::task::block_in_place(|| wrk(&base, PATHS, &args))?;
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
    for (name, w) in [
        ("`/healthz` (does nothing: the HTTP stack's ceiling)", &baseline),
        ("`/annuaire` search page, mix of 10 searches", &search),
    ] {
        println!(
            "| {name} | {:.0} | {:.2} ms | {:.2} ms | {} |",
            w.requests_per_s,
            w.p50_ms,
            w.p99_ms,
            if w.errors.is_empty() { "none" } else { w.errors.as_str() }
        );
    }
    println!(
        "\nSearch page at {:.0} % of the empty handler's throughput. Target (issue #4): ≥ 2,000 requests/s with p99 ≤ 50 ms — {}.",
        100.0 * search.requests_per_s / baseline.requests_per_s.max(1.0),
        if search.requests_per_s >= 2000.0 && search.p99_ms <= 50.0 { "met" } else { "NOT met" }
    );
    Ok(())
}
