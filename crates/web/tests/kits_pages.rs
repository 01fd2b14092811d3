//! Kit pages over HTTP against a real server: anonymous passations (nothing stored, answers
//! carried by the form and checked again: tampered, retired version, invalid answer), stored
//! passations (start, save, autosave, resume, complete, results, history and comparison, my
//! results), rights and CSRF, groups of partners (invitation link, join, synthesis).

mod common;
use alliances_domain::kits::{Genre, Kit};
use common::*;

fn kit(id: &str) -> std::sync::Arc<Kit> {
    server().app.kits().dernier(id).unwrap().clone()
}

/// The form fields answering every question of a section (best or worst answers).
fn reponses(kit: &Kit, section: usize, meilleur: bool) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for q in kit.sections[section].questions.clone() {
        let question = &kit.questions[q];
        let v = match &question.genre {
            Genre::ChoixUnique { options, .. } => {
                let o = if meilleur {
                    options.iter().max_by_key(|o| o.points)
                } else {
                    options.iter().min_by_key(|o| o.points)
                };
                o.unwrap().id.clone()
            }
            Genre::ChoixMultiple { options, .. } => {
                for o in options
                    .iter()
                    .filter(|o| !o.exclusif && (meilleur || o.points == 0))
                {
                    out.push((format!("q-{}", question.id), o.id.clone()));
                }
                continue;
            }
            Genre::Echelle { .. } => (if meilleur { "5" } else { "1" }).into(),
            Genre::OuiNon { inverse } => (if meilleur != *inverse { "oui" } else { "non" }).into(),
            Genre::Nombre { max, .. } => format!("{}", if meilleur { *max } else { 0.0 }),
            Genre::Texte { .. } => "Première action : réunir les partenaires".into(),
        };
        out.push((format!("q-{}", question.id), v));
    }
    out
}

fn champ_cache(body: &str, nom: &str) -> String {
    let motif = format!("name=\"{nom}\" value=\"");
    let v = body
        .split(&motif)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("");
    v.replace("&quot;", "\"")
        .replace("&#x22;", "\"")
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

async fn post_owned(b: &mut Browser, path: &str, fields: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, c)| (a.as_str(), c.as_str()))
        .collect();
    b.post(path, &refs).await
}

#[tokio::test]
async fn anonymous_passation_stores_nothing_and_checks_what_the_form_carries() {
    let mut b = Browser::new();
    let liste = b.get("/kits").await;
    assert_eq!(liste.status, 200);
    for id in [
        "odd17-en-pratique",
        "sortie-de-crise-en-territoire",
        "evaluation-partenariat",
        "impact-collectif",
    ] {
        assert!(liste.body.contains(&format!("href=\"/kits/{id}\"")), "{id}");
        assert_eq!(b.get(&format!("/kits/{id}")).await.status, 200);
    }
    assert_eq!(b.get("/kits/inexistant").await.status, 404);

    let k = kit("odd17-en-pratique");
    let chemin = "/kits/odd17-en-pratique/passation/anonyme";
    let mut page = b.get(chemin).await;
    assert_eq!(page.status, 200);
    let avant: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kit_passations")
        .fetch_one(server().app.db.pool())
        .await
        .unwrap();

    for s in 0..k.sections.len() {
        let mut f = vec![
            ("section".to_string(), s.to_string()),
            ("kit_version".to_string(), k.version.to_string()),
            ("etat".to_string(), champ_cache(&page.body, "etat")),
        ];
        f.extend(reponses(&k, s, true));
        if s == 0 {
            // An invalid answer: shown again with the error, the answers kept.
            let mut faux = f.clone();
            let q = &k.questions[k.sections[0].questions.start];
            faux.retain(|(n, _)| *n != format!("q-{}", q.id));
            faux.push((format!("q-{}", q.id), "valeur-inventee".into()));
            let p = post_owned(&mut b, chemin, &faux).await;
            assert_eq!(p.status, 422, "{}", p.body);
            assert!(p.body.contains("valeur-inventee") && p.body.contains("resume-erreurs"));
            // A tampered state, a retired version.
            let mut altere = f.clone();
            altere[2].1 = r#"{"question-inventee": "oui"}"#.into();
            let p = post_owned(&mut b, chemin, &altere).await;
            assert_eq!(p.status, 400, "{}", p.body);
            assert!(p.body.contains("ont été modifiées"));
            let mut ancienne = f.clone();
            ancienne[1].1 = "99".into();
            assert_eq!(post_owned(&mut b, chemin, &ancienne).await.status, 410);
        }
        f.push((
            "action".into(),
            if s + 1 == k.sections.len() {
                "terminer"
            } else {
                "suivant"
            }
            .into(),
        ));
        page = post_owned(&mut b, chemin, &f).await;
        assert_eq!(page.status, 200, "section {s}: {}", page.body);
    }
    assert!(page.body.contains("Score global"), "{}", page.body);
    assert!(page.body.contains("<svg"));
    assert!(page.body.contains("Recommandations"));
    let apres: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kit_passations")
        .fetch_one(server().app.db.pool())
        .await
        .unwrap();
    assert_eq!(avant, apres, "nothing stored");
}

