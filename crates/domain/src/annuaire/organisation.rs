//! An organisation as users, files and the API describe it (`OrganisationSaisie`: raw text) and
//! as the annuaire keeps it (`Organisation`: every field checked). `valider` is the one place
//! where the rules live; each problem names its field.

use super::identifiants::{Rna, Siret};
use super::nomenclatures::{
    Etat, NatureRessource, Profil, Sens, SousType, Taille, TypePartenariat,
};
use crate::odd::OddNumber;
use crate::territoires::{CodeCommune, Niveau, Referentiel, Siren};
use serde::{Deserialize, Serialize};

pub const NOM_MAX: usize = 200;
pub const SIGLE_MAX: usize = 40;
pub const DESCRIPTION_MAX: usize = 5000;
pub const THEMES_MAX: usize = 20;
pub const THEME_MAX: usize = 60;
pub const PERIMETRE_MAX: usize = 50;
pub const URL_MAX: usize = 300;
pub const CONTACT_MAX: usize = 300;
pub const CONTACTS_PRIVES_MAX: usize = 2000;
pub const TITRE_RESSOURCE_MAX: usize = 150;

/// A problem with one field, said in French for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChampErreur {
    pub champ: &'static str,
    pub message: String,
}

impl ChampErreur {
    pub fn new(champ: &'static str, message: impl Into<String>) -> Self {
        ChampErreur {
            champ,
            message: message.into(),
        }
    }
}

/// What a form, a file row or an API call says about an organisation (API field names).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct OrganisationSaisie {
    pub nom: String,
    pub sigle: Option<String>,
    pub profil: String,
    pub sous_type: Option<String>,
    pub taille: Option<String>,
    pub siren: Option<String>,
    pub siret: Option<String>,
    pub rna: Option<String>,
    pub code_commune: Option<String>,
    pub national: bool,
    /// Territories of action, `niveau:code` (`departement:75`, `epci:200054781`).
    pub perimetre: Vec<String>,
    pub odd_principal: Option<u8>,
    pub odd_secondaires: Vec<u8>,
    pub themes: Vec<String>,
    pub description: Option<String>,
    pub site_web: Option<String>,
    pub contact_public: Option<String>,
    pub contacts_prives: Option<String>,
    pub partenariats: Vec<String>,
    pub catalyseur: bool,
    pub etat: Option<String>,
    pub date_creation: Option<String>,
    pub date_fin: Option<String>,
}

/// A territory named by its level and official code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lieu {
    pub niveau: Niveau,
    pub code: String,
}

impl Lieu {
    /// `niveau:code`, the form used in storage, filters and the API.
    pub fn cle(&self) -> String {
        format!("{}:{}", self.niveau.slug(), self.code)
    }

    pub fn parse_cle(s: &str) -> Option<Lieu> {
        let (n, c) = s.split_once(':')?;
        Some(Lieu {
            niveau: Niveau::from_slug(n)?,
            code: c.to_string(),
        })
    }
}

/// A checked organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub nom: String,
    pub sigle: Option<String>,
    pub profil: Profil,
    pub sous_type: Option<SousType>,
    pub taille: Option<Taille>,
    pub siren: Option<Siren>,
    pub siret: Option<Siret>,
    pub rna: Option<Rna>,
    pub commune: Option<CodeCommune>,
    pub national: bool,
    pub perimetre: Vec<Lieu>,
    pub odd_principal: Option<u8>,
    pub odd_secondaires: Vec<u8>,
    pub themes: Vec<String>,
    pub description: String,
    pub site_web: Option<String>,
    pub contact_public: Option<String>,
    pub contacts_prives: Option<String>,
    pub partenariats: Vec<TypePartenariat>,
    pub catalyseur: bool,
    pub etat: Etat,
    pub date_creation: Option<String>,
    pub date_fin: Option<String>,
}

impl Organisation {
    /// Every SDG of the organisation, primary first.
    pub fn odd(&self) -> Vec<u8> {
        let mut v: Vec<u8> = self.odd_principal.into_iter().collect();
        v.extend(self.odd_secondaires.iter().copied());
        v
    }

