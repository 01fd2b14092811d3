//! Contact requests between organisations (« mise en relation »): a member of an organisation
//! writes to another on its behalf; the target's owners get the message by e-mail; its owners and
//! editors accept or decline (the author is told by e-mail); a request unanswered after 30 days is
//! closed by a periodic pass; an accepted request can start an alliance with both organisations as
//! accepted members. Anti-spam: a daily limit per sending organisation, one open request at a
//! time between the same two organisations, and organisations may opt out of being contacted.
//! Counts and conversion for the admin dashboard and the territory pages.
//!
//! The rules are the domain's (`alliances_domain::contacts`); rights come from the policy
//! (`Action::RepresenterOrganisation`, `Action::GererOrganisation`).

use std::sync::Arc;
use std::time::Duration;

use alliances_domain::alliances::{valider_alliance, AllianceSaisie, RoleMembre};
use alliances_domain::annuaire::ChampErreur;
use alliances_domain::contacts::{
    valider_message, valider_reponse, verifier_envoi, Conversion, EtatDemande, FaitsEnvoi,
    RefusEnvoi, DELAI_SANS_REPONSE_SECS, FENETRE_LIMITE_SECS,
};
use alliances_domain::territoires::{Niveau, TerritoireRef};
use alliances_store::contacts::{self as store, NouvelleDemande, Perimetre};
/// A stored request and the side of an organisation's lists, as the store gives them.
pub use alliances_store::contacts::{Demande, Sens};
use alliances_store::{alliances as store_alliances, changes, jobs, memberships, organisations};
use alliances_store::{Conn, StoreError};

use crate::comptes::{queue_email, CurrentUser, OutgoingEmail, EN};
use crate::politique::{can_on_organisation, Action, RoleOrganisation};
use crate::{now, App, AppError};

/// Requests closed per transaction by the 30-day pass.
const PAR_PASSE: i64 = 200;
/// Largest page of a list of requests.
pub const PAGE_MAX: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("données invalides")]
    Invalide(Vec<ChampErreur>),
    #[error("demande ou organisation introuvable")]
    Introuvable,
    #[error("vous n'avez pas le droit de faire cela au nom de cette organisation")]
    Interdit,
    #[error("« {0} » a choisi de ne pas être contactée par la plateforme")]
    NonContactable(String),
    #[error("« {0} » n'a pas encore de responsable inscrit sur la plateforme : personne ne recevrait votre message ; utilisez le contact public de sa fiche s'il y en a un")]
    SansResponsable(String),
    /// An open request between the same two organisations exists: its id and date.
    #[error("une demande de votre organisation à celle-ci attend déjà sa réponse")]
    DejaEnCours { id: i64, envoyee_le: i64 },
    /// The daily limit is reached; sending is possible again from this time (epoch seconds).
    #[error("votre organisation a atteint la limite de demandes de contact sur 24 heures")]
    Limite { reprise: i64 },
    #[error("{0}")]
    Refus(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for ContactError {
    fn from(e: StoreError) -> Self {
        ContactError::App(AppError::Store(e))
    }
}

impl From<alliances_store::SqlxError> for ContactError {
    fn from(e: alliances_store::SqlxError) -> Self {
        ContactError::App(AppError::Store(StoreError::from(e)))
    }
}

fn invalide(champ: &'static str, message: impl Into<String>) -> ContactError {
    ContactError::Invalide(vec![ChampErreur::new(champ, message)])
}

/// What a form or an API call says about a new request.
#[derive(Debug, Clone, Default)]
pub struct DemandeSaisie {
    /// The organisation writing (the user must represent it).
    pub de: i64,
    /// The organisation written to.
    pub vers: i64,
    pub message: String,
    /// The offer or need (of either organisation) the request is about.
    pub ressource: Option<i64>,
}

/// A page of requests: newest first, the total, and the cursor of the next page.
#[derive(Debug, Clone)]
pub struct PageDemandes {
    pub demandes: Vec<Demande>,
    pub total: i64,
    pub suivant: Option<i64>,
}

/// How the reader stands towards an organisation's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Representation {
    /// Owner or editor (with a verified address): sends, reads and answers.
    pub represente: bool,
    /// Owner (or admin): sets the opt-out.
    pub gere: bool,
}

