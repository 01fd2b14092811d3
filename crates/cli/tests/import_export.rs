//! `alliances import …` and `alliances export organisations`: exit codes, messages, progress
//! lines, JSON summaries, and a real kill in the middle of an import followed by a resume.
//! On SQLite, or on PostgreSQL with TEST_DATABASE_URL.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn alliances() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alliances"));
    c.env_remove("ALLIANCES_DATABASE_URL")
        .env("ALLIANCES_LOG", "warn");
    c
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../app/tests/fixtures")
        .join(name)
}

fn run(args: &[&str], url: &str) -> Output {
    alliances()
        .args(args)
        .args(["--database-url", url])
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn import_and_export_commands() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let rna = fixture("rna_waldec_utf8.csv");
    let rna = rna.to_str().unwrap();

    // A check first: the same counts as the import below, nothing written (exit 1: rejections).
    let o = run(&["import", "rna", rna, "--check"], &url);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("16 rows read, 10 would be imported, 6 rejected")
            && out.contains("nothing written"),
        "{out}"
    );
    assert!(out.contains("ligne 7, rna : RNA invalide"), "{out}");
    assert!(
        stderr(&o).contains("6 rows would be rejected"),
        "{}",
        stderr(&o)
    );

    let o = run(&["import", "rna", rna], &url);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("16 rows read, 10 imported (10 new"), "{out}");
    assert!(
        out.contains("6 rejected") && out.contains("3 likely duplicates"),
        "{out}"
    );
    assert!(out.contains("ligne 7, rna : RNA invalide"), "{out}");
    // Not a terminal: plain progress lines on stderr.
    assert!(stderr(&o).contains("import rna: 100 %"), "{}", stderr(&o));

    // Again, as JSON: nothing new.
    let o = run(&["import", "rna", rna, "--json"], &url);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["inchangees"], 10);
    assert_eq!(j["creees"], 0);
    assert_eq!(j["termine"], true);

    let mapping = fixture("structures.toml");
    let o = run(
        &[
            "import",
            "csv",
            fixture("structures.csv").to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
        ],
        &url,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("3 imported"), "{}", stdout(&o));

    // Bad input: exit 1, the message names what is wrong; nothing written.
    let o = run(&["import", "sirene", rna], &url);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("siret") || stderr(&o).contains("« , »"),
        "{}",
        stderr(&o)
    );
    let o = run(&["import", "rna", "/nulle/part/rna.csv"], &url);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nulle/part/rna.csv"), "{}", stderr(&o));
    let o = run(
        &[
            "import",
            "csv",
            fixture("structures.csv").to_str().unwrap(),
            "--mapping",
            "/nulle/part.toml",
        ],
        &url,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("mapping"), "{}", stderr(&o));
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("page.csv");
    std::fs::write(&html, "<html><body>Erreur 404</body></html>").unwrap();
    let o = run(&["import", "rna", html.to_str().unwrap()], &url);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("HTML"), "{}", stderr(&o));
    // Usage errors: exit 2.
    assert_eq!(
        run(&["import", "csv", rna], &url).status.code(),
        Some(2),
        "--mapping is required"
    );
    assert_eq!(run(&["import", "xml", rna], &url).status.code(), Some(2));
    assert_eq!(
        run(&["export", "organisations", "--format", "xml"], &url)
            .status
            .code(),
        Some(2)
    );

    // Export: JSON Lines into a file, then CSV for spreadsheets on stdout.
    let sortie = dir.path().join("annuaire.jsonl");
    let o = run(
        &[
            "export",
            "organisations",
            "--format",
            "jsonl",
            "--sortie",
            sortie.to_str().unwrap(),
            "--json",
        ],
        &url,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let resume: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(resume["organisations"], 13);
    let texte = std::fs::read_to_string(&sortie).unwrap();
    let lignes: Vec<&str> = texte.lines().collect();
    assert_eq!(lignes.len(), 14);
    assert!(lignes[0].contains("\"licence\"") && lignes[0].contains("dateExtraction"));
    assert!(
        !texte.contains("direction@"),
        "private contacts never exported"
    );
    let o = run(&["export", "organisations", "--separateur", ";"], &url);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = stdout(&o);
    assert!(csv.starts_with("id;nom;sigle;profil;"), "{csv}");
    assert_eq!(csv.lines().count(), 14);
    assert!(stderr(&o).contains("exported 13 organisations"));
}

#[tokio::test]
async fn a_killed_import_resumes_without_duplicates() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rna.csv");
    let n = 20_000;
    let mut s = String::from("id;titre;adrs_codeinsee;position\n");
    for i in 0..n {
        s.push_str(&format!(
            "W{:09};\"ASSOCIATION {i}\";{};A\n",
            i + 1,
            ["75056", "69123", "13055"][i % 3]
        ));
    }
    std::fs::write(&path, s).unwrap();
    let p = path.to_str().unwrap();

    let mut child = alliances()
        .args([
            "import",
            "rna",
            p,
            "--batch-size",
            "200",
            "--database-url",
            &url,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first progress line comes after the first committed batch: kill it there.
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut ligne = String::new();
    while err.read_line(&mut ligne).unwrap() > 0 && !ligne.contains("import rna:") {
        ligne.clear();
    }
    child.kill().unwrap();
    let tue = !child.wait().unwrap().success();

    let o = run(&["import", "rna", p, "--json"], &url);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["termine"], true);
    assert_eq!(j["lignesLues"], n);
    assert_eq!(j["importees"], n);
    if tue {
        assert!(j["repriseApresLigne"].as_u64().unwrap() > 1, "{j}");
        assert!(j["lignesLuesIci"].as_u64().unwrap() < n as u64, "{j}");
    }
    // Every association exactly once.
    let o = run(&["export", "organisations", "--format", "jsonl"], &url);
    assert!(o.status.success());
    let texte = stdout(&o);
    assert_eq!(texte.lines().count(), n + 1);
    let mut rna: Vec<&str> = texte
        .lines()
        .skip(1)
        .map(|l| {
            let i = l.find("\"rna\":\"").unwrap() + 7;
            &l[i..i + 10]
        })
        .collect();
    rna.sort_unstable();
    rna.dedup();
    assert_eq!(rna.len(), n);
}
