//! The dead-letter sink on a bad disk: a torn line hides no other letter (skipped and
//! reported), each record starts on a fresh line, a write that fails on a full disk (a real
//! one: a small tmpfs this test mounts) is cut back and answered 503, and the sink works again
//! once there is space. The store runs on tokio's blocking pool, off the request's thread.
//!
//! Needs root for `mount` (the test environment runs as root); without it the disk-full tests
//! fail, they do not skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use serde::Deserialize;
use serde_json::json;
use webhook_guard::dead_letter::{DeadLetter, DeadLetterSink, JsonLinesSink, UnparsedPolicy};
use webhook_guard::time::{Clock, SystemClock, format_rfc3339};
use webhook_guard::{Guard, Scheme, Secret, Signer, Verifier};

const PALO_SECRET: &str = "test_palo_secret_at_least_32_chars!!";

fn palo_secret() -> Secret {
    Scheme::palo().secret(PALO_SECRET).unwrap()
}

/// A directory of its own under the temp dir, emptied.
fn fresh_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "wg-dead-letter-sink-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn letter(id: &str) -> DeadLetter {
    DeadLetter::new(
        "palo",
        id,
        format!(r#"{{"event_id":"{id}"}}"#),
        "missing field `x`",
    )
}

fn line(letter: &DeadLetter) -> String {
    serde_json::to_string(letter).unwrap() + "\n"
}

fn ids(letters: &[DeadLetter]) -> Vec<&str> {
    letters.iter().map(|letter| letter.id.as_str()).collect()
}

/// The first `n` bytes of a record: what a write torn by a crash or a full disk leaves.
fn torn(letter: &DeadLetter, n: usize) -> String {
    line(letter)[..n].to_owned()
}

