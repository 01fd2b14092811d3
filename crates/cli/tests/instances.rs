//! Three `alliances serve` processes on one PostgreSQL database, reached in turn by one client:
//! started together on an empty database (migrations and the referential's first load run
//! once), a session opened on one works on the others and its log-out reaches them, a write on
//! one is found by the others' search within 5 s, and e-mail jobs queued through all three are
//! each sent exactly once. Runs when TEST_DATABASE_URL is set (the PostgreSQL phase of the suite).

mod common;

use common::{attendre, attendre_pret, cli, demarrer, Serveur};
use std::time::Duration;

const MOT_DE_PASSE: &str = "une phrase de passe assez longue 42";

/// A client that keeps the session cookie, whichever instance it talks to.
struct Client {
    http: reqwest::Client,
    cookie: Option<String>,
}

struct Reponse {
    status: u16,
    corps: String,
}

impl Reponse {
    fn csrf(&self) -> String {
        self.corps
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_default()
            .to_string()
    }
}

impl Client {
    fn new() -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    async fn envoyer(&mut self, req: reqwest::RequestBuilder) -> Reponse {
        let req = match &self.cookie {
            Some(c) => req.header("cookie", format!("alliances_session={c}")),
            None => req,
        };
        let res = req.send().await.unwrap();
        for v in res.headers().get_all("set-cookie") {
            if let Some(rest) = v.to_str().unwrap().strip_prefix("alliances_session=") {
                let valeur = rest.split(';').next().unwrap().to_string();
                self.cookie = (!valeur.is_empty()).then_some(valeur);
            }
        }
        Reponse {
            status: res.status().as_u16(),
            corps: res.text().await.unwrap(),
        }
    }

    async fn get(&mut self, base: &str, chemin: &str) -> Reponse {
        let req = self.http.get(format!("{base}{chemin}"));
        self.envoyer(req).await
    }

    /// GETs the form, then POSTs it with its CSRF token (same instance).
    async fn soumettre(&mut self, base: &str, chemin: &str, champs: &[(&str, &str)]) -> Reponse {
        let form = self.get(base, chemin).await;
        assert_eq!(form.status, 200, "{chemin}: {}", form.corps);
        self.poster(base, chemin, &form.csrf(), champs).await
    }

