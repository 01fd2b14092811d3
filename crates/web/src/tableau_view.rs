//! How a territory's dashboard is shown (`tableau_*.html` partials on territory pages): figures
//! formatted in the reader's language, the SDG heatmap as a table with intensity classes (no
//! inline style), small counts of person-level activity suppressed, the kit maturity shown only
//! from enough results, territories like it side by side.

use crate::alliances_view::lbl;
use crate::i18n::Tr;
use crate::territoire_view::href;
use alliances_app::tableaux::compteurs::Compteurs;
use alliances_app::tableaux::{Tableau, SEUIL_MATURITE, SEUIL_PETITS_NOMBRES};
use alliances_domain::alliances::{Forme, Stade};
use alliances_domain::annuaire::{Profil, TypePartenariat};
use alliances_domain::contacts::EtatDemande;
use alliances_domain::ingenieries::orientation::EtatOrientation;
use alliances_domain::kits::Kit;
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef};

/// A labelled figure.
pub struct Chiffre {
    pub label: String,
    pub valeur: String,
}

/// One SDG row of the heatmap: number, name, then (figure, intensity class) per column.
pub struct LigneOdd {
    pub numero: u8,
    pub nom: String,
    pub besoins: (String, &'static str),
    pub alliances: (String, &'static str),
}

/// One row of the side-by-side table: the indicator, then a value per territory.
pub struct LigneComparaison {
    pub indicateur: String,
    pub valeurs: Vec<String>,
}

pub struct TableauVue {
    pub resume: String,
    pub profils: Vec<Chiffre>,
    pub stades: Vec<Chiffre>,
    pub types: Vec<Chiffre>,
    pub formes: Vec<Chiffre>,
    pub odd: Vec<LigneOdd>,
    pub couverture: Vec<(String, String, Option<String>)>,
    pub a_des_departements: bool,
    /// The distribution per kit level, or why it is not shown.
    pub maturite: Result<Vec<Chiffre>, String>,
    pub demandes: Vec<Chiffre>,
    pub orientations: Vec<Chiffre>,
    /// (name, href) of the régions whose observatory page applies, and the latest published
    /// figure of each series.
    pub observatoire: Vec<(String, String)>,
    pub chiffres_publies: Vec<Chiffre>,
    /// (name, href) of each column (this territory first), and the rows.
    pub semblables_noms: Vec<(String, String)>,
    pub semblables: Vec<LigneComparaison>,
    pub semblables_note: String,
    pub api: String,
}

/// Intensity class of a heatmap cell: 0 for none, then 1 to 4 by quarters of the column's
/// largest value.
pub fn intensite(v: u32, max: u32) -> &'static str {
    if v == 0 || max == 0 {
        return "intensite-0";
    }
    match (4 * u64::from(v)).div_ceil(u64::from(max)) {
        1 => "intensite-1",
        2 => "intensite-2",
        3 => "intensite-3",
        _ => "intensite-4",
    }
}

/// A count of person-level activity: « moins de 5 » from 1 to 4 (small cells are suppressed).
pub fn petit_nombre(v: u32, tr: &Tr) -> String {
    if v > 0 && v < SEUIL_PETITS_NOMBRES {
        tr.ta(
            "tableau-moins-de",
            &[("n", &SEUIL_PETITS_NOMBRES.to_string())],
        )
    } else {
        tr.nombre(u64::from(v))
    }
}

fn chiffres<T: Copy>(
    tous: &[T],
    valeurs: &[u32],
    label: impl Fn(T) -> String,
    tr: &Tr,
) -> Vec<Chiffre> {
    tous.iter()
        .zip(valeurs)
        .map(|(x, v)| Chiffre {
            label: label(*x),
            valeur: tr.nombre(u64::from(*v)),
        })
        .collect()
}

fn par_10_000(n: u32, population: u64, tr: &Tr) -> String {
    if population == 0 {
        return "—".into();
    }
    crate::alliances_view::nombre(
        (f64::from(n) * 10_000.0 / population as f64 * 10.0).round() / 10.0,
        tr,
    )
}

fn demandes_total(c: &Compteurs) -> u32 {
    c.demandes.iter().sum()
}

fn orientations_total(c: &Compteurs) -> u32 {
    c.orientations.iter().sum()
}

/// The régions a territory lies in (an EPCI may straddle two).
fn regions_de(r: &Referentiel, t: TerritoireRef) -> Vec<u32> {
    match t.niveau {
        Niveau::Region => vec![t.idx],
        Niveau::Departement => vec![r.region_of_departement(t.idx)],
        Niveau::Epci => r.regions_of_epci(t.idx).to_vec(),
        Niveau::Commune => r
            .find_departement(&r.commune(t.idx).code_departement)
            .map(|d| vec![r.region_of_departement(d)])
            .unwrap_or_default(),
    }
}

/// The dashboard of `t` for the page.
pub fn vue(r: &Referentiel, tr: &Tr, tab: &Tableau, kit: Option<&Kit>) -> TableauVue {
    let c = &tab.compteurs;
    let n = |v: u32| tr.nombre(u64::from(v));
    let odd = alliances_domain::odd::all();
    let max_b = c.besoins_odd.iter().copied().max().unwrap_or(0);
    let max_a = tab.alliances_actives_odd.iter().copied().max().unwrap_or(0);
    let lignes_odd = (0..17)
        .map(|i| LigneOdd {
            numero: i as u8 + 1,
            nom: odd
                .get(i)
                .map(|o| lbl_owned(&o.fr_short, &o.en_short, tr))
                .unwrap_or_default(),
            besoins: (n(c.besoins_odd[i]), intensite(c.besoins_odd[i], max_b)),
            alliances: (
                n(tab.alliances_actives_odd[i]),
                intensite(tab.alliances_actives_odd[i], max_a),
            ),
        })
        .collect();
    let resultats: u32 = c.maturite.iter().sum();
    let maturite = if resultats >= SEUIL_MATURITE {
        Ok(c.maturite
            .iter()
            .enumerate()
            .map(|(i, v)| Chiffre {
                label: kit
                    .and_then(|k| k.niveaux.get(i))
                    .map(|x| x.titre.clone())
                    .unwrap_or_else(|| (i + 1).to_string()),
                valeur: n(*v),
            })
            .collect())
    } else {
        Err(tr.ta(
            "tableau-maturite-trop-peu",
            &[("n", &n(resultats)), ("seuil", &SEUIL_MATURITE.to_string())],
        ))
    };
    let mut demandes: Vec<Chiffre> = vec![Chiffre {
        label: tr.t("tableau-demandes-total"),
        valeur: petit_nombre(demandes_total(c), tr),
    }];
    demandes.extend(EtatDemande::ALL.iter().map(|e| Chiffre {
        label: lbl(e.label_fr(), e.label_en(), tr),
        valeur: petit_nombre(c.demandes[e.index()], tr),
    }));
    demandes.push(Chiffre {
        label: tr.t("tableau-demandes-alliances"),
        valeur: petit_nombre(c.demandes_alliances, tr),
    });
    let mut orientations: Vec<Chiffre> = vec![Chiffre {
        label: tr.t("tableau-orientations-total"),
        valeur: petit_nombre(orientations_total(c), tr),
    }];
    orientations.extend(EtatOrientation::ALL.iter().map(|e| Chiffre {
        label: lbl(e.label_fr(), e.label_en(), tr),
        valeur: petit_nombre(c.orientations[e.index()], tr),
    }));
    let couverture = tab
        .couverture
        .iter()
        .map(|s| {
            (
                lbl(s.service.label_fr(), s.service.label_en(), tr),
                n(s.dispositifs),
                s.departements.map(|(a, b)| {
                    tr.ta(
                        "tableau-couverture-departements",
                        &[("n", &n(a)), ("total", &n(b))],
                    )
                }),
            )
        })
        .collect();
    let observatoire = regions_de(r, t_of(tab))
        .into_iter()
        .map(|g| {
            let reg = r.region(g);
            (
                reg.nom.clone(),
                format!("/observatoire/regions/{}", reg.code),
            )
        })
        .collect();
    let chiffres_publies = alliances_app::observatoire::series()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(_, v)| v.last().copied())
        .map(|x| Chiffre {
            label: format!(
                "{} ({}, {})",
                x.question,
                x.periode,
                lbl(x.population.label_fr(), x.population.label_en(), tr)
            ),
            valeur: format!("{}\u{a0}%", crate::alliances_view::nombre(x.valeur, tr)),
        })
        .collect();

