//! « Partenaires potentiels »: the private matching dashboard of an organisation
//! (`/organisations/{id}/partenaires`) and of one of its needs or offers
//! (`/organisations/{id}/ressources/{rid}/partenaires`), for its members and the staff; and the
//! public page explaining the formula (`/mise-en-relation`). Filters travel in a GET form.

use super::{render, PageError};
use crate::annuaire_view::{nature_label, profil_label};
use crate::i18n::{Lang, Tr};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::visiteur::Visitor;
use alliances_app::relation::Partenaires;
use alliances_domain::annuaire::{NatureRessource, Profil, Sens};
use alliances_domain::relation::{self as rel, Filtres, Proximite};
use alliances_domain::territoires::Referentiel;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

/// The routes of this file; the router merges them.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mise-en-relation", get(comment))
        .route("/organisations/{id}/partenaires", get(partenaires))
        .route(
            "/organisations/{id}/ressources/{rid}/partenaires",
            get(partenaires_ressource),
        )
}

/// How many partners a page shows.
const PAR_PAGE: usize = 20;

/// The query parameters of the pages (and of the API, which adds `limit`).
pub const PARAMS: &[&str] = &["profil", "distance", "odd", "nature", "lang"];

/// Reads the filters of a query (`profil` may repeat).
pub fn lire_filtres(params: &Params) -> Result<Filtres, rel::FiltreErreur> {
    Filtres::lire(
        params.list("profil"),
        params.text("distance"),
        params.text("odd"),
        params.text("nature"),
    )
}

/// A territory as a result shows it: « Commune (département) ».
pub fn territoire(r: &Referentiel, code: Option<&str>) -> String {
    let Some(i) = code.and_then(|c| r.find_commune(c, None)) else {
        return String::new();
    };
    let c = r.commune(i);
    format!("{} ({})", c.nom, c.code_departement)
}

/// A score in hundredths of a point, as « 72,5 » (French) or « 72.5 ».
pub fn score_texte(score: u32, lang: Lang) -> String {
    let s = format!("{:.1}", f64::from(score) / 100.0);
    if lang == Lang::Fr {
        s.replace('.', ",")
    } else {
        s
    }
}

struct Ligne {
    id: i64,
    nom: String,
    profil: String,
    territoire: String,
    score: String,
    raisons: String,
    contactable: bool,
    demo: bool,
}

struct Choix {
    valeur: String,
    libelle: String,
    choisi: bool,
}

#[derive(Template)]
#[template(path = "relation.html")]
struct PartenairesPage {
    layout: Layout,
    id: i64,
    action: String,
    sous_titre: Option<String>,
    lignes: Vec<Ligne>,
    total: String,
    sans_ressources: bool,
    filtres_actifs: bool,
    erreur: Option<String>,
    elargir: Option<String>,
    profils: Vec<Choix>,
    distances: Vec<Choix>,
    odds: Vec<Choix>,
    natures: Vec<Choix>,
    ressources: Vec<(String, String)>,
}

fn choix(valeur: impl Into<String>, libelle: impl Into<String>, choisi: bool) -> Choix {
    Choix {
        valeur: valeur.into(),
        libelle: libelle.into(),
        choisi,
    }
}

fn formulaire(f: &Filtres, tr: &Tr) -> (Vec<Choix>, Vec<Choix>, Vec<Choix>, Vec<Choix>) {
    let profils = Profil::ALL
        .iter()
        .map(|p| choix(p.slug(), profil_label(*p, tr.lang), f.profils.contains(p)))
        .collect();
    let mut distances = vec![choix(
        "",
        tr.t("relation-distance-partout"),
        f.distance_max.is_none(),
    )];
    distances.extend(
        [
            Proximite::Commune,
            Proximite::Epci,
            Proximite::Departement,
            Proximite::Region,
        ]
        .iter()
        .map(|p| {
            choix(
                p.slug(),
                tr.t(&format!("relation-distance-{}", p.slug())),
                f.distance_max == Some(*p),
            )
        }),
    );
    let mut odds = vec![choix("", tr.t("relation-tous"), f.odd.is_none())];
    odds.extend(alliances_domain::odd::all().iter().map(|o| {
        choix(
            o.number.to_string(),
            format!(
                "{} — {}",
                o.number,
                if tr.lang == Lang::Fr {
                    &o.fr_short
                } else {
                    &o.en_short
                }
            ),
            f.odd == Some(o.number),
        )
    }));
    let mut natures = vec![choix("", tr.t("relation-toutes"), f.nature.is_none())];
    natures.extend(
        NatureRessource::ALL
            .iter()
            .map(|n| choix(n.slug(), nature_label(*n, tr.lang), f.nature == Some(*n))),
    );
    (profils, distances, odds, natures)
}

