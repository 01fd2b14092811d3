//! The observatory's public page (`/observatoire`): the published series — each figure with its
//! population, period, question and source, drawn as bars in SVG with a table alternative —,
//! the « from a duty to a desire for alliance » trend (also on the home page), and the figures
//! as CSV. Published figures are aggregates from their sources and are labelled as such.

use super::{render, PageError};
use crate::alliances_view::{lbl, nombre};
use crate::i18n::Tr;
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::visiteur::Visitor;
use alliances_domain::observatoire::ChiffrePublie;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use std::fmt::Write;

/// One series on the page.
pub struct Serie {
    pub slug: String,
    pub question: String,
    pub svg: String,
    /// (population, period, value in words, source)
    pub lignes: Vec<(String, String, String, String)>,
}

/// Bars in SVG, one per figure, labelled with the value and the population and period; the
/// numbers are also in the table next to it (the drawing is hidden from assistive technologies).
pub fn barres(chiffres: &[&ChiffrePublie], tr: &Tr) -> String {
    let largeur = 120 * chiffres.len().max(1) + 20;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="barres" viewBox="0 0 {largeur} 180" aria-hidden="true" focusable="false">"#
    );
    for (i, c) in chiffres.iter().enumerate() {
        let x = 20 + i * 120;
        let h = (c.valeur * 1.2).round() as usize;
        let y = 140 - h;
        let _ = write!(
            svg,
            r#"<rect class="barre" x="{x}" y="{y}" width="80" height="{h}"/><text class="barre-valeur" x="{tx}" y="{ty}">{v} %</text><text class="barre-legende" x="{tx}" y="158">{p}</text><text class="barre-legende" x="{tx}" y="174">{pop}</text>"#,
            tx = x + 40,
            ty = y.saturating_sub(6),
            v = nombre(c.valeur, tr),
            p = c.periode,
            pop = lbl(c.population.label_fr(), c.population.label_en(), tr),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The published series, ready for the page.
pub fn series(tr: &Tr) -> Result<Vec<Serie>, PageError> {
    Ok(alliances_app::observatoire::series()?
        .into_iter()
        .map(|(slug, v)| Serie {
            slug: slug.to_string(),
            question: v[0].question.clone(),
            svg: barres(&v, tr),
            lignes: v
                .iter()
                .map(|c| {
                    (
                        lbl(c.population.label_fr(), c.population.label_en(), tr),
                        c.periode.clone(),
                        format!("{} %", nombre(c.valeur, tr)),
                        c.source.clone(),
                    )
                })
                .collect(),
        })
        .collect())
}

/// « Du devoir d'alliance à l'envie d'alliance »: the importance citizens gave partnerships,
/// then the need mayors and the desire company heads expressed in 2020.
pub fn tendance(tr: &Tr) -> Result<String, PageError> {
    let tous = alliances_app::observatoire::chiffres_publies()?;
    let choisis: Vec<&ChiffrePublie> = [
        "partenariats-importants",
        "besoin-alliances",
        "envie-alliances",
    ]
    .iter()
    .flat_map(|s| tous.iter().filter(move |c| c.serie == *s))
    .collect();
    Ok(barres(&choisis, tr))
}

#[derive(Template)]
#[template(path = "observatoire.html")]
struct ObservatoirePage {
    layout: Layout,
    /// (code, name) of every région, for its page.
    regions: Vec<(String, String)>,
    series: Vec<Serie>,
    tendance: String,
    avertissement: &'static str,
    /// (id, title, population, published waves, demo) of the studies the visitor may see.
    etudes: Vec<(i64, String, String, usize, bool)>,
    analyste: bool,
}

/// `GET /observatoire`
pub async fn page(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    Params::parse(raw, &["lang"]).map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let mut l = Layout::new(
        &state,
        &visitor,
        "/observatoire",
        "observatoire",
        tr.t("observatoire-titre"),
    );
    l.breadcrumb = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    let regions = state
        .app
        .territoires()
        .referentiel
        .regions()
        .iter()
        .map(|x| (x.code.clone(), x.nom.clone()))
        .collect();
    let etudes = state
        .app
        .etudes_visibles(visitor.user())
        .await?
        .into_iter()
        .map(|(e, vagues)| {
            let population = alliances_domain::observatoire::Population::from_slug(&e.population)
                .map(|p| lbl(p.label_fr(), p.label_en(), &tr))
                .unwrap_or_default();
            let publiees = vagues.iter().filter(|v| v.publiee_le.is_some()).count();
            (e.id, e.titre, population, publiees, e.demo)
        })
        .collect();
    render(&ObservatoirePage {
        etudes,
        analyste: alliances_app::politique::can(
            visitor.user(),
            alliances_app::politique::Action::AnalyserObservatoire,
        ),
        regions,
        series: series(&tr)?,
        tendance: tendance(&tr)?,
        avertissement: alliances_app::observatoire::AVERTISSEMENT,
        layout: l,
    })
}

// ------------------------------------------------------------------------- a région's page

#[derive(Template)]
#[template(path = "observatoire_region.html")]
struct RegionPage {
    layout: Layout,
    code: String,
    /// (profile, count) of active organisations based or acting there, and the total.
    profils: Vec<(String, String)>,
    organisations: String,
    /// (stage, count) of public alliances acting there, and the total.
    stades: Vec<(String, String)>,
    alliances: String,
    accompagnement: super::ingenieries::BlocTerritoire,
    mises_en_relation: super::contacts::BlocConversion,
    /// Départements of the région without a departmental or local accompaniment scheme.
    zones_blanches: Vec<(String, String)>,
    series: Vec<Serie>,
    avertissement: &'static str,
}

/// `GET /observatoire/regions/{code}`: the observatory's figures next to the région's own —
/// organisations by profile, alliances by stage, support schemes, contact requests.
pub async fn region(
    State(state): State<AppState>,
    visitor: Visitor,
    axum::extract::Path(code): axum::extract::Path<String>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    use alliances_domain::alliances::Stade;
    use alliances_domain::annuaire::Profil;
    use alliances_domain::ingenieries::Service;
    use alliances_domain::territoires::{Niveau, TerritoireRef};
    Params::parse(raw, &["lang"]).map_err(|_| PageError::BadRequest)?;
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let idx = r.find_region(&code).ok_or(PageError::NotFound)?;
    let t = TerritoireRef {
        niveau: Niveau::Region,
        idx,
    };
    let nom = r.region(idx).nom.clone();
    let tr = state.tr(visitor.lang);

    // The territory dashboards' counters: the same rules as the territory pages.
    let tableau = state.app.tableau_territoire(t, alliances_app::now());
    let c = &tableau.compteurs;
    let profils = Profil::ALL
        .iter()
        .map(|p| {
            (
                lbl(p.label_fr(), p.label_en(), &tr),
                tr.nombre(u64::from(c.profils[p.index()])),
            )
        })
        .collect();
    let stades = Stade::ALL
        .iter()
        .map(|s| {
            (
                lbl(s.label_fr(), s.label_en(), &tr),
                tr.nombre(u64::from(c.stades[s.index()])),
            )
        })
        .collect();
    let ix = state.app.dispositifs();
    let couverture = ix.couverture_departements(Service::Accompagnement);
    let zones_blanches = r
        .departements_of_region(idx)
        .iter()
        .filter(|&&d| couverture[d as usize] == 0)
        .map(|&d| {
            let dep = r.departement(d);
            (dep.code.clone(), dep.nom.clone())
        })
        .collect();
    let conversion = c.conversion();
    let mut l = Layout::new(
        &state,
        &visitor,
        &format!("/observatoire/regions/{code}"),
        "observatoire",
        tr.ta("observatoire-region-titre", &[("region", &nom)]),
    );
    l.breadcrumb = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("observatoire-titre"),
            href: Some("/observatoire".into()),
        },
        Crumb {
            label: nom.clone(),
            href: None,
        },
    ];
    render(&RegionPage {
        code: code.clone(),
        profils,
        organisations: tr.nombre(u64::from(c.organisations)),
        stades,
        alliances: tr.nombre(u64::from(c.alliances)),
        accompagnement: super::ingenieries::bloc_territoire(&state, &tr, t).await?,
        mises_en_relation: super::contacts::bloc_conversion(&conversion, &tr, None),
        zones_blanches,
        series: series(&tr)?,
        avertissement: alliances_app::observatoire::AVERTISSEMENT,
        layout: l,
    })
}
