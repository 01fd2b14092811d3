//! The score: components computed once from the question and the candidate, then weighed.

use super::Proximite;
use crate::annuaire::Profil;

/// Weight of « their offers meet my needs » (the strong direction of complementarity).
pub const POIDS_BESOINS_COUVERTS: u32 = 30;
/// Weight of « my offers meet their needs » (the weaker direction).
pub const POIDS_OFFRES_UTILES: u32 = 10;
/// Weight of shared SDGs.
pub const POIDS_ODD: u32 = 15;
/// Weight of territorial proximity: partnerships are local first (a far candidate offering
/// everything I need scores below a near one offering it too).
pub const POIDS_PROXIMITE: u32 = 30;
/// Weight of the diversity of actor families.
pub const POIDS_DIVERSITE: u32 = 10;
/// Weight of the candidate's partnership maturity (ODD 17 kit).
pub const POIDS_MATURITE: u32 = 5;
/// A stale record keeps this percentage of its score.
pub const FACTEUR_PERIME: u32 = 80;
/// Points of shared SDGs that earn the whole SDG weight.
pub const ODD_PLAFOND: u32 = 4;
/// SDG points: primary on both sides.
pub const ODD_POINTS_PRINCIPAL_COMMUN: u32 = 3;
/// SDG points: primary on one side, secondary on the other.
pub const ODD_POINTS_PRINCIPAL_UN_COTE: u32 = 2;
/// SDG points: secondary on both sides.
pub const ODD_POINTS_SECONDAIRE_COMMUN: u32 = 1;
/// The best possible score, in hundredths of a point.
pub const SCORE_MAX: u32 = 100 * 100;

/// Families of actors: meeting another family is what multi-actor alliances are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Famille {
    /// Associations, foundations, citizen collectives.
    SocieteCivile,
    Entreprises,
    /// Local authorities, the State and public operators.
    Public,
    Recherche,
    Accompagnement,
    Syndicats,
    Medias,
}

impl Famille {
    pub fn de(p: Profil) -> Famille {
        match p {
            Profil::Association | Profil::Fondation | Profil::CollectifCitoyen => {
                Famille::SocieteCivile
            }
            Profil::Entreprise => Famille::Entreprises,
            Profil::Collectivite | Profil::EtatOperateur => Famille::Public,
            Profil::ActeurAcademique => Famille::Recherche,
            Profil::StructureAccompagnement => Famille::Accompagnement,
            Profil::Syndicat => Famille::Syndicats,
            Profil::Media => Famille::Medias,
        }
    }
}

/// What the question is about: the whole organisation, one of its needs, or one of its offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Organisation,
    Besoin,
    Offre,
}

/// SDGs as bit masks: bit `n - 1` for SDG `n`.
pub fn masque_odd(odd: impl IntoIterator<Item = u8>) -> u32 {
    odd.into_iter()
        .filter(|n| (1..=17).contains(n))
        .fold(0, |m, n| m | (1 << (n - 1)))
}

/// The SDG numbers of a mask, in order.
pub fn odd_du_masque(m: u32) -> Vec<u8> {
    (1..=17u8).filter(|n| m & (1 << (n - 1)) != 0).collect()
}

/// The side asking: its profile, SDGs, the kinds of resources it offers and needs (bit =
/// `NatureRessource::index`), what the question is about, the profiles it looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    pub profil: Profil,
    pub odd_principal: u32,
    pub odd_secondaires: u32,
    pub offres: u8,
    pub besoins: u8,
    pub focus: Focus,
    /// Profiles looked for (bit = `Profil::index`), 0 for « any ».
    pub profils_recherches: u16,
}

/// A candidate as matching reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidat {
    pub profil: Profil,
    pub odd_principal: u32,
    pub odd_secondaires: u32,
    pub offres: u8,
    pub besoins: u8,
    /// Latest « L'ODD 17 en pratique » score, 0–100.
    pub maturite: Option<u8>,
    /// Not verified for a year.
    pub perime: bool,
}

/// How the candidate's profile relates to the question's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diversite {
    /// A profile the user said they look for.
    Recherche,
    /// Another family of actors.
    AutreFamille,
    /// The same family, another profile.
    AutreProfil,
    MemeProfil,
}

impl Diversite {
    pub const fn part(self) -> u32 {
        match self {
            Diversite::Recherche | Diversite::AutreFamille => 100,
            Diversite::AutreProfil => 50,
            Diversite::MemeProfil => 0,
        }
    }
}

/// Everything the score and the explanation are made of, computed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Composantes {
    pub focus: Focus,
    /// My needs (kinds) that the candidate offers.
    pub besoins_couverts: u8,
    /// How many kinds I need.
    pub mes_besoins: u8,
    /// The candidate's needs (kinds) that I offer.
    pub offres_utiles: u8,
    /// How many kinds the candidate needs.
    pub leurs_besoins: u8,
    /// SDGs primary on both sides.
    pub odd_principal_commun: u32,
    /// SDGs primary on one side and secondary on the other.
    pub odd_principal_un_cote: u32,
    /// SDGs secondary on both sides.
    pub odd_secondaire_commun: u32,
    pub proximite: Proximite,
    pub diversite: Diversite,
    pub profil: Profil,
    pub maturite: Option<u8>,
    pub perime: bool,
}

