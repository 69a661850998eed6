//! The `webhook-guard` command.
fn main() {}
