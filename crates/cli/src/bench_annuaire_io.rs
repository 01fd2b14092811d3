//! `alliances bench annuaire-io`: the annuaire's import and export targets. Import ≥ 20,000
//! rows/s of RNA-format CSV into SQLite, validation and indexing included (median of several
//! runs, each into a fresh database), side by side with the nearest alternative — a bare
//! multi-row `INSERT` of the same rows, without validation, in one transaction; export of
//! 1,000,000 organisations with a peak resident memory ≤ 200 MB (the real binary, run as a
//! child process, its `VmHWM` read from /proc while it runs).
//!
//! The file is generated: fictional organisations from the app's `Generateur` written as waldec
//! columns (ids `WZZ…`, which no real association has), plus a few percent of malformed rows
//! (wrong column count, a quote never closed, an invalid id). Meaningful in a release build only.

use alliances_app::annuaire::generateur::Generateur;
use alliances_app::annuaire::import::{self, lecteur, Format, Options};
use alliances_app::App;
use alliances_domain::annuaire::Etat;
use alliances_domain::territoires::{Niveau, Referentiel};
use alliances_store::import_rows::{self, Provenance};
use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct AnnuaireIoArgs {
    /// Rows of the generated RNA-format file.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    rows: usize,
    /// Percent of malformed rows in it.
    #[arg(long, value_name = "P", default_value_t = 2)]
    malformed_percent: u64,
    /// Import runs per method (the median is reported).
    #[arg(long, value_name = "N", default_value_t = 3)]
    runs: usize,
    /// Organisations in the database exported (0: no export measurement).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    export_rows: usize,
    /// Folder for the generated files and databases (default: a temporary folder, removed).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Also writes the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    out_json: Option<PathBuf>,
}

const TARGET_ROWS_PER_S: f64 = 20_000.0;
const TARGET_EXPORT_RSS_MB: f64 = 200.0;

const COLONNES: &[&str] = &[
    "id",
    "id_ex",
    "siret",
    "rup_mi",
    "gestion",
    "date_creat",
    "date_decla",
    "date_publi",
    "date_disso",
    "nature",
    "groupement",
    "titre",
    "titre_court",
    "objet",
    "objet_social1",
    "objet_social2",
    "adrs_complement",
    "adrs_numvoie",
    "adrs_repetition",
    "adrs_typevoie",
    "adrs_libvoie",
    "adrs_distrib",
    "adrs_codeinsee",
    "adrs_codepostal",
    "adrs_libcommune",
    "adrg_declarant",
    "adrg_complemid",
    "adrg_complemgeo",
    "adrg_libvoie",
    "adrg_distrib",
    "adrg_codepostal",
    "adrg_achemine",
    "adrg_pays",
    "dir_civilite",
    "siteweb",
    "publiweb",
    "observation",
    "position",
    "maj_time",
];

/// Words that tell apart organisations of the same kind in the same commune (real registers
/// rarely repeat a name in a commune; the generator's templates would).
const QUARTIERS: &[&str] = &[
    "des Tilleuls",
    "du Centre",
    "de la Gare",
    "des Coteaux",
    "du Vieux Bourg",
    "des Peupliers",
    "du Port",
    "de la Colline",
    "des Lilas",
    "du Moulin",
    "de l'Église",
    "des Écoles",
    "du Marché",
    "de la Plaine",
    "des Vignes",
    "du Château",
    "de la Source",
    "des Prés",
    "du Lavoir",
    "de la Forge",
];

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn date(epoch: i64) -> String {
    alliances_app::donnees::iso_datetime(epoch)[..10].to_string()
}

