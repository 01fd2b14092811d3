//! `alliances bench kits` (issue #5): scoring one submission, and the results page's server time.
//!
//! 1. Scoring, for every shipped kit, on the same pseudo-random complete answer sets:
//!    - `Kit::noter` on answers already read (what a stored passation or a page costs);
//!    - the stateless path of the API: answers as JSON → checked → scored;
//!    - side by side, the nearest alternative: a scorer without a loaded catalogue, which reads
//!      the kit's definition for every submission (TOML parsed and checked), then the answers,
//!      then scores — what "interpreting the referential" per request costs.
//! 2. The results page (`GET /kits/resultats/{cle}`) through the real router in process (no
//!    network: server time only) on a fresh SQLite database holding the result, its history and
//!    peers; beside it, the kits list page (`GET /kits`, no database) on the same router.

use std::sync::Arc;
use std::time::Instant;

use crate::bench_outils::hist;
use alliances_app::kits::Sujet;
use alliances_app::App;
use alliances_domain::annuaire::OrganisationSaisie;
use alliances_domain::kits::{Kit, Reponses};
use clap::Args;
use hdrhistogram::Histogram;

#[derive(Args)]
pub struct KitsArgs {
    /// Answer sets scored per kit.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    submissions: usize,
    /// Requests of the results page (and of the list page beside it).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    requests: usize,
    /// Peer organisations with a result (the benchmark needs at least 10 for the comparison).
    #[arg(long, value_name = "N", default_value_t = 30)]
    peers: usize,
    /// Also writes the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    out_json: Option<std::path::PathBuf>,
}

/// p50, p99, max in microseconds.
fn us(h: &Histogram<u64>) -> (f64, f64, f64) {
    (
        h.value_at_quantile(0.5) as f64 / 1000.0,
        h.value_at_quantile(0.99) as f64 / 1000.0,
        h.max() as f64 / 1000.0,
    )
}

/// A deterministic complete answer set (the demo's generator; maturity spread over 0.1–0.9).
fn answers(kit: &Kit, seed: u64) -> Reponses {
    alliances_app::kits::demo::reponses_plausibles(kit, seed, 0.1 + (seed % 9) as f64 / 10.0)
}

struct LigneScore {
    kit: String,
    questions: usize,
    noter: (f64, f64, f64),
    json: (f64, f64, f64),
    naif: (f64, f64, f64),
}

