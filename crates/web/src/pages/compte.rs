//! Account pages: sign-up, e-mail verification, log in / out, the account page, forgotten
//! password, change of e-mail address. Every unsafe form carries the session's CSRF token and is
//! checked with [`csrf_ok`]; sign-up, log-in and reset are rate-limited per address.

use super::{render, PageError};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::state::AppState;
use crate::visiteur::{clear_cookie, csrf_ok, set_cookie, SessionView, Visitor};
use alliances_app::comptes::{
    EmailChangeError, LoginError, NewAccount, ResetError, SignUpError, TokenError,
};
use alliances_app::limites::{self, Limit};
use alliances_app::politique::{can, Action};
use alliances_app::{now, App};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use std::collections::HashMap;

pub struct Champ {
    pub nom: &'static str,
    pub libelle: String,
    pub type_: &'static str,
    pub valeur: String,
    pub autocomplete: &'static str,
    pub aide: Option<String>,
    pub erreur: Option<String>,
}

pub struct Formulaire {
    pub action: String,
    pub bouton: String,
    pub intro: Option<String>,
    pub champs: Vec<Champ>,
    pub erreurs: Vec<(&'static str, String)>,
    pub resume_erreurs: String,
    pub liens: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "formulaire.html")]
struct FormPage {
    layout: Layout,
    form: Formulaire,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    layout: Layout,
    paragraphes: Vec<String>,
    bouton: Option<(String, String)>,
    liens: Vec<(String, String)>,
}

pub struct JetonLigne {
    pub id: i64,
    pub nom: String,
    pub prefixe: String,
    pub portee: String,
    pub dernier_usage: String,
    pub actif: bool,
    pub revoquer: String,
}

#[derive(Template)]
#[template(path = "compte.html")]
struct ComptePage {
    layout: Layout,
    nom: String,
    email: String,
    statut_email: String,
    roles: String,
    jetons: Vec<JetonLigne>,
    catalyseur_de: Vec<(String, String)>,
    moderateur: bool,
    organisations: Vec<(i64, String, String, bool)>,
}

#[derive(Template)]
#[template(path = "confidentialite.html")]
struct ConfidentialitePage {
    layout: Layout,
    lignes: Vec<(String, String, String)>,
}

type Fields = HashMap<String, String>;

fn field<'a>(f: &'a Fields, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or("")
}

/// Makes sure the visitor has a session (anonymous if need be), so that its forms carry a CSRF
/// token; returns the visitor to render with and the cookie to set, if a session was opened.
async fn with_session(app: &App, visitor: Visitor) -> Result<(Visitor, Option<String>), PageError> {
    if visitor.session.is_some() {
        return Ok((visitor, None));
    }
    let (cookie, csrf) = app.open_session(None).await?;
    let visitor = Visitor {
        session: Some(SessionView {
            cookie: cookie.clone(),
            csrf,
            user: None,
        }),
        ..visitor
    };
    Ok((visitor, Some(cookie)))
}

fn with_cookie(mut res: Response, cookie: Option<String>, behind_tls: bool) -> Response {
    if let Some(c) = cookie {
        res.headers_mut()
            .append(header::SET_COOKIE, set_cookie(&c, behind_tls));
    }
    res
}

fn layout(state: &AppState, visitor: &Visitor, path: &str, title_key: &str) -> Layout {
    let mut l = Layout::new(state, visitor, path, "compte", String::new());
    l.title = l.t(title_key);
    let crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    l.with_crumbs(crumbs)
}