async fn role(
    conn: &mut Conn,
    user: &CurrentUser,
    organisation: i64,
) -> Result<Option<RoleOrganisation>, StoreError> {
    Ok(memberships::role_of(conn, user.id, organisation)
        .await?
        .as_deref()
        .and_then(RoleOrganisation::from_slug))
}

fn date_fr(ts: i64) -> String {
    let (y, m, d) = alliances_domain::dates::civil(alliances_domain::dates::jour_de(ts));
    format!("{d:02}/{m:02}/{y}")
}

async fn envoyer(conn: &mut Conn, a: &str, sujet: &str, corps: &str) -> Result<(), ContactError> {
    let mail = OutgoingEmail {
        to: a.to_string(),
        subject: sujet.to_string(),
        body: corps.to_string(),
    };
    let at = now();
    jobs::enqueue(conn, "email", &queue_email(&mail)?, at, 5, at).await?;
    Ok(())
}

impl App {
    /// Whether `user` represents `organisation` (sends and answers requests) and manages it
    /// (opt-out).
    pub async fn representation(
        &self,
        user: Option<&CurrentUser>,
        organisation: i64,
    ) -> Result<Representation, ContactError> {
        let Some(u) = user else {
            return Ok(Representation {
                represente: false,
                gere: false,
            });
        };
        let mut conn = self.db.pool().acquire().await?;
        let r = role(&mut conn, u, organisation).await?;
        Ok(Representation {
            represente: can_on_organisation(Some(u), r, Action::RepresenterOrganisation),
            gere: can_on_organisation(Some(u), r, Action::GererOrganisation),
        })
    }

