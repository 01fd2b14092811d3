//! Ingénieries' use cases on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
//! schemes created by their carrier's members only, duplicates and relay cycles refused,
//! « qui peut m'aider ici ? » closest first and equal to a full scan, coverage counts per
//! département (an EPCI counts in its départements), referrals and their workflow with the
//! articulation indicators, two instances converging through the change feed, the demo.

mod common;
use alliances_app::ingenieries::{Demande, IngenierieError, Via};
use alliances_app::App;
use alliances_domain::annuaire::Profil;
use alliances_domain::ingenieries::dispositif::DispositifSaisie;
use alliances_domain::ingenieries::orientation::{EtatOrientation, Issue};
use alliances_domain::ingenieries::Service;
use alliances_domain::territoires::Niveau;
use common::*;

fn saisie(nom: &str, niveau: &str, couverture: &[&str], services: &[&str]) -> DispositifSaisie {
    DispositifSaisie {
        nom: nom.into(),
        description: "Accompagne les alliances du territoire.".into(),
        niveau: niveau.into(),
        ingenierie: "catalyse".into(),
        services: services.iter().map(|s| s.to_string()).collect(),
        couverture: couverture.iter().map(|s| s.to_string()).collect(),
        contact: Some("contact@dispositif.fr".into()),
        ..Default::default()
    }
}

fn epci_de_saint_etienne(app: &App) -> String {
    let t = app.territoires();
    let r = &t.referentiel;
    let c = r.find(Niveau::Commune, "42218").unwrap();
    r.epci(r.epci_of_commune(c.idx).unwrap()).siren.clone()
}

