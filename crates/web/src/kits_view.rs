//! What the kit pages show, built from the domain's kit, answers and result: the questions of a
//! section as form fields, the result (levels, radar chart, recommendations and their links).
//! Shared by the anonymous and the stored passations.

use alliances_domain::kits::pairs::Ecart;
use alliances_domain::kits::{Genre, Kit, Lien, Reponses, Resultat};

use crate::i18n::{Lang, Tr};

/// A score for a page: `74,2` in French, `74.2` otherwise.
pub fn score(x: f64, tr: &Tr) -> String {
    let s = format!("{x:.1}");
    match tr.lang {
        Lang::Fr => s.replace('.', ","),
        _ => s,
    }
}

/// One question as a form field.
pub struct ChampQuestion {
    pub id: String,
    pub texte: String,
    pub aide: Option<String>,
    /// `choix_unique`, `choix_multiple`, `echelle`, `oui_non`, `nombre`, `texte`.
    pub genre: &'static str,
    /// `(value, label, chosen)`.
    pub options: Vec<(String, String, bool)>,
    /// Text or number typed.
    pub valeur: String,
    pub non_applicable: bool,
    pub na_coche: bool,
    pub obligatoire: bool,
    pub erreur: Option<String>,
    /// "Asked if you answered …", when shown under a condition on a question of the same page.
    pub condition: Option<String>,
    /// For the script that shows and hides: the source question's id and the values.
    pub condition_source: String,
    pub condition_valeurs: String,
    pub unite: String,
    pub max_longueur: usize,
}

const OUI_NON: [(&str, &str); 3] = [("oui", "Oui"), ("non", "Non"), ("nsp", "Je ne sais pas")];

/// The fields of a section: the questions shown (a question hidden by an answer of an earlier
/// section is left out; one conditioned on this page is shown with its condition spelled out).
/// `saisies` are the raw values typed when the form is shown again with errors.
pub fn champs_section(
    kit: &Kit,
    section: usize,
    reponses: &Reponses,
    saisies: Option<&[(String, Vec<String>)]>,
    erreurs: &[(String, String)],
) -> Vec<ChampQuestion> {
    let plage = kit.sections[section].questions.clone();
    champs(kit, plage.clone(), plage, reponses, saisies, erreurs)
}

/// Every section's fields on one page (a survey's questionnaire): every condition is on the
/// page, spelled out and applied by the script.
pub fn champs_questionnaire(
    kit: &Kit,
    saisies: Option<&[(String, Vec<String>)]>,
    erreurs: &[(String, String)],
) -> Vec<(String, Vec<ChampQuestion>)> {
    let vides = Reponses::vides(kit);
    kit.sections
        .iter()
        .map(|s| {
            (
                s.titre.clone(),
                champs(
                    kit,
                    s.questions.clone(),
                    0..kit.questions.len(),
                    &vides,
                    saisies,
                    erreurs,
                ),
            )
        })
        .collect()
}

