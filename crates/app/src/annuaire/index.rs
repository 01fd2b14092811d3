//! From stored organisations to the search index: the mapping (`doc`), the full rebuild at start
//! and the incremental refresh driven by the change feed.

use super::AnnuaireError;
use crate::App;
use alliances_domain::annuaire::{Etat, Lieu, Organisation, Sens};
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef};
use alliances_search::organisations::{OrgDoc, OrgIndex};
use alliances_store::organisations::{self as store, Fiche, FicheRessource};
use alliances_store::{Db, StoreError};
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// Organisations read per page while rebuilding.
const PAGE: i64 = 2000;
/// At most this many documents per `apply` when the change feed names many import batches
/// (one tantivy commit, one segment each: larger segments, fewer merges).
const DOCS_PAR_APPLICATION: usize = 40_000;

/// The rows an import of this process has just committed, by id range (the range of the batch's
/// change-feed entry `organisations <first>-<last>`), as written: id, content, `verifie_le` (new
/// records: not demo, no offers or needs, not merged). When the refresh reaches the range's
/// entry it indexes these instead of reading the range back from the database — the same
/// content, since any later change to one of these records has its own, later, entry. A range
/// the refresh applied before its rows were left here is read from the database as usual; the
/// import removes what it left once done.
#[derive(Default)]
pub struct LotsEcrits {
    lots: Mutex<HashMap<(i64, i64), Vec<LigneEcrite>>>,
}

/// A row an import created: id, content, `verifie_le`.
pub(crate) type LigneEcrite = (i64, Organisation, i64);

impl LotsEcrits {
    pub(crate) fn deposer(
        &self,
        premier: i64,
        dernier: i64,
        lignes: Vec<(i64, Organisation, i64)>,
    ) {
        if let Ok(mut l) = self.lots.lock() {
            l.insert((premier, dernier), lignes);
        }
    }

    fn prendre(&self, premier: i64, dernier: i64) -> Option<Vec<LigneEcrite>> {
        self.lots.lock().ok()?.remove(&(premier, dernier))
    }

    pub(crate) fn oublier(&self, plages: &[(i64, i64)]) {
        if let Ok(mut l) = self.lots.lock() {
            for p in plages {
                l.remove(p);
            }
        }
    }
}

/// The filter terms of a territory: itself and every territory above it (an EPCI over several
/// départements names them all).
pub fn termes_territoire(r: &Referentiel, lieu: &Lieu, out: &mut BTreeSet<String>) {
    let Some(t) = r.find(lieu.niveau, &lieu.code) else {
        return;
    };
    let mut push = |t: TerritoireRef| {
        out.insert(format!("{}:{}", t.niveau.slug(), r.code(t)));
    };
    push(t);
    for a in r.ancestors(t) {
        push(a);
    }
    if t.niveau == Niveau::Epci {
        for &d in r.departements_of_epci(t.idx) {
            push(TerritoireRef {
                niveau: Niveau::Departement,
                idx: d,
            });
        }
        for &g in r.regions_of_epci(t.idx) {
            push(TerritoireRef {
                niveau: Niveau::Region,
                idx: g,
            });
        }
    }
}

/// The index document of an organisation and its offers and needs.
pub fn doc(f: &Fiche, ressources: &[FicheRessource], r: &Referentiel) -> OrgDoc {
    doc_organisation(f.id, &f.org, f.meta.verifie_le, f.meta.demo, ressources, r)
}

/// The index document of organisation `id` from its content (what [`doc`] does with a stored
/// record; an import builds the documents of the rows it has just written this way).
pub fn doc_organisation(
    id: i64,
    o: &Organisation,
    verifie_le: i64,
    demo: bool,
    ressources: &[FicheRessource],
    r: &Referentiel,
) -> OrgDoc {
    let mut termes = BTreeSet::new();
    if let Some(c) = &o.commune {
        termes_territoire(
            r,
            &Lieu {
                niveau: Niveau::Commune,
                code: c.as_str().to_string(),
            },
            &mut termes,
        );
    }
    for l in &o.perimetre {
        termes_territoire(r, l, &mut termes);
    }
    if o.national {
        termes.insert("national".into());
    }
    let mut odd = 0u32;
    for n in o.odd() {
        odd |= 1 << (n - 1);
    }
    let (mut offres, mut besoins) = (0u32, 0u32);
    let mut texte = String::with_capacity(o.description.len() + 64);
    texte.push_str(&o.description);
    for t in &o.themes {
        texte.push(' ');
        texte.push_str(t);
    }
    for res in ressources {
        let bit = 1u32 << res.ressource.nature.index();
        match res.ressource.sens {
            Sens::Offre => offres |= bit,
            Sens::Besoin => besoins |= bit,
        }
        texte.push(' ');
        texte.push_str(&res.ressource.titre);
    }
    OrgDoc {
        id,
        nom: o.nom.clone(),
        sigle: o.sigle.clone(),
        texte,
        profil: o.profil.index() as u8,
        odd,
        offres,
        besoins,
        territoires: termes.into_iter().collect(),
        verifie_le,
        actif: o.etat == Etat::Active,
        demo,
    }
}