#[tokio::test]
async fn schemes_relays_and_who_can_help_here() {
    let (app, _g) = app().await;
    let chef = user(&app, "chef@dispositif.fr").await;
    let intrus = user(&app, "intrus@dispositif.fr").await;
    let porteur = organisation_de_profil(
        &app,
        &chef,
        "Réseau national d'appui",
        "structure-accompagnement",
        "75056",
    )
    .await;
    let local = organisation_de_profil(
        &app,
        &chef,
        "Maison des alliances de la Loire",
        "structure-accompagnement",
        "42218",
    )
    .await;
    let epci = epci_de_saint_etienne(&app);

    let national = app
        .creer_dispositif(
            &chef,
            &saisie(
                "Programme national",
                "national",
                &[],
                &["accompagnement", "financement"],
            ),
            porteur,
        )
        .await
        .unwrap();
    // Only the carrier's members create; the fields are checked; duplicates refused.
    assert!(matches!(
        app.creer_dispositif(&intrus, &saisie("Autre", "national", &[], &["diagnostic"]), porteur)
            .await,
        Err(IngenierieError::Invalide(e)) if e[0].champ == "porteur"
    ));
    assert!(matches!(
        app.creer_dispositif(&chef, &saisie("Programme  NATIONAL", "national", &[], &["diagnostic"]), porteur)
            .await,
        Err(IngenierieError::Invalide(e)) if e[0].champ == "nom"
    ));
    assert!(matches!(
        app.creer_dispositif(&chef, &saisie("Hors niveau", "local", &["departement:42"], &["diagnostic"]), local)
            .await,
        Err(IngenierieError::Invalide(e)) if e[0].champ == "couverture"
    ));
    assert!(matches!(
        app.creer_dispositif(&chef, &saisie("Inconnu", "local", &["commune:99999"], &["diagnostic"]), local)
            .await,
        Err(IngenierieError::Invalide(e)) if e[0].champ == "couverture"
    ));
    let mut relais = saisie(
        "Relais de la Loire",
        "departemental",
        &["departement:42"],
        &["accompagnement", "diagnostic"],
    );
    relais.relais_de = Some(national);
    let dep = app.creer_dispositif(&chef, &relais, local).await.unwrap();
    let tiers = app
        .creer_dispositif(
            &chef,
            &saisie(
                "Tiers-lieu métropolitain",
                "local",
                &[&format!("epci:{epci}")],
                &["lieu-partage", "accompagnement"],
            ),
            local,
        )
        .await
        .unwrap();
    let ailleurs = app
        .creer_dispositif(
            &chef,
            &saisie(
                "Relais de Saône-et-Loire",
                "departemental",
                &["departement:71"],
                &["accompagnement"],
            ),
            local,
        )
        .await
        .unwrap();

    // A cycle: the national programme made to relay its own relay.
    let vue = app.dispositif(Some(&chef), national).await.unwrap();
    assert_eq!(vue.relais, vec![(dep, "Relais de la Loire".to_string())]);
    let mut boucle = saisie(
        "Programme national",
        "local",
        &["commune:42218"],
        &["accompagnement"],
    );
    boucle.relais_de = Some(dep);
    match app
        .modifier_dispositif(&chef, national, vue.fiche.version, &boucle)
        .await
    {
        Err(IngenierieError::Invalide(e)) => {
            assert_eq!(e[0].champ, "relaisDe");
            assert!(e[0].message.contains("cycle"), "{}", e[0].message);
        }
        other => panic!("expected a cycle, got {other:?}"),
    }
    // Someone else cannot edit; a stale version conflicts.
    assert!(matches!(
        app.modifier_dispositif(&intrus, dep, 1, &relais).await,
        Err(IngenierieError::Interdit)
    ));
    app.modifier_dispositif(&chef, dep, 1, &relais)
        .await
        .unwrap();
    assert!(matches!(
        app.modifier_dispositif(&chef, dep, 1, &relais).await,
        Err(IngenierieError::Conflit)
    ));
    let v = app.dispositif(None, dep).await.unwrap();
    assert_eq!(v.chaine, vec![(national, "Programme national".to_string())]);
    assert!(!v.gerer);

    // Who can help in Saint-Étienne: the EPCI's scheme, then the département's, then national.
    let aide = app
        .qui_peut_aider(
            Niveau::Commune,
            "42218",
            Demande {
                service: Some(Service::Accompagnement),
                ..Default::default()
            },
        )
        .unwrap();
    let ordre: Vec<(i64, Via)> = aide.iter().map(|r| (r.entree.fiche.id, r.via)).collect();
    assert_eq!(
        ordre,
        vec![
            (tiers, Via::Epci),
            (dep, Via::Departement),
            (national, Via::National)
        ]
    );
    assert!(!ordre.iter().any(|(id, _)| *id == ailleurs));
    // The same answer as reading every scheme.
    let t = app.territoires();
    let c = t.referentiel.find(Niveau::Commune, "42218").unwrap();
    for demande in [
        Demande::default(),
        Demande {
            service: Some(Service::LieuPartage),
            ..Default::default()
        },
        Demande {
            profil: Some(Profil::Entreprise),
            ..Default::default()
        },
    ] {
        let a: Vec<i64> = app
            .dispositifs()
            .qui_peut_aider(&t.referentiel, c, demande)
            .iter()
            .map(|r| r.entree.fiche.id)
            .collect();
        let b: Vec<i64> = app
            .dispositifs()
            .qui_peut_aider_sans_index(&t.referentiel, c, demande)
            .iter()
            .map(|r| r.entree.fiche.id)
            .collect();
        assert_eq!(a, b);
    }
    // A service nobody offers there; an unknown territory.
    assert!(app
        .qui_peut_aider(
            Niveau::Commune,
            "42218",
            Demande {
                service: Some(Service::Juridique),
                ..Default::default()
            }
        )
        .unwrap()
        .is_empty());
    assert!(app
        .qui_peut_aider(Niveau::Commune, "00000", Demande::default())
        .is_none());

    // Coverage: the Loire has two schemes at departmental or local level for accompaniment,
    // Saône-et-Loire one; the EPCI's scheme counts in every département the EPCI touches.
    let ix = app.dispositifs();
    let r = &t.referentiel;
    let n = |code: &str| {
        ix.couverture_departements(Service::Accompagnement)
            [r.find_departement(code).unwrap() as usize]
    };
    assert_eq!(n("42"), 2);
    assert_eq!(n("71"), 1);
    assert_eq!(n("69"), 0, "a white zone");
    assert_eq!(ix.nationaux(Service::Accompagnement), 1);
    let epcis = app.couverture_epcis("42");
    let lieu = Service::LieuPartage.index();
    assert!(epcis
        .iter()
        .any(|(e, n)| r.epci(e.idx).siren == epci && n[lieu] == 1));
    assert!(epcis.iter().any(|(_, n)| n[lieu] == 0));
    // The département's relay covers every EPCI wholly inside the Loire.
    let acc = Service::Accompagnement.index();
    assert!(epcis
        .iter()
        .all(|(e, n)| r.departements_of_epci(e.idx).len() > 1 || n[acc] >= 1));
}

