//! The organisations index: French analysis, autocomplete, facets and filters, ranking,
//! updates, odd input, on-disk reopening, and a model check against a brute-force evaluation.

use std::collections::BTreeSet;

use alliances_search::organisations::{
    Facettes, Fraicheur, OrgDoc, OrgIndex, OrgQuery, OrgResults, FRAICHEUR_SECONDES,
};
use proptest::prelude::*;

const NOW: i64 = 1_750_000_000;
const JOUR: i64 = 86_400;

fn org(id: i64, nom: &str, texte: &str) -> OrgDoc {
    OrgDoc {
        id,
        nom: nom.to_owned(),
        sigle: None,
        texte: texte.to_owned(),
        profil: 0,
        odd: 0,
        offres: 0,
        besoins: 0,
        territoires: vec![
            "commune:75056".into(),
            "departement:75".into(),
            "region:11".into(),
        ],
        verifie_le: NOW - 10 * JOUR,
        actif: true,
        demo: false,
    }
}

fn index(docs: Vec<OrgDoc>) -> OrgIndex {
    let i = OrgIndex::in_ram();
    i.rebuild(docs.into_iter()).expect("rebuild");
    i
}

fn texte(t: &str) -> OrgQuery {
    OrgQuery {
        texte: Some(t.to_owned()),
        ..OrgQuery::new(NOW)
    }
}

fn ids(r: &OrgResults) -> Vec<i64> {
    r.hits.iter().map(|h| h.id).collect()
}

fn cherche(i: &OrgIndex, q: &OrgQuery) -> Vec<i64> {
    ids(&i.search(q).expect("search"))
}

fn ensemble(i: &OrgIndex, q: &OrgQuery) -> BTreeSet<i64> {
    let q = OrgQuery {
        limit: 10_000,
        ..q.clone()
    };
    cherche(i, &q).into_iter().collect()
}

#[test]
fn partageable_entre_threads() {
    fn partageable<T: Send + Sync>() {}
    partageable::<OrgIndex>();
    let i = std::sync::Arc::new(index(vec![org(1, "Club de judo", "")]));
    let fils: Vec<_> = (0..4)
        .map(|_| {
            let i = i.clone();
            std::thread::spawn(move || i.search(&texte("judo")).expect("search").total)
        })
        .collect();
    for f in fils {
        assert_eq!(f.join().expect("thread"), 1);
    }
}

#[test]
fn analyse_francaise_pluriels_accents_mots_vides_racines() {
    let i = index(vec![
        org(
            1,
            "Les Restos du Cœur",
            "Aide alimentaire, éducation populaire et jardins partagés",
        ),
        org(
            2,
            "Comité des fêtes",
            "Organisation de spectacles pour les enfants",
        ),
        org(3, "Club de chevaux", "Équitation et randonnées"),
    ]);
    let un = |t: &str| ensemble(&i, &texte(t));
    // Plural and singular, accents and case.
    assert_eq!(un("jardin"), [1].into());
    assert_eq!(un("JARDINS"), [1].into());
    assert_eq!(un("education"), [1].into());
    assert_eq!(un("Éducation"), [1].into());
    assert_eq!(un("fete"), [2].into());
    assert_eq!(un("coeur"), [1].into());
    assert_eq!(un("cœurs"), [1].into());
    assert_eq!(un("equitation"), [3].into());
    // Stemming beyond the plural: "cheval" / "chevaux", "randonnée" / "randonnées".
    assert_eq!(un("cheval"), [3].into());
    assert_eq!(un("randonnee"), [3].into());
    assert_eq!(un("spectacle"), [2].into());
    // Stop words do not count, whatever their accents.
    assert_eq!(un("les restos du coeur"), [1].into());
    assert_eq!(un("à la de des été"), [1, 2, 3].into());
    // Every term is required.
    assert_eq!(un("restos spectacles"), BTreeSet::new());
    // An unknown word: nothing.
    assert_eq!(un("zzyzx"), BTreeSet::new());
}

