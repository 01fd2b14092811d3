//! Global search: one query over organisations, alliances, support schemes, resources,
//! examples and territories.
//!
//! # A federated design
//!
//! The organisations (up to millions) keep their own index ([`crate::organisations`]); copying
//! them into a second one would double the memory and the start time. Everything else — a few
//! tens of thousands of documents — goes into a small tantivy index ([`IndexGlobal`], same
//! French analyzer) rebuilt one content type at a time from the change feed. [`rechercher`]
//! queries both and merges.
//!
//! # Matching
//!
//! Every analysed word of the text is required, in the name/title or in the text (summary,
//! description, body…), as in the annuaire. Filters combine with AND, values of one facet with
//! OR: types, actor profiles (an organisation's profile; the publics of a scheme or the audience
//! of a resource — all profiles when it is for everyone; alliances and territories have none),
//! SDGs, territory (`niveau:code`, expanded at indexing time: a département includes its
//! communes and EPCIs, as in the annuaire; national records only under `national`).
//!
//! # Typo tolerance (module [`flou`])
//!
//! A word of at least 5 characters may be one edit away from a name/title word, from 9
//! characters two, first character kept. In the small index the fuzzy tier is every document
//! matching with such near title words that does not match exactly. For organisations a word
//! unknown to the index (in no name, short title or text) is replaced by its nearest name word
//! when the exact query finds no organisation (a correction, as « did you mean »); known words
//! are never widened there, so that a common word does not pull thousands of near names out of
//! a million records.
//!
//! # Ranking (the normalised score)
//!
//! Each source's BM25 scores are not comparable with the other's (different statistics), so each
//! list — organisations exact, organisations corrected, small index exact, small index fuzzy —
//! is divided by its best score: the best hit of every list scores 1. Results are ordered by
//! tier (exact before fuzzy or corrected, whatever the scores), then by that normalised score,
//! then by type ([`TypeContenu::rang`]), then by their rank in their own list. Without text every
//! score is 0: types in [`TypeContenu::rang`] order, each in its own order (organisations most
//! recently verified first, the others as written: territories from régions to communes).
//!
//! # Facets
//!
//! Counts over all the matches (both tiers), filters included, except the type counts, which
//! ignore the type filter (they show what the other types hold). Profile and SDG counts are the
//! sums of both indexes'.

pub mod flou;
mod index;

use std::sync::Arc;

use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;

pub use index::{
    ComptesGlobaux, DocGlobal, ErreurIndexGlobal, HitGlobal, IndexGlobal, BOOST_TITRE,
};

use crate::organisations::{analyse, OrgIndex, OrgIndexError, OrgQuery, OrgResults, TERMES_MAX};

/// Number of content types, of actor profile slots, of SDGs.
pub const NB_TYPES: usize = 6;
pub const NB_PROFILS: usize = crate::organisations::NB_PROFILS;
pub const NB_ODD: usize = crate::organisations::NB_ODD;
/// Cap on `offset + limit`: deeper pages are not served.
pub const PROFONDEUR_MAX: usize = 1_000;

/// What a result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeContenu {
    Organisation,
    Alliance,
    Dispositif,
    Ressource,
    Exemple,
    Territoire,
}

impl TypeContenu {
    pub const ALL: [TypeContenu; NB_TYPES] = [
        TypeContenu::Organisation,
        TypeContenu::Alliance,
        TypeContenu::Dispositif,
        TypeContenu::Ressource,
        TypeContenu::Exemple,
        TypeContenu::Territoire,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            TypeContenu::Organisation => "organisation",
            TypeContenu::Alliance => "alliance",
            TypeContenu::Dispositif => "dispositif",
            TypeContenu::Ressource => "ressource",
            TypeContenu::Exemple => "exemple",
            TypeContenu::Territoire => "territoire",
        }
    }

    pub fn from_slug(s: &str) -> Option<TypeContenu> {
        TypeContenu::ALL.into_iter().find(|t| t.slug() == s)
    }

    /// Every slug, comma-separated (error messages).
    pub fn slugs() -> String {
        TypeContenu::ALL
            .iter()
            .map(|t| t.slug())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Position in [`TypeContenu::ALL`] (facet arrays, packed bits).
    pub fn index(self) -> usize {
        TypeContenu::ALL
            .iter()
            .position(|t| *t == self)
            .unwrap_or(0)
    }

    /// The type of a document from its packed type bits (one bit set).
    pub(crate) fn depuis_bits(b: u8) -> Option<TypeContenu> {
        TypeContenu::ALL.get(b.trailing_zeros() as usize).copied()
    }

    /// Order among equal scores: the territory asked for first, then what people build and
    /// use, the organisations (the largest set) last.
    pub fn rang(self) -> u8 {
        match self {
            TypeContenu::Territoire => 0,
            TypeContenu::Alliance => 1,
            TypeContenu::Dispositif => 2,
            TypeContenu::Ressource => 3,
            TypeContenu::Exemple => 4,
            TypeContenu::Organisation => 5,
        }
    }
}

