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
