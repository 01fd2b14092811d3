//! The shared watch's use cases: a space created by someone running a scheme (that scheme its
//! first member), other schemes added by members, sessions, watch items and comments written
//! by members only — the people running a member scheme, the creator, and moderators. Others
//! do not learn that a space exists.

use alliances_domain::annuaire::organisation::texte;
use alliances_domain::annuaire::ChampErreur;
use alliances_domain::ingenieries::veille::{valider_element, valider_seance, ElementSaisie};
use alliances_domain::territoires::Niveau;
use alliances_store::veilles::{self as store, Commentaire, FicheElement, Seance, Veille};

use super::{invalide, IngenierieError};
use crate::comptes::CurrentUser;
use crate::politique::{can, Action};
use crate::{now, App};

/// A space as its members see it.
#[derive(Debug, Clone)]
pub struct VueVeille {
    pub veille: Veille,
    /// Member schemes (id, name).
    pub membres: Vec<(i64, String)>,
    pub seances: Vec<Seance>,
    /// Items, newest first, each with its comments.
    pub elements: Vec<(FicheElement, Vec<Commentaire>)>,
}

impl App {
    async fn membre_de_veille(
        &self,
        user: &CurrentUser,
        v: &Veille,
    ) -> Result<bool, IngenierieError> {
        if v.cree_par == Some(user.id) || can(Some(user), Action::Moderer) {
            return Ok(true);
        }
        let miens: Vec<i64> = self
            .dispositifs_geres(user)
            .await?
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        Ok(store::membres(&self.db, v.id)
            .await?
            .iter()
            .any(|m| miens.contains(m)))
    }

    async fn veille_pour(&self, user: &CurrentUser, id: i64) -> Result<Veille, IngenierieError> {
        let mut conn = self.db.pool().acquire().await?;
        let v = store::get(&mut conn, id)
            .await?
            .ok_or(IngenierieError::Introuvable)?;
        drop(conn);
        if !self.membre_de_veille(user, &v).await? {
            return Err(IngenierieError::Introuvable);
        }
        Ok(v)
    }

    /// Creates a space; `dispositif` (a scheme the user runs) is its first member.
    pub async fn creer_veille(
        &self,
        user: &CurrentUser,
        titre: &str,
        description: &str,
        dispositif: i64,
    ) -> Result<i64, IngenierieError> {
        let mut errs = Vec::new();
        let titre = alliances_domain::annuaire::organisation::ligne("titre", titre, 200, &mut errs);
        if titre.is_none() && errs.is_empty() {
            errs.push(ChampErreur::new("titre", "obligatoire"));
        }
        let description = texte("description", description, 5000, &mut errs).unwrap_or_default();
        if !errs.is_empty() {
            return Err(IngenierieError::Invalide(errs));
        }
        if !self
            .dispositifs_geres(user)
            .await?
            .iter()
            .any(|(i, _)| *i == dispositif)
        {
            return Err(invalide(
                "dispositif",
                "choisissez un dispositif que vous animez : il sera le premier membre de la veille",
            ));
        }
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let id = store::creer(
            &mut tx,
            titre.as_deref().unwrap_or_default(),
            &description,
            user.id,
            t,
        )
        .await?;
        store::ajouter_membre(&mut tx, id, dispositif, t).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A member adds another scheme to the space.
    pub async fn ajouter_membre_veille(
        &self,
        user: &CurrentUser,
        veille: i64,
        dispositif: i64,
    ) -> Result<(), IngenierieError> {
        self.veille_pour(user, veille).await?;
        if self.dispositifs().get(dispositif).is_none() {
            return Err(invalide(
                "dispositif",
                format!("aucun dispositif n° {dispositif}"),
            ));
        }
        let mut tx = self.db.begin_write().await?;
        store::ajouter_membre(&mut tx, veille, dispositif, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The spaces the user belongs to.
    pub async fn mes_veilles(&self, user: &CurrentUser) -> Result<Vec<Veille>, IngenierieError> {
        let miens: Vec<i64> = self
            .dispositifs_geres(user)
            .await?
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        Ok(store::de(&self.db, &miens, user.id).await?)
    }

    /// A space, whole (members only; `Introuvable` otherwise).
    pub async fn veille(&self, user: &CurrentUser, id: i64) -> Result<VueVeille, IngenierieError> {
        let v = self.veille_pour(user, id).await?;
        let ix = self.dispositifs();
        let membres = store::membres(&self.db, id)
            .await?
            .into_iter()
            .map(|m| {
                let nom = ix
                    .get(m)
                    .map(|e| e.fiche.dispositif.nom.clone())
                    .unwrap_or_default();
                (m, nom)
            })
            .collect();
        let commentaires = store::commentaires(&self.db, id).await?;
        let elements = store::elements(&self.db, id)
            .await?
            .into_iter()
            .map(|e| {
                let c = commentaires
                    .iter()
                    .filter(|c| c.element_id == e.id)
                    .cloned()
                    .collect();
                (e, c)
            })
            .collect();
        Ok(VueVeille {
            veille: v,
            membres,
            seances: store::seances(&self.db, id).await?,
            elements,
        })
    }

    /// A member records a session.
    pub async fn ajouter_seance(
        &self,
        user: &CurrentUser,
        veille: i64,
        date: &str,
        notes: &str,
        decisions: &str,
    ) -> Result<i64, IngenierieError> {
        self.veille_pour(user, veille).await?;
        let (d, n, x) =
            valider_seance(date, notes, decisions).map_err(IngenierieError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        let id = store::ajouter_seance(&mut tx, veille, (&d, &n, &x), user.id, now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A member adds a watch item.
    pub async fn ajouter_element(
        &self,
        user: &CurrentUser,
        veille: i64,
        saisie: &ElementSaisie,
    ) -> Result<i64, IngenierieError> {
        self.veille_pour(user, veille).await?;
        let e = valider_element(saisie, &self.territoires().referentiel)
            .map_err(IngenierieError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        let id = store::ajouter_element(&mut tx, veille, &e, user.id, now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A member comments an item.
    pub async fn commenter_element(
        &self,
        user: &CurrentUser,
        element: i64,
        corps: &str,
    ) -> Result<i64, IngenierieError> {
        let mut conn = self.db.pool().acquire().await?;
        let veille = store::veille_de_l_element(&mut conn, element)
            .await?
            .ok_or(IngenierieError::Introuvable)?;
        drop(conn);
        self.veille_pour(user, veille).await?;
        let mut errs = Vec::new();
        let corps = texte("commentaire", corps, 5000, &mut errs);
        let Some(corps) = corps else {
            if errs.is_empty() {
                errs.push(ChampErreur::new("commentaire", "obligatoire"));
            }
            return Err(IngenierieError::Invalide(errs));
        };
        let mut tx = self.db.begin_write().await?;
        let id = store::commenter(&mut tx, element, &corps, user.id, now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Whether an item tagged with `tags` concerns territory `filtre` (`niveau:code`): tagged
    /// with it, or with a territory inside it.
    pub fn element_concerne(
        &self,
        tags: &[alliances_domain::annuaire::Lieu],
        filtre: (Niveau, &str),
    ) -> bool {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let Some(f) = r.find(filtre.0, filtre.1) else {
            return false;
        };
        tags.iter()
            .filter_map(|l| r.find(l.niveau, &l.code))
            .any(|t| t == f || r.ancestors(t).contains(&f))
    }
}
