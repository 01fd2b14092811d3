//! The columnar data set of a survey wave: one entry per respondent, columns by name.
//!
//! A column read from CSV is kept as text ([`ColonneTexte`]: the values of all rows in one
//! string) and typed on first use: as a categorical column ([`Categorielle`]: one `u32` code
//! per row plus the distinct values, built once and cached) for calibration variables, domains
//! and ids, or parsed as numbers ([`Jeu::numerique`]) for weights and numeric variables. Loading
//! is then one pass that copies bytes, and a column is only hashed or parsed if it is used.
//! Columns built in memory may be categorical or numeric from the start.
//!
//! The CSV reader is RFC 4180 (double quotes, doubled quotes inside, line breaks inside quoted
//! fields), with the separator detected from the header (`,`, `;` or tab), a UTF-8 byte-order
//! mark skipped, unquoted fields trimmed. An empty field is a missing value. Every error names
//! the line (1 = header) and, where there is one, the column.

use std::borrow::Cow;
use std::io::Read;

/// Code of a missing value in a categorical column.
pub const MANQUANT: u32 = u32::MAX;

/// Why a data set could not be read or a column could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErreurDonnees {
    #[error("the data is empty: no header line")]
    Vide,
    #[error("cannot read the data: {0}")]
    Lecture(String),
    #[error("line {ligne}: {trouve} fields where the header has {attendu}")]
    NombreDeChamps {
        ligne: u64,
        attendu: usize,
        trouve: usize,
    },
    #[error("line {ligne}: a quoted field is not closed")]
    GuillemetNonFerme { ligne: u64 },
    #[error("line 1: column « {0} » appears twice in the header")]
    ColonneEnDouble(String),
    #[error("line 1: a column has an empty name (column {0})")]
    ColonneSansNom(usize),
    #[error("line {ligne}: not valid UTF-8")]
    Encodage { ligne: u64 },
    #[error("no column « {0} » in the data")]
    ColonneInconnue(String),
    #[error("line {ligne}, column « {colonne} »: « {valeur} » is not a number")]
    NonNumerique {
        ligne: u64,
        colonne: String,
        valeur: String,
    },
    #[error("column « {0} » is numeric; a categorical column is expected")]
    PasCategorielle(String),
    #[error("line {ligne}, column « {colonne} »: missing value")]
    ValeurManquante { ligne: u64, colonne: String },
    #[error(
        "column « {colonne} »: identifier « {valeur} » appears on lines {premiere} and {seconde}"
    )]
    IdentifiantEnDouble {
        colonne: String,
        valeur: String,
        premiere: u64,
        seconde: u64,
    },
    #[error("column « {colonne} » has {trouve} values for {attendu} rows")]
    Longueur {
        colonne: String,
        attendu: usize,
        trouve: usize,
    },
}

/// A categorical column: `codes[i]` indexes `modalites`, or is [`MANQUANT`].
#[derive(Debug, Clone, PartialEq)]
pub struct Categorielle {
    pub codes: Vec<u32>,
    pub modalites: Modalites,
}

/// One column of a [`Jeu`].
#[derive(Debug, Clone)]
pub enum Colonne {
    Categorielle(Categorielle),
    /// Missing values are NaN.
    Numerique(Vec<f64>),
    /// Read from a file, typed on first use.
    Texte(ColonneTexte),
}

impl Colonne {
    fn len(&self) -> usize {
        match self {
            Colonne::Categorielle(c) => c.codes.len(),
            Colonne::Numerique(v) => v.len(),
            Colonne::Texte(t) => t.fins.len(),
        }
    }
}

/// The values of a column as read: row `i` is `texte[fins[i-1]..fins[i]]`, empty = missing.
/// Its categorical form is built on first request and kept.
#[derive(Debug, Clone, Default)]
pub struct ColonneTexte {
    texte: String,
    fins: Vec<usize>,
    categorielle: std::sync::OnceLock<Categorielle>,
}