    // Territories like it, side by side.
    let mut colonnes = vec![(t_of(tab), tab.population, c, tab.alliances_actives)];
    colonnes.extend(tab.semblables.iter().map(|s| {
        (
            s.territoire,
            s.population,
            &s.compteurs,
            s.alliances_actives,
        )
    }));
    let ligne = |cle: &str, f: &dyn Fn(&Colonne) -> String| LigneComparaison {
        indicateur: tr.t(cle),
        valeurs: colonnes.iter().map(f).collect(),
    };
    let semblables = vec![
        ligne("tableau-comparaison-population", &|x| tr.nombre(x.1)),
        ligne("tableau-comparaison-organisations", &|x| {
            n(x.2.organisations)
        }),
        ligne("tableau-comparaison-organisations-10000", &|x| {
            par_10_000(x.2.organisations, x.1, tr)
        }),
        ligne("tableau-comparaison-besoins", &|x| n(x.2.besoins)),
        ligne("tableau-comparaison-alliances", &|x| n(x.2.alliances)),
        ligne("tableau-comparaison-alliances-actives", &|x| n(x.3)),
        ligne("tableau-comparaison-maturite", &|x| {
            n(x.2.maturite.iter().sum())
        }),
        ligne("tableau-comparaison-demandes", &|x| {
            petit_nombre(demandes_total(x.2), tr)
        }),
        ligne("tableau-comparaison-orientations", &|x| {
            petit_nombre(orientations_total(x.2), tr)
        }),
    ];
    let semblables_noms = colonnes
        .iter()
        .map(|x| (r.nom(x.0).to_string(), href(r, x.0)))
        .collect();
    let t = t_of(tab);
    let bande = alliances_app::tableaux::semblables::bornes(
        alliances_app::tableaux::semblables::tranche(tab.population),
    );
    let bande = match bande {
        (a, Some(b)) => tr.ta(
            "tableau-tranche",
            &[("min", &tr.nombre(a)), ("max", &tr.nombre(b))],
        ),
        (a, None) => tr.ta("tableau-tranche-ouverte", &[("min", &tr.nombre(a))]),
    };
    let semblables_note = match t.niveau {
        Niveau::Epci => tr.ta(
            "tableau-semblables-epci",
            &[
                (
                    "type",
                    &tr.t(&format!("type-epci-{}", r.epci(t.idx).type_epci.code()))
                        .to_lowercase(),
                ),
                ("tranche", &bande),
            ],
        ),
        Niveau::Commune => tr.ta("tableau-semblables-commune", &[("tranche", &bande)]),
        _ => tr.ta("tableau-semblables-autres", &[("tranche", &bande)]),
    };
    TableauVue {
        resume: tr.ta(
            "tableau-resume",
            &[
                ("organisations", &n(c.organisations)),
                ("alliances", &n(c.alliances)),
                ("actives", &n(tab.alliances_actives)),
                ("besoins", &n(c.besoins)),
            ],
        ),
        profils: chiffres(
            Profil::ALL,
            &c.profils,
            |p| lbl(p.label_fr(), p.label_en(), tr),
            tr,
        ),
        stades: chiffres(
            Stade::ALL,
            &c.stades,
            |p| lbl(p.label_fr(), p.label_en(), tr),
            tr,
        ),
        types: chiffres(
            TypePartenariat::ALL,
            &c.types,
            |p| lbl(p.label_fr(), p.label_en(), tr),
            tr,
        ),
        formes: chiffres(
            Forme::ALL,
            &c.formes,
            |p| lbl(p.label_fr(), p.label_en(), tr),
            tr,
        ),
        odd: lignes_odd,
        a_des_departements: tab.couverture.iter().any(|s| s.departements.is_some()),
        couverture,
        maturite,
        demandes,
        orientations,
        observatoire,
        chiffres_publies,
        semblables_noms,
        semblables,
        semblables_note,
        api: format!(
            "/api/v1/territoires/{}/{}/tableau",
            t.niveau.slug(),
            r.code(t)
        ),
    }
}

/// A column of the side-by-side table: the territory, its population, its counters and its
/// ongoing alliances.
type Colonne<'a> = (TerritoireRef, u64, &'a Compteurs, u32);

fn t_of(tab: &Tableau) -> TerritoireRef {
    tab.territoire
}

fn lbl_owned(fr: &str, en: &str, tr: &Tr) -> String {
    if tr.lang == crate::i18n::Lang::Fr {
        fr
    } else {
        en
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::intensite;

    #[test]
    fn intensites_par_quarts_du_maximum() {
        assert_eq!(intensite(0, 10), "intensite-0");
        assert_eq!(intensite(1, 10), "intensite-1");
        assert_eq!(intensite(3, 10), "intensite-2");
        assert_eq!(intensite(6, 10), "intensite-3");
        assert_eq!(intensite(10, 10), "intensite-4");
        assert_eq!(intensite(5, 0), "intensite-0");
    }
}
