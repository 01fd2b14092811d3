//! `alliances observatoire calibrate|estimate`: the Observatoire's statistical core
//! (`alliances-calage`) for analysts and for reproducibility, on files.
//!
//! - `calibrate` reads a survey CSV and a margins file, calibrates, writes `id,weight,g`
//!   (nothing is written when calibration fails) and prints the diagnostics on stderr (or as
//!   JSON with `--report`).
//! - `estimate` joins the weights to the data by id and prints estimates with their standard
//!   error, 95 % interval, n and effective n; cells under the threshold are suppressed.
//!
//! Exit codes: 0 success, 1 bad input (the message names the line, column, margin or category
//! at fault), 2 usage error.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use alliances_calage::{
    calibrer, estimer, Calage, Convention, Jeu, Marges, Methode, ModeleCalage, Nature, Options,
    PoidsInitiaux, Ponderation, Requete, SEUIL_PUBLICATION,
};
use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MethodeArg {
    /// Linear (GREG): may give negative weights.
    Linear,
    /// Raking ratio.
    Raking,
    /// Logit, ratios g = w/d inside the bounds (needs --bounds).
    Logit,
    /// Truncated linear, ratios in the bounds (needs --bounds).
    Truncated,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ConventionArg {
    /// Weights treated as fixed.
    Fixed,
    /// Linearisation of the calibrated estimator (needs --margins).
    Calibrated,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum NatureArg {
    /// Mean if every value is a number (a 0/1 variable gives the share of 1), else proportions.
    Auto,
    /// The share of each category.
    Proportion,
    /// The mean of a numeric variable.
    Mean,
}

/// `L,U` with `L < 1 < U`.
fn bornes(texte: &str) -> Result<(f64, f64), String> {
    let (l, u) = texte
        .split_once(',')
        .ok_or_else(|| format!("« {texte} »: expected L,U (e.g. 0.5,2)"))?;
    let l: f64 = l
        .trim()
        .parse()
        .map_err(|_| format!("« {l} » is not a number"))?;
    let u: f64 = u
        .trim()
        .parse()
        .map_err(|_| format!("« {u} » is not a number"))?;
    if !(l.is_finite() && u.is_finite() && l < u) {
        return Err(format!("« {texte} »: expected L < U"));
    }
    Ok((l, u))
}

#[derive(Subcommand)]
pub enum ObservatoireCommand {
    /// Calibrates survey weights on population margins (« calage sur marges »). Writes
    /// WEIGHTS.csv (the id column, `weight`, and `g` = weight / design weight); nothing is
    /// written when calibration fails (uncovered categories, disagreeing totals, infeasible
    /// bounds, non-convergence…).
    Calibrate {
        /// The respondents (CSV with a header; `,`, `;` or tab).
        #[arg(long, value_name = "FILE.csv")]
        data: PathBuf,
        /// `{"population": N, "margins": {"VARIABLE": {"CATEGORY": total, …}, …}}`; a
        /// VARIABLE is a column of the data (for a crossing, the data carries the crossed column).
        #[arg(long, value_name = "MARGINS.json")]
        margins: PathBuf,
        #[arg(long, value_enum)]
        method: MethodeArg,
        /// Bounds L,U on g = w/d (logit and truncated), L < 1 < U.
        #[arg(long, value_name = "L,U", value_parser = bornes)]
        bounds: Option<(f64, f64)>,
        /// Column of design weights (default: all 1).
        #[arg(long, value_name = "COL")]
        weight_col: Option<String>,
        /// Column of respondent ids (must be unique).
        #[arg(long, value_name = "COL", default_value = "id")]
        id_col: String,
        /// Trims g to L,U after calibration, the cut spread over the other respondents.
        #[arg(long, value_name = "L,U", value_parser = bornes)]
        trim: Option<(f64, f64)>,
        /// Convergence: every |gap| / (1 + |total|) below this.
        #[arg(long, default_value_t = 1e-10)]
        tolerance: f64,
        #[arg(long, default_value_t = 100)]
        max_iter: usize,
        /// The weights file to write.
        #[arg(long, value_name = "WEIGHTS.csv")]
        out: PathBuf,
        /// Also writes the diagnostics as JSON to this file.
        #[arg(long, value_name = "FILE.json")]
        report: Option<PathBuf>,
    },
    /// Weighted estimates with standard error, 95 % confidence interval, n and effective n,
    /// overall or by domain; cells with fewer respondents than the threshold are suppressed.
    Estimate {
        #[arg(long, value_name = "FILE.csv")]
        data: PathBuf,
        /// Weights (`calibrate --out`): the id column and `weight` (and `g`).
        #[arg(long, value_name = "WEIGHTS.csv")]
        weights: PathBuf,
        /// The variable to estimate.
        #[arg(long, value_name = "COL")]
        var: String,
        /// A domain variable: one estimate per category.
        #[arg(long, value_name = "COL")]
        by: Option<String>,
        #[arg(long, value_enum, default_value = "fixed")]
        se: ConventionArg,
        /// The margins of the calibration (needed by --se calibrated).
        #[arg(long, value_name = "MARGINS.json")]
        margins: Option<PathBuf>,
        /// Design weights column of the data, for --se calibrated when WEIGHTS.csv has no
        /// `g` column.
        #[arg(long, value_name = "COL")]
        weight_col: Option<String>,
        #[arg(long, value_name = "COL", default_value = "id")]
        id_col: String,
        #[arg(long, value_enum, default_value = "auto")]
        kind: NatureArg,
        /// Estimates on fewer respondents are suppressed.
        #[arg(long, value_name = "N", default_value_t = SEUIL_PUBLICATION)]
        threshold: usize,
        /// Prints the estimates as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: ObservatoireCommand) -> anyhow::Result<()> {
    match command {
        ObservatoireCommand::Calibrate {
            data,
            margins,
            method,
            bounds,
            weight_col,
            id_col,
            trim,
            tolerance,
            max_iter,
            out,
            report,
        } => {
            let methode = match (method, bounds) {
                (MethodeArg::Linear, None) => Methode::Lineaire,
                (MethodeArg::Raking, None) => Methode::Raking,
                (MethodeArg::Logit, Some((bas, haut))) => Methode::Logit { bas, haut },
                (MethodeArg::Truncated, Some((bas, haut))) => {
                    Methode::LineaireTronquee { bas, haut }
                }
                (MethodeArg::Logit | MethodeArg::Truncated, None) => usage(
                    "--method logit and --method truncated need --bounds L,U (L < 1 < U)",
                ),
                (MethodeArg::Linear | MethodeArg::Raking, Some(_)) => usage(
                    "--bounds applies to --method logit or truncated (linear with bounds is truncated)",
                ),
            };
            let jeu = lire_donnees(&data)?;
            jeu.identifiants(&id_col)
                .with_context(|| format!("{}", data.display()))?;
            let marges = lire_marges(&margins)?;
            let options = Options {
                poids_initiaux: weight_col.map_or(PoidsInitiaux::Uniformes, PoidsInitiaux::Colonne),
                tolerance,
                iterations_max: max_iter,
                rognage: trim,
                ..Options::default()
            };
            let calage = calibrer(&jeu, &marges, methode, &options)
                .with_context(|| "calibration failed; nothing was written".to_string())?;
            ecrire_poids(&jeu, &id_col, &calage, &out)?;
            eprint!("{}", resume_diagnostics(&calage, &out));
            if let Some(r) = report {
                let texte = serde_json::to_string_pretty(&calage.diagnostics)?;
                std::fs::write(&r, texte + "\n")
                    .with_context(|| format!("cannot write {}", r.display()))?;
            }
            Ok(())
        }
        ObservatoireCommand::Estimate {
            data,
            weights,
            var,
            by,
            se,
            margins,
            weight_col,
            id_col,
            kind,
            threshold,
            json,
        } => {
            if matches!(se, ConventionArg::Calibrated) && margins.is_none() {
                usage(
                    "--se calibrated needs --margins MARGINS.json (the margins of the calibration)",
                );
            }
            let jeu = lire_donnees(&data)?;
            let (poids, g) = joindre_poids(&jeu, &data, &id_col, &weights)?;
            let nature = match kind {
                NatureArg::Proportion => Nature::Proportions,
                NatureArg::Mean => Nature::Moyenne,
                NatureArg::Auto => {
                    if jeu
                        .est_numerique(&var)
                        .with_context(|| format!("{}", data.display()))?
                    {
                        Nature::Moyenne
                    } else {
                        Nature::Proportions
                    }
                }
            };
            let modele = match (&margins, se) {
                (Some(m), ConventionArg::Calibrated) => {
                    let marges = lire_marges(m)?;
                    let d: Vec<f64> = match (&g, &weight_col) {
                        (Some(g), _) => poids.iter().zip(g).map(|(w, g)| w / g).collect(),
                        (None, Some(c)) => jeu
                            .numerique(c)
                            .with_context(|| format!("{}", data.display()))?
                            .into_owned(),
                        (None, None) => bail!(
                            "{} has no g column: give the design weights with --weight-col for --se calibrated",
                            weights.display()
                        ),
                    };
                    Some(
                        ModeleCalage::new(&jeu, &marges, d)
                            .with_context(|| format!("margins {}", m.display()))?,
                    )
                }
                _ => None,
            };
            let convention = match se {
                ConventionArg::Fixed => Convention::PoidsFixes,
                ConventionArg::Calibrated => Convention::Calee,
            };
            let requete = Requete {
                variable: &var,
                nature,
                domaine: by.as_deref(),
                convention,
                seuil: threshold,
            };
            let ponderation = Ponderation {
                poids: &poids,
                modele: modele.as_ref(),
            };
            let resultats = estimer(&jeu, &ponderation, &requete)
                .with_context(|| format!("{}", data.display()))?;
            let texte = if json {
                serde_json::to_string_pretty(&serde_json::json!({
                        "variable": var,
                        "nature": nature,
                        "domaine": by,
                        "convention": convention,
                        "seuil": threshold,
                        "resultats": resultats,
                }))? + "\n"
            } else {
                tableau(&var, by.as_deref(), se, threshold, &resultats)
            };
            // A closed pipe (`| head`) is not an error.
            let mut sortie = std::io::stdout().lock();
            match sortie
                .write_all(texte.as_bytes())
                .and_then(|_| sortie.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
}

/// A usage error: clap's format and exit code 2.
fn usage(message: &str) -> ! {
    clap::Error::raw(
        clap::error::ErrorKind::ArgumentConflict,
        format!("{message}\n"),
    )
    .exit()
}

fn lire_donnees(chemin: &Path) -> anyhow::Result<Jeu> {
    let octets =
        std::fs::read(chemin).with_context(|| format!("cannot read {}", chemin.display()))?;
    Jeu::lire_csv(&octets).with_context(|| format!("{}", chemin.display()))
}

fn lire_marges(chemin: &Path) -> anyhow::Result<Marges> {
    let texte = std::fs::read_to_string(chemin)
        .with_context(|| format!("cannot read {}", chemin.display()))?;
    Marges::lire_json(&texte).with_context(|| format!("{}", chemin.display()))
}

/// Writes `id,weight,g` through a temporary file renamed at the end: a reader never sees a
/// half-written file.
fn ecrire_poids(jeu: &Jeu, id_col: &str, calage: &Calage, out: &Path) -> anyhow::Result<()> {
    let ids = jeu.identifiants(id_col)?;
    let dossier = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dossier)
        .with_context(|| format!("cannot write into {}", dossier.display()))?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        writeln!(w, "{},weight,g", champ_csv(id_col))?;
        for (i, &k) in ids.codes.iter().enumerate() {
            writeln!(
                w,
                "{},{},{}",
                champ_csv(&ids.modalites[k as usize]),
                calage.poids[i],
                calage.g[i]
            )?;
        }
        w.flush()?;
    }
    tmp.persist(out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

fn champ_csv(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn resume_diagnostics(c: &Calage, out: &Path) -> String {
    let d = &c.diagnostics;
    let mut s = String::new();
    let bornes = d
        .bornes
        .map(|(l, u)| format!(" [{l}, {u}]"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "calibration {}{bornes}: converged in {} iterations, {} respondents in {} cells → {}",
        d.methode,
        d.iterations,
        d.n,
        d.cellules,
        out.display()
    );
    let _ = writeln!(
        s,
        "  largest relative gap to a margin: {:.2e}",
        d.ecart_relatif_max
    );
    for e in &d.ecarts {
        let _ = writeln!(
            s,
            "    {}: {:.2e} (category « {} »)",
            e.variable, e.ecart_relatif, e.modalite
        );
    }
    let _ = writeln!(
        s,
        "  g = w/d in [{:.4}, {:.4}]; weights in [{:.4}, {:.4}], total {:.4}",
        d.g_min, d.g_max, d.poids_min, d.poids_max, d.somme_poids
    );
    let _ = writeln!(
        s,
        "  Kish effective sample size {:.1} (design effect {:.3})",
        d.n_effectif, d.effet_plan
    );
    for a in &d.avertissements {
        let _ = writeln!(s, "  warning: {a}");
    }
    s
}

/// Reads WEIGHTS.csv and puts its weights (and g) in the data's row order.
fn joindre_poids(
    jeu: &Jeu,
    data: &Path,
    id_col: &str,
    chemin: &Path,
) -> anyhow::Result<(Vec<f64>, Option<Vec<f64>>)> {
    let fichier = lire_donnees(chemin)?;
    let ctx = || format!("{}", chemin.display());
    let ids_poids = fichier.identifiants(id_col).with_context(ctx)?;
    let w = fichier.numerique("weight").with_context(ctx)?;
    if let Some(i) = w.iter().position(|x| x.is_nan()) {
        bail!(
            "{}: line {}: missing weight",
            chemin.display(),
            fichier.ligne(i)
        );
    }
    let g = if fichier.noms().iter().any(|n| n == "g") {
        Some(fichier.numerique("g").with_context(ctx)?.into_owned())
    } else {
        None
    };
    let ids = jeu
        .identifiants(id_col)
        .with_context(|| format!("{}", data.display()))?;
    let position: HashMap<&str, usize> = ids_poids
        .codes
        .iter()
        .enumerate()
        .map(|(i, &k)| (&ids_poids.modalites[k as usize], i))
        .collect();
    let mut poids = Vec::with_capacity(jeu.n());
    let mut gs = Vec::with_capacity(jeu.n());
    let mut absents = Vec::new();
    for (i, &k) in ids.codes.iter().enumerate() {
        match position.get(&ids.modalites[k as usize]) {
            Some(&j) => {
                poids.push(w[j]);
                if let Some(g) = &g {
                    gs.push(g[j]);
                }
            }
            None => absents.push((jeu.ligne(i), ids.modalites[k as usize].to_string())),
        }
    }
    if !absents.is_empty() {
        let liste: Vec<String> = absents
            .iter()
            .take(5)
            .map(|(l, id)| format!("« {id} » (line {l})"))
            .collect();
        bail!(
            "{} respondents of {} have no weight in {}: {}",
            absents.len(),
            data.display(),
            chemin.display(),
            liste.join(", ")
        );
    }
    if fichier.n() != jeu.n() {
        bail!(
            "{} has {} rows but {} has {}: the weights are not for this data",
            chemin.display(),
            fichier.n(),
            data.display(),
            jeu.n()
        );
    }
    Ok((poids, g.map(|_| gs)))
}

fn nombre(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.4}"))
}

fn tableau(
    var: &str,
    by: Option<&str>,
    se: ConventionArg,
    seuil: usize,
    resultats: &[alliances_calage::Estimation],
) -> String {
    let mut s = String::new();
    let convention = match se {
        ConventionArg::Fixed => "weights fixed",
        ConventionArg::Calibrated => "calibrated (linearisation)",
    };
    let _ = writeln!(
        s,
        "{var}{}: standard errors {convention}; cells with n < {seuil} suppressed",
        by.map(|b| format!(" by {b}")).unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "{:<20} {:<20} {:>10} {:>10} {:>22} {:>7} {:>9}",
        "domain", "category", "estimate", "se", "95 % ci", "n", "n eff."
    );
    for e in resultats {
        let ic = match (e.ic95_bas, e.ic95_haut) {
            (Some(a), Some(b)) => format!("[{a:.4}, {b:.4}]"),
            _ => "—".to_string(),
        };
        let _ = writeln!(
            s,
            "{:<20} {:<20} {:>10} {:>10} {:>22} {:>7} {:>9.1}{}",
            e.domaine.as_deref().unwrap_or("(all)"),
            e.modalite.as_deref().unwrap_or("(mean)"),
            nombre(e.estimation),
            nombre(e.erreur_type),
            ic,
            e.n,
            e.n_effectif,
            if e.supprimee { "  suppressed" } else { "" }
        );
    }
    s
}
