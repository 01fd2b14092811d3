#![no_main]
// See fuzz/README.md; the target's logic and invariants live in crates/fuzz.
libfuzzer_sys::fuzz_target!(|data: &[u8]| alliances_fuzz::Cible::Kit.executer(data));
