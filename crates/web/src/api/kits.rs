//! `/api/v1/kits`: the self-assessment kits as JSON. The catalogue (latest version of each kit),
//! one definition (any version still served), a stateless scoring of a set of answers (nothing is
//! stored, no token needed) and, with a bearer token, the caller's own passations and results.
//! The rules are the domain's ([`Kit::lire_reponses_json`], [`Kit::noter`]) and the app's
//! ([`App::mes_passations`](alliances_app::App::mes_passations),
//! [`App::resultat_kit`](alliances_app::App::resultat_kit)): this file parses, calls and shapes
//! the answer.

use super::compte::caller;
use super::territoires::Liste;
use crate::annuaire_view::date_iso;
use crate::params::{Params, RawQuery};
use crate::problem::{FieldError, Problem};
use crate::state::AppState;
use alliances_app::kits::{KitError, ResultatVue, Sujet};
use alliances_domain::kits::{ErreurReponse, Genre, Kit, Lien, Resultat};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// The longest passation key accepted in a path (keys are 24 characters).
const CLE_MAX: usize = 64;

// ---------------------------------------------------------------------------------------------
// Output shapes

/// A kit of the catalogue: the description of one version.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KitResume {
    /// Stable identifier, the same in every version.
    pub id: String,
    /// This version.
    pub version: u32,
    /// Every version served, oldest first (results keep the version they were taken with).
    pub versions: Vec<u32>,
    pub titre: String,
    /// Who answers: organisation, territoire, alliance or partenariat.
    pub public: String,
    /// Estimated time to answer, in minutes.
    pub duree_minutes: u32,
    pub resume: String,
    /// Licence of the content.
    pub licence: String,
    pub auteurs: Option<String>,
    /// Publication date of this version, ISO.
    pub date: String,
    /// Every question, scored or not.
    pub nombre_questions: usize,
    /// Questions that count towards a score.
    pub nombre_questions_notees: usize,
    pub nombre_dimensions: usize,
    /// The kit's page.
    pub url: String,
}

/// What a kit scores.
#[derive(Serialize, ToSchema)]
pub struct DimensionKit {
    pub id: String,
    pub titre: String,
    pub description: String,
    /// Weight in the overall score.
    pub poids: f64,
}

/// A maturity level; the same four apply to the overall score and to each dimension.
#[derive(Serialize, ToSchema)]
pub struct NiveauKit {
    pub id: String,
    pub titre: String,
    /// Lowest score of the level (0–100); it goes up to the next level's `min`, excluded.
    pub min: f64,
    pub description: String,
}

/// A choice of a `choix_unique` or `choix_multiple` question.
#[derive(Serialize, ToSchema)]
pub struct OptionKit {
    /// The value to send in the answers.
    pub id: String,
    pub texte: String,
    pub points: u32,
    /// `choix_multiple`: cannot be combined with another option.
    pub exclusif: bool,
}

/// The question is shown only when the answer to `question` is one of `valeurs`.
#[derive(Serialize, ToSchema)]
pub struct ConditionKit {
    pub question: String,
    pub valeurs: Vec<String>,
}

/// A question. The fields after `condition` depend on its `type`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionKit {
    /// The key of its answer.
    pub id: String,
    /// choix_unique (answer: an option id), choix_multiple (a list of option ids), echelle (1 to 5),
    /// oui_non (oui, non or nsp), nombre (a number within min–max) or texte.
    #[serde(rename = "type")]
    pub type_: String,
    pub texte: String,
    pub aide: Option<String>,
    /// The dimension it scores; `null`: not scored.
    pub dimension: Option<String>,
    /// Weight inside its dimension.
    pub poids: f64,
    /// Accepts the answer `"non-applicable"` (« ne nous concerne pas »).
    pub non_applicable: bool,
    /// Must be answered (when shown) to complete a passation.
    pub obligatoire: bool,
    pub condition: Option<ConditionKit>,
    /// choix_unique, choix_multiple.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionKit>>,
    /// choix_multiple: the points that give the full score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plafond: Option<u32>,
    /// echelle: the meaning of 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub libelle_min: Option<String>,
    /// echelle: the meaning of 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub libelle_max: Option<String>,
    /// oui_non: « non » is the good answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inverse: Option<bool>,
    /// nombre: lowest accepted value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// nombre: highest accepted value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// nombre.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unite: Option<String>,
    /// nombre: `[threshold, value]` pairs; the value (0 to 1) of a number is that of the highest
    /// threshold below or equal to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paliers: Option<Vec<[f64; 2]>>,
    /// texte: the longest answer, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_longueur: Option<usize>,
}

