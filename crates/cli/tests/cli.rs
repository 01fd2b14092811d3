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

/// `alliances kit check`: every shipped kit passes (CI runs this test); a broken file is
/// reported with its path, line and reason, and exit code 1; `--json` for machines.
#[test]
fn kit_check() {
    let kits = concat!(env!("CARGO_MANIFEST_DIR"), "/../../kits");
    let out = alliances().args(["kit", "check", kits]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "odd17-en-pratique",
        "sortie-de-crise-en-territoire",
        "evaluation-partenariat",
        "impact-collectif",
    ] {
        assert!(
            text.contains(&format!("ok  {kits}/{id}/v1.toml")),
            "{id}: {text}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("essai");
    std::fs::create_dir_all(&kit).unwrap();
    let source = std::fs::read_to_string(format!("{kits}/impact-collectif/v1.toml")).unwrap();
    let casse = source
        .replacen("id = \"impact-collectif\"", "id = \"essai\"", 1)
        .replacen("min = 25", "min = 0", 1);
    std::fs::write(kit.join("v1.toml"), &casse).unwrap();
    let out = alliances()
        .args(["kit", "check"])
        .arg(kit.join("v1.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let debut = casse.find("id = \"structuration\"").unwrap();
    let ligne = casse[..debut + casse[debut..].find("min = 0\n").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert!(
        err.contains("essai/v1.toml:") && err.contains("doit dépasser celui du niveau précédent"),
        "{err}"
    );
    assert!(
        err.contains(&format!("v1.toml:{ligne}: ")),
        "line {ligne}: {err}"
    );

    let out = alliances()
        .args(["kit", "check", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert!(!v["erreurs"].as_array().unwrap().is_empty());
    // Not a kit folder at all.
    let out = alliances()
        .args(["kit", "check", "/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// `alliances admin create-token`: a token for an existing account, printed once; an unknown
/// address is refused with exit code 1.
#[test]
fn admin_create_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = alliances()
        .args([
            "admin",
            "create-token",
            "--email",
            "personne@exemple.fr",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account with the address"));
    let out = alliances()
        .args([
            "admin",
            "create-user",
            "--email",
            "outil@exemple.fr",
            "--role",
            "moderateur",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = alliances()
        .args([
            "admin",
            "create-token",
            "--email",
            "Outil@Exemple.fr",
            "--write",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        token.starts_with("alliances_") && token.len() > 60,
        "{token}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("read write"));
}
