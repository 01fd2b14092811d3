//! Territory dashboards: counters for every territory (communes, EPCI, départements, régions,
//! national) kept up to date from the change feed — never recomputed per request — and the
//! dashboard of one territory read from them: actors by profile, alliances by stage and type,
//! needs and active alliances per SDG, support coverage per service, kit maturity, contact
//! requests and referrals, territories like it side by side.

pub mod compteurs;
pub mod sans_index;
pub mod semblables;
pub mod synchro;

use crate::{App, AppError};
use alliances_domain::ingenieries::Service;
use alliances_domain::territoires::{Niveau, TerritoireRef};
use compteurs::{Agregats, Compteurs, NB_ODD};
use std::sync::RwLock;

/// Change-feed entity of a contact request (`demande-contact <id>`).
pub const ENTITE_DEMANDE: &str = "demande-contact";
/// Change-feed entity of a referral (`orientation <id>`).
pub const ENTITE_ORIENTATION: &str = "orientation";
/// How many territories like it a dashboard shows.
pub const SEMBLABLES: usize = 4;
/// The kit maturity distribution is shown from this many results (fewer would point at
/// individual organisations).
pub const SEUIL_MATURITE: u32 = 10;
/// Person-level activity (contact requests, referrals) under this count is shown as « moins
/// de 5 » on pages: small cells are suppressed.
pub const SEUIL_PETITS_NOMBRES: u32 = 5;

/// The counters of this instance behind a lock: a dashboard copies a few hundred bytes, the
/// change feed writes a few records at a time.
#[derive(Default)]
pub struct TableauxPartages {
    agregats: RwLock<Agregats>,
}

impl TableauxPartages {
    pub fn lire<T>(&self, f: impl FnOnce(&Agregats) -> T) -> T {
        let g = self.agregats.read().unwrap_or_else(|e| e.into_inner());
        f(&g)
    }

    pub(crate) fn ecrire<T>(&self, f: impl FnOnce(&mut Agregats) -> T) -> T {
        let mut g = self.agregats.write().unwrap_or_else(|e| e.into_inner());
        f(&mut g)
    }

    pub(crate) fn remplacer(&self, a: Agregats) {
        self.ecrire(|x| *x = a);
    }
}

/// Schemes reaching a territory for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouvertureService {
    pub service: Service,
    /// Schemes whose coverage reaches the territory (its own, those above it, national).
    pub dispositifs: u32,
    /// For a région or a département: its départements with a departmental or local scheme,
    /// out of how many.
    pub departements: Option<(u32, u32)>,
}

/// A territory like it, with its counters.
#[derive(Debug, Clone, PartialEq)]
pub struct Semblable {
    pub territoire: TerritoireRef,
    pub population: u64,
    pub compteurs: Compteurs,
    pub alliances_actives: u32,
}

/// The dashboard of one territory.
#[derive(Debug, Clone, PartialEq)]
pub struct Tableau {
    pub territoire: TerritoireRef,
    pub population: u64,
    pub compteurs: Compteurs,
    /// Public alliances acting there and not ended (today), in all and per SDG.
    pub alliances_actives: u32,
    pub alliances_actives_odd: [u32; NB_ODD],
    pub couverture: Vec<CouvertureService>,
    pub semblables: Vec<Semblable>,
}

