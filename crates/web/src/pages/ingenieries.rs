//! Ingénieries' pages: the schemes (`/ingenieries`), « Qui peut m'aider ici ? »
//! (`/ingenieries/aide`, works without JavaScript), a scheme's page with its relays, coverage,
//! articulation indicators and — for its people — its referrals (`/ingenieries/{id}`), the
//! coverage map by département with a table alternative (`/ingenieries/couverture`), and the
//! forms to declare or edit a scheme. Rights are decided by the app; this module parses and
//! renders.

use super::formulaires::erreurs_de;
use super::formulaires::{check, form, opt, tous, un, Champ, Formulaire};
use super::{render, PageError};
use crate::alliances_view::lbl;
use crate::annuaire_view::date_jour;
use crate::carte;
use crate::i18n::Tr;
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::territoire_view::territoire_de;
use crate::visiteur::Visitor;
use alliances_app::ingenieries::{Demande, FicheDispositif, IngenierieError, Reponse, Via};
use alliances_domain::annuaire::{ChampErreur, Lieu, Profil, Taille};
use alliances_domain::ingenieries::dispositif::DispositifSaisie;
use alliances_domain::ingenieries::orientation::{suivantes, EtatOrientation, Issue};
use alliances_domain::ingenieries::{Ingenierie, NiveauDispositif, Service};
use alliances_domain::territoires::Referentiel;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

const PAR_PAGE: usize = 30;

impl From<IngenierieError> for PageError {
    fn from(e: IngenierieError) -> Self {
        match e {
            IngenierieError::Introuvable => PageError::NotFound,
            IngenierieError::Interdit => PageError::Forbidden,
            IngenierieError::App(a) => a.into(),
            other => {
                tracing::warn!(error = %other, "ingénierie request refused");
                PageError::BadRequest
            }
        }
    }
}

fn layout(state: &AppState, visitor: &Visitor, path: &str, title: String) -> Layout {
    let mut l = Layout::new(state, visitor, path, "ingenieries", title);
    let mut crumbs = vec![home_crumb(&l.tr)];
    if path != "/ingenieries" {
        crumbs.push(Crumb {
            label: l.t("ingenieries-titre"),
            href: Some("/ingenieries".into()),
        });
    }
    crumbs.push(Crumb {
        label: l.title.clone(),
        href: None,
    });
    l.breadcrumb = crumbs;
    l
}

/// A scheme in a list: what a person needs to decide whether to call it.
pub struct Ligne {
    pub id: i64,
    pub nom: String,
    pub niveau: String,
    pub ingenierie: String,
    pub services: String,
    pub couverture: String,
    /// How close its coverage is to the asked territory (« couvre votre EPCI »).
    pub via: Option<String>,
    /// The scheme it relays.
    pub relais_de: Option<(i64, String)>,
    /// Its relays among the answers.
    pub relais_ici: Vec<(i64, String)>,
    pub contact: Option<String>,
    pub url: Option<String>,
    pub demo: bool,
}

fn couverture_txt(f: &FicheDispositif, r: &Referentiel, tr: &Tr) -> String {
    if f.dispositif.est_national() {
        return tr.t("ingenieries-couverture-nationale");
    }
    crate::territoire_view::lieux(&f.dispositif.couverture, r)
}

