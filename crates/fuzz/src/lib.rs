//! Fuzzing entry points: each takes arbitrary bytes, runs one parser of untrusted input the way
//! the platform runs it, and panics only when the code under test misbehaves — a panic inside it,
//! or a broken invariant checked here. The same functions serve:
//!
//! - the coverage-guided targets of `fuzz/` (`cargo +nightly fuzz run <cible>`, libFuzzer), run
//!   offline for as long as one likes;
//! - a bounded mutational run on stable Rust in the test suite (`tests/court.rs`), from the seed
//!   corpus of `corpus/<cible>/` plus every past failure kept in `regressions/<cible>/`.
//!
//! Targets: the three annuaire importers (RNA, SIRENE, generic CSV with its mapping), the kit
//! reader (and scoring of what it accepts), the margins file with survey data (and calibration of
//! what they accept), and the annuaire's search query (parameters → query → search).

pub mod mutation;

use std::io::Write;
use std::sync::OnceLock;

use alliances_app::annuaire::generateur::Generateur;
use alliances_app::annuaire::import::{self, Format};
use alliances_app::Territoires;
use alliances_domain::territoires::Referentiel;
use alliances_search::organisations::OrgIndex;

/// Every target, by the name of its corpus folder and of its cargo-fuzz binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cible {
    ImportRna,
    ImportSirene,
    ImportCsv,
    Kit,
    Marges,
    Recherche,
}

impl Cible {
    pub const TOUTES: [Cible; 6] = [
        Cible::ImportRna,
        Cible::ImportSirene,
        Cible::ImportCsv,
        Cible::Kit,
        Cible::Marges,
        Cible::Recherche,
    ];

    pub fn nom(self) -> &'static str {
        match self {
            Cible::ImportRna => "import_rna",
            Cible::ImportSirene => "import_sirene",
            Cible::ImportCsv => "import_csv",
            Cible::Kit => "kit",
            Cible::Marges => "marges",
            Cible::Recherche => "recherche",
        }
    }

    /// Runs the target on one input.
    pub fn executer(self, data: &[u8]) {
        match self {
            Cible::ImportRna => importer(data, || Some(Format::Rna)),
            Cible::ImportSirene => importer(data, || Some(Format::Sirene)),
            Cible::ImportCsv => import_csv(data),
            Cible::Kit => kit(data),
            Cible::Marges => marges(data),
            Cible::Recherche => recherche(data),
        }
    }
}

/// Separates two documents in one input (a mapping and its CSV, margins and their data).
pub const SEPARATEUR: &[u8] = b"\n=====\n";

fn couper(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = data
        .windows(SEPARATEUR.len())
        .position(|w| w == SEPARATEUR)?;
    Some((&data[..i], &data[i + SEPARATEUR.len()..]))
}

fn territoires() -> &'static Territoires {
    static T: OnceLock<Territoires> = OnceLock::new();
    T.get_or_init(|| {
        let data = alliances_app::geo::shipped().expect("shipped referential");
        Territoires::new(Referentiel::build(data).expect("shipped referential is consistent"))
    })
}

/// A fixed "now" so that runs are reproducible.
const MAINTENANT: i64 = 1_795_000_000;

fn importer(data: &[u8], format: impl FnOnce() -> Option<Format>) {
    let Some(format) = format() else { return };
    let mut f = tempfile::NamedTempFile::new().expect("temporary file");
    f.write_all(data).expect("write the input");
    f.flush().expect("flush the input");
    let Ok(prep) = import::preparer(f.path(), "fuzz.csv", format) else {
        return;
    };
    let v = import::verifier(&prep, &territoires().referentiel, MAINTENANT)
        .expect("a file that passed preparation reads to its end");
    assert_eq!(
        v.lignes_lues,
        v.valides + v.rejetees,
        "every row read is either valid or rejected: {v:?}"
    );
    for p in &v.problemes {
        assert!(
            p.ligne >= 2 && p.ligne <= v.derniere_ligne.max(2),
            "a problem points at a line of the file: {p:?} (last line {})",
            v.derniere_ligne
        );
        assert!(!p.message.is_empty(), "a problem says why: {p:?}");
    }
}

