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
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
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
/// `store` may block (write, `fsync`): the adapters call it on tokio's blocking pool
/// ([`tokio::task::spawn_blocking`]), never on a runtime worker, and the request waits for it.
/// Outside a tokio runtime it runs on the caller's thread. A `store` that panics is answered
/// as a failed one (503).
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
    ///
    /// The letter is built here, from the borrowed request; the future owns it and stores it
    /// on the blocking pool (the sink writes and `fsync`s), so it borrows nothing and an
    /// adapter whose extractor must be `'static` (actix-web) can return it.
    pub(crate) fn apply<H: HeaderLookup + ?Sized>(
        &self,
        scheme: &Scheme,
        delivery: &Delivery,
        headers: &H,
        error: serde_json::Error,
    ) -> impl Future<Output = Unparsed> + Send + 'static {
        let stored = match self {
            Self::DeadLetter(sink) => Ok((
                Arc::clone(sink),
                DeadLetter::from_delivery(scheme, delivery, headers, &error),
            )),
            Self::Reject => {
                tracing::warn!(
                    scheme = delivery.scheme(),
                    delivery_id = delivery.id(),
                    %error,
                    "verified delivery does not match the handler's type: rejected, the sender will retry"
                );
                Err(error)
            }
        };
        async move {
            let (sink, letter) = match stored {
                Ok(stored) => stored,
                Err(error) => return Unparsed::Rejected(error),
            };
            let (scheme, id) = (letter.scheme.clone(), letter.id.clone());
            let event_type = letter.event_type.clone();
            let reason = letter.error.clone();
            match blocking(move || sink.store(&letter)).await {
                Ok(()) => {
                    tracing::warn!(
                        scheme,
                        delivery_id = id,
                        event_type,
                        error = %reason,
                        outcome = "dead_lettered",
                        "verified delivery does not match the handler's type: stored as a dead letter"
                    );
                    Unparsed::DeadLettered
                }
                Err(io_error) => {
                    tracing::error!(
                        scheme,
                        delivery_id = id,
                        error = %reason,
                        %io_error,
                        "verified delivery does not match the handler's type, and the dead-letter sink failed: answering 503"
                    );
                    Unparsed::SinkFailed
                }
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
/// A torn line hides nothing. A write or `fsync` that fails (a full disk) is cut back to where
/// it began, and the delivery is answered 503 (retryable); each letter starts on a fresh line,
/// even after a line torn by a crash mid-write. Reading skips a line that does not parse, logs
/// its number (a `tracing` warning) and reports it: [`Listing::unreadable`],
/// [`Redriven::skipped`]. A last line without its newline yet (being written) is left for the
/// next read; once another letter follows it, it is reported like any other torn line.
///
/// One process appends to a directory at a time (the receiver); a re-drive, from the same or
/// another process, writes only `redriven.jsonl`. See the [module docs](self) for an example.
#[derive(Debug)]
pub struct JsonLinesSink {
    dir: PathBuf,
    letters: Mutex<Option<File>>,
}

/// What [`JsonLinesSink::read_all`] and [`JsonLinesSink::read_pending`] found: the letters, and
/// the lines of `dead-letters.jsonl` they skipped because they do not parse (torn writes).
///
/// ```
/// use webhook_guard::dead_letter::{DeadLetter, DeadLetterSink, JsonLinesSink};
///
/// let dir = std::env::temp_dir().join(format!("wg-doc-listing-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// // A record torn by a crash mid-write, with no newline.
/// std::fs::write(dir.join("dead-letters.jsonl"), r#"{"scheme":"palo","id":"evt_"#)?;
/// let sink = JsonLinesSink::new(&dir);
/// sink.store(&DeadLetter::new("palo", "evt_2", "{}", "missing field `event_id`"))?;
///
/// let listing = sink.read_all()?;
/// assert_eq!(listing.letters.len(), 1);
/// assert_eq!(listing.letters[0].id, "evt_2");
/// assert_eq!(listing.unreadable, [1], "the torn line, skipped and reported");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Listing {
    /// The letters read, oldest first.
    pub letters: Vec<DeadLetter>,
    /// The numbers (from 1) of the lines of `dead-letters.jsonl` that do not parse: skipped.
    pub unreadable: Vec<usize>,
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
    /// Lines of `dead-letters.jsonl` that do not parse (torn writes): skipped, see [`Listing`].
    pub skipped: usize,
}

const LETTERS: &str = "dead-letters.jsonl";
const REDRIVEN: &str = "redriven.jsonl";

type Key = (String, Option<String>, String);

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

    /// Every dead letter stored, re-driven or not, oldest first; unreadable lines are skipped
    /// (see [`read_all`](Self::read_all) to have them reported).
    pub fn all(&self) -> io::Result<Vec<DeadLetter>> {
        self.read_all().map(|listing| listing.letters)
    }

    /// The dead letters not re-driven yet, oldest first, one per delivery; unreadable lines
    /// are skipped (see [`read_pending`](Self::read_pending) to have them reported).
    pub fn pending(&self) -> io::Result<Vec<DeadLetter>> {
        self.read_pending().map(|listing| listing.letters)
    }

    /// Every dead letter stored, re-driven or not, oldest first, and the lines skipped. See
    /// the example on [`Listing`].
    pub fn read_all(&self) -> io::Result<Listing> {
        read_letters(&self.dir)
    }

    /// The dead letters not re-driven yet, oldest first, one per delivery, and the lines
    /// skipped.
    pub fn read_pending(&self) -> io::Result<Listing> {
        let mut done = redriven_keys(&self.dir)?;
        let mut listing = read_letters(&self.dir)?;
        listing.letters.retain(|letter| done.insert(letter.key()));
        Ok(listing)
    }

    /// Runs `handler` once for each pending dead letter, oldest first, and marks those it
    /// took (`Ok`) as re-driven (`fsync`ed), so the next re-drive skips them. A delivery
    /// dead-lettered twice runs once. Letters the handler fails on stay pending; unreadable
    /// lines are skipped and counted ([`Redriven::skipped`]). The files are read and written
    /// on tokio's blocking pool when run in a tokio runtime.
    ///
    /// A crash between the handler's effect and the mark re-drives that letter again:
    /// at-least-once, as any handler without a transaction of its own. So does a mark torn
    /// by a crash: it is skipped when read.
    pub async fn redrive<F, E>(&self, mut handler: F) -> io::Result<Redriven>
    where
        F: AsyncFnMut(DeadLetter) -> Result<(), E>,
        E: fmt::Display,
    {
        let dir = self.dir.clone();
        let (mut done, listing) =
            blocking(move || Ok((redriven_keys(&dir)?, read_letters(&dir)?))).await?;
        let mut report = Redriven {
            skipped: listing.unreadable.len(),
            ..Redriven::default()
        };
        for letter in listing.letters {
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
                    let dir = self.dir.clone();
                    blocking(move || append_line(&mut open_append(&dir, REDRIVEN)?, &line)).await?;
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
}

impl DeadLetterSink for JsonLinesSink {
    /// Appends the letter on a fresh line and `fsync`s it; blocks (the adapters call it on
    /// tokio's blocking pool). A failed write is cut back, and the next store opens the file
    /// again.
    fn store(&self, letter: &DeadLetter) -> io::Result<()> {
        let mut line = serde_json::to_vec(letter)?;
        line.push(b'\n');
        // Poisoned only by a panic inside this block, which holds no invariant: go on.
        let mut file = self
            .letters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let handle = match &mut *file {
            Some(handle) => handle,
            None => file.insert(open_append(&self.dir, LETTERS)?),
        };
        let result = append_line(handle, &line);
        if result.is_err() {
            // Reopen next time: the handle may be the cause (a deleted directory).
            *file = None;
        }
        result
    }
}

/// Runs `work` on tokio's blocking pool, so a write and its `fsync` (a millisecond on a local
/// disk, seconds on a struggling one) never stall a runtime worker and the requests it serves;
/// outside a tokio runtime, here.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    match tokio::runtime::Handle::try_current() {
        // The delivery's span goes along: the sink's own logs stay with the delivery's.
        Ok(runtime) => {
            let span = tracing::Span::current();
            runtime
                .spawn_blocking(move || span.in_scope(work))
                .await
                .unwrap_or_else(|failed| {
                    Err(io::Error::other(format!(
                        "the dead-letter store did not finish: {failed}"
                    )))
                })
        }
        Err(_) => work(),
    }
}

