//! The compact text form of the referential shipped in `data/territoires/`: one tab-separated file
//! per level, with a header line, so that a fresh clone needs no network and diffs stay readable.

use super::types::*;

/// The file names of the compact form, in the order they are read.
pub const FILES: [&str; 5] = [
    "source.tsv",
    "regions.tsv",
    "departements.tsv",
    "epcis.tsv",
    "communes.tsv",
];

const H_SOURCE: &str = "cle\tvaleur";
const H_REGIONS: &str = "code\tnom\tzone\tchefLieu";
const H_DEPARTEMENTS: &str = "code\tnom\tcodeRegion\tzone\tchefLieu";
const H_EPCIS: &str = "siren\tnom\ttype\tmodeFinancement";
const H_COMMUNES: &str = "code\ttype\tnom\tcodeDepartement\tcodeRegion\tcodeParent\tcodeEpci\tpopulation\tsiren\tcodesPostaux\tzone";

/// The texts of the five files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactFiles {
    pub source: String,
    pub regions: String,
    pub departements: String,
    pub epcis: String,
    pub communes: String,
}

impl CompactFiles {
    /// (file name, content) pairs in [`FILES`] order.
    pub fn entries(&self) -> [(&'static str, &str); 5] {
        [
            (FILES[0], &self.source),
            (FILES[1], &self.regions),
            (FILES[2], &self.departements),
            (FILES[3], &self.epcis),
            (FILES[4], &self.communes),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, ligne {line} : {message}")]
pub struct CompactError {
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// Writes the referential in compact form. Records are sorted so the output is deterministic.
pub fn write(data: &ReferentielData) -> CompactFiles {
    let mut source = format!("{H_SOURCE}\n");
    for (k, v) in [
        ("source", &data.source.source),
        ("licence", &data.source.licence),
        ("millesime", &data.source.millesime),
        ("populations", &data.source.populations),
    ] {
        source.push_str(&format!("{k}\t{v}\n"));
    }
    let mut regions: Vec<_> = data.regions.iter().collect();
    regions.sort_by(|a, b| a.code.cmp(&b.code));
    let mut out_r = format!("{H_REGIONS}\n");
    for r in regions {
        out_r.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            r.code,
            r.nom,
            r.zone.code(),
            opt(&r.chef_lieu)
        ));
    }
    let mut deps: Vec<_> = data.departements.iter().collect();
    deps.sort_by(|a, b| a.code.cmp(&b.code));
    let mut out_d = format!("{H_DEPARTEMENTS}\n");
    for d in deps {
        out_d.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            d.code,
            d.nom,
            d.code_region,
            d.zone.code(),
            opt(&d.chef_lieu)
        ));
    }
    let mut epcis: Vec<_> = data.epcis.iter().collect();
    epcis.sort_by(|a, b| a.siren.cmp(&b.siren));
    let mut out_e = format!("{H_EPCIS}\n");
    for e in epcis {
        out_e.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            e.siren,
            e.nom,
            e.type_epci.code(),
            opt(&e.mode_financement)
        ));
    }
    let mut communes: Vec<_> = data.communes.iter().collect();
    communes
        .sort_by(|a, b| (a.code.as_str(), a.type_commune).cmp(&(b.code.as_str(), b.type_commune)));
    let mut out_c = String::with_capacity(communes.len() * 80);
    out_c.push_str(H_COMMUNES);
    out_c.push('\n');
    for c in communes {
        let pop = c.population.map(|p| p.to_string()).unwrap_or_default();
        out_c.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            c.code,
            c.type_commune.slug(),
            c.nom,
            c.code_departement,
            c.code_region,
            opt(&c.code_parent),
            opt(&c.code_epci),
            pop,
            opt(&c.siren),
            c.codes_postaux.join(" "),
            c.zone.code()
        ));
    }
    CompactFiles {
        source,
        regions: out_r,
        departements: out_d,
        epcis: out_e,
        communes: out_c,
    }
}

struct Rows<'a> {
    file: &'static str,
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
    width: usize,
}

impl<'a> Rows<'a> {
    fn new(file: &'static str, text: &'a str, header: &str) -> Result<Self, CompactError> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, h)) if h.trim_end_matches('\r') == header => {}
            Some((_, h)) => {
                return Err(CompactError {
                    file,
                    line: 1,
                    message: format!("en-tête inattendu « {h} », attendu « {header} »"),
                })
            }
            None => {
                return Err(CompactError {
                    file,
                    line: 1,
                    message: "fichier vide".into(),
                })
            }
        }
        Ok(Self {
            file,
            lines,
            width: header.split('\t').count(),
        })
    }

    fn next_row(&mut self) -> Option<Result<(usize, Vec<&'a str>), CompactError>> {
        loop {
            let (i, line) = self.lines.next()?;
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() != self.width {
                return Some(Err(CompactError {
                    file: self.file,
                    line: i + 1,
                    message: format!("{} champs au lieu de {}", fields.len(), self.width),
                }));
            }
            return Some(Ok((i + 1, fields)));
        }
    }

    fn err(&self, line: usize, message: String) -> CompactError {
        CompactError {
            file: self.file,
            line,
            message,
        }
    }
}

