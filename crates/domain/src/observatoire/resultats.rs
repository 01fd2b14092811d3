//! The published results of a wave: computed once when the analyst publishes (weighted
//! estimates with their standard errors and 95 % confidence intervals, cells under the
//! threshold suppressed), stored as they were published, and served as they are — a figure
//! never changes after its publication unless the analyst publishes again.

use serde::{Deserialize, Serialize};

/// What was estimated for a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mesure {
    /// The share of each answer (single choice, yes / no, scale), in percent.
    Repartition,
    /// The share of respondents choosing each option (multiple choice), in percent.
    Citations,
    /// The mean of a number.
    Moyenne,
}

/// One published figure: a question's answer (or mean), overall or in one domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ligne {
    /// The domain variable (`None`: all respondents).
    pub variable_domaine: Option<String>,
    pub domaine: Option<String>,
    pub domaine_libelle: Option<String>,
    /// The answer (option id, `oui`, `3`…), `None` for a mean.
    pub modalite: Option<String>,
    pub modalite_libelle: Option<String>,
    /// Unweighted respondents with an answer in the domain.
    pub n: usize,
    pub n_effectif: f64,
    /// Under the threshold: the figures are blank.
    pub supprimee: bool,
    /// Percent for shares, the unit of the question for means.
    pub estimation: Option<f64>,
    pub erreur_type: Option<f64>,
    pub ic95_bas: Option<f64>,
    pub ic95_haut: Option<f64>,
}

/// A question's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultatQuestion {
    pub id: String,
    pub texte: String,
    pub mesure: Mesure,
    pub unite: Option<String>,
    pub lignes: Vec<Ligne>,
}

/// How the weights were obtained, for the methodology note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Methodologie {
    /// Respondents.
    pub n: usize,
    /// The calibration method (`linear`, `raking`, `logit`, `truncated`), `None` when the
    /// wave is published on its design weights.
    pub methode: Option<String>,
    pub bornes: Option<(f64, f64)>,
    /// Calibration variables with their number of categories.
    pub marges: Vec<(String, usize)>,
    /// Population total of the margins (sum of the weights).
    pub population: f64,
    pub iterations: usize,
    pub ecart_relatif_max: f64,
    /// Per margin: (variable, category with the largest relative gap, that gap).
    pub ecarts: Vec<(String, String, f64)>,
    pub g_min: f64,
    pub g_max: f64,
    pub poids_min: f64,
    pub poids_max: f64,
    pub poids_negatifs: usize,
    pub rognes: usize,
    pub n_effectif: f64,
    pub effet_plan: f64,
    /// Half-width of the 95 % interval of a 50 % share over all respondents, with the design
    /// effect, in points: `1.96 × √(deff × 0.25 / n) × 100`.
    pub marge_erreur: f64,
    /// `calee` (linearisation of the calibrated estimator) or `poids_fixes`.
    pub convention: String,
    pub seuil: u32,
    pub avertissements: Vec<String>,
}

/// A wave's published results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resultats {
    pub methodologie: Methodologie,
    pub questions: Vec<ResultatQuestion>,
}

/// The margin of error, in points, of a 50 % share over `n` respondents with design effect
/// `deff`.
pub fn marge_erreur(n: usize, deff: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    1.96 * (deff * 0.25 / n as f64).sqrt() * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_of_error_of_a_thousand_simple_random_respondents_is_about_three_points() {
        let m = marge_erreur(1000, 1.0);
        assert!((m - 3.099).abs() < 1e-3, "{m}");
        assert!(marge_erreur(1000, 2.0) > m);
        assert_eq!(marge_erreur(0, 1.0), 0.0);
    }
}
