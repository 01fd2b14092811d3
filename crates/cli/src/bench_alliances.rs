//! `alliances bench alliances` (issue #6): the alliance list filtered by territory at N
//! alliances, and the alliance page with 10 indicators × 5 years of monthly values.
//!
//! 1. The list: N fictional public alliances over real territories (a commune 60 %, an EPCI
//!    20 %, a département 15 %, a région 5 %; one to three each), with SDGs, form, stage.
//!    The same queries (territory at every level, half of them with another filter) go to:
//!    - `ListeAlliances::chercher` (posting lists of territories expanded to their ancestors);
//!    - a scan of every alliance computing ancestors at query time (no precomputed terms);
//!    - SQLite with the natural schema: an indexed `alliance_termes (terme, alliance_id)` table
//!      (ancestors expanded at write time), `COUNT(*)` then the first page by date.
//!      Totals are checked equal across the three.
//! 2. The alliance page: `App::alliance` (the 9 queries) and `GET /alliances/{id}` through the
//!    real router in process (server time), on SQLite with 10 monthly indicators × 60 values.

use std::sync::Arc;
use std::time::Instant;

use crate::bench_outils::{hist, ms, Alea};
use alliances_app::alliances::liste::{Filtre, ListeAlliances};
use alliances_app::alliances::ValeurSaisie;
use alliances_app::App;
use alliances_domain::alliances::indicateurs::IndicateurSaisie;
use alliances_domain::alliances::{Alliance, AllianceSaisie, Forme, Stade};
use alliances_domain::annuaire::{Lieu, OrganisationSaisie, TypePartenariat};
use alliances_domain::dates;
use alliances_domain::territoires::{Niveau, Referentiel, TypeCommune};
use alliances_store::alliances::Fiche;
use clap::Args;
use sqlx::Row;

#[derive(Args)]
pub struct AlliancesArgs {
    /// Alliances in the list.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    alliances: usize,
    /// Queries (each run once per engine).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    queries: usize,
    /// Requests of the alliance page.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    requests: usize,
}

fn generer(r: &Referentiel, n: usize, now: i64) -> Vec<Fiche> {
    let communes: Vec<&str> = r
        .communes()
        .iter()
        .filter(|c| c.type_commune == TypeCommune::Actuelle)
        .map(|c| c.code.as_str())
        .collect();
    let epcis: Vec<&str> = r.epcis().iter().map(|e| e.siren.as_str()).collect();
    let deps: Vec<&str> = r.departements().iter().map(|d| d.code.as_str()).collect();
    let regs: Vec<&str> = r.regions().iter().map(|x| x.code.as_str()).collect();
    let mut a = Alea(0x2545_F491_4F6C_DD1D);
    (0..n)
        .map(|i| {
            let k = 1 + a.below(3);
            let territoires = (0..k)
                .map(|_| {
                    let x = a.below(100);
                    let (niveau, code) = if x < 60 {
                        (Niveau::Commune, communes[a.below(communes.len())])
                    } else if x < 80 {
                        (Niveau::Epci, epcis[a.below(epcis.len())])
                    } else if x < 95 {
                        (Niveau::Departement, deps[a.below(deps.len())])
                    } else {
                        (Niveau::Region, regs[a.below(regs.len())])
                    };
                    Lieu {
                        niveau,
                        code: code.to_string(),
                    }
                })
                .collect();
            let mut odd: Vec<u8> = (0..1 + a.below(3)).map(|_| 1 + a.below(17) as u8).collect();
            odd.sort_unstable();
            odd.dedup();
            Fiche {
                id: i as i64 + 1,
                alliance: Alliance {
                    nom: format!("Alliance fictive {i}"),
                    resume: "Une alliance fictive pour mesurer la liste.".into(),
                    probleme: String::new(),
                    territoires,
                    odd,
                    cibles_odd17: vec![],
                    types_partenariat: vec![
                        TypePartenariat::ALL[a.below(TypePartenariat::ALL.len())],
                    ],
                    forme: Forme::ALL[a.below(Forme::ALL.len())],
                    stade: Stade::ALL[a.below(Stade::ALL.len())],
                    date_debut: None,
                    date_fin: None,
                    publique: true,
                },
                agenda_vision: String::new(),
                agenda_objectifs: String::new(),
                agenda_theorie: String::new(),
                agenda_version: 0,
                agenda_modifie_le: None,
                version: 1,
                demo: true,
                cree_le: now,
                modifie_le: now - a.below(730 * 86_400) as i64,
            }
        })
        .collect()
}

/// The terms of a territory: itself and its ancestors.
fn termes(r: &Referentiel, l: &Lieu) -> Vec<String> {
    let mut t = vec![l.cle()];
    if let Some(x) = r.find(l.niveau, &l.code) {
        t.extend(
            r.ancestors(x)
                .into_iter()
                .map(|a| format!("{}:{}", a.niveau.slug(), r.code(a))),
        );
    }
    t
}

