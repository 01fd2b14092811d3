//! Weighted estimates: proportions (one per category of a categorical variable) and means of
//! numeric variables, overall and by domain, with standard errors.
//!
//! In a domain `D` (all respondents when there is none), over the respondents `S ⊂ D` whose
//! value `y_k` is not missing: `Ŵ = Σ_S w_k`, the estimate `ŷ = Σ_S w_k y_k / Ŵ` (a proportion
//! is the mean of the indicator of its category), and the linearised scores
//! `z_k = w_k (y_k − ŷ) / Ŵ` on `S`, 0 elsewhere. The variance is the with-replacement
//! one-stage estimator `V = m/(m−1) Σ (z_k − z̄)²` over the `m` rows of the whole sample, under
//! two conventions:
//!
//! - **weights fixed** ([`Convention::PoidsFixes`]): the weights are taken as given design
//!   weights; `m` is the whole sample (the domain is a subpopulation whose size is random;
//!   respondents without a value count as out of the domain). This is R's `svymean`/`svyby` on
//!   `svydesign(ids = ~1, weights = ~w)`.
//! - **calibrated** ([`Convention::Calee`]): the linearisation of the calibration estimator
//!   (Deville & Särndal 1992): the scores are replaced by their residuals on the calibration
//!   variables, `e_k = z_k − w_k x_k'B` with `B = (Σ_k d_k x_k x_k')⁻¹ Σ_k d_k x_k (z_k / w_k)`,
//!   the design-weighted regression of `z / w` on `x` (out of the domain `z_k = 0` but the
//!   residual is not). This is R's `svymean`/`svyby` on the design returned by `calibrate`. It
//!   is smaller than the fixed convention when the variable is related to the margins (zero
//!   for the share of a category of a margin, which calibration fixes).
//!
//! The 95 % interval is `ŷ ± 1.959964 SE` (normal, not clipped to [0, 1]). The unweighted `n`
//! and Kish's effective `n` of `S` come with every estimate; an estimate with `n` below the
//! publication threshold (default [`SEUIL_PUBLICATION`] = 30) is suppressed: its figures are
//! `None` and `supprimee` is true.

use serde::Serialize;

use crate::algebre::Cholesky;
use crate::diagnostics::n_effectif;
use crate::donnees::{ErreurDonnees, Jeu, MANQUANT};
use crate::marges::ModeleCalage;

/// Default publication threshold: estimates on fewer respondents are suppressed.
pub const SEUIL_PUBLICATION: usize = 30;

/// `qnorm(0.975)`.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// What is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    /// The share of each category of a categorical variable.
    Proportions,
    /// The mean of a numeric variable (for a 0/1 variable, the share of 1).
    Moyenne,
}

/// The variance convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Convention {
    PoidsFixes,
    Calee,
}

/// The weights, and for the calibrated convention the calibration model (margins checked
/// against the data, design weights).
#[derive(Debug, Clone, Copy)]
pub struct Ponderation<'a> {
    pub poids: &'a [f64],
    pub modele: Option<&'a ModeleCalage>,
}

/// One estimation request.
#[derive(Debug, Clone)]
pub struct Requete<'a> {
    pub variable: &'a str,
    pub nature: Nature,
    /// A categorical column: one estimate per domain.
    pub domaine: Option<&'a str>,
    pub convention: Convention,
    /// Publication threshold on the unweighted n.
    pub seuil: usize,
}

impl<'a> Requete<'a> {
    /// A request with the default threshold, overall, weights fixed.
    pub fn new(variable: &'a str, nature: Nature) -> Self {
        Requete {
            variable,
            nature,
            domaine: None,
            convention: Convention::PoidsFixes,
            seuil: SEUIL_PUBLICATION,
        }
    }
}

/// One estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimation {
    /// The domain's category (`None` overall).
    pub domaine: Option<String>,
    /// The variable's category for a proportion (`None` for a mean).
    pub modalite: Option<String>,
    /// Respondents with a value in the domain.
    pub n: usize,
    pub n_effectif: f64,
    pub supprimee: bool,
    pub estimation: Option<f64>,
    pub erreur_type: Option<f64>,
    pub ic95_bas: Option<f64>,
    pub ic95_haut: Option<f64>,
}

/// Why an estimate could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErreurEstimation {
    #[error(transparent)]
    Donnees(#[from] ErreurDonnees),
    #[error("weights: {0}")]
    Poids(String),
    #[error("the calibrated convention needs the calibration model (the margins and the design weights)")]
    ModeleManquant,
}

