//! `/api`: the API documentation page, rendered from the generated OpenAPI document.

use super::{render, PageError};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::state::AppState;
use crate::visiteur::Visitor;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

pub struct Parametre {
    pub nom: String,
    pub emplacement: String,
    pub obligatoire: String,
    pub description: String,
}

pub struct Operation {
    pub ancre: String,
    pub methode: String,
    pub chemin: String,
    pub resume: String,
    pub description: String,
    pub parametres: Vec<Parametre>,
    pub reponses: Vec<(String, String)>,
    pub exemple: Option<String>,
}

#[derive(Template)]
#[template(path = "api.html")]
struct ApiPage {
    layout: Layout,
    operations: Vec<Operation>,
}

/// Example calls shown under each operation (all on real data).
fn exemple(path: &str) -> Option<String> {
    let e = match path {
        "/api/v1/territoires" => "/api/v1/territoires?q=saint%20etienne",
        "/api/v1/communes/{code}" => "/api/v1/communes/42218",
        "/api/v1/communes" => "/api/v1/communes?codePostal=42000",
        "/api/v1/epcis/{siren}" => "/api/v1/epcis/244200770",
        "/api/v1/epcis/{siren}/communes" => "/api/v1/epcis/244200770/communes",
        "/api/v1/departements/{code}" => "/api/v1/departements/42",
        "/api/v1/departements/{code}/communes" => "/api/v1/departements/42/communes?limit=10",
        "/api/v1/regions/{code}" => "/api/v1/regions/84",
        "/api/v1/regions/{code}/departements" => "/api/v1/regions/84/departements",
        "/api/v1/referentiel" => "/api/v1/referentiel",
        "/api/v1/moi" => return None,
        _ => return None,
    };
    Some(e.to_string())
}

pub fn operations(doc: &Value, oui: &str, non: &str) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(methods) = item.as_object() else {
            continue;
        };
        for (method, op) in methods {
            let s = |k: &str| op.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let parametres = op
                .get("parameters")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            let g = |k: &str| {
                                p.get(k).and_then(Value::as_str).unwrap_or("").to_string()
                            };
                            Parametre {
                                nom: g("name"),
                                emplacement: g("in"),
                                obligatoire: if p
                                    .get("required")
                                    .and_then(Value::as_bool)
                                    .unwrap_or(false)
                                {
                                    oui.into()
                                } else {
                                    non.into()
                                },
                                description: g("description"),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let reponses = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|rs| {
                    rs.iter()
                        .map(|(code, r)| {
                            (
                                code.clone(),
                                r.get("description")
                                    .and_then(Value::as_str)
                                    .unwrap_or("")
                                    .to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let ancre: String = format!("{method}-{path}")
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            out.push(Operation {
                ancre: ancre.trim_matches('-').to_string(),
                methode: method.to_uppercase(),
                chemin: path.clone(),
                resume: s("summary"),
                description: s("description"),
                parametres,
                reponses,
                exemple: exemple(path),
            });
        }
    }
    out
}

pub async fn api_doc(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let doc: Value = serde_json::from_str(&state.openapi_json).map_err(|_| PageError::Internal)?;
    let mut layout = Layout::new(&state, &visitor, "/api", "api", String::new());
    layout.title = layout.t("api-titre");
    let crumbs = vec![
        home_crumb(&layout.tr),
        Crumb {
            label: layout.t("api-titre"),
            href: None,
        },
    ];
    let layout = layout.with_crumbs(crumbs);
    let operations = operations(&doc, &layout.t("api-oui"), &layout.t("api-non"));
    render(&ApiPage { layout, operations })
}