/// Every live organisation of the database as index documents, page by page.
pub async fn all_docs(db: &Db, r: &Referentiel) -> Result<Vec<OrgDoc>, StoreError> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = store::page(db, after, PAGE).await?;
        let Some(last) = page.last().map(|f| f.id) else {
            break;
        };
        let ressources = store::ressources_in_range(db, after, last).await?;
        let mut k = 0;
        for f in &page {
            let start = k;
            while k < ressources.len() && ressources[k].organisation_id == f.id {
                k += 1;
            }
            if f.meta.fusionnee_dans.is_none() {
                out.push(doc(f, &ressources[start..k], r));
            }
        }
        after = last;
    }
    Ok(out)
}

/// Builds the index from the database.
pub async fn build(db: &Db, r: &Referentiel) -> Result<OrgIndex, AnnuaireError> {
    let index = OrgIndex::in_ram();
    let docs = all_docs(db, r).await?;
    let n = docs.len();
    index
        .rebuild(docs.into_iter())
        .map_err(|e| crate::AppError::Internal(e.to_string()))?;
    tracing::info!(organisations = n, "organisation index built");
    Ok(index)
}

impl App {
    /// Indexes the organisations with ids in the ranges of import batches (`first..=last`): the
    /// rows an import of this process left in [`LotsEcrits`], else one page read per range and
    /// its offers and needs in one query; one `apply` for all (up to [`DOCS_PAR_APPLICATION`]
    /// documents each).
    pub(crate) async fn reindex_organisation_ranges(
        &self,
        plages: &[(i64, i64)],
    ) -> Result<(), crate::AppError> {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let (mut upserts, mut deletes) = (Vec::new(), Vec::new());
        for &(first, last) in plages {
            if let Some(lignes) = self.lots_ecrits.prendre(first, last) {
                upserts.extend(lignes.iter().map(|(id, o, verifie_le)| {
                    doc_organisation(*id, o, *verifie_le, false, &[], r)
                }));
            } else {
                let mut after = first - 1;
                while after < last {
                    let page: Vec<Fiche> = store::page(&self.db, after, PAGE)
                        .await?
                        .into_iter()
                        .filter(|f| f.id <= last)
                        .collect();
                    let Some(end) = page.last().map(|f| f.id) else {
                        break;
                    };
                    let ressources = store::ressources_in_range(&self.db, after, end).await?;
                    let mut k = 0;
                    for f in &page {
                        let start = k;
                        while k < ressources.len() && ressources[k].organisation_id == f.id {
                            k += 1;
                        }
                        if f.meta.fusionnee_dans.is_none() {
                            upserts.push(doc(f, &ressources[start..k], r));
                        } else {
                            deletes.push(f.id);
                        }
                    }
                    after = end;
                }
            }
            if upserts.len() >= DOCS_PAR_APPLICATION {
                self.appliquer(std::mem::take(&mut upserts), &std::mem::take(&mut deletes))?;
            }
        }
        self.appliquer(upserts, &deletes)
    }

    fn appliquer(&self, upserts: Vec<OrgDoc>, deletes: &[i64]) -> Result<(), crate::AppError> {
        if upserts.is_empty() && deletes.is_empty() {
            return Ok(());
        }
        self.organisations
            .apply(upserts, deletes)
            .map_err(|e| crate::AppError::Internal(e.to_string()))?;
        self.cache_recherche.invalider();
        Ok(())
    }

    /// Re-reads the organisations named by the change feed and updates the index.
    pub(crate) async fn reindex_organisations(&self, ids: &[i64]) -> Result<(), crate::AppError> {
        let fiches = store::get_many(&self.db, ids).await?;
        let live: Vec<i64> = fiches
            .iter()
            .filter(|f| f.meta.fusionnee_dans.is_none())
            .map(|f| f.id)
            .collect();
        let ressources = store::ressources_of(&self.db, &live).await?;
        let territoires = self.territoires();
        let mut upserts = Vec::new();
        for f in fiches.iter().filter(|f| f.meta.fusionnee_dans.is_none()) {
            let mine: Vec<FicheRessource> = ressources
                .iter()
                .filter(|x| x.organisation_id == f.id)
                .cloned()
                .collect();
            upserts.push(doc(f, &mine, &territoires.referentiel));
        }
        let deletes: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !live.contains(id))
            .collect();
        self.organisations
            .apply(upserts, &deletes)
            .map_err(|e| crate::AppError::Internal(e.to_string()))?;
        self.cache_recherche.invalider();
        Ok(())
    }
}
