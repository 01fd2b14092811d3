//! Storage conformance suite: the same scenarios on SQLite (always) and on PostgreSQL (when
//! `TEST_DATABASE_URL` is set). It replaces the compile-time SQL checks that `Any` cannot have.

use alliances_domain::territoires::*;
use alliances_store::testing::{backend_name, fresh, fresh_url};
use alliances_store::{changes, sessions, territoires, Db};

fn small_referential() -> ReferentielData {
    let region = Region {
        code: "84".into(),
        nom: "Auvergne-Rhône-Alpes".into(),
        zone: Zone::Metro,
        chef_lieu: Some("69123".into()),
    };
    let dep = Departement {
        code: "42".into(),
        nom: "Loire".into(),
        code_region: "84".into(),
        zone: Zone::Metro,
        chef_lieu: None,
    };
    let epci = Epci {
        siren: "244200770".into(),
        nom: "Saint-Étienne Métropole".into(),
        type_epci: TypeEpci::METRO,
        mode_financement: Some("FPU".into()),
    };
    let commune = Commune {
        code: "42218".into(),
        type_commune: TypeCommune::Actuelle,
        nom: "Saint-Étienne".into(),
        code_departement: "42".into(),
        code_region: "84".into(),
        code_parent: None,
        code_epci: Some("244200770".into()),
        population: Some(173_136),
        siren: Some("214202186".into()),
        codes_postaux: vec!["42000".into(), "42100".into(), "42230".into()],
        zone: Zone::Metro,
    };
    let mut deleguee = commune.clone();
    deleguee.type_commune = TypeCommune::Deleguee;
    deleguee.nom = "Ancienne commune".into();
    deleguee.code_parent = Some("42218".into());
    deleguee.code_epci = None;
    deleguee.population = None;
    deleguee.siren = None;
    deleguee.codes_postaux = vec![];
    ReferentielData {
        source: SourceInfo {
            source: "test".into(),
            licence: "LO 2.0".into(),
            millesime: "2026".into(),
            populations: "test".into(),
        },
        regions: vec![region],
        departements: vec![dep],
        epcis: vec![epci],
        communes: vec![commune, deleguee],
    }
}

#[tokio::test]
async fn referential_round_trips_and_replacement_is_atomic() {
    let t = fresh().await;
    eprintln!("backend: {}", backend_name());
    assert_eq!(territoires::count_all(&t.db).await.unwrap(), 0);
    assert!(territoires::load(&t.db).await.unwrap().is_none());
    let data = small_referential();
    assert!(territoires::load_if_empty(&t.db, || data.clone(), 100)
        .await
        .unwrap());
    assert!(
        !territoires::load_if_empty(&t.db, || panic!("must not reload"), 101)
            .await
            .unwrap()
    );
    let back = territoires::load(&t.db).await.unwrap().unwrap();
    assert_eq!(back, data);
    // The referential built from the database is consistent.
    let r = Referentiel::build(back).unwrap();
    assert_eq!(r.communes_by_postal_code("42100").len(), 1);

    // A replacement that fails half-way leaves the previous referential in place.
    let mut bad = small_referential();
    bad.communes.push(bad.communes[0].clone()); // duplicate (niveau, code, type): unique violation
    assert!(territoires::replace(&t.db, &bad, 102).await.is_err());
    assert_eq!(territoires::load(&t.db).await.unwrap().unwrap(), data);

    let mut newer = small_referential();
    newer.source.millesime = "2027".into();
    newer.communes[0].population = Some(174_000);
    territoires::replace(&t.db, &newer, 103).await.unwrap();
    assert_eq!(territoires::load(&t.db).await.unwrap().unwrap(), newer);
}

#[tokio::test]
async fn change_feed_is_ordered_and_written_with_the_data() {
    let t = fresh().await;
    assert_eq!(changes::last_seq(&t.db).await.unwrap(), 0);
    territoires::replace(&t.db, &small_referential(), 200)
        .await
        .unwrap();
    let mut bad = small_referential();
    bad.communes.push(bad.communes[0].clone());
    assert!(territoires::replace(&t.db, &bad, 201).await.is_err());
    territoires::replace(&t.db, &small_referential(), 202)
        .await
        .unwrap();
    let all = changes::since(&t.db, 0, 100).await.unwrap();
    assert_eq!(
        all.len(),
        2,
        "the failed replacement left no change behind: {all:?}"
    );
    assert!(all[0].seq < all[1].seq);
    assert_eq!(
        (all[0].entity.as_str(), all[0].operation.as_str(), all[0].at),
        ("referentiel", "remplacement", 200)
    );
    assert_eq!(
        changes::since(&t.db, all[0].seq, 100).await.unwrap(),
        vec![all[1].clone()]
    );
    assert_eq!(changes::last_seq(&t.db).await.unwrap(), all[1].seq);
}

