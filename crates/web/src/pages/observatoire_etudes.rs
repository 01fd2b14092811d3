//! The observatory's studies and waves: the public pages of published waves (results with
//! interval whiskers and tables, an automatic methodology note, downloads, trends across waves),
//! the analyst's pages (new study, new wave, the wave's management: microdata upload, margins
//! and quotas, calibration and its diagnostics, publication, online collection) and the
//! respondent's questionnaire reached by an invitation link.

use super::formulaires::{check, form, rendre, un, Formulaire};
use super::{render, PageError};
use crate::graphiques::{barres_ic, courbes, Barre, Courbe};
use crate::i18n::Tr;
use crate::kits_view::{champs_du_formulaire, champs_questionnaire, score, ChampQuestion};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::state::AppState;
use crate::visiteur::Visitor;
use alliances_app::observatoire::{Etude, Vague};
use alliances_app::observatoire::{
    IssueEnquete, ObservatoireError, ReglagesSaisie, ReponseEnqueteError, TableauVague, VagueLue,
};
use alliances_app::politique::{can, Action};
use alliances_domain::annuaire::ChampErreur;
use alliances_domain::kits::Genre;
use alliances_domain::observatoire::etude::{
    libelle_variable, modalites, EtudeSaisie, Mode, Plan, VagueSaisie,
};
use alliances_domain::observatoire::microdonnees::ErreurLigne;
use alliances_domain::observatoire::resultats::{Ligne, Mesure, ResultatQuestion, Resultats};
use alliances_domain::observatoire::Population;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

impl From<ObservatoireError> for PageError {
    fn from(e: ObservatoireError) -> Self {
        match e {
            ObservatoireError::Introuvable => PageError::NotFound,
            ObservatoireError::Interdit => PageError::Forbidden,
            ObservatoireError::App(e) => e.into(),
            _ => PageError::BadRequest,
        }
    }
}

fn ids(etude: &str, numero: Option<&str>) -> Result<(i64, i64), PageError> {
    let e = etude.parse().map_err(|_| PageError::NotFound)?;
    let n = match numero {
        Some(n) => n.parse().map_err(|_| PageError::NotFound)?,
        None => 0,
    };
    Ok((e, n))
}

/// A share or a mean as written on the pages.
pub fn valeur(x: f64, mesure: Mesure, tr: &Tr) -> String {
    match mesure {
        Mesure::Moyenne => score(x, tr),
        _ => format!("{} %", score(x, tr)),
    }
}

fn population(p: &str, tr: &Tr) -> String {
    Population::from_slug(p)
        .map(|p| crate::alliances_view::lbl(p.label_fr(), p.label_en(), tr))
        .unwrap_or_else(|| p.to_string())
}

fn crumbs(l: &Layout, etude: Option<&Etude>, vague: Option<&Vague>) -> Vec<Crumb> {
    let mut c = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("observatoire-titre"),
            href: Some("/observatoire".into()),
        },
    ];
    if let Some(e) = etude {
        c.push(Crumb {
            label: e.titre.clone(),
            href: Some(format!("/observatoire/etudes/{}", e.id)),
        });
    }
    if let Some(v) = vague {
        c.push(Crumb {
            label: v.libelle.clone(),
            href: Some(format!(
                "/observatoire/etudes/{}/vagues/{}",
                v.etude_id, v.numero
            )),
        });
    }
    c.push(Crumb {
        label: l.title.clone(),
        href: None,
    });
    // The page itself is the last crumb: drop a duplicate of it.
    if c.len() >= 2 && c[c.len() - 2].label == l.title {
        c.remove(c.len() - 2);
    }
    c
}

// ------------------------------------------------------------------------- results

/// One row of a results table.
pub struct LigneVue {
    pub domaine: String,
    pub libelle: String,
    pub valeur: String,
    pub ic: String,
    pub n: String,
    pub supprimee: bool,
}

/// A question's results for the page.
pub struct QuestionVue {
    pub id: String,
    pub texte: String,
    pub mesure: String,
    pub svg: String,
    pub global: Vec<LigneVue>,
    /// (domain variable's label, rows)
    pub domaines: Vec<(String, Vec<LigneVue>)>,
}

fn ligne_vue(l: &Ligne, mesure: Mesure, seuil: u32, tr: &Tr) -> LigneVue {
    LigneVue {
        domaine: l.domaine_libelle.clone().unwrap_or_default(),
        libelle: l
            .modalite_libelle
            .clone()
            .unwrap_or_else(|| tr.t("observatoire-moyenne")),
        valeur: match (l.supprimee, l.estimation) {
            (false, Some(x)) => valeur(x, mesure, tr),
            _ => tr.ta("observatoire-supprimee", &[("seuil", &seuil.to_string())]),
        },
        ic: match (l.ic95_bas, l.ic95_haut) {
            (Some(b), Some(h)) if !l.supprimee => {
                format!("[{} ; {}]", score(b, tr), score(h, tr))
            }
            _ => String::new(),
        },
        n: tr.nombre(l.n as u64),
        supprimee: l.supprimee,
    }
}

