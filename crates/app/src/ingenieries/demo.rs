//! Demonstration schemes: fictional, labelled as such, at every level with a realistic coverage —
//! national programmes, their regional and departmental relays in part of the territory, local
//! schemes here and there, and départements left without any (white zones), so that the
//! coverage map and « qui peut m'aider ici ? » have something true to show.

use alliances_domain::ingenieries::dispositif::{Dispositif, DispositifSaisie};
use alliances_domain::ingenieries::{Ingenierie, NiveauDispositif, Service};
use alliances_domain::territoires::Referentiel;
use alliances_domain::texte::fold;
use alliances_store::ingenieries::{self as store, Provenance};
use alliances_store::{changes, StoreError};

use super::ENTITE;
use crate::{now, App, AppError};

/// A small deterministic generator (no dependency, same content on every machine).
struct Suite(u64);

impl Suite {
    fn suivant(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn sur(&mut self, n: usize) -> usize {
        (self.suivant() % n as u64) as usize
    }
}

const NATIONAUX: [(&str, Ingenierie, &[Service]); 4] = [
    (
        "Programme national d'accompagnement des alliances territoriales",
        Ingenierie::Catalyse,
        &[
            Service::Diagnostic,
            Service::Accompagnement,
            Service::MiseEnRelation,
            Service::Evaluation,
        ],
    ),
    (
        "Fonds national pour l'innovation partenariale",
        Ingenierie::Publique,
        &[Service::Financement],
    ),
    (
        "Réseau national des tiers-lieux de coopération",
        Ingenierie::Projet,
        &[
            Service::LieuPartage,
            Service::Incubation,
            Service::Formation,
        ],
    ),
    (
        "Centre national de ressources sur l'évaluation partenariale",
        Ingenierie::Projet,
        &[
            Service::Evaluation,
            Service::Formation,
            Service::Valorisation,
        ],
    ),
];

/// The demonstration schemes for a referential (deterministic).
pub fn dispositifs(r: &Referentiel) -> Vec<(Dispositif, Option<usize>)> {
    let mut out: Vec<(Dispositif, Option<usize>)> = Vec::new();
    let mut g = Suite(0x5EED_1234_ABCD);
    let base = |nom: String, niveau, ingenierie, services: &[Service], couverture: Vec<String>| {
        DispositifSaisie {
            nom,
            description: "Dispositif fictif de démonstration : il montre comment un dispositif publie ses services, ses publics et sa couverture.".into(),
            niveau: NiveauDispositif::slug(niveau).into(),
            ingenierie: Ingenierie::slug(ingenierie).into(),
            services: services.iter().map(|s| s.slug().into()).collect(),
            couverture,
            contact: Some("contact@dispositif.example".into()),
            url: Some("https://dispositif.example/contact".into()),
            ..Default::default()
        }
    };
    for (nom, ing, services) in NATIONAUX {
        let s = base(
            format!("{nom} (démonstration)"),
            NiveauDispositif::National,
            ing,
            services,
            vec![],
        );
        if let Ok(d) = alliances_domain::ingenieries::dispositif::valider_dispositif(&s, r) {
            out.push((d, None));
        }
    }
    // Regional relays of the first national programme in two régions out of three.
    for reg in r.regions() {
        if g.sur(3) == 0 {
            continue;
        }
        let s = base(
            format!(
                "Relais régional des alliances — {} (démonstration)",
                reg.nom
            ),
            NiveauDispositif::Regional,
            Ingenierie::Catalyse,
            &[
                Service::Accompagnement,
                Service::AnimationTerritoriale,
                Service::MiseEnRelation,
            ],
            vec![format!("region:{}", reg.code)],
        );
        if let Ok(d) = alliances_domain::ingenieries::dispositif::valider_dispositif(&s, r) {
            out.push((d, Some(0)));
        }
    }
    // Departmental relays in about half the départements; local ones in some EPCIs; a fifth of
    // the départements left with none (white zones).
    for (di, dep) in r.departements().iter().enumerate() {
        let tirage = g.sur(10);
        if tirage < 2 {
            continue;
        }
        if tirage < 7 {
            let s = base(
                format!("Maison des alliances — {} (démonstration)", dep.nom),
                NiveauDispositif::Departemental,
                Ingenierie::Catalyse,
                &[
                    Service::Diagnostic,
                    Service::Accompagnement,
                    Service::MiseEnRelation,
                    Service::Formation,
                ],
                vec![format!("departement:{}", dep.code)],
            );
            if let Ok(d) = alliances_domain::ingenieries::dispositif::valider_dispositif(&s, r) {
                out.push((d, Some(0)));
            }
        }
        if tirage >= 5 {
            let epcis = r.epcis_of_departement(di as u32);
            if let Some(&e) =
                epcis.get(g.sur(epcis.len().max(1)).min(epcis.len().saturating_sub(1)))
            {
                let epci = r.epci(e);
                let s = base(
                    format!("Tiers-lieu de coopération — {} (démonstration)", epci.nom),
                    NiveauDispositif::Local,
                    Ingenierie::Projet,
                    &[
                        Service::LieuPartage,
                        Service::Incubation,
                        Service::AnimationTerritoriale,
                    ],
                    vec![format!("epci:{}", epci.siren)],
                );
                if let Ok(d) = alliances_domain::ingenieries::dispositif::valider_dispositif(&s, r)
                {
                    out.push((d, Some(2)));
                }
            }
        }
    }
    out
}

impl App {
    /// Loads the demonstration schemes once (skipped when any demonstration scheme exists).
    pub async fn charger_demo_ingenieries(&self) -> Result<usize, AppError> {
        if store::count_demo(&self.db).await? > 0 {
            return Ok(0);
        }
        let liste = dispositifs(&self.territoires().referentiel);
        let t = now();
        let mut tx = self.db.begin_write().await?;
        let mut ids: Vec<i64> = Vec::new();
        // Level, a short name and the coverage of each scheme (for the programmes).
        let mut noms_niveaux = Vec::new();
        for (mut d, tete) in liste {
            noms_niveaux.push((
                d.niveau,
                d.nom
                    .trim_end_matches(" (démonstration)")
                    .rsplit(" — ")
                    .next()
                    .unwrap_or("")
                    .to_string(),
                d.couverture.clone(),
            ));
            d.relais_de = tete.and_then(|i| ids.get(i).copied());
            let id = store::insert(
                &mut tx,
                &d,
                &fold(&d.nom),
                &Provenance {
                    porteur_id: None,
                    source: "démonstration",
                    licence: super::LICENCE,
                    demo: true,
                    cree_par: None,
                },
                t,
            )
            .await?;
            ids.push(id);
        }
        // Programmes: a national call for projects open all year, a closed emergency plan (it
        // drops out of the answers), and departmental funds of some relays.
        use alliances_domain::ingenieries::programme::{Nature, Programme};
        let annee = alliances_domain::dates::civil(alliances_domain::dates::jour_de(t)).0;
        let programme =
            |nom: String, nature, territoires, ouverture: String, cloture: Option<String>| {
                Programme {
                    nom,
                    nature,
                    description: "Programme fictif de démonstration.".into(),
                    publics: Vec::new(),
                    territoires,
                    ouverture,
                    cloture,
                    url: Some("https://dispositif.example/programme".into()),
                }
            };
        if ids.len() > 1 {
            store::insert_programme(
                &mut tx,
                ids[1],
                &programme(
                    format!("Appel à projets « Alliances {annee} » (démonstration)"),
                    Nature::AppelAProjets,
                    Vec::new(),
                    format!("{annee}-01-01"),
                    Some(format!("{annee}-12-31")),
                ),
                true,
                None,
                t,
            )
            .await?;
            store::insert_programme(
                &mut tx,
                ids[1],
                &programme(
                    "Plan d'urgence « Sortie de crise » (démonstration, clos)".into(),
                    Nature::Urgence,
                    Vec::new(),
                    format!("{}-03-01", annee - 2),
                    Some(format!("{}-12-31", annee - 2)),
                ),
                true,
                None,
                t,
            )
            .await?;
        }
        for (i, (id, d)) in ids.iter().zip(&noms_niveaux).enumerate() {
            if d.0 == alliances_domain::ingenieries::NiveauDispositif::Departemental && i % 3 == 0 {
                store::insert_programme(
                    &mut tx,
                    *id,
                    &programme(
                        format!(
                            "Fonds départemental de coopération — {} (démonstration)",
                            d.1
                        ),
                        Nature::Fonds,
                        d.2.clone(),
                        format!("{annee}-01-01"),
                        None,
                    ),
                    true,
                    None,
                    t,
                )
                .await?;
            }
        }
        changes::append(&mut tx, ENTITE, "demo", "create", t).await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.recharger_dispositifs().await?;
        Ok(ids.len())
    }
}