#[test]
fn autocompletion_par_prefixe() {
    let mut mjc = org(3, "Maison des jeunes et de la culture", "");
    mjc.sigle = Some("MJC".into());
    let mut ferme = org(4, "Restaurant de la gare", "");
    ferme.actif = false;
    let i = index(vec![
        org(1, "Les Restos du Cœur", ""),
        org(2, "Restaurant solidaire Saint-Étienne", ""),
        mjc,
        ferme,
    ]);
    let s = |p: &str| {
        i.suggest(p, 10)
            .expect("suggest")
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>()
    };
    // Names starting with the input first (active before closed), then a later word.
    assert_eq!(s("rest"), vec![2, 4, 1]);
    assert_eq!(s("resto"), vec![1]);
    assert_eq!(s("RESTOS DU C"), vec![1]);
    assert_eq!(s("du coeur"), vec![1]);
    assert_eq!(s("cœ"), vec![1]);
    assert_eq!(s("saint etien"), vec![2]);
    assert_eq!(s("mjc"), vec![3]);
    assert_eq!(s("xyz"), Vec::<i64>::new());
    assert_eq!(s(""), Vec::<i64>::new());
    assert_eq!(s("  -- "), Vec::<i64>::new());
    assert_eq!(i.suggest("rest", 1).expect("suggest").len(), 1);
    let noms = i.suggest("resto", 10).expect("suggest");
    assert_eq!(noms, vec![(1, "Les Restos du Cœur".to_owned())]);
}

/// Five records with known facets.
fn jeu_facettes() -> Vec<OrgDoc> {
    let mut v = Vec::new();
    for (id, profil, odd, offres, besoins, territoire, age_jours, actif, demo) in [
        (1, 0u8, 0b1u32, 0b01u32, 0b00u32, "75", 10, true, false),
        (2, 0, 0b11, 0b10, 0b01, "75", 400, true, false),
        (3, 1, 0b100, 0b11, 0b10, "69", 20, false, false),
        (4, 2, 1 << 16, 0, 0b11, "69", 800, true, false),
        (5, 1, 0b101, 0b100, 0, "13", 5, true, true),
    ] {
        let mut o = org(id, &format!("Association numéro {id}"), "sport");
        o.profil = profil;
        o.odd = odd;
        o.offres = offres;
        o.besoins = besoins;
        o.territoires = vec![
            format!("commune:{territoire}001"),
            format!("departement:{territoire}"),
        ];
        o.verifie_le = NOW - age_jours * JOUR;
        o.actif = actif;
        o.demo = demo;
        v.push(o);
    }
    v
}

#[test]
fn facettes_et_filtres() {
    let i = index(jeu_facettes());
    let tout = i.search(&OrgQuery::new(NOW)).expect("search");
    assert_eq!(tout.total, 5);
    let f = &tout.facettes;
    assert_eq!(&f.profil[..3], &[2, 2, 1]);
    assert_eq!(f.profil[3..].iter().sum::<u32>(), 0);
    assert_eq!(f.odd[0], 3); // SDG 1: records 1, 2 and 5
    assert_eq!(f.odd[1], 1);
    assert_eq!(f.odd[2], 2);
    assert_eq!(f.odd[16], 1);
    assert_eq!(&f.offres[..3], &[2, 2, 1]);
    assert_eq!(&f.besoins[..2], &[2, 2]);
    assert_eq!((f.a_jour, f.perimes), (3, 2));
    // The same with a text matching everything (scored path).
    let avec_texte = i.search(&texte("sport")).expect("search");
    assert_eq!(avec_texte.facettes, tout.facettes);
    assert_eq!(avec_texte.total, 5);

    let q = |m: &dyn Fn(&mut OrgQuery)| {
        let mut q = OrgQuery::new(NOW);
        m(&mut q);
        ensemble(&i, &q)
    };
    assert_eq!(q(&|q| q.profils = vec![1]), [3, 5].into());
    assert_eq!(q(&|q| q.profils = vec![1, 2]), [3, 4, 5].into());
    assert_eq!(q(&|q| q.profils = vec![200]), BTreeSet::new());
    assert_eq!(q(&|q| q.odd = vec![3]), [3, 5].into());
    assert_eq!(q(&|q| q.odd = vec![2, 17]), [2, 4].into());
    assert_eq!(q(&|q| q.odd = vec![0, 18]), BTreeSet::new());
    assert_eq!(q(&|q| q.offres = 0b10), [2, 3].into());
    assert_eq!(q(&|q| q.offres = 0b110), [2, 3, 5].into());
    assert_eq!(q(&|q| q.besoins = 0b10), [3, 4].into());
    assert_eq!(
        q(&|q| q.territoire = Some("departement:69".into())),
        [3, 4].into()
    );
    assert_eq!(
        q(&|q| q.territoire = Some("commune:13001".into())),
        [5].into()
    );
    assert_eq!(
        q(&|q| q.territoire = Some("departement:01".into())),
        BTreeSet::new()
    );
    assert_eq!(
        q(&|q| q.fraicheur = Some(Fraicheur::AJour)),
        [1, 3, 5].into()
    );
    assert_eq!(
        q(&|q| q.fraicheur = Some(Fraicheur::APerime)),
        [2, 4].into()
    );
    assert_eq!(q(&|q| q.actifs_seulement = true), [1, 2, 4, 5].into());
    assert_eq!(q(&|q| q.sans_demo = true), [1, 2, 3, 4].into());
    // Combined: AND between facets, OR inside one.
    assert_eq!(
        q(&|q| {
            q.profils = vec![0, 1];
            q.odd = vec![1];
            q.actifs_seulement = true;
        }),
        [1, 2, 5].into()
    );
    // Drill-down: the facets count the matches of the filtered query.
    let r = i
        .search(&OrgQuery {
            territoire: Some("departement:75".into()),
            ..OrgQuery::new(NOW)
        })
        .expect("search");
    assert_eq!(r.total, 2);
    assert_eq!(&r.facettes.profil[..2], &[2, 0]);
    assert_eq!(&r.facettes.odd[..2], &[2, 1]);
    assert_eq!((r.facettes.a_jour, r.facettes.perimes), (1, 1));
    // Facets count every match, not only the page.
    let page = i
        .search(&OrgQuery {
            limit: 1,
            ..OrgQuery::new(NOW)
        })
        .expect("search");
    assert_eq!(page.hits.len(), 1);
    assert_eq!(page.total, 5);
    assert_eq!(page.facettes, tout.facettes);
    let rien = i
        .search(&OrgQuery {
            limit: 0,
            ..texte("sport")
        })
        .expect("search");
    assert!(rien.hits.is_empty());
    assert_eq!(rien.total, 5);
}