/// A global search. `RequeteGlobale::new(now)` gives the defaults (no filter, 20 hits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequeteGlobale {
    pub texte: Option<String>,
    /// Any of these types (empty: all).
    pub types: Vec<TypeContenu>,
    /// Any of these actor profiles, by index (empty: all).
    pub profils: Vec<u8>,
    /// Any of these SDG numbers (empty: all).
    pub odd: Vec<u8>,
    /// One filter term, `niveau:code` or `national`.
    pub territoire: Option<String>,
    pub sans_demo: bool,
    pub limit: usize,
    pub offset: usize,
    /// Epoch seconds (the organisations' freshness is relative to it).
    pub now: i64,
}

impl RequeteGlobale {
    pub fn new(now: i64) -> Self {
        RequeteGlobale {
            texte: None,
            types: Vec::new(),
            profils: Vec::new(),
            odd: Vec::new(),
            territoire: None,
            sans_demo: false,
            limit: 20,
            offset: 0,
            now,
        }
    }

    fn veut(&self, t: TypeContenu) -> bool {
        self.types.is_empty() || self.types.contains(&t)
    }
}

/// One result. For an organisation only the id is known here (the caller reads its record).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultatGlobal {
    pub type_contenu: TypeContenu,
    /// Record id, or `niveau:code` for a territory.
    pub id: String,
    /// Empty for an organisation.
    pub titre: String,
    /// Empty for an organisation.
    pub resume: String,
    pub demo: bool,
    /// The normalised score, 0 to 1 (see the module's documentation).
    pub score: f32,
    /// Found through a near word (typo tolerance), ranked after the exact matches.
    pub approche: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacettesGlobales {
    /// By [`TypeContenu::index`], ignoring the type filter.
    pub types: [u32; NB_TYPES],
    /// By actor profile index.
    pub profils: [u32; NB_PROFILS],
    /// Index `n - 1` for SDG `n`.
    pub odd: [u32; NB_ODD],
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResultatsGlobaux {
    pub resultats: Vec<ResultatGlobal>,
    pub total: usize,
    pub facettes: FacettesGlobales,
    /// The analysed words of the query and the near words used: what snippets highlight.
    pub termes: Vec<String>,
    /// Words of the query replaced for the organisations (typed word's stem, the name word put
    /// instead, as written in names but folded).
    pub corrections: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ErreurRecherche {
    #[error(transparent)]
    Organisations(#[from] OrgIndexError),
    #[error(transparent)]
    Globale(#[from] ErreurIndexGlobal),
    #[error("recherche globale : {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// A list of hits from one source and tier, before the merge.
struct Liste {
    tier: u8,
    hits: Vec<ResultatGlobal>,
}

impl Liste {
    fn normaliser(&mut self) {
        let max = self.hits.iter().map(|h| h.score).fold(0f32, f32::max);
        for h in &mut self.hits {
            h.score = if max > 0.0 { h.score / max } else { 0.0 };
        }
    }
}

fn hits_orgs(r: &OrgResults, approche: bool) -> Vec<ResultatGlobal> {
    r.hits
        .iter()
        .map(|h| ResultatGlobal {
            type_contenu: TypeContenu::Organisation,
            id: h.id.to_string(),
            titre: String::new(),
            resume: String::new(),
            demo: false,
            score: h.score,
            approche,
        })
        .collect()
}

/// The text of the query with the words unknown to the organisations replaced by the nearest
/// word of their names (None when nothing was replaced or an unknown word has no replacement).
/// Near words are looked up as typed (folded, not stemmed: stems of near words may differ more
/// than the words do) among the names' whole words, and kept only when their stem is in the
/// index.
fn texte_corrige(
    orgs: &OrgIndex,
    analyseur: &mut tantivy::tokenizer::TextAnalyzer,
    texte: &str,
    corrections: &mut Vec<(String, String)>,
    racines: &mut Vec<String>,
) -> Result<Option<String>, ErreurRecherche> {
    let mut jetons: Vec<(usize, usize, String)> = Vec::new();
    {
        let mut flux = analyseur.token_stream(texte);
        while let Some(t) = flux.next() {
            if jetons.len() >= TERMES_MAX {
                break;
            }
            jetons.push((t.offset_from, t.offset_to, t.text.clone()));
        }
    }
    let mut sortie = String::with_capacity(texte.len());
    let mut curseur = 0;
    for (debut, fin, mot) in jetons {
        if orgs.frequence(&mot)? > 0 {
            continue;
        }
        let Some(tape) = texte.get(debut..fin) else {
            return Ok(None);
        };
        if debut < curseur {
            return Ok(None);
        }
        let mut choisi = None;
        for p in orgs.mots_proches_nom(&alliances_domain::texte::fold(tape))? {
            let racines = analyse::termes(analyseur, &p.mot, 2);
            if let [r] = racines.as_slice() {
                if orgs.frequence(r)? > 0 {
                    choisi = Some((p.mot, r.clone()));
                    break;
                }
            }
        }
        let Some((remplacant, racine)) = choisi else {
            return Ok(None);
        };
        sortie.push_str(&texte[curseur..debut]);
        sortie.push_str(&remplacant);
        curseur = fin;
        corrections.push((mot, remplacant));
        racines.push(racine);
    }
    if corrections.is_empty() {
        return Ok(None);
    }
    sortie.push_str(&texte[curseur..]);
    Ok(Some(sortie))
}

/// Searches every content type (see the module's documentation for matching, ranking and
/// facets). `chercher_orgs` runs an organisations query (through a request cache, say); `orgs`
/// is the same index, read for the near words of the typo tolerance.
pub fn rechercher(
    globale: &IndexGlobal,
    orgs: &OrgIndex,
    chercher_orgs: &dyn Fn(&OrgQuery) -> Result<Arc<OrgResults>, OrgIndexError>,
    q: &RequeteGlobale,
) -> Result<ResultatsGlobaux, ErreurRecherche> {
    let mut analyseur = globale.analyseur();
    let texte = q.texte.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let mots = match texte {
        Some(t) => analyse::termes(&mut analyseur, t, TERMES_MAX),
        None => Vec::new(),
    };
    let k = q.offset.saturating_add(q.limit).min(PROFONDEUR_MAX);
    let mut facettes = FacettesGlobales::default();
    let mut listes: Vec<Liste> = Vec::new();
    let mut total = 0usize;
    let mut termes = mots.clone();
    let mut corrections = Vec::new();

    // Organisations: exact, then corrected when nothing was found.
    let veut_orgs = q.veut(TypeContenu::Organisation);
    let oq = OrgQuery {
        texte: texte.map(str::to_owned),
        profils: q.profils.clone(),
        odd: q.odd.clone(),
        territoire: q.territoire.clone(),
        sans_demo: q.sans_demo,
        limit: if veut_orgs { k } else { 0 },
        offset: 0,
        ..OrgQuery::new(q.now)
    };
    let mut r_orgs = chercher_orgs(&oq)?;
    let mut tier_orgs = 0;
    if r_orgs.total == 0 && !mots.is_empty() {
        let mut racines = Vec::new();
        if let Some(t) = texte_corrige(
            orgs,
            &mut analyseur,
            texte.unwrap_or(""),
            &mut corrections,
            &mut racines,
        )? {
            r_orgs = chercher_orgs(&OrgQuery {
                texte: Some(t),
                ..oq.clone()
            })?;
            tier_orgs = 1;
            termes.extend(racines);
        }
    }
    facettes.types[TypeContenu::Organisation.index()] += r_orgs.total as u32;
    if veut_orgs {
        total += r_orgs.total;
        for (a, b) in facettes.profils.iter_mut().zip(r_orgs.facettes.profil) {
            *a += b;
        }
        for (a, b) in facettes.odd.iter_mut().zip(r_orgs.facettes.odd) {
            *a += b;
        }
        listes.push(Liste {
            tier: tier_orgs,
            hits: hits_orgs(&r_orgs, tier_orgs == 1),
        });
    }

    // The small index: exact, then fuzzy.
    let types = TypeContenu::ALL
        .iter()
        .filter(|t| **t != TypeContenu::Organisation && q.veut(**t))
        .fold(0u8, |m, t| m | (1 << t.index()));
    let proches: Vec<Vec<String>> = mots
        .iter()
        .map(|m| {
            globale
                .proches(m)
                .map(|v| v.into_iter().map(|p| p.mot).collect())
        })
        .collect::<Result<_, _>>()?;
    let mut requete = index::RequeteIndex {
        mots: &mots,
        proches: &proches,
        approchee: false,
        types,
        profils: &q.profils,
        odd: &q.odd,
        territoire: q.territoire.as_deref(),
        sans_demo: q.sans_demo,
        k: if types == 0 { 0 } else { k },
    };
    let mut sorties = vec![(0u8, globale.chercher(&requete)?)];
    if proches.iter().any(|p| !p.is_empty()) {
        requete.approchee = true;
        sorties.push((1, globale.chercher(&requete)?));
        for p in proches.iter().flatten() {
            if !termes.contains(p) {
                termes.push(p.clone());
            }
        }
    }
    for (tier, s) in sorties {
        total += s.total;
        for (a, b) in facettes.types.iter_mut().zip(s.comptes.types) {
            *a += b;
        }
        for (a, b) in facettes.profils.iter_mut().zip(s.comptes.profils) {
            *a += b;
        }
        for (a, b) in facettes.odd.iter_mut().zip(s.comptes.odd) {
            *a += b;
        }
        listes.push(Liste {
            tier,
            hits: s
                .hits
                .into_iter()
                .map(|h| ResultatGlobal {
                    type_contenu: h.type_contenu,
                    id: h.id,
                    titre: h.titre,
                    resume: h.resume,
                    demo: h.demo,
                    score: h.score,
                    approche: tier == 1,
                })
                .collect(),
        });
    }

    // Merge.
    let mut tous: Vec<(u8, usize, ResultatGlobal)> = Vec::new();
    for mut l in listes {
        l.normaliser();
        tous.extend(l.hits.into_iter().enumerate().map(|(i, h)| (l.tier, i, h)));
    }
    tous.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.2.score.total_cmp(&a.2.score))
            .then(a.2.type_contenu.rang().cmp(&b.2.type_contenu.rang()))
            .then(a.1.cmp(&b.1))
    });
    let resultats = tous
        .into_iter()
        .skip(q.offset)
        .take(q.limit)
        .map(|(_, _, r)| r)
        .collect();
    Ok(ResultatsGlobaux {
        resultats,
        total,
        facettes,
        termes,
        corrections,
    })
}

/// An HTML-safe excerpt of `texte` around the words of `termes` (analysed words, as in
/// [`ResultatsGlobaux::termes`]): at most `max` characters, the matching words in `<mark>`,
/// everything else escaped. Without a match, the start of the text (escaped), cut at a word.
pub fn extrait(texte: &str, termes: &[String], max: usize) -> String {
    let poids = termes.iter().map(|t| (t.clone(), 1.0)).collect();
    let generateur =
        SnippetGenerator::new(poids, analyse::analyseur_fr(), Field::from_field_id(0), max);
    let mut s = generateur.snippet(texte);
    if !s.is_empty() && !s.highlighted().is_empty() {
        s.set_snippet_prefix_postfix("<mark>", "</mark>");
        let mut html = s.to_html();
        let r = s.fragment_range();
        if r.start > 0 {
            html.insert(0, '…');
        }
        if r.end < texte.len() {
            html.push('…');
        }
        return html;
    }
    let mut debut: String = texte.chars().take(max).collect();
    if debut.len() < texte.len() {
        if let Some(i) = debut.rfind(char::is_whitespace) {
            debut.truncate(i);
        }
        debut.push('…');
    }
    echappe(&debut)
}

/// The whole of `texte` (a title), HTML-safe, its words found in `termes` (analysed words)
/// in `<mark>`.
pub fn surligne(texte: &str, termes: &[String]) -> String {
    let mut analyseur = analyse::analyseur_fr();
    let mut out = String::with_capacity(texte.len() + 16);
    let mut curseur = 0;
    let mut flux = analyseur.token_stream(texte);
    while let Some(t) = flux.next() {
        if !termes.contains(&t.text) || t.offset_from < curseur {
            continue;
        }
        let (Some(avant), Some(mot)) = (
            texte.get(curseur..t.offset_from),
            texte.get(t.offset_from..t.offset_to),
        ) else {
            continue;
        };
        out.push_str(&echappe(avant));
        out.push_str("<mark>");
        out.push_str(&echappe(mot));
        out.push_str("</mark>");
        curseur = t.offset_to;
    }
    out.push_str(&echappe(texte.get(curseur..).unwrap_or_default()));
    out
}

/// Escapes the characters that mean something in HTML.
pub fn echappe(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests;
