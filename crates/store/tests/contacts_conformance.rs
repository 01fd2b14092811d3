//! Contact requests on both backends (SQLite always, PostgreSQL with `TEST_DATABASE_URL`):
//! insert and read back, the unique open request per pair, lists by side and state with the
//! cursor, conditional answers, the alliance link set once, the daily-limit count, the 30-day
//! pass returning each id once, counts globally and per territory, the opt-out.

use alliances_domain::annuaire::{Etat, Organisation, Profil};
use alliances_domain::contacts::{Conversion, EtatDemande};
use alliances_domain::territoires::CodeCommune;
use alliances_store::contacts::{self, NouvelleDemande, Perimetre, Sens};
use alliances_store::organisations::{self, Meta};
use alliances_store::testing::{backend_name, fresh};
use alliances_store::{users, Db};

async fn organisation(db: &Db, nom: &str, commune: &str) -> i64 {
    let o = Organisation {
        nom: nom.into(),
        sigle: None,
        profil: Profil::Association,
        sous_type: None,
        taille: None,
        siren: None,
        siret: None,
        rna: None,
        commune: Some(CodeCommune::parse(commune).unwrap()),
        national: false,
        perimetre: vec![],
        odd_principal: None,
        odd_secondaires: vec![],
        themes: vec![],
        description: String::new(),
        site_web: None,
        contact_public: None,
        contacts_prives: None,
        partenariats: vec![],
        catalyseur: false,
        etat: Etat::Active,
        date_creation: None,
        date_fin: None,
    };
    let m = Meta {
        source: "saisie".into(),
        licence: "LO 2.0".into(),
        lot_id: None,
        verifie_le: 1,
        rappel_le: None,
        cree_le: 1,
        modifie_le: 1,
        version: 1,
        demo: false,
        fusionnee_dans: None,
    };
    let mut conn = db.pool().acquire().await.unwrap();
    organisations::insert(&mut conn, &o, &m).await.unwrap()
}

async fn user(db: &Db, email: &str) -> i64 {
    let mut conn = db.pool().acquire().await.unwrap();
    users::insert(&mut conn, email, "Camille Martin", "x", 1)
        .await
        .unwrap()
}

fn nouvelle(de: i64, vers: i64, auteur: i64) -> NouvelleDemande {
    NouvelleDemande {
        de_organisation: de,
        vers_organisation: vers,
        auteur_id: auteur,
        message: "Bonjour, travaillons ensemble sur l'emploi des jeunes.".into(),
        ressource_id: None,
    }
}

