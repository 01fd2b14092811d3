//! Per-segment arrays, read once from the fast fields and field norms when a segment first
//! appears: the hot loops of a search read them by document id or by 64-document word.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::index::SegmentId;
use tantivy::schema::Field;
use tantivy::{DocId, SegmentReader, Term};

use super::{OrgDoc, NB_PROFILS};

// Layout of the packed facet bits (`bits` fast field and `SegData::bits`), byte-aligned for the
// byte histograms: offers in bits 0–15, needs 16–31, SDGs 32–48, then in the last byte the
// profile (4 bits), active, demo.
const DECALAGE_OFFRES: u32 = 0;
const DECALAGE_BESOINS: u32 = 16;
const DECALAGE_ODD: u32 = 32;
pub(crate) const OCTET_PROFIL: usize = 7;
const DECALAGE_PROFIL: u32 = 8 * OCTET_PROFIL as u32;
const BIT_ACTIF: u64 = 1 << 60;
const BIT_DEMO: u64 = 1 << 61;

// Columns of the per-value bitsets: one per facet value, then active and demo.
pub(crate) const COL_OFFRES: usize = 0;
pub(crate) const COL_BESOINS: usize = 16;
pub(crate) const COL_ODD: usize = 32;
pub(crate) const COL_PROFIL: usize = 49;
/// Facet values (offers 16, needs 16, SDGs 17, profiles 16).
pub(crate) const NB_FACETTES: usize = 65;
pub(crate) const COL_ACTIF: usize = 65;
pub(crate) const COL_DEMO: usize = 66;
pub(crate) const NB_COLONNES: usize = 67;

/// Packs the facets of a record.
pub(crate) fn bits(o: &OrgDoc) -> u64 {
    let profil = u64::from(o.profil.min(NB_PROFILS as u8 - 1));
    (u64::from(o.offres & 0xFFFF) << DECALAGE_OFFRES)
        | (u64::from(o.besoins & 0xFFFF) << DECALAGE_BESOINS)
        | (u64::from(o.odd & 0x1FFFF) << DECALAGE_ODD)
        | (profil << DECALAGE_PROFIL)
        | if o.actif { BIT_ACTIF } else { 0 }
        | if o.demo { BIT_DEMO } else { 0 }
}

/// The columns a document belongs to.
fn colonnes(bits: u64) -> impl Iterator<Item = usize> {
    let facettes = bits & ((1 << 49) - 1);
    let profil = ((bits >> DECALAGE_PROFIL) & 15) as usize;
    (0..49)
        .filter(move |c| facettes & (1 << c) != 0)
        .chain(std::iter::once(COL_PROFIL + profil))
        .chain((bits & BIT_ACTIF != 0).then_some(COL_ACTIF))
        .chain((bits & BIT_DEMO != 0).then_some(COL_DEMO))
}

/// What a segment holds, by document id.
pub(crate) struct SegData {
    pub(crate) segment_id: SegmentId,
    /// Packed facet bits, by document.
    pub(crate) bits: Vec<u64>,
    /// Verification date, by document.
    pub(crate) verifie: Vec<i64>,
    pub(crate) ids: Vec<i64>,
    /// Field norm ids of the scored fields, in the order given to [`SegData::charger`].
    pub(crate) normes: Vec<Vec<u8>>,
    /// The columns some document of the segment belongs to, in increasing order; their rank
    /// here is their slot.
    pub(crate) colonnes_utiles: Vec<usize>,
    /// Slot of each column (`None`: no document of the segment belongs to it).
    pub(crate) emplacement: [Option<usize>; NB_COLONNES],
    /// One bitset per slot, one after the other (slot-major: filters and counts read each
    /// column in sequence).
    colonnes: Vec<u64>,
    /// Number of documents of each slot.
    pub(crate) totaux: Vec<u64>,
    /// Verification dates never increase with the document id (the index is sorted on them):
    /// the up-to-date documents are a prefix.
    pub(crate) trie: bool,
    /// Bitsets of broad territory terms (a région, a large département…), built on first use:
    /// a filter cache, as search engines keep one. Bounded by [`CACHE_FILTRES_OCTETS`].
    cache_filtres: Mutex<HashMap<Term, Arc<Vec<u64>>>>,
}

/// Memory allowed to the filter cache of one segment.
const CACHE_FILTRES_OCTETS: usize = 16 << 20;

impl SegData {
    /// The cached bitset of a filter term, if any.
    pub(crate) fn filtre_en_cache(&self, terme: &Term) -> Option<Arc<Vec<u64>>> {
        self.cache_filtres.lock().ok()?.get(terme).cloned()
    }