fn import_csv(data: &[u8]) {
    let Some((mapping, csv)) = couper(data) else {
        return;
    };
    let Ok(mapping) = std::str::from_utf8(mapping) else {
        return;
    };
    let mapping = mapping.to_string();
    importer(csv, move || Format::csv(&mapping).ok());
}

fn kit(data: &[u8]) {
    let Ok(texte) = std::str::from_utf8(data) else {
        return;
    };
    for lire in [
        alliances_domain::kits::lire,
        alliances_domain::kits::lire_questionnaire,
    ] {
        match lire(texte) {
            Ok(kit) => {
                let r = kit.noter(&alliances_domain::kits::Reponses::vides(&kit));
                for d in &r.dimensions {
                    if let Some(s) = d.score {
                        assert!((0.0..=100.0).contains(&s), "score {s} out of 0–100");
                    }
                }
                assert!(r.repondues <= r.affichees);
            }
            Err(erreurs) => {
                assert!(!erreurs.is_empty(), "a refused kit names its errors");
                for e in &erreurs {
                    assert!(
                        !e.to_string().is_empty(),
                        "every error has a message: {e:?}"
                    );
                }
            }
        }
    }
}

/// Survey data used when the input carries margins only.
const DONNEES_PAR_DEFAUT: &[u8] =
    b"id,sexe,age,poids\n1,F,jeune,1\n2,H,jeune,1.5\n3,F,age,2\n4,H,age,1\n5,F,age,1\n6,H,jeune,0.5\n";

fn marges(data: &[u8]) {
    use alliances_calage::{calibrer, Jeu, Marges, Methode, Options};
    let (texte, csv) = couper(data).unwrap_or((data, DONNEES_PAR_DEFAUT));
    let Ok(texte) = std::str::from_utf8(texte) else {
        return;
    };
    let Ok(marges) = Marges::lire_json(texte) else {
        return;
    };
    let Ok(jeu) = Jeu::lire_csv(csv) else { return };
    let options = Options {
        iterations_max: 30,
        ..Options::default()
    };
    for methode in [
        Methode::Lineaire,
        Methode::Raking,
        Methode::Logit {
            bas: 0.5,
            haut: 2.0,
        },
    ] {
        if let Ok(c) = calibrer(&jeu, &marges, methode, &options) {
            assert_eq!(c.poids.len(), jeu.n(), "one weight per respondent");
            assert!(
                c.poids.iter().all(|w| w.is_finite()),
                "finite weights ({methode:?})"
            );
            if !matches!(methode, Methode::Lineaire) {
                assert!(
                    c.poids.iter().all(|&w| w >= 0.0),
                    "{methode:?} never gives a negative weight"
                );
            }
        }
    }
}

fn index_recherche() -> &'static OrgIndex {
    static I: OnceLock<OrgIndex> = OnceLock::new();
    I.get_or_init(|| {
        let r = &territoires().referentiel;
        let mut g = Generateur::new(r, 17, MAINTENANT, "fuzz");
        let docs: Vec<_> = (1..=300).map(|id| g.doc_suivant(id)).collect();
        let idx = OrgIndex::in_ram();
        idx.rebuild(docs.into_iter()).expect("index built");
        idx
    })
}

fn recherche(data: &[u8]) {
    use alliances_web::annuaire_view::{Recherche, PARAMS_LISTES, PARAMS_SIMPLES};
    use alliances_web::params::{form_urlencoded_pairs, Params, RawQuery};
    let Ok(requete) = std::str::from_utf8(data) else {
        return;
    };
    let mut permis: Vec<&str> = PARAMS_SIMPLES.to_vec();
    permis.push("page");
    let Ok(params) = Params::parse_with_lists(
        RawQuery(form_urlencoded_pairs(requete)),
        &permis,
        PARAMS_LISTES,
    ) else {
        return;
    };
    let Ok(recherche) = Recherche::lire(&params, territoires()) else {
        return;
    };
    let q = recherche.requete(0, 20, MAINTENANT);
    let r = index_recherche()
        .search(&q)
        .expect("a query read from parameters runs");
    assert!(r.hits.len() <= 20, "at most the page size");
    assert!(r.hits.len() <= r.total, "no more hits than the total");
    let mut ids: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), r.hits.len(), "each organisation once");
}
