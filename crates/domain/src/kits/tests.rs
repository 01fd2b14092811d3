use proptest::prelude::*;
use serde_json::json;

use super::definition::verifier_emplacement;
use super::pairs::{ecarts, part_en_dessous};
use super::reponses::OuiNon;
use super::*;

pub(crate) const EXEMPLE: &str = r#"
id = "exemple"
version = 2
titre = "Kit d'exemple"
public = "organisation"
duree_minutes = 5
resume = "Un kit pour les tests."
licence = "Licence Ouverte 2.0"
date = "2026-11-27"

[[dimensions]]
id = "pratiques"
titre = "Pratiques"
description = "Ce que vous faites."

[[dimensions]]
id = "evaluation"
titre = "Évaluation"
description = "Ce que vous mesurez."
poids = 2

[[niveaux]]
id = "decouverte"
titre = "Découverte"
min = 0
description = "On commence."

[[niveaux]]
id = "structuration"
titre = "Structuration"
min = 25
description = "On organise."

[[niveaux]]
id = "consolidation"
titre = "Consolidation"
min = 50
description = "On consolide."

[[niveaux]]
id = "rayonnement"
titre = "Rayonnement"
min = 75
description = "On essaime."

[[sections]]
id = "profil"
titre = "Votre organisation"

[[sections.questions]]
id = "taille"
type = "choix_unique"
texte = "Combien de salariés ?"
options = [ { id = "zero", texte = "Aucun" }, { id = "petite", texte = "1 à 9" } ]

[[sections.questions]]
id = "partenariats"
type = "oui_non"
texte = "Avez-vous au moins un partenariat ?"
dimension = "pratiques"

[[sections.questions]]
id = "nombre"
type = "nombre"
texte = "Combien de partenaires ?"
dimension = "pratiques"
min = 0
max = 500
paliers = [[1, 0.25], [3, 0.5], [10, 1.0]]
condition = { question = "partenariats", valeurs = ["oui"] }

[[sections]]
id = "pratiques"
titre = "Vos pratiques"
restitution = true

[[sections.questions]]
id = "types"
type = "choix_multiple"
texte = "Quels types ?"
dimension = "pratiques"
poids = 2
plafond = 3
non_applicable = true

[[sections.questions.options]]
id = "mecenat"
texte = "Mécénat"
points = 1

[[sections.questions.options]]
id = "cooperation"
texte = "Coopération"
points = 2

[[sections.questions.options]]
id = "innovation"
texte = "Innovation"
points = 2

[[sections.questions.options]]
id = "aucun"
texte = "Aucun"
points = 0
exclusif = true

[[sections.questions]]
id = "gouvernance"
type = "echelle"
texte = "Vos partenariats ont-ils une gouvernance ?"
dimension = "pratiques"
libelle_min = "Pas du tout"
libelle_max = "Tout à fait"

[[sections.questions]]
id = "mesure"
type = "choix_unique"
texte = "Mesurez-vous les effets ?"
dimension = "evaluation"
non_applicable = true
options = [ { id = "jamais", texte = "Jamais", points = 0 }, { id = "parfois", texte = "Parfois", points = 1 }, { id = "toujours", texte = "Toujours", points = 2 } ]

[[sections.questions]]
id = "rapport"
type = "oui_non"
texte = "Publiez-vous un rapport ?"
dimension = "evaluation"

[[sections.questions]]
id = "plan"
type = "texte"
texte = "Vos priorités"
max_longueur = 200

[[recommandations]]
dimension = "pratiques"
niveaux = ["decouverte", "structuration"]
titre = "Cartographier"
texte = "Faites la liste de vos partenaires."
liens = [ { type = "partenaire", valeur = "entreprise" }, { type = "service", valeur = "diagnostic" } ]

[[recommandations]]
dimension = "pratiques"
niveaux = ["consolidation", "rayonnement"]
titre = "Approfondir"
texte = "Passez du mécénat à la coopération."
liens = [ { type = "theme", valeur = "partenariats" }, { type = "offre", valeur = "competences" } ]

[[recommandations]]
dimension = "evaluation"
niveaux = ["decouverte", "structuration", "consolidation", "rayonnement"]
titre = "Évaluer"
texte = "Choisissez trois indicateurs."
"#;

fn exemple() -> Kit {
    lire(EXEMPLE).unwrap_or_else(|e| panic!("{e:?}"))
}

fn rep(kit: &Kit, v: serde_json::Value) -> Reponses {
    kit.lire_reponses_json(v.as_object().unwrap())
        .unwrap_or_else(|e| panic!("{e:?}"))
}

