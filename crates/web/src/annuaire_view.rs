//! What the annuaire's pages and API share: reading the search parameters (one place for the
//! filter rules), the territory filter, and labels of the closed lists in the visitor's language.

use crate::i18n::{Lang, Tr};
use crate::params::Params;
use crate::problem::Problem;
use alliances_app::Territoires;
use alliances_domain::annuaire::{Lieu, NatureRessource, Profil};
use alliances_search::organisations::{Fraicheur, OrgQuery, PROFONDEUR_MAX};

/// Names of the search parameters (pages and API).
pub const PARAMS_SIMPLES: &[&str] = &["q", "territoire", "fraicheur", "actives", "demo"];
pub const PARAMS_LISTES: &[&str] = &["profil", "odd", "offre", "besoin"];
/// Longest text query accepted.
pub const Q_MAX: usize = 200;

/// A search as the visitor asked it, checked.
#[derive(Debug, Clone, Default)]
pub struct Recherche {
    pub q: String,
    pub profils: Vec<Profil>,
    pub odd: Vec<u8>,
    pub offres: Vec<NatureRessource>,
    pub besoins: Vec<NatureRessource>,
    /// The territory filter, resolved against the referential.
    pub territoire: Option<Lieu>,
    pub territoire_nom: Option<String>,
    pub fraicheur: Option<Fraicheur>,
    pub actives: bool,
    pub sans_demo: bool,
}

fn masque(v: &[NatureRessource]) -> u32 {
    v.iter().fold(0, |m, n| m | (1 << n.index()))
}

impl Recherche {
    /// Reads the parameters; an unknown value names its parameter.
    pub fn lire(p: &Params, territoires: &Territoires) -> Result<Recherche, Problem> {
        let q = p.text("q").unwrap_or("").trim().to_string();
        if q.chars().count() > Q_MAX {
            return Err(Problem::bad_request(
                "q",
                format!("recherche trop longue ({Q_MAX} caractères au plus)"),
            ));
        }
        let mut r = Recherche {
            q,
            ..Default::default()
        };
        for v in p.list("profil") {
            let x = Profil::from_slug(v).ok_or_else(|| {
                Problem::bad_request(
                    "profil",
                    format!("profil inconnu ; attendu : {}", Profil::slugs()),
                )
            })?;
            if !r.profils.contains(&x) {
                r.profils.push(x);
            }
        }
        for v in p.list("odd") {
            match v.parse::<u8>() {
                Ok(n) if (1..=17).contains(&n) => {
                    if !r.odd.contains(&n) {
                        r.odd.push(n)
                    }
                }
                _ => {
                    return Err(Problem::bad_request(
                        "odd",
                        "numéro d'ODD de 1 à 17 attendu",
                    ))
                }
            }
        }
        for (name, out) in [("offre", &mut r.offres), ("besoin", &mut r.besoins)] {
            for v in p.list(name) {
                let x = NatureRessource::from_slug(v).ok_or_else(|| {
                    Problem::bad_request(
                        name,
                        format!("nature inconnue ; attendu : {}", NatureRessource::slugs()),
                    )
                })?;
                if !out.contains(&x) {
                    out.push(x);
                }
            }
        }
        if let Some(t) = p
            .text("territoire")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let (lieu, nom) = resoudre_territoire(territoires, t).ok_or_else(|| {
                Problem::bad_request(
                    "territoire",
                    "territoire inconnu : attendu niveau:code (departement:42, commune:42218, epci:244200770, region:84) ou un nom de territoire",
                )
            })?;
            r.territoire = Some(lieu);
            r.territoire_nom = Some(nom);
        }
        r.fraicheur = match p.text("fraicheur").unwrap_or("") {
            "" => None,
            "a-jour" => Some(Fraicheur::AJour),
            "a-verifier" => Some(Fraicheur::APerime),
            _ => {
                return Err(Problem::bad_request(
                    "fraicheur",
                    "attendu : a-jour ou a-verifier",
                ))
            }
        };
        r.actives = match p.text("actives").unwrap_or("") {
            "" | "0" | "non" => false,
            "1" | "oui" => true,
            _ => return Err(Problem::bad_request("actives", "attendu : oui ou non")),
        };
        r.sans_demo = match p.text("demo").unwrap_or("") {
            "" | "1" | "oui" => false,
            "0" | "non" => true,
            _ => return Err(Problem::bad_request("demo", "attendu : oui ou non")),
        };
        Ok(r)
    }

    /// The index query for a page of results.
    pub fn requete(&self, offset: usize, limit: usize, now: i64) -> OrgQuery {
        let mut q = OrgQuery::new(now);
        q.texte = (!self.q.is_empty()).then(|| self.q.clone());
        q.profils = self.profils.iter().map(|p| p.index() as u8).collect();
        q.odd = self.odd.clone();
        q.offres = masque(&self.offres);
        q.besoins = masque(&self.besoins);
        q.territoire = self.territoire.as_ref().map(Lieu::cle);
        q.fraicheur = self.fraicheur;
        q.actifs_seulement = self.actives;
        q.sans_demo = self.sans_demo;
        q.offset = offset.min(PROFONDEUR_MAX);
        q.limit = limit.min(PROFONDEUR_MAX - q.offset);
        q
    }

    /// The query string of this search (without page), for links.
    pub fn query_string(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".into(),
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        if !self.q.is_empty() {
            parts.push(format!("q={}", enc(&self.q)));
        }
        for p in &self.profils {
            parts.push(format!("profil={}", p.slug()));
        }
        for n in &self.odd {
            parts.push(format!("odd={n}"));
        }
        for n in &self.offres {
            parts.push(format!("offre={}", n.slug()));
        }
        for n in &self.besoins {
            parts.push(format!("besoin={}", n.slug()));
        }
        if let Some(t) = &self.territoire {
            parts.push(format!("territoire={}", enc(&t.cle())));
        }
        match self.fraicheur {
            Some(Fraicheur::AJour) => parts.push("fraicheur=a-jour".into()),
            Some(Fraicheur::APerime) => parts.push("fraicheur=a-verifier".into()),
            None => {}
        }
        if self.actives {
            parts.push("actives=oui".into());
        }
        if self.sans_demo {
            parts.push("demo=non".into());
        }
        parts.join("&")
    }
}

