//! Calibration: final weights `w_k = d_k g_k` that reproduce the margins.
//!
//! **Newton iteration.** With `u_k = x_k'λ` and `g_k = F(u_k)` ([`Methode::f`]), the gap to
//! the margins is `r(λ) = T − Σ_k d_k F(u_k) x_k`. Newton's step solves
//! `(Σ_k d_k F'(u_k) x_k x_k') δ = r(λ)` and sets `λ ← λ + t δ`, starting from `λ = 0`
//! (`g = 1`). The step is the full one (`t = 1`, as in R's `grake`) unless it fails to decrease
//! the convex dual `Ψ(λ) = Σ_k d_k Φ(u_k) − λ'T` and the largest gap; then it is halved (up to
//! 60 times). Collinear margins make the matrix singular: it is solved with a pivoted Cholesky
//! factorisation ([`crate::algebre`]), which is enough because the gap stays in its range.
//! Linear calibration converges in one step: `g_k = 1 + x_k'(Σ d x x')⁻¹(T − Σ d x)`.
//!
//! **On cells.** `x_k` only depends on the cell of the cross-classification of the margins, so
//! every sum above runs over cells with `D_c = Σ_{k∈c} d_k`: one pass over the rows to build
//! `D_c`, a Newton iteration on a few hundred cells, one pass to write `w_k = d_k F(u_{c(k)})`.
//!
//! **Stopping.** Converged when every gap satisfies `|r_j| / (1 + |T_j|) < tolerance` (R's
//! `epsilon` criterion; default 1e-10), or when no step improves anything any more while every
//! scaled gap is below 1e-9 (a tolerance tighter than floating point allows). Otherwise, after
//! `iterations_max` iterations (default 100) or when the iteration stalls, calibration fails with
//! the gaps reached ([`ErreurCalage::NonConvergence`]): no weights are returned.
//!
//! Unlike R's `grake`, the design weights are never rescaled when they sum far below the
//! population (R does so when every `T_j / Σ d x_j` exceeds 20, and then reads the bounds
//! after rescaling): here the bounds always apply to `g = w / d`.
//!
//! **Bounds.** For logit and truncated linear, `L·D ≤ T ≤ U·D` must hold for the design total
//! `D` of each category (the average `g` of a category is `T / D`); a violation is reported as
//! [`ErreurCalage::BornesInfaisables`] before iterating. Infeasibility across margins shows up
//! as non-convergence.

use serde::Serialize;

use crate::algebre::Cholesky;
use crate::diagnostics::Diagnostics;
use crate::donnees::{ErreurDonnees, Jeu};
use crate::marges::{ErreurMarges, Marges, ModeleCalage};
use crate::methodes::Methode;

/// Where the design weights `d_k` come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PoidsInitiaux {
    /// All equal to 1.
    #[default]
    Uniformes,
    /// A numeric column of the data.
    Colonne(String),
    /// Given values, one per row.
    Valeurs(Vec<f64>),
}

/// Options of [`calibrer`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub poids_initiaux: PoidsInitiaux,
    /// Convergence: every `|gap| / (1 + |total|)` below this.
    pub tolerance: f64,
    pub iterations_max: usize,
    /// Ratios `g` outside this range are counted as extreme in the diagnostics (warning).
    pub g_extremes: (f64, f64),
    /// Trimming of `g` after calibration (see [`rogner`]).
    pub rognage: Option<(f64, f64)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            poids_initiaux: PoidsInitiaux::Uniformes,
            tolerance: 1e-10,
            iterations_max: 100,
            g_extremes: (0.2, 5.0),
            rognage: None,
        }
    }
}

/// The gap reached on one category (reported when calibration fails).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ecart {
    pub variable: String,
    pub modalite: String,
    pub cible: f64,
    pub atteint: f64,
}

