//! Imports into the annuaire from the admin area, and the public open data downloads.
//!
//! - `GET /admin/imports`: the imports running in this instance (with their progress), the
//!   recent batches with their counts and reports, the upload form (admins only).
//! - `POST /admin/imports`: a `multipart/form-data` upload, streamed to a temporary file
//!   (constant memory), CSRF-checked, checked (not a CSV, missing columns… answered at once),
//!   then imported by a background task; the list page shows its progress.
//! - `GET /annuaire/export.csv` (`?separateur=;` for spreadsheets) and
//!   `GET /annuaire/export.jsonl`: the whole annuaire's public fields, streamed page by page.
//!
//! Admin pages speak French only (the text is in the template).

use super::{render, PageError};
use crate::layout::{home_crumb, Crumb, Layout};
use crate::params::{Params, RawQuery};
use crate::state::AppState;
use crate::visiteur::{csrf_ok, Visitor};
use alliances_app::annuaire::export::{self, FormatExport};
use alliances_app::annuaire::import::{self, Format, ImportError, Options, Progression};
use alliances_app::comptes::CurrentUser;
use alliances_app::politique::{can, Action};
use askama::Template;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

/// The routes of this module; the router merges them.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/imports", get(liste).post(televerser))
        .route("/annuaire/export.csv", get(export_csv))
        .route("/annuaire/export.jsonl", get(export_jsonl))
}

/// The largest file accepted by upload (the command line has no limit).
const TELEVERSEMENT_MAX: u64 = 2 << 30;
/// The largest text field of the form (the mapping file).
const CHAMP_MAX: usize = 256 * 1024;

// --- Imports running in this instance ---------------------------------------------------------

struct Tache {
    id: u64,
    fichier: String,
    format: &'static str,
    debut: Instant,
    progression: Option<Progression>,
    /// None while running; then the outcome in words.
    fin: Option<Result<String, String>>,
}

static TACHES: LazyLock<Mutex<Vec<Tache>>> = LazyLock::new(|| Mutex::new(Vec::new()));
static PROCHAINE: AtomicU64 = AtomicU64::new(1);

fn taches() -> std::sync::MutexGuard<'static, Vec<Tache>> {
    TACHES.lock().unwrap_or_else(|e| e.into_inner())
}

fn maj_tache(id: u64, f: impl FnOnce(&mut Tache)) {
    if let Some(t) = taches().iter_mut().find(|t| t.id == id) {
        f(t);
    }
}

/// Starts the import of a checked file in the background; the temporary file is removed at
/// the end.
fn lancer(state: &AppState, user: CurrentUser, prep: import::Preparation, temporaire: PathBuf) {
    let id = PROCHAINE.fetch_add(1, Ordering::Relaxed);
    {
        let mut t = taches();
        // Keep the finished ones of the last runs only.
        let termines: Vec<u64> = t.iter().filter(|t| t.fin.is_some()).map(|t| t.id).collect();
        if termines.len() > 20 {
            let garder = &termines[termines.len() - 20..];
            t.retain(|x| x.fin.is_none() || garder.contains(&x.id));
        }
        t.push(Tache {
            id,
            fichier: prep.nom_fichier.clone(),
            format: prep.format.slug(),
            debut: Instant::now(),
            progression: None,
            fin: None,
        });
    }
    let app = state.app.clone();
    tokio::spawn(async move {
        let resultat = app
            .importer(Some(&user), prep, Options::default(), &|p| {
                let p = p.clone();
                maj_tache(id, |t| t.progression = Some(p));
            })
            .await;
        let _ = std::fs::remove_file(&temporaire);
        let fin = match resultat {
            Ok(r) => Ok(format!(
                "lot n° {} : {} lignes lues, {} importées ({} créées, {} mises à jour, {} inchangées), {} rejetées, {} doublons probables à examiner",
                r.lot_id, r.lignes_lues, r.importees, r.creees, r.mises_a_jour, r.inchangees, r.rejetees, r.doublons_signales
            )),
            Err(e) => {
                tracing::warn!(error = %e, "import failed");
                Err(e.to_string())
            }
        };
        maj_tache(id, |t| t.fin = Some(fin));
    });
}

// --- The page -----------------------------------------------------------------------------------

