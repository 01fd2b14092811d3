//! Pure types and rules of Alliances. No I/O, no async, no SQL, no HTTP.
//!
//! Modules are named after the users' domain words: `territoires` (the official French territorial
//! hierarchy), `texte` (folding of names for search), `odd` (the UN Sustainable Development Goals).

#[macro_use]
mod nomenclature;

pub mod alliances;
pub mod annuaire;
pub mod bibliotheque;
pub mod comptes;
pub mod contacts;
pub mod dates;
pub mod ingenieries;
pub mod kits;
pub mod observatoire;
pub mod odd;
pub mod relation;
pub mod ressources;
pub mod territoires;
pub mod texte;