/// Replaces `avant` (must occur once) in the example and returns the errors.
fn erreurs(avant: &str, apres: &str) -> Vec<ErreurKit> {
    assert_eq!(EXEMPLE.matches(avant).count(), 1, "{avant}");
    lire(&EXEMPLE.replace(avant, apres)).expect_err("must be refused")
}

fn contient(errs: &[ErreurKit], morceau: &str) -> usize {
    errs.iter()
        .find(|e| e.message.contains(morceau))
        .unwrap_or_else(|| panic!("no error containing {morceau:?} in {errs:#?}"))
        .ligne
}

fn ligne_de(morceau: &str) -> usize {
    EXEMPLE[..EXEMPLE.find(morceau).unwrap()]
        .matches('\n')
        .count()
        + 1
}

#[test]
fn the_example_reads() {
    let k = exemple();
    assert_eq!(k.version, 2);
    assert_eq!(k.questions.len(), 8);
    assert_eq!(k.sections[1].questions, 3..8);
    assert_eq!(k.questions_notees(), 6);
    assert_eq!(k.question("mesure"), Some(5));
    assert!(verifier_emplacement(&k, "exemple", "v2.toml").is_empty());
    assert_eq!(verifier_emplacement(&k, "autre", "v1.toml").len(), 2);
}

#[test]
fn errors_name_their_line_and_reason() {
    let e = erreurs(
        "dimension = \"evaluation\"\nnon_applicable",
        "dimension = \"evalution\"\nnon_applicable",
    );
    assert_eq!(
        contient(&e, "dimension \"evalution\" inconnue"),
        ligne_de("id = \"mesure\"") - 1 /* the table header */
    );

    let e = erreurs("id = \"rapport\"", "id = \"mesure\"");
    assert!(contient(&e, "\"mesure\": identifiant en double") > 0);

    let e = erreurs("min = 25", "min = 10\nmin2 = 3");
    assert!(contient(&e, "unknown field `min2`") > 0);

    let e = erreurs(
        "min = 0\ndescription = \"On commence.\"",
        "min = 5\ndescription = \"On commence.\"",
    );
    assert!(contient(&e, "le premier niveau doit commencer à 0") > 0);

    let e = erreurs("min = 75", "min = 40");
    contient(&e, "doit dépasser celui du niveau précédent");

    let e = erreurs("valeurs = [\"oui\"]", "valeurs = [\"peut-etre\"]");
    contient(
        &e,
        "\"peut-etre\" n'est pas une réponse de \"partenariats\"",
    );

    // A scored source: a better answer must not hide the question.
    let e = erreurs("valeurs = [\"oui\"]", "valeurs = [\"non\"]");
    contient(&e, "une meilleure réponse ne doit pas masquer");

    let e = erreurs(
        "condition = { question = \"partenariats\"",
        "condition = { question = \"rapport\"",
    );
    contient(&e, "doit venir avant");

    let e = erreurs(
        "niveaux = [\"consolidation\", \"rayonnement\"]",
        "niveaux = [\"consolidation\"]",
    );
    contient(&e, "aucune recommandation pour le(s) niveau(x) rayonnement");

    let e = erreurs("valeur = \"diagnostic\"", "valeur = \"coaching\"");
    contient(&e, "lien service \"coaching\" inconnu");

    let e = erreurs(
        "id = \"jamais\", texte = \"Jamais\", points = 0",
        "id = \"jamais\", texte = \"Jamais\"",
    );
    contient(&e, "pas de points alors que la question est notée");

    let e = erreurs("plafond = 3", "plafond = 9");
    contient(&e, "plafond 9");

    let e = erreurs("[10, 1.0]", "[2, 1.0]");
    contient(&e, "les seuils doivent croître");

    let e = erreurs("type = \"echelle\"", "type = \"curseur\"");
    contient(&e, "type \"curseur\" inconnu");

    let e = erreurs("version = 2", "version = \"deux\"");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].ligne, ligne_de("version = 2"));

    // Not TOML at all.
    let e = lire("<html>").unwrap_err();
    assert_eq!(e[0].ligne, 1);
}

