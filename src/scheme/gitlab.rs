use super::algorithm::Algorithm;
use super::encoding::Encoding;
use super::signature_format::SignatureFormat;
use super::{BodyFormat, Field, IdBinding, IdFallback, Scheme};

impl Scheme {
    /// GitLab webhooks (project, group and system hooks), as GitLab's "Webhooks" page documents
    /// them.
    ///
    /// - `X-Gitlab-Token`: the hook's secret token itself, not a signature. It is compared with
    ///   each configured secret in constant time ([`Algorithm::SharedToken`]);
    /// - id: `Idempotency-Key`, which GitLab (17.4 and later) keeps when it retries a delivery
    ///   or one is resent from the hook's log; else `X-Gitlab-Event-UUID`, for older
    ///   instances. Both are unsigned ([`IdBinding::Unsigned`]). GitLab gives recursive hooks
    ///   (a hook triggered by an earlier hook's call back into GitLab) the same
    ///   `X-Gitlab-Event-UUID`: on an instance without `Idempotency-Key` the second is taken
    ///   for a duplicate;
    /// - event type: `X-Gitlab-Event` (`Push Hook`, `Merge Request Hook`, ...; the body's
    ///   `object_kind` says the same);
    /// - the body is not read (opaque): hand it to the handler as it came.
    ///
    /// **What a token can and cannot do.** GitLab signs nothing: the token proves only that the
    /// sender knows it, and it is the same in every delivery. Whoever holds one delivery (a
    /// proxy's log, a misrouted copy) holds the token and can send any body with any id, at
    /// any time; no receiver can tell. There is no timestamp either, so no freshness check.
    /// What dedup still does: besides the id, the replay store remembers a digest of the
    /// **body** (never of the token, which would make every delivery after the first a
    /// duplicate), so a captured delivery sent again under a new `Idempotency-Key` is a
    /// duplicate for the store's retention; a copy with a changed body is not, and cannot be
    /// caught. Two distinct events with byte-identical bodies inside the retention are one
    /// delivery (GitLab's payloads carry ids and times, so this is rare). Keep the token out of
    /// logs, accept GitLab's calls over HTTPS only, and, where GitLab offers it on your
    /// instance, prefer a signing webhook.
    ///
    /// ```
    /// use webhook_guard::{Rejection, Scheme, Secret, Verifier};
    ///
    /// let verifier = Verifier::new(Scheme::gitlab(), [Secret::new("gitlab-hook-token").unwrap()]);
    /// let body = r#"{"object_kind":"push","ref":"refs/heads/main"}"#;
    /// let headers = |token| [
    ///     ("X-Gitlab-Token", token),
    ///     ("X-Gitlab-Event", "Push Hook"),
    ///     ("X-Gitlab-Event-UUID", "13792a34-cac6-4fda-95a8-c58e00a3954e"),
    /// ];
    /// let delivery = verifier.verify(&headers("gitlab-hook-token")[..], body.into()).unwrap();
    /// assert_eq!(delivery.id(), "13792a34-cac6-4fda-95a8-c58e00a3954e");
    /// assert_eq!(delivery.event_type(), Some("Push Hook"));
    /// let wrong = verifier.verify(&headers("gitlab-hook-tokem")[..], body.into());
    /// assert_eq!(wrong.unwrap_err(), Rejection::InvalidSignature);
    /// ```
    pub fn gitlab() -> Self {
        Scheme::builder("gitlab")
            .signature(
                "x-gitlab-token",
                SignatureFormat::Bare {
                    encoding: Encoding::Text,
                },
            )
            .algorithm(Algorithm::SharedToken)
            .id(Field::header("idempotency-key"), IdBinding::Unsigned)
            .id_fallbacks([IdFallback::Field(Field::header("x-gitlab-event-uuid"))])
            .event_type(Field::header("x-gitlab-event"))
            .body_format(BodyFormat::Opaque)
            .build()
            .unwrap_or_else(|e| unreachable!("the GitLab scheme is valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::scheme::IdBinding;
    use crate::{Rejection, Scheme, Secret, Signer, Verifier};

    const TOKEN: &str = "gitlab-hook-token";
    const BODY: &str = r#"{"object_kind":"push","event_name":"push","ref":"refs/heads/main","checkout_sha":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7"}"#;

    fn verifier() -> Verifier {
        Verifier::new(Scheme::gitlab(), [Secret::new(TOKEN).unwrap()])
    }

    fn request(token: &str, key: Option<&str>) -> Vec<(String, String)> {
        let mut headers = vec![
            ("X-Gitlab-Token".to_owned(), token.to_owned()),
            ("X-Gitlab-Event".to_owned(), "Push Hook".to_owned()),
            (
                "X-Gitlab-Event-UUID".to_owned(),
                "13792a34-cac6-4fda-95a8-c58e00a3954e".to_owned(),
            ),
        ];
        if let Some(key) = key {
            headers.push(("Idempotency-Key".to_owned(), key.to_owned()));
        }
        headers
    }

    #[test]
    fn the_token_is_compared_whole_and_our_signer_sends_it() {
        let signed = Signer::new(Scheme::gitlab(), Secret::new(TOKEN).unwrap()).headers(
            BODY.as_bytes(),
            0,
            "key-1",
        );
        assert_eq!(
            signed,
            [
                ("x-gitlab-token".to_owned(), TOKEN.to_owned()),
                ("idempotency-key".to_owned(), "key-1".to_owned())
            ]
        );
        let delivery = verifier().verify_at(&signed, BODY.into(), 0).unwrap();
        assert_eq!(delivery.id(), "key-1");
        for wrong in [
            "gitlab-hook-tokem",
            "gitlab-hook-toke",
            "gitlab-hook-token2",
            " ",
        ] {
            assert_eq!(
                verifier()
                    .verify_at(&request(wrong, None), BODY.into(), 0)
                    .unwrap_err(),
                if wrong == " " {
                    Rejection::MalformedSignature
                } else {
                    Rejection::InvalidSignature
                },
                "{wrong:?}"
            );
        }
        let none: &[(&str, &str)] = &[("X-Gitlab-Event-UUID", "u1")];
        assert_eq!(
            verifier().verify_at(none, BODY.into(), 0).unwrap_err(),
            Rejection::MissingSignature
        );
    }

    #[test]
    fn the_id_is_the_idempotency_key_else_the_event_uuid() {
        let v = verifier();
        let with_key = v
            .verify_at(&request(TOKEN, Some("0f6e0a5b")), BODY.into(), 0)
            .unwrap();
        assert_eq!(
            (with_key.id(), with_key.event_type()),
            ("0f6e0a5b", Some("Push Hook"))
        );
        let older = v.verify_at(&request(TOKEN, None), BODY.into(), 0).unwrap();
        assert_eq!(older.id(), "13792a34-cac6-4fda-95a8-c58e00a3954e");
        let no_id: &[(&str, &str)] = &[("X-Gitlab-Token", TOKEN)];
        assert_eq!(
            v.verify_at(no_id, BODY.into(), 0).unwrap_err(),
            Rejection::MissingId
        );
    }

    #[test]
    fn the_unsigned_id_is_backed_by_the_body_never_by_the_token() {
        assert_eq!(Scheme::gitlab().id_binding(), &IdBinding::Unsigned);
        let v = verifier();
        let key_of = |body: &str, id: &str| {
            let delivery = v
                .verify_at(&request(TOKEN, Some(id)), body.to_owned().into(), 0)
                .unwrap();
            let (_, signature) = delivery.replay_keys();
            signature.expect("an unsigned id is backed").digest()
        };
        // The same body under a new id: the same second key, so a duplicate.
        assert_eq!(key_of(BODY, "a"), key_of(BODY, "b"));
        // Another body with the same token: another key (the token alone is no delivery).
        assert_ne!(
            key_of(BODY, "a"),
            key_of(r#"{"object_kind":"tag_push"}"#, "a")
        );
    }
}
