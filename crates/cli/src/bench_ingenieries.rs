//! `alliances bench ingenieries` (issue #8): « qui peut m'aider ici ? » and the coverage map at
//! N support schemes.
//!
//! N fictional schemes over the real referential (national 1 %, regional 9 %, departmental
//! 30 % — one to three départements —, local 60 % — an EPCI, or one to five communes), each with
//! one to four services, are written to a SQLite file; the app is then opened on it (the index
//! is built from the database, timed). Then, single-threaded and in process:
//! - `IndexDispositifs::qui_peut_aider` for random communes (half with a service), beside the
//!   same question answered by reading every scheme (`qui_peut_aider_sans_index`) — the answers
//!   are checked equal;
//! - `GET /ingenieries/aide?…` through the real router (server time);
//! - `GET /ingenieries/couverture?service=…` (map, table) and its API through the router.

use std::sync::Arc;
use std::time::Instant;

use alliances_app::ingenieries::Demande;
use alliances_app::App;
use alliances_domain::annuaire::Lieu;
use alliances_domain::ingenieries::dispositif::Dispositif;
use alliances_domain::ingenieries::{Ingenierie, NiveauDispositif, Service};
use alliances_domain::territoires::{Niveau, Referentiel, TypeCommune};
use alliances_domain::texte::fold;
use alliances_store::ingenieries::{self as store, Provenance};
use clap::Args;

use crate::bench_outils::{charge, hist, ms, Alea};

#[derive(Args)]
pub struct IngenieriesArgs {
    /// Support schemes.
    #[arg(long, value_name = "N", default_value_t = 50_000)]
    dispositifs: usize,
    /// Queries of « qui peut m'aider ici ? » on the index.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    queries: usize,
    /// Requests of each page through the router.
    #[arg(long, value_name = "N", default_value_t = 500)]
    requests: usize,
}

fn generer(r: &Referentiel, n: usize) -> Vec<Dispositif> {
    let communes: Vec<&str> = r
        .communes()
        .iter()
        .filter(|c| c.type_commune == TypeCommune::Actuelle)
        .map(|c| c.code.as_str())
        .collect();
    let mut a = Alea(0x1234_5678_9ABC_DEF1);
    (0..n)
        .map(|i| {
            let tirage = a.below(100);
            let (niveau, couverture) = if tirage < 1 {
                (NiveauDispositif::National, Vec::new())
            } else if tirage < 10 {
                let reg = &r.regions()[a.below(r.regions().len())];
                (
                    NiveauDispositif::Regional,
                    vec![Lieu {
                        niveau: Niveau::Region,
                        code: reg.code.clone(),
                    }],
                )
            } else if tirage < 40 {
                let k = 1 + a.below(3);
                (
                    NiveauDispositif::Departemental,
                    (0..k)
                        .map(|_| Lieu {
                            niveau: Niveau::Departement,
                            code: r.departements()[a.below(r.departements().len())]
                                .code
                                .clone(),
                        })
                        .collect(),
                )
            } else if a.below(2) == 0 {
                (
                    NiveauDispositif::Local,
                    vec![Lieu {
                        niveau: Niveau::Epci,
                        code: r.epcis()[a.below(r.epcis().len())].siren.clone(),
                    }],
                )
            } else {
                let k = 1 + a.below(5);
                (
                    NiveauDispositif::Local,
                    (0..k)
                        .map(|_| Lieu {
                            niveau: Niveau::Commune,
                            code: communes[a.below(communes.len())].to_string(),
                        })
                        .collect(),
                )
            };
            let mut services: Vec<Service> = (0..1 + a.below(4))
                .map(|_| Service::ALL[a.below(Service::ALL.len())])
                .collect();
            services.sort();
            services.dedup();
            let mut couverture = couverture;
            couverture.sort();
            couverture.dedup();
            Dispositif {
                nom: format!("Dispositif de banc d'essai n° {i}"),
                description: "Dispositif fictif du banc d'essai.".into(),
                niveau,
                ingenierie: Ingenierie::ALL[a.below(Ingenierie::ALL.len())],
                services,
                publics: Vec::new(),
                tailles: Vec::new(),
                couverture,
                contact: Some("contact@banc.example".into()),
                url: None,
                relais_de: None,
            }
        })
        .collect()
}

