//! Comparisons: a result against its peers, and the answers of the partners of one group.

use super::score::valeur;
use super::{Kit, Reponses};

/// Peer comparisons are shown only from this many peers with a result (privacy: below, a
/// percentage would tell too much about a few identifiable organisations).
pub const SEUIL_PAIRS: usize = 10;

/// Two partners' answers to a question diverge when their values (0 to 1) differ by this much or
/// more: half the scale (e.g. 2 and 4 on a 1–5 scale).
pub const ECART_DIVERGENT: f64 = 0.5;

/// The share (whole percent, 0–100) of the peers' scores strictly below `score`, or `None` when
/// there are fewer than [`SEUIL_PAIRS`] peers.
pub fn part_en_dessous(score: f64, pairs: &[f64]) -> Option<u32> {
    if pairs.len() < SEUIL_PAIRS {
        return None;
    }
    let dessous = pairs.iter().filter(|&&p| p < score).count();
    Some(((dessous * 100) / pairs.len()) as u32)
}

/// How the partners of one group answered one scored question.
#[derive(Debug, Clone, PartialEq)]
pub struct Ecart {
    /// Index into [`Kit::questions`].
    pub question: usize,
    /// Values (0 to 1) of the partners who answered it (« ne nous concerne pas » excluded), in
    /// the order of the answer sets given.
    pub valeurs: Vec<Option<f64>>,
    pub min: f64,
    pub max: f64,
    pub moyenne: f64,
    /// `max - min >= ECART_DIVERGENT`.
    pub divergent: bool,
}

/// For each scored question answered by at least two partners: the spread of their answers.
/// Most divergent first (ties: kit order).
pub fn ecarts(kit: &Kit, partenaires: &[Reponses]) -> Vec<Ecart> {
    let visibles: Vec<Vec<bool>> = partenaires.iter().map(|r| kit.visibles(r)).collect();
    let mut out = Vec::new();
    for (i, q) in kit.questions.iter().enumerate() {
        if q.dim.is_none() {
            continue;
        }
        let valeurs: Vec<Option<f64>> = partenaires
            .iter()
            .zip(&visibles)
            .map(|(r, vis)| {
                if vis[i] {
                    r.get(i).and_then(|x| valeur(q, x))
                } else {
                    None
                }
            })
            .collect();
        let presentes: Vec<f64> = valeurs.iter().flatten().copied().collect();
        if presentes.len() < 2 {
            continue;
        }
        let min = presentes.iter().copied().fold(f64::INFINITY, f64::min);
        let max = presentes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let moyenne = presentes.iter().sum::<f64>() / presentes.len() as f64;
        out.push(Ecart {
            question: i,
            valeurs,
            min,
            max,
            moyenne,
            divergent: max - min >= ECART_DIVERGENT - 1e-9,
        });
    }
    out.sort_by(|a, b| {
        (b.max - b.min)
            .partial_cmp(&(a.max - a.min))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.question.cmp(&b.question))
    });
    out
}
