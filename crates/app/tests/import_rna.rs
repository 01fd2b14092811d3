//! Importing the RNA "waldec" export (SQLite, or PostgreSQL with TEST_DATABASE_URL): detection
//! of the encoding, validation with a report per line, states, dates, duplicates, idempotent
//! re-import, resume after an interruption, files that are not CSV.

use alliances_app::annuaire::import::{self, Format, ImportError, Options, Rapport};
use alliances_app::App;
use alliances_domain::annuaire::Etat;
use alliances_store::organisations::{self as store, Fiche};
use alliances_store::{imports, moderation};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
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

async fn preparer(path: &Path, format: Format) -> Result<import::Preparation, ImportError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let nom = path.file_name().unwrap().to_string_lossy().to_string();
        import::preparer(&path, &nom, format)
    })
    .await
    .unwrap()
}

async fn importer(app: &Arc<App>, path: &Path, format: Format, options: Options) -> Rapport {
    let prep = preparer(path, format).await.unwrap();
    app.importer(None, prep, options, &|_| {}).await.unwrap()
}

async fn par_rna(app: &App, rna: &str) -> Option<Fiche> {
    let mut conn = app.db.pool().acquire().await.unwrap();
    let id = store::id_by_rna(&mut conn, rna).await.unwrap()?;
    store::get(&mut conn, id).await.unwrap()
}

async fn nombre(app: &App) -> i64 {
    store::count(&app.db).await.unwrap()
}

fn probleme(r: &Rapport, ligne: u64) -> Vec<&import::Probleme> {
    r.problemes.iter().filter(|p| p.ligne == ligne).collect()
}

