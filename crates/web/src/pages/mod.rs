//! HTML pages: parse the request, call the app, render an askama template.

pub mod accueil;
pub mod admin;
pub mod alliances;
pub mod annuaire;
pub mod api_doc;
pub mod bibliotheque;
pub mod compte;
pub mod contacts;
pub mod erreurs;
pub mod experimentations;
pub mod formulaires;
pub mod imports;
pub mod ingenieries;
pub mod kits;
pub mod membres;
pub mod moderation;
pub mod observatoire;
pub mod observatoire_etudes;
pub mod recherche;
pub mod relation;
pub mod territoires;
pub mod veille;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

pub use erreurs::PageError;

/// Renders a template into a response; a rendering failure is a server error page.
pub fn render<T: Template>(t: &T) -> Result<Response, PageError> {
    match t.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            Err(PageError::Internal)
        }
    }
}
