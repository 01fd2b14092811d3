//! « Mise en relation »: potential partners of an organisation, or of one of its needs or
//! offers, ranked by the formula of `alliances_domain::relation` over the in-memory matching
//! index (`index.rs`), each with its reasons in plain French.
//!
//! Rights: the « Partenaires potentiels » of an organisation are part of its private dashboard —
//! its members and the platform's staff (moderators, admins) read them; anyone else is refused.
//! What is public is how matching works (the formula, on its own page) and, of course, the
//! candidates' public records. The question is always built from the database (the asking
//! organisation as stored now); the candidates come from the index, which follows the change
//! feed. Known limit: a new ODD 17 kit result reaches the index when the organisation next
//! changes or at the next start (kit results do not go through the change feed).

pub mod index;

use crate::annuaire::{AnnuaireError, Fiche, FicheRessource};
use crate::comptes::CurrentUser;
use crate::politique::{can_on_organisation, Action};
use crate::{now, App};
use alliances_domain::annuaire::{Lieu, NatureRessource, Sens};
use alliances_domain::relation::{
    masque_odd, raisons, Composantes, Filtres, Focus, Question, Raison,
};
use alliances_domain::territoires::Referentiel;
use alliances_search::relation::{PresenceQuestion, Requete};
use alliances_store::organisations as store_orgs;

/// How many partners a page or the API shows at most.
pub const LIMITE_MAX: usize = 100;

/// One proposed partner.
#[derive(Debug, Clone)]
pub struct Partenaire {
    /// The candidate's public record.
    pub fiche: Fiche,
    /// In hundredths of a point (0–10,000).
    pub score: u32,
    pub composantes: Composantes,
    pub raisons: Vec<Raison>,
    /// False when the organisation chose not to be contacted through the platform.
    pub contactable: bool,
}

/// The answer: the question's side, the ranked partners and how many candidates passed the
/// filters.
#[derive(Debug, Clone)]
pub struct Partenaires {
    pub organisation: Fiche,
    /// The need or offer asked about, if any.
    pub ressource: Option<FicheRessource>,
    /// Every offer and need of the organisation (for the page's links).
    pub ressources: Vec<FicheRessource>,
    pub filtres: Filtres,
    pub resultats: Vec<Partenaire>,
    pub total: usize,
    /// The organisation states neither needs nor offers: suggestions rest on SDGs, territory
    /// and profile only.
    pub sans_ressources: bool,
}

impl App {
    /// The potential partners of organisation `id` (or of its need or offer `ressource`), for a
    /// member of it or the platform's staff.
    pub async fn partenaires_potentiels(
        &self,
        lecteur: Option<&CurrentUser>,
        id: i64,
        ressource: Option<i64>,
        filtres: Filtres,
        limite: usize,
    ) -> Result<Partenaires, AnnuaireError> {
        let mut conn = self.db.pool().acquire().await?;
        let Some(fiche) = store_orgs::get(&mut conn, id).await? else {
            return Err(AnnuaireError::Introuvable);
        };
        if fiche.meta.fusionnee_dans.is_some() {
            return Err(AnnuaireError::Introuvable);
        }
        let role = self.role_in(&mut conn, lecteur, id).await?;
        drop(conn);
        if !can_on_organisation(lecteur, role, Action::VoirContactsPrives) {
            return Err(AnnuaireError::Interdit);
        }
        self.classer_partenaires(fiche, ressource, filtres, limite)
            .await
    }

