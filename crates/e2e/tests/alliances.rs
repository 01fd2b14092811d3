//! The alliances in a real browser: an alliance created through the form (errors summarised
//! and focused), its page, a value declared then validated on the indicators page, a member
//! invited by picking its name in the suggestions and accepted by its owner — axe-core on the
//! list, the creation form (with and without errors), the alliance page and each sub-page.

use alliances_e2e::{
    admin_logged_in, axe_check, fill, find, goto, main_text, wait_for, wait_for_path,
    wait_for_text, wait_until, with_browser,
};
use anyhow::{ensure, Context, Result};

const PASSWORD: &str = "les alliances du bien commun";
/// The annuaire's index follows the change feed (polled every second or so).
const WAIT_SUGGESTION: std::time::Duration = std::time::Duration::from_secs(15);

/// The last ended quarter (`2026-T3`) on day `z` since 1970-01-01 (civil-from-days).
fn trimestre_passe(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let t = (m - 1) / 3 + 1;
    if t == 1 {
        format!("{}-T4", y - 1)
    } else {
        format!("{y}-T{}", t - 1)
    }
}

async fn set_dates(c: &fantoccini::Client, dates: &[(&str, &str)]) -> Result<()> {
    for (nom, valeur) in dates {
        c.execute(
            "document.getElementById('champ-' + arguments[0]).value = arguments[1];",
            vec![(*nom).into(), (*valeur).into()],
        )
        .await?;
    }
    Ok(())
}

/// Creates an association in Saint-Étienne through the form and waits for its page.
async fn organisation(c: &fantoccini::Client, nom: &str) -> Result<()> {
    goto(c, "/organisations/nouvelle").await?;
    find(c, "#champ-profil")
        .await?
        .send_keys("Association")
        .await?;
    fill(c, &[("nom", nom), ("codeCommune", "42218")]).await?;
    wait_for_text(c, nom).await
}

async fn path(c: &fantoccini::Client) -> Result<String> {
    Ok(c.current_url().await?.path().to_string())
}

