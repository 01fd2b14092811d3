//! `/api/v1/organisations/{id}/partenaires` over HTTP: a member's token reads the ranked partners
//! (French camelCase fields, reasons), others get 401 / 403 / 404 as problems, filters and
//! `limit` are checked, and the OpenAPI document describes both endpoints.

use alliances_app::comptes::{CurrentUser, NewAccount};
use alliances_app::jetons::Scope;
use alliances_domain::annuaire::{OrganisationSaisie, RessourceSaisie};
use serde_json::Value;
use std::future::Future;

mod common;
use common::{next_address, server};

async fn on_server<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> T {
    server().rt.spawn(f).await.unwrap()
}

/// A verified account and a read-only token.
async fn compte(email: &str) -> (CurrentUser, String) {
    let email = email.to_string();
    on_server(async move {
        let app = server().app.clone();
        let s = app
            .sign_up(
                NewAccount {
                    email: &email,
                    name: "Membre",
                    password: "le vélo bleu du marché",
                },
                "http://x",
            )
            .await
            .unwrap();
        app.verify_email(&s.verification_token).await.unwrap();
        let token = app
            .create_api_token(s.user_id, "lecture", Scope::Read)
            .await
            .unwrap()
            .1;
        (app.current_user(s.user_id).await.unwrap().unwrap(), token)
    })
    .await
}

async fn organisation(
    u: &CurrentUser,
    nom: &str,
    profil: &str,
    commune: &str,
    odd: u8,
    ressources: &[(&str, &str)],
) -> (i64, Vec<i64>) {
    let u = u.clone();
    let s = OrganisationSaisie {
        nom: nom.into(),
        profil: profil.into(),
        code_commune: Some(commune.into()),
        odd_principal: Some(odd),
        ..Default::default()
    };
    let ressources: Vec<(String, String)> = ressources
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    on_server(async move {
        let app = server().app.clone();
        let (id, _) = app.creer_organisation(&u, &s).await.unwrap();
        let mut rids = Vec::new();
        for (sens, nature) in ressources {
            let r = RessourceSaisie {
                sens,
                nature,
                titre: "Ressource".into(),
                ..Default::default()
            };
            rids.push(app.enregistrer_ressource(&u, id, None, &r).await.unwrap());
        }
        (id, rids)
    })
    .await
}

