//! The RNA "waldec" export (répertoire national des associations, ministère de l'Intérieur):
//! semicolon-separated, one association per row, columns found by their header name.

use super::{
    champ, colonnes_manquantes, date_registre, epoch_registre, index_entete, Correspondance,
    ImportError, LigneSaisie,
};
use alliances_domain::annuaire::{ChampErreur, OrganisationSaisie};
use alliances_domain::territoires::{Referentiel, TypeCommune};
use alliances_domain::texte::fold;

pub const SOURCE: &str = "rna";
pub const LICENCE: &str = "Licence Ouverte 2.0 — RNA, ministère de l'Intérieur";

/// Columns without which the file is refused (before anything is written).
pub const COLONNES_OBLIGATOIRES: &[&str] = &["id", "titre", "position"];

/// Column → field, for the documentation and the fields an update replaces.
pub const CORRESPONDANCE: &[(&str, &str)] = &[
    ("id", "rna"),
    ("siret", "siret"),
    ("titre", "nom"),
    ("titre_court", "sigle"),
    ("objet", "description"),
    ("adrs_codeinsee", "codeCommune"),
    ("date_creat", "dateCreation"),
    ("date_disso", "dateFin"),
    ("siteweb", "siteWeb"),
    ("position", "etat"),
];

pub(crate) struct Rna {
    nb: usize,
    id: usize,
    titre: usize,
    position: usize,
    siret: Option<usize>,
    titre_court: Option<usize>,
    objet: Option<usize>,
    codeinsee: Option<usize>,
    codepostal: Option<usize>,
    libcommune: Option<usize>,
    date_creat: Option<usize>,
    date_disso: Option<usize>,
    siteweb: Option<usize>,
    maj_time: Option<usize>,
    portes: Vec<&'static str>,
}

pub(crate) fn preparer(entete: &[String]) -> Result<Rna, ImportError> {
    let idx = index_entete(entete);
    colonnes_manquantes("rna", &idx, COLONNES_OBLIGATOIRES)?;
    let col = |n: &str| idx.get(n).copied();
    let mut portes = vec!["profil"];
    for (c, f) in CORRESPONDANCE {
        if idx.contains_key(*c) {
            portes.push(*f);
        }
    }
    Ok(Rna {
        nb: entete.len(),
        id: idx["id"],
        titre: idx["titre"],
        position: idx["position"],
        siret: col("siret"),
        titre_court: col("titre_court"),
        objet: col("objet"),
        codeinsee: col("adrs_codeinsee"),
        codepostal: col("adrs_codepostal"),
        libcommune: col("adrs_libcommune"),
        date_creat: col("date_creat"),
        date_disso: col("date_disso"),
        siteweb: col("siteweb"),
        maj_time: col("maj_time"),
        portes,
    })
}

/// A commune from a postal code and a commune name, when the INSEE code is missing: the only
/// current commune of that postal code, or the one whose folded name matches.
pub(crate) fn commune_par_code_postal(
    r: &Referentiel,
    cp: &str,
    nom: Option<&str>,
) -> Option<String> {
    let candidats: Vec<u32> = r
        .communes_by_postal_code(cp.trim())
        .iter()
        .copied()
        .filter(|&c| {
            matches!(
                r.commune(c).type_commune,
                TypeCommune::Actuelle | TypeCommune::ArrondissementMunicipal
            )
        })
        .collect();
    if candidats.len() == 1 {
        return Some(r.commune(candidats[0]).code.clone());
    }
    let nom = fold(nom?);
    candidats
        .iter()
        .find(|&&c| fold(&r.commune(c).nom) == nom)
        .map(|&c| r.commune(c).code.clone())
}

impl Correspondance for Rna {
    fn nb_colonnes(&self) -> usize {
        self.nb
    }

    fn champs_portes(&self) -> &[&'static str] {
        &self.portes
    }

    fn cle_obligatoire(&self) -> Option<&'static str> {
        Some("rna")
    }

    fn lire(&self, c: &[String], r: &Referentiel) -> LigneSaisie {
        let mut out = LigneSaisie::default();
        let etat = match champ(c, Some(self.position)).as_deref() {
            Some("A") | Some("a") => "active",
            Some("D") | Some("d") => "dissoute",
            Some("S") | Some("s") => "supprimee",
            autre => {
                out.erreurs.push(ChampErreur::new(
                    "etat",
                    format!(
                        "position « {} » inconnue : attendu A (active), D (dissoute) ou S (supprimée)",
                        autre.unwrap_or("")
                    ),
                ));
                "active"
            }
        };
        let mut code_commune = champ(c, self.codeinsee);
        if code_commune.is_none() {
            if let Some(cp) = champ(c, self.codepostal) {
                code_commune =
                    commune_par_code_postal(r, &cp, champ(c, self.libcommune).as_deref());
            }
        }
        out.saisie = OrganisationSaisie {
            nom: champ(c, Some(self.titre)).unwrap_or_default(),
            sigle: champ(c, self.titre_court),
            profil: "association".into(),
            rna: champ(c, Some(self.id)),
            siret: champ(c, self.siret),
            code_commune,
            description: champ(c, self.objet),
            site_web: champ(c, self.siteweb),
            etat: Some(etat.into()),
            date_creation: champ(c, self.date_creat).and_then(|d| date_registre(&d)),
            date_fin: champ(c, self.date_disso).and_then(|d| date_registre(&d)),
            ..Default::default()
        };
        out.verifie_le = champ(c, self.maj_time).and_then(|d| epoch_registre(&d));
        out
    }
}
