//! Backups and restores of the whole database.
//!
//! - **SQLite**: an online, consistent copy with `VACUUM INTO` (readers and writers of the live
//!   database go on; the copy is the database as of one transaction), written to a temporary file
//!   beside the destination, checked (`PRAGMA integrity_check`, migrations known to this binary),
//!   flushed to disk, then renamed into place. A restore checks the backup the same way, refuses
//!   while a server holds the database (`serve` keeps a shared lock on `<db>.instance` for its
//!   lifetime, see [`InstanceLock`]), copies the backup beside the database, flushes it, removes
//!   the old write-ahead log and renames the copy over the database: a crash at any point leaves
//!   either the old database or the restored one, never a mix.
//! - **PostgreSQL**: `pg_dump --format=custom` and `pg_restore --clean --if-exists
//!   --single-transaction` (the client tools of the server's major version must be on the PATH).
//!   Stop every instance before a restore.
//!
//! The derived indexes are not backed up: every instance rebuilds them from the database at start.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::any::AnyPoolOptions;
use sqlx::Row;

use crate::db::{redact_url, sqlite_path, Backend, Db, StoreError};

/// What a backup or a restore did, for the operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rapport {
    pub fichier: PathBuf,
    pub octets: u64,
    /// The latest migration the copy carries (SQLite).
    pub migration: Option<i64>,
    /// Row counts of a few tables, to compare with what one expects.
    pub lignes: Vec<(String, i64)>,
}

/// The tables counted in reports (present since the first migrations that created them).
const TABLES_COMPTEES: &[&str] = &["users", "organisations", "alliances", "changes"];

fn erreur(message: impl Into<String>) -> StoreError {
    StoreError::Sauvegarde(message.into())
}

/// The file beside a SQLite database that running servers hold a shared lock on.
fn fichier_instance(db_path: &Path) -> PathBuf {
    let mut p = db_path.as_os_str().to_owned();
    p.push(".instance");
    PathBuf::from(p)
}

/// Held by a running server on SQLite for its lifetime: a restore refuses while one exists.
/// (Several servers may hold it at once; PostgreSQL needs none.)
#[derive(Debug)]
pub struct InstanceLock {
    _fichier: Option<File>,
}

impl InstanceLock {
    /// Takes the shared lock of the database of `url` (nothing on PostgreSQL), before it is
    /// opened: a restore cannot start under a server that is migrating or serving.
    pub fn prendre(url: &str) -> Result<InstanceLock, StoreError> {
        let Some(path) = sqlite_path(url) else {
            return Ok(InstanceLock { _fichier: None });
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Lock {
                path: parent.to_path_buf(),
                source: e,
            })?;
        }
        let lock = fichier_instance(&path);
        let f = ouvrir_verrou(&lock)?;
        match f.try_lock_shared() {
            Ok(()) => Ok(InstanceLock { _fichier: Some(f) }),
            Err(std::fs::TryLockError::WouldBlock) => Err(erreur(format!(
                "la base {} est en cours de restauration : réessayez dans un instant",
                path.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Lock {
                path: lock,
                source: e,
            }),
        }
    }
}

fn ouvrir_verrou(path: &Path) -> Result<File, StoreError> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::Lock {
            path: path.to_path_buf(),
            source: e,
        })
}

/// Backs the database of `url` up into `dest`, which must not exist yet.
pub async fn sauvegarder(url: &str, dest: &Path) -> Result<Rapport, StoreError> {
    if dest.exists() {
        return Err(erreur(format!(
            "{} existe déjà : choisissez un nouveau fichier (une sauvegarde n'en écrase jamais une autre)",
            dest.display()
        )));
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(erreur(format!(
                "le dossier {} n'existe pas",
                parent.display()
            )));
        }
    }
    let db = Db::connect(url, 2).await?;
    let resultat = match db.backend() {
        Backend::Sqlite => sauvegarder_sqlite(&db, dest).await,
        Backend::Postgres => {
            outil(
                "pg_dump",
                &[
                    "--format=custom",
                    "--no-owner",
                    "--file",
                    &dest.to_string_lossy(),
                    "--dbname",
                    url,
                ],
                url,
            )?;
            Ok(Rapport {
                fichier: dest.to_path_buf(),
                octets: taille(dest)?,
                migration: None,
                lignes: compter(db.pool()).await?,
            })
        }
    };
    db.close().await;
    resultat
}

