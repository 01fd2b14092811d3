//! The kits in a real browser: each shipped kit taken from start to finish without an account
//! (axe-core on the list, the kit's page, every section page of the first kit and the first of
//! the others, each result page); a stored passation with the autosave script, the results,
//! « Mes résultats », and a group of partners' synthesis page — axe-core on each.

use alliances_e2e::{
    admin_logged_in, axe_check, find, goto, main_text, wait_for, wait_for_path, wait_for_text,
    wait_until, with_browser,
};
use anyhow::{ensure, Context, Result};
use fantoccini::Client;
use std::time::Duration;

const PASSWORD: &str = "les alliances du bien commun";
const KITS: [&str; 4] = [
    "odd17-en-pratique",
    "sortie-de-crise-en-territoire",
    "evaluation-partenariat",
    "impact-collectif",
];

/// Answers every question shown on the page (the first choice; a number; a sentence), the way
/// a hurried visitor would, then presses the page's main button.
async fn answer_and_continue(c: &Client) -> Result<()> {
    let last = c
        .execute(
            r#"
            document.querySelectorAll(".question-kit").forEach(function (b) {
              if (b.hidden) return;
              var choice = b.querySelector("input[type=radio]:not([value=non-applicable]), input[type=checkbox]:not([value=non-applicable])");
              if (choice && !b.querySelector("input:checked")) { choice.click(); }
              var area = b.querySelector("textarea");
              if (area && !area.value) area.value = "Réunir les partenaires du territoire";
              var num = b.querySelector("input[inputmode=decimal]");
              if (num && !num.value) num.value = "3";
            });
            return !!document.querySelector("button[value=terminer]");
            "#,
            vec![],
        )
        .await?
        .as_bool()
        .unwrap_or(false);
    let button = if last {
        "button[value=terminer]"
    } else {
        "button[value=suivant]"
    };
    find(c, button).await?.click().await?;
    Ok(())
}

/// The step shown (`Étape 2 / 7`), or "resultat" on a result page.
async fn step(c: &Client) -> Result<String> {
    Ok(c
        .execute(
            r#"var p = document.querySelector(".progression-kit");
               return document.querySelector(".score-global") ? "resultat" : (p ? p.textContent : "");"#,
            vec![],
        )
        .await?
        .as_str()
        .unwrap_or("")
        .to_string())
}

/// Answers the page and waits for the next one; true on the result page.
async fn next_page(c: &Client) -> Result<bool> {
    let before = step(c).await?;
    answer_and_continue(c).await?;
    let after = wait_until(Duration::from_secs(15), "the next page", || async {
        let now = step(c).await.unwrap_or_default();
        Ok((now != before && !now.is_empty()).then_some(now))
    })
    .await?;
    Ok(after == "resultat")
}

#[tokio::test]
async fn every_kit_from_start_to_finish_without_an_account() -> Result<()> {
    with_browser("kits-anonyme", |c| async move {
        goto(&c, "/kits").await?;
        axe_check(&c).await.context("kits list")?;
        for (k, kit) in KITS.iter().enumerate() {
            goto(&c, &format!("/kits/{kit}")).await?;
            if k == 0 {
                axe_check(&c).await.context("kit page (visitor)")?;
            }
            find(&c, &format!("a[href=\"/kits/{kit}/passation/anonyme\"]"))
                .await?
                .click()
                .await?;
            wait_for(&c, ".formulaire-kit").await?;
            let mut pages = 0;
            loop {
                pages += 1;
                ensure!(pages < 30, "{kit}: too many pages");
                if k == 0 || pages == 1 {
                    axe_check(&c)
                        .await
                        .with_context(|| format!("{kit}: section page {pages}"))?;
                }
                if next_page(&c).await? {
                    break;
                }
            }
            wait_for_text(&c, "Score global")
                .await
                .with_context(|| format!("{kit}: result"))?;
            let text = main_text(&c).await?;
            ensure!(
                text.contains("Recommandations"),
                "{kit}: recommendations in {text}"
            );
            find(&c, "svg.radar-kit, figure.radar-kit svg")
                .await
                .context("radar chart")?;
            axe_check(&c)
                .await
                .with_context(|| format!("{kit}: result page"))?;
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_stored_passation_autosaves_and_a_group_compares() -> Result<()> {
    with_browser("kits-compte", |c| async move {
        admin_logged_in(&c, "kits-e2e@asso.example", "Camille", PASSWORD).await?;
        goto(&c, "/kits/odd17-en-pratique").await?;
        axe_check(&c).await.context("kit page (signed in)")?;
        find(
            &c,
            "form[action=\"/kits/odd17-en-pratique/passations\"] button",
        )
        .await?
        .click()
        .await?;
        wait_for(&c, ".formulaire-kit[data-autosave]").await?;
        let url = c.current_url().await?;
        let path = url.path().to_string();
        // A click saves in the background: the status says so, and the answer is there after a
        // reload.
        let first = find(&c, ".question-kit input[type=radio]").await?;
        let id = first.attr("id").await?.context("an id")?;
        first.click().await?;
        wait_for_text(&c, "Enregistré.")
            .await
            .context("autosave status")?;
        goto(&c, &path).await?;
        let checked = c
            .execute(
                &format!("return document.getElementById({id:?}).checked;"),
                vec![],
            )
            .await?;
        ensure!(
            checked.as_bool() == Some(true),
            "the autosaved answer is back after a reload"
        );
        axe_check(&c).await.context("section page (signed in)")?;
        let mut pages = 0;
        while !next_page(&c).await? {
            pages += 1;
            ensure!(pages < 30, "too many pages");
        }
        wait_for_text(&c, "Score global").await?;
        ensure!(
            c.current_url()
                .await?
                .path()
                .starts_with("/kits/resultats/"),
            "result page"
        );
        axe_check(&c).await.context("stored result page")?;
        goto(&c, "/compte/resultats").await?;
        axe_check(&c).await.context("my results")?;

        goto(&c, "/kits/evaluation-partenariat").await?;
        find(&c, "#champ-titre")
            .await?
            .send_keys("Partenariat de la ressourcerie")
            .await?;
        find(
            &c,
            "form[action=\"/kits/evaluation-partenariat/groupes\"] button",
        )
        .await?
        .click()
        .await?;
        wait_for(&c, "#lien-invitation").await?;
        ensure!(
            c.current_url().await?.path().starts_with("/kits/groupes/"),
            "group page"
        );
        axe_check(&c).await.context("group synthesis page")?;
        let link = find(&c, "#lien-invitation")
            .await?
            .prop("value")
            .await?
            .context("the link")?;
        let join = link
            .split("/kits/groupes/rejoindre/")
            .nth(1)
            .context("join path")?;
        goto(&c, &format!("/kits/groupes/rejoindre/{join}")).await?;
        axe_check(&c).await.context("join page")?;
        wait_for_path(&c, &format!("/kits/groupes/rejoindre/{join}")).await?;
        Ok(())
    })
    .await
}