#[tokio::test]
async fn rna_rows_are_validated_reported_and_imported() {
    let (app, _g) = app().await;
    let r = importer(
        &app,
        &fixture("rna_waldec_utf8.csv"),
        Format::Rna,
        Options::default(),
    )
    .await;
    assert_eq!(r.encodage, "UTF-8");
    assert!(r.termine);
    assert_eq!(
        (r.lignes_lues, r.importees, r.rejetees),
        (16, 10, 6),
        "{:#?}",
        r.problemes
    );
    assert_eq!((r.creees, r.mises_a_jour), (10, 0));

    // Rejected rows, each named with its line and field.
    let rejet = |ligne: u64, champ: &str| {
        let p = probleme(&r, ligne);
        assert!(
            p.iter().any(|p| p.rejet && p.champ == champ),
            "line {ligne} rejected on {champ}: {p:?}"
        );
    };
    rejet(7, "rna");
    rejet(8, "nom");
    rejet(9, "csv");
    rejet(10, "csv");
    rejet(15, "csv");
    rejet(17, "etat");
    assert!(probleme(&r, 9)[0]
        .message
        .contains("colonnes au lieu de 39"));
    assert!(probleme(&r, 15)[0].message.contains("UTF-8"));
    // Invalid optional fields: imported without them, reported.
    let p5 = probleme(&r, 5);
    assert!(
        p5.iter()
            .any(|p| !p.rejet && p.champ == "siret" && p.message.contains("Luhn")),
        "{p5:?}"
    );
    let p6 = probleme(&r, 6);
    assert!(
        p6.iter().any(|p| !p.rejet && p.champ == "codeCommune"),
        "{p6:?}"
    );
    assert!(par_rna(&app, "W331000004")
        .await
        .unwrap()
        .org
        .siret
        .is_none());
    assert!(par_rna(&app, "W351000005")
        .await
        .unwrap()
        .org
        .commune
        .is_none());

    // Mapping: names, codes, dates, states, provenance.
    let f = par_rna(&app, "W751000001").await.expect("imported");
    assert_eq!(f.org.nom, "LES AMIS DU QUARTIER SAINT-AMBROISE");
    assert_eq!(f.org.sigle.as_deref(), Some("AQSA"));
    assert!(f.org.description.contains("« bien vivre ensemble »"));
    assert_eq!(f.org.commune.as_ref().unwrap().as_str(), "75111");
    assert_eq!(f.org.date_creation.as_deref(), Some("2001-03-15"));
    assert_eq!(f.org.date_fin, None, "0001-01-01 means no date");
    assert_eq!(
        f.org.site_web.as_deref(),
        Some("https://www.amis-saint-ambroise.fr")
    );
    assert_eq!(f.org.etat, Etat::Active);
    assert_eq!(f.org.profil.slug(), "association");
    assert_eq!(f.meta.source, "rna");
    assert_eq!(f.meta.licence, import::rna::LICENCE);
    assert_eq!(f.meta.lot_id, Some(r.lot_id));
    assert_eq!(
        f.meta.verifie_le, 1_683_022_272,
        "maj_time 2023-05-02 10:11:12"
    );
    let d = par_rna(&app, "W691000002").await.unwrap();
    assert_eq!(d.org.etat, Etat::Dissoute);
    assert_eq!(d.org.date_fin.as_deref(), Some("2019-12-31"));
    assert_eq!(
        par_rna(&app, "W131000003").await.unwrap().org.etat,
        Etat::Supprimee
    );
    assert_eq!(
        par_rna(&app, "W691000013")
            .await
            .unwrap()
            .org
            .date_creation
            .as_deref(),
        Some("2005-09-12")
    );
    assert_eq!(
        par_rna(&app, "W351000015")
            .await
            .unwrap()
            .org
            .commune
            .unwrap()
            .as_str(),
        "35238",
        "from the postal code and the commune name"
    );
    let rugby = par_rna(&app, "W311000010").await.unwrap();
    assert_eq!(rugby.org.siret.unwrap().as_str(), "12345679000021");
    assert_eq!(rugby.org.siren.unwrap().as_str(), "123456790");

    // Same name in the same commune, and a very similar one: queued for review, not merged.
    let a = par_rna(&app, "W751000001").await.unwrap().id;
    let b = par_rna(&app, "W751000011").await.unwrap().id;
    let c = par_rna(&app, "W751000012").await.unwrap().id;
    let queue = moderation::doublons_a_examiner(&app.db, 100).await.unwrap();
    let paire = |x: i64, y: i64| {
        queue
            .iter()
            .find(|d| (d.organisation_a, d.organisation_b) == (x.min(y), x.max(y)))
            .map(|d| d.raison.clone())
    };
    assert_eq!(paire(a, b).as_deref(), Some("meme-nom-meme-commune"));
    assert_eq!(paire(a, c).as_deref(), Some("nom-tres-proche"));
    assert_eq!(paire(b, c).as_deref(), Some("nom-tres-proche"));
    assert_eq!(queue.len(), 3, "{queue:?}");
    assert_eq!(r.doublons_signales, 3);
    assert_eq!(nombre(&app).await, 10);

    // The batch: finished, with its counts and report; the search index sees the rows.
    let lot = imports::get(&app.db, r.lot_id).await.unwrap().unwrap();
    assert_eq!(lot.etat, "termine");
    assert_eq!(
        (lot.lignes_lues, lot.lignes_importees, lot.lignes_rejetees),
        (16, 10, 6)
    );
    assert_eq!(lot.derniere_ligne, 17);
    assert!(lot.rapport.contains("ligne 7, rna :"), "{}", lot.rapport);
    assert!(lot.rapport.contains("(champ ignoré)"));
    assert_eq!(app.organisations.len(), 10);
}

#[tokio::test]
async fn latin1_is_detected_and_columns_found_by_name() {
    let (app, _g) = app().await;
    let r = importer(
        &app,
        &fixture("rna_waldec_latin1.csv"),
        Format::Rna,
        Options::default(),
    )
    .await;
    assert_eq!(r.encodage, "Windows-1252 (Latin-1)");
    assert_eq!(
        (r.lignes_lues, r.importees, r.rejetees),
        (3, 3, 0),
        "{:?}",
        r.problemes
    );
    let f = par_rna(&app, "W672000001").await.unwrap();
    assert_eq!(f.org.nom, "SOCIÉTÉ D'ENTRAIDE ŒCUMÉNIQUE");
    assert_eq!(
        f.org.description,
        "Entraide et accueil — « portes ouvertes »"
    );
    assert_eq!(f.org.commune.unwrap().as_str(), "67482");
    let d = par_rna(&app, "W442000002").await.unwrap();
    assert_eq!(d.org.nom, "CAFÉ ASSOCIATIF LES ÉTOILES");
    assert_eq!(d.org.etat, Etat::Dissoute);
    assert_eq!(d.org.date_fin.as_deref(), Some("2018-06-30"));
    // A SIRET with a wrong key: imported without it, reported.
    assert!(par_rna(&app, "W352000003")
        .await
        .unwrap()
        .org
        .siret
        .is_none());
    assert!(r
        .problemes
        .iter()
        .any(|p| p.ligne == 4 && p.champ == "siret" && !p.rejet));
}

