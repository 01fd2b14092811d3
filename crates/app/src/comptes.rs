//! Accounts: sign-up with e-mail verification, authentication, sessions stored in the database.
//!
//! Passwords are hashed with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1
//! lane). Session cookies and e-mail tokens are 256-bit random values; the database keeps only
//! their SHA-256, so a leaked table grants nothing.

use crate::{now, sessions_cache, App, AppError};
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

/// [`verify_password`] on the blocking pool: argon2id takes tens of milliseconds of CPU.
pub async fn verify_password_off_thread(hash: String, password: &str) -> Result<bool, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
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
            subject: "Alliances : confirmez votre adresse e-mail / confirm your e-mail address".into(),
            body: format!(
                "Bonjour {name},\n\nPour activer votre compte Alliances, ouvrez ce lien dans les 48 heures :\n{link}\n\nSi vous n'avez pas créé de compte, ignorez ce message.{EN}Hello {name},\n\nTo activate your Alliances account, open this link within 48 hours:\n{link}\n\nIf you did not sign up, ignore this message.\n",
                link = format!("{}/compte/verification/{token}", link_base.trim_end_matches('/'))
            ),
        };
        let payload =
            serde_json::to_string(&mail).map_err(|e| AppError::Internal(e.to_string()))?;
        jobs::enqueue(&mut tx, "email", &payload, t, 5, t)
            .await
            .map_err(store)?;
        let after = serde_json::json!({"nom": name, "email": email.as_str()}).to_string();
        audit_user(
            &mut tx,
            Some(user_id),
            "compte.inscription",
            user_id,
            None,
            Some(&after),
            t,
        )
        .await?;
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
        sessions_cache::record_change(&mut tx, record.user_id, t)
            .await
            .map_err(|e| TokenError::App(store(e)))?;
        audit_user(
            &mut tx,
            Some(record.user_id),
            "compte.verification-email",
            record.user_id,
            None,
            None,
            t,
        )
        .await
        .map_err(TokenError::App)?;
        tx.commit()
            .await
            .map_err(|e| TokenError::App(store(e.into())))?;
        self.sessions_changed(record.user_id);
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
        let ok = verify_password_off_thread(
            user.as_ref()
                .map(|u| u.password_hash.clone())
                .unwrap_or_else(|| dummy_hash().to_string()),
            password,
        )
        .await?;
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
        if !self.keep_alive(&id, &mut s, t).await? {
            return Ok(None);
        }
        Ok(Some(s))
    }

    /// The live session of a cookie with its user, as a page request needs it: from this
    /// instance's [`crate::sessions_cache`] when it holds the session, else in one query (then
    /// cached). The idle expiry moves forward at most once a minute, as in [`Self::session`].
    /// This is what every page request with a cookie pays.
    pub async fn session_for_request(
        &self,
        cookie: &str,
    ) -> Result<Option<(sessions::SessionRecord, Option<CurrentUser>)>, AppError> {
        let t = now();
        let id = token_hash(cookie);
        let (mut s, user) = match self.session_cache.get(&id, t) {
            Some(hit) => (*hit).clone(),
            None => {
                let ticket = self.session_cache.ticket();
                let Some((s, user)) = sessions::get_with_user(&self.db, &id, t).await? else {
                    return Ok(None);
                };
                let resolved = (s, user.map(current_user_of));
                self.session_cache.insert(ticket, resolved.clone(), t);
                resolved
            }
        };
        let seen = s.last_seen_at;
        if !self.keep_alive(&id, &mut s, t).await? {
            self.session_cache.invalidate_session(&id);
            return Ok(None);
        }
        if s.last_seen_at != seen {
            self.session_cache.seen(&id, s.last_seen_at, s.expires_at);
        }
        Ok(Some((s, user)))
    }

    /// The live session of a cookie with its user, always from the database (one query), its
    /// idle expiry moved forward at most once a minute. Requests use [`Self::session_for_request`].
    pub async fn session_with_user(
        &self,
        cookie: &str,
    ) -> Result<Option<(sessions::SessionRecord, Option<CurrentUser>)>, AppError> {
        let t = now();
        let id = token_hash(cookie);
        let Some((mut s, user)) = sessions::get_with_user(&self.db, &id, t).await? else {
            return Ok(None);
        };
        if !self.keep_alive(&id, &mut s, t).await? {
            return Ok(None);
        }
        Ok(Some((s, user.map(current_user_of))))
    }

    /// Moves a live session's idle expiry forward (never past the absolute one), writing at most
    /// once a minute per session so that most requests only read. False when the write finds
    /// the session gone (closed meanwhile).
    async fn keep_alive(
        &self,
        id: &str,
        s: &mut sessions::SessionRecord,
        t: i64,
    ) -> Result<bool, AppError> {
        if t - s.last_seen_at >= 60 {
            let expires = (t + SESSION_IDLE_SECS).min(s.created_at + SESSION_ABSOLUTE_SECS);
            if !sessions::touch(&self.db, id, t, expires).await? {
                return Ok(false);
            }
            s.last_seen_at = t;
            s.expires_at = expires;
        }
        Ok(true)
    }

    /// Log-out: deletes the session, forgets it here, and tells the other instances through
    /// the change feed to forget the user's cached sessions.
    pub async fn close_session(&self, cookie: &str) -> Result<(), AppError> {
        let id = token_hash(cookie);
        let user_id = sessions::get(&self.db, &id, now())
            .await?
            .and_then(|s| s.user_id);
        sessions::delete(&self.db, &id).await?;
        self.session_cache.invalidate_session(&id);
        if let Some(user_id) = user_id {
            // After the delete: another instance refreshing before it would cache the session
            // again. Should this write fail, the cache's TTL bounds how long they serve it.
            let recorded = async {
                let mut tx = self.db.pool().begin().await.map_err(StoreError::from)?;
                sessions_cache::record_change(&mut tx, user_id, now()).await?;
                tx.commit().await.map_err(StoreError::from)
            }
            .await;
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "log-out: the change-feed row was not written");
            }
        }
        Ok(())
    }

    /// After a committed change to a user's sessions, e-mail or roles: this instance's cached
    /// sessions of the user go (the change-feed row written in the transaction tells the others).
    fn sessions_changed(&self, user_id: i64) {
        self.session_cache.invalidate_user(user_id);
    }
}

