//! The database handle: backend chosen from the URL scheme, pragmas, migrations under a lock.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::path::{Path, PathBuf};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "URL de base de données non prise en charge « {0} » : attendu sqlite://… ou postgres://…"
    )]
    UnsupportedUrl(String),
    #[error("base de données injoignable ({url}) : {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("migration de la base impossible : {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("verrou de migration impossible sur {path} : {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("erreur de base de données : {0}")]
    Sql(sqlx::Error),
    #[error("donnée incohérente en base : {0}")]
    Corrupt(String),
    #[error("{0}")]
    Sauvegarde(String),
}

impl From<sqlx::Error> for StoreError {
    /// Every SQL error passes here: those saying that the database cannot be used right now are
    /// noted for the web layer (see [`indisponibilite`]).
    fn from(e: sqlx::Error) -> Self {
        if let Some(raison) = classer(&e) {
            signaler(raison);
        }
        StoreError::Sql(e)
    }
}

/// Why the database cannot be used right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indisponibilite {
    /// Connections fail or time out (PostgreSQL stopped, restarting or unreachable).
    Injoignable,
    /// Writes fail for lack of space (SQLite: « database or disk is full », PostgreSQL: 53100).
    DisquePlein,
}

/// The kind of failure of an SQL error, when it is the database's state rather than the query.
pub fn classer(e: &sqlx::Error) -> Option<Indisponibilite> {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => Some(Indisponibilite::Injoignable),
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
            // SQLite reports (extended) result codes as numbers; PostgreSQL SQLSTATEs.
            if let Ok(n) = code.parse::<i64>() {
                match n & 0xff {
                    13 => Some(Indisponibilite::DisquePlein),
                    10 if d.message().contains("disk") => Some(Indisponibilite::DisquePlein),
                    _ => None,
                }
            } else if code == "53100" {
                Some(Indisponibilite::DisquePlein)
            } else if code.starts_with("08") || code.starts_with("57P") {
                // Connection exceptions; administrator shutdown, crash shutdown, cannot connect now.
                Some(Indisponibilite::Injoignable)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Milliseconds since the epoch of the last failure of each kind (0: none since the last
/// success). Process-wide: every pool of a process talks to the same database in practice.
static INJOIGNABLE_DEPUIS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
static DISQUE_PLEIN_DEPUIS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn maintenant_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Notes a failure of the database's state.
pub fn signaler(raison: Indisponibilite) {
    let t = maintenant_ms();
    match raison {
        Indisponibilite::Injoignable => {
            INJOIGNABLE_DEPUIS.store(t, std::sync::atomic::Ordering::Relaxed)
        }
        Indisponibilite::DisquePlein => {
            DISQUE_PLEIN_DEPUIS.store(t, std::sync::atomic::Ordering::Relaxed)
        }
    }
}

/// The database answered (the change feed's poll, the readiness check): forget an unreachable
/// database.
pub fn joignable() {
    INJOIGNABLE_DEPUIS.store(0, std::sync::atomic::Ordering::Relaxed);
}

/// The database's state as last seen: unreachable from a connection failure until a success
/// says otherwise (the change feed's poll, the readiness check, the web layer's probe); a full
/// disk for the 10 s after a write failed for lack of space.
pub fn indisponibilite() -> Option<Indisponibilite> {
    use std::sync::atomic::Ordering::Relaxed;
    if INJOIGNABLE_DEPUIS.load(Relaxed) != 0 {
        return Some(Indisponibilite::Injoignable);
    }
    let plein = DISQUE_PLEIN_DEPUIS.load(Relaxed);
    (plein != 0 && maintenant_ms() - plein < 10_000).then_some(Indisponibilite::DisquePlein)
}

/// The latest SQLite migration this binary carries (a backup from a newer one is refused).
pub(crate) fn derniere_migration_sqlite() -> i64 {
    SQLITE_MIGRATIONS
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// A pool over one database, SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    redacted_url: String,
    sqlite_path: Option<PathBuf>,
}

/// The SQLite URL of the database file inside a data directory.
pub fn sqlite_url_for_dir(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("alliances.db").display())
}

/// The URL with its password hidden, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub(crate) fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

impl Db {
    /// Connects to `url` (`sqlite://PATH?mode=rwc` or `postgres://…`).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let sqlite_path = sqlite_path(url);
        if let Some(parent) = sqlite_path.as_deref().and_then(Path::parent) {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Lock {
                    path: parent.to_path_buf(),
                    source: e,
                })?;
            }
        }
        let mut options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5));
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            });
        }
        let pool = options
            .connect(url)
            .await
            .map_err(|e| StoreError::Connect {
                url: redact_url(url),
                source: e,
            })?;
        Ok(Db {
            pool,
            backend,
            redacted_url: redact_url(url),
            sqlite_path,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
    pub fn redacted_url(&self) -> &str {
        &self.redacted_url
    }
    /// The database file, on SQLite.
    pub fn sqlite_path(&self) -> Option<&Path> {
        self.sqlite_path.as_deref()
    }

    /// Applies pending migrations, once, even when several processes start together: PostgreSQL
    /// takes an advisory lock (sqlx's migrator does), SQLite an exclusive lock on a file beside
    /// the database.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
            Backend::Sqlite => {
                let _guard = match &self.sqlite_path {
                    Some(path) => Some(file_lock(path).await?),
                    None => None,
                };
                SQLITE_MIGRATIONS.run(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout): a deferred transaction that reads
    /// and then writes fails with "database is locked" when another connection wrote in
    /// between. PostgreSQL locks rows as they are written.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Checks that the database answers (and, when it does, forgets that it did not).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: AnyRow = sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        joignable();
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// An exclusive lock on `<db>.lock`, released when dropped. Polls without blocking the runtime.
async fn file_lock(db_path: &Path) -> Result<std::fs::File, StoreError> {
    let mut lock_path = db_path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::Lock {
            path: lock_path.clone(),
            source: e,
        })?;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StoreError::Lock {
                    path: lock_path,
                    source: e,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://h/db"), "postgres://h/db");
        assert_eq!(
            redact_url("sqlite:///tmp/x.db?mode=rwc"),
            "sqlite:///tmp/x.db?mode=rwc"
        );
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db?mode=rwc"),
            Some(PathBuf::from("/tmp/a.db"))
        );
        assert_eq!(
            sqlite_path("sqlite://data/a.db"),
            Some(PathBuf::from("data/a.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
