//! Dead letters: verified deliveries that the handler's own type could not take.
//!
//! A handler that extracts `Verified<T>` with a `T` of your own may meet an authentic delivery
//! that does not fit `T` (a field the sender renamed, a number where you expected a string).
//! Answering an error would make the sender retry the same bytes until it gives up: Audit
//! Trail retries 5 times over about 2.5 hours and then **disables the webhook**; PALO abandons
//! the delivery after 5 attempts. So by default ([`UnparsedPolicy`]) the layer and the
//! middleware **store the delivery in a [`DeadLetterSink`], answer 200 and mark it done**:
//! nothing is lost, the sender stays happy, and once `T` is fixed you
//! [re-drive](JsonLinesSink::redrive) the dead letters through the same handler.
//!
//! The sink shipped here, [`JsonLinesSink`], appends one JSON line per delivery to
//! `<dir>/dead-letters.jsonl` and `fsync`s it before the 200 is sent: acknowledged means
//! stored. If it cannot write, the delivery is answered 503 and stays retryable.
//!
//! The typed event enums ([`AuditTrailEvent`](crate::event::AuditTrailEvent),
//! [`PaloEvent`](crate::event::PaloEvent)) never need this: a delivery that does not fit their
//! models is their `Unparsed` variant, and reaches the handler.
//!
//! In inbox mode (feature `inbox-sqlite` or `inbox-postgres`) the same idea lives in the inbox's
//! table: a delivery its worker cannot parse fails its attempts and ends `dead`, kept with the
//! parse error, and the inbox's re-drive runs it again once the type is fixed.
//!
//! ```
//! use webhook_guard::dead_letter::{DeadLetter, DeadLetterSink, JsonLinesSink};
//!
//! # futures::executor::block_on(async {
//! let dir = std::env::temp_dir().join(format!("wg-doc-dead-letters-{}", std::process::id()));
//! let sink = JsonLinesSink::new(&dir);
//! let letter = DeadLetter::new(
//!     "palo",
//!     "evt_1",
//!     br#"{"event_id":"evt_1","event_type":"ticket.created","data":{"priority":3}}"#.as_slice(),
//!     "invalid type: integer `3`, expected a string",
//! );
//! sink.store(&letter)?;
//! assert_eq!(sink.pending()?.len(), 1);
//!
//! // Later, with the handler's type fixed: each dead letter runs once.
//! let report = sink
//!     .redrive(async |letter: DeadLetter| {
//!         let value: serde_json::Value = letter.parse()?;
//!         assert_eq!(value["data"]["priority"], 3);
//!         Ok::<_, serde_json::Error>(())
//!     })
//!     .await?;
//! assert_eq!((report.handled, report.failed), (1, 0));
//! assert!(sink.pending()?.is_empty());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! # }).unwrap();
//! ```

use std::collections::HashSet;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::{Delivery, HeaderLookup, Scheme};

/// One verified delivery that its handler's type could not take, with everything needed to
/// run it again: the raw body as received, the headers the scheme reads, its id, type, tenant,
/// and the parse error.
///
/// Serialised as one JSON object; a body that is UTF-8 (every JSON body) is written as the
/// string `body`, any other as the byte array `body_bytes`.
///
/// ```
/// use webhook_guard::dead_letter::DeadLetter;
///
/// let letter = DeadLetter::new("audit-trail", "whd_1", br#"{"id":"whd_1"}"#.as_slice(), "missing field `type`");
/// let line = serde_json::to_string(&letter)?;
/// assert!(line.contains(r#""body":"{\"id\":\"whd_1\"}""#));
/// let back: DeadLetter = serde_json::from_str(&line)?;
/// assert_eq!(back, letter);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Record", try_from = "Record")]
#[non_exhaustive]
pub struct DeadLetter {
    /// The scheme's name (`audit-trail`, `palo`, ...).
    pub scheme: String,
    /// The deduplication id.
    pub id: String,
    /// The event type, if the scheme reads one.
    pub event_type: Option<String>,
    /// The tenant, if the scheme reads one.
    pub tenant: Option<String>,
    /// When it was dead-lettered, in Unix seconds.
    pub received_at: i64,
    /// The headers the scheme reads (signature, timestamp, id, type), and `content-type`.
    pub headers: Vec<(String, String)>,
    /// The raw body, exactly as received and verified.
    pub body: Bytes,
    /// Why the handler's type could not take it.
    pub error: String,
}

