//! `/api/v1/ressources` and `/api/v1/exemples`: the resource library (stored entries beside the
//! kits, as tools, and the observatory's published waves, as data), one resource or example
//! with its body (Markdown and sanitised HTML) and, for an example, its structured case; the
//! open-data CSV of the list (`/ressources/export.csv`).

use super::territoires::Liste;
use super::{csv, csv_champ};
use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use crate::state::AppState;
use alliances_app::bibliotheque::liste::Origine;
use alliances_app::bibliotheque::{BibliothequeError, Element, EtatActeur, Filtres, VueEntree};
use alliances_domain::annuaire::Lieu;
use alliances_domain::bibliotheque::Famille;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

const LIMITE_DEFAUT: usize = 50;
const LIMITE_MAX: usize = 500;

/// An entry of the library's list.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RessourceResume {
    /// Stable key: the id for an entry written on the platform, `kit:<id>` for a kit,
    /// `observatoire:<étude>-<vague>` for a published wave.
    pub cle: String,
    /// The entry's id (null for kits and observatory waves).
    pub id: Option<i64>,
    /// methode, exemple, donnees, outil or formation.
    pub famille: String,
    /// bibliotheque, kit or observatoire.
    pub origine: String,
    pub titre: String,
    pub resume: String,
    pub themes: Vec<String>,
    pub odd: Vec<u8>,
    /// Audience profiles (empty: everyone).
    pub publics: Vec<String>,
    /// `niveau:code`.
    pub territoires: Vec<String>,
    pub date: String,
    /// The page on the site.
    pub url: String,
    pub demo: bool,
}

fn resume(e: &Element) -> RessourceResume {
    RessourceResume {
        cle: e.cle.clone(),
        id: e.id,
        famille: e.famille.slug().into(),
        origine: match e.origine {
            Origine::Stockee => "bibliotheque",
            Origine::Kit => "kit",
            Origine::Observatoire => "observatoire",
        }
        .into(),
        titre: e.titre.clone(),
        resume: e.resume.clone(),
        themes: e.themes.iter().map(|t| t.slug().into()).collect(),
        odd: e.odd.iter().map(|o| o.get()).collect(),
        publics: e.publics.iter().map(|p| p.slug().into()).collect(),
        territoires: e.territoires.iter().map(Lieu::cle).collect(),
        date: e.date.clone(),
        url: e.chemin.clone(),
        demo: e.demo,
    }
}

/// A link of a resource.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LienRessource {
    pub titre: String,
    pub url: String,
    /// The last check found it broken.
    pub casse: bool,
}

/// An organisation named by a resource or an example.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationCitee {
    pub id: i64,
    pub nom: String,
    /// active, disparue (dissolved, closed, removed from the register) or fusionnee.
    pub etat: String,
    /// For a merged organisation: the record it was merged into.
    pub fusionnee_dans: Option<i64>,
}

/// The structured case of an inspiring example.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CasExemple {
    pub acteurs: Vec<OrganisationCitee>,
    /// The public alliance of the platform it comes from.
    pub alliance: Option<i64>,
    pub types_partenariat: Vec<String>,
    pub forme: Option<String>,
    pub besoin: String,
    pub realisation: String,
    pub resultats: String,
    pub enseignements: String,
    pub contact: Option<String>,
}

/// One resource or example.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RessourceDetail {
    #[serde(flatten)]
    pub resume: RessourceResume,
    /// The body in Markdown, as written.
    pub corps: String,
    /// The body as sanitised HTML.
    pub corps_html: String,
    pub liens: Vec<LienRessource>,
    pub organisation: Option<OrganisationCitee>,
    /// For the family `exemple`.
    pub exemple: Option<CasExemple>,
    pub licence: String,
    pub date_mise_a_jour: String,
}

