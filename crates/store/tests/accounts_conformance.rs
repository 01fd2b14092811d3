//! Conformance of the accounts storage on both backends: unique e-mails under concurrency,
//! one-time tokens, atomic job claims.

use alliances_store::testing::fresh;
use alliances_store::{jobs, users};

#[tokio::test]
async fn users_are_unique_by_email_even_when_sign_ups_race() {
    let t = fresh().await;
    let mut handles = Vec::new();
    for i in 0..6 {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move {
            let mut conn = db.pool().acquire().await.unwrap();
            users::insert(
                &mut conn,
                "camille@asso.fr",
                &format!("Camille {i}"),
                "hash",
                10,
            )
            .await
        }));
    }
    let mut ok = 0;
    let mut taken = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(users::UserError::EmailTaken) => taken += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!((ok, taken), (1, 5));
    let u = users::by_email(&t.db, "camille@asso.fr")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(users::by_id(&t.db, u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(u.email_verified_at, None);
    let mut conn = t.db.pool().acquire().await.unwrap();
    users::set_email_verified(&mut conn, u.id, 20)
        .await
        .unwrap();
    users::set_email_verified(&mut conn, u.id, 30)
        .await
        .unwrap();
    assert_eq!(
        users::by_id(&t.db, u.id)
            .await
            .unwrap()
            .unwrap()
            .email_verified_at,
        Some(20),
        "first verification kept"
    );
    users::grant_role(&t.db, u.id, "admin").await.unwrap();
    users::grant_role(&t.db, u.id, "admin").await.unwrap();
    users::grant_role(&t.db, u.id, "moderateur").await.unwrap();
    assert_eq!(
        users::roles(&t.db, u.id).await.unwrap(),
        vec!["admin", "moderateur"]
    );
}

#[tokio::test]
async fn tokens_are_used_once_and_expire() {
    let t = fresh().await;
    let mut conn = t.db.pool().acquire().await.unwrap();
    let id = users::insert(&mut conn, "dominique@mairie.fr", "Dominique", "hash", 0)
        .await
        .unwrap();
    users::insert_token(&mut conn, "h1", id, "verification", None, 0, 100)
        .await
        .unwrap();
    users::insert_token(&mut conn, "h2", id, "reinitialisation", None, 0, 100)
        .await
        .unwrap();
    assert!(
        users::consume_token(&mut conn, "h1", "reinitialisation", 10)
            .await
            .unwrap()
            .is_none(),
        "wrong purpose"
    );
    assert_eq!(users::token_state(&t.db, "h1", 10).await.unwrap(), None);
    let tok = users::consume_token(&mut conn, "h1", "verification", 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((tok.user_id, tok.used_at), (id, Some(10)));
    assert!(
        users::consume_token(&mut conn, "h1", "verification", 11)
            .await
            .unwrap()
            .is_none(),
        "replayed"
    );
    assert_eq!(
        users::token_state(&t.db, "h1", 11).await.unwrap(),
        Some("déjà utilisé")
    );
    assert!(
        users::consume_token(&mut conn, "h2", "reinitialisation", 100)
            .await
            .unwrap()
            .is_none(),
        "expired at its expiry"
    );
    assert_eq!(
        users::token_state(&t.db, "h2", 100).await.unwrap(),
        Some("expiré")
    );
    assert_eq!(
        users::token_state(&t.db, "nope", 1).await.unwrap(),
        Some("inconnu")
    );
}

#[tokio::test]
async fn each_job_is_claimed_by_one_worker_and_retried_after_a_failure() {
    let t = fresh().await;
    {
        let mut conn = t.db.pool().acquire().await.unwrap();
        for i in 0..20 {
            jobs::enqueue(&mut conn, "email", &format!("{{\"n\":{i}}}"), 100, 3, 100)
                .await
                .unwrap();
        }
        jobs::enqueue(&mut conn, "email", "{\"later\":true}", 500, 3, 100)
            .await
            .unwrap();
    }
    // Four workers claim concurrently: every due job exactly once.
    let mut handles = Vec::new();
    for w in 0..4 {
        let db = t.db.clone();
        handles.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut got = Vec::new();
            while let Some(job) = jobs::claim(&db, &worker, 200, 60).await.unwrap() {
                jobs::complete(&db, job.id, &worker, 201).await.unwrap();
                got.push(job.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(
        (before, all.len()),
        (20, 20),
        "20 due jobs, each claimed once"
    );
    assert_eq!(
        jobs::pending_count(&t.db).await.unwrap(),
        1,
        "the future job waits"
    );

    // A failed job comes back at its retry time; a lease that expires frees the job.
    let job = jobs::claim(&t.db, "a", 600, 60).await.unwrap().unwrap();
    assert_eq!(job.attempts, 1);
    assert!(
        jobs::claim(&t.db, "b", 610, 60).await.unwrap().is_none(),
        "leased"
    );
    jobs::fail(&t.db, job.id, "a", "SMTP refused", 700)
        .await
        .unwrap();
    assert!(
        jobs::claim(&t.db, "b", 650, 60).await.unwrap().is_none(),
        "not before its retry time"
    );
    let again = jobs::claim(&t.db, "b", 700, 10).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (job.id, 2));
    // Worker b dies: its lease ends at 710, c takes over; attempts are capped at max_attempts (3).
    let third = jobs::claim(&t.db, "c", 711, 10).await.unwrap().unwrap();
    assert_eq!(third.attempts, 3);
    jobs::fail(&t.db, job.id, "c", "still refused", 712)
        .await
        .unwrap();
    assert!(
        jobs::claim(&t.db, "d", 800, 10).await.unwrap().is_none(),
        "attempts used up"
    );
}

#[tokio::test]
async fn login_failures_accumulate_and_clear() {
    let t = fresh().await;
    assert_eq!(users::login_failures(&t.db, "x@y.fr").await.unwrap(), None);
    users::record_login_failure(&t.db, "x@y.fr", 10)
        .await
        .unwrap();
    users::record_login_failure(&t.db, "x@y.fr", 12)
        .await
        .unwrap();
    assert_eq!(
        users::login_failures(&t.db, "x@y.fr").await.unwrap(),
        Some((2, 12))
    );
    users::clear_login_failures(&t.db, "x@y.fr").await.unwrap();
    assert_eq!(users::login_failures(&t.db, "x@y.fr").await.unwrap(), None);
}

#[tokio::test]
async fn email_changes_stay_unique_and_sessions_can_be_revoked() {
    let t = fresh().await;
    let mut conn = t.db.pool().acquire().await.unwrap();
    let a = users::insert(&mut conn, "a@x.fr", "A", "h", 0)
        .await
        .unwrap();
    let b = users::insert(&mut conn, "b@x.fr", "B", "h", 0)
        .await
        .unwrap();
    assert!(matches!(
        users::set_email(&mut conn, b, "a@x.fr", 5).await,
        Err(users::UserError::EmailTaken)
    ));
    users::set_email(&mut conn, b, "c@x.fr", 5).await.unwrap();
    assert_eq!(
        users::by_id(&t.db, b).await.unwrap().unwrap().email,
        "c@x.fr"
    );
    for (i, user) in [(1, a), (2, a), (3, b)] {
        alliances_store::sessions::insert(
            &t.db,
            &alliances_store::sessions::SessionRecord {
                id: format!("s{i}"),
                user_id: Some(user),
                csrf_token: "c".into(),
                data: "{}".into(),
                created_at: 0,
                last_seen_at: 0,
                expires_at: 100,
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(users::delete_sessions_of(&mut conn, a).await.unwrap(), 2);
    assert!(alliances_store::sessions::get(&t.db, "s3", 1)
        .await
        .unwrap()
        .is_some());
    assert_eq!(users::count(&t.db).await.unwrap(), 2);
    assert_eq!(users::list(&t.db, 10, 0).await.unwrap()[0].id, b);
}

#[tokio::test]
async fn api_tokens_are_revoked_only_by_their_owner() {
    use alliances_store::tokens;
    let t = fresh().await;
    let mut conn = t.db.pool().acquire().await.unwrap();
    let a = users::insert(&mut conn, "a@t.fr", "A", "h", 0)
        .await
        .unwrap();
    let b = users::insert(&mut conn, "b@t.fr", "B", "h", 0)
        .await
        .unwrap();
    let id = tokens::insert(&mut conn, a, "script", "hash-a", "all_1234", "read", 5)
        .await
        .unwrap();
    assert!(
        tokens::insert(&mut conn, b, "dup", "hash-a", "all_1234", "read", 5)
            .await
            .is_err(),
        "hashes are unique"
    );
    assert_eq!(
        tokens::live_by_hash(&t.db, "hash-a")
            .await
            .unwrap()
            .unwrap()
            .user_id,
        a
    );
    tokens::touch(&t.db, id, 9).await.unwrap();
    assert_eq!(
        tokens::of_user(&t.db, a).await.unwrap()[0].last_used_at,
        Some(9)
    );
    assert!(
        !tokens::revoke(&mut conn, id, b, 10).await.unwrap(),
        "another user's token is untouched"
    );
    assert!(tokens::live_by_hash(&t.db, "hash-a")
        .await
        .unwrap()
        .is_some());
    assert!(tokens::revoke(&mut conn, id, a, 10).await.unwrap());
    assert!(!tokens::revoke(&mut conn, id, a, 11).await.unwrap(), "once");
    assert!(tokens::live_by_hash(&t.db, "hash-a")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn audit_entries_and_memberships() {
    use alliances_store::{audit, memberships};
    let t = fresh().await;
    let mut conn = t.db.pool().acquire().await.unwrap();
    let a = users::insert(&mut conn, "a@m.fr", "A", "h", 0)
        .await
        .unwrap();
    let b = users::insert(&mut conn, "b@m.fr", "B", "h", 0)
        .await
        .unwrap();
    let entry = |action: &'static str, id: String| (action, id);
    for (action, id) in [
        entry("compte.inscription", a.to_string()),
        entry("role.attribution", b.to_string()),
    ] {
        audit::record(
            &mut conn,
            &audit::NewEntry {
                actor_user_id: Some(a),
                action,
                entity: "utilisateur",
                entity_id: &id,
                organisation_id: Some(7),
                before_json: None,
                after_json: Some("{}"),
            },
            3,
        )
        .await
        .unwrap();
    }
    let latest = audit::latest(&t.db, None, 10).await.unwrap();
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[0].action, "role.attribution");
    assert_eq!(
        audit::latest(&t.db, Some(latest[0].id), 10)
            .await
            .unwrap()
            .len(),
        1,
        "cursor"
    );
    assert_eq!(audit::about_user(&t.db, b).await.unwrap().len(), 1);
    assert_eq!(audit::of_organisation(&t.db, 7, 10).await.unwrap().len(), 2);

    memberships::add(&mut conn, a, 7, "proprietaire", 1)
        .await
        .unwrap();
    memberships::add(&mut conn, a, 8, "proprietaire", 1)
        .await
        .unwrap();
    memberships::add(&mut conn, b, 8, "proprietaire", 1)
        .await
        .unwrap();
    memberships::add(&mut conn, b, 9, "editeur", 1)
        .await
        .unwrap();
    assert_eq!(
        memberships::sole_ownerships(&t.db, a).await.unwrap(),
        vec![7]
    );
    assert!(memberships::sole_ownerships(&t.db, b)
        .await
        .unwrap()
        .is_empty());
    users::delete(&mut conn, b).await.unwrap();
    assert!(
        memberships::of_user(&t.db, b).await.unwrap().is_empty(),
        "cascade"
    );
    assert_eq!(
        memberships::sole_ownerships(&t.db, a).await.unwrap(),
        vec![7, 8],
        "b is gone: a is now sole owner of 8"
    );
}

#[tokio::test]
async fn a_session_is_read_with_its_user_and_roles_in_one_query() {
    use alliances_store::sessions;
    let t = fresh().await;
    let mut conn = t.db.pool().acquire().await.unwrap();
    let a = users::insert(&mut conn, "s@q.fr", "S", "h", 0)
        .await
        .unwrap();
    users::grant_role(&t.db, a, "moderateur").await.unwrap();
    users::grant_role(&t.db, a, "admin").await.unwrap();
    let rec = |id: &str, user_id| sessions::SessionRecord {
        id: id.into(),
        user_id,
        csrf_token: "c".into(),
        data: "{}".into(),
        created_at: 0,
        last_seen_at: 0,
        expires_at: 100,
    };
    sessions::insert(&t.db, &rec("with-user", Some(a)))
        .await
        .unwrap();
    sessions::insert(&t.db, &rec("anonymous", None))
        .await
        .unwrap();
    let (s, u) = sessions::get_with_user(&t.db, "with-user", 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s, rec("with-user", Some(a)));
    let u = u.unwrap();
    assert_eq!(
        (u.email.as_str(), u.verified, u.roles.clone()),
        (
            "s@q.fr",
            false,
            vec!["admin".to_string(), "moderateur".to_string()]
        )
    );
    let (_, none) = sessions::get_with_user(&t.db, "anonymous", 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(none, None);
    assert!(
        sessions::get_with_user(&t.db, "with-user", 100)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(sessions::get_with_user(&t.db, "nope", 10)
        .await
        .unwrap()
        .is_none());
}
