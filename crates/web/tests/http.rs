//! HTTP integration tests against a real server on port 0, on SQLite, or on PostgreSQL when
//! `TEST_DATABASE_URL` is set. One server per test binary (loading the referential takes a moment).

use serde_json::Value;
use std::sync::OnceLock;

struct Server {
    base: String,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let (url, guard) = alliances_store::testing::fresh_url().await;
                let app = alliances_app::App::open(&url, 5).await.expect("app opens");
                let router = alliances_web::build_router(app, alliances_web::WebOptions::default());
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                tx.send(format!("http://{addr}")).unwrap();
                alliances_web::serve(listener, router, std::future::pending())
                    .await
                    .unwrap();
                drop(guard);
            });
        });
        Server {
            base: rx.recv().unwrap(),
        }
    })
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{}", server().base, path))
        .send()
        .await
        .unwrap()
}

async fn json(path: &str, status: u16) -> Value {
    let res = get(path).await;
    assert_eq!(res.status().as_u16(), status, "{path}");
    let ct = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    if status >= 400 {
        assert_eq!(ct, "application/problem+json", "{path}");
    } else {
        assert!(ct.starts_with("application/json"), "{path}: {ct}");
    }
    res.json().await.unwrap()
}

async fn html(path: &str, status: u16) -> String {
    let res = get(path).await;
    assert_eq!(res.status().as_u16(), status, "{path}");
    assert!(res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    res.text().await.unwrap()
}

#[tokio::test]
async fn health_and_readiness() {
    assert_eq!(get("/healthz").await.status(), 200);
    assert_eq!(get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn commune_with_its_epci_type_and_attached_communes() {
    let c = json("/api/v1/communes/42218", 200).await;
    assert_eq!(c["nom"], "Saint-Étienne");
    assert_eq!(c["type"], "commune-actuelle");
    assert_eq!(c["codeEpci"], "244200770");
    assert_eq!(c["codeDepartement"], "42");
    assert_eq!(c["codeRegion"], "84");
    assert_eq!(c["millesime"], "2026");
    assert!(c["population"].as_u64().unwrap() > 100_000);
    assert!(c["codesPostaux"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "42100"));
    assert_eq!(c["communeParent"], Value::Null);
    // A commune in no EPCI (an island commune).
    let brehat = json("/api/v1/communes/22016", 200).await;
    assert_eq!(brehat["codeEpci"], Value::Null);
    // A municipal arrondissement and its commune.
    let a = json("/api/v1/communes/75101", 200).await;
    assert_eq!(a["type"], "arrondissement-municipal");
    assert_eq!(a["communeParent"]["code"], "75056");
    let paris = json("/api/v1/communes/75056", 200).await;
    assert_eq!(paris["communesRattachees"].as_array().unwrap().len(), 20);
    // A commune déléguée that shares its code with its new commune.
    let d = json("/api/v1/communes/01015?type=commune-deleguee", 200).await;
    assert_eq!(d["nom"], "Arbignieu");
    assert_eq!(d["communeParent"]["code"], "01015");
    assert_eq!(d["population"], Value::Null);
    assert_eq!(
        json("/api/v1/communes/01015", 200).await["type"],
        "commune-actuelle"
    );
}

#[tokio::test]
async fn communes_by_postal_code_and_by_name() {
    let l = json("/api/v1/communes?codePostal=42000", 200).await;
    assert_eq!(l["resultats"][0]["code"], "42218");
    assert_eq!(l["total"], 1);
    let l = json("/api/v1/communes?nom=saint%20etienne&limit=5", 200).await;
    assert_eq!(l["resultats"][0]["code"], "42218");
    assert!(l["resultats"].as_array().unwrap().len() <= 5);
    // A postal code shared by many communes.
    let l = json("/api/v1/communes?codePostal=51300&limit=100", 200).await;
    assert!(l["total"].as_u64().unwrap() > 20);
}

#[tokio::test]
async fn epci_departement_region_with_summed_populations() {
    let e = json("/api/v1/epcis/244200770", 200).await;
    assert_eq!(e["type"], "METRO");
    assert_eq!(e["codesDepartements"], serde_json::json!(["42"]));
    let members = json("/api/v1/epcis/244200770/communes?limit=1000", 200).await;
    let sum: u64 = members["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["population"].as_u64().unwrap())
        .sum();
    assert_eq!(
        e["population"].as_u64().unwrap(),
        sum,
        "EPCI population is the sum of its communes'"
    );
    assert_eq!(e["nombreCommunes"], members["total"]);

    let d = json("/api/v1/departements/42", 200).await;
    assert_eq!(d["nom"], "Loire");
    assert_eq!(d["codeRegion"], "84");
    assert!(d["nombreCommunes"].as_u64().unwrap() > 300);
    let r = json("/api/v1/regions/84", 200).await;
    assert_eq!(r["nom"], "Auvergne-Rhône-Alpes");
    let deps = json("/api/v1/regions/84/departements", 200).await;
    assert_eq!(deps["total"], 12);
    let pop: u64 = deps["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["population"].as_u64().unwrap())
        .sum();
    assert_eq!(r["population"].as_u64().unwrap(), pop);
    let count: u64 = deps["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["nombreCommunes"].as_u64().unwrap())
        .sum();
    assert_eq!(r["nombreCommunes"].as_u64().unwrap(), count);
    // An EPCI spanning several départements lists them all.
    assert_eq!(json("/api/v1/departements/2a", 200).await["code"], "2A");
    assert_eq!(
        json("/api/v1/departements/974", 200).await["nom"],
        "La Réunion"
    );
}

#[tokio::test]
async fn cursor_pagination_covers_every_commune_once() {
    let mut seen = Vec::new();
    let mut path = "/api/v1/departements/42/communes?limit=100".to_string();
    loop {
        let page = json(&path, 200).await;
        for c in page["resultats"].as_array().unwrap() {
            seen.push(c["code"].as_str().unwrap().to_string());
        }
        match page["suivant"].as_str() {
            Some(next) => path = format!("/api/v1/departements/42/communes?limit=100&apres={next}"),
            None => {
                assert_eq!(page["total"].as_u64().unwrap() as usize, seen.len());
                break;
            }
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "in order, no duplicate");
}

#[tokio::test]
async fn autocomplete_over_every_level() {
    let l = json("/api/v1/territoires?q=saint%20etienne", 200).await;
    assert_eq!(l["resultats"][0]["code"], "42218");
    assert_eq!(l["resultats"][0]["niveau"], "commune");
    assert_eq!(l["resultats"][0]["url"], "/territoires/commune/42218");
    let l = json(
        "/api/v1/territoires?q=SAINT-%C3%89TIENNE&niveau=epci&limit=3",
        200,
    )
    .await;
    assert_eq!(l["resultats"][0]["code"], "244200770");
    assert!(l["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["niveau"] == "epci"));
    let l = json("/api/v1/territoires?q=42000", 200).await;
    assert_eq!(l["resultats"][0]["code"], "42218");
    let l = json("/api/v1/territoires?q=loire&niveau=departement", 200).await;
    assert_eq!(l["resultats"][0]["nom"], "Loire");
}

#[tokio::test]
async fn bad_input_is_refused_with_the_parameter_named() {
    let p = json("/api/v1/communes/4221", 400).await;
    assert_eq!(p["errors"][0]["champ"], "code");
    assert!(p["detail"].as_str().unwrap().contains("5 caractères"));
    let p = json("/api/v1/communes/99999", 404).await;
    assert_eq!(p["status"], 404);
    let p = json("/api/v1/epcis/244200771", 400).await;
    assert!(p["detail"].as_str().unwrap().contains("Luhn"));
    json("/api/v1/epcis/200000000", 400).await;
    json("/api/v1/epcis/356000000", 404).await;
    json("/api/v1/departements/20", 400).await;
    json("/api/v1/departements/99", 404).await;
    json("/api/v1/regions/x1", 400).await;
    json("/api/v1/regions/99", 404).await;
    let p = json("/api/v1/territoires", 400).await;
    assert_eq!(p["errors"][0]["champ"], "q");
    let p = json("/api/v1/territoires?q=%20-%20", 400).await;
    assert_eq!(p["errors"][0]["champ"], "q");
    let long = "a".repeat(101);
    let p = json(&format!("/api/v1/territoires?q={long}"), 400).await;
    assert!(p["detail"].as_str().unwrap().contains("100"));
    let p = json("/api/v1/territoires?q=lyon&foo=1", 400).await;
    assert_eq!(p["errors"][0]["champ"], "foo");
    let p = json("/api/v1/territoires?q=lyon&q=paris", 400).await;
    assert_eq!(p["errors"][0]["message"], "paramètre répété");
    for bad in ["limit=0", "limit=51", "limit=abc", "niveau=pays"] {
        json(&format!("/api/v1/territoires?q=lyon&{bad}"), 400).await;
    }
    json("/api/v1/departements/42/communes?limit=1001", 400).await;
    json("/api/v1/communes", 400).await;
    json("/api/v1/communes?codePostal=4200", 400).await;
    json("/api/v1/communes/42218?type=ville", 400).await;
    json("/api/v1/communes/42218?lang=fr", 400).await;
    json("/api/v1/nimporte", 404).await;
    json("/api/v1/communes/%FF%FE", 400).await;
    // Five bytes, two characters: found by schemathesis, once a panic.
    json("/api/v1/communes/~%F1%87%BD%A8", 400).await;
    json("/api/v1/departements/%C3%A9", 400).await;
}

#[tokio::test]
async fn pages_are_french_first_and_carry_security_headers() {
    let res = get("/").await;
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert!(h.get("referrer-policy").is_some());
    assert!(h.get("x-request-id").is_some());
    let body = res.text().await.unwrap();
    assert!(body.contains("<html lang=\"fr\">"));
    assert_eq!(body.matches("<h1").count(), 1);
    assert!(body.contains("href=\"#contenu\""));
    assert!(
        !body.contains("<script>") && !body.contains("style=\""),
        "no inline script or style"
    );
    assert!(body.contains("id=\"recherche-territoire\""));

    let res = get("/?lang=en").await;
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("lang=en") && cookie.contains("SameSite=Lax"));
    assert!(res.text().await.unwrap().contains("<html lang=\"en\">"));
    let en = client()
        .get(format!("{}/territoires", server().base))
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap();
    assert!(
        en.text().await.unwrap().contains("<html lang=\"en\">"),
        "the cookie keeps the language"
    );
}

#[tokio::test]
async fn territory_pages_show_the_hierarchy_and_the_map() {
    let body = html("/territoires/commune/42218", 200).await;
    assert!(body.contains("<h1>Saint-Étienne</h1>"));
    assert!(body.contains("href=\"/territoires/region/84\""));
    assert!(body.contains("href=\"/territoires/departement/42\""));
    assert!(body.contains("href=\"/territoires/epci/244200770\""));
    assert!(body.contains("class=\"departement surligne\" data-code=\"42\""));
    assert_eq!(body.matches("surligne").count(), 1);
    assert!(
        body.contains("173\u{202f}136"),
        "population in French format"
    );
    let body = html("/territoires/region/84", 200).await;
    assert_eq!(body.matches("class=\"departement surligne\"").count(), 12);
    let body = html("/territoires/epci/244200770", 200).await;
    assert!(body.contains("Métropole"));
    let body = html("/territoires/departement/974", 200).await;
    assert!(
        body.contains("class=\"departement surligne\" data-code=\"974\""),
        "overseas inset highlighted"
    );
    let body = html("/territoires/commune/01015?type=commune-deleguee", 200).await;
    assert!(body.contains("Arbignieu"));
    html("/territoires/commune/99999", 404).await;
    html("/territoires/pays/fr", 404).await;
    html("/territoires/commune/42218?type=ville", 400).await;
}

#[tokio::test]
async fn search_page_works_without_javascript() {
    let body = html("/territoires?q=saint+etienne", 200).await;
    assert!(body.contains("href=\"/territoires/commune/42218\""));
    assert!(body.contains("territoires trouvés"));
    let body = html("/territoires?q=saint+etienne&niveau=epci", 200).await;
    assert!(body.contains("href=\"/territoires/epci/244200770\""));
    assert!(!body.contains("href=\"/territoires/commune/42218\""));
    let long = "x".repeat(150);
    let body = html(&format!("/territoires?q={long}"), 400).await;
    assert!(body.contains("resume-erreurs") && body.contains("100 caractères"));
    let body = html("/territoires?q=zzzzqx", 200).await;
    assert!(body.contains("Aucun territoire trouvé"));
    let body = html("/territoires", 200).await;
    assert!(body.contains("href=\"/territoires/region/84\""));
}

#[tokio::test]
async fn unknown_pages_get_the_custom_404() {
    let body = html("/nulle-part", 404).await;
    assert!(body.contains("Page introuvable") && body.contains("<html lang=\"fr\">"));
    let body = html("/nulle-part?lang=en", 404).await;
    assert!(body.contains("Page not found"));
}

#[tokio::test]
async fn assets_are_fingerprinted_cached_and_compressed() {
    let body = html("/", 200).await;
    let css = body
        .split("href=\"/static/app.")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let res = client()
        .get(format!("{}/static/app.{css}", server().base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .headers()
        .get("cache-control")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert_eq!(res.headers().get("content-encoding").unwrap(), "gzip");
    assert_eq!(get("/static/app.0000.css").await.status(), 404);
    let res = client()
        .get(format!(
            "{}/api/v1/departements/42/communes?limit=1000",
            server().base
        ))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers().get("content-encoding").unwrap(), "br");
}

#[tokio::test]
async fn api_documentation_page_and_openapi_document() {
    let doc = json("/api/openapi.json", 200).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/communes/{code}"]["get"].is_object());
    let body = html("/api", 200).await;
    assert!(body.contains("/api/v1/territoires") && body.contains("/api/openapi.json"));
}

#[test]
fn openapi_document_snapshot() {
    let doc: Value = serde_json::from_str(&alliances_web::api::openapi_json()).unwrap();
    insta::assert_json_snapshot!("openapi", doc);
}
