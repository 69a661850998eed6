//! Fuzz target `verify`: see `webhook_guard_fuzz::check_verify`.
#![cfg_attr(all(feature = "libfuzzer", not(feature = "afl")), no_main)]

webhook_guard_fuzz::target!("verify", webhook_guard_fuzz::check_verify);
