//! Ingénieries' use cases: support schemes created and edited by members of their carrying
//! organisation (or moderators), relay links checked against cycles, « qui peut m'aider ici ? »
//! and the coverage analysis answered from the in-memory index, referrals between schemes with
//! their workflow and articulation indicators.

pub mod demo;
pub mod index;
pub mod veille;

use alliances_domain::annuaire::ChampErreur;
use alliances_domain::ingenieries::dispositif::{
    valider_dispositif, verifier_relais, DispositifSaisie,
};
use alliances_domain::ingenieries::orientation::{
    articulation, transition_permise, Articulation, EtatOrientation, Issue,
};
use alliances_domain::ingenieries::Service;
use alliances_domain::territoires::{Niveau, TerritoireRef};
use alliances_domain::texte::fold;
use alliances_store::ingenieries::{self as store, NouvelleOrientation, Provenance};
use alliances_store::{changes, memberships, organisations, StoreError};

use crate::comptes::CurrentUser;
use crate::politique::{can, can_on_organisation, Action, RoleOrganisation};
use crate::{now, App, AppError};
pub use alliances_store::ingenieries::{FicheDispositif, FicheProgramme, Orientation};
pub use index::{Demande, IndexDispositifs, Reponse, Via};

/// The change-feed entity of schemes (the coverage index follows it).
pub const ENTITE: &str = "dispositif";
/// Licence of the schemes entered on the platform.
pub const LICENCE: &str = "Licence Ouverte 2.0 (Etalab)";
pub const MESSAGE_MAX: usize = 3000;

