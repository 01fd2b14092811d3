//! Browser tests: headless Chromium against a real `alliances serve`, with axe-core checks.
//!
//! Run: `cargo build -p alliances-cli && (cd crates/e2e && npm ci) &&
//! cargo test -p alliances-e2e -- --test-threads=1`.

use alliances_e2e::{
    axe_check, find, find_all, fold, goto, html_lang, http_get, squash, wait_for, wait_for_path,
    wait_until, with_browser, Client, Key, Locator, WAIT,
};
use anyhow::{ensure, Context, Result};

const SAINT_ETIENNE: &str = "/territoires/commune/42218";

/// Every landmark a page of the site must have (element or equivalent ARIA role).
const LANDMARKS: [(&str, &str); 4] = [
    ("header", "header, [role=\"banner\"]"),
    ("nav", "nav, [role=\"navigation\"]"),
    ("main", "main, [role=\"main\"]"),
    ("footer", "footer, [role=\"contentinfo\"]"),
];

/// Text of the element matching `css`, whitespace squashed.
async fn text_of(client: &Client, css: &str) -> Result<String> {
    Ok(squash(&find(client, css).await?.text().await?))
}

/// Navigates to `path`, checks it is a French page with an `<h1>`, and that axe finds nothing.
async fn page_is_accessible(client: &Client, path: &str) -> Result<()> {
    goto(client, path).await?;
    ensure!(
        html_lang(client).await?.as_deref() == Some("fr"),
        "{path}: <html lang> should be \"fr\""
    );
    let h1 = find_all(client, "h1").await?;
    ensure!(!h1.is_empty(), "{path}: the page has no <h1>");
    axe_check(client)
        .await
        .with_context(|| format!("page {path}"))
}

#[tokio::test]
async fn home_page_structure_and_accessibility() -> Result<()> {
    with_browser("home_page", |c| async move {
        goto(&c, "/").await?;
        ensure!(
            html_lang(&c).await?.as_deref() == Some("fr"),
            "<html lang> should be \"fr\""
        );
        let title = c.title().await?;
        ensure!(!title.trim().is_empty(), "the page has no <title>");
        let h1 = find_all(&c, "h1").await?;
        ensure!(
            h1.len() == 1,
            "expected exactly one <h1>, found {}",
            h1.len()
        );
        ensure!(
            !squash(&h1[0].text().await?).is_empty(),
            "the <h1> is empty"
        );
        let skip = find(&c, "a[href=\"#contenu\"]")
            .await
            .context("skip link")?;
        ensure!(
            !squash(&skip.html(true).await?).is_empty(),
            "the skip link has no content"
        );
        find(&c, "#contenu")
            .await
            .context("the skip link's target #contenu")?;
        for (name, css) in LANDMARKS {
            find(&c, css)
                .await
                .with_context(|| format!("landmark {name}"))?;
        }
        axe_check(&c).await
    })
    .await
}