#[test]
fn unreachable_questions_are_reported() {
    // "nombre" shown only when "partenariats" is answered; make "partenariats" itself
    // conditioned on a question after it: the reference is refused, and a chain through a
    // refused condition is not reported twice as unreachable.
    let texte = EXEMPLE.replace(
        "dimension = \"pratiques\"\n\n[[sections.questions]]\nid = \"nombre\"",
        "dimension = \"pratiques\"\ncondition = { question = \"taille\", valeurs = [] }\n\n[[sections.questions]]\nid = \"nombre\"",
    );
    let e = lire(&texte).unwrap_err();
    contient(&e, "aucune valeur, la question ne serait jamais affichée");
}

#[test]
fn scoring_follows_the_readme() {
    let k = exemple();
    let vide = k.noter(&Reponses::vides(&k));
    assert_eq!(vide.dimensions[0].score, Some(0.0));
    assert_eq!(vide.global, Some(0.0));
    assert_eq!(vide.niveau, Some(0));

    let r = rep(
        &k,
        json!({"taille": "petite", "partenariats": "oui", "nombre": 4, "types": ["mecenat", "cooperation"],
               "gouvernance": 3, "mesure": "parfois", "rapport": "non", "plan": "Agir"}),
    );
    let s = k.noter(&r);
    // pratiques: oui 1×1, nombre 0.5×1, types 3/3×2, gouvernance 0.5×1 → 4 / 5 = 80 %.
    assert_eq!(s.dimensions[0].score, Some(80.0));
    assert_eq!(s.dimensions[0].niveau, Some(3));
    // evaluation: parfois 0.5, non 0 → 25 %.
    assert_eq!(s.dimensions[1].score, Some(25.0));
    // overall: (80 × 1 + 25 × 2) / 3 = 43.3
    assert_eq!(s.global, Some(43.3));
    assert_eq!(s.niveau, Some(1));
    assert_eq!((s.repondues, s.affichees), (8, 8));
    assert_eq!(s.forces(), vec![0, 1]);

    // Hidden question: counts 0 out of its weight, even with a stored answer.
    let r2 = rep(&k, json!({"partenariats": "non", "nombre": 12}));
    let s2 = k.noter(&r2);
    assert_eq!(s2.dimensions[0].score, Some(0.0));
    assert_eq!(s2.affichees, 7);

    // « ne nous concerne pas » on every question of a dimension: no score, left out overall.
    let r3 = rep(&k, json!({"mesure": "non-applicable", "rapport": "oui"}));
    assert_eq!(k.noter(&r3).dimensions[1].score, Some(100.0));
    let r4 = rep(&k, json!({"gouvernance": 5, "mesure": "non-applicable"}));
    let s4 = k.noter(&r4);
    assert_eq!(s4.dimensions[1].score, Some(0.0));
    assert_eq!(s4.dimensions[0].score, Some(20.0));
}

#[test]
fn answers_are_checked() {
    let k = exemple();
    let m = |v: serde_json::Value| k.lire_reponses_json(v.as_object().unwrap()).unwrap_err();
    let e = m(json!({"inconnue": "x"}));
    assert!(e[0]
        .message
        .contains("question inconnue dans le kit exemple v2"));
    assert!(m(json!({"gouvernance": 6}))[0].message.contains("de 1 à 5"));
    assert!(m(json!({"nombre": 501}))[0]
        .message
        .contains("entre 0 et 500"));
    assert!(m(json!({"nombre": "beaucoup"}))[0]
        .message
        .contains("n'est pas un nombre"));
    assert!(m(json!({"mesure": "souvent"}))[0]
        .message
        .contains("option \"souvent\" inconnue"));
    assert!(m(json!({"types": ["aucun", "mecenat"]}))[0]
        .message
        .contains("ne se combine pas"));
    assert!(m(json!({"rapport": "non-applicable"}))[0]
        .message
        .contains("n'est pas proposé"));
    assert!(m(json!({"plan": "x".repeat(201)}))[0]
        .message
        .contains("trop long"));
    assert!(m(json!({"gouvernance": {"a": 1}}))[0]
        .message
        .contains("valeur inattendue"));
    assert_eq!(m(json!({"gouvernance": 9, "mesure": "x"})).len(), 2);
    // A number with a French decimal comma from a form.
    assert_eq!(k.lire_reponse(2, &["2,5"]), Ok(Some(Reponse::Nombre(2.5))));
    assert_eq!(k.lire_reponse(2, &["  "]), Ok(None));
    assert_eq!(
        rep(&k, json!({"gouvernance": 5.0})).get(4),
        Some(&Reponse::Echelle(5))
    );
    // Round trip through JSON.
    let r = rep(
        &k,
        json!({"types": ["innovation", "mecenat"], "nombre": 3, "rapport": "nsp", "mesure": "non-applicable", "gouvernance": 2, "plan": "a\nb"}),
    );
    assert_eq!(r.get(4), Some(&Reponse::Echelle(2)));
    assert_eq!(r.get(6), Some(&Reponse::OuiNon(OuiNon::Nsp)));
    let back = k.reponses_json(&r);
    assert_eq!(back["types"], json!(["mecenat", "innovation"]));
    assert_eq!(rep(&k, serde_json::Value::Object(back)), r);
}

