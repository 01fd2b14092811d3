//! Answers to a kit: read from form values or JSON, checked against the questions, written back
//! as JSON (the stored form and the API's).
//!
//! JSON shape: an object from question id to `"option-id"` (single choice), `["a", "b"]`
//! (multiple choice), `1`–`5` (scale), `"oui" | "non" | "nsp"`, a number, a text, or
//! `"non-applicable"` (« ne nous concerne pas », where the question offers it). `null` or a
//! missing key: not answered.

use std::fmt;

use serde_json::{Map, Value};

use super::{Genre, Kit, Question};

/// The answer « ne nous concerne pas ».
pub const NON_APPLICABLE: &str = "non-applicable";

#[derive(Debug, Clone, PartialEq)]
pub enum Reponse {
    /// Index of the option.
    Choix(usize),
    /// Indexes of the options, increasing, at least one.
    Multiple(Vec<usize>),
    /// 1 to 5.
    Echelle(u8),
    OuiNon(OuiNon),
    Nombre(f64),
    Texte(String),
    NonApplicable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OuiNon {
    Oui,
    Non,
    Nsp,
}

impl OuiNon {
    pub fn slug(self) -> &'static str {
        match self {
            OuiNon::Oui => "oui",
            OuiNon::Non => "non",
            OuiNon::Nsp => "nsp",
        }
    }
}

/// The answers of one passation, one slot per question of the kit (in [`Kit::questions`] order).
#[derive(Debug, Clone, PartialEq)]
pub struct Reponses(pub Vec<Option<Reponse>>);

/// A refused answer: the question (its id) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErreurReponse {
    pub question: String,
    pub message: String,
}

impl fmt::Display for ErreurReponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.question, self.message)
    }
}

impl Reponses {
    pub fn vides(kit: &Kit) -> Self {
        Reponses(vec![None; kit.questions.len()])
    }

    pub fn get(&self, q: usize) -> Option<&Reponse> {
        self.0.get(q).and_then(Option::as_ref)
    }
}

impl Kit {
    /// Reads the answer to question `q` from its raw values (form fields of one name, or the
    /// strings of a JSON value). No value, or only empty ones: not answered.
    pub fn lire_reponse(&self, q: usize, valeurs: &[&str]) -> Result<Option<Reponse>, String> {
        let question = &self.questions[q];
        let valeurs: Vec<&str> = valeurs
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        if valeurs.is_empty() {
            return Ok(None);
        }
        if valeurs.contains(&NON_APPLICABLE) && !matches!(question.genre, Genre::Texte { .. }) {
            if !question.non_applicable {
                return Err(
                    "« ne nous concerne pas » n'est pas proposé pour cette question".into(),
                );
            }
            if valeurs.len() > 1 {
                return Err(
                    "« ne nous concerne pas » ne se combine pas avec une autre réponse".into(),
                );
            }
            return Ok(Some(Reponse::NonApplicable));
        }
        let une = || -> Result<&str, String> {
            match valeurs.as_slice() {
                [v] => Ok(*v),
                _ => Err("une seule réponse est attendue".into()),
            }
        };
        let option = |options: &[super::Choix], v: &str| {
            options.iter().position(|o| o.id == v).ok_or_else(|| {
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                format!(
                    "option \"{}\" inconnue (options: {})",
                    tronque(v),
                    ids.join(", ")
                )
            })
        };
        Ok(Some(match &question.genre {
            Genre::ChoixUnique { options, .. } => Reponse::Choix(option(options, une()?)?),
            Genre::ChoixMultiple { options, .. } => {
                let mut choisis = Vec::with_capacity(valeurs.len());
                for v in &valeurs {
                    let i = option(options, v)?;
                    if !choisis.contains(&i) {
                        choisis.push(i);
                    }
                }
                choisis.sort_unstable();
                if choisis.len() > 1 {
                    if let Some(&i) = choisis.iter().find(|&&i| options[i].exclusif) {
                        return Err(format!(
                            "« {} » ne se combine pas avec d'autres options",
                            options[i].texte
                        ));
                    }
                }
                Reponse::Multiple(choisis)
            }
            Genre::Echelle { .. } => match une()?.parse::<u8>() {
                Ok(n @ 1..=5) => Reponse::Echelle(n),
                _ => return Err("une valeur de 1 à 5 est attendue".into()),
            },
            Genre::OuiNon { .. } => Reponse::OuiNon(match une()? {
                "oui" => OuiNon::Oui,
                "non" => OuiNon::Non,
                "nsp" => OuiNon::Nsp,
                v => return Err(format!("\"{}\": oui, non ou nsp attendu", tronque(v))),
            }),
            Genre::Nombre { min, max, .. } => {
                let v = une()?;
                let n: f64 = v
                    .replace(',', ".")
                    .replace([' ', '\u{a0}', '\u{202f}'], "")
                    .parse()
                    .map_err(|_| format!("\"{}\" n'est pas un nombre", tronque(v)))?;
                if !n.is_finite() || n < *min || n > *max {
                    return Err(format!("un nombre entre {min} et {max} est attendu"));
                }
                Reponse::Nombre(n)
            }
            Genre::Texte { max_longueur } => {
                let t = valeurs.join("\n");
                let n = t.chars().count();
                if n > *max_longueur {
                    return Err(format!(
                        "texte trop long: {n} caractères pour {max_longueur} au plus"
                    ));
                }
                Reponse::Texte(t)
            }
        }))
    }