    /// Back to the raw form (to prefill an edit form, or compare).
    pub fn saisie(&self) -> OrganisationSaisie {
        OrganisationSaisie {
            nom: self.nom.clone(),
            sigle: self.sigle.clone(),
            profil: self.profil.slug().into(),
            sous_type: self.sous_type.map(|s| s.slug().into()),
            taille: self.taille.map(|s| s.slug().into()),
            siren: self.siren.as_ref().map(|s| s.as_str().into()),
            siret: self.siret.as_ref().map(|s| s.as_str().into()),
            rna: self.rna.as_ref().map(|s| s.as_str().into()),
            code_commune: self.commune.as_ref().map(|s| s.as_str().into()),
            national: self.national,
            perimetre: self.perimetre.iter().map(Lieu::cle).collect(),
            odd_principal: self.odd_principal,
            odd_secondaires: self.odd_secondaires.clone(),
            themes: self.themes.clone(),
            description: (!self.description.is_empty()).then(|| self.description.clone()),
            site_web: self.site_web.clone(),
            contact_public: self.contact_public.clone(),
            contacts_prives: self.contacts_prives.clone(),
            partenariats: self.partenariats.iter().map(|p| p.slug().into()).collect(),
            catalyseur: self.catalyseur,
            etat: Some(self.etat.slug().into()),
            date_creation: self.date_creation.clone(),
            date_fin: self.date_fin.clone(),
        }
    }
}

/// Cleans a one-line text: trims, folds runs of whitespace, refuses control characters.
pub fn ligne(
    champ: &'static str,
    v: &str,
    max: usize,
    errs: &mut Vec<ChampErreur>,
) -> Option<String> {
    let cleaned = v.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.chars().any(char::is_control) {
        errs.push(ChampErreur::new(
            champ,
            "contient des caractères de contrôle",
        ));
        return None;
    }
    let n = cleaned.chars().count();
    if n > max {
        errs.push(ChampErreur::new(
            champ,
            format!("trop long : {n} caractères, au plus {max}"),
        ));
        return None;
    }
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Cleans a multi-line text: keeps line breaks, refuses other control characters.
pub fn texte(
    champ: &'static str,
    v: &str,
    max: usize,
    errs: &mut Vec<ChampErreur>,
) -> Option<String> {
    let cleaned = v.replace("\r\n", "\n").trim().to_string();
    if cleaned
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errs.push(ChampErreur::new(
            champ,
            "contient des caractères de contrôle",
        ));
        return None;
    }
    let n = cleaned.chars().count();
    if n > max {
        errs.push(ChampErreur::new(
            champ,
            format!("trop long : {n} caractères, au plus {max}"),
        ));
        return None;
    }
    (!cleaned.is_empty()).then_some(cleaned)
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// An ISO 8601 calendar date `AAAA-MM-JJ` (also accepts `JJ/MM/AAAA`), returned as ISO.
pub fn date_iso(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let (y, m, d) = if let Some((d, rest)) = s.split_once('/') {
        let (m, y) = rest.split_once('/').ok_or("date attendue AAAA-MM-JJ")?;
        (y, m, d)
    } else {
        let mut it = s.splitn(3, '-');
        match (it.next(), it.next(), it.next()) {
            (Some(y), Some(m), Some(d)) => (y, m, d),
            _ => return Err("date attendue AAAA-MM-JJ"),
        }
    };
    let num = |t: &str, len: usize| -> Result<u32, &'static str> {
        if t.len() == len && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().map_err(|_| "date attendue AAAA-MM-JJ")
        } else {
            Err("date attendue AAAA-MM-JJ")
        }
    };
    let (y, m, d) = (num(y, 4)?, num(m, 2)?, num(d, 2)?);
    if !(1600..=2200).contains(&y) {
        return Err("année hors de 1600–2200");
    }
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return Err("mois hors de 01–12"),
    };
    if d == 0 || d > days {
        return Err("ce jour n'existe pas dans ce mois");
    }
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

fn odd_number(champ: &'static str, n: u8, errs: &mut Vec<ChampErreur>) -> Option<u8> {
    match OddNumber::new(n) {
        Ok(o) => Some(o.get()),
        Err(_) => {
            errs.push(ChampErreur::new(
                champ,
                format!("ODD {n} inconnu : de 1 à 17"),
            ));
            None
        }
    }
}

