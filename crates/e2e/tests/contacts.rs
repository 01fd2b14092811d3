//! Contact requests in a real browser: an organisation writes to another through the contact
//! form (a too-short message first: errors summarised and focused), the target accepts it on its
//! requests page, then starts an alliance from it with both organisations as members — axe-core
//! on the form (with and without errors), both sides of the requests page, the alliance form,
//! and the counts on the territory page and the admin dashboard.

use alliances_e2e::{
    admin_logged_in, axe_check, fill, find, goto, main_text, wait_for, wait_for_text, with_browser,
};
use anyhow::{ensure, Context, Result};

const PASSWORD: &str = "les mises en relation du territoire";

/// Creates an association through the form and returns its id (from its page's address).
async fn organisation(c: &fantoccini::Client, nom: &str, commune: &str) -> Result<i64> {
    goto(c, "/organisations/nouvelle").await?;
    find(c, "#champ-profil")
        .await?
        .send_keys("Association")
        .await?;
    fill(c, &[("nom", nom), ("codeCommune", commune)]).await?;
    wait_for_text(c, nom).await?;
    let path = c.current_url().await?.path().to_string();
    path.trim_start_matches("/organisations/")
        .parse()
        .with_context(|| format!("an organisation's page, got {path}"))
}

#[tokio::test]
async fn send_accept_and_start_an_alliance() -> Result<()> {
    with_browser("contacts", |c| async move {
        admin_logged_in(&c, "contacts-admin@asso.example", "Dominique", PASSWORD).await?;
        let a = organisation(&c, "Maison de l'emploi du Forez", "42218").await?;
        let b = organisation(&c, "Menuiserie d'insertion du Gier", "42218").await?;

        // The contact form, opened with the writing organisation preselected.
        goto(&c, &format!("/organisations/{b}/contact?de={a}")).await?;
        wait_for(&c, "#champ-message").await?;
        axe_check(&c).await.context("contact form")?;
        let choisie = find(&c, "#champ-de").await?.prop("value").await?;
        ensure!(choisie.as_deref() == Some(a.to_string().as_str()), "{choisie:?}");
        fill(&c, &[("message", "Bonjour")]).await?;
        wait_for(&c, "#resume-erreurs").await?;
        let focused = c
            .execute(
                "return document.activeElement && document.activeElement.id;",
                vec![],
            )
            .await?;
        ensure!(
            focused.as_str() == Some("resume-erreurs"),
            "focus on the error summary, got {focused}"
        );
        axe_check(&c).await.context("contact form with errors")?;
        fill(
            &c,
            &[(
                "message",
                "Bonjour, nous cherchons un atelier pour des stages de découverte des métiers du bois.",
            )],
        )
        .await?;
        wait_for_text(&c, "Votre demande a été envoyée").await?;
        axe_check(&c).await.context("sent requests")?;

        // The target accepts it on its requests page.
        goto(&c, &format!("/organisations/{b}/demandes")).await?;
        wait_for(&c, "button[name=decision][value=accepter]").await?;
        axe_check(&c).await.context("received requests")?;
        find(&c, "textarea[name=reponse]")
            .await?
            .send_keys("Avec plaisir, venez nous voir.")
            .await?;
        find(&c, "button[name=decision][value=accepter]")
            .await?
            .click()
            .await?;
        wait_for(&c, "a[href$=\"/alliance\"]").await?;
        let text = main_text(&c).await?;
        ensure!(
            text.contains("Acceptée") && text.contains("Avec plaisir, venez nous voir."),
            "{text}"
        );
        axe_check(&c).await.context("received requests, accepted")?;

        // An alliance started from it: both organisations are members.
        find(&c, "a[href$=\"/alliance\"]").await?.click().await?;
        wait_for(&c, "#champ-nom").await?;
        axe_check(&c).await.context("alliance from a request")?;
        fill(
            &c,
            &[
                ("nom", "Alliance bois et emploi du Forez"),
                (
                    "resume",
                    "Des stages de découverte des métiers du bois pour les demandeurs d'emploi.",
                ),
            ],
        )
        .await?;
        wait_for(&c, ".sante-conditions").await?;
        let alliance = c.current_url().await?.path().to_string();
        ensure!(alliance.starts_with("/alliances/"), "{alliance}");
        goto(&c, &format!("{alliance}/membres")).await?;
        let actifs = find(&c, "#champ-membre").await?.text().await?;
        ensure!(
            actifs.contains("Maison de l'emploi du Forez")
                && actifs.contains("Menuiserie d'insertion du Gier"),
            "{actifs}"
        );

        // The counts: the territory page and the admin dashboard.
        // The territory's dashboard counts them (small numbers shown as « moins de 5 »).
        goto(&c, "/territoires/departement/42").await?;
        wait_for(&c, "#titre-tableau-activite").await?;
        let text = main_text(&c).await?;
        ensure!(text.contains("alliances démarrées"), "{text}");
        axe_check(&c).await.context("territory page")?;
        goto(&c, "/admin").await?;
        wait_for(&c, "#titre-mises-en-relation").await?;
        axe_check(&c).await.context("admin dashboard")?;
        Ok(())
    })
    .await
}
