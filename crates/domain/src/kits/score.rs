//! The scoring engine.
//!
//! Each scored question gives a value between 0 and 1 (see `kits/README.md`), times its weight.
//! A dimension's score is `100 × Σ(poids × value) / Σ(poids)` over its questions that apply: a
//! question unanswered or hidden by its condition counts 0 and stays in the achievable score;
//! only « ne nous concerne pas » takes it out, and a condition marked `hors_score` (on a profile
//! question) takes its hidden questions out the same way. The overall score is the mean of the dimensions'
//! scores weighted by their `poids`. Scores are rounded to one decimal.
//!
//! The promises (property tests in `tests.rs`): scores stay within 0–100; a better answer to one
//! question never lowers a dimension's score (`kit check` refuses conditions that would break
//! it); « ne nous concerne pas » changes no other dimension; the same answers give the same
//! result.

use super::reponses::OuiNon;
use super::{Genre, Kit, Question, Reponse, Reponses};

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreDimension {
    /// 0–100, `None` when every question of the dimension is « ne nous concerne pas ».
    pub score: Option<f64>,
    /// Index into [`Kit::niveaux`].
    pub niveau: Option<usize>,
    /// Scored questions answered (shown and answered, « ne nous concerne pas » included).
    pub repondues: usize,
    /// Scored questions of the dimension.
    pub questions: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resultat {
    /// In [`Kit::dimensions`] order.
    pub dimensions: Vec<ScoreDimension>,
    pub global: Option<f64>,
    pub niveau: Option<usize>,
    /// Questions shown and answered, over the questions shown.
    pub repondues: usize,
    pub affichees: usize,
}

impl Resultat {
    /// Dimensions with a score, best first (ties: kit order).
    pub fn forces(&self) -> Vec<usize> {
        let mut d: Vec<usize> = (0..self.dimensions.len())
            .filter(|&i| self.dimensions[i].score.is_some())
            .collect();
        d.sort_by(|&a, &b| {
            self.dimensions[b]
                .score
                .partial_cmp(&self.dimensions[a].score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        d
    }
}

fn arrondi(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The value (0 to 1) of an answer to a scored question; `None` for « ne nous concerne pas ».
pub fn valeur(q: &Question, r: &Reponse) -> Option<f64> {
    Some(match (r, &q.genre) {
        (Reponse::NonApplicable, _) => return None,
        (Reponse::Choix(i), Genre::ChoixUnique { options, max }) => {
            f64::from(options[*i].points) / f64::from((*max).max(1))
        }
        (Reponse::Multiple(is), Genre::ChoixMultiple { options, plafond }) => {
            let somme: u32 = is.iter().map(|i| options[*i].points).sum();
            f64::from(somme.min(*plafond)) / f64::from((*plafond).max(1))
        }
        (Reponse::Echelle(n), _) => f64::from(n.saturating_sub(1)) / 4.0,
        (Reponse::OuiNon(o), Genre::OuiNon { inverse }) => match (o, inverse) {
            (OuiNon::Oui, false) | (OuiNon::Non, true) => 1.0,
            _ => 0.0,
        },
        (Reponse::Nombre(n), Genre::Nombre { paliers, .. }) => paliers
            .iter()
            .take_while(|(seuil, _)| *n >= *seuil)
            .last()
            .map_or(0.0, |(_, v)| *v),
        _ => 0.0,
    })
}

impl Kit {
    /// Scores a set of answers.
    pub fn noter(&self, reponses: &Reponses) -> Resultat {
        let visibles = self.visibles(reponses);
        let nd = self.dimensions.len();
        let mut gagne = vec![0.0f64; nd];
        let mut possible = vec![0.0f64; nd];
        let mut repondues_d = vec![0usize; nd];
        let mut questions_d = vec![0usize; nd];
        let (mut repondues, mut affichees) = (0, 0);
        for (i, q) in self.questions.iter().enumerate() {
            let r = if visibles[i] { reponses.get(i) } else { None };
            if visibles[i] {
                affichees += 1;
                if r.is_some() {
                    repondues += 1;
                }
            }
            let Some(d) = q.dim else { continue };
            if !visibles[i] && q.condition.as_ref().is_some_and(|c| c.hors_score) {
                continue; // does not concern this respondent
            }
            questions_d[d] += 1;
            match r.map(|r| valeur(q, r)) {
                Some(None) => repondues_d[d] += 1,
                Some(Some(v)) => {
                    repondues_d[d] += 1;
                    gagne[d] += q.poids * v;
                    possible[d] += q.poids;
                }
                None => possible[d] += q.poids,
            }
        }
        let dimensions: Vec<ScoreDimension> = (0..nd)
            .map(|d| {
                let score = (possible[d] > 0.0)
                    .then(|| arrondi((100.0 * gagne[d] / possible[d]).clamp(0.0, 100.0)));
                ScoreDimension {
                    score,
                    niveau: score.map(|s| self.niveau_de(s)),
                    repondues: repondues_d[d],
                    questions: questions_d[d],
                }
            })
            .collect();
        let (somme, poids) = dimensions
            .iter()
            .zip(&self.dimensions)
            .filter_map(|(s, d)| s.score.map(|s| (s * d.poids, d.poids)))
            .fold((0.0, 0.0), |(a, b), (s, p)| (a + s, b + p));
        let global = (poids > 0.0).then(|| arrondi((somme / poids).clamp(0.0, 100.0)));
        Resultat {
            dimensions,
            global,
            niveau: global.map(|s| self.niveau_de(s)),
            repondues,
            affichees,
        }
    }
}
