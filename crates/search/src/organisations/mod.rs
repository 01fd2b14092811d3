//! Full-text and faceted search over the organisations (tantivy), with the name autocomplete.
//!
//! The application maps its records to [`OrgDoc`], fills the index at start ([`OrgIndex::rebuild`])
//! and pushes the changes the change feed reports ([`OrgIndex::apply`]). Like every index of this
//! crate it is a cache: delete it and a rebuild brings it back.
//!
//! # Matching
//!
//! The query text goes through the French analyzer (words, lower case, ASCII folding, stop
//! words, Snowball stemming) and every remaining term must occur in the name, the short title
//! (`sigle`) or the text. The query is built from those terms, never parsed: quotes, colons,
//! parentheses or dashes are only separators. A text made only of stop words filters nothing.
//! Territory, profile, SDG, offer, need, freshness and activity filters combine with AND; inside
//! one facet the values combine with OR ("any of").
//!
//! # Ranking
//!
//! With a text: BM25 (name and short title weigh [`BOOST_NOM`] times the text), multiplied by
//! [`DEMOTION_PERIME`] for a record not verified within [`FRAICHEUR_SECONDES`] of `now` (a stale
//! record drops below fresh ones of similar relevance, but a much better match still comes first),
//! then the most recently verified, then the smallest id. Without a text: most recently verified
//! first, then the smallest id.
//!
//! # Facets
//!
//! Counted over every match of the query, filters included (drill-down), not only the page.
//!
//! # Autocomplete
//!
//! [`OrgIndex::suggest`]: every word typed must start a word of the name or short title
//! (folded: accents, case, punctuation ignored). Best first: names starting with the whole
//! input, then active records, then the most recently verified, then the smallest id.
//!
//! # How it stays fast (1,000,000 records: see `examples/bench_orgs.rs`)
//!
//! - Segments are sorted on the verification date, most recent first (tantivy index sorting):
//!   the up-to-date records of a segment are a prefix, "most recent first" is document order,
//!   and among equal scores the first seen wins.
//! - When a searcher first sees a segment, plain arrays are read from its fast fields and norms
//!   (module `segment`): ids, packed facet bits, dates, field norms, one bitset per facet
//!   value.
//! - Searches do not go through tantivy's query and collector machinery (dynamic dispatch per
//!   matching document) but through the module `moteur`, over block postings and bitsets of 64
//!   documents: facet counts over hundreds of thousands of matches are popcounts, and the top-k
//!   pass skips every word of 64 documents whose score bound cannot enter the page.
//! - A rebuild writes with several threads and a large arena, commits once, then merges into one
//!   segment. Later changes go to small segments that tantivy's merge policy merges in the
//!   background; the reader is reloaded after each commit and the arrays of segments already
//!   seen are reused.
//! - Searches read an atomically swapped snapshot (searcher and arrays): no lock; the scratch
//!   buffers of a search come from a pool.

pub(crate) mod analyse;
mod moteur;
mod segment;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::ArcSwap;
use tantivy::directory::error::OpenDirectoryError;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, EnableScoring, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value, STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexSettings, IndexSortByField, IndexWriter, Order,
    ReloadPolicy, Searcher, TantivyDocument, Term,
};

use moteur::{Brouillon, Filtre, Liste, Plan, Sortie, TermePlan, TopK};
use segment::{bits, SegData, SegVue};

/// Weight of the name and the short title relative to the text.
pub const BOOST_NOM: f32 = 3.0;
/// Score factor of a stale record (not verified within [`FRAICHEUR_SECONDES`]).
pub const DEMOTION_PERIME: f32 = 0.5;
/// A record verified less than this long before `now` is up to date (365 days).
pub const FRAICHEUR_SECONDES: i64 = 365 * 86_400;
/// Cap on `offset + limit`: deeper pages are not served.
pub const PROFONDEUR_MAX: usize = 10_000;
/// Query terms kept from a text (the first distinct ones); the rest of a long input is ignored.
pub const TERMES_MAX: usize = 16;

