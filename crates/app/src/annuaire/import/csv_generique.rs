//! Any CSV, described by a mapping file (TOML): separator, encoding, which column feeds which
//! field of the annuaire (the API's field names), constant values, translations of values,
//! the separator of multi-valued cells, the source and the licence. See README.md, « Importer
//! et exporter l'annuaire ».

use super::encodage::Encodage;
use super::{champ, epoch_registre, index_entete, Correspondance, ImportError, LigneSaisie};
use alliances_domain::annuaire::{ChampErreur, OrganisationSaisie};
use alliances_domain::territoires::Referentiel;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Fields a column or a constant can feed: `OrganisationSaisie`'s, plus `odd` (the first SDG is
/// the main one, the others secondary) and `dateMiseAJour` (when the source last checked the
/// record; else the time of the import).
pub const CHAMPS: &[&str] = &[
    "nom",
    "sigle",
    "profil",
    "sousType",
    "taille",
    "siren",
    "siret",
    "rna",
    "codeCommune",
    "national",
    "perimetre",
    "odd",
    "oddPrincipal",
    "oddSecondaires",
    "themes",
    "description",
    "siteWeb",
    "contactPublic",
    "contactsPrives",
    "partenariats",
    "catalyseur",
    "etat",
    "dateCreation",
    "dateFin",
    "dateMiseAJour",
];

/// The mapping file.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// One character; `,` when absent. `\t` or `tab` for tabulations.
    #[serde(default)]
    pub separateur: Option<String>,
    /// `auto` (default), `utf-8`, `windows-1252` / `latin-1`.
    #[serde(default)]
    pub encodage: Option<String>,
    /// Separator inside multi-valued cells (perimetre, odd, themes, partenariats); `|` by default.
    #[serde(default)]
    pub separateur_liste: Option<String>,
    /// Short name of the source recorded on every row (`csv` by default).
    #[serde(default)]
    pub source: Option<String>,
    /// Licence of the data (required: every record says under which terms it is reused).
    pub licence: Option<String>,
    /// field → column header.
    #[serde(default)]
    pub colonnes: BTreeMap<String, String>,
    /// field → constant, used when the field has no column or its cell is empty.
    #[serde(default)]
    pub defauts: BTreeMap<String, toml::Value>,
    /// field → (value in the file → value expected by the annuaire), e.g. `"Asso" = "association"`.
    #[serde(default)]
    pub correspondances: BTreeMap<String, BTreeMap<String, String>>,
}

impl Mapping {
    /// Reads and checks a mapping file's text; errors name the key.
    pub fn lire(texte: &str) -> Result<Mapping, ImportError> {
        let m: Mapping = toml::from_str(texte).map_err(|e| {
            ImportError::Correspondance(format!("fichier de correspondance illisible : {e}"))
        })?;
        m.verifier()?;
        Ok(m)
    }

    fn verifier(&self) -> Result<(), ImportError> {
        let err = |m: String| Err(ImportError::Correspondance(m));
        for (section, cles) in [
            ("colonnes", self.colonnes.keys().collect::<Vec<_>>()),
            ("defauts", self.defauts.keys().collect()),
            ("correspondances", self.correspondances.keys().collect()),
        ] {
            for k in cles {
                if !CHAMPS.contains(&k.as_str()) {
                    return err(format!(
                        "[{section}] : champ « {k} » inconnu ; champs possibles : {}",
                        CHAMPS.join(", ")
                    ));
                }
            }
        }
        for (k, v) in &self.defauts {
            if !matches!(
                v,
                toml::Value::String(_)
                    | toml::Value::Integer(_)
                    | toml::Value::Boolean(_)
                    | toml::Value::Array(_)
            ) {
                return err(format!(
                    "[defauts] {k} : attendu un texte, un nombre, un booléen ou une liste"
                ));
            }
        }
        if !self.colonnes.contains_key("nom") {
            return err("[colonnes] : la colonne du nom (nom = \"…\") est obligatoire".into());
        }
        if !self.colonnes.contains_key("profil") && !self.defauts.contains_key("profil") {
            return err(
                "le profil est obligatoire : une colonne ([colonnes] profil = \"…\") ou une constante ([defauts] profil = \"association\")"
                    .into(),
            );
        }
        if self.licence.as_deref().is_none_or(|l| l.trim().is_empty()) {
            return err("licence = \"…\" est obligatoire : sous quelle licence ces données sont-elles réutilisées ?".into());
        }
        self.sep()?;
        self.sep_liste()?;
        Encodage::depuis_nom(self.encodage.as_deref().unwrap_or("auto"))
            .map_err(ImportError::Correspondance)?;
        Ok(())
    }

