//! E-mails of alliances: a membership proposed (to the organisation's owners), a step of an
//! experimentation file (to the reviewers when submitted, to the backbone's people otherwise),
//! a value due (to the responsible member's people, once per due period — a job).

use std::time::Duration;

use alliances_domain::alliances::experimentation::EtatDossier;
use alliances_domain::alliances::indicateurs::{fraicheur, Fraicheur};
use alliances_domain::alliances::RoleMembre;
use alliances_domain::dates;
use alliances_store::alliances as store;
use alliances_store::Conn as AnyConnection;
use alliances_store::{jobs, memberships, users};

use super::AllianceError;
use crate::comptes::{queue_email, OutgoingEmail, EN};
use crate::{now, App};

async fn envoyer(
    conn: &mut AnyConnection,
    a: &str,
    sujet: &str,
    corps: &str,
) -> Result<(), AllianceError> {
    let mail = OutgoingEmail {
        to: a.to_string(),
        subject: sujet.to_string(),
        body: corps.to_string(),
    };
    let at = now();
    jobs::enqueue(conn, "email", &queue_email(&mail)?, at, 5, at).await?;
    Ok(())
}

impl App {
    /// Queues the e-mail telling an organisation's owners that an alliance proposes it as a member.
    pub(crate) async fn notifier_proposition(
        &self,
        conn: &mut AnyConnection,
        alliance: &str,
        organisation: i64,
        organisation_nom: &str,
        role: RoleMembre,
        link_base: &str,
    ) -> Result<(), AllianceError> {
        let base = link_base.trim_end_matches('/');
        for (_, email) in memberships::owners_of(conn, organisation).await? {
            let corps = format!(
                "Bonjour,\n\nL'alliance « {alliance} » propose à « {organisation_nom} » de la rejoindre comme {}.\nPour accepter ou refuser, ouvrez la fiche de votre organisation :\n{base}/organisations/{organisation}\n{EN}The alliance \"{alliance}\" proposes that \"{organisation_nom}\" joins it ({}).\nTo accept or decline, open your organisation's page:\n{base}/organisations/{organisation}\n",
                role.label_fr().to_lowercase(),
                role.label_en().to_lowercase(),
            );
            envoyer(
                conn,
                &email,
                &format!("Alliances : proposition de rejoindre « {alliance} »"),
                &corps,
            )
            .await?;
        }
        Ok(())
    }

    /// Queues the e-mails of a step of an experimentation file.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn notifier_etape(
        &self,
        conn: &mut AnyConnection,
        dossier: i64,
        titre: &str,
        alliance: i64,
        vers: EtatDossier,
        commentaire: &str,
        link_base: &str,
    ) -> Result<(), AllianceError> {
        let base = link_base.trim_end_matches('/');
        let mut destinataires: Vec<String> = Vec::new();
        if vers == EtatDossier::Depose {
            for (uid, role) in users::all_roles(&self.db).await? {
                if role == "moderateur" || role == "admin" {
                    if let Some(u) = users::by_id(&self.db, uid).await? {
                        destinataires.push(u.email);
                    }
                }
            }
        } else {
            for m in store::membres(conn, alliance).await? {
                if m.etat == "acceptee" && m.role == RoleMembre::Backbone.slug() {
                    for (_, email, _, _) in
                        memberships::members_of(&self.db, m.organisation_id).await?
                    {
                        destinataires.push(email);
                    }
                }
            }
        }
        destinataires.sort();
        destinataires.dedup();
        let motif = if commentaire.is_empty() {
            String::new()
        } else {
            format!("\nCommentaire : {commentaire}\n")
        };
        for email in destinataires {
            let corps = format!(
                "Bonjour,\n\nLe dossier d'expérimentation « {titre} » est passé à l'étape « {} ».{motif}\nLe dossier : {base}/experimentations/{dossier}\n{EN}The experimentation file \"{titre}\" moved to \"{}\".\nThe file: {base}/experimentations/{dossier}\n",
                vers.label_fr(),
                vers.label_en(),
            );
            envoyer(
                conn,
                &email,
                &format!("Alliances : « {titre} » — {}", vers.label_fr()),
                &corps,
            )
            .await?;
        }
        Ok(())
    }

    /// Reminds the responsible members of every indicator whose last ended period has no value
    /// (due or overdue), once per period; returns how many indicators were reminded.
    pub async fn rappels_valeurs(&self, link_base: &str) -> Result<usize, AllianceError> {
        let base = link_base.trim_end_matches('/');
        let aujourdhui = dates::jour_de(now());
        let mut n = 0;
        for (f, derniere) in store::indicateurs_a_suivre(&self.db).await? {
            let p = f.indicateur.periodicite;
            let etat = fraicheur(p, derniere, dates::jour_de(f.cree_le), aujourdhui);
            if !matches!(etat, Fraicheur::Attendu | Fraicheur::EnRetard) {
                continue;
            }
            let Some(responsable) = f.indicateur.responsable else {
                continue;
            };
            let due = p.libelle(dates::debut_de_mois(p.debut(aujourdhui), -p.mois()));
            let mut tx = self.db.begin_write().await?;
            if !store::reclamer_rappel(&mut tx, f.id, &due).await? {
                continue;
            }
            for (_, email, _, _) in memberships::members_of(&self.db, responsable).await? {
                let corps = format!(
                    "Bonjour,\n\nLa valeur de l'indicateur « {} » pour la période {due} est attendue : votre organisation en est responsable.\nPour la déclarer : {base}/alliances/{}/indicateurs\n{EN}The value of the indicator \"{}\" for {due} is due: your organisation is responsible for it.\nTo report it: {base}/alliances/{}/indicateurs\n",
                    f.indicateur.nom, f.alliance_id, f.indicateur.nom, f.alliance_id
                );
                envoyer(
                    &mut tx,
                    &email,
                    &format!("Alliances : valeur attendue — {}", f.indicateur.nom),
                    &corps,
                )
                .await?;
            }
            tx.commit().await?;
            n += 1;
        }
        Ok(n)
    }

    /// Runs [`App::rappels_valeurs`] every hour.
    pub fn spawn_rappels_valeurs(
        self: &std::sync::Arc<Self>,
        link_base: String,
    ) -> tokio::task::JoinHandle<()> {
        let app = std::sync::Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                match app.rappels_valeurs(&link_base).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(indicateurs = n, "values due: reminders queued"),
                    Err(e) => {
                        tracing::warn!(error = %e, "values due: reminders failed, will retry")
                    }
                }
            }
        })
    }
}
