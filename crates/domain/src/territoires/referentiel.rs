//! The referential in memory: records plus the hierarchy between them, checked for consistency.

use super::codes::{CodeCommune, CodeDepartement, CodeRegion, Siren};
use super::types::*;
use std::collections::HashMap;
use std::fmt;

/// A territory of any level, by its position in the referential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TerritoireRef {
    pub niveau: Niveau,
    pub idx: u32,
}

/// One inconsistency found while building a referential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probleme {
    /// What is wrong, e.g. `commune 01015 (commune-deleguee)`.
    pub entite: String,
    /// The field, in the API's naming (`codeRegion`, `codeParent`…).
    pub champ: &'static str,
    pub message: String,
}

/// The referential is inconsistent: every problem found (at most [`MAX_PROBLEMES`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ReferentielError {
    pub problemes: Vec<Probleme>,
    /// How many problems there were in all (more than listed when over the cap).
    pub total: usize,
}

pub const MAX_PROBLEMES: usize = 20;

impl fmt::Display for ReferentielError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} incohérence(s) dans le référentiel", self.total)?;
        for p in &self.problemes {
            write!(f, "\n  - {} : champ {} : {}", p.entite, p.champ, p.message)?;
        }
        if self.total > self.problemes.len() {
            write!(
                f,
                "\n  - … et {} autre(s)",
                self.total - self.problemes.len()
            )?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Problemes {
    list: Vec<Probleme>,
    total: usize,
}

impl Problemes {
    fn push(&mut self, entite: impl Into<String>, champ: &'static str, message: impl Into<String>) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMES {
            self.list.push(Probleme {
                entite: entite.into(),
                champ,
                message: message.into(),
            });
        }
    }
}

/// The official hierarchy, ready for lookups. Built once per referential version; read-only after.
#[derive(Debug)]
pub struct Referentiel {
    pub source: SourceInfo,
    regions: Vec<Region>,
    departements: Vec<Departement>,
    epcis: Vec<Epci>,
    communes: Vec<Commune>,
    region_idx: HashMap<String, u32>,
    departement_idx: HashMap<String, u32>,
    epci_idx: HashMap<String, u32>,
    /// Several records can share a code (a commune déléguée keeps the code of its new commune).
    commune_idx: HashMap<String, Vec<u32>>,
    departement_region: Vec<u32>,
    departements_of_region: Vec<Vec<u32>>,
    communes_of_departement: Vec<Vec<u32>>,
    communes_of_epci: Vec<Vec<u32>>,
    departements_of_epci: Vec<Vec<u32>>,
    regions_of_epci: Vec<Vec<u32>>,
    epcis_of_departement: Vec<Vec<u32>>,
    children_of_commune: HashMap<u32, Vec<u32>>,
    population_region: Vec<u64>,
    population_departement: Vec<u64>,
    population_epci: Vec<u64>,
    communes_count_region: Vec<u32>,
    by_postal_code: HashMap<String, Vec<u32>>,
}

fn index_of<'a>(
    codes: impl Iterator<Item = &'a str>,
    what: &str,
    champ: &'static str,
    p: &mut Problemes,
) -> HashMap<String, u32> {
    let mut map = HashMap::new();
    for (i, code) in codes.enumerate() {
        if map.insert(code.to_string(), i as u32).is_some() {
            p.push(format!("{what} {code}"), champ, "code en double");
        }
    }
    map
}

