//! The list of the library: stored entries (published) beside entries derived at read time —
//! every kit of the catalogue as a tool, every published observatory wave as data — filtered by
//! family, theme, SDG, audience profile and territory, sorted newest first, paged by a cursor.
//!
//! Derived entries are never copied into the table: a new kit version or a wave published or
//! withdrawn shows (or disappears) at the next read.

use alliances_domain::annuaire::{Lieu, Profil};
use alliances_domain::bibliotheque::{EtatPublication, Famille};
use alliances_domain::kits::Lien as LienKit;
use alliances_domain::odd::OddNumber;
use alliances_domain::ressources::Theme;
use alliances_domain::territoires::{Niveau, Referentiel};
use alliances_store::bibliotheque::{self as store, FicheEntree};

use crate::{App, AppError};

/// Where an entry of the list comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origine {
    /// Written on the platform (a row of `bibliotheque`).
    Stockee,
    /// A kit of the catalogue (a tool).
    Kit,
    /// A published wave of an observatory study (data).
    Observatoire,
}

/// One entry of the list.
#[derive(Debug, Clone)]
pub struct Element {
    /// Stable key: the id for stored entries, `kit:<id>`, `observatoire:<study>-<wave>`.
    pub cle: String,
    pub id: Option<i64>,
    pub origine: Origine,
    pub famille: Famille,
    pub titre: String,
    pub resume: String,
    pub themes: Vec<Theme>,
    pub odd: Vec<OddNumber>,
    pub publics: Vec<Profil>,
    pub territoires: Vec<Lieu>,
    /// `AAAA-MM-JJ`.
    pub date: String,
    /// The page of the entry.
    pub chemin: String,
    pub demo: bool,
    pub organisation_id: Option<i64>,
}

impl Element {
    fn de_fiche(f: &FicheEntree) -> Element {
        let e = &f.entree;
        Element {
            cle: f.id.to_string(),
            id: Some(f.id),
            origine: Origine::Stockee,
            famille: e.famille,
            titre: e.titre.clone(),
            resume: e.resume.clone(),
            themes: e.themes.clone(),
            odd: e.odd.clone(),
            publics: e.publics.clone(),
            territoires: e.territoires.clone(),
            date: e.date.clone(),
            chemin: f.chemin(),
            demo: f.demo,
            organisation_id: f.organisation_id,
        }
    }
}

/// The list's filters (every one optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filtres {
    pub famille: Option<Famille>,
    pub theme: Option<Theme>,
    pub odd: Option<OddNumber>,
    /// An entry for everyone (no profile named) matches every profile.
    pub public: Option<Profil>,
    /// A territory at any level: an entry matches when one of its territories is this one or
    /// lies within it (a département includes its EPCIs and communes).
    pub territoire: Option<(Niveau, String)>,
}

/// A page of the list.
#[derive(Debug, Clone)]
pub struct Page {
    pub elements: Vec<Element>,
    /// How many entries match the filters (all pages).
    pub total: usize,
    /// Cursor of the next page.
    pub suivant: Option<String>,
}

/// Whether an entry named `lieux` lies in `filtre` (or is it).
pub fn dans_territoire(lieux: &[Lieu], filtre: (Niveau, &str), r: &Referentiel) -> bool {
    let Some(cible) = r.find(filtre.0, filtre.1) else {
        return false;
    };
    lieux.iter().any(|l| {
        r.find(l.niveau, &l.code)
            .is_some_and(|t| t == cible || r.ancestors(t).contains(&cible))
    })
}

impl Filtres {
    fn garde(&self, e: &Element, r: &Referentiel) -> bool {
        self.famille.is_none_or(|f| e.famille == f)
            && self.theme.is_none_or(|t| e.themes.contains(&t))
            && self.odd.is_none_or(|o| e.odd.contains(&o))
            && self
                .public
                .is_none_or(|p| e.publics.is_empty() || e.publics.contains(&p))
            && self
                .territoire
                .as_ref()
                .is_none_or(|(n, c)| dans_territoire(&e.territoires, (*n, c), r))
    }
}

/// `date~cle` of an element: the cursor after it.
fn curseur(e: &Element) -> String {
    format!("{}~{}", e.date, e.cle)
}

