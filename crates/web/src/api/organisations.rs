//! `/api/v1/organisations`: the annuaire as JSON. Search with the facets of the annuaire page
//! (the filter rules live in [`Recherche::lire`]), name autocomplete, one organisation (private
//! contacts for its members and the moderators only), creation and edition with a bearer token
//! (`If-Match` carries the version read: a stale one is a 409, never a lost update), and the
//! offers and needs as a sub-resource. The rules are the app's: this file parses, calls and
//! shapes the answer.

use super::compte::caller;
use super::territoires::Liste;
use crate::annuaire_view::{date_iso, Recherche, PARAMS_LISTES, PARAMS_SIMPLES, Q_MAX};
use crate::params::{Params, RawQuery};
use crate::problem::{FieldError, Problem};
use crate::state::AppState;
use alliances_app::annuaire::{est_perime, AnnuaireError, Lecture, Vue};
use alliances_app::comptes::CurrentUser;
use alliances_app::jetons::ApiCaller;
use alliances_app::politique::{can_on_organisation, Action};
use alliances_domain::annuaire::{self as dom, NatureRessource, Profil, Sens};
use alliances_domain::territoires::{Niveau, Referentiel};
use alliances_search::organisations::{Facettes, PROFONDEUR_MAX};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

/// The routes of this file; the router merges them.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organisations", get(recherche).post(creer))
        .route("/api/v1/organisations/suggestions", get(suggestions))
        .route(
            "/api/v1/organisations/{id}",
            get(organisation).put(modifier),
        )
        .route(
            "/api/v1/organisations/{id}/ressources",
            get(ressources).post(ressource_creer),
        )
        .route(
            "/api/v1/organisations/{id}/ressources/{rid}",
            get(ressource)
                .put(ressource_modifier)
                .delete(ressource_supprimer),
        )
}

/// Page size of the search: default and maximum.
pub const LIMITE_DEFAUT: usize = 20;
pub const LIMITE_MAX: usize = 100;
/// Suggestions: default and maximum count.
pub const SUGGESTIONS_DEFAUT: usize = 10;
pub const SUGGESTIONS_MAX: usize = 20;

// ---------------------------------------------------------------------------------------------
// Output shapes

/// A territory with its level, official code and name.
#[derive(Serialize, ToSchema)]
pub struct Lieu {
    /// region, departement, epci or commune.
    pub niveau: String,
    pub code: String,
    /// `null` if the code left the referential.
    pub nom: Option<String>,
}

/// An offer or a need of an organisation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ressource {
    pub id: i64,
    /// offre or besoin.
    pub sens: String,
    /// competences, financement, benevolat, locaux, donnees, reseau, expertise or achats.
    pub nature: String,
    pub titre: String,
    pub description: Option<String>,
    /// SDG numbers (1 to 17).
    pub odd: Vec<u8>,
    /// Where it applies; `null`: where the organisation acts.
    pub territoire: Option<Lieu>,
    /// ISO date.
    pub debut: Option<String>,
    /// ISO date.
    pub fin: Option<String>,
    /// ISO 8601, UTC.
    pub date_mise_a_jour: String,
}

/// Where a record comes from and under which licence.
#[derive(Serialize, ToSchema)]
pub struct Provenance {
    /// saisie (typed on the platform), rna, sirene, csv or demo.
    pub source: String,
    pub licence: String,
    /// The import batch, for imported records.
    pub lot: Option<i64>,
}

/// The public fields of an organisation (search results).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationResume {
    pub id: i64,
    pub nom: String,
    pub sigle: Option<String>,
    /// Actor profile: association, fondation, entreprise, collectivite, etat-operateur,
    /// structure-accompagnement, acteur-academique, syndicat, media or collectif-citoyen.
    pub profil: String,
    pub sous_type: Option<String>,
    /// Headcount band: 0, 1-9, 10-49, 50-249, 250-4999 or 5000+.
    pub taille: Option<String>,
    pub siren: Option<String>,
    pub siret: Option<String>,
    pub rna: Option<String>,
    /// INSEE code of the headquarters' commune.
    pub code_commune: Option<String>,
    pub nom_commune: Option<String>,
    pub code_departement: Option<String>,
    /// Acts nationwide.
    pub national: bool,
    /// Territories of action.
    pub perimetre: Vec<Lieu>,
    pub odd_principal: Option<u8>,
    pub odd_secondaires: Vec<u8>,
    pub themes: Vec<String>,
    pub description: Option<String>,
    pub site_web: Option<String>,
    pub contact_public: Option<String>,
    /// Partnership types sought or practised.
    pub partenariats: Vec<String>,
    /// Declares itself a territorial catalyst.
    pub catalyseur: bool,
    /// active, dissoute, fermee or supprimee.
    pub etat: String,
    /// ISO date.
    pub date_creation: Option<String>,
    /// ISO date.
    pub date_fin: Option<String>,
    pub provenance: Provenance,
    /// Last verification, ISO date.
    pub date_verification: String,
    /// Not verified for 12 months.
    pub a_verifier: bool,
    /// A demonstration record (« démonstration »).
    pub demo: bool,
    /// Version of the record: send it back in `If-Match` to edit it.
    pub version: i64,
    /// ISO 8601, UTC.
    pub date_mise_a_jour: String,
    /// The organisation's page.
    pub url: String,
}

