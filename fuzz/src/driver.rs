//! A plain driver for a target on stable, without a fuzzer: replays files, then, if asked,
//! runs deterministic random mutations of them (no coverage guidance: a smoke test, not a
//! substitute for `cargo afl fuzz`).
//!
//! ```text
//! cargo run --release --manifest-path fuzz/Cargo.toml --bin verify -- [--seconds S] [--runs N] [--seed X] [PATH...]
//! ```
//!
//! PATHs are files or folders (default `fuzz/corpus/<target>`). An input that breaks an
//! invariant is written to `fuzz/corpus-out/<target>/crash-<n>` and the driver exits with 1.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs `check` as described in the module docs.
pub fn main(name: &str, check: fn(&[u8])) {
    let mut paths = Vec::new();
    let (mut seconds, mut runs, mut seed) = (None, 0u64, 0x5eed_u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = || {
            args.next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{arg} takes a number"))
        };
        match arg.as_str() {
            "--seconds" => seconds = Some(Duration::from_secs(number())),
            "--runs" => runs = number(),
            "--seed" => seed = number(),
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    if paths.is_empty() {
        paths.push(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("corpus")
                .join(name),
        );
    }
    let mut inputs = Vec::new();
    for path in &paths {
        collect(path, &mut inputs);
    }
    let started = Instant::now();
    for (path, data) in &inputs {
        run(name, check, data, &format!("{}", path.display()));
    }
    let replayed = inputs.len() as u64;
    if inputs.is_empty() {
        inputs.push((PathBuf::new(), Vec::new()));
    }
    let mut rng = Rng(seed | 1);
    let mut executed = 0u64;
    let deadline = seconds.map(|s| started + s);
    while executed < runs || deadline.is_some_and(|d| Instant::now() < d) {
        let base = &inputs[rng.below(inputs.len())].1;
        let other = &inputs[rng.below(inputs.len())].1;
        let data = mutate(&mut rng, base, other);
        run(name, check, &data, "a mutation");
        executed += 1;
    }
    println!(
        "{name}: {replayed} files replayed, {executed} mutations run in {:.1?}, no invariant broken",
        started.elapsed()
    );
}

fn collect(path: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for entry in entries {
            collect(&entry, out);
        }
    } else if let Ok(data) = std::fs::read(path) {
        out.push((path.to_owned(), data));
    }
}

fn run(name: &str, check: fn(&[u8]), data: &[u8], what: &str) {
    if std::panic::catch_unwind(|| check(data)).is_err() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus-out")
            .join(name);
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join(format!("crash-{:016x}", fnv(data)));
        let _ = std::fs::write(&file, data);
        eprintln!(
            "{name}: {what} broke an invariant; input saved to {}",
            file.display()
        );
        std::process::exit(1);
    }
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A few random byte-level edits, the kind a fuzzer's havoc stage makes.
fn mutate(rng: &mut Rng, base: &[u8], other: &[u8]) -> Vec<u8> {
    const INTERESTING: &[&[u8]] = &[
        b",",
        b" ",
        b"=",
        b"\"",
        b"\\u0000",
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b"\n",
        b"\n\n",
        b"-",
        b"9223372036854775808",
        b"sha256=",
        b"t=",
        b"v1,",
        b"v1=",
        b"Z",
        b"+23:59",
        b".5",
    ];
    let mut data = base.to_vec();
    for _ in 0..=rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(7) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] = rng.next() as u8;
            }
            2 if !data.is_empty() => {
                let end = (at + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            3 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                data.splice(at..at, piece.iter().copied());
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let to = (from + rng.below(64)).min(other.len());
                data.splice(at..at, other[from..to].iter().copied());
            }
            5 => data.truncate(at),
            _ => {
                let piece: Vec<u8> = (0..rng.below(8)).map(|_| rng.next() as u8).collect();
                data.splice(at..at, piece);
            }
        }
    }
    data
}
