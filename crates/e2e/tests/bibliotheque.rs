//! The resource library in a real browser: the list with its filters, a resource written through
//! the form (errors summarised and focused), an example submitted then published from its page,
//! the events page and the event form — axe-core on each page.

use alliances_e2e::{
    admin_logged_in, axe_check, fill, find, goto, main_text, wait_for, wait_for_text, wait_until,
    with_browser,
};
use anyhow::{ensure, Context, Result};

const PASSWORD: &str = "les alliances du bien commun";

async fn focus(c: &fantoccini::Client) -> Result<String> {
    let v = c
        .execute(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await?;
    Ok(v.as_str().unwrap_or("").to_string())
}

#[tokio::test]
async fn list_resource_example_events_and_forms() -> Result<()> {
    with_browser("bibliotheque", |c| async move {
        admin_logged_in(&c, "bibliotheque-admin@asso.example", "Camille", PASSWORD).await?;
        goto(&c, "/organisations/nouvelle").await?;
        find(&c, "#champ-profil")
            .await?
            .send_keys("Association")
            .await?;
        fill(
            &c,
            &[
                ("nom", "Centre de ressources du Forez"),
                ("codeCommune", "42218"),
            ],
        )
        .await?;
        wait_for_text(&c, "Centre de ressources du Forez").await?;
        let url = c.current_url().await?;
        let org = url
            .path()
            .trim_start_matches("/organisations/")
            .split('/')
            .next()
            .unwrap_or("")
            .to_string();
        ensure!(org.parse::<i64>().is_ok(), "organisation page: {url}");

        // The list and its filters.
        goto(&c, "/ressources").await?;
        axe_check(&c).await.context("list")?;
        goto(&c, "/ressources?famille=outil").await?;
        wait_for(&c, ".bibliotheque-liste a[href^='/kits/']").await?;
        axe_check(&c)
            .await
            .context("list filtered (kits as tools)")?;

        // A resource: errors first, then saved.
        goto(&c, "/ressources/nouvelle").await?;
        axe_check(&c).await.context("resource form")?;
        fill(&c, &[("titre", "")]).await?;
        wait_for(&c, "#resume-erreurs").await?;
        ensure!(focus(&c).await? == "resume-erreurs", "focus on the summary");
        axe_check(&c).await.context("resource form with errors")?;
        fill(
            &c,
            &[
                ("titre", "Trame d'un premier comité de pilotage"),
                ("resume", "Une trame en cinq temps pour bien démarrer."),
                (
                    "corps",
                    "## Déroulé\n\n1. Accueil\n2. Attentes\n\n<script>alert(1)</script>",
                ),
            ],
        )
        .await?;
        wait_for_text(&c, "Déroulé").await?;
        let text = main_text(&c).await?;
        ensure!(!text.contains("alert(1)"), "{text}");
        axe_check(&c).await.context("a resource")?;

        // An example: submitted, then published by the moderator (the admin) from its page.
        goto(&c, "/ressources/nouvelle?famille=exemple").await?;
        axe_check(&c).await.context("example form")?;
        fill(
            &c,
            &[
                ("titre", "Un garage solidaire dans le Forez"),
                ("resume", "Réparer des voitures pour reprendre un emploi."),
                ("territoires", "departement:42"),
                ("acteurs", &org),
                (
                    "besoin",
                    "Un demandeur d'emploi sur trois n'a pas de véhicule.",
                ),
                (
                    "realisation",
                    "Un garage associatif avec des mécaniciens en insertion.",
                ),
                ("resultats", "180 véhicules réparés en deux ans."),
                ("enseignements", "Formaliser tôt la convention."),
            ],
        )
        .await?;
        wait_for(&c, "#titre-moderation").await?;
        axe_check(&c).await.context("example awaiting review")?;
        find(&c, "button[value=refuser]").await?.click().await?;
        wait_for(&c, "#resume-erreurs").await?;
        axe_check(&c).await.context("refusal without a reason")?;
        find(&c, "button[value=publier]").await?.click().await?;
        // Published: the review block is gone.
        let text = wait_until(
            std::time::Duration::from_secs(10),
            "the published example",
            || async {
                Ok(match c.find(fantoccini::Locator::Css("main")).await {
                    Ok(m) => m.text().await.ok().filter(|t| !t.contains("Relecture")),
                    Err(_) => None,
                })
            },
        )
        .await?;
        ensure!(
            text.contains("Centre de ressources du Forez") && !text.contains("attend la relecture"),
            "{text}"
        );
        axe_check(&c).await.context("a published example")?;

        // Events: the form (times typed through the field's value), then the list.
        goto(&c, "/ressources/evenements/nouveau").await?;
        axe_check(&c).await.context("event form")?;
        c.execute(
            "document.getElementById('champ-debut').value = '2030-03-12T14:00';\
             document.getElementById('champ-fin').value = '2030-03-12T13:00';",
            vec![],
        )
        .await?;
        fill(
            &c,
            &[
                ("titre", "Webinaire : démarrer une alliance"),
                ("resume", "Une heure."),
            ],
        )
        .await?;
        wait_for(&c, "#resume-erreurs").await?;
        axe_check(&c).await.context("event form with errors")?;
        c.execute(
            "document.getElementById('champ-fin').value = '2030-03-12T15:00';",
            vec![],
        )
        .await?;
        fill(&c, &[("lieu", "En ligne")]).await?;
        wait_for(&c, "#titre-a-venir").await?;
        wait_for_text(&c, "Webinaire : démarrer une alliance").await?;
        axe_check(&c).await.context("events")?;

        goto(&c, "/admin/moderation").await?;
        axe_check(&c).await.context("moderation queue")?;
        Ok(())
    })
    .await
}