/// One page of the questionnaire.
#[derive(Serialize, ToSchema)]
pub struct SectionKit {
    pub id: String,
    pub titre: String,
    pub introduction: Option<String>,
    /// Its answers are restated with the results.
    pub restitution: bool,
    pub questions: Vec<QuestionKit>,
}

/// Something of the platform a recommendation points to.
#[derive(Serialize, ToSchema)]
pub struct LienKit {
    /// partenaire (organisations of a profile), offre (organisations offering a kind of
    /// resource), service (support schemes offering a service) or theme (resources on a theme).
    #[serde(rename = "type")]
    pub type_: String,
    /// The slug of the profile, resource kind, service or theme.
    pub valeur: String,
    pub libelle: String,
}

/// A recommendation of the definition, for a dimension at some levels.
#[derive(Serialize, ToSchema)]
pub struct RecommandationKit {
    pub dimension: String,
    /// Level ids.
    pub niveaux: Vec<String>,
    pub titre: String,
    pub texte: String,
    pub liens: Vec<LienKit>,
}

/// The full definition of one kit version.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KitDefinition {
    #[serde(flatten)]
    pub kit: KitResume,
    pub dimensions: Vec<DimensionKit>,
    /// Four levels, by increasing `min`.
    pub niveaux: Vec<NiveauKit>,
    pub sections: Vec<SectionKit>,
    pub recommandations: Vec<RecommandationKit>,
}

/// A level reached.
#[derive(Serialize, ToSchema)]
pub struct NiveauAtteint {
    pub id: String,
    pub titre: String,
}

/// A recommendation for the level reached in a dimension.
#[derive(Serialize, ToSchema)]
pub struct Recommandation {
    pub titre: String,
    pub texte: String,
    pub liens: Vec<LienKit>,
}

/// The score of one dimension.
#[derive(Serialize, ToSchema)]
pub struct ScoreDimension {
    pub id: String,
    pub titre: String,
    /// 0–100, one decimal; `null` when every question of the dimension is « ne nous concerne pas ».
    pub score: Option<f64>,
    /// `null` with the score.
    pub niveau: Option<NiveauAtteint>,
    /// Scored questions answered (shown and answered, « ne nous concerne pas » included).
    pub repondues: usize,
    /// Scored questions of the dimension.
    pub questions: usize,
    /// The recommendations for the level reached (none without a score).
    pub recommandations: Vec<Recommandation>,
}

/// A set of answers, scored.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultatKit {
    pub kit_id: String,
    pub kit_version: u32,
    /// 0–100, one decimal: the mean of the dimensions' scores weighted by their `poids`.
    pub score_global: Option<f64>,
    pub niveau: Option<NiveauAtteint>,
    /// In the kit's order.
    pub dimensions: Vec<ScoreDimension>,
    /// Questions shown and answered.
    pub repondues: usize,
    /// Questions shown (a question whose condition is not met is hidden).
    pub affichees: usize,
}

/// Answers to score. Each value: `"option-id"` (choix_unique), `["a", "b"]` (choix_multiple),
/// `1`–`5` (echelle), `"oui"` / `"non"` / `"nsp"` (oui_non), a number (nombre), a text (texte),
/// or `"non-applicable"` where the question offers it; `null` or absent: not answered.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // documentation: the body is read by `lire_reponses`
pub struct ReponsesKit {
    /// Question id → answer.
    #[schema(value_type = Object)]
    reponses: BTreeMap<String, serde_json::Value>,
}

/// On whose behalf a kit was taken.
#[derive(Serialize, ToSchema)]
pub struct SujetPassation {
    /// personnel, organisation, territoire or groupe.
    #[serde(rename = "type")]
    pub type_: String,
    /// The organisation's or group's id, or `niveau:code` of a territory; `null` for oneself.
    pub code: Option<String>,
    /// The organisation's, territory's or group's name; `null` for oneself.
    pub nom: Option<String>,
}

