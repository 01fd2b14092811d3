//! Contact requests' use cases on a real database (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): rights of every action, the opt-out, duplicates, the daily limit, the
//! e-mails queued with the writes, answers applied once, the 30-day expiry (the pass takes the
//! time as a parameter), an alliance started with both organisations as accepted members, and the
//! conversion counts globally and per territory.

mod common;
use alliances_app::comptes::CurrentUser;
use alliances_app::contacts::{ContactError, DemandeSaisie};
use alliances_app::mail::OutgoingEmail;
use alliances_app::App;
use alliances_domain::alliances::AllianceSaisie;
use alliances_domain::contacts::{EtatDemande, FENETRE_LIMITE_SECS, LIMITE_PAR_JOUR};
use alliances_domain::territoires::Niveau;
use alliances_store::contacts::Sens;
use alliances_store::memberships;
use common::*;

const JOUR: i64 = 24 * 3600;
const NATURE: &str = "locaux";

async fn ajouter(app: &App, user: &CurrentUser, org: i64, role: &str) {
    let mut conn = app.db.pool().acquire().await.unwrap();
    memberships::add(&mut conn, user.id, org, role, 1)
        .await
        .unwrap();
}

fn saisie(de: i64, vers: i64) -> DemandeSaisie {
    DemandeSaisie {
        de,
        vers,
        message: "Bonjour, nous accompagnons des jeunes vers l'emploi : parlons-en ?".into(),
        ressource: None,
    }
}

async fn emails(app: &App) -> Vec<OutgoingEmail> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT payload FROM jobs WHERE kind = 'email' ORDER BY id")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    rows.iter()
        .map(|(p,)| serde_json::from_str(p).unwrap())
        .collect()
}

