//! Replays every fuzz target over its corpus (`fuzz/corpus/<target>/`: the seeds, and every
//! input a fuzzer once broke an invariant with, kept after the fix) as a regular test, so a
//! regression shows up in `cargo test` without a fuzzer. The checks are the fuzz crate's own,
//! included from `fuzz/src/checks.rs`.

#[allow(dead_code, unreachable_pub)]
#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

#[test]
fn every_fuzz_target_holds_on_its_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = 0;
    for target in checks::TARGETS {
        let dir = root.join(target.name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{} has no seed", dir.display());
        for file in files {
            let data = std::fs::read(&file).unwrap();
            if std::panic::catch_unwind(|| (target.check)(&data)).is_err() {
                panic!("{}: {} breaks an invariant", target.name, file.display());
            }
            replayed += 1;
        }
    }
    eprintln!("{replayed} corpus files replayed");
}

/// The committed seeds are what `seeds()` writes (`cargo run --manifest-path fuzz/Cargo.toml
/// --bin seed_corpus`): a change of the samples or the signer shows up here.
#[test]
fn the_seed_corpus_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, name, bytes) in checks::seeds() {
        let file = root.join(target).join(&name);
        let on_disk = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            on_disk == bytes,
            "{} is stale: run the seed_corpus binary of fuzz/",
            file.display()
        );
    }
}
