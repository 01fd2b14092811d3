//! A resource or an inspiring example as typed (`EntreeSaisie`) and as checked (`Entree`): every
//! rule in one place, each problem naming its field. An example (family `exemple`) is a
//! structured case: where, who (organisations of the annuaire, and the alliance when there is
//! one), which partnership types and form of co-construction, the need addressed, what was done,
//! the results, the lessons, a contact. Whether the named organisations and alliance exist is
//! checked by the app layer (it reads the database).

use serde::{Deserialize, Serialize};

use super::{liste, Famille};
use crate::alliances::Forme;
use crate::annuaire::organisation::{adresse_web, date_iso, lieu, ligne, texte, ChampErreur, Lieu};
use crate::annuaire::{Profil, TypePartenariat};
use crate::odd::OddNumber;
use crate::ressources::Theme;
use crate::territoires::Referentiel;

pub const TITRE_MAX: usize = 200;
pub const RESUME_MAX: usize = 600;
pub const CORPS_MAX: usize = 30_000;
pub const CAS_MAX: usize = 5_000;
pub const CONTACT_MAX: usize = 300;
pub const LIENS_MAX: usize = 20;
pub const TERRITOIRES_MAX: usize = 50;
pub const ACTEURS_MAX: usize = 30;

/// A link as typed: an address and an optional title.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LienSaisie {
    pub titre: Option<String>,
    pub url: String,
}

impl LienSaisie {
    /// One line of the form's links field: `https://…` alone, or `Title | https://…`.
    pub fn depuis_ligne(l: &str) -> LienSaisie {
        match l.rsplit_once('|') {
            Some((t, u)) => LienSaisie {
                titre: Some(t.trim().to_string()).filter(|t| !t.is_empty()),
                url: u.trim().to_string(),
            },
            None => LienSaisie {
                titre: None,
                url: l.trim().to_string(),
            },
        }
    }

    /// The lines of a links field (empty lines skipped).
    pub fn depuis_texte(t: &str) -> Vec<LienSaisie> {
        t.lines()
            .filter(|l| !l.trim().is_empty())
            .map(LienSaisie::depuis_ligne)
            .collect()
    }
}

/// A checked link (the title defaults to the address).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Lien {
    pub titre: String,
    pub url: String,
}

impl Lien {
    /// Back to one line of the form's field.
    pub fn ligne(&self) -> String {
        if self.titre == self.url {
            self.url.clone()
        } else {
            format!("{} | {}", self.titre, self.url)
        }
    }
}

/// What a form or the API says about a resource or an example.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct EntreeSaisie {
    pub famille: String,
    pub titre: String,
    pub resume: String,
    /// Markdown.
    pub corps: String,
    /// Audience: actor profiles (empty: everyone).
    pub publics: Vec<String>,
    pub odd: Vec<String>,
    pub themes: Vec<String>,
    /// `niveau:code`.
    pub territoires: Vec<String>,
    pub liens: Vec<LienSaisie>,
    /// `AAAA-MM-JJ`; today when empty.
    pub date: String,
    // Examples only.
    pub alliance: Option<i64>,
    /// Organisations of the annuaire involved.
    pub acteurs: Vec<i64>,
    pub types_partenariat: Vec<String>,
    pub forme: Option<String>,
    pub besoin: String,
    pub realisation: String,
    pub resultats: String,
    pub enseignements: String,
    pub contact: Option<String>,
}

/// The structured case of an example.
#[derive(Debug, Clone, PartialEq)]
pub struct Cas {
    pub alliance: Option<i64>,
    pub acteurs: Vec<i64>,
    pub types_partenariat: Vec<TypePartenariat>,
    pub forme: Option<Forme>,
    pub besoin: String,
    pub realisation: String,
    pub resultats: String,
    pub enseignements: String,
    pub contact: Option<String>,
}

/// A checked resource or example.
#[derive(Debug, Clone, PartialEq)]
pub struct Entree {
    pub famille: Famille,
    pub titre: String,
    pub resume: String,
    pub corps: String,
    pub publics: Vec<Profil>,
    pub odd: Vec<OddNumber>,
    pub themes: Vec<Theme>,
    pub territoires: Vec<Lieu>,
    pub liens: Vec<Lien>,
    pub date: String,
    /// Present exactly for the family `exemple`.
    pub cas: Option<Cas>,
}

