//! Alliances: multi-actor partnerships run the Collective Impact way — members with roles, a
//! common agenda, shared indicators, actions, a journal, the backbone's functions — and the
//! health panel computed from them.
//!
//! - this module: the alliance as typed (`AllianceSaisie`) and checked (`valider_alliance`), the
//!   closed lists (co-construction form, stage, member roles, backbone functions, action status);
//! - [`indicateurs`]: indicators, reporting periods, freshness, plausibility of a value;
//! - [`sante`]: the five conditions of Collective Impact as rules over the alliance's data.

pub mod experimentation;
pub mod indicateurs;
pub mod sante;

use serde::{Deserialize, Serialize};

use crate::annuaire::organisation::{date_iso, lieu, ligne, texte, ChampErreur, Lieu};
use crate::annuaire::TypePartenariat;
use crate::odd::OddNumber;
use crate::territoires::Referentiel;

nomenclature!(
    /// The form of territorial co-construction.
    Forme {
        DialogueTerritorial => ("dialogue-territorial", "Dialogue territorial", "Territorial dialogue"),
        PartenariatOrganisations => ("partenariat-organisations", "Partenariat entre organisations", "Partnership between organisations"),
        ExperimentationCollective => ("experimentation-collective", "Expérimentation collective", "Collective experiment"),
    }
);

nomenclature!(
    /// Where the alliance stands.
    Stade {
        Emergence => ("emergence", "Émergence", "Emergence"),
        Structuration => ("structuration", "Structuration", "Structuring"),
        Deploiement => ("deploiement", "Déploiement", "Deployment"),
        Evaluation => ("evaluation", "Évaluation", "Evaluation"),
        Essaimage => ("essaimage", "Essaimage", "Spreading"),
    }
);

nomenclature!(
    /// A member organisation's role in the alliance.
    RoleMembre {
        Backbone => ("backbone", "Structure d'appui (backbone) / catalyseur", "Backbone / catalyst"),
        Pilotage => ("pilotage", "Comité de pilotage", "Steering"),
        Financeur => ("financeur", "Financeur", "Funder"),
        Operateur => ("operateur", "Opérateur", "Operator"),
        PartenairePublic => ("partenaire-public", "Partenaire public", "Public partner"),
        Evaluateur => ("evaluateur", "Évaluateur", "Evaluator"),
        Membre => ("membre", "Membre", "Member"),
    }
);

nomenclature!(
    /// The six functions of a backbone organisation.
    FonctionBackbone {
        Vision => ("vision", "Guider la vision et la stratégie", "Guide vision and strategy"),
        Activites => ("activites", "Soutenir les activités alignées", "Support aligned activities"),
        Mesure => ("mesure", "Établir la mesure partagée", "Establish shared measurement"),
        Mobilisation => ("mobilisation", "Mobiliser l'opinion et les acteurs", "Build public will"),
        Politiques => ("politiques", "Faire évoluer les politiques publiques", "Advance policy"),
        Financement => ("financement", "Mobiliser les financements", "Mobilise funding"),
    }
);

nomenclature!(
    /// Where an action of the plan stands.
    StatutAction {
        AFaire => ("a-faire", "À faire", "To do"),
        EnCours => ("en-cours", "En cours", "In progress"),
        Terminee => ("terminee", "Terminée", "Done"),
        Abandonnee => ("abandonnee", "Abandonnée", "Dropped"),
    }
);

/// The SDG 17 targets on partnerships an alliance may serve.
pub const CIBLES_ODD17: [&str; 2] = ["17.16", "17.17"];

pub const NOM_MAX: usize = 200;
pub const TEXTE_MAX: usize = 5000;
pub const TERRITOIRES_MAX: usize = 50;

/// What a form or the API says about an alliance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AllianceSaisie {
    pub nom: String,
    pub resume: String,
    pub probleme: String,
    /// `niveau:code`, at least one.
    pub territoires: Vec<String>,
    pub odd: Vec<u8>,
    pub cibles_odd17: Vec<String>,
    pub types_partenariat: Vec<String>,
    pub forme: String,
    pub stade: String,
    pub date_debut: Option<String>,
    pub date_fin: Option<String>,
    /// Members-only when false.
    pub publique: bool,
}

/// A checked alliance.
#[derive(Debug, Clone, PartialEq)]
pub struct Alliance {
    pub nom: String,
    pub resume: String,
    pub probleme: String,
    pub territoires: Vec<Lieu>,
    pub odd: Vec<u8>,
    pub cibles_odd17: Vec<String>,
    pub types_partenariat: Vec<TypePartenariat>,
    pub forme: Forme,
    pub stade: Stade,
    pub date_debut: Option<String>,
    pub date_fin: Option<String>,
    pub publique: bool,
}

impl Alliance {
    /// Back to the typed form (edit forms, API).
    pub fn saisie(&self) -> AllianceSaisie {
        AllianceSaisie {
            nom: self.nom.clone(),
            resume: self.resume.clone(),
            probleme: self.probleme.clone(),
            territoires: self.territoires.iter().map(Lieu::cle).collect(),
            odd: self.odd.clone(),
            cibles_odd17: self.cibles_odd17.clone(),
            types_partenariat: self
                .types_partenariat
                .iter()
                .map(|t| t.slug().to_string())
                .collect(),
            forme: self.forme.slug().into(),
            stade: self.stade.slug().into(),
            date_debut: self.date_debut.clone(),
            date_fin: self.date_fin.clone(),
            publique: self.publique,
        }
    }
}