fn question_vue(q: &ResultatQuestion, seuil: u32, tr: &Tr) -> QuestionVue {
    let global: Vec<&Ligne> = q
        .lignes
        .iter()
        .filter(|l| l.variable_domaine.is_none())
        .collect();
    let max = match q.mesure {
        Mesure::Moyenne => {
            global
                .iter()
                .filter_map(|l| l.ic95_haut.or(l.estimation))
                .fold(0.0, f64::max)
                * 1.1
        }
        _ => 100.0,
    };
    let barres: Vec<Barre> = global
        .iter()
        .map(|l| Barre {
            libelle: l
                .modalite_libelle
                .clone()
                .unwrap_or_else(|| tr.t("observatoire-moyenne")),
            valeur: l.estimation.filter(|_| !l.supprimee),
            ic: l.ic95_bas.zip(l.ic95_haut).filter(|_| !l.supprimee),
            texte: ligne_vue(l, q.mesure, seuil, tr).valeur,
        })
        .collect();
    let mut domaines: Vec<(String, Vec<LigneVue>)> = Vec::new();
    for l in q.lignes.iter().filter(|l| l.variable_domaine.is_some()) {
        let var = l.variable_domaine.clone().unwrap_or_default();
        match domaines.iter_mut().find(|(v, _)| *v == var) {
            Some((_, v)) => v.push(ligne_vue(l, q.mesure, seuil, tr)),
            None => domaines.push((var, vec![ligne_vue(l, q.mesure, seuil, tr)])),
        }
    }
    QuestionVue {
        id: q.id.clone(),
        texte: q.texte.clone(),
        mesure: tr.t(match q.mesure {
            Mesure::Repartition => "observatoire-mesure-repartition",
            Mesure::Citations => "observatoire-mesure-citations",
            Mesure::Moyenne => "observatoire-mesure-moyenne",
        }),
        svg: barres_ic(&barres, max),
        global: global
            .iter()
            .map(|l| ligne_vue(l, q.mesure, seuil, tr))
            .collect(),
        domaines,
    }
}

/// The methodology note, written from the wave and its published figures.
pub fn note_methodologique(e: &Etude, v: &Vague, r: &Resultats, tr: &Tr) -> Vec<String> {
    let m = &r.methodologie;
    let mode = Mode::from_slug(&v.mode)
        .map(|x| crate::alliances_view::lbl(x.label_fr(), x.label_en(), tr))
        .unwrap_or_default();
    let plan = Plan::from_slug(&v.plan)
        .map(|x| crate::alliances_view::lbl(x.label_fr(), x.label_en(), tr))
        .unwrap_or_default();
    let mut out = vec![tr.ta(
        "observatoire-note-echantillon",
        &[
            ("n", &tr.nombre(m.n as u64)),
            ("population", &population(&e.population, tr)),
            ("debut", &v.debut),
            ("fin", &v.fin),
            ("mode", &mode.to_lowercase()),
            ("plan", &plan.to_lowercase()),
            ("producteur", &e.producteur),
        ],
    )];
    match &m.methode {
        Some(methode) => {
            let variables: Vec<String> =
                m.marges.iter().map(|(v, k)| format!("{v} ({k})")).collect();
            out.push(tr.ta(
                "observatoire-note-calage",
                &[
                    ("methode", &tr.t(&format!("observatoire-methode-{methode}"))),
                    ("variables", &variables.join(", ")),
                    ("population", &tr.nombre(m.population.round() as u64)),
                    ("iterations", &m.iterations.to_string()),
                    ("gmin", &score(m.g_min, tr)),
                    ("gmax", &score(m.g_max, tr)),
                ],
            ));
            if let Some((b, h)) = m.bornes {
                out.push(tr.ta(
                    "observatoire-note-bornes",
                    &[("bas", &b.to_string()), ("haut", &h.to_string())],
                ));
            }
            if m.rognes > 0 {
                out.push(tr.ta("observatoire-note-rognage", &[("n", &m.rognes.to_string())]));
            }
        }
        None => out.push(tr.t("observatoire-note-sans-calage")),
    }
    out.push(tr.ta(
        "observatoire-note-precision",
        &[
            ("deff", &crate::alliances_view::nombre(m.effet_plan, tr)),
            ("neff", &tr.nombre(m.n_effectif.round() as u64)),
            ("marge", &score(m.marge_erreur, tr)),
        ],
    ));
    out.push(tr.t(if m.convention == "calee" {
        "observatoire-note-variance-calee"
    } else {
        "observatoire-note-variance-fixes"
    }));
    out.push(tr.ta(
        "observatoire-note-seuil",
        &[("seuil", &m.seuil.to_string())],
    ));
    out
}

#[derive(Template)]
#[template(path = "observatoire_vague.html")]
struct VaguePage {
    layout: Layout,
    etude: Etude,
    vague: Vague,
    publiee: bool,
    analyste: bool,
    note: Vec<String>,
    questions: Vec<QuestionVue>,
    base: String,
}

