//! The search engine proper, over tantivy's postings and our per-segment arrays (tantivy's
//! query and collector machinery costs tens of nanoseconds per matching document through its
//! dynamic dispatch; a broad query matches hundreds of thousands).
//!
//! For each segment:
//! 1. the matches of the text are a bitset built term at a time from block postings, rarest
//!    term first; the BM25 scores are accumulated in a dense array on the way, with, per word of
//!    64 documents, a bound on their scores (`wmax`). A later term with few candidates left is
//!    looked up by skipping instead. The territory postings narrow the set the same way (the
//!    bitsets of broad territories are cached per segment).
//! 2. deleted documents and the freshness filter (a document range: segments are sorted on the
//!    verification date, most recent first) are masked out;
//! 3. the column filters are word-wise ANDs / ORs with the per-value bitsets of the segment;
//! 4. the facets are counted with a popcount of the set against each value's bitset when the
//!    set is dense, document by document with byte histograms of the packed facet bits when it
//!    is sparse, or taken from the counts made at load time when the set is the whole segment;
//! 5. the top-k: with text, one pass over the set skipping every word whose score bound cannot
//!    beat the lowest kept (in freshness order, an equal score loses too); without text, the
//!    first documents of the set in document order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use tantivy::postings::{BlockSegmentPostings, Postings, SegmentPostings};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

use super::segment::{
    SegVue, COL_ACTIF, COL_BESOINS, COL_DEMO, COL_ODD, COL_OFFRES, COL_PROFIL, NB_FACETTES,
};
use super::{Facettes, Fraicheur, DEMOTION_PERIME, FRAICHEUR_SECONDES};

const K1: f32 = 1.2;
const B: f32 = 0.75;
/// From this many documents per word of 64 on average, the facets of a set are counted with a
/// popcount per column over all its words; below, document by document through the byte
/// histograms (one read of the packed bits each).
const SEUIL_POPCOUNT: u64 = 2;

/// One postings list of a query term: a field and its BM25 constants.
pub(crate) struct Liste {
    pub(crate) terme: Term,
    /// Index of the field's norms in `SegData::normes`.
    pub(crate) norme: usize,
    /// Score of a document with term frequency 1, by fieldnorm id.
    score_tf1: [f32; 256],
    /// `K1 * (1 - B + B * fieldnorm / average)`, by fieldnorm id.
    tf_cache: [f32; 256],
    /// `idf * (1 + K1) * boost`.
    poids: f32,
}

impl Liste {
    /// BM25 constants from the statistics of the whole searcher, as tantivy computes them.
    pub(crate) fn new(
        searcher: &Searcher,
        champ: Field,
        norme: usize,
        texte: &str,
        boost: f32,
    ) -> tantivy::Result<Liste> {
        let terme = Term::from_field_text(champ, texte);
        let mut docs = 0u64;
        let mut tokens = 0u64;
        for sr in searcher.segment_readers() {
            docs += u64::from(sr.max_doc());
            tokens += sr.inverted_index(champ)?.total_num_tokens();
        }
        let df = searcher.doc_freq(&terme)?;
        let moyenne = if docs == 0 {
            1.0
        } else {
            (tokens as f32 / docs as f32).max(f32::MIN_POSITIVE)
        };
        let idf = {
            let x = (docs.saturating_sub(df) as f32 + 0.5) / (df as f32 + 0.5);
            (1.0 + x).ln()
        };
        let poids = idf * (1.0 + K1) * boost;
        let mut tf_cache = [0f32; 256];
        let mut score_tf1 = [0f32; 256];
        for id in 0..256 {
            let norme = tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm(id as u8) as f32;
            tf_cache[id] = K1 * (1.0 - B + B * norme / moyenne);
            score_tf1[id] = poids / (1.0 + tf_cache[id]);
        }
        Ok(Liste {
            terme,
            norme,
            score_tf1,
            tf_cache,
            poids,
        })
    }

    #[inline(always)]
    fn score(&self, norme: u8, tf: u32) -> f32 {
        if tf == 1 {
            self.score_tf1[usize::from(norme)]
        } else {
            let tf = tf as f32;
            self.poids * tf / (tf + self.tf_cache[usize::from(norme)])
        }
    }
}

