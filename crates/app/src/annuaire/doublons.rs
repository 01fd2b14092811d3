//! Duplicate detection on write and the moderators' decisions (merge keeps history and
//! redirects; distinct closes the review). Never a silent merge.

use super::{AnnuaireError, ENTITE};
use crate::comptes::CurrentUser;
use crate::politique::{can, Action};
use crate::{now, App};
use alliances_domain::annuaire::doublons::{
    comparer, nom_normalise, similarite, RaisonDoublon, SEUIL_PROCHE,
};
use alliances_domain::annuaire::Organisation;
use alliances_store::import_rows::{self, Voisinage};
use alliances_store::{
    audit, changes, memberships, moderation, organisations as store, Conn, StoreError,
};
use std::collections::{BTreeSet, HashMap};

/// How many records of a département are compared by name (beyond, only exact matches in the
/// commune are found: the index on (commune, normalised name) covers them at any size).
const COMPARAISONS_MAX: i64 = 5000;

/// Queues the likely duplicates of the freshly written record `id`; returns their ids.
pub async fn detecter(
    conn: &mut Conn,
    id: i64,
    org: &Organisation,
    at: i64,
) -> Result<Vec<i64>, StoreError> {
    let Some(commune) = &org.commune else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for other in store::same_name_in_commune(conn, commune.as_str(), &org.nom).await? {
        if other != id {
            moderation::add_doublon(conn, id, other, "meme-nom-meme-commune", 1.0, at).await?;
            found.push(other);
        }
    }
    let voisins =
        store::names_in_departement(conn, commune.departement_prefix(), COMPARAISONS_MAX).await?;
    for (other, nom, commune_b) in voisins {
        if other == id || found.contains(&other) {
            continue;
        }
        if let Some((raison, score)) =
            comparer(&org.nom, Some(commune.as_str()), &nom, commune_b.as_deref())
        {
            moderation::add_doublon(conn, id, other, raison.slug(), score, at).await?;
            found.push(other);
        }
    }
    Ok(found)
}

/// Import mode: neighbours read from the record's own name on (the same names first, itself
/// included) and before it.
const VOISINS_APRES: i64 = 3;
const VOISINS_AVANT: i64 = 2;
/// Import mode: at most this many review entries per imported record (the closest names).
const SIGNALEMENTS_PAR_LIGNE: usize = 5;

/// The import mode of [`detecter`], for the records of one batch: each is compared with the
/// records of its commune whose normalised names sort next to its own on the
/// `(commune, nom_normalise)` index ("sorted neighbourhood": the same name, then the nearest
/// names before and after — a typo or an added word at the end), many lookups per statement,
/// instead of a scan of the département. Queues at most [`SIGNALEMENTS_PAR_LIGNE`] pairs per
/// record; returns the number of pairs queued.
pub async fn detecter_import(
    conn: &mut Conn,
    backend: alliances_store::Backend,
    lignes: &[(i64, &Organisation)],
    at: i64,
) -> Result<u64, StoreError> {
    let mut voisinages = Vec::new();
    let mut qui: Vec<(i64, String)> = Vec::new();
    for (id, org) in lignes {
        let Some(commune) = &org.commune else {
            continue;
        };
        let nom = nom_normalise(&org.nom);
        if nom.is_empty() {
            continue;
        }
        voisinages.push(Voisinage {
            commune: commune.as_str().to_string(),
            nom: nom.clone(),
        });
        qui.push((*id, nom));
    }
    if voisinages.is_empty() {
        return Ok(0);
    }
    let mut candidats: HashMap<usize, Vec<(f64, i64, RaisonDoublon)>> = HashMap::new();
    for (k, autre, nom_b) in
        import_rows::voisins(conn, backend, &voisinages, VOISINS_APRES, VOISINS_AVANT).await?
    {
        let (id, nom_a) = &qui[k];
        if autre == *id {
            continue;
        }
        let (raison, score) = if *nom_a == nom_b {
            (RaisonDoublon::MemeNomMemeCommune, 1.0)
        } else {
            // Dice over trigrams cannot reach the threshold when the lengths differ too much.
            let (la, lb) = (nom_a.len() as f64, nom_b.len() as f64);
            if 2.0 * la.min(lb) / (la + lb) < SEUIL_PROCHE {
                continue;
            }
            let s = similarite(nom_a, &nom_b);
            if s < SEUIL_PROCHE {
                continue;
            }
            (RaisonDoublon::NomTresProche, s)
        };
        candidats.entry(k).or_default().push((score, autre, raison));
    }
    let mut paires = BTreeSet::new();
    let mut a_ajouter = Vec::new();
    let mut ks: Vec<usize> = candidats.keys().copied().collect();
    ks.sort_unstable();
    for k in ks {
        let mut v = candidats.remove(&k).unwrap_or_default();
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        v.dedup_by_key(|c| c.1);
        let id = qui[k].0;
        for (score, autre, raison) in v.into_iter().take(SIGNALEMENTS_PAR_LIGNE) {
            if paires.insert((id.min(autre), id.max(autre))) {
                a_ajouter.push((id, autre, raison.slug(), score));
            }
        }
    }
    import_rows::ajouter_doublons(conn, backend, &a_ajouter, at).await?;
    Ok(paires.len() as u64)
}