#[tokio::test]
async fn reimport_updates_and_never_duplicates() {
    let (app, _g) = app().await;
    let path = fixture("rna_waldec_utf8.csv");
    let premier = importer(&app, &path, Format::Rna, Options::default()).await;
    let second = importer(&app, &path, Format::Rna, Options::default()).await;
    assert_ne!(
        premier.lot_id, second.lot_id,
        "a finished batch is not resumed"
    );
    assert_eq!(
        (second.creees, second.mises_a_jour, second.inchangees),
        (0, 0, 10)
    );
    assert_eq!(second.doublons_signales, 0);
    assert_eq!(nombre(&app).await, 10);
    assert_eq!(
        moderation::doublons_a_examiner(&app.db, 100)
            .await
            .unwrap()
            .len(),
        3
    );

    // A newer file: one association renamed and dissolved, one new, the others unchanged.
    let dir = tempfile::tempdir().unwrap();
    let nouveau = dir.path().join("rna_plus_recent.csv");
    let entete = String::from_utf8_lossy(&std::fs::read(&path).unwrap())
        .lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_string();
    let ligne = |valeurs: &[(&str, &str)]| {
        entete
            .split(';')
            .map(|c| {
                valeurs
                    .iter()
                    .find(|(k, _)| *k == c)
                    .map(|(_, v)| *v)
                    .unwrap_or("")
            })
            .collect::<Vec<_>>()
            .join(";")
    };
    let texte = format!(
        "{entete}\n{}\n{}\n",
        ligne(&[
            ("id", "W331000004"),
            ("titre", "\"GARONNE SOLIDAIRE ET DURABLE\""),
            ("adrs_codeinsee", "33063"),
            ("date_creat", "2010-09-09"),
            ("date_disso", "2024-01-31"),
            ("position", "D"),
            ("maj_time", "2024-02-02 02:02:02"),
        ]),
        ligne(&[
            ("id", "W351000099"),
            ("titre", "NOUVELLE ASSOCIATION"),
            ("adrs_codeinsee", "35238"),
            ("position", "A")
        ]),
    );
    std::fs::write(&nouveau, texte).unwrap();
    // Owners enriched the record meanwhile: fields the file does not carry are kept.
    let garonne = par_rna(&app, "W331000004").await.unwrap();
    {
        let mut conn = app.db.pool().acquire().await.unwrap();
        let mut o = garonne.org.clone();
        o.odd_principal = Some(10);
        o.themes = vec!["solidarité".into()];
        assert!(store::update(
            &mut conn,
            garonne.id,
            garonne.meta.version,
            &o,
            garonne.meta.verifie_le,
            1
        )
        .await
        .unwrap());
    }
    let troisieme = importer(&app, &nouveau, Format::Rna, Options::default()).await;
    assert_eq!(
        (troisieme.creees, troisieme.mises_a_jour),
        (1, 1),
        "{troisieme:?}"
    );
    assert_eq!(nombre(&app).await, 11);
    let g = par_rna(&app, "W331000004").await.unwrap();
    assert_eq!(g.id, garonne.id);
    assert_eq!(g.org.nom, "GARONNE SOLIDAIRE ET DURABLE");
    assert_eq!(g.org.etat, Etat::Dissoute);
    assert_eq!(g.org.odd_principal, Some(10), "kept: the RNA has no SDG");
    assert_eq!(g.org.themes, vec!["solidarité".to_string()]);
    assert_eq!(g.meta.lot_id, Some(troisieme.lot_id));
    assert_eq!(app.organisations.len(), 11);
}

/// An RNA-format file of `n` valid rows.
fn gros_fichier(path: &Path, n: usize) {
    let communes = [
        "75056", "69123", "13055", "33063", "35238", "44109", "59350", "31555",
    ];
    let mut s = String::from("id;titre;objet;adrs_codeinsee;date_creat;position;maj_time\n");
    for i in 0..n {
        s.push_str(&format!(
            "W{:09};\"ASSOCIATION NUMÉRO {i} {}\";\"Objet {i}\";{};2001-01-01;{};2024-01-01\n",
            i + 1,
            ["ALPHA", "BETA", "GAMMA", "DELTA"][i % 4],
            communes[i % communes.len()],
            if i % 10 == 0 { "D" } else { "A" }
        ));
    }
    std::fs::write(path, s).unwrap();
}

