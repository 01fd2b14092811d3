//! API tokens: created from the account page, shown once, stored hashed, scoped (read, or read
//! and write), revocable, with their last use. Cookie sessions never authorise the API.

use crate::comptes::{random_token, token_hash, CurrentUser};
use crate::{now, App, AppError};
use alliances_store::{audit, tokens};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Read,
    ReadWrite,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::ReadWrite => "read write",
        }
    }
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "read" | "lecture" => Some(Scope::Read),
            "read write" | "ecriture" => Some(Scope::ReadWrite),
            _ => None,
        }
    }
    pub fn allows_write(self) -> bool {
        self == Scope::ReadWrite
    }
}

/// Token values start with this, so that secret scanners and people recognise them.
pub const TOKEN_PREFIX: &str = "alliances_";
pub const TOKEN_NAME_MAX: usize = 80;

#[derive(Debug, thiserror::Error)]
pub enum TokenCreateError {
    #[error("le nom du jeton doit compter 1 à {TOKEN_NAME_MAX} caractères")]
    Name,
    #[error(transparent)]
    App(#[from] AppError),
}

/// The caller of an API request, from its bearer token.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub user: CurrentUser,
    pub token_id: i64,
    pub scope: Scope,
}

impl App {
    /// Creates a token and returns its id and value — the only time the value exists in clear.
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        scope: Scope,
    ) -> Result<(i64, String), TokenCreateError> {
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > TOKEN_NAME_MAX
            || name.chars().any(char::is_control)
        {
            return Err(TokenCreateError::Name);
        }
        let value = format!("{TOKEN_PREFIX}{}", random_token());
        let prefix: String = value.chars().take(TOKEN_PREFIX.len() + 6).collect();
        let t = now();
        let mut tx = self
            .db
            .pool()
            .begin()
            .await
            .map_err(|e| AppError::Store(e.into()))?;
        let id = tokens::insert(
            &mut tx,
            user_id,
            name,
            &token_hash(&value),
            &prefix,
            scope.as_str(),
            t,
        )
        .await
        .map_err(AppError::from)?;
        let after = serde_json::json!({"nom": name, "portee": scope.as_str(), "prefixe": prefix})
            .to_string();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(user_id),
                action: "jeton.creation",
                entity: "jeton-api",
                entity_id: &id.to_string(),
                organisation_id: None,
                before_json: None,
                after_json: Some(&after),
            },
            t,
        )
        .await
        .map_err(AppError::from)?;
        tx.commit().await.map_err(|e| AppError::Store(e.into()))?;
        Ok((id, value))
    }

    pub async fn api_tokens_of(&self, user_id: i64) -> Result<Vec<tokens::TokenRecord>, AppError> {
        Ok(tokens::of_user(&self.db, user_id).await?)
    }

    /// Revokes one of the user's own tokens; `false` when it is not theirs or already revoked.
    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<bool, AppError> {
        let t = now();
        let mut tx = self
            .db
            .pool()
            .begin()
            .await
            .map_err(|e| AppError::Store(e.into()))?;
        let done = tokens::revoke(&mut tx, token_id, user_id, t).await?;
        if done {
            audit::record(
                &mut tx,
                &audit::NewEntry {
                    actor_user_id: Some(user_id),
                    action: "jeton.revocation",
                    entity: "jeton-api",
                    entity_id: &token_id.to_string(),
                    organisation_id: None,
                    before_json: None,
                    after_json: None,
                },
                t,
            )
            .await?;
        }
        tx.commit().await.map_err(|e| AppError::Store(e.into()))?;
        Ok(done)
    }

    /// The caller of a bearer token, or `None` for an unknown or revoked one. Records the last
    /// use (at most once a minute).
    pub async fn api_caller(&self, bearer: &str) -> Result<Option<ApiCaller>, AppError> {
        if !bearer.starts_with(TOKEN_PREFIX) || bearer.len() > 200 {
            return Ok(None);
        }
        let Some(record) = tokens::live_by_hash(&self.db, &token_hash(bearer)).await? else {
            return Ok(None);
        };
        let Some(user) = self.current_user(record.user_id).await? else {
            return Ok(None);
        };
        let t = now();
        if record.last_used_at.is_none_or(|last| t - last >= 60) {
            tokens::touch(&self.db, record.id, t).await?;
        }
        Ok(Some(ApiCaller {
            user,
            token_id: record.id,
            scope: Scope::parse(&record.scopes).unwrap_or(Scope::Read),
        }))
    }
}
