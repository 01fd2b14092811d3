//! The alliances' pages: the list of public alliances with filters (`/alliances`), creation and
//! edition (`/alliances/nouvelle`, `/alliances/{id}/modifier`), the alliance page with its
//! health panel, and the sub-pages where members run it: members and backbone functions
//! (`/membres`), the common agenda (`/agenda`), shared indicators and their values
//! (`/indicateurs`), the action plan (`/actions`), the journal (`/journal`). Rights are decided
//! by the app (`Vue::acteur` only decides which forms to show); this module parses and renders.

use super::formulaires::erreurs_de;
use super::formulaires::{check, form, opt, tous, un, Champ, Champs, Formulaire};
use super::{render, PageError};
use crate::alliances_view::{self, etat_valeur, graphe, lbl, nombre, Graphe, Point};
use crate::annuaire_view::date_jour;
use crate::i18n::{Lang, Tr};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::territoire_view::{lieux, territoire_de};
use crate::visiteur::Visitor;
use alliances_app::alliances::liste::Filtre;
use alliances_app::alliances::{ActionSaisie, AllianceError, EntreeSaisie, ValeurSaisie, Vue};
use alliances_app::now;
use alliances_domain::alliances::indicateurs::{IndicateurSaisie, Periodicite, Sens};
use alliances_domain::alliances::{
    AllianceSaisie, Forme, Objectifs, RoleMembre, Stade, StatutAction, CIBLES_ODD17,
};
use alliances_domain::annuaire::{ChampErreur, TypePartenariat};
use alliances_domain::dates;
use alliances_domain::odd::OddNumber;
use alliances_domain::territoires::Referentiel;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

const PAR_PAGE: usize = 20;

/// (value, label, selected) of a select or a group of checkboxes.
type Choix = Vec<(String, String, bool)>;
/// A fact of the page: its label and its values, each with an optional link.
type Fait = (String, Vec<(String, Option<String>)>);
/// The user's organisations and the one chosen as backbone.
type Backbones = (Vec<(i64, String)>, Option<i64>);

impl From<AllianceError> for PageError {
    fn from(e: AllianceError) -> Self {
        match e {
            AllianceError::Introuvable => PageError::NotFound,
            AllianceError::Interdit => PageError::Forbidden,
            AllianceError::App(a) => a.into(),
            other => {
                tracing::warn!(error = %other, "alliance request refused");
                PageError::BadRequest
            }
        }
    }
}

fn id_de(s: &str) -> Result<i64, PageError> {
    s.parse().map_err(|_| PageError::NotFound)
}

fn user(visitor: &Visitor) -> Result<&alliances_app::comptes::CurrentUser, PageError> {
    visitor.user().ok_or(PageError::Forbidden)
}

fn alliances_crumb(tr: &Tr) -> Crumb {
    Crumb {
        label: tr.t("alliances-titre"),
        href: Some("/alliances".into()),
    }
}

