//! The resource library's use cases: resources (methods, data, tools, trainings) published by
//! members of their author organisation, inspiring examples submitted then published or refused
//! by moderators, events and their iCalendar feed. Every write is checked by the domain
//! (`alliances_domain::bibliotheque`), allowed by the policy (`Action::RedigerBibliotheque`,
//! `Action::Moderer`), and written with its audit entry and its change-feed row
//! (`bibliotheque <id>`, `bibliotheque-evenement <id>`) in one transaction.
//!
//! - [`liste`]: the list with its filters, stored entries beside the entries derived at read
//!   time from the kit catalogue (tools) and the published observatory waves (data).
//! - [`liens`]: the broken-link check (a background job) and the organisations that no longer
//!   exist, both reported to moderators once.
//! - [`demo`]: the demonstration content.

pub mod demo;
pub mod liens;
pub mod liste;

use alliances_domain::annuaire::{ChampErreur, Etat};
use alliances_domain::bibliotheque::{
    markdown, valider_entree, valider_evenement, EntreeSaisie, EtatPublication, EvenementSaisie,
    Famille,
};
use alliances_domain::dates;
use alliances_store::bibliotheque::{self as store, FicheEntree, FicheEvenement, Provenance};
use alliances_store::{alliances as store_alliances, audit, changes, memberships, organisations};

use crate::comptes::CurrentUser;
use crate::politique::{can, can_on_organisation, Action, RoleOrganisation};
use crate::{now, App, AppError};

pub use liste::{Element, Filtres, Page};

