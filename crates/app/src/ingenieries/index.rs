//! The support schemes in memory: « qui peut m'aider ici ? » and the coverage counts, answered
//! without touching the database and without scanning the schemes.
//!
//! Coverage is indexed by territory (`TerritoireRef` of the referential): a scheme is listed
//! under each territory it names. Asking for a territory reads the lists of the territory itself
//! and of its ancestors on the official hierarchy (commune → EPCI → département → région), then
//! the national schemes: a handful of hash lookups whatever the number of schemes. The counts
//! per service × département (schemes run at departmental or local level) are computed when
//! the index is built — an EPCI's scheme counts in every département the EPCI touches.

use std::collections::HashMap;
use std::sync::Arc;

use alliances_domain::annuaire::{Profil, Taille};
use alliances_domain::ingenieries::{NiveauDispositif, Service};
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef};
use alliances_store::ingenieries::{FicheDispositif, FicheProgramme};

/// How close the coverage that answered is: the territory itself, then its ancestors, then
/// national.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Via {
    Commune,
    Epci,
    Departement,
    Region,
    National,
}

impl Via {
    fn de(n: Niveau) -> Via {
        match n {
            Niveau::Commune => Via::Commune,
            Niveau::Epci => Via::Epci,
            Niveau::Departement => Via::Departement,
            Niveau::Region => Via::Region,
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            Via::Commune => "commune",
            Via::Epci => "epci",
            Via::Departement => "departement",
            Via::Region => "region",
            Via::National => "national",
        }
    }
}

fn masque<T: Copy>(v: &[T], index: impl Fn(T) -> usize) -> u32 {
    v.iter().fold(0, |m, x| m | (1 << index(*x)))
}

/// One scheme, as the queries need it.
#[derive(Debug, Clone)]
pub struct Entree {
    pub fiche: Arc<FicheDispositif>,
    services: u32,
    publics: u32,
    tailles: u32,
}

impl Entree {
    fn sert(
        &self,
        service: Option<Service>,
        profil: Option<Profil>,
        taille: Option<Taille>,
    ) -> bool {
        service.is_none_or(|s| self.services & (1 << s.index()) != 0)
            && profil.is_none_or(|p| self.publics == 0 || self.publics & (1 << p.index()) != 0)
            && taille.is_none_or(|t| self.tailles == 0 || self.tailles & (1 << t.index()) != 0)
    }
}

/// What « qui peut m'aider ici ? » is asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Demande {
    pub service: Option<Service>,
    pub profil: Option<Profil>,
    pub taille: Option<Taille>,
}

/// One answer: the scheme and how close its coverage is.
#[derive(Debug, Clone)]
pub struct Reponse {
    pub entree: Entree,
    pub via: Via,
}

/// Closest coverage first, then the more local scheme, then by name.
fn ordre(a: &Reponse, b: &Reponse) -> std::cmp::Ordering {
    let (fa, fb) = (&a.entree.fiche.dispositif, &b.entree.fiche.dispositif);
    a.via
        .cmp(&b.via)
        .then(fb.niveau.cmp(&fa.niveau))
        .then_with(|| fa.nom.cmp(&fb.nom))
        .then(a.entree.fiche.id.cmp(&b.entree.fiche.id))
}

#[derive(Debug, Default)]
pub struct IndexDispositifs {
    entrees: Vec<Entree>,
    par_id: HashMap<i64, u32>,
    par_territoire: HashMap<TerritoireRef, Vec<u32>>,
    nationaux: Vec<u32>,
    /// Relays of each scheme (by the relayed scheme's id).
    relais: HashMap<i64, Vec<u32>>,
    /// Per service, per département (referential order): schemes run at departmental or local
    /// level covering (part of) it.
    proches: Vec<Vec<u32>>,
    /// Per service, per région (referential order): regional schemes covering (part of) it.
    regionaux: Vec<Vec<u32>>,
    /// Per service: national schemes.
    nationaux_par_service: Vec<u32>,
    /// The support programmes (few: read in full).
    programmes: Vec<Arc<FicheProgramme>>,
}

impl IndexDispositifs {
    pub fn construire(fiches: Vec<FicheDispositif>, r: &Referentiel) -> IndexDispositifs {
        Self::avec_programmes(fiches, Vec::new(), r)
    }

