//! The statistical core of the Observatoire: calibration of survey weights on margins
//! (« calage sur marges ») and weighted estimates with their standard errors.
//!
//! Pure computation: no database, no async, no I/O beyond reading bytes handed in.
//!
//! - [`donnees`]: the columnar data set [`Jeu`] (categorical columns as integer codes plus a
//!   dictionary, numeric columns), read from CSV bytes with errors naming line and column.
//! - [`marges`]: the population margins [`Marges`] (`{"population": N, "margins": {…}}`) and
//!   their check against the data, which yields the calibration model [`ModeleCalage`].
//! - [`methodes`]: the four distance functions of Deville & Särndal (1992) — linear (GREG),
//!   raking ratio, logit and truncated linear — as the inverse `F` of the derivative of the
//!   distance, its derivative and its primitive.
//! - [`calage`]: [`calibrer`], the Newton iteration on the Lagrange multipliers, run on the
//!   cells of the cross-classification of the margins (a few hundred cells instead of a million
//!   rows); [`rogner`] trims the ratios `g = w/d`.
//! - [`diagnostics`]: iterations, gaps to the margins, range of `g`, warnings, Kish effective
//!   sample size and design effect.
//! - [`estimation`]: [`estimer`], weighted proportions and means, overall and by domain, with
//!   standard errors under two conventions (weights fixed; linearisation of the calibrated
//!   estimator), 95 % confidence intervals, unweighted and effective n, small cells suppressed.
//!
//! The results match R's `survey` package (`calibrate`, `svymean`, `svyby`) to 1e-9 relative:
//! see `tests/reference_r.rs` and `scripts/observatoire/reference.R`.

pub mod algebre;
pub mod calage;
pub mod diagnostics;
pub mod donnees;
pub mod estimation;
pub mod marges;
pub mod methodes;

pub use calage::{calibrer, rogner, Calage, ErreurCalage, Options, PoidsInitiaux};
pub use diagnostics::{Diagnostics, EcartMarge};
pub use donnees::{Categorielle, Colonne, ColonneTexte, ErreurDonnees, Jeu, Modalites, MANQUANT};
pub use estimation::{
    estimer, Convention, ErreurEstimation, Estimation, Nature, Ponderation, Requete,
    SEUIL_PUBLICATION,
};
pub use marges::{ErreurMarges, Marge, Marges, ModeleCalage};
pub use methodes::Methode;
