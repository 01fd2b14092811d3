//! The list of public alliances, in memory: each alliance's territories are expanded to their
//! ancestors at build time, so that "in this département" includes alliances acting in its
//! communes or EPCI with one posting-list lookup; the other filters are checked on the short
//! list (or on every alliance without a territory). Rebuilt from the database at start and when
//! the change feed reports an alliance change.

use std::collections::HashMap;

use alliances_domain::alliances::{Forme, Stade};
use alliances_domain::annuaire::{Lieu, TypePartenariat};
use alliances_domain::territoires::Referentiel;
use alliances_store::alliances::Fiche;

/// One alliance in the list.
#[derive(Debug, Clone)]
pub struct Resume {
    pub id: i64,
    pub nom: String,
    pub resume: String,
    pub territoires: Vec<Lieu>,
    pub odd: Vec<u8>,
    odd_masque: u32,
    types_masque: u32,
    pub forme: Forme,
    pub stade: Stade,
    pub demo: bool,
    pub modifie_le: i64,
}

/// Filters of the list (all optional; combined with AND).
#[derive(Debug, Clone, Default)]
pub struct Filtre {
    /// `niveau:code`: alliances acting in it or anywhere inside it.
    pub territoire: Option<String>,
    pub odd: Option<u8>,
    pub type_partenariat: Option<TypePartenariat>,
    pub forme: Option<Forme>,
    pub stade: Option<Stade>,
    /// Only alliances updated within a year of `now`.
    pub fraiches: bool,
    pub now: i64,
    pub limite: usize,
    /// Position of the first result (cursor of the API and pages).
    pub decalage: usize,
}

#[derive(Debug, Default)]
pub struct ListeAlliances {
    /// Most recently updated first.
    items: Vec<Resume>,
    par_terme: HashMap<String, Vec<u32>>,
}

const UN_AN: i64 = 365 * 86_400;

impl ListeAlliances {
    pub fn construire(fiches: &[Fiche], referentiel: &Referentiel) -> ListeAlliances {
        let mut items: Vec<Resume> = fiches
            .iter()
            .filter(|f| f.alliance.publique)
            .map(|f| {
                let a = &f.alliance;
                Resume {
                    id: f.id,
                    nom: a.nom.clone(),
                    resume: if a.resume.chars().count() > 300 {
                        format!("{}…", a.resume.chars().take(299).collect::<String>())
                    } else {
                        a.resume.clone()
                    },
                    territoires: a.territoires.clone(),
                    odd: a.odd.clone(),
                    odd_masque: a.odd.iter().fold(0, |m, o| m | (1 << o)),
                    types_masque: a
                        .types_partenariat
                        .iter()
                        .fold(0, |m, t| m | (1 << t.index())),
                    forme: a.forme,
                    stade: a.stade,
                    demo: f.demo,
                    modifie_le: f.modifie_le,
                }
            })
            .collect();
        items.sort_by(|a, b| b.modifie_le.cmp(&a.modifie_le).then(a.id.cmp(&b.id)));
        let mut par_terme: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, r) in items.iter().enumerate() {
            let mut termes: Vec<String> = Vec::new();
            for l in &r.territoires {
                termes.push(l.cle());
                if let Some(t) = referentiel.find(l.niveau, &l.code) {
                    for a in referentiel.ancestors(t) {
                        termes.push(format!("{}:{}", a.niveau.slug(), referentiel.code(a)));
                    }
                }
            }
            termes.sort();
            termes.dedup();
            for t in termes {
                par_terme.entry(t).or_default().push(i as u32);
            }
        }
        ListeAlliances { items, par_terme }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn garde(&self, r: &Resume, f: &Filtre) -> bool {
        f.odd.is_none_or(|o| r.odd_masque & (1 << o) != 0)
            && f.type_partenariat
                .is_none_or(|t| r.types_masque & (1 << t.index()) != 0)
            && f.forme.is_none_or(|x| r.forme == x)
            && f.stade.is_none_or(|x| r.stade == x)
            && (!f.fraiches || f.now - r.modifie_le <= UN_AN)
    }

    /// The matching alliances (most recently updated first): the total, then one page.
    pub fn chercher(&self, f: &Filtre) -> (usize, Vec<&Resume>) {
        let limite = f.limite.clamp(1, 100);
        let mut total = 0;
        let mut page = Vec::with_capacity(limite);
        let voir = |r: &Resume, total: &mut usize, page: &mut Vec<usize>, i: usize| {
            if self.garde(r, f) {
                if *total >= f.decalage && page.len() < limite {
                    page.push(i);
                }
                *total += 1;
            }
        };
        let mut indices = Vec::with_capacity(limite);
        match &f.territoire {
            Some(t) => {
                if let Some(liste) = self.par_terme.get(t) {
                    for &i in liste {
                        voir(
                            &self.items[i as usize],
                            &mut total,
                            &mut indices,
                            i as usize,
                        );
                    }
                }
            }
            None => {
                for (i, r) in self.items.iter().enumerate() {
                    voir(r, &mut total, &mut indices, i);
                }
            }
        }
        page.extend(indices.into_iter().map(|i| &self.items[i]));
        (total, page)
    }
}
