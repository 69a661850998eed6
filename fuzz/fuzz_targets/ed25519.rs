//! Fuzz target `ed25519`: see `webhook_guard_fuzz::check_ed25519`.
#![cfg_attr(all(feature = "libfuzzer", not(feature = "afl")), no_main)]

webhook_guard_fuzz::target!("ed25519", webhook_guard_fuzz::check_ed25519);
