//! The providers the command knows from the library's catalog
//! (`webhook_guard::testing::catalog`): every route the example receivers mount beyond the
//! first 17 of `providers.rs`. The catalog signs their deliveries (its demo keys when no
//! variable or flag gives one), so the command and the receivers agree by construction.

use webhook_guard::testing::catalog::{self, DemoRequest, Env, Provider, Sample};

use crate::providers::NAMES;

/// The catalog's entry called `name`, when the command's own table does not know it.
pub fn entry(name: &str) -> Option<Provider> {
    if NAMES.contains(&name) {
        return None;
    }
    catalog::find(name)
}

/// The environment the entry reads its keys from, with `--secret` over it, and the public base
/// URL the URL-signing schemes sign.
pub fn env(provider: &Provider, public_url: &str, secret: Option<&str>) -> Env {
    let env = Env::from_process(public_url);
    match secret {
        Some(secret) => env.with_var(provider.secret_var(), secret),
        None => env,
    }
}

/// A signed delivery of the entry: its sample (or `body`), at `now`, with `id`.
pub fn request(
    provider: &Provider,
    env: &Env,
    event_type: &str,
    id: &str,
    now: i64,
    body: Option<&str>,
) -> Result<DemoRequest, String> {
    let sample = Sample {
        body,
        ..Sample::new(event_type, id, now)
    };
    provider.request(env, &sample)
}

/// A fresh delivery id: unique per call, in the shape most providers use (a UUID's).
pub fn new_id(unique: u128) -> String {
    let hex = format!("{unique:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::all_names;

    #[test]
    fn the_command_knows_every_catalog_route_once() {
        let names = all_names();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            names.len(),
            "a name in both tables: {names:?}"
        );
        for provider in catalog::providers() {
            assert!(names.contains(&provider.name), "{}", provider.name);
        }
    }

    /// Every catalog entry's delivery, signed as the command signs it, verifies with the
    /// verifier the receivers build from the same environment.
    #[test]
    fn every_catalog_delivery_verifies_as_the_receivers_verify_it() {
        let now = webhook_guard::time::parse_rfc3339(b"2026-12-06T10:00:00Z").unwrap();
        let base = "http://127.0.0.1:3000";
        for provider in catalog::providers() {
            let env = Env::from_pairs(Vec::<(String, String)>::new(), base);
            let id = new_id(1_765_000_000_123_456_789);
            let request = request(&provider, &env, provider.default_type, &id, now, None)
                .unwrap_or_else(|e| panic!("{}: {e}", provider.name));
            let verifier = (provider.verifier)(&provider, &env).unwrap();
            verifier
                .verify_target(
                    &request.headers,
                    &request.path_and_query,
                    request.body.clone().into(),
                    verifier.secrets(),
                    now,
                )
                .unwrap_or_else(|e| panic!("{}: {e}", provider.name));
        }
    }

    #[test]
    fn ids_are_uuid_shaped_and_unique() {
        assert_eq!(new_id(1), "00000000-0000-0000-0000-000000000001");
        assert_ne!(new_id(1), new_id(2));
    }
}
