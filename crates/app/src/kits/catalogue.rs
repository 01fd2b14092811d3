//! The kits the platform serves: every version of every definition, checked as a whole.
//!
//! Built from the files embedded in the binary (`kits/`, see `build.rs`) or read from a folder
//! (`kits_dir`). Loading is all or nothing: one broken file and no catalogue is built (the
//! server refuses to start rather than serve half a kit).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use alliances_domain::kits::{definition::verifier_emplacement, lire, Kit};

include!(concat!(env!("OUT_DIR"), "/kits_embarques.rs"));

/// Every loaded kit version, by id then version.
#[derive(Debug, Default)]
pub struct Catalogue {
    kits: BTreeMap<String, BTreeMap<u32, Arc<Kit>>>,
}

/// The errors of one file: `path:line: reason` lines.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct ErreursCatalogue(pub Vec<String>);

/// Checks one definition given its path relative to the kits folder (`<id>/v<n>.toml`);
/// returns the kit or its errors as `path:line: reason`.
pub fn verifier(relatif: &str, texte: &str) -> Result<Kit, Vec<String>> {
    let ligne = |l: usize| {
        if l == 0 {
            relatif.to_string()
        } else {
            format!("{relatif}:{l}")
        }
    };
    let kit = lire(texte).map_err(|errs| {
        errs.iter()
            .map(|e| format!("{}: {}", ligne(e.ligne), e.message))
            .collect::<Vec<_>>()
    })?;
    let chemin = Path::new(relatif);
    let dossier = chemin
        .parent()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fichier = chemin
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let errs = verifier_emplacement(&kit, &dossier, &fichier);
    if errs.is_empty() {
        Ok(kit)
    } else {
        Err(errs
            .iter()
            .map(|e| format!("{}: {}", ligne(e.ligne), e.message))
            .collect())
    }
}

impl Catalogue {
    /// From `(relative path, text)` pairs; every error of every file is reported.
    pub fn depuis<'a>(
        fichiers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalogue, ErreursCatalogue> {
        let mut cat = Catalogue::default();
        let mut erreurs = Vec::new();
        for (relatif, texte) in fichiers {
            match verifier(relatif, texte) {
                Ok(kit) => {
                    let versions = cat.kits.entry(kit.id.clone()).or_default();
                    versions.insert(kit.version, Arc::new(kit));
                }
                Err(e) => erreurs.extend(e),
            }
        }
        // A public never changes between versions: results of both are compared.
        for versions in cat.kits.values() {
            let premier = versions.values().next().map(|k| k.public);
            if let Some(k) = versions.values().find(|k| Some(k.public) != premier) {
                erreurs.push(format!(
                    "{}/v{}.toml: le public a changé entre deux versions du kit",
                    k.id, k.version
                ));
            }
        }
        if erreurs.is_empty() {
            Ok(cat)
        } else {
            Err(ErreursCatalogue(erreurs))
        }
    }

    /// The kits built into the binary.
    pub fn embarques() -> Result<Catalogue, ErreursCatalogue> {
        Self::depuis(KITS_EMBARQUES.iter().copied())
    }

    /// Every `<id>/v<n>.toml` of a folder.
    pub fn depuis_dossier(dossier: &Path) -> Result<Catalogue, ErreursCatalogue> {
        let fichiers = fichiers_du_dossier(dossier).map_err(|e| ErreursCatalogue(vec![e]))?;
        Self::depuis(fichiers.iter().map(|(r, t)| (r.as_str(), t.as_str())))
    }

    /// The latest version of each kit, in id order.
    pub fn derniers(&self) -> impl Iterator<Item = &Arc<Kit>> {
        self.kits.values().filter_map(|v| v.values().next_back())
    }

    pub fn dernier(&self, id: &str) -> Option<&Arc<Kit>> {
        self.kits.get(id).and_then(|v| v.values().next_back())
    }

    pub fn version(&self, id: &str, version: u32) -> Option<&Arc<Kit>> {
        self.kits.get(id).and_then(|v| v.get(&version))
    }

    /// Every version of a kit, oldest first.
    pub fn versions(&self, id: &str) -> Vec<u32> {
        self.kits
            .get(id)
            .map(|v| v.keys().copied().collect())
            .unwrap_or_default()
    }
}

/// The kit files built into the binary: `(relative path, text)`.
pub fn fichiers_embarques() -> &'static [(&'static str, &'static str)] {
    KITS_EMBARQUES
}

/// Reads the `.toml` files of a folder of kits (`<id>/v<n>.toml`), or of a single file, as
/// `(relative path, text)`.
pub fn fichiers_du_dossier(chemin: &Path) -> Result<Vec<(String, String)>, String> {
    let lire = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    if chemin.is_file() {
        let relatif = match (
            chemin.parent().and_then(|p| p.file_name()),
            chemin.file_name(),
        ) {
            (Some(d), Some(f)) => format!("{}/{}", d.to_string_lossy(), f.to_string_lossy()),
            _ => chemin.display().to_string(),
        };
        return Ok(vec![(relatif, lire(chemin)?)]);
    }
    let mut out = Vec::new();
    let dossiers = std::fs::read_dir(chemin).map_err(|e| format!("{}: {e}", chemin.display()))?;
    for d in dossiers.flatten().filter(|d| d.path().is_dir()) {
        let entrees =
            std::fs::read_dir(d.path()).map_err(|e| format!("{}: {e}", d.path().display()))?;
        for f in entrees.flatten() {
            if f.path().extension().is_some_and(|e| e == "toml") {
                let relatif = format!(
                    "{}/{}",
                    d.file_name().to_string_lossy(),
                    f.file_name().to_string_lossy()
                );
                out.push((relatif, lire(&f.path())?));
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(format!(
            "{}: aucun kit (fichiers attendus: <id>/v<version>.toml)",
            chemin.display()
        ));
    }
    Ok(out)
}
