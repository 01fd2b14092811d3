//! Accounts use cases on a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL).

use alliances_app::comptes::{NewAccount, OutgoingEmail, SignUpError, TokenError};
use alliances_app::App;
use alliances_store::jobs;
use std::sync::Arc;

async fn app() -> (Arc<App>, alliances_store::testing::TestDbGuard) {
    let (url, guard) = alliances_store::testing::fresh_url().await;
    (App::open(&url, 5).await.unwrap(), guard)
}

const PASSWORD: &str = "le vélo bleu du marché";

#[tokio::test]
async fn sign_up_verify_and_log_in() {
    let (app, _g) = app().await;
    let done = app
        .sign_up(
            NewAccount {
                email: " Camille@Asso.FR ",
                name: "Camille Martin",
                password: PASSWORD,
            },
            "https://alliances.example/",
        )
        .await
        .unwrap();

    // The verification e-mail is queued in the same transaction, with the link.
    let job = jobs::claim(&app.db, "test", i64::MAX / 2, 60)
        .await
        .unwrap()
        .expect("an e-mail job");
    assert_eq!(job.kind, "email");
    let mail: OutgoingEmail = serde_json::from_str(&job.payload).unwrap();
    assert_eq!(mail.to, "camille@asso.fr");
    assert!(mail.body.contains(&format!(
        "https://alliances.example/compte/verification/{}",
        done.verification_token
    )));

    // Not verified yet, but the password works; e-mail compared case-insensitively.
    let user = app
        .authenticate("CAMILLE@asso.fr", PASSWORD)
        .await
        .unwrap()
        .expect("authenticated");
    assert_eq!(user.id, done.user_id);
    assert_eq!(user.email_verified_at, None);
    assert!(!user.password_hash.contains(PASSWORD));

    assert_eq!(
        app.verify_email(&done.verification_token).await.unwrap(),
        done.user_id
    );
    match app.verify_email(&done.verification_token).await {
        Err(TokenError::Refused(why)) => assert_eq!(why, "déjà utilisé"),
        other => panic!("a replayed link must be refused: {other:?}"),
    }
    match app.verify_email("0000").await {
        Err(TokenError::Refused(why)) => assert_eq!(why, "inconnu"),
        other => panic!("{other:?}"),
    }
    let user = app
        .authenticate("camille@asso.fr", PASSWORD)
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified_at.is_some());
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_get_the_same_answer() {
    let (app, _g) = app().await;
    app.sign_up(
        NewAccount {
            email: "dominique@mairie.fr",
            name: "Dominique",
            password: PASSWORD,
        },
        "http://x",
    )
    .await
    .unwrap();
    assert!(app
        .authenticate("dominique@mairie.fr", "pas le bon mot de passe")
        .await
        .unwrap()
        .is_none());
    assert!(app
        .authenticate("inconnu@mairie.fr", PASSWORD)
        .await
        .unwrap()
        .is_none());
    assert!(app
        .authenticate("pas une adresse", PASSWORD)
        .await
        .unwrap()
        .is_none());
    // Similar timing: both paths verify one argon2id hash. Without the dummy verification the
    // unknown e-mail would answer ~100× faster; the fastest of several interleaved tries keeps
    // the comparison robust to a noisy machine.
    let (mut known, mut unknown) = (std::time::Duration::MAX, std::time::Duration::MAX);
    for _ in 0..5 {
        let t = std::time::Instant::now();
        app.authenticate("dominique@mairie.fr", "pas le bon mot de passe")
            .await
            .unwrap();
        known = known.min(t.elapsed());
        let t = std::time::Instant::now();
        app.authenticate("inconnu@mairie.fr", "pas le bon mot de passe")
            .await
            .unwrap();
        unknown = unknown.min(t.elapsed());
    }
    let ratio = known.as_secs_f64() / unknown.as_secs_f64();
    assert!(
        (0.2..5.0).contains(&ratio),
        "known {known:?} vs unknown {unknown:?}"
    );
}

#[tokio::test]
async fn bad_sign_ups_name_the_field_and_write_nothing() {
    let (app, _g) = app().await;
    let cases: [(&str, &str, &str, &str); 6] = [
        ("pas-une-adresse", "A", PASSWORD, "email"),
        ("a@b.fr", "", PASSWORD, "nom"),
        ("a@b.fr", &"n".repeat(200), PASSWORD, "nom"),
        ("a@b.fr", "A", "court", "mot_de_passe"),
        ("a@b.fr", "A", "motdepasse2024!", "mot_de_passe"),
        ("a@b.fr", "A\u{0}B", PASSWORD, "nom"),
    ];
    for (email, name, password, field) in cases {
        let e = app
            .sign_up(
                NewAccount {
                    email,
                    name,
                    password,
                },
                "http://x",
            )
            .await
            .err()
            .unwrap();
        assert_eq!(e.field(), Some(field), "{email} {name} {password}: {e}");
    }
    assert_eq!(
        jobs::pending_count(&app.db).await.unwrap(),
        0,
        "no e-mail queued for refused sign-ups"
    );
    app.sign_up(
        NewAccount {
            email: "a@b.fr",
            name: "A",
            password: PASSWORD,
        },
        "http://x",
    )
    .await
    .unwrap();
    let e = app
        .sign_up(
            NewAccount {
                email: "A@B.fr",
                name: "Autre",
                password: PASSWORD,
            },
            "http://x",
        )
        .await
        .err()
        .unwrap();
    assert!(matches!(e, SignUpError::EmailTaken), "{e}");
    assert_eq!(jobs::pending_count(&app.db).await.unwrap(), 1);
}

#[tokio::test]
async fn concurrent_sign_ups_with_one_email_one_wins() {
    let (app, _g) = app().await;
    let mut handles = Vec::new();
    for i in 0..4 {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            app.sign_up(
                NewAccount {
                    email: "course@asso.fr",
                    name: &format!("N{i}"),
                    password: PASSWORD,
                },
                "http://x",
            )
            .await
            .map(|s| s.user_id)
        }));
    }
    let mut won = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => won += 1,
            Err(SignUpError::EmailTaken) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(
        jobs::pending_count(&app.db).await.unwrap(),
        1,
        "one verification e-mail"
    );
}

#[tokio::test]
async fn sessions_open_resolve_and_close() {
    let (app, _g) = app().await;
    let (cookie, csrf) = app.open_session(Some(42)).await.unwrap();
    let s = app.session(&cookie).await.unwrap().expect("live session");
    assert_eq!(
        (s.user_id, s.csrf_token.as_str()),
        (Some(42), csrf.as_str())
    );
    assert_ne!(s.id, cookie, "the database keeps a hash of the cookie");
    let (other, _) = app.open_session(Some(42)).await.unwrap();
    assert_ne!(other, cookie, "each login gets a new id");
    app.close_session(&cookie).await.unwrap();
    assert!(app.session(&cookie).await.unwrap().is_none());
    assert!(app.session(&other).await.unwrap().is_some());
    assert!(app.session("forged").await.unwrap().is_none());
}
