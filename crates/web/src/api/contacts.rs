//! `/api/v1/organisations/{id}/demandes-contact`: contact requests as JSON. `POST` sends a request
//! to organisation `{id}` on behalf of one of the caller's organisations (a « lecture et
//! écriture » token); `GET` lists the requests organisation `{id}` received or sent (its members
//! only). The rules are the app's (`alliances_app::contacts`): 422 when the target opted out, has
//! no owner, or already has an open request from the same organisation; 429 with `Retry-After`
//! once the daily limit is reached.

use super::compte::caller;
use crate::params::{Params, RawQuery};
use crate::problem::{FieldError, Problem};
use crate::state::AppState;
use alliances_app::comptes::CurrentUser;
use alliances_app::contacts::{ContactError, DemandeSaisie, PAGE_MAX};
use alliances_app::contacts::{Demande, Sens};
use alliances_domain::contacts::{EtatDemande, LIMITE_PAR_JOUR};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The routes of this file; the router merges them.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/organisations/{id}/demandes-contact",
        get(liste).post(envoyer),
    )
}

/// Page size of the lists: default (the maximum is the app's).
const LIMITE_DEFAUT: usize = 20;

/// An organisation named in a request.
#[derive(Serialize, ToSchema)]
pub struct OrganisationContact {
    pub id: i64,
    pub nom: String,
}

/// A contact request.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DemandeContact {
    pub id: i64,
    /// The organisation that wrote.
    pub de: OrganisationContact,
    /// The organisation written to.
    pub vers: OrganisationContact,
    /// Who wrote it; their e-mail address only once the request is accepted (`null` once the
    /// account is deleted).
    pub auteur: Option<String>,
    pub message: String,
    /// The offer or need the request is about.
    pub ressource: Option<i64>,
    /// `envoyee`, `acceptee`, `refusee` or `sans_reponse` (no answer within 30 days).
    pub etat: String,
    pub date_envoi: String,
    pub date_reponse: Option<String>,
    /// The message that came with the answer.
    pub reponse: Option<String>,
    /// The alliance started from this request.
    pub alliance: Option<i64>,
}

/// A page of requests.
#[derive(Serialize, ToSchema)]
pub struct ResultatsDemandesContact {
    pub resultats: Vec<DemandeContact>,
    pub total: i64,
    /// The cursor of the next page (`apres`), `null` on the last one.
    pub suivant: Option<String>,
}

/// What a request says.
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DemandeContactSaisie {
    /// The organisation writing (the token's user is one of its owners or editors).
    pub de: i64,
    /// 20 to 3,000 characters.
    pub message: String,
    /// An offer or need of either organisation the request is about.
    #[serde(default)]
    pub ressource: Option<i64>,
}

fn horodatage(ts: i64) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::annuaire_view::date_iso(ts),
        ts.rem_euclid(86_400) / 3600,
        ts.rem_euclid(3600) / 60,
        ts.rem_euclid(60)
    )
}

fn json(d: &Demande) -> DemandeContact {
    DemandeContact {
        id: d.id,
        de: OrganisationContact {
            id: d.de_organisation,
            nom: d.de_nom.clone(),
        },
        vers: OrganisationContact {
            id: d.vers_organisation,
            nom: d.vers_nom.clone(),
        },
        auteur: d.auteur.as_ref().map(|(nom, email)| {
            if d.etat == EtatDemande::Acceptee {
                format!("{nom} <{email}>")
            } else {
                nom.clone()
            }
        }),
        message: d.message.clone(),
        ressource: d.ressource_id,
        etat: d.etat.slug().to_string(),
        date_envoi: horodatage(d.cree_le),
        date_reponse: d.repondu_le.map(horodatage),
        reponse: (!d.reponse.is_empty()).then(|| d.reponse.clone()),
        alliance: d.alliance_id,
    }
}

fn problem(status: StatusCode, title: &str, detail: impl Into<String>) -> Response {
    Problem::new(status, title, detail).into_response()
}

