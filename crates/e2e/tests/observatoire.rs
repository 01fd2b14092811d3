//! The observatory's public page and the home page with its trend, in a real browser with
//! axe-core.

use alliances_e2e::{axe_check, goto, main_text, wait_for, with_browser};
use anyhow::{ensure, Context, Result};

#[tokio::test]
async fn the_observatory_page_is_accessible() -> Result<()> {
    with_browser("observatoire", |c| async move {
        goto(&c, "/observatoire").await?;
        wait_for(&c, "svg.barres").await?;
        let text = main_text(&c).await?;
        ensure!(text.contains("92 %") && text.contains("Maires"), "{text}");
        axe_check(&c).await.context("observatory")?;
        goto(&c, "/observatoire/regions/84").await?;
        wait_for(&c, "#titre-organisations").await?;
        axe_check(&c).await.context("a région's page")?;
        goto(&c, "/").await?;
        wait_for(&c, "#titre-tendance").await?;
        axe_check(&c).await.context("home page with the trend")?;
        Ok(())
    })
    .await
}