#[tokio::test]
async fn stored_passation_from_start_to_results_and_history() {
    let mut alice = logged_in("kits-alice@exemple.fr").await;
    let mut bob = logged_in("kits-bob@exemple.fr").await;
    let k = kit("impact-collectif");
    // Without CSRF token: refused.
    assert_eq!(
        alice
            .post(
                "/kits/impact-collectif/passations",
                &[("sujet", "personnel")]
            )
            .await
            .status,
        403
    );
    let mut cles = Vec::new();
    for meilleur in [false, true] {
        let csrf = alice.get("/kits/impact-collectif").await.csrf();
        let p = alice
            .post(
                "/kits/impact-collectif/passations",
                &[("_csrf", &csrf), ("sujet", "personnel")],
            )
            .await;
        assert_eq!(p.status, 303, "{}", p.body);
        let chemin = p.location.unwrap();
        assert!(chemin.starts_with("/kits/impact-collectif/passation/"));
        let cle = chemin.rsplit('/').next().unwrap().to_string();
        // Another account sees nothing.
        assert_eq!(bob.get(&chemin).await.status, 404);
        for s in 0..k.sections.len() {
            let form = alice.get(&format!("{chemin}?section={s}")).await;
            assert_eq!(form.status, 200);
            let mut f = vec![
                ("_csrf".to_string(), form.csrf()),
                ("section".to_string(), s.to_string()),
            ];
            f.extend(reponses(&k, s, meilleur));
            if s == 0 {
                // The autosave: 204, and the answers are there when coming back.
                let mut auto = f.clone();
                auto.push(("action".into(), "enregistrer".into()));
                assert_eq!(post_owned(&mut alice, &chemin, &auto).await.status, 204);
                let revenu = alice.get(&format!("{chemin}?section=0")).await;
                assert!(revenu.body.contains(" checked"), "answers restored");
                // Save and resume later.
                let mut quitter = f.clone();
                quitter.push(("action".into(), "quitter".into()));
                let p = post_owned(&mut alice, &chemin, &quitter).await;
                assert_eq!(p.location.as_deref(), Some("/kits/impact-collectif"));
                assert!(alice
                    .get("/kits/impact-collectif")
                    .await
                    .body
                    .contains(&cle));
            }
            let dernier = s + 1 == k.sections.len();
            f.push((
                "action".into(),
                if dernier { "terminer" } else { "suivant" }.into(),
            ));
            let p = post_owned(&mut alice, &chemin, &f).await;
            assert_eq!(p.status, 303, "section {s}: {}", p.body);
            if dernier {
                assert_eq!(
                    p.location.as_deref(),
                    Some(format!("/kits/resultats/{cle}").as_str())
                );
            }
        }
        cles.push(cle);
    }
    let r = alice.get(&format!("/kits/resultats/{}", cles[1])).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("Score global")
            && r.body.contains("radar-score")
            && r.body.contains("Vos autres résultats")
    );
    assert_eq!(
        bob.get(&format!("/kits/resultats/{}", cles[1]))
            .await
            .status,
        404
    );
    let c = alice
        .get(&format!("/kits/resultats/{}?comparer={}", cles[1], cles[0]))
        .await;
    assert_eq!(c.status, 200);
    assert!(
        c.body.contains("radar-serie-2") && c.body.contains("+"),
        "a better second result"
    );
    assert_eq!(
        alice
            .get(&format!("/kits/resultats/{}?impression=1", cles[1]))
            .await
            .status,
        200
    );
    let mes = alice.get("/compte/resultats").await;
    assert_eq!(mes.status, 200);
    assert_eq!(mes.body.matches("/kits/resultats/").count(), 2);
    // A completed passation is not a form any more.
    let p = alice
        .get(&format!("/kits/impact-collectif/passation/{}", cles[0]))
        .await;
    assert_eq!(p.status, 303);
}