fn refus_champ(champ: &str, title: &str, message: String) -> Response {
    let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, title, message.clone());
    p.errors.push(FieldError {
        champ: champ.into(),
        message,
    });
    p.into_response()
}

/// The answer to an error of the contact use cases.
fn erreur(e: ContactError) -> Response {
    match e {
        ContactError::Invalide(errs) => {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Données invalides",
                format!(
                    "données refusées ; champs à corriger : {}",
                    errs.iter().map(|e| e.champ).collect::<Vec<_>>().join(", ")
                ),
            );
            p.errors = errs
                .into_iter()
                .map(|e| FieldError {
                    champ: e.champ.to_string(),
                    message: e.message,
                })
                .collect();
            p.into_response()
        }
        ContactError::Introuvable => problem(
            StatusCode::NOT_FOUND,
            "Ressource introuvable",
            "aucune organisation de cet identifiant",
        ),
        ContactError::Interdit => problem(
            StatusCode::FORBIDDEN,
            "Action interdite",
            "seuls les propriétaires et éditeurs d'une organisation (adresse e-mail vérifiée) écrivent et lisent ses demandes de contact",
        ),
        e @ (ContactError::NonContactable(_) | ContactError::SansResponsable(_)) => {
            refus_champ("vers", "Organisation non joignable", e.to_string())
        }
        ContactError::DejaEnCours { id, envoyee_le } => refus_champ(
            "vers",
            "Demande déjà en cours",
            format!(
                "la demande {id} de votre organisation à celle-ci, envoyée le {}, attend encore sa réponse",
                crate::annuaire_view::date_iso(envoyee_le)
            ),
        ),
        ContactError::Limite { reprise } => {
            let attente = (reprise - alliances_app::now()).max(1);
            let mut res = problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Limite quotidienne atteinte",
                format!(
                    "au plus {LIMITE_PAR_JOUR} demandes de contact par organisation sur 24 heures ; prochaine possible à partir de {}",
                    horodatage(reprise)
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&attente.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        ContactError::Refus(m) => problem(StatusCode::FORBIDDEN, "Demande refusée", m),
        ContactError::App(e) => Problem::from(e).into_response(),
    }
}

/// An id of the path; anything but a positive number is unknown (404).
fn id_chemin(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

/// The caller of a write: a token with the write scope (401 without one, 403 read-only).
async fn ecrivain(state: &AppState, headers: &HeaderMap) -> Result<CurrentUser, Response> {
    let c = caller(state, headers).await?;
    if !c.scope.allows_write() {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "Jeton en lecture seule",
            "ce jeton ne permet que la lecture : créez un jeton « lecture et écriture » depuis « Mon compte »",
        ));
    }
    Ok(c.user)
}

/// Reads the JSON body: 415 without a JSON content type, 400 for malformed JSON, 422 for
/// unknown fields or fields of the wrong type.
fn lire_corps(headers: &HeaderMap, body: &[u8]) -> Result<DemandeContactSaisie, Problem> {
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Type de contenu non pris en charge",
            "envoyez un objet JSON avec l'en-tête « Content-Type: application/json »",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Données invalides",
                e.to_string(),
            );
            p.errors.push(FieldError {
                champ: "corps".into(),
                message: e.to_string(),
            });
            p
        } else {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "JSON invalide",
                format!("le corps n'est pas un objet JSON valide : {e}"),
            )
        }
    })
}