impl App {
    /// A moderator merges `absorbee` into `gardee`: members move over, the absorbed record stays
    /// in the database (history) and its page redirects; or declares them distinct.
    pub async fn decider_doublon(
        &self,
        actor: &CurrentUser,
        doublon_id: i64,
        garder: Option<i64>,
    ) -> Result<(), AnnuaireError> {
        if !can(Some(actor), Action::Moderer) {
            return Err(AnnuaireError::Interdit);
        }
        let mut tx = self.db.begin_write().await?;
        let d = moderation::get_doublon(&mut tx, doublon_id)
            .await?
            .ok_or(AnnuaireError::Introuvable)?;
        let at = now();
        match garder {
            None => {
                if !moderation::close_doublon(&mut tx, doublon_id, "distincts", actor.id, at)
                    .await?
                {
                    return Err(AnnuaireError::Refus("ce doublon a déjà été traité".into()));
                }
            }
            Some(keep) => {
                let absorbee = if keep == d.organisation_a {
                    d.organisation_b
                } else if keep == d.organisation_b {
                    d.organisation_a
                } else {
                    return Err(AnnuaireError::Refus(
                        "l'organisation gardée doit être l'une des deux".into(),
                    ));
                };
                if !moderation::close_doublon(&mut tx, doublon_id, "fusionnes", actor.id, at)
                    .await?
                {
                    return Err(AnnuaireError::Refus("ce doublon a déjà été traité".into()));
                }
                let before = store::get(&mut tx, absorbee).await?;
                store::mark_merged(&mut tx, absorbee, keep, at).await?;
                for (user, _, _, role) in memberships::members_of(&self.db, absorbee).await? {
                    if memberships::role_of(&mut tx, user, keep).await?.is_none() {
                        memberships::add(&mut tx, user, keep, &role, at).await?;
                    }
                }
                let b = before.map(|f| serde_json::to_string(&f.org.saisie()).unwrap_or_default());
                let a = serde_json::json!({"fusionneeDans": keep}).to_string();
                audit::record(
                    &mut tx,
                    &audit::NewEntry {
                        actor_user_id: Some(actor.id),
                        action: "organisation.fusion",
                        entity: ENTITE,
                        entity_id: &absorbee.to_string(),
                        organisation_id: Some(keep),
                        before_json: b.as_deref(),
                        after_json: Some(&a),
                    },
                    at,
                )
                .await?;
                changes::append(&mut tx, ENTITE, &absorbee.to_string(), "delete", at).await?;
                changes::append(&mut tx, ENTITE, &keep.to_string(), "upsert", at).await?;
            }
        }
        tx.commit().await?;
        self.refresh().await?;
        Ok(())
    }
}
