use super::*;
use crate::territoires::Referentiel;

fn referentiel() -> Referentiel {
    Referentiel::build(crate::territoires::referentiel::tests::sample()).unwrap()
}

fn methode() -> EntreeSaisie {
    EntreeSaisie {
        famille: "methode".into(),
        titre: "  Animer un  premier comité de pilotage ".into(),
        resume: "Une trame en cinq temps.".into(),
        corps: "## Déroulé\n\n1. Accueil".into(),
        publics: vec![
            "association".into(),
            "collectivite".into(),
            "association".into(),
        ],
        odd: vec!["17".into(), "4".into()],
        themes: vec!["gouvernance".into()],
        territoires: vec!["departement:42".into()],
        liens: vec![LienSaisie::depuis_ligne(
            "Trame | https://exemple.fr/trame.pdf",
        )],
        ..Default::default()
    }
}

fn champs(r: Result<Entree, Vec<crate::annuaire::ChampErreur>>) -> Vec<&'static str> {
    r.expect_err("should be refused")
        .iter()
        .map(|e| e.champ)
        .collect()
}

#[test]
fn a_resource_is_checked_and_normalised() {
    let e = valider_entree(&methode(), &referentiel(), "2026-11-28").unwrap();
    assert_eq!(e.famille, Famille::Methode);
    assert_eq!(e.titre, "Animer un premier comité de pilotage");
    assert_eq!(e.publics.len(), 2);
    assert_eq!(
        e.odd.iter().map(|o| o.get()).collect::<Vec<_>>(),
        vec![4, 17]
    );
    assert_eq!(e.date, "2026-11-28");
    assert_eq!(e.liens[0].titre, "Trame");
    assert!(e.cas.is_none());
    // Round trip through the typed form.
    assert_eq!(
        valider_entree(&e.saisie(), &referentiel(), "2000-01-01").unwrap(),
        e
    );
}

#[test]
fn every_problem_names_its_field() {
    let s = EntreeSaisie {
        famille: "roman".into(),
        titre: " ".into(),
        resume: "x".repeat(entree::RESUME_MAX + 1),
        odd: vec!["18".into()],
        themes: vec!["jardinage".into()],
        publics: vec!["martien".into()],
        territoires: vec!["departement:99".into(), "nulle-part".into()],
        liens: vec![LienSaisie::depuis_ligne("javascript:alert(1)")],
        date: "2026-02-30".into(),
        ..Default::default()
    };
    let c = champs(valider_entree(&s, &referentiel(), "2026-11-28"));
    for champ in [
        "famille",
        "titre",
        "resume",
        "odd",
        "themes",
        "publics",
        "territoires",
        "liens",
        "date",
    ] {
        assert!(c.contains(&champ), "{champ} missing in {c:?}");
    }
}

#[test]
fn an_example_needs_its_case() {
    let mut s = methode();
    s.famille = "exemple".into();
    let c = champs(valider_entree(&s, &referentiel(), "2026-11-28"));
    for champ in [
        "acteurs",
        "besoin",
        "realisation",
        "resultats",
        "enseignements",
    ] {
        assert!(c.contains(&champ), "{champ} missing in {c:?}");
    }
    s.acteurs = vec![3, 3, 5];
    s.besoin = "Peu de solutions de mobilité.".into();
    s.realisation = "Un garage solidaire.".into();
    s.resultats = "120 personnes aidées.".into();
    s.enseignements = "Commencer petit.".into();
    s.types_partenariat = vec!["mecenat-competences".into()];
    s.forme = Some("partenariat-organisations".into());
    let e = valider_entree(&s, &referentiel(), "2026-11-28").unwrap();
    let cas = e.cas.as_ref().unwrap();
    assert_eq!(cas.acteurs, vec![3, 5]);
    assert_eq!(valider_entree(&e.saisie(), &referentiel(), "x").unwrap(), e);
    // Without a territory, an example is refused.
    s.territoires.clear();
    assert_eq!(
        champs(valider_entree(&s, &referentiel(), "2026-11-28")),
        vec!["territoires"]
    );
    // A resource carrying a case's fields is told so.
    let mut r = methode();
    r.besoin = "x".into();
    assert_eq!(
        champs(valider_entree(&r, &referentiel(), "2026-11-28")),
        vec!["besoin"]
    );
    s.forme = Some("fusion".into());
    assert!(champs(valider_entree(&s, &referentiel(), "2026-11-28")).contains(&"forme"));
}

#[test]
fn links_are_read_from_lines() {
    let l = LienSaisie::depuis_texte("https://a.fr\n\n  Le guide | https://b.fr/guide \n");
    assert_eq!(l.len(), 2);
    assert_eq!(l[0].titre, None);
    assert_eq!(l[1].titre.as_deref(), Some("Le guide"));
    assert_eq!(l[1].url, "https://b.fr/guide");
}

fn webinaire() -> EvenementSaisie {
    EvenementSaisie {
        titre: "Webinaire : mesurer l'impact".into(),
        resume: "Une heure pour découvrir.".into(),
        format: "webinaire".into(),
        debut: "2026-12-03T14:00".into(),
        fin: "2026-12-03T15:30".into(),
        replay: Some("https://video.exemple.fr/replay".into()),
        themes: vec!["evaluation".into()],
        ..Default::default()
    }
}

#[test]
fn an_event_is_checked() {
    let e = valider_evenement(&webinaire(), &referentiel()).unwrap();
    assert_eq!(heure::iso_utc(e.debut), "2026-12-03T13:00:00Z");
    assert_eq!(e.fin - e.debut, 5400);
    assert_eq!(valider_evenement(&e.saisie(), &referentiel()).unwrap(), e);
    let mut s = webinaire();
    s.fin = "2026-12-03T13:00".into();
    s.format = "fete".into();
    s.replay = Some("ftp://x.fr".into());
    s.debut.clear();
    let c: Vec<&str> = valider_evenement(&s, &referentiel())
        .unwrap_err()
        .iter()
        .map(|e| e.champ)
        .collect();
    assert!(
        c.contains(&"format") && c.contains(&"debut") && c.contains(&"replay"),
        "{c:?}"
    );
    let mut s = webinaire();
    s.fin = "2026-12-03T13:00".into();
    let c: Vec<&str> = valider_evenement(&s, &referentiel())
        .unwrap_err()
        .iter()
        .map(|e| e.champ)
        .collect();
    assert_eq!(c, vec!["fin"]);
}
