//! A subset of the SIRENE establishments stock (INSEE, `StockEtablissement`), comma-separated,
//! INSEE column names, optionally joined with a few columns of the legal units
//! (`StockUniteLegale`) for the name and the legal category.

use super::{
    champ, colonnes_manquantes, epoch_registre, index_entete, Correspondance, ImportError,
    LigneSaisie,
};
use alliances_domain::annuaire::{ChampErreur, OrganisationSaisie, Profil, SousType, Taille};
use alliances_domain::territoires::Referentiel;

pub const SOURCE: &str = "sirene";
pub const LICENCE: &str = "Licence Ouverte 2.0 — base SIRENE, INSEE";

pub const COLONNES_OBLIGATOIRES: &[&str] = &["siret", "etatAdministratifEtablissement"];
/// At least one of these names the organisation.
pub const COLONNES_NOM: &[&str] = &[
    "denominationUsuelleEtablissement",
    "enseigne1Etablissement",
    "denominationUniteLegale",
];

/// INSEE headcount band → the annuaire's size band. `NN` (no employee during the year) and
/// `00` (none on 31 December) are both "no employee".
pub fn taille(tranche: &str) -> Option<Taille> {
    Some(match tranche {
        "NN" | "00" => Taille::Aucun,
        "01" | "02" | "03" => Taille::De1a9,
        "11" | "12" => Taille::De10a49,
        "21" | "22" | "31" => Taille::De50a249,
        "32" | "41" | "42" | "51" => Taille::De250a4999,
        "52" | "53" => Taille::Plus5000,
        _ => return None,
    })
}

/// Legal category (4 digits, INSEE nomenclature "catégories juridiques") → profile and, when
/// it is clear, sub-type. `siren` and the referential tell an EPCI the annuaire knows.
pub fn profil(
    categorie: Option<&str>,
    siren: Option<&str>,
    r: &Referentiel,
) -> (Profil, Option<SousType>) {
    let Some(c) = categorie.filter(|c| c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit()))
    else {
        return (Profil::Entreprise, None);
    };
    let epci = || siren.is_some_and(|s| r.find_epci(s).is_some());
    match c {
        _ if c.starts_with("92") => (Profil::Association, None),
        _ if c.starts_with("93") => (Profil::Fondation, None),
        "7210" => (Profil::Collectivite, Some(SousType::Commune)),
        "7220" => (Profil::Collectivite, Some(SousType::Departement)),
        "7230" => (Profil::Collectivite, Some(SousType::Region)),
        "7343" | "7344" | "7346" | "7347" | "7348" if epci() => {
            (Profil::Collectivite, Some(SousType::Epci))
        }
        "7343" | "7344" | "7346" | "7347" | "7348" | "7225" | "7229" | "7345" | "7353" | "7354"
        | "7355" => (Profil::Collectivite, None),
        "7383" | "7384" => (Profil::ActeurAcademique, Some(SousType::Universite)),
        _ if c.starts_with("71") => (Profil::EtatOperateur, Some(SousType::ServiceEtat)),
        _ if c.starts_with('7') => (Profil::EtatOperateur, Some(SousType::OperateurPublic)),
        "8410" | "8420" | "8450" => (Profil::Syndicat, None),
        _ if c.starts_with("81") => (Profil::EtatOperateur, Some(SousType::OperateurPublic)),
        _ if c.starts_with("82") || c.starts_with("83") || c.starts_with("85") => {
            (Profil::Entreprise, Some(SousType::EntrepriseEss))
        }
        _ => (Profil::Entreprise, None),
    }
}

pub(crate) struct Sirene {
    nb: usize,
    siret: usize,
    etat: usize,
    siren: Option<usize>,
    date_creation: Option<usize>,
    tranche: Option<usize>,
    commune: Option<usize>,
    noms: Vec<usize>,
    sigle: Option<usize>,
    categorie: Option<usize>,
    diffusion: Option<usize>,
    maj: Option<usize>,
    portes: Vec<&'static str>,
}