#[tokio::test]
async fn partners_answer_separately_and_compare() {
    let mut a = logged_in("kits-partenaire-a@exemple.fr").await;
    let mut b = logged_in("kits-partenaire-b@exemple.fr").await;
    let mut c = logged_in("kits-curieux@exemple.fr").await;
    let k = kit("evaluation-partenariat");
    let csrf = a.get("/kits/evaluation-partenariat").await.csrf();
    let p = a
        .post(
            "/kits/evaluation-partenariat/groupes",
            &[
                ("_csrf", &csrf),
                ("titre", "Épicerie solidaire & supermarché"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.body);
    let synthese = p.location.unwrap();
    let page = a.get(&synthese).await;
    assert_eq!(page.status, 200);
    let lien = page
        .body
        .split("http://alliances.test")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    assert!(lien.starts_with("/kits/groupes/rejoindre/"));
    // The link is shown once: without `lien`, not at all; never to others.
    let chemin_synthese = synthese.split('?').next().unwrap().to_string();
    assert!(!a
        .get(&chemin_synthese)
        .await
        .body
        .contains("/kits/groupes/rejoindre/"));
    assert_eq!(c.get(&chemin_synthese).await.status, 404);

    let join = b.submit(&lien, &[]).await;
    assert_eq!(join.status, 303, "{}", join.body);
    let chemin_b = join.location.unwrap();
    let chemin_a = a
        .get("/compte/resultats")
        .await
        .body
        .split("href=\"/kits/evaluation-partenariat/passation/")
        .nth(1)
        .map(|r| {
            format!(
                "/kits/evaluation-partenariat/passation/{}",
                r.split('"').next().unwrap()
            )
        })
        .unwrap();
    for (navigateur, chemin, meilleur) in [(&mut a, chemin_a, true), (&mut b, chemin_b, false)] {
        for s in 0..k.sections.len() {
            let form = navigateur.get(&format!("{chemin}?section={s}")).await;
            let mut f = vec![
                ("_csrf".to_string(), form.csrf()),
                ("section".to_string(), s.to_string()),
            ];
            f.extend(reponses(&k, s, meilleur));
            f.push((
                "action".into(),
                if s + 1 == k.sections.len() {
                    "terminer"
                } else {
                    "suivant"
                }
                .into(),
            ));
            assert_eq!(post_owned(navigateur, &chemin, &f).await.status, 303);
        }
    }
    let s = b.get(&chemin_synthese).await;
    assert_eq!(s.status, 200);
    assert!(s.body.contains("à discuter"), "best against worst diverges");
    assert!(s.body.contains("Épicerie solidaire &amp; supermarché"));
    // A wrong invitation link.
    let faux = c.submit("/kits/groupes/rejoindre/0000", &[]).await;
    assert_eq!(faux.status, 404);
}