impl Entree {
    /// Back to the typed form (edit forms, API).
    pub fn saisie(&self) -> EntreeSaisie {
        let cas = self.cas.as_ref();
        EntreeSaisie {
            famille: self.famille.slug().into(),
            titre: self.titre.clone(),
            resume: self.resume.clone(),
            corps: self.corps.clone(),
            publics: self.publics.iter().map(|p| p.slug().into()).collect(),
            odd: self.odd.iter().map(|o| o.get().to_string()).collect(),
            themes: self.themes.iter().map(|t| t.slug().into()).collect(),
            territoires: self.territoires.iter().map(Lieu::cle).collect(),
            liens: self
                .liens
                .iter()
                .map(|l| LienSaisie {
                    titre: (l.titre != l.url).then(|| l.titre.clone()),
                    url: l.url.clone(),
                })
                .collect(),
            date: self.date.clone(),
            alliance: cas.and_then(|c| c.alliance),
            acteurs: cas.map(|c| c.acteurs.clone()).unwrap_or_default(),
            types_partenariat: cas
                .map(|c| {
                    c.types_partenariat
                        .iter()
                        .map(|t| t.slug().into())
                        .collect()
                })
                .unwrap_or_default(),
            forme: cas.and_then(|c| c.forme).map(|f| f.slug().into()),
            besoin: cas.map(|c| c.besoin.clone()).unwrap_or_default(),
            realisation: cas.map(|c| c.realisation.clone()).unwrap_or_default(),
            resultats: cas.map(|c| c.resultats.clone()).unwrap_or_default(),
            enseignements: cas.map(|c| c.enseignements.clone()).unwrap_or_default(),
            contact: cas.and_then(|c| c.contact.clone()),
        }
    }

    /// Every web address of the entry: its links, then those of its body (broken-link check).
    pub fn adresses(&self) -> Vec<String> {
        let mut out: Vec<String> = self.liens.iter().map(|l| l.url.clone()).collect();
        for u in super::markdown::liens(&self.corps) {
            if !out.contains(&u) {
                out.push(u);
            }
        }
        out
    }
}

fn requis(
    champ: &'static str,
    valeur: Option<String>,
    aide: &str,
    errs: &mut Vec<ChampErreur>,
) -> String {
    if valeur.is_none() && !errs.iter().any(|e| e.champ == champ) {
        errs.push(ChampErreur::new(champ, format!("obligatoire : {aide}")));
    }
    valeur.unwrap_or_default()
}

/// Checks a resource or an example; `aujourdhui` (`AAAA-MM-JJ`) is the date given when none is.
pub fn valider_entree(
    s: &EntreeSaisie,
    referentiel: &Referentiel,
    aujourdhui: &str,
) -> Result<Entree, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let famille = Famille::from_slug(s.famille.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "famille",
            format!("attendu : {}", Famille::slugs()),
        ));
        None
    });
    let titre = ligne("titre", &s.titre, TITRE_MAX, &mut errs);
    let titre = requis(
        "titre",
        titre,
        "un titre qui dit de quoi il s'agit",
        &mut errs,
    );
    let resume = texte("resume", &s.resume, RESUME_MAX, &mut errs);
    let resume = requis(
        "resume",
        resume,
        "deux ou trois phrases qui donnent envie de lire",
        &mut errs,
    );
    let corps = texte("corps", &s.corps, CORPS_MAX, &mut errs).unwrap_or_default();
    let publics = liste(
        "publics",
        &s.publics,
        Profil::from_slug,
        Profil::slugs,
        &mut errs,
    );
    let mut odd = Vec::new();
    for v in s.odd.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match OddNumber::parse(v) {
            Ok(o) if !odd.contains(&o) => odd.push(o),
            Ok(_) => {}
            Err(e) => errs.push(ChampErreur::new("odd", e.to_string())),
        }
    }
    odd.sort();
    let themes = liste(
        "themes",
        &s.themes,
        Theme::from_slug,
        Theme::slugs,
        &mut errs,
    );
    let demandes: Vec<&String> = s
        .territoires
        .iter()
        .filter(|t| !t.trim().is_empty())
        .collect();
    if demandes.len() > TERRITOIRES_MAX {
        errs.push(ChampErreur::new(
            "territoires",
            format!("au plus {TERRITOIRES_MAX} territoires"),
        ));
    }
    let mut territoires: Vec<Lieu> = demandes
        .iter()
        .take(TERRITOIRES_MAX)
        .filter_map(|t| lieu("territoires", t, referentiel, &mut errs))
        .collect();
    territoires.sort();
    territoires.dedup();
    let demandes: Vec<&LienSaisie> = s
        .liens
        .iter()
        .filter(|l| !l.url.trim().is_empty())
        .collect();
    if demandes.len() > LIENS_MAX {
        errs.push(ChampErreur::new(
            "liens",
            format!("au plus {LIENS_MAX} liens"),
        ));
    }
    let mut liens: Vec<Lien> = Vec::new();
    for l in demandes.into_iter().take(LIENS_MAX) {
        let titre = l
            .titre
            .as_deref()
            .and_then(|t| ligne("liens", t, TITRE_MAX, &mut errs));
        if let Some(url) = adresse_web("liens", &l.url, &mut errs) {
            if !liens.iter().any(|x| x.url == url) {
                liens.push(Lien {
                    titre: titre.unwrap_or_else(|| url.clone()),
                    url,
                });
            }
        }
    }
    let date = if s.date.trim().is_empty() {
        aujourdhui.to_string()
    } else {
        date_iso(&s.date).unwrap_or_else(|e| {
            errs.push(ChampErreur::new("date", e));
            String::new()
        })
    };
    let cas = if famille == Some(Famille::Exemple) {
        Some(valider_cas(s, &territoires, &mut errs))
    } else {
        // The fields of a case make no sense on another family: say so rather than drop them.
        let remplis = [
            ("besoin", !s.besoin.trim().is_empty()),
            ("realisation", !s.realisation.trim().is_empty()),
            ("resultats", !s.resultats.trim().is_empty()),
            ("enseignements", !s.enseignements.trim().is_empty()),
            ("acteurs", !s.acteurs.is_empty()),
            ("alliance", s.alliance.is_some()),
            ("typesPartenariat", !s.types_partenariat.is_empty()),
        ];
        if famille.is_some() {
            for (champ, _) in remplis.iter().filter(|(_, r)| *r) {
                errs.push(ChampErreur::new(
                    champ,
                    "réservé aux exemples inspirants (famille « exemple »)",
                ));
            }
        }
        None
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Entree {
        famille: famille.expect("checked"),
        titre,
        resume,
        corps,
        publics,
        odd,
        themes,
        territoires,
        liens,
        date,
        cas,
    })
}