    /// The ranking itself, without a rights check (evaluation, benchmarks).
    pub async fn classer_partenaires(
        &self,
        mut fiche: Fiche,
        ressource: Option<i64>,
        filtres: Filtres,
        limite: usize,
    ) -> Result<Partenaires, AnnuaireError> {
        let id = fiche.id;
        let ressources = store_orgs::ressources_of(&self.db, &[id]).await?;
        let choisie = match ressource {
            Some(rid) => Some(
                ressources
                    .iter()
                    .find(|r| r.id == rid)
                    .cloned()
                    .ok_or(AnnuaireError::Introuvable)?,
            ),
            None => None,
        };
        let requete = self.requete(&fiche, &ressources, choisie.as_ref(), filtres.clone());
        let classement = self
            .relation
            .lire(|i| i.meilleurs(&requete, limite.min(LIMITE_MAX), true));
        let ids: Vec<i64> = classement.resultats.iter().map(|t| t.id).collect();
        let fiches = self.fiches_publiques(&ids).await?;
        let resultats = classement
            .resultats
            .into_iter()
            .filter_map(|t| {
                let f = fiches.iter().find(|f| f.id == t.id)?.clone();
                Some(Partenaire {
                    fiche: f,
                    score: t.score,
                    raisons: raisons(&t.composantes),
                    composantes: t.composantes,
                    contactable: t.contactable,
                })
            })
            .collect();
        fiche.org.contacts_prives = None;
        Ok(Partenaires {
            sans_ressources: ressources.is_empty(),
            organisation: fiche,
            ressource: choisie,
            ressources,
            filtres,
            resultats,
            total: classement.total.unwrap_or(0),
        })
    }

    /// The index question of an organisation as stored, about itself or one of its resources.
    pub fn requete(
        &self,
        fiche: &Fiche,
        ressources: &[FicheRessource],
        choisie: Option<&FicheRessource>,
        filtres: Filtres,
    ) -> Requete {
        requete_de(
            &self.territoires().referentiel,
            fiche,
            ressources,
            choisie,
            filtres,
            now(),
        )
    }

    /// Runs `f` on the matching index (benchmarks, tests).
    pub fn index_relation<T>(
        &self,
        f: impl FnOnce(&alliances_search::relation::IndexRelation) -> T,
    ) -> T {
        self.relation.lire(f)
    }

    /// Rebuilds the matching index from the database (benchmarks; the start does it too).
    pub async fn reconstruire_index_relation(&self) -> Result<(), crate::AppError> {
        self.relation
            .reconstruire(&self.db, &self.territoires().referentiel)
            .await
    }
}

/// The index question of an organisation as stored (its offers and needs), about itself or one
/// of its resources, at time `at`.
pub fn requete_de(
    r: &Referentiel,
    fiche: &Fiche,
    ressources: &[FicheRessource],
    choisie: Option<&FicheRessource>,
    filtres: Filtres,
    at: i64,
) -> Requete {
    let bit = |n: NatureRessource| 1u8 << n.index();
    let mut offres = 0u8;
    let mut besoins = 0u8;
    for x in ressources {
        match x.ressource.sens {
            Sens::Offre => offres |= bit(x.ressource.nature),
            Sens::Besoin => besoins |= bit(x.ressource.nature),
        }
    }
    let mut odd_principal = masque_odd(fiche.org.odd_principal);
    let mut focus = Focus::Organisation;
    if let Some(c) = choisie {
        // The resource asked about replaces the organisation's resources of its direction,
        // and its SDGs count as primary.
        match c.ressource.sens {
            Sens::Besoin => {
                focus = Focus::Besoin;
                besoins = bit(c.ressource.nature);
            }
            Sens::Offre => {
                focus = Focus::Offre;
                offres = bit(c.ressource.nature);
            }
        }
        odd_principal |= masque_odd(c.ressource.odd.iter().copied());
    }
    let question = Question {
        profil: fiche.org.profil,
        odd_principal,
        odd_secondaires: masque_odd(fiche.org.odd_secondaires.iter().copied()),
        offres,
        besoins,
        focus,
        profils_recherches: filtres.masque_profils(),
    };
    let siege = index::siege(r, fiche.org.commune.as_ref().map(|c| c.as_str()));
    let mut perimetre: Vec<Lieu> = fiche.org.perimetre.clone();
    if let Some(t) = choisie.and_then(|c| c.ressource.territoire.clone()) {
        perimetre.push(t);
    }
    let portee = index::presence(r, &perimetre);
    Requete {
        question,
        presence: PresenceQuestion::new(&siege, &portee, fiche.org.national),
        filtres,
        exclure: Some(fiche.id),
        jour: index::jour(at),
    }
}
