//! Global search (`/recherche`): one box over organisations, alliances, support schemes,
//! resources, examples and territories, with facets by type, profile and SDG and a territory
//! filter; the profile entry points of the home page (`/je-suis/{profil}`). The parameters are
//! read by [`Filtres::lire`], shared with `api/recherche.rs`.

use super::{render, PageError};
use crate::annuaire_view::{profil_label, resoudre_territoire};
use crate::i18n::{Lang, Tr};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use crate::state::AppState;
use crate::visiteur::Visitor;
use alliances_app::recherche_globale::PageRecherche;
use alliances_app::{now, Territoires};
use alliances_domain::annuaire::{Lieu, Profil};
use alliances_domain::odd::OddNumber;
use alliances_search::globale::{RequeteGlobale, TypeContenu, PROFONDEUR_MAX};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

/// Results per page.
pub const PAR_PAGE: usize = 20;
/// Longest text accepted.
pub const Q_MAX: usize = 200;
/// Parameters of a search (pages and API); `type`, `profil` and `odd` may repeat.
pub const PARAMS_SIMPLES: &[&str] = &["q", "territoire"];
pub const PARAMS_LISTES: &[&str] = &["type", "profil", "odd"];

/// A search as asked, checked.
#[derive(Debug, Clone, Default)]
pub struct Filtres {
    pub q: String,
    pub types: Vec<TypeContenu>,
    pub profils: Vec<Profil>,
    pub odd: Vec<u8>,
    pub territoire: Option<Lieu>,
    pub territoire_nom: Option<String>,
}

impl Filtres {
    /// Reads the parameters; a bad value is refused naming its parameter.
    pub fn lire(p: &Params, territoires: &Territoires) -> Result<Filtres, Problem> {
        let q = p.text("q").unwrap_or("").trim().to_string();
        if q.chars().count() > Q_MAX {
            return Err(Problem::bad_request(
                "q",
                format!("recherche trop longue ({Q_MAX} caractères au plus)"),
            ));
        }
        let mut f = Filtres {
            q,
            ..Default::default()
        };
        for v in p.list("type") {
            let t = TypeContenu::from_slug(v).ok_or_else(|| {
                Problem::bad_request(
                    "type",
                    format!("type inconnu ; attendu : {}", TypeContenu::slugs()),
                )
            })?;
            if !f.types.contains(&t) {
                f.types.push(t);
            }
        }
        for v in p.list("profil") {
            let x = Profil::from_slug(v).ok_or_else(|| {
                Problem::bad_request(
                    "profil",
                    format!("profil inconnu ; attendu : {}", Profil::slugs()),
                )
            })?;
            if !f.profils.contains(&x) {
                f.profils.push(x);
            }
        }
        for v in p.list("odd") {
            let n = v
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=17).contains(n))
                .ok_or_else(|| Problem::bad_request("odd", "numéro d'ODD de 1 à 17 attendu"))?;
            if !f.odd.contains(&n) {
                f.odd.push(n);
            }
        }
        if let Some(t) = p
            .text("territoire")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let (lieu, nom) = resoudre_territoire(territoires, t).ok_or_else(|| {
                Problem::bad_request(
                    "territoire",
                    "territoire inconnu : attendu niveau:code (departement:42, commune:42218, epci:244200770, region:84) ou un nom de territoire",
                )
            })?;
            f.territoire = Some(lieu);
            f.territoire_nom = Some(nom);
        }
        Ok(f)
    }

    pub fn requete(&self, offset: usize, limit: usize) -> RequeteGlobale {
        RequeteGlobale {
            texte: (!self.q.is_empty()).then(|| self.q.clone()),
            types: self.types.clone(),
            profils: self.profils.iter().map(|p| p.index() as u8).collect(),
            odd: self.odd.clone(),
            territoire: self.territoire.as_ref().map(Lieu::cle),
            offset,
            limit,
            ..RequeteGlobale::new(now())
        }
    }

    /// The query string of the search (pagination links).
    pub fn query_string(&self) -> String {
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".into(),
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", enc(&self.q)));
        }
        for t in &self.types {
            parts.push(format!("type={}", t.slug()));
        }
        for p in &self.profils {
            parts.push(format!("profil={}", p.slug()));
        }
        for n in &self.odd {
            parts.push(format!("odd={n}"));
        }
        if let Some(t) = &self.territoire {
            parts.push(format!("territoire={}", enc(&t.cle())));
        }
        parts.join("&")
    }
}

