//! `/api/v1/observatoire/chiffres-publies` and `/observatoire/chiffres-publies.csv`: the
//! published figures of the observatory, each with its population, period, question and source.

use super::territoires::Liste;
use super::{csv, csv_champ};
use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use axum::response::Response;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// A published figure (an aggregate from its source, not computed by the platform).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChiffrePublie {
    pub serie: String,
    /// citoyens, associations, associations-employeuses, dirigeants-entreprises or maires.
    pub population: String,
    /// `2008`, `2015-2016`, `2020-05`.
    pub periode: String,
    /// Percentage of the population.
    pub valeur: f64,
    pub question: String,
    pub source: String,
}

fn lire() -> Result<Vec<ChiffrePublie>, Problem> {
    Ok(alliances_app::observatoire::chiffres_publies()
        .map_err(|e| {
            tracing::error!(error = %e, "published figures");
            Problem::internal()
        })?
        .iter()
        .map(|c| ChiffrePublie {
            serie: c.serie.clone(),
            population: c.population.slug().into(),
            periode: c.periode.clone(),
            valeur: c.valeur,
            question: c.question.clone(),
            source: c.source.clone(),
        })
        .collect())
}

/// The observatory's published figures, by series then period.
#[utoipa::path(
    get,
    path = "/api/v1/observatoire/chiffres-publies",
    tag = "observatoire",
    responses((status = 200, description = "Les chiffres publiés", body = Liste<ChiffrePublie>))
)]
pub async fn chiffres_publies(raw: RawQuery) -> Result<Json<Liste<ChiffrePublie>>, Problem> {
    Params::parse(raw, &[])?;
    let resultats = lire()?;
    Ok(Json(Liste {
        total: resultats.len(),
        resultats,
        suivant: None,
    }))
}

/// `GET /observatoire/chiffres-publies.csv`
pub async fn export() -> Result<Response, Problem> {
    let mut out = String::from("serie,population,periode,valeur,question,source\n");
    for c in lire()? {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            c.serie,
            c.population,
            c.periode,
            c.valeur,
            csv_champ(&c.question),
            csv_champ(&c.source)
        ));
    }
    Ok(csv("chiffres-publies.csv", out))
}

// ------------------------------------------------------------------------- studies and waves

/// A published wave of a study.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VagueApi {
    pub numero: i64,
    pub libelle: String,
    /// `YYYY-MM-DD`.
    pub debut: String,
    pub fin: String,
    /// en-ligne, telephone, face-a-face, postal or mixte.
    pub mode: String,
    /// quotas or aleatoire.
    pub plan: String,
    /// Respondents.
    pub repondants: usize,
    /// When the results were published (seconds since the epoch).
    pub publiee_le: i64,
    /// The results' page.
    pub page: String,
}

/// A study with its published waves.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EtudeApi {
    pub id: i64,
    pub titre: String,
    /// citoyens, associations, entreprises, elus-locaux, acteurs-academiques…
    pub population: String,
    pub producteur: String,
    pub description: String,
    /// A demonstration study (fictional figures).
    pub demo: bool,
    pub vagues: Vec<VagueApi>,
}

/// One published figure of a wave.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LigneApi {
    /// The domain variable, `null` for all respondents.
    pub variable_domaine: Option<String>,
    pub domaine: Option<String>,
    pub domaine_libelle: Option<String>,
    /// The answer (`null` for a mean).
    pub modalite: Option<String>,
    pub modalite_libelle: Option<String>,
    /// Unweighted respondents.
    pub n: usize,
    pub n_effectif: f64,
    /// Fewer respondents than the threshold: the figures are `null`.
    pub supprimee: bool,
    /// Percent for shares; the question's unit for means.
    pub estimation: Option<f64>,
    pub erreur_type: Option<f64>,
    pub ic95_bas: Option<f64>,
    pub ic95_haut: Option<f64>,
}

/// A question's published figures.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionApi {
    pub id: String,
    pub texte: String,
    /// repartition (shares of the answers), citations (share choosing each option) or moyenne.
    pub mesure: String,
    pub unite: Option<String>,
    pub lignes: Vec<LigneApi>,
}

/// A wave's published results.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultatsApi {
    pub etude: i64,
    pub vague: VagueApi,
    /// How the figures were obtained: sample, calibration (method, margins, iterations, range
    /// of g = w/d), effective sample size, design effect, margin of error, variance convention,
    /// suppression threshold.
    #[schema(value_type = Object)]
    pub methodologie: serde_json::Value,
    pub questions: Vec<QuestionApi>,
    pub licence: String,
}

fn vague_api(v: &alliances_app::observatoire::Vague, n: usize) -> VagueApi {
    VagueApi {
        numero: v.numero,
        libelle: v.libelle.clone(),
        debut: v.debut.clone(),
        fin: v.fin.clone(),
        mode: v.mode.clone(),
        plan: v.plan.clone(),
        repondants: n,
        publiee_le: v.publiee_le.unwrap_or(0),
        page: format!("/observatoire/etudes/{}/vagues/{}", v.etude_id, v.numero),
    }
}

fn probleme(e: alliances_app::observatoire::ObservatoireError) -> Problem {
    use alliances_app::observatoire::ObservatoireError as E;
    match e {
        E::Introuvable | E::Interdit => Problem::not_found("aucune vague publiée à cette adresse"),
        e => {
            tracing::error!(error = %e, "observatoire");
            Problem::internal()
        }
    }
}