/// Newest first, then by key.
fn ordre(a: &Element, b: &Element) -> std::cmp::Ordering {
    b.date.cmp(&a.date).then_with(|| a.cle.cmp(&b.cle))
}

impl App {
    /// The entries derived from the kit catalogue: one tool per kit (latest version), its
    /// themes those its recommendations point to.
    pub fn elements_kits(&self) -> Vec<Element> {
        self.kits()
            .derniers()
            .map(|k| {
                let mut themes: Vec<Theme> = k
                    .recommandations
                    .iter()
                    .flat_map(|r| r.liens.iter())
                    .filter_map(|l| match l {
                        LienKit::Theme(t) => Some(*t),
                        _ => None,
                    })
                    .collect();
                themes.sort();
                themes.dedup();
                Element {
                    cle: format!("kit:{}", k.id),
                    id: None,
                    origine: Origine::Kit,
                    famille: Famille::Outil,
                    titre: k.titre.clone(),
                    resume: k.resume.clone(),
                    themes,
                    odd: Vec::new(),
                    publics: Vec::new(),
                    territoires: Vec::new(),
                    date: k.date.clone(),
                    chemin: format!("/kits/{}", k.id),
                    demo: false,
                    organisation_id: None,
                }
            })
            .collect()
    }

    /// The entries derived from the observatory: one data entry per published wave.
    pub async fn elements_observatoire(&self) -> Result<Vec<Element>, AppError> {
        let etudes = self
            .etudes_visibles(None)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut out = Vec::new();
        for (etude, vagues) in etudes {
            for v in vagues {
                let Some(publiee) = v.publiee_le else {
                    continue;
                };
                let mut resume: String = etude.description.chars().take(400).collect();
                if resume.trim().is_empty() {
                    resume = format!("Population étudiée : {}", etude.population);
                }
                out.push(Element {
                    cle: format!("observatoire:{}-{}", etude.id, v.numero),
                    id: None,
                    origine: Origine::Observatoire,
                    famille: Famille::Donnees,
                    titre: format!("{} — {}", etude.titre, v.libelle),
                    resume,
                    themes: Vec::new(),
                    odd: Vec::new(),
                    publics: Vec::new(),
                    territoires: Vec::new(),
                    date: alliances_domain::dates::iso(alliances_domain::dates::jour_de(publiee)),
                    chemin: format!("/observatoire/etudes/{}/vagues/{}", etude.id, v.numero),
                    demo: etude.demo,
                    organisation_id: None,
                });
            }
        }
        Ok(out)
    }

    /// Every published entry, stored and derived, matching the filters, newest first.
    pub async fn elements_bibliotheque(&self, f: &Filtres) -> Result<Vec<Element>, AppError> {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let mut tous: Vec<Element> = store::par_etat(&self.db, EtatPublication::Publiee)
            .await?
            .iter()
            .map(Element::de_fiche)
            .collect();
        tous.extend(self.elements_kits());
        tous.extend(self.elements_observatoire().await?);
        tous.retain(|e| f.garde(e, r));
        tous.sort_by(ordre);
        Ok(tous)
    }

    /// A page of the list: at most `limite` entries after the cursor `apres` (the `suivant` of
    /// the previous page). An unreadable cursor starts from the beginning.
    pub async fn bibliotheque(
        &self,
        f: &Filtres,
        apres: Option<&str>,
        limite: usize,
    ) -> Result<Page, AppError> {
        let tous = self.elements_bibliotheque(f).await?;
        let total = tous.len();
        let debut = match apres.and_then(|a| a.split_once('~')) {
            Some((date, cle)) => tous
                .iter()
                .position(|e| {
                    e.date.as_str() < date || (e.date.as_str() == date && e.cle.as_str() > cle)
                })
                .unwrap_or(total),
            None => 0,
        };
        let elements: Vec<Element> = tous.into_iter().skip(debut).take(limite + 1).collect();
        let (elements, suivant) = if elements.len() > limite {
            let mut e = elements;
            e.truncate(limite);
            let s = e.last().map(curseur);
            (e, s)
        } else {
            (elements, None)
        };
        Ok(Page {
            elements,
            total,
            suivant,
        })
    }
}
