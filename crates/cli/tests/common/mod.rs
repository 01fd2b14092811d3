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