/// Estimates `requete` on `jeu` with `ponderation`: for proportions, one estimate per
/// (domain, category); for a mean, one per domain. Domains and categories in sorted order.
pub fn estimer(
    jeu: &Jeu,
    ponderation: &Ponderation<'_>,
    requete: &Requete<'_>,
) -> Result<Vec<Estimation>, ErreurEstimation> {
    let n = jeu.n();
    let w = ponderation.poids;
    if w.len() != n {
        return Err(ErreurEstimation::Poids(format!(
            "{} weights for {n} rows",
            w.len()
        )));
    }
    if let Some(i) = w.iter().position(|x| !x.is_finite()) {
        return Err(ErreurEstimation::Poids(format!(
            "line {}: the weight is not a finite number",
            jeu.ligne(i)
        )));
    }
    let modele = match requete.convention {
        Convention::PoidsFixes => None,
        Convention::Calee => {
            let m = ponderation.modele.ok_or(ErreurEstimation::ModeleManquant)?;
            if m.n() != n {
                return Err(ErreurEstimation::Poids(format!(
                    "the calibration model has {} rows, the data {n}",
                    m.n()
                )));
            }
            Some(Calee::new(m))
        }
    };
    // Domains: (label, filter on the domain column's codes) sorted by label.
    let domaines: Vec<(Option<String>, Option<Filtre<'_>>)> = match requete.domaine {
        None => vec![(None, None)],
        Some(nom) => {
            let col = jeu.categorielle(nom)?;
            let mut v: Vec<(usize, &str)> = col.modalites.iter().enumerate().collect();
            v.sort_by(|a, b| a.1.cmp(b.1));
            v.into_iter()
                .map(|(k, m)| (Some(m.to_string()), Some((col.codes.as_slice(), k as u32))))
                .collect()
        }
    };
    // Targets: (category label, y per row with NaN where missing).
    let cibles: Vec<(Option<String>, Vec<f64>)> = match requete.nature {
        Nature::Moyenne => vec![(None, jeu.numerique(requete.variable)?.into_owned())],
        Nature::Proportions => {
            let col = jeu.categorielle(requete.variable)?;
            let mut v: Vec<(usize, &str)> = col.modalites.iter().enumerate().collect();
            v.sort_by(|a, b| a.1.cmp(b.1));
            v.into_iter()
                .map(|(k, m)| {
                    let y = col
                        .codes
                        .iter()
                        .map(|&c| {
                            if c == MANQUANT {
                                f64::NAN
                            } else if c == k as u32 {
                                1.0
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    (Some(m.to_string()), y)
                })
                .collect()
        }
    };
    let mut sortie = Vec::new();
    for (domaine, filtre) in &domaines {
        let dans = |i: usize| filtre.is_none_or(|(codes, k)| codes[i] == k);
        for (modalite, y) in &cibles {
            let s: Vec<usize> = (0..n).filter(|&i| dans(i) && !y[i].is_nan()).collect();
            let nd = s.len();
            let n_eff = n_effectif(s.iter().map(|&i| w[i]));
            let mut e = Estimation {
                domaine: domaine.clone(),
                modalite: modalite.clone(),
                n: nd,
                n_effectif: n_eff,
                supprimee: nd < requete.seuil.max(1),
                estimation: None,
                erreur_type: None,
                ic95_bas: None,
                ic95_haut: None,
            };
            let somme: f64 = s.iter().map(|&i| w[i]).sum();
            if !e.supprimee && somme != 0.0 {
                let moyenne = s.iter().map(|&i| w[i] * y[i]).sum::<f64>() / somme;
                let variance = match &modele {
                    None => variance_fixe(&s, n, w, y, moyenne, somme),
                    Some(c) => c.variance(&s, w, y, moyenne, somme),
                };
                e.estimation = Some(moyenne);
                if let Some(v) = variance {
                    let se = v.max(0.0).sqrt();
                    e.erreur_type = Some(se);
                    e.ic95_bas = Some(moyenne - Z_95 * se);
                    e.ic95_haut = Some(moyenne + Z_95 * se);
                }
            }
            sortie.push(e);
        }
    }
    Ok(sortie)
}

/// A domain: the codes of the domain column and the code of the domain.
type Filtre<'a> = (&'a [u32], u32);

/// `m/(m−1) Σ (z_k − z̄)²` over the `m` rows of the sample, with `z_k = w_k (y_k − ŷ)/Ŵ` on
/// `S` and 0 elsewhere.
fn variance_fixe(
    s: &[usize],
    m: usize,
    w: &[f64],
    y: &[f64],
    moyenne: f64,
    somme: f64,
) -> Option<f64> {
    if m < 2 {
        return None;
    }
    let mut z: Vec<f64> = s.iter().map(|&i| w[i] * (y[i] - moyenne) / somme).collect();
    z.resize(m, 0.0);
    Some(variance_centree(&z, m))
}

fn variance_centree(z: &[f64], m: usize) -> f64 {
    let moyenne = z.iter().sum::<f64>() / m as f64;
    let ss: f64 = z.iter().map(|v| (v - moyenne) * (v - moyenne)).sum();
    ss * m as f64 / (m as f64 - 1.0)
}

/// The calibrated convention: the factorised `Σ d x x'` of the model.
struct Calee<'a> {
    modele: &'a ModeleCalage,
    normale: Cholesky,
}

impl<'a> Calee<'a> {
    fn new(modele: &'a ModeleCalage) -> Self {
        let normale = Cholesky::new(&modele.matrice(&modele.d_cellule), modele.p);
        Calee { modele, normale }
    }

    fn variance(&self, s: &[usize], w: &[f64], y: &[f64], moyenne: f64, somme: f64) -> Option<f64> {
        let m = self.modele;
        let n = m.n();
        if n < 2 {
            return None;
        }
        // z on S, 0 elsewhere; z / w = (y − ŷ)/Ŵ, so Σ d x (z/w) = Σ_S d x (y − ŷ)/Ŵ.
        let mut z = vec![0.0; n];
        let mut dzw = vec![0.0; n];
        for &i in s {
            let r = (y[i] - moyenne) / somme;
            z[i] = w[i] * r;
            dzw[i] = m.d[i] * r;
        }
        let b = self.normale.resoudre(&m.totaux_par_parametre(&dzw));
        let ajuste: Vec<f64> = (0..m.nombre_cellules())
            .map(|c| m.parametres(c).iter().map(|&j| b[j as usize]).sum())
            .collect();
        for (i, zi) in z.iter_mut().enumerate() {
            *zi -= w[i] * ajuste[m.cellules[i] as usize];
        }
        Some(variance_centree(&z, n))
    }
}
