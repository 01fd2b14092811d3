//! Alliances' use cases on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
//! authorization of every action, membership lifecycle, agenda agreements, values (future,
//! closed, implausible), validation, optimistic versions, the health panel from the data, the
//! list filtered by territory, and the page read with a constant number of queries.

mod common;
use alliances_app::alliances::liste::Filtre;
use alliances_app::alliances::{ActionSaisie, AllianceError, EntreeSaisie, ValeurSaisie};
use alliances_app::comptes::CurrentUser;
use alliances_domain::alliances::indicateurs::IndicateurSaisie;
use alliances_domain::alliances::sante::Etat;
use alliances_domain::alliances::{AllianceSaisie, Objectifs};
use alliances_domain::dates;
use common::*;

fn saisie() -> AllianceSaisie {
    AllianceSaisie {
        nom: "Alliance pour l'emploi des jeunes".into(),
        resume:
            "Associations, entreprises et collectivités coordonnent l'accompagnement vers l'emploi."
                .into(),
        probleme: "Des jeunes sans solution.".into(),
        territoires: vec!["commune:42218".into()],
        odd: vec![8],
        cibles_odd17: vec!["17.17".into()],
        types_partenariat: vec!["cooperation-economique".into()],
        forme: "experimentation-collective".into(),
        stade: "structuration".into(),
        date_debut: Some("2025-01-01".into()),
        date_fin: None,
        publique: true,
    }
}

fn indicateur(responsable: i64) -> IndicateurSaisie {
    IndicateurSaisie {
        nom: "Jeunes en emploi durable".into(),
        definition: "Jeunes de 16 à 25 ans en CDI ou CDD de six mois et plus".into(),
        unite: "jeunes".into(),
        sens: "hausse".into(),
        valeur_base: Some(40.0),
        date_base: Some("2025-01-01".into()),
        valeur_cible: Some(120.0),
        date_cible: Some("2027-12-31".into()),
        periodicite: "trimestrielle".into(),
        desagregation: None,
        responsable: Some(responsable),
    }
}

fn periode_passee(trimestres: i64) -> String {
    let auj = dates::jour_de(alliances_app::now());
    dates::iso(dates::debut_de_mois(auj, -3 * trimestres))
}

