//! Support programmes (« programmes d'accompagnement »): emergency and recovery plans, calls for
//! projects, funds — run by a scheme, for eligible profiles and territories, between an opening
//! and a closing date. A programme is open on a day between the two (inclusive); closed ones drop
//! out of the answers by that rule alone, no job needed.

use serde::{Deserialize, Serialize};

use crate::annuaire::organisation::{adresse_web, date_iso, lieu, ligne, texte, ChampErreur, Lieu};
use crate::annuaire::Profil;
use crate::territoires::Referentiel;

nomenclature!(
    /// The kind of programme.
    Nature {
        Urgence => ("urgence", "Plan d'urgence", "Emergency plan"),
        Relance => ("relance", "Plan de relance", "Recovery plan"),
        AppelAProjets => ("appel-a-projets", "Appel à projets", "Call for projects"),
        Fonds => ("fonds", "Fonds", "Fund"),
    }
);

pub const TERRITOIRES_MAX: usize = 200;

/// What a form or the API says about a programme.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ProgrammeSaisie {
    pub nom: String,
    pub nature: String,
    pub description: String,
    pub publics: Vec<String>,
    /// `niveau:code`; empty: national.
    pub territoires: Vec<String>,
    pub ouverture: String,
    pub cloture: Option<String>,
    pub url: Option<String>,
}

/// A checked programme (dates ISO).
#[derive(Debug, Clone, PartialEq)]
pub struct Programme {
    pub nom: String,
    pub nature: Nature,
    pub description: String,
    pub publics: Vec<Profil>,
    pub territoires: Vec<Lieu>,
    pub ouverture: String,
    pub cloture: Option<String>,
    pub url: Option<String>,
}

impl Programme {
    /// Open on `jour` (ISO date): opened, and not yet closed (the closing day included).
    pub fn ouvert(&self, jour: &str) -> bool {
        self.ouverture.as_str() <= jour && self.cloture.as_deref().is_none_or(|c| jour <= c)
    }

    pub fn saisie(&self) -> ProgrammeSaisie {
        ProgrammeSaisie {
            nom: self.nom.clone(),
            nature: self.nature.slug().into(),
            description: self.description.clone(),
            publics: self.publics.iter().map(|p| p.slug().into()).collect(),
            territoires: self.territoires.iter().map(Lieu::cle).collect(),
            ouverture: self.ouverture.clone(),
            cloture: self.cloture.clone(),
            url: self.url.clone(),
        }
    }
}

/// Checks everything; returns the programme or every problem, each naming its field.
pub fn valider_programme(
    s: &ProgrammeSaisie,
    referentiel: &Referentiel,
) -> Result<Programme, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let nom = ligne("nom", &s.nom, 200, &mut errs);
    if nom.is_none() && !errs.iter().any(|e| e.champ == "nom") {
        errs.push(ChampErreur::new("nom", "obligatoire"));
    }
    let nature = Nature::from_slug(s.nature.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "nature",
            format!("attendu : {}", Nature::slugs()),
        ));
        None
    });
    let description = texte("description", &s.description, 5000, &mut errs).unwrap_or_default();
    let mut publics = Vec::new();
    for p in s.publics.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        match Profil::from_slug(p) {
            Some(x) if !publics.contains(&x) => publics.push(x),
            Some(_) => {}
            None => errs.push(ChampErreur::new(
                "publics",
                format!("« {p} » inconnu (attendu : {})", Profil::slugs()),
            )),
        }
    }
    publics.sort();
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
    let ouverture = match date_iso(&s.ouverture) {
        Ok(d) => Some(d),
        Err(m) => {
            errs.push(ChampErreur::new(
                "ouverture",
                if s.ouverture.trim().is_empty() {
                    "obligatoire"
                } else {
                    m
                },
            ));
            None
        }
    };
    let cloture = match s
        .cloture
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(c) => match date_iso(c) {
            Ok(d) => Some(d),
            Err(m) => {
                errs.push(ChampErreur::new("cloture", m));
                None
            }
        },
    };
    if let (Some(o), Some(c)) = (&ouverture, &cloture) {
        if c < o {
            errs.push(ChampErreur::new(
                "cloture",
                format!("la clôture ({c}) précède l'ouverture ({o})"),
            ));
        }
    }
    let url = s
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .and_then(|u| adresse_web("url", u, &mut errs));
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Programme {
        nom: nom.unwrap_or_default(),
        nature: nature.expect("checked"),
        description,
        publics,
        territoires,
        ouverture: ouverture.expect("checked"),
        cloture,
        url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Referentiel {
        Referentiel::build(crate::territoires::referentiel::tests::sample()).unwrap()
    }

    #[test]
    fn dates_in_order_and_open_between_them() {
        let s = ProgrammeSaisie {
            nom: "Fonds de relance associatif".into(),
            nature: "fonds".into(),
            ouverture: "2026-01-01".into(),
            cloture: Some("2026-06-30".into()),
            territoires: vec!["departement:42".into()],
            ..Default::default()
        };
        let p = valider_programme(&s, &r()).unwrap();
        assert!(!p.ouvert("2025-12-31"));
        assert!(p.ouvert("2026-01-01") && p.ouvert("2026-06-30"));
        assert!(!p.ouvert("2026-07-01"));
        let e = valider_programme(
            &ProgrammeSaisie {
                cloture: Some("2025-06-30".into()),
                nature: "autre".into(),
                territoires: vec!["departement:999".into()],
                ..s
            },
            &r(),
        )
        .unwrap_err();
        let champs: Vec<&str> = e.iter().map(|e| e.champ).collect();
        assert!(
            champs.contains(&"cloture")
                && champs.contains(&"nature")
                && champs.contains(&"territoires")
        );
    }
}
