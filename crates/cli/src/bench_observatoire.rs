//! `alliances bench observatoire`: calibration at scale (issue #9).
//!
//! Generates N respondents deterministically (two calibration variables with 9 and 13
//! categories, related to each other, and unequal design weights), writes the CSV and the
//! margins to a temporary folder, then measures in the same run:
//!
//! - loading the CSV into a [`Jeu`] (file read, split, and typing of the columns calibration
//!   uses: `a`, `b` categorical, `d` numeric);
//! - raking and linear calibration with `alliances-calage`, single-threaded, the data already
//!   loaded (median, p90 and min over K runs after one warm-up);
//! - R's `survey::calibrate` (raking and linear) on the same file through `Rscript`
//!   (`scripts/observatoire/bench_survey.R`, embedded), and weightipy's raking through a Python
//!   venv (`scripts/observatoire/bench_weightipy.py`); each is skipped with a message when
//!   absent;
//! - the agreement of the weights: ours against R's (same design weights, same convergence
//!   criterion) and against weightipy's (which starts from unit weights and stops at its own,
//!   looser criterion).
//!
//! Prints a Markdown report on stdout (progress on stderr).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use alliances_calage::{calibrer, Jeu, Marges, Methode, Options, PoidsInitiaux};
use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;

const SCRIPT_R: &str = include_str!("../../../scripts/observatoire/bench_survey.R");
const SCRIPT_PY: &str = include_str!("../../../scripts/observatoire/bench_weightipy.py");
const TOLERANCE: f64 = 1e-10;
const TARGET_MS: f64 = 100.0;

#[derive(Args)]
pub struct ObservatoireArgs {
    /// Respondents generated.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    rows: usize,
    /// Timed runs of each calibration (after one warm-up).
    #[arg(long, value_name = "K", default_value_t = 20)]
    runs: usize,
    /// Timed runs of R's calibrate and of weightipy (each R raking takes seconds).
    #[arg(long, value_name = "K", default_value_t = 1)]
    other_runs: usize,
    /// Python venv holding weightipy (`python3 -m venv DIR && DIR/bin/pip install weightipy`).
    #[arg(long, value_name = "DIR", default_value = "/work/.venv-bench")]
    venv: PathBuf,
    /// Skips R.
    #[arg(long)]
    skip_r: bool,
    /// Skips weightipy.
    #[arg(long)]
    skip_python: bool,
    /// Keeps the generated files in this folder instead of a temporary one.
    #[arg(long, value_name = "DIR")]
    keep_dir: Option<PathBuf>,
    /// Also writes the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    out_json: Option<PathBuf>,
}

/// Median, p90 and min of timed runs, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
struct Stats {
    median_ms: f64,
    p90_ms: f64,
    min_ms: f64,
    runs: usize,
}