impl ColonneTexte {
    /// The value of row `i` (empty when missing).
    pub fn get(&self, i: usize) -> &str {
        let debut = if i == 0 { 0 } else { self.fins[i - 1] };
        &self.texte[debut..self.fins[i]]
    }

    fn push(&mut self, valeur: &str) {
        self.texte.push_str(valeur);
        self.fins.push(self.texte.len());
    }

    /// The categorical form (dictionary encoding), built once.
    pub fn categorielle(&self) -> &Categorielle {
        self.categorielle.get_or_init(|| {
            let mut dico = Dictionnaire::default();
            let codes = (0..self.fins.len())
                .map(|i| {
                    let v = self.get(i);
                    if v.is_empty() {
                        MANQUANT
                    } else {
                        dico.code(v)
                    }
                })
                .collect();
            Categorielle {
                codes,
                modalites: dico.modalites,
            }
        })
    }
}

/// A data set: `n` rows, named columns of length `n`.
#[derive(Debug, Clone, Default)]
pub struct Jeu {
    n: usize,
    noms: Vec<String>,
    colonnes: Vec<Colonne>,
    /// Line of the file where each row starts (1 = header), when read from a file whose
    /// records span more than one line; otherwise row `i` is on line `i + 2`.
    lignes: Option<Vec<u64>>,
}

impl Jeu {
    /// An empty data set of `n` rows, to which columns are added.
    pub fn vide(n: usize) -> Self {
        Jeu {
            n,
            ..Jeu::default()
        }
    }

    /// Adds (or replaces) a column; its length must be the number of rows.
    pub fn ajouter(&mut self, nom: &str, colonne: Colonne) -> Result<(), ErreurDonnees> {
        if colonne.len() != self.n {
            return Err(ErreurDonnees::Longueur {
                colonne: nom.to_string(),
                attendu: self.n,
                trouve: colonne.len(),
            });
        }
        match self.noms.iter().position(|c| c == nom) {
            Some(i) => self.colonnes[i] = colonne,
            None => {
                self.noms.push(nom.to_string());
                self.colonnes.push(colonne);
            }
        }
        Ok(())
    }

    /// Adds a categorical column from text values (`None` = missing).
    pub fn ajouter_textes<S: AsRef<str>>(
        &mut self,
        nom: &str,
        valeurs: &[Option<S>],
    ) -> Result<(), ErreurDonnees> {
        let mut dico = Dictionnaire::default();
        let codes = valeurs
            .iter()
            .map(|v| match v {
                Some(s) => dico.code(s.as_ref()),
                None => MANQUANT,
            })
            .collect();
        self.ajouter(
            nom,
            Colonne::Categorielle(Categorielle {
                codes,
                modalites: dico.modalites,
            }),
        )
    }

    /// Reads a CSV file held in memory (see the module documentation for the dialect).
    pub fn lire_csv(octets: &[u8]) -> Result<Self, ErreurDonnees> {
        lire_csv(octets)
    }

    /// Reads a CSV stream to its end, then parses it like [`Jeu::lire_csv`].
    pub fn lire<R: Read>(mut lecteur: R) -> Result<Self, ErreurDonnees> {
        let mut octets = Vec::new();
        lecteur
            .read_to_end(&mut octets)
            .map_err(|e| ErreurDonnees::Lecture(e.to_string()))?;
        lire_csv(&octets)
    }

    /// Number of rows (respondents).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Column names, in file order.
    pub fn noms(&self) -> &[String] {
        &self.noms
    }

    /// The line of the file where row `i` starts (1 = header).
    pub fn ligne(&self, i: usize) -> u64 {
        match &self.lignes {
            Some(l) => l[i],
            None => i as u64 + 2,
        }
    }

    /// A column by name.
    pub fn colonne(&self, nom: &str) -> Result<&Colonne, ErreurDonnees> {
        self.noms
            .iter()
            .position(|c| c == nom)
            .map(|i| &self.colonnes[i])
            .ok_or_else(|| ErreurDonnees::ColonneInconnue(nom.to_string()))
    }

