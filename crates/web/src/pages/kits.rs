//! Kit pages: the list, a kit's presentation and how to start it, taking it one section per
//! page (anonymously: the answers travel in the form, nothing is stored; signed in: saved at
//! every page and by the autosave script), the results, a group's synthesis, one's results.

use super::{render, PageError};
use crate::kits_view::{
    self, champs_du_formulaire, ChampQuestion, EcartVue, Radar, ResultatAffiche,
};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::form_urlencoded_pairs;
use crate::state::AppState;
use crate::visiteur::{csrf_ok, Visitor};
use alliances_app::kits::{KitError, PassationVue, Sujet, SyntheseVue};
use alliances_domain::kits::{ErreurReponse, Kit, Public, Reponses};
use alliances_domain::territoires::Niveau;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::Arc;

impl From<KitError> for PageError {
    fn from(e: KitError) -> Self {
        match e {
            KitError::KitInconnu | KitError::Introuvable => PageError::NotFound,
            KitError::Interdit => PageError::Forbidden,
            KitError::App(a) => a.into(),
            other => {
                tracing::warn!(error = %other, "kit request refused");
                PageError::BadRequest
            }
        }
    }
}

fn layout(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title: String,
    kit: Option<&Kit>,
) -> Layout {
    let mut l = Layout::new(state, visitor, path, "kits", title);
    let mut crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("kits-titre"),
            href: Some("/kits".into()),
        },
    ];
    if let Some(k) = kit {
        if l.title != k.titre {
            crumbs.push(Crumb {
                label: k.titre.clone(),
                href: Some(format!("/kits/{}", k.id)),
            });
        }
    }
    crumbs.push(Crumb {
        label: l.title.clone(),
        href: None,
    });
    l.breadcrumb = crumbs;
    l
}

fn form(body: &Bytes) -> Vec<(String, String)> {
    form_urlencoded_pairs(&String::from_utf8_lossy(body))
}

fn champ<'a>(f: &'a [(String, String)], nom: &str) -> Option<&'a str> {
    f.iter().find(|(k, _)| k == nom).map(|(_, v)| v.as_str())
}