fn alliance() -> AllianceSaisie {
    AllianceSaisie {
        nom: "Alliance née d'une mise en relation".into(),
        resume: "Deux organisations qui se sont trouvées sur la plateforme.".into(),
        territoires: vec!["commune:42218".into()],
        forme: "partenariat-organisations".into(),
        stade: "emergence".into(),
        publique: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn rights_of_every_action() {
    let (app, _g) = app().await;
    let alice = user(&app, "alice@asso.fr").await;
    let bob = user(&app, "bob@entreprise.fr").await;
    let eve = user(&app, "eve@ailleurs.fr").await;
    let editrice = user(&app, "editrice@entreprise.fr").await;
    let a = organisation(&app, &alice, "Association des jeunes", "42218").await;
    let b = organisation(&app, &bob, "Entreprise solidaire", "69123").await;
    ajouter(&app, &editrice, b, "editeur").await;

    // Only members of the source write on its behalf.
    assert!(matches!(
        app.envoyer_demande_contact(&eve, &saisie(a, b)).await,
        Err(ContactError::Interdit)
    ));
    // Staff do not speak for organisations either.
    let mut admin = user(&app, "admin@plateforme.fr").await;
    admin.roles = vec![alliances_domain::comptes::Role::Admin];
    assert!(matches!(
        app.envoyer_demande_contact(&admin, &saisie(a, b)).await,
        Err(ContactError::Interdit)
    ));
    // A member whose address is not verified is told why.
    let mut non_verifie = alice.clone();
    non_verifie.verified = false;
    assert!(matches!(
        app.envoyer_demande_contact(&non_verifie, &saisie(a, b)).await,
        Err(ContactError::Refus(m)) if m.contains("adresse e-mail")
    ));
    let id = app
        .envoyer_demande_contact(&alice, &saisie(a, b))
        .await
        .unwrap();

    // Reading: members of either side; others do not learn it exists.
    assert_eq!(app.demande_contact(&alice, id).await.unwrap().id, id);
    assert_eq!(app.demande_contact(&editrice, id).await.unwrap().id, id);
    assert!(matches!(
        app.demande_contact(&eve, id).await,
        Err(ContactError::Introuvable)
    ));
    assert!(matches!(
        app.demandes_contact(&eve, b, Sens::Recues, None, None, 10)
            .await,
        Err(ContactError::Interdit)
    ));
    let recues = app
        .demandes_contact(&editrice, b, Sens::Recues, None, None, 10)
        .await
        .unwrap();
    assert_eq!(recues.total, 1);
    assert_eq!(recues.demandes[0].id, id);

    // Answering: the target's owners and editors only.
    assert!(matches!(
        app.repondre_demande_contact(&eve, id, true, "").await,
        Err(ContactError::Introuvable)
    ));
    assert!(matches!(
        app.repondre_demande_contact(&alice, id, true, "").await,
        Err(ContactError::Interdit)
    ));
    app.repondre_demande_contact(&editrice, id, true, "Avec plaisir, appelons-nous.")
        .await
        .unwrap();
    // Answered twice: refused, not applied twice.
    assert!(matches!(
        app.repondre_demande_contact(&bob, id, false, "").await,
        Err(ContactError::Refus(_))
    ));
    let d = app.demande_contact(&alice, id).await.unwrap();
    assert_eq!(d.etat, EtatDemande::Acceptee);
    assert_eq!(d.repondu_par, Some(editrice.id));
    assert_eq!(d.reponse, "Avec plaisir, appelons-nous.");

    // Opt-out: owners only (an editor cannot).
    assert!(matches!(
        app.definir_contactable(&editrice, b, false).await,
        Err(ContactError::Interdit)
    ));
    assert!(matches!(
        app.definir_contactable(&eve, b, false).await,
        Err(ContactError::Interdit)
    ));
    app.definir_contactable(&bob, b, false).await.unwrap();
    assert_eq!(app.est_contactable(b).await.unwrap(), Some(false));
    let rep = app.representation(Some(&editrice), b).await.unwrap();
    assert!(rep.represente && !rep.gere);
    let rep = app.representation(Some(&bob), b).await.unwrap();
    assert!(rep.represente && rep.gere);
    let rep = app.representation(Some(&eve), b).await.unwrap();
    assert!(!rep.represente && !rep.gere);
    assert_eq!(
        app.organisations_representees(&editrice).await.unwrap(),
        vec![(b, "Entreprise solidaire".to_string())]
    );
}

#[tokio::test]
async fn e_mails_opt_out_duplicates_and_bad_input() {
    let (app, _g) = app().await;
    let alice = user(&app, "alice@asso.fr").await;
    let bob = user(&app, "bob@entreprise.fr").await;
    let a = organisation(&app, &alice, "Association des jeunes", "42218").await;
    let b = organisation(&app, &bob, "Entreprise solidaire", "69123").await;
    let avant = emails(&app).await.len();

    // Bad input: empty or short message, writing to oneself, unknown target, foreign resource.
    let mut s = saisie(a, b);
    s.message = "  ".into();
    assert!(matches!(
        app.envoyer_demande_contact(&alice, &s).await,
        Err(ContactError::Invalide(e)) if e[0].champ == "message"
    ));
    s.message = "Bonjour".into();
    assert!(matches!(
        app.envoyer_demande_contact(&alice, &s).await,
        Err(ContactError::Invalide(e)) if e[0].message.contains("court")
    ));
    assert!(matches!(
        app.envoyer_demande_contact(&alice, &saisie(a, a)).await,
        Err(ContactError::Invalide(e)) if e[0].champ == "vers"
    ));
    assert!(matches!(
        app.envoyer_demande_contact(&alice, &saisie(a, 999_999))
            .await,
        Err(ContactError::Introuvable)
    ));
    let mut s = saisie(a, b);
    s.ressource = Some(999_999);
    assert!(matches!(
        app.envoyer_demande_contact(&alice, &s).await,
        Err(ContactError::Invalide(e)) if e[0].champ == "ressource"
    ));

    // Opted out: refused with the organisation's name; back in: accepted.
    app.definir_contactable(&bob, b, false).await.unwrap();
    match app.envoyer_demande_contact(&alice, &saisie(a, b)).await {
        Err(e @ ContactError::NonContactable(_)) => {
            assert!(e.to_string().contains("Entreprise solidaire"))
        }
        other => panic!("expected an opt-out refusal, got {other:?}"),
    }
    assert_eq!(emails(&app).await.len(), avant, "nothing sent when refused");
    app.definir_contactable(&bob, b, true).await.unwrap();
    let id = app
        .envoyer_demande_contact(&alice, &saisie(a, b))
        .await
        .unwrap();

    // The target's owner got the message, in the same transaction as the request.
    let envoyes = emails(&app).await;
    assert_eq!(envoyes.len(), avant + 1);
    let m = envoyes.last().unwrap();
    assert_eq!(m.to, "bob@entreprise.fr");
    assert!(m.subject.contains("Association des jeunes"));
    assert!(m.body.contains("parlons-en"));
    assert!(m.body.contains(&format!("/organisations/{b}/demandes")));

    // The identical request while the first is open: refused with its date.
    let d = app.demande_contact(&alice, id).await.unwrap();
    match app.envoyer_demande_contact(&alice, &saisie(a, b)).await {
        Err(ContactError::DejaEnCours {
            id: existante,
            envoyee_le,
        }) => {
            assert_eq!(existante, id);
            assert_eq!(envoyee_le, d.cree_le);
        }
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
    // The other direction is a different request, here about one of the target's needs.
    let besoin = app
        .enregistrer_ressource(
            &alice,
            a,
            None,
            &alliances_domain::annuaire::RessourceSaisie {
                sens: "besoin".into(),
                nature: NATURE.into(),
                titre: "Un atelier pour des stages".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut s = saisie(b, a);
    s.ressource = Some(besoin);
    let inverse = app.envoyer_demande_contact(&bob, &s).await.unwrap();
    let d = app.demande_contact(&alice, inverse).await.unwrap();
    assert_eq!(d.ressource_id, Some(besoin));
    assert_eq!(
        d.ressource_titre.as_deref(),
        Some("Un atelier pour des stages")
    );

    // Declined: the author is told, with the message; then a new request is possible.
    app.repondre_demande_contact(&bob, id, false, "Pas pour le moment, merci.")
        .await
        .unwrap();
    let m = emails(&app).await.pop().unwrap();
    assert_eq!(m.to, "alice@asso.fr");
    assert!(m.subject.contains("décline"));
    assert!(m.body.contains("Pas pour le moment"));
    assert!(!m.body.contains("bob@entreprise.fr"));
    let second = app
        .envoyer_demande_contact(&alice, &saisie(a, b))
        .await
        .unwrap();
    // Accepted: the author learns who answered and how to write to them.
    app.repondre_demande_contact(&bob, second, true, "")
        .await
        .unwrap();
    let m = emails(&app).await.pop().unwrap();
    assert_eq!(m.to, "alice@asso.fr");
    assert!(m.subject.contains("accepte"));
    assert!(m.body.contains("bob@entreprise.fr"));

    // A target without any owner is refused up front (nobody would read the message).
    let c = organisation(&app, &bob, "Collectif sans responsable", "42218").await;
    let mut conn = app.db.pool().acquire().await.unwrap();
    memberships::remove(&mut conn, bob.id, c).await.unwrap();
    drop(conn);
    assert!(matches!(
        app.envoyer_demande_contact(&alice, &saisie(a, c)).await,
        Err(ContactError::SansResponsable(_))
    ));
}

#[tokio::test]
async fn daily_limit_per_sending_organisation() {
    let (app, _g) = app().await;
    let alice = user(&app, "alice@asso.fr").await;
    let bob = user(&app, "bob@entreprise.fr").await;
    let a = organisation(&app, &alice, "Association des jeunes", "42218").await;
    let a2 = organisation(&app, &alice, "Autre association", "42218").await;
    let mut cibles = Vec::new();
    for i in 0..=LIMITE_PAR_JOUR {
        cibles.push(organisation(&app, &bob, &format!("Cible {i}"), "69123").await);
    }
    let mut premiere = None;
    for vers in &cibles[..LIMITE_PAR_JOUR as usize] {
        let id = app
            .envoyer_demande_contact(&alice, &saisie(a, *vers))
            .await
            .unwrap();
        premiere.get_or_insert(app.demande_contact(&alice, id).await.unwrap().cree_le);
    }
    let dernier = cibles[LIMITE_PAR_JOUR as usize];
    match app
        .envoyer_demande_contact(&alice, &saisie(a, dernier))
        .await
    {
        Err(ContactError::Limite { reprise }) => {
            assert_eq!(reprise, premiere.unwrap() + FENETRE_LIMITE_SECS)
        }
        other => panic!("expected the daily limit, got {other:?}"),
    }
    // The limit is per organisation: another one of the same person may still write.
    app.envoyer_demande_contact(&alice, &saisie(a2, dernier))
        .await
        .unwrap();
}

#[tokio::test]
async fn unanswered_requests_close_after_30_days_once() {
    let (app, _g) = app().await;
    let alice = user(&app, "alice@asso.fr").await;
    let bob = user(&app, "bob@entreprise.fr").await;
    let a = organisation(&app, &alice, "Association des jeunes", "42218").await;
    let b = organisation(&app, &bob, "Entreprise solidaire", "69123").await;
    let id = app
        .envoyer_demande_contact(&alice, &saisie(a, b))
        .await
        .unwrap();
    let envoyee = app.demande_contact(&alice, id).await.unwrap().cree_le;
    assert_eq!(
        app.clore_demandes_sans_reponse(envoyee + 29 * JOUR)
            .await
            .unwrap(),
        0
    );
    let avant = emails(&app).await.len();
    let (x, y) = tokio::join!(
        app.clore_demandes_sans_reponse(envoyee + 30 * JOUR),
        app.clore_demandes_sans_reponse(envoyee + 30 * JOUR)
    );
    assert_eq!(x.unwrap() + y.unwrap(), 1, "closed once across passes");
    let envoyes = emails(&app).await;
    assert_eq!(envoyes.len(), avant + 1, "the author is told once");
    assert_eq!(envoyes.last().unwrap().to, "alice@asso.fr");
    assert!(envoyes.last().unwrap().body.contains("30 jours"));
    assert_eq!(
        app.demande_contact(&alice, id).await.unwrap().etat,
        EtatDemande::SansReponse
    );
    // Too late to answer; a new request may be sent.
    assert!(matches!(
        app.repondre_demande_contact(&bob, id, true, "").await,
        Err(ContactError::Refus(_))
    ));
    app.envoyer_demande_contact(&alice, &saisie(a, b))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_accepted_request_starts_an_alliance_with_both_members() {
    let (app, _g) = app().await;
    let alice = user(&app, "alice@asso.fr").await;
    let bob = user(&app, "bob@entreprise.fr").await;
    let eve = user(&app, "eve@ailleurs.fr").await;
    let a = organisation(&app, &alice, "Association des jeunes", "42218").await;
    let b = organisation(&app, &bob, "Entreprise solidaire", "69123").await;
    let id = app
        .envoyer_demande_contact(&alice, &saisie(a, b))
        .await
        .unwrap();
    // Not before it is accepted.
    assert!(matches!(
        app.demarrer_alliance_depuis_demande(&bob, id, &alliance())
            .await,
        Err(ContactError::Refus(_))
    ));
    app.repondre_demande_contact(&bob, id, true, "")
        .await
        .unwrap();
    assert!(matches!(
        app.demarrer_alliance_depuis_demande(&eve, id, &alliance())
            .await,
        Err(ContactError::Introuvable)
    ));
    let mut vide = alliance();
    vide.nom = String::new();
    assert!(matches!(
        app.demarrer_alliance_depuis_demande(&bob, id, &vide).await,
        Err(ContactError::Invalide(e)) if e.iter().any(|x| x.champ == "nom")
    ));
    // Started by the target: it is the backbone, the requester a member; both accepted.
    let aid = app
        .demarrer_alliance_depuis_demande(&bob, id, &alliance())
        .await
        .unwrap();
    let vue = app.alliance(Some(&bob), aid).await.unwrap();
    let mut membres: Vec<(i64, String, String)> = vue
        .membres
        .iter()
        .map(|m| (m.organisation_id, m.role.clone(), m.etat.clone()))
        .collect();
    membres.sort();
    let mut attendu = vec![
        (a, "membre".to_string(), "acceptee".to_string()),
        (b, "backbone".to_string(), "acceptee".to_string()),
    ];
    attendu.sort();
    assert_eq!(membres, attendu);
    assert!(vue.acteur.est_backbone());
    assert_eq!(
        app.demande_contact(&alice, id).await.unwrap().alliance_id,
        Some(aid)
    );
    // The requester's owner is told.
    let m = emails(&app).await.pop().unwrap();
    assert_eq!(m.to, "alice@asso.fr");
    assert!(m.body.contains(&format!("/alliances/{aid}")));
    // Once per request.
    assert!(matches!(
        app.demarrer_alliance_depuis_demande(&alice, id, &alliance())
            .await,
        Err(ContactError::Refus(_))
    ));
    // The public list knows it (the change feed was applied).
    assert!(!app.alliances_liste().is_empty());
}

#[tokio::test]
async fn conversion_globally_and_per_territory() {
    let (app, _g) = app().await;
    let alice = user(&app, "alice@asso.fr").await;
    let bob = user(&app, "bob@entreprise.fr").await;
    let a = organisation(&app, &alice, "Association stéphanoise", "42218").await;
    let b = organisation(&app, &bob, "Entreprise lyonnaise", "69123").await;
    let c = organisation(&app, &bob, "Collectif stéphanois", "42218").await;
    let ab = app
        .envoyer_demande_contact(&alice, &saisie(a, b))
        .await
        .unwrap();
    let ac = app
        .envoyer_demande_contact(&alice, &saisie(a, c))
        .await
        .unwrap();
    app.repondre_demande_contact(&bob, ab, true, "")
        .await
        .unwrap();
    app.repondre_demande_contact(&bob, ac, false, "")
        .await
        .unwrap();
    app.demarrer_alliance_depuis_demande(&alice, ab, &alliance())
        .await
        .unwrap();
    app.envoyer_demande_contact(&bob, &saisie(b, a))
        .await
        .unwrap();

    let tout = app.conversion_contacts(None).await.unwrap();
    assert_eq!(
        (
            tout.demandes,
            tout.acceptees,
            tout.refusees,
            tout.envoyees,
            tout.alliances
        ),
        (3, 1, 1, 1, 1)
    );
    let r = &app.territoires().referentiel;
    let rhone = r.find(Niveau::Departement, "69").unwrap();
    let c69 = app.conversion_contacts(Some(rhone)).await.unwrap();
    assert_eq!((c69.demandes, c69.acceptees, c69.alliances), (2, 1, 1));
    // The région holds both départements: every request, once.
    let aura = r.find(Niveau::Region, "84").unwrap();
    assert_eq!(
        app.conversion_contacts(Some(aura)).await.unwrap().demandes,
        3
    );
    let commune = r.find(Niveau::Commune, "42218").unwrap();
    assert_eq!(
        app.conversion_contacts(Some(commune))
            .await
            .unwrap()
            .demandes,
        3
    );
    let epci = r.find(Niveau::Epci, "244200770").unwrap();
    assert_eq!(
        app.conversion_contacts(Some(epci)).await.unwrap().demandes,
        3
    );
    let paris = r.find(Niveau::Departement, "75").unwrap();
    assert_eq!(
        app.conversion_contacts(Some(paris)).await.unwrap().demandes,
        0
    );
}
