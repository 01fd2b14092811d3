//! Territory search (`/territoires`) and the page of every territory
//! (`/territoires/{niveau}/{code}`): breadcrumb up the hierarchy, identity, children, map.

use super::{render, PageError};
use crate::carte;
use crate::i18n::Tr;
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::territoire_view::{href, kind_label, MAX_QUERY_CHARS};
use crate::visiteur::Visitor;
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef, TypeCommune};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use std::collections::HashSet;

pub struct Resultat {
    pub nom: String,
    pub href: String,
    pub niveau: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "territoires.html")]
struct TerritoiresPage {
    layout: Layout,
    q: String,
    erreur: Option<String>,
    niveaux: Vec<(String, String, bool)>,
    resume: String,
    premiers: Option<String>,
    resultats: Vec<Resultat>,
    regions: Vec<(String, String)>,
    departements: Vec<(String, String)>,
}

const PAGE_RESULTS: usize = 50;

/// `/territoires?q=…&niveau=…`: the search without JavaScript, or the list of régions and
/// départements when there is no query.
pub async fn recherche(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["q", "niveau", "lang"]).map_err(|_| PageError::BadRequest)?;
    let q = params.text("q").unwrap_or("").trim().to_string();
    let niveau = match params.text("niveau").unwrap_or("") {
        "" => None,
        s => Some(Niveau::from_slug(s).ok_or(PageError::BadRequest)?),
    };
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let title_key = "territoires-titre";
    let mut layout = Layout::new(
        &state,
        &visitor,
        "/territoires",
        "territoires",
        String::new(),
    );
    layout.title = if q.is_empty() {
        layout.t(title_key)
    } else {
        format!(
            "{} — {}",
            q.chars().take(60).collect::<String>(),
            layout.t(title_key)
        )
    };
    let crumbs = vec![
        home_crumb(&layout.tr),
        Crumb {
            label: layout.t(title_key),
            href: None,
        },
    ];
    let layout = layout.with_crumbs(crumbs);
    let tr = layout.tr.clone();

    let erreur = if q.chars().count() > MAX_QUERY_CHARS {
        Some(tr.ta(
            "recherche-trop-longue",
            &[("max", &MAX_QUERY_CHARS.to_string())],
        ))
    } else {
        None
    };
    let (resultats, total) = if q.is_empty() || erreur.is_some() {
        (Vec::new(), 0)
    } else {
        let res = territoires.index.search(r, &q, niveau, PAGE_RESULTS);
        (
            res.hits
                .iter()
                .map(|h| resultat(r, &tr, h.territoire))
                .collect(),
            res.total,
        )
    };
    let mut niveaux = vec![(
        String::new(),
        tr.t("recherche-tous-niveaux"),
        niveau.is_none(),
    )];
    niveaux.extend(Niveau::ALL.iter().map(|n| {
        (
            n.slug().to_string(),
            tr.t(&format!("niveau-{}", n.slug())),
            niveau == Some(*n),
        )
    }));
    let page = TerritoiresPage {
        resume: tr.tn("recherche-resultats", total, &[("q", &q)]),
        premiers: (total > PAGE_RESULTS)
            .then(|| tr.ta("recherche-premiers", &[("n", &PAGE_RESULTS.to_string())])),
        regions: r
            .regions()
            .iter()
            .map(|x| (x.nom.clone(), format!("/territoires/region/{}", x.code)))
            .collect(),
        departements: r
            .departements()
            .iter()
            .map(|x| {
                (
                    format!("{} ({})", x.nom, x.code),
                    format!("/territoires/departement/{}", x.code),
                )
            })
            .collect(),
        layout,
        q,
        erreur: erreur.clone(),
        niveaux,
        resultats,
    };
    let mut res = render(&page)?;
    if erreur.is_some() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

fn resultat(r: &Referentiel, tr: &Tr, t: TerritoireRef) -> Resultat {
    let mut details = Vec::new();
    if t.niveau == Niveau::Commune {
        let c = r.commune(t.idx);
        details.push(format!("{} · {}", c.code, c.code_departement));
    } else {
        details.push(r.code(t).to_string());
    }
    if let Some(p) = r.population(t) {
        if p > 0 {
            details.push(format!(
                "{} {}",
                tr.nombre(p),
                tr.t("colonne-population").to_lowercase()
            ));
        }
    }
    Resultat {
        nom: r.nom(t).to_string(),
        href: href(r, t),
        niveau: kind_label(tr, r, t),
        details: details.join(" · "),
    }
}

pub struct Fait {
    pub label: String,
    pub valeurs: Vec<(String, Option<String>)>,
}

pub struct Ligne {
    pub nom: String,
    pub href: String,
    pub cellules: Vec<String>,
}

pub struct Section {
    pub titre: String,
    pub note: Option<String>,
    pub colonnes: Vec<String>,
    pub lignes: Vec<Ligne>,
}

pub struct Fiche {
    pub niveau: String,
    pub nom: String,
    pub faits: Vec<Fait>,
    pub sections: Vec<Section>,
    pub note_population: String,
    pub source: String,
    pub api_href: String,
    pub carte: String,
}

#[derive(Template)]
#[template(path = "territoire.html")]
struct TerritoirePage {
    layout: Layout,
    fiche: Fiche,
    organisations: Organisations,
    /// The public alliances acting there: count in words, (href, name), the link to all.
    alliances: (String, Vec<(String, String)>, String),
    /// Support schemes covering it.
    accompagnement: super::ingenieries::BlocTerritoire,
    /// The territory's dashboard, read from the counters kept by the change feed.
    tableau: crate::tableau_view::TableauVue,
}