#[test]
fn territoire_a_tout_niveau() {
    let mut a = org(1, "Amicale de Lyon", "");
    a.territoires = vec![
        "commune:69123".into(),
        "epci:200046977".into(),
        "departement:69".into(),
        "region:84".into(),
    ];
    let mut b = org(2, "Amicale nationale", "");
    b.territoires = vec![
        "commune:75056".into(),
        "departement:75".into(),
        "national".into(),
    ];
    let i = index(vec![a, b]);
    for (t, attendu) in [
        ("commune:69123", vec![1]),
        ("epci:200046977", vec![1]),
        ("departement:69", vec![1]),
        ("region:84", vec![1]),
        ("national", vec![2]),
        ("region:11", vec![]),
    ] {
        let q = OrgQuery {
            territoire: Some(t.into()),
            ..texte("amicale")
        };
        assert_eq!(cherche(&i, &q), attendu, "{t}");
    }
}

#[test]
fn classement_pertinence_fraicheur_et_peremption() {
    let ancien = NOW - 2 * FRAICHEUR_SECONDES;
    let mut docs = vec![
        // Same relevance, different freshness.
        org(1, "Jardin partagé", "quartier"),
        org(2, "Jardin partagé", "quartier"),
        org(3, "Jardin partagé", "quartier"),
        // The word only in the text.
        org(
            4,
            "Amicale",
            "un jardin avec des arbres fruitiers et des bancs pour les voisins",
        ),
        org(
            5,
            "Amicale",
            "un jardin avec des arbres fruitiers et des bancs pour les voisins",
        ),
    ];
    docs[0].verifie_le = ancien; // stale
    docs[1].verifie_le = NOW - 5 * JOUR;
    docs[2].verifie_le = NOW - 2 * JOUR; // the freshest
    docs[3].verifie_le = NOW - JOUR;
    docs[4].verifie_le = ancien;
    let i = index(docs);
    let r = i.search(&texte("jardin")).expect("search");
    // The name weighs more than the text, even stale (demotion is a factor, not a wall);
    // among equals, the freshest first; the stale one demoted below the fresh ones.
    assert_eq!(ids(&r), vec![3, 2, 1, 4, 5]);
    assert!(r.hits[1].score > r.hits[2].score);
    assert!((r.hits[2].score - r.hits[1].score * 0.5).abs() < 1e-4);
    // Without text: the most recently verified first, then the smallest id.
    let r = i.search(&OrgQuery::new(NOW)).expect("search");
    assert_eq!(ids(&r), vec![4, 3, 2, 1, 5]);
    // Pagination follows the same order.
    let r = i
        .search(&OrgQuery {
            offset: 1,
            limit: 2,
            ..OrgQuery::new(NOW)
        })
        .expect("search");
    assert_eq!(ids(&r), vec![3, 2]);
    assert_eq!(r.total, 5);
    let r = i
        .search(&OrgQuery {
            offset: 10,
            ..OrgQuery::new(NOW)
        })
        .expect("search");
    assert!(r.hits.is_empty());
}