/// Number of actor profiles, of SDGs, of resource kinds.
pub const NB_PROFILS: usize = 16;
pub const NB_ODD: usize = 17;
pub const NB_RESSOURCES: usize = 16;

/// What the index knows of an organisation, mapped by the application from its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgDoc {
    /// Database id.
    pub id: i64,
    pub nom: String,
    /// Short title (acronym).
    pub sigle: Option<String>,
    /// Description, object, themes… concatenated (French).
    pub texte: String,
    /// Index of the actor profile, `0..16` (larger values are stored as 15).
    pub profil: u8,
    /// Bit `n - 1` set for SDG `n` (primary and secondary).
    pub odd: u32,
    /// Bit `k` set when resource kind `k` (< 16) is offered.
    pub offres: u32,
    /// Bit `k` set when resource kind `k` (< 16) is needed.
    pub besoins: u32,
    /// Filter terms, already expanded by the caller: `"commune:75056"`, `"epci:200054781"`,
    /// `"departement:75"`, `"region:11"` for the headquarters and for every territory of the
    /// scope with its ancestors, `"national"` for a national scope.
    pub territoires: Vec<String>,
    /// Last verification, epoch seconds.
    pub verifie_le: i64,
    /// False once dissolved or closed: still found, unless the query asks for active ones only.
    pub actif: bool,
    pub demo: bool,
}

/// Freshness of a record at the query's `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fraicheur {
    /// Verified at or after `now - FRAICHEUR_SECONDES`.
    AJour,
    /// Not verified for longer.
    APerime,
}

/// A search. `OrgQuery::new(now)` gives the defaults (no filter, 20 hits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgQuery {
    /// Free text typed by the user (any characters, any length).
    pub texte: Option<String>,
    /// Any of these profiles (empty: all; a value above 15 matches nothing).
    pub profils: Vec<u8>,
    /// Any of these SDG numbers, `1..=17` (empty: all; a value outside matches nothing).
    pub odd: Vec<u8>,
    /// Any of these offered kinds (bit mask, 0: all).
    pub offres: u32,
    /// Any of these needed kinds (bit mask, 0: all).
    pub besoins: u32,
    /// One filter term as in [`OrgDoc::territoires`], e.g. `"departement:75"`.
    pub territoire: Option<String>,
    pub fraicheur: Option<Fraicheur>,
    pub actifs_seulement: bool,
    /// Leave demonstration records out.
    pub sans_demo: bool,
    pub limit: usize,
    pub offset: usize,
    /// The current time, epoch seconds (freshness is relative to it).
    pub now: i64,
}

