//! « Mise en relation »: how well a candidate partner fits an organisation (or one of its needs or
//! offers), and why — in plain French, derived from the same computed parts as the score.
//!
//! # The formula
//!
//! Every part is a share in 0–100 (integers: the same arithmetic is written in SQL for the
//! benchmark and must give the same ranking), weighed by a named constant; the weights add up
//! to 100, so the score reads as points out of 100 (kept in hundredths of a point).
//!
//! | Part | Share | Weight |
//! |---|---|---|
//! | Needs met ([`Composantes::besoins_couverts`]) | kinds of my needs the candidate offers ÷ kinds of my needs | [`POIDS_BESOINS_COUVERTS`] |
//! | Offers wanted ([`Composantes::offres_utiles`]) | kinds the candidate needs that I offer ÷ kinds it needs | [`POIDS_OFFRES_UTILES`] |
//! | Shared SDGs | 3 points per SDG primary on both sides, 2 when primary on one side, 1 when secondary on both, capped at [`ODD_PLAFOND`] points | [`POIDS_ODD`] |
//! | Territorial proximity | [`Proximite::part`]: same commune 100, EPCI 85, département 70, région 35, a national actor 20, nothing in common 0 | [`POIDS_PROXIMITE`] |
//! | Diversity of actor families | another family 100, same family but another profile 50, same profile 0 — or 100 for a profile the user looks for | [`POIDS_DIVERSITE`] |
//! | Partnership maturity | the candidate's latest « L'ODD 17 en pratique » score (0–100), 0 when unknown | [`POIDS_MATURITE`] |
//!
//! A record not verified for a year is demoted: its total is multiplied by
//! [`FACTEUR_PERIME`] %. When the question is one offer rather than the organisation or a need,
//! the two complementarity weights swap (whoever needs that offer matters most).
//!
//! Proximity is computed on the official hierarchy from each organisation's *presence*: its
//! headquarters commune and every territory of its scope, each with all the territories above it
//! (an organisation acting on a département is present in that département and its région,
//! and so « covers » every commune inside it: it meets an organisation of any of those communes
//! at the département level). Two organisations meet at the finest level where their presences
//! share a territory.

mod filtres;
mod proximite;
mod raisons;
mod score;

pub use filtres::{FiltreErreur, Filtres};
pub use proximite::Proximite;
pub use raisons::{raisons, Raison};
pub use score::*;

#[cfg(test)]
mod tests;
