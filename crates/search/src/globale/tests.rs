use super::*;
use crate::organisations::{OrgDoc, OrgIndex};

fn doc(t: TypeContenu, id: &str, titre: &str, resume: &str) -> DocGlobal {
    DocGlobal {
        type_contenu: t,
        id: id.into(),
        titre: titre.into(),
        resume: resume.into(),
        texte: String::new(),
        profils: 0,
        odd: 0,
        territoires: Vec::new(),
        demo: false,
    }
}

fn org(id: i64, nom: &str, texte: &str, profil: u8, dep: &str) -> OrgDoc {
    OrgDoc {
        id,
        nom: nom.into(),
        sigle: None,
        texte: texte.into(),
        profil,
        odd: 1 << 10,
        offres: 0,
        besoins: 0,
        territoires: vec![format!("departement:{dep}"), "region:84".into()],
        verifie_le: NOW - 10,
        actif: true,
        demo: false,
    }
}

const NOW: i64 = 1_800_000_000;

fn jeu() -> (IndexGlobal, OrgIndex) {
    let g = IndexGlobal::new();
    let mut a = doc(
        TypeContenu::Alliance,
        "1",
        "Jardins partagés de Saint-Étienne",
        "Des habitants cultivent ensemble",
    );
    a.odd = 1 << 10;
    a.territoires = vec![
        "commune:42218".into(),
        "departement:42".into(),
        "region:84".into(),
    ];
    let mut d = doc(
        TypeContenu::Dispositif,
        "7",
        "Maison des associations",
        "Accompagnement des associations du jardin au numérique",
    );
    d.profils = 1; // associations
    d.territoires = vec!["departement:69".into(), "region:84".into()];
    let mut t = doc(
        TypeContenu::Territoire,
        "departement:42",
        "Loire",
        "Département 42",
    );
    t.territoires = vec!["departement:42".into(), "region:84".into()];
    g.remplacer(&[TypeContenu::Alliance], vec![a]).unwrap();
    g.remplacer(&[TypeContenu::Dispositif], vec![d]).unwrap();
    g.remplacer(&[TypeContenu::Territoire], vec![t]).unwrap();
    let o = OrgIndex::in_ram();
    o.rebuild(
        vec![
            org(
                10,
                "Les Jardiniers du Forez",
                "jardin potager solidaire",
                0,
                "42",
            ),
            org(11, "Vélo Club", "cyclisme", 2, "69"),
            org(12, "Association des Jardins", "jardin", 0, "69"),
        ]
        .into_iter(),
    )
    .unwrap();
    (g, o)
}

fn cherche(g: &IndexGlobal, o: &OrgIndex, q: &RequeteGlobale) -> ResultatsGlobaux {
    rechercher(g, o, &|oq| o.search(oq).map(Arc::new), q).unwrap()
}

fn texte(t: &str) -> RequeteGlobale {
    RequeteGlobale {
        texte: Some(t.into()),
        ..RequeteGlobale::new(NOW)
    }
}

fn ids(r: &ResultatsGlobaux) -> Vec<(TypeContenu, String)> {
    r.resultats
        .iter()
        .map(|x| (x.type_contenu, x.id.clone()))
        .collect()
}

#[test]
fn analyseur_francais_sur_tous_les_types() {
    let (g, o) = jeu();
    // Plural, accents and case folded, stems shared: "jardins" finds "jardin", "Jardins".
    let r = cherche(&g, &o, &texte("JARDINS"));
    let vus = ids(&r);
    assert!(
        vus.contains(&(TypeContenu::Alliance, "1".into())),
        "{vus:?}"
    );
    assert!(
        vus.contains(&(TypeContenu::Dispositif, "7".into())),
        "{vus:?}"
    );
    assert!(
        vus.contains(&(TypeContenu::Organisation, "12".into())),
        "{vus:?}"
    );
    assert_eq!(r.total, vus.len());
    assert!(r.resultats.iter().all(|x| !x.approche));
    // Stop words alone filter nothing (like the annuaire); "étienne" folds.
    let r = cherche(&g, &o, &texte("saint etienne"));
    assert_eq!(ids(&r), vec![(TypeContenu::Alliance, "1".into())]);
}

#[test]
fn fautes_de_frappe_sous_les_exacts() {
    let (g, o) = jeu();
    // "jradins": one swap away from "jardins" (7 letters: one edit allowed).
    let r = cherche(&g, &o, &texte("jradins"));
    let vus = ids(&r);
    assert!(
        vus.contains(&(TypeContenu::Alliance, "1".into())),
        "{vus:?}"
    );
    assert!(r.resultats.iter().all(|x| x.approche));
    // The organisations: "jradin" is unknown, corrected to "jardins" (a name word).
    assert!(
        vus.contains(&(TypeContenu::Organisation, "12".into())),
        "{vus:?}"
    );
    assert_eq!(
        r.corrections,
        vec![("jradin".to_string(), "jardins".to_string())]
    );
    // Four letters: exact only.
    assert_eq!(cherche(&g, &o, &texte("lore")).total, 0);
    // First letter kept.
    assert_eq!(cherche(&g, &o, &texte("gardins")).total, 0);
    // Exact matches first: "maison" exact for the scheme; the fuzzy tier follows.
    let mut m = doc(TypeContenu::Ressource, "3", "Maisson rurale", "");
    m.titre = "Maisson rurale".into();
    g.remplacer(&[TypeContenu::Ressource], vec![m]).unwrap();
    let r = cherche(&g, &o, &texte("maison"));
    assert_eq!(
        ids(&r),
        vec![
            (TypeContenu::Dispositif, "7".into()),
            (TypeContenu::Ressource, "3".into())
        ]
    );
    assert!(!r.resultats[0].approche && r.resultats[1].approche);
}

