//! A small mutational fuzzer for stable Rust: no coverage feedback, so it is the short, bounded
//! companion of the libFuzzer targets — every seed and past failure runs first, then random
//! mutations of them (bit flips, interesting bytes, insertions and deletions of ranges, copies
//! within an input, splices of two seeds) for a time budget. Deterministic for a given seed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Cible;

/// xorshift64*: reproducible and good enough to choose mutations.
pub struct Alea(u64);

impl Alea {
    pub fn new(graine: u64) -> Self {
        Alea(graine.max(1))
    }
    pub fn suivant(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn sous(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.suivant() % n as u64) as usize
        }
    }
}

/// Bytes that tend to matter to CSV, TOML, JSON and query-string readers.
const INTERESSANTS: &[u8] = &[
    0, b'\n', b'\r', b'"', b';', b',', b'\t', b'|', b'=', b'&', b'%', b'[', b']', b'{', b'}', b':',
    b'#', b'\\', b'-', b'.', b'0', b'9', b'W', 0x7f, 0x80, 0xc3, 0xa9, 0xe9, 0xef, 0xbb, 0xbf,
    0xff,
];

/// One random mutation of `entree`, possibly splicing `autre` in.
pub fn muter(alea: &mut Alea, entree: &mut Vec<u8>, autre: &[u8], taille_max: usize) {
    let n = entree.len();
    match alea.sous(8) {
        0 if n > 0 => {
            let i = alea.sous(n);
            entree[i] ^= 1 << alea.sous(8);
        }
        1 if n > 0 => {
            let i = alea.sous(n);
            entree[i] = INTERESSANTS[alea.sous(INTERESSANTS.len())];
        }
        2 => {
            let i = alea.sous(n + 1);
            let k = 1 + alea.sous(8);
            for _ in 0..k {
                entree.insert(i, INTERESSANTS[alea.sous(INTERESSANTS.len())]);
            }
        }
        3 if n > 0 => {
            let i = alea.sous(n);
            let k = 1 + alea.sous((n - i).min(64));
            entree.drain(i..i + k);
        }
        4 if n > 0 => {
            // Copy a range of the input elsewhere in it (repeats lines, fields, quotes).
            let i = alea.sous(n);
            let k = 1 + alea.sous((n - i).min(256));
            let morceau = entree[i..i + k].to_vec();
            let j = alea.sous(n + 1);
            entree.splice(j..j, morceau);
        }
        5 if !autre.is_empty() => {
            // Splice: our start, the other's end.
            let i = alea.sous(n + 1);
            let j = alea.sous(autre.len());
            entree.truncate(i);
            entree.extend_from_slice(&autre[j..]);
        }
        6 if n > 0 => {
            // A number made large, negative or odd.
            let i = alea.sous(n);
            let remplacement: &[u8] = match alea.sous(5) {
                0 => b"99999999999999999999",
                1 => b"-1",
                2 => b"1e308",
                3 => b"NaN",
                _ => b"0.0000001",
            };
            entree.splice(i..i, remplacement.iter().copied());
        }
        _ => {
            let i = alea.sous(n + 1);
            entree.insert(i, alea.suivant() as u8);
        }
    }
    entree.truncate(taille_max);
}

/// What a bounded run did.
#[derive(Debug, Default)]
pub struct Bilan {
    pub executions: u64,
    pub graines: usize,
    pub regressions: usize,
}

/// A failing input, written where it can be replayed and kept as a regression.
#[derive(Debug)]
pub struct Echec {
    pub cible: &'static str,
    pub fichier: PathBuf,
    pub message: String,
}

fn fichiers(dossier: &Path) -> Vec<Vec<u8>> {
    let Ok(entrees) = std::fs::read_dir(dossier) else {
        return Vec::new();
    };
    let mut chemins: Vec<PathBuf> = entrees
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    chemins.sort();
    chemins
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

fn essayer(cible: Cible, data: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| cible.executer(data))).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".to_string())
    })
}

/// Runs `cible` on its seeds (`racine/corpus/<nom>/`), its past failures
/// (`racine/regressions/<nom>/`), then mutations for `duree`. A failing input is written to
/// `echecs/<nom>-<n>` and returned.
pub fn executer(
    racine: &Path,
    cible: Cible,
    duree: Duration,
    graine: u64,
    echecs: &Path,
) -> Result<Bilan, Echec> {
    let graines = fichiers(&racine.join("corpus").join(cible.nom()));
    let regressions = fichiers(&racine.join("regressions").join(cible.nom()));
    let mut bilan = Bilan {
        graines: graines.len(),
        regressions: regressions.len(),
        ..Bilan::default()
    };
    let echec = |data: &[u8], message: String| {
        let _ = std::fs::create_dir_all(echecs);
        let fichier = echecs.join(format!("{}-{:016x}", cible.nom(), empreinte(data)));
        let _ = std::fs::write(&fichier, data);
        Echec {
            cible: cible.nom(),
            fichier,
            message,
        }
    };
    for data in regressions.iter().chain(&graines) {
        bilan.executions += 1;
        essayer(cible, data).map_err(|m| echec(data, m))?;
    }
    let base: Vec<Vec<u8>> = if graines.is_empty() {
        vec![Vec::new()]
    } else {
        graines
    };
    let taille_max = base.iter().map(Vec::len).max().unwrap_or(0).max(64) * 2;
    let mut alea = Alea::new(graine);
    let debut = Instant::now();
    while debut.elapsed() < duree {
        let mut entree = base[alea.sous(base.len())].clone();
        let autre = &base[alea.sous(base.len())];
        for _ in 0..1 + alea.sous(6) {
            muter(&mut alea, &mut entree, autre, taille_max);
        }
        bilan.executions += 1;
        essayer(cible, &entree).map_err(|m| echec(&entree, m))?;
    }
    Ok(bilan)
}

/// FNV-1a, to name failure files.
fn empreinte(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_within_the_size_limit_and_vary() {
        let mut alea = Alea::new(7);
        let mut vus = std::collections::HashSet::new();
        for _ in 0..500 {
            let mut e = b"id;titre\nW123456789;Les amis\n".to_vec();
            muter(&mut alea, &mut e, b"autre;chose\n", 64);
            assert!(e.len() <= 64);
            vus.insert(e);
        }
        assert!(vus.len() > 200, "mutations vary: {}", vus.len());
    }
}
