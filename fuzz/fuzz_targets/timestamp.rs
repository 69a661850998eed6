//! Fuzz target `timestamp`: see `webhook_guard_fuzz::check_timestamp`.
#![cfg_attr(all(feature = "libfuzzer", not(feature = "afl")), no_main)]

webhook_guard_fuzz::target!("timestamp", webhook_guard_fuzz::check_timestamp);