#[tokio::test]
async fn referrals_follow_their_workflow() {
    let (app, _g) = app().await;
    let national_chef = user(&app, "national@orientation.fr").await;
    let relais_chef = user(&app, "relais@orientation.fr").await;
    let autre = user(&app, "autre@orientation.fr").await;
    let porteur_national = organisation_de_profil(
        &app,
        &national_chef,
        "Réseau national",
        "structure-accompagnement",
        "75056",
    )
    .await;
    let porteur_relais = organisation_de_profil(
        &app,
        &relais_chef,
        "Relais Loire",
        "structure-accompagnement",
        "42218",
    )
    .await;
    let demandeur = organisation(&app, &autre, "Association des quartiers", "42218").await;
    let national = app
        .creer_dispositif(
            &national_chef,
            &saisie("Programme national", "national", &[], &["accompagnement"]),
            porteur_national,
        )
        .await
        .unwrap();
    let mut r = saisie(
        "Relais Loire",
        "departemental",
        &["departement:42"],
        &["accompagnement"],
    );
    r.relais_de = Some(national);
    let relais = app
        .creer_dispositif(&relais_chef, &r, porteur_relais)
        .await
        .unwrap();
    let loin = app
        .creer_dispositif(
            &relais_chef,
            &saisie(
                "Relais Rhône",
                "departemental",
                &["departement:69"],
                &["accompagnement"],
            ),
            porteur_relais,
        )
        .await
        .unwrap();

    // National → local relay.
    let o = app
        .orienter(
            &national_chef,
            Some(national),
            relais,
            demandeur,
            Service::Accompagnement,
            "Besoin d'un diagnostic partenarial.",
            None,
        )
        .await
        .unwrap();
    // Someone who does not speak for the referring scheme; an empty message; a service the
    // target does not offer; a target that does not cover the requester (a reason is needed).
    assert!(matches!(
        app.orienter(
            &autre,
            Some(national),
            relais,
            demandeur,
            Service::Accompagnement,
            "x",
            None
        )
        .await,
        Err(IngenierieError::Interdit)
    ));
    assert!(matches!(
        app.orienter(&national_chef, Some(national), relais, demandeur, Service::Accompagnement, "  ", None).await,
        Err(IngenierieError::Invalide(e)) if e[0].champ == "message"
    ));
    assert!(matches!(
        app.orienter(&national_chef, Some(national), relais, demandeur, Service::Financement, "x", None).await,
        Err(IngenierieError::Invalide(e)) if e[0].champ == "service"
    ));
    assert!(matches!(
        app.orienter(&national_chef, Some(national), loin, demandeur, Service::Accompagnement, "x", None).await,
        Err(IngenierieError::HorsCouverture(m)) if m.contains("ne couvre pas")
    ));
    app.orienter(
        &national_chef,
        Some(national),
        loin,
        demandeur,
        Service::Accompagnement,
        "x",
        Some("expertise rare"),
    )
    .await
    .unwrap();

    // Only the receiving scheme's people move it on; closing needs an outcome.
    assert!(matches!(
        app.avancer_orientation(
            &national_chef,
            o,
            1,
            EtatOrientation::PriseEnCharge,
            None,
            None,
            None
        )
        .await,
        Err(IngenierieError::Interdit)
    ));
    app.avancer_orientation(
        &relais_chef,
        o,
        1,
        EtatOrientation::PriseEnCharge,
        None,
        Some("Rendez-vous fixé"),
        None,
    )
    .await
    .unwrap();
    assert!(matches!(
        app.avancer_orientation(
            &relais_chef,
            o,
            1,
            EtatOrientation::Cloturee,
            Some(Issue::Accompagnee),
            None,
            None
        )
        .await,
        Err(IngenierieError::Conflit)
    ));
    assert!(matches!(
        app.avancer_orientation(&relais_chef, o, 2, EtatOrientation::Cloturee, None, None, None).await,
        Err(IngenierieError::Invalide(e)) if e[0].champ == "issue"
    ));
    app.avancer_orientation(
        &relais_chef,
        o,
        2,
        EtatOrientation::Cloturee,
        Some(Issue::Accompagnee),
        None,
        None,
    )
    .await
    .unwrap();
    assert!(matches!(
        app.avancer_orientation(
            &relais_chef,
            o,
            3,
            EtatOrientation::PriseEnCharge,
            None,
            None,
            None
        )
        .await,
        Err(IngenierieError::Refus(_))
    ));
    let vue = app.dispositif(None, relais).await.unwrap();
    assert_eq!(vue.articulation.recues, 1);
    assert_eq!(vue.articulation.prises_en_charge, 1);
    assert_eq!(vue.articulation.cloturees, 1);
    assert!(vue.articulation.delai_median_jours.is_some());
    let dep = app.articulation_departement("42").await.unwrap();
    assert_eq!(dep.recues, 2);
    // The receiving scheme's people read its referrals; others do not.
    assert_eq!(
        app.orientations(&relais_chef, relais).await.unwrap().len(),
        1
    );
    assert!(matches!(
        app.orientations(&autre, relais).await,
        Err(IngenierieError::Interdit)
    ));
}

