//! A raw HTTP/1.1 request as captured (request line, headers, blank line, body), read for
//! `verify`: the body is kept byte for byte, since the signature covers those bytes.

/// A captured request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `raw`. Lines end in CRLF or LF; the body is what follows the blank line, exactly
/// `Content-Length` bytes when the header is there (a capture with a trailing newline after
/// the body keeps the signed bytes), else the rest.
pub fn parse(raw: &[u8]) -> Result<Captured, String> {
    let (head, rest) = split_head(raw).ok_or(
        "no blank line after the headers: a capture is the request line, the headers, a blank \
         line, then the body",
    )?;
    let head = std::str::from_utf8(head).map_err(|_| "the request head is not UTF-8")?;
    let mut lines = head
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "the first line is not a request line (`POST /path HTTP/1.1`): {request_line:?}"
        ));
    };
    if !version.starts_with("HTTP/1") {
        return Err(format!("not an HTTP/1.x request line: {request_line:?}"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("a header line without `:`: {line:?}"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut captured = Captured {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body: rest.to_vec(),
    };
    if captured
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    {
        captured.body = dechunk(rest)?;
    } else if let Some(length) = captured.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("Content-Length is not a number: {length:?}"))?;
        if rest.len() < length {
            return Err(format!(
                "the capture holds {} body bytes, Content-Length says {length}: it was cut",
                rest.len()
            ));
        }
        captured.body.truncate(length);
    }
    Ok(captured)
}

/// The head (without the blank line) and what follows it.
fn split_head(raw: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut start = 0;
    while let Some(offset) = raw[start..].iter().position(|b| *b == b'\n') {
        let end = start + offset;
        let line = &raw[start..end];
        if line.is_empty() || line == b"\r" {
            let head = &raw[..start];
            let head = head.strip_suffix(b"\n").unwrap_or(head);
            let head = head.strip_suffix(b"\r").unwrap_or(head);
            return Some((head, &raw[end + 1..]));
        }
        start = end + 1;
    }
    None
}

/// A chunked body's bytes.
fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = raw
            .iter()
            .position(|b| *b == b'\n')
            .ok_or("a chunk size line is missing")?;
        let size_text = std::str::from_utf8(&raw[..line_end])
            .map_err(|_| "a chunk size is not text")?
            .trim();
        let size_text = size_text.split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("a chunk size is not hex: {size_text:?}"))?;
        raw = &raw[line_end + 1..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = raw.get(..size).ok_or("a chunk is cut short")?;
        body.extend_from_slice(chunk);
        raw = &raw[size..];
        raw = raw
            .strip_prefix(b"\r\n")
            .or_else(|| raw.strip_prefix(b"\n"))
            .ok_or("a chunk does not end with a line break")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_lf_captures_read_the_same_and_keep_the_body_exact() {
        let crlf = b"POST /webhooks/github?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nX-A:  b \r\n\r\n{\"a\":1}\n";
        let captured = parse(crlf).unwrap();
        assert_eq!(captured.method, "POST");
        assert_eq!(captured.target, "/webhooks/github?x=1");
        assert_eq!(captured.header("x-a"), Some("b"));
        // Content-Length keeps the signed bytes; the capture's newline is not the body's.
        assert_eq!(captured.body, b"{\"a\":1");
        let lf = b"POST /p HTTP/1.1\nHost: a\n\nbody\r\n";
        let captured = parse(lf).unwrap();
        assert_eq!(captured.headers, [("Host".to_owned(), "a".to_owned())]);
        assert_eq!(captured.body, b"body\r\n");
    }

    #[test]
    fn chunked_bodies_are_joined_and_bad_captures_say_why() {
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse(chunked).unwrap().body, b"abcde");
        assert!(
            parse(b"POST / HTTP/1.1\r\nA: b\r\n")
                .unwrap_err()
                .contains("blank line")
        );
        let cut = parse(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc").unwrap_err();
        assert!(cut.contains("3 body bytes"), "{cut}");
        assert!(
            parse(b"hello\r\n\r\n")
                .unwrap_err()
                .contains("request line")
        );
    }
}
