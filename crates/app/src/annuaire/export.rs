//! Open data exports of the annuaire: CSV (UTF-8, `,` or `;` for spreadsheets) or JSON Lines,
//! public fields only (never private contacts), official codes included, merged records left
//! out, read page by page by id (constant memory whatever the size).
//!
//! Licence metadata: every row carries the `source` and `licence` of its record (imported
//! registers keep theirs, our own records are under Licence Ouverte 2.0); JSON Lines start with
//! a metadata object (`licence`, `source`, `dateExtraction`); the download links also say it in
//! a `Link: <…>; rel="license"` header and the file name carries the extraction date.

use super::LICENCE_OUVERTE;
use crate::{now, App, AppError};
use alliances_domain::annuaire::Lieu;
use alliances_domain::territoires::{Niveau, Referentiel};
use alliances_store::organisations::{self as store, Fiche};
use alliances_store::Db;
use serde::Serialize;
use std::sync::Arc;

/// Records read per query.
pub const PAGE: i64 = 1000;
/// Licence of the export as a whole (each row says its own).
pub const LICENCE: &str = LICENCE_OUVERTE;
pub const LICENCE_URL: &str = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/";
pub const SOURCE: &str = "Alliances — annuaire des organisations";
/// Separator of multi-valued cells in CSV.
pub const SEPARATEUR_LISTE: &str = "|";

/// The columns, in order (CSV header; JSON keys).
pub const COLONNES: &[&str] = &[
    "id",
    "nom",
    "sigle",
    "profil",
    "sousType",
    "taille",
    "siren",
    "siret",
    "rna",
    "codeCommune",
    "commune",
    "codeDepartement",
    "national",
    "perimetre",
    "oddPrincipal",
    "oddSecondaires",
    "themes",
    "description",
    "siteWeb",
    "contactPublic",
    "partenariats",
    "catalyseur",
    "etat",
    "dateCreation",
    "dateFin",
    "dateMiseAJour",
    "source",
    "licence",
    "demonstration",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatExport {
    /// `separateur`: `,` or `;`. With `;` (spreadsheets), a cell that starts with `=`, `+`, `-`
    /// or `@` gets a leading apostrophe so that it is not run as a formula.
    Csv {
        separateur: u8,
    },
    Jsonl,
}

impl FormatExport {
    pub fn extension(self) -> &'static str {
        match self {
            FormatExport::Csv { .. } => "csv",
            FormatExport::Jsonl => "jsonl",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            FormatExport::Csv { .. } => "text/csv; charset=utf-8",
            FormatExport::Jsonl => "application/jsonl; charset=utf-8",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("écriture impossible : {0}")]
    Io(#[from] std::io::Error),
}

impl From<alliances_store::StoreError> for ExportError {
    fn from(e: alliances_store::StoreError) -> Self {
        ExportError::App(AppError::Store(e))
    }
}

/// The file name of an export made at `date` (epoch seconds).
pub fn nom_fichier(format: FormatExport, date: i64) -> String {
    let d = crate::donnees::iso_datetime(date);
    format!("annuaire-organisations-{}.{}", &d[..10], format.extension())
}

/// What one record exports.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Publique<'a> {
    id: i64,
    nom: &'a str,
    sigle: Option<&'a str>,
    profil: &'static str,
    sous_type: Option<&'static str>,
    taille: Option<&'static str>,
    siren: Option<&'a str>,
    siret: Option<&'a str>,
    rna: Option<&'a str>,
    code_commune: Option<&'a str>,
    commune: Option<&'a str>,
    code_departement: Option<&'a str>,
    national: bool,
    perimetre: Vec<String>,
    odd_principal: Option<u8>,
    odd_secondaires: &'a [u8],
    themes: &'a [String],
    description: Option<&'a str>,
    site_web: Option<&'a str>,
    contact_public: Option<&'a str>,
    partenariats: Vec<&'static str>,
    catalyseur: bool,
    etat: &'static str,
    date_creation: Option<&'a str>,
    date_fin: Option<&'a str>,
    date_mise_a_jour: String,
    source: &'a str,
    licence: &'a str,
    demonstration: bool,
}

fn publique<'a>(f: &'a Fiche, r: Option<&'a Referentiel>) -> Publique<'a> {
    let o = &f.org;
    let commune = o.commune.as_ref().and_then(|c| {
        let r = r?;
        let t = r.find(Niveau::Commune, c.as_str())?;
        Some(r.nom(t))
    });
    Publique {
        id: f.id,
        nom: &o.nom,
        sigle: o.sigle.as_deref(),
        profil: o.profil.slug(),
        sous_type: o.sous_type.map(|s| s.slug()),
        taille: o.taille.map(|s| s.slug()),
        siren: o.siren.as_ref().map(|s| s.as_str()),
        siret: o.siret.as_ref().map(|s| s.as_str()),
        rna: o.rna.as_ref().map(|s| s.as_str()),
        code_commune: o.commune.as_ref().map(|c| c.as_str()),
        commune,
        code_departement: o.commune.as_ref().map(|c| c.departement_prefix()),
        national: o.national,
        perimetre: o.perimetre.iter().map(Lieu::cle).collect(),
        odd_principal: o.odd_principal,
        odd_secondaires: &o.odd_secondaires,
        themes: &o.themes,
        description: (!o.description.is_empty()).then_some(o.description.as_str()),
        site_web: o.site_web.as_deref(),
        contact_public: o.contact_public.as_deref(),
        partenariats: o.partenariats.iter().map(|p| p.slug()).collect(),
        catalyseur: o.catalyseur,
        etat: o.etat.slug(),
        date_creation: o.date_creation.as_deref(),
        date_fin: o.date_fin.as_deref(),
        date_mise_a_jour: crate::donnees::iso_datetime(f.meta.verifie_le),
        source: &f.meta.source,
        licence: &f.meta.licence,
        demonstration: f.meta.demo,
    }
}

/// Writes the header and the records of an export into byte buffers.
pub struct Exporteur<'r> {
    pub format: FormatExport,
    pub referentiel: Option<&'r Referentiel>,
    /// Extraction date (epoch seconds).
    pub date: i64,
}

