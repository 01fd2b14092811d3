//! Plain records of the territorial referential, as loaded from the source or the database.

use serde::Serialize;

/// A level of the hierarchy. Its slug is the one used in URLs and in the API (`niveau`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Niveau {
    Region,
    Departement,
    Epci,
    Commune,
}

impl Niveau {
    pub const ALL: [Niveau; 4] = [
        Niveau::Region,
        Niveau::Departement,
        Niveau::Epci,
        Niveau::Commune,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Niveau::Region => "region",
            Niveau::Departement => "departement",
            Niveau::Epci => "epci",
            Niveau::Commune => "commune",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.slug() == s)
    }
}

/// The kind of a commune-level record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum TypeCommune {
    #[serde(rename = "commune-actuelle")]
    Actuelle,
    #[serde(rename = "commune-deleguee")]
    Deleguee,
    #[serde(rename = "commune-associee")]
    Associee,
    #[serde(rename = "arrondissement-municipal")]
    ArrondissementMunicipal,
}

impl TypeCommune {
    pub const ALL: [TypeCommune; 4] = [
        TypeCommune::Actuelle,
        TypeCommune::Deleguee,
        TypeCommune::Associee,
        TypeCommune::ArrondissementMunicipal,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            TypeCommune::Actuelle => "commune-actuelle",
            TypeCommune::Deleguee => "commune-deleguee",
            TypeCommune::Associee => "commune-associee",
            TypeCommune::ArrondissementMunicipal => "arrondissement-municipal",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.slug() == s)
    }
}

/// The legal form of an EPCI à fiscalité propre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum TypeEpci {
    /// Communauté de communes.
    CC,
    /// Communauté d'agglomération.
    CA,
    /// Communauté urbaine.
    CU,
    /// Métropole.
    METRO,
    /// Métropole de Lyon (a collectivity with special status).
    MET69,
}

impl TypeEpci {
    pub const ALL: [TypeEpci; 5] = [
        TypeEpci::CC,
        TypeEpci::CA,
        TypeEpci::CU,
        TypeEpci::METRO,
        TypeEpci::MET69,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TypeEpci::CC => "CC",
            TypeEpci::CA => "CA",
            TypeEpci::CU => "CU",
            TypeEpci::METRO => "METRO",
            TypeEpci::MET69 => "MET69",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == s)
    }
}

/// Metropolitan France, overseas départements and régions (DROM) or overseas collectivities (COM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    Metro,
    Drom,
    Com,
}

impl Zone {
    pub fn code(self) -> &'static str {
        match self {
            Zone::Metro => "metro",
            Zone::Drom => "drom",
            Zone::Com => "com",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [Zone::Metro, Zone::Drom, Zone::Com]
            .into_iter()
            .find(|z| z.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: String,
    pub nom: String,
    pub zone: Zone,
    pub chef_lieu: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Departement {
    pub code: String,
    pub nom: String,
    pub code_region: String,
    pub zone: Zone,
    pub chef_lieu: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Epci {
    pub siren: String,
    pub nom: String,
    pub type_epci: TypeEpci,
    /// Tax regime (FPU: fiscalité professionnelle unique, FA: fiscalité additionnelle).
    pub mode_financement: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Commune {
    pub code: String,
    pub type_commune: TypeCommune,
    pub nom: String,
    pub code_departement: String,
    pub code_region: String,
    /// For a commune déléguée or associée, its chef-lieu commune; for a municipal arrondissement,
    /// its commune (Paris, Lyon, Marseille). `None` for a current commune.
    pub code_parent: Option<String>,
    /// The EPCI a current commune belongs to (`None` for 98 of them, and for non-current records).
    pub code_epci: Option<String>,
    /// Population municipale, for current communes and municipal arrondissements.
    pub population: Option<u64>,
    pub siren: Option<String>,
    pub codes_postaux: Vec<String>,
    pub zone: Zone,
}

/// Where a referential comes from: shown in the API and on pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceInfo {
    /// e.g. `@etalab/decoupage-administratif 6.0.0`
    pub source: String,
    /// e.g. `Licence Ouverte 2.0 (données), MIT (code)`
    pub licence: String,
    /// The vintage of the referential (year of the official geographic code), e.g. `2026`.
    pub millesime: String,
    /// What the populations are and which vintage (commune populations from communes.json).
    pub populations: String,
}

/// The whole referential as flat records: what a source yields and what the store keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferentielData {
    pub source: SourceInfo,
    pub regions: Vec<Region>,
    pub departements: Vec<Departement>,
    pub epcis: Vec<Epci>,
    pub communes: Vec<Commune>,
}
