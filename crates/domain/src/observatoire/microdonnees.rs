//! Microdata of a wave read from a table (a CSV file's header and rows), checked against the
//! questionnaire: every problem is reported with its line and column, and nothing is kept unless
//! the whole file is right.
//!
//! Columns: the respondent's identifier (`id` by default), optionally the design weight
//! (`poids` by default; 1 otherwise), and one column per question, named by its id. Values are
//! written as the kits' answers: an option id (single choice), option ids separated by `|`
//! (multiple choice), `1`–`5` (scale), `oui` / `non` / `nsp`, a number, a text. Empty: not
//! answered. A question hidden by its condition must be left empty; a required question that is
//! shown must be answered. Columns of the questionnaire may be absent (never asked), but a
//! column the questionnaire does not know is refused.

use std::collections::HashMap;
use std::fmt;

use crate::kits::{Genre, Kit, Reponses};

/// Separator of the options of a multiple-choice answer in a cell.
pub const SEPARATEUR_MULTIPLE: char = '|';
/// At most this many errors are listed (the count says how many there were).
pub const ERREURS_MAX: usize = 200;

/// One problem: line (1 = header), column, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErreurLigne {
    pub ligne: u64,
    pub colonne: String,
    pub message: String,
}

impl fmt::Display for ErreurLigne {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.colonne.is_empty() {
            write!(f, "ligne {} : {}", self.ligne, self.message)
        } else {
            write!(
                f,
                "ligne {}, colonne « {} » : {}",
                self.ligne, self.colonne, self.message
            )
        }
    }
}

/// A checked respondent.
#[derive(Debug, Clone, PartialEq)]
pub struct Repondant {
    pub ident: String,
    /// Design weight (> 0).
    pub poids: f64,
    pub reponses: Reponses,
}

/// Where each expected column is in the file.
#[derive(Debug, Clone)]
pub struct Entete {
    id: usize,
    poids: Option<usize>,
    /// (column position, question index)
    questions: Vec<(usize, usize)>,
    noms: Vec<String>,
}

/// Reads the header: the identifier column must be there; every other column must be the
/// weight column or a question of the questionnaire.
pub fn entete(
    kit: &Kit,
    colonnes: &[String],
    colonne_id: &str,
    colonne_poids: &str,
) -> Result<Entete, Vec<ErreurLigne>> {
    let mut errs = Vec::new();
    let mut id = None;
    let mut poids = None;
    let mut questions = Vec::new();
    for (i, c) in colonnes.iter().enumerate() {
        if c == colonne_id {
            id = Some(i);
        } else if c == colonne_poids {
            poids = Some(i);
        } else if let Some(q) = kit.question(c) {
            questions.push((i, q));
        } else {
            errs.push(ErreurLigne {
                ligne: 1,
                colonne: c.clone(),
                message: format!(
                    "colonne inconnue : ni l'identifiant (« {colonne_id} »), ni le poids (« {colonne_poids} »), ni une question du questionnaire"
                ),
            });
        }
    }
    if id.is_none() {
        errs.push(ErreurLigne {
            ligne: 1,
            colonne: colonne_id.to_string(),
            message: "la colonne de l'identifiant des répondants manque".into(),
        });
    }
    if questions.is_empty() {
        errs.push(ErreurLigne {
            ligne: 1,
            colonne: String::new(),
            message: "aucune colonne ne porte l'identifiant d'une question du questionnaire".into(),
        });
    }
    match (errs.is_empty(), id) {
        (true, Some(id)) => Ok(Entete {
            id,
            poids,
            questions,
            noms: colonnes.to_vec(),
        }),
        _ => Err(errs),
    }
}

impl Entete {
    /// Checks one row (`valeur(column)` gives its cells) and returns the respondent, or the
    /// row's errors.
    pub fn lire<'a>(
        &self,
        kit: &Kit,
        ligne: u64,
        valeur: impl Fn(usize) -> &'a str,
    ) -> Result<Repondant, Vec<ErreurLigne>> {
        let mut errs = Vec::new();
        let err = |errs: &mut Vec<ErreurLigne>, col: usize, message: String| {
            errs.push(ErreurLigne {
                ligne,
                colonne: self.noms[col].clone(),
                message,
            })
        };
        let ident = valeur(self.id).trim().to_string();
        if ident.is_empty() {
            err(&mut errs, self.id, "identifiant manquant".into());
        } else if ident.chars().count() > 100 || ident.chars().any(char::is_control) {
            err(
                &mut errs,
                self.id,
                "identifiant trop long (100 caractères au plus) ou illisible".into(),
            );
        }
        let poids = match self.poids {
            None => 1.0,
            Some(c) => match valeur(c).trim().replace(',', ".").parse::<f64>() {
                Ok(p) if p.is_finite() && p > 0.0 => p,
                _ => {
                    err(
                        &mut errs,
                        c,
                        format!(
                            "« {} » n'est pas un poids (un nombre strictement positif)",
                            tronque(valeur(c))
                        ),
                    );
                    1.0
                }
            },
        };
        let mut reponses = Reponses::vides(kit);
        let mut refusees = vec![false; kit.questions.len()];
        for &(col, q) in &self.questions {
            let brut = valeur(col);
            let valeurs: Vec<&str> = match kit.questions[q].genre {
                Genre::ChoixMultiple { .. } => brut.split(SEPARATEUR_MULTIPLE).collect(),
                _ => vec![brut],
            };
            match kit.lire_reponse(q, &valeurs) {
                Ok(r) => reponses.0[q] = r,
                Err(m) => {
                    refusees[q] = true;
                    err(&mut errs, col, m)
                }
            }
        }
        let visibles = kit.visibles(&reponses);
        let colonne_de: HashMap<usize, usize> =
            self.questions.iter().map(|&(c, q)| (q, c)).collect();
        for (q, question) in kit.questions.iter().enumerate() {
            let repondue = reponses.get(q).is_some();
            if repondue && !visibles[q] {
                let cond = question.condition.as_ref().map(|c| c.source_id.as_str());
                err(
                    &mut errs,
                    colonne_de[&q],
                    format!(
                        "réponse à une question qui ne s'affiche pas pour ce répondant (sa condition porte sur « {} »)",
                        cond.unwrap_or("?")
                    ),
                );
            } else if !repondue && !refusees[q] && visibles[q] && question.obligatoire {
                errs.push(ErreurLigne {
                    ligne,
                    colonne: question.id.clone(),
                    message: "réponse obligatoire manquante".into(),
                });
            }
        }
        if errs.is_empty() {
            Ok(Repondant {
                ident,
                poids,
                reponses,
            })
        } else {
            Err(errs)
        }
    }
}

