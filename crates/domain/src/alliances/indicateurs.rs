//! Shared measurement: indicators, their reporting periods, the freshness of their reports and
//! the plausibility of a value.

use serde::{Deserialize, Serialize};

use crate::annuaire::organisation::{date_iso, ligne, texte, ChampErreur};
use crate::dates;

nomenclature!(
    /// How often an indicator is reported.
    Periodicite {
        Mensuelle => ("mensuelle", "Mensuelle", "Monthly"),
        Trimestrielle => ("trimestrielle", "Trimestrielle", "Quarterly"),
        Semestrielle => ("semestrielle", "Semestrielle", "Half-yearly"),
        Annuelle => ("annuelle", "Annuelle", "Yearly"),
    }
);

impl Periodicite {
    pub fn mois(self) -> i64 {
        match self {
            Periodicite::Mensuelle => 1,
            Periodicite::Trimestrielle => 3,
            Periodicite::Semestrielle => 6,
            Periodicite::Annuelle => 12,
        }
    }

    /// The first day of the period that contains day `z`.
    pub fn debut(self, z: i64) -> i64 {
        let (_, m, _) = dates::civil(z);
        let dans = (i64::from(m) - 1) % self.mois();
        dates::debut_de_mois(z, -dans)
    }

    /// The label of the period starting on day `debut`: `2026-03`, `2026-T1`, `2026-S2`, `2026`.
    pub fn libelle(self, debut: i64) -> String {
        let (y, m, _) = dates::civil(debut);
        match self {
            Periodicite::Mensuelle => format!("{y:04}-{m:02}"),
            Periodicite::Trimestrielle => format!("{y:04}-T{}", (m - 1) / 3 + 1),
            Periodicite::Semestrielle => format!("{y:04}-S{}", (m - 1) / 6 + 1),
            Periodicite::Annuelle => format!("{y:04}"),
        }
    }

    /// Reads a period label (or any date inside the period) into its first day.
    pub fn lire(self, s: &str) -> Result<i64, String> {
        let s = s.trim();
        let attendu = || match self {
            Periodicite::Mensuelle => "période attendue AAAA-MM (par exemple 2026-03)",
            Periodicite::Trimestrielle => "période attendue AAAA-T1 à AAAA-T4",
            Periodicite::Semestrielle => "période attendue AAAA-S1 ou AAAA-S2",
            Periodicite::Annuelle => "période attendue AAAA",
        };
        let annee = |t: &str| -> Result<i64, String> {
            match t.parse::<i64>() {
                Ok(y) if (1900..=2200).contains(&y) && t.len() == 4 => Ok(y),
                _ => Err(attendu().to_string()),
            }
        };
        if let Ok(d) = date_iso(s) {
            return Ok(self.debut(dates::depuis_iso(&d).unwrap_or(0)));
        }
        let (y, reste) = s.split_at(s.len().min(4));
        let y = annee(y)?;
        let n = |prefixe: &str, max: u32| -> Result<u32, String> {
            reste
                .strip_prefix(prefixe)
                .and_then(|x| x.parse::<u32>().ok())
                .filter(|x| (1..=max).contains(x))
                .ok_or_else(|| attendu().to_string())
        };
        let mois = match self {
            Periodicite::Mensuelle => n("-", 12)?,
            Periodicite::Trimestrielle => (n("-T", 4)? - 1) * 3 + 1,
            Periodicite::Semestrielle => (n("-S", 2)? - 1) * 6 + 1,
            Periodicite::Annuelle if reste.is_empty() => 1,
            Periodicite::Annuelle => return Err(attendu().to_string()),
        };
        Ok(dates::jours(y, mois, 1))
    }

    /// The first day of the period after the one starting on `debut`.
    pub fn suivante(self, debut: i64) -> i64 {
        dates::debut_de_mois(debut, self.mois())
    }
}

nomenclature!(
    /// Which way is better.
    Sens {
        Hausse => ("hausse", "Plus c'est haut, mieux c'est", "Higher is better"),
        Baisse => ("baisse", "Plus c'est bas, mieux c'est", "Lower is better"),
    }
);