/// The same filters one distance level wider, when there is a wider one.
fn plus_large(f: &Filtres, action: &str) -> Option<String> {
    let d = f.distance_max?;
    let suivante = match d {
        Proximite::Commune => Some(Proximite::Epci),
        Proximite::Epci => Some(Proximite::Departement),
        Proximite::Departement => Some(Proximite::Region),
        _ => None,
    };
    let mut q: Vec<String> = f
        .profils
        .iter()
        .map(|p| format!("profil={}", p.slug()))
        .collect();
    if let Some(s) = suivante {
        q.push(format!("distance={}", s.slug()));
    }
    if let Some(o) = f.odd {
        q.push(format!("odd={o}"));
    }
    if let Some(n) = f.nature {
        q.push(format!("nature={}", n.slug()));
    }
    Some(if q.is_empty() {
        action.to_string()
    } else {
        format!("{action}?{}", q.join("&"))
    })
}

async fn page(
    state: AppState,
    visitor: Visitor,
    id: String,
    rid: Option<String>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let rid: Option<i64> = match rid {
        Some(r) => Some(r.parse().map_err(|_| PageError::NotFound)?),
        None => None,
    };
    let params =
        Params::parse_with_lists(raw, PARAMS, &["profil"]).map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let (filtres, erreur) = match lire_filtres(&params) {
        Ok(f) => (f, None),
        Err(e) => (Filtres::default(), Some(e.to_string())),
    };
    let reponse: Partenaires = state
        .app
        .partenaires_potentiels(visitor.user(), id, rid, filtres, PAR_PAGE)
        .await?;
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let action = match rid {
        Some(rid) => format!("/organisations/{id}/ressources/{rid}/partenaires"),
        None => format!("/organisations/{id}/partenaires"),
    };
    let sous_titre = reponse.ressource.as_ref().map(|x| {
        let cle = match x.ressource.sens {
            Sens::Besoin => "relation-pour-besoin",
            Sens::Offre => "relation-pour-offre",
        };
        tr.ta(
            cle,
            &[
                ("titre", &x.ressource.titre),
                ("nature", nature_label(x.ressource.nature, tr.lang)),
            ],
        )
    });
    let lignes = reponse
        .resultats
        .iter()
        .map(|p| Ligne {
            id: p.fiche.id,
            nom: p.fiche.org.nom.clone(),
            profil: profil_label(p.fiche.org.profil, tr.lang).to_string(),
            territoire: territoire(r, p.fiche.org.commune.as_ref().map(|c| c.as_str())),
            score: score_texte(p.score, tr.lang),
            raisons: p
                .raisons
                .iter()
                .map(|x| x.texte.as_str())
                .collect::<Vec<_>>()
                .join(" · "),
            contactable: p.contactable,
            demo: p.fiche.meta.demo,
        })
        .collect();
    let (profils, distances, odds, natures) = formulaire(&reponse.filtres, &tr);
    let ressources = reponse
        .ressources
        .iter()
        .filter(|x| Some(x.id) != rid)
        .map(|x| {
            let cle = match x.ressource.sens {
                Sens::Besoin => "relation-lien-besoin",
                Sens::Offre => "relation-lien-offre",
            };
            (
                format!("/organisations/{id}/ressources/{}/partenaires", x.id),
                tr.ta(cle, &[("titre", &x.ressource.titre)]),
            )
        })
        .collect();
    let filtres_actifs = reponse.filtres.actifs();
    let elargir = if reponse.total == 0 && filtres_actifs {
        plus_large(&reponse.filtres, &action).or_else(|| Some(action.clone()))
    } else {
        None
    };
    let nom = reponse.organisation.org.nom.clone();
    let mut layout = Layout::new(
        &state,
        &visitor,
        &action,
        "annuaire",
        tr.ta("relation-titre-de", &[("nom", &nom)]),
    );
    let mut crumbs = vec![
        home_crumb(&layout.tr),
        Crumb {
            label: layout.t("annuaire-titre"),
            href: Some("/annuaire".into()),
        },
        Crumb {
            label: nom,
            href: Some(format!("/organisations/{id}")),
        },
    ];
    if rid.is_some() {
        crumbs.push(Crumb {
            label: layout.t("relation-titre"),
            href: Some(format!("/organisations/{id}/partenaires")),
        });
    }
    crumbs.push(Crumb {
        label: sous_titre
            .clone()
            .unwrap_or_else(|| layout.t("relation-titre")),
        href: None,
    });
    layout.breadcrumb = crumbs;
    let total = tr.ta("relation-total", &[("n", &tr.nombre(reponse.total as u64))]);
    render(&PartenairesPage {
        layout,
        id,
        action,
        sous_titre,
        lignes,
        total,
        sans_ressources: reponse.sans_ressources,
        filtres_actifs,
        erreur,
        elargir,
        profils,
        distances,
        odds,
        natures,
        ressources,
    })
}

