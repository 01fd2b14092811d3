use super::*;
use crate::territoires::referentiel::tests::sample;
use crate::territoires::Referentiel;

fn refe() -> Referentiel {
    Referentiel::build(sample()).unwrap()
}

fn base() -> OrganisationSaisie {
    OrganisationSaisie {
        nom: "  Les Amis   du Parc ".into(),
        profil: "association".into(),
        ..Default::default()
    }
}

fn champs(e: &[ChampErreur]) -> Vec<&'static str> {
    e.iter().map(|e| e.champ).collect()
}

#[test]
fn minimal_organisation() {
    let o = valider(&base(), &refe()).unwrap();
    assert_eq!(o.nom, "Les Amis du Parc");
    assert_eq!(o.profil, Profil::Association);
    assert_eq!(o.etat, Etat::Active);
    assert_eq!(valider(&o.saisie(), &refe()).unwrap(), o);
}

#[test]
fn full_organisation_round_trips() {
    let s = OrganisationSaisie {
        nom: "Entreprise Solidaire".into(),
        sigle: Some("ES".into()),
        profil: "entreprise".into(),
        sous_type: Some("pme".into()),
        taille: Some("10-49".into()),
        siret: Some("120 027 016 00019".into()),
        code_commune: Some("42218".into()),
        perimetre: vec!["departement:42".into(), "epci:244200770".into()],
        odd_principal: Some(8),
        odd_secondaires: vec![17, 8, 5, 17],
        themes: vec!["emploi".into(), "emploi".into(), "insertion".into()],
        description: Some("Ligne 1\r\nLigne 2".into()),
        site_web: Some("www.exemple.fr".into()),
        partenariats: vec![
            "mecenat-competences".into(),
            "cooperation-economique".into(),
        ],
        date_creation: Some("01/02/2003".into()),
        ..Default::default()
    };
    let o = valider(&s, &refe()).unwrap();
    assert_eq!(o.siren.as_ref().unwrap().as_str(), "120027016");
    assert_eq!(o.odd(), vec![8, 5, 17]);
    assert_eq!(o.themes, vec!["emploi", "insertion"]);
    assert_eq!(o.description, "Ligne 1\nLigne 2");
    assert_eq!(o.site_web.as_deref(), Some("https://www.exemple.fr"));
    assert_eq!(o.date_creation.as_deref(), Some("2003-02-01"));
    assert_eq!(o.perimetre.len(), 2);
    assert_eq!(valider(&o.saisie(), &refe()).unwrap(), o);
}

#[test]
fn every_problem_is_named() {
    let s = OrganisationSaisie {
        nom: "   ".into(),
        profil: "banque".into(),
        siren: Some("123456789".into()),
        siret: Some("1234".into()),
        rna: Some("X123".into()),
        code_commune: Some("99999".into()),
        perimetre: vec!["departement:99".into(), "pays:fr".into()],
        odd_principal: Some(18),
        site_web: Some("javascript:alert(1)".into()),
        partenariats: vec!["amitie".into()],
        date_creation: Some("2023-02-30".into()),
        ..Default::default()
    };
    let e = valider(&s, &refe()).unwrap_err();
    let c = champs(&e);
    for f in [
        "nom",
        "profil",
        "siren",
        "siret",
        "rna",
        "codeCommune",
        "perimetre",
        "oddPrincipal",
        "siteWeb",
        "partenariats",
        "dateCreation",
    ] {
        assert!(c.contains(&f), "{f} missing in {e:?}");
    }
    let siren = e.iter().find(|e| e.champ == "siren").unwrap();
    assert!(siren.message.contains("Luhn"), "{}", siren.message);
    let siret = e.iter().find(|e| e.champ == "siret").unwrap();
    assert!(siret.message.contains("14 chiffres"), "{}", siret.message);
}

