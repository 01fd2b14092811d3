//! The admin area. Every handler asks the policy first.

use super::{render, PageError};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::visiteur::csrf_ok;
use crate::visiteur::Visitor;
use alliances_app::catalyseurs::CatalyseurError;
use alliances_app::comptes::RoleError;
use alliances_app::politique::{can, Action};
use alliances_domain::comptes::Role;
use alliances_domain::territoires::Niveau;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use std::collections::HashMap;

pub struct LigneUtilisateur {
    pub id: i64,
    pub nom: String,
    pub email: String,
    pub verifie: String,
    pub roles: String,
    pub libelle_role: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    resume: String,
    utilisateurs: Vec<LigneUtilisateur>,
    roles: Vec<(&'static str, String)>,
    /// Counts and conversion of contact requests over the platform.
    mises_en_relation: super::contacts::BlocConversion,
}

fn admin_layout(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title_key: &str,
    parent: bool,
) -> Layout {
    let mut l = Layout::new(state, visitor, path, "admin", String::new());
    l.title = l.t(title_key);
    let mut crumbs = vec![home_crumb(&l.tr)];
    if parent {
        crumbs.push(Crumb {
            label: l.t("admin-titre"),
            href: Some("/admin".into()),
        });
    }
    crumbs.push(Crumb {
        label: l.title.clone(),
        href: None,
    });
    l.with_crumbs(crumbs)
}

pub async fn admin(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    if !can(visitor.user(), Action::Administrer) {
        return Err(PageError::Forbidden);
    }
    let l = admin_layout(&state, &visitor, "/admin", "admin-titre", false);
    let (total, list) = state.app.users_overview(200).await?;
    let role_label = |slug: &str| l.t(&format!("role-{slug}"));
    let utilisateurs = list
        .into_iter()
        .map(|u| LigneUtilisateur {
            id: u.id,
            libelle_role: l.tr.ta("admin-role-pour", &[("email", &u.email)]),
            roles: u
                .roles
                .iter()
                .map(|r| role_label(r))
                .collect::<Vec<_>>()
                .join(", "),
            nom: u.name,
            email: u.email,
            verifie: l.t(if u.verified { "oui" } else { "non" }),
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|r| (r.slug(), role_label(r.slug())))
        .collect();
    let conversion = state.app.conversion_contacts(None).await?;
    let page = AdminPage {
        mises_en_relation: super::contacts::bloc_conversion(&conversion, &l.tr, None),
        resume: l.tr.ta(
            "admin-nombre-utilisateurs",
            &[("n", &l.tr.nombre(total as u64))],
        ),
        utilisateurs,
        roles,
        layout: l,
    };
    render(&page)
}

/// `POST /admin/utilisateurs/{id}/roles`: grant or withdraw a platform role (admins only).
pub async fn role(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    if !csrf_ok(
        &headers,
        &visitor,
        f.get("_csrf").map(String::as_str).unwrap_or(""),
    ) {
        return Err(PageError::Forbidden);
    }
    let Some(actor) = visitor.user() else {
        return Err(PageError::Forbidden);
    };
    let role = f
        .get("role")
        .and_then(|r| Role::from_slug(r))
        .ok_or(PageError::BadRequest)?;
    let grant = match f.get("action").map(String::as_str) {
        Some("attribuer") => true,
        Some("retirer") => false,
        _ => return Err(PageError::BadRequest),
    };
    match state.app.set_role(actor, id, role, grant).await {
        Ok(_) => Ok(Redirect::to("/admin").into_response()),
        Err(RoleError::Forbidden) => Err(PageError::Forbidden),
        Err(RoleError::UnknownUser) => Err(PageError::NotFound),
        Err(RoleError::OwnAdmin) => Err(PageError::BadRequest),
        Err(RoleError::App(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "journal.html")]
pub(crate) struct JournalPage {
    pub layout: Layout,
    pub entrees: Vec<(String, String, String, String, String, String)>,
    pub suivant: Option<String>,
}

/// Audit entries as table rows (date, author, action, object, before, after).
pub(crate) fn lignes_journal(
    entries: Vec<alliances_app::AuditEntry>,
    l: &Layout,
) -> Vec<(String, String, String, String, String, String)> {
    entries
        .into_iter()
        .map(|e| {
            (
                alliances_app::donnees::iso_datetime(e.at),
                e.actor_user_id
                    .map(|a| format!("#{a}"))
                    .unwrap_or_else(|| l.t("journal-systeme")),
                e.action,
                format!("{} {}", e.entity, e.entity_id),
                e.before_json.unwrap_or_default(),
                e.after_json.unwrap_or_default(),
            )
        })
        .collect()
}

const JOURNAL_PAGE: i64 = 100;

/// `/admin/journal?avant=ID`: the audit log, newest first.
pub async fn journal(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["avant", "lang"]).map_err(|_| PageError::BadRequest)?;
    let before = match params.text("avant") {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| PageError::BadRequest)?),
    };
    let entries = match state
        .app
        .audit_log(visitor.user(), before, JOURNAL_PAGE)
        .await
    {
        Ok(e) => e,
        Err(RoleError::App(e)) => return Err(e.into()),
        Err(_) => return Err(PageError::Forbidden),
    };
    let l = admin_layout(&state, &visitor, "/admin/journal", "admin-journal", true);
    let suivant = (entries.len() as i64 == JOURNAL_PAGE).then(|| {
        format!(
            "/admin/journal?avant={}",
            entries.last().map(|e| e.id).unwrap_or(0)
        )
    });
    let entrees = lignes_journal(entries, &l);
    render(&JournalPage {
        layout: l,
        entrees,
        suivant,
    })
}

#[derive(Template)]
#[template(path = "courriels.html")]
struct OutboxPage {
    layout: Layout,
    intro: String,
    courriels: Vec<alliances_app::mail::StoredEmail>,
}

/// `/admin/courriels`: the e-mails written to the demo outbox, newest first.
pub async fn courriels(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    if !can(visitor.user(), Action::Administrer) {
        return Err(PageError::Forbidden);
    }
    let l = admin_layout(
        &state,
        &visitor,
        "/admin/courriels",
        "admin-courriels",
        true,
    );
    let (intro, courriels) = match &state.outbox {
        Some(dir) => {
            let dir = dir.clone();
            let list =
                tokio::task::spawn_blocking(move || alliances_app::mail::read_outbox(&dir, 200))
                    .await
                    .map_err(|_| PageError::Internal)?
                    .map_err(|e| {
                        tracing::error!(error = %e, "outbox unreadable");
                        PageError::Internal
                    })?;
            (
                l.tr.ta("admin-courriels-nombre", &[("n", &list.len().to_string())]),
                list,
            )
        }
        None => (l.t("admin-courriels-smtp"), Vec::new()),
    };
    render(&OutboxPage {
        layout: l,
        intro,
        courriels,
    })
}

pub struct LigneCatalyseur {
    pub email: String,
    pub territoire: String,
    pub href: String,
    pub niveau: &'static str,
    pub code: String,
    pub retirer: String,
}

#[derive(Template)]
#[template(path = "catalyseurs.html")]
struct CatalyseursPage {
    layout: Layout,
    erreur: Option<String>,
    niveaux: Vec<(&'static str, String)>,
    catalyseurs: Vec<LigneCatalyseur>,
}

async fn catalyseurs_page(
    state: &AppState,
    visitor: &Visitor,
    erreur: Option<String>,
) -> Result<Response, PageError> {
    let list = match state.app.catalyseurs(visitor.user()).await {
        Ok(l) => l,
        Err(CatalyseurError::App(e)) => return Err(e.into()),
        Err(_) => return Err(PageError::Forbidden),
    };
    let l = admin_layout(
        state,
        visitor,
        "/admin/catalyseurs",
        "catalyseurs-titre",
        false,
    );
    let niveaux = Niveau::ALL
        .iter()
        .map(|n| (n.slug(), l.t(&format!("niveau-{}", n.slug()))))
        .collect();
    let catalyseurs = list
        .into_iter()
        .map(|c| LigneCatalyseur {
            retirer: l.tr.ta(
                "catalyseurs-retirer",
                &[("email", &c.email), ("territoire", &c.territoire)],
            ),
            href: format!("/territoires/{}/{}", c.niveau.slug(), c.code),
            niveau: c.niveau.slug(),
            email: c.email,
            territoire: c.territoire,
            code: c.code,
        })
        .collect();
    let has_error = erreur.is_some();
    let mut res = render(&CatalyseursPage {
        layout: l,
        erreur,
        niveaux,
        catalyseurs,
    })?;
    if has_error {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `/admin/catalyseurs`: moderators grant and withdraw the per-territory catalyseur role.
pub async fn catalyseurs(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    catalyseurs_page(&state, &visitor, None).await
}

pub async fn catalyseurs_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    if !csrf_ok(&headers, &visitor, get("_csrf")) {
        return Err(PageError::Forbidden);
    }
    let Some(actor) = visitor.user() else {
        return Err(PageError::Forbidden);
    };
    let niveau = Niveau::from_slug(get("niveau")).ok_or(PageError::BadRequest)?;
    let grant = match get("action") {
        "attribuer" => true,
        "retirer" => false,
        _ => return Err(PageError::BadRequest),
    };
    match state
        .app
        .set_catalyseur(actor, get("email"), niveau, get("code"), grant)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/catalyseurs").into_response()),
        Err(CatalyseurError::Forbidden) => Err(PageError::Forbidden),
        Err(CatalyseurError::App(e)) => Err(e.into()),
        Err(e) => catalyseurs_page(&state, &visitor, Some(e.to_string())).await,
    }
}
