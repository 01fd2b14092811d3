//! How a territory is shown: its URL, its kind in words, and the content of its page. Shared by
//! the pages (and the URLs by the API), so that each rule lives in one place.

use crate::i18n::Tr;
use crate::pages::territoires::{carte_of, Fait, Fiche, Ligne, Section};
use alliances_domain::territoires::{Niveau, Referentiel, TerritoireRef, TypeCommune};

/// Longest accepted search query, in characters (pages and API).
pub const MAX_QUERY_CHARS: usize = 100;

/// The page of a territory. A commune record that does not own its code (a commune déléguée
/// sharing the code of its new commune) gets `?type=`.
pub fn href(r: &Referentiel, t: TerritoireRef) -> String {
    let code = r.code(t);
    let base = format!("/territoires/{}/{}", t.niveau.slug(), code);
    if t.niveau == Niveau::Commune && r.find_commune(code, None) != Some(t.idx) {
        format!("{base}?type={}", r.commune(t.idx).type_commune.slug())
    } else {
        base
    }
}

/// The API resource of a territory.
pub fn api_href(r: &Referentiel, t: TerritoireRef) -> String {
    let code = r.code(t);
    match t.niveau {
        Niveau::Region => format!("/api/v1/regions/{code}"),
        Niveau::Departement => format!("/api/v1/departements/{code}"),
        Niveau::Epci => format!("/api/v1/epcis/{code}"),
        Niveau::Commune => {
            let c = r.commune(t.idx);
            if r.find_commune(code, None) == Some(t.idx) {
                format!("/api/v1/communes/{code}")
            } else {
                format!("/api/v1/communes/{code}?type={}", c.type_commune.slug())
            }
        }
    }
}

/// "Commune", "Commune déléguée", "Métropole", "Département"…
pub fn kind_label(tr: &Tr, r: &Referentiel, t: TerritoireRef) -> String {
    match t.niveau {
        Niveau::Commune => tr.t(&format!("type-{}", r.commune(t.idx).type_commune.slug())),
        Niveau::Epci => tr.t(&format!("type-epci-{}", r.epci(t.idx).type_epci.code())),
        n => tr.t(&format!("niveau-{}", n.slug())),
    }
}

fn link(r: &Referentiel, t: TerritoireRef) -> (String, Option<String>) {
    (r.nom(t).to_string(), Some(href(r, t)))
}

fn text(s: impl Into<String>) -> Vec<(String, Option<String>)> {
    vec![(s.into(), None)]
}

fn reg(idx: u32) -> TerritoireRef {
    TerritoireRef {
        niveau: Niveau::Region,
        idx,
    }
}
fn dep(idx: u32) -> TerritoireRef {
    TerritoireRef {
        niveau: Niveau::Departement,
        idx,
    }
}
fn epci(idx: u32) -> TerritoireRef {
    TerritoireRef {
        niveau: Niveau::Epci,
        idx,
    }
}
fn com(idx: u32) -> TerritoireRef {
    TerritoireRef {
        niveau: Niveau::Commune,
        idx,
    }
}

fn population_cell(tr: &Tr, r: &Referentiel, t: TerritoireRef) -> String {
    r.population(t)
        .map(|p| tr.nombre(p))
        .unwrap_or_else(|| "—".into())
}

