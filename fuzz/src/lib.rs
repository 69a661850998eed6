//! Fuzz targets for webhook-guard: the checks (`checks.rs`, shared with the main crate's
//! `tests/fuzz_corpus.rs`) and a plain driver for stable without a fuzzer (`driver.rs`).

mod checks;
pub mod driver;

pub use checks::*;

/// Defines a target's `main` for each way of running it: `afl` (cargo-afl), `libfuzzer`
/// (cargo-fuzz, with `#![cfg_attr(feature = "libfuzzer", no_main)]` in the target), or the
/// plain driver.
#[macro_export]
macro_rules! target {
    ($name:literal, $check:path) => {
        #[cfg(feature = "afl")]
        fn main() {
            afl::fuzz!(|data: &[u8]| $check(data));
        }

        #[cfg(all(feature = "libfuzzer", not(feature = "afl")))]
        libfuzzer_sys::fuzz_target!(|data: &[u8]| $check(data));

        #[cfg(not(any(feature = "afl", feature = "libfuzzer")))]
        fn main() {
            $crate::driver::main($name, $check);
        }
    };
}