fn check_form(headers: &HeaderMap, visitor: &Visitor, fields: &Fields) -> Result<(), PageError> {
    if csrf_ok(headers, visitor, field(fields, "_csrf")) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

fn limit(state: &AppState, key: String, l: Limit) -> Result<(), PageError> {
    state
        .app
        .limiter
        .hit(&key, l, now())
        .map_err(PageError::TooMany)
}

fn message(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title_key: &str,
    paragraphes: Vec<String>,
    bouton: Option<(String, String)>,
    liens: Vec<(String, String)>,
) -> Result<Response, PageError> {
    render(&MessagePage {
        layout: layout(state, visitor, path, title_key),
        paragraphes,
        bouton,
        liens,
    })
}

/// A message page with a given title and status (used by other sections' forms).
pub fn message_page(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title: &str,
    paragraphes: Vec<String>,
    liens: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let mut l = Layout::new(state, visitor, path, "annuaire", title.to_string());
    let crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: title.to_string(),
            href: None,
        },
    ];
    l = l.with_crumbs(crumbs);
    let mut res = render(&MessagePage {
        layout: l,
        paragraphes,
        bouton: None,
        liens,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

struct FieldSpec {
    nom: &'static str,
    libelle: &'static str,
    type_: &'static str,
    autocomplete: &'static str,
    aide: Option<&'static str>,
}

const NOM: FieldSpec = FieldSpec {
    nom: "nom",
    libelle: "champ-nom",
    type_: "text",
    autocomplete: "name",
    aide: Some("champ-nom-aide"),
};
const EMAIL: FieldSpec = FieldSpec {
    nom: "email",
    libelle: "champ-email",
    type_: "email",
    autocomplete: "email",
    aide: Some("champ-email-aide"),
};
const LOGIN_EMAIL: FieldSpec = FieldSpec {
    nom: "email",
    libelle: "champ-email",
    type_: "email",
    autocomplete: "username",
    aide: None,
};
const NEW_PASSWORD: FieldSpec = FieldSpec {
    nom: "mot_de_passe",
    libelle: "champ-mot-de-passe",
    type_: "password",
    autocomplete: "new-password",
    aide: Some("champ-mot-de-passe-aide"),
};
const RESET_PASSWORD: FieldSpec = FieldSpec {
    nom: "mot_de_passe",
    libelle: "champ-nouveau-mot-de-passe",
    type_: "password",
    autocomplete: "new-password",
    aide: Some("champ-mot-de-passe-aide"),
};
const CURRENT_PASSWORD: FieldSpec = FieldSpec {
    nom: "mot_de_passe",
    libelle: "champ-mot-de-passe",
    type_: "password",
    autocomplete: "current-password",
    aide: None,
};
const CONFIRM_PASSWORD: FieldSpec = FieldSpec {
    nom: "mot_de_passe",
    libelle: "champ-mot-de-passe-actuel",
    type_: "password",
    autocomplete: "current-password",
    aide: None,
};
const NEW_EMAIL: FieldSpec = FieldSpec {
    nom: "email",
    libelle: "champ-nouvel-email",
    type_: "email",
    autocomplete: "email",
    aide: Some("champ-email-aide"),
};

/// Builds and renders a form page. Passwords are never sent back into the page.
#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title_key: &str,
    intro: Option<&str>,
    specs: &[FieldSpec],
    values: &Fields,
    erreurs: Vec<(&'static str, String)>,
    bouton: &str,
    liens: Vec<(&str, &str)>,
) -> Result<Response, PageError> {
    let l = layout(state, visitor, path, title_key);
    let tr = l.tr.clone();
    let champs = specs
        .iter()
        .map(|s| Champ {
            nom: s.nom,
            libelle: tr.t(s.libelle),
            type_: s.type_,
            valeur: if s.type_ == "password" {
                String::new()
            } else {
                field(values, s.nom).to_string()
            },
            autocomplete: s.autocomplete,
            aide: s.aide.map(|a| tr.t(a)),
            erreur: erreurs
                .iter()
                .find(|(c, _)| *c == s.nom)
                .map(|(_, m)| m.clone()),
        })
        .collect();
    let form = Formulaire {
        action: path.to_string(),
        bouton: tr.t(bouton),
        intro: intro.map(|i| tr.t(i)),
        champs,
        resume_erreurs: tr.ta("formulaire-erreurs", &[("n", &erreurs.len().to_string())]),
        erreurs,
        liens: liens
            .into_iter()
            .map(|(k, h)| (tr.t(k), h.to_string()))
            .collect(),
    };
    let has_errors = !form.erreurs.is_empty();
    let mut res = render(&FormPage { layout: l, form })?;
    if has_errors {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

// ---------------------------------------------------------------- sign-up

const SIGN_UP: &str = "/compte/inscription";

fn sign_up_form(
    state: &AppState,
    visitor: &Visitor,
    values: &Fields,
    erreurs: Vec<(&'static str, String)>,
) -> Result<Response, PageError> {
    form_page(
        state,
        visitor,
        SIGN_UP,
        "inscription-titre",
        Some("inscription-intro"),
        &[NOM, EMAIL, NEW_PASSWORD],
        values,
        erreurs,
        "inscription-bouton",
        vec![("inscription-deja", "/compte/connexion")],
    )
}

pub async fn inscription(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let (visitor, cookie) = with_session(&state.app, visitor).await?;
    Ok(with_cookie(
        sign_up_form(&state, &visitor, &Fields::new(), vec![])?,
        cookie,
        state.behind_tls,
    ))
}

pub async fn inscription_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    limit(
        &state,
        format!("inscription:{}", visitor.ip),
        limites::SIGN_UP_PER_IP,
    )?;
    let input = NewAccount {
        email: field(&f, "email"),
        name: field(&f, "nom"),
        password: field(&f, "mot_de_passe"),
    };
    match state.app.sign_up(input, &state.public_url).await {
        Ok(_) => Ok(Redirect::to("/compte/inscription/merci").into_response()),
        Err(SignUpError::App(e)) => Err(e.into()),
        Err(e) => {
            let champ = match e.field() {
                Some("email") => "email",
                Some("nom") => "nom",
                _ => "mot_de_passe",
            };
            sign_up_form(&state, &visitor, &f, vec![(champ, e.to_string())])
        }
    }
}

pub async fn inscription_merci(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    message(
        &state,
        &visitor,
        "/compte/inscription/merci",
        "inscription-merci-titre",
        vec![tr.t("inscription-merci-texte")],
        None,
        vec![],
    )
}

// ---------------------------------------------------------------- e-mail verification

/// The page an e-mailed link opens: a button that posts back to the same address (following the
/// link alone, as mail scanners do, changes nothing), or why the link is no longer valid.
async fn link_page(
    state: &AppState,
    visitor: Visitor,
    path: &str,
    token: &str,
    title_key: &str,
    text_key: Option<&str>,
    button_key: &str,
) -> Result<Response, PageError> {
    let (visitor, cookie) = with_session(&state.app, visitor).await?;
    let tr = state.tr(visitor.lang);
    let res = match state.app.token_usable(token).await {
        Ok(()) => message(
            state,
            &visitor,
            path,
            title_key,
            text_key.map(|k| tr.t(k)).into_iter().collect(),
            Some((path.to_string(), tr.t(button_key))),
            vec![],
        )?,
        Err(e) => token_refused(state, &visitor, path, e)?,
    };
    Ok(with_cookie(res, cookie, state.behind_tls))
}

fn token_refused(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    e: TokenError,
) -> Result<Response, PageError> {
    match e {
        TokenError::Refused(_) => {
            let mut res = message(
                state,
                visitor,
                path,
                "lien-invalide-titre",
                vec![e.to_string()],
                None,
                vec![],
            )?;
            *res.status_mut() = StatusCode::BAD_REQUEST;
            Ok(res)
        }
        TokenError::App(e) => Err(e.into()),
    }
}

/// The link from the e-mail shows a confirmation button: following the link alone (as mail
/// scanners do) changes nothing.
pub async fn verification(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    link_page(
        &state,
        visitor,
        &format!("/compte/verification/{token}"),
        &token,
        "verification-titre",
        Some("verification-texte"),
        "verification-bouton",
    )
    .await
}

pub async fn verification_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    let path = format!("/compte/verification/{token}");
    let tr = state.tr(visitor.lang);
    match state.app.verify_email(&token).await {
        Ok(_) => message(
            &state,
            &visitor,
            &path,
            "verification-titre",
            vec![tr.t("verification-ok")],
            None,
            vec![(tr.t("connexion-titre"), "/compte/connexion".into())],
        ),
        Err(e) => token_refused(&state, &visitor, &path, e),
    }
}

// ---------------------------------------------------------------- log in / out

const LOGIN: &str = "/compte/connexion";

fn login_form(
    state: &AppState,
    visitor: &Visitor,
    values: &Fields,
    erreurs: Vec<(&'static str, String)>,
) -> Result<Response, PageError> {
    form_page(
        state,
        visitor,
        LOGIN,
        "connexion-titre",
        None,
        &[LOGIN_EMAIL, CURRENT_PASSWORD],
        values,
        erreurs,
        "connexion-bouton",
        vec![
            ("connexion-oubli", "/compte/mot-de-passe-oublie"),
            ("connexion-pas-de-compte", SIGN_UP),
        ],
    )
}

pub async fn connexion(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    if visitor.user().is_some() {
        return Ok(Redirect::to("/compte").into_response());
    }
    let (visitor, cookie) = with_session(&state.app, visitor).await?;
    Ok(with_cookie(
        login_form(&state, &visitor, &Fields::new(), vec![])?,
        cookie,
        state.behind_tls,
    ))
}

pub async fn connexion_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    limit(
        &state,
        format!("connexion:{}", visitor.ip),
        limites::LOGIN_PER_IP,
    )?;
    match state
        .app
        .log_in(
            field(&f, "email"),
            field(&f, "mot_de_passe"),
            visitor.cookie(),
        )
        .await
    {
        Ok((_, cookie, _)) => Ok(with_cookie(
            Redirect::to("/compte").into_response(),
            Some(cookie),
            state.behind_tls,
        )),
        Err(LoginError::Invalid) => {
            let tr = state.tr(visitor.lang);
            login_form(
                &state,
                &visitor,
                &f,
                vec![("email", tr.t("connexion-echec"))],
            )
        }
        Err(LoginError::Throttled(secs)) => Err(PageError::TooMany(secs)),
        Err(LoginError::App(e)) => Err(e.into()),
    }
}

pub async fn deconnexion(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    if let Some(cookie) = visitor.cookie() {
        state.app.close_session(cookie).await?;
    }
    let mut res = Redirect::to("/").into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(state.behind_tls));
    Ok(res)
}

// ---------------------------------------------------------------- the account page

pub async fn compte(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let Some(user) = visitor
        .user()
        .filter(|u| can(Some(u), Action::VoirSonCompte))
    else {
        return Ok(Redirect::to(LOGIN).into_response());
    };
    let l = layout(&state, &visitor, "/compte", "compte-titre");
    let roles: Vec<String> = user
        .roles
        .iter()
        .map(|r| l.t(&format!("role-{}", r.slug())))
        .collect();
    let jetons = state
        .app
        .api_tokens_of(user.id)
        .await?
        .into_iter()
        .map(|t| JetonLigne {
            id: t.id,
            revoquer: l.tr.ta("jetons-revoquer-libelle", &[("nom", &t.name)]),
            nom: t.name,
            prefixe: t.prefix,
            portee: l.t(if t.scopes.contains("write") {
                "jetons-ecriture"
            } else {
                "jetons-lecture"
            }),
            dernier_usage: t
                .last_used_at
                .map(|d| {
                    alliances_app::donnees::iso_datetime(d)
                        .replace('T', " ")
                        .replace('Z', " UTC")
                })
                .unwrap_or_else(|| l.t("jetons-jamais")),
            actif: t.revoked_at.is_none(),
        })
        .collect();
    let page = ComptePage {
        nom: user.name.clone(),
        email: user.email.clone(),
        statut_email: l.t(if user.verified {
            "compte-email-verifie"
        } else {
            "compte-email-non-verifie"
        }),
        roles: if roles.is_empty() {
            l.t("compte-aucun-role")
        } else {
            roles.join(", ")
        },
        jetons,
        catalyseur_de: state
            .app
            .catalyseur_of(user)
            .await?
            .into_iter()
            .map(|c| {
                (
                    c.territoire,
                    format!("/territoires/{}/{}", c.niveau.slug(), c.code),
                )
            })
            .collect(),
        moderateur: can(Some(user), Action::Moderer),
        organisations: state
            .app
            .mes_organisations(user)
            .await
            .map_err(|_| PageError::Internal)?
            .into_iter()
            .map(|(id, nom, role)| {
                (
                    id,
                    nom,
                    role.label_fr().to_string(),
                    role == alliances_app::politique::RoleOrganisation::Proprietaire,
                )
            })
            .collect(),
        layout: l,
    };
    render(&page)
}

/// `POST /compte/jetons`: creates an API token and shows it once.
pub async fn jeton_creer(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    let Some(user) = visitor.user() else {
        return Err(PageError::Forbidden);
    };
    let scope =
        alliances_app::jetons::Scope::parse(field(&f, "portee")).ok_or(PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let back = vec![(tr.t("retour-compte"), "/compte".to_string())];
    match state
        .app
        .create_api_token(user.id, field(&f, "nom"), scope)
        .await
    {
        Ok((_, value)) => message(
            &state,
            &visitor,
            "/compte/jetons",
            "jeton-cree-titre",
            vec![tr.t("jeton-cree-texte"), value],
            None,
            back,
        ),
        Err(alliances_app::jetons::TokenCreateError::Name) => {
            let mut res = message(
                &state,
                &visitor,
                "/compte/jetons",
                "jetons-titre",
                vec![tr.t("jeton-nom-invalide")],
                None,
                back,
            )?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(alliances_app::jetons::TokenCreateError::App(e)) => Err(e.into()),
    }
}

/// `POST /compte/jetons/{id}/revocation`: only the token's owner can revoke it; anyone else's id
/// is "not found", whatever it is.
pub async fn jeton_revoquer(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    let Some(user) = visitor.user() else {
        return Err(PageError::Forbidden);
    };
    if state.app.revoke_api_token(user.id, id).await? {
        Ok(Redirect::to("/compte").into_response())
    } else {
        Err(PageError::NotFound)
    }
}

/// `GET /compte/donnees`: everything stored about the user, as a JSON download.
pub async fn donnees(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let Some(user) = visitor.user() else {
        return Ok(Redirect::to(LOGIN).into_response());
    };
    let data = state.app.export_personal_data(user.id).await?;
    let body = serde_json::to_string_pretty(&data).map_err(|_| PageError::Internal)?;
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        axum::http::HeaderValue::from_static("attachment; filename=\"mes-donnees-alliances.json\""),
    );
    h.insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

const DELETE_PATH: &str = "/compte/suppression";

fn delete_form(
    state: &AppState,
    visitor: &Visitor,
    values: &Fields,
    erreurs: Vec<(&'static str, String)>,
) -> Result<Response, PageError> {
    form_page(
        state,
        visitor,
        DELETE_PATH,
        "suppression-titre",
        Some("suppression-intro"),
        &[CONFIRM_PASSWORD],
        values,
        erreurs,
        "suppression-bouton",
        vec![("retour-compte", "/compte")],
    )
}

pub async fn suppression(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    if visitor.user().is_none() {
        return Ok(Redirect::to(LOGIN).into_response());
    }
    delete_form(&state, &visitor, &Fields::new(), vec![])
}

pub async fn suppression_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    let Some(user) = visitor.user() else {
        return Err(PageError::Forbidden);
    };
    match state
        .app
        .delete_account(user.id, field(&f, "mot_de_passe"))
        .await
    {
        Ok(()) => {
            let anonymous = Visitor {
                session: None,
                ..visitor.clone()
            };
            let tr = state.tr(visitor.lang);
            let mut res = message(
                &state,
                &anonymous,
                DELETE_PATH,
                "suppression-titre",
                vec![tr.t("suppression-ok")],
                None,
                vec![],
            )?;
            res.headers_mut()
                .append(header::SET_COOKIE, clear_cookie(state.behind_tls));
            Ok(res)
        }
        Err(alliances_app::donnees::DeleteError::App(e)) => Err(e.into()),
        Err(e) => delete_form(&state, &visitor, &f, vec![("mot_de_passe", e.to_string())]),
    }
}

/// `/confidentialite`: what is stored about account holders, why, and for how long.
pub async fn confidentialite(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let mut l = Layout::new(&state, &visitor, "/confidentialite", "", String::new());
    l.title = l.t("confidentialite-titre");
    let crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    let l = l.with_crumbs(crumbs);
    let row = |d: &str, p: &str, t: &str| (l.t(d), l.t(p), l.t(t));
    let lignes = vec![
        row("conf-email", "conf-email-pourquoi", "conf-duree-compte"),
        row("conf-nom", "conf-nom-pourquoi", "conf-duree-compte"),
        row(
            "conf-mot-de-passe",
            "conf-mot-de-passe-pourquoi",
            "conf-duree-compte",
        ),
        row(
            "conf-sessions",
            "conf-sessions-pourquoi",
            "conf-duree-session",
        ),
        row("conf-jetons", "conf-jetons-pourquoi", "conf-duree-compte"),
        row(
            "conf-journal",
            "conf-journal-pourquoi",
            "conf-duree-journal",
        ),
    ];
    render(&ConfidentialitePage { layout: l, lignes })
}

// ---------------------------------------------------------------- forgotten password

const FORGOT: &str = "/compte/mot-de-passe-oublie";

pub async fn oubli(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    let (visitor, cookie) = with_session(&state.app, visitor).await?;
    let res = form_page(
        &state,
        &visitor,
        FORGOT,
        "oubli-titre",
        Some("oubli-intro"),
        &[LOGIN_EMAIL],
        &Fields::new(),
        vec![],
        "oubli-bouton",
        vec![],
    )?;
    Ok(with_cookie(res, cookie, state.behind_tls))
}

pub async fn oubli_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    limit(
        &state,
        format!("oubli:{}", visitor.ip),
        limites::RESET_PER_IP,
    )?;
    let email = field(&f, "email").trim().to_lowercase();
    // Over the per-address limit, say the same thing and send nothing more.
    if state
        .app
        .limiter
        .hit(
            &format!("oubli-email:{email}"),
            limites::RESET_PER_EMAIL,
            now(),
        )
        .is_ok()
    {
        state
            .app
            .request_password_reset(&email, &state.public_url)
            .await?;
    }
    let tr = state.tr(visitor.lang);
    message(
        &state,
        &visitor,
        FORGOT,
        "oubli-titre",
        vec![tr.t("oubli-envoye")],
        None,
        vec![],
    )
}

pub async fn reinitialisation(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let path = format!("/compte/reinitialisation/{token}");
    let (visitor, cookie) = with_session(&state.app, visitor).await?;
    let res = match state.app.token_usable(&token).await {
        Ok(()) => form_page(
            &state,
            &visitor,
            &path,
            "reinitialisation-titre",
            None,
            &[RESET_PASSWORD],
            &Fields::new(),
            vec![],
            "reinitialisation-bouton",
            vec![],
        )?,
        Err(e) => token_refused(&state, &visitor, &path, e)?,
    };
    Ok(with_cookie(res, cookie, state.behind_tls))
}

pub async fn reinitialisation_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    let path = format!("/compte/reinitialisation/{token}");
    let tr = state.tr(visitor.lang);
    match state
        .app
        .reset_password(&token, field(&f, "mot_de_passe"))
        .await
    {
        Ok(_) => message(
            &state,
            &visitor,
            &path,
            "reinitialisation-titre",
            vec![tr.t("reinitialisation-ok")],
            None,
            vec![(tr.t("connexion-titre"), LOGIN.into())],
        ),
        Err(ResetError::Password(e)) => form_page(
            &state,
            &visitor,
            &path,
            "reinitialisation-titre",
            None,
            &[RESET_PASSWORD],
            &f,
            vec![("mot_de_passe", e.to_string())],
            "reinitialisation-bouton",
            vec![],
        ),
        Err(ResetError::Token(e)) => token_refused(&state, &visitor, &path, e),
    }
}

// ---------------------------------------------------------------- change of e-mail address

const EMAIL_PATH: &str = "/compte/email";

pub async fn email(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    if visitor.user().is_none() {
        return Ok(Redirect::to(LOGIN).into_response());
    }
    form_page(
        &state,
        &visitor,
        EMAIL_PATH,
        "email-titre",
        Some("email-intro"),
        &[NEW_EMAIL, CONFIRM_PASSWORD],
        &Fields::new(),
        vec![],
        "email-bouton",
        vec![("retour-compte", "/compte")],
    )
}

pub async fn email_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    let Some(user) = visitor.user() else {
        return Err(PageError::Forbidden);
    };
    let tr = state.tr(visitor.lang);
    let again = |champ: &'static str, message: String| {
        form_page(
            &state,
            &visitor,
            EMAIL_PATH,
            "email-titre",
            Some("email-intro"),
            &[NEW_EMAIL, CONFIRM_PASSWORD],
            &f,
            vec![(champ, message)],
            "email-bouton",
            vec![("retour-compte", "/compte")],
        )
    };
    match state
        .app
        .request_email_change(
            user.id,
            field(&f, "mot_de_passe"),
            field(&f, "email"),
            &state.public_url,
        )
        .await
    {
        Ok(()) => message(
            &state,
            &visitor,
            EMAIL_PATH,
            "email-titre",
            vec![tr.t("email-envoye")],
            None,
            vec![(tr.t("retour-compte"), "/compte".into())],
        ),
        Err(e @ EmailChangeError::WrongPassword) => again("mot_de_passe", e.to_string()),
        Err(e @ (EmailChangeError::Email(_) | EmailChangeError::EmailTaken)) => {
            again("email", e.to_string())
        }
        Err(EmailChangeError::Token(e)) => token_refused(&state, &visitor, EMAIL_PATH, e),
        Err(EmailChangeError::App(e)) => Err(e.into()),
    }
}

pub async fn email_confirmation(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    link_page(
        &state,
        visitor,
        &format!("/compte/email/confirmation/{token}"),
        &token,
        "email-confirmation-titre",
        None,
        "email-confirmation-bouton",
    )
    .await
}

pub async fn email_confirmation_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    check_form(&headers, &visitor, &f)?;
    let path = format!("/compte/email/confirmation/{token}");
    let tr = state.tr(visitor.lang);
    match state.app.confirm_email_change(&token).await {
        Ok(_) => message(
            &state,
            &visitor,
            &path,
            "email-confirmation-titre",
            vec![tr.t("email-confirmation-ok")],
            None,
            vec![(tr.t("retour-compte"), "/compte".into())],
        ),
        Err(EmailChangeError::Token(e)) => token_refused(&state, &visitor, &path, e),
        Err(EmailChangeError::App(e)) => Err(e.into()),
        Err(e) => message(
            &state,
            &visitor,
            &path,
            "lien-invalide-titre",
            vec![e.to_string()],
            None,
            vec![],
        ),
    }
}
