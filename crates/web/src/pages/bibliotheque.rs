//! The resource library's pages: the list with its filters (`/ressources`, plain GET, count,
//! pages), a resource (`/ressources/{id}`), an inspiring example as a structured case
//! (`/exemples/{id}`, with the moderators' decision while it is submitted), events and
//! webinars (`/ressources/evenements`) with their iCalendar feed, and the forms to write
//! resources, examples and events. Rights are decided by the app; this module parses and
//! renders.

use super::formulaires::{check, form, opt, tous, un, Champ, Champs, Formulaire};
use super::{render, PageError};
use crate::alliances_view::lbl;
use crate::i18n::Tr;
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::territoire_view::territoire_de;
use crate::visiteur::Visitor;
use alliances_app::bibliotheque::liste::Origine;
use alliances_app::bibliotheque::{
    BibliothequeError, Element, EtatActeur, Filtres, VueEntree, VueEvenement,
};
use alliances_domain::alliances::Forme;
use alliances_domain::annuaire::{ChampErreur, Lieu, Profil, TypePartenariat};
use alliances_domain::bibliotheque::heure::utc_vers_paris;
use alliances_domain::bibliotheque::{
    EntreeSaisie, EtatPublication, EvenementSaisie, Famille, FormatEvenement, Lien, LienSaisie,
};
use alliances_domain::odd::OddNumber;
use alliances_domain::ressources::Theme;
use alliances_domain::territoires::Referentiel;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

const PAR_PAGE: usize = 20;

