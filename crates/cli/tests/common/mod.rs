//! Helpers of the tests that run the `alliances` binary as servers.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Serveur {
    pub base: String,
    pub processus: Child,
}

impl Drop for Serveur {
    fn drop(&mut self) {
        let _ = self.processus.kill();
        let _ = self.processus.wait();
    }
}

pub fn port_libre() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

pub fn demarrer(url: &str, data: &Path) -> Serveur {
    let port = port_libre();
    let processus = Command::new(env!("CARGO_BIN_EXE_alliances"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database-url", url])
        .arg("--data-dir")
        .arg(data)
        .env("ALLIANCES_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Serveur {
        base: format!("http://127.0.0.1:{port}"),
        processus,
    }
}

pub async fn attendre_pret(s: &Serveur) {
    let http = reqwest::Client::new();
    let debut = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{}/readyz", s.base)).send().await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(
            debut.elapsed() < Duration::from_secs(120),
            "{} did not become ready",
            s.base
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `condition` until it holds; returns how long it took, fails after `limite`.
pub async fn attendre<F, Fut>(limite: Duration, quoi: &str, mut condition: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let debut = Instant::now();
    loop {
        if condition().await {
            return debut.elapsed();
        }
        assert!(debut.elapsed() < limite, "{quoi}: not within {limite:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn cli(args: &[&str], url: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_alliances"))
        .args(args)
        .args(["--database-url", url])
        .env("ALLIANCES_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A private PostgreSQL cluster for tests that stop and restart the server (loopback, a free
/// port, no durability). `None` when the PostgreSQL server binaries are not installed.
pub struct GrappePg {
    pub url: String,
    bin: std::path::PathBuf,
    data: std::path::PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl GrappePg {
    fn commande(&self, programme: &str) -> Command {
        let chemin = self.bin.join(programme);
        if root() {
            // initdb and postgres refuse to run as root.
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"])
                .arg(chemin)
                .current_dir("/");
            c
        } else {
            Command::new(chemin)
        }
    }

    fn executer(&self, programme: &str, args: &[&str]) {
        let out = self.commande(programme).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{programme} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn demarrer() -> Option<GrappePg> {
        let mut bins: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .collect();
        bins.sort();
        let bin = bins.pop()?;
        let dir = tempfile::tempdir().unwrap();
        if root() {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
        }
        let data = dir.path().join("data");
        let port = port_libre();
        let g = GrappePg {
            url: format!("postgres://alliances:alliances@127.0.0.1:{port}/alliances"),
            bin,
            data,
            port,
            _dir: dir,
        };
        g.executer(
            "initdb",
            &[
                "-D",
                g.data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        g.lancer();
        let socket = g.data.to_str().unwrap().to_string();
        let port = g.port.to_string();
        g.executer(
            "psql",
            &[
                "-X",
                "-q",
                "-h",
                &socket,
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                "CREATE ROLE alliances LOGIN PASSWORD 'alliances' CREATEDB",
                "-c",
                "CREATE DATABASE alliances OWNER alliances",
            ],
        );
        Some(g)
    }

    /// Starts (or starts again) the server.
    pub fn lancer(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories={} -c fsync=off -c synchronous_commit=off",
            self.port,
            self.data.display()
        );
        let log = self.data.join("server.log");
        self.executer(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "-o",
                &options,
                "start",
            ],
        );
    }

    /// Stops the server (fast shutdown: open connections are cut).
    pub fn arreter(&self) {
        self.executer(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        );
    }
}

impl Drop for GrappePg {
    fn drop(&mut self) {
        let _ = self
            .commande("pg_ctl")
            .args(["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}

/// Migrates the database, creates an account and returns a read-write API token for it.
pub fn compte_avec_jeton(url: &str, email: &str) -> String {
    cli(&["migrate"], url);
    cli(&["admin", "create-user", "--email", email], url);
    cli(&["admin", "create-token", "--email", email, "--write"], url)
        .trim()
        .to_string()
}
