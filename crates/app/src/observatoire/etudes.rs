//! The observatory's use cases: studies and waves run by analysts (definition, microdata
//! import, margins and quotas, calibration, publication), and what everyone else sees — the
//! published waves only. Microdata never leave this layer: pages and the API get aggregates.

use alliances_domain::annuaire::ChampErreur;
use alliances_domain::kits::{lire_questionnaire, Kit};
use alliances_domain::observatoire::etude::{
    avancement, lire_quotas, valider_etude, valider_vague, verifier_variables_marges, Cellule,
    EtudeSaisie, VagueSaisie,
};
use alliances_domain::observatoire::microdonnees::{self, ErreurLigne};
use alliances_domain::observatoire::resultats::{Methodologie, Resultats};
use alliances_store::observatoire::{
    self as store, DefinitionVague, Etude, NouvelleEtude, ReglagesCalage, Vague,
};
use alliances_store::StoreError;

use super::calcul;
use super::messages;
use crate::comptes::CurrentUser;
use crate::politique::{can, Action};
use crate::{now, App, AppError};

/// Why an observatory action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ObservatoireError {
    #[error("données invalides")]
    Invalide(Vec<ChampErreur>),
    /// A microdata file with errors: the first ones (line, column, why) and their total.
    #[error("{total} erreur(s) dans le fichier")]
    Fichier {
        erreurs: Vec<ErreurLigne>,
        total: usize,
    },
    #[error("étude ou vague introuvable")]
    Introuvable,
    #[error("réservé aux analystes de l'observatoire")]
    Interdit,
    #[error("cette vague a été modifiée entre-temps : rechargez-la et refaites vos changements")]
    Conflit,
    #[error("{0}")]
    Refus(String),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for ObservatoireError {
    fn from(e: StoreError) -> Self {
        ObservatoireError::App(AppError::Store(e))
    }
}

impl From<alliances_store::SqlxError> for ObservatoireError {
    fn from(e: alliances_store::SqlxError) -> Self {
        ObservatoireError::App(AppError::Store(StoreError::from(e)))
    }
}

fn invalide(champ: &'static str, message: impl Into<String>) -> ObservatoireError {
    ObservatoireError::Invalide(vec![ChampErreur::new(champ, message)])
}

/// A wave with its questionnaire read.
#[derive(Debug, Clone)]
pub struct VagueLue {
    pub vague: Vague,
    pub kit: Kit,
    pub resultats: Option<Resultats>,
}

/// What an analyst sees of a wave.
#[derive(Debug, Clone)]
pub struct TableauVague {
    pub etude: Etude,
    pub lue: VagueLue,
    /// Respondents (imported, online).
    pub effectifs: (i64, i64),
    /// Quota cells with their progress.
    pub quotas: Vec<Cellule>,
    /// Invitations (created, completed, screened out).
    pub invitations: (i64, i64, i64),
    /// The last calibration's methodology (diagnostics), if it is still valid.
    pub calage: Option<Methodologie>,
}

/// What the analyst's calibration form sends.
#[derive(Debug, Clone, Default)]
pub struct ReglagesSaisie {
    pub marges: String,
    pub quotas: String,
    pub methode: String,
    /// `L,U` or empty.
    pub bornes: String,
    /// `L,U` or empty.
    pub rognage: String,
}

pub(crate) fn lire_vague(v: Vague) -> Result<VagueLue, AppError> {
    let kit = lire_questionnaire(&v.questionnaire).map_err(|e| {
        AppError::Internal(format!(
            "vague {} : questionnaire illisible : {}",
            v.id,
            e.first().map(|e| e.to_string()).unwrap_or_default()
        ))
    })?;
    let resultats = v
        .resultats
        .as_deref()
        .map(serde_json::from_str::<Resultats>)
        .transpose()
        .map_err(|e| AppError::Internal(format!("vague {} : résultats illisibles : {e}", v.id)))?;
    Ok(VagueLue {
        vague: v,
        kit,
        resultats,
    })
}