impl DeadLetter {
    /// A dead letter received now, without headers (a test, or a sink of your own).
    pub fn new(
        scheme: impl Into<String>,
        id: impl Into<String>,
        body: impl Into<Bytes>,
        error: impl Into<String>,
    ) -> Self {
        Self {
            scheme: scheme.into(),
            id: id.into(),
            event_type: None,
            tenant: None,
            received_at: unix_now(),
            headers: Vec::new(),
            body: body.into(),
            error: error.into(),
        }
    }

    #[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
    /// The dead letter of a verified `delivery` whose body did not parse: its metadata, its
    /// raw body and the headers `scheme` reads.
    pub(crate) fn from_delivery<H: HeaderLookup + ?Sized>(
        scheme: &Scheme,
        delivery: &Delivery,
        headers: &H,
        error: &serde_json::Error,
    ) -> Self {
        Self {
            scheme: delivery.scheme().to_owned(),
            id: delivery.id().to_owned(),
            event_type: delivery.event_type().map(str::to_owned),
            tenant: delivery.tenant().map(str::to_owned),
            received_at: unix_now(),
            headers: scheme.kept_headers(headers),
            body: delivery.body().clone(),
            error: error.to_string(),
        }
    }

    /// Parses the body as `T`: the handler's type, once fixed.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// What makes two dead letters the same delivery (the replay store's key: scheme, tenant,
    /// id), so a delivery dead-lettered twice is re-driven once.
    fn key(&self) -> (String, Option<String>, String) {
        (self.scheme.clone(), self.tenant.clone(), self.id.clone())
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The wire form of a [`DeadLetter`].
#[derive(Serialize, Deserialize)]
struct Record {
    scheme: String,
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tenant: Option<String>,
    received_at: i64,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_bytes: Option<Vec<u8>>,
    error: String,
}

impl From<DeadLetter> for Record {
    fn from(letter: DeadLetter) -> Self {
        let (body, body_bytes) = match String::from_utf8(letter.body.to_vec()) {
            Ok(text) => (Some(text), None),
            Err(bytes) => (None, Some(bytes.into_bytes())),
        };
        Self {
            scheme: letter.scheme,
            id: letter.id,
            event_type: letter.event_type,
            tenant: letter.tenant,
            received_at: letter.received_at,
            headers: letter.headers,
            body,
            body_bytes,
            error: letter.error,
        }
    }
}

impl TryFrom<Record> for DeadLetter {
    type Error = &'static str;

    fn try_from(record: Record) -> Result<Self, Self::Error> {
        let body = match (record.body, record.body_bytes) {
            (Some(text), None) => Bytes::from(text),
            (None, Some(bytes)) => Bytes::from(bytes),
            _ => return Err("a dead letter has exactly one of `body` and `body_bytes`"),
        };
        Ok(Self {
            scheme: record.scheme,
            id: record.id,
            event_type: record.event_type,
            tenant: record.tenant,
            received_at: record.received_at,
            headers: record.headers,
            body,
            error: record.error,
        })
    }
}

/// Where dead letters go. Implement it to keep them in your own database or queue; `store`
/// must return only once the letter is durable, because the sender is answered 2xx right after.
///
/// It is called from the request's task: keep it short (the file sink appends one line and
/// `fsync`s, about a millisecond on a local disk).
///
/// ```
/// use std::io;
/// use std::sync::Mutex;
/// use webhook_guard::dead_letter::{DeadLetter, DeadLetterSink};
///
/// /// Keeps dead letters in memory: for tests only, a restart loses them.
/// #[derive(Default)]
/// struct InMemory(Mutex<Vec<DeadLetter>>);
///
/// impl DeadLetterSink for InMemory {
///     fn store(&self, letter: &DeadLetter) -> io::Result<()> {
///         self.0.lock().unwrap().push(letter.clone());
///         Ok(())
///     }
/// }
/// # InMemory::default().store(&DeadLetter::new("s", "i", "{}", "e")).unwrap();
/// ```
pub trait DeadLetterSink: Send + Sync + 'static {
    /// Stores one dead letter durably; an error makes the delivery answered 503 (retryable).
    fn store(&self, letter: &DeadLetter) -> io::Result<()>;
}

/// A shared sink (one sink for several guards, or kept by the caller to read it back).
impl<T: DeadLetterSink + ?Sized> DeadLetterSink for Arc<T> {
    fn store(&self, letter: &DeadLetter) -> io::Result<()> {
        (**self).store(letter)
    }
}

/// What the layer and the middleware do with a verified delivery whose body does not parse as
/// the handler's `Verified<T>`. Set it with
/// [`Guard::on_unparsed`](crate::Guard::on_unparsed); it is the same on both adapters.
///
/// - [`DeadLetter`](Self::DeadLetter) (the default, into a [`JsonLinesSink`] in
///   `./dead-letters`): the delivery is stored, answered **200** and marked done; the handler
///   does not run. Re-drive it once the type is fixed. If the sink cannot store it: 503 with
///   `Retry-After`, the delivery stays retryable.
/// - [`Reject`](Self::Reject): answered **400** "event does not match the expected type", and not
///   marked done, so the sender retries it, and a handler fixed in the meantime takes it. Mind
///   the providers' limits: Audit Trail retries 5 times (+1 min, +5 min, +30 min, +2 h) and then
///   disables the whole webhook; PALO retries 4 times (+5 min, +30 min, +2 h, +6 h) and abandons
///   the delivery (it can be re-sent by hand from its dashboard); other providers have their own.
///
/// ```
/// use webhook_guard::dead_letter::{JsonLinesSink, UnparsedPolicy};
/// use webhook_guard::{Guard, Scheme, Secret, Verifier};
///
/// let secret = Secret::new("whsec_abc123def456").unwrap();
/// let guard = Guard::new(Verifier::new(Scheme::audit_trail(), [secret]))
///     .on_unparsed(UnparsedPolicy::dead_letter(JsonLinesSink::new("/var/lib/my-app/dead-letters")));
/// assert!(matches!(guard.unparsed_policy(), UnparsedPolicy::DeadLetter(_)));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum UnparsedPolicy {
    /// Store in the sink, answer 200, mark done.
    DeadLetter(Arc<dyn DeadLetterSink>),
    /// Answer 400 and leave the delivery retryable.
    Reject,
}

