//! Open data exports (SQLite, or PostgreSQL with TEST_DATABASE_URL): public fields only,
//! official codes, licence metadata, merged records left out, page by page.

use alliances_app::annuaire::export::{self, FormatExport, COLONNES};
use alliances_app::annuaire::generateur::Generateur;
use alliances_app::annuaire::import::{self, Format, Options};
use alliances_app::App;
use alliances_store::import_rows::{self, Provenance};
use alliances_store::organisations as store;
use futures::StreamExt;
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

async fn importer(app: &Arc<App>, name: &str, format: Format) {
    let path = fixture(name);
    let n = name.to_string();
    let prep = tokio::task::spawn_blocking(move || import::preparer(&path, &n, format))
        .await
        .unwrap()
        .unwrap();
    app.importer(None, prep, Options::default(), &|_| {})
        .await
        .unwrap();
}

/// Imported records (one with private contacts), 2,300 generated ones (several pages), one
/// record merged into another. Returns the merged id.
async fn contenu(app: &Arc<App>) -> i64 {
    importer(app, "rna_waldec_utf8.csv", Format::Rna).await;
    let mapping = std::fs::read_to_string(fixture("structures.toml")).unwrap();
    importer(app, "structures.csv", Format::csv(&mapping).unwrap()).await;
    let t = app.territoires();
    let mut g = Generateur::new(&t.referentiel, 3, 1_800_000_000, "demo");
    let generes: Vec<_> = (0..2_300).map(|_| g.suivante().org).collect();
    let p = Provenance {
        source: "demo",
        licence: "Licence Ouverte 2.0 (Etalab)",
        lot_id: 0,
        verifie_le: 1_800_000_000,
    };
    let mut tx = app.db.pool().begin().await.unwrap();
    let lignes: Vec<_> = generes.iter().map(|o| (o, &p)).collect();
    import_rows::inserer(&mut tx, app.db.backend(), &lignes, 1_800_000_000)
        .await
        .unwrap();
    let mut conn = tx;
    let a = store::id_by_rna(&mut conn, "W751000001")
        .await
        .unwrap()
        .unwrap();
    let b = store::id_by_rna(&mut conn, "W751000011")
        .await
        .unwrap()
        .unwrap();
    store::mark_merged(&mut conn, b, a, 1_800_000_000)
        .await
        .unwrap();
    conn.commit().await.unwrap();
    b
}

#[tokio::test]
async fn exports_public_fields_with_their_licence() {
    let (app, _g) = app().await;
    let fusionnee = contenu(&app).await;
    let vivantes = store::count(&app.db).await.unwrap() as usize;
    assert_eq!(vivantes, 10 + 3 + 2_300 - 1);

    // JSON Lines: a metadata object, then one object per live organisation.
    let mut jsonl = Vec::new();
    let n = app
        .exporter(FormatExport::Jsonl, &mut jsonl, &|_| {})
        .await
        .unwrap();
    assert_eq!(n as usize, vivantes);
    let texte = String::from_utf8(jsonl).unwrap();
    assert!(
        !texte.contains("direction@"),
        "private contacts never leave"
    );
    assert!(!texte.contains("contactsPrives"));
    let mut lignes = texte.lines();
    let meta: serde_json::Value = serde_json::from_str(lignes.next().unwrap()).unwrap();
    assert_eq!(meta["licence"], "Licence Ouverte 2.0 (Etalab)");
    assert!(meta["dateExtraction"].as_str().unwrap().ends_with('Z'));
    assert!(meta["source"].as_str().unwrap().contains("Alliances"));
    let objets: Vec<serde_json::Value> = lignes.map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(objets.len(), vivantes);
    assert!(
        objets.iter().all(|o| o["id"] != fusionnee),
        "merged records are left out"
    );
    let ids: Vec<i64> = objets.iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let amis = objets.iter().find(|o| o["rna"] == "W751000001").unwrap();
    assert_eq!(amis["codeCommune"], "75111");
    assert_eq!(amis["commune"], "Paris 11e Arrondissement");
    assert_eq!(amis["codeDepartement"], "75");
    assert_eq!(amis["source"], "rna");
    assert_eq!(amis["licence"], import::rna::LICENCE);
    assert_eq!(amis["dateFin"], serde_json::Value::Null);
    assert_eq!(amis["dateMiseAJour"], "2023-05-02T10:11:12Z");
    let maison = objets
        .iter()
        .find(|o| o["siret"] == "12002701600019")
        .unwrap();
    assert_eq!(maison["siren"], "120027016");
    assert_eq!(maison["oddPrincipal"], 8);
    assert_eq!(maison["themes"], serde_json::json!(["emploi", "formation"]));
    for o in &objets {
        let mut cles: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        let mut attendues = COLONNES.to_vec();
        cles.sort_unstable();
        attendues.sort_unstable();
        assert_eq!(cles, attendues);
    }

    // CSV with `;`: the same records, the header, quoting.
    let mut csv = Vec::new();
    let n = app
        .exporter(FormatExport::Csv { separateur: b';' }, &mut csv, &|_| {})
        .await
        .unwrap();
    assert_eq!(n as usize, vivantes);
    let texte = String::from_utf8(csv.clone()).unwrap();
    assert!(!texte.contains("direction@"));
    let mut lignes = texte.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(lignes.next().unwrap(), COLONNES.join(";"));
    assert_eq!(lignes.count(), vivantes);
    assert!(texte.contains(";\"Accompagne vers l'emploi; ateliers CV.\";"));

    // The download stream gives the same bytes, chunk by chunk.
    let morceaux: Vec<Vec<u8>> = export::flux(app.clone(), FormatExport::Csv { separateur: b';' })
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert!(morceaux.len() >= 3, "one chunk per page");
    assert_eq!(morceaux.concat(), csv);
}
