//! The observatory's studies over HTTP: an analyst creates a study and a wave, uploads
//! microdata (refused with its errors by line, then accepted), sets margins, calibrates and
//! publishes; the public sees the results (whiskers, suppressed cells, methodology note, CSV,
//! JSON) and nothing before publication; a respondent answers through an invitation link once.

mod common;
use common::*;

use alliances_domain::comptes::Role;

const QUESTIONNAIRE: &str = r#"id = "web-test"
version = 1
titre = "Questionnaire de test"
licence = "Licence Ouverte 2.0"
date = "2026-01-15"

[[sections]]
id = "s"
titre = "Vous"

[[sections.questions]]
id = "profil"
type = "choix_unique"
texte = "Vous êtes"
obligatoire = true
options = [ { id = "asso", texte = "Une association" }, { id = "ent", texte = "Une entreprise" }, { id = "coll", texte = "Une collectivité" } ]

[[sections.questions]]
id = "partenariat"
type = "oui_non"
texte = "Avez-vous un partenariat ?"
obligatoire = true

[[sections.questions]]
id = "nombre"
type = "nombre"
texte = "Combien de partenaires ?"
min = 0
max = 100
condition = { question = "partenariat", valeurs = ["oui"] }
"#;

const MARGES: &str =
    r#"{"population": 1000, "margins": {"profil": {"asso": 600, "ent": 300, "coll": 100}}}"#;

fn microdonnees() -> String {
    let mut s = String::from("id,profil,partenariat,nombre\n");
    for i in 0..150 {
        // 100 associations, 40 companies, 10 local authorities (under the threshold of 30).
        let profil = match i {
            0..=99 => "asso",
            100..=139 => "ent",
            _ => "coll",
        };
        let oui = i % 3 != 0;
        s.push_str(&format!(
            "r{i},{profil},{},{}\n",
            if oui { "oui" } else { "non" },
            if oui {
                (1 + i % 7).to_string()
            } else {
                String::new()
            }
        ));
    }
    s
}

/// Posts a multipart form (text fields and one CSV file) with the browser's session.
async fn televerser(b: &mut Browser, path: &str, champs: &[(&str, &str)], fichier: &str) -> Page {
    let limite = "----alliances-test-limite";
    let mut corps = String::new();
    for (k, v) in champs {
        corps.push_str(&format!(
            "--{limite}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    corps.push_str(&format!(
        "--{limite}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"reponses.csv\"\r\nContent-Type: text/csv\r\n\r\n{fichier}\r\n--{limite}--\r\n"
    ));
    let req = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{}", server().base, path))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={limite}"),
        )
        .header("origin", server().base.clone())
        .body(corps);
    b.send(req).await
}

