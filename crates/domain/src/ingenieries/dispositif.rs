//! A support scheme as typed (`DispositifSaisie`) and checked (`valider_dispositif`): every rule in
//! one place, each problem naming its field. Coverage is a set of territories at any level (a
//! national scheme covers everything and names none); a scheme may relay another one (a
//! departmental relay of a national programme), never in a cycle and never from a wider level.

use serde::{Deserialize, Serialize};

use super::{Ingenierie, NiveauDispositif, Service};
use crate::annuaire::organisation::{adresse_web, lieu, ligne, texte, ChampErreur, Lieu};
use crate::annuaire::{Profil, Taille};
use crate::territoires::{Niveau, Referentiel};

pub const NOM_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5000;
pub const CONTACT_MAX: usize = 300;
pub const COUVERTURE_MAX: usize = 500;

/// What a form, an import or the API says about a scheme.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DispositifSaisie {
    pub nom: String,
    pub description: String,
    pub niveau: String,
    pub ingenierie: String,
    pub services: Vec<String>,
    /// Actor profiles served (empty: all).
    pub publics: Vec<String>,
    /// Size bands served (empty: all).
    pub tailles: Vec<String>,
    /// `niveau:code` — empty for a national scheme.
    pub couverture: Vec<String>,
    pub contact: Option<String>,
    pub url: Option<String>,
    /// The scheme this one relays (its id).
    pub relais_de: Option<i64>,
}

/// A checked scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispositif {
    pub nom: String,
    pub description: String,
    pub niveau: NiveauDispositif,
    pub ingenierie: Ingenierie,
    pub services: Vec<Service>,
    pub publics: Vec<Profil>,
    pub tailles: Vec<Taille>,
    /// Empty for a national scheme (it covers everything).
    pub couverture: Vec<Lieu>,
    pub contact: Option<String>,
    pub url: Option<String>,
    pub relais_de: Option<i64>,
}

impl Dispositif {
    /// Back to the typed form (edit forms, API).
    pub fn saisie(&self) -> DispositifSaisie {
        DispositifSaisie {
            nom: self.nom.clone(),
            description: self.description.clone(),
            niveau: self.niveau.slug().into(),
            ingenierie: self.ingenierie.slug().into(),
            services: self.services.iter().map(|s| s.slug().into()).collect(),
            publics: self.publics.iter().map(|s| s.slug().into()).collect(),
            tailles: self.tailles.iter().map(|s| s.slug().into()).collect(),
            couverture: self.couverture.iter().map(Lieu::cle).collect(),
            contact: self.contact.clone(),
            url: self.url.clone(),
            relais_de: self.relais_de,
        }
    }

    pub fn est_national(&self) -> bool {
        self.niveau == NiveauDispositif::National
    }

    /// Whether the scheme serves this profile and size band (an empty list serves all; an
    /// unknown size is served).
    pub fn sert(&self, profil: Option<Profil>, taille: Option<Taille>) -> bool {
        profil.is_none_or(|p| self.publics.is_empty() || self.publics.contains(&p))
            && taille.is_none_or(|t| self.tailles.is_empty() || self.tailles.contains(&t))
    }
}

/// The territory levels a scheme of this level may name in its coverage.
pub fn niveaux_couverts(n: NiveauDispositif) -> &'static [Niveau] {
    match n {
        NiveauDispositif::National => &[],
        NiveauDispositif::Regional => &[
            Niveau::Region,
            Niveau::Departement,
            Niveau::Epci,
            Niveau::Commune,
        ],
        NiveauDispositif::Departemental => &[Niveau::Departement, Niveau::Epci, Niveau::Commune],
        NiveauDispositif::Local => &[Niveau::Epci, Niveau::Commune],
    }
}

/// Reads a list of slugs of a closed list, every unknown one reported.
fn liste<T: PartialEq + Ord + Copy>(
    champ: &'static str,
    valeurs: &[String],
    lire: impl Fn(&str) -> Option<T>,
    attendu: impl Fn() -> String,
    errs: &mut Vec<ChampErreur>,
) -> Vec<T> {
    let mut out = Vec::new();
    for v in valeurs.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match lire(v) {
            Some(x) if !out.contains(&x) => out.push(x),
            Some(_) => {}
            None => errs.push(ChampErreur::new(
                champ,
                format!("« {v} » inconnu (attendu : {})", attendu()),
            )),
        }
    }
    out.sort();
    out
}