pub async fn run(args: IngenieriesArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.sqlite").display()
    );
    let app = App::open(&url, 4)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let territoires = app.territoires();
    let r = &territoires.referentiel;
    let dispositifs = generer(r, args.dispositifs);
    let t = Instant::now();
    let mut tx = app.db.begin_write().await?;
    for d in &dispositifs {
        store::insert(
            &mut tx,
            d,
            &fold(&d.nom),
            &Provenance {
                porteur_id: None,
                source: "banc d'essai",
                licence: alliances_app::ingenieries::LICENCE,
                demo: true,
                cree_par: None,
            },
            0,
        )
        .await?;
    }
    tx.commit().await?;
    let ecriture = t.elapsed();
    drop(app);
    let t = Instant::now();
    let app = App::open(&url, 4)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ouverture = t.elapsed();
    let ix = app.dispositifs();
    anyhow::ensure!(ix.len() == args.dispositifs, "index holds {}", ix.len());

    let communes: Vec<u32> = r
        .communes()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.type_commune == TypeCommune::Actuelle)
        .map(|(i, _)| i as u32)
        .collect();
    let mut a = Alea(0xC0FF_EE00_1234_5678);
    let demandes: Vec<(alliances_domain::territoires::TerritoireRef, Demande)> = (0..args.queries)
        .map(|_| {
            let c = communes[a.below(communes.len())];
            let service = (a.below(2) == 0).then(|| Service::ALL[a.below(Service::ALL.len())]);
            (
                alliances_domain::territoires::TerritoireRef {
                    niveau: Niveau::Commune,
                    idx: c,
                },
                Demande {
                    service,
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut h_index = hist();
    let mut reponses = 0usize;
    for (t, d) in &demandes {
        let debut = Instant::now();
        let v = ix.qui_peut_aider(r, *t, *d);
        h_index.record(debut.elapsed().as_nanos().max(1) as u64)?;
        reponses += v.len();
    }
    let mut h_scan = hist();
    for (t, d) in demandes.iter().take(200) {
        let debut = Instant::now();
        let v = ix.qui_peut_aider_sans_index(r, *t, *d);
        h_scan.record(debut.elapsed().as_nanos().max(1) as u64)?;
        let w = ix.qui_peut_aider(r, *t, *d);
        anyhow::ensure!(
            v.iter()
                .map(|x| x.entree.fiche.id)
                .eq(w.iter().map(|x| x.entree.fiche.id)),
            "the index and the scan disagree"
        );
    }

    use tower::ServiceExt;
    let router = alliances_web::build_router(Arc::clone(&app), Default::default());
    let mut pages = Vec::new();
    for (nom, chemin) in [
        (
            "`GET /ingenieries/aide?territoire=commune:…&service=…`",
            None,
        ),
        (
            "`GET /ingenieries/couverture?service=accompagnement` (map + table)",
            Some("/ingenieries/couverture?service=accompagnement".to_string()),
        ),
        (
            "`GET /api/v1/ingenieries/couverture?service=accompagnement`",
            Some("/api/v1/ingenieries/couverture?service=accompagnement".to_string()),
        ),
    ] {
        let mut h = hist();
        let mut taille = 0;
        for i in 0..args.requests + 50 {
            let p = chemin.clone().unwrap_or_else(|| {
                let (t, d) = &demandes[i % demandes.len()];
                format!(
                    "/ingenieries/aide?territoire=commune%3A{}&service={}",
                    r.commune(t.idx).code,
                    d.service.unwrap_or(Service::Accompagnement).slug()
                )
            });
            let req = axum::http::Request::get(p).body(axum::body::Body::empty())?;
            let debut = Instant::now();
            let res = router.clone().oneshot(req).await?;
            anyhow::ensure!(res.status().is_success(), "status {}", res.status());
            let body = axum::body::to_bytes(res.into_body(), 50 << 20).await?;
            if i >= 50 {
                h.record(debut.elapsed().as_nanos() as u64)?;
            }
            taille = body.len();
        }
        pages.push((nom, h, taille));
    }

    let (i50, i99, imax) = ms(&h_index);
    let (s50, s99, _) = ms(&h_scan);
    println!("## Ingénieries (alliances bench ingenieries)\n");
    println!("Load average at the end: {}", charge());
    println!(
        "\n{} schemes written in {:.1} s; `App::open` (index built from the database) {:.2} s. {} queries, {:.1} answers on average.\n",
        args.dispositifs,
        ecriture.as_secs_f64(),
        ouverture.as_secs_f64(),
        args.queries,
        reponses as f64 / args.queries.max(1) as f64
    );
    println!("| « Qui peut m'aider ici ? » (ms) | Queries | p50 | p99 | max | Ratio p99 / index |");
    println!("|---|---|---|---|---|---|");
    println!("| `IndexDispositifs::qui_peut_aider` (territory + ancestors) | {} | {i50:.4} | {i99:.4} | {imax:.3} | 1 |", args.queries);
    println!(
        "| Reading every scheme (same answers, checked) | 200 | {s50:.2} | {s99:.2} | — | {:.0}× |",
        s99 / i99.max(1e-6)
    );
    println!(
        "\nTarget p99 ≤ 2 ms in process: {}.",
        if i99 <= 2.0 { "met" } else { "NOT met" }
    );
    println!("\n| Through the router, server time (ms) | Requests | p50 | p99 | max | Bytes |");
    println!("|---|---|---|---|---|---|");
    for (nom, h, taille) in &pages {
        let (p50, p99, pmax) = ms(h);
        println!(
            "| {nom} | {} | {p50:.2} | {p99:.2} | {pmax:.2} | {taille} |",
            args.requests
        );
    }
    let (_, c99, _) = ms(&pages[1].1);
    println!(
        "\nTarget: the national coverage map for one service ≤ 50 ms server time: {} (p99 {c99:.2} ms).",
        if c99 <= 50.0 { "met" } else { "NOT met" }
    );
    Ok(())
}