    /// Reads answers from JSON (the API, the stored form). Every key must be a question of the
    /// kit; every error is reported.
    pub fn lire_reponses_json(
        &self,
        json: &Map<String, Value>,
    ) -> Result<Reponses, Vec<ErreurReponse>> {
        let mut reponses = Reponses::vides(self);
        let mut erreurs = Vec::new();
        for (id, v) in json {
            let Some(q) = self.question(id) else {
                erreurs.push(ErreurReponse {
                    question: tronque(id),
                    message: format!(
                        "question inconnue dans le kit {} v{}",
                        self.id, self.version
                    ),
                });
                continue;
            };
            let texte;
            let textes: Vec<String>;
            let valeurs: Vec<&str> = match v {
                Value::Null => Vec::new(),
                Value::String(s) => vec![s.as_str()],
                Value::Number(n) => {
                    // 5.0 is 5: JSON does not tell integers from decimals.
                    texte = match n.as_f64() {
                        Some(f) if n.as_i64().is_none() && f.fract() == 0.0 && f.abs() < 1e15 => {
                            format!("{}", f as i64)
                        }
                        _ => n.to_string(),
                    };
                    vec![texte.as_str()]
                }
                Value::Array(a) if a.iter().all(Value::is_string) => {
                    textes = a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect();
                    textes.iter().map(String::as_str).collect()
                }
                _ => {
                    erreurs.push(ErreurReponse {
                        question: id.clone(),
                        message: "valeur inattendue: un texte, un nombre ou une liste de textes"
                            .into(),
                    });
                    continue;
                }
            };
            match self.lire_reponse(q, &valeurs) {
                Ok(r) => reponses.0[q] = r,
                Err(message) => erreurs.push(ErreurReponse {
                    question: id.clone(),
                    message,
                }),
            }
        }
        if erreurs.is_empty() {
            Ok(reponses)
        } else {
            Err(erreurs)
        }
    }

    /// The answers as JSON (only the answered questions).
    pub fn reponses_json(&self, reponses: &Reponses) -> Map<String, Value> {
        let mut m = Map::new();
        for (q, r) in self.questions.iter().zip(&reponses.0) {
            if let Some(r) = r {
                m.insert(q.id.clone(), reponse_json(q, r));
            }
        }
        m
    }

    /// Which questions are shown, given the answers (conditions refer to earlier questions, so
    /// one pass in order suffices; a question whose source is hidden is hidden).
    pub fn visibles(&self, reponses: &Reponses) -> Vec<bool> {
        let mut vis = vec![true; self.questions.len()];
        for (i, q) in self.questions.iter().enumerate() {
            if let Some(c) = &q.condition {
                let src = &self.questions[c.source];
                vis[i] = vis[c.source]
                    && match reponses.get(c.source) {
                        Some(r) => valeurs_de(src, r)
                            .iter()
                            .any(|v| c.valeurs.iter().any(|x| x == v)),
                        None => false,
                    };
            }
        }
        vis
    }

