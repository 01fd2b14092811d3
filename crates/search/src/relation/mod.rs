//! The matching index of « mise en relation »: every organisation reduced to what the score
//! reads (`alliances_domain::relation`), as parallel arrays (struct of arrays), so that ranking a
//! million candidates for one question is a scan of a few bytes each.
//!
//! # Layout (per organisation; [`IndexRelation::octets`] measures the real total)
//!
//! | Array | Bytes | What |
//! |---|---|---|
//! | `ids` | 8 | the organisation's id |
//! | `profils` | 1 | profile index, [`MORT`] for a free slot |
//! | `odd_p`, `odd_s` | 4 + 4 | primary and secondary SDGs as bit masks |
//! | `offres`, `besoins` | 1 + 1 | kinds of resources as bit masks |
//! | `communes` | 4 | headquarters commune (referential position) |
//! | `epcis` | 2 | its EPCI |
//! | `departements`, `regions` | 1 + 1 | its département and région |
//! | `portees` | 4 | the scope's presence, interned (0: none) — most scopes are one département |
//! | `jours` | 2 | verification day (days since 1970) |
//! | `maturites` | 1 | ODD 17 kit score, 255 unknown |
//! | `drapeaux` | 1 | active, national, contactable |
//! | `slot_par_id` | 4 | id → slot (ids are dense) |
//! | `par_departement` | ≈ 4 | slots by headquarters département (to seed the ranking) |
//! | `par_portee` | ≈ 1 | slots with a scope, by the départements of their scope (idem) |
//!
//! # Ranking ([`IndexRelation::meilleurs`])
//!
//! A bounded min-heap keeps the best `k`. Everyone present in the question's départements —
//! headquarters there, or a scope naming one of them — is scored first: they are usually the
//! best, so the heap's threshold rises at once. Everyone else then meets the question at the
//! région at best (presences hold everything above each territory: sharing a commune or an
//! EPCI means sharing its département), or at the EPCI for a headquarters in an EPCI straddling
//! départements. The slots are visited by blocks of [`BLOC`]: a block whose unions (offers,
//! profiles, flags, régions, maturity) cannot reach the heap's threshold at that proximity is
//! skipped whole; national actors, near everyone, are laid out apart so that they do not open
//! every block. Inside a block, a slot is checked against cheap upper bounds
//! (`domain::relation::Bornes`) and scored only if it could enter the heap. Ties go to the
//! smallest id, so the order is deterministic (and equal to the SQL version of the benchmark).

use alliances_domain::annuaire::Profil;
use alliances_domain::relation::{
    composantes, Bornes, Candidat, Composantes, Filtres, Focus, Proximite, Question,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// `profils` value of a free slot.
pub const MORT: u8 = u8::MAX;
const AUCUN_U32: u32 = u32::MAX;
const AUCUN_U16: u16 = u16::MAX;
const AUCUN_U8: u8 = u8::MAX;
const MATURITE_INCONNUE: u8 = u8::MAX;

const ACTIF: u8 = 1;
const NATIONAL: u8 = 2;
const CONTACTABLE: u8 = 4;
/// The organisation has a scope (its `portees` entry is not 0).
const PORTEE: u8 = 8;
/// In a block's flags only: a slot whose headquarters have an EPCI but no known région.
const SANS_REGION: u8 = 16;
/// `niveau_portee` not computed yet for this question.
const PAS_CALCULE: u16 = u16::MAX;

/// The ranking's bounded min-heap on (score, Reverse(id), slot): the top is the worst kept.
type Tas = BinaryHeap<Reverse<(u32, Reverse<i64>, u32)>>;

/// Slots per block: each block keeps the union of its slots' offers, flags and régions, so that
/// a whole block out of reach is skipped at once.
const BLOC: usize = 128;

/// What a block of slots may hold at most (unions; a removal or replacement leaves the old bits
/// in until the next build, which keeps the bound valid).
#[derive(Debug, Clone, Copy, Default)]
struct Bloc {
    offres: u8,
    drapeaux: u8,
    /// The highest known maturity (unknown counts 0).
    maturite: u8,
    profils: u16,
    regions: u32,
}

/// Days of freshness: a record verified more than this many days ago is stale.
pub const JOURS_FRAICHEUR: u16 = 365;

/// Where an organisation is present, as referential positions: communes, EPCIs, départements
/// (each with everything above it already added by the caller: a commune's EPCI, département
/// and région, an EPCI's départements and régions, a département's région) and régions as a
/// mask. The ranking relies on it: two presences sharing no département meet at the région at
/// best.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Presence {
    pub communes: Vec<u32>,
    pub epcis: Vec<u16>,
    pub departements: Vec<u8>,
    /// Bit = région position (at most 32 régions).
    pub regions: u32,
}