/// An organisation of the annuaire: its public fields, its offers and needs, and its private
/// contacts for its members and the moderators.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    #[serde(flatten)]
    pub fiche: OrganisationResume,
    /// Only for the members of the organisation and the moderators (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub contacts_prives: Option<Option<String>>,
    pub offres: Vec<Ressource>,
    pub besoins: Vec<Ressource>,
}

/// Counts per value, in the order of the closed list (zeros included).
pub struct Compteurs(Vec<(String, u32)>);

impl Serialize for Compteurs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FacetteFraicheur {
    pub a_jour: u32,
    pub a_verifier: u32,
}

/// Facet counts over every match of the search, its filters included.
#[derive(Serialize, ToSchema)]
pub struct FacettesOrganisations {
    /// Per profile slug.
    #[schema(value_type = std::collections::HashMap<String, u32>)]
    pub profil: Compteurs,
    /// Per SDG number ("1" to "17").
    #[schema(value_type = std::collections::HashMap<String, u32>)]
    pub odd: Compteurs,
    /// Per kind of resource offered.
    #[schema(value_type = std::collections::HashMap<String, u32>)]
    pub offres: Compteurs,
    /// Per kind of resource needed.
    #[schema(value_type = std::collections::HashMap<String, u32>)]
    pub besoins: Compteurs,
    pub fraicheur: FacetteFraicheur,
}

/// A page of search results with the facets.
#[derive(Serialize, ToSchema)]
pub struct ResultatsOrganisations {
    pub resultats: Vec<OrganisationResume>,
    /// Number of matches.
    pub total: usize,
    /// Pass it as `apres` to get the next page; `null` on the last page (and beyond 10,000 results).
    pub suivant: Option<String>,
    pub facettes: FacettesOrganisations,
}

/// One name suggestion.
#[derive(Serialize, ToSchema)]
pub struct Suggestion {
    pub id: i64,
    pub nom: String,
}

// ---------------------------------------------------------------------------------------------
// Input shapes, for the documentation. The bodies are read into the domain's
// `OrganisationSaisie` and `RessourceSaisie`; a unit test keeps these mirrors in step.

/// An organisation as sent to create or replace it. Unknown fields are refused; absent or `null`
/// fields take their empty value.
#[derive(Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // documentation (and the test that keeps it in step)
pub struct OrganisationSaisie {
    /// Required, 200 characters at most.
    nom: String,
    sigle: Option<String>,
    /// Required: association, fondation, entreprise, collectivite, etat-operateur,
    /// structure-accompagnement, acteur-academique, syndicat, media or collectif-citoyen.
    profil: String,
    /// A sub-type of the profile (association-employeuse, pme, epci…).
    sous_type: Option<String>,
    /// 0, 1-9, 10-49, 50-249, 250-4999 or 5000+.
    taille: Option<String>,
    /// 9 digits, Luhn key.
    siren: Option<String>,
    /// 14 digits, Luhn key; its first 9 digits are the SIREN.
    siret: Option<String>,
    /// W followed by 9 characters.
    rna: Option<String>,
    /// INSEE code of the headquarters' commune.
    code_commune: Option<String>,
    national: bool,
    /// Territories of action as `niveau:code` (`departement:42`, `epci:244200770`), 50 at most.
    perimetre: Vec<String>,
    /// 1 to 17.
    odd_principal: Option<u8>,
    odd_secondaires: Vec<u8>,
    themes: Vec<String>,
    description: Option<String>,
    site_web: Option<String>,
    contact_public: Option<String>,
    /// Seen by members and moderators only; absent on an edit: kept as it was.
    contacts_prives: Option<String>,
    /// mecenat-financier, mecenat-nature, mecenat-logistique, mecenat-competences,
    /// pratiques-responsables, cooperation-economique, innovation-societale.
    partenariats: Vec<String>,
    catalyseur: bool,
    /// active (default), dissoute, fermee or supprimee.
    etat: Option<String>,
    /// AAAA-MM-JJ.
    date_creation: Option<String>,
    /// AAAA-MM-JJ.
    date_fin: Option<String>,
}

/// An offer or a need as sent.
#[derive(Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // documentation (and the test that keeps it in step)
pub struct RessourceSaisie {
    /// Required: offre or besoin.
    sens: String,
    /// Required: competences, financement, benevolat, locaux, donnees, reseau, expertise or achats.
    nature: String,
    /// Required, 150 characters at most.
    titre: String,
    description: Option<String>,
    odd: Vec<u8>,
    /// `niveau:code`; absent: where the organisation acts.
    territoire: Option<String>,
    /// AAAA-MM-JJ.
    debut: Option<String>,
    /// AAAA-MM-JJ.
    fin: Option<String>,
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

fn lieu_json(r: &Referentiel, l: &dom::Lieu) -> Lieu {
    Lieu {
        niveau: l.niveau.slug().to_string(),
        code: l.code.clone(),
        nom: r.find(l.niveau, &l.code).map(|t| r.nom(t).to_string()),
    }
}

fn ressource_json(r: &Referentiel, id: i64, x: &dom::Ressource, modifie_le: i64) -> Ressource {
    Ressource {
        id,
        sens: x.sens.slug().to_string(),
        nature: x.nature.slug().to_string(),
        titre: x.titre.clone(),
        description: (!x.description.is_empty()).then(|| x.description.clone()),
        odd: x.odd.clone(),
        territoire: x.territoire.as_ref().map(|l| lieu_json(r, l)),
        debut: x.debut.clone(),
        fin: x.fin.clone(),
        date_mise_a_jour: date_heure_iso(modifie_le),
    }
}

/// What the JSON says of a record besides its content (borrowed from the stored record).
struct MetaVue<'a> {
    source: &'a str,
    licence: &'a str,
    lot: Option<i64>,
    verifie_le: i64,
    modifie_le: i64,
    version: i64,
    demo: bool,
}