fn detail(v: &VueEntree) -> RessourceDetail {
    let f = &v.fiche;
    let e = &f.entree;
    let el = Element {
        cle: f.id.to_string(),
        id: Some(f.id),
        origine: Origine::Stockee,
        famille: e.famille,
        titre: e.titre.clone(),
        resume: e.resume.clone(),
        themes: e.themes.clone(),
        odd: e.odd.clone(),
        publics: e.publics.clone(),
        territoires: e.territoires.clone(),
        date: e.date.clone(),
        chemin: f.chemin(),
        demo: f.demo,
        organisation_id: f.organisation_id,
    };
    RessourceDetail {
        resume: resume(&el),
        corps: e.corps.clone(),
        corps_html: v.html.clone(),
        liens: e
            .liens
            .iter()
            .map(|l| LienRessource {
                titre: l.titre.clone(),
                url: l.url.clone(),
                casse: v.liens_casses.contains(&l.url),
            })
            .collect(),
        organisation: v.organisation.as_ref().map(|(id, nom)| OrganisationCitee {
            id: *id,
            nom: nom.clone(),
            etat: "active".into(),
            fusionnee_dans: None,
        }),
        exemple: e.cas.as_ref().map(|c| CasExemple {
            acteurs: v
                .acteurs
                .iter()
                .map(|a| OrganisationCitee {
                    id: a.id,
                    nom: a.nom.clone(),
                    etat: match a.etat {
                        EtatActeur::Active => "active",
                        EtatActeur::Disparue(_) => "disparue",
                        EtatActeur::Fusionnee { .. } => "fusionnee",
                    }
                    .into(),
                    fusionnee_dans: match &a.etat {
                        EtatActeur::Fusionnee { dans, .. } => Some(*dans),
                        _ => None,
                    },
                })
                .collect(),
            alliance: v.alliance.as_ref().map(|(id, _)| *id),
            types_partenariat: c
                .types_partenariat
                .iter()
                .map(|t| t.slug().into())
                .collect(),
            forme: c.forme.map(|x| x.slug().into()),
            besoin: c.besoin.clone(),
            realisation: c.realisation.clone(),
            resultats: c.resultats.clone(),
            enseignements: c.enseignements.clone(),
            contact: c.contact.clone(),
        }),
        licence: alliances_app::bibliotheque::LICENCE.into(),
        date_mise_a_jour: crate::annuaire_view::date_iso(f.modifie_le),
    }
}

fn filtres(params: &Params, state: &AppState) -> Result<Filtres, Problem> {
    let territoires = state.app.territoires();
    let (f, erreurs) = crate::pages::bibliotheque::lire_filtres(params, &territoires.referentiel);
    match erreurs.into_iter().next() {
        Some((champ, message)) => Err(Problem::bad_request(champ, message)),
        None => Ok(f),
    }
}

async fn page(
    state: &AppState,
    params: &Params,
    f: &Filtres,
) -> Result<Json<Liste<RessourceResume>>, Problem> {
    let limite = params.number("limit", LIMITE_DEFAUT, 1, LIMITE_MAX)?;
    let apres = params.text("apres");
    if apres.is_some_and(|a| !a.contains('~')) {
        return Err(Problem::bad_request(
            "apres",
            "curseur invalide : reprenez le champ « suivant » de la page précédente",
        ));
    }
    let p = state
        .app
        .bibliotheque(f, apres, limite)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "library API failed");
            Problem::internal()
        })?;
    Ok(Json(Liste {
        resultats: p.elements.iter().map(resume).collect(),
        total: p.total,
        suivant: p.suivant,
    }))
}

