//! Studies (« études ») and their waves (« vagues d'enquête »): what an analyst enters, checked
//! field by field, and the rules on the wave's variables shared by margins, quotas and domains.
//!
//! A wave's questionnaire is written in the kits' question format without scoring
//! ([`crate::kits::lire_questionnaire`]). Its categorical questions (single choice, yes / no,
//! scale) are the variables margins, quotas and result domains are defined on; a crossing of
//! several of them is written `q1*q2`, its categories `a*b`.

use serde::Deserialize;

use super::Population;
use crate::annuaire::organisation::{ligne, texte};
use crate::annuaire::ChampErreur;
use crate::dates::depuis_iso;
use crate::kits::{Genre, Kit, Reponses};

nomenclature!(
    /// How the answers are collected.
    Mode {
        EnLigne => ("en-ligne", "En ligne", "Online"),
        Telephone => ("telephone", "Par téléphone", "By telephone"),
        FaceAFace => ("face-a-face", "En face à face", "Face to face"),
        Postal => ("postal", "Par courrier", "By post"),
        Mixte => ("mixte", "Mixte", "Mixed"),
    }
);

nomenclature!(
    /// The sample design.
    Plan {
        Quotas => ("quotas", "Échantillon par quotas", "Quota sample"),
        Aleatoire => ("aleatoire", "Échantillon aléatoire", "Random sample"),
    }
);

/// Separator of the variables of a crossing, and of their categories.
pub const CROISEMENT: char = '*';
/// Default publication threshold: cells of fewer respondents are suppressed.
pub const SEUIL_DEFAUT: u32 = 30;
/// The smallest threshold an analyst may set (below, single respondents could be recognised).
pub const SEUIL_MIN: u32 = 10;

/// A study as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EtudeSaisie {
    pub titre: String,
    pub population: String,
    pub description: String,
    pub producteur: String,
}

/// A checked study.
#[derive(Debug, Clone, PartialEq)]
pub struct EtudeValide {
    pub titre: String,
    pub population: Population,
    pub description: String,
    pub producteur: String,
}

pub fn valider_etude(s: &EtudeSaisie) -> Result<EtudeValide, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let titre = obligatoire("titre", ligne("titre", &s.titre, 200, &mut errs), &mut errs);
    let producteur = obligatoire(
        "producteur",
        ligne("producteur", &s.producteur, 200, &mut errs),
        &mut errs,
    );
    let description = texte("description", &s.description, 5000, &mut errs).unwrap_or_default();
    let population = Population::from_slug(s.population.trim());
    if population.is_none() {
        errs.push(ChampErreur::new(
            "population",
            format!("choisissez une population ({})", Population::slugs()),
        ));
    }
    match (errs.is_empty(), population) {
        (true, Some(population)) => Ok(EtudeValide {
            titre,
            population,
            description,
            producteur,
        }),
        _ => Err(errs),
    }
}

fn obligatoire(champ: &'static str, v: Option<String>, errs: &mut Vec<ChampErreur>) -> String {
    match v {
        Some(v) if !v.is_empty() => v,
        other => {
            if other.is_some() || !errs.iter().any(|e| e.champ == champ) {
                errs.push(ChampErreur::new(champ, "obligatoire"));
            }
            String::new()
        }
    }
}

/// A wave as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VagueSaisie {
    pub libelle: String,
    /// `YYYY-MM-DD`.
    pub debut: String,
    pub fin: String,
    pub mode: String,
    pub plan: String,
    /// The questionnaire, in the kits' format without scoring.
    pub questionnaire: String,
    /// Question ids (or crossings) the results are broken down by, separated by commas.
    pub domaines: String,
    /// Publication threshold (empty: [`SEUIL_DEFAUT`]).
    pub seuil: String,
}

/// A checked wave.
#[derive(Debug, Clone)]
pub struct VagueValide {
    pub libelle: String,
    pub debut: String,
    pub fin: String,
    pub mode: Mode,
    pub plan: Plan,
    pub questionnaire: String,
    pub kit: Kit,
    pub domaines: Vec<String>,
    pub seuil: u32,
}