/// A passation of the caller, in progress or completed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PassationResume {
    /// The key of the passation (and of its result).
    pub cle: String,
    pub kit_id: String,
    /// The version it was taken with.
    pub kit_version: i64,
    /// The kit's title.
    pub titre: String,
    pub sujet: SujetPassation,
    /// Started, ISO 8601 UTC.
    pub date_debut: String,
    /// Last saved, ISO 8601 UTC.
    pub date_mise_a_jour: String,
    /// Completed, ISO 8601 UTC; `null` while in progress.
    pub date_fin: Option<String>,
    pub terminee: bool,
    /// Once completed.
    pub score_global: Option<f64>,
    /// Once completed.
    pub niveau: Option<NiveauAtteint>,
}

/// How a result compares with those of its peers (organisations of the same profile and size
/// band, same kit version).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComparaisonPairs {
    /// Peers with a result.
    pub nombre: usize,
    /// Per dimension id: the share of peers below, in percent; `null` with too few peers.
    pub en_dessous: BTreeMap<String, Option<u32>>,
}

/// A completed passation with its scores.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultatPassation {
    #[serde(flatten)]
    pub passation: PassationResume,
    pub dimensions: Vec<ScoreDimension>,
    pub repondues: usize,
    pub affichees: usize,
    /// The answers given, in the shape of the scoring body.
    #[schema(value_type = Object)]
    pub reponses: serde_json::Map<String, serde_json::Value>,
    /// For a passation on behalf of an organisation.
    pub pairs: Option<ComparaisonPairs>,
}

// ---------------------------------------------------------------------------------------------
// Mapping