impl Presence {
    pub fn est_vide(&self) -> bool {
        self.communes.is_empty()
            && self.epcis.is_empty()
            && self.departements.is_empty()
            && self.regions == 0
    }

    fn octets(&self) -> usize {
        std::mem::size_of::<Presence>()
            + self.communes.capacity() * 4
            + self.epcis.capacity() * 2
            + self.departements.capacity()
    }
}

/// The headquarters and its chain (referential positions, `None` when unknown).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Siege {
    pub commune: Option<u32>,
    pub epci: Option<u16>,
    pub departement: Option<u8>,
    pub region: Option<u8>,
}

/// What the index keeps of an organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct FicheRelation {
    pub id: i64,
    pub profil: Profil,
    pub odd_principal: u32,
    pub odd_secondaires: u32,
    pub offres: u8,
    pub besoins: u8,
    pub siege: Siege,
    /// The scope's presence, the headquarters excluded.
    pub portee: Presence,
    pub national: bool,
    /// Day of the last verification (days since 1970-01-01).
    pub jour_verification: u16,
    pub maturite: Option<u8>,
    pub actif: bool,
    pub contactable: bool,
}

/// Where the question's organisation is present, ready for O(1) tests.
#[derive(Debug, Clone, Default)]
pub struct PresenceQuestion {
    communes: Vec<u32>,
    epcis: Vec<u64>,
    departements: [u64; 4],
    regions: u32,
    national: bool,
}

impl PresenceQuestion {
    /// From the headquarters, the scope and the national flag.
    pub fn new(siege: &Siege, portee: &Presence, national: bool) -> Self {
        let mut p = PresenceQuestion {
            national,
            ..Default::default()
        };
        let add_epci = |p: &mut PresenceQuestion, e: u16| {
            let w = e as usize / 64;
            if p.epcis.len() <= w {
                p.epcis.resize(w + 1, 0);
            }
            p.epcis[w] |= 1 << (e % 64);
        };
        if let Some(c) = siege.commune {
            p.communes.push(c);
        }
        if let Some(e) = siege.epci {
            add_epci(&mut p, e);
        }
        if let Some(d) = siege.departement {
            p.departements[d as usize / 64] |= 1 << (d % 64);
        }
        if let Some(r) = siege.region {
            p.regions |= 1 << r;
        }
        p.communes.extend(portee.communes.iter().copied());
        for &e in &portee.epcis {
            add_epci(&mut p, e);
        }
        for &d in &portee.departements {
            p.departements[d as usize / 64] |= 1 << (d % 64);
        }
        p.regions |= portee.regions;
        p.communes.sort_unstable();
        p.communes.dedup();
        p
    }

    /// Whether the question's organisation acts nationally.
    pub fn est_nationale(&self) -> bool {
        self.national
    }

    fn a_commune(&self, c: u32) -> bool {
        c != AUCUN_U32 && self.communes.contains(&c)
    }
    fn a_epci(&self, e: u16) -> bool {
        e != AUCUN_U16
            && self
                .epcis
                .get(e as usize / 64)
                .is_some_and(|w| w & (1 << (e % 64)) != 0)
    }
    fn a_departement(&self, d: u8) -> bool {
        d != AUCUN_U8 && self.departements[d as usize / 64] & (1 << (d % 64)) != 0
    }
    fn a_region(&self, r: u8) -> bool {
        r != AUCUN_U8 && self.regions & (1 << r) != 0
    }

    /// The département positions of the question.
    fn departements(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=254u8).filter(move |&d| self.a_departement(d))
    }

    fn niveau_siege(&self, c: u32, e: u16, d: u8, r: u8) -> Proximite {
        if self.a_commune(c) {
            Proximite::Commune
        } else if self.a_epci(e) {
            Proximite::Epci
        } else if self.a_departement(d) {
            Proximite::Departement
        } else if self.a_region(r) {
            Proximite::Region
        } else {
            Proximite::Aucune
        }
    }

    fn niveau_presence(&self, p: &Presence) -> Proximite {
        if p.communes.iter().any(|&c| self.a_commune(c)) {
            Proximite::Commune
        } else if p.epcis.iter().any(|&e| self.a_epci(e)) {
            Proximite::Epci
        } else if p.departements.iter().any(|&d| self.a_departement(d)) {
            Proximite::Departement
        } else if self.regions & p.regions != 0 {
            Proximite::Region
        } else {
            Proximite::Aucune
        }
    }
}

