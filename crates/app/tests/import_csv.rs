//! Importing any CSV with a mapping file (SQLite, or PostgreSQL with TEST_DATABASE_URL).

use alliances_app::annuaire::import::{self, Format, ImportError, Options};
use alliances_app::App;
use alliances_domain::annuaire::Profil;
use alliances_store::organisations::{self as store, Fiche};
use std::path::{Path, PathBuf};
use std::sync::Arc;

async fn app() -> (Arc<App>, alliances_store::testing::TestDbGuard) {
    let (url, guard) = alliances_store::testing::fresh_url().await;
    (App::open(&url, 5).await.unwrap(), guard)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn mapping() -> String {
    std::fs::read_to_string(fixture("structures.toml")).unwrap()
}

async fn preparer(path: PathBuf, format: Format) -> Result<import::Preparation, ImportError> {
    tokio::task::spawn_blocking(move || import::preparer(&path, "structures.csv", format))
        .await
        .unwrap()
}

async fn toutes(app: &App) -> Vec<Fiche> {
    store::page(&app.db, 0, 100).await.unwrap()
}

#[tokio::test]
async fn generic_csv_with_a_mapping_file() {
    let (app, _g) = app().await;
    let prep = preparer(fixture("structures.csv"), Format::csv(&mapping()).unwrap())
        .await
        .unwrap();
    let r = app
        .importer(None, prep, Options::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(
        (r.lignes_lues, r.importees, r.rejetees),
        (4, 3, 1),
        "{:#?}",
        r.problemes
    );
    assert_eq!(r.source, "reseau-exemple");
    // An unknown profile is not optional: the row is rejected and said so.
    assert!(r
        .problemes
        .iter()
        .any(|p| p.ligne == 4 && p.rejet && p.champ == "profil"));
    // SDG 18 does not exist: dropped, reported, the row imported.
    assert!(r
        .problemes
        .iter()
        .any(|p| p.ligne == 5 && !p.rejet && p.champ == "oddPrincipal"));

    let fiches = toutes(&app).await;
    let par_nom = |n: &str| {
        fiches
            .iter()
            .find(|f| f.org.nom == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    let maison = par_nom("Maison de l'emploi du Val");
    assert_eq!(
        maison.org.profil,
        Profil::StructureAccompagnement,
        "translated by [correspondances]"
    );
    assert_eq!(
        maison.org.siret.as_ref().unwrap().as_str(),
        "12002701600019"
    );
    assert_eq!(maison.org.commune.as_ref().unwrap().as_str(), "35238");
    assert_eq!(maison.org.odd_principal, Some(8));
    assert_eq!(maison.org.odd_secondaires, vec![4]);
    assert_eq!(
        maison.org.themes,
        vec!["emploi".to_string(), "formation".to_string()]
    );
    assert_eq!(
        maison.org.description,
        "Accompagne vers l'emploi; ateliers CV."
    );
    assert_eq!(
        maison.org.contacts_prives.as_deref(),
        Some("direction@maison-emploi.example.fr")
    );
    assert_eq!(maison.meta.source, "reseau-exemple");
    assert_eq!(maison.meta.licence, "Licence Ouverte 2.0 — Réseau Exemple");
    let epiceries = par_nom("Réseau des épiceries solidaires");
    assert_eq!(
        epiceries.org.profil,
        Profil::Association,
        "the constant when the cell is empty"
    );
    assert!(epiceries.org.national);
    assert!(epiceries.org.siret.is_none());
    let odd_faux = par_nom("Entreprise à ODD faux");
    assert_eq!(odd_faux.org.profil, Profil::Entreprise);
    assert_eq!(
        (
            odd_faux.org.odd_principal,
            odd_faux.org.odd_secondaires.clone()
        ),
        (None, vec![3])
    );

    // Again: rows with an identifier are recognised; the one without is queued as a likely
    // duplicate of itself (same name, same commune), never merged silently.
    let prep = preparer(fixture("structures.csv"), Format::csv(&mapping()).unwrap())
        .await
        .unwrap();
    let r2 = app
        .importer(None, prep, Options::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!((r2.creees, r2.inchangees), (1, 2), "{r2:?}");
    assert_eq!(r2.doublons_signales, 1);
    assert_eq!(toutes(&app).await.len(), 4);
}

#[tokio::test]
async fn mapping_problems_are_named_before_anything_is_written() {
    let (app, _g) = app().await;
    let m = mapping().replace("nom = \"Nom de la structure\"", "nom = \"Raison sociale\"");
    let e = preparer(fixture("structures.csv"), Format::csv(&m).unwrap())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("Raison sociale (pour nom)"), "{e}");
    let e = Format::csv("licence = \"x\"\n[colonnes]\nnom = \"N\"\nadresse = \"A\"\n[defauts]\nprofil = \"association\"\n")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("adresse"), "{e}");
    let e = Format::csv("pas du toml [").err().unwrap().to_string();
    assert!(e.contains("illisible"), "{e}");
    // A wrong separator: one column only.
    let m = mapping().replace("separateur = \";\"", "separateur = \",\"");
    let e = preparer(fixture("structures.csv"), Format::csv(&m).unwrap())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("une seule colonne") && e.contains("« ; »"),
        "{e}"
    );
    assert!(toutes(&app).await.is_empty());
}
