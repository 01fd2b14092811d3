//! The annuaire's pages over HTTP against a real server: search with facets and territory
//! filter, creation and edition forms (errors next to the fields, HTML escaped), private
//! contacts, offers and needs, claims and reports — and a 403 on every mutating route for a
//! visitor without the right, including a member of another organisation.

mod common;
use common::*;

/// Creates an organisation through the form; returns its id.
async fn create(b: &mut Browser, fields: &[(&str, &str)]) -> i64 {
    let page = b.submit("/organisations/nouvelle", fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location
        .unwrap()
        .trim_start_matches("/organisations/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn create_find_and_edit_an_organisation() {
    let mut owner = verified("pages-owner@asso.fr").await;
    let id = create(
        &mut owner,
        &[
            ("nom", "Les Jardiniers <b>solidaires</b>"),
            ("profil", "association"),
            ("codeCommune", "42218"),
            ("oddPrincipal", "2"),
            ("oddSecondaires", "11"),
            ("oddSecondaires", "17"),
            ("description", "Potagers partagés et aide alimentaire"),
            ("contactsPrives", "trésorier : 06 11 22 33 44"),
        ],
    )
    .await;
    // The page escapes HTML, shows private contacts to the owner only.
    let page = owner.get(&format!("/organisations/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("Les Jardiniers &lt;b&gt;solidaires&lt;/b&gt;"));
    assert!(!page.body.contains("<b>solidaires</b>"));
    assert!(page.body.contains("06 11 22 33 44"));
    let mut visitor = Browser::new();
    let page = visitor.get(&format!("/organisations/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("06 11 22 33 44"));
    assert!(!page.body.contains("/modifier"));

    // Found by a plural, unaccented word, in its département (which includes its commune), with
    // facet counts; not found in another département.
    let page = visitor
        .get("/annuaire?q=jardinier&territoire=departement%3A42")
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("/organisations/{id}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("Loire"));
    let page = visitor
        .get("/annuaire?q=jardinier&territoire=departement%3A71")
        .await;
    assert!(!page.body.contains(&format!("/organisations/{id}")));
    let page = visitor
        .get("/annuaire?odd=2&profil=association&q=jardiniers")
        .await;
    assert!(page.body.contains(&format!("/organisations/{id}")));
    // The territory page lists it.
    let page = visitor.get("/territoires/commune/42218").await;
    assert!(page.body.contains(&format!("/organisations/{id}")));

    // Bad filters: a clear 400, no crash.
    for bad in [
        "/annuaire?odd=18",
        "/annuaire?profil=banque",
        "/annuaire?territoire=departement%3A99",
        "/annuaire?fraicheur=vieux",
    ] {
        let page = visitor.get(bad).await;
        assert_eq!(page.status, 400, "{bad}");
        assert!(page.body.contains("resume-erreurs"), "{bad}");
    }
    assert_eq!(visitor.get("/annuaire?inconnu=1").await.status, 400);
    assert_eq!(visitor.get("/organisations/999999").await.status, 404);
    assert_eq!(visitor.get("/organisations/abc").await.status, 404);

    // Edit: errors next to the fields, nothing changed; then a valid edit.
    let edit = format!("/organisations/{id}/modifier");
    let form = owner.get(&edit).await;
    assert_eq!(form.status, 200);
    let version = form
        .body
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let page = owner
        .post(
            &edit,
            &[
                ("_csrf", &form.csrf()),
                ("version", &version),
                ("nom", "Les Jardiniers solidaires"),
                ("profil", "association"),
                ("siret", "12345678901234"),
                ("codeCommune", "99999"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("href=\"#champ-siret\""));
    assert!(page.body.contains("Luhn"));
    assert!(page.body.contains("commune inconnue"));
    let page = owner
        .post(
            &edit,
            &[
                ("_csrf", &form.csrf()),
                ("version", &version),
                ("nom", "Les Jardiniers solidaires"),
                ("profil", "association"),
                ("codeCommune", "42218"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = owner.get(&format!("/organisations/{id}")).await;
    assert!(page.body.contains("Les Jardiniers solidaires"));
    // Private contacts kept although the form did not change them.
    assert!(page.body.contains("06 11 22 33 44"));

    // An offer, then its removal.
    let page = owner
        .post(
            &format!("/organisations/{id}/ressources"),
            &[
                ("_csrf", &form.csrf()),
                ("sens", "offre"),
                ("nature", "locaux"),
                ("titre", "Une serre à partager"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = visitor.get("/annuaire?offre=locaux&q=jardiniers").await;
    assert!(page.body.contains(&format!("/organisations/{id}")));
}

#[tokio::test]
async fn every_mutating_route_refuses_who_has_no_right() {
    let mut owner = verified("pages-a@asso.fr").await;
    let mut other = verified("pages-b@asso.fr").await;
    let id = create(
        &mut owner,
        &[("nom", "Amicale A"), ("profil", "association")],
    )
    .await;
    let other_id = create(
        &mut other,
        &[("nom", "Amicale B"), ("profil", "association")],
    )
    .await;
    assert_ne!(id, other_id);
    let csrf = other.get("/annuaire").await.csrf();
    let csrf = if csrf.is_empty() {
        other.get("/compte").await.csrf()
    } else {
        csrf
    };
    // The member of another organisation: 403 everywhere on this one.
    for path in [
        format!("/organisations/{id}/modifier"),
        format!("/organisations/{id}/confirmation"),
        format!("/organisations/{id}/ressources"),
        format!("/organisations/{id}/ressources/1/suppression"),
        format!("/organisations/{id}/membres"),
        format!("/organisations/{id}/membres/1/retrait"),
        "/admin/moderation/doublons/1".to_string(),
        "/admin/moderation/revendications/1".to_string(),
        "/admin/moderation/signalements/1".to_string(),
    ] {
        let page = other
            .post(
                &path,
                &[
                    ("_csrf", &csrf),
                    ("version", "1"),
                    ("nom", "Pris"),
                    ("profil", "association"),
                    ("sens", "offre"),
                    ("nature", "locaux"),
                    ("titre", "x"),
                    ("decision", "traite"),
                ],
            )
            .await;
        assert_eq!(page.status, 403, "{path}: {}", page.body);
    }
    assert_eq!(
        other
            .get(&format!("/organisations/{id}/modifier"))
            .await
            .status,
        403
    );
    assert_eq!(other.get("/admin/moderation").await.status, 403);
    assert_eq!(
        other
            .get(&format!("/organisations/{id}/membres"))
            .await
            .status,
        403
    );
    assert_eq!(
        other
            .get(&format!("/organisations/{id}/journal"))
            .await
            .status,
        403
    );
    assert_eq!(
        owner
            .get(&format!("/organisations/{id}/membres"))
            .await
            .status,
        200
    );
    assert_eq!(
        owner
            .get(&format!("/organisations/{id}/journal"))
            .await
            .status,
        200
    );
    assert_eq!(other.get("/invitations/inconnu").await.status, 400);
    // Anonymous: 403 on posts, log-in redirect for the creation form.
    let mut anon = Browser::new();
    assert_eq!(
        anon.post("/organisations/nouvelle", &[("nom", "x")])
            .await
            .status,
        403
    );
    assert_eq!(
        anon.get("/organisations/nouvelle")
            .await
            .location
            .as_deref(),
        Some("/compte/connexion")
    );
    // Without the CSRF token: 403 even for the owner.
    let page = owner
        .post(
            &format!("/organisations/{id}/confirmation"),
            &[("_csrf", "faux")],
        )
        .await;
    assert_eq!(page.status, 403);
    // An unverified account cannot create.
    let mut unverified = signed_up("pages-c@asso.fr").await;
    let page = unverified
        .submit(
            "/compte/connexion",
            &[("email", "pages-c@asso.fr"), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(unverified.get("/organisations/nouvelle").await.status, 403);
}

#[tokio::test]
async fn claims_and_reports_reach_the_moderators() {
    let mut owner = verified("pages-claim-owner@asso.fr").await;
    let mut claimant = verified("pages-claimant@asso.fr").await;
    let id = create(
        &mut owner,
        &[("nom", "Comité des fêtes"), ("profil", "association")],
    )
    .await;
    let csrf = claimant.get(&format!("/organisations/{id}")).await.csrf();
    let page = claimant
        .post(
            &format!("/organisations/{id}/revendication"),
            &[
                ("_csrf", &csrf),
                ("message", "Je suis le nouveau président"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = claimant
        .post(
            &format!("/organisations/{id}/signalement"),
            &[
                ("_csrf", &csrf),
                ("motif", "inexact"),
                ("message", "Adresse fausse"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = claimant
        .post(
            &format!("/organisations/{id}/signalement"),
            &[("_csrf", &csrf), ("motif", "nimporte")],
        )
        .await;
    assert_eq!(page.status, 422);
    // A moderator sees both and accepts the claim.
    let app = server().app.clone();
    let moderator_id = server()
        .rt
        .spawn(async move {
            let (uid, _) = app
                .create_user_with_role(
                    "pages-modo@asso.fr",
                    "Modo",
                    alliances_domain::comptes::Role::Moderateur,
                    "http://alliances.test/",
                )
                .await
                .unwrap();
            uid
        })
        .await
        .unwrap();
    assert!(moderator_id > 0);
    let mut modo = set_password_and_log_in("pages-modo@asso.fr").await;
    let page = modo.get("/admin/moderation").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Je suis le nouveau président"));
    assert!(page.body.contains("Adresse fausse"));
    let claim_action = page
        .body
        .split("action=\"/admin/moderation/revendications/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let page = modo
        .post(
            &format!("/admin/moderation/revendications/{claim_action}"),
            &[("_csrf", &page.csrf()), ("decision", "accepter")],
        )
        .await;
    assert_eq!(page.status, 303);
    let page = claimant.get(&format!("/organisations/{id}")).await;
    assert!(page.body.contains(&format!("/organisations/{id}/modifier")));
}
