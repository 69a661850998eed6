//! The routes of the providers added with issue 19 (Shopify, Twilio, Square, Paddle, Linear,
//! Zoom, Dropbox, Discord, SendGrid, PayPal), built once for both receivers: each route's path, its guard
//! (sharing the receivers' replay store) and whether it takes GET as well as POST (Dropbox's
//! challenge).
//!
//! | route | environment | demo value when unset |
//! |---|---|---|
//! | `/webhooks/shopify` | `SHOPIFY_WEBHOOK_SECRET` | [`DEMO_SHOPIFY_SECRET`] |
//! | `/webhooks/twilio` | `TWILIO_AUTH_TOKEN` (+ `PUBLIC_BASE_URL`) | [`DEMO_TWILIO_TOKEN`] |
//! | `/webhooks/square` | `SQUARE_SIGNATURE_KEY` (+ `PUBLIC_BASE_URL`) | [`DEMO_SQUARE_KEY`] |
//! | `/webhooks/paddle` | `PADDLE_WEBHOOK_SECRET` | [`DEMO_PADDLE_SECRET`] |
//! | `/webhooks/linear` | `LINEAR_WEBHOOK_SECRET` | [`DEMO_LINEAR_SECRET`] |
//! | `/webhooks/zoom` | `ZOOM_WEBHOOK_SECRET_TOKEN` | [`DEMO_ZOOM_SECRET`] |
//! | `/webhooks/dropbox` | `DROPBOX_APP_SECRET` | [`DEMO_DROPBOX_SECRET`] |
//! | `/webhooks/discord` | `DISCORD_PUBLIC_KEY` (hex) | the key of [`DEMO_DISCORD_SEED`] |
//! | `/webhooks/sendgrid` | `SENDGRID_WEBHOOK_PUBLIC_KEY` (base64 DER) | the key of [`DEMO_SENDGRID_SECRET`] |
//! | `/webhooks/standard` (`v1a` too) | `STANDARD_WEBHOOKS_PUBLIC_KEY` (`whpk_<base64>`) | the key of [`DEMO_STANDARD_WEBHOOKS_SEED`] |
//! | `/webhooks/paypal` | `PAYPAL_WEBHOOK_ID`, `PAYPAL_CERT_PEM` (a path) | [`DEMO_PAYPAL_WEBHOOK_ID`], `demo/paypal-demo-cert.pem` |
//!
//! URL-signing schemes (Twilio, Square) sign the URL the provider calls: its base comes from
//! `PUBLIC_BASE_URL` (default `http://127.0.0.1:$PORT`), never from the request's `Host`.
//! Handshakes (Zoom's URL validation, Dropbox's challenge, Discord's PING) are answered by the
//! layer: they print no stdout line, since no handler runs.

use webhook_guard::signature::{Encoding, SecretSet};
use webhook_guard::testing::catalog::{self, Env};
use webhook_guard::{Guard, PublicKey, Scheme, Secret, Verifier};

// The demo values, one source with the `webhook-guard` command.
pub use webhook_guard::testing::demo::{
    DEMO_DISCORD_SEED, DEMO_DROPBOX_SECRET, DEMO_LINEAR_SECRET, DEMO_PADDLE_SECRET,
    DEMO_PAYPAL_WEBHOOK_ID, DEMO_SENDGRID_SECRET, DEMO_SHOPIFY_SECRET, DEMO_SQUARE_KEY,
    DEMO_STANDARD_WEBHOOKS_SEED, DEMO_TWILIO_TOKEN, DEMO_ZOOM_SECRET,
};
/// The demo PayPal certificate (its private key is `demo/paypal-demo-key.pem`).
const DEMO_PAYPAL_CERT: &str = include_str!("demo/paypal-demo-cert.pem");

/// The Ed25519 public key of a demo seed written in hex.
fn demo_ed25519_key(seed_hex: &str) -> ed25519_dalek::VerifyingKey {
    let seed: [u8; 32] = Encoding::Hex
        .decode(seed_hex.as_bytes())
        .and_then(|seed| seed.try_into().ok())
        .expect("a 32-byte seed");
    ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key()
}

/// `/webhooks/standard`: the secret for `v1` entries and `STANDARD_WEBHOOKS_PUBLIC_KEY`
/// (`whpk_<base64>`) for `v1a` ones, both accepted.
pub fn standard_webhooks(secret: Secret) -> Guard {
    let demo = format!(
        "whpk_{}",
        Encoding::Base64.encode(demo_ed25519_key(DEMO_STANDARD_WEBHOOKS_SEED).as_bytes())
    );
    let key = env_or("STANDARD_WEBHOOKS_PUBLIC_KEY", &demo);
    let key = PublicKey::ed25519_whpk(&key)
        .unwrap_or_else(|e| panic!("STANDARD_WEBHOOKS_PUBLIC_KEY: {e}"));
    let keys = SecretSet::new([secret]).with_public_keys([key]);
    Guard::new(Verifier::with_secret_set(Scheme::standard_webhooks(), keys))
}

/// One provider's route.
pub struct ProviderRoute {
    pub path: String,
    pub guard: Guard,
    /// Also routes GET (Dropbox's `?challenge=`).
    pub any_method: bool,
}

fn env_or(var: &str, demo: &str) -> String {
    match std::env::var(var).ok().filter(|v| !v.is_empty()) {
        Some(value) => value,
        None => {
            eprintln!("{var} is not set: using the demo value {demo:?}");
            demo.to_owned()
        }
    }
}

