//! The health panel: the five conditions of Collective Impact, each a rule over the alliance's
//! own data, with its state and what was found (a finding and its figures). The words — the
//! condition's title, its rule and the finding's sentence — live in the locale files under
//! `sante-{id}-titre`, `sante-{id}-regle` and `sante-{id}-{constat}`, with the figures as
//! arguments, so that every language says the same thing.

use serde::Serialize;

/// What the rules look at (counted by the app from the alliance's records).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faits {
    /// Member organisations (accepted, not gone).
    pub membres: usize,
    /// Whether a common agenda is written.
    pub agenda: bool,
    /// Members that agreed to its current version.
    pub agenda_approuve_par: usize,
    pub indicateurs: usize,
    /// Indicators whose last ended period is reported (or due for one period only).
    pub indicateurs_frais: usize,
    /// Actions to do or in progress.
    pub actions_ouvertes: usize,
    /// Of those, with an owner member.
    pub actions_avec_porteur: usize,
    /// Days since the latest journal entry (None: empty journal).
    pub jours_depuis_journal: Option<i64>,
    /// Whether a member holds the backbone role.
    pub backbone: bool,
    /// Backbone functions held by a member (of 6).
    pub fonctions_tenues: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Etat {
    Remplie,
    Partielle,
    Absente,
}

impl Etat {
    pub fn slug(self) -> &'static str {
        match self {
            Etat::Remplie => "remplie",
            Etat::Partielle => "partielle",
            Etat::Absente => "absente",
        }
    }
}

/// One condition of the panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub id: &'static str,
    pub etat: Etat,
    /// What was found, as the key of its sentence (e.g. `approuve`, `vide`).
    pub constat: &'static str,
    /// The alliance's own figures that the sentence quotes.
    pub chiffres: Vec<(&'static str, i64)>,
}

pub const INDICATEURS_MAX: usize = 10;
pub const JOURNAL_JOURS: i64 = 90;

fn n(x: usize) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

/// The five conditions, in Kania & Kramer's order.
pub fn evaluer(f: &Faits) -> Vec<Condition> {
    let agenda = Condition {
        id: "agenda-commun",
        etat: match (f.agenda, f.membres) {
            (false, _) => Etat::Absente,
            (true, m) if m > 0 && f.agenda_approuve_par >= m => Etat::Remplie,
            (true, _) => Etat::Partielle,
        },
        constat: if f.agenda { "approuve" } else { "absent" },
        chiffres: vec![
            ("approuve", n(f.agenda_approuve_par)),
            ("membres", n(f.membres)),
        ],
    };
    let mesure = Condition {
        id: "mesure-partagee",
        etat: if f.indicateurs == 0 {
            Etat::Absente
        } else if f.indicateurs <= INDICATEURS_MAX && f.indicateurs_frais * 4 >= f.indicateurs * 3 {
            Etat::Remplie
        } else {
            Etat::Partielle
        },
        // Beyond the maximum, shared measurement scatters: the sentence says to keep it short.
        constat: if f.indicateurs > INDICATEURS_MAX {
            "trop"
        } else {
            "compte"
        },
        chiffres: vec![
            ("indicateurs", n(f.indicateurs)),
            ("frais", n(f.indicateurs_frais)),
            ("max", n(INDICATEURS_MAX)),
        ],
    };
    let activites = Condition {
        id: "activites",
        etat: if f.actions_ouvertes == 0 {
            Etat::Absente
        } else if f.actions_avec_porteur >= f.actions_ouvertes {
            Etat::Remplie
        } else {
            Etat::Partielle
        },
        constat: if f.actions_ouvertes == 0 {
            "aucune"
        } else {
            "compte"
        },
        chiffres: vec![
            ("ouvertes", n(f.actions_ouvertes)),
            ("porteur", n(f.actions_avec_porteur)),
        ],
    };
    let communication = Condition {
        id: "communication",
        etat: match f.jours_depuis_journal {
            Some(j) if j <= JOURNAL_JOURS => Etat::Remplie,
            Some(j) if j <= 2 * JOURNAL_JOURS => Etat::Partielle,
            _ => Etat::Absente,
        },
        constat: if f.jours_depuis_journal.is_some() {
            "derniere"
        } else {
            "vide"
        },
        chiffres: vec![
            ("jours", f.jours_depuis_journal.unwrap_or(0)),
            ("limite", JOURNAL_JOURS),
        ],
    };
    let appui = Condition {
        id: "structure-appui",
        etat: match (f.backbone, f.fonctions_tenues) {
            (false, _) => Etat::Absente,
            (true, 6) => Etat::Remplie,
            (true, _) => Etat::Partielle,
        },
        constat: if f.backbone { "nommee" } else { "absente" },
        chiffres: vec![("fonctions", n(f.fonctions_tenues))],
    };
    vec![agenda, mesure, activites, communication, appui]
}