fn valider_cas(s: &EntreeSaisie, territoires: &[Lieu], errs: &mut Vec<ChampErreur>) -> Cas {
    if territoires.is_empty() && !errs.iter().any(|e| e.champ == "territoires") {
        errs.push(ChampErreur::new(
            "territoires",
            "obligatoire pour un exemple : le territoire où il s'est passé",
        ));
    }
    let mut acteurs: Vec<i64> = Vec::new();
    for a in &s.acteurs {
        if *a <= 0 {
            errs.push(ChampErreur::new(
                "acteurs",
                format!("numéro d'organisation invalide : {a}"),
            ));
        } else if !acteurs.contains(a) {
            acteurs.push(*a);
        }
    }
    if acteurs.len() > ACTEURS_MAX {
        errs.push(ChampErreur::new(
            "acteurs",
            format!("au plus {ACTEURS_MAX} organisations"),
        ));
    }
    if acteurs.is_empty() && !errs.iter().any(|e| e.champ == "acteurs") {
        errs.push(ChampErreur::new(
            "acteurs",
            "au moins une organisation de l'annuaire qui a pris part à l'exemple",
        ));
    }
    let types_partenariat = liste(
        "typesPartenariat",
        &s.types_partenariat,
        TypePartenariat::from_slug,
        TypePartenariat::slugs,
        errs,
    );
    let forme = match s.forme.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => Forme::from_slug(f).or_else(|| {
            errs.push(ChampErreur::new(
                "forme",
                format!("attendu : {}", Forme::slugs()),
            ));
            None
        }),
    };
    let besoin = texte("besoin", &s.besoin, CAS_MAX, errs);
    let besoin = requis(
        "besoin",
        besoin,
        "le besoin du territoire auquel l'exemple répond",
        errs,
    );
    let realisation = texte("realisation", &s.realisation, CAS_MAX, errs);
    let realisation = requis(
        "realisation",
        realisation,
        "ce qui a été fait, par qui, comment",
        errs,
    );
    let resultats = texte("resultats", &s.resultats, CAS_MAX, errs);
    let resultats = requis(
        "resultats",
        resultats,
        "ce que cela a changé, chiffres à l'appui si possible",
        errs,
    );
    let enseignements = texte("enseignements", &s.enseignements, CAS_MAX, errs);
    let enseignements = requis(
        "enseignements",
        enseignements,
        "ce qu'il faut retenir pour essaimer",
        errs,
    );
    let contact = s
        .contact
        .as_deref()
        .and_then(|c| ligne("contact", c, CONTACT_MAX, errs));
    Cas {
        alliance: s.alliance,
        acteurs,
        types_partenariat,
        forme,
        besoin,
        realisation,
        resultats,
        enseignements,
        contact,
    }
}
