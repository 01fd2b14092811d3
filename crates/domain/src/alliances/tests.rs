use super::sante::{evaluer, Etat, Faits};
use super::*;
use crate::territoires::referentiel::tests::sample;
use crate::territoires::Referentiel;

fn referentiel() -> Referentiel {
    Referentiel::build(sample()).unwrap()
}

fn saisie() -> AllianceSaisie {
    AllianceSaisie {
        nom: "Alliance pour l'emploi des jeunes du Forez".into(),
        resume:
            "Associations, entreprises et collectivités coordonnent l'accompagnement vers l'emploi."
                .into(),
        probleme: "Trop de jeunes sans solution après l'école.".into(),
        territoires: vec![
            "departement:42".into(),
            "commune:42001".into(),
            "departement:42".into(),
        ],
        odd: vec![8, 4],
        cibles_odd17: vec!["17.17".into()],
        types_partenariat: vec!["cooperation-economique".into()],
        forme: "experimentation-collective".into(),
        stade: "structuration".into(),
        date_debut: Some("2026-01-15".into()),
        date_fin: None,
        publique: true,
    }
}

#[test]
fn an_alliance_is_checked() {
    let r = referentiel();
    let a = valider_alliance(&saisie(), &r).unwrap();
    assert_eq!(a.territoires.len(), 2, "duplicates removed");
    assert_eq!(a.odd, vec![4, 8, 17], "serving 17.17 means serving SDG 17");
    assert_eq!(a.saisie().forme, "experimentation-collective");
    let champs = |s: AllianceSaisie| -> Vec<&'static str> {
        valider_alliance(&s, &r)
            .unwrap_err()
            .iter()
            .map(|e| e.champ)
            .collect()
    };
    let mut s = saisie();
    s.territoires = vec!["departement:99".into()];
    s.cibles_odd17 = vec!["17.3".into()];
    assert_eq!(champs(s), vec!["territoires", "ciblesOdd17"]);
    let mut s = saisie();
    s.date_fin = Some("2025-01-01".into());
    s.stade = "fini".into();
    assert_eq!(champs(s), vec!["stade", "dateFin"]);
    let mut s = saisie();
    s.nom = "  ".into();
    s.territoires.clear();
    assert_eq!(champs(s), vec!["nom", "territoires"]);
}

fn sain() -> Faits {
    Faits {
        membres: 4,
        agenda: true,
        agenda_approuve_par: 4,
        indicateurs: 6,
        indicateurs_frais: 5,
        actions_ouvertes: 3,
        actions_avec_porteur: 3,
        jours_depuis_journal: Some(20),
        backbone: true,
        fonctions_tenues: 6,
    }
}

fn etats(f: &Faits) -> Vec<Etat> {
    evaluer(f).iter().map(|c| c.etat).collect()
}

#[test]
fn health_rules_one_by_one() {
    assert!(etats(&sain()).iter().all(|e| *e == Etat::Remplie));
    // Agenda: one member has not agreed; none written.
    assert_eq!(
        etats(&Faits {
            agenda_approuve_par: 3,
            ..sain()
        })[0],
        Etat::Partielle
    );
    assert_eq!(
        etats(&Faits {
            agenda: false,
            ..sain()
        })[0],
        Etat::Absente
    );
    // Shared measurement: too many indicators; stale ones; none.
    assert_eq!(
        etats(&Faits {
            indicateurs: 14,
            indicateurs_frais: 14,
            ..sain()
        })[1],
        Etat::Partielle
    );
    assert_eq!(
        etats(&Faits {
            indicateurs_frais: 4,
            ..sain()
        })[1],
        Etat::Partielle
    );
    assert_eq!(
        etats(&Faits {
            indicateurs: 0,
            indicateurs_frais: 0,
            ..sain()
        })[1],
        Etat::Absente
    );
    // Activities: an action without owner; no open action.
    assert_eq!(
        etats(&Faits {
            actions_avec_porteur: 2,
            ..sain()
        })[2],
        Etat::Partielle
    );
    assert_eq!(
        etats(&Faits {
            actions_ouvertes: 0,
            actions_avec_porteur: 0,
            ..sain()
        })[2],
        Etat::Absente
    );
    // Communication: 4 months, 7 months, never.
    assert_eq!(
        etats(&Faits {
            jours_depuis_journal: Some(120),
            ..sain()
        })[3],
        Etat::Partielle
    );
    assert_eq!(
        etats(&Faits {
            jours_depuis_journal: Some(200),
            ..sain()
        })[3],
        Etat::Absente
    );
    assert_eq!(
        etats(&Faits {
            jours_depuis_journal: None,
            ..sain()
        })[3],
        Etat::Absente
    );
    // Backbone: functions missing; none named.
    assert_eq!(
        etats(&Faits {
            fonctions_tenues: 4,
            ..sain()
        })[4],
        Etat::Partielle
    );
    assert_eq!(
        etats(&Faits {
            backbone: false,
            ..sain()
        })[4],
        Etat::Absente
    );
    // Every condition explains itself with the figures.
    let c = evaluer(&Faits {
        agenda_approuve_par: 3,
        ..sain()
    });
    assert_eq!(c[0].constat, "approuve");
    assert!(c[0].chiffres.contains(&("approuve", 3)) && c[0].chiffres.contains(&("membres", 4)));
    let c = evaluer(&Faits {
        indicateurs: 11,
        jours_depuis_journal: None,
        ..sain()
    });
    assert_eq!((c[1].constat, c[3].constat), ("trop", "vide"));
}