#[test]
fn peers_and_partners() {
    assert_eq!(part_en_dessous(50.0, &[10.0; 9]), None);
    let pairs: Vec<f64> = (0..20).map(|i| i as f64 * 5.0).collect();
    assert_eq!(part_en_dessous(50.0, &pairs), Some(50));
    assert_eq!(part_en_dessous(0.0, &pairs), Some(0));
    assert_eq!(part_en_dessous(100.0, &pairs), Some(100));

    let k = exemple();
    let a = rep(
        &k,
        json!({"gouvernance": 1, "rapport": "oui", "mesure": "toujours"}),
    );
    let b = rep(
        &k,
        json!({"gouvernance": 4, "rapport": "oui", "mesure": "non-applicable"}),
    );
    let e = ecarts(&k, &[a, b]);
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(k.questions[e[0].question].id, "gouvernance");
    assert!(e[0].divergent);
    assert_eq!((e[0].min, e[0].max), (0.0, 0.75));
    assert!(!e[1].divergent);
}

/// Every kit shipped in `kits/` (read from the source tree), and the example.
fn tous_les_kits() -> Vec<Kit> {
    let mut kits = vec![exemple()];
    let racine = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kits");
    if let Ok(dossiers) = std::fs::read_dir(&racine) {
        for d in dossiers.flatten().filter(|d| d.path().is_dir()) {
            for f in std::fs::read_dir(d.path()).unwrap().flatten() {
                if f.path().extension().is_some_and(|e| e == "toml") {
                    let t = std::fs::read_to_string(f.path()).unwrap();
                    kits.push(lire(&t).unwrap_or_else(|e| panic!("{}: {e:?}", f.path().display())));
                }
            }
        }
    }
    kits
}

/// A random answer to question `q` (or none), from a random number.
fn reponse_au_hasard(kit: &Kit, q: usize, x: u32) -> Option<Reponse> {
    let question = &kit.questions[q];
    if x.is_multiple_of(7) {
        return None;
    }
    if question.non_applicable && x % 11 == 1 {
        return Some(Reponse::NonApplicable);
    }
    let y = x / 13;
    Some(match &question.genre {
        Genre::ChoixUnique { options, .. } => Reponse::Choix(y as usize % options.len()),
        Genre::ChoixMultiple { options, .. } => {
            let choisis: Vec<usize> = (0..options.len())
                .filter(|i| (y >> i) & 1 == 1 && !options[*i].exclusif)
                .collect();
            if choisis.is_empty() {
                return options
                    .iter()
                    .position(|o| o.exclusif)
                    .map(|i| Reponse::Multiple(vec![i]));
            }
            Reponse::Multiple(choisis)
        }
        Genre::Echelle { .. } => Reponse::Echelle((y % 5) as u8 + 1),
        Genre::OuiNon { .. } => {
            Reponse::OuiNon([OuiNon::Oui, OuiNon::Non, OuiNon::Nsp][y as usize % 3])
        }
        Genre::Nombre { min, max, .. } => {
            Reponse::Nombre(min + (max - min) * f64::from(y % 1000) / 999.0)
        }
        Genre::Texte { .. } => Reponse::Texte(format!("texte {y}")),
    })
}

