use super::*;
use alliances_domain::annuaire::NatureRessource;
use proptest::prelude::*;

fn fiche(id: i64, profil: Profil, dep: u8, commune: u32) -> FicheRelation {
    FicheRelation {
        id,
        profil,
        odd_principal: 1 << 3,
        odd_secondaires: 1 << 7,
        offres: 0,
        besoins: 0,
        siege: Siege {
            commune: Some(commune),
            epci: Some(commune as u16 / 10),
            departement: Some(dep),
            region: Some(dep / 10),
        },
        portee: Presence::default(),
        national: false,
        jour_verification: 20_000,
        maturite: None,
        actif: true,
        contactable: true,
    }
}

fn question(f: &FicheRelation, filtres: Filtres) -> Requete {
    Requete {
        question: Question {
            profil: f.profil,
            odd_principal: f.odd_principal,
            odd_secondaires: f.odd_secondaires,
            offres: f.offres,
            besoins: f.besoins,
            focus: Focus::Organisation,
            profils_recherches: filtres.masque_profils(),
        },
        presence: PresenceQuestion::new(&f.siege, &f.portee, f.national),
        filtres,
        exclure: Some(f.id),
        jour: 20_100,
    }
}

/// Every candidate scored and sorted: what the index must agree with.
fn naif(index: &IndexRelation, r: &Requete, k: usize) -> Vec<(i64, u32)> {
    let mut v: Vec<(i64, u32)> = (0..index.ids.len())
        .filter(|&s| {
            index.admis(
                r,
                r.filtres.masque_profils(),
                r.exclure.and_then(|id| index.slot(id)).map(|s| s as usize),
                s,
            )
        })
        .filter_map(|s| {
            let p = index.proximite(&r.presence, s);
            (p <= r.filtres.distance_max.unwrap_or(Proximite::Aucune)).then(|| {
                (
                    index.ids[s],
                    composantes(&r.question, &index.candidat(r, s), p).score(),
                )
            })
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(k);
    v
}

#[test]
fn proximity_follows_the_hierarchy_and_scopes_cover_what_is_inside() {
    let moi = fiche(1, Profil::Association, 42, 4200);
    let voisins = [
        fiche(2, Profil::Entreprise, 42, 4200), // same commune
        fiche(3, Profil::Entreprise, 42, 4201), // same EPCI (4201 / 10 = 420)
        fiche(4, Profil::Entreprise, 42, 4300), // same département
        fiche(5, Profil::Entreprise, 43, 4400), // same région (4)
        fiche(6, Profil::Entreprise, 75, 7500), // far
        FicheRelation {
            national: true,
            ..fiche(7, Profil::Entreprise, 75, 7501)
        },
        FicheRelation {
            portee: Presence {
                departements: vec![42],
                regions: 1 << 4,
                ..Default::default()
            },
            ..fiche(8, Profil::Entreprise, 75, 7502)
        },
    ];
    let mut index = IndexRelation::new();
    index.inserer(moi.clone());
    for v in voisins {
        index.inserer(v);
    }
    let r = question(&moi, Filtres::default());
    let c = index.meilleurs(&r, 10, true);
    let prox: HashMap<i64, Proximite> = c
        .resultats
        .iter()
        .map(|t| (t.id, t.composantes.proximite))
        .collect();
    assert_eq!(prox[&2], Proximite::Commune);
    assert_eq!(prox[&3], Proximite::Epci);
    assert_eq!(prox[&4], Proximite::Departement);
    assert_eq!(prox[&5], Proximite::Region);
    assert_eq!(prox[&6], Proximite::Aucune);
    assert_eq!(prox[&7], Proximite::National);
    assert_eq!(
        prox[&8],
        Proximite::Departement,
        "acting on the département"
    );
    assert!(!prox.contains_key(&1), "never proposed to itself");
    assert_eq!(c.total, Some(7));
    let ids: Vec<i64> = c.resultats.iter().map(|t| t.id).collect();
    assert_eq!(ids[..2], [2, 3]);

    let proches = index.meilleurs(
        &question(
            &moi,
            Filtres {
                distance_max: Some(Proximite::Departement),
                ..Default::default()
            },
        ),
        10,
        true,
    );
    let mut ids: Vec<i64> = proches.resultats.iter().map(|t| t.id).collect();
    ids.sort();
    assert_eq!(ids, [2, 3, 4, 8]);
    assert_eq!(proches.total, Some(4));
}

#[test]
fn updates_replace_move_and_remove() {
    let mut index = IndexRelation::new();
    let moi = fiche(1, Profil::Association, 42, 4200);
    index.inserer(moi.clone());
    index.inserer(fiche(2, Profil::Entreprise, 75, 7500));
    assert_eq!(index.len(), 2);
    let r = question(&moi, Filtres::default());
    assert_eq!(
        index.meilleurs(&r, 5, false).resultats[0]
            .composantes
            .proximite,
        Proximite::Aucune
    );
    // Moves next door: found through the département's list.
    index.inserer(fiche(2, Profil::Entreprise, 42, 4200));
    assert_eq!(index.len(), 2);
    assert_eq!(
        index.meilleurs(&r, 5, false).resultats[0]
            .composantes
            .proximite,
        Proximite::Commune
    );
    assert_eq!(index.fiche(2).unwrap().siege.departement, Some(42));
    index.retirer(2);
    assert_eq!(index.len(), 1);
    assert!(index.meilleurs(&r, 5, true).resultats.is_empty());
    // The freed slot is reused.
    index.inserer(fiche(3, Profil::Collectivite, 42, 4200));
    assert_eq!(index.ids.len(), 2);
    assert_eq!(index.meilleurs(&r, 5, false).resultats[0].id, 3);
    // Inactive records are never proposed.
    index.inserer(FicheRelation {
        actif: false,
        ..fiche(3, Profil::Collectivite, 42, 4200)
    });
    assert!(index.meilleurs(&r, 5, false).resultats.is_empty());
}

/// The EPCI of commune `c` (0–39) of département `d` (0–5) in the random referential: communes
/// 0–7 belong to an EPCI straddling départements `2j` and `2j + 1` (and régions, as région =
/// département / 3: départements 2 and 3 are in régions 0 and 1), the others to an EPCI of their
/// own département.
fn epci_de(c: u32, d: u8) -> u16 {
    if c < 8 {
        1000 + u16::from(d / 2)
    } else {
        (c / 8) as u16 + 10 * u16::from(d)
    }
}

/// The départements of an EPCI of [`epci_de`].
fn departements_de_epci(e: u16) -> Vec<u8> {
    if e >= 1000 {
        let j = (e - 1000) as u8;
        vec![2 * j, 2 * j + 1]
    } else {
        vec![(e / 10) as u8]
    }
}

/// A scope as the application builds it (each territory with everything above it): none, a
/// département, a commune, an EPCI or a région.
fn portee_aleatoire(genre: u8, c: u32, d: u8) -> Presence {
    let regions = |deps: &[u8]| deps.iter().fold(0u32, |m, &d| m | 1 << (d / 3));
    match genre % 5 {
        0 | 1 => Presence::default(),
        2 => Presence {
            departements: vec![d],
            regions: regions(&[d]),
            ..Default::default()
        },
        3 if c.is_multiple_of(2) => Presence {
            communes: vec![c + 100 * u32::from(d)],
            epcis: vec![epci_de(c, d)],
            departements: vec![d],
            regions: regions(&[d]),
        },
        3 => {
            let e = epci_de(c, d);
            let deps = departements_de_epci(e);
            Presence {
                epcis: vec![e],
                regions: regions(&deps),
                departements: deps,
                ..Default::default()
            }
        }
        _ => Presence {
            regions: 1 << (d / 3),
            ..Default::default()
        },
    }
}

fn fiche_aleatoire() -> impl Strategy<Value = FicheRelation> {
    (
        (
            0..Profil::ALL.len(),
            1..=17u8,
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
        ),
        (0..6u8, 0..40u32, (any::<u8>(), 0..40u32, 0..6u8)),
        (0..30u8, proptest::option::of(0..=100u8), 19_500..20_100u16),
    )
        .prop_map(
            |(
                (p, odd, s, offres, besoins),
                (dep, commune, (genre, c, d)),
                (national, maturite, jour),
            )| {
                FicheRelation {
                    profil: Profil::ALL[p],
                    odd_principal: 1 << (odd - 1),
                    odd_secondaires: s & 0x1ffff & (s >> 7),
                    offres: offres & 0x3f & (offres >> 2),
                    besoins: besoins & (besoins >> 3),
                    portee: portee_aleatoire(genre, c, d),
                    siege: Siege {
                        commune: Some(commune + 100 * u32::from(dep)),
                        epci: Some(epci_de(commune, dep)),
                        departement: Some(dep),
                        region: Some(dep / 3),
                    },
                    national: national == 0,
                    maturite,
                    jour_verification: jour,
                    ..fiche(0, Profil::Association, 0, 0)
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn pruned_ranking_equals_scoring_everyone(
        fiches in proptest::collection::vec(fiche_aleatoire(), 1..300),
        k in 1..25usize,
        q in 0..300usize,
        distance in proptest::option::of(0..6usize),
        nature in proptest::option::of(0..8usize),
    ) {
        // Half built at once (laid out by région and offers), half inserted one by one, and
        // then a few replaced and removed: the blocks' unions must stay valid bounds.
        let fiches: Vec<FicheRelation> = fiches
            .into_iter()
            .enumerate()
            .map(|(i, f)| FicheRelation { id: i as i64 + 1, ..f })
            .collect();
        let moitie = fiches.len() / 2;
        let mut index = IndexRelation::construire(fiches[..moitie].to_vec());
        for f in &fiches[moitie..] {
            index.inserer(f.clone());
        }
        for f in fiches.iter().step_by(7) {
            index.inserer(FicheRelation { offres: f.besoins, siege: fiches[0].siege, ..f.clone() });
        }
        for f in fiches.iter().skip(3).step_by(11) {
            index.retirer(f.id);
        }
        let Some(moi) = index.fiche((q % fiches.len()) as i64 + 1) else {
            return Ok(());
        };
        let filtres = Filtres {
            distance_max: distance.map(|d| Proximite::ALL[d]),
            nature: nature.map(|n| NatureRessource::ALL[n]),
            ..Default::default()
        };
        let r = question(&moi, filtres);
        let c = index.meilleurs(&r, k, true);
        let attendu = naif(&index, &r, k);
        let obtenu: Vec<(i64, u32)> = c.resultats.iter().map(|t| (t.id, t.score)).collect();
        prop_assert_eq!(obtenu, attendu);
        prop_assert_eq!(c.total, Some(naif(&index, &r, usize::MAX).len()));
    }
}

/// Latency at a million synthetic organisations (release: `cargo test --release -p
/// alliances-search relation::tests::latence -- --ignored --nocapture`); the real figures come
/// from `alliances bench relation`.
#[test]
#[ignore]
fn latence_a_un_million() {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut alea = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let mut fiches = Vec::new();
    for id in 1..=1_000_000i64 {
        let dep = alea(100) as u8;
        let commune = u32::from(dep) * 350 + alea(350) as u32;
        let (mut offres, mut besoins) = (0u8, 0u8);
        for _ in 0..alea(4) {
            let bit = 1u8 << alea(8);
            if alea(2) == 0 {
                offres |= bit
            } else {
                besoins |= bit
            }
        }
        fiches.push(FicheRelation {
            id,
            profil: Profil::ALL[[0, 0, 0, 0, 0, 2, 2, 1, 3, 4][alea(10) as usize]],
            odd_principal: 1 << alea(17),
            odd_secondaires: (1 << alea(17)) | (1 << alea(17)),
            offres,
            besoins,
            siege: Siege {
                commune: Some(commune),
                epci: Some((commune / 20) as u16),
                departement: Some(dep),
                region: Some(dep / 8),
            },
            portee: if alea(5) == 0 {
                Presence {
                    departements: vec![dep],
                    regions: 1 << (dep / 8),
                    ..Default::default()
                }
            } else {
                Presence::default()
            },
            national: alea(100) == 0,
            jour_verification: 20_000 - alea(730) as u16,
            maturite: None,
            actif: alea(25) != 0,
            contactable: true,
        });
    }
    let index = IndexRelation::construire(fiches);
    println!("{} bytes per organisation", index.octets() / index.len());
    // The same ranking as scoring everyone, on a few questions.
    for q in 0..40 {
        let moi = index.fiche(7 + q * 24_989).unwrap();
        let r = question(&moi, Filtres::default());
        let obtenu: Vec<(i64, u32)> = index
            .meilleurs(&r, 20, false)
            .resultats
            .iter()
            .map(|t| (t.id, t.score))
            .collect();
        assert_eq!(obtenu, naif(&index, &r, 20), "question {}", moi.id);
    }
    let mut temps = Vec::new();
    for q in 0..500 {
        let moi = index.fiche(1 + q * 1999).unwrap();
        let r = question(&moi, Filtres::default());
        let t = std::time::Instant::now();
        std::hint::black_box(index.meilleurs(&r, 20, false));
        temps.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    temps.sort_by(f64::total_cmp);
    println!(
        "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        temps[250], temps[450], temps[495]
    );
}