#[tokio::test]
async fn requests_lifecycle_lists_and_limits() {
    let t = fresh().await;
    eprintln!("backend: {}", backend_name());
    let db = &t.db;
    let a = organisation(db, "Association A", "42218").await;
    let b = organisation(db, "Entreprise B", "69123").await;
    let c = organisation(db, "Collectif C", "42218").await;
    let u = user(db, "camille@example.org").await;
    let mut conn = db.pool().acquire().await.unwrap();

    assert!(contacts::verrouiller_source(&mut conn, a).await.unwrap());
    assert!(!contacts::verrouiller_source(&mut conn, 999_999)
        .await
        .unwrap());
    let id = contacts::insert(&mut conn, &nouvelle(a, b, u), 1000)
        .await
        .unwrap()
        .expect("first request stored");
    let d = contacts::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(d.de_organisation, a);
    assert_eq!(d.de_nom, "Association A");
    assert_eq!(d.vers_nom, "Entreprise B");
    assert_eq!(
        d.auteur,
        Some(("Camille Martin".into(), "camille@example.org".into()))
    );
    assert_eq!(d.etat, EtatDemande::Envoyee);
    assert_eq!(d.cree_le, 1000);
    assert_eq!(d.repondu_le, None);
    assert_eq!(d.alliance_id, None);
    assert!(contacts::get(&mut conn, id + 100).await.unwrap().is_none());

    // One open request per (source, target): the database refuses the second.
    assert_eq!(
        contacts::ouverte_entre(&mut conn, a, b).await.unwrap(),
        Some((id, 1000))
    );
    assert_eq!(
        contacts::ouverte_entre(&mut conn, b, a).await.unwrap(),
        None
    );
    assert_eq!(
        contacts::insert(&mut conn, &nouvelle(a, b, u), 1001)
            .await
            .unwrap(),
        None
    );
    // The other direction is another request.
    let reverse = contacts::insert(&mut conn, &nouvelle(b, a, u), 1002)
        .await
        .unwrap()
        .unwrap();
    let to_c = contacts::insert(&mut conn, &nouvelle(a, c, u), 2000)
        .await
        .unwrap()
        .unwrap();

    // Daily limit facts: count and oldest since a time.
    assert_eq!(
        contacts::envoyees_depuis(&mut conn, a, 0).await.unwrap(),
        (2, Some(1000))
    );
    assert_eq!(
        contacts::envoyees_depuis(&mut conn, a, 1500).await.unwrap(),
        (1, Some(2000))
    );
    assert_eq!(
        contacts::envoyees_depuis(&mut conn, c, 0).await.unwrap(),
        (0, None)
    );

    // Lists by side, state and cursor, newest first.
    let recues_a = contacts::liste(db, a, Sens::Recues, None, None, 10)
        .await
        .unwrap();
    assert_eq!(
        recues_a.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![reverse]
    );
    let envoyees_a = contacts::liste(db, a, Sens::Envoyees, None, None, 10)
        .await
        .unwrap();
    assert_eq!(
        envoyees_a.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![to_c, id]
    );
    let page1 = contacts::liste(db, a, Sens::Envoyees, None, None, 1)
        .await
        .unwrap();
    assert_eq!(page1.len(), 1);
    let page2 = contacts::liste(db, a, Sens::Envoyees, None, Some(page1[0].id), 1)
        .await
        .unwrap();
    assert_eq!(page2[0].id, id);
    assert_eq!(
        contacts::compter(db, a, Sens::Envoyees, None)
            .await
            .unwrap(),
        2
    );

    // Answers apply once.
    assert!(contacts::repondre(
        &mut conn,
        id,
        EtatDemande::Acceptee,
        u,
        "Avec plaisir",
        3000
    )
    .await
    .unwrap());
    assert!(
        !contacts::repondre(&mut conn, id, EtatDemande::Refusee, u, "Non", 3001)
            .await
            .unwrap()
    );
    let d = contacts::get(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(d.etat, EtatDemande::Acceptee);
    assert_eq!(d.reponse, "Avec plaisir");
    assert_eq!(d.repondu_le, Some(3000));
    assert_eq!(d.repondu_par, Some(u));
    assert_eq!(
        contacts::liste(db, a, Sens::Envoyees, Some(EtatDemande::Acceptee), None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        contacts::compter(db, b, Sens::Recues, Some(EtatDemande::Envoyee))
            .await
            .unwrap(),
        0
    );
    // Once answered, the pair may write again.
    assert!(contacts::insert(&mut conn, &nouvelle(a, b, u), 3500)
        .await
        .unwrap()
        .is_some());
    assert!(
        contacts::repondre(&mut conn, reverse, EtatDemande::Refusee, u, "", 3600)
            .await
            .unwrap()
    );

    // The alliance link is set once, on an accepted request only.
    let alliance = {
        sqlx::query("INSERT INTO alliances (nom, resume, territoires, forme, stade, cree_le, modifie_le) VALUES ('A', 'B', 'commune:42218', 'partenariat-organisations', 'emergence', 1, 1)")
            .execute(&mut *conn)
            .await
            .unwrap();
        let row: (i64,) = sqlx::query_as("SELECT MAX(id) FROM alliances")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        row.0
    };
    assert!(!contacts::lier_alliance(&mut conn, to_c, alliance)
        .await
        .unwrap());
    assert!(contacts::lier_alliance(&mut conn, id, alliance)
        .await
        .unwrap());
    assert!(!contacts::lier_alliance(&mut conn, id, alliance)
        .await
        .unwrap());

    // The 30-day pass: old sent requests only, each id once.
    let closed = contacts::marquer_sans_reponse(&mut conn, 2500, 9000, 100)
        .await
        .unwrap();
    assert_eq!(closed, vec![to_c]);
    assert!(contacts::marquer_sans_reponse(&mut conn, 2500, 9001, 100)
        .await
        .unwrap()
        .is_empty());
    let d = contacts::get(&mut conn, to_c).await.unwrap().unwrap();
    assert_eq!(d.etat, EtatDemande::SansReponse);
    assert_eq!(d.repondu_le, Some(9000));
    assert!(
        !contacts::repondre(&mut conn, to_c, EtatDemande::Acceptee, u, "", 9100)
            .await
            .unwrap()
    );

    // Counts: a→b accepted + alliance, b→a declined, a→c no answer, a→b (second) sent.
    let tout = contacts::conversion(db, None).await.unwrap();
    assert_eq!(
        tout,
        Conversion {
            demandes: 4,
            envoyees: 1,
            acceptees: 1,
            refusees: 1,
            sans_reponse: 1,
            alliances: 1,
        }
    );
    // Département 69 (b only): the three requests involving b.
    let rhone = contacts::conversion(db, Some(&Perimetre::Departements(vec!["69".into()])))
        .await
        .unwrap();
    assert_eq!(
        (rhone.demandes, rhone.acceptees, rhone.alliances),
        (3, 1, 1)
    );
    // Both sides in the Loire: counted once.
    let loire = contacts::conversion(
        db,
        Some(&Perimetre::Departements(vec!["42".into(), "43".into()])),
    )
    .await
    .unwrap();
    assert_eq!(loire.demandes, 4);
    let commune = contacts::conversion(db, Some(&Perimetre::Communes(vec!["69123".into()])))
        .await
        .unwrap();
    assert_eq!(commune.demandes, 3);
    let ailleurs = contacts::conversion(db, Some(&Perimetre::Departements(vec!["75".into()])))
        .await
        .unwrap();
    assert_eq!(ailleurs, Conversion::default());
    assert_eq!(
        contacts::conversion(db, Some(&Perimetre::Communes(vec![])))
            .await
            .unwrap(),
        Conversion::default()
    );

    // Opt-out.
    assert_eq!(
        contacts::contactable(&mut conn, b).await.unwrap(),
        Some(true)
    );
    assert!(contacts::set_contactable(&mut conn, b, false)
        .await
        .unwrap());
    assert_eq!(
        contacts::contactable(&mut conn, b).await.unwrap(),
        Some(false)
    );
    assert!(contacts::set_contactable(&mut conn, b, true).await.unwrap());
    assert_eq!(
        contacts::contactable(&mut conn, b).await.unwrap(),
        Some(true)
    );
    assert_eq!(
        contacts::contactable(&mut conn, 999_999).await.unwrap(),
        None
    );
    assert!(!contacts::set_contactable(&mut conn, 999_999, false)
        .await
        .unwrap());
}

#[tokio::test]
async fn concurrent_expiry_passes_close_each_request_once() {
    let t = fresh().await;
    let db = &t.db;
    let u = user(db, "a@example.org").await;
    let mut orgs = Vec::new();
    for i in 0..6 {
        orgs.push(organisation(db, &format!("Org {i}"), "42218").await);
    }
    let mut ids = Vec::new();
    {
        let mut conn = db.pool().acquire().await.unwrap();
        for w in orgs.windows(2) {
            ids.push(
                contacts::insert(&mut conn, &nouvelle(w[0], w[1], u), 10)
                    .await
                    .unwrap()
                    .unwrap(),
            );
        }
    }
    let pass = || async {
        let mut tx = db.begin_write().await.unwrap();
        let closed = contacts::marquer_sans_reponse(&mut tx, 100, 200, 2)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        closed
    };
    let mut all = Vec::new();
    loop {
        let (x, y) = tokio::join!(pass(), pass());
        if x.is_empty() && y.is_empty() {
            break;
        }
        all.extend(x);
        all.extend(y);
    }
    all.sort_unstable();
    assert_eq!(all, ids);
}
