//! `/api/v1/ingenieries`: the support schemes (list, one scheme), « qui peut m'aider ici ? »
//! and the coverage of a service by département; the open-data CSV of schemes and of coverage.

use super::organisations::{curseur, lire_curseur};
use super::territoires::Liste;
use super::{csv, csv_champ};
use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use crate::state::AppState;
use alliances_app::ingenieries::{Demande, FicheDispositif};
use alliances_domain::annuaire::{Lieu, Profil};
use alliances_domain::ingenieries::{NiveauDispositif, Service};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

const LIMITE_DEFAUT: usize = 50;
const LIMITE_MAX: usize = 500;

/// A support scheme.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dispositif {
    pub id: i64,
    pub nom: String,
    pub description: String,
    /// national, regional, departemental or local.
    pub niveau: String,
    /// publique, projet or catalyse.
    pub ingenierie: String,
    pub services: Vec<String>,
    /// Actor profiles served (empty: all).
    pub publics: Vec<String>,
    /// Size bands served (empty: all).
    pub tailles: Vec<String>,
    /// `niveau:code`; empty for a national scheme (it covers everything).
    pub couverture: Vec<String>,
    pub contact: Option<String>,
    pub url: Option<String>,
    /// The scheme it relays.
    pub relais_de: Option<i64>,
    /// The carrying organisation of the annuaire.
    pub porteur: Option<i64>,
    pub source: String,
    pub licence: String,
    pub date_verification: String,
    pub demo: bool,
}

fn dispositif(f: &FicheDispositif) -> Dispositif {
    let d = &f.dispositif;
    Dispositif {
        id: f.id,
        nom: d.nom.clone(),
        description: d.description.clone(),
        niveau: d.niveau.slug().into(),
        ingenierie: d.ingenierie.slug().into(),
        services: d.services.iter().map(|s| s.slug().into()).collect(),
        publics: d.publics.iter().map(|s| s.slug().into()).collect(),
        tailles: d.tailles.iter().map(|s| s.slug().into()).collect(),
        couverture: d.couverture.iter().map(Lieu::cle).collect(),
        contact: d.contact.clone(),
        url: d.url.clone(),
        relais_de: d.relais_de,
        porteur: f.porteur_id,
        source: f.source.clone(),
        licence: f.licence.clone(),
        date_verification: crate::annuaire_view::date_iso(f.verifie_le),
        demo: f.demo,
    }
}

fn service(params: &Params, requis: bool) -> Result<Option<Service>, Problem> {
    match params
        .text("service")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None if requis => Err(Problem::bad_request(
            "service",
            format!("obligatoire ; attendu : {}", Service::slugs()),
        )),
        None => Ok(None),
        Some(s) => Service::from_slug(s).map(Some).ok_or_else(|| {
            Problem::bad_request(
                "service",
                format!("inconnu ; attendu : {}", Service::slugs()),
            )
        }),
    }
}