/// The fields of the questions of `plage`, on a page holding the questions of `page`.
fn champs(
    kit: &Kit,
    plage: std::ops::Range<usize>,
    page: std::ops::Range<usize>,
    reponses: &Reponses,
    saisies: Option<&[(String, Vec<String>)]>,
    erreurs: &[(String, String)],
) -> Vec<ChampQuestion> {
    let vis = kit.visibles(reponses);
    let mut out = Vec::new();
    for q in plage {
        let question = &kit.questions[q];
        let sur_la_page = question
            .condition
            .as_ref()
            .is_some_and(|c| page.contains(&c.source));
        if !vis[q] && !sur_la_page {
            continue;
        }
        let valeurs: Vec<String> = match saisies {
            Some(s) => s
                .iter()
                .filter(|(id, _)| *id == question.id)
                .flat_map(|(_, v)| v.clone())
                .collect(),
            None => reponses
                .get(q)
                .map(|r| kit.valeurs_reponse(q, r))
                .unwrap_or_default(),
        };
        let coche = |v: &str| valeurs.iter().any(|x| x == v);
        let (genre, options, unite, max_longueur) = match &question.genre {
            Genre::ChoixUnique { options, .. } => (
                "choix_unique",
                options
                    .iter()
                    .map(|o| (o.id.clone(), o.texte.clone(), coche(&o.id)))
                    .collect(),
                String::new(),
                0,
            ),
            Genre::ChoixMultiple { options, .. } => (
                "choix_multiple",
                options
                    .iter()
                    .map(|o| (o.id.clone(), o.texte.clone(), coche(&o.id)))
                    .collect(),
                String::new(),
                0,
            ),
            Genre::Echelle {
                libelle_min,
                libelle_max,
            } => (
                "echelle",
                (1..=5)
                    .map(|n| {
                        let v = n.to_string();
                        let l = match n {
                            1 => format!("1 — {libelle_min}"),
                            5 => format!("5 — {libelle_max}"),
                            _ => v.clone(),
                        };
                        let c = coche(&v);
                        (v, l, c)
                    })
                    .collect(),
                String::new(),
                0,
            ),
            Genre::OuiNon { .. } => (
                "oui_non",
                OUI_NON
                    .iter()
                    .map(|(v, l)| (v.to_string(), l.to_string(), coche(v)))
                    .collect(),
                String::new(),
                0,
            ),
            Genre::Nombre { unite, .. } => {
                ("nombre", Vec::new(), unite.clone().unwrap_or_default(), 0)
            }
            Genre::Texte { max_longueur } => ("texte", Vec::new(), String::new(), *max_longueur),
        };
        let (condition, condition_source, condition_valeurs) = match &question.condition {
            Some(c) if sur_la_page => {
                let src = &kit.questions[c.source];
                let libelles: Vec<String> = c
                    .valeurs
                    .iter()
                    .map(|v| libelle_valeur(kit, c.source, v))
                    .collect();
                (
                    Some(format!(
                        "Question posée si vous avez répondu « {} » à « {} »",
                        libelles.join(" » ou « "),
                        src.texte
                    )),
                    src.id.clone(),
                    c.valeurs.join(" "),
                )
            }
            _ => (None, String::new(), String::new()),
        };
        out.push(ChampQuestion {
            id: question.id.clone(),
            texte: question.texte.clone(),
            aide: question.aide.clone(),
            genre,
            options,
            valeur: if matches!(genre, "nombre" | "texte") {
                valeurs.first().cloned().unwrap_or_default()
            } else {
                String::new()
            },
            non_applicable: question.non_applicable,
            na_coche: coche(alliances_domain::kits::NON_APPLICABLE),
            obligatoire: question.obligatoire,
            erreur: erreurs
                .iter()
                .find(|(id, _)| *id == question.id)
                .map(|(_, m)| m.clone()),
            condition,
            condition_source,
            condition_valeurs,
            unite,
            max_longueur,
        });
    }
    out
}

/// The label of an answer value of a question (an option's text, Oui / Non…).
pub fn libelle_valeur(kit: &Kit, q: usize, v: &str) -> String {
    match &kit.questions[q].genre {
        Genre::ChoixUnique { options, .. } | Genre::ChoixMultiple { options, .. } => options
            .iter()
            .find(|o| o.id == v)
            .map(|o| o.texte.clone())
            .unwrap_or_else(|| v.to_string()),
        Genre::OuiNon { .. } => OUI_NON
            .iter()
            .find(|(x, _)| *x == v)
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| v.to_string()),
        _ => v.to_string(),
    }
}

/// The answers of the form: `q-<id>` fields, grouped by question, in order.
pub fn champs_du_formulaire(paires: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in paires {
        let Some(id) = k.strip_prefix("q-") else {
            continue;
        };
        match out.iter_mut().find(|(i, _)| i == id) {
            Some((_, vs)) => vs.push(v.clone()),
            None => out.push((id.to_string(), vec![v.clone()])),
        }
    }
    out
}

/// A link of a recommendation: label and, when the module exists, where it goes.
pub struct LienVue {
    pub libelle: String,
    pub href: Option<String>,
}

