//! The small index of the global search: alliances, support schemes, resources, examples and
//! territories (a few tens of thousands of documents), in memory, rebuilt one content type at a
//! time when the change feed reports a change of that type.

use std::sync::Mutex;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
    STORED, STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal,
    SegmentReader, TantivyDocument, Term,
};

use super::{TypeContenu, NB_ODD, NB_PROFILS, NB_TYPES};
use crate::organisations::analyse;

/// Weight of the title relative to the summary and text.
pub const BOOST_TITRE: f32 = 3.0;

/// What the global index knows of a document, mapped by the application from its records.
#[derive(Debug, Clone, PartialEq)]
pub struct DocGlobal {
    /// Never [`TypeContenu::Organisation`]: organisations have their own index.
    pub type_contenu: TypeContenu,
    /// The id of the record (`"42"`), or `niveau:code` for a territory.
    pub id: String,
    /// Name or title.
    pub titre: String,
    /// Summary or description (stored: the snippet is taken from it).
    pub resume: String,
    /// More text searched but not shown (body, problem addressed, themes…).
    pub texte: String,
    /// Bit `i` set for the actor profile of index `i` the content is for (a scheme's publics, a
    /// resource's audience: all bits when it is for everyone; none for an alliance or a
    /// territory).
    pub profils: u16,
    /// Bit `n - 1` set for SDG `n`.
    pub odd: u32,
    /// Filter terms, expanded by the caller as for organisations (`"departement:42"`, …).
    pub territoires: Vec<String>,
    pub demo: bool,
}

/// A hit of the global index.
#[derive(Debug, Clone, PartialEq)]
pub struct HitGlobal {
    pub type_contenu: TypeContenu,
    pub id: String,
    pub titre: String,
    pub resume: String,
    pub demo: bool,
    pub score: f32,
}

/// Facet counts of a search of the global index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComptesGlobaux {
    /// Every type, whatever the type filter (a tab bar shows what the other types hold).
    pub types: [u32; NB_TYPES],
    /// Within the types asked for.
    pub profils: [u32; NB_PROFILS],
    pub odd: [u32; NB_ODD],
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SortieGlobale {
    pub hits: Vec<HitGlobal>,
    /// Matches within the types asked for.
    pub total: usize,
    pub comptes: ComptesGlobaux,
}

// Packed facet bits (`bits` fast field): type in bits 0–7 (one bit per type), profiles 8–23,
// SDGs 24–40, demo 48.
const DECALAGE_PROFILS: u32 = 8;
const DECALAGE_ODD: u32 = 24;
const BIT_DEMO: u64 = 1 << 48;

#[derive(Clone, Copy)]
struct Champs {
    id: Field,
    titre: Field,
    resume: Field,
    texte: Field,
    filtres: Field,
    bits: Field,
}

fn schema() -> (Schema, Champs) {
    let mut b = Schema::builder();
    let fr = |stocke: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyse::FR)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        if stocke {
            o.set_stored()
        } else {
            o
        }
    };
    let champs = Champs {
        id: b.add_text_field("id", STRING | STORED),
        titre: b.add_text_field("titre", fr(true)),
        resume: b.add_text_field("resume", STORED),
        texte: b.add_text_field("texte", fr(false)),
        filtres: b.add_text_field("filtres", STRING),
        bits: b.add_u64_field("bits", NumericOptions::default().set_fast().set_stored()),
    };
    (b.build(), champs)
}

/// A query of the global index: the analysed words (each required), with for some of them the
/// near title words accepted instead (typo tolerance), and the filters.
pub(crate) struct RequeteIndex<'a> {
    pub(crate) mots: &'a [String],
    /// Per word: near title words (empty: exact only).
    pub(crate) proches: &'a [Vec<String>],
    /// Only documents matching through at least one near word (the fuzzy tier): the exact
    /// matches are excluded.
    pub(crate) approchee: bool,
    /// Bit per type asked for (all bits: every type).
    pub(crate) types: u8,
    pub(crate) profils: &'a [u8],
    pub(crate) odd: &'a [u8],
    pub(crate) territoire: Option<&'a str>,
    pub(crate) sans_demo: bool,
    pub(crate) k: usize,
}

