//! From a wave's stored respondents to the calibration's data set, the calibrated weights and
//! the published results. Every variable of the data set — margins, domains, questions — is
//! derived from the answers by the domain's rules (`etude::valeur`), in one place.

use alliances_calage::{
    calibrer, estimer, Calage, Colonne, Convention, Diagnostics, ErreurCalage, Jeu, Marges,
    Methode, ModeleCalage, Nature, Options, PoidsInitiaux, Ponderation, Requete,
};
use alliances_domain::kits::{Genre, Kit, Reponse, Reponses};
use alliances_domain::observatoire::etude::{libelle_modalite, modalites, valeur};
use alliances_domain::observatoire::resultats::{
    marge_erreur, Ligne, Mesure, Methodologie, ResultatQuestion, Resultats,
};
use alliances_store::observatoire::{Repondant, Vague};

use crate::AppError;

/// A wave's calibration settings, read and checked.
#[derive(Debug, Clone)]
pub struct Reglages {
    pub marges: Marges,
    pub methode: Methode,
    pub rognage: Option<(f64, f64)>,
}

/// The method from its stored name and bounds.
pub fn methode(nom: &str, bornes: Option<(f64, f64)>) -> Result<Methode, String> {
    let m = match (nom, bornes) {
        ("linear", None) => Methode::Lineaire,
        ("raking", None) => Methode::Raking,
        ("logit", Some((bas, haut))) => Methode::Logit { bas, haut },
        ("truncated", Some((bas, haut))) => Methode::LineaireTronquee { bas, haut },
        ("logit" | "truncated", None) => {
            return Err(
                "les méthodes logit et linéaire tronquée demandent des bornes L < 1 < U".into(),
            )
        }
        ("linear" | "raking", Some(_)) => {
            return Err(
                "les bornes ne s'appliquent qu'aux méthodes logit et linéaire tronquée".into(),
            )
        }
        (autre, _) => {
            return Err(format!(
                "méthode « {autre} » inconnue (linear, raking, logit, truncated)"
            ))
        }
    };
    m.verifier()
        .map_err(|_| "les bornes doivent vérifier 0 ≤ L < 1 < U".to_string())?;
    Ok(m)
}

/// The stored wave's settings (`None` without margins).
pub fn reglages(v: &Vague) -> Result<Option<Reglages>, AppError> {
    let corrompu = |m: String| AppError::Internal(format!("vague {} : {m}", v.id));
    let Some(texte) = &v.marges else {
        return Ok(None);
    };
    let marges = Marges::lire_json(texte).map_err(|e| corrompu(e.to_string()))?;
    let methode = methode(v.methode.as_deref().unwrap_or("raking"), v.bornes).map_err(corrompu)?;
    Ok(Some(Reglages {
        marges,
        methode,
        rognage: v.rognage,
    }))
}

/// The answers of the stored respondents (stored answers were checked when written: an
/// unreadable one is corruption).
pub fn reponses(kit: &Kit, rs: &[Repondant]) -> Result<Vec<Reponses>, AppError> {
    rs.iter()
        .map(|r| {
            let corrompu = |m: String| {
                AppError::Internal(format!("réponses du répondant « {} » : {m}", r.ident))
            };
            let v: serde_json::Value =
                serde_json::from_str(&r.reponses).map_err(|e| corrompu(e.to_string()))?;
            let m = v
                .as_object()
                .ok_or_else(|| corrompu("objet attendu".into()))?;
            kit.lire_reponses_json(m)
                .map_err(|e| corrompu(e.first().map(|e| e.to_string()).unwrap_or_default()))
        })
        .collect()
}

/// Adds one categorical column per variable (a question or a crossing).
fn ajouter_variables(jeu: &mut Jeu, kit: &Kit, reponses: &[Reponses], variables: &[&str]) {
    for v in variables {
        let vals: Vec<Option<String>> = reponses.iter().map(|r| valeur(kit, r, v)).collect();
        jeu.ajouter_textes(v, &vals)
            .expect("one value per respondent");
    }
}

