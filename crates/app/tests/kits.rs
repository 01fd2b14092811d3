//! Kit use cases on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): the shipped
//! catalogue, taking a kit section by section, rights on whose behalf and who reads a result,
//! the peer benchmark threshold, groups of partners and their synthesis, a version that no longer
//! exists, refused answers that change nothing.

use alliances_app::comptes::CurrentUser;
use alliances_app::kits::{Catalogue, KitError, Sujet};
use alliances_app::App;
use alliances_domain::annuaire::OrganisationSaisie;
use alliances_domain::comptes::Role;
use alliances_domain::kits::Genre;
use alliances_domain::territoires::Niveau;
use std::sync::Arc;

async fn app() -> (Arc<App>, alliances_store::testing::TestDbGuard) {
    let (url, guard) = alliances_store::testing::fresh_url().await;
    (App::open(&url, 5).await.unwrap(), guard)
}

async fn user(app: &App, email: &str, role: Option<Role>) -> CurrentUser {
    let (id, _) = app
        .create_user_with_role(
            email,
            email,
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

async fn organisation(app: &App, owner: &CurrentUser, nom: &str) -> i64 {
    let saisie = OrganisationSaisie {
        nom: nom.into(),
        profil: "association".into(),
        code_commune: Some("42218".into()),
        odd_principal: Some(17),
        description: Some("Une association de test".into()),
        ..Default::default()
    };
    app.creer_organisation(owner, &saisie).await.unwrap().0
}

/// Answers every question of a section with its best (`meilleur`) or worst answer.
fn champs(
    kit: &alliances_domain::kits::Kit,
    section: usize,
    meilleur: bool,
) -> Vec<(String, Vec<String>)> {
    kit.sections[section]
        .questions
        .clone()
        .map(|q| {
            let question = &kit.questions[q];
            let v = match &question.genre {
                Genre::ChoixUnique { options, .. } => {
                    let o = if meilleur {
                        options.iter().max_by_key(|o| o.points)
                    } else {
                        options.iter().min_by_key(|o| o.points)
                    };
                    o.unwrap().id.clone()
                }
                Genre::ChoixMultiple { options, .. } => {
                    let o = options.iter().filter(|o| !o.exclusif);
                    let o = if meilleur {
                        o.max_by_key(|o| o.points)
                    } else {
                        o.min_by_key(|o| o.points)
                    };
                    o.unwrap().id.clone()
                }
                Genre::Echelle { .. } => (if meilleur { "5" } else { "1" }).into(),
                Genre::OuiNon { inverse } => {
                    (if meilleur != *inverse { "oui" } else { "non" }).into()
                }
                Genre::Nombre { max, min, .. } => (if meilleur { *max } else { *min }).to_string(),
                Genre::Texte { .. } => "Notre plan d'action".into(),
            };
            (question.id.clone(), vec![v])
        })
        .collect()
}

/// Takes a kit from start to finish; returns the result's key.
async fn passer(app: &App, u: &CurrentUser, cle: &str, meilleur: bool) -> String {
    let v = app.passation(u, cle).await.unwrap();
    let kit = v.kit.clone();
    for s in 0..kit.sections.len() {
        app.enregistrer_section(u, cle, s, &champs(&kit, s, meilleur), s + 1)
            .await
            .unwrap();
    }
    app.terminer_kit(u, cle).await.unwrap()
}

#[test]
fn the_shipped_kits_load_and_a_broken_one_stops_everything() {
    let c = Catalogue::embarques().unwrap();
    let ids: Vec<&str> = c.derniers().map(|k| k.id.as_str()).collect();
    for id in [
        "evaluation-partenariat",
        "impact-collectif",
        "odd17-en-pratique",
        "sortie-de-crise-en-territoire",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let odd = c.dernier("odd17-en-pratique").unwrap();
    assert!(
        (40..=60).contains(&odd.questions.len()),
        "{}",
        odd.questions.len()
    );

    let bon = alliances_app::kits::catalogue::fichiers_embarques()[0];
    let casse = bon.1.replacen("public = ", "public_cible = ", 1);
    let err = Catalogue::depuis([(bon.0, bon.1), ("autre/v1.toml", casse.as_str())]).unwrap_err();
    assert!(
        err.0
            .iter()
            .any(|e| e.starts_with("autre/v1.toml:") && e.contains("public_cible")),
        "{err}"
    );
    // The folder and file name must match the id and version.
    let err = Catalogue::depuis([("mauvais-dossier/v1.toml", bon.1)]).unwrap_err();
    assert!(
        err.to_string().contains("doit se trouver dans le dossier"),
        "{err}"
    );
}

#[tokio::test]
async fn take_save_resume_complete_and_read() {
    let (app, _g) = app().await;
    let alice = user(&app, "alice@exemple.fr", None).await;
    let bob = user(&app, "bob@exemple.fr", None).await;
    let cle = app
        .commencer_kit(&alice, "odd17-en-pratique", Sujet::Personnel)
        .await
        .unwrap();
    let v = app.passation(&alice, &cle).await.unwrap();
    let kit = v.kit.clone();

    // One section saved, then resumed: the answers are there, and where one stopped.
    app.enregistrer_section(&alice, &cle, 0, &champs(&kit, 0, true), 1)
        .await
        .unwrap();
    let v = app.passation(&alice, &cle).await.unwrap();
    assert_eq!(v.passation.section_courante, 1);
    let q0 = kit.sections[0].questions.start;
    assert!(v.reponses.get(q0).is_some());

    // A tampered form: an unknown question, a question of another section, a value out of
    // range. Refused with the question named; nothing saved.
    let mut mauvais = champs(&kit, 1, true);
    mauvais.push(("inventee".into(), vec!["1".into()]));
    mauvais.push((kit.questions[q0].id.clone(), vec!["x".into()]));
    match app.enregistrer_section(&alice, &cle, 1, &mauvais, 2).await {
        Err(KitError::Reponses(e)) => {
            assert!(e
                .iter()
                .any(|x| x.question == "inventee" && x.message.contains("question inconnue")));
            assert!(e
                .iter()
                .any(|x| x.message.contains("n'est pas dans la section")));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        app.passation(&alice, &cle)
            .await
            .unwrap()
            .passation
            .section_courante,
        1
    );

    // Someone else can neither read nor write it.
    assert!(matches!(
        app.passation(&bob, &cle).await,
        Err(KitError::Introuvable)
    ));
    assert!(matches!(
        app.enregistrer_section(&bob, &cle, 0, &[], 0).await,
        Err(KitError::Introuvable)
    ));
    assert!(matches!(
        app.resultat_kit(&bob, &cle).await,
        Err(KitError::Introuvable)
    ));

    let res = passer(&app, &alice, &cle, true).await;
    let r = app.resultat_kit(&alice, &res).await.unwrap();
    let global = r.resultat.global.unwrap();
    assert!(global > 75.0, "best answers give {global}");
    // Completed: answers no longer change.
    assert!(matches!(
        app.enregistrer_section(&alice, &cle, 0, &champs(&kit, 0, false), 0)
            .await,
        Err(KitError::Terminee)
    ));

    // A second passation with the worst answers: history and a lower score.
    let cle2 = app
        .commencer_kit(&alice, "odd17-en-pratique", Sujet::Personnel)
        .await
        .unwrap();
    passer(&app, &alice, &cle2, false).await;
    let r2 = app.resultat_kit(&alice, &cle2).await.unwrap();
    assert!(r2.resultat.global.unwrap() < global);
    assert_eq!(r2.historique.len(), 2);
    assert_eq!(app.mes_passations(&alice).await.unwrap().len(), 2);
}

#[tokio::test]
async fn on_behalf_of_an_organisation_with_peers() {
    let (app, _g) = app().await;
    let owner = user(&app, "owner@asso.fr", None).await;
    let outsider = user(&app, "outsider@asso.fr", None).await;
    let org = organisation(&app, &owner, "Association témoin").await;

    // Only members take a kit on behalf of the organisation; only organisation kits.
    assert!(matches!(
        app.commencer_kit(&outsider, "odd17-en-pratique", Sujet::Organisation(org))
            .await,
        Err(KitError::Refus(_))
    ));
    assert!(matches!(
        app.commencer_kit(
            &owner,
            "sortie-de-crise-en-territoire",
            Sujet::Organisation(org)
        )
        .await,
        Err(KitError::Refus(_))
    ));

    // Nine peers: no comparison. Ten: a comparison per dimension.
    for i in 0..10 {
        let u = user(&app, &format!("pair{i}@asso.fr"), None).await;
        let o = organisation(&app, &u, &format!("Pair numéro {i} de la commune")).await;
        let c = app
            .commencer_kit(&u, "odd17-en-pratique", Sujet::Organisation(o))
            .await
            .unwrap();
        passer(&app, &u, &c, i % 2 == 0).await;
        if i == 0 {
            // The result is the organisation's maturity in the matching index, through the feed.
            app.refresh().await.unwrap();
            let maturite = app.index_relation(|ix| ix.fiche(o).and_then(|f| f.maturite));
            assert!(maturite.is_some(), "maturity reached the matching index");
        }
        if i == 8 {
            let mine = app
                .commencer_kit(&owner, "odd17-en-pratique", Sujet::Organisation(org))
                .await
                .unwrap();
            passer(&app, &owner, &mine, true).await;
            let r = app.resultat_kit(&owner, &mine).await.unwrap();
            assert_eq!(r.nb_pairs, Some(9));
            assert!(r.pairs.iter().all(Option::is_none));
        }
    }
    let mine = app
        .commencer_kit(&owner, "odd17-en-pratique", Sujet::Organisation(org))
        .await
        .unwrap();
    passer(&app, &owner, &mine, false).await;
    let r = app.resultat_kit(&owner, &mine).await.unwrap();
    assert_eq!(r.nb_pairs, Some(10));
    assert!(r.pairs.iter().any(Option::is_some), "{:?}", r.pairs);
    // The worst answers are above nobody where the peers scored more.
    assert!(r.pairs.iter().flatten().all(|p| *p <= 50), "{:?}", r.pairs);
    assert_eq!(r.historique.len(), 2, "both results of the organisation");
    // Recommendations look for partners and support in the organisation's département.
    assert_eq!(r.territoire.as_deref(), Some("departement:42"));
    // The outsider cannot read it.
    assert!(matches!(
        app.resultat_kit(&outsider, &mine).await,
        Err(KitError::Introuvable)
    ));
}

#[tokio::test]
async fn territory_kits_are_for_its_catalyseurs() {
    let (app, _g) = app().await;
    let modo = user(&app, "modo@exemple.fr", Some(Role::Moderateur)).await;
    let cat = user(&app, "cat@exemple.fr", None).await;
    let autre = user(&app, "autre@exemple.fr", None).await;
    app.set_catalyseur(&modo, "cat@exemple.fr", Niveau::Departement, "42", true)
        .await
        .unwrap();
    // Catalyseur of the département: also for its communes.
    let cle = app
        .commencer_kit(
            &cat,
            "sortie-de-crise-en-territoire",
            Sujet::Territoire(Niveau::Commune, "42218".into()),
        )
        .await
        .unwrap();
    assert!(matches!(
        app.commencer_kit(
            &autre,
            "sortie-de-crise-en-territoire",
            Sujet::Territoire(Niveau::Departement, "42".into())
        )
        .await,
        Err(KitError::Refus(_))
    ));
    assert!(matches!(
        app.commencer_kit(
            &cat,
            "sortie-de-crise-en-territoire",
            Sujet::Territoire(Niveau::Departement, "69".into())
        )
        .await,
        Err(KitError::Refus(_))
    ));
    let res = passer(&app, &cat, &cle, true).await;
    let r = app.resultat_kit(&cat, &res).await.unwrap();
    assert_eq!(r.vue.sujet_nom, "Saint-Étienne");
}

#[tokio::test]
async fn partners_of_a_group_see_where_they_diverge() {
    let (app, _g) = app().await;
    let a = user(&app, "a@partenaires.fr", None).await;
    let b = user(&app, "b@partenaires.fr", None).await;
    let c = user(&app, "c@partenaires.fr", None).await;
    assert!(matches!(
        app.creer_groupe(&a, "odd17-en-pratique", "X").await,
        Err(KitError::Refus(_))
    ));
    let (groupe, jeton) = app
        .creer_groupe(&a, "evaluation-partenariat", "Partenariat école–entreprise")
        .await
        .unwrap();
    let cle_a = app.mes_passations(&a).await.unwrap()[0].0.cle.clone();
    let cle_b = app.rejoindre_groupe(&b, &jeton).await.unwrap();
    // Joining twice gives the same passation; a wrong token is refused.
    assert_eq!(app.rejoindre_groupe(&b, &jeton).await.unwrap(), cle_b);
    assert!(matches!(
        app.rejoindre_groupe(&c, "faux").await,
        Err(KitError::Refus(_))
    ));
    // Outsiders see nothing.
    assert!(matches!(
        app.synthese_groupe(&c, &groupe).await,
        Err(KitError::Introuvable)
    ));

    passer(&app, &a, &cle_a, true).await;
    let s = app.synthese_groupe(&a, &groupe).await.unwrap();
    assert_eq!((s.partenaires.len(), s.en_cours), (1, 1));
    assert!(s.ecarts.is_empty());
    passer(&app, &b, &cle_b, false).await;
    let s = app.synthese_groupe(&b, &groupe).await.unwrap();
    assert_eq!(s.partenaires.len(), 2);
    assert!(!s.ecarts.is_empty());
    assert!(
        s.ecarts.iter().all(|e| e.divergent),
        "best against worst: every answer diverges"
    );
    // Partners read each other's results through the group.
    assert!(app.resultat_kit(&b, &cle_a).await.is_ok());
}

#[tokio::test]
async fn a_version_that_no_longer_exists_is_said_so() {
    let (app, _g) = app().await;
    let u = user(&app, "v@exemple.fr", None).await;
    let cle = app
        .commencer_kit(&u, "impact-collectif", Sujet::Personnel)
        .await
        .unwrap();
    sqlx::query("UPDATE kit_passations SET kit_version = 99 WHERE cle = $1")
        .bind(&cle)
        .execute(app.db.pool())
        .await
        .unwrap();
    match app.passation(&u, &cle).await {
        Err(KitError::VersionInconnue { id, version }) => {
            assert_eq!((id.as_str(), version), ("impact-collectif", 99))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        app.commencer_kit(&u, "inexistant", Sujet::Personnel).await,
        Err(KitError::KitInconnu)
    ));
}

#[tokio::test]
async fn demo_results_load_once() {
    let (app, _g) = app().await;
    app.charger_demo_annuaire(40).await.unwrap();
    assert_eq!(app.charger_demo_kits().await.unwrap(), 40);
    assert_eq!(app.charger_demo_kits().await.unwrap(), 0, "loaded once");
}

#[test]
fn a_folder_of_kits_is_read_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    for (chemin, texte) in alliances_app::kits::catalogue::fichiers_embarques() {
        let p = dir.path().join(chemin);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, texte).unwrap();
    }
    let c = Catalogue::depuis_dossier(dir.path()).unwrap();
    assert_eq!(
        c.derniers().count(),
        alliances_app::kits::catalogue::fichiers_embarques().len()
    );
    // A second version of a kit: both stay loaded, the newest is taken.
    let v1 = std::fs::read_to_string(dir.path().join("impact-collectif/v1.toml")).unwrap();
    std::fs::write(
        dir.path().join("impact-collectif/v2.toml"),
        v1.replacen("version = 1", "version = 2", 1),
    )
    .unwrap();
    let c = Catalogue::depuis_dossier(dir.path()).unwrap();
    assert_eq!(c.versions("impact-collectif"), vec![1, 2]);
    assert_eq!(c.dernier("impact-collectif").unwrap().version, 2);
    // One broken file: nothing is served.
    std::fs::write(
        dir.path().join("impact-collectif/v3.toml"),
        "id = \"impact-collectif\"\nversion = 3\n",
    )
    .unwrap();
    let err = Catalogue::depuis_dossier(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("impact-collectif/v3.toml"),
        "{err}"
    );
}
