//! Contact requests between organisations (« mise en relation »): the message, the states and
//! which moves are allowed, the anti-spam rules (a daily limit per sending organisation, one open
//! request at a time between the same two organisations), the opt-out. Pure rules; the app layer
//! gathers the facts and the store applies the moves with conditional updates.

use crate::annuaire::organisation::texte;
use crate::annuaire::ChampErreur;

nomenclature!(
    /// Where a contact request stands.
    EtatDemande {
        Envoyee => ("envoyee", "Envoyée, en attente de réponse", "Sent, awaiting an answer"),
        Acceptee => ("acceptee", "Acceptée", "Accepted"),
        Refusee => ("refusee", "Déclinée", "Declined"),
        SansReponse => ("sans_reponse", "Sans réponse après 30 jours", "No answer after 30 days"),
    }
);

impl EtatDemande {
    /// Whether a request in this state may move to `vers`. Only a sent request moves: its target
    /// accepts or declines it, or the daily pass closes it after [`DELAI_SANS_REPONSE_SECS`]. The
    /// other states are final (an answer is never changed afterwards).
    pub fn peut_passer(self, vers: EtatDemande) -> bool {
        self == EtatDemande::Envoyee && vers != EtatDemande::Envoyee
    }

    /// Still waiting for the target: counts as "open" for the duplicate rule.
    pub fn ouverte(self) -> bool {
        self == EtatDemande::Envoyee
    }
}

/// Requests one organisation may send within [`FENETRE_LIMITE_SECS`]. Ten is well above what a
/// person writes by hand in a day and low enough to make mass mailing through the platform
/// useless.
pub const LIMITE_PAR_JOUR: i64 = 10;
/// The daily limit is a sliding window of 24 hours (no time zone to agree on; the oldest request
/// of the window says exactly when a slot frees up).
pub const FENETRE_LIMITE_SECS: i64 = 24 * 3600;
/// A request not answered within 30 days is closed as « sans réponse ».
pub const DELAI_SANS_REPONSE_SECS: i64 = 30 * 24 * 3600;
/// Bounds of the message, in characters (after trimming).
pub const MESSAGE_MIN: usize = 20;
pub const MESSAGE_MAX: usize = 3000;
/// Bound of the optional answer message.
pub const REPONSE_MAX: usize = 2000;

/// Checks the message of a request: multi-line text, no control characters, 20 to 3,000
/// characters. Returns it trimmed.
pub fn valider_message(message: &str) -> Result<String, ChampErreur> {
    let mut errs = Vec::new();
    let m = texte("message", message, MESSAGE_MAX, &mut errs);
    if let Some(e) = errs.pop() {
        return Err(e);
    }
    let m = m.unwrap_or_default();
    if m.is_empty() {
        return Err(ChampErreur::new(
            "message",
            "obligatoire : présentez votre organisation et ce que vous proposez",
        ));
    }
    let n = m.chars().count();
    if n < MESSAGE_MIN {
        return Err(ChampErreur::new(
            "message",
            format!("trop court : {n} caractères, au moins {MESSAGE_MIN} — dites qui vous êtes et pourquoi vous écrivez"),
        ));
    }
    Ok(m)
}

/// Checks the optional message that goes with an answer (up to 2,000 characters).
pub fn valider_reponse(reponse: &str) -> Result<String, ChampErreur> {
    let mut errs = Vec::new();
    let r = texte("reponse", reponse, REPONSE_MAX, &mut errs);
    match errs.pop() {
        Some(e) => Err(e),
        None => Ok(r.unwrap_or_default()),
    }
}

/// What the app knows when an organisation writes to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaitsEnvoi {
    pub de: i64,
    pub vers: i64,
    /// The target accepts contact requests (`organisations.contactable`).
    pub vers_contactable: bool,
    /// The open request from `de` to `vers`, if any: (id, sent at).
    pub ouverte: Option<(i64, i64)>,
    /// Requests sent by `de` within the last [`FENETRE_LIMITE_SECS`].
    pub envoyees_fenetre: i64,
    /// The oldest of them (sent at), when there are some.
    pub plus_ancienne_fenetre: Option<i64>,
}

/// Why a request cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusEnvoi {
    /// An organisation does not write to itself.
    MemeOrganisation,
    /// The target chose not to be contacted.
    NonContactable,
    /// The same two organisations already have an open request (its id and date).
    DejaEnCours { id: i64, envoyee_le: i64 },
    /// The daily limit is reached; a request may be sent again from `reprise` (epoch seconds).
    LimiteAtteinte { reprise: i64 },
}

/// When the sliding window frees a slot, if the limit is reached.
pub fn reprise_limite(envoyees_fenetre: i64, plus_ancienne: Option<i64>, now: i64) -> Option<i64> {
    (envoyees_fenetre >= LIMITE_PAR_JOUR)
        .then(|| plus_ancienne.map_or(now + FENETRE_LIMITE_SECS, |t| t + FENETRE_LIMITE_SECS))
        .map(|r| r.max(now + 1))
}

/// Decides whether a request may be sent, checking in this order: same organisation, opt-out,
/// an identical open request, the daily limit (a refused request does not use the quota).
pub fn verifier_envoi(f: &FaitsEnvoi, now: i64) -> Result<(), RefusEnvoi> {
    if f.de == f.vers {
        return Err(RefusEnvoi::MemeOrganisation);
    }
    if !f.vers_contactable {
        return Err(RefusEnvoi::NonContactable);
    }
    if let Some((id, envoyee_le)) = f.ouverte {
        return Err(RefusEnvoi::DejaEnCours { id, envoyee_le });
    }
    if let Some(reprise) = reprise_limite(f.envoyees_fenetre, f.plus_ancienne_fenetre, now) {
        return Err(RefusEnvoi::LimiteAtteinte { reprise });
    }
    Ok(())
}

