//! Who manages an organisation: its members (owners, editors), invitations by e-mail, and the
//! organisation's own audit trail that its owners read.

use super::{AnnuaireError, ENTITE};
use crate::comptes::{queue_email, random_token, token_hash, CurrentUser, OutgoingEmail, EN};
use crate::politique::{can_on_organisation, Action, RoleOrganisation};
use crate::{now, App};
use alliances_domain::annuaire::ChampErreur;
use alliances_domain::comptes::Email;
use alliances_store::audit::{self, AuditEntry};
use alliances_store::invitations::{self, Invitation};
use alliances_store::{jobs, memberships, organisations as store};

/// An invitation is valid for a week.
pub const INVITATION_TTL_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone)]
pub struct Membre {
    pub user_id: i64,
    pub email: String,
    pub nom: String,
    pub role: RoleOrganisation,
}

/// The members page: members, pending invitations (their e-mail and role).
#[derive(Debug, Clone)]
pub struct Equipe {
    pub nom: String,
    pub membres: Vec<Membre>,
    pub invitations: Vec<(String, String, i64)>,
}

/// What the invitation link shows before it is accepted.
#[derive(Debug, Clone)]
pub struct InvitationVue {
    pub organisation_id: i64,
    pub organisation: String,
    pub email: String,
    pub role: RoleOrganisation,
}

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("lien d'invitation {0}")]
    Refusee(&'static str),
    #[error("cette invitation est adressée à {0} : connectez-vous avec ce compte")]
    AutreCompte(String),
    #[error(transparent)]
    Annuaire(#[from] AnnuaireError),
}

impl App {
    async fn exiger(
        &self,
        actor: &CurrentUser,
        id: i64,
        action: Action,
    ) -> Result<String, AnnuaireError> {
        let mut conn = self.db.pool().acquire().await?;
        let fiche = store::get(&mut conn, id)
            .await?
            .filter(|f| f.meta.fusionnee_dans.is_none())
            .ok_or(AnnuaireError::Introuvable)?;
        let role = self.role_in(&mut conn, Some(actor), id).await?;
        if !can_on_organisation(Some(actor), role, action) {
            return Err(AnnuaireError::Interdit);
        }
        Ok(fiche.org.nom)
    }

    /// Members and pending invitations (owners and admins).
    pub async fn equipe(&self, actor: &CurrentUser, id: i64) -> Result<Equipe, AnnuaireError> {
        let nom = self.exiger(actor, id, Action::GererOrganisation).await?;
        let membres = memberships::members_of(&self.db, id)
            .await?
            .into_iter()
            .filter_map(|(user_id, email, nom, role)| {
                Some(Membre {
                    user_id,
                    email,
                    nom,
                    role: RoleOrganisation::from_slug(&role)?,
                })
            })
            .collect();
        let invitations = invitations::pending(&self.db, id, now())
            .await?
            .into_iter()
            .map(|i| (i.email, i.role, i.expire_le))
            .collect();
        Ok(Equipe {
            nom,
            membres,
            invitations,
        })
    }

    /// Invites `email` to join organisation `id` as `role`: an e-mail with a one-week link.
    pub async fn inviter(
        &self,
        actor: &CurrentUser,
        id: i64,
        email: &str,
        role: &str,
        link_base: &str,
    ) -> Result<(), AnnuaireError> {
        let nom = self.exiger(actor, id, Action::GererOrganisation).await?;
        let mut errs = Vec::new();
        let email = match Email::parse(email) {
            Ok(e) => Some(e),
            Err(e) => {
                errs.push(ChampErreur::new("email", e.to_string()));
                None
            }
        };
        let role = RoleOrganisation::from_slug(role);
        if role.is_none() {
            errs.push(ChampErreur::new(
                "role",
                "attendu : proprietaire ou editeur",
            ));
        }
        let (Some(email), Some(role)) = (email, role) else {
            return Err(AnnuaireError::Invalide(errs));
        };
        let token = random_token();
        let at = now();
        let mail = OutgoingEmail {
            to: email.as_str().to_string(),
            subject: format!("Alliances : invitation à rejoindre « {nom} »"),
            body: format!(
                "Bonjour,\n\n{} vous invite à gérer la fiche de « {nom} » sur Alliances, comme {}.\nPour accepter, ouvrez ce lien dans les 7 jours (connectez-vous ou créez un compte avec cette adresse) :\n{}/invitations/{token}\n\nSi vous ne connaissez pas cette organisation, ignorez ce message.{EN}{} invites you to manage the record of \"{nom}\" on Alliances, as {}.\nTo accept, open this link within 7 days (log in or sign up with this address):\n{}/invitations/{token}\n",
                actor.name,
                role.label_fr(),
                link_base.trim_end_matches('/'),
                actor.name,
                if role == RoleOrganisation::Proprietaire { "owner" } else { "editor" },
                link_base.trim_end_matches('/'),
            ),
        };
        let mut tx = self.db.begin_write().await?;
        invitations::insert(
            &mut tx,
            &Invitation {
                token_hash: token_hash(&token),
                organisation_id: id,
                email: email.as_str().to_string(),
                role: role.slug().into(),
                invite_par: Some(actor.id),
                cree_le: at,
                expire_le: at + INVITATION_TTL_SECS,
                acceptee_le: None,
            },
        )
        .await?;
        jobs::enqueue(&mut tx, "email", &queue_email(&mail)?, at, 5, at).await?;
        let detail = serde_json::json!({"email": email.as_str(), "role": role.slug()}).to_string();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action: "organisation.invitation",
                entity: ENTITE,
                entity_id: &id.to_string(),
                organisation_id: Some(id),
                before_json: None,
                after_json: Some(&detail),
            },
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What an invitation link is about, or why it no longer works.
    pub async fn invitation(&self, token: &str) -> Result<InvitationVue, InvitationError> {
        let mut conn = self
            .db
            .pool()
            .acquire()
            .await
            .map_err(AnnuaireError::from)?;
        let i = invitations::get(&mut conn, &token_hash(token))
            .await
            .map_err(AnnuaireError::from)?
            .ok_or(InvitationError::Refusee("inconnu"))?;
        if i.acceptee_le.is_some() {
            return Err(InvitationError::Refusee("déjà utilisé"));
        }
        if i.expire_le <= now() {
            return Err(InvitationError::Refusee("expiré"));
        }
        let fiche = store::get(&mut conn, i.organisation_id)
            .await
            .map_err(AnnuaireError::from)?
            .ok_or(InvitationError::Refusee(
                "sans objet : l'organisation n'existe plus",
            ))?;
        Ok(InvitationVue {
            organisation_id: i.organisation_id,
            organisation: fiche.org.nom,
            email: i.email,
            role: RoleOrganisation::from_slug(&i.role).unwrap_or(RoleOrganisation::Editeur),
        })
    }

    /// Accepts an invitation: the logged-in user, with the invited address, becomes a member.
    pub async fn accepter_invitation(
        &self,
        actor: &CurrentUser,
        token: &str,
    ) -> Result<i64, InvitationError> {
        let vue = self.invitation(token).await?;
        if vue.email != actor.email {
            return Err(InvitationError::AutreCompte(vue.email));
        }
        let at = now();
        let mut tx = self.db.begin_write().await.map_err(AnnuaireError::from)?;
        if !invitations::accept(&mut tx, &token_hash(token), actor.id, at)
            .await
            .map_err(AnnuaireError::from)?
        {
            return Err(InvitationError::Refusee("déjà utilisé"));
        }
        // An owner invited as editor keeps ownership.
        let current = memberships::role_of(&mut tx, actor.id, vue.organisation_id)
            .await
            .map_err(AnnuaireError::from)?;
        if current.as_deref() != Some(RoleOrganisation::Proprietaire.slug()) {
            memberships::add(&mut tx, actor.id, vue.organisation_id, vue.role.slug(), at)
                .await
                .map_err(AnnuaireError::from)?;
        }
        let detail =
            serde_json::json!({"utilisateur": actor.id, "role": vue.role.slug()}).to_string();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action: "organisation.membre.ajout",
                entity: ENTITE,
                entity_id: &vue.organisation_id.to_string(),
                organisation_id: Some(vue.organisation_id),
                before_json: None,
                after_json: Some(&detail),
            },
            at,
        )
        .await
        .map_err(AnnuaireError::from)?;
        tx.commit().await.map_err(AnnuaireError::from)?;
        Ok(vue.organisation_id)
    }

    /// Removes a member (owners and admins); the last owner cannot be removed.
    pub async fn retirer_membre(
        &self,
        actor: &CurrentUser,
        id: i64,
        user_id: i64,
    ) -> Result<(), AnnuaireError> {
        self.exiger(actor, id, Action::GererOrganisation).await?;
        let at = now();
        let mut tx = self.db.begin_write().await?;
        let role = memberships::role_of(&mut tx, user_id, id)
            .await?
            .ok_or(AnnuaireError::Introuvable)?;
        if role == RoleOrganisation::Proprietaire.slug()
            && memberships::owners_of(&mut tx, id).await?.len() <= 1
        {
            return Err(AnnuaireError::Refus(
                "c'est le dernier propriétaire : nommez d'abord un autre propriétaire".into(),
            ));
        }
        memberships::remove(&mut tx, user_id, id).await?;
        let detail = serde_json::json!({"utilisateur": user_id, "role": role}).to_string();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(actor.id),
                action: "organisation.membre.retrait",
                entity: ENTITE,
                entity_id: &id.to_string(),
                organisation_id: Some(id),
                before_json: Some(&detail),
                after_json: None,
            },
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's audit trail (owners and admins).
    pub async fn journal_organisation(
        &self,
        actor: &CurrentUser,
        id: i64,
    ) -> Result<(String, Vec<AuditEntry>), AnnuaireError> {
        let nom = self.exiger(actor, id, Action::GererOrganisation).await?;
        Ok((nom, audit::of_organisation(&self.db, id, 200).await?))
    }

    /// The organisations a user belongs to: (id, name, role).
    pub async fn mes_organisations(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(i64, String, RoleOrganisation)>, AnnuaireError> {
        let mut out = Vec::new();
        let pairs = memberships::of_user(&self.db, user.id).await?;
        let ids: Vec<i64> = pairs.iter().map(|(id, _)| *id).collect();
        let fiches = store::get_many(&self.db, &ids).await?;
        let roles: std::collections::HashMap<i64, &str> =
            pairs.iter().map(|(id, r)| (*id, r.as_str())).collect();
        for f in fiches.iter().filter(|f| f.meta.fusionnee_dans.is_none()) {
            if let Some(r) = roles
                .get(&f.id)
                .and_then(|r| RoleOrganisation::from_slug(r))
            {
                out.push((f.id, f.org.nom.clone(), r));
            }
        }
        Ok(out)
    }
}
