//! Why a candidate is proposed, in plain French — read from the score's components, never
//! recomputed: each sentence names a part that earned points (or the demotion that cost some).

use super::score::{odd_du_masque, Composantes, Diversite};
use crate::annuaire::NatureRessource;
use serde::Serialize;

/// One reason: a stable code (API) and its sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Raison {
    /// `odd`, `besoins`, `offres`, `proximite`, `profil`, `maturite` or `fraicheur`.
    pub code: &'static str,
    pub texte: String,
}

/// « du financement », « de l'expertise »: a kind as something offered.
fn partitif(n: NatureRessource) -> &'static str {
    match n {
        NatureRessource::Competences => "du mécénat de compétences",
        NatureRessource::Financement => "du financement",
        NatureRessource::Benevolat => "du bénévolat",
        NatureRessource::Locaux => "des locaux et équipements",
        NatureRessource::Donnees => "des données et études",
        NatureRessource::Reseau => "du réseau et de la visibilité",
        NatureRessource::Expertise => "de l'expertise",
        NatureRessource::Achats => "des achats et de la coopération économique",
    }
}

/// « de financement », « d'expertise »: a kind after « besoin ».
fn apres_de(n: NatureRessource) -> &'static str {
    match n {
        NatureRessource::Competences => "de mécénat de compétences",
        NatureRessource::Financement => "de financement",
        NatureRessource::Benevolat => "de bénévolat",
        NatureRessource::Locaux => "de locaux et d'équipements",
        NatureRessource::Donnees => "de données et d'études",
        NatureRessource::Reseau => "de réseau et de visibilité",
        NatureRessource::Expertise => "d'expertise",
        NatureRessource::Achats => "d'achats et de coopération économique",
    }
}

/// « a, b et c ».
pub fn enumeration(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [debut @ .., dernier] => format!("{} et {dernier}", debut.join(", ")),
    }
}

fn natures(mask: u8) -> Vec<NatureRessource> {
    NatureRessource::ALL
        .iter()
        .copied()
        .filter(|n| mask & (1 << n.index()) != 0)
        .collect()
}

/// The reasons of a result, most telling first.
pub fn raisons(c: &Composantes) -> Vec<Raison> {
    let mut out = Vec::new();
    let parts = c.parts();
    let besoins = || {
        let kinds: Vec<String> = natures(c.besoins_couverts)
            .into_iter()
            .map(|n| partitif(n).to_string())
            .collect();
        Raison {
            code: "besoins",
            texte: format!("propose {}, dont vous avez besoin", enumeration(&kinds)),
        }
    };
    let offres = || {
        let kinds: Vec<String> = natures(c.offres_utiles)
            .into_iter()
            .map(|n| apres_de(n).to_string())
            .collect();
        Raison {
            code: "offres",
            texte: format!("a besoin {}, que vous proposez", enumeration(&kinds)),
        }
    };
    let commun = c.odd_principal_commun | c.odd_principal_un_cote | c.odd_secondaire_commun;
    if parts.odd > 0 {
        let nums: Vec<String> = odd_du_masque(commun).iter().map(u8::to_string).collect();
        let texte = if nums.len() == 1 {
            format!("partage l'ODD {}", nums[0])
        } else {
            format!("partage les ODD {}", enumeration(&nums))
        };
        out.push(Raison { code: "odd", texte });
    }
    // The strong direction of complementarity first.
    let offre_d_abord = c.focus == super::Focus::Offre;
    if offre_d_abord && parts.offres_utiles > 0 {
        out.push(offres());
    }
    if parts.besoins_couverts > 0 {
        out.push(besoins());
    }
    if !offre_d_abord && parts.offres_utiles > 0 {
        out.push(offres());
    }
    if let Some(t) = c.proximite.raison() {
        out.push(Raison {
            code: "proximite",
            texte: t.to_string(),
        });
    }
    let profil = c.profil.label_fr().to_lowercase();
    match c.diversite {
        Diversite::Recherche => out.push(Raison {
            code: "profil",
            texte: format!("profil recherché : {profil}"),
        }),
        Diversite::AutreFamille => out.push(Raison {
            code: "profil",
            texte: format!("un autre type d'acteur : {profil}"),
        }),
        Diversite::AutreProfil => out.push(Raison {
            code: "profil",
            texte: format!("un profil voisin : {profil}"),
        }),
        Diversite::MemeProfil => {}
    }
    if let Some(m) = c.maturite.filter(|_| parts.maturite > 0) {
        out.push(Raison {
            code: "maturite",
            texte: format!(
                "pratique du partenariat évaluée à {m}/100 (kit « L'ODD 17 en pratique »)"
            ),
        });
    }
    if c.perime {
        out.push(Raison {
            code: "fraicheur",
            texte: "fiche non vérifiée depuis plus d'un an (classée plus bas)".to_string(),
        });
    }
    out
}
