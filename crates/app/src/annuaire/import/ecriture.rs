//! Writing one batch: in one transaction, the upserts (RNA first, then SIRET), the duplicate
//! candidates sent to the review queue, the batch's progress and resume point, the change-feed
//! entries. Either all of it commits or none of it.

use super::{ImportError, Paquet, Probleme, Rapport, PROBLEMES_MAX, RAPPORT_MAX_LIGNES};
use crate::annuaire::{doublons, ENTITE, ENTITE_LOT};
use crate::now;
use alliances_domain::annuaire::{valider, Organisation, OrganisationSaisie, Profil, SousType};
use alliances_domain::territoires::Referentiel;
use alliances_store::import_rows::{self, Existant, Provenance};
use alliances_store::organisations::{self as store, Fiche};
use alliances_store::{changes, imports, Backend, Db};
use std::collections::HashMap;

pub(crate) struct Contexte {
    pub lot_id: i64,
    pub source: String,
    pub licence: String,
    pub portes: Vec<&'static str>,
    pub backend: Backend,
    /// Keep the rows created by each batch for the search index ([`Crees`]).
    pub garder_crees: bool,
}

/// What a committed batch created, for the search index: the id range of its change-feed entry
/// and (id, content, `verifie_le`) of each row created.
pub(crate) struct Crees {
    pub premier: i64,
    pub dernier: i64,
    pub lignes: Vec<(i64, Organisation, i64)>,
}

/// Totals of the batch as committed.
#[derive(Debug, Default)]
pub(crate) struct EtatLot {
    pub lues: u64,
    pub importees: u64,
    pub rejetees: u64,
    pub derniere_ligne: u64,
    pub lignes_rapport: usize,
    pub non_detailles: u64,
}

impl EtatLot {
    pub fn repris(l: &imports::Lot) -> Self {
        EtatLot {
            lues: l.lignes_lues.max(0) as u64,
            importees: l.lignes_importees.max(0) as u64,
            rejetees: l.lignes_rejetees.max(0) as u64,
            derniere_ligne: l.derniere_ligne.max(0) as u64,
            lignes_rapport: l.rapport.lines().count(),
            non_detailles: 0,
        }
    }
}

/// The stored record with the fields the file carries replaced. Identifiers the file leaves
/// empty are kept; a profile change drops a sub-type of the former profile.
pub(crate) fn fusionner(
    existant: &OrganisationSaisie,
    n: &OrganisationSaisie,
    portes: &[&str],
) -> OrganisationSaisie {
    let mut m = existant.clone();
    for &p in portes {
        match p {
            "nom" => m.nom = n.nom.clone(),
            "sigle" => m.sigle = n.sigle.clone(),
            "profil" => m.profil = n.profil.clone(),
            "sousType" => m.sous_type = n.sous_type.clone(),
            "taille" => m.taille = n.taille.clone(),
            "siren" if n.siren.is_some() => m.siren = n.siren.clone(),
            "siret" if n.siret.is_some() => m.siret = n.siret.clone(),
            "rna" if n.rna.is_some() => m.rna = n.rna.clone(),
            "codeCommune" => m.code_commune = n.code_commune.clone(),
            "national" => m.national = n.national,
            "perimetre" => m.perimetre = n.perimetre.clone(),
            "oddPrincipal" => m.odd_principal = n.odd_principal,
            "oddSecondaires" => m.odd_secondaires = n.odd_secondaires.clone(),
            "themes" => m.themes = n.themes.clone(),
            "description" => m.description = n.description.clone(),
            "siteWeb" => m.site_web = n.site_web.clone(),
            "contactPublic" => m.contact_public = n.contact_public.clone(),
            "contactsPrives" => m.contacts_prives = n.contacts_prives.clone(),
            "partenariats" => m.partenariats = n.partenariats.clone(),
            "catalyseur" => m.catalyseur = n.catalyseur,
            "etat" => m.etat = n.etat.clone(),
            "dateCreation" => m.date_creation = n.date_creation.clone(),
            "dateFin" => m.date_fin = n.date_fin.clone(),
            _ => {}
        }
    }
    // A new SIRET brings its SIREN (the stored one may be another company's).
    if n.siret.is_some() && portes.contains(&"siret") {
        m.siren = n.siren.clone();
    }
    if let Some(st) = m.sous_type.as_deref().and_then(SousType::from_slug) {
        if Profil::from_slug(&m.profil) != Some(st.profil()) {
            m.sous_type = None;
        }
    }
    m
}