fn paire(champ: &'static str, texte: &str) -> Result<Option<(f64, f64)>, ObservatoireError> {
    let t = texte.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = t.split([',', ';']).map(str::trim).collect();
    match parts[..] {
        [a, b] => match (
            a.replace(' ', "").parse::<f64>(),
            b.replace(' ', "").parse::<f64>(),
        ) {
            (Ok(a), Ok(b)) if a.is_finite() && b.is_finite() && a < 1.0 && b > 1.0 && a >= 0.0 => {
                Ok(Some((a, b)))
            }
            _ => Err(invalide(
                champ,
                "deux nombres L et U avec 0 ≤ L < 1 < U, par exemple « 0.5, 2 »",
            )),
        },
        _ => Err(invalide(
            champ,
            "deux nombres séparés par une virgule, par exemple « 0.5, 2 »",
        )),
    }
}

impl App {
    fn analyste(&self, user: Option<&CurrentUser>) -> Result<(), ObservatoireError> {
        if can(user, Action::AnalyserObservatoire) {
            Ok(())
        } else {
            Err(ObservatoireError::Interdit)
        }
    }

    /// The studies someone may see with their waves: everything for analysts; for others,
    /// studies with a published wave, and only their published waves.
    pub async fn etudes_visibles(
        &self,
        user: Option<&CurrentUser>,
    ) -> Result<Vec<(Etude, Vec<Vague>)>, ObservatoireError> {
        let analyste = can(user, Action::AnalyserObservatoire);
        let mut out = Vec::new();
        for e in store::etudes(&self.db).await? {
            let vagues: Vec<Vague> = store::vagues(&self.db, e.id)
                .await?
                .into_iter()
                .filter(|v| analyste || v.publiee_le.is_some())
                .collect();
            if analyste || !vagues.is_empty() {
                out.push((e, vagues));
            }
        }
        Ok(out)
    }

    /// A study with the waves `user` may see (not found when none).
    pub async fn etude_observatoire(
        &self,
        user: Option<&CurrentUser>,
        id: i64,
    ) -> Result<(Etude, Vec<VagueLue>), ObservatoireError> {
        let analyste = can(user, Action::AnalyserObservatoire);
        let e = store::etude(&self.db, id)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        let mut vagues = Vec::new();
        for v in store::vagues(&self.db, id).await? {
            if analyste || v.publiee_le.is_some() {
                vagues.push(lire_vague(v)?);
            }
        }
        if !analyste && vagues.is_empty() {
            return Err(ObservatoireError::Introuvable);
        }
        Ok((e, vagues))
    }

    /// A published wave (or any wave for an analyst).
    pub async fn vague_observatoire(
        &self,
        user: Option<&CurrentUser>,
        etude: i64,
        numero: i64,
    ) -> Result<(Etude, VagueLue), ObservatoireError> {
        let e = store::etude(&self.db, etude)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        let v = store::vague_numero(&self.db, etude, numero)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        if v.publiee_le.is_none() && !can(user, Action::AnalyserObservatoire) {
            return Err(ObservatoireError::Introuvable);
        }
        Ok((e, lire_vague(v)?))
    }

