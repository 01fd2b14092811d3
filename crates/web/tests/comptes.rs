//! Account flows over HTTP against a real server: sign-up, verification, log in / out, reset,
//! change of e-mail, admin access — and the security pack (CSRF, fixation, throttling, 403).

use alliances_domain::comptes::Role;

mod common;
use common::*;

#[tokio::test]
async fn sign_up_verify_log_in_and_out() {
    let mut b = signed_up("flux@asso.fr").await;
    let anonymous_cookie = b.cookie.clone().expect("the form opened a session");
    let mails = emails_to("flux@asso.fr").await;
    assert_eq!(mails.len(), 1);
    let link = link_path(&mails[0]);
    assert!(link.starts_with("/compte/verification/"));

    // Following the link changes nothing; the button does.
    let page = b.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Confirmer mon adresse"));
    let page = b.post(&link, &[("_csrf", &page.csrf())]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Votre adresse est confirmée"));
    let csrf = b.get("/compte/connexion").await.csrf();
    let page = b.post(&link, &[("_csrf", &csrf)]).await;
    assert_eq!(page.status, 400, "a used link is refused");
    assert!(page.body.contains("déjà utilisé"));

    // Log in: a new session id (the anonymous one is closed: no fixation).
    let page = b
        .submit(
            "/compte/connexion",
            &[("email", "FLUX@asso.fr"), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/compte"))
    );
    let logged = b.cookie.clone().unwrap();
    assert_ne!(logged, anonymous_cookie);
    let mut planted = Browser {
        cookie: Some(anonymous_cookie),
        ..Browser::new()
    };
    assert_eq!(
        planted.get("/compte").await.location.as_deref(),
        Some("/compte/connexion")
    );

    let page = b.get("/compte").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Camille Martin")
            && page.body.contains("flux@asso.fr")
            && page.body.contains("Adresse confirmée")
    );
    assert!(page.body.contains("Se déconnecter"));

    let csrf = page.csrf();
    let page = b.post("/compte/deconnexion", &[("_csrf", &csrf)]).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/")));
    assert!(b.cookie.is_none(), "cookie cleared");
    let mut again = Browser {
        cookie: Some(logged),
        ..Browser::new()
    };
    assert_eq!(
        again.get("/compte").await.location.as_deref(),
        Some("/compte/connexion"),
        "the session is gone server-side too"
    );
}

#[tokio::test]
async fn forms_refuse_missing_wrong_or_cross_site_csrf() {
    let mut b = Browser::new();
    let form = b.get("/compte/inscription").await;
    let csrf = form.csrf();
    assert_eq!(csrf.len(), 64);
    let fields = [
        ("nom", "X"),
        ("email", "csrf@asso.fr"),
        ("mot_de_passe", PASSWORD),
    ];
    assert_eq!(
        b.post("/compte/inscription", &fields).await.status,
        403,
        "no token"
    );
    let mut with_wrong = vec![("_csrf", "0".repeat(64))];
    with_wrong.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let wrong: Vec<(&str, &str)> = with_wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        b.post("/compte/inscription", &wrong).await.status,
        403,
        "wrong token"
    );
    b.origin = Some("https://evil.example".into());
    let mut good = vec![("_csrf", csrf.as_str())];
    good.extend_from_slice(&fields);
    let page = b.post("/compte/inscription", &good).await;
    assert_eq!(page.status, 403, "cross-site origin");
    assert!(page.body.contains("Accès refusé"));
    // Another visitor's token is worthless.
    let mut other = Browser::new();
    other.get("/compte/inscription").await;
    assert_eq!(other.post("/compte/inscription", &good).await.status, 403);
    // Logging out needs the token too.
    assert_eq!(
        Browser::new().post("/compte/deconnexion", &[]).await.status,
        403
    );
}

