//! Weights and estimates against R's survey package, to 1e-9 relative.
//!
//! The fixtures are written by `scripts/observatoire/reference.R` (see its header): a synthetic
//! sample of 1,500 respondents with unequal design weights, three margins (one of them the
//! crossing `sexe_profil`), R's calibrated weights for every method and R's `svymean` / `svyby`
//! estimates and standard errors under both conventions.

use std::collections::HashMap;

use alliances_calage::{
    calibrer, estimer, Calage, Convention, Jeu, Marges, Methode, Nature, Options, PoidsInitiaux,
    Ponderation, Requete,
};

const PRECISION: f64 = 1e-9;

/// The committed fixtures, or a folder freshly written by the R script
/// (`CALAGE_FIXTURES=DIR`, see `scripts/observatoire/check-fixtures`).
fn lire(nom: &str) -> String {
    let dossier = std::env::var("CALAGE_FIXTURES")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures").to_string());
    std::fs::read_to_string(format!("{dossier}/{nom}"))
        .unwrap_or_else(|e| panic!("{dossier}/{nom}: {e}"))
}

fn echantillon() -> Jeu {
    Jeu::lire_csv(lire("sample.csv").as_bytes()).unwrap()
}

fn parametre(nom: &str) -> (f64, f64) {
    let texte = lire("r_parameters.csv");
    let ligne = texte.lines().find(|l| l.starts_with(nom)).unwrap();
    let v: Vec<f64> = ligne
        .split(',')
        .skip(1)
        .map(|x| x.parse().unwrap())
        .collect();
    (v[0], v[1])
}

fn methode(nom: &str) -> (Methode, Option<(f64, f64)>) {
    match nom {
        "linear" => (Methode::Lineaire, None),
        "raking" => (Methode::Raking, None),
        "logit" => {
            let (bas, haut) = parametre("logit_bounds");
            (Methode::Logit { bas, haut }, None)
        }
        "truncated" => {
            let (bas, haut) = parametre("truncated_bounds");
            (Methode::LineaireTronquee { bas, haut }, None)
        }
        "raking_trim" => (Methode::Raking, Some(parametre("trim"))),
        _ => panic!("unknown method {nom}"),
    }
}

fn calage(jeu: &Jeu, nom: &str) -> Calage {
    let marges = Marges::lire_json(&lire("margins.json")).unwrap();
    let (m, rognage) = methode(nom);
    let options = Options {
        poids_initiaux: PoidsInitiaux::Colonne("d".into()),
        tolerance: 1e-13,
        iterations_max: 200,
        rognage,
        ..Options::default()
    };
    calibrer(jeu, &marges, m, &options).unwrap()
}

fn ecart_relatif(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
    }
}

/// R's weights per method, in row order.
fn poids_r() -> HashMap<String, Vec<f64>> {
    let jeu = Jeu::lire_csv(lire("r_weights.csv").as_bytes()).unwrap();
    jeu.noms()
        .iter()
        .filter(|n| *n != "id")
        .map(|n| (n.clone(), jeu.numerique(n).unwrap().into_owned()))
        .collect()
}

#[test]
fn weights_match_r_for_every_method() {
    let jeu = echantillon();
    let r = poids_r();
    assert_eq!(r.len(), 5);
    for (nom, attendus) in &r {
        let c = calage(&jeu, nom);
        let pire = c
            .poids
            .iter()
            .zip(attendus)
            .map(|(a, b)| ecart_relatif(*a, *b))
            .fold(0.0, f64::max);
        eprintln!(
            "{nom}: largest relative gap to R {pire:.2e}, {} iterations",
            c.diagnostics.iterations
        );
        assert!(pire < PRECISION, "{nom}: {pire:e}");
        if nom != "raking_trim" {
            assert!(c.diagnostics.ecart_relatif_max < 1e-12, "{nom}");
        }
    }
}

#[test]
fn bounded_methods_respect_their_bounds() {
    let jeu = echantillon();
    for nom in ["logit", "truncated"] {
        let c = calage(&jeu, nom);
        let (bas, haut) = c.methode.bornes().unwrap();
        assert!(c.g.iter().all(|g| *g >= bas - 1e-12 && *g <= haut + 1e-12));
    }
    // The truncated fixture does bind: some ratios sit on the bounds.
    let c = calage(&jeu, "truncated");
    assert!(c.g.iter().filter(|g| **g == 0.5).count() > 10);
}

#[test]
fn estimates_and_standard_errors_match_r() {
    let jeu = echantillon();
    let r = Jeu::lire_csv(lire("r_estimates.csv").as_bytes()).unwrap();
    let col = |n: &str| r.categorielle(n).unwrap();
    let texte = |n: &str, i: usize| {
        let c = col(n);
        let k = c.codes[i];
        if k == alliances_calage::MANQUANT {
            String::new()
        } else {
            c.modalites[k as usize].to_string()
        }
    };
    let estimation = r.numerique("estimation").unwrap();
    let se = r.numerique("se").unwrap();
    let mut calages: HashMap<String, Calage> = HashMap::new();
    let mut resultats: HashMap<(String, String, String), Vec<alliances_calage::Estimation>> =
        HashMap::new();
    let mut compares = 0;
    let (mut pire_est, mut pire_se) = (0.0f64, 0.0f64);
    for i in 0..r.n() {
        let (m, conv, var, dom, modalite) = (
            texte("methode", i),
            texte("convention", i),
            texte("variable", i),
            texte("domaine", i),
            texte("modalite", i),
        );
        let c = calages.entry(m.clone()).or_insert_with(|| calage(&jeu, &m));
        let cle = (m.clone(), conv.clone(), var.clone());
        let liste = resultats.entry(cle).or_insert_with(|| {
            let nature = if var == "opinion" {
                Nature::Proportions
            } else {
                Nature::Moyenne
            };
            let convention = if conv == "fixed" {
                Convention::PoidsFixes
            } else {
                Convention::Calee
            };
            let ponderation = Ponderation {
                poids: &c.poids,
                modele: Some(&c.modele),
            };
            let mut tout = Vec::new();
            for domaine in [None, Some("zone")] {
                let requete = Requete {
                    variable: &var,
                    nature,
                    domaine,
                    convention,
                    seuil: 0,
                };
                tout.extend(estimer(&jeu, &ponderation, &requete).unwrap());
            }
            tout
        });
        let e = liste
            .iter()
            .find(|e| {
                e.domaine.as_deref().unwrap_or("") == dom
                    && e.modalite.as_deref().unwrap_or("") == modalite
            })
            .unwrap_or_else(|| panic!("no estimate for {m} {conv} {var} {dom} {modalite}"));
        let de = ecart_relatif(e.estimation.unwrap(), estimation[i]);
        let ds = ecart_relatif(e.erreur_type.unwrap(), se[i]);
        assert!(
            de < PRECISION && ds < PRECISION,
            "{m} {conv} {var} {dom} {modalite}: estimate {} vs R {} ({de:e}), se {} vs R {} ({ds:e})",
            e.estimation.unwrap(),
            estimation[i],
            e.erreur_type.unwrap(),
            se[i]
        );
        pire_est = pire_est.max(de);
        pire_se = pire_se.max(ds);
        compares += 1;
    }
    eprintln!("{compares} estimates compared; largest relative gaps: estimate {pire_est:.2e}, se {pire_se:.2e}");
    assert_eq!(compares, r.n());
    assert!(compares > 150);
}
