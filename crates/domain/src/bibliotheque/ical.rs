//! The iCalendar feed of events (RFC 5545): lines end with CRLF, content lines longer than 75
//! octets are folded (CRLF + one space, never inside a UTF-8 character), text values escape
//! `\`, `;`, `,` and newlines, times are UTC (`…Z`).

/// One event of the feed.
#[derive(Debug, Clone)]
pub struct EvenementIcal<'a> {
    /// Unique and stable across exports (`evenement-12@alliances.example.org`).
    pub uid: String,
    pub debut: i64,
    pub fin: i64,
    pub titre: &'a str,
    pub description: &'a str,
    pub lieu: Option<&'a str>,
    pub url: Option<String>,
    pub modifie_le: i64,
}

/// Escapes a TEXT value.
pub fn echapper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.replace("\r\n", "\n").chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets, with its CRLF.
pub fn ligne(out: &mut String, contenu: &str) {
    let mut reste = contenu;
    let mut premiere = true;
    loop {
        // The first line holds 75 octets; a continuation starts with a space, so 74 more.
        let max = if premiere { 75 } else { 74 };
        if !premiere {
            out.push(' ');
        }
        if reste.len() <= max {
            out.push_str(reste);
            out.push_str("\r\n");
            return;
        }
        let mut coupe = max;
        while !reste.is_char_boundary(coupe) {
            coupe -= 1;
        }
        out.push_str(&reste[..coupe]);
        out.push_str("\r\n");
        reste = &reste[coupe..];
        premiere = false;
    }
}

/// A UTC date-time value, `20261203T130000Z`.
pub fn date_utc(ts: i64) -> String {
    let (y, m, d) = crate::dates::civil(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        (s % 3600) / 60,
        s % 60
    )
}

/// The whole calendar.
pub fn calendrier(nom: &str, evenements: &[EvenementIcal<'_>], maintenant: i64) -> String {
    let mut out = String::new();
    ligne(&mut out, "BEGIN:VCALENDAR");
    ligne(&mut out, "VERSION:2.0");
    ligne(
        &mut out,
        "PRODID:-//Alliances//Bibliotheque de ressources//FR",
    );
    ligne(&mut out, "CALSCALE:GREGORIAN");
    ligne(&mut out, "METHOD:PUBLISH");
    ligne(&mut out, &format!("X-WR-CALNAME:{}", echapper(nom)));
    for e in evenements {
        ligne(&mut out, "BEGIN:VEVENT");
        ligne(&mut out, &format!("UID:{}", echapper(&e.uid)));
        ligne(&mut out, &format!("DTSTAMP:{}", date_utc(maintenant)));
        ligne(
            &mut out,
            &format!("LAST-MODIFIED:{}", date_utc(e.modifie_le)),
        );
        ligne(&mut out, &format!("DTSTART:{}", date_utc(e.debut)));
        ligne(&mut out, &format!("DTEND:{}", date_utc(e.fin)));
        ligne(&mut out, &format!("SUMMARY:{}", echapper(e.titre)));
        if !e.description.is_empty() {
            ligne(
                &mut out,
                &format!("DESCRIPTION:{}", echapper(e.description)),
            );
        }
        if let Some(l) = e.lieu.filter(|l| !l.is_empty()) {
            ligne(&mut out, &format!("LOCATION:{}", echapper(l)));
        }
        if let Some(u) = &e.url {
            // URL is a URI value, not TEXT: no escaping.
            ligne(&mut out, &format!("URL:{u}"));
        }
        ligne(&mut out, "END:VEVENT");
    }
    ligne(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            echapper("Atelier; budget, partenariats\\suite\nligne 2\r\nligne 3"),
            "Atelier\\; budget\\, partenariats\\\\suite\\nligne 2\\nligne 3"
        );
    }

    #[test]
    fn folding_at_75_octets_without_splitting_characters() {
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        let mut out = String::new();
        ligne(&mut out, &long);
        assert!(out.ends_with("\r\n"));
        let lignes: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lignes.len() > 2);
        for (i, l) in lignes.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} has {} octets", l.len());
            if i > 0 {
                assert!(l.starts_with(' '));
            }
        }
        // Unfolding gives back the line.
        let deplie: String = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(deplie, long);
        // A short line is not folded.
        let mut court = String::new();
        ligne(&mut court, "SUMMARY:x");
        assert_eq!(court, "SUMMARY:x\r\n");
    }

    #[test]
    fn calendar_shape() {
        let e = EvenementIcal {
            uid: "evenement-1@alliances.test".into(),
            debut: 1_796_302_800,
            fin: 1_796_306_400,
            titre: "Webinaire : budget, gouvernance; suite",
            description: "Ligne 1\nLigne 2",
            lieu: Some("En ligne"),
            url: Some("https://alliances.test/ressources/evenements#evenement-1".into()),
            modifie_le: 0,
        };
        let c = calendrier("Événements", &[e], 1_796_000_000);
        assert!(c.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(c.ends_with("END:VCALENDAR\r\n"));
        assert!(!c.replace("\r\n", "").contains('\n'), "bare LF");
        assert!(c.contains("UID:evenement-1@alliances.test\r\n"));
        assert!(c.contains("DTSTART:20261203T130000Z\r\n"), "{c}");
        assert!(c.contains("DTEND:20261203T140000Z\r\n"));
        assert!(c.contains("DTSTAMP:"));
        assert!(c.contains("SUMMARY:Webinaire : budget\\, gouvernance\\; suite\r\n"));
        assert!(c.contains("DESCRIPTION:Ligne 1\\nLigne 2\r\n"));
    }
}