    /// Keeps the bitset of a filter term matching at least 1/32 of the segment (at least 4,096
    /// documents), while the cache has room. Cheaper terms are read from their postings.
    pub(crate) fn met_en_cache(&self, terme: &Term, doc_freq: u32, bits: &[u64]) {
        let n = self.verifie.len();
        if (doc_freq as usize) < (n / 32).max(4096) {
            return;
        }
        let taille = bits.len() * 8;
        if let Ok(mut cache) = self.cache_filtres.lock() {
            if (cache.len() + 1) * taille <= CACHE_FILTRES_OCTETS {
                cache.insert(terme.clone(), Arc::new(bits.to_vec()));
            }
        }
    }

    pub(crate) fn charger(sr: &SegmentReader, normes: &[Field]) -> tantivy::Result<SegData> {
        let ff = sr.fast_fields();
        let ids_col = ff.i64("id")?;
        let bits_col = ff.u64("bits")?;
        let verif_col = ff.i64("verifie_le")?;
        let n = sr.max_doc() as usize;
        let mut bits = Vec::with_capacity(n);
        let mut verifie = Vec::with_capacity(n);
        let mut ids = Vec::with_capacity(n);
        let mut utilisees = [false; NB_COLONNES];
        for doc in 0..n as DocId {
            ids.push(ids_col.first(doc).unwrap_or_default());
            let b = bits_col.first(doc).unwrap_or_default();
            for c in colonnes(b) {
                utilisees[c] = true;
            }
            bits.push(b);
            verifie.push(verif_col.first(doc).unwrap_or_default());
        }
        let colonnes_utiles: Vec<usize> = (0..NB_COLONNES).filter(|c| utilisees[*c]).collect();
        let mut emplacement = [None; NB_COLONNES];
        for (slot, c) in colonnes_utiles.iter().enumerate() {
            emplacement[*c] = Some(slot);
        }
        let nw = n.div_ceil(64);
        let mut cols = vec![0u64; nw * colonnes_utiles.len()];
        for (doc, b) in bits.iter().enumerate() {
            for c in colonnes(*b) {
                if let Some(slot) = emplacement[c] {
                    cols[slot * nw + doc / 64] |= 1 << (doc % 64);
                }
            }
        }
        let totaux = (0..colonnes_utiles.len())
            .map(|s| {
                cols[s * nw..(s + 1) * nw]
                    .iter()
                    .map(|w| u64::from(w.count_ones()))
                    .sum()
            })
            .collect();
        let mut ns = Vec::with_capacity(normes.len());
        for champ in normes {
            let lecteur = sr.get_fieldnorms_reader(*champ)?;
            ns.push((0..n as DocId).map(|d| lecteur.fieldnorm_id(d)).collect());
        }
        let trie = verifie.windows(2).all(|w| w[0] >= w[1]) && !tests::force_non_trie();
        Ok(SegData {
            segment_id: sr.segment_id(),
            bits,
            verifie,
            ids,
            normes: ns,
            colonnes_utiles,
            emplacement,
            colonnes: cols,
            totaux,
            trie,
            cache_filtres: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn est_actif(&self, doc: usize) -> bool {
        self.bits.get(doc).is_some_and(|b| b & BIT_ACTIF != 0)
    }

    /// The bitset of a slot.
    pub(crate) fn colonne(&self, slot: usize) -> &[u64] {
        let nw = self.verifie.len().div_ceil(64);
        self.colonnes.get(slot * nw..(slot + 1) * nw).unwrap_or(&[])
    }
}

/// A segment as a given searcher sees it: its arrays and its live documents.
pub(crate) struct SegVue {
    pub(crate) data: Arc<SegData>,
    /// Live documents as bitset words; `None` when none is deleted.
    pub(crate) vivants: Option<Vec<u64>>,
}

impl SegVue {
    pub(crate) fn new(data: Arc<SegData>, sr: &SegmentReader) -> SegVue {
        let vivants = sr.alive_bitset().map(|a| {
            let mut mots = vec![0u64; data.verifie.len().div_ceil(64)];
            for d in a.iter_alive() {
                if let Some(m) = mots.get_mut(d as usize / 64) {
                    *m |= 1 << (d % 64);
                }
            }
            mots
        });
        SegVue { data, vivants }
    }
}

/// A switch for the unit tests: load segments as if they were not sorted, to check the paths
/// that do not rely on the order.
pub(crate) mod tests {
    #[cfg(test)]
    pub(crate) static NON_TRIE: std::sync::atomic::AtomicBool =
        std::sync::atomic::AtomicBool::new(false);

    #[cfg(test)]
    pub(crate) fn force_non_trie() -> bool {
        NON_TRIE.load(std::sync::atomic::Ordering::SeqCst)
    }

    #[cfg(not(test))]
    pub(crate) fn force_non_trie() -> bool {
        false
    }
}