/// Writes an RNA-format file of `n` rows; returns the number of malformed rows.
fn generer_rna(
    r: &Referentiel,
    path: &Path,
    n: usize,
    malformes_pct: u64,
) -> anyhow::Result<usize> {
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(w, "{}", COLONNES.join(";"))?;
    let mut g = Generateur::new(r, 11, 1_790_000_000, "bench");
    let mut alea = alliances_app::annuaire::generateur::Alea::new(5);
    let mut malformes = 0;
    let mut v: Vec<String> = vec![String::new(); COLONNES.len()];
    for i in 0..n {
        let o = g.suivante();
        let org = &o.org;
        let commune = org
            .commune
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default();
        let (cp, lib) = r
            .find(Niveau::Commune, &commune)
            .map(|t| {
                let c = r.commune(t.idx);
                (
                    c.codes_postaux.first().cloned().unwrap_or_default(),
                    c.nom.to_uppercase(),
                )
            })
            .unwrap_or_default();
        let titre = if i % 40 == 0 {
            org.nom.clone()
        } else {
            format!("{} {} {}", org.nom, QUARTIERS[i % QUARTIERS.len()], i % 97)
        };
        let creation = 315_532_800 + (alea.below(40 * 365) as i64) * 86_400;
        for x in v.iter_mut() {
            x.clear();
        }
        v[0] = format!("WZZ{:07}", i + 1);
        v[4] = format!("{}P", &commune.get(..2).unwrap_or("75"));
        v[5] = date(creation);
        v[6] = date(creation);
        v[7] = date(creation + 15 * 86_400);
        v[8] = if org.etat == Etat::Dissoute {
            date(creation + (alea.below(3650) as i64 + 30) * 86_400)
        } else {
            "0001-01-01".into()
        };
        v[9] = "D".into();
        v[10] = "S".into();
        v[11] = q(&titre.to_uppercase());
        v[13] = q(&org.description);
        v[17] = (1 + alea.below(120)).to_string();
        v[19] = "RUE".into();
        v[20] = q("de la République");
        v[22] = commune.clone();
        v[23] = cp;
        v[24] = lib;
        v[33] = "PM".into();
        if alea.chance(10) {
            v[34] = format!("www.association-{}.example.org", i + 1);
        }
        v[35] = "0".into();
        v[37] = if org.etat == Etat::Dissoute { "D" } else { "A" }.into();
        v[38] = alliances_app::donnees::iso_datetime(o.meta.verifie_le)[..19].replace('T', " ");
        if alea.chance(malformes_pct) {
            malformes += 1;
            match i % 3 {
                0 => {
                    // Wrong column count.
                    writeln!(w, "{}", v[..12].join(";"))?;
                    continue;
                }
                1 => v[13] = format!("\"{}", org.description.replace('"', "")), // a quote never closed
                _ => v[0] = format!("X{i}"),                                    // an invalid id
            }
        }
        writeln!(w, "{}", v.join(";"))?;
    }
    w.flush()?;
    Ok(malformes)
}

#[derive(Debug, Clone, Serialize)]
struct RunImport {
    secondes: f64,
    preparation_s: f64,
    /// Reading, validating, writing and indexing (side by side).
    ecriture_s: f64,
    importees: u64,
    rejetees: u64,
    doublons: u64,
    lignes_par_s: f64,
}

async fn fresh_app(dir: &Path) -> anyhow::Result<Arc<App>> {
    std::fs::create_dir_all(dir)?;
    let url = alliances_store::db::sqlite_url_for_dir(dir);
    Ok(App::open(&url, 8).await?)
}

/// One import into a fresh database: our pipeline, index refresh included.
async fn run_import(dir: &Path, fichier: &Path, n: usize) -> anyhow::Result<RunImport> {
    let app = fresh_app(dir).await?;
    let debut = Instant::now();
    let p = fichier.to_path_buf();
    let prep = tokio::task::spawn_blocking(move || import::preparer(&p, "bench.csv", Format::Rna))
        .await??;
    let preparation = debut.elapsed();
    // The real path: batches written while a task indexes the committed ones.
    let r = app
        .importer(None, prep, Options::default(), &|_| {})
        .await?;
    let total = debut.elapsed();
    if app.organisations.len() as u64 != r.importees {
        bail!(
            "index holds {} organisations, {} imported",
            app.organisations.len(),
            r.importees
        );
    }
    app.db.close().await;
    Ok(RunImport {
        secondes: total.as_secs_f64(),
        preparation_s: preparation.as_secs_f64(),
        ecriture_s: (total - preparation).as_secs_f64(),
        importees: r.importees,
        rejetees: r.rejetees,
        doublons: r.doublons_signales,
        lignes_par_s: n as f64 / total.as_secs_f64(),
    })
}

/// The same import in two steps, to see where the time goes: reading, validating and writing
/// (no index in between), then applying the change feed to the index.
async fn run_decompose(dir: &Path, fichier: &Path) -> anyhow::Result<(f64, f64)> {
    let app = fresh_app(dir).await?;
    let debut = Instant::now();
    let p = fichier.to_path_buf();
    let prep = tokio::task::spawn_blocking(move || import::preparer(&p, "bench.csv", Format::Rna))
        .await??;
    import::importer(
        &app.db,
        app.territoires(),
        prep,
        None,
        Options::default(),
        &|_| {},
    )
    .await?;
    let ecrit = debut.elapsed();
    while app.refresh().await? > 0 {}
    let index = debut.elapsed() - ecrit;
    app.db.close().await;
    Ok((ecrit.as_secs_f64(), index.as_secs_f64()))
}