pub struct LigneTache {
    pub fichier: String,
    pub format: &'static str,
    pub pourcent: u64,
    pub lues: String,
    pub importees: String,
    pub rejetees: String,
    pub debit: String,
}

pub struct LigneFin {
    pub fichier: String,
    pub ok: bool,
    pub texte: String,
}

pub struct LigneLot {
    pub id: i64,
    pub fichier: String,
    pub format: String,
    pub etat: &'static str,
    pub demarre: String,
    pub lues: String,
    pub importees: String,
    pub rejetees: String,
    pub source: String,
    pub licence: String,
    pub rapport: String,
    pub lignes_rapport: usize,
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    layout: Layout,
    erreur: Option<(String, String)>,
    format_choisi: String,
    correspondance: String,
    en_cours: Vec<LigneTache>,
    finis: Vec<LigneFin>,
    lots: Vec<LigneLot>,
    exemple: &'static str,
}

const EXEMPLE_CORRESPONDANCE: &str = "separateur = \";\"\nlicence = \"Licence Ouverte 2.0 — Mon réseau\"\nsource = \"mon-reseau\"\n\n[colonnes]\nnom = \"Nom\"\nsiret = \"SIRET\"\ncodeCommune = \"Code INSEE\"\n\n[defauts]\nprofil = \"association\"\n";

fn layout(state: &AppState, visitor: &Visitor) -> Layout {
    let mut l = Layout::new(state, visitor, "/admin/imports", "admin", String::new());
    l.title = "Imports de l'annuaire".into();
    let crumbs = vec![
        home_crumb(&l.tr),
        Crumb {
            label: l.t("admin-titre"),
            href: Some("/admin".into()),
        },
        Crumb {
            label: l.title.clone(),
            href: None,
        },
    ];
    l.with_crumbs(crumbs)
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    erreur: Option<(String, String)>,
    format_choisi: &str,
    correspondance: &str,
) -> Result<Response, PageError> {
    let l = layout(state, visitor);
    let n = |v: u64| l.tr.nombre(v);
    let (en_cours, finis) = {
        let t = taches();
        let en_cours = t
            .iter()
            .filter(|t| t.fin.is_none())
            .map(|t| {
                let p = t.progression.clone().unwrap_or_default();
                let secondes = t.debut.elapsed().as_secs_f64().max(1e-3);
                LigneTache {
                    fichier: t.fichier.clone(),
                    format: t.format,
                    pourcent: (p.octets_lus * 100)
                        .checked_div(p.octets_total)
                        .unwrap_or(0),
                    lues: n(p.lignes_lues),
                    importees: n(p.importees),
                    rejetees: n(p.rejetees),
                    debit: n((p.lignes_lues_ici as f64 / secondes) as u64),
                }
            })
            .collect::<Vec<_>>();
        let finis = t
            .iter()
            .rev()
            .filter_map(|t| {
                let fin = t.fin.as_ref()?;
                Some(LigneFin {
                    fichier: t.fichier.clone(),
                    ok: fin.is_ok(),
                    texte: match fin {
                        Ok(s) | Err(s) => s.clone(),
                    },
                })
            })
            .take(5)
            .collect::<Vec<_>>();
        (en_cours, finis)
    };
    let lots = match state.app.lots_importes(visitor.user(), 30).await {
        Ok(l) => l,
        Err(ImportError::Interdit) => return Err(PageError::Forbidden),
        Err(ImportError::App(e)) => return Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, "import batches unreadable");
            return Err(PageError::Internal);
        }
    };
    let lots = lots
        .into_iter()
        .map(|lot| LigneLot {
            id: lot.id,
            etat: if lot.etat == "termine" {
                "terminé"
            } else {
                "en cours ou interrompu"
            },
            demarre: alliances_app::donnees::iso_datetime(lot.demarre_le)
                .replace('T', " ")
                .replace('Z', " UTC"),
            lues: n(lot.lignes_lues.max(0) as u64),
            importees: n(lot.lignes_importees.max(0) as u64),
            rejetees: n(lot.lignes_rejetees.max(0) as u64),
            lignes_rapport: lot.rapport.lines().count(),
            fichier: lot.fichier,
            format: lot.format,
            source: lot.source,
            licence: lot.licence,
            rapport: lot.rapport,
        })
        .collect();
    let status = if erreur.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut res = render(&ImportsPage {
        layout: l,
        erreur,
        format_choisi: format_choisi.to_string(),
        correspondance: correspondance.to_string(),
        en_cours,
        finis,
        lots,
        exemple: EXEMPLE_CORRESPONDANCE,
    })?;
    *res.status_mut() = status;
    Ok(res)
}

