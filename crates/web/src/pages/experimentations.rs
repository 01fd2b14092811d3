//! Experimentation files (« droit d'alliance d'intérêt général »): the public register, a file's
//! page with its steps and the step form for those who may take one, the draft form of the
//! alliance's backbone.

use super::formulaires::erreurs_de;
use super::{render, PageError};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::form_urlencoded_pairs;
use crate::state::AppState;
use crate::visiteur::{csrf_ok, Visitor};
use alliances_app::alliances::experimentations::DossierVue;
use alliances_app::alliances::experimentations::FicheDossier;
use alliances_app::alliances::AllianceError;
use alliances_domain::alliances::experimentation::DossierSaisie;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

fn layout(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title: String,
    parent: Option<(String, String)>,
) -> Layout {
    let mut l = Layout::new(state, visitor, path, "alliances", title);
    let mut crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("experimentations-titre"),
            href: Some("/experimentations".into()),
        },
    ];
    if let Some((label, href)) = parent {
        crumbs.push(Crumb {
            label,
            href: Some(href),
        });
    }
    if path != "/experimentations" {
        crumbs.push(Crumb {
            label: l.title.clone(),
            href: None,
        });
    } else {
        crumbs.pop();
        crumbs.push(Crumb {
            label: l.title.clone(),
            href: None,
        });
    }
    l.breadcrumb = crumbs;
    l
}

fn form(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded_pairs(&String::from_utf8_lossy(body))
}

