//! The kits' JSON API over HTTP against a real server (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set): the catalogue, one definition in any version served, the
//! stateless scoring of a set of answers (every refused answer named by its question), and the
//! token owner's passations and results (401 without a token, 404 for someone else's).

use alliances_app::comptes::NewAccount;
use alliances_app::jetons::Scope;
use alliances_app::kits::Sujet;
use alliances_domain::kits::{Genre, Kit};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;

mod common;

use common::{next_address, server};

/// Runs app calls on the server's runtime (its database pool lives there).
async fn on_server<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> T {
    server().rt.spawn(f).await.unwrap()
}

const PASSWORD: &str = "le vélo bleu du marché";

/// A signed-up, verified account with a read-only token.
async fn jeton(email: &str) -> String {
    let email = email.to_string();
    on_server(async move {
        let app = server().app.clone();
        let s = app
            .sign_up(
                NewAccount {
                    email: &email,
                    name: "Camille",
                    password: PASSWORD,
                },
                "http://x",
            )
            .await
            .unwrap();
        app.verify_email(&s.verification_token).await.unwrap();
        app.create_api_token(s.user_id, "lecture", Scope::Read)
            .await
            .unwrap()
            .1
    })
    .await
}

/// The shipped kit, as the server loaded it.
fn kit(id: &str) -> Arc<Kit> {
    server().app.kits().dernier(id).cloned().expect(id)
}

/// The best answer to every question, as form values.
fn meilleures(kit: &Kit) -> Vec<(String, Vec<String>)> {
    kit.questions
        .iter()
        .map(|q| {
            let valeurs: Vec<String> = match &q.genre {
                Genre::ChoixUnique { options, .. } => {
                    vec![options.iter().max_by_key(|o| o.points).unwrap().id.clone()]
                }
                Genre::ChoixMultiple { options, .. } => {
                    let v: Vec<String> = options
                        .iter()
                        .filter(|o| !o.exclusif && o.points > 0)
                        .map(|o| o.id.clone())
                        .collect();
                    if v.is_empty() {
                        vec![options[0].id.clone()]
                    } else {
                        v
                    }
                }
                Genre::Echelle { .. } => vec!["5".into()],
                Genre::OuiNon { inverse } => vec![if *inverse { "non" } else { "oui" }.into()],
                Genre::Nombre { max, .. } => vec![format!("{max}")],
                Genre::Texte { .. } => vec!["Une réponse libre".into()],
            };
            (q.id.clone(), valeurs)
        })
        .collect()
}

/// The same answers in the JSON shape of the API.
fn meilleures_json(kit: &Kit) -> Value {
    let mut m = serde_json::Map::new();
    for (q, (id, valeurs)) in kit.questions.iter().zip(meilleures(kit)) {
        let v = match &q.genre {
            Genre::ChoixMultiple { .. } => json!(valeurs),
            Genre::Echelle { .. } => json!(valeurs[0].parse::<u8>().unwrap()),
            Genre::Nombre { .. } => json!(valeurs[0].parse::<f64>().unwrap()),
            _ => json!(valeurs[0]),
        };
        m.insert(id, v);
    }
    json!({ "reponses": m })
}

/// The id of the first question of a kind.
fn question_de(kit: &Kit, type_: &str) -> String {
    kit.questions
        .iter()
        .find(|q| {
            matches!(
                (&q.genre, type_),
                (Genre::Echelle { .. }, "echelle")
                    | (Genre::ChoixUnique { .. }, "choix_unique")
                    | (Genre::Nombre { .. }, "nombre")
                    | (Genre::OuiNon { .. }, "oui_non")
            )
        })
        .unwrap_or_else(|| panic!("{} has no {type_} question", kit.id))
        .id
        .clone()
}

/// An answer: status, the headers we look at, the JSON body (`Null` when empty).
#[derive(Debug)]
struct R {
    status: u16,
    content_type: String,
    www_authenticate: bool,
    body: Value,
}

impl R {
    /// The fields named in a problem's `errors`.
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

