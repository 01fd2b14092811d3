//! The per-instance session cache on a real database (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): what requests see after log-out, password reset, role change, deletion and
//! e-mail changes, on the instance that made the change and on another one (change feed).

use alliances_app::comptes::{token_hash, CurrentUser, NewAccount, OutgoingEmail};
use alliances_app::{now, App};
use alliances_domain::comptes::Role;
use alliances_store::{jobs, sessions};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "le vélo bleu du marché";
const BASE: &str = "https://alliances.example";

async fn app() -> (Arc<App>, String, alliances_store::testing::TestDbGuard) {
    let (url, guard) = alliances_store::testing::fresh_url().await;
    (App::open(&url, 5).await.unwrap(), url, guard)
}

/// A verified account with [`PASSWORD`] and a live session of it; returns (user id, cookie).
async fn signed_in(app: &App, email: &str) -> (i64, String) {
    let done = app
        .sign_up(
            NewAccount {
                email,
                name: "Camille",
                password: PASSWORD,
            },
            BASE,
        )
        .await
        .unwrap();
    app.verify_email(&done.verification_token).await.unwrap();
    let (cookie, _csrf) = app.open_session(Some(done.user_id)).await.unwrap();
    (done.user_id, cookie)
}

/// The session a request would see, and whether it came from (and stays in) the cache.
async fn request(app: &App, cookie: &str) -> Option<CurrentUser> {
    app.session_for_request(cookie)
        .await
        .unwrap()
        .map(|(_, user)| user.expect("a signed-in session"))
}

fn cached(app: &App, cookie: &str) -> bool {
    app.session_cache.contains(&token_hash(cookie), now())
}

/// The tokens of the links `…/{path}/{token}` in the queued e-mails (the jobs are completed).
async fn tokens_mailed(app: &App, path: &str) -> Vec<String> {
    let mut found = Vec::new();
    while let Some(job) = jobs::claim(&app.db, "test", i64::MAX / 4, 60)
        .await
        .unwrap()
    {
        let mail: OutgoingEmail = serde_json::from_str(&job.payload).unwrap();
        for word in mail.body.split_whitespace() {
            if let Some((_, token)) = word.split_once(&format!("/{path}/")) {
                found.push(token.to_string());
            }
        }
        jobs::complete(&app.db, job.id, "test", 1).await.unwrap();
    }
    found
}

#[tokio::test]
async fn requests_are_served_from_the_cache() {
    let (app, _url, _g) = app().await;
    let (id, cookie) = signed_in(&app, "camille@asso.fr").await;
    assert!(!cached(&app, &cookie));
    assert_eq!(request(&app, &cookie).await.unwrap().id, id);
    assert!(cached(&app, &cookie), "filled by the first request");
    // Behind the application's back (no invalidation), the cache goes on serving: it is what
    // requests read, which is what the invalidation tests below rely on.
    sessions::delete(&app.db, &token_hash(&cookie))
        .await
        .unwrap();
    assert_eq!(request(&app, &cookie).await.unwrap().id, id);
    // Unknown cookies are not cached.
    assert!(request(&app, &"0".repeat(64)).await.is_none());
    assert!(!cached(&app, &"0".repeat(64)));
}

#[tokio::test]
async fn log_out_ends_the_cached_session() {
    let (app, _url, _g) = app().await;
    let (id, cookie) = signed_in(&app, "camille@asso.fr").await;
    let (other, _) = app.open_session(Some(id)).await.unwrap();
    assert!(request(&app, &cookie).await.is_some());
    assert!(request(&app, &other).await.is_some());
    app.close_session(&cookie).await.unwrap();
    assert!(!cached(&app, &cookie));
    assert!(request(&app, &cookie).await.is_none());
    assert!(
        request(&app, &other).await.is_some(),
        "the other session stays"
    );
}

#[tokio::test]
async fn a_password_reset_ends_every_cached_session_of_the_user() {
    let (app, _url, _g) = app().await;
    let (id, cookie) = signed_in(&app, "camille@asso.fr").await;
    let (second, _) = app.open_session(Some(id)).await.unwrap();
    let (_, bystander) = signed_in(&app, "dominique@asso.fr").await;
    tokens_mailed(&app, "none").await;
    app.request_password_reset("camille@asso.fr", BASE)
        .await
        .unwrap();
    let token = tokens_mailed(&app, "compte/reinitialisation")
        .await
        .remove(0);
    for c in [&cookie, &second, &bystander] {
        assert!(request(&app, c).await.is_some());
        assert!(cached(&app, c));
    }
    app.reset_password(&token, "un tout nouveau mot de passe")
        .await
        .unwrap();
    assert!(request(&app, &cookie).await.is_none());
    assert!(request(&app, &second).await.is_none());
    assert!(request(&app, &bystander).await.is_some());
}

#[tokio::test]
async fn a_role_change_shows_on_the_next_request() {
    let (app, _url, _g) = app().await;
    let (admin_id, _) = app
        .create_user_with_role("admin@asso.fr", "Admin", Role::Admin, BASE)
        .await
        .unwrap();
    let admin = app.current_user(admin_id).await.unwrap().unwrap();
    let (id, cookie) = signed_in(&app, "camille@asso.fr").await;
    assert_eq!(request(&app, &cookie).await.unwrap().roles, vec![]);
    assert!(app
        .set_role(&admin, id, Role::Moderateur, true)
        .await
        .unwrap());
    assert_eq!(
        request(&app, &cookie).await.unwrap().roles,
        vec![Role::Moderateur]
    );
    assert!(app
        .set_role(&admin, id, Role::Moderateur, false)
        .await
        .unwrap());
    assert_eq!(request(&app, &cookie).await.unwrap().roles, vec![]);
}

