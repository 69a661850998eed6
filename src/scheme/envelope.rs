//! Signatures that do not sit in a header over the raw body: a signed token (a JWT) in a
//! header, or a JSON body that signs a canonical string of its own fields.

use std::borrow::Cow;

/// Where the signature is, when it is not a header over the body's bytes (see
/// [`SchemeBuilder::envelope`](super::SchemeBuilder::envelope)).
///
/// Both are verified with the scheme's public keys, chosen by the key id the request names
/// (a token's `kid`, a body's certificate URL): a [`KeySource`](crate::keys::KeySource) loads
/// a key it does not know yet, once per interval.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Envelope {
    /// The signature header holds a JWS-signed JWT (RFC 7515/7519), optionally after a
    /// prefix (`Bearer `). See [`JwtRules`].
    Jwt(JwtRules),
    /// The body is a JSON object that carries its own signature over a canonical string of
    /// some of its fields. See [`SignedFields`].
    SignedFields(SignedFields),
}

/// The hex SHA-256 of a body: what a token's body claim
/// ([`JwtRules::body_sha256_claim`]) carries, for senders and tests.
///
/// ```
/// use webhook_guard::scheme::body_sha256_hex;
///
/// assert_eq!(&body_sha256_hex(b"abc")[..16], "ba7816bf8f01cfea");
/// ```
pub fn body_sha256_hex(body: &[u8]) -> String {
    use sha2::Digest as _;
    super::encoding::encode_hex(&sha2::Sha256::digest(body))
}

/// What a JWT must say to be accepted (see [`Envelope::Jwt`]).
///
/// The token's header names its algorithm (only those listed here are accepted, never
/// `none`) and its key (`kid`: only that key is tried). Its claims must hold: `iat` inside the
/// scheme's [`Freshness`](crate::Freshness) window (it is the delivery's timestamp), `exp` if
/// present not past (give or take the window's future skew), the issuer and audience as
/// configured, and, when `body_sha256_claim` is set, that claim equal to the hex SHA-256 of
/// the raw body: that is what signs the body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwtRules {
    /// A prefix before the token in the header (`Bearer `; compared without case).
    pub prefix: Option<Cow<'static, str>>,
    /// The JWS algorithms accepted (`ES256`, `RS256`).
    pub algorithms: Vec<Cow<'static, str>>,
    /// The accepted `iss` values; empty: not checked.
    pub issuers: Vec<Cow<'static, str>>,
    /// The required `aud`; `None`: not checked.
    pub audience: Option<Cow<'static, str>>,
    /// The claim that carries the hex SHA-256 of the raw body; `None`: the token does not
    /// sign the body.
    pub body_sha256_claim: Option<Cow<'static, str>>,
    /// Other claims that must be present with exactly these string values (Pub/Sub's
    /// `email`, the push service account).
    pub claims: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

impl JwtRules {
    /// Rules for tokens signed with one of `algorithms`: set the other members on the value
    /// (`prefix`, `issuers`, `audience`, `body_sha256_claim`).
    ///
    /// ```
    /// use webhook_guard::scheme::JwtRules;
    ///
    /// let mut rules = JwtRules::new(&["RS256"]);
    /// rules.audience = Some("https://hooks.example.com/push".into());
    /// assert_eq!(rules.algorithms, ["RS256"]);
    /// ```
    pub fn new(algorithms: &[&'static str]) -> Self {
        Self {
            prefix: None,
            algorithms: algorithms.iter().map(|a| Cow::Borrowed(*a)).collect(),
            issuers: Vec::new(),
            audience: None,
            body_sha256_claim: None,
            claims: Vec::new(),
        }
    }
}

/// A JSON body that signs a canonical string of its own fields (see
/// [`Envelope::SignedFields`]): for each field of the list the body's type selects, in
/// order, `<name>\n<value>\n`, a field that is absent left out when it is optional. The
/// signature (base64) and the version that selects the hash are fields of the body; the key
/// is named by a URL in the body (a certificate), which must be `https` on a host of
/// `key_url_hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedFields {
    /// The field whose value selects the list (`Type`).
    pub type_field: Cow<'static, str>,
    /// For each type value, the fields signed, in order, each with whether it may be absent.
    pub lists: Vec<(TypeNames, FieldList)>,
    /// The field holding the base64 signature.
    pub signature_field: Cow<'static, str>,
    /// The field holding the signature version, and each version's hash.
    pub version_field: Cow<'static, str>,
    /// The versions accepted and the hash each signs with.
    pub versions: Vec<(Cow<'static, str>, SignatureHash)>,
    /// The field holding the URL of the signing key (a PEM certificate).
    pub key_url_field: Cow<'static, str>,
    /// The hosts a key URL may name: exact names, or patterns where `*` stands for one DNS
    /// label (`sns.*.amazonaws.com`).
    pub key_url_hosts: Vec<Cow<'static, str>>,
    /// Accept `http://` key URLs too (tests against a local server only).
    pub allow_http_key_url: bool,
}

/// The type values one list of [`SignedFields`] is for.
pub type TypeNames = Vec<Cow<'static, str>>;

/// The fields one type signs, in order, each with whether it may be absent.
pub type FieldList = Vec<(Cow<'static, str>, bool)>;

/// The hash an RSA PKCS#1 v1.5 signature signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureHash {
    /// SHA-1 (legacy: SNS `SignatureVersion` 1; needs the `sha1` feature).
    Sha1,
    /// SHA-256.
    Sha256,
}

/// True when `host` matches `pattern`: equal ignoring case, or with each `*` label standing
/// for exactly one non-empty DNS label.
///
/// ```
/// use webhook_guard::scheme::host_matches;
///
/// assert!(host_matches("sns.*.amazonaws.com", "sns.eu-west-1.amazonaws.com"));
/// assert!(!host_matches("sns.*.amazonaws.com", "sns.amazonaws.com"));
/// assert!(!host_matches("sns.*.amazonaws.com", "sns.eu-west-1.amazonaws.com.evil.example"));
/// assert!(!host_matches("sns.*.amazonaws.com", "evil.example/sns.x.amazonaws.com"));
/// ```
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let valid_label = |label: &str| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let (mut p, mut h) = (pattern.split('.'), host.split('.'));
    loop {
        match (p.next(), h.next()) {
            (None, None) => return true,
            (Some("*"), Some(label)) if valid_label(label) => {}
            (Some(want), Some(label)) if valid_label(label) && want.eq_ignore_ascii_case(label) => {
            }
            _ => return false,
        }
    }
}

/// The host of an `https://` (or, when allowed, `http://`) URL, if it is one of `hosts`;
/// `None` for anything else (userinfo, another scheme, a host not listed).
pub(crate) fn allowed_url_host<'u>(
    url: &'u str,
    hosts: &[Cow<'static, str>],
    allow_http: bool,
) -> Option<&'u str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|_| allow_http))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    // A port is allowed (a local test server); the host is what must match.
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    hosts
        .iter()
        .any(|pattern| host_matches(pattern, host))
        .then_some(host)
}