fn check(headers: &HeaderMap, visitor: &Visitor, f: &[(String, String)]) -> Result<(), PageError> {
    if csrf_ok(headers, visitor, champ(f, "_csrf").unwrap_or("")) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

fn erreurs_vues(e: &[ErreurReponse]) -> Vec<(String, String)> {
    e.iter()
        .map(|e| (e.question.clone(), e.message.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The list and one kit.

#[derive(Template)]
#[template(path = "kits.html")]
struct ListePage {
    layout: Layout,
    kits: Vec<Arc<Kit>>,
}

/// `GET /kits`.
pub async fn liste(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    let l = layout(
        &state,
        &visitor,
        "/kits",
        state.tr(visitor.lang).t("kits-titre"),
        None,
    );
    let kits = state.app.kits().derniers().cloned().collect();
    render(&ListePage { layout: l, kits })
}

#[derive(Template)]
#[template(path = "kit.html")]
struct KitPage {
    layout: Layout,
    kit: Arc<Kit>,
    versions: Vec<u32>,
    connecte: bool,
    /// `(value, label)` of the subjects the user may take it for.
    sujets: Vec<(String, String)>,
    en_groupe: bool,
    /// The user's passations of this kit: key, label, completed.
    miennes: Vec<(String, String, bool)>,
    erreurs: Vec<(String, String)>,
}

async fn page_kit(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    erreurs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let kit = state
        .app
        .kits()
        .dernier(id)
        .cloned()
        .ok_or(PageError::NotFound)?;
    let l = layout(
        state,
        visitor,
        &format!("/kits/{id}"),
        kit.titre.clone(),
        Some(&kit),
    );
    let mut sujets = Vec::new();
    let mut miennes = Vec::new();
    if let Some(user) = visitor.user() {
        sujets.push(("personnel".to_string(), l.t("kits-sujet-personnel")));
        match kit.public {
            Public::Organisation => {
                for (oid, nom, _) in state
                    .app
                    .mes_organisations(user)
                    .await
                    .map_err(|_| PageError::Internal)?
                {
                    sujets.push((format!("organisation:{oid}"), nom));
                }
            }
            Public::Territoire => {
                for c in state.app.catalyseur_of(user).await? {
                    sujets.push((
                        format!("territoire:{}:{}", c.niveau.slug(), c.code),
                        c.territoire,
                    ));
                }
            }
            _ => {}
        }
        for (p, nom) in state
            .app
            .mes_passations(user)
            .await?
            .into_iter()
            .filter(|(p, _)| p.kit_id == kit.id)
        {
            let quand = crate::annuaire_view::date_jour(p.updated_at, &l.tr);
            let pour = if nom.is_empty() {
                l.t("kits-sujet-personnel")
            } else {
                nom
            };
            miennes.push((
                p.cle,
                format!("{pour} — {quand} (v{})", p.kit_version),
                p.terminee_at.is_some(),
            ));
        }
    }
    let status = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&KitPage {
        layout: l,
        versions: state.app.kits().versions(id),
        connecte: visitor.user().is_some(),
        en_groupe: matches!(kit.public, Public::Partenariat | Public::Alliance),
        kit,
        sujets,
        miennes,
        erreurs,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /kits/{id}`.
pub async fn kit(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    page_kit(&state, &visitor, &id, vec![]).await
}

fn lire_sujet(v: &str) -> Option<Sujet> {
    if v == "personnel" {
        return Some(Sujet::Personnel);
    }
    let (t, reste) = v.split_once(':')?;
    match t {
        "organisation" => reste.parse().ok().map(Sujet::Organisation),
        "territoire" => {
            let (n, c) = reste.split_once(':')?;
            Some(Sujet::Territoire(Niveau::from_slug(n)?, c.to_string()))
        }
        _ => None,
    }
}

/// `POST /kits/{id}/passations`: starts a stored passation.
pub async fn commencer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let Some(sujet) = champ(&f, "sujet").and_then(lire_sujet) else {
        return page_kit(
            &state,
            &visitor,
            &id,
            vec![(
                "sujet".into(),
                "choisissez pour qui vous passez ce kit".into(),
            )],
        )
        .await;
    };
    match state.app.commencer_kit(user, &id, sujet).await {
        Ok(cle) => Ok(Redirect::to(&format!("/kits/{id}/passation/{cle}")).into_response()),
        Err(KitError::Refus(m)) => page_kit(&state, &visitor, &id, vec![("sujet".into(), m)]).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /kits/{id}/groupes`: creates a group of partners and starts the creator's passation.
pub async fn creer_groupe(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    match state
        .app
        .creer_groupe(user, &id, champ(&f, "titre").unwrap_or(""))
        .await
    {
        Ok((cle, jeton)) => {
            Ok(Redirect::to(&format!("/kits/groupes/{cle}?lien={jeton}")).into_response())
        }
        Err(KitError::Reponses(e)) => page_kit(&state, &visitor, &id, erreurs_vues(&e)).await,
        Err(KitError::Refus(m)) => page_kit(&state, &visitor, &id, vec![("titre".into(), m)]).await,
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Taking a kit.

#[derive(Template)]
#[template(path = "kit_passation.html")]
struct PassationPage {
    layout: Layout,
    kit: Arc<Kit>,
    action: String,
    section: usize,
    nb_sections: usize,
    section_titre: String,
    introduction: Option<String>,
    champs: Vec<ChampQuestion>,
    erreurs: Vec<(String, String)>,
    /// Anonymous: the answers of the other sections (JSON), carried by the form.
    etat: Option<String>,
    pour: String,
    message: Option<String>,
}

impl PassationPage {
    fn derniere(&self) -> bool {
        self.section + 1 == self.nb_sections
    }
    fn numero(&self) -> usize {
        self.section + 1
    }
}

#[allow(clippy::too_many_arguments)]
fn page_section(
    state: &AppState,
    visitor: &Visitor,
    kit: &Arc<Kit>,
    action: String,
    section: usize,
    reponses: &Reponses,
    saisies: Option<&[(String, Vec<String>)]>,
    erreurs: Vec<(String, String)>,
    etat: Option<String>,
    pour: String,
    message: Option<String>,
) -> Result<Response, PageError> {
    let s = &kit.sections[section];
    let l = layout(
        state,
        visitor,
        &action,
        format!("{} — {}", kit.titre, s.titre),
        Some(kit),
    );
    let status = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&PassationPage {
        champs: kits_view::champs_section(kit, section, reponses, saisies, &erreurs),
        layout: l,
        kit: Arc::clone(kit),
        action,
        section,
        nb_sections: kit.sections.len(),
        section_titre: s.titre.clone(),
        introduction: s.introduction.clone(),
        erreurs,
        etat,
        pour,
        message,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct SectionQuery {
    section: Option<usize>,
    enregistre: Option<u8>,
}

/// Where the buttons lead from `section`.
fn suivante(action: &str, section: usize, nb: usize) -> Option<usize> {
    match action {
        "precedent" => Some(section.saturating_sub(1)),
        "suivant" if section + 1 < nb => Some(section + 1),
        "suivant" | "terminer" => None,
        _ => Some(section),
    }
}

/// `GET /kits/{id}/passation/anonyme`: the first section, nothing stored.
pub async fn anonyme(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let kit = state
        .app
        .kits()
        .dernier(&id)
        .cloned()
        .ok_or(PageError::NotFound)?;
    let reponses = Reponses::vides(&kit);
    page_section(
        &state,
        &visitor,
        &kit,
        format!("/kits/{id}/passation/anonyme"),
        0,
        &reponses,
        None,
        vec![],
        Some("{}".into()),
        String::new(),
        None,
    )
}

/// `POST /kits/{id}/passation/anonyme`: the answers so far travel in the form (`etat`, checked
/// again like any input: a tampered field is refused with the reason), the next page or the
/// result is shown, and nothing is stored. No CSRF token: there is nothing to forge.
pub async fn anonyme_suite(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    let version: u32 = champ(&f, "kit_version")
        .and_then(|v| v.parse().ok())
        .ok_or(PageError::BadRequest)?;
    let Some(kit) = state.app.kits().version(&id, version).cloned() else {
        return message(&state, &visitor, "kits-version-inconnue", StatusCode::GONE);
    };
    let section: usize = champ(&f, "section")
        .and_then(|v| v.parse().ok())
        .filter(|s| *s < kit.sections.len())
        .ok_or(PageError::BadRequest)?;
    let etat: serde_json::Map<String, serde_json::Value> =
        match serde_json::from_str(champ(&f, "etat").unwrap_or("")) {
            Ok(m) => m,
            Err(_) => {
                return message(
                    &state,
                    &visitor,
                    "kits-etat-altere",
                    StatusCode::BAD_REQUEST,
                )
            }
        };
    let mut reponses = match kit.lire_reponses_json(&etat) {
        Ok(r) => r,
        Err(_) => {
            return message(
                &state,
                &visitor,
                "kits-etat-altere",
                StatusCode::BAD_REQUEST,
            )
        }
    };
    let action = format!("/kits/{id}/passation/anonyme");
    let saisies = champs_du_formulaire(&f);
    match kit.lire_section(section, &saisies) {
        Ok(lues) => {
            for (q, r) in lues {
                reponses.0[q] = r;
            }
        }
        Err(e) => {
            let etat = serde_json::Value::Object(kit.reponses_json(&reponses)).to_string();
            return page_section(
                &state,
                &visitor,
                &kit,
                action,
                section,
                &reponses,
                Some(&saisies),
                erreurs_vues(&e),
                Some(etat),
                String::new(),
                None,
            );
        }
    }
    let bouton = champ(&f, "action").unwrap_or("suivant");
    let manquantes = if bouton == "precedent" {
        vec![]
    } else {
        kit.manquantes(section, &reponses)
    };
    let etat = serde_json::Value::Object(kit.reponses_json(&reponses)).to_string();
    if !manquantes.is_empty() {
        return page_section(
            &state,
            &visitor,
            &kit,
            action,
            section,
            &reponses,
            Some(&saisies),
            erreurs_vues(&manquantes),
            Some(etat),
            String::new(),
            None,
        );
    }
    match suivante(bouton, section, kit.sections.len()) {
        Some(s) => page_section(
            &state,
            &visitor,
            &kit,
            action,
            s,
            &reponses,
            None,
            vec![],
            Some(etat),
            String::new(),
            None,
        ),
        None => {
            let r = kit.noter(&reponses);
            let tr = state.tr(visitor.lang);
            let affiche = kits_view::resultat_affiche(&kit, &reponses, &r, &[], None, &tr);
            let l = layout(
                &state,
                &visitor,
                &action,
                format!("{} — {}", kit.titre, tr.t("kits-resultats")),
                Some(&kit),
            );
            render(&ResultatPage {
                layout: l,
                kit: Arc::clone(&kit),
                r: affiche,
                anonyme: true,
                pour: String::new(),
                date: String::new(),
                nb_pairs: None,
                historique: vec![],
                comparaison: None,
                impression: false,
                cle: String::new(),
            })
        }
    }
}

fn message(
    state: &AppState,
    visitor: &Visitor,
    cle: &str,
    status: StatusCode,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let l = layout(state, visitor, "/kits", tr.t("kits-titre"), None);
    let mut res = render(&MessagePage::new(l, tr.t(cle)))?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    layout: Layout,
    paragraphes: Vec<String>,
    bouton: Option<(String, String)>,
    liens: Vec<(String, String)>,
}

impl MessagePage {
    fn new(layout: Layout, texte: String) -> Self {
        let liens = vec![(layout.t("kits-retour-liste"), "/kits".to_string())];
        MessagePage {
            layout,
            paragraphes: vec![texte],
            bouton: None,
            liens,
        }
    }
}

fn pour(v: &PassationVue, tr: &crate::i18n::Tr) -> String {
    match &v.sujet {
        Sujet::Personnel => tr.t("kits-sujet-personnel"),
        _ => v.sujet_nom.clone(),
    }
}

/// `GET /kits/{id}/passation/{cle}`: a section of one's passation (`?section=N`, default: where
/// one stopped).
pub async fn passation(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, cle)): Path<(String, String)>,
    Query(q): Query<SectionQuery>,
) -> Result<Response, PageError> {
    let Some(user) = visitor.user() else {
        return Ok(Redirect::to(&format!(
            "/compte/connexion?suite=/kits/{id}/passation/{cle}"
        ))
        .into_response());
    };
    let v = match state.app.passation(user, &cle).await {
        Err(KitError::VersionInconnue { .. }) => {
            return message(&state, &visitor, "kits-version-inconnue", StatusCode::GONE)
        }
        r => r?,
    };
    if v.passation.kit_id != id {
        return Err(PageError::NotFound);
    }
    if v.passation.terminee_at.is_some() {
        return Ok(Redirect::to(&format!("/kits/resultats/{cle}")).into_response());
    }
    let section = q
        .section
        .unwrap_or(v.passation.section_courante as usize)
        .min(v.kit.sections.len() - 1);
    let tr = state.tr(visitor.lang);
    let message = q.enregistre.map(|_| tr.t("kits-enregistre"));
    page_section(
        &state,
        &visitor,
        &v.kit,
        format!("/kits/{id}/passation/{cle}"),
        section,
        &v.reponses,
        None,
        vec![],
        None,
        pour(&v, &tr),
        message,
    )
}

/// `POST /kits/{id}/passation/{cle}`: saves the section, then goes where the button says.
/// The autosave script posts with `action=enregistrer` and gets 204.
pub async fn passation_suite(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, cle)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let v = match state.app.passation(user, &cle).await {
        Err(KitError::VersionInconnue { .. }) => {
            return message(&state, &visitor, "kits-version-inconnue", StatusCode::GONE)
        }
        r => r?,
    };
    if v.passation.kit_id != id {
        return Err(PageError::NotFound);
    }
    if v.passation.terminee_at.is_some() {
        return Ok(Redirect::to(&format!("/kits/resultats/{cle}")).into_response());
    }
    let kit = Arc::clone(&v.kit);
    let section: usize = champ(&f, "section")
        .and_then(|s| s.parse().ok())
        .filter(|s| *s < kit.sections.len())
        .ok_or(PageError::BadRequest)?;
    let bouton = champ(&f, "action").unwrap_or("suivant").to_string();
    let saisies = champs_du_formulaire(&f);
    let action = format!("/kits/{id}/passation/{cle}");
    let tr = state.tr(visitor.lang);
    let cible = suivante(&bouton, section, kit.sections.len());
    let courante = cible.unwrap_or(section);
    let v = match state
        .app
        .enregistrer_section(user, &cle, section, &saisies, courante)
        .await
    {
        Ok(v) => v,
        Err(KitError::Reponses(e)) => {
            if bouton == "enregistrer" {
                return Ok(StatusCode::UNPROCESSABLE_ENTITY.into_response());
            }
            return page_section(
                &state,
                &visitor,
                &kit,
                action,
                section,
                &v.reponses,
                Some(&saisies),
                erreurs_vues(&e),
                None,
                pour(&v, &tr),
                None,
            );
        }
        Err(e) => return Err(e.into()),
    };
    match bouton.as_str() {
        "enregistrer" => return Ok(StatusCode::NO_CONTENT.into_response()),
        "quitter" => return Ok(Redirect::to(&format!("/kits/{id}")).into_response()),
        _ => {}
    }
    if bouton != "precedent" {
        let manquantes = kit.manquantes(section, &v.reponses);
        if !manquantes.is_empty() {
            return page_section(
                &state,
                &visitor,
                &kit,
                action,
                section,
                &v.reponses,
                Some(&saisies),
                erreurs_vues(&manquantes),
                None,
                pour(&v, &tr),
                None,
            );
        }
    }
    match cible {
        Some(s) => Ok(Redirect::to(&format!("{action}?section={s}")).into_response()),
        None => match state.app.terminer_kit(user, &cle).await {
            Ok(c) => Ok(Redirect::to(&format!("/kits/resultats/{c}")).into_response()),
            Err(KitError::Reponses(e)) => {
                // A required question of another section: go there.
                let q = e
                    .first()
                    .and_then(|x| kit.question(&x.question))
                    .unwrap_or(0);
                let s = kit.questions[q].section;
                page_section(
                    &state,
                    &visitor,
                    &kit,
                    action,
                    s,
                    &v.reponses,
                    None,
                    erreurs_vues(&e),
                    None,
                    pour(&v, &tr),
                    None,
                )
            }
            Err(e) => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Results.

#[derive(Template)]
#[template(path = "kit_resultat.html")]
struct ResultatPage {
    layout: Layout,
    kit: Arc<Kit>,
    r: ResultatAffiche,
    anonyme: bool,
    pour: String,
    date: String,
    nb_pairs: Option<usize>,
    /// Other results of the same subject: key, date, overall score, version.
    historique: Vec<(String, String, String, i64)>,
    comparaison: Option<Comparaison>,
    impression: bool,
    cle: String,
}

/// Two results side by side.
struct Comparaison {
    date_avant: String,
    /// Dimension, score then, score now, change.
    lignes: Vec<(String, String, String, String)>,
    radar: Radar,
}

#[derive(serde::Deserialize)]
pub struct ResultatQuery {
    comparer: Option<String>,
    impression: Option<u8>,
}

/// `GET /kits/resultats/{cle}` (`?comparer=<other key>`, `?impression=1`).
pub async fn resultat(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(cle): Path<String>,
    Query(q): Query<ResultatQuery>,
) -> Result<Response, PageError> {
    let Some(user) = visitor.user() else {
        return Ok(
            Redirect::to(&format!("/compte/connexion?suite=/kits/resultats/{cle}")).into_response(),
        );
    };
    let rv = match state.app.resultat_kit(user, &cle).await {
        Err(KitError::VersionInconnue { .. }) => {
            return message(&state, &visitor, "kits-version-inconnue", StatusCode::GONE)
        }
        r => r?,
    };
    let tr = state.tr(visitor.lang);
    let kit = Arc::clone(&rv.vue.kit);
    let affiche = kits_view::resultat_affiche(
        &kit,
        &rv.vue.reponses,
        &rv.resultat,
        &rv.pairs,
        rv.territoire.as_deref(),
        &tr,
    );
    let date = rv
        .vue
        .passation
        .terminee_at
        .map(|t| crate::annuaire_view::date_jour(t, &tr))
        .unwrap_or_default();
    let comparaison = match q.comparer.as_deref().filter(|c| *c != cle) {
        Some(autre) => {
            let av = state.app.resultat_kit(user, autre).await?;
            if av.vue.passation.kit_id != kit.id
                || av.vue.passation.sujet_code != rv.vue.passation.sujet_code
                || av.vue.passation.sujet_type != rv.vue.passation.sujet_type
            {
                return Err(PageError::BadRequest);
            }
            let lignes = kit
                .dimensions
                .iter()
                .zip(&rv.resultat.dimensions)
                .map(|(d, s)| {
                    let avant = av
                        .vue
                        .kit
                        .dimensions
                        .iter()
                        .position(|x| x.id == d.id)
                        .and_then(|i| av.resultat.dimensions[i].score);
                    let f = |x: Option<f64>| {
                        x.map(|v| kits_view::score(v, &tr))
                            .unwrap_or_else(|| "—".into())
                    };
                    let delta = match (avant, s.score) {
                        (Some(a), Some(b)) => {
                            let dlt = b - a;
                            format!(
                                "{}{}",
                                if dlt > 0.0 { "+" } else { "" },
                                kits_view::score(dlt, &tr)
                            )
                        }
                        _ => "—".into(),
                    };
                    (d.titre.clone(), f(avant), f(s.score), delta)
                })
                .collect();
            // The earlier result on this kit version's axes (dimensions matched by id).
            let mut r_avant = rv.resultat.clone();
            for (i, d) in kit.dimensions.iter().enumerate() {
                r_avant.dimensions[i].score = av
                    .vue
                    .kit
                    .dimensions
                    .iter()
                    .position(|x| x.id == d.id)
                    .and_then(|j| av.resultat.dimensions[j].score);
            }
            Some(Comparaison {
                date_avant: av
                    .vue
                    .passation
                    .terminee_at
                    .map(|t| crate::annuaire_view::date_jour(t, &tr))
                    .unwrap_or_default(),
                lignes,
                radar: Radar::new(&kit, &[&r_avant, &rv.resultat]),
            })
        }
        None => None,
    };
    let historique = rv
        .historique
        .iter()
        .filter(|p| p.cle != cle)
        .map(|p| {
            (
                p.cle.clone(),
                p.terminee_at
                    .map(|t| crate::annuaire_view::date_jour(t, &tr))
                    .unwrap_or_default(),
                p.score_global
                    .map(|s| kits_view::score(s, &tr))
                    .unwrap_or_else(|| "—".into()),
                p.kit_version,
            )
        })
        .collect();
    let l = layout(
        &state,
        &visitor,
        &format!("/kits/resultats/{cle}"),
        format!("{} — {}", kit.titre, tr.t("kits-resultats")),
        Some(&kit),
    );
    render(&ResultatPage {
        layout: l,
        pour: pour(&rv.vue, &tr),
        kit,
        r: affiche,
        anonyme: false,
        date,
        nb_pairs: rv.nb_pairs,
        historique,
        comparaison,
        impression: q.impression.is_some(),
        cle,
    })
}

// ---------------------------------------------------------------------------------------------
// Groups of partners.

#[derive(Template)]
#[template(path = "kit_groupe.html")]
struct GroupePage {
    layout: Layout,
    kit: Arc<Kit>,
    lien: Option<String>,
    partenaires: Vec<String>,
    en_cours: usize,
    ecarts: Vec<EcartVue>,
    /// Dimension title, then each partner's score.
    scores: Vec<(String, Vec<String>)>,
    ma_passation: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct GroupeQuery {
    lien: Option<String>,
}

/// `GET /kits/groupes/{cle}`: the synthesis (`?lien=` shows the invitation link once to its creator).
pub async fn groupe(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(cle): Path<String>,
    Query(q): Query<GroupeQuery>,
) -> Result<Response, PageError> {
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let s = state.app.synthese_groupe(user, &cle).await?;
    let tr = state.tr(visitor.lang);
    let (ecarts, scores) = tableaux_synthese(&s, &tr);
    let ma_passation = ma_passation_du_groupe(&state, user, s.groupe.id).await?;
    let lien = q.lien.filter(|_| s.est_createur).map(|j| {
        format!(
            "{}/kits/groupes/rejoindre/{j}",
            state.public_url.trim_end_matches('/')
        )
    });
    let l = layout(
        &state,
        &visitor,
        &format!("/kits/groupes/{cle}"),
        format!("{} — {}", s.groupe.titre, tr.t("kits-synthese")),
        Some(&s.kit),
    );
    render(&GroupePage {
        layout: l,
        partenaires: s.partenaires.iter().map(|(n, _)| n.clone()).collect(),
        kit: Arc::clone(&s.kit),
        lien,
        en_cours: s.en_cours,
        ecarts,
        scores,
        ma_passation,
    })
}

/// The two tables of a group's synthesis: the question-by-question comparison, and each
/// dimension's title with every partner's score.
pub(crate) fn tableaux_synthese(
    s: &SyntheseVue,
    tr: &crate::i18n::Tr,
) -> (Vec<EcartVue>, Vec<(String, Vec<String>)>) {
    let reponses: Vec<Reponses> = s
        .partenaires
        .iter()
        .map(|(_, p)| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&p.reponses)
                .ok()
                .and_then(|m| s.kit.lire_reponses_json(&m).ok())
                .unwrap_or_else(|| Reponses::vides(&s.kit))
        })
        .collect();
    let ecarts: Vec<EcartVue> = s
        .ecarts
        .iter()
        .map(|e| kits_view::ecart_vue(&s.kit, e, &reponses))
        .collect();
    let scores: Vec<(String, Vec<String>)> = s
        .kit
        .dimensions
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                d.titre.clone(),
                s.scores
                    .iter()
                    .map(|r| {
                        r.dimensions[i]
                            .score
                            .map(|x| kits_view::score(x, tr))
                            .unwrap_or_else(|| "—".into())
                    })
                    .collect(),
            )
        })
        .collect();
    (ecarts, scores)
}

/// Where the user's own passation of a group is: its results once completed, else the form.
pub(crate) async fn ma_passation_du_groupe(
    state: &AppState,
    user: &alliances_app::comptes::CurrentUser,
    groupe: i64,
) -> Result<Option<String>, PageError> {
    Ok(state
        .app
        .mes_passations(user)
        .await?
        .into_iter()
        .find(|(p, _)| p.groupe_id == Some(groupe))
        .map(|(p, _)| {
            if p.terminee_at.is_some() {
                format!("/kits/resultats/{}", p.cle)
            } else {
                format!("/kits/{}/passation/{}", p.kit_id, p.cle)
            }
        }))
}

/// `GET /kits/groupes/rejoindre/{jeton}`: a page with a button (link scanners join nothing).
pub async fn rejoindre(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(jeton): Path<String>,
) -> Result<Response, PageError> {
    if visitor.user().is_none() {
        return Ok(Redirect::to(&format!(
            "/compte/connexion?suite=/kits/groupes/rejoindre/{jeton}"
        ))
        .into_response());
    }
    let tr = state.tr(visitor.lang);
    let l = layout(
        &state,
        &visitor,
        "/kits/groupes/rejoindre",
        tr.t("kits-rejoindre-titre"),
        None,
    );
    let mut page = MessagePage::new(l, tr.t("kits-rejoindre-texte"));
    page.bouton = Some((
        format!("/kits/groupes/rejoindre/{jeton}"),
        tr.t("kits-rejoindre-bouton"),
    ));
    render(&page)
}

/// `POST /kits/groupes/rejoindre/{jeton}`.
pub async fn rejoindre_suite(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(jeton): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    match state.app.rejoindre_groupe(user, &jeton).await {
        Ok(cle) => {
            let kit_id = state.app.passation(user, &cle).await?.passation.kit_id;
            Ok(Redirect::to(&format!("/kits/{kit_id}/passation/{cle}")).into_response())
        }
        Err(KitError::Refus(m)) => {
            let tr = state.tr(visitor.lang);
            let l = layout(
                &state,
                &visitor,
                "/kits",
                tr.t("kits-rejoindre-titre"),
                None,
            );
            let mut res = render(&MessagePage::new(l, m))?;
            *res.status_mut() = StatusCode::NOT_FOUND;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One's results.

#[derive(Template)]
#[template(path = "kit_mes_resultats.html")]
struct MesResultatsPage {
    layout: Layout,
    /// Kit title, for whom, date, status link, overall score.
    lignes: Vec<(String, String, String, String, String, bool)>,
}

/// `GET /compte/resultats`.
pub async fn mes_resultats(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let Some(user) = visitor.user() else {
        return Ok(Redirect::to("/compte/connexion?suite=/compte/resultats").into_response());
    };
    let tr = state.tr(visitor.lang);
    let kits = state.app.kits();
    let titres: HashMap<String, String> = kits
        .derniers()
        .map(|k| (k.id.clone(), k.titre.clone()))
        .collect();
    let lignes = state
        .app
        .mes_passations(user)
        .await?
        .into_iter()
        .map(|(p, nom)| {
            let fini = p.terminee_at.is_some();
            (
                format!(
                    "{} (v{})",
                    titres.get(&p.kit_id).cloned().unwrap_or(p.kit_id.clone()),
                    p.kit_version
                ),
                if nom.is_empty() {
                    tr.t("kits-sujet-personnel")
                } else {
                    nom
                },
                crate::annuaire_view::date_jour(p.updated_at, &tr),
                if fini {
                    format!("/kits/resultats/{}", p.cle)
                } else {
                    format!("/kits/{}/passation/{}", p.kit_id, p.cle)
                },
                p.score_global
                    .map(|s| kits_view::score(s, &tr))
                    .unwrap_or_else(|| "—".into()),
                fini,
            )
        })
        .collect();
    let mut l = layout(
        &state,
        &visitor,
        "/compte/resultats",
        tr.t("kits-mes-resultats"),
        None,
    );
    l.section = "compte";
    render(&MesResultatsPage { layout: l, lignes })
}