/// One question to the index.
#[derive(Debug, Clone)]
pub struct Requete {
    pub question: Question,
    pub presence: PresenceQuestion,
    pub filtres: Filtres,
    /// The asking organisation (never proposed to itself).
    pub exclure: Option<i64>,
    /// Today, in days since 1970 (freshness).
    pub jour: u16,
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trouve {
    pub id: i64,
    pub score: u32,
    pub composantes: Composantes,
    pub contactable: bool,
}

/// The best candidates and how many passed the filters (when counted).
#[derive(Debug, Clone, Default)]
pub struct Classement {
    pub resultats: Vec<Trouve>,
    pub total: Option<usize>,
}

/// The matching index. Not synchronised: the application wraps it in a lock.
#[derive(Debug, Default)]
pub struct IndexRelation {
    ids: Vec<i64>,
    profils: Vec<u8>,
    odd_p: Vec<u32>,
    odd_s: Vec<u32>,
    offres: Vec<u8>,
    besoins: Vec<u8>,
    communes: Vec<u32>,
    epcis: Vec<u16>,
    departements: Vec<u8>,
    regions: Vec<u8>,
    portees: Vec<u32>,
    jours: Vec<u16>,
    maturites: Vec<u8>,
    drapeaux: Vec<u8>,
    /// Per slot, what the first pruning reads in one load: offers, needs, région,
    /// département, flags, profile, maturity (a byte each, in that order from the low end).
    resumes: Vec<u64>,
    blocs: Vec<Bloc>,
    slot_par_id: Vec<u32>,
    libres: Vec<u32>,
    par_departement: Vec<Vec<u32>>,
    /// Slots with a scope, by every département of their scope (to seed the ranking with
    /// everyone present in the question's départements).
    par_portee: Vec<Vec<u32>>,
    /// Per EPCI, the départements of the headquarters in it (a union: an EPCI may straddle
    /// départements, even régions).
    departements_par_epci: Vec<[u64; 4]>,
    /// Per département, the régions of the headquarters in it (a union).
    regions_par_departement: Vec<u32>,
    /// Interned scope presences; position 0 is the empty one.
    presences: Vec<Presence>,
    presence_ids: HashMap<Presence, u32>,
    vivants: usize,
}

impl IndexRelation {
    pub fn new() -> Self {
        let mut i = IndexRelation::default();
        i.presences.push(Presence::default());
        i.presence_ids.insert(Presence::default(), 0);
        i
    }

    /// Builds from every organisation at once, laid out by headquarters région then offers, so
    /// that the blocks of far-away organisations offering nothing the question needs are
    /// skipped whole.
    pub fn construire(mut fiches: Vec<FicheRelation>) -> Self {
        // National actors last (they are near everyone), then by région; within a région: no
        // offers first, then one kind of offer grouped by kind, then two…
        fiches.sort_by_key(|f| {
            (
                f.national,
                f.siege.region.unwrap_or(AUCUN_U8),
                f.offres.count_ones(),
                f.offres.trailing_zeros(),
                f.offres,
                f.id,
            )
        });
        let mut i = IndexRelation::new();
        i.reserver(fiches.len());
        for f in fiches {
            i.inserer(f);
        }
        i.shrink();
        i
    }

    /// Reserves room for `n` more organisations.
    pub fn reserver(&mut self, n: usize) {
        self.ids.reserve(n);
        self.profils.reserve(n);
        self.odd_p.reserve(n);
        self.odd_s.reserve(n);
        self.offres.reserve(n);
        self.besoins.reserve(n);
        self.communes.reserve(n);
        self.epcis.reserve(n);
        self.departements.reserve(n);
        self.regions.reserve(n);
        self.portees.reserve(n);
        self.jours.reserve(n);
        self.maturites.reserve(n);
        self.drapeaux.reserve(n);
        self.resumes.reserve(n);
    }