/// The content of a territory's page.
pub fn fiche(r: &Referentiel, tr: &Tr, t: TerritoireRef) -> Fiche {
    let fait = |label: &str, valeurs: Vec<(String, Option<String>)>| Fait {
        label: tr.t(label),
        valeurs,
    };
    let mut faits = Vec::new();
    let mut sections = Vec::new();
    let col = |k: &str| tr.t(k);
    match t.niveau {
        Niveau::Region => {
            let x = r.region(t.idx);
            faits.push(fait("fiche-code-insee", text(&x.code)));
            faits.push(fait(
                "fiche-zone",
                text(tr.t(&format!("zone-{}", x.zone.code()))),
            ));
            let deps = r.departements_of_region(t.idx);
            sections.push(Section {
                titre: tr.t("fiche-departements-de-la-region"),
                note: None,
                colonnes: vec![
                    col("colonne-nom"),
                    col("colonne-code"),
                    col("colonne-population"),
                    col("colonne-communes"),
                ],
                lignes: deps
                    .iter()
                    .map(|&d| Ligne {
                        nom: r.departement(d).nom.clone(),
                        href: href(r, dep(d)),
                        cellules: vec![
                            r.departement(d).code.clone(),
                            population_cell(tr, r, dep(d)),
                            tr.nombre(u64::from(r.communes_count(dep(d)))),
                        ],
                    })
                    .collect(),
            });
        }
        Niveau::Departement => {
            let x = r.departement(t.idx);
            faits.push(fait("fiche-code-insee", text(&x.code)));
            faits.push(fait(
                "fiche-region",
                vec![link(r, reg(r.region_of_departement(t.idx)))],
            ));
            faits.push(fait(
                "fiche-zone",
                text(tr.t(&format!("zone-{}", x.zone.code()))),
            ));
            if let Some(cl) = x
                .chef_lieu
                .as_deref()
                .and_then(|c| r.find_commune(c, Some(TypeCommune::Actuelle)))
            {
                faits.push(fait("fiche-chef-lieu", vec![link(r, com(cl))]));
            }
            sections.push(Section {
                titre: tr.t("fiche-epcis-du-departement"),
                note: None,
                colonnes: vec![
                    col("colonne-nom"),
                    col("colonne-type"),
                    col("colonne-population"),
                    col("colonne-communes"),
                ],
                lignes: r
                    .epcis_of_departement(t.idx)
                    .iter()
                    .map(|&e| Ligne {
                        nom: r.epci(e).nom.clone(),
                        href: href(r, epci(e)),
                        cellules: vec![
                            kind_label(tr, r, epci(e)),
                            population_cell(tr, r, epci(e)),
                            tr.nombre(u64::from(r.communes_count(epci(e)))),
                        ],
                    })
                    .collect(),
            });
            sections.push(communes_section(
                r,
                tr,
                "fiche-communes-du-departement",
                r.communes_of_departement(t.idx),
                false,
            ));
        }
        Niveau::Epci => {
            let x = r.epci(t.idx);
            faits.push(fait("fiche-siren", text(&x.siren)));
            faits.push(fait("fiche-type", text(kind_label(tr, r, t))));
            if let Some(m) = &x.mode_financement {
                faits.push(fait("fiche-mode-financement", text(m)));
            }
            let deps = r.departements_of_epci(t.idx);
            faits.push(fait(
                if deps.len() > 1 {
                    "fiche-departements"
                } else {
                    "fiche-departement"
                },
                deps.iter().map(|&d| link(r, dep(d))).collect(),
            ));
            let regs = r.regions_of_epci(t.idx);
            faits.push(fait(
                if regs.len() > 1 {
                    "fiche-regions"
                } else {
                    "fiche-region"
                },
                regs.iter().map(|&g| link(r, reg(g))).collect(),
            ));
            let mut s = communes_section(
                r,
                tr,
                "fiche-communes-membres",
                r.communes_of_epci(t.idx),
                deps.len() > 1,
            );
            if deps.len() > 1 {
                s.note = Some(tr.t("fiche-hors-departement"));
            }
            sections.push(s);
        }
        Niveau::Commune => {
            let c = r.commune(t.idx);
            faits.push(fait("fiche-code-insee", text(&c.code)));
            faits.push(fait("fiche-type", text(kind_label(tr, r, t))));
            if let Some(p) = r.parent_of_commune(t.idx) {
                faits.push(fait("fiche-commune-parent", vec![link(r, com(p))]));
            }
            if let Some(d) = r.find_departement(&c.code_departement) {
                faits.push(fait("fiche-departement", vec![link(r, dep(d))]));
                faits.push(fait(
                    "fiche-region",
                    vec![link(r, reg(r.region_of_departement(d)))],
                ));
            }
            let current = r.parent_of_commune(t.idx).unwrap_or(t.idx);
            match r.epci_of_commune(current) {
                Some(e) => faits.push(fait("fiche-epci", vec![link(r, epci(e))])),
                None => faits.push(fait("fiche-epci", text(tr.t("fiche-sans-epci")))),
            }
            if !c.codes_postaux.is_empty() {
                faits.push(fait(
                    "fiche-codes-postaux",
                    text(c.codes_postaux.join(", ")),
                ));
            }
            if let Some(s) = &c.siren {
                faits.push(fait("fiche-siren", text(s)));
            }
            let children = r.children_of_commune(t.idx);
            if !children.is_empty() {
                sections.push(Section {
                    titre: tr.t("fiche-rattachees"),
                    note: None,
                    colonnes: vec![
                        col("colonne-nom"),
                        col("colonne-code"),
                        col("colonne-type"),
                        col("colonne-population"),
                    ],
                    lignes: children
                        .iter()
                        .map(|&k| Ligne {
                            nom: r.commune(k).nom.clone(),
                            href: href(r, com(k)),
                            cellules: vec![
                                r.commune(k).code.clone(),
                                kind_label(tr, r, com(k)),
                                population_cell(tr, r, com(k)),
                            ],
                        })
                        .collect(),
                });
            }
        }
    }
    if let Some(p) = r.population(t) {
        faits.push(fait("fiche-population", text(tr.nombre(p))));
    }
    if t.niveau != Niveau::Commune {
        faits.push(fait(
            "fiche-nombre-communes",
            text(tr.nombre(u64::from(r.communes_count(t)))),
        ));
    }
    let src = &r.source;
    Fiche {
        niveau: kind_label(tr, r, t),
        nom: r.nom(t).to_string(),
        faits,
        sections,
        note_population: tr.ta("fiche-population-note", &[("millesime", &src.millesime)]),
        source: tr.ta(
            "fiche-source",
            &[("source", &src.source), ("millesime", &src.millesime)],
        ),
        api_href: api_href(r, t),
        carte: carte_of(r, tr, Some(t)),
    }
}

