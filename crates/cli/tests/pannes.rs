//! Faults, with the real binary: a server killed with SIGKILL in the middle of writes loses no
//! acknowledged write, leaves nothing corrupt, and the restarted server serves every
//! acknowledged record, in its pages, API and search. On SQLite, or on PostgreSQL with
//! TEST_DATABASE_URL.

mod common;

use common::{attendre, attendre_pret, cli, demarrer};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_writes_loses_no_acknowledged_write() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let dir = tempfile::tempdir().unwrap();
    cli(&["migrate"], &url);
    cli(
        &["admin", "create-user", "--email", "ecrivain@example.org"],
        &url,
    );
    let jeton = cli(
        &[
            "admin",
            "create-token",
            "--email",
            "ecrivain@example.org",
            "--write",
        ],
        &url,
    )
    .trim()
    .to_string();

    let mut serveur = demarrer(&url, dir.path());
    attendre_pret(&serveur).await;
    let base = serveur.base.clone();

    // Four writers create organisations until the server disappears.
    let acquittes: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mut ecrivains = Vec::new();
    for w in 0..4 {
        let (base, jeton, acquittes) = (base.clone(), jeton.clone(), acquittes.clone());
        ecrivains.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            for n in 0.. {
                let r = http
                    .post(format!("{base}/api/v1/organisations"))
                    .bearer_auth(&jeton)
                    .json(&serde_json::json!({
                        "nom": format!("Atelier Quercitrin {w}-{n}"),
                        "profil": "association",
                        "codeCommune": "42218",
                        "oddPrincipal": 11,
                        "description": "Réparation et réemploi",
                    }))
                    .send()
                    .await;
                let Ok(r) = r else { return };
                if r.status().as_u16() != 201 {
                    return;
                }
                let Ok(v) = r.json::<serde_json::Value>().await else {
                    return;
                };
                acquittes.lock().unwrap().push(v["id"].as_i64().unwrap());
            }
        }));
    }
    // Let writes pile up, then SIGKILL (no graceful shutdown).
    attendre(Duration::from_secs(30), "some writes acknowledged", || {
        let n = acquittes.lock().unwrap().len();
        async move { n >= 40 }
    })
    .await;
    serveur.processus.kill().unwrap();
    serveur.processus.wait().unwrap();
    let t = Instant::now();
    for e in ecrivains {
        e.await.unwrap();
    }
    let acquittes = acquittes.lock().unwrap().clone();
    assert!(acquittes.len() >= 40);

    // Nothing corrupt.
    let db = alliances_store::Db::connect(&url, 2).await.unwrap();
    if db.backend() == alliances_store::db::Backend::Sqlite {
        let r = sqlx::query("PRAGMA integrity_check")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(sqlx::Row::get::<String, _>(&r, 0), "ok");
    }
    let n: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) FROM organisations WHERE nom LIKE 'Atelier Quercitrin %'")
            .fetch_one(db.pool())
            .await
            .unwrap(),
        0,
    );
    db.close().await;
    assert!(
        n as usize >= acquittes.len(),
        "every acknowledged write is stored ({n} rows, {} acknowledged)",
        acquittes.len()
    );

    // The restarted server serves every acknowledged record, and finds them all.
    let serveur = demarrer(&url, dir.path());
    attendre_pret(&serveur).await;
    eprintln!(
        "{} writes acknowledged, {n} stored; restart ready after {:?}",
        acquittes.len(),
        t.elapsed()
    );
    let http = reqwest::Client::new();
    for id in &acquittes {
        let r = http
            .get(format!("{}/api/v1/organisations/{id}", serveur.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "organisation {id}");
    }
    let v: serde_json::Value = http
        .get(format!(
            "{}/api/v1/organisations?q=quercitrin&limit=1",
            serveur.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["total"].as_i64(),
        Some(n),
        "the search index holds them all"
    );
    // And the platform takes writes again.
    let r = http
        .post(format!("{}/api/v1/organisations", serveur.base))
        .bearer_auth(&jeton)
        .json(&serde_json::json!({
            "nom": "Atelier après la panne",
            "profil": "association",
            "codeCommune": "42218",
            "oddPrincipal": 11,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
