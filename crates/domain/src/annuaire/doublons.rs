//! Likely duplicates: the rules that send two records to the moderators' review queue. Same
//! identifier means same organisation (an update, decided elsewhere); otherwise the same
//! normalised name in the same commune, or very similar names nearby, are *candidates* — never
//! merged silently.

use crate::texte::fold;

/// Words that do not distinguish one organisation's name from another's.
const MOTS_VIDES: &[&str] = &[
    "l", "la", "le", "les", "de", "des", "du", "d", "et", "a", "au", "aux", "en", "pour", "sur",
    "un", "une",
];

/// The name reduced to what identifies it: folded (case, accents), punctuation removed, articles
/// and prepositions dropped, words in their order.
pub fn nom_normalise(nom: &str) -> String {
    let folded = fold(nom);
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !MOTS_VIDES.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Similarity of two normalised names in [0, 1]: Dice coefficient over character trigrams of
/// the names padded with spaces (robust to a typo, a missing word, a swapped word order).
pub fn similarite(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let grams = |s: &str| -> Vec<[u8; 3]> {
        let padded: Vec<u8> = format!("  {s} ").into_bytes();
        let mut g: Vec<[u8; 3]> = padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
        g.sort_unstable();
        g
    };
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    // Multiset intersection of two sorted lists.
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < ga.len() && j < gb.len() {
        match ga[i].cmp(&gb[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (ga.len() + gb.len()) as f64
}

/// Above this similarity, two organisations of the same département are review candidates.
pub const SEUIL_PROCHE: f64 = 0.85;

/// Why two records look like one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaisonDoublon {
    /// Same normalised name, same commune.
    MemeNomMemeCommune,
    /// Very similar names in the same département.
    NomTresProche,
}

impl RaisonDoublon {
    pub fn slug(self) -> &'static str {
        match self {
            RaisonDoublon::MemeNomMemeCommune => "meme-nom-meme-commune",
            RaisonDoublon::NomTresProche => "nom-tres-proche",
        }
    }
    pub fn label_fr(self) -> &'static str {
        match self {
            RaisonDoublon::MemeNomMemeCommune => "même nom dans la même commune",
            RaisonDoublon::NomTresProche => "noms très proches dans le même département",
        }
    }
    pub fn from_slug(s: &str) -> Option<Self> {
        match s {
            "meme-nom-meme-commune" => Some(RaisonDoublon::MemeNomMemeCommune),
            "nom-tres-proche" => Some(RaisonDoublon::NomTresProche),
            _ => None,
        }
    }
}

/// Compares a new record with an existing one of the same département.
pub fn comparer(
    nom_a: &str,
    commune_a: Option<&str>,
    nom_b: &str,
    commune_b: Option<&str>,
) -> Option<(RaisonDoublon, f64)> {
    let (a, b) = (nom_normalise(nom_a), nom_normalise(nom_b));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if a == b && commune_a.is_some() && commune_a == commune_b {
        return Some((RaisonDoublon::MemeNomMemeCommune, 1.0));
    }
    let s = similarite(&a, &b);
    (s >= SEUIL_PROCHE).then_some((RaisonDoublon::NomTresProche, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(
            nom_normalise("Les Amis de l'École – Saint-Étienne"),
            "amis ecole saint etienne"
        );
        assert_eq!(
            nom_normalise("  ASSOCIATION   DU  SPORT "),
            "association sport"
        );
    }

    #[test]
    fn candidates() {
        assert_eq!(
            comparer(
                "Les Restos du Cœur",
                Some("75056"),
                "LES RESTOS DU COEUR",
                Some("75056")
            ),
            Some((RaisonDoublon::MemeNomMemeCommune, 1.0))
        );
        let (r, s) = comparer(
            "Amicale des pompiers de Lyon",
            Some("69123"),
            "Amicale des pompier de Lyon",
            Some("69381"),
        )
        .unwrap();
        assert_eq!(r, RaisonDoublon::NomTresProche);
        assert!(s > 0.85, "{s}");
        assert_eq!(
            comparer(
                "Club de football",
                Some("69123"),
                "Club de tennis",
                Some("69123")
            ),
            None
        );
        assert_eq!(comparer("Le", None, "La", None), None);
    }

    #[test]
    fn similarity_bounds() {
        assert_eq!(similarite("abc", "abc"), 1.0);
        assert!(similarite("abc", "xyz") < 0.2);
        assert_eq!(similarite("", "abc"), 0.0);
    }
}
