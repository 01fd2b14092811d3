//! A streaming CSV reader that survives bad rows. Records are read line by line (RFC 4180:
//! quoted fields, doubled quotes, line breaks inside quotes); a quote that is not doubled inside
//! a field is kept as it is. A record whose quote never closes (before the end of the file or
//! [`Lecteur::MAX_OCTETS`]) is reported as malformed and reading starts again on the line after
//! its first one, so one stray quote costs one row, not the rest of the file. Memory: one record.

use std::io::BufRead;

/// One record: the fields' bytes, still in the file's encoding.
#[derive(Debug, Default)]
pub struct Enregistrement {
    /// Line of the file where the record starts (1 = the header).
    pub ligne: u64,
    /// Lines the record spans (more than one when a quoted field holds line breaks).
    pub nb_lignes: u32,
    buf: Vec<u8>,
    fins: Vec<usize>,
}

impl Enregistrement {
    pub fn len(&self) -> usize {
        self.fins.len()
    }
    pub fn is_empty(&self) -> bool {
        self.fins.is_empty()
    }
    pub fn champ(&self, i: usize) -> &[u8] {
        let debut = if i == 0 { 0 } else { self.fins[i - 1] };
        &self.buf[debut..self.fins[i]]
    }
    fn vider(&mut self) {
        self.buf.clear();
        self.fins.clear();
        self.nb_lignes = 0;
    }
    fn fin_champ(&mut self) {
        self.fins.push(self.buf.len());
    }
}

/// What [`Lecteur::suivant`] read.
#[derive(Debug, PartialEq, Eq)]
pub enum Lu {
    /// A record, in the caller's [`Enregistrement`].
    Enregistrement,
    /// A record that cannot be split into fields: its first line and why.
    Malforme { ligne: u64, raison: String },
    /// End of the file.
    Fin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Etat {
    DebutChamp,
    NonCite,
    Cite,
    GuillemetDansCite,
}

pub struct Lecteur<R> {
    source: R,
    sep: u8,
    /// Number of the next line read from the source.
    ligne_source: u64,
    /// Lines given back after a malformed multi-line record, next one last.
    retour: Vec<(u64, Vec<u8>)>,
    /// Raw lines of the current record when it spans several lines (for resynchronisation).
    brutes: Vec<(u64, Vec<u8>)>,
    ligne: Vec<u8>,
    octets_lus: u64,
}

impl<R: BufRead> Lecteur<R> {
    /// A record longer than this with an open quote is malformed.
    pub const MAX_OCTETS: usize = 1 << 20;

    /// `premiere_ligne`: the number of the first line `source` yields.
    pub fn new(source: R, sep: u8, premiere_ligne: u64) -> Self {
        Lecteur {
            source,
            sep,
            ligne_source: premiere_ligne,
            retour: Vec::new(),
            brutes: Vec::new(),
            ligne: Vec::with_capacity(4096),
            octets_lus: 0,
        }
    }

    /// Bytes read from the source so far.
    pub fn octets_lus(&self) -> u64 {
        self.octets_lus
    }

    /// The next line into `self.ligne`, with its number; None at the end.
    fn lire_ligne(&mut self) -> std::io::Result<Option<u64>> {
        if let Some((n, l)) = self.retour.pop() {
            self.ligne = l;
            return Ok(Some(n));
        }
        self.ligne.clear();
        let n = self.source.read_until(b'\n', &mut self.ligne)?;
        if n == 0 {
            return Ok(None);
        }
        self.octets_lus += n as u64;
        let num = self.ligne_source;
        self.ligne_source += 1;
        Ok(Some(num))
    }

    /// Reads the next non-blank record into `rec`.
    pub fn suivant(&mut self, rec: &mut Enregistrement) -> std::io::Result<Lu> {
        loop {
            rec.vider();
            self.brutes.clear();
            let mut etat = Etat::DebutChamp;
            let mut premiere = true;
            loop {
                let Some(num) = self.lire_ligne()? else {
                    if premiere {
                        return Ok(Lu::Fin);
                    }
                    // End of file inside quotes.
                    return Ok(self.malforme(
                        rec,
                        "guillemet ouvert jamais refermé (fin du fichier atteinte)",
                    ));
                };
                if premiere {
                    rec.ligne = num;
                    premiere = false;
                }
                rec.nb_lignes += 1;
                let mut contenu: &[u8] = &self.ligne;
                if let Some(c) = contenu.strip_suffix(b"\n") {
                    contenu = c.strip_suffix(b"\r").unwrap_or(c);
                }
                if rec.nb_lignes == 1 && contenu.iter().all(|b| b.is_ascii_whitespace()) {
                    // A blank line between records.
                    break;
                }
                if rec.nb_lignes > 1 || etat == Etat::Cite {
                    self.brutes.push((num, self.ligne.clone()));
                }
                for &b in contenu {
                    match etat {
                        Etat::DebutChamp => {
                            if b == self.sep {
                                rec.fin_champ();
                            } else if b == b'"' {
                                etat = Etat::Cite;
                            } else {
                                rec.buf.push(b);
                                etat = Etat::NonCite;
                            }
                        }
                        Etat::NonCite => {
                            if b == self.sep {
                                rec.fin_champ();
                                etat = Etat::DebutChamp;
                            } else {
                                rec.buf.push(b);
                            }
                        }
                        Etat::Cite => {
                            if b == b'"' {
                                etat = Etat::GuillemetDansCite;
                            } else {
                                rec.buf.push(b);
                            }
                        }
                        Etat::GuillemetDansCite => {
                            if b == b'"' {
                                rec.buf.push(b'"');
                                etat = Etat::Cite;
                            } else if b == self.sep {
                                rec.fin_champ();
                                etat = Etat::DebutChamp;
                            } else {
                                // A lone quote inside a quoted field: kept.
                                rec.buf.push(b'"');
                                rec.buf.push(b);
                                etat = Etat::Cite;
                            }
                        }
                    }
                }
                if etat == Etat::Cite {
                    if rec.buf.len() > Self::MAX_OCTETS {
                        return Ok(self.malforme(
                            rec,
                            "guillemet ouvert jamais refermé (enregistrement trop long)",
                        ));
                    }
                    rec.buf.push(b'\n');
                    // The first line of a multi-line record is kept for resynchronisation.
                    if self.brutes.is_empty() {
                        self.brutes.push((num, self.ligne.clone()));
                    }
                    continue;
                }
                rec.fin_champ();
                return Ok(Lu::Enregistrement);
            }
        }
    }

