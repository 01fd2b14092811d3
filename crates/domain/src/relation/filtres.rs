//! The filters of a search for partners: profiles wanted, maximum distance, SDG, resource kind.

use super::Proximite;
use crate::annuaire::{NatureRessource, Profil};

/// What the user narrowed the search to. The default keeps everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filtres {
    /// Only these profiles (and they count as « recherchés » in the diversity part).
    pub profils: Vec<Profil>,
    /// At most this far (`None`: anywhere).
    pub distance_max: Option<Proximite>,
    /// Candidates with this SDG (primary or secondary).
    pub odd: Option<u8>,
    /// Candidates offering (or, for an offer, needing) this kind of resource.
    pub nature: Option<NatureRessource>,
}

/// A filter value that cannot be read, with the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{champ} : {message}")]
pub struct FiltreErreur {
    pub champ: &'static str,
    pub message: String,
}

impl Filtres {
    /// Reads the filters from their query-string values (`profil` repeated, `distance`, `odd`,
    /// `nature`); empty values mean « no filter ».
    pub fn lire(
        profils: &[String],
        distance: Option<&str>,
        odd: Option<&str>,
        nature: Option<&str>,
    ) -> Result<Filtres, FiltreErreur> {
        let mut f = Filtres::default();
        for p in profils.iter().filter(|p| !p.is_empty()) {
            let v = Profil::from_slug(p).ok_or_else(|| FiltreErreur {
                champ: "profil",
                message: format!("profil inconnu « {p} » (attendu : {})", Profil::slugs()),
            })?;
            if !f.profils.contains(&v) {
                f.profils.push(v);
            }
        }
        if let Some(d) = distance.filter(|d| !d.is_empty()) {
            f.distance_max = Some(Proximite::from_slug(d).ok_or_else(|| FiltreErreur {
                champ: "distance",
                message: format!(
                    "distance inconnue « {d} » (attendu : commune, epci, departement, region, national)"
                ),
            })?);
        }
        if let Some(o) = odd.filter(|o| !o.is_empty()) {
            let n = crate::odd::OddNumber::parse(o).map_err(|e| FiltreErreur {
                champ: "odd",
                message: e.to_string(),
            })?;
            f.odd = Some(n.get());
        }
        if let Some(n) = nature.filter(|n| !n.is_empty()) {
            f.nature = Some(NatureRessource::from_slug(n).ok_or_else(|| FiltreErreur {
                champ: "nature",
                message: format!(
                    "nature de ressource inconnue « {n} » (attendu : {})",
                    NatureRessource::slugs()
                ),
            })?);
        }
        Ok(f)
    }

    /// Whether any filter is set.
    pub fn actifs(&self) -> bool {
        *self != Filtres::default()
    }

    /// The profiles as a bit mask (bit = [`Profil::index`]); 0 when unfiltered.
    pub fn masque_profils(&self) -> u16 {
        self.profils.iter().fold(0, |m, p| m | (1u16 << p.index()))
    }
}
