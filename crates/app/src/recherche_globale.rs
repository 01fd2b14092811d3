//! Global search (« Rechercher sur tout le site »): the small index of alliances, support
//! schemes, resources, examples and territories (`alliances_search::globale`), built from the
//! database on first use and kept fresh from the change feed, queried together with the
//! organisations' index; the organisations found are read back from the database for their
//! name and description.
//!
//! Freshness: [`App::refresh`] calls [`App::suivre_recherche_globale`] with each batch of the
//! change feed; a batch naming an `alliance` rebuilds the alliances of the index, a
//! `dispositif` the schemes, a `bibliotheque` entry the resources and examples, the
//! `referentiel` everything (a few thousand documents each: tens of milliseconds). The
//! organisations are the annuaire's index, already fresh.

use crate::{App, AppError};
use alliances_domain::annuaire::{Lieu, Profil};
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef, TypeCommune};
use alliances_search::globale::{
    self, DocGlobal, FacettesGlobales, IndexGlobal, RequeteGlobale, TypeContenu,
};
use alliances_store::alliances::Fiche as FicheAlliance;
use alliances_store::bibliotheque::Publiee;
use alliances_store::changes::Change;
use alliances_store::ingenieries::FicheDispositif;
use std::collections::{BTreeSet, HashMap};

/// Change-feed entity of the resource library's entries (see `alliances_store::bibliotheque`).
pub const ENTITE_BIBLIOTHEQUE: &str = crate::bibliotheque::ENTITE;
/// Longest excerpt shown under a result, in characters.
pub const EXTRAIT_MAX: usize = 220;

/// Every actor profile: what "for everyone" means in the profile facet.
fn tous_profils() -> u16 {
    Profil::ALL.iter().fold(0, |m, p| m | (1 << p.index()))
}

fn masque_profils(p: &[Profil]) -> u16 {
    if p.is_empty() {
        tous_profils()
    } else {
        p.iter().fold(0, |m, p| m | (1 << p.index()))
    }
}

fn masque_odd(odd: &[u8]) -> u32 {
    odd.iter()
        .filter(|n| (1..=17).contains(*n))
        .fold(0, |m, n| m | (1 << (n - 1)))
}

fn termes(r: &Referentiel, lieux: &[Lieu]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for l in lieux {
        crate::annuaire::index::termes_territoire(r, l, &mut out);
    }
    out.into_iter().collect()
}

/// The public alliances (members-only ones are never searchable).
pub fn docs_alliances(fiches: &[FicheAlliance], r: &Referentiel) -> Vec<DocGlobal> {
    fiches
        .iter()
        .filter(|f| f.alliance.publique)
        .map(|f| {
            let a = &f.alliance;
            DocGlobal {
                type_contenu: TypeContenu::Alliance,
                id: f.id.to_string(),
                titre: a.nom.clone(),
                resume: a.resume.clone(),
                texte: format!("{} {}", a.probleme, f.agenda_vision),
                profils: 0,
                odd: masque_odd(&a.odd),
                territoires: termes(r, &a.territoires),
                demo: f.demo,
            }
        })
        .collect()
}

/// The support schemes; a national one is under `national`.
pub fn docs_dispositifs(fiches: &[FicheDispositif], r: &Referentiel) -> Vec<DocGlobal> {
    fiches
        .iter()
        .map(|f| {
            let d = &f.dispositif;
            let mut territoires = termes(r, &d.couverture);
            if d.est_national() {
                territoires.push("national".into());
            }
            DocGlobal {
                type_contenu: TypeContenu::Dispositif,
                id: f.id.to_string(),
                titre: d.nom.clone(),
                resume: d.description.clone(),
                texte: d
                    .services
                    .iter()
                    .map(|s| s.label_fr())
                    .collect::<Vec<_>>()
                    .join(" "),
                profils: masque_profils(&d.publics),
                odd: 0,
                territoires,
                demo: f.demo,
            }
        })
        .collect()
}

/// The published resources and examples of the library.
pub fn docs_bibliotheque(entrees: &[Publiee], r: &Referentiel) -> Vec<DocGlobal> {
    entrees
        .iter()
        .map(|e| {
            let lieux: Vec<Lieu> = e
                .territoires
                .iter()
                .filter_map(|t| Lieu::parse_cle(t))
                .collect();
            let publics: Vec<Profil> = e
                .publics
                .iter()
                .filter_map(|p| Profil::from_slug(p))
                .collect();
            DocGlobal {
                type_contenu: if e.famille == "exemple" {
                    TypeContenu::Exemple
                } else {
                    TypeContenu::Ressource
                },
                id: e.id.to_string(),
                titre: e.titre.clone(),
                resume: e.resume.clone(),
                texte: format!("{} {}", e.texte, e.themes.join(" ")),
                profils: masque_profils(&publics),
                odd: masque_odd(&e.odd),
                territoires: termes(r, &lieux),
                demo: e.demo,
            }
        })
        .collect()
}

