//! The one thing the core needs from a request head: header values by name.
//!
//! The core is independent of `http` 1.x (axum) and `http` 0.2 (actix-web): each adapter
//! implements [`HeaderLookup`] for its own header map, so nothing is converted per request.
//!
//! ```
//! use webhook_guard::HeaderLookup;
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-palo-signature", "sha256=00".parse().unwrap());
//! assert_eq!(headers.header("X-Palo-Signature"), Some(&b"sha256=00"[..]));
//! assert_eq!(headers.header("x-missing"), None);
//! ```

/// Looks up a request header by its (case-insensitive) name, as raw bytes.
///
/// Implemented for `http::HeaderMap` and, with the `actix` feature, for actix-web's header map;
/// also for a slice of `(name, value)` pairs, handy in tests.
///
/// ```
/// use webhook_guard::HeaderLookup;
///
/// let headers: &[(&str, &str)] = &[("X-Audit-Trail-Timestamp", "1705312200")];
/// assert_eq!(headers.header("x-audit-trail-timestamp"), Some(&b"1705312200"[..]));
/// ```
pub trait HeaderLookup {
    /// The first value of the header `name`, or `None` when it is absent.
    fn header(&self, name: &str) -> Option<&[u8]>;

    /// True when the header `name` is sent more than once. A security header sent twice is
    /// refused ([`Rejection::RepeatedHeader`](crate::Rejection::RepeatedHeader)): which copy
    /// counts would otherwise depend on the framework.
    ///
    /// The default says `false`: a lookup that keeps one value per name cannot tell. Every
    /// implementation in this crate answers for real.
    ///
    /// ```
    /// use webhook_guard::HeaderLookup;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("x-hub-signature-256", "sha256=00".parse().unwrap());
    /// assert!(!headers.is_repeated("X-Hub-Signature-256"));
    /// headers.append("x-hub-signature-256", "sha256=01".parse().unwrap());
    /// assert!(headers.is_repeated("X-Hub-Signature-256"));
    /// ```
    fn is_repeated(&self, name: &str) -> bool {
        let _ = name;
        false
    }

    /// [`header`](Self::header) by a name already parsed: the verifier parses the scheme's
    /// header names once, and `http`'s map then answers without parsing a name per lookup.
    /// The default calls `header` with the name's text.
    ///
    /// ```
    /// use webhook_guard::HeaderLookup;
    ///
    /// let name = http::HeaderName::from_static("x-palo-signature");
    /// let headers: &[(&str, &str)] = &[("X-Palo-Signature", "sha256=00")];
    /// assert_eq!(headers.header_by(&name), Some(&b"sha256=00"[..]));
    /// ```
    fn header_by(&self, name: &http::HeaderName) -> Option<&[u8]> {
        self.header(name.as_str())
    }

    /// [`is_repeated`](Self::is_repeated) by a name already parsed. See
    /// [`header_by`](Self::header_by).
    ///
    /// ```
    /// use webhook_guard::HeaderLookup;
    ///
    /// let name = http::HeaderName::from_static("x-palo-signature");
    /// let mut headers = http::HeaderMap::new();
    /// headers.append(&name, "sha256=00".parse().unwrap());
    /// assert!(!headers.is_repeated_by(&name));
    /// headers.append(&name, "sha256=11".parse().unwrap());
    /// assert!(headers.is_repeated_by(&name));
    /// ```
    fn is_repeated_by(&self, name: &http::HeaderName) -> bool {
        self.is_repeated(name.as_str())
    }

    /// The first value of `name` and whether it is sent more than once: what
    /// [`header`](Self::header) and [`is_repeated`](Self::is_repeated) answer, in one lookup
    /// where the map allows it (the verifier reads each security header this way).
    ///
    /// ```
    /// use webhook_guard::HeaderLookup;
    ///
    /// let headers: &[(&str, &str)] = &[("X-Palo-Signature", "sha256=00"), ("x-palo-signature", "sha256=11")];
    /// assert_eq!(headers.header_with_repeat("x-palo-signature"), (Some(&b"sha256=00"[..]), true));
    /// assert_eq!(headers.header_with_repeat("x-missing"), (None, false));
    /// ```
    fn header_with_repeat(&self, name: &str) -> (Option<&[u8]>, bool) {
        (self.header(name), self.is_repeated(name))
    }

    /// [`header_with_repeat`](Self::header_with_repeat) by a name already parsed. See
    /// [`header_by`](Self::header_by).
    ///
    /// ```
    /// use webhook_guard::HeaderLookup;
    ///
    /// let name = http::HeaderName::from_static("x-palo-signature");
    /// let mut headers = http::HeaderMap::new();
    /// headers.append(&name, "sha256=00".parse().unwrap());
    /// assert_eq!(headers.header_with_repeat_by(&name), (Some(&b"sha256=00"[..]), false));
    /// ```
    fn header_with_repeat_by(&self, name: &http::HeaderName) -> (Option<&[u8]>, bool) {
        (self.header_by(name), self.is_repeated_by(name))
    }
}

