//! Annuaire use cases on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL): create,
//! edit with versions, rights (no IDOR), private contacts, offers and needs, duplicates and
//! merge, claims, search index freshness — including across two instances.

use alliances_app::annuaire::{AnnuaireError, Lecture};
use alliances_app::comptes::CurrentUser;
use alliances_app::App;
use alliances_domain::annuaire::{OrganisationSaisie, RessourceSaisie};
use alliances_domain::comptes::Role;
use alliances_search::organisations::OrgQuery;
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

fn asso(nom: &str, commune: &str) -> OrganisationSaisie {
    OrganisationSaisie {
        nom: nom.into(),
        profil: "association".into(),
        code_commune: Some(commune.into()),
        odd_principal: Some(4),
        description: Some("Soutien scolaire et éducation populaire pour les jeunes".into()),
        contacts_prives: Some("présidente : 06 00 00 00 00".into()),
        ..Default::default()
    }
}

fn vue(l: Lecture) -> Box<alliances_app::annuaire::Vue> {
    match l {
        Lecture::Vue(v) => v,
        Lecture::Fusionnee(id) => panic!("merged into {id}"),
    }
}

fn search(app: &App, text: &str) -> Vec<i64> {
    let mut q = OrgQuery::new(alliances_app::now());
    q.texte = Some(text.into());
    app.organisations
        .search(&q)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect()
}

#[tokio::test]
async fn create_edit_and_rights() {
    let (app, _g) = app().await;
    let owner = user(&app, "owner@asso.fr", None).await;
    let other = user(&app, "other@asso.fr", None).await;
    let moderator = user(&app, "modo@asso.fr", Some(Role::Moderateur)).await;

    let (id, doublons) = app
        .creer_organisation(&owner, &asso("Les Amis de l'École", "42218"))
        .await
        .unwrap();
    assert!(doublons.is_empty());
    // Indexed at once (French analysis: "ecoles" finds "École").
    assert_eq!(search(&app, "ecoles"), vec![id]);

    // The other user's organisation: they cannot edit this one (no IDOR).
    let (other_id, _) = app
        .creer_organisation(&other, &asso("Club de tennis", "42218"))
        .await
        .unwrap();
    let v = vue(app.organisation(Some(&owner), id).await.unwrap());
    assert!(v.peut_modifier && v.peut_gerer);
    assert_eq!(
        v.fiche.org.contacts_prives.as_deref(),
        Some("présidente : 06 00 00 00 00")
    );
    let version = v.fiche.meta.version;
    let mut s = v.fiche.org.saisie();
    s.nom = "Les Amis de l'École publique".into();
    assert!(matches!(
        app.modifier_organisation(&other, id, version, &s).await,
        Err(AnnuaireError::Interdit)
    ));
    assert!(matches!(
        app.modifier_organisation(&owner, other_id, 1, &s).await,
        Err(AnnuaireError::Interdit)
    ));
    // Private contacts: members and moderators only.
    let seen = vue(app.organisation(Some(&other), id).await.unwrap());
    assert_eq!(seen.fiche.org.contacts_prives, None);
    assert!(!seen.peut_modifier);
    let anon = vue(app.organisation(None, id).await.unwrap());
    assert_eq!(anon.fiche.org.contacts_prives, None);
    let modo = vue(app.organisation(Some(&moderator), id).await.unwrap());
    assert!(modo.fiche.org.contacts_prives.is_some() && modo.peut_modifier && !modo.peut_gerer);

    app.modifier_organisation(&owner, id, version, &s)
        .await
        .unwrap();
    // A second edit from the same stale version is a conflict, not a lost update.
    assert!(matches!(
        app.modifier_organisation(&moderator, id, version, &s).await,
        Err(AnnuaireError::Conflit)
    ));
    assert_eq!(search(&app, "publique"), vec![id]);
    // Invalid input names its fields and changes nothing.
    let mut bad = s.clone();
    bad.siret = Some("12345678901234".into());
    bad.code_commune = Some("99999".into());
    match app
        .modifier_organisation(&owner, id, version + 1, &bad)
        .await
    {
        Err(AnnuaireError::Invalide(e)) => {
            let champs: Vec<_> = e.iter().map(|e| e.champ).collect();
            assert_eq!(champs, vec!["siret", "codeCommune"]);
        }
        other => panic!("{other:?}"),
    }
    // The audit trail has before and after.
    let log = alliances_store::audit::of_organisation(&app.db, id, 10)
        .await
        .unwrap();
    assert!(log.iter().any(|e| e.action == "organisation.modification"
        && e.before_json.as_deref().unwrap_or("").contains("l'École\"")));
}