#[test]
fn egalites_sans_texte_par_identifiant() {
    let docs: Vec<OrgDoc> = [7, 3, 9, 1, 5]
        .into_iter()
        .map(|id| org(id, "Club", ""))
        .collect();
    let i = index(docs);
    let r = i
        .search(&OrgQuery {
            limit: 3,
            ..OrgQuery::new(NOW)
        })
        .expect("search");
    assert_eq!(ids(&r), vec![1, 3, 5]);
}

#[test]
fn actifs_seulement() {
    let mut ferme = org(2, "Club de judo", "");
    ferme.actif = false;
    let i = index(vec![org(1, "Club de judo", ""), ferme]);
    assert_eq!(ensemble(&i, &texte("judo")), [1, 2].into());
    let q = OrgQuery {
        actifs_seulement: true,
        ..texte("judo")
    };
    assert_eq!(ensemble(&i, &q), [1].into());
}

#[test]
fn mises_a_jour_et_suppressions() {
    let i = index(vec![
        org(1, "Club de tennis", ""),
        org(2, "Club de judo", ""),
    ]);
    assert_eq!(i.len(), 2);
    // An upsert replaces: no duplicate, the old text is gone.
    i.apply(vec![org(1, "Club de natation", "")], &[])
        .expect("apply");
    assert_eq!(i.len(), 2);
    assert_eq!(ensemble(&i, &texte("club")), [1, 2].into());
    assert_eq!(ensemble(&i, &texte("tennis")), BTreeSet::new());
    assert_eq!(ensemble(&i, &texte("natation")), [1].into());
    assert_eq!(i.search(&OrgQuery::new(NOW)).expect("search").total, 2);
    // The same record twice in one batch: the last wins.
    i.apply(
        vec![org(3, "Chorale", ""), org(3, "Chorale des amis", "")],
        &[],
    )
    .expect("apply");
    assert_eq!(i.len(), 3);
    assert_eq!(ensemble(&i, &texte("amis")), [3].into());
    // Deletions, including an unknown id.
    i.apply(vec![], &[2, 99]).expect("apply");
    assert_eq!(i.len(), 2);
    assert_eq!(ensemble(&i, &texte("judo")), BTreeSet::new());
    assert_eq!(i.search(&OrgQuery::new(NOW)).expect("search").total, 2);
    assert!(i.suggest("judo", 5).expect("suggest").is_empty());
    assert_eq!(i.suggest("nata", 5).expect("suggest").len(), 1);
    // A rebuild replaces everything.
    i.rebuild(vec![org(10, "Fanfare", "")].into_iter())
        .expect("rebuild");
    assert_eq!(i.len(), 1);
    assert_eq!(ensemble(&i, &OrgQuery::new(NOW)), [10].into());
    // Nothing to apply: nothing happens.
    i.apply(vec![], &[]).expect("apply");
    assert_eq!(i.len(), 1);
}

#[test]
fn entrees_bizarres() {
    let i = index(vec![org(1, "Les Restos du Cœur", "aide")]);
    let long = "association \"(: -) ".repeat(600);
    for t in [
        "",
        " ",
        "\"",
        "\"restos",
        "restos:",
        "nom:restos",
        "(restos",
        "restos)",
        "-",
        "- restos",
        "+restos",
        "restos AND aide",
        "resto*",
        "~2",
        "[a TO z]",
        "\\",
        "\u{0}",
        "🙂 restos",
        "ﬁ",
        long.as_str(),
    ] {
        let r = i.search(&texte(t));
        assert!(r.is_ok(), "{t:?}");
        assert!(i.suggest(t, 5).is_ok(), "{t:?}");
    }
    assert_eq!(ensemble(&i, &texte("\"restos\" (coeur)")), [1].into());
    assert_eq!(ensemble(&i, &texte("- restos")), [1].into());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn jamais_de_panique(t in any::<String>(), p in "\\PC{0,40}") {
        let i = index(vec![org(1, "Les Restos du Cœur", "aide alimentaire")]);
        prop_assert!(i.search(&texte(&t)).is_ok());
        prop_assert!(i.suggest(&t, 5).is_ok());
        prop_assert!(i.suggest(&p, 5).is_ok());
        let q = OrgQuery { territoire: Some(t.clone()), ..texte(&p) };
        prop_assert!(i.search(&q).is_ok());
    }
}