#[derive(Serialize, Deserialize)]
struct RedrivenKey {
    scheme: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tenant: Option<String>,
    id: String,
}

impl From<&Key> for RedrivenKey {
    fn from((scheme, tenant, id): &Key) -> Self {
        Self {
            scheme: scheme.clone(),
            tenant: tenant.clone(),
            id: id.clone(),
        }
    }
}

fn read_letters(dir: &Path) -> io::Result<Listing> {
    let (letters, unreadable) = read_lines(&dir.join(LETTERS))?;
    Ok(Listing {
        letters,
        unreadable,
    })
}

fn redriven_keys(dir: &Path) -> io::Result<HashSet<Key>> {
    // A torn mark is skipped: its letter is re-driven again (at-least-once).
    let (keys, _) = read_lines::<RedrivenKey>(&dir.join(REDRIVEN))?;
    Ok(keys
        .into_iter()
        .map(|k| (k.scheme, k.tenant, k.id))
        .collect())
}

fn open_append(dir: &Path, name: &str) -> io::Result<File> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let created = !path.exists();
    // Readable too: `append_line` reads the last byte.
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(&path)?;
    if created {
        // A new file's name lives in the directory: make it durable too.
        File::open(dir)?.sync_all()?;
    }
    Ok(file)
}

/// Appends `line` (ending in `\n`) to `file` and `fsync`s it.
///
/// The line starts on a fresh one: a file whose last byte is not `\n` ends with a record torn
/// by a crash mid-write, which gets its newline first, so it stays one unreadable line instead
/// of swallowing this record. A write or `fsync` that fails is cut back to where it began (best
/// effort), so a full disk leaves no torn record behind and the next write, once there is
/// space, goes on cleanly.
fn append_line(file: &mut File, line: &[u8]) -> io::Result<()> {
    let start = file.seek(SeekFrom::End(0))?;
    let torn = start > 0 && {
        let mut last = [0; 1];
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
        last != *b"\n"
    };
    let written = if torn {
        file.write_all(b"\n").and_then(|()| file.write_all(line))
    } else {
        file.write_all(line)
    };
    let result = written.and_then(|()| file.sync_data());
    if let Err(error) = &result
        && let Err(cut) = file.set_len(start).and_then(|()| file.sync_data())
    {
        tracing::warn!(
            %error,
            %cut,
            "a failed dead-letter write could not be cut back: its torn line will be skipped when read"
        );
    }
    result
}

