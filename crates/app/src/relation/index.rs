//! From stored organisations to the matching index: the mapping onto referential positions, the
//! build at start (large pages of a few columns), and the refresh from the change feed (the same
//! entries the annuaire's search index follows).

use crate::annuaire::{ENTITE, ENTITE_LOT};
use crate::AppError;
use alliances_domain::annuaire::{Etat, Lieu, NatureRessource, Profil, Sens};
use alliances_domain::relation::masque_odd;
use alliances_domain::territoires::{Niveau, Referentiel};
use alliances_search::relation::{FicheRelation, IndexRelation, Presence, Siege};
use alliances_store::changes::Change;
use alliances_store::relation::{self as store, LigneRelation};
use alliances_store::Db;
use std::collections::HashMap;
use std::sync::RwLock;

/// The kit whose latest result gives an organisation's partnership maturity.
pub const KIT_MATURITE: &str = "odd17-en-pratique";
/// Organisations read per page while building.
const PAGE: i64 = 50_000;
const SECONDES_PAR_JOUR: i64 = 86_400;

/// The matching index of this instance, behind a lock: queries read it for a few milliseconds,
/// the change feed writes a few records at a time.
#[derive(Default)]
pub struct IndexPartage {
    index: RwLock<IndexRelation>,
}

impl IndexPartage {
    /// Runs `f` on the index (read lock).
    pub fn lire<T>(&self, f: impl FnOnce(&IndexRelation) -> T) -> T {
        let guard = self.index.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    fn ecrire<T>(&self, f: impl FnOnce(&mut IndexRelation) -> T) -> T {
        let mut guard = self.index.write().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    fn remplacer(&self, index: IndexRelation) {
        self.ecrire(|i| *i = index);
    }
}

/// Today, in days since 1970.
pub fn jour(ts: i64) -> u16 {
    (ts.max(0) / SECONDES_PAR_JOUR).min(i64::from(u16::MAX)) as u16
}

/// The headquarters commune and its chain, as referential positions.
pub fn siege(r: &Referentiel, code: Option<&str>) -> Siege {
    let Some(c) = code.and_then(|c| r.find_commune(c, None)) else {
        return Siege::default();
    };
    let courante = r.parent_of_commune(c).unwrap_or(c);
    let dep = r.find_departement(&r.commune(courante).code_departement);
    Siege {
        commune: Some(courante),
        epci: r
            .epci_of_commune(courante)
            .and_then(|e| u16::try_from(e).ok()),
        departement: dep.and_then(|d| u8::try_from(d).ok()),
        region: dep.and_then(|d| u8::try_from(r.region_of_departement(d)).ok()),
    }
}

/// Where a scope makes an organisation present: each territory with everything above it.
pub fn presence(r: &Referentiel, perimetre: &[Lieu]) -> Presence {
    let mut p = Presence::default();
    let dep = |p: &mut Presence, d: u32| {
        if let Ok(d8) = u8::try_from(d) {
            p.departements.push(d8);
        }
        p.regions |= 1 << (r.region_of_departement(d) % 32);
    };
    for l in perimetre {
        let Some(t) = r.find(l.niveau, &l.code) else {
            continue;
        };
        match t.niveau {
            Niveau::Region => p.regions |= 1 << (t.idx % 32),
            Niveau::Departement => dep(&mut p, t.idx),
            Niveau::Epci => {
                if let Ok(e) = u16::try_from(t.idx) {
                    p.epcis.push(e);
                }
                for &d in r.departements_of_epci(t.idx) {
                    dep(&mut p, d);
                }
            }
            Niveau::Commune => {
                let s = siege(r, Some(&l.code));
                p.communes.extend(s.commune);
                p.epcis.extend(s.epci);
                if let Some(d) = s.departement {
                    dep(&mut p, u32::from(d));
                }
            }
        }
    }
    p.communes.sort_unstable();
    p.communes.dedup();
    p.epcis.sort_unstable();
    p.epcis.dedup();
    p.departements.sort_unstable();
    p.departements.dedup();
    p
}

/// Kinds of offers and needs as masks.
pub fn masques(natures: &[(i64, String, String)]) -> (u8, u8) {
    let (mut offres, mut besoins) = (0u8, 0u8);
    for (_, sens, nature) in natures {
        let Some(n) = NatureRessource::from_slug(nature) else {
            continue;
        };
        match Sens::from_slug(sens) {
            Some(Sens::Offre) => offres |= 1 << n.index(),
            Some(Sens::Besoin) => besoins |= 1 << n.index(),
            None => {}
        }
    }
    (offres, besoins)
}

/// The index record of a stored organisation (`None` when merged or unreadable).
pub fn fiche(
    r: &Referentiel,
    l: &LigneRelation,
    natures: &[(i64, String, String)],
    maturite: Option<f64>,
) -> Option<FicheRelation> {
    if l.fusionnee_dans.is_some() {
        return None;
    }
    let profil = Profil::from_slug(&l.profil)?;
    let perimetre: Vec<Lieu> = l.perimetre.split(' ').filter_map(Lieu::parse_cle).collect();
    let secondaires = l
        .odd_secondaires
        .split(',')
        .filter_map(|n| n.trim().parse::<u8>().ok());
    let (offres, besoins) = masques(natures);
    Some(FicheRelation {
        id: l.id,
        profil,
        odd_principal: masque_odd(l.odd_principal.and_then(|n| u8::try_from(n).ok())),
        odd_secondaires: masque_odd(secondaires),
        offres,
        besoins,
        siege: siege(r, l.commune.as_deref()),
        portee: presence(r, &perimetre),
        national: l.national,
        jour_verification: jour(l.verifie_le),
        maturite: maturite.map(|m| m.round().clamp(0.0, 100.0) as u8),
        actif: Etat::from_slug(&l.etat) == Some(Etat::Active),
        contactable: l.contactable,
    })
}

/// Reads organisations with ids in `(apres, jusqu_a]` page by page and hands their records (or
/// their ids, when merged) to `f`.
async fn parcourir(
    db: &Db,
    r: &Referentiel,
    apres: i64,
    jusqu_a: i64,
    maturites: &HashMap<i64, f64>,
    mut f: impl FnMut(Result<FicheRelation, i64>),
) -> Result<(), AppError> {
    let mut apres = apres;
    loop {
        let lignes = store::page(db, apres, jusqu_a, PAGE).await?;
        let Some(fin) = lignes.last().map(|l| l.id) else {
            break;
        };
        let natures = store::natures_entre(db, apres, fin).await?;
        let mut k = 0;
        for l in &lignes {
            let debut = k;
            while k < natures.len() && natures[k].0 <= l.id {
                k += 1;
            }
            let mine = &natures[debut..k];
            match fiche(r, l, mine, maturites.get(&l.id).copied()) {
                Some(x) => f(Ok(x)),
                None => f(Err(l.id)),
            }
        }
        apres = fin;
    }
    Ok(())
}

/// Builds the index from the database.
pub async fn construire(db: &Db, r: &Referentiel) -> Result<IndexRelation, AppError> {
    let maturites: HashMap<i64, f64> = store::maturites(db, KIT_MATURITE, None)
        .await?
        .into_iter()
        .collect();
    let mut fiches = Vec::new();
    parcourir(db, r, 0, i64::MAX, &maturites, |x| {
        if let Ok(f) = x {
            fiches.push(f);
        }
    })
    .await?;
    let index = IndexRelation::construire(fiches);
    tracing::info!(organisations = index.len(), "matching index built");
    Ok(index)
}

impl IndexPartage {
    /// Builds from the database into this shared index.
    pub async fn reconstruire(&self, db: &Db, r: &Referentiel) -> Result<(), AppError> {
        let index = construire(db, r).await?;
        self.remplacer(index);
        Ok(())
    }

    /// Applies a batch of the change feed: import ranges, then single records (a later edit
    /// wins), each re-read with its offers, needs and maturity; a referential change rebuilds.
    pub async fn suivre(&self, db: &Db, r: &Referentiel, batch: &[Change]) -> Result<(), AppError> {
        if batch.iter().any(|c| c.entity == "referentiel") {
            return self.reconstruire(db, r).await;
        }
        for c in batch.iter().filter(|c| c.entity == ENTITE_LOT) {
            let Some((a, b)) = c.entity_id.split_once('-') else {
                continue;
            };
            let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>()) else {
                continue;
            };
            let mut lot = Vec::new();
            parcourir(db, r, a - 1, b, &HashMap::new(), |x| lot.push(x)).await?;
            let ids: Vec<i64> = lot
                .iter()
                .filter_map(|x| x.as_ref().ok().map(|f| f.id))
                .collect();
            let maturites: HashMap<i64, f64> = store::maturites(db, KIT_MATURITE, Some(&ids))
                .await?
                .into_iter()
                .collect();
            self.ecrire(|i| appliquer(i, lot, &maturites));
        }
        let mut ids: Vec<i64> = batch
            .iter()
            .filter(|c| c.entity == ENTITE)
            .filter_map(|c| c.entity_id.parse().ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            self.rafraichir(db, r, &ids).await?;
        }
        Ok(())
    }

    /// Re-reads these organisations (absent or merged ones leave the index).
    pub async fn rafraichir(&self, db: &Db, r: &Referentiel, ids: &[i64]) -> Result<(), AppError> {
        let lignes = store::par_ids(db, ids).await?;
        let natures = store::natures_de(db, ids).await?;
        let maturites: HashMap<i64, f64> = store::maturites(db, KIT_MATURITE, Some(ids))
            .await?
            .into_iter()
            .collect();
        let mut lot = Vec::with_capacity(ids.len());
        let trouves: Vec<i64> = lignes.iter().map(|l| l.id).collect();
        for l in &lignes {
            let mine: Vec<(i64, String, String)> =
                natures.iter().filter(|n| n.0 == l.id).cloned().collect();
            lot.push(fiche(r, l, &mine, None).ok_or(l.id));
        }
        lot.extend(
            ids.iter()
                .filter(|id| !trouves.contains(id))
                .map(|&id| Err(id)),
        );
        self.ecrire(|i| appliquer(i, lot, &maturites));
        Ok(())
    }
}

fn appliquer(
    index: &mut IndexRelation,
    lot: Vec<Result<FicheRelation, i64>>,
    maturites: &HashMap<i64, f64>,
) {
    for x in lot {
        match x {
            Ok(mut f) => {
                f.maturite = maturites
                    .get(&f.id)
                    .map(|m| m.round().clamp(0.0, 100.0) as u8);
                index.inserer(f);
            }
            Err(id) => index.retirer(id),
        }
    }
}