/// Respondents (identifiers, at most five) without a value for a margin variable.
fn sans_valeur(
    kit: &Kit,
    idents: &[&str],
    reponses: &[Reponses],
    variable: &str,
) -> Option<(usize, Vec<String>)> {
    let manquants: Vec<usize> = reponses
        .iter()
        .enumerate()
        .filter(|(_, r)| valeur(kit, r, variable).is_none())
        .map(|(i, _)| i)
        .collect();
    (!manquants.is_empty()).then(|| {
        (
            manquants.len(),
            manquants
                .iter()
                .take(5)
                .map(|&i| idents[i].to_string())
                .collect(),
        )
    })
}

/// Calibrates the respondents on the settings' margins, from their design weights `d`.
pub fn caler(
    kit: &Kit,
    idents: &[&str],
    reponses: &[Reponses],
    d: &[f64],
    r: &Reglages,
) -> Result<Calage, String> {
    let vars: Vec<&str> = r
        .marges
        .marges
        .iter()
        .map(|m| m.variable.as_str())
        .collect();
    for v in &vars {
        if let Some((n, exemples)) = sans_valeur(kit, idents, reponses, v) {
            return Err(format!(
                "la variable de calage « {v} » manque pour {n} répondant(s) (par exemple : {}) : tous doivent y avoir répondu",
                exemples.join(", ")
            ));
        }
    }
    let mut jeu = Jeu::vide(reponses.len());
    ajouter_variables(&mut jeu, kit, reponses, &vars);
    calibrer(
        &jeu,
        &r.marges,
        r.methode,
        &Options {
            poids_initiaux: PoidsInitiaux::Valeurs(d.to_vec()),
            rognage: r.rognage,
            ..Options::default()
        },
    )
    .map_err(|e: ErreurCalage| super::messages::calage(&e))
}

/// The methodology of a calibrated wave, from the calibration's diagnostics.
pub fn methodologie_calee(diag: &Diagnostics, r: &Reglages, seuil: u32) -> Methodologie {
    Methodologie {
        n: diag.n,
        methode: Some(r.methode.nom().to_string()),
        bornes: r.methode.bornes(),
        marges: r
            .marges
            .marges
            .iter()
            .map(|m| (m.variable.clone(), m.totaux.len()))
            .collect(),
        population: r.marges.population,
        iterations: diag.iterations,
        ecart_relatif_max: diag.ecart_relatif_max,
        ecarts: diag
            .ecarts
            .iter()
            .map(|e| (e.variable.clone(), e.modalite.clone(), e.ecart_relatif))
            .collect(),
        g_min: diag.g_min,
        g_max: diag.g_max,
        poids_min: diag.poids_min,
        poids_max: diag.poids_max,
        poids_negatifs: diag.poids_negatifs,
        rognes: diag.rognes,
        n_effectif: diag.n_effectif,
        effet_plan: diag.effet_plan,
        marge_erreur: marge_erreur(diag.n, diag.effet_plan),
        convention: "calee".into(),
        seuil,
        avertissements: avertissements(diag),
    }
}

/// The diagnostics' warnings, in French, from their figures.
fn avertissements(diag: &Diagnostics) -> Vec<String> {
    let mut out = Vec::new();
    if diag.poids_negatifs > 0 {
        out.push(format!(
            "{} poids négatifs (possibles avec la méthode linéaire) : bornez les rapports g = w/d (méthode logit ou linéaire tronquée)",
            diag.poids_negatifs
        ));
    }
    if diag.g_extremes > 0 {
        let (bas, haut) = Options::default().g_extremes;
        out.push(format!(
            "{} rapports g = w/d hors de [{bas} ; {haut}] (de {:.3} à {:.3}) : envisagez des bornes ou un rognage",
            diag.g_extremes, diag.g_min, diag.g_max
        ));
    }
    out
}

/// Design weights brought to the population's scale (`Σd = N`) before calibration, as the
/// practice of calibration on margins expects: linear and raking weights do not change, and the
/// bounds of the logit and truncated methods then apply to ratios around 1.
pub fn a_l_echelle(d: &[f64], population: f64) -> Vec<f64> {
    let somme: f64 = d.iter().sum();
    if somme > 0.0 {
        d.iter().map(|x| x * population / somme).collect()
    } else {
        d.to_vec()
    }
}

