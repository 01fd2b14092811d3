//! The territorial referential: reading a release of `@etalab/decoupage-administratif` (the
//! `data/` folder of the npm package) and the compact copy shipped in `data/territoires/`.

use alliances_domain::territoires::compact::{self, CompactFiles};
use alliances_domain::territoires::*;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{file}, entrée n° {index}{code}: {message}")]
    Entry {
        file: &'static str,
        index: usize,
        code: String,
        message: String,
    },
    #[error(transparent)]
    Compact(#[from] compact::CompactError),
    #[error(transparent)]
    Referentiel(#[from] ReferentielError),
}

/// The compact copy shipped with the binary (built from `@etalab/decoupage-administratif` 6.0.0).
pub fn shipped_files() -> CompactFiles {
    CompactFiles {
        source: include_str!("../../../data/territoires/source.tsv").to_string(),
        regions: include_str!("../../../data/territoires/regions.tsv").to_string(),
        departements: include_str!("../../../data/territoires/departements.tsv").to_string(),
        epcis: include_str!("../../../data/territoires/epcis.tsv").to_string(),
        communes: include_str!("../../../data/territoires/communes.tsv").to_string(),
    }
}

/// The shipped referential as records.
pub fn shipped() -> Result<ReferentielData, GeoError> {
    Ok(compact::read(&shipped_files())?)
}

/// Writes the compact form into `dir` (creating it), as `geo import --write-data` does.
pub fn write_compact(data: &ReferentielData, dir: &Path) -> Result<(), GeoError> {
    let io = |path: &Path, e: std::io::Error| GeoError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for (name, text) in compact::write(data).entries() {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRegion {
    code: String,
    nom: String,
    zone: String,
    chef_lieu: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDepartement {
    code: String,
    nom: String,
    region: String,
    zone: String,
    chef_lieu: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEpci {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    type_epci: String,
    mode_financement: Option<String>,
    membres: Vec<RawMembre>,
}

#[derive(Deserialize)]
struct RawMembre {
    code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCommune {
    code: String,
    nom: String,
    #[serde(rename = "type")]
    type_commune: String,
    departement: String,
    region: String,
    zone: String,
    chef_lieu: Option<String>,
    commune: Option<String>,
    #[serde(default)]
    codes_postaux: Vec<String>,
    population: Option<u64>,
    siren: Option<String>,
}

/// Reads one JSON array file entry by entry, so an error names the entry and its code.
fn read_array<T: serde::de::DeserializeOwned>(
    dir: &Path,
    file: &'static str,
) -> Result<Vec<T>, GeoError> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| GeoError::File {
        path: path.clone(),
        message: match e.kind() {
            std::io::ErrorKind::NotFound => "fichier introuvable (le dossier doit être le data/ d'une version de @etalab/decoupage-administratif)".into(),
            std::io::ErrorKind::InvalidData => "ce fichier n'est pas du texte UTF-8".into(),
            _ => e.to_string(),
        },
    })?;
    let values: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| GeoError::File {
            path: path.clone(),
            message: format!("JSON invalide ou pas une liste : {e}"),
        })?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let code = v
                .get("code")
                .and_then(|c| c.as_str())
                .map(|c| format!(" (code {c})"))
                .unwrap_or_default();
            serde_json::from_value(v).map_err(|e| GeoError::Entry {
                file,
                index: i + 1,
                code,
                message: e.to_string(),
            })
        })
        .collect()
}

fn entry_err(file: &'static str, index: usize, code: &str, message: String) -> GeoError {
    GeoError::Entry {
        file,
        index,
        code: format!(" (code {code})"),
        message,
    }
}

fn zone(file: &'static str, index: usize, code: &str, z: &str) -> Result<Zone, GeoError> {
    Zone::from_code(z).ok_or_else(|| {
        entry_err(
            file,
            index,
            code,
            format!("champ zone : valeur inconnue « {z} »"),
        )
    })
}

/// The vintage of a release, from the `package.json` next to its `data/` folder: version major
/// N ≥ 1 is the geographic code of year 2020 + N (6.0.0 → 2026).
fn release_info(dir: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(dir.join("..").join("package.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let version = v.get("version")?.as_str()?.to_string();
    let major: u32 = version.split('.').next()?.parse().ok()?;
    (major >= 1).then(|| (version, (2020 + major).to_string()))
}

/// Reads and checks a release of `@etalab/decoupage-administratif` from its `data/` folder.
/// `millesime` overrides the vintage read from the package's `package.json`.
pub fn read_etalab(dir: &Path, millesime: Option<&str>) -> Result<ReferentielData, GeoError> {
    let release = release_info(dir);
    let millesime = match (millesime, &release) {
        (Some(m), _) => m.to_string(),
        (None, Some((_, m))) => m.clone(),
        (None, None) => {
            return Err(GeoError::File {
                path: dir.join("..").join("package.json"),
                message: "millésime introuvable : donnez-le avec --millesime (ex. 2026)".into(),
            })
        }
    };
    let version = release
        .map(|(v, _)| v)
        .unwrap_or_else(|| "version inconnue".into());

    let raw_regions: Vec<RawRegion> = read_array(dir, "regions.json")?;
    let raw_deps: Vec<RawDepartement> = read_array(dir, "departements.json")?;
    let raw_epcis: Vec<RawEpci> = read_array(dir, "epci.json")?;
    let raw_communes: Vec<RawCommune> = read_array(dir, "communes.json")?;

    let mut regions = Vec::with_capacity(raw_regions.len());
    for (i, r) in raw_regions.into_iter().enumerate() {
        let zone = zone("regions.json", i + 1, &r.code, &r.zone)?;
        regions.push(Region {
            code: r.code,
            nom: r.nom,
            zone,
            chef_lieu: r.chef_lieu,
        });
    }
    let mut departements = Vec::with_capacity(raw_deps.len());
    for (i, d) in raw_deps.into_iter().enumerate() {
        let zone = zone("departements.json", i + 1, &d.code, &d.zone)?;
        departements.push(Departement {
            code: d.code,
            nom: d.nom,
            code_region: d.region,
            zone,
            chef_lieu: d.chef_lieu,
        });
    }
    // communes.json has no EPCI field: membership comes only from epci.json.
    let mut epci_of: HashMap<String, String> = HashMap::new();
    let mut epcis = Vec::with_capacity(raw_epcis.len());
    for (i, e) in raw_epcis.into_iter().enumerate() {
        let type_epci = TypeEpci::from_code(&e.type_epci).ok_or_else(|| {
            entry_err(
                "epci.json",
                i + 1,
                &e.code,
                format!("champ type : valeur inconnue « {} »", e.type_epci),
            )
        })?;
        for m in &e.membres {
            if let Some(other) = epci_of.insert(m.code.clone(), e.code.clone()) {
                return Err(entry_err(
                    "epci.json",
                    i + 1,
                    &e.code,
                    format!("la commune {} est déjà membre de l'EPCI {other}", m.code),
                ));
            }
        }
        epcis.push(Epci {
            siren: e.code,
            nom: e.nom,
            type_epci,
            mode_financement: e.mode_financement,
        });
    }
    let mut communes = Vec::with_capacity(raw_communes.len());
    for (i, c) in raw_communes.into_iter().enumerate() {
        let type_commune = TypeCommune::from_slug(&c.type_commune).ok_or_else(|| {
            entry_err(
                "communes.json",
                i + 1,
                &c.code,
                format!("champ type : valeur inconnue « {} »", c.type_commune),
            )
        })?;
        let zone = zone("communes.json", i + 1, &c.code, &c.zone)?;
        let current = type_commune == TypeCommune::Actuelle;
        let code_parent = match type_commune {
            TypeCommune::Actuelle => None,
            TypeCommune::ArrondissementMunicipal => c.commune,
            TypeCommune::Deleguee | TypeCommune::Associee => c.chef_lieu,
        };
        let code_epci = if current {
            epci_of.remove(&c.code)
        } else {
            None
        };
        communes.push(Commune {
            code: c.code,
            type_commune,
            nom: c.nom,
            code_departement: c.departement,
            code_region: c.region,
            code_parent,
            code_epci,
            population: if current || type_commune == TypeCommune::ArrondissementMunicipal {
                c.population
            } else {
                None
            },
            siren: c.siren,
            codes_postaux: c.codes_postaux,
            zone,
        });
    }
    if let Some((commune, epci)) = epci_of.into_iter().min() {
        return Err(GeoError::Entry {
            file: "epci.json",
            index: 0,
            code: format!(" (code {epci})"),
            message: format!("membre {commune} absent des communes actuelles de communes.json"),
        });
    }
    let data = ReferentielData {
        source: SourceInfo {
            source: format!("@etalab/decoupage-administratif {version}"),
            licence: "Licence Ouverte 2.0 (données), MIT (code du paquet)".into(),
            millesime,
            populations: "population municipale des communes (communes.json) ; EPCI, départements et régions : somme de leurs communes actuelles".into(),
        },
        regions,
        departements,
        epcis,
        communes,
    };
    // Check consistency now, so that a broken release never reaches the database.
    Referentiel::build(data.clone())?;
    Ok(data)
}
