//! « Partenaires potentiels » in a real browser: two organisations created through the form, the
//! first one's partners listing the second with its reasons, the filter form (a filter that
//! excludes everything says so and offers to widen), and the public method page — axe-core on
//! each.

use alliances_e2e::{
    admin_logged_in, axe_check, fill, find, goto, main_text, wait_for_path, wait_for_text,
    wait_until, with_browser,
};
use anyhow::{ensure, Context, Result};

const PASSWORD: &str = "les alliances du bien commun";

/// Creates an organisation in Saint-Étienne through the form; returns its id.
async fn organisation(c: &fantoccini::Client, nom: &str, profil: &str) -> Result<i64> {
    goto(c, "/organisations/nouvelle").await?;
    find(c, "#champ-profil").await?.send_keys(profil).await?;
    fill(c, &[("nom", nom), ("codeCommune", "42218")]).await?;
    wait_for_text(c, nom).await?;
    let path = c.current_url().await?.path().to_string();
    path.trim_start_matches("/organisations/")
        .parse()
        .with_context(|| format!("organisation page path {path}"))
}

#[tokio::test]
async fn partners_page_filters_and_method() -> Result<()> {
    with_browser("relation", |c| async move {
        admin_logged_in(&c, "relation-admin@asso.example", "Camille", PASSWORD).await?;
        let asso = organisation(&c, "Épicerie des Ursules", "Association").await?;
        organisation(&c, "Menuiserie du Furan", "Entreprise").await?;

        // From the organisation's page to its partners.
        goto(&c, &format!("/organisations/{asso}")).await?;
        find(
            &c,
            &format!("a[href=\"/organisations/{asso}/partenaires\"]"),
        )
        .await?
        .click()
        .await?;
        wait_for_text(&c, "Menuiserie du Furan").await?;
        let text = main_text(&c).await?;
        ensure!(text.contains("même commune"), "reasons: {text}");
        ensure!(
            text.contains("ces suggestions reposent seulement sur vos ODD"),
            "no offers or needs: {text}"
        );
        axe_check(&c).await.context("partners page")?;

        // The filter form: a profile nobody has here.
        find(&c, "#f-profil-media").await?.click().await?;
        find(&c, "#filtre-distance")
            .await?
            .send_keys("Même commune")
            .await?;
        find(&c, "form.annuaire-filtres button[type=\"submit\"]")
            .await?
            .click()
            .await?;
        wait_for_text(&c, "Aucune organisation ne correspond à ces filtres.").await?;
        let url = c.current_url().await?;
        ensure!(
            url.query().unwrap_or("").contains("profil=media"),
            "filters in the URL: {url}"
        );
        axe_check(&c)
            .await
            .context("partners page, nothing found")?;
        find(&c, "main a[href*=\"distance=epci\"]")
            .await?
            .click()
            .await?;
        wait_until(
            std::time::Duration::from_secs(10),
            "widened search",
            || async {
                Ok(c.current_url()
                    .await?
                    .query()
                    .filter(|q| q.contains("distance=epci"))
                    .map(|_| ()))
            },
        )
        .await?;

        // The public method page, linked from the results.
        find(&c, "main a[href=\"/mise-en-relation\"]")
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/mise-en-relation").await?;
        wait_for_text(&c, "Comment fonctionne la mise en relation").await?;
        axe_check(&c).await.context("method page")?;
        Ok(())
    })
    .await
}
