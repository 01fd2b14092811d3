//! Alliances' use cases: create and edit an alliance (its creator's organisation becomes its
//! backbone), members proposed by the backbone and accepted by the organisation's owners, the
//! common agenda and its agreements, backbone functions, indicators with values declared by
//! members and validated by the backbone, actions, the journal, the health panel. Every right is
//! decided here from who the user is in which member organisation.

pub mod cache;
pub mod demo;
pub mod experimentations;
pub mod liste;
pub mod notifications;

use std::collections::HashMap;

use alliances_domain::alliances::indicateurs::{
    fraicheur, invraisemblance, valider_indicateur, Fraicheur, IndicateurSaisie,
};
use alliances_domain::alliances::sante::{evaluer, Condition, Faits};
use alliances_domain::alliances::{
    valider_alliance, Alliance, AllianceSaisie, FonctionBackbone, Objectifs, RoleMembre,
    StatutAction,
};
use alliances_domain::annuaire::organisation::{date_iso, ligne, texte};
use alliances_domain::annuaire::ChampErreur;
use alliances_domain::comptes::Role;
use alliances_domain::dates;
use alliances_store::alliances::{
    self as store, Action, Entree, Fiche, FicheIndicateur, Membre, Valeur,
};
use alliances_store::{changes, memberships, organisations, StoreError};

use crate::comptes::CurrentUser;
use crate::{now, App, AppError};

/// The change-feed entity of alliances (the list index follows it).
pub const ENTITE: &str = "alliance";

