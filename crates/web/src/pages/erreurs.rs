//! Error pages: handlers return a [`PageError`]; the [`render_errors`] middleware, which has the
//! state and the request, turns it (and the server's own 404s and panics) into a full page.

use crate::i18n::Lang;
use crate::layout::{lang_of, Layout};
use crate::state::AppState;
use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageError {
    NotFound,
    BadRequest,
    Internal,
}

impl PageError {
    fn status(self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

impl From<alliances_app::AppError> for PageError {
    fn from(e: alliances_app::AppError) -> Self {
        tracing::error!(error = %e, "page request failed");
        PageError::Internal
    }
}

#[derive(Template)]
#[template(path = "erreur.html")]
struct ErreurPage {
    layout: Layout,
    texte: String,
    reference: Option<String>,
    avec_recherche: bool,
    q: String,
    erreur: Option<String>,
}

/// Renders marked page errors, and any bare 404 / 500 outside the API, as full pages.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = lang_of(req.uri().query(), req.headers());
    let path = req.uri().path().to_string();
    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let res = next.run(req).await;
    let is_api = path.starts_with("/api/");
    let kind = match res.extensions().get::<PageError>() {
        Some(k) => *k,
        None if is_api || path.starts_with("/static/") => return res,
        None if res.status() == StatusCode::NOT_FOUND && res.headers().get("content-type").is_none() => PageError::NotFound,
        None if res.status() == StatusCode::INTERNAL_SERVER_ERROR && res.headers().get("content-type").is_none() => PageError::Internal,
        None => return res,
    };
    error_page(&state, lang, &path, kind, request_id)
}

pub fn error_page(state: &AppState, lang: Lang, path: &str, kind: PageError, request_id: Option<String>) -> Response {
    let (title, text) = match kind {
        PageError::NotFound => ("erreur-404-titre", "erreur-404-texte"),
        PageError::BadRequest => ("erreur-400-titre", "erreur-404-texte"),
        PageError::Internal => ("erreur-500-titre", "erreur-500-texte"),
    };
    let layout = Layout::new(state, lang, path, "", String::new());
    let reference = match (kind, request_id) {
        (PageError::Internal, Some(id)) => Some(layout.tr.ta("erreur-reference", &[("id", &id)])),
        _ => None,
    };
    let mut layout = layout;
    layout.title = layout.t(title);
    let texte = layout.t(text);
    let page = ErreurPage { layout, texte, reference, avec_recherche: kind != PageError::Internal, q: String::new(), erreur: None };
    let body = page.render().unwrap_or_else(|_| "<!doctype html><title>Erreur</title><h1>Erreur</h1>".into());
    let mut res = (kind.status(), Html(body)).into_response();
    res.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    res
}

/// The body of a panic caught by the server: an empty 500 that [`render_errors`] dresses.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("handler panicked");
    PageError::Internal.into_response()
}
