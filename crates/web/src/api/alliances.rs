//! `/api/v1/alliances` and `/api/v1/experimentations`: public alliances (list with the same
//! filters as the page, one alliance with its members, shared indicators and validated values,
//! health panel), the register of experimentation files; and the open-data CSV of alliances and
//! of validated indicator values. Members-only alliances are not shown.

use super::organisations::{curseur, lire_curseur};
use super::territoires::Liste;
use super::{csv, csv_champ};
use crate::params::{Params, RawQuery};
use crate::problem::Problem;
use crate::state::AppState;
use alliances_app::alliances::liste::Filtre;
use alliances_app::alliances::AllianceError;
use alliances_domain::alliances::{Forme, Stade};
use alliances_domain::annuaire::{Lieu, TypePartenariat};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// Licence of the platform's own data.
pub const LICENCE: &str = "Licence Ouverte 2.0 (Etalab)";

fn erreur(e: AllianceError) -> Problem {
    match e {
        AllianceError::Introuvable | AllianceError::Interdit => {
            Problem::not_found("aucune alliance publique de cet identifiant")
        }
        other => {
            tracing::error!(error = %other, "alliance API failed");
            Problem::internal()
        }
    }
}

/// An alliance in a list.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AllianceResume {
    pub id: i64,
    pub nom: String,
    pub resume: String,
    /// `niveau:code`.
    pub territoires: Vec<String>,
    pub odd: Vec<u8>,
    /// dialogue-territorial, partenariat-organisations or experimentation-collective.
    pub forme: String,
    /// emergence, structuration, deploiement, evaluation or essaimage.
    pub stade: String,
    pub demo: bool,
    /// Last change, ISO 8601.
    pub date_mise_a_jour: String,
    pub url: String,
}

/// A member organisation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembreAlliance {
    pub organisation: i64,
    pub nom: String,
    /// backbone, pilotage, financeur, operateur, partenaire-public, evaluateur or membre.
    pub role: String,
}

/// A validated value of an indicator.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValeurIndicateur {
    /// First day of the period, ISO.
    pub periode: String,
    /// The period as people write it: 2026-03, 2026-T1, 2026-S2, 2026.
    pub libelle: String,
    /// The disaggregation value (empty when none).
    pub ventilation: String,
    pub valeur: f64,
}

/// A shared indicator with its validated values.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IndicateurAlliance {
    pub id: i64,
    pub nom: String,
    pub definition: String,
    pub unite: String,
    /// hausse (higher is better) or baisse.
    pub sens: String,
    pub valeur_base: Option<f64>,
    pub date_base: Option<String>,
    pub valeur_cible: Option<f64>,
    pub date_cible: Option<String>,
    /// mensuelle, trimestrielle, semestrielle or annuelle.
    pub periodicite: String,
    pub desagregation: Option<String>,
    /// a-jour, attendu, en-retard or inactif.
    pub fraicheur: String,
    pub valeurs: Vec<ValeurIndicateur>,
}

/// One condition of the health panel.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConditionSante {
    pub id: String,
    pub titre: String,
    pub regle: String,
    /// remplie, partielle or absente.
    pub etat: String,
    pub explication: String,
}

/// A public alliance, whole.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AllianceDetail {
    #[serde(flatten)]
    pub resume: AllianceResume,
    pub probleme: String,
    pub cibles_odd17: Vec<String>,
    pub types_partenariat: Vec<String>,
    pub date_debut: Option<String>,
    pub date_fin: Option<String>,
    pub agenda_vision: String,
    pub agenda_objectifs: String,
    pub agenda_theorie: String,
    pub agenda_version: i64,
    pub membres: Vec<MembreAlliance>,
    pub indicateurs: Vec<IndicateurAlliance>,
    pub sante: Vec<ConditionSante>,
}

/// An experimentation file of the register.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Experimentation {
    pub id: i64,
    pub titre: String,
    pub alliance: i64,
    pub alliance_nom: String,
    /// depose, en-instruction, autorise, refuse, en-cours, evalue, generalise or arrete.
    pub etat: String,
    pub hypothese: String,
    pub regles: String,
    pub territoires: Vec<String>,
    pub duree_mois: u32,
    pub protocole: String,
    /// Indicator ids of the alliance used as criteria.
    pub criteres: Vec<i64>,
    pub date_mise_a_jour: String,
}

