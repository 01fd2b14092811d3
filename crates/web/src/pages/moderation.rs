//! `/admin/moderation`: the moderators' queue — likely duplicates (merge or keep apart), claims
//! of organisations (accept or refuse), reported content (acted upon or dismissed).

use super::{render, PageError};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::state::AppState;
use crate::visiteur::{csrf_ok, Visitor};
use alliances_app::annuaire::AnnuaireError;
use alliances_app::moderation::File;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "moderation.html")]
struct ModerationPage {
    layout: Layout,
    file: File,
    raisons: HashMap<String, String>,
}

impl ModerationPage {
    fn raison(&self, slug: &str) -> String {
        self.raisons
            .get(slug)
            .cloned()
            .unwrap_or_else(|| slug.to_string())
    }
    fn pourcent(&self, score: &f64) -> String {
        format!("{:.0} %", score * 100.0)
    }
}

fn map_err(e: AnnuaireError) -> PageError {
    e.into()
}

pub async fn moderation(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let file = state
        .app
        .file_moderation(visitor.user())
        .await
        .map_err(map_err)?;
    let mut l = Layout::new(
        &state,
        &visitor,
        "/admin/moderation",
        "admin",
        String::new(),
    );
    l.title = l.t("moderation-titre");
    let crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    let l = l.with_crumbs(crumbs);
    let raisons = [
        ("meme-nom-meme-commune", "doublon-meme-nom"),
        ("nom-tres-proche", "doublon-nom-proche"),
    ]
    .into_iter()
    .map(|(s, k)| (s.to_string(), l.t(k)))
    .collect();
    render(&ModerationPage {
        layout: l,
        file,
        raisons,
    })
}

type Champs = HashMap<String, String>;

/// The CSRF check, then the right to moderate (before reading the decision).
fn check(headers: &HeaderMap, visitor: &Visitor, f: &Champs) -> Result<(), PageError> {
    if !alliances_app::politique::can(visitor.user(), alliances_app::politique::Action::Moderer) {
        return Err(PageError::Forbidden);
    }
    if csrf_ok(
        headers,
        visitor,
        f.get("_csrf").map(String::as_str).unwrap_or(""),
    ) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

/// `POST /admin/moderation/doublons/{id}`: `garder` = the id kept, or `distinctes`.
pub async fn doublon(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let garder = match f.get("decision").map(String::as_str) {
        Some("distinctes") => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| PageError::BadRequest)?),
        None => return Err(PageError::BadRequest),
    };
    state
        .app
        .decider_doublon(user, id, garder)
        .await
        .map_err(map_err)?;
    Ok(Redirect::to("/admin/moderation").into_response())
}

/// `POST /admin/moderation/revendications/{id}`: `decision` = accepter | refuser.
pub async fn revendication(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let accepter = match f.get("decision").map(String::as_str) {
        Some("accepter") => true,
        Some("refuser") => false,
        _ => return Err(PageError::BadRequest),
    };
    state
        .app
        .decider_revendication(user, id, accepter)
        .await
        .map_err(map_err)?;
    Ok(Redirect::to("/admin/moderation").into_response())
}

/// `POST /admin/moderation/signalements/{id}`: `decision` = traite | rejete.
pub async fn signalement(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let suite = f.get("decision").map(String::as_str).unwrap_or("");
    state
        .app
        .traiter_signalement(user, id, suite)
        .await
        .map_err(map_err)?;
    Ok(Redirect::to("/admin/moderation").into_response())
}
