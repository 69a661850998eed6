//! The catalog's `msgraph` entry: how a sender signs a realistic delivery for the
//! [`Scheme`](crate::Scheme) of that provider, and how a receiver builds its verifier.

use crate::Scheme;

/// The catalog's entry: `/webhooks/msgraph`, the `clientState` from `MSGRAPH_WEBHOOK_SECRET`,
/// a change notification as Microsoft's "Receive change notifications through webhooks" shows
/// it, and the `validationToken` check; the tampering flips a bit of the `clientState`.
pub(super) fn entry() -> super::Provider {
    use super::{self as catalog, DemoChallenge, DemoRequest, Provider};
    fn notification(sample: &catalog::Sample<'_>, client_state: &str) -> String {
        serde_json::json!({"value": [{
            "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
            "subscriptionExpirationDateTime": crate::time::format_rfc3339(sample.now + 3600),
            "changeType": sample.event_type,
            "resource": format!("Users/7a8b/Messages/{}", sample.id),
            "resourceData": {
                "@odata.type": "#Microsoft.Graph.Message",
                "@odata.id": format!("Users/7a8b/Messages/{}", sample.id),
                "id": sample.id,
            },
            "clientState": client_state,
            "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
        }]})
        .to_string()
    }
    fn body(sample: &catalog::Sample<'_>) -> String {
        notification(sample, "<MSGRAPH_WEBHOOK_SECRET>")
    }
    fn sign(
        provider: &Provider,
        env: &catalog::Env,
        sample: &catalog::Sample<'_>,
    ) -> Result<DemoRequest, String> {
        let state = env.var_or(&provider.secret_var(), provider.demo_secret);
        let body = match sample.body {
            Some(given) => given.replace("<MSGRAPH_WEBHOOK_SECRET>", &state),
            None => notification(sample, &state),
        };
        Ok(DemoRequest::post(
            provider.path(),
            vec![("Content-Type".into(), "application/json".into())],
            body,
        ))
    }
    fn tamper(request: &mut DemoRequest) {
        let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&request.body) else {
            return catalog::flip_body_bit(request);
        };
        if let Some(items) = value["value"].as_array_mut() {
            for item in items {
                if let Some(state) = item["clientState"].as_str() {
                    let mut bytes = state.as_bytes().to_vec();
                    if let Some(last) = bytes.last_mut() {
                        *last ^= 1;
                    }
                    item["clientState"] = String::from_utf8_lossy(&bytes).into_owned().into();
                }
            }
        }
        request.body = value.to_string().into_bytes();
    }
    fn challenge(provider: &Provider, _: &catalog::Env, now: i64) -> Result<DemoChallenge, String> {
        let token = format!(
            "Validation: Testing client application reachability for subscription Request-Id: {now}"
        );
        let query = token.replace(':', "%3A").replace(' ', "+");
        Ok(DemoChallenge {
            request: DemoRequest::post(
                format!("{}?validationToken={query}", provider.path()),
                vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
                Vec::new(),
            ),
            status: 200,
            answer_contains: token,
        })
    }
    Provider {
        sign,
        tamper,
        challenge: Some(challenge),
        ..Provider::hmac(
            "msgraph",
            "created",
            Scheme::msgraph,
            "demo_msgraph_client_state",
            body,
        )
    }
}
