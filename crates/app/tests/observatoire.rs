//! The observatory's studies and waves through the app's use cases, on SQLite or PostgreSQL:
//! rights, microdata import checked against the questionnaire (all or nothing, errors by line),
//! margins, calibration, publication with suppressed cells, visibility, online collection with
//! quotas.

mod common;

use alliances_app::observatoire::{
    IssueEnquete, ObservatoireError, ReglagesSaisie, ReponseEnqueteError,
};
use alliances_domain::comptes::Role;
use alliances_domain::observatoire::etude::{EtudeSaisie, VagueSaisie};
use alliances_domain::observatoire::resultats::Mesure;

const QUESTIONNAIRE: &str = r#"
id = "barometre-test"
version = 1
titre = "Baromètre de test"
licence = "Licence Ouverte 2.0"
date = "2026-01-15"

[[sections]]
id = "profil"
titre = "Votre structure"

[[sections.questions]]
id = "profil"
type = "choix_unique"
texte = "Vous êtes"
obligatoire = true
options = [ { id = "association", texte = "Une association" }, { id = "entreprise", texte = "Une entreprise" }, { id = "collectivite", texte = "Une collectivité" } ]

[[sections.questions]]
id = "taille"
type = "choix_unique"
texte = "Taille"
obligatoire = true
options = [ { id = "petite", texte = "Petite" }, { id = "grande", texte = "Grande" } ]

[[sections]]
id = "partenariats"
titre = "Vos partenariats"

[[sections.questions]]
id = "partenariat"
type = "oui_non"
texte = "Avez-vous au moins un partenariat ?"
obligatoire = true

[[sections.questions]]
id = "nombre"
type = "nombre"
texte = "Combien ?"
min = 0
max = 500
condition = { question = "partenariat", valeurs = ["oui"] }

[[sections.questions]]
id = "freins"
type = "choix_multiple"
texte = "Freins"
options = [ { id = "temps", texte = "Le temps" }, { id = "argent", texte = "L'argent" }, { id = "aucun", texte = "Aucun", exclusif = true } ]
"#;

const MARGES: &str = r#"{"population": 10000, "margins": {
  "profil": {"association": 5000, "entreprise": 3000, "collectivite": 2000},
  "taille": {"petite": 7000, "grande": 3000}}}"#;

fn analyste(mut u: alliances_app::comptes::CurrentUser) -> alliances_app::comptes::CurrentUser {
    u.roles = vec![Role::AnalysteObservatoire];
    u
}

/// 200 respondents, reproducible: association-heavy, few large collectivités.
fn microdonnees() -> String {
    let mut s = String::from("id,poids,profil,taille,partenariat,nombre,freins\n");
    let mut x: u64 = 42;
    let mut tirer = |n: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    for i in 0..200 {
        let profil = match tirer(10) {
            0..=5 => "association",
            6..=8 => "entreprise",
            _ => "collectivite",
        };
        let taille = if profil == "collectivite" || tirer(4) == 0 {
            "grande"
        } else {
            "petite"
        };
        let oui = tirer(3) != 0;
        let nombre = if oui {
            (1 + tirer(20)).to_string()
        } else {
            String::new()
        };
        let freins = ["temps", "argent", "temps|argent", "aucun"][tirer(4) as usize];
        let poids = 1.0 + (i % 3) as f64 * 0.5;
        s.push_str(&format!(
            "r{i},{poids},{profil},{taille},{},{nombre},{freins}\n",
            if oui { "oui" } else { "non" }
        ));
    }
    s
}

fn vague_saisie() -> VagueSaisie {
    VagueSaisie {
        libelle: "Vague 2026".into(),
        debut: "2026-01-10".into(),
        fin: "2026-02-20".into(),
        mode: "en-ligne".into(),
        plan: "quotas".into(),
        questionnaire: QUESTIONNAIRE.into(),
        domaines: "profil".into(),
        seuil: "".into(),
    }
}