/// A query term: the lists of the fields where it may occur (any of them).
pub(crate) struct TermePlan {
    pub(crate) listes: Vec<Liste>,
}

/// A whole query, ready to run on each segment.
pub(crate) struct Plan {
    /// All required (AND), each scored over its lists.
    pub(crate) termes: Vec<TermePlan>,
    pub(crate) territoire: Option<Term>,
    pub(crate) filtre: Filtre,
}

/// The column filters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filtre {
    pub(crate) actifs_seulement: bool,
    pub(crate) sans_demo: bool,
    /// Facet columns, each group "any of" (empty group: no filter).
    pub(crate) groupes: Vec<Vec<usize>>,
    pub(crate) fraicheur: Option<Fraicheur>,
    /// Verified at or after this instant: up to date.
    pub(crate) seuil: i64,
}

impl Filtre {
    pub(crate) fn new(now: i64) -> Filtre {
        Filtre {
            seuil: now.saturating_sub(FRAICHEUR_SECONDES),
            ..Filtre::default()
        }
    }

    pub(crate) fn profils(&mut self, profils: &[u8]) {
        let mut cols: Vec<usize> = profils
            .iter()
            .filter(|p| usize::from(**p) < 16)
            .map(|p| COL_PROFIL + usize::from(*p))
            .collect();
        cols.sort_unstable();
        cols.dedup();
        if !profils.is_empty() {
            // Profiles asked for but none valid: nothing matches (an empty group would match all).
            self.groupes.push(cols);
        }
    }

    pub(crate) fn masque(&mut self, col0: usize, masque: u32, largeur: u32) {
        let cols: Vec<usize> = (0..largeur)
            .filter(|b| masque & (1 << b) != 0)
            .map(|b| col0 + b as usize)
            .collect();
        if !cols.is_empty() {
            self.groupes.push(cols);
        }
    }

    pub(crate) fn odd(&mut self, odd: &[u8]) {
        let masque = odd
            .iter()
            .filter(|n| (1..=17).contains(*n))
            .fold(0u32, |m, n| m | (1 << (n - 1)));
        if !odd.is_empty() && masque == 0 {
            self.groupes.push(Vec::new());
        } else {
            self.masque(COL_ODD, masque, 17);
        }
    }

    pub(crate) fn offres(&mut self, masque: u32) {
        self.masque(COL_OFFRES, masque, 16);
    }

    pub(crate) fn besoins(&mut self, masque: u32) {
        self.masque(COL_BESOINS, masque, 16);
    }
}

/// Scratch buffers reused from one search to the next (a pool in the index).
#[derive(Default)]
pub(crate) struct Brouillon {
    /// Accumulated scores by document; only entries of the current match set are meaningful.
    acc: Vec<f32>,
    /// By word of 64 documents: a bound on the scores of its documents in the current set.
    wmax: Vec<f32>,
    r: Vec<u64>,
    tmp: Vec<u64>,
}

/// A ranked document. Ordered best first: highest score, then most recently verified, then
/// smallest id (then segment and document, for a total order).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidat {
    pub(crate) score: Score,
    pub(crate) verifie_le: i64,
    pub(crate) id: i64,
    pub(crate) segment: SegmentOrdinal,
    pub(crate) doc: DocId,
}

impl Ord for Candidat {
    fn cmp(&self, o: &Self) -> Ordering {
        o.score
            .total_cmp(&self.score)
            .then(o.verifie_le.cmp(&self.verifie_le))
            .then(self.id.cmp(&o.id))
            .then(self.segment.cmp(&o.segment))
            .then(self.doc.cmp(&o.doc))
    }
}

impl PartialOrd for Candidat {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for Candidat {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}

impl Eq for Candidat {}

/// The best `k`: a max-heap whose top is the worst kept.
pub(crate) struct TopK {
    k: usize,
    tas: BinaryHeap<Candidat>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> TopK {
        TopK {
            k,
            tas: BinaryHeap::with_capacity(k.min(1024) + 1),
        }
    }

