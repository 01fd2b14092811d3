//! Reading a release of @etalab/decoupage-administratif, and what happens with a broken one.

use alliances_app::geo::{read_etalab, GeoError};
use alliances_app::App;
use serde_json::json;
use std::path::{Path, PathBuf};

/// A tiny release in the package's layout: `<root>/package.json` and `<root>/data/*.json`.
fn release(root: &Path) -> PathBuf {
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        root.join("package.json"),
        json!({"name": "@etalab/decoupage-administratif", "version": "7.0.0"}).to_string(),
    )
    .unwrap();
    let w =
        |name: &str, v: serde_json::Value| std::fs::write(data.join(name), v.to_string()).unwrap();
    w(
        "regions.json",
        json!([{"code": "84", "nom": "Auvergne-Rhône-Alpes", "zone": "metro", "chefLieu": "69123"}]),
    );
    w(
        "departements.json",
        json!([{"code": "42", "region": "84", "nom": "Loire", "zone": "metro", "chefLieu": "42218"}]),
    );
    w(
        "epci.json",
        json!([{"code": "244200770", "nom": "Saint-Étienne Métropole", "type": "METRO", "modeFinancement": "FPU", "populationTotale": 1, "membres": [{"code": "42218", "nom": "Saint-Étienne"}]}]),
    );
    w(
        "communes.json",
        json!([
            {"code": "42218", "nom": "Saint-Étienne", "type": "commune-actuelle", "departement": "42", "region": "84", "zone": "metro", "codesPostaux": ["42000", "42100"], "population": 173136, "siren": "214202186"},
            {"code": "42190", "nom": "Rochetaillée", "type": "commune-associee", "chefLieu": "42218", "departement": "42", "region": "84", "zone": "metro"},
            {"code": "42999", "nom": "Isolée", "type": "commune-actuelle", "departement": "42", "region": "84", "zone": "metro", "population": 12}
        ]),
    );
    data
}

fn edit(data: &Path, file: &str, f: impl FnOnce(&mut serde_json::Value)) {
    let path = data.join(file);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, v.to_string()).unwrap();
}

#[test]
fn reads_a_release_with_vintage_membership_and_parents() {
    let dir = tempfile::tempdir().unwrap();
    let data = read_etalab(&release(dir.path()), None).unwrap();
    assert_eq!(data.source.millesime, "2027");
    assert_eq!(data.source.source, "@etalab/decoupage-administratif 7.0.0");
    let st = data.communes.iter().find(|c| c.code == "42218").unwrap();
    assert_eq!(
        st.code_epci.as_deref(),
        Some("244200770"),
        "commune → EPCI comes from epci.json members"
    );
    let isolee = data.communes.iter().find(|c| c.code == "42999").unwrap();
    assert_eq!(isolee.code_epci, None);
    let associee = data.communes.iter().find(|c| c.code == "42190").unwrap();
    assert_eq!(associee.code_parent.as_deref(), Some("42218"));
    assert_eq!(
        read_etalab(&release(dir.path()), Some("2030"))
            .unwrap()
            .source
            .millesime,
        "2030"
    );
}

fn error_of(f: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let data = release(dir.path());
    f(&data);
    read_etalab(&data, None).unwrap_err().to_string()
}

#[test]
fn broken_releases_are_refused_naming_the_file_and_the_field() {
    let e = error_of(|d| std::fs::remove_file(d.join("communes.json")).unwrap());
    assert!(
        e.contains("communes.json") && e.contains("fichier introuvable"),
        "{e}"
    );
    let e = error_of(|d| std::fs::write(d.join("epci.json"), "{ pas du json").unwrap());
    assert!(
        e.contains("epci.json") && e.contains("JSON invalide"),
        "{e}"
    );
    let e = error_of(|d| std::fs::write(d.join("regions.json"), [0xff, 0xfe, 0x00]).unwrap());
    assert!(e.contains("regions.json"), "{e}");
    let e = error_of(|d| {
        edit(d, "communes.json", |v| {
            v[0].as_object_mut()
                .unwrap()
                .remove("nom")
                .map(|_| ())
                .unwrap()
        })
    });
    assert!(
        e.contains("communes.json, entrée n° 1 (code 42218)") && e.contains("missing field `nom`"),
        "{e}"
    );
    let e = error_of(|d| {
        edit(d, "communes.json", |v| {
            v[1]["type"] = json!("commune-fantome")
        })
    });
    assert!(
        e.contains("entrée n° 2 (code 42190)") && e.contains("champ type"),
        "{e}"
    );
    let e = error_of(|d| edit(d, "departements.json", |v| v[0]["region"] = json!("99")));
    assert!(
        e.contains("département 42 : champ codeRegion : région 99 inconnue"),
        "{e}"
    );
    let e = error_of(|d| {
        edit(d, "epci.json", |v| {
            v[0]["membres"][0]["code"] = json!("42000")
        })
    });
    assert!(e.contains("membre 42000 absent"), "{e}");
    let e = error_of(|d| edit(d, "epci.json", |v| v[0]["code"] = json!("244200771")));
    assert!(e.contains("Luhn"), "{e}");
    // A foreign folder: JSON files of another shape.
    let e = error_of(|d| {
        std::fs::write(
            d.join("regions.json"),
            json!({"type": "FeatureCollection"}).to_string(),
        )
        .unwrap()
    });
    assert!(
        e.contains("regions.json") && e.contains("pas une liste"),
        "{e}"
    );
}

#[test]
fn without_package_json_the_vintage_must_be_given() {
    let dir = tempfile::tempdir().unwrap();
    let data = release(dir.path());
    std::fs::remove_file(dir.path().join("package.json")).unwrap();
    let e = read_etalab(&data, None).unwrap_err();
    assert!(
        matches!(e, GeoError::File { .. }) && e.to_string().contains("--millesime"),
        "{e}"
    );
    assert_eq!(
        read_etalab(&data, Some("2026")).unwrap().source.millesime,
        "2026"
    );
}

#[tokio::test]
async fn an_inconsistent_referential_never_replaces_the_current_one() {
    let (url, _guard) = alliances_store::testing::fresh_url().await;
    let app = App::open(&url, 2).await.unwrap();
    let before = app.territoires().referentiel.len();
    assert!(
        before > 38_000,
        "the shipped referential is loaded on first open"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut data = read_etalab(&release(dir.path()), None).unwrap();
    data.communes[0].code_departement = "99".into();
    assert!(app.replace_referentiel(&data).await.is_err());
    assert_eq!(app.territoires().referentiel.len(), before);
    let reopened = App::open(&url, 2).await.unwrap();
    assert_eq!(
        reopened.territoires().referentiel.len(),
        before,
        "the database kept the previous referential"
    );

    // A consistent one replaces it, in the database and in memory, and other instances follow
    // through the change feed.
    let good = read_etalab(&release(dir.path()), None).unwrap();
    app.replace_referentiel(&good).await.unwrap();
    assert_eq!(app.territoires().referentiel.len(), 6);
    assert_eq!(reopened.territoires().referentiel.len(), before);
    assert!(reopened.refresh().await.unwrap() >= 1);
    assert_eq!(reopened.territoires().referentiel.len(), 6);
    assert_eq!(reopened.territoires().referentiel.source.millesime, "2027");
}
