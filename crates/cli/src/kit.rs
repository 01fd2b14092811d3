//! `alliances kit check FILE|DIR`: checks kit definitions (kits/README.md) and reports every
//! error with its file, line and reason. Exit code 1 when any file is broken.

use std::path::PathBuf;

use alliances_app::kits::catalogue::{fichiers_du_dossier, verifier, Catalogue};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum KitCommand {
    /// Checks one kit file (`kits/<id>/v<n>.toml`) or a folder of kits: format, unknown
    /// references, unreachable questions, duplicate ids, score ranges, levels covering 0–100,
    /// a recommendation for every dimension and level.
    Check {
        /// A kit file or the kits/ folder.
        path: PathBuf,
        /// Prints `{"ok": bool, "kits": [...], "erreurs": [...]}` on stdout.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: KitCommand) -> anyhow::Result<()> {
    let KitCommand::Check { path, json } = command;
    let fichiers = fichiers_du_dossier(&path).map_err(|e| anyhow::anyhow!(e))?;
    let mut erreurs = Vec::new();
    let mut kits = Vec::new();
    for (relatif, texte) in &fichiers {
        let affiche = if path.is_file() {
            path.display().to_string()
        } else {
            path.join(relatif).display().to_string()
        };
        match verifier(relatif, texte) {
            Ok(k) => kits.push(serde_json::json!({
                "fichier": affiche, "id": k.id, "version": k.version, "questions": k.questions.len(),
                "questionsNotees": k.questions_notees(), "dimensions": k.dimensions.len(),
                "recommandations": k.recommandations.len(),
            })),
            Err(e) => erreurs.extend(e.into_iter().map(|m| {
                // `relative:line: reason` → `shown path:line: reason`
                m.strip_prefix(relatif.as_str()).map(|rest| format!("{affiche}{rest}")).unwrap_or(m)
            })),
        }
    }
    // Rules across versions (the whole folder loads as one catalogue).
    if erreurs.is_empty() && !path.is_file() {
        if let Err(e) = Catalogue::depuis(fichiers.iter().map(|(r, t)| (r.as_str(), t.as_str()))) {
            erreurs.extend(e.0);
        }
    }
    if json {
        println!(
            "{}",
            serde_json::json!({"ok": erreurs.is_empty(), "kits": kits, "erreurs": erreurs})
        );
    } else {
        for k in &kits {
            println!(
                "ok  {} ({} v{}): {} questions ({} notées), {} dimensions, {} recommandations",
                k["fichier"].as_str().unwrap_or(""),
                k["id"].as_str().unwrap_or(""),
                k["version"],
                k["questions"],
                k["questionsNotees"],
                k["dimensions"],
                k["recommandations"]
            );
        }
        for e in &erreurs {
            eprintln!("{e}");
        }
    }
    if erreurs.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} erreur(s) dans les kits", erreurs.len())
    }
}