#[tokio::test]
async fn deleting_the_account_ends_its_cached_sessions() {
    let (app, _url, _g) = app().await;
    let (id, cookie) = signed_in(&app, "camille@asso.fr").await;
    assert!(request(&app, &cookie).await.is_some());
    app.delete_account(id, PASSWORD).await.unwrap();
    assert!(request(&app, &cookie).await.is_none());
}

#[tokio::test]
async fn e_mail_verification_and_change_show_on_the_next_request() {
    let (app, _url, _g) = app().await;
    let done = app
        .sign_up(
            NewAccount {
                email: "camille@asso.fr",
                name: "Camille",
                password: PASSWORD,
            },
            BASE,
        )
        .await
        .unwrap();
    let (cookie, _) = app.open_session(Some(done.user_id)).await.unwrap();
    assert!(!request(&app, &cookie).await.unwrap().verified);
    app.verify_email(&done.verification_token).await.unwrap();
    assert!(request(&app, &cookie).await.unwrap().verified);

    tokens_mailed(&app, "none").await;
    app.request_email_change(done.user_id, PASSWORD, "camille@ailleurs.fr", BASE)
        .await
        .unwrap();
    let token = tokens_mailed(&app, "compte/email/confirmation")
        .await
        .remove(0);
    assert_eq!(
        request(&app, &cookie).await.unwrap().email,
        "camille@asso.fr"
    );
    app.confirm_email_change(&token).await.unwrap();
    assert_eq!(
        request(&app, &cookie).await.unwrap().email,
        "camille@ailleurs.fr"
    );
}

#[tokio::test]
async fn another_instance_learns_it_from_the_change_feed() {
    let (first, url, _g) = app().await;
    let second = App::open(&url, 5).await.unwrap();
    let (admin_id, _) = first
        .create_user_with_role("admin@asso.fr", "Admin", Role::Admin, BASE)
        .await
        .unwrap();
    let admin = first.current_user(admin_id).await.unwrap().unwrap();
    let (id, cookie) = signed_in(&first, "camille@asso.fr").await;
    let (_, other) = signed_in(&first, "dominique@asso.fr").await;
    second.refresh().await.unwrap();

    // Log-out on the first instance.
    let filled = Instant::now();
    assert!(request(&second, &cookie).await.is_some());
    assert!(request(&second, &other).await.is_some());
    first.close_session(&cookie).await.unwrap();
    if filled.elapsed() < Duration::from_secs(4) {
        assert!(
            request(&second, &cookie).await.is_some(),
            "within the TTL and before the feed is read, the second instance still has it"
        );
    }
    assert!(second.refresh().await.unwrap() >= 1);
    assert!(request(&second, &cookie).await.is_none());
    assert!(
        request(&second, &other).await.is_some(),
        "other users' stay"
    );
    assert!(cached(&second, &other));

    // A role change on the first instance.
    let (cookie, _) = first.open_session(Some(id)).await.unwrap();
    assert_eq!(request(&second, &cookie).await.unwrap().roles, vec![]);
    assert!(first.set_role(&admin, id, Role::Admin, true).await.unwrap());
    second.refresh().await.unwrap();
    assert_eq!(
        request(&second, &cookie).await.unwrap().roles,
        vec![Role::Admin]
    );

    // An account created from the command line (another process) with a role.
    let (_, visitor) = signed_in(&first, "claude@asso.fr").await;
    assert_eq!(request(&second, &visitor).await.unwrap().roles, vec![]);
    first
        .create_user_with_role("claude@asso.fr", "Claude", Role::Moderateur, BASE)
        .await
        .unwrap();
    second.refresh().await.unwrap();
    assert_eq!(
        request(&second, &visitor).await.unwrap().roles,
        vec![Role::Moderateur]
    );
}

#[tokio::test]
async fn the_keep_alive_still_reaches_the_database() {
    let (app, _url, _g) = app().await;
    let (_, cookie) = signed_in(&app, "camille@asso.fr").await;
    let id = token_hash(&cookie);
    let t = now();
    // The session was last seen two minutes ago (written behind the cache's back, before it
    // holds the session): the next request writes, and the cached copy knows it.
    let mut s = sessions::get(&app.db, &id, t).await.unwrap().unwrap();
    s.last_seen_at = t - 120;
    s.expires_at = t + 10;
    sessions::delete(&app.db, &id).await.unwrap();
    sessions::insert(&app.db, &s).await.unwrap();
    let (seen, _) = app.session_for_request(&cookie).await.unwrap().unwrap();
    assert!(seen.last_seen_at >= t);
    let stored = sessions::get(&app.db, &id, t).await.unwrap().unwrap();
    assert!(stored.last_seen_at >= t, "written to the database");
    assert!(
        stored.expires_at > s.expires_at,
        "idle expiry moved forward"
    );
    let hit = app.session_cache.get(&id, now()).unwrap();
    assert_eq!(hit.0.last_seen_at, stored.last_seen_at);

    // A cached session whose keep-alive write finds it gone (closed elsewhere) is not served.
    app.session_cache.invalidate_session(&id);
    sessions::delete(&app.db, &id).await.unwrap();
    sessions::insert(&app.db, &s).await.unwrap();
    let ticket = app.session_cache.ticket();
    let (aged, _) = sessions::get_with_user(&app.db, &id, now())
        .await
        .unwrap()
        .unwrap();
    assert!(app.session_cache.insert(ticket, (aged, None), now()));
    sessions::delete(&app.db, &id).await.unwrap();
    assert!(app.session_for_request(&cookie).await.unwrap().is_none());
    assert!(!app.session_cache.contains(&id, now()));
}