    fn message(&self, champ: &str) -> String {
        self.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["champ"] == champ)
            .map(|e| e["message"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    }

    fn is_problem(&self, status: u16) -> bool {
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
                .redirect(reqwest::redirect::Policy::none())
                .local_address(next_address())
                .build()
                .unwrap(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> R {
        let res = req.send().await.unwrap();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let www_authenticate = res.headers().contains_key("www-authenticate");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
        };
        R {
            status,
            content_type,
            www_authenticate,
            body,
        }
    }

    fn url(path: &str) -> String {
        format!("{}{}", server().base, path)
    }

    async fn get(&self, path: &str, token: Option<&str>) -> R {
        let mut req = self.http.get(Self::url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    /// A GET that must succeed with JSON.
    async fn ok(&self, path: &str) -> Value {
        let r = self.get(path, None).await;
        assert_eq!(r.status, 200, "{path}: {:?}", r.body);
        assert!(r.content_type.starts_with("application/json"), "{path}");
        r.body
    }

    async fn post(&self, path: &str, body: &Value) -> R {
        self.send(self.http.post(Self::url(path)).json(body)).await
    }

    async fn post_raw(&self, path: &str, content_type: &str, body: impl Into<String>) -> R {
        let req = self
            .http
            .post(Self::url(path))
            .header("content-type", content_type)
            .body(body.into());
        self.send(req).await
    }
}

const SCORE: &str = "/api/v1/kits/odd17-en-pratique/score";

#[tokio::test]
async fn the_catalogue_lists_the_shipped_kits() {
    let c = Client::new();
    let l = c.ok("/api/v1/kits").await;
    let resultats = l["resultats"].as_array().unwrap();
    assert_eq!(l["total"], resultats.len());
    assert_eq!(l["suivant"], Value::Null);
    let ids: Vec<&str> = resultats
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    let mut attendus = vec![
        "odd17-en-pratique",
        "sortie-de-crise-en-territoire",
        "evaluation-partenariat",
    ];
    if server().app.kits().dernier("impact-collectif").is_some() {
        attendus.push("impact-collectif");
    }
    for id in attendus {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    // In id order, one entry per kit.
    let mut tries = ids.clone();
    tries.sort_unstable();
    tries.dedup();
    assert_eq!(tries, ids);
    for k in resultats {
        let version = k["version"].as_u64().unwrap();
        assert!(version >= 1, "{k}");
        let versions: Vec<u64> = k["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(versions.last(), Some(&version), "the latest: {k}");
        assert!(k["titre"].as_str().is_some_and(|t| !t.is_empty()), "{k}");
        assert!(
            ["organisation", "territoire", "alliance", "partenariat"]
                .contains(&k["public"].as_str().unwrap()),
            "{k}"
        );
        assert!(k["dureeMinutes"].as_u64().unwrap() > 0, "{k}");
        assert!(k["resume"].as_str().is_some_and(|t| !t.is_empty()), "{k}");
        assert!(k["licence"].as_str().is_some_and(|t| !t.is_empty()), "{k}");
        let date = k["date"].as_str().unwrap();
        assert!(
            date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
            "{k}"
        );
        assert!(k["nombreQuestions"].as_u64().unwrap() > 0, "{k}");
        // No definition in the list.
        assert!(k.get("sections").is_none(), "{k}");
    }
    let odd17 = resultats
        .iter()
        .find(|k| k["id"] == "odd17-en-pratique")
        .unwrap();
    assert_eq!(odd17["public"], "organisation");
    assert_eq!(
        odd17["nombreQuestions"],
        kit("odd17-en-pratique").questions.len()
    );
    assert_eq!(odd17["url"], "/kits/odd17-en-pratique");

    let r = c.get("/api/v1/kits?limit=5", None).await;
    assert!(r.is_problem(400), "{r:?}");
    assert_eq!(r.champs(), vec!["limit"]);
}

#[tokio::test]
async fn a_definition_in_any_version_served() {
    let c = Client::new();
    let k = kit("odd17-en-pratique");
    let d = c.ok("/api/v1/kits/odd17-en-pratique").await;
    assert_eq!(d["id"], "odd17-en-pratique");
    assert_eq!(d["version"], k.version);
    assert_eq!(d["titre"], k.titre.as_str());
    assert_eq!(d["niveaux"].as_array().unwrap().len(), 4);
    assert_eq!(d["niveaux"][0]["min"], 0.0);
    assert_eq!(
        d["dimensions"].as_array().unwrap().len(),
        k.dimensions.len()
    );
    assert!(!d["recommandations"].as_array().unwrap().is_empty());
    let sections = d["sections"].as_array().unwrap();
    assert_eq!(sections.len(), k.sections.len());
    let questions: Vec<&Value> = sections
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap())
        .collect();
    assert_eq!(questions.len(), k.questions.len());
    assert_eq!(d["nombreQuestions"], questions.len());
    for q in &questions {
        let type_ = q["type"].as_str().unwrap();
        match type_ {
            "choix_unique" | "choix_multiple" => {
                assert!(q["options"].as_array().unwrap().len() >= 2, "{q}")
            }
            "echelle" => assert!(q["libelleMin"].is_string() && q["libelleMax"].is_string()),
            "oui_non" => assert!(q["inverse"].is_boolean(), "{q}"),
            "nombre" => assert!(q["min"].is_number() && q["max"].is_number(), "{q}"),
            "texte" => assert!(q["maxLongueur"].is_number(), "{q}"),
            other => panic!("unknown type {other}"),
        }
        // Missing values are null, not absent.
        assert!(
            q.get("aide").is_some() && q.get("dimension").is_some(),
            "{q}"
        );
        assert!(q.get("condition").is_some(), "{q}");
    }
    // The version asked for explicitly.
    let v1 = c.ok("/api/v1/kits/odd17-en-pratique?version=1").await;
    assert_eq!(v1["version"], 1);

    for path in [
        "/api/v1/kits/inconnu",
        "/api/v1/kits/inconnu?version=1",
        "/api/v1/kits/odd17-en-pratique?version=99",
    ] {
        let r = c.get(path, None).await;
        assert!(r.is_problem(404), "{path}: {r:?}");
        assert_eq!(r.body["status"], 404);
    }
    for path in [
        "/api/v1/kits/odd17-en-pratique?version=0",
        "/api/v1/kits/odd17-en-pratique?version=abc",
        "/api/v1/kits/odd17-en-pratique?version=1&version=1",
        "/api/v1/kits/odd17-en-pratique?foo=1",
    ] {
        let r = c.get(path, None).await;
        assert!(r.is_problem(400), "{path}: {r:?}");
    }
}

#[tokio::test]
async fn scoring_a_full_and_an_empty_set_of_answers() {
    let c = Client::new();
    for id in [
        "odd17-en-pratique",
        "sortie-de-crise-en-territoire",
        "evaluation-partenariat",
    ] {
        let k = kit(id);
        let path = format!("/api/v1/kits/{id}/score");
        let r = c.post(&path, &meilleures_json(&k)).await;
        assert_eq!(r.status, 200, "{id}: {:?}", r.body);
        let b = &r.body;
        assert_eq!(b["kitId"], id);
        assert_eq!(b["kitVersion"], k.version);
        let global = b["scoreGlobal"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&global), "{id}: {global}");
        assert!(global > 50.0, "{id}: the best answers score {global}");
        assert!(b["niveau"]["id"].is_string() && b["niveau"]["titre"].is_string());
        assert!(b["repondues"].as_u64().unwrap() > 0);
        assert!(b["repondues"].as_u64() <= b["affichees"].as_u64());
        let dims = b["dimensions"].as_array().unwrap();
        assert_eq!(dims.len(), k.dimensions.len());
        for d in dims {
            let s = d["score"].as_f64().unwrap();
            assert!((0.0..=100.0).contains(&s), "{d}");
            assert!(d["niveau"]["id"].is_string(), "{d}");
            assert!(d["titre"].is_string(), "{d}");
            let recos = d["recommandations"].as_array().unwrap();
            assert!(!recos.is_empty(), "every level has a recommendation: {d}");
            for x in recos {
                assert!(x["titre"].is_string() && x["texte"].is_string(), "{x}");
                for l in x["liens"].as_array().unwrap() {
                    assert!(l["type"].is_string() && l["valeur"].is_string(), "{l}");
                    assert!(l["libelle"].is_string(), "{l}");
                }
            }
        }

        // No answer at all: 0 everywhere, the first level.
        for body in [json!({"reponses": {}}), json!({})] {
            let r = c.post(&path, &body).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            assert_eq!(r.body["scoreGlobal"], 0.0, "{id}");
            assert_eq!(r.body["niveau"]["id"], k.niveaux[0].id.as_str());
            assert_eq!(r.body["repondues"], 0);
            for d in r.body["dimensions"].as_array().unwrap() {
                assert_eq!(d["score"], 0.0, "{d}");
                assert!(!d["recommandations"].as_array().unwrap().is_empty());
            }
        }
    }
    // The version in the query.
    let r = c
        .post(&format!("{SCORE}?version=1"), &json!({"reponses": {}}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["kitVersion"], 1);
}

#[tokio::test]
async fn refused_answers_are_named_by_their_question() {
    let c = Client::new();
    let k = kit("odd17-en-pratique");
    let echelle = question_de(&k, "echelle");
    let choix = question_de(&k, "choix_unique");

    // An unknown question.
    let r = c
        .post(SCORE, &json!({"reponses": {"q-inconnue": "oui"}}))
        .await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec!["q-inconnue"]);
    assert!(r.message("q-inconnue").contains("inconnue"), "{r:?}");
    // `5.0` is the number 5.
    let r = c.post(SCORE, &json!({"reponses": {&echelle: 5.0}})).await;
    assert_eq!(r.status, 200, "{r:?}");
    // Out of range.
    let r = c.post(SCORE, &json!({"reponses": {&echelle: 9}})).await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec![echelle.clone()]);
    assert!(r.message(&echelle).contains("1 à 5"), "{r:?}");
    // An unknown option.
    let r = c.post(SCORE, &json!({"reponses": {&choix: "zzz"}})).await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec![choix.clone()]);
    // The wrong type.
    let r = c
        .post(SCORE, &json!({"reponses": {&echelle: {"a": 1}}}))
        .await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec![echelle.clone()]);
    let r = c.post(SCORE, &json!({"reponses": {&echelle: true}})).await;
    assert_eq!(r.champs(), vec![echelle.clone()]);
    // Every error at once.
    let r = c
        .post(
            SCORE,
            &json!({"reponses": {&echelle: 0, &choix: ["a", "b"], "nope": 1}}),
        )
        .await;
    assert!(r.is_problem(422), "{r:?}");
    let mut champs = r.champs();
    champs.sort();
    let mut attendus = vec![echelle.clone(), choix.clone(), "nope".to_string()];
    attendus.sort();
    assert_eq!(champs, attendus);

    // The body itself.
    let r = c.post(SCORE, &json!({"reponses": {}, "autre": 1})).await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec!["autre"]);
    let r = c.post(SCORE, &json!({"reponses": [1, 2]})).await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec!["reponses"]);
    for bad in ["{\"reponses\": ", "", "[1, 2]", "nope"] {
        let r = c.post_raw(SCORE, "application/json", bad).await;
        assert!(r.is_problem(400), "{bad}: {r:?}");
    }
    let r = c.post_raw(SCORE, "text/plain", "{}").await;
    assert!(r.is_problem(415), "{r:?}");
    // Bounded by the API's body limit.
    let grand = format!(
        "{{\"reponses\": {{\"{echelle}\": \"{}\"}}}}",
        "x".repeat(100_000)
    );
    let r = c.post_raw(SCORE, "application/json", grand).await;
    assert_eq!(r.status, 413, "{r:?}");

    // Unknown kit or version.
    let r = c
        .post("/api/v1/kits/inconnu/score", &json!({"reponses": {}}))
        .await;
    assert!(r.is_problem(404), "{r:?}");
    let r = c
        .post(&format!("{SCORE}?version=99"), &json!({"reponses": {}}))
        .await;
    assert!(r.is_problem(404), "{r:?}");
    let r = c.get(SCORE, None).await;
    assert_eq!(r.status, 405, "{r:?}");
}

