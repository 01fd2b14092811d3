//! Imports into the annuaire: the RNA "waldec" export, a SIRENE establishments subset, any CSV
//! with a mapping file. Streamed (one record and one batch in memory), every row validated by
//! `annuaire::valider`, batches committed with their resume point, idempotent (upsert on the
//! RNA, then the SIRET), resumable after a kill, duplicates sent to the review queue.
//!
//! Pipeline: a blocking thread reads, maps and validates rows into batches ([`TAILLE_LOT`]
//! rows); the async side writes each batch in one transaction (`ecriture`). The two run side
//! by side, on two cores.
//!
//! Rules (also in README.md, « Importer et exporter l'annuaire »):
//! - a malformed row (column count, quotes, bytes that are not UTF-8 in a UTF-8 file) is
//!   reported and skipped;
//! - an invalid optional field (SIRET with a wrong key, unknown commune, bad date or web
//!   address, too long description…) is dropped and reported as a warning; the row is imported
//!   without it. The format's key (the RNA id of an RNA file, the SIRET of a SIRENE file) is
//!   never optional: an invalid key rejects the row, and so does a row that came with
//!   identifiers none of which is valid (a re-import could not recognise it);
//! - name, profile and state are required: a problem there rejects the row.

pub mod csv_generique;
mod ecriture;
pub mod encodage;
pub mod lecteur;
pub mod rna;
pub mod sirene;

use crate::comptes::CurrentUser;
use crate::politique::{can, Action};
use crate::{now, App, AppError};
use alliances_domain::annuaire::{valider, ChampErreur, Organisation, OrganisationSaisie};
use alliances_domain::territoires::Referentiel;
pub use alliances_store::imports::Lot;
use alliances_store::{imports, Db, StoreError};
use encodage::Encodage;
use lecteur::{Enregistrement, Lecteur, Lu};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Rows per batch (one transaction, one resume point, one change-feed entry).
pub const TAILLE_LOT: usize = 2000;
/// Problem lines kept in a batch's report in the database (the count is always exact).
pub const RAPPORT_MAX_LIGNES: usize = 2000;
/// Committed batches the search index of [`App::importer`] waits for before applying them
/// together (the rest is applied before the import returns): 32,000 rows per tantivy commit,
/// one segment each — an import of 200,000 rows leaves 7 segments, below the merge policy's
/// threshold (8), so that no merge competes with the import for the CPU.
const LOTS_PAR_INDEXATION: usize = 16;
/// Problems returned to the caller of one run.
pub const PROBLEMES_MAX: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("vous n'avez pas le droit d'importer des fichiers dans l'annuaire")]
    Interdit,
    #[error("{chemin} : {source}")]
    Fichier {
        chemin: String,
        source: std::io::Error,
    },
    #[error("ce n'est pas un fichier CSV : {0} ; rien n'a été importé")]
    PasUnCsv(String),
    #[error("ligne d'en-tête : {0} ; rien n'a été importé")]
    Entete(String),
    #[error("colonne(s) obligatoire(s) absente(s) de l'en-tête du fichier {format} : {} ; rien n'a été importé", .colonnes.join(", "))]
    ColonnesManquantes {
        format: String,
        colonnes: Vec<String>,
    },
    #[error("{0}")]
    Correspondance(String),
    #[error("ce fichier est déjà en cours d'import par un autre processus (lot n° {0})")]
    EnCoursAilleurs(i64),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        ImportError::App(AppError::Store(e))
    }
}

impl From<alliances_store::SqlxError> for ImportError {
    fn from(e: alliances_store::SqlxError) -> Self {
        ImportError::App(AppError::Store(StoreError::from(e)))
    }
}

/// What the file is.
#[derive(Debug, Clone)]
pub enum Format {
    Rna,
    Sirene,
    Csv {
        mapping: Box<csv_generique::Mapping>,
        /// The mapping file's text: part of the fingerprint (another mapping is another import).
        texte: String,
    },
}

impl Format {
    /// A generic CSV described by a mapping file's text.
    pub fn csv(mapping: &str) -> Result<Format, ImportError> {
        Ok(Format::Csv {
            mapping: Box::new(csv_generique::Mapping::lire(mapping)?),
            texte: mapping.to_string(),
        })
    }