/// The global index. Searches read the reader's current searcher; writes take turns.
pub struct IndexGlobal {
    reader: IndexReader,
    champs: Champs,
    ecrivain: Mutex<IndexWriter>,
    analyseur: TextAnalyzer,
}

#[derive(Debug, thiserror::Error)]
pub enum ErreurIndexGlobal {
    #[error("index de la recherche globale : {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("index de la recherche globale : un écrivain a paniqué, index inutilisable")]
    Empoisonne,
}

/// Arena of the writer (a full rebuild of every type stays well below).
const ECRIVAIN_MEMOIRE: usize = 64 << 20;

impl Default for IndexGlobal {
    fn default() -> Self {
        Self::new()
    }
}

impl IndexGlobal {
    /// An empty index in memory.
    pub fn new() -> Self {
        let (schema, champs) = schema();
        let index = Index::create_in_ram(schema);
        index
            .tokenizers()
            .register(analyse::FR, analyse::analyseur_fr());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .expect("a reader of an index in memory opens");
        let ecrivain = index
            .writer_with_num_threads(1, ECRIVAIN_MEMOIRE)
            .expect("a writer of an index in memory opens");
        IndexGlobal {
            reader,
            champs,
            ecrivain: Mutex::new(ecrivain),
            analyseur: analyse::analyseur_fr(),
        }
    }

    /// The French analyzer of the index (the same as the organisations').
    pub(crate) fn analyseur(&self) -> TextAnalyzer {
        self.analyseur.clone()
    }

    /// Replaces every document of the types in `types` by `docs` (whose types must be among
    /// them), in one commit: searches see the old documents until then.
    pub fn remplacer(
        &self,
        types: &[TypeContenu],
        docs: impl IntoIterator<Item = DocGlobal>,
    ) -> Result<(), ErreurIndexGlobal> {
        let mut w = self
            .ecrivain
            .lock()
            .map_err(|_| ErreurIndexGlobal::Empoisonne)?;
        for t in types {
            w.delete_term(Term::from_field_text(
                self.champs.filtres,
                &format!("type:{}", t.slug()),
            ));
        }
        let ecrit = || -> tantivy::Result<()> {
            for d in docs {
                debug_assert!(types.contains(&d.type_contenu));
                w.add_document(self.document(&d))?;
            }
            w.commit()?;
            Ok(())
        };
        if let Err(e) = ecrit() {
            let _ = w.rollback();
            return Err(e.into());
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Documents of a type (diagnostics, tests).
    pub fn nombre(&self, t: TypeContenu) -> Result<u64, ErreurIndexGlobal> {
        let searcher = self.reader.searcher();
        Ok(searcher.doc_freq(&Term::from_field_text(
            self.champs.filtres,
            &format!("type:{}", t.slug()),
        ))?)
    }

    fn document(&self, d: &DocGlobal) -> TantivyDocument {
        let c = &self.champs;
        let mut doc = TantivyDocument::default();
        doc.add_text(c.id, &d.id);
        doc.add_text(c.titre, &d.titre);
        doc.add_text(c.resume, &d.resume);
        let mut texte = String::with_capacity(d.resume.len() + d.texte.len() + 1);
        texte.push_str(&d.resume);
        texte.push(' ');
        texte.push_str(&d.texte);
        doc.add_text(c.texte, &texte);
        doc.add_text(c.filtres, format!("type:{}", d.type_contenu.slug()));
        for i in 0..NB_PROFILS {
            if d.profils & (1 << i) != 0 {
                doc.add_text(c.filtres, format!("profil:{i}"));
            }
        }
        for n in 1..=NB_ODD {
            if d.odd & (1 << (n - 1)) != 0 {
                doc.add_text(c.filtres, format!("odd:{n}"));
            }
        }
        if d.demo {
            doc.add_text(c.filtres, "demo");
        }
        for t in &d.territoires {
            doc.add_text(c.filtres, t);
        }
        let bits = (1u64 << d.type_contenu.index())
            | (u64::from(d.profils) << DECALAGE_PROFILS)
            | (u64::from(d.odd & 0x1FFFF) << DECALAGE_ODD)
            | if d.demo { BIT_DEMO } else { 0 };
        doc.add_u64(c.bits, bits);
        doc
    }

    /// The title words near `mot` (typo tolerance).
    pub(crate) fn proches(&self, mot: &str) -> tantivy::Result<Vec<super::flou::Proche>> {
        super::flou::proches(&self.reader.searcher(), &[self.champs.titre], mot)
    }

    fn filtre(&self, t: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(self.champs.filtres, t),
            IndexRecordOption::Basic,
        ))
    }