/// Builds a [`MetaVue`] from a stored record's `meta`.
macro_rules! meta_vue {
    ($m:expr) => {
        MetaVue {
            source: &$m.source,
            licence: &$m.licence,
            lot: $m.lot_id,
            verifie_le: $m.verifie_le,
            modifie_le: $m.modifie_le,
            version: $m.version,
            demo: $m.demo,
        }
    };
}

/// The public fields of an organisation.
fn resume_json(
    r: &Referentiel,
    id: i64,
    o: &dom::Organisation,
    m: MetaVue<'_>,
    perime: bool,
) -> OrganisationResume {
    let commune = o
        .commune
        .as_ref()
        .and_then(|c| r.find(Niveau::Commune, c.as_str()));
    let code_departement = match (commune, &o.commune) {
        (Some(t), _) => Some(r.commune(t.idx).code_departement.clone()),
        (None, Some(c)) => Some(c.departement_prefix().to_string()),
        (None, None) => None,
    };
    OrganisationResume {
        id,
        nom: o.nom.clone(),
        sigle: o.sigle.clone(),
        profil: o.profil.slug().to_string(),
        sous_type: o.sous_type.map(|s| s.slug().to_string()),
        taille: o.taille.map(|s| s.slug().to_string()),
        siren: o.siren.as_ref().map(|s| s.as_str().to_string()),
        siret: o.siret.as_ref().map(|s| s.as_str().to_string()),
        rna: o.rna.as_ref().map(|s| s.as_str().to_string()),
        code_commune: o.commune.as_ref().map(|c| c.as_str().to_string()),
        nom_commune: commune.map(|t| r.nom(t).to_string()),
        code_departement,
        national: o.national,
        perimetre: o.perimetre.iter().map(|l| lieu_json(r, l)).collect(),
        odd_principal: o.odd_principal,
        odd_secondaires: o.odd_secondaires.clone(),
        themes: o.themes.clone(),
        description: (!o.description.is_empty()).then(|| o.description.clone()),
        site_web: o.site_web.clone(),
        contact_public: o.contact_public.clone(),
        partenariats: o
            .partenariats
            .iter()
            .map(|p| p.slug().to_string())
            .collect(),
        catalyseur: o.catalyseur,
        etat: o.etat.slug().to_string(),
        date_creation: o.date_creation.clone(),
        date_fin: o.date_fin.clone(),
        provenance: Provenance {
            source: m.source.to_string(),
            licence: m.licence.to_string(),
            lot: m.lot,
        },
        date_verification: date_iso(m.verifie_le),
        a_verifier: perime,
        demo: m.demo,
        version: m.version,
        date_mise_a_jour: date_heure_iso(m.modifie_le),
        url: format!("/organisations/{id}"),
    }
}

/// The JSON of an organisation; `prives`: the reader may see the private contacts.
fn organisation_json(r: &Referentiel, v: &Vue, prives: bool) -> Organisation {
    let f = &v.fiche;
    let (mut offres, mut besoins) = (Vec::new(), Vec::new());
    for x in &v.ressources {
        let json = ressource_json(r, x.id, &x.ressource, x.modifie_le);
        match x.ressource.sens {
            Sens::Offre => offres.push(json),
            Sens::Besoin => besoins.push(json),
        }
    }
    Organisation {
        fiche: resume_json(r, f.id, &f.org, meta_vue!(f.meta), v.perime),
        contacts_prives: prives.then(|| f.org.contacts_prives.clone()),
        offres,
        besoins,
    }
}

