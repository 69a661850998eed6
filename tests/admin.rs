//! The operator's console (`webhook_guard::admin`) over HTTP, on a real SQLite inbox and a
//! dead-letter sink, served on loopback: 401 without credentials on every path; the pages;
//! the XSS case (a body with `<script>` shows as text); no signature on a page; CSRF (a
//! `POST` without the token, or from another origin, is refused); re-drive of a dead row that
//! the worker then handles; purge. The example receivers (axum and actix-web, inline and
//! inbox mode) mount it at `/admin` with `ADMIN_TOKEN` only. Then the same in headless
//! Chromium (see `browser`).

mod common;
#[path = "common/postgres_server.rs"]
mod postgres_server;
#[path = "common/receiver_process.rs"]
mod receiver_process;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use receiver_process::{Receiver, TempDir};
use webhook_guard::admin::Console;
use webhook_guard::dead_letter::{DeadLetter, DeadLetterSink as _, JsonLinesSink};
use webhook_guard::inbox::{
    HandlerError, Inbox, InboxOptions, NewDelivery, RetryPolicy, State, Worker,
};
use webhook_guard::{Scheme, Secret, Signer, Verifier};

pub const TOKEN: &str = "console-test-token-1";
/// The body of the XSS case: attacker-influenced text that must show as text.
pub const XSS_BODY: &str =
    r#"{"comment":"<script>document.title='pwned'</script><img src=x onerror=alert(1)>"}"#;
const GITHUB_SECRET: &str = "github-console-secret";

/// A verified GitHub delivery `id` with `body`, as the inbox stores it.
fn github(id: &str, body: &'static str) -> NewDelivery {
    let secret = Secret::new(GITHUB_SECRET).unwrap();
    let verifier = Verifier::new(Scheme::github(), [secret.clone()]);
    let headers = Signer::new(Scheme::github(), secret).headers(body.as_bytes(), 0, id);
    let verified = verifier
        .verify(&headers, Bytes::from_static(body.as_bytes()))
        .unwrap();
    NewDelivery::new(verifier.scheme(), &verified, &headers)
}

/// The signature header's value of [`github`]'s delivery `id` (must never be on a page).
fn github_signature(id: &str, body: &str) -> String {
    let secret = Secret::new(GITHUB_SECRET).unwrap();
    let headers = Signer::new(Scheme::github(), secret).headers(body.as_bytes(), 0, id);
    headers
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("x-hub-signature-256"))
        .unwrap()
        .1
}

/// A console over a SQLite inbox with two dead rows (`dead-1`, and `dead-xss` whose body is
/// [`XSS_BODY`]) and one done row (`ok-1`), and a sink with one dead letter; served on
/// loopback under `/admin`, beside a receiver route, with a worker that fails until healed.
pub struct Fixture {
    pub base: String,
    pub inbox: Inbox<sqlx::Sqlite>,
    pub healed: Arc<AtomicBool>,
    worker: Option<Worker>,
    server: tokio::task::JoinHandle<()>,
    _dir: TempDir,
}

