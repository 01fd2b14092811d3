//! The counters of every territory (communes, EPCI, départements, régions, national) and the
//! compact memory of what each record contributed, so that an update subtracts the old
//! contribution and adds the new one. Pure: no I/O; `synchro.rs` feeds it from the database and
//! the change feed.
//!
//! Where a record counts:
//! - an organisation, active and not merged, in every territory its headquarters commune or its
//!   scope reaches, each with everything above it (the annuaire's rule for territory filters,
//!   `annuaire::index::termes_territoire`: an EPCI over several départements counts in each);
//! - a public alliance, likewise from its territories;
//! - a contact request, where the headquarters commune of its source or of its target lies (once
//!   when both do); a referral, where the headquarters of the organisation it is for lies;
//! - everything counts nationally.

use alliances_domain::alliances::{Forme, Stade};
use alliances_domain::annuaire::{Profil, TypePartenariat};
use alliances_domain::contacts::EtatDemande;
use alliances_domain::ingenieries::orientation::EtatOrientation;
use alliances_domain::kits::definition::NB_NIVEAUX;
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef};
use std::collections::HashMap;

pub const NB_PROFILS: usize = Profil::ALL.len();
pub const NB_STADES: usize = Stade::ALL.len();
pub const NB_TYPES: usize = TypePartenariat::ALL.len();
pub const NB_FORMES: usize = Forme::ALL.len();
pub const NB_ETATS_DEMANDE: usize = EtatDemande::ALL.len();
pub const NB_ETATS_ORIENTATION: usize = EtatOrientation::ALL.len();
pub const NB_ODD: usize = 17;

/// The counters of one territory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Compteurs {
    /// Active organisations based or acting there, and by profile.
    pub organisations: u32,
    pub profils: [u32; NB_PROFILS],
    /// Needs declared by them, and per SDG (the need's SDGs, else its organisation's).
    pub besoins: u32,
    pub besoins_odd: [u32; NB_ODD],
    /// Organisations per level of their latest ODD 17 kit result.
    pub maturite: [u32; NB_NIVEAUX],
    /// Public alliances acting there, by stage, partnership type, form and SDG.
    pub alliances: u32,
    pub stades: [u32; NB_STADES],
    pub types: [u32; NB_TYPES],
    pub formes: [u32; NB_FORMES],
    pub alliances_odd: [u32; NB_ODD],
    /// Contact requests by state, and the alliances started from them.
    pub demandes: [u32; NB_ETATS_DEMANDE],
    pub demandes_alliances: u32,
    /// Referrals by state.
    pub orientations: [u32; NB_ETATS_ORIENTATION],
}

impl Compteurs {
    /// Contact requests by state, as the « mises en relation » blocks present them.
    pub fn conversion(&self) -> alliances_domain::contacts::Conversion {
        let n = |e: EtatDemande| i64::from(self.demandes[e.index()]);
        alliances_domain::contacts::Conversion {
            demandes: self.demandes.iter().map(|&x| i64::from(x)).sum(),
            envoyees: n(EtatDemande::Envoyee),
            acceptees: n(EtatDemande::Acceptee),
            refusees: n(EtatDemande::Refusee),
            sans_reponse: n(EtatDemande::SansReponse),
            alliances: i64::from(self.demandes_alliances),
        }
    }
}

fn ajuster(x: &mut u32, signe: i32) {
    *x = x.wrapping_add_signed(signe);
}

/// Every territory as one position: communes, then EPCI, départements, régions, national.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Positions {
    communes: u32,
    epcis: u32,
    departements: u32,
    regions: u32,
}

impl Positions {
    pub fn new(r: &Referentiel) -> Positions {
        Positions {
            communes: r.communes().len() as u32,
            epcis: r.epcis().len() as u32,
            departements: r.departements().len() as u32,
            regions: r.regions().len() as u32,
        }
    }