/// The shares (0–100) the weights apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub besoins_couverts: u32,
    pub offres_utiles: u32,
    pub odd: u32,
    pub proximite: u32,
    pub diversite: u32,
    pub maturite: u32,
}

/// A share `k / n` in 0–100 (0 when `n` is 0), truncated.
pub const fn part_de(k: u32, n: u32) -> u32 {
    match (100 * k).checked_div(n) {
        Some(p) => p,
        None => 0,
    }
}

/// SDG share from the three kinds of shared SDGs.
pub const fn part_odd(
    principal_commun: u32,
    principal_un_cote: u32,
    secondaire_commun: u32,
) -> u32 {
    let points = ODD_POINTS_PRINCIPAL_COMMUN * principal_commun
        + ODD_POINTS_PRINCIPAL_UN_COTE * principal_un_cote
        + ODD_POINTS_SECONDAIRE_COMMUN * secondaire_commun;
    let p = if points > ODD_PLAFOND {
        ODD_PLAFOND
    } else {
        points
    };
    100 * p / ODD_PLAFOND
}

/// The diversity of a candidate's profile for a question.
pub fn diversite(question: Profil, recherches: u16, candidat: Profil) -> Diversite {
    if recherches & (1 << candidat.index()) != 0 {
        Diversite::Recherche
    } else if Famille::de(question) != Famille::de(candidat) {
        Diversite::AutreFamille
    } else if question != candidat {
        Diversite::AutreProfil
    } else {
        Diversite::MemeProfil
    }
}

/// The components of a candidate for a question, given their proximity.
pub fn composantes(q: &Question, c: &Candidat, proximite: Proximite) -> Composantes {
    let qp = q.odd_principal;
    let qs = q.odd_secondaires & !qp;
    let cp = c.odd_principal;
    let cs = c.odd_secondaires & !cp;
    Composantes {
        focus: q.focus,
        besoins_couverts: q.besoins & c.offres,
        mes_besoins: q.besoins.count_ones() as u8,
        offres_utiles: q.offres & c.besoins,
        leurs_besoins: c.besoins.count_ones() as u8,
        odd_principal_commun: qp & cp,
        odd_principal_un_cote: (qp & cs) | (qs & cp),
        odd_secondaire_commun: qs & cs,
        proximite,
        diversite: diversite(q.profil, q.profils_recherches, c.profil),
        profil: c.profil,
        maturite: c.maturite,
        perime: c.perime,
    }
}

impl Composantes {
    pub fn parts(&self) -> Parts {
        Parts {
            besoins_couverts: part_de(
                self.besoins_couverts.count_ones(),
                u32::from(self.mes_besoins),
            ),
            offres_utiles: part_de(
                self.offres_utiles.count_ones(),
                u32::from(self.leurs_besoins),
            ),
            odd: part_odd(
                self.odd_principal_commun.count_ones(),
                self.odd_principal_un_cote.count_ones(),
                self.odd_secondaire_commun.count_ones(),
            ),
            proximite: self.proximite.part(),
            diversite: self.diversite.part(),
            maturite: self.maturite.map_or(0, |m| u32::from(m.min(100))),
        }
    }

    /// The score in hundredths of a point (0–[`SCORE_MAX`]).
    pub fn score(&self) -> u32 {
        total(&self.parts(), self.focus, self.perime)
    }
}

/// The weighed sum of the shares, demoted when stale: the one place where weights apply.
pub const fn total(p: &Parts, focus: Focus, perime: bool) -> u32 {
    let (fort, faible) = match focus {
        Focus::Offre => (p.offres_utiles, p.besoins_couverts),
        Focus::Organisation | Focus::Besoin => (p.besoins_couverts, p.offres_utiles),
    };
    let s = POIDS_BESOINS_COUVERTS * fort
        + POIDS_OFFRES_UTILES * faible
        + POIDS_ODD * p.odd
        + POIDS_PROXIMITE * p.proximite
        + POIDS_DIVERSITE * p.diversite
        + POIDS_MATURITE * p.maturite;
    if perime {
        s * FACTEUR_PERIME / 100
    } else {
        s
    }
}

/// The best score a candidate with these resources could reach at this proximity at best,
/// whatever its SDGs, profile, maturity and freshness: what the index prunes with.
pub fn borne_superieure(q: &Question, offres: u8, besoins: u8, proximite_max: Proximite) -> u32 {
    let parts = Parts {
        besoins_couverts: part_de((q.besoins & offres).count_ones(), q.besoins.count_ones()),
        offres_utiles: part_de((q.offres & besoins).count_ones(), besoins.count_ones()),
        odd: 100,
        proximite: proximite_max.part(),
        diversite: 100,
        maturite: 100,
    };
    total(&parts, q.focus, false)
}