/// ISO 8601 date and time (UTC) of a timestamp.
fn date_heure_iso(ts: i64) -> String {
    let s = ts.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_iso(ts),
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

fn resume_json(kit: &Kit, versions: Vec<u32>) -> KitResume {
    KitResume {
        id: kit.id.clone(),
        version: kit.version,
        versions,
        titre: kit.titre.clone(),
        public: kit.public.slug().to_string(),
        duree_minutes: kit.duree_minutes,
        resume: kit.resume.clone(),
        licence: kit.licence.clone(),
        auteurs: kit.auteurs.clone(),
        date: kit.date.clone(),
        nombre_questions: kit.questions.len(),
        nombre_questions_notees: kit.questions_notees(),
        nombre_dimensions: kit.dimensions.len(),
        url: format!("/kits/{}", kit.id),
    }
}

fn lien_json(l: &Lien) -> LienKit {
    let (type_, valeur) = match l {
        Lien::Partenaire(p) => ("partenaire", p.slug()),
        Lien::Offre(n) => ("offre", n.slug()),
        Lien::Service(s) => ("service", s.slug()),
        Lien::Theme(t) => ("theme", t.slug()),
    };
    LienKit {
        type_: type_.to_string(),
        valeur: valeur.to_string(),
        libelle: l.label_fr().to_string(),
    }
}

fn question_json(q: &alliances_domain::kits::Question) -> QuestionKit {
    let options = |os: &[alliances_domain::kits::Choix]| {
        Some(
            os.iter()
                .map(|o| OptionKit {
                    id: o.id.clone(),
                    texte: o.texte.clone(),
                    points: o.points,
                    exclusif: o.exclusif,
                })
                .collect(),
        )
    };
    let mut json = QuestionKit {
        id: q.id.clone(),
        type_: String::new(),
        texte: q.texte.clone(),
        aide: q.aide.clone(),
        dimension: q.dimension.clone(),
        poids: q.poids,
        non_applicable: q.non_applicable,
        obligatoire: q.obligatoire,
        condition: q.condition.as_ref().map(|c| ConditionKit {
            question: c.source_id.clone(),
            valeurs: c.valeurs.clone(),
        }),
        options: None,
        plafond: None,
        libelle_min: None,
        libelle_max: None,
        inverse: None,
        min: None,
        max: None,
        unite: None,
        paliers: None,
        max_longueur: None,
    };
    json.type_ = match &q.genre {
        Genre::ChoixUnique { options: os, .. } => {
            json.options = options(os);
            "choix_unique"
        }
        Genre::ChoixMultiple {
            options: os,
            plafond,
        } => {
            json.options = options(os);
            json.plafond = Some(*plafond);
            "choix_multiple"
        }
        Genre::Echelle {
            libelle_min,
            libelle_max,
        } => {
            json.libelle_min = Some(libelle_min.clone());
            json.libelle_max = Some(libelle_max.clone());
            "echelle"
        }
        Genre::OuiNon { inverse } => {
            json.inverse = Some(*inverse);
            "oui_non"
        }
        Genre::Nombre {
            min,
            max,
            unite,
            paliers,
        } => {
            json.min = Some(*min);
            json.max = Some(*max);
            json.unite = unite.clone();
            json.paliers = Some(paliers.iter().map(|(s, v)| [*s, *v]).collect());
            "nombre"
        }
        Genre::Texte { max_longueur } => {
            json.max_longueur = Some(*max_longueur);
            "texte"
        }
    }
    .to_string();
    json
}

fn definition_json(kit: &Kit, versions: Vec<u32>) -> KitDefinition {
    KitDefinition {
        kit: resume_json(kit, versions),
        dimensions: kit
            .dimensions
            .iter()
            .map(|d| DimensionKit {
                id: d.id.clone(),
                titre: d.titre.clone(),
                description: d.description.clone(),
                poids: d.poids,
            })
            .collect(),
        niveaux: kit
            .niveaux
            .iter()
            .map(|n| NiveauKit {
                id: n.id.clone(),
                titre: n.titre.clone(),
                min: n.min,
                description: n.description.clone(),
            })
            .collect(),
        sections: kit
            .sections
            .iter()
            .map(|s| SectionKit {
                id: s.id.clone(),
                titre: s.titre.clone(),
                introduction: s.introduction.clone(),
                restitution: s.restitution,
                questions: kit.questions[s.questions.clone()]
                    .iter()
                    .map(question_json)
                    .collect(),
            })
            .collect(),
        recommandations: kit
            .recommandations
            .iter()
            .map(|r| RecommandationKit {
                dimension: r.dimension.clone(),
                niveaux: r.niveaux.clone(),
                titre: r.titre.clone(),
                texte: r.texte.clone(),
                liens: r.liens.iter().map(lien_json).collect(),
            })
            .collect(),
    }
}

fn niveau_json(kit: &Kit, niveau: Option<usize>) -> Option<NiveauAtteint> {
    niveau
        .and_then(|n| kit.niveaux.get(n))
        .map(|n| NiveauAtteint {
            id: n.id.clone(),
            titre: n.titre.clone(),
        })
}

fn dimensions_json(kit: &Kit, r: &Resultat) -> Vec<ScoreDimension> {
    kit.dimensions
        .iter()
        .zip(&r.dimensions)
        .enumerate()
        .map(|(d, (dim, s))| ScoreDimension {
            id: dim.id.clone(),
            titre: dim.titre.clone(),
            score: s.score,
            niveau: niveau_json(kit, s.niveau),
            repondues: s.repondues,
            questions: s.questions,
            recommandations: s
                .niveau
                .into_iter()
                .flat_map(|n| kit.recommandations_pour(d, n))
                .map(|x| Recommandation {
                    titre: x.titre.clone(),
                    texte: x.texte.clone(),
                    liens: x.liens.iter().map(lien_json).collect(),
                })
                .collect(),
        })
        .collect()
}

fn resultat_json(kit: &Kit, r: &Resultat) -> ResultatKit {
    ResultatKit {
        kit_id: kit.id.clone(),
        kit_version: kit.version,
        score_global: r.global,
        niveau: niveau_json(kit, r.niveau),
        dimensions: dimensions_json(kit, r),
        repondues: r.repondues,
        affichees: r.affichees,
    }
}

/// What the JSON says of a stored passation (borrowed from the app's record, whose type lives
/// in the store crate).
struct PassationLue<'a> {
    cle: &'a str,
    kit_id: &'a str,
    kit_version: i64,
    sujet_type: &'a str,
    sujet_code: &'a str,
    created_at: i64,
    updated_at: i64,
    terminee_at: Option<i64>,
    score_global: Option<f64>,
    niveau: Option<i64>,
}

/// Builds a [`PassationLue`] from a stored passation.
macro_rules! passation_lue {
    ($p:expr) => {
        PassationLue {
            cle: &$p.cle,
            kit_id: &$p.kit_id,
            kit_version: $p.kit_version,
            sujet_type: &$p.sujet_type,
            sujet_code: &$p.sujet_code,
            created_at: $p.created_at,
            updated_at: $p.updated_at,
            terminee_at: $p.terminee_at,
            score_global: $p.score_global,
            niveau: $p.niveau,
        }
    };
}

