//! The annuaire in a real browser: an organisation created through the form (errors summarised
//! and focused), its page, the search page with facets, the edit form, the moderation queue and
//! a territory page listing it — axe-core on each.

use alliances_e2e::{
    admin_logged_in, axe_check, fill, find, goto, harness, main_text, wait_for, wait_for_path,
    wait_for_text, with_browser,
};
use anyhow::{ensure, Context, Result};

const PASSWORD: &str = "les alliances du bien commun";

#[tokio::test]
async fn create_search_and_moderate_organisations() -> Result<()> {
    with_browser("annuaire", |c| async move {
        admin_logged_in(&c, "annuaire-admin@asso.example", "Modération", PASSWORD).await?;
        goto(&c, "/organisations/nouvelle").await?;
        axe_check(&c).await.context("creation form")?;
        // Errors: summary focused, fields marked.
        fill(
            &c,
            &[
                ("nom", "Réseau des ressourceries"),
                ("siret", "12345678901234"),
                ("codeCommune", "99999"),
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
            "focus on the error summary, got {focused}"
        );
        axe_check(&c).await.context("creation form with errors")?;
        find(&c, "#champ-profil")
            .await?
            .send_keys("Association")
            .await?;
        fill(
            &c,
            &[
                ("siret", ""),
                ("codeCommune", "42218"),
                (
                    "description",
                    "Réemploi, ateliers de réparation et emplois d'insertion",
                ),
            ],
        )
        .await?;
        // The form posts, then the organisation's page loads (waiting for an `h1` could find the
        // form's own, about to go stale).
        wait_for_path_prefix(&c, "/organisations/").await?;
        wait_for_text(&c, "Réseau des ressourceries").await?;
        axe_check(&c).await.context("organisation page (owner)")?;
        let url = c.current_url().await?;
        let org_path = url.path().to_string();

        goto(&c, "/annuaire?q=reparations&territoire=Loire").await?;
        let text = main_text(&c).await?;
        ensure!(
            text.contains("Réseau des ressourceries"),
            "found by a plural, in its département: {text}"
        );
        axe_check(&c)
            .await
            .context("search page with results and facets")?;
        goto(&c, "/annuaire?odd=99").await?;
        axe_check(&c).await.context("search page with an error")?;

        goto(&c, &format!("{org_path}/modifier")).await?;
        axe_check(&c).await.context("edit form")?;
        goto(&c, "/admin/moderation").await?;
        axe_check(&c).await.context("moderation queue")?;
        goto(&c, "/territoires/commune/42218").await?;
        wait_for_text(&c, "Réseau des ressourceries").await?;
        axe_check(&c)
            .await
            .context("territory page with its organisations")?;

        // The team: members page, an invitation, the invitation page seen by its recipient's
        // address before they sign in.
        goto(&c, &format!("{org_path}/membres")).await?;
        axe_check(&c).await.context("members page")?;
        fill(&c, &[("email", "benevole@asso.example")]).await?;
        wait_for_text(&c, "benevole@asso.example").await?;
        axe_check(&c)
            .await
            .context("members page with an invitation")?;
        let link = harness()
            .server
            .wait_for_email_link("benevole@asso.example", "http")
            .context("the invitation e-mail")?;
        let path = link
            .find("/invitations/")
            .map(|at| link[at..].to_string())
            .context("an /invitations/ link")?;
        goto(&c, &path).await?;
        wait_for(&c, "h1").await?;
        axe_check(&c).await.context("invitation page")?;

        // Autocomplete on the search box: a suggestion leads to the organisation's page; the
        // territory field is filled with the chosen territory's code.
        goto(&c, "/annuaire").await?;
        find(&c, "#filtre-territoire")
            .await?
            .send_keys("Saint-Éti")
            .await?;
        let option = wait_for(&c, "#filtre-territoire-liste [role=option]").await?;
        option.click().await?;
        let value = find(&c, "#filtre-territoire").await?.prop("value").await?;
        ensure!(
            value.as_deref() == Some("commune:42218"),
            "filled with the code, got {value:?}"
        );
        find(&c, "#filtre-q")
            .await?
            .send_keys("Réseau des res")
            .await?;
        wait_for(&c, "#filtre-q-liste [role=option]").await?;
        axe_check(&c)
            .await
            .context("search page with suggestions open")?;
        find(&c, "#filtre-q")
            .await?
            .send_keys(&format!(
                "{}{}",
                fantoccini::key::Key::Down,
                fantoccini::key::Key::Enter
            ))
            .await?;
        wait_for_path(&c, &org_path)
            .await
            .context("the suggestion leads to the organisation")?;
        Ok(())
    })
    .await
}

/// Waits until the current path starts with `prefix` and is not a form (`/nouvelle`).
async fn wait_for_path_prefix(c: &fantoccini::Client, prefix: &str) -> Result<()> {
    alliances_e2e::wait_until(std::time::Duration::from_secs(15), prefix, || async {
        let p = c.current_url().await?.path().to_string();
        Ok((p.starts_with(prefix) && !p.ends_with("/nouvelle")).then_some(()))
    })
    .await
}
