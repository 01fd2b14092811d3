//! Contact requests between organisations (« mise en relation »): the form to write to an
//! organisation (`/organisations/{id}/contact`, `?de=` preselects which of the visitor's
//! organisations writes, `?ressource=` the offer or need it is about), the requests page of an
//! organisation (`/organisations/{id}/demandes`: received and sent, accept or decline with a
//! message, the opt-out switch for its owners) and the form that starts an alliance from an
//! accepted request. Rights and rules are the app's (`alliances_app::contacts`); this module
//! parses and renders.

use super::formulaires::Champ;
use super::{render, PageError};
use crate::annuaire_view::date_jour;
use crate::i18n::Tr;
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{form_urlencoded_pairs, Params, RawQuery};
use crate::state::AppState;
use crate::visiteur::{csrf_ok, Visitor};
use alliances_app::annuaire::{AnnuaireError, Lecture};
use alliances_app::comptes::CurrentUser;
use alliances_app::contacts::{ContactError, DemandeSaisie};
use alliances_app::contacts::{Demande, Sens};
use alliances_domain::alliances::{AllianceSaisie, Forme, Stade};
use alliances_domain::annuaire::{ChampErreur, Sens as SensRessource};
use alliances_domain::contacts::{EtatDemande, MESSAGE_MAX, MESSAGE_MIN};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

/// The routes of this file; the router merges them.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organisations/{id}/contact", get(formulaire).post(envoyer))
        .route("/organisations/{id}/demandes", get(demandes))
        .route(
            "/organisations/{id}/demandes/preferences",
            post(preferences),
        )
        .route("/organisations/{id}/demandes/{rid}/reponse", post(repondre))
        .route(
            "/organisations/{id}/demandes/{rid}/alliance",
            get(alliance).post(alliance_post),
        )
}

/// Requests per page of the requests page.
const PAR_PAGE: i64 = 20;

type Champs = Vec<(String, String)>;

impl From<ContactError> for PageError {
    fn from(e: ContactError) -> Self {
        match e {
            ContactError::Introuvable => PageError::NotFound,
            ContactError::Interdit => PageError::Forbidden,
            ContactError::App(a) => a.into(),
            other => {
                tracing::warn!(error = %other, "contact request refused");
                PageError::BadRequest
            }
        }
    }
}

fn un<'a>(f: &'a Champs, nom: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == nom)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn check(headers: &HeaderMap, visitor: &Visitor, f: &Champs) -> Result<(), PageError> {
    if csrf_ok(headers, visitor, un(f, "_csrf")) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

/// An id of the path; anything but a positive number is unknown.
fn id_de(s: &str) -> Result<i64, PageError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(PageError::NotFound)
}

fn user(visitor: &Visitor) -> Result<&CurrentUser, PageError> {
    visitor.user().ok_or(PageError::Forbidden)
}

fn layout(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title: String,
    org: (i64, &str),
) -> Layout {
    let mut l = Layout::new(state, visitor, path, "annuaire", title);
    l.breadcrumb = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("annuaire-titre"),
            href: Some("/annuaire".into()),
        },
        Crumb {
            label: org.1.to_string(),
            href: Some(format!("/organisations/{}", org.0)),
        },
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    l
}

/// Date and time (UTC) of a timestamp, for the end of the daily limit.
fn date_heure(ts: i64, tr: &Tr) -> String {
    let s = ts.rem_euclid(86_400);
    tr.ta(
        "contacts-date-heure",
        &[
            ("date", &date_jour(ts, tr)),
            ("heure", &format!("{:02}", s / 3600)),
            ("minute", &format!("{:02}", s % 3600 / 60)),
        ],
    )
}

/// Seconds until the daily limit frees a slot (for `Retry-After`).
fn attente(reprise: i64) -> i64 {
    (reprise - alliances_app::now()).max(1)
}

