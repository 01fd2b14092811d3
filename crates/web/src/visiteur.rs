//! Who is asking: the session (from its cookie, stored in the database and cached a few seconds
//! per instance: `App::session_for_request`), the signed-in user if any, the language, the
//! client's address. Loaded once per request by [`load`] and read by handlers through the
//! [`Visitor`] extractor. Also the CSRF defence of every unsafe form.

use crate::i18n::Lang;
use crate::layout::lang_of;
use crate::state::AppState;
use alliances_app::comptes::{CurrentUser, SESSION_ABSOLUTE_SECS};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub const SESSION_COOKIE: &str = "alliances_session";

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub cookie: String,
    pub csrf: String,
    pub user: Option<CurrentUser>,
}

#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    pub ip: IpAddr,
    pub session: Option<SessionView>,
}

impl Visitor {
    pub fn user(&self) -> Option<&CurrentUser> {
        self.session.as_ref().and_then(|s| s.user.as_ref())
    }
    pub fn cookie(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.cookie.as_str())
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(SESSION_COOKIE)
                .and_then(|r| r.strip_prefix('='))
                .map(str::to_string)
        })
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value carrying a session id.
pub fn set_cookie(value: &str, behind_tls: bool) -> HeaderValue {
    let secure = if behind_tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={value}; Path=/; Max-Age={SESSION_ABSOLUTE_SECS}; HttpOnly; SameSite=Lax{secure}"))
        .expect("hex cookie value")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(behind_tls: bool) -> HeaderValue {
    let secure = if behind_tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("static cookie")
}

/// The client's address: the peer's, or behind a trusted reverse proxy the last
/// `X-Forwarded-For` entry (the one the proxy appended; earlier ones are the client's to forge).
pub fn client_ip(req: &Request, trust_forwarded_for: bool) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trust_forwarded_for {
        return peer;
    }
    // Only the entry the proxy appended counts: if it is not an address, fall back to the peer
    // rather than to an earlier (client-written) entry.
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    entries
        .last()
        .and_then(|s| s.trim().parse::<IpAddr>().ok())
        .unwrap_or(peer)
}

/// Loads the visitor for every request except static files and the JSON API (which is
/// stateless: cookies never authorise API calls).
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let ip = client_ip(&req, state.trust_forwarded_for);
    let lang = lang_of(req.uri().query(), req.headers());
    let mut session = None;
    if !path.starts_with("/static/") && !path.starts_with("/api/") {
        if let Some(cookie) = session_cookie(req.headers()) {
            match state.app.session_for_request(&cookie).await {
                Ok(Some((s, user))) => {
                    session = Some(SessionView {
                        cookie,
                        csrf: s.csrf_token,
                        user,
                    })
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "session lookup failed"),
            }
        }
    }
    req.extensions_mut().insert(Visitor { lang, ip, session });
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .unwrap_or_else(|| Visitor {
                lang: lang_of(parts.uri.query(), &parts.headers),
                ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                session: None,
            }))
    }
}

/// The CSRF defence of an unsafe form: the request must come from this site (`Origin`, or
/// `Sec-Fetch-Site` when there is no `Origin`) and carry the session's synchronizer token.
pub fn csrf_ok(headers: &HeaderMap, visitor: &Visitor, token: &str) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin == "null" || origin_host != host {
            return false;
        }
    } else if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    match &visitor.session {
        Some(s) => constant_time_eq(s.csrf.as_bytes(), token.as_bytes()),
        None => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor(csrf: &str) -> Visitor {
        Visitor {
            lang: Lang::Fr,
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            session: Some(SessionView {
                cookie: "c".into(),
                csrf: csrf.into(),
                user: None,
            }),
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn csrf_needs_the_token_and_a_same_origin_request() {
        let v = visitor("tok");
        assert!(csrf_ok(
            &headers(&[("host", "a.fr"), ("origin", "https://a.fr")]),
            &v,
            "tok"
        ));
        assert!(
            csrf_ok(&headers(&[("host", "a.fr")]), &v, "tok"),
            "no Origin, no Sec-Fetch-Site: old browser"
        );
        assert!(!csrf_ok(
            &headers(&[("host", "a.fr"), ("origin", "https://a.fr")]),
            &v,
            "tok2"
        ));
        assert!(!csrf_ok(
            &headers(&[("host", "a.fr"), ("origin", "https://evil.fr")]),
            &v,
            "tok"
        ));
        assert!(!csrf_ok(
            &headers(&[("host", "a.fr"), ("origin", "null")]),
            &v,
            "tok"
        ));
        assert!(!csrf_ok(
            &headers(&[("host", "a.fr"), ("sec-fetch-site", "cross-site")]),
            &v,
            "tok"
        ));
        let anonymous = Visitor { session: None, ..v };
        assert!(!csrf_ok(&headers(&[("host", "a.fr")]), &anonymous, ""));
    }

    #[test]
    fn client_address_from_the_peer_or_a_trusted_proxy() {
        let req = |xff: Option<&'static str>| {
            let mut r = Request::new(axum::body::Body::empty());
            r.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
            if let Some(v) = xff {
                r.headers_mut()
                    .insert("x-forwarded-for", HeaderValue::from_static(v));
            }
            r
        };
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(&req(Some("1.2.3.4")), false),
            proxy,
            "not trusted: the peer"
        );
        assert_eq!(
            client_ip(&req(Some("6.6.6.6, 1.2.3.4")), true),
            "1.2.3.4".parse::<IpAddr>().unwrap(),
            "the entry the proxy appended"
        );
        assert_eq!(client_ip(&req(Some("n'importe quoi")), true), proxy);
        assert_eq!(client_ip(&req(None), true), proxy);
    }

    #[test]
    fn session_cookie_must_look_like_one() {
        let good = "a".repeat(64);
        let h = headers(&[]);
        assert_eq!(session_cookie(&h), None);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("lang=fr; {SESSION_COOKIE}={good}")).unwrap(),
        );
        assert_eq!(session_cookie(&h), Some(good));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("alliances_session=../../etc"),
        );
        assert_eq!(session_cookie(&h), None);
    }
}
