//! Properties of calibration and estimation on random samples.

use alliances_calage::{
    calibrer, estimer, Convention, Jeu, Marge, Marges, Methode, Nature, Options, PoidsInitiaux,
    Ponderation, Requete,
};
use proptest::prelude::*;

/// A random sample: `m` calibration variables, a design weight, and a "population" obtained by
/// reweighting the sample with positive factors, so that the margins are consistent and
/// positive weights reproducing them exist.
#[derive(Debug, Clone)]
struct Cas {
    variables: Vec<Vec<u8>>,
    categories: Vec<u8>,
    d: Vec<f64>,
    facteurs: Vec<f64>,
}

fn cas() -> impl Strategy<Value = Cas> {
    (40usize..250, prop::collection::vec(2u8..6, 1..4)).prop_flat_map(|(n, categories)| {
        let variables: Vec<_> = categories
            .iter()
            .map(|&k| prop::collection::vec(0..k, n))
            .collect();
        (
            variables,
            Just(categories),
            prop::collection::vec(0.5f64..3.0, n),
            prop::collection::vec(0.6f64..1.8, n),
        )
            .prop_map(|(variables, categories, d, facteurs)| Cas {
                variables,
                categories,
                d,
                facteurs,
            })
    })
}

impl Cas {
    fn jeu(&self) -> Jeu {
        let n = self.d.len();
        let mut jeu = Jeu::vide(n);
        for (j, v) in self.variables.iter().enumerate() {
            let textes: Vec<Option<String>> = v.iter().map(|c| Some(format!("c{c}"))).collect();
            jeu.ajouter_textes(&format!("v{j}"), &textes).unwrap();
        }
        jeu
    }

    fn marges(&self) -> Marges {
        let population: f64 = self.d.iter().zip(&self.facteurs).map(|(d, f)| d * f).sum();
        let marges = self
            .variables
            .iter()
            .enumerate()
            .map(|(j, v)| {
                let mut totaux = vec![0.0; self.categories[j] as usize];
                for (i, &c) in v.iter().enumerate() {
                    totaux[c as usize] += self.d[i] * self.facteurs[i];
                }
                Marge {
                    variable: format!("v{j}"),
                    totaux: totaux
                        .into_iter()
                        .enumerate()
                        .filter(|(_, t)| *t > 0.0)
                        .map(|(c, t)| (format!("c{c}"), t))
                        .collect(),
                }
            })
            .collect();
        Marges { population, marges }
    }

    fn options(&self) -> Options {
        Options {
            poids_initiaux: PoidsInitiaux::Valeurs(self.d.clone()),
            tolerance: 1e-12,
            ..Options::default()
        }
    }
}