/// Label of a content type in the visitor's language.
pub fn type_label(t: TypeContenu, tr: &Tr) -> String {
    tr.t(&format!("globale-type-{}", t.slug()))
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

pub struct Option_ {
    pub valeur: String,
    pub libelle: String,
    pub compte: String,
    pub coche: bool,
}

pub struct Groupe {
    pub nom: &'static str,
    pub legende: String,
    pub options: Vec<Option_>,
}

pub struct Ligne {
    pub href: String,
    pub type_libelle: String,
    pub titre_html: String,
    pub extrait_html: String,
    pub profil: Option<String>,
    pub demo: bool,
    pub approche: bool,
}

#[derive(Template)]
#[template(path = "recherche_globale.html")]
struct PageGlobale {
    layout: Layout,
    q: String,
    territoire: String,
    territoire_nom: Option<String>,
    erreur: Option<(String, String)>,
    groupes: Vec<Groupe>,
    resume: String,
    corrections: Option<String>,
    lignes: Vec<Ligne>,
    precedent: Option<String>,
    suivant: Option<String>,
    page_info: String,
    /// A search was made (text or filter): show the results section.
    cherche: bool,
}

fn option(valeur: String, libelle: String, compte: u32, coche: bool, tr: &Tr) -> Option_ {
    Option_ {
        valeur,
        libelle,
        compte: tr.nombre(u64::from(compte)),
        coche,
    }
}

fn groupes(f: &Filtres, p: &PageRecherche, tr: &Tr) -> Vec<Groupe> {
    let fa = &p.facettes;
    vec![
        Groupe {
            nom: "type",
            legende: tr.t("globale-facette-type"),
            options: TypeContenu::ALL
                .iter()
                .map(|t| {
                    option(
                        t.slug().into(),
                        type_label(*t, tr),
                        fa.types[t.index()],
                        f.types.contains(t),
                        tr,
                    )
                })
                .collect(),
        },
        Groupe {
            nom: "profil",
            legende: tr.t("globale-facette-profil"),
            options: Profil::ALL
                .iter()
                .map(|x| {
                    option(
                        x.slug().into(),
                        profil_label(*x, tr.lang).into(),
                        fa.profils[x.index()],
                        f.profils.contains(x),
                        tr,
                    )
                })
                .collect(),
        },
        Groupe {
            nom: "odd",
            legende: tr.t("globale-facette-odd"),
            options: (1..=17u8)
                .map(|n| {
                    option(
                        n.to_string(),
                        format!("{n}. {}", odd_titre(n, tr.lang)),
                        fa.odd[usize::from(n) - 1],
                        f.odd.contains(&n),
                        tr,
                    )
                })
                .collect(),
        },
    ]
}

fn layout(state: &AppState, visitor: &Visitor, path: &str, title: String) -> Layout {
    let mut l = Layout::new(state, visitor, path, "recherche", title);
    l.breadcrumb = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    l
}

/// `GET /recherche`: the global search page (a plain GET form; shareable URLs).
pub async fn recherche(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let mut allowed: Vec<&str> = PARAMS_SIMPLES.to_vec();
    allowed.extend(["page", "lang"]);
    let params = Params::parse_with_lists(raw, &allowed, PARAMS_LISTES)
        .map_err(|_| PageError::BadRequest)?;
    let territoires = state.app.territoires();
    let tr = state.tr(visitor.lang);
    let (filtres, erreur) = match Filtres::lire(&params, &territoires) {
        Ok(f) => (f, None),
        Err(p) => (
            Filtres::default(),
            p.errors
                .first()
                .map(|e| (e.champ.clone(), e.message.clone())),
        ),
    };
    let page_no = params
        .number("page", 1, 1, PROFONDEUR_MAX / PAR_PAGE)
        .map_err(|_| PageError::BadRequest)?;
    let offset = (page_no - 1) * PAR_PAGE;
    let cherche = erreur.is_none()
        && (!filtres.q.is_empty()
            || !filtres.types.is_empty()
            || !filtres.profils.is_empty()
            || !filtres.odd.is_empty()
            || filtres.territoire.is_some());
    let resultats = state
        .app
        .rechercher_partout(&filtres.requete(offset, PAR_PAGE))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "global search failed");
            PageError::Internal
        })?;
    let lignes = resultats
        .resultats
        .iter()
        .map(|r| Ligne {
            href: r.chemin.clone(),
            type_libelle: type_label(r.type_contenu, &tr),
            titre_html: r.titre_html.clone(),
            extrait_html: r.extrait_html.clone(),
            profil: r.profil.map(|p| profil_label(p, tr.lang).to_string()),
            demo: r.demo,
            approche: r.approche,
        })
        .collect();
    let qs = filtres.query_string();
    let lien = |p: usize| {
        if qs.is_empty() {
            format!("/recherche?page={p}")
        } else {
            format!("/recherche?{qs}&page={p}")
        }
    };
    let pages = resultats
        .total
        .div_ceil(PAR_PAGE)
        .clamp(1, PROFONDEUR_MAX / PAR_PAGE);
    let mut title = tr.t("globale-titre");
    if !filtres.q.is_empty() {
        title = format!(
            "{} — {title}",
            filtres.q.chars().take(60).collect::<String>()
        );
    }
    let corrections = (!resultats.corrections.is_empty()).then(|| {
        tr.ta(
            "globale-corrections",
            &[(
                "mots",
                &resultats
                    .corrections
                    .iter()
                    .map(|(_, p)| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            )],
        )
    });
    let page = PageGlobale {
        q: filtres.q.clone(),
        territoire: filtres
            .territoire
            .as_ref()
            .map(Lieu::cle)
            .or_else(|| params.text("territoire").map(String::from))
            .unwrap_or_default(),
        territoire_nom: filtres.territoire_nom.clone(),
        groupes: groupes(&filtres, &resultats, &tr),
        resume: tr.tn(
            "globale-resultats",
            resultats.total,
            &[("n", &tr.nombre(resultats.total as u64))],
        ),
        corrections,
        lignes,
        precedent: (page_no > 1).then(|| lien(page_no - 1)),
        suivant: (page_no < pages).then(|| lien(page_no + 1)),
        page_info: tr.ta(
            "globale-page",
            &[
                ("page", &page_no.to_string()),
                ("pages", &pages.to_string()),
            ],
        ),
        cherche,
        erreur: erreur.clone(),
        layout: layout(&state, &visitor, "/recherche", title),
    };
    let mut res = render(&page)?;
    if erreur.is_some() {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

/// The profiles of the home page's entry points, by slug of `/je-suis/{profil}`.
pub const PROFILS_ACCUEIL: &[(&str, Profil)] = &[
    ("association", Profil::Association),
    ("entreprise", Profil::Entreprise),
    ("collectivite", Profil::Collectivite),
    ("accompagnement", Profil::StructureAccompagnement),
    ("citoyen", Profil::CollectifCitoyen),
];

/// The tools shown to each profile: (message key, link). Every link is a page of the site
/// (checked by `tests/recherche_pages.rs`).
pub fn outils(profil: &str) -> &'static [(&'static str, &'static str)] {
    match profil {
        "association" => &[
            ("kit-partenariat", "/kits/evaluation-partenariat"),
            ("relation", "/mise-en-relation"),
            ("aide", "/ingenieries/aide"),
            ("referencer", "/organisations/nouvelle"),
            ("alliances", "/alliances"),
            ("exemples", "/exemples"),
        ],
        "entreprise" => &[
            ("kit-odd17", "/kits/odd17-en-pratique"),
            ("relation", "/mise-en-relation"),
            ("annuaire-associations", "/annuaire?profil=association"),
            ("exemples", "/exemples"),
            ("observatoire", "/observatoire"),
        ],
        "collectivite" => &[
            ("kit-crise", "/kits/sortie-de-crise-en-territoire"),
            ("territoires", "/territoires"),
            ("couverture", "/ingenieries/couverture"),
            ("alliances", "/alliances"),
            ("experimentations", "/experimentations"),
            ("observatoire", "/observatoire"),
        ],
        "accompagnement" => &[
            ("kit-impact", "/kits/impact-collectif"),
            ("dispositifs", "/ingenieries"),
            ("couverture", "/ingenieries/couverture"),
            ("programmes", "/ingenieries/programmes"),
            ("ressources", "/ressources"),
        ],
        "citoyen" => &[
            ("annuaire", "/annuaire"),
            ("alliances", "/alliances"),
            ("territoires", "/territoires"),
            ("exemples", "/exemples"),
            ("observatoire", "/observatoire"),
        ],
        _ => &[],
    }
}

pub struct Outil {
    pub titre: String,
    pub texte: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "recherche_globale_profil.html")]