    /// The organisations `user` may write on behalf of: (id, name), by name.
    pub async fn organisations_representees(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(i64, String)>, ContactError> {
        let mut out = Vec::new();
        let mut conn = self.db.pool().acquire().await?;
        for (id, r) in memberships::of_user(&self.db, user.id).await? {
            let r = RoleOrganisation::from_slug(&r);
            if !can_on_organisation(Some(user), r, Action::RepresenterOrganisation) {
                continue;
            }
            if let Some(f) = organisations::get(&mut conn, id).await? {
                if f.meta.fusionnee_dans.is_none() {
                    out.push((id, f.org.nom));
                }
            }
        }
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// Whether an organisation accepts contact requests (`None`: unknown organisation).
    pub async fn est_contactable(&self, organisation: i64) -> Result<Option<bool>, ContactError> {
        let mut conn = self.db.pool().acquire().await?;
        Ok(store::contactable(&mut conn, organisation).await?)
    }

    /// Sends a request on behalf of `saisie.de` (its owners and editors); the target's owners are
    /// e-mailed in the same transaction. Refused when the target opted out or has no owner, when
    /// an identical request is still open, when the daily limit is reached.
    pub async fn envoyer_demande_contact(
        &self,
        user: &CurrentUser,
        saisie: &DemandeSaisie,
    ) -> Result<i64, ContactError> {
        let message =
            valider_message(&saisie.message).map_err(|e| ContactError::Invalide(vec![e]))?;
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let r = role(&mut tx, user, saisie.de).await?;
        if !can_on_organisation(Some(user), r, Action::RepresenterOrganisation) {
            return Err(if r.is_some() && !user.verified {
                ContactError::Refus(
                    "confirmez d'abord votre adresse e-mail : le lien vous a été envoyé à l'inscription".into(),
                )
            } else {
                ContactError::Interdit
            });
        }
        // Serialises the requests of this organisation (limit and duplicates are checked then
        // written without another request slipping in between).
        if !store::verrouiller_source(&mut tx, saisie.de).await? {
            return Err(ContactError::Introuvable);
        }
        let source = organisations::get(&mut tx, saisie.de)
            .await?
            .ok_or(ContactError::Introuvable)?;
        let cible = match organisations::get(&mut tx, saisie.vers).await? {
            Some(f) if f.meta.fusionnee_dans.is_none() => f,
            _ => return Err(ContactError::Introuvable),
        };
        if let Some(rid) = saisie.ressource {
            let ok = organisations::get_ressource(&mut tx, rid)
                .await?
                .is_some_and(|x| {
                    x.organisation_id == saisie.de || x.organisation_id == saisie.vers
                });
            if !ok {
                return Err(invalide(
                    "ressource",
                    "cette offre ou ce besoin n'appartient à aucune des deux organisations",
                ));
            }
        }
        let contactable = store::contactable(&mut tx, saisie.vers)
            .await?
            .ok_or(ContactError::Introuvable)?;
        let ouverte = store::ouverte_entre(&mut tx, saisie.de, saisie.vers).await?;
        let (envoyees, plus_ancienne) =
            store::envoyees_depuis(&mut tx, saisie.de, t - FENETRE_LIMITE_SECS + 1).await?;
        let faits = FaitsEnvoi {
            de: saisie.de,
            vers: saisie.vers,
            vers_contactable: contactable,
            ouverte,
            envoyees_fenetre: envoyees,
            plus_ancienne_fenetre: plus_ancienne,
        };
        match verifier_envoi(&faits, t) {
            Ok(()) => {}
            Err(RefusEnvoi::MemeOrganisation) => {
                return Err(invalide(
                    "vers",
                    "une organisation ne peut pas s'écrire à elle-même",
                ))
            }
            Err(RefusEnvoi::NonContactable) => {
                return Err(ContactError::NonContactable(cible.org.nom))
            }
            Err(RefusEnvoi::DejaEnCours { id, envoyee_le }) => {
                return Err(ContactError::DejaEnCours { id, envoyee_le })
            }
            Err(RefusEnvoi::LimiteAtteinte { reprise }) => {
                return Err(ContactError::Limite { reprise })
            }
        }
        let proprietaires = memberships::owners_of(&mut tx, saisie.vers).await?;
        if proprietaires.is_empty() {
            return Err(ContactError::SansResponsable(cible.org.nom));
        }
        let nouvelle = NouvelleDemande {
            de_organisation: saisie.de,
            vers_organisation: saisie.vers,
            auteur_id: user.id,
            message: message.clone(),
            ressource_id: saisie.ressource,
        };
        let Some(id) = store::insert(&mut tx, &nouvelle, t).await? else {
            // The unique index saw an open request the lookup above could not (cannot happen
            // while the source row is locked, kept as the database's last word).
            return Err(ContactError::DejaEnCours {
                id: 0,
                envoyee_le: t,
            });
        };
        // The territory dashboards count requests (every instance follows the feed).
        changes::append(
            &mut tx,
            crate::tableaux::ENTITE_DEMANDE,
            &id.to_string(),
            "create",
            t,
        )
        .await?;
        let base = self.url_publique();
        let (de, vers) = (&source.org.nom, &cible.org.nom);
        let auteur = &user.name;
        let lien = format!("{base}/organisations/{}/demandes", saisie.vers);
        for (_, email) in proprietaires {
            let corps = format!(
                "Bonjour,\n\n{auteur}, pour « {de} », souhaite entrer en relation avec « {vers} ». Son message :\n\n{message}\n\nPour accepter ou décliner (sans réponse sous 30 jours, la demande sera close) :\n{lien}\n\nVous ne souhaitez plus être contactés par la plateforme ? Une case sur cette même page le permet.{EN}{auteur}, for \"{de}\", would like to get in touch with \"{vers}\". Their message is above.\nTo accept or decline (the request closes after 30 days without an answer):\n{lien}\n",
            );
            envoyer(
                &mut tx,
                &email,
                &format!("Alliances : « {de} » souhaite vous contacter"),
                &corps,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// One request, for the members of either organisation.
    pub async fn demande_contact(
        &self,
        user: &CurrentUser,
        id: i64,
    ) -> Result<Demande, ContactError> {
        let mut conn = self.db.pool().acquire().await?;
        let d = store::get(&mut conn, id)
            .await?
            .ok_or(ContactError::Introuvable)?;
        for org in [d.de_organisation, d.vers_organisation] {
            let r = role(&mut conn, user, org).await?;
            if can_on_organisation(Some(user), r, Action::RepresenterOrganisation) {
                return Ok(d);
            }
        }
        Err(ContactError::Introuvable)
    }

    /// A page of an organisation's received or sent requests (its owners and editors), newest
    /// first; `avant` is the cursor returned by the previous page.
    pub async fn demandes_contact(
        &self,
        user: &CurrentUser,
        organisation: i64,
        sens: Sens,
        etat: Option<EtatDemande>,
        avant: Option<i64>,
        limite: i64,
    ) -> Result<PageDemandes, ContactError> {
        if !self
            .representation(Some(user), organisation)
            .await?
            .represente
        {
            return Err(ContactError::Interdit);
        }
        let limite = limite.clamp(1, PAGE_MAX);
        let mut demandes =
            store::liste(&self.db, organisation, sens, etat, avant, limite + 1).await?;
        let suivant = (demandes.len() as i64 > limite).then(|| {
            demandes.truncate(limite as usize);
            demandes.last().map(|d| d.id).unwrap_or_default()
        });
        let total = store::compter(&self.db, organisation, sens, etat).await?;
        Ok(PageDemandes {
            demandes,
            total,
            suivant,
        })
    }

    /// The target's owners and editors accept or decline a sent request, with an optional
    /// message; the author is e-mailed. An accepted request gives the author the answering
    /// person's address (both sides agreed to talk). Answering twice is refused, never applied
    /// twice.
    pub async fn repondre_demande_contact(
        &self,
        user: &CurrentUser,
        id: i64,
        accepter: bool,
        reponse: &str,
    ) -> Result<(), ContactError> {
        let reponse = valider_reponse(reponse).map_err(|e| ContactError::Invalide(vec![e]))?;
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let d = store::get(&mut tx, id)
            .await?
            .ok_or(ContactError::Introuvable)?;
        let r = role(&mut tx, user, d.vers_organisation).await?;
        if !can_on_organisation(Some(user), r, Action::RepresenterOrganisation) {
            return Err(if role(&mut tx, user, d.de_organisation).await?.is_some() {
                ContactError::Interdit
            } else {
                ContactError::Introuvable
            });
        }
        let vers = if accepter {
            EtatDemande::Acceptee
        } else {
            EtatDemande::Refusee
        };
        if !store::repondre(&mut tx, id, vers, user.id, &reponse, t).await? {
            return Err(ContactError::Refus(format!(
                "cette demande n'attend plus de réponse ({})",
                d.etat.label_fr().to_lowercase()
            )));
        }
        changes::append(
            &mut tx,
            crate::tableaux::ENTITE_DEMANDE,
            &id.to_string(),
            "update",
            t,
        )
        .await?;
        if let Some((_, email)) = &d.auteur {
            let base = self.url_publique();
            let lien = format!(
                "{base}/organisations/{}/demandes?vue=envoyees",
                d.de_organisation
            );
            let (de, cible) = (&d.de_nom, &d.vers_nom);
            let mot = if reponse.is_empty() {
                String::new()
            } else {
                format!("\nSon message :\n\n{reponse}\n")
            };
            let (sujet, corps) = if accepter {
                (
                    format!("Alliances : « {cible} » accepte votre demande de contact"),
                    format!(
                        "Bonjour,\n\n« {cible} » accepte la demande de contact de « {de} ».{mot}\nPour lui écrire : {} <{}>.\nVous pouvez aussi démarrer une alliance avec elle depuis la page des demandes :\n{lien}{EN}\"{cible}\" accepted the contact request of \"{de}\". You can write to {} <{}>, or start an alliance together from the requests page:\n{lien}\n",
                        user.name, user.email, user.name, user.email
                    ),
                )
            } else {
                (
                    format!("Alliances : « {cible} » décline votre demande de contact"),
                    format!(
                        "Bonjour,\n\n« {cible} » décline la demande de contact de « {de} ».{mot}\nVos demandes : {lien}{EN}\"{cible}\" declined the contact request of \"{de}\".\nYour requests: {lien}\n",
                    ),
                )
            };
            envoyer(&mut tx, email, &sujet, &corps).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Starts an alliance from an accepted request: the organisation of the person who starts it
    /// becomes its backbone (the source when they represent both), the other one a member; both
    /// memberships are accepted at once, since both sides agreed. Once per request. The other
    /// side's owners are e-mailed.
    pub async fn demarrer_alliance_depuis_demande(
        &self,
        user: &CurrentUser,
        id: i64,
        saisie: &AllianceSaisie,
    ) -> Result<i64, ContactError> {
        let alliance = valider_alliance(saisie, &self.territoires().referentiel)
            .map_err(ContactError::Invalide)?;
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let d = store::get(&mut tx, id)
            .await?
            .ok_or(ContactError::Introuvable)?;
        let mut cote = None;
        for org in [d.de_organisation, d.vers_organisation] {
            let r = role(&mut tx, user, org).await?;
            if can_on_organisation(Some(user), r, Action::RepresenterOrganisation) {
                cote = Some(org);
                break;
            }
        }
        let Some(backbone) = cote else {
            return Err(ContactError::Introuvable);
        };
        let (autre, autre_nom) = if backbone == d.de_organisation {
            (d.vers_organisation, &d.vers_nom)
        } else {
            (d.de_organisation, &d.de_nom)
        };
        if d.etat != EtatDemande::Acceptee {
            return Err(ContactError::Refus(
                "seule une demande acceptée peut démarrer une alliance".into(),
            ));
        }
        if d.alliance_id.is_some() {
            return Err(ContactError::Refus(
                "une alliance a déjà été démarrée depuis cette demande".into(),
            ));
        }
        let aid = store_alliances::insert(&mut tx, &alliance, Some(user.id), false, t).await?;
        store_alliances::insert_membre(
            &mut tx,
            aid,
            backbone,
            RoleMembre::Backbone.slug(),
            "acceptee",
            Some(user.id),
            t,
        )
        .await?;
        store_alliances::insert_membre(
            &mut tx,
            aid,
            autre,
            RoleMembre::Membre.slug(),
            "acceptee",
            Some(user.id),
            t,
        )
        .await?;
        if !store::lier_alliance(&mut tx, id, aid).await? {
            // Another member started one in between: this transaction is dropped (rolled back).
            return Err(ContactError::Refus(
                "une alliance a déjà été démarrée depuis cette demande".into(),
            ));
        }
        changes::append(
            &mut tx,
            crate::tableaux::ENTITE_DEMANDE,
            &id.to_string(),
            "update",
            t,
        )
        .await?;
        changes::append(
            &mut tx,
            crate::alliances::ENTITE,
            &aid.to_string(),
            "upsert",
            t,
        )
        .await?;
        let base = self.url_publique();
        let nom = &alliance.nom;
        for (_, email) in memberships::owners_of(&mut tx, autre).await? {
            let corps = format!(
                "Bonjour,\n\nÀ la suite de votre mise en relation, l'alliance « {nom} » a été démarrée avec « {autre_nom} » comme membre.\nL'alliance : {base}/alliances/{aid}{EN}Following your contact request, the alliance \"{nom}\" was started with \"{autre_nom}\" as a member.\nThe alliance: {base}/alliances/{aid}\n",
            );
            envoyer(
                &mut tx,
                &email,
                &format!("Alliances : l'alliance « {nom} » démarre avec vous"),
                &corps,
            )
            .await?;
        }
        tx.commit().await?;
        self.vues_alliances.vider();
        self.refresh().await?;
        Ok(aid)
    }

    /// The opt-out: an organisation's owners (or an admin) choose whether it may be contacted.
    pub async fn definir_contactable(
        &self,
        user: &CurrentUser,
        organisation: i64,
        contactable: bool,
    ) -> Result<(), ContactError> {
        let mut tx = self.db.begin_write().await?;
        let r = role(&mut tx, user, organisation).await?;
        if !can_on_organisation(Some(user), r, Action::GererOrganisation) {
            return Err(ContactError::Interdit);
        }
        if !store::set_contactable(&mut tx, organisation, contactable).await? {
            return Err(ContactError::Introuvable);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Closes the requests sent before `at` − 30 days as « sans réponse » and tells their authors;
    /// returns how many were closed. Each request is closed by one conditional update, in the
    /// transaction of its e-mail: with several instances, each request is closed and told once.
    pub async fn clore_demandes_sans_reponse(&self, at: i64) -> Result<usize, ContactError> {
        let avant = at - DELAI_SANS_REPONSE_SECS;
        let base = self.url_publique();
        let mut n = 0;
        loop {
            let mut tx = self.db.begin_write().await?;
            let ids = store::marquer_sans_reponse(&mut tx, avant, at, PAR_PASSE).await?;
            if ids.is_empty() {
                return Ok(n);
            }
            for id in &ids {
                changes::append(
                    &mut tx,
                    crate::tableaux::ENTITE_DEMANDE,
                    &id.to_string(),
                    "update",
                    at,
                )
                .await?;
                let Some(d) = store::get(&mut tx, *id).await? else {
                    continue;
                };
                let Some((_, email)) = &d.auteur else {
                    continue;
                };
                let (de, cible) = (&d.de_nom, &d.vers_nom);
                let lien = format!(
                    "{base}/organisations/{}/demandes?vue=envoyees",
                    d.de_organisation
                );
                let corps = format!(
                    "Bonjour,\n\nLa demande de contact de « {de} » à « {cible} » envoyée le {} est restée sans réponse pendant 30 jours : elle est close.\nVos demandes : {lien}{EN}The contact request of \"{de}\" to \"{cible}\" got no answer within 30 days: it is closed.\nYour requests: {lien}\n",
                    date_fr(d.cree_le)
                );
                envoyer(
                    &mut tx,
                    email,
                    &format!("Alliances : demande à « {cible} » sans réponse"),
                    &corps,
                )
                .await?;
            }
            tx.commit().await?;
            n += ids.len();
        }
    }

    /// Runs [`App::clore_demandes_sans_reponse`] every `every` on each instance (a request is
    /// closed once whatever the number of instances).
    pub fn spawn_demandes_sans_reponse(
        self: &Arc<Self>,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match app.clore_demandes_sans_reponse(now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(demandes = n, "contact requests closed without answer"),
                    Err(e) => {
                        tracing::warn!(error = %e, "contact requests expiry failed, will retry")
                    }
                }
            }
        })
    }

    /// Counts and conversion of contact requests: over the platform (`None`), or those whose
    /// source or target has its headquarters in the territory (a région through its
    /// départements, an EPCI through its communes).
    pub async fn conversion_contacts(
        &self,
        territoire: Option<TerritoireRef>,
    ) -> Result<Conversion, ContactError> {
        let perimetre = territoire.map(|t| {
            let r = &self.territoires().referentiel;
            match t.niveau {
                Niveau::Region => Perimetre::Departements(
                    r.departements_of_region(t.idx)
                        .iter()
                        .map(|&d| r.departement(d).code.clone())
                        .collect(),
                ),
                Niveau::Departement => {
                    Perimetre::Departements(vec![r.departement(t.idx).code.clone()])
                }
                Niveau::Epci => Perimetre::Communes(
                    r.communes_of_epci(t.idx)
                        .iter()
                        .map(|&c| r.commune(c).code.clone())
                        .collect(),
                ),
                Niveau::Commune => Perimetre::Communes(vec![r.commune(t.idx).code.clone()]),
            }
        });
        Ok(store::conversion(&self.db, perimetre.as_ref()).await?)
    }
}