pub async fn run(args: AlliancesArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let app = App::open(&url, 8).await?;
    let now = alliances_app::now();
    let territoires = app.territoires();
    let r = &territoires.referentiel;

    // 1. The list.
    let fiches = generer(r, args.alliances, now);
    let t = Instant::now();
    let liste = ListeAlliances::construire(&fiches, r);
    let construction = t.elapsed();
    let mut a = Alea(99);
    let filtres: Vec<Filtre> = (0..args.queries)
        .map(|_| {
            let f = &fiches[a.below(fiches.len())];
            let l = &f.alliance.territoires[0];
            let t = termes(r, l);
            let cle = t[a.below(t.len())].clone();
            let mut filtre = Filtre {
                territoire: Some(cle),
                limite: 20,
                now,
                ..Default::default()
            };
            match a.below(4) {
                0 => filtre.odd = Some(1 + a.below(17) as u8),
                1 => filtre.stade = Some(Stade::ALL[a.below(Stade::ALL.len())]),
                _ => {}
            }
            filtre
        })
        .collect();
    let mut h_index = hist();
    let mut totaux = Vec::with_capacity(filtres.len());
    for f in &filtres {
        let t = Instant::now();
        let (total, page) = liste.chercher(f);
        h_index.record(t.elapsed().as_nanos().max(1) as u64)?;
        std::hint::black_box(page.len());
        totaux.push(total);
    }
    // The scan computing ancestors at query time.
    let mut h_scan = hist();
    for (f, attendu) in filtres.iter().zip(&totaux).take(200) {
        let t = Instant::now();
        let cle = f.territoire.as_deref().unwrap_or("");
        let total = fiches
            .iter()
            .filter(|x| {
                x.alliance
                    .territoires
                    .iter()
                    .any(|l| termes(r, l).iter().any(|t| t == cle))
            })
            .filter(|x| {
                f.odd.is_none_or(|o| x.alliance.odd.contains(&o))
                    && f.stade.is_none_or(|s| x.alliance.stade == s)
            })
            .count();
        h_scan.record(t.elapsed().as_nanos().max(1) as u64)?;
        anyhow::ensure!(total == *attendu, "scan and index disagree");
    }
    // SQLite with a terms table.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("liste.db").display()
        ))
        .await?;
    sqlx::query("CREATE TABLE a (id INTEGER PRIMARY KEY, nom TEXT, odd TEXT, stade TEXT, modifie_le INTEGER)").execute(&pool).await?;
    sqlx::query("CREATE TABLE alliance_termes (terme TEXT, alliance_id INTEGER)")
        .execute(&pool)
        .await?;
    let mut tx = pool.begin().await?;
    for f in &fiches {
        let odd = format!(
            ",{},",
            f.alliance
                .odd
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
        sqlx::query("INSERT INTO a VALUES (?, ?, ?, ?, ?)")
            .bind(f.id)
            .bind(&f.alliance.nom)
            .bind(odd)
            .bind(f.alliance.stade.slug())
            .bind(f.modifie_le)
            .execute(&mut *tx)
            .await?;
        let mut ts: Vec<String> = f
            .alliance
            .territoires
            .iter()
            .flat_map(|l| termes(r, l))
            .collect();
        ts.sort();
        ts.dedup();
        for t in ts {
            sqlx::query("INSERT INTO alliance_termes VALUES (?, ?)")
                .bind(t)
                .bind(f.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    sqlx::query("CREATE INDEX alliance_termes_terme ON alliance_termes (terme, alliance_id)")
        .execute(&pool)
        .await?;
    sqlx::query("CREATE INDEX a_modifie ON a (modifie_le)")
        .execute(&pool)
        .await?;
    sqlx::query("ANALYZE").execute(&pool).await?;
    let mut h_sql = hist();
    for (f, attendu) in filtres.iter().zip(&totaux).take(500) {
        let cond = match (f.odd, f.stade) {
            (Some(o), _) => format!(" AND a.odd LIKE '%,{o},%'"),
            (_, Some(s)) => format!(" AND a.stade = '{}'", s.slug()),
            _ => String::new(),
        };
        let t = Instant::now();
        let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM alliance_termes t JOIN a ON a.id = t.alliance_id WHERE t.terme = ?{cond}"))
            .bind(f.territoire.as_deref())
            .fetch_one(&pool)
            .await?
            .try_get("n")?;
        let page = sqlx::query(&format!(
            "SELECT a.id, a.nom FROM alliance_termes t JOIN a ON a.id = t.alliance_id WHERE t.terme = ?{cond} ORDER BY a.modifie_le DESC, a.id LIMIT 20"
        ))
        .bind(f.territoire.as_deref())
        .fetch_all(&pool)
        .await?;
        h_sql.record(t.elapsed().as_nanos().max(1) as u64)?;
        std::hint::black_box(page.len());
        anyhow::ensure!(total as usize == *attendu, "SQL and index disagree");
    }

    // 2. The alliance page.
    let (uid, _) = app
        .create_user_with_role(
            "bench-alliances@exemple.fr",
            "Bench",
            alliances_domain::comptes::Role::OperateurDispositif,
            "http://x/",
        )
        .await?;
    let user = app
        .current_user(uid)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user"))?;
    let org = app
        .creer_organisation(
            &user,
            &OrganisationSaisie {
                nom: "Appui mesuré".into(),
                profil: "association".into(),
                code_commune: Some("42218".into()),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .0;
    let id = app
        .creer_alliance(
            &user,
            &AllianceSaisie {
                nom: "Alliance mesurée".into(),
                resume: "Dix indicateurs, cinq ans de valeurs mensuelles.".into(),
                territoires: vec!["departement:42".into()],
                odd: vec![8, 17],
                forme: "dialogue-territorial".into(),
                stade: "deploiement".into(),
                publique: true,
                ..Default::default()
            },
            org,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let auj = dates::jour_de(now);
    for i in 0..10 {
        let ind = app
            .ajouter_indicateur(
                &user,
                id,
                &IndicateurSaisie {
                    nom: format!("Indicateur {i}"),
                    definition: "Une définition commune".into(),
                    unite: "personnes".into(),
                    sens: "hausse".into(),
                    valeur_base: Some(100.0),
                    date_base: Some(dates::iso(dates::debut_de_mois(auj, -61))),
                    valeur_cible: Some(300.0),
                    date_cible: Some(dates::iso(dates::debut_de_mois(auj, 12))),
                    periodicite: "mensuelle".into(),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for m in 1..=60 {
            let v = app
                .declarer_valeur(
                    &user,
                    ind,
                    &ValeurSaisie {
                        organisation: org,
                        periode: dates::iso(dates::debut_de_mois(auj, -m)),
                        valeur: format!("{}", 100 + 3 * (60 - m)),
                        confirmer: true,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            app.statuer_valeur(&user, v, true)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    let mut h_app = hist();
    for i in 0..args.requests + 100 {
        let t = Instant::now();
        let v = app
            .alliance(None, id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if i >= 100 {
            h_app.record(t.elapsed().as_nanos() as u64)?;
        }
        std::hint::black_box(v.indicateurs.len());
    }
    let router = alliances_web::build_router(Arc::clone(&app), Default::default());
    let mut h_page = hist();
    let mut taille = 0;
    let mut statut = 0;
    for i in 0..args.requests + 100 {
        use tower::ServiceExt;
        let req =
            axum::http::Request::get(format!("/alliances/{id}")).body(axum::body::Body::empty())?;
        let t = Instant::now();
        let res = router.clone().oneshot(req).await?;
        statut = res.status().as_u16();
        let body = axum::body::to_bytes(res.into_body(), 20 << 20).await?;
        if i >= 100 {
            h_page.record(t.elapsed().as_nanos() as u64)?;
        }
        taille = body.len();
    }

    let charge = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let (i50, i99, imax) = ms(&h_index);
    let (s50, s99, _) = ms(&h_scan);
    let (q50, q99, _) = ms(&h_sql);
    let (a50, a99, amax) = ms(&h_app);
    let (p50, p99, pmax) = ms(&h_page);
    println!("## Alliances (alliances bench alliances)\n");
    println!(
        "Load average at the end: {}",
        charge
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "\n### The list filtered by territory, {} alliances (ms)\n",
        args.alliances
    );
    println!("Built in {:.0} ms. Queries: territory at every level (half of them with an SDG or stage filter), total + first page of 20.\n", construction.as_secs_f64() * 1000.0);
    println!("| Engine | Queries | p50 | p99 | Ratio p50 / index | Ratio p99 / index |");
    println!("|---|---|---|---|---|---|");
    println!("| `ListeAlliances::chercher` (posting lists) | {} | {i50:.3} | {i99:.3} (max {imax:.2}) | 1 | 1 |", filtres.len());
    println!(
        "| Scan computing ancestors per query | 200 | {s50:.1} | {s99:.1} | {:.0}× | {:.0}× |",
        s50 / i50.max(1e-6),
        s99 / i99.max(1e-6)
    );
    println!("| SQLite, indexed terms table (COUNT + page) | 500 | {q50:.2} | {q99:.2} | {:.0}× | {:.0}× |", q50 / i50.max(1e-6), q99 / i99.max(1e-6));
    println!(
        "\nTarget p99 ≤ 10 ms in process: {}.",
        if i99 <= 10.0 { "met" } else { "NOT met" }
    );
    println!("\n### The alliance page: 10 indicators × 60 monthly values ({} requests after 100 warm-up; ms)\n", args.requests);
    println!("| What | p50 | p99 | max |");
    println!("|---|---|---|---|");
    println!(
        "| `App::alliance` (per-instance cache; a miss costs 9 queries) | {a50:.2} | {a99:.2} | {amax:.2} |"
    );
    println!("| `GET /alliances/{{id}}` through the router (status {statut}, {taille} bytes) | {p50:.2} | {p99:.2} | {pmax:.2} |");
    println!(
        "\nTarget p99 ≤ 10 ms server time: {}.",
        if p99 <= 10.0 && statut == 200 {
            "met"
        } else {
            "NOT met (or the page is missing)"
        }
    );
    Ok(())
}