const LIMITE_DEFAUT: usize = 20;
const LIMITE_MAX: usize = 100;

fn filtre(params: &Params, state: &AppState) -> Result<Filtre, Problem> {
    let mut f = Filtre {
        now: alliances_app::now(),
        ..Default::default()
    };
    if let Some(t) = params
        .text("territoire")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let l = Lieu::parse_cle(t)
            .filter(|l| state.app.territoires().referentiel.find(l.niveau, &l.code).is_some())
            .ok_or_else(|| Problem::bad_request("territoire", "territoire inconnu : attendu niveau:code (departement:42, commune:42218, epci:244200770, region:84)"))?;
        f.territoire = Some(l.cle());
    }
    if let Some(o) = params.text("odd").filter(|o| !o.is_empty()) {
        f.odd = Some(
            o.parse::<u8>()
                .ok()
                .filter(|n| (1..=17).contains(n))
                .ok_or_else(|| Problem::bad_request("odd", "un ODD de 1 à 17"))?,
        );
    }
    if let Some(t) = params.text("type").filter(|t| !t.is_empty()) {
        f.type_partenariat = Some(TypePartenariat::from_slug(t).ok_or_else(|| {
            Problem::bad_request("type", format!("attendu : {}", TypePartenariat::slugs()))
        })?);
    }
    if let Some(t) = params.text("forme").filter(|t| !t.is_empty()) {
        f.forme = Some(Forme::from_slug(t).ok_or_else(|| {
            Problem::bad_request("forme", format!("attendu : {}", Forme::slugs()))
        })?);
    }
    if let Some(t) = params.text("stade").filter(|t| !t.is_empty()) {
        f.stade = Some(Stade::from_slug(t).ok_or_else(|| {
            Problem::bad_request("stade", format!("attendu : {}", Stade::slugs()))
        })?);
    }
    match params.text("fraiches") {
        None | Some("") | Some("non") => {}
        Some("oui") => f.fraiches = true,
        Some(_) => return Err(Problem::bad_request("fraiches", "oui ou non")),
    }
    Ok(f)
}

fn resume(r: &alliances_app::alliances::liste::Resume) -> AllianceResume {
    AllianceResume {
        id: r.id,
        nom: r.nom.clone(),
        resume: r.resume.clone(),
        territoires: r.territoires.iter().map(Lieu::cle).collect(),
        odd: r.odd.clone(),
        forme: r.forme.slug().into(),
        stade: r.stade.slug().into(),
        demo: r.demo,
        date_mise_a_jour: crate::annuaire_view::date_iso(r.modifie_le),
        url: format!("/alliances/{}", r.id),
    }
}

