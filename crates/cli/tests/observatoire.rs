//! `alliances observatoire calibrate|estimate` on the reference fixture of crates/calage, and
//! every bad input: exit 1 with a message naming what is wrong, nothing written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn alliances() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alliances"));
    c.env_remove("ALLIANCES_DATABASE_URL")
        .env("ALLIANCES_LOG", "warn");
    c
}

fn fixture(nom: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../calage/tests/fixtures")
        .join(nom)
}

fn run(args: &[&str]) -> Output {
    alliances().args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn calibrate(data: &Path, margins: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "observatoire",
        "calibrate",
        "--data",
        data.to_str().unwrap(),
        "--margins",
        margins.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// R's raking weights of the fixture, by id.
fn poids_r(colonne: &str) -> Vec<(String, f64)> {
    let texte = std::fs::read_to_string(fixture("r_weights.csv")).unwrap();
    let mut lignes = texte.lines();
    let entete: Vec<&str> = lignes.next().unwrap().split(',').collect();
    let j = entete
        .iter()
        .position(|c| c.trim_matches('"') == colonne)
        .unwrap();
    lignes
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            (
                v[0].trim_matches('"').to_string(),
                v[j].trim_matches('"').parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn calibrate_then_estimate_matches_r() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("weights.csv");
    let report = dir.path().join("report.json");
    let o = calibrate(
        &fixture("sample.csv"),
        &fixture("margins.json"),
        &out,
        &[
            "--method",
            "raking",
            "--weight-col",
            "d",
            "--tolerance",
            "1e-13",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("Kish effective sample size"));
    let ecrits = std::fs::read_to_string(&out).unwrap();
    assert!(ecrits.starts_with("id,weight,g\n"));
    let r = poids_r("raking");
    let lignes: Vec<&str> = ecrits.lines().skip(1).collect();
    assert_eq!(lignes.len(), r.len());
    for (ligne, (id, attendu)) in lignes.iter().zip(&r) {
        let v: Vec<&str> = ligne.split(',').collect();
        assert_eq!(v[0], id);
        let w: f64 = v[1].parse().unwrap();
        assert!(
            (w - attendu).abs() / attendu < 1e-9,
            "{id}: {w} vs R {attendu}"
        );
    }
    let rapport: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(rapport["methode"], "raking");
    assert!(rapport["ecartRelatifMax"].as_f64().unwrap() < 1e-12);
    assert!(rapport["nEffectif"].as_f64().unwrap() > 1000.0);

    // Calibrated standard error of y01 overall, against R's svymean on the calibrated design.
    let o = run(&[
        "observatoire",
        "estimate",
        "--data",
        fixture("sample.csv").to_str().unwrap(),
        "--weights",
        out.to_str().unwrap(),
        "--var",
        "y01",
        "--se",
        "calibrated",
        "--margins",
        fixture("margins.json").to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &j["resultats"][0];
    let estimates = std::fs::read_to_string(fixture("r_estimates.csv")).unwrap();
    let ligne = estimates
        .lines()
        .find(|l| l.starts_with("\"raking\",\"calibrated\",\"y01\",\"\""))
        .unwrap();
    let v: Vec<f64> = ligne
        .split(',')
        .skip(5)
        .map(|x| x.trim_matches('"').parse().unwrap())
        .collect();
    let (est, se) = (
        e["estimation"].as_f64().unwrap(),
        e["erreurType"].as_f64().unwrap(),
    );
    assert!((est - v[0]).abs() / v[0] < 1e-9, "{est} vs {}", v[0]);
    assert!((se - v[1]).abs() / v[1] < 1e-9, "{se} vs {}", v[1]);
    assert_eq!(e["n"], 1500);

    // By domain with a threshold that suppresses the small cells.
    let o = run(&[
        "observatoire",
        "estimate",
        "--data",
        fixture("sample.csv").to_str().unwrap(),
        "--weights",
        out.to_str().unwrap(),
        "--var",
        "opinion",
        "--by",
        "taille",
        "--threshold",
        "200",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let texte = String::from_utf8_lossy(&o.stdout);
    assert!(texte.contains("suppressed"), "{texte}");
    assert!(texte.contains("contre"));

    // The weights are joined by id: a shuffled weights file gives the same estimates; a
    // weights file missing a respondent is refused, naming it.
    let estimer = |poids: &Path| {
        run(&[
            "observatoire",
            "estimate",
            "--data",
            fixture("sample.csv").to_str().unwrap(),
            "--weights",
            poids.to_str().unwrap(),
            "--var",
            "revenu",
            "--by",
            "zone",
            "--json",
        ])
    };
    let reference = estimer(&out);
    assert!(reference.status.success());
    let mut lignes: Vec<&str> = ecrits.lines().collect();
    let entete = lignes.remove(0);
    lignes.reverse();
    let melange = dir.path().join("shuffled.csv");
    std::fs::write(&melange, format!("{entete}\n{}\n", lignes.join("\n"))).unwrap();
    assert_eq!(estimer(&melange).stdout, reference.stdout);
    let incomplet = dir.path().join("incomplete.csv");
    std::fs::write(
        &incomplet,
        format!("{entete}\n{}\n", lignes[1..].join("\n")),
    )
    .unwrap();
    let o = estimer(&incomplet);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("« r1500 »"), "{}", stderr(&o));
}

fn ecrire(dir: &Path, nom: &str, contenu: &str) -> PathBuf {
    let p = dir.join(nom);
    std::fs::write(&p, contenu).unwrap();
    p
}

/// Runs a failing calibration: exit 1, the message contains every `attendu`, no output file.
fn refuse(data: &Path, margins: &Path, extra: &[&str], attendus: &[&str]) {
    let out = data.parent().unwrap().join("weights-out.csv");
    let o = calibrate(data, margins, &out, extra);
    let message = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{message}");
    for a in attendus {
        assert!(message.contains(a), "« {a} » in: {message}");
    }
    assert!(!out.exists(), "nothing written");
}

#[test]
fn bad_inputs_exit_1_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = ecrire(
        d,
        "data.csv",
        "id,region,taille,w\n1,A,p,1\n2,A,g,1.5\n3,B,p,1\n4,B,g,2\n5,C,p,1\n6,A,p,1\n",
    );
    let bonnes = ecrire(
        d,
        "ok.json",
        r#"{"population": 100, "margins": {"region": {"A": 50, "B": 30, "C": 20}, "taille": {"p": 60, "g": 40}}}"#,
    );
    // The good case works (and is then removed, so that refuse() sees no file).
    let out = d.join("weights-out.csv");
    let o = calibrate(
        &data,
        &bonnes,
        &out,
        &["--method", "linear", "--weight-col", "w"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(&out).unwrap();

    // Categories of the data not covered by a margin: named.
    let sans_c = ecrire(
        d,
        "sans-c.json",
        r#"{"population": 100, "margins": {"region": {"A": 50, "B": 50}, "taille": {"p": 60, "g": 40}}}"#,
    );
    refuse(
        &data,
        &sans_c,
        &["--method", "raking"],
        &["region", "« C »"],
    );

    // Margins whose totals disagree: the gap is given.
    let discordantes = ecrire(
        d,
        "discordantes.json",
        r#"{"population": 100, "margins": {"region": {"A": 50, "B": 30, "C": 20}, "taille": {"p": 60, "g": 45}}}"#,
    );
    refuse(
        &data,
        &discordantes,
        &["--method", "raking"],
        &["taille", "sums to 105", "gap +5"],
    );

    // A category with a population total but no respondent.
    let vide = ecrire(
        d,
        "vide.json",
        r#"{"population": 100, "margins": {"region": {"A": 50, "B": 20, "C": 20, "D": 10}, "taille": {"p": 60, "g": 40}}}"#,
    );
    refuse(
        &data,
        &vide,
        &["--method", "raking"],
        &["« D »", "no respondent"],
    );

    // Duplicated ids: both lines named.
    let doublons = ecrire(d, "doublons.csv", "id,region,taille\n1,A,p\n2,B,g\n1,C,p\n");
    refuse(
        &doublons,
        &bonnes,
        &["--method", "raking"],
        &["« 1 »", "lines 2 and 4"],
    );

    // Non-numeric design weights: line and column named.
    let texte = ecrire(
        d,
        "texte.csv",
        "id,region,taille,w\n1,A,p,1\n2,A,g,abc\n3,B,p,1\n4,B,g,2\n5,C,p,1\n",
    );
    refuse(
        &texte,
        &bonnes,
        &["--method", "raking", "--weight-col", "w"],
        &["line 3", "« w »", "« abc »"],
    );

    // Infeasible bounds.
    refuse(
        &data,
        &bonnes,
        &[
            "--method",
            "truncated",
            "--bounds",
            "0.5,1.5",
            "--weight-col",
            "w",
        ],
        &["infeasible", "region"],
    );

    // Non-convergence: an iteration budget too small for logit. Gaps reported.
    refuse(
        &data,
        &bonnes,
        &[
            "--method",
            "logit",
            "--bounds",
            "0.01,100",
            "--weight-col",
            "w",
            "--max-iter",
            "1",
        ],
        &["did not converge", "largest gaps"],
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w.csv");
    for extra in [
        &["--method", "logit"][..],
        &["--method", "raking", "--bounds", "0.5,2"][..],
        &["--method", "logit", "--bounds", "abc"][..],
        &["--method", "magic"][..],
    ] {
        let o = calibrate(
            &fixture("sample.csv"),
            &fixture("margins.json"),
            &out,
            extra,
        );
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(!out.exists());
    }
    let o = run(&[
        "observatoire",
        "estimate",
        "--data",
        fixture("sample.csv").to_str().unwrap(),
        "--weights",
        fixture("r_weights.csv").to_str().unwrap(),
        "--var",
        "y01",
        "--se",
        "calibrated",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
