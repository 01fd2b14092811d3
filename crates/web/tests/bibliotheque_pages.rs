//! The resource library over HTTP against a real server (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): writing a resource through the form (errors next to the fields, unsafe
//! Markdown sanitised), the list with its filters (territory including communes, strict
//! parameters, kits among the tools), an example submitted, refused without a reason, then
//! published by a moderator, events and the iCalendar feed, the JSON API with its cursor, the
//! open-data CSV, the kits' theme links.

mod common;
use common::*;

async fn organisation_de(b: &mut Browser, nom: &str, commune: &str) -> String {
    let page = b
        .submit(
            "/organisations/nouvelle",
            &[
                ("nom", nom),
                ("profil", "association"),
                ("codeCommune", commune),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    id_apres(page.location.as_deref().unwrap(), "/organisations/").to_string()
}

#[tokio::test]
async fn resources_list_filters_and_forms() {
    let mut a = verified("auteur@bibliotheque-pages.fr").await;
    let org = organisation_de(&mut a, "Centre de ressources stéphanois", "42218").await;

    // Anonymous visitors are sent to log in.
    let p = Browser::new().get("/ressources/nouvelle").await;
    assert_eq!(p.status, 303);
    assert!(p.location.unwrap().starts_with("/compte/connexion"));

    let form = a.get("/ressources/nouvelle").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Centre de ressources stéphanois"));
    let p = a
        .submit(
            "/ressources/nouvelle",
            &[
                ("organisation", &org),
                ("famille", "methode"),
                ("titre", ""),
                ("odd", "18"),
                ("territoires", "departement:99"),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    for champ in ["titre", "resume", "odd", "territoires"] {
        assert!(
            p.body.contains(&format!("href=\"#champ-{champ}\"")),
            "{champ}: {}",
            p.body
        );
    }
    let p = a
        .submit(
            "/ressources/nouvelle",
            &[
                ("organisation", &org),
                ("famille", "methode"),
                ("titre", "Trame du comité de pilotage stéphanois"),
                ("resume", "Une trame en cinq temps."),
                ("corps", "## Déroulé\n\n1. Accueil\n\n<script>alert('x')</script>\n\n[piège](javascript:alert(1)) <img src=x onerror=alert(2)>"),
                ("themes", "gouvernance"),
                ("odd", "17"),
                ("publics", "association"),
                ("territoires", "commune:42218"),
                ("liens", "La trame | https://trame.example.org/trame.pdf"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let chemin = p.location.unwrap();
    let id = id_apres(&chemin, "/ressources/");
    let page = Browser::new().get(&chemin).await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("<h1>Trame du comité de pilotage stéphanois</h1>"));
    assert!(page.body.contains("<h3>Déroulé</h3>"), "{}", page.body);
    assert!(!page.body.contains("alert('x')"));
    assert!(!page.body.contains("href=\"javascript"));
    assert!(!page.body.contains("onerror"));
    assert!(page.body.contains("https://trame.example.org/trame.pdf"));
    assert!(page.body.contains(&format!("/organisations/{org}")));

    // The list, with its filters: a département includes its communes.
    let l = Browser::new()
        .get("/ressources?territoire=departement:42")
        .await;
    assert_eq!(l.status, 200);
    assert!(l.body.contains(&format!("href=\"/ressources/{id}\"")));
    let l = Browser::new()
        .get("/ressources?territoire=departement:69")
        .await;
    assert!(!l.body.contains(&format!("href=\"/ressources/{id}\"")));
    let l = Browser::new()
        .get("/ressources?theme=gouvernance&odd=17&public=association&famille=methode")
        .await;
    assert!(l.body.contains(&format!("href=\"/ressources/{id}\"")));
    assert!(l.body.contains("<option value=\"gouvernance\" selected>"));
    // Kits are tools; their pages are linked.
    let l = Browser::new().get("/ressources?famille=outil").await;
    assert!(l.body.contains("href=\"/kits/"), "{}", l.body);
    assert!(
        l.body.contains("Kit d&#x27;autodiagnostic") || l.body.contains("Kit d'autodiagnostic")
    );
    // Bad filters are said; unknown parameters refused.
    let l = Browser::new().get("/ressources?famille=roman").await;
    assert_eq!(l.status, 400);
    assert!(l.body.contains("roman"));
    let l = Browser::new()
        .get("/ressources?territoire=departement:999")
        .await;
    assert_eq!(l.status, 400);
    assert_eq!(
        Browser::new().get("/ressources?inconnu=1").await.status,
        400
    );

    // Editing: its organisation only.
    let intrus = &mut verified("intrus@bibliotheque-pages.fr").await;
    assert_eq!(
        intrus
            .get(&format!("/ressources/{id}/modifier"))
            .await
            .status,
        403
    );
    let form = a.get(&format!("/ressources/{id}/modifier")).await;
    assert_eq!(form.status, 200);
    let version = form
        .body
        .split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let p = a
        .post(
            &format!("/ressources/{id}/modifier"),
            &[
                ("_csrf", &form.csrf()),
                ("version", &version),
                ("famille", "methode"),
                ("titre", "Trame du premier comité de pilotage"),
                ("resume", "Une trame en cinq temps."),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    // A stale version is a conflict, the input kept.
    let p = a
        .post(
            &format!("/ressources/{id}/modifier"),
            &[
                ("_csrf", &form.csrf()),
                ("version", &version),
                ("famille", "methode"),
                ("titre", "Autre titre"),
                ("resume", "R."),
            ],
        )
        .await;
    assert_eq!(p.status, 409);
    assert!(p.body.contains("Autre titre"));
}

#[tokio::test]
async fn an_example_is_reviewed_then_published() {
    let mut a = verified("exemple@bibliotheque-pages.fr").await;
    let org = organisation_de(&mut a, "Garage solidaire du Forez", "42218").await;
    let p = a
        .submit(
            "/ressources/nouvelle",
            &[
                ("organisation", &org),
                ("famille", "exemple"),
                ("titre", "Un garage solidaire"),
                ("resume", "Réparer pour travailler."),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    for champ in [
        "acteurs",
        "besoin",
        "realisation",
        "resultats",
        "enseignements",
        "territoires",
    ] {
        assert!(
            p.body.contains(&format!("href=\"#champ-{champ}\"")),
            "{champ}"
        );
    }
    let p = a
        .submit(
            "/ressources/nouvelle",
            &[
                ("organisation", &org),
                ("famille", "exemple"),
                ("titre", "Un garage solidaire dans le Forez"),
                ("resume", "Réparer pour travailler."),
                ("territoires", "departement:42"),
                ("acteurs", &org),
                ("typesPartenariat", "mecenat-competences"),
                ("forme", "partenariat-organisations"),
                ("besoin", "Pas de voiture, pas d'emploi."),
                ("realisation", "Un garage associatif."),
                ("resultats", "180 véhicules réparés."),
                ("enseignements", "Formaliser tôt."),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let chemin = p.location.unwrap();
    assert!(chemin.starts_with("/exemples/"), "{chemin}");
    let id = id_apres(&chemin, "/exemples/");
    // Submitted: 404 for others, a note for its authors.
    assert_eq!(Browser::new().get(&chemin).await.status, 404);
    let page = a.get(&chemin).await;
    assert!(page.body.contains("attend la relecture"), "{}", page.body);
    // The moderation queue lists it; a refusal needs a reason.
    let mut m = avec_role(
        "modo@bibliotheque-pages.fr",
        alliances_domain::comptes::Role::Moderateur,
    )
    .await;
    let file = m.get("/admin/moderation").await;
    assert!(
        file.body.contains("Un garage solidaire dans le Forez"),
        "{}",
        file.body
    );
    let page = m.get(&chemin).await;
    assert!(page.body.contains("id=\"titre-moderation\""));
    let p = m
        .post(
            &format!("/exemples/{id}/moderation"),
            &[
                ("_csrf", &page.csrf()),
                ("decision", "refuser"),
                ("motif", ""),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    let p = m
        .post(
            &format!("/exemples/{id}/moderation"),
            &[("_csrf", &page.csrf()), ("decision", "publier")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = Browser::new().get(&chemin).await;
    assert_eq!(page.status, 200);
    for t in [
        "Le besoin",
        "Pas de voiture",
        "Mécénat de compétences",
        "Garage solidaire du Forez",
    ] {
        assert!(page.body.contains(t), "{t}");
    }
    // /ressources/{id} of an example leads to its page; /exemples to the family.
    let r = Browser::new().get(&format!("/ressources/{id}")).await;
    assert_eq!(r.status, 308);
    assert_eq!(r.location.as_deref(), Some(chemin.as_str()));
    let r = Browser::new().get("/exemples").await;
    assert_eq!(r.location.as_deref(), Some("/ressources?famille=exemple"));
    let (s, j) = json(&format!("/api/v1/exemples/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(j["exemple"]["acteurs"][0]["etat"], "active");
    assert_eq!(j["exemple"]["typesPartenariat"][0], "mecenat-competences");
    assert_eq!(j["url"], format!("/exemples/{id}"));
}

#[tokio::test]
async fn events_and_their_calendar_feed() {
    let mut a = verified("evenements@bibliotheque-pages.fr").await;
    let org = organisation_de(&mut a, "Réseau des catalyseurs", "42218").await;
    let p = a
        .submit(
            "/ressources/evenements/nouveau",
            &[
                ("organisation", &org),
                ("titre", "Webinaire"),
                ("resume", "Une heure."),
                ("format", "webinaire"),
                ("debut", "2030-03-12T14:00"),
                ("fin", "2030-03-12T13:00"),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("href=\"#champ-fin\""));
    let p = a
        .submit(
            "/ressources/evenements/nouveau",
            &[
                ("organisation", &org),
                ("titre", "Webinaire : budget, gouvernance; suite"),
                ("resume", "Une heure pour comprendre."),
                ("format", "webinaire"),
                ("debut", "2030-03-12T14:00"),
                ("fin", "2030-03-12T15:00"),
                ("lieu", "En ligne"),
                ("inscription", "https://inscription.example.org/webinaire"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let id = id_apres(p.location.as_deref().unwrap(), "#evenement-");
    let page = Browser::new().get("/ressources/evenements").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("id=\"evenement-{id}\"")));
    assert!(page.body.contains("datetime=\"2030-03-12T13:00:00Z\""));
    let res = reqwest::get(format!("{}/ressources/evenements.ics", server().base))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let ics = res.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.contains(&format!(
        "UID:bibliotheque-evenement-{id}@alliances.test\r\n"
    )));
    assert!(ics.contains("DTSTART:20300312T130000Z\r\n"));
    assert!(ics.contains("SUMMARY:Webinaire : budget\\, gouvernance\\; suite\r\n"));
    assert!(ics.split("\r\n").all(|l| l.len() <= 75));
}

#[tokio::test]
async fn the_api_lists_with_a_cursor_and_the_csv() {
    let mut a = verified("api@bibliotheque-pages.fr").await;
    let org = organisation_de(&mut a, "Observatoire associatif", "42218").await;
    let p = a
        .submit(
            "/ressources/nouvelle",
            &[
                ("organisation", &org),
                ("famille", "donnees"),
                ("titre", "Baromètre des partenariats"),
                ("resume", "Des chiffres."),
                ("corps", "<b>gras</b> **vrai gras**"),
                ("themes", "evaluation"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let id = id_apres(p.location.as_deref().unwrap(), "/ressources/");
    let (s, j) = json(&format!("/api/v1/ressources/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(j["famille"], "donnees");
    assert_eq!(j["corpsHtml"], "<p>gras <strong>vrai gras</strong></p>\n");
    assert_eq!(j["licence"], "Licence Ouverte 2.0 (Etalab)");
    assert_eq!(json(&format!("/api/v1/exemples/{id}")).await.0, 404);
    assert_eq!(json("/api/v1/ressources/999999").await.0, 404);

    // Every entry once, page after page.
    let (_, tout) = json("/api/v1/ressources?limit=500").await;
    let total = tout["total"].as_u64().unwrap() as usize;
    assert!(tout["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["origine"] == "kit" && r["id"].is_null()));
    let mut vus = Vec::new();
    let mut url = "/api/v1/ressources?limit=3".to_string();
    loop {
        let (s, j) = json(&url).await;
        assert_eq!(s, 200);
        vus.extend(
            j["resultats"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["cle"].as_str().unwrap().to_string()),
        );
        match j["suivant"].as_str() {
            Some(c) => {
                url = format!(
                    "/api/v1/ressources?limit=3&apres={}",
                    c.replace('~', "%7E").replace(':', "%3A")
                )
            }
            None => break,
        }
    }
    assert!(vus.len() >= total.min(vus.len()));
    let mut uniques = vus.clone();
    uniques.sort();
    uniques.dedup();
    assert_eq!(uniques.len(), vus.len(), "no entry twice");
    let (s, j) = json("/api/v1/ressources?famille=roman").await;
    assert_eq!(s, 400);
    assert_eq!(j["errors"][0]["champ"], "famille", "{j}");
    assert_eq!(json("/api/v1/ressources?apres=xyz").await.0, 400);
    assert_eq!(json("/api/v1/exemples?famille=methode").await.0, 400);
    let (_, j) = json("/api/v1/exemples").await;
    assert!(j["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["famille"] == "exemple"));

    let res = reqwest::get(format!(
        "{}/ressources/export.csv?theme=evaluation",
        server().base
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("cle,id,famille,origine,titre,"));
    assert!(csv.contains("Baromètre des partenariats"));
    assert!(csv.contains("Licence Ouverte 2.0"));
}

#[test]
fn kit_recommendations_link_to_resources_by_theme() {
    use alliances_domain::kits::Lien;
    use alliances_domain::ressources::Theme;
    let l = alliances_web::kits_view::lien(Lien::Theme(Theme::Gouvernance), Some("departement:42"));
    assert_eq!(l.href.as_deref(), Some("/ressources?theme=gouvernance"));
}
