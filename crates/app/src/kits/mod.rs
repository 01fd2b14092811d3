//! Taking kits: passations on behalf of oneself, an organisation (its members), a territory (its
//! catalyseurs) or a group of partners; answers saved section by section; results with the
//! level, recommendations, history and the peer benchmark; the synthesis of a group.
//!
//! Anonymous visitors take a kit without any of this: the web layer scores their answers with
//! [`alliances_domain::kits::Kit::noter`] and stores nothing.

pub mod catalogue;
pub mod demo;

use std::collections::HashMap;
use std::sync::Arc;

use alliances_domain::kits::pairs::{ecarts, part_en_dessous, Ecart};
use alliances_domain::kits::{ErreurReponse, Kit, Public, Reponses, Resultat};
use alliances_domain::territoires::Niveau;
use alliances_store::kits::{self as store, Groupe, Passation, Terminaison};
use alliances_store::{memberships, organisations, StoreError};

use crate::comptes::{random_token, token_hash, CurrentUser};
use crate::{now, App, AppError};
pub use catalogue::Catalogue;

/// On whose behalf a kit is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sujet {
    /// For oneself (results in « Mes résultats » only).
    Personnel,
    Organisation(i64),
    Territoire(Niveau, String),
    Groupe(i64),
}

impl Sujet {
    pub fn type_slug(&self) -> &'static str {
        match self {
            Sujet::Personnel => "personnel",
            Sujet::Organisation(_) => "organisation",
            Sujet::Territoire(..) => "territoire",
            Sujet::Groupe(_) => "groupe",
        }
    }
    pub fn code(&self) -> String {
        match self {
            Sujet::Personnel => String::new(),
            Sujet::Organisation(id) | Sujet::Groupe(id) => id.to_string(),
            Sujet::Territoire(n, c) => format!("{}:{c}", n.slug()),
        }
    }
    fn depuis(type_slug: &str, code: &str) -> Option<Sujet> {
        Some(match type_slug {
            "personnel" => Sujet::Personnel,
            "organisation" => Sujet::Organisation(code.parse().ok()?),
            "groupe" => Sujet::Groupe(code.parse().ok()?),
            "territoire" => {
                let (n, c) = code.split_once(':')?;
                Sujet::Territoire(Niveau::from_slug(n)?, c.to_string())
            }
            _ => return None,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KitError {
    #[error("kit inconnu")]
    KitInconnu,
    #[error("la version {version} du kit {id} n'existe plus sur cette plateforme : ce résultat ne peut pas être relu")]
    VersionInconnue { id: String, version: i64 },
    #[error("passation introuvable")]
    Introuvable,
    #[error("vous n'avez pas accès à cette passation")]
    Interdit,
    #[error("{0}")]
    Refus(String),
    #[error("réponses invalides")]
    Reponses(Vec<ErreurReponse>),
    #[error("cette passation est terminée : ses réponses ne changent plus")]
    Terminee,
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for KitError {
    fn from(e: StoreError) -> Self {
        KitError::App(AppError::Store(e))
    }
}

impl From<alliances_store::SqlxError> for KitError {
    fn from(e: alliances_store::SqlxError) -> Self {
        KitError::App(AppError::Store(StoreError::from(e)))
    }
}

/// A passation with its kit and its answers.
#[derive(Debug, Clone)]
pub struct PassationVue {
    pub passation: Passation,
    pub kit: Arc<Kit>,
    pub reponses: Reponses,
    pub sujet: Sujet,
    /// The organisation's name, the territory's, the group's title; empty for oneself.
    pub sujet_nom: String,
}

/// A completed passation, scored.
#[derive(Debug, Clone)]
pub struct ResultatVue {
    pub vue: PassationVue,
    pub resultat: Resultat,
    /// Per dimension: the share of peers below (only with enough peers and a score).
    pub pairs: Vec<Option<u32>>,
    /// Peers with a result (same kit version, profile and size band), when the subject is an
    /// organisation.
    pub nb_pairs: Option<usize>,
    /// The subject's other completed results of this kit, most recent first.
    pub historique: Vec<Passation>,
    /// Where the recommendations' links look (`niveau:code`): the territory itself, or the
    /// département of the organisation's headquarters.
    pub territoire: Option<String>,
}

/// The answers of the partners of a group, compared.
#[derive(Debug, Clone)]
pub struct SyntheseVue {
    pub groupe: Groupe,
    pub kit: Arc<Kit>,
    /// Completed passations (the partners' answers), with the partner's name.
    pub partenaires: Vec<(String, Passation)>,
    /// Started but not completed.
    pub en_cours: usize,
    pub ecarts: Vec<Ecart>,
    /// Dimension scores of each completed partner, in `partenaires` order.
    pub scores: Vec<Resultat>,
    pub est_createur: bool,
}

fn cle() -> String {
    random_token()[..24].to_string()
}

impl App {
    /// The kits being served.
    pub fn kits(&self) -> Arc<Catalogue> {
        self.kits.load_full()
    }

    /// Serves another catalogue (kits read from a folder at start).
    pub fn remplacer_kits(&self, c: Catalogue) {
        self.kits.store(Arc::new(c));
    }

    fn kit_de(&self, p: &Passation) -> Result<Arc<Kit>, KitError> {
        u32::try_from(p.kit_version)
            .ok()
            .and_then(|v| self.kits().version(&p.kit_id, v).cloned())
            .ok_or_else(|| KitError::VersionInconnue {
                id: p.kit_id.clone(),
                version: p.kit_version,
            })
    }

    async fn est_membre(&self, user: &CurrentUser, organisation: i64) -> Result<bool, KitError> {
        let mut conn = self.db.pool().acquire().await?;
        Ok(memberships::role_of(&mut conn, user.id, organisation)
            .await?
            .is_some())
    }

    /// Catalyseur of the territory or of one of its ancestors.
    async fn est_catalyseur(
        &self,
        user: &CurrentUser,
        niveau: Niveau,
        code: &str,
    ) -> Result<bool, KitError> {
        Ok(self.est_catalyseur_de(user, niveau, code).await?)
    }

    async fn nom_du_sujet(&self, sujet: &Sujet) -> Result<String, KitError> {
        Ok(match sujet {
            Sujet::Personnel => String::new(),
            Sujet::Organisation(id) => {
                let mut conn = self.db.pool().acquire().await?;
                organisations::get(&mut conn, *id)
                    .await?
                    .map(|f| f.org.nom)
                    .unwrap_or_else(|| format!("organisation {id}"))
            }
            Sujet::Territoire(n, c) => {
                let t = self.territoires();
                t.referentiel
                    .find(*n, c)
                    .map(|x| t.referentiel.nom(x).to_string())
                    .unwrap_or_else(|| c.clone())
            }
            Sujet::Groupe(id) => store::groupe_par_id(&self.db, *id)
                .await?
                .map(|g| g.titre)
                .unwrap_or_default(),
        })
    }

    /// Whether `user` may take `kit` on behalf of `sujet`.
    async fn verifier_sujet(
        &self,
        user: &CurrentUser,
        kit: &Kit,
        sujet: &Sujet,
    ) -> Result<(), KitError> {
        match sujet {
            Sujet::Personnel => Ok(()),
            Sujet::Organisation(id) => {
                if kit.public != Public::Organisation {
                    return Err(KitError::Refus(format!(
                        "le kit « {} » s'adresse à un public « {} », pas à une organisation",
                        kit.titre,
                        kit.public.label_fr().to_lowercase()
                    )));
                }
                if self.est_membre(user, *id).await? {
                    Ok(())
                } else {
                    Err(KitError::Refus(
                        "seuls les membres d'une organisation peuvent passer un kit en son nom"
                            .into(),
                    ))
                }
            }
            Sujet::Territoire(n, c) => {
                if kit.public != Public::Territoire {
                    return Err(KitError::Refus(format!(
                        "le kit « {} » ne s'adresse pas à un territoire",
                        kit.titre
                    )));
                }
                if self.territoires().referentiel.find(*n, c).is_none() {
                    return Err(KitError::Refus(format!(
                        "territoire {}:{c} inconnu",
                        n.slug()
                    )));
                }
                if self.est_catalyseur(user, *n, c).await? {
                    Ok(())
                } else {
                    Err(KitError::Refus(
                        "seuls les catalyseurs territoriaux de ce territoire peuvent passer ce kit en son nom".into(),
                    ))
                }
            }
            // Checked by `rejoindre_groupe` (the invitation link).
            Sujet::Groupe(_) => Ok(()),
        }
    }

    /// Starts a passation of the latest version of a kit; returns its key.
    pub async fn commencer_kit(
        &self,
        user: &CurrentUser,
        kit_id: &str,
        sujet: Sujet,
    ) -> Result<String, KitError> {
        let kit = self
            .kits()
            .dernier(kit_id)
            .cloned()
            .ok_or(KitError::KitInconnu)?;
        if matches!(sujet, Sujet::Groupe(_)) {
            return Err(KitError::Refus(
                "on rejoint un groupe par son lien d'invitation".into(),
            ));
        }
        self.verifier_sujet(user, &kit, &sujet).await?;
        self.inserer_passation(user, &kit, &sujet, None, "{}").await
    }

    async fn inserer_passation(
        &self,
        user: &CurrentUser,
        kit: &Kit,
        sujet: &Sujet,
        groupe_id: Option<i64>,
        reponses: &str,
    ) -> Result<String, KitError> {
        let t = now();
        let p = Passation {
            id: 0,
            cle: cle(),
            kit_id: kit.id.clone(),
            kit_version: i64::from(kit.version),
            user_id: user.id,
            sujet_type: sujet.type_slug().into(),
            sujet_code: sujet.code(),
            groupe_id,
            reponses: reponses.into(),
            section_courante: 0,
            version: 1,
            created_at: t,
            updated_at: t,
            terminee_at: None,
            score_global: None,
            niveau: None,
            scores: None,
            profil: None,
            taille: None,
        };
        let mut conn = self.db.pool().acquire().await?;
        store::insert(&mut conn, &p).await?;
        Ok(p.cle)
    }

    fn vue(&self, passation: Passation, sujet_nom: String) -> Result<PassationVue, KitError> {
        let kit = self.kit_de(&passation)?;
        let json: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&passation.reponses).map_err(|e| {
                AppError::Internal(format!(
                    "réponses de la passation {} illisibles : {e}",
                    passation.cle
                ))
            })?;
        let reponses = kit.lire_reponses_json(&json).map_err(|e| {
            AppError::Internal(format!(
                "réponses de la passation {} refusées par le kit {} v{} : {}",
                passation.cle,
                kit.id,
                kit.version,
                e.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?;
        let sujet =
            Sujet::depuis(&passation.sujet_type, &passation.sujet_code).unwrap_or(Sujet::Personnel);
        Ok(PassationVue {
            passation,
            kit,
            reponses,
            sujet,
            sujet_nom,
        })
    }

    /// Whether `user` may read a passation: its author; the members of its organisation; the
    /// catalyseurs of its territory; the partners of its group.
    async fn peut_lire(&self, user: &CurrentUser, p: &Passation) -> Result<bool, KitError> {
        if p.user_id == user.id {
            return Ok(true);
        }
        Ok(match Sujet::depuis(&p.sujet_type, &p.sujet_code) {
            Some(Sujet::Organisation(id)) => self.est_membre(user, id).await?,
            Some(Sujet::Territoire(n, c)) => self.est_catalyseur(user, n, &c).await?,
            Some(Sujet::Groupe(g)) => self.dans_le_groupe(user, g).await?,
            _ => false,
        })
    }

    async fn dans_le_groupe(&self, user: &CurrentUser, groupe: i64) -> Result<bool, KitError> {
        let mut conn = self.db.pool().acquire().await?;
        if store::dans_le_groupe(&mut conn, groupe, user.id)
            .await?
            .is_some()
        {
            return Ok(true);
        }
        let Some(g) = store::groupe_par_id(&self.db, groupe).await? else {
            return Ok(false);
        };
        if g.cree_par == user.id {
            return Ok(true);
        }
        // The evaluation of an alliance is read by its members.
        match g.alliance_id {
            Some(a) => Ok(self
                .acteur_alliance(Some(user), a)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .est_membre()),
            None => Ok(false),
        }
    }

    /// A passation its author is taking (or has completed).
    pub async fn passation(&self, user: &CurrentUser, cle: &str) -> Result<PassationVue, KitError> {
        let mut conn = self.db.pool().acquire().await?;
        let p = store::par_cle(&mut conn, cle)
            .await?
            .ok_or(KitError::Introuvable)?;
        drop(conn);
        if p.user_id != user.id {
            // Others read results, never someone's form.
            return Err(if self.peut_lire(user, &p).await? {
                KitError::Interdit
            } else {
                KitError::Introuvable
            });
        }
        let sujet = Sujet::depuis(&p.sujet_type, &p.sujet_code).unwrap_or(Sujet::Personnel);
        let nom = self.nom_du_sujet(&sujet).await?;
        self.vue(p, nom)
    }

    /// Saves the answers of one section (merged into the others, in one transaction) and where
    /// the author is. Invalid answers: nothing is saved, every error is returned.
    pub async fn enregistrer_section(
        &self,
        user: &CurrentUser,
        cle: &str,
        section: usize,
        champs: &[(String, Vec<String>)],
        section_courante: usize,
    ) -> Result<PassationVue, KitError> {
        let mut tx = self.db.begin_write().await?;
        let p = store::par_cle(&mut tx, cle)
            .await?
            .ok_or(KitError::Introuvable)?;
        if p.user_id != user.id {
            return Err(KitError::Introuvable);
        }
        if p.terminee_at.is_some() {
            return Err(KitError::Terminee);
        }
        let mut vue = self.vue(p, String::new())?;
        let kit = Arc::clone(&vue.kit);
        if section >= kit.sections.len() {
            return Err(KitError::Refus(format!(
                "section {section} inconnue dans ce kit"
            )));
        }
        let lues = kit
            .lire_section(section, champs)
            .map_err(KitError::Reponses)?;
        for (q, r) in lues {
            vue.reponses.0[q] = r;
        }
        let json = serde_json::Value::Object(kit.reponses_json(&vue.reponses)).to_string();
        let courante = section_courante.min(kit.sections.len());
        store::enregistrer(
            &mut tx,
            vue.passation.id,
            vue.passation.version,
            &json,
            courante as i64,
            now(),
        )
        .await?;
        tx.commit().await?;
        vue.passation.reponses = json;
        vue.passation.section_courante = courante as i64;
        vue.passation.version += 1;
        Ok(vue)
    }

    /// Completes a passation: the required questions must be answered; the scores are stored
    /// (history, peers). Returns the result's key.
    pub async fn terminer_kit(&self, user: &CurrentUser, cle: &str) -> Result<String, KitError> {
        let mut tx = self.db.begin_write().await?;
        let p = store::par_cle(&mut tx, cle)
            .await?
            .ok_or(KitError::Introuvable)?;
        if p.user_id != user.id {
            return Err(KitError::Introuvable);
        }
        if p.terminee_at.is_some() {
            return Ok(p.cle);
        }
        let vue = self.vue(p, String::new())?;
        let kit = &vue.kit;
        let manquantes: Vec<ErreurReponse> = (0..kit.sections.len())
            .flat_map(|s| kit.manquantes(s, &vue.reponses))
            .collect();
        if !manquantes.is_empty() {
            return Err(KitError::Reponses(manquantes));
        }
        let r = kit.noter(&vue.reponses);
        let scores: serde_json::Map<String, serde_json::Value> = kit
            .dimensions
            .iter()
            .zip(&r.dimensions)
            .map(|(d, s)| {
                (
                    d.id.clone(),
                    s.score
                        .map_or(serde_json::Value::Null, serde_json::Value::from),
                )
            })
            .collect();
        let (profil, taille) = match vue.sujet {
            Sujet::Organisation(id) => match organisations::get(&mut tx, id).await? {
                Some(f) => (
                    Some(f.org.profil.slug().to_string()),
                    Some(f.org.taille.map(|t| t.slug()).unwrap_or("").to_string()),
                ),
                None => (None, None),
            },
            _ => (None, None),
        };
        let scores = serde_json::Value::Object(scores).to_string();
        let ok = store::terminer(
            &mut tx,
            vue.passation.id,
            vue.passation.version,
            &Terminaison {
                score_global: r.global,
                niveau: r.niveau.map(|n| n as i64),
                scores: &scores,
                profil: profil.as_deref(),
                taille: taille.as_deref(),
            },
            now(),
        )
        .await?;
        if !ok {
            return Err(KitError::Refus(
                "la passation a changé entre-temps : réessayez".into(),
            ));
        }
        // An organisation's ODD 17 result is its partnership maturity in the matching index:
        // announce it on the change feed so that every instance re-reads the organisation.
        if let Sujet::Organisation(id) = vue.sujet {
            if vue.passation.kit_id == crate::relation::index::KIT_MATURITE {
                alliances_store::changes::append(
                    &mut tx,
                    crate::annuaire::ENTITE,
                    &id.to_string(),
                    "kit",
                    now(),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(vue.passation.cle)
    }

    /// A completed result, scored, with its history and peers. Readable by the author, the
    /// members of its organisation, the catalyseurs of its territory, the partners of its group.
    pub async fn resultat_kit(
        &self,
        user: &CurrentUser,
        cle: &str,
    ) -> Result<ResultatVue, KitError> {
        let mut conn = self.db.pool().acquire().await?;
        let p = store::par_cle(&mut conn, cle)
            .await?
            .ok_or(KitError::Introuvable)?;
        drop(conn);
        if !self.peut_lire(user, &p).await? {
            return Err(KitError::Introuvable);
        }
        if p.terminee_at.is_none() {
            return Err(KitError::Refus("cette passation n'est pas terminée".into()));
        }
        let sujet = Sujet::depuis(&p.sujet_type, &p.sujet_code).unwrap_or(Sujet::Personnel);
        let nom = self.nom_du_sujet(&sujet).await?;
        let vue = self.vue(p, nom)?;
        let resultat = vue.kit.noter(&vue.reponses);
        let historique = match &vue.sujet {
            Sujet::Personnel | Sujet::Groupe(_) => store::de_l_utilisateur(&self.db, user.id, 200)
                .await?
                .into_iter()
                .filter(|x| {
                    x.kit_id == vue.passation.kit_id
                        && x.terminee_at.is_some()
                        && x.sujet_type == vue.passation.sujet_type
                        && x.sujet_code == vue.passation.sujet_code
                })
                .collect(),
            s => store::du_sujet(&self.db, s.type_slug(), &s.code(), &vue.passation.kit_id).await?,
        };
        let (pairs, nb_pairs) = self.pairs(&vue, &resultat).await?;
        let territoire = match &vue.sujet {
            Sujet::Territoire(n, c) => Some(format!("{}:{c}", n.slug())),
            Sujet::Organisation(id) => {
                let mut conn = self.db.pool().acquire().await?;
                organisations::get(&mut conn, *id)
                    .await?
                    .and_then(|f| f.org.commune)
                    .map(|c| format!("departement:{}", c.departement_prefix()))
            }
            _ => None,
        };
        Ok(ResultatVue {
            vue,
            resultat,
            pairs,
            nb_pairs,
            historique,
            territoire,
        })
    }

    async fn pairs(
        &self,
        vue: &PassationVue,
        r: &Resultat,
    ) -> Result<(Vec<Option<u32>>, Option<usize>), KitError> {
        let p = &vue.passation;
        let (Some(profil), Some(taille)) = (&p.profil, &p.taille) else {
            return Ok((vec![None; r.dimensions.len()], None));
        };
        let lignes = store::pairs(
            &self.db,
            &p.kit_id,
            p.kit_version,
            profil,
            taille,
            &p.sujet_code,
        )
        .await?;
        let mut par_dim: HashMap<&str, Vec<f64>> = HashMap::new();
        let decodes: Vec<serde_json::Map<String, serde_json::Value>> = lignes
            .iter()
            .filter_map(|(_, s)| serde_json::from_str(s).ok())
            .collect();
        for m in &decodes {
            for d in &vue.kit.dimensions {
                if let Some(v) = m.get(&d.id).and_then(serde_json::Value::as_f64) {
                    par_dim.entry(d.id.as_str()).or_default().push(v);
                }
            }
        }
        let pairs = vue
            .kit
            .dimensions
            .iter()
            .zip(&r.dimensions)
            .map(|(d, s)| {
                let scores = par_dim.get(d.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
                s.score.and_then(|x| part_en_dessous(x, scores))
            })
            .collect();
        Ok((pairs, Some(lignes.len())))
    }

    /// The user's passations, most recent first.
    pub async fn mes_passations(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(Passation, String)>, KitError> {
        let ps = store::de_l_utilisateur(&self.db, user.id, 200).await?;
        let mut out = Vec::with_capacity(ps.len());
        for p in ps {
            let sujet = Sujet::depuis(&p.sujet_type, &p.sujet_code).unwrap_or(Sujet::Personnel);
            let nom = self.nom_du_sujet(&sujet).await?;
            out.push((p, nom));
        }
        Ok(out)
    }

    /// Creates a group of partners for a partnership or alliance kit; returns the group's key and
    /// the invitation token (shown once), and starts the creator's own passation.
    pub async fn creer_groupe(
        &self,
        user: &CurrentUser,
        kit_id: &str,
        titre: &str,
    ) -> Result<(String, String), KitError> {
        let kit = self
            .kits()
            .dernier(kit_id)
            .cloned()
            .ok_or(KitError::KitInconnu)?;
        if !matches!(kit.public, Public::Partenariat | Public::Alliance) {
            return Err(KitError::Refus(format!(
                "le kit « {} » se passe seul : pas de groupe de partenaires",
                kit.titre
            )));
        }
        let titre = titre.trim();
        if titre.is_empty() || titre.chars().count() > 200 {
            return Err(KitError::Reponses(vec![ErreurReponse {
                question: "titre".into(),
                message: "nommez le partenariat ou l'alliance (200 caractères au plus)".into(),
            }]));
        }
        let jeton = random_token();
        let g = Groupe {
            id: 0,
            cle: cle(),
            kit_id: kit.id.clone(),
            titre: titre.to_string(),
            jeton_hash: token_hash(&jeton),
            cree_par: user.id,
            created_at: now(),
            alliance_id: None,
        };
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_groupe(&mut tx, &g).await?;
        tx.commit().await?;
        self.inserer_passation(user, &kit, &Sujet::Groupe(id), Some(id), "{}")
            .await?;
        Ok((g.cle, jeton))
    }

    /// Joins a group through its invitation token; returns the user's passation key (the
    /// existing one if they already joined).
    pub async fn rejoindre_groupe(
        &self,
        user: &CurrentUser,
        jeton: &str,
    ) -> Result<String, KitError> {
        let mut conn = self.db.pool().acquire().await?;
        let g = store::groupe_par_jeton(&mut conn, &token_hash(jeton))
            .await?
            .ok_or_else(|| {
                KitError::Refus(
                    "lien d'invitation inconnu : demandez-le à nouveau à qui vous l'a envoyé"
                        .into(),
                )
            })?;
        if let Some(p) = store::dans_le_groupe(&mut conn, g.id, user.id).await? {
            return Ok(p.cle);
        }
        drop(conn);
        let kit = self
            .kits()
            .dernier(&g.kit_id)
            .cloned()
            .ok_or(KitError::KitInconnu)?;
        self.inserer_passation(user, &kit, &Sujet::Groupe(g.id), Some(g.id), "{}")
            .await
    }

    /// The group's synthesis: the partners' completed answers compared question by question.
    pub async fn synthese_groupe(
        &self,
        user: &CurrentUser,
        cle_groupe: &str,
    ) -> Result<SyntheseVue, KitError> {
        let g = store::groupe_par_cle(&self.db, cle_groupe)
            .await?
            .ok_or(KitError::Introuvable)?;
        if !self.dans_le_groupe(user, g.id).await? {
            return Err(KitError::Introuvable);
        }
        self.synthese(g, user.id).await
    }

    /// The synthesis of an alliance's evaluation (None before any member started the grid).
    /// The caller has checked that the reader may see the alliance; members read everything,
    /// others only the scores, without names nor the question-by-question comparison.
    pub async fn evaluation_alliance(
        &self,
        user: Option<&CurrentUser>,
        alliance: i64,
    ) -> Result<Option<SyntheseVue>, KitError> {
        let Some(g) =
            store::groupe_de_l_alliance(&mut *self.db.pool().acquire().await?, alliance).await?
        else {
            return Ok(None);
        };
        let membre = self
            .acteur_alliance(user, alliance)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .est_membre();
        let mut s = self.synthese(g, user.map_or(0, |u| u.id)).await?;
        if !membre {
            for (i, (nom, _)) in s.partenaires.iter_mut().enumerate() {
                *nom = format!("Partenaire {}", i + 1);
            }
            s.ecarts.clear();
        }
        Ok(Some(s))
    }

    async fn synthese(&self, g: Groupe, lecteur: i64) -> Result<SyntheseVue, KitError> {
        let toutes = store::du_groupe(&self.db, g.id).await?;
        let en_cours = toutes.iter().filter(|p| p.terminee_at.is_none()).count();
        // Every partner's answers are compared on one version: the latest any of them used.
        let version = toutes
            .iter()
            .filter(|p| p.terminee_at.is_some())
            .map(|p| p.kit_version)
            .max();
        let kit = match version {
            Some(v) => u32::try_from(v)
                .ok()
                .and_then(|v| self.kits().version(&g.kit_id, v).cloned()),
            None => self.kits().dernier(&g.kit_id).cloned(),
        }
        .ok_or(KitError::KitInconnu)?;
        let mut partenaires = Vec::new();
        let mut reponses = Vec::new();
        for p in toutes
            .into_iter()
            .filter(|p| p.terminee_at.is_some() && i64::from(kit.version) == p.kit_version)
        {
            let nom = alliances_store::users::by_id(&self.db, p.user_id)
                .await?
                .map(|u| u.name)
                .unwrap_or_default();
            let vue = self.vue(p, String::new())?;
            reponses.push(vue.reponses);
            partenaires.push((nom, vue.passation));
        }
        let scores = reponses.iter().map(|r| kit.noter(r)).collect();
        Ok(SyntheseVue {
            ecarts: ecarts(&kit, &reponses),
            est_createur: g.cree_par == lecteur,
            groupe: g,
            kit,
            partenaires,
            en_cours,
            scores,
        })
    }
}

impl App {
    /// A member of an alliance answers its partnership evaluation grid: the alliance's group is
    /// created on first use; returns the user's passation key (the existing one if they already
    /// started). The synthesis is readable by every member of the alliance.
    pub async fn evaluer_alliance(
        &self,
        user: &CurrentUser,
        alliance: i64,
    ) -> Result<String, KitError> {
        let acteur = self
            .acteur_alliance(Some(user), alliance)
            .await
            .map_err(|e| match e {
                crate::alliances::AllianceError::Introuvable => KitError::Introuvable,
                other => KitError::App(AppError::Internal(other.to_string())),
            })?;
        if acteur.membres.is_empty() {
            return Err(KitError::Refus(
                "seuls les membres de l'alliance répondent à sa grille d'évaluation".into(),
            ));
        }
        let kit = self
            .kits()
            .dernier(KIT_EVALUATION)
            .cloned()
            .ok_or(KitError::KitInconnu)?;
        let mut tx = self.db.begin_write().await?;
        let groupe = match store::groupe_de_l_alliance(&mut tx, alliance).await? {
            Some(g) => g,
            None => {
                let nom = alliances_store::alliances::get(&mut tx, alliance)
                    .await?
                    .map(|f| f.alliance.nom)
                    .ok_or(KitError::Introuvable)?;
                let mut g = Groupe {
                    id: 0,
                    cle: cle(),
                    kit_id: kit.id.clone(),
                    titre: format!("Évaluation — {nom}"),
                    // No invitation link: membership of the alliance is the access.
                    jeton_hash: token_hash(&random_token()),
                    cree_par: user.id,
                    created_at: now(),
                    alliance_id: Some(alliance),
                };
                g.id = store::insert_groupe(&mut tx, &g).await?;
                g
            }
        };
        if let Some(p) = store::dans_le_groupe(&mut tx, groupe.id, user.id).await? {
            return Ok(p.cle);
        }
        tx.commit().await?;
        self.inserer_passation(user, &kit, &Sujet::Groupe(groupe.id), Some(groupe.id), "{}")
            .await
    }
}

/// The kit of the partnership evaluation grid.
pub const KIT_EVALUATION: &str = "evaluation-partenariat";