    /// The lowest kept, once `k` are kept.
    fn pire(&self) -> Option<&Candidat> {
        if self.tas.len() < self.k {
            None
        } else {
            self.tas.peek()
        }
    }

    /// Lowest score that may still enter (ties included).
    #[inline(always)]
    fn plancher(&self) -> f32 {
        if self.tas.len() < self.k {
            f32::NEG_INFINITY
        } else {
            self.tas.peek().map_or(f32::INFINITY, |c| c.score)
        }
    }

    pub(crate) fn offrir(&mut self, c: Candidat) {
        if self.tas.len() < self.k {
            self.tas.push(c);
        } else if let Some(mut pire) = self.tas.peek_mut() {
            if c < *pire {
                *pire = c;
            }
        }
    }

    /// Best first.
    pub(crate) fn trie(self) -> Vec<Candidat> {
        self.tas.into_sorted_vec()
    }
}

/// The result of a search over all segments.
pub(crate) struct Sortie {
    pub(crate) top: TopK,
    pub(crate) total: u64,
    pub(crate) facettes: Facettes,
}

impl Sortie {
    pub(crate) fn new(k: usize) -> Sortie {
        Sortie {
            top: TopK::new(k),
            total: 0,
            facettes: Facettes::default(),
        }
    }
}

/// `r &= x`, word by word.
fn et(r: &mut [u64], x: &[u64]) {
    for (a, x) in r.iter_mut().zip(x) {
        *a &= x;
    }
}

fn compte(bits: &[u64]) -> u64 {
    bits.iter().map(|w| u64::from(w.count_ones())).sum()
}

/// Calls `f` on every document of the set, in increasing order.
#[inline(always)]
fn pour_chaque(bits: &[u64], mut f: impl FnMut(usize)) {
    for (i, &w) in bits.iter().enumerate() {
        let mut w = w;
        while w != 0 {
            f(i * 64 + w.trailing_zeros() as usize);
            w &= w - 1;
        }
    }
}

/// Same, stopping when `f` returns false.
fn pour_chaque_jusqua(bits: &[u64], mut f: impl FnMut(usize) -> bool) {
    for (i, &w) in bits.iter().enumerate() {
        let mut w = w;
        while w != 0 {
            if !f(i * 64 + w.trailing_zeros() as usize) {
                return;
            }
            w &= w - 1;
        }
    }
}

/// How a list's scores go into `acc`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// First list of the first term: `cible` is empty, scores are assigned.
    Assigne,
    /// Other lists of the first term: assigned to documents not yet in `cible`, added otherwise
    /// (so `acc` never needs clearing: only entries of the current set are meaningful).
    Fusionne,
    /// Lists of the later terms: added (entries outside the final set are never read).
    Ajoute,
}

/// The word of `cible` being filled, kept in registers while documents come in increasing
/// order (a read-modify-write in memory per document would chain through store forwarding),
/// with the highest score added in it.
#[derive(Clone, Copy)]
struct MotCourant {
    w: usize,
    mot: u64,
    /// The word's value when it was loaded.
    ancien: u64,
    max: f32,
}

impl MotCourant {
    fn new() -> Self {
        MotCourant {
            w: usize::MAX,
            mot: 0,
            ancien: 0,
            max: 0.0,
        }
    }

    /// Writes the word back, and its score bound: `wmax[w]` bounds the accumulated score of
    /// every document of the word that is in `cible` (exactly their highest score while the
    /// first term is scored, since scores only grow; later terms add their highest part).
    #[inline(always)]
    fn vide<const MODE: u8>(&self, cible: &mut [u64], wmax: &mut [f32]) {
        if let (Some(m), Some(x)) = (cible.get_mut(self.w), wmax.get_mut(self.w)) {
            *m = self.mot;
            *x = match MODE {
                0 => self.max,
                1 if self.ancien == 0 => self.max,
                1 => x.max(self.max),
                _ => *x + self.max,
            };
        }
    }
}

