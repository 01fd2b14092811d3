//! What every page shares: language, title, breadcrumb, assets, footer attribution.

use crate::i18n::{Lang, Tr};
use crate::state::AppState;
use crate::visiteur::Visitor;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use std::convert::Infallible;

/// The language of a page request: `?lang=`, then the `lang` cookie, else French.
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

pub fn lang_of(query: Option<&str>, headers: &HeaderMap) -> Lang {
    let from_query = query.and_then(|q| {
        q.split('&')
            .find_map(|p| p.strip_prefix("lang="))
            .and_then(Lang::parse)
    });
    from_query
        .or_else(|| lang_cookie(headers))
        .unwrap_or(Lang::Fr)
}

fn lang_cookie(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lang=").and_then(Lang::parse))
}

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(lang_of(parts.uri.query(), &parts.headers)))
    }
}

/// One step of the breadcrumb; the last one (the current page) has no link.
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

pub struct Layout {
    pub tr: Tr,
    pub title: String,
    pub path: String,
    pub css: String,
    pub js: String,
    pub favicon: String,
    pub breadcrumb: Vec<Crumb>,
    pub footer_data: String,
    /// Which top navigation entry is current (`accueil`, `territoires`, `api`, `compte`, `admin`).
    pub section: &'static str,
    /// The signed-in user's name, for the header.
    pub user_name: Option<String>,
    /// The session's CSRF token, for the header's log-out form and the page's forms.
    pub csrf: String,
    /// Whether to show the admin entry.
    pub show_admin: bool,
}

impl Layout {
    pub fn new(
        state: &AppState,
        visitor: &Visitor,
        path: &str,
        section: &'static str,
        title: String,
    ) -> Self {
        let tr = state.tr(visitor.lang);
        let territoires = state.app.territoires();
        let src = &territoires.referentiel.source;
        let footer_data = tr.ta(
            "pied-donnees",
            &[
                ("source", &src.source),
                ("millesime", &src.millesime),
                ("licence", &src.licence),
            ],
        );
        Self {
            title,
            path: path.to_string(),
            css: state.assets.url("app.css").to_string(),
            js: state.assets.url("app.js").to_string(),
            favicon: state.assets.url("favicon.svg").to_string(),
            breadcrumb: Vec::new(),
            footer_data,
            section,
            user_name: visitor.user().map(|u| u.name.clone()),
            csrf: visitor
                .session
                .as_ref()
                .map(|s| s.csrf.clone())
                .unwrap_or_default(),
            show_admin: alliances_app::politique::can(
                visitor.user(),
                alliances_app::politique::Action::Administrer,
            ),
            tr,
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    pub fn lang(&self) -> &'static str {
        self.tr.lang.code()
    }

    /// The link to the same page in the other language.
    pub fn other_lang_href(&self) -> String {
        format!("{}?lang={}", self.path, self.t("langue-autre-code"))
    }

    pub fn with_crumbs(mut self, crumbs: Vec<Crumb>) -> Self {
        self.breadcrumb = crumbs;
        self
    }

    pub fn is_section(&self, s: &str) -> bool {
        self.section == s
    }

    pub fn nombre(&self, n: &u64) -> String {
        self.tr.nombre(*n)
    }
}

/// The home crumb, first of every breadcrumb.
pub fn home_crumb(tr: &Tr) -> Crumb {
    Crumb {
        label: tr.t("nav-accueil"),
        href: Some("/".into()),
    }
}
