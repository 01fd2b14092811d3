//! Experimentation files under the « droit d'alliance d'intérêt général »: an alliance asks to
//! adapt some rules for a while on a territory, under an evaluation protocol. The file follows a
//! workflow; each step is taken by the alliance's backbone or by a reviewer (a moderator).

use serde::{Deserialize, Serialize};

use crate::annuaire::organisation::{lieu, ligne, texte, ChampErreur, Lieu};
use crate::territoires::Referentiel;

nomenclature!(
    /// Where a file stands.
    EtatDossier {
        Brouillon => ("brouillon", "Brouillon", "Draft"),
        Depose => ("depose", "Déposé", "Submitted"),
        EnInstruction => ("en-instruction", "En instruction", "Under review"),
        Autorise => ("autorise", "Autorisé", "Authorised"),
        Refuse => ("refuse", "Refusé", "Refused"),
        EnCours => ("en-cours", "En cours", "Running"),
        Evalue => ("evalue", "Évalué", "Evaluated"),
        Generalise => ("generalise", "Généralisé", "Generalised"),
        Arrete => ("arrete", "Arrêté", "Stopped"),
    }
);

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qui {
    /// The alliance's backbone.
    Alliance,
    /// A reviewer (platform moderator).
    Relecteur,
}

/// The workflow: from each state, the states one may go to and who may take that step.
pub const TRANSITIONS: &[(EtatDossier, EtatDossier, Qui)] = &[
    (EtatDossier::Brouillon, EtatDossier::Depose, Qui::Alliance),
    (
        EtatDossier::Depose,
        EtatDossier::EnInstruction,
        Qui::Relecteur,
    ),
    (
        EtatDossier::EnInstruction,
        EtatDossier::Autorise,
        Qui::Relecteur,
    ),
    (
        EtatDossier::EnInstruction,
        EtatDossier::Refuse,
        Qui::Relecteur,
    ),
    (EtatDossier::Autorise, EtatDossier::EnCours, Qui::Alliance),
    (EtatDossier::EnCours, EtatDossier::Evalue, Qui::Alliance),
    (EtatDossier::Evalue, EtatDossier::Generalise, Qui::Relecteur),
    (EtatDossier::Evalue, EtatDossier::Arrete, Qui::Relecteur),
];

/// Whether `qui` may move a file from `de` to `vers`; the reason when not.
pub fn transition(de: EtatDossier, vers: EtatDossier, qui: Qui) -> Result<(), String> {
    match TRANSITIONS.iter().find(|(a, b, _)| *a == de && *b == vers) {
        Some((_, _, q)) if *q == qui => Ok(()),
        Some((_, _, Qui::Relecteur)) => Err(format!(
            "passer de « {} » à « {} » revient aux relecteurs",
            de.label_fr(),
            vers.label_fr()
        )),
        Some(_) => Err(format!(
            "passer de « {} » à « {} » revient à la structure d'appui de l'alliance",
            de.label_fr(),
            vers.label_fr()
        )),
        None => {
            let possibles: Vec<&str> = TRANSITIONS
                .iter()
                .filter(|(a, _, _)| *a == de)
                .map(|(_, b, _)| b.label_fr())
                .collect();
            Err(if possibles.is_empty() {
                format!(
                    "le dossier est « {} » : c'est une étape finale",
                    de.label_fr()
                )
            } else {
                format!(
                    "un dossier « {} » ne passe pas à « {} » (étapes possibles : {})",
                    de.label_fr(),
                    vers.label_fr(),
                    possibles.join(", ")
                )
            })
        }
    }
}

/// Steps that need a comment (the reason of a decision).
pub fn commentaire_requis(vers: EtatDossier) -> bool {
    matches!(
        vers,
        EtatDossier::Autorise
            | EtatDossier::Refuse
            | EtatDossier::Evalue
            | EtatDossier::Generalise
            | EtatDossier::Arrete
    )
}

/// What a form says about a file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DossierSaisie {
    pub titre: String,
    pub hypothese: String,
    /// The rules it asks to adapt, and why.
    pub regles: String,
    pub territoires: Vec<String>,
    pub duree_mois: Option<u32>,
    /// The evaluation protocol.
    pub protocole: String,
    /// Indicators of the alliance used as evaluation criteria.
    pub criteres: Vec<i64>,
}

/// A checked file.
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    pub titre: String,
    pub hypothese: String,
    pub regles: String,
    pub territoires: Vec<Lieu>,
    pub duree_mois: u32,
    pub protocole: String,
    pub criteres: Vec<i64>,
}