/// The methodology of a wave published on its design weights.
pub fn methodologie_initiale(d: &[f64], seuil: u32) -> Methodologie {
    let n = d.len();
    let n_eff = alliances_calage::diagnostics::n_effectif(d.iter().copied());
    let deff = if n_eff > 0.0 { n as f64 / n_eff } else { 1.0 };
    let (min, max) = d
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    Methodologie {
        n,
        methode: None,
        bornes: None,
        marges: Vec::new(),
        population: d.iter().sum(),
        iterations: 0,
        ecart_relatif_max: 0.0,
        ecarts: Vec::new(),
        g_min: 1.0,
        g_max: 1.0,
        poids_min: if n > 0 { min } else { 0.0 },
        poids_max: if n > 0 { max } else { 0.0 },
        poids_negatifs: 0,
        rognes: 0,
        n_effectif: n_eff,
        effet_plan: deff,
        marge_erreur: marge_erreur(n, deff),
        convention: "poids_fixes".into(),
        seuil,
        avertissements: Vec::new(),
    }
}

/// The column holding « option chosen » (1 / 0, missing when the question was not answered).
fn colonne_option(q: &str, option: &str) -> String {
    format!("{q}:{option}")
}

/// Computes the published results: every question but free texts, overall and by each of the
/// wave's domains, with the weights `w` (calibrated on `reglages` when given, with the
/// linearisation of the calibrated estimator; otherwise weights fixed).
pub fn resultats(
    kit: &Kit,
    domaines: &[String],
    reponses: &[Reponses],
    d: &[f64],
    w: &[f64],
    reglages: Option<&Reglages>,
    methodologie: Methodologie,
) -> Result<Resultats, String> {
    let n = reponses.len();
    let seuil = methodologie.seuil as usize;
    let mut jeu = Jeu::vide(n);
    let mut categorielles: Vec<&str> = domaines.iter().map(String::as_str).collect();
    if let Some(r) = reglages {
        categorielles.extend(r.marges.marges.iter().map(|m| m.variable.as_str()));
    }
    for q in &kit.questions {
        match &q.genre {
            Genre::ChoixUnique { .. } | Genre::OuiNon { .. } | Genre::Echelle { .. } => {
                categorielles.push(q.id.as_str())
            }
            Genre::ChoixMultiple { options, .. } => {
                let qi = kit.question(&q.id).expect("its own question");
                for (oi, o) in options.iter().enumerate() {
                    let col: Vec<f64> = reponses
                        .iter()
                        .map(|r| match r.get(qi) {
                            Some(Reponse::Multiple(choisis)) => {
                                f64::from(u8::from(choisis.contains(&oi)))
                            }
                            _ => f64::NAN,
                        })
                        .collect();
                    jeu.ajouter(&colonne_option(&q.id, &o.id), Colonne::Numerique(col))
                        .map_err(|e| e.to_string())?;
                }
            }
            Genre::Nombre { .. } => {
                let qi = kit.question(&q.id).expect("its own question");
                let col: Vec<f64> = reponses
                    .iter()
                    .map(|r| match r.get(qi) {
                        Some(Reponse::Nombre(x)) => *x,
                        _ => f64::NAN,
                    })
                    .collect();
                jeu.ajouter(&q.id, Colonne::Numerique(col))
                    .map_err(|e| e.to_string())?;
            }
            Genre::Texte { .. } => {}
        }
    }
    categorielles.sort_unstable();
    categorielles.dedup();
    ajouter_variables(&mut jeu, kit, reponses, &categorielles);
    let modele = match reglages {
        Some(r) => Some(
            ModeleCalage::new(&jeu, &r.marges, d.to_vec())
                .map_err(|e| super::messages::marges(&e))?,
        ),
        None => None,
    };
    let ponderation = Ponderation {
        poids: w,
        modele: modele.as_ref(),
    };
    let convention = if modele.is_some() {
        Convention::Calee
    } else {
        Convention::PoidsFixes
    };
    let mut parts: Vec<Option<&str>> = vec![None];
    parts.extend(domaines.iter().map(|d| Some(d.as_str())));
    let mut questions = Vec::new();
    for q in &kit.questions {
        let (mesure, variables, nature, echelle): (
            Mesure,
            Vec<(String, Option<String>)>,
            Nature,
            f64,
        ) = match &q.genre {
            Genre::ChoixUnique { .. } | Genre::OuiNon { .. } | Genre::Echelle { .. } => (
                Mesure::Repartition,
                vec![(q.id.clone(), None)],
                Nature::Proportions,
                100.0,
            ),
            Genre::ChoixMultiple { options, .. } => (
                Mesure::Citations,
                options
                    .iter()
                    .map(|o| (colonne_option(&q.id, &o.id), Some(o.id.clone())))
                    .collect(),
                Nature::Moyenne,
                100.0,
            ),
            Genre::Nombre { .. } => (
                Mesure::Moyenne,
                vec![(q.id.clone(), None)],
                Nature::Moyenne,
                1.0,
            ),
            Genre::Texte { .. } => continue,
        };
        let ordre = modalites(kit, &q.id).unwrap_or_default();
        let mut lignes = Vec::new();
        // A question is not broken down by itself.
        for dom in parts.iter().filter(|d| **d != Some(q.id.as_str())) {
            let ordre_dom = dom.map(|d| modalites(kit, d).unwrap_or_default());
            let mut du_domaine = Vec::new();
            for (colonne, option) in &variables {
                let requete = Requete {
                    variable: colonne,
                    nature,
                    domaine: *dom,
                    convention,
                    seuil,
                };
                let estimations =
                    estimer(&jeu, &ponderation, &requete).map_err(|e| e.to_string())?;
                for e in estimations {
                    let modalite = option.clone().or(e.modalite.clone());
                    let echelle_de = |x: Option<f64>| x.map(|x| x * echelle);
                    du_domaine.push(Ligne {
                        variable_domaine: dom.map(str::to_string),
                        domaine_libelle: match (dom, &e.domaine) {
                            (Some(d), Some(m)) => Some(libelle_modalite(kit, d, m)),
                            _ => None,
                        },
                        domaine: e.domaine.clone(),
                        modalite_libelle: modalite.as_ref().map(|m| match &q.genre {
                            Genre::ChoixMultiple { options, .. } => options
                                .iter()
                                .find(|o| &o.id == m)
                                .map(|o| o.texte.clone())
                                .unwrap_or_else(|| m.clone()),
                            _ => libelle_modalite(kit, &q.id, m),
                        }),
                        modalite,
                        n: e.n,
                        n_effectif: e.n_effectif,
                        supprimee: e.supprimee,
                        estimation: echelle_de(e.estimation),
                        erreur_type: echelle_de(e.erreur_type),
                        ic95_bas: echelle_de(e.ic95_bas),
                        ic95_haut: echelle_de(e.ic95_haut),
                    });
                }
            }
            // The questionnaire's order: domains, then answers.
            let rang = |ordre: &[String], m: &Option<String>| {
                m.as_ref()
                    .and_then(|m| ordre.iter().position(|x| x == m))
                    .unwrap_or(usize::MAX)
            };
            let ordre_options: Vec<String> = match &q.genre {
                Genre::ChoixMultiple { options, .. } => {
                    options.iter().map(|o| o.id.clone()).collect()
                }
                _ => ordre.clone(),
            };
            du_domaine.sort_by_key(|l| {
                (
                    ordre_dom.as_ref().map(|o| rang(o, &l.domaine)).unwrap_or(0),
                    rang(&ordre_options, &l.modalite),
                )
            });
            lignes.extend(du_domaine);
        }
        questions.push(ResultatQuestion {
            id: q.id.clone(),
            texte: q.texte.clone(),
            mesure,
            unite: match &q.genre {
                Genre::Nombre { unite, .. } => unite.clone(),
                _ => None,
            },
            lignes,
        });
    }
    Ok(Resultats {
        methodologie,
        questions,
    })
}
