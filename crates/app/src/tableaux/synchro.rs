//! From the database to the dashboards' counters: stored rows read as entries, the build at start
//! (large pages by id, like the matching index's), and the refresh from the change feed — the
//! annuaire's entries (import ranges, then single records), alliances, contact requests,
//! referrals; a referential change rebuilds.

use super::compteurs::{
    commune_siege, etendre, Agregats, EntreeAlliance, EntreeOrganisation, Positions,
};
use super::{ENTITE_DEMANDE, ENTITE_ORIENTATION};
use crate::annuaire::{ENTITE, ENTITE_LOT};
use crate::relation::index::KIT_MATURITE;
use crate::AppError;
use alliances_domain::annuaire::{Etat, Lieu, Profil};
use alliances_domain::contacts::EtatDemande;
use alliances_domain::ingenieries::orientation::EtatOrientation;
use alliances_domain::kits::Kit;
use alliances_domain::territoires::Referentiel;
use alliances_store::alliances::Fiche;
use alliances_store::changes::Change;
use alliances_store::relation::{self as store_relation, LigneRelation};
use alliances_store::tableaux::{self as store, LigneDemande, LigneOrientation};
use alliances_store::Db;
use std::collections::HashMap;

/// Rows read per page while building.
const PAGE: i64 = 50_000;

fn odd_liste(s: &str) -> Vec<u8> {
    s.split(',').filter_map(|n| n.trim().parse().ok()).collect()
}

/// The entry of a stored organisation: `besoins` are the SDG lists of its needs as stored,
/// `score` its latest ODD 17 kit score.
pub fn organisation(
    r: &Referentiel,
    pos: &Positions,
    l: &LigneRelation,
    besoins: &[&str],
    score: Option<f64>,
    kit: Option<&Kit>,
) -> EntreeOrganisation {
    let profil = Profil::from_slug(&l.profil);
    let mut odd_org: Vec<u8> = odd_liste(&l.odd_secondaires);
    if let Some(p) = l.odd_principal.and_then(|n| u8::try_from(n).ok()) {
        odd_org.push(p);
    }
    let mut portee = Vec::new();
    for lieu in l.perimetre.split(' ').filter_map(Lieu::parse_cle) {
        if let Some(t) = r.find(lieu.niveau, &lieu.code) {
            etendre(r, pos, t, &mut portee);
        }
    }
    EntreeOrganisation {
        id: l.id,
        commune: l.commune.as_deref().and_then(|c| commune_siege(r, c)),
        portee,
        profil: profil.unwrap_or(Profil::Association),
        compte: profil.is_some()
            && l.fusionnee_dans.is_none()
            && Etat::from_slug(&l.etat) == Some(Etat::Active),
        niveau: score
            .zip(kit)
            .map(|(s, k)| k.niveau_de(s).min(u8::MAX as usize) as u8),
        besoins: besoins
            .iter()
            .map(|b| {
                let v = odd_liste(b);
                if v.is_empty() {
                    odd_org.clone()
                } else {
                    v
                }
            })
            .collect(),
    }
}

/// The entry of a stored alliance (`None` when it is not public).
pub fn alliance(r: &Referentiel, pos: &Positions, f: &Fiche) -> Option<EntreeAlliance> {
    let x = &f.alliance;
    if !x.publique {
        return None;
    }
    let mut positions = Vec::new();
    for l in &x.territoires {
        if let Some(t) = r.find(l.niveau, &l.code) {
            etendre(r, pos, t, &mut positions);
        }
    }
    Some(EntreeAlliance {
        id: f.id,
        positions,
        stade: x.stade,
        types: x.types_partenariat.clone(),
        forme: x.forme,
        odd: x.odd.clone(),
        fin: x.date_fin.clone(),
    })
}

fn demande(d: &LigneDemande) -> Option<(i64, i64, EtatDemande, bool)> {
    Some((d.de, d.vers, EtatDemande::from_slug(&d.etat)?, d.alliance))
}

fn orientation(o: &LigneOrientation) -> Option<(i64, EtatOrientation)> {
    Some((o.organisation, EtatOrientation::from_slug(&o.etat)?))
}

/// One change to apply to the counters.
#[derive(Debug, Clone)]
pub enum Operation {
    Organisation(i64, Option<EntreeOrganisation>),
    Alliance(i64, Option<EntreeAlliance>),
    Demande(i64, Option<(i64, i64, EtatDemande, bool)>),
    Orientation(i64, Option<(i64, EtatOrientation)>),
}

