//! Presentation rules of the alliances' pages: numbers in French, labels of the closed lists in
//! the page's language, the list's filters (one reader), and the indicator chart drawn in SVG
//! by the server (values over time against the baseline and target lines).

use crate::i18n::{Lang, Tr};
use alliances_domain::alliances::indicateurs::{Fraicheur, Periodicite};

/// One value of an indicator, as the chart needs it.
pub struct Point<'a> {
    pub id: i64,
    pub periode_jour: i64,
    pub ventilation: &'a str,
    pub valeur: f64,
    pub etat: &'a str,
}

/// A number as shown on pages: `12 345`, `74,2` (French), `12,345`, `74.2` (English).
pub fn nombre(v: f64, tr: &Tr) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let negatif = v < 0.0;
    let a = v.abs();
    let arrondi = (a * 100.0).round() / 100.0;
    let entier = arrondi.trunc() as u64;
    let decimales = ((arrondi - arrondi.trunc()) * 100.0).round() as u64;
    let mut s = tr.nombre(entier);
    if decimales > 0 {
        let sep = if tr.lang == Lang::Fr { ',' } else { '.' };
        let d = format!("{decimales:02}");
        s.push(sep);
        s.push_str(d.trim_end_matches('0'));
    }
    if negatif && (entier > 0 || decimales > 0) {
        format!("−{s}")
    } else {
        s
    }
}

/// A label of a closed list in the page's language.
pub fn lbl(fr: &'static str, en: &'static str, tr: &Tr) -> String {
    if tr.lang == Lang::Fr { fr } else { en }.to_string()
}

/// The freshness in words, and its traffic-light class.
pub fn fraicheur(f: Fraicheur, tr: &Tr) -> (String, &'static str) {
    let texte = tr.t(&format!("alliances-fraicheur-{}", f.slug()));
    let feu = match f {
        Fraicheur::AJour => "feu-vert",
        Fraicheur::Attendu => "feu-orange",
        Fraicheur::EnRetard | Fraicheur::Inactif => "feu-rouge",
    };
    (texte, feu)
}

/// The state of a value in words.
pub fn etat_valeur(etat: &str, tr: &Tr) -> String {
    match etat {
        "declaree" | "validee" | "rejetee" => tr.t(&format!("alliances-valeur-{etat}")),
        autre => autre.to_string(),
    }
}

/// The indicator's chart, ready for the template.
pub struct Graphe {
    pub largeur: u32,
    pub hauteur: u32,
    /// `x,y x,y …` of the values (validated and declared, in period order).
    pub ligne: String,
    /// One point per value: x, y, class (`validee` / `declaree`), tooltip.
    pub points: Vec<(String, String, &'static str, String)>,
    /// The baseline and target lines: y, label.
    pub base: Option<(String, String)>,
    pub cible: Option<(String, String)>,
    /// Labels of the vertical axis (y, text) and of the periods (x, text).
    pub axe_y: Vec<(String, String)>,
    pub axe_x: Vec<(String, String)>,
    /// The chart in words (for screen readers).
    pub description: String,
}

const L: f64 = 640.0;
const H: f64 = 240.0;
const GAUCHE: f64 = 70.0;
const DROITE: f64 = 20.0;
const HAUT: f64 = 16.0;
const BAS: f64 = 34.0;

fn c(v: f64) -> String {
    format!("{v:.1}")
}

/// Draws the values of an indicator (rejected ones left out; values broken down by a
/// disaggregation are left out when totals exist) against its baseline and target.
pub fn graphe(
    valeurs: &[Point],
    periodicite: Periodicite,
    base: Option<f64>,
    cible: Option<f64>,
    unite: &str,
    tr: &Tr,
) -> Option<Graphe> {
    let mut retenues: Vec<&Point> = valeurs.iter().filter(|v| v.etat != "rejetee").collect();
    if retenues.iter().any(|v| v.ventilation.is_empty()) {
        retenues.retain(|v| v.ventilation.is_empty());
    }
    retenues.sort_by_key(|v| (v.periode_jour, v.id));
    // One value per period: the latest declared.
    let mut par_periode: Vec<&Point> = Vec::new();
    for v in retenues {
        match par_periode.last_mut() {
            Some(d) if d.periode_jour == v.periode_jour => *d = v,
            _ => par_periode.push(v),
        }
    }
    if par_periode.is_empty() && base.is_none() && cible.is_none() {
        return None;
    }
    let mut tous: Vec<f64> = par_periode.iter().map(|v| v.valeur).collect();
    tous.extend(base);
    tous.extend(cible);
    let mut min = tous.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut max = tous.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if min > 0.0 && min < max / 2.0 {
        min = 0.0;
    }
    if (max - min).abs() < f64::EPSILON {
        max = min + 1.0;
        min -= 1.0;
    }
    let marge = (max - min) * 0.08;
    let (min, max) = (min - marge, max + marge);
    let y = |v: f64| HAUT + (max - v) / (max - min) * (H - HAUT - BAS);
    let n = par_periode.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            GAUCHE + (L - GAUCHE - DROITE) / 2.0
        } else {
            GAUCHE + i as f64 * (L - GAUCHE - DROITE) / (n - 1) as f64
        }
    };
    let u = if unite.is_empty() {
        String::new()
    } else {
        format!(" {unite}")
    };
    let points: Vec<(String, String, &'static str, String)> = par_periode
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let classe = if v.etat == "validee" {
                "validee"
            } else {
                "declaree"
            };
            (
                c(x(i)),
                c(y(v.valeur)),
                classe,
                format!(
                    "{} : {}{u} ({})",
                    periodicite.libelle(v.periode_jour),
                    nombre(v.valeur, tr),
                    etat_valeur(v.etat, tr)
                ),
            )
        })
        .collect();
    let ligne = points
        .iter()
        .map(|(a, b, _, _)| format!("{a},{b}"))
        .collect::<Vec<_>>()
        .join(" ");
    // Period labels: at most 8, evenly spread, the last one always.
    let pas = n.div_ceil(8).max(1);
    let axe_x = par_periode
        .iter()
        .enumerate()
        .filter(|(i, _)| i % pas == 0 || *i == n - 1)
        .map(|(i, v)| (c(x(i)), periodicite.libelle(v.periode_jour)))
        .collect();
    let axe_y = [max - marge, (max + min) / 2.0, min + marge]
        .iter()
        .map(|v| (c(y(*v) + 4.0), nombre(*v, tr)))
        .collect();
    let mut description: Vec<String> = points.iter().map(|p| p.3.clone()).collect();
    if let Some(b) = base {
        description.push(format!(
            "{} : {}{u}",
            tr.t("alliances-ind-base"),
            nombre(b, tr)
        ));
    }
    if let Some(t) = cible {
        description.push(format!(
            "{} : {}{u}",
            tr.t("alliances-ind-cible"),
            nombre(t, tr)
        ));
    }
    Some(Graphe {
        largeur: L as u32,
        hauteur: H as u32,
        ligne,
        points,
        base: base.map(|b| {
            (
                c(y(b)),
                format!("{} {}", tr.t("alliances-ind-base"), nombre(b, tr)),
            )
        }),
        cible: cible.map(|t| {
            (
                c(y(t)),
                format!("{} {}", tr.t("alliances-ind-cible"), nombre(t, tr)),
            )
        }),
        axe_y,
        axe_x,
        description: description.join(" ; "),
    })
}

