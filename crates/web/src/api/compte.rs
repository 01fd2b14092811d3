//! `/api/v1/moi`: the account behind an API token. Tokens come from the account page; cookie
//! sessions never authorise the API.

use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use crate::state::AppState;
use alliances_app::jetons::ApiCaller;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// The caller of the API.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Moi {
    pub id: i64,
    pub nom: String,
    pub email: String,
    pub email_verifie: bool,
    pub roles: Vec<String>,
    /// `read`, or `read write`.
    pub portee: String,
}

/// 401 with `WWW-Authenticate`, as RFC 6750 asks.
pub fn unauthorized(detail: &str) -> Response {
    let mut res =
        Problem::new(StatusCode::UNAUTHORIZED, "Authentification requise", detail).into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"alliances\""),
    );
    res
}

/// The caller of a request from its `Authorization: Bearer …` header, or the 401 to answer.
pub async fn caller(state: &AppState, headers: &HeaderMap) -> Result<ApiCaller, Response> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(unauthorized("jeton manquant : en-tête « Authorization: Bearer <jeton> » (créez un jeton depuis « Mon compte »)"));
    };
    let Some(token) = value.strip_prefix("Bearer ").map(str::trim) else {
        return Err(unauthorized(
            "schéma d'authentification non pris en charge : utilisez « Bearer »",
        ));
    };
    match state.app.api_caller(token).await {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(unauthorized("jeton inconnu ou révoqué")),
        Err(e) => Err(Problem::from(e).into_response()),
    }
}

/// The account the token belongs to.
#[utoipa::path(
    get,
    path = "/api/v1/moi",
    tag = "comptes",
    security(("jeton" = [])),
    responses(
        (status = 200, body = Moi),
        (status = 400, description = "Paramètre inconnu", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn moi(State(state): State<AppState>, headers: HeaderMap, raw: RawQuery) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    match caller(&state, &headers).await {
        Ok(c) => Json(Moi {
            id: c.user.id,
            nom: c.user.name,
            email: c.user.email,
            email_verifie: c.user.verified,
            roles: c.user.roles.iter().map(|r| r.slug().to_string()).collect(),
            portee: c.scope.as_str().to_string(),
        })
        .into_response(),
        Err(res) => res,
    }
}