/// Checks everything but the relay link's target (which needs the other schemes: see
/// [`verifier_relais`]); returns the scheme or every problem, each naming its field.
pub fn valider_dispositif(
    s: &DispositifSaisie,
    referentiel: &Referentiel,
) -> Result<Dispositif, Vec<ChampErreur>> {
    let mut errs = Vec::new();
    let nom = ligne("nom", &s.nom, NOM_MAX, &mut errs);
    if nom.is_none() && !errs.iter().any(|e| e.champ == "nom") {
        errs.push(ChampErreur::new("nom", "obligatoire"));
    }
    let description = texte("description", &s.description, DESCRIPTION_MAX, &mut errs);
    if description.is_none() && !errs.iter().any(|e| e.champ == "description") {
        errs.push(ChampErreur::new(
            "description",
            "obligatoire : ce que le dispositif propose, à qui, comment le solliciter",
        ));
    }
    let niveau = NiveauDispositif::from_slug(s.niveau.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "niveau",
            format!("attendu : {}", NiveauDispositif::slugs()),
        ));
        None
    });
    let ingenierie = Ingenierie::from_slug(s.ingenierie.trim()).or_else(|| {
        errs.push(ChampErreur::new(
            "ingenierie",
            format!("attendu : {}", Ingenierie::slugs()),
        ));
        None
    });
    let services = liste(
        "services",
        &s.services,
        Service::from_slug,
        Service::slugs,
        &mut errs,
    );
    if services.is_empty() && !errs.iter().any(|e| e.champ == "services") {
        errs.push(ChampErreur::new("services", "au moins un service proposé"));
    }
    let publics = liste(
        "publics",
        &s.publics,
        Profil::from_slug,
        Profil::slugs,
        &mut errs,
    );
    let tailles = liste(
        "tailles",
        &s.tailles,
        Taille::from_slug,
        Taille::slugs,
        &mut errs,
    );
    let demandes: Vec<&String> = s
        .couverture
        .iter()
        .filter(|t| !t.trim().is_empty())
        .collect();
    if demandes.len() > COUVERTURE_MAX {
        errs.push(ChampErreur::new(
            "couverture",
            format!("au plus {COUVERTURE_MAX} territoires"),
        ));
    }
    let mut couverture: Vec<Lieu> = demandes
        .iter()
        .take(COUVERTURE_MAX)
        .filter_map(|t| lieu("couverture", t, referentiel, &mut errs))
        .collect();
    couverture.sort();
    couverture.dedup();
    if let Some(n) = niveau {
        let permis = niveaux_couverts(n);
        if n == NiveauDispositif::National {
            if !couverture.is_empty() {
                errs.push(ChampErreur::new(
                    "couverture",
                    "un dispositif national couvre tout le territoire : laissez la couverture vide",
                ));
            }
        } else if couverture.is_empty() && !errs.iter().any(|e| e.champ == "couverture") {
            errs.push(ChampErreur::new(
                "couverture",
                "au moins un territoire couvert",
            ));
        } else {
            for l in couverture.iter().filter(|l| !permis.contains(&l.niveau)) {
                errs.push(ChampErreur::new(
                    "couverture",
                    format!(
                        "{} : un dispositif {} ne couvre pas un territoire de niveau {} (niveaux possibles : {})",
                        l.cle(),
                        n.label_fr().to_lowercase(),
                        l.niveau.slug(),
                        permis.iter().map(|x| x.slug()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    }
    let contact = s
        .contact
        .as_deref()
        .and_then(|v| ligne("contact", v, CONTACT_MAX, &mut errs));
    let url = s
        .url
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| adresse_web("url", v, &mut errs));
    if contact.is_none()
        && url.is_none()
        && !errs
            .iter()
            .any(|e| e.champ == "contact" || e.champ == "url")
    {
        errs.push(ChampErreur::new(
            "contact",
            "une porte d'entrée au moins : un contact ou l'adresse d'un formulaire",
        ));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Dispositif {
        nom: nom.unwrap_or_default(),
        description: description.unwrap_or_default(),
        niveau: niveau.expect("checked"),
        ingenierie: ingenierie.expect("checked"),
        services,
        publics,
        tailles,
        couverture,
        contact,
        url,
        relais_de: s.relais_de,
    })
}

/// Checks a relay link: scheme `id` (None for a new one) of level `niveau` relays `tete`. `tete_de`
/// gives, for an existing scheme, its level and the scheme it relays itself. Refused: an unknown
/// scheme, relaying oneself, a cycle (A relays B which relays … A), or relaying a scheme of a
/// level that is not wider than one's own (a relay brings a programme closer to the ground).
pub fn verifier_relais(
    id: Option<i64>,
    niveau: NiveauDispositif,
    tete: i64,
    tete_de: impl Fn(i64) -> Option<(NiveauDispositif, Option<i64>, String)>,
) -> Result<(), ChampErreur> {
    let Some((niveau_tete, _, nom_tete)) = tete_de(tete) else {
        return Err(ChampErreur::new(
            "relaisDe",
            format!("aucun dispositif n° {tete}"),
        ));
    };
    if Some(tete) == id {
        return Err(ChampErreur::new(
            "relaisDe",
            "un dispositif ne peut pas être son propre relais",
        ));
    }
    if niveau_tete >= niveau {
        return Err(ChampErreur::new(
            "relaisDe",
            format!(
                "« {nom_tete} » est de niveau {} : un relais est plus proche du terrain que le dispositif qu'il relaie",
                niveau_tete.label_fr().to_lowercase()
            ),
        ));
    }
    // Walk up from the target: meeting `id` again would close a cycle.
    let mut chemin = vec![nom_tete];
    let mut courant = tete_de(tete).and_then(|(_, p, _)| p);
    let mut pas = 0;
    while let Some(p) = courant {
        if Some(p) == id {
            return Err(ChampErreur::new(
                "relaisDe",
                format!(
                    "ce lien créerait un cycle : {} relaie déjà ce dispositif",
                    chemin.join(" → ")
                ),
            ));
        }
        pas += 1;
        if pas > 64 {
            break;
        }
        match tete_de(p) {
            Some((_, parent, nom)) => {
                chemin.push(nom);
                courant = parent;
            }
            None => break,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn referentiel() -> Referentiel {
        Referentiel::build(crate::territoires::referentiel::tests::sample()).unwrap()
    }

    fn saisie() -> DispositifSaisie {
        DispositifSaisie {
            nom: "Relais départemental".into(),
            description: "Accompagne les alliances.".into(),
            niveau: "departemental".into(),
            ingenierie: "catalyse".into(),
            services: vec!["accompagnement".into(), "diagnostic".into()],
            couverture: vec!["departement:42".into()],
            contact: Some("contact@relais.fr".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_scheme_is_checked_field_by_field() {
        let r = referentiel();
        let d = valider_dispositif(&saisie(), &r).unwrap();
        assert_eq!(
            d.services,
            vec![Service::Diagnostic, Service::Accompagnement]
        );
        let e = valider_dispositif(
            &DispositifSaisie {
                nom: " ".into(),
                services: vec!["inconnu".into()],
                couverture: vec!["region:84".into(), "departement:999".into()],
                contact: None,
                ..saisie()
            },
            &r,
        )
        .unwrap_err();
        let champs: Vec<&str> = e.iter().map(|e| e.champ).collect();
        assert!(champs.contains(&"nom"));
        assert!(champs.contains(&"services"));
        assert!(champs.contains(&"contact"));
        // An unknown territory, and a région too wide for a departmental scheme.
        assert!(e
            .iter()
            .any(|e| e.champ == "couverture" && e.message.contains("inconnu")));
        assert!(e
            .iter()
            .any(|e| e.champ == "couverture" && e.message.contains("region:84")));
        // National: no territory named.
        let e = valider_dispositif(
            &DispositifSaisie {
                niveau: "national".into(),
                ..saisie()
            },
            &r,
        )
        .unwrap_err();
        assert!(e[0].message.contains("national"));
        assert!(valider_dispositif(
            &DispositifSaisie {
                niveau: "national".into(),
                couverture: vec![],
                ..saisie()
            },
            &r
        )
        .is_ok());
    }

    #[test]
    fn relays_go_down_the_levels_and_never_loop() {
        use NiveauDispositif::*;
        // 1 national ← 2 régional ← 3 départemental.
        let tous: HashMap<i64, (NiveauDispositif, Option<i64>, String)> = HashMap::from([
            (1, (National, None, "Programme national".to_string())),
            (2, (Regional, Some(1), "Relais régional".to_string())),
            (
                3,
                (Departemental, Some(2), "Relais départemental".to_string()),
            ),
            (4, (Local, Some(9), "Orphelin".to_string())),
        ]);
        let de = |id: i64| tous.get(&id).cloned();
        assert!(verifier_relais(None, Local, 3, de).is_ok());
        assert!(verifier_relais(None, Local, 99, de).is_err());
        assert!(verifier_relais(Some(3), Departemental, 3, de).is_err());
        // Same level, or wider: refused.
        assert!(verifier_relais(None, Regional, 2, de).is_err());
        assert!(verifier_relais(None, National, 3, de).is_err());
        // The national scheme relaying its own relay's relay: a cycle, named.
        let e = verifier_relais(Some(1), Local, 3, |id| {
            if id == 1 {
                Some((Local, None, "Programme national".to_string()))
            } else {
                de(id)
            }
        })
        .unwrap_err();
        assert!(e.message.contains("cycle"), "{}", e.message);
        assert!(e.message.contains("Relais départemental → Relais régional"));
        // A dangling parent ends the walk.
        assert!(verifier_relais(None, Local, 4, |id| if id == 4 {
            Some((Departemental, Some(9), "Orphelin".to_string()))
        } else {
            None
        })
        .is_ok());
    }
}