/// Scores every document of a list into `acc` and adds it to `cible`. Not inlined: in its
/// own function the hot loop keeps its state in registers.
#[inline(never)]
fn accumule(
    mut bp: BlockSegmentPostings,
    normes: &[u8],
    liste: &Liste,
    cible: &mut [u64],
    acc: &mut [f32],
    wmax: &mut [f32],
    mode: Mode,
) {
    let n = acc.len().min(normes.len()).min(cible.len() * 64);
    let (acc, normes) = (&mut acc[..n], &normes[..n]);
    let mut cour = MotCourant::new();
    loop {
        let docs = bp.docs();
        if docs.is_empty() {
            break;
        }
        let freqs = bp.freqs();
        let freqs = if freqs.len() == docs.len() {
            freqs
        } else {
            &[]
        };
        match mode {
            Mode::Assigne => bloc::<0>(docs, freqs, normes, liste, cible, acc, wmax, &mut cour),
            Mode::Fusionne => bloc::<1>(docs, freqs, normes, liste, cible, acc, wmax, &mut cour),
            Mode::Ajoute => bloc::<2>(docs, freqs, normes, liste, cible, acc, wmax, &mut cour),
        }
        bp.advance();
    }
    match mode {
        Mode::Assigne => cour.vide::<0>(cible, wmax),
        Mode::Fusionne => cour.vide::<1>(cible, wmax),
        Mode::Ajoute => cour.vide::<2>(cible, wmax),
    }
}

/// One block of postings (`MODE`: see [`Mode`], as 0, 1, 2).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn bloc<const MODE: u8>(
    docs: &[DocId],
    freqs: &[u32],
    normes: &[u8],
    liste: &Liste,
    cible: &mut [u64],
    acc: &mut [f32],
    wmax: &mut [f32],
    cour: &mut MotCourant,
) {
    let mut c = MotCourant { ..*cour };
    for (i, &d) in docs.iter().enumerate() {
        let d = d as usize;
        if d >= acc.len() || d >= normes.len() {
            continue;
        }
        let w = d >> 6;
        if w != c.w {
            c.vide::<MODE>(cible, wmax);
            let Some(m) = cible.get(w) else {
                continue;
            };
            c = MotCourant {
                w,
                mot: *m,
                ancien: *m,
                max: 0.0,
            };
        }
        let tf = if freqs.is_empty() { 1 } else { freqs[i] };
        let s = liste.score(normes[d], tf);
        let bit = 1u64 << (d & 63);
        let a = match MODE {
            0 => s,
            1 => {
                if c.mot & bit != 0 {
                    acc[d] + s
                } else {
                    s
                }
            }
            _ => acc[d] + s,
        };
        acc[d] = a;
        // The first term: the highest accumulated score (exact bound). Later terms: their
        // highest contribution, added to the bound (`acc` outside the set is meaningless).
        let borne = if MODE == 2 { s } else { a };
        c.max = if borne > c.max { borne } else { c.max };
        c.mot |= bit;
    }
    *cour = c;
}

/// Adds every document of a list to `cible` (the current word kept in a register).
#[inline(never)]
fn marque(mut bp: BlockSegmentPostings, cible: &mut [u64]) {
    let mut w_cour = usize::MAX;
    let mut mot = 0u64;
    loop {
        let docs = bp.docs();
        if docs.is_empty() {
            break;
        }
        for &d in docs {
            let w = d as usize >> 6;
            if w != w_cour {
                if let Some(m) = cible.get_mut(w_cour) {
                    *m = mot;
                }
                let Some(m) = cible.get(w) else {
                    continue;
                };
                w_cour = w;
                mot = *m;
            }
            mot |= 1 << (d & 63);
        }
        bp.advance();
    }
    if let Some(m) = cible.get_mut(w_cour) {
        *m = mot;
    }
}

/// Keeps in `r` the documents present in `p`, found by skipping (for a small `r`).
fn filtre_par_saut(r: &mut [u64], p: &mut SegmentPostings) {
    for (i, mot) in r.iter_mut().enumerate() {
        let mut w = *mot;
        while w != 0 {
            let d = (i * 64) as DocId + w.trailing_zeros();
            w &= w - 1;
            let trouve = if p.doc() < d { p.seek(d) } else { p.doc() };
            if trouve != d {
                *mot &= !(1 << (d & 63));
            }
        }
    }
}

