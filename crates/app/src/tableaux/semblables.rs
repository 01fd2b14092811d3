//! « Territoires comme le mien »: territories of the same kind and population band — an EPCI
//! among EPCIs of the same type (CC, CA, CU, métropole), a commune among communes of the same
//! type whose EPCI is of the same type, a département or a région among its peers — closest
//! population first.

use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef, TypeEpci};

/// Lower bounds of the population bands (inhabitants).
pub const TRANCHES: [u64; 14] = [
    0, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000,
    2_000_000, 5_000_000,
];

/// The band of a population (index in [`TRANCHES`]).
pub fn tranche(population: u64) -> usize {
    TRANCHES.iter().rposition(|&b| population >= b).unwrap_or(0)
}

/// The bounds of a band: `(min, Some(max exclusive))`, the last band open.
pub fn bornes(tranche: usize) -> (u64, Option<u64>) {
    (TRANCHES[tranche], TRANCHES.get(tranche + 1).copied())
}

/// The EPCI type of a commune's EPCI (`None`: no EPCI).
fn type_epci_commune(r: &Referentiel, c: u32) -> Option<TypeEpci> {
    let courante = r.parent_of_commune(c).unwrap_or(c);
    r.epci_of_commune(courante).map(|e| r.epci(e).type_epci)
}

/// Up to `n` territories like `t`: same kind, same population band, closest population first.
pub fn semblables(r: &Referentiel, t: TerritoireRef, n: usize) -> Vec<TerritoireRef> {
    let pop = r.population(t).unwrap_or(0);
    let bande = tranche(pop);
    let candidats: Vec<u32> = match t.niveau {
        Niveau::Region => (0..r.regions().len() as u32).collect(),
        Niveau::Departement => (0..r.departements().len() as u32).collect(),
        Niveau::Epci => {
            let ty = r.epci(t.idx).type_epci;
            (0..r.epcis().len() as u32)
                .filter(|&e| r.epci(e).type_epci == ty)
                .collect()
        }
        Niveau::Commune => {
            let c = r.commune(t.idx);
            let ty = type_epci_commune(r, t.idx);
            (0..r.communes().len() as u32)
                .filter(|&x| {
                    let o = r.commune(x);
                    o.type_commune == c.type_commune && type_epci_commune(r, x) == ty
                })
                .collect()
        }
    };
    let mut v: Vec<(u64, TerritoireRef)> = candidats
        .into_iter()
        .filter(|&idx| idx != t.idx)
        .map(|idx| TerritoireRef {
            niveau: t.niveau,
            idx,
        })
        .filter_map(|x| r.population(x).map(|p| (p, x)))
        .filter(|(p, _)| tranche(*p) == bande)
        .collect();
    v.sort_by_key(|(p, x)| (p.abs_diff(pop), *x));
    v.truncate(n);
    v.into_iter().map(|(_, x)| x).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn les_tranches_se_suivent() {
        assert_eq!(tranche(0), 0);
        assert_eq!(tranche(499), 0);
        assert_eq!(tranche(500), 1);
        assert_eq!(tranche(12_000_000), TRANCHES.len() - 1);
        assert_eq!(bornes(1), (500, Some(1_000)));
        assert_eq!(bornes(TRANCHES.len() - 1).1, None);
    }

    #[test]
    fn memes_type_et_tranche_plus_proches_d_abord() {
        let r = Referentiel::build(crate::geo::shipped().unwrap()).unwrap();
        for niveau in Niveau::ALL {
            let total = match niveau {
                Niveau::Commune => r.communes().len(),
                Niveau::Epci => r.epcis().len(),
                Niveau::Departement => r.departements().len(),
                Niveau::Region => r.regions().len(),
            };
            for idx in (0..total as u32).step_by(if total > 2000 { 97 } else { 1 }) {
                let t = TerritoireRef { niveau, idx };
                let pop = r.population(t).unwrap_or(0);
                let s = semblables(&r, t, 4);
                assert!(s.len() <= 4);
                let mut ecart = 0;
                for x in &s {
                    assert_ne!(*x, t);
                    assert_eq!(x.niveau, t.niveau);
                    let p = r.population(*x).unwrap();
                    assert_eq!(tranche(p), tranche(pop));
                    assert!(p.abs_diff(pop) >= ecart);
                    ecart = p.abs_diff(pop);
                    if t.niveau == Niveau::Epci {
                        assert_eq!(r.epci(x.idx).type_epci, r.epci(t.idx).type_epci);
                    }
                }
            }
        }
    }
}