/// The library: resources of the five families, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/ressources",
    tag = "ressources",
    params(
        ("famille" = Option<String>, Query, description = "methode, exemple, donnees, outil ou formation"),
        ("theme" = Option<String>, Query, description = "Un thème (gouvernance, evaluation, mecenat…)"),
        ("odd" = Option<u8>, Query, description = "Un ODD, de 1 à 17"),
        ("public" = Option<String>, Query, description = "Un profil d'acteur ; les ressources pour tous publics sont comprises"),
        ("territoire" = Option<String>, Query, description = "niveau:code (region:84, departement:42…) ; un territoire comprend ceux qu'il contient"),
        ("limit" = Option<usize>, Query, description = "De 1 à 500 (50 par défaut)"),
        ("apres" = Option<String>, Query, description = "Le curseur `suivant` de la page précédente"),
    ),
    responses(
        (status = 200, description = "Les ressources", body = Liste<RessourceResume>),
        (status = 400, description = "Paramètre invalide", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn liste(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<RessourceResume>>, Problem> {
    let params = Params::parse(
        raw,
        &[
            "famille",
            "theme",
            "odd",
            "public",
            "territoire",
            "limit",
            "apres",
        ],
    )?;
    let f = filtres(&params, &state)?;
    page(&state, &params, &f).await
}

/// The inspiring examples, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/exemples",
    tag = "ressources",
    params(
        ("theme" = Option<String>, Query, description = "Un thème"),
        ("odd" = Option<u8>, Query, description = "Un ODD, de 1 à 17"),
        ("public" = Option<String>, Query, description = "Un profil d'acteur"),
        ("territoire" = Option<String>, Query, description = "niveau:code ; un territoire comprend ceux qu'il contient"),
        ("limit" = Option<usize>, Query, description = "De 1 à 500 (50 par défaut)"),
        ("apres" = Option<String>, Query, description = "Le curseur `suivant` de la page précédente"),
    ),
    responses(
        (status = 200, description = "Les exemples", body = Liste<RessourceResume>),
        (status = 400, description = "Paramètre invalide", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn exemples(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<RessourceResume>>, Problem> {
    let params = Params::parse(
        raw,
        &["theme", "odd", "public", "territoire", "limit", "apres"],
    )?;
    let mut f = filtres(&params, &state)?;
    f.famille = Some(Famille::Exemple);
    page(&state, &params, &f).await
}

async fn lire(state: &AppState, id: i64) -> Result<VueEntree, Problem> {
    match state.app.entree(None, id).await {
        Ok(v) => Ok(v),
        Err(BibliothequeError::Introuvable) => Err(Problem::not_found(
            "aucune ressource publiée de cet identifiant",
        )),
        Err(e) => {
            tracing::error!(error = %e, "library API failed");
            Err(Problem::internal())
        }
    }
}

/// One published resource (an example too, with its case).
#[utoipa::path(
    get,
    path = "/api/v1/ressources/{id}",
    tag = "ressources",
    params(("id" = i64, Path, description = "Identifiant de la ressource")),
    responses(
        (status = 200, description = "La ressource", body = RessourceDetail),
        (status = 400, description = "Identifiant mal formé (un entier est attendu)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune ressource publiée de cet identifiant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn un(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RessourceDetail>, Problem> {
    Ok(Json(detail(&lire(&state, id).await?)))
}

/// One published inspiring example with its structured case.
#[utoipa::path(
    get,
    path = "/api/v1/exemples/{id}",
    tag = "ressources",
    params(("id" = i64, Path, description = "Identifiant de l'exemple")),
    responses(
        (status = 200, description = "L'exemple", body = RessourceDetail),
        (status = 400, description = "Identifiant mal formé (un entier est attendu)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucun exemple publié de cet identifiant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn exemple(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RessourceDetail>, Problem> {
    let v = lire(&state, id).await?;
    if v.fiche.entree.famille != Famille::Exemple {
        return Err(Problem::not_found(
            "aucun exemple publié de cet identifiant",
        ));
    }
    Ok(Json(detail(&v)))
}

/// `GET /ressources/export.csv` (same filters as the list): the open-data list.
pub async fn export(State(state): State<AppState>, raw: RawQuery) -> Result<Response, Problem> {
    let params = Params::parse(raw, &["famille", "theme", "odd", "public", "territoire"])?;
    let f = filtres(&params, &state)?;
    let tous = state.app.elements_bibliotheque(&f).await.map_err(|e| {
        tracing::error!(error = %e, "library API failed");
        Problem::internal()
    })?;
    let extraction = crate::annuaire_view::date_iso(alliances_app::now());
    let mut out = String::from(
        "cle,id,famille,origine,titre,resume,themes,odd,publics,territoires,date,url,demo,licence,date_extraction\n",
    );
    for e in &tous {
        let x = resume(e);
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_champ(&x.cle),
            x.id.map(|i| i.to_string()).unwrap_or_default(),
            x.famille,
            x.origine,
            csv_champ(&x.titre),
            csv_champ(&x.resume),
            x.themes.join(" "),
            x.odd
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            x.publics.join(" "),
            x.territoires.join(" "),
            x.date,
            csv_champ(&format!(
                "{}{}",
                state.public_url.trim_end_matches('/'),
                x.url
            )),
            if x.demo { "oui" } else { "non" },
            csv_champ(alliances_app::bibliotheque::LICENCE),
            extraction
        ));
    }
    Ok(csv("ressources.csv", out))
}