#[tokio::test]
async fn sign_up_errors_are_shown_next_to_the_field() {
    let mut b = Browser::new();
    let page = b
        .submit(
            "/compte/inscription",
            &[
                ("nom", "Dominique"),
                ("email", "pas-une-adresse"),
                ("mot_de_passe", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("resume-erreurs") && page.body.contains("il manque le « @ »"));
    assert!(page.body.contains("aria-invalid=\"true\""));
    assert!(
        page.body.contains("value=\"Dominique\""),
        "typed values are kept"
    );
    assert!(!page.body.contains(PASSWORD), "passwords are never echoed");
    let page = b
        .submit(
            "/compte/inscription",
            &[
                ("nom", "Dominique"),
                ("email", "d@asso.fr"),
                ("mot_de_passe", "azerty123456"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("mots de passe courants"));
    signed_up("doublon@asso.fr").await;
    let page = Browser::new()
        .submit(
            "/compte/inscription",
            &[
                ("nom", "Autre"),
                ("email", "Doublon@asso.fr"),
                ("mot_de_passe", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("déjà un compte"));
    let page = Browser::new()
        .submit(
            "/compte/inscription",
            &[
                ("nom", "<script>alert(1)</script>"),
                ("email", "x"),
                ("mot_de_passe", ""),
            ],
        )
        .await;
    assert!(
        !page.body.contains("<script>alert(1)</script>") && page.body.contains("&lt;script&gt;"),
        "escaped"
    );
}

#[tokio::test]
async fn wrong_passwords_are_throttled_progressively_without_revealing_accounts() {
    signed_up("lent@asso.fr").await;
    let mut b = Browser::new();
    for _ in 0..5 {
        let page = b
            .submit(
                "/compte/connexion",
                &[
                    ("email", "lent@asso.fr"),
                    ("mot_de_passe", "mauvais mot de passe"),
                ],
            )
            .await;
        assert_eq!(page.status, 422);
        assert!(page
            .body
            .contains("Adresse e-mail ou mot de passe incorrect"));
    }
    let page = b
        .submit(
            "/compte/connexion",
            &[("email", "lent@asso.fr"), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 429, "even the right password waits");
    assert!(page.retry_after.is_some());
    // An unknown address gets exactly the same treatment.
    let mut u = Browser::new();
    let page = u
        .submit(
            "/compte/connexion",
            &[("email", "personne@asso.fr"), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page
        .body
        .contains("Adresse e-mail ou mot de passe incorrect"));
}

#[tokio::test]
async fn password_reset_says_the_same_for_unknown_addresses_and_closes_sessions() {
    let mut b = signed_up("oubli@asso.fr").await;
    emails_to("oubli@asso.fr").await;
    let page = b
        .submit(
            "/compte/connexion",
            &[("email", "oubli@asso.fr"), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303);
    let old_session = b.cookie.clone();

    let mut anon = Browser::new();
    let known = anon
        .submit("/compte/mot-de-passe-oublie", &[("email", "oubli@asso.fr")])
        .await;
    let unknown = anon
        .submit(
            "/compte/mot-de-passe-oublie",
            &[("email", "inconnu@asso.fr")],
        )
        .await;
    assert_eq!((known.status, unknown.status), (200, 200));
    let text = |p: &Page| p.body.split("<main").nth(1).unwrap().to_string();
    assert_eq!(
        text(&known),
        text(&unknown).replace("inconnu@asso.fr", "oubli@asso.fr")
    );
    assert!(emails_to("inconnu@asso.fr").await.is_empty());
    let mails = emails_to("oubli@asso.fr").await;
    assert_eq!(mails.len(), 1);
    let link = link_path(&mails[0]);

    let page = anon.submit(&link, &[("mot_de_passe", "court")]).await;
    assert_eq!(page.status, 422, "a refused password keeps the link usable");
    let page = anon
        .submit(&link, &[("mot_de_passe", "un tout nouveau mot de passe")])
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Votre mot de passe est changé"));
    assert_eq!(anon.get(&link).await.status, 400, "used once");
    let mut stale = Browser {
        cookie: old_session,
        ..Browser::new()
    };
    assert_eq!(
        stale.get("/compte").await.location.as_deref(),
        Some("/compte/connexion"),
        "sessions closed"
    );
    let page = Browser::new()
        .submit(
            "/compte/connexion",
            &[
                ("email", "oubli@asso.fr"),
                ("mot_de_passe", "un tout nouveau mot de passe"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        Browser::new()
            .get("/compte/reinitialisation/abc")
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn change_of_email_address() {
    let mut b = signed_up("ancienne@asso.fr").await;
    emails_to("ancienne@asso.fr").await;
    assert_eq!(
        Browser::new()
            .get("/compte/email")
            .await
            .location
            .as_deref(),
        Some("/compte/connexion")
    );
    b.submit(
        "/compte/connexion",
        &[("email", "ancienne@asso.fr"), ("mot_de_passe", PASSWORD)],
    )
    .await;
    let page = b
        .submit(
            "/compte/email",
            &[
                ("email", "nouvelle@asso.fr"),
                ("mot_de_passe", "pas le bon"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    let page = b
        .submit(
            "/compte/email",
            &[("email", "nouvelle@asso.fr"), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        emails_to("ancienne@asso.fr").await.len(),
        1,
        "the old address is told"
    );
    let mails = emails_to("nouvelle@asso.fr").await;
    let link = link_path(&mails[0]);
    let page = b.get(&link).await;
    let page = b.post(&link, &[("_csrf", &page.csrf())]).await;
    assert_eq!(page.status, 200);
    assert!(b.get("/compte").await.body.contains("nouvelle@asso.fr"));
}

#[tokio::test]
async fn admin_pages_need_the_admin_role() {
    assert_eq!(Browser::new().get("/admin").await.status, 403);
    let mut user = signed_up("simple@asso.fr").await;
    user.submit(
        "/compte/connexion",
        &[("email", "simple@asso.fr"), ("mot_de_passe", PASSWORD)],
    )
    .await;
    let page = user.get("/admin").await;
    assert_eq!(page.status, 403);
    assert!(!user.get("/").await.body.contains("href=\"/admin\""));

    let app = server().app.clone();
    let link = server()
        .rt
        .spawn(async move {
            app.create_user_with_role(
                "chef@asso.fr",
                "Cheffe",
                Role::Admin,
                "http://alliances.test",
            )
            .await
            .unwrap()
            .1
        })
        .await
        .unwrap();
    let mut admin = Browser::new();
    let path = link.trim_start_matches("http://alliances.test").to_string();
    assert_eq!(
        admin
            .submit(&path, &[("mot_de_passe", "la cheffe de la plateforme")])
            .await
            .status,
        200
    );
    assert_eq!(
        admin
            .submit(
                "/compte/connexion",
                &[
                    ("email", "chef@asso.fr"),
                    ("mot_de_passe", "la cheffe de la plateforme")
                ]
            )
            .await
            .status,
        303
    );
    let page = admin.get("/admin").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("simple@asso.fr") && page.body.contains("admin"));
    assert!(admin.get("/").await.body.contains("href=\"/admin\""));
}

#[tokio::test]
async fn sign_ups_and_the_api_are_rate_limited_per_address() {
    let mut b = Browser::new();
    let mut statuses = Vec::new();
    for i in 0..11 {
        let email = format!("volume{i}@asso.fr");
        let page = b
            .submit(
                "/compte/inscription",
                &[("nom", "V"), ("email", &email), ("mot_de_passe", PASSWORD)],
            )
            .await;
        statuses.push(page.status);
        if page.status == 429 {
            assert!(page.retry_after.is_some());
            assert!(page.body.contains("Trop de tentatives"));
        }
    }
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 10);
    assert_eq!(statuses.last(), Some(&429));
    assert_eq!(
        Browser::new()
            .submit(
                "/compte/inscription",
                &[
                    ("nom", "V"),
                    ("email", "ailleurs@asso.fr"),
                    ("mot_de_passe", PASSWORD)
                ]
            )
            .await
            .status,
        303,
        "another address is not limited"
    );

    let client = reqwest::Client::builder()
        .local_address(next_address())
        .build()
        .unwrap();
    let url = format!("{}/api/v1/referentiel", server().base);
    let mut limited = None;
    for i in 0..1300 {
        let res = client.get(&url).send().await.unwrap();
        if res.status() == 429 {
            assert_eq!(
                res.headers().get("content-type").unwrap(),
                "application/problem+json"
            );
            assert!(res.headers().get("retry-after").is_some());
            limited = Some(i);
            break;
        }
    }
    assert_eq!(
        limited,
        Some(1200),
        "the 1,201st API request of the minute is refused"
    );
}

async fn moi(token: Option<&str>, cookie: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().get(format!("{}/api/v1/moi", server().base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = cookie {
        req = req.header("cookie", format!("alliances_session={c}"));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    if status == 401 {
        assert!(res.headers().get("www-authenticate").is_some());
    }
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn api_tokens_are_shown_once_scoped_and_revocable_by_their_owner_only() {
    let mut b = logged_in("jetons@asso.fr").await;
    let page = b.submit("/compte", &[]).await;
    assert_eq!(page.status, 405, "the account page itself takes no POST");
    let csrf = b.get("/compte").await.csrf();
    let page = b
        .post(
            "/compte/jetons",
            &[
                ("_csrf", &csrf),
                ("nom", "tableur du réseau"),
                ("portee", "lecture"),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    let token = page
        .body
        .split("alliances_")
        .nth(1)
        .map(|r| format!("alliances_{}", &r[..64]))
        .expect("the token is shown");
    let (status, me) = moi(Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (me["email"].as_str(), me["portee"].as_str()),
        (Some("jetons@asso.fr"), Some("read"))
    );
    let account = b.get("/compte").await.body;
    assert!(
        account.contains("tableur du réseau") && !account.contains(&token),
        "listed, never shown again"
    );

    // Cookie sessions never authorise the API; unknown tokens neither.
    assert_eq!(moi(None, b.cookie.as_deref()).await.0, 401);
    assert_eq!(moi(Some("alliances_0000"), None).await.0, 401);
    assert_eq!(moi(None, None).await.0, 401);

    // Another user cannot revoke it (and learns nothing: 404).
    let token_id: i64 = account
        .split("/compte/jetons/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut other = logged_in("autre-jetons@asso.fr").await;
    let csrf = other.get("/compte").await.csrf();
    assert_eq!(
        other
            .post(
                &format!("/compte/jetons/{token_id}/revocation"),
                &[("_csrf", &csrf)]
            )
            .await
            .status,
        404
    );
    assert_eq!(moi(Some(&token), None).await.0, 200);
    // Nor can an anonymous visitor create or revoke.
    assert_eq!(
        Browser::new()
            .post("/compte/jetons", &[("nom", "x"), ("portee", "lecture")])
            .await
            .status,
        403
    );
    assert_eq!(
        Browser::new()
            .post(&format!("/compte/jetons/{token_id}/revocation"), &[])
            .await
            .status,
        403
    );

    let csrf = b.get("/compte").await.csrf();
    let page = b
        .post(
            &format!("/compte/jetons/{token_id}/revocation"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/compte"))
    );
    assert_eq!(moi(Some(&token), None).await.0, 401, "revoked");
    let page = b
        .post(
            "/compte/jetons",
            &[("_csrf", &csrf), ("nom", ""), ("portee", "lecture")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert_eq!(
        b.post(
            "/compte/jetons",
            &[("_csrf", &csrf), ("nom", "x"), ("portee", "admin")]
        )
        .await
        .status,
        400
    );
}

#[tokio::test]
async fn personal_data_export_and_account_deletion() {
    let mut b = logged_in("donnees@asso.fr").await;
    let res = reqwest::Client::new()
        .get(format!("{}/compte/donnees", server().base))
        .header(
            "cookie",
            format!("alliances_session={}", b.cookie.as_deref().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert!(res
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("attachment"));
    let data: serde_json::Value = res.json().await.unwrap();
    assert_eq!(data["compte"]["email"], "donnees@asso.fr");
    assert!(data["journal"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "compte.inscription"));
    assert!(
        !data.to_string().contains("argon2"),
        "no password hash in the export"
    );
    assert_eq!(
        Browser::new()
            .get("/compte/donnees")
            .await
            .location
            .as_deref(),
        Some("/compte/connexion")
    );

    // Refused while the user is the last owner of an organisation.
    let app = server().app.clone();
    let user_id = data["compte"]["id"].as_i64().unwrap();
    server()
        .rt
        .spawn(async move {
            let mut conn = app.db.pool().acquire().await.unwrap();
            alliances_store::memberships::add(&mut conn, user_id, 4242, "proprietaire", 1)
                .await
                .unwrap();
        })
        .await
        .unwrap();
    let page = b
        .submit("/compte/suppression", &[("mot_de_passe", PASSWORD)])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("seul propriétaire"));
    let app = server().app.clone();
    server()
        .rt
        .spawn(async move {
            let mut conn = app.db.pool().acquire().await.unwrap();
            let other =
                alliances_store::users::insert(&mut conn, "coproprietaire@asso.fr", "Co", "h", 1)
                    .await
                    .unwrap();
            alliances_store::memberships::add(&mut conn, other, 4242, "proprietaire", 1)
                .await
                .unwrap();
        })
        .await
        .unwrap();
    assert_eq!(
        b.submit("/compte/suppression", &[("mot_de_passe", "pas le bon")])
            .await
            .status,
        422
    );
    assert_eq!(
        Browser::new()
            .post("/compte/suppression", &[("mot_de_passe", PASSWORD)])
            .await
            .status,
        403
    );
    let page = b
        .submit("/compte/suppression", &[("mot_de_passe", PASSWORD)])
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Votre compte a été supprimé"));
    assert!(b.cookie.is_none());
    let page = Browser::new()
        .submit(
            "/compte/connexion",
            &[("email", "donnees@asso.fr"), ("mot_de_passe", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 422, "the account is gone");
    assert_eq!(Browser::new().get("/confidentialite").await.status, 200);
}

#[tokio::test]
async fn roles_are_granted_by_admins_only_and_audited() {
    let mut user = logged_in("promu@asso.fr").await;
    let app = server().app.clone();
    let target = server()
        .rt
        .spawn(async move {
            alliances_store::users::by_email(&app.db, "promu@asso.fr")
                .await
                .unwrap()
                .unwrap()
                .id
        })
        .await
        .unwrap();
    let csrf = user.get("/compte").await.csrf();
    let path = format!("/admin/utilisateurs/{target}/roles");
    assert_eq!(
        user.post(
            &path,
            &[("_csrf", &csrf), ("role", "admin"), ("action", "attribuer")]
        )
        .await
        .status,
        403,
        "no self-promotion"
    );
    assert_eq!(
        Browser::new()
            .post(&path, &[("role", "admin"), ("action", "attribuer")])
            .await
            .status,
        403
    );
    assert_eq!(Browser::new().get("/admin/journal").await.status, 403);

    let app = server().app.clone();
    let link = server()
        .rt
        .spawn(async move {
            app.create_user_with_role(
                "cheffe-roles@asso.fr",
                "Cheffe",
                Role::Admin,
                "http://alliances.test",
            )
            .await
            .unwrap()
            .1
        })
        .await
        .unwrap();
    let mut admin = Browser::new();
    admin
        .submit(
            link.trim_start_matches("http://alliances.test"),
            &[("mot_de_passe", "la cheffe des rôles")],
        )
        .await;
    admin
        .submit(
            "/compte/connexion",
            &[
                ("email", "cheffe-roles@asso.fr"),
                ("mot_de_passe", "la cheffe des rôles"),
            ],
        )
        .await;
    let csrf = admin.get("/admin").await.csrf();
    let page = admin
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("role", "moderateur"),
                ("action", "attribuer"),
            ],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/admin"))
    );
    assert!(user.get("/compte").await.body.contains("Modérateur"));
    assert_eq!(
        admin
            .post(
                &path,
                &[("_csrf", &csrf), ("role", "roi"), ("action", "attribuer")]
            )
            .await
            .status,
        400
    );
    assert_eq!(
        admin
            .post(
                "/admin/utilisateurs/999999/roles",
                &[
                    ("_csrf", &csrf),
                    ("role", "moderateur"),
                    ("action", "attribuer")
                ]
            )
            .await
            .status,
        404
    );
    let journal = admin.get("/admin/journal").await;
    assert_eq!(journal.status, 200);
    assert!(journal.body.contains("role.attribution") && journal.body.contains("moderateur"));
    let page = admin
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("role", "moderateur"),
                ("action", "retirer"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(!user.get("/compte").await.body.contains("Modérateur"));
}

#[tokio::test]
async fn moderators_grant_the_catalyseur_role_on_a_real_territory() {
    let mut candidate = logged_in("catalyse@asso.fr").await;
    let csrf = candidate.get("/compte").await.csrf();
    let grant = |csrf: String, code: &'static str| {
        vec![
            ("_csrf".to_string(), csrf),
            ("action".into(), "attribuer".into()),
            ("email".into(), "catalyse@asso.fr".into()),
            ("niveau".into(), "departement".into()),
            ("code".into(), code.into()),
        ]
    };
    let as_refs = |v: &Vec<(String, String)>| {
        v.iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    let fields = as_refs(&grant(csrf.clone(), "42"));
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        candidate.post("/admin/catalyseurs", &f).await.status,
        403,
        "users cannot grant it to themselves"
    );
    assert_eq!(candidate.get("/admin/catalyseurs").await.status, 403);

    let app = server().app.clone();
    let link = server()
        .rt
        .spawn(async move {
            app.create_user_with_role(
                "moderation@asso.fr",
                "Modération",
                Role::Moderateur,
                "http://alliances.test",
            )
            .await
            .unwrap()
            .1
        })
        .await
        .unwrap();
    let mut moderator = Browser::new();
    moderator
        .submit(
            link.trim_start_matches("http://alliances.test"),
            &[("mot_de_passe", "la modération des contenus")],
        )
        .await;
    moderator
        .submit(
            "/compte/connexion",
            &[
                ("email", "moderation@asso.fr"),
                ("mot_de_passe", "la modération des contenus"),
            ],
        )
        .await;
    assert_eq!(
        moderator.get("/admin").await.status,
        403,
        "moderators do not administer"
    );
    let page = moderator.get("/admin/catalyseurs").await;
    assert_eq!(page.status, 200);
    let csrf = page.csrf();
    let unknown = as_refs(&grant(csrf.clone(), "99"));
    let f: Vec<(&str, &str)> = unknown
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let page = moderator.post("/admin/catalyseurs", &f).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("territoire inconnu"));
    let good = as_refs(&grant(csrf, "42"));
    let f: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = moderator.post("/admin/catalyseurs", &f).await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/admin/catalyseurs"))
    );
    assert!(moderator
        .get("/admin/catalyseurs")
        .await
        .body
        .contains("catalyse@asso.fr"));
    let account = candidate.get("/compte").await.body;
    assert!(
        account.contains("Catalyseur de")
            && account.contains("href=\"/territoires/departement/42\"")
    );
}