/// Every région, département, EPCI and current commune, in that order (the order of the results
/// without text).
pub fn docs_territoires(r: &Referentiel) -> Vec<DocGlobal> {
    let mut out = Vec::with_capacity(r.len());
    let mut un = |t: TerritoireRef, resume: String| {
        let lieu = Lieu {
            niveau: t.niveau,
            code: r.code(t).to_string(),
        };
        let nom = r.nom(t).to_string();
        out.push(DocGlobal {
            type_contenu: TypeContenu::Territoire,
            id: lieu.cle(),
            texte: lieu.code.clone(),
            titre: nom,
            resume,
            profils: 0,
            odd: 0,
            territoires: termes(r, std::slice::from_ref(&lieu)),
            demo: false,
        });
    };
    let tr = |niveau, idx| TerritoireRef { niveau, idx };
    for (i, x) in r.regions().iter().enumerate() {
        un(tr(Niveau::Region, i as u32), format!("Région ({})", x.code));
    }
    for (i, x) in r.departements().iter().enumerate() {
        let region = r.region(r.region_of_departement(i as u32));
        un(
            tr(Niveau::Departement, i as u32),
            format!("Département ({}), {}", x.code, region.nom),
        );
    }
    for (i, _) in r.epcis().iter().enumerate() {
        let n = r.communes_of_epci(i as u32).len();
        un(
            tr(Niveau::Epci, i as u32),
            format!("Intercommunalité de {n} communes"),
        );
    }
    for (i, x) in r.communes().iter().enumerate() {
        if x.type_commune != TypeCommune::Actuelle {
            continue;
        }
        let dep = r
            .find_departement(&x.code_departement)
            .map(|d| r.departement(d).nom.clone())
            .unwrap_or_default();
        un(
            tr(Niveau::Commune, i as u32),
            format!("Commune ({}), {} ({})", x.code, dep, x.code_departement),
        );
    }
    out
}