fn admin(visitor: &Visitor) -> Result<&CurrentUser, PageError> {
    match visitor.user() {
        Some(u) if can(Some(u), Action::Importer) => Ok(u),
        _ => Err(PageError::Forbidden),
    }
}

/// `GET /admin/imports`.
pub async fn liste(State(state): State<AppState>, visitor: Visitor) -> Result<Response, PageError> {
    admin(&visitor)?;
    page(&state, &visitor, None, "rna", "").await
}

// --- Upload ------------------------------------------------------------------------------------

/// The form as read from the request: small text fields, and the file written to disk.
struct Formulaire {
    champs: HashMap<String, String>,
    fichier: Option<(String, PathBuf, u64)>,
}

fn trouver(botte: &[u8], aiguille: &[u8]) -> Option<usize> {
    let premier = *aiguille.first()?;
    let mut debut = 0;
    while let Some(i) = botte[debut..].iter().position(|&b| b == premier) {
        let i = debut + i;
        if botte.len() - i < aiguille.len() {
            return None;
        }
        if &botte[i..i + aiguille.len()] == aiguille {
            return Some(i);
        }
        debut = i + 1;
    }
    None
}

/// `name` and `filename` of a part's `Content-Disposition`.
fn disposition(entetes: &str) -> (Option<String>, Option<String>) {
    let mut nom = None;
    let mut fichier = None;
    for ligne in entetes.split("\r\n") {
        let Some((k, v)) = ligne.split_once(':') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        for p in v.split(';') {
            let p = p.trim();
            let valeur = |p: &str| {
                p.split_once('=')
                    .map(|(_, x)| x.trim().trim_matches('"').to_string())
            };
            if p.starts_with("filename=") {
                fichier = valeur(p);
            } else if p.starts_with("name=") {
                nom = valeur(p);
            }
        }
    }
    (nom, fichier)
}

#[derive(Debug)]
enum Lecture {
    Mauvaise(&'static str),
    TropGros,
    Io(std::io::Error),
}

enum Etat {
    Preambule,
    Entetes,
    Corps { nom: String, fichier: bool },
    Fin,
}

/// A `multipart/form-data` reader fed chunk by chunk: text fields kept (bounded), the file part
/// written to `destination`. Memory: one chunk plus the boundary.
struct Decoupeur {
    delim: Vec<u8>,
    destination: PathBuf,
    tampon: Vec<u8>,
    etat: Etat,
    sortie: Option<std::io::BufWriter<std::fs::File>>,
    texte: Vec<u8>,
    taille: u64,
    form: Formulaire,
}

impl Decoupeur {
    fn new(boundary: &str, destination: &Path) -> Self {
        Decoupeur {
            delim: format!("\r\n--{boundary}").into_bytes(),
            destination: destination.to_path_buf(),
            // The body starts with `--boundary`: a CRLF in front makes every delimiter alike.
            tampon: b"\r\n".to_vec(),
            etat: Etat::Preambule,
            sortie: None,
            texte: Vec::new(),
            taille: 0,
            form: Formulaire {
                champs: HashMap::new(),
                fichier: None,
            },
        }
    }

