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
    /// Handle reported content, duplicates, claims.
    Moderer,
    /// Import files into the annuaire.
    Importer,
    /// Create an organisation (its creator becomes its owner).
    CreerOrganisation,
    /// Edit an organisation's profile, offers and needs.
    ModifierOrganisation,
    /// Invite and remove members, see the organisation's audit trail.
    GererOrganisation,
    /// See the private contacts of an organisation.
    VoirContactsPrives,
    /// Ask to manage an imported organisation.
    Revendiquer,
    /// Run the observatory's studies: waves, microdata, margins, calibration, publication.
    AnalyserObservatoire,
    /// Send, read and answer contact requests on the organisation's behalf (its owners and
    /// editors with a verified address; platform staff do not speak for organisations).
    RepresenterOrganisation,
    /// Write and edit the resources, examples and events of the library on behalf of an
    /// organisation (its members with a verified address; moderators for any).
    RedigerBibliotheque,
}

/// A user's role in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleOrganisation {
    Proprietaire,
    Editeur,
}

impl RoleOrganisation {
    pub fn slug(self) -> &'static str {
        match self {
            RoleOrganisation::Proprietaire => "proprietaire",
            RoleOrganisation::Editeur => "editeur",
        }
    }
    pub fn from_slug(s: &str) -> Option<Self> {
        match s {
            "proprietaire" => Some(RoleOrganisation::Proprietaire),
            "editeur" => Some(RoleOrganisation::Editeur),
            _ => None,
        }
    }
    pub fn label_fr(self) -> &'static str {
        match self {
            RoleOrganisation::Proprietaire => "propriétaire",
            RoleOrganisation::Editeur => "éditeur",
        }
    }
}

/// Whether `actor` may perform `action` on an organisation where they hold `role` (None: not a
/// member). Platform moderators and admins act on every organisation.
pub fn can_on_organisation(
    actor: Option<&CurrentUser>,
    role: Option<RoleOrganisation>,
    action: Action,
) -> bool {
    let Some(user) = actor else { return false };
    let staff = user.roles.contains(&Role::Admin) || user.roles.contains(&Role::Moderateur);
    match action {
        Action::ModifierOrganisation | Action::VoirContactsPrives => staff || role.is_some(),
        Action::GererOrganisation => {
            user.roles.contains(&Role::Admin) || role == Some(RoleOrganisation::Proprietaire)
        }
        Action::Revendiquer => user.verified && role.is_none(),
        Action::RepresenterOrganisation => user.verified && role.is_some(),
        Action::RedigerBibliotheque => staff || (user.verified && role.is_some()),
        other => can(actor, other),
    }
}

/// Whether `actor` (None: an anonymous visitor) may perform `action`.
pub fn can(actor: Option<&CurrentUser>, action: Action) -> bool {
    let Some(user) = actor else { return false };
    let has = |r: Role| user.roles.contains(&r);
    match action {
        Action::VoirSonCompte => true,
        Action::Administrer | Action::AttribuerRoles => has(Role::Admin),
        Action::Moderer => has(Role::Admin) || has(Role::Moderateur),
        Action::Importer => has(Role::Admin),
        Action::AnalyserObservatoire => has(Role::Admin) || has(Role::AnalysteObservatoire),
        Action::CreerOrganisation | Action::Revendiquer => user.verified,
        // Need the organisation: see `can_on_organisation`.
        Action::RepresenterOrganisation => false,
        // Without an organisation: moderators only (see `can_on_organisation`).
        Action::RedigerBibliotheque => has(Role::Admin) || has(Role::Moderateur),
        Action::ModifierOrganisation | Action::GererOrganisation | Action::VoirContactsPrives => {
            has(Role::Admin) || has(Role::Moderateur)
        }
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
    fn organisation_rules() {
        let member = user(&[]);
        let owner = Some(RoleOrganisation::Proprietaire);
        let editor = Some(RoleOrganisation::Editeur);
        use Action::*;
        assert!(can_on_organisation(
            Some(&member),
            editor,
            ModifierOrganisation
        ));
        assert!(!can_on_organisation(
            Some(&member),
            editor,
            GererOrganisation
        ));
        assert!(can_on_organisation(Some(&member), owner, GererOrganisation));
        // A member of another organisation has no role here.
        assert!(!can_on_organisation(
            Some(&member),
            None,
            ModifierOrganisation
        ));
        assert!(!can_on_organisation(
            Some(&member),
            None,
            VoirContactsPrives
        ));
        assert!(!can_on_organisation(None, owner, ModifierOrganisation));
        let moderator = user(&[Role::Moderateur]);
        assert!(can_on_organisation(
            Some(&moderator),
            None,
            ModifierOrganisation
        ));
        assert!(!can_on_organisation(
            Some(&moderator),
            None,
            GererOrganisation
        ));
        assert!(can_on_organisation(Some(&member), None, Revendiquer));
        assert!(!can_on_organisation(Some(&member), owner, Revendiquer));
        assert!(can(Some(&member), CreerOrganisation));
        let mut unverified = user(&[]);
        unverified.verified = false;
        assert!(!can(Some(&unverified), CreerOrganisation));
        assert!(!can(Some(&moderator), Importer));
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