#[test]
fn index_sur_disque_rouvert() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let i = OrgIndex::open_or_create(dir.path()).expect("open");
        i.rebuild(jeu_facettes().into_iter()).expect("rebuild");
        i.apply(vec![org(6, "Fanfare municipale", "")], &[1])
            .expect("apply");
        assert_eq!(i.len(), 5);
    }
    let i = OrgIndex::open_or_create(dir.path()).expect("reopen");
    assert_eq!(i.len(), 5);
    assert_eq!(ensemble(&i, &texte("fanfare")), [6].into());
    assert_eq!(ensemble(&i, &OrgQuery::new(NOW)), [2, 3, 4, 5, 6].into());
    assert_eq!(i.suggest("fanf", 3).expect("suggest")[0].0, 6);
    // Usable again for writing.
    i.apply(vec![], &[6]).expect("apply");
    assert_eq!(i.len(), 4);
}

// --- Model check: the index against a brute-force evaluation over the same records. ---

const MOTS: &[&str] = &["jardin", "musique", "sport", "theatre", "velo", "chorale"];

fn doc_modele() -> impl Strategy<Value = OrgDoc> {
    (
        (
            0i64..400,
            prop::sample::subsequence(MOTS, 1..3),
            prop::sample::subsequence(MOTS, 0..3),
        ),
        (0u8..4, 0u32..(1 << 17), 0u32..16, 0u32..16),
        (
            0usize..4,
            0i64..800,
            any::<bool>(),
            prop::bool::weighted(0.1),
        ),
    )
        .prop_map(
            |((id, nom, texte), (profil, odd, offres, besoins), (t, age, actif, demo))| {
                OrgDoc {
                    id,
                    nom: nom.join(" "),
                    sigle: None,
                    texte: texte.join(" "),
                    profil,
                    odd: odd & (odd >> 3) & (odd >> 7), // few SDGs
                    offres,
                    besoins,
                    territoires: vec![format!("departement:{t}")],
                    verifie_le: NOW - (age % 8) * 100 * JOUR, // many ties on the date
                    actif,
                    demo,
                }
            },
        )
}

#[derive(Debug, Clone)]
struct Requete {
    mots: Vec<&'static str>,
    profils: Vec<u8>,
    odd: Vec<u8>,
    offres: u32,
    territoire: Option<usize>,
    fraicheur: Option<bool>,
    actifs: bool,
}

fn requete() -> impl Strategy<Value = Requete> {
    (
        prop::sample::subsequence(MOTS, 0..3),
        prop::collection::vec(0u8..4, 0..3),
        prop::collection::vec(1u8..18, 0..2),
        prop::sample::select(vec![0u32, 1, 6]),
        prop::option::of(0usize..4),
        prop::option::of(any::<bool>()),
        any::<bool>(),
    )
        .prop_map(
            |(mots, profils, odd, offres, territoire, fraicheur, actifs)| Requete {
                mots,
                profils,
                odd,
                offres,
                territoire,
                fraicheur,
                actifs,
            },
        )
}

fn accepte(d: &OrgDoc, r: &Requete) -> bool {
    let mots: Vec<&str> = d.nom.split(' ').chain(d.texte.split(' ')).collect();
    let a_jour = d.verifie_le >= NOW - FRAICHEUR_SECONDES;
    r.mots.iter().all(|m| mots.contains(m))
        && (r.profils.is_empty() || r.profils.contains(&d.profil))
        && (r.odd.is_empty() || r.odd.iter().any(|n| d.odd & (1 << (n - 1)) != 0))
        && (r.offres == 0 || d.offres & r.offres != 0)
        && r.territoire
            .is_none_or(|t| d.territoires[0] == format!("departement:{t}"))
        && r.fraicheur.is_none_or(|f| f == a_jour)
        && (!r.actifs || d.actif)
}

