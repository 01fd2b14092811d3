//! Official codes as validated newtypes: a value of these types is well formed by construction.
//! Whether the code exists is a question for the [`super::Referentiel`].

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} invalide « {value} » : {reason}")]
pub struct CodeError {
    pub kind: &'static str,
    pub value: String,
    pub reason: &'static str,
}

fn err(kind: &'static str, value: &str, reason: &'static str) -> CodeError {
    let value: String = value.chars().take(40).collect();
    CodeError {
        kind,
        value,
        reason,
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

macro_rules! code_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

code_newtype!(
    /// INSEE code of a commune (or commune déléguée / associée, or municipal arrondissement):
    /// five characters, digits except Corsica's `2A` / `2B` prefixes (`42218`, `2A004`, `97411`).
    CodeCommune
);
code_newtype!(
    /// INSEE code of a département: `01`–`95`, `2A`, `2B`, or three digits overseas (`971`–`989`).
    CodeDepartement
);
code_newtype!(
    /// INSEE code of a région: two digits, or three for the overseas collectivities (`975`…).
    CodeRegion
);
code_newtype!(
    /// SIREN number: nine digits with a valid Luhn check digit. Identifies an EPCI (and any legal unit).
    Siren
);
code_newtype!(
    /// French postal code: five digits.
    CodePostal
);

impl CodeCommune {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        const KIND: &str = "code commune";
        let s = s.trim();
        if s.chars().count() != 5 {
            return Err(err(KIND, s, "il doit compter 5 caractères"));
        }
        if !s.is_ascii() {
            return Err(err(KIND, s, "chiffres attendus (2A ou 2B pour la Corse)"));
        }
        let upper = s.to_ascii_uppercase();
        let (head, tail) = upper.split_at(2);
        let head_ok = all_digits(head) || head == "2A" || head == "2B";
        if !head_ok || !all_digits(tail) {
            return Err(err(KIND, s, "chiffres attendus (2A ou 2B pour la Corse)"));
        }
        Ok(Self(upper))
    }

    /// The département code this commune code starts with (`97411` → `974`, `2A004` → `2A`).
    pub fn departement_prefix(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") {
            &self.0[..3]
        } else {
            &self.0[..2]
        }
    }
}

impl CodeDepartement {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        const KIND: &str = "code département";
        let s = s.trim().to_ascii_uppercase();
        let ok = match s.len() {
            2 => (all_digits(&s) && s != "00" && s != "20") || s == "2A" || s == "2B",
            3 => all_digits(&s) && (s.starts_with("97") || s.starts_with("98")),
            _ => return Err(err(KIND, &s, "il compte 2 caractères, ou 3 outre-mer")),
        };
        if ok {
            Ok(Self(s))
        } else {
            Err(err(KIND, &s, "attendu 01 à 95, 2A, 2B, ou 971 à 989"))
        }
    }
}

impl CodeRegion {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        const KIND: &str = "code région";
        let s = s.trim();
        if (s.len() == 2 || s.len() == 3) && all_digits(s) {
            Ok(Self(s.to_string()))
        } else {
            Err(err(
                KIND,
                s,
                "il compte 2 chiffres, ou 3 pour une collectivité d'outre-mer",
            ))
        }
    }
}

/// La Poste's SIREN, the one published exception to the Luhn rule.
const SIREN_LA_POSTE: &str = "356000000";

impl Siren {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        const KIND: &str = "SIREN";
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.len() != 9 || !all_digits(&compact) {
            return Err(err(KIND, s, "il compte exactement 9 chiffres"));
        }
        if compact != SIREN_LA_POSTE && !luhn_valid(&compact) {
            return Err(err(KIND, s, "la clé de contrôle (Luhn) est fausse"));
        }
        Ok(Self(compact))
    }
}

