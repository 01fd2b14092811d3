//! The official French territorial hierarchy: régions → départements → EPCI → communes
//! (with communes déléguées / associées and municipal arrondissements).
//!
//! An EPCI is *not* nested in one département (89 span several); a commune belongs to at most one
//! EPCI (98 belong to none). See `../shared/design/product.md` §4 for the traps of the source data.

mod codes;
pub mod compact;
pub(crate) mod referentiel;
mod types;

pub(crate) use codes::luhn_valid;
pub use codes::{CodeCommune, CodeDepartement, CodeError, CodePostal, CodeRegion, Siren};
pub use referentiel::{Referentiel, ReferentielError, TerritoireRef};
pub use types::*;
