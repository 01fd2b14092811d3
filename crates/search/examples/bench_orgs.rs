//! Benchmark of the organisations index on synthetic data.
//!
//! `cargo run --release -p alliances-search --example bench_orgs -- [N] [--ram] [--runs R]
//! [--keep DIR] [--kind WORD]` (N defaults to 1,000,000, R to 300). Builds an index of N
//! pseudo-random organisations (deterministic: French association and company words, town
//! names, 10–30-word descriptions with a Zipf-like vocabulary, Zipf-like territories over 100
//! départements / 1,000 EPCI / 35,000 communes, 10 profiles with associations ~60 %, 1–3 SDGs,
//! 0–3 offers and needs, verification dates over three years), then times a mix of queries
//! (each kind R times after 20 warm-up runs) and prints p50 / p99 / max per kind, then 100
//! single-record updates. `--keep DIR` keeps the index in DIR and reuses it when it already
//! holds N records (no updates are run then); `--kind WORD` runs only the kinds whose name
//! contains WORD.

use std::time::Instant;

use alliances_search::organisations::{OrgDoc, OrgIndex, OrgQuery};
use hdrhistogram::Histogram;

/// splitmix64: small, deterministic, good enough for synthetic data.
struct Alea(u64);

impl Alea {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// Zipf-like rank in `0..n` (density ∝ 1/(r+1)).
    fn zipf(&mut self, n: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((((n + 1) as f64).powf(u)) as u64)
            .saturating_sub(1)
            .min(n - 1)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

const GENRES: &[&str] = &[
    "Comité",
    "Amicale",
    "Club",
    "Union",
    "Fédération",
    "Collectif",
    "Maison",
    "Centre",
    "Coopérative",
    "Fondation",
    "Groupement",
    "Réseau",
    "Syndicat",
    "Mutuelle",
    "Régie",
    "Office",
    "Cercle",
    "Foyer",
    "Atelier",
    "Compagnie",
];
const THEMES: &[&str] = &[
    "sport",
    "culture",
    "solidarité",
    "jeunesse",
    "emploi",
    "environnement",
    "insertion",
    "santé",
    "éducation",
    "loisirs",
    "musique",
    "théâtre",
    "patrimoine",
    "numérique",
    "alimentation",
    "logement",
    "mobilité",
    "agriculture",
    "tourisme",
    "handicap",
    "seniors",
    "famille",
    "quartier",
    "lecture",
    "cinéma",
    "danse",
    "randonnée",
    "football",
    "tennis",
    "judo",
    "natation",
    "pétanque",
    "échecs",
    "chorale",
    "jardinage",
    "recyclage",
    "vélo",
    "parents",
    "commerçants",
    "artisans",
];
const VILLES: &[&str] = &[
    "Paris",
    "Marseille",
    "Lyon",
    "Toulouse",
    "Nice",
    "Nantes",
    "Montpellier",
    "Strasbourg",
    "Bordeaux",
    "Lille",
    "Rennes",
    "Reims",
    "Toulon",
    "Saint-Étienne",
    "Le Havre",
    "Grenoble",
    "Dijon",
    "Angers",
    "Nîmes",
    "Villeurbanne",
    "Clermont-Ferrand",
    "Le Mans",
    "Aix-en-Provence",
    "Brest",
    "Tours",
    "Amiens",
    "Limoges",
    "Annecy",
    "Perpignan",
    "Boulogne-Billancourt",
    "Metz",
    "Besançon",
    "Orléans",
    "Saint-Denis",
    "Argenteuil",
    "Rouen",
    "Mulhouse",
    "Montreuil",
    "Caen",
    "Nancy",
    "Tourcoing",
    "Roubaix",
    "Nanterre",
    "Vitry-sur-Seine",
    "Avignon",
    "Créteil",
    "Dunkerque",
    "Poitiers",
    "Asnières",
    "Versailles",
    "Colombes",
    "Aubervilliers",
    "Pau",
    "Courbevoie",
    "La Rochelle",
    "Calais",
    "Cannes",
    "Antibes",
    "Béziers",
    "Colmar",
    "Quimper",
    "Valence",
    "Lorient",
    "Troyes",
    "Chambéry",
    "Niort",
    "Vannes",
    "Laval",
    "Belfort",
    "Évreux",
    "Cherbourg",
    "Albi",
    "Bayonne",
    "Tarbes",
    "Ajaccio",
    "Bastia",
    "Auxerre",
    "Nevers",
    "Blois",
    "Chartres",
    "Sète",
    "Arles",
    "Gap",
    "Mâcon",
    "Vichy",
    "Aurillac",
    "Rodez",
    "Cahors",
    "Agen",
    "Périgueux",
    "Angoulême",
    "Saintes",
    "Cognac",
    "Dax",
    "Mont-de-Marsan",
    "Foix",
    "Carcassonne",
    "Narbonne",
    "Millau",
    "Mende",
];
const MOTS: &[&str] = &[
    "accompagner",
    "habitants",
    "projets",
    "actions",
    "développement",
    "local",
    "territoire",
    "animation",
    "activités",
    "enfants",
    "adultes",
    "formation",
    "accueil",
    "public",
    "social",
    "rencontres",
    "organiser",
    "promouvoir",
    "soutenir",
    "personnes",
    "bénévoles",
    "citoyens",
    "ateliers",
    "événements",
    "partenaires",
    "collectivités",
    "réseau",
    "économie",
    "durable",
    "transition",
    "écologique",
    "solidaire",
    "entraide",
    "lien",
    "intergénérationnel",
    "favoriser",
    "accès",
    "droits",
    "information",
    "sensibilisation",
    "prévention",
    "insertion",
    "professionnelle",
    "emploi",
    "jeunes",
    "quartiers",
    "prioritaires",
    "ville",
    "rural",
    "commune",
    "département",
    "région",
    "national",
    "européen",
    "coopération",
    "innovation",
    "numérique",
    "inclusion",
    "handicap",
    "autonomie",
    "santé",
    "bien-être",
    "sport",
    "culture",
    "patrimoine",
    "mémoire",
    "histoire",
    "arts",
    "spectacles",
    "festival",
    "musique",
    "lecture",
    "bibliothèque",
    "éducation",
    "populaire",
    "scolaire",
    "périscolaire",
    "vacances",
    "séjours",
    "nature",
    "biodiversité",
    "jardins",
    "partagés",
    "alimentation",
    "circuits",
    "courts",
    "producteurs",
    "consommateurs",
    "logement",
    "hébergement",
    "urgence",
    "précarité",
    "pauvreté",
    "familles",
    "parentalité",
    "femmes",
    "égalité",
    "discriminations",
    "migrants",
    "langue",
    "français",
    "alphabétisation",
    "mobilité",
    "transport",
    "vélo",
    "énergie",
    "climat",
    "déchets",
    "réemploi",
    "recyclerie",
    "réparation",
    "artisanat",
    "commerce",
    "équitable",
    "tourisme",
    "randonnée",
    "montagne",
    "mer",
    "littoral",
    "agriculture",
    "paysanne",
    "forêt",
    "eau",
];
const SYLLABES: &[&str] = &[
    "ba", "be", "bi", "bo", "ca", "ce", "co", "da", "de", "di", "fa", "fo", "ga", "gi", "la", "le",
    "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "ni", "pa", "pe", "po", "ra", "re", "ri", "ro",
    "sa", "se", "si", "ta", "te", "ti", "to", "va", "ve", "vi", "zo", "zu",
];

/// Rare words: synthetic, four syllables (about 3.7 million combinations, 20,000 used).
fn mot_rare(rang: u64) -> String {
    let mut x = rang.wrapping_mul(2_654_435_761) ^ 0x5bd1e995;
    let mut s = String::new();
    for _ in 0..4 {
        s.push_str(SYLLABES[(x % SYLLABES.len() as u64) as usize]);
        x /= SYLLABES.len() as u64;
    }
    s.push('x');
    s
}

const NB_RARES: u64 = 20_000;
const NB_DEPARTEMENTS: u64 = 100;
const EPCI_PAR_DEP: u64 = 10;
const COMMUNES_PAR_DEP: u64 = 350;
const NOW: i64 = 1_780_000_000;

fn territoires(a: &mut Alea, out: &mut Vec<String>) {
    let dep = a.zipf(NB_DEPARTEMENTS);
    let commune = a.zipf(COMMUNES_PAR_DEP);
    let epci = commune * EPCI_PAR_DEP / COMMUNES_PAR_DEP;
    out.push(format!("commune:{:02}{:03}", dep + 1, commune));
    out.push(format!("epci:2{:02}{:06}", dep + 1, epci));
    out.push(format!("departement:{}", dep + 1));
    out.push(format!("region:{}", dep / 8 + 1));
}

fn organisation(a: &mut Alea, id: i64) -> OrgDoc {
    let profil = if a.chance(0.6) {
        0
    } else {
        1 + a.below(9) as u8
    };
    let ville = VILLES[a.zipf(VILLES.len() as u64) as usize];
    let theme = THEMES[a.zipf(THEMES.len() as u64) as usize];
    let nom = if profil == 0 && a.chance(0.5) {
        format!("Association {theme} de {ville}")
    } else if a.chance(0.3) {
        format!(
            "{} {} {}",
            a.pick(GENRES),
            theme,
            mot_rare(a.zipf(NB_RARES))
        )
    } else {
        format!("{} {theme} {ville}", a.pick(GENRES))
    };
    let sigle = a.chance(0.2).then(|| {
        nom.split(' ')
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_uppercase)
            .collect::<String>()
    });
    let nb_mots = 10 + a.below(21);
    let mut texte = String::new();
    for _ in 0..nb_mots {
        if !texte.is_empty() {
            texte.push(' ');
        }
        if a.chance(0.15) {
            texte.push_str(&mot_rare(a.zipf(NB_RARES)));
        } else {
            texte.push_str(MOTS[a.zipf(MOTS.len() as u64) as usize]);
        }
    }
    if a.chance(0.06) {
        texte.push_str(" association");
    }
    let mut odd = 0u32;
    for _ in 0..1 + a.below(3) {
        odd |= 1 << a.below(17);
    }
    let mut offres = 0u32;
    for _ in 0..a.below(4) {
        offres |= 1 << a.below(12);
    }
    let mut besoins = 0u32;
    for _ in 0..a.below(4) {
        besoins |= 1 << a.below(12);
    }
    let mut ts = Vec::with_capacity(8);
    territoires(a, &mut ts);
    if a.chance(0.15) {
        territoires(a, &mut ts);
    }
    if a.chance(0.05) {
        ts.push("national".to_owned());
    }
    ts.sort();
    ts.dedup();
    OrgDoc {
        id,
        nom,
        sigle,
        texte,
        profil,
        odd,
        offres,
        besoins,
        territoires: ts,
        verifie_le: NOW - a.below(3 * 365 * 86_400) as i64,
        actif: a.chance(0.95),
        demo: false,
    }
}

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn taille_dossier(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|it| {
            it.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: i64 = args
        .iter()
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let ram = args.iter().any(|a| a == "--ram");
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(300);
    // `--kind WORD`: only the query kinds whose name contains WORD (for profiling).
    let seul: Option<String> = args
        .iter()
        .position(|a| a == "--kind")
        .and_then(|i| args.get(i + 1).cloned());

    // `--keep DIR`: index in DIR, kept afterwards and reused when it holds N records.
    let garde: Option<std::path::PathBuf> = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1).map(Into::into));
    let dir = garde.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("alliances-bench-orgs-{}", std::process::id()))
    });
    let ouverture = Instant::now();
    let index = if ram {
        OrgIndex::in_ram()
    } else {
        OrgIndex::open_or_create(&dir).expect("index on disk")
    };
    if !index.is_empty() {
        println!(
            "opened an existing index of {} organisations in {} ms",
            index.len(),
            ouverture.elapsed().as_millis()
        );
    }
    let debut = Instant::now();
    let mut a = Alea(42);
    if index.len() != n as usize {
        index
            .rebuild((1..=n).map(|id| organisation(&mut a, id)))
            .expect("rebuild");
    }
    let construction = debut.elapsed();
    println!(
        "{} organisations indexed in {:.1} s ({}, {} segment(s)), index {} MiB, RSS {} MiB",
        index.len(),
        construction.as_secs_f64(),
        if ram { "in RAM" } else { "on disk, mmap" },
        index.segments(),
        if ram { 0 } else { taille_dossier(&dir) >> 20 },
        rss_mib()
    );

    let mut q = Alea(7);
    type Gen = Box<dyn FnMut(&mut Alea) -> OrgQuery>;
    let kinds: Vec<(&str, Gen)> = vec![
        (
            "rare word",
            Box::new(|a: &mut Alea| OrgQuery {
                texte: Some(mot_rare(5_000 + a.below(NB_RARES - 5_000))),
                ..OrgQuery::new(NOW)
            }),
        ),
        (
            "common word (association)",
            Box::new(|_: &mut Alea| OrgQuery {
                texte: Some("association".into()),
                ..OrgQuery::new(NOW)
            }),
        ),
        (
            "two words",
            Box::new(|a: &mut Alea| OrgQuery {
                texte: Some(format!("{} {}", a.pick(THEMES), a.pick(VILLES))),
                ..OrgQuery::new(NOW)
            }),
        ),
        (
            "word + département",
            Box::new(|a: &mut Alea| OrgQuery {
                texte: Some(a.pick(THEMES).to_owned()),
                territoire: Some(format!("departement:{}", a.zipf(NB_DEPARTEMENTS) + 1)),
                ..OrgQuery::new(NOW)
            }),
        ),
        (
            "common word + région + facet",
            Box::new(|a: &mut Alea| OrgQuery {
                texte: Some("association".into()),
                territoire: Some(format!("region:{}", a.zipf(NB_DEPARTEMENTS) / 8 + 1)),
                odd: vec![1 + a.below(17) as u8],
                ..OrgQuery::new(NOW)
            }),
        ),
        (
            "no text + région",
            Box::new(|a: &mut Alea| OrgQuery {
                territoire: Some(format!("region:{}", a.zipf(NB_DEPARTEMENTS) / 8 + 1)),
                ..OrgQuery::new(NOW)
            }),
        ),
        (
            "no text + profile",
            Box::new(|a: &mut Alea| OrgQuery {
                profils: vec![a.below(10) as u8],
                ..OrgQuery::new(NOW)
            }),
        ),
        (
            "no text, no filter",
            Box::new(|_: &mut Alea| OrgQuery::new(NOW)),
        ),
    ];
    println!(
        "{:<30} {:>9} {:>9} {:>9} {:>11}",
        "query kind", "p50 µs", "p99 µs", "max µs", "mean total"
    );
    for (nom, mut gen) in kinds {
        if seul.as_ref().is_some_and(|s| !nom.contains(s.as_str())) {
            continue;
        }
        let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
        let mut totaux = 0usize;
        for i in 0..runs + 20 {
            let requete = gen(&mut q);
            let t = Instant::now();
            let r = index.search(&requete).expect("search");
            let d = t.elapsed();
            if i >= 20 {
                h.record(d.as_micros().max(1) as u64).expect("record");
                totaux += r.total;
            }
        }
        println!(
            "{:<30} {:>9} {:>9} {:>9} {:>11}",
            nom,
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.99),
            h.max(),
            totaux / runs
        );
    }
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
    let mut trouves = 0usize;
    for i in 0..runs + 20 {
        let source = if q.chance(0.5) {
            a_prefixe(&mut q, THEMES)
        } else {
            a_prefixe(&mut q, VILLES)
        };
        let t = Instant::now();
        let r = index.suggest(&source, 10).expect("suggest");
        let d = t.elapsed();
        if i >= 20 {
            h.record(d.as_micros().max(1) as u64).expect("record");
            trouves += r.len();
        }
    }
    println!(
        "{:<30} {:>9} {:>9} {:>9} {:>11}",
        "suggest (2-5 chars)",
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.99),
        h.max(),
        trouves / runs
    );
    // Updates: 100 single-record upserts, each committed and visible.
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
    let mut a = Alea(99);
    for _ in 0..if garde.is_some() { 0 } else { 100 } {
        let id = 1 + a.below(n as u64) as i64;
        let doc = organisation(&mut a, id);
        let t = Instant::now();
        index.apply(vec![doc], &[]).expect("apply");
        h.record(t.elapsed().as_micros().max(1) as u64)
            .expect("record");
    }
    println!(
        "{:<30} {:>9} {:>9} {:>9}",
        "apply (1 upsert + commit)",
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.99),
        h.max()
    );
    println!("RSS at the end {} MiB", rss_mib());
    drop(index);
    if !ram && garde.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn a_prefixe(a: &mut Alea, source: &[&str]) -> String {
    let mot = alliances_domain::texte::fold(a.pick(source));
    let n = 2 + a.below(4) as usize;
    mot.chars().take(n).collect()
}
