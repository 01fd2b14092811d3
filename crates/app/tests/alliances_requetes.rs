//! The alliance page is read with a constant number of queries, whatever the number of
//! members, indicators, values, actions and journal entries (no N+1). Queries are counted from
//! sqlx's own `sqlx::query` events through a global tracing subscriber — hence this file holds a
//! single test.

use alliances_app::alliances::{ActionSaisie, EntreeSaisie, ValeurSaisie};
use alliances_app::App;
use alliances_domain::alliances::indicateurs::IndicateurSaisie;
use alliances_domain::alliances::AllianceSaisie;
use alliances_domain::annuaire::OrganisationSaisie;
use alliances_domain::dates;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

static REQUETES: AtomicUsize = AtomicUsize::new(0);

struct Compteur;

impl Subscriber for Compteur {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.target() == "sqlx::query"
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, e: &Event<'_>) {
        if e.metadata().target() == "sqlx::query" {
            REQUETES.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

async fn compter(app: &App, id: i64) -> usize {
    let avant = REQUETES.load(Ordering::SeqCst);
    let vue = app.alliance(None, id).await.unwrap();
    assert!(!vue.sante.is_empty());
    REQUETES.load(Ordering::SeqCst) - avant
}

#[tokio::test]
async fn the_alliance_page_costs_a_constant_number_of_queries() {
    tracing::subscriber::set_global_default(Compteur).unwrap();
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let app = App::open(&url, 5).await.unwrap();
    let (uid, _) = app
        .create_user_with_role(
            "n1@exemple.fr",
            "N",
            alliances_domain::comptes::Role::OperateurDispositif,
            "http://x/",
        )
        .await
        .unwrap();
    let mut chef = app.current_user(uid).await.unwrap().unwrap();
    chef.roles.clear();
    let org = |nom: &str| OrganisationSaisie {
        nom: nom.into(),
        profil: "association".into(),
        code_commune: Some("42218".into()),
        ..Default::default()
    };
    let backbone = app
        .creer_organisation(&chef, &org("Appui"))
        .await
        .unwrap()
        .0;
    let saisie = AllianceSaisie {
        nom: "Alliance mesurée".into(),
        resume: "Pour compter les requêtes.".into(),
        territoires: vec!["departement:42".into()],
        forme: "dialogue-territorial".into(),
        stade: "deploiement".into(),
        publique: true,
        ..Default::default()
    };
    let id = app.creer_alliance(&chef, &saisie, backbone).await.unwrap();
    let petite = compter(&app, id).await;
    assert!(petite > 0, "queries are counted");

    // Grow it: 5 more members, 10 indicators × 24 monthly values, 20 actions, 30 entries.
    for i in 0..5 {
        let o = app
            .creer_organisation(&chef, &org(&format!("Membre {i}")))
            .await
            .unwrap()
            .0;
        let m = app.proposer_membre(&chef, id, o, "membre").await.unwrap();
        app.repondre_membre(&chef, m, true).await.unwrap();
    }
    let auj = dates::jour_de(alliances_app::now());
    for i in 0..10 {
        let ind = app
            .ajouter_indicateur(
                &chef,
                id,
                &IndicateurSaisie {
                    nom: format!("Indicateur {i}"),
                    definition: "Une définition commune".into(),
                    sens: "hausse".into(),
                    periodicite: "mensuelle".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for mois in 1..=24 {
            let periode = dates::iso(dates::debut_de_mois(auj, -mois));
            app.declarer_valeur(
                &chef,
                ind,
                &ValeurSaisie {
                    organisation: backbone,
                    periode,
                    valeur: format!("{}", 100 + mois),
                    confirmer: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
    }
    for i in 0..20 {
        app.ajouter_action(
            &chef,
            id,
            &ActionSaisie {
                titre: format!("Action {i}"),
                statut: "a-faire".into(),
                porteur: Some(backbone),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    for i in 0..30 {
        app.ajouter_entree(
            &chef,
            id,
            &EntreeSaisie {
                date: dates::iso(auj - i),
                titre: format!("Réunion {i}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let grande = compter(&app, id).await;
    assert_eq!(
        grande, petite,
        "the same number of queries for a small and a large alliance"
    );
    assert!(petite <= 10, "{petite} queries");
    // Read again within the cache's lifetime: no query at all; a write empties the cache.
    assert_eq!(
        compter(&app, id).await,
        0,
        "served from the per-instance cache"
    );
    app.ajouter_entree(
        &chef,
        id,
        &EntreeSaisie {
            date: dates::iso(auj),
            titre: "Encore".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(compter(&app, id).await, petite, "recomputed after a write");
}