/// Applies operations in order.
pub fn appliquer(a: &mut Agregats, r: &Referentiel, ops: Vec<Operation>) {
    for op in ops {
        match op {
            Operation::Organisation(id, e) => a.poser_organisation(r, id, e.as_ref()),
            Operation::Alliance(id, e) => a.poser_alliance(id, e.as_ref()),
            Operation::Demande(id, e) => a.poser_demande(r, id, e),
            Operation::Orientation(id, e) => a.poser_orientation(r, id, e),
        }
    }
}

/// What `suivre` needs to know of the counters before reading (read under the lock first).
#[derive(Debug, Clone, Copy)]
pub struct Repere {
    pub positions: Positions,
    pub plus_grand_id: i64,
    pub max_demande: i64,
    pub max_orientation: i64,
}

impl Repere {
    pub fn de(a: &Agregats) -> Repere {
        Repere {
            positions: *a.positions(),
            plus_grand_id: a.plus_grand_id(),
            max_demande: a.max_demande,
            max_orientation: a.max_orientation,
        }
    }
}

/// Reads organisations with ids in `(apres, jusqu_a]` page by page and hands them to `f` (ids of
/// the range up to `plus_grand_id` with no row leave).
#[allow(clippy::too_many_arguments)]
async fn organisations_entre(
    db: &Db,
    r: &Referentiel,
    pos: &Positions,
    plus_grand_id: i64,
    apres: i64,
    jusqu_a: i64,
    maturites: Option<&HashMap<i64, f64>>,
    kit: Option<&Kit>,
    f: &mut impl FnMut(Operation),
) -> Result<(), AppError> {
    let mut apres = apres;
    loop {
        let lignes = store_relation::page(db, apres, jusqu_a, PAGE).await?;
        let Some(fin) = lignes.last().map(|l| l.id) else {
            // Records removed at the end of the range.
            for id in apres + 1..=jusqu_a.min(plus_grand_id) {
                f(Operation::Organisation(id, None));
            }
            break;
        };
        let besoins = store::besoins_entre(db, apres, fin).await?;
        let lues: HashMap<i64, f64>;
        let maturites = match maturites {
            Some(m) => m,
            None => {
                let ids: Vec<i64> = lignes.iter().map(|l| l.id).collect();
                lues = store_relation::maturites(db, KIT_MATURITE, Some(&ids))
                    .await?
                    .into_iter()
                    .collect();
                &lues
            }
        };
        let mut k = 0;
        let mut attendu = apres + 1;
        for l in &lignes {
            for absent in attendu..l.id.min(plus_grand_id + 1) {
                f(Operation::Organisation(absent, None));
            }
            attendu = l.id + 1;
            let debut = k;
            while k < besoins.len() && besoins[k].0 <= l.id {
                k += 1;
            }
            let siens: Vec<&str> = besoins[debut..k]
                .iter()
                .filter(|b| b.0 == l.id)
                .map(|b| b.1.as_str())
                .collect();
            let e = organisation(r, pos, l, &siens, maturites.get(&l.id).copied(), kit);
            f(Operation::Organisation(l.id, Some(e)));
        }
        apres = fin;
    }
    Ok(())
}

/// Builds the counters from the database.
pub async fn construire(db: &Db, r: &Referentiel, kit: Option<&Kit>) -> Result<Agregats, AppError> {
    let mut a = Agregats::new(r);
    let pos = *a.positions();
    let maturites: HashMap<i64, f64> = store_relation::maturites(db, KIT_MATURITE, None)
        .await?
        .into_iter()
        .collect();
    {
        let mut f = |op| appliquer(&mut a, r, vec![op]);
        organisations_entre(db, r, &pos, 0, 0, i64::MAX, Some(&maturites), kit, &mut f).await?;
    }
    let mut ops = Vec::new();
    for f in alliances_store::alliances::toutes(db).await? {
        ops.push(Operation::Alliance(f.id, alliance(r, &pos, &f)));
    }
    demandes_apres(db, 0, &mut ops).await?;
    orientations_apres(db, 0, &mut ops).await?;
    appliquer(&mut a, r, ops);
    tracing::info!(
        organisations = a.len(),
        octets = a.octets_organisations(),
        "territory dashboards built"
    );
    Ok(a)
}

async fn demandes_apres(db: &Db, mut apres: i64, ops: &mut Vec<Operation>) -> Result<(), AppError> {
    loop {
        let lignes = store::demandes_apres(db, apres, PAGE).await?;
        let Some(fin) = lignes.last().map(|d| d.id) else {
            return Ok(());
        };
        for d in &lignes {
            ops.push(Operation::Demande(d.id, demande(d)));
        }
        apres = fin;
    }
}