/// A better (or equal) answer than `r` to question `q`, if there is one.
fn meilleure(kit: &Kit, q: usize, r: Option<&Reponse>, x: u32) -> Option<Reponse> {
    let question = &kit.questions[q];
    match (r, &question.genre) {
        (None, _) => reponse_au_hasard(kit, q, x | 1).filter(|r| *r != Reponse::NonApplicable),
        (Some(Reponse::Choix(i)), Genre::ChoixUnique { options, .. }) => {
            let mieux: Vec<usize> = (0..options.len())
                .filter(|j| options[*j].points >= options[*i].points)
                .collect();
            Some(Reponse::Choix(mieux[x as usize % mieux.len()]))
        }
        (Some(Reponse::Multiple(is)), Genre::ChoixMultiple { options, .. }) => {
            if is.iter().any(|i| options[*i].exclusif) {
                return None;
            }
            let mut plus = is.clone();
            let j = x as usize % options.len();
            if !options[j].exclusif && !plus.contains(&j) {
                plus.push(j);
                plus.sort_unstable();
            }
            Some(Reponse::Multiple(plus))
        }
        (Some(Reponse::Echelle(n)), _) => Some(Reponse::Echelle((*n + 1).min(5))),
        (Some(Reponse::OuiNon(_)), Genre::OuiNon { inverse }) => {
            Some(Reponse::OuiNon(if *inverse {
                OuiNon::Non
            } else {
                OuiNon::Oui
            }))
        }
        (Some(Reponse::Nombre(n)), Genre::Nombre { max, .. }) => {
            Some(Reponse::Nombre((n + f64::from(x % 50)).min(*max)))
        }
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn scores_keep_their_promises(graines in proptest::collection::vec(any::<u32>(), 80), choix in any::<u32>(), x in any::<u32>()) {
        for kit in tous_les_kits() {
            let n = kit.questions.len();
            let reponses = Reponses((0..n).map(|q| reponse_au_hasard(&kit, q, graines[q % graines.len()].rotate_left(q as u32))).collect());
            let s = kit.noter(&reponses);
            // Within 0–100, and deterministic.
            for d in &s.dimensions {
                if let Some(v) = d.score { prop_assert!((0.0..=100.0).contains(&v)); }
            }
            if let Some(g) = s.global { prop_assert!((0.0..=100.0).contains(&g)); }
            prop_assert_eq!(&kit.noter(&reponses.clone()), &s);
            // The JSON round trip keeps the answers.
            let json = kit.reponses_json(&reponses);
            prop_assert_eq!(&kit.lire_reponses_json(&json).unwrap(), &reponses);

            let notees: Vec<usize> = (0..n).filter(|&q| kit.questions[q].dim.is_some()).collect();
            let q = notees[choix as usize % notees.len()];
            // A better answer never lowers any dimension's score.
            if reponses.get(q) != Some(&Reponse::NonApplicable) {
                if let Some(mieux) = meilleure(&kit, q, reponses.get(q), x) {
                    let mut r2 = reponses.clone();
                    r2.0[q] = Some(mieux);
                    let s2 = kit.noter(&r2);
                    for (a, b) in s.dimensions.iter().zip(&s2.dimensions) {
                        prop_assert!(b.score >= a.score, "kit {} question {}: {:?} → {:?}", kit.id, kit.questions[q].id, a.score, b.score);
                    }
                }
            }
            // « Ne nous concerne pas » changes no other dimension.
            if kit.questions[q].non_applicable {
                let mut r3 = reponses.clone();
                r3.0[q] = Some(Reponse::NonApplicable);
                let s3 = kit.noter(&r3);
                let d = kit.questions[q].dim.unwrap();
                for (i, (a, b)) in s.dimensions.iter().zip(&s3.dimensions).enumerate() {
                    if i != d { prop_assert_eq!(a.score, b.score); }
                }
            }
        }
    }
}

#[test]
fn a_profile_condition_can_take_hidden_questions_out_of_the_score() {
    let texte = EXEMPLE.replace(
        "libelle_max = \"Tout à fait\"",
        "libelle_max = \"Tout à fait\"\ncondition = { question = \"taille\", valeurs = [\"petite\"], hors_score = true }",
    );
    let k = lire(&texte).unwrap();
    // "gouvernance" concerns only organisations with employees.
    let sans = rep(
        &k,
        json!({"taille": "zero", "partenariats": "oui", "nombre": 12, "types": ["cooperation", "innovation"]}),
    );
    let avec = rep(
        &k,
        json!({"taille": "petite", "partenariats": "oui", "nombre": 12, "types": ["cooperation", "innovation"]}),
    );
    // pratiques without gouvernance: (1 + 1 + 2) / 4 = 100; with it unanswered: 4 / 5 = 80.
    assert_eq!(k.noter(&sans).dimensions[0].score, Some(100.0));
    assert_eq!(k.noter(&sans).dimensions[0].questions, 3);
    assert_eq!(k.noter(&avec).dimensions[0].score, Some(80.0));
    // Not on a scored source: a better answer could then take points away.
    let e = lire(&EXEMPLE.replace(
        "valeurs = [\"oui\"] }",
        "valeurs = [\"oui\"], hors_score = true }",
    ))
    .unwrap_err();
    contient(&e, "hors_score demande une question source non notée");
}