async fn sauvegarder_sqlite(db: &Db, dest: &Path) -> Result<Rapport, StoreError> {
    let tmp = temporaire(dest);
    let _ = std::fs::remove_file(&tmp);
    let resultat = async {
        sqlx::query("VACUUM INTO ?")
            .bind(tmp.to_string_lossy().into_owned())
            .execute(db.pool())
            .await?;
        let rapport = verifier_sqlite(&tmp).await?;
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| erreur(format!("écriture de {} : {e}", tmp.display())))?;
        std::fs::rename(&tmp, dest)
            .map_err(|e| erreur(format!("renommage en {} : {e}", dest.display())))?;
        sync_dossier(dest);
        Ok(Rapport {
            fichier: dest.to_path_buf(),
            ..rapport
        })
    }
    .await;
    if resultat.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    resultat
}

/// Checks a SQLite backup file: a database, intact, with migrations this binary knows.
pub async fn verifier_sqlite(fichier: &Path) -> Result<Rapport, StoreError> {
    let mut entete = [0u8; 16];
    let lu = File::open(fichier)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut entete))
        .map_err(|e| erreur(format!("lecture de {} : {e}", fichier.display())))?;
    if lu < 16 || &entete != b"SQLite format 3\0" {
        return Err(erreur(format!(
            "{} n'est pas une base SQLite (en-tête absent) : ce n'est pas une sauvegarde d'Alliances",
            fichier.display()
        )));
    }
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", fichier.display());
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .map_err(|e| erreur(format!("ouverture de {} : {e}", fichier.display())))?;
    let resultat = async {
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&pool)
            .await
            .map_err(|e| erreur(format!("{} est illisible : {e}", fichier.display())))?;
        let problemes: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .filter(|s| s != "ok")
            .collect();
        if !problemes.is_empty() {
            return Err(erreur(format!(
                "{} est endommagée : {}",
                fichier.display(),
                problemes.join(" ; ")
            )));
        }
        let migration: Option<i64> =
            sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
                .map_err(|_| {
                    erreur(format!(
                        "{} n'a pas de table de migrations : ce n'est pas une base d'Alliances",
                        fichier.display()
                    ))
                })?
                .try_get(0)
                .ok();
        let connue = crate::db::derniere_migration_sqlite();
        match migration {
            None => {
                return Err(erreur(format!(
                    "{} ne contient aucune migration appliquée",
                    fichier.display()
                )))
            }
            Some(m) if m > connue => {
                return Err(erreur(format!(
                    "{} vient d'une version plus récente d'Alliances (migration {m}, ce programme connaît jusqu'à {connue}) : mettez le programme à jour avant de restaurer",
                    fichier.display()
                )))
            }
            Some(_) => {}
        }
        Ok(Rapport {
            fichier: fichier.to_path_buf(),
            octets: taille(fichier)?,
            migration,
            lignes: compter(&pool).await?,
        })
    }
    .await;
    pool.close().await;
    resultat
}