fn cellule(out: &mut Vec<u8>, v: &str, sep: u8) {
    let formule = sep == b';' && v.starts_with(['=', '+', '-', '@']);
    let citer = formule
        || v.bytes()
            .any(|b| b == sep || b == b'"' || b == b'\n' || b == b'\r')
        || v.starts_with(' ')
        || v.ends_with(' ');
    if !citer {
        out.extend_from_slice(v.as_bytes());
        return;
    }
    out.push(b'"');
    if formule {
        out.push(b'\'');
    }
    for b in v.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

impl Exporteur<'_> {
    /// CSV: the header row. JSON Lines: the metadata object.
    pub fn debut(&self, out: &mut Vec<u8>) {
        match self.format {
            FormatExport::Csv { separateur } => {
                for (i, c) in COLONNES.iter().enumerate() {
                    if i > 0 {
                        out.push(separateur);
                    }
                    out.extend_from_slice(c.as_bytes());
                }
                out.extend_from_slice(b"\r\n");
            }
            FormatExport::Jsonl => {
                let meta = serde_json::json!({
                    "licence": LICENCE,
                    "licenceUrl": LICENCE_URL,
                    "source": SOURCE,
                    "dateExtraction": crate::donnees::iso_datetime(self.date),
                    "description": "Une organisation par ligne après celle-ci ; chaque ligne porte la source et la licence de ses données (registres publics : Licence Ouverte 2.0).",
                    "champs": COLONNES,
                });
                out.extend_from_slice(meta.to_string().as_bytes());
                out.push(b'\n');
            }
        }
    }

    /// One record (merged records are not exported: the caller skips them).
    pub fn ligne(&self, f: &Fiche, out: &mut Vec<u8>) {
        let p = publique(f, self.referentiel);
        match self.format {
            FormatExport::Jsonl => {
                // Serialising plain data into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, &p);
                out.push(b'\n');
            }
            FormatExport::Csv { separateur: s } => {
                let opt = |v: Option<&str>| v.unwrap_or("").to_string();
                let liste = |v: &[String]| v.join(SEPARATEUR_LISTE);
                let nums = |v: &[u8]| {
                    v.iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(SEPARATEUR_LISTE)
                };
                let cellules: [String; 29] = [
                    p.id.to_string(),
                    p.nom.to_string(),
                    opt(p.sigle),
                    p.profil.to_string(),
                    opt(p.sous_type),
                    opt(p.taille),
                    opt(p.siren),
                    opt(p.siret),
                    opt(p.rna),
                    opt(p.code_commune),
                    opt(p.commune),
                    opt(p.code_departement),
                    p.national.to_string(),
                    liste(&p.perimetre),
                    p.odd_principal.map(|n| n.to_string()).unwrap_or_default(),
                    nums(p.odd_secondaires),
                    liste(p.themes),
                    opt(p.description),
                    opt(p.site_web),
                    opt(p.contact_public),
                    p.partenariats.join(SEPARATEUR_LISTE),
                    p.catalyseur.to_string(),
                    p.etat.to_string(),
                    opt(p.date_creation),
                    opt(p.date_fin),
                    p.date_mise_a_jour.clone(),
                    p.source.to_string(),
                    p.licence.to_string(),
                    p.demonstration.to_string(),
                ];
                for (i, c) in cellules.iter().enumerate() {
                    if i > 0 {
                        out.push(s);
                    }
                    cellule(out, c, s);
                }
                out.extend_from_slice(b"\r\n");
            }
        }
    }
}

