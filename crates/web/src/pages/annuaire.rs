//! The annuaire's pages: search with facets (`/annuaire`), the organisation page
//! (`/organisations/{id}`), creation and edition (owners, editors, moderators), offers and
//! needs, claim, report, confirmation of freshness. Filters come from `annuaire_view`, rights
//! from the app's policy; this module only parses forms and renders.

use super::{render, PageError};
use crate::annuaire_view::{
    date_jour, nature_label, profil_label, Recherche, PARAMS_LISTES, PARAMS_SIMPLES,
};
use crate::i18n::{Lang, Tr};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::visiteur::{csrf_ok, Visitor};
use alliances_app::annuaire::{AnnuaireError, Lecture, Vue};
use alliances_app::now;
use alliances_domain::annuaire::{
    ChampErreur, Etat, NatureRessource, OrganisationSaisie, Profil, RessourceSaisie, Sens,
    SousType, Taille, TypePartenariat,
};
use alliances_domain::odd::OddNumber;
use alliances_domain::territoires::Niveau;
use alliances_search::organisations::Fraicheur;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

const PAR_PAGE: usize = 20;

type Champs = Vec<(String, String)>;

fn un<'a>(f: &'a Champs, nom: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == nom)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn tous<'a>(f: &'a Champs, nom: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    f.iter()
        .filter(move |(k, _)| k == nom)
        .map(|(_, v)| v.as_str())
}

