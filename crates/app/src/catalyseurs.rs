//! Catalyseurs territoriaux: the per-territory role that moderators grant (a local authority, a
//! foundation or a network that facilitates alliances on its territory).

use crate::comptes::CurrentUser;
use crate::politique::{can, Action};
use crate::{now, App, AppError};
use alliances_domain::comptes::Email;
use alliances_domain::territoires::Niveau;
use alliances_store::{audit, territorial_roles, users};

pub const CATALYSEUR: &str = "catalyseur";

#[derive(Debug, thiserror::Error)]
pub enum CatalyseurError {
    #[error("seuls les modérateurs et administrateurs attribuent ce rôle")]
    Forbidden,
    #[error("aucun compte n'a cette adresse e-mail")]
    UnknownUser,
    #[error("territoire inconnu : {0}")]
    UnknownTerritory(String),
    #[error(transparent)]
    App(#[from] AppError),
}

/// A catalyseur with the territory's name, for lists.
#[derive(Debug, Clone)]
pub struct CatalyseurView {
    pub user_id: i64,
    pub email: String,
    pub niveau: Niveau,
    pub code: String,
    pub territoire: String,
}

impl App {
    /// Grants (or withdraws) the catalyseur role of a territory to the account with `email`.
    pub async fn set_catalyseur(
        &self,
        actor: &CurrentUser,
        email: &str,
        niveau: Niveau,
        code: &str,
        grant: bool,
    ) -> Result<bool, CatalyseurError> {
        if !can(Some(actor), Action::Moderer) {
            return Err(CatalyseurError::Forbidden);
        }
        let code = code.trim().to_ascii_uppercase();
        let territoires = self.territoires();
        let t = territoires.referentiel.find(niveau, &code).ok_or_else(|| {
            CatalyseurError::UnknownTerritory(format!("{} {code}", niveau.slug()))
        })?;
        let name = territoires.referentiel.nom(t).to_string();
        let email = Email::parse(email).map_err(|_| CatalyseurError::UnknownUser)?;
        let user = users::by_email(&self.db, email.as_str())
            .await
            .map_err(AppError::from)?
            .ok_or(CatalyseurError::UnknownUser)?;
        let at = now();
        let mut tx = self
            .db
            .pool()
            .begin()
            .await
            .map_err(|e| AppError::Store(e.into()))?;
        let changed = if grant {
            let role = territorial_roles::TerritorialRole {
                user_id: user.id,
                niveau: niveau.slug().into(),
                code: code.clone(),
                role: CATALYSEUR.into(),
                granted_by: Some(actor.id),
                granted_at: at,
            };
            territorial_roles::grant(&mut tx, &role).await
        } else {
            territorial_roles::withdraw(&mut tx, user.id, niveau.slug(), &code, CATALYSEUR).await
        }
        .map_err(AppError::from)?;
        if changed {
            let detail = serde_json::json!({"role": CATALYSEUR, "niveau": niveau.slug(), "code": code, "territoire": name}).to_string();
            let (action, before, after) = if grant {
                ("catalyseur.attribution", None, Some(detail.as_str()))
            } else {
                ("catalyseur.retrait", Some(detail.as_str()), None)
            };
            audit::record(
                &mut tx,
                &audit::NewEntry {
                    actor_user_id: Some(actor.id),
                    action,
                    entity: "utilisateur",
                    entity_id: &user.id.to_string(),
                    organisation_id: None,
                    before_json: before,
                    after_json: after,
                },
                at,
            )
            .await
            .map_err(AppError::from)?;
        }
        tx.commit().await.map_err(|e| AppError::Store(e.into()))?;
        Ok(changed)
    }

    fn view(&self, r: territorial_roles::TerritorialRole, email: String) -> Option<CatalyseurView> {
        let niveau = Niveau::from_slug(&r.niveau)?;
        let territoires = self.territoires();
        let territoire = territoires
            .referentiel
            .find(niveau, &r.code)
            .map(|t| territoires.referentiel.nom(t).to_string())
            .unwrap_or_else(|| r.code.clone());
        Some(CatalyseurView {
            user_id: r.user_id,
            email,
            niveau,
            code: r.code,
            territoire,
        })
    }

    /// The territories a user is catalyseur of.
    pub async fn catalyseur_of(&self, user: &CurrentUser) -> Result<Vec<CatalyseurView>, AppError> {
        Ok(territorial_roles::of_user(&self.db, user.id)
            .await?
            .into_iter()
            .filter(|r| r.role == CATALYSEUR)
            .filter_map(|r| self.view(r, user.email.clone()))
            .collect())
    }

    /// Every catalyseur, newest first (moderators).
    pub async fn catalyseurs(
        &self,
        actor: Option<&CurrentUser>,
    ) -> Result<Vec<CatalyseurView>, CatalyseurError> {
        if !can(actor, Action::Moderer) {
            return Err(CatalyseurError::Forbidden);
        }
        let rows = territorial_roles::all_with_email(&self.db, 500)
            .await
            .map_err(AppError::from)?;
        Ok(rows
            .into_iter()
            .filter(|(r, _)| r.role == CATALYSEUR)
            .filter_map(|(r, email)| self.view(r, email))
            .collect())
    }
}

impl App {
    /// Whether the user is catalyseur of the territory or of one of its ancestors.
    pub async fn est_catalyseur_de(
        &self,
        user: &CurrentUser,
        niveau: Niveau,
        code: &str,
    ) -> Result<bool, AppError> {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let Some(t) = r.find(niveau, code) else {
            return Ok(false);
        };
        let mut couverts: Vec<(String, String)> = r
            .ancestors(t)
            .into_iter()
            .map(|a| (a.niveau.slug().to_string(), r.code(a).to_string()))
            .collect();
        couverts.push((niveau.slug().to_string(), code.to_string()));
        Ok(territorial_roles::of_user(&self.db, user.id)
            .await?
            .iter()
            .any(|role| {
                role.role == crate::catalyseurs::CATALYSEUR
                    && couverts.contains(&(role.niveau.clone(), role.code.clone()))
            }))
    }
}
