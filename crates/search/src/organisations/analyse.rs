//! Text analysis: the French analyzer of the full-text fields and the prefix tokenizers of the
//! name autocomplete.

use alliances_domain::texte::fold;
use std::cell::RefCell;
use std::collections::HashMap;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
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
/// The stems are remembered per thread ([`RacinesFr`]): the same Snowball stems, computed once
/// per distinct word rather than once per occurrence.
pub(crate) fn analyseur_fr() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_owned()),
        ))
        .filter(RacinesFr)
        .build()
}

/// Words whose stem a thread remembers; past this the memory is emptied and starts again (a
/// few MB at most, whatever the texts indexed or searched).
const RACINES_MAX: usize = 100_000;

/// The stems already computed by this thread, and the Snowball stemmer for the others.
struct Racines {
    connues: HashMap<String, String>,
    /// Tantivy's French stemmer behind a tokenizer that keeps its input whole: the word in, its
    /// stem out.
    stemmer: TextAnalyzer,
}

thread_local! {
    static RACINES: RefCell<Racines> = RefCell::new(Racines {
        connues: HashMap::new(),
        stemmer: TextAnalyzer::builder(RawTokenizer::default())
            .filter(Stemmer::new(Language::French))
            .build(),
    });
}

impl Racines {
    /// Replaces `mot` by its stem.
    fn remplace(&mut self, mot: &mut String) {
        if let Some(r) = self.connues.get(mot.as_str()) {
            if r != mot {
                mot.clear();
                mot.push_str(r);
            }
            return;
        }
        let mut flux = self.stemmer.token_stream(mot);
        let racine = if flux.advance() {
            flux.token().text.clone()
        } else {
            mot.clone()
        };
        drop(flux);
        if self.connues.len() >= RACINES_MAX {
            self.connues.clear();
        }
        self.connues
            .insert(std::mem::replace(mot, racine.clone()), racine);
    }
}

/// Token filter: tantivy's French Snowball stemmer (the same stems), with a per-thread memory
/// of the stems already computed — a text's words are mostly words seen before.
#[derive(Clone)]
pub(crate) struct RacinesFr;

impl TokenFilter for RacinesFr {
    type Tokenizer<T: Tokenizer> = FiltreRacines<T>;

    fn transform<T: Tokenizer>(self, interne: T) -> FiltreRacines<T> {
        FiltreRacines { interne }
    }
}

#[derive(Clone)]
pub(crate) struct FiltreRacines<T> {
    interne: T,
}

impl<T: Tokenizer> Tokenizer for FiltreRacines<T> {
    type TokenStream<'a> = FluxRacines<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, texte: &'a str) -> Self::TokenStream<'a> {
        FluxRacines {
            interne: self.interne.token_stream(texte),
        }
    }
}

pub(crate) struct FluxRacines<S> {
    interne: S,
}

impl<S: TokenStream> TokenStream for FluxRacines<S> {
    fn advance(&mut self) -> bool {
        if !self.interne.advance() {
            return false;
        }
        let token = self.interne.token_mut();
        RACINES.with(|r| r.borrow_mut().remplace(&mut token.text));
        true
    }