/// Why calibration failed. No weights are produced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErreurCalage {
    #[error(transparent)]
    Marges(#[from] ErreurMarges),
    #[error(transparent)]
    Donnees(#[from] ErreurDonnees),
    #[error("{0}")]
    Methode(String),
    #[error("bounds [{bas}, {haut}] are infeasible: margin « {variable} », category « {modalite} » needs an average ratio g = {ratio:.6} (population total {total} over design total {design})")]
    BornesInfaisables {
        variable: String,
        modalite: String,
        total: f64,
        design: f64,
        ratio: f64,
        bas: f64,
        haut: f64,
    },
    #[error("calibration did not converge in {iterations} iterations (largest relative gap {ecart_max:.3e}); largest gaps: {}", ecarts_lisibles(.ecarts))]
    NonConvergence {
        iterations: usize,
        ecart_max: f64,
        ecarts: Vec<Ecart>,
    },
}

fn ecarts_lisibles(e: &[Ecart]) -> String {
    e.iter()
        .take(5)
        .map(|e| {
            format!(
                "{}={} target {} reached {}",
                e.variable, e.modalite, e.cible, e.atteint
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The result of a calibration.
#[derive(Debug, Clone)]
pub struct Calage {
    pub methode: Methode,
    /// Final weights `w_k`.
    pub poids: Vec<f64>,
    /// Ratios `g_k = w_k / d_k`.
    pub g: Vec<f64>,
    pub diagnostics: Diagnostics,
    /// The margins checked against the data, with the design weights (needed by the
    /// calibrated variance convention of [`crate::estimer`]).
    pub modele: ModeleCalage,
    /// Lagrange multipliers (one per category of every margin; not unique when margins are
    /// collinear).
    pub lambda: Vec<f64>,
}

/// Calibrates the design weights of `jeu` on `marges` with `methode`.
pub fn calibrer(
    jeu: &Jeu,
    marges: &Marges,
    methode: Methode,
    options: &Options,
) -> Result<Calage, ErreurCalage> {
    methode.verifier().map_err(ErreurCalage::Methode)?;
    let d = match &options.poids_initiaux {
        PoidsInitiaux::Uniformes => vec![1.0; jeu.n()],
        PoidsInitiaux::Colonne(c) => {
            let v = jeu.numerique(c)?.into_owned();
            if let Some(i) = v.iter().position(|x| x.is_nan()) {
                return Err(ErreurDonnees::ValeurManquante {
                    ligne: jeu.ligne(i),
                    colonne: c.clone(),
                }
                .into());
            }
            v
        }
        PoidsInitiaux::Valeurs(v) => v.clone(),
    };
    let modele = ModeleCalage::new(jeu, marges, d)?;
    calibrer_modele(modele, methode, options)
}

/// Calibration on an already checked model.
pub fn calibrer_modele(
    modele: ModeleCalage,
    methode: Methode,
    options: &Options,
) -> Result<Calage, ErreurCalage> {
    methode.verifier().map_err(ErreurCalage::Methode)?;
    if let Some((bas, haut)) = methode.bornes() {
        let design = modele.totaux_par_parametre(&modele.d);
        for v in &modele.variables {
            for (i, (c, t)) in v.modalites.iter().zip(&v.totaux).enumerate() {
                let dj = design[v.debut + i];
                let ratio = t / dj;
                if ratio < bas || ratio > haut {
                    return Err(ErreurCalage::BornesInfaisables {
                        variable: v.nom.clone(),
                        modalite: c.clone(),
                        total: *t,
                        design: dj,
                        ratio,
                        bas,
                        haut,
                    });
                }
            }
        }
    }
    let (lambda, iterations) = newton(&modele, methode, options)?;
    // u per cell, then the weights.
    let g_cellule: Vec<f64> = (0..modele.nombre_cellules())
        .map(|c| methode.f(predicteur(&modele, &lambda, c)))
        .collect();
    let mut g: Vec<f64> = modele
        .cellules
        .iter()
        .map(|&c| g_cellule[c as usize])
        .collect();
    let mut rognes = 0;
    if let Some((bas, haut)) = options.rognage {
        rognes = rogner(&mut g, &modele.d, bas, haut);
    }
    let poids: Vec<f64> = g.iter().zip(&modele.d).map(|(g, d)| g * d).collect();
    let diagnostics =
        Diagnostics::calculer(&modele, methode, &poids, &g, iterations, rognes, options);
    Ok(Calage {
        methode,
        poids,
        g,
        diagnostics,
        modele,
        lambda,
    })
}

#[inline]
fn predicteur(modele: &ModeleCalage, lambda: &[f64], c: usize) -> f64 {
    modele
        .parametres(c)
        .iter()
        .map(|&j| lambda[j as usize])
        .sum()
}

/// State of the iteration at some λ: gap, dual value, largest scaled gap.
struct Etat {
    ecart: Vec<f64>,
    dual: f64,
    critere: f64,
}

fn etat(modele: &ModeleCalage, methode: Methode, lambda: &[f64]) -> Option<Etat> {
    let mut atteint = vec![0.0; modele.p];
    let mut dual = 0.0;
    for (c, &dc) in modele.d_cellule.iter().enumerate() {
        let u = predicteur(modele, lambda, c);
        let f = methode.f(u);
        dual += dc * methode.primitive(u);
        for &j in modele.parametres(c) {
            atteint[j as usize] += dc * f;
        }
    }
    let mut critere = 0.0f64;
    let ecart: Vec<f64> = modele
        .totaux
        .iter()
        .zip(&atteint)
        .map(|(t, a)| {
            critere = critere.max((t - a).abs() / (1.0 + t.abs()));
            t - a
        })
        .collect();
    dual -= lambda
        .iter()
        .zip(&modele.totaux)
        .map(|(l, t)| l * t)
        .sum::<f64>();
    (dual.is_finite() && critere.is_finite()).then_some(Etat {
        ecart,
        dual,
        critere,
    })
}

fn newton(
    modele: &ModeleCalage,
    methode: Methode,
    options: &Options,
) -> Result<(Vec<f64>, usize), ErreurCalage> {
    let p = modele.p;
    let mut lambda = vec![0.0; p];
    let mut courant = etat(modele, methode, &lambda).ok_or_else(|| {
        ErreurCalage::Methode("the design weights give a non-finite starting point".into())
    })?;
    let mut iterations = 0;
    while courant.critere >= options.tolerance {
        if iterations >= options.iterations_max {
            return Err(non_convergence(modele, &courant.ecart, iterations));
        }
        iterations += 1;
        let a: Vec<f64> = (0..modele.nombre_cellules())
            .map(|c| modele.d_cellule[c] * methode.derivee(predicteur(modele, &lambda, c)))
            .collect();
        let mut delta = Cholesky::new(&modele.matrice(&a), p).resoudre(&courant.ecart);
        if delta.iter().all(|x| *x == 0.0) {
            // No curvature left (every unit at a bound of the truncated method): a scaled
            // gradient step instead.
            let design = modele.totaux_par_parametre(&modele.d);
            delta = courant
                .ecart
                .iter()
                .zip(&design)
                .map(|(e, d)| e / d.max(f64::MIN_POSITIVE))
                .collect();
        }
        let pente: f64 = -delta
            .iter()
            .zip(&courant.ecart)
            .map(|(d, e)| d * e)
            .sum::<f64>();
        let mut t = 1.0;
        let mut accepte = None;
        for _ in 0..60 {
            let essai: Vec<f64> = lambda.iter().zip(&delta).map(|(l, d)| l + t * d).collect();
            if let Some(e) = etat(modele, methode, &essai) {
                if e.dual <= courant.dual + 1e-4 * t * pente || e.critere < courant.critere {
                    accepte = Some((essai, e));
                    break;
                }
            }
            t /= 2.0;
        }
        match accepte {
            Some((l, e)) => {
                lambda = l;
                courant = e;
            }
            // No step improves anything: we are at the limit of floating point.
            None => {
                if courant.critere < options.tolerance.max(1e-9) {
                    break;
                }
                return Err(non_convergence(modele, &courant.ecart, iterations));
            }
        }
    }
    Ok((lambda, iterations))
}

fn non_convergence(modele: &ModeleCalage, ecart: &[f64], iterations: usize) -> ErreurCalage {
    let mut ecarts = Vec::new();
    let mut ecart_max = 0.0f64;
    for v in &modele.variables {
        for (i, (c, t)) in v.modalites.iter().zip(&v.totaux).enumerate() {
            let e = ecart[v.debut + i];
            ecart_max = ecart_max.max((e / t).abs());
            ecarts.push(Ecart {
                variable: v.nom.clone(),
                modalite: c.clone(),
                cible: *t,
                atteint: t - e,
            });
        }
    }
    ecarts.sort_by(|a, b| {
        let ra = ((a.atteint - a.cible) / a.cible).abs();
        let rb = ((b.atteint - b.cible) / b.cible).abs();
        rb.total_cmp(&ra)
    });
    ErreurCalage::NonConvergence {
        iterations,
        ecart_max,
        ecarts,
    }
}

/// Trims the ratios `g` to `[bas, haut]` and spreads what was cut over the other respondents,
/// keeping the total weight: with `c_k = (g_k − clamp(g_k)) d_k` cut from the trimmed units,
/// every untrimmed `g_k` gains `Σ c / Σ_{untrimmed} d`. One pass, as R's `calibrate(…, trim =)`:
/// afterwards the margins are no longer exact (the diagnostics give the gaps) and an untrimmed
/// ratio may end slightly outside the range. Returns the number of trimmed units.
pub fn rogner(g: &mut [f64], d: &[f64], bas: f64, haut: f64) -> usize {
    let mut coupe = 0.0;
    let mut d_dedans = 0.0;
    let mut n = 0;
    for (gk, dk) in g.iter().zip(d) {
        if *gk < bas || *gk > haut {
            coupe += (gk - gk.clamp(bas, haut)) * dk;
            n += 1;
        } else {
            d_dedans += dk;
        }
    }
    if n == 0 || d_dedans == 0.0 {
        return 0;
    }
    let ajout = coupe / d_dedans;
    for gk in g.iter_mut() {
        if *gk < bas || *gk > haut {
            *gk = gk.clamp(bas, haut);
        } else {
            *gk += ajout;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jeu() -> Jeu {
        let mut j = Jeu::vide(8);
        j.ajouter_textes("a", &["x", "y", "x", "y", "x", "x", "y", "x"].map(Some))
            .unwrap();
        j.ajouter_textes("b", &["1", "1", "2", "2", "1", "2", "2", "1"].map(Some))
            .unwrap();
        j
    }

    fn marges() -> Marges {
        Marges::lire_json(
            r#"{"population": 100, "margins": {"a": {"x": 55, "y": 45}, "b": {"1": 40, "2": 60}}}"#,
        )
        .unwrap()
    }

    #[test]
    fn every_method_reproduces_the_margins() {
        for m in [
            Methode::Lineaire,
            Methode::Raking,
            Methode::Logit {
                bas: 0.5,
                haut: 30.0,
            },
            Methode::LineaireTronquee {
                bas: 0.5,
                haut: 30.0,
            },
        ] {
            let c = calibrer(&jeu(), &marges(), m, &Options::default()).unwrap();
            let t = c.modele.totaux_par_parametre(&c.poids);
            for (a, b) in t.iter().zip([55.0, 45.0, 40.0, 60.0]) {
                assert!((a - b).abs() < 1e-8, "{m:?}: {t:?}");
            }
        }
    }

    #[test]
    fn overlapping_margins_a_variable_and_its_crossing() {
        // `a` and the crossing `a × b` together: collinear calibration variables.
        let mut j = jeu();
        let a = j.categorielle("a").unwrap().clone();
        let b = j.categorielle("b").unwrap().clone();
        let ab: Vec<Option<String>> = a
            .codes
            .iter()
            .zip(&b.codes)
            .map(|(&x, &y)| {
                Some(format!(
                    "{}|{}",
                    &a.modalites[x as usize], &b.modalites[y as usize]
                ))
            })
            .collect();
        j.ajouter_textes("ab", &ab).unwrap();
        let marges = Marges::lire_json(
            r#"{"population": 100, "margins": {"a": {"x": 55, "y": 45},
                "ab": {"x|1": 20, "x|2": 35, "y|1": 20, "y|2": 25}}}"#,
        )
        .unwrap();
        for m in [Methode::Lineaire, Methode::Raking] {
            let c = calibrer(&j, &marges, m, &Options::default()).unwrap();
            assert!(c.diagnostics.ecart_relatif_max < 1e-10, "{m:?}");
        }
    }

    #[test]
    fn infeasible_bounds_are_reported() {
        let e = calibrer(
            &jeu(),
            &marges(),
            Methode::Logit {
                bas: 0.5,
                haut: 2.0,
            },
            &Options::default(),
        )
        .unwrap_err();
        assert!(matches!(e, ErreurCalage::BornesInfaisables { .. }), "{e}");
    }

    #[test]
    fn trimming_keeps_the_total() {
        let d = [1.0, 2.0, 1.0, 1.0];
        let mut g = [0.1, 1.0, 3.0, 1.2];
        let avant: f64 = g.iter().zip(&d).map(|(g, d)| g * d).sum();
        assert_eq!(rogner(&mut g, &d, 0.5, 2.0), 2);
        let apres: f64 = g.iter().zip(&d).map(|(g, d)| g * d).sum();
        assert!((avant - apres).abs() < 1e-12);
        assert_eq!(g[0], 0.5);
        assert_eq!(g[2], 2.0);
    }
}