struct PageProfil {
    layout: Layout,
    intro: String,
    outils: Vec<Outil>,
    /// The profile's slug for the search filter (none for citizens: they look for everything).
    filtre_profil: Option<String>,
}

/// `GET /je-suis/{profil}`: the tools that fit a profile, and a search for it.
pub async fn profil(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let Some((slug, p)) = PROFILS_ACCUEIL.iter().find(|(s, _)| *s == slug) else {
        return Err(PageError::NotFound);
    };
    let tr = state.tr(visitor.lang);
    let title = tr.t(&format!("jesuis-{slug}"));
    let mut l = Layout::new(
        &state,
        &visitor,
        &format!("/je-suis/{slug}"),
        "accueil",
        title,
    );
    l.breadcrumb = vec![
        home_crumb(&tr),
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    let page = PageProfil {
        intro: tr.t(&format!("jesuis-{slug}-intro")),
        outils: outils(slug)
            .iter()
            .map(|(cle, href)| Outil {
                titre: tr.t(&format!("jesuis-outil-{cle}")),
                texte: tr.t(&format!("jesuis-outil-{cle}-texte")),
                href: (*href).to_string(),
            })
            .collect(),
        filtre_profil: (*slug != "citoyen").then(|| p.slug().to_string()),
        layout: l,
    };
    render(&page)
}