    pub async fn creer_etude(
        &self,
        user: &CurrentUser,
        s: &EtudeSaisie,
    ) -> Result<i64, ObservatoireError> {
        self.analyste(Some(user))?;
        let e = valider_etude(s).map_err(ObservatoireError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        let id = store::insert_etude(
            &mut tx,
            &NouvelleEtude {
                titre: &e.titre,
                population: e.population.slug(),
                description: &e.description,
                producteur: &e.producteur,
                demo: false,
                cree_par: Some(user.id),
            },
            now(),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn modifier_etude(
        &self,
        user: &CurrentUser,
        id: i64,
        s: &EtudeSaisie,
    ) -> Result<(), ObservatoireError> {
        self.analyste(Some(user))?;
        let e = valider_etude(s).map_err(ObservatoireError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        if !store::update_etude(
            &mut tx,
            id,
            &e.titre,
            e.population.slug(),
            &e.description,
            &e.producteur,
            now(),
        )
        .await?
        {
            return Err(ObservatoireError::Introuvable);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a wave to a study; returns its number.
    pub async fn creer_vague(
        &self,
        user: &CurrentUser,
        etude: i64,
        s: &VagueSaisie,
    ) -> Result<i64, ObservatoireError> {
        self.analyste(Some(user))?;
        let v = valider_vague(s).map_err(ObservatoireError::Invalide)?;
        store::etude(&self.db, etude)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        let domaines = v.domaines.join(",");
        let mut tx = self.db.begin_write().await?;
        let (_, numero) = store::insert_vague(
            &mut tx,
            etude,
            &DefinitionVague {
                libelle: &v.libelle,
                debut: &v.debut,
                fin: &v.fin,
                mode: v.mode.slug(),
                plan: v.plan.slug(),
                questionnaire: &v.questionnaire,
                domaines: &domaines,
                seuil: i64::from(v.seuil),
            },
            now(),
        )
        .await?;
        tx.commit().await?;
        Ok(numero)
    }

    /// Reads a wave for a change by an analyst: it must exist and not be published.
    async fn vague_modifiable(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
    ) -> Result<Vague, ObservatoireError> {
        self.analyste(Some(user))?;
        let v = store::vague_numero(&self.db, etude, numero)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        if v.publiee_le.is_some() {
            return Err(ObservatoireError::Refus(
                "cette vague est publiée : retirez la publication avant de la modifier (les chiffres publiés ne changent pas en silence)".into(),
            ));
        }
        Ok(v)
    }

    /// Changes a wave's definition. Once it has respondents, its questionnaire may only be
    /// changed in ways their answers still satisfy (they are checked again).
    pub async fn modifier_vague(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
        version: i64,
        s: &VagueSaisie,
    ) -> Result<(), ObservatoireError> {
        let ancienne = self.vague_modifiable(user, etude, numero).await?;
        let v = valider_vague(s).map_err(ObservatoireError::Invalide)?;
        let mut tx = self.db.begin_write().await?;
        let repondants = store::repondants(&mut tx, ancienne.id).await?;
        if let Some(r) = repondants.iter().find(|r| {
            serde_json::from_str::<serde_json::Value>(&r.reponses)
                .ok()
                .and_then(|j| j.as_object().map(|m| v.kit.lire_reponses_json(m).is_err()))
                .unwrap_or(true)
        }) {
            return Err(invalide(
                "questionnaire",
                format!(
                    "les réponses déjà recueillies ne correspondent plus à ce questionnaire (répondant « {} ») : créez une nouvelle vague, ou importez à nouveau les microdonnées",
                    r.ident
                ),
            ));
        }
        let domaines = v.domaines.join(",");
        let ok = store::update_vague(
            &mut tx,
            ancienne.id,
            version,
            &DefinitionVague {
                libelle: &v.libelle,
                debut: &v.debut,
                fin: &v.fin,
                mode: v.mode.slug(),
                plan: v.plan.slug(),
                questionnaire: &v.questionnaire,
                domaines: &domaines,
                seuil: i64::from(v.seuil),
            },
            now(),
        )
        .await?;
        if !ok {
            return Err(ObservatoireError::Conflit);
        }
        tx.commit().await?;
        Ok(())
    }

    /// The analyst's view of a wave.
    pub async fn tableau_vague(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
    ) -> Result<TableauVague, ObservatoireError> {
        self.analyste(Some(user))?;
        let e = store::etude(&self.db, etude)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        let v = store::vague_numero(&self.db, etude, numero)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        let lue = lire_vague(v)?;
        let effectifs = store::effectifs(&self.db, lue.vague.id).await?;
        let invitations = store::bilan_invitations(&self.db, lue.vague.id).await?;
        let quotas = match lue.vague.quotas.as_deref() {
            Some(q) => {
                let quotas = lire_quotas(&lue.kit, q).map_err(|e| {
                    AppError::Internal(format!(
                        "quotas de la vague {} : {}",
                        lue.vague.id,
                        e.join(" ; ")
                    ))
                })?;
                let mut conn = self.db.pool().acquire().await?;
                let rs = store::repondants(&mut conn, lue.vague.id).await?;
                let reponses = calcul::reponses(&lue.kit, &rs)?;
                avancement(&lue.kit, &quotas, &reponses)
            }
            None => Vec::new(),
        };
        let calage = lue
            .vague
            .diagnostics
            .as_deref()
            .map(serde_json::from_str::<Methodologie>)
            .transpose()
            .map_err(|e| AppError::Internal(format!("diagnostics illisibles : {e}")))?;
        Ok(TableauVague {
            etude: e,
            lue,
            effectifs,
            quotas,
            invitations,
            calage,
        })
    }

    /// Imports a wave's microdata from a CSV file: all rows are checked against the
    /// questionnaire and either all are kept (replacing the previous file's) or none, with the
    /// errors by line and column. Returns the number of respondents imported.
    pub async fn importer_microdonnees(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
        octets: &[u8],
        colonne_id: &str,
        colonne_poids: &str,
    ) -> Result<usize, ObservatoireError> {
        let v = self.vague_modifiable(user, etude, numero).await?;
        let kit = lire_vague(v.clone())?.kit;
        let jeu =
            alliances_calage::Jeu::lire_csv(octets).map_err(|e| ObservatoireError::Fichier {
                erreurs: vec![ErreurLigne {
                    ligne: 0,
                    colonne: String::new(),
                    message: messages::donnees(&e),
                }],
                total: 1,
            })?;
        let colonne_id = if colonne_id.trim().is_empty() {
            "id"
        } else {
            colonne_id.trim()
        };
        let colonne_poids = if colonne_poids.trim().is_empty() {
            "poids"
        } else {
            colonne_poids.trim()
        };
        let entete = microdonnees::entete(&kit, jeu.noms(), colonne_id, colonne_poids).map_err(
            |erreurs| ObservatoireError::Fichier {
                total: erreurs.len(),
                erreurs,
            },
        )?;
        let colonnes: Vec<&alliances_calage::Colonne> = jeu
            .noms()
            .iter()
            .map(|n| jeu.colonne(n).expect("a column of the header"))
            .collect();
        let texte = |c: &alliances_calage::Colonne, i: usize| -> String {
            match c {
                alliances_calage::Colonne::Texte(t) => t.get(i).to_string(),
                alliances_calage::Colonne::Categorielle(c) => match c.codes[i] {
                    alliances_calage::MANQUANT => String::new(),
                    k => c.modalites.get(k as usize).to_string(),
                },
                alliances_calage::Colonne::Numerique(v) => {
                    if v[i].is_nan() {
                        String::new()
                    } else {
                        v[i].to_string()
                    }
                }
            }
        };
        let lignes: Vec<Vec<String>> = (0..jeu.n())
            .map(|i| colonnes.iter().map(|c| texte(c, i)).collect())
            .collect();
        let repondants = microdonnees::lire_tout(
            &kit,
            &entete,
            lignes
                .iter()
                .enumerate()
                .map(|(i, l)| (jeu.ligne(i), move |c: usize| l[c].as_str())),
        )
        .map_err(|(erreurs, total)| ObservatoireError::Fichier { erreurs, total })?;
        if repondants.is_empty() {
            return Err(ObservatoireError::Fichier {
                erreurs: vec![ErreurLigne {
                    ligne: 1,
                    colonne: String::new(),
                    message: "le fichier n'a aucune ligne de réponses".into(),
                }],
                total: 1,
            });
        }
        let lignes: Vec<(String, f64, String)> = repondants
            .iter()
            .map(|r| {
                (
                    r.ident.clone(),
                    r.poids,
                    serde_json::Value::Object(kit.reponses_json(&r.reponses)).to_string(),
                )
            })
            .collect();
        let mut tx = self.db.begin_write().await?;
        // Online respondents keep their identifiers: a file may not reuse one.
        let en_ligne: Vec<String> = store::repondants(&mut tx, v.id)
            .await?
            .into_iter()
            .filter(|r| r.source != "fichier")
            .map(|r| r.ident)
            .collect();
        if let Some((i, r)) = repondants
            .iter()
            .enumerate()
            .find(|(_, r)| en_ligne.contains(&r.ident))
        {
            return Err(ObservatoireError::Fichier {
                erreurs: vec![ErreurLigne {
                    ligne: jeu.ligne(i),
                    colonne: colonne_id.to_string(),
                    message: format!(
                        "l'identifiant « {} » est déjà celui d'un répondant en ligne",
                        r.ident
                    ),
                }],
                total: 1,
            });
        }
        store::remplacer_fichier(&mut tx, v.id, &lignes, now()).await?;
        tx.commit().await?;
        Ok(repondants.len())
    }

    /// Sets a wave's margins, quotas and calibration method (the previous calibration is
    /// cleared). Margins are checked on their own and against the questionnaire.
    pub async fn regler_calage(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
        s: &ReglagesSaisie,
    ) -> Result<(), ObservatoireError> {
        let v = self.vague_modifiable(user, etude, numero).await?;
        let kit = lire_vague(v.clone())?.kit;
        let mut errs = Vec::new();
        let marges_txt = s.marges.trim();
        if !marges_txt.is_empty() {
            match alliances_calage::Marges::lire_json(marges_txt) {
                Ok(m) => {
                    let vars: Vec<(String, Vec<String>)> = m
                        .marges
                        .iter()
                        .map(|x| {
                            (
                                x.variable.clone(),
                                x.totaux.iter().map(|(c, _)| c.clone()).collect(),
                            )
                        })
                        .collect();
                    for e in verifier_variables_marges(&kit, &vars) {
                        errs.push(ChampErreur::new("marges", e));
                    }
                }
                Err(e) => errs.push(ChampErreur::new("marges", messages::marges(&e))),
            }
        }
        let quotas_txt = s.quotas.trim();
        if let Err(es) = lire_quotas(&kit, quotas_txt) {
            errs.extend(es.into_iter().map(|e| ChampErreur::new("quotas", e)));
        }
        let bornes = match paire("bornes", &s.bornes) {
            Ok(b) => b,
            Err(ObservatoireError::Invalide(e)) => {
                errs.extend(e);
                None
            }
            Err(e) => return Err(e),
        };
        let rognage = match paire("rognage", &s.rognage) {
            Ok(b) => b,
            Err(ObservatoireError::Invalide(e)) => {
                errs.extend(e);
                None
            }
            Err(e) => return Err(e),
        };
        let methode = s.methode.trim();
        let methode = if methode.is_empty() {
            "raking"
        } else {
            methode
        };
        if errs.iter().all(|e| e.champ != "bornes") {
            if let Err(m) = calcul::methode(methode, bornes) {
                errs.push(ChampErreur::new(
                    if m.starts_with("méthode «") {
                        "methode"
                    } else {
                        "bornes"
                    },
                    m,
                ));
            }
        }
        if !errs.is_empty() {
            return Err(ObservatoireError::Invalide(errs));
        }
        let mut tx = self.db.begin_write().await?;
        store::set_reglages(
            &mut tx,
            v.id,
            &ReglagesCalage {
                marges: (!marges_txt.is_empty()).then_some(marges_txt),
                quotas: (!quotas_txt.is_empty()).then_some(quotas_txt),
                methode: Some(methode),
                bornes,
                rognage,
            },
            now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Calibrates a wave on its margins and records the weights and the diagnostics. A
    /// failure (uncovered categories, infeasible bounds, no convergence…) writes nothing.
    pub async fn caler_vague(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
    ) -> Result<Methodologie, ObservatoireError> {
        let v = self.vague_modifiable(user, etude, numero).await?;
        let lue = lire_vague(v)?;
        let reglages = calcul::reglages(&lue.vague)?.ok_or_else(|| {
            ObservatoireError::Refus(
                "aucune marge n'est définie pour cette vague : saisissez les marges de la population avant de caler".into(),
            )
        })?;
        let mut tx = self.db.begin_write().await?;
        let rs = store::repondants(&mut tx, lue.vague.id).await?;
        if rs.is_empty() {
            return Err(ObservatoireError::Refus(
                "cette vague n'a encore aucun répondant".into(),
            ));
        }
        let reponses = calcul::reponses(&lue.kit, &rs)?;
        let idents: Vec<&str> = rs.iter().map(|r| r.ident.as_str()).collect();
        let d: Vec<f64> = rs.iter().map(|r| r.poids_initial).collect();
        let d = calcul::a_l_echelle(&d, reglages.marges.population);
        let calage = calcul::caler(&lue.kit, &idents, &reponses, &d, &reglages)
            .map_err(ObservatoireError::Refus)?;
        let m = calcul::methodologie_calee(&calage.diagnostics, &reglages, lue.vague.seuil as u32);
        let poids: Vec<(i64, f64)> = rs
            .iter()
            .map(|r| r.id)
            .zip(calage.poids.iter().copied())
            .collect();
        let json = serde_json::to_string(&m).map_err(|e| AppError::Internal(e.to_string()))?;
        store::set_calage(&mut tx, lue.vague.id, &poids, &json, now()).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Computes and publishes a wave's results (calibrated weights when it has margins,
    /// design weights otherwise). Returns them.
    pub async fn publier_vague(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
    ) -> Result<Resultats, ObservatoireError> {
        let v = self.vague_modifiable(user, etude, numero).await?;
        let lue = lire_vague(v)?;
        let reglages = calcul::reglages(&lue.vague)?;
        let mut tx = self.db.begin_write().await?;
        let rs = store::repondants(&mut tx, lue.vague.id).await?;
        let seuil = lue.vague.seuil as u32;
        if (rs.len() as u32) < seuil {
            return Err(ObservatoireError::Refus(format!(
                "{} répondant(s) : il en faut au moins {seuil} (le seuil de publication) pour publier",
                rs.len()
            )));
        }
        let reponses = calcul::reponses(&lue.kit, &rs)?;
        let d: Vec<f64> = rs.iter().map(|r| r.poids_initial).collect();
        let d = match &reglages {
            Some(r) => calcul::a_l_echelle(&d, r.marges.population),
            None => d,
        };
        let (w, methodologie) = match &reglages {
            Some(_) => {
                let m = lue
                    .vague
                    .diagnostics
                    .as_deref()
                    .and_then(|j| serde_json::from_str::<Methodologie>(j).ok());
                let w: Option<Vec<f64>> = rs.iter().map(|r| r.poids).collect();
                match (m, w) {
                    (Some(m), Some(w)) => (w, m),
                    _ => {
                        return Err(ObservatoireError::Refus(
                            "la vague a des marges mais n'est pas calée sur ses réponses actuelles : lancez le calage avant de publier".into(),
                        ))
                    }
                }
            }
            None => (d.clone(), calcul::methodologie_initiale(&d, seuil)),
        };
        let domaines: Vec<String> = lue
            .vague
            .domaines
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        let r = calcul::resultats(
            &lue.kit,
            &domaines,
            &reponses,
            &d,
            &w,
            reglages.as_ref(),
            methodologie,
        )
        .map_err(ObservatoireError::Refus)?;
        let json = serde_json::to_string(&r).map_err(|e| AppError::Internal(e.to_string()))?;
        store::set_publication(&mut tx, lue.vague.id, Some(&json), now()).await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Withdraws a wave's publication (its page and downloads disappear).
    pub async fn depublier_vague(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
    ) -> Result<(), ObservatoireError> {
        self.analyste(Some(user))?;
        let v = store::vague_numero(&self.db, etude, numero)
            .await?
            .ok_or(ObservatoireError::Introuvable)?;
        let mut tx = self.db.begin_write().await?;
        store::set_publication(&mut tx, v.id, None, now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens or closes online collection.
    pub async fn ouvrir_collecte(
        &self,
        user: &CurrentUser,
        etude: i64,
        numero: i64,
        ouverte: bool,
    ) -> Result<(), ObservatoireError> {
        let v = self.vague_modifiable(user, etude, numero).await?;
        let mut tx = self.db.begin_write().await?;
        store::set_collecte(&mut tx, v.id, ouverte, now()).await?;
        tx.commit().await?;
        Ok(())
    }
}