async fn get(path: &str, token: Option<&str>) -> (u16, String, Value) {
    let client = reqwest::Client::builder()
        .local_address(next_address())
        .build()
        .unwrap();
    let mut req = client.get(format!("{}{}", server().base, path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, ct, body)
}

#[tokio::test]
async fn a_member_reads_ranked_partners_and_others_get_problems() {
    let (membre, jeton) = compte("api-rel-membre@asso.fr").await;
    let (autre, jeton_autre) = compte("api-rel-autre@boite.fr").await;
    let (asso, rids) = organisation(
        &membre,
        "Ressourcerie du Marais",
        "association",
        "75056",
        12,
        &[("besoin", "locaux"), ("offre", "benevolat")],
    )
    .await;
    let (boite, rids_boite) = organisation(
        &autre,
        "Entrepôts solidaires",
        "entreprise",
        "75056",
        12,
        &[("offre", "locaux")],
    )
    .await;
    let (loin, _) = organisation(&autre, "Lointaine", "entreprise", "2A004", 12, &[]).await;

    let (s, ct, b) = get(
        &format!("/api/v1/organisations/{asso}/partenaires"),
        Some(&jeton),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert!(ct.starts_with("application/json"));
    let res = b["resultats"].as_array().unwrap();
    assert_eq!(res[0]["organisation"]["id"], boite);
    assert_eq!(res[0]["organisation"]["codeCommune"], "75056");
    assert_eq!(res[0]["organisation"]["codeDepartement"], "75");
    assert_eq!(res[0]["proximite"], "commune");
    assert_eq!(res[0]["contactable"], true);
    assert!(res[0]["score"].as_f64().unwrap() > 50.0);
    let textes: Vec<&str> = res[0]["raisons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["texte"].as_str().unwrap())
        .collect();
    assert!(textes.contains(&"propose des locaux et équipements, dont vous avez besoin"));
    assert_eq!(b["total"], res.len());
    assert_eq!(b["sansRessources"], false);
    assert_eq!(b["methode"], "/mise-en-relation");
    assert!(res.iter().all(|r| r["organisation"]["id"] != asso));
    assert!(res.iter().any(|r| r["organisation"]["id"] == loin));

    // Filters and limit.
    let (s, _, b) = get(
        &format!("/api/v1/organisations/{asso}/partenaires?distance=departement&limit=1"),
        Some(&jeton),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["resultats"].as_array().unwrap().len(), 1);
    assert!(b["total"].as_u64().unwrap() >= 1);
    assert!(b["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["organisation"]["id"] != loin));
    let (s, _, b) = get(
        &format!("/api/v1/organisations/{asso}/partenaires?profil=media"),
        Some(&jeton),
    )
    .await;
    assert_eq!((s, b["total"].as_u64()), (200, Some(0)));
    assert!(b["resultats"].as_array().unwrap().is_empty());
    for (q, champ) in [
        ("distance=lune", "distance"),
        ("odd=0", "odd"),
        ("nature=or", "nature"),
        ("limit=1000", "limit"),
        ("inconnu=1", "inconnu"),
    ] {
        let (s, ct, b) = get(
            &format!("/api/v1/organisations/{asso}/partenaires?{q}"),
            Some(&jeton),
        )
        .await;
        assert_eq!(s, 400, "{q}: {b}");
        assert_eq!(ct, "application/problem+json", "{q}");
        assert!(b["detail"].as_str().unwrap().contains(champ), "{q}: {b}");
    }

    // One need: who offers it.
    let (s, _, b) = get(
        &format!(
            "/api/v1/organisations/{asso}/ressources/{}/partenaires",
            rids[0]
        ),
        Some(&jeton),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["resultats"][0]["organisation"]["id"], boite);
    // Someone else's resource, an unknown one.
    for rid in [rids_boite[0], 99_999_999] {
        let (s, ct, _) = get(
            &format!("/api/v1/organisations/{asso}/ressources/{rid}/partenaires"),
            Some(&jeton),
        )
        .await;
        assert_eq!((s, ct.as_str()), (404, "application/problem+json"));
    }

    // Rights.
    let (s, ct, _) = get(&format!("/api/v1/organisations/{asso}/partenaires"), None).await;
    assert_eq!((s, ct.as_str()), (401, "application/problem+json"));
    let (s, ct, _) = get(
        &format!("/api/v1/organisations/{asso}/partenaires"),
        Some(&jeton_autre),
    )
    .await;
    assert_eq!((s, ct.as_str()), (403, "application/problem+json"));
    let (s, _, _) = get("/api/v1/organisations/99999999/partenaires", Some(&jeton)).await;
    assert_eq!(s, 404);
    let (s, _, _) = get("/api/v1/organisations/x1/partenaires", Some(&jeton)).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn the_openapi_document_describes_the_endpoints() {
    let (s, _, doc) = get("/api/openapi.json", None).await;
    assert_eq!(s, 200);
    let p = &doc["paths"]["/api/v1/organisations/{id}/partenaires"]["get"];
    assert!(p["responses"]["200"].is_object(), "{p}");
    assert!(p["responses"]["403"].is_object());
    assert!(
        doc["paths"]["/api/v1/organisations/{id}/ressources/{rid}/partenaires"]["get"].is_object()
    );
    let schema = &doc["components"]["schemas"]["ResultatsPartenaires"]["properties"];
    assert!(schema["resultats"].is_object() && schema["total"].is_object());
    assert!(schema["sansRessources"].is_object());
}