/// Where a recommendation's link goes, near `territoire` (`niveau:code`) when known.
pub fn lien(l: Lien, territoire: Option<&str>) -> LienVue {
    let ici = territoire
        .map(|t| format!("&territoire={}", urlencode(t)))
        .unwrap_or_default();
    match l {
        Lien::Partenaire(p) => LienVue {
            libelle: format!("Partenaires à rechercher : {}", p.label_fr()),
            href: Some(format!("/annuaire?profil={}{ici}", p.slug())),
        },
        Lien::Offre(n) => LienVue {
            libelle: format!("Organisations qui proposent : {}", n.label_fr()),
            href: Some(format!("/annuaire?offre={}{ici}", n.slug())),
        },
        // The support schemes covering the respondent for this service (« qui peut m'aider
        // ici ? »); without a territory the page asks for one.
        Lien::Service(s) => LienVue {
            libelle: format!(
                "Dispositifs d'accompagnement ({})",
                s.label_fr().to_lowercase()
            ),
            href: Some(format!("/ingenieries/aide?service={}{ici}", s.slug())),
        },
        // The resource library filtered by the theme.
        Lien::Theme(t) => LienVue {
            libelle: format!("Ressources sur le thème : {}", t.label_fr()),
            href: Some(format!("/ressources?theme={}", t.slug())),
        },
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One dimension on the results page.
pub struct LigneDimension {
    pub titre: String,
    pub score: String,
    pub niveau: String,
    /// « au-dessus de 62 % des organisations de même profil et taille ».
    pub pairs: Option<u32>,
    pub repondues: usize,
    pub questions: usize,
}

/// A recommendation on the results page.
pub struct RecoVue {
    pub dimension: String,
    pub niveau: String,
    pub titre: String,
    pub texte: String,
    pub liens: Vec<LienVue>,
}

/// The results page's content, built the same way for anonymous and stored passations.
pub struct ResultatAffiche {
    pub global: String,
    pub niveau: String,
    pub niveau_description: String,
    pub lignes: Vec<LigneDimension>,
    pub forces: Vec<String>,
    pub axes: Vec<String>,
    pub recommandations: Vec<RecoVue>,
    pub radar: Radar,
    /// Sections to restate: title and `(question, answer)` pairs.
    pub restitution: Vec<(String, Vec<(String, String)>)>,
    pub repondues: usize,
    pub affichees: usize,
}

pub fn resultat_affiche(
    kit: &Kit,
    reponses: &Reponses,
    r: &Resultat,
    pairs: &[Option<u32>],
    territoire: Option<&str>,
    tr: &Tr,
) -> ResultatAffiche {
    let niveau = |n: Option<usize>| {
        n.map(|i| kit.niveaux[i].titre.clone())
            .unwrap_or_else(|| "non évaluée".into())
    };
    let lignes = kit
        .dimensions
        .iter()
        .zip(&r.dimensions)
        .enumerate()
        .map(|(i, (d, s))| LigneDimension {
            titre: d.titre.clone(),
            score: s.score.map(|x| score(x, tr)).unwrap_or_else(|| "—".into()),
            niveau: niveau(s.niveau),
            pairs: pairs.get(i).copied().flatten(),
            repondues: s.repondues,
            questions: s.questions,
        })
        .collect();
    let ordre = r.forces();
    let n = ordre.len();
    let forces = ordre
        .iter()
        .take(2.min(n / 2))
        .map(|&d| kit.dimensions[d].titre.clone())
        .collect();
    let axes = ordre
        .iter()
        .rev()
        .take(2.min(n / 2))
        .map(|&d| kit.dimensions[d].titre.clone())
        .collect();
    // Recommendations: weakest dimensions first.
    let mut recommandations = Vec::new();
    for &d in ordre.iter().rev() {
        let Some(niv) = r.dimensions[d].niveau else {
            continue;
        };
        for reco in kit.recommandations_pour(d, niv) {
            recommandations.push(RecoVue {
                dimension: kit.dimensions[d].titre.clone(),
                niveau: kit.niveaux[niv].titre.clone(),
                titre: reco.titre.clone(),
                texte: reco.texte.clone(),
                liens: reco.liens.iter().map(|l| lien(*l, territoire)).collect(),
            });
        }
    }
    let vis = kit.visibles(reponses);
    let restitution = kit
        .sections
        .iter()
        .filter(|s| s.restitution)
        .map(|s| {
            let lignes = s
                .questions
                .clone()
                .filter(|&q| vis[q])
                .filter_map(|q| {
                    let rep = reponses.get(q)?;
                    let texte = kit
                        .valeurs_reponse(q, rep)
                        .iter()
                        .map(|v| libelle_valeur(kit, q, v))
                        .collect::<Vec<_>>()
                        .join(", ");
                    Some((kit.questions[q].texte.clone(), texte))
                })
                .collect();
            (s.titre.clone(), lignes)
        })
        .collect();
    ResultatAffiche {
        global: r.global.map(|x| score(x, tr)).unwrap_or_else(|| "—".into()),
        niveau: niveau(r.niveau),
        niveau_description: r
            .niveau
            .map(|i| kit.niveaux[i].description.clone())
            .unwrap_or_default(),
        lignes,
        forces,
        axes,
        recommandations,
        radar: Radar::new(kit, &[r]),
        restitution,
        repondues: r.repondues,
        affichees: r.affichees,
    }
}

/// A radar chart in SVG: one axis per dimension, one polygon per result (two when comparing).
pub struct Radar {
    pub taille: u32,
    /// `(x1, y1, x2, y2)` of each axis, and the rings at 25, 50, 75, 100.
    pub axes: Vec<(f64, f64, f64, f64)>,
    pub anneaux: Vec<String>,
    /// Label position, anchor (`start`, `middle`, `end`) and text of each axis.
    pub etiquettes: Vec<(f64, f64, &'static str, String)>,
    /// The `points` attribute of each polygon.
    pub polygones: Vec<String>,
}

impl Radar {
    pub const TAILLE: u32 = 420;

    pub fn new(kit: &Kit, resultats: &[&Resultat]) -> Radar {
        let n = kit.dimensions.len().max(3);
        let c = f64::from(Self::TAILLE) / 2.0;
        let rayon = c - 90.0;
        let point = |i: usize, f: f64| {
            let a = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n as f64;
            (c + rayon * f * a.cos(), c + rayon * f * a.sin())
        };
        let axes = (0..kit.dimensions.len())
            .map(|i| {
                let (x, y) = point(i, 1.0);
                (c, c, x, y)
            })
            .collect();
        let anneaux = [0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|f| {
                (0..n)
                    .map(|i| {
                        let (x, y) = point(i, *f);
                        format!("{x:.1},{y:.1}")
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let etiquettes = kit
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let (x, y) = point(i, 1.12);
                let ancre = if (x - c).abs() < 10.0 {
                    "middle"
                } else if x > c {
                    "start"
                } else {
                    "end"
                };
                let mut t = d.titre.clone();
                if t.chars().count() > 28 {
                    t = format!("{}…", t.chars().take(27).collect::<String>());
                }
                (x, y + 4.0, ancre, t)
            })
            .collect();
        let polygones = resultats
            .iter()
            .map(|r| {
                (0..kit.dimensions.len())
                    .map(|i| {
                        let s = r.dimensions[i].score.unwrap_or(0.0) / 100.0;
                        let (x, y) = point(i, s);
                        format!("{x:.1},{y:.1}")
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        Radar {
            taille: Self::TAILLE,
            axes,
            anneaux,
            etiquettes,
            polygones,
        }
    }
}

/// A divergence line of a group's synthesis.
pub struct EcartVue {
    pub question: String,
    pub dimension: String,
    /// Each partner's answer label, in the partners' order.
    pub reponses: Vec<String>,
    pub ecart: String,
    pub divergent: bool,
}

pub fn ecart_vue(kit: &Kit, e: &Ecart, reponses: &[Reponses]) -> EcartVue {
    let q = &kit.questions[e.question];
    EcartVue {
        question: q.texte.clone(),
        dimension: q
            .dimension
            .as_ref()
            .and_then(|d| kit.dimensions.iter().find(|x| &x.id == d))
            .map(|d| d.titre.clone())
            .unwrap_or_default(),
        reponses: reponses
            .iter()
            .map(|r| {
                r.get(e.question)
                    .map(|x| {
                        kit.valeurs_reponse(e.question, x)
                            .iter()
                            .map(|v| libelle_valeur(kit, e.question, v))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_else(|| "—".into())
            })
            .collect(),
        ecart: format!("{:.0} %", (e.max - e.min) * 100.0),
        divergent: e.divergent,
    }
}
