//! The resource library (« bibliothèque de ressources »): methods, inspiring examples, data,
//! tools, trainings and skills, plus events and webinars. Named `bibliotheque` in code because
//! `ressources` already names the annuaire's offers and needs; the themes (`crate::ressources`)
//! are shared with the kits' recommendations.
//!
//! - [`entree`]: a resource or an inspiring example as typed and as checked (each problem names
//!   its field); an example is a structured case (territory, actors, partnership types, form,
//!   need, what was done, results, lessons, contact).
//! - [`evenement`]: events and webinars (dates in Paris time typed, stored in UTC).
//! - [`markdown`]: the one rule that turns a body written in Markdown into safe HTML.
//! - [`ical`]: the iCalendar feed of events (RFC 5545: CRLF, folding, escaping).
//! - [`heure`]: Paris local time ↔ UTC (the EU summer-time rule).

pub mod entree;
pub mod evenement;
pub mod heure;
pub mod ical;
pub mod markdown;

pub use entree::{valider_entree, Cas, Entree, EntreeSaisie, Lien, LienSaisie};
pub use evenement::{valider_evenement, Evenement, EvenementSaisie};

nomenclature!(
    /// The five families of the library.
    Famille {
        Methode => ("methode", "Méthodes", "Methods"),
        Exemple => ("exemple", "Exemples inspirants", "Inspiring examples"),
        Donnees => ("donnees", "Données", "Data"),
        Outil => ("outil", "Outils", "Tools"),
        Formation => ("formation", "Formations et compétences", "Trainings and skills"),
    }
);

nomenclature!(
    /// Where an entry stands: resources and events are published at once; an example is
    /// submitted, then published or refused by a moderator.
    EtatPublication {
        Soumise => ("soumise", "En attente de relecture", "Awaiting review"),
        Publiee => ("publiee", "Publiée", "Published"),
        Refusee => ("refusee", "Refusée", "Refused"),
    }
);

nomenclature!(
    /// The format of an event.
    FormatEvenement {
        Webinaire => ("webinaire", "Webinaire", "Webinar"),
        Atelier => ("atelier", "Atelier", "Workshop"),
        Conference => ("conference", "Conférence", "Conference"),
        Rencontre => ("rencontre", "Rencontre territoriale", "Territorial meeting"),
        Formation => ("formation", "Formation", "Training"),
    }
);

/// Reads a list of slugs of a closed list, every unknown one reported, duplicates dropped,
/// sorted.
pub(crate) fn liste<T: PartialEq + Ord + Copy>(
    champ: &'static str,
    valeurs: &[String],
    lire: impl Fn(&str) -> Option<T>,
    attendu: impl Fn() -> String,
    errs: &mut Vec<crate::annuaire::ChampErreur>,
) -> Vec<T> {
    let mut out = Vec::new();
    for v in valeurs.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match lire(v) {
            Some(x) if !out.contains(&x) => out.push(x),
            Some(_) => {}
            None => errs.push(crate::annuaire::ChampErreur::new(
                champ,
                format!(
                    "« {} » inconnu (attendu : {})",
                    v.chars().take(40).collect::<String>(),
                    attendu()
                ),
            )),
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests;