pub fn valider_vague(s: &VagueSaisie) -> Result<VagueValide, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let libelle = obligatoire(
        "libelle",
        ligne("libelle", &s.libelle, 120, &mut errs),
        &mut errs,
    );
    let date = |champ: &'static str, v: &str, errs: &mut Vec<ChampErreur>| {
        let v = v.trim();
        if depuis_iso(v).is_none() {
            errs.push(ChampErreur::new(champ, "une date AAAA-MM-JJ est attendue"));
        }
        v.to_string()
    };
    let debut = date("debut", &s.debut, &mut errs);
    let fin = date("fin", &s.fin, &mut errs);
    if let (Some(d), Some(f)) = (depuis_iso(&debut), depuis_iso(&fin)) {
        if f < d {
            errs.push(ChampErreur::new(
                "fin",
                "la fin de la collecte précède son début",
            ));
        }
    }
    let mode = Mode::from_slug(s.mode.trim());
    if mode.is_none() {
        errs.push(ChampErreur::new(
            "mode",
            format!("choisissez un mode de collecte ({})", Mode::slugs()),
        ));
    }
    let plan = Plan::from_slug(s.plan.trim());
    if plan.is_none() {
        errs.push(ChampErreur::new(
            "plan",
            format!("choisissez un plan de sondage ({})", Plan::slugs()),
        ));
    }
    let seuil = match s.seuil.trim() {
        "" => SEUIL_DEFAUT,
        v => match v.parse::<u32>() {
            Ok(n) if n >= SEUIL_MIN => n,
            _ => {
                errs.push(ChampErreur::new(
                    "seuil",
                    format!("un nombre entier de répondants, au moins {SEUIL_MIN}"),
                ));
                SEUIL_DEFAUT
            }
        },
    };
    let questionnaire = s.questionnaire.replace("\r\n", "\n");
    let kit = if questionnaire.trim().is_empty() {
        errs.push(ChampErreur::new("questionnaire", "obligatoire"));
        None
    } else if questionnaire.len() > 200_000 {
        errs.push(ChampErreur::new(
            "questionnaire",
            "trop long (200 000 caractères au plus)",
        ));
        None
    } else {
        match crate::kits::lire_questionnaire(&questionnaire) {
            Ok(k) => Some(k),
            Err(es) => {
                for e in es.iter().take(20) {
                    errs.push(ChampErreur::new("questionnaire", e.to_string()));
                }
                None
            }
        }
    };
    let mut domaines = Vec::new();
    for d in s
        .domaines
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        if let Some(k) = &kit {
            if let Err(m) = modalites(k, d) {
                errs.push(ChampErreur::new("domaines", m));
            }
        }
        if !domaines.iter().any(|x: &String| x == d) {
            domaines.push(d.to_string());
        }
    }
    match (errs.is_empty(), kit, mode, plan) {
        (true, Some(kit), Some(mode), Some(plan)) => Ok(VagueValide {
            libelle,
            debut,
            fin,
            mode,
            plan,
            questionnaire,
            kit,
            domaines,
            seuil,
        }),
        _ => Err(errs),
    }
}

/// The categories of a categorical variable of the questionnaire: a single-choice, yes / no
/// or scale question, or a crossing `q1*q2` of them (categories `a*b`, every combination).
pub fn modalites(kit: &Kit, variable: &str) -> Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    for (i, partie) in variable.split(CROISEMENT).enumerate() {
        let q = kit.question(partie).ok_or_else(|| {
            format!("« {partie} » : aucune question de ce nom dans le questionnaire")
        })?;
        let propres: Vec<String> = match &kit.questions[q].genre {
            Genre::ChoixUnique { options, .. } => options.iter().map(|o| o.id.clone()).collect(),
            Genre::OuiNon { .. } => ["oui", "non", "nsp"].map(String::from).to_vec(),
            Genre::Echelle { .. } => (1..=5).map(|n| n.to_string()).collect(),
            _ => {
                return Err(format!(
                    "« {partie} » : seules les questions à choix unique, oui / non ou échelle servent de variables de marges, de quotas ou de domaines"
                ))
            }
        };
        out = out
            .iter()
            .flat_map(|prefixe| {
                propres.iter().map(move |m| {
                    if i == 0 {
                        m.clone()
                    } else {
                        format!("{prefixe}{CROISEMENT}{m}")
                    }
                })
            })
            .collect();
    }
    Ok(out)
}