impl From<BibliothequeError> for PageError {
    fn from(e: BibliothequeError) -> Self {
        match e {
            BibliothequeError::Introuvable => PageError::NotFound,
            BibliothequeError::Interdit => PageError::Forbidden,
            BibliothequeError::App(a) => a.into(),
            other => {
                tracing::warn!(error = %other, "library request refused");
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
    parents: &[(String, &str)],
) -> Layout {
    let mut l = Layout::new(state, visitor, path, "ressources", title);
    let mut crumbs = vec![home_crumb(&l.tr)];
    if path != "/ressources" {
        crumbs.push(Crumb {
            label: l.t("bibliotheque-titre"),
            href: Some("/ressources".into()),
        });
    }
    for (label, href) in parents {
        crumbs.push(Crumb {
            label: label.clone(),
            href: Some(href.to_string()),
        });
    }
    crumbs.push(Crumb {
        label: l.title.clone(),
        href: None,
    });
    l.breadcrumb = crumbs;
    l
}

/// A date `AAAA-MM-JJ` the reader's way.
fn date_lisible(iso: &str, tr: &Tr) -> String {
    match alliances_domain::dates::depuis_iso(iso) {
        Some(z) => crate::annuaire_view::date_jour(z * 86_400, tr),
        None => iso.to_string(),
    }
}

/// A UTC instant as Paris date and time, the reader's way.
fn date_heure(ts: i64, tr: &Tr) -> String {
    let (z, h, m) = utc_vers_paris(ts);
    format!(
        "{} {h:02}:{m:02}",
        crate::annuaire_view::date_jour(z * 86_400, tr)
    )
}

fn themes_txt(t: &[Theme], tr: &Tr) -> Vec<(String, String)> {
    t.iter()
        .map(|x| (x.slug().to_string(), lbl(x.label_fr(), x.label_en(), tr)))
        .collect()
}

fn famille_txt(f: Famille, tr: &Tr) -> String {
    lbl(f.label_fr(), f.label_en(), tr)
}

// ------------------------------------------------------------------------------ the list

/// An entry of the list as shown.
pub struct Ligne {
    pub titre: String,
    pub chemin: String,
    pub resume: String,
    pub famille: String,
    /// « Kit d'autodiagnostic », « Publication de l'observatoire » for derived entries.
    pub origine: Option<String>,
    pub date: String,
    pub themes: Vec<(String, String)>,
    pub odd: String,
    pub territoires: String,
    pub demo: bool,
}

fn ligne(e: &Element, r: &Referentiel, tr: &Tr) -> Ligne {
    Ligne {
        titre: e.titre.clone(),
        chemin: e.chemin.clone(),
        resume: e.resume.clone(),
        famille: famille_txt(e.famille, tr),
        origine: match e.origine {
            Origine::Stockee => None,
            Origine::Kit => Some(tr.t("bibliotheque-derivee-kit")),
            Origine::Observatoire => Some(tr.t("bibliotheque-derivee-observatoire")),
        },
        date: date_lisible(&e.date, tr),
        themes: themes_txt(&e.themes, tr),
        odd: e
            .odd
            .iter()
            .map(|o| o.get().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        territoires: crate::territoire_view::lieux(&e.territoires, r),
        demo: e.demo,
    }
}

#[derive(Template)]
#[template(path = "bibliotheque.html")]
struct ListePage {
    layout: Layout,
    familles: Vec<(String, String, bool)>,
    themes: Vec<(String, String, bool)>,
    odds: Vec<(String, String, bool)>,
    publics: Vec<(String, String, bool)>,
    territoire: String,
    lignes: Vec<Ligne>,
    resultats: String,
    filtre: bool,
    precedente: Option<String>,
    suivante: Option<String>,
    erreurs: Vec<String>,
    csv: String,
}

fn choix<T: Copy + PartialEq>(
    tous: &[T],
    courant: Option<T>,
    slug: impl Fn(T) -> String,
    label: impl Fn(T) -> String,
    vide: String,
) -> Vec<(String, String, bool)> {
    let mut v = vec![(String::new(), vide, courant.is_none())];
    v.extend(
        tous.iter()
            .map(|x| (slug(*x), label(*x), Some(*x) == courant)),
    );
    v
}

/// The filters of the list, read strictly from the query (one reader for pages and API):
/// the filters and, per unknown value, (parameter, message).
pub fn lire_filtres(params: &Params, r: &Referentiel) -> (Filtres, Vec<(&'static str, String)>) {
    let mut erreurs = Vec::new();
    let texte = |n: &str| params.text(n).map(str::trim).filter(|v| !v.is_empty());
    let mut f = Filtres::default();
    if let Some(v) = texte("famille") {
        f.famille = Famille::from_slug(v);
        if f.famille.is_none() {
            erreurs.push((
                "famille",
                format!("« {v} » inconnue ; attendu : {}", Famille::slugs()),
            ));
        }
    }
    if let Some(v) = texte("theme") {
        f.theme = Theme::from_slug(v);
        if f.theme.is_none() {
            erreurs.push((
                "theme",
                format!("« {v} » inconnu ; attendu : {}", Theme::slugs()),
            ));
        }
    }
    if let Some(v) = texte("odd") {
        match OddNumber::parse(v) {
            Ok(o) => f.odd = Some(o),
            Err(e) => erreurs.push(("odd", e.to_string())),
        }
    }
    if let Some(v) = texte("public") {
        f.public = Profil::from_slug(v);
        if f.public.is_none() {
            erreurs.push((
                "public",
                format!("« {v} » inconnu ; attendu : {}", Profil::slugs()),
            ));
        }
    }
    if let Some(v) = texte("territoire") {
        match territoire_de(v, r) {
            Some((cle, _)) => {
                let l = Lieu::parse_cle(&cle).expect("territoire_de gives niveau:code");
                f.territoire = Some((l.niveau, l.code));
            }
            None => erreurs.push((
                "territoire",
                format!(
                    "territoire inconnu « {v} » (attendu niveau:code, par exemple departement:42)"
                ),
            )),
        }
    }
    (f, erreurs)
}

fn query_de(f: &Filtres) -> Vec<String> {
    let mut q = Vec::new();
    if let Some(x) = f.famille {
        q.push(format!("famille={}", x.slug()));
    }
    if let Some(x) = f.theme {
        q.push(format!("theme={}", x.slug()));
    }
    if let Some(x) = f.odd {
        q.push(format!("odd={}", x.get()));
    }
    if let Some(x) = f.public {
        q.push(format!("public={}", x.slug()));
    }
    if let Some((n, c)) = &f.territoire {
        q.push(format!("territoire={}:{c}", n.slug()));
    }
    q
}

/// `GET /ressources?famille=&theme=&odd=&public=&territoire=&page=`
pub async fn liste(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(
        raw,
        &[
            "famille",
            "theme",
            "odd",
            "public",
            "territoire",
            "page",
            "lang",
        ],
    )
    .map_err(|_| PageError::BadRequest)?;
    let page_no = params
        .number("page", 1, 1, 10_000)
        .map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let (f, erreurs) = lire_filtres(&params, r);
    let tous = state.app.elements_bibliotheque(&f).await?;
    let total = tous.len();
    let lignes = tous
        .iter()
        .skip((page_no - 1) * PAR_PAGE)
        .take(PAR_PAGE)
        .map(|e| ligne(e, r, &tr))
        .collect();
    let qs = query_de(&f);
    let lien = |p: usize| {
        let mut q = qs.clone();
        q.push(format!("page={p}"));
        format!("/ressources?{}", q.join("&"))
    };
    let territoire = match &f.territoire {
        Some((n, c)) => format!("{}:{c}", n.slug()),
        None => params.text("territoire").unwrap_or("").to_string(),
    };
    let l = layout(
        &state,
        &visitor,
        "/ressources",
        tr.t("bibliotheque-titre"),
        &[],
    );
    let mut res = render(&ListePage {
        familles: choix(
            Famille::ALL,
            f.famille,
            |x| x.slug().into(),
            |x| famille_txt(x, &tr),
            tr.t("bibliotheque-toutes-familles"),
        ),
        themes: choix(
            Theme::ALL,
            f.theme,
            |x| x.slug().into(),
            |x| lbl(x.label_fr(), x.label_en(), &tr),
            tr.t("bibliotheque-tous-themes"),
        ),
        odds: {
            let tous: Vec<OddNumber> = (1..=17).filter_map(|n| OddNumber::new(n).ok()).collect();
            choix(
                &tous,
                f.odd,
                |o| o.get().to_string(),
                |o| {
                    let g = o.goal();
                    format!(
                        "{} — {}",
                        o.get(),
                        if tr.lang == crate::i18n::Lang::Fr {
                            &g.fr_short
                        } else {
                            &g.en_short
                        }
                    )
                },
                tr.t("bibliotheque-tous-odd"),
            )
        },
        publics: choix(
            Profil::ALL,
            f.public,
            |x| x.slug().into(),
            |x| lbl(x.label_fr(), x.label_en(), &tr),
            tr.t("bibliotheque-tous-publics"),
        ),
        territoire,
        lignes,
        resultats: tr.tn("bibliotheque-resultats", total, &[]),
        filtre: !qs.is_empty(),
        precedente: (page_no > 1).then(|| lien(page_no - 1)),
        suivante: (page_no * PAR_PAGE < total).then(|| lien(page_no + 1)),
        erreurs: erreurs.iter().map(|(_, m)| m.clone()).collect(),
        csv: format!(
            "/ressources/export.csv{}",
            if qs.is_empty() {
                String::new()
            } else {
                format!("?{}", qs.join("&"))
            }
        ),
        layout: l,
    })?;
    if !erreurs.is_empty() {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

/// `GET /exemples`: the examples are a family of the list.
pub async fn exemples() -> Redirect {
    Redirect::to("/ressources?famille=exemple")
}

// ------------------------------------------------------------------------------ one entry

/// An organisation an example names, with what became of it.
struct ActeurLigne {
    id: i64,
    nom: String,
    /// « organisation qui n'existe plus (…) » when dissolved, closed, removed or merged.
    disparue: Option<String>,
    /// The record it was merged into.
    fusion: Option<(i64, String)>,
}

#[derive(Template)]
#[template(path = "bibliotheque_fiche.html")]
struct FichePage {
    layout: Layout,
    v: VueEntree,
    famille: String,
    date: String,
    themes: Vec<(String, String)>,
    publics: String,
    odd: Vec<(u8, String)>,
    territoires: String,
    liens: Vec<(Lien, bool)>,
    exemple: bool,
    types: String,
    forme: String,
    acteurs: Vec<ActeurLigne>,
    indicateurs: Vec<(String, String, String, String)>,
    evenements: Vec<(i64, String, String)>,
    soumise: bool,
    refusee: Option<String>,
    moderation: bool,
    motif_erreur: Option<String>,
}

fn nombre(v: f64, tr: &Tr) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let signe = if v < 0.0 { "-" } else { "" };
        format!("{signe}{}", tr.nombre(v.abs() as u64))
    } else {
        let s = format!("{v:.2}");
        if tr.lang == crate::i18n::Lang::Fr {
            s.replace('.', ",")
        } else {
            s
        }
    }
}

async fn page_fiche(
    state: &AppState,
    visitor: &Visitor,
    v: VueEntree,
    motif_erreur: Option<String>,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let e = &v.fiche.entree;
    let exemple = e.famille == Famille::Exemple;
    let (path, parent) = if exemple {
        (
            format!("/exemples/{}", v.fiche.id),
            (tr.t("bibliotheque-exemples"), "/ressources?famille=exemple"),
        )
    } else {
        (
            format!("/ressources/{}", v.fiche.id),
            (famille_txt(e.famille, &tr), ""),
        )
    };
    let parent_href = if exemple {
        parent.1.to_string()
    } else {
        format!("/ressources?famille={}", e.famille.slug())
    };
    let l = layout(
        state,
        visitor,
        &path,
        e.titre.clone(),
        &[(parent.0.clone(), parent_href.as_str())],
    );
    let cas = e.cas.as_ref();
    let page = FichePage {
        famille: famille_txt(e.famille, &tr),
        date: date_lisible(&e.date, &tr),
        themes: themes_txt(&e.themes, &tr),
        publics: if e.publics.is_empty() {
            tr.t("bibliotheque-pour-tous")
        } else {
            e.publics
                .iter()
                .map(|p| lbl(p.label_fr(), p.label_en(), &tr))
                .collect::<Vec<_>>()
                .join(", ")
        },
        odd: e
            .odd
            .iter()
            .map(|o| {
                let g = o.goal();
                (
                    o.get(),
                    if tr.lang == crate::i18n::Lang::Fr {
                        g.fr_short.clone()
                    } else {
                        g.en_short.clone()
                    },
                )
            })
            .collect(),
        territoires: crate::territoire_view::lieux(&e.territoires, r),
        liens: e
            .liens
            .iter()
            .map(|x| (x.clone(), v.liens_casses.contains(&x.url)))
            .collect(),
        exemple,
        types: cas
            .map(|c| {
                c.types_partenariat
                    .iter()
                    .map(|t| lbl(t.label_fr(), t.label_en(), &tr))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        forme: cas
            .and_then(|c| c.forme)
            .map(|f| lbl(f.label_fr(), f.label_en(), &tr))
            .unwrap_or_else(|| tr.t("bibliotheque-aucune-forme")),
        acteurs: v
            .acteurs
            .iter()
            .map(|a| {
                let (disparue, fusion) = match &a.etat {
                    EtatActeur::Active => (None, None),
                    EtatActeur::Disparue(etat) => (
                        Some(tr.ta(
                            "bibliotheque-acteur-disparu",
                            &[("etat", &etat.to_lowercase())],
                        )),
                        None,
                    ),
                    EtatActeur::Fusionnee { dans, nom } => (
                        Some(tr.t("bibliotheque-acteur-fusionne")),
                        Some((*dans, nom.clone())),
                    ),
                };
                ActeurLigne {
                    id: a.id,
                    nom: a.nom.clone(),
                    disparue,
                    fusion,
                }
            })
            .collect(),
        indicateurs: v
            .indicateurs
            .iter()
            .map(|i| {
                let u = |x: Option<f64>| {
                    x.map(|x| format!("{} {}", nombre(x, &tr), i.unite))
                        .unwrap_or_else(|| "—".into())
                };
                (
                    i.nom.clone(),
                    u(i.valeur_base),
                    u(i.valeur_cible),
                    i.derniere
                        .as_ref()
                        .map(|(p, x)| format!("{} {} ({p})", nombre(*x, &tr), i.unite))
                        .unwrap_or_else(|| "—".into()),
                )
            })
            .collect(),
        evenements: v
            .evenements
            .iter()
            .map(|(id, t, d)| (*id, t.clone(), date_heure(*d, &tr)))
            .collect(),
        soumise: v.fiche.etat == EtatPublication::Soumise,
        refusee: (v.fiche.etat == EtatPublication::Refusee).then(|| {
            tr.ta(
                "bibliotheque-refusee-info",
                &[("motif", v.fiche.motif_refus.as_deref().unwrap_or(""))],
            )
        }),
        moderation: v.peut_moderer && v.fiche.etat == EtatPublication::Soumise,
        motif_erreur,
        layout: l,
        v,
    };
    let mut res = render(&page)?;
    if page.motif_erreur.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn id_de(s: &str) -> Result<i64, PageError> {
    s.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or(PageError::NotFound)
}

/// `GET /ressources/{id}` (an example's own page is `/exemples/{id}`).
pub async fn fiche(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_de(&id)?;
    let v = state.app.entree(visitor.user(), id).await?;
    if v.fiche.entree.famille == Famille::Exemple {
        return Ok(Redirect::permanent(&format!("/exemples/{id}")).into_response());
    }
    page_fiche(&state, &visitor, v, None).await
}

/// `GET /exemples/{id}`
pub async fn exemple(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_de(&id)?;
    let v = state.app.entree(visitor.user(), id).await?;
    if v.fiche.entree.famille != Famille::Exemple {
        return Ok(Redirect::permanent(&format!("/ressources/{id}")).into_response());
    }
    page_fiche(&state, &visitor, v, None).await
}

/// `POST /exemples/{id}/moderation`: `decision` = publier | refuser (with `motif`).
pub async fn moderer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let id = id_de(&id)?;
    let publier = match un(&f, "decision") {
        "publier" => true,
        "refuser" => false,
        _ => return Err(PageError::BadRequest),
    };
    let motif = opt(un(&f, "motif"));
    match state
        .app
        .moderer_exemple(user, id, publier, motif.as_deref())
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/exemples/{id}")).into_response()),
        Err(BibliothequeError::Invalide(e)) => {
            let v = state.app.entree(Some(user), id).await?;
            let m = e
                .into_iter()
                .map(|x| x.message)
                .collect::<Vec<_>>()
                .join(" ; ");
            page_fiche(&state, &visitor, v, Some(m)).await
        }
        Err(BibliothequeError::Refus(m)) => {
            let v = state.app.entree(Some(user), id).await?;
            let mut r = page_fiche(&state, &visitor, v, Some(m)).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------------ forms

fn ids(v: &str) -> Result<Vec<i64>, String> {
    v.split([',', ';', ' ', '\n'])
        .map(|x| x.trim().trim_start_matches(['#', 'n', '°']).trim())
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<i64>()
                .map_err(|_| format!("« {x} » n'est pas un numéro"))
        })
        .collect()
}

fn territoires_de(f: &Champs) -> Vec<String> {
    tous(f, "territoires")
        .flat_map(|v| v.split([',', ';', ' ', '\n']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The typed entry of a posted form, and the problems of fields the form itself reads
/// (numbers).
fn saisie_de(f: &Champs) -> (EntreeSaisie, Vec<ChampErreur>) {
    let mut errs = Vec::new();
    let acteurs = ids(un(f, "acteurs")).unwrap_or_else(|m| {
        errs.push(ChampErreur::new("acteurs", m));
        Vec::new()
    });
    let alliance = match un(f, "alliance").trim().trim_start_matches('#') {
        "" => None,
        x => match x.parse::<i64>() {
            Ok(a) => Some(a),
            Err(_) => {
                errs.push(ChampErreur::new(
                    "alliance",
                    format!("« {x} » n'est pas un numéro"),
                ));
                None
            }
        },
    };
    let s = EntreeSaisie {
        famille: un(f, "famille").to_string(),
        titre: un(f, "titre").to_string(),
        resume: un(f, "resume").to_string(),
        corps: un(f, "corps").to_string(),
        publics: tous(f, "publics").map(String::from).collect(),
        odd: tous(f, "odd").map(String::from).collect(),
        themes: tous(f, "themes").map(String::from).collect(),
        territoires: territoires_de(f),
        liens: LienSaisie::depuis_texte(un(f, "liens")),
        date: un(f, "date").to_string(),
        alliance,
        acteurs,
        types_partenariat: tous(f, "typesPartenariat").map(String::from).collect(),
        forme: opt(un(f, "forme")),
        besoin: un(f, "besoin").to_string(),
        realisation: un(f, "realisation").to_string(),
        resultats: un(f, "resultats").to_string(),
        enseignements: un(f, "enseignements").to_string(),
        contact: opt(un(f, "contact")),
    };
    (s, errs)
}

fn cases(f: &Formulaire, nom: &'static str, v: Vec<(String, String)>, coches: &[String]) -> Champ {
    f.choix(
        nom,
        "checkboxes",
        v.into_iter()
            .map(|(a, b)| {
                let c = coches.contains(&a);
                (a, b, c)
            })
            .collect(),
    )
}

fn select(f: &Formulaire, nom: &'static str, v: Vec<(String, String)>, courant: &str) -> Champ {
    f.choix(
        nom,
        "select",
        v.into_iter()
            .map(|(a, b)| {
                let c = a == courant;
                (a, b, c)
            })
            .collect(),
    )
}

fn odd_choix(tr: &Tr) -> Vec<(String, String)> {
    alliances_domain::odd::all()
        .iter()
        .map(|g| {
            (
                g.number.to_string(),
                format!(
                    "{} — {}",
                    g.number,
                    if tr.lang == crate::i18n::Lang::Fr {
                        &g.fr_short
                    } else {
                        &g.en_short
                    }
                ),
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn page_form(
    state: &AppState,
    visitor: &Visitor,
    action: String,
    titre: String,
    s: &EntreeSaisie,
    version: Option<i64>,
    organisation: Option<i64>,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let tr = state.tr(visitor.lang);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "bibliotheque-champ-",
    };
    let exemple = s.famille == Famille::Exemple.slug();
    let mut champs: Vec<Champ> = Vec::new();
    let mut alerte = None;
    if version.is_none() {
        let orgs = state.app.organisations_redaction(user).await?;
        if orgs.is_empty() {
            alerte = Some(tr.t("bibliotheque-form-aucune-organisation"));
        }
        champs.push(select(
            &f,
            "organisation",
            orgs.into_iter().map(|(i, n)| (i.to_string(), n)).collect(),
            &organisation.map(|p| p.to_string()).unwrap_or_default(),
        ));
    }
    champs.push(select(
        &f,
        "famille",
        Famille::ALL
            .iter()
            .map(|x| (x.slug().into(), famille_txt(*x, &tr)))
            .collect(),
        &s.famille,
    ));
    champs.push(f.champ("titre", "text", s.titre.clone()));
    champs.push(f.aide(f.champ("resume", "textarea", s.resume.clone())));
    champs.push(f.aide(f.champ("corps", "textarea", s.corps.clone())));
    champs.push(
        f.aide(cases(
            &f,
            "publics",
            Profil::ALL
                .iter()
                .map(|x| (x.slug().into(), lbl(x.label_fr(), x.label_en(), &tr)))
                .collect(),
            &s.publics,
        )),
    );
    champs.push(cases(
        &f,
        "themes",
        Theme::ALL
            .iter()
            .map(|x| (x.slug().into(), lbl(x.label_fr(), x.label_en(), &tr)))
            .collect(),
        &s.themes,
    ));
    champs.push(cases(&f, "odd", odd_choix(&tr), &s.odd));
    let mut territoires = s.territoires.clone();
    territoires.push(String::new());
    territoires.push(String::new());
    champs.push(f.aide(Champ {
        valeurs: territoires,
        ..f.champ("territoires", "territoires", String::new())
    }));
    let liens: Vec<String> = s
        .liens
        .iter()
        .map(|l| match &l.titre {
            Some(t) => format!("{t} | {}", l.url),
            None => l.url.clone(),
        })
        .collect();
    champs.push(f.aide(f.champ("liens", "textarea", liens.join("\n"))));
    champs.push(f.aide(f.champ("date", "date", s.date.clone())));
    if exemple {
        champs.push(
            f.aide(
                f.champ(
                    "acteurs",
                    "text",
                    s.acteurs
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ),
        );
        champs.push(f.aide(f.champ(
            "alliance",
            "text",
            s.alliance.map(|a| a.to_string()).unwrap_or_default(),
        )));
        champs.push(cases(
            &f,
            "typesPartenariat",
            TypePartenariat::ALL
                .iter()
                .map(|x| (x.slug().into(), lbl(x.label_fr(), x.label_en(), &tr)))
                .collect(),
            &s.types_partenariat,
        ));
        let mut formes = vec![(String::new(), tr.t("bibliotheque-aucune-forme"))];
        formes.extend(
            Forme::ALL
                .iter()
                .map(|x| (x.slug().to_string(), lbl(x.label_fr(), x.label_en(), &tr))),
        );
        champs.push(select(
            &f,
            "forme",
            formes,
            s.forme.as_deref().unwrap_or(""),
        ));
        for (nom, valeur) in [
            ("besoin", &s.besoin),
            ("realisation", &s.realisation),
            ("resultats", &s.resultats),
            ("enseignements", &s.enseignements),
        ] {
            champs.push(f.champ(nom, "textarea", valeur.clone()));
        }
        champs.push(f.champ("contact", "text", s.contact.clone().unwrap_or_default()));
    }
    let caches = version
        .map(|v| vec![("version".to_string(), v.to_string())])
        .unwrap_or_default();
    let intro = if exemple {
        format!(
            "{} {}",
            tr.t("bibliotheque-form-exemple-intro"),
            tr.t("bibliotheque-form-intro")
        )
    } else {
        tr.t("bibliotheque-form-intro")
    };
    let l = layout(state, visitor, &action, titre, &[]);
    super::formulaires::rendre(
        l,
        &f,
        action,
        champs,
        caches,
        tr.t("bibliotheque-enregistrer"),
        Some(intro),
        alerte,
    )
}

fn connexion(suite: &str) -> Response {
    Redirect::to(&format!("/compte/connexion?suite={suite}")).into_response()
}

/// `GET /ressources/nouvelle?famille=exemple`
pub async fn nouvelle(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["famille", "lang"]).map_err(|_| PageError::BadRequest)?;
    let famille = params
        .text("famille")
        .and_then(Famille::from_slug)
        .unwrap_or(Famille::Methode);
    if visitor.user().is_none() {
        return Ok(connexion(&format!(
            "/ressources/nouvelle?famille={}",
            famille.slug()
        )));
    }
    let tr = state.tr(visitor.lang);
    let s = EntreeSaisie {
        famille: famille.slug().into(),
        ..Default::default()
    };
    let titre = if famille == Famille::Exemple {
        tr.t("bibliotheque-nouvel-exemple")
    } else {
        tr.t("bibliotheque-nouvelle")
    };
    page_form(
        &state,
        &visitor,
        "/ressources/nouvelle".into(),
        titre,
        &s,
        None,
        None,
        &[],
    )
    .await
}

/// `POST /ressources/nouvelle`
pub async fn nouvelle_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let (s, mut errs) = saisie_de(&f);
    let organisation = un(&f, "organisation").parse::<i64>().ok();
    let tr = state.tr(visitor.lang);
    let res = match (organisation, errs.is_empty()) {
        (Some(o), true) => state.app.creer_entree(user, &s, o).await,
        (None, _) => {
            errs.push(ChampErreur::new(
                "organisation",
                "choisissez l'organisation qui publie",
            ));
            Err(BibliothequeError::Invalide(errs))
        }
        (Some(_), false) => Err(BibliothequeError::Invalide(errs)),
    };
    match res {
        Ok(id) => Ok(Redirect::to(&alliances_store_chemin(&s, id)).into_response()),
        Err(BibliothequeError::Invalide(e)) => {
            let titre = if s.famille == Famille::Exemple.slug() {
                tr.t("bibliotheque-nouvel-exemple")
            } else {
                tr.t("bibliotheque-nouvelle")
            };
            page_form(
                &state,
                &visitor,
                "/ressources/nouvelle".into(),
                titre,
                &s,
                None,
                organisation,
                &e,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn alliances_store_chemin(s: &EntreeSaisie, id: i64) -> String {
    if s.famille == Famille::Exemple.slug() {
        format!("/exemples/{id}")
    } else {
        format!("/ressources/{id}")
    }
}

/// `GET /ressources/{id}/modifier`
pub async fn modifier(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_de(&id)?;
    let Some(user) = visitor.user() else {
        return Ok(connexion(&format!("/ressources/{id}/modifier")));
    };
    let fiche = state.app.entree_a_modifier(user, id).await?;
    let tr = state.tr(visitor.lang);
    page_form(
        &state,
        &visitor,
        format!("/ressources/{id}/modifier"),
        tr.ta(
            "bibliotheque-modifier-titre",
            &[("titre", &fiche.entree.titre)],
        ),
        &fiche.entree.saisie(),
        Some(fiche.version),
        None,
        &[],
    )
    .await
}

/// `POST /ressources/{id}/modifier`
pub async fn modifier_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let id = id_de(&id)?;
    let version: i64 = un(&f, "version")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let (s, errs) = saisie_de(&f);
    let tr = state.tr(visitor.lang);
    let titre = tr.ta("bibliotheque-modifier-titre", &[("titre", &s.titre)]);
    let action = format!("/ressources/{id}/modifier");
    let res = if errs.is_empty() {
        state.app.modifier_entree(user, id, version, &s).await
    } else {
        Err(BibliothequeError::Invalide(errs))
    };
    match res {
        Ok(()) => Ok(Redirect::to(&alliances_store_chemin(&s, id)).into_response()),
        Err(BibliothequeError::Invalide(e)) => {
            page_form(&state, &visitor, action, titre, &s, Some(version), None, &e).await
        }
        Err(BibliothequeError::Conflit) => {
            // The person sees their input with the message; saving again overwrites knowingly.
            let e = [ChampErreur::new(
                "titre",
                BibliothequeError::Conflit.to_string(),
            )];
            let actuelle = state.app.entree_a_modifier(user, id).await?.version;
            let mut r = page_form(
                &state,
                &visitor,
                action,
                titre,
                &s,
                Some(actuelle),
                None,
                &e,
            )
            .await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------------ events

/// An event as shown.
pub struct LigneEvenement {
    pub id: i64,
    pub titre: String,
    pub resume: String,
    pub html: String,
    pub format: String,
    pub quand: String,
    /// `AAAA-MM-JJTHH:MM:SSZ` for `<time datetime>`.
    pub iso: String,
    pub lieu: Option<String>,
    pub inscription: Option<String>,
    pub replay: Option<String>,
    pub organisation: Option<(i64, String)>,
    pub ressources: Vec<(i64, String, String)>,
    pub themes: Vec<(String, String)>,
    pub peut_modifier: bool,
    pub demo: bool,
}

fn ligne_evenement(v: VueEvenement, tr: &Tr) -> LigneEvenement {
    let e = &v.fiche.evenement;
    LigneEvenement {
        id: v.fiche.id,
        titre: e.titre.clone(),
        resume: e.resume.clone(),
        format: lbl(e.format.label_fr(), e.format.label_en(), tr),
        quand: format!(
            "{} ({})",
            tr.ta(
                "bibliotheque-du-au",
                &[
                    ("debut", &date_heure(e.debut, tr)),
                    ("fin", &date_heure(e.fin, tr))
                ]
            ),
            tr.t("bibliotheque-heure-paris")
        ),
        iso: alliances_domain::bibliotheque::heure::iso_utc(e.debut),
        lieu: e.lieu.clone(),
        inscription: e.inscription.clone(),
        replay: e.replay.clone(),
        themes: themes_txt(&e.themes, tr),
        organisation: v.organisation,
        ressources: v.ressources,
        peut_modifier: v.peut_modifier,
        demo: v.fiche.demo,
        html: v.html,
    }
}

#[derive(Template)]
#[template(path = "bibliotheque_evenements.html")]
struct EvenementsPage {
    layout: Layout,
    a_venir: Vec<LigneEvenement>,
    passes: Vec<LigneEvenement>,
}

/// `GET /ressources/evenements`: upcoming first (soonest first), then past (latest first).
pub async fn evenements(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let maintenant = alliances_app::now();
    let mut a_venir = Vec::new();
    let mut passes = Vec::new();
    for v in state.app.evenements_bibliotheque(visitor.user()).await? {
        if v.fiche.evenement.fin >= maintenant {
            a_venir.push(ligne_evenement(v, &tr));
        } else {
            passes.push(ligne_evenement(v, &tr));
        }
    }
    passes.reverse();
    let l = layout(
        &state,
        &visitor,
        "/ressources/evenements",
        tr.t("bibliotheque-evenements"),
        &[],
    );
    render(&EvenementsPage {
        layout: l,
        a_venir,
        passes,
    })
}

/// `GET /ressources/evenements.ics`: the iCalendar feed.
pub async fn calendrier(State(state): State<AppState>) -> Result<Response, PageError> {
    let base = if state.public_url.is_empty() {
        "http://localhost"
    } else {
        state.public_url.as_str()
    };
    let ics = state.app.calendrier_evenements(base).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"evenements.ics\"",
            ),
        ],
        ics,
    )
        .into_response())
}

fn saisie_evenement(f: &Champs) -> (EvenementSaisie, Vec<ChampErreur>) {
    let mut errs = Vec::new();
    let ressources = ids(un(f, "ressources")).unwrap_or_else(|m| {
        errs.push(ChampErreur::new("ressources", m));
        Vec::new()
    });
    (
        EvenementSaisie {
            titre: un(f, "titre").to_string(),
            resume: un(f, "resume").to_string(),
            corps: un(f, "corps").to_string(),
            format: un(f, "format").to_string(),
            debut: un(f, "debut").to_string(),
            fin: un(f, "fin").to_string(),
            lieu: opt(un(f, "lieu")),
            inscription: opt(un(f, "inscription")),
            replay: opt(un(f, "replay")),
            ressources,
            themes: tous(f, "themes").map(String::from).collect(),
            territoires: territoires_de(f),
        },
        errs,
    )
}

#[allow(clippy::too_many_arguments)]
async fn page_form_evenement(
    state: &AppState,
    visitor: &Visitor,
    action: String,
    titre: String,
    s: &EvenementSaisie,
    version: Option<i64>,
    organisation: Option<i64>,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let tr = state.tr(visitor.lang);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "bibliotheque-champ-",
    };
    let mut champs = Vec::new();
    let mut alerte = None;
    if version.is_none() {
        let orgs = state.app.organisations_redaction(user).await?;
        if orgs.is_empty() {
            alerte = Some(tr.t("bibliotheque-form-aucune-organisation"));
        }
        champs.push(select(
            &f,
            "organisation",
            orgs.into_iter().map(|(i, n)| (i.to_string(), n)).collect(),
            &organisation.map(|p| p.to_string()).unwrap_or_default(),
        ));
    }
    champs.push(f.champ("titre", "text", s.titre.clone()));
    champs.push(f.aide(f.champ("resume", "textarea", s.resume.clone())));
    champs.push(f.aide(f.champ("corps", "textarea", s.corps.clone())));
    champs.push(select(
        &f,
        "format",
        FormatEvenement::ALL
            .iter()
            .map(|x| (x.slug().into(), lbl(x.label_fr(), x.label_en(), &tr)))
            .collect(),
        &s.format,
    ));
    champs.push(f.aide(f.champ("debut", "datetime-local", s.debut.clone())));
    champs.push(f.champ("fin", "datetime-local", s.fin.clone()));
    champs.push(f.champ("lieu", "text", s.lieu.clone().unwrap_or_default()));
    champs.push(f.champ(
        "inscription",
        "url",
        s.inscription.clone().unwrap_or_default(),
    ));
    champs.push(f.champ("replay", "url", s.replay.clone().unwrap_or_default()));
    champs.push(
        f.aide(
            f.champ(
                "ressources",
                "text",
                s.ressources
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
    );
    champs.push(cases(
        &f,
        "themes",
        Theme::ALL
            .iter()
            .map(|x| (x.slug().into(), lbl(x.label_fr(), x.label_en(), &tr)))
            .collect(),
        &s.themes,
    ));
    let mut territoires = s.territoires.clone();
    territoires.push(String::new());
    champs.push(f.aide(Champ {
        valeurs: territoires,
        ..f.champ("territoires", "territoires", String::new())
    }));
    let caches = version
        .map(|v| vec![("version".to_string(), v.to_string())])
        .unwrap_or_default();
    let l = layout(
        state,
        visitor,
        &action,
        titre,
        &[(tr.t("bibliotheque-evenements"), "/ressources/evenements")],
    );
    super::formulaires::rendre(
        l,
        &f,
        action,
        champs,
        caches,
        tr.t("bibliotheque-enregistrer"),
        Some(tr.t("bibliotheque-form-evenement-intro")),
        alerte,
    )
}

/// `GET /ressources/evenements/nouveau`
pub async fn evenement_nouveau(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    if visitor.user().is_none() {
        return Ok(connexion("/ressources/evenements/nouveau"));
    }
    let tr = state.tr(visitor.lang);
    let s = EvenementSaisie {
        format: FormatEvenement::Webinaire.slug().into(),
        ..Default::default()
    };
    page_form_evenement(
        &state,
        &visitor,
        "/ressources/evenements/nouveau".into(),
        tr.t("bibliotheque-nouvel-evenement"),
        &s,
        None,
        None,
        &[],
    )
    .await
}

/// `POST /ressources/evenements/nouveau`
pub async fn evenement_nouveau_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let (s, mut errs) = saisie_evenement(&f);
    let organisation = un(&f, "organisation").parse::<i64>().ok();
    let tr = state.tr(visitor.lang);
    let res = match (organisation, errs.is_empty()) {
        (Some(o), true) => state.app.creer_evenement(user, &s, o).await,
        (None, _) => {
            errs.push(ChampErreur::new(
                "organisation",
                "choisissez l'organisation qui organise l'événement",
            ));
            Err(BibliothequeError::Invalide(errs))
        }
        (Some(_), false) => Err(BibliothequeError::Invalide(errs)),
    };
    match res {
        Ok(id) => {
            Ok(Redirect::to(&format!("/ressources/evenements#evenement-{id}")).into_response())
        }
        Err(BibliothequeError::Invalide(e)) => {
            page_form_evenement(
                &state,
                &visitor,
                "/ressources/evenements/nouveau".into(),
                tr.t("bibliotheque-nouvel-evenement"),
                &s,
                None,
                organisation,
                &e,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /ressources/evenements/{id}/modifier`
pub async fn evenement_modifier(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_de(&id)?;
    let Some(user) = visitor.user() else {
        return Ok(connexion(&format!("/ressources/evenements/{id}/modifier")));
    };
    let fiche = state.app.evenement_a_modifier(user, id).await?;
    let tr = state.tr(visitor.lang);
    page_form_evenement(
        &state,
        &visitor,
        format!("/ressources/evenements/{id}/modifier"),
        tr.ta(
            "bibliotheque-modifier-evenement-titre",
            &[("titre", &fiche.evenement.titre)],
        ),
        &fiche.evenement.saisie(),
        Some(fiche.version),
        None,
        &[],
    )
    .await
}

/// `POST /ressources/evenements/{id}/modifier`
pub async fn evenement_modifier_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let id = id_de(&id)?;
    let version: i64 = un(&f, "version")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let (s, errs) = saisie_evenement(&f);
    let tr = state.tr(visitor.lang);
    let titre = tr.ta(
        "bibliotheque-modifier-evenement-titre",
        &[("titre", &s.titre)],
    );
    let action = format!("/ressources/evenements/{id}/modifier");
    let res = if errs.is_empty() {
        state.app.modifier_evenement(user, id, version, &s).await
    } else {
        Err(BibliothequeError::Invalide(errs))
    };
    match res {
        Ok(()) => {
            Ok(Redirect::to(&format!("/ressources/evenements#evenement-{id}")).into_response())
        }
        Err(BibliothequeError::Invalide(e)) => {
            page_form_evenement(&state, &visitor, action, titre, &s, Some(version), None, &e).await
        }
        Err(BibliothequeError::Conflit) => {
            let e = [ChampErreur::new(
                "titre",
                BibliothequeError::Conflit.to_string(),
            )];
            let actuelle = state.app.evenement_a_modifier(user, id).await?.version;
            let mut r = page_form_evenement(
                &state,
                &visitor,
                action,
                titre,
                &s,
                Some(actuelle),
                None,
                &e,
            )
            .await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