/// The refusals of a request that are no field's fault, said in words (None for the others).
fn refus_texte(e: &ContactError, tr: &Tr) -> Option<String> {
    Some(match e {
        ContactError::NonContactable(nom) => {
            tr.ta("contacts-refus-non-contactable", &[("nom", nom)])
        }
        ContactError::SansResponsable(nom) => {
            tr.ta("contacts-refus-sans-responsable", &[("nom", nom)])
        }
        ContactError::DejaEnCours { envoyee_le, .. } => tr.ta(
            "contacts-refus-deja",
            &[("date", &date_jour(*envoyee_le, tr))],
        ),
        ContactError::Limite { reprise } => tr.ta(
            "contacts-refus-limite",
            &[
                (
                    "limite",
                    &alliances_domain::contacts::LIMITE_PAR_JOUR.to_string(),
                ),
                ("reprise", &date_heure(*reprise, tr)),
            ],
        ),
        ContactError::Refus(m) => m.clone(),
        _ => return None,
    })
}

// ------------------------------------------------------------------------- the contact form

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    layout: Layout,
    id: i64,
    contactable: bool,
    /// (id, name, selected) of the organisations the visitor writes for.
    organisations: Vec<(String, String, bool)>,
    /// (id, label, selected) of the target's offers and needs.
    ressources: Vec<(String, String, bool)>,
    message: String,
    aide_message: String,
    erreurs: Vec<(String, String)>,
    resume_erreurs: String,
}

impl ContactPage {
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.erreurs
            .iter()
            .find(|(c, _)| c == champ)
            .map(|(_, m)| m.as_str())
    }
}

struct Choix {
    de: Option<i64>,
    ressource: Option<i64>,
    message: String,
}