/// A condition of the health panel in words: its title, its rule, its state and the finding
/// with the alliance's figures (pages in the reader's language, the API in French).
pub struct ConditionTextes {
    pub titre: String,
    pub regle: String,
    pub etat: String,
    pub explication: String,
}

pub fn condition_textes(
    c: &alliances_domain::alliances::sante::Condition,
    tr: &Tr,
) -> ConditionTextes {
    let chiffres: Vec<(&str, String)> = c
        .chiffres
        .iter()
        .map(|(k, v)| (*k, tr.nombre(u64::try_from(*v).unwrap_or(0))))
        .collect();
    let args: Vec<(&str, &str)> = chiffres.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ConditionTextes {
        titre: tr.t(&format!("sante-{}-titre", c.id)),
        regle: tr.ta(&format!("sante-{}-regle", c.id), &args),
        etat: tr.t(&format!("alliances-sante-{}", c.etat.slug())),
        explication: tr.ta(&format!("sante-{}-{}", c.id, c.constat), &args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr() -> Tr {
        crate::i18n::Tr::new(std::sync::Arc::new(crate::i18n::I18n::new()), Lang::Fr)
    }

    #[test]
    fn nombres_en_francais() {
        let t = tr();
        assert_eq!(nombre(12345.0, &t), "12\u{202f}345");
        assert_eq!(nombre(74.2, &t), "74,2");
        assert_eq!(nombre(0.05, &t), "0,05");
        assert_eq!(nombre(-3.5, &t), "−3,5");
    }

    fn valeur(id: i64, jour: i64, v: f64, etat: &str) -> Point<'_> {
        Point {
            id,
            periode_jour: jour,
            ventilation: "",
            valeur: v,
            etat,
        }
    }

    #[test]
    fn graphe_sans_les_valeurs_rejetees() {
        let t = tr();
        let j = alliances_domain::dates::jours(2026, 1, 1);
        let k = alliances_domain::dates::jours(2026, 4, 1);
        let g = graphe(
            &[
                valeur(1, j, 10.0, "validee"),
                valeur(2, k, 20.0, "declaree"),
                valeur(3, k, 999.0, "rejetee"),
            ],
            Periodicite::Trimestrielle,
            Some(5.0),
            Some(30.0),
            "personnes",
            &t,
        )
        .unwrap();
        assert_eq!(g.points.len(), 2);
        assert!(g.description.contains("2026-T1 : 10 personnes (validée)"));
        assert!(!g.description.contains("999"));
        assert!(g.base.is_some() && g.cible.is_some());
        assert!(graphe(&[], Periodicite::Annuelle, None, None, "", &t).is_none());
    }
}
