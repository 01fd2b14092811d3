//! `/api/v1/recherche`: the global search (organisations, alliances, support schemes, resources,
//! examples, territories) with the same parameters and answers as the page `/recherche`.

use super::organisations::{curseur, lire_curseur};
use crate::pages::recherche::{Filtres, PARAMS_LISTES, PARAMS_SIMPLES};
use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use crate::state::AppState;
use alliances_domain::annuaire::Profil;
use alliances_search::globale::{TypeContenu, PROFONDEUR_MAX};
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

const LIMITE_DEFAUT: usize = 20;
const LIMITE_MAX: usize = 100;

/// A result of the global search.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultatRecherche {
    /// organisation, alliance, dispositif, ressource, exemple or territoire.
    #[serde(rename = "type")]
    pub type_contenu: String,
    /// The record's id, or `niveau:code` for a territory.
    pub id: String,
    pub titre: String,
    /// The page of the result on the site (a path).
    pub url: String,
    /// An excerpt of the summary or description, as HTML: the words found in `<mark>`,
    /// everything else escaped.
    pub extrait: String,
    /// An organisation's profile (null for other types).
    pub profil: Option<String>,
    /// Relative score, 0 to 1 (the best result of each source scores 1).
    pub score: f32,
    /// Found through a near word (typo tolerance), after the exact matches.
    pub approche: bool,
    pub demo: bool,
}

/// Facet counts over all the matches.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FacettesRecherche {
    /// By type, ignoring the `type` filter.
    pub types: BTreeMap<String, u32>,
    /// By actor profile (slug).
    pub profils: BTreeMap<String, u32>,
    /// By SDG number.
    pub odd: BTreeMap<String, u32>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultatsRecherche {
    pub resultats: Vec<ResultatRecherche>,
    pub total: usize,
    /// Cursor of the next page (`apres`), null on the last one.
    pub suivant: Option<String>,
    pub facettes: FacettesRecherche,
}

/// Searches every content type: all the words are required (French analysis: accents, case,
/// plurals ignored); typos on names are tolerated (results marked `approche`, after the exact
/// ones).
#[utoipa::path(
    get,
    path = "/api/v1/recherche",
    tag = "recherche",
    params(
        ("q" = Option<String>, Query, description = "Le texte cherché (200 caractères au plus)"),
        ("type" = Option<Vec<String>>, Query, description = "organisation, alliance, dispositif, ressource, exemple, territoire (répétable)"),
        ("profil" = Option<Vec<String>>, Query, description = "Profil d'acteur (association, entreprise…) ; répétable"),
        ("odd" = Option<Vec<u8>>, Query, description = "Numéro d'ODD de 1 à 17 ; répétable"),
        ("territoire" = Option<String>, Query, description = "niveau:code (departement:42…) ; inclut les territoires qu'il contient"),
        ("limit" = Option<usize>, Query, description = "De 1 à 100 (20 par défaut)"),
        ("apres" = Option<String>, Query, description = "Le curseur `suivant` de la page précédente"),
    ),
    responses(
        (status = 200, description = "Les résultats", body = ResultatsRecherche),
        (status = 400, description = "Paramètre invalide", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn recherche(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<ResultatsRecherche>, Problem> {
    let mut allowed: Vec<&str> = PARAMS_SIMPLES.to_vec();
    allowed.extend(["limit", "apres"]);
    let params = Params::parse_with_lists(raw, &allowed, PARAMS_LISTES)?;
    let filtres = Filtres::lire(&params, &state.app.territoires())?;
    let limite = params.number("limit", LIMITE_DEFAUT, 1, LIMITE_MAX)?;
    let decalage = match params.text("apres") {
        Some(c) => lire_curseur(c)?,
        None => 0,
    };
    if decalage >= PROFONDEUR_MAX {
        return Err(Problem::bad_request(
            "apres",
            format!("au-delà des {PROFONDEUR_MAX} premiers résultats : précisez la recherche"),
        ));
    }
    let page = state
        .app
        .rechercher_partout(&filtres.requete(decalage, limite))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "global search failed");
            Problem::internal()
        })?;
    let fin = decalage + limite;
    let fa = &page.facettes;
    Ok(Json(ResultatsRecherche {
        suivant: (fin < page.total.min(PROFONDEUR_MAX)).then(|| curseur(fin)),
        total: page.total,
        resultats: page
            .resultats
            .into_iter()
            .map(|r| ResultatRecherche {
                type_contenu: r.type_contenu.slug().into(),
                id: r.id,
                titre: r.titre,
                url: r.chemin,
                extrait: r.extrait_html,
                profil: r.profil.map(|p| p.slug().to_string()),
                score: r.score,
                approche: r.approche,
                demo: r.demo,
            })
            .collect(),
        facettes: FacettesRecherche {
            types: TypeContenu::ALL
                .iter()
                .map(|t| (t.slug().to_string(), fa.types[t.index()]))
                .collect(),
            profils: Profil::ALL
                .iter()
                .map(|p| (p.slug().to_string(), fa.profils[p.index()]))
                .collect(),
            odd: (1..=17usize)
                .map(|n| (n.to_string(), fa.odd[n - 1]))
                .collect(),
        },
    }))
}