#[test]
fn facettes_et_filtres() {
    let (g, o) = jeu();
    let r = cherche(&g, &o, &texte("jardin"));
    let f = &r.facettes;
    assert_eq!(f.types[TypeContenu::Organisation.index()], 2);
    assert_eq!(f.types[TypeContenu::Alliance.index()], 1);
    assert_eq!(f.types[TypeContenu::Dispositif.index()], 1);
    assert_eq!(f.profils[0], 3); // two associations of the annuaire + the scheme for them
    assert_eq!(f.odd[10], 3); // SDG 11: two organisations + the alliance
                              // Type filter: hits and total restricted, type counts unchanged.
    let r2 = cherche(
        &g,
        &o,
        &RequeteGlobale {
            types: vec![TypeContenu::Alliance],
            ..texte("jardin")
        },
    );
    assert_eq!(ids(&r2), vec![(TypeContenu::Alliance, "1".into())]);
    assert_eq!(r2.total, 1);
    assert_eq!(r2.facettes.types, r.facettes.types);
    // Profile filter.
    let r3 = cherche(
        &g,
        &o,
        &RequeteGlobale {
            profils: vec![0],
            ..texte("jardin")
        },
    );
    assert_eq!(r3.total, 3);
    // SDG filter.
    let r4 = cherche(
        &g,
        &o,
        &RequeteGlobale {
            odd: vec![11],
            ..texte("jardin")
        },
    );
    assert_eq!(r4.total, 3);
    assert!(!ids(&r4).contains(&(TypeContenu::Dispositif, "7".into())));
}

#[test]
fn filtre_territorial_a_tout_niveau() {
    let (g, o) = jeu();
    let dans = |t: &str| {
        cherche(
            &g,
            &o,
            &RequeteGlobale {
                territoire: Some(t.into()),
                ..RequeteGlobale::new(NOW)
            },
        )
    };
    // The département holds the alliance of one of its communes, the territory itself and the
    // organisation of the département, not the scheme of the Rhône.
    let r = dans("departement:42");
    let mut vus = ids(&r);
    vus.sort();
    assert_eq!(
        vus,
        vec![
            (TypeContenu::Organisation, "10".into()),
            (TypeContenu::Alliance, "1".into()),
            (TypeContenu::Territoire, "departement:42".into()),
        ]
    );
    // Without text: the territory first.
    assert_eq!(r.resultats[0].type_contenu, TypeContenu::Territoire);
    assert_eq!(dans("region:84").total, 6);
    assert_eq!(dans("commune:42218").total, 1);
    assert_eq!(dans("departement:01").total, 0);
}

#[test]
fn pages_sans_recouvrement() {
    let (g, o) = jeu();
    let tout = cherche(&g, &o, &RequeteGlobale::new(NOW));
    assert_eq!(tout.total, 6);
    let mut pages = Vec::new();
    for offset in (0..6).step_by(2) {
        let r = cherche(
            &g,
            &o,
            &RequeteGlobale {
                limit: 2,
                offset,
                ..RequeteGlobale::new(NOW)
            },
        );
        assert_eq!(r.total, 6);
        pages.extend(ids(&r));
    }
    assert_eq!(pages, ids(&tout));
}

#[test]
fn remplacer_un_type_garde_les_autres() {
    let (g, o) = jeu();
    g.remplacer(&[TypeContenu::Alliance], Vec::new()).unwrap();
    assert_eq!(g.nombre(TypeContenu::Alliance).unwrap(), 0);
    assert_eq!(g.nombre(TypeContenu::Dispositif).unwrap(), 1);
    let r = cherche(&g, &o, &texte("jardins"));
    assert!(!ids(&r).contains(&(TypeContenu::Alliance, "1".into())));
}

#[test]
fn extraits_surlignes_et_echappes() {
    let t = ["jardin".to_string()];
    let e = extrait(
        "<script>alert('x')</script> Les jardins & potagers",
        &t,
        160,
    );
    assert!(e.contains("<mark>jardins</mark>"), "{e}");
    assert!(e.contains("&lt;script&gt;"), "{e}");
    assert!(!e.contains("<script"), "{e}");
    assert!(e.contains("&amp;"), "{e}");
    // No word found: the start, escaped, cut at a word.
    let e = extrait("Un <b>texte</b> assez long pour être coupé ici", &t, 20);
    assert_eq!(e, "Un &lt;b&gt;texte&lt;/b&gt;…");
    assert_eq!(echappe("\"'"), "&quot;&#39;");
    // A title: whole, stop words kept.
    assert_eq!(
        surligne("Les Jardins <b>partagés</b>", &t),
        "Les <mark>Jardins</mark> &lt;b&gt;partagés&lt;/b&gt;"
    );
    assert_eq!(surligne("Écoles", &t), "Écoles");
}

#[test]
fn correction_sur_deux_mots() {
    let (g, o) = jeu();
    o.apply(
        vec![org(
            20,
            "Potagers solidaires du Forez",
            "potagers partagés",
            0,
            "42",
        )],
        &[],
    )
    .unwrap();
    let r = cherche(&g, &o, &texte("potagres solidaires"));
    assert!(
        ids(&r).contains(&(TypeContenu::Organisation, "20".into())),
        "{r:?}"
    );
}
