//! The console's credentials and CSRF tokens.

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::signature::Encoding;

/// The admin token, kept only as digests: what a request's credentials are compared with, and
/// the CSRF token derived from it.
#[derive(Clone)]
pub(crate) struct Token {
    /// SHA-256 of the token (a bearer credential).
    bearer: [u8; 32],
    /// SHA-256 of `base64("admin:" + token)` (a Basic credential as sent).
    basic: [u8; 32],
    /// The forms' CSRF token: an HMAC of a fixed label under the admin token, so that it
    /// changes with the credentials and reveals nothing of them.
    csrf: String,
}

impl Token {
    pub(crate) fn new(token: &str) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(b"webhook-guard admin console: csrf v1");
        let csrf = Encoding::Hex.encode(&mac.finalize().into_bytes());
        Self {
            bearer: Sha256::digest(token.as_bytes()).into(),
            basic: Sha256::digest(Encoding::Base64.encode(format!("admin:{token}").as_bytes()))
                .into(),
            csrf,
        }
    }

    /// Whether an `Authorization` header value carries the credentials. The digests are
    /// compared in constant time, and being of fixed length they tell nothing of the token's.
    pub(crate) fn accepts(&self, authorization: &[u8]) -> bool {
        let text = String::from_utf8_lossy(authorization);
        let text = text.trim();
        let Some((scheme, credential)) = text.split_once(' ') else {
            return false;
        };
        let credential = credential.trim();
        let expected = if scheme.eq_ignore_ascii_case("basic") {
            &self.basic
        } else if scheme.eq_ignore_ascii_case("bearer") {
            &self.bearer
        } else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(credential.as_bytes()).into();
        bool::from(digest.ct_eq(expected))
    }

    /// The CSRF token the forms carry.
    pub(crate) fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether a form's CSRF token is the right one (constant time).
    pub(crate) fn csrf_matches(&self, sent: &str) -> bool {
        let expected: [u8; 32] = Sha256::digest(self.csrf.as_bytes()).into();
        let digest: [u8; 32] = Sha256::digest(sent.as_bytes()).into();
        bool::from(digest.ct_eq(&expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_basic_and_bearer_and_nothing_else() {
        let token = Token::new("s3cret");
        // base64("admin:s3cret")
        assert!(token.accepts(b"Basic YWRtaW46czNjcmV0"));
        assert!(token.accepts(b"basic  YWRtaW46czNjcmV0 "));
        assert!(token.accepts(b"Bearer s3cret"));
        assert!(!token.accepts(b"Bearer s3cre"));
        assert!(!token.accepts(b"Bearer s3cret2"));
        // base64("root:s3cret"): the user must be `admin`.
        assert!(!token.accepts(b"Basic cm9vdDpzM2NyZXQ="));
        assert!(!token.accepts(b"Digest s3cret"));
        assert!(!token.accepts(b"s3cret"));
        assert!(!token.accepts(b"\xff\xfe"));
    }

    #[test]
    fn csrf_token_depends_on_the_admin_token_and_does_not_contain_it() {
        let one = Token::new("token-one");
        let two = Token::new("token-two");
        assert_ne!(one.csrf(), two.csrf());
        assert!(!one.csrf().contains("token-one"));
        assert!(one.csrf_matches(one.csrf()));
        assert!(!one.csrf_matches(two.csrf()));
        assert!(!one.csrf_matches(""));
    }
}