/// How recent an indicator's reports are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fraicheur {
    /// The last ended period is reported.
    AJour,
    /// One ended period without a value.
    Attendu,
    /// Two ended periods or more without a value.
    EnRetard,
    /// No value for a year after the last reported period (two periods for a yearly indicator),
    /// or never any value a year after the indicator was created.
    Inactif,
}

impl Fraicheur {
    pub fn slug(self) -> &'static str {
        match self {
            Fraicheur::AJour => "a-jour",
            Fraicheur::Attendu => "attendu",
            Fraicheur::EnRetard => "en-retard",
            Fraicheur::Inactif => "inactif",
        }
    }
    pub fn label_fr(self) -> &'static str {
        match self {
            Fraicheur::AJour => "À jour",
            Fraicheur::Attendu => "Valeur attendue",
            Fraicheur::EnRetard => "En retard",
            Fraicheur::Inactif => "Inactif",
        }
    }
}

/// The freshness of an indicator reported every `p`, whose latest reported period starts on
/// `derniere` (None: never reported), created on day `cree`, seen on day `aujourdhui`.
pub fn fraicheur(p: Periodicite, derniere: Option<i64>, cree: i64, aujourdhui: i64) -> Fraicheur {
    // Last ended period: the one before the current one.
    let courante = p.debut(aujourdhui);
    let derniere_terminee = dates::debut_de_mois(courante, -p.mois());
    let reference = match derniere {
        Some(d) => d,
        None => {
            // Never reported: count from the period before the creation.
            if aujourdhui - cree >= 365 {
                return Fraicheur::Inactif;
            }
            dates::debut_de_mois(p.debut(cree), -p.mois())
        }
    };
    // Inactive: a year (two periods for yearly indicators) after the end of the last reported
    // period without a new value.
    let silence = (2 * p.mois()).max(12);
    if derniere.is_some_and(|d| dates::debut_de_mois(p.suivante(d), silence) <= aujourdhui) {
        return Fraicheur::Inactif;
    }
    // Ended periods after the reference and not reported.
    let mut manquantes = 0;
    let mut x = p.suivante(reference);
    while x <= derniere_terminee && manquantes < 3 {
        manquantes += 1;
        x = p.suivante(x);
    }
    match manquantes {
        0 => Fraicheur::AJour,
        1 => Fraicheur::Attendu,
        _ => Fraicheur::EnRetard,
    }
}

/// What a form or the API says about an indicator.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct IndicateurSaisie {
    pub nom: String,
    pub definition: String,
    pub unite: String,
    pub sens: String,
    pub valeur_base: Option<f64>,
    pub date_base: Option<String>,
    pub valeur_cible: Option<f64>,
    pub date_cible: Option<String>,
    pub periodicite: String,
    pub desagregation: Option<String>,
    /// The member organisation responsible for reporting it.
    pub responsable: Option<i64>,
}

/// A checked indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Indicateur {
    pub nom: String,
    pub definition: String,
    pub unite: String,
    pub sens: Sens,
    pub valeur_base: Option<f64>,
    pub date_base: Option<String>,
    pub valeur_cible: Option<f64>,
    pub date_cible: Option<String>,
    pub periodicite: Periodicite,
    pub desagregation: Option<String>,
    pub responsable: Option<i64>,
}

pub const NOM_INDICATEUR_MAX: usize = 150;
pub const DEFINITION_MAX: usize = 2000;
pub const UNITE_MAX: usize = 40;

fn nombre(champ: &'static str, v: Option<f64>, errs: &mut Vec<ChampErreur>) -> Option<f64> {
    match v {
        Some(x) if !x.is_finite() || x.abs() > 1e15 => {
            errs.push(ChampErreur::new(champ, "nombre hors des bornes acceptées"));
            None
        }
        other => other,
    }
}