/// Iterative proportional fitting, the textbook raking algorithm, as an independent reference.
fn ipf(c: &Cas, marges: &Marges) -> Vec<f64> {
    let mut w = c.d.clone();
    for _ in 0..10_000 {
        let mut ecart_max = 0.0f64;
        for (j, m) in marges.marges.iter().enumerate() {
            let mut atteint = vec![0.0; c.categories[j] as usize];
            for (i, &k) in c.variables[j].iter().enumerate() {
                atteint[k as usize] += w[i];
            }
            let mut cible = vec![0.0; c.categories[j] as usize];
            for (nom, t) in &m.totaux {
                cible[nom[1..].parse::<usize>().unwrap()] = *t;
            }
            for (a, t) in atteint.iter().zip(&cible) {
                if *t > 0.0 {
                    ecart_max = ecart_max.max((a - t).abs() / t);
                }
            }
            for (i, &k) in c.variables[j].iter().enumerate() {
                w[i] *= cible[k as usize] / atteint[k as usize];
            }
        }
        if ecart_max < 1e-14 {
            break;
        }
    }
    w
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn calibrated_weights_reproduce_the_margins(c in cas()) {
        let (jeu, marges) = (c.jeu(), c.marges());
        for m in [Methode::Lineaire, Methode::Raking] {
            let cal = calibrer(&jeu, &marges, m, &c.options()).unwrap();
            prop_assert!(cal.diagnostics.ecart_relatif_max < 1e-9, "{:?}: {}", m, cal.diagnostics.ecart_relatif_max);
            let total: f64 = cal.poids.iter().sum();
            prop_assert!((total - marges.population).abs() < 1e-9 * marges.population);
            if m == Methode::Raking {
                prop_assert!(cal.poids.iter().all(|w| *w > 0.0));
            }
        }
    }

    #[test]
    fn bounded_methods_converge_within_feasible_bounds(c in cas()) {
        // The population was built as Σ d f x with f in [0.6, 1.8]: g = f satisfies any bounds
        // containing that range, so logit and truncated linear must find a solution in them.
        let (jeu, marges) = (c.jeu(), c.marges());
        for m in [
            Methode::Logit { bas: 0.5, haut: 2.0 },
            Methode::LineaireTronquee { bas: 0.55, haut: 1.9 },
        ] {
            let cal = calibrer(&jeu, &marges, m, &c.options()).unwrap();
            prop_assert!(cal.diagnostics.ecart_relatif_max < 1e-9, "{:?}", m);
            let (bas, haut) = m.bornes().unwrap();
            prop_assert!(cal.g.iter().all(|g| *g >= bas - 1e-12 && *g <= haut + 1e-12));
        }
    }

    #[test]
    fn raking_equals_iterative_proportional_fitting(c in cas()) {
        let (jeu, marges) = (c.jeu(), c.marges());
        let cal = calibrer(&jeu, &marges, Methode::Raking, &c.options()).unwrap();
        let reference = ipf(&c, &marges);
        for (a, b) in cal.poids.iter().zip(&reference) {
            prop_assert!((a - b).abs() <= 1e-8 * b.abs(), "{} vs IPF {}", a, b);
        }
    }

    #[test]
    fn scaling_the_design_weights_changes_nothing(c in cas(), echelle in 0.1f64..10.0) {
        let (jeu, marges) = (c.jeu(), c.marges());
        for m in [Methode::Lineaire, Methode::Raking] {
            let a = calibrer(&jeu, &marges, m, &c.options()).unwrap();
            let mut o = c.options();
            o.poids_initiaux = PoidsInitiaux::Valeurs(c.d.iter().map(|d| d * echelle).collect());
            let b = calibrer(&jeu, &marges, m, &o).unwrap();
            for (x, y) in a.poids.iter().zip(&b.poids) {
                prop_assert!((x - y).abs() <= 1e-8 * x.abs().max(1.0));
            }
        }
    }

    #[test]
    fn a_calibrated_category_has_no_calibrated_variance(c in cas()) {
        // The share of a margin's category is fixed by calibration: its linearised variance
        // is (numerically) zero, while the fixed-weights one is not.
        let (jeu, marges) = (c.jeu(), c.marges());
        let cal = calibrer(&jeu, &marges, Methode::Raking, &c.options()).unwrap();
        let ponderation = Ponderation { poids: &cal.poids, modele: Some(&cal.modele) };
        let mut requete = Requete::new("v0", Nature::Proportions);
        requete.seuil = 0;
        let fixes = estimer(&jeu, &ponderation, &requete).unwrap();
        requete.convention = Convention::Calee;
        let calees = estimer(&jeu, &ponderation, &requete).unwrap();
        let somme: f64 = fixes.iter().map(|e| e.estimation.unwrap()).sum();
        prop_assert!((somme - 1.0).abs() < 1e-12);
        for (f, k) in fixes.iter().zip(&calees) {
            prop_assert_eq!(f.estimation, k.estimation);
            let (sf, sk) = (f.erreur_type.unwrap(), k.erreur_type.unwrap());
            prop_assert!(sk <= 1e-9 * sf.max(1e-6) + 1e-12, "calibrated se {} vs fixed {}", sk, sf);
        }
    }

    #[test]
    fn csv_fields_survive_quoting(valeurs in prop::collection::vec("[a-z ,;\"\n]{1,8}", 1..30)) {
        let mut texte = String::from("id,v\n");
        for (i, v) in valeurs.iter().enumerate() {
            texte.push_str(&format!("{i},\"{}\"\n", v.replace('"', "\"\"")));
        }
        let jeu = Jeu::lire_csv(texte.as_bytes()).unwrap();
        let col = jeu.categorielle("v").unwrap();
        prop_assert_eq!(jeu.n(), valeurs.len());
        for (i, v) in valeurs.iter().enumerate() {
            // Quoted fields keep their spaces.
            prop_assert_eq!(&col.modalites[col.codes[i] as usize], v.as_str());
        }
    }
}

#[test]
fn small_cells_are_suppressed() {
    let mut jeu = Jeu::vide(40);
    let dom: Vec<Option<&str>> = (0..40)
        .map(|i| Some(if i < 35 { "grand" } else { "petit" }))
        .collect();
    let y: Vec<Option<String>> = (0..40).map(|i| Some((i % 2).to_string())).collect();
    jeu.ajouter_textes("dom", &dom).unwrap();
    jeu.ajouter_textes("y", &y).unwrap();
    let poids = vec![1.0; 40];
    let ponderation = Ponderation {
        poids: &poids,
        modele: None,
    };
    let mut requete = Requete::new("y", Nature::Moyenne);
    requete.domaine = Some("dom");
    let r = estimer(&jeu, &ponderation, &requete).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].domaine.as_deref(), Some("grand"));
    assert!(!r[0].supprimee && r[0].estimation.is_some() && r[0].n == 35);
    assert!(r[1].supprimee && r[1].estimation.is_none() && r[1].erreur_type.is_none());
    assert_eq!(r[1].n, 5);
    // The calibrated convention without a model is refused.
    requete.convention = Convention::Calee;
    assert!(estimer(&jeu, &ponderation, &requete).is_err());
}
