//! Broken links and organisations that no longer exist, reported to moderators.
//!
//! A pass (job kind [`KIND`], run by the job worker of any instance) collects the web addresses
//! of published entries (links and the body's links) and events (sign-up, replay, body), and
//! checks each at most once a week ([`INTERVALLE`]: an address is reserved by a conditional
//! update, so two instances never check it twice): `HEAD`, then `GET` when the server refuses
//! `HEAD` or fails, each with a timeout. A broken address is reported to the moderation queue
//! once (the mark is cleared when it works again, so a later breakage is reported again). The
//! same pass reports, once each, the organisations named by a published example that were
//! dissolved, closed, removed from the register or merged.
//!
//! Passes are queued by every write that publishes something and hourly by `serve`
//! ([`App::spawn_verification_liens`]); a pass that runs out of time queues its continuation.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alliances_domain::bibliotheque::EtatPublication;
use alliances_store::bibliotheque as store;
use alliances_store::{jobs, moderation, Conn, StoreError};
use futures::StreamExt;

use super::{ENTITE, ENTITE_EVENEMENT};
use crate::{now, App, AppError};

/// The job kind of a pass.
pub const KIND: &str = "bibliotheque-liens";
/// An address is checked at most once per this many seconds.
pub const INTERVALLE: i64 = 7 * 86_400;
/// Timeout of one request.
pub const DELAI: Duration = Duration::from_secs(10);
/// A pass stops reserving addresses after this long (the job's own timeout is longer) and
/// queues its continuation.
pub const DUREE_PASSE: Duration = Duration::from_secs(50);
/// Requests in flight at once.
pub const PARALLELE: usize = 6;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bilan {
    /// Addresses checked now.
    pub verifies: usize,
    /// Of which broken.
    pub casses: usize,
    /// Reports written (broken addresses and organisations gone).
    pub signalements: usize,
    /// Whether addresses were left for a continuation.
    pub suite: bool,
}

/// Queues a pass unless one is waiting (inside the caller's transaction).
pub(crate) async fn planifier(conn: &mut Conn, t: i64) -> Result<(), StoreError> {
    if !store::tache_prevue(conn, KIND).await? {
        jobs::enqueue(conn, KIND, "", t, 3, t).await?;
    }
    Ok(())
}

/// The outcome of checking one address: the HTTP status (None: no answer), the error in
/// words, whether it is broken.
type Verification = (Option<i64>, Option<String>, bool);

async fn verifier(client: &reqwest::Client, url: &str) -> Verification {
    let casse = |s: reqwest::StatusCode| {
        (s.is_client_error() && s != reqwest::StatusCode::TOO_MANY_REQUESTS) || s.is_server_error()
    };
    match client.head(url).send().await {
        Ok(r) if !casse(r.status()) => return (Some(i64::from(r.status().as_u16())), None, false),
        _ => {}
    }
    // Some servers refuse or mishandle HEAD: ask again with GET before calling it broken.
    match client.get(url).send().await {
        Ok(r) => {
            let s = r.status();
            (Some(i64::from(s.as_u16())), None, casse(s))
        }
        Err(e) => {
            let quoi = if e.is_timeout() {
                format!("pas de réponse en {} s", DELAI.as_secs())
            } else if e.is_connect() {
                "connexion impossible".to_string()
            } else {
                "erreur de requête".to_string()
            };
            (None, Some(quoi), true)
        }
    }
}

impl App {
    /// The HTTP client of the link check.
    pub fn client_liens() -> reqwest::Client {
        reqwest::Client::builder()
            .timeout(DELAI)
            .connect_timeout(DELAI)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent("Alliances (verification des liens de la bibliotheque)")
            .build()
            .expect("the HTTP client builds")
    }

    /// Queues a pass now unless one is waiting.
    pub async fn planifier_verification_liens(&self) -> Result<(), AppError> {
        let mut tx = self.db.begin_write().await?;
        planifier(&mut tx, now()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Runs [`App::planifier_verification_liens`] every `every` on each instance (the pass
    /// itself runs once, on whichever worker claims it).
    pub fn spawn_verification_liens(
        self: &Arc<Self>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = app.planifier_verification_liens().await {
                    tracing::warn!(error = %e, "link check could not be queued, will retry");
                }
            }
        })
    }