    /// `rna`, `sirene`, `csv`: the batch's format.
    pub fn slug(&self) -> &'static str {
        match self {
            Format::Rna => "rna",
            Format::Sirene => "sirene",
            Format::Csv { .. } => "csv",
        }
    }

    pub fn separateur(&self) -> u8 {
        match self {
            Format::Rna => b';',
            Format::Sirene => b',',
            Format::Csv { mapping, .. } => mapping.sep().unwrap_or(b','),
        }
    }

    pub fn source(&self) -> String {
        match self {
            Format::Rna => rna::SOURCE.into(),
            Format::Sirene => sirene::SOURCE.into(),
            Format::Csv { mapping, .. } => mapping.source(),
        }
    }

    pub fn licence(&self) -> String {
        match self {
            Format::Rna => rna::LICENCE.into(),
            Format::Sirene => sirene::LICENCE.into(),
            Format::Csv { mapping, .. } => mapping.licence(),
        }
    }

    fn encodage_impose(&self) -> Option<Encodage> {
        match self {
            Format::Csv { mapping, .. } => mapping.encodage(),
            _ => None,
        }
    }
}

/// A row as a format reads it, before validation.
#[derive(Debug, Default)]
pub(crate) struct LigneSaisie {
    pub saisie: OrganisationSaisie,
    /// When the source last confirmed the record.
    pub verifie_le: Option<i64>,
    /// Problems that reject the row.
    pub erreurs: Vec<ChampErreur>,
    /// Values the format could not read: the field is left empty, and reported.
    pub avertissements: Vec<ChampErreur>,
}

/// How a format turns a record's fields into the annuaire's input.
pub(crate) trait Correspondance: Send + Sync {
    fn nb_colonnes(&self) -> usize;
    fn lire(&self, champs: &[String], referentiel: &Referentiel) -> LigneSaisie;
    /// Fields (API names) the file carries: an update replaces these and keeps the others
    /// (SDGs, themes, offers… that owners added stay).
    fn champs_portes(&self) -> &[&'static str];
    /// The identifier every row must have (`rna`, `siret`), if any.
    fn cle_obligatoire(&self) -> Option<&'static str>;
}

/// Header names → column index, names trimmed and lower-cased (first occurrence wins).
pub(crate) fn index_entete(entete: &[String]) -> HashMap<String, usize> {
    let mut idx = HashMap::new();
    for (i, n) in entete.iter().enumerate() {
        idx.entry(n.trim().to_ascii_lowercase()).or_insert(i);
    }
    idx
}

pub(crate) fn colonnes_manquantes(
    format: &str,
    idx: &HashMap<String, usize>,
    obligatoires: &[&str],
) -> Result<(), ImportError> {
    let manquantes: Vec<String> = obligatoires
        .iter()
        .filter(|c| !idx.contains_key(&c.to_ascii_lowercase()))
        .map(|c| c.to_string())
        .collect();
    if manquantes.is_empty() {
        Ok(())
    } else {
        Err(ImportError::ColonnesManquantes {
            format: format.into(),
            colonnes: manquantes,
        })
    }
}

/// The trimmed value of column `i`, None when the column is absent or the cell blank.
pub(crate) fn champ(c: &[String], i: Option<usize>) -> Option<String> {
    let v = c.get(i?)?.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// A register's date: `AAAA-MM-JJ`, possibly followed by a time; `0001-01-01` means none.
pub(crate) fn date_registre(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.starts_with("0001-01-01") || s.starts_with("0000") {
        return None;
    }
    match s.as_bytes().get(10) {
        Some(b' ') | Some(b'T') => Some(s[..10].to_string()),
        _ => Some(s.to_string()),
    }
}

/// Epoch seconds (UTC) of `AAAA-MM-JJ[ HH:MM[:SS]]`; None when unreadable.
pub(crate) fn epoch_registre(s: &str) -> Option<i64> {
    let s = s.trim();
    let d = alliances_domain::annuaire::organisation::date_iso(s.get(..10)?).ok()?;
    let (y, m, j): (i64, i64, i64) = (
        d[..4].parse().ok()?,
        d[5..7].parse().ok()?,
        d[8..10].parse().ok()?,
    );
    // Days from civil (proleptic Gregorian).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + j - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let jours = era * 146_097 + doe - 719_468;
    let mut secs = 0;
    if let Some(t) = s.get(11..) {
        let mut it = t.split(':');
        let h: i64 = it.next().and_then(|x| x.trim().parse().ok()).unwrap_or(0);
        let mi: i64 = it.next().and_then(|x| x.trim().parse().ok()).unwrap_or(0);
        let se: i64 = it
            .next()
            .and_then(|x| x.trim().get(..2).unwrap_or(x.trim()).parse().ok())
            .unwrap_or(0);
        secs = h.clamp(0, 23) * 3600 + mi.clamp(0, 59) * 60 + se.clamp(0, 59);
    }
    Some(jours * 86_400 + secs)
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probleme {
    pub ligne: u64,
    pub champ: String,
    pub message: String,
    /// True: the row was not imported; false: it was, without this field.
    pub rejet: bool,
}

impl std::fmt::Display for Probleme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ligne {}, {} : {} ({})",
            self.ligne,
            self.champ,
            self.message.replace('\n', " "),
            if self.rejet {
                "ligne rejetée"
            } else {
                "champ ignoré"
            }
        )
    }
}