/// The conversion of contact requests over a set (the platform, a territory).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conversion {
    pub demandes: i64,
    pub envoyees: i64,
    pub acceptees: i64,
    pub refusees: i64,
    pub sans_reponse: i64,
    /// Accepted requests that started an alliance.
    pub alliances: i64,
}

impl Conversion {
    /// Accepted requests over all requests, in percent (None without requests).
    pub fn taux_acceptation(&self) -> Option<f64> {
        (self.demandes > 0).then(|| 100.0 * self.acceptees as f64 / self.demandes as f64)
    }
    /// Alliances started over accepted requests, in percent (None without acceptances).
    pub fn taux_alliance(&self) -> Option<f64> {
        (self.acceptees > 0).then(|| 100.0 * self.alliances as f64 / self.acceptees as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faits() -> FaitsEnvoi {
        FaitsEnvoi {
            de: 1,
            vers: 2,
            vers_contactable: true,
            ouverte: None,
            envoyees_fenetre: 0,
            plus_ancienne_fenetre: None,
        }
    }

    #[test]
    fn only_a_sent_request_moves() {
        use EtatDemande::*;
        for vers in [Acceptee, Refusee, SansReponse] {
            assert!(Envoyee.peut_passer(vers));
            for depuis in [Acceptee, Refusee, SansReponse] {
                assert!(!depuis.peut_passer(vers), "{depuis:?} → {vers:?}");
            }
        }
        assert!(!Envoyee.peut_passer(Envoyee));
        assert!(Envoyee.ouverte());
        assert!(!Acceptee.ouverte());
        for e in EtatDemande::ALL {
            assert_eq!(EtatDemande::from_slug(e.slug()), Some(*e));
        }
    }

    #[test]
    fn message_bounds() {
        assert_eq!(valider_message("").unwrap_err().champ, "message");
        assert!(valider_message("   \n ")
            .unwrap_err()
            .message
            .contains("obligatoire"));
        assert!(valider_message("Bonjour !")
            .unwrap_err()
            .message
            .contains("court"));
        let ok = valider_message("  Bonjour, nous cherchons un partenaire.  ").unwrap();
        assert_eq!(ok, "Bonjour, nous cherchons un partenaire.");
        assert!(valider_message(&"a".repeat(MESSAGE_MAX)).is_ok());
        assert!(valider_message(&"a".repeat(MESSAGE_MAX + 1))
            .unwrap_err()
            .message
            .contains("trop long"));
        assert!(
            valider_message("Bonjour, nous cherchons\u{7} un partenaire")
                .unwrap_err()
                .message
                .contains("contrôle")
        );
        assert_eq!(valider_reponse("").unwrap(), "");
        assert_eq!(valider_reponse(" Merci ").unwrap(), "Merci");
        assert!(valider_reponse(&"a".repeat(REPONSE_MAX + 1)).is_err());
    }

    #[test]
    fn refusals_in_order() {
        let now = 1_000_000;
        assert_eq!(verifier_envoi(&faits(), now), Ok(()));
        let mut f = faits();
        f.vers = 1;
        f.vers_contactable = false;
        assert_eq!(verifier_envoi(&f, now), Err(RefusEnvoi::MemeOrganisation));
        let mut f = faits();
        f.vers_contactable = false;
        f.ouverte = Some((7, 10));
        assert_eq!(verifier_envoi(&f, now), Err(RefusEnvoi::NonContactable));
        let mut f = faits();
        f.ouverte = Some((7, 10));
        f.envoyees_fenetre = LIMITE_PAR_JOUR;
        assert_eq!(
            verifier_envoi(&f, now),
            Err(RefusEnvoi::DejaEnCours {
                id: 7,
                envoyee_le: 10
            })
        );
    }

    #[test]
    fn daily_limit_frees_when_the_oldest_leaves_the_window() {
        let now = 1_000_000;
        let mut f = faits();
        f.envoyees_fenetre = LIMITE_PAR_JOUR - 1;
        f.plus_ancienne_fenetre = Some(now - 3600);
        assert_eq!(verifier_envoi(&f, now), Ok(()));
        f.envoyees_fenetre = LIMITE_PAR_JOUR;
        assert_eq!(
            verifier_envoi(&f, now),
            Err(RefusEnvoi::LimiteAtteinte {
                reprise: now - 3600 + FENETRE_LIMITE_SECS
            })
        );
        // Never "now or earlier", even with inconsistent facts.
        assert_eq!(
            reprise_limite(LIMITE_PAR_JOUR, Some(now - 2 * FENETRE_LIMITE_SECS), now),
            Some(now + 1)
        );
        assert_eq!(reprise_limite(LIMITE_PAR_JOUR - 1, None, now), None);
    }

    #[test]
    fn rates() {
        let c = Conversion {
            demandes: 8,
            acceptees: 2,
            alliances: 1,
            ..Default::default()
        };
        assert_eq!(c.taux_acceptation(), Some(25.0));
        assert_eq!(c.taux_alliance(), Some(50.0));
        assert_eq!(Conversion::default().taux_acceptation(), None);
        assert_eq!(Conversion::default().taux_alliance(), None);
    }
}
