//! The distance functions of calibration (Deville & Särndal 1992).
//!
//! Calibration looks for final weights `w_k` close to the design weights `d_k` under the
//! constraints `Σ_k w_k x_k = T` (the population totals of the margins' indicators). With a
//! distance `Σ_k d_k G(w_k / d_k)`, the Lagrangian gives `g_k = w_k / d_k = F(x_k'λ)` where
//! `F = (G')⁻¹`. Each method is its `F`:
//!
//! | method | `G(g)` | `F(u)` |
//! |---|---|---|
//! | linear (GREG) | `(g − 1)² / 2` | `1 + u` |
//! | raking ratio | `g ln g − g + 1` | `exp(u)` |
//! | logit, bounds `L < 1 < U` | `(g−L) ln((g−L)/(1−L)) + (U−g) ln((U−g)/(U−1))`, divided by `A = (U−L)/((1−L)(U−1))` | `(L(U−1) + U(1−L) e^{Au}) / (U−1 + (1−L) e^{Au})` |
//! | truncated linear, bounds `L < 1 < U` | `(g − 1)² / 2` on `[L, U]`, `+∞` outside | `min(U, max(L, 1 + u))` |
//!
//! The Newton iteration (see [`crate::calage`]) also needs `F'` and the primitive
//! `Φ(u) = ∫₀ᵘ F`, whose sum `Ψ(λ) = Σ_k d_k Φ(x_k'λ) − λ'T` is the convex dual that the
//! iteration minimises (its gradient is `Σ_k d_k F(x_k'λ) x_k − T`, the gap to the margins).
//! These are the functions of R's `survey::calibrate` (`cal.linear`, `cal.raking`,
//! `cal.logit`, `cal.linear` with bounds).

use serde::Serialize;

/// A calibration method.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "methode", rename_all = "snake_case")]
pub enum Methode {
    /// Linear (GREG): may give negative weights.
    Lineaire,
    /// Raking ratio: positive weights, unbounded ratios.
    Raking,
    /// Logit: ratios strictly inside `(bas, haut)`.
    Logit { bas: f64, haut: f64 },
    /// Truncated linear: ratios in `[bas, haut]`.
    LineaireTronquee { bas: f64, haut: f64 },
}