    pub fn avec_programmes(
        fiches: Vec<FicheDispositif>,
        programmes: Vec<FicheProgramme>,
        r: &Referentiel,
    ) -> IndexDispositifs {
        let nb_dep = r.departements().len();
        let nb_reg = r.regions().len();
        let mut ix = IndexDispositifs {
            proches: vec![vec![0; nb_dep]; Service::ALL.len()],
            regionaux: vec![vec![0; nb_reg]; Service::ALL.len()],
            nationaux_par_service: vec![0; Service::ALL.len()],
            programmes: programmes.into_iter().map(Arc::new).collect(),
            ..Default::default()
        };
        for f in fiches {
            let d = &f.dispositif;
            let i = u32::try_from(ix.entrees.len()).expect("fewer than 2^32 schemes");
            let entree = Entree {
                services: masque(&d.services, Service::index),
                publics: masque(&d.publics, Profil::index),
                tailles: masque(&d.tailles, Taille::index),
                fiche: Arc::new(f),
            };
            let d = &entree.fiche.dispositif;
            ix.par_id.insert(entree.fiche.id, i);
            if let Some(t) = d.relais_de {
                ix.relais.entry(t).or_default().push(i);
            }
            if d.est_national() {
                ix.nationaux.push(i);
                for s in &d.services {
                    ix.nationaux_par_service[s.index()] += 1;
                }
            }
            let mut deps: Vec<u32> = Vec::new();
            let mut regs: Vec<u32> = Vec::new();
            for l in &d.couverture {
                let Some(t) = r.find(l.niveau, &l.code) else {
                    continue; // a territory gone from the referential covers nothing
                };
                ix.par_territoire.entry(t).or_default().push(i);
                match t.niveau {
                    Niveau::Region => regs.push(t.idx),
                    Niveau::Departement => {
                        deps.push(t.idx);
                        regs.push(r.region_of_departement(t.idx));
                    }
                    Niveau::Epci => {
                        deps.extend_from_slice(r.departements_of_epci(t.idx));
                        regs.extend_from_slice(r.regions_of_epci(t.idx));
                    }
                    Niveau::Commune => {
                        if let Some(di) = r.find_departement(&r.commune(t.idx).code_departement) {
                            deps.push(di);
                            regs.push(r.region_of_departement(di));
                        }
                    }
                }
            }
            deps.sort_unstable();
            deps.dedup();
            regs.sort_unstable();
            regs.dedup();
            for s in &d.services {
                match d.niveau {
                    NiveauDispositif::Departemental | NiveauDispositif::Local => {
                        for &di in &deps {
                            ix.proches[s.index()][di as usize] += 1;
                        }
                    }
                    NiveauDispositif::Regional => {
                        for &ri in &regs {
                            ix.regionaux[s.index()][ri as usize] += 1;
                        }
                    }
                    NiveauDispositif::National => {}
                }
            }
            ix.entrees.push(entree);
        }
        ix
    }

    pub fn len(&self) -> usize {
        self.entrees.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entrees.is_empty()
    }

    pub fn get(&self, id: i64) -> Option<&Entree> {
        self.par_id.get(&id).map(|&i| &self.entrees[i as usize])
    }

    /// Every scheme, by id.
    pub fn tous(&self) -> impl Iterator<Item = &Entree> {
        self.entrees.iter()
    }

    /// The schemes relaying scheme `id`.
    pub fn relais_de(&self, id: i64) -> Vec<&Entree> {
        self.relais
            .get(&id)
            .map(|v| v.iter().map(|&i| &self.entrees[i as usize]).collect())
            .unwrap_or_default()
    }