/// Replaces the database of `url` with the backup `source`.
pub async fn restaurer(url: &str, source: &Path) -> Result<Rapport, StoreError> {
    if !source.is_file() {
        return Err(erreur(format!(
            "{} n'existe pas ou n'est pas un fichier",
            source.display()
        )));
    }
    if url.starts_with("sqlite:") {
        let Some(db_path) = sqlite_path(url) else {
            return Err(erreur(
                "une base SQLite en mémoire ne se restaure pas".to_string(),
            ));
        };
        restaurer_sqlite(&db_path, source).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        // pg_restore reads the archive's table of contents first: a file that is not one fails
        // before anything is dropped.
        outil("pg_restore", &["--list", &source.to_string_lossy()], url).map_err(|_| {
            erreur(format!(
                "{} n'est pas une archive de pg_dump (format custom) : rien n'a été modifié",
                source.display()
            ))
        })?;
        outil(
            "pg_restore",
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                url,
                &source.to_string_lossy(),
            ],
            url,
        )?;
        let db = Db::connect(url, 1).await?;
        let lignes = compter(db.pool()).await;
        db.close().await;
        Ok(Rapport {
            fichier: source.to_path_buf(),
            octets: taille(source)?,
            migration: None,
            lignes: lignes?,
        })
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

async fn restaurer_sqlite(db_path: &Path, source: &Path) -> Result<Rapport, StoreError> {
    let rapport = verifier_sqlite(source).await?;
    if let Some(parent) = db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| erreur(format!("création de {} : {e}", parent.display())))?;
    }
    // No server may hold the database: they take this lock shared for their lifetime.
    let verrou = ouvrir_verrou(&fichier_instance(db_path))?;
    match verrou.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(erreur(format!(
                "un serveur Alliances utilise {} : arrêtez-le avant de restaurer (rien n'a été modifié)",
                db_path.display()
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(StoreError::Lock {
                path: fichier_instance(db_path),
                source: e,
            })
        }
    }
    let tmp = temporaire(db_path);
    let copie = std::fs::copy(source, &tmp)
        .and_then(|_| File::open(&tmp))
        .and_then(|f| f.sync_all());
    if let Err(e) = copie {
        let _ = std::fs::remove_file(&tmp);
        return Err(erreur(format!("copie vers {} : {e}", tmp.display())));
    }
    // The old write-ahead log belongs to the old database: it must not be replayed on the new one.
    for suffixe in ["-wal", "-shm"] {
        let mut p = db_path.as_os_str().to_owned();
        p.push(suffixe);
        let p = PathBuf::from(p);
        if p.exists() {
            std::fs::remove_file(&p)
                .map_err(|e| erreur(format!("suppression de {} : {e}", p.display())))?;
        }
    }
    std::fs::rename(&tmp, db_path)
        .map_err(|e| erreur(format!("remplacement de {} : {e}", db_path.display())))?;
    sync_dossier(db_path);
    drop(verrou);
    Ok(rapport)
}

fn temporaire(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(format!(".{}.tmp", std::process::id()));
    PathBuf::from(p)
}

fn taille(path: &Path) -> Result<u64, StoreError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| erreur(format!("{} : {e}", path.display())))
}

/// Makes a rename durable (best effort: not every file system supports syncing a directory).
fn sync_dossier(path: &Path) {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(d) = File::open(parent) {
            let _ = d.sync_all();
        }
    }
}

async fn compter(pool: &sqlx::AnyPool) -> Result<Vec<(String, i64)>, StoreError> {
    let mut lignes = Vec::new();
    for table in TABLES_COMPTEES {
        // Table names come from the constant list above, never from input.
        let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await?
            .try_get(0)?;
        lignes.push((table.to_string(), n));
    }
    Ok(lignes)
}

/// Runs a PostgreSQL client tool; its error output, with the password hidden, becomes the message.
fn outil(programme: &str, args: &[&str], url: &str) -> Result<(), StoreError> {
    let sortie = Command::new(programme).args(args).output().map_err(|e| {
        erreur(format!(
            "{programme} introuvable ({e}) : installez les outils clients de PostgreSQL (paquet postgresql-client) de la version du serveur"
        ))
    })?;
    if sortie.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&sortie.stderr).replace(url, &redact_url(url));
    Err(erreur(format!(
        "{programme} a échoué ({}) : {}",
        sortie.status,
        stderr.trim()
    )))
}
