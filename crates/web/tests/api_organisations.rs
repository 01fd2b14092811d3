//! The annuaire's JSON API over HTTP against a real server (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set): faceted search with cursor pagination, one organisation (public
//! and member views), creation and edition with bearer tokens and `If-Match`, offers and needs —
//! and the rights: 401 without a token, 403 with a read-only one or for a member of another
//! organisation (no IDOR).

use alliances_app::comptes::NewAccount;
use alliances_app::jetons::Scope;
use alliances_domain::comptes::Role;
use serde_json::{json, Value};
use std::future::Future;

mod common;

use common::{next_address, server};

/// Runs app calls on the server's runtime (its database pool lives there).
async fn on_server<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> T {
    server().rt.spawn(f).await.unwrap()
}

/// A user with a read-write and a read-only token.
struct Compte {
    id: i64,
    rw: String,
    ro: String,
}

const PASSWORD: &str = "le vélo bleu du marché";

/// A signed-up account, its address verified or not, with a platform role or none.
async fn compte(email: &str, verifie: bool, role: Option<Role>) -> Compte {
    let email = email.to_string();
    on_server(async move {
        let app = server().app.clone();
        let id = match role {
            Some(role) => {
                app.create_user_with_role(&email, "Modération", role, "http://x")
                    .await
                    .unwrap()
                    .0
            }
            None => {
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
                if verifie {
                    app.verify_email(&s.verification_token).await.unwrap();
                }
                s.user_id
            }
        };
        let rw = app
            .create_api_token(id, "écriture", Scope::ReadWrite)
            .await
            .unwrap()
            .1;
        let ro = app
            .create_api_token(id, "lecture", Scope::Read)
            .await
            .unwrap()
            .1;
        Compte { id, rw, ro }
    })
    .await
}

