//! Experimentation files: the alliance's backbone writes and submits them, reviewers (platform
//! moderators) instruct and decide, every step is recorded with who, when and a comment; the
//! register lists every file past the draft.

use alliances_domain::alliances::experimentation::{
    commentaire_requis, transition, valider_dossier, DossierSaisie, EtatDossier, Qui,
};
use alliances_domain::annuaire::organisation::texte;
use alliances_domain::annuaire::ChampErreur;
use alliances_store::alliances as store_alliances;
use alliances_store::experimentations as store;
pub use alliances_store::experimentations::{Etape, FicheDossier};

use super::AllianceError;
use crate::comptes::CurrentUser;
use crate::politique::{can, Action};
use crate::{now, App};

/// A file with its steps and what the reader may do.
#[derive(Debug, Clone)]
pub struct DossierVue {
    pub fiche: FicheDossier,
    pub etapes: Vec<Etape>,
    /// The steps the reader may take now.
    pub possibles: Vec<EtatDossier>,
    /// The backbone may still edit it (draft).
    pub modifiable: bool,
}

impl App {
    async fn indicateurs_de(&self, alliance: i64) -> Result<Vec<i64>, AllianceError> {
        let mut conn = self.db.pool().acquire().await?;
        Ok(store_alliances::indicateurs(&mut conn, alliance)
            .await?
            .iter()
            .map(|i| i.id)
            .collect())
    }