fn opt(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

fn check_csrf(headers: &HeaderMap, visitor: &Visitor, f: &Champs) -> Result<(), PageError> {
    if csrf_ok(headers, visitor, un(f, "_csrf")) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

fn annuaire_crumb(tr: &Tr) -> Crumb {
    Crumb {
        label: tr.t("annuaire-titre"),
        href: Some("/annuaire".into()),
    }
}

fn layout(
    state: &AppState,
    visitor: &Visitor,
    path: &str,
    title: String,
    crumbs: Vec<Crumb>,
) -> Layout {
    let mut l = Layout::new(state, visitor, path, "annuaire", title);
    let mut all = vec![home_crumb(&l.tr)];
    all.extend(crumbs);
    all.push(Crumb {
        label: l.title.clone(),
        href: None,
    });
    l.breadcrumb = all;
    l
}

fn map_err(e: AnnuaireError) -> PageError {
    e.into()
}

// ------------------------------------------------------------------------------------ search

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
    pub nom: String,
    pub profil: String,
    pub lieu: String,
    pub odd: Vec<(u8, String)>,
    pub perime: bool,
    pub inactive: Option<String>,
    pub demo: bool,
    pub extrait: String,
}

#[derive(Template)]
#[template(path = "annuaire.html")]
struct AnnuairePage {
    layout: Layout,
    q: String,
    territoire: String,
    territoire_nom: Option<String>,
    erreur: Option<(String, String)>,
    groupes: Vec<Groupe>,
    fraicheur: Vec<Option_>,
    actives: bool,
    resume: String,
    lignes: Vec<Ligne>,
    precedent: Option<String>,
    suivant: Option<String>,
    page_info: String,
    peut_creer: bool,
}

fn option(valeur: String, libelle: String, compte: u32, coche: bool, tr: &Tr) -> Option_ {
    Option_ {
        valeur,
        libelle,
        compte: tr.nombre(u64::from(compte)),
        coche,
    }
}

/// `GET /annuaire`: the search page (works with a plain GET form; shareable URLs).
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
    let (recherche, erreur) = match Recherche::lire(&params, &territoires) {
        Ok(r) => (r, None),
        Err(p) => {
            let e = p
                .errors
                .first()
                .map(|e| (e.champ.clone(), e.message.clone()));
            (Recherche::default(), e)
        }
    };
    let page_no = params
        .number("page", 1, 1, 500)
        .map_err(|_| PageError::BadRequest)?;
    let offset = (page_no - 1) * PAR_PAGE;
    let res = state
        .app
        .rechercher_organisations(&recherche.requete(offset, PAR_PAGE, now()))
        .map_err(|e| {
            tracing::error!(error = %e, "organisation search failed");
            PageError::Internal
        })?;
    let ids: Vec<i64> = res.hits.iter().map(|h| h.id).collect();
    let fiches = state.app.fiches_publiques(&ids).await.map_err(map_err)?;
    let r = &territoires.referentiel;
    let at = now();
    let lignes = fiches
        .iter()
        .map(|f| {
            let lieu = f
                .org
                .commune
                .as_ref()
                .and_then(|c| r.find(Niveau::Commune, c.as_str()).map(|t| (c, t)))
                .map(|(c, t)| format!("{} ({})", r.nom(t), c.departement_prefix()))
                .unwrap_or_else(|| {
                    if f.org.national {
                        tr.t("annuaire-national")
                    } else {
                        String::new()
                    }
                });
            let extrait: String = f.org.description.chars().take(180).collect();
            Ligne {
                href: format!("/organisations/{}", f.id),
                nom: f.org.nom.clone(),
                profil: profil_label(f.org.profil, tr.lang).to_string(),
                lieu,
                odd: f
                    .org
                    .odd()
                    .into_iter()
                    .map(|n| (n, odd_titre(n, tr.lang)))
                    .collect(),
                perime: alliances_app::annuaire::est_perime(f.meta.verifie_le, at),
                inactive: (f.org.etat != Etat::Active)
                    .then(|| etat_label(f.org.etat, tr.lang).to_string()),
                demo: f.meta.demo,
                extrait: if f.org.description.chars().count() > 180 {
                    format!("{extrait}…")
                } else {
                    extrait
                },
            }
        })
        .collect();
    let fa = &res.facettes;
    let groupes = vec![
        Groupe {
            nom: "profil",
            legende: tr.t("annuaire-facette-profil"),
            options: Profil::ALL
                .iter()
                .map(|p| {
                    option(
                        p.slug().into(),
                        profil_label(*p, tr.lang).into(),
                        fa.profil[p.index()],
                        recherche.profils.contains(p),
                        &tr,
                    )
                })
                .collect(),
        },
        Groupe {
            nom: "odd",
            legende: tr.t("annuaire-facette-odd"),
            options: (1..=17u8)
                .map(|n| {
                    option(
                        n.to_string(),
                        format!("{n}. {}", odd_titre(n, tr.lang)),
                        fa.odd[usize::from(n) - 1],
                        recherche.odd.contains(&n),
                        &tr,
                    )
                })
                .collect(),
        },
        Groupe {
            nom: "offre",
            legende: tr.t("annuaire-facette-offres"),
            options: NatureRessource::ALL
                .iter()
                .map(|n| {
                    option(
                        n.slug().into(),
                        nature_label(*n, tr.lang).into(),
                        fa.offres[n.index()],
                        recherche.offres.contains(n),
                        &tr,
                    )
                })
                .collect(),
        },
        Groupe {
            nom: "besoin",
            legende: tr.t("annuaire-facette-besoins"),
            options: NatureRessource::ALL
                .iter()
                .map(|n| {
                    option(
                        n.slug().into(),
                        nature_label(*n, tr.lang).into(),
                        fa.besoins[n.index()],
                        recherche.besoins.contains(n),
                        &tr,
                    )
                })
                .collect(),
        },
    ];
    let fraicheur = vec![
        Option_ {
            valeur: String::new(),
            libelle: tr.t("annuaire-fraicheur-toutes"),
            compte: tr.nombre(u64::from(fa.a_jour + fa.perimes)),
            coche: recherche.fraicheur.is_none(),
        },
        option(
            "a-jour".into(),
            tr.t("annuaire-fraicheur-a-jour"),
            fa.a_jour,
            recherche.fraicheur == Some(Fraicheur::AJour),
            &tr,
        ),
        option(
            "a-verifier".into(),
            tr.t("annuaire-fraicheur-a-verifier"),
            fa.perimes,
            recherche.fraicheur == Some(Fraicheur::APerime),
            &tr,
        ),
    ];
    let qs = recherche.query_string();
    let lien = |p: usize| {
        if qs.is_empty() {
            format!("/annuaire?page={p}")
        } else {
            format!("/annuaire?{qs}&page={p}")
        }
    };
    let pages = res.total.div_ceil(PAR_PAGE).clamp(
        1,
        alliances_search::organisations::PROFONDEUR_MAX / PAR_PAGE,
    );
    let mut title = tr.t("annuaire-titre");
    if !recherche.q.is_empty() {
        title = format!(
            "{} — {title}",
            recherche.q.chars().take(60).collect::<String>()
        );
    }
    let l = layout(&state, &visitor, "/annuaire", title, vec![]);
    let page = AnnuairePage {
        q: recherche.q.clone(),
        territoire: recherche
            .territoire
            .as_ref()
            .map(|t| t.cle())
            .or_else(|| params.text("territoire").map(String::from))
            .unwrap_or_default(),
        territoire_nom: recherche.territoire_nom.clone(),
        erreur: erreur.clone(),
        groupes,
        fraicheur,
        actives: recherche.actives,
        resume: tr.tn(
            "annuaire-resultats",
            res.total,
            &[("n", &tr.nombre(res.total as u64))],
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
        peut_creer: alliances_app::politique::can(
            visitor.user(),
            alliances_app::politique::Action::CreerOrganisation,
        ),
        layout: l,
    };
    let mut res = render(&page)?;
    if erreur.is_some() {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
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

fn etat_label(e: Etat, lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => e.label_fr(),
        _ => e.label_en(),
    }
}

// ------------------------------------------------------------------------- organisation page

pub struct RessourceLigne {
    pub id: i64,
    pub nature: String,
    pub titre: String,
    pub description: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    layout: Layout,
    id: i64,
    faits: Vec<(String, String, Option<String>)>,
    odd: Vec<(u8, String)>,
    themes: Vec<String>,
    description: Vec<String>,
    site_web: Option<String>,
    contact_public: Option<String>,
    contacts_prives: Option<String>,
    partenariats: Vec<String>,
    offres: Vec<RessourceLigne>,
    besoins: Vec<RessourceLigne>,
    provenance: String,
    verification: String,
    perime: bool,
    demo: bool,
    inactive: Option<String>,
    peut_modifier: bool,
    peut_gerer: bool,
    peut_revendiquer: bool,
    natures: Vec<(String, String)>,
    api_href: String,
    alliances: super::alliances::AlliancesOrganisation,
}

fn ressource_ligne(
    r: &alliances_app::annuaire::FicheRessource,
    tr: &Tr,
    territoires: &alliances_app::Territoires,
) -> RessourceLigne {
    let res = &r.ressource;
    let mut details = Vec::new();
    if let Some(t) = &res.territoire {
        if let Some(found) = territoires.referentiel.find(t.niveau, &t.code) {
            details.push(territoires.referentiel.nom(found).to_string());
        }
    }
    match (&res.debut, &res.fin) {
        (Some(a), Some(b)) => details.push(tr.ta("ressource-periode", &[("debut", a), ("fin", b)])),
        (None, Some(b)) => details.push(tr.ta("ressource-jusqua", &[("fin", b)])),
        (Some(a), None) => details.push(tr.ta("ressource-depuis", &[("debut", a)])),
        (None, None) => {}
    }
    if !res.odd.is_empty() {
        details.push(format!(
            "ODD {}",
            res.odd
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    RessourceLigne {
        id: r.id,
        nature: nature_label(res.nature, tr.lang).to_string(),
        titre: res.titre.clone(),
        description: res.description.clone(),
        details: details.join(" · "),
    }
}

/// `GET /organisations/{id}`.
pub async fn organisation(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let vue = match state
        .app
        .organisation(visitor.user(), id)
        .await
        .map_err(map_err)?
    {
        Lecture::Fusionnee(into) => {
            return Ok(Redirect::permanent(&format!("/organisations/{into}")).into_response())
        }
        Lecture::Vue(v) => v,
    };
    let alliances = super::alliances::de_l_organisation(
        &state,
        &state.tr(visitor.lang),
        vue.fiche.id,
        vue.role.is_some() || vue.peut_modifier,
        vue.peut_gerer,
    )
    .await?;
    render_organisation(&state, &visitor, &vue, alliances)
}

fn render_organisation(
    state: &AppState,
    visitor: &Visitor,
    vue: &Vue,
    alliances: super::alliances::AlliancesOrganisation,
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let o = &vue.fiche.org;
    let m = &vue.fiche.meta;
    let mut faits: Vec<(String, String, Option<String>)> = Vec::new();
    let mut profil = profil_label(o.profil, tr.lang).to_string();
    if let Some(st) = o.sous_type {
        profil = format!(
            "{profil} — {}",
            if tr.lang == Lang::Fr {
                st.label_fr()
            } else {
                st.label_en()
            }
        );
    }
    faits.push((tr.t("org-profil"), profil, None));
    if let Some(t) = o.taille {
        faits.push((
            tr.t("org-taille"),
            if tr.lang == Lang::Fr {
                t.label_fr()
            } else {
                t.label_en()
            }
            .into(),
            None,
        ));
    }
    if let Some(c) = &o.commune {
        if let Some(t) = r.find(Niveau::Commune, c.as_str()) {
            faits.push((
                tr.t("org-siege"),
                format!("{} ({})", r.nom(t), c),
                Some(format!("/territoires/commune/{c}")),
            ));
        }
    }
    let mut perimetre: Vec<String> = o
        .perimetre
        .iter()
        .filter_map(|l| r.find(l.niveau, &l.code).map(|t| r.nom(t).to_string()))
        .collect();
    if o.national {
        perimetre.insert(0, tr.t("annuaire-national"));
    }
    if !perimetre.is_empty() {
        faits.push((tr.t("org-perimetre"), perimetre.join(", "), None));
    }
    for (label, v) in [
        ("RNA", o.rna.as_ref().map(|x| x.to_string())),
        ("SIREN", o.siren.as_ref().map(|x| x.to_string())),
        ("SIRET", o.siret.as_ref().map(|x| x.to_string())),
    ] {
        if let Some(v) = v {
            faits.push((label.to_string(), v, None));
        }
    }
    if let Some(d) = &o.date_creation {
        faits.push((tr.t("org-date-creation"), d.clone(), None));
    }
    if o.catalyseur {
        faits.push((tr.t("org-catalyseur"), tr.t("oui"), None));
    }
    let (offres, besoins): (Vec<_>, Vec<_>) = vue
        .ressources
        .iter()
        .partition(|x| x.ressource.sens == Sens::Offre);
    let provenance = tr.ta(
        "org-provenance",
        &[
            ("source", &source_label(&m.source, &tr)),
            ("licence", &m.licence),
        ],
    );
    let l = layout(
        state,
        visitor,
        &format!("/organisations/{}", vue.fiche.id),
        o.nom.clone(),
        vec![annuaire_crumb(&tr)],
    );
    let page = OrganisationPage {
        id: vue.fiche.id,
        faits,
        odd: o
            .odd()
            .into_iter()
            .map(|n| (n, odd_titre(n, tr.lang)))
            .collect(),
        themes: o.themes.clone(),
        description: o
            .description
            .split('\n')
            .filter(|p| !p.trim().is_empty())
            .map(String::from)
            .collect(),
        site_web: o.site_web.clone(),
        contact_public: o.contact_public.clone(),
        contacts_prives: o.contacts_prives.clone(),
        partenariats: o
            .partenariats
            .iter()
            .map(|p| {
                if tr.lang == Lang::Fr {
                    p.label_fr()
                } else {
                    p.label_en()
                }
                .to_string()
            })
            .collect(),
        offres: offres
            .into_iter()
            .map(|x| ressource_ligne(x, &tr, &territoires))
            .collect(),
        besoins: besoins
            .into_iter()
            .map(|x| ressource_ligne(x, &tr, &territoires))
            .collect(),
        provenance,
        verification: tr.ta(
            "org-verifiee-le",
            &[("date", &date_jour(m.verifie_le, &tr))],
        ),
        perime: vue.perime,
        demo: m.demo,
        inactive: (o.etat != Etat::Active).then(|| etat_label(o.etat, tr.lang).to_string()),
        peut_modifier: vue.peut_modifier,
        peut_gerer: vue.peut_gerer,
        peut_revendiquer: visitor.user().is_some() && vue.role.is_none() && !vue.peut_modifier,
        natures: NatureRessource::ALL
            .iter()
            .map(|n| (n.slug().to_string(), nature_label(*n, tr.lang).to_string()))
            .collect(),
        api_href: format!("/api/v1/organisations/{}", vue.fiche.id),
        alliances,
        layout: l,
    };
    render(&page)
}

fn source_label(source: &str, tr: &Tr) -> String {
    match source {
        "saisie" => tr.t("source-saisie"),
        "demo" => tr.t("source-demo"),
        "rna" => "RNA".into(),
        "sirene" => "SIRENE".into(),
        other => other.to_string(),
    }
}

// ------------------------------------------------------------------------------------ forms

/// The form's values into the raw input (field names are the API's).
fn saisie_de(f: &Champs) -> OrganisationSaisie {
    let liste = |nom: &str| -> Vec<String> {
        un(f, nom)
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    OrganisationSaisie {
        nom: un(f, "nom").to_string(),
        sigle: opt(un(f, "sigle")),
        profil: un(f, "profil").to_string(),
        sous_type: opt(un(f, "sousType")),
        taille: opt(un(f, "taille")),
        siren: opt(un(f, "siren")),
        siret: opt(un(f, "siret")),
        rna: opt(un(f, "rna")),
        code_commune: opt(un(f, "codeCommune")),
        national: un(f, "national") == "oui",
        perimetre: liste("perimetre"),
        odd_principal: un(f, "oddPrincipal").parse().ok(),
        odd_secondaires: tous(f, "oddSecondaires")
            .filter_map(|v| v.parse().ok())
            .collect(),
        themes: liste("themes"),
        description: opt(un(f, "description")),
        site_web: opt(un(f, "siteWeb")),
        contact_public: opt(un(f, "contactPublic")),
        // Absent from the form: kept as stored; present and empty: cleared.
        contacts_prives: f
            .iter()
            .find(|(k, _)| k == "contactsPrives")
            .map(|(_, v)| v.clone()),
        partenariats: tous(f, "partenariats").map(String::from).collect(),
        catalyseur: un(f, "catalyseur") == "oui",
        etat: opt(un(f, "etat")),
        date_creation: opt(un(f, "dateCreation")),
        date_fin: opt(un(f, "dateFin")),
    }
}

pub struct ChampForm {
    pub nom: &'static str,
    pub libelle: String,
    pub aide: Option<String>,
    pub erreur: Option<String>,
    /// `text`, `date`, `url`, `textarea`, `select`, `checkbox`, `checkboxes`.
    pub genre: &'static str,
    pub valeur: String,
    /// For select and checkboxes: (value, label, selected).
    pub choix: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "organisation_form.html")]
struct OrganisationFormPage {
    layout: Layout,
    action: String,
    intro: String,
    champs: Vec<ChampForm>,
    erreurs: Vec<(String, String)>,
    resume_erreurs: String,
    version: String,
    bouton: String,
}

fn libelle_champ(nom: &str, tr: &Tr) -> String {
    tr.t(&format!("champ-org-{nom}"))
}

#[allow(clippy::too_many_arguments)]
fn form_org(
    state: &AppState,
    visitor: &Visitor,
    action: String,
    title: String,
    crumbs: Vec<Crumb>,
    s: &OrganisationSaisie,
    version: Option<i64>,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let tr = state.tr(visitor.lang);
    let fr = tr.lang == Lang::Fr;
    let err = |nom: &str| {
        let msgs: Vec<&str> = erreurs
            .iter()
            .filter(|e| e.champ == nom)
            .map(|e| e.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join(" ; "))
    };
    let texte = |nom: &'static str, genre: &'static str, valeur: String, aide: bool| ChampForm {
        nom,
        libelle: libelle_champ(nom, &tr),
        aide: aide.then(|| tr.t(&format!("champ-org-{nom}-aide"))),
        erreur: err(nom),
        genre,
        valeur,
        choix: Vec::new(),
    };
    let select = |nom: &'static str, choix: Vec<(String, String, bool)>, vide: bool| {
        let mut c = Vec::new();
        if vide {
            c.push((String::new(), tr.t("choix-aucun"), false));
        }
        c.extend(choix);
        ChampForm {
            nom,
            libelle: libelle_champ(nom, &tr),
            aide: None,
            erreur: err(nom),
            genre: "select",
            valeur: String::new(),
            choix: c,
        }
    };
    let lbl = |a: &'static str, b: &'static str| if fr { a } else { b }.to_string();
    let champs = vec![
        texte("nom", "text", s.nom.clone(), false),
        texte("sigle", "text", s.sigle.clone().unwrap_or_default(), false),
        select(
            "profil",
            Profil::ALL
                .iter()
                .map(|p| {
                    (
                        p.slug().into(),
                        lbl(p.label_fr(), p.label_en()),
                        s.profil == p.slug(),
                    )
                })
                .collect(),
            s.profil.is_empty(),
        ),
        select(
            "sousType",
            SousType::ALL
                .iter()
                .map(|p| {
                    (
                        p.slug().into(),
                        format!(
                            "{} ({})",
                            lbl(p.label_fr(), p.label_en()),
                            lbl(p.profil().label_fr(), p.profil().label_en())
                        ),
                        s.sous_type.as_deref() == Some(p.slug()),
                    )
                })
                .collect(),
            true,
        ),
        select(
            "taille",
            Taille::ALL
                .iter()
                .map(|p| {
                    (
                        p.slug().into(),
                        lbl(p.label_fr(), p.label_en()),
                        s.taille.as_deref() == Some(p.slug()),
                    )
                })
                .collect(),
            true,
        ),
        texte(
            "codeCommune",
            "text",
            s.code_commune.clone().unwrap_or_default(),
            true,
        ),
        ChampForm {
            choix: vec![("oui".into(), tr.t("champ-org-national-oui"), s.national)],
            ..texte("national", "checkboxes", String::new(), false)
        },
        texte("perimetre", "text", s.perimetre.join(", "), true),
        texte("rna", "text", s.rna.clone().unwrap_or_default(), true),
        texte("siren", "text", s.siren.clone().unwrap_or_default(), true),
        texte("siret", "text", s.siret.clone().unwrap_or_default(), true),
        select(
            "oddPrincipal",
            (1..=17u8)
                .map(|n| {
                    (
                        n.to_string(),
                        format!("{n}. {}", odd_titre(n, tr.lang)),
                        s.odd_principal == Some(n),
                    )
                })
                .collect(),
            true,
        ),
        ChampForm {
            choix: (1..=17u8)
                .map(|n| {
                    (
                        n.to_string(),
                        format!("{n}. {}", odd_titre(n, tr.lang)),
                        s.odd_secondaires.contains(&n),
                    )
                })
                .collect(),
            ..texte("oddSecondaires", "checkboxes", String::new(), false)
        },
        texte("themes", "text", s.themes.join(", "), true),
        texte(
            "description",
            "textarea",
            s.description.clone().unwrap_or_default(),
            false,
        ),
        texte(
            "siteWeb",
            "url",
            s.site_web.clone().unwrap_or_default(),
            false,
        ),
        texte(
            "contactPublic",
            "text",
            s.contact_public.clone().unwrap_or_default(),
            true,
        ),
        texte(
            "contactsPrives",
            "textarea",
            s.contacts_prives.clone().unwrap_or_default(),
            true,
        ),
        ChampForm {
            choix: TypePartenariat::ALL
                .iter()
                .map(|p| {
                    (
                        p.slug().into(),
                        lbl(p.label_fr(), p.label_en()),
                        s.partenariats.iter().any(|x| x == p.slug()),
                    )
                })
                .collect(),
            ..texte("partenariats", "checkboxes", String::new(), false)
        },
        ChampForm {
            choix: vec![("oui".into(), tr.t("champ-org-catalyseur-oui"), s.catalyseur)],
            ..texte("catalyseur", "checkboxes", String::new(), false)
        },
        select(
            "etat",
            Etat::ALL
                .iter()
                .map(|p| {
                    (
                        p.slug().into(),
                        lbl(p.label_fr(), p.label_en()),
                        s.etat.as_deref().unwrap_or("active") == p.slug(),
                    )
                })
                .collect(),
            false,
        ),
        texte(
            "dateCreation",
            "date",
            s.date_creation.clone().unwrap_or_default(),
            false,
        ),
        texte(
            "dateFin",
            "date",
            s.date_fin.clone().unwrap_or_default(),
            false,
        ),
    ];
    let erreurs_list: Vec<(String, String)> = erreurs
        .iter()
        .map(|e| {
            (
                e.champ.to_string(),
                format!("{} : {}", libelle_champ(e.champ, &tr), e.message),
            )
        })
        .collect();
    let l = layout(state, visitor, &action, title, crumbs);
    let page = OrganisationFormPage {
        resume_erreurs: tr.ta("formulaire-erreurs", &[("n", &erreurs.len().to_string())]),
        intro: tr.t("org-form-intro"),
        bouton: tr.t(if version.is_some() {
            "org-form-enregistrer"
        } else {
            "org-form-creer"
        }),
        action,
        champs,
        erreurs: erreurs_list,
        version: version.map(|v| v.to_string()).unwrap_or_default(),
        layout: l,
    };
    let mut res = render(&page)?;
    if !erreurs.is_empty() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The signed-in user, or None (the caller redirects to the log-in page).
fn connecte(visitor: &Visitor) -> Option<&alliances_app::comptes::CurrentUser> {
    visitor.user()
}

/// `GET /organisations/nouvelle`.
pub async fn nouvelle(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    let Some(user) = connecte(&visitor) else {
        return Ok(Redirect::to("/compte/connexion").into_response());
    };
    if !alliances_app::politique::can(
        Some(user),
        alliances_app::politique::Action::CreerOrganisation,
    ) {
        return Err(PageError::Forbidden);
    }
    let tr = state.tr(visitor.lang);
    form_org(
        &state,
        &visitor,
        "/organisations/nouvelle".into(),
        tr.t("org-nouvelle-titre"),
        vec![annuaire_crumb(&tr)],
        &OrganisationSaisie::default(),
        None,
        &[],
    )
}

/// `POST /organisations/nouvelle`.
pub async fn nouvelle_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check_csrf(&headers, &visitor, &f)?;
    let Some(user) = visitor.user() else {
        return Err(PageError::Forbidden);
    };
    let s = saisie_de(&f);
    match state.app.creer_organisation(user, &s).await {
        Ok((id, _)) => Ok(Redirect::to(&format!("/organisations/{id}")).into_response()),
        Err(AnnuaireError::Invalide(e)) => {
            let tr = state.tr(visitor.lang);
            form_org(
                &state,
                &visitor,
                "/organisations/nouvelle".into(),
                tr.t("org-nouvelle-titre"),
                vec![annuaire_crumb(&tr)],
                &s,
                None,
                &e,
            )
        }
        Err(e) => Err(map_err(e)),
    }
}

async fn vue_modifiable(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
) -> Result<Box<Vue>, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    if visitor.user().is_none() {
        return Err(PageError::Forbidden);
    }
    match state
        .app
        .organisation(visitor.user(), id)
        .await
        .map_err(map_err)?
    {
        Lecture::Vue(v) if v.peut_modifier => Ok(v),
        Lecture::Vue(_) => Err(PageError::Forbidden),
        Lecture::Fusionnee(_) => Err(PageError::NotFound),
    }
}

fn crumbs_org(tr: &Tr, vue: &Vue) -> Vec<Crumb> {
    vec![
        annuaire_crumb(tr),
        Crumb {
            label: vue.fiche.org.nom.clone(),
            href: Some(format!("/organisations/{}", vue.fiche.id)),
        },
    ]
}

/// `GET /organisations/{id}/modifier`.
pub async fn modifier(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let vue = vue_modifiable(&state, &visitor, &id).await?;
    let tr = state.tr(visitor.lang);
    form_org(
        &state,
        &visitor,
        format!("/organisations/{}/modifier", vue.fiche.id),
        tr.t("org-modifier-titre"),
        crumbs_org(&tr, &vue),
        &vue.fiche.org.saisie(),
        Some(vue.fiche.meta.version),
        &[],
    )
}

/// `POST /organisations/{id}/modifier`.
pub async fn modifier_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check_csrf(&headers, &visitor, &f)?;
    let vue = vue_modifiable(&state, &visitor, &id).await?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let s = saisie_de(&f);
    let version: i64 = un(&f, "version")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let erreurs = match state
        .app
        .modifier_organisation(user, vue.fiche.id, version, &s)
        .await
    {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/organisations/{}", vue.fiche.id)).into_response())
        }
        Err(AnnuaireError::Invalide(e)) => e,
        Err(AnnuaireError::Conflit) => {
            vec![ChampErreur::new("nom", AnnuaireError::Conflit.to_string())]
        }
        Err(e) => return Err(map_err(e)),
    };
    form_org(
        &state,
        &visitor,
        format!("/organisations/{}/modifier", vue.fiche.id),
        tr.t("org-modifier-titre"),
        crumbs_org(&tr, &vue),
        &s,
        Some(version),
        &erreurs,
    )
}

/// `POST /organisations/{id}/confirmation`: the record is still accurate.
pub async fn confirmer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check_csrf(&headers, &visitor, &f)?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    state
        .app
        .confirmer_organisation(user, id)
        .await
        .map_err(map_err)?;
    Ok(Redirect::to(&format!("/organisations/{id}")).into_response())
}

