//! The binary's commands, exit codes and messages.

use std::process::Command;

fn alliances() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alliances"));
    c.env_remove("ALLIANCES_DATABASE_URL")
        .env("ALLIANCES_LOG", "warn");
    c
}

#[test]
fn help_and_usage_errors() {
    let out = alliances().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "demo", "migrate", "geo", "bench"] {
        assert!(text.contains(cmd), "{cmd} in --help");
    }
    let out = alliances()
        .args(["geo", "import", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--write-data"));
    assert_eq!(
        alliances().arg("nimporte").output().unwrap().status.code(),
        Some(2)
    );
    assert_eq!(
        alliances()
            .args(["serve", "--port", "1"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn migrate_creates_the_database_and_loads_the_referential() {
    let dir = tempfile::tempdir().unwrap();
    let out = alliances()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("database ready"));
    assert!(dir.path().join("alliances.db").exists());
    // Idempotent.
    assert!(alliances()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap()
        .status
        .success());
}

#[test]
fn bad_input_exits_1_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = alliances()
        .args([
            "geo",
            "import",
            "/nulle/part/data",
            "--millesime",
            "2026",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("regions.json")
            && err.contains("fichier introuvable")
            && err.contains("unchanged"),
        "{err}"
    );
    let out = alliances()
        .args(["migrate", "--database-url", "mysql://x/y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite://"));
    let out = alliances()
        .args(["migrate"])
        .env("ALLIANCES_MAX_CONNECTIONS", "many")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ALLIANCES_MAX_CONNECTIONS"));
}