pub async fn run(args: KitsArgs) -> anyhow::Result<()> {
    let catalogue =
        alliances_app::kits::Catalogue::embarques().map_err(|e| anyhow::anyhow!("{e}"))?;
    let sources: std::collections::HashMap<String, &str> =
        alliances_app::kits::catalogue::fichiers_embarques()
            .iter()
            .map(|(p, t)| (p.to_string(), *t))
            .collect();
    let mut lignes = Vec::new();
    let mut sink = 0.0f64;
    for kit in catalogue.derniers() {
        let source = sources[&format!("{}/v{}.toml", kit.id, kit.version)];
        let sets: Vec<Reponses> = (0..args.submissions as u64)
            .map(|s| answers(kit, s + 1))
            .collect();
        let jsons: Vec<String> = sets
            .iter()
            .map(|r| serde_json::Value::Object(kit.reponses_json(r)).to_string())
            .collect();
        let (mut h1, mut h2, mut h3) = (hist(), hist(), hist());
        for round in 0..2 {
            for (r, j) in sets.iter().zip(&jsons) {
                let t = Instant::now();
                let s = kit.noter(r);
                let d1 = t.elapsed();
                sink += s.global.unwrap_or(0.0);

                let t = Instant::now();
                let m: serde_json::Map<String, serde_json::Value> = serde_json::from_str(j)?;
                let r2 = kit
                    .lire_reponses_json(&m)
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let s = kit.noter(&r2);
                let d2 = t.elapsed();
                sink += s.global.unwrap_or(0.0);

                let t = Instant::now();
                let k =
                    alliances_domain::kits::lire(source).map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let m: serde_json::Map<String, serde_json::Value> = serde_json::from_str(j)?;
                let r3 = k
                    .lire_reponses_json(&m)
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let s = k.noter(&r3);
                let d3 = t.elapsed();
                sink += s.global.unwrap_or(0.0);
                if round == 1 {
                    h1.record(d1.as_nanos().max(1) as u64)?;
                    h2.record(d2.as_nanos().max(1) as u64)?;
                    h3.record(d3.as_nanos().max(1) as u64)?;
                }
            }
        }
        lignes.push(LigneScore {
            kit: kit.id.clone(),
            questions: kit.questions.len(),
            noter: us(&h1),
            json: us(&h2),
            naif: us(&h3),
        });
    }
    std::hint::black_box(sink);

    // The results page.
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let app = App::open(&url, 8).await?;
    let (id, _) = app
        .create_user_with_role(
            "bench-kits@exemple.fr",
            "Bench",
            alliances_domain::comptes::Role::Moderateur,
            "http://x/",
        )
        .await?;
    let user = app
        .current_user(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user"))?;
    let org = nouvelle_org(&app, &user, "Organisation mesurée").await?;
    let kit = catalogue
        .dernier("odd17-en-pratique")
        .ok_or_else(|| anyhow::anyhow!("kit"))?
        .clone();
    for p in 0..args.peers {
        let (pid, _) = app
            .create_user_with_role(
                &format!("pair{p}@exemple.fr"),
                "Pair",
                alliances_domain::comptes::Role::Moderateur,
                "http://x/",
            )
            .await?;
        let pu = app
            .current_user(pid)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no user"))?;
        let o = nouvelle_org(&app, &pu, &format!("Pair mesuré {p}")).await?;
        passer(&app, &pu, &kit, Sujet::Organisation(o), p as u64 + 100).await?;
    }
    let mut cle = String::new();
    for h in 0..5 {
        cle = passer(&app, &user, &kit, Sujet::Organisation(org), h + 1).await?;
    }
    let rv = app
        .resultat_kit(&user, &cle)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(rv.pairs.iter().any(Option::is_some), "peers compared");
    let (cookie, _) = app.open_session(Some(id)).await?;
    let router = alliances_web::build_router(Arc::clone(&app), Default::default());
    let page = |path: String| {
        let router = router.clone();
        let cookie = cookie.clone();
        async move {
            use tower::ServiceExt;
            let req = axum::http::Request::get(path)
                .header("cookie", format!("alliances_session={cookie}"))
                .body(axum::body::Body::empty())?;
            let t = Instant::now();
            let res = router.oneshot(req).await?;
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), 10 << 20).await?;
            let d = t.elapsed();
            anyhow::ensure!(status == 200, "status {status}");
            Ok::<_, anyhow::Error>((d, body.len()))
        }
    };
    let (mut hr, mut hl) = (hist(), hist());
    let mut taille = 0;
    for i in 0..(args.requests + 200) {
        let (d, n) = page(format!("/kits/resultats/{cle}")).await?;
        let (d2, _) = page("/kits".into()).await?;
        if i >= 200 {
            hr.record(d.as_nanos() as u64)?;
            hl.record(d2.as_nanos() as u64)?;
        }
        taille = n;
    }

    let charge = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("## Kits (alliances bench kits)\n");
    println!(
        "Load average at the end: {}",
        charge
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "\n### Scoring one submission ({} answer sets per kit, every question answered; µs)\n",
        args.submissions
    );
    println!("| Kit | Questions | `Kit::noter` p50 / p99 / max | JSON → checked → scored p50 / p99 / max | Definition read per submission (alternative) p50 / p99 | Ratio alternative / JSON path (p50) | Target p99 ≤ 100 µs |");
    println!("|---|---|---|---|---|---|---|");
    for l in &lignes {
        println!(
            "| {} | {} | {:.2} / {:.2} / {:.1} | {:.1} / {:.1} / {:.1} | {:.0} / {:.0} | {:.0}× | {} |",
            l.kit, l.questions, l.noter.0, l.noter.1, l.noter.2, l.json.0, l.json.1, l.json.2, l.naif.0, l.naif.1,
            l.naif.0 / l.json.0.max(0.001),
            if l.json.1 <= 100.0 { "met" } else { "NOT met" }
        );
    }
    let (r50, r99, rmax) = us(&hr);
    let (l50, l99, lmax) = us(&hl);
    println!(
        "\n### Results page, server time through the router ({} requests after 200 warm-up; ms)\n",
        args.requests
    );
    println!("| Page | p50 | p99 | max | Size (bytes) |");
    println!("|---|---|---|---|---|");
    println!("| `GET /kits/resultats/{{cle}}` (53 questions, 5 results in the history, {} peers) | {:.2} | {:.2} | {:.2} | {} |", args.peers, r50 / 1000.0, r99 / 1000.0, rmax / 1000.0, taille);
    println!(
        "| `GET /kits` (list, no database) | {:.2} | {:.2} | {:.2} | |",
        l50 / 1000.0,
        l99 / 1000.0,
        lmax / 1000.0
    );
    println!(
        "\nResults page p99 {:.2} ms — target ≤ 10 ms: {}.",
        r99 / 1000.0,
        if r99 <= 10_000.0 { "met" } else { "NOT met" }
    );
    if let Some(path) = args.out_json {
        let json = serde_json::json!({
            "scoring": lignes.iter().map(|l| serde_json::json!({"kit": l.kit, "questions": l.questions, "noter_us": [l.noter.0, l.noter.1, l.noter.2], "json_us": [l.json.0, l.json.1, l.json.2], "alternative_us": [l.naif.0, l.naif.1, l.naif.2]})).collect::<Vec<_>>(),
            "results_page_ms": [r50 / 1000.0, r99 / 1000.0, rmax / 1000.0],
            "list_page_ms": [l50 / 1000.0, l99 / 1000.0, lmax / 1000.0],
        });
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}

async fn nouvelle_org(
    app: &App,
    user: &alliances_app::comptes::CurrentUser,
    nom: &str,
) -> anyhow::Result<i64> {
    let s = OrganisationSaisie {
        nom: nom.into(),
        profil: "association".into(),
        code_commune: Some("42218".into()),
        odd_principal: Some(17),
        ..Default::default()
    };
    Ok(app
        .creer_organisation(user, &s)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .0)
}

/// Takes the kit with pseudo-random answers; returns the result's key.
async fn passer(
    app: &App,
    user: &alliances_app::comptes::CurrentUser,
    kit: &Kit,
    sujet: Sujet,
    seed: u64,
) -> anyhow::Result<String> {
    let cle = app
        .commencer_kit(user, &kit.id, sujet)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let r = answers(kit, seed);
    for (s, section) in kit.sections.iter().enumerate() {
        let champs: Vec<(String, Vec<String>)> = section
            .questions
            .clone()
            .filter_map(|q| {
                r.get(q)
                    .map(|x| (kit.questions[q].id.clone(), kit.valeurs_reponse(q, x)))
            })
            .collect();
        app.enregistrer_section(user, &cle, s, &champs, s + 1)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    app.terminer_kit(user, &cle)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}