#[allow(clippy::too_many_arguments)]
async fn page_contact(
    state: &AppState,
    visitor: &Visitor,
    u: &CurrentUser,
    id: i64,
    choix: Choix,
    erreurs: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let vue = match state.app.organisation(Some(u), id).await {
        Ok(Lecture::Vue(v)) => v,
        Ok(Lecture::Fusionnee(into)) => {
            return Ok(Redirect::to(&format!("/organisations/{into}/contact")).into_response())
        }
        Err(AnnuaireError::Introuvable) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let contactable = state.app.est_contactable(id).await?.unwrap_or(false);
    let mut orgs = state.app.organisations_representees(u).await?;
    orgs.retain(|(o, _)| *o != id);
    let de = choix
        .de
        .filter(|d| orgs.iter().any(|(o, _)| o == d))
        .or_else(|| (orgs.len() == 1).then(|| orgs[0].0));
    let tr = state.tr(visitor.lang);
    let mut ressources = vec![(
        String::new(),
        tr.t("contacts-ressource-aucune"),
        choix.ressource.is_none(),
    )];
    ressources.extend(vue.ressources.iter().map(|r| {
        let genre = match r.ressource.sens {
            SensRessource::Offre => tr.t("contacts-ressource-offre"),
            SensRessource::Besoin => tr.t("contacts-ressource-besoin"),
        };
        (
            r.id.to_string(),
            format!("{genre} : {}", r.ressource.titre),
            choix.ressource == Some(r.id),
        )
    }));
    let nom = vue.fiche.org.nom.clone();
    let l = layout(
        state,
        visitor,
        &format!("/organisations/{id}/contact"),
        tr.ta("contacts-titre", &[("nom", &nom)]),
        (id, &nom),
    );
    let mut res = render(&ContactPage {
        resume_erreurs: tr.ta("formulaire-erreurs", &[("n", &erreurs.len().to_string())]),
        aide_message: tr.ta(
            "contacts-message-aide",
            &[
                ("min", &MESSAGE_MIN.to_string()),
                ("max", &MESSAGE_MAX.to_string()),
            ],
        ),
        layout: l,
        id,
        contactable,
        organisations: orgs
            .into_iter()
            .map(|(o, n)| (o.to_string(), n, Some(o) == de))
            .collect(),
        ressources,
        message: choix.message,
        erreurs,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /organisations/{id}/contact[?de=…&ressource=…]`.
pub async fn formulaire(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params =
        Params::parse(raw, &["de", "ressource", "lang"]).map_err(|_| PageError::BadRequest)?;
    let nombre = |n: &str| -> Result<Option<i64>, PageError> {
        params
            .text(n)
            .map(|v| v.parse::<i64>().map_err(|_| PageError::BadRequest))
            .transpose()
    };
    let (de, ressource) = (nombre("de")?, nombre("ressource")?);
    let id = id_de(&id)?;
    let Some(u) = visitor.user() else {
        return Ok(Redirect::to("/compte/connexion").into_response());
    };
    page_contact(
        &state,
        &visitor,
        u,
        id,
        Choix {
            de,
            ressource,
            message: String::new(),
        },
        vec![],
        StatusCode::OK,
    )
    .await
}

/// `POST /organisations/{id}/contact`: sends the request, then shows the sender's requests.
pub async fn envoyer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let id = id_de(&id)?;
    let f = form_urlencoded_pairs(&String::from_utf8_lossy(&body));
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let de: Option<i64> = un(&f, "de").trim().parse().ok();
    let ressource: Option<i64> = un(&f, "ressource").trim().parse().ok();
    let saisie = DemandeSaisie {
        de: de.unwrap_or(0),
        vers: id,
        message: un(&f, "message").to_string(),
        ressource,
    };
    let tr = state.tr(visitor.lang);
    let (erreurs, status, reprise) = if de.is_none() {
        (
            vec![("de".to_string(), tr.t("contacts-de-obligatoire"))],
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
        )
    } else {
        match state.app.envoyer_demande_contact(u, &saisie).await {
            Ok(rid) => {
                return Ok(Redirect::to(&format!(
                    "/organisations/{}/demandes?vue=envoyees&envoyee={rid}",
                    saisie.de
                ))
                .into_response())
            }
            Err(ContactError::Invalide(e)) => (
                e.into_iter()
                    .map(|x| (x.champ.to_string(), x.message))
                    .collect(),
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            ),
            Err(e) => match refus_texte(&e, &tr) {
                Some(m) => {
                    let (status, reprise) = match e {
                        ContactError::Limite { reprise } => {
                            (StatusCode::TOO_MANY_REQUESTS, Some(reprise))
                        }
                        _ => (StatusCode::UNPROCESSABLE_ENTITY, None),
                    };
                    (vec![("de".to_string(), m)], status, reprise)
                }
                None => return Err(e.into()),
            },
        }
    };
    let mut res = page_contact(
        &state,
        &visitor,
        u,
        id,
        Choix {
            de,
            ressource,
            message: saisie.message,
        },
        erreurs,
        status,
    )
    .await?;
    if let Some(r) = reprise {
        if let Ok(v) = HeaderValue::from_str(&attente(r).to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    Ok(res)
}

// ------------------------------------------------------------------------- the requests page

/// One request as the page shows it.
pub struct Ligne {
    pub id: i64,
    /// The other organisation: name and link.
    pub autre: (String, String),
    pub date: String,
    pub etat: String,
    pub etat_slug: &'static str,
    pub message: String,
    /// Who wrote it (their address once the request is accepted).
    pub auteur: Option<String>,
    pub ressource: Option<String>,
    pub reponse: Option<String>,
    pub repondu: Option<String>,
    pub peut_repondre: bool,
    pub peut_demarrer: bool,
    pub alliance: Option<String>,
    /// The error of this request's answer form.
    pub erreur: Option<String>,
}

#[derive(Template)]
#[template(path = "contact_demandes.html")]
struct DemandesPage {
    layout: Layout,
    id: i64,
    /// `recues` or `envoyees`.
    vue: &'static str,
    onglets: Vec<(String, String, bool)>,
    /// (slug, label, selected) of the state filter.
    etats: Vec<(String, String, bool)>,
    resume: String,
    lignes: Vec<Ligne>,
    suivant: Option<String>,
    contactable: bool,
    gere: bool,
    message: Option<String>,
    erreurs: Vec<(String, String)>,
    resume_erreurs: String,
}

fn ligne(d: &Demande, recue: bool, tr: &Tr) -> Ligne {
    let (autre_id, autre_nom) = if recue {
        (d.de_organisation, &d.de_nom)
    } else {
        (d.vers_organisation, &d.vers_nom)
    };
    let acceptee = d.etat == EtatDemande::Acceptee;
    Ligne {
        id: d.id,
        autre: (autre_nom.clone(), format!("/organisations/{autre_id}")),
        date: date_jour(d.cree_le, tr),
        etat: etat_label(d.etat, tr),
        etat_slug: d.etat.slug(),
        message: d.message.clone(),
        auteur: d.auteur.as_ref().map(|(nom, email)| {
            if acceptee {
                format!("{nom} <{email}>")
            } else {
                nom.clone()
            }
        }),
        ressource: d.ressource_titre.clone(),
        reponse: (!d.reponse.is_empty()).then(|| d.reponse.clone()),
        repondu: d.repondu_le.map(|t| date_jour(t, tr)),
        peut_repondre: recue && d.etat == EtatDemande::Envoyee,
        peut_demarrer: acceptee && d.alliance_id.is_none(),
        alliance: d.alliance_id.map(|a| format!("/alliances/{a}")),
        erreur: None,
    }
}

fn etat_label(e: EtatDemande, tr: &Tr) -> String {
    tr.t(&format!("contacts-etat-{}", e.slug().replace('_', "-")))
}

struct Affichage {
    vue: Sens,
    etat: Option<EtatDemande>,
    apres: Option<i64>,
    message: Option<String>,
}

async fn page_demandes(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    a: Affichage,
    erreurs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let u = user(visitor)?;
    let rep = state.app.representation(Some(u), id).await?;
    if !rep.represente {
        return Err(PageError::Forbidden);
    }
    let nom = match state.app.organisation(Some(u), id).await {
        Ok(Lecture::Vue(v)) => v.fiche.org.nom.clone(),
        Ok(Lecture::Fusionnee(_)) | Err(AnnuaireError::Introuvable) => {
            return Err(PageError::NotFound)
        }
        Err(e) => return Err(e.into()),
    };
    let page = state
        .app
        .demandes_contact(u, id, a.vue, a.etat, a.apres, PAR_PAGE)
        .await?;
    let contactable = state.app.est_contactable(id).await?.unwrap_or(false);
    let tr = state.tr(visitor.lang);
    let vue = match a.vue {
        Sens::Recues => "recues",
        Sens::Envoyees => "envoyees",
    };
    let base = format!("/organisations/{id}/demandes");
    let l = layout(
        state,
        visitor,
        &base,
        tr.t("contacts-demandes-titre"),
        (id, &nom),
    );
    let etat_q = a
        .etat
        .map(|e| format!("&etat={}", e.slug()))
        .unwrap_or_default();
    let status = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut etats = vec![(String::new(), tr.t("contacts-etat-tous"), a.etat.is_none())];
    etats.extend(EtatDemande::ALL.iter().map(|e| {
        (
            e.slug().to_string(),
            etat_label(*e, &tr),
            a.etat == Some(*e),
        )
    }));
    let mut res = render(&DemandesPage {
        onglets: vec![
            (
                format!("{base}?vue=recues"),
                tr.t("contacts-recues"),
                a.vue == Sens::Recues,
            ),
            (
                format!("{base}?vue=envoyees"),
                tr.t("contacts-envoyees"),
                a.vue == Sens::Envoyees,
            ),
        ],
        etats,
        resume: tr.tn("contacts-resume", page.total.max(0) as usize, &[]),
        lignes: page
            .demandes
            .iter()
            .map(|d| {
                let mut l = ligne(d, a.vue == Sens::Recues, &tr);
                let cle = format!("reponse-{}", d.id);
                l.erreur = erreurs
                    .iter()
                    .find(|(c, _)| *c == cle)
                    .map(|(_, m)| m.clone());
                l
            })
            .collect(),
        suivant: page
            .suivant
            .map(|c| format!("{base}?vue={vue}{etat_q}&apres={c}")),
        contactable,
        gere: rep.gere,
        message: a.message,
        resume_erreurs: tr.ta("formulaire-erreurs", &[("n", &erreurs.len().to_string())]),
        erreurs,
        layout: l,
        id,
        vue,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /organisations/{id}/demandes[?vue=recues|envoyees&etat=…&apres=…]` (its members).
pub async fn demandes(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["vue", "etat", "apres", "envoyee", "lang"])
        .map_err(|_| PageError::BadRequest)?;
    let id = id_de(&id)?;
    if visitor.user().is_none() {
        return Ok(Redirect::to("/compte/connexion").into_response());
    }
    let vue = match params.text("vue").unwrap_or("recues") {
        "recues" => Sens::Recues,
        "envoyees" => Sens::Envoyees,
        _ => return Err(PageError::BadRequest),
    };
    let etat = match params.text("etat").unwrap_or("") {
        "" => None,
        s => Some(EtatDemande::from_slug(s).ok_or(PageError::BadRequest)?),
    };
    let apres = params
        .text("apres")
        .map(|v| v.parse::<i64>().map_err(|_| PageError::BadRequest))
        .transpose()?;
    let message = match params.text("envoyee") {
        Some(rid) => {
            let rid = rid.parse::<i64>().map_err(|_| PageError::BadRequest)?;
            let d = state.app.demande_contact(user(&visitor)?, rid).await?;
            Some(
                state
                    .tr(visitor.lang)
                    .ta("contacts-envoyee", &[("nom", &d.vers_nom)]),
            )
        }
        None => None,
    };
    page_demandes(
        &state,
        &visitor,
        id,
        Affichage {
            vue,
            etat,
            apres,
            message,
        },
        vec![],
    )
    .await
}

/// `POST /organisations/{id}/demandes/{rid}/reponse`: accept or decline, with a message.
pub async fn repondre(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, rid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (id, rid) = (id_de(&id)?, id_de(&rid)?);
    let f = form_urlencoded_pairs(&String::from_utf8_lossy(&body));
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let accepter = match un(&f, "decision") {
        "accepter" => true,
        "refuser" => false,
        _ => return Err(PageError::BadRequest),
    };
    let tr = state.tr(visitor.lang);
    let erreur = match state
        .app
        .repondre_demande_contact(u, rid, accepter, un(&f, "reponse"))
        .await
    {
        Ok(()) => {
            return Ok(
                Redirect::to(&format!("/organisations/{id}/demandes?vue=recues")).into_response(),
            )
        }
        Err(ContactError::Invalide(e)) => e
            .into_iter()
            .map(|x| (format!("reponse-{rid}"), x.message))
            .collect(),
        Err(e) => match refus_texte(&e, &tr) {
            Some(m) => vec![(format!("reponse-{rid}"), m)],
            None => return Err(e.into()),
        },
    };
    page_demandes(
        &state,
        &visitor,
        id,
        Affichage {
            vue: Sens::Recues,
            etat: None,
            apres: None,
            message: None,
        },
        erreur,
    )
    .await
}

/// `POST /organisations/{id}/demandes/preferences`: the opt-out (owners).
pub async fn preferences(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let id = id_de(&id)?;
    let f = form_urlencoded_pairs(&String::from_utf8_lossy(&body));
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let contactable = un(&f, "contactable") == "oui";
    state.app.definir_contactable(u, id, contactable).await?;
    let tr = state.tr(visitor.lang);
    page_demandes(
        &state,
        &visitor,
        id,
        Affichage {
            vue: Sens::Recues,
            etat: None,
            apres: None,
            message: Some(tr.t(if contactable {
                "contacts-preference-oui-enregistree"
            } else {
                "contacts-preference-non-enregistree"
            })),
        },
        vec![],
    )
    .await
}

// --------------------------------------------------------------- an alliance from a request

#[derive(Template)]
#[template(path = "alliance_form.html")]
struct AlliancePage {
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

fn champ(tr: &Tr, erreurs: &[ChampErreur], nom: &'static str, genre: &'static str) -> Champ {
    let e: Vec<&str> = erreurs
        .iter()
        .filter(|e| e.champ == nom)
        .map(|e| e.message.as_str())
        .collect();
    let cle_aide = format!("alliances-champ-{nom}-aide");
    let aide = tr.t(&cle_aide);
    Champ {
        nom,
        libelle: tr.t(&format!("alliances-champ-{nom}")),
        aide: (aide != cle_aide && matches!(nom, "resume" | "territoires")).then_some(aide),
        erreur: (!e.is_empty()).then(|| e.join(" ; ")),
        genre,
        valeur: String::new(),
        valeurs: Vec::new(),
        choix: Vec::new(),
    }
}

fn choix<T: Copy + PartialEq>(
    tous: &[T],
    courant: &str,
    slug: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String, bool)> {
    tous.iter()
        .map(|t| {
            (
                slug(*t).to_string(),
                label(*t).to_string(),
                slug(*t) == courant,
            )
        })
        .collect()
}

async fn page_alliance(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    d: &Demande,
    s: &AllianceSaisie,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let nom = if d.de_organisation == id {
        &d.de_nom
    } else {
        &d.vers_nom
    };
    let action = format!("/organisations/{id}/demandes/{}/alliance", d.id);
    let l = layout(
        state,
        visitor,
        &action,
        tr.t("contacts-alliance-titre"),
        (id, nom),
    );
    let en = tr.lang == crate::i18n::Lang::En;
    let mut territoires = s.territoires.clone();
    while territoires.len() < 2 {
        territoires.push(String::new());
    }
    let champs = vec![
        Champ {
            valeur: s.nom.clone(),
            ..champ(&tr, erreurs, "nom", "text")
        },
        Champ {
            valeur: s.resume.clone(),
            ..champ(&tr, erreurs, "resume", "textarea")
        },
        Champ {
            valeurs: territoires,
            ..champ(&tr, erreurs, "territoires", "territoires")
        },
        Champ {
            choix: choix(
                Forme::ALL,
                &s.forme,
                Forme::slug,
                if en { Forme::label_en } else { Forme::label_fr },
            ),
            ..champ(&tr, erreurs, "forme", "select")
        },
        Champ {
            choix: choix(
                Stade::ALL,
                &s.stade,
                Stade::slug,
                if en { Stade::label_en } else { Stade::label_fr },
            ),
            ..champ(&tr, erreurs, "stade", "select")
        },
        Champ {
            choix: vec![(
                "oui".into(),
                tr.t("alliances-champ-publique-oui"),
                s.publique,
            )],
            ..champ(&tr, erreurs, "publique", "checkboxes")
        },
    ];
    let mut resume: Vec<(String, String)> = erreurs
        .iter()
        .map(|e| (e.champ.to_string(), e.message.clone()))
        .collect();
    resume.dedup();
    let mut res = render(&AlliancePage {
        layout: l,
        intro: Some(tr.ta(
            "contacts-alliance-intro",
            &[("de", &d.de_nom), ("vers", &d.vers_nom)],
        )),
        alerte: None,
        resume_erreurs: tr.ta("formulaire-erreurs", &[("n", &resume.len().to_string())]),
        erreurs: resume,
        champs,
        caches: vec![],
        bouton: tr.t("contacts-alliance-bouton"),
        action,
    })?;
    if !erreurs.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The request behind the form, readable by the visitor, on the page of one of its two sides.
async fn demande_de(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    rid: i64,
) -> Result<Demande, PageError> {
    let d = state.app.demande_contact(user(visitor)?, rid).await?;
    if d.de_organisation != id && d.vers_organisation != id {
        return Err(PageError::NotFound);
    }
    Ok(d)
}

/// `GET /organisations/{id}/demandes/{rid}/alliance`: the short form of a new alliance, with the
/// headquarters of both organisations as its first territories.
pub async fn alliance(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (id, rid) = (id_de(&id)?, id_de(&rid)?);
    if visitor.user().is_none() {
        return Ok(Redirect::to("/compte/connexion").into_response());
    }
    let d = demande_de(&state, &visitor, id, rid).await?;
    if let Some(a) = d.alliance_id {
        return Ok(Redirect::to(&format!("/alliances/{a}")).into_response());
    }
    let mut territoires: Vec<String> = state
        .app
        .fiches_publiques(&[d.de_organisation, d.vers_organisation])
        .await?
        .iter()
        .filter_map(|f| f.org.commune.as_ref())
        .map(|c| format!("commune:{}", c.as_str()))
        .collect();
    territoires.dedup();
    let s = AllianceSaisie {
        nom: String::new(),
        territoires,
        forme: Forme::PartenariatOrganisations.slug().into(),
        stade: Stade::Emergence.slug().into(),
        publique: true,
        ..Default::default()
    };
    page_alliance(&state, &visitor, id, &d, &s, &[]).await
}

/// `POST /organisations/{id}/demandes/{rid}/alliance`: starts it; both organisations are members.
pub async fn alliance_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, rid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (id, rid) = (id_de(&id)?, id_de(&rid)?);
    let f = form_urlencoded_pairs(&String::from_utf8_lossy(&body));
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let d = demande_de(&state, &visitor, id, rid).await?;
    let s = AllianceSaisie {
        nom: un(&f, "nom").to_string(),
        resume: un(&f, "resume").to_string(),
        territoires: f
            .iter()
            .filter(|(k, _)| k == "territoires")
            .flat_map(|(_, v)| v.split([',', ';', ' ', '\n']))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        forme: un(&f, "forme").to_string(),
        stade: un(&f, "stade").to_string(),
        publique: un(&f, "publique") == "oui",
        ..Default::default()
    };
    let erreurs = match state.app.demarrer_alliance_depuis_demande(u, rid, &s).await {
        Ok(aid) => return Ok(Redirect::to(&format!("/alliances/{aid}")).into_response()),
        Err(ContactError::Invalide(e)) => e,
        Err(e @ ContactError::Refus(_)) => {
            vec![ChampErreur::new("nom", e.to_string())]
        }
        Err(e) => return Err(e.into()),
    };
    page_alliance(&state, &visitor, id, &d, &s, &erreurs).await
}

// ------------------------------------------------------------- counts on the dashboards

/// The « Mises en relation » block of the admin dashboard and the territory pages.
pub struct BlocConversion {
    /// (figure, what it counts), French-formatted.
    pub chiffres: Vec<(String, String)>,
    pub taux: Option<String>,
    pub note: Option<String>,
}

fn pourcent(v: Option<f64>, tr: &Tr) -> String {
    match v {
        Some(v) => format!(
            "{}\u{a0}%",
            crate::alliances_view::nombre((v * 10.0).round() / 10.0, tr)
        ),
        None => "—".into(),
    }
}

/// Presents the counts of contact requests (`note` says what set they cover).
pub fn bloc_conversion(
    c: &alliances_domain::contacts::Conversion,
    tr: &Tr,
    note: Option<String>,
) -> BlocConversion {
    let n = |v: i64| tr.nombre(v.max(0) as u64);
    BlocConversion {
        chiffres: vec![
            (n(c.demandes), tr.t("contacts-stat-demandes")),
            (n(c.acceptees), tr.t("contacts-stat-acceptees")),
            (n(c.alliances), tr.t("contacts-stat-alliances")),
            (n(c.envoyees), tr.t("contacts-stat-en-attente")),
            (n(c.refusees), tr.t("contacts-stat-refusees")),
            (n(c.sans_reponse), tr.t("contacts-stat-sans-reponse")),
        ],
        taux: (c.demandes > 0).then(|| {
            tr.ta(
                "contacts-stat-taux",
                &[
                    ("acceptation", &pourcent(c.taux_acceptation(), tr)),
                    ("alliance", &pourcent(c.taux_alliance(), tr)),
                ],
            )
        }),
        note,
    }
}
