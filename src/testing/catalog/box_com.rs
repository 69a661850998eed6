//! The catalog's `box_com` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry (`/webhooks/box`, `BOX_WEBHOOK_SECRET` the primary key and
/// `BOX_WEBHOOK_SECRET_SECONDARY` the secondary): a `FILE.UPLOADED` signed with both.
pub(super) fn entry() -> super::Provider {
    use super::{DemoRequest, Env, Provider};
    const DEMO_SECONDARY: &str = "demo_box_secondary_signature_key";
    fn secondary(provider: &Provider, env: &Env) -> Result<crate::Secret, String> {
        let var = provider.var("WEBHOOK_SECRET_SECONDARY");
        crate::Secret::new(env.var_or(&var, DEMO_SECONDARY)).map_err(|e| format!("{var}: {e}"))
    }
    Provider {
        verifier: |provider, env| {
            Ok(crate::Verifier::new(
                Scheme::box_com(),
                [provider.secret(env)?, secondary(provider, env)?],
            ))
        },
        sign: |provider, env, sample| {
            let body = sample.body_for(provider);
            let headers = crate::Signer::new(Scheme::box_com(), provider.secret(env)?)
                .second_secret(secondary(provider, env)?)
                .headers(body.as_bytes(), sample.now, sample.id);
            let mut request = DemoRequest::post(provider.path(), headers, body);
            for (name, value) in [
                (
                    "BOX-DELIVERY-ID",
                    format!("delivery-{}-{}", sample.id, sample.now),
                ),
                ("BOX-SIGNATURE-VERSION", "1".to_owned()),
                ("BOX-SIGNATURE-ALGORITHM", "HmacSHA256".to_owned()),
            ] {
                request.headers.push((name.into(), value));
            }
            Ok(request)
        },
        ..Provider::hmac(
            "box",
            "FILE.UPLOADED",
            Scheme::box_com,
            "demo_box_primary_signature_key",
            |sample| {
                serde_json::json!({
                    "type": "webhook_event",
                    "id": sample.id,
                    "created_at": crate::time::format_rfc3339(sample.now),
                    "trigger": sample.event_type,
                    "webhook": {"id": "1234567890", "type": "webhook"},
                    "created_by": {"type": "user", "id": "2222222222", "name": "Demo User"},
                    "source": {"id": "5016243669", "type": "file", "name": "Test.txt"}
                })
                .to_string()
            },
        )
    }
}