#[test]
fn a_torn_line_in_the_middle_hides_no_other_letter() {
    let dir = fresh_dir("middle");
    let file = dir.join("dead-letters.jsonl");
    let content = [
        line(&letter("evt_1")),
        torn(&letter("evt_2"), 30) + "\n",
        line(&letter("evt_3")),
        line(&letter("evt_4")),
    ]
    .concat();
    std::fs::write(&file, content).unwrap();
    let sink = JsonLinesSink::new(&dir);

    let listing = sink.read_all().unwrap();
    assert_eq!(ids(&listing.letters), ["evt_1", "evt_3", "evt_4"]);
    assert_eq!(listing.unreadable, [2]);
    assert_eq!(
        ids(&sink.read_pending().unwrap().letters),
        ["evt_1", "evt_3", "evt_4"]
    );
    assert_eq!(sink.read_pending().unwrap().unreadable, [2]);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut seen = Vec::new();
    let report = runtime
        .block_on(sink.redrive(async |letter: DeadLetter| {
            seen.push(letter.id);
            Ok::<_, std::io::Error>(())
        }))
        .unwrap();
    assert_eq!(seen, ["evt_1", "evt_3", "evt_4"]);
    assert_eq!((report.handled, report.failed, report.skipped), (3, 0, 1));
    assert!(sink.pending().unwrap().is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_store_after_a_torn_tail_starts_on_a_fresh_line() {
    let dir = fresh_dir("tail");
    let file = dir.join("dead-letters.jsonl");
    let tail = torn(&letter("evt_torn"), 25);
    std::fs::write(&file, line(&letter("evt_1")) + &tail).unwrap();
    let sink = JsonLinesSink::new(&dir);
    // A last line without its newline may be a write in progress: not read, not reported yet.
    let before = sink.read_all().unwrap();
    assert_eq!(ids(&before.letters), ["evt_1"]);
    assert!(before.unreadable.is_empty());

    sink.store(&letter("evt_2")).unwrap();

    let content = std::fs::read_to_string(&file).unwrap();
    assert!(
        content.ends_with(&format!("{tail}\n{}", line(&letter("evt_2")))),
        "the new record has a line of its own: {content}"
    );
    let after = sink.read_all().unwrap();
    assert_eq!(ids(&after.letters), ["evt_1", "evt_2"]);
    assert_eq!(
        after.unreadable,
        [2],
        "the torn tail is now a line, reported"
    );
    // A store after a clean record adds no blank line.
    sink.store(&letter("evt_3")).unwrap();
    let content = std::fs::read_to_string(&file).unwrap();
    assert_eq!(content.lines().count(), 4, "{content}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_record_glued_to_a_torn_line_by_an_earlier_build_is_read() {
    let dir = fresh_dir("glued");
    // What the sink wrote before it started each record on a fresh line: the next record
    // appended right after the torn one. Its body quotes the marker the reader resyncs on,
    // which JSON escapes, so it cannot be mistaken for a record's start.
    let tricky = DeadLetter::new(
        "palo",
        "evt_2",
        r#"{"scheme":"palo","id":"evt_fake"}"#,
        "missing field `x`",
    );
    let content = torn(&letter("evt_1"), 40) + &line(&tricky) + &line(&letter("evt_3"));
    std::fs::write(dir.join("dead-letters.jsonl"), content).unwrap();

    let listing = JsonLinesSink::new(&dir).read_all().unwrap();
    assert_eq!(ids(&listing.letters), ["evt_2", "evt_3"]);
    assert_eq!(listing.letters[0], tricky);
    assert_eq!(listing.unreadable, [1]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_torn_redrive_mark_hides_no_other_mark() {
    let dir = fresh_dir("marks");
    let letters: String = ["evt_1", "evt_2", "evt_3"]
        .map(|id| line(&letter(id)))
        .concat();
    std::fs::write(dir.join("dead-letters.jsonl"), letters).unwrap();
    let mark = |id: &str| format!(r#"{{"scheme":"palo","id":"{id}"}}"#);
    // evt_1 re-driven, a torn mark, evt_3 re-driven, then a mark torn at the tail.
    let marks = format!(
        "{}\n{}\n{}\n{}",
        mark("evt_1"),
        &mark("evt_2")[..12],
        mark("evt_3"),
        &mark("evt_2")[..20]
    );
    std::fs::write(dir.join("redriven.jsonl"), marks).unwrap();
    let sink = JsonLinesSink::new(&dir);
    assert_eq!(ids(&sink.pending().unwrap()), ["evt_2"]);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let report = runtime
        .block_on(sink.redrive(async |_| Ok::<_, std::io::Error>(())))
        .unwrap();
    assert_eq!((report.handled, report.duplicates), (1, 2));
    // The new mark has a line of its own, after the torn tail: it counts.
    assert!(sink.pending().unwrap().is_empty());
    let report = runtime
        .block_on(sink.redrive(async |_| Ok::<_, std::io::Error>(())))
        .unwrap();
    assert_eq!(report.handled, 0, "re-driven once only");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A tmpfs of `size` mounted on a fresh directory, unmounted on drop.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(name: &str, size: &str) -> Self {
        let dir = fresh_dir(name);
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status();
        assert!(
            matches!(status, Ok(status) if status.success()),
            "cannot mount a {size} tmpfs on {} ({status:?}): this test needs root and `mount`",
            dir.display()
        );
        Self { dir }
    }

    /// Writes zeros to a file until the filesystem is full.
    fn fill(&self) {
        use std::io::Write;
        let mut filler = std::fs::File::create(self.dir.join("filler")).unwrap();
        let chunk = [0; 4096];
        loop {
            match filler.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) => {
                    assert_eq!(error.raw_os_error(), Some(libc::ENOSPC), "{error}");
                    break;
                }
            }
        }
    }

    fn grow(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "remount with size={size}");
    }

    fn letters(&self) -> PathBuf {
        self.dir.join("letters")
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A letter whose body is `size` bytes: larger than what a tmpfs page has left.
fn big_letter(id: &str, size: usize) -> DeadLetter {
    DeadLetter::new("palo", id, "x".repeat(size), "missing field `x`")
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

#[test]
fn a_full_disk_fails_the_store_cleanly_and_the_sink_heals_when_space_returns() {
    let disk = SmallDisk::mount("full", "64k");
    let sink = JsonLinesSink::new(disk.letters());
    sink.store(&letter("evt_1")).unwrap();
    let file = disk.letters().join("dead-letters.jsonl");
    let clean = file_len(&file);
    disk.fill();

    // Its first bytes fit in the file's last page, the rest does not: a write torn part-way.
    let error = sink.store(&big_letter("evt_2", 16 * 1024)).unwrap_err();
    assert_eq!(error.raw_os_error(), Some(libc::ENOSPC), "{error}");
    assert_eq!(file_len(&file), clean, "the failed write is cut back");
    // The sender retries while the disk is still full: the same, and the file stays clean.
    assert!(sink.store(&big_letter("evt_2", 16 * 1024)).is_err());
    assert_eq!(file_len(&file), clean);

    disk.grow("1m");
    std::fs::remove_file(disk.dir.join("filler")).unwrap();
    sink.store(&big_letter("evt_2", 16 * 1024)).unwrap();
    sink.store(&letter("evt_4")).unwrap();

    let listing = sink.read_all().unwrap();
    assert_eq!(ids(&listing.letters), ["evt_1", "evt_2", "evt_4"]);
    assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
}

// The HTTP path: the guard answers 503 while the sink cannot write and 200 once it can, and
// runs the store off the request's thread.

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Strict {
    event_id: String,
    /// PALO never sends it: every delivery is a misfit.
    never_sent: u32,
}

/// A signed PALO delivery that verifies and does not fit `Strict`.
fn misfit(id: &str, padding: usize) -> (Vec<(String, String)>, Vec<u8>) {
    let now = SystemClock.now_unix();
    let body = json!({
        "event_id": id,
        "event_type": "ticket.created",
        "timestamp": format_rfc3339(now),
        "organization_id": "org_1",
        "data": {"ticket_id": "TKT-1", "note": "x".repeat(padding)},
    })
    .to_string()
    .into_bytes();
    let headers = Signer::new(Scheme::palo(), palo_secret()).headers(&body, now, id);
    (headers, body)
}

fn guard(policy: UnparsedPolicy) -> Guard {
    Guard::new(Verifier::new(Scheme::palo(), [palo_secret()])).on_unparsed(policy)
}

mod axum_side {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::post;
    use tower::ServiceExt;
    use webhook_guard::axum::{Verified, WebhookLayer};

    async fn handle(Verified(_): Verified<Strict>) -> &'static str {
        "OK"
    }

    fn app(policy: UnparsedPolicy) -> Router {
        Router::new().route(
            "/palo",
            post(handle).layer(WebhookLayer::new(guard(policy))),
        )
    }

    pub(super) async fn send(
        app: &Router,
        (headers, body): (Vec<(String, String)>, Vec<u8>),
    ) -> StatusCode {
        let mut request = Request::post("/palo");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        response.status()
    }

    #[tokio::test]
    async fn a_full_disk_answers_503_and_space_back_answers_200() {
        let disk = SmallDisk::mount("axum", "64k");
        let sink = Arc::new(JsonLinesSink::new(disk.letters()));
        let app = app(UnparsedPolicy::dead_letter(Arc::clone(&sink)));
        assert_eq!(send(&app, misfit("evt_1", 0)).await, StatusCode::OK);
        disk.fill();
        assert_eq!(
            send(&app, misfit("evt_2", 16 * 1024)).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "not stored: retryable"
        );
        disk.grow("1m");
        std::fs::remove_file(disk.dir.join("filler")).unwrap();
        assert_eq!(send(&app, misfit("evt_2", 16 * 1024)).await, StatusCode::OK);
        let listing = sink.read_all().unwrap();
        assert_eq!(ids(&listing.letters), ["evt_1", "evt_2"]);
        assert!(listing.unreadable.is_empty());
    }

    /// Records the thread each store runs on.
    #[derive(Default)]
    pub(super) struct Threads(pub(super) Mutex<Vec<ThreadId>>);

    impl DeadLetterSink for Threads {
        fn store(&self, _: &DeadLetter) -> std::io::Result<()> {
            self.0.lock().unwrap().push(std::thread::current().id());
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_store_runs_off_the_runtime_thread() {
        let threads = Arc::new(Threads::default());
        let app = app(UnparsedPolicy::dead_letter(Arc::clone(&threads)));
        assert_eq!(send(&app, misfit("evt_thread", 0)).await, StatusCode::OK);
        let stored_on = threads.0.lock().unwrap().clone();
        assert_eq!(stored_on.len(), 1);
        assert_ne!(
            stored_on[0],
            std::thread::current().id(),
            "the store ran on the runtime's only thread"
        );
    }

    struct Panics;

    impl DeadLetterSink for Panics {
        fn store(&self, _: &DeadLetter) -> std::io::Result<()> {
            panic!("a sink with a bug");
        }
    }

    #[tokio::test]
    async fn a_sink_that_panics_answers_503() {
        let app = app(UnparsedPolicy::dead_letter(Panics));
        assert_eq!(
            send(&app, misfit("evt_panic", 0)).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}

mod actix_side {
    use super::axum_side::Threads;
    use super::*;
    use actix_web::http::StatusCode;
    use actix_web::{App, HttpResponse, test, web};
    use webhook_guard::actix::{Verified, WebhookMiddleware};

    async fn handle(Verified(_): Verified<Strict>) -> HttpResponse {
        HttpResponse::Ok().body("OK")
    }

    async fn send(
        policy: UnparsedPolicy,
        (headers, body): (Vec<(String, String)>, Vec<u8>),
    ) -> StatusCode {
        let app = test::init_service(
            App::new().service(
                web::resource("/palo")
                    .wrap(WebhookMiddleware::new(guard(policy)))
                    .route(web::post().to(handle)),
            ),
        )
        .await;
        let mut request = test::TestRequest::post().uri("/palo");
        for (name, value) in headers {
            request = request.insert_header((name, value));
        }
        test::call_service(&app, request.set_payload(body).to_request())
            .await
            .status()
    }

    #[actix_web::test]
    async fn the_store_runs_off_the_arbiter_thread_and_a_full_disk_answers_503() {
        let threads = Arc::new(Threads::default());
        let policy = UnparsedPolicy::dead_letter(Arc::clone(&threads));
        assert_eq!(send(policy, misfit("evt_thread", 0)).await, StatusCode::OK);
        let stored_on = threads.0.lock().unwrap().clone();
        assert_eq!(stored_on.len(), 1);
        assert_ne!(stored_on[0], std::thread::current().id());

        let disk = SmallDisk::mount("actix", "64k");
        let sink = Arc::new(JsonLinesSink::new(disk.letters()));
        let policy = UnparsedPolicy::dead_letter(Arc::clone(&sink));
        assert_eq!(
            send(policy.clone(), misfit("evt_1", 0)).await,
            StatusCode::OK
        );
        disk.fill();
        assert_eq!(
            send(policy.clone(), misfit("evt_2", 16 * 1024)).await,
            StatusCode::SERVICE_UNAVAILABLE
        );
        disk.grow("1m");
        std::fs::remove_file(disk.dir.join("filler")).unwrap();
        assert_eq!(
            send(policy, misfit("evt_2", 16 * 1024)).await,
            StatusCode::OK
        );
        assert_eq!(ids(&sink.all().unwrap()), ["evt_1", "evt_2"]);
    }
}
