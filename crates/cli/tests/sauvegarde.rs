//! `alliances admin backup` and `admin restore`, end to end through the binary: on SQLite always,
//! on PostgreSQL too when TEST_DATABASE_URL is set and pg_dump is installed.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn alliances() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alliances"));
    c.env_remove("ALLIANCES_DATABASE_URL")
        .env("ALLIANCES_LOG", "warn");
    c
}

fn run(args: &[&str], db: &[String]) -> Output {
    alliances().args(args).args(db).output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Fails with exit code 1 and an error output containing `attendu`.
fn echec(out: Output, attendu: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(attendu), "« {attendu} » in: {stderr}");
}

fn creer_compte(email: &str, db: &[String]) {
    ok(run(&["admin", "create-user", "--email", email], db));
}

fn compte_existe(email: &str, db: &[String]) -> bool {
    run(&["admin", "create-token", "--email", email], db)
        .status
        .success()
}

/// The scenario shared by both backends: a backup, a change, a restore to the backup's state.
fn aller_retour(db: &[String], dir: &Path) {
    ok(run(&["migrate"], db));
    creer_compte("avant@example.org", db);
    let fichier = dir.join("sauvegarde-1");
    let f = fichier.to_str().unwrap();
    let sortie = ok(run(&["admin", "backup", "--out", f], db));
    assert!(sortie.contains("users 1"), "{sortie}");
    // Never overwrites a backup.
    echec(run(&["admin", "backup", "--out", f], db), "existe déjà");

    creer_compte("apres@example.org", db);
    assert!(compte_existe("apres@example.org", db));

    // A restore needs to be confirmed.
    echec(run(&["admin", "restore", "--from", f], db), "--yes");
    assert!(compte_existe("apres@example.org", db));

    let sortie = ok(run(&["admin", "restore", "--from", f, "--yes"], db));
    assert!(sortie.contains("restored"), "{sortie}");
    assert!(compte_existe("avant@example.org", db));
    assert!(!compte_existe("apres@example.org", db));
    // The restored database takes writes again.
    creer_compte("ensuite@example.org", db);
    assert!(compte_existe("ensuite@example.org", db));
}

#[test]
fn sqlite_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let db = vec![
        "--data-dir".to_string(),
        data.to_string_lossy().into_owned(),
    ];
    aller_retour(&db, dir.path());

    // Files that are not backups are refused before anything changes.
    let texte = dir.path().join("pas-une-base.csv");
    std::fs::write(&texte, "id;nom\n1;x\n").unwrap();
    echec(
        run(
            &[
                "admin",
                "restore",
                "--from",
                texte.to_str().unwrap(),
                "--yes",
            ],
            &db,
        ),
        "n'est pas une base SQLite",
    );
    let sauvegarde = std::fs::read(dir.path().join("sauvegarde-1")).unwrap();
    let tronquee = dir.path().join("tronquee");
    std::fs::write(&tronquee, &sauvegarde[..sauvegarde.len() / 3]).unwrap();
    let out = run(
        &[
            "admin",
            "restore",
            "--from",
            tronquee.to_str().unwrap(),
            "--yes",
        ],
        &db,
    );
    assert_eq!(out.status.code(), Some(1));
    let absente = dir.path().join("absente");
    echec(
        run(
            &[
                "admin",
                "restore",
                "--from",
                absente.to_str().unwrap(),
                "--yes",
            ],
            &db,
        ),
        "n'existe pas",
    );
    assert!(compte_existe("ensuite@example.org", &db), "untouched");

    // A running server holds the database: the restore is refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut serveur = alliances()
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(&db)
        .spawn()
        .unwrap();
    let debut = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            debut.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let f = dir.path().join("sauvegarde-1");
    echec(
        run(
            &["admin", "restore", "--from", f.to_str().unwrap(), "--yes"],
            &db,
        ),
        "arrêtez-le",
    );
    // A backup is taken while the server runs.
    let pendant = dir.path().join("pendant-le-service");
    ok(run(
        &["admin", "backup", "--out", pendant.to_str().unwrap()],
        &db,
    ));
    serveur.kill().unwrap();
    serveur.wait().unwrap();
    ok(run(
        &[
            "admin",
            "restore",
            "--from",
            pendant.to_str().unwrap(),
            "--yes",
        ],
        &db,
    ));
    assert!(compte_existe("ensuite@example.org", &db));
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_backup_and_restore() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        return;
    }
    if Command::new("pg_dump").arg("--version").output().is_err() {
        panic!("TEST_DATABASE_URL is set but pg_dump is not installed (package postgresql-client)");
    }
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let dir = tempfile::tempdir().unwrap();
    let db = vec!["--database-url".to_string(), url];
    let db2 = db.clone();
    let chemin = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || aller_retour(&db2, &chemin))
        .await
        .unwrap();
    let texte = dir.path().join("pas-une-archive");
    std::fs::write(&texte, "rien").unwrap();
    let out = run(
        &[
            "admin",
            "restore",
            "--from",
            texte.to_str().unwrap(),
            "--yes",
        ],
        &db,
    );
    echec(out, "n'est pas une archive");
    assert!(compte_existe("ensuite@example.org", &db));
}