    /// One word's clause: in the title (boosted) or the text, or one of its near title words.
    fn clause_mot(&self, mot: &str, proches: &[String], avec_proches: bool) -> Box<dyn Query> {
        let c = &self.champs;
        let mut ou: Vec<(Occur, Box<dyn Query>)> = vec![
            (
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(c.titre, mot),
                        IndexRecordOption::WithFreqs,
                    )),
                    BOOST_TITRE,
                )),
            ),
            (
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(c.texte, mot),
                    IndexRecordOption::WithFreqs,
                )),
            ),
        ];
        if avec_proches {
            for p in proches {
                ou.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(c.titre, p),
                            IndexRecordOption::WithFreqs,
                        )),
                        BOOST_TITRE,
                    )),
                ));
            }
        }
        Box::new(BooleanQuery::new(ou))
    }

    /// Searches: the best `k` within the types asked for, best first (BM25; without words, in
    /// the order documents were written), the count and facets.
    pub(crate) fn chercher(&self, r: &RequeteIndex) -> Result<SortieGlobale, ErreurIndexGlobal> {
        let searcher = self.reader.searcher();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, mot) in r.mots.iter().enumerate() {
            let proches = r.proches.get(i).map(Vec::as_slice).unwrap_or(&[]);
            clauses.push((Occur::Must, self.clause_mot(mot, proches, r.approchee)));
        }
        if r.approchee {
            // Exact matches belong to the first tier.
            let exacts: Vec<(Occur, Box<dyn Query>)> = r
                .mots
                .iter()
                .map(|m| (Occur::Must, self.clause_mot(m, &[], false)))
                .collect();
            if !exacts.is_empty() {
                clauses.push((Occur::MustNot, Box::new(BooleanQuery::new(exacts))));
            }
        }
        let mut filtres: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let groupe = |termes: Vec<String>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                termes
                    .iter()
                    .map(|t| (Occur::Should, self.filtre(t)))
                    .collect(),
            ))
        };
        if !r.profils.is_empty() {
            filtres.push((
                Occur::Must,
                groupe(r.profils.iter().map(|p| format!("profil:{p}")).collect()),
            ));
        }
        if !r.odd.is_empty() {
            filtres.push((
                Occur::Must,
                groupe(r.odd.iter().map(|n| format!("odd:{n}")).collect()),
            ));
        }
        if let Some(t) = r.territoire {
            filtres.push((Occur::Must, self.filtre(t)));
        }
        if r.sans_demo {
            filtres.push((Occur::MustNot, self.filtre("demo")));
        }
        for (o, q) in filtres {
            // Filters weigh nothing in the score.
            let q: Box<dyn Query> = if o == Occur::Must {
                Box::new(BoostQuery::new(q, 0.0))
            } else {
                q
            };
            clauses.push((o, q));
        }
        let requete: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
            Box::new(BooleanQuery::new(clauses))
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        let collecte = Collecte {
            k: r.k,
            types: r.types,
            avec_score: !r.mots.is_empty(),
        };
        let (top, total, comptes) = searcher.search(requete.as_ref(), &collecte)?;
        let c = &self.champs;
        let mut hits = Vec::with_capacity(top.len());
        for (score, _, adresse) in top {
            let doc: TantivyDocument = searcher.doc(adresse)?;
            let texte = |f: Field| {
                doc.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let bits = doc.get_first(c.bits).and_then(|v| v.as_u64()).unwrap_or(0);
            let Some(type_contenu) = TypeContenu::depuis_bits(bits as u8) else {
                continue;
            };
            hits.push(HitGlobal {
                type_contenu,
                id: texte(c.id),
                titre: texte(c.titre),
                resume: texte(c.resume),
                demo: bits & BIT_DEMO != 0,
                score,
            });
        }
        Ok(SortieGlobale {
            hits,
            total: total as usize,
            comptes,
        })
    }
}