    /// A categorical column by name.
    pub fn categorielle(&self, nom: &str) -> Result<&Categorielle, ErreurDonnees> {
        match self.colonne(nom)? {
            Colonne::Categorielle(c) => Ok(c),
            Colonne::Texte(t) => Ok(t.categorielle()),
            Colonne::Numerique(_) => Err(ErreurDonnees::PasCategorielle(nom.to_string())),
        }
    }

    /// A categorical column with no missing value (calibration variables, identifiers).
    pub fn categorielle_complete(&self, nom: &str) -> Result<&Categorielle, ErreurDonnees> {
        let c = self.categorielle(nom)?;
        if let Some(i) = c.codes.iter().position(|&k| k == MANQUANT) {
            return Err(ErreurDonnees::ValeurManquante {
                ligne: self.ligne(i),
                colonne: nom.to_string(),
            });
        }
        Ok(c)
    }

    /// The numeric values of a column (NaN where missing). A text column is parsed: `.` or
    /// `,` as the decimal separator; a value that is not a number is an error naming its
    /// first line.
    pub fn numerique(&self, nom: &str) -> Result<Cow<'_, [f64]>, ErreurDonnees> {
        match self.colonne(nom)? {
            Colonne::Numerique(v) => Ok(Cow::Borrowed(v)),
            Colonne::Texte(t) if t.categorielle.get().is_none() => {
                // Parsed row by row: no dictionary to build.
                let mut valeurs = Vec::with_capacity(t.fins.len());
                for i in 0..t.fins.len() {
                    let v = t.get(i);
                    if v.is_empty() {
                        valeurs.push(f64::NAN);
                        continue;
                    }
                    match lire_nombre(v) {
                        Some(x) => valeurs.push(x),
                        None => {
                            return Err(ErreurDonnees::NonNumerique {
                                ligne: self.ligne(i),
                                colonne: nom.to_string(),
                                valeur: v.to_string(),
                            })
                        }
                    }
                }
                Ok(Cow::Owned(valeurs))
            }
            Colonne::Categorielle(_) | Colonne::Texte(_) => {
                let c = self.categorielle(nom)?;
                let mut valeurs = Vec::with_capacity(c.modalites.len());
                let mut fautive = None;
                for (k, m) in c.modalites.iter().enumerate() {
                    match lire_nombre(m) {
                        Some(x) => valeurs.push(x),
                        None => {
                            fautive.get_or_insert(k);
                            valeurs.push(f64::NAN);
                        }
                    }
                }
                if let Some(k) = fautive {
                    let i = c.codes.iter().position(|&x| x as usize == k).unwrap_or(0);
                    return Err(ErreurDonnees::NonNumerique {
                        ligne: self.ligne(i),
                        colonne: nom.to_string(),
                        valeur: c.modalites[k].to_string(),
                    });
                }
                Ok(Cow::Owned(
                    c.codes
                        .iter()
                        .map(|&k| {
                            if k == MANQUANT {
                                f64::NAN
                            } else {
                                valeurs[k as usize]
                            }
                        })
                        .collect(),
                ))
            }
        }
    }

    /// True when every non-missing value of the column reads as a number.
    pub fn est_numerique(&self, nom: &str) -> Result<bool, ErreurDonnees> {
        Ok(match self.colonne(nom)? {
            Colonne::Numerique(_) => true,
            Colonne::Categorielle(c) => c.modalites.iter().all(|m| lire_nombre(m).is_some()),
            Colonne::Texte(t) => match t.categorielle.get() {
                Some(c) => c.modalites.iter().all(|m| lire_nombre(m).is_some()),
                None => (0..t.fins.len()).all(|i| {
                    let v = t.get(i);
                    v.is_empty() || lire_nombre(v).is_some()
                }),
            },
        })
    }

    /// An identifier column: complete and without duplicates (the error names both lines).
    pub fn identifiants(&self, nom: &str) -> Result<&Categorielle, ErreurDonnees> {
        let c = self.categorielle_complete(nom)?;
        if c.modalites.len() < c.codes.len() {
            let mut vu = vec![usize::MAX; c.modalites.len()];
            for (i, &k) in c.codes.iter().enumerate() {
                let premiere = vu[k as usize];
                if premiere != usize::MAX {
                    return Err(ErreurDonnees::IdentifiantEnDouble {
                        colonne: nom.to_string(),
                        valeur: c.modalites[k as usize].to_string(),
                        premiere: self.ligne(premiere),
                        seconde: self.ligne(i),
                    });
                }
                vu[k as usize] = i;
            }
        }
        Ok(c)
    }
}

