//! The observatory's public page, the home page's trend, the published figures as JSON and CSV.

mod common;
use common::*;

#[tokio::test]
async fn published_figures_with_their_source_on_pages_api_and_csv() {
    let mut b = Browser::new();
    let p = b.get("/observatoire").await;
    assert_eq!(p.status, 200);
    for attendu in [
        "Du devoir d&#x27;alliance à l&#x27;envie d&#x27;alliance",
        "86 %",
        "92 %",
        "2015-2016",
        "Observatoire des partenariats (Le RAMEAU, Caisse des Dépôts)",
        "pas des microdonnées",
        "<svg class=\"barres\"",
    ] {
        assert!(
            p.body.contains(attendu) || p.body.contains(&attendu.replace("&#x27;", "'")),
            "{attendu}"
        );
    }
    assert!(!p.body.contains("style="), "no inline style");
    assert_eq!(b.get("/observatoire?x=1").await.status, 400);
    let accueil = b.get("/").await;
    assert!(accueil.body.contains("href=\"/observatoire\""));
    assert!(accueil.body.contains("84 %"));

    // A région's page: its own figures next to the observatory's.
    let r = b.get("/observatoire/regions/84").await;
    assert_eq!(r.status, 200, "{}", r.body);
    for attendu in [
        "Auvergne-Rhône-Alpes",
        "Organisations actives",
        "Alliances publiques",
        "Mises en relation",
        "Dispositifs qui couvrent ce territoire",
        "86 %",
    ] {
        assert!(r.body.contains(attendu), "{attendu}");
    }
    assert!(p.body.contains("href=\"/observatoire/regions/84\""));
    assert_eq!(b.get("/observatoire/regions/00").await.status, 404);

    let res = reqwest::get(format!(
        "{}/api/v1/observatoire/chiffres-publies",
        server().base
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["total"], 10);
    assert!(v["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["serie"] == "envie-alliances"
            && c["population"] == "dirigeants-entreprises"
            && c["valeur"] == 84.0));
    let csv = b.get("/observatoire/chiffres-publies.csv").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.body.lines().count(), 11);
    assert!(csv.body.contains("besoin-alliances,maires,2020,92,"));
}