impl OrgQuery {
    pub fn new(now: i64) -> Self {
        OrgQuery {
            texte: None,
            profils: Vec::new(),
            odd: Vec::new(),
            offres: 0,
            besoins: 0,
            territoire: None,
            fraicheur: None,
            actifs_seulement: false,
            sans_demo: false,
            limit: 20,
            offset: 0,
            now,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrgHit {
    pub id: i64,
    /// The ranking score (BM25 with the demotion applied); 0 without a text.
    pub score: f32,
}

/// Facet counts over all the matches of a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facettes {
    pub profil: [u32; NB_PROFILS],
    /// Index `n - 1` for SDG `n`.
    pub odd: [u32; NB_ODD],
    pub offres: [u32; NB_RESSOURCES],
    pub besoins: [u32; NB_RESSOURCES],
    pub a_jour: u32,
    pub perimes: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrgResults {
    /// The page asked for (`offset`, `limit`), best first.
    pub hits: Vec<OrgHit>,
    /// Number of matches.
    pub total: usize,
    pub facettes: Facettes,
}

#[derive(Debug, thiserror::Error)]
pub enum OrgIndexError {
    #[error("index des organisations : {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("index des organisations, dossier {} : {source}", chemin.display())]
    Dossier {
        chemin: PathBuf,
        #[source]
        source: OpenDirectoryError,
    },
    #[error("index des organisations, dossier {} : {source}", chemin.display())]
    Io {
        chemin: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("index des organisations : un écrivain a paniqué, index inutilisable")]
    Empoisonne,
}

#[derive(Clone, Copy)]
struct Champs {
    id: Field,
    nom: Field,
    sigle: Field,
    texte: Field,
    nom_mots: Field,
    nom_debut: Field,
    bits: Field,
    verifie_le: Field,
    territoires: Field,
}

fn schema() -> (Schema, Champs) {
    let mut b = Schema::builder();
    let plein_texte = |stocke: bool| {
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
    let prefixes = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        )
    };
    let champs = Champs {
        id: b.add_i64_field("id", NumericOptions::default().set_indexed().set_fast()),
        nom: b.add_text_field("nom", plein_texte(true)),
        sigle: b.add_text_field("sigle", plein_texte(false)),
        texte: b.add_text_field("texte", plein_texte(false)),
        nom_mots: b.add_text_field("nom_mots", prefixes(analyse::PREFIXES_MOTS)),
        nom_debut: b.add_text_field("nom_debut", prefixes(analyse::PREFIXES_NOM)),
        bits: b.add_u64_field("bits", NumericOptions::default().set_fast()),
        verifie_le: b.add_i64_field("verifie_le", NumericOptions::default().set_fast()),
        territoires: b.add_text_field("territoires", STRING),
    };
    (b.build(), champs)
}

/// What a search reads: a searcher and the arrays of its segments, in the searcher's order.
struct Instantane {
    searcher: Searcher,
    segments: Vec<SegVue>,
}

/// Documents are sorted on the verification date, most recent first, inside every segment.
fn reglages() -> IndexSettings {
    IndexSettings {
        sort_by_field: Some(IndexSortByField {
            field: "verifie_le".to_owned(),
            order: Order::Desc,
        }),
        ..IndexSettings::default()
    }
}

/// Writer settings outside a rebuild: one thread, an arena that holds an import's 40,000-record
/// application in one segment (allocated as it fills: small updates use little of it).
const ECRIVAIN_THREADS: usize = 1;
const ECRIVAIN_MEMOIRE: usize = 192 << 20;
/// Scratch buffers kept for later searches (about 4.3 MB each for a million records); more
/// concurrent searches allocate their own.
const BROUILLONS_MAX: usize = 8;
/// Per-thread arena of a rebuild, and the most threads it uses (at most 2 GiB of arenas).
const RECONSTRUCTION_MEMOIRE_PAR_THREAD: usize = 512 << 20;
const RECONSTRUCTION_THREADS_MAX: usize = 4;

/// The organisations index. Searches are lock-free (an atomically swapped snapshot); writes
/// ([`rebuild`](Self::rebuild), [`apply`](Self::apply)) take turns.
pub struct OrgIndex {
    index: Index,
    champs: Champs,
    reader: IndexReader,
    ecrivain: Mutex<Option<IndexWriter>>,
    instantane: ArcSwap<Instantane>,
    analyseur: TextAnalyzer,
    brouillons: Mutex<Vec<Brouillon>>,
    /// No document with a larger id was ever written to the index (deleted ones included): an
    /// upsert above it adds without first deleting its id — the delete query an upsert costs
    /// otherwise is for nothing when an import adds new records.
    id_max: AtomicI64,
}

impl OrgIndex {
    /// An index in memory.
    pub fn in_ram() -> Self {
        let (schema, _) = schema();
        Index::builder()
            .schema(schema)
            .settings(reglages())
            .create_in_ram()
            .map_err(OrgIndexError::from)
            .and_then(Self::with_index)
            .expect("an index in memory opens without error")
    }

    /// An index in `dir` (created if missing), memory-mapped: for large sets, and to restart
    /// without a rebuild. An index written with another schema is refused
    /// ([`OrgIndexError::Tantivy`] with a schema error): delete the folder, then rebuild.
    pub fn open_or_create(dir: &Path) -> Result<Self, OrgIndexError> {
        std::fs::create_dir_all(dir).map_err(|source| OrgIndexError::Io {
            chemin: dir.to_owned(),
            source,
        })?;
        let repertoire = MmapDirectory::open(dir).map_err(|source| OrgIndexError::Dossier {
            chemin: dir.to_owned(),
            source,
        })?;
        let (schema, _) = schema();
        Self::with_index(
            Index::builder()
                .schema(schema)
                .settings(reglages())
                .open_or_create(repertoire)?,
        )
    }

    fn with_index(index: Index) -> Result<Self, OrgIndexError> {
        let (_, champs) = schema();
        index
            .tokenizers()
            .register(analyse::FR, analyse::analyseur_fr());
        index.tokenizers().register(
            analyse::PREFIXES_MOTS,
            TextAnalyzer::from(analyse::Prefixes { mots: true }),
        );
        index.tokenizers().register(
            analyse::PREFIXES_NOM,
            TextAnalyzer::from(analyse::Prefixes { mots: false }),
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let ecrivain = index.writer_with_num_threads(ECRIVAIN_THREADS, ECRIVAIN_MEMOIRE)?;
        let instantane = Instantane::charger(&reader, None, &champs)?;
        let mut id_max = i64::MIN;
        for sr in instantane.searcher.segment_readers() {
            id_max = id_max.max(sr.fast_fields().i64("id")?.max_value());
        }
        Ok(OrgIndex {
            index,
            champs,
            reader,
            ecrivain: Mutex::new(Some(ecrivain)),
            instantane: ArcSwap::from_pointee(instantane),
            analyseur: analyse::analyseur_fr(),
            brouillons: Mutex::new(Vec::new()),
            id_max: AtomicI64::new(id_max),
        })
    }

    /// Number of organisations indexed.
    pub fn len(&self) -> usize {
        self.instantane.load().searcher.num_docs() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of segments searched (1 after a rebuild; diagnostics).
    pub fn segments(&self) -> usize {
        self.instantane.load().segments.len()
    }

    fn ecrivain(&self) -> Result<MutexGuard<'_, Option<IndexWriter>>, OrgIndexError> {
        self.ecrivain.lock().map_err(|_| OrgIndexError::Empoisonne)
    }

    /// Replaces the whole content with `docs`, in one commit (searches see the old content until
    /// then). Indexes with one thread per core and a large arena, then merges into one segment.
    pub fn rebuild(&self, docs: impl Iterator<Item = OrgDoc>) -> Result<(), OrgIndexError> {
        let mut garde = self.ecrivain()?;
        // One writer at a time on an index: close the usual one, open a big one.
        if let Some(w) = garde.take() {
            w.wait_merging_threads()?;
        }
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(RECONSTRUCTION_THREADS_MAX);
        let mut w: IndexWriter = self
            .index
            .writer_with_num_threads(threads, threads * RECONSTRUCTION_MEMOIRE_PAR_THREAD)?;
        w.delete_all_documents()?;
        let mut id_max = i64::MIN;
        for doc in docs {
            id_max = id_max.max(doc.id);
            w.add_document(self.document(&doc))?;
        }
        w.commit()?;
        self.id_max.store(id_max, AtomicOrdering::Release);
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            w.merge(&segments).wait()?;
        }
        w.wait_merging_threads()?;
        *garde = Some(
            self.index
                .writer_with_num_threads(ECRIVAIN_THREADS, ECRIVAIN_MEMOIRE)?,
        );
        self.recharger()
    }

    /// Applies changes: each upsert replaces the record of the same id (or adds it; the last one
    /// wins when an id comes twice), then each id of `deletes` is removed (an id in both ends up
    /// deleted). One commit; the next search sees the changes.
    pub fn apply(&self, upserts: Vec<OrgDoc>, deletes: &[i64]) -> Result<(), OrgIndexError> {
        if upserts.is_empty() && deletes.is_empty() {
            return Ok(());
        }
        let mut garde = self.ecrivain()?;
        let w = match garde.as_mut() {
            Some(w) => w,
            None => {
                *garde = Some(
                    self.index
                        .writer_with_num_threads(ECRIVAIN_THREADS, ECRIVAIN_MEMOIRE)?,
                );
                garde.as_mut().expect("just set")
            }
        };
        let mut id_max = self.id_max.load(AtomicOrdering::Acquire);
        let mut ecrit = || -> tantivy::Result<()> {
            for doc in &upserts {
                // An id above every id ever written is not in the index (nor earlier in
                // `upserts`): nothing to replace.
                if doc.id <= id_max {
                    w.delete_term(Term::from_field_i64(self.champs.id, doc.id));
                } else {
                    id_max = doc.id;
                }
                w.add_document(self.document(doc))?;
            }
            // After the upserts: an id both upserted and deleted ends up deleted.
            for id in deletes {
                w.delete_term(Term::from_field_i64(self.champs.id, *id));
            }
            w.commit()?;
            Ok(())
        };
        let resultat = ecrit();
        // Also after a rollback: a larger bound only costs deletes for nothing.
        self.id_max.fetch_max(id_max, AtomicOrdering::AcqRel);
        if let Err(e) = resultat {
            // Nothing of a failed batch stays pending for the next commit.
            let _ = w.rollback();
            return Err(e.into());
        }
        self.recharger()
    }

    /// Reloads the reader and publishes a snapshot; called with the writer lock held.
    fn recharger(&self) -> Result<(), OrgIndexError> {
        self.reader.reload()?;
        let ancien = self.instantane.load_full();
        let nouveau = Instantane::charger(&self.reader, Some(&ancien), &self.champs)?;
        self.instantane.store(Arc::new(nouveau));
        Ok(())
    }

    fn document(&self, o: &OrgDoc) -> TantivyDocument {
        let c = &self.champs;
        let mut d = TantivyDocument::default();
        d.add_i64(c.id, o.id);
        d.add_text(c.nom, &o.nom);
        d.add_text(c.nom_mots, &o.nom);
        d.add_text(c.nom_debut, &o.nom);
        if let Some(s) = &o.sigle {
            d.add_text(c.sigle, s);
            d.add_text(c.nom_mots, s);
        }
        d.add_text(c.texte, &o.texte);
        d.add_u64(c.bits, bits(o));
        d.add_i64(c.verifie_le, o.verifie_le);
        for t in &o.territoires {
            d.add_text(c.territoires, t);
        }
        d
    }

    /// Searches: the page of hits, the number of matches and the facet counts over all of them.
    pub fn search(&self, q: &OrgQuery) -> Result<OrgResults, OrgIndexError> {
        let snap = self.instantane.load_full();
        let searcher = &snap.searcher;
        let c = &self.champs;
        let mots = match &q.texte {
            Some(t) => analyse::termes(&mut self.analyseur.clone(), t, TERMES_MAX),
            None => Vec::new(),
        };
        let k = q.offset.saturating_add(q.limit).min(PROFONDEUR_MAX);
        let mut filtre = Filtre::new(q.now);
        filtre.actifs_seulement = q.actifs_seulement;
        filtre.sans_demo = q.sans_demo;
        filtre.fraicheur = q.fraicheur;
        filtre.profils(&q.profils);
        filtre.odd(&q.odd);
        filtre.offres(q.offres);
        filtre.besoins(q.besoins);
        let mut termes = Vec::with_capacity(mots.len());
        let mut vide = false;
        for mot in &mots {
            let mut listes = Vec::with_capacity(3);
            let mut df = 0;
            for (i, (champ, boost)) in [(c.nom, BOOST_NOM), (c.sigle, BOOST_NOM), (c.texte, 1.0)]
                .into_iter()
                .enumerate()
            {
                let terme = Term::from_field_text(champ, mot);
                let n = searcher.doc_freq(&terme)?;
                if n > 0 {
                    df += n;
                    listes.push(Liste::new(searcher, champ, i, mot, boost)?);
                }
            }
            if df == 0 {
                vide = true;
                break;
            }
            termes.push((df, TermePlan { listes }));
        }
        termes.sort_by_key(|(df, _)| *df);
        let plan = Plan {
            termes: termes.into_iter().map(|(_, t)| t).collect(),
            territoire: q
                .territoire
                .as_ref()
                .map(|t| Term::from_field_text(c.territoires, t)),
            filtre,
        };
        let mut sortie = Sortie::new(k);
        if !vide {
            let mut brouillon = self
                .brouillons
                .lock()
                .map_err(|_| OrgIndexError::Empoisonne)?
                .pop()
                .unwrap_or_default();
            let res = searcher
                .segment_readers()
                .iter()
                .zip(&snap.segments)
                .enumerate()
                .try_for_each(|(ord, (sr, vue))| {
                    moteur::segment(ord as u32, sr, vue, &plan, &mut brouillon, &mut sortie)
                });
            if let Ok(mut pool) = self.brouillons.lock() {
                if pool.len() < BROUILLONS_MAX {
                    pool.push(brouillon);
                }
            }
            res?;
        }
        let hits = sortie
            .top
            .trie()
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .map(|c| OrgHit {
                id: c.id,
                score: c.score,
            })
            .collect();
        Ok(OrgResults {
            hits,
            total: sortie.total as usize,
            facettes: sortie.facettes,
        })
    }

    /// How many records hold the analysed word `mot` in their name, short title or text (the
    /// global search's typo tolerance corrects only unknown words).
    pub fn frequence(&self, mot: &str) -> Result<u64, OrgIndexError> {
        let snap = self.instantane.load_full();
        let c = &self.champs;
        let mut df = 0;
        for f in [c.nom, c.sigle, c.texte] {
            df += snap.searcher.doc_freq(&Term::from_field_text(f, mot))?;
        }
        Ok(df)
    }

    /// The words of names and short titles (folded, not stemmed) near the folded word `mot`,
    /// by the rule of [`crate::globale::flou`] (the global search's typo tolerance).
    pub fn mots_proches_nom(
        &self,
        mot: &str,
    ) -> Result<Vec<crate::globale::flou::Proche>, OrgIndexError> {
        let snap = self.instantane.load_full();
        Ok(crate::globale::flou::proches(
            &snap.searcher,
            &[self.champs.nom_mots],
            mot,
        )?)
    }

    /// Autocomplete on names and short titles: every word typed must start a word of the name
    /// (accents, case and punctuation ignored), e.g. "resto" or "restos du c" → "Les Restos du
    /// Cœur". Best first: names that start with the whole input, then active ones, then the most
    /// recently verified, then the smallest id.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<(i64, String)>, OrgIndexError> {
        let plie = alliances_domain::texte::fold(prefix);
        if plie.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let c = &self.champs;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut mots: Vec<&str> = plie
            .split(' ')
            .map(|m| analyse::tronque(m, analyse::MAX_PREFIXE_MOT))
            .collect();
        mots.sort_unstable();
        mots.dedup();
        // Keep the longest (most selective) words when there are many.
        mots.sort_by_key(|m| std::cmp::Reverse(m.len()));
        mots.truncate(TERMES_MAX);
        for mot in mots {
            let tq = TermQuery::new(
                Term::from_field_text(c.nom_mots, mot),
                IndexRecordOption::Basic,
            );
            clauses.push((Occur::Must, Box::new(tq)));
        }
        let debut = TermQuery::new(
            Term::from_field_text(
                c.nom_debut,
                analyse::tronque(&plie, analyse::MAX_PREFIXE_NOM),
            ),
            IndexRecordOption::Basic,
        );
        let snap = self.instantane.load_full();
        let searcher = &snap.searcher;
        let sans_score = EnableScoring::disabled_from_searcher(searcher);
        let mut avec = clauses
            .iter()
            .map(|(o, q)| (*o, q.box_clone()))
            .collect::<Vec<_>>();
        avec.push((Occur::Must, Box::new(debut.clone())));
        let mut sans = clauses;
        sans.push((Occur::MustNot, Box::new(debut)));
        let avec = BooleanQuery::new(avec).weight(sans_score)?;
        let sans = BooleanQuery::new(sans).weight(sans_score)?;
        let mut top = TopK::new(limit.min(PROFONDEUR_MAX));
        for (ord, (sr, vue)) in searcher
            .segment_readers()
            .iter()
            .zip(&snap.segments)
            .enumerate()
        {
            moteur::suggestion_segment(
                ord as u32,
                sr,
                vue,
                avec.as_ref(),
                sans.as_ref(),
                &mut top,
            )?;
        }
        let meilleurs = top.trie();
        let mut out = Vec::with_capacity(meilleurs.len());
        for s in meilleurs {
            let doc: TantivyDocument = searcher.doc(DocAddress::new(s.segment, s.doc))?;
            let nom = doc
                .get_first(c.nom)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned();
            out.push((s.id, nom));
        }
        Ok(out)
    }
}

impl Instantane {
    fn charger(
        reader: &IndexReader,
        ancien: Option<&Instantane>,
        c: &Champs,
    ) -> Result<Self, OrgIndexError> {
        let searcher = reader.searcher();
        let mut segments = Vec::with_capacity(searcher.segment_readers().len());
        for sr in searcher.segment_readers() {
            let deja = ancien.and_then(|a| {
                a.segments
                    .iter()
                    .find(|s| s.data.segment_id == sr.segment_id())
                    .map(|s| s.data.clone())
            });
            let data = match deja {
                Some(s) => s,
                None => Arc::new(SegData::charger(sr, &[c.nom, c.sigle, c.texte])?),
            };
            segments.push(SegVue::new(data, sr));
        }
        Ok(Instantane { searcher, segments })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(n: i64, graine: u64) -> Vec<OrgDoc> {
        let mut x = graine;
        let mut alea = move |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let mots = [
            "jardin", "musique", "sport", "culture", "velo", "chorale", "quartier",
        ];
        (0..n)
            .map(|id| OrgDoc {
                id,
                nom: format!("{} {}", mots[alea(7) as usize], mots[alea(7) as usize]),
                sigle: None,
                texte: (0..alea(6))
                    .map(|_| mots[alea(7) as usize])
                    .collect::<Vec<_>>()
                    .join(" "),
                profil: alea(4) as u8,
                odd: 1 << alea(17),
                offres: alea(16) as u32,
                besoins: alea(16) as u32,
                territoires: vec![format!("departement:{}", alea(3))],
                verifie_le: 1_000_000_000 - (alea(6) as i64) * 100 * 86_400,
                actif: alea(5) > 0,
                demo: alea(10) == 0,
            })
            .collect()
    }

    fn construit(n: i64) -> OrgIndex {
        let i = OrgIndex::in_ram();
        i.rebuild(docs(n, 1).into_iter()).expect("rebuild");
        i.apply(docs(n / 10, 2), &[3, 5, 8, 13]).expect("apply");
        i
    }

    /// The paths that rely on the segments being sorted on the verification date give the same
    /// answers as those that do not.
    #[test]
    fn segments_non_tries_memes_reponses() {
        let trie = construit(3_000);
        segment::tests::NON_TRIE.store(true, std::sync::atomic::Ordering::SeqCst);
        let non_trie = construit(3_000);
        segment::tests::NON_TRIE.store(false, std::sync::atomic::Ordering::SeqCst);
        assert!(trie.instantane.load().segments.iter().all(|s| s.data.trie));
        assert!(non_trie
            .instantane
            .load()
            .segments
            .iter()
            .all(|s| !s.data.trie));
        let now = 1_000_000_000;
        for texte in [
            None,
            Some("jardin"),
            Some("sport velo"),
            Some("quartier chorale"),
        ] {
            for fraicheur in [None, Some(Fraicheur::AJour), Some(Fraicheur::APerime)] {
                for (limit, profils, actifs) in [(10, vec![], false), (3, vec![1, 2], true)] {
                    let q = OrgQuery {
                        texte: texte.map(str::to_owned),
                        fraicheur,
                        profils,
                        actifs_seulement: actifs,
                        limit,
                        ..OrgQuery::new(now)
                    };
                    let a = trie.search(&q).expect("search");
                    let b = non_trie.search(&q).expect("search");
                    assert_eq!(a, b, "{q:?}");
                }
            }
        }
        for p in ["j", "mus", "velo ch", "zz"] {
            assert_eq!(
                trie.suggest(p, 7).expect("suggest"),
                non_trie.suggest(p, 7).expect("suggest")
            );
        }
    }
}