/// `POST /organisations/{id}/ressources`: adds an offer or a need.
pub async fn ressource_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check_csrf(&headers, &visitor, &f)?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let s = RessourceSaisie {
        sens: un(&f, "sens").into(),
        nature: un(&f, "nature").into(),
        titre: un(&f, "titre").into(),
        description: opt(un(&f, "description")),
        odd: Vec::new(),
        territoire: None,
        debut: opt(un(&f, "debut")),
        fin: opt(un(&f, "fin")),
    };
    match state.app.enregistrer_ressource(user, id, None, &s).await {
        Ok(_) => Ok(Redirect::to(&format!("/organisations/{id}#offres-besoins")).into_response()),
        Err(AnnuaireError::Invalide(e)) => {
            let tr = state.tr(visitor.lang);
            let lignes = e
                .iter()
                .map(|x| format!("{} : {}", x.champ, x.message))
                .collect();
            super::compte::message_page(
                &state,
                &visitor,
                &format!("/organisations/{id}"),
                &tr.t("ressource-erreur-titre"),
                lignes,
                vec![(tr.t("retour-organisation"), format!("/organisations/{id}"))],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(map_err(e)),
    }
}

/// `POST /organisations/{id}/ressources/{rid}/suppression`.
pub async fn ressource_suppression(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((id, rid)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check_csrf(&headers, &visitor, &f)?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let rid: i64 = rid.parse().map_err(|_| PageError::NotFound)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    state
        .app
        .supprimer_ressource(user, id, rid)
        .await
        .map_err(map_err)?;
    Ok(Redirect::to(&format!("/organisations/{id}#offres-besoins")).into_response())
}

/// `POST /organisations/{id}/revendication`: asks to manage the organisation.
pub async fn revendication(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check_csrf(&headers, &visitor, &f)?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let tr = state.tr(visitor.lang);
    let (titre, lignes, status) = match state.app.revendiquer(user, id, un(&f, "message")).await {
        Ok(_) => (
            tr.t("revendication-envoyee-titre"),
            vec![tr.t("revendication-envoyee")],
            StatusCode::OK,
        ),
        Err(AnnuaireError::Invalide(e)) => (
            tr.t("revendication-erreur-titre"),
            e.into_iter().map(|x| x.message).collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AnnuaireError::Refus(m)) => (
            tr.t("revendication-erreur-titre"),
            vec![m],
            StatusCode::CONFLICT,
        ),
        Err(e) => return Err(map_err(e)),
    };
    super::compte::message_page(
        &state,
        &visitor,
        &format!("/organisations/{id}"),
        &titre,
        lignes,
        vec![(tr.t("retour-organisation"), format!("/organisations/{id}"))],
        status,
    )
}

/// `POST /organisations/{id}/signalement`: reports the content (anyone; rate-limited).
pub async fn signalement(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<Champs>,
) -> Result<Response, PageError> {
    check_csrf(&headers, &visitor, &f)?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    state
        .app
        .limiter
        .hit(
            &format!("signalement:{}", visitor.ip),
            alliances_app::limites::CONTACT_PER_IP,
            now(),
        )
        .map_err(PageError::TooMany)?;
    let tr = state.tr(visitor.lang);
    let (titre, lignes, status) = match state
        .app
        .signaler(
            visitor.user(),
            "organisation",
            &id.to_string(),
            un(&f, "motif"),
            un(&f, "message"),
        )
        .await
    {
        Ok(_) => (
            tr.t("signalement-envoye-titre"),
            vec![tr.t("signalement-envoye")],
            StatusCode::OK,
        ),
        Err(AnnuaireError::Invalide(e)) => (
            tr.t("signalement-erreur-titre"),
            e.into_iter().map(|x| x.message).collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(map_err(e)),
    };
    super::compte::message_page(
        &state,
        &visitor,
        &format!("/organisations/{id}"),
        &titre,
        lignes,
        vec![(tr.t("retour-organisation"), format!("/organisations/{id}"))],
        status,
    )
}
