//! The official identifiers of an organisation, validated as the registers define them: SIRET
//! (14 digits, Luhn key; La Poste's establishments use a digit-sum rule), RNA (`W` + 9
//! characters). The SIREN lives with the territorial codes (an EPCI is identified by its SIREN).

use crate::territoires::CodeError;
use serde::Serialize;
use std::fmt;

/// SIRET of an establishment: the SIREN of its company and a 5-digit NIC, checked with Luhn.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Siret(String);

/// RNA identifier of an association (répertoire national des associations): `W` followed by
/// nine characters, digits or capital letters (`W751212345`, `W2A1000123`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Rna(String);

fn err(kind: &'static str, value: &str, reason: &'static str) -> CodeError {
    CodeError {
        kind,
        value: value.chars().take(40).collect(),
        reason,
    }
}

fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

const SIREN_LA_POSTE: &str = "356000000";

impl Siret {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        const KIND: &str = "SIRET";
        let c = compact(s);
        if c.len() != 14 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(KIND, s, "il compte exactement 14 chiffres"));
        }
        // La Poste has more establishments than Luhn keys allow: INSEE also accepts its SIRETs
        // whose digit sum is a multiple of 5.
        let ok = crate::territoires::luhn_valid(&c)
            || (c.starts_with(SIREN_LA_POSTE)
                && c.bytes().map(|b| u32::from(b - b'0')).sum::<u32>() % 5 == 0);
        if !ok {
            return Err(err(KIND, s, "la clé de contrôle (Luhn) est fausse"));
        }
        Ok(Siret(c))
    }

    /// The SIREN of the company the establishment belongs to (its first nine digits).
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Rna {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        const KIND: &str = "RNA";
        let c = compact(s).to_ascii_uppercase();
        if !c.starts_with('W') {
            return Err(err(KIND, s, "il commence par la lettre W"));
        }
        if c.chars().count() != 10 {
            return Err(err(
                KIND,
                s,
                "il compte exactement 10 caractères (W et 9 autres)",
            ));
        }
        if !c
            .bytes()
            .skip(1)
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return Err(err(
                KIND,
                s,
                "après le W, seulement des chiffres ou des lettres",
            ));
        }
        Ok(Rna(c))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Siret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Rna {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sirets() {
        // A SIRET with a valid key (SIREN 120027016, NIC 00019).
        assert_eq!(
            Siret::parse("120 027 016 00019").unwrap().as_str(),
            "12002701600019"
        );
        assert_eq!(Siret::parse("12002701600019").unwrap().siren(), "120027016");
        let e = Siret::parse("12002701600016").unwrap_err();
        assert!(e.reason.contains("Luhn"));
        let e = Siret::parse("1200270160001").unwrap_err();
        assert!(e.reason.contains("14 chiffres"));
        assert!(Siret::parse("1200270160001A").is_err());
        // La Poste: Luhn, or a digit sum multiple of 5.
        assert!(Siret::parse("35600000000048").is_ok());
        assert!(Siret::parse("35600000000001").is_ok());
        assert!(Siret::parse("35600000000002").is_err());
        assert!(Siret::parse("73282932000002").is_err());
    }

    #[test]
    fn rna_ids() {
        assert_eq!(Rna::parse("w751212345").unwrap().as_str(), "W751212345");
        assert_eq!(Rna::parse("W2A1000123").unwrap().as_str(), "W2A1000123");
        assert!(Rna::parse("751212345").unwrap_err().reason.contains("W"));
        assert!(Rna::parse("W75121234").unwrap_err().reason.contains("10"));
        assert!(Rna::parse("W75121234-").is_err());
        assert!(Rna::parse("Wéééééééé").is_err());
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,30}") {
            let _ = Siret::parse(&s);
            let _ = Rna::parse(&s);
        }
    }
}