#[tokio::test]
async fn an_interrupted_import_resumes_after_its_last_committed_batch() {
    let (app, _g) = app().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rna.csv");
    gros_fichier(&path, 2_500);

    // Stopped after the first committed batch (as a kill would, at a batch boundary).
    let options = Options {
        taille_lot: 500,
        ..Options::default()
    };
    let stop = options.annulation.clone();
    let prep = preparer(&path, Format::Rna).await.unwrap();
    let r1 = app
        .importer(None, prep, options, &|_| {
            stop.store(true, Ordering::Relaxed)
        })
        .await
        .unwrap();
    assert!(!r1.termine);
    assert_eq!(r1.lignes_lues, 500);
    assert_eq!(nombre(&app).await, 500);
    let lot = imports::get(&app.db, r1.lot_id).await.unwrap().unwrap();
    assert_eq!((lot.etat.as_str(), lot.derniere_ligne), ("en-cours", 501));

    // The same file again: continues after line 501, and finishes.
    let r2 = importer(
        &app,
        &path,
        Format::Rna,
        Options {
            taille_lot: 700,
            ..Options::default()
        },
    )
    .await;
    assert_eq!(r2.lot_id, r1.lot_id);
    assert_eq!(r2.reprise_apres_ligne, 501);
    assert!(r2.termine);
    assert_eq!(r2.lignes_lues_ici, 2_000);
    assert_eq!(
        (r2.lignes_lues, r2.importees, r2.rejetees),
        (2_500, 2_500, 0)
    );
    assert_eq!(r2.creees, 2_000);
    assert_eq!(nombre(&app).await, 2_500);
    let lot = imports::get(&app.db, r1.lot_id).await.unwrap().unwrap();
    assert_eq!(
        (lot.etat.as_str(), lot.lignes_lues, lot.derniere_ligne),
        ("termine", 2_500, 2_501)
    );
    let dissoutes = par_rna(&app, "W000000011").await.unwrap();
    assert_eq!(dissoutes.org.etat, Etat::Dissoute);
    assert_eq!(app.organisations.len(), 2_500);
}

#[tokio::test]
async fn files_that_are_not_csv_or_lack_columns_write_nothing() {
    let (app, _g) = app().await;
    let dir = tempfile::tempdir().unwrap();
    let cas: Vec<(&str, Vec<u8>, Format, &str)> = vec![
        (
            "binaire.csv",
            vec![0, 1, 2, 3, 255, 0, 7],
            Format::Rna,
            "binaire",
        ),
        (
            "page.csv",
            b"<!DOCTYPE html><html><body>404</body></html>".to_vec(),
            Format::Rna,
            "HTML",
        ),
        (
            "archive.csv",
            b"PK\x03\x04\x14\x00rna_waldec.csv".to_vec(),
            Format::Rna,
            "ZIP",
        ),
        ("vide.csv", Vec::new(), Format::Rna, "vide"),
        (
            "sans_position.csv",
            b"id;titre;objet\nW751000001;X;Y\n".to_vec(),
            Format::Rna,
            "position",
        ),
        (
            "virgules.csv",
            b"id,titre,position\nW751000001,X,A\n".to_vec(),
            Format::Rna,
            "virgule",
        ),
        (
            "sirene.csv",
            b"siren,nic,siret\n1,2,3\n".to_vec(),
            Format::Sirene,
            "etatAdministratifEtablissement",
        ),
    ];
    for (nom, contenu, format, attendu) in cas {
        let p = dir.path().join(nom);
        std::fs::write(&p, contenu).unwrap();
        let e = preparer(&p, format)
            .await
            .err()
            .unwrap_or_else(|| panic!("{nom} refused"));
        let texte = e.to_string();
        assert!(
            texte.to_lowercase().contains(&attendu.to_lowercase())
                || (attendu == "virgule" && texte.contains("« , »")),
            "{nom}: {texte}"
        );
        assert!(texte.contains("rien n'a été importé"), "{nom}: {texte}");
    }
    assert!(matches!(
        preparer(&dir.path().join("absent.csv"), Format::Rna).await,
        Err(ImportError::Fichier { .. })
    ));
    assert_eq!(nombre(&app).await, 0);
    assert!(imports::recent(&app.db, 10).await.unwrap().is_empty());
}
