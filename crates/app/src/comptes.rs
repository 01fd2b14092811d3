//! Accounts: sign-up with e-mail verification, authentication, sessions stored in the database.
//!
//! Passwords are hashed with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1
//! lane). Session cookies and e-mail tokens are 256-bit random values; the database keeps only
//! their SHA-256, so a leaked table grants nothing.

use crate::{now, App, AppError};
use alliances_domain::comptes::{check_password, Email, EmailError, PasswordError};
use alliances_store::{jobs, sessions, users, StoreError};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Idle session lifetime: a session unused this long ends.
pub const SESSION_IDLE_SECS: i64 = 12 * 3600;
/// Absolute session lifetime: whatever the activity, log in again after this.
pub const SESSION_ABSOLUTE_SECS: i64 = 14 * 24 * 3600;
/// How long an e-mail verification link stays valid.
pub const VERIFICATION_TTL_SECS: i64 = 48 * 3600;
pub const NAME_MAX_CHARS: usize = 120;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// 32 random bytes, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

/// What the database keeps of a token or a session cookie.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).expect("the operating system provides randomness");
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the e-mail is unknown, so that the answer takes as long.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        hash_password("mot de passe fictif pour un compte inconnu").unwrap_or_default()
    })
}

/// A sign-up form, as typed.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error("le nom doit compter 1 à {NAME_MAX_CHARS} caractères")]
    Name,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(
        "cette adresse e-mail a déjà un compte : connectez-vous, ou réinitialisez le mot de passe"
    )]
    EmailTaken,
    #[error(transparent)]
    App(#[from] AppError),
}

impl SignUpError {
    /// The form field the error belongs to (`None` for server errors).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            SignUpError::Email(_) | SignUpError::EmailTaken => Some("email"),
            SignUpError::Name => Some("nom"),
            SignUpError::Password(_) => Some("mot_de_passe"),
            SignUpError::App(_) => None,
        }
    }
}

/// The e-mail a job sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

pub struct SignedUp {
    pub user_id: i64,
    /// The verification token (also sent by e-mail); the caller never needs to show it.
    pub verification_token: String,
}

fn store(e: StoreError) -> AppError {
    AppError::Store(e)
}