#[test]
fn consistency_rules() {
    // A SIRET of another company.
    let mut s = base();
    s.siren = Some("732829320".into());
    s.siret = Some("12002701600019".into());
    let e = valider(&s, &refe()).unwrap_err();
    assert!(e[0].message.contains("n'appartient pas"), "{e:?}");
    // Sub-type of another profile.
    let mut s = base();
    s.sous_type = Some("pme".into());
    assert_eq!(champs(&valider(&s, &refe()).unwrap_err()), vec!["sousType"]);
    // An EPCI is identified by its SIREN in the referential.
    let mut s = base();
    s.profil = "collectivite".into();
    s.sous_type = Some("epci".into());
    assert_eq!(champs(&valider(&s, &refe()).unwrap_err()), vec!["siren"]);
    s.siren = Some("244200770".into());
    assert!(valider(&s, &refe()).is_ok());
    // Dates in order.
    let mut s = base();
    s.date_creation = Some("2020-01-01".into());
    s.date_fin = Some("2019-12-31".into());
    assert_eq!(champs(&valider(&s, &refe()).unwrap_err()), vec!["dateFin"]);
}

#[test]
fn sizes_and_control_characters() {
    let mut s = base();
    s.nom = "x".repeat(201);
    let e = valider(&s, &refe()).unwrap_err();
    assert!(e[0].message.contains("201"), "{e:?}");
    let mut s = base();
    s.nom = "a\u{0}b".into();
    assert_eq!(champs(&valider(&s, &refe()).unwrap_err()), vec!["nom"]);
    let mut s = base();
    s.description = Some("y".repeat(5001));
    assert_eq!(
        champs(&valider(&s, &refe()).unwrap_err()),
        vec!["description"]
    );
    // HTML is text like any other: kept as typed, escaped on output.
    let mut s = base();
    s.nom = "<script>alert(1)</script>".into();
    assert_eq!(
        valider(&s, &refe()).unwrap().nom,
        "<script>alert(1)</script>"
    );
}

#[test]
fn resources() {
    let s = RessourceSaisie {
        sens: "offre".into(),
        nature: "competences".into(),
        titre: "Juristes bénévoles".into(),
        odd: vec![16, 16, 10],
        territoire: Some("departement:42".into()),
        debut: Some("2026-01-01".into()),
        fin: Some("2026-12-31".into()),
        ..Default::default()
    };
    let r = valider_ressource(&s, &refe()).unwrap();
    assert_eq!(r.odd, vec![10, 16]);
    assert_eq!(r.sens, Sens::Offre);
    let bad = RessourceSaisie {
        sens: "don".into(),
        nature: "argent".into(),
        titre: "".into(),
        odd: vec![0],
        territoire: Some("commune:00000".into()),
        debut: Some("2026-12-31".into()),
        fin: Some("2026-01-01".into()),
        ..Default::default()
    };
    let e = valider_ressource(&bad, &refe()).unwrap_err();
    assert_eq!(
        champs(&e),
        vec!["sens", "nature", "titre", "odd", "territoire", "fin"]
    );
}

#[test]
fn dates() {
    assert_eq!(organisation::date_iso("2024-02-29").unwrap(), "2024-02-29");
    assert!(organisation::date_iso("2023-02-29").is_err());
    assert!(organisation::date_iso("2023-13-01").is_err());
    assert!(organisation::date_iso("20230101").is_err());
    assert!(organisation::date_iso("2023-1-01").is_err());
    assert_eq!(organisation::date_iso("31/12/1999").unwrap(), "1999-12-31");
}

proptest::proptest! {
    #[test]
    fn validation_never_panics(nom in "\\PC{0,50}", siret in "\\PC{0,20}", cle in "\\PC{0,20}", date in "\\PC{0,12}") {
        let r = refe();
        let s = OrganisationSaisie {
            nom, profil: "association".into(), siret: Some(siret), perimetre: vec![cle],
            date_creation: Some(date), site_web: Some("h".into()), ..Default::default()
        };
        let _ = valider(&s, &r);
    }
}