    /// Releases spare capacity (after a build).
    pub fn shrink(&mut self) {
        self.ids.shrink_to_fit();
        self.profils.shrink_to_fit();
        self.odd_p.shrink_to_fit();
        self.odd_s.shrink_to_fit();
        self.offres.shrink_to_fit();
        self.besoins.shrink_to_fit();
        self.communes.shrink_to_fit();
        self.epcis.shrink_to_fit();
        self.departements.shrink_to_fit();
        self.regions.shrink_to_fit();
        self.portees.shrink_to_fit();
        self.jours.shrink_to_fit();
        self.maturites.shrink_to_fit();
        self.drapeaux.shrink_to_fit();
        self.resumes.shrink_to_fit();
        self.blocs.shrink_to_fit();
        self.slot_par_id.shrink_to_fit();
        for l in self.par_departement.iter_mut().chain(&mut self.par_portee) {
            l.shrink_to_fit();
        }
    }

    /// How many organisations are indexed.
    pub fn len(&self) -> usize {
        self.vivants
    }

    pub fn is_empty(&self) -> bool {
        self.vivants == 0
    }

    /// Memory held by the index, in bytes (capacities, interned scopes, posting lists).
    pub fn octets(&self) -> usize {
        let tableaux = self.ids.capacity() * 8
            + self.profils.capacity()
            + self.odd_p.capacity() * 4
            + self.odd_s.capacity() * 4
            + self.offres.capacity()
            + self.besoins.capacity()
            + self.communes.capacity() * 4
            + self.epcis.capacity() * 2
            + self.departements.capacity()
            + self.regions.capacity()
            + self.portees.capacity() * 4
            + self.jours.capacity() * 2
            + self.maturites.capacity()
            + self.drapeaux.capacity()
            + self.resumes.capacity() * 8
            + self.blocs.capacity() * std::mem::size_of::<Bloc>()
            + self.slot_par_id.capacity() * 4
            + self.libres.capacity() * 4
            + self.departements_par_epci.capacity() * 32
            + self.regions_par_departement.capacity() * 4;
        let listes = self
            .par_departement
            .iter()
            .chain(&self.par_portee)
            .map(|l| l.capacity() * 4 + std::mem::size_of::<Vec<u32>>())
            .sum::<usize>();
        // Each interned presence lives twice (the table and the map's key), plus the map's
        // slot and control byte.
        let presences = 2 * self.presences.iter().map(Presence::octets).sum::<usize>()
            + self.presence_ids.capacity() * (std::mem::size_of::<(Presence, u32)>() + 1);
        tableaux + listes + presences
    }

    fn presence_id(&mut self, p: Presence) -> u32 {
        if p.est_vide() {
            return 0;
        }
        if let Some(&id) = self.presence_ids.get(&p) {
            return id;
        }
        let id = self.presences.len() as u32;
        self.presences.push(p.clone());
        self.presence_ids.insert(p, id);
        id
    }

    fn slot(&self, id: i64) -> Option<u32> {
        let s = *self.slot_par_id.get(usize::try_from(id).ok()?)?;
        (s != AUCUN_U32).then_some(s)
    }

