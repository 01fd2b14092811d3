//! `/api/v1/{territoires,communes,epcis,departements,regions,referentiel}`: the referential as JSON.

use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use crate::state::AppState;
use crate::territoire_view::MAX_QUERY_CHARS;
use alliances_domain::territoires::{
    CodeCommune, CodeDepartement, CodePostal, CodeRegion, Niveau, Siren, TerritoireRef, TypeCommune,
};
use alliances_domain::texte::fold_query;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// A list page: `resultats`, the `total` number of items, and the cursor of the next page.
#[derive(Serialize, ToSchema)]
pub struct Liste<T: ToSchema> {
    pub resultats: Vec<T>,
    pub total: usize,
    /// Pass it as `apres` to get the next page; `null` on the last page.
    pub suivant: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CodeNom {
    pub code: String,
    pub nom: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommuneRattachee {
    pub code: String,
    pub nom: String,
    /// commune-deleguee, commune-associee or arrondissement-municipal.
    #[serde(rename = "type")]
    pub type_: String,
}

/// A commune-level record.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Commune {
    pub code: String,
    pub nom: String,
    /// commune-actuelle, commune-deleguee, commune-associee or arrondissement-municipal.
    #[serde(rename = "type")]
    pub type_: String,
    pub code_departement: String,
    pub code_region: String,
    /// SIREN of the EPCI; `null` when the commune is in no EPCI (and for non-current records).
    pub code_epci: Option<String>,
    pub codes_postaux: Vec<String>,
    /// Population municipale (`null` for communes déléguées and associées).
    pub population: Option<u64>,
    pub siren: Option<String>,
    /// metro, drom or com.
    pub zone: String,
    /// For a commune déléguée / associée or a municipal arrondissement, the current commune it belongs to.
    pub commune_parent: Option<CodeNom>,
    /// For a current commune: its communes déléguées / associées and municipal arrondissements.
    pub communes_rattachees: Vec<CommuneRattachee>,
    /// Vintage of the referential (year of the official geographic code).
    pub millesime: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Epci {
    pub code: String,
    pub siren: String,
    pub nom: String,
    /// CC, CA, CU, METRO or MET69.
    #[serde(rename = "type")]
    pub type_: String,
    pub mode_financement: Option<String>,
    /// Sum of the populations of its member communes.
    pub population: u64,
    pub nombre_communes: u32,
    /// An EPCI may span several départements and régions.
    pub codes_departements: Vec<String>,
    pub codes_regions: Vec<String>,
    pub millesime: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Departement {
    pub code: String,
    pub nom: String,
    pub code_region: String,
    pub zone: String,
    pub chef_lieu: Option<String>,
    /// Sum of the populations of its current communes.
    pub population: u64,
    pub nombre_communes: u32,
    pub millesime: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub code: String,
    pub nom: String,
    pub zone: String,
    pub chef_lieu: Option<String>,
    /// Sum of the populations of its current communes.
    pub population: u64,
    pub nombre_communes: u32,
    pub codes_departements: Vec<String>,
    pub millesime: String,
}

/// One autocomplete result.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Territoire {
    /// region, departement, epci or commune.
    pub niveau: String,
    pub code: String,
    pub nom: String,
    /// For a commune, its type; for an EPCI, its legal form; else the level.
    #[serde(rename = "type")]
    pub type_: String,
    pub population: Option<u64>,
    pub code_departement: Option<String>,
    pub code_region: Option<String>,
    /// The territory's page.
    pub url: String,
}

/// Where the referential comes from.
#[derive(Serialize, ToSchema)]
pub struct Referentiel {
    pub source: String,
    pub licence: String,
    pub millesime: String,
    pub populations: String,
    pub regions: usize,
    pub departements: usize,
    pub epcis: usize,
    pub communes: usize,
}

fn commune_json(r: &Referentiel_, idx: u32) -> Commune {
    let c = r.commune(idx);
    let parent = r.parent_of_commune(idx).map(|p| CodeNom {
        code: r.commune(p).code.clone(),
        nom: r.commune(p).nom.clone(),
    });
    Commune {
        code: c.code.clone(),
        nom: c.nom.clone(),
        type_: c.type_commune.slug().into(),
        code_departement: c.code_departement.clone(),
        code_region: c.code_region.clone(),
        code_epci: c.code_epci.clone(),
        codes_postaux: c.codes_postaux.clone(),
        population: c.population,
        siren: c.siren.clone(),
        zone: c.zone.code().into(),
        commune_parent: parent,
        communes_rattachees: r
            .children_of_commune(idx)
            .iter()
            .map(|&k| CommuneRattachee {
                code: r.commune(k).code.clone(),
                nom: r.commune(k).nom.clone(),
                type_: r.commune(k).type_commune.slug().into(),
            })
            .collect(),
        millesime: r.source.millesime.clone(),
    }
}

type Referentiel_ = alliances_domain::territoires::Referentiel;

fn epci_json(r: &Referentiel_, idx: u32) -> Epci {
    let e = r.epci(idx);
    let t = TerritoireRef {
        niveau: Niveau::Epci,
        idx,
    };
    Epci {
        code: e.siren.clone(),
        siren: e.siren.clone(),
        nom: e.nom.clone(),
        type_: e.type_epci.code().into(),
        mode_financement: e.mode_financement.clone(),
        population: r.population(t).unwrap_or(0),
        nombre_communes: r.communes_count(t),
        codes_departements: r
            .departements_of_epci(idx)
            .iter()
            .map(|&d| r.departement(d).code.clone())
            .collect(),
        codes_regions: r
            .regions_of_epci(idx)
            .iter()
            .map(|&g| r.region(g).code.clone())
            .collect(),
        millesime: r.source.millesime.clone(),
    }
}

fn departement_json(r: &Referentiel_, idx: u32) -> Departement {
    let d = r.departement(idx);
    let t = TerritoireRef {
        niveau: Niveau::Departement,
        idx,
    };
    Departement {
        code: d.code.clone(),
        nom: d.nom.clone(),
        code_region: d.code_region.clone(),
        zone: d.zone.code().into(),
        chef_lieu: d.chef_lieu.clone(),
        population: r.population(t).unwrap_or(0),
        nombre_communes: r.communes_count(t),
        millesime: r.source.millesime.clone(),
    }
}

fn region_json(r: &Referentiel_, idx: u32) -> Region {
    let x = r.region(idx);
    let t = TerritoireRef {
        niveau: Niveau::Region,
        idx,
    };
    Region {
        code: x.code.clone(),
        nom: x.nom.clone(),
        zone: x.zone.code().into(),
        chef_lieu: x.chef_lieu.clone(),
        population: r.population(t).unwrap_or(0),
        nombre_communes: r.communes_count(t),
        codes_departements: r
            .departements_of_region(idx)
            .iter()
            .map(|&d| r.departement(d).code.clone())
            .collect(),
        millesime: r.source.millesime.clone(),
    }
}

fn territoire_json(r: &Referentiel_, t: TerritoireRef) -> Territoire {
    let (type_, code_departement, code_region) = match t.niveau {
        Niveau::Commune => {
            let c = r.commune(t.idx);
            (
                c.type_commune.slug().to_string(),
                Some(c.code_departement.clone()),
                Some(c.code_region.clone()),
            )
        }
        Niveau::Epci => {
            let deps = r.departements_of_epci(t.idx);
            let regs = r.regions_of_epci(t.idx);
            (
                r.epci(t.idx).type_epci.code().to_string(),
                (deps.len() == 1).then(|| r.departement(deps[0]).code.clone()),
                (regs.len() == 1).then(|| r.region(regs[0]).code.clone()),
            )
        }
        Niveau::Departement => (
            "departement".into(),
            Some(r.departement(t.idx).code.clone()),
            Some(r.departement(t.idx).code_region.clone()),
        ),
        Niveau::Region => ("region".into(), None, Some(r.region(t.idx).code.clone())),
    };
    Territoire {
        niveau: t.niveau.slug().into(),
        code: r.code(t).to_string(),
        nom: r.nom(t).to_string(),
        type_,
        population: r.population(t),
        code_departement,
        code_region,
        url: crate::territoire_view::href(r, t),
    }
}

/// A page of `items` (sorted by code) after the `apres` cursor (a code), at most `limit`.
fn page<T: ToSchema>(items: Vec<(String, T)>, params: &Params) -> Result<Liste<T>, Problem> {
    let limit = params.number("limit", 100, 1, 1000)?;
    let total = items.len();
    let start = match params.text("apres") {
        None => 0,
        Some(after) => items.partition_point(|(code, _)| code.as_str() <= after),
    };
    let mut resultats: Vec<(String, T)> = items.into_iter().skip(start).take(limit + 1).collect();
    let suivant = if resultats.len() > limit {
        resultats.truncate(limit);
        resultats.last().map(|(c, _)| c.clone())
    } else {
        None
    };
    Ok(Liste {
        resultats: resultats.into_iter().map(|(_, t)| t).collect(),
        total,
        suivant,
    })
}

const LIST_PARAMS: [&str; 2] = ["limit", "apres"];

/// The paging parameters of every list, documented once. The query string itself is read strictly
/// by [`Params`] in [`page`]; this type only describes it to OpenAPI.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // fields are documentation, never read
pub struct Pagination {
    /// Nombre de résultats par page, de 1 à 1000 (100 par défaut).
    limit: Option<usize>,
    /// Curseur : le champ `suivant` de la page précédente.
    apres: Option<String>,
}

/// Territory autocomplete over every level.
#[utoipa::path(
    get,
    path = "/api/v1/territoires",
    tag = "territoires",
    params(
        ("q" = String, Query, description = "Nom (début du nom ou d'un de ses mots, sans tenir compte des accents, de la casse ni des tirets), code INSEE, SIREN d'EPCI ou code postal. 1 à 100 caractères."),
        ("niveau" = Option<String>, Query, description = "region, departement, epci ou commune"),
        ("limit" = Option<usize>, Query, description = "Nombre de résultats, de 1 à 50 (10 par défaut)"),
    ),
    responses(
        (status = 200, description = "Territoires classés : nom exact d'abord, puis par population", body = Liste<Territoire>),
        (status = 400, description = "Paramètre manquant, inconnu ou invalide", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn recherche(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<Territoire>>, Problem> {
    let params = Params::parse(raw, &["q", "niveau", "limit"])?;
    let q = params
        .text("q")
        .ok_or_else(|| Problem::bad_request("q", "obligatoire"))?;
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::bad_request(
            "q",
            format!("{MAX_QUERY_CHARS} caractères au plus"),
        ));
    }
    if fold_query(q).is_empty() {
        return Err(Problem::bad_request(
            "q",
            "vide : saisissez un nom ou un code",
        ));
    }
    let niveau = match params.text("niveau") {
        None => None,
        Some(s) => Some(Niveau::from_slug(s).ok_or_else(|| {
            Problem::bad_request("niveau", "attendu region, departement, epci ou commune")
        })?),
    };
    let limit = params.number("limit", 10, 1, 50)?;
    let t = state.app.territoires();
    let res = t.index.search(&t.referentiel, q, niveau, limit);
    Ok(Json(Liste {
        resultats: res
            .hits
            .iter()
            .map(|h| territoire_json(&t.referentiel, h.territoire))
            .collect(),
        total: res.total,
        suivant: None,
    }))
}

fn invalid(champ: &str, e: impl std::fmt::Display) -> Problem {
    Problem::bad_request(champ, e.to_string())
}

/// A commune, commune déléguée / associée or municipal arrondissement.
#[utoipa::path(
    get,
    path = "/api/v1/communes/{code}",
    tag = "territoires",
    params(
        ("code" = String, Path, description = "Code INSEE (5 caractères)"),
        ("type" = Option<String>, Query, description = "commune-actuelle, commune-deleguee, commune-associee ou arrondissement-municipal, quand plusieurs enregistrements partagent le code"),
    ),
    responses(
        (status = 200, body = Commune),
        (status = 400, description = "Code ou type invalide", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune commune de ce code", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn commune(
    State(state): State<AppState>,
    Path(code): Path<String>,
    raw: RawQuery,
) -> Result<Json<Commune>, Problem> {
    let params = Params::parse(raw, &["type"])?;
    let code = CodeCommune::parse(&code).map_err(|e| invalid("code", e))?;
    let type_commune = match params.text("type") {
        None => None,
        Some(s) => Some(TypeCommune::from_slug(s).ok_or_else(|| {
            Problem::bad_request("type", "attendu commune-actuelle, commune-deleguee, commune-associee ou arrondissement-municipal")
        })?),
    };
    let t = state.app.territoires();
    let idx = t
        .referentiel
        .find_commune(code.as_str(), type_commune)
        .ok_or_else(|| Problem::not_found(format!("aucune commune de code {code}")))?;
    Ok(Json(commune_json(&t.referentiel, idx)))
}

/// Communes by postal code or by name.
#[utoipa::path(
    get,
    path = "/api/v1/communes",
    tag = "territoires",
    params(
        ("codePostal" = Option<String>, Query, description = "Code postal (5 chiffres) : les communes et arrondissements qu'il dessert"),
        ("nom" = Option<String>, Query, description = "Début du nom (ou d'un de ses mots), sans tenir compte des accents ni de la casse ; 1 à 100 caractères"),
        ("limit" = Option<usize>, Query, description = "De 1 à 100 (20 par défaut)"),
    ),
    responses(
        (status = 200, body = Liste<Commune>),
        (status = 400, description = "Ni codePostal ni nom, ou paramètre invalide", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn communes(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<Commune>>, Problem> {
    let params = Params::parse(raw, &["codePostal", "nom", "limit"])?;
    let limit = params.number("limit", 20, 1, 100)?;
    let t = state.app.territoires();
    let r = &t.referentiel;
    let mut found: Vec<u32> = match (params.text("codePostal"), params.text("nom")) {
        (None, None) => {
            return Err(Problem::bad_request(
                "codePostal",
                "donnez codePostal ou nom",
            ))
        }
        (Some(cp), _) => {
            let cp = CodePostal::parse(cp).map_err(|e| invalid("codePostal", e))?;
            r.communes_by_postal_code(cp.as_str()).to_vec()
        }
        (None, Some(_)) => Vec::new(),
    };
    if let Some(nom) = params.text("nom") {
        if nom.chars().count() > MAX_QUERY_CHARS || fold_query(nom).is_empty() {
            return Err(Problem::bad_request(
                "nom",
                format!("1 à {MAX_QUERY_CHARS} caractères, lettres ou chiffres"),
            ));
        }
        let res = t.index.search(r, nom, Some(Niveau::Commune), 1000);
        let by_name: Vec<u32> = res.hits.iter().map(|h| h.territoire.idx).collect();
        found = if params.text("codePostal").is_some() {
            found.into_iter().filter(|c| by_name.contains(c)).collect()
        } else {
            by_name
        };
    }
    let total = found.len();
    Ok(Json(Liste {
        resultats: found
            .into_iter()
            .take(limit)
            .map(|c| commune_json(r, c))
            .collect(),
        total,
        suivant: None,
    }))
}

/// An EPCI (intercommunality with its own tax regime).
#[utoipa::path(
    get,
    path = "/api/v1/epcis/{siren}",
    tag = "territoires",
    params(("siren" = String, Path, description = "SIREN de l'EPCI (9 chiffres)")),
    responses(
        (status = 200, body = Epci),
        (status = 400, description = "SIREN invalide (longueur, clé de contrôle)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucun EPCI de ce SIREN", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn epci(
    State(state): State<AppState>,
    Path(siren): Path<String>,
    raw: RawQuery,
) -> Result<Json<Epci>, Problem> {
    Params::parse(raw, &[])?;
    let t = state.app.territoires();
    let idx = find_epci(&t.referentiel, &siren)?;
    Ok(Json(epci_json(&t.referentiel, idx)))
}

fn find_epci(r: &Referentiel_, siren: &str) -> Result<u32, Problem> {
    let siren = Siren::parse(siren).map_err(|e| invalid("siren", e))?;
    r.find_epci(siren.as_str())
        .ok_or_else(|| Problem::not_found(format!("aucun EPCI de SIREN {siren}")))
}

/// The member communes of an EPCI, by code.
#[utoipa::path(
    get,
    path = "/api/v1/epcis/{siren}/communes",
    tag = "territoires",
    params(
        ("siren" = String, Path, description = "SIREN de l'EPCI"),
        Pagination,
    ),
    responses(
        (status = 200, body = Liste<Commune>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn epci_communes(
    State(state): State<AppState>,
    Path(siren): Path<String>,
    raw: RawQuery,
) -> Result<Json<Liste<Commune>>, Problem> {
    let params = Params::parse(raw, &LIST_PARAMS)?;
    let t = state.app.territoires();
    let r = &t.referentiel;
    let idx = find_epci(r, &siren)?;
    let items = r
        .communes_of_epci(idx)
        .iter()
        .map(|&c| (r.commune(c).code.clone(), commune_json(r, c)))
        .collect();
    Ok(Json(page(items, &params)?))
}

fn find_departement(r: &Referentiel_, code: &str) -> Result<u32, Problem> {
    let code = CodeDepartement::parse(code).map_err(|e| invalid("code", e))?;
    r.find_departement(code.as_str())
        .ok_or_else(|| Problem::not_found(format!("aucun département de code {code}")))
}

/// A département.
#[utoipa::path(
    get,
    path = "/api/v1/departements/{code}",
    tag = "territoires",
    params(("code" = String, Path, description = "Code INSEE : 01 à 95, 2A, 2B, 971 à 989")),
    responses(
        (status = 200, body = Departement),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn departement(
    State(state): State<AppState>,
    Path(code): Path<String>,
    raw: RawQuery,
) -> Result<Json<Departement>, Problem> {
    Params::parse(raw, &[])?;
    let t = state.app.territoires();
    let idx = find_departement(&t.referentiel, &code)?;
    Ok(Json(departement_json(&t.referentiel, idx)))
}

/// The current communes of a département, by code.
#[utoipa::path(
    get,
    path = "/api/v1/departements/{code}/communes",
    tag = "territoires",
    params(
        ("code" = String, Path, description = "Code INSEE du département"),
        Pagination,
    ),
    responses(
        (status = 200, body = Liste<Commune>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn departement_communes(
    State(state): State<AppState>,
    Path(code): Path<String>,
    raw: RawQuery,
) -> Result<Json<Liste<Commune>>, Problem> {
    let params = Params::parse(raw, &LIST_PARAMS)?;
    let t = state.app.territoires();
    let r = &t.referentiel;
    let idx = find_departement(r, &code)?;
    let items = r
        .communes_of_departement(idx)
        .iter()
        .map(|&c| (r.commune(c).code.clone(), commune_json(r, c)))
        .collect();
    Ok(Json(page(items, &params)?))
}

fn find_region(r: &Referentiel_, code: &str) -> Result<u32, Problem> {
    let code = CodeRegion::parse(code).map_err(|e| invalid("code", e))?;
    r.find_region(code.as_str())
        .ok_or_else(|| Problem::not_found(format!("aucune région de code {code}")))
}

/// A région.
#[utoipa::path(
    get,
    path = "/api/v1/regions/{code}",
    tag = "territoires",
    params(("code" = String, Path, description = "Code INSEE de la région (2 chiffres, 3 pour une collectivité d'outre-mer)")),
    responses(
        (status = 200, body = Region),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn region(
    State(state): State<AppState>,
    Path(code): Path<String>,
    raw: RawQuery,
) -> Result<Json<Region>, Problem> {
    Params::parse(raw, &[])?;
    let t = state.app.territoires();
    let idx = find_region(&t.referentiel, &code)?;
    Ok(Json(region_json(&t.referentiel, idx)))
}

/// The départements of a région, by code.
#[utoipa::path(
    get,
    path = "/api/v1/regions/{code}/departements",
    tag = "territoires",
    params(
        ("code" = String, Path, description = "Code INSEE de la région"),
        Pagination,
    ),
    responses(
        (status = 200, body = Liste<Departement>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn region_departements(
    State(state): State<AppState>,
    Path(code): Path<String>,
    raw: RawQuery,
) -> Result<Json<Liste<Departement>>, Problem> {
    let params = Params::parse(raw, &LIST_PARAMS)?;
    let t = state.app.territoires();
    let r = &t.referentiel;
    let idx = find_region(r, &code)?;
    let items = r
        .departements_of_region(idx)
        .iter()
        .map(|&d| (r.departement(d).code.clone(), departement_json(r, d)))
        .collect();
    Ok(Json(page(items, &params)?))
}

/// Source, licence and vintage of the referential, with counts.
#[utoipa::path(
    get,
    path = "/api/v1/referentiel",
    tag = "territoires",
    responses(
        (status = 200, body = Referentiel),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn referentiel(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Referentiel>, Problem> {
    Params::parse(raw, &[])?;
    let t = state.app.territoires();
    let r = &t.referentiel;
    Ok(Json(Referentiel {
        source: r.source.source.clone(),
        licence: r.source.licence.clone(),
        millesime: r.source.millesime.clone(),
        populations: r.source.populations.clone(),
        regions: r.regions().len(),
        departements: r.departements().len(),
        epcis: r.epcis().len(),
        communes: r
            .communes()
            .iter()
            .filter(|c| c.type_commune == TypeCommune::Actuelle)
            .count(),
    }))
}

// ------------------------------------------------------------------ a territory's dashboard

/// A count of person-level activity: `null` from 1 to 4 (small cells are suppressed).
fn petit(v: u32) -> Option<u32> {
    (v == 0 || v >= alliances_app::tableaux::SEUIL_PETITS_NOMBRES).then_some(v)
}

fn par_slug<T: Copy>(
    tous: &[T],
    slug: impl Fn(T) -> &'static str,
    valeurs: &[u32],
) -> std::collections::BTreeMap<String, u32> {
    tous.iter()
        .zip(valeurs)
        .map(|(x, v)| (slug(*x).to_string(), *v))
        .collect()
}

/// A territory named in a dashboard.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TerritoireTableau {
    /// region, departement, epci or commune.
    pub niveau: String,
    pub code: String,
    pub nom: String,
    pub population: u64,
}

/// Needs and ongoing alliances of one SDG.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OddTableau {
    pub odd: u8,
    pub besoins: u32,
    pub alliances_actives: u32,
}

/// Support schemes reaching the territory for one service.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouvertureTableau {
    pub service: String,
    pub dispositifs: u32,
    /// For a région or a département: its départements with a departmental or local scheme.
    pub departements_couverts: Option<u32>,
    pub departements: Option<u32>,
}

/// Organisations per level of their latest ODD 17 kit result (`niveaux` is `null` under 10
/// results).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MaturiteTableau {
    pub resultats: u32,
    pub seuil: u32,
    pub niveaux: Option<std::collections::BTreeMap<String, u32>>,
}

/// Person-level activity by state; a count from 1 to 4 is `null`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiviteTableau {
    pub total: Option<u32>,
    pub par_etat: std::collections::BTreeMap<String, Option<u32>>,
}

/// A comparable territory with its headline figures.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SemblableTableau {
    pub territoire: TerritoireTableau,
    pub organisations: u32,
    pub besoins: u32,
    pub alliances: u32,
    pub alliances_actives: u32,
    pub resultats_kit: u32,
}

/// The dashboard of a territory.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tableau {
    pub territoire: TerritoireTableau,
    /// Active organisations based or acting there, in all and by profile.
    pub organisations: u32,
    pub profils: std::collections::BTreeMap<String, u32>,
    pub besoins: u32,
    /// Public alliances acting there, ongoing ones, by stage, partnership type and form.
    pub alliances: u32,
    pub alliances_actives: u32,
    pub stades: std::collections::BTreeMap<String, u32>,
    pub types_partenariat: std::collections::BTreeMap<String, u32>,
    pub formes: std::collections::BTreeMap<String, u32>,
    pub odd: Vec<OddTableau>,
    pub couverture: Vec<CouvertureTableau>,
    pub maturite: MaturiteTableau,
    pub demandes_contact: ActiviteTableau,
    /// Contact requests followed by an alliance (`null` from 1 to 4).
    pub alliances_demarrees: Option<u32>,
    pub orientations: ActiviteTableau,
    /// Territories of the same kind and population band, closest population first.
    pub semblables: Vec<SemblableTableau>,
    pub date_calcul: String,
    pub licence: String,
}

/// The dashboard of a territory: platform figures kept up to date by every change.
#[utoipa::path(
    get,
    path = "/api/v1/territoires/{niveau}/{code}/tableau",
    tag = "territoires",
    params(
        ("niveau" = String, Path, description = "region, departement, epci ou commune"),
        ("code" = String, Path, description = "Code officiel (INSEE, ou SIREN pour un EPCI)"),
    ),
    responses(
        (status = 200, body = Tableau),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn tableau(
    State(state): State<AppState>,
    Path((niveau, code)): Path<(String, String)>,
    raw: RawQuery,
) -> Result<Json<Tableau>, Problem> {
    use alliances_domain::alliances::{Forme, Stade};
    use alliances_domain::annuaire::{Profil, TypePartenariat};
    use alliances_domain::contacts::EtatDemande;
    use alliances_domain::ingenieries::orientation::EtatOrientation;
    Params::parse(raw, &[])?;
    let niveau = Niveau::from_slug(&niveau)
        .ok_or_else(|| invalid("niveau", "attendu : region, departement, epci ou commune"))?;
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let t = r.find(niveau, &code.to_ascii_uppercase()).ok_or_else(|| {
        Problem::not_found(format!("aucun territoire {} de code {code}", niveau.slug()))
    })?;
    let now = alliances_app::now();
    let tab = state.app.tableau_territoire(t, now);
    let c = &tab.compteurs;
    let nom = |t: TerritoireRef| TerritoireTableau {
        niveau: t.niveau.slug().to_string(),
        code: r.code(t).to_string(),
        nom: r.nom(t).to_string(),
        population: r.population(t).unwrap_or(0),
    };
    let kits = state.app.kits();
    let kit = kits.dernier(alliances_app::relation::index::KIT_MATURITE);
    let resultats: u32 = c.maturite.iter().sum();
    let seuil = alliances_app::tableaux::SEUIL_MATURITE;
    Ok(Json(Tableau {
        territoire: nom(t),
        organisations: c.organisations,
        profils: par_slug(Profil::ALL, Profil::slug, &c.profils),
        besoins: c.besoins,
        alliances: c.alliances,
        alliances_actives: tab.alliances_actives,
        stades: par_slug(Stade::ALL, Stade::slug, &c.stades),
        types_partenariat: par_slug(TypePartenariat::ALL, TypePartenariat::slug, &c.types),
        formes: par_slug(Forme::ALL, Forme::slug, &c.formes),
        odd: (0..17)
            .map(|i| OddTableau {
                odd: i as u8 + 1,
                besoins: c.besoins_odd[i],
                alliances_actives: tab.alliances_actives_odd[i],
            })
            .collect(),
        couverture: tab
            .couverture
            .iter()
            .map(|s| CouvertureTableau {
                service: s.service.slug().to_string(),
                dispositifs: s.dispositifs,
                departements_couverts: s.departements.map(|d| d.0),
                departements: s.departements.map(|d| d.1),
            })
            .collect(),
        maturite: MaturiteTableau {
            resultats,
            seuil,
            niveaux: (resultats >= seuil).then(|| {
                c.maturite
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let id = kit
                            .and_then(|k| k.niveaux.get(i))
                            .map(|x| x.id.clone())
                            .unwrap_or_else(|| (i + 1).to_string());
                        (id, *n)
                    })
                    .collect()
            }),
        },
        demandes_contact: ActiviteTableau {
            total: petit(c.demandes.iter().sum()),
            par_etat: EtatDemande::ALL
                .iter()
                .map(|e| (e.slug().to_string(), petit(c.demandes[e.index()])))
                .collect(),
        },
        alliances_demarrees: petit(c.demandes_alliances),
        orientations: ActiviteTableau {
            total: petit(c.orientations.iter().sum()),
            par_etat: EtatOrientation::ALL
                .iter()
                .map(|e| (e.slug().to_string(), petit(c.orientations[e.index()])))
                .collect(),
        },
        semblables: tab
            .semblables
            .iter()
            .map(|s| SemblableTableau {
                territoire: nom(s.territoire),
                organisations: s.compteurs.organisations,
                besoins: s.compteurs.besoins,
                alliances: s.compteurs.alliances,
                alliances_actives: s.alliances_actives,
                resultats_kit: s.compteurs.maturite.iter().sum(),
            })
            .collect(),
        date_calcul: alliances_app::tableaux::aujourd_hui(now),
        licence: "Licence Ouverte 2.0".into(),
    }))
}