/// Runs the plan on one segment, adding its matches to `sortie`.
pub(crate) fn segment(
    ord: SegmentOrdinal,
    sr: &SegmentReader,
    vue: &SegVue,
    plan: &Plan,
    b: &mut Brouillon,
    sortie: &mut Sortie,
) -> tantivy::Result<()> {
    let seg = &vue.data;
    let n = seg.verifie.len();
    if n == 0 {
        return Ok(());
    }
    let nw = n.div_ceil(64);
    if b.acc.len() < n {
        b.acc.resize(n, 0.0);
    }
    b.r.clear();
    b.r.resize(nw, 0);
    b.tmp.clear();
    b.tmp.resize(nw, 0);
    if b.wmax.len() < nw {
        b.wmax.resize(nw, 0.0);
    }
    let (acc, r, tmp) = (&mut b.acc[..n], &mut b.r[..], &mut b.tmp[..]);
    let wmax = &mut b.wmax[..nw];
    // 1. Text terms, rarest first (the plan is sorted), then the territory.
    let mut base = false;
    for (i, t) in plan.termes.iter().enumerate() {
        let mut df = 0u64;
        let mut infos = Vec::with_capacity(t.listes.len());
        for l in &t.listes {
            let ii = sr.inverted_index(l.terme.field())?;
            let info = ii.get_term_info(&l.terme)?;
            if let Some(info) = &info {
                df += u64::from(info.doc_freq);
            }
            infos.push((ii, info));
        }
        if i > 0 && compte(r) * 16 < df {
            // Few candidates left: look each of them up in the lists.
            let mut curseurs = Vec::with_capacity(infos.len());
            for ((ii, info), l) in infos.iter().zip(&t.listes) {
                if let Some(info) = info {
                    let p = ii.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                    curseurs.push((p, l));
                }
            }
            for w in 0..nw {
                let mut mot = r[w];
                let mut max = 0f32;
                while mot != 0 {
                    let d = (w * 64) as DocId + mot.trailing_zeros();
                    mot &= mot - 1;
                    let mut trouve = false;
                    let mut ajout = 0f32;
                    for (p, l) in curseurs.iter_mut() {
                        let pos = if p.doc() < d { p.seek(d) } else { p.doc() };
                        if pos == d {
                            trouve = true;
                            let norme = seg.normes[l.norme].get(d as usize).copied().unwrap_or(0);
                            ajout += l.score(norme, p.term_freq());
                        }
                    }
                    if trouve {
                        acc[d as usize] += ajout;
                        max = max.max(ajout);
                    } else {
                        r[w] &= !(1 << (d & 63));
                    }
                }
                wmax[w] += max;
            }
        } else {
            let cible: &mut [u64] = if i == 0 { &mut *r } else { &mut *tmp };
            if i > 0 {
                cible.fill(0);
            }
            let mut premiere = true;
            for ((ii, info), l) in infos.iter().zip(&t.listes) {
                if let Some(info) = info {
                    let bp =
                        ii.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                    let mode = match (i, premiere) {
                        (0, true) => Mode::Assigne,
                        (0, false) => Mode::Fusionne,
                        _ => Mode::Ajoute,
                    };
                    premiere = false;
                    accumule(bp, &seg.normes[l.norme], l, cible, acc, wmax, mode);
                }
            }
            if i > 0 {
                for (a, t) in r.iter_mut().zip(tmp.iter()) {
                    *a &= *t;
                }
            }
        }
        base = true;
    }
    if let Some(terme) = &plan.territoire {
        let ii = sr.inverted_index(terme.field())?;
        match ii.get_term_info(terme)? {
            None => return Ok(()),
            Some(info) => {
                if base && compte(r) * 16 < u64::from(info.doc_freq) {
                    let mut p = ii.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
                    filtre_par_saut(r, &mut p);
                } else if let Some(bits) = seg.filtre_en_cache(terme) {
                    if base {
                        for (a, t) in r.iter_mut().zip(bits.iter()) {
                            *a &= *t;
                        }
                    } else {
                        for (a, t) in r.iter_mut().zip(bits.iter()) {
                            *a = *t;
                        }
                    }
                } else {
                    let bp =
                        ii.read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
                    if base {
                        tmp.fill(0);
                        marque(bp, tmp);
                        for (a, t) in r.iter_mut().zip(tmp.iter()) {
                            *a &= *t;
                        }
                    } else {
                        marque(bp, r);
                    }
                    let bits: &[u64] = if base { tmp } else { r };
                    seg.met_en_cache(terme, info.doc_freq, bits);
                }
            }
        }
        base = true;
    }
    if !base {
        r.fill(u64::MAX);
        if !n.is_multiple_of(64) {
            r[nw - 1] = (1u64 << (n % 64)) - 1;
        }
    }
    // 2. Deleted documents, then freshness (a range when the segment is sorted).
    if let Some(vivants) = &vue.vivants {
        for (a, v) in r.iter_mut().zip(vivants.iter()) {
            *a &= *v;
        }
    }
    let f = &plan.filtre;
    // Documents `< frontiere` are up to date when the segment is sorted.
    let frontiere = seg
        .trie
        .then(|| seg.verifie.partition_point(|v| *v >= f.seuil));
    match (f.fraicheur, frontiere) {
        (None, _) => {}
        (Some(fr), Some(front)) => {
            garde_plage(r, front, fr == Fraicheur::AJour);
        }
        (Some(fr), None) => {
            for (w, a) in r.iter_mut().enumerate() {
                let mut m = *a;
                while m != 0 {
                    let d = w * 64 + m.trailing_zeros() as usize;
                    m &= m - 1;
                    let a_jour = seg.verifie[d] >= f.seuil;
                    if a_jour != (fr == Fraicheur::AJour) {
                        *a &= !(1 << (d & 63));
                    }
                }
            }
        }
    }
    // 3. Column filters, word-wise over the slot-major column bitsets.
    let slot = |c: usize| seg.emplacement.get(c).copied().flatten();
    let colonne = |s: usize| seg.colonne(s);
    if f.actifs_seulement {
        match slot(COL_ACTIF) {
            Some(s) => et(r, colonne(s)),
            None => return Ok(()),
        }
    }
    if f.sans_demo {
        if let Some(s) = slot(COL_DEMO) {
            for (a, x) in r.iter_mut().zip(colonne(s)) {
                *a &= !x;
            }
        }
    }
    for g in &f.groupes {
        let slots: Vec<usize> = g.iter().filter_map(|c| slot(*c)).collect();
        match slots.as_slice() {
            [] => return Ok(()), // no document of the segment has any of the values asked for
            [s] => et(r, colonne(*s)),
            _ => {
                for (w, a) in r.iter_mut().enumerate() {
                    if *a != 0 {
                        *a &= slots.iter().fold(0u64, |x, s| x | colonne(*s)[w]);
                    }
                }
            }
        }
    }

    // 4. Count, freshness count, facets: a popcount per column over the whole set when it is
    // dense, the byte histograms document by document when it is sparse.
    let mut total = 0u64;
    let mut a_jour = 0u64;
    match frontiere {
        Some(front) => {
            for (w, a) in r.iter().enumerate() {
                total += u64::from(a.count_ones());
                a_jour += u64::from((a & masque_avant(w * 64, front)).count_ones());
            }
        }
        None => {
            total = compte(r);
            pour_chaque(r, |d| a_jour += u64::from(seg.verifie[d] >= f.seuil));
        }
    }
    if total == 0 {
        return Ok(());
    }
    sortie.total += total;
    let fa = &mut sortie.facettes;
    fa.a_jour += a_jour as u32;
    fa.perimes += (total - a_jour) as u32;
    // Only the words between the first and the last of the set (a freshness filter, for one,
    // leaves a range).
    let tout = !base
        && vue.vivants.is_none()
        && !f.actifs_seulement
        && !f.sans_demo
        && f.groupes.is_empty()
        && f.fraicheur.is_none();
    let premier = r.iter().position(|a| *a != 0).unwrap_or(0);
    let dernier = r.iter().rposition(|a| *a != 0).unwrap_or(0);
    let plage = premier..dernier + 1;
    if tout {
        // Every document of the segment: the counts computed when it was loaded.
        let mut c = [0u64; NB_FACETTES];
        for (s, &col) in seg.colonnes_utiles.iter().enumerate() {
            if col < NB_FACETTES {
                c[col] = seg.totaux[s];
            }
        }
        ajoute_colonnes(fa, &c);
    } else if total >= plage.len() as u64 * SEUIL_POPCOUNT {
        let mut c = [0u64; NB_FACETTES];
        let r = &r[plage.clone()];
        for (s, &col) in seg.colonnes_utiles.iter().enumerate() {
            if let (true, Some(x)) = (col < NB_FACETTES, colonne(s).get(plage.clone())) {
                c[col] = r
                    .iter()
                    .zip(x)
                    .map(|(a, x)| u64::from((a & x).count_ones()))
                    .sum();
            }
        }
        ajoute_colonnes(fa, &c);
    } else {
        let mut h = Box::new([[0u32; 256]; 8]);
        pour_chaque(r, |d| histogramme(&mut h, seg.bits[d]));
        ajoute_histogrammes(fa, &h);
    }
    let avec_texte = !plan.termes.is_empty();
    // 5. Top-k.
    let top = &mut sortie.top;
    if avec_texte {
        let mut plancher = top.plancher();
        for (w, &mot_r) in r.iter().enumerate() {
            if mot_r == 0 {
                continue;
            }
            let debut = w * 64;
            // Skip the word when none of its documents can enter: its score bound is below
            // the lowest kept, or equal to it while all its documents were verified before the
            // lowest kept (documents are sorted on that date, so a tie would lose).
            let mut borne = wmax[w];
            if frontiere.is_some_and(|front| debut >= front) {
                borne *= DEMOTION_PERIME;
            }
            if borne < plancher {
                continue;
            }
            if borne == plancher && seg.trie {
                let premier = debut + mot_r.trailing_zeros() as usize;
                if top
                    .pire()
                    .is_some_and(|p| seg.verifie[premier] < p.verifie_le)
                {
                    continue;
                }
            }
            let mut m = mot_r;
            while m != 0 {
                let d = debut + m.trailing_zeros() as usize;
                m &= m - 1;
                let verifie_le = seg.verifie[d];
                let a_jour = match frontiere {
                    Some(front) => d < front,
                    None => verifie_le >= f.seuil,
                };
                let s = if a_jour {
                    acc[d]
                } else {
                    acc[d] * DEMOTION_PERIME
                };
                if s >= plancher {
                    top.offrir(Candidat {
                        score: s,
                        verifie_le,
                        id: seg.ids[d],
                        segment: ord,
                        doc: d as DocId,
                    });
                    plancher = top.plancher();
                }
            }
        }
    } else if seg.trie {
        // Document order is freshness order: the first k, plus those tied with the last.
        let mut pris = 0usize;
        let mut dernier = i64::MIN;
        pour_chaque_jusqua(r, |d| {
            let verifie_le = seg.verifie[d];
            if pris >= top.k && verifie_le != dernier {
                return false;
            }
            dernier = verifie_le;
            pris += 1;
            top.offrir(Candidat {
                score: 0.0,
                verifie_le,
                id: seg.ids[d],
                segment: ord,
                doc: d as DocId,
            });
            true
        });
    } else {
        pour_chaque(r, |d| {
            let verifie_le = seg.verifie[d];
            top.offrir(Candidat {
                score: 0.0,
                verifie_le,
                id: seg.ids[d],
                segment: ord,
                doc: d as DocId,
            });
        });
    }
    Ok(())
}

