use super::*;
use crate::annuaire::{NatureRessource, Profil};
use proptest::prelude::*;

fn bit(n: NatureRessource) -> u8 {
    1 << n.index()
}

fn asso() -> Question {
    Question {
        profil: Profil::Association,
        odd_principal: masque_odd([4]),
        odd_secondaires: masque_odd([8, 10]),
        offres: bit(NatureRessource::Benevolat),
        besoins: bit(NatureRessource::Competences) | bit(NatureRessource::Financement),
        focus: Focus::Organisation,
        profils_recherches: 0,
    }
}

fn entreprise() -> Candidat {
    Candidat {
        profil: Profil::Entreprise,
        odd_principal: masque_odd([8]),
        odd_secondaires: masque_odd([4]),
        offres: bit(NatureRessource::Competences),
        besoins: bit(NatureRessource::Benevolat),
        maturite: None,
        perime: false,
    }
}

#[test]
fn the_example_of_the_issue_reads_as_promised() {
    let c = composantes(&asso(), &entreprise(), Proximite::Epci);
    let textes: Vec<String> = raisons(&c).into_iter().map(|r| r.texte).collect();
    assert_eq!(
        textes,
        [
            "partage les ODD 4 et 8",
            "propose du mécénat de compétences, dont vous avez besoin",
            "a besoin de bénévolat, que vous proposez",
            "même EPCI",
            "un autre type d'acteur : entreprise",
        ]
    );
    // 30 × 50 + 10 × 100 + 15 × 100 (4 points: 2 + 2) + 30 × 85 + 10 × 100.
    assert_eq!(c.score(), 1500 + 1000 + 1500 + 2550 + 1000);
}

#[test]
fn a_stale_record_is_demoted_and_says_so() {
    let fresh = composantes(&asso(), &entreprise(), Proximite::Commune);
    let stale = composantes(
        &asso(),
        &Candidat {
            perime: true,
            ..entreprise()
        },
        Proximite::Commune,
    );
    assert_eq!(stale.score(), fresh.score() * FACTEUR_PERIME / 100);
    assert!(raisons(&stale).iter().any(|r| r.code == "fraicheur"));
    assert!(!raisons(&fresh).iter().any(|r| r.code == "fraicheur"));
}

#[test]
fn weights_add_up_to_a_hundred_and_the_maximum_is_reachable() {
    assert_eq!(
        POIDS_BESOINS_COUVERTS
            + POIDS_OFFRES_UTILES
            + POIDS_ODD
            + POIDS_PROXIMITE
            + POIDS_DIVERSITE
            + POIDS_MATURITE,
        100
    );
    let q = asso();
    let c = Candidat {
        profil: Profil::Entreprise,
        odd_principal: q.odd_principal,
        odd_secondaires: q.odd_secondaires,
        offres: q.besoins,
        besoins: q.offres,
        maturite: Some(100),
        perime: false,
    };
    assert_eq!(composantes(&q, &c, Proximite::Commune).score(), SCORE_MAX);
}

#[test]
fn an_offer_question_weighs_who_needs_it_most() {
    let q = Question {
        focus: Focus::Offre,
        offres: bit(NatureRessource::Locaux),
        besoins: 0,
        ..asso()
    };
    let needs_it = Candidat {
        besoins: bit(NatureRessource::Locaux),
        offres: 0,
        ..entreprise()
    };
    let c = composantes(&q, &needs_it, Proximite::Aucune);
    assert_eq!(c.parts().offres_utiles, 100);
    let r = raisons(&c);
    assert_eq!(
        r[1].texte,
        "a besoin de locaux et d'équipements, que vous proposez"
    );
    assert!(c.score() >= POIDS_BESOINS_COUVERTS * 100);
}

#[test]
fn a_profile_looked_for_counts_as_diverse_and_is_named() {
    let q = Question {
        profils_recherches: 1 << Profil::Association.index(),
        ..asso()
    };
    let pair = Candidat {
        profil: Profil::Association,
        ..entreprise()
    };
    let c = composantes(&q, &pair, Proximite::Aucune);
    assert_eq!(c.diversite, Diversite::Recherche);
    assert!(raisons(&c)
        .iter()
        .any(|r| r.texte == "profil recherché : association"));
    let sans = composantes(&asso(), &pair, Proximite::Aucune);
    assert_eq!(sans.diversite, Diversite::MemeProfil);
    assert!(c.score() > sans.score());
}

#[test]
fn filters_are_read_strictly() {
    let f = Filtres::lire(
        &[
            "entreprise".into(),
            "collectivite".into(),
            "entreprise".into(),
        ],
        Some("departement"),
        Some("8"),
        Some("competences"),
    )
    .unwrap();
    assert_eq!(f.profils, [Profil::Entreprise, Profil::Collectivite]);
    assert_eq!(f.distance_max, Some(Proximite::Departement));
    assert_eq!(f.odd, Some(8));
    assert_eq!(f.nature, Some(NatureRessource::Competences));
    assert!(f.actifs());
    assert_eq!(
        Filtres::lire(&[], Some(""), None, Some("")).unwrap(),
        Filtres::default()
    );
    assert_eq!(
        Filtres::lire(&["pirate".into()], None, None, None)
            .unwrap_err()
            .champ,
        "profil"
    );
    assert_eq!(
        Filtres::lire(&[], Some("lune"), None, None)
            .unwrap_err()
            .champ,
        "distance"
    );
    assert_eq!(
        Filtres::lire(&[], None, Some("18"), None)
            .unwrap_err()
            .champ,
        "odd"
    );
    assert_eq!(
        Filtres::lire(&[], None, None, Some("or"))
            .unwrap_err()
            .champ,
        "nature"
    );
}

