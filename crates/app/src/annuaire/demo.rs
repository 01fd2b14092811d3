//! The demonstration annuaire: a few thousand fictional organisations over real communes,
//! labelled « démonstration », loaded once.

use super::generateur::Generateur;
use super::{AnnuaireError, ENTITE_LOT};
use crate::{now, App};
use alliances_store::{changes, organisations as store};

/// How many organisations the demo shows.
pub const DEMO_ORGANISATIONS: usize = 3000;
const LOT: usize = 500;

impl App {
    /// Loads `n` fictional organisations unless demo records already exist; returns how many
    /// were written.
    pub async fn charger_demo_annuaire(&self, n: usize) -> Result<usize, AnnuaireError> {
        if store::count_demo(&self.db).await? > 0 {
            return Ok(0);
        }
        let territoires = self.territoires();
        let at = now();
        let mut g = Generateur::new(&territoires.referentiel, 2026, at, "demo");
        let mut written = 0;
        while written < n {
            let mut tx = self.db.begin_write().await?;
            let (mut first, mut last) = (i64::MAX, 0);
            for _ in 0..LOT.min(n - written) {
                let x = g.suivante();
                let id = store::insert(&mut tx, &x.org, &x.meta).await?;
                for r in &x.ressources {
                    store::insert_ressource(&mut tx, id, r, at).await?;
                }
                first = first.min(id);
                last = last.max(id);
                written += 1;
            }
            changes::append(
                &mut tx,
                ENTITE_LOT,
                &format!("{first}-{last}"),
                "upsert",
                at,
            )
            .await?;
            tx.commit().await?;
        }
        self.refresh().await?;
        Ok(written)
    }
}
