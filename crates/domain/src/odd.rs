//! The 17 UN Sustainable Development Goals (« Objectifs de développement durable », ODD).
//!
//! Titles and colours come from `data/odd.json` (origin in `data/SOURCES.md`).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// An SDG number, 1 to 17. Invalid numbers cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct OddNumber(u8);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("un ODD est un nombre entier de 1 à 17 (reçu « {0} »)")]
pub struct OddError(pub String);

impl OddNumber {
    pub fn new(n: u8) -> Result<Self, OddError> {
        if (1..=17).contains(&n) {
            Ok(Self(n))
        } else {
            Err(OddError(n.to_string()))
        }
    }
    pub fn parse(s: &str) -> Result<Self, OddError> {
        s.trim()
            .parse::<u8>()
            .map_err(|_| OddError(s.to_string()))
            .and_then(Self::new)
    }
    pub fn get(self) -> u8 {
        self.0
    }
    pub fn goal(self) -> &'static Odd {
        &all()[usize::from(self.0) - 1]
    }
}

/// One goal with its short titles and UN colour.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Odd {
    pub number: u8,
    pub fr_short: String,
    pub en_short: String,
    pub colour_hex: String,
}

#[derive(Deserialize)]
struct OddFile {
    goals: Vec<Odd>,
}

const ODD_JSON: &str = include_str!("../../../data/odd.json");

/// The 17 goals in order.
pub fn all() -> &'static [Odd] {
    static GOALS: OnceLock<Vec<Odd>> = OnceLock::new();
    GOALS.get_or_init(|| {
        let file: OddFile = parse_json(ODD_JSON);
        file.goals
    })
}

fn parse_json(text: &str) -> OddFile {
    // The file ships inside the binary; the tests below prove it parses.
    serde_json::from_str(text).expect("data/odd.json is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seventeen_goals_in_order_with_colours() {
        let goals = all();
        assert_eq!(goals.len(), 17);
        for (i, g) in goals.iter().enumerate() {
            assert_eq!(usize::from(g.number), i + 1);
            assert!(g.colour_hex.starts_with('#') && g.colour_hex.len() == 7);
        }
        assert_eq!(
            OddNumber::new(17).unwrap().goal().en_short,
            "Partnerships for the Goals"
        );
        assert_eq!(OddNumber::new(2).unwrap().goal().fr_short, "Faim « zéro »");
    }

    #[test]
    fn numbers_outside_one_to_seventeen_are_refused() {
        assert!(OddNumber::new(0).is_err());
        assert!(OddNumber::new(18).is_err());
        assert!(OddNumber::parse("x").is_err());
        assert_eq!(OddNumber::parse(" 17 ").unwrap().get(), 17);
    }
}
