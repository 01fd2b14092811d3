//! The observatory's public page and the home page with its trend, in a real browser with
//! axe-core.

use alliances_e2e::{
    admin_logged_in, axe_check, fill, find, goto, main_text, wait_for, wait_for_text, with_browser,
};
use anyhow::{ensure, Context, Result};

#[tokio::test]
async fn the_observatory_page_is_accessible() -> Result<()> {
    with_browser("observatoire", |c| async move {
        goto(&c, "/observatoire").await?;
        wait_for(&c, "svg.barres").await?;
        let text = main_text(&c).await?;
        ensure!(text.contains("92 %") && text.contains("Maires"), "{text}");
        axe_check(&c).await.context("observatory")?;
        goto(&c, "/observatoire/regions/84").await?;
        wait_for(&c, "#titre-organisations").await?;
        axe_check(&c).await.context("a région's page")?;
        goto(&c, "/").await?;
        wait_for(&c, "#titre-tendance").await?;
        axe_check(&c).await.context("home page with the trend")?;
        Ok(())
    })
    .await
}

const PASSWORD: &str = "les alliances du bien commun";

const QUESTIONNAIRE: &str = r#"id = "e2e"
version = 1
titre = "Questionnaire"
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
options = [ { id = "asso", texte = "Une association" }, { id = "ent", texte = "Une entreprise" } ]

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

/// Sets fields by id through the page (long texts typed key by key would be slow).
async fn valeurs(c: &fantoccini::Client, champs: &[(&str, &str)]) -> Result<()> {
    for (id, v) in champs {
        c.execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![(*id).into(), (*v).into()],
        )
        .await?;
    }
    Ok(())
}

async fn cliquer(c: &fantoccini::Client, css: &str) -> Result<()> {
    find(c, css).await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn an_analyst_runs_a_wave_and_the_pages_are_accessible() -> Result<()> {
    with_browser("observatoire-etudes", |c| async move {
        admin_logged_in(&c, "observatoire-admin@asso.example", "Analyste", PASSWORD).await?;
        goto(&c, "/observatoire/etudes/nouvelle").await?;
        wait_for(&c, "#champ-titre").await?;
        axe_check(&c).await.context("new study form")?;
        fill(&c, &[("titre", "Baromètre e2e"), ("producteur", "Observatoire")]).await?;
        wait_for(&c, "#titre-vagues").await?;
        axe_check(&c).await.context("a study without waves")?;
        let etude = c.current_url().await?.path().to_string();
        goto(&c, &format!("{etude}/vagues/nouvelle")).await?;
        wait_for(&c, "#champ-questionnaire").await?;
        valeurs(
            &c,
            &[
                ("champ-libelle", "Vague e2e"),
                ("champ-debut", "2026-01-05"),
                ("champ-fin", "2026-02-05"),
                ("champ-questionnaire", QUESTIONNAIRE),
                ("champ-domaines", "profil"),
            ],
        )
        .await?;
        cliquer(&c, "form.formulaire button[type=\"submit\"]").await?;
        wait_for(&c, "#microdonnees").await?;
        axe_check(&c).await.context("wave management")?;
        let gestion = c.current_url().await?.path().to_string();
        let base = gestion.trim_end_matches("/gestion").to_string();

        // An invitation, fetched as the analyst's browser would download it, then answered.
        let lien = c
            .execute_async(
                r#"
                const [base, done] = arguments;
                const csrf = document.querySelector('input[name=_csrf]').value;
                const poster = (chemin, champs) => fetch(base + chemin, { method: 'POST', body: new URLSearchParams(Object.assign({ _csrf: csrf }, champs)) });
                poster('/collecte', { action: 'ouvrir' })
                  .then(() => poster('/invitations', { nombre: '1' }))
                  .then((r) => r.text())
                  .then((t) => done(t))
                  .catch((e) => done('erreur ' + e));
                "#,
                vec![base.clone().into()],
            )
            .await?;
        let reponse = lien.as_str().unwrap_or_default().to_string();
        let lien = reponse.lines().nth(1).unwrap_or_default();
        let chemin = &lien[lien
            .find("/observatoire/enquete/")
            .with_context(|| format!("a link in {reponse}"))?..];
        goto(&c, chemin).await?;
        wait_for(&c, "#q-profil").await?;
        axe_check(&c).await.context("the respondent's questionnaire")?;
        cliquer(&c, "#q-profil-asso").await?;
        cliquer(&c, ".boutons-kit button").await?;
        wait_for(&c, "#resume-erreurs").await?;
        axe_check(&c).await.context("questionnaire with errors")?;
        cliquer(&c, "#q-partenariat-non").await?;
        cliquer(&c, ".boutons-kit button").await?;
        wait_for(&c, "p.succes").await?;
        goto(&c, &gestion).await?;
        wait_for(&c, "#microdonnees").await?;
        // A microdata file with an error: the table of errors.
        let dossier = std::env::temp_dir().join(format!("alliances-e2e-obs-{}", std::process::id()));
        std::fs::create_dir_all(&dossier)?;
        let fautif = dossier.join("fautif.csv");
        std::fs::write(&fautif, "id,profil,partenariat,nombre\nr1,martien,oui,3\n")?;
        find(&c, "#champ-fichier")
            .await?
            .send_keys(&fautif.display().to_string())
            .await?;
        cliquer(&c, "form[action$=\"/microdonnees\"] button").await?;
        wait_for(&c, "#erreurs-fichier").await?;
        ensure!(main_text(&c).await?.contains("martien"));
        axe_check(&c).await.context("microdata refused")?;

        let mut csv = String::from("id,profil,partenariat,nombre\n");
        for i in 0..120 {
            let oui = i % 3 != 0;
            csv.push_str(&format!(
                "r{i},{},{},{}\n",
                if i < 80 { "asso" } else { "ent" },
                if oui { "oui" } else { "non" },
                if oui { "2" } else { "" }
            ));
        }
        let bon = dossier.join("bon.csv");
        std::fs::write(&bon, csv)?;
        find(&c, "#champ-fichier")
            .await?
            .send_keys(&bon.display().to_string())
            .await?;
        cliquer(&c, "form[action$=\"/microdonnees\"] button").await?;
        wait_for_text(&c, "Les microdonnées sont importées").await?;
        valeurs(
            &c,
            &[
                ("champ-population", "1000"),
                ("total-profil-asso", "700"),
                ("total-profil-ent", "300"),
            ],
        )
        .await?;
        cliquer(&c, "#marge-profil").await?;
        cliquer(&c, "form[action$=\"/reglages\"] button").await?;
        wait_for_text(&c, "Les réglages sont enregistrés").await?;
        cliquer(&c, "form[action$=\"/calage\"] button").await?;
        wait_for_text(&c, "Le calage a réussi").await?;
        axe_check(&c).await.context("calibration diagnostics")?;
        cliquer(&c, "form[action$=\"/publication\"] button").await?;
        wait_for_text(&c, "Les résultats sont publiés").await?;

        goto(&c, &base).await?;
        wait_for(&c, "svg.barres-ic").await?;
        let text = main_text(&c).await?;
        ensure!(text.contains("Note méthodologique") && text.contains("70,0 %"), "{text}");
        axe_check(&c).await.context("published wave")?;
        goto(&c, &etude).await?;
        wait_for(&c, "#titre-vagues").await?;
        axe_check(&c).await.context("a study with a published wave")?;

        let _ = std::fs::remove_dir_all(&dossier);
        Ok(())
    })
    .await
}