/// Keeps the documents `< front` (`avant`) or `>= front` (not `avant`).
fn garde_plage(r: &mut [u64], front: usize, avant: bool) {
    for (w, a) in r.iter_mut().enumerate() {
        let m = masque_avant(w * 64, front);
        *a &= if avant { m } else { !m };
    }
}

/// The documents `< front` among the word starting at `debut`.
#[inline(always)]
fn masque_avant(debut: usize, front: usize) -> u64 {
    if front >= debut + 64 {
        u64::MAX
    } else if front <= debut {
        0
    } else {
        (1u64 << (front - debut)) - 1
    }
}

/// One byte histogram per byte of the packed facet bits.
#[inline(always)]
fn histogramme(h: &mut [[u32; 256]; 8], bits: u64) {
    for (j, hj) in h.iter_mut().enumerate() {
        hj[((bits >> (8 * j)) & 0xFF) as usize] += 1;
    }
}

fn ajoute_histogrammes(fa: &mut Facettes, h: &[[u32; 256]; 8]) {
    let mut c = [0u64; NB_FACETTES];
    for (j, hj) in h.iter().enumerate() {
        for (v, &n) in hj.iter().enumerate() {
            if n == 0 {
                continue;
            }
            for bit in 0..8 {
                if v & (1 << bit) != 0 {
                    let col = 8 * j + bit;
                    if col < COL_PROFIL {
                        c[col] += u64::from(n);
                    }
                }
            }
            if j == super::segment::OCTET_PROFIL {
                c[COL_PROFIL + (v & 15)] += u64::from(n);
            }
        }
    }
    ajoute_colonnes(fa, &c);
}

