//! Freshness: records not verified for 12 months are flagged and demoted (search), and their
//! owners get a reminder e-mail — at most one every 30 days per organisation, sent by exactly one
//! instance (the reminder is claimed by a conditional update in the e-mail's transaction).

use super::{AnnuaireError, FRAICHEUR_SECONDES};
use crate::comptes::{queue_email, OutgoingEmail, EN};
use crate::{now, App};
use alliances_store::{jobs, memberships, organisations as store};
use std::sync::Arc;
use std::time::Duration;

/// Minimum time between two reminders for one organisation.
pub const RAPPEL_INTERVALLE_SECS: i64 = 30 * 24 * 3600;
/// Organisations handled per pass.
const PAR_PASSE: i64 = 500;

impl App {
    /// Queues the reminders due now; returns how many organisations were reminded.
    pub async fn rappels_fraicheur(&self, link_base: &str) -> Result<usize, AnnuaireError> {
        let at = now();
        let rappel_avant = at - RAPPEL_INTERVALLE_SECS;
        let ids =
            store::stale_to_remind(&self.db, at - FRAICHEUR_SECONDES, rappel_avant, PAR_PASSE)
                .await?;
        let mut done = 0;
        for id in ids {
            let mut tx = self.db.begin_write().await?;
            let Some(fiche) = store::get(&mut tx, id).await? else {
                continue;
            };
            let owners = memberships::owners_of(&mut tx, id).await?;
            if owners.is_empty() || !store::mark_reminded(&mut tx, id, rappel_avant, at).await? {
                // No owner to remind (imported, unclaimed): the flag and the demotion suffice.
                // Mark it anyway so that it is not reconsidered at every pass.
                if owners.is_empty() {
                    store::mark_reminded(&mut tx, id, rappel_avant, at).await?;
                    tx.commit().await?;
                }
                continue;
            }
            let base = link_base.trim_end_matches('/');
            for (_, email) in owners {
                let mail = OutgoingEmail {
                    to: email,
                    subject: format!("Alliances : la fiche « {} » est-elle à jour ?", fiche.org.nom),
                    body: format!(
                        "Bonjour,\n\nLa fiche de « {nom} » n'a pas été vérifiée depuis plus d'un an : elle apparaît comme « à vérifier » et descend dans les résultats de recherche.\nRelisez-la et confirmez qu'elle est à jour (un bouton sur la fiche), ou corrigez-la :\n{base}/organisations/{id}{EN}The record of \"{nom}\" has not been verified for over a year: it is flagged \"to be checked\" and ranks lower in search results.\nPlease review and confirm it (a button on the record), or correct it:\n{base}/organisations/{id}\n",
                        nom = fiche.org.nom,
                    ),
                };
                jobs::enqueue(&mut tx, "email", &queue_email(&mail)?, at, 5, at).await?;
            }
            tx.commit().await?;
            done += 1;
        }
        Ok(done)
    }

    /// Runs the reminders every `every` (each instance; a reminder is sent once).
    pub fn spawn_rappels_fraicheur(
        self: &Arc<Self>,
        link_base: String,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match app.rappels_fraicheur(&link_base).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(organisations = n, "freshness reminders queued"),
                    Err(e) => tracing::warn!(error = %e, "freshness reminders failed, will retry"),
                }
            }
        })
    }
}