/// Change-feed entity of resources and examples (`bibliotheque <id>`).
pub const ENTITE: &str = "bibliotheque";
/// Change-feed entity of events (`bibliotheque-evenement <id>`).
pub const ENTITE_EVENEMENT: &str = "bibliotheque-evenement";
/// Licence of what is written on the platform.
pub const LICENCE: &str = "Licence Ouverte 2.0 (Etalab)";
pub const MOTIF_MAX: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum BibliothequeError {
    #[error("données invalides")]
    Invalide(Vec<ChampErreur>),
    #[error("ressource introuvable")]
    Introuvable,
    #[error("vous n'avez pas le droit de faire cela")]
    Interdit,
    #[error("cette fiche a été modifiée entre-temps : rechargez-la et refaites vos changements")]
    Conflit,
    #[error("{0}")]
    Refus(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<alliances_store::StoreError> for BibliothequeError {
    fn from(e: alliances_store::StoreError) -> Self {
        BibliothequeError::App(AppError::Store(e))
    }
}

impl From<alliances_store::SqlxError> for BibliothequeError {
    fn from(e: alliances_store::SqlxError) -> Self {
        BibliothequeError::App(AppError::Store(alliances_store::StoreError::from(e)))
    }
}

fn invalide(champ: &'static str, message: impl Into<String>) -> BibliothequeError {
    BibliothequeError::Invalide(vec![ChampErreur::new(champ, message)])
}

/// Today's date, ISO.
pub fn aujourdhui() -> String {
    dates::iso(dates::jour_de(now()))
}

/// What became of an organisation an example names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EtatActeur {
    Active,
    /// Dissolved, closed or removed from the register (the state's French label).
    Disparue(&'static str),
    /// Merged into another record: its page redirects there.
    Fusionnee {
        dans: i64,
        nom: String,
    },
}

#[derive(Debug, Clone)]
pub struct ActeurVue {
    pub id: i64,
    pub nom: String,
    pub etat: EtatActeur,
}

/// An indicator of the example's alliance with its latest validated total.
#[derive(Debug, Clone)]
pub struct IndicateurVue {
    pub nom: String,
    pub unite: String,
    pub valeur_base: Option<f64>,
    pub valeur_cible: Option<f64>,
    /// (period, value) of the latest validated total.
    pub derniere: Option<(String, f64)>,
}

/// An entry as its page shows it.
#[derive(Debug, Clone)]
pub struct VueEntree {
    pub fiche: FicheEntree,
    /// The body as safe HTML.
    pub html: String,
    pub organisation: Option<(i64, String)>,
    pub acteurs: Vec<ActeurVue>,
    /// The example's alliance when public.
    pub alliance: Option<(i64, String)>,
    pub indicateurs: Vec<IndicateurVue>,
    /// Addresses of the entry found broken by the last check.
    pub liens_casses: Vec<String>,
    /// Events that point to it.
    pub evenements: Vec<(i64, String, i64)>,
    pub peut_modifier: bool,
    pub peut_moderer: bool,
}

/// An event as pages show it.
#[derive(Debug, Clone)]
pub struct VueEvenement {
    pub fiche: FicheEvenement,
    pub html: String,
    pub organisation: Option<(i64, String)>,
    /// Related published entries: (id, title, path).
    pub ressources: Vec<(i64, String, String)>,
    pub peut_modifier: bool,
}

/// An example waiting for a moderator.
#[derive(Debug, Clone)]
pub struct ExempleSoumis {
    pub id: i64,
    pub titre: String,
    pub organisation: Option<(i64, String)>,
    pub modifie_le: i64,
}

impl App {
    async fn nom_organisation(&self, id: i64) -> Result<Option<String>, AppError> {
        let mut conn = self
            .db
            .pool()
            .acquire()
            .await
            .map_err(alliances_store::StoreError::from)?;
        Ok(organisations::get(&mut conn, id).await?.map(|f| f.org.nom))
    }

    async fn role_bibliotheque(
        &self,
        user: &CurrentUser,
        organisation: i64,
    ) -> Result<Option<RoleOrganisation>, AppError> {
        Ok(memberships::of_user(&self.db, user.id)
            .await?
            .into_iter()
            .find(|(o, _)| *o == organisation)
            .and_then(|(_, r)| RoleOrganisation::from_slug(&r)))
    }

    /// Whether the user may write on behalf of this organisation (None: moderators only).
    pub async fn peut_rediger_bibliotheque(
        &self,
        user: Option<&CurrentUser>,
        organisation: Option<i64>,
    ) -> Result<bool, AppError> {
        let Some(u) = user else { return Ok(false) };
        let role = match organisation {
            Some(o) => self.role_bibliotheque(u, o).await?,
            None => None,
        };
        Ok(can_on_organisation(
            Some(u),
            role,
            Action::RedigerBibliotheque,
        ))
    }

    /// The organisations the user may write for (the form's choice), by name.
    pub async fn organisations_redaction(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(i64, String)>, AppError> {
        let mut out = Vec::new();
        if !user.verified {
            return Ok(out);
        }
        let ids: Vec<i64> = memberships::of_user(&self.db, user.id)
            .await?
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        for f in organisations::get_many(&self.db, &ids).await? {
            out.push((f.id, f.org.nom));
        }
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// Checks the organisations and alliance an example names (they must exist).
    async fn verifier_cas(
        &self,
        conn: &mut alliances_store::Conn,
        e: &alliances_domain::bibliotheque::Entree,
    ) -> Result<(), BibliothequeError> {
        let Some(cas) = &e.cas else { return Ok(()) };
        let mut errs = Vec::new();
        for a in &cas.acteurs {
            if organisations::get(conn, *a).await?.is_none() {
                errs.push(ChampErreur::new(
                    "acteurs",
                    format!("organisation inconnue : n° {a}"),
                ));
            }
        }
        if let Some(al) = cas.alliance {
            if store_alliances::get(conn, al).await?.is_none() {
                errs.push(ChampErreur::new(
                    "alliance",
                    format!("alliance inconnue : n° {al}"),
                ));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(BibliothequeError::Invalide(errs))
        }
    }

    /// Creates a resource (published at once) or an example (submitted to moderators) on behalf
    /// of `organisation`.
    pub async fn creer_entree(
        &self,
        user: &CurrentUser,
        saisie: &EntreeSaisie,
        organisation: i64,
    ) -> Result<i64, BibliothequeError> {
        let e = valider_entree(saisie, &self.territoires().referentiel, &aujourdhui())
            .map_err(BibliothequeError::Invalide)?;
        if !self
            .peut_rediger_bibliotheque(Some(user), Some(organisation))
            .await?
        {
            return Err(invalide(
                "organisation",
                "choisissez une organisation dont vous êtes membre (adresse vérifiée) : elle signera la ressource",
            ));
        }
        let etat = if e.famille == Famille::Exemple {
            EtatPublication::Soumise
        } else {
            EtatPublication::Publiee
        };
        let t = now();
        let mut tx = self.db.begin_write().await?;
        if organisations::get(&mut tx, organisation).await?.is_none() {
            return Err(invalide("organisation", "organisation inconnue"));
        }
        self.verifier_cas(&mut tx, &e).await?;
        let id = store::insert(
            &mut tx,
            &e,
            &Provenance {
                organisation_id: Some(organisation),
                etat,
                demo: false,
                cle_demo: None,
                cree_par: Some(user.id),
            },
            t,
        )
        .await?;
        let apres = serde_json::to_string(&e.saisie()).unwrap_or_default();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(user.id),
                action: "bibliotheque.creation",
                entity: ENTITE,
                entity_id: &id.to_string(),
                organisation_id: Some(organisation),
                before_json: None,
                after_json: Some(&apres),
            },
            t,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &id.to_string(), "create", t).await?;
        if etat == EtatPublication::Publiee {
            liens::planifier(&mut tx, t).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Edits an entry (optimistic version). An example edited by someone who is not a moderator
    /// goes back to the moderators (submitted again).
    pub async fn modifier_entree(
        &self,
        user: &CurrentUser,
        id: i64,
        version: i64,
        saisie: &EntreeSaisie,
    ) -> Result<(), BibliothequeError> {
        let e = valider_entree(saisie, &self.territoires().referentiel, &aujourdhui())
            .map_err(BibliothequeError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        let avant = store::get(&mut tx, id)
            .await?
            .ok_or(BibliothequeError::Introuvable)?;
        if !self
            .peut_rediger_bibliotheque(Some(user), avant.organisation_id)
            .await?
        {
            return Err(BibliothequeError::Interdit);
        }
        self.verifier_cas(&mut tx, &e).await?;
        let moderateur = can(Some(user), Action::Moderer);
        let etat = match (e.famille, avant.etat) {
            (Famille::Exemple, EtatPublication::Publiee) if moderateur => EtatPublication::Publiee,
            (Famille::Exemple, _) => EtatPublication::Soumise,
            _ => EtatPublication::Publiee,
        };
        let t = now();
        if !store::update(&mut tx, id, version, &e, etat, t).await? {
            return Err(BibliothequeError::Conflit);
        }
        let avant_json = serde_json::to_string(&avant.entree.saisie()).unwrap_or_default();
        let apres_json = serde_json::to_string(&e.saisie()).unwrap_or_default();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(user.id),
                action: "bibliotheque.modification",
                entity: ENTITE,
                entity_id: &id.to_string(),
                organisation_id: avant.organisation_id,
                before_json: Some(&avant_json),
                after_json: Some(&apres_json),
            },
            t,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &id.to_string(), "update", t).await?;
        if etat == EtatPublication::Publiee {
            liens::planifier(&mut tx, t).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A moderator publishes a submitted example, or refuses it with a reason given to its
    /// authors.
    pub async fn moderer_exemple(
        &self,
        user: &CurrentUser,
        id: i64,
        publier: bool,
        motif: Option<&str>,
    ) -> Result<(), BibliothequeError> {
        if !can(Some(user), Action::Moderer) {
            return Err(BibliothequeError::Interdit);
        }
        let mut errs = Vec::new();
        let motif = motif.and_then(|m| {
            alliances_domain::annuaire::organisation::texte("motif", m, MOTIF_MAX, &mut errs)
        });
        if !errs.is_empty() {
            return Err(BibliothequeError::Invalide(errs));
        }
        if !publier && motif.is_none() {
            return Err(invalide(
                "motif",
                "obligatoire : dites aux auteurs ce qui manque pour que l'exemple soit publié",
            ));
        }
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let fiche = store::get(&mut tx, id)
            .await?
            .ok_or(BibliothequeError::Introuvable)?;
        if fiche.entree.famille != Famille::Exemple {
            return Err(BibliothequeError::Refus(
                "seuls les exemples passent par la relecture".into(),
            ));
        }
        let vers = if publier {
            EtatPublication::Publiee
        } else {
            EtatPublication::Refusee
        };
        if !store::changer_etat(
            &mut tx,
            id,
            EtatPublication::Soumise,
            vers,
            motif.as_deref(),
            t,
        )
        .await?
        {
            return Err(BibliothequeError::Refus(format!(
                "cet exemple n'attend pas de relecture (il est « {} »)",
                fiche.etat.label_fr().to_lowercase()
            )));
        }
        let (action, operation) = if publier {
            ("bibliotheque.publication", "publish")
        } else {
            ("bibliotheque.refus", "refuse")
        };
        let apres = serde_json::json!({"etat": vers.slug(), "motif": motif}).to_string();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(user.id),
                action,
                entity: ENTITE,
                entity_id: &id.to_string(),
                organisation_id: fiche.organisation_id,
                before_json: Some(&serde_json::json!({"etat": fiche.etat.slug()}).to_string()),
                after_json: Some(&apres),
            },
            t,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &id.to_string(), operation, t).await?;
        if publier {
            liens::planifier(&mut tx, t).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Examples waiting for a moderator, oldest first.
    pub async fn exemples_soumis(
        &self,
        user: Option<&CurrentUser>,
    ) -> Result<Vec<ExempleSoumis>, BibliothequeError> {
        if !can(user, Action::Moderer) {
            return Err(BibliothequeError::Interdit);
        }
        let mut out = Vec::new();
        let mut fiches = store::par_etat(&self.db, EtatPublication::Soumise).await?;
        fiches.sort_by_key(|f| (f.modifie_le, f.id));
        for f in fiches {
            let organisation = match f.organisation_id {
                Some(o) => self.nom_organisation(o).await?.map(|n| (o, n)),
                None => None,
            };
            out.push(ExempleSoumis {
                id: f.id,
                titre: f.entree.titre,
                organisation,
                modifie_le: f.modifie_le,
            });
        }
        Ok(out)
    }

    /// Whether `user` may see an entry in this state: everyone once published; its authors and
    /// moderators before.
    async fn peut_voir(
        &self,
        user: Option<&CurrentUser>,
        f: &FicheEntree,
    ) -> Result<bool, AppError> {
        if f.etat == EtatPublication::Publiee {
            return Ok(true);
        }
        if can(user, Action::Moderer) {
            return Ok(true);
        }
        self.peut_rediger_bibliotheque(user, f.organisation_id)
            .await
            .map(|ok| ok && f.organisation_id.is_some())
    }

    /// A stored entry for its edit form (its writers only).
    pub async fn entree_a_modifier(
        &self,
        user: &CurrentUser,
        id: i64,
    ) -> Result<FicheEntree, BibliothequeError> {
        let mut conn = self.db.pool().acquire().await?;
        let f = store::get(&mut conn, id)
            .await?
            .ok_or(BibliothequeError::Introuvable)?;
        drop(conn);
        if !self.peut_voir(Some(user), &f).await? {
            return Err(BibliothequeError::Introuvable);
        }
        if !self
            .peut_rediger_bibliotheque(Some(user), f.organisation_id)
            .await?
        {
            return Err(BibliothequeError::Interdit);
        }
        Ok(f)
    }

    /// An entry's page: its body as safe HTML, its author, the fate of the organisations an
    /// example names, its alliance's indicators, broken links. Unknown, or not yet published
    /// for someone who may not review it: `Introuvable`.
    pub async fn entree(
        &self,
        user: Option<&CurrentUser>,
        id: i64,
    ) -> Result<VueEntree, BibliothequeError> {
        let mut conn = self.db.pool().acquire().await?;
        let fiche = store::get(&mut conn, id)
            .await?
            .ok_or(BibliothequeError::Introuvable)?;
        if !self.peut_voir(user, &fiche).await? {
            return Err(BibliothequeError::Introuvable);
        }
        let organisation = match fiche.organisation_id {
            Some(o) => organisations::get(&mut conn, o)
                .await?
                .map(|f| (o, f.org.nom)),
            None => None,
        };
        let mut acteurs = Vec::new();
        let mut alliance = None;
        let mut indicateurs = Vec::new();
        if let Some(cas) = &fiche.entree.cas {
            for a in &cas.acteurs {
                let Some(f) = organisations::get(&mut conn, *a).await? else {
                    continue;
                };
                let etat = if let Some(dans) = f.meta.fusionnee_dans {
                    let nom = organisations::get(&mut conn, dans)
                        .await?
                        .map(|x| x.org.nom)
                        .unwrap_or_default();
                    EtatActeur::Fusionnee { dans, nom }
                } else if f.org.etat != Etat::Active {
                    EtatActeur::Disparue(f.org.etat.label_fr())
                } else {
                    EtatActeur::Active
                };
                acteurs.push(ActeurVue {
                    id: f.id,
                    nom: f.org.nom,
                    etat,
                });
            }
            if let Some(al) = cas.alliance {
                if let Some(a) = store_alliances::get(&mut conn, al)
                    .await?
                    .filter(|a| a.alliance.publique)
                {
                    alliance = Some((a.id, a.alliance.nom.clone()));
                    let valeurs = store_alliances::valeurs_de_l_alliance(&mut conn, al).await?;
                    for i in store_alliances::indicateurs(&mut conn, al).await? {
                        let derniere = valeurs
                            .iter()
                            .filter(|v| {
                                v.indicateur_id == i.id
                                    && v.etat == "validee"
                                    && v.ventilation.is_empty()
                            })
                            .max_by_key(|v| v.periode_jour)
                            .map(|v| (v.periode.clone(), v.valeur));
                        indicateurs.push(IndicateurVue {
                            nom: i.indicateur.nom,
                            unite: i.indicateur.unite,
                            valeur_base: i.indicateur.valeur_base,
                            valeur_cible: i.indicateur.valeur_cible,
                            derniere,
                        });
                    }
                }
            }
        }
        drop(conn);
        let adresses = fiche.entree.adresses();
        let liens_casses = store::liens_casses(&self.db)
            .await?
            .into_iter()
            .map(|l| l.url)
            .filter(|u| adresses.contains(u))
            .collect();
        let evenements = store::evenements(&self.db)
            .await?
            .into_iter()
            .filter(|e| e.evenement.ressources.contains(&id))
            .map(|e| (e.id, e.evenement.titre, e.evenement.debut))
            .collect();
        let peut_modifier = self
            .peut_rediger_bibliotheque(user, fiche.organisation_id)
            .await?;
        Ok(VueEntree {
            html: markdown::en_html(&fiche.entree.corps),
            fiche,
            organisation,
            acteurs,
            alliance,
            indicateurs,
            liens_casses,
            evenements,
            peut_modifier,
            peut_moderer: can(user, Action::Moderer),
        })
    }

    // --- Events ---------------------------------------------------------------------------

    async fn verifier_ressources_liees(&self, ids: &[i64]) -> Result<(), BibliothequeError> {
        let mut errs = Vec::new();
        for id in ids {
            if store::publiee(&self.db, *id).await?.is_none() {
                errs.push(ChampErreur::new(
                    "ressources",
                    format!("aucune ressource publiée n° {id}"),
                ));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(BibliothequeError::Invalide(errs))
        }
    }

    /// Creates an event on behalf of `organisation` (published at once).
    pub async fn creer_evenement(
        &self,
        user: &CurrentUser,
        saisie: &EvenementSaisie,
        organisation: i64,
    ) -> Result<i64, BibliothequeError> {
        let e = valider_evenement(saisie, &self.territoires().referentiel)
            .map_err(BibliothequeError::Invalide)?;
        if !self
            .peut_rediger_bibliotheque(Some(user), Some(organisation))
            .await?
        {
            return Err(invalide(
                "organisation",
                "choisissez une organisation dont vous êtes membre (adresse vérifiée) : elle organise l'événement",
            ));
        }
        self.verifier_ressources_liees(&e.ressources).await?;
        let t = now();
        let mut tx = self.db.begin_write().await?;
        if organisations::get(&mut tx, organisation).await?.is_none() {
            return Err(invalide("organisation", "organisation inconnue"));
        }
        let id = store::insert_evenement(
            &mut tx,
            &e,
            Some(organisation),
            false,
            None,
            Some(user.id),
            t,
        )
        .await?;
        let apres = serde_json::to_string(&e.saisie()).unwrap_or_default();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(user.id),
                action: "bibliotheque.evenement.creation",
                entity: ENTITE_EVENEMENT,
                entity_id: &id.to_string(),
                organisation_id: Some(organisation),
                before_json: None,
                after_json: Some(&apres),
            },
            t,
        )
        .await?;
        changes::append(&mut tx, ENTITE_EVENEMENT, &id.to_string(), "create", t).await?;
        liens::planifier(&mut tx, t).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Edits an event (optimistic version).
    pub async fn modifier_evenement(
        &self,
        user: &CurrentUser,
        id: i64,
        version: i64,
        saisie: &EvenementSaisie,
    ) -> Result<(), BibliothequeError> {
        let e = valider_evenement(saisie, &self.territoires().referentiel)
            .map_err(BibliothequeError::Invalide)?;
        self.verifier_ressources_liees(&e.ressources).await?;
        let mut tx = self.db.begin_write().await?;
        let avant = store::get_evenement(&mut tx, id)
            .await?
            .ok_or(BibliothequeError::Introuvable)?;
        if !self
            .peut_rediger_bibliotheque(Some(user), avant.organisation_id)
            .await?
        {
            return Err(BibliothequeError::Interdit);
        }
        let t = now();
        if !store::update_evenement(&mut tx, id, version, &e, t).await? {
            return Err(BibliothequeError::Conflit);
        }
        let avant_json = serde_json::to_string(&avant.evenement.saisie()).unwrap_or_default();
        let apres_json = serde_json::to_string(&e.saisie()).unwrap_or_default();
        audit::record(
            &mut tx,
            &audit::NewEntry {
                actor_user_id: Some(user.id),
                action: "bibliotheque.evenement.modification",
                entity: ENTITE_EVENEMENT,
                entity_id: &id.to_string(),
                organisation_id: avant.organisation_id,
                before_json: Some(&avant_json),
                after_json: Some(&apres_json),
            },
            t,
        )
        .await?;
        changes::append(&mut tx, ENTITE_EVENEMENT, &id.to_string(), "update", t).await?;
        liens::planifier(&mut tx, t).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every event with its page's details, by start.
    pub async fn evenements_bibliotheque(
        &self,
        user: Option<&CurrentUser>,
    ) -> Result<Vec<VueEvenement>, BibliothequeError> {
        let fiches = store::evenements(&self.db).await?;
        let publiees: std::collections::HashMap<i64, (String, String)> = store::publiees(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, (p.titre, p.chemin)))
            .collect();
        let mut noms: std::collections::HashMap<i64, Option<String>> = Default::default();
        let mut out = Vec::with_capacity(fiches.len());
        for f in fiches {
            let organisation = match f.organisation_id {
                Some(o) => {
                    let nom = match noms.get(&o) {
                        Some(n) => n.clone(),
                        None => {
                            let n = self.nom_organisation(o).await?;
                            noms.insert(o, n.clone());
                            n
                        }
                    };
                    nom.map(|n| (o, n))
                }
                None => None,
            };
            let ressources = f
                .evenement
                .ressources
                .iter()
                .filter_map(|r| publiees.get(r).map(|(t, c)| (*r, t.clone(), c.clone())))
                .collect();
            let peut_modifier = self
                .peut_rediger_bibliotheque(user, f.organisation_id)
                .await?;
            out.push(VueEvenement {
                html: markdown::en_html(&f.evenement.corps),
                fiche: f,
                organisation,
                ressources,
                peut_modifier,
            });
        }
        Ok(out)
    }

    /// An event for its edit form (its writers only).
    pub async fn evenement_a_modifier(
        &self,
        user: &CurrentUser,
        id: i64,
    ) -> Result<FicheEvenement, BibliothequeError> {
        let mut conn = self.db.pool().acquire().await?;
        let f = store::get_evenement(&mut conn, id)
            .await?
            .ok_or(BibliothequeError::Introuvable)?;
        drop(conn);
        if !self
            .peut_rediger_bibliotheque(Some(user), f.organisation_id)
            .await?
        {
            return Err(BibliothequeError::Interdit);
        }
        Ok(f)
    }

    /// The iCalendar feed of every event; `base` is the site's public URL (links and UIDs).
    pub async fn calendrier_evenements(&self, base: &str) -> Result<String, BibliothequeError> {
        let fiches = store::evenements(&self.db).await?;
        let base = base.trim_end_matches('/');
        let hote = base
            .split_once("://")
            .map(|(_, h)| h.split('/').next().unwrap_or(h))
            .unwrap_or("alliances");
        let descriptions: Vec<String> = fiches
            .iter()
            .map(|f| {
                let e = &f.evenement;
                let mut d = e.resume.clone();
                if let Some(r) = &e.replay {
                    d.push_str(&format!("\nReplay : {r}"));
                }
                if let Some(i) = &e.inscription {
                    d.push_str(&format!("\nInscription : {i}"));
                }
                if f.demo {
                    d.push_str("\n(Démonstration : événement fictif)");
                }
                d
            })
            .collect();
        let evenements: Vec<_> = fiches
            .iter()
            .zip(&descriptions)
            .map(
                |(f, d)| alliances_domain::bibliotheque::ical::EvenementIcal {
                    uid: format!("bibliotheque-evenement-{}@{hote}", f.id),
                    debut: f.evenement.debut,
                    fin: f.evenement.fin,
                    titre: &f.evenement.titre,
                    description: d,
                    lieu: f.evenement.lieu.as_deref(),
                    url: Some(format!("{base}/ressources/evenements#evenement-{}", f.id)),
                    modifie_le: f.modifie_le,
                },
            )
            .collect();
        Ok(alliances_domain::bibliotheque::ical::calendrier(
            "Alliances — événements et webinaires",
            &evenements,
            now(),
        ))
    }
}