fn services_txt(s: &[Service], tr: &Tr) -> String {
    s.iter()
        .map(|x| lbl(x.label_fr(), x.label_en(), tr))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ligne(
    f: &FicheDispositif,
    via: Option<Via>,
    state: &AppState,
    r: &Referentiel,
    tr: &Tr,
) -> Ligne {
    let d = &f.dispositif;
    let ix = state.app.dispositifs();
    Ligne {
        id: f.id,
        nom: d.nom.clone(),
        niveau: lbl(d.niveau.label_fr(), d.niveau.label_en(), tr),
        ingenierie: lbl(d.ingenierie.label_fr(), d.ingenierie.label_en(), tr),
        services: services_txt(&d.services, tr),
        couverture: couverture_txt(f, r, tr),
        via: via.map(|v| tr.t(&format!("ingenieries-via-{}", v.slug()))),
        relais_de: d
            .relais_de
            .and_then(|t| ix.get(t).map(|e| (t, e.fiche.dispositif.nom.clone()))),
        relais_ici: Vec::new(),
        contact: d.contact.clone(),
        url: d.url.clone(),
        demo: f.demo,
    }
}

/// A programme in a list.
pub struct LigneProgramme {
    pub nom: String,
    pub nature: String,
    pub dates: String,
    pub dispositif: (i64, String),
    pub territoires: String,
    pub url: Option<String>,
    pub ouvert: bool,
    pub demo: bool,
}

pub fn ligne_programme(
    p: &alliances_app::ingenieries::FicheProgramme,
    state: &AppState,
    r: &Referentiel,
    tr: &Tr,
) -> LigneProgramme {
    let x = &p.programme;
    let jour = alliances_domain::dates::iso(alliances_domain::dates::jour_de(alliances_app::now()));
    LigneProgramme {
        nom: x.nom.clone(),
        nature: lbl(x.nature.label_fr(), x.nature.label_en(), tr),
        dates: match &x.cloture {
            Some(c) => tr.ta(
                "ingenieries-programme-du-au",
                &[("du", &x.ouverture), ("au", c)],
            ),
            None => tr.ta("ingenieries-programme-depuis", &[("du", &x.ouverture)]),
        },
        dispositif: (
            p.dispositif_id,
            state
                .app
                .dispositifs()
                .get(p.dispositif_id)
                .map(|e| e.fiche.dispositif.nom.clone())
                .unwrap_or_default(),
        ),
        territoires: if x.territoires.is_empty() {
            tr.t("ingenieries-couverture-nationale")
        } else {
            crate::territoire_view::lieux(&x.territoires, r)
        },
        url: x.url.clone(),
        ouvert: x.ouvert(&jour),
        demo: p.demo,
    }
}

fn choix<T: Copy + PartialEq>(
    tous: &[T],
    courant: Option<T>,
    slug: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
    vide: String,
) -> Vec<(String, String, bool)> {
    let mut v = vec![(String::new(), vide, courant.is_none())];
    v.extend(
        tous.iter()
            .map(|x| (slug(*x).to_string(), label(*x), Some(*x) == courant)),
    );
    v
}

// ------------------------------------------------------------------------------ the list

#[derive(Template)]
#[template(path = "ingenieries.html")]
struct ListePage {
    layout: Layout,
    services: Vec<(String, String, bool)>,
    niveaux: Vec<(String, String, bool)>,
    lignes: Vec<Ligne>,
    total: usize,
    precedente: Option<String>,
    suivante: Option<String>,
    erreur: Option<String>,
}

/// `GET /ingenieries`: the schemes, filtered by service and level.
pub async fn liste(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["service", "niveau", "page", "lang"])
        .map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let texte = |n: &str| params.text(n).map(str::trim).filter(|v| !v.is_empty());
    let mut erreur = None;
    let service = texte("service").and_then(|s| {
        Service::from_slug(s).or_else(|| {
            erreur = Some(tr.t("ingenieries-filtre-inconnu"));
            None
        })
    });
    let niveau = texte("niveau").and_then(|s| {
        NiveauDispositif::from_slug(s).or_else(|| {
            erreur = Some(tr.t("ingenieries-filtre-inconnu"));
            None
        })
    });
    let page_no = params
        .number("page", 1, 1, 10_000)
        .map_err(|_| PageError::BadRequest)?;
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let ix = state.app.dispositifs();
    let mut tous: Vec<&FicheDispositif> = ix
        .tous()
        .map(|e| e.fiche.as_ref())
        .filter(|f| service.is_none_or(|s| f.dispositif.services.contains(&s)))
        .filter(|f| niveau.is_none_or(|n| f.dispositif.niveau == n))
        .collect();
    tous.sort_by(|a, b| {
        a.dispositif
            .niveau
            .cmp(&b.dispositif.niveau)
            .then_with(|| a.dispositif.nom.cmp(&b.dispositif.nom))
    });
    let total = tous.len();
    let lignes = tous
        .iter()
        .skip((page_no - 1) * PAR_PAGE)
        .take(PAR_PAGE)
        .map(|f| ligne(f, None, &state, r, &tr))
        .collect();
    let mut qs = Vec::new();
    if let Some(s) = service {
        qs.push(format!("service={}", s.slug()));
    }
    if let Some(n) = niveau {
        qs.push(format!("niveau={}", n.slug()));
    }
    let lien = |p: usize| {
        let mut q = qs.clone();
        q.push(format!("page={p}"));
        format!("/ingenieries?{}", q.join("&"))
    };
    let l = layout(&state, &visitor, "/ingenieries", tr.t("ingenieries-titre"));
    let mut res = render(&ListePage {
        services: choix(
            Service::ALL,
            service,
            Service::slug,
            |s| lbl(s.label_fr(), s.label_en(), &tr),
            tr.t("ingenieries-tous-services"),
        ),
        niveaux: choix(
            NiveauDispositif::ALL,
            niveau,
            NiveauDispositif::slug,
            |s| lbl(s.label_fr(), s.label_en(), &tr),
            tr.t("ingenieries-tous-niveaux"),
        ),
        lignes,
        total,
        precedente: (page_no > 1).then(|| lien(page_no - 1)),
        suivante: (page_no * PAR_PAGE < total).then(|| lien(page_no + 1)),
        erreur: erreur.clone(),
        layout: l,
    })?;
    if erreur.is_some() {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

// ------------------------------------------------------------------ « qui peut m'aider ici ? »

#[derive(Template)]
#[template(path = "ingenieries_aide.html")]
struct AidePage {
    layout: Layout,
    territoire: String,
    services: Vec<(String, String, bool)>,
    profils: Vec<(String, String, bool)>,
    /// Per service: its label and the schemes offering it, closest first.
    groupes: Vec<(String, Vec<Ligne>)>,
    /// Programmes open today for this territory and profile.
    programmes: Vec<LigneProgramme>,
    erreurs: Vec<(String, String)>,
    demande: bool,
}

/// The schemes grouped by service (only the asked one when there is one), each national or
/// regional scheme naming its relays among the answers.
pub fn grouper(
    reponses: &[Reponse],
    service: Option<Service>,
    state: &AppState,
    r: &Referentiel,
    tr: &Tr,
) -> Vec<(String, Vec<Ligne>)> {
    let services: Vec<Service> = match service {
        Some(s) => vec![s],
        None => Service::ALL.to_vec(),
    };
    services
        .into_iter()
        .filter_map(|s| {
            let ici: Vec<&Reponse> = reponses
                .iter()
                .filter(|x| x.entree.fiche.dispositif.services.contains(&s))
                .collect();
            if ici.is_empty() {
                return None;
            }
            let lignes = ici
                .iter()
                .map(|x| {
                    let mut l = ligne(&x.entree.fiche, Some(x.via), state, r, tr);
                    l.relais_ici = ici
                        .iter()
                        .filter(|y| y.entree.fiche.dispositif.relais_de == Some(x.entree.fiche.id))
                        .map(|y| (y.entree.fiche.id, y.entree.fiche.dispositif.nom.clone()))
                        .collect();
                    l
                })
                .collect();
            Some((lbl(s.label_fr(), s.label_en(), tr), lignes))
        })
        .collect()
}

/// `GET /ingenieries/aide?territoire=commune:42218&service=…&profil=…`
pub async fn aide(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["territoire", "service", "profil", "lang"])
        .map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let texte = |n: &str| params.text(n).map(str::trim).filter(|v| !v.is_empty());
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let mut erreurs = Vec::new();
    let service = texte("service").and_then(|s| {
        Service::from_slug(s).or_else(|| {
            erreurs.push(("service".to_string(), tr.t("ingenieries-filtre-inconnu")));
            None
        })
    });
    let profil = texte("profil").and_then(|s| {
        Profil::from_slug(s).or_else(|| {
            erreurs.push(("profil".to_string(), tr.t("ingenieries-filtre-inconnu")));
            None
        })
    });
    let saisi = texte("territoire").unwrap_or("").to_string();
    let mut territoire_nom = None;
    let mut groupes = Vec::new();
    let mut programmes = Vec::new();
    let demande = !saisi.is_empty();
    if demande {
        match territoire_de(&saisi, r) {
            Some((cle, nom)) if erreurs.is_empty() => {
                let l = Lieu::parse_cle(&cle).expect("a checked key");
                let reponses = state
                    .app
                    .qui_peut_aider(
                        l.niveau,
                        &l.code,
                        Demande {
                            service,
                            profil,
                            taille: None,
                        },
                    )
                    .unwrap_or_default();
                groupes = grouper(&reponses, service, &state, r, &tr);
                programmes = state
                    .app
                    .programmes_ouverts(Some((l.niveau, &l.code)), profil)
                    .iter()
                    .map(|p| ligne_programme(p, &state, r, &tr))
                    .collect();
                territoire_nom = Some(nom);
            }
            Some(_) => {}
            None => erreurs.push((
                "territoire".to_string(),
                tr.ta("alliances-filtre-territoire-inconnu", &[("valeur", &saisi)]),
            )),
        }
    } else if params.text("territoire").is_some() {
        erreurs.push((
            "territoire".to_string(),
            tr.t("ingenieries-aide-territoire-requis"),
        ));
    }
    let titre = match &territoire_nom {
        Some(n) => tr.ta("ingenieries-aide-titre-ici", &[("territoire", n)]),
        None => tr.t("ingenieries-aide-titre"),
    };
    let l = layout(&state, &visitor, "/ingenieries/aide", titre);
    let mauvais = !erreurs.is_empty();
    let mut res = render(&AidePage {
        territoire: saisi,
        services: choix(
            Service::ALL,
            service,
            Service::slug,
            |s| lbl(s.label_fr(), s.label_en(), &tr),
            tr.t("ingenieries-tous-services"),
        ),
        profils: choix(
            Profil::ALL,
            profil,
            Profil::slug,
            |s| lbl(s.label_fr(), s.label_en(), &tr),
            tr.t("ingenieries-tous-profils"),
        ),
        groupes,
        programmes,
        erreurs,
        demande,
        layout: l,
    })?;
    if mauvais {
        *res.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

// ------------------------------------------------------------------------------ a scheme

/// A referral as its scheme's people see it.
pub struct LigneOrientation {
    pub id: i64,
    pub version: i64,
    pub sens: String,
    pub autre: (i64, String),
    pub organisation: (i64, String),
    pub service: String,
    pub message: String,
    pub etat: String,
    pub etat_slug: &'static str,
    pub issue: Option<String>,
    pub raison: Option<String>,
    pub date: String,
    /// Steps the reader may take (value, label).
    pub possibles: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "ingenieries_fiche.html")]
struct FichePage {
    layout: Layout,
    l: Ligne,
    description: Vec<String>,
    publics: String,
    tailles: String,
    couverture: Vec<(String, String)>,
    porteur: Option<(i64, String)>,
    chaine: Vec<(i64, String)>,
    relais: Vec<(i64, String)>,
    recues: usize,
    prises: usize,
    delai: Option<String>,
    verifie_le: String,
    source: String,
    licence: String,
    gerer: bool,
    orientations: Vec<LigneOrientation>,
    /// The schemes the reader may refer from (value, label); the reader may refer at all.
    depuis: Vec<(String, String)>,
    peut_orienter: bool,
    services_cible: Vec<(String, String)>,
    issues: Vec<(String, String)>,
    erreurs: Vec<(String, String)>,
    saisie: Vec<(String, String)>,
    programmes: Vec<LigneProgramme>,
}

async fn page_fiche(
    state: &AppState,
    visitor: &Visitor,
    id: &str,
    erreurs: Vec<(String, String)>,
    saisie: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let v = state.app.dispositif(visitor.user(), id).await?;
    let tr = state.tr(visitor.lang);
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let f = &v.fiche;
    let d = &f.dispositif;
    let ix = state.app.dispositifs();
    let nom_de = |x: i64| {
        ix.get(x)
            .map(|e| e.fiche.dispositif.nom.clone())
            .unwrap_or_else(|| format!("n° {x}"))
    };
    let mut orientations = Vec::new();
    if let (true, Some(u)) = (v.gerer, visitor.user()) {
        for (o, org) in state.app.orientations(u, id).await? {
            let recue = o.vers_dispositif == id;
            let autre = if recue {
                o.de_dispositif
            } else {
                Some(o.vers_dispositif)
            };
            orientations.push(LigneOrientation {
                id: o.id,
                version: o.version,
                sens: tr.t(if recue {
                    "ingenieries-orientation-recue"
                } else {
                    "ingenieries-orientation-envoyee"
                }),
                autre: autre
                    .map(|x| (x, nom_de(x)))
                    .unwrap_or((0, tr.t("ingenieries-orientation-catalyseur"))),
                organisation: (o.organisation_id, org),
                service: lbl(o.service.label_fr(), o.service.label_en(), &tr),
                message: o.message.clone(),
                etat: lbl(o.etat.label_fr(), o.etat.label_en(), &tr),
                etat_slug: o.etat.slug(),
                issue: o.issue.map(|i| lbl(i.label_fr(), i.label_en(), &tr)),
                raison: o.raison_hors_couverture.clone(),
                date: date_jour(o.envoyee_le, &tr),
                possibles: if recue {
                    suivantes(o.etat)
                        .iter()
                        .map(|e| (e.slug().to_string(), lbl(e.label_fr(), e.label_en(), &tr)))
                        .collect()
                } else {
                    Vec::new()
                },
            });
        }
    }
    let (depuis, peut_orienter) = match visitor.user() {
        Some(u) => {
            let geres: Vec<(String, String)> = state
                .app
                .dispositifs_geres(u)
                .await?
                .into_iter()
                .filter(|(x, _)| *x != id)
                .map(|(x, n)| (x.to_string(), n))
                .collect();
            // A catalyseur refers in their own name; the app checks the territory.
            let catalyseur = !state.app.catalyseur_of(u).await?.is_empty();
            let mut choix = geres;
            if catalyseur {
                choix.push((String::new(), tr.t("ingenieries-orientation-en-mon-nom")));
            }
            let ok = !choix.is_empty();
            (choix, ok)
        }
        None => (Vec::new(), false),
    };
    let l = layout(state, visitor, &format!("/ingenieries/{id}"), d.nom.clone());
    let ligne = ligne(f, None, state, r, &tr);
    render(&FichePage {
        description: d
            .description
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect(),
        publics: if d.publics.is_empty() {
            tr.t("ingenieries-tous-publics")
        } else {
            d.publics
                .iter()
                .map(|p| lbl(p.label_fr(), p.label_en(), &tr))
                .collect::<Vec<_>>()
                .join(", ")
        },
        tailles: if d.tailles.is_empty() {
            tr.t("ingenieries-toutes-tailles")
        } else {
            d.tailles
                .iter()
                .map(|p| lbl(p.label_fr(), p.label_en(), &tr))
                .collect::<Vec<_>>()
                .join(", ")
        },
        couverture: d
            .couverture
            .iter()
            .filter_map(|x| {
                let t = r.find(x.niveau, &x.code)?;
                Some((
                    format!("/territoires/{}/{}", x.niveau.slug(), x.code),
                    r.nom(t).to_string(),
                ))
            })
            .collect(),
        porteur: v.porteur.clone(),
        chaine: v.chaine.clone(),
        relais: v.relais.clone(),
        recues: v.articulation.recues,
        prises: v.articulation.prises_en_charge,
        delai: v
            .articulation
            .delai_median_jours
            .map(|j| crate::alliances_view::nombre(j, &tr)),
        verifie_le: date_jour(f.verifie_le, &tr),
        source: f.source.clone(),
        licence: f.licence.clone(),
        gerer: v.gerer,
        orientations,
        depuis,
        peut_orienter,
        services_cible: d
            .services
            .iter()
            .map(|s| (s.slug().to_string(), lbl(s.label_fr(), s.label_en(), &tr)))
            .collect(),
        issues: Issue::ALL
            .iter()
            .map(|i| (i.slug().to_string(), lbl(i.label_fr(), i.label_en(), &tr)))
            .collect(),
        erreurs,
        saisie,
        programmes: ix
            .programmes_de(id)
            .iter()
            .map(|p| ligne_programme(p, state, r, &tr))
            .collect(),
        l: ligne,
        layout: l,
    })
}

/// `GET /ingenieries/{id}`
pub async fn fiche(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    page_fiche(&state, &visitor, &id, Vec::new(), Vec::new()).await
}

/// `POST /ingenieries/{id}/orientations`: refer an organisation's request to this scheme.
pub async fn orienter(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let vers: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let tr = state.tr(visitor.lang);
    let garder: Vec<(String, String)> = ["de", "organisation", "service", "message", "raison"]
        .iter()
        .map(|n| (n.to_string(), un(&f, n).to_string()))
        .collect();
    let organisation =
        match crate::annuaire_view::organisation_saisie(&state, un(&f, "organisation")) {
            Ok(o) => o,
            Err(cle) => {
                return page_fiche(
                    &state,
                    &visitor,
                    &id,
                    vec![("organisation".into(), tr.t(cle))],
                    garder,
                )
                .await
                .map(|mut r| {
                    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                    r
                })
            }
        };
    let Some(service) = Service::from_slug(un(&f, "service")) else {
        return page_fiche(
            &state,
            &visitor,
            &id,
            vec![("service".into(), tr.t("ingenieries-filtre-inconnu"))],
            garder,
        )
        .await
        .map(|mut r| {
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            r
        });
    };
    let de = un(&f, "de").parse::<i64>().ok();
    let raison = opt(un(&f, "raison"));
    match state
        .app
        .orienter(
            user,
            de,
            vers,
            organisation,
            service,
            un(&f, "message"),
            raison.as_deref(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/ingenieries/{vers}#orientations")).into_response()),
        Err(IngenierieError::Invalide(e)) => {
            let mut r = page_fiche(&state, &visitor, &id, erreurs_de(e), garder).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(IngenierieError::HorsCouverture(m)) => {
            let mut r =
                page_fiche(&state, &visitor, &id, vec![("raison".into(), m)], garder).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /ingenieries/orientations/{oid}`: the receiving scheme moves a referral on.
pub async fn avancer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(oid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let oid: i64 = oid.parse().map_err(|_| PageError::NotFound)?;
    let vers = EtatOrientation::from_slug(un(&f, "vers")).ok_or(PageError::BadRequest)?;
    let version: i64 = un(&f, "version")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let dispositif: i64 = un(&f, "dispositif")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let issue = Issue::from_slug(un(&f, "issue"));
    let redirection = un(&f, "redirection").trim().parse::<i64>().ok();
    let commentaire = opt(un(&f, "commentaire"));
    match state
        .app
        .avancer_orientation(
            user,
            oid,
            version,
            vers,
            issue,
            commentaire.as_deref(),
            redirection,
        )
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/ingenieries/{dispositif}#orientations")).into_response())
        }
        Err(IngenierieError::Invalide(e)) => {
            let mut r = page_fiche(
                &state,
                &visitor,
                &dispositif.to_string(),
                erreurs_de(e),
                Vec::new(),
            )
            .await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(IngenierieError::Conflit) => {
            let m = IngenierieError::Conflit.to_string();
            let mut r = page_fiche(
                &state,
                &visitor,
                &dispositif.to_string(),
                vec![("orientations".into(), m)],
                Vec::new(),
            )
            .await?;
            *r.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------------ coverage

#[derive(Template)]
#[template(path = "ingenieries_couverture.html")]
struct CouverturePage {
    layout: Layout,
    services: Vec<(String, String, bool)>,
    service: String,
    service_slug: &'static str,
    carte: String,
    /// département code, name, count, white zone
    lignes: Vec<(String, String, u32, bool)>,
    blanches: usize,
    chevauchements: usize,
    nationaux: u32,
    legende: Vec<(&'static str, String)>,
}

/// The class of a count on the map and in the legend.
pub fn classe(n: u32) -> &'static str {
    match n {
        0 => "classe-0",
        1 => "classe-1",
        2 => "classe-2",
        3 | 4 => "classe-3",
        _ => "classe-4",
    }
}

/// The coverage of one service: per département, the schemes at departmental or local level.
pub fn couverture_de(state: &AppState, service: Service) -> Vec<(String, String, u32)> {
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let ix = state.app.dispositifs();
    r.departements()
        .iter()
        .zip(ix.couverture_departements(service))
        .map(|(d, n)| (d.code.clone(), d.nom.clone(), *n))
        .collect()
}

/// `GET /ingenieries/couverture?service=…`
pub async fn couverture(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["service", "lang"]).map_err(|_| PageError::BadRequest)?;
    let service = match params
        .text("service")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Service::Accompagnement,
        Some(s) => Service::from_slug(s).ok_or(PageError::BadRequest)?,
    };
    let tr = state.tr(visitor.lang);
    let donnees = couverture_de(&state, service);
    let classes: std::collections::HashMap<&str, &'static str> = donnees
        .iter()
        .map(|(c, _, n)| (c.as_str(), classe(*n)))
        .collect();
    let label = lbl(service.label_fr(), service.label_en(), &tr);
    let carte = carte::render_classes(
        |code| classes.get(code).copied(),
        &tr.ta("ingenieries-couverture-carte", &[("service", &label)]),
        &tr.t("carte-outre-mer"),
        &tr.ta(
            "ingenieries-couverture-legende-carte",
            &[("service", &label)],
        ),
    );
    let blanches = donnees.iter().filter(|(_, _, n)| *n == 0).count();
    let chevauchements = donnees.iter().filter(|(_, _, n)| *n >= 2).count();
    let l = layout(
        &state,
        &visitor,
        "/ingenieries/couverture",
        tr.ta("ingenieries-couverture-titre", &[("service", &label)]),
    );
    render(&CouverturePage {
        services: choix(
            Service::ALL,
            Some(service),
            Service::slug,
            |s| lbl(s.label_fr(), s.label_en(), &tr),
            String::new(),
        )
        .into_iter()
        .skip(1)
        .collect(),
        service: label,
        service_slug: service.slug(),
        carte,
        lignes: donnees
            .into_iter()
            .map(|(c, n, x)| (c, n, x, x == 0))
            .collect(),
        blanches,
        chevauchements,
        nationaux: state.app.dispositifs().nationaux(service),
        legende: vec![
            ("classe-0", tr.t("ingenieries-legende-0")),
            ("classe-1", "1".into()),
            ("classe-2", "2".into()),
            ("classe-3", "3–4".into()),
            ("classe-4", tr.t("ingenieries-legende-5")),
        ],
        layout: l,
    })
}

// ------------------------------------------------------------------------------ forms

fn saisie_de(f: &super::formulaires::Champs) -> DispositifSaisie {
    DispositifSaisie {
        nom: un(f, "nom").to_string(),
        description: un(f, "description").to_string(),
        niveau: un(f, "niveau").to_string(),
        ingenierie: un(f, "ingenierie").to_string(),
        services: tous(f, "services").map(String::from).collect(),
        publics: tous(f, "publics").map(String::from).collect(),
        tailles: tous(f, "tailles").map(String::from).collect(),
        couverture: tous(f, "couverture")
            .flat_map(|v| v.split([',', ';', ' ', '\n']))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        contact: opt(un(f, "contact")),
        url: opt(un(f, "url")),
        relais_de: un(f, "relaisDe")
            .trim()
            .trim_start_matches('#')
            .parse()
            .ok(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn page_form(
    state: &AppState,
    visitor: &Visitor,
    action: String,
    titre: String,
    s: &DispositifSaisie,
    version: Option<i64>,
    porteur: Option<i64>,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let tr = state.tr(visitor.lang);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "ingenieries-champ-",
    };
    let cases = |nom: &'static str, v: Vec<(String, String)>, coches: &[String]| {
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
    };
    let select = |nom: &'static str, v: Vec<(String, String)>, courant: &str| {
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
    };
    let mut champs: Vec<Champ> = vec![f.champ("nom", "text", s.nom.clone())];
    if version.is_none() {
        let orgs = super::alliances::organisations_de(state, user).await?;
        champs.push(f.aide(select(
            "porteur",
            orgs.into_iter().map(|(i, n)| (i.to_string(), n)).collect(),
            &porteur.map(|p| p.to_string()).unwrap_or_default(),
        )));
    }
    champs.push(f.aide(f.champ("description", "textarea", s.description.clone())));
    champs.push(select(
        "niveau",
        NiveauDispositif::ALL
            .iter()
            .map(|n| (n.slug().into(), lbl(n.label_fr(), n.label_en(), &tr)))
            .collect(),
        &s.niveau,
    ));
    champs.push(select(
        "ingenierie",
        Ingenierie::ALL
            .iter()
            .map(|n| (n.slug().into(), lbl(n.label_fr(), n.label_en(), &tr)))
            .collect(),
        &s.ingenierie,
    ));
    champs.push(cases(
        "services",
        Service::ALL
            .iter()
            .map(|n| (n.slug().into(), lbl(n.label_fr(), n.label_en(), &tr)))
            .collect(),
        &s.services,
    ));
    champs.push(
        f.aide(cases(
            "publics",
            Profil::ALL
                .iter()
                .map(|n| (n.slug().into(), lbl(n.label_fr(), n.label_en(), &tr)))
                .collect(),
            &s.publics,
        )),
    );
    champs.push(
        f.aide(cases(
            "tailles",
            Taille::ALL
                .iter()
                .map(|n| (n.slug().into(), lbl(n.label_fr(), n.label_en(), &tr)))
                .collect(),
            &s.tailles,
        )),
    );
    let mut couverture = s.couverture.clone();
    couverture.push(String::new());
    couverture.push(String::new());
    champs.push(f.aide(Champ {
        valeurs: couverture,
        ..f.champ("couverture", "territoires", String::new())
    }));
    champs.push(f.champ("contact", "text", s.contact.clone().unwrap_or_default()));
    champs.push(f.champ("url", "url", s.url.clone().unwrap_or_default()));
    champs.push(f.aide(f.champ(
        "relaisDe",
        "text",
        s.relais_de.map(|x| x.to_string()).unwrap_or_default(),
    )));
    let caches = version
        .map(|v| vec![("version".to_string(), v.to_string())])
        .unwrap_or_default();
    let l = layout(state, visitor, &action, titre);
    super::formulaires::rendre(
        l,
        &f,
        action,
        champs,
        caches,
        tr.t("ingenieries-enregistrer"),
        Some(tr.t("ingenieries-form-intro")),
        None,
    )
}

/// `GET /ingenieries/nouveau`
pub async fn nouveau(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, PageError> {
    if visitor.user().is_none() {
        return Ok(Redirect::to("/compte/connexion?suite=/ingenieries/nouveau").into_response());
    }
    let tr = state.tr(visitor.lang);
    let s = DispositifSaisie {
        niveau: "departemental".into(),
        ingenierie: "catalyse".into(),
        ..Default::default()
    };
    page_form(
        &state,
        &visitor,
        "/ingenieries/nouveau".into(),
        tr.t("ingenieries-nouveau"),
        &s,
        None,
        None,
        &[],
    )
    .await
}

/// `POST /ingenieries/nouveau`
pub async fn nouveau_post(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let s = saisie_de(&f);
    let porteur = un(&f, "porteur").parse::<i64>().ok();
    let tr = state.tr(visitor.lang);
    let res = match porteur {
        Some(p) => state.app.creer_dispositif(user, &s, p).await,
        None => Err(IngenierieError::Invalide(vec![ChampErreur::new(
            "porteur",
            "choisissez l'organisation qui porte le dispositif",
        )])),
    };
    match res {
        Ok(id) => Ok(Redirect::to(&format!("/ingenieries/{id}")).into_response()),
        Err(IngenierieError::Invalide(e)) => {
            page_form(
                &state,
                &visitor,
                "/ingenieries/nouveau".into(),
                tr.t("ingenieries-nouveau"),
                &s,
                None,
                porteur,
                &e,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /ingenieries/{id}/modifier`
pub async fn modifier(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let v = state.app.dispositif(visitor.user(), id).await?;
    if !v.gerer {
        return Err(PageError::Forbidden);
    }
    let tr = state.tr(visitor.lang);
    page_form(
        &state,
        &visitor,
        format!("/ingenieries/{id}/modifier"),
        tr.ta("ingenieries-modifier", &[("nom", &v.fiche.dispositif.nom)]),
        &v.fiche.dispositif.saisie(),
        Some(v.fiche.version),
        None,
        &[],
    )
    .await
}

/// `POST /ingenieries/{id}/modifier`
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
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let version: i64 = un(&f, "version")
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let s = saisie_de(&f);
    let tr = state.tr(visitor.lang);
    match state.app.modifier_dispositif(user, id, version, &s).await {
        Ok(()) => Ok(Redirect::to(&format!("/ingenieries/{id}")).into_response()),
        Err(IngenierieError::Invalide(e)) => {
            page_form(
                &state,
                &visitor,
                format!("/ingenieries/{id}/modifier"),
                tr.ta("ingenieries-modifier", &[("nom", &s.nom)]),
                &s,
                Some(version),
                None,
                &e,
            )
            .await
        }
        Err(IngenierieError::Conflit) => {
            // The person sees their input with the message; saving again overwrites knowingly.
            let e = [ChampErreur::new(
                "nom",
                IngenierieError::Conflit.to_string(),
            )];
            let actuelle = state.app.dispositif(Some(user), id).await?.fiche.version;
            let mut r = page_form(
                &state,
                &visitor,
                format!("/ingenieries/{id}/modifier"),
                tr.ta("ingenieries-modifier", &[("nom", &s.nom)]),
                &s,
                Some(actuelle),
                None,
                &e,
            )
            .await?;
            *r.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// The « accompaniment » block of a territory page: schemes covering it by level, the link to
/// « qui peut m'aider ici ? », and for a département its articulation indicators and the
/// coverage of each of its EPCIs.
pub struct BlocTerritoire {
    pub aide: String,
    /// (level label, count) of the schemes covering the territory.
    pub par_niveau: Vec<(String, usize)>,
    /// Referrals received for requesters of the département, taken in charge, median delay.
    pub articulation: Option<(usize, usize, Option<String>)>,
    /// The services (column headers of the EPCI table).
    pub services: Vec<String>,
    /// Per EPCI of the département: SIREN, name, and per service the schemes at departmental or
    /// local level covering the whole EPCI.
    pub epcis: Vec<(String, String, Vec<usize>)>,
}

pub async fn bloc_territoire(
    state: &AppState,
    tr: &Tr,
    t: alliances_domain::territoires::TerritoireRef,
) -> Result<BlocTerritoire, PageError> {
    use alliances_domain::territoires::Niveau;
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let code = r.code(t).to_string();
    let reponses = state
        .app
        .qui_peut_aider(t.niveau, &code, Demande::default())
        .unwrap_or_default();
    let par_niveau = NiveauDispositif::ALL
        .iter()
        .rev()
        .map(|n| {
            (
                lbl(n.label_fr(), n.label_en(), tr),
                reponses
                    .iter()
                    .filter(|x| x.entree.fiche.dispositif.niveau == *n)
                    .count(),
            )
        })
        .collect();
    let (articulation, epcis) = if t.niveau == Niveau::Departement {
        let a = state.app.articulation_departement(&code).await?;
        (
            Some((
                a.recues,
                a.prises_en_charge,
                a.delai_median_jours
                    .map(|j| crate::alliances_view::nombre(j, tr)),
            )),
            state
                .app
                .couverture_epcis(&code)
                .into_iter()
                .map(|(e, n)| (r.code(e).to_string(), r.nom(e).to_string(), n))
                .collect(),
        )
    } else {
        (None, Vec::new())
    };
    Ok(BlocTerritoire {
        aide: format!("/ingenieries/aide?territoire={}%3A{code}", t.niveau.slug()),
        par_niveau,
        articulation,
        services: Service::ALL
            .iter()
            .map(|s| lbl(s.label_fr(), s.label_en(), tr))
            .collect(),
        epcis,
    })
}

// ------------------------------------------------------------------------------ programmes

#[derive(Template)]
#[template(path = "ingenieries_programmes.html")]
struct ProgrammesPage {
    layout: Layout,
    programmes: Vec<LigneProgramme>,
}

/// `GET /ingenieries/programmes`: the programmes open today.
pub async fn programmes(
    State(state): State<AppState>,
    visitor: Visitor,
    raw: RawQuery,
) -> Result<Response, PageError> {
    Params::parse(raw, &["lang"]).map_err(|_| PageError::BadRequest)?;
    let tr = state.tr(visitor.lang);
    let territoires = state.app.territoires();
    let r = &territoires.referentiel;
    let programmes = state
        .app
        .programmes_ouverts(None, None)
        .iter()
        .map(|p| ligne_programme(p, &state, r, &tr))
        .collect();
    let l = layout(
        &state,
        &visitor,
        "/ingenieries/programmes",
        tr.t("ingenieries-programmes-titre"),
    );
    render(&ProgrammesPage {
        layout: l,
        programmes,
    })
}

fn saisie_programme(
    f: &super::formulaires::Champs,
) -> alliances_domain::ingenieries::programme::ProgrammeSaisie {
    alliances_domain::ingenieries::programme::ProgrammeSaisie {
        nom: un(f, "nom").to_string(),
        nature: un(f, "nature").to_string(),
        description: un(f, "description").to_string(),
        publics: tous(f, "publics").map(String::from).collect(),
        territoires: tous(f, "territoires")
            .flat_map(|v| v.split([',', ';', ' ', '\n']))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        ouverture: un(f, "ouverture").to_string(),
        cloture: opt(un(f, "cloture")),
        url: opt(un(f, "url")),
    }
}

async fn page_programme(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    s: &alliances_domain::ingenieries::programme::ProgrammeSaisie,
    erreurs: &[ChampErreur],
) -> Result<Response, PageError> {
    let v = state.app.dispositif(visitor.user(), id).await?;
    if !v.gerer {
        return Err(PageError::Forbidden);
    }
    let tr = state.tr(visitor.lang);
    let f = Formulaire {
        tr: &tr,
        erreurs,
        prefixe: "ingenieries-programme-champ-",
    };
    let mut territoires = s.territoires.clone();
    territoires.push(String::new());
    let champs = vec![
        f.champ("nom", "text", s.nom.clone()),
        f.choix(
            "nature",
            "select",
            alliances_domain::ingenieries::programme::Nature::ALL
                .iter()
                .map(|n| {
                    (
                        n.slug().to_string(),
                        lbl(n.label_fr(), n.label_en(), &tr),
                        n.slug() == s.nature,
                    )
                })
                .collect(),
        ),
        f.champ("description", "textarea", s.description.clone()),
        f.aide(
            f.choix(
                "publics",
                "checkboxes",
                Profil::ALL
                    .iter()
                    .map(|n| {
                        (
                            n.slug().to_string(),
                            lbl(n.label_fr(), n.label_en(), &tr),
                            s.publics.iter().any(|p| p == n.slug()),
                        )
                    })
                    .collect(),
            ),
        ),
        f.aide(Champ {
            valeurs: territoires,
            ..f.champ("territoires", "territoires", String::new())
        }),
        f.champ("ouverture", "date", s.ouverture.clone()),
        f.champ("cloture", "date", s.cloture.clone().unwrap_or_default()),
        f.champ("url", "url", s.url.clone().unwrap_or_default()),
    ];
    let action = format!("/ingenieries/{id}/programmes/nouveau");
    let l = layout(
        state,
        visitor,
        &action,
        tr.ta(
            "ingenieries-programme-nouveau",
            &[("nom", &v.fiche.dispositif.nom)],
        ),
    );
    super::formulaires::rendre(
        l,
        &f,
        action,
        champs,
        Vec::new(),
        tr.t("ingenieries-enregistrer"),
        None,
        None,
    )
}

/// `GET /ingenieries/{id}/programmes/nouveau`
pub async fn programme_nouveau(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let s = alliances_domain::ingenieries::programme::ProgrammeSaisie {
        nature: "appel-a-projets".into(),
        ..Default::default()
    };
    page_programme(&state, &visitor, id, &s, &[]).await
}

/// `POST /ingenieries/{id}/programmes/nouveau`
pub async fn programme_nouveau_post(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = form(&body);
    check(&headers, &visitor, &f)?;
    let user = visitor.user().ok_or(PageError::Forbidden)?;
    let id: i64 = id.parse().map_err(|_| PageError::NotFound)?;
    let s = saisie_programme(&f);
    match state.app.creer_programme(user, id, &s).await {
        Ok(_) => Ok(Redirect::to(&format!("/ingenieries/{id}#programmes")).into_response()),
        Err(IngenierieError::Invalide(e)) => page_programme(&state, &visitor, id, &s, &e).await,
        Err(e) => Err(e.into()),
    }
}
