//! Kits: self-assessment questionnaires scored per dimension, with four maturity levels and
//! recommendations per dimension × level.
//!
//! - [`definition`]: the TOML format (documented in `kits/README.md`), read and checked with the
//!   line of every error ([`lire`]).
//! - [`reponses`]: answers, read from a form or JSON and checked against the questions.
//! - [`score`]: the scoring engine ([`Kit::noter`]).
//! - [`pairs`]: the peer benchmark and the divergence between the partners of one group.

pub mod definition;
pub mod pairs;
pub mod reponses;
pub mod score;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::Serialize;

pub use definition::{lire, lire_questionnaire, ErreurKit};
pub use reponses::{ErreurReponse, Reponse, Reponses, NON_APPLICABLE};
pub use score::{Resultat, ScoreDimension};

use crate::annuaire::{NatureRessource, Profil};
use crate::ingenieries::Service;
use crate::ressources::Theme;

nomenclature!(
    /// Who answers a kit.
    Public {
        Organisation => ("organisation", "Organisation", "Organisation"),
        Territoire => ("territoire", "Territoire", "Territory"),
        Alliance => ("alliance", "Alliance", "Alliance"),
        Partenariat => ("partenariat", "Partenariat", "Partnership"),
    }
);

/// A checked kit definition (one version).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kit {
    pub id: String,
    pub version: u32,
    pub titre: String,
    pub public: Public,
    pub duree_minutes: u32,
    pub resume: String,
    pub licence: String,
    pub auteurs: Option<String>,
    /// Publication date of the version, `YYYY-MM-DD`.
    pub date: String,
    pub dimensions: Vec<Dimension>,
    /// Exactly four, by increasing `min`; the first starts at 0.
    pub niveaux: Vec<Niveau>,
    pub sections: Vec<Section>,
    /// Every question of every section, in order (`Section::questions` are ranges of it).
    pub questions: Vec<Question>,
    pub recommandations: Vec<Recommandation>,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    pub id: String,
    pub titre: String,
    pub description: String,
    pub poids: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Niveau {
    pub id: String,
    pub titre: String,
    pub min: f64,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub titre: String,
    pub introduction: Option<String>,
    /// Its answers are restated on the results page.
    pub restitution: bool,
    /// Indexes into [`Kit::questions`].
    #[serde(skip)]
    pub questions: std::ops::Range<usize>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub id: String,
    pub texte: String,
    pub aide: Option<String>,
    /// The id of the dimension it scores, if scored.
    pub dimension: Option<String>,
    /// Index of that dimension in [`Kit::dimensions`].
    #[serde(skip)]
    pub dim: Option<usize>,
    pub poids: f64,
    pub non_applicable: bool,
    pub obligatoire: bool,
    pub condition: Option<Condition>,
    /// Index of the section it belongs to.
    #[serde(skip)]
    pub section: usize,
    #[serde(flatten)]
    pub genre: Genre,
}

/// The kind of a question and what goes with it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Genre {
    ChoixUnique {
        options: Vec<Choix>,
        /// Highest points of an option (the full score).
        #[serde(skip)]
        max: u32,
    },
    ChoixMultiple {
        options: Vec<Choix>,
        /// Points that give the full score.
        plafond: u32,
    },
    /// 1 to 5.
    Echelle {
        #[serde(rename = "libelleMin")]
        libelle_min: String,
        #[serde(rename = "libelleMax")]
        libelle_max: String,
    },
    /// Oui / non / ne sait pas.
    OuiNon { inverse: bool },
    Nombre {
        min: f64,
        max: f64,
        unite: Option<String>,
        /// `(threshold, value)`, thresholds strictly increasing, values non-decreasing in 0..=1.
        paliers: Vec<(f64, f64)>,
    },
    Texte {
        #[serde(rename = "maxLongueur")]
        max_longueur: usize,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Choix {
    pub id: String,
    pub texte: String,
    pub points: u32,
    pub exclusif: bool,
}

/// Shown only when the answer to `source` is one of `valeurs`.
#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    #[serde(rename = "question")]
    pub source_id: String,
    /// Index of the source in [`Kit::questions`] (always before the conditioned question).
    #[serde(skip)]
    pub source: usize,
    pub valeurs: Vec<String>,
    /// Hidden, the question leaves the achievable score (as « ne nous concerne pas ») instead
    /// of counting 0. Only on a condition whose source is not scored (a profile question).
    #[serde(rename = "horsScore")]
    pub hors_score: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommandation {
    pub dimension: String,
    #[serde(skip)]
    pub dim: usize,
    pub niveaux: Vec<String>,
    /// Indexes into [`Kit::niveaux`].
    #[serde(skip)]
    pub niv: Vec<usize>,
    pub titre: String,
    pub texte: String,
    pub liens: Vec<Lien>,
}

/// Something in the platform a recommendation points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "valeur", rename_all = "snake_case")]
pub enum Lien {
    /// Organisations of this profile (a partner to look for).
    Partenaire(Profil),
    /// Organisations offering this kind of resource.
    Offre(NatureRessource),
    /// Support schemes offering this service.
    Service(Service),
    /// Resources on this theme.
    Theme(Theme),
}

impl Lien {
    pub fn label_fr(self) -> &'static str {
        match self {
            Lien::Partenaire(p) => p.label_fr(),
            Lien::Offre(n) => n.label_fr(),
            Lien::Service(s) => s.label_fr(),
            Lien::Theme(t) => t.label_fr(),
        }
    }
}

impl Kit {
    /// The index of a question in [`Kit::questions`].
    pub fn question(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The level a score falls in (index into [`Kit::niveaux`]).
    pub fn niveau_de(&self, score: f64) -> usize {
        self.niveaux
            .iter()
            .rposition(|n| score >= n.min)
            .unwrap_or(0)
    }

    /// The recommendations for a dimension at a level.
    pub fn recommandations_pour(
        &self,
        dim: usize,
        niveau: usize,
    ) -> impl Iterator<Item = &Recommandation> {
        self.recommandations
            .iter()
            .filter(move |r| r.dim == dim && r.niv.contains(&niveau))
    }

    /// Number of questions that can count towards a score.
    pub fn questions_notees(&self) -> usize {
        self.questions.iter().filter(|q| q.dim.is_some()).count()
    }
}