    /// Adds or replaces an organisation.
    pub fn inserer(&mut self, f: FicheRelation) {
        let Ok(id_pos) = usize::try_from(f.id) else {
            return;
        };
        let portee = self.presence_id(f.portee);
        let dep = f.siege.departement.unwrap_or(AUCUN_U8);
        let drapeaux = (if f.actif { ACTIF } else { 0 })
            | (if f.national { NATIONAL } else { 0 })
            | (if f.contactable { CONTACTABLE } else { 0 })
            | (if portee != 0 { PORTEE } else { 0 });
        let slot = match self.slot(f.id) {
            Some(s) => {
                let ancien = self.departements[s as usize];
                if ancien != dep {
                    self.retirer_du_departement(ancien, s);
                    self.ajouter_au_departement(dep, s);
                }
                s
            }
            None => {
                let s = match self.libres.pop() {
                    Some(s) => s,
                    None => {
                        let s = self.ids.len() as u32;
                        self.ids.push(0);
                        self.profils.push(MORT);
                        self.odd_p.push(0);
                        self.odd_s.push(0);
                        self.offres.push(0);
                        self.besoins.push(0);
                        self.communes.push(AUCUN_U32);
                        self.epcis.push(AUCUN_U16);
                        self.departements.push(AUCUN_U8);
                        self.regions.push(AUCUN_U8);
                        self.portees.push(0);
                        self.jours.push(0);
                        self.maturites.push(MATURITE_INCONNUE);
                        self.drapeaux.push(0);
                        self.resumes.push(0);
                        s
                    }
                };
                if self.slot_par_id.len() <= id_pos {
                    self.slot_par_id.resize(id_pos + 1, AUCUN_U32);
                }
                self.slot_par_id[id_pos] = s;
                self.ajouter_au_departement(dep, s);
                self.vivants += 1;
                s
            }
        };
        let s = slot as usize;
        let ancienne = self.portees[s];
        if ancienne != portee {
            self.retirer_de_la_portee(ancienne, slot);
            self.ajouter_a_la_portee(portee, slot);
        }
        if let (Some(e), Some(d)) = (f.siege.epci, f.siege.departement) {
            let e = e as usize;
            if self.departements_par_epci.len() <= e {
                self.departements_par_epci.resize(e + 1, [0; 4]);
            }
            self.departements_par_epci[e][d as usize / 64] |= 1 << (d % 64);
        }
        if let (Some(d), Some(r)) = (f.siege.departement, f.siege.region) {
            let d = d as usize;
            if self.regions_par_departement.len() <= d {
                self.regions_par_departement.resize(d + 1, 0);
            }
            if r < 32 {
                self.regions_par_departement[d] |= 1 << r;
            }
        }
        self.ids[s] = f.id;
        self.profils[s] = f.profil.index() as u8;
        self.odd_p[s] = f.odd_principal;
        self.odd_s[s] = f.odd_secondaires;
        self.offres[s] = f.offres;
        self.besoins[s] = f.besoins;
        self.communes[s] = f.siege.commune.unwrap_or(AUCUN_U32);
        self.epcis[s] = f.siege.epci.unwrap_or(AUCUN_U16);
        self.departements[s] = dep;
        self.regions[s] = f.siege.region.unwrap_or(AUCUN_U8);
        self.portees[s] = portee;
        self.jours[s] = f.jour_verification;
        self.maturites[s] = f.maturite.map_or(MATURITE_INCONNUE, |m| m.min(100));
        self.drapeaux[s] = drapeaux;
        self.resumer(s);
        let b = s / BLOC;
        if self.blocs.len() <= b {
            self.blocs.resize(b + 1, Bloc::default());
        }
        let region = self.regions[s];
        let bloc = &mut self.blocs[b];
        bloc.offres |= self.offres[s];
        bloc.drapeaux |= drapeaux;
        bloc.profils |= 1 << (self.profils[s] & 15);
        if self.maturites[s] != MATURITE_INCONNUE {
            bloc.maturite = bloc.maturite.max(self.maturites[s]);
        }
        if region < 32 {
            bloc.regions |= 1 << region;
        } else if self.epcis[s] != AUCUN_U16 {
            bloc.drapeaux |= SANS_REGION;
        }
        bloc.regions |= self.presences[portee as usize].regions;
    }

    fn resumer(&mut self, s: usize) {
        self.resumes[s] = u64::from(self.offres[s])
            | u64::from(self.besoins[s]) << 8
            | u64::from(self.regions[s]) << 16
            | u64::from(self.departements[s]) << 24
            | u64::from(self.drapeaux[s]) << 32
            | u64::from(self.profils[s]) << 40
            | u64::from(self.maturites[s]) << 48;
    }

    /// Removes an organisation (merged, deleted); unknown ids are ignored.
    pub fn retirer(&mut self, id: i64) {
        let Some(s) = self.slot(id) else { return };
        let dep = self.departements[s as usize];
        self.retirer_du_departement(dep, s);
        self.retirer_de_la_portee(self.portees[s as usize], s);
        self.portees[s as usize] = 0;
        self.profils[s as usize] = MORT;
        self.drapeaux[s as usize] = 0;
        self.resumer(s as usize);
        self.slot_par_id[id as usize] = AUCUN_U32;
        self.libres.push(s);
        self.vivants -= 1;
    }

    /// Sets the maturity of an organisation (a new ODD 17 kit result).
    pub fn definir_maturite(&mut self, id: i64, maturite: Option<u8>) {
        if let Some(s) = self.slot(id) {
            self.maturites[s as usize] = maturite.map_or(MATURITE_INCONNUE, |m| m.min(100));
            self.resumer(s as usize);
            if let (Some(m), Some(bloc)) = (maturite, self.blocs.get_mut(s as usize / BLOC)) {
                bloc.maturite = bloc.maturite.max(m.min(100));
            }
        }
    }