/// An answer: status, the headers we look at, the JSON body (`Null` when empty).
#[derive(Debug)]
struct R {
    status: u16,
    content_type: String,
    etag: Option<String>,
    location: Option<String>,
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

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> R {
        let mut req = self
            .http
            .request(method, format!("{}{}", server().base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        let h = |name: &str| {
            res.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let (content_type, etag, location) = (
            h("content-type").unwrap_or_default(),
            h("etag"),
            h("location"),
        );
        let www_authenticate = res.headers().contains_key("www-authenticate");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}"))
        };
        R {
            status,
            content_type,
            etag,
            location,
            www_authenticate,
            body,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> R {
        self.send(reqwest::Method::GET, path, token, None, &[])
            .await
    }

    /// A GET that must succeed with JSON.
    async fn ok(&self, path: &str) -> Value {
        let r = self.get(path, None).await;
        assert_eq!(r.status, 200, "{path}: {:?}", r.body);
        assert!(r.content_type.starts_with("application/json"), "{path}");
        r.body
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> R {
        self.send(reqwest::Method::POST, path, token, Some(body), &[])
            .await
    }

    async fn put(&self, path: &str, token: Option<&str>, version: Option<&str>, body: &Value) -> R {
        let h: Vec<(&str, &str)> = version.map(|v| ("if-match", v)).into_iter().collect();
        self.send(reqwest::Method::PUT, path, token, Some(body), &h)
            .await
    }

    async fn delete(&self, path: &str, token: Option<&str>) -> R {
        self.send(reqwest::Method::DELETE, path, token, None, &[])
            .await
    }

    /// Creates an organisation through the API; returns its id.
    async fn creer(&self, token: &str, body: Value) -> i64 {
        let r = self.post("/api/v1/organisations", Some(token), &body).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_i64().unwrap()
    }
}

fn asso(nom: &str, commune: &str) -> Value {
    json!({
        "nom": nom,
        "profil": "association",
        "codeCommune": commune,
        "oddPrincipal": 4,
        "description": "Soutien scolaire et éducation populaire",
    })
}

fn offre(titre: &str, nature: &str) -> Value {
    json!({"sens": "offre", "nature": nature, "titre": titre, "odd": [4]})
}

fn ids(v: &Value) -> Vec<i64> {
    v["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn search_with_facets_and_cursor_pagination() {
    let c = Client::new();
    let owner = compte("recherche@asso.fr", true, None).await;
    let a = c
        .creer(&owner.rw, asso("Zorglub Lecture Solidaire", "42218"))
        .await;
    let mut b = asso("Les Amis de Zorglub", "69123");
    b["oddPrincipal"] = json!(3);
    let b = c.creer(&owner.rw, b).await;
    let e = c
        .creer(
            &owner.rw,
            json!({
                "nom": "Zorglub Conseil",
                "profil": "entreprise",
                "codeCommune": "42218",
                "oddPrincipal": 4,
                "oddSecondaires": [13],
                "contactsPrives": "06 00 00 00 00",
            }),
        )
        .await;
    let r = c
        .post(
            &format!("/api/v1/organisations/{e}/ressources"),
            Some(&owner.rw),
            &offre("Mécénat de compétences en comptabilité", "competences"),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    let l = c.ok("/api/v1/organisations?q=zorglub").await;
    assert_eq!(l["total"], 3);
    let mut found = ids(&l);
    found.sort_unstable();
    assert_eq!(found, vec![a, b, e]);
    assert_eq!(l["suivant"], Value::Null);
    let f = &l["facettes"];
    assert_eq!(f["profil"]["association"], 2);
    assert_eq!(f["profil"]["entreprise"], 1);
    assert_eq!(f["profil"]["media"], 0);
    assert_eq!(f["odd"]["4"], 2);
    assert_eq!(f["odd"]["3"], 1);
    assert_eq!(f["odd"]["13"], 1);
    assert_eq!(f["odd"].as_object().unwrap().len(), 17);
    assert_eq!(f["offres"]["competences"], 1);
    assert_eq!(f["besoins"]["competences"], 0);
    assert_eq!(f["fraicheur"]["aJour"], 3);
    assert_eq!(f["fraicheur"]["aVerifier"], 0);
    // Results carry the public fields only.
    for o in l["resultats"].as_array().unwrap() {
        assert!(o.get("contactsPrives").is_none(), "{o}");
        assert!(o["nom"].as_str().unwrap().contains("Zorglub"));
        assert_eq!(o["aVerifier"], false);
        assert_eq!(o["provenance"]["source"], "saisie");
    }
    let conseil = l["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == e)
        .unwrap();
    assert_eq!(conseil["codeDepartement"], "42");
    assert_eq!(conseil["nomCommune"], "Saint-Étienne");
    assert_eq!(conseil["oddSecondaires"], json!([13]));

    // Cursor pagination: two pages, no overlap, the last one without `suivant`.
    let p1 = c.ok("/api/v1/organisations?q=zorglub&limit=2").await;
    assert_eq!(ids(&p1).len(), 2);
    assert_eq!(p1["total"], 3);
    let cursor = p1["suivant"].as_str().expect("a next page").to_string();
    let p2 = c
        .ok(&format!(
            "/api/v1/organisations?q=zorglub&limit=2&apres={cursor}"
        ))
        .await;
    assert_eq!(ids(&p2).len(), 1);
    assert_eq!(p2["suivant"], Value::Null);
    let mut all = ids(&p1);
    all.extend(ids(&p2));
    all.sort_unstable();
    assert_eq!(all, vec![a, b, e]);
    // The same order as the single page.
    let mut paged = ids(&p1);
    paged.extend(ids(&p2));
    assert_eq!(paged, ids(&l));

    // Facets filter (AND between facets, OR inside one) and count over the filtered matches.
    let count = |q: &'static str| {
        let c = &c;
        async move { c.ok(&format!("/api/v1/organisations?q=zorglub&{q}")).await }
    };
    let l = count("profil=association").await;
    assert_eq!(
        (
            l["total"].as_u64(),
            l["facettes"]["profil"]["entreprise"].as_u64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(count("profil=association,entreprise").await["total"], 3);
    assert_eq!(
        count("profil=association&profil=entreprise").await["total"],
        3
    );
    assert_eq!(ids(&count("odd=3").await), vec![b]);
    assert_eq!(count("odd=3,13").await["total"], 2);
    assert_eq!(ids(&count("offre=competences").await), vec![e]);
    assert_eq!(count("besoin=competences").await["total"], 0);
    let mut in42 = ids(&count("territoire=departement:42").await);
    in42.sort_unstable();
    assert_eq!(in42, vec![a, e]);
    assert_eq!(count("territoire=region:84").await["total"], 3);
    assert_eq!(ids(&count("territoire=commune:69123").await), vec![b]);
    assert_eq!(
        count("profil=association&territoire=departement:42").await["total"],
        1
    );
    assert_eq!(count("fraicheur=a-jour").await["total"], 3);
    assert_eq!(count("fraicheur=a-verifier").await["total"], 0);
    assert_eq!(count("actives=oui&demo=non").await["total"], 3);

    // Depth is capped: no page after the 10,000th result, even with a forged cursor.
    let deep = c
        .ok("/api/v1/organisations?q=zorglub&limit=20&apres=o9990")
        .await;
    assert_eq!(deep["suivant"], Value::Null);
    let beyond = c.ok("/api/v1/organisations?q=zorglub&apres=o10000").await;
    assert_eq!(beyond["resultats"], json!([]));
    assert_eq!(beyond["suivant"], Value::Null);
    assert_eq!(beyond["total"], 3);

    // Bad parameters are named.
    for (q, champ) in [
        ("apres=abc", "apres"),
        ("apres=o-3", "apres"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("inconnu=1", "inconnu"),
        ("profil=pirate", "profil"),
        ("odd=18", "odd"),
        ("offre=argent", "offre"),
        ("territoire=departement:00", "territoire"),
        ("fraicheur=vieille", "fraicheur"),
        ("q=a&q=b", "q"),
    ] {
        let r = c.get(&format!("/api/v1/organisations?{q}"), None).await;
        assert!(r.is_problem(400), "{q}: {r:?}");
        assert_eq!(r.champs(), vec![champ], "{q}");
    }
    let huge = "a".repeat(5000);
    let r = c
        .get(&format!("/api/v1/organisations?q={huge}"), None)
        .await;
    assert!(r.is_problem(400), "{r:?}");
    assert_eq!(r.champs(), vec!["q"]);

    // Name autocomplete.
    let s = c.ok("/api/v1/organisations/suggestions?q=zorg").await;
    let noms: Vec<&str> = s["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["nom"].as_str().unwrap())
        .collect();
    assert!(
        noms.contains(&"Zorglub Conseil") && noms.contains(&"Zorglub Lecture Solidaire"),
        "{noms:?}"
    );
    assert!(s["resultats"][0]["id"].is_i64());
    let s = c
        .ok("/api/v1/organisations/suggestions?q=zorglub%20cons&limit=5")
        .await;
    assert_eq!(s["resultats"], json!([{"id": e, "nom": "Zorglub Conseil"}]));
    for q in ["", "q=", "q=a&limit=50", "q=a&x=1"] {
        let r = c
            .get(&format!("/api/v1/organisations/suggestions?{q}"), None)
            .await;
        assert!(r.is_problem(400), "{q}: {r:?}");
    }
}

#[tokio::test]
async fn one_organisation_public_and_member_views() {
    let c = Client::new();
    let owner = compte("fiche@asso.fr", true, None).await;
    let other = compte("voisin@asso.fr", true, None).await;
    let modo = compte(
        "moderation-fiche@alliances.fr",
        true,
        Some(Role::Moderateur),
    )
    .await;
    let id = c
        .creer(
            &owner.rw,
            json!({
                "nom": "Maison des Solidarités Forez",
                "sigle": "MSF42",
                "profil": "association",
                "sousType": "association-employeuse",
                "taille": "10-49",
                "siret": "12002701600019",
                "rna": "W423001234",
                "codeCommune": "42218",
                "perimetre": ["departement:42"],
                "oddPrincipal": 1,
                "oddSecondaires": [10, 3],
                "themes": ["insertion", "logement"],
                "siteWeb": "www.msf42.fr",
                "contactPublic": "contact@msf42.fr",
                "contactsPrives": "présidente : 06 00 00 00 00",
                "partenariats": ["mecenat-competences"],
                "dateCreation": "1998-03-14",
            }),
        )
        .await;
    let path = format!("/api/v1/organisations/{id}");

    let r = c.get(&path, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.content_type.starts_with("application/json"));
    assert_eq!(r.etag.as_deref(), Some("\"1\""));
    let o = &r.body;
    assert!(
        o.get("contactsPrives").is_none(),
        "private contacts are not public: {o}"
    );
    assert_eq!(o["id"], id);
    assert_eq!(o["sigle"], "MSF42");
    assert_eq!(o["sousType"], "association-employeuse");
    assert_eq!(o["taille"], "10-49");
    assert_eq!(o["siret"], "12002701600019");
    assert_eq!(o["siren"], "120027016", "the SIREN comes from the SIRET");
    assert_eq!(o["rna"], "W423001234");
    assert_eq!(o["codeCommune"], "42218");
    assert_eq!(o["nomCommune"], "Saint-Étienne");
    assert_eq!(o["codeDepartement"], "42");
    assert_eq!(o["national"], false);
    assert_eq!(
        o["perimetre"],
        json!([{"niveau": "departement", "code": "42", "nom": "Loire"}])
    );
    assert_eq!(o["oddPrincipal"], 1);
    assert_eq!(o["oddSecondaires"], json!([3, 10]));
    assert_eq!(o["themes"], json!(["insertion", "logement"]));
    assert_eq!(o["description"], Value::Null);
    assert_eq!(o["siteWeb"], "https://www.msf42.fr");
    assert_eq!(o["contactPublic"], "contact@msf42.fr");
    assert_eq!(o["partenariats"], json!(["mecenat-competences"]));
    assert_eq!(o["catalyseur"], false);
    assert_eq!(o["etat"], "active");
    assert_eq!(o["dateCreation"], "1998-03-14");
    assert_eq!(o["dateFin"], Value::Null);
    assert_eq!(o["offres"], json!([]));
    assert_eq!(o["besoins"], json!([]));
    assert_eq!(o["provenance"]["source"], "saisie");
    assert_eq!(o["provenance"]["licence"], "Licence Ouverte 2.0 (Etalab)");
    assert_eq!(o["provenance"]["lot"], Value::Null);
    let jour = o["dateVerification"].as_str().unwrap();
    assert!(jour.len() == 10 && jour.as_bytes()[4] == b'-', "{jour}");
    let maj = o["dateMiseAJour"].as_str().unwrap();
    assert!(
        maj.starts_with(jour) && maj.ends_with('Z') && maj.len() == 20,
        "{maj}"
    );
    assert_eq!(o["aVerifier"], false);
    assert_eq!(o["demo"], false);
    assert_eq!(o["version"], 1);
    assert_eq!(o["url"], format!("/organisations/{id}"));

    // Members (even with a read-only token) and moderators see the private contacts.
    for token in [&owner.rw, &owner.ro, &modo.ro] {
        let r = c.get(&path, Some(token)).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["contactsPrives"], "présidente : 06 00 00 00 00");
    }
    // Another user does not.
    let r = c.get(&path, Some(&other.rw)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("contactsPrives").is_none());
    // A bad token is said, not ignored.
    let r = c.get(&path, Some("alliances_0000")).await;
    assert!(r.is_problem(401) && r.www_authenticate, "{r:?}");

    // Unknown ids and parameters.
    for p in ["999999999", "abc", "0", "-3", "1.5"] {
        let r = c.get(&format!("/api/v1/organisations/{p}"), None).await;
        assert!(r.is_problem(404), "{p}: {r:?}");
    }
    let r = c.get(&format!("{path}?x=1"), None).await;
    assert!(r.is_problem(400));
    assert_eq!(r.champs(), vec!["x"]);

    // A merged record answers 301 with the record kept.
    let keep = c
        .creer(&owner.rw, asso("Boule Lyonnaise Fusion", "42218"))
        .await;
    let gone = c
        .creer(&owner.rw, asso("Boule Lyonnaise Fusion", "42218"))
        .await;
    on_server(async move {
        let app = server().app.clone();
        let d = alliances_store::moderation::doublons_a_examiner(&app.db, 1000)
            .await
            .unwrap()
            .into_iter()
            .find(|d| {
                (d.organisation_a, d.organisation_b) == (gone, keep)
                    || (d.organisation_a, d.organisation_b) == (keep, gone)
            })
            .expect("the duplicate is queued");
        let moderator = app.current_user(modo.id).await.unwrap().unwrap();
        app.decider_doublon(&moderator, d.id, Some(keep))
            .await
            .unwrap();
    })
    .await;
    let r = c.get(&format!("/api/v1/organisations/{gone}"), None).await;
    assert_eq!(r.status, 301);
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/api/v1/organisations/{keep}").as_str())
    );
    // Writes on it are refused as unknown.
    let r = c
        .put(
            &format!("/api/v1/organisations/{gone}"),
            Some(&owner.rw),
            Some("\"1\""),
            &asso("Boule Lyonnaise Fusion", "42218"),
        )
        .await;
    assert!(r.is_problem(404), "{r:?}");
}

#[tokio::test]
async fn creation_answers_201_or_names_the_fields_at_fault() {
    let c = Client::new();
    let owner = compte("creation@asso.fr", true, None).await;
    let post = |body: Value| {
        let c = &c;
        let token = owner.rw.clone();
        async move { c.post("/api/v1/organisations", Some(&token), &body).await }
    };

    let r = post(asso("Cercle de lecture Créa", "42218")).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("/api/v1/organisations/{id}").as_str())
    );
    assert_eq!(r.etag.as_deref(), Some("\"1\""));
    assert_eq!(r.body["nom"], "Cercle de lecture Créa");
    assert_eq!(
        r.body["contactsPrives"],
        Value::Null,
        "the owner may see them (none)"
    );
    assert_eq!(
        c.get(&format!("/api/v1/organisations/{id}"), None)
            .await
            .status,
        200
    );

    // A SIRET with a wrong Luhn key.
    let mut bad = asso("Siret faux", "42218");
    bad["siret"] = json!("12345678901234");
    let r = post(bad).await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec!["siret"]);
    assert!(r.message("siret").contains("Luhn"), "{r:?}");
    // Several fields at once, each named, straight from the domain.
    let r =
        post(json!({"nom": "", "profil": "pirate", "codeCommune": "99999", "oddPrincipal": 18}))
            .await;
    assert!(r.is_problem(422), "{r:?}");
    let champs = r.champs();
    for f in ["nom", "profil", "codeCommune", "oddPrincipal"] {
        assert!(champs.contains(&f.to_string()), "{f} in {champs:?}");
    }
    // Empty name.
    let r = post(json!({"nom": "   ", "profil": "association"})).await;
    assert!(r.is_problem(422));
    assert_eq!(r.champs(), vec!["nom"]);
    // Unknown fields are refused, named.
    let mut unknown = asso("Champ inconnu", "42218");
    unknown["presidente"] = json!("Mme X");
    let r = post(unknown).await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec!["presidente"]);
    // A value of the wrong type names its field.
    let mut typed = asso("Mauvais type", "42218");
    typed["oddPrincipal"] = json!("quatre");
    let r = post(typed).await;
    assert!(r.is_problem(422), "{r:?}");
    assert_eq!(r.champs(), vec!["oddPrincipal"]);
    // null is an absent value.
    let mut nulls = asso("Valeurs nulles", "42218");
    nulls["sigle"] = Value::Null;
    nulls["perimetre"] = Value::Null;
    assert_eq!(post(nulls).await.status, 201);
    // Malformed JSON, or not an object.
    let raw = |body: &'static str, ct: &'static str| {
        let c = &c;
        let token = owner.rw.clone();
        async move {
            let res = c
                .http
                .post(format!("{}/api/v1/organisations", server().base))
                .bearer_auth(token)
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let ct = res.headers()["content-type"].to_str().unwrap().to_string();
            (status, ct)
        }
    };
    for body in ["{\"nom\": ", "[1, 2]", "\"texte\"", ""] {
        assert_eq!(
            raw(body, "application/json").await,
            (400, "application/problem+json".to_string()),
            "{body}"
        );
    }
    assert_eq!(
        raw("nom=x", "application/x-www-form-urlencoded").await,
        (415, "application/problem+json".to_string())
    );

    // HTML in a name is stored as typed and given back as a JSON string, never interpreted.
    let html = "<script>alert('x')</script> & <b>Cie</b>";
    let r = post(json!({"nom": html, "profil": "entreprise"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let g = c.get(&format!("/api/v1/organisations/{id}"), None).await;
    assert!(g.content_type.starts_with("application/json"));
    assert_eq!(g.body["nom"], html);

    // The same SIRET twice: the second one is told to claim the first.
    let mut s1 = asso("Premier Siret", "42218");
    s1["siret"] = json!("35600000000048");
    assert_eq!(post(s1).await.status, 201);
    let mut s2 = asso("Second Siret", "42218");
    s2["siret"] = json!("35600000000048");
    let r = post(s2).await;
    assert!(r.is_problem(422));
    assert_eq!(r.champs(), vec!["siret"]);

    // Without a token, with a read-only one, or for an unverified account: refused.
    let body = asso("Sans droit", "42218");
    let r = c.post("/api/v1/organisations", None, &body).await;
    assert!(r.is_problem(401) && r.www_authenticate, "{r:?}");
    let r = c
        .post("/api/v1/organisations", Some(&owner.ro), &body)
        .await;
    assert!(r.is_problem(403), "{r:?}");
    let unverified = compte("pas-verifie@asso.fr", false, None).await;
    let r = c
        .post("/api/v1/organisations", Some(&unverified.rw), &body)
        .await;
    assert!(r.is_problem(403), "{r:?}");
    let r = c
        .get("/api/v1/organisations/suggestions?q=sans%20droit", None)
        .await;
    assert_eq!(r.body["resultats"], json!([]), "nothing was created");
}

#[tokio::test]
async fn edition_needs_the_version_read() {
    let c = Client::new();
    let owner = compte("edition@asso.fr", true, None).await;
    let other = compte("edition-autre@asso.fr", true, None).await;
    let modo = compte(
        "moderation-edition@alliances.fr",
        true,
        Some(Role::Moderateur),
    )
    .await;
    let mut body = asso("Atelier Vélo Édition", "42218");
    body["contactsPrives"] = json!("trésorier : 07 00 00 00 00");
    let id = c.creer(&owner.rw, body).await;
    // Another user's organisation (for the IDOR case).
    c.creer(&other.rw, asso("Club de l'autre", "42218")).await;
    let path = format!("/api/v1/organisations/{id}");
    let etag = c.get(&path, None).await.etag.unwrap();
    assert_eq!(etag, "\"1\"");

    let changed = asso("Atelier Vélo Édition solidaire", "42218");
    let r = c.put(&path, Some(&owner.rw), Some(&etag), &changed).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.etag.as_deref(), Some("\"2\""));
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["nom"], "Atelier Vélo Édition solidaire");
    // Private contacts absent from the body are kept.
    assert_eq!(r.body["contactsPrives"], "trésorier : 07 00 00 00 00");
    assert_eq!(c.get(&path, None).await.etag.as_deref(), Some("\"2\""));

    // The same stale version again: a conflict, not a lost update.
    let r = c
        .put(
            &path,
            Some(&owner.rw),
            Some(&etag),
            &asso("Écrasé", "42218"),
        )
        .await;
    assert!(r.is_problem(409), "{r:?}");
    // No version: 428; an unreadable one: 400.
    let r = c.put(&path, Some(&owner.rw), None, &changed).await;
    assert!(r.is_problem(428), "{r:?}");
    let r = c
        .put(&path, Some(&owner.rw), Some("la-derniere"), &changed)
        .await;
    assert!(r.is_problem(400), "{r:?}");
    assert_eq!(r.champs(), vec!["If-Match"]);
    // Invalid input: 422, nothing written.
    let mut bad = changed.clone();
    bad["siret"] = json!("12345678901234");
    let r = c.put(&path, Some(&owner.rw), Some("\"2\""), &bad).await;
    assert!(r.is_problem(422));
    assert_eq!(r.champs(), vec!["siret"]);
    let mut unknown = changed.clone();
    unknown["version"] = json!(2);
    let r = c.put(&path, Some(&owner.rw), Some("\"2\""), &unknown).await;
    assert!(r.is_problem(422));
    assert_eq!(r.champs(), vec!["version"]);

    // Rights: no token, read-only token, member of another organisation.
    let r = c.put(&path, None, Some("\"2\""), &changed).await;
    assert!(r.is_problem(401) && r.www_authenticate);
    let r = c.put(&path, Some(&owner.ro), Some("\"2\""), &changed).await;
    assert!(r.is_problem(403));
    let r = c
        .put(
            &path,
            Some(&other.rw),
            Some("\"2\""),
            &asso("Pris par l'autre", "42218"),
        )
        .await;
    assert!(r.is_problem(403), "{r:?}");
    let now = c.get(&path, Some(&owner.ro)).await;
    assert_eq!(now.body["version"], 2, "nothing written");
    assert_eq!(now.body["nom"], "Atelier Vélo Édition solidaire");
    // A moderator may edit (and W/ or bare versions are read too).
    let r = c
        .put(
            &path,
            Some(&modo.rw),
            Some("2"),
            &asso("Atelier Vélo modéré", "42218"),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.etag.as_deref(), Some("\"3\""));
    // An unknown organisation.
    let r = c
        .put(
            "/api/v1/organisations/999999999",
            Some(&owner.rw),
            Some("\"1\""),
            &changed,
        )
        .await;
    assert!(r.is_problem(404));
}

#[tokio::test]
async fn offers_and_needs_as_a_sub_resource() {
    let c = Client::new();
    let owner = compte("ressources@asso.fr", true, None).await;
    let other = compte("ressources-autre@asso.fr", true, None).await;
    let id = c
        .creer(&owner.rw, asso("Jardin Partagé Ressources", "42218"))
        .await;
    let other_id = c.creer(&other.rw, asso("Jardin de l'autre", "42218")).await;
    let base = format!("/api/v1/organisations/{id}/ressources");

    let r = c
        .post(
            &base,
            Some(&owner.rw),
            &json!({
                "sens": "offre",
                "nature": "locaux",
                "titre": "Salle de réunion le soir",
                "description": "20 places",
                "odd": [11, 4],
                "territoire": "commune:42218",
                "debut": "2026-01-01",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let rid = r.body["id"].as_i64().unwrap();
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{base}/{rid}").as_str())
    );
    assert_eq!(r.body["sens"], "offre");
    assert_eq!(r.body["nature"], "locaux");
    assert_eq!(r.body["odd"], json!([4, 11]));
    assert_eq!(
        r.body["territoire"],
        json!({"niveau": "commune", "code": "42218", "nom": "Saint-Étienne"})
    );
    assert_eq!(r.body["debut"], "2026-01-01");
    assert_eq!(r.body["fin"], Value::Null);
    let r = c
        .post(
            &base,
            Some(&owner.rw),
            &json!({"sens": "besoin", "nature": "benevolat", "titre": "Bras pour la récolte"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let need = r.body["id"].as_i64().unwrap();

    let l = c.ok(&base).await;
    assert_eq!(l["total"], 2);
    assert_eq!(l["suivant"], Value::Null);
    let o = c.ok(&format!("/api/v1/organisations/{id}")).await;
    assert_eq!(o["offres"][0]["id"], rid);
    assert_eq!(o["besoins"][0]["id"], need);
    assert_eq!(
        c.ok(&format!("{base}/{rid}")).await["titre"],
        "Salle de réunion le soir"
    );
    // Offers are searchable at once.
    let s = c
        .ok("/api/v1/organisations?q=jardin%20partage&offre=locaux&besoin=benevolat")
        .await;
    assert_eq!(ids(&s), vec![id]);

    let r = c
        .put(
            &format!("{base}/{rid}"),
            Some(&owner.rw),
            None,
            &offre("Salle de réunion le samedi", "locaux"),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["titre"], "Salle de réunion le samedi");
    assert_eq!(r.body["territoire"], Value::Null);
    // Invalid resources name their fields.
    let r = c
        .post(
            &base,
            Some(&owner.rw),
            &json!({"sens": "don", "nature": "argent", "titre": ""}),
        )
        .await;
    assert!(r.is_problem(422), "{r:?}");
    let champs = r.champs();
    for f in ["sens", "nature", "titre"] {
        assert!(champs.contains(&f.to_string()), "{f} in {champs:?}");
    }
    let r = c
        .post(
            &base,
            Some(&owner.rw),
            &json!({"sens": "offre", "nature": "locaux", "titre": "x", "prix": 3}),
        )
        .await;
    assert!(r.is_problem(422));
    assert_eq!(r.champs(), vec!["prix"]);

    // A resource of another organisation is unknown here, whoever asks.
    let r = c
        .post(
            &format!("/api/v1/organisations/{other_id}/ressources"),
            Some(&other.rw),
            &offre("Outils de jardin", "locaux"),
        )
        .await;
    assert_eq!(r.status, 201);
    let foreign = r.body["id"].as_i64().unwrap();
    assert!(c
        .get(&format!("{base}/{foreign}"), None)
        .await
        .is_problem(404));
    let r = c
        .put(
            &format!("{base}/{foreign}"),
            Some(&owner.rw),
            None,
            &offre("Volé", "locaux"),
        )
        .await;
    assert!(r.is_problem(404), "{r:?}");
    assert!(c
        .delete(&format!("{base}/{foreign}"), Some(&owner.rw))
        .await
        .is_problem(404));
    assert_eq!(
        c.ok(&format!(
            "/api/v1/organisations/{other_id}/ressources/{foreign}"
        ))
        .await["titre"],
        "Outils de jardin"
    );

    let r = c.delete(&format!("{base}/{rid}"), Some(&owner.rw)).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.body, Value::Null);
    assert!(c.get(&format!("{base}/{rid}"), None).await.is_problem(404));
    assert!(c
        .delete(&format!("{base}/{rid}"), Some(&owner.rw))
        .await
        .is_problem(404));
    assert_eq!(c.ok(&base).await["total"], 1);
    assert!(c
        .get("/api/v1/organisations/999999999/ressources", None)
        .await
        .is_problem(404));
    assert!(c.get(&format!("{base}/abc"), None).await.is_problem(404));
}

#[tokio::test]
async fn every_write_needs_a_write_token_and_a_right_on_the_organisation() {
    let c = Client::new();
    let owner = compte("droits@asso.fr", true, None).await;
    let stranger = compte("droits-autre@asso.fr", true, None).await;
    let id = c
        .creer(&owner.rw, asso("Chorale des Droits", "42218"))
        .await;
    // The stranger is a member of another organisation.
    c.creer(&stranger.rw, asso("Fanfare de l'autre", "42218"))
        .await;
    let r = c
        .post(
            &format!("/api/v1/organisations/{id}/ressources"),
            Some(&owner.rw),
            &offre("Répétitions ouvertes", "reseau"),
        )
        .await;
    let rid = r.body["id"].as_i64().unwrap();
    let org = format!("/api/v1/organisations/{id}");
    let res = format!("{org}/ressources");
    let one = format!("{res}/{rid}");
    let body_org = asso("Chorale volée", "42218");
    let body_res = offre("Ressource volée", "reseau");

    use reqwest::Method;
    let writes: Vec<(Method, &str, Option<&Value>, bool)> = vec![
        (
            Method::POST,
            "/api/v1/organisations",
            Some(&body_org),
            false,
        ),
        (Method::PUT, &org, Some(&body_org), true),
        (Method::POST, &res, Some(&body_res), true),
        (Method::PUT, &one, Some(&body_res), true),
        (Method::DELETE, &one, None, true),
    ];
    for (method, path, body, on_organisation) in writes {
        let h = [("if-match", "\"1\"")];
        let r = c.send(method.clone(), path, None, body, &h).await;
        assert!(
            r.is_problem(401) && r.www_authenticate,
            "{method} {path}: {r:?}"
        );
        let r = c
            .send(method.clone(), path, Some("alliances_inconnu"), body, &h)
            .await;
        assert!(r.is_problem(401), "{method} {path}: {r:?}");
        let r = c
            .send(method.clone(), path, Some(&owner.ro), body, &h)
            .await;
        assert!(r.is_problem(403), "{method} {path}: {r:?}");
        if on_organisation {
            let r = c
                .send(method.clone(), path, Some(&stranger.rw), body, &h)
                .await;
            assert!(r.is_problem(403), "{method} {path}: {r:?}");
            // Even an invalid body tells a stranger nothing but 403.
            let r = c
                .send(
                    method.clone(),
                    path,
                    Some(&stranger.rw),
                    Some(&json!({"x": 1})),
                    &h,
                )
                .await;
            assert!(r.is_problem(403), "{method} {path}: {r:?}");
        }
    }
    // Nothing changed.
    let o = c.ok(&org).await;
    assert_eq!(
        (o["nom"].as_str(), o["version"].as_i64()),
        (Some("Chorale des Droits"), Some(1))
    );
    assert_eq!(o["offres"][0]["titre"], "Répétitions ouvertes");
    assert_eq!(c.ok(&res).await["total"], 1);
    // The owner still can.
    let r = c.delete(&one, Some(&owner.rw)).await;
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn the_openapi_document_lists_the_annuaire() {
    let c = Client::new();
    let doc = c.ok("/api/openapi.json").await;
    let paths = &doc["paths"];
    assert!(paths["/api/v1/organisations"]["get"].is_object());
    assert!(paths["/api/v1/organisations"]["post"]["requestBody"].is_object());
    assert!(paths["/api/v1/organisations/{id}"]["put"]["responses"]["428"].is_object());
    assert!(paths["/api/v1/organisations/{id}/ressources/{rid}"]["delete"].is_object());
    let schemas = &doc["components"]["schemas"];
    for s in [
        "Organisation",
        "OrganisationSaisie",
        "Ressource",
        "ResultatsOrganisations",
    ] {
        assert!(schemas[s].is_object(), "{s}");
    }
}