fn facettes_modele(docs: &[&OrgDoc]) -> Facettes {
    let mut f = Facettes::default();
    for d in docs {
        f.profil[usize::from(d.profil)] += 1;
        for b in 0..17 {
            f.odd[b] += (d.odd >> b) & 1;
        }
        for b in 0..16 {
            f.offres[b] += (d.offres >> b) & 1;
            f.besoins[b] += (d.besoins >> b) & 1;
        }
        if d.verifie_le >= NOW - FRAICHEUR_SECONDES {
            f.a_jour += 1;
        } else {
            f.perimes += 1;
        }
    }
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Built in several batches (several segments, replaced and deleted records), the index
    /// answers like a brute-force evaluation of the final records.
    #[test]
    fn conforme_au_modele(
        lots in prop::collection::vec(
            (prop::collection::vec(doc_modele(), 0..200), prop::collection::vec(0i64..400, 0..30)),
            1..4,
        ),
        requetes in prop::collection::vec(requete(), 1..8),
        prefixes in prop::collection::vec(
            (prop::sample::select(MOTS), 1usize..5, 1usize..12),
            1..4,
        ),
    ) {
        let i = OrgIndex::in_ram();
        let mut modele: std::collections::BTreeMap<i64, OrgDoc> = Default::default();
        for (n, (upserts, deletes)) in lots.into_iter().enumerate() {
            if n == 0 {
                let mut uniques: std::collections::BTreeMap<i64, OrgDoc> = Default::default();
                for d in upserts {
                    uniques.insert(d.id, d);
                }
                i.rebuild(uniques.values().cloned()).expect("rebuild");
                modele = uniques;
            } else {
                for d in &upserts {
                    modele.insert(d.id, d.clone());
                }
                for id in &deletes {
                    modele.remove(id);
                }
                i.apply(upserts, &deletes).expect("apply");
            }
        }
        prop_assert_eq!(i.len(), modele.len());
        for (mot, n, limite) in prefixes {
            let prefixe: String = mot.chars().take(n).collect();
            let mut attendus: Vec<&OrgDoc> = modele
                .values()
                .filter(|d| d.nom.split(' ').any(|w| w.starts_with(&prefixe)))
                .collect();
            attendus.sort_by_key(|d| {
                (
                    !d.nom.starts_with(&prefixe),
                    !d.actif,
                    std::cmp::Reverse(d.verifie_le),
                    d.id,
                )
            });
            let attendus: Vec<i64> = attendus.iter().take(limite).map(|d| d.id).collect();
            let obtenus: Vec<i64> = i
                .suggest(&prefixe, limite)
                .expect("suggest")
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            prop_assert_eq!(obtenus, attendus, "{}", prefixe);
        }
        for r in requetes {
            let q = OrgQuery {
                texte: (!r.mots.is_empty()).then(|| r.mots.join(" ")),
                profils: r.profils.clone(),
                odd: r.odd.clone(),
                offres: r.offres,
                territoire: r.territoire.map(|t| format!("departement:{t}")),
                fraicheur: r
                    .fraicheur
                    .map(|f| if f { Fraicheur::AJour } else { Fraicheur::APerime }),
                actifs_seulement: r.actifs,
                limit: 1_000,
                ..OrgQuery::new(NOW)
            };
            let res = i.search(&q).expect("search");
            let attendus: Vec<&OrgDoc> = modele.values().filter(|d| accepte(d, &r)).collect();
            prop_assert_eq!(res.total, attendus.len(), "{:?}", r);
            prop_assert_eq!(&res.facettes, &facettes_modele(&attendus), "{:?}", r);
            let trouves: BTreeSet<i64> = ids(&res).into_iter().collect();
            let voulus: BTreeSet<i64> = attendus.iter().map(|d| d.id).collect();
            prop_assert_eq!(&trouves, &voulus, "{:?}", r);
            prop_assert_eq!(res.hits.len(), attendus.len());
            // A page is a slice of the full ranking (the top-k pruning loses nothing).
            let page = i.search(&OrgQuery { offset: 1, limit: 3, ..q.clone() }).expect("search");
            let tranche: Vec<i64> = ids(&res).into_iter().skip(1).take(3).collect();
            prop_assert_eq!(ids(&page), tranche, "{:?}", r);
            prop_assert_eq!(page.total, res.total);
            if r.mots.is_empty() {
                let mut ordre: Vec<&OrgDoc> = attendus.clone();
                ordre.sort_by_key(|d| (std::cmp::Reverse(d.verifie_le), d.id));
                let ordre: Vec<i64> = ordre.iter().map(|d| d.id).collect();
                prop_assert_eq!(ids(&res), ordre);
            } else {
                // Scores never increase down the list.
                prop_assert!(res.hits.windows(2).all(|w| w[0].score >= w[1].score));
            }
        }
    }
}