/// `GET /observatoire/etudes/{id}/vagues/{n}`
pub async fn vague(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((etude, numero)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (etude, numero) = ids(&etude, Some(&numero))?;
    let (e, lue) = state
        .app
        .vague_observatoire(visitor.user(), etude, numero)
        .await?;
    let tr = state.tr(visitor.lang);
    let VagueLue {
        vague, resultats, ..
    } = lue;
    let base = format!("/observatoire/etudes/{etude}/vagues/{numero}");
    let mut l = Layout::new(
        &state,
        &visitor,
        &base,
        "observatoire",
        format!("{} — {}", e.titre, vague.libelle),
    );
    l.breadcrumb = crumbs(&l, Some(&e), None);
    let (note, questions) = match &resultats {
        Some(r) => (
            note_methodologique(&e, &vague, r, &tr),
            r.questions
                .iter()
                .map(|q| question_vue(q, r.methodologie.seuil, &tr))
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    render(&VaguePage {
        publiee: resultats.is_some(),
        analyste: can(visitor.user(), Action::AnalyserObservatoire),
        etude: e,
        vague,
        note,
        questions,
        base,
        layout: l,
    })
}

// ------------------------------------------------------------------------- a study

/// A trend: a question asked in several published waves.
pub struct Tendance {
    pub texte: String,
    pub svg: String,
    pub vagues: Vec<String>,
    /// (answer, value per wave as written)
    pub lignes: Vec<(String, Vec<String>)>,
}

/// Trends across the published waves: every question (same id and kind) asked in two or
/// more, one line per answer (overall figures).
pub fn tendances(vagues: &[(String, &Resultats)], tr: &Tr) -> Vec<Tendance> {
    let mut out = Vec::new();
    let Some((_, premiere)) = vagues.first() else {
        return out;
    };
    let mut vus: Vec<&str> = Vec::new();
    for (_, r) in vagues {
        for q in &r.questions {
            if vus.contains(&q.id.as_str()) {
                continue;
            }
            vus.push(&q.id);
            let par_vague: Vec<Option<&ResultatQuestion>> = vagues
                .iter()
                .map(|(_, r)| {
                    r.questions
                        .iter()
                        .find(|x| x.id == q.id && x.mesure == q.mesure)
                })
                .collect();
            if par_vague.iter().filter(|x| x.is_some()).count() < 2 {
                continue;
            }
            let mut modalites: Vec<(Option<String>, String)> = Vec::new();
            for x in par_vague.iter().flatten() {
                for l in x.lignes.iter().filter(|l| l.variable_domaine.is_none()) {
                    if !modalites.iter().any(|(m, _)| *m == l.modalite) {
                        modalites.push((
                            l.modalite.clone(),
                            l.modalite_libelle
                                .clone()
                                .unwrap_or_else(|| tr.t("observatoire-moyenne")),
                        ));
                    }
                }
            }
            let valeur_de = |x: &Option<&ResultatQuestion>, m: &Option<String>| {
                x.and_then(|x| {
                    x.lignes
                        .iter()
                        .find(|l| l.variable_domaine.is_none() && l.modalite == *m)
                })
                .filter(|l| !l.supprimee)
                .and_then(|l| l.estimation)
            };
            let series: Vec<Courbe> = modalites
                .iter()
                .map(|(m, libelle)| Courbe {
                    libelle: libelle.clone(),
                    valeurs: par_vague.iter().map(|x| valeur_de(x, m)).collect(),
                })
                .collect();
            let max = match q.mesure {
                Mesure::Moyenne => {
                    series
                        .iter()
                        .flat_map(|s| s.valeurs.iter().flatten())
                        .fold(0.0, |a: f64, b| a.max(*b))
                        * 1.2
                }
                _ => 100.0,
            };
            let noms: Vec<String> = vagues.iter().map(|(n, _)| n.clone()).collect();
            out.push(Tendance {
                texte: q.texte.clone(),
                svg: courbes(&series, &noms, max),
                lignes: series
                    .iter()
                    .map(|s| {
                        (
                            s.libelle.clone(),
                            s.valeurs
                                .iter()
                                .map(|v| {
                                    v.map(|v| valeur(v, q.mesure, tr))
                                        .unwrap_or_else(|| "—".into())
                                })
                                .collect(),
                        )
                    })
                    .collect(),
                vagues: noms,
            });
        }
    }
    let _ = premiere;
    out
}

#[derive(Template)]
#[template(path = "observatoire_etude.html")]
struct EtudePage {
    layout: Layout,
    etude: Etude,
    population: String,
    analyste: bool,
    /// (number, label, dates, respondents, published)
    vagues: Vec<(i64, String, String, String, bool)>,
    tendances: Vec<Tendance>,
}

/// `GET /observatoire/etudes/{id}`
pub async fn etude(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (id, _) = ids(&id, None)?;
    let (e, vagues) = state.app.etude_observatoire(visitor.user(), id).await?;
    let tr = state.tr(visitor.lang);
    let mut l = Layout::new(
        &state,
        &visitor,
        &format!("/observatoire/etudes/{id}"),
        "observatoire",
        e.titre.clone(),
    );
    l.breadcrumb = crumbs(&l, None, None);
    let publiees: Vec<(String, &Resultats)> = vagues
        .iter()
        .filter_map(|v| v.resultats.as_ref().map(|r| (v.vague.libelle.clone(), r)))
        .collect();
    let tendances = tendances(&publiees, &tr);
    render(&EtudePage {
        population: population(&e.population, &tr),
        analyste: can(visitor.user(), Action::AnalyserObservatoire),
        vagues: vagues
            .iter()
            .map(|v| {
                (
                    v.vague.numero,
                    v.vague.libelle.clone(),
                    format!("{} → {}", v.vague.debut, v.vague.fin),
                    v.resultats
                        .as_ref()
                        .map(|r| tr.nombre(r.methodologie.n as u64))
                        .unwrap_or_default(),
                    v.resultats.is_some(),
                )
            })
            .collect(),
        tendances,
        etude: e,
        layout: l,
    })
}

// ------------------------------------------------------------------------- analyst forms

fn analyste(visitor: &Visitor) -> Result<&alliances_app::comptes::CurrentUser, PageError> {
    let u = visitor.user().ok_or(PageError::Forbidden)?;
    if can(Some(u), Action::AnalyserObservatoire) {
        Ok(u)
    } else {
        Err(PageError::Forbidden)
    }
}

fn choix_nomenclature<T: Copy>(
    tous: &[T],
    courant: &str,
    slug: impl Fn(T) -> &'static str,
    libelle: impl Fn(T) -> String,
) -> Vec<(String, String, bool)> {
    tous.iter()
        .map(|x| (slug(*x).to_string(), libelle(*x), slug(*x) == courant))
        .collect()
}

fn page_etude(
    state: &AppState,
    visitor: &Visitor,
    s: &EtudeSaisie,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let mut l = Layout::new(
        state,
        visitor,
        "/observatoire/etudes/nouvelle",
        "observatoire",
        tr.t("observatoire-etude-nouvelle"),
    );
    l.breadcrumb = crumbs(&l, None, None);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "observatoire-champ-",
    };
    let champs = vec![
        f.champ("titre", "text", s.titre.clone()),
        f.choix(
            "population",
            "select",
            choix_nomenclature(
                Population::ALL,
                &s.population,
                |p| p.slug(),
                |p| crate::alliances_view::lbl(p.label_fr(), p.label_en(), &tr),
            ),
        ),
        f.aide(f.champ("producteur", "text", s.producteur.clone())),
        f.champ("description", "textarea", s.description.clone()),
    ];
    rendre(
        l,
        &f,
        "/observatoire/etudes/nouvelle".into(),
        champs,
        Vec::new(),
        tr.t("observatoire-creer"),
        None,
        None,
    )
}

/// `GET /observatoire/etudes/nouvelle`
pub async fn etude_nouvelle(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    if visitor.user().is_none() {
        return Ok(
            Redirect::to("/compte/connexion?suite=/observatoire/etudes/nouvelle").into_response(),
        );
    }
    analyste(&visitor)?;
    page_etude(
        &state,
        &visitor,
        &EtudeSaisie {
            population: "associations".into(),
            ..Default::default()
        },
        &[],
    )
}

/// `POST /observatoire/etudes/nouvelle`
pub async fn etude_nouvelle_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = analyste(&visitor)?;
    let s = EtudeSaisie {
        titre: un(&f, "titre").into(),
        population: un(&f, "population").into(),
        description: un(&f, "description").into(),
        producteur: un(&f, "producteur").into(),
    };
    match state.app.creer_etude(user, &s).await {
        Ok(id) => Ok(Redirect::to(&format!("/observatoire/etudes/{id}")).into_response()),
        Err(ObservatoireError::Invalide(e)) => page_etude(&state, &visitor, &s, &e),
        Err(e) => Err(e.into()),
    }
}

fn page_vague(
    state: &AppState,
    visitor: &Visitor,
    e: &Etude,
    s: &VagueSaisie,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let action = format!("/observatoire/etudes/{}/vagues/nouvelle", e.id);
    let mut l = Layout::new(
        state,
        visitor,
        &action,
        "observatoire",
        tr.t("observatoire-vague-nouvelle"),
    );
    l.breadcrumb = crumbs(&l, Some(e), None);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "observatoire-champ-",
    };
    let champs = vec![
        f.champ("libelle", "text", s.libelle.clone()),
        f.champ("debut", "date", s.debut.clone()),
        f.champ("fin", "date", s.fin.clone()),
        f.choix(
            "mode",
            "select",
            choix_nomenclature(
                Mode::ALL,
                &s.mode,
                |p| p.slug(),
                |p| crate::alliances_view::lbl(p.label_fr(), p.label_en(), &tr),
            ),
        ),
        f.choix(
            "plan",
            "select",
            choix_nomenclature(
                Plan::ALL,
                &s.plan,
                |p| p.slug(),
                |p| crate::alliances_view::lbl(p.label_fr(), p.label_en(), &tr),
            ),
        ),
        f.aide(f.champ("questionnaire", "textarea", s.questionnaire.clone())),
        f.aide(f.champ("domaines", "text", s.domaines.clone())),
        f.aide(f.champ("seuil", "text", s.seuil.clone())),
    ];
    rendre(
        l,
        &f,
        action,
        champs,
        Vec::new(),
        tr.t("observatoire-creer"),
        Some(tr.t("observatoire-vague-intro")),
        None,
    )
}