    /// The schemes covering territory `t` that serve the demand: closest coverage first, then
    /// the more local scheme, then by name.
    pub fn qui_peut_aider(
        &self,
        r: &Referentiel,
        t: TerritoireRef,
        demande: Demande,
    ) -> Vec<Reponse> {
        // (scheme, how close): a scheme met at several levels keeps its closest one.
        let mut vus: Vec<(u32, Via)> = Vec::new();
        let mut chaine = r.ancestors(t);
        chaine.push(t);
        for a in chaine {
            let via = Via::de(a.niveau);
            for &i in self
                .par_territoire
                .get(&a)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if self.entrees[i as usize].sert(demande.service, demande.profil, demande.taille) {
                    vus.push((i, via));
                }
            }
        }
        for &i in &self.nationaux {
            if self.entrees[i as usize].sert(demande.service, demande.profil, demande.taille) {
                vus.push((i, Via::National));
            }
        }
        vus.sort_unstable();
        vus.dedup_by_key(|(i, _)| *i);
        let mut out: Vec<Reponse> = vus
            .into_iter()
            .map(|(i, via)| Reponse {
                entree: self.entrees[i as usize].clone(),
                via,
            })
            .collect();
        out.sort_by(ordre);
        out
    }

    /// For one service: per département (referential order), the schemes run at departmental or
    /// local level covering (part of) it.
    pub fn couverture_departements(&self, service: Service) -> &[u32] {
        &self.proches[service.index()]
    }

    /// For one service: per région (referential order), the regional schemes covering it.
    pub fn couverture_regions(&self, service: Service) -> &[u32] {
        &self.regionaux[service.index()]
    }

    /// The programmes open on `jour` (ISO date) whose territories cover `t` (national ones
    /// cover everything) and that serve `profil`, closing soonest first.
    pub fn programmes_ouverts(
        &self,
        r: &Referentiel,
        t: Option<TerritoireRef>,
        profil: Option<Profil>,
        jour: &str,
    ) -> Vec<Arc<FicheProgramme>> {
        let chaine = t.map(|t| {
            let mut c = r.ancestors(t);
            c.push(t);
            c
        });
        let mut out: Vec<Arc<FicheProgramme>> = self
            .programmes
            .iter()
            .filter(|p| p.programme.ouvert(jour))
            .filter(|p| {
                profil.is_none_or(|x| {
                    p.programme.publics.is_empty() || p.programme.publics.contains(&x)
                })
            })
            .filter(|p| match &chaine {
                None => true,
                Some(c) => {
                    p.programme.territoires.is_empty()
                        || p.programme
                            .territoires
                            .iter()
                            .filter_map(|l| r.find(l.niveau, &l.code))
                            .any(|x| c.contains(&x))
                }
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| {
            let fin =
                |p: &FicheProgramme| p.programme.cloture.clone().unwrap_or_else(|| "9999".into());
            fin(a)
                .cmp(&fin(b))
                .then_with(|| a.programme.nom.cmp(&b.programme.nom))
        });
        out
    }

    /// The programmes a scheme runs (open or not), latest opening first.
    pub fn programmes_de(&self, dispositif: i64) -> Vec<Arc<FicheProgramme>> {
        let mut v: Vec<Arc<FicheProgramme>> = self
            .programmes
            .iter()
            .filter(|p| p.dispositif_id == dispositif)
            .cloned()
            .collect();
        v.sort_by(|a, b| b.programme.ouverture.cmp(&a.programme.ouverture));
        v
    }

    /// National schemes offering the service.
    pub fn nationaux(&self, service: Service) -> u32 {
        self.nationaux_par_service[service.index()]
    }

    /// The same question answered by reading every scheme: what the index saves (benchmarks and
    /// tests compare both).
    pub fn qui_peut_aider_sans_index(
        &self,
        r: &Referentiel,
        t: TerritoireRef,
        demande: Demande,
    ) -> Vec<Reponse> {
        let mut chaine = r.ancestors(t);
        chaine.push(t);
        let mut out = Vec::new();
        for e in &self.entrees {
            if !e.sert(demande.service, demande.profil, demande.taille) {
                continue;
            }
            let d = &e.fiche.dispositif;
            let via = if d.est_national() {
                Some(Via::National)
            } else {
                d.couverture
                    .iter()
                    .filter_map(|l| r.find(l.niveau, &l.code))
                    .filter(|x| chaine.contains(x))
                    .map(|x| Via::de(x.niveau))
                    .min()
            };
            if let Some(via) = via {
                out.push(Reponse {
                    entree: e.clone(),
                    via,
                });
            }
        }
        out.sort_by(ordre);
        out
    }
}
