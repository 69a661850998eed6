use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Microsoft Graph change notifications (and lifecycle notifications), as Microsoft's
    /// "Receive change notifications through webhooks" documents them: nothing is signed.
    ///
    /// - the endpoint validation, `POST ?validationToken=<token>` (when a subscription is
    ///   created or renewed), is answered by the layer with the token, decoded, as plain text,
    ///   `200`, at once, as Graph requires within 10 seconds ([`Handshake::EchoQueryDecoded`]);
    ///   no handler runs, nothing is claimed;
    /// - notifications, `{"value": [{"subscriptionId", "clientState", "changeType",
    ///   "resource", ...}, ...]}`: every item's `clientState`, the value given when the
    ///   subscription was created, must equal the secret, compared in constant time
    ///   ([`Algorithm::SharedToken`] on [`Field::pointer`]`("/value/*/clientState")`). A batch
    ///   where one item lacks it, or items disagree (subscriptions with different
    ///   `clientState`s on one URL), is refused whole: give each notification URL one
    ///   `clientState`;
    /// - id: a digest of the body ([`Field::BodyDigest`]). Items carry no delivery id, and
    ///   Graph retries a notification that was not answered 2xx with the same body, so a
    ///   retry is a duplicate;
    /// - event type: the items' `changeType` (`created`, `updated`, `deleted`) when they all
    ///   agree; none otherwise, and none for lifecycle notifications (`lifecycleEvent`).
    ///
    /// **What `clientState` can and cannot do**: the same as a token (see [`Scheme::gitlab`]):
    /// it proves the sender knows it, it is the same in every notification, and whoever holds
    /// one notification can write others. A copy of a notification is a duplicate for the
    /// store's retention; there is no timestamp, so no freshness check. Graph answers with
    /// `202 Accepted` in its examples: any 2xx from the handler will do. Rich notifications
    /// (with `validationTokens` JWTs and encrypted resource data) are not checked further.
    ///
    /// ```
    /// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::msgraph(), [Secret::new("secretClientValue").unwrap()]);
    /// let none: &[(&str, &str)] = &[];
    /// let target = "/webhooks/msgraph?validationToken=Validation%3A+Testing+client+application+reachability";
    /// let Err(Rejection::Answered(answer)) = verifier.verify_target(none, target, "".into(), verifier.secrets(), 0) else {
    ///     panic!("answered")
    /// };
    /// assert_eq!(answer.body, "Validation: Testing client application reachability");
    ///
    /// let body = r#"{"value":[{"subscriptionId":"7f105c7d-2dc5-4530-97cd-4e7ae6534c07","clientState":"secretClientValue","changeType":"created","resource":"Users/1/Messages/2","tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95"}]}"#;
    /// let delivery = verifier.verify(none, body.into()).unwrap();
    /// assert_eq!(delivery.event_type(), Some("created"));
    /// let forged = body.replace("secretClientValue", "secretClientValve");
    /// assert_eq!(verifier.verify(none, forged.into()).unwrap_err(), Rejection::InvalidSignature);
    /// ```
    pub fn msgraph() -> Self {
        Scheme::builder("msgraph")
            .signature_field(
                Field::pointer("/value/*/clientState"),
                SignatureFormat::Bare {
                    encoding: Encoding::Text,
                },
            )
            .algorithm(Algorithm::SharedToken)
            .id(Field::BodyDigest, IdBinding::Signed)
            .event_type(Field::pointer("/value/*/changeType"))
            .handshake(Handshake::EchoQueryDecoded {
                param: "validationToken".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Microsoft Graph scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Verifier};

    const STATE: &str = "secretClientValue";
    const NONE: &[(&str, &str)] = &[];

    fn item(state: &str, change: &str) -> String {
        format!(
            r##"{{"subscriptionId":"7f105c7d-2dc5-4530-97cd-4e7ae6534c07","subscriptionExpirationDateTime":"2026-03-20T11:00:00.0000000Z","clientState":"{state}","changeType":"{change}","resource":"Users/7a8b/Messages/AAMk","tenantId":"84bd8158-6d4d-4958-8b9f-9d6445542f95","resourceData":{{"@odata.type":"#Microsoft.Graph.Message","id":"AAMk"}}}}"##
        )
    }

    fn verify(body: &str) -> Result<crate::Delivery, Rejection> {
        let verifier = Verifier::new(Scheme::msgraph(), [Secret::new(STATE).unwrap()]);
        verifier.check_head(NONE, 0)?;
        verifier.verify_target(
            NONE,
            "/webhooks/msgraph",
            body.to_owned().into(),
            verifier.secrets(),
            0,
        )
    }

    #[test]
    fn every_item_must_carry_the_client_state() {
        let one = format!(r#"{{"value":[{}]}}"#, item(STATE, "created"));
        let delivery = verify(&one).unwrap();
        assert_eq!(delivery.event_type(), Some("created"));
        assert!(delivery.id().starts_with("body_"));
        assert_eq!(verify(&one).unwrap().id(), delivery.id());

        let two = format!(
            r#"{{"value":[{},{}]}}"#,
            item(STATE, "created"),
            item(STATE, "updated")
        );
        assert_eq!(verify(&two).unwrap().event_type(), None);
        let one_wrong = format!(
            r#"{{"value":[{},{}]}}"#,
            item(STATE, "created"),
            item("secretClientValuf", "created")
        );
        assert_eq!(verify(&one_wrong).unwrap_err(), Rejection::MissingSignature);
        let all_wrong = format!(r#"{{"value":[{}]}}"#, item("secretClientValuf", "created"));
        assert_eq!(verify(&all_wrong).unwrap_err(), Rejection::InvalidSignature);
        for missing in [
            r#"{"value":[]}"#,
            r#"{"value":[{"changeType":"created"}]}"#,
            "{}",
        ] {
            assert_eq!(
                verify(missing).unwrap_err(),
                Rejection::MissingSignature,
                "{missing}"
            );
        }
        assert_eq!(verify("[1]").unwrap_err(), Rejection::MalformedBody);
    }

    #[test]
    fn the_validation_token_is_echoed_decoded_and_nothing_else() {
        let verifier = Verifier::new(Scheme::msgraph(), [Secret::new(STATE).unwrap()]);
        let answer = |target: &str| {
            verifier.check_head(NONE, 0)?;
            verifier.verify_target(NONE, target, "".into(), verifier.secrets(), 0)
        };
        let Err(Rejection::Answered(echo)) =
            answer("/webhooks/msgraph?validationToken=Validation%3A%20Testing+client")
        else {
            panic!("answered")
        };
        assert_eq!(echo.body, "Validation: Testing client");
        assert_eq!(echo.content_type, "text/plain; charset=utf-8");
        assert!(echo.nosniff);
        // Not a token: the request is a notification without its client state.
        assert_eq!(
            answer("/webhooks/msgraph?validationToken=a%0Ab").unwrap_err(),
            Rejection::MalformedBody
        );
    }
}
