//! The annuaire's use cases: create and edit organisations and their offers and needs (owners
//! and editors), read them (private contacts for members only), claim, report, review duplicates
//! and merge. Every write runs in one transaction with its audit entry and its change-feed row.

pub mod demo;
pub mod doublons;
pub mod export;
pub mod fraicheur;
pub mod generateur;
pub mod import;
pub mod index;
pub mod membres;
pub mod recherche;

use crate::comptes::CurrentUser;
use crate::politique::{can, can_on_organisation, Action, RoleOrganisation};
use crate::{now, App, AppError};
use alliances_domain::annuaire::{
    self, ChampErreur, OrganisationSaisie, Ressource, RessourceSaisie, FRAICHEUR_SECONDES,
};
use alliances_store::organisations::{self as store, Meta};
pub use alliances_store::organisations::{Fiche, FicheRessource};
use alliances_store::{audit, changes, memberships, moderation, Conn, StoreError};

/// The entity name used in the change feed and the audit log.
pub const ENTITE: &str = "organisation";
/// Change-feed entity of a batch of organisations written together (imports): the entity id is
/// the id range `first-last`, inclusive.
pub const ENTITE_LOT: &str = "organisations";
/// Our own records' licence.
pub const LICENCE_OUVERTE: &str = "Licence Ouverte 2.0 (Etalab)";

#[derive(Debug, thiserror::Error)]
pub enum AnnuaireError {
    #[error("données invalides")]
    Invalide(Vec<ChampErreur>),
    #[error("vous n'avez pas le droit de faire cela sur cette organisation")]
    Interdit,
    #[error("organisation introuvable")]
    Introuvable,
    #[error("cette fiche a été modifiée entre-temps : rechargez-la et refaites vos changements")]
    Conflit,
    #[error("{0}")]
    Refus(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for AnnuaireError {
    fn from(e: StoreError) -> Self {
        AnnuaireError::App(AppError::Store(e))
    }
}

impl From<alliances_store::SqlxError> for AnnuaireError {
    fn from(e: alliances_store::SqlxError) -> Self {
        AnnuaireError::App(AppError::Store(StoreError::from(e)))
    }
}

/// An organisation as a reader sees it.
#[derive(Debug, Clone)]
pub struct Vue {
    pub fiche: Fiche,
    pub ressources: Vec<FicheRessource>,
    /// The reader's role in the organisation.
    pub role: Option<RoleOrganisation>,
    /// Whether the reader may see private contacts and edit.
    pub peut_modifier: bool,
    pub peut_gerer: bool,
    /// Not verified for 12 months.
    pub perime: bool,
}

/// Whether a record verified at `verifie_le` is stale at `at`.
pub fn est_perime(verifie_le: i64, at: i64) -> bool {
    at - verifie_le > FRAICHEUR_SECONDES
}

fn json_org(f: &Fiche) -> String {
    let s = f.org.saisie();
    serde_json::to_string(&s).unwrap_or_default()
}

impl App {
    /// The role of `user` in organisation `id`.
    pub async fn role_in(
        &self,
        conn: &mut Conn,
        user: Option<&CurrentUser>,
        id: i64,
    ) -> Result<Option<RoleOrganisation>, AnnuaireError> {
        let Some(u) = user else { return Ok(None) };
        Ok(memberships::role_of(conn, u.id, id)
            .await?
            .as_deref()
            .and_then(RoleOrganisation::from_slug))
    }

    /// An organisation for a reader; private contacts are removed unless the reader may see them.
    /// A merged record answers with the id it was merged into (`Err(Ok(new_id))`-like: see
    /// [`Lecture`]).
    pub async fn organisation(
        &self,
        reader: Option<&CurrentUser>,
        id: i64,
    ) -> Result<Lecture, AnnuaireError> {
        let mut conn = self.db.pool().acquire().await?;
        let Some(mut fiche) = store::get(&mut conn, id).await? else {
            return Err(AnnuaireError::Introuvable);
        };
        if let Some(into) = fiche.meta.fusionnee_dans {
            return Ok(Lecture::Fusionnee(into));
        }
        let role = self.role_in(&mut conn, reader, id).await?;
        drop(conn);
        let peut_modifier = can_on_organisation(reader, role, Action::ModifierOrganisation);
        if !can_on_organisation(reader, role, Action::VoirContactsPrives) {
            fiche.org.contacts_prives = None;
        }
        let ressources = store::ressources_of(&self.db, &[id]).await?;
        Ok(Lecture::Vue(Box::new(Vue {
            perime: est_perime(fiche.meta.verifie_le, now()),
            peut_gerer: can_on_organisation(reader, role, Action::GererOrganisation),
            fiche,
            ressources,
            role,
            peut_modifier,
        })))
    }

    /// Creates an organisation typed on the platform; its creator becomes its owner. Returns the
    /// id and the likely duplicates queued for review (the creation is not blocked by them).
    pub async fn creer_organisation(
        &self,
        actor: &CurrentUser,
        saisie: &OrganisationSaisie,
    ) -> Result<(i64, Vec<i64>), AnnuaireError> {
        if !can(Some(actor), Action::CreerOrganisation) {
            return Err(AnnuaireError::Interdit);
        }
        let org = annuaire::valider(saisie, &self.territoires().referentiel)
            .map_err(AnnuaireError::Invalide)?;
        let at = now();
        let mut tx = self.db.begin_write().await?;
        self.identifiants_libres(&mut tx, &org, None).await?;
        let meta = Meta {
            source: "saisie".into(),
            licence: LICENCE_OUVERTE.into(),
            lot_id: None,
            verifie_le: at,
            rappel_le: None,
            cree_le: at,
            modifie_le: at,
            version: 1,
            demo: false,
            fusionnee_dans: None,
        };
        let id = store::insert(&mut tx, &org, &meta).await?;
        memberships::add(
            &mut tx,
            actor.id,
            id,
            RoleOrganisation::Proprietaire.slug(),
            at,
        )
        .await?;
        let doublons = doublons::detecter(&mut tx, id, &org, at).await?;
        let after = serde_json::to_string(saisie).unwrap_or_default();
        let id_s = id.to_string();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action: "organisation.creation",
                entity: ENTITE,
                entity_id: &id_s,
                organisation_id: Some(id),
                before_json: None,
                after_json: Some(&after),
            },
            at,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &id_s, "upsert", at).await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok((id, doublons))
    }

