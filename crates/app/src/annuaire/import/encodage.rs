//! What a file is before it is read as CSV: its encoding (UTF-8, with or without BOM, or
//! Windows-1252 — the "Latin-1" of French public exports), and whether it is text at all.

/// How the bytes of the file become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encodage {
    Utf8,
    /// Windows-1252, a superset of ISO-8859-1 for printable characters: decoding never fails.
    Windows1252,
}

impl Encodage {
    pub fn nom(self) -> &'static str {
        match self {
            Encodage::Utf8 => "UTF-8",
            Encodage::Windows1252 => "Windows-1252 (Latin-1)",
        }
    }

    /// `utf-8`, `windows-1252`, `latin-1`, `iso-8859-1` (case-insensitive); `auto` is None.
    pub fn depuis_nom(s: &str) -> Result<Option<Encodage>, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(None),
            "utf-8" | "utf8" => Ok(Some(Encodage::Utf8)),
            "windows-1252" | "cp1252" | "latin-1" | "latin1" | "iso-8859-1" | "iso-8859-15" => {
                Ok(Some(Encodage::Windows1252))
            }
            other => Err(format!(
                "encodage « {other} » inconnu : attendu auto, utf-8 ou windows-1252 (latin-1)"
            )),
        }
    }

    /// Decodes one field. UTF-8 refuses invalid bytes (the row is then reported as malformed).
    pub fn decoder(self, octets: &[u8]) -> Result<String, OctetsInvalides> {
        match self {
            Encodage::Utf8 => std::str::from_utf8(octets)
                .map(str::to_string)
                .map_err(|_| OctetsInvalides),
            Encodage::Windows1252 => Ok(windows_1252(octets)),
        }
    }
}

/// Bytes that are not valid in the file's encoding (UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OctetsInvalides;

/// Characters of Windows-1252 in 0x80–0x9F (elsewhere it matches Unicode code points); the five
/// unassigned bytes decode as their C1 control code point, as browsers do.
const CP1252_80_9F: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

pub fn windows_1252(octets: &[u8]) -> String {
    if octets.is_ascii() {
        // ASCII is the same in both: no per-byte work.
        return String::from_utf8(octets.to_vec()).unwrap_or_default();
    }
    octets
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => CP1252_80_9F[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

pub const BOM_UTF8: &[u8] = b"\xEF\xBB\xBF";

/// The encoding of a file from its first bytes: a UTF-8 BOM, or valid UTF-8 (an incomplete
/// character cut by the end of the sample is allowed), else Windows-1252.
pub fn detecter(debut: &[u8]) -> Encodage {
    if debut.starts_with(BOM_UTF8) {
        return Encodage::Utf8;
    }
    match std::str::from_utf8(debut) {
        Ok(_) => Encodage::Utf8,
        // `error_len() == None`: the sample ends in the middle of a character.
        Err(e) if e.error_len().is_none() => Encodage::Utf8,
        Err(_) => Encodage::Windows1252,
    }
}

/// Refuses what is clearly not a CSV text file, from its first bytes: archives, PDF, office
/// documents, binary data, HTML or XML pages, UTF-16 text. Returns the reason.
pub fn pas_un_csv(debut: &[u8]) -> Option<String> {
    let magie: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "c'est une archive ZIP (ou un document Office) : décompressez-la et importez le fichier CSV qu'elle contient"),
        (b"\x1f\x8b", "c'est une archive gzip : décompressez-la d'abord"),
        (b"%PDF", "c'est un document PDF, pas un fichier CSV"),
        (b"\xD0\xCF\x11\xE0", "c'est un document Office (Excel 97–2003 ?) : enregistrez-le au format CSV"),
        (b"\xFF\xFE", "le fichier est en UTF-16 : enregistrez-le en UTF-8"),
        (b"\xFE\xFF", "le fichier est en UTF-16 : enregistrez-le en UTF-8"),
        (b"SQLite format 3", "c'est une base SQLite, pas un fichier CSV"),
    ];
    for (m, raison) in magie {
        if debut.starts_with(m) {
            return Some((*raison).to_string());
        }
    }
    if debut.is_empty() {
        return Some("le fichier est vide".into());
    }
    if debut.contains(&0) {
        return Some(
            "le fichier contient des octets nuls : c'est un fichier binaire, pas un CSV".into(),
        );
    }
    let texte = debut.strip_prefix(BOM_UTF8).unwrap_or(debut);
    let premier = texte.iter().position(|b| !b.is_ascii_whitespace());
    if let Some(i) = premier {
        if texte[i] == b'<' {
            return Some(
                "le fichier commence par « < » : c'est une page HTML ou un document XML, pas un CSV"
                    .into(),
            );
        }
        if texte[i] == b'{' || texte[i] == b'[' {
            return Some("le fichier ressemble à du JSON, pas à un CSV".into());
        }
    } else {
        return Some("le fichier ne contient que des blancs".into());
    }
    // Text has few control characters besides tabs and line breaks.
    let controles = texte
        .iter()
        .filter(|&&b| b < 0x20 && b != b'\n' && b != b'\r' && b != b'\t' && b != 0x0c)
        .count();
    if controles * 100 > texte.len().max(1) {
        return Some(
            "le fichier contient trop de caractères de contrôle : ce n'est pas du texte".into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert_eq!(detecter(b"\xEF\xBB\xBFid;titre"), Encodage::Utf8);
        assert_eq!(detecter("id;titre\nW1;Élan".as_bytes()), Encodage::Utf8);
        assert_eq!(detecter(b"id;titre\nW1;\xC9lan"), Encodage::Windows1252);
        // A sample cut inside a two-byte character is still UTF-8.
        assert_eq!(detecter(&"École".as_bytes()[..1]), Encodage::Utf8);
    }

    #[test]
    fn latin1() {
        assert_eq!(windows_1252(b"\xC9cole \x80 \x9C"), "École € œ");
        assert_eq!(Encodage::Windows1252.decoder(b"abc").unwrap(), "abc");
        assert!(Encodage::Utf8.decoder(b"\xC9cole").is_err());
    }

    #[test]
    fn not_csv() {
        assert!(pas_un_csv(b"PK\x03\x04...").unwrap().contains("ZIP"));
        assert!(pas_un_csv(b"  <!DOCTYPE html><html>")
            .unwrap()
            .contains("HTML"));
        assert!(pas_un_csv(b"\x00\x01\x02binary")
            .unwrap()
            .contains("binaire"));
        assert!(pas_un_csv(b"").unwrap().contains("vide"));
        assert!(pas_un_csv(b"id;titre\nW1;X\n").is_none());
        assert!(pas_un_csv(b"\xEF\xBB\xBFid;titre\n").is_none());
    }
}
