//! Paris local time ↔ UTC. Events are typed in the time of mainland France and stored as Unix
//! timestamps (UTC): the offset is +1 h, +2 h in summer time (EU rule: from the last Sunday of
//! March to the last Sunday of October, switching at 01:00 UTC).

use crate::dates::{civil, jours};

/// Day of the week of a day number, 0 = Sunday.
fn jour_semaine(z: i64) -> i64 {
    (z + 4).rem_euclid(7)
}

fn dernier_dimanche(y: i64, m: u32) -> i64 {
    let fin = jours(y, m, 31);
    fin - jour_semaine(fin)
}

/// Whether Paris is on summer time at this UTC instant.
pub fn heure_ete(ts: i64) -> bool {
    let (y, _, _) = civil(ts.div_euclid(86_400));
    let debut = dernier_dimanche(y, 3) * 86_400 + 3600;
    let fin = dernier_dimanche(y, 10) * 86_400 + 3600;
    (debut..fin).contains(&ts)
}

/// The offset of Paris from UTC at this instant, in seconds.
pub fn decalage(ts: i64) -> i64 {
    if heure_ete(ts) {
        7200
    } else {
        3600
    }
}

/// The UTC instant of a Paris wall-clock time. In the autumn's repeated hour the first (summer)
/// one is taken; in the spring's skipped hour, the time is read as winter time.
pub fn paris_vers_utc(y: i64, m: u32, d: u32, h: u32, mi: u32) -> i64 {
    let local = jours(y, m, d) * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60;
    let ete = local - 7200;
    if heure_ete(ete) {
        ete
    } else {
        local - 3600
    }
}

/// Paris wall-clock time of a UTC instant: (day number, hour, minute).
pub fn utc_vers_paris(ts: i64) -> (i64, u32, u32) {
    let local = ts + decalage(ts);
    let s = local.rem_euclid(86_400);
    (
        local.div_euclid(86_400),
        (s / 3600) as u32,
        ((s % 3600) / 60) as u32,
    )
}

/// Reads `AAAA-MM-JJTHH:MM` (the HTML `datetime-local` field; a space is accepted instead of
/// `T`, and seconds are ignored) as Paris time; the UTC instant.
pub fn lire_paris(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (date, heure) = s
        .split_once(['T', ' '])
        .ok_or_else(|| "attendu AAAA-MM-JJTHH:MM (date et heure de Paris)".to_string())?;
    let date = crate::annuaire::organisation::date_iso(date).map_err(String::from)?;
    let mut it = heure.split(':');
    let h: u32 = it
        .next()
        .filter(|x| x.len() == 2)
        .and_then(|x| x.parse().ok())
        .filter(|h| *h < 24)
        .ok_or_else(|| "heure attendue HH:MM (00:00 à 23:59)".to_string())?;
    let mi: u32 = it
        .next()
        .filter(|x| x.len() == 2)
        .and_then(|x| x.parse().ok())
        .filter(|m| *m < 60)
        .ok_or_else(|| "heure attendue HH:MM (00:00 à 23:59)".to_string())?;
    let (y, m, d) = (
        date[0..4].parse().unwrap_or(1970),
        date[5..7].parse().unwrap_or(1),
        date[8..10].parse().unwrap_or(1),
    );
    Ok(paris_vers_utc(y, m, d, h, mi))
}

/// `AAAA-MM-JJTHH:MM` in Paris time (the value of a `datetime-local` field).
pub fn ecrire_paris(ts: i64) -> String {
    let (z, h, m) = utc_vers_paris(ts);
    format!("{}T{h:02}:{m:02}", crate::dates::iso(z))
}

/// ISO 8601 in UTC, `2026-11-27T10:00:00Z` (the API).
pub fn iso_utc(ts: i64) -> String {
    let s = ts.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::dates::iso(ts.div_euclid(86_400)),
        s / 3600,
        (s % 3600) / 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_offsets() {
        // Winter: UTC+1.
        let t = paris_vers_utc(2026, 1, 15, 14, 0);
        assert_eq!(iso_utc(t), "2026-01-15T13:00:00Z");
        // Summer: UTC+2.
        let t = paris_vers_utc(2026, 7, 1, 9, 30);
        assert_eq!(iso_utc(t), "2026-07-01T07:30:00Z");
        assert_eq!(ecrire_paris(t), "2026-07-01T09:30");
        // 2026 switches on 29 March and 25 October at 01:00 UTC.
        assert!(!heure_ete(paris_vers_utc(2026, 3, 29, 1, 59)));
        assert!(heure_ete(paris_vers_utc(2026, 3, 29, 3, 0)));
        assert!(heure_ete(paris_vers_utc(2026, 10, 25, 2, 30)));
        assert!(!heure_ete(paris_vers_utc(2026, 10, 25, 3, 0)));
        for ts in (0..400).map(|i| 1_767_225_600 + i * 86_400 + 13 * 3600) {
            assert_eq!(lire_paris(&ecrire_paris(ts)), Ok(ts));
        }
    }

    #[test]
    fn bad_times() {
        assert!(lire_paris("2026-12-03").is_err());
        assert!(lire_paris("2026-12-03T25:00").is_err());
        assert!(lire_paris("2026-13-03T10:00").is_err());
        assert!(lire_paris("03/12/2026 10:00").is_ok());
    }
}