/// The live organisations with ids after `apres`, one page, and the id to continue after
/// (None at the end).
pub async fn page(db: &Db, apres: i64) -> Result<(Vec<Fiche>, Option<i64>), AppError> {
    let mut fiches = store::page(db, apres, PAGE).await?;
    let suite = (fiches.len() as i64 == PAGE)
        .then(|| fiches.last().map(|f| f.id))
        .flatten();
    fiches.retain(|f| f.meta.fusionnee_dans.is_none());
    Ok((fiches, suite))
}

/// Writes a whole export into `w`, page by page; `progression` gets the number of records
/// written so far. Returns that number.
pub async fn exporter<W: std::io::Write>(
    db: &Db,
    referentiel: Option<&Referentiel>,
    format: FormatExport,
    w: &mut W,
    progression: &(dyn Fn(u64) + Send + Sync),
) -> Result<u64, ExportError> {
    let ex = Exporteur {
        format,
        referentiel,
        date: now(),
    };
    let mut buf = Vec::with_capacity(1 << 20);
    ex.debut(&mut buf);
    let mut n = 0u64;
    let mut apres = 0;
    loop {
        let (fiches, suite) = page(db, apres).await?;
        for f in &fiches {
            ex.ligne(f, &mut buf);
        }
        n += fiches.len() as u64;
        w.write_all(&buf)?;
        buf.clear();
        progression(n);
        match suite {
            Some(s) => apres = s,
            None => break,
        }
    }
    w.flush()?;
    Ok(n)
}

/// The export as a stream of chunks (one page each), for an HTTP download: constant memory,
/// the first bytes leave before the last records are read.
pub fn flux(
    app: Arc<App>,
    format: FormatExport,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    let date = now();
    futures::stream::unfold(Some(None::<i64>), move |etat| {
        let app = app.clone();
        async move {
            let apres = etat?;
            let territoires = app.territoires();
            let ex = Exporteur {
                format,
                referentiel: Some(&territoires.referentiel),
                date,
            };
            let mut buf = Vec::new();
            let depart = match apres {
                None => {
                    ex.debut(&mut buf);
                    0
                }
                Some(a) => a,
            };
            match page(&app.db, depart).await {
                Ok((fiches, suite)) => {
                    for f in &fiches {
                        ex.ligne(f, &mut buf);
                    }
                    Some((Ok(buf), suite.map(Some)))
                }
                Err(e) => {
                    tracing::error!(error = %e, "export interrompu");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        }
    })
}

impl App {
    /// Writes the export of the whole annuaire (see [`exporter`]).
    pub async fn exporter<W: std::io::Write>(
        &self,
        format: FormatExport,
        w: &mut W,
        progression: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<u64, ExportError> {
        let t = self.territoires();
        exporter(&self.db, Some(&t.referentiel), format, w, progression).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells() {
        let mut o = Vec::new();
        cellule(&mut o, "simple", b',');
        cellule(&mut o, "a,b", b',');
        cellule(&mut o, "il dit \"oui\"", b';');
        cellule(&mut o, "=SOMME(A1)", b';');
        cellule(&mut o, "=pas une formule en CSV virgule", b',');
        assert_eq!(
            String::from_utf8(o).unwrap(),
            "simple\"a,b\"\"il dit \"\"oui\"\"\"\"'=SOMME(A1)\"=pas une formule en CSV virgule"
        );
    }

    #[test]
    fn file_name() {
        assert_eq!(
            nom_fichier(FormatExport::Jsonl, 1_800_000_000),
            "annuaire-organisations-2027-01-15.jsonl"
        );
    }
}
