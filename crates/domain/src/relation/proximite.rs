//! Territorial proximity between two organisations, on the official hierarchy.

/// The finest level at which two organisations' presences meet (closest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proximite {
    Commune,
    Epci,
    Departement,
    Region,
    /// One of them acts nationally.
    National,
    /// No territory in common.
    Aucune,
}

impl Proximite {
    pub const ALL: [Proximite; 6] = [
        Proximite::Commune,
        Proximite::Epci,
        Proximite::Departement,
        Proximite::Region,
        Proximite::National,
        Proximite::Aucune,
    ];

    /// The share (0–100) of the proximity weight.
    pub const fn part(self) -> u32 {
        match self {
            Proximite::Commune => 100,
            Proximite::Epci => 85,
            Proximite::Departement => 70,
            Proximite::Region => 35,
            Proximite::National => 20,
            Proximite::Aucune => 0,
        }
    }

    /// The slug of the « distance maximale » filter (`national`: anywhere).
    pub fn slug(self) -> &'static str {
        match self {
            Proximite::Commune => "commune",
            Proximite::Epci => "epci",
            Proximite::Departement => "departement",
            Proximite::Region => "region",
            Proximite::National | Proximite::Aucune => "national",
        }
    }

    pub fn from_slug(s: &str) -> Option<Proximite> {
        Some(match s {
            "commune" => Proximite::Commune,
            "epci" => Proximite::Epci,
            "departement" => Proximite::Departement,
            "region" => Proximite::Region,
            "national" => Proximite::Aucune,
            _ => return None,
        })
    }

    /// The label of the filter's choice (« au plus loin »).
    pub fn label_filtre(self) -> &'static str {
        match self {
            Proximite::Commune => "Même commune",
            Proximite::Epci => "Même intercommunalité (EPCI)",
            Proximite::Departement => "Même département",
            Proximite::Region => "Même région",
            Proximite::National | Proximite::Aucune => "Toute la France",
        }
    }

    /// How a result says it (`None`: nothing worth saying).
    pub fn raison(self) -> Option<&'static str> {
        match self {
            Proximite::Commune => Some("même commune"),
            Proximite::Epci => Some("même EPCI"),
            Proximite::Departement => Some("même département"),
            Proximite::Region => Some("même région"),
            Proximite::National => Some("agit au niveau national"),
            Proximite::Aucune => None,
        }
    }

    /// A compact code (index storage, SQL).
    pub const fn rang(self) -> u8 {
        self as u8
    }
}
