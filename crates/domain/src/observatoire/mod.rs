//! Published observatory figures: results of past studies known only as published aggregates —
//! a percentage of a population, a period, the question asked, the source. They are shown next
//! to the figures the platform computes from microdata, and always told apart from them.
//! The shipped series are read from `data/observatoire/chiffres-publies.tsv` (see
//! `data/SOURCES.md`); [`lire`] checks every line.
//!
//! Studies and their waves — questionnaire, microdata, margins, quotas, published results — are
//! in [`etude`], [`microdonnees`] and [`resultats`].

pub mod etude;
pub mod microdonnees;
pub mod resultats;

use serde::Serialize;

nomenclature!(
    /// Who was surveyed.
    Population {
        Citoyens => ("citoyens", "Citoyens", "Citizens"),
        Associations => ("associations", "Associations", "Associations"),
        AssociationsEmployeuses => ("associations-employeuses", "Associations employeuses", "Employer associations"),
        DirigeantsEntreprises => ("dirigeants-entreprises", "Dirigeants d'entreprise", "Company heads"),
        Maires => ("maires", "Maires", "Mayors"),
        ElusLocaux => ("elus-locaux", "Élus locaux", "Local elected officials"),
        Entreprises => ("entreprises", "Entreprises", "Companies"),
        ActeursAcademiques => ("acteurs-academiques", "Acteurs académiques", "Academic actors"),
        StructuresAccompagnement => ("structures-accompagnement", "Structures d'accompagnement", "Support structures"),
    }
);

/// One published figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiffrePublie {
    /// The series it belongs to (the same question over time).
    pub serie: String,
    pub population: Population,
    /// `2008`, `2015-2016`, `2020-05`.
    pub periode: String,
    /// Percentage of the population, 0 to 100.
    pub valeur: f64,
    pub question: String,
    pub source: String,
}

impl ChiffrePublie {
    /// The year the period starts with (for ordering and trends).
    pub fn annee(&self) -> u16 {
        self.periode[..4].parse().unwrap_or(0)
    }
}

/// Reads the tab-separated file (header `serie population periode valeur question source`);
/// every problem names its line. Figures come out by series, then period.
pub fn lire(tsv: &str) -> Result<Vec<ChiffrePublie>, String> {
    let mut lignes = tsv.lines().enumerate();
    match lignes.next() {
        Some((_, "serie\tpopulation\tperiode\tvaleur\tquestion\tsource")) => {}
        _ => {
            return Err(
                "ligne 1 : en-tête attendu « serie population periode valeur question source »"
                    .into(),
            )
        }
    }
    let mut out = Vec::new();
    for (i, l) in lignes.filter(|(_, l)| !l.trim().is_empty()) {
        let n = i + 1;
        let f: Vec<&str> = l.split('\t').collect();
        let [serie, population, periode, valeur, question, source] = f[..] else {
            return Err(format!(
                "ligne {n} : 6 colonnes attendues, {} trouvées",
                f.len()
            ));
        };
        if serie.is_empty()
            || !serie
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "ligne {n} : série « {serie} » : minuscules, chiffres et tirets"
            ));
        }
        let population = Population::from_slug(population).ok_or_else(|| {
            format!(
                "ligne {n} : population « {population} » inconnue (attendu : {})",
                Population::slugs()
            )
        })?;
        let periode_ok = periode.len() >= 4
            && periode[..4].bytes().all(|b| b.is_ascii_digit())
            && periode[4..]
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'-');
        if !periode_ok {
            return Err(format!(
                "ligne {n} : période « {periode} » : AAAA, AAAA-MM ou AAAA-AAAA"
            ));
        }
        let valeur: f64 = valeur
            .replace(',', ".")
            .parse()
            .ok()
            .filter(|v: &f64| (0.0..=100.0).contains(v))
            .ok_or_else(|| {
                format!("ligne {n} : valeur « {valeur} » : un pourcentage de 0 à 100")
            })?;
        if question.trim().is_empty() || source.trim().is_empty() {
            return Err(format!(
                "ligne {n} : la question et la source sont obligatoires"
            ));
        }
        out.push(ChiffrePublie {
            serie: serie.to_string(),
            population,
            periode: periode.to_string(),
            valeur,
            question: question.to_string(),
            source: source.to_string(),
        });
    }
    out.sort_by(|a, b| {
        a.serie
            .cmp(&b.serie)
            .then_with(|| a.periode.cmp(&b.periode))
            .then(a.population.cmp(&b.population))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_figures_read_and_bad_lines_are_named() {
        let v = lire(include_str!(
            "../../../../data/observatoire/chiffres-publies.tsv"
        ))
        .unwrap();
        assert_eq!(v.len(), 10);
        let importants: Vec<(&str, f64)> = v
            .iter()
            .filter(|c| c.serie == "partenariats-importants")
            .map(|c| (c.periode.as_str(), c.valeur))
            .collect();
        assert_eq!(importants, vec![("2008", 86.0), ("2012", 84.0)]);
        let entete = "serie\tpopulation\tperiode\tvaleur\tquestion\tsource\n";
        for (ligne, attendu) in [
            ("x\tcitoyens\t2008\t120\tq\ts", "valeur"),
            ("x\tmartiens\t2008\t12\tq\ts", "population"),
            ("x\tcitoyens\t20a8\t12\tq\ts", "période"),
            ("x\tcitoyens\t2008\t12\tq", "6 colonnes"),
            ("X Y\tcitoyens\t2008\t12\tq\ts", "série"),
        ] {
            let e = lire(&format!("{entete}{ligne}\n")).unwrap_err();
            assert!(e.starts_with("ligne 2") && e.contains(attendu), "{e}");
        }
        assert!(lire("a\tb\n").unwrap_err().starts_with("ligne 1"));
    }
}