/// A respondent's category for `variable` (see [`modalites`]); `None` when one of its
/// questions is unanswered (or answered « ne nous concerne pas »).
pub fn valeur(kit: &Kit, reponses: &Reponses, variable: &str) -> Option<String> {
    let mut out = String::new();
    for (i, partie) in variable.split(CROISEMENT).enumerate() {
        let q = kit.question(partie)?;
        let r = reponses.get(q)?;
        if matches!(r, crate::kits::Reponse::NonApplicable) {
            return None;
        }
        let v = kit.valeurs_reponse(q, r).into_iter().next()?;
        if i > 0 {
            out.push(CROISEMENT);
        }
        out.push_str(&v);
    }
    Some(out)
}

/// The label of a category of `variable`: the options' labels, joined by « × » for a crossing.
pub fn libelle_modalite(kit: &Kit, variable: &str, modalite: &str) -> String {
    variable
        .split(CROISEMENT)
        .zip(modalite.split(CROISEMENT))
        .map(
            |(v, m)| match kit.question(v).map(|q| &kit.questions[q].genre) {
                Some(Genre::ChoixUnique { options, .. }) => options
                    .iter()
                    .find(|o| o.id == m)
                    .map(|o| o.texte.clone())
                    .unwrap_or_else(|| m.to_string()),
                Some(Genre::OuiNon { .. }) => match m {
                    "oui" => "Oui".into(),
                    "non" => "Non".into(),
                    "nsp" => "Ne sait pas".into(),
                    _ => m.to_string(),
                },
                _ => m.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(" × ")
}

/// A variable's label: its questions' texts, joined by « × ».
pub fn libelle_variable(kit: &Kit, variable: &str) -> String {
    variable
        .split(CROISEMENT)
        .map(|v| {
            kit.question(v)
                .map(|q| kit.questions[q].texte.clone())
                .unwrap_or_else(|| v.to_string())
        })
        .collect::<Vec<_>>()
        .join(" × ")
}

/// One quota: a variable and the number of respondents wanted per category.
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    pub variable: String,
    pub cibles: Vec<(String, u32)>,
}

/// Reads quotas, `{"VARIABLE": {"CATEGORY": count, …}, …}` (the margins' shape, counts of
/// respondents), checked against the questionnaire: every variable and category must exist.
pub fn lire_quotas(kit: &Kit, texte: &str) -> Result<Vec<Quota>, Vec<String>> {
    if texte.trim().is_empty() {
        return Ok(Vec::new());
    }
    let v: serde_json::Value =
        serde_json::from_str(texte).map_err(|e| vec![format!("JSON illisible : {e}")])?;
    let Some(obj) = v.as_object() else {
        return Err(vec![
            "un objet {\"variable\": {\"modalité\": effectif, …}} est attendu".into(),
        ]);
    };
    let mut errs = Vec::new();
    let mut out = Vec::new();
    for (variable, cellules) in obj {
        let possibles = match modalites(kit, variable) {
            Ok(m) => m,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let Some(cellules) = cellules.as_object() else {
            errs.push(format!(
                "« {variable} » : un objet {{\"modalité\": effectif}} est attendu"
            ));
            continue;
        };
        let mut cibles = Vec::new();
        for (m, n) in cellules {
            if !possibles.contains(m) {
                errs.push(format!(
                    "« {variable} » : modalité « {m} » inconnue (attendu : {})",
                    possibles.join(", ")
                ));
            }
            match n.as_u64().filter(|&n| (1..=1_000_000).contains(&n)) {
                Some(n) => cibles.push((m.clone(), n as u32)),
                None => errs.push(format!(
                    "« {variable} » = « {m} » : un effectif entier de 1 à 1 000 000 est attendu"
                )),
            }
        }
        out.push(Quota {
            variable: variable.clone(),
            cibles,
        });
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

/// How far a quota cell is: its target and the respondents in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cellule {
    pub variable: String,
    pub modalite: String,
    pub cible: u32,
    pub atteint: u32,
}

impl Cellule {
    pub fn pleine(&self) -> bool {
        self.atteint >= self.cible
    }
}

/// The respondents in each quota cell.
pub fn avancement<'a>(
    kit: &Kit,
    quotas: &[Quota],
    reponses: impl IntoIterator<Item = &'a Reponses>,
) -> Vec<Cellule> {
    let mut cellules: Vec<Cellule> = quotas
        .iter()
        .flat_map(|q| {
            q.cibles.iter().map(|(m, c)| Cellule {
                variable: q.variable.clone(),
                modalite: m.clone(),
                cible: *c,
                atteint: 0,
            })
        })
        .collect();
    for r in reponses {
        for q in quotas {
            if let Some(v) = valeur(kit, r, &q.variable) {
                if let Some(c) = cellules
                    .iter_mut()
                    .find(|c| c.variable == q.variable && c.modalite == v)
                {
                    c.atteint += 1;
                }
            }
        }
    }
    cellules
}

/// The full cell a new respondent would fall in, if any (they are then screened out).
pub fn cellule_pleine<'c>(kit: &Kit, cellules: &'c [Cellule], r: &Reponses) -> Option<&'c Cellule> {
    cellules
        .iter()
        .find(|c| c.pleine() && valeur(kit, r, &c.variable).as_deref() == Some(c.modalite.as_str()))
}

