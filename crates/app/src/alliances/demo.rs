//! Demonstration alliances: a few dozen fictional alliances between demo organisations of one
//! département, with an agenda agreed by their members, backbone functions, indicators and a
//! year of validated values, actions and journal entries — labelled « démonstration ».

use alliances_domain::alliances::indicateurs::{Indicateur, Periodicite, Sens};
use alliances_domain::alliances::{Alliance, FonctionBackbone, Forme, Stade};
use alliances_domain::annuaire::{Lieu, TypePartenariat};
use alliances_domain::dates;
use alliances_domain::territoires::Niveau;
use alliances_store::alliances::{self as store, Action, Entree};
use alliances_store::{changes, kits as store_kits, organisations};

use super::{AllianceError, ENTITE};
use crate::{now, App};

/// How many demo alliances.
pub const DEMO_ALLIANCES: usize = 40;

const CAUSES: [(&str, u8, &str, &str); 8] = [
    (
        "pour l'emploi des jeunes",
        8,
        "Jeunes accompagnés vers l'emploi",
        "jeunes",
    ),
    (
        "pour la transition énergétique",
        7,
        "Logements rénovés",
        "logements",
    ),
    (
        "contre l'isolement des aînés",
        3,
        "Personnes âgées visitées chaque mois",
        "personnes",
    ),
    (
        "pour une alimentation durable",
        2,
        "Repas issus de circuits courts",
        "repas",
    ),
    (
        "pour l'inclusion numérique",
        4,
        "Personnes formées aux outils numériques",
        "personnes",
    ),
    (
        "pour la mobilité solidaire",
        11,
        "Trajets solidaires réalisés",
        "trajets",
    ),
    (
        "pour le logement d'abord",
        1,
        "Ménages relogés durablement",
        "ménages",
    ),
    (
        "pour la réussite éducative",
        4,
        "Élèves accompagnés",
        "élèves",
    ),
];

