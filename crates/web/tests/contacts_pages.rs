//! Contact requests' pages over HTTP against a real server (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): the contact form (`?de=` preselects, errors next to the fields and
//! summarised, CSRF), the e-mail to the target's owner, the duplicate refused, the requests page
//! for members only, accept then start an alliance with both organisations, the opt-out, the
//! daily limit (429 with Retry-After), and the counts on the admin and territory pages.

mod common;
use alliances_app::comptes::CurrentUser;
use alliances_app::contacts::DemandeSaisie;
use alliances_domain::annuaire::OrganisationSaisie;
use alliances_domain::comptes::Role;
use alliances_domain::contacts::LIMITE_PAR_JOUR;
use common::*;

const MESSAGE: &str =
    "Bonjour, nous accompagnons des jeunes vers l'emploi : pouvons-nous en parler ?";

/// Creates an organisation through the form; returns its id.
async fn organisation(b: &mut Browser, nom: &str, commune: &str) -> i64 {
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
    id_apres(page.location.as_deref().unwrap(), "/organisations/")
}

async fn current_user(email: &str) -> CurrentUser {
    let app = server().app.clone();
    let email = email.to_string();
    server()
        .rt
        .spawn(async move {
            let u = alliances_store::users::by_email(&app.db, &email)
                .await
                .unwrap()
                .unwrap();
            app.current_user(u.id).await.unwrap().unwrap()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn write_accept_and_start_an_alliance() {
    let mut alice = verified("alice@contacts-pages.fr").await;
    let mut bob = verified("bob@contacts-pages.fr").await;
    let mut eve = verified("eve@contacts-pages.fr").await;
    let a = organisation(&mut alice, "Jeunes en route", "42218").await;
    let b = organisation(&mut bob, "Atelier solidaire", "69123").await;
    let form = format!("/organisations/{b}/contact");

    // Anonymous visitors are sent to log in; strict parameters.
    let anon = Browser::new().get(&form).await;
    assert_eq!(
        (anon.status, anon.location.as_deref()),
        (303, Some("/compte/connexion"))
    );
    assert_eq!(alice.get(&format!("{form}?de=abc")).await.status, 400);
    assert_eq!(alice.get(&format!("{form}?inconnu=1")).await.status, 400);

    // The form, the writing organisation preselected.
    let page = alice.get(&format!("{form}?de={a}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains("<h1>Contacter « Atelier solidaire »</h1>"));
    assert!(
        page.body.contains(&format!(
            "<option value=\"{a}\" selected>Jeunes en route</option>"
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("<label for=\"champ-message\">"));

    // A short message: the error next to the field and in the summary, the text kept.
    let csrf = page.csrf();
    let a_txt = a.to_string();
    let page = alice
        .post(
            &form,
            &[("_csrf", &csrf), ("de", &a_txt), ("message", "Bonjour")],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("id=\"resume-erreurs\""));
    assert!(page.body.contains("href=\"#champ-message\""));
    assert!(page.body.contains("id=\"erreur-message\""));
    assert!(page.body.contains(">Bonjour</textarea>"));
    // Without the CSRF token: refused.
    let page = alice
        .post(&form, &[("de", &a_txt), ("message", MESSAGE)])
        .await;
    assert_eq!(page.status, 403);

    // Sent: the sender's requests page says so; the target's owner gets the e-mail.
    let page = alice
        .post(
            &form,
            &[("_csrf", &csrf), ("de", &a_txt), ("message", MESSAGE)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let envoyee = page.location.unwrap();
    assert!(envoyee.starts_with(&format!(
        "/organisations/{a}/demandes?vue=envoyees&envoyee="
    )));
    let rid = id_apres(&envoyee, "envoyee=");
    let page = alice.get(&envoyee).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains("Votre demande a été envoyée à « Atelier solidaire »"));
    assert!(page.body.contains("pouvons-nous en parler"));
    let mails = emails_to("bob@contacts-pages.fr").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.contains("Jeunes en route"));
    assert!(mails[0].body.contains(MESSAGE));
    assert!(mails[0]
        .body
        .contains(&format!("/organisations/{b}/demandes\n")));

    // The identical request while the first is open: refused, with its date.
    let page = alice
        .post(
            &form,
            &[("_csrf", &csrf), ("de", &a_txt), ("message", MESSAGE)],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("attend sa réponse"), "{}", page.body);

    // The requests page: members of the organisation only.
    let demandes = format!("/organisations/{b}/demandes");
    assert_eq!(alice.get(&demandes).await.status, 403);
    assert_eq!(eve.get(&demandes).await.status, 403);
    assert_eq!(bob.get(&format!("{demandes}?vue=autre")).await.status, 400);
    let page = bob.get(&demandes).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Jeunes en route"));
    assert!(page.body.contains("pouvons-nous en parler"));
    assert!(page.body.contains(&format!(
        "action=\"/organisations/{b}/demandes/{rid}/reponse\""
    )));
    assert!(
        !page.body.contains("alice@contacts-pages.fr"),
        "address shown before acceptance"
    );
    // The organisation page links to it for members, and to the contact form for others.
    assert!(bob
        .get(&format!("/organisations/{b}"))
        .await
        .body
        .contains(&demandes));
    assert!(alice
        .get(&format!("/organisations/{b}"))
        .await
        .body
        .contains(&form));

    // Accept, with a message; a second answer is refused.
    let reponse = format!("/organisations/{b}/demandes/{rid}/reponse");
    let csrf_b = page.csrf();
    let csrf_e = eve.get("/compte").await.csrf();
    assert_eq!(
        eve.post(&reponse, &[("_csrf", &csrf_e), ("decision", "accepter")])
            .await
            .status,
        404,
        "an outsider does not learn that the request exists"
    );
    let page = bob
        .post(
            &reponse,
            &[
                ("_csrf", &csrf_b),
                ("decision", "accepter"),
                ("reponse", "Avec plaisir !"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = bob
        .post(&reponse, &[("_csrf", &csrf_b), ("decision", "refuser")])
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("attend plus de réponse"));
    let mails = emails_to("alice@contacts-pages.fr").await;
    let accepte = mails
        .iter()
        .find(|m| m.subject.contains("accepte"))
        .unwrap();
    assert!(accepte.body.contains("Avec plaisir !"));
    assert!(accepte.body.contains("bob@contacts-pages.fr"));
    let page = bob.get(&demandes).await;
    assert!(page.body.contains("Acceptée"));
    assert!(
        page.body.contains("alice@contacts-pages.fr"),
        "address shown once accepted"
    );
    let depart = format!("/organisations/{b}/demandes/{rid}/alliance");
    assert!(page.body.contains(&depart));

    // Start an alliance: both headquarters prefilled; errors next to the fields.
    let page = bob.get(&depart).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("value=\"commune:69123\""));
    assert!(page.body.contains("value=\"commune:42218\""));
    assert_eq!(eve.get(&depart).await.status, 404);
    let csrf_b = page.csrf();
    let page = bob
        .post(
            &depart,
            &[
                ("_csrf", &csrf_b),
                ("nom", ""),
                ("resume", "Ensemble pour l'emploi des jeunes."),
                ("territoires", "commune:69123"),
                ("forme", "partenariat-organisations"),
                ("stade", "emergence"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("href=\"#champ-nom\""));
    let page = bob
        .post(
            &depart,
            &[
                ("_csrf", &csrf_b),
                ("nom", "Alliance Jeunes et Atelier"),
                ("resume", "Ensemble pour l'emploi des jeunes."),
                ("territoires", "commune:69123"),
                ("territoires", "commune:42218"),
                ("forme", "partenariat-organisations"),
                ("stade", "emergence"),
                ("publique", "oui"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let alliance = page.location.unwrap();
    let aid = id_apres(&alliance, "/alliances/");
    let page = bob.get(&format!("/alliances/{aid}/membres")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Jeunes en route") && page.body.contains("Atelier solidaire"));
    // Once: the form now leads to the alliance, and the requests page links to it.
    let page = alice
        .get(&format!("/organisations/{a}/demandes/{rid}/alliance"))
        .await;
    assert_eq!(page.location.as_deref(), Some(alliance.as_str()));
    assert!(alice
        .get(&format!("/organisations/{a}/demandes?vue=envoyees"))
        .await
        .body
        .contains(&format!("href=\"/alliances/{aid}\"")));

    // The territory page and the admin dashboard count it.
    let page = Browser::new().get("/territoires/departement/69").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Mises en relation"));
    assert!(page.body.contains("alliances démarrées"));
}

#[tokio::test]
async fn opted_out_organisations_and_the_daily_limit() {
    let mut carole = verified("carole@contacts-pages.fr").await;
    let mut dan = verified("dan@contacts-pages.fr").await;
    let c = organisation(&mut carole, "Collectif discret", "42218").await;
    let d = organisation(&mut dan, "Réseau bavard", "42218").await;

    // The owner opts out on the requests page.
    let demandes = format!("/organisations/{c}/demandes");
    let page = carole.get(&demandes).await;
    assert!(page
        .body
        .contains("id=\"champ-contactable\" name=\"contactable\" value=\"oui\" checked"));
    let page = carole
        .post(
            &format!("{demandes}/preferences"),
            &[("_csrf", &page.csrf())],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("ne recevra plus de demandes"));
    assert!(!page.body.contains("value=\"oui\" checked"));
    // Another member may not change it.
    let page = dan.get("/compte").await;
    assert_eq!(
        dan.post(
            &format!("{demandes}/preferences"),
            &[("_csrf", &page.csrf()), ("contactable", "oui")]
        )
        .await
        .status,
        403
    );

    // Writing to it: the form says so, and a request is refused with a clear message.
    let form = format!("/organisations/{c}/contact");
    let page = dan.get(&form).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("a choisi de ne pas être contactée"));
    assert!(!page.body.contains("<textarea"));
    let d_txt = d.to_string();
    let page = dan
        .post(
            &form,
            &[
                ("_csrf", &page.csrf()),
                ("de", &d_txt),
                ("message", MESSAGE),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page
        .body
        .contains("« Collectif discret » a choisi de ne pas être contactée"));
    assert!(emails_to("carole@contacts-pages.fr").await.is_empty());

    // The daily limit: the requests of the day are sent, the next one gets 429 + Retry-After.
    let proprio = current_user("carole@contacts-pages.fr").await;
    let auteur = current_user("dan@contacts-pages.fr").await;
    let app = server().app.clone();
    let cibles: Vec<i64> = server()
        .rt
        .spawn(async move {
            let mut ids = Vec::new();
            for i in 0..=LIMITE_PAR_JOUR {
                let s = OrganisationSaisie {
                    nom: format!("Cible numéro {i}"),
                    profil: "association".into(),
                    code_commune: Some("42218".into()),
                    ..Default::default()
                };
                ids.push(app.creer_organisation(&proprio, &s).await.unwrap().0);
            }
            for vers in &ids[..LIMITE_PAR_JOUR as usize] {
                let s = DemandeSaisie {
                    de: d,
                    vers: *vers,
                    message: MESSAGE.into(),
                    ressource: None,
                };
                app.envoyer_demande_contact(&auteur, &s).await.unwrap();
            }
            ids
        })
        .await
        .unwrap();
    let derniere = cibles[LIMITE_PAR_JOUR as usize];
    let form = format!("/organisations/{derniere}/contact");
    let page = dan.get(&form).await;
    let page = dan
        .post(
            &form,
            &[
                ("_csrf", &page.csrf()),
                ("de", &d_txt),
                ("message", MESSAGE),
            ],
        )
        .await;
    assert_eq!(page.status, 429, "{}", page.body);
    let attente: i64 = page.retry_after.unwrap().parse().unwrap();
    assert!(attente > 23 * 3600 && attente <= 24 * 3600, "{attente}");
    assert!(page.body.contains("Prochaine demande possible le"));
    let _ = emails_to("carole@contacts-pages.fr").await;
}

#[tokio::test]
async fn the_admin_dashboard_shows_the_conversion() {
    let app = server().app.clone();
    let link = server()
        .rt
        .spawn(async move {
            app.create_user_with_role(
                "admin@contacts-pages.fr",
                "Admin",
                Role::Admin,
                "http://alliances.test",
            )
            .await
            .unwrap()
            .1
        })
        .await
        .unwrap();
    let mut admin = Browser::new();
    let path = link.trim_start_matches("http://alliances.test").to_string();
    let mot_de_passe = "la cheffe des mises en relation";
    assert_eq!(
        admin
            .submit(&path, &[("mot_de_passe", mot_de_passe)])
            .await
            .status,
        200
    );
    assert_eq!(
        admin
            .submit(
                "/compte/connexion",
                &[
                    ("email", "admin@contacts-pages.fr"),
                    ("mot_de_passe", mot_de_passe)
                ]
            )
            .await
            .status,
        303
    );
    let page = admin.get("/admin").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains("<h2 id=\"titre-mises-en-relation\">Mises en relation</h2>"));
    assert!(page.body.contains("demandes de contact"));
}
