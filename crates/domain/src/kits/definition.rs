//! Reading and checking a kit definition (the format of `kits/README.md`).
//!
//! [`lire`] parses the TOML text, then checks every rule of the format and reports **all** the
//! errors it finds, each with its line: unknown keys and wrong types (from the parser), duplicate
//! ids, unknown references (dimension, level, condition source, option, link value), questions
//! that can never be shown, score ranges (points, weights, ceilings, thresholds) and levels that
//! do not cover 0–100, dimension × level pairs without a recommendation.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use super::{
    Choix, Condition, Dimension, Genre, Kit, Lien, Niveau, Public, Question, Recommandation,
    Section,
};
use crate::annuaire::{NatureRessource, Profil};
use crate::ingenieries::Service;
use crate::ressources::Theme;

/// Number of maturity levels of every kit.
pub const NB_NIVEAUX: usize = 4;
/// Default and highest `max_longueur` of a free-text question.
pub const TEXTE_DEFAUT: usize = 2000;
pub const TEXTE_MAX: usize = 10_000;

/// One error of a definition: the line (1-based; 0 when the whole file is concerned) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErreurKit {
    pub ligne: usize,
    pub message: String,
}

impl fmt::Display for ErreurKit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ligne {}: {}", self.ligne, self.message)
    }
}