/// Checks a margins file's variables and categories against the questionnaire (the file's own
/// shape and totals are checked by the calibration crate).
pub fn verifier_variables_marges(kit: &Kit, marges: &[(String, Vec<String>)]) -> Vec<String> {
    let mut errs = Vec::new();
    for (variable, categories) in marges {
        match modalites(kit, variable) {
            Err(e) => errs.push(e),
            Ok(possibles) => {
                for c in categories {
                    if !possibles.contains(c) {
                        errs.push(format!(
                            "marge « {variable} » : modalité « {c} » inconnue du questionnaire (attendu : {})",
                            possibles.join(", ")
                        ));
                    }
                }
            }
        }
    }
    errs
}

/// The questionnaire of the domain's tests.
#[cfg(test)]
pub(crate) fn tests_questionnaire() -> String {
    tests::QUESTIONNAIRE.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const QUESTIONNAIRE: &str = r#"
id = "barometre"
version = 1
titre = "Baromètre"
licence = "Licence Ouverte 2.0"
date = "2026-01-15"

[[sections]]
id = "profil"
titre = "Profil"

[[sections.questions]]
id = "taille"
type = "choix_unique"
texte = "Taille"
obligatoire = true
options = [ { id = "petite", texte = "Petite" }, { id = "grande", texte = "Grande" } ]

[[sections.questions]]
id = "region"
type = "choix_unique"
texte = "Région"
options = [ { id = "idf", texte = "Île-de-France" }, { id = "bre", texte = "Bretagne" } ]

[[sections.questions]]
id = "partenariat"
type = "oui_non"
texte = "Avez-vous un partenariat ?"

[[sections.questions]]
id = "nombre"
type = "nombre"
texte = "Combien ?"
min = 0
max = 100
condition = { question = "partenariat", valeurs = ["oui"] }
"#;

    #[test]
    fn variables_crossings_and_values() {
        let kit = crate::kits::lire_questionnaire(QUESTIONNAIRE).unwrap();
        assert_eq!(
            modalites(&kit, "taille*region").unwrap(),
            vec!["petite*idf", "petite*bre", "grande*idf", "grande*bre"]
        );
        assert!(modalites(&kit, "nombre").unwrap_err().contains("seules"));
        assert!(modalites(&kit, "age")
            .unwrap_err()
            .contains("aucune question"));
        let mut r = Reponses::vides(&kit);
        r.0[0] = kit.lire_reponse(0, &["grande"]).unwrap();
        assert_eq!(valeur(&kit, &r, "taille*region"), None);
        r.0[1] = kit.lire_reponse(1, &["bre"]).unwrap();
        assert_eq!(
            valeur(&kit, &r, "taille*region").as_deref(),
            Some("grande*bre")
        );
        assert_eq!(
            libelle_modalite(&kit, "taille*region", "grande*bre"),
            "Grande × Bretagne"
        );
    }

    #[test]
    fn a_questionnaire_is_a_kit_without_scoring() {
        let avec_dimension = QUESTIONNAIRE.replace(
            "texte = \"Taille\"",
            "texte = \"Taille\"\ndimension = \"x\"",
        );
        let e = crate::kits::lire_questionnaire(&avec_dimension).unwrap_err();
        assert!(e.iter().any(|e| e.message.contains("dimension")), "{e:?}");
        // The same text is not a kit: a kit needs its public, dimensions, levels...
        let e = crate::kits::lire(QUESTIONNAIRE).unwrap_err();
        assert!(e.iter().any(|e| e.message.contains("public")), "{e:?}");
        let e =
            crate::kits::lire_questionnaire(&format!("public = \"organisation\"\n{QUESTIONNAIRE}"))
                .unwrap_err();
        assert!(e[0].message.contains("public"), "{e:?}");
    }

    #[test]
    fn quotas_and_margins_name_what_is_unknown() {
        let kit = crate::kits::lire_questionnaire(QUESTIONNAIRE).unwrap();
        let q = lire_quotas(&kit, r#"{"taille": {"petite": 50, "grande": 20}}"#).unwrap();
        assert_eq!(
            q[0].cibles,
            vec![("grande".into(), 20), ("petite".into(), 50)]
        );
        let e = lire_quotas(&kit, r#"{"taille": {"moyenne": 5, "grande": 0}}"#).unwrap_err();
        assert!(
            e[1].contains("moyenne") && e[0].contains("effectif"),
            "{e:?}"
        );
        let e = verifier_variables_marges(
            &kit,
            &[("region".into(), vec!["idf".into(), "paca".into()])],
        );
        assert!(e[0].contains("paca"), "{e:?}");
    }

    #[test]
    fn a_wave_is_checked_field_by_field() {
        let e = valider_vague(&VagueSaisie {
            libelle: "".into(),
            debut: "2026-03-01".into(),
            fin: "2026-02-01".into(),
            mode: "pigeon".into(),
            plan: "quotas".into(),
            questionnaire: QUESTIONNAIRE.into(),
            domaines: "taille, nombre".into(),
            seuil: "5".into(),
        })
        .unwrap_err();
        let champs: Vec<&str> = e.iter().map(|e| e.champ).collect();
        assert_eq!(champs, vec!["libelle", "fin", "mode", "seuil", "domaines"]);
        let ok = valider_vague(&VagueSaisie {
            libelle: "Vague 1".into(),
            debut: "2026-01-01".into(),
            fin: "2026-02-01".into(),
            mode: "en-ligne".into(),
            plan: "quotas".into(),
            questionnaire: QUESTIONNAIRE.into(),
            domaines: "taille,region, taille".into(),
            seuil: "".into(),
        })
        .unwrap();
        assert_eq!(ok.domaines, vec!["taille", "region"]);
        assert_eq!(ok.seuil, SEUIL_DEFAUT);
    }
}
