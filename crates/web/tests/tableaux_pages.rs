//! Territory dashboards on territory pages and in the API: the figures follow writes, the SDG
//! heatmap is a table with intensity classes (no inline style), small counts of person-level
//! activity are suppressed, the kit maturity is shown only from 10 results, comparable
//! territories side by side; the observatory's région page reads the same counters.

mod common;
use common::*;

async fn refresh() {
    let app = server().app.clone();
    server()
        .rt
        .spawn(async move { while app.refresh().await.unwrap() > 0 {} })
        .await
        .unwrap();
}

async fn organisation(b: &mut Browser, nom: &str, profil: &str, commune: &str) -> i64 {
    let page = b
        .submit(
            "/organisations/nouvelle",
            &[("nom", nom), ("profil", profil), ("codeCommune", commune)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    id_apres(page.location.as_deref().unwrap(), "/organisations/")
}

/// A completed ODD 17 kit result, written as completing the kit writes it.
async fn resultat_kit(org: i64, score: f64) {
    let app = server().app.clone();
    server()
        .rt
        .spawn(async move {
            let u = alliances_store::users::by_email(&app.db, "tableaux@pages.fr")
                .await
                .unwrap()
                .unwrap();
            let mut tx = app.db.begin_write().await.unwrap();
            sqlx::query(
                "INSERT INTO kit_passations (cle, kit_id, kit_version, user_id, sujet_type, \
                 sujet_code, created_at, updated_at, terminee_at, score_global) \
                 VALUES ($1, 'odd17-en-pratique', 1, $2, 'organisation', $3, 1, 1, 1, $4)",
            )
            .bind(format!("tableau-{org}"))
            .bind(u.id)
            .bind(org.to_string())
            .bind(score)
            .execute(&mut *tx)
            .await
            .unwrap();
            alliances_store::changes::append(&mut tx, "organisation", &org.to_string(), "kit", 1)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn le_tableau_de_bord_suit_les_ecritures_sur_les_pages_et_dans_l_api() {
    let mut b = verified("tableaux@pages.fr").await;
    // Quimper (29232): a commune of its own for this test.
    let (_, avant) = json("/api/v1/territoires/commune/29232/tableau").await;
    let avant = avant["organisations"].as_u64().unwrap();
    let mut orgs = Vec::new();
    for i in 0..10 {
        let profil = if i % 2 == 0 {
            "association"
        } else {
            "entreprise"
        };
        orgs.push(organisation(&mut b, &format!("Acteur quimpérois {i}"), profil, "29232").await);
    }
    refresh().await;
    let (status, v) = json("/api/v1/territoires/commune/29232/tableau").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["organisations"].as_u64().unwrap(), avant + 10);
    assert!(v["profils"]["entreprise"].as_u64().unwrap() >= 5);
    assert_eq!(v["territoire"]["nom"], "Quimper");
    assert_eq!(v["maturite"]["seuil"], 10);
    // The département and the région count them too.
    let (_, dep) = json("/api/v1/territoires/departement/29/tableau").await;
    assert!(dep["organisations"].as_u64().unwrap() >= 10);
    let (_, reg) = json("/api/v1/territoires/region/53/tableau").await;
    assert!(reg["organisations"].as_u64().unwrap() >= 10);
    assert!(!reg["semblables"].as_array().unwrap().is_empty());

    // The page: every block, the heatmap as a table with classes, no inline style.
    let p = b.get("/territoires/commune/29232").await;
    assert_eq!(p.status, 200);
    for attendu in [
        "Tableau de bord du territoire",
        "Acteurs par profil",
        "Alliances publiques par stade.",
        "<table class=\"carte-chaleur\">",
        "<caption>Par objectif de développement durable",
        "class=\"nombre intensite-",
        "Couverture en ingénierie d&#x27;accompagnement",
        "Répartition non affichée",
        "Mises en relation et orientations",
        "Territoires comparables",
        "href=\"/observatoire/regions/53\"",
        "href=\"/api/v1/territoires/commune/29232/tableau\"",
    ] {
        assert!(p.body.contains(attendu), "{attendu}");
    }
    assert!(!p.body.contains("style="), "no inline style");

    // Ten kit results: the distribution appears (levels by the kit's thresholds).
    for (i, org) in orgs.iter().enumerate() {
        resultat_kit(*org, (i * 10) as f64).await;
    }
    refresh().await;
    let p = b.get("/territoires/commune/29232").await;
    assert!(!p.body.contains("Répartition non affichée"));
    assert!(p.body.contains("Rayonnement") && p.body.contains("Découverte"));
    let (_, v) = json("/api/v1/territoires/commune/29232/tableau").await;
    assert_eq!(v["maturite"]["resultats"], 10);
    assert_eq!(v["maturite"]["niveaux"]["decouverte"], 3);
    assert_eq!(v["maturite"]["niveaux"]["rayonnement"], 2);

    // One contact request: counted, but shown as « moins de 5 » (null in the API).
    let page = b
        .get(&format!(
            "/organisations/{}/contact?de={}",
            orgs[1], orgs[0]
        ))
        .await;
    let envoi = b
        .post(
            &format!("/organisations/{}/contact", orgs[1]),
            &[
                ("_csrf", &page.csrf()),
                ("de", &orgs[0].to_string()),
                (
                    "message",
                    "Bonjour, nous aimerions travailler ensemble sur un projet local.",
                ),
            ],
        )
        .await;
    assert_eq!(envoi.status, 303, "{}", envoi.body);
    refresh().await;
    let (_, v) = json("/api/v1/territoires/commune/29232/tableau").await;
    assert!(v["demandesContact"]["total"].is_null(), "{v}");
    let total = server().app.tableau_territoire(
        server()
            .app
            .territoires()
            .referentiel
            .find(alliances_domain::territoires::Niveau::Commune, "29232")
            .unwrap(),
        alliances_app::now(),
    );
    assert_eq!(total.compteurs.demandes.iter().sum::<u32>(), 1);
    let p = b.get("/territoires/commune/29232").await;
    assert!(p.body.contains("moins de 5"));

    // English.
    let p = b.get("/territoires/commune/29232?lang=en").await;
    assert!(p.body.contains("Territory dashboard") && p.body.contains("fewer than 5"));
}

#[tokio::test]
async fn chaque_niveau_a_son_tableau_et_ses_territoires_comparables() {
    let mut b = Browser::new();
    for (chemin, comparables) in [
        ("/territoires/region/84", "Territoires du même niveau"),
        ("/territoires/departement/42", "Territoires du même niveau"),
        (
            "/territoires/epci/244200770",
            "Intercommunalités du même type (métropole)",
        ),
        ("/territoires/commune/42218", "Communes de la même tranche"),
    ] {
        let p = b.get(chemin).await;
        assert_eq!(p.status, 200, "{chemin}");
        assert!(p.body.contains("Tableau de bord du territoire"), "{chemin}");
        assert!(p.body.contains(comparables), "{chemin}");
        assert!(
            p.body.contains("Les mêmes indicateurs, côte à côte"),
            "{chemin}"
        );
    }
    // The département's coverage counts its départements covered.
    let p = b.get("/territoires/region/84").await;
    assert!(p
        .body
        .contains("Départements avec un dispositif départemental ou local"));
    // The observatory's région page reads the same counters.
    let (_, v) = json("/api/v1/territoires/region/84/tableau").await;
    let o = b.get("/observatoire/regions/84").await;
    assert_eq!(o.status, 200);
    let n = v["organisations"].as_u64().unwrap();
    assert!(o.body.contains(&format!("<strong>{n}</strong>")) || o.body.contains(&n.to_string()));
}

#[tokio::test]
async fn l_api_refuse_ce_qu_elle_ne_connait_pas() {
    assert_eq!(json("/api/v1/territoires/pays/fr/tableau").await.0, 400);
    assert_eq!(
        json("/api/v1/territoires/commune/99999/tableau").await.0,
        404
    );
    assert_eq!(
        json("/api/v1/territoires/region/84/tableau?x=1").await.0,
        400
    );
    let (status, v) = json("/api/v1/territoires/epci/244200770/tableau").await;
    assert_eq!(status, 200);
    assert_eq!(v["odd"].as_array().unwrap().len(), 17);
    assert_eq!(v["licence"], "Licence Ouverte 2.0");
    for s in v["semblables"].as_array().unwrap() {
        assert_eq!(s["territoire"]["niveau"], "epci");
    }
}
