//! Territory autocomplete over every level (~39,000 territories): by name prefix, by a word of the
//! name, by INSEE code, SIREN or postal code; insensitive to accents, case and hyphens.
//!
//! Ranking: exact name or code first, then names starting with the query, then names with a later
//! word starting with it; within each tier, the most populated first — an EPCI counting for a
//! quarter of its population, since it aggregates communes whose own names users usually mean
//! ("saint etien" is the city before its métropole) — and on a tie a commune first (Paris).

use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef, TypeCommune};
use alliances_domain::texte::{fold, fold_query};

/// How a result matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// The whole name, or an official code.
    Exact = 0,
    /// The name starts with the query, or a postal code served starts with it.
    Prefix = 1,
    /// A later word of the name starts with the query.
    Word = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub territoire: TerritoireRef,
    pub tier: Tier,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Number of distinct territories matching, beyond the `limit` returned.
    pub total: usize,
}

struct Entry {
    key: Box<str>,
    gid: u32,
}

/// The index. Territories are numbered densely (`gid`) in level order: régions, départements,
/// EPCI, communes.
pub struct TerritoireIndex {
    names: Vec<Entry>,
    words: Vec<Entry>,
    postal: Vec<(Box<str>, u32)>,
    refs: Vec<TerritoireRef>,
    /// Ranking weight, higher first (see the module documentation). Non-current communes
    /// (déléguées, associées) have no population and come last.
    weight: Vec<u64>,
}

fn gid_refs(r: &Referentiel) -> Vec<TerritoireRef> {
    let mut refs = Vec::with_capacity(r.len());
    for (niveau, n) in [
        (Niveau::Region, r.regions().len()),
        (Niveau::Departement, r.departements().len()),
        (Niveau::Epci, r.epcis().len()),
        (Niveau::Commune, r.communes().len()),
    ] {
        refs.extend((0..n as u32).map(|idx| TerritoireRef { niveau, idx }));
    }
    refs
}

impl TerritoireIndex {
    pub fn build(r: &Referentiel) -> Self {
        let refs = gid_refs(r);
        let mut names = Vec::with_capacity(refs.len());
        let mut words = Vec::with_capacity(refs.len() * 2);
        let mut weight = Vec::with_capacity(refs.len());
        let mut postal = Vec::new();
        for (gid, &t) in refs.iter().enumerate() {
            let gid = gid as u32;
            let key = fold(r.nom(t));
            for (pos, _) in key.match_indices(' ') {
                words.push(Entry {
                    key: key[pos + 1..].into(),
                    gid,
                });
            }
            names.push(Entry {
                key: key.into_boxed_str(),
                gid,
            });
            let population = r.population(t).unwrap_or(0);
            let (damped, tie_break) = match t.niveau {
                Niveau::Commune => (population, 3),
                Niveau::Departement => (population, 2),
                Niveau::Region => (population, 1),
                Niveau::Epci => (population / 4, 0),
            };
            weight.push(damped * 4 + tie_break);
            if t.niveau == Niveau::Commune {
                let c = r.commune(t.idx);
                if matches!(
                    c.type_commune,
                    TypeCommune::Actuelle | TypeCommune::ArrondissementMunicipal
                ) {
                    postal.extend(c.codes_postaux.iter().map(|cp| (cp.as_str().into(), gid)));
                }
            }
        }
        names.sort_by(|a, b| a.key.cmp(&b.key));
        words.sort_by(|a, b| a.key.cmp(&b.key));
        postal.sort();
        Self {
            names,
            words,
            postal,
            refs,
            weight,
        }
    }