#[derive(Debug, thiserror::Error)]
pub enum AllianceError {
    #[error("données invalides")]
    Invalide(Vec<ChampErreur>),
    #[error("alliance introuvable")]
    Introuvable,
    #[error("vous n'avez pas le droit de faire cela dans cette alliance")]
    Interdit,
    #[error("cette fiche a été modifiée entre-temps : rechargez-la et refaites vos changements")]
    Conflit,
    #[error("{0}")]
    Refus(String),
    /// The value looks implausible: the person confirms it or corrects it.
    #[error("{0}")]
    AConfirmer(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for AllianceError {
    fn from(e: StoreError) -> Self {
        AllianceError::App(AppError::Store(e))
    }
}

impl From<alliances_store::SqlxError> for AllianceError {
    fn from(e: alliances_store::SqlxError) -> Self {
        AllianceError::App(AppError::Store(StoreError::from(e)))
    }
}

fn invalide(champ: &'static str, message: impl Into<String>) -> AllianceError {
    AllianceError::Invalide(vec![ChampErreur::new(champ, message)])
}

/// Who the user is in an alliance.
#[derive(Debug, Clone, Default)]
pub struct Acteur {
    /// The user's organisations that are active members, with their role in the alliance.
    pub membres: Vec<(i64, RoleMembre)>,
    /// The user's organisations (any role in them) and whether they own them.
    pub organisations: Vec<(i64, bool)>,
    /// Admin or moderator.
    pub staff: bool,
}

impl Acteur {
    pub fn est_membre(&self) -> bool {
        !self.membres.is_empty() || self.staff
    }
    pub fn est_backbone(&self) -> bool {
        self.staff || self.membres.iter().any(|(_, r)| *r == RoleMembre::Backbone)
    }
    pub fn represente(&self, organisation: i64) -> bool {
        self.membres.iter().any(|(o, _)| *o == organisation)
    }
    pub fn possede(&self, organisation: i64) -> bool {
        self.staff
            || self
                .organisations
                .iter()
                .any(|(o, p)| *o == organisation && *p)
    }
}

/// An indicator with its values and freshness.
#[derive(Debug, Clone)]
pub struct IndicateurVue {
    pub fiche: FicheIndicateur,
    pub valeurs: Vec<Valeur>,
    pub fraicheur: Fraicheur,
}

/// Everything the alliance page shows (read with a constant number of queries).
#[derive(Debug, Clone)]
pub struct Vue {
    pub fiche: Fiche,
    /// Every membership, history included.
    pub membres: Vec<Membre>,
    /// Organisations that agreed to the current agenda version.
    pub accords: Vec<i64>,
    pub fonctions: Vec<(FonctionBackbone, Option<(i64, String)>)>,
    pub indicateurs: Vec<IndicateurVue>,
    pub actions: Vec<Action>,
    pub journal: Vec<Entree>,
    pub sante: Vec<Condition>,
    pub acteur: Acteur,
}

impl Vue {
    pub fn actifs(&self) -> impl Iterator<Item = &Membre> {
        self.membres.iter().filter(|m| m.etat == "acceptee")
    }
    pub fn nom_membre(&self, organisation: i64) -> Option<&str> {
        self.membres
            .iter()
            .find(|m| m.organisation_id == organisation)
            .map(|m| m.organisation_nom.as_str())
    }
}

/// What a form says about an action of the plan.
#[derive(Debug, Clone, Default)]
pub struct ActionSaisie {
    pub titre: String,
    pub description: String,
    pub porteur: Option<i64>,
    pub statut: String,
    pub date_debut: Option<String>,
    pub date_fin: Option<String>,
    pub indicateurs: Vec<i64>,
}

/// What a form says about a journal entry.
#[derive(Debug, Clone, Default)]
pub struct EntreeSaisie {
    pub date: String,
    pub titre: String,
    pub participants: String,
    pub decisions: String,
    pub liens: String,
}

/// A value as declared.
#[derive(Debug, Clone, Default)]
pub struct ValeurSaisie {
    pub organisation: i64,
    /// `2026-03`, `2026-T1`, `2026-S2`, `2026`, or a date inside the period.
    pub periode: String,
    pub valeur: String,
    pub ventilation: String,
    pub commentaire: String,
    /// The person confirmed a value flagged as implausible.
    pub confirmer: bool,
}

impl App {
    /// Who `user` is in alliance `id` (one query for their organisations, one for the members).
    pub async fn acteur_alliance(
        &self,
        user: Option<&CurrentUser>,
        id: i64,
    ) -> Result<Acteur, AllianceError> {
        let Some(u) = user else {
            return Ok(Acteur::default());
        };
        let orgs = memberships::of_user(&self.db, u.id).await?;
        let mut conn = self.db.pool().acquire().await?;
        let membres = store::membres(&mut conn, id).await?;
        Ok(acteur(u, &orgs, &membres))
    }

    /// The user's rights in an alliance, read inside a write transaction, with the alliance's
    /// memberships (every state).
    async fn acteur_en(
        &self,
        tx: &mut alliances_store::Tx,
        user: &CurrentUser,
        alliance: i64,
    ) -> Result<(Acteur, Vec<Membre>), AllianceError> {
        let tous = store::membres(tx, alliance).await?;
        let orgs = memberships::of_user(&self.db, user.id).await?;
        Ok((acteur(user, &orgs, &tous), tous))
    }

    /// Creates an alliance; `backbone` (an organisation the user belongs to) becomes its first
    /// member, with the backbone role.
    pub async fn creer_alliance(
        &self,
        user: &CurrentUser,
        saisie: &AllianceSaisie,
        backbone: i64,
    ) -> Result<i64, AllianceError> {
        let alliance = valider_alliance(saisie, &self.territoires().referentiel)
            .map_err(AllianceError::Invalide)?;
        let orgs = memberships::of_user(&self.db, user.id).await?;
        if !orgs.iter().any(|(o, _)| *o == backbone) {
            return Err(invalide("backbone", "choisissez une organisation dont vous êtes membre : elle sera la structure d'appui"));
        }
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert(&mut tx, &alliance, Some(user.id), false, t).await?;
        store::insert_membre(
            &mut tx,
            id,
            backbone,
            RoleMembre::Backbone.slug(),
            "acceptee",
            Some(user.id),
            t,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &id.to_string(), "upsert", t).await?;
        self.ecrire(tx).await?;
        self.refresh().await?;
        Ok(id)
    }

    /// Edits an alliance (backbone), if nobody saved in between.
    pub async fn modifier_alliance(
        &self,
        user: &CurrentUser,
        id: i64,
        version: i64,
        saisie: &AllianceSaisie,
    ) -> Result<(), AllianceError> {
        let alliance = valider_alliance(saisie, &self.territoires().referentiel)
            .map_err(AllianceError::Invalide)?;
        self.exiger_backbone(user, id).await?;
        let mut tx = self.db.begin_write().await?;
        if !store::update(&mut tx, id, version, &alliance, now()).await? {
            return Err(AllianceError::Conflit);
        }
        changes::append(&mut tx, ENTITE, &id.to_string(), "upsert", now()).await?;
        self.ecrire(tx).await?;
        self.refresh().await?;
        Ok(())
    }

    async fn exiger_backbone(&self, user: &CurrentUser, id: i64) -> Result<Acteur, AllianceError> {
        let a = self.acteur_alliance(Some(user), id).await?;
        if a.est_backbone() {
            Ok(a)
        } else {
            Err(AllianceError::Interdit)
        }
    }

    /// The alliance page: 9 queries whatever the alliance's size.
    pub async fn alliance(
        &self,
        reader: Option<&CurrentUser>,
        id: i64,
    ) -> Result<Vue, AllianceError> {
        let orgs = match reader {
            Some(u) => memberships::of_user(&self.db, u.id).await?,
            None => Vec::new(),
        };
        if let Some(v) = self.vues_alliances.get(id) {
            let qui = reader
                .map(|u| acteur(u, &orgs, &v.membres))
                .unwrap_or_default();
            if !v.fiche.alliance.publique && !qui.est_membre() {
                return Err(AllianceError::Introuvable);
            }
            let mut vue = (*v).clone();
            vue.acteur = qui;
            return Ok(vue);
        }
        let mut conn = self.db.pool().acquire().await?;
        let fiche = store::get(&mut conn, id)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let membres = store::membres(&mut conn, id).await?;
        let acteur = reader
            .map(|u| acteur(u, &orgs, &membres))
            .unwrap_or_default();
        if !fiche.alliance.publique && !acteur.est_membre() {
            return Err(AllianceError::Introuvable);
        }
        let accords: Vec<i64> = store::accords(&mut conn, id)
            .await?
            .into_iter()
            .filter(|(_, v, _)| *v == fiche.agenda_version)
            .map(|(o, _, _)| o)
            .collect();
        let tenues: HashMap<String, i64> =
            store::fonctions(&mut conn, id).await?.into_iter().collect();
        let fiches = store::indicateurs(&mut conn, id).await?;
        let valeurs = store::valeurs_de_l_alliance(&mut conn, id).await?;
        let actions = store::actions(&mut conn, id).await?;
        let journal = store::journal(&mut conn, id, 100).await?;
        drop(conn);
        let aujourdhui = dates::jour_de(now());
        let mut par_indicateur: HashMap<i64, Vec<Valeur>> = HashMap::new();
        for v in valeurs {
            par_indicateur.entry(v.indicateur_id).or_default().push(v);
        }
        let indicateurs: Vec<IndicateurVue> = fiches
            .into_iter()
            .map(|f| {
                let valeurs = par_indicateur.remove(&f.id).unwrap_or_default();
                let derniere = valeurs
                    .iter()
                    .filter(|v| v.etat != "rejetee")
                    .map(|v| v.periode_jour)
                    .max();
                let fr = fraicheur(
                    f.indicateur.periodicite,
                    derniere,
                    dates::jour_de(f.cree_le),
                    aujourdhui,
                );
                IndicateurVue {
                    fiche: f,
                    valeurs,
                    fraicheur: fr,
                }
            })
            .collect();
        let noms: HashMap<i64, String> = membres
            .iter()
            .map(|m| (m.organisation_id, m.organisation_nom.clone()))
            .collect();
        let fonctions = FonctionBackbone::ALL
            .iter()
            .map(|f| {
                (
                    *f,
                    tenues
                        .get(f.slug())
                        .map(|o| (*o, noms.get(o).cloned().unwrap_or_default())),
                )
            })
            .collect::<Vec<_>>();
        let actifs: Vec<&Membre> = membres.iter().filter(|m| m.etat == "acceptee").collect();
        let ouvertes: Vec<&Action> = actions
            .iter()
            .filter(|a| {
                a.statut == StatutAction::AFaire.slug() || a.statut == StatutAction::EnCours.slug()
            })
            .collect();
        let faits = Faits {
            membres: actifs.len(),
            agenda: fiche.agenda_version > 0,
            agenda_approuve_par: actifs
                .iter()
                .filter(|m| accords.contains(&m.organisation_id))
                .count(),
            indicateurs: indicateurs.len(),
            indicateurs_frais: indicateurs
                .iter()
                .filter(|i| matches!(i.fraicheur, Fraicheur::AJour | Fraicheur::Attendu))
                .count(),
            actions_ouvertes: ouvertes.len(),
            actions_avec_porteur: ouvertes
                .iter()
                .filter(|a| {
                    a.porteur
                        .is_some_and(|p| actifs.iter().any(|m| m.organisation_id == p))
                })
                .count(),
            jours_depuis_journal: journal
                .first()
                .and_then(|e| dates::depuis_iso(&e.date))
                .map(|d| (aujourdhui - d).max(0)),
            backbone: actifs.iter().any(|m| m.role == RoleMembre::Backbone.slug()),
            fonctions_tenues: fonctions
                .iter()
                .filter(|(_, o)| {
                    o.as_ref()
                        .is_some_and(|(o, _)| actifs.iter().any(|m| m.organisation_id == *o))
                })
                .count(),
        };
        let vue = Vue {
            sante: evaluer(&faits),
            fiche,
            membres,
            accords,
            fonctions,
            indicateurs,
            actions,
            journal,
            acteur: Acteur::default(),
        };
        self.vues_alliances
            .mettre(id, std::sync::Arc::new(vue.clone()));
        Ok(Vue { acteur, ..vue })
    }

    /// The backbone proposes an organisation of the annuaire as a member.
    pub async fn proposer_membre(
        &self,
        user: &CurrentUser,
        id: i64,
        organisation: i64,
        role: &str,
    ) -> Result<i64, AllianceError> {
        let role = RoleMembre::from_slug(role)
            .ok_or_else(|| invalide("role", format!("attendu : {}", RoleMembre::slugs())))?;
        self.exiger_backbone(user, id).await?;
        let mut tx = self.db.begin_write().await?;
        if organisations::get(&mut tx, organisation).await?.is_none() {
            return Err(invalide(
                "organisation",
                "organisation inconnue dans l'annuaire",
            ));
        }
        let deja = store::membres(&mut tx, id).await?;
        if deja.iter().any(|m| {
            m.organisation_id == organisation && (m.etat == "acceptee" || m.etat == "proposee")
        }) {
            return Err(invalide(
                "organisation",
                "cette organisation est déjà membre ou déjà sollicitée",
            ));
        }
        let mid = store::insert_membre(
            &mut tx,
            id,
            organisation,
            role.slug(),
            "proposee",
            Some(user.id),
            now(),
        )
        .await?;
        let alliance = store::get(&mut tx, id)
            .await?
            .map(|f| f.alliance.nom)
            .unwrap_or_default();
        let nom_org = organisations::get(&mut tx, organisation)
            .await?
            .map(|f| f.org.nom)
            .unwrap_or_default();
        self.notifier_proposition(
            &mut tx,
            &alliance,
            organisation,
            &nom_org,
            role,
            &self.url_publique(),
        )
        .await?;
        self.ecrire(tx).await?;
        Ok(mid)
    }

    /// The member organisation's owner accepts or declines a proposed membership.
    pub async fn repondre_membre(
        &self,
        user: &CurrentUser,
        membre: i64,
        accepter: bool,
    ) -> Result<(), AllianceError> {
        let mut tx = self.db.begin_write().await?;
        let m = store::membre_par_id(&mut tx, membre)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let orgs = memberships::of_user(&self.db, user.id).await?;
        let a = acteur(user, &orgs, &[]);
        if !a.possede(m.organisation_id) {
            return Err(AllianceError::Interdit);
        }
        let vers = if accepter { "acceptee" } else { "refusee" };
        if !store::changer_etat_membre(&mut tx, membre, "proposee", vers, Some(user.id), now())
            .await?
        {
            return Err(AllianceError::Refus(
                "cette proposition n'est plus en attente".into(),
            ));
        }
        changes::append(&mut tx, ENTITE, &m.alliance_id.to_string(), "upsert", now()).await?;
        self.ecrire(tx).await?;
        self.refresh().await?;
        Ok(())
    }

    /// A member leaves (its owner, or the backbone removes it). The last backbone cannot leave.
    pub async fn quitter_alliance(
        &self,
        user: &CurrentUser,
        membre: i64,
    ) -> Result<(), AllianceError> {
        let mut tx = self.db.begin_write().await?;
        let m = store::membre_par_id(&mut tx, membre)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let (a, tous) = self.acteur_en(&mut tx, user, m.alliance_id).await?;
        if !a.possede(m.organisation_id) && !a.est_backbone() {
            return Err(AllianceError::Interdit);
        }
        if m.etat != "acceptee" {
            return Err(AllianceError::Refus(
                "cette organisation n'est pas membre".into(),
            ));
        }
        let backbones = tous
            .iter()
            .filter(|x| x.etat == "acceptee" && x.role == RoleMembre::Backbone.slug())
            .count();
        if m.role == RoleMembre::Backbone.slug() && backbones <= 1 {
            return Err(AllianceError::Refus(
                "la dernière structure d'appui ne peut pas quitter l'alliance : confiez d'abord ce rôle à un autre membre".into(),
            ));
        }
        store::changer_etat_membre(&mut tx, membre, "acceptee", "partie", Some(user.id), now())
            .await?;
        changes::append(&mut tx, ENTITE, &m.alliance_id.to_string(), "upsert", now()).await?;
        self.ecrire(tx).await?;
        self.refresh().await?;
        Ok(())
    }

    /// The backbone changes a member's role.
    pub async fn changer_role_membre(
        &self,
        user: &CurrentUser,
        membre: i64,
        role: &str,
    ) -> Result<(), AllianceError> {
        let role = RoleMembre::from_slug(role)
            .ok_or_else(|| invalide("role", format!("attendu : {}", RoleMembre::slugs())))?;
        let mut tx = self.db.begin_write().await?;
        let m = store::membre_par_id(&mut tx, membre)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let (a, tous) = self.acteur_en(&mut tx, user, m.alliance_id).await?;
        if !a.est_backbone() {
            return Err(AllianceError::Interdit);
        }
        let backbones = tous
            .iter()
            .filter(|x| x.etat == "acceptee" && x.role == RoleMembre::Backbone.slug())
            .count();
        if m.role == RoleMembre::Backbone.slug() && role != RoleMembre::Backbone && backbones <= 1 {
            return Err(AllianceError::Refus(
                "l'alliance garde au moins une structure d'appui".into(),
            ));
        }
        store::set_role(&mut tx, membre, role.slug()).await?;
        self.ecrire(tx).await?;
        Ok(())
    }

    /// A member states its objectives on the four axes.
    pub async fn objectifs_membre(
        &self,
        user: &CurrentUser,
        membre: i64,
        o: &Objectifs,
    ) -> Result<(), AllianceError> {
        let o = o.valider().map_err(AllianceError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        let m = store::membre_par_id(&mut tx, membre)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let orgs = memberships::of_user(&self.db, user.id).await?;
        if !orgs.iter().any(|(x, _)| *x == m.organisation_id) {
            return Err(AllianceError::Interdit);
        }
        let json = serde_json::to_string(&o).map_err(|e| AppError::Internal(e.to_string()))?;
        store::set_objectifs(&mut tx, membre, &json).await?;
        self.ecrire(tx).await?;
        Ok(())
    }

    /// The backbone writes a new version of the common agenda (agreements are per version).
    pub async fn ecrire_agenda(
        &self,
        user: &CurrentUser,
        id: i64,
        vision: &str,
        objectifs: &str,
        theorie: &str,
    ) -> Result<i64, AllianceError> {
        let mut errs = Vec::new();
        let vision = texte("vision", vision, 5000, &mut errs).unwrap_or_default();
        let objectifs = texte("objectifs", objectifs, 5000, &mut errs).unwrap_or_default();
        let theorie = texte("theorie", theorie, 10_000, &mut errs).unwrap_or_default();
        if vision.is_empty() && !errs.iter().any(|e| e.champ == "vision") {
            errs.push(ChampErreur::new(
                "vision",
                "obligatoire : la vision partagée",
            ));
        }
        if !errs.is_empty() {
            return Err(AllianceError::Invalide(errs));
        }
        self.exiger_backbone(user, id).await?;
        let mut tx = self.db.begin_write().await?;
        let v = store::set_agenda(&mut tx, id, &vision, &objectifs, &theorie, now()).await?;
        self.ecrire(tx).await?;
        Ok(v)
    }

    /// A member organisation agrees to the current agenda version.
    pub async fn approuver_agenda(
        &self,
        user: &CurrentUser,
        id: i64,
        organisation: i64,
    ) -> Result<(), AllianceError> {
        let a = self.acteur_alliance(Some(user), id).await?;
        if !a.represente(organisation) {
            return Err(AllianceError::Interdit);
        }
        let mut tx = self.db.begin_write().await?;
        let fiche = store::get(&mut tx, id)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        if fiche.agenda_version == 0 {
            return Err(AllianceError::Refus(
                "aucun agenda commun n'est encore écrit".into(),
            ));
        }
        store::insert_accord(
            &mut tx,
            id,
            organisation,
            fiche.agenda_version,
            user.id,
            now(),
        )
        .await?;
        self.ecrire(tx).await?;
        Ok(())
    }

    /// The backbone gives a backbone function to an active member (or to nobody).
    pub async fn attribuer_fonction(
        &self,
        user: &CurrentUser,
        id: i64,
        fonction: &str,
        organisation: Option<i64>,
    ) -> Result<(), AllianceError> {
        let f = FonctionBackbone::from_slug(fonction).ok_or_else(|| {
            invalide(
                "fonction",
                format!("attendu : {}", FonctionBackbone::slugs()),
            )
        })?;
        self.exiger_backbone(user, id).await?;
        let mut tx = self.db.begin_write().await?;
        if let Some(o) = organisation {
            let tous = store::membres(&mut tx, id).await?;
            if !tous
                .iter()
                .any(|m| m.organisation_id == o && m.etat == "acceptee")
            {
                return Err(invalide(
                    "organisation",
                    "la fonction revient à une organisation membre",
                ));
            }
        }
        store::set_fonction(&mut tx, id, f.slug(), organisation).await?;
        self.ecrire(tx).await?;
        Ok(())
    }

    /// The backbone adds a shared indicator.
    pub async fn ajouter_indicateur(
        &self,
        user: &CurrentUser,
        id: i64,
        s: &IndicateurSaisie,
    ) -> Result<i64, AllianceError> {
        self.exiger_backbone(user, id).await?;
        let mut tx = self.db.begin_write().await?;
        let tous = store::membres(&mut tx, id).await?;
        let actifs: Vec<i64> = tous
            .iter()
            .filter(|m| m.etat == "acceptee")
            .map(|m| m.organisation_id)
            .collect();
        let i = valider_indicateur(s, &actifs).map_err(AllianceError::Invalide)?;
        let iid = store::insert_indicateur(&mut tx, id, &i, now()).await?;
        self.ecrire(tx).await?;
        Ok(iid)
    }

    /// A member declares the value of a period. Refused: a period not ended yet, a period
    /// already validated (closed), an organisation the user does not represent. An implausible
    /// value needs `confirmer`.
    pub async fn declarer_valeur(
        &self,
        user: &CurrentUser,
        indicateur: i64,
        s: &ValeurSaisie,
    ) -> Result<i64, AllianceError> {
        let mut tx = self.db.begin_write().await?;
        let f = store::indicateur_par_id(&mut tx, indicateur)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let (a, _) = self.acteur_en(&mut tx, user, f.alliance_id).await?;
        if !a.represente(s.organisation) {
            return Err(AllianceError::Interdit);
        }
        let p = f.indicateur.periodicite;
        let debut = p.lire(&s.periode).map_err(|m| invalide("periode", m))?;
        let aujourdhui = dates::jour_de(now());
        if p.suivante(debut) > aujourdhui + 1 {
            return Err(invalide(
                "periode",
                format!(
                    "la période {} n'est pas terminée : sa valeur se déclare à sa fin",
                    p.libelle(debut)
                ),
            ));
        }
        let valeur: f64 = s
            .valeur
            .trim()
            .replace(',', ".")
            .replace([' ', '\u{a0}', '\u{202f}'], "")
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| invalide("valeur", "un nombre est attendu (par exemple 12,5)"))?;
        let mut errs = Vec::new();
        let ventilation = ligne("ventilation", &s.ventilation, 200, &mut errs).unwrap_or_default();
        let commentaire = texte("commentaire", &s.commentaire, 2000, &mut errs).unwrap_or_default();
        if !errs.is_empty() {
            return Err(AllianceError::Invalide(errs));
        }
        let periode = dates::iso(debut);
        if let Some(v) =
            store::valeur_de_periode(&mut tx, indicateur, &periode, &ventilation).await?
        {
            if v.etat == "validee" {
                return Err(invalide(
                    "periode",
                    format!("la période {} est close : sa valeur a été validée par la structure d'appui", p.libelle(debut)),
                ));
            }
        }
        if !s.confirmer {
            let precedentes: Vec<f64> = store::valeurs_de_l_alliance(&mut tx, f.alliance_id)
                .await?
                .into_iter()
                .filter(|v| v.indicateur_id == indicateur && v.etat != "rejetee")
                .map(|v| v.valeur)
                .collect();
            if let Some(pourquoi) = invraisemblance(&f.indicateur, valeur, &precedentes) {
                return Err(AllianceError::AConfirmer(format!(
                    "Valeur inhabituelle : {pourquoi}. Confirmez-la ou corrigez-la."
                )));
            }
        }
        let vid = store::declarer(
            &mut tx,
            indicateur,
            &periode,
            debut,
            &ventilation,
            valeur,
            &commentaire,
            s.organisation,
            user.id,
            now(),
        )
        .await?;
        self.ecrire(tx).await?;
        Ok(vid)
    }

    /// The backbone validates or rejects a declared value.
    pub async fn statuer_valeur(
        &self,
        user: &CurrentUser,
        valeur: i64,
        valider: bool,
    ) -> Result<(), AllianceError> {
        let mut tx = self.db.begin_write().await?;
        let v = store::valeur_par_id(&mut tx, valeur)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let f = store::indicateur_par_id(&mut tx, v.indicateur_id)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let (a, _) = self.acteur_en(&mut tx, user, f.alliance_id).await?;
        if !a.est_backbone() {
            return Err(AllianceError::Interdit);
        }
        let etat = if valider { "validee" } else { "rejetee" };
        if !store::statuer_valeur(&mut tx, valeur, etat, user.id, now()).await? {
            return Err(AllianceError::Refus(
                "cette valeur n'est plus en attente de validation".into(),
            ));
        }
        self.ecrire(tx).await?;
        Ok(())
    }

    fn lire_action(
        &self,
        s: &ActionSaisie,
        actifs: &[i64],
        indicateurs: &[i64],
    ) -> Result<(String, String, Option<String>, Option<String>), AllianceError> {
        let mut errs = Vec::new();
        let titre = ligne("titre", &s.titre, 200, &mut errs);
        if titre.is_none() && !errs.iter().any(|e| e.champ == "titre") {
            errs.push(ChampErreur::new("titre", "obligatoire"));
        }
        let description = texte("description", &s.description, 5000, &mut errs).unwrap_or_default();
        if StatutAction::from_slug(s.statut.trim()).is_none() {
            errs.push(ChampErreur::new(
                "statut",
                format!("attendu : {}", StatutAction::slugs()),
            ));
        }
        if let Some(p) = s.porteur {
            if !actifs.contains(&p) {
                errs.push(ChampErreur::new(
                    "porteur",
                    "le porteur doit être une organisation membre",
                ));
            }
        }
        for i in &s.indicateurs {
            if !indicateurs.contains(i) {
                errs.push(ChampErreur::new(
                    "indicateurs",
                    "indicateur inconnu dans cette alliance",
                ));
            }
        }
        let date = |champ: &'static str, v: &Option<String>, errs: &mut Vec<ChampErreur>| {
            v.as_deref()
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .and_then(|x| {
                    date_iso(x)
                        .map_err(|m| errs.push(ChampErreur::new(champ, m)))
                        .ok()
                })
        };
        let debut = date("dateDebut", &s.date_debut, &mut errs);
        let fin = date("dateFin", &s.date_fin, &mut errs);
        if let (Some(d), Some(f)) = (&debut, &fin) {
            if f < d {
                errs.push(ChampErreur::new(
                    "dateFin",
                    format!("la fin ({f}) précède le début ({d})"),
                ));
            }
        }
        if errs.is_empty() {
            Ok((titre.unwrap_or_default(), description, debut, fin))
        } else {
            Err(AllianceError::Invalide(errs))
        }
    }

    /// The backbone adds an action to the plan.
    pub async fn ajouter_action(
        &self,
        user: &CurrentUser,
        id: i64,
        s: &ActionSaisie,
    ) -> Result<i64, AllianceError> {
        self.exiger_backbone(user, id).await?;
        let mut tx = self.db.begin_write().await?;
        let actifs: Vec<i64> = store::membres(&mut tx, id)
            .await?
            .iter()
            .filter(|m| m.etat == "acceptee")
            .map(|m| m.organisation_id)
            .collect();
        let inds: Vec<i64> = store::indicateurs(&mut tx, id)
            .await?
            .iter()
            .map(|i| i.id)
            .collect();
        let (titre, description, date_debut, date_fin) = self.lire_action(s, &actifs, &inds)?;
        let a = Action {
            id: 0,
            alliance_id: id,
            titre,
            description,
            porteur: s.porteur,
            statut: s.statut.trim().to_string(),
            date_debut,
            date_fin,
            indicateurs: s.indicateurs.clone(),
            version: 1,
        };
        let aid = store::insert_action(&mut tx, &a, now()).await?;
        self.ecrire(tx).await?;
        Ok(aid)
    }

    /// The backbone, or the owner member, updates an action — if nobody saved in between.
    pub async fn modifier_action(
        &self,
        user: &CurrentUser,
        action: i64,
        version: i64,
        s: &ActionSaisie,
    ) -> Result<(), AllianceError> {
        let mut tx = self.db.begin_write().await?;
        let ancienne = store::action_par_id(&mut tx, action)
            .await?
            .ok_or(AllianceError::Introuvable)?;
        let (a, tous) = self.acteur_en(&mut tx, user, ancienne.alliance_id).await?;
        if !a.est_backbone() && !ancienne.porteur.is_some_and(|p| a.represente(p)) {
            return Err(AllianceError::Interdit);
        }
        let actifs: Vec<i64> = tous
            .iter()
            .filter(|m| m.etat == "acceptee")
            .map(|m| m.organisation_id)
            .collect();
        let inds: Vec<i64> = store::indicateurs(&mut tx, ancienne.alliance_id)
            .await?
            .iter()
            .map(|i| i.id)
            .collect();
        let (titre, description, date_debut, date_fin) = self.lire_action(s, &actifs, &inds)?;
        let nouvelle = Action {
            titre,
            description,
            porteur: s.porteur,
            statut: s.statut.trim().to_string(),
            date_debut,
            date_fin,
            indicateurs: s.indicateurs.clone(),
            version,
            ..ancienne
        };
        if !store::update_action(&mut tx, &nouvelle, now()).await? {
            return Err(AllianceError::Conflit);
        }
        self.ecrire(tx).await?;
        Ok(())
    }

    /// A member writes a journal entry (a meeting, a decision).
    pub async fn ajouter_entree(
        &self,
        user: &CurrentUser,
        id: i64,
        s: &EntreeSaisie,
    ) -> Result<i64, AllianceError> {
        let a = self.acteur_alliance(Some(user), id).await?;
        if !a.est_membre() {
            return Err(AllianceError::Interdit);
        }
        let mut errs = Vec::new();
        let date = date_iso(&s.date)
            .map_err(|m| errs.push(ChampErreur::new("date", m)))
            .ok();
        if let Some(d) = &date {
            if dates::depuis_iso(d).is_some_and(|j| j > dates::jour_de(now()) + 1) {
                errs.push(ChampErreur::new(
                    "date",
                    "une réunion à venir s'inscrit après avoir eu lieu",
                ));
            }
        }
        let titre = ligne("titre", &s.titre, 200, &mut errs);
        if titre.is_none() && !errs.iter().any(|e| e.champ == "titre") {
            errs.push(ChampErreur::new("titre", "obligatoire"));
        }
        let participants =
            texte("participants", &s.participants, 2000, &mut errs).unwrap_or_default();
        let decisions = texte("decisions", &s.decisions, 10_000, &mut errs).unwrap_or_default();
        let liens = texte("liens", &s.liens, 2000, &mut errs).unwrap_or_default();
        if !errs.is_empty() {
            return Err(AllianceError::Invalide(errs));
        }
        let e = Entree {
            id: 0,
            alliance_id: id,
            date: date.unwrap_or_default(),
            titre: titre.unwrap_or_default(),
            participants,
            decisions,
            liens,
            cree_le: 0,
        };
        let mut tx = self.db.begin_write().await?;
        let eid = store::insert_entree(&mut tx, &e, user.id, now()).await?;
        self.ecrire(tx).await?;
        Ok(eid)
    }

    /// The alliances an organisation belongs to.
    pub async fn alliances_de_l_organisation(
        &self,
        organisation: i64,
    ) -> Result<Vec<(i64, String, String)>, AllianceError> {
        Ok(store::de_l_organisation(&self.db, organisation).await?)
    }

    /// A checked alliance's form back (for edit pages).
    pub fn saisie_alliance(a: &Alliance) -> AllianceSaisie {
        a.saisie()
    }
}

impl App {
    /// Commits a write of the alliances and empties the cache of computed pages: the one way
    /// their use cases end a write, so that no page outlives a change on this instance.
    async fn ecrire(&self, tx: alliances_store::Tx) -> Result<(), AllianceError> {
        tx.commit().await?;
        self.vues_alliances.vider();
        Ok(())
    }
}

fn acteur(u: &CurrentUser, orgs: &[(i64, String)], membres: &[Membre]) -> Acteur {
    let staff = u.roles.contains(&Role::Admin) || u.roles.contains(&Role::Moderateur);
    Acteur {
        membres: membres
            .iter()
            .filter(|m| m.etat == "acceptee" && orgs.iter().any(|(o, _)| *o == m.organisation_id))
            .filter_map(|m| RoleMembre::from_slug(&m.role).map(|r| (m.organisation_id, r)))
            .collect(),
        organisations: orgs
            .iter()
            .map(|(o, r)| (*o, r == "proprietaire"))
            .collect(),
        staff,
    }
}

// Read-only helpers for the web pages (organisation pages).
impl App {
    /// The alliances an organisation belongs to (accepted, not gone), with whether each is
    /// public: `(alliance id, name, role, public)`.
    pub async fn alliances_publiques_ou_non(
        &self,
        organisation: i64,
    ) -> Result<Vec<(i64, String, String, bool)>, AllianceError> {
        Ok(store::de_l_organisation_avec_visibilite(&self.db, organisation).await?)
    }

    /// The memberships proposed to an organisation and not answered yet:
    /// `(alliance id, membership id, alliance name, role)`.
    pub async fn propositions_de_l_organisation(
        &self,
        organisation: i64,
    ) -> Result<Vec<(i64, i64, String, String)>, AllianceError> {
        Ok(store::propositions(&self.db, organisation).await?)
    }
}
