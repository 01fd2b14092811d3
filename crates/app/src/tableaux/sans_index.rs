//! The same counters computed by queries per request, without the maintained aggregates: what
//! the aggregates save (the benchmark times both) and the full recomputation the tests compare
//! the incremental counters to. Independent of `compteurs.rs`' bookkeeping: it selects the rows
//! of the territory with SQL (headquarters communes as lists of codes, contact requests and
//! referrals by joins) and counts them here.

use super::compteurs::{commune_siege, etendre, Compteurs, Positions, NB_ODD};
use super::synchro;
use crate::relation::index::KIT_MATURITE;
use crate::AppError;
use alliances_domain::annuaire::Lieu;
use alliances_domain::contacts::EtatDemande;
use alliances_domain::ingenieries::orientation::EtatOrientation;
use alliances_domain::kits::Kit;
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef};
use alliances_store::relation as store_relation;
use alliances_store::tableaux as store;
use alliances_store::Db;
use std::collections::{BTreeSet, HashMap};

/// The codes of the headquarters communes whose organisations count in `t` (the annuaire reads
/// a stored code as one commune of the referential: the code is kept when that commune's
/// territories reach `t`).
pub fn codes_communes(r: &Referentiel, pos: &Positions, t: TerritoireRef) -> Vec<String> {
    let cible = pos.de(t);
    let mut candidats: Vec<u32> = match t.niveau {
        Niveau::Region => r
            .departements_of_region(t.idx)
            .iter()
            .flat_map(|&d| r.communes_of_departement(d).iter().copied())
            .collect(),
        Niveau::Departement => r.communes_of_departement(t.idx).to_vec(),
        Niveau::Epci => r.communes_of_epci(t.idx).to_vec(),
        Niveau::Commune => vec![t.idx],
    };
    let enfants: Vec<u32> = candidats
        .iter()
        .flat_map(|&c| r.children_of_commune(c).iter().copied())
        .collect();
    candidats.extend(enfants);
    let mut codes = BTreeSet::new();
    let mut v = Vec::new();
    for c in candidats {
        let code = &r.commune(c).code;
        let Some(lue) = commune_siege(r, code) else {
            continue;
        };
        v.clear();
        etendre(
            r,
            pos,
            TerritoireRef {
                niveau: Niveau::Commune,
                idx: lue,
            },
            &mut v,
        );
        if v.contains(&cible) {
            codes.insert(code.clone());
        }
    }
    codes.into_iter().collect()
}

/// The counters of `t` and its active alliances (in all, per SDG) on `jour`, computed from the
/// database now.
pub async fn compteurs(
    db: &Db,
    r: &Referentiel,
    kit: Option<&Kit>,
    t: TerritoireRef,
    jour: &str,
) -> Result<(Compteurs, u32, [u32; NB_ODD]), AppError> {
    let pos = Positions::new(r);
    let cible = pos.de(t);
    let codes = codes_communes(r, &pos, t);
    let mut c = Compteurs::default();

    // Organisations: headquartered there, or whose scope reaches it.
    let mut lignes = store::organisations_des_communes(db, &codes).await?;
    let deja: BTreeSet<i64> = lignes.iter().map(|l| l.id).collect();
    let mut v = Vec::new();
    let par_portee: Vec<i64> = store::perimetres(db)
        .await?
        .into_iter()
        .filter(|(id, p)| {
            v.clear();
            for l in p.split(' ').filter_map(Lieu::parse_cle) {
                if let Some(x) = r.find(l.niveau, &l.code) {
                    etendre(r, &pos, x, &mut v);
                }
            }
            !deja.contains(id) && v.contains(&cible)
        })
        .map(|(id, _)| id)
        .collect();
    lignes.extend(store_relation::par_ids(db, &par_portee).await?);
    let gardees: Vec<_> = lignes
        .iter()
        .map(|l| (l, synchro::organisation(r, &pos, l, &[], None, kit)))
        .filter(|(_, e)| e.compte)
        .collect();
    let ids: Vec<i64> = gardees.iter().map(|(l, _)| l.id).collect();
    let mut besoins: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, odd) in store::besoins_de(db, &ids).await? {
        besoins.entry(id).or_default().push(odd);
    }
    let maturites: HashMap<i64, f64> = store_relation::maturites(db, KIT_MATURITE, Some(&ids))
        .await?
        .into_iter()
        .collect();
    for (l, _) in &gardees {
        let siens: Vec<&str> = besoins
            .get(&l.id)
            .map(|b| b.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let e = synchro::organisation(r, &pos, l, &siens, maturites.get(&l.id).copied(), kit);
        c.organisations += 1;
        c.profils[e.profil.index()] += 1;
        if let Some(n) = e.niveau {
            c.maturite[n as usize] += 1;
        }
        c.besoins += e.besoins.len() as u32;
        for b in &e.besoins {
            let uniques: BTreeSet<u8> =
                b.iter().copied().filter(|o| (1..=17).contains(o)).collect();
            for o in uniques {
                c.besoins_odd[o as usize - 1] += 1;
            }
        }
    }

    // Public alliances acting there.
    let mut actives = 0;
    let mut actives_odd = [0; NB_ODD];
    for f in alliances_store::alliances::toutes(db).await? {
        let Some(e) = synchro::alliance(r, &pos, &f) else {
            continue;
        };
        if !e.positions.contains(&cible) {
            continue;
        }
        c.alliances += 1;
        c.stades[e.stade.index()] += 1;
        c.formes[e.forme.index()] += 1;
        let types: BTreeSet<usize> = e.types.iter().map(|t| t.index()).collect();
        for t in types {
            c.types[t] += 1;
        }
        let odd: BTreeSet<u8> = e
            .odd
            .iter()
            .copied()
            .filter(|o| (1..=17).contains(o))
            .collect();
        let active = e.fin.as_deref().is_none_or(|f| f >= jour);
        if active {
            actives += 1;
        }
        for o in odd {
            c.alliances_odd[o as usize - 1] += 1;
            if active {
                actives_odd[o as usize - 1] += 1;
            }
        }
    }

    // Contact requests and referrals, by the headquarters of the organisations involved.
    for (d, _, _) in store::demandes_des_communes(db, &codes).await? {
        if let Some(e) = EtatDemande::from_slug(&d.etat) {
            c.demandes[e.index()] += 1;
            if d.alliance {
                c.demandes_alliances += 1;
            }
        }
    }
    for o in store::orientations_des_communes(db, &codes).await? {
        if let Some(e) = EtatOrientation::from_slug(&o.etat) {
            c.orientations[e.index()] += 1;
        }
    }
    Ok((c, actives, actives_odd))
}