fn stats(mut ms: Vec<f64>) -> Stats {
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let rang = |q: f64| ms[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    let median = if n % 2 == 1 {
        ms[n / 2]
    } else {
        (ms[n / 2 - 1] + ms[n / 2]) / 2.0
    };
    Stats {
        median_ms: median,
        p90_ms: rang(0.9),
        min_ms: ms[0],
        runs: n,
    }
}

#[derive(Debug, Default, Serialize)]
struct Autre {
    load_ms: Option<f64>,
    raking_ms: Option<f64>,
    linear_ms: Option<f64>,
    /// Largest relative gap between its weights and ours.
    ecart_raking: Option<f64>,
    ecart_linear: Option<f64>,
    absent: Option<String>,
}

#[derive(Debug, Serialize)]
struct Rapport {
    rows: usize,
    cells: usize,
    release_build: bool,
    load_average_before: String,
    load_average_after: String,
    load: Stats,
    raking: Stats,
    raking_iterations: usize,
    linear: Stats,
    r: Autre,
    weightipy: Autre,
}

/// splitmix64: deterministic, good enough for synthetic data.
struct Alea(u64);

impl Alea {
    fn suivant(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniforme(&mut self) -> f64 {
        (self.suivant() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn choix(&mut self, cumul: &[f64]) -> usize {
        let u = self.uniforme() * cumul[cumul.len() - 1];
        cumul.iter().position(|&c| u < c).unwrap_or(cumul.len() - 1)
    }
}

fn cumul(poids: &[f64]) -> Vec<f64> {
    poids
        .iter()
        .scan(0.0, |s, p| {
            *s += p;
            Some(*s)
        })
        .collect()
}

/// Integer totals proportional to `parts`, summing to `n` exactly.
fn totaux(parts: &[f64], n: u64) -> Vec<u64> {
    let s: f64 = parts.iter().sum();
    let mut t: Vec<u64> = parts
        .iter()
        .map(|p| (p / s * n as f64).round() as u64)
        .collect();
    let reste: u64 = t[..t.len() - 1].iter().sum();
    let dernier = t.len() - 1;
    t[dernier] = n - reste;
    t
}

/// Writes data.csv, margins.json and margins_long.csv (for R) into `dir`.
fn generer(dir: &Path, n: usize) -> anyhow::Result<()> {
    const POPULATION: u64 = 30_000_000;
    let mut alea = Alea(0x0B5E_4A70_1BE5);
    let pa = [0.05, 0.07, 0.08, 0.10, 0.11, 0.12, 0.13, 0.16, 0.18];
    let pb = [
        0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.10, 0.11, 0.12, 0.13,
    ];
    let ca = cumul(&pa);
    // b depends on a: each a tilts b's distribution, so that raking needs several passes.
    let cb: Vec<Vec<f64>> = (0..9)
        .map(|i| {
            let tilt: Vec<f64> = pb
                .iter()
                .enumerate()
                .map(|(j, p)| p * (1.0 + 0.6 * ((i as f64 - 4.0) / 4.0) * ((j as f64 - 6.0) / 6.0)))
                .collect();
            cumul(&tilt)
        })
        .collect();
    let dmoyen = POPULATION as f64 / n as f64;
    let f = std::fs::File::create(dir.join("data.csv"))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(w, "id,a,b,d")?;
    for k in 0..n {
        let a = alea.choix(&ca);
        let b = alea.choix(&cb[a]);
        let d = dmoyen * (0.5 + alea.uniforme()) * if a < 3 { 1.3 } else { 1.0 };
        writeln!(w, "i{k:07},a{},b{:02},{d:.4}", a + 1, b + 1)?;
    }
    w.flush()?;
    // Population shares unlike the sample's.
    let qa = [0.09, 0.10, 0.11, 0.12, 0.11, 0.12, 0.12, 0.12, 0.11];
    let qb = [
        0.05, 0.05, 0.06, 0.06, 0.07, 0.07, 0.08, 0.08, 0.09, 0.09, 0.10, 0.10, 0.10,
    ];
    let ta = totaux(&qa, POPULATION);
    let tb = totaux(&qb, POPULATION);
    let marges = serde_json::json!({
        "population": POPULATION,
        "margins": {
            "a": ta.iter().enumerate().map(|(i, t)| (format!("a{}", i + 1), serde_json::json!(t))).collect::<serde_json::Map<_, _>>(),
            "b": tb.iter().enumerate().map(|(j, t)| (format!("b{:02}", j + 1), serde_json::json!(t))).collect::<serde_json::Map<_, _>>(),
        }
    });
    std::fs::write(
        dir.join("margins.json"),
        serde_json::to_string_pretty(&marges)?,
    )?;
    let mut long = format!("variable,category,total\npopulation,,{POPULATION}\n");
    for (i, t) in ta.iter().enumerate() {
        let _ = writeln!(long, "a,a{},{t}", i + 1);
    }
    for (j, t) in tb.iter().enumerate() {
        let _ = writeln!(long, "b,b{:02},{t}", j + 1);
    }
    std::fs::write(dir.join("margins_long.csv"), long)?;
    Ok(())
}

fn mesurer<T>(runs: usize, mut f: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<(Stats, T)> {
    let mut dernier = f()?; // warm-up
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        dernier = f()?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok((stats(ms), dernier))
}

/// Runs a helper, returns its `name seconds` lines as (name, ms).
fn lancer(cmd: &mut Command) -> anyhow::Result<Vec<(String, f64)>> {
    let sortie = cmd.output().context("cannot start the helper")?;
    if !sortie.status.success() {
        bail!(
            "the helper failed: {}",
            String::from_utf8_lossy(&sortie.stderr)
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join(" / ")
        );
    }
    Ok(String::from_utf8_lossy(&sortie.stdout)
        .lines()
        .filter_map(|l| {
            let (nom, s) = l.split_once(' ')?;
            Some((nom.to_string(), s.trim().parse::<f64>().ok()? * 1e3))
        })
        .collect())
}

fn valeur(mesures: &[(String, f64)], nom: &str) -> Option<f64> {
    mesures.iter().find(|(n, _)| n == nom).map(|(_, v)| *v)
}

/// Largest relative gap between `ours` and column `col` of a CSV whose rows are in the same
/// order (checked by id), after scaling both to the same total when `normaliser`.
fn ecart(
    fichier: &Path,
    col: &str,
    ids: &[&str],
    ours: &[f64],
    normaliser: bool,
) -> anyhow::Result<f64> {
    let jeu = Jeu::lire_csv(&std::fs::read(fichier)?)?;
    let autres = jeu.numerique(col)?;
    let id = jeu.categorielle("id")?;
    if autres.len() != ours.len() {
        bail!("{} rows in {}", autres.len(), fichier.display());
    }
    let (sa, so) = if normaliser {
        (autres.iter().sum::<f64>(), ours.iter().sum::<f64>())
    } else {
        (1.0, 1.0)
    };
    let mut pire = 0.0f64;
    for (i, (a, o)) in autres.iter().zip(ours).enumerate() {
        if &id.modalites[id.codes[i] as usize] != ids[i] {
            bail!("{}: rows not in the data's order", fichier.display());
        }
        pire = pire.max(((a / sa) - (o / so)).abs() / (o / so).abs());
    }
    Ok(pire)
}

fn ms(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |v| format!("{v:.1} ms"))
}

fn ratio(autre: Option<f64>, nous: f64) -> String {
    autre.map_or_else(|| "—".into(), |v| format!("**×{:.0}**", v / nous))
}

pub fn run(args: ObservatoireArgs) -> anyhow::Result<()> {
    let temp;
    let dir = match &args.keep_dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let charge_avant = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!(
        "generating {} respondents into {}",
        args.rows,
        dir.display()
    );
    generer(&dir, args.rows)?;
    let data = dir.join("data.csv");

    eprintln!("loading the CSV ({} runs)", args.runs.min(5));
    // Load = read the file, split it, and type the columns calibration uses (a and b as
    // categorical, d as numbers); other columns (the ids) stay as text until used.
    let (load, (jeu, d)) = mesurer(args.runs.min(5), || {
        let jeu = Jeu::lire_csv(&std::fs::read(&data)?)?;
        jeu.categorielle("a")?;
        jeu.categorielle("b")?;
        let d = jeu.numerique("d")?.into_owned();
        Ok((jeu, d))
    })?;
    let marges = Marges::lire_json(&std::fs::read_to_string(dir.join("margins.json"))?)?;
    let options = Options {
        poids_initiaux: PoidsInitiaux::Valeurs(d),
        tolerance: TOLERANCE,
        ..Options::default()
    };
    eprintln!("raking and linear calibration ({} runs each)", args.runs);
    let (raking, cal_raking) = mesurer(args.runs, || {
        Ok(calibrer(&jeu, &marges, Methode::Raking, &options)?)
    })?;
    let (linear, cal_linear) = mesurer(args.runs, || {
        Ok(calibrer(&jeu, &marges, Methode::Lineaire, &options)?)
    })?;
    let id = jeu.categorielle("id")?;
    let ids: Vec<&str> = id
        .codes
        .iter()
        .map(|&k| &id.modalites[k as usize])
        .collect();

    let mut r = Autre::default();
    if args.skip_r {
        r.absent = Some("skipped (--skip-r)".into());
    } else if Command::new("Rscript").arg("--version").output().is_err() {
        r.absent = Some("Rscript not found: install r-base-core r-cran-survey".into());
    } else {
        eprintln!("R survey::calibrate (this takes a while)");
        let script = dir.join("bench_survey.R");
        std::fs::write(&script, SCRIPT_R)?;
        match lancer(
            Command::new("Rscript")
                .arg(&script)
                .arg(&data)
                .arg(dir.join("margins_long.csv"))
                .arg(&dir)
                .arg(format!("{TOLERANCE:e}"))
                .arg(args.other_runs.max(1).to_string())
                .env("OMP_NUM_THREADS", "1")
                .env("OPENBLAS_NUM_THREADS", "1"),
        ) {
            Ok(m) => {
                r.load_ms = valeur(&m, "load_s");
                r.raking_ms = valeur(&m, "raking_s");
                r.linear_ms = valeur(&m, "linear_s");
                let f = dir.join("weights_r.csv");
                r.ecart_raking = Some(ecart(&f, "raking", &ids, &cal_raking.poids, false)?);
                r.ecart_linear = Some(ecart(&f, "linear", &ids, &cal_linear.poids, false)?);
            }
            Err(e) => r.absent = Some(format!("{e:#}")),
        }
    }

    let mut py = Autre::default();
    let python = args.venv.join("bin/python");
    if args.skip_python {
        py.absent = Some("skipped (--skip-python)".into());
    } else if !python.exists() {
        py.absent = Some(format!(
            "no venv at {}: python3 -m venv {0} && {0}/bin/pip install weightipy",
            args.venv.display()
        ));
    } else {
        eprintln!("weightipy");
        let script = dir.join("bench_weightipy.py");
        std::fs::write(&script, SCRIPT_PY)?;
        match lancer(
            Command::new(&python)
                .arg(&script)
                .arg(&data)
                .arg(dir.join("margins.json"))
                .arg(&dir)
                .arg(args.other_runs.max(1).to_string())
                .env("OMP_NUM_THREADS", "1")
                .env("OPENBLAS_NUM_THREADS", "1"),
        ) {
            Ok(m) => {
                py.load_ms = valeur(&m, "load_s");
                py.raking_ms = valeur(&m, "raking_s");
                // weightipy starts from unit weights: compare with our raking from unit weights.
                let unite = calibrer(
                    &jeu,
                    &marges,
                    Methode::Raking,
                    &Options {
                        poids_initiaux: PoidsInitiaux::Uniformes,
                        tolerance: TOLERANCE,
                        ..Options::default()
                    },
                )?;
                py.ecart_raking = Some(ecart(
                    &dir.join("weights_weightipy.csv"),
                    "weights",
                    &ids,
                    &unite.poids,
                    true,
                )?);
            }
            Err(e) => py.absent = Some(format!("{e:#}")),
        }
    }

    let rapport = Rapport {
        rows: args.rows,
        cells: cal_raking.diagnostics.cellules,
        release_build: !cfg!(debug_assertions),
        load_average_before: charge_avant.trim().to_string(),
        load_average_after: std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
            .to_string(),
        load,
        raking,
        raking_iterations: cal_raking.diagnostics.iterations,
        linear,
        r,
        weightipy: py,
    };
    print!("{}", markdown(&rapport));
    if let Some(f) = &args.out_json {
        std::fs::write(f, serde_json::to_string_pretty(&rapport)?)?;
    }
    Ok(())
}

fn markdown(r: &Rapport) -> String {
    let mut s = String::new();
    if !r.release_build {
        let _ = writeln!(s, "> **Debug build: these figures mean nothing.**\n");
    }
    let _ = writeln!(
        s,
        "{} respondents, margins of 9 and 13 categories ({} cells), unequal design weights; \
         convergence when every |gap| / (1 + total) < {TOLERANCE:e} (R with the same `epsilon`). \
         Single-threaded, data already loaded. Load average before: {}; after: {}.\n",
        r.rows, r.cells, r.load_average_before, r.load_average_after
    );
    let _ = writeln!(
        s,
        "| step | Alliances median | p90 | min | runs | target | R survey | ratio | weightipy | ratio |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
    let ligne =
        |s: &mut String, nom: &str, st: &Stats, cible: &str, r: Option<f64>, py: Option<f64>| {
            let _ = writeln!(
                s,
                "| {nom} | {:.1} ms | {:.1} ms | {:.1} ms | {} | {cible} | {} | {} | {} | {} |",
                st.median_ms,
                st.p90_ms,
                st.min_ms,
                st.runs,
                ms(r),
                ratio(r, st.median_ms),
                ms(py),
                ratio(py, st.median_ms)
            );
        };
    ligne(
        &mut s,
        "load the CSV (+ type a, b, d)",
        &r.load,
        "well under R",
        r.r.load_ms,
        r.weightipy.load_ms,
    );
    ligne(
        &mut s,
        &format!("raking ({} iterations)", r.raking_iterations),
        &r.raking,
        &format!("≤ {TARGET_MS} ms"),
        r.r.raking_ms,
        r.weightipy.raking_ms,
    );
    ligne(
        &mut s,
        "linear",
        &r.linear,
        &format!("≤ {TARGET_MS} ms"),
        r.r.linear_ms,
        None,
    );
    let _ = writeln!(s);
    let ok = |v: f64| if v <= TARGET_MS { "met" } else { "MISSED" };
    let _ = writeln!(
        s,
        "Targets: raking {} ({:.1} ms), linear {} ({:.1} ms).",
        ok(r.raking.median_ms),
        r.raking.median_ms,
        ok(r.linear.median_ms),
        r.linear.median_ms
    );
    let ecart = |v: Option<f64>| v.map_or_else(|| "—".into(), |x| format!("{x:.1e}"));
    match &r.r.absent {
        Some(m) => {
            let _ = writeln!(s, "\nR: not measured — {m}");
        }
        None => {
            let _ = writeln!(
                s,
                "\nAgreement with R's weights (largest relative gap over all respondents): raking {}, linear {}.",
                ecart(r.r.ecart_raking),
                ecart(r.r.ecart_linear)
            );
        }
    }
    match &r.weightipy.absent {
        Some(m) => {
            let _ = writeln!(s, "\nweightipy: not measured — {m}");
        }
        None => {
            let _ = writeln!(
                s,
                "\nAgreement with weightipy (unit starting weights, its default convergence criterion; weights scaled to the same total): {}.",
                ecart(r.weightipy.ecart_raking)
            );
        }
    }
    s
}