fn none_if_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Reads the compact form back. Consistency between files is checked by
/// [`super::Referentiel::build`], not here.
pub fn read(files: &CompactFiles) -> Result<ReferentielData, CompactError> {
    let zone = |rows: &Rows, line: usize, s: &str| {
        Zone::from_code(s).ok_or_else(|| rows.err(line, format!("zone inconnue « {s} »")))
    };

    let mut rows = Rows::new(FILES[0], &files.source, H_SOURCE)?;
    let mut source = SourceInfo {
        source: String::new(),
        licence: String::new(),
        millesime: String::new(),
        populations: String::new(),
    };
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        let slot = match f[0] {
            "source" => &mut source.source,
            "licence" => &mut source.licence,
            "millesime" => &mut source.millesime,
            "populations" => &mut source.populations,
            other => return Err(rows.err(line, format!("clé inconnue « {other} »"))),
        };
        *slot = f[1].to_string();
    }

    let mut rows = Rows::new(FILES[1], &files.regions, H_REGIONS)?;
    let mut regions = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        regions.push(Region {
            code: f[0].into(),
            nom: f[1].into(),
            zone: zone(&rows, line, f[2])?,
            chef_lieu: none_if_empty(f[3]),
        });
    }

    let mut rows = Rows::new(FILES[2], &files.departements, H_DEPARTEMENTS)?;
    let mut departements = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        departements.push(Departement {
            code: f[0].into(),
            nom: f[1].into(),
            code_region: f[2].into(),
            zone: zone(&rows, line, f[3])?,
            chef_lieu: none_if_empty(f[4]),
        });
    }

    let mut rows = Rows::new(FILES[3], &files.epcis, H_EPCIS)?;
    let mut epcis = Vec::new();
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        let type_epci = TypeEpci::from_code(f[2])
            .ok_or_else(|| rows.err(line, format!("type d'EPCI inconnu « {} »", f[2])))?;
        epcis.push(Epci {
            siren: f[0].into(),
            nom: f[1].into(),
            type_epci,
            mode_financement: none_if_empty(f[3]),
        });
    }

    let mut rows = Rows::new(FILES[4], &files.communes, H_COMMUNES)?;
    let mut communes = Vec::with_capacity(40_000);
    while let Some(row) = rows.next_row() {
        let (line, f) = row?;
        let type_commune = TypeCommune::from_slug(f[1])
            .ok_or_else(|| rows.err(line, format!("type de commune inconnu « {} »", f[1])))?;
        let population = match f[7] {
            "" => None,
            p => Some(
                p.parse::<u64>()
                    .map_err(|_| rows.err(line, format!("population non numérique « {p} »")))?,
            ),
        };
        communes.push(Commune {
            code: f[0].into(),
            type_commune,
            nom: f[2].into(),
            code_departement: f[3].into(),
            code_region: f[4].into(),
            code_parent: none_if_empty(f[5]),
            code_epci: none_if_empty(f[6]),
            population,
            siren: none_if_empty(f[8]),
            codes_postaux: f[9]
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            zone: zone(&rows, line, f[10])?,
        });
    }
    Ok(ReferentielData {
        source,
        regions,
        departements,
        epcis,
        communes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let data = crate::territoires::referentiel::tests::sample();
        let files = write(&data);
        let back = read(&files).unwrap();
        assert_eq!(write(&back), files);
        assert_eq!(back.communes.len(), data.communes.len());
        assert_eq!(back.source, data.source);
    }

    #[test]
    fn errors_name_file_and_line() {
        let mut files = write(&crate::territoires::referentiel::tests::sample());
        files.communes = files
            .communes
            .replacen("commune-actuelle", "commune-inventee", 1);
        let e = read(&files).unwrap_err();
        assert_eq!(e.file, "communes.tsv");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("commune-inventee"));
        files.epcis.push_str("123\tx\n");
        let e = read(&files).unwrap_err();
        assert_eq!(
            (e.file, e.message.as_str()),
            ("epcis.tsv", "2 champs au lieu de 4")
        );
    }
}