/// Bounds of one question, as lookup tables an index reads with a few bytes of a candidate:
/// [`Bornes::borne`] (its offers, needs and best possible proximity: equal to
/// [`borne_superieure`]) and [`Bornes::sans_fraicheur`] (every part exact: the score before
/// the demotion of stale records, never below the score). The weighed sum is linear, so the
/// parts add up.
#[derive(Debug, Clone)]
pub struct Bornes {
    par_offres: [u32; 256],
    par_besoins: [u32; 256],
    par_proximite: [u32; 6],
    par_profil: [u32; 16],
    odd_principal: u32,
    odd_secondaires: u32,
    max_reste: u32,
    max_besoins: u32,
}

impl Bornes {
    pub fn new(q: &Question) -> Bornes {
        let zero = Parts {
            besoins_couverts: 0,
            offres_utiles: 0,
            odd: 0,
            proximite: 0,
            diversite: 0,
            maturite: 0,
        };
        let poids = |p: Parts| total(&p, q.focus, false);
        let mut b = Bornes {
            par_offres: [0; 256],
            par_besoins: [0; 256],
            par_proximite: [0; 6],
            par_profil: [0; 16],
            odd_principal: q.odd_principal,
            odd_secondaires: q.odd_secondaires & !q.odd_principal,
            max_reste: poids(Parts {
                odd: 100,
                diversite: 100,
                maturite: 100,
                ..zero
            }),
            max_besoins: 0,
        };
        for m in 0..256usize {
            let masque = m as u8;
            b.par_offres[m] = poids(Parts {
                besoins_couverts: part_de(
                    (q.besoins & masque).count_ones(),
                    q.besoins.count_ones(),
                ),
                ..zero
            });
            b.par_besoins[m] = poids(Parts {
                offres_utiles: part_de((q.offres & masque).count_ones(), masque.count_ones()),
                ..zero
            });
        }
        b.max_besoins = b.par_besoins.iter().copied().max().unwrap_or(0);
        for p in Proximite::ALL {
            b.par_proximite[p.rang() as usize] = poids(Parts {
                proximite: p.part(),
                ..zero
            });
        }
        for p in Profil::ALL {
            b.par_profil[p.index()] = poids(Parts {
                diversite: diversite(q.profil, q.profils_recherches, *p).part(),
                ..zero
            });
        }
        b
    }

    /// The bound of a candidate with these resources, at this proximity at best.
    #[inline]
    pub fn borne(&self, offres: u8, besoins: u8, proximite_max: Proximite) -> u32 {
        self.par_offres[offres as usize]
            + self.par_besoins[besoins as usize]
            + self.par_proximite[proximite_max.rang() as usize]
            + self.max_reste
    }

    /// The bound of any candidate of a group whose offers all lie within `offres_union` (the
    /// offers part only grows with the mask), whose profile is in `profils` (bit =
    /// `Profil::index`) and maturity at most `maturite_max` (0–100, unknown counting 0), at
    /// this proximity at best.
    #[inline]
    pub fn borne_groupe(
        &self,
        offres_union: u8,
        profils: u16,
        maturite_max: u32,
        proximite_max: Proximite,
    ) -> u32 {
        let mut diversite = 0;
        let mut m = profils & 0x3ff;
        while m != 0 {
            diversite = diversite.max(self.par_profil[m.trailing_zeros() as usize]);
            m &= m - 1;
        }
        self.par_offres[offres_union as usize]
            + self.max_besoins
            + self.par_proximite[proximite_max.rang() as usize]
            + POIDS_ODD * 100
            + diversite
            + POIDS_MATURITE * maturite_max.min(100)
    }

    /// The bound of a candidate from everything but its SDGs (counted as all shared), at this
    /// proximity at best (`profil`: its `Profil::index`; `maturite`: 0–100, 0 when unknown).
    #[inline]
    pub fn borne_sans_odd(
        &self,
        offres: u8,
        besoins: u8,
        profil: usize,
        maturite: u32,
        proximite_max: Proximite,
    ) -> u32 {
        self.par_offres[offres as usize]
            + self.par_besoins[besoins as usize]
            + self.par_proximite[proximite_max.rang() as usize]
            + self.par_profil[profil & 15]
            + POIDS_ODD * 100
            + POIDS_MATURITE * maturite.min(100)
    }

    /// The score of a candidate before any demotion for staleness (`profil`: its
    /// `Profil::index`; `maturite`: 0–100, 0 when unknown).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn sans_fraicheur(
        &self,
        offres: u8,
        besoins: u8,
        odd_principal: u32,
        odd_secondaires: u32,
        profil: usize,
        maturite: u32,
        proximite: Proximite,
    ) -> u32 {
        let cp = odd_principal;
        let cs = odd_secondaires & !cp;
        let odd = part_odd(
            (self.odd_principal & cp).count_ones(),
            ((self.odd_principal & cs) | (self.odd_secondaires & cp)).count_ones(),
            (self.odd_secondaires & cs).count_ones(),
        );
        self.par_offres[offres as usize]
            + self.par_besoins[besoins as usize]
            + self.par_proximite[proximite.rang() as usize]
            + self.par_profil[profil & 15]
            + POIDS_ODD * odd
            + POIDS_MATURITE * maturite.min(100)
    }
}
