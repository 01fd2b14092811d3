//! « Mise en relation » on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): the
//! labelled evaluation set (precision@10 against a naive ranking), rights, empty states, and the
//! matching index following the change feed — on one instance and across two.

use alliances_app::annuaire::{AnnuaireError, Fiche};
use alliances_app::comptes::CurrentUser;
use alliances_app::App;
use alliances_domain::annuaire::{OrganisationSaisie, RessourceSaisie, Sens};
use alliances_domain::comptes::Role;
use alliances_domain::relation::{Filtres, Proximite};
use serde::Deserialize;
use std::sync::Arc;

async fn app() -> (Arc<App>, alliances_store::testing::TestDbGuard) {
    let (url, guard) = alliances_store::testing::fresh_url().await;
    (App::open(&url, 5).await.unwrap(), guard)
}

async fn user(app: &App, email: &str, role: Option<Role>) -> CurrentUser {
    let (id, _) = app
        .create_user_with_role(
            email,
            "Test",
            role.unwrap_or(Role::OperateurDispositif),
            "http://x/",
        )
        .await
        .unwrap();
    let mut u = app.current_user(id).await.unwrap().unwrap();
    if role.is_none() {
        u.roles.clear();
    }
    u
}

fn org(nom: &str, profil: &str, commune: &str, odd: u8) -> OrganisationSaisie {
    OrganisationSaisie {
        nom: nom.into(),
        profil: profil.into(),
        code_commune: Some(commune.into()),
        odd_principal: Some(odd),
        description: Some("Organisation de test".into()),
        ..Default::default()
    }
}

fn ressource(sens: &str, nature: &str) -> RessourceSaisie {
    RessourceSaisie {
        sens: sens.into(),
        nature: nature.into(),
        titre: format!("{sens} {nature}"),
        ..Default::default()
    }
}

async fn creer(app: &App, u: &CurrentUser, s: &OrganisationSaisie, res: &[(&str, &str)]) -> i64 {
    let (id, _) = app.creer_organisation(u, s).await.unwrap();
    for (sens, nature) in res {
        app.enregistrer_ressource(u, id, None, &ressource(sens, nature))
            .await
            .unwrap();
    }
    id
}

// ---------------------------------------------------------------------------------------------
// The evaluation set

#[derive(Deserialize)]
struct Jeu {
    besoin: Vec<Besoin>,
}

#[derive(Deserialize)]
struct Besoin {
    organisation: i64,
    nom: String,
    nature: String,
    partenaires: Vec<i64>,
}

/// The naive ranking the engine must beat: same département and at least one shared SDG first,
/// then one of the two, then the rest (active records only; ties by id).
fn naif(moi: &Fiche, toutes: &[Fiche], k: usize) -> Vec<i64> {
    let dep = |f: &Fiche| {
        f.org
            .commune
            .as_ref()
            .map(|c| c.departement_prefix().to_string())
    };
    let mes_odd = moi.org.odd();
    let mut v: Vec<(u8, i64)> = toutes
        .iter()
        .filter(|f| f.id != moi.id && f.org.etat == alliances_domain::annuaire::Etat::Active)
        .map(|f| {
            let meme_dep = dep(f).is_some() && dep(f) == dep(moi);
            let partage = f.org.odd().iter().any(|o| mes_odd.contains(o));
            (u8::from(meme_dep) + u8::from(partage), f.id)
        })
        .collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    v.into_iter().take(k).map(|(_, id)| id).collect()
}

fn precision(trouves: &[i64], attendus: &[i64]) -> f64 {
    trouves.iter().filter(|id| attendus.contains(id)).count() as f64 / 10.0
}

