//! Contact requests over the JSON API against a real server (SQLite, or PostgreSQL with
//! TEST_DATABASE_URL): `POST /api/v1/organisations/{id}/demandes-contact` with a write token
//! (401, 403, 404, 415, 400, 422 for bad input, an opted-out target and a duplicate, 429 with
//! `Retry-After` at the daily limit) and the lists for members only, with their cursor.

use alliances_app::comptes::{CurrentUser, NewAccount};
use alliances_app::jetons::Scope;
use alliances_domain::annuaire::OrganisationSaisie;
use alliances_domain::contacts::LIMITE_PAR_JOUR;
use serde_json::{json, Value};
use std::future::Future;

mod common;

use common::{next_address, server};

const PASSWORD: &str = "le vélo bleu du marché";
const MESSAGE: &str =
    "Bonjour, nous cherchons une entreprise partenaire pour nos chantiers d'insertion.";

async fn on_server<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> T {
    server().rt.spawn(f).await.unwrap()
}

/// A verified account with a read-write and a read-only token.
struct Compte {
    user: CurrentUser,
    rw: String,
    ro: String,
}

async fn compte(email: &str) -> Compte {
    let email = email.to_string();
    on_server(async move {
        let app = server().app.clone();
        let s = app
            .sign_up(
                NewAccount {
                    email: &email,
                    name: "Membre",
                    password: PASSWORD,
                },
                "http://x",
            )
            .await
            .unwrap();
        app.verify_email(&s.verification_token).await.unwrap();
        let rw = app
            .create_api_token(s.user_id, "écriture", Scope::ReadWrite)
            .await
            .unwrap()
            .1;
        let ro = app
            .create_api_token(s.user_id, "lecture", Scope::Read)
            .await
            .unwrap()
            .1;
        let user = app.current_user(s.user_id).await.unwrap().unwrap();
        Compte { user, rw, ro }
    })
    .await
}

async fn organisation(owner: &Compte, nom: &str) -> i64 {
    let (u, nom) = (owner.user.clone(), nom.to_string());
    on_server(async move {
        let s = OrganisationSaisie {
            nom,
            profil: "association".into(),
            code_commune: Some("42218".into()),
            ..Default::default()
        };
        server().app.creer_organisation(&u, &s).await.unwrap().0
    })
    .await
}

#[derive(Debug)]
struct R {
    status: u16,
    content_type: String,
    retry_after: Option<String>,
    body: Value,
}