impl Fixture {
    pub async fn start() -> Self {
        let dir = TempDir::new();
        let options = InboxOptions {
            poll_interval: Duration::from_millis(50),
            retry: RetryPolicy {
                max_attempts: 1,
                base: Duration::from_millis(10),
                cap: Duration::from_millis(10),
            },
            ..InboxOptions::default()
        };
        let url = format!("sqlite://{}", dir.0.join("inbox.db").display());
        let inbox = Inbox::<sqlx::Sqlite>::connect_with(&url, options)
            .await
            .unwrap();
        inbox.enqueue(github("dead-1", r#"{"n":1}"#)).await.unwrap();
        inbox.enqueue(github("dead-xss", XSS_BODY)).await.unwrap();
        inbox.enqueue(github("ok-1", r#"{"n":2}"#)).await.unwrap();
        let healed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&healed);
        let worker = inbox.worker().concurrency(1).run(move |delivery| {
            let fail = !flag.load(Ordering::SeqCst) && delivery.id().starts_with("dead");
            async move {
                if fail {
                    Err(HandlerError::from("downstream refused: 500".to_owned()))
                } else {
                    Ok(())
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let stats = inbox.stats().await.unwrap();
            if stats.dead == 2 && stats.done == 1 {
                break;
            }
            assert!(Instant::now() < deadline, "rows not settled: {stats:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let sink = JsonLinesSink::new(dir.0.join("dead-letters"));
        std::fs::create_dir_all(sink.dir()).unwrap();
        sink.store(&DeadLetter::new(
            "palo",
            "letter-1",
            "<b>bold</b>",
            "handler: <i>timeout</i>",
        ))
        .unwrap();
        let console = Console::new(TOKEN)
            .unwrap()
            .inbox(inbox.clone())
            .dead_letters(sink);
        let app = axum::Router::new()
            .route("/webhooks/github", axum::routing::post(|| async { "ok" }))
            .nest("/admin", console.router());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base,
            inbox,
            healed,
            worker: Some(worker),
            server,
            _dir: dir,
        }
    }

    pub async fn row_id(&self, delivery_id: &str) -> i64 {
        let rows = self
            .inbox
            .list(&webhook_guard::inbox::Filter::default().delivery_id(delivery_id))
            .await
            .unwrap();
        rows[0].row_id
    }

    pub async fn state(&self, delivery_id: &str) -> State {
        // Rows acknowledged through SQLite's intake reach the table within milliseconds.
        self.inbox.flush().await.unwrap();
        let rows = self
            .inbox
            .list(&webhook_guard::inbox::Filter::default().delivery_id(delivery_id))
            .await
            .unwrap();
        rows[0].state
    }

    pub async fn stop(mut self) {
        if let Some(worker) = self.worker.take() {
            worker.shutdown().await;
        }
        self.server.abort();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

/// The CSRF token of a page's forms.
fn csrf(page: &str) -> String {
    let at = page
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token");
    let rest = &page[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn get(fixture: &Fixture, path: &str) -> (u16, String) {
    let response = client()
        .get(format!("{}{path}", fixture.base))
        .header("authorization", bearer())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_path_needs_credentials() {
    let fixture = Fixture::start().await;
    let client = client();
    let dead = fixture.row_id("dead-1").await;
    let paths = [
        "/admin",
        "/admin/deliveries",
        "/admin/deliveries?state=dead",
        &format!("/admin/deliveries/{dead}"),
        "/admin/dead-letters",
        "/admin/console.css",
        "/admin/no-such-page",
    ];
    let wrong = [
        None,
        Some("Bearer console-test-token-2".to_owned()),
        Some("Bearer ".to_owned()),
        // admin:wrong
        Some("Basic YWRtaW46d3Jvbmc=".to_owned()),
        Some(TOKEN.to_owned()),
    ];
    for path in paths {
        for authorization in &wrong {
            let mut request = client.get(format!("{}{path}", fixture.base));
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.status().as_u16(),
                401,
                "GET {path} with {authorization:?}"
            );
            let challenge = response.headers()["www-authenticate"].to_str().unwrap();
            assert!(challenge.starts_with("Basic realm="), "{challenge}");
            let body = response.text().await.unwrap();
            assert!(!body.contains(TOKEN));
        }
    }
    for path in [
        "/admin/redrive".to_owned(),
        format!("/admin/deliveries/{dead}/redrive"),
        "/admin/purge".to_owned(),
    ] {
        let response = client
            .post(format!("{}{path}", fixture.base))
            .body("csrf=x&all=1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "POST {path}");
    }
    assert_eq!(
        fixture.state("dead-1").await,
        State::Dead,
        "nothing was done"
    );
    // Basic (what a browser sends: user `admin`, the token as password) and Bearer both open it.
    let basic = client
        .get(format!("{}/admin", fixture.base))
        .basic_auth("admin", Some(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status().as_u16(), 200);
    let other_user = client
        .get(format!("{}/admin", fixture.base))
        .basic_auth("root", Some(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(other_user.status().as_u16(), 401);
    let (status, css) = get(&fixture, "/admin/console.css").await;
    assert_eq!((status, css.contains("body {")), (200, true));
    let (status, _) = get(&fixture, "/admin/no-such-page").await;
    assert_eq!(status, 404);
    fixture.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_the_rows_escaped_and_without_signatures() {
    let fixture = Fixture::start().await;
    let response = client()
        .get(format!("{}/admin", fixture.base))
        .header("authorization", bearer())
        .send()
        .await
        .unwrap();
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let overview = response.text().await.unwrap();
    // Rows by state and by provider, each linked to its listing under the mount path.
    assert!(
        overview.contains(r#"href="/admin/deliveries?state=dead"><div class="n">2</div>"#),
        "{overview}"
    );
    assert!(overview.contains(r#"href="/admin/deliveries?state=done"><div class="n">1</div>"#));
    // The last hour's chart: 3 acknowledged, 1 handled, the 2 dead rows' last attempts.
    assert!(overview.contains("— acknowledged 3"), "{overview}");
    assert!(overview.contains("— handled 1"), "{overview}");
    assert!(overview.contains("— dead 2"), "{overview}");
    assert!(overview.contains("— failed 0"), "{overview}");
    assert!(overview.contains(r#"href="/admin/deliveries?scheme=github">github</a>"#));
    assert!(overview.contains("<svg"), "the per-minute chart");
    assert!(
        overview.contains("— acknowledged 3"),
        "three received this hour"
    );
    assert!(overview.contains(r#"href="/admin/console.css""#));
    assert!(!overview.contains("<script"), "no script on any page");

    let (status, list) = get(&fixture, "/admin/deliveries?state=dead").await;
    assert_eq!(status, 200);
    assert!(
        list.contains(">dead-xss</a>") && list.contains(">dead-1</a>"),
        "{list}"
    );
    assert!(!list.contains(">ok-1</a>"), "filtered by state");
    assert!(
        list.find("dead-xss").unwrap() < list.find("dead-1").unwrap(),
        "newest first"
    );
    assert_eq!(
        list.matches(">Redrive</button>").count(),
        2,
        "one button per dead row"
    );
    let (_, by_id) = get(&fixture, "/admin/deliveries?id=ok-1").await;
    assert!(by_id.contains(">ok-1</a>") && !by_id.contains(">dead-1</a>"));
    let (status, _) = get(&fixture, "/admin/deliveries?state=zombie").await;
    assert_eq!(status, 400);
    // Text in the body: only the delivery whose body carries it.
    let (status, by_text) = get(&fixture, "/admin/deliveries?text=document.title").await;
    assert_eq!(status, 200);
    assert!(
        by_text.contains(">dead-xss</a>") && !by_text.contains(">dead-1</a>"),
        "{by_text}"
    );
    // Paging: rows older than the newest dead one.
    let newest = fixture.row_id("dead-xss").await;
    let (_, older) = get(
        &fixture,
        &format!("/admin/deliveries?state=dead&before={newest}"),
    )
    .await;
    assert!(older.contains(">dead-1</a>") && !older.contains(">dead-xss</a>"));

    // The XSS case: the body shows as text, escaped; the signature never shows.
    let row = fixture.row_id("dead-xss").await;
    let (status, detail) = get(&fixture, &format!("/admin/deliveries/{row}")).await;
    assert_eq!(status, 200);
    assert!(!detail.contains("<script>document.title"), "{detail}");
    assert!(!detail.contains("<img src=x"), "{detail}");
    assert!(detail.contains("&lt;script&gt;document.title"), "{detail}");
    assert!(detail.contains("downstream refused: 500"), "the last error");
    // The verification's facts: the scheme; GitHub signs no time, so no skew.
    assert!(detail.contains("the github scheme"), "{detail}");
    assert!(
        detail.contains("this scheme signs no timestamp"),
        "{detail}"
    );
    // Every attempt in the history: the last one dead, each with its error.
    let history = &detail[detail
        .find("<h2>Attempts</h2>")
        .expect("the attempts' table")..];
    let history = &history[..history.find("<h2>Headers</h2>").unwrap()];
    assert!(history.contains("<td>dead</td>"), "{history}");
    assert_eq!(
        history.matches("downstream refused: 500").count() as i64,
        history.matches("<tr>").count() as i64 - 1,
        "one error a failed attempt: {history}"
    );
    assert!(
        detail.contains("x-hub-signature-256"),
        "the header's name is shown"
    );
    assert!(detail.contains("[redacted]"));
    let signature = github_signature("dead-xss", XSS_BODY);
    let hex = signature.trim_start_matches("sha256=");
    assert!(
        !detail.contains(hex),
        "the signature value is not on the page"
    );
    assert!(!detail.contains(GITHUB_SECRET) && !detail.contains(TOKEN));
    let (status, _) = get(&fixture, "/admin/deliveries/999999").await;
    assert_eq!(status, 404);
    let (status, _) = get(&fixture, "/admin/deliveries/not-a-row").await;
    assert_eq!(status, 400);

    // The sink's dead letters, escaped too.
    let (status, letters) = get(&fixture, "/admin/dead-letters").await;
    assert_eq!(status, 200);
    assert!(letters.contains("letter-1"));
    assert!(letters.contains("&lt;i&gt;timeout&lt;/i&gt;") && !letters.contains("<i>timeout"));
    fixture.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_need_the_csrf_token_and_the_same_origin() {
    let fixture = Fixture::start().await;
    let client = client();
    let row = fixture.row_id("dead-1").await;
    let url = format!("{}/admin/deliveries/{row}/redrive", fixture.base);
    let (_, page) = get(&fixture, "/admin/deliveries?state=dead").await;
    let token = csrf(&page);
    for (body, origin, why) in [
        (String::new(), None, "no token"),
        ("csrf=0123".to_owned(), None, "a wrong token"),
        (
            format!("csrf={token}"),
            Some("http://evil.example"),
            "another origin",
        ),
    ] {
        let mut request = client
            .post(&url)
            .header("authorization", bearer())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 403, "{why}");
    }
    let cross_site = client
        .post(&url)
        .header("authorization", bearer())
        .header("sec-fetch-site", "cross-site")
        .body(format!("csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        cross_site.status().as_u16(),
        403,
        "Sec-Fetch-Site: cross-site"
    );
    assert_eq!(
        fixture.state("dead-1").await,
        State::Dead,
        "nothing was re-driven"
    );
    fixture.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_one_selected_or_all_and_purge_are_confirmed() {
    let fixture = Fixture::start().await;
    fixture.healed.store(true, Ordering::SeqCst);
    let client = client();
    let (_, page) = get(&fixture, "/admin/deliveries?state=dead").await;
    let token = csrf(&page);
    let post = |path: String, body: String| {
        client
            .post(format!("{}{path}", fixture.base))
            .header("authorization", bearer())
            .header("origin", fixture.base.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    // One row, from its Redrive button: confirmed, then handled by the worker.
    let row = fixture.row_id("dead-1").await;
    let response = post(
        format!("/admin/deliveries/{row}/redrive"),
        format!("csrf={token}"),
    )
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        format!("/admin/deliveries/{row}?done=redriven&n=1")
    );
    let (_, confirmed) = get(&fixture, &location).await;
    assert!(confirmed.contains("1 delivery re-driven"), "{confirmed}");
    wait_for(&fixture, "dead-1", State::Done).await;
    let (_, detail) = get(&fixture, &format!("/admin/deliveries/{row}")).await;
    assert!(detail.contains(r#"state-done">done</span>"#), "{detail}");

    // A selection: a done row in it is not run again.
    let xss = fixture.row_id("dead-xss").await;
    let done = fixture.row_id("ok-1").await;
    let response = post(
        "/admin/redrive".to_owned(),
        format!("csrf={token}&state=dead&selected=1&row={xss}&row={done}"),
    )
    .await
    .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/admin/deliveries?state=dead&done=redriven&n=1");
    wait_for(&fixture, "dead-xss", State::Done).await;
    let (_, empty) = get(&fixture, &location).await;
    assert!(empty.contains("1 delivery re-driven") && empty.contains("No delivery matches."));

    // All dead matching a filter: none left now.
    let response = post(
        "/admin/redrive".to_owned(),
        format!("csrf={token}&all=1&scheme=github"),
    )
    .await
    .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        "/admin/deliveries?scheme=github&done=redriven&n=0"
    );
    let refused = post(
        "/admin/redrive".to_owned(),
        format!("csrf={token}&all=1&state=done"),
    )
    .await
    .unwrap();
    assert_eq!(refused.status().as_u16(), 400);

    // Purge: done rows older than 0 days are all three.
    let response = post("/admin/purge".to_owned(), format!("csrf={token}&days=0"))
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/admin?done=purged&n=3");
    let (_, overview) = get(&fixture, &location).await;
    assert!(overview.contains("3 handled rows purged"), "{overview}");
    assert_eq!(fixture.inbox.stats().await.unwrap().done, 0);
    let bad = post("/admin/purge".to_owned(), format!("csrf={token}&days=-1"))
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    fixture.stop().await;
}

/// Waits until `delivery_id`'s row is in `state`.
pub async fn wait_for(fixture: &Fixture, delivery_id: &str, state: State) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while fixture.state(delivery_id).await != state {
        assert!(Instant::now() < deadline, "{delivery_id} never {state:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Both example receivers, inline and in inbox mode: `/admin` is a 404 without `ADMIN_TOKEN`;
/// with it, a 401 without credentials and the console with them (the inbox's pages only in
/// inbox mode).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_receivers_mount_the_console_only_with_admin_token() {
    let client = client();
    for example in ["receiver", "actix_receiver"] {
        for inbox_mode in [false, true] {
            let dir = TempDir::new();
            let mut env = vec![(
                "DEAD_LETTER_DIR",
                dir.0.join("letters").display().to_string(),
            )];
            if inbox_mode {
                env.push((
                    "INBOX_URL",
                    format!("sqlite://{}", dir.0.join("inbox.db").display()),
                ));
            }
            let what = format!("{example}, inbox mode {inbox_mode}");
            let off = Receiver::start(example, &env, &dir.0);
            for path in [
                "/admin",
                "/admin/deliveries",
                "/admin/dead-letters",
                "/admin/console.css",
            ] {
                let url = format!("http://127.0.0.1:{}{path}", off.port());
                let response = client
                    .get(&url)
                    .header("authorization", bearer())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    response.status().as_u16(),
                    404,
                    "{what}: {path} without ADMIN_TOKEN"
                );
            }
            drop(off);

            env.push(("ADMIN_TOKEN", TOKEN.to_owned()));
            let on = Receiver::start(example, &env, &dir.0);
            let url = |path: &str| format!("http://127.0.0.1:{}{path}", on.port());
            for path in [
                "/admin",
                "/admin/deliveries",
                "/admin/dead-letters",
                "/admin/console.css",
                "/admin/x",
            ] {
                let response = client.get(url(path)).send().await.unwrap();
                assert_eq!(
                    response.status().as_u16(),
                    401,
                    "{what}: {path} without credentials"
                );
                assert!(
                    response.headers().contains_key("www-authenticate"),
                    "{what}: {path}"
                );
            }
            let overview = client
                .get(url("/admin"))
                .basic_auth("admin", Some(TOKEN))
                .send()
                .await
                .unwrap();
            assert_eq!(overview.status().as_u16(), 200, "{what}");
            assert!(
                overview.headers()["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("default-src 'none'")
            );
            let text = overview.text().await.unwrap();
            assert!(
                text.contains(r#"href="/admin/console.css""#),
                "{what}: links under /admin: {text}"
            );
            assert!(text.contains(r#"href="/admin/dead-letters""#), "{what}");
            assert_eq!(
                text.contains(r#"href="/admin/deliveries""#),
                inbox_mode,
                "{what}"
            );
            let letters = client
                .get(url("/admin/dead-letters"))
                .header("authorization", bearer())
                .send()
                .await
                .unwrap();
            assert_eq!(letters.status().as_u16(), 200, "{what}");
            let deliveries = client
                .get(url("/admin/deliveries"))
                .header("authorization", bearer())
                .send()
                .await
                .unwrap();
            assert_eq!(
                deliveries.status().as_u16(),
                if inbox_mode { 200 } else { 404 },
                "{what}"
            );
            let css = client
                .get(url("/admin/console.css"))
                .header("authorization", bearer())
                .send()
                .await
                .unwrap();
            assert_eq!(
                css.headers()["content-type"],
                "text/css; charset=utf-8",
                "{what}"
            );
            // A POST without the CSRF token is refused there too.
            let post = client
                .post(url("/admin/redrive"))
                .header("authorization", bearer())
                .body("all=1")
                .send()
                .await
                .unwrap();
            assert_eq!(
                post.status().as_u16(),
                if inbox_mode { 403 } else { 404 },
                "{what}"
            );
        }
    }
}

/// The console in headless Chromium (Debian's `chromium` and `chromium-driver`, which
/// `scripts/test.sh` installs), driven over WebDriver: log in with Basic credentials in the
/// first URL, read the overview, filter the deliveries, open the delivery whose body carries a
/// `<script>` (shown as text, never run), re-drive a dead one from its `Redrive` button and see
/// it handled. A screenshot of each page is written under `target/admin-screenshots/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser() {
    use fantoccini::Locator;

    let fixture = Fixture::start().await;
    // A few more handled rows, and dead ones from another provider, for a fuller picture.
    for n in 2..8 {
        let id: &'static str = Box::leak(format!("ok-{n}").into_boxed_str());
        // Each body differs: GitHub does not sign its delivery id, so the same signed body
        // under another id is a duplicate.
        let body: &'static str =
            Box::leak(format!(r#"{{"action":"opened","number":{n}}}"#).into_boxed_str());
        fixture.inbox.enqueue(github(id, body)).await.unwrap();
    }
    wait_for(&fixture, "ok-7", State::Done).await;
    let driver = Chromedriver::start();
    let browser = driver.session().await;
    let shots = screenshot_dir();
    let host = fixture.base.trim_start_matches("http://");
    let authority = format!("http://admin:{TOKEN}@{host}");

    // Log in: the credentials in the first URL; the browser keeps them for the origin.
    browser.goto(&format!("{authority}/admin")).await.unwrap();
    let title = browser
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(title, "Overview");
    let dead_card = browser
        .find(Locator::Css(
            r#"a.card[href="/admin/deliveries?state=dead"] .n"#,
        ))
        .await
        .unwrap();
    assert_eq!(dead_card.text().await.unwrap(), "2");
    // The stylesheet loaded (same origin, same credentials): the header is dark.
    let background: serde_json::Value = browser
        .execute(
            "return getComputedStyle(document.querySelector('header')).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(background, "rgb(29, 35, 48)");
    save(&browser, &shots, "overview").await;

    // Filter: dead rows only, from the form.
    browser
        .goto(&format!("{}/admin/deliveries", fixture.base))
        .await
        .unwrap();
    browser
        .find(Locator::Css(r#"select[name="state"]"#))
        .await
        .unwrap()
        .select_by_value("dead")
        .await
        .unwrap();
    browser
        .find(Locator::Css("form.filter button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for_url(&browser, "state=dead").await;
    assert!(url.contains("state=dead"), "{url}");
    let ids = texts(&browser, "a.delivery-id").await;
    assert_eq!(
        ids,
        ["dead-xss", "dead-1"],
        "dead rows, newest first, ids as text"
    );
    let buttons = texts(&browser, "button[formaction]").await;
    assert_eq!(buttons, ["Redrive", "Redrive"]);
    save(&browser, &shots, "deliveries").await;

    // The XSS case: the body's markup is text on the page, and nothing ran.
    browser
        .find(Locator::LinkText("dead-xss"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let body = browser
        .find(Locator::Css("pre.body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("<script>document.title='pwned'</script>"),
        "{body}"
    );
    assert!(body.contains("<img src=x onerror=alert(1)>"), "{body}");
    let scripts: serde_json::Value = browser
        .execute(
            "return [document.title, document.scripts.length, document.images.length]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        scripts,
        serde_json::json!(["Delivery dead-xss · webhook-guard", 0, 0])
    );
    assert!(browser.get_alert_text().await.is_err(), "no alert opened");
    let page = browser.source().await.unwrap();
    assert!(page.contains("[redacted]"));
    assert!(!page.contains(github_signature("dead-xss", XSS_BODY).trim_start_matches("sha256=")));
    save(&browser, &shots, "delivery").await;

    // Re-drive a dead one from the list, and see it handled.
    fixture.healed.store(true, Ordering::SeqCst);
    browser.back().await.unwrap();
    let row = fixture.row_id("dead-1").await;
    browser
        .find(Locator::Css(&format!(
            r#"button[formaction="/admin/deliveries/{row}/redrive"]"#
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The click submits the form; the confirmation is on the page it is redirected to.
    let notice = match browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("p.notice"))
        .await
    {
        Ok(notice) => notice.text().await.unwrap(),
        Err(error) => panic!(
            "no confirmation ({error}) on {}: {}",
            browser.current_url().await.unwrap(),
            browser.source().await.unwrap()
        ),
    };
    assert_eq!(notice, "1 delivery re-driven");
    wait_for(&fixture, "dead-1", State::Done).await;
    browser
        .goto(&format!("{}/admin/deliveries/{row}", fixture.base))
        .await
        .unwrap();
    let state = browser
        .find(Locator::Css("dd .state"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(state, "done");
    assert!(
        browser
            .find(Locator::Css("form.actions button"))
            .await
            .is_err(),
        "no Redrive on a done row"
    );
    save(&browser, &shots, "delivery-redriven").await;

    browser
        .goto(&format!("{}/admin/dead-letters", fixture.base))
        .await
        .unwrap();
    let letters = browser
        .find(Locator::Css("main table"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        letters.contains("letter-1") && letters.contains("handler: <i>timeout</i>"),
        "{letters}"
    );
    save(&browser, &shots, "dead-letters").await;

    browser.close().await.unwrap();
    fixture.stop().await;
}

/// The texts of the elements matching `css`.
/// The page's URL once it holds `needle`, or as it is after 10 s: a click that submits a form
/// returns before the browser has navigated (seen once on a loaded CI machine).
async fn wait_for_url(browser: &fantoccini::Client, needle: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let url = browser.current_url().await.unwrap().to_string();
        if url.contains(needle) || std::time::Instant::now() > deadline {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn texts(browser: &fantoccini::Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in browser
        .find_all(fantoccini::Locator::Css(css))
        .await
        .unwrap()
    {
        out.push(element.text().await.unwrap());
    }
    out
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    let dir = target.join("admin-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn save(browser: &fantoccini::Client, dir: &std::path::Path, name: &str) {
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Debian's chromedriver on a loopback port, killed when dropped, and a fresh profile.
struct Chromedriver {
    child: std::process::Child,
    port: u16,
    profile: TempDir,
}

impl Chromedriver {
    fn start() -> Self {
        let binary = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .expect("chromedriver: scripts/test.sh installs Debian's chromium-driver");
        let port = receiver_process::free_port();
        let child = std::process::Command::new(binary)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            profile: TempDir::new(),
        }
    }

    async fn session(&self) -> fantoccini::Client {
        let chromium = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .expect("chromium: scripts/test.sh installs Debian's chromium");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,900",
                    format!("--user-data-dir={}", self.profile.0.display()),
                ],
            }),
        );
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Chromedriver {
    /// Kills chromedriver, and the browser it started: when a test fails before closing its
    /// session, chromedriver's death leaves Chromium running. Its processes are found by the
    /// profile directory this driver gave it, on their command lines.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let marker = format!("--user-data-dir={}", self.profile.0.display());
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<i32>().ok())
            else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            if cmdline
                .split(|&byte| byte == 0)
                .any(|arg| arg == marker.as_bytes())
            {
                // SAFETY: kill(2) on a process of the browser this driver started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// The same console over an inbox on PostgreSQL (a real cluster): the overview's grouped
/// counts and per-minute figures, a delivery's page, and a re-drive the worker then handles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_the_overview_counts_and_a_redrive_works() {
    use webhook_guard::admin::Rows as _;

    let server = postgres_server::PostgresServer::start();
    server.create_database("console");
    let options = InboxOptions {
        poll_interval: Duration::from_millis(50),
        retry: RetryPolicy {
            max_attempts: 1,
            base: Duration::from_millis(10),
            cap: Duration::from_millis(10),
        },
        ..InboxOptions::default()
    };
    let inbox = Inbox::<sqlx::Postgres>::connect_with(&server.url("console"), options)
        .await
        .unwrap();
    inbox
        .enqueue(github("pg-dead-1", r#"{"n":1}"#))
        .await
        .unwrap();
    inbox.enqueue(github("pg-dead-2", XSS_BODY)).await.unwrap();
    inbox.enqueue(github("pg-ok", r#"{"n":2}"#)).await.unwrap();
    let healed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&healed);
    let worker = inbox.worker().concurrency(1).run(move |delivery| {
        let fail = !flag.load(Ordering::SeqCst) && delivery.id().contains("dead");
        async move {
            if fail {
                Err(HandlerError::from("refused".to_owned()))
            } else {
                Ok(())
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while inbox.stats().await.unwrap().dead != 2 || inbox.stats().await.unwrap().done != 1 {
        assert!(Instant::now() < deadline, "rows not settled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let overview = inbox.overview().await.unwrap();
    assert_eq!((overview.stats.dead, overview.stats.done), (2, 1));
    assert_eq!(overview.by_scheme.len(), 1);
    let github_counts = &overview.by_scheme[0];
    assert_eq!(
        (
            github_counts.scheme.as_str(),
            github_counts.dead,
            github_counts.pending
        ),
        ("github", 2, 0)
    );
    assert_eq!(overview.per_minute.len(), 60);
    assert_eq!(
        overview
            .per_minute
            .iter()
            .map(|m| m.acknowledged)
            .sum::<u64>(),
        3
    );
    assert_eq!(
        overview.per_minute.iter().map(|m| m.handled).sum::<u64>(),
        1
    );

    let console = Console::new(TOKEN).unwrap().inbox(inbox.clone());
    let app: axum::Router = axum::Router::new().nest("/ops/webhooks", console.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let serving = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = client();
    let page = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let response = client
                .get(url)
                .header("authorization", bearer())
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let (status, list) = page("/ops/webhooks/deliveries?state=dead&scheme=github".to_owned()).await;
    assert_eq!(status, 200);
    assert!(
        list.contains(">pg-dead-2</a>")
            && list.contains(">pg-dead-1</a>")
            && !list.contains(">pg-ok</a>")
    );
    let rows = inbox
        .list(&webhook_guard::inbox::Filter::default().delivery_id("pg-dead-2"))
        .await
        .unwrap();
    let row = rows[0].row_id;
    let (status, detail) = page(format!("/ops/webhooks/deliveries/{row}")).await;
    assert_eq!(status, 200);
    assert!(detail.contains("&lt;script&gt;") && !detail.contains("<script>"));
    assert!(
        detail.contains(r#"href="/ops/webhooks/console.css""#),
        "links under the mount path"
    );

    healed.store(true, Ordering::SeqCst);
    let response = client
        .post(format!("{base}/ops/webhooks/deliveries/{row}/redrive"))
        .header("authorization", bearer())
        .body(format!("csrf={}", csrf(&detail)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("/ops/webhooks/deliveries/{row}?done=redriven&n=1").as_str()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = inbox
            .list(&webhook_guard::inbox::Filter::default().delivery_id("pg-dead-2"))
            .await
            .unwrap();
        if rows[0].state == State::Done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the re-driven row was never handled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.shutdown().await;
    serving.abort();
}