fn profil() -> impl Strategy<Value = Profil> {
    (0..Profil::ALL.len()).prop_map(|i| Profil::ALL[i])
}

fn question() -> impl Strategy<Value = Question> {
    (
        profil(),
        1..=17u8,
        any::<u32>(),
        any::<u8>(),
        any::<u8>(),
        0..3u8,
        any::<u16>(),
    )
        .prop_map(|(profil, p, s, offres, besoins, focus, rech)| Question {
            profil,
            odd_principal: masque_odd([p]),
            odd_secondaires: s & 0x1ffff,
            offres,
            besoins,
            focus: [Focus::Organisation, Focus::Besoin, Focus::Offre][focus as usize],
            profils_recherches: rech & 0x3ff,
        })
}

fn candidat() -> impl Strategy<Value = Candidat> {
    (
        profil(),
        1..=17u8,
        any::<u32>(),
        any::<u8>(),
        any::<u8>(),
        proptest::option::of(0..=100u8),
        any::<bool>(),
    )
        .prop_map(
            |(profil, p, s, offres, besoins, maturite, perime)| Candidat {
                profil,
                odd_principal: masque_odd([p]),
                odd_secondaires: s & 0x1ffff,
                offres,
                besoins,
                maturite,
                perime,
            },
        )
}

fn proximite() -> impl Strategy<Value = Proximite> {
    (0..6usize).prop_map(|i| Proximite::ALL[i])
}

proptest! {
    #[test]
    fn table_bounds_agree_with_the_formula(q in question(), c in candidat(), p in proximite(), autres in any::<u8>()) {
        let b = Bornes::new(&q);
        prop_assert_eq!(b.borne(c.offres, c.besoins, p), borne_superieure(&q, c.offres, c.besoins, p));
        let frais = composantes(&q, &Candidat { perime: false, ..c }, p).score();
        let exact = b.sans_fraicheur(
            c.offres,
            c.besoins,
            c.odd_principal,
            c.odd_secondaires,
            c.profil.index(),
            c.maturite.map_or(0, u32::from),
            p,
        );
        prop_assert_eq!(exact, frais);
        prop_assert!(composantes(&q, &c, p).score() <= exact);
        let partielle = b.borne_sans_odd(
            c.offres,
            c.besoins,
            c.profil.index(),
            c.maturite.map_or(0, u32::from),
            p,
        );
        prop_assert!(exact <= partielle);
        prop_assert!(partielle <= b.borne(c.offres, c.besoins, p));
        let groupe = b.borne_groupe(
            c.offres | autres,
            (1 << c.profil.index()) | u16::from(autres),
            c.maturite.map_or(0, u32::from) + u32::from(autres % 3),
            p,
        );
        prop_assert!(exact <= groupe);
    }

    #[test]
    fn a_shared_sdg_never_lowers_a_score(q in question(), c in candidat(), p in proximite(), n in 1..=17u8) {
        let mut plus = c;
        plus.odd_secondaires |= masque_odd([n]);
        let avant = composantes(&q, &c, p).score();
        let apres = composantes(&q, &plus, p).score();
        prop_assert!(apres >= avant, "{avant} → {apres}");
    }

    #[test]
    fn a_closer_territory_never_scores_lower(q in question(), c in candidat(), a in proximite(), b in proximite()) {
        let (proche, loin) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(composantes(&q, &c, proche).score() >= composantes(&q, &c, loin).score());
    }

    #[test]
    fn an_offer_meeting_a_need_never_lowers_a_score(q in question(), c in candidat(), p in proximite(), k in 0..8u8) {
        let mut plus = c;
        plus.offres |= q.besoins & (1 << k);
        prop_assert!(composantes(&q, &plus, p).score() >= composantes(&q, &c, p).score());
    }

    #[test]
    fn scores_stay_in_range_under_their_bound_and_every_point_has_a_reason(q in question(), c in candidat(), p in proximite()) {
        let comp = composantes(&q, &c, p);
        let s = comp.score();
        prop_assert!(s <= SCORE_MAX);
        prop_assert!(s <= borne_superieure(&q, c.offres, c.besoins, p));
        let r = raisons(&comp);
        let parts = comp.parts();
        let codes: Vec<&str> = r.iter().map(|r| r.code).collect();
        prop_assert_eq!(parts.odd > 0, codes.contains(&"odd"));
        prop_assert_eq!(parts.besoins_couverts > 0, codes.contains(&"besoins"));
        prop_assert_eq!(parts.offres_utiles > 0, codes.contains(&"offres"));
        prop_assert_eq!(parts.proximite > 0, codes.contains(&"proximite"));
        prop_assert_eq!(parts.diversite > 0, codes.contains(&"profil"));
        prop_assert_eq!(parts.maturite > 0, codes.contains(&"maturite"));
    }
}