impl R {
    fn champs(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["champ"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
    fn probleme(&self, status: u16) -> bool {
        self.status == status && self.content_type == "application/problem+json"
    }
}

struct Client {
    http: reqwest::Client,
}

impl Client {
    fn new() -> Self {
        Client {
            http: reqwest::Client::builder()
                .local_address(next_address())
                .build()
                .unwrap(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder, token: Option<&str>) -> R {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let res = req.send().await.unwrap();
        let h = |n: &str| {
            res.headers()
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let (content_type, retry_after) = (h("content-type").unwrap_or_default(), h("retry-after"));
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        R {
            status,
            content_type,
            retry_after,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> R {
        self.send(self.http.get(format!("{}{path}", server().base)), token)
            .await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> R {
        self.send(
            self.http
                .post(format!("{}{path}", server().base))
                .json(body),
            token,
        )
        .await
    }
}

fn chemin(id: i64) -> String {
    format!("/api/v1/organisations/{id}/demandes-contact")
}

#[tokio::test]
async fn sending_through_the_api() {
    let c = Client::new();
    let alice = compte("alice@api-contacts.fr").await;
    let bob = compte("bob@api-contacts.fr").await;
    let eve = compte("eve@api-contacts.fr").await;
    let a = organisation(&alice, "Chantiers d'insertion").await;
    let b = organisation(&bob, "Menuiserie solidaire").await;
    let corps = json!({"de": a, "message": MESSAGE});

    // Authentication and rights.
    let r = c.post(&chemin(b), None, &corps).await;
    assert!(r.probleme(401), "{r:?}");
    let r = c.post(&chemin(b), Some(&alice.ro), &corps).await;
    assert!(r.probleme(403), "{r:?}");
    let r = c.post(&chemin(b), Some(&eve.rw), &corps).await;
    assert!(
        r.probleme(403),
        "not a member of the writing organisation: {r:?}"
    );
    let r = c.post(&chemin(999_999), Some(&alice.rw), &corps).await;
    assert!(r.probleme(404), "{r:?}");
    let r = c
        .post(
            "/api/v1/organisations/abc/demandes-contact",
            Some(&alice.rw),
            &corps,
        )
        .await;
    assert!(r.probleme(404), "{r:?}");

    // Bad input.
    let r = c
        .send(
            c.http
                .post(format!("{}{}", server().base, chemin(b)))
                .header("content-type", "text/plain")
                .body("bonjour"),
            Some(&alice.rw),
        )
        .await;
    assert!(r.probleme(415), "{r:?}");
    let r = c
        .send(
            c.http
                .post(format!("{}{}", server().base, chemin(b)))
                .header("content-type", "application/json")
                .body("{\"de\":"),
            Some(&alice.rw),
        )
        .await;
    assert!(r.probleme(400), "{r:?}");
    let r = c
        .post(
            &chemin(b),
            Some(&alice.rw),
            &json!({"de": a, "message": MESSAGE, "urgent": true}),
        )
        .await;
    assert!(r.probleme(422), "{r:?}");
    let r = c
        .post(
            &chemin(b),
            Some(&alice.rw),
            &json!({"de": a, "message": "Salut"}),
        )
        .await;
    assert!(r.probleme(422), "{r:?}");
    assert_eq!(r.champs(), vec!["message"]);
    let r = c
        .post(
            &chemin(a),
            Some(&alice.rw),
            &json!({"de": a, "message": MESSAGE}),
        )
        .await;
    assert!(r.probleme(422), "{r:?}");
    assert_eq!(r.champs(), vec!["vers"]);

    // Sent.
    let r = c.post(&chemin(b), Some(&alice.rw), &corps).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.body["etat"], "envoyee");
    assert_eq!(r.body["de"]["id"], a);
    assert_eq!(r.body["vers"]["nom"], "Menuiserie solidaire");
    assert_eq!(r.body["message"], MESSAGE);
    assert!(r.body["dateEnvoi"].as_str().unwrap().ends_with('Z'));
    assert!(r.body["dateReponse"].is_null());
    let id = r.body["id"].as_i64().unwrap();

    // The identical request while the first is open.
    let r = c.post(&chemin(b), Some(&alice.rw), &corps).await;
    assert!(r.probleme(422), "{r:?}");
    assert_eq!(r.champs(), vec!["vers"]);
    assert!(r.body["detail"].as_str().unwrap().contains(&id.to_string()));

    // An organisation that opted out.
    let (u, bb) = (bob.user.clone(), b);
    on_server(async move {
        server()
            .app
            .definir_contactable(&u, bb, false)
            .await
            .unwrap()
    })
    .await;
    let a2 = organisation(&alice, "Autre chantier").await;
    let r = c
        .post(
            &chemin(b),
            Some(&alice.rw),
            &json!({"de": a2, "message": MESSAGE}),
        )
        .await;
    assert!(r.probleme(422), "{r:?}");
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("ne pas être contactée"));
}

#[tokio::test]
async fn lists_for_members_and_the_daily_limit() {
    let c = Client::new();
    let carole = compte("carole@api-contacts.fr").await;
    let dan = compte("dan@api-contacts.fr").await;
    let d = organisation(&dan, "Réseau d'entraide").await;
    let mut cibles = Vec::new();
    for i in 0..=LIMITE_PAR_JOUR {
        cibles.push(organisation(&carole, &format!("Structure {i}")).await);
    }
    for vers in &cibles[..LIMITE_PAR_JOUR as usize] {
        let r = c
            .post(
                &chemin(*vers),
                Some(&dan.rw),
                &json!({"de": d, "message": MESSAGE}),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
    }
    let derniere = cibles[LIMITE_PAR_JOUR as usize];
    let r = c
        .post(
            &chemin(derniere),
            Some(&dan.rw),
            &json!({"de": d, "message": MESSAGE}),
        )
        .await;
    assert!(r.probleme(429), "{r:?}");
    let attente: i64 = r.retry_after.as_deref().unwrap().parse().unwrap();
    assert!(attente > 23 * 3600 && attente <= 24 * 3600, "{attente}");

    // Lists: the sender's sent requests, paginated with the cursor.
    let r = c
        .get(
            &format!("{}?sens=envoyees&limit=4", chemin(d)),
            Some(&dan.ro),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["total"], LIMITE_PAR_JOUR);
    assert_eq!(r.body["resultats"].as_array().unwrap().len(), 4);
    let premiers: Vec<i64> = r.body["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert!(premiers.windows(2).all(|w| w[0] > w[1]), "newest first");
    let suivant = r.body["suivant"].as_str().unwrap().to_string();
    let r = c
        .get(
            &format!("{}?sens=envoyees&limit=4&apres={suivant}", chemin(d)),
            Some(&dan.ro),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let suite = r.body["resultats"][0]["id"].as_i64().unwrap();
    assert!(suite < *premiers.last().unwrap());
    // The target's received requests, for its members only.
    let vers = cibles[0];
    let r = c.get(&chemin(vers), Some(&carole.ro)).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["resultats"][0]["de"]["nom"], "Réseau d'entraide");
    assert!(r.body["suivant"].is_null());
    let r = c
        .get(&format!("{}?etat=acceptee", chemin(vers)), Some(&carole.ro))
        .await;
    assert_eq!(r.body["total"], 0);
    assert!(c.get(&chemin(vers), Some(&dan.ro)).await.probleme(403));
    assert!(c.get(&chemin(vers), None).await.probleme(401));
    for q in [
        "sens=autre",
        "etat=inconnu",
        "limit=0",
        "limit=101",
        "apres=x",
        "page=2",
    ] {
        let r = c
            .get(&format!("{}?{q}", chemin(vers)), Some(&carole.ro))
            .await;
        assert!(r.probleme(400), "{q}: {r:?}");
    }
}
