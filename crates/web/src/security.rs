//! Security headers on every response, and the language cookie set by `?lang=`.

use crate::layout::lang_of;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// No inline script or style anywhere: every script and stylesheet is a fingerprinted file.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let sets_lang = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == "lang=fr" || p == "lang=en"))
        && !req.uri().path().starts_with("/api/");
    let lang = lang_of(req.uri().query(), req.headers());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: header::HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        h,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if state.behind_tls {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    let is_html = h
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html {
        // Pages depend on the language cookie as well as on the URL.
        h.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
    if sets_lang {
        let secure = if state.behind_tls { "; Secure" } else { "" };
        let cookie = format!(
            "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Rate limit of the JSON API, per client address: 429 with `Retry-After` as problem+json.
pub async fn api_rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        let ip = crate::visiteur::client_ip(&req, state.trust_forwarded_for);
        if let Err(secs) = state.app.limiter.hit(
            &format!("api:{ip}"),
            alliances_app::limites::API_PER_IP,
            alliances_app::now(),
        ) {
            let mut res = crate::problem::Problem::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "Trop de requêtes",
                format!(
                    "limite de {} requêtes par minute atteinte : réessayez dans {secs} s",
                    alliances_app::limites::API_PER_IP.max
                ),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return res;
        }
    }
    next.run(req).await
}