    /// The indexed content of an organisation (tests, the question's own side).
    pub fn fiche(&self, id: i64) -> Option<FicheRelation> {
        let s = self.slot(id)? as usize;
        let opt32 = |v: u32| (v != AUCUN_U32).then_some(v);
        Some(FicheRelation {
            id,
            profil: Profil::ALL[self.profils[s] as usize],
            odd_principal: self.odd_p[s],
            odd_secondaires: self.odd_s[s],
            offres: self.offres[s],
            besoins: self.besoins[s],
            siege: Siege {
                commune: opt32(self.communes[s]),
                epci: (self.epcis[s] != AUCUN_U16).then_some(self.epcis[s]),
                departement: (self.departements[s] != AUCUN_U8).then_some(self.departements[s]),
                region: (self.regions[s] != AUCUN_U8).then_some(self.regions[s]),
            },
            portee: self.presences[self.portees[s] as usize].clone(),
            national: self.drapeaux[s] & NATIONAL != 0,
            jour_verification: self.jours[s],
            maturite: (self.maturites[s] != MATURITE_INCONNUE).then_some(self.maturites[s]),
            actif: self.drapeaux[s] & ACTIF != 0,
            contactable: self.drapeaux[s] & CONTACTABLE != 0,
        })
    }

    fn ajouter_au_departement(&mut self, dep: u8, s: u32) {
        if dep == AUCUN_U8 {
            return;
        }
        let d = dep as usize;
        if self.par_departement.len() <= d {
            self.par_departement.resize_with(d + 1, Vec::new);
        }
        self.par_departement[d].push(s);
    }

    fn ajouter_a_la_portee(&mut self, portee: u32, s: u32) {
        if portee == 0 {
            return;
        }
        let mut deps = self.presences[portee as usize].departements.clone();
        deps.sort_unstable();
        deps.dedup();
        for d in deps {
            if d == AUCUN_U8 {
                continue;
            }
            let d = d as usize;
            if self.par_portee.len() <= d {
                self.par_portee.resize_with(d + 1, Vec::new);
            }
            self.par_portee[d].push(s);
        }
    }

    fn retirer_de_la_portee(&mut self, portee: u32, s: u32) {
        if portee == 0 {
            return;
        }
        for i in 0..self.presences[portee as usize].departements.len() {
            let d = self.presences[portee as usize].departements[i];
            if let Some(l) = self.par_portee.get_mut(d as usize) {
                if let Some(k) = l.iter().position(|&x| x == s) {
                    l.swap_remove(k);
                }
            }
        }
    }

    fn retirer_du_departement(&mut self, dep: u8, s: u32) {
        if let Some(l) = self.par_departement.get_mut(dep as usize) {
            if let Some(k) = l.iter().position(|&x| x == s) {
                l.swap_remove(k);
            }
        }
    }

    /// The proximity of slot `s` to the question.
    fn proximite(&self, q: &PresenceQuestion, s: usize) -> Proximite {
        let mut p = q.niveau_siege(
            self.communes[s],
            self.epcis[s],
            self.departements[s],
            self.regions[s],
        );
        let portee = self.portees[s];
        if portee != 0 && p != Proximite::Commune {
            p = p.min(q.niveau_presence(&self.presences[portee as usize]));
        }
        if p == Proximite::Aucune && (q.national || self.drapeaux[s] & NATIONAL != 0) {
            p = Proximite::National;
        }
        p
    }

    /// Whether slot `s` passes the filters that do not need its proximity.
    fn admis(&self, r: &Requete, masque_profils: u16, exclu: Option<usize>, s: usize) -> bool {
        let profil = self.profils[s];
        if profil == MORT || self.drapeaux[s] & ACTIF == 0 || Some(s) == exclu {
            return false;
        }
        if masque_profils != 0 && masque_profils & (1 << profil) == 0 {
            return false;
        }
        if let Some(o) = r.filtres.odd {
            if (self.odd_p[s] | self.odd_s[s]) & (1 << (o - 1)) == 0 {
                return false;
            }
        }
        if let Some(n) = r.filtres.nature {
            let m = match r.question.focus {
                Focus::Offre => self.besoins[s],
                Focus::Organisation | Focus::Besoin => self.offres[s],
            };
            if m & (1 << n.index()) == 0 {
                return false;
            }
        }
        true
    }

    fn candidat(&self, r: &Requete, s: usize) -> Candidat {
        Candidat {
            profil: Profil::ALL[self.profils[s] as usize],
            odd_principal: self.odd_p[s],
            odd_secondaires: self.odd_s[s],
            offres: self.offres[s],
            besoins: self.besoins[s],
            maturite: (self.maturites[s] != MATURITE_INCONNUE).then_some(self.maturites[s]),
            perime: r.jour.saturating_sub(self.jours[s]) > JOURS_FRAICHEUR,
        }
    }