/// The layout of an alliance page: Accueil › Alliances › (the alliance ›) the page.
fn layout(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title: String,
    alliance: Option<(i64, &str)>,
) -> Layout {
    let mut l = Layout::new(state, visitor, path, "alliances", title);
    let mut crumbs = vec![home_crumb(&l.tr)];
    if path != "/alliances" {
        crumbs.push(alliances_crumb(&l.tr));
    }
    if let Some((id, nom)) = alliance {
        if path != format!("/alliances/{id}") {
            crumbs.push(Crumb {
                label: nom.to_string(),
                href: Some(format!("/alliances/{id}")),
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

fn odd_titre(n: u8, lang: Lang) -> String {
    OddNumber::new(n)
        .map(|o| {
            let g = o.goal();
            match lang {
                Lang::Fr => g.fr_short.clone(),
                _ => g.en_short.clone(),
            }
        })
        .unwrap_or_default()
}

/// An ISO date (`2026-03-01`) as shown on pages.
fn date_texte(iso: &str, tr: &Tr) -> String {
    dates::depuis_iso(iso)
        .map(|j| date_jour(j * 86_400, tr))
        .unwrap_or_else(|| iso.to_string())
}

fn paragraphes(s: &str) -> Vec<String> {
    s.split('\n')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    layout: Layout,
    paragraphes: Vec<String>,
    bouton: Option<(String, String)>,
    liens: Vec<(String, String)>,
}

/// A refusal in words (a proposal no longer pending, a value already decided…).
fn refus(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    message: String,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let l = layout(
        state,
        visitor,
        &format!("/alliances/{id}"),
        tr.t("alliances-refus-titre"),
        None,
    );
    let mut res = render(&MessagePage {
        layout: l,
        paragraphes: vec![message],
        bouton: None,
        liens: vec![(tr.t("alliances-retour"), format!("/alliances/{id}"))],
    })?;
    *res.status_mut() = StatusCode::CONFLICT;
    Ok(res)
}

// ------------------------------------------------------------------------------------ the list

pub struct ResumeLigne {
    pub href: String,
    pub nom: String,
    pub resume: String,
    pub lieux: String,
    pub odd: Vec<(u8, String)>,
    pub forme: String,
    pub stade: String,
    pub demo: bool,
}

#[derive(Template)]
#[template(path = "alliances.html")]
struct ListePage {
    layout: Layout,
    territoire: String,
    territoire_nom: Option<String>,
    erreur: Option<(String, String)>,
    odd: Vec<(String, String, bool)>,
    types: Vec<(String, String, bool)>,
    formes: Vec<(String, String, bool)>,
    stades: Vec<(String, String, bool)>,
    fraiches: bool,
    resume: String,
    lignes: Vec<ResumeLigne>,
    precedent: Option<String>,
    suivant: Option<String>,
    page_info: String,
    peut_creer: bool,
}

/// `GET /alliances`: the public alliances, filtered by a plain GET form.
pub async fn liste(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(
        raw,
        &[
            "territoire",
            "odd",
            "type",
            "forme",
            "stade",
            "fraicheur",
            "page",
            "lang",
        ],
    )
    .map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let mut filtre = Filtre {
        now: now(),
        limite: PAR_PAGE,
        ..Filtre::default()
    };
    let mut erreur = None;
    let mut territoire_nom = None;
    let texte = |n: &str| params.text(n).map(str::trim).filter(|v| !v.is_empty());
    if let Some(t) = texte("territoire") {
        match territoire_de(t, r) {
            Some((cle, nom)) => {
                filtre.territoire = Some(cle);
                territoire_nom = Some(nom);
            }
            None => {
                erreur = Some((
                    "territoire".to_string(),
                    tr.ta("alliances-filtre-territoire-inconnu", &[("valeur", t)]),
                ))
            }
        }
    }
    if let Some(o) = texte("odd") {
        match o.parse::<u8>().ok().filter(|n| (1..=17).contains(n)) {
            Some(n) => filtre.odd = Some(n),
            None => erreur = Some(("odd".into(), tr.t("alliances-filtre-odd-inconnu"))),
        }
    }
    if let Some(t) = texte("type") {
        match TypePartenariat::from_slug(t) {
            Some(x) => filtre.type_partenariat = Some(x),
            None => erreur = Some(("type".into(), tr.t("alliances-filtre-inconnu"))),
        }
    }
    if let Some(t) = texte("forme") {
        match Forme::from_slug(t) {
            Some(x) => filtre.forme = Some(x),
            None => erreur = Some(("forme".into(), tr.t("alliances-filtre-inconnu"))),
        }
    }
    if let Some(t) = texte("stade") {
        match Stade::from_slug(t) {
            Some(x) => filtre.stade = Some(x),
            None => erreur = Some(("stade".into(), tr.t("alliances-filtre-inconnu"))),
        }
    }
    match texte("fraicheur") {
        None => {}
        Some("a-jour") => filtre.fraiches = true,
        Some(_) => erreur = Some(("fraicheur".into(), tr.t("alliances-filtre-inconnu"))),
    }
    if erreur.is_some() {
        filtre = Filtre {
            now: now(),
            limite: PAR_PAGE,
            ..Filtre::default()
        };
    }
    let page_no = params
        .number("page", 1, 1, 500)
        .map_err(|_| PageError::BadRequest)?;
    filtre.decalage = (page_no - 1) * PAR_PAGE;
    let liste = state.app.alliances_liste();
    let (total, page) = liste.chercher(&filtre);
    let lignes = page
        .iter()
        .map(|a| ResumeLigne {
            href: format!("/alliances/{}", a.id),
            nom: a.nom.clone(),
            resume: a.resume.clone(),
            lieux: lieux(&a.territoires, r),
            odd: a.odd.iter().map(|n| (*n, odd_titre(*n, tr.lang))).collect(),
            forme: lbl(a.forme.label_fr(), a.forme.label_en(), &tr),
            stade: lbl(a.stade.label_fr(), a.stade.label_en(), &tr),
            demo: a.demo,
        })
        .collect();
    let mut qs: Vec<String> = Vec::new();
    if erreur.is_none() {
        for n in ["territoire", "odd", "type", "forme", "stade", "fraicheur"] {
            if let Some(v) = texte(n) {
                let v = if n == "territoire" {
                    filtre.territoire.clone().unwrap_or_default()
                } else {
                    v.to_string()
                };
                qs.push(format!("{n}={}", v.replace(':', "%3A")));
            }
        }
    }
    let lien = |p: usize| {
        let mut q = qs.clone();
        q.push(format!("page={p}"));
        format!("/alliances?{}", q.join("&"))
    };
    let pages = total.div_ceil(PAR_PAGE).clamp(1, 500);
    let choix = |valeurs: Vec<(String, String)>, actuel: Option<&str>| {
        valeurs
            .into_iter()
            .map(|(v, l)| {
                let s = actuel == Some(v.as_str());
                (v, l, s)
            })
            .collect::<Vec<_>>()
    };
    let l = layout(
        &state,
        &visitor,
        "/alliances",
        tr.t("alliances-titre"),
        None,
    );
    let ok = erreur.is_none();
    let p = ListePage {
        territoire: filtre
            .territoire
            .clone()
            .or_else(|| texte("territoire").map(String::from))
            .unwrap_or_default(),
        territoire_nom,
        odd: choix(
            (1..=17u8)
                .map(|n| (n.to_string(), format!("{n}. {}", odd_titre(n, tr.lang))))
                .collect(),
            texte("odd").filter(|_| ok),
        ),
        types: choix(
            TypePartenariat::ALL
                .iter()
                .map(|t| (t.slug().into(), lbl(t.label_fr(), t.label_en(), &tr)))
                .collect(),
            texte("type").filter(|_| ok),
        ),
        formes: choix(
            Forme::ALL
                .iter()
                .map(|t| (t.slug().into(), lbl(t.label_fr(), t.label_en(), &tr)))
                .collect(),
            texte("forme").filter(|_| ok),
        ),
        stades: choix(
            Stade::ALL
                .iter()
                .map(|t| (t.slug().into(), lbl(t.label_fr(), t.label_en(), &tr)))
                .collect(),
            texte("stade").filter(|_| ok),
        ),
        fraiches: filtre.fraiches,
        resume: tr.tn(
            "alliances-resultats",
            total,
            &[("n", &tr.nombre(total as u64))],
        ),
        lignes,
        precedent: (page_no > 1).then(|| lien(page_no - 1)),
        suivant: (page_no < pages).then(|| lien(page_no + 1)),
        page_info: tr.ta(
            "annuaire-page",
            &[
                ("page", &page_no.to_string()),
                ("pages", &pages.to_string()),
            ],
        ),
        peut_creer: visitor.user().is_some(),
        erreur: erreur.clone(),
        layout: l,
    };
    let mut res = render(&p)?;
    if erreur.is_some() {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

// --------------------------------------------------------------------------- generic form page

#[allow(clippy::too_many_arguments)]
fn page_formulaire(
    state: &AppState,
    visitor: &Visitor,
    action: String,
    title: String,
    alliance: Option<(i64, &str)>,
    f: &Formulaire,
    champs: Vec<Champ>,
    caches: Vec<(String, String)>,
    bouton: String,
    intro: Option<String>,
    alerte: Option<String>,
) -> Result<Response, PageError> {
    let l = layout(state, visitor, &action, title, alliance);
    super::formulaires::rendre(l, f, action, champs, caches, bouton, intro, alerte)
}

// ------------------------------------------------------------------- creation and edition

fn saisie_de(f: &Champs) -> AllianceSaisie {
    AllianceSaisie {
        nom: un(f, "nom").to_string(),
        resume: un(f, "resume").to_string(),
        probleme: un(f, "probleme").to_string(),
        territoires: tous(f, "territoires")
            .flat_map(|v| v.split([',', ';', ' ', '\n']))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        odd: tous(f, "odd").filter_map(|v| v.parse().ok()).collect(),
        cibles_odd17: tous(f, "ciblesOdd17").map(String::from).collect(),
        types_partenariat: tous(f, "typesPartenariat").map(String::from).collect(),
        forme: un(f, "forme").to_string(),
        stade: un(f, "stade").to_string(),
        date_debut: opt(un(f, "dateDebut")),
        date_fin: opt(un(f, "dateFin")),
        publique: un(f, "publique") == "oui",
    }
}

#[allow(clippy::too_many_arguments)]
fn form_alliance(
    state: &AppState,
    visitor: &Visitor,
    action: String,
    title: String,
    alliance: Option<(i64, &str)>,
    s: &AllianceSaisie,
    version: Option<i64>,
    backbones: Option<Backbones>,
    erreurs: &[ChampErreur],
    alerte: Option<String>,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "alliances-champ-",
    };
    let mut territoires = s.territoires.clone();
    while territoires.len() < 3 {
        territoires.push(String::new());
    }
    let mut champs = vec![
        f.champ("nom", "text", s.nom.clone()),
        f.aide(f.champ("resume", "textarea", s.resume.clone())),
        f.aide(f.champ("probleme", "textarea", s.probleme.clone())),
        Champ {
            valeurs: territoires,
            ..f.aide(f.champ("territoires", "territoires", String::new()))
        },
        f.choix(
            "odd",
            "checkboxes",
            (1..=17u8)
                .map(|n| {
                    (
                        n.to_string(),
                        format!("{n}. {}", odd_titre(n, tr.lang)),
                        s.odd.contains(&n),
                    )
                })
                .collect(),
        ),
        f.choix(
            "ciblesOdd17",
            "checkboxes",
            CIBLES_ODD17
                .iter()
                .map(|c| {
                    (
                        c.to_string(),
                        tr.t(&format!("alliances-cible-{}", c.replace('.', "-"))),
                        s.cibles_odd17.iter().any(|x| x == c),
                    )
                })
                .collect(),
        ),
        f.choix(
            "typesPartenariat",
            "checkboxes",
            TypePartenariat::ALL
                .iter()
                .map(|t| {
                    (
                        t.slug().into(),
                        lbl(t.label_fr(), t.label_en(), &tr),
                        s.types_partenariat.iter().any(|x| x == t.slug()),
                    )
                })
                .collect(),
        ),
        f.choix(
            "forme",
            "select",
            Forme::ALL
                .iter()
                .map(|t| {
                    (
                        t.slug().into(),
                        lbl(t.label_fr(), t.label_en(), &tr),
                        s.forme == t.slug(),
                    )
                })
                .collect(),
        ),
        f.choix(
            "stade",
            "select",
            Stade::ALL
                .iter()
                .map(|t| {
                    (
                        t.slug().into(),
                        lbl(t.label_fr(), t.label_en(), &tr),
                        s.stade == t.slug(),
                    )
                })
                .collect(),
        ),
        f.champ(
            "dateDebut",
            "date",
            s.date_debut.clone().unwrap_or_default(),
        ),
        f.champ("dateFin", "date", s.date_fin.clone().unwrap_or_default()),
        f.choix(
            "publique",
            "checkboxes",
            vec![(
                "oui".into(),
                tr.t("alliances-champ-publique-oui"),
                s.publique,
            )],
        ),
    ];
    if let Some((orgs, choisie)) = &backbones {
        let mut choix = vec![(String::new(), tr.t("choix-aucun"), choisie.is_none())];
        choix.extend(
            orgs.iter()
                .map(|(id, nom)| (id.to_string(), nom.clone(), *choisie == Some(*id))),
        );
        champs.push(f.aide(f.choix("backbone", "select", choix)));
    }
    let alerte = alerte.or_else(|| {
        backbones
            .as_ref()
            .filter(|(o, _)| o.is_empty())
            .map(|_| tr.t("alliances-sans-organisation"))
    });
    page_formulaire(
        state,
        visitor,
        action,
        title,
        alliance,
        &f,
        champs,
        version
            .map(|v| vec![("version".to_string(), v.to_string())])
            .unwrap_or_default(),
        tr.t(if version.is_some() {
            "alliances-enregistrer"
        } else {
            "alliances-creer-bouton"
        }),
        Some(tr.t("alliances-form-intro")),
        alerte,
    )
}

pub(crate) async fn organisations_de(
    state: &AppState,
    u: &alliances_app::comptes::CurrentUser,
) -> Result<Vec<(i64, String)>, PageError> {
    Ok(state
        .app
        .mes_organisations(u)
        .await
        .map_err(PageError::from)?
        .into_iter()
        .map(|(id, nom, _)| (id, nom))
        .collect())
}

/// `GET /alliances/nouvelle`.
pub async fn nouvelle(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let Some(u) = visitor.user() else {
        return Ok(Redirect::to("/compte/connexion").into_response());
    };
    let orgs = organisations_de(&state, u).await?;
    let choisie = (orgs.len() == 1).then(|| orgs[0].0);
    let tr = state.tr(visitor.lang);
    form_alliance(
        &state,
        &visitor,
        "/alliances/nouvelle".into(),
        tr.t("alliances-nouvelle-titre"),
        None,
        &AllianceSaisie {
            publique: true,
            ..AllianceSaisie::default()
        },
        None,
        Some((orgs, choisie)),
        &[],
        None,
    )
}

/// `POST /alliances/nouvelle`.
pub async fn nouvelle_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let s = saisie_de(&f);
    let backbone: Option<i64> = un(&f, "backbone").trim().parse().ok();
    let erreurs = match state.app.creer_alliance(u, &s, backbone.unwrap_or(0)).await {
        Ok(id) => return Ok(Redirect::to(&format!("/alliances/{id}")).into_response()),
        Err(AllianceError::Invalide(mut e)) => {
            if backbone.is_none() && !e.iter().any(|x| x.champ == "backbone") {
                e.push(ChampErreur::new(
                    "backbone",
                    state.tr(visitor.lang).t("alliances-backbone-obligatoire"),
                ));
            }
            e
        }
        Err(e) => return Err(e.into()),
    };
    let orgs = organisations_de(&state, u).await?;
    let tr = state.tr(visitor.lang);
    form_alliance(
        &state,
        &visitor,
        "/alliances/nouvelle".into(),
        tr.t("alliances-nouvelle-titre"),
        None,
        &s,
        None,
        Some((orgs, backbone)),
        &erreurs,
        None,
    )
}

async fn vue_de(state: &AppState, visitor: &Visitor, id: &str) -> Result<Vue, PageError> {
    let id = id_de(id)?;
    Ok(state.app.alliance(visitor.user(), id).await?)
}

/// `GET /alliances/{id}/modifier` (backbone).
pub async fn modifier(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let vue = vue_de(&state, &visitor, &id).await?;
    if !vue.acteur.est_backbone() {
        return Err(PageError::Forbidden);
    }
    let tr = state.tr(visitor.lang);
    form_alliance(
        &state,
        &visitor,
        format!("/alliances/{}/modifier", vue.fiche.id),
        tr.t("alliances-modifier-titre"),
        Some((vue.fiche.id, &vue.fiche.alliance.nom)),
        &vue.fiche.alliance.saisie(),
        Some(vue.fiche.version),
        None,
        &[],
        None,
    )
}

/// `POST /alliances/{id}/modifier`: saved if nobody saved in between; otherwise the form comes
/// back with what the person typed and the conflict explained.
pub async fn modifier_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let vue = vue_de(&state, &visitor, &id).await?;
    let id = vue.fiche.id;
    let s = saisie_de(&f);
    let version: i64 = un(&f, "version")
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let (erreurs, alerte, version) = match state.app.modifier_alliance(u, id, version, &s).await {
        Ok(()) => return Ok(Redirect::to(&format!("/alliances/{id}")).into_response()),
        Err(AllianceError::Invalide(e)) => (e, None, version),
        Err(AllianceError::Conflit) => (
            vec![ChampErreur::new("nom", AllianceError::Conflit.to_string())],
            Some(tr.t("alliances-conflit")),
            // The form now carries the current version: saving again overwrites knowingly.
            vue.fiche.version,
        ),
        Err(e) => return Err(e.into()),
    };
    form_alliance(
        &state,
        &visitor,
        format!("/alliances/{id}/modifier"),
        tr.t("alliances-modifier-titre"),
        Some((id, &vue.fiche.alliance.nom)),
        &s,
        Some(version),
        None,
        &erreurs,
        alerte,
    )
}

// ------------------------------------------------------------------------ what pages show

pub struct Entete {
    pub id: i64,
    pub nom: String,
    pub demo: bool,
    pub publique: bool,
    pub gerer: bool,
    pub onglets: Vec<(String, String, bool)>,
}

pub struct SanteLigne {
    pub titre: String,
    pub regle: String,
    pub etat_slug: &'static str,
    pub etat: String,
    pub explication: String,
}

pub struct MembreLigne {
    pub id: i64,
    pub organisation_id: i64,
    pub nom: String,
    pub role: String,
    pub role_slug: String,
    pub dates: String,
    pub objectifs: Vec<(String, String)>,
    pub peut_objectifs: bool,
    pub peut_retirer: bool,
    pub peut_repondre: bool,
}

pub struct IndicateurLigne {
    pub id: i64,
    pub nom: String,
    pub definition: String,
    pub faits: Vec<(String, String)>,
    pub fraicheur: String,
    pub feu: &'static str,
    pub graphe: Option<Graphe>,
    pub valeurs: Vec<ValeurLigne>,
}

pub struct ValeurLigne {
    pub id: i64,
    pub periode: String,
    pub ventilation: String,
    pub valeur: String,
    pub organisation: String,
    pub etat_slug: String,
    pub etat: String,
    pub commentaire: String,
    pub peut_statuer: bool,
}

pub struct ActionLigne {
    pub id: i64,
    pub titre: String,
    pub description: String,
    pub porteur: String,
    pub statut: String,
    pub statut_slug: String,
    pub dates: String,
    pub indicateurs: String,
    pub peut_modifier: bool,
}

pub struct EntreeLigne {
    pub date: String,
    pub titre: String,
    pub participants: String,
    pub decisions: Vec<String>,
    pub liens: Vec<String>,
}

pub struct Agenda {
    pub vision: Vec<String>,
    pub objectifs: Vec<String>,
    pub theorie: Vec<String>,
    pub version: i64,
    pub modifie: String,
    pub accords: Vec<String>,
    pub en_attente: Vec<String>,
    /// (organisation id, name) the user may approve it for.
    pub approuver: Vec<(i64, String)>,
}

/// Everything the alliance's pages show, in words.
pub struct Presentation {
    pub entete: Entete,
    pub resume: Vec<String>,
    pub probleme: Vec<String>,
    pub faits: Vec<Fait>,
    pub odd: Vec<(u8, String)>,
    pub sante: Vec<SanteLigne>,
    pub actifs: Vec<MembreLigne>,
    pub proposes: Vec<MembreLigne>,
    pub anciens: Vec<MembreLigne>,
    pub agenda: Option<Agenda>,
    /// (slug, label, choices of holder, who holds it).
    pub fonctions: Vec<(String, String, Choix, String)>,
    pub indicateurs: Vec<IndicateurLigne>,
    pub actions: Vec<ActionLigne>,
    pub journal: Vec<EntreeLigne>,
    pub est_membre: bool,
    pub peut_declarer: bool,
}

fn onglets(id: i64, courant: &str, tr: &Tr) -> Vec<(String, String, bool)> {
    [
        ("", "alliances-onglet-apercu"),
        ("/membres", "alliances-onglet-membres"),
        ("/indicateurs", "alliances-onglet-indicateurs"),
        ("/actions", "alliances-onglet-actions"),
        ("/journal", "alliances-onglet-journal"),
        ("/evaluation", "alliances-onglet-evaluation"),
    ]
    .iter()
    .map(|(s, k)| (format!("/alliances/{id}{s}"), tr.t(k), *s == courant))
    .collect()
}

fn presenter(vue: &Vue, courant: &str, tr: &Tr, r: &Referentiel) -> Presentation {
    let a = &vue.fiche.alliance;
    let id = vue.fiche.id;
    let acteur = &vue.acteur;
    let gerer = acteur.est_backbone();
    let nom_org = |o: i64| vue.nom_membre(o).unwrap_or("?").to_string();
    let mut faits: Vec<Fait> = Vec::new();
    faits.push((
        tr.t("alliances-territoires"),
        a.territoires
            .iter()
            .filter_map(|l| {
                r.find(l.niveau, &l.code).map(|t| {
                    (
                        r.nom(t).to_string(),
                        Some(crate::territoire_view::href(r, t)),
                    )
                })
            })
            .collect(),
    ));
    faits.push((
        tr.t("alliances-champ-forme"),
        vec![(lbl(a.forme.label_fr(), a.forme.label_en(), tr), None)],
    ));
    faits.push((
        tr.t("alliances-champ-stade"),
        vec![(lbl(a.stade.label_fr(), a.stade.label_en(), tr), None)],
    ));
    if !a.types_partenariat.is_empty() {
        faits.push((
            tr.t("alliances-champ-typesPartenariat"),
            a.types_partenariat
                .iter()
                .map(|t| (lbl(t.label_fr(), t.label_en(), tr), None))
                .collect(),
        ));
    }
    if !a.cibles_odd17.is_empty() {
        faits.push((
            tr.t("alliances-champ-ciblesOdd17"),
            a.cibles_odd17.iter().map(|c| (c.clone(), None)).collect(),
        ));
    }
    let periode = match (&a.date_debut, &a.date_fin) {
        (Some(d), Some(f)) => Some(tr.ta(
            "ressource-periode",
            &[("debut", &date_texte(d, tr)), ("fin", &date_texte(f, tr))],
        )),
        (Some(d), None) => Some(tr.ta("ressource-depuis", &[("debut", &date_texte(d, tr))])),
        (None, Some(f)) => Some(tr.ta("ressource-jusqua", &[("fin", &date_texte(f, tr))])),
        (None, None) => None,
    };
    if let Some(p) = periode {
        faits.push((tr.t("alliances-dates"), vec![(p, None)]));
    }
    faits.push((
        tr.t("alliances-visibilite"),
        vec![(
            tr.t(if a.publique {
                "alliances-publique"
            } else {
                "alliances-reservee"
            }),
            None,
        )],
    ));
    let sante = vue
        .sante
        .iter()
        .map(|c| {
            let t = alliances_view::condition_textes(c, tr);
            SanteLigne {
                titre: t.titre,
                regle: t.regle,
                etat_slug: c.etat.slug(),
                etat: t.etat,
                explication: t.explication,
            }
        })
        .collect();
    let ligne = |i: usize| {
        let m = &vue.membres[i];
        let role = RoleMembre::from_slug(&m.role)
            .map(|r| lbl(r.label_fr(), r.label_en(), tr))
            .unwrap_or_else(|| m.role.clone());
        let o: Objectifs = serde_json::from_str(&m.objectifs).unwrap_or_default();
        let objectifs = [
            ("competences", &o.competences),
            ("partiesPrenantes", &o.parties_prenantes),
            ("innovation", &o.innovation),
            ("ressources", &o.ressources),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (tr.t(&format!("alliances-objectif-{k}")), v.to_string()))
        .collect();
        let dates = match m.etat.as_str() {
            "proposee" => tr.ta(
                "alliances-propose-le",
                &[("date", &date_jour(m.propose_le, tr))],
            ),
            "acceptee" => tr.ta(
                "alliances-membre-depuis",
                &[("date", &date_jour(m.repondu_le.unwrap_or(m.propose_le), tr))],
            ),
            "refusee" => tr.ta(
                "alliances-refusee-le",
                &[("date", &date_jour(m.repondu_le.unwrap_or(m.propose_le), tr))],
            ),
            _ => tr.ta(
                "alliances-partie-le",
                &[(
                    "date",
                    &date_jour(m.parti_le.or(m.repondu_le).unwrap_or(m.propose_le), tr),
                )],
            ),
        };
        MembreLigne {
            id: m.id,
            organisation_id: m.organisation_id,
            nom: m.organisation_nom.clone(),
            role,
            role_slug: m.role.clone(),
            dates,
            objectifs,
            peut_objectifs: m.etat == "acceptee"
                && acteur
                    .organisations
                    .iter()
                    .any(|(o, _)| *o == m.organisation_id),
            peut_retirer: m.etat == "acceptee" && (gerer || acteur.possede(m.organisation_id)),
            peut_repondre: m.etat == "proposee" && acteur.possede(m.organisation_id),
        }
    };
    let actifs = (0..vue.membres.len())
        .filter(|&i| {
            let m = &vue.membres[i];
            m.etat == "acceptee"
        })
        .map(ligne)
        .collect();
    let proposes = (0..vue.membres.len())
        .filter(|&i| {
            let m = &vue.membres[i];
            m.etat == "proposee"
        })
        .map(ligne)
        .collect();
    let anciens = (0..vue.membres.len())
        .filter(|&i| {
            let m = &vue.membres[i];
            m.etat == "partie" || m.etat == "refusee"
        })
        .map(ligne)
        .collect();
    let f = &vue.fiche;
    let agenda = (f.agenda_version > 0).then(|| {
        let actifs: Vec<_> = vue.actifs().collect();
        Agenda {
            vision: paragraphes(&f.agenda_vision),
            objectifs: paragraphes(&f.agenda_objectifs),
            theorie: paragraphes(&f.agenda_theorie),
            version: f.agenda_version,
            modifie: f
                .agenda_modifie_le
                .map(|t| date_jour(t, tr))
                .unwrap_or_default(),
            accords: actifs
                .iter()
                .filter(|m| vue.accords.contains(&m.organisation_id))
                .map(|m| m.organisation_nom.clone())
                .collect(),
            en_attente: actifs
                .iter()
                .filter(|m| !vue.accords.contains(&m.organisation_id))
                .map(|m| m.organisation_nom.clone())
                .collect(),
            approuver: acteur
                .membres
                .iter()
                .filter(|(o, _)| !vue.accords.contains(o))
                .map(|(o, _)| (*o, nom_org(*o)))
                .collect(),
        }
    });
    let fonctions = vue
        .fonctions
        .iter()
        .map(|(fct, tenue)| {
            (
                fct.slug().to_string(),
                lbl(fct.label_fr(), fct.label_en(), tr),
                std::iter::once((
                    String::new(),
                    tr.t("alliances-fonction-libre"),
                    tenue.is_none(),
                ))
                .chain(vue.actifs().map(|m| {
                    (
                        m.organisation_id.to_string(),
                        m.organisation_nom.clone(),
                        tenue.as_ref().map(|(o, _)| *o) == Some(m.organisation_id),
                    )
                }))
                .collect(),
                tenue
                    .as_ref()
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| tr.t("alliances-fonction-libre")),
            )
        })
        .collect();
    let indicateurs = vue
        .indicateurs
        .iter()
        .map(|iv| {
            let i = &iv.fiche.indicateur;
            let p = i.periodicite;
            let u = if i.unite.is_empty() {
                String::new()
            } else {
                format!(" {}", i.unite)
            };
            let repere = |v: Option<f64>, d: &Option<String>| {
                v.map(|v| {
                    let mut s = format!("{}{u}", nombre(v, tr));
                    if let Some(d) = d {
                        s = format!("{s} ({})", date_texte(d, tr));
                    }
                    s
                })
            };
            let mut faits = vec![
                (tr.t("alliances-ind-unite"), i.unite.clone()),
                (
                    tr.t("alliances-ind-sens"),
                    lbl(i.sens.label_fr(), i.sens.label_en(), tr),
                ),
                (
                    tr.t("alliances-ind-periodicite"),
                    lbl(p.label_fr(), p.label_en(), tr),
                ),
            ];
            if let Some(b) = repere(i.valeur_base, &i.date_base) {
                faits.push((tr.t("alliances-ind-base"), b));
            }
            if let Some(c) = repere(i.valeur_cible, &i.date_cible) {
                faits.push((tr.t("alliances-ind-cible"), c));
            }
            if let Some(d) = &i.desagregation {
                faits.push((tr.t("alliances-ind-desagregation"), d.clone()));
            }
            if let Some(o) = i.responsable {
                faits.push((tr.t("alliances-ind-responsable"), nom_org(o)));
            }
            let (fraicheur, feu) = alliances_view::fraicheur(iv.fraicheur, tr);
            let mut valeurs: Vec<_> = iv.valeurs.iter().collect();
            valeurs.sort_by_key(|v| (std::cmp::Reverse(v.periode_jour), v.ventilation.clone()));
            IndicateurLigne {
                id: iv.fiche.id,
                nom: i.nom.clone(),
                definition: i.definition.clone(),
                faits,
                fraicheur,
                feu,
                graphe: graphe(
                    &iv.valeurs
                        .iter()
                        .map(|v| Point {
                            id: v.id,
                            periode_jour: v.periode_jour,
                            ventilation: &v.ventilation,
                            valeur: v.valeur,
                            etat: &v.etat,
                        })
                        .collect::<Vec<_>>(),
                    p,
                    i.valeur_base,
                    i.valeur_cible,
                    &i.unite,
                    tr,
                ),
                valeurs: valeurs
                    .into_iter()
                    .map(|v| ValeurLigne {
                        id: v.id,
                        periode: p.libelle(v.periode_jour),
                        ventilation: v.ventilation.clone(),
                        valeur: format!("{}{u}", nombre(v.valeur, tr)),
                        organisation: nom_org(v.organisation_id),
                        etat_slug: v.etat.clone(),
                        etat: etat_valeur(&v.etat, tr),
                        commentaire: v.commentaire.clone(),
                        peut_statuer: gerer && v.etat == "declaree",
                    })
                    .collect(),
            }
        })
        .collect();
    let noms_ind: Vec<(i64, String)> = vue
        .indicateurs
        .iter()
        .map(|i| (i.fiche.id, i.fiche.indicateur.nom.clone()))
        .collect();
    let actions = vue
        .actions
        .iter()
        .map(|x| ActionLigne {
            id: x.id,
            titre: x.titre.clone(),
            description: x.description.clone(),
            porteur: x
                .porteur
                .map(nom_org)
                .unwrap_or_else(|| tr.t("alliances-sans-porteur")),
            statut: StatutAction::from_slug(&x.statut)
                .map(|s| lbl(s.label_fr(), s.label_en(), tr))
                .unwrap_or_else(|| x.statut.clone()),
            statut_slug: x.statut.clone(),
            dates: match (&x.date_debut, &x.date_fin) {
                (Some(d), Some(f)) => format!("{} → {}", date_texte(d, tr), date_texte(f, tr)),
                (Some(d), None) => tr.ta("ressource-depuis", &[("debut", &date_texte(d, tr))]),
                (None, Some(f)) => tr.ta("ressource-jusqua", &[("fin", &date_texte(f, tr))]),
                (None, None) => String::new(),
            },
            indicateurs: x
                .indicateurs
                .iter()
                .filter_map(|i| {
                    noms_ind
                        .iter()
                        .find(|(j, _)| j == i)
                        .map(|(_, n)| n.clone())
                })
                .collect::<Vec<_>>()
                .join(", "),
            peut_modifier: gerer || x.porteur.is_some_and(|p| acteur.represente(p)),
        })
        .collect();
    let journal = vue
        .journal
        .iter()
        .map(|e| EntreeLigne {
            date: date_texte(&e.date, tr),
            titre: e.titre.clone(),
            participants: e.participants.clone(),
            decisions: paragraphes(&e.decisions),
            liens: e
                .liens
                .split_whitespace()
                .filter(|l| l.starts_with("https://") || l.starts_with("http://"))
                .map(String::from)
                .collect(),
        })
        .collect();
    Presentation {
        entete: Entete {
            id,
            nom: a.nom.clone(),
            demo: f.demo,
            publique: a.publique,
            gerer,
            onglets: onglets(id, courant, tr),
        },
        resume: paragraphes(&a.resume),
        probleme: paragraphes(&a.probleme),
        faits,
        odd: a.odd.iter().map(|n| (*n, odd_titre(*n, tr.lang))).collect(),
        sante,
        actifs,
        proposes,
        anciens,
        agenda,
        fonctions,
        indicateurs,
        actions,
        journal,
        est_membre: acteur.est_membre(),
        peut_declarer: !acteur.membres.is_empty(),
    }
}

/// What every tab of an alliance shows: the alliance as the reader may see it (404 otherwise),
/// its presentation with `onglet` current, and the layout titled `titre` (a message key; the
/// overview is titled with the alliance's name).
struct SousPage {
    vue: Vue,
    p: Presentation,
    layout: Layout,
    tr: Tr,
}

async fn sous_page(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    onglet: &str,
    titre: Option<&str>,
) -> Result<SousPage, PageError> {
    let vue = vue_de(state, visitor, id).await?;
    let tr = state.tr(visitor.lang);
    let p = presenter(&vue, onglet, &tr, &state.app.territoires().referentiel);
    let layout = layout(
        state,
        visitor,
        &format!("/alliances/{}{onglet}", vue.fiche.id),
        titre.map_or_else(|| vue.fiche.alliance.nom.clone(), |k| tr.t(k)),
        Some((vue.fiche.id, &vue.fiche.alliance.nom)),
    );
    Ok(SousPage { vue, p, layout, tr })
}

// --------------------------------------------------------------------------- the alliance page

#[derive(Template)]
#[template(path = "alliance.html")]
struct AlliancePage {
    layout: Layout,
    p: Presentation,
    complet: bool,
    /// The reader represents a member organisation (may answer the grid).
    represente: bool,
}

/// `GET /alliances/{id}`: public alliances to all, members-only ones to their members (404
/// otherwise).
pub async fn fiche(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let SousPage {
        vue,
        mut p,
        layout: l,
        ..
    } = sous_page(&state, &visitor, &id, "", None).await?;
    p.journal.truncate(5);
    render(&AlliancePage {
        layout: l,
        p,
        complet: false,
        represente: !vue.acteur.membres.is_empty(),
    })
}

#[derive(Template)]
#[template(path = "alliance_evaluation.html")]
struct EvaluationPage {
    layout: Layout,
    p: Presentation,
    /// The reader represents a member organisation (may answer the grid).
    represente: bool,
    /// Completed grids and grids in progress (None: nobody started).
    reponses: Option<(usize, usize)>,
    /// Column headers of the scores: the partners (members) or « Partenaire n » (others), then
    /// the mean.
    partenaires: Vec<String>,
    scores: Vec<(String, Vec<String>)>,
    ecarts: Vec<crate::kits_view::EcartVue>,
    /// The reader's own grid, to resume or read.
    ma_passation: Option<String>,
}

/// Completed grids needed before anything but their count is shown to non-members.
const EVALUATION_SEUIL_PUBLIC: usize = 3;

/// `GET /alliances/{id}/evaluation`: the partnership evaluation grid's synthesis — each
/// member's scores per dimension and their mean, and (for members) the question-by-question
/// comparison with divergences flagged.
pub async fn evaluation_page(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let SousPage {
        vue,
        p,
        layout: l,
        tr,
    } = sous_page(
        &state,
        &visitor,
        &id,
        "/evaluation",
        Some("alliances-evaluation-titre"),
    )
    .await?;
    let synthese = state
        .app
        .evaluation_alliance(visitor.user(), vue.fiche.id)
        .await?;
    let (mut partenaires, mut scores, mut ecarts, mut reponses, mut ma_passation) =
        (Vec::new(), Vec::new(), Vec::new(), None, None);
    if let Some(s) = &synthese {
        reponses = Some((s.partenaires.len(), s.en_cours));
        let visible = p.est_membre || s.partenaires.len() >= EVALUATION_SEUIL_PUBLIC;
        if visible && !s.partenaires.is_empty() {
            (ecarts, scores) = super::kits::tableaux_synthese(s, &tr);
            partenaires = s.partenaires.iter().map(|(n, _)| n.clone()).collect();
            partenaires.push(tr.t("alliances-evaluation-moyenne"));
            for (i, (_, ligne)) in scores.iter_mut().enumerate() {
                let valeurs: Vec<f64> = s
                    .scores
                    .iter()
                    .filter_map(|r| r.dimensions[i].score)
                    .collect();
                ligne.push(if valeurs.is_empty() {
                    "—".into()
                } else {
                    crate::kits_view::score(valeurs.iter().sum::<f64>() / valeurs.len() as f64, &tr)
                });
            }
        }
        if let Some(u) = visitor.user() {
            ma_passation = super::kits::ma_passation_du_groupe(&state, u, s.groupe.id).await?;
        }
    }
    render(&EvaluationPage {
        layout: l,
        p,
        represente: !vue.acteur.membres.is_empty(),
        reponses,
        partenaires,
        scores,
        ecarts,
        ma_passation,
    })
}

/// `POST /alliances/{id}/evaluation`: a member answers the partnership evaluation grid (the
/// alliance's group is created on first use).
pub async fn evaluation(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let id = id_de(&id)?;
    let cle = state.app.evaluer_alliance(user(&visitor)?, id).await?;
    Ok(Redirect::to(&format!(
        "/kits/{}/passation/{cle}",
        alliances_app::kits::KIT_EVALUATION
    ))
    .into_response())
}

#[derive(Template)]
#[template(path = "alliance_membres.html")]
struct MembresPage {
    layout: Layout,
    p: Presentation,
    erreurs: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    organisation: String,
    role: String,
}

async fn page_membres(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    erreurs: Vec<(String, String)>,
    saisie: (String, String),
) -> Result<Response, PageError> {
    let SousPage {
        p, layout: l, tr, ..
    } = sous_page(
        state,
        visitor,
        id,
        "/membres",
        Some("alliances-membres-titre"),
    )
    .await?;
    let status = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&MembresPage {
        layout: l,
        p,
        erreurs,
        roles: RoleMembre::ALL
            .iter()
            .map(|r| (r.slug().to_string(), lbl(r.label_fr(), r.label_en(), &tr)))
            .collect(),
        organisation: saisie.0,
        role: if saisie.1.is_empty() {
            "membre".into()
        } else {
            saisie.1
        },
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// `GET /alliances/{id}/membres`.
pub async fn membres(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    page_membres(&state, &visitor, &id, vec![], Default::default()).await
}

/// `POST /alliances/{id}/membres`: the backbone proposes an organisation of the annuaire.
pub async fn proposer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let aid = id_de(&id)?;
    let saisie = (
        un(&f, "organisation").trim().to_string(),
        un(&f, "role").trim().to_string(),
    );
    let tr = state.tr(visitor.lang);
    let org = match crate::annuaire_view::organisation_saisie(&state, &saisie.0) {
        Ok(org) => org,
        Err(cle) => {
            let e = vec![("organisation".to_string(), tr.t(cle))];
            return page_membres(&state, &visitor, &id, e, saisie).await;
        }
    };
    match state.app.proposer_membre(u, aid, org, &saisie.1).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/alliances/{aid}/membres#propositions")).into_response())
        }
        Err(AllianceError::Invalide(e)) => {
            page_membres(&state, &visitor, &id, erreurs_de(e), saisie).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The membership `mid` of alliance `aid`, checked (404 otherwise).
async fn membre_de(
    state: &AppState,
    visitor: &Visitor,
    aid: i64,
    mid: i64,
) -> Result<(), PageError> {
    let vue = state.app.alliance(visitor.user(), aid).await?;
    if vue.membres.iter().any(|m| m.id == mid) {
        Ok(())
    } else {
        Err(PageError::NotFound)
    }
}

/// `POST /alliances/{id}/membres/{mid}/role` (backbone).
pub async fn membre_role(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, mid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let (aid, mid) = (id_de(&id)?, id_de(&mid)?);
    membre_de(&state, &visitor, aid, mid).await?;
    match state.app.changer_role_membre(u, mid, un(&f, "role")).await {
        Ok(()) => Ok(Redirect::to(&format!("/alliances/{aid}/membres")).into_response()),
        Err(AllianceError::Refus(m)) => {
            page_membres(
                &state,
                &visitor,
                &id,
                vec![("membre".into(), m)],
                Default::default(),
            )
            .await
        }
        Err(AllianceError::Invalide(e)) => {
            page_membres(&state, &visitor, &id, erreurs_de(e), Default::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /alliances/{id}/membres/{mid}/retrait`: the organisation's owner leaves, or the
/// backbone removes it (never the last backbone).
pub async fn membre_retrait(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, mid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let (aid, mid) = (id_de(&id)?, id_de(&mid)?);
    membre_de(&state, &visitor, aid, mid).await?;
    match state.app.quitter_alliance(u, mid).await {
        Ok(()) => Ok(Redirect::to(&format!("/alliances/{aid}/membres")).into_response()),
        Err(AllianceError::Refus(m)) => {
            page_membres(
                &state,
                &visitor,
                &id,
                vec![("membre".into(), m)],
                Default::default(),
            )
            .await
        }
        Err(AllianceError::Introuvable) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// `POST /alliances/{id}/membres/{mid}/reponse`: the proposed organisation's owner accepts
/// (`reponse=accepter`) or declines; `retour=organisation` comes back to its page.
pub async fn membre_reponse(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, mid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let (aid, mid) = (id_de(&id)?, id_de(&mid)?);
    let accepter = match un(&f, "reponse") {
        "accepter" => true,
        "refuser" => false,
        _ => return Err(PageError::BadRequest),
    };
    match state.app.repondre_membre(u, mid, accepter).await {
        Ok(()) => {
            let retour: Option<i64> = un(&f, "organisation").parse().ok();
            let to = match (un(&f, "retour"), retour) {
                ("organisation", Some(o)) => format!("/organisations/{o}#alliances"),
                _ => format!("/alliances/{aid}"),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AllianceError::Refus(m)) => refus(&state, &visitor, aid, m),
        Err(e) => Err(e.into()),
    }
}

/// `GET` and `POST /alliances/{id}/membres/{mid}/objectifs`: a member's objectives on the four
/// axes.
pub async fn objectifs(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, mid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let vue = vue_de(&state, &visitor, &id).await?;
    let mid = id_de(&mid)?;
    let m = vue
        .membres
        .iter()
        .find(|m| m.id == mid && m.etat == "acceptee")
        .ok_or(PageError::NotFound)?;
    let o: Objectifs = serde_json::from_str(&m.objectifs).unwrap_or_default();
    form_objectifs(&state, &visitor, &vue, mid, &m.organisation_nom, &o, &[])
}

fn form_objectifs(
    state: &AppState,
    visitor: &Visitor,
    vue: &Vue,
    mid: i64,
    nom: &str,
    o: &Objectifs,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "alliances-objectif-",
    };
    let champs = vec![
        f.champ("competences", "textarea", o.competences.clone()),
        f.champ("partiesPrenantes", "textarea", o.parties_prenantes.clone()),
        f.champ("innovation", "textarea", o.innovation.clone()),
        f.champ("ressources", "textarea", o.ressources.clone()),
    ];
    page_formulaire(
        state,
        visitor,
        format!("/alliances/{}/membres/{mid}/objectifs", vue.fiche.id),
        tr.ta("alliances-objectifs-titre", &[("organisation", nom)]),
        Some((vue.fiche.id, &vue.fiche.alliance.nom)),
        &f,
        champs,
        vec![],
        tr.t("alliances-enregistrer"),
        Some(tr.t("alliances-objectifs-intro")),
        None,
    )
}

pub async fn objectifs_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, mid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let vue = vue_de(&state, &visitor, &id).await?;
    let mid = id_de(&mid)?;
    let m = vue
        .membres
        .iter()
        .find(|m| m.id == mid && m.etat == "acceptee")
        .ok_or(PageError::NotFound)?;
    let o = Objectifs {
        competences: un(&f, "competences").to_string(),
        parties_prenantes: un(&f, "partiesPrenantes").to_string(),
        innovation: un(&f, "innovation").to_string(),
        ressources: un(&f, "ressources").to_string(),
    };
    match state.app.objectifs_membre(u, mid, &o).await {
        Ok(()) => Ok(Redirect::to(&format!("/alliances/{}/membres", vue.fiche.id)).into_response()),
        Err(AllianceError::Invalide(e)) => {
            form_objectifs(&state, &visitor, &vue, mid, &m.organisation_nom, &o, &e)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /alliances/{id}/fonctions`: the backbone gives a function to a member (or to nobody).
pub async fn fonctions(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let aid = id_de(&id)?;
    let org: Option<i64> = un(&f, "organisation").trim().parse().ok();
    match state
        .app
        .attribuer_fonction(u, aid, un(&f, "fonction"), org)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/alliances/{aid}/membres#fonctions")).into_response()),
        Err(AllianceError::Invalide(e)) => {
            page_membres(&state, &visitor, &id, erreurs_de(e), Default::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------- agenda

fn form_agenda(
    state: &AppState,
    visitor: &Visitor,
    vue: &Vue,
    v: (&str, &str, &str),
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "alliances-agenda-",
    };
    let champs = vec![
        f.aide(f.champ("vision", "textarea", v.0.to_string())),
        f.aide(f.champ("objectifs", "textarea", v.1.to_string())),
        f.aide(f.champ("theorie", "textarea", v.2.to_string())),
    ];
    page_formulaire(
        state,
        visitor,
        format!("/alliances/{}/agenda", vue.fiche.id),
        tr.t("alliances-agenda-titre"),
        Some((vue.fiche.id, &vue.fiche.alliance.nom)),
        &f,
        champs,
        vec![],
        tr.t("alliances-agenda-bouton"),
        Some(tr.t("alliances-agenda-intro")),
        None,
    )
}

/// `GET /alliances/{id}/agenda`: the backbone writes a new version of the common agenda.
pub async fn agenda(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let vue = vue_de(&state, &visitor, &id).await?;
    if !vue.acteur.est_backbone() {
        return Err(PageError::Forbidden);
    }
    let f = &vue.fiche;
    form_agenda(
        &state,
        &visitor,
        &vue,
        (&f.agenda_vision, &f.agenda_objectifs, &f.agenda_theorie),
        &[],
    )
}

/// `POST /alliances/{id}/agenda`.
pub async fn agenda_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let vue = vue_de(&state, &visitor, &id).await?;
    let v = (un(&f, "vision"), un(&f, "objectifs"), un(&f, "theorie"));
    match state
        .app
        .ecrire_agenda(u, vue.fiche.id, v.0, v.1, v.2)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/alliances/{}#agenda", vue.fiche.id)).into_response()),
        Err(AllianceError::Invalide(e)) => form_agenda(&state, &visitor, &vue, v, &e),
        Err(e) => Err(e.into()),
    }
}

/// `POST /alliances/{id}/agenda/accord`: a member organisation agrees to the current version.
pub async fn agenda_accord(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let aid = id_de(&id)?;
    let org: i64 = un(&f, "organisation")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    match state.app.approuver_agenda(u, aid, org).await {
        Ok(()) => Ok(Redirect::to(&format!("/alliances/{aid}#agenda")).into_response()),
        Err(AllianceError::Refus(m)) => refus(&state, &visitor, aid, m),
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------------ indicators

#[derive(Template)]
#[template(path = "alliance_indicateurs.html")]
struct IndicateursPage {
    layout: Layout,
    p: Presentation,
    complet: bool,
}

/// `GET /alliances/{id}/indicateurs`: the shared indicators, their values and charts.
pub async fn indicateurs(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let SousPage { p, layout: l, .. } = sous_page(
        &state,
        &visitor,
        &id,
        "/indicateurs",
        Some("alliances-indicateurs-titre"),
    )
    .await?;
    render(&IndicateursPage {
        layout: l,
        p,
        complet: true,
    })
}

fn nombre_saisi(v: &str) -> Result<Option<f64>, ()> {
    let v = v
        .trim()
        .replace(',', ".")
        .replace([' ', '\u{a0}', '\u{202f}'], "");
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(Some)
        .ok_or(())
}

fn form_indicateur(
    state: &AppState,
    visitor: &Visitor,
    vue: &Vue,
    f: &Champs,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let fo = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "alliances-ind-champ-",
    };
    let txt = |n: &'static str, g: &'static str| fo.champ(n, g, un(f, n).to_string());
    let mut responsables = vec![(
        String::new(),
        tr.t("choix-aucun"),
        un(f, "responsable").is_empty(),
    )];
    responsables.extend(vue.actifs().map(|m| {
        (
            m.organisation_id.to_string(),
            m.organisation_nom.clone(),
            un(f, "responsable") == m.organisation_id.to_string(),
        )
    }));
    let per = if un(f, "periodicite").is_empty() {
        "trimestrielle"
    } else {
        un(f, "periodicite")
    };
    let champs = vec![
        txt("nom", "text"),
        fo.aide(txt("definition", "textarea")),
        fo.aide(txt("unite", "text")),
        fo.choix(
            "sens",
            "select",
            Sens::ALL
                .iter()
                .map(|s| {
                    (
                        s.slug().into(),
                        lbl(s.label_fr(), s.label_en(), &tr),
                        un(f, "sens") == s.slug(),
                    )
                })
                .collect(),
        ),
        fo.choix(
            "periodicite",
            "select",
            Periodicite::ALL
                .iter()
                .map(|s| {
                    (
                        s.slug().into(),
                        lbl(s.label_fr(), s.label_en(), &tr),
                        per == s.slug(),
                    )
                })
                .collect(),
        ),
        txt("valeurBase", "text"),
        txt("dateBase", "date"),
        txt("valeurCible", "text"),
        txt("dateCible", "date"),
        fo.aide(txt("desagregation", "text")),
        fo.choix("responsable", "select", responsables),
    ];
    page_formulaire(
        state,
        visitor,
        format!("/alliances/{}/indicateurs/nouveau", vue.fiche.id),
        tr.t("alliances-indicateur-nouveau-titre"),
        Some((vue.fiche.id, &vue.fiche.alliance.nom)),
        &fo,
        champs,
        vec![],
        tr.t("alliances-indicateur-ajouter"),
        Some(tr.t("alliances-indicateur-intro")),
        None,
    )
}

/// `GET /alliances/{id}/indicateurs/nouveau` (backbone).
pub async fn indicateur_nouveau(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let vue = vue_de(&state, &visitor, &id).await?;
    if !vue.acteur.est_backbone() {
        return Err(PageError::Forbidden);
    }
    form_indicateur(&state, &visitor, &vue, &Vec::new(), &[])
}

/// `POST /alliances/{id}/indicateurs/nouveau`.
pub async fn indicateur_nouveau_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let vue = vue_de(&state, &visitor, &id).await?;
    let mut erreurs = Vec::new();
    let mut num = |n: &'static str| match nombre_saisi(un(&f, n)) {
        Ok(v) => v,
        Err(()) => {
            erreurs.push(ChampErreur::new(
                n,
                "un nombre est attendu (par exemple 12,5)",
            ));
            None
        }
    };
    let s = IndicateurSaisie {
        nom: un(&f, "nom").to_string(),
        definition: un(&f, "definition").to_string(),
        unite: un(&f, "unite").to_string(),
        sens: un(&f, "sens").to_string(),
        valeur_base: num("valeurBase"),
        date_base: opt(un(&f, "dateBase")),
        valeur_cible: num("valeurCible"),
        date_cible: opt(un(&f, "dateCible")),
        periodicite: un(&f, "periodicite").to_string(),
        desagregation: opt(un(&f, "desagregation")),
        responsable: un(&f, "responsable").trim().parse().ok(),
    };
    if !erreurs.is_empty() {
        return form_indicateur(&state, &visitor, &vue, &f, &erreurs);
    }
    match state.app.ajouter_indicateur(u, vue.fiche.id, &s).await {
        Ok(iid) => Ok(Redirect::to(&format!(
            "/alliances/{}/indicateurs#indicateur-{iid}",
            vue.fiche.id
        ))
        .into_response()),
        Err(AllianceError::Invalide(e)) => form_indicateur(&state, &visitor, &vue, &f, &e),
        Err(e) => Err(e.into()),
    }
}

fn form_valeur(
    state: &AppState,
    visitor: &Visitor,
    vue: &Vue,
    iid: i64,
    f: &Champs,
    erreurs: &[ChampErreur],
    a_confirmer: Option<String>,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let iv = vue
        .indicateurs
        .iter()
        .find(|i| i.fiche.id == iid)
        .ok_or(PageError::NotFound)?;
    let i = &iv.fiche.indicateur;
    let fo = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "alliances-valeur-champ-",
    };
    let mut champs = vec![fo.choix(
        "organisation",
        "select",
        vue.acteur
            .membres
            .iter()
            .map(|(o, _)| {
                (
                    o.to_string(),
                    vue.nom_membre(*o).unwrap_or("?").to_string(),
                    un(f, "organisation") == o.to_string(),
                )
            })
            .collect(),
    )];
    let mut periode = fo.champ("periode", "text", un(f, "periode").to_string());
    periode.aide = Some(
        tr.ta(
            "alliances-valeur-champ-periode-aide",
            &[(
                "exemple",
                &i.periodicite
                    .libelle(i.periodicite.debut(dates::jour_de(now())) - 1),
            )],
        ),
    );
    champs.push(periode);
    let mut valeur = fo.champ("valeur", "text", un(f, "valeur").to_string());
    if !i.unite.is_empty() {
        valeur.libelle = format!("{} ({})", valeur.libelle, i.unite);
    }
    champs.push(valeur);
    if let Some(d) = &i.desagregation {
        let mut v = fo.champ("ventilation", "text", un(f, "ventilation").to_string());
        v.aide = Some(tr.ta(
            "alliances-valeur-champ-ventilation-aide",
            &[("desagregation", d)],
        ));
        champs.push(v);
    }
    champs.push(fo.champ("commentaire", "textarea", un(f, "commentaire").to_string()));
    if a_confirmer.is_some() {
        champs.push(fo.choix(
            "confirmer",
            "checkboxes",
            vec![(
                "oui".into(),
                tr.t("alliances-valeur-champ-confirmer-oui"),
                false,
            )],
        ));
    }
    let mut intro = format!("{} — {}", i.nom, i.definition);
    if i.definition.is_empty() {
        intro = i.nom.clone();
    }
    page_formulaire(
        state,
        visitor,
        format!("/alliances/{}/indicateurs/{iid}/valeur", vue.fiche.id),
        tr.ta("alliances-valeur-titre", &[("indicateur", &i.nom)]),
        Some((vue.fiche.id, &vue.fiche.alliance.nom)),
        &fo,
        champs,
        vec![],
        tr.t("alliances-valeur-bouton"),
        Some(intro),
        a_confirmer,
    )
}

/// `GET /alliances/{id}/indicateurs/{iid}/valeur`: a member declares the value of a period.
pub async fn valeur(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let vue = vue_de(&state, &visitor, &id).await?;
    if vue.acteur.membres.is_empty() {
        return Err(PageError::Forbidden);
    }
    form_valeur(&state, &visitor, &vue, id_de(&iid)?, &Vec::new(), &[], None)
}

/// `POST /alliances/{id}/indicateurs/{iid}/valeur`: refused for a period not ended or closed;
/// an implausible value comes back to be confirmed (`confirmer=oui`) or corrected.
pub async fn valeur_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, iid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let vue = vue_de(&state, &visitor, &id).await?;
    let iid = id_de(&iid)?;
    if !vue.indicateurs.iter().any(|i| i.fiche.id == iid) {
        return Err(PageError::NotFound);
    }
    let s = ValeurSaisie {
        organisation: un(&f, "organisation").trim().parse().unwrap_or(0),
        periode: un(&f, "periode").to_string(),
        valeur: un(&f, "valeur").to_string(),
        ventilation: un(&f, "ventilation").to_string(),
        commentaire: un(&f, "commentaire").to_string(),
        confirmer: un(&f, "confirmer") == "oui",
    };
    match state.app.declarer_valeur(u, iid, &s).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/alliances/{}/indicateurs#indicateur-{iid}",
            vue.fiche.id
        ))
        .into_response()),
        Err(AllianceError::Invalide(e)) => form_valeur(&state, &visitor, &vue, iid, &f, &e, None),
        Err(AllianceError::AConfirmer(m)) => {
            let e = vec![ChampErreur::new("valeur", m.clone())];
            form_valeur(&state, &visitor, &vue, iid, &f, &e, Some(m))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /alliances/{id}/valeurs/{vid}`: the backbone validates (`decision=valider`) or rejects
/// a declared value.
pub async fn statuer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, vid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let (aid, vid) = (id_de(&id)?, id_de(&vid)?);
    let valider = match un(&f, "decision") {
        "valider" => true,
        "rejeter" => false,
        _ => return Err(PageError::BadRequest),
    };
    let vue = state.app.alliance(visitor.user(), aid).await?;
    let Some(iv) = vue
        .indicateurs
        .iter()
        .find(|i| i.valeurs.iter().any(|v| v.id == vid))
    else {
        return Err(PageError::NotFound);
    };
    match state.app.statuer_valeur(u, vid, valider).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/alliances/{aid}/indicateurs#indicateur-{}",
            iv.fiche.id
        ))
        .into_response()),
        Err(AllianceError::Refus(m)) => refus(&state, &visitor, aid, m),
        Err(e) => Err(e.into()),
    }
}

// --------------------------------------------------------------------------------- actions

#[derive(Template)]
#[template(path = "alliance_actions.html")]
struct ActionsPage {
    layout: Layout,
    p: Presentation,
}

/// `GET /alliances/{id}/actions`: the action plan.
pub async fn actions(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let SousPage { p, layout: l, .. } = sous_page(
        &state,
        &visitor,
        &id,
        "/actions",
        Some("alliances-actions-titre"),
    )
    .await?;
    render(&ActionsPage { layout: l, p })
}

fn saisie_action(f: &Champs) -> ActionSaisie {
    ActionSaisie {
        titre: un(f, "titre").to_string(),
        description: un(f, "description").to_string(),
        porteur: un(f, "porteur").trim().parse().ok(),
        statut: un(f, "statut").to_string(),
        date_debut: opt(un(f, "dateDebut")),
        date_fin: opt(un(f, "dateFin")),
        indicateurs: tous(f, "indicateurs")
            .filter_map(|v| v.parse().ok())
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn form_action(
    state: &AppState,
    visitor: &Visitor,
    vue: &Vue,
    action: String,
    title: String,
    s: &ActionSaisie,
    version: Option<i64>,
    erreurs: &[ChampErreur],
    alerte: Option<String>,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let fo = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "alliances-action-champ-",
    };
    let mut porteurs = vec![(String::new(), tr.t("choix-aucun"), s.porteur.is_none())];
    porteurs.extend(vue.actifs().map(|m| {
        (
            m.organisation_id.to_string(),
            m.organisation_nom.clone(),
            s.porteur == Some(m.organisation_id),
        )
    }));
    let statut = if s.statut.is_empty() {
        "a-faire"
    } else {
        &s.statut
    };
    let mut champs = vec![
        fo.champ("titre", "text", s.titre.clone()),
        fo.champ("description", "textarea", s.description.clone()),
        fo.choix("porteur", "select", porteurs),
        fo.choix(
            "statut",
            "select",
            StatutAction::ALL
                .iter()
                .map(|x| {
                    (
                        x.slug().into(),
                        lbl(x.label_fr(), x.label_en(), &tr),
                        statut == x.slug(),
                    )
                })
                .collect(),
        ),
        fo.champ(
            "dateDebut",
            "date",
            s.date_debut.clone().unwrap_or_default(),
        ),
        fo.champ("dateFin", "date", s.date_fin.clone().unwrap_or_default()),
    ];
    if !vue.indicateurs.is_empty() {
        champs.push(
            fo.choix(
                "indicateurs",
                "checkboxes",
                vue.indicateurs
                    .iter()
                    .map(|i| {
                        (
                            i.fiche.id.to_string(),
                            i.fiche.indicateur.nom.clone(),
                            s.indicateurs.contains(&i.fiche.id),
                        )
                    })
                    .collect(),
            ),
        );
    }
    page_formulaire(
        state,
        visitor,
        action,
        title,
        Some((vue.fiche.id, &vue.fiche.alliance.nom)),
        &fo,
        champs,
        version
            .map(|v| vec![("version".to_string(), v.to_string())])
            .unwrap_or_default(),
        tr.t(if version.is_some() {
            "alliances-enregistrer"
        } else {
            "alliances-action-ajouter"
        }),
        None,
        alerte,
    )
}

/// `GET /alliances/{id}/actions/nouvelle` (backbone).
pub async fn action_nouvelle(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let vue = vue_de(&state, &visitor, &id).await?;
    if !vue.acteur.est_backbone() {
        return Err(PageError::Forbidden);
    }
    let tr = state.tr(visitor.lang);
    form_action(
        &state,
        &visitor,
        &vue,
        format!("/alliances/{}/actions/nouvelle", vue.fiche.id),
        tr.t("alliances-action-nouvelle-titre"),
        &ActionSaisie::default(),
        None,
        &[],
        None,
    )
}

pub async fn action_nouvelle_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let vue = vue_de(&state, &visitor, &id).await?;
    let s = saisie_action(&f);
    match state.app.ajouter_action(u, vue.fiche.id, &s).await {
        Ok(_) => Ok(Redirect::to(&format!("/alliances/{}/actions", vue.fiche.id)).into_response()),
        Err(AllianceError::Invalide(e)) => {
            let tr = state.tr(visitor.lang);
            form_action(
                &state,
                &visitor,
                &vue,
                format!("/alliances/{}/actions/nouvelle", vue.fiche.id),
                tr.t("alliances-action-nouvelle-titre"),
                &s,
                None,
                &e,
                None,
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /alliances/{id}/actions/{aid}/modifier` (backbone, or the action's owner member).
pub async fn action_modifier(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, aid)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let vue = vue_de(&state, &visitor, &id).await?;
    let aid = id_de(&aid)?;
    let a = vue
        .actions
        .iter()
        .find(|a| a.id == aid)
        .ok_or(PageError::NotFound)?;
    if !vue.acteur.est_backbone() && !a.porteur.is_some_and(|p| vue.acteur.represente(p)) {
        return Err(PageError::Forbidden);
    }
    let s = ActionSaisie {
        titre: a.titre.clone(),
        description: a.description.clone(),
        porteur: a.porteur,
        statut: a.statut.clone(),
        date_debut: a.date_debut.clone(),
        date_fin: a.date_fin.clone(),
        indicateurs: a.indicateurs.clone(),
    };
    let tr = state.tr(visitor.lang);
    form_action(
        &state,
        &visitor,
        &vue,
        format!("/alliances/{}/actions/{aid}/modifier", vue.fiche.id),
        tr.t("alliances-action-modifier-titre"),
        &s,
        Some(a.version),
        &[],
        None,
    )
}

pub async fn action_modifier_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, aid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let vue = vue_de(&state, &visitor, &id).await?;
    let aid = id_de(&aid)?;
    let actuelle = vue
        .actions
        .iter()
        .find(|a| a.id == aid)
        .ok_or(PageError::NotFound)?;
    let version: i64 = un(&f, "version")
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let s = saisie_action(&f);
    let tr = state.tr(visitor.lang);
    let (e, alerte, version) = match state.app.modifier_action(u, aid, version, &s).await {
        Ok(()) => {
            return Ok(
                Redirect::to(&format!("/alliances/{}/actions", vue.fiche.id)).into_response(),
            )
        }
        Err(AllianceError::Invalide(e)) => (e, None, version),
        Err(AllianceError::Conflit) => (
            vec![ChampErreur::new(
                "titre",
                AllianceError::Conflit.to_string(),
            )],
            Some(tr.t("alliances-conflit")),
            actuelle.version,
        ),
        Err(e) => return Err(e.into()),
    };
    form_action(
        &state,
        &visitor,
        &vue,
        format!("/alliances/{}/actions/{aid}/modifier", vue.fiche.id),
        tr.t("alliances-action-modifier-titre"),
        &s,
        Some(version),
        &e,
        alerte,
    )
}

// --------------------------------------------------------------------------------- journal

#[derive(Template)]
#[template(path = "alliance_journal.html")]
struct JournalPage {
    layout: Layout,
    p: Presentation,
}

/// `GET /alliances/{id}/journal`: meetings and decisions, latest first.
pub async fn journal(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let SousPage { p, layout: l, .. } = sous_page(
        &state,
        &visitor,
        &id,
        "/journal",
        Some("alliances-journal-titre"),
    )
    .await?;
    render(&JournalPage { layout: l, p })
}

fn form_entree(
    state: &AppState,
    visitor: &Visitor,
    vue: &Vue,
    f: &Champs,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let fo = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "alliances-entree-champ-",
    };
    let date = if f.is_empty() {
        dates::iso(dates::jour_de(now()))
    } else {
        un(f, "date").to_string()
    };
    let champs = vec![
        fo.champ("date", "date", date),
        fo.champ("titre", "text", un(f, "titre").to_string()),
        fo.champ(
            "participants",
            "textarea",
            un(f, "participants").to_string(),
        ),
        fo.champ("decisions", "textarea", un(f, "decisions").to_string()),
        fo.aide(fo.champ("liens", "textarea", un(f, "liens").to_string())),
    ];
    page_formulaire(
        state,
        visitor,
        format!("/alliances/{}/journal/nouvelle", vue.fiche.id),
        tr.t("alliances-entree-titre"),
        Some((vue.fiche.id, &vue.fiche.alliance.nom)),
        &fo,
        champs,
        vec![],
        tr.t("alliances-entree-bouton"),
        None,
        None,
    )
}

/// `GET /alliances/{id}/journal/nouvelle` (members).
pub async fn entree_nouvelle(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let vue = vue_de(&state, &visitor, &id).await?;
    if !vue.acteur.est_membre() {
        return Err(PageError::Forbidden);
    }
    form_entree(&state, &visitor, &vue, &Vec::new(), &[])
}

pub async fn entree_nouvelle_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let u = user(&visitor)?;
    let vue = vue_de(&state, &visitor, &id).await?;
    let s = EntreeSaisie {
        date: un(&f, "date").to_string(),
        titre: un(&f, "titre").to_string(),
        participants: un(&f, "participants").to_string(),
        decisions: un(&f, "decisions").to_string(),
        liens: un(&f, "liens").to_string(),
    };
    match state.app.ajouter_entree(u, vue.fiche.id, &s).await {
        Ok(_) => Ok(Redirect::to(&format!("/alliances/{}/journal", vue.fiche.id)).into_response()),
        Err(AllianceError::Invalide(e)) => form_entree(&state, &visitor, &vue, &f, &e),
        Err(e) => Err(e.into()),
    }
}

// -------------------------------------------------------- on organisation and territory pages

/// An organisation's alliances and the proposals waiting for its owners, for its page.
pub struct AlliancesOrganisation {
    /// (href, name, role) of the alliances it belongs to (members-only ones for its own people).
    pub alliances: Vec<(String, String, String)>,
    /// (alliance id, membership id, alliance name, role) waiting for an answer.
    pub propositions: Vec<(i64, i64, String, String)>,
}

fn role_label(slug: &str, tr: &Tr) -> String {
    RoleMembre::from_slug(slug)
        .map(|r| lbl(r.label_fr(), r.label_en(), tr))
        .unwrap_or_else(|| slug.to_string())
}

pub async fn de_l_organisation(
    state: &AppState,
    tr: &Tr,
    organisation: i64,
    des_siens: bool,
    proprietaire: bool,
) -> Result<AlliancesOrganisation, PageError> {
    let liste = state.app.alliances_publiques_ou_non(organisation).await?;
    let alliances = liste
        .into_iter()
        .filter(|(_, _, _, publique)| *publique || des_siens)
        .map(|(id, nom, role, _)| (format!("/alliances/{id}"), nom, role_label(&role, tr)))
        .collect();
    let propositions = if proprietaire {
        state
            .app
            .propositions_de_l_organisation(organisation)
            .await?
            .into_iter()
            .map(|(aid, mid, nom, role)| (aid, mid, nom, role_label(&role, tr)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(AlliancesOrganisation {
        alliances,
        propositions,
    })
}

/// The public alliances acting in a territory (or inside it), for its page.
pub fn du_territoire(
    state: &AppState,
    tr: &Tr,
    cle: &str,
) -> (String, Vec<(String, String)>, String) {
    let liste = state.app.alliances_liste();
    let (total, page) = liste.chercher(&Filtre {
        territoire: Some(cle.to_string()),
        now: now(),
        limite: 10,
        ..Filtre::default()
    });
    (
        tr.tn(
            "alliances-resultats",
            total,
            &[("n", &tr.nombre(total as u64))],
        ),
        page.iter()
            .map(|a| (format!("/alliances/{}", a.id), a.nom.clone()))
            .collect(),
        format!("/alliances?territoire={}", cle.replace(':', "%3A")),
    )
}
