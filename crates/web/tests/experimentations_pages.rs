//! Experimentation pages over HTTP: the register, a draft hidden from others, the step form
//! (a decision without a comment is refused next to the field, a stale version is a conflict,
//! a step nobody may take is refused with the reason), CSRF.

mod common;
use alliances_domain::alliances::experimentation::DossierSaisie;
use alliances_domain::alliances::indicateurs::IndicateurSaisie;
use alliances_domain::alliances::AllianceSaisie;
use alliances_domain::annuaire::OrganisationSaisie;
use common::*;

#[tokio::test]
async fn the_register_and_the_steps_of_a_file() {
    let app = &server().app;
    // The alliance's backbone is a signed-up browser; the reviewer is a moderator.
    let mut chef = logged_in("exp-chef@exemple.fr").await;
    let uid = verifie(app, "exp-chef@exemple.fr").await;
    let user = app.current_user(uid).await.unwrap().unwrap();
    let org = app
        .creer_organisation(
            &user,
            &OrganisationSaisie {
                nom: "Appui expérimentation HTTP".into(),
                profil: "association".into(),
                code_commune: Some("42218".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
    let alliance = app
        .creer_alliance(
            &user,
            &AllianceSaisie {
                nom: "Alliance HTTP".into(),
                resume: "Pour les pages.".into(),
                territoires: vec!["commune:42218".into()],
                forme: "dialogue-territorial".into(),
                stade: "emergence".into(),
                publique: true,
                ..Default::default()
            },
            org,
        )
        .await
        .unwrap();
    let ind = app
        .ajouter_indicateur(
            &user,
            alliance,
            &IndicateurSaisie {
                nom: "Délai".into(),
                definition: "Jours entre la demande et la réponse".into(),
                sens: "baisse".into(),
                periodicite: "trimestrielle".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let d = app
        .creer_dossier(
            &user,
            alliance,
            &DossierSaisie {
                titre: "Dossier HTTP".into(),
                hypothese: "h".into(),
                regles: "r".into(),
                territoires: vec!["commune:42218".into()],
                duree_mois: Some(6),
                protocole: "p".into(),
                criteres: vec![ind],
            },
        )
        .await
        .unwrap();
    let page = format!("/experimentations/{d}");
    let mut visiteur = Browser::new();
    assert_eq!(
        visiteur.get(&page).await.status,
        404,
        "a draft is not public"
    );
    assert!(!visiteur
        .get("/experimentations")
        .await
        .body
        .contains("Dossier HTTP"));
    let p = chef.get(&page).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("value=\"depose\""));
    // Without the CSRF token.
    assert_eq!(
        chef.post(
            &format!("{page}/etape"),
            &[("version", "1"), ("vers", "depose")]
        )
        .await
        .status,
        403
    );
    // A step the backbone may not take.
    let csrf = p.csrf();
    let r = chef
        .post(
            &format!("{page}/etape"),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("vers", "autorise"),
                ("commentaire", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("ne passe pas"), "{}", r.body);
    let r = chef
        .post(
            &format!("{page}/etape"),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("vers", "depose"),
                ("commentaire", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    // Stale version.
    let r = chef
        .post(
            &format!("{page}/etape"),
            &[
                ("_csrf", &csrf),
                ("version", "1"),
                ("vers", "depose"),
                ("commentaire", ""),
            ],
        )
        .await;
    assert!(r.status == 409 || r.status == 422, "{}", r.status);
    let registre = visiteur.get("/experimentations").await;
    assert!(registre.body.contains("Dossier HTTP") && registre.body.contains("Déposé"));
    assert!(registre.body.contains("/experimentations/export.csv"));
    assert_eq!(visiteur.get(&page).await.status, 200);
    // The register as open data: one row per file past the draft, with the licence.
    let csv = visiteur.get("/experimentations/export.csv").await;
    assert_eq!(csv.status, 200);
    let lignes: Vec<&str> = csv.body.lines().collect();
    assert!(lignes[0].starts_with("id,titre,alliance,alliance_nom,etat,"));
    assert_eq!(lignes.len(), 2, "{}", csv.body);
    assert!(lignes[1].contains("Dossier HTTP") && lignes[1].contains(",depose,"));
    assert!(lignes[1].contains("Licence Ouverte 2.0"));
}

/// The account signed up through the pages, verified (creating organisations needs it) by
/// giving it a role from the CLI's use case.
async fn verifie(app: &alliances_app::App, email: &str) -> i64 {
    let (id, _) = app
        .create_user_with_role(
            email,
            "Chef",
            alliances_domain::comptes::Role::OperateurDispositif,
            "http://x/",
        )
        .await
        .unwrap();
    id
}