/// Checks that a kit sits in `kits/<id>/v<version>.toml`: `dossier` is the folder's name,
/// `fichier` the file's name.
pub fn verifier_emplacement(kit: &Kit, dossier: &str, fichier: &str) -> Vec<ErreurKit> {
    let mut errs = Vec::new();
    if dossier != kit.id {
        errs.push(ErreurKit {
            ligne: 0,
            message: format!(
                "le kit \"{}\" doit se trouver dans le dossier kits/{}/ (il est dans {dossier}/)",
                kit.id, kit.id
            ),
        });
    }
    let attendu = format!("v{}.toml", kit.version);
    if fichier != attendu {
        errs.push(ErreurKit {
            ligne: 0,
            message: format!(
                "la version {} doit s'appeler {attendu} (le fichier s'appelle {fichier})",
                kit.version
            ),
        });
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// The file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Brut {
    id: Spanned<String>,
    version: Spanned<i64>,
    titre: Spanned<String>,
    public: Option<Spanned<String>>,
    duree_minutes: Option<Spanned<i64>>,
    resume: Option<Spanned<String>>,
    licence: Spanned<String>,
    auteurs: Option<String>,
    date: Spanned<toml::Value>,
    #[serde(default)]
    dimensions: Vec<Spanned<DimensionBrute>>,
    #[serde(default)]
    niveaux: Vec<Spanned<NiveauBrut>>,
    sections: Vec<Spanned<SectionBrute>>,
    #[serde(default)]
    recommandations: Vec<Spanned<RecoBrute>>,
}

/// What a definition file describes: a scored kit, or a survey questionnaire (the same
/// sections and questions, no scoring: no dimensions, levels nor recommendations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Forme {
    Kit,
    Questionnaire,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DimensionBrute {
    id: String,
    titre: String,
    description: String,
    poids: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NiveauBrut {
    id: String,
    titre: String,
    min: Spanned<f64>,
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionBrute {
    id: String,
    titre: String,
    introduction: Option<String>,
    #[serde(default)]
    restitution: bool,
    questions: Vec<Spanned<QuestionBrute>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionBrute {
    id: String,
    #[serde(rename = "type")]
    genre: String,
    texte: String,
    aide: Option<String>,
    dimension: Option<String>,
    poids: Option<f64>,
    #[serde(default)]
    non_applicable: bool,
    #[serde(default)]
    obligatoire: bool,
    condition: Option<ConditionBrute>,
    options: Option<Vec<Spanned<ChoixBrut>>>,
    plafond: Option<i64>,
    libelle_min: Option<String>,
    libelle_max: Option<String>,
    inverse: Option<bool>,
    min: Option<f64>,
    max: Option<f64>,
    unite: Option<String>,
    paliers: Option<Vec<(f64, f64)>>,
    max_longueur: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionBrute {
    question: String,
    valeurs: Vec<String>,
    #[serde(default)]
    hors_score: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChoixBrut {
    id: String,
    texte: String,
    points: Option<i64>,
    #[serde(default)]
    exclusif: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoBrute {
    dimension: String,
    niveaux: Vec<String>,
    titre: String,
    texte: String,
    #[serde(default)]
    liens: Vec<LienBrut>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LienBrut {
    #[serde(rename = "type")]
    genre: String,
    valeur: String,
}

// ---------------------------------------------------------------------------------------------

/// Line numbers of byte offsets.
struct Lignes(Vec<usize>);

impl Lignes {
    fn new(texte: &str) -> Self {
        Lignes(
            texte
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }
    fn de(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

struct Collecte<'a> {
    lignes: &'a Lignes,
    erreurs: Vec<ErreurKit>,
}

impl Collecte<'_> {
    fn err(&mut self, span: std::ops::Range<usize>, message: String) {
        let ligne = self.lignes.de(span.start);
        self.erreurs.push(ErreurKit { ligne, message });
    }
}

fn slug_valide(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes()[0].is_ascii_alphanumeric()
}

fn non_vide(c: &mut Collecte, span: &std::ops::Range<usize>, quoi: &str, s: &str) {
    if s.trim().is_empty() {
        c.err(span.clone(), format!("{quoi} est vide"));
    }
}

/// Reads and checks a kit definition. Returns every error found, in line order.
pub fn lire(texte: &str) -> Result<Kit, Vec<ErreurKit>> {
    lire_forme(texte, Forme::Kit)
}

/// Reads a survey questionnaire of the observatory: the kit format without scoring — `id`,
/// `version`, `titre`, `licence`, `date`, optional `resume` and `duree_minutes`, and
/// `sections` of questions with the same keys and rules as a kit's, none of them scored
/// (no `dimension`); no `public`, dimensions, levels nor recommendations.
pub fn lire_questionnaire(texte: &str) -> Result<Kit, Vec<ErreurKit>> {
    lire_forme(texte, Forme::Questionnaire)
}

fn lire_forme(texte: &str, forme: Forme) -> Result<Kit, Vec<ErreurKit>> {
    let lignes = Lignes::new(texte);
    let brut: Brut = match toml::from_str(texte) {
        Ok(b) => b,
        Err(e) => {
            let ligne = e.span().map(|s| lignes.de(s.start)).unwrap_or(0);
            return Err(vec![ErreurKit {
                ligne,
                message: e.message().trim().to_string(),
            }]);
        }
    };
    let mut c = Collecte {
        lignes: &lignes,
        erreurs: Vec::new(),
    };
    let kit = construire(brut, forme, &mut c);
    if c.erreurs.is_empty() {
        Ok(kit)
    } else {
        c.erreurs.sort_by_key(|e| e.ligne);
        Err(c.erreurs)
    }
}

/// A required key of a kit that a questionnaire may omit: reported missing for a kit.
fn requise<T>(
    c: &mut Collecte,
    forme: Forme,
    cle: &str,
    v: Option<Spanned<T>>,
) -> Option<Spanned<T>> {
    if v.is_none() && forme == Forme::Kit {
        c.err(0..0, format!("clé {cle} manquante"));
    }
    v
}

fn construire(b: Brut, forme: Forme, c: &mut Collecte) -> Kit {
    if forme == Forme::Questionnaire {
        if let Some(p) = &b.public {
            c.err(
                p.span(),
                "public: un questionnaire d'enquête n'a pas de public de kit (la population est celle de l'étude)".into(),
            );
        }
        for (cle, sp) in [
            ("dimensions", b.dimensions.first().map(|x| x.span())),
            ("niveaux", b.niveaux.first().map(|x| x.span())),
            (
                "recommandations",
                b.recommandations.first().map(|x| x.span()),
            ),
        ] {
            if let Some(sp) = sp {
                c.err(
                    sp,
                    format!("{cle}: un questionnaire d'enquête n'est pas noté (pas de dimensions, niveaux ni recommandations)"),
                );
            }
        }
    }
    let public_b = requise(c, forme, "public", b.public);
    let duree_b = requise(c, forme, "duree_minutes", b.duree_minutes);
    let resume_b = requise(c, forme, "resume", b.resume);
    if !slug_valide(b.id.get_ref()) {
        c.err(
            b.id.span(),
            format!(
                "id \"{}\": un identifiant s'écrit en minuscules ASCII, chiffres et tirets",
                b.id.get_ref()
            ),
        );
    }
    let version = u32::try_from(*b.version.get_ref()).unwrap_or(0);
    if version == 0 {
        c.err(
            b.version.span(),
            "version: un entier ≥ 1 est attendu".into(),
        );
    }
    let public = match &public_b {
        Some(p) if forme == Forme::Kit => Public::from_slug(p.get_ref()).unwrap_or_else(|| {
            c.err(
                p.span(),
                format!(
                    "public \"{}\" inconnu (attendu: {})",
                    p.get_ref(),
                    Public::slugs()
                ),
            );
            Public::Organisation
        }),
        _ => Public::Organisation,
    };
    let duree = match &duree_b {
        Some(d) => {
            let duree = u32::try_from(*d.get_ref()).unwrap_or(0);
            if duree == 0 || duree > 600 {
                c.err(d.span(), "duree_minutes: entre 1 et 600 minutes".into());
            }
            duree
        }
        None => 0,
    };
    non_vide(c, &b.titre.span(), "titre", b.titre.get_ref());
    if let Some(r) = &resume_b {
        non_vide(c, &r.span(), "resume", r.get_ref());
    }
    non_vide(c, &b.licence.span(), "licence", b.licence.get_ref());
    let date = match b.date.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        _ => String::new(),
    };
    if !date_valide(&date) {
        c.err(
            b.date.span(),
            "date: une date AAAA-MM-JJ est attendue".into(),
        );
    }

    // Dimensions.
    let mut dimensions = Vec::new();
    let mut dim_index: HashMap<String, usize> = HashMap::new();
    if b.dimensions.is_empty() && forme == Forme::Kit {
        c.err(0..0, "le kit n'a aucune dimension".into());
    }
    for d in &b.dimensions {
        let sp = d.span();
        let d = d.get_ref();
        verifier_id(c, &sp, "dimension", &d.id, &mut dim_index, dimensions.len());
        let poids = d.poids.unwrap_or(1.0);
        if !(poids > 0.0 && poids.is_finite()) {
            c.err(
                sp.clone(),
                format!("dimension \"{}\": poids doit être > 0", d.id),
            );
        }
        non_vide(c, &sp, &format!("dimension \"{}\": titre", d.id), &d.titre);
        dimensions.push(Dimension {
            id: d.id.clone(),
            titre: d.titre.clone(),
            description: d.description.clone(),
            poids,
        });
    }

    // Levels.
    let mut niveaux = Vec::new();
    let mut niv_index: HashMap<String, usize> = HashMap::new();
    if b.niveaux.len() != NB_NIVEAUX && forme == Forme::Kit {
        let sp = b.niveaux.first().map(|n| n.span()).unwrap_or(0..0);
        c.err(
            sp,
            format!(
                "il faut exactement {NB_NIVEAUX} niveaux de maturité (il y en a {})",
                b.niveaux.len()
            ),
        );
    }
    for (i, n) in b.niveaux.iter().enumerate() {
        let n = n.get_ref();
        // Errors on a level point at its `min`.
        let sp = n.min.span();
        let min = *n.min.get_ref();
        verifier_id(c, &sp, "niveau", &n.id, &mut niv_index, niveaux.len());
        if i == 0 && min != 0.0 {
            c.err(
                sp.clone(),
                format!(
                    "niveau \"{}\": le premier niveau doit commencer à 0 (min = {}), sinon les scores de 0 à {} n'ont pas de niveau",
                    n.id, min, min
                ),
            );
        }
        if !(0.0..=100.0).contains(&min) {
            c.err(
                sp.clone(),
                format!("niveau \"{}\": min doit être entre 0 et 100", n.id),
            );
        }
        if let Some(prec) = b.niveaux.get(i.wrapping_sub(1)).filter(|_| i > 0) {
            if min <= *prec.get_ref().min.get_ref() {
                c.err(
                    sp.clone(),
                    format!(
                        "niveau \"{}\": min ({}) doit dépasser celui du niveau précédent ({})",
                        n.id,
                        min,
                        *prec.get_ref().min.get_ref()
                    ),
                );
            }
        }
        niveaux.push(Niveau {
            id: n.id.clone(),
            titre: n.titre.clone(),
            min,
            description: n.description.clone(),
        });
    }

    // Sections and questions.
    let mut sections = Vec::new();
    let mut questions: Vec<Question> = Vec::new();
    let mut q_index: HashMap<String, usize> = HashMap::new();
    let mut q_spans = Vec::new();
    let mut sec_index: HashMap<String, usize> = HashMap::new();
    if b.sections.is_empty() {
        c.err(0..0, "le kit n'a aucune section".into());
    }
    let tous: HashSet<&str> = b
        .sections
        .iter()
        .flat_map(|s| {
            s.get_ref()
                .questions
                .iter()
                .map(|q| q.get_ref().id.as_str())
        })
        .collect();
    for s in &b.sections {
        let sp = s.span();
        let s = s.get_ref();
        let si = sections.len();
        verifier_id(c, &sp, "section", &s.id, &mut sec_index, si);
        if s.questions.is_empty() {
            c.err(sp.clone(), format!("section \"{}\": aucune question", s.id));
        }
        let debut = questions.len();
        for q in &s.questions {
            let qsp = q.span();
            let q = q.get_ref();
            verifier_id(c, &qsp, "question", &q.id, &mut q_index, questions.len());
            let question =
                construire_question(c, &qsp, q, si, &dim_index, (&q_index, &tous), &questions);
            questions.push(question);
            q_spans.push(qsp);
        }
        sections.push(Section {
            id: s.id.clone(),
            titre: s.titre.clone(),
            introduction: s.introduction.clone(),
            restitution: s.restitution,
            questions: debut..questions.len(),
        });
    }

    // Reachability: a question whose condition's source can never be shown is never shown.
    let mut atteignable = vec![true; questions.len()];
    for i in 0..questions.len() {
        if let Some(cond) = &questions[i].condition {
            if cond.source < i && !atteignable[cond.source] {
                atteignable[i] = false;
                c.err(
                    q_spans[i].clone(),
                    format!(
                        "question \"{}\": jamais affichée (sa condition porte sur \"{}\", qui n'est jamais affichée)",
                        questions[i].id, cond.source_id
                    ),
                );
            }
        }
    }
    for (di, d) in dimensions.iter().enumerate() {
        if !questions
            .iter()
            .zip(&atteignable)
            .any(|(q, a)| *a && q.dim == Some(di))
        {
            let sp = b.dimensions[di].span();
            c.err(
                sp,
                format!(
                    "dimension \"{}\": aucune question affichable ne la note",
                    d.id
                ),
            );
        }
    }

    // Recommendations.
    let mut recommandations = Vec::new();
    let mut couvert = vec![vec![false; niveaux.len()]; dimensions.len()];
    for r in &b.recommandations {
        let sp = r.span();
        let r = r.get_ref();
        non_vide(c, &sp, "recommandation: titre", &r.titre);
        non_vide(c, &sp, "recommandation: texte", &r.texte);
        let dim = dim_index.get(&r.dimension).copied();
        if dim.is_none() {
            c.err(
                sp.clone(),
                format!(
                    "recommandation \"{}\": dimension \"{}\" inconnue",
                    r.titre, r.dimension
                ),
            );
        }
        if r.niveaux.is_empty() {
            c.err(
                sp.clone(),
                format!("recommandation \"{}\": aucun niveau", r.titre),
            );
        }
        let mut niv = Vec::new();
        for n in &r.niveaux {
            match niv_index.get(n) {
                Some(&i) => {
                    niv.push(i);
                    if let Some(d) = dim {
                        couvert[d][i] = true;
                    }
                }
                None => c.err(
                    sp.clone(),
                    format!("recommandation \"{}\": niveau \"{n}\" inconnu", r.titre),
                ),
            }
        }
        let mut liens = Vec::new();
        for l in &r.liens {
            match lien(&l.genre, &l.valeur) {
                Ok(x) => liens.push(x),
                Err(m) => c.err(sp.clone(), format!("recommandation \"{}\": {m}", r.titre)),
            }
        }
        recommandations.push(Recommandation {
            dimension: r.dimension.clone(),
            dim: dim.unwrap_or(0),
            niveaux: r.niveaux.clone(),
            niv,
            titre: r.titre.clone(),
            texte: r.texte.clone(),
            liens,
        });
    }
    for (d, par_niveau) in couvert.iter().enumerate() {
        let manquants: Vec<&str> = par_niveau
            .iter()
            .enumerate()
            .filter(|(_, ok)| !**ok)
            .map(|(n, _)| niveaux[n].id.as_str())
            .collect();
        if !manquants.is_empty() {
            c.err(
                b.dimensions[d].span(),
                format!(
                    "dimension \"{}\": aucune recommandation pour le(s) niveau(x) {}",
                    dimensions[d].id,
                    manquants.join(", ")
                ),
            );
        }
    }

    Kit {
        id: b.id.into_inner(),
        version,
        titre: b.titre.into_inner(),
        public,
        duree_minutes: duree,
        resume: resume_b.map(Spanned::into_inner).unwrap_or_default(),
        licence: b.licence.into_inner(),
        auteurs: b.auteurs,
        date,
        dimensions,
        niveaux,
        sections,
        questions,
        recommandations,
        index: q_index,
    }
}

fn verifier_id(
    c: &mut Collecte,
    sp: &std::ops::Range<usize>,
    quoi: &str,
    id: &str,
    index: &mut HashMap<String, usize>,
    position: usize,
) {
    if !slug_valide(id) {
        c.err(
            sp.clone(),
            format!("{quoi} \"{id}\": un identifiant s'écrit en minuscules ASCII, chiffres, tirets ou soulignés (64 caractères au plus)"),
        );
    }
    if index.insert(id.to_string(), position).is_some() {
        c.err(
            sp.clone(),
            format!("{quoi} \"{id}\": identifiant en double"),
        );
    }
}

fn date_valide(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let n = |r: std::ops::Range<usize>| d[r].parse::<u32>().ok();
    matches!((n(0..4), n(5..7), n(8..10)), (Some(_), Some(m), Some(j)) if (1..=12).contains(&m) && (1..=31).contains(&j))
}

fn lien(genre: &str, valeur: &str) -> Result<Lien, String> {
    let inconnu = |liste: String| format!("lien {genre} \"{valeur}\" inconnu (attendu: {liste})");
    match genre {
        "partenaire" => Profil::from_slug(valeur)
            .map(Lien::Partenaire)
            .ok_or_else(|| inconnu(Profil::slugs())),
        "offre" => NatureRessource::from_slug(valeur)
            .map(Lien::Offre)
            .ok_or_else(|| inconnu(NatureRessource::slugs())),
        "service" => Service::from_slug(valeur)
            .map(Lien::Service)
            .ok_or_else(|| inconnu(Service::slugs())),
        "theme" => Theme::from_slug(valeur)
            .map(Lien::Theme)
            .ok_or_else(|| inconnu(Theme::slugs())),
        _ => Err(format!(
            "type de lien \"{genre}\" inconnu (attendu: partenaire, offre, service, theme)"
        )),
    }
}

/// The answers a condition may name for a source question: option ids, or oui/non/nsp.
fn valeurs_possibles(q: &Question) -> Option<Vec<(String, u32)>> {
    match &q.genre {
        Genre::ChoixUnique { options, .. } | Genre::ChoixMultiple { options, .. } => {
            Some(options.iter().map(|o| (o.id.clone(), o.points)).collect())
        }
        Genre::OuiNon { inverse } => {
            let (oui, non) = if *inverse { (0, 1) } else { (1, 0) };
            Some(vec![
                ("oui".to_string(), oui),
                ("non".to_string(), non),
                ("nsp".to_string(), 0),
            ])
        }
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn construire_question(
    c: &mut Collecte,
    sp: &std::ops::Range<usize>,
    q: &QuestionBrute,
    section: usize,
    dim_index: &HashMap<String, usize>,
    (q_index, tous): (&HashMap<String, usize>, &HashSet<&str>),
    precedentes: &[Question],
) -> Question {
    let nom = format!("question \"{}\"", q.id);
    let err = |c: &mut Collecte, m: String| c.err(sp.clone(), format!("{nom}: {m}"));
    non_vide(c, sp, &format!("{nom}: texte"), &q.texte);
    let dim = match &q.dimension {
        Some(d) => match dim_index.get(d) {
            Some(&i) => Some(i),
            None => {
                err(c, format!("dimension \"{d}\" inconnue"));
                None
            }
        },
        None => None,
    };
    let notee = q.dimension.is_some();
    let poids = q.poids.unwrap_or(1.0);
    if !(poids > 0.0 && poids.is_finite()) {
        err(c, "poids doit être > 0".into());
    }
    if q.poids.is_some() && !notee {
        err(
            c,
            "poids sans dimension: la question n'est pas notée".into(),
        );
    }
    if q.non_applicable && !notee {
        err(
            c,
            "non_applicable n'a de sens que pour une question notée (avec une dimension)".into(),
        );
    }
    let seulement = |c: &mut Collecte, cle: &str, present: bool, types: &str| {
        if present {
            c.err(
                sp.clone(),
                format!("{nom}: la clé {cle} ne s'applique qu'aux questions {types}"),
            );
        }
    };
    let t = q.genre.as_str();
    seulement(
        c,
        "options",
        q.options.is_some() && !t.starts_with("choix_"),
        "choix_unique et choix_multiple",
    );
    seulement(
        c,
        "plafond",
        q.plafond.is_some() && t != "choix_multiple",
        "choix_multiple",
    );
    seulement(
        c,
        "libelle_min/libelle_max",
        (q.libelle_min.is_some() || q.libelle_max.is_some()) && t != "echelle",
        "echelle",
    );
    seulement(
        c,
        "inverse",
        q.inverse.is_some() && t != "oui_non",
        "oui_non",
    );
    seulement(
        c,
        "min/max/unite/paliers",
        (q.min.is_some() || q.max.is_some() || q.unite.is_some() || q.paliers.is_some())
            && t != "nombre",
        "nombre",
    );
    seulement(
        c,
        "max_longueur",
        q.max_longueur.is_some() && t != "texte",
        "texte",
    );

    let genre = match t {
        "choix_unique" | "choix_multiple" => {
            let options = construire_options(c, sp, &nom, q, notee, t == "choix_multiple");
            let somme: u32 = options.iter().map(|o| o.points).sum();
            let max = options.iter().map(|o| o.points).max().unwrap_or(0);
            if notee && max == 0 && !options.is_empty() {
                err(
                    c,
                    "aucune option ne rapporte de points: le score serait toujours nul".into(),
                );
            }
            if t == "choix_unique" {
                Genre::ChoixUnique { options, max }
            } else {
                let plafond = match q.plafond {
                    Some(p) if p <= 0 || p as u64 > u64::from(somme) => {
                        err(
                            c,
                            format!("plafond {p}: doit être entre 1 et la somme des points des options ({somme})"),
                        );
                        somme.max(1)
                    }
                    Some(p) => p as u32,
                    None => somme.max(1),
                };
                Genre::ChoixMultiple { options, plafond }
            }
        }
        "echelle" => {
            let (Some(a), Some(b)) = (&q.libelle_min, &q.libelle_max) else {
                err(c, "une échelle demande libelle_min et libelle_max".into());
                return question(
                    q,
                    dim,
                    poids,
                    section,
                    Genre::Echelle {
                        libelle_min: String::new(),
                        libelle_max: String::new(),
                    },
                    None,
                );
            };
            Genre::Echelle {
                libelle_min: a.clone(),
                libelle_max: b.clone(),
            }
        }
        "oui_non" => Genre::OuiNon {
            inverse: q.inverse.unwrap_or(false),
        },
        "nombre" => {
            let (min, max) = (q.min.unwrap_or(f64::NAN), q.max.unwrap_or(f64::NAN));
            if q.min.is_none() || q.max.is_none() {
                err(c, "un nombre demande min et max".into());
            } else if !(min >= 0.0 && max > min && max.is_finite()) {
                err(
                    c,
                    format!("min ({min}) et max ({max}): il faut 0 ≤ min < max"),
                );
            }
            let paliers = q.paliers.clone().unwrap_or_default();
            if notee && paliers.is_empty() {
                err(c, "un nombre noté demande des paliers".into());
            }
            if !notee && !paliers.is_empty() {
                err(
                    c,
                    "paliers sans dimension: la question n'est pas notée".into(),
                );
            }
            for (i, (seuil, valeur)) in paliers.iter().enumerate() {
                if !(0.0..=1.0).contains(valeur) {
                    err(
                        c,
                        format!("palier {seuil}: la valeur {valeur} doit être entre 0 et 1"),
                    );
                }
                if i > 0 {
                    let (s0, v0) = paliers[i - 1];
                    if *seuil <= s0 {
                        err(
                            c,
                            format!("paliers: les seuils doivent croître ({s0} puis {seuil})"),
                        );
                    }
                    if *valeur < v0 {
                        err(c, format!("paliers: les valeurs ne doivent pas décroître ({v0} puis {valeur})"));
                    }
                }
            }
            if notee && !paliers.is_empty() && paliers.iter().all(|p| p.1 == 0.0) {
                err(
                    c,
                    "aucun palier ne rapporte de points: le score serait toujours nul".into(),
                );
            }
            Genre::Nombre {
                min,
                max,
                unite: q.unite.clone(),
                paliers,
            }
        }
        "texte" => {
            if notee {
                err(
                    c,
                    "une question texte n'est jamais notée: retirez dimension".into(),
                );
            }
            let n = q.max_longueur.unwrap_or(TEXTE_DEFAUT as i64);
            if n < 1 || n as usize > TEXTE_MAX {
                err(c, format!("max_longueur {n}: entre 1 et {TEXTE_MAX}"));
            }
            Genre::Texte {
                max_longueur: n.clamp(1, TEXTE_MAX as i64) as usize,
            }
        }
        autre => {
            err(
                c,
                format!("type \"{autre}\" inconnu (attendu: choix_unique, choix_multiple, echelle, oui_non, nombre, texte)"),
            );
            Genre::Texte {
                max_longueur: TEXTE_DEFAUT,
            }
        }
    };

    let condition = q.condition.as_ref().and_then(|cb| {
        let Some(&source) = q_index.get(&cb.question).filter(|&&i| i < precedentes.len()) else {
            if tous.contains(cb.question.as_str()) {
                err(c, format!("condition: la question \"{}\" doit venir avant", cb.question));
            } else {
                err(c, format!("condition: question \"{}\" inconnue", cb.question));
            }
            return None;
        };
        let src = &precedentes[source];
        let Some(possibles) = valeurs_possibles(src) else {
            err(
                c,
                format!("condition: \"{}\" n'est pas une question à choix ou oui/non", src.id),
            );
            return None;
        };
        if cb.valeurs.is_empty() {
            err(c, "condition: aucune valeur, la question ne serait jamais affichée".into());
            return None;
        }
        for v in &cb.valeurs {
            if !possibles.iter().any(|(id, _)| id == v) {
                let ids: Vec<&str> = possibles.iter().map(|(id, _)| id.as_str()).collect();
                err(
                    c,
                    format!("condition: \"{v}\" n'est pas une réponse de \"{}\" (réponses: {})", src.id, ids.join(", ")),
                );
            }
        }
        if src.non_applicable {
            err(
                c,
                format!("condition: \"{}\" propose « ne nous concerne pas », elle ne peut pas conditionner d'autres questions", src.id),
            );
        }
        if src.dim.is_some() && !matches!(src.genre, Genre::ChoixMultiple { .. }) {
            // Upward closed: every answer worth at least as much as a shown one is shown.
            let seuil = possibles
                .iter()
                .filter(|(id, _)| cb.valeurs.contains(id))
                .map(|(_, p)| *p)
                .min();
            if let Some(seuil) = seuil {
                let manquants: Vec<&str> = possibles
                    .iter()
                    .filter(|(id, p)| *p >= seuil && !cb.valeurs.contains(id) && id != "nsp")
                    .map(|(id, _)| id.as_str())
                    .collect();
                let nsp_manquant = seuil == 0 && !cb.valeurs.iter().any(|v| v == "nsp") && possibles.iter().any(|(id, _)| id == "nsp");
                if !manquants.is_empty() || nsp_manquant {
                    let mut m = manquants.join(", ");
                    if nsp_manquant {
                        if !m.is_empty() {
                            m.push_str(", ");
                        }
                        m.push_str("nsp");
                    }
                    err(
                        c,
                        format!("condition: \"{}\" est notée; une meilleure réponse ne doit pas masquer la question (ajoutez aux valeurs: {m})", src.id),
                    );
                }
            }
        }
        if src.dim.is_some() {
            if let Genre::ChoixMultiple { options, .. } = &src.genre {
                // Choosing more options never hides: shown when any of the values is chosen is
                // monotone, except for an exclusive option (choosing it un-chooses the others).
                if options.iter().any(|o| o.exclusif && !cb.valeurs.contains(&o.id) && o.points > 0) {
                    err(c, format!("condition: \"{}\" est notée et a une option exclusive qui rapporte des points: la choisir masquerait la question", src.id));
                }
            }
        }
        if cb.hors_score && src.dim.is_some() {
            err(
                c,
                format!("condition: hors_score demande une question source non notée (\"{}\" est notée : une meilleure réponse pourrait retirer des points)", src.id),
            );
        }
        if cb.hors_score && !notee {
            err(c, "condition: hors_score n'a de sens que pour une question notée".into());
        }
        Some(Condition {
            source_id: cb.question.clone(),
            source,
            valeurs: cb.valeurs.clone(),
            hors_score: cb.hors_score,
        })
    });

    question(q, dim, poids, section, genre, condition)
}

fn question(
    q: &QuestionBrute,
    dim: Option<usize>,
    poids: f64,
    section: usize,
    genre: Genre,
    condition: Option<Condition>,
) -> Question {
    Question {
        id: q.id.clone(),
        texte: q.texte.clone(),
        aide: q.aide.clone(),
        dimension: q.dimension.clone(),
        dim,
        poids,
        non_applicable: q.non_applicable,
        obligatoire: q.obligatoire,
        condition,
        section,
        genre,
    }
}

fn construire_options(
    c: &mut Collecte,
    sp: &std::ops::Range<usize>,
    nom: &str,
    q: &QuestionBrute,
    notee: bool,
    multiple: bool,
) -> Vec<Choix> {
    let Some(brutes) = &q.options else {
        c.err(
            sp.clone(),
            format!("{nom}: une question à choix demande des options"),
        );
        return Vec::new();
    };
    if brutes.len() < 2 {
        c.err(sp.clone(), format!("{nom}: au moins deux options"));
    }
    let mut vues = HashSet::new();
    let mut options = Vec::new();
    for o in brutes {
        let osp = o.span();
        let o = o.get_ref();
        let mut err = |m: String| c.err(osp.clone(), format!("{nom}: option \"{}\": {m}", o.id));
        if !slug_valide(&o.id) {
            err("un identifiant s'écrit en minuscules ASCII, chiffres, tirets ou soulignés".into());
        }
        if o.id == super::NON_APPLICABLE {
            err("identifiant réservé (« ne nous concerne pas »)".into());
        }
        if !vues.insert(o.id.clone()) {
            err("identifiant en double dans la question".into());
        }
        if o.texte.trim().is_empty() {
            err("texte vide".into());
        }
        if o.exclusif && !multiple {
            err("exclusif ne s'applique qu'aux choix multiples".into());
        }
        let points = match o.points {
            None if notee => {
                err("pas de points alors que la question est notée".into());
                0
            }
            Some(_) if !notee => {
                err("des points alors que la question n'est pas notée (pas de dimension)".into());
                0
            }
            Some(p) if !(0..=1000).contains(&p) => {
                err(format!("points {p}: entre 0 et 1000"));
                0
            }
            Some(p) => p as u32,
            None => 0,
        };
        options.push(Choix {
            id: o.id.clone(),
            texte: o.texte.clone(),
            points,
            exclusif: o.exclusif,
        });
    }
    options
}
