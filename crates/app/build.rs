//! Embeds every kit definition of `kits/` (see kits/README.md) in the binary: writes
//! `$OUT_DIR/kits_embarques.rs`, a list of `(relative path, text)`.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let racine = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kits");
    println!("cargo:rerun-if-changed={}", racine.display());
    let mut fichiers = Vec::new();
    if let Ok(dossiers) = std::fs::read_dir(&racine) {
        for d in dossiers.flatten() {
            if !d.path().is_dir() {
                continue;
            }
            println!("cargo:rerun-if-changed={}", d.path().display());
            for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
                if f.path().extension().is_some_and(|e| e == "toml") {
                    println!("cargo:rerun-if-changed={}", f.path().display());
                    let relatif = format!(
                        "{}/{}",
                        d.file_name().to_string_lossy(),
                        f.file_name().to_string_lossy()
                    );
                    fichiers.push((relatif, f.path().canonicalize().expect("kit path")));
                }
            }
        }
    }
    fichiers.sort();
    let mut code = String::from("pub(crate) const KITS_EMBARQUES: &[(&str, &str)] = &[\n");
    for (relatif, chemin) in &fichiers {
        writeln!(
            code,
            "    ({relatif:?}, include_str!({:?})),",
            chemin.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("kits_embarques.rs");
    std::fs::write(out, code).unwrap();
}