struct Place {
    /// Index in the batch's rows.
    ligne: usize,
    /// The stored organisation it updates.
    cible: Option<i64>,
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn cle(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

/// Writes one batch, updates the totals and this run's report.
pub(crate) async fn ecrire(
    db: &Db,
    conn: &mut import_rows::ConnexionImport,
    referentiel: &Referentiel,
    ctx: &Contexte,
    paquet: Paquet,
    etat: &mut EtatLot,
    rapport: &mut Rapport,
) -> Result<Option<Crees>, ImportError> {
    let Paquet {
        mut lignes,
        mut problemes,
        lues,
        rejetees,
        derniere_ligne,
        ..
    } = paquet;
    if lues == 0 {
        return Ok(None);
    }
    let maintenant = now();
    let mut tx = import_rows::transaction(conn).await?;
    if !import_rows::verrouiller_lot(&mut tx, ctx.lot_id, etat.derniere_ligne as i64).await? {
        return Err(ImportError::EnCoursAilleurs(ctx.lot_id));
    }

    // Who is already there.
    let rnas: Vec<String> = lignes
        .iter()
        .filter_map(|l| cle(l.org.rna.as_ref().map(|x| x.as_str())))
        .collect();
    let sirets: Vec<String> = lignes
        .iter()
        .filter_map(|l| cle(l.org.siret.as_ref().map(|x| x.as_str())))
        .collect();
    let par_rna: HashMap<String, Existant> = import_rows::par_rna(&mut tx, &refs(&rnas))
        .await?
        .into_iter()
        .filter_map(|e| Some((e.rna.clone()?, e)))
        .collect();
    let par_siret: HashMap<String, Existant> = import_rows::par_siret(&mut tx, &refs(&sirets))
        .await?
        .into_iter()
        .filter_map(|e| Some((e.siret.clone()?, e)))
        .collect();

    // One place per organisation: a later row of the same organisation replaces an earlier one.
    let compatibles = |a: &Option<String>, b: &Option<String>| a.is_none() || b.is_none() || a == b;
    let mut places: Vec<Place> = Vec::with_capacity(lignes.len());
    let mut place_rna: HashMap<String, usize> = HashMap::new();
    let mut place_siret: HashMap<String, usize> = HashMap::new();
    let mut place_id: HashMap<i64, usize> = HashMap::new();
    for i in 0..lignes.len() {
        let rna = cle(lignes[i].org.rna.as_ref().map(|x| x.as_str()));
        let siret = cle(lignes[i].org.siret.as_ref().map(|x| x.as_str()));
        let existant = rna
            .as_ref()
            .and_then(|r| par_rna.get(r))
            .map(|e| e.id)
            .or_else(|| {
                siret
                    .as_ref()
                    .and_then(|s| par_siret.get(s))
                    .filter(|e| compatibles(&rna, &e.rna))
                    .map(|e| e.id)
            });
        let precedente = rna
            .as_ref()
            .and_then(|r| place_rna.get(r).copied())
            .or_else(|| existant.and_then(|id| place_id.get(&id).copied()))
            .or_else(|| {
                siret
                    .as_ref()
                    .and_then(|s| place_siret.get(s).copied())
                    .filter(|&k| {
                        existant.is_none()
                            && places[k].cible.is_none()
                            && compatibles(
                                &rna,
                                &cle(lignes[places[k].ligne].org.rna.as_ref().map(|x| x.as_str())),
                            )
                    })
            });
        if let Some(k) = precedente {
            let ancienne = places[k].ligne;
            problemes.push(Probleme {
                ligne: lignes[ancienne].ligne,
                champ: "identifiant".into(),
                message: format!(
                    "même organisation que la ligne {}, plus loin dans le fichier, qui la remplace",
                    lignes[i].ligne
                ),
                rejet: false,
            });
            places[k].ligne = i;
            if let Some(r) = rna {
                place_rna.insert(r, k);
            }
            if let Some(s) = siret {
                place_siret.entry(s).or_insert(k);
            }
            continue;
        }
        let mut siret_garde = siret;
        if let Some(s) = &siret_garde {
            let autre = par_siret
                .get(s)
                .map(|e| e.id)
                .filter(|&id| Some(id) != existant)
                .map(|id| format!("l'organisation n° {id}"))
                .or_else(|| {
                    place_siret
                        .get(s)
                        .map(|&k| format!("la ligne {}", lignes[places[k].ligne].ligne))
                });
            if let Some(autre) = autre {
                problemes.push(Probleme {
                    ligne: lignes[i].ligne,
                    champ: "siret".into(),
                    message: format!("le SIRET {s} est déjà celui de {autre}"),
                    rejet: false,
                });
                lignes[i].org.siret = None;
                siret_garde = None;
            }
        }
        let k = places.len();
        places.push(Place {
            ligne: i,
            cible: existant,
        });
        if let Some(r) = rna {
            place_rna.insert(r, k);
        }
        if let Some(s) = siret_garde {
            place_siret.insert(s, k);
        }
        if let Some(id) = existant {
            place_id.insert(id, k);
        }
    }

    // Updates: the stored records, with the fields the file carries replaced.
    let ids: Vec<i64> = places.iter().filter_map(|p| p.cible).collect();
    let stockees: HashMap<i64, Fiche> = store::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let mut a_inserer: Vec<usize> = Vec::new();
    let mut a_mettre_a_jour: Vec<(i64, Organisation, i64, bool)> = Vec::new();
    let mut a_confirmer: Vec<(i64, i64)> = Vec::new();
    let mut rejets = 0u64;
    let mut inchangees = 0u64;
    for p in &places {
        let l = &lignes[p.ligne];
        let Some(f) = p.cible.and_then(|id| stockees.get(&id)) else {
            a_inserer.push(p.ligne);
            continue;
        };
        let fusion = fusionner(&f.org.saisie(), &l.org.saisie(), &ctx.portes);
        match valider(&fusion, referentiel) {
            Err(errs) => {
                rejets += 1;
                problemes.extend(errs.into_iter().map(|e| Probleme {
                    ligne: l.ligne,
                    champ: e.champ.into(),
                    message: format!("mise à jour de l'organisation n° {} : {}", f.id, e.message),
                    rejet: true,
                }));
            }
            Ok(o) => {
                let meme_source = f.meta.source == ctx.source && f.meta.licence == ctx.licence;
                if o == f.org && meme_source {
                    inchangees += 1;
                    if l.verifie_le > f.meta.verifie_le {
                        a_confirmer.push((f.id, l.verifie_le));
                    }
                } else {
                    let renommee = o.nom != f.org.nom || o.commune != f.org.commune;
                    a_mettre_a_jour.push((f.id, o, l.verifie_le, renommee));
                }
            }
        }
    }

    // Inserts, by multi-row statements.
    let provenances: Vec<Provenance> = a_inserer
        .iter()
        .map(|&i| Provenance {
            source: &ctx.source,
            licence: &ctx.licence,
            lot_id: ctx.lot_id,
            verifie_le: lignes[i].verifie_le,
        })
        .collect();
    let lignes_a_inserer: Vec<(&Organisation, &Provenance)> = a_inserer
        .iter()
        .zip(&provenances)
        .map(|(&i, p)| (&lignes[i].org, p))
        .collect();
    let ids_crees =
        import_rows::inserer(&mut tx, ctx.backend, &lignes_a_inserer, maintenant).await?;
    for (id, o, verifie_le, _) in &a_mettre_a_jour {
        let p = Provenance {
            source: &ctx.source,
            licence: &ctx.licence,
            lot_id: ctx.lot_id,
            verifie_le: *verifie_le,
        };
        import_rows::mettre_a_jour(&mut tx, *id, o, &p, maintenant).await?;
        changes::append(&mut tx, ENTITE, &id.to_string(), "upsert", maintenant).await?;
    }
    for (id, verifie_le) in &a_confirmer {
        store::mark_verified(&mut tx, *id, *verifie_le).await?;
        changes::append(&mut tx, ENTITE, &id.to_string(), "upsert", maintenant).await?;
    }

    // Likely duplicates of what changed name or place: to the review queue.
    let mut a_comparer: Vec<(i64, &Organisation)> = ids_crees
        .iter()
        .zip(&a_inserer)
        .map(|(&id, &i)| (id, &lignes[i].org))
        .collect();
    a_comparer.extend(
        a_mettre_a_jour
            .iter()
            .filter(|(_, _, _, renommee)| *renommee)
            .map(|(id, o, _, _)| (*id, o)),
    );
    let doublons = doublons::detecter_import(&mut tx, ctx.backend, &a_comparer, maintenant).await?;

    // Progress and resume point, with the batch.
    let importees = lignes.len() as u64 - rejets;
    let nouvelles_rejetees = rejetees + rejets;
    problemes.sort_by_key(|p| p.ligne);
    let mut ajout = String::new();
    for p in &problemes {
        if etat.lignes_rapport < RAPPORT_MAX_LIGNES {
            ajout.push_str(&p.to_string());
            ajout.push('\n');
            etat.lignes_rapport += 1;
        } else {
            etat.non_detailles += 1;
        }
    }
    imports::progress(
        &mut tx,
        ctx.lot_id,
        (etat.lues + lues) as i64,
        (etat.importees + importees) as i64,
        (etat.rejetees + nouvelles_rejetees) as i64,
        derniere_ligne as i64,
        &ajout,
    )
    .await?;
    if let (Some(first), Some(last)) = (ids_crees.iter().min(), ids_crees.iter().max()) {
        changes::append(
            &mut tx,
            ENTITE_LOT,
            &format!("{first}-{last}"),
            "upsert",
            maintenant,
        )
        .await?;
    }
    tx.commit().await?;

    etat.lues += lues;
    etat.importees += importees;
    etat.rejetees += nouvelles_rejetees;
    etat.derniere_ligne = derniere_ligne;
    rapport.lignes_lues_ici += lues;
    rapport.creees += ids_crees.len() as u64;
    let crees = match (ids_crees.iter().min(), ids_crees.iter().max()) {
        (Some(&premier), Some(&dernier)) if ctx.garder_crees => {
            let mut lignes: Vec<Option<super::LigneValide>> =
                lignes.into_iter().map(Some).collect();
            Some(Crees {
                premier,
                dernier,
                lignes: ids_crees
                    .iter()
                    .zip(&a_inserer)
                    .filter_map(|(&id, &i)| {
                        let l = lignes[i].take()?;
                        Some((id, l.org, l.verifie_le))
                    })
                    .collect(),
            })
        }
        _ => None,
    };
    rapport.mises_a_jour += a_mettre_a_jour.len() as u64;
    rapport.inchangees += inchangees;
    rapport.doublons_signales += doublons;
    rapport.avertissements += problemes.iter().filter(|p| !p.rejet).count() as u64;
    let place = PROBLEMES_MAX.saturating_sub(rapport.problemes.len());
    rapport.problemes.extend(problemes.into_iter().take(place));
    Ok(crees)
}

/// Closes the batch's report: says how many problems were not detailed.
pub(crate) async fn conclure(
    db: &Db,
    ctx: &Contexte,
    etat: &mut EtatLot,
) -> Result<(), ImportError> {
    if etat.non_detailles == 0 {
        return Ok(());
    }
    let mut tx = db.pool().begin().await?;
    if !import_rows::verrouiller_lot(&mut tx, ctx.lot_id, etat.derniere_ligne as i64).await? {
        return Err(ImportError::EnCoursAilleurs(ctx.lot_id));
    }
    let ligne = format!(
        "… et {} autre(s) problème(s), non détaillé(s) (le rapport garde les {RAPPORT_MAX_LIGNES} premiers)\n",
        etat.non_detailles
    );
    imports::progress(
        &mut tx,
        ctx.lot_id,
        etat.lues as i64,
        etat.importees as i64,
        etat.rejetees as i64,
        etat.derniere_ligne as i64,
        &ligne,
    )
    .await?;
    tx.commit().await?;
    etat.non_detailles = 0;
    Ok(())
}