/// Today as an ISO date (UTC).
pub fn aujourd_hui(ts: i64) -> String {
    let jours = ts.div_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = jours + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The active alliances of a position: every public alliance but those ended before `jour`.
fn actives(a: &Agregats, position: u32, jour: &str) -> (u32, [u32; NB_ODD]) {
    let c = a.a(position);
    let (fini, fini_odd) = a.alliances_terminees(position, jour);
    let mut odd = c.alliances_odd;
    for (x, f) in odd.iter_mut().zip(fini_odd) {
        *x -= f;
    }
    (c.alliances - fini, odd)
}

impl App {
    /// The counters behind the dashboards.
    pub fn tableaux(&self) -> &TableauxPartages {
        &self.tableaux
    }

    /// The dashboard of territory `t`, read from the counters and the in-memory indexes (no
    /// query to the database), as of `now`.
    pub fn tableau_territoire(&self, t: TerritoireRef, now: i64) -> Tableau {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let jour = aujourd_hui(now);
        let proches = semblables::semblables(r, t, SEMBLABLES);
        let (compteurs, (alliances_actives, alliances_actives_odd), semblables) =
            self.tableaux.lire(|a| {
                let p = a.positions().de(t);
                let semblables: Vec<Semblable> = proches
                    .iter()
                    .map(|&x| {
                        let px = a.positions().de(x);
                        Semblable {
                            territoire: x,
                            population: r.population(x).unwrap_or(0),
                            compteurs: a.a(px).clone(),
                            alliances_actives: actives(a, px, &jour).0,
                        }
                    })
                    .collect();
                (a.a(p).clone(), actives(a, p, &jour), semblables)
            });
        Tableau {
            territoire: t,
            population: r.population(t).unwrap_or(0),
            compteurs,
            alliances_actives,
            alliances_actives_odd,
            couverture: self.couverture_services(t),
            semblables,
        }
    }

    /// Schemes reaching `t` per service (the coverage index's rule).
    pub fn couverture_services(&self, t: TerritoireRef) -> Vec<CouvertureService> {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let ix = self.dispositifs();
        let deps: Vec<u32> = match t.niveau {
            Niveau::Region => r.departements_of_region(t.idx).to_vec(),
            Niveau::Departement => vec![t.idx],
            _ => Vec::new(),
        };
        Service::ALL
            .iter()
            .map(|&service| {
                let dispositifs = ix
                    .qui_peut_aider(
                        r,
                        t,
                        crate::ingenieries::index::Demande {
                            service: Some(service),
                            ..Default::default()
                        },
                    )
                    .len() as u32;
                let departements = (!deps.is_empty()).then(|| {
                    let c = ix.couverture_departements(service);
                    (
                        deps.iter().filter(|&&d| c[d as usize] > 0).count() as u32,
                        deps.len() as u32,
                    )
                });
                CouvertureService {
                    service,
                    dispositifs,
                    departements,
                }
            })
            .collect()
    }

    /// Rebuilds the counters from the database.
    pub async fn reconstruire_tableaux(&self) -> Result<(), AppError> {
        let kits = self.kits();
        let kit = kits.dernier(crate::relation::index::KIT_MATURITE);
        let a = synchro::construire(
            &self.db,
            &self.territoires().referentiel,
            kit.map(|k| k.as_ref()),
        )
        .await?;
        self.tableaux.remplacer(a);
        Ok(())
    }

    /// Applies a batch of the change feed to the counters (called by `refresh`).
    pub(crate) async fn suivre_tableaux(
        &self,
        batch: &[alliances_store::changes::Change],
    ) -> Result<(), AppError> {
        if batch.iter().any(|c| c.entity == "referentiel") {
            return self.reconstruire_tableaux().await;
        }
        if !synchro::concerne(batch) {
            return Ok(());
        }
        let kits = self.kits();
        let kit = kits.dernier(crate::relation::index::KIT_MATURITE);
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        // Read outside the lock, then apply in one short write.
        let etat = self.tableaux.lire(synchro::Repere::de);
        let ops =
            synchro::lire_changements(&self.db, r, kit.map(|k| k.as_ref()), etat, batch).await?;
        self.tableaux.ecrire(|a| synchro::appliquer(a, r, ops));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_iso() {
        assert_eq!(super::aujourd_hui(0), "1970-01-01");
        assert_eq!(super::aujourd_hui(1_795_000_000), "2026-11-18");
        assert_eq!(super::aujourd_hui(951_782_400), "2000-02-29");
    }
}
