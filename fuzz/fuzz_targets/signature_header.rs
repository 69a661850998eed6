//! Fuzz target `signature_header`: see `webhook_guard_fuzz::check_signature_header`.
#![cfg_attr(all(feature = "libfuzzer", not(feature = "afl")), no_main)]

webhook_guard_fuzz::target!(
    "signature_header",
    webhook_guard_fuzz::check_signature_header
);