    async fn poster(
        &mut self,
        base: &str,
        chemin: &str,
        csrf: &str,
        champs: &[(&str, &str)],
    ) -> Reponse {
        let mut tous = vec![("_csrf", csrf)];
        tous.extend_from_slice(champs);
        let req = self
            .http
            .post(format!("{base}{chemin}"))
            .header("origin", base)
            .form(&tous);
        self.envoyer(req).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_one_postgresql() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let dir = tempfile::tempdir().unwrap();

    // Started together on an empty database.
    let serveurs: Vec<Serveur> = (0..3).map(|_| demarrer(&url, dir.path())).collect();
    for s in &serveurs {
        attendre_pret(s).await;
    }
    let db = alliances_store::Db::connect(&url, 2).await.unwrap();
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/postgres"
    ))
    .unwrap()
    .count() as i64;
    let appliquees: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(db.pool())
            .await
            .unwrap(),
        0,
    );
    assert_eq!(appliquees, migrations, "each migration applied once");
    let regions: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM territoires WHERE niveau = 'region'")
            .fetch_one(db.pool())
            .await
            .unwrap(),
        0,
    );
    assert_eq!(regions, 26, "the referential loaded once");
    let (a, b, c) = (&serveurs[0].base, &serveurs[1].base, &serveurs[2].base);

    // A session opened on one instance works on the others.
    let sortie = cli(
        &[
            "admin",
            "create-user",
            "--email",
            "admin@example.org",
            "--role",
            "admin",
        ],
        &url,
    );
    let lien = sortie
        .split_whitespace()
        .find(|m| m.starts_with("http"))
        .expect("a link");
    let chemin = &lien[lien.find("/compte").expect("an account path")..];
    let mut client = Client::new();
    let r = client
        .soumettre(a, chemin, &[("mot_de_passe", MOT_DE_PASSE)])
        .await;
    assert!(r.status == 200 || r.status == 303, "{}", r.corps);
    let r = client
        .soumettre(
            b,
            "/compte/connexion",
            &[
                ("email", "admin@example.org"),
                ("mot_de_passe", MOT_DE_PASSE),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.corps);
    for base in [a, b, c] {
        let r = client.get(base, "/compte").await;
        assert_eq!(r.status, 200, "{base}: signed in everywhere");
        assert!(r.corps.contains("admin@example.org"));
    }

    // A write on one instance is found by the others' search within 5 s.
    let jeton = cli(
        &[
            "admin",
            "create-token",
            "--email",
            "admin@example.org",
            "--write",
        ],
        &url,
    );
    let jeton = jeton.trim().to_string();
    let r = reqwest::Client::new()
        .post(format!("{a}/api/v1/organisations"))
        .bearer_auth(&jeton)
        .json(&serde_json::json!({
            "nom": "Collectif Zéphyrin des jardins",
            "profil": "association",
            "codeCommune": "42218",
            "oddPrincipal": 2,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    for base in [b, c] {
        let http = reqwest::Client::new();
        let url_recherche = format!("{base}/api/v1/organisations?q=zephyrin");
        let delai = attendre(Duration::from_secs(5), "search on another instance", || {
            let (http, u) = (http.clone(), url_recherche.clone());
            async move {
                let v: serde_json::Value = http.get(&u).send().await.unwrap().json().await.unwrap();
                v["total"].as_i64() == Some(1)
            }
        })
        .await;
        eprintln!("{base}: found after {delai:?}");
    }

    // Jobs: e-mails queued through the three instances are sent once each.
    let adresses: Vec<String> = (0..9).map(|i| format!("membre{i}@example.org")).collect();
    for (i, adresse) in adresses.iter().enumerate() {
        let base = &serveurs[i % 3].base;
        let mut inconnu = Client::new();
        let r = inconnu
            .soumettre(
                base,
                "/compte/inscription",
                &[
                    ("email", adresse.as_str()),
                    ("nom", "Membre"),
                    ("mot_de_passe", MOT_DE_PASSE),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.corps);
    }
    let outbox = dir.path().join("outbox");
    let compter = |adresse: &str| -> usize {
        std::fs::read_dir(&outbox)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| {
                        std::fs::read_to_string(e.path())
                            .map(|t| t.contains(&format!("To: {adresse}")))
                            .unwrap_or(false)
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    attendre(Duration::from_secs(20), "every e-mail sent", || {
        let tous = adresses.iter().all(|a| compter(a) >= 1);
        async move { tous }
    })
    .await;
    // Give a duplicate the time to appear, then count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for adresse in &adresses {
        assert_eq!(compter(adresse), 1, "{adresse}: exactly one e-mail");
    }

    // A log-out on one instance reaches the others (session caches live 5 s at most).
    let r = client.get(c, "/compte").await;
    let csrf = r.csrf();
    let r = client.poster(c, "/compte/deconnexion", &csrf, &[]).await;
    assert!(r.status == 303 || r.status == 200, "{}", r.corps);
    let cookie = client.cookie.clone();
    for base in [a, b] {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let (base, cookie) = (base.clone(), cookie.clone());
        attendre(Duration::from_secs(7), "log-out seen elsewhere", || {
            let (http, base, cookie) = (http.clone(), base.clone(), cookie.clone());
            async move {
                let mut req = http.get(format!("{base}/compte"));
                if let Some(c) = cookie {
                    req = req.header("cookie", format!("alliances_session={c}"));
                }
                req.send().await.unwrap().status().as_u16() != 200
            }
        })
        .await;
    }
    db.close().await;
}