#[tokio::test]
async fn english_home_page() -> Result<()> {
    with_browser("english_home_page", |c| async move {
        goto(&c, "/?lang=en").await?;
        ensure!(
            html_lang(&c).await?.as_deref() == Some("en"),
            "/?lang=en: <html lang> should be \"en\", got {:?}",
            html_lang(&c).await?
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn search_form_submits_to_results_page() -> Result<()> {
    with_browser("search_form", |c| async move {
        goto(&c, "/").await?;
        // The territory search (the home page also has the global search, to /recherche).
        let form = find(&c, "form[role=\"search\"][action$=\"/territoires\"]").await?;
        // A plain GET form to /territoires: it works without JavaScript.
        let method = form.attr("method").await?.unwrap_or_default();
        ensure!(
            method.is_empty() || method.eq_ignore_ascii_case("get"),
            "the search form's method should be GET, got {method:?}"
        );
        let action = form.attr("action").await?.unwrap_or_default();
        ensure!(
            action
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .ends_with("/territoires"),
            "the search form's action should be /territoires, got {action:?}"
        );
        let input = form
            .find(Locator::Css("#recherche-territoire"))
            .await
            .context("#recherche-territoire inside form[role=search]")?;
        ensure!(
            input.attr("name").await?.as_deref() == Some("q"),
            "#recherche-territoire should be named q"
        );
        input.send_keys("saint etienne").await?;
        let submit = form
            .find(Locator::Css("button[type=\"submit\"]"))
            .await
            .context("button[type=submit] inside form[role=search]")?;
        // The suggestion list may cover the button: then submit with Enter, as a person would.
        if let Err(e) = submit.click().await {
            eprintln!("clicking the submit button failed ({e}); pressing Enter instead");
            input.send_keys(&Key::Enter).await?;
        }
        let url = wait_for_path(&c, "/territoires").await?;
        let q: Vec<String> = url
            .query_pairs()
            .filter(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
            .collect();
        ensure!(
            q == ["saint etienne"],
            "expected q=saint+etienne in {url}, got {q:?}"
        );
        let link = wait_for(&c, &format!("a[href$=\"{SAINT_ETIENNE}\"]"))
            .await
            .context("a link to Saint-Étienne in the results")?;
        let text = squash(&link.text().await?);
        ensure!(
            text.contains("Saint-Étienne"),
            "the result link should read Saint-Étienne, got {text:?}"
        );
        axe_check(&c).await.context("results page")
    })
    .await
}

#[tokio::test]
async fn autocomplete_suggests_and_navigates() -> Result<()> {
    with_browser("autocomplete", |c| async move {
        goto(&c, "/").await?;
        let input = find(&c, "#recherche-territoire").await?;
        input.click().await?;
        input.send_keys("saint etien").await?;
        let options = wait_until(WAIT, "options in #recherche-territoire-liste", || async {
            let Ok(list) = c.find(Locator::Css("#recherche-territoire-liste")).await else {
                return Ok(None);
            };
            if !list.is_displayed().await? {
                return Ok(None);
            }
            let options = list.find_all(Locator::Css("[role=\"option\"]")).await?;
            Ok((!options.is_empty()).then_some(options))
        })
        .await?;
        let list = find(&c, "#recherche-territoire-liste").await?;
        ensure!(
            list.attr("role").await?.as_deref() == Some("listbox"),
            "#recherche-territoire-liste should have role=listbox"
        );
        let first = squash(&options[0].text().await?);
        ensure!(
            first.contains("Saint-Étienne"),
            "the first suggestion should be Saint-Étienne, got {first:?}"
        );
        input.send_keys(&Key::Down).await?;
        input.send_keys(&Key::Enter).await?;
        wait_for_path(&c, SAINT_ETIENNE).await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn commune_page() -> Result<()> {
    with_browser("commune_page", |c| async move {
        goto(&c, SAINT_ETIENNE).await?;
        let h1 = text_of(&c, "h1").await?;
        ensure!(
            h1.contains("Saint-Étienne"),
            "h1 should contain Saint-Étienne, got {h1:?}"
        );
        let crumbs = find(&c, "nav[aria-label=\"Fil d'Ariane\"]")
            .await
            .context("breadcrumb")?;
        for (what, href) in [
            ("région Auvergne-Rhône-Alpes", "/territoires/region/84"),
            ("département Loire", "/territoires/departement/42"),
        ] {
            crumbs
                .find(Locator::Css(&format!("a[href$=\"{href}\"]")))
                .await
                .with_context(|| format!("breadcrumb link to the {what} ({href})"))?;
        }
        let epci = find(&c, "a[href$=\"/territoires/epci/244200770\"]")
            .await
            .context("link to the EPCI Saint-Étienne Métropole")?;
        let epci_text = fold(&epci.text().await?);
        ensure!(
            epci_text.contains("saint-etienne metropole"),
            "the EPCI link should read Saint-Étienne Métropole, got {epci_text:?}"
        );
        find(&c, "svg.carte").await.context("the map")?;
        find(&c, "svg.carte [data-code=\"42\"].surligne")
            .await
            .context("the Loire (42) highlighted on the map")?;
        axe_check(&c).await
    })
    .await
}

#[tokio::test]
async fn region_page_is_accessible() -> Result<()> {
    with_browser("region_page", |c| async move {
        page_is_accessible(&c, "/territoires/region/84").await
    })
    .await
}

#[tokio::test]
async fn departement_page_is_accessible() -> Result<()> {
    with_browser("departement_page", |c| async move {
        page_is_accessible(&c, "/territoires/departement/42").await
    })
    .await
}

#[tokio::test]
async fn epci_page_is_accessible() -> Result<()> {
    with_browser("epci_page", |c| async move {
        page_is_accessible(&c, "/territoires/epci/244200770").await
    })
    .await
}

#[tokio::test]
async fn overseas_departement_page_is_accessible() -> Result<()> {
    with_browser("overseas_page", |c| async move {
        page_is_accessible(&c, "/territoires/departement/974").await
    })
    .await
}

#[tokio::test]
async fn api_documentation_is_accessible() -> Result<()> {
    with_browser("api_page", |c| async move {
        page_is_accessible(&c, "/api").await
    })
    .await
}

#[tokio::test]
async fn not_found_page() -> Result<()> {
    const MISSING: &str = "/territoires/commune/99999";
    let response = http_get(&alliances_e2e::harness().url(MISSING))?;
    ensure!(
        response.status == 404,
        "GET {MISSING} should answer 404, got {}",
        response.status
    );
    ensure!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "the 404 page should be HTML, got {:?}",
        response.header("content-type")
    );
    with_browser("not_found_page", |c| async move {
        page_is_accessible(&c, MISSING).await?;
        find(&c, "main, [role=\"main\"]")
            .await
            .context("the 404 page should use the site layout (main landmark)")?;
        Ok(())
    })
    .await
}