/// The studies of the observatory with their published waves.
#[utoipa::path(
    get,
    path = "/api/v1/observatoire/etudes",
    tag = "observatoire",
    responses((status = 200, description = "Les études et leurs vagues publiées", body = Liste<EtudeApi>))
)]
pub async fn etudes(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<EtudeApi>>, Problem> {
    Params::parse(raw, &[])?;
    let mut resultats = Vec::new();
    for (e, vagues) in state.app.etudes_visibles(None).await.map_err(probleme)? {
        let mut vs = Vec::new();
        for v in vagues {
            let (_, lue) = state
                .app
                .vague_observatoire(None, e.id, v.numero)
                .await
                .map_err(probleme)?;
            let n = lue
                .resultats
                .as_ref()
                .map(|r| r.methodologie.n)
                .unwrap_or(0);
            vs.push(vague_api(&v, n));
        }
        resultats.push(EtudeApi {
            id: e.id,
            titre: e.titre,
            population: e.population,
            producteur: e.producteur,
            description: e.description,
            demo: e.demo,
            vagues: vs,
        });
    }
    Ok(Json(Liste {
        total: resultats.len(),
        resultats,
        suivant: None,
    }))
}

async fn resultats_de(
    state: &crate::state::AppState,
    etude: i64,
    numero: i64,
) -> Result<ResultatsApi, Problem> {
    let (_, lue) = state
        .app
        .vague_observatoire(None, etude, numero)
        .await
        .map_err(probleme)?;
    let r = lue
        .resultats
        .ok_or_else(|| Problem::not_found("aucune vague publiée à cette adresse"))?;
    Ok(ResultatsApi {
        etude,
        vague: vague_api(&lue.vague, r.methodologie.n),
        methodologie: serde_json::to_value(&r.methodologie).map_err(|_| Problem::internal())?,
        questions: r
            .questions
            .into_iter()
            .map(|q| QuestionApi {
                mesure: match q.mesure {
                    alliances_domain::observatoire::resultats::Mesure::Repartition => "repartition",
                    alliances_domain::observatoire::resultats::Mesure::Citations => "citations",
                    alliances_domain::observatoire::resultats::Mesure::Moyenne => "moyenne",
                }
                .into(),
                id: q.id,
                texte: q.texte,
                unite: q.unite,
                lignes: q
                    .lignes
                    .into_iter()
                    .map(|l| LigneApi {
                        variable_domaine: l.variable_domaine,
                        domaine: l.domaine,
                        domaine_libelle: l.domaine_libelle,
                        modalite: l.modalite,
                        modalite_libelle: l.modalite_libelle,
                        n: l.n,
                        n_effectif: l.n_effectif,
                        supprimee: l.supprimee,
                        estimation: l.estimation,
                        erreur_type: l.erreur_type,
                        ic95_bas: l.ic95_bas,
                        ic95_haut: l.ic95_haut,
                    })
                    .collect(),
            })
            .collect(),
        licence: crate::api::alliances::LICENCE.into(),
    })
}

/// A published wave's results (aggregates only: microdata are never published).
#[utoipa::path(
    get,
    path = "/api/v1/observatoire/etudes/{id}/vagues/{n}",
    tag = "observatoire",
    params(
        ("id" = i64, Path, description = "Identifiant de l'étude"),
        ("n" = i64, Path, description = "Numéro de la vague dans l'étude"),
    ),
    responses(
        (status = 200, description = "Les résultats publiés", body = ResultatsApi),
        (status = 400, description = "Identifiant ou numéro de vague mal formé (des entiers sont attendus)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune vague publiée à cette adresse", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn vague(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Path((etude, numero)): axum::extract::Path<(i64, i64)>,
    raw: RawQuery,
) -> Result<Json<ResultatsApi>, Problem> {
    Params::parse(raw, &[])?;
    Ok(Json(resultats_de(&state, etude, numero).await?))
}

/// `GET /observatoire/etudes/{id}/vagues/{n}/resultats.csv`: one line per published figure.
pub async fn resultats_csv(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    axum::extract::Path((etude, numero)): axum::extract::Path<(String, String)>,
) -> Result<Response, Problem> {
    let (etude, numero) = match (etude.parse::<i64>(), numero.parse::<i64>()) {
        (Ok(e), Ok(n)) => (e, n),
        _ => return Err(Problem::not_found("aucune vague publiée à cette adresse")),
    };
    let r = resultats_de(&state, etude, numero).await?;
    let nombre = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    let mut out = String::from(
        "question,texte,mesure,variable_domaine,domaine,modalite,libelle,n,n_effectif,supprimee,estimation,erreur_type,ic95_bas,ic95_haut,licence\n",
    );
    for q in &r.questions {
        for l in &q.lignes {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                csv_champ(&q.id),
                csv_champ(&q.texte),
                q.mesure,
                csv_champ(l.variable_domaine.as_deref().unwrap_or("")),
                csv_champ(l.domaine.as_deref().unwrap_or("")),
                csv_champ(l.modalite.as_deref().unwrap_or("")),
                csv_champ(l.modalite_libelle.as_deref().unwrap_or("")),
                l.n,
                l.n_effectif,
                l.supprimee,
                nombre(l.estimation),
                nombre(l.erreur_type),
                nombre(l.ic95_bas),
                nombre(l.ic95_haut),
                csv_champ(&r.licence),
            ));
        }
    }
    Ok(csv(
        &format!("observatoire-etude-{etude}-vague-{numero}.csv"),
        out,
    ))
}
