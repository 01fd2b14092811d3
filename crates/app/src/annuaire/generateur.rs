//! Fictional organisations over the real communes, in proportion to their population: the demo
//! content (a few thousand, labelled « démonstration ») and the benchmark sets (up to millions).
//! Deterministic for a seed. No real identifier is ever invented (a made-up SIRET could be a
//! real company's): generated records carry none.

use alliances_domain::annuaire::{
    Etat, Lieu, NatureRessource, Organisation, Profil, Ressource, Sens, SousType, Taille,
    TypePartenariat,
};
use alliances_domain::territoires::{CodeCommune, Niveau, Referentiel, TypeCommune};
use alliances_store::organisations::Meta;

/// A small, fast, deterministic generator (SplitMix64).
pub struct Alea(u64);

impl Alea {
    pub fn new(seed: u64) -> Self {
        Alea(seed)
    }
    pub fn suivant(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.suivant() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    /// True with probability `p` percent.
    pub fn chance(&mut self, p: u64) -> bool {
        self.suivant() % 100 < p
    }
}

/// One generated organisation, ready to be stored.
pub struct Genere {
    pub org: Organisation,
    pub meta: Meta,
    pub ressources: Vec<Ressource>,
}

/// The generator: the communes weighted by population.
pub struct Generateur<'r> {
    referentiel: &'r Referentiel,
    communes: Vec<u32>,
    cumul: Vec<u64>,
    alea: Alea,
    now: i64,
    source: &'static str,
}

const THEMES: &[(&str, &[u8], &str)] = &[
    ("sport", &[3], "la pratique sportive pour tous les âges"),
    (
        "culture",
        &[4, 11],
        "l'accès à la culture et aux pratiques artistiques",
    ),
    (
        "solidarité",
        &[1, 10],
        "l'aide alimentaire et l'accompagnement des personnes isolées",
    ),
    (
        "jeunesse",
        &[4],
        "l'éducation populaire et les loisirs des jeunes",
    ),
    (
        "emploi",
        &[8],
        "l'insertion professionnelle et le retour à l'emploi",
    ),
    (
        "environnement",
        &[13, 15],
        "la protection de la biodiversité et des milieux naturels",
    ),
    ("santé", &[3], "la prévention et l'accès aux soins"),
    (
        "logement",
        &[11],
        "l'accès au logement et la lutte contre le mal-logement",
    ),
    (
        "mobilité",
        &[11],
        "les mobilités douces et le transport solidaire",
    ),
    (
        "numérique",
        &[9, 4],
        "l'inclusion numérique et la médiation",
    ),
    (
        "alimentation",
        &[2, 12],
        "une alimentation locale, saine et durable",
    ),
    (
        "énergie",
        &[7, 13],
        "la transition énergétique et la rénovation",
    ),
    (
        "égalité",
        &[5, 10],
        "l'égalité entre les femmes et les hommes",
    ),
    ("patrimoine", &[11], "la sauvegarde du patrimoine local"),
    (
        "éducation",
        &[4],
        "la réussite éducative et le soutien scolaire",
    ),
    (
        "handicap",
        &[10],
        "l'inclusion des personnes en situation de handicap",
    ),
];

const VERBES: &[&str] = &[
    "agit pour",
    "développe",
    "accompagne les habitants dans",
    "mobilise des bénévoles autour de",
    "coordonne des actions en faveur de",
    "soutient",
    "organise des ateliers sur",
];

const COMPLEMENTS: &[&str] = &[
    "en lien avec les associations et les entreprises du territoire",
    "avec la commune et l'intercommunalité",
    "grâce à un réseau de partenaires locaux",
    "au plus près des quartiers prioritaires",
    "dans les zones rurales du département",
    "en coopération avec les acteurs de l'économie sociale et solidaire",
    "auprès des familles et des aînés",
];

const NOMS_FAMILLE: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Blanc", "Guérin", "Boyer",
];

const METIERS: &[&str] = &[
    "Boulangerie",
    "Transports",
    "Atelier numérique",
    "Menuiserie",
    "Imprimerie",
    "Conseil",
    "Bâtiment",
    "Jardins",
    "Électricité",
    "Librairie",
    "Hôtellerie",
    "Logistique",
    "Agence web",
];

const ASSOCIATIONS: &[&str] = &[
    "Association {t} de {c}",
    "Les Amis de {c}",
    "Comité des fêtes de {c}",
    "Club {t} de {c}",
    "{T} Solidaire {c}",
    "Collectif {t} {c}",
    "Maison des associations de {c}",
    "Amicale laïque de {c}",
    "Entraide {t} {c}",
    "Réseau {t} du pays de {c}",
];

