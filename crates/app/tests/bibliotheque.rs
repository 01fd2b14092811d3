//! The resource library's use cases on a real database (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): rights, audit and change feed of every write, the examples' review by
//! moderators, the list's filters and cursor with the entries derived from kits and the
//! observatory, events and their iCalendar feed, the broken-link job against a local server,
//! organisations that no longer exist, the demo loaded twice.

mod common;
use alliances_app::bibliotheque::liste::Origine;
use alliances_app::bibliotheque::{BibliothequeError, EtatActeur, Filtres};
use alliances_app::comptes::CurrentUser;
use alliances_app::{now, App};
use alliances_domain::annuaire::Profil;
use alliances_domain::bibliotheque::{
    EntreeSaisie, EtatPublication, EvenementSaisie, Famille, LienSaisie,
};
use alliances_domain::odd::OddNumber;
use alliances_domain::ressources::Theme;
use alliances_domain::territoires::Niveau;
use common::*;

async fn moderateur(app: &App, email: &str) -> CurrentUser {
    let (id, _) = app
        .create_user_with_role(
            email,
            email,
            alliances_domain::comptes::Role::Moderateur,
            "http://x/",
        )
        .await
        .unwrap();
    app.current_user(id).await.unwrap().unwrap()
}

fn ressource(titre: &str, famille: &str) -> EntreeSaisie {
    EntreeSaisie {
        famille: famille.into(),
        titre: titre.into(),
        resume: "Une ressource pour avancer.".into(),
        corps: "## Étapes\n\n1. Réunir\n2. Décider <script>alert(1)</script>".into(),
        themes: vec!["gouvernance".into()],
        odd: vec!["17".into()],
        ..Default::default()
    }
}

fn exemple(acteurs: Vec<i64>) -> EntreeSaisie {
    EntreeSaisie {
        famille: "exemple".into(),
        titre: "Un garage solidaire".into(),
        resume: "Réparer pour reprendre un emploi.".into(),
        territoires: vec!["departement:42".into()],
        acteurs,
        types_partenariat: vec!["mecenat-competences".into()],
        forme: Some("partenariat-organisations".into()),
        besoin: "Pas de voiture, pas d'emploi.".into(),
        realisation: "Un garage associatif.".into(),
        resultats: "180 véhicules réparés.".into(),
        enseignements: "Formaliser tôt.".into(),
        ..Default::default()
    }
}

async fn changements(app: &App, entite: &str) -> Vec<(String, String)> {
    alliances_store::changes::since(&app.db, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.entity == entite)
        .map(|c| (c.entity_id, c.operation))
        .collect()
}