#[tokio::test]
async fn create_an_alliance_report_and_validate_a_value() -> Result<()> {
    with_browser("alliances", |c| async move {
        admin_logged_in(&c, "alliances-admin@asso.example", "Camille", PASSWORD).await?;
        // The backbone organisation first.
        organisation(&c, "Maison des solidarités").await?;

        goto(&c, "/alliances").await?;
        axe_check(&c).await.context("list")?;
        goto(&c, "/alliances/nouvelle").await?;
        axe_check(&c).await.context("creation form")?;
        // Errors: no territory, an end before the start (date inputs set by script: typing in
        // them depends on the browser's locale).
        set_dates(
            &c,
            &[("dateDebut", "2026-06-01"), ("dateFin", "2026-01-01")],
        )
        .await?;
        fill(
            &c,
            &[
                ("nom", "Alliance pour l'emploi des jeunes"),
                ("resume", "Ramener vers l'emploi les jeunes du quartier."),
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
        let text = main_text(&c).await?;
        ensure!(text.contains("précède"), "{text}");
        axe_check(&c).await.context("creation form with errors")?;
        set_dates(&c, &[("dateDebut", ""), ("dateFin", "")]).await?;
        fill(&c, &[("territoires", "commune:42218")]).await?;
        wait_for(&c, ".sante-conditions").await?;
        let alliance = path(&c).await?;
        ensure!(alliance.starts_with("/alliances/"), "{alliance}");
        let text = main_text(&c).await?;
        ensure!(
            text.contains("Alliance pour l'emploi des jeunes") && text.contains("Agenda commun"),
            "{text}"
        );
        axe_check(&c).await.context("alliance page")?;

        // An indicator, then a value declared for the last ended quarter, then validated.
        goto(&c, &format!("{alliance}/indicateurs/nouveau")).await?;
        axe_check(&c).await.context("indicator form")?;
        set_dates(
            &c,
            &[("dateBase", "2025-01-01"), ("dateCible", "2027-12-31")],
        )
        .await?;
        fill(
            &c,
            &[
                ("nom", "Jeunes accompagnés"),
                (
                    "definition",
                    "Jeunes de 16 à 25 ans suivis au moins une fois",
                ),
                ("unite", "personnes"),
                ("valeurBase", "10"),
                ("valeurCible", "50"),
            ],
        )
        .await?;
        wait_for(&c, ".indicateur").await?;
        find(&c, ".indicateur a[href$=\"/valeur\"]")
            .await?
            .click()
            .await?;
        wait_for(&c, "#champ-periode").await?;
        axe_check(&c).await.context("value form")?;
        let passee = trimestre_passe(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs() as i64
                / 86_400,
        );
        fill(&c, &[("periode", &passee), ("valeur", "24")]).await?;
        wait_for(&c, "button[value=valider]").await?;
        axe_check(&c).await.context("indicators page")?;
        find(&c, "button[value=valider]").await?.click().await?;
        wait_for(&c, ".etat-valeur-validee").await?;
        ensure!(find(&c, ".indicateur svg").await.is_ok(), "a chart");
        let text = main_text(&c).await?;
        ensure!(
            text.contains("validée") && text.contains("24 personnes"),
            "{text}"
        );
        axe_check(&c)
            .await
            .context("indicators page after validation")?;

        // Inviting a member: a second organisation (its owner is the same person here), picked
        // by name in the suggestions, proposed as operator, then accepted by its owner.
        organisation(&c, "Régie de quartier du Soleil").await?;
        goto(&c, &format!("{alliance}/membres")).await?;
        axe_check(&c).await.context("members page")?;
        // The search index follows the change feed: retype until the suggestion shows.
        wait_until(WAIT_SUGGESTION, "the organisation's suggestion", || async {
            let champ = find(&c, "#champ-organisation").await?;
            champ.clear().await?;
            champ.send_keys("Régie de quart").await?;
            tokio::time::sleep(std::time::Duration::from_millis(600)).await;
            Ok(
                c.find(fantoccini::Locator::Css("#champ-organisation-liste li"))
                    .await
                    .ok(),
            )
        })
        .await?;
        axe_check(&c)
            .await
            .context("members page with suggestions")?;
        find(&c, "#champ-organisation-liste li")
            .await?
            .click()
            .await?;
        let choisie = find(&c, "#champ-organisation")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        ensure!(
            choisie.starts_with("Régie de quartier du Soleil (#"),
            "{choisie}"
        );
        find(&c, "#champ-role")
            .await?
            .send_keys("Opérateur")
            .await?;
        find(&c, "form.formulaire button[type=\"submit\"]")
            .await?
            .click()
            .await?;
        wait_for(&c, "button[name=reponse][value=accepter]").await?;
        axe_check(&c)
            .await
            .context("members page with a proposal")?;
        find(&c, "button[name=reponse][value=accepter]")
            .await?
            .click()
            .await?;
        // The answer leads back to the alliance's page; the members' table lists it.
        wait_for_path(&c, &alliance).await?;
        goto(&c, &format!("{alliance}/membres")).await?;
        let actifs = find(&c, "#champ-membre").await?.text().await?;
        ensure!(actifs.contains("Régie de quartier du Soleil"), "{actifs}");

        for sous in [
            "evaluation",
            "membres",
            "actions",
            "journal",
            "agenda",
            "modifier",
            "actions/nouvelle",
            "journal/nouvelle",
        ] {
            goto(&c, &format!("{alliance}/{sous}")).await?;
            wait_for(&c, "h1").await?;
            axe_check(&c)
                .await
                .with_context(|| format!("sub-page {sous}"))?;
        }

        // An experimentation file: the draft form (with an error, then right), the file page,
        // a step of the workflow, the public register.
        goto(&c, &format!("{alliance}/experimentations/nouvelle")).await?;
        axe_check(&c).await.context("experimentation form")?;
        fill(&c, &[("titre", "Guichet commun pour les jeunes")]).await?;
        wait_for(&c, "#resume-erreurs").await?;
        axe_check(&c)
            .await
            .context("experimentation form with errors")?;
        find(&c, "#champ-criteres input[type=checkbox]")
            .await?
            .click()
            .await?;
        fill(
            &c,
            &[
                (
                    "hypothese",
                    "Un guichet commun divise par deux le délai d'accompagnement.",
                ),
                (
                    "regles",
                    "Partager les dossiers entre structures sans convention nationale.",
                ),
                ("territoires", "commune:42218"),
                ("dureeMois", "18"),
                (
                    "protocole",
                    "Comparaison trimestrielle avec un territoire témoin.",
                ),
            ],
        )
        .await?;
        wait_for(&c, "#champ-vers").await?;
        ensure!(
            path(&c).await?.starts_with("/experimentations/"),
            "the file's page"
        );
        axe_check(&c)
            .await
            .context("experimentation file (draft)")?;
        find(&c, "form[action$=\"/etape\"] button")
            .await?
            .click()
            .await?;
        wait_for_text(&c, "Déposé").await?;
        axe_check(&c)
            .await
            .context("experimentation file (submitted)")?;
        goto(&c, "/experimentations").await?;
        wait_for_text(&c, "Guichet commun pour les jeunes").await?;
        axe_check(&c).await.context("experimentation register")?;
        Ok(())
    })
    .await
}