fn sujet_json(p: &PassationLue<'_>, nom: &str) -> SujetPassation {
    let personnel = p.sujet_type == Sujet::Personnel.type_slug();
    SujetPassation {
        type_: p.sujet_type.to_string(),
        code: (!personnel && !p.sujet_code.is_empty()).then(|| p.sujet_code.to_string()),
        nom: (!nom.is_empty()).then(|| nom.to_string()),
    }
}

/// A passation; `kit`: the version it was taken with, when still served.
fn passation_json(
    p: &PassationLue<'_>,
    nom: &str,
    kit: Option<&Kit>,
    titre: &str,
) -> PassationResume {
    let terminee = p.terminee_at.is_some();
    PassationResume {
        cle: p.cle.to_string(),
        kit_id: p.kit_id.to_string(),
        kit_version: p.kit_version,
        titre: titre.to_string(),
        sujet: sujet_json(p, nom),
        date_debut: date_heure_iso(p.created_at),
        date_mise_a_jour: date_heure_iso(p.updated_at),
        date_fin: p.terminee_at.map(date_heure_iso),
        terminee,
        score_global: if terminee { p.score_global } else { None },
        niveau: match (terminee, kit) {
            (true, Some(k)) => niveau_json(k, p.niveau.and_then(|n| usize::try_from(n).ok())),
            _ => None,
        },
    }
}

