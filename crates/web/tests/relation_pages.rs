//! The « Partenaires potentiels » pages over HTTP against a real server: members see the ranked
//! partners with their reasons and a contact link, strangers and visitors are refused, filters
//! travel in the query string (and a bad one is said), the empty states, the per-need page, and
//! the public page explaining the formula.

mod common;
use common::*;

async fn create(b: &mut Browser, fields: &[(&str, &str)]) -> i64 {
    let page = b.submit("/organisations/nouvelle", fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location
        .unwrap()
        .trim_start_matches("/organisations/")
        .parse()
        .unwrap()
}

async fn ressource(b: &mut Browser, id: i64, sens: &str, nature: &str, titre: &str) {
    let page = b.get(&format!("/organisations/{id}")).await;
    let csrf = page.csrf();
    let page = b
        .post(
            &format!("/organisations/{id}/ressources"),
            &[
                ("_csrf", csrf.as_str()),
                ("sens", sens),
                ("nature", nature),
                ("titre", titre),
            ],
        )
        .await;
    assert!(page.status == 303 || page.status == 200, "{}", page.body);
}

/// The id of the organisation's need titled `titre`, read from its page's partner link.
async fn besoin_id(b: &mut Browser, id: i64, titre: &str) -> i64 {
    let page = b.get(&format!("/organisations/{id}")).await;
    let prefix = format!("/organisations/{id}/ressources/");
    page.body
        .split(&prefix)
        .filter_map(|rest| {
            let (rid, after) = rest.split_once("/partenaires")?;
            after
                .split("</a>")
                .next()?
                .contains(titre)
                .then(|| rid.parse().ok())?
        })
        .next()
        .unwrap_or_else(|| panic!("no partner link for {titre}: {}", page.body))
}

#[tokio::test]
async fn members_see_ranked_partners_with_reasons_and_others_are_refused() {
    let mut owner = verified("rel-pages-owner@asso.fr").await;
    let asso = create(
        &mut owner,
        &[
            ("nom", "Potagers de Saint-Chamond"),
            ("profil", "association"),
            ("codeCommune", "42207"),
            ("oddPrincipal", "2"),
            ("oddSecondaires", "12"),
        ],
    )
    .await;
    ressource(
        &mut owner,
        asso,
        "besoin",
        "competences",
        "Un jardinier bénévole expert",
    )
    .await;
    ressource(&mut owner, asso, "offre", "benevolat", "Des bras le samedi").await;

    let mut autre = verified("rel-pages-autre@boite.fr").await;
    let boite = create(
        &mut autre,
        &[
            ("nom", "Paysages Gier <SARL>"),
            ("profil", "entreprise"),
            ("codeCommune", "42207"),
            ("oddPrincipal", "12"),
        ],
    )
    .await;
    ressource(
        &mut autre,
        boite,
        "offre",
        "competences",
        "Mécénat de compétences",
    )
    .await;

    // The organisation page links to the dashboard, for members only.
    let page = owner.get(&format!("/organisations/{asso}")).await;
    assert!(page
        .body
        .contains(&format!("/organisations/{asso}/partenaires")));
    let page = autre.get(&format!("/organisations/{asso}")).await;
    assert!(!page
        .body
        .contains(&format!("/organisations/{asso}/partenaires")));

    let page = owner
        .get(&format!("/organisations/{asso}/partenaires"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains("Partenaires potentiels de « Potagers de Saint-Chamond »"));
    assert!(
        page.body.contains("Paysages Gier &lt;SARL&gt;"),
        "escaped: {}",
        page.body
    );
    assert!(page.body.contains(
        "partage l&#x27;ODD 12 · propose du mécénat de compétences, dont vous avez besoin · même commune · un autre type d&#x27;acteur : entreprise"
    ) || page.body.contains(
        "partage l'ODD 12 · propose du mécénat de compétences, dont vous avez besoin · même commune · un autre type d'acteur : entreprise"
    ), "{}", page.body);
    assert!(page
        .body
        .contains(&format!("/organisations/{boite}/contact?de={asso}")));
    assert!(page.body.contains("href=\"/mise-en-relation\""));
    assert!(!page.body.contains("Votre organisation n&#x27;a déclaré"));

    // The same for one need, reached from the organisation's page.
    let rid = besoin_id(&mut owner, asso, "Un jardinier bénévole expert").await;
    let page = owner
        .get(&format!(
            "/organisations/{asso}/ressources/{rid}/partenaires"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Un jardinier bénévole expert"));
    assert!(page.body.contains("Paysages Gier"));

    // Strangers: 403; visitors: 403; unknown: 404; a resource of someone else: 404.
    let page = autre
        .get(&format!("/organisations/{asso}/partenaires"))
        .await;
    assert_eq!(page.status, 403);
    assert!(!page.body.contains("Paysages Gier"));
    let page = Browser::new()
        .get(&format!("/organisations/{asso}/partenaires"))
        .await;
    assert_eq!(page.status, 403);
    let page = owner.get("/organisations/99999999/partenaires").await;
    assert_eq!(page.status, 404);
    let page = owner.get("/organisations/abc/partenaires").await;
    assert_eq!(page.status, 404);
    let page = owner
        .get(&format!(
            "/organisations/{asso}/ressources/99999999/partenaires"
        ))
        .await;
    assert_eq!(page.status, 404);

    // Filters: a profile looked for is named; filters that exclude everything say so and offer
    // to widen; an unknown filter is said; an unknown parameter is refused.
    let page = owner
        .get(&format!(
            "/organisations/{asso}/partenaires?profil=entreprise&distance=commune"
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("profil recherché : entreprise"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"entreprise\" checked"));
    let page = owner
        .get(&format!(
            "/organisations/{asso}/partenaires?profil=media&distance=commune"
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("Aucune organisation ne correspond à ces filtres."));
    assert!(
        page.body.contains(&format!(
            "/organisations/{asso}/partenaires?profil=media&amp;distance=epci"
        )) || page.body.contains(&format!(
            "/organisations/{asso}/partenaires?profil=media&distance=epci"
        )),
        "{}",
        page.body
    );
    let page = owner
        .get(&format!("/organisations/{asso}/partenaires?odd=42"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("resume-erreurs"));
    let page = owner
        .get(&format!("/organisations/{asso}/partenaires?pirate=1"))
        .await;
    assert_eq!(page.status, 400);
}

#[tokio::test]
async fn without_offers_or_needs_the_page_says_so_and_still_suggests() {
    let mut owner = verified("rel-pages-vide@asso.fr").await;
    let seule = create(
        &mut owner,
        &[
            ("nom", "Collectif sans ressources"),
            ("profil", "collectif-citoyen"),
            ("codeCommune", "63113"),
            ("oddPrincipal", "13"),
        ],
    )
    .await;
    let voisine = create(
        &mut owner,
        &[
            ("nom", "Climat Clermont"),
            ("profil", "association"),
            ("codeCommune", "63113"),
            ("oddPrincipal", "13"),
        ],
    )
    .await;
    let page = owner
        .get(&format!("/organisations/{seule}/partenaires"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("ces suggestions reposent seulement sur vos ODD"));
    assert!(page
        .body
        .contains(&format!("/organisations/{seule}#offres-besoins")));
    assert!(page.body.contains(&format!("/organisations/{voisine}\"")));
    assert!(page.body.contains("même commune"));
}

#[tokio::test]
async fn the_method_page_is_public_and_states_the_weights() {
    let page = Browser::new().get("/mise-en-relation").await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("<h1>Comment fonctionne la mise en relation</h1>"));
    for (critere, poids) in [
        (
            "Vos besoins couverts",
            alliances_domain::relation::POIDS_BESOINS_COUVERTS,
        ),
        ("Proximité", alliances_domain::relation::POIDS_PROXIMITE),
        (
            "Diversité des acteurs",
            alliances_domain::relation::POIDS_DIVERSITE,
        ),
    ] {
        assert!(
            page.body.contains(&format!("{critere}</th><td>")),
            "{critere}"
        );
        assert!(page.body.contains(&format!("<td>{poids}</td>")), "{poids}");
    }
    assert!(page.body.contains(&format!(
        "{} %.",
        alliances_domain::relation::FACTEUR_PERIME
    )));
}