impl<'r> Generateur<'r> {
    /// `source` labels the records (`demo` for the demonstration).
    pub fn new(referentiel: &'r Referentiel, seed: u64, now: i64, source: &'static str) -> Self {
        let mut communes = Vec::new();
        let mut cumul = Vec::new();
        let mut total = 0u64;
        for (i, c) in referentiel.communes().iter().enumerate() {
            if c.type_commune == TypeCommune::Actuelle {
                total += c.population.unwrap_or(0).max(1);
                communes.push(i as u32);
                cumul.push(total);
            }
        }
        Generateur {
            referentiel,
            communes,
            cumul,
            alea: Alea::new(seed),
            now,
            source,
        }
    }

    fn commune(&mut self) -> u32 {
        let total = *self.cumul.last().unwrap_or(&1);
        let x = self.alea.suivant() % total;
        let k = self.cumul.partition_point(|&c| c <= x);
        self.communes[k.min(self.communes.len() - 1)]
    }

    fn profil(&mut self) -> Profil {
        // Roughly the shape of the ecosystem: associations first, then companies.
        match self.alea.below(100) {
            0..=57 => Profil::Association,
            58..=79 => Profil::Entreprise,
            80..=83 => Profil::Fondation,
            84..=88 => Profil::Collectivite,
            89..=90 => Profil::EtatOperateur,
            91..=93 => Profil::StructureAccompagnement,
            94..=95 => Profil::ActeurAcademique,
            96 => Profil::Syndicat,
            97 => Profil::Media,
            _ => Profil::CollectifCitoyen,
        }
    }

    /// The next organisation as the search index's document, under id `id` (its offers and
    /// needs numbered `id * 10 + k`): benchmarks and fuzzing build indexes without a database.
    pub fn doc_suivant(&mut self, id: i64) -> alliances_search::organisations::OrgDoc {
        let x = self.suivante();
        let ressources: Vec<alliances_store::organisations::FicheRessource> = x
            .ressources
            .into_iter()
            .enumerate()
            .map(
                |(k, ressource)| alliances_store::organisations::FicheRessource {
                    id: id * 10 + k as i64,
                    organisation_id: id,
                    ressource,
                    cree_le: self.now,
                    modifie_le: self.now,
                },
            )
            .collect();
        let fiche = alliances_store::organisations::Fiche {
            id,
            org: x.org,
            meta: x.meta,
        };
        super::index::doc(&fiche, &ressources, self.referentiel)
    }

