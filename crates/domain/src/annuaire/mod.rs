//! The annuaire: organisations (profile, identifiers, territory, SDGs, offers and needs), their
//! closed lists, validation and duplicate detection.

pub mod doublons;
pub mod identifiants;
pub mod nomenclatures;
pub mod organisation;

pub use identifiants::{Rna, Siret};
pub use nomenclatures::{Etat, NatureRessource, Profil, Sens, SousType, Taille, TypePartenariat};
pub use organisation::{
    valider, valider_ressource, ChampErreur, Lieu, Organisation, OrganisationSaisie, Ressource,
    RessourceSaisie,
};

/// Records not verified for this long are stale: flagged, demoted, their owners reminded.
pub const FRAICHEUR_SECONDES: i64 = 365 * 24 * 3600;

#[cfg(test)]
mod tests;