#[derive(Debug, thiserror::Error)]
pub enum IngenierieError {
    #[error("données invalides")]
    Invalide(Vec<ChampErreur>),
    #[error("dispositif introuvable")]
    Introuvable,
    #[error("vous n'avez pas le droit de faire cela pour ce dispositif")]
    Interdit,
    #[error("cette fiche a été modifiée entre-temps : rechargez-la et refaites vos changements")]
    Conflit,
    #[error("{0}")]
    Refus(String),
    /// The referral goes to a scheme that does not cover the requester: say why, then confirm.
    #[error("{0}")]
    HorsCouverture(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for IngenierieError {
    fn from(e: StoreError) -> Self {
        IngenierieError::App(AppError::Store(e))
    }
}

impl From<alliances_store::SqlxError> for IngenierieError {
    fn from(e: alliances_store::SqlxError) -> Self {
        IngenierieError::App(AppError::Store(StoreError::from(e)))
    }
}

pub(crate) fn invalide(champ: &'static str, message: impl Into<String>) -> IngenierieError {
    IngenierieError::Invalide(vec![ChampErreur::new(champ, message)])
}

/// A scheme as its page shows it.
#[derive(Debug, Clone)]
pub struct VueDispositif {
    pub fiche: std::sync::Arc<FicheDispositif>,
    pub porteur: Option<(i64, String)>,
    /// The scheme it relays, and that one's own head, up to the top.
    pub chaine: Vec<(i64, String)>,
    /// Its relays.
    pub relais: Vec<(i64, String)>,
    pub articulation: Articulation,
    /// The reader may edit it and handle its referrals.
    pub gerer: bool,
}

impl App {
    /// The schemes' index (a snapshot).
    pub fn dispositifs(&self) -> std::sync::Arc<IndexDispositifs> {
        self.dispositifs.load_full()
    }

    /// Rebuilds the index from the database (at start, and when the feed reports a change).
    pub(crate) async fn recharger_dispositifs(&self) -> Result<(), AppError> {
        let fiches = store::tous(&self.db).await?;
        let programmes = store::programmes(&self.db).await?;
        let ix =
            IndexDispositifs::avec_programmes(fiches, programmes, &self.territoires().referentiel);
        self.dispositifs.store(std::sync::Arc::new(ix));
        Ok(())
    }

    async fn role_dans(
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

    /// The schemes the user runs (carried by one of their organisations), by name.
    pub async fn dispositifs_geres(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(i64, String)>, AppError> {
        let orgs: Vec<i64> = memberships::of_user(&self.db, user.id)
            .await?
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        let mut out: Vec<(i64, String)> = self
            .dispositifs()
            .tous()
            .filter(|e| e.fiche.porteur_id.is_some_and(|p| orgs.contains(&p)))
            .map(|e| (e.fiche.id, e.fiche.dispositif.nom.clone()))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// Whether the user runs the scheme: a member of its carrying organisation, or staff.
    pub async fn gere_dispositif(
        &self,
        user: Option<&CurrentUser>,
        fiche: &FicheDispositif,
    ) -> Result<bool, AppError> {
        let Some(u) = user else { return Ok(false) };
        let role = match fiche.porteur_id {
            Some(p) => self.role_dans(u, p).await?,
            None => None,
        };
        Ok(can_on_organisation(
            Some(u),
            role,
            Action::ModifierOrganisation,
        ))
    }

    /// Checks the relay link of a scheme being saved (`id` None for a new one).
    fn verifier_relais_de(
        &self,
        id: Option<i64>,
        saisie: &DispositifSaisie,
        niveau: alliances_domain::ingenieries::NiveauDispositif,
    ) -> Result<(), IngenierieError> {
        let Some(tete) = saisie.relais_de else {
            return Ok(());
        };
        let ix = self.dispositifs();
        verifier_relais(id, niveau, tete, |x| {
            ix.get(x).map(|e| {
                let d = &e.fiche.dispositif;
                (d.niveau, d.relais_de, d.nom.clone())
            })
        })
        .map_err(|e| IngenierieError::Invalide(vec![e]))
    }

    /// Creates a scheme carried by `porteur` (an organisation the user is a member of); refuses
    /// a duplicate (same name, same carrier) and a relay link that would loop.
    pub async fn creer_dispositif(
        &self,
        user: &CurrentUser,
        saisie: &DispositifSaisie,
        porteur: i64,
    ) -> Result<i64, IngenierieError> {
        let d = valider_dispositif(saisie, &self.territoires().referentiel)
            .map_err(IngenierieError::Invalide)?;
        let role = self.role_dans(user, porteur).await?;
        if role.is_none() && !can(Some(user), Action::Moderer) {
            return Err(invalide(
                "porteur",
                "choisissez une organisation dont vous êtes membre : elle portera le dispositif",
            ));
        }
        self.verifier_relais_de(None, saisie, d.niveau)?;
        let plie = fold(&d.nom);
        let t = now();
        let mut tx = self.db.begin_write().await?;
        if organisations::get(&mut tx, porteur).await?.is_none() {
            return Err(invalide("porteur", "organisation inconnue"));
        }
        if let Some(autre) = store::homonymes(&mut tx, &plie, Some(porteur))
            .await?
            .first()
        {
            return Err(invalide(
                "nom",
                format!("cette organisation porte déjà un dispositif de ce nom (n° {autre}) : modifiez-le plutôt"),
            ));
        }
        let id = store::insert(
            &mut tx,
            &d,
            &plie,
            &Provenance {
                porteur_id: Some(porteur),
                source: "saisie",
                licence: LICENCE,
                demo: false,
                cree_par: Some(user.id),
            },
            t,
        )
        .await?;
        changes::append(&mut tx, ENTITE, &id.to_string(), "create", t).await?;
        tx.commit().await?;
        self.recharger_dispositifs().await?;
        Ok(id)
    }

    /// Edits a scheme (optimistic version: the last writer does not silently win).
    pub async fn modifier_dispositif(
        &self,
        user: &CurrentUser,
        id: i64,
        version: i64,
        saisie: &DispositifSaisie,
    ) -> Result<(), IngenierieError> {
        let d = valider_dispositif(saisie, &self.territoires().referentiel)
            .map_err(IngenierieError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        let avant = store::get(&mut tx, id)
            .await?
            .ok_or(IngenierieError::Introuvable)?;
        if !self.gere_dispositif(Some(user), &avant).await? {
            return Err(IngenierieError::Interdit);
        }
        self.verifier_relais_de(Some(id), saisie, d.niveau)?;
        // Its relays must stay more local than it.
        let ix = self.dispositifs();
        if let Some(r) = ix
            .relais_de(id)
            .into_iter()
            .find(|r| r.fiche.dispositif.niveau <= d.niveau)
        {
            return Err(invalide(
                "niveau",
                format!(
                    "« {} » relaie ce dispositif au niveau {} : un dispositif est plus large que ses relais",
                    r.fiche.dispositif.nom,
                    r.fiche.dispositif.niveau.label_fr().to_lowercase()
                ),
            ));
        }
        let plie = fold(&d.nom);
        if let Some(autre) = store::homonymes(&mut tx, &plie, avant.porteur_id)
            .await?
            .into_iter()
            .find(|x| *x != id)
        {
            return Err(invalide(
                "nom",
                format!("cette organisation porte déjà un dispositif de ce nom (n° {autre})"),
            ));
        }
        let t = now();
        if !store::update(&mut tx, id, version, &d, &plie, t).await? {
            return Err(IngenierieError::Conflit);
        }
        changes::append(&mut tx, ENTITE, &id.to_string(), "update", t).await?;
        tx.commit().await?;
        self.recharger_dispositifs().await?;
        Ok(())
    }

    /// Adds a programme run by a scheme (its people, or staff).
    pub async fn creer_programme(
        &self,
        user: &CurrentUser,
        dispositif: i64,
        saisie: &alliances_domain::ingenieries::programme::ProgrammeSaisie,
    ) -> Result<i64, IngenierieError> {
        let p = alliances_domain::ingenieries::programme::valider_programme(
            saisie,
            &self.territoires().referentiel,
        )
        .map_err(IngenierieError::Invalide)?;
        let ix = self.dispositifs();
        let e = ix.get(dispositif).ok_or(IngenierieError::Introuvable)?;
        if !self.gere_dispositif(Some(user), &e.fiche).await? {
            return Err(IngenierieError::Interdit);
        }
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_programme(&mut tx, dispositif, &p, false, Some(user.id), t).await?;
        changes::append(&mut tx, ENTITE, &dispositif.to_string(), "programme", t).await?;
        tx.commit().await?;
        self.recharger_dispositifs().await?;
        Ok(id)
    }

    /// Programmes open today covering a territory (None: all open ones) for a profile.
    pub fn programmes_ouverts(
        &self,
        territoire: Option<(Niveau, &str)>,
        profil: Option<alliances_domain::annuaire::Profil>,
    ) -> Vec<std::sync::Arc<FicheProgramme>> {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let t = territoire.and_then(|(n, c)| r.find(n, c));
        let jour = alliances_domain::dates::iso(alliances_domain::dates::jour_de(now()));
        self.dispositifs().programmes_ouverts(r, t, profil, &jour)
    }

    /// A scheme's page: its carrier, its chain of relays, its articulation indicators.
    pub async fn dispositif(
        &self,
        user: Option<&CurrentUser>,
        id: i64,
    ) -> Result<VueDispositif, IngenierieError> {
        let ix = self.dispositifs();
        let e = ix.get(id).ok_or(IngenierieError::Introuvable)?;
        let fiche = std::sync::Arc::clone(&e.fiche);
        let porteur = match fiche.porteur_id {
            Some(p) => {
                let mut conn = self.db.pool().acquire().await?;
                organisations::get(&mut conn, p)
                    .await?
                    .map(|f| (f.id, f.org.nom))
            }
            None => None,
        };
        let mut chaine = Vec::new();
        let mut courant = fiche.dispositif.relais_de;
        while let Some(t) = courant {
            let Some(x) = ix.get(t) else { break };
            if chaine.iter().any(|(i, _)| *i == t) || chaine.len() > 16 {
                break;
            }
            chaine.push((t, x.fiche.dispositif.nom.clone()));
            courant = x.fiche.dispositif.relais_de;
        }
        let relais = ix
            .relais_de(id)
            .into_iter()
            .map(|r| (r.fiche.id, r.fiche.dispositif.nom.clone()))
            .collect();
        let articulation = articulation(&store::delais(&self.db, Some(id), None).await?);
        let gerer = self.gere_dispositif(user, &fiche).await?;
        Ok(VueDispositif {
            fiche,
            porteur,
            chaine,
            relais,
            articulation,
            gerer,
        })
    }

    /// « Qui peut m'aider ici ? »: the schemes covering the territory for the demand.
    pub fn qui_peut_aider(
        &self,
        niveau: Niveau,
        code: &str,
        demande: Demande,
    ) -> Option<Vec<Reponse>> {
        let territoires = self.territoires();
        let t = territoires.referentiel.find(niveau, code)?;
        Some(
            self.dispositifs()
                .qui_peut_aider(&territoires.referentiel, t, demande),
        )
    }

    /// Articulation indicators for the requesters of a département.
    pub async fn articulation_departement(&self, code: &str) -> Result<Articulation, AppError> {
        Ok(articulation(
            &store::delais(&self.db, None, Some(code)).await?,
        ))
    }

    /// Refers an organisation's request to a scheme. The author speaks for the referring scheme
    /// (a member of its carrier) or is a catalyseur of the requester's territory, or staff. A
    /// scheme that does not cover the requester's commune needs a reason (`raison`); without
    /// one the answer is `HorsCouverture`, saying so.
    #[allow(clippy::too_many_arguments)]
    pub async fn orienter(
        &self,
        user: &CurrentUser,
        de_dispositif: Option<i64>,
        vers_dispositif: i64,
        organisation: i64,
        service: Service,
        message: &str,
        raison: Option<&str>,
    ) -> Result<i64, IngenierieError> {
        let mut errs = Vec::new();
        let message = alliances_domain::annuaire::organisation::texte(
            "message",
            message,
            MESSAGE_MAX,
            &mut errs,
        );
        if message.is_none() && errs.is_empty() {
            errs.push(ChampErreur::new(
                "message",
                "obligatoire : la demande, en quelques phrases",
            ));
        }
        if !errs.is_empty() {
            return Err(IngenierieError::Invalide(errs));
        }
        let ix = self.dispositifs();
        let vers = ix
            .get(vers_dispositif)
            .ok_or_else(|| invalide("vers", "dispositif inconnu"))?;
        if !vers.fiche.dispositif.services.contains(&service) {
            return Err(invalide(
                "service",
                format!(
                    "« {} » ne propose pas ce service ({})",
                    vers.fiche.dispositif.nom,
                    service.label_fr()
                ),
            ));
        }
        let mut conn = self.db.pool().acquire().await?;
        let org = organisations::get(&mut conn, organisation)
            .await?
            .ok_or_else(|| invalide("organisation", "organisation inconnue"))?;
        drop(conn);
        let commune = org.org.commune.as_ref().map(|c| c.as_str().to_string());
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let t_commune = commune.as_deref().and_then(|c| r.find(Niveau::Commune, c));
        let code_departement = t_commune.map(|t| r.commune(t.idx).code_departement.clone());
        // Rights: the referring scheme's people, a catalyseur of the requester's territory, staff.
        let autorise = match de_dispositif {
            Some(de) => {
                let e = ix
                    .get(de)
                    .ok_or_else(|| invalide("de", "dispositif inconnu"))?;
                self.gere_dispositif(Some(user), &e.fiche).await?
            }
            None => {
                can(Some(user), Action::Moderer)
                    || match t_commune {
                        Some(_) => {
                            self.est_catalyseur_de(
                                user,
                                Niveau::Commune,
                                commune.as_deref().unwrap_or(""),
                            )
                            .await?
                        }
                        None => false,
                    }
            }
        };
        if !autorise {
            return Err(IngenierieError::Interdit);
        }
        if Some(vers_dispositif) == de_dispositif {
            return Err(invalide(
                "vers",
                "un dispositif ne s'oriente pas une demande à lui-même",
            ));
        }
        let couvre = match t_commune {
            Some(t) => ix
                .qui_peut_aider(r, t, Demande::default())
                .iter()
                .any(|x| x.entree.fiche.id == vers_dispositif),
            None => vers.fiche.dispositif.est_national(),
        };
        let raison = raison.map(str::trim).filter(|s| !s.is_empty());
        if !couvre && raison.is_none() {
            return Err(IngenierieError::HorsCouverture(format!(
                "« {} » ne couvre pas la commune de {} : dites pourquoi l'orienter quand même (raison), ou choisissez un dispositif qui la couvre",
                vers.fiche.dispositif.nom, org.org.nom
            )));
        }
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_orientation(
            &mut tx,
            &NouvelleOrientation {
                de_dispositif,
                vers_dispositif,
                organisation_id: organisation,
                service,
                message: message.as_deref().unwrap_or_default(),
                code_departement: code_departement.as_deref(),
                raison_hors_couverture: if couvre { None } else { raison },
                auteur_id: Some(user.id),
            },
            t,
        )
        .await?;
        // The territory dashboards count referrals (every instance follows the feed).
        changes::append(
            &mut tx,
            crate::tableaux::ENTITE_ORIENTATION,
            &id.to_string(),
            "create",
            t,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The receiving scheme moves a referral on: takes it in charge, closes it with an outcome,
    /// or redirects it to another scheme (a new referral is sent there, from this scheme).
    #[allow(clippy::too_many_arguments)]
    pub async fn avancer_orientation(
        &self,
        user: &CurrentUser,
        id: i64,
        version: i64,
        vers: EtatOrientation,
        issue: Option<Issue>,
        commentaire: Option<&str>,
        redirection: Option<i64>,
    ) -> Result<(), IngenierieError> {
        let mut conn = self.db.pool().acquire().await?;
        let o: Orientation = store::orientation_par_id(&mut conn, id)
            .await?
            .ok_or(IngenierieError::Introuvable)?;
        drop(conn);
        let ix = self.dispositifs();
        let cible = ix
            .get(o.vers_dispositif)
            .ok_or(IngenierieError::Introuvable)?;
        if !self.gere_dispositif(Some(user), &cible.fiche).await? {
            return Err(IngenierieError::Interdit);
        }
        if !transition_permise(o.etat, vers) {
            return Err(IngenierieError::Refus(format!(
                "une orientation « {} » ne peut pas passer à « {} »",
                o.etat.label_fr().to_lowercase(),
                vers.label_fr().to_lowercase()
            )));
        }
        if vers == EtatOrientation::Cloturee && issue.is_none() {
            return Err(invalide("issue", "dites comment la demande s'est conclue"));
        }
        let nouvelle = if vers == EtatOrientation::Redirigee {
            let Some(autre) = redirection else {
                return Err(invalide(
                    "redirection",
                    "choisissez le dispositif vers lequel rediriger",
                ));
            };
            Some(
                Box::pin(self.orienter(
                    user,
                    Some(o.vers_dispositif),
                    autre,
                    o.organisation_id,
                    o.service,
                    &o.message,
                    commentaire.or(Some("redirection")),
                ))
                .await?,
            )
        } else {
            None
        };
        let mut tx = self.db.begin_write().await?;
        if !store::avancer_orientation(
            &mut tx,
            id,
            version,
            vers,
            issue,
            commentaire,
            nouvelle,
            now(),
        )
        .await?
        {
            return Err(IngenierieError::Conflit);
        }
        changes::append(
            &mut tx,
            crate::tableaux::ENTITE_ORIENTATION,
            &id.to_string(),
            "update",
            now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Referrals received or sent by a scheme (its people only), with the requesting
    /// organisation's name.
    pub async fn orientations(
        &self,
        user: &CurrentUser,
        dispositif: i64,
    ) -> Result<Vec<(Orientation, String)>, IngenierieError> {
        let ix = self.dispositifs();
        let e = ix.get(dispositif).ok_or(IngenierieError::Introuvable)?;
        if !self.gere_dispositif(Some(user), &e.fiche).await? {
            return Err(IngenierieError::Interdit);
        }
        let liste = store::orientations_du_dispositif(&self.db, dispositif).await?;
        let mut conn = self.db.pool().acquire().await?;
        let mut out = Vec::with_capacity(liste.len());
        for o in liste {
            let nom = organisations::get(&mut conn, o.organisation_id)
                .await?
                .map(|f| f.org.nom)
                .unwrap_or_default();
            out.push((o, nom));
        }
        Ok(out)
    }

    /// For each EPCI of a département, how many schemes run at departmental or local level
    /// cover it, per service (in `Service::ALL` order): schemes naming the EPCI, its
    /// département when it lies in one, or one of the EPCIs' communes are not counted — only
    /// coverage of the whole EPCI.
    pub fn couverture_epcis(&self, code_departement: &str) -> Vec<(TerritoireRef, Vec<usize>)> {
        let territoires = self.territoires();
        let r = &territoires.referentiel;
        let Some(d) = r.find_departement(code_departement) else {
            return Vec::new();
        };
        let ix = self.dispositifs();
        r.epcis_of_departement(d)
            .iter()
            .map(|&e| {
                let t = TerritoireRef {
                    niveau: Niveau::Epci,
                    idx: e,
                };
                let mut n = vec![0; Service::ALL.len()];
                for x in ix.qui_peut_aider(r, t, Demande::default()) {
                    let d = &x.entree.fiche.dispositif;
                    if matches!(
                        d.niveau,
                        alliances_domain::ingenieries::NiveauDispositif::Departemental
                            | alliances_domain::ingenieries::NiveauDispositif::Local
                    ) {
                        for s in &d.services {
                            n[s.index()] += 1;
                        }
                    }
                }
                (t, n)
            })
            .collect()
    }
}