    fn malforme(&mut self, rec: &Enregistrement, raison: &str) -> Lu {
        let ligne = rec.ligne;
        self.resynchroniser();
        Lu::Malforme {
            ligne,
            raison: raison.to_string(),
        }
    }

    /// After a multi-line record that turned out wrong (say, a column count that does not
    /// match): reading starts again on the line after its first one. No-op for one-line records.
    pub fn resynchroniser(&mut self) {
        let brutes = std::mem::take(&mut self.brutes);
        for (n, l) in brutes.into_iter().skip(1).rev() {
            self.retour.push((n, l));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Lus = Vec<Result<(u64, Vec<String>), (u64, String)>>;

    fn tout(texte: &str, sep: u8) -> Lus {
        let mut l = Lecteur::new(texte.as_bytes(), sep, 1);
        let mut rec = Enregistrement::default();
        let mut out = Vec::new();
        loop {
            match l.suivant(&mut rec).unwrap() {
                Lu::Fin => return out,
                Lu::Malforme { ligne, raison } => out.push(Err((ligne, raison))),
                Lu::Enregistrement => out.push(Ok((
                    rec.ligne,
                    (0..rec.len())
                        .map(|i| String::from_utf8(rec.champ(i).to_vec()).unwrap())
                        .collect(),
                ))),
            }
        }
    }

    #[test]
    fn fields_quotes_and_line_breaks() {
        let t = "a;b;c\r\n1;\"x;y\";\"il a dit \"\"oui\"\"\"\n\n2;\"sur\ndeux lignes\";\n3;Les \"Amis\";\"Asso \"Les amis\" de X\"\n";
        let r = tout(t, b';');
        assert_eq!(r[0], Ok((1, vec!["a".into(), "b".into(), "c".into()])));
        assert_eq!(
            r[1],
            Ok((2, vec!["1".into(), "x;y".into(), "il a dit \"oui\"".into()]))
        );
        assert_eq!(
            r[2],
            Ok((4, vec!["2".into(), "sur\ndeux lignes".into(), "".into()]))
        );
        assert_eq!(
            r[3],
            Ok((
                6,
                vec![
                    "3".into(),
                    "Les \"Amis\"".into(),
                    "Asso \"Les amis\" de X".into()
                ]
            ))
        );
        assert_eq!(r.len(), 4);
    }

    #[test]
    fn unclosed_quote_costs_one_row() {
        let t = "1;\"jamais fermé\n2;ok\n3;ok\n";
        let r = tout(t, b';');
        assert_eq!(r[0].as_ref().unwrap_err().0, 1);
        assert_eq!(r[1], Ok((2, vec!["2".into(), "ok".into()])));
        assert_eq!(r[2], Ok((3, vec!["3".into(), "ok".into()])));
    }

    #[test]
    fn resynchronise_after_a_wrong_multiline_record() {
        // Line 1 opens a quote that line 2 "closes": one record of the wrong shape.
        let t = "1;\"a\n2;b\";c;d;e\n3;ok\n";
        let mut l = Lecteur::new(t.as_bytes(), b';', 1);
        let mut rec = Enregistrement::default();
        assert_eq!(l.suivant(&mut rec).unwrap(), Lu::Enregistrement);
        assert_eq!((rec.ligne, rec.nb_lignes, rec.len()), (1, 2, 5));
        l.resynchroniser();
        assert_eq!(l.suivant(&mut rec).unwrap(), Lu::Enregistrement);
        assert_eq!((rec.ligne, rec.len()), (2, 5));
        assert_eq!(l.suivant(&mut rec).unwrap(), Lu::Enregistrement);
        assert_eq!(rec.ligne, 3);
        assert_eq!(l.suivant(&mut rec).unwrap(), Lu::Fin);
    }

    #[test]
    fn last_line_without_newline_and_empty_fields() {
        let r = tout("a,b\n,\n\"\",x", b',');
        assert_eq!(r[1], Ok((2, vec!["".into(), "".into()])));
        assert_eq!(r[2], Ok((3, vec!["".into(), "x".into()])));
    }
}
