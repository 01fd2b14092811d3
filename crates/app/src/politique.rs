//! The authorization policy, in one place: `can(actor, action)` for every action that needs a
//! right. Handlers ask it; they never test roles themselves.

use crate::comptes::CurrentUser;
use alliances_domain::comptes::Role;

/// What someone may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See one's own account, download one's data.
    VoirSonCompte,
    /// The admin area: users and roles, e-mail outbox, audit log.
    Administrer,
    /// Grant or withdraw platform roles.
    AttribuerRoles,
    /// Handle reported content.
    Moderer,
}

/// Whether `actor` (None: an anonymous visitor) may perform `action`.
pub fn can(actor: Option<&CurrentUser>, action: Action) -> bool {
    let Some(user) = actor else { return false };
    let has = |r: Role| user.roles.contains(&r);
    match action {
        Action::VoirSonCompte => true,
        Action::Administrer | Action::AttribuerRoles => has(Role::Admin),
        Action::Moderer => has(Role::Admin) || has(Role::Moderateur),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role]) -> CurrentUser {
        CurrentUser {
            id: 1,
            email: "a@b.fr".into(),
            name: "A".into(),
            verified: true,
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn rules() {
        assert!(!can(None, Action::VoirSonCompte));
        assert!(can(Some(&user(&[])), Action::VoirSonCompte));
        assert!(!can(Some(&user(&[])), Action::Administrer));
        assert!(!can(Some(&user(&[Role::Moderateur])), Action::Administrer));
        assert!(can(Some(&user(&[Role::Moderateur])), Action::Moderer));
        assert!(can(Some(&user(&[Role::Admin])), Action::AttribuerRoles));
        assert!(!can(
            Some(&user(&[
                Role::AnalysteObservatoire,
                Role::OperateurDispositif
            ])),
            Action::Moderer
        ));
    }
}
