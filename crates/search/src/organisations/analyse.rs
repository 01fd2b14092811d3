//! Text analysis: the French analyzer of the full-text fields and the prefix tokenizers of the
//! name autocomplete.

use alliances_domain::texte::fold;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Name of the French analyzer registered on the index.
pub(crate) const FR: &str = "alliances_fr";
/// Edge n-grams of every word of the name and of the short title.
pub(crate) const PREFIXES_MOTS: &str = "alliances_prefixes_mots";
/// Edge n-grams of the whole folded name ("les r", "les restos d"…).
pub(crate) const PREFIXES_NOM: &str = "alliances_prefixes_nom";

/// Longest word prefix indexed for the autocomplete: a longer typed word is compared on its
/// first `MAX_PREFIXE_MOT` characters.
pub(crate) const MAX_PREFIXE_MOT: usize = 20;
/// Longest whole-name prefix indexed (the "name starts with what was typed" tier).
pub(crate) const MAX_PREFIXE_NOM: usize = 32;

/// French stop words, already folded (the analyzer folds accents before removing them, so that
/// "à", "a", "été" and "ete" are all removed, at indexing and at query time alike). Based on the
/// Snowball list, plus "est" and the elided articles; "a" stays out only as the elided form.
const STOP_WORDS: &[&str] = &[
    "a", "ai", "aie", "aient", "aies", "ait", "as", "au", "aux", "avaient", "avais", "avait",
    "avec", "avez", "aviez", "avions", "avons", "ayant", "ayez", "ayons", "c", "ce", "ceci",
    "cela", "cet", "cette", "ces", "d", "dans", "de", "des", "du", "elle", "elles", "en", "es",
    "est", "et", "etaient", "etais", "etait", "etant", "ete", "etes", "etiez", "etions", "eu",
    "eue", "eues", "eus", "eut", "eux", "il", "ils", "j", "je", "l", "la", "le", "les", "leur",
    "leurs", "lui", "m", "ma", "mais", "me", "mes", "moi", "mon", "n", "ne", "nos", "notre",
    "nous", "on", "ont", "ou", "par", "pas", "pour", "qu", "que", "quel", "quelle", "quelles",
    "quels", "qui", "s", "sa", "sans", "se", "sera", "serait", "ses", "soi", "soit", "sont", "sur",
    "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
];

/// The French analyzer: words split on anything not alphanumeric, lower case, ASCII folding
/// (é→e, œ→oe, ç→c), stop words removed, French Snowball stemming. Folding comes before
/// stemming so that a query typed without accents reaches the same stems as accented text.
pub(crate) fn analyseur_fr() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_owned()),
        ))
        .filter(Stemmer::new(Language::French))
        .build()
}

/// The terms of a text as the index sees them, in order, duplicates removed, at most `max`.
pub(crate) fn termes(analyseur: &mut TextAnalyzer, texte: &str, max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut flux = analyseur.token_stream(texte);
    while let Some(token) = flux.next() {
        if out.len() >= max {
            break;
        }
        if !out.contains(&token.text) {
            out.push(token.text.clone());
        }
    }
    out
}

/// Prefixes of `s` (char boundaries), 1 to `max` characters long.
fn prefixes(s: &str, max: usize) -> impl Iterator<Item = &str> {
    s.char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .take(max)
        .map(move |fin| &s[..fin])
}

/// Cuts a folded string to at most `max` characters.
pub(crate) fn tronque(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Edge n-gram tokenizer over folded text (see [`fold`]): every word's prefixes (`mots`), or the
/// prefixes of the whole folded text, those ending with a space left out.
#[derive(Clone)]
pub(crate) struct Prefixes {
    pub(crate) mots: bool,
}

pub(crate) struct FluxPrefixes {
    tokens: Vec<Token>,
    courant: usize,
}

impl TokenStream for FluxPrefixes {
    fn advance(&mut self) -> bool {
        if self.courant < self.tokens.len() {
            self.courant += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.courant - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.courant - 1]
    }
}

impl Tokenizer for Prefixes {
    type TokenStream<'a> = FluxPrefixes;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FluxPrefixes {
        let plie = fold(text);
        let mut textes: Vec<&str> = Vec::new();
        if self.mots {
            for mot in plie.split(' ').filter(|m| !m.is_empty()) {
                textes.extend(prefixes(mot, MAX_PREFIXE_MOT));
            }
        } else {
            textes.extend(prefixes(&plie, MAX_PREFIXE_NOM).filter(|p| !p.ends_with(' ')));
        }
        textes.sort_unstable();
        textes.dedup();
        let tokens = textes
            .into_iter()
            .enumerate()
            .map(|(position, t)| Token {
                offset_from: 0,
                offset_to: text.len(),
                position,
                text: t.to_owned(),
                position_length: 1,
            })
            .collect();
        FluxPrefixes { tokens, courant: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_de_mots() {
        let mut t = Prefixes { mots: true };
        let mut flux = t.token_stream("Les Restos");
        let mut vus = Vec::new();
        while let Some(tok) = flux.next() {
            vus.push(tok.text.clone());
        }
        assert!(vus.contains(&"resto".to_owned()));
        assert!(vus.contains(&"restos".to_owned()));
        assert!(vus.contains(&"l".to_owned()));
    }

    #[test]
    fn prefixes_du_nom() {
        let mut t = Prefixes { mots: false };
        let mut flux = t.token_stream("Les Restos du Cœur");
        let mut vus = Vec::new();
        while let Some(tok) = flux.next() {
            vus.push(tok.text.clone());
        }
        assert!(vus.contains(&"les r".to_owned()));
        assert!(vus.contains(&"les restos du coeur".to_owned()));
        assert!(!vus.iter().any(|v| v.ends_with(' ')));
    }

    #[test]
    fn analyse_francaise() {
        let mut a = analyseur_fr();
        assert_eq!(
            termes(&mut a, "Associations", 10),
            termes(&mut a, "association", 10)
        );
        assert_eq!(
            termes(&mut a, "Éducation", 10),
            termes(&mut a, "education", 10)
        );
        assert!(termes(&mut a, "à la de été", 10).is_empty());
        assert_eq!(tronque("abcdef", 3), "abc");
        assert_eq!(tronque("éé", 3), "éé");
    }
}