fn ajoute_colonnes(fa: &mut Facettes, c: &[u64; NB_FACETTES]) {
    for (i, x) in fa.offres.iter_mut().enumerate() {
        *x += c[COL_OFFRES + i] as u32;
    }
    for (i, x) in fa.besoins.iter_mut().enumerate() {
        *x += c[COL_BESOINS + i] as u32;
    }
    for (i, x) in fa.odd.iter_mut().enumerate() {
        *x += c[COL_ODD + i] as u32;
    }
    for (i, x) in fa.profil.iter_mut().enumerate() {
        *x += c[COL_PROFIL + i] as u32;
    }
}

/// Autocomplete on one segment: `avec` enumerates the names starting with the whole input,
/// `sans` the other matches; each is split into active and closed records, giving four classes
/// ranked in this order (scores 3 to 0), then by verification date and id. Documents come in
/// freshness order in a sorted segment, so the scan stops as soon as the best class is full.
pub(crate) fn suggestion_segment(
    ord: SegmentOrdinal,
    sr: &SegmentReader,
    vue: &SegVue,
    avec: &dyn tantivy::query::Weight,
    sans: &dyn tantivy::query::Weight,
    top: &mut TopK,
) -> tantivy::Result<()> {
    let k = top.k;
    let mut trouves = 0;
    for (poids, classes) in [(avec, [3.0, 2.0]), (sans, [1.0, 0.0])] {
        let mut actifs = TopK::new(k);
        let mut fermes = TopK::new(k);
        let mut scorer = poids.scorer(sr, 1.0)?;
        let seg = &vue.data;
        let mut doc = scorer.doc();
        while doc != tantivy::TERMINATED {
            let vivant = sr.alive_bitset().is_none_or(|a| a.is_alive(doc));
            if let (true, Some(&verifie_le)) = (vivant, seg.verifie.get(doc as usize)) {
                if seg.trie && actifs.pire().is_some_and(|p| verifie_le < p.verifie_le) {
                    break;
                }
                let (dest, score) = if seg.est_actif(doc as usize) {
                    (&mut actifs, classes[0])
                } else {
                    (&mut fermes, classes[1])
                };
                dest.offrir(Candidat {
                    score,
                    verifie_le,
                    id: seg.ids[doc as usize],
                    segment: ord,
                    doc,
                });
            }
            doc = scorer.advance();
        }
        for c in actifs.trie().into_iter().chain(fermes.trie()) {
            trouves += 1;
            top.offrir(c);
        }
        if trouves >= k {
            break;
        }
    }
    Ok(())
}