    /// The next organisation.
    pub fn suivante(&mut self) -> Genere {
        let ci = self.commune();
        let commune = self.referentiel.commune(ci);
        let cnom = commune.nom.clone();
        let ccode = commune.code.clone();
        let dep = commune.code_departement.clone();
        let profil = self.profil();
        let (theme, odds, phrase) = *self.alea.pick(THEMES);
        let mut t_cap = theme.to_string();
        if let Some(f) = t_cap.get(0..1) {
            t_cap = f.to_uppercase() + &t_cap[1..];
        }
        let famille = *self.alea.pick(NOMS_FAMILLE);
        let (nom, sous_type) = match profil {
            Profil::Association => (
                self.alea
                    .pick(ASSOCIATIONS)
                    .replace("{t}", theme)
                    .replace("{T}", &t_cap)
                    .replace("{c}", &cnom),
                Some(if self.alea.chance(15) {
                    SousType::AssociationEmployeuse
                } else {
                    SousType::AssociationNonEmployeuse
                }),
            ),
            Profil::Entreprise => (
                format!("{} {}", self.alea.pick(METIERS), famille),
                Some(*self.alea.pick(&[
                    SousType::Microentreprise,
                    SousType::Microentreprise,
                    SousType::Pme,
                    SousType::Pme,
                    SousType::EntrepriseEss,
                    SousType::Eti,
                    SousType::GrandeEntreprise,
                ])),
            ),
            Profil::Fondation => (
                format!("Fondation {famille} pour {phrase}"),
                Some(*self.alea.pick(&[
                    SousType::FondationEntreprise,
                    SousType::FondationTerritoriale,
                    SousType::FondsDotation,
                ])),
            ),
            Profil::Collectivite => (format!("Commune de {cnom}"), Some(SousType::Commune)),
            Profil::EtatOperateur => (
                format!("Service {theme} de l'État — {dep}"),
                Some(SousType::ServiceEtat),
            ),
            Profil::StructureAccompagnement => (
                format!("Pôle d'accompagnement {theme} de {cnom}"),
                Some(SousType::ReseauAccompagnement),
            ),
            Profil::ActeurAcademique => (
                format!("Laboratoire {theme} et territoires de {cnom}"),
                Some(SousType::Laboratoire),
            ),
            Profil::Syndicat => (format!("Union locale {famille} de {cnom}"), None),
            Profil::Media => (format!("Radio {cnom} {t_cap}"), None),
            Profil::CollectifCitoyen => (format!("Collectif citoyen {theme} de {cnom}"), None),
        };
        let (theme2, odds2, phrase2) = *self.alea.pick(THEMES);
        let description = format!(
            "{nom} {} {phrase} à {cnom}. Elle {} {phrase2}, {}. Organisation fictive de démonstration.",
            self.alea.pick(VERBES),
            self.alea.pick(VERBES),
            self.alea.pick(COMPLEMENTS),
        );
        let odd_principal = Some(odds[0]);
        let mut odd_secondaires: Vec<u8> = odds[1..].iter().chain(odds2.iter()).copied().collect();
        if self.alea.chance(30) {
            odd_secondaires.push(17);
        }
        odd_secondaires.retain(|&n| n != odds[0]);
        odd_secondaires.sort_unstable();
        odd_secondaires.dedup();
        let mut perimetre = Vec::new();
        if self.alea.chance(20) {
            perimetre.push(Lieu {
                niveau: Niveau::Departement,
                code: dep.clone(),
            });
        }
        let taille = Some(*self.alea.pick(match profil {
            Profil::Entreprise => &[
                Taille::De1a9,
                Taille::De10a49,
                Taille::De50a249,
                Taille::De250a4999,
            ][..],
            Profil::Association => {
                &[Taille::Aucun, Taille::Aucun, Taille::De1a9, Taille::De10a49][..]
            }
            _ => &[Taille::De1a9, Taille::De10a49, Taille::De50a249][..],
        }));
        let mut partenariats = Vec::new();
        if self.alea.chance(40) {
            partenariats.push(*self.alea.pick(TypePartenariat::ALL));
        }
        let etat = if self.alea.chance(4) {
            Etat::Dissoute
        } else {
            Etat::Active
        };
        // Verified within the last two years: about half are stale.
        let verifie_le = self.now - (self.alea.below(730 * 24) as i64) * 3600;
        let mut ressources = Vec::new();
        for _ in 0..self.alea.below(4) {
            let nature = *self.alea.pick(NatureRessource::ALL);
            let sens = if self.alea.chance(50) {
                Sens::Offre
            } else {
                Sens::Besoin
            };
            ressources.push(Ressource {
                sens,
                nature,
                titre: format!("{} — {}", nature.label_fr(), theme2),
                description: format!(
                    "{} {} à {cnom}.",
                    sens.label_fr(),
                    nature.label_fr().to_lowercase()
                ),
                odd: vec![odds2[0]],
                territoire: None,
                debut: None,
                fin: None,
            });
        }
        let org = Organisation {
            nom,
            sigle: None,
            profil,
            sous_type,
            taille,
            siren: None,
            siret: None,
            rna: None,
            commune: CodeCommune::parse(&ccode).ok(),
            national: self.alea.chance(1),
            perimetre,
            odd_principal,
            odd_secondaires,
            themes: if theme == theme2 {
                vec![theme.to_string()]
            } else {
                vec![theme.to_string(), theme2.to_string()]
            },
            description,
            site_web: None,
            contact_public: None,
            contacts_prives: None,
            partenariats,
            catalyseur: self.alea.chance(2),
            etat,
            date_creation: None,
            date_fin: None,
        };
        Genere {
            org,
            meta: Meta {
                source: self.source.into(),
                licence: super::LICENCE_OUVERTE.into(),
                lot_id: None,
                verifie_le,
                rappel_le: None,
                cree_le: self.now,
                modifie_le: self.now,
                version: 1,
                demo: true,
                fusionnee_dans: None,
            },
            ressources,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alliances_domain::annuaire::valider;

    #[test]
    fn generated_records_are_valid_and_deterministic() {
        let r = crate::geo::shipped()
            .map(|d| Referentiel::build(d).unwrap())
            .unwrap();
        let mut g = Generateur::new(&r, 7, 1_800_000_000, "demo");
        let mut g2 = Generateur::new(&r, 7, 1_800_000_000, "demo");
        let mut paris = 0;
        for _ in 0..2000 {
            let a = g.suivante();
            let b = g2.suivante();
            assert_eq!(a.org, b.org);
            assert_eq!(valider(&a.org.saisie(), &r).unwrap(), a.org);
            if a.org.commune.as_ref().map(|c| c.as_str()) == Some("75056") {
                paris += 1;
            }
        }
        // Paris holds ~3 % of the population.
        assert!((20..=120).contains(&paris), "{paris}");
    }
}
