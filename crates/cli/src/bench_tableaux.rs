//! `alliances bench tableaux`: territory dashboards (issue #10) at N organisations (default
//! 1,000,000), generated over the real communes by the app's generator into the real tables of
//! a SQLite file — and of a PostgreSQL database with `--database-url postgres://…` (or
//! TEST_DATABASE_URL): a database `alliances_bench_tableaux` is created beside the one named and
//! dropped at the end — with thousands of public alliances, contact requests, referrals and ODD
//! 17 kit results.
//!
//! Measured on each backend, in the same run:
//! - the start-up build of the counters from the database (`tableaux::synchro::construire`, as
//!   `App::open` does it), beside the other derived indexes' builds (the matching index, the
//!   organisations' search index) timed the same way, and the counters' memory;
//! - a région's dashboard as the server computes it (`App::tableau_territoire`: the counters'
//!   snapshot, support coverage, comparable territories — then the page's view model), every
//!   région, several runs: p50 / p95 / p99;
//! - the nearest alternative, the same dashboard computed by SQL queries per request
//!   (`tableaux::sans_index::compteurs` for the région and each comparable région), on a few
//!   régions per run, with its figures checked equal to the snapshot's; the ratio of medians.

use alliances_app::annuaire::generateur::Generateur;
use alliances_app::tableaux::{aujourd_hui, sans_index};
use alliances_app::App;
use alliances_domain::alliances::{Alliance, Forme, Stade};
use alliances_domain::annuaire::{Lieu, TypePartenariat};
use alliances_domain::territoires::{Niveau, TerritoireRef};
use alliances_store::import_rows::{self, Provenance};
use anyhow::{bail, Context};
use clap::Args;
use hdrhistogram::Histogram;
use sqlx::{Connection, Executor, Row};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use crate::bench_outils::{charge, hist, Alea};