#[tokio::test]
async fn ones_own_passations_and_results_with_a_token() {
    let c = Client::new();
    // Without a token, or with a bad one.
    for token in [None, Some("alliances_0000"), Some("autre")] {
        for path in ["/api/v1/kits/resultats", "/api/v1/kits/resultats/abc"] {
            let r = c.get(path, token).await;
            assert!(r.is_problem(401), "{path} {token:?}: {r:?}");
            assert!(r.www_authenticate);
        }
    }

    let token = jeton("passations@kits.fr").await;
    let l = c.get("/api/v1/kits/resultats", Some(&token)).await;
    assert_eq!(l.status, 200, "{:?}", l.body);
    assert_eq!(l.body["total"], 0);
    assert_eq!(l.body["resultats"], json!([]));

    // One completed passation with the best answers, one in progress.
    let k = kit("odd17-en-pratique");
    let (cle, en_cours) = {
        let token = token.clone();
        let k = Arc::clone(&k);
        on_server(async move {
            let app = server().app.clone();
            let user = app.api_caller(&token).await.unwrap().unwrap().user;
            let cle = app
                .commencer_kit(&user, "odd17-en-pratique", Sujet::Personnel)
                .await
                .unwrap();
            let toutes = meilleures(&k);
            for (s, section) in k.sections.iter().enumerate() {
                let champs: Vec<(String, Vec<String>)> = toutes[section.questions.clone()].to_vec();
                app.enregistrer_section(&user, &cle, s, &champs, s + 1)
                    .await
                    .unwrap();
            }
            let cle = app.terminer_kit(&user, &cle).await.unwrap();
            let en_cours = app
                .commencer_kit(&user, "odd17-en-pratique", Sujet::Personnel)
                .await
                .unwrap();
            (cle, en_cours)
        })
        .await
    };

    let l = c.get("/api/v1/kits/resultats", Some(&token)).await;
    assert_eq!(l.status, 200, "{:?}", l.body);
    assert_eq!(l.body["total"], 2);
    let items = l.body["resultats"].as_array().unwrap();
    let fini = items.iter().find(|p| p["cle"] == cle.as_str()).unwrap();
    let pas_fini = items
        .iter()
        .find(|p| p["cle"] == en_cours.as_str())
        .unwrap();
    assert_eq!(fini["kitId"], "odd17-en-pratique");
    assert_eq!(fini["kitVersion"], k.version);
    assert_eq!(fini["titre"], k.titre.as_str());
    assert_eq!(
        fini["sujet"],
        json!({"type": "personnel", "code": null, "nom": null})
    );
    assert_eq!(fini["terminee"], true);
    for champ in ["dateDebut", "dateMiseAJour", "dateFin"] {
        let d = fini[champ].as_str().unwrap();
        assert!(
            d.len() == 20 && d.ends_with('Z') && d.as_bytes()[10] == b'T',
            "{d}"
        );
    }
    let global = fini["scoreGlobal"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&global));
    assert!(fini["niveau"]["id"].is_string());
    assert_eq!(pas_fini["terminee"], false);
    assert_eq!(pas_fini["dateFin"], Value::Null);
    assert_eq!(pas_fini["scoreGlobal"], Value::Null);
    assert_eq!(pas_fini["niveau"], Value::Null);

    // The stored result agrees with the stateless score of the same answers.
    let sans_etat = c.post(SCORE, &meilleures_json(&k)).await;
    assert_eq!(sans_etat.status, 200);
    assert_eq!(sans_etat.body["scoreGlobal"], global);

    let path = format!("/api/v1/kits/resultats/{cle}");
    let r = c.get(&path, Some(&token)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["cle"], cle.as_str());
    assert_eq!(r.body["scoreGlobal"], global);
    assert_eq!(r.body["dimensions"], sans_etat.body["dimensions"]);
    assert_eq!(r.body["repondues"], sans_etat.body["repondues"]);
    assert_eq!(r.body["pairs"], Value::Null);
    let reponses = r.body["reponses"].as_object().unwrap();
    assert!(!reponses.is_empty());
    // The answers read back score the same.
    let encore = c.post(SCORE, &json!({ "reponses": reponses })).await;
    assert_eq!(encore.body["scoreGlobal"], global);

    // A passation in progress has no result yet.
    let r = c
        .get(&format!("/api/v1/kits/resultats/{en_cours}"), Some(&token))
        .await;
    assert!(r.is_problem(409), "{r:?}");
    // Unknown, or someone else's: 404 alike.
    let r = c.get("/api/v1/kits/resultats/inconnu", Some(&token)).await;
    assert!(r.is_problem(404), "{r:?}");
    let autre = jeton("autre-passations@kits.fr").await;
    let r = c.get(&path, Some(&autre)).await;
    assert!(r.is_problem(404), "{r:?}");
    let l = c.get("/api/v1/kits/resultats", Some(&autre)).await;
    assert_eq!(l.body["total"], 0);
    // Parameters are checked.
    let r = c.get("/api/v1/kits/resultats?limit=3", Some(&token)).await;
    assert!(r.is_problem(400), "{r:?}");
}

#[tokio::test]
async fn the_openapi_document_lists_the_kits() {
    let c = Client::new();
    let doc = c.ok("/api/openapi.json").await;
    let paths = &doc["paths"];
    assert!(paths["/api/v1/kits"]["get"].is_object());
    assert!(paths["/api/v1/kits/{id}"]["get"].is_object());
    assert!(paths["/api/v1/kits/{id}/score"]["post"]["requestBody"].is_object());
    assert!(paths["/api/v1/kits/{id}/score"]["post"]["responses"]["422"].is_object());
    assert!(paths["/api/v1/kits/resultats"]["get"]["security"].is_array());
    assert!(paths["/api/v1/kits/resultats/{cle}"]["get"]["responses"]["401"].is_object());
    let schemas = &doc["components"]["schemas"];
    for s in [
        "KitResume",
        "KitDefinition",
        "QuestionKit",
        "ReponsesKit",
        "ResultatKit",
        "PassationResume",
        "ResultatPassation",
    ] {
        assert!(schemas[s].is_object(), "{s}");
    }
}