impl UnparsedPolicy {
    /// Dead letters go to `sink`.
    pub fn dead_letter(sink: impl DeadLetterSink) -> Self {
        Self::DeadLetter(Arc::new(sink))
    }

    #[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
    /// Applies the policy to a verified delivery that did not parse: what the adapter answers.
    pub(crate) fn apply<H: HeaderLookup + ?Sized>(
        &self,
        scheme: &Scheme,
        delivery: &Delivery,
        headers: &H,
        error: serde_json::Error,
    ) -> Unparsed {
        let Self::DeadLetter(sink) = self else {
            tracing::warn!(
                scheme = delivery.scheme(),
                delivery_id = delivery.id(),
                %error,
                "verified delivery does not match the handler's type: rejected, the sender will retry"
            );
            return Unparsed::Rejected(error);
        };
        let letter = DeadLetter::from_delivery(scheme, delivery, headers, &error);
        match sink.store(&letter) {
            Ok(()) => {
                tracing::warn!(
                    scheme = delivery.scheme(),
                    delivery_id = delivery.id(),
                    event_type = delivery.event_type(),
                    %error,
                    outcome = "dead_lettered",
                    "verified delivery does not match the handler's type: stored as a dead letter"
                );
                Unparsed::DeadLettered
            }
            Err(io_error) => {
                tracing::error!(
                    scheme = delivery.scheme(),
                    delivery_id = delivery.id(),
                    %error,
                    %io_error,
                    "verified delivery does not match the handler's type, and the dead-letter sink failed: answering 503"
                );
                Unparsed::SinkFailed
            }
        }
    }
}

impl Default for UnparsedPolicy {
    /// Dead letters in `./dead-letters` (created on the first one).
    fn default() -> Self {
        Self::dead_letter(JsonLinesSink::new("dead-letters"))
    }
}

impl fmt::Debug for UnparsedPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DeadLetter(_) => f.write_str("DeadLetter(..)"),
            Self::Reject => f.write_str("Reject"),
        }
    }
}

/// What became of a delivery that did not parse: each adapter turns it into its response.
#[derive(Debug)]
#[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
pub(crate) enum Unparsed {
    /// Stored: answer 200 (the delivery is marked done).
    DeadLettered,
    /// The sink failed: answer 503 with `Retry-After` (the delivery stays retryable).
    SinkFailed,
    /// The policy rejects: answer 400.
    Rejected(serde_json::Error),
}

/// Dead letters as JSON lines in a directory: `dead-letters.jsonl` holds one letter per line
/// (appended, then `fsync`ed before the sender is answered), `redriven.jsonl` the keys of those
/// re-driven since. Nothing is written until the first dead letter; the directory is created
/// then.
///
/// One process appends to a directory at a time (the receiver); a re-drive, from the same or
/// another process, writes only `redriven.jsonl`. See the [module docs](self) for an example.
#[derive(Debug)]
pub struct JsonLinesSink {
    dir: PathBuf,
    letters: Mutex<Option<File>>,
}

/// What [`JsonLinesSink::redrive`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Redriven {
    /// Letters the handler took (now marked re-driven).
    pub handled: usize,
    /// Letters the handler failed on (kept, for the next re-drive).
    pub failed: usize,
    /// Letters of a delivery already re-driven (dead-lettered twice): not run again.
    pub duplicates: usize,
}