/// What a page sees of the user of a session.
fn current_user_of(u: sessions::SessionUser) -> CurrentUser {
    CurrentUser {
        id: u.id,
        email: u.email,
        name: u.name,
        verified: u.verified,
        roles: u
            .roles
            .iter()
            .filter_map(|r| alliances_domain::comptes::Role::from_slug(r))
            .collect(),
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

/// How long a password-reset link stays valid.
pub const RESET_TTL_SECS: i64 = 3600;
/// How long a link confirming a new e-mail address stays valid.
pub const EMAIL_CHANGE_TTL_SECS: i64 = 24 * 3600;
/// How long the set-your-password link of an account created on the command line stays valid.
pub const INVITE_TTL_SECS: i64 = 48 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("trop de tentatives : réessayez dans {0} s")]
    Throttled(i64),
    #[error("adresse e-mail ou mot de passe incorrect")]
    Invalid,
    #[error(transparent)]
    App(#[from] AppError),
}

/// A signed-in user as pages and the policy see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub verified: bool,
    pub roles: Vec<alliances_domain::comptes::Role>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

#[derive(Debug, thiserror::Error)]
pub enum EmailChangeError {
    #[error("mot de passe incorrect")]
    WrongPassword,
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error("cette adresse e-mail a déjà un compte")]
    EmailTaken,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    App(#[from] AppError),
}

fn login_key(email: &str) -> String {
    Email::parse(email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email.trim().to_lowercase())
}

/// Account e-mails are written in French, then in English after this separator (the platform
/// does not know a reader's language before they sign in).
pub const EN: &str = "\n\n---\nEnglish version\n\n";

pub(crate) fn queue_email(mail: &OutgoingEmail) -> Result<String, AppError> {
    serde_json::to_string(mail).map_err(|e| AppError::Internal(e.to_string()))
}

impl App {
    /// Checks the password, with progressive throttling per address; on success opens a new
    /// session (closing `previous`, so a planted session id never becomes authenticated).
    pub async fn log_in(
        &self,
        email: &str,
        password: &str,
        previous: Option<&str>,
    ) -> Result<(CurrentUser, String, String), LoginError> {
        let key = login_key(email);
        let t = now();
        if let Some((failures, last)) =
            users::login_failures(&self.db, &key).await.map_err(store)?
        {
            if let Some(wait) = crate::limites::login_delay(failures, last, t) {
                return Err(LoginError::Throttled(wait));
            }
        }
        let Some(user) = self.authenticate(email, password).await? else {
            users::record_login_failure(&self.db, &key, t)
                .await
                .map_err(store)?;
            return Err(LoginError::Invalid);
        };
        users::clear_login_failures(&self.db, &key)
            .await
            .map_err(store)?;
        if let Some(old) = previous {
            self.close_session(old).await?;
        }
        let (cookie, csrf) = self.open_session(Some(user.id)).await?;
        let current = self
            .current_user(user.id)
            .await?
            .ok_or_else(|| AppError::Internal("utilisateur disparu".into()))?;
        Ok((current, cookie, csrf))
    }

    pub async fn current_user(&self, id: i64) -> Result<Option<CurrentUser>, AppError> {
        let Some(u) = users::by_id(&self.db, id).await? else {
            return Ok(None);
        };
        let roles = users::roles(&self.db, id)
            .await?
            .iter()
            .filter_map(|r| alliances_domain::comptes::Role::from_slug(r))
            .collect();
        Ok(Some(CurrentUser {
            id: u.id,
            email: u.email,
            name: u.name,
            verified: u.email_verified_at.is_some(),
            roles,
        }))
    }

    /// Sends a reset link when the address has an account; the caller answers the same either way.
    pub async fn request_password_reset(
        &self,
        email: &str,
        link_base: &str,
    ) -> Result<(), AppError> {
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let Some(user) = users::by_email(&self.db, email.as_str()).await? else {
            return Ok(());
        };
        let token = random_token();
        let t = now();
        let mail = OutgoingEmail {
            to: user.email.clone(),
            subject: "Alliances : réinitialisation du mot de passe / password reset".into(),
            body: format!(
                "Bonjour {name},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien dans l'heure :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.{EN}Hello {name},\n\nTo choose a new password, open this link within the hour:\n{link}\n\nIf you did not ask for it, ignore this message: your password does not change.\n",
                name = user.name,
                link = format!("{}/compte/reinitialisation/{token}", link_base.trim_end_matches('/'))
            ),
        };
        let mut tx = self.db.pool().begin().await.map_err(|e| store(e.into()))?;
        users::insert_token(
            &mut tx,
            &token_hash(&token),
            user.id,
            "reinitialisation",
            None,
            t,
            t + RESET_TTL_SECS,
        )
        .await?;
        jobs::enqueue(&mut tx, "email", &queue_email(&mail)?, t, 5, t).await?;
        tx.commit().await.map_err(|e| store(e.into()))?;
        Ok(())
    }

    /// Whether a token can still be used (for the page that asks for the new password).
    pub async fn token_usable(&self, token: &str) -> Result<(), TokenError> {
        match users::token_state(&self.db, &token_hash(token), now())
            .await
            .map_err(|e| TokenError::App(store(e)))?
        {
            None => Ok(()),
            Some(why) => Err(TokenError::Refused(why)),
        }
    }

    /// Sets a new password from a reset link; every session of the user ends.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<i64, ResetError> {
        self.token_usable(token).await?;
        let hash_token = token_hash(token);
        // The policy needs the address: read it through the (still unused) token.
        let t = now();
        let mut tx = self
            .db
            .pool()
            .begin()
            .await
            .map_err(|e| TokenError::App(store(e.into())))?;
        let Some(record) = users::consume_token(&mut tx, &hash_token, "reinitialisation", t)
            .await
            .map_err(|e| TokenError::App(store(e)))?
        else {
            return Err(TokenError::Refused("inconnu").into());
        };
        let user = users::by_id(&self.db, record.user_id)
            .await
            .map_err(|e| TokenError::App(store(e)))?
            .ok_or(TokenError::Refused("inconnu"))?;
        let email = Email::parse(&user.email).ok();
        // A refused password rolls the transaction back: the link stays usable.
        check_password(new_password, email.as_ref())?;
        let password = new_password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| TokenError::App(AppError::Internal(e.to_string())))?
            .map_err(TokenError::App)?;
        users::set_password_hash(&mut tx, user.id, &hash, t)
            .await
            .map_err(|e| TokenError::App(store(e)))?;
        users::set_email_verified(&mut tx, user.id, t)
            .await
            .map_err(|e| TokenError::App(store(e)))?;
        users::delete_sessions_of(&mut tx, user.id)
            .await
            .map_err(|e| TokenError::App(store(e)))?;
        sessions_cache::record_change(&mut tx, user.id, t)
            .await
            .map_err(|e| TokenError::App(store(e)))?;
        audit_user(
            &mut tx,
            Some(user.id),
            "compte.reinitialisation-mot-de-passe",
            user.id,
            None,
            None,
            t,
        )
        .await
        .map_err(TokenError::App)?;
        tx.commit()
            .await
            .map_err(|e| TokenError::App(store(e.into())))?;
        self.sessions_changed(user.id);
        users::clear_login_failures(&self.db, &user.email)
            .await
            .map_err(|e| TokenError::App(store(e)))?;
        Ok(user.id)
    }

    /// Asks to move the account to a new address: the password confirms it is the owner; a link
    /// goes to the new address, a notice to the old one.
    pub async fn request_email_change(
        &self,
        user_id: i64,
        password: &str,
        new_email: &str,
        link_base: &str,
    ) -> Result<(), EmailChangeError> {
        let new_email = Email::parse(new_email)?;
        let user = users::by_id(&self.db, user_id)
            .await
            .map_err(store)?
            .ok_or(EmailChangeError::WrongPassword)?;
        let ok = verify_password_off_thread(user.password_hash.clone(), password).await?;
        if !ok {
            return Err(EmailChangeError::WrongPassword);
        }
        if users::by_email(&self.db, new_email.as_str())
            .await
            .map_err(store)?
            .is_some()
        {
            return Err(EmailChangeError::EmailTaken);
        }
        let token = random_token();
        let t = now();
        let confirm = OutgoingEmail {
            to: new_email.as_str().into(),
            subject: "Alliances : confirmez votre nouvelle adresse e-mail / confirm your new e-mail address".into(),
            body: format!(
                "Bonjour {name},\n\nPour que votre compte Alliances utilise cette adresse, ouvrez ce lien dans les 24 heures :\n{link}\n{EN}Hello {name},\n\nFor your Alliances account to use this address, open this link within 24 hours:\n{link}\n",
                name = user.name,
                link = format!("{}/compte/email/confirmation/{token}", link_base.trim_end_matches('/'))
            ),
        };
        let notice = OutgoingEmail {
            to: user.email.clone(),
            subject: "Alliances : changement d'adresse e-mail demandé / e-mail change requested".into(),
            body: format!(
                "Bonjour {name},\n\nUn changement d'adresse vers {new_email} a été demandé pour votre compte. Si ce n'est pas vous, changez votre mot de passe.{EN}Hello {name},\n\nA change of address to {new_email} was requested for your account. If it was not you, change your password.\n",
                name = user.name,
            ),
        };
        let mut tx = self.db.pool().begin().await.map_err(|e| store(e.into()))?;
        users::insert_token(
            &mut tx,
            &token_hash(&token),
            user.id,
            "changement-email",
            Some(new_email.as_str()),
            t,
            t + EMAIL_CHANGE_TTL_SECS,
        )
        .await
        .map_err(store)?;
        jobs::enqueue(&mut tx, "email", &queue_email(&confirm)?, t, 5, t)
            .await
            .map_err(store)?;
        jobs::enqueue(&mut tx, "email", &queue_email(&notice)?, t, 5, t)
            .await
            .map_err(store)?;
        tx.commit().await.map_err(|e| store(e.into()))?;
        Ok(())
    }

    pub async fn confirm_email_change(&self, token: &str) -> Result<i64, EmailChangeError> {
        let t = now();
        let mut tx = self.db.pool().begin().await.map_err(|e| store(e.into()))?;
        let Some(record) = users::consume_token(&mut tx, &token_hash(token), "changement-email", t)
            .await
            .map_err(store)?
        else {
            drop(tx);
            self.token_usable(token).await?;
            return Err(TokenError::Refused("inconnu").into());
        };
        let new_email = record
            .data
            .ok_or_else(|| AppError::Internal("jeton sans adresse".into()))?;
        let before = users::by_id(&self.db, record.user_id)
            .await
            .map_err(store)?
            .map(|u| serde_json::json!({"email": u.email}).to_string());
        users::set_email(&mut tx, record.user_id, &new_email, t)
            .await
            .map_err(|e| match e {
                users::UserError::EmailTaken => EmailChangeError::EmailTaken,
                users::UserError::Store(s) => EmailChangeError::App(store(s)),
            })?;
        sessions_cache::record_change(&mut tx, record.user_id, t)
            .await
            .map_err(store)?;
        let after = serde_json::json!({"email": new_email}).to_string();
        audit_user(
            &mut tx,
            Some(record.user_id),
            "compte.changement-email",
            record.user_id,
            before.as_deref(),
            Some(&after),
            t,
        )
        .await?;
        tx.commit().await.map_err(|e| store(e.into()))?;
        self.sessions_changed(record.user_id);
        Ok(record.user_id)
    }

    /// First setup from the command line: an account with a role, its address taken as verified,
    /// and a link (returned, not e-mailed) to choose its password. An existing account gets the
    /// role and a fresh link.
    pub async fn create_user_with_role(
        &self,
        email: &str,
        name: &str,
        role: alliances_domain::comptes::Role,
        link_base: &str,
    ) -> Result<(i64, String), SignUpError> {
        let email = Email::parse(email)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
            return Err(SignUpError::Name);
        }
        let t = now();
        let token = random_token();
        let unusable = hash_password(&random_token())?;
        let mut tx = self.db.pool().begin().await.map_err(|e| store(e.into()))?;
        let id = match users::insert(&mut tx, email.as_str(), name, &unusable, t).await {
            Ok(id) => id,
            Err(users::UserError::EmailTaken) => {
                drop(tx);
                tx = self.db.pool().begin().await.map_err(|e| store(e.into()))?;
                users::by_email(&self.db, email.as_str())
                    .await
                    .map_err(store)?
                    .map(|u| u.id)
                    .ok_or(SignUpError::EmailTaken)?
            }
            Err(users::UserError::Store(s)) => return Err(store(s).into()),
        };
        users::set_email_verified(&mut tx, id, t)
            .await
            .map_err(store)?;
        users::insert_token(
            &mut tx,
            &token_hash(&token),
            id,
            "reinitialisation",
            None,
            t,
            t + INVITE_TTL_SECS,
        )
        .await
        .map_err(store)?;
        if users::grant_role_in(&mut tx, id, role.slug())
            .await
            .map_err(store)?
        {
            let after =
                serde_json::json!({"role": role.slug(), "par": "ligne de commande"}).to_string();
            audit_user(&mut tx, None, "role.attribution", id, None, Some(&after), t).await?;
        }
        // Run from the command line, next to running servers: they learn it from the feed.
        sessions_cache::record_change(&mut tx, id, t)
            .await
            .map_err(store)?;
        tx.commit().await.map_err(|e| store(e.into()))?;
        self.sessions_changed(id);
        Ok((
            id,
            format!(
                "{}/compte/reinitialisation/{token}",
                link_base.trim_end_matches('/')
            ),
        ))
    }
}

