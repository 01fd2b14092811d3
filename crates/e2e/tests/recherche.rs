//! The global search in a real browser: the home page's search box leads to `/recherche` with
//! results, a profile entry point leads to its tools; axe-core on the results page (with results,
//! with none, with filters and an error) and on the home and profile pages.

use alliances_e2e::{
    axe_check, find, find_all, goto, main_text, squash, wait_for_path, with_browser,
};
use anyhow::{ensure, Context, Result};

async fn accessible(c: &fantoccini::Client, path: &str) -> Result<()> {
    goto(c, path).await?;
    let h1 = find_all(c, "h1").await?;
    ensure!(
        h1.len() == 1,
        "{path}: expected one <h1>, found {}",
        h1.len()
    );
    axe_check(c).await.with_context(|| format!("page {path}"))
}

#[tokio::test]
async fn recherche_globale_depuis_l_accueil() -> Result<()> {
    with_browser("recherche_globale", |c| async move {
        goto(&c, "/").await?;
        find(&c, "#recherche-globale")
            .await?
            .send_keys("saint etienne")
            .await?;
        find(&c, "#recherche-globale")
            .await?
            .send_keys(&alliances_e2e::Key::Enter)
            .await?;
        wait_for_path(&c, "/recherche").await?;
        let texte = main_text(&c).await?;
        ensure!(
            texte.contains("Saint-Étienne"),
            "no Saint-Étienne in: {texte}"
        );
        let marques = find_all(&c, ".resultats-globaux mark").await?;
        ensure!(!marques.is_empty(), "the words found are not marked");
        axe_check(&c).await.context("results page")?;
        // A facet checkbox then the submit button: filtered on territories.
        find(&c, "#f-type-territoire").await?.click().await?;
        find(&c, "form.annuaire-filtres button[type=submit]")
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/recherche").await?;
        let url = c.current_url().await?;
        ensure!(
            url.query().unwrap_or("").contains("type=territoire"),
            "filter not in the URL: {url}"
        );
        let types = find_all(&c, ".resultats-globaux .etiquette-type").await?;
        ensure!(!types.is_empty(), "no result after filtering");
        for t in types {
            let t = squash(&t.text().await?);
            ensure!(t == "Territoire", "a result of another type: {t}");
        }
        Ok(())
    })
    .await
}

#[tokio::test]
async fn pages_de_recherche_accessibles() -> Result<()> {
    with_browser("recherche_accessibles", |c| async move {
        for path in [
            "/recherche",
            "/recherche?q=saint+etienne",
            "/recherche?q=zzqxwvbn",
            "/recherche?q=saint+etienne&type=territoire&territoire=departement%3A42&page=2",
            "/recherche?odd=18",
        ] {
            accessible(&c, path).await?;
        }
        let texte = {
            goto(&c, "/recherche?q=zzqxwvbn").await?;
            main_text(&c).await?
        };
        ensure!(texte.contains("Aucun résultat"), "{texte}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn accueil_et_pages_par_profil() -> Result<()> {
    with_browser("profils", |c| async move {
        accessible(&c, "/").await?;
        for profil in [
            "association",
            "entreprise",
            "collectivite",
            "accompagnement",
            "citoyen",
        ] {
            accessible(&c, &format!("/je-suis/{profil}")).await?;
        }
        // From the home page to a profile, then to one of its tools.
        goto(&c, "/").await?;
        find(&c, "a[href=\"/je-suis/association\"]")
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/je-suis/association").await?;
        find(&c, ".cartes-outils a[href=\"/ingenieries/aide\"]")
            .await?
            .click()
            .await?;
        wait_for_path(&c, "/ingenieries/aide").await?;
        Ok(())
    })
    .await
}
