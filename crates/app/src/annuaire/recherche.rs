//! The search entry point of pages and API, with a per-instance request cache: the results of a
//! query (hits, total, facets) are kept until the index changes — the same idea as a search
//! engine's shard request cache, invalidated at each refresh. Popular searches (the landing
//! page, a territory's organisations, a common word) then cost a hash lookup instead of a scan
//! of hundreds of thousands of matches.

use crate::App;
use alliances_search::organisations::{OrgIndexError, OrgQuery, OrgResults};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Entries kept (each holds a page of hits and the facet counts: about 1 KB).
const CAPACITE: usize = 20_000;
/// Freshness is relative to `now`: queries are keyed by the hour, so a cached answer is at most
/// an hour late on which records turned stale.
const GRAIN_SECS: i64 = 3600;

pub struct CacheRecherche {
    /// Off: every search runs on the index (benchmarks measure both).
    actif: std::sync::atomic::AtomicBool,
    /// Bumped by every change applied to the index; entries of older generations are ignored.
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (u64, Arc<OrgResults>)>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Default for CacheRecherche {
    fn default() -> Self {
        CacheRecherche {
            actif: std::sync::atomic::AtomicBool::new(true),
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

impl CacheRecherche {
    /// Turns the cache on or off.
    pub fn activer(&self, actif: bool) {
        self.actif.store(actif, Ordering::Release);
        self.invalider();
    }

    /// The index changed: every cached answer is stale.
    pub fn invalider(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut e) = self.entries.lock() {
            e.clear();
        }
    }

    /// (hits, misses) since start.
    pub fn compteurs(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

fn cle(q: &OrgQuery) -> String {
    let mut k = q.clone();
    k.now = q.now.div_euclid(GRAIN_SECS) * GRAIN_SECS;
    format!("{k:?}")
}

impl App {
    /// Searches the organisations (through the request cache).
    pub fn rechercher_organisations(&self, q: &OrgQuery) -> Result<Arc<OrgResults>, OrgIndexError> {
        let cache = &self.cache_recherche;
        if !cache.actif.load(Ordering::Acquire) {
            return Ok(Arc::new(self.organisations.search(q)?));
        }
        let key = cle(q);
        let generation = cache.generation.load(Ordering::Acquire);
        if let Some((g, r)) = cache.entries.lock().ok().and_then(|e| e.get(&key).cloned()) {
            if g == generation {
                cache.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(r);
            }
        }
        cache.misses.fetch_add(1, Ordering::Relaxed);
        let mut rounded = q.clone();
        rounded.now = q.now.div_euclid(GRAIN_SECS) * GRAIN_SECS;
        let r = Arc::new(self.organisations.search(&rounded)?);
        if let Ok(mut e) = cache.entries.lock() {
            if e.len() >= CAPACITE {
                // Simple and bounded: start over (popular queries come back at once).
                e.clear();
            }
            // Only answers computed on the current generation are kept.
            if cache.generation.load(Ordering::Acquire) == generation {
                e.insert(key, (generation, r.clone()));
            }
        }
        Ok(r)
    }
}
