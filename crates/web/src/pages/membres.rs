//! Managing an organisation's team: members and their roles, invitations by e-mail (the link
//! `/invitations/{token}` is accepted by the invited account), removal, and the organisation's
//! audit trail — for its owners and the platform admins.

use super::{render, PageError};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::state::AppState;
use crate::visiteur::{csrf_ok, Visitor};
use alliances_app::annuaire::membres::{Equipe, InvitationError};
use alliances_app::annuaire::AnnuaireError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use std::collections::HashMap;

type Champs = HashMap<String, String>;

fn map_err(e: AnnuaireError) -> PageError {
    e.into()
}

fn check(headers: &HeaderMap, visitor: &Visitor, f: &Champs) -> Result<(), PageError> {
    if csrf_ok(
        headers,
        visitor,
        f.get("_csrf").map(String::as_str).unwrap_or(""),
    ) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

fn layout(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title: String,
    org: Option<(i64, &str)>,
) -> Layout {
    let mut l = Layout::new(state, visitor, path, "annuaire", title);
    let mut crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("annuaire-titre"),
            href: Some("/annuaire".into()),
        },
    ];
    if let Some((id, nom)) = org {
        crumbs.push(Crumb {
            label: nom.to_string(),
            href: Some(format!("/organisations/{id}")),
        });
    }
    crumbs.push(Crumb {
        label: l.title.clone(),
        href: None,
    });
    l.breadcrumb = crumbs;
    l
}

#[derive(Template)]
#[template(path = "membres.html")]
struct MembresPage {
    layout: Layout,
    id: i64,
    equipe: Equipe,
    roles: Vec<(String, String)>,
    erreurs: Vec<(String, String)>,
    message: Option<String>,
}

impl MembresPage {
    fn date(&self, ts: &i64) -> String {
        crate::annuaire_view::date_jour(*ts, &self.layout.tr)
    }
    fn role_label(&self, slug: &str) -> String {
        alliances_app::politique::RoleOrganisation::from_slug(slug)
            .map(|r| r.label_fr().to_string())
            .unwrap_or_else(|| slug.to_string())
    }
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    erreurs: Vec<(String, String)>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let equipe = state.app.equipe(user, id).await.map_err(map_err)?;
    let l = layout(
        state,
        visitor,
        &format!("/organisations/{id}/membres"),
        visitor_title(state, visitor, "membres-titre"),
        Some((id, &equipe.nom)),
    );
    let status = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&MembresPage {
        roles: vec![
            ("editeur".into(), l.t("membres-role-editeur")),
            ("proprietaire".into(), l.t("membres-role-proprietaire")),
        ],
        layout: l,
        id,
        equipe,
        erreurs,
        message,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

fn visitor_title(state: &AppState, visitor: &Visitor, key: &str) -> String {
    state.tr(visitor.lang).t(key)
}

/// `GET /organisations/{id}/membres`.
pub async fn membres(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    page(&state, &visitor, id, vec![], None).await
}

/// `POST /organisations/{id}/membres`: sends an invitation.
pub async fn inviter(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    state
        .app
        .limiter
        .hit(
            &format!("invitation:{}", user.id),
            alliances_app::limites::CONTACT_PER_IP,
            alliances_app::now(),
        )
        .map_err(PageError::TooMany)?;
    let email = f.get("email").map(String::as_str).unwrap_or("");
    let role = f.get("role").map(String::as_str).unwrap_or("");
    match state
        .app
        .inviter(user, id, email, role, &state.public_url)
        .await
    {
        Ok(()) => {
            let msg = state
                .tr(visitor.lang)
                .ta("membres-invitation-envoyee", &[("email", email.trim())]);
            page(&state, &visitor, id, vec![], Some(msg)).await
        }
        Err(AnnuaireError::Invalide(e)) => {
            let e = e
                .into_iter()
                .map(|x| (x.champ.to_string(), x.message))
                .collect();
            page(&state, &visitor, id, e, None).await
        }
        Err(e) => Err(map_err(e)),
    }
}

/// `POST /organisations/{id}/membres/{user}/retrait`.
pub async fn retirer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, membre)): Path<(i64, i64)>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    match state.app.retirer_membre(user, id, membre).await {
        Ok(()) => Ok(Redirect::to(&format!("/organisations/{id}/membres")).into_response()),
        Err(AnnuaireError::Refus(m)) => {
            page(&state, &visitor, id, vec![("membre".into(), m)], None).await
        }
        Err(e) => Err(map_err(e)),
    }
}

/// `GET /organisations/{id}/journal`: the organisation's audit trail (owners, admins).
pub async fn journal(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let (nom, entries) = state
        .app
        .journal_organisation(user, id)
        .await
        .map_err(map_err)?;
    let l = layout(
        &state,
        &visitor,
        &format!("/organisations/{id}/journal"),
        visitor_title(&state, &visitor, "journal-organisation-titre"),
        Some((id, &nom)),
    );
    let entrees = super::admin::lignes_journal(entries, &l);
    render(&super::admin::JournalPage {
        layout: l,
        entrees,
        suivant: None,
    })
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    layout: Layout,
    paragraphes: Vec<String>,
    peut_accepter: bool,
    liens: Vec<(String, String)>,
}

/// `GET /invitations/{token}`: what the invitation is about; a button accepts it (mail scanners
/// that follow links consume nothing).
pub async fn invitation(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let path = format!("/invitations/{token}");
    let (paragraphes, peut_accepter, liens, status) = match state.app.invitation(&token).await {
        Ok(v) => {
            let mut p = vec![tr.ta(
                "invitation-texte",
                &[
                    ("organisation", &v.organisation),
                    ("role", v.role.label_fr()),
                    ("email", &v.email),
                ],
            )];
            let ok = match visitor.user() {
                Some(u) if u.email == v.email => true,
                Some(_) => {
                    p.push(tr.ta("invitation-autre-compte", &[("email", &v.email)]));
                    false
                }
                None => {
                    p.push(tr.ta("invitation-connexion", &[("email", &v.email)]));
                    false
                }
            };
            let liens = if visitor.user().is_none() {
                vec![
                    (tr.t("nav-connexion"), "/compte/connexion".to_string()),
                    (tr.t("nav-inscription"), "/compte/inscription".to_string()),
                ]
            } else {
                vec![]
            };
            (p, ok, liens, StatusCode::OK)
        }
        Err(InvitationError::Refusee(why)) => (
            vec![tr.ta("invitation-refusee", &[("raison", why)])],
            false,
            vec![],
            StatusCode::BAD_REQUEST,
        ),
        Err(InvitationError::Annuaire(e)) => return Err(map_err(e)),
        Err(e) => (vec![e.to_string()], false, vec![], StatusCode::BAD_REQUEST),
    };
    let l = layout(&state, &visitor, &path, tr.t("invitation-titre"), None);
    let mut res = render(&InvitationPage {
        layout: l,
        paragraphes,
        peut_accepter,
        liens,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `POST /invitations/{token}`: accepts it.
pub async fn accepter(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    match state.app.accepter_invitation(user, &token).await {
        Ok(id) => Ok(Redirect::to(&format!("/organisations/{id}")).into_response()),
        Err(InvitationError::Annuaire(e)) => Err(map_err(e)),
        Err(_) => invitation(State(state), visitor, Path(token)).await,
    }
}
