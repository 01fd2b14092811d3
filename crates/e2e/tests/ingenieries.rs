//! Ingénieries in a real browser: a scheme declared through the form (errors summarised and
//! focused), its relay, « qui peut m'aider ici ? » with the territory picked in the suggestions,
//! the coverage map, a scheme's page with the referral form, programmes, a shared watch space —
//! axe-core on each page.

use alliances_e2e::{
    admin_logged_in, axe_check, fill, find, goto, main_text, wait_for, wait_for_text, wait_until,
    with_browser,
};
use anyhow::{ensure, Context, Result};

const PASSWORD: &str = "les alliances du bien commun";

async fn cocher(c: &fantoccini::Client, css: &str) -> Result<()> {
    find(c, css).await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn declare_a_scheme_find_it_here_and_see_the_coverage() -> Result<()> {
    with_browser("ingenieries", |c| async move {
        admin_logged_in(&c, "ingenieries-admin@asso.example", "Dominique", PASSWORD).await?;
        goto(&c, "/organisations/nouvelle").await?;
        find(&c, "#champ-profil")
            .await?
            .send_keys("Structure d'accompagnement")
            .await?;
        fill(
            &c,
            &[("nom", "Maison des alliances"), ("codeCommune", "42218")],
        )
        .await?;
        wait_for_text(&c, "Maison des alliances").await?;

        goto(&c, "/ingenieries").await?;
        axe_check(&c).await.context("list")?;
        goto(&c, "/ingenieries/nouveau").await?;
        axe_check(&c).await.context("form")?;
        // A departmental scheme without territory: the summary gets the focus.
        cocher(&c, "#champ-services input[value=accompagnement]").await?;
        fill(
            &c,
            &[
                ("nom", "Relais départemental des alliances"),
                ("description", "Diagnostic et accompagnement des alliances."),
                ("contact", "contact@relais.example"),
            ],
        )
        .await?;
        wait_for(&c, "#resume-erreurs").await?;
        let focused = c
            .execute(
                "return document.activeElement && document.activeElement.id;",
                vec![],
            )
            .await?;
        ensure!(
            focused.as_str() == Some("resume-erreurs"),
            "focus: {focused}"
        );
        axe_check(&c).await.context("form with errors")?;
        fill(&c, &[("couverture", "departement:42")]).await?;
        wait_for(&c, "#titre-articulation").await?;
        let text = main_text(&c).await?;
        ensure!(
            text.contains("Relais départemental des alliances") && text.contains("Loire"),
            "{text}"
        );
        axe_check(&c).await.context("scheme page (manager)")?;

        // Programmes and the shared watch.
        goto(&c, "/ingenieries/programmes").await?;
        axe_check(&c).await.context("programmes")?;
        goto(&c, "/ingenieries/veille").await?;
        axe_check(&c).await.context("watch spaces")?;
        fill(&c, &[("titre", "Veille de la Loire")]).await?;
        wait_for(&c, "#elements").await?;
        axe_check(&c).await.context("a watch space")?;

        // « Qui peut m'aider ici ? »: the commune picked in the suggestions.
        goto(&c, "/ingenieries/aide").await?;
        axe_check(&c).await.context("help form")?;
        let champ = find(&c, "#champ-territoire").await?;
        champ.send_keys("Saint-Étienne").await?;
        wait_until(
            std::time::Duration::from_secs(10),
            "suggestions",
            || async {
                Ok(
                    c.find(fantoccini::Locator::Css("#champ-territoire-liste li"))
                        .await
                        .ok(),
                )
            },
        )
        .await?;
        find(&c, "#champ-territoire-liste li")
            .await?
            .click()
            .await?;
        let v = champ.prop("value").await?.unwrap_or_default();
        ensure!(v.starts_with("commune:"), "{v}");
        find(&c, "form.filtres button[type=submit]")
            .await?
            .click()
            .await?;
        wait_for_text(&c, "Relais départemental des alliances").await?;
        let text = main_text(&c).await?;
        ensure!(text.contains("couvre votre département"), "{text}");
        axe_check(&c).await.context("help answers")?;

        goto(&c, "/ingenieries/couverture?service=accompagnement").await?;
        wait_for(&c, "svg.carte").await?;
        axe_check(&c).await.context("coverage map")?;
        goto(&c, "/territoires/departement/42").await?;
        wait_for(&c, "#titre-accompagnement").await?;
        axe_check(&c).await.context("département page")?;
        Ok(())
    })
    .await
}
