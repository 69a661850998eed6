use super::encoding::Encoding;
use super::handshake::Handshake;
use super::signature_format::SignatureFormat;
use super::{Field, IdBinding, Scheme};

impl Scheme {
    /// Asana webhooks, as Asana's "Webhooks" guide ("Security") documents them.
    ///
    /// - the handshake: when a webhook is created, Asana sends one request with
    ///   `X-Hook-Secret` and no signature; the layer answers `200` with the same
    ///   `X-Hook-Secret` ([`Handshake::EchoHeader`]), no handler runs, nothing is claimed;
    /// - `X-Hook-Signature`: the hex HMAC-SHA256 of the raw body, keyed with that secret;
    /// - id: a digest of the body ([`Field::BodyDigest`]), which is signed. Asana's payloads
    ///   (`{"events": [...]}`) carry no delivery id, and Asana retries a delivery that was not
    ///   answered 2xx with the same body, so a retry is a duplicate. Asana's heartbeat, an
    ///   empty `{"events":[]}` every 8 hours, has the same body each time: inside the store's
    ///   retention the next one is answered "already processed", which Asana takes as
    ///   received;
    /// - no event type (each event in `events[]` has its `action` and `resource`), and no
    ///   timestamp, so no freshness check: a copy is a duplicate for the store's retention.
    ///
    /// **The secret.** Asana, not you, chooses it, and sends it once, in the handshake, during
    /// your call that creates the webhook. The layer echoes it and keeps nothing: read
    /// `X-Hook-Secret` where you can see the request before the layer (a middleware in front
    /// of it), store it, and configure it as this scheme's secret (a
    /// [`SecretResolver`](crate::SecretResolver) serves secrets stored at run time). Until it
    /// is configured, every delivery is refused ([`Rejection::InvalidSignature`]), which Asana
    /// retries.
    ///
    /// [`Rejection::InvalidSignature`]: crate::Rejection::InvalidSignature
    ///
    /// ```
    /// use webhook_guard::{Rejection, Scheme, Secret, Signer, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::asana(), [Secret::new("asana-hook-secret").unwrap()]);
    /// let handshake: &[(&str, &str)] = &[("X-Hook-Secret", "b537207f20cbfa02357cf448134da559")];
    /// let Err(Rejection::Answered(answer)) = verifier.verify_target(handshake, "/webhooks/asana", "".into(), verifier.secrets(), 0) else {
    ///     panic!("answered")
    /// };
    /// assert_eq!(answer.headers[0].1, "b537207f20cbfa02357cf448134da559");
    ///
    /// let body = r#"{"events":[{"action":"changed","resource":{"gid":"1337","resource_type":"task"}}]}"#;
    /// let headers = Signer::new(Scheme::asana(), Secret::new("asana-hook-secret").unwrap()).headers(body.as_bytes(), 0, "");
    /// assert!(verifier.verify(&headers, body.into()).unwrap().id().starts_with("body_"));
    /// ```
    pub fn asana() -> Self {
        Scheme::builder("asana")
            .signature(
                "x-hook-signature",
                SignatureFormat::Bare {
                    encoding: Encoding::Hex,
                },
            )
            .id(Field::BodyDigest, IdBinding::Signed)
            .handshake(Handshake::EchoHeader {
                header: "x-hook-secret".into(),
            })
            .build()
            .unwrap_or_else(|e| unreachable!("the Asana scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const SECRET: &str = "b537207f20cbfa02357cf448134da559";
    const BODY: &str = r#"{"events":[{"user":{"gid":"1123","resource_type":"user"},"created_at":"2018-03-22T21:23:41.924Z","action":"changed","resource":{"gid":"1337","resource_type":"task"},"parent":null,"change":{"field":"name","action":"changed"}}]}"#;

    fn verifier() -> Verifier {
        Verifier::new(Scheme::asana(), [Secret::new(SECRET).unwrap()])
    }

    fn hmac_hex(secret: &str, body: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body.as_bytes());
        crate::scheme::encoding::encode_hex(&mac.finalize().into_bytes())
    }

    #[test]
    fn the_body_hmac_verifies_and_our_signer_writes_it() {
        // The documented algorithm, computed independently of the scheme.
        let header = hmac_hex(SECRET, BODY);
        let signed = Signer::new(Scheme::asana(), Secret::new(SECRET).unwrap()).headers(
            BODY.as_bytes(),
            0,
            "",
        );
        assert_eq!(signed, [("x-hook-signature".to_owned(), header.clone())]);
        let v = verifier();
        let delivery = v
            .verify_at(&[("X-Hook-Signature", header.as_str())][..], BODY.into(), 0)
            .unwrap();
        assert!(delivery.id().starts_with("body_"));
        assert_eq!(delivery.event_type(), None);
        let mut flipped = BODY.as_bytes().to_vec();
        flipped[20] ^= 1;
        assert_eq!(
            v.verify_at(&signed, flipped.into(), 0).unwrap_err(),
            Rejection::InvalidSignature
        );
        let none: &[(&str, &str)] = &[];
        assert_eq!(
            v.verify_at(none, BODY.into(), 0).unwrap_err(),
            Rejection::MissingSignature
        );
    }

    #[test]
    fn the_handshake_echoes_the_secret_header_and_nothing_else() {
        let v = verifier();
        let answer = |headers: &[(&str, &str)]| {
            v.check_head(headers, 0)?;
            v.verify_target(headers, "/webhooks/asana", "".into(), v.secrets(), 0)
        };
        let Err(Rejection::Answered(answer_)) = answer(&[("X-Hook-Secret", "0123abcd")]) else {
            panic!("answered")
        };
        assert_eq!(answer_.headers.len(), 1);
        assert_eq!(
            (
                answer_.headers[0].0.as_str(),
                answer_.headers[0].1.to_str().unwrap()
            ),
            ("x-hook-secret", "0123abcd")
        );
        assert!(answer_.body.is_empty());
        let response: http::Response<bytes::Bytes> =
            Rejection::Answered(answer_).to_http_response();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-hook-secret"], "0123abcd");
        // A signed request is a delivery, never a handshake, whatever else it carries.
        let signature = hmac_hex(SECRET, BODY);
        let both = [
            ("X-Hook-Secret", "0123abcd"),
            ("X-Hook-Signature", signature.as_str()),
        ];
        assert!(v.verify_at(&both[..], BODY.into(), 0).is_ok());
        // A value that is not one visible token is not echoed.
        assert_eq!(
            answer(&[("X-Hook-Secret", "a b")]).unwrap_err(),
            Rejection::MissingSignature
        );
    }
}