fn champ<'a>(f: &'a [(String, String)], nom: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == nom)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn check(headers: &HeaderMap, visitor: &Visitor, f: &[(String, String)]) -> Result<(), PageError> {
    if csrf_ok(headers, visitor, champ(f, "_csrf")) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

fn territoires_txt(f: &FicheDossier) -> String {
    f.dossier
        .territoires
        .iter()
        .map(|l| l.cle())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One file of the register.
struct LigneRegistre {
    id: i64,
    titre: String,
    alliance: i64,
    alliance_nom: String,
    etat: String,
    territoires: String,
    duree: u32,
    date: String,
}

#[derive(Template)]
#[template(path = "experimentations.html")]
struct RegistrePage {
    layout: Layout,
    lignes: Vec<LigneRegistre>,
}

/// `GET /experimentations`: the public register.
pub async fn registre(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let l = layout(
        &state,
        &visitor,
        "/experimentations",
        tr.t("experimentations-titre"),
        None,
    );
    let lignes = state
        .app
        .registre_experimentations()
        .await?
        .into_iter()
        .map(|f| LigneRegistre {
            id: f.id,
            titre: f.dossier.titre.clone(),
            alliance: f.alliance_id,
            alliance_nom: f.alliance_nom.clone(),
            etat: f.etat.label_fr().to_string(),
            territoires: territoires_txt(&f),
            duree: f.dossier.duree_mois,
            date: crate::annuaire_view::date_jour(f.modifie_le, &l.tr),
        })
        .collect();
    render(&RegistrePage { layout: l, lignes })
}

#[derive(Template)]
#[template(path = "experimentation.html")]
struct DossierPage {
    layout: Layout,
    vue: DossierVue,
    territoires: String,
    criteres: Vec<String>,
    /// date, from, to, who, comment
    etapes: Vec<(String, String, String, String, String)>,
    possibles: Vec<(String, String)>,
    erreurs: Vec<(String, String)>,
}

async fn page_dossier(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    erreurs: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let vue = state.app.dossier(visitor.user(), id).await?;
    let alliance = state
        .app
        .alliance(visitor.user(), vue.fiche.alliance_id)
        .await
        .ok();
    let criteres = vue
        .fiche
        .dossier
        .criteres
        .iter()
        .map(|c| {
            alliance
                .as_ref()
                .and_then(|a| a.indicateurs.iter().find(|i| i.fiche.id == *c))
                .map(|i| i.fiche.indicateur.nom.clone())
                .unwrap_or_else(|| format!("indicateur {c}"))
        })
        .collect();
    let tr = state.tr(visitor.lang);
    let etapes = vue
        .etapes
        .iter()
        .map(|e| {
            (
                crate::annuaire_view::date_jour(e.le, &tr),
                e.de.label_fr().to_string(),
                e.vers.label_fr().to_string(),
                e.par_nom.clone().unwrap_or_default(),
                e.commentaire.clone(),
            )
        })
        .collect();
    let l = layout(
        state,
        visitor,
        &format!("/experimentations/{id}"),
        vue.fiche.dossier.titre.clone(),
        None,
    );
    let mut res = render(&DossierPage {
        layout: l,
        territoires: territoires_txt(&vue.fiche),
        possibles: vue
            .possibles
            .iter()
            .map(|e| (e.slug().to_string(), e.label_fr().to_string()))
            .collect(),
        criteres,
        etapes,
        vue,
        erreurs,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /experimentations/{id}`.
pub async fn dossier(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    page_dossier(&state, &visitor, id, vec![], StatusCode::OK).await
}

/// `POST /experimentations/{id}/etape`: takes a step of the workflow.
pub async fn etape(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let version: i64 = champ(&f, "version")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    match state
        .app
        .faire_avancer_dossier(
            user,
            id,
            version,
            champ(&f, "vers"),
            champ(&f, "commentaire"),
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/experimentations/{id}")).into_response()),
        Err(AllianceError::Invalide(e)) => {
            page_dossier(
                &state,
                &visitor,
                id,
                erreurs_de(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AllianceError::Refus(m)) => {
            page_dossier(
                &state,
                &visitor,
                id,
                vec![("vers".into(), m)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AllianceError::Conflit) => {
            page_dossier(
                &state,
                &visitor,
                id,
                vec![(
                    "vers".into(),
                    "le dossier a changé d'étape entre-temps : relisez-le avant de décider".into(),
                )],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "experimentation_form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    s: DossierSaisie,
    territoires: String,
    duree: String,
    /// id, name, chosen
    indicateurs: Vec<(i64, String, bool)>,
    version: String,
    erreurs: Vec<(String, String)>,
}

impl FormPage {
    fn erreur(&self, champ: &str) -> Option<&str> {
        self.erreurs
            .iter()
            .find(|(c, _)| c == champ)
            .map(|(_, m)| m.as_str())
    }
}

fn lire(f: &[(String, String)]) -> DossierSaisie {
    DossierSaisie {
        titre: champ(f, "titre").to_string(),
        hypothese: champ(f, "hypothese").to_string(),
        regles: champ(f, "regles").to_string(),
        territoires: champ(f, "territoires")
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        duree_mois: champ(f, "dureeMois").trim().parse().ok(),
        protocole: champ(f, "protocole").to_string(),
        criteres: f
            .iter()
            .filter(|(k, _)| k == "criteres")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn page_form(
    state: &AppState,
    visitor: &Visitor,
    alliance: i64,
    action: String,
    s: DossierSaisie,
    duree: String,
    version: String,
    erreurs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let vue = state.app.alliance(visitor.user(), alliance).await?;
    if !vue.acteur.est_backbone() {
        return Err(PageError::Forbidden);
    }
    let tr = state.tr(visitor.lang);
    let titre = if version.is_empty() {
        tr.t("experimentations-nouveau")
    } else {
        tr.t("experimentations-modifier")
    };
    let l = layout(
        state,
        visitor,
        &action,
        titre,
        Some((
            vue.fiche.alliance.nom.clone(),
            format!("/alliances/{alliance}"),
        )),
    );
    let status = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&FormPage {
        layout: l,
        action,
        territoires: s.territoires.join(", "),
        indicateurs: vue
            .indicateurs
            .iter()
            .map(|i| {
                (
                    i.fiche.id,
                    i.fiche.indicateur.nom.clone(),
                    s.criteres.contains(&i.fiche.id),
                )
            })
            .collect(),
        s,
        duree,
        version,
        erreurs,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /alliances/{id}/experimentations/nouvelle`.
pub async fn nouveau(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(alliance): Path<i64>,
) -> Result<Response, PageError> {
    if visitor.user().is_none() {
        return Ok(Redirect::to("/compte/connexion").into_response());
    }
    page_form(
        &state,
        &visitor,
        alliance,
        format!("/alliances/{alliance}/experimentations/nouvelle"),
        DossierSaisie::default(),
        String::new(),
        String::new(),
        vec![],
    )
    .await
}

/// `POST /alliances/{id}/experimentations/nouvelle`.
pub async fn nouveau_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(alliance): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let s = lire(&f);
    match state.app.creer_dossier(user, alliance, &s).await {
        Ok(id) => Ok(Redirect::to(&format!("/experimentations/{id}")).into_response()),
        Err(AllianceError::Invalide(e)) => {
            let duree = champ(&f, "dureeMois").to_string();
            page_form(
                &state,
                &visitor,
                alliance,
                format!("/alliances/{alliance}/experimentations/nouvelle"),
                s,
                duree,
                String::new(),
                erreurs_de(e),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /experimentations/{id}/modifier` (drafts, backbone).
pub async fn modifier(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let vue = state.app.dossier(visitor.user(), id).await?;
    if !vue.modifiable {
        return Err(PageError::Forbidden);
    }
    let d = &vue.fiche.dossier;
    let s = DossierSaisie {
        titre: d.titre.clone(),
        hypothese: d.hypothese.clone(),
        regles: d.regles.clone(),
        territoires: d.territoires.iter().map(|l| l.cle()).collect(),
        duree_mois: Some(d.duree_mois),
        protocole: d.protocole.clone(),
        criteres: d.criteres.clone(),
    };
    page_form(
        &state,
        &visitor,
        vue.fiche.alliance_id,
        format!("/experimentations/{id}/modifier"),
        s,
        d.duree_mois.to_string(),
        vue.fiche.version.to_string(),
        vec![],
    )
    .await
}

/// `POST /experimentations/{id}/modifier`.
pub async fn modifier_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let version: i64 = champ(&f, "version")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let s = lire(&f);
    let alliance = state.app.dossier(Some(user), id).await?.fiche.alliance_id;
    let erreurs = match state.app.modifier_dossier(user, id, version, &s).await {
        Ok(()) => return Ok(Redirect::to(&format!("/experimentations/{id}")).into_response()),
        Err(AllianceError::Invalide(e)) => erreurs_de(e),
        Err(AllianceError::Conflit) => vec![("titre".into(), AllianceError::Conflit.to_string())],
        Err(AllianceError::Refus(m)) => vec![("titre".into(), m)],
        Err(e) => return Err(e.into()),
    };
    let duree = champ(&f, "dureeMois").to_string();
    page_form(
        &state,
        &visitor,
        alliance,
        format!("/experimentations/{id}/modifier"),
        s,
        duree,
        version.to_string(),
        erreurs,
    )
    .await
}