fn resultat_passation_json(r: &ResultatVue) -> ResultatPassation {
    let v = &r.vue;
    let kit = &v.kit;
    ResultatPassation {
        passation: passation_json(
            &passation_lue!(v.passation),
            &v.sujet_nom,
            Some(kit),
            &kit.titre,
        ),
        dimensions: dimensions_json(kit, &r.resultat),
        repondues: r.resultat.repondues,
        affichees: r.resultat.affichees,
        reponses: kit.reponses_json(&v.reponses),
        pairs: r.nb_pairs.map(|nombre| ComparaisonPairs {
            nombre,
            en_dessous: kit
                .dimensions
                .iter()
                .zip(&r.pairs)
                .map(|(d, p)| (d.id.clone(), *p))
                .collect(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and request parts

fn kit_introuvable() -> Problem {
    Problem::not_found("aucun kit de cet identifiant")
}

fn resultat_introuvable() -> Response {
    Problem::not_found("aucun résultat de cette clé parmi ceux que vous pouvez lire")
        .into_response()
}

/// 422 with one entry per question.
fn reponses_invalides(errs: Vec<ErreurReponse>) -> Problem {
    let errors: Vec<FieldError> = errs
        .into_iter()
        .map(|e| FieldError {
            champ: e.question,
            message: e.message,
        })
        .collect();
    let champs: Vec<&str> = errors.iter().map(|e| e.champ.as_str()).collect();
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Réponses invalides",
        format!(
            "réponses refusées ; questions à corriger : {}",
            champs.join(", ")
        ),
    );
    p.errors = errors;
    p
}

/// The answer to an error of the kits' use cases.
fn erreur(e: KitError) -> Response {
    match e {
        KitError::KitInconnu => kit_introuvable().into_response(),
        e @ KitError::VersionInconnue { .. } => Problem::not_found(e.to_string()).into_response(),
        KitError::Introuvable => resultat_introuvable(),
        e @ KitError::Interdit => {
            Problem::new(StatusCode::FORBIDDEN, "Accès refusé", e.to_string()).into_response()
        }
        KitError::Refus(m) => {
            Problem::new(StatusCode::CONFLICT, "Demande refusée", m).into_response()
        }
        e @ KitError::Terminee => {
            Problem::new(StatusCode::CONFLICT, "Demande refusée", e.to_string()).into_response()
        }
        KitError::Reponses(errs) => reponses_invalides(errs).into_response(),
        KitError::App(e) => Problem::from(e).into_response(),
    }
}

/// The kit of a path, in the version asked by `?version=` (the latest without it); 404 when
/// either is unknown, 400 for an unreadable version.
fn kit_demande(
    state: &AppState,
    id: &str,
    params: &Params,
) -> Result<(Arc<Kit>, Vec<u32>), Problem> {
    let catalogue = state.app.kits();
    let kit = match params.text("version") {
        None => catalogue.dernier(id).cloned().ok_or_else(kit_introuvable)?,
        Some(v) => {
            let v = v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1 && !v.trim().starts_with('+'))
                .ok_or_else(|| {
                    Problem::bad_request(
                        "version",
                        "un numéro de version (entier, 1 ou plus) est attendu",
                    )
                })?;
            if catalogue.dernier(id).is_none() {
                return Err(kit_introuvable());
            }
            catalogue.version(id, v).cloned().ok_or_else(|| {
                Problem::not_found(format!(
                    "le kit {id} n'a pas de version {v} ; versions servies : {}",
                    catalogue
                        .versions(id)
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?
        }
    };
    let versions = catalogue.versions(id);
    Ok((kit, versions))
}

/// Reads the scoring body `{"reponses": {…}}`: 415 without a JSON content type, 400 for
/// malformed JSON or a non-object, 422 for an unknown field or `reponses` not an object, then
/// 422 naming every refused answer by its question id.
fn lire_reponses(
    kit: &Kit,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<alliances_domain::kits::Reponses, Problem> {
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime != "application/json" && !(mime.starts_with("application/") && mime.ends_with("+json"))
    {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Type de contenu non pris en charge",
            "envoyez un objet JSON avec l'en-tête « Content-Type: application/json »",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "JSON invalide",
            format!("le corps n'est pas un JSON valide : {e}"),
        )
    })?;
    let serde_json::Value::Object(mut obj) = value else {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "JSON invalide",
            "un objet JSON est attendu : {\"reponses\": {\"<question>\": <réponse>}}",
        ));
    };
    let champ = |champ: &str, message: &str| {
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Données invalides",
            format!("données refusées ; champs à corriger : {champ}"),
        );
        p.errors.push(FieldError {
            champ: champ.to_string(),
            message: message.to_string(),
        });
        p
    };
    if let Some(k) = obj.keys().find(|k| k.as_str() != "reponses") {
        let k: String = k.chars().take(60).collect();
        return Err(champ(&k, "champ inconnu ; champs acceptés : reponses"));
    }
    let reponses = match obj.remove("reponses") {
        None | Some(serde_json::Value::Null) => serde_json::Map::new(),
        Some(serde_json::Value::Object(m)) => m,
        Some(_) => {
            return Err(champ(
                "reponses",
                "un objet est attendu : identifiant de question → réponse",
            ))
        }
    };
    let reponses = reponses
        .into_iter()
        .map(|(k, v)| (k, entier_si_entier(v)))
        .collect();
    kit.lire_reponses_json(&reponses)
        .map_err(reponses_invalides)
}

/// `5.0` is the number `5` in JSON: written as an integer so that a scale question reads it
/// (the domain reads a number from its text).
fn entier_si_entier(v: serde_json::Value) -> serde_json::Value {
    match v.as_f64() {
        Some(f) if v.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => {
            serde_json::Value::from(f as i64)
        }
        _ => v,
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// The kits: the latest version of each.
#[utoipa::path(
    get,
    path = "/api/v1/kits",
    tag = "kits",
    responses(
        (status = 200, description = "Dernière version de chaque kit, par identifiant", body = Liste<KitResume>),
        (status = 400, description = "Paramètre inconnu", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn liste(State(state): State<AppState>, raw: RawQuery) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let catalogue = state.app.kits();
    let resultats: Vec<KitResume> = catalogue
        .derniers()
        .map(|k| resume_json(k, catalogue.versions(&k.id)))
        .collect();
    Json(Liste {
        total: resultats.len(),
        resultats,
        suivant: None,
    })
    .into_response()
}

/// The full definition of a kit: dimensions, levels, sections and their questions,
/// recommendations.
#[utoipa::path(
    get,
    path = "/api/v1/kits/{id}",
    tag = "kits",
    params(
        ("id" = String, Path, description = "Identifiant du kit, par exemple odd17-en-pratique"),
        ("version" = Option<u32>, Query, description = "Une version servie (la dernière par défaut)"),
    ),
    responses(
        (status = 200, description = "La définition", body = KitDefinition),
        (status = 400, description = "Paramètre inconnu ou version illisible", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Kit ou version inconnus", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn definition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Response {
    let params = match Params::parse(raw, &["version"]) {
        Ok(p) => p,
        Err(p) => return p.into_response(),
    };
    match kit_demande(&state, &id, &params) {
        Ok((kit, versions)) => Json(definition_json(&kit, versions)).into_response(),
        Err(p) => p.into_response(),
    }
}

/// Scores a set of answers without storing anything: the overall score and level, each
/// dimension's score and level with its recommendations.
#[utoipa::path(
    post,
    path = "/api/v1/kits/{id}/score",
    tag = "kits",
    params(
        ("id" = String, Path, description = "Identifiant du kit"),
        ("version" = Option<u32>, Query, description = "La version dont les questions sont répondues (la dernière par défaut)"),
    ),
    request_body(content = ReponsesKit, content_type = "application/json"),
    responses(
        (status = 200, description = "Le résultat ; rien n'est enregistré", body = ResultatKit),
        (status = 400, description = "JSON mal formé, paramètre inconnu ou version illisible", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Kit ou version inconnus", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Corps trop volumineux", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Le corps n'est pas du JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Réponses refusées, chacune nommée par l'identifiant de sa question dans errors", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn score(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    let params = match Params::parse(raw, &["version"]) {
        Ok(p) => p,
        Err(p) => return p.into_response(),
    };
    let kit = match kit_demande(&state, &id, &params) {
        Ok((kit, _)) => kit,
        Err(p) => return p.into_response(),
    };
    match lire_reponses(&kit, &headers, &body) {
        Ok(reponses) => Json(resultat_json(&kit, &kit.noter(&reponses))).into_response(),
        Err(p) => p.into_response(),
    }
}

/// The passations of the token's owner, most recent first (at most 200).
#[utoipa::path(
    get,
    path = "/api/v1/kits/resultats",
    tag = "kits",
    security(("jeton" = [])),
    responses(
        (status = 200, description = "Passations en cours et terminées", body = Liste<PassationResume>),
        (status = 400, description = "Paramètre inconnu", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn mes_resultats(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let user = match caller(&state, &headers).await {
        Ok(c) => c.user,
        Err(res) => return res,
    };
    let passations = match state.app.mes_passations(&user).await {
        Ok(p) => p,
        Err(e) => return erreur(e),
    };
    let catalogue = state.app.kits();
    let resultats: Vec<PassationResume> = passations
        .iter()
        .map(|(p, nom)| {
            let kit = u32::try_from(p.kit_version)
                .ok()
                .and_then(|v| catalogue.version(&p.kit_id, v));
            let titre = kit
                .or_else(|| catalogue.dernier(&p.kit_id))
                .map_or(p.kit_id.as_str(), |k| k.titre.as_str());
            passation_json(&passation_lue!(p), nom, kit.map(AsRef::as_ref), titre)
        })
        .collect();
    Json(Liste {
        total: resultats.len(),
        resultats,
        suivant: None,
    })
    .into_response()
}

/// One completed result: its author's, or one shared with the caller (members of its
/// organisation, catalyseurs of its territory, partners of its group).
#[utoipa::path(
    get,
    path = "/api/v1/kits/resultats/{cle}",
    tag = "kits",
    security(("jeton" = [])),
    params(("cle" = String, Path, description = "La clé de la passation")),
    responses(
        (status = 200, description = "Le résultat, avec les scores par dimension et les recommandations", body = ResultatPassation),
        (status = 400, description = "Paramètre inconnu", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucun résultat de cette clé que le jeton puisse lire, ou version du kit retirée", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Passation pas encore terminée", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn resultat(
    State(state): State<AppState>,
    Path(cle): Path<String>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let user = match caller(&state, &headers).await {
        Ok(c) => c.user,
        Err(res) => return res,
    };
    if cle.is_empty() || cle.len() > CLE_MAX {
        return resultat_introuvable();
    }
    match state.app.resultat_kit(&user, &cle).await {
        Ok(r) => Json(resultat_passation_json(&r)).into_response(),
        Err(e) => erreur(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso() {
        assert_eq!(date_heure_iso(1_795_737_600 + 3661), "2026-11-27T01:01:01Z");
    }

    #[test]
    fn every_shipped_kit_maps_to_json() {
        let catalogue = alliances_app::kits::Catalogue::embarques().unwrap();
        for kit in catalogue.derniers() {
            let d = definition_json(kit, catalogue.versions(&kit.id));
            let n: usize = d.sections.iter().map(|s| s.questions.len()).sum();
            assert_eq!(n, kit.questions.len(), "{}", kit.id);
            assert!(d
                .sections
                .iter()
                .flat_map(|s| &s.questions)
                .all(|q| !q.type_.is_empty()));
            let r = resultat_json(
                kit,
                &kit.noter(&alliances_domain::kits::Reponses::vides(kit)),
            );
            assert_eq!(r.score_global, Some(0.0), "{}", kit.id);
        }
    }
}
