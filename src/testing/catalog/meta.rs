//! The catalog's `meta` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The demo value of `META_VERIFY_TOKEN`, the verify token the receivers compare Meta's
/// `hub.verify_token` with.
const DEMO_VERIFY_TOKEN: &str = "demo_meta_verify_token";

/// The catalog's entry (`/webhooks/meta`, `META_WEBHOOK_SECRET` the app secret,
/// `META_VERIFY_TOKEN`): a WhatsApp text message, and the `GET` verification request.
pub(super) fn entry() -> super::Provider {
    use super::{DemoChallenge, DemoRequest, Provider};
    Provider {
        verifier: |provider, env| {
            let secret = provider.secret(env)?;
            let var = provider.var("VERIFY_TOKEN");
            let token = crate::Secret::new(env.var_or(&var, DEMO_VERIFY_TOKEN))
                .map_err(|e| format!("{var}: {e}"))?;
            Ok(crate::Verifier::new(
                Scheme::meta().with_handshake_token(token),
                [secret],
            ))
        },
        challenge: Some(|provider, env, now| {
            let token = env.var_or(&provider.var("VERIFY_TOKEN"), DEMO_VERIFY_TOKEN);
            let challenge = (now.rem_euclid(1_000_000_000) + 1_000_000_000).to_string();
            let query = format!(
                "?hub.mode=subscribe&hub.challenge={challenge}&hub.verify_token={}",
                super::query_escape(&token)
            );
            Ok(DemoChallenge {
                request: DemoRequest {
                    method: http::Method::GET,
                    path_and_query: format!("{}{query}", provider.path()),
                    headers: Vec::new(),
                    body: Vec::new(),
                },
                status: 200,
                answer_contains: challenge,
            })
        }),
        takes_get: true,
        ..Provider::hmac(
            "meta",
            "whatsapp_business_account",
            Scheme::meta,
            "demo_meta_app_secret",
            |sample| {
                serde_json::json!({
                    "object": sample.event_type,
                    "entry": [{
                        "id": "102290129340398",
                        "changes": [{
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                                "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
                                "messages": [{
                                    "from": "16505551234",
                                    "id": sample.id,
                                    "timestamp": sample.now.to_string(),
                                    "text": {"body": "Does it come in another color?"},
                                    "type": "text"
                                }]
                            },
                            "field": "messages"
                        }]
                    }]
                })
                .to_string()
            },
        )
    }
}
