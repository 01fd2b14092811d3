//! The observatory's published figures, shipped with the binary (`data/observatoire/`), read
//! and checked once; `App::open` refuses to start on a broken file.

pub mod calcul;
pub mod collecte;
pub mod demo;
pub mod etudes;
pub mod messages;

pub use alliances_store::observatoire::{Etude, Vague};
pub use collecte::{IssueEnquete, ReponseEnqueteError};
pub use etudes::{ObservatoireError, ReglagesSaisie, TableauVague, VagueLue};

use std::sync::OnceLock;

use alliances_domain::observatoire::{lire, ChiffrePublie};

use crate::AppError;

const CHIFFRES: &str = include_str!("../../../../data/observatoire/chiffres-publies.tsv");

/// Source line shown with every published figure.
pub const AVERTISSEMENT: &str = "Chiffres publiés, repris de leurs sources : des agrégats, pas des microdonnées de la plateforme.";

/// The published figures, by series then period.
pub fn chiffres_publies() -> Result<&'static [ChiffrePublie], AppError> {
    static LUS: OnceLock<Result<Vec<ChiffrePublie>, String>> = OnceLock::new();
    match LUS.get_or_init(|| lire(CHIFFRES)) {
        Ok(v) => Ok(v),
        Err(e) => Err(AppError::Internal(format!(
            "data/observatoire/chiffres-publies.tsv : {e}"
        ))),
    }
}

/// The series of published figures: (series slug, its figures in period order).
pub fn series() -> Result<Vec<(&'static str, Vec<&'static ChiffrePublie>)>, AppError> {
    let mut out: Vec<(&'static str, Vec<&'static ChiffrePublie>)> = Vec::new();
    for c in chiffres_publies()? {
        match out.iter_mut().find(|(s, _)| *s == c.serie) {
            Some((_, v)) => v.push(c),
            None => out.push((c.serie.as_str(), vec![c])),
        }
    }
    Ok(out)
}