fn communes_section(
    r: &Referentiel,
    tr: &Tr,
    titre: &str,
    communes: &[u32],
    with_departement: bool,
) -> Section {
    let mut colonnes = vec![tr.t("colonne-nom"), tr.t("colonne-code")];
    if with_departement {
        colonnes.push(tr.t("colonne-departement"));
    }
    colonnes.push(tr.t("colonne-population"));
    Section {
        titre: titre_with_count(tr, titre, communes.len()),
        note: None,
        colonnes,
        lignes: communes
            .iter()
            .map(|&c| {
                let x = r.commune(c);
                let mut cellules = vec![x.code.clone()];
                if with_departement {
                    cellules.push(x.code_departement.clone());
                }
                cellules.push(population_cell(tr, r, com(c)));
                Ligne {
                    nom: x.nom.clone(),
                    href: href(r, com(c)),
                    cellules,
                }
            })
            .collect(),
    }
}

fn titre_with_count(tr: &Tr, key: &str, n: usize) -> String {
    format!("{} ({})", tr.t(key), tr.nombre(n as u64))
}

/// The names of territories given as `Lieu`s, joined.
pub fn lieux(
    l: &[alliances_domain::annuaire::Lieu],
    r: &alliances_domain::territoires::Referentiel,
) -> String {
    l.iter()
        .filter_map(|x| r.find(x.niveau, &x.code).map(|t| r.nom(t).to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a `niveau:code` territory against the referential: the key and the name.
pub fn territoire_de(
    cle: &str,
    r: &alliances_domain::territoires::Referentiel,
) -> Option<(String, String)> {
    let (n, code) = cle.trim().split_once(':')?;
    let niveau = alliances_domain::territoires::Niveau::from_slug(n)?;
    let t = r.find(niveau, &code.to_ascii_uppercase())?;
    Some((
        format!("{}:{}", niveau.slug(), r.code(t)),
        r.nom(t).to_string(),
    ))
}