/// Collects the best `k` of the types asked for, their count and facets, and the count of every
/// type.
struct Collecte {
    k: usize,
    types: u8,
    avec_score: bool,
}

type Fruit = (Vec<Classe>, u64, ComptesGlobaux);

/// A kept document: score, its type's [`TypeContenu::rang`], address.
type Classe = (Score, u8, DocAddress);

struct CollecteSegment {
    ord: SegmentOrdinal,
    k: usize,
    types: u8,
    avec_score: bool,
    bits: Column<u64>,
    /// Best first after sorting; kept as a bounded list (k is small).
    top: Vec<Classe>,
    total: u64,
    comptes: ComptesGlobaux,
}

/// Best first: higher score, then the type's rank (as the merge orders), then earlier document.
fn ordre(a: &Classe, b: &Classe) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
}

impl Collector for Collecte {
    type Fruit = Fruit;
    type Child = CollecteSegment;

    fn for_segment(&self, ord: SegmentOrdinal, sr: &SegmentReader) -> tantivy::Result<Self::Child> {
        let bits = sr.fast_fields().u64("bits")?;
        Ok(CollecteSegment {
            ord,
            k: self.k,
            types: self.types,
            avec_score: self.avec_score,
            bits,
            top: Vec::new(),
            total: 0,
            comptes: ComptesGlobaux::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.avec_score
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut top = Vec::new();
        let mut total = 0;
        let mut comptes = ComptesGlobaux::default();
        for (t, n, c) in fruits {
            top.extend(t);
            total += n;
            for (a, b) in comptes.types.iter_mut().zip(c.types) {
                *a += b;
            }
            for (a, b) in comptes.profils.iter_mut().zip(c.profils) {
                *a += b;
            }
            for (a, b) in comptes.odd.iter_mut().zip(c.odd) {
                *a += b;
            }
        }
        top.sort_by(ordre);
        top.truncate(self.k);
        Ok((top, total, comptes))
    }
}

impl CollecteSegment {
    fn garder(&mut self, score: Score, rang: u8, doc: DocId) {
        if self.k == 0 {
            return;
        }
        self.top.push((score, rang, DocAddress::new(self.ord, doc)));
        if self.top.len() >= self.k * 2 + 16 {
            self.top.sort_by(ordre);
            self.top.truncate(self.k);
        }
    }
}

impl SegmentCollector for CollecteSegment {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        let bits = self.bits.first(doc).unwrap_or(0);
        let type_bits = (bits & 0xFF) as u8;
        for (i, n) in self.comptes.types.iter_mut().enumerate() {
            if type_bits & (1 << i) != 0 {
                *n += 1;
            }
        }
        if type_bits & self.types == 0 {
            return;
        }
        self.total += 1;
        let profils = (bits >> DECALAGE_PROFILS) & 0xFFFF;
        for (i, n) in self.comptes.profils.iter_mut().enumerate() {
            if profils & (1 << i) != 0 {
                *n += 1;
            }
        }
        let odd = (bits >> DECALAGE_ODD) & 0x1FFFF;
        for (i, n) in self.comptes.odd.iter_mut().enumerate() {
            if odd & (1 << i) != 0 {
                *n += 1;
            }
        }
        let score = if self.avec_score { score } else { 0.0 };
        let rang = TypeContenu::depuis_bits(type_bits).map_or(u8::MAX, TypeContenu::rang);
        self.garder(score, rang, doc);
    }

    fn harvest(mut self) -> Fruit {
        self.top.sort_by(ordre);
        self.top.truncate(self.k);
        (self.top, self.total, self.comptes)
    }
}