/// Where an import stands, after each committed batch.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progression {
    pub lot_id: i64,
    pub octets_lus: u64,
    pub octets_total: u64,
    /// Data rows read since the start of the batch (resumed runs included).
    pub lignes_lues: u64,
    pub importees: u64,
    pub rejetees: u64,
    /// Rows read by this run.
    pub lignes_lues_ici: u64,
}

/// The outcome of one run.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rapport {
    pub lot_id: i64,
    pub format: String,
    pub fichier: String,
    pub encodage: String,
    pub source: String,
    pub licence: String,
    /// The run resumed an interrupted import after this line (0: from the start).
    pub reprise_apres_ligne: u64,
    /// The file was read to its end (false: cancelled, resumable).
    pub termine: bool,
    /// Totals of the batch, resumed runs included.
    pub lignes_lues: u64,
    pub importees: u64,
    pub rejetees: u64,
    /// This run.
    pub lignes_lues_ici: u64,
    pub creees: u64,
    pub mises_a_jour: u64,
    pub inchangees: u64,
    pub avertissements: u64,
    pub doublons_signales: u64,
    pub secondes: f64,
    /// The first problems of this run (at most [`PROBLEMES_MAX`]).
    pub problemes: Vec<Probleme>,
}

/// Settings of a run.
#[derive(Clone)]
pub struct Options {
    pub taille_lot: usize,
    /// Set it to stop after the batch being written: the batch stays resumable.
    pub annulation: Arc<AtomicBool>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            taille_lot: TAILLE_LOT,
            annulation: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// A file checked and ready to import: readable, text, with the columns its format needs.
pub struct Preparation {
    chemin: PathBuf,
    pub nom_fichier: String,
    pub format: Format,
    pub encodage: Encodage,
    /// SHA-256 of the file (and of the mapping for a generic CSV).
    pub empreinte: String,
    pub octets: u64,
    pub entete: Vec<String>,
    correspondance: Arc<dyn Correspondance>,
}

fn io_err(chemin: &Path, source: std::io::Error) -> ImportError {
    ImportError::Fichier {
        chemin: chemin.display().to_string(),
        source,
    }
}

/// Checks a file without writing anything: not a CSV, encoding, header and required columns,
/// fingerprint. Blocking (reads the whole file once for the fingerprint).
pub fn preparer(
    chemin: &Path,
    nom_fichier: &str,
    format: Format,
) -> Result<Preparation, ImportError> {
    let mut f = std::fs::File::open(chemin).map_err(|e| io_err(chemin, e))?;
    let octets = f.metadata().map_err(|e| io_err(chemin, e))?.len();
    let mut debut = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < debut.len() {
        let k = f.read(&mut debut[n..]).map_err(|e| io_err(chemin, e))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    debut.truncate(n);
    if let Some(raison) = encodage::pas_un_csv(&debut) {
        return Err(ImportError::PasUnCsv(raison));
    }
    let enc = format
        .encodage_impose()
        .unwrap_or_else(|| encodage::detecter(&debut));
    let sep = format.separateur();
    let sans_bom = debut.strip_prefix(encodage::BOM_UTF8).unwrap_or(&debut);
    let mut lecteur = Lecteur::new(sans_bom, sep, 1);
    let mut rec = Enregistrement::default();
    let entete = match lecteur.suivant(&mut rec) {
        Ok(Lu::Enregistrement) => (0..rec.len())
            .map(|i| enc.decoder(rec.champ(i)).map(|s| s.trim().to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ImportError::Entete("octets invalides en UTF-8".into()))?,
        _ => return Err(ImportError::Entete("illisible ou absente".into())),
    };
    if entete.len() < 2 {
        let autres: Vec<&str> = [
            (b';', "« ; »"),
            (b',', "« , »"),
            (b'\t', "tabulation"),
            (b'|', "« | »"),
        ]
        .iter()
        .filter(|(c, _)| *c != sep && entete.first().is_some_and(|h| h.as_bytes().contains(c)))
        .map(|(_, n)| *n)
        .collect();
        return Err(ImportError::Entete(format!(
            "une seule colonne avec le séparateur « {} » attendu par le format {}{}",
            char::from(sep).escape_default(),
            format.slug(),
            if autres.is_empty() {
                String::new()
            } else {
                format!(" (le fichier semble séparé par {})", autres.join(" ou "))
            }
        )));
    }
    let correspondance: Arc<dyn Correspondance> = match &format {
        Format::Rna => Arc::new(rna::preparer(&entete)?),
        Format::Sirene => Arc::new(sirene::preparer(&entete)?),
        Format::Csv { mapping, .. } => Arc::new(csv_generique::preparer(mapping, &entete)?),
    };
    // The fingerprint: the whole file, streamed.
    let mut h = Sha256::new();
    let f = std::fs::File::open(chemin).map_err(|e| io_err(chemin, e))?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let k = r.read(&mut buf).map_err(|e| io_err(chemin, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
    }
    if let Format::Csv { texte, .. } = &format {
        h.update(b"\0mapping\0");
        h.update(texte.as_bytes());
    }
    Ok(Preparation {
        chemin: chemin.to_path_buf(),
        nom_fichier: nom_fichier.to_string(),
        format,
        encodage: enc,
        empreinte: hex::encode(h.finalize()),
        octets,
        entete,
        correspondance,
    })
}

/// Fields whose invalid value is dropped (with a warning) rather than rejecting the row.
const FACULTATIFS: &[&str] = &[
    "sigle",
    "sousType",
    "taille",
    "siren",
    "siret",
    "rna",
    "codeCommune",
    "perimetre",
    "oddPrincipal",
    "oddSecondaires",
    "themes",
    "description",
    "siteWeb",
    "contactPublic",
    "contactsPrives",
    "partenariats",
    "dateCreation",
    "dateFin",
];

fn vider(s: &mut OrganisationSaisie, champ: &str) {
    match champ {
        "sigle" => s.sigle = None,
        "sousType" => s.sous_type = None,
        "taille" => s.taille = None,
        "siren" => s.siren = None,
        "siret" => s.siret = None,
        "rna" => s.rna = None,
        "codeCommune" => s.code_commune = None,
        "perimetre" => s.perimetre.clear(),
        "oddPrincipal" => s.odd_principal = None,
        "oddSecondaires" => s.odd_secondaires.clear(),
        "themes" => s.themes.clear(),
        "description" => s.description = None,
        "siteWeb" => s.site_web = None,
        "contactPublic" => s.contact_public = None,
        "contactsPrives" => s.contacts_prives = None,
        "partenariats" => s.partenariats.clear(),
        "dateCreation" => s.date_creation = None,
        "dateFin" => s.date_fin = None,
        _ => {}
    }
}

fn present(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|x| !x.trim().is_empty())
}

/// Validates a row with the rules above: the organisation and the warnings, or the problems
/// that reject it.
pub(crate) fn valider_ligne(
    mut ls: LigneSaisie,
    r: &Referentiel,
    cle: Option<&'static str>,
) -> Result<(Organisation, Vec<ChampErreur>), Vec<ChampErreur>> {
    if !ls.erreurs.is_empty() {
        if let Err(mut autres) = valider(&ls.saisie, r) {
            autres.retain(|e| !ls.erreurs.iter().any(|x| x.champ == e.champ));
            ls.erreurs.extend(autres);
        }
        return Err(ls.erreurs);
    }
    let cle_absente = match cle {
        Some("rna") => !present(&ls.saisie.rna),
        Some("siret") => !present(&ls.saisie.siret),
        _ => false,
    };
    if let Some(c) = cle.filter(|_| cle_absente) {
        return Err(vec![ChampErreur::new(
            c,
            format!("l'identifiant ({c}) est obligatoire dans ce format"),
        )]);
    }
    let avec_identifiant =
        present(&ls.saisie.rna) || present(&ls.saisie.siret) || present(&ls.saisie.siren);
    let mut avert = std::mem::take(&mut ls.avertissements);
    let mut s = ls.saisie;
    let org = match valider(&s, r) {
        Ok(o) => o,
        Err(errs) => {
            let fatal = errs
                .iter()
                .any(|e| !FACULTATIFS.contains(&e.champ) || Some(e.champ) == cle);
            if fatal {
                return Err(errs);
            }
            for e in &errs {
                vider(&mut s, e.champ);
            }
            match valider(&s, r) {
                Ok(o) => {
                    avert.extend(errs);
                    o
                }
                Err(mut e2) => {
                    e2.extend(errs);
                    return Err(e2);
                }
            }
        }
    };
    if avec_identifiant && org.rna.is_none() && org.siret.is_none() && org.siren.is_none() {
        // Every identifier was invalid: a re-import could not recognise the row.
        let mut e: Vec<ChampErreur> = avert
            .into_iter()
            .filter(|e| matches!(e.champ, "rna" | "siret" | "siren"))
            .collect();
        e.push(ChampErreur::new(
            "identifiant",
            "aucun identifiant valide : la ligne ne pourrait pas être reconnue à un nouvel import",
        ));
        return Err(e);
    }
    Ok((org, avert))
}

/// A validated row on its way to the database.
pub(crate) struct LigneValide {
    pub ligne: u64,
    pub org: Organisation,
    pub verifie_le: i64,
}

/// What the reader sends for each batch.
pub(crate) struct Paquet {
    pub lignes: Vec<LigneValide>,
    pub problemes: Vec<Probleme>,
    /// Data rows read in this batch (valid and rejected).
    pub lues: u64,
    pub rejetees: u64,
    /// Line of the last record of the batch: the resume point once committed.
    pub derniere_ligne: u64,
    pub octets_lus: u64,
    pub fin: bool,
}

fn probleme(ligne: u64, e: ChampErreur, rejet: bool) -> Probleme {
    Probleme {
        ligne,
        champ: e.champ.to_string(),
        message: e.message,
        rejet,
    }
}

/// Reads the file after line `reprise`, maps and validates, and sends batches. Runs on a
/// blocking thread; stops when the receiver is gone.
fn lire(
    prep: &Preparation,
    referentiel: &Referentiel,
    reprise: u64,
    taille_lot: usize,
    maintenant: i64,
    envoi: tokio::sync::mpsc::Sender<Paquet>,
) -> Result<(), ImportError> {
    let f = std::fs::File::open(&prep.chemin).map_err(|e| io_err(&prep.chemin, e))?;
    let mut source = BufReader::with_capacity(1 << 18, f);
    {
        // Skip a UTF-8 BOM.
        let debut = std::io::BufRead::fill_buf(&mut source).map_err(|e| io_err(&prep.chemin, e))?;
        if debut.starts_with(encodage::BOM_UTF8) {
            std::io::BufRead::consume(&mut source, 3);
        }
    }
    let enc = prep.encodage;
    let corr = prep.correspondance.clone();
    let cle = corr.cle_obligatoire();
    let nb = corr.nb_colonnes();
    let mut lecteur = Lecteur::new(source, prep.format.separateur(), 1);
    let mut rec = Enregistrement::default();
    // The header.
    lecteur
        .suivant(&mut rec)
        .map_err(|e| io_err(&prep.chemin, e))?;
    let nouveau = || Paquet {
        lignes: Vec::with_capacity(taille_lot),
        problemes: Vec::new(),
        lues: 0,
        rejetees: 0,
        derniere_ligne: reprise,
        octets_lus: 0,
        fin: false,
    };
    let mut p = nouveau();
    let mut champs: Vec<String> = Vec::with_capacity(nb);
    loop {
        let lu = lecteur
            .suivant(&mut rec)
            .map_err(|e| io_err(&prep.chemin, e))?;
        match lu {
            Lu::Fin => break,
            Lu::Malforme { ligne, raison } => {
                if ligne > reprise {
                    p.lues += 1;
                    p.rejetees += 1;
                    p.derniere_ligne = ligne;
                    p.problemes.push(Probleme {
                        ligne,
                        champ: "csv".into(),
                        message: raison,
                        rejet: true,
                    });
                }
            }
            Lu::Enregistrement => {
                if rec.ligne <= reprise {
                    if rec.len() != nb {
                        lecteur.resynchroniser();
                    }
                    continue;
                }
                p.lues += 1;
                p.derniere_ligne = rec.ligne;
                let ligne = rec.ligne;
                if rec.len() != nb {
                    let plusieurs = rec.nb_lignes > 1;
                    p.rejetees += 1;
                    p.problemes.push(Probleme {
                        ligne,
                        champ: "csv".into(),
                        message: if plusieurs {
                            format!(
                                "{} colonnes au lieu de {nb} (guillemet mal fermé ?)",
                                rec.len()
                            )
                        } else {
                            format!("{} colonnes au lieu de {nb}", rec.len())
                        },
                        rejet: true,
                    });
                    if plusieurs {
                        // Count the next lines again, from the one after this record's first.
                        p.derniere_ligne = ligne;
                        lecteur.resynchroniser();
                    }
                } else {
                    champs.clear();
                    let mut illisible = None;
                    for i in 0..rec.len() {
                        match enc.decoder(rec.champ(i)) {
                            Ok(s) => champs.push(s),
                            Err(encodage::OctetsInvalides) => {
                                illisible = Some(i);
                                break;
                            }
                        }
                    }
                    if let Some(i) = illisible {
                        p.rejetees += 1;
                        p.problemes.push(Probleme {
                            ligne,
                            champ: "csv".into(),
                            message: format!(
                                "colonne {} : octets invalides en UTF-8 (le fichier a été lu en UTF-8)",
                                i + 1
                            ),
                            rejet: true,
                        });
                    } else {
                        let ls = corr.lire(&champs, referentiel);
                        let verifie_le = ls.verifie_le.unwrap_or(maintenant).min(maintenant);
                        match valider_ligne(ls, referentiel, cle) {
                            Ok((org, avert)) => {
                                p.problemes
                                    .extend(avert.into_iter().map(|e| probleme(ligne, e, false)));
                                p.lignes.push(LigneValide {
                                    ligne,
                                    org,
                                    verifie_le,
                                });
                            }
                            Err(errs) => {
                                p.rejetees += 1;
                                p.problemes
                                    .extend(errs.into_iter().map(|e| probleme(ligne, e, true)));
                            }
                        }
                    }
                }
            }
        }
        if p.lues as usize >= taille_lot {
            p.octets_lus = lecteur.octets_lus();
            let plein = std::mem::replace(&mut p, nouveau());
            p.derniere_ligne = plein.derniere_ligne;
            if envoi.blocking_send(plein).is_err() {
                return Ok(());
            }
        }
    }
    p.octets_lus = lecteur.octets_lus();
    p.fin = true;
    let _ = envoi.blocking_send(p);
    Ok(())
}

/// What a check without writing found: every row read, mapped and validated as an import would.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub format: String,
    pub encodage: String,
    pub lignes_lues: u64,
    /// Rows an import would write.
    pub valides: u64,
    pub rejetees: u64,
    pub avertissements: u64,
    /// Line of the last record read.
    pub derniere_ligne: u64,
    /// The first problems (at most [`PROBLEMES_MAX`]).
    pub problemes: Vec<Probleme>,
}

/// Reads, maps and validates every row of a prepared file exactly as [`importer`] does, and
/// writes nothing (`alliances import … --check`; also the importers' fuzzing entry point).
/// Blocking.
pub fn verifier(
    prep: &Preparation,
    referentiel: &Referentiel,
    maintenant: i64,
) -> Result<Verification, ImportError> {
    let (envoi, mut reception) = tokio::sync::mpsc::channel::<Paquet>(2);
    let mut v = Verification {
        format: prep.format.slug().to_string(),
        encodage: prep.encodage.nom().to_string(),
        ..Verification::default()
    };
    std::thread::scope(|scope| {
        let lecteur = scope.spawn(|| lire(prep, referentiel, 0, TAILLE_LOT, maintenant, envoi));
        while let Some(p) = reception.blocking_recv() {
            v.lignes_lues += p.lues;
            v.rejetees += p.rejetees;
            v.valides += p.lignes.len() as u64;
            v.derniere_ligne = v.derniere_ligne.max(p.derniere_ligne);
            for pb in p.problemes {
                if !pb.rejet {
                    v.avertissements += 1;
                }
                if v.problemes.len() < PROBLEMES_MAX {
                    v.problemes.push(pb);
                }
            }
        }
        lecteur.join().expect("the reading thread panicked")
    })?;
    Ok(v)
}

/// Imports a prepared file into `db` (CLI: no index in this process; servers pick the rows up
/// through the change feed). Returns the run's report; `progression` is called after every
/// committed batch.
pub async fn importer(
    db: &Db,
    referentiel: Arc<crate::Territoires>,
    prep: Preparation,
    auteur_id: Option<i64>,
    options: Options,
    progression: &(dyn Fn(&Progression) + Send + Sync),
) -> Result<Rapport, ImportError> {
    importer_interne(db, referentiel, prep, auteur_id, options, progression, None).await
}

/// What a committed batch created is handed over here, before `progression` is called.
type Depot<'a> = &'a (dyn Fn(ecriture::Crees) + Send + Sync);

async fn importer_interne(
    db: &Db,
    referentiel: Arc<crate::Territoires>,
    prep: Preparation,
    auteur_id: Option<i64>,
    options: Options,
    progression: &(dyn Fn(&Progression) + Send + Sync),
    depot: Option<Depot<'_>>,
) -> Result<Rapport, ImportError> {
    let debut = std::time::Instant::now();
    let maintenant = now();
    let format = prep.format.slug();
    let source = prep.format.source();
    let licence = prep.format.licence();
    let (lot_id, mut etat) = match imports::unfinished(db, format, &prep.empreinte).await? {
        Some(l) => (l.id, ecriture::EtatLot::repris(&l)),
        None => {
            let id = imports::start(
                db,
                format,
                &prep.nom_fichier,
                &prep.empreinte,
                &source,
                &licence,
                auteur_id,
                maintenant,
            )
            .await?;
            (id, ecriture::EtatLot::default())
        }
    };
    let reprise = etat.derniere_ligne;
    let mut rapport = Rapport {
        lot_id,
        format: format.into(),
        fichier: prep.nom_fichier.clone(),
        encodage: prep.encodage.nom().into(),
        source: source.clone(),
        licence: licence.clone(),
        reprise_apres_ligne: reprise,
        ..Default::default()
    };
    let ctx = ecriture::Contexte {
        lot_id,
        source,
        licence,
        portes: prep.correspondance.champs_portes().to_vec(),
        backend: db.backend(),
        garder_crees: depot.is_some(),
    };
    let octets_total = prep.octets;
    let taille_lot = options.taille_lot.max(1);
    let (envoi, mut reception) = tokio::sync::mpsc::channel::<Paquet>(2);
    let prep = Arc::new(prep);
    let lecture = {
        let prep = prep.clone();
        let territoires = referentiel.clone();
        tokio::task::spawn_blocking(move || {
            lire(
                &prep,
                &territoires.referentiel,
                reprise,
                taille_lot,
                maintenant,
                envoi,
            )
        })
    };
    let mut resultat = Ok(());
    let mut conn = alliances_store::import_rows::connexion(db).await?;
    while let Some(paquet) = reception.recv().await {
        let fin = paquet.fin;
        let octets = paquet.octets_lus;
        match ecriture::ecrire(
            db,
            &mut conn,
            &referentiel.referentiel,
            &ctx,
            paquet,
            &mut etat,
            &mut rapport,
        )
        .await
        {
            Ok(crees) => {
                if let (Some(d), Some(c)) = (depot, crees) {
                    d(c);
                }
            }
            Err(e) => {
                resultat = Err(e);
                break;
            }
        }
        progression(&Progression {
            lot_id,
            octets_lus: octets,
            octets_total,
            lignes_lues: etat.lues,
            importees: etat.importees,
            rejetees: etat.rejetees,
            lignes_lues_ici: rapport.lignes_lues_ici,
        });
        if fin {
            rapport.termine = true;
        }
        if options.annulation.load(Ordering::Relaxed) {
            break;
        }
    }
    drop(reception);
    drop(conn);
    let lu = lecture
        .await
        .map_err(|e| ImportError::App(AppError::Internal(format!("lecture du fichier : {e}"))))?;
    resultat?;
    if rapport.termine {
        lu?;
        ecriture::conclure(db, &ctx, &mut etat).await?;
        imports::finish(db, lot_id, now()).await?;
    }
    rapport.lignes_lues = etat.lues;
    rapport.importees = etat.importees;
    rapport.rejetees = etat.rejetees;
    rapport.secondes = debut.elapsed().as_secs_f64();
    Ok(rapport)
}

impl App {
    /// The latest import batches with their counts and reports (admins only).
    pub async fn lots_importes(
        &self,
        actor: Option<&CurrentUser>,
        limite: i64,
    ) -> Result<Vec<Lot>, ImportError> {
        if !can(actor, Action::Importer) {
            return Err(ImportError::Interdit);
        }
        Ok(imports::recent(&self.db, limite).await?)
    }

    /// Imports a file on behalf of `actor` (admins only; `None`: the command line, trusted).
    /// The search index follows batch by batch: a task applies the change feed after each
    /// committed batch, on another core while the next batches are read and written; the last
    /// ones are applied before returning.
    pub async fn importer(
        self: &Arc<Self>,
        actor: Option<&CurrentUser>,
        prep: Preparation,
        options: Options,
        progression: &(dyn Fn(&Progression) + Send + Sync),
    ) -> Result<Rapport, ImportError> {
        if actor.is_some() && !can(actor, Action::Importer) {
            return Err(ImportError::Interdit);
        }
        let signal = Arc::new(tokio::sync::Notify::new());
        let fini = Arc::new(AtomicBool::new(false));
        let en_attente = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let indexeur = {
            let (app, signal, fini, en_attente) = (
                self.clone(),
                signal.clone(),
                fini.clone(),
                en_attente.clone(),
            );
            tokio::spawn(async move {
                loop {
                    signal.notified().await;
                    // A few batches per commit of the index: fewer, larger segments to merge.
                    if !fini.load(Ordering::Acquire)
                        && en_attente.load(Ordering::Acquire) < LOTS_PAR_INDEXATION
                    {
                        continue;
                    }
                    en_attente.store(0, Ordering::Release);
                    // Several batches may have committed meanwhile: read the feed to its end.
                    loop {
                        match app.refresh().await {
                            Ok(n) if n >= 1000 => continue,
                            Ok(_) => break,
                            Err(e) => {
                                tracing::warn!(error = %e, "import: index refresh failed, retried at the end");
                                break;
                            }
                        }
                    }
                    if fini.load(Ordering::Acquire) {
                        return;
                    }
                }
            })
        };
        let avec_index = |p: &Progression| {
            en_attente.fetch_add(1, Ordering::AcqRel);
            signal.notify_one();
            progression(p);
        };
        // The rows each batch created go to the refresh from memory (no read back).
        let plages = std::sync::Mutex::new(Vec::new());
        let depot = |c: ecriture::Crees| {
            if let Ok(mut p) = plages.lock() {
                p.push((c.premier, c.dernier));
            }
            self.lots_ecrits.deposer(c.premier, c.dernier, c.lignes);
        };
        let rapport = importer_interne(
            &self.db,
            self.territoires(),
            prep,
            actor.map(|a| a.id),
            options,
            &avec_index,
            Some(&depot),
        )
        .await;
        fini.store(true, Ordering::Release);
        signal.notify_one();
        let _ = indexeur.await;
        // What the task has not applied yet (the change feed holds one entry per batch, and one
        // per updated record).
        let fin = async {
            while self.refresh().await? > 0 {}
            Ok::<_, AppError>(())
        }
        .await;
        // Ranges the refresh read from the database before their rows were handed over.
        self.lots_ecrits
            .oublier(&plages.lock().map(|p| p.clone()).unwrap_or_default());
        fin?;
        rapport
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_dates() {
        assert_eq!(date_registre("0001-01-01"), None);
        assert_eq!(
            date_registre("2010-07-30 00:00:00").as_deref(),
            Some("2010-07-30")
        );
        assert_eq!(date_registre("2010-07-30").as_deref(), Some("2010-07-30"));
        assert_eq!(epoch_registre("1970-01-02"), Some(86_400));
        assert_eq!(epoch_registre("2020-04-03 12:53:24"), Some(1_585_918_404));
        assert_eq!(epoch_registre("2024-03-15T10:20:30"), Some(1_710_498_030));
        assert_eq!(epoch_registre("n'importe"), None);
    }
}