/// A territory from `niveau:code`, or from a name or code typed by the visitor (best match of the
/// territory index). Returns the key and the territory's name.
pub fn resoudre_territoire(t: &Territoires, texte: &str) -> Option<(Lieu, String)> {
    let r = &t.referentiel;
    if let Some(l) = Lieu::parse_cle(texte) {
        let found = r.find(l.niveau, &l.code)?;
        return Some((l, r.nom(found).to_string()));
    }
    let hit = t.index.search(r, texte, None, 1).hits.into_iter().next()?;
    let tr = hit.territoire;
    Some((
        Lieu {
            niveau: tr.niveau,
            code: r.code(tr).to_string(),
        },
        r.nom(tr).to_string(),
    ))
}

/// Label of a profile in the visitor's language.
pub fn profil_label(p: Profil, lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => p.label_fr(),
        _ => p.label_en(),
    }
}

pub fn nature_label(n: NatureRessource, lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => n.label_fr(),
        _ => n.label_en(),
    }
}

/// "74,2 %"-style and "12 345"-style numbers go through the translator; this is the date of a
/// timestamp (UTC), ISO in the API and `27/11/2026` on French pages.
pub fn date_jour(ts: i64, tr: &Tr) -> String {
    let days = ts.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    match tr.lang {
        Lang::Fr => format!("{d:02}/{m:02}/{y}"),
        _ => format!("{y}-{m:02}-{d:02}"),
    }
}

/// ISO date of a timestamp (UTC).
pub fn date_iso(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!("{y}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
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

/// The organisation named in a field (proposing a member, referring a request): its number (`123`, `#123`), the
/// address of its page (`…/organisations/123`), a suggestion picked in the list (`Nom (#123)`),
/// or a name that only one organisation of the annuaire bears. The error is the message's key.
pub fn organisation_saisie(
    state: &crate::state::AppState,
    saisie: &str,
) -> Result<i64, &'static str> {
    let s = saisie.trim();
    let numero = s
        .rsplit_once("/organisations/")
        .map(|(_, n)| n)
        .or_else(|| s.rsplit_once('#').map(|(_, n)| n.trim_end_matches(')')))
        .unwrap_or(s);
    if let Ok(id) = numero.trim().parse::<i64>() {
        return Ok(id);
    }
    if s.is_empty() {
        return Err("alliances-organisation-numero");
    }
    let plie = alliances_domain::texte::fold(s);
    let homonymes: Vec<i64> = state
        .app
        .organisations
        .suggest(s, 20)
        .map_err(|_| "alliances-organisation-numero")?
        .into_iter()
        .filter(|(_, nom)| alliances_domain::texte::fold(nom) == plie)
        .map(|(id, _)| id)
        .collect();
    match homonymes.as_slice() {
        [id] => Ok(*id),
        [] => Err("alliances-organisation-inconnue"),
        _ => Err("alliances-organisation-homonymes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_iso(0), "1970-01-01");
        assert_eq!(date_iso(1_795_737_600), "2026-11-27");
        assert_eq!(date_iso(951_782_400), "2000-02-29");
    }
}
