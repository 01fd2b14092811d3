//! The alliances' pages over HTTP against a real server: creation (errors next to the fields),
//! the alliance page, the list filtered by territory (a département includes its communes) and
//! the territory page, a member proposed by the backbone and accepted by the organisation's
//! owner on the organisation page, indicators whose values only members report and only the
//! backbone validates (future, closed and implausible values), concurrent edits, the last
//! backbone that cannot leave, members-only alliances.

mod common;
use alliances_domain::alliances::indicateurs::Periodicite;
use alliances_domain::dates;
use common::*;

/// Creates an organisation through the form; returns its id.
async fn organisation(b: &mut Browser, nom: &str) -> i64 {
    let page = b
        .submit(
            "/organisations/nouvelle",
            &[
                ("nom", nom),
                ("profil", "association"),
                ("codeCommune", "42218"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    id_apres(page.location.as_deref().unwrap(), "/organisations/")
}

fn champ_cache(body: &str, nom: &str) -> String {
    body.split(&format!("name=\"{nom}\" value=\""))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// Creates an alliance through the form; returns its id.
async fn alliance(b: &mut Browser, nom: &str, backbone: i64, publique: bool) -> i64 {
    let backbone = backbone.to_string();
    let mut champs = vec![
        ("nom", nom),
        ("resume", "Ramener vers l'emploi les jeunes du quartier."),
        ("probleme", "Un jeune sur trois sans emploi ni formation."),
        ("territoires", "commune:42218"),
        ("odd", "8"),
        ("ciblesOdd17", "17.17"),
        ("typesPartenariat", "cooperation-economique"),
        ("forme", "partenariat-organisations"),
        ("stade", "structuration"),
        ("dateDebut", "2025-01-01"),
        ("backbone", &backbone),
    ];
    if publique {
        champs.push(("publique", "oui"));
    }
    let page = b.submit("/alliances/nouvelle", &champs).await;
    assert_eq!(page.status, 303, "{}", page.body);
    id_apres(page.location.as_deref().unwrap(), "/alliances/")
}

/// The label of the last ended period and of the current one.
fn periodes(p: Periodicite) -> (String, String) {
    let aujourdhui = dates::jour_de(alliances_app::now());
    let courante = p.debut(aujourdhui);
    (p.libelle(p.debut(courante - 1)), p.libelle(courante))
}

#[tokio::test]
async fn create_an_alliance_list_it_and_find_it_on_its_territories() {
    let mut a = verified("alliance-creatrice@asso.fr").await;
    let org = organisation(&mut a, "Maison de l'emploi du Furan").await;
    let backbone = org.to_string();

    // The form shows the user's organisations; errors come back next to the fields.
    let form = a.get("/alliances/nouvelle").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("Maison de l&#x27;emploi du Furan")
            || form.body.contains("Maison de l'emploi du Furan")
    );
    assert!(form
        .body
        .contains("data-autocomplete=\"/api/v1/territoires\""));
    let page = a
        .submit(
            "/alliances/nouvelle",
            &[
                ("nom", "Alliance sans territoire"),
                ("resume", "Un résumé."),
                ("forme", "partenariat-organisations"),
                ("stade", "emergence"),
                ("dateDebut", "2026-06-01"),
                ("dateFin", "2026-01-01"),
                ("backbone", &backbone),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("id=\"resume-erreurs\""));
    assert!(page.body.contains("href=\"#champ-territoires\""));
    assert!(page.body.contains("href=\"#champ-dateFin\""));
    assert!(page.body.contains("précède"));
    assert!(page.body.contains("value=\"Alliance sans territoire\""));
    assert!(page.body.contains("id=\"erreur-dateFin\""));

    let id = alliance(&mut a, "Alliance pour l'emploi <b>local</b>", org, true).await;
    let page = a.get(&format!("/alliances/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("&lt;b&gt;local&lt;/b&gt;"));
    assert!(!page.body.contains("<b>local</b>"));
    for attendu in [
        "Santé de l&#x27;alliance",
        "Agenda commun",
        "href=\"/territoires/commune/42218\"",
        "Maison de l&#x27;emploi du Furan",
    ] {
        assert!(
            page.body.contains(attendu) || page.body.contains(&attendu.replace("&#x27;", "'")),
            "{attendu}"
        );
    }
    // The five conditions, each in words.
    assert_eq!(page.body.matches("class=\"condition condition-").count(), 5);

    // The list: the département includes the commune; another département does not.
    let mut visiteur = Browser::new();
    let liste = visiteur.get("/alliances?territoire=departement%3A42").await;
    assert_eq!(liste.status, 200);
    assert!(
        liste.body.contains(&format!("href=\"/alliances/{id}\"")),
        "{}",
        liste.body
    );
    assert!(liste.body.contains("Loire"));
    let liste = visiteur.get("/alliances?territoire=departement%3A71").await;
    assert!(!liste.body.contains(&format!("href=\"/alliances/{id}\"")));
    let liste = visiteur
        .get("/alliances?odd=8&type=cooperation-economique&forme=partenariat-organisations&stade=structuration&fraicheur=a-jour")
        .await;
    assert_eq!(liste.status, 200);
    assert!(liste.body.contains(&format!("href=\"/alliances/{id}\"")));
    for mauvais in [
        "/alliances?odd=18",
        "/alliances?territoire=departement%3A99",
        "/alliances?forme=inconnue",
    ] {
        let p = visiteur.get(mauvais).await;
        assert_eq!(p.status, 400, "{mauvais}");
        assert!(p.body.contains("resume-erreurs"), "{mauvais}");
    }
    assert_eq!(visiteur.get("/alliances?inconnu=1").await.status, 400);
    assert_eq!(visiteur.get("/alliances/999999").await.status, 404);
    assert_eq!(visiteur.get("/alliances/abc").await.status, 404);
    // The territory pages list it.
    let t = visiteur.get("/territoires/departement/42").await;
    assert!(t.body.contains(&format!("href=\"/alliances/{id}\"")));
    // Its organisation's page too.
    let o = visiteur.get(&format!("/organisations/{org}")).await;
    assert!(o.body.contains(&format!("href=\"/alliances/{id}\"")));
    // Visitors see no management form.
    let p = visiteur.get(&format!("/alliances/{id}/membres")).await;
    assert_eq!(p.status, 200);
    assert!(!p.body.contains("/retrait"));
    assert_eq!(
        visiteur
            .get(&format!("/alliances/{id}/modifier"))
            .await
            .status,
        403
    );
    for sous in ["indicateurs", "actions", "journal"] {
        assert_eq!(
            visiteur
                .get(&format!("/alliances/{id}/{sous}"))
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn members_report_values_and_the_backbone_validates_them() {
    let mut a = verified("alliance-backbone@asso.fr").await;
    let org_a = organisation(&mut a, "Centre social des Hauts").await;
    let mut b = verified("alliance-membre@asso.fr").await;
    let org_b = organisation(&mut b, "Régie de quartier Montreynaud").await;
    let mut c = verified("alliance-tiers@asso.fr").await;
    let id = alliance(&mut a, "Alliance des quartiers nord", org_a, true).await;

    // The backbone proposes B; a wrong number is explained.
    let membres = format!("/alliances/{id}/membres");
    let p = a
        .submit(&membres, &[("organisation", "abc"), ("role", "operateur")])
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("href=\"#champ-organisation\""));
    assert!(p.body.contains("ne porte ce nom"));
    // A suggestion picked in the list reads `Nom (#id)`.
    let choisie = format!("Régie de quartier Montreynaud (#{org_b})");
    let p = a
        .submit(
            &membres,
            &[("organisation", &choisie), ("role", "operateur")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    // Someone else cannot propose.
    let p = c
        .submit(
            &membres,
            &[("organisation", &org_b.to_string()), ("role", "membre")],
        )
        .await;
    assert_eq!(p.status, 403);

    // B's owner sees the proposal on the organisation's page and accepts it there.
    let page = b.get(&format!("/organisations/{org_b}")).await;
    assert!(
        page.body.contains("Propositions d&#x27;adhésion")
            || page.body.contains("Propositions d'adhésion")
    );
    let mid = id_apres(&page.body, &format!("/alliances/{id}/membres/"));
    assert!(!c
        .get(&format!("/organisations/{org_b}"))
        .await
        .body
        .contains("/reponse"));
    // Only the owner answers.
    let jeton_c = c.get("/alliances").await.csrf();
    let p = c
        .post(
            &format!("/alliances/{id}/membres/{mid}/reponse"),
            &[("_csrf", &jeton_c), ("reponse", "accepter")],
        )
        .await;
    assert_eq!(p.status, 403);
    let p = b
        .post(
            &format!("/alliances/{id}/membres/{mid}/reponse"),
            &[
                ("_csrf", &page.csrf()),
                ("reponse", "accepter"),
                ("retour", "organisation"),
                ("organisation", &org_b.to_string()),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/organisations/{org_b}#alliances").as_str())
    );
    let page = b.get(&format!("/organisations/{org_b}")).await;
    assert!(page.body.contains(&format!("href=\"/alliances/{id}\"")));
    assert!(!page.body.contains("/reponse"));

    // The agenda: written by the backbone, approved by B on its behalf.
    let p = a
        .submit(
            &format!("/alliances/{id}/agenda"),
            &[("vision", ""), ("objectifs", "Cent jeunes en emploi")],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("href=\"#champ-vision\""));
    let p = a
        .submit(
            &format!("/alliances/{id}/agenda"),
            &[
                ("vision", "Chaque jeune trouve sa voie"),
                ("objectifs", "Cent jeunes en emploi"),
            ],
        )
        .await;
    assert_eq!(p.status, 303);
    let page = b.get(&format!("/alliances/{id}")).await;
    assert!(page
        .body
        .contains("Approuver au nom de Régie de quartier Montreynaud"));
    let p = b
        .post(
            &format!("/alliances/{id}/agenda/accord"),
            &[
                ("_csrf", &page.csrf()),
                ("organisation", &org_b.to_string()),
            ],
        )
        .await;
    assert_eq!(p.status, 303);
    assert!(!b
        .get(&format!("/alliances/{id}"))
        .await
        .body
        .contains("Approuver au nom de Régie"));

    // An indicator, added by the backbone only.
    let nouveau = format!("/alliances/{id}/indicateurs/nouveau");
    assert_eq!(b.get(&nouveau).await.status, 403);
    let p = a
        .submit(
            &nouveau,
            &[
                ("nom", "Jeunes accompagnés"),
                (
                    "definition",
                    "Jeunes de 16 à 25 ans suivis au moins une fois",
                ),
                ("unite", "personnes"),
                ("sens", "hausse"),
                ("periodicite", "trimestrielle"),
                ("valeurBase", "douze"),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("href=\"#champ-valeurBase\""));
    let p = a
        .submit(
            &nouveau,
            &[
                ("nom", "Jeunes accompagnés"),
                (
                    "definition",
                    "Jeunes de 16 à 25 ans suivis au moins une fois",
                ),
                ("unite", "personnes"),
                ("sens", "hausse"),
                ("periodicite", "trimestrielle"),
                ("valeurBase", "10"),
                ("dateBase", "2025-01-01"),
                ("valeurCible", "50"),
                ("dateCible", "2027-12-31"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let iid = id_apres(p.location.as_deref().unwrap(), "#indicateur-");
    let (passee, courante) = periodes(Periodicite::Trimestrielle);
    let declarer = format!("/alliances/{id}/indicateurs/{iid}/valeur");

    // Only members report: C is refused.
    assert_eq!(c.get(&declarer).await.status, 403);
    let p = c
        .post(
            &declarer,
            &[
                ("_csrf", &jeton_c),
                ("organisation", &org_b.to_string()),
                ("periode", &passee),
                ("valeur", "20"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    // A period not ended yet is refused with the reason.
    let org_b_s = org_b.to_string();
    let p = b
        .submit(
            &declarer,
            &[
                ("organisation", &org_b_s),
                ("periode", &courante),
                ("valeur", "20"),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("n&#x27;est pas terminée") || p.body.contains("n'est pas terminée"));
    // An implausible value asks for a confirmation.
    let p = b
        .submit(
            &declarer,
            &[
                ("organisation", &org_b_s),
                ("periode", &passee),
                ("valeur", "9000"),
            ],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("name=\"confirmer\""));
    assert!(p.body.contains("dix fois"));
    assert!(p.body.contains("value=\"9000\""));
    // A plausible value is recorded.
    let p = b
        .submit(
            &declarer,
            &[
                ("organisation", &org_b_s),
                ("periode", &passee),
                ("valeur", "20,5"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = a.get(&format!("/alliances/{id}/indicateurs")).await;
    assert!(page.body.contains("20,5 personnes"));
    assert!(page.body.contains("<svg"));
    assert!(page.body.contains("class=\"graphe-cible\""));
    let vid = id_apres(&page.body, &format!("/alliances/{id}/valeurs/"));

    // Only the backbone validates.
    let p = b
        .post(
            &format!("/alliances/{id}/valeurs/{vid}"),
            &[("_csrf", &page.csrf()), ("decision", "valider")],
        )
        .await;
    assert_eq!(p.status, 403);
    let p = a
        .post(
            &format!("/alliances/{id}/valeurs/{vid}"),
            &[("_csrf", &page.csrf()), ("decision", "valider")],
        )
        .await;
    assert_eq!(p.status, 303);
    let page = b.get(&format!("/alliances/{id}/indicateurs")).await;
    assert!(page.body.contains("etat-valeur-validee"));
    // Validated: the period is closed.
    let p = b
        .submit(
            &declarer,
            &[
                ("organisation", &org_b_s),
                ("periode", &passee),
                ("valeur", "21"),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("est close"));

    // An action and a journal entry.
    let p = a
        .submit(
            &format!("/alliances/{id}/actions/nouvelle"),
            &[
                ("titre", "Forum des métiers"),
                ("porteur", &org_b_s),
                ("statut", "en-cours"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = b.get(&format!("/alliances/{id}/actions")).await;
    assert!(page.body.contains("Forum des métiers"));
    let aid = id_apres(&page.body, &format!("/alliances/{id}/actions/"));
    let edit = format!("/alliances/{id}/actions/{aid}/modifier");
    let form = b.get(&edit).await;
    assert_eq!(form.status, 200);
    let version = champ_cache(&form.body, "version");
    let p = b
        .post(
            &edit,
            &[
                ("_csrf", &form.csrf()),
                ("version", &version),
                ("titre", "Forum des métiers 2026"),
                ("porteur", &org_b_s),
                ("statut", "terminee"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let p = b
        .submit(
            &format!("/alliances/{id}/journal/nouvelle"),
            &[("date", "2026-01-15"), ("titre", "Comité de pilotage")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(c
        .get(&format!("/alliances/{id}/journal"))
        .await
        .body
        .contains("Comité de pilotage"));
    assert_eq!(
        c.get(&format!("/alliances/{id}/journal/nouvelle"))
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn concurrent_edits_last_backbone_and_members_only_alliances() {
    let mut a = verified("alliance-editrice@asso.fr").await;
    let org = organisation(&mut a, "Collectif Solidarités Loire").await;
    let id = alliance(&mut a, "Alliance du bassin", org, true).await;

    // Two tabs open the form; the second save is a conflict that loses nothing.
    let edit = format!("/alliances/{id}/modifier");
    let f1 = a.get(&edit).await;
    let f2 = a.get(&edit).await;
    let v = champ_cache(&f1.body, "version");
    assert_eq!(v, champ_cache(&f2.body, "version"));
    let champs = |nom: &'static str, version: &str, csrf: &str| {
        vec![
            ("_csrf".to_string(), csrf.to_string()),
            ("version".to_string(), version.to_string()),
            ("nom".to_string(), nom.to_string()),
            ("resume".to_string(), "Ramener vers l'emploi.".to_string()),
            ("territoires".to_string(), "commune:42218".to_string()),
            ("forme".to_string(), "partenariat-organisations".to_string()),
            ("stade".to_string(), "deploiement".to_string()),
            ("publique".to_string(), "oui".to_string()),
        ]
    };
    let refs = |v: &Vec<(String, String)>| -> Vec<(String, String)> { v.clone() };
    let c1 = refs(&champs("Alliance du bassin stéphanois", &v, &f1.csrf()));
    let c1r: Vec<(&str, &str)> = c1.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let p = a.post(&edit, &c1r).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let c2 = refs(&champs("Alliance du Gier", &v, &f2.csrf()));
    let c2r: Vec<(&str, &str)> = c2.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let p = a.post(&edit, &c2r).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("modifiée entre-temps"));
    assert!(p.body.contains("value=\"Alliance du Gier\""));
    let page = a.get(&format!("/alliances/{id}")).await;
    assert!(page.body.contains("Alliance du bassin stéphanois"));

    // The last backbone cannot leave.
    let membres = a.get(&format!("/alliances/{id}/membres")).await;
    let mid = id_apres(&membres.body, &format!("/alliances/{id}/membres/"));
    let p = a
        .post(
            &format!("/alliances/{id}/membres/{mid}/retrait"),
            &[("_csrf", &membres.csrf())],
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("dernière structure d&#x27;appui")
            || p.body.contains("dernière structure d'appui")
    );
    assert!(p.body.contains("href=\"#champ-membre\""));

    // A members-only alliance: 404 for everyone else.
    let privee = alliance(&mut a, "Alliance confidentielle", org, false).await;
    assert_eq!(a.get(&format!("/alliances/{privee}")).await.status, 200);
    let mut visiteur = Browser::new();
    assert_eq!(
        visiteur.get(&format!("/alliances/{privee}")).await.status,
        404
    );
    let mut autre = logged_in("alliance-curieux@asso.fr").await;
    assert_eq!(autre.get(&format!("/alliances/{privee}")).await.status, 404);
    assert_eq!(
        autre
            .get(&format!("/alliances/{privee}/indicateurs"))
            .await
            .status,
        404
    );
    assert!(!visiteur
        .get("/alliances?territoire=commune%3A42218")
        .await
        .body
        .contains(&format!("href=\"/alliances/{privee}\"")));
    assert!(!visiteur
        .get(&format!("/organisations/{org}"))
        .await
        .body
        .contains(&format!("href=\"/alliances/{privee}\"")));
}

#[tokio::test]
async fn members_answer_the_evaluation_grid_from_the_evaluation_tab() {
    let mut a = verified("alliance-evaluatrice@asso.fr").await;
    let org = organisation(&mut a, "Régie de quartier évaluée").await;
    let id = alliance(&mut a, "Alliance évaluée", org, true).await;
    let onglet = format!("/alliances/{id}/evaluation");
    let mut visiteur = Browser::new();

    // Before anyone starts: the tab says so; the member gets the button, visitors do not.
    let page = a.get(&onglet).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("aria-current=\"page\">Évaluation"));
    assert!(
        page.body.contains("Aucun membre n&#x27;a encore commencé")
            || page.body.contains("Aucun membre n'a encore commencé")
    );
    assert!(page.body.contains(&format!("action=\"{onglet}\"")));
    let vue = visiteur.get(&onglet).await;
    assert_eq!(vue.status, 200);
    assert!(!vue.body.contains(&format!("action=\"{onglet}\"")));

    // The member starts the grid: straight to the kit's form, once.
    let csrf = page.csrf();
    let r = a.post(&onglet, &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let passation = r.location.clone().unwrap();
    assert!(passation.starts_with("/kits/evaluation-partenariat/passation/"));
    let r = a.post(&onglet, &[("_csrf", &csrf)]).await;
    assert_eq!(r.location.as_deref(), Some(passation.as_str()));
    let page = a.get(&onglet).await;
    assert!(
        page.body
            .contains("0 partenaire(s) ont terminé · 1 en cours"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("href=\"{passation}\"")));

    // Visitors see the count, not the answers; they cannot answer.
    let vue = visiteur.get(&onglet).await;
    assert!(vue
        .body
        .contains("0 partenaire(s) ont terminé · 1 en cours"));
    assert!(!vue.body.contains(&passation));
    assert_eq!(visiteur.post(&onglet, &[("_csrf", "x")]).await.status, 403);
    let mut autre = verified("alliance-evaluation-intruse@asso.fr").await;
    let p = autre.get(&onglet).await;
    let r = autre.post(&onglet, &[("_csrf", &p.csrf())]).await;
    assert!(
        r.status == 400 || r.status == 403 || r.status == 422,
        "{}",
        r.status
    );
}
