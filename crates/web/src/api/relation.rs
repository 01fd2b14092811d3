//! `GET /api/v1/organisations/{id}/partenaires` (and `/ressources/{rid}/partenaires` for one need
//! or offer): the potential partners of an organisation as JSON, for its members and the staff
//! (a bearer token of any scope). The ranking is the app's (`alliances_app::relation`); the
//! formula is public at `/mise-en-relation`. A ranked list has no cursor: `limit` (1–100) says
//! how many of the best come back, `total` how many candidates passed the filters.

use super::compte::caller;
use crate::pages::relation::{lire_filtres, PARAMS};
use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use crate::state::AppState;
use alliances_app::annuaire::AnnuaireError;
use alliances_app::relation::{Partenaires, LIMITE_MAX};
use alliances_domain::relation::Proximite;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

/// The routes of this file; the router merges them.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organisations/{id}/partenaires", get(partenaires))
        .route(
            "/api/v1/organisations/{id}/ressources/{rid}/partenaires",
            get(partenaires_ressource),
        )
}

const LIMITE_DEFAUT: usize = 20;

/// The proposed organisation (its public fields).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationPartenaire {
    pub id: i64,
    pub nom: String,
    pub profil: String,
    pub code_commune: Option<String>,
    pub code_departement: Option<String>,
    pub odd: Vec<u8>,
    /// A demonstration record (fictional).
    pub demo: bool,
}

/// One reason, in French.
#[derive(Serialize, ToSchema)]
pub struct RaisonPartenaire {
    /// `odd`, `besoins`, `offres`, `proximite`, `profil`, `maturite` or `fraicheur`.
    pub code: String,
    pub texte: String,
}

/// One potential partner.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Partenaire {
    pub organisation: OrganisationPartenaire,
    /// Out of 100.
    pub score: f64,
    /// The finest territorial level shared: `commune`, `epci`, `departement`, `region`,
    /// `national` (one acts nationally) or `aucun`.
    pub proximite: String,
    pub raisons: Vec<RaisonPartenaire>,
    /// False when the organisation chose not to be contacted through the platform.
    pub contactable: bool,
}

/// The answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultatsPartenaires {
    pub resultats: Vec<Partenaire>,
    /// Candidates that passed the filters.
    pub total: usize,
    /// The organisation states neither needs nor offers: the ranking rests on SDGs, territory
    /// and profile only.
    pub sans_ressources: bool,
    /// Where the formula is explained.
    pub methode: String,
}

fn proximite_slug(p: Proximite) -> &'static str {
    match p {
        Proximite::Commune => "commune",
        Proximite::Epci => "epci",
        Proximite::Departement => "departement",
        Proximite::Region => "region",
        Proximite::National => "national",
        Proximite::Aucune => "aucun",
    }
}

fn json(p: Partenaires) -> ResultatsPartenaires {
    ResultatsPartenaires {
        total: p.total,
        sans_ressources: p.sans_ressources,
        methode: "/mise-en-relation".into(),
        resultats: p
            .resultats
            .into_iter()
            .map(|x| Partenaire {
                organisation: OrganisationPartenaire {
                    id: x.fiche.id,
                    nom: x.fiche.org.nom.clone(),
                    profil: x.fiche.org.profil.slug().into(),
                    code_commune: x.fiche.org.commune.as_ref().map(|c| c.as_str().into()),
                    code_departement: x
                        .fiche
                        .org
                        .commune
                        .as_ref()
                        .map(|c| c.departement_prefix().into()),
                    odd: x.fiche.org.odd(),
                    demo: x.fiche.meta.demo,
                },
                score: f64::from(x.score) / 100.0,
                proximite: proximite_slug(x.composantes.proximite).into(),
                raisons: x
                    .raisons
                    .into_iter()
                    .map(|r| RaisonPartenaire {
                        code: r.code.into(),
                        texte: r.texte,
                    })
                    .collect(),
                contactable: x.contactable,
            })
            .collect(),
    }
}

