//! The shared watch of support schemes: the user's spaces and the form to open one
//! (`/ingenieries/veille`), a space with its member schemes, sessions, watch items filtered by
//! territory and domain, and comments (`/ingenieries/veille/{id}`). Members only: others get 404.

use super::formulaires::erreurs_de;
use super::formulaires::{check, form, tous, un};
use super::{render, PageError};
use crate::alliances_view::lbl;
use crate::annuaire_view::date_jour;
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::territoire_view::territoire_de;
use crate::visiteur::Visitor;
use alliances_app::ingenieries::IngenierieError;
use alliances_domain::annuaire::Lieu;
use alliances_domain::ingenieries::veille::{Domaine, ElementSaisie, Genre};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

fn layout(state: &AppState, visitor: &Visitor, path: &str, title: String) -> Layout {
    let mut l = Layout::new(state, visitor, path, "ingenieries", title);
    let mut crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("ingenieries-titre"),
            href: Some("/ingenieries".into()),
        },
    ];
    if path != "/ingenieries/veille" {
        crumbs.push(Crumb {
            label: l.t("veille-titre"),
            href: Some("/ingenieries/veille".into()),
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
#[template(path = "veilles.html")]
struct ListePage {
    layout: Layout,
    veilles: Vec<(i64, String, String)>,
    dispositifs: Vec<(i64, String)>,
    erreurs: Vec<(String, String)>,
}

async fn page_liste(
    state: &AppState,
    visitor: &Visitor,
    erreurs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let tr = state.tr(visitor.lang);
    let veilles = state
        .app
        .mes_veilles(user)
        .await?
        .into_iter()
        .map(|v| (v.id, v.titre, date_jour(v.cree_le, &tr)))
        .collect();
    let dispositifs = state.app.dispositifs_geres(user).await?;
    let statut = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let l = layout(state, visitor, "/ingenieries/veille", tr.t("veille-titre"));
    let mut r = render(&ListePage {
        layout: l,
        veilles,
        dispositifs,
        erreurs,
    })?;
    *r.status_mut() = statut;
    Ok(r)
}

/// `GET /ingenieries/veille`
pub async fn liste(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    if visitor.user().is_none() {
        return Ok(Redirect::to("/compte/connexion?suite=/ingenieries/veille").into_response());
    }
    page_liste(&state, &visitor, Vec::new()).await
}

/// `POST /ingenieries/veille`: opens a space.
pub async fn creer(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let dispositif = un(&f, "dispositif").parse::<i64>().unwrap_or(0);
    match state
        .app
        .creer_veille(user, un(&f, "titre"), un(&f, "description"), dispositif)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/ingenieries/veille/{id}")).into_response()),
        Err(IngenierieError::Invalide(e)) => page_liste(&state, &visitor, erreurs_de(e)).await,
        Err(e) => Err(e.into()),
    }
}

/// A watch item on the page.
pub struct LigneElement {
    pub id: i64,
    pub genre: String,
    pub titre: String,
    pub texte: String,
    pub lien: Option<String>,
    pub territoires: String,
    pub domaines: String,
    pub par: String,
    /// (author, date, text)
    pub commentaires: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "veille.html")]
struct VeillePage {
    layout: Layout,
    id: i64,
    description: String,
    membres: Vec<(i64, String)>,
    /// (date, author, notes, decisions)
    seances: Vec<(String, String, String, String)>,
    elements: Vec<LigneElement>,
    total_elements: usize,
    territoire: String,
    domaines: Vec<(String, String, bool)>,
    genres: Vec<(String, String)>,
    tous_domaines: Vec<(String, String)>,
    erreurs: Vec<(String, String)>,
}

async fn page_veille(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    filtre: (Option<String>, Option<Domaine>),
    erreurs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let user = visitor.user().ok_or(PageError::NotFound)?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let v = state.app.veille(user, id).await?;
    let tr = state.tr(visitor.lang);
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let total_elements = v.elements.len();
    let filtre_lieu = filtre.0.as_deref().and_then(Lieu::parse_cle);
    let elements = v
        .elements
        .iter()
        .filter(|(e, _)| {
            filtre_lieu.as_ref().is_none_or(|l| {
                state
                    .app
                    .element_concerne(&e.element.territoires, (l.niveau, &l.code))
            })
        })
        .filter(|(e, _)| filtre.1.is_none_or(|d| e.element.domaines.contains(&d)))
        .map(|(e, c)| LigneElement {
            id: e.id,
            genre: lbl(e.element.genre.label_fr(), e.element.genre.label_en(), &tr),
            titre: e.element.titre.clone(),
            texte: e.element.texte.clone(),
            lien: e.element.lien.clone(),
            territoires: crate::territoire_view::lieux(&e.element.territoires, r),
            domaines: e
                .element
                .domaines
                .iter()
                .map(|d| lbl(d.label_fr(), d.label_en(), &tr))
                .collect::<Vec<_>>()
                .join(", "),
            par: format!(
                "{} · {}",
                e.auteur.clone().unwrap_or_default(),
                date_jour(e.cree_le, &tr)
            ),
            commentaires: c
                .iter()
                .map(|c| {
                    (
                        c.auteur.clone().unwrap_or_default(),
                        date_jour(c.cree_le, &tr),
                        c.texte.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    let statut = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let l = layout(
        state,
        visitor,
        &format!("/ingenieries/veille/{id}"),
        v.veille.titre.clone(),
    );
    let mut res = render(&VeillePage {
        layout: l,
        id,
        description: v.veille.description.clone(),
        membres: v.membres.clone(),
        seances: v
            .seances
            .iter()
            .map(|s| {
                (
                    s.date.clone(),
                    s.auteur.clone().unwrap_or_default(),
                    s.notes.clone(),
                    s.decisions.clone(),
                )
            })
            .collect(),
        elements,
        total_elements,
        territoire: filtre.0.unwrap_or_default(),
        domaines: std::iter::once((
            String::new(),
            tr.t("veille-tous-domaines"),
            filtre.1.is_none(),
        ))
        .chain(Domaine::ALL.iter().map(|d| {
            (
                d.slug().to_string(),
                lbl(d.label_fr(), d.label_en(), &tr),
                Some(*d) == filtre.1,
            )
        }))
        .collect(),
        genres: Genre::ALL
            .iter()
            .map(|g| (g.slug().to_string(), lbl(g.label_fr(), g.label_en(), &tr)))
            .collect(),
        tous_domaines: Domaine::ALL
            .iter()
            .map(|d| (d.slug().to_string(), lbl(d.label_fr(), d.label_en(), &tr)))
            .collect(),
        erreurs,
    })?;
    *res.status_mut() = statut;
    Ok(res)
}

/// `GET /ingenieries/veille/{id}?territoire=…&domaine=…`
pub async fn veille(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["territoire", "domaine", "lang"])
        .map_err(|_| PageError::BadRequest)?;
    let territoires = state.app.territoires();
    let territoire = match params
        .text("territoire")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(t) => Some(
            territoire_de(t, &territoires.referentiel)
                .ok_or(PageError::BadRequest)?
                .0,
        ),
    };
    let domaine = match params
        .text("domaine")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(d) => Some(Domaine::from_slug(d).ok_or(PageError::BadRequest)?),
    };
    page_veille(&state, &visitor, &id, (territoire, domaine), Vec::new()).await
}

async fn apres(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    res: Result<i64, IngenierieError>,
    ancre: &str,
) -> Result<Response, PageError> {
    match res {
        Ok(_) => Ok(Redirect::to(&format!("/ingenieries/veille/{id}#{ancre}")).into_response()),
        Err(IngenierieError::Invalide(e)) => {
            page_veille(state, visitor, id, (None, None), erreurs_de(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /ingenieries/veille/{id}/membres`
pub async fn membre(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let vid: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let d = un(&f, "dispositif")
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .unwrap_or(0);
    let res = state
        .app
        .ajouter_membre_veille(user, vid, d)
        .await
        .map(|()| d);
    apres(&state, &visitor, &id, res, "membres").await
}

/// `POST /ingenieries/veille/{id}/seances`
pub async fn seance(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let vid: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let res = state
        .app
        .ajouter_seance(
            user,
            vid,
            un(&f, "date"),
            un(&f, "notes"),
            un(&f, "decisions"),
        )
        .await;
    apres(&state, &visitor, &id, res, "seances").await
}

/// `POST /ingenieries/veille/{id}/elements`
pub async fn element(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let vid: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let s = ElementSaisie {
        genre: un(&f, "genre").to_string(),
        titre: un(&f, "titre").to_string(),
        texte: un(&f, "texte").to_string(),
        lien: Some(un(&f, "lien").to_string()),
        territoires: tous(&f, "territoires").map(String::from).collect(),
        domaines: tous(&f, "domaines").map(String::from).collect(),
    };
    let res = state.app.ajouter_element(user, vid, &s).await;
    apres(&state, &visitor, &id, res, "elements").await
}

/// `POST /ingenieries/veille/{id}/elements/{eid}/commentaires`
pub async fn commentaire(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, eid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let eid: i64 = eid.parse().map_err(|_| PageError::NotFound)?;
    let res = state
        .app
        .commenter_element(user, eid, un(&f, "texte"))
        .await;
    apres(&state, &visitor, &id, res, &format!("element-{eid}")).await
}
