//! The admin area. Every handler asks the policy first.

use super::{render, PageError};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::state::AppState;
use crate::visiteur::Visitor;
use alliances_app::politique::{can, Action};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    resume: String,
    utilisateurs: Vec<(String, String, String, String)>,
}

pub async fn admin(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    if !can(visitor.user(), Action::Administrer) {
        return Err(PageError::Forbidden);
    }
    let mut l = Layout::new(&state, &visitor, "/admin", "admin", String::new());
    l.title = l.t("admin-titre");
    let crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    let l = l.with_crumbs(crumbs);
    let (total, list) = state.app.users_overview(200).await?;
    let rows = list
        .into_iter()
        .map(|u| {
            (
                u.name,
                u.email,
                l.t(if u.verified { "oui" } else { "non" }),
                u.roles.join(", "),
            )
        })
        .collect();
    let page = AdminPage {
        resume: l.tr.ta(
            "admin-nombre-utilisateurs",
            &[("n", &l.tr.nombre(total as u64))],
        ),
        utilisateurs: rows,
        layout: l,
    };
    render(&page)
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
    let mut l = Layout::new(&state, &visitor, "/admin/courriels", "admin", String::new());
    l.title = l.t("admin-courriels");
    let crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("admin-titre"),
            href: Some("/admin".into()),
        },
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    let l = l.with_crumbs(crumbs);
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