/// One line of the admin list of users.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub verified: bool,
    pub roles: Vec<String>,
}

impl App {
    /// The newest accounts with their roles (two queries whatever the count), and the total.
    pub async fn users_overview(&self, limit: i64) -> Result<(i64, Vec<UserSummary>), AppError> {
        let total = users::count(&self.db).await?;
        let list = users::list(&self.db, limit, 0).await?;
        let mut roles: std::collections::HashMap<i64, Vec<String>> =
            std::collections::HashMap::new();
        for (id, role) in users::all_roles(&self.db).await? {
            roles.entry(id).or_default().push(role);
        }
        let rows = list
            .into_iter()
            .map(|u| UserSummary {
                roles: roles.remove(&u.id).unwrap_or_default(),
                id: u.id,
                name: u.name,
                email: u.email,
                verified: u.email_verified_at.is_some(),
            })
            .collect();
        Ok((total, rows))
    }
}

/// Records an audit entry about a user account, in the caller's transaction.
async fn audit_user(
    conn: &mut alliances_store::Conn,
    actor: Option<i64>,
    action: &str,
    user_id: i64,
    before: Option<&str>,
    after: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    let id = user_id.to_string();
    alliances_store::audit::record(
        conn,
        &alliances_store::audit::NewEntry {
            actor_user_id: actor,
            action,
            entity: "utilisateur",
            entity_id: &id,
            organisation_id: None,
            before_json: before,
            after_json: after,
        },
        now,
    )
    .await
    .map_err(store)
}

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("vous n'avez pas le droit d'attribuer des rôles")]
    Forbidden,
    #[error("compte introuvable")]
    UnknownUser,
    #[error("vous ne pouvez pas retirer votre propre rôle d'administrateur")]
    OwnAdmin,
    #[error(transparent)]
    App(#[from] AppError),
}