/// Sends a contact request to organisation `id`; its owners are e-mailed.
#[utoipa::path(
    post,
    path = "/api/v1/organisations/{id}/demandes-contact",
    tag = "organisations",
    security(("jeton" = [])),
    params(("id" = i64, Path, description = "L'organisation à contacter")),
    request_body(content = DemandeContactSaisie, content_type = "application/json"),
    responses(
        (status = 201, description = "Envoyée ; les propriétaires de l'organisation la reçoivent par e-mail", body = DemandeContact),
        (status = 400, description = "JSON mal formé", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Jeton en lecture seule, ni propriétaire ni éditeur de l'organisation « de », ou adresse e-mail non vérifiée", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune organisation de cet identifiant", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Le corps n'est pas du JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champs invalides ; ou l'organisation ne souhaite pas être contactée, n'a pas de responsable inscrit, ou une demande identique attend déjà sa réponse", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Limite de demandes par organisation sur 24 heures atteinte", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = i64, description = "Secondes avant la prochaine demande possible"))),
    )
)]
pub async fn envoyer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let user = match ecrivain(&state, &headers).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let Some(id) = id_chemin(&id) else {
        return erreur(ContactError::Introuvable);
    };
    let s = match lire_corps(&headers, &body) {
        Ok(s) => s,
        Err(p) => return p.into_response(),
    };
    let saisie = DemandeSaisie {
        de: s.de,
        vers: id,
        message: s.message,
        ressource: s.ressource,
    };
    let rid = match state.app.envoyer_demande_contact(&user, &saisie).await {
        Ok(rid) => rid,
        Err(e) => return erreur(e),
    };
    match state.app.demande_contact(&user, rid).await {
        Ok(d) => (StatusCode::CREATED, Json(json(&d))).into_response(),
        Err(e) => erreur(e),
    }
}

/// The contact requests organisation `id` received or sent, newest first (its owners and
/// editors).
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/demandes-contact",
    tag = "organisations",
    security(("jeton" = [])),
    params(
        ("id" = i64, Path, description = "Identifiant de l'organisation"),
        ("sens" = Option<String>, Query, description = "recues (par défaut) ou envoyees"),
        ("etat" = Option<String>, Query, description = "envoyee, acceptee, refusee ou sans_reponse"),
        ("limit" = Option<usize>, Query, description = "De 1 à 100 (20 par défaut)"),
        ("apres" = Option<String>, Query, description = "Le curseur « suivant » de la page précédente"),
    ),
    responses(
        (status = 200, description = "Une page de demandes", body = ResultatsDemandesContact),
        (status = 400, description = "Paramètre inconnu, répété ou invalide", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Ni propriétaire ni éditeur de l'organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune organisation de cet identifiant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn liste(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Response {
    let params = match Params::parse(raw, &["sens", "etat", "limit", "apres"]) {
        Ok(p) => p,
        Err(p) => return p.into_response(),
    };
    let user = match caller(&state, &headers).await {
        Ok(c) => c.user,
        Err(res) => return res,
    };
    let Some(id) = id_chemin(&id) else {
        return erreur(ContactError::Introuvable);
    };
    let sens = match params.text("sens").unwrap_or("recues") {
        "recues" => Sens::Recues,
        "envoyees" => Sens::Envoyees,
        _ => return Problem::bad_request("sens", "attendu : recues ou envoyees").into_response(),
    };
    let etat = match params.text("etat") {
        None => None,
        Some(s) => match EtatDemande::from_slug(s) {
            Some(e) => Some(e),
            None => {
                return Problem::bad_request("etat", format!("attendu : {}", EtatDemande::slugs()))
                    .into_response()
            }
        },
    };
    let limite = match params.number("limit", LIMITE_DEFAUT, 1, PAGE_MAX as usize) {
        Ok(n) => n as i64,
        Err(p) => return p.into_response(),
    };
    let apres = match params.text("apres").map(id_chemin) {
        None => None,
        Some(Some(c)) => Some(c),
        Some(None) => return Problem::bad_request("apres", "curseur invalide").into_response(),
    };
    match state
        .app
        .demandes_contact(&user, id, sens, etat, apres, limite)
        .await
    {
        Ok(page) => Json(ResultatsDemandesContact {
            resultats: page.demandes.iter().map(json).collect(),
            total: page.total,
            suivant: page.suivant.map(|c| c.to_string()),
        })
        .into_response(),
        Err(e) => erreur(e),
    }
}