#[tokio::test]
async fn precision_at_10_on_the_labelled_set_beats_the_naive_ranking() {
    let (app, _g) = app().await;
    let n = app
        .charger_demo_annuaire(alliances_app::annuaire::demo::DEMO_ORGANISATIONS)
        .await
        .unwrap();
    assert_eq!(n, alliances_app::annuaire::demo::DEMO_ORGANISATIONS);
    let jeu: Jeu = toml::from_str(include_str!("fixtures/relation_evaluation.toml")).unwrap();
    assert!(jeu.besoin.len() >= 24, "a few dozen needs");
    let ids: Vec<i64> = (1..=n as i64).collect();
    let toutes = app.fiches_publiques(&ids).await.unwrap();
    let (mut p_moteur, mut p_naif) = (0.0, 0.0);
    for b in &jeu.besoin {
        let moi = toutes.iter().find(|f| f.id == b.organisation).unwrap();
        assert_eq!(
            moi.org.nom, b.nom,
            "the demo generator changed: relabel the set"
        );
        let ressources = alliances_store::organisations::ressources_of(&app.db, &[moi.id])
            .await
            .unwrap();
        let besoin = ressources
            .iter()
            .find(|r| r.ressource.sens == Sens::Besoin && r.ressource.nature.slug() == b.nature)
            .expect("the labelled need exists");
        let reponse = app
            .classer_partenaires(moi.clone(), Some(besoin.id), Filtres::default(), 10)
            .await
            .unwrap();
        let trouves: Vec<i64> = reponse.resultats.iter().map(|p| p.fiche.id).collect();
        assert_eq!(trouves.len(), 10);
        assert!(!trouves.contains(&moi.id));
        let (pm, pn) = (
            precision(&trouves, &b.partenaires),
            precision(&naif(moi, &toutes, 10), &b.partenaires),
        );
        println!(
            "besoin {:>5} {:<12} moteur {pm:.1} naïf {pn:.1}",
            b.organisation, b.nature
        );
        p_moteur += pm;
        p_naif += pn;
    }
    let n = jeu.besoin.len() as f64;
    let (p_moteur, p_naif) = (p_moteur / n, p_naif / n);
    println!(
        "precision@10 over {} needs: engine {p_moteur:.3}, naive {p_naif:.3}",
        jeu.besoin.len()
    );
    assert!(
        p_moteur > p_naif,
        "engine {p_moteur:.3} must beat naive {p_naif:.3}"
    );
}

// ---------------------------------------------------------------------------------------------
// Rights, reasons, filters, empty states

#[tokio::test]
async fn members_and_staff_read_the_partners_others_are_refused() {
    let (app, _g) = app().await;
    let owner = user(&app, "rel-owner@test.fr", None).await;
    let other = user(&app, "rel-other@test.fr", None).await;
    let modo = user(&app, "rel-modo@test.fr", Some(Role::Moderateur)).await;
    let asso = creer(
        &app,
        &owner,
        &org(
            "Jardins partagés de Rive-de-Gier",
            "association",
            "42186",
            2,
        ),
        &[("besoin", "competences"), ("offre", "benevolat")],
    )
    .await;
    let boite = creer(
        &app,
        &other,
        &OrganisationSaisie {
            odd_secondaires: vec![2],
            ..org("Atelier Giers", "entreprise", "42186", 8)
        },
        &[("offre", "competences"), ("besoin", "benevolat")],
    )
    .await;
    app.refresh().await.unwrap();

    let r = app
        .partenaires_potentiels(Some(&owner), asso, None, Filtres::default(), 10)
        .await
        .unwrap();
    assert!(!r.sans_ressources);
    let p = r.resultats.iter().find(|p| p.fiche.id == boite).unwrap();
    let textes: Vec<&str> = p.raisons.iter().map(|r| r.texte.as_str()).collect();
    assert_eq!(
        textes,
        [
            "partage l'ODD 2",
            "propose du mécénat de compétences, dont vous avez besoin",
            "a besoin de bénévolat, que vous proposez",
            "même commune",
            "un autre type d'acteur : entreprise",
        ]
    );
    assert_eq!(r.resultats[0].fiche.id, boite);
    assert!(p.fiche.org.contacts_prives.is_none());
    assert!(app
        .partenaires_potentiels(Some(&modo), asso, None, Filtres::default(), 10)
        .await
        .is_ok());
    for lecteur in [None, Some(&other)] {
        assert!(matches!(
            app.partenaires_potentiels(lecteur, asso, None, Filtres::default(), 10)
                .await,
            Err(AnnuaireError::Interdit)
        ));
    }
    assert!(matches!(
        app.partenaires_potentiels(Some(&owner), 999_999, None, Filtres::default(), 10)
            .await,
        Err(AnnuaireError::Introuvable)
    ));
    // A resource of another organisation is not one of this one's.
    let autre_ressource = alliances_store::organisations::ressources_of(&app.db, &[boite])
        .await
        .unwrap()[0]
        .id;
    assert!(matches!(
        app.partenaires_potentiels(
            Some(&owner),
            asso,
            Some(autre_ressource),
            Filtres::default(),
            10
        )
        .await,
        Err(AnnuaireError::Introuvable)
    ));

    // Filters that exclude everything: nothing, and the total says so.
    let filtres = Filtres::lire(&["media".into()], Some("commune"), None, None).unwrap();
    let vide = app
        .partenaires_potentiels(Some(&owner), asso, None, filtres, 10)
        .await
        .unwrap();
    assert!(vide.resultats.is_empty());
    assert_eq!(vide.total, 0);
    // Profiles looked for count as such.
    let filtres = Filtres::lire(&["entreprise".into()], None, None, None).unwrap();
    let r = app
        .partenaires_potentiels(Some(&owner), asso, None, filtres, 10)
        .await
        .unwrap();
    assert_eq!(r.total, 1);
    assert!(r.resultats[0]
        .raisons
        .iter()
        .any(|r| r.texte == "profil recherché : entreprise"));
}

