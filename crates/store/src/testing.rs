//! Fresh databases for tests: a SQLite file in a temporary folder, or, when `TEST_DATABASE_URL`
//! names a PostgreSQL server, a new database created on it (and dropped afterwards), so that the
//! same tests run on both backends.

use crate::db::{sqlite_url_for_dir, Db};
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A migrated, empty database that lives as long as this value.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

/// Which backend the tests run on, from `TEST_DATABASE_URL`.
pub fn backend_name() -> &'static str {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => "postgres",
        _ => "sqlite",
    }
}

/// The URL of a new, empty (unmigrated) database; the guard removes it when dropped.
pub async fn fresh_url() -> (String, TestDbGuard) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!(
                "alliances_t_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0)
            );
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(&admin)
                .await
                .expect("TEST_DATABASE_URL reachable");
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("CREATE DATABASE (the role needs CREATEDB)");
            conn.close().await.ok();
            let url = with_database(&admin, &name);
            (
                url,
                TestDbGuard {
                    _dir: None,
                    postgres: Some((admin, name)),
                },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temporary folder");
            let url = sqlite_url_for_dir(dir.path());
            (
                url,
                TestDbGuard {
                    _dir: Some(dir),
                    postgres: None,
                },
            )
        }
    }
}

/// Keeps a test database alive; drops the PostgreSQL database or the SQLite folder at the end.
pub struct TestDbGuard {
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl Drop for TestDbGuard {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            drop_database(admin, name);
        }
    }
}

fn drop_database(admin: String, name: String) {
    // Drop runs outside any runtime guarantee: use a small runtime on its own thread.
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        rt.block_on(async {
            let mut conn = sqlx::AnyConnection::connect(&admin).await.ok()?;
            conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                .await
                .ok()?;
            conn.close().await.ok()
        })
    })
    .join();
}

/// A fresh migrated database on the backend chosen by `TEST_DATABASE_URL`.
pub async fn fresh() -> TestDb {
    let (url, mut guard) = fresh_url().await;
    let db = Db::connect(&url, 5)
        .await
        .expect("connect to the test database");
    db.migrate().await.expect("migrations apply");
    TestDb {
        db,
        url,
        _dir: guard._dir.take(),
        postgres: guard.postgres.take(),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            drop_database(admin, name);
        }
    }
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..]
        .find('/')
        .map(|i| authority_start + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::with_database("postgres://u:p@h:5433/x?sslmode=disable", "y"),
            "postgres://u:p@h:5433/y?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "y"), "postgres://h/y");
    }
}