/// Checks a territory key against the referential.
pub fn lieu(
    champ: &'static str,
    cle: &str,
    referentiel: &Referentiel,
    errs: &mut Vec<ChampErreur>,
) -> Option<Lieu> {
    let Some(l) = Lieu::parse_cle(cle.trim()) else {
        errs.push(ChampErreur::new(
            champ,
            format!(
                "« {} » : attendu niveau:code (region:84, departement:69, epci:200046977, commune:69123)",
                cle.chars().take(40).collect::<String>()
            ),
        ));
        return None;
    };
    if referentiel.find(l.niveau, &l.code).is_none() {
        errs.push(ChampErreur::new(
            champ,
            format!("territoire inconnu : {} {}", l.niveau.slug(), l.code),
        ));
        return None;
    }
    Some(l)
}

/// Checks everything; returns the organisation or every problem found.
pub fn valider(
    s: &OrganisationSaisie,
    referentiel: &Referentiel,
) -> Result<Organisation, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let nom = ligne("nom", &s.nom, NOM_MAX, &mut errs);
    if nom.is_none() && !errs.iter().any(|e| e.champ == "nom") {
        errs.push(ChampErreur::new("nom", "le nom est obligatoire"));
    }
    let sigle = s
        .sigle
        .as_deref()
        .and_then(|v| ligne("sigle", v, SIGLE_MAX, &mut errs));
    let profil = match Profil::from_slug(s.profil.trim()) {
        Some(p) => Some(p),
        None => {
            errs.push(ChampErreur::new(
                "profil",
                if s.profil.trim().is_empty() {
                    format!("le profil est obligatoire ({})", Profil::slugs())
                } else {
                    format!("profil inconnu ; attendu : {}", Profil::slugs())
                },
            ));
            None
        }
    };
    let sous_type = blank(&s.sous_type).and_then(|v| match SousType::from_slug(v) {
        Some(st) => {
            if let Some(p) = profil {
                if st.profil() != p {
                    errs.push(ChampErreur::new(
                        "sousType",
                        format!(
                            "« {} » ne correspond pas au profil « {} »",
                            st.label_fr(),
                            p.label_fr()
                        ),
                    ));
                    return None;
                }
            }
            Some(st)
        }
        None => {
            errs.push(ChampErreur::new(
                "sousType",
                format!("sous-type inconnu ; attendu : {}", SousType::slugs()),
            ));
            None
        }
    });
    let taille = blank(&s.taille).and_then(|v| {
        Taille::from_slug(v).or_else(|| {
            errs.push(ChampErreur::new(
                "taille",
                format!("tranche inconnue ; attendu : {}", Taille::slugs()),
            ));
            None
        })
    });
    let mut siren = blank(&s.siren).and_then(|v| match Siren::parse(v) {
        Ok(x) => Some(x),
        Err(e) => {
            errs.push(ChampErreur::new("siren", e.to_string()));
            None
        }
    });
    let siret = blank(&s.siret).and_then(|v| match Siret::parse(v) {
        Ok(x) => Some(x),
        Err(e) => {
            errs.push(ChampErreur::new("siret", e.to_string()));
            None
        }
    });
    if let Some(t) = &siret {
        match &siren {
            Some(n) if n.as_str() != t.siren() => errs.push(ChampErreur::new(
                "siret",
                format!(
                    "le SIRET {} n'appartient pas au SIREN {} (il commence par {})",
                    t,
                    n,
                    t.siren()
                ),
            )),
            Some(_) => {}
            None => siren = Siren::parse(t.siren()).ok(),
        }
    }
    let rna = blank(&s.rna).and_then(|v| match Rna::parse(v) {
        Ok(x) => Some(x),
        Err(e) => {
            errs.push(ChampErreur::new("rna", e.to_string()));
            None
        }
    });
    if sous_type == Some(SousType::Epci) {
        match &siren {
            Some(n) if referentiel.find_epci(n.as_str()).is_some() => {}
            Some(n) => errs.push(ChampErreur::new(
                "siren",
                format!("{n} n'est le SIREN d'aucune intercommunalité du référentiel"),
            )),
            None => errs.push(ChampErreur::new(
                "siren",
                "une intercommunalité est identifiée par son SIREN",
            )),
        }
    }
    let commune = blank(&s.code_commune).and_then(|v| match CodeCommune::parse(v) {
        Ok(c) if referentiel.find(Niveau::Commune, c.as_str()).is_some() => Some(c),
        Ok(c) => {
            errs.push(ChampErreur::new(
                "codeCommune",
                format!("commune inconnue : aucun code INSEE {c} dans le référentiel"),
            ));
            None
        }
        Err(e) => {
            errs.push(ChampErreur::new("codeCommune", e.to_string()));
            None
        }
    });
    if s.perimetre.len() > PERIMETRE_MAX {
        errs.push(ChampErreur::new(
            "perimetre",
            format!("au plus {PERIMETRE_MAX} territoires"),
        ));
    }
    let mut perimetre: Vec<Lieu> = s
        .perimetre
        .iter()
        .take(PERIMETRE_MAX)
        .filter(|c| !c.trim().is_empty())
        .filter_map(|c| lieu("perimetre", c, referentiel, &mut errs))
        .collect();
    perimetre.sort();
    perimetre.dedup();
    let odd_principal = s
        .odd_principal
        .and_then(|n| odd_number("oddPrincipal", n, &mut errs));
    let mut odd_secondaires: Vec<u8> = s
        .odd_secondaires
        .iter()
        .filter_map(|&n| odd_number("oddSecondaires", n, &mut errs))
        .filter(|n| Some(*n) != odd_principal)
        .collect();
    odd_secondaires.sort_unstable();
    odd_secondaires.dedup();
    if s.themes.len() > THEMES_MAX {
        errs.push(ChampErreur::new(
            "themes",
            format!("au plus {THEMES_MAX} thèmes"),
        ));
    }
    let mut themes: Vec<String> = Vec::new();
    for t in s.themes.iter().take(THEMES_MAX) {
        if let Some(t) = ligne("themes", t, THEME_MAX, &mut errs) {
            if !themes.contains(&t) {
                themes.push(t);
            }
        }
    }
    let description = s
        .description
        .as_deref()
        .and_then(|v| texte("description", v, DESCRIPTION_MAX, &mut errs))
        .unwrap_or_default();
    let site_web = blank(&s.site_web).and_then(|v| adresse_web("siteWeb", v, &mut errs));
    let contact_public = s
        .contact_public
        .as_deref()
        .and_then(|v| ligne("contactPublic", v, CONTACT_MAX, &mut errs));
    let contacts_prives = s
        .contacts_prives
        .as_deref()
        .and_then(|v| texte("contactsPrives", v, CONTACTS_PRIVES_MAX, &mut errs));
    let mut partenariats = Vec::new();
    for p in &s.partenariats {
        match TypePartenariat::from_slug(p.trim()) {
            Some(t) if !partenariats.contains(&t) => partenariats.push(t),
            Some(_) => {}
            None => errs.push(ChampErreur::new(
                "partenariats",
                format!(
                    "type de partenariat inconnu « {} » ; attendu : {}",
                    p.chars().take(40).collect::<String>(),
                    TypePartenariat::slugs()
                ),
            )),
        }
    }
    partenariats.sort();
    let etat = match blank(&s.etat) {
        None => Etat::Active,
        Some(v) => Etat::from_slug(v).unwrap_or_else(|| {
            errs.push(ChampErreur::new(
                "etat",
                format!("état inconnu ; attendu : {}", Etat::slugs()),
            ));
            Etat::Active
        }),
    };
    let date = |champ: &'static str, v: &Option<String>, errs: &mut Vec<ChampErreur>| {
        blank(v).and_then(|d| match date_iso(d) {
            Ok(x) => Some(x),
            Err(m) => {
                errs.push(ChampErreur::new(champ, m));
                None
            }
        })
    };
    let date_creation = date("dateCreation", &s.date_creation, &mut errs);
    let date_fin = date("dateFin", &s.date_fin, &mut errs);
    if let (Some(a), Some(b)) = (&date_creation, &date_fin) {
        if b < a {
            errs.push(ChampErreur::new(
                "dateFin",
                "la date de fin précède la date de création",
            ));
        }
    }
    match (nom, profil, errs.is_empty()) {
        (Some(nom), Some(profil), true) => Ok(Organisation {
            nom,
            sigle,
            profil,
            sous_type,
            taille,
            siren,
            siret,
            rna,
            commune,
            national: s.national,
            perimetre,
            odd_principal,
            odd_secondaires,
            themes,
            description,
            site_web,
            contact_public,
            contacts_prives,
            partenariats,
            catalyseur: s.catalyseur,
            etat,
            date_creation,
            date_fin,
        }),
        _ => Err(errs),
    }
}