impl Methode {
    /// The name used by the CLI and the reports.
    pub fn nom(&self) -> &'static str {
        match self {
            Methode::Lineaire => "linear",
            Methode::Raking => "raking",
            Methode::Logit { .. } => "logit",
            Methode::LineaireTronquee { .. } => "truncated",
        }
    }

    /// The bounds on `g`, if any.
    pub fn bornes(&self) -> Option<(f64, f64)> {
        match *self {
            Methode::Logit { bas, haut } | Methode::LineaireTronquee { bas, haut } => {
                Some((bas, haut))
            }
            _ => None,
        }
    }

    /// Checks the bounds: finite, `0 ≤ L < 1 < U`.
    pub fn verifier(&self) -> Result<(), String> {
        if let Some((l, u)) = self.bornes() {
            if !(l.is_finite() && u.is_finite() && l < 1.0 && u > 1.0) {
                return Err(format!(
                    "bounds must satisfy L < 1 < U (got L = {l}, U = {u})"
                ));
            }
            if l < 0.0 {
                return Err(format!(
                    "the lower bound must not be negative (got L = {l})"
                ));
            }
        }
        Ok(())
    }

    /// `F(u)`: the ratio `g` for a linear predictor `u = x'λ`.
    #[inline]
    pub fn f(&self, u: f64) -> f64 {
        match *self {
            Methode::Lineaire => 1.0 + u,
            Methode::Raking => u.exp(),
            Methode::Logit { bas, haut } => {
                let (a, b) = (haut - 1.0, 1.0 - bas);
                let k = (haut - bas) / (a * b);
                // Written in the overflow-safe form for either sign of u.
                if k * u > 0.0 {
                    let e = (-k * u).exp();
                    (bas * a * e + haut * b) / (a * e + b)
                } else {
                    let e = (k * u).exp();
                    (bas * a + haut * b * e) / (a + b * e)
                }
            }
            Methode::LineaireTronquee { bas, haut } => (1.0 + u).clamp(bas, haut),
        }
    }

    /// `F'(u)`. For the truncated linear method, 0 at and beyond the bounds (as in R).
    #[inline]
    pub fn derivee(&self, u: f64) -> f64 {
        match *self {
            Methode::Lineaire => 1.0,
            Methode::Raking => u.exp(),
            Methode::Logit { bas, haut } => {
                let (a, b) = (haut - 1.0, 1.0 - bas);
                let k = (haut - bas) / (a * b);
                // (U − L)² e / (a + b e)² with e = exp(k u), in a form that does not overflow.
                let e = (-k * u.abs()).exp();
                let (num, den) = if u > 0.0 {
                    (e, a * e + b)
                } else {
                    (e, a + b * e)
                };
                (haut - bas) * (haut - bas) * num / (den * den)
            }
            Methode::LineaireTronquee { bas, haut } => {
                if u > bas - 1.0 && u < haut - 1.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// `Φ(u) = ∫₀ᵘ F(s) ds`, convex.
    #[inline]
    pub fn primitive(&self, u: f64) -> f64 {
        match *self {
            Methode::Lineaire => u + u * u / 2.0,
            Methode::Raking => u.exp_m1(),
            Methode::Logit { bas, haut } => {
                // F = L + (U − L) b e / (a + b e), so Φ = L u + a b ln((a + b e) / (a + b)).
                let (a, b) = (haut - 1.0, 1.0 - bas);
                let k = (haut - bas) / (a * b);
                let ku = k * u;
                let log = if ku > 0.0 {
                    ku + (b + a * (-ku).exp()).ln()
                } else {
                    (a + b * ku.exp()).ln()
                };
                bas * u + a * b * (log - (a + b).ln())
            }
            Methode::LineaireTronquee { bas, haut } => {
                let q = |v: f64| v + v * v / 2.0;
                let (lo, hi) = (bas - 1.0, haut - 1.0);
                if u > hi {
                    q(hi) + haut * (u - hi)
                } else if u < lo {
                    q(lo) + bas * (u - lo)
                } else {
                    q(u)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METHODES: [Methode; 4] = [
        Methode::Lineaire,
        Methode::Raking,
        Methode::Logit {
            bas: 0.4,
            haut: 2.5,
        },
        Methode::LineaireTronquee {
            bas: 0.5,
            haut: 1.8,
        },
    ];

    #[test]
    fn f_is_one_at_zero_and_primitive_and_derivative_agree() {
        for m in METHODES {
            assert!((m.f(0.0) - 1.0).abs() < 1e-15, "{m:?}");
            assert!(m.primitive(0.0).abs() < 1e-15, "{m:?}");
            for &u in &[-3.0, -0.7, -0.1, 0.05, 0.3, 0.79, 2.0] {
                let h = 1e-6;
                let df = (m.f(u + h) - m.f(u - h)) / (2.0 * h);
                let dphi = (m.primitive(u + h) - m.primitive(u - h)) / (2.0 * h);
                assert!((dphi - m.f(u)).abs() < 1e-6, "{m:?} Φ' at {u}");
                assert!((df - m.derivee(u)).abs() < 1e-5, "{m:?} F' at {u}: {df}");
            }
        }
    }

    #[test]
    fn logit_stays_inside_its_bounds_even_far_out() {
        let m = METHODES[2];
        for &u in &[-1e6, -50.0, 50.0, 1e6] {
            let g = m.f(u);
            assert!((0.4..=2.5).contains(&g) && g.is_finite(), "{u} → {g}");
            assert!(m.derivee(u).is_finite() && m.primitive(u).is_finite());
        }
    }
}