    /// The values of an answer as strings (form fields): option ids, oui/non/nsp, the number…
    pub fn valeurs_reponse(&self, q: usize, r: &Reponse) -> Vec<String> {
        valeurs_de(&self.questions[q], r)
    }
}

fn valeurs_de(q: &Question, r: &Reponse) -> Vec<String> {
    match (r, &q.genre) {
        (Reponse::Choix(i), Genre::ChoixUnique { options, .. }) => vec![options[*i].id.clone()],
        (Reponse::Multiple(is), Genre::ChoixMultiple { options, .. }) => {
            is.iter().map(|i| options[*i].id.clone()).collect()
        }
        (Reponse::Echelle(n), _) => vec![n.to_string()],
        (Reponse::OuiNon(o), _) => vec![o.slug().to_string()],
        (Reponse::Nombre(n), _) => vec![format_nombre(*n)],
        (Reponse::Texte(t), _) => vec![t.clone()],
        (Reponse::NonApplicable, _) => vec![NON_APPLICABLE.to_string()],
        _ => Vec::new(),
    }
}

fn reponse_json(q: &Question, r: &Reponse) -> Value {
    match r {
        Reponse::Multiple(_) => {
            Value::Array(valeurs_de(q, r).into_iter().map(Value::String).collect())
        }
        Reponse::Echelle(n) => Value::from(*n),
        Reponse::Nombre(n) => serde_json::Number::from_f64(*n)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        _ => valeurs_de(q, r)
            .into_iter()
            .next()
            .map(Value::String)
            .unwrap_or(Value::Null),
    }
}

fn format_nombre(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// An input echoed in a message, cut to a readable length.
fn tronque(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

impl Kit {
    /// Reads the answers of one section's form: `(question id, raw values)` pairs. A question of
    /// another section or unknown to the kit is refused (a tampered form). Returns the answers
    /// to set, one per question of the section (None: cleared), or every error.
    pub fn lire_section(
        &self,
        section: usize,
        champs: &[(String, Vec<String>)],
    ) -> Result<Vec<(usize, Option<Reponse>)>, Vec<ErreurReponse>> {
        let plage = self.sections[section].questions.clone();
        let mut erreurs = Vec::new();
        for (id, _) in champs {
            match self.question(id) {
                Some(q) if plage.contains(&q) => {}
                Some(_) => erreurs.push(ErreurReponse {
                    question: tronque(id),
                    message: format!(
                        "cette question n'est pas dans la section « {} »",
                        self.sections[section].titre
                    ),
                }),
                None => erreurs.push(ErreurReponse {
                    question: tronque(id),
                    message: format!(
                        "question inconnue dans le kit {} v{}",
                        self.id, self.version
                    ),
                }),
            }
        }
        let mut out = Vec::with_capacity(plage.len());
        for q in plage {
            let id = &self.questions[q].id;
            let valeurs: Vec<&str> = champs
                .iter()
                .filter(|(c, _)| c == id)
                .flat_map(|(_, v)| v.iter().map(String::as_str))
                .collect();
            match self.lire_reponse(q, &valeurs) {
                Ok(r) => out.push((q, r)),
                Err(message) => erreurs.push(ErreurReponse {
                    question: id.clone(),
                    message,
                }),
            }
        }
        if erreurs.is_empty() {
            Ok(out)
        } else {
            Err(erreurs)
        }
    }

    /// The questions of a section that must be answered and are not (only those shown).
    pub fn manquantes(&self, section: usize, reponses: &Reponses) -> Vec<ErreurReponse> {
        let vis = self.visibles(reponses);
        self.sections[section]
            .questions
            .clone()
            .filter(|&q| self.questions[q].obligatoire && vis[q] && reponses.get(q).is_none())
            .map(|q| ErreurReponse {
                question: self.questions[q].id.clone(),
                message: "une réponse est demandée".into(),
            })
            .collect()
    }
}
