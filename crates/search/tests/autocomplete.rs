//! The autocomplete over the real shipped referential (data/territoires).

use alliances_domain::territoires::compact::{read, CompactFiles};
use alliances_domain::territoires::{Niveau, Referentiel};
use alliances_search::territoires::{TerritoireIndex, Tier};
use std::sync::OnceLock;

fn fixture() -> &'static (Referentiel, TerritoireIndex) {
    static F: OnceLock<(Referentiel, TerritoireIndex)> = OnceLock::new();
    F.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/territoires/");
        let file = |n: &str| std::fs::read_to_string(format!("{dir}{n}")).unwrap();
        let files = CompactFiles {
            source: file("source.tsv"),
            regions: file("regions.tsv"),
            departements: file("departements.tsv"),
            epcis: file("epcis.tsv"),
            communes: file("communes.tsv"),
        };
        let r = Referentiel::build(read(&files).unwrap()).unwrap();
        let i = TerritoireIndex::build(&r);
        (r, i)
    })
}

fn names(q: &str, niveau: Option<Niveau>, limit: usize) -> Vec<String> {
    let (r, i) = fixture();
    i.search(r, q, niveau, limit)
        .hits
        .iter()
        .map(|h| format!("{}:{}", r.code(h.territoire), r.nom(h.territoire)))
        .collect()
}

#[test]
fn indexes_every_territory() {
    let (r, i) = fixture();
    assert_eq!(i.len(), r.len());
    assert!(r.len() > 38_000, "{}", r.len());
}

#[test]
fn accents_case_hyphens_and_abbreviations_do_not_matter() {
    for q in [
        "saint etienne",
        "Saint-Étienne",
        "SAINT ÉTIENNE",
        "st etienne",
        "St-Etienne",
        "saint etien",
    ] {
        assert_eq!(names(q, None, 5)[0], "42218:Saint-Étienne", "query {q}");
    }
}

#[test]
fn exact_names_first_then_by_population() {
    let (r, i) = fixture();
    let res = i.search(r, "saint etienne", None, 10);
    assert_eq!(res.hits[0].tier, Tier::Exact);
    assert!(res.hits[1..].iter().all(|h| h.tier >= Tier::Prefix));
    // Within a tier, more populated first.
    let pops: Vec<u64> = res.hits[1..]
        .iter()
        .filter(|h| h.tier == Tier::Prefix)
        .map(|h| r.population(h.territoire).unwrap_or(0))
        .collect();
    assert!(pops.windows(2).all(|w| w[0] >= w[1]), "{pops:?}");
    assert!(res.total > 10, "total counts every match: {}", res.total);
    assert_eq!(names("paris", None, 3)[0], "75056:Paris");
    assert_eq!(names("loire", None, 3)[0], "42:Loire");
}

#[test]
fn later_words_match_too() {
    // "Étienne" is not the first word of "Saint-Étienne".
    let found = names("etienne", Some(Niveau::Commune), 50);
    assert!(
        found.contains(&"42218:Saint-Étienne".to_string()),
        "{found:?}"
    );
    let epcis = names("etienne", Some(Niveau::Epci), 5);
    assert!(
        epcis.contains(&"244200770:Saint-Étienne Métropole".to_string()),
        "{epcis:?}"
    );
}

#[test]
fn codes_and_postal_codes() {
    assert_eq!(names("42218", None, 5)[0], "42218:Saint-Étienne");
    assert!(names("42100", None, 5).contains(&"42218:Saint-Étienne".to_string()));
    assert_eq!(
        names("244200770", None, 5),
        vec!["244200770:Saint-Étienne Métropole"]
    );
    assert_eq!(
        names("2a", Some(Niveau::Departement), 5),
        vec!["2A:Corse-du-Sud"]
    );
    assert_eq!(
        names("974", Some(Niveau::Departement), 5),
        vec!["974:La Réunion"]
    );
    // "84" is both a région (Auvergne-Rhône-Alpes) and a département (Vaucluse).
    let both = names("84", None, 5);
    assert!(
        both.contains(&"84:Auvergne-Rhône-Alpes".to_string())
            && both.contains(&"84:Vaucluse".to_string()),
        "{both:?}"
    );
    // A postal code prefix lists the communes it serves.
    assert!(names("4200", Some(Niveau::Commune), 10).contains(&"42218:Saint-Étienne".to_string()));
}

#[test]
fn level_filter_limit_and_empty_queries() {
    let regions = names("a", Some(Niveau::Region), 50);
    assert!(regions.iter().any(|n| n.ends_with("Auvergne-Rhône-Alpes")));
    let (r, i) = fixture();
    for h in i.search(r, "saint", Some(Niveau::Epci), 20).hits {
        assert_eq!(h.territoire.niveau, Niveau::Epci);
    }
    assert_eq!(i.search(r, "s", None, 7).hits.len(), 7);
    assert!(i.search(r, " - ' ", None, 10).hits.is_empty());
    assert!(i.search(r, "zzzzqx", None, 10).hits.is_empty());
    assert_eq!(i.search(r, "zzzzqx", None, 10).total, 0);
}

#[test]
fn no_territory_appears_twice() {
    let (r, i) = fixture();
    for q in ["saint", "sur", "la", "s", "le", "d"] {
        let hits = i.search(r, q, None, 50).hits;
        let mut seen = std::collections::HashSet::new();
        for h in &hits {
            assert!(
                seen.insert(h.territoire),
                "{q}: duplicate {}",
                r.nom(h.territoire)
            );
        }
        assert_eq!(hits.len(), 50);
    }
}