/// Reads a number: optional sign, digits, `.` or a single `,` as the decimal separator,
/// exponent. Infinite and NaN spellings are refused.
fn lire_nombre(texte: &str) -> Option<f64> {
    let t = texte.trim();
    let x = match t.parse::<f64>() {
        Ok(x) => x,
        Err(_) if t.matches(',').count() == 1 && !t.contains('.') => {
            t.replace(',', ".").parse::<f64>().ok()?
        }
        Err(_) => return None,
    };
    x.is_finite().then_some(x)
}

/// The distinct values of a categorical column, in order of first appearance, stored in one
/// string (no allocation per value: a million distinct ids load fast).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modalites {
    texte: String,
    fins: Vec<usize>,
}

impl Modalites {
    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.fins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fins.is_empty()
    }

    /// The value of code `k`.
    pub fn get(&self, k: usize) -> &str {
        let debut = if k == 0 { 0 } else { self.fins[k - 1] };
        &self.texte[debut..self.fins[k]]
    }

    /// The values, by code.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |k| self.get(k))
    }

    /// The code of a value, by linear search (for the few values of a calibration variable).
    pub fn position(&self, valeur: &str) -> Option<usize> {
        self.iter().position(|m| m == valeur)
    }

    fn push(&mut self, valeur: &str) {
        self.texte.push_str(valeur);
        self.fins.push(self.texte.len());
    }
}

impl std::ops::Index<usize> for Modalites {
    type Output = str;
    fn index(&self, k: usize) -> &str {
        self.get(k)
    }
}

impl<S: AsRef<str>> FromIterator<S> for Modalites {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut m = Modalites::default();
        for v in iter {
            m.push(v.as_ref());
        }
        m
    }
}

/// Multiply-rotate hashing of short keys (FxHash-like, 8 bytes at a time) with a final
/// avalanche (murmur3's `fmix64`), so that keys differing only in their last bytes (ids such as
/// `i0000123`) spread over the low bits the table uses. Not DoS-resistant, which does not
/// matter for a file the analyst hands in.
fn hacher(octets: &[u8]) -> u64 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h = octets.len() as u64;
    let mut morceaux = octets.chunks_exact(8);
    for m in &mut morceaux {
        let mut b = [0u8; 8];
        b.copy_from_slice(m);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
    }
    let reste = morceaux.remainder();
    if !reste.is_empty() {
        let mut b = [0u8; 8];
        b[..reste.len()].copy_from_slice(reste);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Text → code, in order of first appearance: an open-addressing table (linear probing) of
/// codes over [`Modalites`].
#[derive(Default)]
struct Dictionnaire {
    modalites: Modalites,
    hashes: Vec<u64>,
    /// 0 = empty slot, otherwise code + 1. Length a power of two, at most half full.
    table: Vec<u32>,
}

impl Dictionnaire {
    fn code(&mut self, valeur: &str) -> u32 {
        if self.table.is_empty() {
            self.table = vec![0; 64];
        }
        let h = hacher(valeur.as_bytes());
        let masque = self.table.len() - 1;
        let mut i = h as usize & masque;
        loop {
            let s = self.table[i];
            if s == 0 {
                break;
            }
            let k = (s - 1) as usize;
            if self.hashes[k] == h && self.modalites.get(k) == valeur {
                return k as u32;
            }
            i = (i + 1) & masque;
        }
        let k = self.modalites.len() as u32;
        self.modalites.push(valeur);
        self.hashes.push(h);
        self.table[i] = k + 1;
        if 2 * self.modalites.len() > self.table.len() {
            let mut table = vec![0u32; self.table.len() * 2];
            let masque = table.len() - 1;
            for (k, &h) in self.hashes.iter().enumerate() {
                let mut i = h as usize & masque;
                while table[i] != 0 {
                    i = (i + 1) & masque;
                }
                table[i] = k as u32 + 1;
            }
            self.table = table;
        }
        k
    }
}

fn separateur(entete: &[u8]) -> u8 {
    let compter = |c: u8| entete.iter().filter(|&&b| b == c).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&c| compter(c))
        .filter(|&c| compter(c) > 0)
        .unwrap_or(b',')
}