#[tokio::test]
async fn sessions_expire_and_are_touched() {
    let t = fresh().await;
    let s = sessions::SessionRecord {
        id: "h1".into(),
        user_id: None,
        csrf_token: "tok".into(),
        data: "{}".into(),
        created_at: 1000,
        last_seen_at: 1000,
        expires_at: 2000,
    };
    sessions::insert(&t.db, &s).await.unwrap();
    assert_eq!(
        sessions::get(&t.db, "h1", 1500).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        sessions::get(&t.db, "h1", 2000).await.unwrap(),
        None,
        "expired at its expiry time"
    );
    assert!(sessions::touch(&t.db, "h1", 1900, 3000).await.unwrap());
    assert_eq!(
        sessions::get(&t.db, "h1", 2500)
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        1900
    );
    assert!(sessions::insert(&t.db, &s).await.is_err(), "ids are unique");
    let mut other = s.clone();
    other.id = "h2".into();
    other.user_id = Some(7);
    other.expires_at = 1200;
    sessions::insert(&t.db, &other).await.unwrap();
    assert_eq!(sessions::delete_expired(&t.db, 1300).await.unwrap(), 1);
    sessions::delete(&t.db, "h1").await.unwrap();
    assert_eq!(sessions::get(&t.db, "h1", 1500).await.unwrap(), None);
    assert!(!sessions::touch(&t.db, "h1", 1, 2).await.unwrap());
}

#[tokio::test]
async fn concurrent_migrations_and_first_loads_run_once() {
    let (url, _guard) = fresh_url().await;
    let mut handles = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        handles.push(tokio::spawn(async move {
            let db = Db::connect(&url, 2).await.unwrap();
            db.migrate().await.unwrap();
            territoires::load_if_empty(&db, small_referential, 1)
                .await
                .unwrap()
        }));
    }
    let mut loaded = 0;
    for h in handles {
        if h.await.unwrap() {
            loaded += 1;
        }
    }
    assert_eq!(loaded, 1, "exactly one process loads the referential");
    let db = Db::connect(&url, 1).await.unwrap();
    assert_eq!(territoires::count_all(&db).await.unwrap(), 5);
    assert_eq!(changes::since(&db, 0, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn unsupported_urls_are_refused_clearly() {
    let err = Db::connect("mysql://localhost/x", 1).await.unwrap_err();
    assert!(err.to_string().contains("sqlite://"), "{err}");
}

/// Two writers on PostgreSQL: the one holding the earlier number commits last. The tailer must
/// wait for it rather than step over it, and must pass a number whose transaction rolled back.
#[tokio::test]
async fn the_feed_never_steps_over_a_number_that_may_still_commit() {
    let t = fresh().await;
    let mut curseur = changes::Curseur::depuis(changes::depart(&t.db, 1_000).await.unwrap());
    assert_eq!(curseur.dernier, 0);
    if t.db.backend() == alliances_store::db::Backend::Sqlite {
        // One writer at a time: numbers become visible in order.
        let mut tx = t.db.begin_write().await.unwrap();
        changes::append(&mut tx, "x", "1", "maj", 1_000)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let lot = changes::suivants(&t.db, &mut curseur, 100).await.unwrap();
        assert_eq!(lot.len(), 1);
        assert_eq!(curseur.dernier, lot[0].seq);
        return;
    }
    let mut lent = t.db.begin_write().await.unwrap();
    changes::append(&mut lent, "x", "lent", "maj", 1_000)
        .await
        .unwrap();
    let mut rapide = t.db.begin_write().await.unwrap();
    changes::append(&mut rapide, "x", "rapide", "maj", 1_000)
        .await
        .unwrap();
    rapide.commit().await.unwrap();
    // The later number is visible, the earlier one is not committed yet: nothing is returned.
    for _ in 0..3 {
        assert!(changes::suivants(&t.db, &mut curseur, 100)
            .await
            .unwrap()
            .is_empty());
    }
    assert!(curseur.en_attente().is_some());
    // A new instance starting now starts before the missing number too.
    assert_eq!(changes::depart(&t.db, 1_000).await.unwrap(), 0);
    lent.commit().await.unwrap();
    let lot = changes::suivants(&t.db, &mut curseur, 100).await.unwrap();
    let ids: Vec<&str> = lot.iter().map(|c| c.entity_id.as_str()).collect();
    assert_eq!(ids, ["lent", "rapide"], "both, in number order");
    assert!(curseur.en_attente().is_none());

    // A rolled-back write leaves a hole that is passed once its transaction has ended.
    let mut annule = t.db.begin_write().await.unwrap();
    changes::append(&mut annule, "x", "annule", "maj", 1_000)
        .await
        .unwrap();
    let mut suivant = t.db.begin_write().await.unwrap();
    changes::append(&mut suivant, "x", "suivant", "maj", 1_000)
        .await
        .unwrap();
    suivant.commit().await.unwrap();
    assert!(changes::suivants(&t.db, &mut curseur, 100)
        .await
        .unwrap()
        .is_empty());
    annule.rollback().await.unwrap();
    let mut lot = Vec::new();
    for _ in 0..5 {
        lot.extend(changes::suivants(&t.db, &mut curseur, 100).await.unwrap());
        if !lot.is_empty() {
            break;
        }
    }
    let ids: Vec<&str> = lot.iter().map(|c| c.entity_id.as_str()).collect();
    assert_eq!(ids, ["suivant"]);
    // A starting instance cannot tell a fresh hole from a rolled-back write: it starts before
    // it (re-applying is harmless), and passes holes followed only by changes older than ten
    // minutes.
    assert!(changes::depart(&t.db, 1_000).await.unwrap() < curseur.dernier);
    assert_eq!(
        changes::depart(&t.db, 1_000 + 601).await.unwrap(),
        curseur.dernier
    );
}