impl CodePostal {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let s = s.trim();
        if s.len() == 5 && all_digits(s) {
            Ok(Self(s.to_string()))
        } else {
            Err(err("code postal", s, "il compte exactement 5 chiffres"))
        }
    }
}

/// Luhn checksum over ASCII digits (SIREN, SIRET).
pub(crate) fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commune_codes() {
        assert_eq!(CodeCommune::parse("42218").unwrap().as_str(), "42218");
        assert_eq!(CodeCommune::parse("2a004").unwrap().as_str(), "2A004");
        assert_eq!(
            CodeCommune::parse("97411").unwrap().departement_prefix(),
            "974"
        );
        assert_eq!(
            CodeCommune::parse("2B033").unwrap().departement_prefix(),
            "2B"
        );
        assert!(CodeCommune::parse("4221").is_err());
        assert!(CodeCommune::parse("2C004").is_err());
        assert!(CodeCommune::parse("abcde").is_err());
        assert!(CodeCommune::parse("4221é").is_err());
        // Five bytes but not five ASCII characters: refused, never sliced inside a character.
        assert!(CodeCommune::parse("~\u{47d68}").is_err());
        assert!(CodeCommune::parse("é42").is_err());
    }

    #[test]
    fn departement_codes() {
        for ok in ["01", "42", "2A", "2b", "95", "971", "976", "988"] {
            assert!(CodeDepartement::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "0",
            "00",
            "20",
            "2C",
            "100",
            "961",
            "4A",
            "9710",
            "é",
            "2é",
            "\u{47d68}",
        ] {
            assert!(CodeDepartement::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_codes() {
        assert!(CodeRegion::parse("84").is_ok());
        assert!(CodeRegion::parse("975").is_ok());
        assert!(CodeRegion::parse("8").is_err());
        assert!(CodeRegion::parse("8a").is_err());
    }

    #[test]
    fn siren_checks_length_and_luhn() {
        assert!(Siren::parse("244200770").is_ok()); // Saint-Étienne Métropole
        assert!(Siren::parse("356000000").is_ok()); // La Poste, the exception
        let e = Siren::parse("244200771").unwrap_err();
        assert!(e.reason.contains("Luhn"));
        let e = Siren::parse("24420077").unwrap_err();
        assert!(e.reason.contains("9 chiffres"));
        assert_eq!(Siren::parse("244 200 770").unwrap().as_str(), "244200770");
    }

    #[test]
    fn postal_codes() {
        assert!(CodePostal::parse("42000").is_ok());
        assert!(CodePostal::parse("4200").is_err());
        assert!(CodePostal::parse("42OOO").is_err());
    }

    proptest::proptest! {
        /// Whatever a URL or a file carries, parsing answers and never panics; what it accepts
        /// parses again to itself.
        #[test]
        fn parsers_never_panic_and_are_stable(s in "\\PC{0,12}") {
            if let Ok(c) = CodeCommune::parse(&s) { proptest::prop_assert_eq!(CodeCommune::parse(c.as_str()).unwrap(), c); }
            if let Ok(c) = CodeDepartement::parse(&s) { proptest::prop_assert_eq!(CodeDepartement::parse(c.as_str()).unwrap(), c); }
            if let Ok(c) = CodeRegion::parse(&s) { proptest::prop_assert_eq!(CodeRegion::parse(c.as_str()).unwrap(), c); }
            if let Ok(c) = Siren::parse(&s) { proptest::prop_assert_eq!(Siren::parse(c.as_str()).unwrap(), c); }
            if let Ok(c) = CodePostal::parse(&s) { proptest::prop_assert_eq!(CodePostal::parse(c.as_str()).unwrap(), c); }
        }
    }

    #[test]
    fn errors_name_the_kind_the_value_and_the_reason() {
        let e = CodeDepartement::parse("2C").unwrap_err();
        assert_eq!(
            e.to_string(),
            "code département invalide « 2C » : attendu 01 à 95, 2A, 2B, ou 971 à 989"
        );
    }
}
