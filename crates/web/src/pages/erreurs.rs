//! Error pages: handlers return a [`PageError`]; the [`render_errors`] middleware, which has the
//! state and the request, turns it (and the server's own 404s and panics) into a full page.

use crate::layout::{lang_of, Layout};
use crate::state::AppState;
use crate::visiteur::Visitor;
use alliances_app::Indisponibilite;
use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageError {
    NotFound,
    BadRequest,
    /// The visitor lacks the right, or the form failed the CSRF check.
    Forbidden,
    /// Too many attempts: retry after this many seconds.
    TooMany(i64),
    Internal,
    /// The database cannot be used right now (503, retry after a few seconds).
    Indisponible(alliances_app::Indisponibilite),
}

impl PageError {
    fn status(self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::Forbidden => StatusCode::FORBIDDEN,
            PageError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            PageError::Indisponible(_) => StatusCode::SERVICE_UNAVAILABLE,
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
    let visitor = req
        .extensions()
        .get::<Visitor>()
        .cloned()
        .unwrap_or_else(|| Visitor {
            lang: lang_of(req.uri().query(), req.headers()),
            ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            session: None,
        });
    let path = req.uri().path().to_string();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let res = next.run(req).await;
    if let Some(kind) = res.extensions().get::<PageError>().copied() {
        return error_page(&state, &visitor, &path, kind, request_id);
    }
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // Responses made by the framework itself (extractor rejections, unknown methods, time-outs)
    // come as bare text: give them the shape of the rest of the site.
    let bare = content_type.is_empty() || content_type.starts_with("text/plain");
    if !(status.is_client_error() || status.is_server_error())
        || !bare
        || path.starts_with("/static/")
    {
        return res;
    }
    if path.starts_with("/api/") {
        let detail = axum::body::to_bytes(res.into_body(), 4096)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let title = status.canonical_reason().unwrap_or("Erreur");
        let detail = if detail.trim().is_empty() {
            title.to_string()
        } else {
            detail
        };
        return crate::problem::Problem::new(status, title, detail).into_response();
    }
    let kind = match status {
        StatusCode::NOT_FOUND => PageError::NotFound,
        s if s.is_server_error() => PageError::Internal,
        _ => PageError::BadRequest,
    };
    let mut page = error_page(&state, &visitor, &path, kind, request_id);
    *page.status_mut() = status;
    page
}

pub fn error_page(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    kind: PageError,
    request_id: Option<String>,
) -> Response {
    let (title, text) = match kind {
        PageError::NotFound => ("erreur-404-titre", "erreur-404-texte"),
        PageError::BadRequest => ("erreur-400-titre", "erreur-400-texte"),
        PageError::Forbidden => ("erreur-403-titre", "erreur-403-texte"),
        PageError::TooMany(_) => ("erreur-429-titre", "erreur-429-texte"),
        PageError::Internal => ("erreur-500-titre", "erreur-500-texte"),
        PageError::Indisponible(Indisponibilite::Injoignable) => {
            ("erreur-503-titre", "erreur-503-injoignable")
        }
        PageError::Indisponible(Indisponibilite::DisquePlein) => {
            ("erreur-503-titre", "erreur-503-disque")
        }
    };
    let layout = Layout::new(state, visitor, path, "", String::new());
    let reference = match (kind, request_id) {
        (PageError::Internal, Some(id)) => Some(layout.tr.ta("erreur-reference", &[("id", &id)])),
        _ => None,
    };
    let mut layout = layout;
    layout.title = layout.t(title);
    let texte = layout.t(text);
    let page = ErreurPage {
        layout,
        texte,
        reference,
        avec_recherche: kind != PageError::Internal,
        q: String::new(),
        erreur: None,
    };
    let body = page
        .render()
        .unwrap_or_else(|_| "<!doctype html><title>Erreur</title><h1>Erreur</h1>".into());
    let mut res = (kind.status(), Html(body)).into_response();
    res.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    let apres = match kind {
        PageError::TooMany(secs) => Some(secs.max(1)),
        PageError::Indisponible(_) => Some(RETRY_AFTER_INDISPONIBLE),
        _ => None,
    };
    if let Some(v) = apres.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Seconds a client is asked to wait when the database cannot be used.
const RETRY_AFTER_INDISPONIBLE: i64 = 2;

/// Fails fast while the database is unreachable (a 503 before anything touches it: no request
/// waits for a connection time-out), and says why when a request failed because the database
/// was unreachable or full — pages as a page, the API as a problem, with `Retry-After`. Static
/// files and `/healthz` are always served; `/readyz` checks the database itself.
pub async fn garde_disponibilite(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let exempte = path.starts_with("/static/") || path == "/healthz" || path == "/readyz";
    if exempte {
        return next.run(req).await;
    }
    let visitor = Visitor {
        lang: lang_of(req.uri().query(), req.headers()),
        ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        session: None,
    };
    if let Some(Indisponibilite::Injoignable) = alliances_app::indisponibilite() {
        sonder(&state);
        return indisponible(&state, &visitor, &path, Indisponibilite::Injoignable);
    }
    let res = next.run(req).await;
    if res.status() == StatusCode::INTERNAL_SERVER_ERROR {
        if let Some(raison) = alliances_app::indisponibilite() {
            return indisponible(&state, &visitor, &path, raison);
        }
    }
    res
}

/// While the database is unreachable, one background probe at a time (at most every 2.5 s)
/// checks whether it answers again; its success reopens the gate for every request.
fn sonder(state: &AppState) {
    static SONDE_EN_COURS: std::sync::atomic::AtomicBool =
        std::sync::atomic::AtomicBool::new(false);
    if SONDE_EN_COURS.swap(true, std::sync::atomic::Ordering::AcqRel) {
        return;
    }
    let app = state.app.clone();
    tokio::spawn(async move {
        // `ready` pings the database; a success clears the unreachable state. Never cancelled:
        // the pool's own acquire time-out bounds it.
        let _ = app.ready().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        SONDE_EN_COURS.store(false, std::sync::atomic::Ordering::Release);
    });
}

fn indisponible(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    raison: Indisponibilite,
) -> Response {
    if path.starts_with("/api/") {
        let tr = state.tr(visitor.lang);
        let texte = match raison {
            Indisponibilite::Injoignable => tr.t("erreur-503-injoignable"),
            Indisponibilite::DisquePlein => tr.t("erreur-503-disque"),
        };
        let mut res = crate::problem::Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            &tr.t("erreur-503-titre"),
            texte,
        )
        .into_response();
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(RETRY_AFTER_INDISPONIBLE),
        );
        return res;
    }
    error_page(state, visitor, path, PageError::Indisponible(raison), None)
}

/// The body of a panic caught by the server: an empty 500 that [`render_errors`] dresses.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    tracing::error!("handler panicked");
    PageError::Internal.into_response()
}

impl From<alliances_app::annuaire::AnnuaireError> for PageError {
    /// A refused right is 403, an unknown record 404, anything the visitor sent wrong 400.
    fn from(e: alliances_app::annuaire::AnnuaireError) -> Self {
        use alliances_app::annuaire::AnnuaireError as E;
        match e {
            E::Interdit => PageError::Forbidden,
            E::Introuvable => PageError::NotFound,
            E::App(e) => e.into(),
            _ => PageError::BadRequest,
        }
    }
}