/// The nearest alternative: the same rows, read with the same CSV reader, inserted as they are
/// (no validation, no upsert, no duplicate detection, no index) by 20-row statements in one
/// transaction.
async fn run_brut(dir: &Path, fichier: &Path, n: usize) -> anyhow::Result<f64> {
    let app = fresh_app(dir).await?;
    let debut = Instant::now();
    let f = std::fs::File::open(fichier)?;
    let mut l = lecteur::Lecteur::new(std::io::BufReader::with_capacity(1 << 18, f), b';', 1);
    let mut rec = lecteur::Enregistrement::default();
    l.suivant(&mut rec)?;
    let mut tx = app.db.pool().begin().await?;
    let mut lot: Vec<[String; 6]> = Vec::with_capacity(20);
    let cols = "nom, nom_normalise, profil, rna, commune, description, etat, date_creation, source, licence, verifie_le, cree_le, modifie_le";
    async fn vider(
        tx: &mut alliances_store::Conn,
        cols: &str,
        lot: &mut Vec<[String; 6]>,
    ) -> anyhow::Result<()> {
        if lot.is_empty() {
            return Ok(());
        }
        let values = (0..lot.len())
            .map(|k| {
                let b = k * 6;
                format!(
                    "(${}, ${}, 'association', ${}, ${}, ${}, ${}, ${}, 'rna', 'LO', 0, 0, 0)",
                    b + 1,
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO organisations ({cols}) VALUES {values}");
        let mut qy = sqlx::query(&sql);
        for r in lot.iter() {
            for x in r.iter() {
                qy = qy.bind(x.clone());
            }
        }
        qy.execute(&mut *tx).await?;
        lot.clear();
        Ok(())
    }
    let mut inserees = 0u64;
    loop {
        match l.suivant(&mut rec)? {
            lecteur::Lu::Fin => break,
            lecteur::Lu::Malforme { .. } => continue,
            lecteur::Lu::Enregistrement => {}
        }
        if rec.len() != COLONNES.len() {
            l.resynchroniser();
            continue;
        }
        let s = |i: usize| String::from_utf8_lossy(rec.champ(i)).into_owned();
        let etat = match rec.champ(37) {
            b"D" => "dissoute",
            b"S" => "supprimee",
            _ => "active",
        };
        lot.push([s(11), s(0), s(22), s(13), etat.to_string(), s(5)]);
        inserees += 1;
        if lot.len() == 20 {
            vider(&mut tx, cols, &mut lot).await?;
        }
    }
    vider(&mut tx, cols, &mut lot).await?;
    tx.commit().await?;
    let s = debut.elapsed().as_secs_f64();
    app.db.close().await;
    if inserees == 0 {
        bail!("nothing inserted");
    }
    Ok(n as f64 / s)
}

/// Fills a database with `n` generated organisations (multi-row inserts, 10,000 per
/// transaction).
async fn remplir(dir: &Path, n: usize) -> anyhow::Result<String> {
    let app = fresh_app(dir).await?;
    let t = app.territoires();
    let mut g = Generateur::new(&t.referentiel, 17, 1_790_000_000, "demo");
    let p = Provenance {
        source: "demo",
        licence: alliances_app::annuaire::LICENCE_OUVERTE,
        lot_id: 0,
        verifie_le: 1_790_000_000,
    };
    let mut fait = 0;
    let debut = Instant::now();
    while fait < n {
        let k = (n - fait).min(10_000);
        let orgs: Vec<_> = (0..k).map(|_| g.suivante().org).collect();
        let lignes: Vec<_> = orgs.iter().map(|o| (o, &p)).collect();
        let mut tx = app.db.pool().begin().await?;
        import_rows::inserer(&mut tx, app.db.backend(), &lignes, 1_790_000_000).await?;
        tx.commit().await?;
        fait += k;
        if fait % 100_000 == 0 || fait == n {
            eprintln!(
                "  {fait} organisations written ({:.0} s)",
                debut.elapsed().as_secs_f64()
            );
        }
    }
    app.db.close().await;
    Ok(alliances_store::db::sqlite_url_for_dir(dir))
}

#[derive(Debug, Clone, Serialize)]
struct RunExport {
    format: String,
    organisations: u64,
    secondes: f64,
    par_s: f64,
    octets: u64,
    pic_rss_mb: f64,
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The real binary exports into a file; its peak resident memory is polled while it runs.
fn run_export(url: &str, format: &str, sortie: &Path, n: usize) -> anyhow::Result<RunExport> {
    let exe = std::env::current_exe()?;
    let debut = Instant::now();
    let mut child = std::process::Command::new(exe)
        .args([
            "export",
            "organisations",
            "--format",
            format,
            "--database-url",
            url,
            "--sortie",
        ])
        .arg(sortie)
        .env("ALLIANCES_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut pic = 0u64;
    let statut = loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            pic = pic.max(kb);
        }
        if let Some(s) = child.try_wait()? {
            break s;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let secondes = debut.elapsed().as_secs_f64();
    if !statut.success() {
        bail!("export {format} failed: {statut}");
    }
    Ok(RunExport {
        format: format.into(),
        organisations: n as u64,
        secondes,
        par_s: n as f64 / secondes,
        octets: std::fs::metadata(sortie)?.len(),
        pic_rss_mb: pic as f64 / 1024.0,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    v[v.len() / 2]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "?".into())
}

#[derive(Serialize)]
struct Report {
    lignes: usize,
    malformees: usize,
    octets_fichier: u64,
    runs: Vec<RunImport>,
    brut_lignes_par_s: Vec<f64>,
    /// The same import in two steps: read + validate + write alone, then the index alone (s).
    ecriture_seule_s: Vec<f64>,
    index_seul_s: Vec<f64>,
    median_lignes_par_s: f64,
    median_brut_lignes_par_s: f64,
    exports: Vec<RunExport>,
    release: bool,
    cpu: String,
    coeurs: usize,
    charge_avant: String,
    charge_apres: String,
}

pub async fn run(args: AnnuaireIoArgs) -> anyhow::Result<()> {
    let release = !cfg!(debug_assertions);
    if !release {
        eprintln!("warning: debug build — the figures mean nothing; use `cargo build --release`");
    }
    let tmp;
    let racine = match &args.work_dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let charge_avant = load_average();
    let referentiel =
        alliances_domain::territoires::Referentiel::build(alliances_app::geo::shipped()?)?;
    let fichier = racine.join("rna_bench.csv");
    eprintln!(
        "generating {} RNA-format rows into {}",
        args.rows,
        fichier.display()
    );
    let malformees = generer_rna(&referentiel, &fichier, args.rows, args.malformed_percent)?;
    let octets_fichier = std::fs::metadata(&fichier)?.len();

    let mut runs = Vec::new();
    let mut brut = Vec::new();
    let mut decompose: Vec<(f64, f64)> = Vec::new();
    for k in 0..args.runs.max(1) {
        let r = run_import(&racine.join(format!("import-{k}")), &fichier, args.rows).await?;
        eprintln!(
            "import run {}: {:.0} rows/s ({:.2} s: prepare {:.2}, import and index {:.2}; {} imported, {} rejected, {} duplicate pairs)",
            k + 1,
            r.lignes_par_s,
            r.secondes,
            r.preparation_s,
            r.ecriture_s,
            r.importees,
            r.rejetees,
            r.doublons
        );
        runs.push(r);
        let (e, i) = run_decompose(&racine.join(format!("decompose-{k}")), &fichier).await?;
        eprintln!(
            "  in two steps: read + validate + write {:.2} s ({:.0} rows/s), then index {:.2} s ({:.0} rows/s)",
            e,
            args.rows as f64 / e,
            i,
            args.rows as f64 / i
        );
        decompose.push((e, i));
        let _ = std::fs::remove_dir_all(racine.join(format!("decompose-{k}")));
        let b = run_brut(&racine.join(format!("brut-{k}")), &fichier, args.rows).await?;
        eprintln!("bare INSERT run {}: {:.0} rows/s", k + 1, b);
        brut.push(b);
        let _ = std::fs::remove_dir_all(racine.join(format!("import-{k}")));
        let _ = std::fs::remove_dir_all(racine.join(format!("brut-{k}")));
    }
    let median_ours = median(runs.iter().map(|r| r.lignes_par_s).collect());
    let median_brut = median(brut.clone());

    let mut exports = Vec::new();
    if args.export_rows > 0 {
        eprintln!(
            "writing {} generated organisations for the export",
            args.export_rows
        );
        let url = remplir(&racine.join("export"), args.export_rows).await?;
        for format in ["csv", "jsonl"] {
            let sortie = racine.join(format!("export.{format}"));
            let e = run_export(&url, format, &sortie, args.export_rows)?;
            eprintln!(
                "export {format}: {:.1} s, {:.0} organisations/s, {:.0} MB written, peak RSS {:.1} MB",
                e.secondes,
                e.par_s,
                e.octets as f64 / 1e6,
                e.pic_rss_mb
            );
            let _ = std::fs::remove_file(&sortie);
            exports.push(e);
        }
    }
    let rep = Report {
        lignes: args.rows,
        malformees,
        octets_fichier,
        runs,
        brut_lignes_par_s: brut,
        ecriture_seule_s: decompose.iter().map(|d| d.0).collect(),
        index_seul_s: decompose.iter().map(|d| d.1).collect(),
        median_lignes_par_s: median_ours,
        median_brut_lignes_par_s: median_brut,
        exports,
        release,
        cpu: cpu(),
        coeurs: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        charge_avant,
        charge_apres: load_average(),
    };
    println!("{}", markdown(&rep));
    if let Some(p) = &args.out_json {
        std::fs::write(p, serde_json::to_string_pretty(&rep)?)?;
    }
    Ok(())
}

fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let ok = |b: bool| if b { "met" } else { "NOT met" };
    let _ = writeln!(
        s,
        "Machine: {} ({} cores), load average {} → {}{}\n",
        r.cpu,
        r.coeurs,
        r.charge_avant,
        r.charge_apres,
        if r.release {
            ""
        } else {
            " — DEBUG BUILD, figures meaningless"
        }
    );
    let _ = writeln!(
        s,
        "Import of {} RNA-format rows ({:.1} MB, {} malformed) into a fresh SQLite database, {} runs:\n",
        r.lignes,
        r.octets_fichier as f64 / 1e6,
        r.malformees,
        r.runs.len()
    );
    let _ = writeln!(s, "| Run | Total (s) | Check + SHA-256 (s) | Read, validate, write, index (s) | Rows/s | Imported | Rejected | Duplicate pairs | Bare INSERT rows/s |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for (i, x) in r.runs.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | {:.2} | {:.2} | {:.2} | {:.0} | {} | {} | {} | {:.0} |",
            i + 1,
            x.secondes,
            x.preparation_s,
            x.ecriture_s,
            x.lignes_par_s,
            x.importees,
            x.rejetees,
            x.doublons,
            r.brut_lignes_par_s.get(i).copied().unwrap_or(0.0)
        );
    }
    let _ = writeln!(
        s,
        "\nMedian: **{:.0} rows/s** (target ≥ {:.0}: {}); bare INSERT without validation: {:.0} rows/s; ratio ours / bare = {:.2}.\n",
        r.median_lignes_par_s,
        TARGET_ROWS_PER_S,
        ok(r.median_lignes_par_s >= TARGET_ROWS_PER_S),
        r.median_brut_lignes_par_s,
        r.median_lignes_par_s / r.median_brut_lignes_par_s.max(1e-9)
    );
    if !r.ecriture_seule_s.is_empty() {
        let e = median(r.ecriture_seule_s.clone());
        let i = median(r.index_seul_s.clone());
        let _ = writeln!(
            s,
            "Where the time goes (the same import in two steps, medians): read + validate + write {:.2} s ({:.0} rows/s), then the index catching up with the change feed {:.2} s ({:.0} rows/s).\n",
            e,
            r.lignes as f64 / e.max(1e-9),
            i,
            r.lignes as f64 / i.max(1e-9)
        );
    }
    if !r.exports.is_empty() {
        let _ = writeln!(s, "| Export | Organisations | Time (s) | Organisations/s | Size (MB) | Peak RSS (MB) | Target ≤ {TARGET_EXPORT_RSS_MB:.0} MB |");
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
        for e in &r.exports {
            let _ = writeln!(
                s,
                "| {} | {} | {:.1} | {:.0} | {:.0} | {:.1} | {} |",
                e.format,
                e.organisations,
                e.secondes,
                e.par_s,
                e.octets as f64 / 1e6,
                e.pic_rss_mb,
                ok(e.pic_rss_mb <= TARGET_EXPORT_RSS_MB)
            );
        }
    }
    s
}