/// Reads every row (`lignes` gives each row's line number and its cells by column): all the
/// respondents, or every error (at most [`ERREURS_MAX`] listed, with the total), duplicated
/// identifiers included.
pub fn lire_tout<'a, I, F>(
    kit: &Kit,
    entete: &Entete,
    lignes: I,
) -> Result<Vec<Repondant>, (Vec<ErreurLigne>, usize)>
where
    I: IntoIterator<Item = (u64, F)>,
    F: Fn(usize) -> &'a str,
{
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let mut total = 0usize;
    let mut vus: HashMap<String, u64> = HashMap::new();
    for (ligne, valeur) in lignes {
        match entete.lire(kit, ligne, valeur) {
            Ok(r) => {
                if let Some(premiere) = vus.insert(r.ident.clone(), ligne) {
                    total += 1;
                    if errs.len() < ERREURS_MAX {
                        errs.push(ErreurLigne {
                            ligne,
                            colonne: entete.noms[entete.id].clone(),
                            message: format!(
                                "identifiant « {} » déjà utilisé ligne {premiere}",
                                tronque(&r.ident)
                            ),
                        });
                    }
                } else if errs.is_empty() {
                    out.push(r);
                }
            }
            Err(es) => {
                total += es.len();
                let place = ERREURS_MAX.saturating_sub(errs.len());
                errs.extend(es.into_iter().take(place));
            }
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err((errs, total))
    }
}

fn tronque(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut l = csv.lines();
        let h = l.next().unwrap().split(',').map(String::from).collect();
        (
            h,
            l.map(|r| r.split(',').map(String::from).collect())
                .collect(),
        )
    }

    #[test]
    fn rows_are_checked_against_the_questionnaire_with_line_and_column() {
        let kit =
            crate::kits::lire_questionnaire(&crate::observatoire::etude::tests_questionnaire())
                .unwrap();
        let (h, rows) = table(
            "id,poids,taille,region,partenariat,nombre\n\
             a,1.5,petite,idf,oui,3\n\
             b,x,moyenne,bre,non,2\n\
             c,1,,bre,non,\n\
             a,2,grande,,nsp,\n\
             d,1,grande,bre,oui,300",
        );
        let e = entete(&kit, &h, "id", "poids").unwrap();
        let (errs, total) = lire_tout(
            &kit,
            &e,
            rows.iter()
                .enumerate()
                .map(|(i, r)| (i as u64 + 2, move |c: usize| r[c].as_str())),
        )
        .unwrap_err();
        let vus: Vec<String> = errs
            .iter()
            .map(|e| format!("{}:{}", e.ligne, e.colonne))
            .collect();
        assert_eq!(
            vus,
            vec!["3:poids", "3:taille", "3:nombre", "4:taille", "5:id", "6:nombre"],
            "{errs:#?}"
        );
        assert_eq!(total, 6);
        assert!(errs[2].message.contains("condition"), "{}", errs[2]);
        assert!(errs[3].message.contains("obligatoire"));
        assert!(errs[4].message.contains("ligne 2"));

        let (h, rows) = table("id,taille,extra\nx,petite,1");
        let e = entete(&kit, &h, "id", "poids").unwrap_err();
        assert_eq!(e[0].colonne, "extra");
        let _ = rows;

        let (h, rows) = table("id,taille,partenariat,nombre\nx,petite,oui,3\ny,grande,non,");
        let e = entete(&kit, &h, "id", "poids").unwrap();
        let ok = lire_tout(
            &kit,
            &e,
            rows.iter()
                .enumerate()
                .map(|(i, r)| (i as u64 + 2, move |c: usize| r[c].as_str())),
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].poids, 1.0);
    }
}