impl App {
    /// Creates an account, a verification token and the e-mail that carries it, in one
    /// transaction: either all exist or none. `link_base` is the site's public URL.
    pub async fn sign_up(
        &self,
        input: NewAccount<'_>,
        link_base: &str,
    ) -> Result<SignedUp, SignUpError> {
        let email = Email::parse(input.email)?;
        let name = input.name.trim();
        if name.is_empty()
            || name.chars().count() > NAME_MAX_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(SignUpError::Name);
        }
        check_password(input.password, Some(&email))?;
        // Hash outside the transaction: it takes tens of milliseconds of CPU.
        let password = input.password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        let token = random_token();
        let t = now();
        let mut tx = self.db.pool().begin().await.map_err(|e| store(e.into()))?;
        let user_id = users::insert(&mut tx, email.as_str(), name, &hash, t)
            .await
            .map_err(|e| match e {
                users::UserError::EmailTaken => SignUpError::EmailTaken,
                users::UserError::Store(s) => SignUpError::App(store(s)),
            })?;
        users::insert_token(
            &mut tx,
            &token_hash(&token),
            user_id,
            "verification",
            None,
            t,
            t + VERIFICATION_TTL_SECS,
        )
        .await
        .map_err(store)?;
        let mail = OutgoingEmail {
            to: email.as_str().to_string(),
            subject: "Alliances : confirmez votre adresse e-mail".into(),
            body: format!(
                "Bonjour {name},\n\nPour activer votre compte Alliances, ouvrez ce lien dans les 48 heures :\n{}/compte/verification/{token}\n\nSi vous n'avez pas créé de compte, ignorez ce message.\n",
                link_base.trim_end_matches('/')
            ),
        };
        let payload =
            serde_json::to_string(&mail).map_err(|e| AppError::Internal(e.to_string()))?;
        jobs::enqueue(&mut tx, "email", &payload, t, 5, t)
            .await
            .map_err(store)?;
        tx.commit().await.map_err(|e| store(e.into()))?;
        Ok(SignedUp {
            user_id,
            verification_token: token,
        })
    }

    /// Confirms an e-mail address from the link's token. A replayed, expired or unknown token
    /// changes nothing and says why.
    pub async fn verify_email(&self, token: &str) -> Result<i64, TokenError> {
        let hash = token_hash(token);
        let t = now();
        let mut tx = self
            .db
            .pool()
            .begin()
            .await
            .map_err(|e| TokenError::App(store(e.into())))?;
        let Some(record) = users::consume_token(&mut tx, &hash, "verification", t)
            .await
            .map_err(|e| TokenError::App(store(e)))?
        else {
            drop(tx);
            let why = users::token_state(&self.db, &hash, t)
                .await
                .map_err(|e| TokenError::App(store(e)))?;
            return Err(TokenError::Refused(why.unwrap_or("inconnu")));
        };
        users::set_email_verified(&mut tx, record.user_id, t)
            .await
            .map_err(|e| TokenError::App(store(e)))?;
        tx.commit()
            .await
            .map_err(|e| TokenError::App(store(e.into())))?;
        Ok(record.user_id)
    }

    /// The user with this e-mail and password, or `None` — the same answer, in about the same
    /// time, for an unknown e-mail and a wrong password.
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
    ) -> Result<Option<users::UserRecord>, AppError> {
        let user = match Email::parse(email) {
            Ok(e) => users::by_email(&self.db, e.as_str()).await?,
            Err(_) => None,
        };
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let password = password.to_string();
        let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(if ok { user } else { None })
    }

    /// Opens a session (anonymous when `user_id` is `None`); returns the cookie value and the
    /// CSRF token. Logging in opens a new session: the id is never carried over (no fixation).
    pub async fn open_session(&self, user_id: Option<i64>) -> Result<(String, String), AppError> {
        let cookie = random_token();
        let csrf = random_token();
        let t = now();
        sessions::insert(
            &self.db,
            &sessions::SessionRecord {
                id: token_hash(&cookie),
                user_id,
                csrf_token: csrf.clone(),
                data: "{}".into(),
                created_at: t,
                last_seen_at: t,
                expires_at: t + SESSION_IDLE_SECS.min(SESSION_ABSOLUTE_SECS),
            },
        )
        .await?;
        Ok((cookie, csrf))
    }

    /// The live session of a cookie, its idle expiry moved forward (never past the absolute one).
    pub async fn session(&self, cookie: &str) -> Result<Option<sessions::SessionRecord>, AppError> {
        let t = now();
        let id = token_hash(cookie);
        let Some(mut s) = sessions::get(&self.db, &id, t).await? else {
            return Ok(None);
        };
        let expires = (t + SESSION_IDLE_SECS).min(s.created_at + SESSION_ABSOLUTE_SECS);
        // Write at most once a minute per session: reads stay reads.
        if t - s.last_seen_at >= 60 {
            sessions::touch(&self.db, &id, t, expires).await?;
            s.last_seen_at = t;
            s.expires_at = expires;
        }
        Ok(Some(s))
    }

    pub async fn close_session(&self, cookie: &str) -> Result<(), AppError> {
        Ok(sessions::delete(&self.db, &token_hash(cookie)).await?)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("ce lien n'est pas valable ({0}) : demandez-en un nouveau")]
    Refused(&'static str),
    #[error(transparent)]
    App(AppError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_with_owasp_parameters() {
        let h = hash_password("un mot de passe assez long").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password(&h, "un mot de passe assez long"));
        assert!(!verify_password(&h, "un mot de passe assez lonG"));
        assert!(!verify_password("pas un hash", "x"));
        assert_ne!(
            hash_password("même").unwrap(),
            hash_password("même").unwrap(),
            "salted"
        );
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