/// `GET /observatoire/etudes/{id}/vagues/nouvelle`
pub async fn vague_nouvelle(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (id, _) = ids(&id, None)?;
    analyste(&visitor)?;
    let (e, _) = state.app.etude_observatoire(visitor.user(), id).await?;
    page_vague(
        &state,
        &visitor,
        &e,
        &VagueSaisie {
            mode: "en-ligne".into(),
            plan: "quotas".into(),
            ..Default::default()
        },
        &[],
    )
}

/// `POST /observatoire/etudes/{id}/vagues/nouvelle`
pub async fn vague_nouvelle_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (id, _) = ids(&id, None)?;
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = analyste(&visitor)?;
    let s = VagueSaisie {
        libelle: un(&f, "libelle").into(),
        debut: un(&f, "debut").into(),
        fin: un(&f, "fin").into(),
        mode: un(&f, "mode").into(),
        plan: un(&f, "plan").into(),
        questionnaire: un(&f, "questionnaire").into(),
        domaines: un(&f, "domaines").into(),
        seuil: un(&f, "seuil").into(),
    };
    match state.app.creer_vague(user, id, &s).await {
        Ok(n) => Ok(
            Redirect::to(&format!("/observatoire/etudes/{id}/vagues/{n}/gestion")).into_response(),
        ),
        Err(ObservatoireError::Invalide(errs)) => {
            let (e, _) = state.app.etude_observatoire(visitor.user(), id).await?;
            page_vague(&state, &visitor, &e, &s, &errs)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------- wave management

/// Which form of the management page a message or errors belong to.
#[derive(Default)]
struct Retour {
    message: Option<String>,
    erreurs: Vec<(String, String)>,
    fichier: Vec<ErreurLigne>,
    total_fichier: usize,
    reglages: Option<ReglagesSaisie>,
    /// The margins' source chosen in the refused form.
    source: Option<String>,
}

#[derive(Template)]
#[template(path = "observatoire_gestion.html")]
struct GestionPage {
    layout: Layout,
    t: TableauVague,
    base: String,
    retour: Retour,
    /// (variable, its question, its categories)
    variables: Vec<(String, String, String)>,
    /// The margins editor: one block per categorical question.
    editeur: Vec<VariableMarge>,
    population: String,
    /// `tableau` or `json`: where the margins are read from.
    source: String,
    marges: String,
    quotas: String,
    methode: String,
    bornes: String,
    rognage: String,
    /// (label, value) rows of the last calibration's diagnostics.
    diagnostics: Vec<(String, String)>,
    /// Per margin: (variable, category, gap).
    ecarts: Vec<(String, String, String)>,
    avertissements: Vec<String>,
    /// (variable, category, target, reached, full)
    cellules: Vec<(String, String, u32, u32, bool)>,
}

impl GestionPage {
    fn methode_choisie(&self, m: &str) -> bool {
        self.methode == m
    }
}

/// A variable in the margins editor: its categories with their population totals.
pub struct VariableMarge {
    pub id: String,
    pub libelle: String,
    pub utilisee: bool,
    /// (category, label, total as typed)
    pub totaux: Vec<(String, String, String)>,
}

/// The margins editor's blocks, filled from a margins JSON text when it reads.
fn editeur_marges(
    kit: &alliances_domain::kits::Kit,
    variables: &[(String, String, String)],
    marges: &str,
) -> (Vec<VariableMarge>, String, bool) {
    let j: serde_json::Value = serde_json::from_str(marges).unwrap_or_default();
    // 600.0 is written 600.
    let nombre = |v: &serde_json::Value| match v.as_f64() {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => x.to_string(),
        None => String::new(),
    };
    let population = nombre(&j["population"]);
    let croisement = j["margins"]
        .as_object()
        .is_some_and(|m| m.keys().any(|k| k.contains('*')));
    let blocs = variables
        .iter()
        .map(|(id, libelle, _)| {
            let m = &j["margins"][id.as_str()];
            VariableMarge {
                id: id.clone(),
                libelle: libelle.clone(),
                utilisee: m.is_object(),
                totaux: modalites(kit, id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| {
                        let total = nombre(&m[c.as_str()]);
                        let l =
                            alliances_domain::observatoire::etude::libelle_modalite(kit, id, &c);
                        (c, l, total)
                    })
                    .collect(),
            }
        })
        .collect();
    (blocs, population, croisement)
}

/// The margins JSON built from the editor's fields: the population, the checked variables
/// (`marge`) and their totals (`total:VARIABLE:CATEGORY`). No variable checked: no margins.
fn marges_du_tableau(f: &super::formulaires::Champs) -> Result<String, Vec<ChampErreur>> {
    let choisies: Vec<&str> = super::formulaires::tous(f, "marge").collect();
    if choisies.is_empty() {
        return Ok(String::new());
    }
    let mut errs = Vec::new();
    let nombre = |v: &str| {
        v.trim()
            .replace(' ', "")
            .replace(',', ".")
            .parse::<f64>()
            .ok()
    };
    let population = nombre(un(f, "population"));
    if population.is_none() {
        errs.push(ChampErreur::new(
            "population",
            "la population totale est un nombre (par exemple 1500000)",
        ));
    }
    let mut margins = serde_json::Map::new();
    for v in choisies {
        let prefixe = format!("total:{v}:");
        let mut totaux = serde_json::Map::new();
        for (k, val) in f.iter().filter(|(k, _)| k.starts_with(&prefixe)) {
            let c = &k[prefixe.len()..];
            match nombre(val) {
                Some(x) => {
                    totaux.insert(c.to_string(), serde_json::json!(x));
                }
                None => errs.push(ChampErreur::new(
                    "marges",
                    format!("« {v} » = « {c} » : un total (nombre) est attendu"),
                )),
            }
        }
        margins.insert(v.to_string(), serde_json::Value::Object(totaux));
    }
    if errs.is_empty() {
        Ok(serde_json::json!({ "population": population, "margins": margins }).to_string())
    } else {
        Err(errs)
    }
}

async fn page_gestion(
    state: &AppState,
    visitor: &Visitor,
    etude: i64,
    numero: i64,
    retour: Retour,
) -> Result<Response, PageError> {
    let user = analyste(visitor)?;
    let t = state.app.tableau_vague(user, etude, numero).await?;
    let tr = state.tr(visitor.lang);
    let base = format!("/observatoire/etudes/{etude}/vagues/{numero}");
    let mut l = Layout::new(
        state,
        visitor,
        &format!("{base}/gestion"),
        "observatoire",
        tr.ta(
            "observatoire-gestion-titre",
            &[("vague", &t.lue.vague.libelle)],
        ),
    );
    l.breadcrumb = crumbs(&l, Some(&t.etude), None);
    let kit = &t.lue.kit;
    let variables: Vec<(String, String, String)> = kit
        .questions
        .iter()
        .filter(|q| {
            matches!(
                q.genre,
                Genre::ChoixUnique { .. } | Genre::OuiNon { .. } | Genre::Echelle { .. }
            )
        })
        .map(|q| {
            (
                q.id.clone(),
                libelle_variable(kit, &q.id),
                modalites(kit, &q.id).unwrap_or_default().join(", "),
            )
        })
        .collect();
    let v = &t.lue.vague;
    let (marges, quotas, methode, bornes, rognage) = match &retour.reglages {
        Some(r) => (
            r.marges.clone(),
            r.quotas.clone(),
            r.methode.clone(),
            r.bornes.clone(),
            r.rognage.clone(),
        ),
        None => (
            v.marges.clone().unwrap_or_default(),
            v.quotas.clone().unwrap_or_default(),
            v.methode.clone().unwrap_or_else(|| "raking".into()),
            v.bornes
                .map(|(a, b)| format!("{a}, {b}"))
                .unwrap_or_default(),
            v.rognage
                .map(|(a, b)| format!("{a}, {b}"))
                .unwrap_or_default(),
        ),
    };
    let (editeur, population, croisement) = editeur_marges(kit, &variables, &marges);
    let source = match &retour.source {
        Some(s) => s.clone(),
        None if croisement => "json".into(),
        None => "tableau".into(),
    };
    let (diagnostics, ecarts, avertissements) = match &t.calage {
        Some(m) => (
            vec![
                (
                    tr.t("observatoire-diag-methode"),
                    tr.t(&format!(
                        "observatoire-methode-{}",
                        m.methode.as_deref().unwrap_or("raking")
                    )),
                ),
                (tr.t("observatoire-diag-n"), tr.nombre(m.n as u64)),
                (
                    tr.t("observatoire-diag-iterations"),
                    m.iterations.to_string(),
                ),
                (
                    tr.t("observatoire-diag-ecart"),
                    format!("{:.2e}", m.ecart_relatif_max),
                ),
                (
                    tr.t("observatoire-diag-g"),
                    format!("{} – {}", score(m.g_min, &tr), score(m.g_max, &tr)),
                ),
                (
                    tr.t("observatoire-diag-poids"),
                    format!(
                        "{} – {}",
                        crate::alliances_view::nombre(m.poids_min, &tr),
                        crate::alliances_view::nombre(m.poids_max, &tr)
                    ),
                ),
                (
                    tr.t("observatoire-diag-negatifs"),
                    m.poids_negatifs.to_string(),
                ),
                (tr.t("observatoire-diag-rognes"), m.rognes.to_string()),
                (
                    tr.t("observatoire-diag-neff"),
                    crate::alliances_view::nombre(m.n_effectif, &tr),
                ),
                (
                    tr.t("observatoire-diag-deff"),
                    crate::alliances_view::nombre(m.effet_plan, &tr),
                ),
                (
                    tr.t("observatoire-diag-marge"),
                    format!("± {} pts", score(m.marge_erreur, &tr)),
                ),
            ],
            m.ecarts
                .iter()
                .map(|(v, c, e)| (v.clone(), c.clone(), format!("{e:.2e}")))
                .collect(),
            m.avertissements.clone(),
        ),
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    let cellules = t
        .quotas
        .iter()
        .map(|c| {
            (
                c.variable.clone(),
                alliances_domain::observatoire::etude::libelle_modalite(
                    kit,
                    &c.variable,
                    &c.modalite,
                ),
                c.cible,
                c.atteint,
                c.pleine(),
            )
        })
        .collect();
    let statut = if retour.erreurs.is_empty() && retour.fichier.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&GestionPage {
        t,
        base,
        retour,
        variables,
        editeur,
        population,
        source,
        marges,
        quotas,
        methode,
        bornes,
        rognage,
        diagnostics,
        ecarts,
        avertissements,
        cellules,
        layout: l,
    })?;
    *res.status_mut() = statut;
    Ok(res)
}

/// `GET /observatoire/etudes/{id}/vagues/{n}/gestion` (`?ok=` after an action)
pub async fn gestion(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((etude, numero)): Path<(String, String)>,
    raw: crate::params::RawQuery,
) -> Result<Response, PageError> {
    let (etude, numero) = ids(&etude, Some(&numero))?;
    if visitor.user().is_none() {
        return Ok(Redirect::to(&format!(
            "/compte/connexion?suite=/observatoire/etudes/{etude}/vagues/{numero}/gestion"
        ))
        .into_response());
    }
    let p =
        crate::params::Params::parse(raw, &["lang", "ok"]).map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let ok = p.text("ok").unwrap_or_default();
    let message = match ok {
        "" => None,
        "microdonnees" | "reglages" | "calage" | "publication" | "depublication" | "collecte" => {
            Some(tr.t(&format!("observatoire-ok-{ok}")))
        }
        _ => return Err(PageError::BadRequest),
    };
    page_gestion(
        &state,
        &visitor,
        etude,
        numero,
        Retour {
            message,
            ..Default::default()
        },
    )
    .await
}

fn apres(etude: i64, numero: i64, ok: &str, ancre: &str) -> Response {
    Redirect::to(&format!(
        "/observatoire/etudes/{etude}/vagues/{numero}/gestion?ok={ok}#{ancre}"
    ))
    .into_response()
}

fn refus(bloc: &'static str, e: ObservatoireError) -> Result<Retour, PageError> {
    match e {
        ObservatoireError::Refus(m) => Ok(Retour {
            erreurs: vec![(bloc.to_string(), m)],
            ..Default::default()
        }),
        ObservatoireError::Invalide(es) => Ok(Retour {
            erreurs: es
                .into_iter()
                .map(|e| (e.champ.to_string(), e.message))
                .collect(),
            ..Default::default()
        }),
        ObservatoireError::Conflit => Ok(Retour {
            erreurs: vec![(bloc.to_string(), e.to_string())],
            ..Default::default()
        }),
        ObservatoireError::Fichier { erreurs, total } => Ok(Retour {
            fichier: erreurs,
            total_fichier: total,
            ..Default::default()
        }),
        e => Err(e.into()),
    }
}

/// `POST /observatoire/etudes/{id}/vagues/{n}/microdonnees` (multipart: `fichier`,
/// `colonne_id`, `colonne_poids`)
pub async fn microdonnees(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((etude, numero)): Path<(String, String)>,
    req: Request,
) -> Result<Response, PageError> {
    let (etude, numero) = ids(&etude, Some(&numero))?;
    let user = analyste(&visitor)?.clone();
    let headers = req.headers().clone();
    let (champs, octets) = super::imports::recevoir_fichier(req, MICRODONNEES_MAX).await?;
    let champ = |n: &str| champs.get(n).map(String::as_str).unwrap_or("");
    if !crate::visiteur::csrf_ok(&headers, &visitor, champ("_csrf")) {
        return Err(PageError::Forbidden);
    }
    let Some(octets) = octets else {
        let retour = Retour {
            erreurs: vec![(
                "fichier".into(),
                state.tr(visitor.lang).t("observatoire-fichier-manquant"),
            )],
            ..Default::default()
        };
        return page_gestion(&state, &visitor, etude, numero, retour).await;
    };
    match state
        .app
        .importer_microdonnees(
            &user,
            etude,
            numero,
            &octets,
            champ("colonne_id"),
            champ("colonne_poids"),
        )
        .await
    {
        Ok(_) => Ok(apres(etude, numero, "microdonnees", "microdonnees")),
        Err(e) => {
            let r = refus("microdonnees", e)?;
            page_gestion(&state, &visitor, etude, numero, r).await
        }
    }
}

/// Largest microdata file accepted from a browser.
pub const MICRODONNEES_MAX: u64 = 200 << 20;

/// `POST /observatoire/etudes/{id}/vagues/{n}/reglages`
pub async fn reglages(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((etude, numero)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (etude, numero) = ids(&etude, Some(&numero))?;
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = analyste(&visitor)?;
    let source = un(&f, "source");
    let marges = match source {
        "json" => Ok(un(&f, "marges").to_string()),
        _ => marges_du_tableau(&f),
    };
    let marges = match marges {
        Ok(m) => m,
        Err(errs) => {
            let r = Retour {
                erreurs: errs
                    .into_iter()
                    .map(|e| (e.champ.to_string(), e.message))
                    .collect(),
                source: Some("tableau".into()),
                ..Default::default()
            };
            return page_gestion(&state, &visitor, etude, numero, r).await;
        }
    };
    let s = ReglagesSaisie {
        marges,
        quotas: un(&f, "quotas").into(),
        methode: un(&f, "methode").into(),
        bornes: un(&f, "bornes").into(),
        rognage: un(&f, "rognage").into(),
    };
    match state.app.regler_calage(user, etude, numero, &s).await {
        Ok(()) => Ok(apres(etude, numero, "reglages", "reglages")),
        Err(e) => {
            let mut r = refus("reglages", e)?;
            r.reglages = Some(s);
            r.source = Some(if source == "json" { "json" } else { "tableau" }.into());
            page_gestion(&state, &visitor, etude, numero, r).await
        }
    }
}

/// `POST /observatoire/etudes/{id}/vagues/{n}/{action}`: `calage`, `publication` (`action`
/// = `publier` | `depublier`), `collecte` (`action` = `ouvrir` | `fermer`).
pub async fn action(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((etude, numero, quoi)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (etude, numero) = ids(&etude, Some(&numero))?;
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = analyste(&visitor)?;
    let app = &state.app;
    let (bloc, ok, res): (&'static str, &str, Result<(), ObservatoireError>) =
        match (quoi.as_str(), un(&f, "action")) {
            ("calage", _) => (
                "calage",
                "calage",
                app.caler_vague(user, etude, numero).await.map(|_| ()),
            ),
            ("publication", "publier") => (
                "publication",
                "publication",
                app.publier_vague(user, etude, numero).await.map(|_| ()),
            ),
            ("publication", "depublier") => (
                "publication",
                "depublication",
                app.depublier_vague(user, etude, numero).await,
            ),
            ("collecte", a @ ("ouvrir" | "fermer")) => (
                "collecte",
                "collecte",
                app.ouvrir_collecte(user, etude, numero, a == "ouvrir")
                    .await,
            ),
            _ => return Err(PageError::NotFound),
        };
    match res {
        Ok(()) => Ok(apres(etude, numero, ok, bloc)),
        Err(e) => {
            let r = refus(bloc, e)?;
            page_gestion(&state, &visitor, etude, numero, r).await
        }
    }
}

/// `POST /observatoire/etudes/{id}/vagues/{n}/invitations` (`nombre`): a CSV of the links,
/// shown once.
pub async fn invitations(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((etude, numero)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (etude, numero) = ids(&etude, Some(&numero))?;
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = analyste(&visitor)?;
    let n: usize = un(&f, "nombre").trim().parse().unwrap_or(0);
    match state.app.creer_invitations(user, etude, numero, n).await {
        Ok(jetons) => {
            let base = state.public_url.trim_end_matches('/').to_string();
            let mut out = String::from("lien\n");
            for j in jetons {
                out.push_str(&format!("{base}/observatoire/enquete/{j}\n"));
            }
            Ok(crate::api::csv(
                &format!("invitations-etude-{etude}-vague-{numero}.csv"),
                out,
            ))
        }
        Err(e) => {
            let r = refus("collecte", e)?;
            page_gestion(&state, &visitor, etude, numero, r).await
        }
    }
}

// ------------------------------------------------------------------------- the respondent

#[derive(Template)]
#[template(path = "observatoire_enquete.html")]
struct EnquetePage {
    layout: Layout,
    etude: Etude,
    action: String,
    sections: Vec<(String, Vec<ChampQuestion>)>,
    erreurs: Vec<(String, String)>,
    /// Thanks, screen-out or closed: the message instead of the form.
    fin: Option<String>,
}

fn page_enquete(
    state: &AppState,
    visitor: &Visitor,
    jeton: &str,
    lu: Result<(Etude, VagueLue), String>,
    saisies: Option<&[(String, Vec<String>)]>,
    erreurs: Vec<(String, String)>,
    fin: Option<String>,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let action = format!("/observatoire/enquete/{jeton}");
    let (etude, sections, fin) = match lu {
        Ok((e, lue)) => {
            let sections = if fin.is_none() {
                champs_questionnaire(&lue.kit, saisies, &erreurs)
            } else {
                Vec::new()
            };
            (e, sections, fin)
        }
        Err(m) => (
            Etude {
                id: 0,
                titre: tr.t("observatoire-enquete-titre"),
                population: String::new(),
                description: String::new(),
                producteur: String::new(),
                demo: false,
                cree_le: 0,
            },
            Vec::new(),
            Some(m),
        ),
    };
    let mut l = Layout::new(
        state,
        visitor,
        "/observatoire/enquete",
        "observatoire",
        etude.titre.clone(),
    );
    l.breadcrumb = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    let statut = if erreurs.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&EnquetePage {
        layout: l,
        etude,
        action,
        sections,
        erreurs,
        fin,
    })?;
    *res.status_mut() = statut;
    // The token is in the address: no referrer leaves this page.
    res.headers_mut().insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

/// `GET /observatoire/enquete/{jeton}`
pub async fn enquete(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(jeton): Path<String>,
) -> Result<Response, PageError> {
    match state.app.enquete(&jeton).await {
        Ok(lu) => page_enquete(&state, &visitor, &jeton, Ok(lu), None, Vec::new(), None),
        Err(ObservatoireError::Refus(m)) => {
            page_enquete(&state, &visitor, &jeton, Err(m), None, Vec::new(), None)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /observatoire/enquete/{jeton}`
pub async fn enquete_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(jeton): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    // No session is needed to answer: the token is the credential (and is used once).
    let paires = form(&body);
    let champs = champs_du_formulaire(&paires);
    let tr = state.tr(visitor.lang);
    match state.app.repondre_enquete(&jeton, &champs).await {
        Ok(IssueEnquete::Complete) => page_enquete(
            &state,
            &visitor,
            &jeton,
            Err(tr.t("observatoire-enquete-merci")),
            None,
            Vec::new(),
            None,
        ),
        Ok(IssueEnquete::HorsQuota(cellule)) => page_enquete(
            &state,
            &visitor,
            &jeton,
            Err(tr.ta("observatoire-enquete-hors-quota", &[("cellule", &cellule)])),
            None,
            Vec::new(),
            None,
        ),
        Err(ReponseEnqueteError::Reponses(errs)) => {
            let lu = state.app.enquete(&jeton).await?;
            let erreurs = errs.into_iter().map(|e| (e.question, e.message)).collect();
            page_enquete(
                &state,
                &visitor,
                &jeton,
                Ok(lu),
                Some(&champs),
                erreurs,
                None,
            )
        }
        Err(ReponseEnqueteError::Observatoire(ObservatoireError::Refus(m))) => {
            page_enquete(&state, &visitor, &jeton, Err(m), None, Vec::new(), None)
        }
        Err(ReponseEnqueteError::Observatoire(e)) => Err(e.into()),
    }
}