#[tokio::test]
async fn without_needs_or_offers_suggestions_rest_on_sdgs_and_territory() {
    let (app, _g) = app().await;
    let u = user(&app, "rel-nu@test.fr", None).await;
    let seule = creer(
        &app,
        &u,
        &org("Collectif sans besoins", "collectif-citoyen", "69123", 4),
        &[],
    )
    .await;
    let voisin = creer(
        &app,
        &u,
        &org("Maison de quartier", "association", "69123", 4),
        &[],
    )
    .await;
    let loin = creer(&app, &u, &org("Lointaine", "entreprise", "29019", 15), &[]).await;
    app.refresh().await.unwrap();
    let r = app
        .partenaires_potentiels(Some(&u), seule, None, Filtres::default(), 10)
        .await
        .unwrap();
    assert!(r.sans_ressources);
    let ids: Vec<i64> = r.resultats.iter().map(|p| p.fiche.id).collect();
    assert_eq!(ids[0], voisin, "same SDG, same commune first");
    assert!(ids.contains(&loin));
    assert_eq!(r.resultats[0].composantes.proximite, Proximite::Commune);
}

// ---------------------------------------------------------------------------------------------
// The index follows the change feed

#[tokio::test]
async fn edits_through_the_app_reach_the_index_on_this_and_another_instance() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let a = App::open(&url, 5).await.unwrap();
    let b = App::open(&url, 5).await.unwrap();
    let u = user(&a, "rel-sync@test.fr", None).await;
    let asso = creer(
        &a,
        &u,
        &org("Épicerie solidaire", "association", "13055", 1),
        &[("besoin", "financement")],
    )
    .await;
    let fondation = creer(
        &a,
        &u,
        &org("Fondation du Vieux-Port", "fondation", "13055", 1),
        &[],
    )
    .await;
    a.refresh().await.unwrap();
    let partenaire = |app: Arc<App>| {
        let u = u.clone();
        async move {
            app.partenaires_potentiels(Some(&u), asso, None, Filtres::default(), 10)
                .await
                .unwrap()
                .resultats
                .into_iter()
                .find(|p| p.fiche.id == fondation)
                .unwrap()
        }
    };
    assert_eq!(partenaire(a.clone()).await.composantes.besoins_couverts, 0);
    // An offer added through the app.
    a.enregistrer_ressource(&u, fondation, None, &ressource("offre", "financement"))
        .await
        .unwrap();
    a.refresh().await.unwrap();
    let p = partenaire(a.clone()).await;
    assert_ne!(p.composantes.besoins_couverts, 0);
    assert!(p
        .raisons
        .iter()
        .any(|r| r.texte == "propose du financement, dont vous avez besoin"));
    // The other instance converges through the shared feed.
    b.refresh().await.unwrap();
    assert_ne!(partenaire(b.clone()).await.composantes.besoins_couverts, 0);
    // A move to another région changes the proximity on both.
    let version = a
        .organisation(Some(&u), fondation)
        .await
        .map(|l| match l {
            alliances_app::annuaire::Lecture::Vue(v) => v.fiche.meta.version,
            _ => unreachable!(),
        })
        .unwrap();
    let mut s = org("Fondation du Vieux-Port", "fondation", "29019", 1);
    s.description = Some("Partie à Brest".into());
    a.modifier_organisation(&u, fondation, version, &s)
        .await
        .unwrap();
    a.refresh().await.unwrap();
    b.refresh().await.unwrap();
    for app in [a.clone(), b.clone()] {
        assert_eq!(
            partenaire(app).await.composantes.proximite,
            Proximite::Aucune
        );
    }
    // The index holds what the database holds.
    let n = a.index_relation(|i| i.len());
    assert_eq!(n, b.index_relation(|i| i.len()));
    assert_eq!(n, 2);
}
