//! The alliances' JSON API and open-data CSV against a real server: list with filters and
//! cursor, one alliance with members, indicators (validated values only) and health, the
//! experimentation register; members-only alliances stay hidden; bad parameters are named.

mod common;
use alliances_app::alliances::{AllianceError, ValeurSaisie};
use alliances_domain::alliances::experimentation::DossierSaisie;
use alliances_domain::alliances::indicateurs::IndicateurSaisie;
use alliances_domain::alliances::AllianceSaisie;
use alliances_domain::annuaire::OrganisationSaisie;
use alliances_domain::dates;
use common::*;

/// One public and one members-only alliance, an indicator with a validated and a declared value,
/// a submitted experimentation file. Returns (public id, private id).
async fn donnees() -> (i64, i64) {
    let app = &server().app;
    let (uid, _) = app
        .create_user_with_role(
            "api-alliances@exemple.fr",
            "API",
            alliances_domain::comptes::Role::Moderateur,
            "http://x/",
        )
        .await
        .unwrap();
    let chef = app.current_user(uid).await.unwrap().unwrap();
    let org = app
        .creer_organisation(
            &chef,
            &OrganisationSaisie {
                nom: "Appui API".into(),
                profil: "association".into(),
                code_commune: Some("42218".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
    let saisie = |nom: &str, publique| AllianceSaisie {
        nom: nom.into(),
        resume: "Une alliance pour l'API.".into(),
        territoires: vec!["commune:42218".into()],
        odd: vec![4],
        forme: "partenariat-organisations".into(),
        stade: "deploiement".into(),
        publique,
        ..Default::default()
    };
    let publique = app
        .creer_alliance(&chef, &saisie("Alliance API, publique", true), org)
        .await
        .unwrap();
    let privee = app
        .creer_alliance(&chef, &saisie("Alliance API réservée", false), org)
        .await
        .unwrap();
    let ind = app
        .ajouter_indicateur(
            &chef,
            publique,
            &IndicateurSaisie {
                nom: "Élèves accompagnés".into(),
                definition: "Élèves suivis au moins un trimestre".into(),
                sens: "hausse".into(),
                periodicite: "mensuelle".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let auj = dates::jour_de(alliances_app::now());
    let v = |m: i64, x: &str| ValeurSaisie {
        organisation: org,
        periode: dates::iso(dates::debut_de_mois(auj, -m)),
        valeur: x.into(),
        confirmer: true,
        ..Default::default()
    };
    let validee = app.declarer_valeur(&chef, ind, &v(2, "12")).await.unwrap();
    app.statuer_valeur(&chef, validee, true).await.unwrap();
    app.declarer_valeur(&chef, ind, &v(1, "15")).await.unwrap();
    let d = app
        .creer_dossier(
            &chef,
            publique,
            &DossierSaisie {
                titre: "Guichet commun".into(),
                hypothese: "Plus simple, plus rapide.".into(),
                regles: "Partage de données.".into(),
                territoires: vec!["commune:42218".into()],
                duree_mois: Some(12),
                protocole: "Mesure mensuelle.".into(),
                criteres: vec![ind],
            },
        )
        .await
        .unwrap();
    let r: Result<(), AllianceError> = app.faire_avancer_dossier(&chef, d, 1, "depose", "").await;
    r.unwrap();
    (publique, privee)
}

#[tokio::test]
async fn alliances_as_json_and_csv() {
    let (publique, privee) = donnees().await;
    let (s, v) = json("/api/v1/alliances?territoire=departement:42&limit=1").await;
    assert_eq!(s, 200, "{v}");
    assert!(v["total"].as_u64().unwrap() >= 1);
    let ids: Vec<i64> = v["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert!(!ids.contains(&privee));
    let (_, tout) = json("/api/v1/alliances?limit=100").await;
    let tous: Vec<i64> = tout["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert!(
        tous.contains(&publique) && !tous.contains(&privee),
        "members-only alliances are not listed"
    );
    // Cursor.
    if v["total"].as_u64().unwrap() > 1 {
        let suivant = v["suivant"].as_str().unwrap();
        assert_eq!(
            json(&format!(
                "/api/v1/alliances?territoire=departement:42&limit=1&apres={suivant}"
            ))
            .await
            .0,
            200
        );
    }
    // Bad parameters are named.
    let (s, e) = json("/api/v1/alliances?stade=fini").await;
    assert_eq!(s, 400);
    assert!(e.to_string().contains("stade"), "{e}");
    assert_eq!(
        json("/api/v1/alliances?territoire=departement:999").await.0,
        400
    );
    assert_eq!(json("/api/v1/alliances?inconnu=1").await.0, 400);

    let (s, a) = json(&format!("/api/v1/alliances/{publique}")).await;
    assert_eq!(s, 200, "{a}");
    assert_eq!(a["nom"], "Alliance API, publique");
    assert_eq!(a["membres"][0]["role"], "backbone");
    assert_eq!(
        a["indicateurs"][0]["valeurs"].as_array().unwrap().len(),
        1,
        "validated values only"
    );
    assert_eq!(a["sante"].as_array().unwrap().len(), 5);
    assert_eq!(json(&format!("/api/v1/alliances/{privee}")).await.0, 404);
    assert_eq!(json("/api/v1/alliances/999999").await.0, 404);

    let (s, r) = json("/api/v1/experimentations").await;
    assert_eq!(s, 200);
    assert!(r["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["titre"] == "Guichet commun" && x["etat"] == "depose"));

    let res = reqwest::get(format!("{}/alliances/export.csv", server().base))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let body = res.text().await.unwrap();
    assert!(body.starts_with("id,nom,resume,territoires"));
    assert!(body.contains("\"Alliance API, publique\"") && !body.contains("réservée"));
    assert!(body.contains("Licence Ouverte 2.0"));
    let body = reqwest::get(format!(
        "{}/alliances/{publique}/indicateurs.csv",
        server().base
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(
        body.lines().count(),
        2,
        "header + the validated value: {body}"
    );
}
