//! The moderators' queue: likely duplicates, claims of organisations, reported content. Later
//! modules report their own content here through `App::signaler`.

use crate::annuaire::AnnuaireError;
use crate::comptes::CurrentUser;
use crate::politique::{can, Action};
use crate::{now, App};
use alliances_store::{moderation, organisations as store, users};

/// One organisation of a pair, for display.
#[derive(Debug, Clone)]
pub struct OrgResume {
    pub id: i64,
    pub nom: String,
    pub commune: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct DoublonVue {
    pub id: i64,
    pub a: OrgResume,
    pub b: OrgResume,
    pub raison: String,
    pub score: f64,
}

#[derive(Debug, Clone)]
pub struct RevendicationVue {
    pub id: i64,
    pub organisation: OrgResume,
    pub email: String,
    pub message: String,
    pub cree_le: i64,
}

/// Everything waiting for a moderator.
#[derive(Debug, Clone, Default)]
pub struct File {
    pub doublons: Vec<DoublonVue>,
    pub revendications: Vec<RevendicationVue>,
    pub signalements: Vec<moderation::Signalement>,
    /// Inspiring examples of the library waiting to be published or refused.
    pub exemples: Vec<crate::bibliotheque::ExempleSoumis>,
}

const LIMITE: i64 = 100;

impl App {
    async fn resume(&self, id: i64) -> Result<OrgResume, AnnuaireError> {
        let mut conn = self.db.pool().acquire().await?;
        let f = store::get(&mut conn, id)
            .await?
            .ok_or(AnnuaireError::Introuvable)?;
        Ok(OrgResume {
            id,
            nom: f.org.nom,
            commune: f.org.commune.map(|c| c.to_string()),
            source: f.meta.source,
        })
    }

    /// The moderation queue (moderators and admins).
    pub async fn file_moderation(
        &self,
        actor: Option<&CurrentUser>,
    ) -> Result<File, AnnuaireError> {
        if !can(actor, Action::Moderer) {
            return Err(AnnuaireError::Interdit);
        }
        let mut file = File::default();
        for d in moderation::doublons_a_examiner(&self.db, LIMITE).await? {
            file.doublons.push(DoublonVue {
                id: d.id,
                a: self.resume(d.organisation_a).await?,
                b: self.resume(d.organisation_b).await?,
                raison: d.raison,
                score: d.score,
            });
        }
        for r in moderation::revendications_en_attente(&self.db, LIMITE).await? {
            let email = users::by_id(&self.db, r.user_id)
                .await?
                .map(|u| u.email)
                .unwrap_or_default();
            file.revendications.push(RevendicationVue {
                id: r.id,
                organisation: self.resume(r.organisation_id).await?,
                email,
                message: r.message,
                cree_le: r.cree_le,
            });
        }
        file.signalements = moderation::signalements_a_traiter(&self.db, LIMITE).await?;
        file.exemples = self.exemples_soumis(actor).await.map_err(|e| match e {
            crate::bibliotheque::BibliothequeError::App(a) => AnnuaireError::App(a),
            autre => AnnuaireError::Refus(autre.to_string()),
        })?;
        Ok(file)
    }

    /// Closes a report: `traite` (acted upon) or `rejete`.
    pub async fn traiter_signalement(
        &self,
        actor: &CurrentUser,
        id: i64,
        suite: &str,
    ) -> Result<(), AnnuaireError> {
        if !can(Some(actor), Action::Moderer) {
            return Err(AnnuaireError::Interdit);
        }
        if !["traite", "rejete"].contains(&suite) {
            return Err(AnnuaireError::Refus(
                "suite inconnue : traite ou rejete".into(),
            ));
        }
        let mut tx = self.db.begin_write().await?;
        if !moderation::close_signalement(&mut tx, id, suite, actor.id, now()).await? {
            return Err(AnnuaireError::Refus(
                "ce signalement a déjà été traité".into(),
            ));
        }
        tx.commit().await?;
        Ok(())
    }
}