    pub fn len(&self) -> usize {
        (self.communes + self.epcis + self.departements + self.regions + 1) as usize
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn de(&self, t: TerritoireRef) -> u32 {
        match t.niveau {
            Niveau::Commune => t.idx,
            Niveau::Epci => self.communes + t.idx,
            Niveau::Departement => self.communes + self.epcis + t.idx,
            Niveau::Region => self.communes + self.epcis + self.departements + t.idx,
        }
    }

    pub fn national(&self) -> u32 {
        self.communes + self.epcis + self.departements + self.regions
    }
}

/// Adds the positions a territory reaches: itself and everything above it (an EPCI over several
/// départements names them all) — `annuaire::index::termes_territoire` in positions.
pub fn etendre(r: &Referentiel, p: &Positions, t: TerritoireRef, out: &mut Vec<u32>) {
    out.push(p.de(t));
    for a in r.ancestors(t) {
        out.push(p.de(a));
    }
    if t.niveau == Niveau::Epci {
        for &d in r.departements_of_epci(t.idx) {
            out.push(p.de(TerritoireRef {
                niveau: Niveau::Departement,
                idx: d,
            }));
        }
        for &g in r.regions_of_epci(t.idx) {
            out.push(p.de(TerritoireRef {
                niveau: Niveau::Region,
                idx: g,
            }));
        }
    }
}

/// The commune a stored headquarters code designates (the annuaire's reading of it).
pub fn commune_siege(r: &Referentiel, code: &str) -> Option<u32> {
    r.find(Niveau::Commune, code).map(|t| t.idx)
}

const AUCUNE: u32 = u32::MAX;
const SANS_NIVEAU: u8 = u8::MAX;

/// An organisation as the dashboards count it (read from its stored row).
#[derive(Debug, Clone, PartialEq)]
pub struct EntreeOrganisation {
    pub id: i64,
    /// The headquarters commune (referential position), kept for merged or inactive records too:
    /// contact requests and referrals count there.
    pub commune: Option<u32>,
    /// Positions reached by the scope (already expanded), beside the headquarters'.
    pub portee: Vec<u32>,
    pub profil: Profil,
    /// Active and not merged: the organisation counts.
    pub compte: bool,
    /// Level of its latest ODD 17 kit result.
    pub niveau: Option<u8>,
    /// SDGs of each declared need.
    pub besoins: Vec<Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Extra {
    portee: Box<[u32]>,
    nb_besoins: u32,
    /// The SDGs of every need, one after the other.
    besoins_odd: Box<[u8]>,
}

/// What one organisation contributed (16 bytes, plus a box for scopes and needs).
#[derive(Debug, Clone)]
struct TraceOrganisation {
    commune: u32,
    extra: Option<Box<Extra>>,
    profil: u8,
    niveau: u8,
    /// 0: no such record; 1: stored but not counted; 2: counted.
    etat: u8,
}

impl Default for TraceOrganisation {
    fn default() -> Self {
        TraceOrganisation {
            commune: AUCUNE,
            extra: None,
            profil: 0,
            niveau: SANS_NIVEAU,
            etat: 0,
        }
    }
}

/// A public alliance as counted.
#[derive(Debug, Clone, PartialEq)]
pub struct EntreeAlliance {
    pub id: i64,
    /// Positions reached by its territories (expanded).
    pub positions: Vec<u32>,
    pub stade: Stade,
    pub types: Vec<TypePartenariat>,
    pub forme: Forme,
    pub odd: Vec<u8>,
    /// End date (ISO), if any: an ended alliance is not active.
    pub fin: Option<String>,
}

#[derive(Debug, Clone)]
struct TraceAlliance {
    positions: Box<[u32]>,
    stade: u8,
    forme: u8,
    types: u32,
    odd: u32,
    fin: Option<Box<str>>,
}

#[derive(Debug, Clone)]
struct TraceDemande {
    de: i64,
    vers: i64,
    etat: u8,
    alliance: bool,
    positions: Box<[u32]>,
}

#[derive(Debug, Clone)]
struct TraceOrientation {
    organisation: i64,
    etat: u8,
    positions: Box<[u32]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lien {
    Demande(i64),
    Orientation(i64),
}

/// The counters of every territory and the memory of every record's contribution.
#[derive(Debug, Default)]
pub struct Agregats {
    pos: Positions,
    compteurs: Vec<Compteurs>,
    organisations: Vec<TraceOrganisation>,
    alliances: HashMap<i64, TraceAlliance>,
    demandes: HashMap<i64, TraceDemande>,
    orientations: HashMap<i64, TraceOrientation>,
    /// Requests and referrals of each organisation (moved when its headquarters moves).
    liens: HashMap<i64, Vec<Lien>>,
    pub(crate) max_demande: i64,
    pub(crate) max_orientation: i64,
}

fn masque<T: Copy>(v: &[T], index: impl Fn(T) -> usize) -> u32 {
    v.iter().fold(0, |m, x| m | (1 << index(*x)))
}

fn bits(m: u32) -> impl Iterator<Item = usize> {
    (0..32).filter(move |i| m & (1 << i) != 0)
}

fn trier(mut v: Vec<u32>) -> Box<[u32]> {
    v.sort_unstable();
    v.dedup();
    v.into_boxed_slice()
}

impl Agregats {
    pub fn new(r: &Referentiel) -> Agregats {
        let pos = Positions::new(r);
        Agregats {
            pos,
            compteurs: vec![Compteurs::default(); pos.len()],
            ..Agregats::default()
        }
    }