/// A web address: http or https, a host, no spaces. `www.x.fr` gets `https://`.
pub fn adresse_web(champ: &'static str, v: &str, errs: &mut Vec<ChampErreur>) -> Option<String> {
    let v = v.trim();
    let full = if v.starts_with("http://") || v.starts_with("https://") {
        v.to_string()
    } else if v.contains("://") {
        errs.push(ChampErreur::new(
            champ,
            "seules les adresses http:// ou https:// sont acceptées",
        ));
        return None;
    } else {
        format!("https://{v}")
    };
    let host = full
        .split_once("://")
        .map(|(_, r)| r.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if full.chars().count() > URL_MAX {
        errs.push(ChampErreur::new(
            champ,
            format!("trop long : au plus {URL_MAX} caractères"),
        ));
        None
    } else if full.chars().any(|c| c.is_whitespace() || c.is_control())
        || !host.contains('.')
        || host.starts_with('.')
        || host.ends_with('.')
    {
        errs.push(ChampErreur::new(
            champ,
            "adresse web invalide (exemple : https://www.exemple.fr)",
        ));
        None
    } else {
        Some(full)
    }
}

/// An offer or a need, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RessourceSaisie {
    pub sens: String,
    pub nature: String,
    pub titre: String,
    pub description: Option<String>,
    pub odd: Vec<u8>,
    /// `niveau:code`; absent: where the organisation acts.
    pub territoire: Option<String>,
    pub debut: Option<String>,
    pub fin: Option<String>,
}