impl App {
    /// Grants (`grant = true`) or withdraws a platform role, if `actor` may; audited.
    pub async fn set_role(
        &self,
        actor: &CurrentUser,
        user_id: i64,
        role: alliances_domain::comptes::Role,
        grant: bool,
    ) -> Result<bool, RoleError> {
        if !crate::politique::can(Some(actor), crate::politique::Action::AttribuerRoles) {
            return Err(RoleError::Forbidden);
        }
        if !grant && actor.id == user_id && role == alliances_domain::comptes::Role::Admin {
            return Err(RoleError::OwnAdmin);
        }
        if users::by_id(&self.db, user_id)
            .await
            .map_err(store)?
            .is_none()
        {
            return Err(RoleError::UnknownUser);
        }
        let t = now();
        let mut tx = self.db.pool().begin().await.map_err(|e| store(e.into()))?;
        let changed = if grant {
            users::grant_role_in(&mut tx, user_id, role.slug()).await
        } else {
            users::withdraw_role(&mut tx, user_id, role.slug()).await
        }
        .map_err(store)?;
        if changed {
            let (action, before, after) = if grant {
                ("role.attribution", None, Some(role.slug()))
            } else {
                ("role.retrait", Some(role.slug()), None)
            };
            let j = |r: Option<&str>| r.map(|r| serde_json::json!({ "role": r }).to_string());
            audit_user(
                &mut tx,
                Some(actor.id),
                action,
                user_id,
                j(before).as_deref(),
                j(after).as_deref(),
                t,
            )
            .await?;
            sessions_cache::record_change(&mut tx, user_id, t)
                .await
                .map_err(store)?;
        }
        tx.commit().await.map_err(|e| store(e.into()))?;
        if changed {
            self.sessions_changed(user_id);
        }
        Ok(changed)
    }

    /// The newest audit entries (admins), before the entry `before` when given.
    pub async fn audit_log(
        &self,
        actor: Option<&CurrentUser>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<alliances_store::audit::AuditEntry>, RoleError> {
        if !crate::politique::can(actor, crate::politique::Action::Administrer) {
            return Err(RoleError::Forbidden);
        }
        Ok(alliances_store::audit::latest(&self.db, before, limit)
            .await
            .map_err(store)?)
    }
}