#[tokio::test]
async fn an_analyst_publishes_a_calibrated_wave_that_the_public_then_reads() {
    // Not an analyst: no study.
    let mut quidam = verified("obs-quidam@asso.fr").await;
    assert_eq!(
        quidam.get("/observatoire/etudes/nouvelle").await.status,
        403
    );

    let mut a = avec_role("obs-analyste@asso.fr", Role::AnalysteObservatoire).await;
    let p = a
        .submit(
            "/observatoire/etudes/nouvelle",
            &[
                ("titre", ""),
                ("population", "associations"),
                ("producteur", "Observatoire"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("obligatoire"));
    let p = a
        .submit(
            "/observatoire/etudes/nouvelle",
            &[
                ("titre", "Baromètre web"),
                ("population", "associations"),
                ("producteur", "Observatoire"),
                ("description", "Une étude de test"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let etude = id_apres(p.location.as_deref().unwrap(), "/observatoire/etudes/");
    let nouvelle = format!("/observatoire/etudes/{etude}/vagues/nouvelle");
    let champs_vague = |questionnaire: &'static str| {
        vec![
            ("libelle", "Vague 1"),
            ("debut", "2026-01-05"),
            ("fin", "2026-02-05"),
            ("mode", "en-ligne"),
            ("plan", "quotas"),
            ("questionnaire", questionnaire),
            ("domaines", "profil"),
            ("seuil", ""),
        ]
    };
    let p = a
        .submit(
            &nouvelle,
            &champs_vague("id = \"x\"\nversion = 1\n[[sections]]\n"),
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("ligne"), "{}", p.body);
    let p = a.submit(&nouvelle, &champs_vague(QUESTIONNAIRE)).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let gestion = p.location.unwrap();
    assert_eq!(
        gestion,
        format!("/observatoire/etudes/{etude}/vagues/1/gestion")
    );
    let base = format!("/observatoire/etudes/{etude}/vagues/1");

    // Before publication the public sees nothing.
    let mut public = Browser::new();
    assert_eq!(public.get(&base).await.status, 404);
    assert_eq!(
        public.get(&format!("{base}/resultats.csv")).await.status,
        404
    );
    assert_eq!(quidam.get(&gestion).await.status, 403);

    let page = a.get(&gestion).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let p = televerser(
        &mut a,
        &format!("{base}/microdonnees"),
        &[
            ("_csrf", &csrf),
            ("colonne_id", "id"),
            ("colonne_poids", ""),
        ],
        "id,profil,partenariat,nombre\nr1,asso,oui,3\nr2,martien,non,\nr3,ent,non,4\n",
    )
    .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("martien") && p.body.contains("<td>3</td><td>profil</td>"),
        "{}",
        p.body
    );
    assert!(p.body.contains("<td>4</td><td>nombre</td>"));
    assert!(a.get(&gestion).await.body.contains("<strong>0</strong>"));
    let p = televerser(
        &mut a,
        &format!("{base}/microdonnees"),
        &[
            ("_csrf", &csrf),
            ("colonne_id", "id"),
            ("colonne_poids", ""),
        ],
        &microdonnees(),
    )
    .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(a.get(&gestion).await.body.contains("<strong>150</strong>"));

    let p = a
        .post(
            &format!("{base}/reglages"),
            &[
                ("_csrf", &csrf),
                ("source", "json"),
                ("marges", &MARGES.replace("\"coll\"", "\"collectivite\"")),
                ("methode", "raking"),
                ("bornes", ""),
                ("rognage", ""),
                ("quotas", ""),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("collectivite"));
    let p = a
        .post(
            &format!("{base}/reglages"),
            &[
                ("_csrf", &csrf),
                ("source", "tableau"),
                ("population", "1000"),
                ("marge", "profil"),
                ("total:profil:asso", "600"),
                ("total:profil:ent", "trois cents"),
                ("total:profil:coll", "100"),
                ("methode", "raking"),
            ],
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(
        p.body
            .contains("« profil » = « ent » : un total (nombre) est attendu"),
        "{}",
        p.body
    );
    // The margins editor: the checked variable and its totals.
    let p = a
        .post(
            &format!("{base}/reglages"),
            &[
                ("_csrf", &csrf),
                ("source", "tableau"),
                ("population", "1 000"),
                ("marge", "profil"),
                ("total:profil:asso", "600"),
                ("total:profil:ent", "300"),
                ("total:profil:coll", "100"),
                ("methode", "raking"),
                ("bornes", ""),
                ("rognage", ""),
                ("quotas", ""),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = a.get(&gestion).await;
    assert!(
        page.body.contains(
            "name=\"total:profil:asso\" type=\"text\" inputmode=\"decimal\" value=\"600\""
        ),
        "{}",
        page.body
    );
    let p = a.post(&format!("{base}/calage"), &[("_csrf", &csrf)]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let page = a.get(&gestion).await;
    assert!(
        page.body.contains("Diagnostics du dernier calage"),
        "{}",
        page.body
    );
    let p = a
        .post(
            &format!("{base}/publication"),
            &[("_csrf", &csrf), ("action", "publier")],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);

    // Published: the public page, its note, whiskers and suppressed cells.
    let page = public.get(&base).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for attendu in [
        "Note méthodologique",
        "Raking ratio",
        "class=\"moustache\"",
        "60,0 %",
        "non publié (moins de 30 répondants)",
        "Intervalle de confiance à 95 %",
    ] {
        assert!(page.body.contains(attendu), "{attendu}");
    }
    assert!(!page.body.contains("style="));
    let csv = public.get(&format!("{base}/resultats.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("question,texte,mesure"));
    let asso: Vec<&str> = csv
        .body
        .lines()
        .find(|l| l.starts_with("profil,") && l.contains(",,,asso,"))
        .unwrap()
        .split(',')
        .collect();
    let estimation: f64 = asso[10].parse().unwrap();
    assert!((estimation - 60.0).abs() < 1e-9, "{asso:?}");
    let (s, j) = json(&format!("/api/v1/observatoire/etudes/{etude}/vagues/1")).await;
    assert_eq!(s, 200);
    assert_eq!(j["vague"]["repondants"], 150);
    assert_eq!(j["methodologie"]["methode"], "raking");
    let nombre = j["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "nombre")
        .unwrap();
    let coll = nombre["lignes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["domaine"] == "coll")
        .unwrap();
    assert_eq!(coll["supprimee"], true);
    assert!(coll["estimation"].is_null());
    let (_, liste) = json("/api/v1/observatoire/etudes").await;
    assert!(liste["resultats"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["id"] == etude));
    assert!(public
        .get(&format!("/observatoire/etudes/{etude}"))
        .await
        .body
        .contains("Vague 1"));
    assert_eq!(
        json("/api/v1/observatoire/etudes/999999/vagues/1").await.0,
        404
    );
}

#[tokio::test]
async fn a_respondent_answers_once_through_an_invitation() {
    let mut a = avec_role("obs-collecte@asso.fr", Role::AnalysteObservatoire).await;
    let p = a
        .submit(
            "/observatoire/etudes/nouvelle",
            &[
                ("titre", "Collecte web"),
                ("population", "associations"),
                ("producteur", "Observatoire"),
                ("description", ""),
            ],
        )
        .await;
    let etude = id_apres(p.location.as_deref().unwrap(), "/observatoire/etudes/");
    let p = a
        .submit(
            &format!("/observatoire/etudes/{etude}/vagues/nouvelle"),
            &[
                ("libelle", "En ligne"),
                ("debut", "2026-01-05"),
                ("fin", "2026-02-05"),
                ("mode", "en-ligne"),
                ("plan", "quotas"),
                ("questionnaire", QUESTIONNAIRE),
                ("domaines", ""),
                ("seuil", ""),
            ],
        )
        .await;
    let gestion = p.location.unwrap();
    let base = gestion.trim_end_matches("/gestion").to_string();
    let csrf = a.get(&gestion).await.csrf();
    let p = a
        .post(
            &format!("{base}/collecte"),
            &[("_csrf", &csrf), ("action", "ouvrir")],
        )
        .await;
    assert_eq!(p.status, 303);
    let p = a
        .post(
            &format!("{base}/invitations"),
            &[("_csrf", &csrf), ("nombre", "0")],
        )
        .await;
    assert_eq!(p.status, 422);
    let p = a
        .post(
            &format!("{base}/invitations"),
            &[("_csrf", &csrf), ("nombre", "2")],
        )
        .await;
    assert_eq!(p.status, 200);
    let liens: Vec<&str> = p.body.lines().skip(1).collect();
    assert_eq!(liens.len(), 2);
    let chemin = &liens[0][liens[0].find("/observatoire/enquete/").unwrap()..];

    let mut r = Browser::new();
    let page = r.get(chemin).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Avez-vous un partenariat"));
    assert!(page.body.contains("data-condition-source=\"partenariat\""));
    // A required answer missing: the form again, with the error.
    let page = r.post(chemin, &[("q-profil", "asso")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("une réponse est demandée"));
    let page = r
        .post(
            chemin,
            &[
                ("q-profil", "asso"),
                ("q-partenariat", "oui"),
                ("q-nombre", "4"),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("vos réponses sont enregistrées"),
        "{}",
        page.body
    );
    let page = r.get(chemin).await;
    assert!(page.body.contains("déjà servi"));
    assert_eq!(r.get("/observatoire/enquete/inconnu").await.status, 404);
    assert!(a.get(&gestion).await.body.contains("<strong>1</strong>"));
}