#[derive(Args)]
pub struct TableauxArgs {
    /// Organisations generated.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    orgs: usize,
    /// Alliances generated (nine in ten public).
    #[arg(long, value_name = "N", default_value_t = 5_000)]
    alliances: usize,
    /// Contact requests generated.
    #[arg(long, value_name = "N", default_value_t = 20_000)]
    demandes: usize,
    /// Runs: each times every région's dashboard from the counters, and a few by SQL.
    #[arg(long, value_name = "N", default_value_t = 5)]
    runs: usize,
    /// Régions whose dashboard is computed by SQL per run and backend.
    #[arg(long, value_name = "N", default_value_t = 2)]
    sql_regions: usize,
    /// PostgreSQL server to measure as well (a database `alliances_bench_tableaux` is created
    /// there and dropped at the end); TEST_DATABASE_URL is used when absent.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Folder of the SQLite file (a temporary folder when absent).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

const AT: i64 = 1_790_000_000;
const BASE: &str = "alliances_bench_tableaux";

fn q(h: &Histogram<u64>, x: f64) -> f64 {
    h.value_at_quantile(x) as f64 / 1e6
}

/// Writes `n` generated organisations with their offers and needs (SDGs of the needs included),
/// ODD 17 kit results for one in fifty, public and private alliances over random territories,
/// contact requests between random organisations, referrals.
async fn remplir(app: &App, args: &TableauxArgs) -> anyhow::Result<()> {
    let t = app.territoires();
    let r = &t.referentiel;
    let mut g = Generateur::new(r, 2026, AT, "demo");
    let p = Provenance {
        source: "demo",
        licence: alliances_app::annuaire::LICENCE_OUVERTE,
        lot_id: 0,
        verifie_le: AT,
    };
    let (user, _) = app
        .create_user_with_role(
            "bench-tableaux@exemple.fr",
            "Banc d'essai",
            alliances_domain::comptes::Role::OperateurDispositif,
            "http://x/",
        )
        .await?;
    let debut = Instant::now();
    let backend = app.db.backend();
    let n = args.orgs;
    let mut fait = 0;
    let mut alea = Alea(0x7ab1_ea05);
    while fait < n {
        let k = (n - fait).min(10_000);
        let generes: Vec<_> = (0..k).map(|_| g.suivante()).collect();
        let lignes: Vec<_> = generes.iter().map(|x| (&x.org, &p)).collect();
        let mut tx = app.db.pool().begin().await?;
        let ids = import_rows::inserer(&mut tx, backend, &lignes, AT).await?;
        let mut valeurs = Vec::new();
        for (id, x) in ids.iter().zip(&generes) {
            for res in &x.ressources {
                let odd = res
                    .odd
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                valeurs.push(format!(
                    "({id}, '{}', '{}', 'Ressource', '{odd}', {AT}, {AT})",
                    res.sens.slug(),
                    res.nature.slug()
                ));
            }
        }
        for chunk in valeurs.chunks(400) {
            let sql = format!(
                "INSERT INTO ressources (organisation_id, sens, nature, titre, odd, cree_le, modifie_le) VALUES {}",
                chunk.join(",")
            );
            tx.execute(sql.as_str()).await?;
        }
        let mut kits: Vec<String> = Vec::new();
        for id in &ids {
            if alea.below(50) == 0 {
                kits.push(format!(
                    "('b{id}', 'odd17-en-pratique', 1, {user}, 'organisation', '{id}', {AT}, {AT}, {AT}, {})",
                    alea.below(101)
                ));
            }
        }
        for chunk in kits.chunks(400) {
            let sql = format!(
                "INSERT INTO kit_passations (cle, kit_id, kit_version, user_id, sujet_type, sujet_code, created_at, updated_at, terminee_at, score_global) VALUES {}",
                chunk.join(",")
            );
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
    // Alliances over random communes, EPCIs and départements.
    let nc = r.communes().len();
    let mut tx = app.db.pool().begin().await?;
    for i in 0..args.alliances {
        let lieu = match alea.below(3) {
            0 => Lieu {
                niveau: Niveau::Departement,
                code: r.departements()[alea.below(r.departements().len())]
                    .code
                    .clone(),
            },
            1 => Lieu {
                niveau: Niveau::Epci,
                code: r.epcis()[alea.below(r.epcis().len())].siren.clone(),
            },
            _ => Lieu {
                niveau: Niveau::Commune,
                code: r.communes()[alea.below(nc)].code.clone(),
            },
        };
        let a = Alliance {
            nom: format!("Alliance de démonstration {i}"),
            resume: "Alliance fictive du banc d'essai.".into(),
            probleme: String::new(),
            territoires: vec![lieu],
            odd: vec![1 + alea.below(17) as u8, 17],
            cibles_odd17: vec![],
            types_partenariat: vec![TypePartenariat::ALL[alea.below(TypePartenariat::ALL.len())]],
            forme: Forme::ALL[alea.below(Forme::ALL.len())],
            stade: Stade::ALL[alea.below(Stade::ALL.len())],
            date_debut: None,
            date_fin: (alea.below(5) == 0).then(|| "2025-06-30".to_string()),
            publique: alea.below(10) != 0,
        };
        alliances_store::alliances::insert(&mut tx, &a, Some(user), true, AT).await?;
    }
    tx.commit().await?;
    // Contact requests and referrals between random organisations.
    let etats = ["envoyee", "acceptee", "refusee", "sans_reponse"];
    let demandes: Vec<String> = (0..args.demandes)
        .map(|_| {
            let de = 1 + alea.below(n);
            let vers = 1 + alea.below(n);
            format!(
                "({de}, {vers}, 'Bonjour', '{}', {AT})",
                etats[alea.below(etats.len())]
            )
        })
        .collect();
    let mut tx = app.db.pool().begin().await?;
    for chunk in demandes.chunks(400) {
        let sql = format!(
            "INSERT INTO demandes_contact (de_organisation, vers_organisation, message, etat, cree_le) VALUES {}",
            chunk.join(",")
        );
        tx.execute(sql.as_str()).await?;
    }
    let dispositif: i64 = sqlx::query(
        "INSERT INTO dispositifs (nom, nom_plie, description, niveau, ingenierie, services, source, licence, verifie_le, cree_le, modifie_le) \
         VALUES ('Dispositif du banc', 'dispositif du banc', '', 'national', 'territoriale', 'accompagnement', 'demo', 'demo', $1, $1, $1) RETURNING id",
    )
    .bind(AT)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    let orientations: Vec<String> = (0..args.demandes / 4)
        .map(|_| {
            format!(
                "({dispositif}, {}, 'accompagnement', 'Orientation', 'envoyee', {AT})",
                1 + alea.below(n)
            )
        })
        .collect();
    for chunk in orientations.chunks(400) {
        let sql = format!(
            "INSERT INTO orientations (vers_dispositif, organisation_id, service, message, etat, envoyee_le) VALUES {}",
            chunk.join(",")
        );
        tx.execute(sql.as_str()).await?;
    }
    tx.commit().await?;
    Ok(())
}

struct Backend {
    nom: &'static str,
    ecriture_s: f64,
    construction_s: f64,
    relation_s: f64,
    recherche_s: f64,
    octets: usize,
    tableau: Histogram<u64>,
    medianes_runs: Vec<f64>,
    sql: Histogram<u64>,
    sql_medianes_runs: Vec<f64>,
    identiques: usize,
    compares: usize,
}

async fn mesurer(nom: &'static str, url: &str, args: &TableauxArgs) -> anyhow::Result<Backend> {
    eprintln!("{nom}: opening {}", alliances_store::db::redact_url(url));
    let app = App::open(url, 4).await?;
    let t0 = Instant::now();
    remplir(&app, args).await?;
    let ecriture_s = t0.elapsed().as_secs_f64();
    if nom == "PostgreSQL" {
        app.db.pool().execute("ANALYZE").await?;
    }
    let territoires = app.territoires();
    let r = &territoires.referentiel;
    let kits = app.kits();
    let kit = kits
        .dernier(alliances_app::relation::index::KIT_MATURITE)
        .map(|k| k.as_ref());

    eprintln!("{nom}: building the counters, the matching index and the search index");
    let t0 = Instant::now();
    app.reconstruire_tableaux().await?;
    let construction_s = t0.elapsed().as_secs_f64();
    let (octets, national) = app
        .tableaux()
        .lire(|a| (a.octets_organisations(), a.national().organisations));
    let t0 = Instant::now();
    let index = alliances_app::relation::index::construire(&app.db, r).await?;
    let relation_s = t0.elapsed().as_secs_f64();
    drop(index);
    let t0 = Instant::now();
    let recherche = alliances_app::annuaire::index::build(&app.db, r)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let recherche_s = t0.elapsed().as_secs_f64();
    drop(recherche);
    if national == 0 {
        bail!("{nom}: no organisation counted");
    }

    let regions: Vec<TerritoireRef> = (0..r.regions().len() as u32)
        .map(|idx| TerritoireRef {
            niveau: Niveau::Region,
            idx,
        })
        .collect();
    // The SQL alternative on metropolitan régions (overseas ones are a few communes).
    let metropole: Vec<TerritoireRef> = regions
        .iter()
        .copied()
        .filter(|t| r.region(t.idx).zone == alliances_domain::territoires::Zone::Metro)
        .collect();
    let tr = alliances_web::i18n::Tr::new(
        std::sync::Arc::new(alliances_web::i18n::I18n::new()),
        alliances_web::i18n::Lang::Fr,
    );
    let jour = aujourd_hui(AT);
    let mut tableau = hist();
    let mut sql = hist();
    let mut medianes_runs = Vec::new();
    let mut sql_medianes_runs = Vec::new();
    let (mut identiques, mut compares) = (0, 0);
    let mut alea = Alea(42);
    for run in 0..args.runs {
        // Warm-up, then every région timed.
        for t in regions.iter().take(3) {
            std::hint::black_box(app.tableau_territoire(*t, AT));
        }
        let mut h = hist();
        for t in &regions {
            let d = Instant::now();
            let tab = app.tableau_territoire(*t, AT);
            let vue = alliances_web::tableau_view::vue(r, &tr, &tab, kit);
            let ns = d.elapsed().as_nanos().max(1) as u64;
            std::hint::black_box(vue);
            h.record(ns)?;
            tableau.record(ns)?;
        }
        medianes_runs.push(q(&h, 0.5));
        let mut hs = hist();
        for _ in 0..args.sql_regions {
            let t = metropole[alea.below(metropole.len())];
            let attendu = app.tableau_territoire(t, AT);
            let d = Instant::now();
            let (c, actives, _) = sans_index::compteurs(&app.db, r, kit, t, &jour).await?;
            let mut semblables = Vec::new();
            for s in &attendu.semblables {
                semblables.push(
                    sans_index::compteurs(&app.db, r, kit, s.territoire, &jour)
                        .await?
                        .0,
                );
            }
            let couverture = app.couverture_services(t);
            let ns = d.elapsed().as_nanos().max(1) as u64;
            hs.record(ns)?;
            sql.record(ns)?;
            compares += 1;
            if c == attendu.compteurs
                && actives == attendu.alliances_actives
                && couverture == attendu.couverture
                && semblables
                    .iter()
                    .zip(&attendu.semblables)
                    .all(|(x, y)| *x == y.compteurs)
            {
                identiques += 1;
            } else {
                eprintln!("{nom}: région {}: SQL and counters differ", r.nom(t));
            }
            eprintln!(
                "{nom}: run {run}: SQL dashboard of {}: {:.0} ms",
                r.nom(t),
                ns as f64 / 1e6
            );
        }
        sql_medianes_runs.push(q(&hs, 0.5));
    }
    app.db.close().await;
    Ok(Backend {
        nom,
        ecriture_s,
        construction_s,
        relation_s,
        recherche_s,
        octets,
        tableau,
        medianes_runs,
        sql,
        sql_medianes_runs,
        identiques,
        compares,
    })
}

/// A PostgreSQL database of its own beside the one of `admin` (dropped and created).
async fn base_postgres(admin: &str) -> anyhow::Result<String> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin).await?;
    conn.execute(format!("DROP DATABASE IF EXISTS {BASE}").as_str())
        .await?;
    conn.execute(format!("CREATE DATABASE {BASE}").as_str())
        .await?;
    conn.close().await?;
    let (base, _) = admin
        .rsplit_once('/')
        .context("database URL without a name")?;
    Ok(format!("{base}/{BASE}"))
}

async fn supprimer_postgres(admin: &str) -> anyhow::Result<()> {
    let mut conn = sqlx::AnyConnection::connect(admin).await?;
    conn.execute(format!("DROP DATABASE IF EXISTS {BASE}").as_str())
        .await?;
    conn.close().await?;
    Ok(())
}

fn mediane(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn liste(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn run(args: TableauxArgs) -> anyhow::Result<()> {
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
    let charge_debut = charge();
    let mut backends = vec![
        mesurer(
            "SQLite",
            &alliances_store::db::sqlite_url_for_dir(&dir),
            &args,
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
        let res = mesurer("PostgreSQL", &url, &args).await;
        supprimer_postgres(&admin).await?;
        backends.push(res?);
    }
    let mut out = String::new();
    writeln!(
        out,
        "### Tableaux de bord — {} organisations, {} alliances, {} demandes de contact\n",
        args.orgs, args.alliances, args.demandes
    )?;
    writeln!(
        out,
        "`alliances bench tableaux --orgs {} --alliances {} --demandes {} --runs {}{}` (release build); load average {} at the start, {} at the end.\n",
        args.orgs,
        args.alliances,
        args.demandes,
        args.runs,
        if backends.len() > 1 { " --database-url postgres://…" } else { "" },
        charge_debut,
        charge()
    )?;
    writeln!(out, "| Measure | Value | Target |\n|---|---|---|")?;
    for b in &backends {
        let p50 = q(&b.tableau, 0.5);
        writeln!(
            out,
            "| A région's dashboard from the counters ({}), {} samples over {} runs | p50 **{:.3} ms**, p95 {:.3} ms, p99 **{:.3} ms**, max {:.3} ms; per-run medians {} | ≤ 50 ms |",
            b.nom,
            b.tableau.len(),
            b.medianes_runs.len(),
            p50,
            q(&b.tableau, 0.95),
            q(&b.tableau, 0.99),
            b.tableau.max() as f64 / 1e6,
            liste(&b.medianes_runs),
        )?;
        let sp50 = q(&b.sql, 0.5);
        writeln!(
            out,
            "| The same dashboard by SQL per request ({}), {} samples | p50 **{:.0} ms**, p95 {:.0} ms, max {:.0} ms; per-run medians {} — **{:.0}× the counters' p50**; same figures on {}/{} | |",
            b.nom,
            b.sql.len(),
            sp50,
            q(&b.sql, 0.95),
            b.sql.max() as f64 / 1e6,
            liste(&b.sql_medianes_runs),
            mediane(b.sql_medianes_runs.clone()) / p50.max(1e-9),
            b.identiques,
            b.compares,
        )?;
        writeln!(
            out,
            "| Start-up build of the counters ({}) | **{:.1} s**, {:.0} bytes per organisation (beside the matching index {:.1} s, the search index {:.1} s) | small next to the index builds |",
            b.nom,
            b.construction_s,
            b.octets as f64 / args.orgs as f64,
            b.relation_s,
            b.recherche_s,
        )?;
        writeln!(
            out,
            "| Generating and writing the data ({}) | {:.0} s | |",
            b.nom, b.ecriture_s
        )?;
    }
    println!("{out}");
    if backends.iter().any(|b| b.identiques != b.compares) {
        bail!("the SQL dashboard differs from the counters'");
    }
    Ok(())
}
