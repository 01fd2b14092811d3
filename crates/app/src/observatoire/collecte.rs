//! Online collection: an analyst creates invitation links (one token per respondent; only its
//! hash is stored), a respondent answers the whole questionnaire on one page, and quota
//! tracking screens out those whose cell is already full. An invitation is used once.

use alliances_domain::kits::{ErreurReponse, Reponses};
use alliances_domain::observatoire::etude::{avancement, cellule_pleine, lire_quotas};
use alliances_store::observatoire::{self as store, Etude};

use super::calcul;
use super::etudes::{lire_vague, ObservatoireError, VagueLue};
use crate::comptes::{random_token, token_hash, CurrentUser};
use crate::{now, App, AppError};

/// At most this many invitations per request.
pub const INVITATIONS_MAX: usize = 5000;

/// What became of a respondent's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueEnquete {
    /// Recorded.
    Complete,
    /// Not recorded: the quota cell (variable, category label) was already full.
    HorsQuota(String),
}

/// Why answers were not taken.
#[derive(Debug, thiserror::Error)]
pub enum ReponseEnqueteError {
    /// Answers to correct (question id, why).
    #[error("réponses à compléter")]
    Reponses(Vec<ErreurReponse>),
    #[error(transparent)]
    Observatoire(#[from] ObservatoireError),
}

impl From<AppError> for ReponseEnqueteError {
    fn from(e: AppError) -> Self {
        ReponseEnqueteError::Observatoire(e.into())
    }
}

impl From<alliances_store::StoreError> for ReponseEnqueteError {
    fn from(e: alliances_store::StoreError) -> Self {
        ReponseEnqueteError::Observatoire(e.into())
    }
}

impl From<alliances_store::SqlxError> for ReponseEnqueteError {
    fn from(e: alliances_store::SqlxError) -> Self {
        ReponseEnqueteError::Observatoire(e.into())
    }
}

impl App {
    /// Creates `n` invitations to a wave; returns the tokens (shown once, never stored).
    pub async fn creer_invitations(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
        n: usize,
    ) -> Result<Vec<String>, ObservatoireError> {
        let t = self.tableau_vague(user, etude, numero).await?;
        if !(1..=INVITATIONS_MAX).contains(&n) {
            return Err(ObservatoireError::Invalide(vec![
                alliances_domain::annuaire::ChampErreur::new(
                    "nombre",
                    format!("de 1 à {INVITATIONS_MAX} invitations à la fois"),
                ),
            ]));
        }
        if t.lue.vague.publiee_le.is_some() {
            return Err(ObservatoireError::Refus(
                "cette vague est publiée : sa collecte est close".into(),
            ));
        }
        let jetons: Vec<String> = (0..n).map(|_| random_token()).collect();
        let hashes: Vec<String> = jetons.iter().map(|j| token_hash(j)).collect();
        let mut tx = self.db.begin_write().await?;
        store::insert_invitations(&mut tx, t.lue.vague.id, &hashes, now()).await?;
        tx.commit().await?;
        Ok(jetons)
    }

    /// The wave an invitation opens, when it can still be answered.
    pub async fn enquete(&self, jeton: &str) -> Result<(Etude, VagueLue), ObservatoireError> {
        let mut conn = self.db.pool().acquire().await?;
        let (_, vague_id, utilisee) = store::invitation(&mut conn, &token_hash(jeton))
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        if utilisee.is_some() {
            return Err(ObservatoireError::Refus(
                "cette invitation a déjà servi : merci pour votre participation".into(),
            ));
        }
        let v = store::vague_par_id(&mut conn, vague_id)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        drop(conn);
        if !v.collecte_ouverte || v.publiee_le.is_some() {
            return Err(ObservatoireError::Refus(
                "la collecte de cette enquête est close".into(),
            ));
        }
        let e = store::etude(&self.db, v.etude_id)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        Ok((e, lire_vague(v)?))
    }

    /// Records a respondent's answers (`champs`: question id → values, the whole
    /// questionnaire), or says what to correct. Answers to questions their conditions hide
    /// are dropped.
    pub async fn repondre_enquete(
        &self,
        jeton: &str,
        champs: &[(String, Vec<String>)],
    ) -> Result<IssueEnquete, ReponseEnqueteError> {
        let (_, lue) = self.enquete(jeton).await?;
        let kit = &lue.kit;
        let mut reponses = Reponses::vides(kit);
        let mut erreurs = Vec::new();
        for s in 0..kit.sections.len() {
            let plage = kit.sections[s].questions.clone();
            let de_la_section: Vec<(String, Vec<String>)> = champs
                .iter()
                .filter(|(id, _)| kit.question(id).is_some_and(|q| plage.contains(&q)))
                .cloned()
                .collect();
            match kit.lire_section(s, &de_la_section) {
                Ok(rs) => {
                    for (q, r) in rs {
                        reponses.0[q] = r;
                    }
                }
                Err(e) => erreurs.extend(e),
            }
        }
        if let Some((id, _)) = champs.iter().find(|(id, _)| kit.question(id).is_none()) {
            erreurs.push(ErreurReponse {
                question: id.chars().take(60).collect(),
                message: "question inconnue dans ce questionnaire".into(),
            });
        }
        let visibles = kit.visibles(&reponses);
        for (q, v) in visibles.iter().enumerate() {
            if !v {
                reponses.0[q] = None;
            }
        }
        for s in 0..kit.sections.len() {
            erreurs.extend(kit.manquantes(s, &reponses));
        }
        if !erreurs.is_empty() {
            return Err(ReponseEnqueteError::Reponses(erreurs));
        }
        let mut tx = self.db.begin_write().await?;
        let (invitation, vague_id, _) = store::invitation(&mut tx, &token_hash(jeton))
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        let quotas = match lue.vague.quotas.as_deref() {
            Some(q) => lire_quotas(kit, q).map_err(|e| {
                AppError::Internal(format!("quotas de la vague {vague_id} : {}", e.join(" ; ")))
            })?,
            None => Vec::new(),
        };
        let mut issue = IssueEnquete::Complete;
        if !quotas.is_empty() {
            let rs = store::repondants(&mut tx, vague_id).await?;
            let deja = calcul::reponses(kit, &rs)?;
            let cellules = avancement(kit, &quotas, &deja);
            if let Some(c) = cellule_pleine(kit, &cellules, &reponses) {
                issue = IssueEnquete::HorsQuota(
                    alliances_domain::observatoire::etude::libelle_modalite(
                        kit,
                        &c.variable,
                        &c.modalite,
                    ),
                );
            }
        }
        let t = now();
        let etiquette = match issue {
            IssueEnquete::Complete => "complete",
            IssueEnquete::HorsQuota(_) => "hors-quota",
        };
        if !store::utiliser_invitation(&mut tx, invitation, etiquette, t).await? {
            return Err(ObservatoireError::Refus(
                "cette invitation a déjà servi : merci pour votre participation".into(),
            )
            .into());
        }
        if issue == IssueEnquete::Complete {
            let json = serde_json::Value::Object(kit.reponses_json(&reponses)).to_string();
            store::insert_repondant(&mut tx, vague_id, &format!("web-{invitation}"), &json, t)
                .await?;
        }
        tx.commit().await?;
        Ok(issue)
    }
}