/// The support schemes, by level then name.
#[utoipa::path(
    get,
    path = "/api/v1/ingenieries",
    tag = "ingenieries",
    params(
        ("service" = Option<String>, Query, description = "Un service proposé (diagnostic, accompagnement, financement…)"),
        ("niveau" = Option<String>, Query, description = "national, regional, departemental ou local"),
        ("limit" = Option<usize>, Query, description = "De 1 à 500 (50 par défaut)"),
        ("apres" = Option<String>, Query, description = "Le curseur `suivant` de la page précédente"),
    ),
    responses(
        (status = 200, description = "Les dispositifs", body = Liste<Dispositif>),
        (status = 400, description = "Paramètre invalide", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn liste(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<Dispositif>>, Problem> {
    let params = Params::parse(raw, &["service", "niveau", "limit", "apres"])?;
    let service = service(&params, false)?;
    let niveau = match params
        .text("niveau")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(n) => Some(NiveauDispositif::from_slug(n).ok_or_else(|| {
            Problem::bad_request(
                "niveau",
                format!("inconnu ; attendu : {}", NiveauDispositif::slugs()),
            )
        })?),
    };
    let limite = params.number("limit", LIMITE_DEFAUT, 1, LIMITE_MAX)?;
    let decalage = match params.text("apres") {
        Some(c) => lire_curseur(c)?,
        None => 0,
    };
    let ix = state.app.dispositifs();
    let mut tous: Vec<&FicheDispositif> = ix
        .tous()
        .map(|e| e.fiche.as_ref())
        .filter(|f| service.is_none_or(|s| f.dispositif.services.contains(&s)))
        .filter(|f| niveau.is_none_or(|n| f.dispositif.niveau == n))
        .collect();
    tous.sort_by(|a, b| {
        a.dispositif
            .niveau
            .cmp(&b.dispositif.niveau)
            .then_with(|| a.dispositif.nom.cmp(&b.dispositif.nom))
            .then(a.id.cmp(&b.id))
    });
    let total = tous.len();
    let resultats: Vec<Dispositif> = tous
        .iter()
        .skip(decalage)
        .take(limite)
        .map(|f| dispositif(f))
        .collect();
    let fin = decalage + resultats.len();
    Ok(Json(Liste {
        suivant: (fin < total).then(|| curseur(fin)),
        total,
        resultats,
    }))
}

/// One support scheme.
#[utoipa::path(
    get,
    path = "/api/v1/ingenieries/{id}",
    tag = "ingenieries",
    params(("id" = i64, Path, description = "Identifiant du dispositif")),
    responses(
        (status = 200, description = "Le dispositif", body = Dispositif),
        (status = 400, description = "Identifiant mal formé (un entier est attendu)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucun dispositif de cet identifiant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn un(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Dispositif>, Problem> {
    let ix = state.app.dispositifs();
    let e = ix
        .get(id)
        .ok_or_else(|| Problem::not_found("aucun dispositif de cet identifiant"))?;
    Ok(Json(dispositif(&e.fiche)))
}

/// One answer of « qui peut m'aider ici ? ».
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Aide {
    pub dispositif: Dispositif,
    /// How close its coverage is: commune, epci, departement, region or national.
    pub couvre_via: String,
}

/// The answers for a territory.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReponsesAide {
    /// `niveau:code` of the territory asked.
    pub territoire: String,
    pub nom: String,
    pub resultats: Vec<Aide>,
    pub total: usize,
}

/// « Qui peut m'aider ici ? »: the schemes covering a territory, closest coverage first, then
/// the more local scheme.
#[utoipa::path(
    get,
    path = "/api/v1/ingenieries/aide",
    tag = "ingenieries",
    params(
        ("territoire" = String, Query, description = "`niveau:code`, par exemple commune:42218"),
        ("service" = Option<String>, Query, description = "Le service recherché"),
        ("profil" = Option<String>, Query, description = "Le profil de l'organisation qui cherche (association, entreprise…)"),
    ),
    responses(
        (status = 200, description = "Les dispositifs qui couvrent ce territoire", body = ReponsesAide),
        (status = 400, description = "Paramètre invalide ou territoire inconnu", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn aide(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<ReponsesAide>, Problem> {
    let params = Params::parse(raw, &["territoire", "service", "profil"])?;
    let service = service(&params, false)?;
    let profil = match params
        .text("profil")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(p) => Some(Profil::from_slug(p).ok_or_else(|| {
            Problem::bad_request("profil", format!("inconnu ; attendu : {}", Profil::slugs()))
        })?),
    };
    let saisi = params
        .text("territoire")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Problem::bad_request(
                "territoire",
                "obligatoire : niveau:code, par exemple commune:42218",
            )
        })?;
    let territoires = state.app.territoires();
    let (cle, nom) = crate::territoire_view::territoire_de(saisi, &territoires.referentiel)
        .ok_or_else(|| {
            Problem::bad_request("territoire", format!("territoire inconnu : {saisi}"))
        })?;
    let l = Lieu::parse_cle(&cle).expect("a checked key");
    let reponses = state
        .app
        .qui_peut_aider(
            l.niveau,
            &l.code,
            Demande {
                service,
                profil,
                taille: None,
            },
        )
        .unwrap_or_default();
    let resultats: Vec<Aide> = reponses
        .iter()
        .map(|r| Aide {
            dispositif: dispositif(&r.entree.fiche),
            couvre_via: r.via.slug().into(),
        })
        .collect();
    Ok(Json(ReponsesAide {
        territoire: cle,
        nom,
        total: resultats.len(),
        resultats,
    }))
}

/// A département's coverage for one service.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouvertureDepartement {
    pub code_departement: String,
    pub nom: String,
    /// Schemes run at departmental or local level covering (part of) it; 0 is a white zone.
    pub nombre: u32,
}

/// The coverage of a service.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Couverture {
    pub service: String,
    /// National schemes offering it (they cover every département).
    pub nationaux: u32,
    pub departements: Vec<CouvertureDepartement>,
}

