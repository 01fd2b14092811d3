//! Typo tolerance: the words of a name field close to a query word.
//!
//! The rule, one place for both indexes of the global search: an analysed query word of at
//! least [`LONGUEUR_DISTANCE_1`] characters may differ from a name word by one edit, from
//! [`LONGUEUR_DISTANCE_2`] characters by two (an insertion, a deletion, a substitution or the
//! swap of two neighbours each count one), and its first character is kept (« jradin » finds
//! « jardin », « gardin » does not find « jardin »). Shorter words are matched exactly only: at
//! three or four letters one edit reaches too many other words.

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

/// From this many characters a word may be one edit away.
pub const LONGUEUR_DISTANCE_1: usize = 5;
/// From this many characters a word may be two edits away.
pub const LONGUEUR_DISTANCE_2: usize = 9;
/// At most this many near words are kept per query word (the closest, then the most frequent).
pub const PROCHES_MAX: usize = 5;

/// The edit distance allowed for an analysed word (0: exact only).
pub fn distance_permise(mot: &str) -> u8 {
    match mot.chars().count() {
        n if n >= LONGUEUR_DISTANCE_2 => 2,
        n if n >= LONGUEUR_DISTANCE_1 => 1,
        _ => 0,
    }
}

/// A word of the index near a query word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proche {
    pub mot: String,
    /// Edit distance to the query word (1 or 2).
    pub distance: u8,
    /// Documents holding it (summed over the fields and segments).
    pub documents: u64,
}

/// Optimal string alignment distance (Damerau–Levenshtein with adjacent swaps), on characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, ligne) in d.iter_mut().enumerate() {
        ligne[0] = i;
    }
    for (j, x) in d[0].iter_mut().enumerate() {
        *x = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cout = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cout);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The words of `champs` (in every segment of `searcher`) within the distance allowed for `mot`,
/// the word itself excluded, starting with the same character: closest first, then the most
/// frequent, at most [`PROCHES_MAX`].
pub fn proches(searcher: &Searcher, champs: &[Field], mot: &str) -> tantivy::Result<Vec<Proche>> {
    let permise = distance_permise(mot);
    let Some(premier) = mot.chars().next() else {
        return Ok(Vec::new());
    };
    if permise == 0 || champs.is_empty() {
        return Ok(Vec::new());
    }
    let mut vus: std::collections::BTreeMap<String, u64> = Default::default();
    for &champ in champs {
        let automate =
            FuzzyTermQuery::new(Term::from_field_text(champ, mot), permise, true).automaton()?;
        for sr in searcher.segment_readers() {
            let ii = sr.inverted_index(champ)?;
            let mut flux = ii.terms().search(&automate).into_stream()?;
            while flux.advance() {
                let Ok(t) = std::str::from_utf8(flux.key()) else {
                    continue;
                };
                if t == mot || !t.starts_with(premier) {
                    continue;
                }
                *vus.entry(t.to_owned()).or_default() += u64::from(flux.value().doc_freq);
            }
        }
    }
    let mut out: Vec<Proche> = vus
        .into_iter()
        .map(|(m, documents)| Proche {
            distance: distance(mot, &m).min(usize::from(permise)) as u8,
            mot: m,
            documents,
        })
        .collect();
    out.sort_by(|a, b| {
        a.distance
            .cmp(&b.distance)
            .then(b.documents.cmp(&a.documents))
            .then(a.mot.cmp(&b.mot))
    });
    out.truncate(PROCHES_MAX);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("jardin", "jradin"), 1);
        assert_eq!(distance("jardin", "jardn"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance_permise("velo"), 0);
        assert_eq!(distance_permise("jardin"), 1);
        assert_eq!(distance_permise("solidarit"), 2);
    }
}