/// A checked offer or need.
#[derive(Debug, Clone, PartialEq)]
pub struct Ressource {
    pub sens: Sens,
    pub nature: NatureRessource,
    pub titre: String,
    pub description: String,
    pub odd: Vec<u8>,
    pub territoire: Option<Lieu>,
    pub debut: Option<String>,
    pub fin: Option<String>,
}

pub fn valider_ressource(
    s: &RessourceSaisie,
    referentiel: &Referentiel,
) -> Result<Ressource, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let sens = Sens::from_slug(s.sens.trim());
    if sens.is_none() {
        errs.push(ChampErreur::new("sens", "attendu : offre ou besoin"));
    }
    let nature = NatureRessource::from_slug(s.nature.trim());
    if nature.is_none() {
        errs.push(ChampErreur::new(
            "nature",
            format!(
                "nature de ressource inconnue ; attendu : {}",
                NatureRessource::slugs()
            ),
        ));
    }
    let titre = ligne("titre", &s.titre, TITRE_RESSOURCE_MAX, &mut errs);
    if titre.is_none() && !errs.iter().any(|e| e.champ == "titre") {
        errs.push(ChampErreur::new("titre", "le titre est obligatoire"));
    }
    let description = s
        .description
        .as_deref()
        .and_then(|v| texte("description", v, DESCRIPTION_MAX, &mut errs))
        .unwrap_or_default();
    let mut odd: Vec<u8> = s
        .odd
        .iter()
        .filter_map(|&n| odd_number("odd", n, &mut errs))
        .collect();
    odd.sort_unstable();
    odd.dedup();
    let territoire =
        blank(&s.territoire).and_then(|t| lieu("territoire", t, referentiel, &mut errs));
    let date = |champ: &'static str, v: &Option<String>, errs: &mut Vec<ChampErreur>| {
        blank(v).and_then(|d| match date_iso(d) {
            Ok(x) => Some(x),
            Err(m) => {
                errs.push(ChampErreur::new(champ, m));
                None
            }
        })
    };
    let debut = date("debut", &s.debut, &mut errs);
    let fin = date("fin", &s.fin, &mut errs);
    if let (Some(a), Some(b)) = (&debut, &fin) {
        if b < a {
            errs.push(ChampErreur::new("fin", "la fin précède le début"));
        }
    }
    match (sens, nature, titre, errs.is_empty()) {
        (Some(sens), Some(nature), Some(titre), true) => Ok(Ressource {
            sens,
            nature,
            titre,
            description,
            odd,
            territoire,
            debut,
            fin,
        }),
        _ => Err(errs),
    }
}