    /// The proximity of an interned scope to the question (its exact level, without the
    /// national rule) and the smallest of the question's départements it names (`AUCUN_U8`
    /// when none): computed once per question and scope, in `memo`.
    fn niveau_portee(
        &self,
        q: &PresenceQuestion,
        memo: &mut [u16],
        portee: u32,
    ) -> (Proximite, u8) {
        let m = &mut memo[portee as usize];
        if *m == PAS_CALCULE {
            let p = &self.presences[portee as usize];
            let commun = p
                .departements
                .iter()
                .copied()
                .filter(|&d| q.a_departement(d))
                .min()
                .unwrap_or(AUCUN_U8);
            *m = u16::from(q.niveau_presence(p).rang()) | u16::from(commun) << 8;
        }
        (Proximite::ALL[usize::from(*m as u8)], (*m >> 8) as u8)
    }

    /// The régions where a headquarters outside the question's départements may still share an
    /// EPCI with it (EPCIs straddling départements): from the unions kept per EPCI.
    fn regions_epci(&self, q: &PresenceQuestion) -> u32 {
        let mut regions = 0;
        for (w, &mot) in q.epcis.iter().enumerate() {
            let mut bits = mot;
            while bits != 0 {
                let e = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(deps) = self.departements_par_epci.get(e) else {
                    continue;
                };
                for (i, &m) in deps.iter().enumerate() {
                    let mut autres = m & !q.departements[i];
                    while autres != 0 {
                        let d = i * 64 + autres.trailing_zeros() as usize;
                        autres &= autres - 1;
                        regions |= self.regions_par_departement.get(d).copied().unwrap_or(0);
                    }
                }
            }
        }
        regions
    }