async fn audits(app: &App, action: &str) -> usize {
    alliances_store::audit::latest(&app.db, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .count()
}

#[tokio::test]
async fn resources_are_written_by_members_with_audit_and_change_feed() {
    let (app, _g) = app().await;
    let auteur = user(&app, "auteur@ressources.fr").await;
    let intrus = user(&app, "intrus@ressources.fr").await;
    let modo = moderateur(&app, "modo@ressources.fr").await;
    let org = organisation(&app, &auteur, "Centre de ressources", "42218").await;

    // Not a member: the organisation field says why.
    assert!(matches!(
        app.creer_entree(&intrus, &ressource("Guide", "methode"), org).await,
        Err(BibliothequeError::Invalide(e)) if e[0].champ == "organisation"
    ));
    // Bad input names its fields and writes nothing.
    let mut mauvaise = ressource("", "roman");
    mauvaise.odd = vec!["18".into()];
    match app.creer_entree(&auteur, &mauvaise, org).await {
        Err(BibliothequeError::Invalide(e)) => {
            let champs: Vec<&str> = e.iter().map(|x| x.champ).collect();
            assert!(
                champs.contains(&"famille") && champs.contains(&"titre") && champs.contains(&"odd"),
                "{champs:?}"
            );
        }
        autre => panic!("{autre:?}"),
    }
    assert!(changements(&app, "bibliotheque").await.is_empty());

    let id = app
        .creer_entree(
            &auteur,
            &ressource("Guide du comité de pilotage", "methode"),
            org,
        )
        .await
        .unwrap();
    let vue = app.entree(None, id).await.unwrap();
    assert_eq!(vue.fiche.etat, EtatPublication::Publiee);
    assert_eq!(vue.organisation.as_ref().unwrap().0, org);
    assert!(!vue.html.contains("<script"), "{}", vue.html);
    assert!(vue.html.contains("<h3>Étapes</h3>"));
    assert!(!vue.peut_modifier);
    assert!(app.entree(Some(&auteur), id).await.unwrap().peut_modifier);
    assert_eq!(
        changements(&app, "bibliotheque").await,
        vec![(id.to_string(), "create".to_string())]
    );
    assert_eq!(audits(&app, "bibliotheque.creation").await, 1);
    // The public read function of other modules sees it.
    let p = alliances_store::bibliotheque::publiee(&app.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.chemin, format!("/ressources/{id}"));
    assert_eq!(p.famille, "methode");
    assert!(
        p.texte.contains("Réunir") && !p.texte.contains('<'),
        "{}",
        p.texte
    );
    assert_eq!(
        alliances_store::bibliotheque::publiees(&app.db)
            .await
            .unwrap()
            .len(),
        1
    );

    // Edits: members and moderators; a stale version is a conflict; others are refused.
    let v = vue.fiche.version;
    let mut s = vue.fiche.entree.saisie();
    s.titre = "Guide du premier comité de pilotage".into();
    assert!(matches!(
        app.modifier_entree(&intrus, id, v, &s).await,
        Err(BibliothequeError::Interdit)
    ));
    app.modifier_entree(&auteur, id, v, &s).await.unwrap();
    assert!(matches!(
        app.modifier_entree(&modo, id, v, &s).await,
        Err(BibliothequeError::Conflit)
    ));
    app.modifier_entree(&modo, id, v + 1, &s).await.unwrap();
    assert_eq!(
        app.entree(None, id).await.unwrap().fiche.entree.titre,
        "Guide du premier comité de pilotage"
    );
    assert_eq!(audits(&app, "bibliotheque.modification").await, 2);
    assert_eq!(changements(&app, "bibliotheque").await.len(), 3);
    assert!(matches!(
        app.entree(None, id + 100).await,
        Err(BibliothequeError::Introuvable)
    ));
}

#[tokio::test]
async fn examples_are_reviewed_by_moderators_before_publication() {
    let (app, _g) = app().await;
    let auteur = user(&app, "auteur@exemples.fr").await;
    let lecteur = user(&app, "lecteur@exemples.fr").await;
    let modo = moderateur(&app, "modo@exemples.fr").await;
    let org = organisation(&app, &auteur, "Garage solidaire", "42218").await;
    let partenaire = organisation(&app, &lecteur, "Concession partenaire", "42218").await;

    // Unknown organisations among the actors are refused.
    assert!(matches!(
        app.creer_entree(&auteur, &exemple(vec![org, 99_999]), org).await,
        Err(BibliothequeError::Invalide(e)) if e[0].champ == "acteurs"
    ));
    let id = app
        .creer_entree(&auteur, &exemple(vec![org, partenaire]), org)
        .await
        .unwrap();
    // Submitted: hidden from the public and the list, shown to its authors and moderators.
    assert!(matches!(
        app.entree(None, id).await,
        Err(BibliothequeError::Introuvable)
    ));
    assert!(matches!(
        app.entree(Some(&lecteur), id).await,
        Err(BibliothequeError::Introuvable)
    ));
    assert_eq!(
        app.entree(Some(&auteur), id).await.unwrap().fiche.etat,
        EtatPublication::Soumise
    );
    let exemples = Filtres {
        famille: Some(Famille::Exemple),
        ..Default::default()
    };
    assert_eq!(
        app.bibliotheque(&exemples, None, 20).await.unwrap().total,
        0
    );
    assert!(alliances_store::bibliotheque::publiee(&app.db, id)
        .await
        .unwrap()
        .is_none());
    // The moderation queue lists it.
    let file = app.file_moderation(Some(&modo)).await.unwrap();
    assert_eq!(
        file.exemples.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![id]
    );
    assert!(matches!(
        app.moderer_exemple(&auteur, id, true, None).await,
        Err(BibliothequeError::Interdit)
    ));
    // A refusal needs a reason; the authors edit, which submits it again.
    assert!(matches!(
        app.moderer_exemple(&modo, id, false, Some("  ")).await,
        Err(BibliothequeError::Invalide(e)) if e[0].champ == "motif"
    ));
    app.moderer_exemple(&modo, id, false, Some("Précisez les résultats chiffrés."))
        .await
        .unwrap();
    let refuse = app.entree(Some(&auteur), id).await.unwrap().fiche;
    assert_eq!(refuse.etat, EtatPublication::Refusee);
    assert_eq!(
        refuse.motif_refus.as_deref(),
        Some("Précisez les résultats chiffrés.")
    );
    assert!(matches!(
        app.moderer_exemple(&modo, id, true, None).await,
        Err(BibliothequeError::Refus(_))
    ));
    let mut s = refuse.entree.saisie();
    s.resultats = "180 véhicules réparés, 60 reprises d'emploi.".into();
    app.modifier_entree(&auteur, id, refuse.version, &s)
        .await
        .unwrap();
    assert_eq!(
        app.entree(Some(&auteur), id).await.unwrap().fiche.etat,
        EtatPublication::Soumise
    );
    app.moderer_exemple(&modo, id, true, None).await.unwrap();
    let vue = app.entree(None, id).await.unwrap();
    assert_eq!(vue.fiche.etat, EtatPublication::Publiee);
    assert_eq!(vue.acteurs.len(), 2);
    assert!(vue.acteurs.iter().all(|a| a.etat == EtatActeur::Active));
    assert_eq!(
        app.bibliotheque(&exemples, None, 20).await.unwrap().total,
        1
    );
    assert!(app
        .file_moderation(Some(&modo))
        .await
        .unwrap()
        .exemples
        .is_empty());
    let ops: Vec<String> = changements(&app, "bibliotheque")
        .await
        .into_iter()
        .map(|c| c.1)
        .collect();
    assert_eq!(ops, vec!["create", "refuse", "update", "publish"]);
    assert_eq!(audits(&app, "bibliotheque.publication").await, 1);
    assert_eq!(audits(&app, "bibliotheque.refus").await, 1);
    let p = alliances_store::bibliotheque::publiee(&app.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.chemin, format!("/exemples/{id}"));
    assert!(p.texte.contains("Formaliser tôt"));
}

#[tokio::test]
async fn the_list_filters_pages_and_derives_kits_and_observatory_waves() {
    let (app, _g) = app().await;
    let auteur = user(&app, "auteur@liste.fr").await;
    let org = organisation(&app, &auteur, "Centre de ressources", "42218").await;
    // One resource on a commune of the Loire (42), one on the Rhône (69), one national.
    let mut a = ressource("Guide stéphanois", "methode");
    a.territoires = vec!["commune:42218".into()];
    a.publics = vec!["association".into()];
    a.date = "2026-01-10".into();
    let mut b = ressource("Données du Rhône", "donnees");
    b.territoires = vec!["departement:69".into()];
    b.themes = vec!["evaluation".into()];
    b.odd = vec!["4".into()];
    b.publics = vec!["entreprise".into()];
    b.date = "2026-02-10".into();
    let c = ressource("Formation nationale", "formation");
    let ia = app.creer_entree(&auteur, &a, org).await.unwrap();
    let ib = app.creer_entree(&auteur, &b, org).await.unwrap();
    let ic = app.creer_entree(&auteur, &c, org).await.unwrap();
    let stockes = |p: &alliances_app::bibliotheque::Page| -> Vec<i64> {
        p.elements.iter().filter_map(|e| e.id).collect()
    };
    let f = |t: Filtres| t;
    let dans_42 = f(Filtres {
        territoire: Some((Niveau::Departement, "42".into())),
        ..Default::default()
    });
    assert_eq!(
        stockes(&app.bibliotheque(&dans_42, None, 50).await.unwrap()),
        vec![ia]
    );
    let region = app
        .territoires()
        .referentiel
        .region(
            app.territoires().referentiel.region_of_departement(
                app.territoires()
                    .referentiel
                    .find_departement("69")
                    .unwrap(),
            ),
        )
        .code
        .clone();
    let dans_region = f(Filtres {
        territoire: Some((Niveau::Region, region)),
        ..Default::default()
    });
    let mut ids = stockes(&app.bibliotheque(&dans_region, None, 50).await.unwrap());
    ids.sort();
    assert_eq!(ids, vec![ia, ib], "the région holds both départements");
    let evaluation = f(Filtres {
        theme: Some(Theme::Evaluation),
        ..Default::default()
    });
    assert!(stockes(&app.bibliotheque(&evaluation, None, 50).await.unwrap()).contains(&ib));
    let odd4 = f(Filtres {
        odd: Some(OddNumber::new(4).unwrap()),
        ..Default::default()
    });
    assert_eq!(
        stockes(&app.bibliotheque(&odd4, None, 50).await.unwrap()),
        vec![ib]
    );
    // An entry for everyone matches every audience.
    let assos = f(Filtres {
        public: Some(Profil::Association),
        ..Default::default()
    });
    let mut ids = stockes(&app.bibliotheque(&assos, None, 50).await.unwrap());
    ids.sort();
    assert_eq!(ids, vec![ia, ic]);

    // Kits are tools of the list, derived from the catalogue (not stored).
    let outils = f(Filtres {
        famille: Some(Famille::Outil),
        ..Default::default()
    });
    let page = app.bibliotheque(&outils, None, 50).await.unwrap();
    let kits = app.kits().derniers().count();
    assert!(kits > 0);
    assert_eq!(page.total, kits);
    assert!(page
        .elements
        .iter()
        .all(|e| e.origine == Origine::Kit && e.chemin.starts_with("/kits/")));
    // A kit recommending resources on a theme is found under that theme.
    let themes_kits: Vec<Theme> = page
        .elements
        .iter()
        .flat_map(|e| e.themes.clone())
        .collect();
    assert!(!themes_kits.is_empty());

    // Published observatory waves are data.
    let donnees = f(Filtres {
        famille: Some(Famille::Donnees),
        ..Default::default()
    });
    assert_eq!(app.bibliotheque(&donnees, None, 50).await.unwrap().total, 1);
    app.charger_demo_observatoire().await.unwrap();
    let page = app.bibliotheque(&donnees, None, 50).await.unwrap();
    assert!(page
        .elements
        .iter()
        .any(|e| e.origine == Origine::Observatoire
            && e.chemin.starts_with("/observatoire/etudes/")
            && e.demo));

    // Pages of 2 cover everything once, in order.
    let tous = app
        .bibliotheque(&Filtres::default(), None, 1000)
        .await
        .unwrap();
    let mut vus = Vec::new();
    let mut apres: Option<String> = None;
    loop {
        let p = app
            .bibliotheque(&Filtres::default(), apres.as_deref(), 2)
            .await
            .unwrap();
        assert_eq!(p.total, tous.total);
        vus.extend(p.elements.iter().map(|e| e.cle.clone()));
        match p.suivant {
            Some(s) => apres = Some(s),
            None => break,
        }
    }
    assert_eq!(
        vus,
        tous.elements
            .iter()
            .map(|e| e.cle.clone())
            .collect::<Vec<_>>()
    );
    assert!(tous.elements.windows(2).all(|w| w[0].date >= w[1].date));
}

#[tokio::test]
async fn events_and_their_calendar() {
    let (app, _g) = app().await;
    let auteur = user(&app, "auteur@evenements.fr").await;
    let intrus = user(&app, "intrus@evenements.fr").await;
    let org = organisation(&app, &auteur, "Réseau des catalyseurs", "42218").await;
    let r = app
        .creer_entree(&auteur, &ressource("Guide", "methode"), org)
        .await
        .unwrap();
    let mut s = EvenementSaisie {
        titre: "Webinaire : budget, gouvernance; suite".into(),
        resume: "Une heure\npour comprendre.".into(),
        format: "webinaire".into(),
        debut: "2026-12-03T14:00".into(),
        fin: "2026-12-03T15:00".into(),
        lieu: Some("En ligne".into()),
        replay: Some("https://video.exemple.fr/replay".into()),
        ressources: vec![r, 424_242],
        ..Default::default()
    };
    assert!(matches!(
        app.creer_evenement(&auteur, &s, org).await,
        Err(BibliothequeError::Invalide(e)) if e[0].champ == "ressources"
    ));
    s.ressources = vec![r];
    assert!(matches!(
        app.creer_evenement(&intrus, &s, org).await,
        Err(BibliothequeError::Invalide(e)) if e[0].champ == "organisation"
    ));
    let id = app.creer_evenement(&auteur, &s, org).await.unwrap();
    let evs = app.evenements_bibliotheque(Some(&auteur)).await.unwrap();
    assert_eq!(evs.len(), 1);
    assert!(evs[0].peut_modifier);
    assert_eq!(evs[0].ressources[0].0, r);
    // The resource's page lists the event.
    assert_eq!(app.entree(None, r).await.unwrap().evenements[0].0, id);
    let ics = app
        .calendrier_evenements("https://alliances.example.org")
        .await
        .unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(ics.contains(&format!(
        "UID:bibliotheque-evenement-{id}@alliances.example.org\r\n"
    )));
    assert!(ics.contains("DTSTART:20261203T130000Z\r\n"), "{ics}");
    assert!(ics.contains("DTEND:20261203T140000Z\r\n"));
    assert!(ics.contains("SUMMARY:Webinaire : budget\\, gouvernance\\; suite\r\n"));
    assert!(ics.contains("Une heure\\npour comprendre."));
    assert!(ics.lines().all(|l| l.len() <= 76), "folded at 75 octets");
    // Edits by its organisation only; stale version refused.
    let f = app.evenement_a_modifier(&auteur, id).await.unwrap();
    assert!(matches!(
        app.evenement_a_modifier(&intrus, id).await,
        Err(BibliothequeError::Interdit)
    ));
    let mut s2 = f.evenement.saisie();
    s2.fin = "2026-12-03T16:00".into();
    app.modifier_evenement(&auteur, id, f.version, &s2)
        .await
        .unwrap();
    assert!(matches!(
        app.modifier_evenement(&auteur, id, f.version, &s2).await,
        Err(BibliothequeError::Conflit)
    ));
    assert_eq!(
        changements(&app, "bibliotheque-evenement").await,
        vec![
            (id.to_string(), "create".into()),
            (id.to_string(), "update".into())
        ]
    );
}

/// A local server: `/ok` answers 200, `/absent` 404, `/sans-head` refuses HEAD but serves GET.
async fn serveur() -> String {
    use axum::http::{Method, StatusCode};
    use axum::routing::any;
    let app = axum::Router::new()
        .route("/ok", any(|| async { StatusCode::OK }))
        .route("/absent", any(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/sans-head",
            any(|m: Method| async move {
                if m == Method::HEAD {
                    StatusCode::METHOD_NOT_ALLOWED
                } else {
                    StatusCode::OK
                }
            }),
        );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}")
}

async fn signalements(app: &App) -> Vec<alliances_store::moderation::Signalement> {
    alliances_store::moderation::signalements_a_traiter(&app.db, 100)
        .await
        .unwrap()
}

#[tokio::test]
async fn broken_links_are_checked_weekly_and_reported_once() {
    let (app, _g) = app().await;
    let base = serveur().await;
    let auteur = user(&app, "auteur@liens.fr").await;
    let org = organisation(&app, &auteur, "Centre de ressources", "42218").await;
    let mut s = ressource("Guide avec liens", "outil");
    s.liens = vec![
        LienSaisie {
            titre: Some("Fiche".into()),
            url: format!("{base}/ok"),
        },
        LienSaisie {
            titre: None,
            url: format!("{base}/absent"),
        },
    ];
    s.corps = format!("Voir [la trame]({base}/sans-head).");
    let id = app.creer_entree(&auteur, &s, org).await.unwrap();
    // Publishing queued a pass; the worker runs it.
    let mailer = alliances_app::mail::FolderMailer::new(
        tempfile::tempdir().unwrap().keep(),
        "Alliances <ne-pas-repondre@alliances.test>",
    )
    .unwrap();
    let ran = alliances_app::worker::run_pending_jobs_once(&app, &mailer, "w1", now())
        .await
        .unwrap();
    assert_eq!(ran, 1);
    let sig = signalements(&app).await;
    assert_eq!(sig.len(), 1, "{sig:?}");
    assert_eq!(
        (sig[0].entity.as_str(), sig[0].entity_id.clone()),
        ("bibliotheque", id.to_string())
    );
    assert!(
        sig[0].message.contains(&format!("{base}/absent")) && sig[0].message.contains("HTTP 404"),
        "{}",
        sig[0].message
    );
    assert_eq!(
        app.entree(None, id).await.unwrap().liens_casses,
        vec![format!("{base}/absent")]
    );

    // Within the week nothing is checked again; a week later it is, and not reported twice.
    let client = App::client_liens();
    let t = now();
    let b = app.verifier_liens(t + 3600, &client).await.unwrap();
    assert_eq!(b.verifies, 0);
    let b = app.verifier_liens(t + 8 * 86_400, &client).await.unwrap();
    assert_eq!((b.verifies, b.casses, b.signalements), (3, 1, 0));
    assert_eq!(signalements(&app).await.len(), 1);
}

#[tokio::test]
async fn examples_citing_organisations_that_no_longer_exist() {
    let (app, _g) = app().await;
    let auteur = user(&app, "auteur@disparues.fr").await;
    let autre = user(&app, "autre@disparues.fr").await;
    let modo = moderateur(&app, "modo@disparues.fr").await;
    let org = organisation(&app, &auteur, "Association porteuse", "42218").await;
    let dissoute = organisation(&app, &autre, "Association dissoute", "42218").await;
    let absorbee = organisation(&app, &autre, "Association absorbée", "42218").await;
    let id = app
        .creer_entree(&auteur, &exemple(vec![org, dissoute, absorbee]), org)
        .await
        .unwrap();
    app.moderer_exemple(&modo, id, true, None).await.unwrap();
    let mut conn = app.db.pool().acquire().await.unwrap();
    sqlx::query("UPDATE organisations SET etat = 'dissoute' WHERE id = $1")
        .bind(dissoute)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE organisations SET fusionnee_dans = $1 WHERE id = $2")
        .bind(org)
        .bind(absorbee)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let vue = app.entree(None, id).await.unwrap();
    let etats: Vec<&EtatActeur> = vue.acteurs.iter().map(|a| &a.etat).collect();
    assert_eq!(etats[0], &EtatActeur::Active);
    assert_eq!(etats[1], &EtatActeur::Disparue("Dissoute"));
    assert!(matches!(etats[2], EtatActeur::Fusionnee { dans, .. } if *dans == org));
    // Moderators are told once per organisation.
    assert_eq!(app.signaler_acteurs_disparus(now()).await.unwrap(), 2);
    assert_eq!(app.signaler_acteurs_disparus(now()).await.unwrap(), 0);
    let sig = signalements(&app).await;
    assert_eq!(sig.len(), 2);
    assert!(sig
        .iter()
        .all(|s| s.entity == "bibliotheque" && s.entity_id == id.to_string()));
}

#[tokio::test]
async fn the_demo_loads_once() {
    let (app, _g) = app().await;
    app.charger_demo_annuaire(300).await.unwrap();
    app.charger_demo_alliances(12).await.unwrap();
    let n = app.charger_demo_bibliotheque().await.unwrap();
    assert!(n >= 35, "{n} records");
    assert_eq!(
        app.charger_demo_bibliotheque().await.unwrap(),
        0,
        "idempotent"
    );
    let tous = app
        .elements_bibliotheque(&Filtres::default())
        .await
        .unwrap();
    let stockes: Vec<_> = tous
        .iter()
        .filter(|e| e.origine == Origine::Stockee)
        .collect();
    assert!(stockes.iter().all(|e| e.demo));
    for f in Famille::ALL {
        assert!(stockes.iter().any(|e| e.famille == *f), "{f:?}");
    }
    let exemples: Vec<_> = stockes
        .iter()
        .filter(|e| e.famille == Famille::Exemple)
        .collect();
    assert!(exemples.len() >= 10, "{}", exemples.len());
    let mut avec_alliance = 0;
    for e in &exemples {
        let v = app.entree(None, e.id.unwrap()).await.unwrap();
        assert!(!v.acteurs.is_empty());
        avec_alliance += usize::from(v.alliance.is_some());
    }
    assert!(avec_alliance >= 3, "{avec_alliance}");
    let evs = app.evenements_bibliotheque(None).await.unwrap();
    assert_eq!(evs.len(), 6);
    let t = now();
    assert!(evs
        .iter()
        .any(|e| e.fiche.evenement.fin < t && e.fiche.evenement.replay.is_some()));
    assert!(evs.iter().any(|e| e.fiche.evenement.debut > t));
    assert!(evs.iter().all(|e| e.fiche.demo));
}