/// Checks everything; returns the alliance or every problem, each naming its field.
pub fn valider_alliance(
    s: &AllianceSaisie,
    referentiel: &Referentiel,
) -> Result<Alliance, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let nom = ligne("nom", &s.nom, NOM_MAX, &mut errs);
    if nom.is_none() && !errs.iter().any(|e| e.champ == "nom") {
        errs.push(ChampErreur::new("nom", "obligatoire"));
    }
    let resume = texte("resume", &s.resume, TEXTE_MAX, &mut errs);
    if resume.is_none() && !errs.iter().any(|e| e.champ == "resume") {
        errs.push(ChampErreur::new(
            "resume",
            "obligatoire : deux ou trois phrases sur ce que fait l'alliance",
        ));
    }
    let probleme = texte("probleme", &s.probleme, TEXTE_MAX, &mut errs).unwrap_or_default();
    if s.territoires.len() > TERRITOIRES_MAX {
        errs.push(ChampErreur::new(
            "territoires",
            format!("au plus {TERRITOIRES_MAX} territoires"),
        ));
    }
    let mut territoires: Vec<Lieu> = s
        .territoires
        .iter()
        .take(TERRITOIRES_MAX)
        .filter(|t| !t.trim().is_empty())
        .filter_map(|t| lieu("territoires", t, referentiel, &mut errs))
        .collect();
    territoires.sort();
    territoires.dedup();
    if territoires.is_empty() && !errs.iter().any(|e| e.champ == "territoires") {
        errs.push(ChampErreur::new(
            "territoires",
            "au moins un territoire où l'alliance agit",
        ));
    }
    let mut odd = Vec::new();
    for n in &s.odd {
        match OddNumber::new(*n) {
            Ok(o) if !odd.contains(&o.get()) => odd.push(o.get()),
            Ok(_) => {}
            Err(_) => errs.push(ChampErreur::new(
                "odd",
                format!("ODD {n} inconnu : de 1 à 17"),
            )),
        }
    }
    odd.sort_unstable();
    let mut cibles = Vec::new();
    for c in &s.cibles_odd17 {
        let c = c.trim();
        if CIBLES_ODD17.contains(&c) {
            if !cibles.iter().any(|x: &String| x == c) {
                cibles.push(c.to_string());
            }
        } else {
            errs.push(ChampErreur::new(
                "ciblesOdd17",
                format!("« {c} » : cibles possibles 17.16 et 17.17"),
            ));
        }
    }
    if !cibles.is_empty() && !odd.contains(&17) {
        odd.push(17);
        odd.sort_unstable();
    }
    let mut types = Vec::new();
    for t in &s.types_partenariat {
        match TypePartenariat::from_slug(t.trim()) {
            Some(x) if !types.contains(&x) => types.push(x),
            Some(_) => {}
            None => errs.push(ChampErreur::new(
                "typesPartenariat",
                format!("« {t} » inconnu (attendu : {})", TypePartenariat::slugs()),
            )),
        }
    }
    types.sort();
    let forme = Forme::from_slug(s.forme.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "forme",
            format!("attendu : {}", Forme::slugs()),
        ));
        None
    });
    let stade = Stade::from_slug(s.stade.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "stade",
            format!("attendu : {}", Stade::slugs()),
        ));
        None
    });
    let date = |champ: &'static str, v: &Option<String>, errs: &mut Vec<ChampErreur>| {
        v.as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .and_then(|x| {
                date_iso(x)
                    .map_err(|m| errs.push(ChampErreur::new(champ, m)))
                    .ok()
            })
    };
    let date_debut = date("dateDebut", &s.date_debut, &mut errs);
    let date_fin = date("dateFin", &s.date_fin, &mut errs);
    if let (Some(d), Some(f)) = (&date_debut, &date_fin) {
        if f < d {
            errs.push(ChampErreur::new(
                "dateFin",
                format!("la fin ({f}) précède le début ({d})"),
            ));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Alliance {
        nom: nom.unwrap_or_default(),
        resume: resume.unwrap_or_default(),
        probleme,
        territoires,
        odd,
        cibles_odd17: cibles,
        types_partenariat: types,
        forme: forme.unwrap_or(Forme::PartenariatOrganisations),
        stade: stade.unwrap_or(Stade::Emergence),
        date_debut,
        date_fin,
        publique: s.publique,
    })
}

/// The objectives a member states on the four axes of the objectives grid.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Objectifs {
    /// Human capital, skills.
    pub competences: String,
    /// Stakeholders beyond the organisation.
    pub parties_prenantes: String,
    pub innovation: String,
    /// Financial resources (association) / economic performance (company).
    pub ressources: String,
}

impl Objectifs {
    pub fn valider(&self) -> Result<Objectifs, Vec<ChampErreur>> {
        let mut errs = Vec::new();
        let mut t =
            |champ: &'static str, v: &str| texte(champ, v, 1000, &mut errs).unwrap_or_default();
        let o = Objectifs {
            competences: t("competences", &self.competences),
            parties_prenantes: t("partiesPrenantes", &self.parties_prenantes),
            innovation: t("innovation", &self.innovation),
            ressources: t("ressources", &self.ressources),
        };
        if errs.is_empty() {
            Ok(o)
        } else {
            Err(errs)
        }
    }
    pub fn est_vide(&self) -> bool {
        self.competences.is_empty()
            && self.parties_prenantes.is_empty()
            && self.innovation.is_empty()
            && self.ressources.is_empty()
    }
}

#[cfg(test)]
mod tests;
