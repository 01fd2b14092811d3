//! The bounded fuzzing run of the test suite (stable Rust): every target on its seeds, its past
//! failures, then random mutations for `ALLIANCES_FUZZ_SECONDES` seconds each (default 4).
//! Coverage-guided runs: `fuzz/README.md`.

use std::path::Path;
use std::time::Duration;

use alliances_fuzz::mutation;
use alliances_fuzz::Cible;

#[test]
fn every_target_survives_its_seeds_regressions_and_mutations() {
    let racine = Path::new(env!("CARGO_MANIFEST_DIR"));
    let secondes: u64 = std::env::var("ALLIANCES_FUZZ_SECONDES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let graine: u64 = std::env::var("ALLIANCES_FUZZ_GRAINE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let echecs = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-echecs");
    // Panics are caught and reported with their input; keep the output readable.
    std::panic::set_hook(Box::new(|_| {}));
    let mut erreurs = Vec::new();
    for cible in Cible::TOUTES {
        match mutation::executer(
            racine,
            cible,
            Duration::from_secs(secondes),
            graine,
            &echecs,
        ) {
            Ok(b) => {
                eprintln!(
                    "{}: {} executions ({} seeds, {} regressions)",
                    cible.nom(),
                    b.executions,
                    b.graines,
                    b.regressions
                );
                assert!(b.graines > 0, "{} has seeds", cible.nom());
            }
            Err(e) => erreurs.push(format!(
                "{}: {} — input kept in {} (copy it into crates/fuzz/regressions/{}/ once fixed)",
                e.cible,
                e.message,
                e.fichier.display(),
                e.cible
            )),
        }
    }
    let _ = std::panic::take_hook();
    assert!(erreurs.is_empty(), "{}", erreurs.join("\n"));
}
