//! The home page: the entry points by profile (« Je suis… », pages in `recherche.rs`), the
//! global search box, territory search, the map, the referential in figures.

use super::{render, PageError};
use crate::layout::Layout;
use crate::pages::territoires::carte_of;
use crate::state::AppState;
use crate::visiteur::Visitor;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "accueil.html")]
struct Accueil {
    layout: Layout,
    q: String,
    erreur: Option<String>,
    carte: String,
    chiffres: Vec<(String, String)>,
    regions: Vec<(String, String)>,
    /// « Du devoir d'alliance à l'envie d'alliance », from the observatory's published figures.
    tendance: String,
    /// The profile entry points: (label, `/je-suis/{profil}`).
    profils: Vec<(String, String)>,
}

pub async fn accueil(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let mut layout = Layout::new(&state, &visitor, "/", "accueil", String::new());
    layout.title = layout.t("accueil-titre");
    let tr = layout.tr.clone();
    let current = r
        .communes()
        .iter()
        .filter(|c| c.type_commune == alliances_domain::territoires::TypeCommune::Actuelle)
        .count();
    let chiffres = vec![
        (
            tr.nombre(r.regions().len() as u64),
            tr.t("niveaux-region").to_lowercase(),
        ),
        (
            tr.nombre(r.departements().len() as u64),
            tr.t("niveaux-departement").to_lowercase(),
        ),
        (tr.nombre(r.epcis().len() as u64), tr.t("niveaux-epci")),
        (
            tr.nombre(current as u64),
            tr.t("niveaux-commune").to_lowercase(),
        ),
    ];
    let page = Accueil {
        tendance: super::observatoire::tendance(&tr)?,
        carte: carte_of(r, &tr, None),
        chiffres,
        regions: r
            .regions()
            .iter()
            .map(|x| (x.nom.clone(), format!("/territoires/region/{}", x.code)))
            .collect(),
        profils: super::recherche::PROFILS_ACCUEIL
            .iter()
            .map(|(slug, _)| (tr.t(&format!("jesuis-{slug}")), format!("/je-suis/{slug}")))
            .collect(),
        layout,
        q: String::new(),
        erreur: None,
    };
    render(&page)
}