/// `/organisations/{id}/partenaires`
pub async fn partenaires(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    page(state, visitor, id, None, raw).await
}

/// `/organisations/{id}/ressources/{rid}/partenaires`
pub async fn partenaires_ressource(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, rid)): Path<(String, String)>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    page(state, visitor, id, Some(rid), raw).await
}

#[derive(Template)]
#[template(path = "relation_methode.html")]
struct MethodePage {
    layout: Layout,
    poids: Vec<(String, String, u32)>,
    proximites: Vec<(String, u32)>,
    facteur_perime: u32,
    odd_plafond: u32,
}

/// `/mise-en-relation`: how matching works, with the weights the code uses.
pub async fn comment(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let mut layout = Layout::new(
        &state,
        &visitor,
        "/mise-en-relation",
        "annuaire",
        tr.t("relation-methode-titre"),
    );
    layout.breadcrumb = vec![
        home_crumb(&layout.tr),
        Crumb {
            label: layout.t("annuaire-titre"),
            href: Some("/annuaire".into()),
        },
        Crumb {
            label: layout.title.clone(),
            href: None,
        },
    ];
    let part = |k: &str| {
        (
            tr.t(&format!("relation-part-{k}")),
            tr.t(&format!("relation-part-{k}-regle")),
        )
    };
    let poids = vec![
        (part("besoins"), rel::POIDS_BESOINS_COUVERTS),
        (part("offres"), rel::POIDS_OFFRES_UTILES),
        (part("odd"), rel::POIDS_ODD),
        (part("proximite"), rel::POIDS_PROXIMITE),
        (part("diversite"), rel::POIDS_DIVERSITE),
        (part("maturite"), rel::POIDS_MATURITE),
    ]
    .into_iter()
    .map(|((nom, regle), p)| (nom, regle, p))
    .collect();
    let proximites = Proximite::ALL
        .iter()
        .filter(|p| **p != Proximite::Aucune)
        .map(|p| {
            (
                tr.t(&format!("relation-niveau-{}", niveau_cle(*p))),
                p.part(),
            )
        })
        .chain(std::iter::once((
            tr.t("relation-niveau-aucun"),
            Proximite::Aucune.part(),
        )))
        .collect();
    render(&MethodePage {
        layout,
        poids,
        proximites,
        facteur_perime: rel::FACTEUR_PERIME,
        odd_plafond: rel::ODD_PLAFOND,
    })
}

fn niveau_cle(p: Proximite) -> &'static str {
    match p {
        Proximite::Commune => "commune",
        Proximite::Epci => "epci",
        Proximite::Departement => "departement",
        Proximite::Region => "region",
        Proximite::National => "national",
        Proximite::Aucune => "aucun",
    }
}
