//! The generic form of the site's pages: fields described as data (`Champ`), labels and help
//! from the locale files under a prefix, errors next to their field and summarised at the top
//! (422), and the readers of a posted form (fields, CSRF check).

use super::{render, PageError};
use crate::i18n::Tr;
use crate::layout::Layout;
use crate::params::form_urlencoded_pairs;
use crate::visiteur::{csrf_ok, Visitor};
use alliances_domain::annuaire::ChampErreur;
use askama::Template;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// A posted form's fields, in order.
pub type Champs = Vec<(String, String)>;

pub fn form(body: &Bytes) -> Champs {
    form_urlencoded_pairs(&String::from_utf8_lossy(body))
}

/// The first value of a field ("" when absent).
pub fn un<'a>(f: &'a Champs, nom: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == nom)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Every value of a field (checkboxes, repeated inputs).
pub fn tous<'a>(f: &'a Champs, nom: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    f.iter()
        .filter(move |(k, _)| k == nom)
        .map(|(_, v)| v.as_str())
}

/// A trimmed value, None when blank.
pub fn opt(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Field errors as (field, message), for the summary at the top of a page.
pub fn erreurs_de(e: Vec<ChampErreur>) -> Vec<(String, String)> {
    e.into_iter()
        .map(|x| (x.champ.to_string(), x.message))
        .collect()
}

/// The CSRF check of a posted form (403 otherwise).
pub fn check(headers: &HeaderMap, visitor: &Visitor, f: &Champs) -> Result<(), PageError> {
    if csrf_ok(headers, visitor, un(f, "_csrf")) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

/// One field of a form.
pub struct Champ {
    pub nom: &'static str,
    pub libelle: String,
    pub aide: Option<String>,
    pub erreur: Option<String>,
    /// `text`, `date`, `textarea`, `select`, `checkboxes`, `territoires` (several inputs).
    pub genre: &'static str,
    pub valeur: String,
    /// For `territoires`: one input each.
    pub valeurs: Vec<String>,
    /// For select and checkboxes: (value, label, selected).
    pub choix: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "alliance_form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    intro: Option<String>,
    alerte: Option<String>,
    champs: Vec<Champ>,
    erreurs: Vec<(String, String)>,
    resume_erreurs: String,
    caches: Vec<(String, String)>,
    bouton: String,
}

pub struct Formulaire<'a> {
    pub tr: &'a Tr,
    pub erreurs: &'a [ChampErreur],
    /// Field name → label key prefix.
    pub prefixe: &'static str,
}

impl Formulaire<'_> {
    pub fn libelle(&self, nom: &str) -> String {
        self.tr.t(&format!("{}{nom}", self.prefixe))
    }
    pub fn err(&self, nom: &str) -> Option<String> {
        let m: Vec<&str> = self
            .erreurs
            .iter()
            .filter(|e| e.champ == nom)
            .map(|e| e.message.as_str())
            .collect();
        (!m.is_empty()).then(|| m.join(" ; "))
    }
    pub fn champ(&self, nom: &'static str, genre: &'static str, valeur: String) -> Champ {
        Champ {
            nom,
            libelle: self.libelle(nom),
            aide: None,
            erreur: self.err(nom),
            genre,
            valeur,
            valeurs: Vec::new(),
            choix: Vec::new(),
        }
    }
    pub fn aide(&self, mut c: Champ) -> Champ {
        c.aide = Some(self.tr.t(&format!("{}{}-aide", self.prefixe, c.nom)));
        c
    }
    pub fn choix(
        &self,
        nom: &'static str,
        genre: &'static str,
        choix: Vec<(String, String, bool)>,
    ) -> Champ {
        Champ {
            choix,
            ..self.champ(nom, genre, String::new())
        }
    }
    pub fn resume(&self) -> Vec<(String, String)> {
        self.erreurs
            .iter()
            .map(|e| {
                let l = self.libelle(e.champ);
                let l = if l.starts_with(self.prefixe) {
                    e.champ.to_string()
                } else {
                    l
                };
                (e.champ.to_string(), format!("{l} : {}", e.message))
            })
            .collect()
    }
}

/// Renders a form page (422 when it carries errors).
#[allow(clippy::too_many_arguments)]
pub fn rendre(
    layout: Layout,
    f: &Formulaire,
    action: String,
    champs: Vec<Champ>,
    caches: Vec<(String, String)>,
    bouton: String,
    intro: Option<String>,
    alerte: Option<String>,
) -> Result<Response, PageError> {
    let p = FormPage {
        resume_erreurs: f
            .tr
            .ta("formulaire-erreurs", &[("n", &f.erreurs.len().to_string())]),
        erreurs: f.resume(),
        action,
        intro,
        alerte,
        champs,
        caches,
        bouton,
        layout,
    };
    let mut res = render(&p)?;
    if !f.erreurs.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}