/// Checks a file; `indicateurs` are the alliance's indicators.
pub fn valider_dossier(
    s: &DossierSaisie,
    referentiel: &Referentiel,
    indicateurs: &[i64],
) -> Result<Dossier, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let requis =
        |champ: &'static str, v: Option<String>, errs: &mut Vec<ChampErreur>, message: &str| {
            if v.is_none() && !errs.iter().any(|e| e.champ == champ) {
                errs.push(ChampErreur::new(champ, message));
            }
            v.unwrap_or_default()
        };
    let titre = ligne("titre", &s.titre, 200, &mut errs);
    let titre = requis("titre", titre, &mut errs, "obligatoire");
    let hypothese = texte("hypothese", &s.hypothese, 5000, &mut errs);
    let hypothese = requis(
        "hypothese",
        hypothese,
        &mut errs,
        "obligatoire : ce que l'expérimentation veut montrer",
    );
    let regles = texte("regles", &s.regles, 10_000, &mut errs);
    let regles = requis(
        "regles",
        regles,
        &mut errs,
        "obligatoire : les règles à adapter et pourquoi",
    );
    let protocole = texte("protocole", &s.protocole, 10_000, &mut errs);
    let protocole = requis(
        "protocole",
        protocole,
        &mut errs,
        "obligatoire : comment l'expérimentation sera évaluée",
    );
    let mut territoires: Vec<Lieu> = s
        .territoires
        .iter()
        .filter(|t| !t.trim().is_empty())
        .take(20)
        .filter_map(|t| lieu("territoires", t, referentiel, &mut errs))
        .collect();
    territoires.sort();
    territoires.dedup();
    if territoires.is_empty() && !errs.iter().any(|e| e.champ == "territoires") {
        errs.push(ChampErreur::new(
            "territoires",
            "au moins un territoire d'expérimentation",
        ));
    }
    let duree_mois = match s.duree_mois {
        Some(d @ 1..=60) => d,
        Some(d) => {
            errs.push(ChampErreur::new(
                "dureeMois",
                format!("{d} mois : de 1 à 60 mois"),
            ));
            0
        }
        None => {
            errs.push(ChampErreur::new(
                "dureeMois",
                "obligatoire : la durée en mois (1 à 60)",
            ));
            0
        }
    };
    let mut criteres = s.criteres.clone();
    criteres.sort_unstable();
    criteres.dedup();
    if criteres.iter().any(|c| !indicateurs.contains(c)) {
        errs.push(ChampErreur::new(
            "criteres",
            "les critères sont des indicateurs de l'alliance",
        ));
    }
    if criteres.is_empty() && !errs.iter().any(|e| e.champ == "criteres") {
        errs.push(ChampErreur::new(
            "criteres",
            "au moins un indicateur de l'alliance sert de critère d'évaluation",
        ));
    }
    if errs.is_empty() {
        Ok(Dossier {
            titre,
            hypothese,
            regles,
            territoires,
            duree_mois,
            protocole,
            criteres,
        })
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EtatDossier as E;

    #[test]
    fn the_workflow_and_who_moves_it() {
        assert!(transition(E::Brouillon, E::Depose, Qui::Alliance).is_ok());
        assert!(transition(E::Brouillon, E::Depose, Qui::Relecteur)
            .unwrap_err()
            .contains("structure d'appui"));
        assert!(transition(E::Depose, E::EnInstruction, Qui::Alliance)
            .unwrap_err()
            .contains("relecteurs"));
        assert!(transition(E::EnInstruction, E::Autorise, Qui::Relecteur).is_ok());
        assert!(transition(E::Depose, E::Autorise, Qui::Relecteur)
            .unwrap_err()
            .contains("étapes possibles : En instruction"));
        assert!(transition(E::Refuse, E::EnCours, Qui::Alliance)
            .unwrap_err()
            .contains("étape finale"));
        assert!(transition(E::Evalue, E::Generalise, Qui::Relecteur).is_ok());
        // Every state but the final ones has a way out; the path from draft to generalised exists.
        let mut e = E::Brouillon;
        for (vers, qui) in [
            (E::Depose, Qui::Alliance),
            (E::EnInstruction, Qui::Relecteur),
            (E::Autorise, Qui::Relecteur),
            (E::EnCours, Qui::Alliance),
            (E::Evalue, Qui::Alliance),
            (E::Generalise, Qui::Relecteur),
        ] {
            transition(e, vers, qui).unwrap();
            e = vers;
        }
        assert!(commentaire_requis(E::Refuse) && !commentaire_requis(E::Depose));
    }
}