impl Referentiel {
    /// Checks the records and builds the hierarchy. Populations of EPCI, départements and régions
    /// are the sums of their current communes' populations (one vintage, the communes').
    pub fn build(data: ReferentielData) -> Result<Self, ReferentielError> {
        let ReferentielData {
            source,
            regions,
            mut departements,
            mut epcis,
            mut communes,
        } = data;
        let mut p = Problemes::default();
        let mut regions = regions;
        regions.sort_by(|a, b| a.code.cmp(&b.code));
        departements.sort_by(|a, b| a.code.cmp(&b.code));
        epcis.sort_by(|a, b| a.siren.cmp(&b.siren));
        communes.sort_by(|a, b| {
            (a.code.as_str(), a.type_commune).cmp(&(b.code.as_str(), b.type_commune))
        });

        for r in &regions {
            if let Err(e) = CodeRegion::parse(&r.code) {
                p.push(format!("région {}", r.code), "code", e.to_string());
            }
            if r.nom.trim().is_empty() {
                p.push(format!("région {}", r.code), "nom", "nom vide");
            }
        }
        for d in &departements {
            if let Err(e) = CodeDepartement::parse(&d.code) {
                p.push(format!("département {}", d.code), "code", e.to_string());
            }
            if d.nom.trim().is_empty() {
                p.push(format!("département {}", d.code), "nom", "nom vide");
            }
        }
        for e in &epcis {
            if let Err(err) = Siren::parse(&e.siren) {
                p.push(format!("EPCI {}", e.siren), "code", err.to_string());
            }
            if e.nom.trim().is_empty() {
                p.push(format!("EPCI {}", e.siren), "nom", "nom vide");
            }
        }
        let region_idx = index_of(
            regions.iter().map(|r| r.code.as_str()),
            "région",
            "code",
            &mut p,
        );
        let departement_idx = index_of(
            departements.iter().map(|d| d.code.as_str()),
            "département",
            "code",
            &mut p,
        );
        let epci_idx = index_of(
            epcis.iter().map(|e| e.siren.as_str()),
            "EPCI",
            "code",
            &mut p,
        );

        let mut departement_region = Vec::with_capacity(departements.len());
        let mut departements_of_region = vec![Vec::new(); regions.len()];
        for (i, d) in departements.iter().enumerate() {
            match region_idx.get(&d.code_region) {
                Some(&r) => {
                    departement_region.push(r);
                    departements_of_region[r as usize].push(i as u32);
                }
                None => {
                    departement_region.push(0);
                    p.push(
                        format!("département {}", d.code),
                        "codeRegion",
                        format!("région {} inconnue", d.code_region),
                    );
                }
            }
        }

        let mut commune_idx: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            let entry = commune_idx.entry(c.code.clone()).or_default();
            if entry
                .iter()
                .any(|&j| communes[j as usize].type_commune == c.type_commune)
            {
                p.push(
                    format!("commune {} ({})", c.code, c.type_commune.slug()),
                    "code",
                    "code en double pour ce type",
                );
            }
            entry.push(i as u32);
        }
        // The current commune (or the arrondissement) first: it is what a bare code designates.
        for list in commune_idx.values_mut() {
            list.sort_by_key(|&i| communes[i as usize].type_commune);
        }