/// `PUBLIC_BASE_URL`, default `http://127.0.0.1:$PORT`.
pub fn public_base_url() -> String {
    std::env::var("PUBLIC_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| format!("http://{}", super::listen_addr()))
}

/// The providers' routes, their guards sharing `shared`'s replay store (and, in inbox mode,
/// storing into `inbox`).
pub fn routes(shared: &Guard, inbox: Option<&super::inbox::AnyInbox>) -> Vec<ProviderRoute> {
    // None in inbox mode (the inbox's unique key deduplicates; `Guard::inbox` drops the store).
    let store = shared.replay_store().cloned();
    let base = public_base_url();
    // Every route's guard: the shared store inline, the inbox in inbox mode.
    let guard = |verifier: Verifier| {
        let guard = match &store {
            Some(store) => Guard::new(verifier).shared_store(store.clone()),
            None => Guard::new(verifier),
        };
        match inbox {
            Some(inbox) => inbox.guard(guard),
            None => guard,
        }
    };
    let route = |path: &'static str, scheme: Scheme, var: &str, demo: &str| {
        let secret = scheme
            .secret(env_or(var, demo))
            .unwrap_or_else(|e| panic!("{var}: {e}"));
        let verifier = Verifier::new(scheme, [secret]).public_url(&base);
        ProviderRoute {
            path: path.to_owned(),
            guard: guard(verifier),
            any_method: path == "/webhooks/dropbox",
        }
    };
    let demo_key = Encoding::Hex.encode(demo_ed25519_key(DEMO_DISCORD_SEED).as_bytes());
    let discord_key = env_or("DISCORD_PUBLIC_KEY", &demo_key);
    let discord_key =
        PublicKey::ed25519_hex(&discord_key).unwrap_or_else(|e| panic!("DISCORD_PUBLIC_KEY: {e}"));
    let discord =
        Verifier::with_secret_set(Scheme::discord(), SecretSet::public_keys([discord_key]));

    let demo_sendgrid = {
        use p256::pkcs8::EncodePublicKey;
        let scalar: [u8; 32] = webhook_guard::signature::Encoding::Hex
            .decode(DEMO_SENDGRID_SECRET.as_bytes())
            .and_then(|s| s.try_into().ok())
            .expect("a 32-byte scalar");
        let signing = p256::ecdsa::SigningKey::from_bytes(&scalar.into()).expect("a scalar");
        let der = signing.verifying_key().to_public_key_der().expect("a key");
        webhook_guard::signature::Encoding::Base64.encode(der.as_bytes())
    };
    let sendgrid_key = env_or("SENDGRID_WEBHOOK_PUBLIC_KEY", &demo_sendgrid);
    let sendgrid_key = PublicKey::p256_base64_der(&sendgrid_key)
        .unwrap_or_else(|e| panic!("SENDGRID_WEBHOOK_PUBLIC_KEY: {e}"));
    let sendgrid =
        Verifier::with_secret_set(Scheme::sendgrid(), SecretSet::public_keys([sendgrid_key]));

    let paypal_cert = match std::env::var("PAYPAL_CERT_PEM")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(path) => {
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("PAYPAL_CERT_PEM {path}: {e}"))
        }
        None => {
            eprintln!("PAYPAL_CERT_PEM is not set: using the demo certificate");
            DEMO_PAYPAL_CERT.to_owned()
        }
    };
    let paypal_key = PublicKey::rsa_certificate_pem(&paypal_cert)
        .unwrap_or_else(|e| panic!("PAYPAL_CERT_PEM: {e}"));
    let paypal = Verifier::with_secret_set(
        Scheme::paypal(env_or("PAYPAL_WEBHOOK_ID", DEMO_PAYPAL_WEBHOOK_ID)),
        SecretSet::public_keys([paypal_key]),
    );
    let public_key_route = |path: &'static str, verifier: Verifier| ProviderRoute {
        path: path.to_owned(),
        guard: guard(verifier),
        any_method: false,
    };
    // Every provider of the catalog (`webhook_guard::testing::catalog`): its route, its keys from
    // the environment (demo values when unset).
    let env = Env::from_process(&base);
    let catalog = catalog::providers().into_iter().map(|provider| {
        let verifier = (provider.verifier)(&provider, &env)
            .unwrap_or_else(|e| panic!("/webhooks/{}: {e}", provider.name));
        ProviderRoute {
            path: provider.path(),
            guard: guard(verifier),
            any_method: provider.takes_get,
        }
    });
    let mut routes = vec![
        route(
            "/webhooks/shopify",
            Scheme::shopify(),
            "SHOPIFY_WEBHOOK_SECRET",
            DEMO_SHOPIFY_SECRET,
        ),
        route(
            "/webhooks/twilio",
            Scheme::twilio(),
            "TWILIO_AUTH_TOKEN",
            DEMO_TWILIO_TOKEN,
        ),
        route(
            "/webhooks/square",
            Scheme::square(),
            "SQUARE_SIGNATURE_KEY",
            DEMO_SQUARE_KEY,
        ),
        route(
            "/webhooks/paddle",
            Scheme::paddle(),
            "PADDLE_WEBHOOK_SECRET",
            DEMO_PADDLE_SECRET,
        ),
        route(
            "/webhooks/linear",
            Scheme::linear(),
            "LINEAR_WEBHOOK_SECRET",
            DEMO_LINEAR_SECRET,
        ),
        route(
            "/webhooks/zoom",
            Scheme::zoom(),
            "ZOOM_WEBHOOK_SECRET_TOKEN",
            DEMO_ZOOM_SECRET,
        ),
        route(
            "/webhooks/dropbox",
            Scheme::dropbox(),
            "DROPBOX_APP_SECRET",
            DEMO_DROPBOX_SECRET,
        ),
        public_key_route("/webhooks/discord", discord),
        public_key_route("/webhooks/sendgrid", sendgrid),
        public_key_route("/webhooks/paypal", paypal),
    ];
    routes.extend(catalog);
    routes
}