    fn token(&self) -> &Token {
        self.interne.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.interne.token_mut()
    }
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

/// Cuts a folded string to at most `max` characters.
pub(crate) fn tronque(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Edge n-gram tokenizer over folded text (see [`fold`]): every word's prefixes (`mots`, 1 to
/// [`MAX_PREFIXE_MOT`] characters), or the prefixes of the whole folded text (1 to
/// [`MAX_PREFIXE_NOM`] characters), those ending with a space left out. The prefixes are
/// produced one by one into a single token (no list, no sort: the fields that use it record
/// neither positions nor frequencies, so a prefix met twice in a text changes nothing).
#[derive(Clone)]
pub(crate) struct Prefixes {
    pub(crate) mots: bool,
}

pub(crate) struct FluxPrefixes {
    plie: String,
    mots: bool,
    /// Start of the current word (`mots`; 0 for the whole text).
    debut: usize,
    /// End of the last prefix produced (`debut` before the first of a word).
    fin: usize,
    /// Characters in the last prefix produced.
    longueur: usize,
    token: Token,
}

impl FluxPrefixes {
    /// The next prefix as (start, end), or `None` at the end.
    fn suivant(&mut self) -> Option<(usize, usize)> {
        let max = if self.mots {
            MAX_PREFIXE_MOT
        } else {
            MAX_PREFIXE_NOM
        };
        loop {
            let reste = &self.plie[self.fin..];
            let fin_de_mot = reste.is_empty() || (self.mots && reste.starts_with(' '));
            if self.longueur >= max || fin_de_mot {
                if !self.mots {
                    return None;
                }
                // Next word: skip to the character after the next space.
                let apres = self.plie[self.fin..].find(' ')? + self.fin + 1;
                self.debut = apres;
                self.fin = apres;
                self.longueur = 0;
                continue;
            }
            let c = reste.chars().next()?;
            self.fin += c.len_utf8();
            self.longueur += 1;
            if !self.mots && c == ' ' {
                continue;
            }
            return Some((self.debut, self.fin));
        }
    }
}

impl TokenStream for FluxPrefixes {
    fn advance(&mut self) -> bool {
        match self.suivant() {
            Some((debut, fin)) => {
                self.token.text.clear();
                self.token.text.push_str(&self.plie[debut..fin]);
                self.token.position = self.token.position.wrapping_add(1);
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for Prefixes {
    type TokenStream<'a> = FluxPrefixes;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FluxPrefixes {
        FluxPrefixes {
            plie: fold(text),
            mots: self.mots,
            debut: 0,
            fin: 0,
            longueur: 0,
            token: Token {
                offset_from: 0,
                offset_to: text.len(),
                position: usize::MAX,
                text: String::with_capacity(MAX_PREFIXE_NOM * 2),
                position_length: 1,
            },
        }
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

    fn tous(t: &mut impl Tokenizer, texte: &str) -> Vec<String> {
        let mut flux = t.token_stream(texte);
        let mut vus = Vec::new();
        while let Some(tok) = flux.next() {
            vus.push(tok.text.clone());
        }
        vus
    }

    fn tous_a(a: &mut TextAnalyzer, texte: &str) -> Vec<String> {
        let mut flux = a.token_stream(texte);
        let mut vus = Vec::new();
        while let Some(tok) = flux.next() {
            vus.push(tok.text.clone());
        }
        vus
    }

    /// What the prefix fields held before the tokenizer produced its prefixes one by one: the
    /// sorted, deduplicated list.
    fn prefixes_reference(texte: &str, mots: bool) -> Vec<String> {
        fn prefixes(s: &str, max: usize) -> impl Iterator<Item = &str> {
            s.char_indices()
                .skip(1)
                .map(|(i, _)| i)
                .chain(std::iter::once(s.len()))
                .take(max)
                .map(move |fin| &s[..fin])
        }
        let plie = fold(texte);
        let mut textes: Vec<&str> = Vec::new();
        if mots {
            for mot in plie.split(' ').filter(|m| !m.is_empty()) {
                textes.extend(prefixes(mot, MAX_PREFIXE_MOT));
            }
        } else {
            textes.extend(prefixes(&plie, MAX_PREFIXE_NOM).filter(|p| !p.ends_with(' ')));
        }
        textes.sort_unstable();
        textes.dedup();
        // It gave an empty term for an empty name, which no search looks up (an input that
        // folds to nothing suggests nothing); the new one gives none.
        textes
            .into_iter()
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    }

    proptest::proptest! {
        /// The same set of terms as the former tokenizer, whatever the text.
        #[test]
        fn memes_prefixes(texte in "\\PC{0,80}", mots in proptest::bool::ANY) {
            let mut obtenus = tous(&mut Prefixes { mots }, &texte);
            obtenus.sort_unstable();
            obtenus.dedup();
            proptest::prop_assert_eq!(obtenus, prefixes_reference(&texte, mots));
        }

        /// The same stems as tantivy's French stemmer, first seen or remembered.
        #[test]
        fn memes_racines(texte in "[a-zA-Zéèêàâçôûîœ' -]{0,120}") {
            let mut reference = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .filter(StopWordFilter::remove(
                    STOP_WORDS.iter().map(|w| (*w).to_owned()),
                ))
                .filter(Stemmer::new(Language::French))
                .build();
            let attendus = tous_a(&mut reference, &texte);
            let mut a = analyseur_fr();
            proptest::prop_assert_eq!(&tous_a(&mut a, &texte), &attendus);
            proptest::prop_assert_eq!(&tous_a(&mut a, &texte), &attendus);
        }
    }

    #[test]
    fn prefixes_longs_et_vides() {
        let long = "a".repeat(50);
        let vus = tous(&mut Prefixes { mots: true }, &format!("{long} bc"));
        assert_eq!(vus.len(), MAX_PREFIXE_MOT + 2);
        assert!(vus.contains(&"bc".to_owned()));
        assert!(tous(&mut Prefixes { mots: true }, " -- ").is_empty());
        assert!(tous(&mut Prefixes { mots: false }, "").is_empty());
        let vus = tous(&mut Prefixes { mots: false }, &format!("{long} bc"));
        assert_eq!(vus.len(), MAX_PREFIXE_NOM);
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
