//! Demonstration results: « L'ODD 17 en pratique » taken on behalf of a few hundred of the demo
//! organisations by a demonstration account, with plausible answers (each organisation has its
//! own maturity), so that a visitor who takes the kit for their organisation sees the peer
//! comparison. Also the answer generator of `alliances bench kits`.

use alliances_domain::kits::reponses::OuiNon;
use alliances_domain::kits::{Genre, Kit, Reponse, Reponses};
use alliances_store::{kits as store, users};

use super::{KitError, Sujet};
use crate::comptes::CurrentUser;
use crate::{now, App};

/// The account that "took" the demonstration results (it cannot log in).
pub const DEMO_EMAIL: &str = "demonstration-kits@alliances.localhost";
/// How many demo organisations get a result.
pub const DEMO_RESULTATS: i64 = 300;
/// The kit taken.
pub const DEMO_KIT: &str = "odd17-en-pratique";

/// A small deterministic generator (xorshift).
struct Alea(u64);

impl Alea {
    /// Seeds through splitmix64: small seeds give well-spread sequences.
    fn new(graine: u64) -> Self {
        let mut z = graine.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Alea((z ^ (z >> 31)) | 1)
    }
    fn suivant(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform in [0, 1).
    fn unite(&mut self) -> f64 {
        (self.suivant() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Complete answers of an organisation whose practice is `maturite` (0 to 1) of the best: each
/// answer is near that fraction of the question's scale, with some noise.
pub fn reponses_plausibles(kit: &Kit, graine: u64, maturite: f64) -> Reponses {
    let mut a = Alea::new(graine);
    let mut cible = || (maturite + (a.unite() - 0.5) * 0.5).clamp(0.0, 1.0);
    Reponses(
        kit.questions
            .iter()
            .map(|q| {
                let c = cible();
                Some(match &q.genre {
                    // A profile question: most organisations take the first answer (the
                    // gates of the kits are "yes, we do" first).
                    Genre::ChoixUnique { options, .. } if q.dim.is_none() => {
                        Reponse::Choix(if c > 0.2 { 0 } else { options.len() - 1 })
                    }
                    Genre::ChoixUnique { options, .. } => {
                        let max = options.iter().map(|o| o.points).max().unwrap_or(0).max(1);
                        let voulu = c * f64::from(max);
                        let i = (0..options.len())
                            .min_by(|&x, &y| {
                                (f64::from(options[x].points) - voulu)
                                    .abs()
                                    .total_cmp(&(f64::from(options[y].points) - voulu).abs())
                            })
                            .unwrap_or(0);
                        Reponse::Choix(i)
                    }
                    // The more mature, the more (and the better) options.
                    Genre::ChoixMultiple { options, .. } => {
                        let mut ordre: Vec<usize> = (0..options.len())
                            .filter(|i| !options[*i].exclusif)
                            .collect();
                        ordre.sort_by_key(|&i| std::cmp::Reverse(options[i].points));
                        let k = ((c * ordre.len() as f64).round() as usize)
                            .max(1)
                            .min(ordre.len());
                        let mut v: Vec<usize> = ordre.into_iter().take(k).collect();
                        v.sort_unstable();
                        if v.is_empty() {
                            Reponse::Multiple(vec![0])
                        } else {
                            Reponse::Multiple(v)
                        }
                    }
                    Genre::Echelle { .. } => Reponse::Echelle((1.0 + c * 4.0).round() as u8),
                    Genre::OuiNon { inverse } => Reponse::OuiNon(if (c >= 0.5) != *inverse {
                        OuiNon::Oui
                    } else {
                        OuiNon::Non
                    }),
                    Genre::Nombre {
                        min, max, paliers, ..
                    } => {
                        let haut = paliers.last().map(|p| p.0).unwrap_or(*max).min(*max);
                        Reponse::Nombre((min + c * (haut - min)).round())
                    }
                    Genre::Texte { .. } => Reponse::Texte("Réponse de démonstration".into()),
                })
            })
            .collect(),
    )
}

impl App {
    /// Loads the demonstration results once (none when the demo account already has some);
    /// returns how many were written.
    pub async fn charger_demo_kits(&self) -> Result<usize, KitError> {
        let user_id = match users::by_email(&self.db, DEMO_EMAIL).await? {
            Some(u) => u.id,
            None => {
                let mut tx = self.db.begin_write().await?;
                // "!" is no password hash: nobody logs in as this account.
                let id = users::insert(&mut tx, DEMO_EMAIL, "Démonstration", "!", now())
                    .await
                    .map_err(|e| crate::AppError::Internal(e.to_string()))?;
                tx.commit().await?;
                id
            }
        };
        if store::a_des_passations(&self.db, user_id).await? {
            return Ok(0);
        }
        let Some(kit) = self.kits().dernier(DEMO_KIT).cloned() else {
            return Ok(0);
        };
        let demo = CurrentUser {
            id: user_id,
            email: DEMO_EMAIL.into(),
            name: "Démonstration".into(),
            verified: true,
            roles: vec![],
        };
        let mut n = 0;
        for org in store::organisations_demo(&self.db, DEMO_RESULTATS).await? {
            let mut a = Alea::new(org as u64);
            let maturite = 0.15 + 0.7 * a.unite();
            let reponses = reponses_plausibles(&kit, org as u64, maturite);
            let json = serde_json::Value::Object(kit.reponses_json(&reponses)).to_string();
            let cle = self
                .inserer_passation(&demo, &kit, &Sujet::Organisation(org), None, &json)
                .await?;
            self.terminer_kit(&demo, &cle).await?;
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_answers_follow_the_maturity() {
        let c = crate::kits::Catalogue::embarques().unwrap();
        for kit in c.derniers() {
            let bas = kit.noter(&reponses_plausibles(kit, 7, 0.1)).global.unwrap();
            let haut = kit.noter(&reponses_plausibles(kit, 7, 0.9)).global.unwrap();
            assert!(bas < 35.0 && haut > 65.0, "{}: {bas} → {haut}", kit.id);
        }
    }
}
