//! Importing a SIRENE establishments subset (SQLite, or PostgreSQL with TEST_DATABASE_URL):
//! profiles from the legal category, headcount bands, closed establishments, the SIRET as the
//! key, and an RNA record completed by the SIRENE row of the same SIRET.

use alliances_app::annuaire::import::{self, Format, Options, Rapport};
use alliances_app::App;
use alliances_domain::annuaire::{Etat, Profil, SousType, Taille};
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

async fn importer(app: &Arc<App>, name: &str, format: Format) -> Rapport {
    let path = fixture(name);
    let n = name.to_string();
    let prep = tokio::task::spawn_blocking(move || import::preparer(&path, &n, format))
        .await
        .unwrap()
        .unwrap();
    app.importer(None, prep, Options::default(), &|_| {})
        .await
        .unwrap()
}

async fn par_siret(app: &App, siret: &str) -> Option<Fiche> {
    let mut conn = app.db.pool().acquire().await.unwrap();
    let id = store::id_by_siret(&mut conn, siret).await.unwrap()?;
    store::get(&mut conn, id).await.unwrap()
}

#[tokio::test]
async fn sirene_establishments() {
    let (app, _g) = app().await;
    let r = importer(&app, "sirene_etablissements.csv", Format::Sirene).await;
    assert_eq!(
        (r.lignes_lues, r.importees, r.rejetees),
        (10, 8, 2),
        "{:#?}",
        r.problemes
    );
    assert_eq!(r.encodage, "UTF-8");
    // The key is never optional; partially public establishments are not imported.
    assert!(r
        .problemes
        .iter()
        .any(|p| p.ligne == 7 && p.rejet && p.champ == "siret" && p.message.contains("Luhn")));
    assert!(r
        .problemes
        .iter()
        .any(|p| p.ligne == 10 && p.rejet && p.message.contains("diffusion partielle")));
    // Unknown band, unknown commune: imported without them.
    assert!(r
        .problemes
        .iter()
        .any(|p| p.ligne == 8 && !p.rejet && p.champ == "taille"));
    assert!(r
        .problemes
        .iter()
        .any(|p| p.ligne == 9 && !p.rejet && p.champ == "codeCommune"));
    assert!(par_siret(&app, "12345679000039")
        .await
        .unwrap()
        .org
        .taille
        .is_none());
    assert!(par_siret(&app, "12345679000047")
        .await
        .unwrap()
        .org
        .commune
        .is_none());

    let a = par_siret(&app, "12345678200010").await.unwrap();
    assert_eq!(a.org.nom, "ASSOCIATION LYON ENTRAIDE");
    assert_eq!(a.org.profil, Profil::Association);
    assert_eq!(a.org.sous_type, Some(SousType::AssociationEmployeuse));
    assert_eq!(a.org.taille, Some(Taille::De10a49));
    assert_eq!(a.org.siren.as_ref().unwrap().as_str(), "123456782");
    assert_eq!(a.org.commune.as_ref().unwrap().as_str(), "69123");
    assert_eq!(a.org.date_creation.as_deref(), Some("2015-04-01"));
    assert_eq!(a.org.etat, Etat::Active);
    assert_eq!(a.meta.source, "sirene");
    assert_eq!(a.meta.licence, import::sirene::LICENCE);
    assert_eq!(
        a.meta.verifie_le, 1_710_498_030,
        "dateDernierTraitementEtablissement"
    );

    let fermee = par_siret(&app, "12345678200028").await.unwrap();
    assert_eq!(
        fermee.org.etat,
        Etat::Fermee,
        "closed establishments are not active"
    );
    assert_eq!(fermee.org.nom, "Antenne Croix-Rousse, entraide");
    assert_eq!(
        fermee.org.sous_type,
        Some(SousType::AssociationNonEmployeuse)
    );

    let metropole = par_siret(&app, "20004697700019").await.unwrap();
    assert_eq!(
        (metropole.org.profil, metropole.org.sous_type),
        (Profil::Collectivite, Some(SousType::Epci))
    );
    assert_eq!(metropole.org.taille, Some(Taille::Plus5000));
    let paris = par_siret(&app, "21750001600019").await.unwrap();
    assert_eq!(
        (paris.org.profil, paris.org.sous_type),
        (Profil::Collectivite, Some(SousType::Commune))
    );
    let atelier = par_siret(&app, "12345679000013").await.unwrap();
    assert_eq!(
        atelier.org.nom, "Atelier numérique Garonne",
        "the sign before the company's name"
    );
    assert_eq!(
        (atelier.org.profil, atelier.org.taille),
        (Profil::Entreprise, Some(Taille::De1a9))
    );
    assert_eq!(app.organisations.len(), 8);
}

#[tokio::test]
async fn a_sirene_row_completes_the_rna_record_of_the_same_siret() {
    let (app, _g) = app().await;
    let rna = importer(&app, "rna_waldec_utf8.csv", Format::Rna).await;
    assert_eq!(rna.creees, 10);
    let avant = par_siret(&app, "12345679000021").await.unwrap();
    assert_eq!(avant.org.rna.as_ref().unwrap().as_str(), "W311000010");

    let r = importer(&app, "sirene_etablissements.csv", Format::Sirene).await;
    assert_eq!((r.creees, r.mises_a_jour), (7, 1), "{r:?}");
    let apres = par_siret(&app, "12345679000021").await.unwrap();
    assert_eq!(
        apres.id, avant.id,
        "same identifier: an update, never a duplicate"
    );
    assert_eq!(apres.org.rna, avant.org.rna, "the RNA id is kept");
    assert_eq!(apres.org.taille, Some(Taille::De1a9));
    assert_eq!(apres.org.sous_type, Some(SousType::AssociationEmployeuse));
    assert_eq!(apres.org.date_creation.as_deref(), Some("1950-05-05"));
    assert_eq!(apres.meta.source, "sirene");
    assert_eq!(store::count(&app.db).await.unwrap(), 17);
}