        let mut communes_of_departement = vec![Vec::new(); departements.len()];
        let mut communes_of_epci = vec![Vec::new(); epcis.len()];
        let mut children_of_commune: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut population_departement = vec![0u64; departements.len()];
        let mut population_epci = vec![0u64; epcis.len()];
        let mut by_postal_code: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            let i = i as u32;
            let what = || format!("commune {} ({})", c.code, c.type_commune.slug());
            if let Err(e) = CodeCommune::parse(&c.code) {
                p.push(what(), "code", e.to_string());
            }
            if c.nom.trim().is_empty() {
                p.push(what(), "nom", "nom vide");
            }
            let dep = departement_idx.get(&c.code_departement).copied();
            match dep {
                None => p.push(
                    what(),
                    "codeDepartement",
                    format!("département {} inconnu", c.code_departement),
                ),
                Some(d) => {
                    let expected = &regions[departement_region[d as usize] as usize].code;
                    if region_idx.contains_key(&c.code_region) && expected != &c.code_region {
                        p.push(
                            what(),
                            "codeRegion",
                            format!(
                                "région {} alors que le département {} est en région {expected}",
                                c.code_region, c.code_departement
                            ),
                        );
                    }
                }
            }
            if !region_idx.contains_key(&c.code_region) {
                p.push(
                    what(),
                    "codeRegion",
                    format!("région {} inconnue", c.code_region),
                );
            }
            let current = c.type_commune == TypeCommune::Actuelle;
            match (&c.code_parent, current) {
                (Some(parent), false) => {
                    let parent_idx = commune_idx.get(parent).and_then(|l| {
                        l.iter()
                            .copied()
                            .find(|&j| communes[j as usize].type_commune == TypeCommune::Actuelle)
                    });
                    match parent_idx {
                        Some(pi) => children_of_commune.entry(pi).or_default().push(i),
                        None => p.push(
                            what(),
                            "codeParent",
                            format!("commune actuelle {parent} inconnue"),
                        ),
                    }
                }
                (None, false) => p.push(what(), "codeParent", "commune de rattachement manquante"),
                (Some(_), true) => p.push(
                    what(),
                    "codeParent",
                    "une commune actuelle n'a pas de commune de rattachement",
                ),
                (None, true) => {}
            }
            if let Some(epci) = &c.code_epci {
                match (epci_idx.get(epci), current) {
                    (Some(&e), true) => {
                        communes_of_epci[e as usize].push(i);
                        population_epci[e as usize] += c.population.unwrap_or(0);
                    }
                    (None, _) => p.push(what(), "codeEpci", format!("EPCI {epci} inconnu")),
                    (Some(_), false) => p.push(
                        what(),
                        "codeEpci",
                        "seule une commune actuelle appartient à un EPCI",
                    ),
                }
            }
            if current {
                if let Some(d) = dep {
                    communes_of_departement[d as usize].push(i);
                    population_departement[d as usize] += c.population.unwrap_or(0);
                }
            }
            if matches!(
                c.type_commune,
                TypeCommune::Actuelle | TypeCommune::ArrondissementMunicipal
            ) {
                for cp in &c.codes_postaux {
                    by_postal_code.entry(cp.clone()).or_default().push(i);
                }
            }
        }

        let mut departements_of_epci = vec![Vec::new(); epcis.len()];
        let mut regions_of_epci = vec![Vec::new(); epcis.len()];
        let mut epcis_of_departement = vec![Vec::new(); departements.len()];
        for (e, members) in communes_of_epci.iter().enumerate() {
            if members.is_empty() {
                p.push(
                    format!("EPCI {}", epcis[e].siren),
                    "membres",
                    "aucune commune membre",
                );
            }
            let mut deps: Vec<u32> = members
                .iter()
                .filter_map(|&c| {
                    departement_idx
                        .get(&communes[c as usize].code_departement)
                        .copied()
                })
                .collect();
            deps.sort_unstable();
            deps.dedup();
            let mut regs: Vec<u32> = deps
                .iter()
                .map(|&d| departement_region[d as usize])
                .collect();
            regs.sort_unstable();
            regs.dedup();
            for &d in &deps {
                epcis_of_departement[d as usize].push(e as u32);
            }
            departements_of_epci[e] = deps;
            regions_of_epci[e] = regs;
        }
        for list in by_postal_code.values_mut() {
            list.sort_by_key(|&c| std::cmp::Reverse(communes[c as usize].population.unwrap_or(0)));
        }

        let mut population_region = vec![0u64; regions.len()];
        let mut communes_count_region = vec![0u32; regions.len()];
        for (d, pop) in population_departement.iter().enumerate() {
            let r = departement_region.get(d).copied().unwrap_or(0) as usize;
            if let Some(slot) = population_region.get_mut(r) {
                *slot += pop;
                communes_count_region[r] += communes_of_departement[d].len() as u32;
            }
        }

        if regions.is_empty() || departements.is_empty() || communes.is_empty() {
            p.push(
                "référentiel",
                "communes",
                "aucune région, aucun département ou aucune commune",
            );
        }
        if p.total > 0 {
            return Err(ReferentielError {
                problemes: p.list,
                total: p.total,
            });
        }
        Ok(Self {
            source,
            regions,
            departements,
            epcis,
            communes,
            region_idx,
            departement_idx,
            epci_idx,
            commune_idx,
            departement_region,
            departements_of_region,
            communes_of_departement,
            communes_of_epci,
            departements_of_epci,
            regions_of_epci,
            epcis_of_departement,
            children_of_commune,
            population_region,
            population_departement,
            population_epci,
            communes_count_region,
            by_postal_code,
        })
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }
    pub fn departements(&self) -> &[Departement] {
        &self.departements
    }
    pub fn epcis(&self) -> &[Epci] {
        &self.epcis
    }
    pub fn communes(&self) -> &[Commune] {
        &self.communes
    }

    pub fn region(&self, idx: u32) -> &Region {
        &self.regions[idx as usize]
    }
    pub fn departement(&self, idx: u32) -> &Departement {
        &self.departements[idx as usize]
    }
    pub fn epci(&self, idx: u32) -> &Epci {
        &self.epcis[idx as usize]
    }
    pub fn commune(&self, idx: u32) -> &Commune {
        &self.communes[idx as usize]
    }

    pub fn find_region(&self, code: &str) -> Option<u32> {
        self.region_idx.get(code).copied()
    }
    pub fn find_departement(&self, code: &str) -> Option<u32> {
        self.departement_idx.get(code).copied()
    }
    pub fn find_epci(&self, siren: &str) -> Option<u32> {
        self.epci_idx.get(siren).copied()
    }
    /// The record of that code and type; without a type, the current commune (or the
    /// arrondissement) when there is one, else the first record with that code.
    pub fn find_commune(&self, code: &str, type_commune: Option<TypeCommune>) -> Option<u32> {
        let list = self.commune_idx.get(code)?;
        match type_commune {
            None => list.first().copied(),
            Some(t) => list
                .iter()
                .copied()
                .find(|&i| self.communes[i as usize].type_commune == t),
        }
    }
    /// Every record sharing this code (a current commune and the déléguée that kept its code).
    pub fn communes_with_code(&self, code: &str) -> &[u32] {
        self.commune_idx.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn find(&self, niveau: Niveau, code: &str) -> Option<TerritoireRef> {
        let idx = match niveau {
            Niveau::Region => self.find_region(code),
            Niveau::Departement => self.find_departement(code),
            Niveau::Epci => self.find_epci(code),
            Niveau::Commune => self.find_commune(code, None),
        }?;
        Some(TerritoireRef { niveau, idx })
    }

    pub fn region_of_departement(&self, d: u32) -> u32 {
        self.departement_region[d as usize]
    }
    pub fn departements_of_region(&self, r: u32) -> &[u32] {
        &self.departements_of_region[r as usize]
    }
    /// Current communes of a département, by code.
    pub fn communes_of_departement(&self, d: u32) -> &[u32] {
        &self.communes_of_departement[d as usize]
    }
    /// Member communes of an EPCI, by code.
    pub fn communes_of_epci(&self, e: u32) -> &[u32] {
        &self.communes_of_epci[e as usize]
    }
    pub fn departements_of_epci(&self, e: u32) -> &[u32] {
        &self.departements_of_epci[e as usize]
    }
    pub fn regions_of_epci(&self, e: u32) -> &[u32] {
        &self.regions_of_epci[e as usize]
    }
    /// EPCIs with at least one member commune in the département.
    pub fn epcis_of_departement(&self, d: u32) -> &[u32] {
        &self.epcis_of_departement[d as usize]
    }
    /// Communes déléguées / associées and municipal arrondissements attached to a current commune.
    pub fn children_of_commune(&self, c: u32) -> &[u32] {
        self.children_of_commune
            .get(&c)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
    pub fn parent_of_commune(&self, c: u32) -> Option<u32> {
        let parent = self.communes[c as usize].code_parent.as_deref()?;
        self.find_commune(parent, Some(TypeCommune::Actuelle))
    }
    pub fn epci_of_commune(&self, c: u32) -> Option<u32> {
        self.find_epci(self.communes[c as usize].code_epci.as_deref()?)
    }
    /// Communes and municipal arrondissements served by a postal code, most populated first.
    pub fn communes_by_postal_code(&self, cp: &str) -> &[u32] {
        self.by_postal_code
            .get(cp)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn nom(&self, t: TerritoireRef) -> &str {
        match t.niveau {
            Niveau::Region => &self.region(t.idx).nom,
            Niveau::Departement => &self.departement(t.idx).nom,
            Niveau::Epci => &self.epci(t.idx).nom,
            Niveau::Commune => &self.commune(t.idx).nom,
        }
    }
    pub fn code(&self, t: TerritoireRef) -> &str {
        match t.niveau {
            Niveau::Region => &self.region(t.idx).code,
            Niveau::Departement => &self.departement(t.idx).code,
            Niveau::Epci => &self.epci(t.idx).siren,
            Niveau::Commune => &self.commune(t.idx).code,
        }
    }
    /// Population: the commune's own, or the sum over current communes for the other levels.
    pub fn population(&self, t: TerritoireRef) -> Option<u64> {
        match t.niveau {
            Niveau::Region => Some(self.population_region[t.idx as usize]),
            Niveau::Departement => Some(self.population_departement[t.idx as usize]),
            Niveau::Epci => Some(self.population_epci[t.idx as usize]),
            Niveau::Commune => self.commune(t.idx).population,
        }
    }
    /// Number of current communes in a région, département or EPCI.
    pub fn communes_count(&self, t: TerritoireRef) -> u32 {
        match t.niveau {
            Niveau::Region => self.communes_count_region[t.idx as usize],
            Niveau::Departement => self.communes_of_departement[t.idx as usize].len() as u32,
            Niveau::Epci => self.communes_of_epci[t.idx as usize].len() as u32,
            Niveau::Commune => 0,
        }
    }

    /// The chain of ancestors on the official hierarchy, from the région down (not the territory
    /// itself). A commune's chain goes through its EPCI when it has one; an EPCI's chain names its
    /// département and région only when it lies in one.
    pub fn ancestors(&self, t: TerritoireRef) -> Vec<TerritoireRef> {
        let r = |idx| TerritoireRef {
            niveau: Niveau::Region,
            idx,
        };
        let d = |idx| TerritoireRef {
            niveau: Niveau::Departement,
            idx,
        };
        match t.niveau {
            Niveau::Region => vec![],
            Niveau::Departement => vec![r(self.region_of_departement(t.idx))],
            Niveau::Epci => {
                let deps = self.departements_of_epci(t.idx);
                let regs = self.regions_of_epci(t.idx);
                let mut out = Vec::new();
                if regs.len() == 1 {
                    out.push(r(regs[0]));
                }
                if deps.len() == 1 {
                    out.push(d(deps[0]));
                }
                out
            }
            Niveau::Commune => {
                let c = self.commune(t.idx);
                let mut out = Vec::new();
                if let Some(di) = self.find_departement(&c.code_departement) {
                    out.push(r(self.region_of_departement(di)));
                    out.push(d(di));
                }
                let current = self.parent_of_commune(t.idx).unwrap_or(t.idx);
                if let Some(e) = self.epci_of_commune(current) {
                    out.push(TerritoireRef {
                        niveau: Niveau::Epci,
                        idx: e,
                    });
                }
                if current != t.idx {
                    out.push(TerritoireRef {
                        niveau: Niveau::Commune,
                        idx: current,
                    });
                }
                out
            }
        }
    }

    /// Total number of territories of every level.
    pub fn len(&self) -> usize {
        self.regions.len() + self.departements.len() + self.epcis.len() + self.communes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> ReferentielData {
        let region = |code: &str, nom: &str| Region {
            code: code.into(),
            nom: nom.into(),
            zone: Zone::Metro,
            chef_lieu: None,
        };
        let dep = |code: &str, nom: &str, r: &str| Departement {
            code: code.into(),
            nom: nom.into(),
            code_region: r.into(),
            zone: Zone::Metro,
            chef_lieu: None,
        };
        let commune =
            |code: &str, nom: &str, d: &str, r: &str, epci: Option<&str>, pop: u64| Commune {
                code: code.into(),
                type_commune: TypeCommune::Actuelle,
                nom: nom.into(),
                code_departement: d.into(),
                code_region: r.into(),
                code_parent: None,
                code_epci: epci.map(Into::into),
                population: Some(pop),
                siren: None,
                codes_postaux: vec![format!("{d}000")],
                zone: Zone::Metro,
            };
        let mut deleguee = commune("42001", "Ancienne", "42", "84", None, 0);
        deleguee.type_commune = TypeCommune::Deleguee;
        deleguee.code_parent = Some("42001".into());
        deleguee.population = None;
        ReferentielData {
            source: SourceInfo {
                source: "test".into(),
                licence: "test".into(),
                millesime: "2026".into(),
                populations: "test".into(),
            },
            regions: vec![
                region("84", "Auvergne-Rhône-Alpes"),
                region("27", "Bourgogne-Franche-Comté"),
            ],
            departements: vec![dep("42", "Loire", "84"), dep("71", "Saône-et-Loire", "27")],
            epcis: vec![Epci {
                siren: "244200770".into(),
                nom: "Saint-Étienne Métropole".into(),
                type_epci: TypeEpci::METRO,
                mode_financement: None,
            }],
            communes: vec![
                commune(
                    "42218",
                    "Saint-Étienne",
                    "42",
                    "84",
                    Some("244200770"),
                    170000,
                ),
                commune("42001", "Nouvelle", "42", "84", Some("244200770"), 1000),
                commune(
                    "71001",
                    "Transfrontalière",
                    "71",
                    "27",
                    Some("244200770"),
                    500,
                ),
                commune("42002", "Isolée", "42", "84", None, 10),
                deleguee,
            ],
        }
    }

    #[test]
    fn builds_the_hierarchy_and_sums_populations_of_current_communes() {
        let r = Referentiel::build(sample()).unwrap();
        let loire = r.find_departement("42").unwrap();
        assert_eq!(r.communes_of_departement(loire).len(), 3);
        assert_eq!(
            r.population(TerritoireRef {
                niveau: Niveau::Departement,
                idx: loire
            }),
            Some(171010)
        );
        let epci = r.find_epci("244200770").unwrap();
        assert_eq!(
            r.population(TerritoireRef {
                niveau: Niveau::Epci,
                idx: epci
            }),
            Some(171500)
        );
        // An EPCI may span several départements and régions.
        assert_eq!(r.departements_of_epci(epci).len(), 2);
        assert_eq!(r.regions_of_epci(epci).len(), 2);
        let ara = r.find_region("84").unwrap();
        assert_eq!(
            r.communes_count(TerritoireRef {
                niveau: Niveau::Region,
                idx: ara
            }),
            3
        );
        // A bare code designates the current commune; the déléguée is reachable by type.
        let c = r.find_commune("42001", None).unwrap();
        assert_eq!(r.commune(c).nom, "Nouvelle");
        let dlg = r
            .find_commune("42001", Some(TypeCommune::Deleguee))
            .unwrap();
        assert_eq!(r.parent_of_commune(dlg), Some(c));
        assert_eq!(r.children_of_commune(c), &[dlg]);
        // Ancestors of the déléguée: région, département, EPCI of its parent, parent.
        let chain: Vec<&str> = r
            .ancestors(TerritoireRef {
                niveau: Niveau::Commune,
                idx: dlg,
            })
            .into_iter()
            .map(|t| r.code(t))
            .collect();
        assert_eq!(chain, vec!["84", "42", "244200770", "42001"]);
        // An EPCI over two départements has no single département ancestor.
        assert!(r
            .ancestors(TerritoireRef {
                niveau: Niveau::Epci,
                idx: epci
            })
            .is_empty());
        let isolee = r.find_commune("42002", None).unwrap();
        assert_eq!(r.epci_of_commune(isolee), None);
    }

    #[test]
    fn reports_every_inconsistency_with_entity_and_field() {
        let mut data = sample();
        data.departements[1].code_region = "99".into();
        data.communes[0].code_epci = Some("200000000".into());
        data.communes[4].code_parent = Some("42999".into());
        data.communes.push(data.communes[1].clone());
        let err = Referentiel::build(data).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("département 71 : champ codeRegion : région 99 inconnue"),
            "{text}"
        );
        assert!(
            text.contains(
                "commune 42218 (commune-actuelle) : champ codeEpci : EPCI 200000000 inconnu"
            ),
            "{text}"
        );
        assert!(
            text.contains("champ codeParent : commune actuelle 42999 inconnue"),
            "{text}"
        );
        assert!(
            text.contains(
                "commune 42001 (commune-actuelle) : champ code : code en double pour ce type"
            ),
            "{text}"
        );
    }

    #[test]
    fn malformed_codes_are_reported() {
        let mut data = sample();
        data.epcis[0].siren = "244200771".into();
        for c in &mut data.communes {
            if c.code_epci.is_some() {
                c.code_epci = Some("244200771".into());
            }
        }
        let err = Referentiel::build(data).unwrap_err();
        assert!(err.to_string().contains("Luhn"), "{err}");
    }
}