    pub fn sep(&self) -> Result<u8, ImportError> {
        match self.separateur.as_deref().unwrap_or(",") {
            "\t" | "tab" | "\\t" => Ok(b'\t'),
            s if s.len() == 1 && s != "\"" && !s.as_bytes()[0].is_ascii_alphanumeric() => {
                Ok(s.as_bytes()[0])
            }
            s => Err(ImportError::Correspondance(format!(
                "separateur « {s} » : attendu un seul caractère ASCII (, ; | ou tab)"
            ))),
        }
    }

    fn sep_liste(&self) -> Result<char, ImportError> {
        let s = self.separateur_liste.as_deref().unwrap_or("|");
        let mut it = s.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(ImportError::Correspondance(format!(
                "separateur_liste « {s} » : attendu un seul caractère"
            ))),
        }
    }

    pub fn encodage(&self) -> Option<Encodage> {
        Encodage::depuis_nom(self.encodage.as_deref().unwrap_or("auto"))
            .ok()
            .flatten()
    }

    pub fn source(&self) -> String {
        self.source
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("csv")
            .to_string()
    }

    pub fn licence(&self) -> String {
        self.licence.as_deref().unwrap_or("").trim().to_string()
    }
}

/// A constant as text (lists joined with the list separator).
fn constante(v: &toml::Value, sep: char) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Array(a) => a
            .iter()
            .map(|x| constante(x, sep))
            .collect::<Vec<_>>()
            .join(&sep.to_string()),
        other => other.to_string(),
    }
}

pub(crate) struct CsvGenerique {
    nb: usize,
    /// (field, column index or None, constant)
    champs: Vec<(&'static str, Option<usize>, Option<String>)>,
    correspondances: HashMap<&'static str, HashMap<String, String>>,
    sep_liste: char,
    portes: Vec<&'static str>,
}

pub(crate) fn preparer(m: &Mapping, entete: &[String]) -> Result<CsvGenerique, ImportError> {
    let idx = index_entete(entete);
    let sep_liste = m.sep_liste()?;
    let mut manquantes = Vec::new();
    let mut champs = Vec::new();
    let mut portes = Vec::new();
    for &f in CHAMPS {
        let colonne = m.colonnes.get(f);
        let col = match colonne {
            Some(nom) => match idx.get(&nom.trim().to_ascii_lowercase()) {
                Some(&i) => Some(i),
                None => {
                    manquantes.push(format!("{nom} (pour {f})"));
                    None
                }
            },
            None => None,
        };
        let defaut = m.defauts.get(f).map(|v| constante(v, sep_liste));
        if col.is_some() || defaut.is_some() {
            champs.push((f, col, defaut));
            match f {
                "odd" => portes.extend(["oddPrincipal", "oddSecondaires"]),
                "dateMiseAJour" => {}
                _ => portes.push(f),
            }
        }
    }
    if !manquantes.is_empty() {
        return Err(ImportError::ColonnesManquantes {
            format: "csv".into(),
            colonnes: manquantes,
        });
    }
    let correspondances = m
        .correspondances
        .iter()
        .filter_map(|(k, v)| {
            let f = CHAMPS.iter().find(|c| **c == k.as_str())?;
            Some((
                *f,
                v.iter()
                    .map(|(a, b)| (a.trim().to_string(), b.clone()))
                    .collect(),
            ))
        })
        .collect();
    Ok(CsvGenerique {
        nb: entete.len(),
        champs,
        correspondances,
        sep_liste,
        portes,
    })
}

fn booleen(champ_nom: &'static str, v: &str, out: &mut LigneSaisie) -> bool {
    match v.trim().to_lowercase().as_str() {
        "oui" | "vrai" | "true" | "1" | "x" | "o" | "yes" => true,
        "non" | "faux" | "false" | "0" | "" | "n" | "no" => false,
        autre => {
            out.avertissements.push(ChampErreur::new(
                champ_nom,
                format!("« {autre} » : attendu oui ou non"),
            ));
            false
        }
    }
}

fn odd(champ_nom: &'static str, v: &str, out: &mut LigneSaisie) -> Option<u8> {
    let t = v
        .trim()
        .trim_start_matches("ODD")
        .trim_start_matches("odd")
        .trim();
    match t.parse::<u8>() {
        Ok(n) => Some(n),
        Err(_) => {
            out.avertissements.push(ChampErreur::new(
                champ_nom,
                format!(
                    "« {} » : attendu un numéro d'ODD de 1 à 17",
                    v.chars().take(20).collect::<String>()
                ),
            ));
            None
        }
    }
}

impl Correspondance for CsvGenerique {
    fn nb_colonnes(&self) -> usize {
        self.nb
    }