const LETTERS: &str = "dead-letters.jsonl";
const REDRIVEN: &str = "redriven.jsonl";

impl JsonLinesSink {
    /// A sink writing under `dir`.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        Self {
            dir: dir.as_ref().to_path_buf(),
            letters: Mutex::new(None),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every dead letter stored, re-driven or not, oldest first.
    pub fn all(&self) -> io::Result<Vec<DeadLetter>> {
        read_lines(&self.dir.join(LETTERS))
    }

    /// The dead letters not re-driven yet, oldest first, one per delivery.
    pub fn pending(&self) -> io::Result<Vec<DeadLetter>> {
        let mut done = self.redriven_keys()?;
        Ok(self
            .all()?
            .into_iter()
            .filter(|letter| done.insert(letter.key()))
            .collect())
    }

    /// Runs `handler` once for each pending dead letter, oldest first, and marks those it
    /// took (`Ok`) as re-driven (`fsync`ed), so the next re-drive skips them. A delivery
    /// dead-lettered twice runs once. Letters the handler fails on stay pending.
    ///
    /// A crash between the handler's effect and the mark re-drives that letter again:
    /// at-least-once, as any handler without a transaction of its own.
    pub async fn redrive<F, E>(&self, mut handler: F) -> io::Result<Redriven>
    where
        F: AsyncFnMut(DeadLetter) -> Result<(), E>,
        E: fmt::Display,
    {
        let mut done = self.redriven_keys()?;
        let mut report = Redriven::default();
        for letter in self.all()? {
            let key = letter.key();
            if done.contains(&key) {
                report.duplicates += 1;
                continue;
            }
            let (scheme, id) = (letter.scheme.clone(), letter.id.clone());
            match handler(letter).await {
                Ok(()) => {
                    let mut line = serde_json::to_vec(&RedrivenKey::from(&key))?;
                    line.push(b'\n');
                    append_durably(&self.dir, REDRIVEN, &line)?;
                    done.insert(key);
                    report.handled += 1;
                }
                Err(error) => {
                    tracing::warn!(scheme, delivery_id = id, %error, "re-drive failed: the dead letter stays pending");
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    fn redriven_keys(&self) -> io::Result<HashSet<(String, Option<String>, String)>> {
        Ok(read_lines::<RedrivenKey>(&self.dir.join(REDRIVEN))?
            .into_iter()
            .map(|k| (k.scheme, k.tenant, k.id))
            .collect())
    }
}

impl DeadLetterSink for JsonLinesSink {
    fn store(&self, letter: &DeadLetter) -> io::Result<()> {
        let mut line = serde_json::to_vec(letter)?;
        line.push(b'\n');
        // Poisoned only by a panic inside this block, which holds no invariant: go on.
        let mut file = self
            .letters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if file.is_none() {
            *file = Some(open_append(&self.dir, LETTERS)?);
        }
        let result = file.as_mut().map_or(Ok(()), |f| {
            f.write_all(&line)?;
            f.sync_data()
        });
        if result.is_err() {
            // Reopen next time: the handle may be the cause (a deleted directory, a full disk).
            *file = None;
        }
        result
    }
}

#[derive(Serialize, Deserialize)]
struct RedrivenKey {
    scheme: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tenant: Option<String>,
    id: String,
}

impl From<&(String, Option<String>, String)> for RedrivenKey {
    fn from((scheme, tenant, id): &(String, Option<String>, String)) -> Self {
        Self {
            scheme: scheme.clone(),
            tenant: tenant.clone(),
            id: id.clone(),
        }
    }
}

fn open_append(dir: &Path, name: &str) -> io::Result<File> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let created = !path.exists();
    let file = OpenOptions::new().create(true).append(true).open(&path)?;
    if created {
        // A new file's name lives in the directory: make it durable too.
        File::open(dir)?.sync_all()?;
    }
    Ok(file)
}

fn append_durably(dir: &Path, name: &str, line: &[u8]) -> io::Result<()> {
    let mut file = open_append(dir, name)?;
    file.write_all(line)?;
    file.sync_data()
}

/// The complete lines of a JSON-lines file (a last line still being written has no newline
/// yet and is left for the next read); a missing file is empty.
fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> io::Result<Vec<T>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::new(file);
    let mut items = Vec::new();
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 || line.last() != Some(&b'\n') {
            return Ok(items);
        }
        number += 1;
        let item = serde_json::from_slice(&line).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}, line {number}: {e}", path.display()),
            )
        })?;
        items.push(item);
    }
}