/// A result ready to show: its page, its title and an HTML-safe excerpt.
#[derive(Debug, Clone, PartialEq)]
pub struct Trouve {
    pub type_contenu: TypeContenu,
    /// Record id, or `niveau:code` for a territory.
    pub id: String,
    pub titre: String,
    /// The title with the words found in `<mark>`, everything else escaped.
    pub titre_html: String,
    /// An excerpt of the summary or description around the words found, HTML-safe.
    pub extrait_html: String,
    /// The page of the result (`/alliances/3`, `/territoires/departement/42`…).
    pub chemin: String,
    /// An organisation's profile.
    pub profil: Option<Profil>,
    pub demo: bool,
    /// Normalised score, 0 to 1.
    pub score: f32,
    /// Found through a near word (typo tolerance).
    pub approche: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageRecherche {
    pub resultats: Vec<Trouve>,
    pub total: usize,
    pub facettes: FacettesGlobales,
    /// Words of the query replaced for the organisations (typed word's stem, replacement).
    pub corrections: Vec<(String, String)>,
}

/// The page of a result of the small index.
pub fn chemin(t: TypeContenu, id: &str) -> String {
    match t {
        TypeContenu::Organisation => format!("/organisations/{id}"),
        TypeContenu::Alliance => format!("/alliances/{id}"),
        TypeContenu::Dispositif => format!("/ingenieries/{id}"),
        TypeContenu::Ressource => format!("/ressources/{id}"),
        TypeContenu::Exemple => format!("/exemples/{id}"),
        TypeContenu::Territoire => match Lieu::parse_cle(id) {
            Some(l) => format!("/territoires/{}/{}", l.niveau.slug(), l.code),
            None => "/territoires".into(),
        },
    }
}

/// Builds the whole index from the database.
pub async fn construire(app: &App) -> Result<IndexGlobal, AppError> {
    let ix = IndexGlobal::new();
    remplir(app, &ix, &TypeContenu::ALL).await?;
    Ok(ix)
}

fn interne(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// Rebuilds the documents of `types` from the database.
async fn remplir(app: &App, ix: &IndexGlobal, types: &[TypeContenu]) -> Result<(), AppError> {
    let territoires = app.territoires();
    let r = &territoires.referentiel;
    let veut = |t: TypeContenu| types.contains(&t);
    if veut(TypeContenu::Alliance) {
        let fiches = alliances_store::alliances::toutes(&app.db).await?;
        ix.remplacer(&[TypeContenu::Alliance], docs_alliances(&fiches, r))
            .map_err(interne)?;
    }
    if veut(TypeContenu::Dispositif) {
        let fiches = alliances_store::ingenieries::tous(&app.db).await?;
        ix.remplacer(&[TypeContenu::Dispositif], docs_dispositifs(&fiches, r))
            .map_err(interne)?;
    }
    if veut(TypeContenu::Ressource) || veut(TypeContenu::Exemple) {
        let entrees = alliances_store::bibliotheque::publiees(&app.db).await?;
        ix.remplacer(
            &[TypeContenu::Ressource, TypeContenu::Exemple],
            docs_bibliotheque(&entrees, r),
        )
        .map_err(interne)?;
    }
    if veut(TypeContenu::Territoire) {
        ix.remplacer(&[TypeContenu::Territoire], docs_territoires(r))
            .map_err(interne)?;
    }
    Ok(())
}

/// The types of the small index a batch of the change feed touches.
pub fn types_touches(batch: &[Change]) -> Vec<TypeContenu> {
    let a = |e: &str| batch.iter().any(|c| c.entity == e);
    if a("referentiel") {
        return TypeContenu::ALL
            .into_iter()
            .filter(|t| *t != TypeContenu::Organisation)
            .collect();
    }
    let mut out = Vec::new();
    if a(crate::alliances::ENTITE) {
        out.push(TypeContenu::Alliance);
    }
    if a(crate::ingenieries::ENTITE) {
        out.push(TypeContenu::Dispositif);
    }
    if a(ENTITE_BIBLIOTHEQUE) {
        out.push(TypeContenu::Ressource);
        out.push(TypeContenu::Exemple);
    }
    out
}

impl App {
    /// The global index, built on first use (under the refresh lock: no change of the feed can
    /// slip between the build's reads and the next refresh).
    pub async fn index_global(&self) -> Result<&IndexGlobal, AppError> {
        if let Some(ix) = self.recherche_globale.get() {
            return Ok(ix);
        }
        let _serie = self.refresh_lock.lock().await;
        self.recherche_globale
            .get_or_try_init(|| construire(self))
            .await
    }

    /// Applies a batch of the change feed to the global index (when it was built). Called by
    /// [`App::refresh`] with the refresh lock held.
    pub(crate) async fn suivre_recherche_globale(&self, batch: &[Change]) -> Result<(), AppError> {
        let Some(ix) = self.recherche_globale.get() else {
            return Ok(());
        };
        let types = types_touches(batch);
        if !types.is_empty() {
            remplir(self, ix, &types).await?;
        }
        Ok(())
    }

    /// Searches everything; the organisations found are read back for their name and
    /// description (merged or deleted ones since the index was written are left out).
    pub async fn rechercher_partout(&self, q: &RequeteGlobale) -> Result<PageRecherche, AppError> {
        let ix = self.index_global().await?;
        let brut = globale::rechercher(
            ix,
            &self.organisations,
            &|oq| self.rechercher_organisations(oq),
            q,
        )
        .map_err(interne)?;
        let ids: Vec<i64> = brut
            .resultats
            .iter()
            .filter(|r| r.type_contenu == TypeContenu::Organisation)
            .filter_map(|r| r.id.parse().ok())
            .collect();
        let orgs: HashMap<i64, alliances_store::organisations::Fiche> = if ids.is_empty() {
            HashMap::new()
        } else {
            alliances_store::organisations::get_many(&self.db, &ids)
                .await?
                .into_iter()
                .map(|f| (f.id, f))
                .collect()
        };
        let mut resultats = Vec::with_capacity(brut.resultats.len());
        for r in brut.resultats {
            let (titre, resume, profil, demo) = if r.type_contenu == TypeContenu::Organisation {
                let Some(f) = r.id.parse::<i64>().ok().and_then(|id| orgs.get(&id)) else {
                    continue;
                };
                if f.meta.fusionnee_dans.is_some() {
                    continue;
                }
                (
                    f.org.nom.clone(),
                    f.org.description.clone(),
                    Some(f.org.profil),
                    f.meta.demo,
                )
            } else {
                (r.titre, r.resume, None, r.demo)
            };
            resultats.push(Trouve {
                chemin: chemin(r.type_contenu, &r.id),
                titre_html: globale::surligne(&titre, &brut.termes),
                extrait_html: globale::extrait(&resume, &brut.termes, EXTRAIT_MAX),
                titre,
                type_contenu: r.type_contenu,
                id: r.id,
                profil,
                demo,
                score: r.score,
                approche: r.approche,
            });
        }
        Ok(PageRecherche {
            resultats,
            total: brut.total,
            facettes: brut.facettes,
            corrections: brut.corrections,
        })
    }
}
