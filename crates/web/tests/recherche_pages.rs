//! Global search over HTTP against a real server: the page without JavaScript (count, marks,
//! facets, pagination, no result), the same through `/api/v1/recherche`, bad parameters refused
//! naming the parameter, and the home page's profile entry points, every link of which resolves.

mod common;
use alliances_web::pages::recherche::{outils, PROFILS_ACCUEIL};
use common::*;

async fn organisation(nom: &str) {
    let mut a = verified(&format!(
        "porteur-{}@recherche.fr",
        nom.len() + nom.bytes().map(usize::from).sum::<usize>()
    ))
    .await;
    let page = a
        .submit(
            "/organisations/nouvelle",
            &[
                ("nom", nom),
                ("profil", "association"),
                ("codeCommune", "42218"),
                (
                    "description",
                    "Des potagers partagés & des ateliers <ouverts> à tous.",
                ),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
}

#[tokio::test]
async fn la_page_de_recherche_sans_javascript() {
    organisation("Potagers solidaires du Forez").await;
    let mut b = Browser::new();
    let p = b.get("/recherche?q=potagers").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("<mark>Potagers</mark> solidaires du Forez"),
        "{}",
        p.body
    );
    // The excerpt: marks, the rest escaped.
    assert!(
        p.body
            .contains("<mark>potagers</mark> partagés &amp; des ateliers &lt;ouverts&gt;"),
        "{}",
        p.body
    );
    assert!(p.body.contains("id=\"f-type-organisation\""));
    assert!(p.body.contains("résultat"));
    // A typo on the name.
    let p = b.get("/recherche?q=potagres+solidaires").await;
    assert_eq!(p.status, 200);
    assert!(
        p.body.contains("<mark>solidaires</mark> du Forez"),
        "{}",
        p.body
    );
    assert!(p.body.contains("approché"), "{}", p.body);
    assert!(
        p.body.contains("résultats approchés avec « potagers »"),
        "{}",
        p.body
    );
    // Filtered by type and territory: the Loire holds Saint-Étienne, the Rhône does not.
    let p = b
        .get("/recherche?q=potagers&type=organisation&territoire=departement%3A42")
        .await;
    assert!(p.body.contains("solidaires du Forez"));
    assert!(
        p.body
            .contains("Territoire choisi : <strong>Loire</strong>"),
        "{}",
        p.body
    );
    let p = b
        .get("/recherche?q=potagers&type=organisation&territoire=departement%3A69")
        .await;
    assert!(!p.body.contains("solidaires du Forez"));
    assert!(p.body.contains("Aucun résultat"));
    assert!(p.body.contains("href=\"/ingenieries/aide\""));
    // Territories are found and paginated.
    let p = b
        .get("/recherche?type=territoire&territoire=departement%3A42")
        .await;
    assert!(p.body.contains("rel=\"next\""), "{}", p.body);
    assert!(p.body.contains("href=\"/territoires/departement/42\""));
    let p2 = b
        .get("/recherche?type=territoire&territoire=departement%3A42&page=2")
        .await;
    assert_eq!(p2.status, 200);
    assert!(p2.body.contains("rel=\"prev\""));
    // Text is escaped wherever it is shown.
    let p = b
        .get("/recherche?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(p.status, 200);
    assert!(!p.body.contains("<script>alert"));
    // The empty page invites to search.
    let p = b.get("/recherche").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("Commencez une recherche"));
}

#[tokio::test]
async fn mauvais_parametres_refuses_en_nommant_le_parametre() {
    let mut b = Browser::new();
    let p = b.get("/recherche?type=inconnu").await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("href=\"#filtre-type\""), "{}", p.body);
    let p = b.get("/recherche?odd=18").await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("href=\"#filtre-odd\""));
    for (qs, champ) in [
        ("type=inconnu", "type"),
        ("profil=licorne", "profil"),
        ("odd=0", "odd"),
        ("territoire=departement%3A999", "territoire"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("apres=x", "apres"),
        ("apres=o1000", "apres"),
        ("inconnu=1", "inconnu"),
        ("q=a&q=b", "q"),
    ] {
        let (status, v) = json(&format!("/api/v1/recherche?{qs}")).await;
        assert_eq!(status, 400, "{qs}: {v}");
        assert_eq!(v["errors"][0]["champ"], champ, "{qs}: {v}");
    }
}

#[tokio::test]
async fn l_api_de_recherche() {
    organisation("Vergers partagés de la Loire").await;
    let (status, v) = json("/api/v1/recherche?q=vergers&type=organisation&limit=1").await;
    assert_eq!(status, 200, "{v}");
    assert!(v["total"].as_u64().unwrap() >= 1, "{v}");
    let r = &v["resultats"][0];
    assert_eq!(r["type"], "organisation");
    assert_eq!(r["titre"], "Vergers partagés de la Loire");
    assert!(r["url"].as_str().unwrap().starts_with("/organisations/"));
    assert!(r["extrait"].as_str().unwrap().contains("&amp;"));
    assert_eq!(r["profil"], "association");
    assert!(v["facettes"]["types"]["organisation"].as_u64().unwrap() >= 1);
    assert!(v["facettes"]["profils"]["association"].as_u64().unwrap() >= 1);
    // Cursor pagination over territories.
    let (_, p1) = json("/api/v1/recherche?type=territoire&territoire=departement:42&limit=5").await;
    let suivant = p1["suivant"].as_str().unwrap().to_string();
    let (_, p2) = json(&format!(
        "/api/v1/recherche?type=territoire&territoire=departement:42&limit=5&apres={suivant}"
    ))
    .await;
    assert_eq!(p1["total"], p2["total"]);
    assert_ne!(p1["resultats"][0]["id"], p2["resultats"][0]["id"]);
    assert_eq!(p1["resultats"][0]["id"], "departement:42");
}

#[tokio::test]
async fn l_accueil_par_profil_et_ses_liens() {
    let mut b = Browser::new();
    let accueil = b.get("/").await;
    assert_eq!(accueil.status, 200);
    assert!(accueil.body.contains("action=\"/recherche\""));
    for (slug, _) in PROFILS_ACCUEIL {
        let href = format!("/je-suis/{slug}");
        assert!(accueil.body.contains(&format!("href=\"{href}\"")), "{href}");
        let p = b.get(&href).await;
        assert_eq!(p.status, 200, "{href}");
        assert!(!outils(slug).is_empty());
        for (_, lien) in outils(slug) {
            assert!(
                p.body
                    .contains(&format!("href=\"{}\"", lien.replace('&', "&amp;"))),
                "{lien}"
            );
            let cible = b.get(lien).await;
            assert!(
                cible.status < 400 || cible.status == 401 || cible.status == 403,
                "{href} → {lien}: {}",
                cible.status
            );
        }
    }
    assert_eq!(b.get("/je-suis/licorne").await.status, 404);
}