fn facettes_json(f: &Facettes) -> FacettesOrganisations {
    let natures = |counts: &[u32]| {
        Compteurs(
            NatureRessource::ALL
                .iter()
                .map(|n| {
                    (
                        n.slug().to_string(),
                        counts.get(n.index()).copied().unwrap_or(0),
                    )
                })
                .collect(),
        )
    };
    FacettesOrganisations {
        profil: Compteurs(
            Profil::ALL
                .iter()
                .map(|p| {
                    (
                        p.slug().to_string(),
                        f.profil.get(p.index()).copied().unwrap_or(0),
                    )
                })
                .collect(),
        ),
        odd: Compteurs(
            f.odd
                .iter()
                .enumerate()
                .map(|(i, n)| ((i + 1).to_string(), *n))
                .collect(),
        ),
        offres: natures(&f.offres),
        besoins: natures(&f.besoins),
        fraicheur: FacetteFraicheur {
            a_jour: f.a_jour,
            a_verifier: f.perimes,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Errors and request parts

fn problem_json(status: StatusCode, title: &str, detail: impl Into<String>) -> Response {
    Problem::new(status, title, detail).into_response()
}

/// 422 with one entry per field.
fn invalide(errors: Vec<FieldError>) -> Problem {
    let champs: Vec<&str> = errors.iter().map(|e| e.champ.as_str()).collect();
    let detail = format!(
        "données refusées ; champs à corriger : {}",
        champs.join(", ")
    );
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Données invalides",
        detail,
    );
    p.errors = errors;
    p
}

fn introuvable() -> Response {
    Problem::not_found("aucune organisation de cet identifiant").into_response()
}

/// The answer to an error of the annuaire's use cases.
fn erreur(e: AnnuaireError) -> Response {
    match e {
        AnnuaireError::Invalide(errs) => invalide(
            errs.into_iter()
                .map(|e| FieldError {
                    champ: e.champ.to_string(),
                    message: e.message,
                })
                .collect(),
        )
        .into_response(),
        AnnuaireError::Interdit => problem_json(
            StatusCode::FORBIDDEN,
            "Action interdite",
            "vous n'avez pas le droit de faire cela sur cette organisation (il faut en être membre, ou modérateur, avec une adresse e-mail vérifiée)",
        ),
        AnnuaireError::Introuvable => introuvable(),
        e @ AnnuaireError::Conflit => problem_json(StatusCode::CONFLICT, "Conflit de version", e.to_string()),
        AnnuaireError::Refus(m) => problem_json(StatusCode::CONFLICT, "Demande refusée", m),
        AnnuaireError::App(e) => Problem::from(e).into_response(),
    }
}

/// An id of the path; anything but a positive number is simply unknown (404).
fn id_chemin(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

/// The caller of a write: a token with the write scope (401 without one, 403 read-only).
async fn ecrivain(state: &AppState, headers: &HeaderMap) -> Result<CurrentUser, Response> {
    let c: ApiCaller = caller(state, headers).await?;
    if !c.scope.allows_write() {
        return Err(problem_json(
            StatusCode::FORBIDDEN,
            "Jeton en lecture seule",
            "ce jeton ne permet que la lecture : créez un jeton « lecture et écriture » depuis « Mon compte »",
        ));
    }
    Ok(c.user)
}

/// The optional reader of a GET: anonymous without `Authorization`, 401 with a bad token.
async fn lecteur(state: &AppState, headers: &HeaderMap) -> Result<Option<CurrentUser>, Response> {
    if headers.contains_key(header::AUTHORIZATION) {
        Ok(Some(caller(state, headers).await?.user))
    } else {
        Ok(None)
    }
}

/// Reads a JSON body into a domain input (`deny_unknown_fields`, every field defaulted):
/// 415 without a JSON content type, 400 for malformed JSON or a non-object, 422 naming every
/// unknown field or field of the wrong type. `null` means absent.
fn lire_corps<T>(headers: &HeaderMap, body: &[u8]) -> Result<T, Problem>
where
    T: DeserializeOwned + Serialize + Default,
{
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
            "un objet JSON est attendu",
        ));
    };
    obj.retain(|_, v| !v.is_null());
    let known = match serde_json::to_value(T::default()) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let inconnus: Vec<FieldError> = obj
        .keys()
        .filter(|k| !known.contains_key(k.as_str()))
        .map(|k| FieldError {
            champ: k.chars().take(60).collect(),
            message: format!(
                "champ inconnu ; champs acceptés : {}",
                known
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect();
    if !inconnus.is_empty() {
        return Err(invalide(inconnus));
    }
    match serde_json::from_value::<T>(serde_json::Value::Object(obj.clone())) {
        Ok(t) => Ok(t),
        Err(e) => {
            // Find the fields at fault, one at a time (serde names the type, not the field).
            let mut errors: Vec<FieldError> = obj
                .iter()
                .filter_map(|(k, v)| {
                    let one =
                        serde_json::Value::Object([(k.clone(), v.clone())].into_iter().collect());
                    serde_json::from_value::<T>(one).err().map(|e| FieldError {
                        champ: k.clone(),
                        message: format!("valeur du mauvais type ({})", sans_position(&e)),
                    })
                })
                .collect();
            if errors.is_empty() {
                errors.push(FieldError {
                    champ: String::new(),
                    message: sans_position(&e),
                });
            }
            Err(invalide(errors))
        }
    }
}

fn sans_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The version given by `If-Match: "<version>"`: 428 without it, 400 when unreadable.
fn version_attendue(headers: &HeaderMap) -> Result<i64, Problem> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Err(Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "Version requise",
            "indiquez la version lue dans l'en-tête « If-Match: \"<version>\" » (l'ETag de la fiche) : une modification concurrente ne sera ainsi jamais écrasée",
        ));
    };
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let s = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s);
    match s.parse::<i64>() {
        Ok(n) if n > 0 && !s.starts_with('+') => Ok(n),
        _ => Err(Problem::bad_request(
            "If-Match",
            "attendu la version de la fiche entre guillemets, par exemple \"3\"",
        )),
    }
}