#[tokio::test]
async fn an_alliance_from_creation_to_health() {
    let (app, _g) = app().await;
    let chef = user(&app, "chef@backbone.fr").await;
    let partenaire = user(&app, "partenaire@entreprise.fr").await;
    let intrus = user(&app, "intrus@ailleurs.fr").await;
    let backbone = organisation(&app, &chef, "Mission locale du Forez", "42218").await;
    let entreprise = organisation(&app, &partenaire, "Entreprise partenaire", "42218").await;
    let autre = organisation(&app, &intrus, "Association tierce", "42218").await;

    // Only from an organisation one belongs to.
    assert!(matches!(
        app.creer_alliance(&chef, &saisie(), autre).await,
        Err(AllianceError::Invalide(_))
    ));
    let mut mauvaise = saisie();
    mauvaise.date_fin = Some("2024-01-01".into());
    assert!(matches!(
        app.creer_alliance(&chef, &mauvaise, backbone).await,
        Err(AllianceError::Invalide(_))
    ));
    let id = app
        .creer_alliance(&chef, &saisie(), backbone)
        .await
        .unwrap();

    // Members: proposed by the backbone only, accepted by the organisation's owner only.
    assert!(matches!(
        app.proposer_membre(&intrus, id, autre, "membre").await,
        Err(AllianceError::Interdit)
    ));
    let m = app
        .proposer_membre(&chef, id, entreprise, "financeur")
        .await
        .unwrap();
    assert!(matches!(
        app.proposer_membre(&chef, id, entreprise, "membre").await,
        Err(AllianceError::Invalide(_))
    ));
    assert!(matches!(
        app.repondre_membre(&chef, m, true).await,
        Err(AllianceError::Interdit)
    ));
    app.repondre_membre(&partenaire, m, true).await.unwrap();
    assert!(matches!(
        app.repondre_membre(&partenaire, m, true).await,
        Err(AllianceError::Refus(_))
    ));
    app.objectifs_membre(
        &partenaire,
        m,
        &Objectifs {
            competences: "Mécénat de compétences de nos équipes".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        app.objectifs_membre(&intrus, m, &Objectifs::default())
            .await,
        Err(AllianceError::Interdit)
    ));

    // Agenda: written by the backbone, agreed per organisation.
    assert!(matches!(
        app.ecrire_agenda(&partenaire, id, "v", "", "").await,
        Err(AllianceError::Interdit)
    ));
    app.ecrire_agenda(
        &chef,
        id,
        "Aucun jeune sans solution",
        "300 jeunes en emploi",
        "Si… alors…",
    )
    .await
    .unwrap();
    app.approuver_agenda(&chef, id, backbone).await.unwrap();
    assert!(matches!(
        app.approuver_agenda(&intrus, id, autre).await,
        Err(AllianceError::Interdit)
    ));
    let vue = app.alliance(Some(&chef), id).await.unwrap();
    assert_eq!(vue.sante[0].etat, Etat::Partielle, "{:?}", vue.sante[0]);
    app.approuver_agenda(&partenaire, id, entreprise)
        .await
        .unwrap();
    assert_eq!(
        app.alliance(None, id).await.unwrap().sante[0].etat,
        Etat::Remplie
    );

    // Indicators and values.
    assert!(matches!(
        app.ajouter_indicateur(&partenaire, id, &indicateur(entreprise))
            .await,
        Err(AllianceError::Interdit)
    ));
    let mut faux = indicateur(autre);
    faux.nom = String::new();
    match app.ajouter_indicateur(&chef, id, &faux).await {
        Err(AllianceError::Invalide(e)) => assert_eq!(
            e.iter().map(|x| x.champ).collect::<Vec<_>>(),
            vec!["nom", "responsable"]
        ),
        other => panic!("{other:?}"),
    }
    let ind = app
        .ajouter_indicateur(&chef, id, &indicateur(entreprise))
        .await
        .unwrap();
    let val = |org: i64, periode: String, valeur: &str, confirmer: bool| ValeurSaisie {
        organisation: org,
        periode,
        valeur: valeur.into(),
        confirmer,
        ..Default::default()
    };
    assert!(matches!(
        app.declarer_valeur(&intrus, ind, &val(autre, periode_passee(1), "50", false))
            .await,
        Err(AllianceError::Interdit)
    ));
    // The current quarter has not ended.
    match app
        .declarer_valeur(
            &partenaire,
            ind,
            &val(entreprise, periode_passee(0), "50", false),
        )
        .await
    {
        Err(AllianceError::Invalide(e)) => {
            assert!(e[0].message.contains("n'est pas terminée"), "{e:?}")
        }
        other => panic!("{other:?}"),
    }
    // Implausible: asks for confirmation.
    assert!(matches!(
        app.declarer_valeur(
            &partenaire,
            ind,
            &val(entreprise, periode_passee(1), "5000", false)
        )
        .await,
        Err(AllianceError::AConfirmer(_))
    ));
    let v1 = app
        .declarer_valeur(
            &partenaire,
            ind,
            &val(entreprise, periode_passee(1), "55,5", false),
        )
        .await
        .unwrap();
    assert!(matches!(
        app.statuer_valeur(&partenaire, v1, true).await,
        Err(AllianceError::Interdit)
    ));
    app.statuer_valeur(&chef, v1, true).await.unwrap();
    // A validated period is closed.
    match app
        .declarer_valeur(
            &partenaire,
            ind,
            &val(entreprise, periode_passee(1), "60", false),
        )
        .await
    {
        Err(AllianceError::Invalide(e)) => assert!(e[0].message.contains("est close"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    let vue = app.alliance(Some(&partenaire), id).await.unwrap();
    assert_eq!(vue.indicateurs[0].valeurs[0].valeur, 55.5);
    assert_eq!(vue.indicateurs[0].fraicheur.slug(), "a-jour");
    assert_eq!(vue.sante[1].etat, Etat::Remplie);

    // Actions: owner must be a member; optimistic version.
    let action = |porteur| ActionSaisie {
        titre: "Forum emploi".into(),
        statut: "en-cours".into(),
        porteur: Some(porteur),
        indicateurs: vec![ind],
        ..Default::default()
    };
    assert!(matches!(
        app.ajouter_action(&chef, id, &action(autre)).await,
        Err(AllianceError::Invalide(_))
    ));
    let a = app
        .ajouter_action(&chef, id, &action(entreprise))
        .await
        .unwrap();
    app.modifier_action(&partenaire, a, 1, &action(entreprise))
        .await
        .unwrap();
    assert!(matches!(
        app.modifier_action(&chef, a, 1, &action(entreprise)).await,
        Err(AllianceError::Conflit)
    ));
    assert!(matches!(
        app.modifier_action(&intrus, a, 2, &action(entreprise))
            .await,
        Err(AllianceError::Interdit)
    ));

    // Journal: members only, not in the future.
    let entree = |date: &str| EntreeSaisie {
        date: date.into(),
        titre: "Comité de pilotage".into(),
        decisions: "Forum en mars".into(),
        ..Default::default()
    };
    assert!(matches!(
        app.ajouter_entree(&intrus, id, &entree(&periode_passee(0)))
            .await,
        Err(AllianceError::Interdit)
    ));
    assert!(matches!(
        app.ajouter_entree(&chef, id, &entree("2999-01-01")).await,
        Err(AllianceError::Invalide(_))
    ));
    app.ajouter_entree(
        &partenaire,
        id,
        &entree(&dates::iso(dates::jour_de(alliances_app::now()))),
    )
    .await
    .unwrap();

    // Backbone functions.
    for f in [
        "vision",
        "activites",
        "mesure",
        "mobilisation",
        "politiques",
    ] {
        app.attribuer_fonction(&chef, id, f, Some(backbone))
            .await
            .unwrap();
    }
    assert!(matches!(
        app.attribuer_fonction(&chef, id, "financement", Some(autre))
            .await,
        Err(AllianceError::Invalide(_))
    ));
    let vue = app.alliance(None, id).await.unwrap();
    assert_eq!(vue.sante[4].etat, Etat::Partielle);
    app.attribuer_fonction(&chef, id, "financement", Some(entreprise))
        .await
        .unwrap();
    let vue = app.alliance(None, id).await.unwrap();
    assert!(
        vue.sante.iter().all(|c| c.etat == Etat::Remplie),
        "{:#?}",
        vue.sante
    );

    // Concurrent edits of the alliance: the stale version loses, loudly.
    let version = vue.fiche.version;
    let mut s = saisie();
    s.stade = "deploiement".into();
    app.modifier_alliance(&chef, id, version, &s).await.unwrap();
    assert!(matches!(
        app.modifier_alliance(&chef, id, version, &saisie()).await,
        Err(AllianceError::Conflit)
    ));
    assert!(matches!(
        app.modifier_alliance(&partenaire, id, version + 1, &saisie())
            .await,
        Err(AllianceError::Interdit)
    ));

    // The last backbone cannot leave; another member can, and history is kept.
    let membres = app.alliance(None, id).await.unwrap().membres;
    let m_backbone = membres
        .iter()
        .find(|x| x.organisation_id == backbone)
        .unwrap()
        .id;
    assert!(matches!(
        app.quitter_alliance(&chef, m_backbone).await,
        Err(AllianceError::Refus(_))
    ));
    assert!(matches!(
        app.changer_role_membre(&chef, m_backbone, "membre").await,
        Err(AllianceError::Refus(_))
    ));
    app.quitter_alliance(&partenaire, m).await.unwrap();
    let vue = app.alliance(None, id).await.unwrap();
    assert_eq!(vue.actifs().count(), 1);
    assert!(vue
        .membres
        .iter()
        .any(|x| x.etat == "partie" && x.organisation_id == entreprise));
    assert_eq!(
        app.alliances_de_l_organisation(backbone)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(app
        .alliances_de_l_organisation(entreprise)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn members_only_alliances_and_the_list() {
    let (app, _g) = app().await;
    let chef = user(&app, "chef@liste.fr").await;
    let autre = user(&app, "autre@liste.fr").await;
    let org = organisation(&app, &chef, "Catalyseur de la Loire", "42218").await;
    let publique = app.creer_alliance(&chef, &saisie(), org).await.unwrap();
    let mut privee = saisie();
    privee.publique = false;
    privee.nom = "Alliance réservée".into();
    let privee = app.creer_alliance(&chef, &privee, org).await.unwrap();
    assert!(matches!(
        app.alliance(Some(&autre), privee).await,
        Err(AllianceError::Introuvable)
    ));
    assert!(matches!(
        app.alliance(None, privee).await,
        Err(AllianceError::Introuvable)
    ));
    assert!(app.alliance(Some(&chef), privee).await.is_ok());

    // In the list: public only; acting in a commune means acting in its département and région.
    let liste = app.alliances_liste();
    let f = |t: &str| Filtre {
        territoire: Some(t.into()),
        limite: 20,
        now: alliances_app::now(),
        ..Default::default()
    };
    for t in ["commune:42218", "departement:42", "region:84"] {
        let (total, page) = liste.chercher(&f(t));
        assert_eq!(total, 1, "{t}");
        assert_eq!(page[0].id, publique);
    }
    assert_eq!(liste.chercher(&f("departement:69")).0, 0);
    let (total, _) = liste.chercher(&Filtre {
        odd: Some(3),
        limite: 20,
        ..Default::default()
    });
    assert_eq!(total, 0);
    let (total, _) = liste.chercher(&Filtre {
        odd: Some(17),
        limite: 20,
        ..Default::default()
    });
    assert_eq!(total, 1, "17.17 served means SDG 17");
}

#[tokio::test]
async fn demo_alliances_load_once_with_their_data() {
    let (app, _g) = app().await;
    app.charger_demo_annuaire(600).await.unwrap();
    let n = app.charger_demo_alliances(12).await.unwrap();
    assert!(n >= 10, "{n}");
    assert_eq!(
        app.charger_demo_alliances(12).await.unwrap(),
        0,
        "loaded once"
    );
    let liste = app.alliances_liste();
    let (total, page) = liste.chercher(&Filtre {
        limite: 100,
        ..Default::default()
    });
    assert_eq!(total, n);
    let vue = app.alliance(None, page[0].id).await.unwrap();
    assert!(vue.fiche.demo);
    assert!(vue.actifs().count() >= 2);
    assert!(!vue.indicateurs[0].valeurs.is_empty());
    assert!(vue.indicateurs[0]
        .valeurs
        .iter()
        .all(|v| v.etat == "validee"));
    assert_eq!(vue.journal.len(), 3);
}

#[tokio::test]
async fn experimentation_files_follow_their_workflow() {
    use alliances_domain::alliances::experimentation::{DossierSaisie, EtatDossier};
    let (app, _g) = app().await;
    let chef = user(&app, "chef@experimentation.fr").await;
    let membre = user(&app, "membre@experimentation.fr").await;
    let public = user(&app, "public@experimentation.fr").await;
    let (mid, _) = app
        .create_user_with_role(
            "relecteur@etat.fr",
            "Relectrice",
            alliances_domain::comptes::Role::Moderateur,
            "http://x/",
        )
        .await
        .unwrap();
    let relecteur = app.current_user(mid).await.unwrap().unwrap();
    let backbone = organisation(&app, &chef, "Appui expérimentation", "42218").await;
    let org_membre = organisation(&app, &membre, "Membre expérimentation", "42218").await;
    let id = app
        .creer_alliance(&chef, &saisie(), backbone)
        .await
        .unwrap();
    let m = app
        .proposer_membre(&chef, id, org_membre, "membre")
        .await
        .unwrap();
    app.repondre_membre(&membre, m, true).await.unwrap();
    let ind = app
        .ajouter_indicateur(&chef, id, &indicateur(backbone))
        .await
        .unwrap();
    let dossier = DossierSaisie {
        titre: "Guichet unique jeunes".into(),
        hypothese: "Un guichet commun réduit de moitié le délai d'accompagnement.".into(),
        regles:
            "Partage de données entre structures, aujourd'hui interdit sans convention nationale."
                .into(),
        territoires: vec!["commune:42218".into()],
        duree_mois: Some(24),
        protocole: "Comparaison avec un territoire témoin, mesure trimestrielle.".into(),
        criteres: vec![ind],
    };
    // Only the backbone opens a file; every field checked.
    assert!(matches!(
        app.creer_dossier(&membre, id, &dossier).await,
        Err(AllianceError::Interdit)
    ));
    let mut faux = dossier.clone();
    faux.duree_mois = Some(120);
    faux.criteres = vec![ind + 1000];
    match app.creer_dossier(&chef, id, &faux).await {
        Err(AllianceError::Invalide(e)) => assert_eq!(
            e.iter().map(|x| x.champ).collect::<Vec<_>>(),
            vec!["dureeMois", "criteres"]
        ),
        other => panic!("{other:?}"),
    }
    let d = app.creer_dossier(&chef, id, &dossier).await.unwrap();
    // A draft: hidden from the public and from the register.
    assert!(matches!(
        app.dossier(Some(&public), d).await,
        Err(AllianceError::Introuvable)
    ));
    assert!(app.dossier(Some(&membre), d).await.is_ok());
    assert!(app.registre_experimentations().await.unwrap().is_empty());

    let avancer = |u, version: i64, vers: &'static str, c: &'static str| {
        let app = app.clone();
        let u: CurrentUser = u;
        async move { app.faire_avancer_dossier(&u, d, version, vers, c).await }
    };
    // The backbone submits; a reviewer cannot skip the review; a decision needs a comment.
    assert!(matches!(
        avancer(relecteur.clone(), 1, "depose", "").await,
        Err(AllianceError::Refus(_))
    ));
    avancer(chef.clone(), 1, "depose", "").await.unwrap();
    // The reviewers are told a file awaits them; later steps go to the backbone's people.
    let a_relire: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'email' AND payload LIKE '%relecteur@etat.fr%' AND payload LIKE '%Guichet unique jeunes%'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(a_relire, 1);
    assert!(matches!(
        app.modifier_dossier(&chef, d, 2, &dossier).await,
        Err(AllianceError::Refus(_))
    ));
    assert!(matches!(
        avancer(relecteur.clone(), 2, "autorise", "ok").await,
        Err(AllianceError::Refus(_))
    ));
    assert!(matches!(
        avancer(chef.clone(), 2, "en-instruction", "").await,
        Err(AllianceError::Refus(_))
    ));
    assert!(matches!(
        avancer(public.clone(), 2, "en-instruction", "").await,
        Err(AllianceError::Interdit)
    ));
    avancer(relecteur.clone(), 2, "en-instruction", "")
        .await
        .unwrap();
    assert!(matches!(
        avancer(relecteur.clone(), 3, "autorise", " ").await,
        Err(AllianceError::Invalide(_))
    ));
    // Two reviewers at once: the second, with the old version, is told.
    avancer(relecteur.clone(), 3, "autorise", "Cadre juridique respecté")
        .await
        .unwrap();
    let au_chef: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'email' AND payload LIKE '%chef@experimentation.fr%' AND payload LIKE '%Cadre juridique%'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(au_chef, 1);
    assert!(matches!(
        avancer(relecteur.clone(), 3, "refuse", "trop tard").await,
        Err(AllianceError::Refus(_) | AllianceError::Conflit)
    ));
    avancer(chef.clone(), 4, "en-cours", "").await.unwrap();
    avancer(chef.clone(), 5, "evalue", "Délai passé de 40 à 18 jours")
        .await
        .unwrap();
    avancer(
        relecteur.clone(),
        6,
        "generalise",
        "À étendre au département",
    )
    .await
    .unwrap();
    assert!(matches!(
        avancer(chef.clone(), 7, "arrete", "x").await,
        Err(AllianceError::Refus(_))
    ));

    let vue = app.dossier(None, d).await.unwrap();
    assert_eq!(vue.fiche.etat, EtatDossier::Generalise);
    assert_eq!(vue.etapes.len(), 6);
    assert_eq!(vue.etapes[2].commentaire, "Cadre juridique respecté");
    assert_eq!(vue.etapes[2].par_nom.as_deref(), Some("Relectrice"));
    assert!(vue.possibles.is_empty());
    assert_eq!(app.registre_experimentations().await.unwrap().len(), 1);
}

#[tokio::test]
async fn members_evaluate_the_partnership_together() {
    let (app, _g) = app().await;
    let chef = user(&app, "chef@evaluation.fr").await;
    let membre = user(&app, "membre@evaluation.fr").await;
    let intrus = user(&app, "intrus@evaluation.fr").await;
    let backbone = organisation(&app, &chef, "Appui évaluation", "42218").await;
    let org = organisation(&app, &membre, "Membre évaluation", "42218").await;
    let id = app
        .creer_alliance(&chef, &saisie(), backbone)
        .await
        .unwrap();
    let m = app.proposer_membre(&chef, id, org, "membre").await.unwrap();
    app.repondre_membre(&membre, m, true).await.unwrap();
    assert!(app
        .evaluation_alliance(Some(&chef), id)
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        app.evaluer_alliance(&intrus, id).await,
        Err(alliances_app::kits::KitError::Refus(_))
    ));
    let a = app.evaluer_alliance(&chef, id).await.unwrap();
    assert_eq!(
        app.evaluer_alliance(&chef, id).await.unwrap(),
        a,
        "one passation per person"
    );
    let b = app.evaluer_alliance(&membre, id).await.unwrap();
    let groupe = app
        .evaluation_alliance(Some(&chef), id)
        .await
        .unwrap()
        .expect("the alliance's group")
        .groupe
        .cle;
    for (u, cle) in [(&chef, &a), (&membre, &b)] {
        let kit = app.passation(u, cle).await.unwrap().kit;
        for s in 0..kit.sections.len() {
            let champs: Vec<(String, Vec<String>)> = kit.sections[s]
                .questions
                .clone()
                .filter_map(|q| {
                    let v = match &kit.questions[q].genre {
                        alliances_domain::kits::Genre::Echelle { .. } => {
                            if u.id == chef.id { "5" } else { "1" }.to_string()
                        }
                        alliances_domain::kits::Genre::ChoixUnique { options, .. } => {
                            options[0].id.clone()
                        }
                        _ => return None,
                    };
                    Some((kit.questions[q].id.clone(), vec![v]))
                })
                .collect();
            app.enregistrer_section(u, cle, s, &champs, s + 1)
                .await
                .unwrap();
        }
        app.terminer_kit(u, cle).await.unwrap();
    }
    let s = app.synthese_groupe(&membre, &groupe).await.unwrap();
    assert_eq!(s.partenaires.len(), 2);
    assert!(s.ecarts.iter().any(|e| e.divergent));
    assert!(app.synthese_groupe(&intrus, &groupe).await.is_err());
    // On the alliance: members see who answered what; others only the scores.
    let pour_membre = app
        .evaluation_alliance(Some(&membre), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pour_membre.scores.len(), 2);
    assert!(pour_membre
        .partenaires
        .iter()
        .any(|(n, _)| n == "chef@evaluation.fr"));
    assert!(!pour_membre.ecarts.is_empty());
    for lecteur in [Some(&intrus), None] {
        let public = app.evaluation_alliance(lecteur, id).await.unwrap().unwrap();
        assert_eq!(public.scores.len(), 2);
        assert!(public.ecarts.is_empty(), "no comparison for non-members");
        assert!(public
            .partenaires
            .iter()
            .all(|(n, _)| n.starts_with("Partenaire ")));
    }
}

#[tokio::test]
async fn e_mails_of_alliances() {
    let (app, _g) = app().await;
    let chef = user(&app, "chef@courriels.fr").await;
    let proprio = user(&app, "proprio@courriels.fr").await;
    let backbone = organisation(&app, &chef, "Appui courriels", "42218").await;
    let org = organisation(&app, &proprio, "Membre courriels", "42218").await;
    let id = app
        .creer_alliance(&chef, &saisie(), backbone)
        .await
        .unwrap();
    app.definir_url_publique("https://alliances.exemple/");
    let courriels = |a: &'static str| {
        let app = app.clone();
        async move {
            let rows: Vec<(String,)> =
                sqlx::query_as("SELECT payload FROM jobs WHERE kind = 'email'")
                    .fetch_all(app.db.pool())
                    .await
                    .unwrap();
            rows.into_iter()
                .map(|r| r.0)
                .filter(|p| p.contains(a))
                .collect::<Vec<_>>()
        }
    };
    // A proposal: the organisation's owner is told, with the link to accept.
    app.proposer_membre(&chef, id, org, "financeur")
        .await
        .unwrap();
    let c = courriels("proprio@courriels.fr").await;
    assert_eq!(c.len(), 1, "{c:?}");
    assert!(
        c[0].contains("https://alliances.exemple/organisations/") && c[0].contains("financeur"),
        "{}",
        c[0]
    );
    // A value due: the responsible member is reminded once per period.
    let mut i = indicateur(backbone);
    i.periodicite = "mensuelle".into();
    let ind = app.ajouter_indicateur(&chef, id, &i).await.unwrap();
    sqlx::query("UPDATE indicateurs SET cree_le = $1 WHERE id = $2")
        .bind(alliances_app::now() - 100 * 86_400)
        .bind(ind)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        app.rappels_valeurs("https://alliances.exemple")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.rappels_valeurs("https://alliances.exemple")
            .await
            .unwrap(),
        0,
        "once per period"
    );
    let c = courriels("chef@courriels.fr").await;
    assert!(
        c.iter()
            .any(|p| p.contains("valeur attendue") || p.contains("est attendue")),
        "{c:?}"
    );
}
