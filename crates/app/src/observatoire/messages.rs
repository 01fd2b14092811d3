//! The calibration crate's errors (written for the CLI, in English) said in French for the
//! analyst's pages.

use alliances_calage::{ErreurCalage, ErreurDonnees, ErreurMarges};

fn nombre(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.6}")
    }
}

pub fn marges(e: &ErreurMarges) -> String {
    match e {
        ErreurMarges::Json(m) => format!("fichier de marges illisible : {m}"),
        ErreurMarges::Population(p) => {
            format!("la population doit être un nombre positif (lu : {p})")
        }
        ErreurMarges::AucuneMarge => "aucune marge n'est donnée".into(),
        ErreurMarges::MargeVide(v) => format!("la marge « {v} » n'a aucune modalité"),
        ErreurMarges::Total {
            variable,
            modalite,
            total,
        } => format!(
            "marge « {variable} », modalité « {modalite} » : le total doit être un nombre positif ou nul (lu : {total})"
        ),
        ErreurMarges::TotauxDiscordants {
            variable,
            somme,
            population,
            ecart,
            ..
        } => format!(
            "la marge « {variable} » totalise {} alors que la population est de {} (écart {}) : les marges ne concordent pas",
            nombre(*somme),
            nombre(*population),
            nombre(*ecart)
        ),
        ErreurMarges::Donnees(d) => donnees(d),
        ErreurMarges::ModalitesNonCouvertes {
            variable,
            modalites,
        } => format!(
            "la marge « {variable} » ne couvre pas des modalités présentes dans les réponses : {}",
            modalites
                .iter()
                .map(|(m, n)| format!("« {m} » ({n} répondants)"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ErreurMarges::ModaliteVide {
            variable,
            modalite,
            total,
        } => format!(
            "marge « {variable} » : la modalité « {modalite} » a un total de {} dans la population mais aucun répondant",
            nombre(*total)
        ),
        ErreurMarges::TotalNul {
            variable,
            modalite,
            n,
        } => format!(
            "marge « {variable} » : la modalité « {modalite} » a {n} répondants mais un total nul dans la population"
        ),
        ErreurMarges::Poids(m) => format!("poids initiaux : {m}"),
    }
}

pub fn donnees(e: &ErreurDonnees) -> String {
    match e {
        ErreurDonnees::Vide => "le fichier est vide : pas de ligne d'en-tête".into(),
        ErreurDonnees::Lecture(m) => format!("lecture impossible : {m}"),
        ErreurDonnees::NombreDeChamps {
            ligne,
            attendu,
            trouve,
        } => format!("ligne {ligne} : {trouve} champs alors que l'en-tête en a {attendu}"),
        ErreurDonnees::GuillemetNonFerme { ligne } => {
            format!("ligne {ligne} : un guillemet ouvert n'est pas refermé")
        }
        ErreurDonnees::ColonneEnDouble(c) => {
            format!("ligne 1 : la colonne « {c} » apparaît deux fois")
        }
        ErreurDonnees::ColonneSansNom(i) => format!("ligne 1 : la colonne {i} n'a pas de nom"),
        ErreurDonnees::Encodage { ligne } => {
            format!("ligne {ligne} : le texte n'est pas en UTF-8")
        }
        ErreurDonnees::ColonneInconnue(c) => format!("aucune colonne « {c} »"),
        ErreurDonnees::NonNumerique {
            ligne,
            colonne,
            valeur,
        } => format!("ligne {ligne}, colonne « {colonne} » : « {valeur} » n'est pas un nombre"),
        ErreurDonnees::PasCategorielle(c) => format!("la colonne « {c} » n'est pas catégorielle"),
        ErreurDonnees::ValeurManquante { ligne, colonne } => {
            format!("ligne {ligne}, colonne « {colonne} » : valeur manquante")
        }
        ErreurDonnees::IdentifiantEnDouble {
            colonne,
            valeur,
            premiere,
            seconde,
        } => format!(
            "colonne « {colonne} » : l'identifiant « {valeur} » apparaît lignes {premiere} et {seconde}"
        ),
        ErreurDonnees::Longueur { colonne, .. } => {
            format!("colonne « {colonne} » : longueur inattendue")
        }
    }
}

pub fn calage(e: &ErreurCalage) -> String {
    match e {
        ErreurCalage::Marges(m) => marges(m),
        ErreurCalage::Donnees(d) => donnees(d),
        ErreurCalage::Methode(m) => format!("méthode : {m}"),
        ErreurCalage::BornesInfaisables {
            variable,
            modalite,
            ratio,
            bas,
            haut,
            ..
        } => format!(
            "les bornes [{bas} ; {haut}] sont infaisables : la marge « {variable} », modalité « {modalite} », demande un rapport moyen g = {ratio:.4}. Élargissez les bornes ou regroupez des modalités."
        ),
        ErreurCalage::NonConvergence {
            iterations,
            ecart_max,
            ecarts,
        } => format!(
            "le calage n'a pas convergé en {iterations} itérations (plus grand écart relatif {ecart_max:.3e}) ; écarts : {}. Aucun poids n'a été enregistré.",
            ecarts
                .iter()
                .take(5)
                .map(|e| format!(
                    "{} = {} : cible {}, atteint {}",
                    e.variable,
                    e.modalite,
                    nombre(e.cible),
                    nombre(e.atteint)
                ))
                .collect::<Vec<_>>()
                .join(" ; ")
        ),
    }
}