fn avec_etag(mut res: Response, version: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

fn avec_location(mut res: Response, location: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Reads an organisation for `reader`; `Err` is the answer to give (404, 301 for a merged record).
async fn lire_vue(
    state: &AppState,
    reader: Option<&CurrentUser>,
    id: i64,
) -> Result<Box<Vue>, Response> {
    match state.app.organisation(reader, id).await {
        Ok(Lecture::Vue(v)) => Ok(v),
        Ok(Lecture::Fusionnee(into)) => {
            let res = StatusCode::MOVED_PERMANENTLY.into_response();
            Err(avec_location(res, &format!("/api/v1/organisations/{into}")))
        }
        Err(e) => Err(erreur(e)),
    }
}

fn peut_voir_prives(reader: Option<&CurrentUser>, v: &Vue) -> bool {
    can_on_organisation(reader, v.role, Action::VoirContactsPrives)
}

/// The organisation's JSON with its `ETag`.
fn reponse_organisation(
    state: &AppState,
    status: StatusCode,
    reader: Option<&CurrentUser>,
    v: &Vue,
) -> Response {
    let t = state.app.territoires();
    let body = organisation_json(&t.referentiel, v, peut_voir_prives(reader, v));
    let version = body.fiche.version;
    avec_etag((status, Json(body)).into_response(), version)
}

// ---------------------------------------------------------------------------------------------
// Search

/// `o<offset>`: the position of the next page.
pub(crate) fn curseur(offset: usize) -> String {
    format!("o{offset}")
}

pub(crate) fn lire_curseur(s: &str) -> Result<usize, Problem> {
    s.strip_prefix('o')
        .filter(|d| !d.is_empty() && d.len() <= 9 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| {
            Problem::bad_request(
                "apres",
                "curseur invalide : reprenez le champ « suivant » de la page précédente",
            )
        })
}

/// Searches the annuaire: text, facets, territory, freshness.
#[utoipa::path(
    get,
    path = "/api/v1/organisations",
    tag = "organisations",
    params(
        ("q" = Option<String>, Query, description = "Texte recherché dans le nom, le sigle, la description et les thèmes (analyse française : accents, pluriels), 200 caractères au plus"),
        ("profil" = Option<Vec<String>>, Query, description = "Profils d'acteur (l'un ou l'autre) : association, fondation, entreprise, collectivite, etat-operateur, structure-accompagnement, acteur-academique, syndicat, media, collectif-citoyen. Répétable ou séparé par des virgules"),
        ("odd" = Option<Vec<u8>>, Query, description = "ODD de 1 à 17 (l'un ou l'autre). Répétable ou séparé par des virgules"),
        ("offre" = Option<Vec<String>>, Query, description = "Ressources offertes : competences, financement, benevolat, locaux, donnees, reseau, expertise, achats"),
        ("besoin" = Option<Vec<String>>, Query, description = "Ressources recherchées, mêmes valeurs que offre"),
        ("territoire" = Option<String>, Query, description = "niveau:code (departement:42, commune:42218, epci:244200770, region:84) : organisations dont le siège ou le périmètre d'action s'y trouve"),
        ("fraicheur" = Option<String>, Query, description = "a-jour (vérifiées depuis moins de 12 mois) ou a-verifier"),
        ("actives" = Option<String>, Query, description = "oui : seulement les organisations en activité"),
        ("demo" = Option<String>, Query, description = "non : sans les fiches de démonstration"),
        ("limit" = Option<usize>, Query, description = "Résultats par page, de 1 à 100 (20 par défaut)"),
        ("apres" = Option<String>, Query, description = "Curseur : le champ suivant de la page précédente. Au-delà de 10 000 résultats, pas de page suivante : affinez la recherche"),
    ),
    responses(
        (status = 200, description = "Les plus pertinentes d'abord (les fiches à vérifier reculent), avec les facettes sur toutes les correspondances", body = ResultatsOrganisations),
        (status = 400, description = "Paramètre inconnu, répété ou invalide (nommé dans errors)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Trop de requêtes (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn recherche(State(state): State<AppState>, raw: RawQuery) -> Response {
    match recherche_(&state, raw).await {
        Ok(r) => Json(r).into_response(),
        Err(res) => res,
    }
}

async fn recherche_(state: &AppState, raw: RawQuery) -> Result<ResultatsOrganisations, Response> {
    let mut allowed: Vec<&str> = PARAMS_SIMPLES.to_vec();
    allowed.extend(["limit", "apres"]);
    let params = Params::parse_with_lists(raw, &allowed, PARAMS_LISTES)
        .map_err(IntoResponse::into_response)?;
    let territoires = state.app.territoires();
    let recherche = Recherche::lire(&params, &territoires).map_err(IntoResponse::into_response)?;
    let limit = params
        .number("limit", LIMITE_DEFAUT, 1, LIMITE_MAX)
        .map_err(IntoResponse::into_response)?;
    let offset = match params.text("apres") {
        None => 0,
        Some(c) => lire_curseur(c).map_err(IntoResponse::into_response)?,
    };
    let at = alliances_app::now();
    let q = recherche.requete(offset, limit, at);
    let res = state.app.rechercher_organisations(&q).map_err(|e| {
        tracing::error!(error = %e, "organisation search failed");
        Problem::internal().into_response()
    })?;
    let fin = offset.saturating_add(res.hits.len());
    let suivant =
        (res.hits.len() == limit && fin < res.total.min(PROFONDEUR_MAX)).then(|| curseur(fin));
    let ids: Vec<i64> = res.hits.iter().map(|h| h.id).collect();
    let fiches = state.app.fiches_publiques(&ids).await.map_err(erreur)?;
    let resultats = fiches
        .iter()
        // A record merged since the index saw it is left out.
        .filter(|f| f.meta.fusionnee_dans.is_none())
        .map(|f| {
            resume_json(
                &territoires.referentiel,
                f.id,
                &f.org,
                meta_vue!(f.meta),
                est_perime(f.meta.verifie_le, at),
            )
        })
        .collect();
    Ok(ResultatsOrganisations {
        resultats,
        total: res.total,
        suivant,
        facettes: facettes_json(&res.facettes),
    })
}

/// Name autocomplete: every word typed starts a word of the name or the acronym.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/suggestions",
    tag = "organisations",
    params(
        ("q" = String, Query, description = "Début du nom (ou de ses mots), sans tenir compte des accents ni de la casse ; 1 à 200 caractères"),
        ("limit" = Option<usize>, Query, description = "De 1 à 20 (10 par défaut)"),
    ),
    responses(
        (status = 200, description = "Les noms commençant par le texte d'abord, puis les organisations actives et les plus récemment vérifiées", body = Liste<Suggestion>),
        (status = 400, description = "q manquant, trop long, ou paramètre inconnu", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn suggestions(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<Suggestion>>, Problem> {
    let params = Params::parse(raw, &["q", "limit"])?;
    let q = params
        .text("q")
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .ok_or_else(|| Problem::bad_request("q", "obligatoire : le début d'un nom"))?;
    if q.chars().count() > Q_MAX {
        return Err(Problem::bad_request(
            "q",
            format!("{Q_MAX} caractères au plus"),
        ));
    }
    let limit = params.number("limit", SUGGESTIONS_DEFAUT, 1, SUGGESTIONS_MAX)?;
    let found = state.app.organisations.suggest(q, limit).map_err(|e| {
        tracing::error!(error = %e, "organisation suggestions failed");
        Problem::internal()
    })?;
    Ok(Json(Liste {
        total: found.len(),
        resultats: found
            .into_iter()
            .map(|(id, nom)| Suggestion { id, nom })
            .collect(),
        suivant: None,
    }))
}

// ---------------------------------------------------------------------------------------------
// One organisation

/// One organisation. With a token of a member or a moderator: its private contacts too.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}",
    tag = "organisations",
    security((), ("jeton" = [])),
    params(("id" = i64, Path, description = "Identifiant de l'organisation")),
    responses(
        (status = 200, description = "La fiche ; contactsPrives pour ses membres et les modérateurs seulement", body = Organisation, headers(("ETag" = String, description = "La version, \"<version>\", à renvoyer dans If-Match pour modifier"))),
        (status = 301, description = "Fiche fusionnée dans une autre : Location donne la fiche gardée", headers(("Location" = String))),
        (status = 400, description = "Paramètre inconnu", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton fourni mais inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune organisation de cet identifiant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn organisation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let reader = match lecteur(&state, &headers).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let Some(id) = id_chemin(&id) else {
        return introuvable();
    };
    match lire_vue(&state, reader.as_ref(), id).await {
        Ok(v) => reponse_organisation(&state, StatusCode::OK, reader.as_ref(), &v),
        Err(res) => res,
    }
}

/// Creates an organisation; the token's user becomes its owner.
#[utoipa::path(
    post,
    path = "/api/v1/organisations",
    tag = "organisations",
    security(("jeton" = [])),
    request_body(content = OrganisationSaisie, content_type = "application/json"),
    responses(
        (status = 201, description = "Créée ; son créateur en est le propriétaire", body = Organisation, headers(("Location" = String, description = "L'adresse de la fiche créée"), ("ETag" = String, description = "La version, \"1\""))),
        (status = 400, description = "JSON mal formé", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Jeton en lecture seule, ou adresse e-mail non vérifiée", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Le corps n'est pas du JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champs invalides ou inconnus, chacun nommé dans errors (identifiant déjà porté par une autre organisation compris)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn creer(
    State(state): State<AppState>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let user = match ecrivain(&state, &headers).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let saisie: dom::OrganisationSaisie = match lire_corps(&headers, &body) {
        Ok(s) => s,
        Err(p) => return p.into_response(),
    };
    let id = match state.app.creer_organisation(&user, &saisie).await {
        Ok((id, _doublons)) => id,
        Err(e) => return erreur(e),
    };
    match lire_vue(&state, Some(&user), id).await {
        Ok(v) => avec_location(
            reponse_organisation(&state, StatusCode::CREATED, Some(&user), &v),
            &format!("/api/v1/organisations/{id}"),
        ),
        Err(res) => res,
    }
}

/// Replaces an organisation's profile (its owners and editors, the moderators).
#[utoipa::path(
    put,
    path = "/api/v1/organisations/{id}",
    tag = "organisations",
    security(("jeton" = [])),
    params(
        ("id" = i64, Path, description = "Identifiant de l'organisation"),
        ("If-Match" = String, Header, description = "La version lue (l'ETag de la fiche), par exemple \"3\""),
    ),
    request_body(content = OrganisationSaisie, content_type = "application/json", description = "La fiche entière ; contactsPrives absent : inchangé"),
    responses(
        (status = 200, description = "Modifiée", body = Organisation, headers(("ETag" = String, description = "La nouvelle version"))),
        (status = 400, description = "JSON mal formé ou If-Match illisible", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Jeton en lecture seule, ou ni membre de l'organisation ni modérateur", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune organisation de cet identifiant (ou fusionnée)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "La fiche a changé depuis la version lue : relisez-la", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Le corps n'est pas du JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champs invalides ou inconnus, chacun nommé dans errors", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "En-tête If-Match manquant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn modifier(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let user = match ecrivain(&state, &headers).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let Some(id) = id_chemin(&id) else {
        return introuvable();
    };
    if let Err(res) = editable(&state, &user, id).await {
        return res;
    }
    let version = match version_attendue(&headers) {
        Ok(v) => v,
        Err(p) => return p.into_response(),
    };
    let saisie: dom::OrganisationSaisie = match lire_corps(&headers, &body) {
        Ok(s) => s,
        Err(p) => return p.into_response(),
    };
    if let Err(e) = state
        .app
        .modifier_organisation(&user, id, version, &saisie)
        .await
    {
        return erreur(e);
    }
    match lire_vue(&state, Some(&user), id).await {
        Ok(v) => reponse_organisation(&state, StatusCode::OK, Some(&user), &v),
        Err(res) => res,
    }
}

// ---------------------------------------------------------------------------------------------
// Offers and needs

/// The organisation and the resource id of a sub-resource path (404 when either is unknown or
/// the resource belongs to another organisation).
fn ids_ressource(id: &str, rid: &str) -> Option<(i64, i64)> {
    Some((id_chemin(id)?, id_chemin(rid)?))
}

fn ressource_de(state: &AppState, v: &Vue, rid: i64) -> Option<Ressource> {
    let t = state.app.territoires();
    v.ressources
        .iter()
        .find(|x| x.id == rid)
        .map(|x| ressource_json(&t.referentiel, x.id, &x.ressource, x.modifie_le))
}

/// Before a write on an organisation: it exists (404) and the caller may edit it (403), checked
/// before the version and the body, so that a stranger learns nothing from validation.
async fn editable(state: &AppState, user: &CurrentUser, id: i64) -> Result<(), Response> {
    match state.app.organisation(Some(user), id).await {
        Ok(Lecture::Vue(v)) if v.peut_modifier => Ok(()),
        Ok(Lecture::Vue(_)) => Err(erreur(AnnuaireError::Interdit)),
        Ok(Lecture::Fusionnee(_)) => Err(introuvable()),
        Err(e) => Err(erreur(e)),
    }
}

/// The offers and needs of an organisation.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/ressources",
    tag = "organisations",
    params(("id" = i64, Path, description = "Identifiant de l'organisation")),
    responses(
        (status = 200, description = "Offres et besoins (sens)", body = Liste<Ressource>),
        (status = 301, description = "Fiche fusionnée : Location donne la fiche gardée", headers(("Location" = String))),
        (status = 400, description = "Paramètre inconnu", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune organisation de cet identifiant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ressources(
    State(state): State<AppState>,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let Some(id) = id_chemin(&id) else {
        return introuvable();
    };
    let v = match lire_vue(&state, None, id).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let t = state.app.territoires();
    let resultats: Vec<Ressource> = v
        .ressources
        .iter()
        .map(|x| ressource_json(&t.referentiel, x.id, &x.ressource, x.modifie_le))
        .collect();
    Json(Liste {
        total: resultats.len(),
        resultats,
        suivant: None,
    })
    .into_response()
}

/// One offer or need.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}/ressources/{rid}",
    tag = "organisations",
    params(
        ("id" = i64, Path, description = "Identifiant de l'organisation"),
        ("rid" = i64, Path, description = "Identifiant de l'offre ou du besoin"),
    ),
    responses(
        (status = 200, description = "L'offre ou le besoin", body = Ressource),
        (status = 400, description = "Paramètre inconnu", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Inconnue, ou d'une autre organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ressource(
    State(state): State<AppState>,
    Path((id, rid)): Path<(String, String)>,
    raw: RawQuery,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let Some((id, rid)) = ids_ressource(&id, &rid) else {
        return ressource_introuvable();
    };
    match lire_vue(&state, None, id).await {
        Ok(v) => match ressource_de(&state, &v, rid) {
            Some(r) => Json(r).into_response(),
            None => ressource_introuvable(),
        },
        Err(res) => res,
    }
}

fn ressource_introuvable() -> Response {
    Problem::not_found("aucune offre ni aucun besoin de cet identifiant pour cette organisation")
        .into_response()
}

/// Adds an offer or a need (members of the organisation, moderators).
#[utoipa::path(
    post,
    path = "/api/v1/organisations/{id}/ressources",
    tag = "organisations",
    security(("jeton" = [])),
    params(("id" = i64, Path, description = "Identifiant de l'organisation")),
    request_body(content = RessourceSaisie, content_type = "application/json"),
    responses(
        (status = 201, description = "Ajouté", body = Ressource, headers(("Location" = String, description = "L'adresse de l'offre ou du besoin créé"))),
        (status = 400, description = "JSON mal formé", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Jeton en lecture seule, ou ni membre de l'organisation ni modérateur", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune organisation de cet identifiant", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Le corps n'est pas du JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champs invalides ou inconnus, chacun nommé dans errors", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ressource_creer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    enregistrer(state, &id, None, headers, raw, body).await
}

/// Replaces an offer or a need.
#[utoipa::path(
    put,
    path = "/api/v1/organisations/{id}/ressources/{rid}",
    tag = "organisations",
    security(("jeton" = [])),
    params(
        ("id" = i64, Path, description = "Identifiant de l'organisation"),
        ("rid" = i64, Path, description = "Identifiant de l'offre ou du besoin"),
    ),
    request_body(content = RessourceSaisie, content_type = "application/json"),
    responses(
        (status = 200, description = "Modifié", body = Ressource),
        (status = 400, description = "JSON mal formé", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Jeton en lecture seule, ou ni membre de l'organisation ni modérateur", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Inconnue, ou d'une autre organisation", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Le corps n'est pas du JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Champs invalides ou inconnus, chacun nommé dans errors", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ressource_modifier(
    State(state): State<AppState>,
    Path((id, rid)): Path<(String, String)>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    enregistrer(state, &id, Some(&rid), headers, raw, body).await
}

async fn enregistrer(
    state: AppState,
    id: &str,
    rid: Option<&str>,
    headers: HeaderMap,
    raw: RawQuery,
    body: Bytes,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let user = match ecrivain(&state, &headers).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let Some(id) = id_chemin(id) else {
        return introuvable();
    };
    let rid = match rid.map(id_chemin) {
        None => None,
        Some(Some(r)) => Some(r),
        Some(None) => return ressource_introuvable(),
    };
    if let Err(res) = editable(&state, &user, id).await {
        return res;
    }
    let saisie: dom::RessourceSaisie = match lire_corps(&headers, &body) {
        Ok(s) => s,
        Err(p) => return p.into_response(),
    };
    let rid_ecrit = match state
        .app
        .enregistrer_ressource(&user, id, rid, &saisie)
        .await
    {
        Ok(r) => r,
        Err(AnnuaireError::Introuvable) if rid.is_some() => return ressource_introuvable(),
        Err(e) => return erreur(e),
    };
    let v = match lire_vue(&state, Some(&user), id).await {
        Ok(v) => v,
        Err(res) => return res,
    };
    let Some(r) = ressource_de(&state, &v, rid_ecrit) else {
        return ressource_introuvable();
    };
    if rid.is_some() {
        Json(r).into_response()
    } else {
        avec_location(
            (StatusCode::CREATED, Json(r)).into_response(),
            &format!("/api/v1/organisations/{id}/ressources/{rid_ecrit}"),
        )
    }
}

/// Removes an offer or a need.
#[utoipa::path(
    delete,
    path = "/api/v1/organisations/{id}/ressources/{rid}",
    tag = "organisations",
    security(("jeton" = [])),
    params(
        ("id" = i64, Path, description = "Identifiant de l'organisation"),
        ("rid" = i64, Path, description = "Identifiant de l'offre ou du besoin"),
    ),
    responses(
        (status = 204, description = "Supprimée"),
        (status = 401, description = "Jeton manquant, inconnu ou révoqué", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Jeton en lecture seule, ou ni membre de l'organisation ni modérateur", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Inconnue, ou d'une autre organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ressource_supprimer(
    State(state): State<AppState>,
    Path((id, rid)): Path<(String, String)>,
    headers: HeaderMap,
    raw: RawQuery,
) -> Response {
    if let Err(p) = Params::parse(raw, &[]) {
        return p.into_response();
    }
    let user = match ecrivain(&state, &headers).await {
        Ok(u) => u,
        Err(res) => return res,
    };
    let Some((id, rid)) = ids_ressource(&id, &rid) else {
        return ressource_introuvable();
    };
    if let Err(res) = editable(&state, &user, id).await {
        return res;
    }
    match state.app.supprimer_ressource(&user, id, rid).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(AnnuaireError::Introuvable) => ressource_introuvable(),
        Err(e) => erreur(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cles<T: Serialize + Default>() -> Vec<String> {
        match serde_json::to_value(T::default()).unwrap() {
            serde_json::Value::Object(m) => m.keys().cloned().collect(),
            _ => panic!("an object"),
        }
    }

    #[test]
    fn documented_inputs_match_the_domain() {
        let mut a = cles::<OrganisationSaisie>();
        let mut b = cles::<dom::OrganisationSaisie>();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        let mut a = cles::<RessourceSaisie>();
        let mut b = cles::<dom::RessourceSaisie>();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn cursors_and_ids() {
        assert_eq!(lire_curseur(&curseur(40)).unwrap(), 40);
        for bad in ["", "o", "40", "o-1", "o+1", "x40", "o1234567890", "o4a"] {
            assert!(lire_curseur(bad).is_err(), "{bad}");
        }
        assert_eq!(id_chemin("12"), Some(12));
        for bad in ["", "0", "-1", "+1", "1e3", "abc", "99999999999999999999"] {
            assert_eq!(id_chemin(bad), None, "{bad}");
        }
        assert_eq!(date_heure_iso(1_795_737_600 + 3661), "2026-11-27T01:01:01Z");
    }

    #[test]
    fn bodies_name_their_fields() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let p = lire_corps::<dom::OrganisationSaisie>(&h, b"{\"nom\": \"A\", \"foo\": 1}")
            .err()
            .unwrap();
        assert_eq!((p.status, p.errors[0].champ.as_str()), (422, "foo"));
        let p =
            lire_corps::<dom::OrganisationSaisie>(&h, b"{\"nom\": \"A\", \"oddPrincipal\": \"x\"}")
                .err()
                .unwrap();
        assert_eq!(
            (p.status, p.errors[0].champ.as_str()),
            (422, "oddPrincipal")
        );
        let p = lire_corps::<dom::OrganisationSaisie>(&h, b"{\"nom\": ")
            .err()
            .unwrap();
        assert_eq!(p.status, 400);
        let s = lire_corps::<dom::OrganisationSaisie>(&h, b"{\"nom\": \"A\", \"sigle\": null}")
            .unwrap();
        assert_eq!((s.nom.as_str(), s.sigle), ("A", None));
        let p = lire_corps::<dom::OrganisationSaisie>(&HeaderMap::new(), b"{}")
            .err()
            .unwrap();
        assert_eq!(p.status, 415);
    }
}