impl HeaderLookup for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.get(name).map(http::HeaderValue::as_bytes)
    }

    fn is_repeated(&self, name: &str) -> bool {
        self.get_all(name).iter().nth(1).is_some()
    }

    fn header_by(&self, name: &http::HeaderName) -> Option<&[u8]> {
        self.get(name).map(http::HeaderValue::as_bytes)
    }

    fn is_repeated_by(&self, name: &http::HeaderName) -> bool {
        self.get_all(name).iter().nth(1).is_some()
    }

    fn header_with_repeat_by(&self, name: &http::HeaderName) -> (Option<&[u8]>, bool) {
        let mut values = self.get_all(name).iter();
        let first = values.next().map(http::HeaderValue::as_bytes);
        (first, values.next().is_some())
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> HeaderLookup for [(N, V)] {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    fn is_repeated(&self, name: &str) -> bool {
        self.iter()
            .filter(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
            .nth(1)
            .is_some()
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>> HeaderLookup for Vec<(N, V)> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.as_slice().header(name)
    }

    fn is_repeated(&self, name: &str) -> bool {
        self.as_slice().is_repeated(name)
    }
}

impl<T: HeaderLookup + ?Sized> HeaderLookup for &T {
    fn header(&self, name: &str) -> Option<&[u8]> {
        (**self).header(name)
    }

    fn is_repeated(&self, name: &str) -> bool {
        (**self).is_repeated(name)
    }

    fn header_by(&self, name: &http::HeaderName) -> Option<&[u8]> {
        (**self).header_by(name)
    }

    fn is_repeated_by(&self, name: &http::HeaderName) -> bool {
        (**self).is_repeated_by(name)
    }

    fn header_with_repeat(&self, name: &str) -> (Option<&[u8]>, bool) {
        (**self).header_with_repeat(name)
    }

    fn header_with_repeat_by(&self, name: &http::HeaderName) -> (Option<&[u8]>, bool) {
        (**self).header_with_repeat_by(name)
    }
}

/// The pseudo-header that carries the request's method ([`WithMethod`]).
pub(crate) const METHOD: &str = ":method";

/// A request's headers together with its method, for the schemes that sign the method
/// ([`SignedPart::Method`](crate::scheme::SignedPart::Method)) or answer a method
/// ([`Handshake::AnswerMethod`](crate::Handshake::AnswerMethod)).
///
/// The method is looked up as the `:method` pseudo-header, the name HTTP/2 gives it: no
/// HTTP/1 header can have that name, and `http`'s map never holds one, so a sender cannot set
/// it. The axum and actix-web adapters pass every request this way. A direct caller of
/// [`Guard::admit`](crate::Guard::admit) wraps its headers, or adds a `(":method", "POST")`
/// pair to a list.
///
/// ```
/// use webhook_guard::{HeaderLookup, WithMethod};
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-hubspot-request-timestamp", "1700000000000".parse().unwrap());
/// let head = WithMethod::new(&http::Method::POST, &headers);
/// assert_eq!(head.header(":method"), Some(&b"POST"[..]));
/// assert_eq!(head.header("x-hubspot-request-timestamp"), Some(&b"1700000000000"[..]));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WithMethod<'a, H: ?Sized> {
    method: &'a str,
    headers: &'a H,
}

impl<'a, H: HeaderLookup + ?Sized> WithMethod<'a, H> {
    /// `headers`, received with `method`.
    pub fn new(method: &'a (impl AsRef<str> + ?Sized), headers: &'a H) -> Self {
        Self {
            method: method.as_ref(),
            headers,
        }
    }
}

impl<H: HeaderLookup + ?Sized> HeaderLookup for WithMethod<'_, H> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        if name == METHOD {
            Some(self.method.as_bytes())
        } else {
            self.headers.header(name)
        }
    }

    fn is_repeated(&self, name: &str) -> bool {
        name != METHOD && self.headers.is_repeated(name)
    }

    fn header_by(&self, name: &http::HeaderName) -> Option<&[u8]> {
        self.headers.header_by(name)
    }

    fn is_repeated_by(&self, name: &http::HeaderName) -> bool {
        self.headers.is_repeated_by(name)
    }

    fn header_with_repeat(&self, name: &str) -> (Option<&[u8]>, bool) {
        if name == METHOD {
            (Some(self.method.as_bytes()), false)
        } else {
            self.headers.header_with_repeat(name)
        }
    }

    fn header_with_repeat_by(&self, name: &http::HeaderName) -> (Option<&[u8]>, bool) {
        self.headers.header_with_repeat_by(name)
    }
}

/// Reading the headers a [`Scheme`](crate::Scheme) names, for a stored copy of a delivery:
/// `verify`'s, since it reads a request (the scheme only names them).
impl crate::scheme::Scheme {
    /// The headers worth keeping with a stored delivery (a dead letter, an inbox row): those
    /// the scheme reads, and `content-type`, as received.
    #[cfg_attr(
        not(any(feature = "axum", feature = "actix", feature = "inbox")),
        allow(dead_code)
    )]
    pub(crate) fn kept_headers<H: HeaderLookup + ?Sized>(
        &self,
        headers: &H,
    ) -> Vec<(String, String)> {
        self.header_names()
            .chain(["content-type"])
            .filter_map(|name| {
                let value = headers.header(name)?;
                Some((name.to_owned(), String::from_utf8_lossy(value).into_owned()))
            })
            .collect()
    }
}