/// The complete lines of a JSON-lines file that parse, and the numbers (from 1) of those that
/// do not (each logged, then skipped). A last line still being written has no newline yet and
/// is left for the next read; a missing file is empty.
fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> io::Result<(Vec<T>, Vec<usize>)> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e),
    };
    let mut reader = BufReader::new(file);
    let (mut items, mut unreadable) = (Vec::new(), Vec::new());
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 || line.last() != Some(&b'\n') {
            return Ok((items, unreadable));
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(&line) {
            Ok(item) => items.push(item),
            Err(error) => {
                let recovered = record_after_torn(&line);
                tracing::warn!(
                    path = %path.display(),
                    line = number,
                    %error,
                    recovered_a_record = recovered.is_some(),
                    "unreadable line (a torn write): skipped"
                );
                unreadable.push(number);
                items.extend(recovered);
            }
        }
    }
}

/// The record at the end of a line that a torn record begins: what this sink wrote after a
/// failed write before it started each record on a fresh line (files of earlier builds). Both record kinds are
/// JSON objects whose first key is `scheme`, and inside a JSON string every quote is escaped,
/// so `{"scheme":` anywhere but at the start of the line begins a record.
fn record_after_torn<T: serde::de::DeserializeOwned>(line: &[u8]) -> Option<T> {
    const START: &[u8] = br#"{"scheme":"#;
    let at = line
        .windows(START.len())
        .rposition(|window| window == START)
        .filter(|&at| at > 0)?;
    serde_json::from_slice(&line[at..]).ok()
}
