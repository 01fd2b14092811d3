//! The health panel: the five conditions of Collective Impact, each a rule over the alliance's
//! own data, with its state and an explanation in words.

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
    pub fn label_fr(self) -> &'static str {
        match self {
            Etat::Remplie => "Remplie",
            Etat::Partielle => "En partie",
            Etat::Absente => "Absente",
        }
    }
}

/// One condition of the panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub id: &'static str,
    pub titre: &'static str,
    /// The rule, as shown to users.
    pub regle: &'static str,
    pub etat: Etat,
    /// Why this state, with the alliance's own figures.
    pub explication: String,
}

pub const INDICATEURS_MAX: usize = 10;
pub const JOURNAL_JOURS: i64 = 90;

/// The five conditions, in Kania & Kramer's order.
pub fn evaluer(f: &Faits) -> Vec<Condition> {
    let agenda = {
        let etat = match (f.agenda, f.membres) {
            (false, _) => Etat::Absente,
            (true, m) if m > 0 && f.agenda_approuve_par >= m => Etat::Remplie,
            (true, _) => Etat::Partielle,
        };
        let explication = if f.agenda {
            format!(
                "{} membre(s) sur {} ont approuvé la version actuelle de l'agenda commun.",
                f.agenda_approuve_par, f.membres
            )
        } else {
            "Aucun agenda commun n'est encore écrit.".to_string()
        };
        Condition {
            id: "agenda-commun",
            titre: "Agenda commun",
            regle: "Un agenda commun (vision, objectifs, théorie du changement) approuvé par tous les membres.",
            etat,
            explication,
        }
    };
    let mesure = {
        let etat = if f.indicateurs == 0 {
            Etat::Absente
        } else if f.indicateurs <= INDICATEURS_MAX && f.indicateurs_frais * 4 >= f.indicateurs * 3 {
            Etat::Remplie
        } else {
            Etat::Partielle
        };
        let mut explication = format!(
            "{} indicateur(s) partagé(s), dont {} à jour.",
            f.indicateurs, f.indicateurs_frais
        );
        if f.indicateurs > INDICATEURS_MAX {
            explication.push_str(&format!(" Au-delà de {INDICATEURS_MAX}, la mesure partagée se disperse : gardez une liste courte."));
        }
        Condition {
            id: "mesure-partagee",
            titre: "Mesure partagée",
            regle: "Une liste courte d'indicateurs (de 1 à 10) aux définitions communes, dont au moins les trois quarts ont une valeur récente.",
            etat,
            explication,
        }
    };
    let activites = {
        let etat = if f.actions_ouvertes == 0 {
            Etat::Absente
        } else if f.actions_avec_porteur >= f.actions_ouvertes {
            Etat::Remplie
        } else {
            Etat::Partielle
        };
        Condition {
            id: "activites",
            titre: "Activités qui se renforcent",
            regle: "Un plan d'actions en cours dont chaque action a un membre porteur.",
            etat,
            explication: if f.actions_ouvertes == 0 {
                "Aucune action à faire ou en cours dans le plan.".to_string()
            } else {
                format!(
                    "{} action(s) à faire ou en cours, dont {} avec un porteur.",
                    f.actions_ouvertes, f.actions_avec_porteur
                )
            },
        }
    };
    let communication = {
        let etat = match f.jours_depuis_journal {
            Some(j) if j <= JOURNAL_JOURS => Etat::Remplie,
            Some(j) if j <= 2 * JOURNAL_JOURS => Etat::Partielle,
            _ => Etat::Absente,
        };
        Condition {
            id: "communication",
            titre: "Communication continue",
            regle: "Une réunion ou une décision inscrite au journal au cours du dernier trimestre (90 jours).",
            etat,
            explication: match f.jours_depuis_journal {
                Some(j) => format!("Dernière entrée du journal il y a {j} jour(s)."),
                None => "Le journal est vide.".to_string(),
            },
        }
    };
    let appui = {
        let etat = match (f.backbone, f.fonctions_tenues) {
            (false, _) => Etat::Absente,
            (true, 6) => Etat::Remplie,
            (true, _) => Etat::Partielle,
        };
        Condition {
            id: "structure-appui",
            titre: "Structure d'appui",
            regle: "Une organisation membre nommée structure d'appui (backbone), et chacune des six fonctions d'appui attribuée à un membre.",
            etat,
            explication: if f.backbone {
                format!("Structure d'appui nommée ; {} fonction(s) d'appui sur 6 attribuée(s).", f.fonctions_tenues)
            } else {
                "Aucun membre n'a le rôle de structure d'appui.".to_string()
            },
        }
    };
    vec![agenda, mesure, activites, communication, appui]
}