pub(crate) fn preparer(entete: &[String]) -> Result<Sirene, ImportError> {
    let idx = index_entete(entete);
    colonnes_manquantes("sirene", &idx, COLONNES_OBLIGATOIRES)?;
    let col = |n: &str| idx.get(&n.to_ascii_lowercase()).copied();
    let noms: Vec<usize> = COLONNES_NOM.iter().filter_map(|n| col(n)).collect();
    if noms.is_empty() {
        return Err(ImportError::ColonnesManquantes {
            format: "sirene".into(),
            colonnes: vec![format!("au moins une de : {}", COLONNES_NOM.join(", "))],
        });
    }
    let mut portes = vec!["siret", "siren", "nom", "etat"];
    for (c, f) in [
        ("dateCreationEtablissement", "dateCreation"),
        ("trancheEffectifsEtablissement", "taille"),
        ("codeCommuneEtablissement", "codeCommune"),
        ("sigleUniteLegale", "sigle"),
    ] {
        if col(c).is_some() {
            portes.push(f);
        }
    }
    if col("categorieJuridiqueUniteLegale").is_some() {
        portes.extend(["profil", "sousType"]);
    }
    Ok(Sirene {
        nb: entete.len(),
        siret: idx["siret"],
        etat: idx["etatadministratifetablissement"],
        siren: col("siren"),
        date_creation: col("dateCreationEtablissement"),
        tranche: col("trancheEffectifsEtablissement"),
        commune: col("codeCommuneEtablissement"),
        noms,
        sigle: col("sigleUniteLegale"),
        categorie: col("categorieJuridiqueUniteLegale"),
        diffusion: col("statutDiffusionEtablissement"),
        maj: col("dateDernierTraitementEtablissement"),
        portes,
    })
}

impl Correspondance for Sirene {
    fn nb_colonnes(&self) -> usize {
        self.nb
    }

    fn champs_portes(&self) -> &[&'static str] {
        &self.portes
    }

    fn cle_obligatoire(&self) -> Option<&'static str> {
        Some("siret")
    }

    fn lire(&self, c: &[String], r: &Referentiel) -> LigneSaisie {
        let mut out = LigneSaisie::default();
        if champ(c, self.diffusion).as_deref() == Some("P") {
            out.erreurs.push(ChampErreur::new(
                "siret",
                "établissement en diffusion partielle (données personnelles protégées) : non importé",
            ));
        }
        let etat = match champ(c, Some(self.etat)).as_deref() {
            Some("A") => "active",
            Some("F") => "fermee",
            autre => {
                out.erreurs.push(ChampErreur::new(
                    "etat",
                    format!(
                        "état administratif « {} » inconnu : attendu A (actif) ou F (fermé)",
                        autre.unwrap_or("")
                    ),
                ));
                "active"
            }
        };
        let siret = champ(c, Some(self.siret));
        let siren = champ(c, self.siren).or_else(|| {
            siret
                .as_ref()
                .filter(|s| s.len() == 14)
                .map(|s| s[..9].to_string())
        });
        let taille_code = champ(c, self.tranche);
        let taille = match taille_code.as_deref() {
            None => None,
            Some(t) => match taille(t) {
                Some(x) => Some(x),
                None => {
                    out.avertissements.push(ChampErreur::new(
                        "taille",
                        format!("tranche d'effectif « {t} » inconnue"),
                    ));
                    None
                }
            },
        };
        let categorie = champ(c, self.categorie);
        let (profil, mut sous_type) = profil(categorie.as_deref(), siren.as_deref(), r);
        if profil == Profil::Association {
            sous_type = taille.map(|t| {
                if t == Taille::Aucun {
                    SousType::AssociationNonEmployeuse
                } else {
                    SousType::AssociationEmployeuse
                }
            });
        }
        let nom = self
            .noms
            .iter()
            .find_map(|&i| champ(c, Some(i)))
            .unwrap_or_default();
        out.saisie = OrganisationSaisie {
            nom,
            sigle: champ(c, self.sigle),
            profil: profil.slug().into(),
            sous_type: sous_type.map(|s| s.slug().into()),
            taille: taille.map(|t| t.slug().into()),
            siren,
            siret,
            code_commune: champ(c, self.commune),
            etat: Some(etat.into()),
            date_creation: champ(c, self.date_creation),
            ..Default::default()
        };
        out.verifie_le = champ(c, self.maj).and_then(|d| epoch_registre(&d));
        out
    }
}