/// Public alliances, most recently updated first.
#[utoipa::path(
    get,
    path = "/api/v1/alliances",
    tag = "alliances",
    params(
        ("territoire" = Option<String>, Query, description = "niveau:code : alliances qui agissent sur ce territoire ou à l'intérieur (un département inclut ses communes et ses EPCI)"),
        ("odd" = Option<u8>, Query, description = "Un ODD, de 1 à 17"),
        ("type" = Option<String>, Query, description = "Type de partenariat : mecenat-financier, mecenat-nature, mecenat-logistique, mecenat-competences, pratiques-responsables, cooperation-economique, innovation-societale"),
        ("forme" = Option<String>, Query, description = "dialogue-territorial, partenariat-organisations ou experimentation-collective"),
        ("stade" = Option<String>, Query, description = "emergence, structuration, deploiement, evaluation ou essaimage"),
        ("fraiches" = Option<String>, Query, description = "oui : seulement les alliances mises à jour depuis moins d'un an"),
        ("limit" = Option<usize>, Query, description = "Résultats par page, de 1 à 100 (20 par défaut)"),
        ("apres" = Option<String>, Query, description = "Curseur : le champ suivant de la page précédente"),
    ),
    responses(
        (status = 200, description = "Les alliances publiques correspondantes", body = Liste<AllianceResume>),
        (status = 400, description = "Paramètre inconnu, répété ou invalide", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Trop de requêtes (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn liste(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<AllianceResume>>, Problem> {
    let params = Params::parse(
        raw,
        &[
            "territoire",
            "odd",
            "type",
            "forme",
            "stade",
            "fraiches",
            "limit",
            "apres",
        ],
    )?;
    let mut f = filtre(&params, &state)?;
    f.limite = params.number("limit", LIMITE_DEFAUT, 1, LIMITE_MAX)?;
    f.decalage = match params.text("apres") {
        None => 0,
        Some(c) => lire_curseur(c)?,
    };
    let liste = state.app.alliances_liste();
    let (total, page) = liste.chercher(&f);
    let fin = f.decalage + page.len();
    Ok(Json(Liste {
        suivant: (page.len() == f.limite && fin < total).then(|| curseur(fin)),
        resultats: page.into_iter().map(resume).collect(),
        total,
    }))
}

/// One public alliance: members, agenda, shared indicators with their validated values, health.
#[utoipa::path(
    get,
    path = "/api/v1/alliances/{id}",
    tag = "alliances",
    params(("id" = i64, Path, description = "Identifiant de l'alliance")),
    responses(
        (status = 200, description = "L'alliance", body = AllianceDetail),
        (status = 400, description = "Identifiant mal formé (un entier est attendu)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Aucune alliance publique de cet identifiant", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn alliance(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<AllianceDetail>, Problem> {
    let v = state.app.alliance(None, id).await.map_err(erreur)?;
    let fr = state.tr(crate::i18n::Lang::Fr);
    let a = &v.fiche.alliance;
    let indicateurs = v
        .indicateurs
        .iter()
        .map(|i| {
            let x = &i.fiche.indicateur;
            IndicateurAlliance {
                id: i.fiche.id,
                nom: x.nom.clone(),
                definition: x.definition.clone(),
                unite: x.unite.clone(),
                sens: x.sens.slug().into(),
                valeur_base: x.valeur_base,
                date_base: x.date_base.clone(),
                valeur_cible: x.valeur_cible,
                date_cible: x.date_cible.clone(),
                periodicite: x.periodicite.slug().into(),
                desagregation: x.desagregation.clone(),
                fraicheur: i.fraicheur.slug().into(),
                valeurs: i
                    .valeurs
                    .iter()
                    .filter(|v| v.etat == "validee")
                    .map(|v| ValeurIndicateur {
                        periode: v.periode.clone(),
                        libelle: x.periodicite.libelle(v.periode_jour),
                        ventilation: v.ventilation.clone(),
                        valeur: v.valeur,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Json(AllianceDetail {
        resume: AllianceResume {
            id,
            nom: a.nom.clone(),
            resume: a.resume.clone(),
            territoires: a.territoires.iter().map(Lieu::cle).collect(),
            odd: a.odd.clone(),
            forme: a.forme.slug().into(),
            stade: a.stade.slug().into(),
            demo: v.fiche.demo,
            date_mise_a_jour: crate::annuaire_view::date_iso(v.fiche.modifie_le),
            url: format!("/alliances/{id}"),
        },
        probleme: a.probleme.clone(),
        cibles_odd17: a.cibles_odd17.clone(),
        types_partenariat: a
            .types_partenariat
            .iter()
            .map(|t| t.slug().to_string())
            .collect(),
        date_debut: a.date_debut.clone(),
        date_fin: a.date_fin.clone(),
        agenda_vision: v.fiche.agenda_vision.clone(),
        agenda_objectifs: v.fiche.agenda_objectifs.clone(),
        agenda_theorie: v.fiche.agenda_theorie.clone(),
        agenda_version: v.fiche.agenda_version,
        membres: v
            .actifs()
            .map(|m| MembreAlliance {
                organisation: m.organisation_id,
                nom: m.organisation_nom.clone(),
                role: m.role.clone(),
            })
            .collect(),
        indicateurs,
        sante: v
            .sante
            .iter()
            .map(|c| {
                let t = crate::alliances_view::condition_textes(c, &fr);
                ConditionSante {
                    id: c.id.into(),
                    titre: t.titre,
                    regle: t.regle,
                    etat: c.etat.slug().into(),
                    explication: t.explication,
                }
            })
            .collect(),
    }))
}

/// The register of experimentation files (every file past the draft).
#[utoipa::path(
    get,
    path = "/api/v1/experimentations",
    tag = "alliances",
    responses(
        (status = 200, description = "Les dossiers, du plus récemment avancé au plus ancien", body = Liste<Experimentation>),
    )
)]
pub async fn experimentations(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Json<Liste<Experimentation>>, Problem> {
    Params::parse(raw, &[])?;
    let registre = state
        .app
        .registre_experimentations()
        .await
        .map_err(erreur)?;
    let resultats: Vec<Experimentation> = registre
        .into_iter()
        .map(|f| Experimentation {
            id: f.id,
            titre: f.dossier.titre,
            alliance: f.alliance_id,
            alliance_nom: f.alliance_nom,
            etat: f.etat.slug().into(),
            hypothese: f.dossier.hypothese,
            regles: f.dossier.regles,
            territoires: f.dossier.territoires.iter().map(Lieu::cle).collect(),
            duree_mois: f.dossier.duree_mois,
            protocole: f.dossier.protocole,
            criteres: f.dossier.criteres,
            date_mise_a_jour: crate::annuaire_view::date_iso(f.modifie_le),
        })
        .collect();
    Ok(Json(Liste {
        total: resultats.len(),
        resultats,
        suivant: None,
    }))
}

/// `GET /alliances/export.csv`: public alliances, one row each, with licence and extraction date.
pub async fn export_alliances(State(state): State<AppState>) -> Response {
    let liste = state.app.alliances_liste();
    let mut out = String::from("id,nom,resume,territoires,odd,forme,stade,demo,date_mise_a_jour,url,licence,date_extraction\n");
    let extraction = crate::annuaire_view::date_iso(alliances_app::now());
    let mut decalage = 0;
    loop {
        let (total, page) = liste.chercher(&Filtre {
            limite: 100,
            decalage,
            ..Default::default()
        });
        for r in &page {
            let x = resume(r);
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{}\n",
                x.id,
                csv_champ(&x.nom),
                csv_champ(&x.resume),
                csv_champ(&x.territoires.join(" ")),
                csv_champ(
                    &x.odd
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                x.forme,
                x.stade,
                if x.demo { "oui" } else { "non" },
                x.date_mise_a_jour,
                x.url,
                csv_champ(LICENCE),
                extraction
            ));
        }
        decalage += page.len();
        if page.is_empty() || decalage >= total {
            break;
        }
    }
    csv("alliances.csv", out)
}

/// `GET /alliances/{id}/indicateurs.csv`: the validated values of a public alliance's indicators.
pub async fn export_valeurs(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, Problem> {
    let v = state.app.alliance(None, id).await.map_err(erreur)?;
    let extraction = crate::annuaire_view::date_iso(alliances_app::now());
    let mut out = String::from("alliance,indicateur,nom,unite,periodicite,periode,libelle,ventilation,valeur,licence,date_extraction\n");
    for i in &v.indicateurs {
        let x = &i.fiche.indicateur;
        for val in i.valeurs.iter().filter(|v| v.etat == "validee") {
            out.push_str(&format!(
                "{id},{},{},{},{},{},{},{},{},{},{}\n",
                i.fiche.id,
                csv_champ(&x.nom),
                csv_champ(&x.unite),
                x.periodicite.slug(),
                val.periode,
                x.periodicite.libelle(val.periode_jour),
                csv_champ(&val.ventilation),
                val.valeur,
                csv_champ(LICENCE),
                extraction
            ));
        }
    }
    Ok(csv(&format!("alliance-{id}-indicateurs.csv"), out))
}

/// `GET /experimentations/export.csv`: the public register of experimentation files (every file
/// past the draft), one row each, with licence and extraction date.
pub async fn export_experimentations(State(state): State<AppState>) -> Result<Response, Problem> {
    let registre = state
        .app
        .registre_experimentations()
        .await
        .map_err(erreur)?;
    let extraction = crate::annuaire_view::date_iso(alliances_app::now());
    let mut out = String::from("id,titre,alliance,alliance_nom,etat,hypothese,regles,territoires,duree_mois,protocole,criteres,date_mise_a_jour,url,licence,date_extraction\n");
    for f in registre {
        let d = &f.dossier;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},/experimentations/{},{},{}\n",
            f.id,
            csv_champ(&d.titre),
            f.alliance_id,
            csv_champ(&f.alliance_nom),
            f.etat.slug(),
            csv_champ(&d.hypothese),
            csv_champ(&d.regles),
            csv_champ(
                &d.territoires
                    .iter()
                    .map(Lieu::cle)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            d.duree_mois,
            csv_champ(&d.protocole),
            d.criteres
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(" "),
            crate::annuaire_view::date_iso(f.modifie_le),
            f.id,
            csv_champ(LICENCE),
            extraction
        ));
    }
    Ok(csv("experimentations.csv", out))
}