#[tokio::test]
async fn instances_converge_and_the_demo_has_white_zones() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let a = App::open(&url, 5).await.unwrap();
    let b = App::open(&url, 5).await.unwrap();
    let n = a.charger_demo_ingenieries().await.unwrap();
    assert!(n > 50, "{n} demo schemes");
    assert_eq!(
        a.charger_demo_ingenieries().await.unwrap(),
        0,
        "loaded once"
    );
    assert!(b.dispositifs().is_empty());
    b.refresh().await.unwrap();
    assert_eq!(b.dispositifs().len(), n);
    let ix = b.dispositifs();
    let couverture = ix.couverture_departements(Service::Accompagnement);
    let blanches = couverture.iter().filter(|&&c| c == 0).count();
    assert!(
        blanches > 5 && blanches < couverture.len() / 2,
        "{blanches} white zones"
    );
    assert!(ix
        .tous()
        .all(|e| e.fiche.demo && e.fiche.dispositif.nom.contains("démonstration")));
    // Demo programmes: the open national call shows everywhere, the closed plan nowhere.
    let ouverts = b.programmes_ouverts(Some((Niveau::Commune, "42218")), None);
    assert!(ouverts
        .iter()
        .any(|p| p.programme.nom.contains("Appel à projets")));
    assert!(!ouverts.iter().any(|p| p.programme.nom.contains("clos")));
    assert!(ix.tous().any(|e| !ix.programmes_de(e.fiche.id).is_empty()));
    // Relays point to the national programme.
    let national = ix
        .tous()
        .find(|e| e.fiche.dispositif.est_national())
        .unwrap()
        .fiche
        .id;
    assert!(ix.relais_de(national).len() > 20);
}
