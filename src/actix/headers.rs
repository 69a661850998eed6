use actix_web::http::header::HeaderMap;

use crate::HeaderLookup;

// actix-web's own map (`http` 0.2 types): the core reads it as is, nothing is converted.
impl HeaderLookup for HeaderMap {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.get(name).map(|value| value.as_bytes())
    }

    fn is_repeated(&self, name: &str) -> bool {
        self.get_all(name).nth(1).is_some()
    }

    fn header_with_repeat(&self, name: &str) -> (Option<&[u8]>, bool) {
        let mut values = self.get_all(name);
        let first = values.next().map(|value| value.as_bytes());
        (first, values.next().is_some())
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    #[test]
    fn looks_up_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-palo-signature"),
            HeaderValue::from_static("sha256=00"),
        );
        assert_eq!(headers.header("X-Palo-Signature"), Some(&b"sha256=00"[..]));
        assert_eq!(headers.header("x-missing"), None);
    }
}
