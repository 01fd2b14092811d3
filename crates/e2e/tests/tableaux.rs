//! Territory dashboards in a real browser with axe-core: a région, a département, an EPCI and a
//! commune page, each with its dashboard (tables, the SDG heatmap, comparable territories).

use alliances_e2e::{axe_check, goto, main_text, wait_for, with_browser};
use anyhow::{ensure, Context, Result};

#[tokio::test]
async fn the_territory_dashboards_are_accessible() -> Result<()> {
    with_browser("tableaux", |c| async move {
        for chemin in [
            "/territoires/region/84",
            "/territoires/departement/42",
            "/territoires/epci/244200770",
            "/territoires/commune/42218",
        ] {
            goto(&c, chemin).await?;
            wait_for(&c, "#titre-tableau").await?;
            wait_for(&c, "table.carte-chaleur").await?;
            let text = main_text(&c).await?;
            ensure!(
                text.contains("Tableau de bord du territoire")
                    && text.contains("Territoires comparables")
                    && text.contains("Couverture des ODD"),
                "{chemin}: {text}"
            );
            axe_check(&c).await.context(chemin)?;
        }
        Ok(())
    })
    .await
}