impl App {
    /// Loads the demo alliances unless some exist; returns how many were written.
    pub async fn charger_demo_alliances(&self, n: usize) -> Result<usize, AllianceError> {
        let existantes = store::toutes(&self.db).await?;
        if existantes.iter().any(|f| f.demo) {
            return Ok(0);
        }
        let ids = store_kits::organisations_demo(&self.db, 3000).await?;
        let fiches = organisations::get_many(&self.db, &ids).await?;
        // Demo organisations grouped by département.
        let mut par_dep: std::collections::BTreeMap<String, Vec<(i64, String)>> =
            Default::default();
        for f in &fiches {
            if let Some(c) = &f.org.commune {
                par_dep
                    .entry(c.departement_prefix().to_string())
                    .or_default()
                    .push((f.id, c.as_str().to_string()));
            }
        }
        let groupes: Vec<&Vec<(i64, String)>> = par_dep.values().filter(|v| v.len() >= 4).collect();
        if groupes.is_empty() {
            return Ok(0);
        }
        let t = now();
        let auj = dates::jour_de(t);
        let territoires = self.territoires();
        let mut ecrites = 0;
        for i in 0..n {
            let groupe = groupes[(i * 7) % groupes.len()];
            let (cause, odd, nom_ind, unite) = CAUSES[i % CAUSES.len()];
            let taille = 3 + i % 4;
            let membres: Vec<(i64, String)> = groupe
                .iter()
                .skip((i / groupes.len()) * taille)
                .take(taille)
                .cloned()
                .collect();
            if membres.len() < 2 {
                continue;
            }
            let commune = &membres[0].1;
            let nom_commune = territoires
                .referentiel
                .find(Niveau::Commune, commune)
                .map(|x| territoires.referentiel.nom(x).to_string())
                .unwrap_or_else(|| commune.clone());
            let departement = commune_departement(commune);
            let alliance = Alliance {
                nom: format!("Alliance {cause} — {nom_commune}"),
                resume: format!(
                    "Alliance fictive de démonstration : des associations, des entreprises et la collectivité de {nom_commune} agissent ensemble {cause}."
                ),
                probleme: "Les acteurs agissaient chacun de leur côté ; les besoins du territoire dépassent ce que chacun peut faire seul.".into(),
                territoires: vec![
                    Lieu { niveau: Niveau::Commune, code: commune.clone() },
                    Lieu { niveau: Niveau::Departement, code: departement.clone() },
                ],
                odd: { let mut v = vec![odd, 17]; v.sort_unstable(); v.dedup(); v },
                cibles_odd17: vec!["17.17".into()],
                types_partenariat: vec![TypePartenariat::ALL[i % TypePartenariat::ALL.len()]],
                forme: Forme::ALL[i % Forme::ALL.len()],
                stade: Stade::ALL[i % Stade::ALL.len()],
                date_debut: Some(dates::iso(dates::debut_de_mois(auj, -18 - (i as i64 % 12)))),
                date_fin: None,
                publique: true,
            };
            let mut tx = self.db.begin_write().await?;
            let id = store::insert(&mut tx, &alliance, None, true, t).await?;
            for (k, (org, _)) in membres.iter().enumerate() {
                let role = if k == 0 {
                    "backbone"
                } else {
                    ["pilotage", "financeur", "operateur", "membre"][k % 4]
                };
                store::insert_membre(&mut tx, id, *org, role, "acceptee", None, t).await?;
            }
            let version = store::set_agenda(
                &mut tx,
                id,
                &format!("Un territoire où chacun trouve sa place, {cause}."),
                "Partager un diagnostic, agir ensemble sur trois priorités, mesurer les effets chaque trimestre.",
                "Si les acteurs partagent leurs données et coordonnent leurs actions, alors les personnes accompagnées trouvent une solution plus vite.",
                t,
            )
            .await?;
            for (org, _) in membres.iter().take(membres.len() - (i % 2)) {
                store::insert_accord(&mut tx, id, *org, version, 0, t).await?;
            }
            for (k, f) in FonctionBackbone::ALL.iter().enumerate().take(4 + i % 3) {
                store::set_fonction(&mut tx, id, f.slug(), Some(membres[k % membres.len()].0))
                    .await?;
            }
            let mensuel = i % 2 == 0;
            let p = if mensuel {
                Periodicite::Mensuelle
            } else {
                Periodicite::Trimestrielle
            };
            let base = 20.0 + (i % 5) as f64 * 10.0;
            let ind = Indicateur {
                nom: nom_ind.into(),
                definition: format!("Nombre de {unite} sur la période, compté par le membre responsable selon la définition commune."),
                unite: unite.into(),
                sens: Sens::Hausse,
                valeur_base: Some(base),
                date_base: alliance.date_debut.clone(),
                valeur_cible: Some(base * 3.0),
                date_cible: Some(dates::iso(dates::debut_de_mois(auj, 24))),
                periodicite: p,
                desagregation: None,
                responsable: Some(membres[1].0),
            };
            let iid = store::insert_indicateur(&mut tx, id, &ind, t - 400 * 86_400).await?;
            let periodes = if mensuel { 12 } else { 4 };
            // The most recent period is sometimes missing (freshness varies).
            let recents = i as i64 % 3;
            for k in (1 + recents.min(1)..=periodes).rev() {
                let debut = p.debut(dates::debut_de_mois(auj, -k * p.mois()));
                let v =
                    base + (periodes - k) as f64 * base * 0.12 + ((i as i64 * 7 + k) % 5) as f64;
                let vid = store::declarer(
                    &mut tx,
                    iid,
                    &dates::iso(debut),
                    debut,
                    "",
                    v.round(),
                    "",
                    membres[1].0,
                    0,
                    t,
                )
                .await?;
                store::statuer_valeur(&mut tx, vid, "validee", 0, t).await?;
            }
            for (k, titre) in [
                "Diagnostic partagé",
                "Forum des acteurs",
                "Programme d'actions 2027",
            ]
            .iter()
            .enumerate()
            {
                let a = Action {
                    id: 0,
                    alliance_id: id,
                    titre: (*titre).into(),
                    description: String::new(),
                    porteur: (k + i % 2 != 2).then(|| membres[k % membres.len()].0),
                    statut: ["terminee", "en-cours", "a-faire"][k].into(),
                    date_debut: None,
                    date_fin: None,
                    indicateurs: vec![iid],
                    version: 1,
                };
                store::insert_action(&mut tx, &a, t).await?;
            }
            for k in 0..3 {
                let e = Entree {
                    id: 0,
                    alliance_id: id,
                    date: dates::iso(auj - 20 - (i as i64 % 4) * 45 - k * 60),
                    titre: [
                        "Comité de pilotage",
                        "Réunion des partenaires",
                        "Point d'étape",
                    ][k as usize]
                        .into(),
                    participants: "Les membres de l'alliance".into(),
                    decisions: "Priorités confirmées ; prochaine réunion dans deux mois.".into(),
                    liens: String::new(),
                    cree_le: t,
                };
                store::insert_entree(&mut tx, &e, 0, t).await?;
            }
            changes::append(&mut tx, ENTITE, &id.to_string(), "upsert", t).await?;
            tx.commit().await?;
            self.vues_alliances.vider();
            ecrites += 1;
        }
        self.refresh().await?;
        Ok(ecrites)
    }
}

fn commune_departement(commune: &str) -> String {
    alliances_domain::territoires::CodeCommune::parse(commune)
        .map(|c| c.departement_prefix().to_string())
        .unwrap_or_else(|_| commune[..2].to_string())
}
