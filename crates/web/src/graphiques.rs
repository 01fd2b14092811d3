//! Charts of the observatory's results in SVG, hidden from assistive technologies (every chart
//! has its table next to it): horizontal bars with 95 % confidence-interval whiskers, and trend
//! lines across waves. Labels are escaped here; the numbers come formatted by the caller.

use std::fmt::Write;

/// One bar: label, value, interval, value as written (`42,3 %`); no value: suppressed.
pub struct Barre {
    pub libelle: String,
    pub valeur: Option<f64>,
    pub ic: Option<(f64, f64)>,
    pub texte: String,
}

fn echapper(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn couper(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Horizontal bars from 0 to `max`, each with its interval's whisker.
pub fn barres_ic(barres: &[Barre], max: f64) -> String {
    const GAUCHE: f64 = 230.0;
    const LARGEUR: f64 = 330.0;
    const LIGNE: f64 = 30.0;
    let max = if max > 0.0 { max } else { 1.0 };
    let hauteur = LIGNE * barres.len() as f64 + 24.0;
    let x = |v: f64| GAUCHE + (v.clamp(0.0, max) / max) * LARGEUR;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="barres-ic" viewBox="0 0 640 {hauteur}" aria-hidden="true" focusable="false">"#
    );
    let _ = write!(
        svg,
        r#"<line class="axe" x1="{GAUCHE}" y1="4" x2="{GAUCHE}" y2="{}"/>"#,
        hauteur - 18.0
    );
    for (i, b) in barres.iter().enumerate() {
        let y = 8.0 + LIGNE * i as f64;
        let _ = write!(
            svg,
            r#"<text class="barre-legende" x="{}" y="{}" text-anchor="end">{}</text>"#,
            GAUCHE - 8.0,
            y + 15.0,
            echapper(&couper(&b.libelle, 34))
        );
        match b.valeur {
            Some(v) => {
                let _ = write!(
                    svg,
                    r#"<rect class="barre" x="{GAUCHE}" y="{y}" width="{:.1}" height="20"/>"#,
                    x(v) - GAUCHE
                );
                if let Some((bas, haut)) = b.ic {
                    let (xb, xh, ym) = (x(bas), x(haut), y + 10.0);
                    let _ = write!(
                        svg,
                        r#"<path class="moustache" d="M{xb:.1} {ym}H{xh:.1}M{xb:.1} {}V{}M{xh:.1} {}V{}"/>"#,
                        ym - 6.0,
                        ym + 6.0,
                        ym - 6.0,
                        ym + 6.0
                    );
                }
                let xt = b.ic.map(|(_, h)| x(h)).unwrap_or(x(v)) + 6.0;
                let _ = write!(
                    svg,
                    r#"<text class="barre-valeur" x="{xt:.1}" y="{}">{}</text>"#,
                    y + 15.0,
                    echapper(&b.texte)
                );
            }
            None => {
                let _ = write!(
                    svg,
                    r#"<text class="barre-supprimee" x="{}" y="{}">{}</text>"#,
                    GAUCHE + 6.0,
                    y + 15.0,
                    echapper(&b.texte)
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One line of a trend chart: label and one value per wave (`None`: not published).
pub struct Courbe {
    pub libelle: String,
    pub valeurs: Vec<Option<f64>>,
}

/// Lines across waves (`abscisses`: the waves' labels), from 0 to `max`, with a legend.
pub fn courbes(courbes: &[Courbe], abscisses: &[String], max: f64) -> String {
    const GAUCHE: f64 = 50.0;
    const LARGEUR: f64 = 420.0;
    const HAUT: f64 = 16.0;
    const HAUTEUR: f64 = 200.0;
    let max = if max > 0.0 { max } else { 1.0 };
    let pas = if abscisses.len() > 1 {
        LARGEUR / (abscisses.len() - 1) as f64
    } else {
        0.0
    };
    let px = |i: usize| GAUCHE + pas * i as f64;
    let py = |v: f64| HAUT + HAUTEUR - (v.clamp(0.0, max) / max) * HAUTEUR;
    let legende = 20.0 * courbes.len() as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="courbes" viewBox="0 0 640 {}" aria-hidden="true" focusable="false">"#,
        HAUT + HAUTEUR + 40.0 + legende
    );
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let y = py(v);
        let _ = write!(
            svg,
            r#"<line class="grille" x1="{GAUCHE}" y1="{y:.1}" x2="{}" y2="{y:.1}"/><text class="axe-texte" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            GAUCHE + LARGEUR,
            GAUCHE - 6.0,
            y + 4.0,
            (v * 10.0).round() / 10.0
        );
    }
    for (i, a) in abscisses.iter().enumerate() {
        let _ = write!(
            svg,
            r#"<text class="axe-texte" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            px(i),
            HAUT + HAUTEUR + 18.0,
            echapper(&couper(a, 18))
        );
    }
    for (c, courbe) in courbes.iter().enumerate() {
        let classe = format!("serie-{}", c % 8);
        let mut d = String::new();
        let mut leve = true;
        for (i, v) in courbe.valeurs.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        d,
                        "{}{:.1} {:.1}",
                        if leve { "M" } else { "L" },
                        px(i),
                        py(*v)
                    );
                    leve = false;
                    let _ = write!(
                        svg,
                        r#"<circle class="{classe}" cx="{:.1}" cy="{:.1}" r="4"/>"#,
                        px(i),
                        py(*v)
                    );
                }
                None => leve = true,
            }
        }
        let _ = write!(svg, r#"<path class="{classe} trace" d="{d}"/>"#);
        let y = HAUT + HAUTEUR + 36.0 + 20.0 * c as f64;
        let _ = write!(
            svg,
            r#"<rect class="{classe}" x="{GAUCHE}" y="{}" width="14" height="14"/><text class="barre-legende" x="{}" y="{y}">{}</text>"#,
            y - 11.0,
            GAUCHE + 20.0,
            echapper(&couper(&courbe.libelle, 60))
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_draw_whiskers_only_for_published_values() {
        let svg = barres_ic(
            &[
                Barre {
                    libelle: "<b>Oui</b>".into(),
                    valeur: Some(40.0),
                    ic: Some((35.0, 45.0)),
                    texte: "40 %".into(),
                },
                Barre {
                    libelle: "Non".into(),
                    valeur: None,
                    ic: None,
                    texte: "non publié".into(),
                },
            ],
            100.0,
        );
        assert!(svg.contains("&lt;b&gt;Oui"));
        assert_eq!(svg.matches("class=\"moustache\"").count(), 1);
        assert!(svg.contains("non publié"));
    }

    #[test]
    fn lines_break_where_a_wave_has_no_value() {
        let svg = courbes(
            &[Courbe {
                libelle: "Oui".into(),
                valeurs: vec![Some(10.0), None, Some(30.0)],
            }],
            &["V1".into(), "V2".into(), "V3".into()],
            100.0,
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(svg.matches('M').count(), 2);
    }
}