#[tokio::test]
async fn offers_needs_and_identifiers() {
    let (app, _g) = app().await;
    let owner = user(&app, "owner@asso.fr", None).await;
    let other = user(&app, "other@asso.fr", None).await;
    let mut s = asso("Entreprise Solidaire", "42218");
    s.profil = "entreprise".into();
    s.siret = Some("12002701600019".into());
    let (id, _) = app.creer_organisation(&owner, &s).await.unwrap();
    // Same SIRET again: refused, pointing at the existing organisation.
    match app.creer_organisation(&other, &s).await {
        Err(AnnuaireError::Invalide(e)) => assert!(e[0].message.contains("revendiquez"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    let r = RessourceSaisie {
        sens: "offre".into(),
        nature: "competences".into(),
        titre: "Mécénat de compétences en comptabilité".into(),
        ..Default::default()
    };
    let rid = app
        .enregistrer_ressource(&owner, id, None, &r)
        .await
        .unwrap();
    assert!(matches!(
        app.enregistrer_ressource(&other, id, None, &r).await,
        Err(AnnuaireError::Interdit)
    ));
    let (other_org, _) = app
        .creer_organisation(&other, &asso("Autre", "42218"))
        .await
        .unwrap();
    // A resource id of another organisation is not found through this one.
    assert!(matches!(
        app.supprimer_ressource(&other, other_org, rid).await,
        Err(AnnuaireError::Introuvable)
    ));
    let mut q = OrgQuery::new(alliances_app::now());
    q.offres = 1; // competences
    let hits: Vec<i64> = app
        .organisations
        .search(&q)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(hits, vec![id]);
    assert_eq!(search(&app, "comptabilite"), vec![id]);
    app.supprimer_ressource(&owner, id, rid).await.unwrap();
    assert!(app.organisations.search(&q).unwrap().hits.is_empty());
}

#[tokio::test]
async fn duplicates_go_to_review_and_merge_redirects() {
    let (app, _g) = app().await;
    let a = user(&app, "a@asso.fr", None).await;
    let b = user(&app, "b@asso.fr", None).await;
    let moderator = user(&app, "modo@asso.fr", Some(Role::Moderateur)).await;
    let (first, _) = app
        .creer_organisation(&a, &asso("Les Restos du Cœur", "42218"))
        .await
        .unwrap();
    let (second, d) = app
        .creer_organisation(&b, &asso("LES RESTOS DU COEUR", "42218"))
        .await
        .unwrap();
    assert_eq!(d, vec![first]);
    let (_, d) = app
        .creer_organisation(&b, &asso("Les Restos du Coeurs", "42001"))
        .await
        .unwrap();
    assert_eq!(d.len(), 2, "very similar names in the same département");
    let queue = alliances_store::moderation::doublons_a_examiner(&app.db, 10)
        .await
        .unwrap();
    assert_eq!(queue.len(), 3);
    let pair = queue
        .iter()
        .find(|p| p.raison == "meme-nom-meme-commune")
        .unwrap();
    assert!(matches!(
        app.decider_doublon(&a, pair.id, Some(first)).await,
        Err(AnnuaireError::Interdit)
    ));
    app.decider_doublon(&moderator, pair.id, Some(first))
        .await
        .unwrap();
    // The absorbed page redirects; its member now belongs to the kept one; search forgets it.
    assert!(
        matches!(app.organisation(None, second).await.unwrap(), Lecture::Fusionnee(k) if k == first)
    );
    let v = vue(app.organisation(Some(&b), first).await.unwrap());
    assert!(v.peut_modifier);
    assert!(!search(&app, "restos").contains(&second));
    // Deciding twice is refused.
    assert!(matches!(
        app.decider_doublon(&moderator, pair.id, None).await,
        Err(AnnuaireError::Refus(_))
    ));
}

#[tokio::test]
async fn claims_are_reviewed() {
    let (app, _g) = app().await;
    let owner = user(&app, "owner@asso.fr", None).await;
    let claimant = user(&app, "claim@asso.fr", None).await;
    let moderator = user(&app, "modo@asso.fr", Some(Role::Moderateur)).await;
    let (id, _) = app
        .creer_organisation(&owner, &asso("Amicale", "42218"))
        .await
        .unwrap();
    assert!(matches!(
        app.revendiquer(&owner, id, "c'est moi").await,
        Err(AnnuaireError::Interdit)
    ));
    assert!(matches!(
        app.revendiquer(&claimant, id, "  ").await,
        Err(AnnuaireError::Invalide(_))
    ));
    let rid = app
        .revendiquer(&claimant, id, "Je suis la trésorière")
        .await
        .unwrap();
    assert!(matches!(
        app.revendiquer(&claimant, id, "encore").await,
        Err(AnnuaireError::Refus(_))
    ));
    assert!(matches!(
        app.decider_revendication(&claimant, rid, true).await,
        Err(AnnuaireError::Interdit)
    ));
    app.decider_revendication(&moderator, rid, true)
        .await
        .unwrap();
    let v = vue(app.organisation(Some(&claimant), id).await.unwrap());
    assert!(v.peut_gerer);
}

#[tokio::test]
async fn two_instances_converge_through_the_change_feed() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let one = App::open(&url, 5).await.unwrap();
    let two = App::open(&url, 5).await.unwrap();
    let feed = two.spawn_change_feed(std::time::Duration::from_millis(100));
    let owner = user(&one, "owner@asso.fr", None).await;
    let (id, _) = one
        .creer_organisation(&owner, &asso("Jardins partagés", "42218"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while search(&two, "jardin") != vec![id] {
        assert!(
            started.elapsed().as_secs() < 5,
            "instance two did not converge within 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    feed.abort();
}

#[tokio::test]
async fn invitations_members_and_the_organisation_journal() {
    use alliances_app::annuaire::membres::InvitationError;
    let (app, _g) = app().await;
    let owner = user(&app, "owner@asso.fr", None).await;
    let invited = user(&app, "invitee@asso.fr", None).await;
    let stranger = user(&app, "stranger@asso.fr", None).await;
    let (id, _) = app
        .creer_organisation(&owner, &asso("Maison des jeunes", "42218"))
        .await
        .unwrap();
    // Only owners invite.
    assert!(matches!(
        app.inviter(&stranger, id, "x@asso.fr", "editeur", "http://x")
            .await,
        Err(AnnuaireError::Interdit)
    ));
    match app
        .inviter(&owner, id, "pas-un-email", "chef", "http://x")
        .await
    {
        Err(AnnuaireError::Invalide(e)) => {
            assert_eq!(
                e.iter().map(|e| e.champ).collect::<Vec<_>>(),
                vec!["email", "role"]
            )
        }
        other => panic!("{other:?}"),
    }
    app.inviter(&owner, id, "Invitee@Asso.fr", "editeur", "http://x")
        .await
        .unwrap();
    // The e-mail carries the link.
    let job = alliances_store::jobs::claim(&app.db, "t", i64::MAX / 2, 60)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.payload.contains("invitee@asso.fr"))
        .expect("an invitation e-mail");
    let mail: alliances_app::comptes::OutgoingEmail = serde_json::from_str(&job.payload).unwrap();
    let token = mail
        .body
        .split("/invitations/")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert!(matches!(
        app.accepter_invitation(&stranger, &token).await,
        Err(InvitationError::AutreCompte(_))
    ));
    assert_eq!(app.accepter_invitation(&invited, &token).await.unwrap(), id);
    assert!(matches!(
        app.accepter_invitation(&invited, &token).await,
        Err(InvitationError::Refusee("déjà utilisé"))
    ));
    assert!(matches!(
        app.accepter_invitation(&invited, "inconnu").await,
        Err(InvitationError::Refusee("inconnu"))
    ));
    // The editor edits but does not manage members nor read the journal.
    let v = vue(app.organisation(Some(&invited), id).await.unwrap());
    assert!(v.peut_modifier && !v.peut_gerer);
    assert!(matches!(
        app.equipe(&invited, id).await,
        Err(AnnuaireError::Interdit)
    ));
    assert!(matches!(
        app.journal_organisation(&invited, id).await,
        Err(AnnuaireError::Interdit)
    ));
    let equipe = app.equipe(&owner, id).await.unwrap();
    assert_eq!(equipe.membres.len(), 2);
    // The last owner stays; the editor can be removed.
    assert!(matches!(
        app.retirer_membre(&owner, id, owner.id).await,
        Err(AnnuaireError::Refus(_))
    ));
    app.retirer_membre(&owner, id, invited.id).await.unwrap();
    let (_, journal) = app.journal_organisation(&owner, id).await.unwrap();
    let actions: Vec<&str> = journal.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "organisation.creation",
        "organisation.invitation",
        "organisation.membre.ajout",
        "organisation.membre.retrait",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert_eq!(app.mes_organisations(&owner).await.unwrap().len(), 1);
    assert!(app.mes_organisations(&invited).await.unwrap().is_empty());
}

#[tokio::test]
async fn stale_records_remind_their_owners_once() {
    let (app, _g) = app().await;
    let owner = user(&app, "owner@asso.fr", None).await;
    let (id, _) = app
        .creer_organisation(&owner, &asso("Vieille fiche", "42218"))
        .await
        .unwrap();
    let (fresh, _) = app
        .creer_organisation(&owner, &asso("Fiche récente", "42218"))
        .await
        .unwrap();
    assert_eq!(app.rappels_fraicheur("http://x").await.unwrap(), 0);
    // Thirteen months without verification.
    let old = alliances_app::now() - 395 * 24 * 3600;
    sqlx::query("UPDATE organisations SET verifie_le = $1 WHERE id = $2")
        .bind(old)
        .bind(id)
        .execute(app.db.pool())
        .await
        .unwrap();
    assert_eq!(app.rappels_fraicheur("http://x").await.unwrap(), 1);
    // A second pass (or another instance) sends nothing more.
    assert_eq!(app.rappels_fraicheur("http://x").await.unwrap(), 0);
    let job = alliances_store::jobs::claim(&app.db, "t", i64::MAX / 2, 60)
        .await
        .unwrap()
        .unwrap();
    assert!(job.payload.contains(&format!("/organisations/{id}")));
    assert!(!job.payload.contains(&format!("/organisations/{fresh}")));
    // The page says it; confirming makes it fresh again.
    let v = vue(app.organisation(None, id).await.unwrap());
    assert!(v.perime);
    app.confirmer_organisation(&owner, id).await.unwrap();
    let v = vue(app.organisation(None, id).await.unwrap());
    assert!(!v.perime);
}