async fn orientations_apres(
    db: &Db,
    mut apres: i64,
    ops: &mut Vec<Operation>,
) -> Result<(), AppError> {
    loop {
        let lignes = store::orientations_apres(db, apres, PAGE).await?;
        let Some(fin) = lignes.last().map(|o| o.id) else {
            return Ok(());
        };
        for o in &lignes {
            ops.push(Operation::Orientation(o.id, orientation(o)));
        }
        apres = fin;
    }
}

fn ids_de(batch: &[Change], entite: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = batch
        .iter()
        .filter(|c| c.entity == entite)
        .filter_map(|c| c.entity_id.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Whether a batch of the change feed concerns the dashboards (anything but a referential
/// change, which rebuilds).
pub fn concerne(batch: &[Change]) -> bool {
    batch.iter().any(|c| {
        [
            ENTITE,
            ENTITE_LOT,
            crate::alliances::ENTITE,
            ENTITE_DEMANDE,
            ENTITE_ORIENTATION,
        ]
        .contains(&c.entity.as_str())
    })
}

/// Reads what a batch of the change feed changed, as operations to apply in order.
pub async fn lire_changements(
    db: &Db,
    r: &Referentiel,
    kit: Option<&Kit>,
    etat: Repere,
    batch: &[Change],
) -> Result<Vec<Operation>, AppError> {
    let pos = etat.positions;
    let mut ops = Vec::new();
    for c in batch.iter().filter(|c| c.entity == ENTITE_LOT) {
        let Some((x, y)) = c.entity_id.split_once('-') else {
            continue;
        };
        let (Ok(x), Ok(y)) = (x.parse::<i64>(), y.parse::<i64>()) else {
            continue;
        };
        let mut f = |op| ops.push(op);
        organisations_entre(db, r, &pos, etat.plus_grand_id, x - 1, y, None, kit, &mut f).await?;
    }
    // After the ranges: a record changed after its import batch gets its latest content.
    let ids = ids_de(batch, ENTITE);
    if !ids.is_empty() {
        let lignes = store_relation::par_ids(db, &ids).await?;
        let besoins = store::besoins_de(db, &ids).await?;
        let maturites: HashMap<i64, f64> = store_relation::maturites(db, KIT_MATURITE, Some(&ids))
            .await?
            .into_iter()
            .collect();
        for id in &ids {
            let e = lignes.iter().find(|l| l.id == *id).map(|l| {
                let siens: Vec<&str> = besoins
                    .iter()
                    .filter(|b| b.0 == *id)
                    .map(|b| b.1.as_str())
                    .collect();
                organisation(r, &pos, l, &siens, maturites.get(id).copied(), kit)
            });
            ops.push(Operation::Organisation(*id, e));
        }
    }
    let ids = ids_de(batch, crate::alliances::ENTITE);
    if !ids.is_empty() {
        let mut conn = db
            .pool()
            .acquire()
            .await
            .map_err(alliances_store::StoreError::from)?;
        for id in ids {
            let f = alliances_store::alliances::get(&mut conn, id).await?;
            ops.push(Operation::Alliance(
                id,
                f.as_ref().and_then(|f| alliance(r, &pos, f)),
            ));
        }
    }
    let ids = ids_de(batch, ENTITE_DEMANDE);
    if !ids.is_empty() {
        let lues = store::demandes_par_ids(db, &ids).await?;
        for id in &ids {
            let d = lues.iter().find(|d| d.id == *id).and_then(demande);
            ops.push(Operation::Demande(*id, d));
        }
        // Requests written without their own entry are caught here.
        demandes_apres(
            db,
            etat.max_demande.max(*ids.last().unwrap_or(&0)),
            &mut ops,
        )
        .await?;
    }
    let ids = ids_de(batch, ENTITE_ORIENTATION);
    if !ids.is_empty() {
        let lues = store::orientations_par_ids(db, &ids).await?;
        for id in &ids {
            let o = lues.iter().find(|o| o.id == *id).and_then(orientation);
            ops.push(Operation::Orientation(*id, o));
        }
        // A redirection writes the next referral in the same transaction.
        orientations_apres(
            db,
            etat.max_orientation.max(*ids.last().unwrap_or(&0)),
            &mut ops,
        )
        .await?;
    }
    Ok(ops)
}