/// The coverage of a service by département: schemes at departmental or local level.
#[utoipa::path(
    get,
    path = "/api/v1/ingenieries/couverture",
    tag = "ingenieries",
    params(("service" = String, Query, description = "Le service")),
    responses(
        (status = 200, description = "Le nombre de dispositifs par département", body = Couverture),
        (status = 400, description = "Service manquant ou inconnu", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn couverture(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Couverture>, Problem> {
    let params = Params::parse(raw, &["service"])?;
    let s = service(&params, true)?.expect("required");
    Ok(Json(Couverture {
        service: s.slug().into(),
        nationaux: state.app.dispositifs().nationaux(s),
        departements: crate::pages::ingenieries::couverture_de(&state, s)
            .into_iter()
            .map(|(code_departement, nom, nombre)| CouvertureDepartement {
                code_departement,
                nom,
                nombre,
            })
            .collect(),
    }))
}

/// `GET /ingenieries/export.csv`: every scheme, one row each, with its licence and the
/// extraction date.
pub async fn export(State(state): State<AppState>) -> Response {
    let extraction = crate::annuaire_view::date_iso(alliances_app::now());
    let mut out = String::from("id,nom,niveau,ingenierie,services,publics,tailles,couverture,contact,url,relais_de,porteur,source,licence,date_verification,demo,date_extraction\n");
    for e in state.app.dispositifs().tous() {
        let x = dispositif(&e.fiche);
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            x.id,
            csv_champ(&x.nom),
            x.niveau,
            x.ingenierie,
            x.services.join(" "),
            x.publics.join(" "),
            x.tailles.join(" "),
            x.couverture.join(" "),
            csv_champ(x.contact.as_deref().unwrap_or("")),
            csv_champ(x.url.as_deref().unwrap_or("")),
            x.relais_de.map(|r| r.to_string()).unwrap_or_default(),
            x.porteur.map(|r| r.to_string()).unwrap_or_default(),
            csv_champ(&x.source),
            csv_champ(&x.licence),
            x.date_verification,
            if x.demo { "oui" } else { "non" },
            extraction
        ));
    }
    csv("dispositifs.csv", out)
}

/// `GET /ingenieries/couverture.csv?service=…`: the coverage table of a service.
pub async fn export_couverture(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(raw, &["service"])?;
    let s = service(&params, true)?.expect("required");
    let extraction = crate::annuaire_view::date_iso(alliances_app::now());
    let mut out = String::from("service,code_departement,departement,dispositifs_departementaux_ou_locaux,dispositifs_nationaux,licence,date_extraction\n");
    let nationaux = state.app.dispositifs().nationaux(s);
    for (code, nom, n) in crate::pages::ingenieries::couverture_de(&state, s) {
        out.push_str(&format!(
            "{},{code},{},{n},{nationaux},{},{extraction}\n",
            s.slug(),
            csv_champ(&nom),
            csv_champ(alliances_app::ingenieries::LICENCE)
        ));
    }
    Ok(csv(&format!("couverture-{}.csv", s.slug()), out))
}