    /// Refuses identifiers already carried by another organisation (same identifier = same
    /// organisation: the user should claim it instead).
    async fn identifiants_libres(
        &self,
        conn: &mut Conn,
        org: &annuaire::Organisation,
        except: Option<i64>,
    ) -> Result<(), AnnuaireError> {
        let mut errs = Vec::new();
        if let Some(rna) = &org.rna {
            if let Some(other) = store::id_by_rna(conn, rna.as_str()).await? {
                if Some(other) != except {
                    errs.push(ChampErreur::new(
                        "rna",
                        format!("le RNA {rna} est déjà celui de l'organisation n° {other} : revendiquez-la plutôt que d'en créer une autre"),
                    ));
                }
            }
        }
        if let Some(siret) = &org.siret {
            if let Some(other) = store::id_by_siret(conn, siret.as_str()).await? {
                if Some(other) != except {
                    errs.push(ChampErreur::new(
                        "siret",
                        format!("le SIRET {siret} est déjà celui de l'organisation n° {other} : revendiquez-la plutôt que d'en créer une autre"),
                    ));
                }
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(AnnuaireError::Invalide(errs))
        }
    }

    /// Replaces an organisation's profile (owner, editor, moderator). `version` is the one the
    /// editor read: a concurrent change gives [`AnnuaireError::Conflit`], never a lost update.
    pub async fn modifier_organisation(
        &self,
        actor: &CurrentUser,
        id: i64,
        version: i64,
        saisie: &OrganisationSaisie,
    ) -> Result<(), AnnuaireError> {
        let mut tx = self.db.begin_write().await?;
        let before = store::get(&mut tx, id)
            .await?
            .filter(|f| f.meta.fusionnee_dans.is_none())
            .ok_or(AnnuaireError::Introuvable)?;
        let role = self.role_in(&mut tx, Some(actor), id).await?;
        if !can_on_organisation(Some(actor), role, Action::ModifierOrganisation) {
            return Err(AnnuaireError::Interdit);
        }
        let mut saisie = saisie.clone();
        // Private contacts are kept when the form did not carry them.
        if saisie.contacts_prives.is_none() {
            saisie.contacts_prives = before.org.contacts_prives.clone();
        }
        let org = annuaire::valider(&saisie, &self.territoires().referentiel)
            .map_err(AnnuaireError::Invalide)?;
        self.identifiants_libres(&mut tx, &org, Some(id)).await?;
        let at = now();
        if !store::update(&mut tx, id, version, &org, at, at).await? {
            return Err(AnnuaireError::Conflit);
        }
        let id_s = id.to_string();
        let (b, a) = (
            json_org(&before),
            serde_json::to_string(&saisie).unwrap_or_default(),
        );
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action: "organisation.modification",
                entity: ENTITE,
                entity_id: &id_s,
                organisation_id: Some(id),
                before_json: Some(&b),
                after_json: Some(&a),
            },
            at,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &id_s, "upsert", at).await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok(())
    }

    /// Confirms the record is still accurate (resets its freshness).
    pub async fn confirmer_organisation(
        &self,
        actor: &CurrentUser,
        id: i64,
    ) -> Result<(), AnnuaireError> {
        let mut tx = self.db.begin_write().await?;
        store::get(&mut tx, id)
            .await?
            .ok_or(AnnuaireError::Introuvable)?;
        let role = self.role_in(&mut tx, Some(actor), id).await?;
        if !can_on_organisation(Some(actor), role, Action::ModifierOrganisation) {
            return Err(AnnuaireError::Interdit);
        }
        let at = now();
        store::mark_verified(&mut tx, id, at).await?;
        let id_s = id.to_string();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action: "organisation.confirmation",
                entity: ENTITE,
                entity_id: &id_s,
                organisation_id: Some(id),
                before_json: None,
                after_json: None,
            },
            at,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &id_s, "upsert", at).await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok(())
    }

    /// Adds (`ressource_id` None) or replaces an offer or a need.
    pub async fn enregistrer_ressource(
        &self,
        actor: &CurrentUser,
        organisation_id: i64,
        ressource_id: Option<i64>,
        saisie: &RessourceSaisie,
    ) -> Result<i64, AnnuaireError> {
        let r: Ressource = annuaire::valider_ressource(saisie, &self.territoires().referentiel)
            .map_err(AnnuaireError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        store::get(&mut tx, organisation_id)
            .await?
            .filter(|f| f.meta.fusionnee_dans.is_none())
            .ok_or(AnnuaireError::Introuvable)?;
        let role = self.role_in(&mut tx, Some(actor), organisation_id).await?;
        if !can_on_organisation(Some(actor), role, Action::ModifierOrganisation) {
            return Err(AnnuaireError::Interdit);
        }
        let at = now();
        let (id, action) = match ressource_id {
            None => (
                store::insert_ressource(&mut tx, organisation_id, &r, at).await?,
                "ressource.creation",
            ),
            Some(rid) => {
                let existing = store::get_ressource(&mut tx, rid).await?;
                // A resource of another organisation is "not found" here (no IDOR).
                if existing.map(|e| e.organisation_id) != Some(organisation_id) {
                    return Err(AnnuaireError::Introuvable);
                }
                store::update_ressource(&mut tx, rid, &r, at).await?;
                (rid, "ressource.modification")
            }
        };
        let after = serde_json::to_string(saisie).unwrap_or_default();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action,
                entity: "ressource",
                entity_id: &id.to_string(),
                organisation_id: Some(organisation_id),
                before_json: None,
                after_json: Some(&after),
            },
            at,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &organisation_id.to_string(), "upsert", at).await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok(id)
    }

    pub async fn supprimer_ressource(
        &self,
        actor: &CurrentUser,
        organisation_id: i64,
        ressource_id: i64,
    ) -> Result<(), AnnuaireError> {
        let mut tx = self.db.begin_write().await?;
        let role = self.role_in(&mut tx, Some(actor), organisation_id).await?;
        if !can_on_organisation(Some(actor), role, Action::ModifierOrganisation) {
            return Err(AnnuaireError::Interdit);
        }
        let existing = store::get_ressource(&mut tx, ressource_id).await?;
        if existing.as_ref().map(|e| e.organisation_id) != Some(organisation_id) {
            return Err(AnnuaireError::Introuvable);
        }
        store::delete_ressource(&mut tx, ressource_id).await?;
        let at = now();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action: "ressource.suppression",
                entity: "ressource",
                entity_id: &ressource_id.to_string(),
                organisation_id: Some(organisation_id),
                before_json: None,
                after_json: None,
            },
            at,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &organisation_id.to_string(), "upsert", at).await?;
        tx.commit().await?;
        self.refresh().await?;
        Ok(())
    }

    /// Asks to manage an organisation (typically an imported one); moderators decide.
    pub async fn revendiquer(
        &self,
        actor: &CurrentUser,
        organisation_id: i64,
        message: &str,
    ) -> Result<i64, AnnuaireError> {
        let mut errs = Vec::new();
        let message = annuaire::organisation::texte("message", message, 2000, &mut errs);
        let Some(message) = message.filter(|_| errs.is_empty()) else {
            if errs.is_empty() {
                errs.push(ChampErreur::new(
                    "message",
                    "dites qui vous êtes et votre lien avec l'organisation",
                ));
            }
            return Err(AnnuaireError::Invalide(errs));
        };
        let mut tx = self.db.begin_write().await?;
        store::get(&mut tx, organisation_id)
            .await?
            .filter(|f| f.meta.fusionnee_dans.is_none())
            .ok_or(AnnuaireError::Introuvable)?;
        let role = self.role_in(&mut tx, Some(actor), organisation_id).await?;
        if !can_on_organisation(Some(actor), role, Action::Revendiquer) {
            return Err(AnnuaireError::Interdit);
        }
        if moderation::pending_revendication(&mut tx, organisation_id, actor.id).await? {
            return Err(AnnuaireError::Refus(
                "vous avez déjà une demande en attente pour cette organisation".into(),
            ));
        }
        let at = now();
        let id =
            moderation::add_revendication(&mut tx, organisation_id, actor.id, &message, at).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A moderator accepts (the claimant becomes owner) or refuses a claim.
    pub async fn decider_revendication(
        &self,
        actor: &CurrentUser,
        id: i64,
        accepter: bool,
    ) -> Result<(), AnnuaireError> {
        if !can(Some(actor), Action::Moderer) {
            return Err(AnnuaireError::Interdit);
        }
        let mut tx = self.db.begin_write().await?;
        let r = moderation::get_revendication(&mut tx, id)
            .await?
            .ok_or(AnnuaireError::Introuvable)?;
        let at = now();
        let etat = if accepter { "acceptee" } else { "refusee" };
        if !moderation::close_revendication(&mut tx, id, etat, actor.id, at).await? {
            return Err(AnnuaireError::Refus(
                "cette demande a déjà été traitée".into(),
            ));
        }
        if accepter {
            memberships::add(
                &mut tx,
                r.user_id,
                r.organisation_id,
                RoleOrganisation::Proprietaire.slug(),
                at,
            )
            .await?;
        }
        let detail = serde_json::json!({"utilisateur": r.user_id, "decision": etat}).to_string();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action: "organisation.revendication",
                entity: ENTITE,
                entity_id: &r.organisation_id.to_string(),
                organisation_id: Some(r.organisation_id),
                before_json: None,
                after_json: Some(&detail),
            },
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reports content to the moderators (anyone, even anonymous; rate-limited at the edge).
    pub async fn signaler(
        &self,
        actor: Option<&CurrentUser>,
        entity: &str,
        entity_id: &str,
        motif: &str,
        message: &str,
    ) -> Result<i64, AnnuaireError> {
        const MOTIFS: &[&str] = &[
            "inexact",
            "doublon",
            "inapproprie",
            "donnees-personnelles",
            "autre",
        ];
        let mut errs = Vec::new();
        if !MOTIFS.contains(&motif) {
            errs.push(ChampErreur::new(
                "motif",
                format!("motif inconnu ; attendu : {}", MOTIFS.join(", ")),
            ));
        }
        let message =
            annuaire::organisation::texte("message", message, 2000, &mut errs).unwrap_or_default();
        if !errs.is_empty() {
            return Err(AnnuaireError::Invalide(errs));
        }
        let mut tx = self.db.begin_write().await?;
        let id = moderation::add_signalement(
            &mut tx,
            entity,
            entity_id,
            motif,
            &message,
            actor.map(|a| a.id),
            now(),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

impl App {
    /// Stored organisations by id, in the order given (search results): the public fields only.
    pub async fn fiches_publiques(&self, ids: &[i64]) -> Result<Vec<Fiche>, AnnuaireError> {
        let mut fiches = store::get_many(&self.db, ids).await?;
        for f in &mut fiches {
            f.org.contacts_prives = None;
        }
        Ok(fiches)
    }
}

/// Reading an organisation: its view, or where a merged record now lives.
#[derive(Debug, Clone)]
pub enum Lecture {
    Vue(Box<Vue>),
    Fusionnee(i64),
}
