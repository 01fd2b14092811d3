//! The HTTP server of Alliances: French-first pages and the JSON API, over the app layer.
//! Handlers parse the request, call the app, and render a template or JSON; no SQL and no
//! business rule here.

pub mod alliances_view;
pub mod annuaire_view;
pub mod api;
pub mod assets;
pub mod carte;
pub mod graphiques;
pub mod i18n;
pub mod kits_view;
pub mod layout;
pub mod pages;
pub mod params;
pub mod problem;
mod router;
mod security;
pub mod state;
mod system;
pub mod tableau_view;
pub mod territoire_view;
pub mod visiteur;

use alliances_app::App;
use axum::http::{HeaderName, Request};
use axum::Router;
use state::AppState;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;

/// Options of the web layer.
#[derive(Debug, Clone)]
pub struct WebOptions {
    /// Served over HTTPS (behind a TLS proxy): HSTS and `Secure` cookies.
    pub behind_tls: bool,
    /// The site's public URL, for links in e-mails.
    pub public_url: String,
    /// Where e-mails are written when they are not sent (demo): shown to admins.
    pub outbox: Option<std::path::PathBuf>,
    /// Behind a trusted reverse proxy: client addresses from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
}

impl Default for WebOptions {
    fn default() -> Self {
        Self {
            behind_tls: false,
            public_url: "http://127.0.0.1:8080".into(),
            outbox: None,
            trust_forwarded_for: false,
        }
    }
}

/// The whole application as a router: routes, error pages, security headers, request ids, logs,
/// compression, panic recovery and a request timeout.
pub fn build_router(app: Arc<App>, options: WebOptions) -> Router {
    let state = AppState {
        app,
        i18n: Arc::new(i18n::I18n::new()),
        assets: Arc::new(assets::Assets::new()),
        openapi_json: Arc::new(api::openapi_json()),
        behind_tls: options.behind_tls,
        public_url: options.public_url,
        outbox: options.outbox,
        trust_forwarded_for: options.trust_forwarded_for,
    };
    let request_id = HeaderName::from_static("x-request-id");
    router::routes(state.clone())
        .layer(CatchPanicLayer::custom(pages::erreurs::panic_response))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn_with_state(state.clone(), pages::erreurs::render_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), visiteur::load))
        .layer(axum::middleware::from_fn_with_state(state.clone(), pages::erreurs::garde_disponibilite))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::api_rate_limit))
        .layer(axum::middleware::from_fn_with_state(state, security::headers))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CompressionLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The client's address reaches handlers (rate limits per address) through `ConnectInfo`.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