    /// One pass at `t` (see the module's documentation).
    pub async fn verifier_liens(
        &self,
        t: i64,
        client: &reqwest::Client,
    ) -> Result<Bilan, AppError> {
        let debut = Instant::now();
        // Address → the entries and events that use it.
        let mut usages: BTreeMap<String, Vec<(&'static str, i64, String)>> = BTreeMap::new();
        // Demonstration records point to fictional addresses (`.example`): not checked.
        for f in store::par_etat(&self.db, EtatPublication::Publiee)
            .await?
            .into_iter()
            .filter(|f| !f.demo)
        {
            for u in f.entree.adresses() {
                usages
                    .entry(u)
                    .or_default()
                    .push((ENTITE, f.id, f.entree.titre.clone()));
            }
        }
        for f in store::evenements(&self.db)
            .await?
            .into_iter()
            .filter(|f| !f.demo)
        {
            for u in f.evenement.adresses() {
                usages.entry(u).or_default().push((
                    ENTITE_EVENEMENT,
                    f.id,
                    f.evenement.titre.clone(),
                ));
            }
        }
        let mut bilan = Bilan::default();
        let mut reservees = Vec::new();
        for url in usages.keys() {
            if debut.elapsed() >= DUREE_PASSE {
                bilan.suite = true;
                break;
            }
            if store::reserver_lien(&self.db, url, t, INTERVALLE).await? {
                reservees.push(url.clone());
            }
        }
        let resultats: Vec<(String, Verification)> = futures::stream::iter(reservees)
            .map(|u| async move {
                let r = verifier(client, &u).await;
                (u, r)
            })
            .buffer_unordered(PARALLELE)
            .collect()
            .await;
        for (url, (statut, erreur, casse)) in resultats {
            bilan.verifies += 1;
            store::resultat_lien(&self.db, &url, statut, erreur.as_deref(), casse).await?;
            if !casse {
                continue;
            }
            bilan.casses += 1;
            let Some(qui) = usages.get(&url).filter(|q| !q.is_empty()) else {
                continue;
            };
            let raison = match (statut, &erreur) {
                (Some(s), _) => format!("HTTP {s}"),
                (None, Some(e)) => e.clone(),
                (None, None) => "inaccessible".into(),
            };
            let mut message = format!("Lien cassé ({raison}) : {url}\nUtilisé par :");
            for (entite, id, titre) in qui {
                let quoi = if *entite == ENTITE {
                    "fiche"
                } else {
                    "événement"
                };
                message.push_str(&format!("\n- {quoi} n° {id} « {titre} »"));
            }
            let mut tx = self.db.begin_write().await?;
            if store::lien_signale(&mut tx, &url, t).await? {
                let (entite, id, _) = &qui[0];
                moderation::add_signalement(
                    &mut tx,
                    entite,
                    &id.to_string(),
                    "inexact",
                    &message,
                    None,
                    t,
                )
                .await?;
                bilan.signalements += 1;
            }
            tx.commit().await.map_err(StoreError::from)?;
        }
        bilan.signalements += self.signaler_acteurs_disparus(t).await?;
        if bilan.suite {
            let mut tx = self.db.begin_write().await?;
            jobs::enqueue(&mut tx, KIND, "", t + 60, 3, t).await?;
            tx.commit().await.map_err(StoreError::from)?;
        }
        tracing::info!(
            verifies = bilan.verifies,
            casses = bilan.casses,
            signalements = bilan.signalements,
            elapsed_ms = debut.elapsed().as_millis() as u64,
            "library links checked"
        );
        Ok(bilan)
    }

    /// Reports, once each, the organisations named by a published example that no longer
    /// exist; returns how many reports were written.
    pub async fn signaler_acteurs_disparus(&self, t: i64) -> Result<usize, AppError> {
        let mut n = 0;
        for (entree, org, fusion) in store::acteurs_disparus_non_signales(&self.db).await? {
            let mut tx = self.db.begin_write().await?;
            if store::acteur_signale(&mut tx, entree, org, t).await? {
                let message = match fusion {
                    Some(dans) => format!(
                        "L'exemple cite l'organisation n° {org}, fusionnée dans la fiche n° {dans} : vérifiez les acteurs de l'exemple."
                    ),
                    None => format!(
                        "L'exemple cite l'organisation n° {org}, qui n'existe plus (dissoute, fermée ou supprimée du registre) : vérifiez les acteurs de l'exemple."
                    ),
                };
                moderation::add_signalement(
                    &mut tx,
                    ENTITE,
                    &entree.to_string(),
                    "inexact",
                    &message,
                    None,
                    t,
                )
                .await?;
                n += 1;
            }
            tx.commit().await.map_err(StoreError::from)?;
        }
        Ok(n)
    }
}