    fn pousser(&mut self, morceau: &[u8]) -> Result<(), Lecture> {
        self.tampon.extend_from_slice(morceau);
        loop {
            match &mut self.etat {
                Etat::Preambule => {
                    let Some(i) = trouver(&self.tampon, &self.delim) else {
                        return Ok(());
                    };
                    let reste = i + self.delim.len();
                    if self.tampon.len() < reste + 2 {
                        return Ok(());
                    }
                    if &self.tampon[reste..reste + 2] == b"--" {
                        self.etat = Etat::Fin;
                    } else {
                        self.tampon.drain(..reste + 2);
                        self.etat = Etat::Entetes;
                    }
                }
                Etat::Entetes => {
                    let Some(i) = trouver(&self.tampon, b"\r\n\r\n") else {
                        if self.tampon.len() > 16 * 1024 {
                            return Err(Lecture::Mauvaise("en-têtes de partie trop longs"));
                        }
                        return Ok(());
                    };
                    let entetes = String::from_utf8_lossy(&self.tampon[..i]).into_owned();
                    self.tampon.drain(..i + 4);
                    let (nom, fichier) = disposition(&entetes);
                    let nom = nom.ok_or(Lecture::Mauvaise("partie sans nom"))?;
                    let est_fichier = fichier.is_some();
                    if let Some(f) = fichier {
                        if self.form.fichier.is_some() {
                            return Err(Lecture::Mauvaise("un seul fichier à la fois"));
                        }
                        let out = std::fs::File::create(&self.destination).map_err(Lecture::Io)?;
                        self.sortie = Some(std::io::BufWriter::with_capacity(1 << 16, out));
                        self.form.fichier = Some((f, self.destination.clone(), 0));
                    }
                    self.texte.clear();
                    self.etat = Etat::Corps {
                        nom,
                        fichier: est_fichier,
                    };
                }
                Etat::Corps { nom, fichier } => {
                    let (donnees, termine) = match trouver(&self.tampon, &self.delim) {
                        Some(i) => (i, true),
                        // Keep what could be the start of a delimiter.
                        None => (self.tampon.len().saturating_sub(self.delim.len()), false),
                    };
                    if *fichier {
                        self.taille += donnees as u64;
                        if self.taille > TELEVERSEMENT_MAX {
                            return Err(Lecture::TropGros);
                        }
                        if let Some(w) = self.sortie.as_mut() {
                            w.write_all(&self.tampon[..donnees]).map_err(Lecture::Io)?;
                        }
                    } else {
                        self.texte.extend_from_slice(&self.tampon[..donnees]);
                        if self.texte.len() > CHAMP_MAX {
                            return Err(Lecture::Mauvaise("champ de texte trop long"));
                        }
                    }
                    self.tampon.drain(..donnees);
                    if !termine {
                        return Ok(());
                    }
                    if *fichier {
                        if let Some(mut w) = self.sortie.take() {
                            w.flush().map_err(Lecture::Io)?;
                        }
                        if let Some(f) = self.form.fichier.as_mut() {
                            f.2 = self.taille;
                        }
                    } else {
                        let v = String::from_utf8_lossy(&self.texte).into_owned();
                        self.form.champs.insert(nom.clone(), v);
                    }
                    self.etat = Etat::Preambule;
                }
                Etat::Fin => return Ok(()),
            }
        }
    }

    fn finir(self) -> Result<Formulaire, Lecture> {
        match self.etat {
            Etat::Fin => Ok(self.form),
            _ => Err(Lecture::Mauvaise("formulaire incomplet")),
        }
    }
}

/// Reads a `multipart/form-data` body as it arrives (see [`Decoupeur`]).
async fn lire_formulaire(
    body: Body,
    boundary: &str,
    destination: &Path,
) -> Result<Formulaire, Lecture> {
    let mut body = body;
    let mut d = Decoupeur::new(boundary, destination);
    loop {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            None => return d.finir(),
            Some(Err(_)) => return Err(Lecture::Mauvaise("envoi interrompu")),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    d.pousser(&data)?;
                }
            }
        }
    }
}

fn boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let (mime, params) = ct.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .split(';')
        .find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.trim().eq_ignore_ascii_case("boundary"))
                .then(|| v.trim().trim_matches('"').to_string())
        })
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// Receives a small `multipart/form-data` upload (text fields and one file of at most `max`
/// bytes, read into memory): the fields, and the file's bytes when one was sent.
pub(crate) async fn recevoir_fichier(
    req: Request,
    max: u64,
) -> Result<(HashMap<String, String>, Option<Vec<u8>>), PageError> {
    let b = boundary(req.headers()).ok_or(PageError::BadRequest)?;
    let temporaire = std::env::temp_dir().join(format!(
        "alliances-televersement-{}",
        &alliances_app::comptes::random_token()[..24]
    ));
    let lu = lire_formulaire(req.into_body(), &b, &temporaire).await;
    let resultat = match lu {
        Ok(f) => match f.fichier {
            Some((nom, chemin, taille)) if taille > 0 && !nom.is_empty() => {
                if taille > max {
                    Err(PageError::BadRequest)
                } else {
                    tokio::fs::read(&chemin)
                        .await
                        .map(|o| (f.champs, Some(o)))
                        .map_err(|_| PageError::Internal)
                }
            }
            _ => Ok((f.champs, None)),
        },
        Err(Lecture::Io(e)) => {
            tracing::error!(error = %e, "upload: temporary file");
            Err(PageError::Internal)
        }
        Err(_) => Err(PageError::BadRequest),
    };
    let _ = tokio::fs::remove_file(&temporaire).await;
    resultat
}