/// Checks an indicator; `membres` are the organisations that may be responsible for it.
pub fn valider_indicateur(
    s: &IndicateurSaisie,
    membres: &[i64],
) -> Result<Indicateur, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let nom = ligne("nom", &s.nom, NOM_INDICATEUR_MAX, &mut errs);
    if nom.is_none() && !errs.iter().any(|e| e.champ == "nom") {
        errs.push(ChampErreur::new("nom", "obligatoire"));
    }
    let definition = texte("definition", &s.definition, DEFINITION_MAX, &mut errs);
    if definition.is_none() && !errs.iter().any(|e| e.champ == "definition") {
        errs.push(ChampErreur::new(
            "definition",
            "obligatoire : une définition commune, pour que chacun mesure la même chose",
        ));
    }
    let unite = ligne("unite", &s.unite, UNITE_MAX, &mut errs).unwrap_or_default();
    let sens = Sens::from_slug(s.sens.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "sens",
            format!("attendu : {}", Sens::slugs()),
        ));
        None
    });
    let periodicite = Periodicite::from_slug(s.periodicite.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "periodicite",
            format!("attendu : {}", Periodicite::slugs()),
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
    let date_base = date("dateBase", &s.date_base, &mut errs);
    let date_cible = date("dateCible", &s.date_cible, &mut errs);
    let valeur_base = nombre("valeurBase", s.valeur_base, &mut errs);
    let valeur_cible = nombre("valeurCible", s.valeur_cible, &mut errs);
    if valeur_base.is_some() != date_base.is_some() {
        errs.push(ChampErreur::new(
            "dateBase",
            "la valeur de référence va avec sa date",
        ));
    }
    if valeur_cible.is_some() != date_cible.is_some() {
        errs.push(ChampErreur::new("dateCible", "la cible va avec sa date"));
    }
    if let (Some(b), Some(c)) = (&date_base, &date_cible) {
        if c <= b {
            errs.push(ChampErreur::new(
                "dateCible",
                format!("la date de la cible ({c}) doit suivre celle de la référence ({b})"),
            ));
        }
    }
    if let (Some(s), Some(b), Some(c)) = (sens, valeur_base, valeur_cible) {
        let contraire = match s {
            Sens::Hausse => c < b,
            Sens::Baisse => c > b,
        };
        if contraire {
            errs.push(ChampErreur::new(
                "valeurCible",
                format!(
                    "la cible ({c}) va dans le mauvais sens par rapport à la référence ({b}) : {}",
                    s.label_fr().to_lowercase()
                ),
            ));
        }
    }
    let desagregation = s
        .desagregation
        .as_deref()
        .and_then(|d| ligne("desagregation", d, 200, &mut errs));
    if let Some(r) = s.responsable {
        if !membres.contains(&r) {
            errs.push(ChampErreur::new(
                "responsable",
                "le responsable doit être une organisation membre de l'alliance",
            ));
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Indicateur {
        nom: nom.unwrap_or_default(),
        definition: definition.unwrap_or_default(),
        unite,
        sens: sens.unwrap_or(Sens::Hausse),
        valeur_base,
        date_base,
        valeur_cible,
        date_cible,
        periodicite: periodicite.unwrap_or(Periodicite::Annuelle),
        desagregation,
        responsable: s.responsable,
    })
}

/// Why a value looks implausible (the person reporting it confirms or corrects it), if it does:
/// negative for a count-like indicator whose reference and target are not negative, or more
/// than ten times away from everything known (reference, target, the previous values).
pub fn invraisemblance(i: &Indicateur, valeur: f64, precedentes: &[f64]) -> Option<String> {
    if !valeur.is_finite() {
        return Some("ce n'est pas un nombre".into());
    }
    let connues: Vec<f64> = i
        .valeur_base
        .into_iter()
        .chain(i.valeur_cible)
        .chain(precedentes.iter().copied())
        .collect();
    if valeur < 0.0 && !connues.is_empty() && connues.iter().all(|v| *v >= 0.0) {
        return Some(format!(
            "{valeur} est négatif alors que toutes les valeurs connues sont positives"
        ));
    }
    let max = connues.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if max > 0.0 && valeur.abs() > 10.0 * max {
        return Some(format!(
            "{valeur} dépasse de plus de dix fois les valeurs connues (au plus {max})"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::jours;

    #[test]
    fn periods_read_and_print() {
        let p = Periodicite::Trimestrielle;
        assert_eq!(p.lire("2026-T2"), Ok(jours(2026, 4, 1)));
        assert_eq!(p.libelle(jours(2026, 4, 1)), "2026-T2");
        assert_eq!(p.lire("2026-05-17"), Ok(jours(2026, 4, 1)));
        assert!(p.lire("2026-T5").is_err());
        assert_eq!(
            Periodicite::Mensuelle.lire("2026-03"),
            Ok(jours(2026, 3, 1))
        );
        assert_eq!(Periodicite::Annuelle.lire("2025"), Ok(jours(2025, 1, 1)));
        assert_eq!(
            Periodicite::Semestrielle.libelle(jours(2026, 7, 1)),
            "2026-S2"
        );
        assert_eq!(
            Periodicite::Mensuelle.suivante(jours(2026, 12, 1)),
            jours(2027, 1, 1)
        );
    }

    #[test]
    fn freshness_as_a_traffic_light() {
        let m = Periodicite::Mensuelle;
        let auj = jours(2026, 11, 27);
        let cree = jours(2025, 1, 1);
        // October is the last ended month.
        assert_eq!(
            fraicheur(m, Some(jours(2026, 10, 1)), cree, auj),
            Fraicheur::AJour
        );
        assert_eq!(
            fraicheur(m, Some(jours(2026, 11, 1)), cree, auj),
            Fraicheur::AJour
        );
        assert_eq!(
            fraicheur(m, Some(jours(2026, 9, 1)), cree, auj),
            Fraicheur::Attendu
        );
        assert_eq!(
            fraicheur(m, Some(jours(2026, 8, 1)), cree, auj),
            Fraicheur::EnRetard
        );
        assert_eq!(
            fraicheur(m, Some(jours(2025, 10, 1)), cree, auj),
            Fraicheur::Inactif
        );
        assert_eq!(fraicheur(m, None, cree, auj), Fraicheur::Inactif);
        // New, never reported: due once the first period has ended.
        assert_eq!(
            fraicheur(m, None, jours(2026, 11, 10), auj),
            Fraicheur::AJour
        );
        assert_eq!(
            fraicheur(m, None, jours(2026, 10, 10), auj),
            Fraicheur::Attendu
        );
        let a = Periodicite::Annuelle;
        assert_eq!(
            fraicheur(a, Some(jours(2025, 1, 1)), cree, auj),
            Fraicheur::AJour
        );
        assert_eq!(
            fraicheur(a, Some(jours(2024, 1, 1)), cree, auj),
            Fraicheur::Attendu
        );
    }

    fn saisie() -> IndicateurSaisie {
        IndicateurSaisie {
            nom: "Jeunes accompagnés vers l'emploi".into(),
            definition: "Nombre de jeunes de 16 à 25 ans suivis au moins trois mois".into(),
            unite: "jeunes".into(),
            sens: "hausse".into(),
            valeur_base: Some(120.0),
            date_base: Some("2025-01-01".into()),
            valeur_cible: Some(300.0),
            date_cible: Some("2027-12-31".into()),
            periodicite: "trimestrielle".into(),
            desagregation: Some("par EPCI".into()),
            responsable: Some(4),
        }
    }

    #[test]
    fn indicators_are_checked() {
        let i = valider_indicateur(&saisie(), &[4, 5]).unwrap();
        assert_eq!(i.periodicite, Periodicite::Trimestrielle);
        let champs = |s: IndicateurSaisie, m: &[i64]| -> Vec<&'static str> {
            valider_indicateur(&s, m)
                .unwrap_err()
                .iter()
                .map(|e| e.champ)
                .collect()
        };
        assert_eq!(champs(saisie(), &[5]), vec!["responsable"]);
        let mut s = saisie();
        s.date_cible = Some("2024-01-01".into());
        assert_eq!(champs(s, &[4]), vec!["dateCible"]);
        let mut s = saisie();
        s.valeur_cible = Some(50.0);
        assert_eq!(champs(s, &[4]), vec!["valeurCible"]);
        let mut s = saisie();
        s.periodicite = "hebdomadaire".into();
        s.definition = " ".into();
        assert_eq!(champs(s, &[4]), vec!["definition", "periodicite"]);
    }

    #[test]
    fn implausible_values_are_flagged() {
        let i = valider_indicateur(&saisie(), &[4]).unwrap();
        assert!(invraisemblance(&i, 150.0, &[130.0]).is_none());
        assert!(invraisemblance(&i, 15_000.0, &[130.0])
            .unwrap()
            .contains("dix fois"));
        assert!(invraisemblance(&i, -3.0, &[]).unwrap().contains("négatif"));
    }
}
