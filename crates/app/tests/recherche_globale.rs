//! Global search on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): every
//! content type found by one query, the index fresh after a write through the change feed (an
//! alliance created appears, a private one never does), the territory filter, two instances
//! converging.
mod common;

use alliances_app::App;
use alliances_domain::alliances::AllianceSaisie;
use alliances_search::globale::{RequeteGlobale, TypeContenu};
use common::*;

fn saisie(nom: &str, publique: bool) -> AllianceSaisie {
    AllianceSaisie {
        nom: nom.into(),
        resume: "Des habitants et des associations cultivent des potagers ensemble.".into(),
        probleme: "Des friches au cœur des quartiers.".into(),
        territoires: vec!["commune:42218".into()],
        odd: vec![11],
        cibles_odd17: vec!["17.17".into()],
        types_partenariat: vec!["cooperation-economique".into()],
        forme: "experimentation-collective".into(),
        stade: "structuration".into(),
        date_debut: Some("2025-01-01".into()),
        date_fin: None,
        publique,
    }
}

fn requete(texte: &str) -> RequeteGlobale {
    RequeteGlobale {
        texte: Some(texte.into()),
        ..RequeteGlobale::new(alliances_app::now())
    }
}

async fn trouves(app: &App, q: &RequeteGlobale) -> Vec<(TypeContenu, String)> {
    app.rechercher_partout(q)
        .await
        .unwrap()
        .resultats
        .into_iter()
        .map(|t| (t.type_contenu, t.titre))
        .collect()
}

#[tokio::test]
async fn une_alliance_creee_apparait_et_une_privee_jamais() {
    let (app, _g) = app().await;
    let chef = user(&app, "chef@jardins.fr").await;
    let org = organisation(&app, &chef, "Les Potagers de Saint-Étienne", "42218").await;
    // Built before the write: freshness comes from the change feed, not from a late build.
    assert!(trouves(&app, &requete("potagers partagés"))
        .await
        .is_empty());
    app.creer_alliance(&chef, &saisie("Potagers partagés du Forez", true), org)
        .await
        .unwrap();
    app.creer_alliance(&chef, &saisie("Potagers réservés", false), org)
        .await
        .unwrap();
    app.refresh().await.unwrap();
    let vus = trouves(&app, &requete("potagers")).await;
    assert!(
        vus.contains(&(TypeContenu::Alliance, "Potagers partagés du Forez".into())),
        "{vus:?}"
    );
    assert!(
        vus.contains(&(
            TypeContenu::Organisation,
            "Les Potagers de Saint-Étienne".into()
        )),
        "{vus:?}"
    );
    assert!(!vus.iter().any(|(_, t)| t.contains("réservés")), "{vus:?}");

    // The page: links, marks in titles and excerpts.
    let page = app.rechercher_partout(&requete("potagers")).await.unwrap();
    let a = page
        .resultats
        .iter()
        .find(|t| t.type_contenu == TypeContenu::Alliance)
        .unwrap();
    assert!(a.chemin.starts_with("/alliances/"), "{}", a.chemin);
    assert!(
        a.titre_html.contains("<mark>Potagers</mark>"),
        "{}",
        a.titre_html
    );
    assert!(
        a.extrait_html.contains("<mark>potagers</mark>"),
        "{}",
        a.extrait_html
    );
    assert_eq!(page.facettes.types[TypeContenu::Alliance.index()], 1);

    // A typo on the name still finds it, after the exact matches.
    let vus = trouves(&app, &requete("potagres")).await;
    assert!(
        vus.contains(&(TypeContenu::Alliance, "Potagers partagés du Forez".into())),
        "{vus:?}"
    );

    // The territory filter: the Loire holds the alliance of Saint-Étienne, the Rhône does not.
    let dans = |t: &str| RequeteGlobale {
        territoire: Some(t.into()),
        types: vec![TypeContenu::Alliance],
        ..requete("potagers")
    };
    assert_eq!(
        app.rechercher_partout(&dans("departement:42"))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        app.rechercher_partout(&dans("departement:69"))
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn les_territoires_sont_cherchables() {
    let (app, _g) = app().await;
    let page = app
        .rechercher_partout(&requete("saint etienne"))
        .await
        .unwrap();
    let t = page
        .resultats
        .iter()
        .find(|t| t.type_contenu == TypeContenu::Territoire && t.titre == "Saint-Étienne")
        .expect("the commune of Saint-Étienne");
    assert_eq!(t.chemin, "/territoires/commune/42218");
    // The département with its communes.
    let q = RequeteGlobale {
        territoire: Some("departement:42".into()),
        types: vec![TypeContenu::Territoire],
        ..RequeteGlobale::new(alliances_app::now())
    };
    let page = app.rechercher_partout(&q).await.unwrap();
    assert!(page.total > 300, "{}", page.total);
    assert_eq!(page.resultats[0].chemin, "/territoires/departement/42");
}

#[tokio::test]
async fn deux_instances_convergent() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let un = App::open(&url, 5).await.unwrap();
    let deux = App::open(&url, 5).await.unwrap();
    // The second instance's index exists before the write.
    assert!(trouves(&deux, &requete("potagers")).await.is_empty());
    let flux = deux.spawn_change_feed(std::time::Duration::from_millis(100));
    let chef = user(&un, "chef@deux.fr").await;
    let org = organisation(&un, &chef, "Collectif des friches", "42218").await;
    un.creer_alliance(&chef, &saisie("Potagers partagés du Forez", true), org)
        .await
        .unwrap();
    let debut = std::time::Instant::now();
    loop {
        let vus = trouves(&deux, &requete("potagers")).await;
        if vus.iter().any(|(t, _)| *t == TypeContenu::Alliance) {
            break;
        }
        assert!(debut.elapsed().as_secs() < 5, "no convergence within 5 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    flux.abort();
}

#[tokio::test]
async fn ressources_et_exemples_publies_suivent_le_flux() {
    let (app, _g) = app().await;
    let q = RequeteGlobale {
        types: vec![TypeContenu::Ressource, TypeContenu::Exemple],
        limit: 5,
        ..RequeteGlobale::new(alliances_app::now())
    };
    // Built before the library is loaded.
    assert_eq!(app.rechercher_partout(&q).await.unwrap().total, 0);
    app.charger_demo_bibliotheque().await.unwrap();
    app.refresh().await.unwrap();
    let publiees = alliances_store::bibliotheque::publiees(&app.db)
        .await
        .unwrap();
    assert!(!publiees.is_empty());
    let page = app.rechercher_partout(&q).await.unwrap();
    assert_eq!(page.total, publiees.len());
    assert!(page.resultats.iter().all(|t| t.demo));
    // One of them by a word of its title.
    let cible = &publiees[0];
    let mot = cible
        .titre
        .split(|c: char| !c.is_alphanumeric())
        .filter(|m| m.chars().count() >= 6)
        .max_by_key(|m| m.len())
        .unwrap()
        .to_string();
    let page = app
        .rechercher_partout(&RequeteGlobale {
            texte: Some(mot.clone()),
            limit: 50,
            ..q.clone()
        })
        .await
        .unwrap();
    assert!(
        page.resultats.iter().any(|t| t.chemin == cible.chemin),
        "{mot}: {:?}",
        page.resultats
    );
}