/// The territory's organisations: how many, the first ones, the link to all of them.
pub struct Organisations {
    pub resume: String,
    pub liste: Vec<(String, String, String)>,
    pub tout: String,
}

const ORGANISATIONS_MONTREES: usize = 10;

fn organisations_de(
    state: &AppState,
    tr: &Tr,
    cle: &str,
) -> Result<(Vec<i64>, Organisations), PageError> {
    let mut q = alliances_search::organisations::OrgQuery::new(alliances_app::now());
    q.territoire = Some(cle.to_string());
    q.actifs_seulement = true;
    q.limit = ORGANISATIONS_MONTREES;
    let res = state.app.rechercher_organisations(&q).map_err(|e| {
        tracing::error!(error = %e, "organisation search failed");
        PageError::Internal
    })?;
    let ids = res.hits.iter().map(|h| h.id).collect();
    Ok((
        ids,
        Organisations {
            resume: tr.tn(
                "territoire-organisations-resume",
                res.total,
                &[("n", &tr.nombre(res.total as u64))],
            ),
            liste: Vec::new(),
            tout: format!("/annuaire?territoire={cle}&actives=oui"),
        },
    ))
}

/// `/territoires/{niveau}/{code}` (`?type=` picks a commune déléguée that shares its code).
pub async fn fiche(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((niveau, code)): Path<(String, String)>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["type", "lang"]).map_err(|_| PageError::BadRequest)?;
    let niveau = Niveau::from_slug(&niveau).ok_or(PageError::NotFound)?;
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let code = code.to_ascii_uppercase();
    let t = match (niveau, params.text("type")) {
        (Niveau::Commune, Some(ty)) => {
            let ty = TypeCommune::from_slug(ty).ok_or(PageError::BadRequest)?;
            r.find_commune(&code, Some(ty))
                .map(|idx| TerritoireRef { niveau, idx })
        }
        (_, Some(_)) => return Err(PageError::BadRequest),
        (_, None) => r.find(niveau, &code),
    }
    .ok_or(PageError::NotFound)?;

    let path = href(r, t);
    let mut layout = Layout::new(
        &state,
        &visitor,
        path.split('?').next().unwrap_or(&path),
        "territoires",
        r.nom(t).to_string(),
    );
    let tr = layout.tr.clone();
    let mut crumbs = vec![
        home_crumb(&tr),
        Crumb {
            label: tr.t("territoires-titre"),
            href: Some("/territoires".into()),
        },
    ];
    for a in r.ancestors(t) {
        crumbs.push(Crumb {
            label: r.nom(a).to_string(),
            href: Some(href(r, a)),
        });
    }
    crumbs.push(Crumb {
        label: r.nom(t).to_string(),
        href: None,
    });
    layout = layout.with_crumbs(crumbs);
    let fiche = crate::territoire_view::fiche(r, &tr, t);
    let cle = format!("{}:{}", t.niveau.slug(), r.code(t));
    let (ids, mut organisations) = organisations_de(&state, &tr, &cle)?;
    organisations.liste = state
        .app
        .fiches_publiques(&ids)
        .await
        .map_err(|_| PageError::Internal)?
        .into_iter()
        .map(|f| {
            (
                f.org.nom,
                format!("/organisations/{}", f.id),
                crate::annuaire_view::profil_label(f.org.profil, tr.lang).to_string(),
            )
        })
        .collect();
    let alliances = super::alliances::du_territoire(&state, &tr, &cle);
    let accompagnement = super::ingenieries::bloc_territoire(&state, &tr, t).await?;
    let kits = state.app.kits();
    let tableau = crate::tableau_view::vue(
        r,
        &tr,
        &state.app.tableau_territoire(t, alliances_app::now()),
        kits.dernier(alliances_app::relation::index::KIT_MATURITE)
            .map(|k| k.as_ref()),
    );
    render(&TerritoirePage {
        accompagnement,
        layout,
        fiche,
        organisations,
        alliances,
        tableau,
    })
}

/// The map with the départements of `t` highlighted.
pub fn carte_of(r: &Referentiel, tr: &Tr, t: Option<TerritoireRef>) -> String {
    let codes: Vec<&str> = match t {
        None => Vec::new(),
        Some(t) => match t.niveau {
            Niveau::Region => r
                .departements_of_region(t.idx)
                .iter()
                .map(|&d| r.departement(d).code.as_str())
                .collect(),
            Niveau::Departement => vec![r.departement(t.idx).code.as_str()],
            Niveau::Epci => r
                .departements_of_epci(t.idx)
                .iter()
                .map(|&d| r.departement(d).code.as_str())
                .collect(),
            Niveau::Commune => vec![r.commune(t.idx).code_departement.as_str()],
        },
    };
    let highlight: HashSet<&str> = codes.iter().copied().collect();
    let caption = if codes.is_empty() {
        tr.t("carte-legende-aucun")
    } else {
        let names: Vec<String> = codes
            .iter()
            .filter_map(|c| r.find_departement(c))
            .map(|d| format!("{} ({})", r.departement(d).nom, r.departement(d).code))
            .collect();
        tr.ta("carte-legende-surligne", &[("noms", &names.join(", "))])
    };
    carte::render(
        &highlight,
        &tr.t("carte-titre"),
        &tr.t("carte-outre-mer"),
        &caption,
    )
}