    pub fn len(&self) -> usize {
        self.refs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// Searches `query` (raw user text), keeping territories of `niveau` when given, and returns
    /// at most `limit` hits. An empty query (after folding) returns nothing.
    pub fn search(
        &self,
        r: &Referentiel,
        query: &str,
        niveau: Option<Niveau>,
        limit: usize,
    ) -> Results {
        let q = fold_query(query);
        let mut top = TopK::new(limit, self.refs.len());
        if q.is_empty() || limit == 0 {
            return Results {
                hits: Vec::new(),
                total: 0,
            };
        }
        let keep = |gid: u32| niveau.is_none_or(|n| self.refs[gid as usize].niveau == n);

        let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        if looks_like_code(&compact) {
            self.search_codes(r, &compact.to_ascii_uppercase(), &keep, &mut top);
        }
        for e in prefix_range(&self.names, &q) {
            if keep(e.gid) {
                let tier = if e.key.len() == q.len() {
                    Tier::Exact
                } else {
                    Tier::Prefix
                };
                top.offer(e.gid, tier, self.weight[e.gid as usize]);
            }
        }
        for e in prefix_range(&self.words, &q) {
            if keep(e.gid) {
                top.offer(e.gid, Tier::Word, self.weight[e.gid as usize]);
            }
        }
        let total = top.total;
        let hits = top
            .into_sorted()
            .into_iter()
            .map(|(gid, tier)| Hit {
                territoire: self.refs[gid as usize],
                tier,
            })
            .collect();
        Results { hits, total }
    }

    fn search_codes(
        &self,
        r: &Referentiel,
        code: &str,
        keep: &impl Fn(u32) -> bool,
        top: &mut TopK,
    ) {
        let gid_of = |t: TerritoireRef| -> u32 {
            let offset = match t.niveau {
                Niveau::Region => 0,
                Niveau::Departement => r.regions().len(),
                Niveau::Epci => r.regions().len() + r.departements().len(),
                Niveau::Commune => r.regions().len() + r.departements().len() + r.epcis().len(),
            };
            (offset + t.idx as usize) as u32
        };
        let mut offer = |t: TerritoireRef, tier: Tier| {
            let gid = gid_of(t);
            if keep(gid) {
                top.offer(gid, tier, self.weight[gid as usize]);
            }
        };
        match code.len() {
            2 | 3 => {
                for niveau in [Niveau::Region, Niveau::Departement] {
                    if let Some(t) = r.find(niveau, code) {
                        offer(t, Tier::Exact);
                    }
                }
            }
            5 => {
                for &idx in r.communes_with_code(code) {
                    offer(
                        TerritoireRef {
                            niveau: Niveau::Commune,
                            idx,
                        },
                        Tier::Exact,
                    );
                }
            }
            9 => {
                if let Some(t) = r.find(Niveau::Epci, code) {
                    offer(t, Tier::Exact);
                }
            }
            _ => {}
        }
        if (2..=5).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
            let start = self.postal.partition_point(|(cp, _)| cp.as_ref() < code);
            for (cp, gid) in &self.postal[start..] {
                if !cp.starts_with(code) {
                    break;
                }
                if keep(*gid) {
                    top.offer(*gid, Tier::Prefix, self.weight[*gid as usize]);
                }
            }
        }
    }
}

fn looks_like_code(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("2A")
        .or_else(|| upper.strip_prefix("2B"))
        .unwrap_or(&upper);
    (2..=9).contains(&s.len()) && rest.bytes().all(|b| b.is_ascii_digit())
}

fn prefix_range<'a>(entries: &'a [Entry], q: &str) -> &'a [Entry] {
    let start = entries.partition_point(|e| e.key.as_ref() < q);
    let len = entries[start..].partition_point(|e| e.key.starts_with(q));
    &entries[start..start + len]
}

/// Keeps the best `k` distinct territories offered, and counts the distinct ones seen.
struct TopK {
    k: usize,
    best: Vec<(Tier, std::cmp::Reverse<u64>, u32)>,
    seen: Vec<u64>,
    total: usize,
}

impl TopK {
    fn new(k: usize, n: usize) -> Self {
        Self {
            k,
            best: Vec::with_capacity(k + 1),
            seen: vec![0; n.div_ceil(64)],
            total: 0,
        }
    }

    fn offer(&mut self, gid: u32, tier: Tier, weight: u64) {
        let (word, bit) = ((gid / 64) as usize, 1u64 << (gid % 64));
        let new = self.seen[word] & bit == 0;
        if new {
            self.seen[word] |= bit;
            self.total += 1;
        }
        let key = (tier, std::cmp::Reverse(weight), gid);
        if self.best.len() == self.k && self.best.last().is_some_and(|worst| key >= *worst) {
            return;
        }
        if !new {
            // Seen before: keep its better tier only.
            if let Some(pos) = self.best.iter().position(|b| b.2 == gid) {
                if key >= self.best[pos] {
                    return;
                }
                self.best.remove(pos);
            }
        }
        let at = self.best.partition_point(|b| *b < key);
        self.best.insert(at, key);
        self.best.truncate(self.k);
    }

    fn into_sorted(self) -> Vec<(u32, Tier)> {
        self.best
            .into_iter()
            .map(|(tier, _, gid)| (gid, tier))
            .collect()
    }
}
