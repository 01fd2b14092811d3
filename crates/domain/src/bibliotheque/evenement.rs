//! An event or webinar as typed (`EvenementSaisie`, times in Paris time) and as checked
//! (`Evenement`, times in UTC): title, summary, body, format, start and end, place, sign-up and
//! replay links, related resources, themes and territories.

use serde::{Deserialize, Serialize};

use super::{heure, liste, FormatEvenement};
use crate::annuaire::organisation::{adresse_web, lieu, ligne, texte, ChampErreur, Lieu};
use crate::ressources::Theme;
use crate::territoires::Referentiel;

pub const TITRE_MAX: usize = 200;
pub const RESUME_MAX: usize = 600;
pub const CORPS_MAX: usize = 10_000;
pub const LIEU_MAX: usize = 300;
/// An event lasts at most this long (a multi-day gathering fits; a typo in the year does not).
pub const DUREE_MAX: i64 = 14 * 86_400;
pub const RESSOURCES_MAX: usize = 20;

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct EvenementSaisie {
    pub titre: String,
    pub resume: String,
    pub corps: String,
    pub format: String,
    /// `AAAA-MM-JJTHH:MM`, Paris time.
    pub debut: String,
    pub fin: String,
    pub lieu: Option<String>,
    pub inscription: Option<String>,
    pub replay: Option<String>,
    /// Ids of related resources of the library.
    pub ressources: Vec<i64>,
    pub themes: Vec<String>,
    pub territoires: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evenement {
    pub titre: String,
    pub resume: String,
    pub corps: String,
    pub format: FormatEvenement,
    /// UTC timestamps.
    pub debut: i64,
    pub fin: i64,
    pub lieu: Option<String>,
    pub inscription: Option<String>,
    pub replay: Option<String>,
    pub ressources: Vec<i64>,
    pub themes: Vec<Theme>,
    pub territoires: Vec<Lieu>,
}

impl Evenement {
    pub fn saisie(&self) -> EvenementSaisie {
        EvenementSaisie {
            titre: self.titre.clone(),
            resume: self.resume.clone(),
            corps: self.corps.clone(),
            format: self.format.slug().into(),
            debut: heure::ecrire_paris(self.debut),
            fin: heure::ecrire_paris(self.fin),
            lieu: self.lieu.clone(),
            inscription: self.inscription.clone(),
            replay: self.replay.clone(),
            ressources: self.ressources.clone(),
            themes: self.themes.iter().map(|t| t.slug().into()).collect(),
            territoires: self.territoires.iter().map(Lieu::cle).collect(),
        }
    }

    /// The web addresses of the event (broken-link check).
    pub fn adresses(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .inscription
            .iter()
            .chain(self.replay.iter())
            .cloned()
            .collect();
        for u in super::markdown::liens(&self.corps) {
            if !out.contains(&u) {
                out.push(u);
            }
        }
        out
    }
}

fn url(champ: &'static str, v: Option<&str>, errs: &mut Vec<ChampErreur>) -> Option<String> {
    v.map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| adresse_web(champ, v, errs))
}

/// Checks an event.
pub fn valider_evenement(
    s: &EvenementSaisie,
    referentiel: &Referentiel,
) -> Result<Evenement, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let titre = ligne("titre", &s.titre, TITRE_MAX, &mut errs);
    if titre.is_none() && !errs.iter().any(|e| e.champ == "titre") {
        errs.push(ChampErreur::new("titre", "obligatoire"));
    }
    let resume = texte("resume", &s.resume, RESUME_MAX, &mut errs);
    if resume.is_none() && !errs.iter().any(|e| e.champ == "resume") {
        errs.push(ChampErreur::new(
            "resume",
            "obligatoire : à qui s'adresse l'événement et ce qu'on y fera",
        ));
    }
    let corps = texte("corps", &s.corps, CORPS_MAX, &mut errs).unwrap_or_default();
    let format = FormatEvenement::from_slug(s.format.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "format",
            format!("attendu : {}", FormatEvenement::slugs()),
        ));
        None
    });
    let mut instant = |champ: &'static str, v: &str| {
        if v.trim().is_empty() {
            errs.push(ChampErreur::new(
                champ,
                "obligatoire : date et heure (heure de Paris)",
            ));
            return None;
        }
        heure::lire_paris(v)
            .map_err(|e| errs.push(ChampErreur::new(champ, e)))
            .ok()
    };
    let debut = instant("debut", &s.debut);
    let fin = instant("fin", &s.fin);
    if let (Some(d), Some(f)) = (debut, fin) {
        if f <= d {
            errs.push(ChampErreur::new("fin", "la fin doit venir après le début"));
        } else if f - d > DUREE_MAX {
            errs.push(ChampErreur::new(
                "fin",
                "un événement dure au plus 14 jours",
            ));
        }
    }
    let lieu_txt = s
        .lieu
        .as_deref()
        .and_then(|v| ligne("lieu", v, LIEU_MAX, &mut errs));
    let inscription = url("inscription", s.inscription.as_deref(), &mut errs);
    let replay = url("replay", s.replay.as_deref(), &mut errs);
    let mut ressources = Vec::new();
    for r in &s.ressources {
        if *r <= 0 {
            errs.push(ChampErreur::new(
                "ressources",
                format!("numéro de ressource invalide : {r}"),
            ));
        } else if !ressources.contains(r) {
            ressources.push(*r);
        }
    }
    if ressources.len() > RESSOURCES_MAX {
        errs.push(ChampErreur::new(
            "ressources",
            format!("au plus {RESSOURCES_MAX} ressources liées"),
        ));
    }
    let themes = liste(
        "themes",
        &s.themes,
        Theme::from_slug,
        Theme::slugs,
        &mut errs,
    );
    let mut territoires: Vec<Lieu> = s
        .territoires
        .iter()
        .filter(|t| !t.trim().is_empty())
        .take(50)
        .filter_map(|t| lieu("territoires", t, referentiel, &mut errs))
        .collect();
    territoires.sort();
    territoires.dedup();
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Evenement {
        titre: titre.unwrap_or_default(),
        resume: resume.unwrap_or_default(),
        corps,
        format: format.expect("checked"),
        debut: debut.expect("checked"),
        fin: fin.expect("checked"),
        lieu: lieu_txt,
        inscription,
        replay,
        ressources,
        themes,
        territoires,
    })
}