    fn champs_portes(&self) -> &[&'static str] {
        &self.portes
    }

    fn cle_obligatoire(&self) -> Option<&'static str> {
        None
    }

    fn lire(&self, c: &[String], _r: &Referentiel) -> LigneSaisie {
        let mut out = LigneSaisie::default();
        let mut s = OrganisationSaisie::default();
        for (f, col, defaut) in &self.champs {
            let Some(mut v) = champ(c, *col).or_else(|| defaut.clone()) else {
                continue;
            };
            if let Some(t) = self.correspondances.get(f) {
                if let Some(x) = t.get(v.trim()) {
                    v = x.clone();
                }
            }
            let liste = |v: &str| -> Vec<String> {
                v.split(self.sep_liste)
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            match *f {
                "nom" => s.nom = v,
                "sigle" => s.sigle = Some(v),
                "profil" => s.profil = v.trim().to_string(),
                "sousType" => s.sous_type = Some(v),
                "taille" => s.taille = Some(v),
                "siren" => s.siren = Some(v),
                "siret" => s.siret = Some(v),
                "rna" => s.rna = Some(v),
                "codeCommune" => s.code_commune = Some(v),
                "national" => s.national = booleen("national", &v, &mut out),
                "perimetre" => s.perimetre = liste(&v),
                "odd" => {
                    let mut n = liste(&v)
                        .iter()
                        .filter_map(|x| odd("odd", x, &mut out))
                        .collect::<Vec<_>>()
                        .into_iter();
                    s.odd_principal = n.next();
                    s.odd_secondaires = n.collect();
                }
                "oddPrincipal" => s.odd_principal = odd("oddPrincipal", &v, &mut out),
                "oddSecondaires" => {
                    s.odd_secondaires = liste(&v)
                        .iter()
                        .filter_map(|x| odd("oddSecondaires", x, &mut out))
                        .collect()
                }
                "themes" => s.themes = liste(&v),
                "description" => s.description = Some(v),
                "siteWeb" => s.site_web = Some(v),
                "contactPublic" => s.contact_public = Some(v),
                "contactsPrives" => s.contacts_prives = Some(v),
                "partenariats" => s.partenariats = liste(&v),
                "catalyseur" => s.catalyseur = booleen("catalyseur", &v, &mut out),
                "etat" => s.etat = Some(v.trim().to_string()),
                "dateCreation" => s.date_creation = Some(v),
                "dateFin" => s.date_fin = Some(v),
                "dateMiseAJour" => out.verifie_le = epoch_registre(&v),
                _ => {}
            }
        }
        out.saisie = s;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_errors_name_the_key() {
        let e = Mapping::lire("licence = \"x\"\n[colonnes]\nnom = \"N\"\nnimporte = \"X\"\n[defauts]\nprofil = \"association\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nimporte"), "{e}");
        let e = Mapping::lire("[colonnes]\nnom = \"N\"\n[defauts]\nprofil = \"association\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("licence"), "{e}");
        let e = Mapping::lire("licence = \"x\"\n[colonnes]\nnom = \"N\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("profil"), "{e}");
        let e = Mapping::lire("licence = \"x\"\nseparateur = \";;\"\n[colonnes]\nnom = \"N\"\n[defauts]\nprofil = \"association\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("separateur"), "{e}");
        let m = Mapping::lire("licence = \"x\"\nseparateur = \"tab\"\n[colonnes]\nnom = \"N\"\n[defauts]\nprofil = \"association\"\nodd = [3, 4]\n")
            .unwrap();
        assert_eq!(m.sep().unwrap(), b'\t');
        assert_eq!(constante(&m.defauts["odd"], '|'), "3|4");
    }
}
