//! Territory dashboards (SQLite, or PostgreSQL with TEST_DATABASE_URL): after a random sequence
//! of writes through the use cases (creations, moves to another commune, profile changes,
//! needs, kit results, removals by merge, an import range, alliances changing stage, contact
//! requests and their answers, referrals), the counters kept from the change feed equal a
//! build from scratch at every territory and the per-request SQL computation at the territories
//! touched; a second instance converges through the feed.

mod common;

use alliances_app::annuaire::import::{self, Format, Options};
use alliances_app::comptes::CurrentUser;
use alliances_app::contacts::DemandeSaisie;
use alliances_app::tableaux::compteurs::{Agregats, Compteurs};
use alliances_app::tableaux::{aujourd_hui, sans_index, synchro};
use alliances_app::App;
use alliances_domain::alliances::AllianceSaisie;
use alliances_domain::annuaire::{OrganisationSaisie, RessourceSaisie};
use alliances_domain::territoires::{Niveau, TerritoireRef};
use common::user;
use std::path::Path;
use std::sync::Arc;

/// Communes in several départements, EPCIs and régions (Rennes and Saint-Malo share a
/// département; Lyon and Villeurbanne an EPCI; Paris has arrondissements).
const COMMUNES: [&str; 7] = [
    "35238", "35288", "69123", "69266", "13055", "75056", "29019",
];
const PROFILS: [&str; 4] = [
    "association",
    "entreprise",
    "collectivite",
    "structure-accompagnement",
];
const STADES: [&str; 5] = [
    "emergence",
    "structuration",
    "deploiement",
    "evaluation",
    "essaimage",
];

/// A small deterministic generator (xorshift64*).
struct Alea(u64);