    pub fn positions(&self) -> &Positions {
        &self.pos
    }

    /// The counters at a position.
    pub fn a(&self, position: u32) -> &Compteurs {
        &self.compteurs[position as usize]
    }

    pub fn de(&self, t: TerritoireRef) -> &Compteurs {
        self.a(self.pos.de(t))
    }

    pub fn national(&self) -> &Compteurs {
        self.a(self.pos.national())
    }

    /// Positions reached by a headquarters commune, with national.
    fn siege(&self, r: &Referentiel, commune: u32, out: &mut Vec<u32>) {
        if commune != AUCUNE {
            etendre(
                r,
                &self.pos,
                TerritoireRef {
                    niveau: Niveau::Commune,
                    idx: commune,
                },
                out,
            );
        }
        out.push(self.pos.national());
    }

    fn positions_organisation(&self, r: &Referentiel, t: &TraceOrganisation) -> Box<[u32]> {
        let mut v = Vec::with_capacity(6);
        self.siege(r, t.commune, &mut v);
        if let Some(e) = &t.extra {
            v.extend_from_slice(&e.portee);
        }
        trier(v)
    }

    fn compter_organisation(&mut self, r: &Referentiel, t: &TraceOrganisation, signe: i32) {
        if t.etat != 2 {
            return;
        }
        for p in self.positions_organisation(r, t).iter() {
            let c = &mut self.compteurs[*p as usize];
            ajuster(&mut c.organisations, signe);
            ajuster(&mut c.profils[t.profil as usize], signe);
            if t.niveau != SANS_NIVEAU {
                ajuster(&mut c.maturite[t.niveau as usize], signe);
            }
            if let Some(e) = &t.extra {
                ajuster(&mut c.besoins, signe * e.nb_besoins as i32);
                for &o in e.besoins_odd.iter() {
                    ajuster(&mut c.besoins_odd[o as usize - 1], signe);
                }
            }
        }
    }

    fn commune_de(&self, id: i64) -> u32 {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.organisations.get(i))
            .filter(|t| t.etat != 0)
            .map_or(AUCUNE, |t| t.commune)
    }

