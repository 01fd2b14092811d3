//! Account flows in a real browser: sign-up → verification link (read from the demo outbox) →
//! log in → log out, and the password reset; axe-core on every account page.

use alliances_e2e::{
    admin_logged_in, axe_check, fill, find, goto, harness, main_text, wait_for, wait_for_path,
    wait_for_text, with_browser,
};
use anyhow::{ensure, Context, Result};

const PASSWORD: &str = "la rivière coule sous le pont";

#[tokio::test]
async fn sign_up_verify_log_in_and_out() -> Result<()> {
    with_browser("comptes_inscription", |c| async move {
        goto(&c, "/compte/inscription").await?;
        axe_check(&c).await.context("sign-up page")?;

        // A refused password: errors summarised at the top (focused) and next to the field.
        fill(
            &c,
            &[
                ("nom", "Élodie Durand"),
                ("email", "elodie@asso.example"),
                ("mot_de_passe", "motdepasse2024"),
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
            "focus should move to the error summary, got {focused}"
        );
        axe_check(&c).await.context("sign-up page with errors")?;

        fill(&c, &[("mot_de_passe", PASSWORD)]).await?;
        wait_for_path(&c, "/compte/inscription/merci").await?;
        axe_check(&c).await.context("thank-you page")?;

        let link = harness()
            .server
            .wait_for_email_link("elodie@asso.example", "/compte/verification/")?;
        goto(&c, &link).await?;
        axe_check(&c).await.context("verification page")?;
        find(&c, "main form button[type=\"submit\"]")
            .await?
            .click()
            .await?;
        wait_for_text(&c, "Votre adresse est confirmée").await?;

        goto(&c, "/compte/connexion").await?;
        axe_check(&c).await.context("login page")?;
        fill(
            &c,
            &[
                ("email", "elodie@asso.example"),
                ("mot_de_passe", "pas le bon mot de passe"),
            ],
        )
        .await?;
        wait_for_text(&c, "Adresse e-mail ou mot de passe incorrect").await?;
        fill(
            &c,
            &[("email", "elodie@asso.example"), ("mot_de_passe", PASSWORD)],
        )
        .await?;
        wait_for_path(&c, "/compte").await?;
        let page = main_text(&c).await?;
        ensure!(
            page.contains("Élodie Durand") && page.contains("Adresse confirmée"),
            "account page: {page}"
        );
        axe_check(&c).await.context("account page")?;

        find(&c, "form.form-deconnexion button")
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/").await?;
        find(&c, "a[href=\"/compte/connexion\"]")
            .await
            .context("logged out: the header offers to log in")?;
        goto(&c, "/compte").await?;
        wait_for_path(&c, "/compte/connexion").await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn password_reset() -> Result<()> {
    with_browser("comptes_reinitialisation", |c| async move {
        goto(&c, "/compte/inscription").await?;
        fill(
            &c,
            &[
                ("nom", "Karim Benali"),
                ("email", "karim@asso.example"),
                ("mot_de_passe", PASSWORD),
            ],
        )
        .await?;
        wait_for_path(&c, "/compte/inscription/merci").await?;

        goto(&c, "/compte/mot-de-passe-oublie").await?;
        axe_check(&c).await.context("forgotten password page")?;
        fill(&c, &[("email", "karim@asso.example")]).await?;
        wait_for_text(&c, "Si un compte existe").await?;
        let link = harness()
            .server
            .wait_for_email_link("karim@asso.example", "/compte/reinitialisation/")?;
        goto(&c, &link).await?;
        axe_check(&c).await.context("new password page")?;
        fill(
            &c,
            &[("mot_de_passe", "un jardin partagé au bord du canal")],
        )
        .await?;
        wait_for_text(&c, "Votre mot de passe est changé").await?;

        goto(&c, "/compte/connexion").await?;
        fill(
            &c,
            &[
                ("email", "karim@asso.example"),
                ("mot_de_passe", "un jardin partagé au bord du canal"),
            ],
        )
        .await?;
        wait_for_path(&c, "/compte").await?;
        goto(&c, "/compte/email").await?;
        axe_check(&c).await.context("change of e-mail page")?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn admin_pages_account_extras_and_privacy_are_accessible() -> Result<()> {
    with_browser("comptes_admin", |c| async move {
        // First setup as a data steward does it: the CLI creates the admin and prints a link.
        admin_logged_in(
            &c,
            "admin@asso.example",
            "Admin Démo",
            "le tableau de bord des alliances",
        )
        .await?;
        // The account page with its token form, then a token created.
        axe_check(&c).await.context("account page with tokens")?;
        find(&c, "#champ-jeton-nom")
            .await?
            .send_keys("export du réseau")
            .await?;
        find(
            &c,
            "section[aria-labelledby=\"titre-jetons\"] form.formulaire button[type=\"submit\"]",
        )
        .await?
        .click()
        .await?;
        wait_for_text(&c, "Copiez ce jeton maintenant").await?;
        axe_check(&c).await.context("new token page")?;
        for page in [
            "/admin",
            "/admin/journal",
            "/admin/catalyseurs",
            "/admin/courriels",
            "/admin/imports",
            "/admin/moderation",
            "/compte/suppression",
            "/confidentialite",
        ] {
            goto(&c, page).await?;
            axe_check(&c)
                .await
                .with_context(|| format!("page {page}"))?;
        }
        goto(&c, "/admin/journal").await?;
        wait_for_text(&c, "jeton.creation").await?;
        Ok(())
    })
    .await
}