/// Splits one record starting at `pos`; returns the fields (unescaped when quoted) and the
/// position after the record's line break. `ligne` is incremented for line breaks inside
/// quoted fields.
fn enregistrement<'a>(
    octets: &'a [u8],
    mut pos: usize,
    sep: u8,
    ligne: &mut u64,
    champs: &mut Vec<Cow<'a, [u8]>>,
) -> Result<usize, ErreurDonnees> {
    champs.clear();
    let debut_ligne = *ligne;
    loop {
        // One field.
        let mut debut = pos;
        while debut < octets.len() && octets[debut] == b' ' {
            debut += 1;
        }
        if debut < octets.len() && octets[debut] == b'"' {
            let mut valeur = Vec::new();
            let mut i = debut + 1;
            loop {
                match octets.get(i) {
                    None => return Err(ErreurDonnees::GuillemetNonFerme { ligne: debut_ligne }),
                    Some(b'"') if octets.get(i + 1) == Some(&b'"') => {
                        valeur.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&b) => {
                        if b == b'\n' {
                            *ligne += 1;
                        }
                        valeur.push(b);
                        i += 1;
                    }
                }
            }
            while i < octets.len() && octets[i] == b' ' {
                i += 1;
            }
            champs.push(Cow::Owned(valeur));
            pos = i;
        } else {
            let mut i = debut;
            while i < octets.len() && octets[i] != sep && octets[i] != b'\n' {
                i += 1;
            }
            let mut fin = i;
            while fin > debut && matches!(octets[fin - 1], b' ' | b'\r') {
                fin -= 1;
            }
            champs.push(Cow::Borrowed(&octets[debut..fin]));
            pos = i;
        }
        match octets.get(pos) {
            Some(&b) if b == sep => pos += 1,
            Some(b'\r') if octets.get(pos + 1) == Some(&b'\n') => return Ok(pos + 2),
            Some(b'\n') => return Ok(pos + 1),
            None => return Ok(pos),
            Some(_) => {
                // Text after a closing quote: keep it in the field, like spreadsheets do.
                let i = pos;
                let mut j = i;
                while j < octets.len() && octets[j] != sep && octets[j] != b'\n' {
                    j += 1;
                }
                if let Some(Cow::Owned(v)) = champs.last_mut() {
                    v.extend_from_slice(&octets[i..j]);
                }
                pos = j;
                if pos < octets.len() && octets[pos] == sep {
                    pos += 1;
                } else {
                    return Ok((pos + 1).min(octets.len()));
                }
            }
        }
    }
}