#[tokio::test]
async fn a_wave_from_microdata_to_published_calibrated_results() {
    let (app, _g) = common::app().await;
    let quidam = common::user(&app, "quidam@example.org").await;
    let a = analyste(common::user(&app, "analyste@example.org").await);
    let etude = EtudeSaisie {
        titre: "Baromètre des partenariats".into(),
        population: "associations".into(),
        description: "".into(),
        producteur: "Observatoire".into(),
    };
    assert!(matches!(
        app.creer_etude(&quidam, &etude).await,
        Err(ObservatoireError::Interdit)
    ));
    let id = app.creer_etude(&a, &etude).await.unwrap();

    // A questionnaire error names its line.
    let mut mauvaise = vague_saisie();
    mauvaise.questionnaire = QUESTIONNAIRE.replace("type = \"oui_non\"", "type = \"peut_etre\"");
    match app.creer_vague(&a, id, &mauvaise).await {
        Err(ObservatoireError::Invalide(e)) => {
            assert_eq!(e[0].champ, "questionnaire");
            assert!(e[0].message.contains("ligne"), "{}", e[0].message);
        }
        other => panic!("{other:?}"),
    }
    let n = app.creer_vague(&a, id, &vague_saisie()).await.unwrap();
    assert_eq!(n, 1);

    // Not published: invisible to the public.
    assert!(app.etudes_visibles(None).await.unwrap().is_empty());
    assert!(matches!(
        app.vague_observatoire(None, id, 1).await,
        Err(ObservatoireError::Introuvable)
    ));

    // A file with errors: every one with its line and column, nothing written.
    let fautif = "id,profil,taille,partenariat,nombre\n\
                  a,association,petite,oui,3\n\
                  b,martien,petite,non,\n\
                  c,entreprise,,non,4\n\
                  a,entreprise,grande,oui,900\n";
    match app
        .importer_microdonnees(&a, id, 1, fautif.as_bytes(), "", "")
        .await
    {
        Err(ObservatoireError::Fichier { erreurs, total }) => {
            let vus: Vec<String> = erreurs
                .iter()
                .map(|e| format!("{}:{}", e.ligne, e.colonne))
                .collect();
            assert_eq!(
                vus,
                vec!["3:profil", "4:taille", "4:nombre", "5:nombre"],
                "{erreurs:#?}"
            );
            assert_eq!(total, 4);
        }
        other => panic!("{other:?}"),
    }
    let t = app.tableau_vague(&a, id, 1).await.unwrap();
    assert_eq!(t.effectifs, (0, 0));

    let csv = microdonnees();
    assert_eq!(
        app.importer_microdonnees(&a, id, 1, csv.as_bytes(), "id", "poids")
            .await
            .unwrap(),
        200
    );
    // Re-importing replaces, does not add.
    app.importer_microdonnees(&a, id, 1, csv.as_bytes(), "id", "poids")
        .await
        .unwrap();
    assert_eq!(
        app.tableau_vague(&a, id, 1).await.unwrap().effectifs,
        (200, 0)
    );

    // Margins naming an unknown category are refused with the reason.
    let r = app
        .regler_calage(
            &a,
            id,
            1,
            &ReglagesSaisie {
                marges: MARGES.replace("\"grande\"", "\"moyenne\""),
                methode: "raking".into(),
                ..Default::default()
            },
        )
        .await;
    match r {
        Err(ObservatoireError::Invalide(e)) => {
            assert_eq!(e[0].champ, "marges");
            assert!(e[0].message.contains("moyenne"), "{}", e[0].message);
        }
        other => panic!("{other:?}"),
    }
    let r = app
        .regler_calage(
            &a,
            id,
            1,
            &ReglagesSaisie {
                marges: MARGES.into(),
                methode: "logit".into(),
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(&r, Err(ObservatoireError::Invalide(e)) if e[0].champ == "bornes"),
        "{r:?}"
    );
    // Publishing a wave with margins before calibrating it is refused.
    app.regler_calage(
        &a,
        id,
        1,
        &ReglagesSaisie {
            marges: MARGES.into(),
            methode: "raking".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        app.publier_vague(&a, id, 1).await,
        Err(ObservatoireError::Refus(_))
    ));

    let m = app.caler_vague(&a, id, 1).await.unwrap();
    assert_eq!(m.n, 200);
    assert!(m.ecart_relatif_max < 1e-9, "{m:?}");
    assert!(m.effet_plan >= 1.0);
    let t = app.tableau_vague(&a, id, 1).await.unwrap();
    assert!(t.calage.is_some());

    let r = app.publier_vague(&a, id, 1).await.unwrap();
    assert_eq!(r.methodologie.convention, "calee");
    assert_eq!(r.methodologie.methode.as_deref(), Some("raking"));
    // Calibrated on the profile: its weighted shares are the margins' exactly.
    let profil = r.questions.iter().find(|q| q.id == "profil").unwrap();
    assert_eq!(profil.mesure, Mesure::Repartition);
    let part = |m: &str| {
        profil
            .lignes
            .iter()
            .find(|l| l.variable_domaine.is_none() && l.modalite.as_deref() == Some(m))
            .unwrap()
    };
    assert!((part("association").estimation.unwrap() - 50.0).abs() < 1e-9);
    assert!((part("entreprise").estimation.unwrap() - 30.0).abs() < 1e-9);
    // A calibration variable's share has no sampling error under the calibrated convention.
    assert!(part("association").erreur_type.unwrap() < 1e-6);
    assert_eq!(
        part("association").modalite_libelle.as_deref(),
        Some("Une association")
    );
    // The few collectivités are under the threshold in the domain breakdown: suppressed.
    let nombre = r.questions.iter().find(|q| q.id == "nombre").unwrap();
    assert_eq!(nombre.mesure, Mesure::Moyenne);
    let coll = nombre
        .lignes
        .iter()
        .find(|l| l.domaine.as_deref() == Some("collectivite"))
        .unwrap();
    assert!(
        coll.n < 30 && coll.supprimee && coll.estimation.is_none(),
        "{coll:?}"
    );
    let global = &nombre.lignes[0];
    assert!(global.n > 100 && !global.supprimee);
    assert!(global.ic95_bas.unwrap() < global.estimation.unwrap());
    let freins = r.questions.iter().find(|q| q.id == "freins").unwrap();
    assert_eq!(freins.mesure, Mesure::Citations);

    // Published: visible, frozen.
    let publiques = app.etudes_visibles(None).await.unwrap();
    assert_eq!(publiques.len(), 1);
    let (_, lue) = app.vague_observatoire(None, id, 1).await.unwrap();
    assert_eq!(lue.resultats.unwrap(), r);
    assert!(matches!(
        app.importer_microdonnees(&a, id, 1, csv.as_bytes(), "id", "poids")
            .await,
        Err(ObservatoireError::Refus(_))
    ));
    app.depublier_vague(&a, id, 1).await.unwrap();
    assert!(app.etudes_visibles(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn online_collection_with_invitations_and_quotas() {
    let (app, _g) = common::app().await;
    let a = analyste(common::user(&app, "analyste@example.org").await);
    let id = app
        .creer_etude(
            &a,
            &EtudeSaisie {
                titre: "Enquête en ligne".into(),
                population: "associations".into(),
                description: "".into(),
                producteur: "Observatoire".into(),
            },
        )
        .await
        .unwrap();
    app.creer_vague(&a, id, &vague_saisie()).await.unwrap();
    app.regler_calage(
        &a,
        id,
        1,
        &ReglagesSaisie {
            quotas: r#"{"profil": {"association": 1, "entreprise": 5}}"#.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let jetons = app.creer_invitations(&a, id, 1, 3).await.unwrap();
    assert_eq!(jetons.len(), 3);
    // Collection closed: the link says so.
    assert!(matches!(
        app.enquete(&jetons[0]).await,
        Err(ObservatoireError::Refus(_))
    ));
    app.ouvrir_collecte(&a, id, 1, true).await.unwrap();
    assert!(app.enquete(&jetons[0]).await.is_ok());
    assert!(matches!(
        app.enquete("pas-un-jeton").await,
        Err(ObservatoireError::Introuvable)
    ));

    let champs = |profil: &str, partenariat: &str| -> Vec<(String, Vec<String>)> {
        vec![
            ("profil".into(), vec![profil.into()]),
            ("taille".into(), vec!["petite".into()]),
            ("partenariat".into(), vec![partenariat.into()]),
            ("nombre".into(), vec!["4".into()]),
        ]
    };
    // A required answer missing: what to correct, nothing used.
    let mut incomplet = champs("association", "oui");
    incomplet.retain(|(q, _)| q != "partenariat");
    match app.repondre_enquete(&jetons[0], &incomplet).await {
        Err(ReponseEnqueteError::Reponses(e)) => assert_eq!(e[0].question, "partenariat"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        app.repondre_enquete(&jetons[0], &champs("association", "non"))
            .await
            .unwrap(),
        IssueEnquete::Complete
    );
    // Used once.
    assert!(app
        .repondre_enquete(&jetons[0], &champs("association", "non"))
        .await
        .is_err());
    // The association cell is full: the next association is screened out.
    assert_eq!(
        app.repondre_enquete(&jetons[1], &champs("association", "oui"))
            .await
            .unwrap(),
        IssueEnquete::HorsQuota("Une association".into())
    );
    assert_eq!(
        app.repondre_enquete(&jetons[2], &champs("entreprise", "oui"))
            .await
            .unwrap(),
        IssueEnquete::Complete
    );
    let t = app.tableau_vague(&a, id, 1).await.unwrap();
    assert_eq!(t.effectifs, (0, 2));
    assert_eq!(t.invitations, (3, 2, 1));
    let assoc = t
        .quotas
        .iter()
        .find(|c| c.modalite == "association")
        .unwrap();
    assert_eq!((assoc.atteint, assoc.cible), (1, 1));
    let ent = t
        .quotas
        .iter()
        .find(|c| c.modalite == "entreprise")
        .unwrap();
    assert_eq!((ent.atteint, ent.cible), (1, 5));
}
