//! From stored organisations to the search index: the mapping (`doc`), the full rebuild at start
//! and the incremental refresh driven by the change feed.

use super::AnnuaireError;
use crate::App;
use alliances_domain::annuaire::{Etat, Lieu, Sens};
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef};
use alliances_search::organisations::{OrgDoc, OrgIndex};
use alliances_store::organisations::{self as store, Fiche, FicheRessource};
use alliances_store::{Db, StoreError};
use std::collections::BTreeSet;

/// Organisations read per page while rebuilding.
const PAGE: i64 = 2000;

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
    let o = &f.org;
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
        id: f.id,
        nom: o.nom.clone(),
        sigle: o.sigle.clone(),
        texte,
        profil: o.profil.index() as u8,
        odd,
        offres,
        besoins,
        territoires: termes.into_iter().collect(),
        verifie_le: f.meta.verifie_le,
        actif: o.etat == Etat::Active,
        demo: f.meta.demo,
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
    /// Re-reads the organisations with ids in `first..=last` (an import batch): one page read,
    /// its offers and needs in one query, one `apply` per page.
    pub(crate) async fn reindex_organisation_range(
        &self,
        first: i64,
        last: i64,
    ) -> Result<(), crate::AppError> {
        let mut after = first - 1;
        let territoires = self.territoires();
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
            let (mut upserts, mut deletes) = (Vec::with_capacity(page.len()), Vec::new());
            let mut k = 0;
            for f in &page {
                let start = k;
                while k < ressources.len() && ressources[k].organisation_id == f.id {
                    k += 1;
                }
                if f.meta.fusionnee_dans.is_none() {
                    upserts.push(doc(f, &ressources[start..k], &territoires.referentiel));
                } else {
                    deletes.push(f.id);
                }
            }
            self.organisations
                .apply(upserts, &deletes)
                .map_err(|e| crate::AppError::Internal(e.to_string()))?;
            self.cache_recherche.invalider();
            after = end;
        }
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
