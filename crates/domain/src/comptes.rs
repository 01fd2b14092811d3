//! Accounts: validated e-mail addresses and the password policy. Hashing lives in the app layer
//! (it is CPU work with parameters), the rules live here.

use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

/// An e-mail address, trimmed and lower-cased (addresses are compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("adresse e-mail invalide : {0}")]
pub struct EmailError(pub &'static str);

/// Longest address accepted (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;

impl Email {
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(EmailError("elle est vide"));
        }
        if s.chars().count() > EMAIL_MAX {
            return Err(EmailError("elle dépasse 254 caractères"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError(
                "elle contient un espace ou un caractère de contrôle",
            ));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(EmailError("il manque le « @ »"));
        };
        if local.is_empty() || local.chars().count() > 64 {
            return Err(EmailError(
                "la partie avant « @ » doit compter 1 à 64 caractères",
            ));
        }
        if local.contains('@')
            || local.contains(['<', '>', '(', ')', ',', ';', ':', '"', '[', ']', '\\'])
        {
            return Err(EmailError(
                "la partie avant « @ » contient un caractère interdit",
            ));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(EmailError(
                "le domaine après « @ » est invalide (exemple : association.fr)",
            ));
        }
        Ok(Self(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// Longest password accepted: long enough for any passphrase, short enough to bound hashing work.
pub const PASSWORD_MAX_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("le mot de passe doit compter au moins {PASSWORD_MIN_CHARS} caractères")]
    TooShort,
    #[error("le mot de passe ne doit pas dépasser {PASSWORD_MAX_CHARS} caractères")]
    TooLong,
    #[error("ce mot de passe figure dans une liste de mots de passe courants : choisissez-en un autre (une phrase de plusieurs mots convient bien)")]
    Common,
    #[error("le mot de passe ne doit pas reprendre l'adresse e-mail")]
    ContainsEmail,
    #[error("le mot de passe répète trop peu de caractères différents")]
    TooRepetitive,
}

const COMMON: &str = include_str!("../../../data/mots-de-passe-courants.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect()
    })
}

/// Checks a new password against the policy: 12 to 256 characters, not a common password (nor a
/// common password with digits or symbols added around it), not the e-mail address, not a run of
/// three characters or fewer repeated.
pub fn check_password(password: &str, email: Option<&Email>) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if n > PASSWORD_MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    let distinct: HashSet<char> = lower.chars().collect();
    if distinct.len() <= 3 {
        return Err(PasswordError::TooRepetitive);
    }
    let set = common();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if set.contains(lower.as_str()) || (core.chars().count() >= 4 && set.contains(core)) {
        return Err(PasswordError::Common);
    }
    if let Some(e) = email {
        let local = e.as_str().split('@').next().unwrap_or("");
        if lower.contains(e.as_str()) || (local.chars().count() >= 4 && core == local) {
            return Err(PasswordError::ContainsEmail);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(
            Email::parse("  Contact@Asso-Exemple.FR ").unwrap().as_str(),
            "contact@asso-exemple.fr"
        );
        assert_eq!(
            Email::parse("prénom.nom@mairie.fr").unwrap().as_str(),
            "prénom.nom@mairie.fr"
        );
        for (bad, why) in [
            ("", "vide"),
            ("sans-arobase.fr", "@"),
            ("a@b", "domaine"),
            ("a@-b.fr", "domaine"),
            ("a b@c.fr", "espace"),
            ("@c.fr", "avant"),
            ("a<b@c.fr", "interdit"),
        ] {
            let e = Email::parse(bad).unwrap_err();
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
        let long = format!("{}@{}.fr", "a".repeat(64), "b".repeat(200));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn password_policy() {
        let email = Email::parse("camille.martin@asso.fr").unwrap();
        assert_eq!(check_password("court", None), Err(PasswordError::TooShort));
        assert_eq!(
            check_password(&"ab".repeat(200), None),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            check_password("aaaaaaaaaaaaaa", None),
            Err(PasswordError::TooRepetitive)
        );
        assert_eq!(
            check_password("qwerty123456", None),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password("1q2w3e4r5t6y", None),
            Err(PasswordError::Common)
        );
        // A common word with digits and symbols around it is still common.
        assert_eq!(
            check_password("motdepasse2024!", None),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password("!!Marseille13013", None),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password("camille.martin@asso.fr", Some(&email)),
            Err(PasswordError::ContainsEmail)
        );
        assert_eq!(
            check_password("camille.martin2026", Some(&email)),
            Err(PasswordError::ContainsEmail)
        );
        assert_eq!(
            check_password("le vélo bleu du marché", Some(&email)),
            Ok(())
        );
        assert_eq!(check_password("Tr4verse-la-Loire!", None), Ok(()));
        // Characters, not bytes: twelve accented letters are enough.
        assert_eq!(check_password("éàèùçêâîôûëï", None), Ok(()));
    }

    #[test]
    fn the_common_list_is_loaded() {
        assert!(common().len() > 40_000);
        assert!(common().contains("azerty"));
    }
}

/// Platform-wide roles. Roles tied to an organisation (owner, editor) or to a territory
/// (catalyseur) are memberships, not platform roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Role {
    Admin,
    Moderateur,
    AnalysteObservatoire,
    OperateurDispositif,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Moderateur,
        Role::AnalysteObservatoire,
        Role::OperateurDispositif,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderateur => "moderateur",
            Role::AnalysteObservatoire => "analyste-observatoire",
            Role::OperateurDispositif => "operateur-dispositif",
        }
    }

    pub fn from_slug(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.slug() == s)
    }
}

#[cfg(test)]
mod role_tests {
    use super::Role;

    #[test]
    fn slugs_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_slug(r.slug()), Some(r));
        }
        assert_eq!(Role::from_slug("roi"), None);
    }
}