fn lire_csv(octets: &[u8]) -> Result<Jeu, ErreurDonnees> {
    let octets = octets.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(octets);
    let fin_entete = octets
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(octets.len());
    if octets[..fin_entete].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ErreurDonnees::Vide);
    }
    let sep = separateur(&octets[..fin_entete]);
    let mut ligne = 1u64;
    let mut champs = Vec::new();
    let mut pos = enregistrement(octets, 0, sep, &mut ligne, &mut champs)?;
    let mut noms = Vec::with_capacity(champs.len());
    for (j, c) in champs.iter().enumerate() {
        let nom = std::str::from_utf8(c)
            .map_err(|_| ErreurDonnees::Encodage { ligne: 1 })?
            .trim()
            .to_string();
        if nom.is_empty() {
            return Err(ErreurDonnees::ColonneSansNom(j + 1));
        }
        if noms.contains(&nom) {
            return Err(ErreurDonnees::ColonneEnDouble(nom));
        }
        noms.push(nom);
    }
    let p = noms.len();
    let estimation = octets.len() / (fin_entete + 1).max(8);
    let mut textes: Vec<ColonneTexte> = (0..p)
        .map(|_| ColonneTexte {
            texte: String::with_capacity(octets.len() / p.max(1)),
            fins: Vec::with_capacity(estimation),
            categorielle: std::sync::OnceLock::new(),
        })
        .collect();
    let mut lignes: Vec<u64> = Vec::new();
    let mut multiligne = false;
    let mut n = 0usize;
    while pos < octets.len() {
        ligne += 1;
        let debut = ligne;
        pos = enregistrement(octets, pos, sep, &mut ligne, &mut champs)?;
        if champs.len() == 1 && champs[0].is_empty() {
            continue; // blank line
        }
        if champs.len() != p {
            return Err(ErreurDonnees::NombreDeChamps {
                ligne: debut,
                attendu: p,
                trouve: champs.len(),
            });
        }
        for (colonne, c) in textes.iter_mut().zip(&champs) {
            let texte =
                std::str::from_utf8(c).map_err(|_| ErreurDonnees::Encodage { ligne: debut })?;
            colonne.push(texte);
        }
        if !multiligne && (ligne != debut || debut != n as u64 + 2) {
            multiligne = true;
            lignes = (0..n as u64).map(|i| i + 2).collect();
        }
        if multiligne {
            lignes.push(debut);
        }
        n += 1;
    }
    let colonnes = textes.into_iter().map(Colonne::Texte).collect();
    Ok(Jeu {
        n,
        noms,
        colonnes,
        lignes: multiligne.then_some(lignes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quotes_separators_and_missing_values() {
        let jeu = Jeu::lire_csv(
            "\u{feff}id;nom;x\r\n1;\"a;b\";1,5\r\n2;\"dit \"\"c\"\"\";\r\n3; a;2\r\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(jeu.n(), 3);
        assert_eq!(jeu.noms(), ["id", "nom", "x"]);
        let nom = jeu.categorielle("nom").unwrap();
        assert_eq!(
            nom.modalites.iter().collect::<Vec<_>>(),
            ["a;b", "dit \"c\"", "a"]
        );
        let x = jeu.numerique("x").unwrap();
        assert_eq!(x[0], 1.5);
        assert!(x[1].is_nan());
        assert_eq!(x[2], 2.0);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = Jeu::lire_csv(b"id,w\n1,2\n2,abc\n").unwrap();
        assert_eq!(
            e.numerique("w").unwrap_err(),
            ErreurDonnees::NonNumerique {
                ligne: 3,
                colonne: "w".into(),
                valeur: "abc".into()
            }
        );
        assert_eq!(
            Jeu::lire_csv(b"a,b\n1,2\n1\n").unwrap_err(),
            ErreurDonnees::NombreDeChamps {
                ligne: 3,
                attendu: 2,
                trouve: 1
            }
        );
        let j = Jeu::lire_csv(b"id,b\n1,2\n2,2\n1,3\n").unwrap();
        assert_eq!(
            j.identifiants("id").unwrap_err(),
            ErreurDonnees::IdentifiantEnDouble {
                colonne: "id".into(),
                valeur: "1".into(),
                premiere: 2,
                seconde: 4
            }
        );
        assert!(matches!(
            Jeu::lire_csv(b"a,b\n\"1,2\n").unwrap_err(),
            ErreurDonnees::GuillemetNonFerme { ligne: 2 }
        ));
    }

    #[test]
    fn multiline_records_keep_their_line_numbers() {
        let j = Jeu::lire_csv(b"a,b\n\"x\ny\",1\nz,oops\n").unwrap();
        assert_eq!(j.ligne(1), 4);
        assert!(matches!(
            j.numerique("b").unwrap_err(),
            ErreurDonnees::NonNumerique { ligne: 4, .. }
        ));
    }
}
