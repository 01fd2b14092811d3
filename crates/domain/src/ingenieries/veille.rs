//! The shared watch (« veille partagée »): national and territorial schemes keep watch together
//! in a working space — sessions with notes and decisions, watch items (a programme, a needs
//! study, a signal from a territory) tagged by territory and domain, and comments.

use serde::{Deserialize, Serialize};

use crate::annuaire::organisation::{adresse_web, date_iso, lieu, ligne, texte, ChampErreur, Lieu};
use crate::territoires::Referentiel;

nomenclature!(
    /// What a watch item is.
    Genre {
        Programme => ("programme", "Programme", "Programme"),
        EtudeBesoins => ("etude-besoins", "Étude de besoins", "Needs study"),
        Signal => ("signal", "Signal d'un territoire", "Signal from a territory"),
    }
);

nomenclature!(
    /// The fragility domains the observatory uses for territorial needs (tags of watch items).
    Domaine {
        Emploi => ("emploi", "Emploi", "Employment"),
        NiveauDeVie => ("niveau-de-vie", "Niveau de vie", "Standard of living"),
        Securite => ("securite", "Sécurité", "Safety"),
        Mobilite => ("mobilite", "Mobilité", "Mobility"),
        Environnement => ("environnement", "Environnement", "Environment"),
        DeveloppementEconomique => ("developpement-economique", "Développement économique", "Economic development"),
        TransitionEnergetique => ("transition-energetique", "Transition énergétique", "Energy transition"),
        Exclusion => ("exclusion", "Exclusion, pauvreté", "Exclusion, poverty"),
        Education => ("education", "Éducation", "Education"),
        Sante => ("sante", "Santé", "Health"),
        Logement => ("logement", "Logement", "Housing"),
        Numerique => ("numerique", "Numérique", "Digital"),
    }
);

/// A watch item as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ElementSaisie {
    pub genre: String,
    pub titre: String,
    pub texte: String,
    pub lien: Option<String>,
    pub territoires: Vec<String>,
    pub domaines: Vec<String>,
}

/// A checked watch item.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub genre: Genre,
    pub titre: String,
    pub texte: String,
    pub lien: Option<String>,
    pub territoires: Vec<Lieu>,
    pub domaines: Vec<Domaine>,
}

pub fn valider_element(s: &ElementSaisie, r: &Referentiel) -> Result<Element, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let genre = Genre::from_slug(s.genre.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "genre",
            format!("attendu : {}", Genre::slugs()),
        ));
        None
    });
    let titre = ligne("titre", &s.titre, 200, &mut errs);
    if titre.is_none() && !errs.iter().any(|e| e.champ == "titre") {
        errs.push(ChampErreur::new("titre", "obligatoire"));
    }
    let corps = texte("texte", &s.texte, 5000, &mut errs).unwrap_or_default();
    let lien = s
        .lien
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .and_then(|l| adresse_web("lien", l, &mut errs));
    let mut territoires: Vec<Lieu> = s
        .territoires
        .iter()
        .take(50)
        .filter(|t| !t.trim().is_empty())
        .filter_map(|t| lieu("territoires", t, r, &mut errs))
        .collect();
    territoires.sort();
    territoires.dedup();
    let mut domaines = Vec::new();
    for d in s
        .domaines
        .iter()
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())
    {
        match Domaine::from_slug(d) {
            Some(x) if !domaines.contains(&x) => domaines.push(x),
            Some(_) => {}
            None => errs.push(ChampErreur::new(
                "domaines",
                format!("« {d} » inconnu (attendu : {})", Domaine::slugs()),
            )),
        }
    }
    domaines.sort();
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Element {
        genre: genre.expect("checked"),
        titre: titre.unwrap_or_default(),
        texte: corps,
        lien,
        territoires,
        domaines,
    })
}

/// A session as typed: its date, notes and decisions.
pub fn valider_seance(
    date: &str,
    notes: &str,
    decisions: &str,
) -> Result<(String, String, String), Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let date = match date_iso(date) {
        Ok(d) => Some(d),
        Err(m) => {
            errs.push(ChampErreur::new(
                "date",
                if date.trim().is_empty() {
                    "obligatoire"
                } else {
                    m
                },
            ));
            None
        }
    };
    let notes = texte("notes", notes, 20_000, &mut errs);
    if notes.is_none() && !errs.iter().any(|e| e.champ == "notes") {
        errs.push(ChampErreur::new("notes", "obligatoire : ce qui s'est dit"));
    }
    let decisions = texte("decisions", decisions, 10_000, &mut errs).unwrap_or_default();
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok((date.expect("checked"), notes.unwrap_or_default(), decisions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_sessions_are_checked() {
        let r = Referentiel::build(crate::territoires::referentiel::tests::sample()).unwrap();
        let e = valider_element(
            &ElementSaisie {
                genre: "signal".into(),
                titre: "Fermeture d'une usine".into(),
                territoires: vec!["departement:42".into()],
                domaines: vec!["emploi".into(), "emploi".into()],
                ..Default::default()
            },
            &r,
        )
        .unwrap();
        assert_eq!(e.domaines, vec![Domaine::Emploi]);
        let err = valider_element(
            &ElementSaisie {
                genre: "rumeur".into(),
                domaines: vec!["meteo".into()],
                ..Default::default()
            },
            &r,
        )
        .unwrap_err();
        let champs: Vec<&str> = err.iter().map(|e| e.champ).collect();
        assert!(
            champs.contains(&"genre") && champs.contains(&"titre") && champs.contains(&"domaines")
        );
        assert!(valider_seance("2026-11-27", "Tour de table", "").is_ok());
        assert_eq!(valider_seance("27/13/2026", "", "").unwrap_err().len(), 2);
    }
}
