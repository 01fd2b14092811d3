//! Personal data: what a user can download about themselves, and the deletion of an account.

use crate::comptes::verify_password_off_thread;
use crate::{now, App, AppError};
use alliances_store::{audit, memberships, tokens, users};
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error("mot de passe incorrect")]
    WrongPassword,
    #[error("vous êtes le seul propriétaire de {} organisation(s) : transmettez-en la propriété avant de supprimer votre compte", .0.len())]
    LastOwner(Vec<i64>),
    #[error(transparent)]
    App(#[from] AppError),
}

fn iso(epoch: i64) -> String {
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), then the time of day.
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// ISO 8601 (UTC) of an epoch time, as the API writes dates.
pub fn iso_datetime(epoch: i64) -> String {
    iso(epoch)
}

impl App {
    /// Everything stored about a user, as JSON: account, roles, memberships, API tokens (never
    /// their values), and the audit entries they made or that concern them.
    pub async fn export_personal_data(&self, user_id: i64) -> Result<Value, AppError> {
        let user = users::by_id(&self.db, user_id)
            .await?
            .ok_or_else(|| AppError::Internal("compte introuvable".into()))?;
        let roles = users::roles(&self.db, user_id).await?;
        let orgs = memberships::of_user(&self.db, user_id).await?;
        let toks = tokens::of_user(&self.db, user_id).await?;
        let log = audit::about_user(&self.db, user_id).await?;
        Ok(json!({
            "compte": {
                "id": user.id,
                "nom": user.name,
                "email": user.email,
                "emailVerifieLe": user.email_verified_at.map(iso),
                "creeLe": iso(user.created_at),
                "modifieLe": iso(user.updated_at),
            },
            "roles": roles,
            "organisations": orgs.iter().map(|(id, role)| json!({"organisation": id, "role": role})).collect::<Vec<_>>(),
            "jetonsApi": toks.iter().map(|t| json!({
                "id": t.id, "nom": t.name, "prefixe": t.prefix, "portee": t.scopes,
                "creeLe": iso(t.created_at), "dernierUsage": t.last_used_at.map(iso), "revoqueLe": t.revoked_at.map(iso),
            })).collect::<Vec<_>>(),
            "journal": log.iter().map(|e| json!({
                "date": iso(e.at), "action": e.action, "objet": e.entity, "idObjet": e.entity_id,
                "avant": e.before_json.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
                "apres": e.after_json.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
            })).collect::<Vec<_>>(),
            "exporteLe": iso(now()),
            "note": "Le hachage du mot de passe, les sessions et les jetons à usage unique ne sont pas exportés : ce sont des secrets techniques, sans valeur pour vous.",
        }))
    }

    /// Deletes the account after checking the password; refused while the user is the last owner
    /// of an organisation. The audit log keeps that the account was deleted, not its content.
    pub async fn delete_account(&self, user_id: i64, password: &str) -> Result<(), DeleteError> {
        let user = users::by_id(&self.db, user_id)
            .await
            .map_err(AppError::from)?
            .ok_or(DeleteError::WrongPassword)?;
        let ok = verify_password_off_thread(user.password_hash.clone(), password).await?;
        if !ok {
            return Err(DeleteError::WrongPassword);
        }
        let sole = memberships::sole_ownerships(&self.db, user_id)
            .await
            .map_err(AppError::from)?;
        if !sole.is_empty() {
            return Err(DeleteError::LastOwner(sole));
        }
        let t = now();
        let mut tx = self
            .db
            .pool()
            .begin()
            .await
            .map_err(|e| AppError::Store(e.into()))?;
        users::delete(&mut tx, user_id)
            .await
            .map_err(AppError::from)?;
        crate::sessions_cache::record_change(&mut tx, user_id, t)
            .await
            .map_err(AppError::from)?;
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: None,
                action: "compte.suppression",
                entity: "utilisateur",
                entity_id: &user_id.to_string(),
                organisation_id: None,
                before_json: None,
                after_json: None,
            },
            t,
        )
        .await
        .map_err(AppError::from)?;
        tx.commit().await.map_err(|e| AppError::Store(e.into()))?;
        self.session_cache.invalidate_user(user_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_dates() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso(1_795_781_100), "2026-11-27T12:05:00Z");
        assert_eq!(super::iso(951_782_400), "2000-02-29T00:00:00Z");
    }
}