impl Alea {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

fn saisie_org(a: &mut Alea, n: usize) -> OrganisationSaisie {
    let commune = *a.pick(&COMMUNES);
    let mut perimetre = Vec::new();
    match a.below(4) {
        0 => perimetre.push("departement:29".to_string()),
        1 => perimetre.push("epci:200046977".to_string()),
        _ => {}
    }
    OrganisationSaisie {
        nom: format!("Organisation de test {n}"),
        profil: a.pick(&PROFILS).to_string(),
        code_commune: Some(commune.into()),
        odd_principal: Some(1 + a.below(17) as u8),
        odd_secondaires: vec![1 + a.below(17) as u8],
        perimetre,
        description: Some("Organisation de test des tableaux de bord".into()),
        etat: (a.below(6) == 0).then(|| "dissoute".to_string()),
        ..Default::default()
    }
}

fn saisie_alliance(a: &mut Alea, n: usize) -> AllianceSaisie {
    AllianceSaisie {
        nom: format!("Alliance de test {n}"),
        resume: "Des acteurs coordonnent leur action sur le territoire.".into(),
        probleme: "Un besoin commun.".into(),
        territoires: vec![format!("commune:{}", a.pick(&COMMUNES))],
        odd: vec![1 + a.below(17) as u8, 17],
        cibles_odd17: vec!["17.17".into()],
        types_partenariat: vec!["cooperation-economique".into()],
        forme: "experimentation-collective".into(),
        stade: a.pick(&STADES).to_string(),
        date_debut: Some("2024-01-01".into()),
        date_fin: (a.below(3) == 0).then(|| "2025-06-30".to_string()),
        publique: a.below(5) != 0,
    }
}

async fn version(app: &App, table: &str, id: i64) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT version FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

/// Writes what a merge writes: the record points to the one kept, on the change feed.
async fn fusionner(app: &App, absorbee: i64, gardee: i64) {
    let mut tx = app.db.begin_write().await.unwrap();
    sqlx::query("UPDATE organisations SET fusionnee_dans = $1 WHERE id = $2")
        .bind(gardee)
        .bind(absorbee)
        .execute(&mut *tx)
        .await
        .unwrap();
    alliances_store::changes::append(
        &mut tx,
        "organisation",
        &absorbee.to_string(),
        "delete",
        alliances_app::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// A completed ODD 17 kit result for an organisation, announced as completing the kit does.
async fn resultat_kit(app: &App, u: &CurrentUser, org: i64, score: f64, n: usize) {
    let t = alliances_app::now() + n as i64;
    let mut tx = app.db.begin_write().await.unwrap();
    sqlx::query(
        "INSERT INTO kit_passations (cle, kit_id, kit_version, user_id, sujet_type, sujet_code, \
         created_at, updated_at, terminee_at, score_global) \
         VALUES ($1, 'odd17-en-pratique', 1, $2, 'organisation', $3, $4, $4, $4, $5)",
    )
    .bind(format!("cle-tableaux-{n}"))
    .bind(u.id)
    .bind(org.to_string())
    .bind(t)
    .bind(score)
    .execute(&mut *tx)
    .await
    .unwrap();
    alliances_store::changes::append(&mut tx, "organisation", &org.to_string(), "kit", t)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn importer(app: &Arc<App>) {
    let dir = tempfile::tempdir().unwrap();
    let chemin = dir.path().join("structures.csv");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/structures.csv"),
        &chemin,
    )
    .unwrap();
    let mapping = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/structures.toml"),
    )
    .unwrap();
    let prep = tokio::task::spawn_blocking(move || {
        import::preparer(&chemin, "structures.csv", Format::csv(&mapping).unwrap())
    })
    .await
    .unwrap()
    .unwrap();
    let r = app
        .importer(None, prep, Options::default(), &|_| {})
        .await
        .unwrap();
    assert!(r.importees >= 2, "{r:?}");
}

fn toutes_positions(a: &Agregats) -> Vec<Compteurs> {
    (0..a.positions().len() as u32)
        .map(|p| a.a(p).clone())
        .collect()
}

/// Territories the writes touch: the communes and everything above them.
fn territoires_touches(app: &App) -> Vec<TerritoireRef> {
    let t = app.territoires();
    let r = &t.referentiel;
    let mut out = Vec::new();
    for c in COMMUNES {
        let t = r.find(Niveau::Commune, c).unwrap();
        out.push(t);
        out.extend(r.ancestors(t));
    }
    out.push(r.find(Niveau::Departement, "29").unwrap());
    out.push(r.find(Niveau::Epci, "200046977").unwrap());
    out.sort();
    out.dedup();
    out
}

/// The incremental counters equal a build from scratch everywhere, and the per-request SQL
/// computation on the territories touched.
async fn verifier(app: &Arc<App>, etape: &str) {
    let territoires = app.territoires();
    let r = &territoires.referentiel;
    let kits = app.kits();
    let kit = kits.dernier("odd17-en-pratique").map(|k| k.as_ref());
    let incremental = app.tableaux().lire(toutes_positions);
    let neuf = synchro::construire(&app.db, r, kit).await.unwrap();
    let attendu = toutes_positions(&neuf);
    for (p, (x, y)) in incremental.iter().zip(&attendu).enumerate() {
        assert_eq!(x, y, "{etape}: position {p}");
    }
    let jour = aujourd_hui(alliances_app::now());
    for t in territoires_touches(app) {
        let (c, actives, actives_odd) = sans_index::compteurs(&app.db, r, kit, t, &jour)
            .await
            .unwrap();
        let tableau = app.tableau_territoire(t, alliances_app::now());
        assert_eq!(tableau.compteurs, c, "{etape}: {}", r.nom(t));
        assert_eq!(tableau.alliances_actives, actives, "{etape}: {}", r.nom(t));
        assert_eq!(tableau.alliances_actives_odd, actives_odd, "{etape}");
    }
}

#[tokio::test]
async fn les_compteurs_suivent_des_ecritures_aleatoires_et_deux_instances_convergent() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let a = App::open(&url, 5).await.unwrap();
    let b = App::open(&url, 5).await.unwrap();
    let u = user(&a, "tableaux@test.fr").await;
    let mut alea = Alea(0x5eed_7ab1_0000_0001 ^ 0x1234_5678);
    let mut orgs: Vec<i64> = Vec::new();
    let mut alliances: Vec<i64> = Vec::new();
    let mut demandes: Vec<i64> = Vec::new();
    for n in 0..12 {
        let s = saisie_org(&mut alea, n);
        orgs.push(a.creer_organisation(&u, &s).await.unwrap().0);
    }
    a.refresh().await.unwrap();
    verifier(&a, "créations").await;
    let mut fusionnees = Vec::new();
    for n in 12..140 {
        match alea.below(9) {
            0 => {
                let s = saisie_org(&mut alea, n);
                orgs.push(a.creer_organisation(&u, &s).await.unwrap().0);
            }
            1 | 2 => {
                // An edit: another commune, profile, SDGs, scope or state.
                let id = *alea.pick(&orgs);
                if fusionnees.contains(&id) {
                    continue;
                }
                let v = version(&a, "organisations", id).await;
                let s = saisie_org(&mut alea, n);
                a.modifier_organisation(&u, id, v, &s).await.unwrap();
            }
            3 => {
                let id = *alea.pick(&orgs);
                let odd = if alea.below(2) == 0 {
                    vec![]
                } else {
                    vec![1 + alea.below(17) as u8, 1 + alea.below(17) as u8]
                };
                let r = RessourceSaisie {
                    sens: if alea.below(3) == 0 {
                        "offre"
                    } else {
                        "besoin"
                    }
                    .into(),
                    nature: "financement".into(),
                    titre: format!("Ressource {n}"),
                    odd,
                    ..Default::default()
                };
                let _ = a.enregistrer_ressource(&u, id, None, &r).await;
            }
            4 => {
                let id = *alea.pick(&orgs);
                resultat_kit(&a, &u, id, alea.below(101) as f64, n).await;
            }
            5 => {
                let x = *alea.pick(&orgs);
                let y = *alea.pick(&orgs);
                if x != y && !fusionnees.contains(&x) && !fusionnees.contains(&y) {
                    fusionner(&a, x, y).await;
                    fusionnees.push(x);
                }
            }
            6 => {
                let s = saisie_alliance(&mut alea, n);
                let backbone = *alea.pick(&orgs);
                if let Ok(id) = a.creer_alliance(&u, &s, backbone).await {
                    alliances.push(id);
                }
            }
            7 => {
                if let Some(&id) = alliances.get(alea.below(alliances.len().max(1) as u64) as usize)
                {
                    let v = version(&a, "alliances", id).await;
                    let s = saisie_alliance(&mut alea, n);
                    let _ = a.modifier_alliance(&u, id, v, &s).await;
                }
            }
            _ => {
                let de = *alea.pick(&orgs);
                let vers = *alea.pick(&orgs);
                if alea.below(2) == 0 && !demandes.is_empty() {
                    let id = *alea.pick(&demandes);
                    let _ = a
                        .repondre_demande_contact(&u, id, alea.below(2) == 0, "Avec plaisir.")
                        .await;
                } else if let Ok(id) = a
                    .envoyer_demande_contact(
                        &u,
                        &DemandeSaisie {
                            de,
                            vers,
                            message: "Bonjour, nous aimerions échanger sur nos projets communs."
                                .into(),
                            ressource: None,
                        },
                    )
                    .await
                {
                    demandes.push(id);
                }
            }
        }
        if n % 10 == 0 {
            a.refresh().await.unwrap();
            verifier(&a, &format!("étape {n}")).await;
        }
        if n == 40 {
            importer(&a).await;
        }
    }
    // Both sides of every request move to another commune.
    for &d in &demandes {
        use sqlx::Row;
        let row = sqlx::query(
            "SELECT de_organisation, vers_organisation FROM demandes_contact WHERE id = $1",
        )
        .bind(d)
        .fetch_one(a.db.pool())
        .await
        .unwrap();
        for id in [row.get::<i64, _>(0), row.get::<i64, _>(1)] {
            if fusionnees.contains(&id) {
                continue;
            }
            let v = version(&a, "organisations", id).await;
            let mut s = saisie_org(&mut alea, id as usize);
            s.code_commune = Some(COMMUNES[(id as usize + d as usize) % COMMUNES.len()].into());
            a.modifier_organisation(&u, id, v, &s).await.unwrap();
        }
    }
    a.refresh().await.unwrap();
    verifier(&a, "déménagements").await;
    // Requests left unanswered for 30 days are closed by the hourly pass.
    a.clore_demandes_sans_reponse(alliances_app::now() + 31 * 86_400)
        .await
        .unwrap();
    a.refresh().await.unwrap();
    verifier(&a, "fin").await;
    // Something was counted at every level of the touched territories.
    let t = a.territoires();
    let rennes = t.referentiel.find(Niveau::Commune, "35238").unwrap();
    let national = a.tableaux().lire(|x| x.national().clone());
    assert!(national.organisations > 5, "{national:?}");
    assert!(national.demandes.iter().sum::<u32>() > 0, "{national:?}");
    assert!(national.alliances > 0, "{national:?}");
    assert!(national.maturite.iter().sum::<u32>() > 0, "{national:?}");
    assert!(national.besoins > 0, "{national:?}");
    let _ = a.tableau_territoire(rennes, alliances_app::now());
    // The other instance converges through the shared feed.
    while b.refresh().await.unwrap() > 0 {}
    assert_eq!(
        a.tableaux().lire(toutes_positions),
        b.tableaux().lire(toutes_positions)
    );
}

#[tokio::test]
async fn les_orientations_comptent_au_siege_de_l_organisation_et_suivent_son_demenagement() {
    let (url, _g) = alliances_store::testing::fresh_url().await;
    let a = App::open(&url, 5).await.unwrap();
    let u = user(&a, "orientations@test.fr").await;
    let org = a
        .creer_organisation(
            &u,
            &OrganisationSaisie {
                nom: "Ressourcerie de test".into(),
                profil: "association".into(),
                code_commune: Some("35238".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .0;
    // A referral written as the use case writes it (rows and change-feed entry).
    let mut tx = a.db.begin_write().await.unwrap();
    let dispositif: i64 = {
        use sqlx::Row;
        sqlx::query(
            "INSERT INTO dispositifs (nom, nom_plie, description, niveau, ingenierie, services, \
             source, licence, verifie_le, cree_le, modifie_le) \
             VALUES ('Dispositif de test', 'dispositif de test', '', 'national', 'territoriale', \
             'accompagnement', 'test', 'test', 0, 0, 0) RETURNING id",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0)
    };
    let o: i64 = {
        use sqlx::Row;
        sqlx::query(
            "INSERT INTO orientations (vers_dispositif, organisation_id, service, message, etat, envoyee_le) \
             VALUES ($1, $2, 'accompagnement', 'test', 'envoyee', 0) RETURNING id",
        )
        .bind(dispositif)
        .bind(org)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
        .get(0)
    };
    alliances_store::changes::append(&mut tx, "orientation", &o.to_string(), "create", 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    a.refresh().await.unwrap();
    let t = a.territoires();
    let r = &t.referentiel;
    let rennes = r.find(Niveau::Commune, "35238").unwrap();
    let brest = r.find(Niveau::Commune, "29019").unwrap();
    let bretagne = r.find(Niveau::Region, "53").unwrap();
    let n = |t| a.tableau_territoire(t, 0).compteurs.orientations[0];
    assert_eq!((n(rennes), n(brest), n(bretagne)), (1, 0, 1));
    // The organisation moves to Brest: its referral follows.
    let v = version(&a, "organisations", org).await;
    a.modifier_organisation(
        &u,
        org,
        v,
        &OrganisationSaisie {
            nom: "Ressourcerie de test".into(),
            profil: "association".into(),
            code_commune: Some("29019".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    a.refresh().await.unwrap();
    assert_eq!((n(rennes), n(brest), n(bretagne)), (0, 1, 1));
    verifier(&a, "orientations").await;
}
