//! Calendar dates as days since 1970-01-01 (proleptic Gregorian), to compare, add months and
//! print ISO dates without a date library.

/// Days since 1970-01-01 of a civil date.
pub fn jours(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day number of an ISO date `AAAA-MM-JJ` (already checked).
pub fn depuis_iso(s: &str) -> Option<i64> {
    let y = s.get(0..4)?.parse().ok()?;
    let m = s.get(5..7)?.parse().ok()?;
    let d = s.get(8..10)?.parse().ok()?;
    Some(jours(y, m, d))
}

pub fn iso(z: i64) -> String {
    let (y, m, d) = civil(z);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Day number of a Unix timestamp (UTC).
pub fn jour_de(ts: i64) -> i64 {
    ts.div_euclid(86_400)
}

/// The first day of the month `mois` months after the month of `z` (negative: before).
pub fn debut_de_mois(z: i64, mois: i64) -> i64 {
    let (y, m, _) = civil(z);
    let total = y * 12 + i64::from(m) - 1 + mois;
    jours(total.div_euclid(12), (total.rem_euclid(12) + 1) as u32, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for z in [-1000, 0, 59, 60, 365, 10_957, 20_000, 20_513, 60_000] {
            let (y, m, d) = civil(z);
            assert_eq!(jours(y, m, d), z);
        }
        assert_eq!(iso(0), "1970-01-01");
        assert_eq!(depuis_iso("2026-11-27"), Some(jours(2026, 11, 27)));
        assert_eq!(iso(debut_de_mois(jours(2026, 11, 27), 3)), "2027-02-01");
        assert_eq!(iso(debut_de_mois(jours(2026, 1, 31), -1)), "2025-12-01");
    }
}