fn id_chemin(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

async fn repondre(
    state: AppState,
    headers: HeaderMap,
    id: String,
    rid: Option<String>,
    raw: RawQuery,
) -> Response {
    let mut allowed = PARAMS.to_vec();
    allowed.push("limit");
    let params = match Params::parse_with_lists(raw, &allowed, &["profil"]) {
        Ok(p) => p,
        Err(p) => return p.into_response(),
    };
    let user = match caller(&state, &headers).await {
        Ok(c) => c.user,
        Err(res) => return res,
    };
    let introuvable =
        || Problem::not_found("aucune organisation de cet identifiant").into_response();
    let Some(id) = id_chemin(&id) else {
        return introuvable();
    };
    let rid = match rid.as_deref().map(id_chemin) {
        None => None,
        Some(Some(r)) => Some(r),
        Some(None) => {
            return Problem::not_found(
                "aucune offre ni besoin de cet identifiant pour cette organisation",
            )
            .into_response()
        }
    };
    let filtres = match lire_filtres(&params) {
        Ok(f) => f,
        Err(e) => return Problem::bad_request(e.champ, e.message).into_response(),
    };
    let limite = match params.number("limit", LIMITE_DEFAUT, 1, LIMITE_MAX) {
        Ok(n) => n,
        Err(p) => return p.into_response(),
    };
    match state
        .app
        .partenaires_potentiels(Some(&user), id, rid, filtres, limite)
        .await
    {
        Ok(p) => Json(json(p)).into_response(),
        Err(AnnuaireError::Introuvable) if rid.is_some() => Problem::not_found(
            "aucune organisation de cet identifiant, ou aucune offre ni besoin de cet identifiant pour elle",
        )
        .into_response(),
        Err(AnnuaireError::Introuvable) => introuvable(),
        Err(AnnuaireError::Interdit) => Problem::new(
            StatusCode::FORBIDDEN,
            "Action interdite",
            "les partenaires potentiels d'une organisation sont réservés à ses membres",
        )
        .into_response(),
        Err(AnnuaireError::App(e)) => Problem::from(e).into_response(),
        Err(e) => Problem::new(StatusCode::CONFLICT, "Demande refusée", e.to_string()).into_response(),
    }
}

/// The potential partners of an organisation (its members and the moderators).
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/partenaires",
    tag = "organisations",
    security(("jeton" = [])),
    params(
        ("id" = i64, Path, description = "Identifiant de l'organisation"),
        ("profil" = Option<Vec<String>>, Query, description = "Profils recherchés (répétable) : association, entreprise, collectivite…"),
        ("distance" = Option<String>, Query, description = "Au plus loin : commune, epci, departement, region, national"),
        ("odd" = Option<u8>, Query, description = "Un ODD (1 à 17) que le partenaire doit avoir"),
        ("nature" = Option<String>, Query, description = "Nature de ressource que le partenaire propose (ou, pour une offre, dont il a besoin)"),
        ("limit" = Option<usize>, Query, description = "Combien des meilleurs (1 à 100, 20 par défaut)"),
    ),
    responses(
        (status = 200, description = "Les partenaires potentiels, les meilleurs d'abord, chacun avec ses raisons", body = ResultatsPartenaires),
        (status = 400, description = "Paramètre inconnu ou invalide", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Le jeton n'est pas celui d'un membre de l'organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune organisation de cet identifiant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn partenaires(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Response {
    repondre(state, headers, id, None, raw).await
}

/// The potential partners for one need (who offers it) or one offer (who needs it).
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/ressources/{rid}/partenaires",
    tag = "organisations",
    security(("jeton" = [])),
    params(
        ("id" = i64, Path, description = "Identifiant de l'organisation"),
        ("rid" = i64, Path, description = "Identifiant de l'offre ou du besoin"),
        ("profil" = Option<Vec<String>>, Query, description = "Profils recherchés (répétable)"),
        ("distance" = Option<String>, Query, description = "Au plus loin : commune, epci, departement, region, national"),
        ("odd" = Option<u8>, Query, description = "Un ODD (1 à 17)"),
        ("nature" = Option<String>, Query, description = "Nature de ressource"),
        ("limit" = Option<usize>, Query, description = "Combien des meilleurs (1 à 100, 20 par défaut)"),
    ),
    responses(
        (status = 200, description = "Les partenaires potentiels pour cette offre ou ce besoin", body = ResultatsPartenaires),
        (status = 400, description = "Paramètre inconnu ou invalide", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Le jeton n'est pas celui d'un membre de l'organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Organisation inconnue, ou ressource qui n'est pas la sienne", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn partenaires_ressource(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, rid)): Path<(String, String)>,
    raw: RawQuery,
) -> Response {
    repondre(state, headers, id, Some(rid), raw).await
}