    /// The `k` best candidates for a question (score descending, then id ascending); with
    /// `compter`, also how many candidates pass the filters (a full scan).
    pub fn meilleurs(&self, r: &Requete, k: usize, compter: bool) -> Classement {
        let masque = r.filtres.masque_profils();
        let max = r.filtres.distance_max.unwrap_or(Proximite::Aucune);
        // Min-heap on (score, Reverse(id)): the top is the worst kept.
        let mut tas: Tas = BinaryHeap::with_capacity(k + 1);
        let mut total = 0usize;
        let evaluer = |s: usize, tas: &mut Tas| {
            let p = self.proximite(&r.presence, s);
            if p > max {
                return false;
            }
            let score = composantes(&r.question, &self.candidat(r, s), p).score();
            let cle = (score, Reverse(self.ids[s]), s as u32);
            if tas.len() < k {
                tas.push(Reverse(cle));
            } else if let Some(Reverse(pire)) = tas.peek() {
                if cle > *pire {
                    tas.pop();
                    tas.push(Reverse(cle));
                }
            }
            true
        };
        if k == 0 && !compter {
            return Classement::default();
        }
        let q = &r.presence;
        let exclu = r.exclure.and_then(|id| self.slot(id)).map(|s| s as usize);
        let bornes = Bornes::new(&r.question);
        let maturite = |s: usize| {
            if self.maturites[s] == MATURITE_INCONNUE {
                0
            } else {
                u32::from(self.maturites[s])
            }
        };
        let mut portees = vec![PAS_CALCULE; self.presences.len()];
        // 1. Everyone present in the question's départements: headquarters there, or a scope
        // naming one of them (once the heap is full, a candidate is scored only when its score
        // before freshness could enter it).
        let semer = |s: usize, tas: &mut Tas, total: &mut usize| {
            if !self.admis(r, masque, exclu, s) {
                return;
            }
            if tas.len() == k {
                if let Some(Reverse((seuil, _, _))) = tas.peek() {
                    let p = self.proximite(q, s);
                    let exact = bornes.sans_fraicheur(
                        self.offres[s],
                        self.besoins[s],
                        self.odd_p[s],
                        self.odd_s[s],
                        self.profils[s] as usize,
                        maturite(s),
                        p,
                    );
                    if exact < *seuil {
                        if p <= max {
                            *total += 1;
                        }
                        return;
                    }
                }
            }
            if evaluer(s, tas) {
                *total += 1;
            }
        };
        for d in q.departements() {
            if let Some(l) = self.par_departement.get(d as usize) {
                for &s in l {
                    semer(s as usize, &mut tas, &mut total);
                }
            }
            if let Some(l) = self.par_portee.get(d as usize) {
                for &s in l {
                    let s = s as usize;
                    // Each once: not when seen from its headquarters' département, nor from
                    // another, smaller, département of its scope.
                    if q.a_departement(self.departements[s])
                        || self.niveau_portee(q, &mut portees, self.portees[s]).1 != d
                    {
                        continue;
                    }
                    semer(s, &mut tas, &mut total);
                }
            }
        }
        // 2. Everyone else: present in none of the question's départements, so (presences
        // hold everything above each territory) its scope meets the question at the région at
        // best, and its headquarters at the région too, or at the EPCI for an EPCI straddling
        // départements. A block is skipped whole when that proximity and the unions of its
        // slots cannot reach the heap's threshold. A slot is pruned when even its best case
        // cannot enter the heap: first from its summary word (every part exact but SDGs,
        // counted as all shared, and proximity, at the best its région, EPCI, scope and flags
        // allow), then, for the few left, every part exact but freshness.
        let mut seuil: Option<u32> = if tas.len() == k {
            tas.peek().map(|Reverse((seuil, _, _))| *seuil)
        } else {
            None
        };
        let national_q = q.national;
        let regions_epci = self.regions_epci(q);
        for (b, bloc) in self.blocs.iter().enumerate() {
            let debut = b * BLOC;
            let fin = (debut + BLOC).min(self.resumes.len());
            if let (Some(seuil), false) = (seuil, compter) {
                let pmax = if bloc.regions & regions_epci != 0
                    || (bloc.drapeaux & SANS_REGION != 0 && regions_epci != 0)
                {
                    Proximite::Epci
                } else if bloc.regions & q.regions != 0 {
                    Proximite::Region
                } else if national_q || bloc.drapeaux & NATIONAL != 0 {
                    Proximite::National
                } else {
                    Proximite::Aucune
                };
                if bornes.borne_groupe(bloc.offres, bloc.profils, u32::from(bloc.maturite), pmax)
                    < seuil
                {
                    continue;
                }
            }
            for s in debut..fin {
                let w = self.resumes[s];
                let dep = (w >> 24) as u8;
                if q.a_departement(dep) {
                    continue;
                }
                let drapeaux = (w >> 32) as u8;
                if drapeaux & ACTIF == 0 {
                    continue;
                }
                let region = (w >> 16) as u8;
                let mut pmax = if q.a_region(region) {
                    Proximite::Region
                } else if national_q || drapeaux & NATIONAL != 0 {
                    Proximite::National
                } else {
                    Proximite::Aucune
                };
                if (region >= 32 || regions_epci & (1 << region) != 0) && q.a_epci(self.epcis[s]) {
                    pmax = Proximite::Epci;
                }
                if drapeaux & PORTEE != 0 {
                    let (niveau, commun) = self.niveau_portee(q, &mut portees, self.portees[s]);
                    if commun != AUCUN_U8 {
                        // Seen in step 1.
                        continue;
                    }
                    pmax = pmax.min(niveau);
                }
                let mut elague = seuil.is_some_and(|seuil| {
                    let maturite = (w >> 48) as u8;
                    bornes.borne_sans_odd(
                        w as u8,
                        (w >> 8) as u8,
                        ((w >> 40) as u8) as usize,
                        if maturite == MATURITE_INCONNUE {
                            0
                        } else {
                            u32::from(maturite)
                        },
                        pmax,
                    ) < seuil
                });
                if elague && !compter {
                    continue;
                }
                if !self.admis(r, masque, exclu, s) {
                    continue;
                }
                let p = self.proximite(q, s);
                if compter && p <= max {
                    total += 1;
                }
                if let (false, Some(seuil)) = (elague, seuil) {
                    let exact = bornes.sans_fraicheur(
                        self.offres[s],
                        self.besoins[s],
                        self.odd_p[s],
                        self.odd_s[s],
                        self.profils[s] as usize,
                        maturite(s),
                        p,
                    );
                    elague = exact < seuil;
                }
                if !elague && evaluer(s, &mut tas) && tas.len() == k {
                    seuil = tas.peek().map(|Reverse((seuil, _, _))| *seuil);
                }
            }
        }
        let mut v: Vec<(u32, Reverse<i64>, u32)> = tas.into_iter().map(|Reverse(c)| c).collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        let resultats = v
            .into_iter()
            .map(|(score, Reverse(id), s)| {
                let s = s as usize;
                let p = self.proximite(q, s);
                Trouve {
                    id,
                    score,
                    composantes: composantes(&r.question, &self.candidat(r, s), p),
                    contactable: self.drapeaux[s] & CONTACTABLE != 0,
                }
            })
            .collect();
        Classement {
            resultats,
            total: compter.then_some(total),
        }
    }
}

#[cfg(test)]
mod tests;
