//! What an analyst checks after a calibration.
//!
//! - iterations of the Newton iteration;
//! - per margin, the largest relative gap `|Σ_{k∈c} w_k − T_c| / T_c` over its categories,
//!   computed from the final weights row by row (after trimming, if any);
//! - the range of `g = w/d` and of `w`; the number of negative weights (possible with the
//!   linear method) and of ratios outside [`crate::Options::g_extremes`], each with a warning;
//! - Kish's effective sample size `n_eff = (Σ w)² / Σ w²` and design effect due to weighting
//!   `deff = n / n_eff = n Σ w² / (Σ w)²` (1 for equal weights).

use serde::Serialize;

use crate::calage::Options;
use crate::marges::ModeleCalage;
use crate::methodes::Methode;

/// The gap to one margin.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EcartMarge {
    pub variable: String,
    /// Category with the largest relative gap.
    pub modalite: String,
    pub ecart_relatif: f64,
}

/// Diagnostics of a calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostics {
    pub methode: &'static str,
    pub bornes: Option<(f64, f64)>,
    pub iterations: usize,
    pub n: usize,
    pub cellules: usize,
    pub ecart_relatif_max: f64,
    pub ecarts: Vec<EcartMarge>,
    pub g_min: f64,
    pub g_max: f64,
    pub poids_min: f64,
    pub poids_max: f64,
    pub somme_poids: f64,
    pub poids_negatifs: usize,
    pub g_extremes: usize,
    pub rognes: usize,
    pub n_effectif: f64,
    pub effet_plan: f64,
    pub avertissements: Vec<String>,
}

/// Kish's effective sample size `(Σ w)² / Σ w²`.
pub fn n_effectif(poids: impl IntoIterator<Item = f64>) -> f64 {
    let (s, s2) = poids
        .into_iter()
        .fold((0.0, 0.0), |(s, s2), w| (s + w, s2 + w * w));
    if s2 > 0.0 {
        s * s / s2
    } else {
        0.0
    }
}

impl Diagnostics {
    pub(crate) fn calculer(
        modele: &ModeleCalage,
        methode: Methode,
        poids: &[f64],
        g: &[f64],
        iterations: usize,
        rognes: usize,
        options: &Options,
    ) -> Self {
        let atteint = modele.totaux_par_parametre(poids);
        let mut ecarts = Vec::new();
        let mut ecart_relatif_max = 0.0f64;
        for v in &modele.variables {
            let mut pire = (String::new(), -1.0f64);
            for (i, (c, t)) in v.modalites.iter().zip(&v.totaux).enumerate() {
                let e = ((atteint[v.debut + i] - t) / t).abs();
                if e > pire.1 {
                    pire = (c.clone(), e);
                }
            }
            ecart_relatif_max = ecart_relatif_max.max(pire.1);
            ecarts.push(EcartMarge {
                variable: v.nom.clone(),
                modalite: pire.0,
                ecart_relatif: pire.1,
            });
        }
        let min_max = |v: &[f64]| {
            v.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                })
        };
        let (g_min, g_max) = min_max(g);
        let (poids_min, poids_max) = min_max(poids);
        let poids_negatifs = poids.iter().filter(|w| **w < 0.0).count();
        let (lo, hi) = options.g_extremes;
        let g_extremes = g.iter().filter(|g| **g < lo || **g > hi).count();
        let n = poids.len();
        let n_eff = n_effectif(poids.iter().copied());
        let mut avertissements = Vec::new();
        if poids_negatifs > 0 {
            avertissements.push(format!(
                "{poids_negatifs} negative weights (smallest {poids_min:.4}): use raking, logit or truncated linear calibration"
            ));
        }
        if g_extremes > 0 {
            avertissements.push(format!(
                "{g_extremes} ratios g = w/d outside [{lo}, {hi}] (range {g_min:.4} – {g_max:.4}): consider bounds or trimming"
            ));
        }
        if rognes > 0 {
            avertissements.push(format!(
                "{rognes} ratios trimmed: the margins are matched up to a relative gap of {ecart_relatif_max:.2e}"
            ));
        }
        Diagnostics {
            methode: methode.nom(),
            bornes: methode.bornes(),
            iterations,
            n,
            cellules: modele.nombre_cellules(),
            ecart_relatif_max,
            ecarts,
            g_min,
            g_max,
            poids_min,
            poids_max,
            somme_poids: poids.iter().sum(),
            poids_negatifs,
            g_extremes,
            rognes,
            n_effectif: n_eff,
            effet_plan: if n_eff > 0.0 {
                n as f64 / n_eff
            } else {
                f64::NAN
            },
            avertissements,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kish_for_equal_and_unequal_weights() {
        assert!((super::n_effectif([2.0; 10]) - 10.0).abs() < 1e-12);
        // (1 + 3)² / (1 + 9) = 1.6
        assert!((super::n_effectif([1.0, 3.0]) - 1.6).abs() < 1e-12);
    }
}
