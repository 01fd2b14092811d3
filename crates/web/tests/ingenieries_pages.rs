//! Ingénieries over HTTP against a real server: declaring schemes through the form (errors next
//! to the fields), a departmental relay of a national programme, « qui peut m'aider ici ? »
//! without JavaScript (closest first, the relay named under its programme), the coverage map
//! with its table and CSV, a referral taken in charge on the scheme's page, and the JSON API.

mod common;
use common::*;

#[tokio::test]
async fn schemes_who_can_help_coverage_and_referrals() {
    let mut a = verified("dispositif-porteur@accompagnement.fr").await;
    let page = a
        .submit(
            "/organisations/nouvelle",
            &[
                ("nom", "Maison des alliances de la Loire"),
                ("profil", "structure-accompagnement"),
                ("codeCommune", "42218"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let org = id_apres(page.location.as_deref().unwrap(), "/organisations/").to_string();

    // The form; errors come back next to their fields.
    let form = a.get("/ingenieries/nouveau").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Maison des alliances de la Loire"));
    let p = a
        .submit(
            "/ingenieries/nouveau",
            &[
                ("nom", "Relais sans territoire"),
                ("porteur", &org),
                ("description", "Accompagne."),
                ("niveau", "departemental"),
                ("ingenierie", "catalyse"),
                ("services", "accompagnement"),
                ("contact", "contact@relais.fr"),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("href=\"#champ-couverture\""));
    let p = a
        .submit(
            "/ingenieries/nouveau",
            &[
                ("nom", "Programme national des alliances"),
                ("porteur", &org),
                ("description", "Accompagne les alliances partout."),
                ("niveau", "national"),
                ("ingenierie", "catalyse"),
                ("services", "accompagnement"),
                ("services", "financement"),
                ("url", "https://programme.example/contact"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let national = id_apres(p.location.as_deref().unwrap(), "/ingenieries/");
    let national_s = national.to_string();
    let p = a
        .submit(
            "/ingenieries/nouveau",
            &[
                ("nom", "Relais de la Loire"),
                ("porteur", &org),
                (
                    "description",
                    "Le relais départemental du programme national.",
                ),
                ("niveau", "departemental"),
                ("ingenierie", "catalyse"),
                ("services", "accompagnement"),
                ("couverture", "departement:42"),
                ("contact", "contact@relais.fr"),
                ("relaisDe", &national_s),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let relais = id_apres(p.location.as_deref().unwrap(), "/ingenieries/");

    // « Qui peut m'aider ici ? » without JavaScript: the département's relay, then national,
    // the relay named under its programme.
    let mut visiteur = Browser::new();
    let aide = visiteur
        .get("/ingenieries/aide?territoire=commune%3A42218&service=accompagnement")
        .await;
    assert_eq!(aide.status, 200);
    let (i_relais, i_national) = (
        aide.body.find("Relais de la Loire").unwrap(),
        aide.body.find("Programme national des alliances").unwrap(),
    );
    assert!(i_relais < i_national, "closest first");
    assert!(aide.body.contains("couvre votre département"));
    assert!(aide.body.contains("Son relais ici"));
    let ailleurs = visiteur
        .get("/ingenieries/aide?territoire=commune%3A69123&service=accompagnement")
        .await;
    assert!(!ailleurs.body.contains("Relais de la Loire"));
    assert!(ailleurs.body.contains("Programme national des alliances"));
    let vide = visiteur
        .get("/ingenieries/aide?territoire=commune%3A69123&service=juridique")
        .await;
    assert!(vide.body.contains("zone blanche"));
    assert_eq!(
        visiteur
            .get("/ingenieries/aide?territoire=commune%3A00000")
            .await
            .status,
        400
    );
    assert_eq!(
        visiteur.get("/ingenieries/aide?inconnu=1").await.status,
        400
    );
    assert_eq!(visiteur.get("/ingenieries/aide").await.status, 200);

    // The coverage map: the Loire has one scheme, the Rhône none (a white zone); the table and
    // the CSV carry the same figures.
    let c = visiteur
        .get("/ingenieries/couverture?service=accompagnement")
        .await;
    assert_eq!(c.status, 200);
    assert!(c.body.contains("<svg"));
    assert!(c
        .body
        .contains("class=\"departement classe-1\" data-code=\"42\""));
    assert!(c
        .body
        .contains("class=\"departement classe-0\" data-code=\"69\""));
    let csv = visiteur
        .get("/ingenieries/couverture.csv?service=accompagnement")
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("accompagnement,42,Loire,1,1,"));
    assert_eq!(
        visiteur
            .get("/ingenieries/couverture?service=x")
            .await
            .status,
        400
    );

    // The list and the scheme's page.
    let l = visiteur.get("/ingenieries?service=accompagnement").await;
    assert!(l.body.contains("2 dispositif(s)"));
    let f = visiteur.get(&format!("/ingenieries/{national}")).await;
    assert!(f.body.contains("Relais de la Loire") && f.body.contains("Ses relais territoriaux"));
    assert!(!f.body.contains("/modifier"));
    assert_eq!(visiteur.get("/ingenieries/999999").await.status, 404);

    // A referral from the national programme to its relay, then taken in charge.
    let page = a.get(&format!("/ingenieries/{relais}")).await;
    assert!(page.body.contains("Orienter une demande"));
    let r = a
        .post(
            &format!("/ingenieries/{relais}/orientations"),
            &[
                ("_csrf", &page.csrf()),
                ("de", &national_s),
                ("organisation", &format!("Maison (#{org})")),
                ("service", "accompagnement"),
                (
                    "message",
                    "Un diagnostic partenarial pour trois associations.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = a.get(&format!("/ingenieries/{relais}")).await;
    assert!(page.body.contains("Un diagnostic partenarial"));
    let oid = id_apres(&page.body, "/ingenieries/orientations/").to_string();
    let r = a
        .post(
            &format!("/ingenieries/orientations/{oid}"),
            &[
                ("_csrf", &page.csrf()),
                ("version", "1"),
                ("dispositif", &relais.to_string()),
                ("vers", "prise-en-charge"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = a.get(&format!("/ingenieries/{relais}")).await;
    assert!(page
        .body
        .contains("1 orientation(s) reçue(s) · 1 prise(s) en charge"));
    // Visitors see the indicators, not the referrals.
    let vue = visiteur.get(&format!("/ingenieries/{relais}")).await;
    assert!(vue.body.contains("1 orientation(s) reçue(s)"));
    assert!(!vue.body.contains("Un diagnostic partenarial"));

    // Programmes: an open one shows in the answers; a closed one drops out; dates in order.
    let annee =
        alliances_domain::dates::civil(alliances_domain::dates::jour_de(alliances_app::now())).0;
    let form = format!("/ingenieries/{relais}/programmes/nouveau");
    assert_eq!(a.get(&form).await.status, 200);
    assert_eq!(visiteur.get(&form).await.status, 403);
    let ouverture = format!("{annee}-01-01");
    let cloture = format!("{annee}-12-31");
    let p = a
        .submit(
            &form,
            &[
                ("nom", "Fonds ligérien"),
                ("nature", "fonds"),
                ("territoires", "departement:42"),
                ("ouverture", &cloture),
                ("cloture", &ouverture),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("href=\"#champ-cloture\""));
    let p = a
        .submit(
            &form,
            &[
                ("nom", "Fonds ligérien"),
                ("nature", "fonds"),
                ("territoires", "departement:42"),
                ("ouverture", &ouverture),
                ("cloture", &cloture),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let ancien = format!("{}-01-01", annee - 3);
    let fin_ancien = format!("{}-06-30", annee - 3);
    let p = a
        .submit(
            &form,
            &[
                ("nom", "Plan d'urgence clos"),
                ("nature", "urgence"),
                ("ouverture", &ancien),
                ("cloture", &fin_ancien),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let aide = visiteur
        .get("/ingenieries/aide?territoire=commune%3A42218&service=accompagnement")
        .await;
    assert!(aide.body.contains("Programmes ouverts ici") && aide.body.contains("Fonds ligérien"));
    assert!(
        !aide.body.contains("Plan d&#x27;urgence clos")
            && !aide.body.contains("Plan d'urgence clos")
    );
    let ailleurs = visiteur
        .get("/ingenieries/aide?territoire=commune%3A69123")
        .await;
    assert!(!ailleurs.body.contains("Fonds ligérien"));
    let liste = visiteur.get("/ingenieries/programmes").await;
    assert!(liste.body.contains("Fonds ligérien") && !liste.body.contains("urgence clos"));
    let f = visiteur.get(&format!("/ingenieries/{relais}")).await;
    assert!(f.body.contains("urgence clos") && f.body.contains(">clos<"));

    // The shared watch: a space opened on behalf of the national programme, with its relay.
    let page = a.get("/ingenieries/veille").await;
    assert_eq!(page.status, 200);
    let r = a
        .post(
            "/ingenieries/veille",
            &[
                ("_csrf", &page.csrf()),
                ("titre", "Veille Loire"),
                ("dispositif", &national_s),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let espace = r.location.clone().unwrap();
    let page = a.get(&espace).await;
    let csrf = page.csrf();
    assert_eq!(
        a.post(
            &format!("{espace}/membres"),
            &[("_csrf", &csrf), ("dispositif", &relais.to_string())]
        )
        .await
        .status,
        303
    );
    let r = a
        .post(
            &format!("{espace}/elements"),
            &[
                ("_csrf", &csrf),
                ("genre", "signal"),
                ("titre", "Fermeture d'un atelier"),
                ("territoires", "commune:42218"),
                ("domaines", "emploi"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = a
        .post(
            &format!("{espace}/elements"),
            &[("_csrf", &csrf), ("genre", "rumeur"), ("titre", "")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("href=\"#champ-genre\"") && r.body.contains("href=\"#champ-titre\""));
    assert_eq!(
        a.post(
            &format!("{espace}/seances"),
            &[
                ("_csrf", &csrf),
                ("date", "2026-11-20"),
                ("notes", "Tour de table des relais"),
                ("decisions", "Suivre l'atelier")
            ]
        )
        .await
        .status,
        303
    );
    let page = a.get(&espace).await;
    assert!(
        page.body.contains("Tour de table des relais") && page.body.contains("Relais de la Loire")
    );
    let eid = id_apres(&page.body, "/elements/").to_string();
    assert_eq!(
        a.post(
            &format!("{espace}/elements/{eid}/commentaires"),
            &[("_csrf", &csrf), ("texte", "Vu avec la mairie")]
        )
        .await
        .status,
        303
    );
    let dans = a
        .get(&format!(
            "{espace}?territoire=departement%3A42&domaine=emploi"
        ))
        .await;
    assert!(dans.body.contains("Fermeture d") && dans.body.contains("Vu avec la mairie"));
    assert!(!a
        .get(&format!("{espace}?territoire=departement%3A69"))
        .await
        .body
        .contains("Fermeture d"));
    assert!(!a
        .get(&format!("{espace}?domaine=sante"))
        .await
        .body
        .contains("Fermeture d"));
    // Not a member: the space does not exist for them.
    assert_eq!(visiteur.get(&espace).await.status, 404);
    let mut autre = verified("veille-intrus@accompagnement.fr").await;
    assert_eq!(autre.get(&espace).await.status, 404);
    let p = autre.get("/ingenieries/veille").await;
    assert!(!p.body.contains("Veille Loire"));

    // The département's page: schemes by level, referrals, coverage per EPCI.
    let t = visiteur.get("/territoires/departement/42").await;
    assert!(t.body.contains("Dispositifs qui couvrent ce territoire"));
    assert!(t.body.contains("Départemental : 1") && t.body.contains("National : 1"));
    assert!(t.body.contains("1 orientation(s) reçue(s)"));
    assert!(t.body.contains("/territoires/epci/"));
    assert!(t
        .body
        .contains("/ingenieries/aide?territoire=departement%3A42"));

    // The API.
    let (s, v) = json("/api/v1/ingenieries?service=accompagnement").await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 2);
    let (s, v) =
        json("/api/v1/ingenieries/aide?territoire=commune:42218&service=accompagnement").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["resultats"][0]["couvreVia"], "departement");
    assert_eq!(v["resultats"][0]["dispositif"]["relaisDe"], national);
    let (s, v) = json("/api/v1/ingenieries/couverture?service=accompagnement").await;
    assert_eq!(s, 200);
    let loire = v["departements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["codeDepartement"] == "42")
        .unwrap();
    assert_eq!(loire["nombre"], 1);
    assert_eq!(json("/api/v1/ingenieries/couverture").await.0, 400);
    assert_eq!(
        json(&format!("/api/v1/ingenieries/{relais}")).await.1["couverture"][0],
        "departement:42"
    );
    assert_eq!(json("/api/v1/ingenieries/0").await.0, 404);
    let export = visiteur.get("/ingenieries/export.csv").await;
    assert_eq!(export.body.lines().count(), 3);
}