/// `POST /admin/imports`.
pub async fn televerser(
    State(state): State<AppState>,
    visitor: Visitor,
    req: Request,
) -> Result<Response, PageError> {
    // The right first: nothing is read for someone who may not import.
    let user = admin(&visitor)?.clone();
    let headers = req.headers().clone();
    let b = boundary(&headers).ok_or(PageError::BadRequest)?;
    let temporaire = std::env::temp_dir().join(format!(
        "alliances-import-{}.csv",
        &alliances_app::comptes::random_token()[..24]
    ));
    let lu = lire_formulaire(req.into_body(), &b, &temporaire).await;
    let nettoyer = || {
        let _ = std::fs::remove_file(&temporaire);
    };
    let form = match lu {
        Ok(f) => f,
        Err(e) => {
            nettoyer();
            return match e {
                Lecture::TropGros => Ok((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "fichier trop gros pour un envoi par le navigateur : utilisez « alliances import » en ligne de commande",
                )
                    .into_response()),
                Lecture::Mauvaise(m) => {
                    tracing::info!(raison = m, "upload refused");
                    Err(PageError::BadRequest)
                }
                Lecture::Io(e) => {
                    tracing::error!(error = %e, "upload: temporary file");
                    Err(PageError::Internal)
                }
            };
        }
    };
    let champ = |k: &str| form.champs.get(k).map(String::as_str).unwrap_or("");
    if !csrf_ok(&headers, &visitor, champ("_csrf")) {
        nettoyer();
        return Err(PageError::Forbidden);
    }
    let format_choisi = champ("format").to_string();
    let correspondance = champ("correspondance").to_string();
    let erreur = |champ_id: &str, m: String| Some((champ_id.to_string(), m));
    let format = match format_choisi.as_str() {
        "rna" => Ok(Format::Rna),
        "sirene" => Ok(Format::Sirene),
        "csv" => Format::csv(&correspondance).map_err(|e| erreur("correspondance", e.to_string())),
        _ => Err(erreur("format", "choisissez le format du fichier".into())),
    };
    let fichier = match &form.fichier {
        Some((nom, chemin, taille)) if *taille > 0 && !nom.is_empty() => {
            Ok((nom.clone(), chemin.clone()))
        }
        _ => Err(erreur("fichier", "choisissez un fichier à importer".into())),
    };
    let (format, (nom, chemin)) = match (format, fichier) {
        (Ok(f), Ok(x)) => (f, x),
        (Err(e), _) | (_, Err(e)) => {
            nettoyer();
            return page(&state, &visitor, e, &format_choisi, &correspondance).await;
        }
    };
    let nom_affiche: String = nom
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&nom)
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let prep = {
        let nom_affiche = nom_affiche.clone();
        tokio::task::spawn_blocking(move || import::preparer(&chemin, &nom_affiche, format))
            .await
            .map_err(|_| PageError::Internal)?
    };
    match prep {
        Ok(prep) => {
            lancer(&state, user, prep, temporaire);
            Ok(Redirect::to("/admin/imports").into_response())
        }
        Err(e) => {
            nettoyer();
            let champ_id = match e {
                ImportError::Correspondance(_) => "correspondance",
                _ => "fichier",
            };
            page(
                &state,
                &visitor,
                erreur(champ_id, format!("{nom_affiche} : {e}")),
                &format_choisi,
                &correspondance,
            )
            .await
        }
    }
}

// --- Downloads -----------------------------------------------------------------------------------