    /// The backbone opens a file (a draft).
    pub async fn creer_dossier(
        &self,
        user: &CurrentUser,
        alliance: i64,
        s: &DossierSaisie,
    ) -> Result<i64, AllianceError> {
        if !self
            .acteur_alliance(Some(user), alliance)
            .await?
            .est_backbone()
        {
            return Err(AllianceError::Interdit);
        }
        let inds = self.indicateurs_de(alliance).await?;
        let d = valider_dossier(s, &self.territoires().referentiel, &inds)
            .map_err(AllianceError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        let id = store::insert(&mut tx, alliance, &d, now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The backbone edits its draft (optimistic version).
    pub async fn modifier_dossier(
        &self,
        user: &CurrentUser,
        id: i64,
        version: i64,
        s: &DossierSaisie,
    ) -> Result<(), AllianceError> {
        let mut conn = self.db.pool().acquire().await?;
        let f = store::get(&mut conn, id)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        drop(conn);
        if !self
            .acteur_alliance(Some(user), f.alliance_id)
            .await?
            .est_backbone()
        {
            return Err(AllianceError::Interdit);
        }
        if f.etat != EtatDossier::Brouillon {
            return Err(AllianceError::Refus(
                "un dossier déposé ne se modifie plus".into(),
            ));
        }
        let inds = self.indicateurs_de(f.alliance_id).await?;
        let d = valider_dossier(s, &self.territoires().referentiel, &inds)
            .map_err(AllianceError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        if !store::update_brouillon(&mut tx, id, version, &d, now()).await? {
            return Err(AllianceError::Conflit);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Who the user is for a file: the alliance's backbone, a reviewer, both or neither.
    async fn qui(
        &self,
        user: Option<&CurrentUser>,
        f: &FicheDossier,
    ) -> Result<Vec<Qui>, AllianceError> {
        let mut q = Vec::new();
        if let Some(u) = user {
            let a = self.acteur_alliance(Some(u), f.alliance_id).await?;
            if a.membres
                .iter()
                .any(|(_, r)| *r == alliances_domain::alliances::RoleMembre::Backbone)
            {
                q.push(Qui::Alliance);
            }
            if can(Some(u), Action::Moderer) {
                q.push(Qui::Relecteur);
            }
        }
        Ok(q)
    }

    /// A file: drafts only for the alliance's members and reviewers; the others are public.
    pub async fn dossier(
        &self,
        reader: Option<&CurrentUser>,
        id: i64,
    ) -> Result<DossierVue, AllianceError> {
        let mut conn = self.db.pool().acquire().await?;
        let fiche = store::get(&mut conn, id)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        drop(conn);
        let qui = self.qui(reader, &fiche).await?;
        if fiche.etat == EtatDossier::Brouillon && qui.is_empty() {
            let membre = match reader {
                Some(u) => self
                    .acteur_alliance(Some(u), fiche.alliance_id)
                    .await?
                    .est_membre(),
                None => false,
            };
            if !membre {
                return Err(AllianceError::Introuvable);
            }
        }
        let possibles = EtatDossier::ALL
            .iter()
            .copied()
            .filter(|v| qui.iter().any(|q| transition(fiche.etat, *v, *q).is_ok()))
            .collect();
        Ok(DossierVue {
            etapes: store::etapes(&self.db, id).await?,
            modifiable: fiche.etat == EtatDossier::Brouillon && qui.contains(&Qui::Alliance),
            possibles,
            fiche,
        })
    }

    /// Takes a step of the workflow (checked: from where, to where, by whom; a decision needs a
    /// comment). `version` guards against two reviewers deciding at once.
    pub async fn faire_avancer_dossier(
        &self,
        user: &CurrentUser,
        id: i64,
        version: i64,
        vers: &str,
        commentaire: &str,
    ) -> Result<(), AllianceError> {
        let vers = EtatDossier::from_slug(vers).ok_or_else(|| {
            AllianceError::Invalide(vec![ChampErreur::new(
                "vers",
                format!("attendu : {}", EtatDossier::slugs()),
            )])
        })?;
        let mut errs = Vec::new();
        let commentaire = texte("commentaire", commentaire, 5000, &mut errs).unwrap_or_default();
        if commentaire_requis(vers) && commentaire.is_empty() && errs.is_empty() {
            errs.push(ChampErreur::new(
                "commentaire",
                format!("un commentaire motive le passage à « {} »", vers.label_fr()),
            ));
        }
        if !errs.is_empty() {
            return Err(AllianceError::Invalide(errs));
        }
        let mut conn = self.db.pool().acquire().await?;
        let f = store::get(&mut conn, id)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        drop(conn);
        let qui = self.qui(Some(user), &f).await?;
        if qui.is_empty() {
            return Err(AllianceError::Interdit);
        }
        let mut raison = String::new();
        let autorise = qui.iter().any(|q| match transition(f.etat, vers, *q) {
            Ok(()) => true,
            Err(r) => {
                raison = r;
                false
            }
        });
        if !autorise {
            return Err(AllianceError::Refus(raison));
        }
        let mut tx = self.db.begin_write().await?;
        if !store::changer_etat(
            &mut tx,
            id,
            version,
            f.etat,
            vers,
            user.id,
            &commentaire,
            now(),
        )
        .await?
        {
            return Err(AllianceError::Conflit);
        }
        self.notifier_etape(
            &mut tx,
            id,
            &f.dossier.titre,
            f.alliance_id,
            vers,
            &commentaire,
            &self.url_publique(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The public register of experimentation files.
    pub async fn registre_experimentations(&self) -> Result<Vec<FicheDossier>, AllianceError> {
        Ok(store::registre(&self.db).await?)
    }

    /// The files of an alliance (drafts only for its members and reviewers).
    pub async fn dossiers_de_l_alliance(
        &self,
        reader: Option<&CurrentUser>,
        alliance: i64,
    ) -> Result<Vec<FicheDossier>, AllianceError> {
        let voit_brouillons = match reader {
            Some(u) => {
                self.acteur_alliance(Some(u), alliance).await?.est_membre()
                    || can(Some(u), Action::Moderer)
            }
            None => false,
        };
        Ok(store::de_l_alliance(&self.db, alliance)
            .await?
            .into_iter()
            .filter(|f| voit_brouillons || f.etat != EtatDossier::Brouillon)
            .collect())
    }
}