    /// Sets organisation `id` to `entree` (`None`: no such record), moving its counts and, when
    /// its headquarters moved, its requests' and referrals'.
    pub fn poser_organisation(
        &mut self,
        r: &Referentiel,
        id: i64,
        entree: Option<&EntreeOrganisation>,
    ) {
        let Ok(i) = usize::try_from(id) else {
            return;
        };
        if i >= self.organisations.len() {
            if entree.is_none() {
                return;
            }
            self.organisations.resize_with(
                (i + 1).max(self.organisations.len() * 9 / 8),
                Default::default,
            );
        }
        let nouvelle = match entree {
            None => TraceOrganisation::default(),
            Some(e) => {
                let besoins_odd: Vec<u8> = e
                    .besoins
                    .iter()
                    .flat_map(|b| {
                        let mut b: Vec<u8> =
                            b.iter().copied().filter(|o| (1..=17).contains(o)).collect();
                        b.sort_unstable();
                        b.dedup();
                        b
                    })
                    .collect();
                let extra = (!e.portee.is_empty() || !e.besoins.is_empty()).then(|| {
                    Box::new(Extra {
                        portee: trier(e.portee.clone()),
                        nb_besoins: e.besoins.len() as u32,
                        besoins_odd: besoins_odd.into_boxed_slice(),
                    })
                });
                TraceOrganisation {
                    commune: e.commune.unwrap_or(AUCUNE),
                    extra,
                    profil: e.profil.index() as u8,
                    niveau: e
                        .niveau
                        .filter(|n| (*n as usize) < NB_NIVEAUX)
                        .unwrap_or(SANS_NIVEAU),
                    etat: if e.compte { 2 } else { 1 },
                }
            }
        };
        let ancienne = std::mem::take(&mut self.organisations[i]);
        self.compter_organisation(r, &ancienne, -1);
        self.compter_organisation(r, &nouvelle, 1);
        let deplacee =
            ancienne.commune != nouvelle.commune || (ancienne.etat == 0) != (nouvelle.etat == 0);
        self.organisations[i] = nouvelle;
        if deplacee {
            for l in self.liens.get(&id).cloned().unwrap_or_default() {
                match l {
                    Lien::Demande(d) => {
                        if let Some(t) = self.demandes.get(&d).cloned() {
                            self.poser_demande_trace(r, d, Some(t));
                        }
                    }
                    Lien::Orientation(o) => {
                        if let Some(t) = self.orientations.get(&o).cloned() {
                            self.poser_orientation_trace(r, o, Some(t));
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------------ alliances

    fn compter_alliance(&mut self, t: &TraceAlliance, signe: i32) {
        for p in t.positions.iter() {
            let c = &mut self.compteurs[*p as usize];
            ajuster(&mut c.alliances, signe);
            ajuster(&mut c.stades[t.stade as usize], signe);
            ajuster(&mut c.formes[t.forme as usize], signe);
            for b in bits(t.types) {
                ajuster(&mut c.types[b], signe);
            }
            for b in bits(t.odd) {
                ajuster(&mut c.alliances_odd[b - 1], signe);
            }
        }
    }

    /// Sets alliance `id` (`None`: absent or not public).
    pub fn poser_alliance(&mut self, id: i64, entree: Option<&EntreeAlliance>) {
        if let Some(a) = self.alliances.remove(&id) {
            self.compter_alliance(&a, -1);
        }
        let Some(e) = entree else {
            return;
        };
        let mut positions = e.positions.clone();
        positions.push(self.pos.national());
        let t = TraceAlliance {
            positions: trier(positions),
            stade: e.stade.index() as u8,
            forme: e.forme.index() as u8,
            types: masque(&e.types, TypePartenariat::index),
            odd: e
                .odd
                .iter()
                .filter(|o| (1..=17).contains(*o))
                .fold(0, |m, o| m | (1 << o)),
            fin: e.fin.as_deref().map(Into::into),
        };
        self.compter_alliance(&t, 1);
        self.alliances.insert(id, t);
    }

    /// The public alliances acting at `position` that ended before `jour` (ISO date): how many,
    /// and per SDG.
    pub fn alliances_terminees(&self, position: u32, jour: &str) -> (u32, [u32; NB_ODD]) {
        let mut n = 0;
        let mut out = [0; NB_ODD];
        for a in self.alliances.values() {
            if a.fin.as_deref().is_some_and(|f| f < jour)
                && a.positions.binary_search(&position).is_ok()
            {
                n += 1;
                for b in bits(a.odd) {
                    out[b - 1] += 1;
                }
            }
        }
        (n, out)
    }

    // ------------------------------------------------------- contact requests and referrals

    fn lier(&mut self, org: i64, l: Lien, oui: bool) {
        if oui {
            let v = self.liens.entry(org).or_default();
            if !v.contains(&l) {
                v.push(l);
            }
        } else if let Some(v) = self.liens.get_mut(&org) {
            v.retain(|x| *x != l);
            if v.is_empty() {
                self.liens.remove(&org);
            }
        }
    }

    fn compter_demande(&mut self, t: &TraceDemande, signe: i32) {
        for p in t.positions.iter() {
            let c = &mut self.compteurs[*p as usize];
            ajuster(&mut c.demandes[t.etat as usize], signe);
            if t.alliance {
                ajuster(&mut c.demandes_alliances, signe);
            }
        }
    }

    fn poser_demande_trace(&mut self, r: &Referentiel, id: i64, t: Option<TraceDemande>) {
        if let Some(a) = self.demandes.remove(&id) {
            self.compter_demande(&a, -1);
            self.lier(a.de, Lien::Demande(id), false);
            self.lier(a.vers, Lien::Demande(id), false);
        }
        let Some(mut t) = t else {
            return;
        };
        let mut v = Vec::with_capacity(12);
        self.siege(r, self.commune_de(t.de), &mut v);
        self.siege(r, self.commune_de(t.vers), &mut v);
        t.positions = trier(v);
        self.compter_demande(&t, 1);
        self.lier(t.de, Lien::Demande(id), true);
        self.lier(t.vers, Lien::Demande(id), true);
        self.max_demande = self.max_demande.max(id);
        self.demandes.insert(id, t);
    }

    /// Sets contact request `id` (`None`: absent).
    pub fn poser_demande(
        &mut self,
        r: &Referentiel,
        id: i64,
        entree: Option<(i64, i64, EtatDemande, bool)>,
    ) {
        let t = entree.map(|(de, vers, etat, alliance)| TraceDemande {
            de,
            vers,
            etat: etat.index() as u8,
            alliance,
            positions: Box::new([]),
        });
        self.poser_demande_trace(r, id, t);
    }

    fn compter_orientation(&mut self, t: &TraceOrientation, signe: i32) {
        for p in t.positions.iter() {
            ajuster(
                &mut self.compteurs[*p as usize].orientations[t.etat as usize],
                signe,
            );
        }
    }

    fn poser_orientation_trace(&mut self, r: &Referentiel, id: i64, t: Option<TraceOrientation>) {
        if let Some(a) = self.orientations.remove(&id) {
            self.compter_orientation(&a, -1);
            self.lier(a.organisation, Lien::Orientation(id), false);
        }
        let Some(mut t) = t else {
            return;
        };
        let mut v = Vec::with_capacity(6);
        self.siege(r, self.commune_de(t.organisation), &mut v);
        t.positions = trier(v);
        self.compter_orientation(&t, 1);
        self.lier(t.organisation, Lien::Orientation(id), true);
        self.max_orientation = self.max_orientation.max(id);
        self.orientations.insert(id, t);
    }

    /// Sets referral `id` (`None`: absent).
    pub fn poser_orientation(
        &mut self,
        r: &Referentiel,
        id: i64,
        entree: Option<(i64, EtatOrientation)>,
    ) {
        let t = entree.map(|(organisation, etat)| TraceOrientation {
            organisation,
            etat: etat.index() as u8,
            positions: Box::new([]),
        });
        self.poser_orientation_trace(r, id, t);
    }

    /// Bytes held by the memory of organisations (the part that grows with the annuaire).
    pub fn octets_organisations(&self) -> usize {
        self.organisations.capacity() * std::mem::size_of::<TraceOrganisation>()
            + self
                .organisations
                .iter()
                .filter_map(|t| t.extra.as_ref())
                .map(|e| std::mem::size_of::<Extra>() + e.portee.len() * 4 + e.besoins_odd.len())
                .sum::<usize>()
    }

    /// The largest organisation id met (bounds the removals at the end of an import range).
    pub fn plus_grand_id(&self) -> i64 {
        self.organisations.len() as i64 - 1
    }

    /// Organisations counted nationally.
    pub fn len(&self) -> usize {
        self.national().organisations as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alliances_domain::territoires::Referentiel;
    use std::collections::BTreeSet;

    fn r() -> Referentiel {
        Referentiel::build(crate::geo::shipped().unwrap()).unwrap()
    }

    fn premiere_commune(r: &Referentiel) -> u32 {
        (0..r.communes().len() as u32)
            .find(|&c| r.epci_of_commune(c).is_some())
            .unwrap()
    }

    #[test]
    fn etendre_suit_la_regle_des_termes_de_l_annuaire() {
        let r = r();
        let p = Positions::new(&r);
        let mut seen = 0;
        for n in alliances_domain::territoires::Niveau::ALL {
            let total = match n {
                Niveau::Commune => r.communes().len(),
                Niveau::Epci => r.epcis().len(),
                Niveau::Departement => r.departements().len(),
                Niveau::Region => r.regions().len(),
            };
            for idx in (0..total as u32).step_by(if total > 2000 { 97 } else { 1 }) {
                let t = TerritoireRef { niveau: n, idx };
                let lieu = alliances_domain::annuaire::Lieu {
                    niveau: n,
                    code: r.code(t).to_string(),
                };
                let mut termes = BTreeSet::new();
                crate::annuaire::index::termes_territoire(&r, &lieu, &mut termes);
                let attendu: BTreeSet<u32> = termes
                    .iter()
                    .map(|x| {
                        let l = alliances_domain::annuaire::Lieu::parse_cle(x).unwrap();
                        p.de(r.find(l.niveau, &l.code).unwrap())
                    })
                    .collect();
                let mut v = Vec::new();
                etendre(&r, &p, r.find(n, &lieu.code).unwrap(), &mut v);
                let v: BTreeSet<u32> = v.into_iter().collect();
                assert_eq!(v, attendu, "{lieu:?}");
                seen += 1;
            }
        }
        assert!(seen > 10);
    }

    #[test]
    fn une_modification_retire_l_ancienne_contribution() {
        let r = r();
        let mut a = Agregats::new(&r);
        let c = premiere_commune(&r);
        let e = EntreeOrganisation {
            id: 3,
            commune: Some(c),
            profil: Profil::Association,
            compte: true,
            niveau: Some(2),
            besoins: vec![vec![4, 8], vec![]],
            portee: Vec::new(),
        };
        a.poser_organisation(&r, 3, Some(&e));
        let t = TerritoireRef {
            niveau: Niveau::Commune,
            idx: c,
        };
        assert_eq!(a.de(t).organisations, 1);
        assert_eq!(a.de(t).besoins, 2);
        assert_eq!(a.de(t).besoins_odd[3], 1);
        assert_eq!(a.national().maturite[2], 1);
        a.poser_demande(&r, 10, Some((3, 99, EtatDemande::Envoyee, false)));
        assert_eq!(a.de(t).demandes[0], 1);
        // Moves to no commune: the commune loses the organisation and its request.
        let e2 = EntreeOrganisation {
            commune: None,
            profil: Profil::Entreprise,
            ..e.clone()
        };
        a.poser_organisation(&r, 3, Some(&e2));
        assert_eq!(a.de(t), &Compteurs::default());
        assert_eq!(a.national().profils[Profil::Entreprise.index()], 1);
        assert_eq!(a.national().demandes[0], 1);
        a.poser_organisation(&r, 3, None);
        a.poser_demande(&r, 10, None);
        assert_eq!(a.national(), &Compteurs::default());
    }
}