fn telechargement(state: &AppState, format: FormatExport) -> Response {
    let nom = export::nom_fichier(format, alliances_app::now());
    let mut res = Body::from_stream(export::flux(state.app.clone(), format)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{nom}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"license\"", export::LICENCE_URL)) {
        h.insert(header::LINK, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `GET /annuaire/export.csv[?separateur=;]`.
pub async fn export_csv(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw, &["separateur", "lang"]).map_err(|_| PageError::BadRequest)?;
    let separateur = match params.text("separateur") {
        None | Some(",") => b',',
        Some(";") => b';',
        Some(_) => return Err(PageError::BadRequest),
    };
    Ok(telechargement(&state, FormatExport::Csv { separateur }))
}

/// `GET /annuaire/export.jsonl`.
pub async fn export_jsonl(
    State(state): State<AppState>,
    raw: RawQuery,
) -> Result<Response, PageError> {
    Params::parse(raw, &["lang"]).map_err(|_| PageError::BadRequest)?;
    Ok(telechargement(&state, FormatExport::Jsonl))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_in_small_chunks() {
        let corps = "--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\njeton\r\n--XyZ\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"rna.csv\"\r\nContent-Type: text/csv\r\n\r\nid;titre\r\nW1;\"a\r\n--X\"\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nrna\r\n--XyZ--\r\n";
        let dir =
            std::env::temp_dir().join(format!("alliances-test-multipart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for taille in [1, 3, 7, 64, 4096] {
            let dest = dir.join(format!("f{taille}.csv"));
            let mut d = Decoupeur::new("XyZ", &dest);
            for c in corps.as_bytes().chunks(taille) {
                d.pousser(c).unwrap();
            }
            let f = d.finir().unwrap();
            assert_eq!(f.champs["_csrf"], "jeton");
            assert_eq!(f.champs["format"], "rna");
            let (nom, chemin, octets) = f.fichier.unwrap();
            assert_eq!(nom, "rna.csv");
            assert_eq!(
                std::fs::read_to_string(&chemin).unwrap(),
                "id;titre\r\nW1;\"a\r\n--X\"\r\n"
            );
            assert_eq!(octets, 23);
        }
        let mut d = Decoupeur::new("XyZ", &dir.join("g.csv"));
        d.pousser(b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nincomplet")
            .unwrap();
        assert!(d.finir().is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    mod http {
        use super::super::*;
        use crate::i18n::Lang;
        use crate::visiteur::SessionView;
        use std::sync::Arc;
        use tower::ServiceExt;

        async fn etat() -> (AppState, alliances_store::testing::TestDbGuard) {
            let (url, guard) = alliances_store::testing::fresh_url().await;
            let app = alliances_app::App::open(&url, 5).await.unwrap();
            let state = AppState {
                app,
                i18n: Arc::new(crate::i18n::I18n::new()),
                assets: Arc::new(crate::assets::Assets::new()),
                openapi_json: Arc::new(String::new()),
                behind_tls: false,
                public_url: "http://127.0.0.1".into(),
                outbox: None,
                trust_forwarded_for: false,
            };
            (state, guard)
        }

        fn visiteur(admin: bool) -> Visitor {
            Visitor {
                lang: Lang::Fr,
                ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
                session: Some(SessionView {
                    cookie: "c".into(),
                    csrf: "jeton-csrf".into(),
                    user: Some(CurrentUser {
                        id: 1,
                        email: "admin@exemple.fr".into(),
                        name: "Admin".into(),
                        verified: true,
                        roles: if admin {
                            vec![alliances_domain::comptes::Role::Admin]
                        } else {
                            vec![]
                        },
                    }),
                }),
            }
        }

        fn envoi(
            v: Option<Visitor>,
            csrf: &str,
            format: &str,
            nom: &str,
            fichier: &[u8],
        ) -> Request {
            let mut corps = Vec::new();
            for (k, val) in [("_csrf", csrf), ("format", format), ("correspondance", "")] {
                corps.extend_from_slice(
                    format!("--B0undary\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{val}\r\n").as_bytes(),
                );
            }
            corps.extend_from_slice(
                format!("--B0undary\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"{nom}\"\r\nContent-Type: text/csv\r\n\r\n")
                    .as_bytes(),
            );
            corps.extend_from_slice(fichier);
            corps.extend_from_slice(b"\r\n--B0undary--\r\n");
            let mut r = Request::builder()
                .method("POST")
                .uri("/admin/imports")
                .header(header::HOST, "alliances.test")
                .header(header::ORIGIN, "http://alliances.test")
                .header(
                    header::CONTENT_TYPE,
                    "multipart/form-data; boundary=B0undary",
                )
                .body(Body::from(corps))
                .unwrap();
            if let Some(v) = v {
                r.extensions_mut().insert(v);
            }
            r
        }

        async fn texte(r: Response) -> String {
            String::from_utf8(
                axum::body::to_bytes(r.into_body(), usize::MAX)
                    .await
                    .unwrap()
                    .to_vec(),
            )
            .unwrap()
        }

        #[tokio::test]
        async fn upload_import_and_download() {
            let (state, _g) = etat().await;
            let routeur = || routes().with_state(state.clone());
            let rna = std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../app/tests/fixtures/rna_waldec_utf8.csv"),
            )
            .unwrap();

            // Admins only, CSRF checked.
            let r = routeur()
                .oneshot(envoi(None, "jeton-csrf", "rna", "rna.csv", &rna))
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN);
            let r = routeur()
                .oneshot(envoi(
                    Some(visiteur(false)),
                    "jeton-csrf",
                    "rna",
                    "rna.csv",
                    &rna,
                ))
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN);
            let r = routeur()
                .oneshot(envoi(
                    Some(visiteur(true)),
                    "mauvais",
                    "rna",
                    "rna.csv",
                    &rna,
                ))
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN);

            // Not a CSV: said at once, nothing started.
            let r = routeur()
                .oneshot(envoi(
                    Some(visiteur(true)),
                    "jeton-csrf",
                    "rna",
                    "image.png",
                    b"\x89PNG\r\n\x1a\n\x00\x00\x00",
                ))
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let page = texte(r).await;
            assert!(
                page.contains("binaire") && page.contains("image.png"),
                "{page}"
            );

            // The real thing: accepted, imported in the background.
            let r = routeur()
                .oneshot(envoi(
                    Some(visiteur(true)),
                    "jeton-csrf",
                    "rna",
                    "rna_waldec.csv",
                    &rna,
                ))
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            for _ in 0..200 {
                if taches()
                    .iter()
                    .any(|t| t.fichier == "rna_waldec.csv" && t.fin.is_some())
                {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            let fin = taches()
                .iter()
                .find(|t| t.fichier == "rna_waldec.csv")
                .and_then(|t| t.fin.clone())
                .expect("finished");
            assert!(
                fin.as_ref().is_ok_and(|s| s.contains("10 importées")),
                "{fin:?}"
            );
            assert_eq!(state.app.organisations.len(), 10);

            let mut req = Request::builder()
                .uri("/admin/imports")
                .body(Body::empty())
                .unwrap();
            req.extensions_mut().insert(visiteur(true));
            let r = routeur().oneshot(req).await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let page = texte(r).await;
            assert!(
                page.contains("rna_waldec.csv") && page.contains("ligne 7, rna"),
                "{page}"
            );

            // Public downloads, streamed, with their licence.
            let r = routeur()
                .oneshot(
                    Request::builder()
                        .uri("/annuaire/export.csv?separateur=%3B")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(r.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
            assert!(r.headers()[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("annuaire-organisations-"));
            assert!(r.headers()[header::LINK]
                .to_str()
                .unwrap()
                .contains("rel=\"license\""));
            let csv = texte(r).await;
            assert!(csv.starts_with("id;nom;sigle;profil"));
            assert_eq!(csv.lines().count(), 11);
            let r = routeur()
                .oneshot(
                    Request::builder()
                        .uri("/annuaire/export.jsonl")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let jsonl = texte(r).await;
            assert!(jsonl.lines().next().unwrap().contains("dateExtraction"));
            let r = routeur()
                .oneshot(
                    Request::builder()
                        .uri("/annuaire/export.csv?separateur=x")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn boundary_from_the_content_type() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=----abc"),
        );
        assert_eq!(boundary(&h).as_deref(), Some("----abc"));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert_eq!(boundary(&h), None);
    }
}
