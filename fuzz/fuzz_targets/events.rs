//! Fuzz target `events`: see `webhook_guard_fuzz::check_events`.
#![cfg_attr(all(feature = "libfuzzer", not(feature = "afl")), no_main)]

webhook_guard_fuzz::target!("events", webhook_guard_fuzz::check_events);
