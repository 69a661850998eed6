//! The operator console's page latency with a large inbox (issue 26): fills an inbox with
//! `ROWS` rows (default 1,000,000: 97 % done, 2 % pending, 1 % dead, five providers, received
//! over the last week, the newest hour dense), serves the console on loopback, and times
//! each page over HTTP: `REQUESTS` (default 30) requests after 3 warm-ups, p50 / p95 / max.
//!
//! ```text
//! INBOX_URL=sqlite:///var/tmp/console.db cargo run --release --example admin_latency
//! INBOX_URL=postgres://postgres@127.0.0.1:5432/console cargo run --release --example admin_latency
//! ```
//!
//! Run by `bench/admin.sh`, which makes the database (a file, or a throwaway PostgreSQL
//! cluster) and deletes it after. The table is filled with one `INSERT … SELECT` only when it
//! holds fewer rows than `ROWS` (a second run reuses it).

use std::time::{Duration, Instant};

use webhook_guard::admin::Console;
use webhook_guard::inbox::Inbox;

const TOKEN: &str = "bench-token";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The rows as one statement: `$1` rows, `$2` now in ms. Row n is received 0.6 s after row
/// n-1; every 100th is dead, every 50th (offset 1) pending, the rest done 0.1 s after receipt.
const COLUMNS: &str = "dedup_key, scheme, delivery_id, event_type, headers, body, received_at, \
                       state, attempts, run_at, last_error, done_at";

fn select(series: &str, body: &str) -> String {
    format!(
        "SELECT 'k' || n, 'provider' || (n % 5), 'evt_' || n, 'event.created', \
         '[[\"content-type\",\"application/json\"]]', {body}, \
         $2 - ($1 - n) * 600, \
         CASE WHEN n % 100 = 0 THEN 'dead' WHEN n % 50 = 1 THEN 'pending' ELSE 'done' END, \
         CASE WHEN n % 100 = 0 THEN 8 ELSE 1 END, $2 - ($1 - n) * 600, \
         CASE WHEN n % 100 = 0 THEN 'downstream refused: 500' END, \
         CASE WHEN n % 100 = 0 OR n % 50 = 1 THEN NULL ELSE $2 - ($1 - n) * 600 + 100 END \
         FROM {series}"
    )
}

#[tokio::main]
async fn main() {
    let url = std::env::var("INBOX_URL").expect("INBOX_URL");
    let rows: i64 = std::env::var("ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let requests: usize = std::env::var("REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let console = Console::new(TOKEN).unwrap();
    let (console, label) = if url.starts_with("sqlite:") {
        let inbox = Inbox::<sqlx::Sqlite>::connect(&url).await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_inbox")
            .fetch_one(inbox.pool())
            .await
            .unwrap();
        if count < rows {
            let started = Instant::now();
            let sql = format!(
                "INSERT INTO webhook_inbox ({COLUMNS}) WITH RECURSIVE seq(n) AS \
                 (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $1) {}",
                select("seq", "CAST('{\"n\":' || n || '}' AS BLOB)")
            );
            sqlx::query(&sql)
                .bind(rows)
                .bind(now_ms())
                .execute(inbox.pool())
                .await
                .unwrap();
            sqlx::query("ANALYZE").execute(inbox.pool()).await.unwrap();
            eprintln!("filled {rows} rows in {:?}", started.elapsed());
        }
        (console.inbox(inbox), "sqlite")
    } else {
        let inbox = Inbox::<sqlx::Postgres>::connect(&url).await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_inbox")
            .fetch_one(inbox.pool())
            .await
            .unwrap();
        if count < rows {
            let started = Instant::now();
            let sql = format!(
                "INSERT INTO webhook_inbox ({COLUMNS}) {}",
                select(
                    "generate_series(1::bigint, $1::bigint) AS n",
                    "convert_to('{\"n\":' || n || '}', 'UTF8')"
                )
            );
            sqlx::query(&sql)
                .bind(rows)
                .bind(now_ms())
                .execute(inbox.pool())
                .await
                .unwrap();
            sqlx::query("VACUUM ANALYZE webhook_inbox")
                .execute(inbox.pool())
                .await
                .unwrap();
            eprintln!("filled {rows} rows in {:?}", started.elapsed());
        }
        (console.inbox(inbox), "postgres")
    };
    let app: axum::Router = axum::Router::new().nest("/admin", console.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::new();
    // A dead row near the middle of the table, and a delivery id to find.
    let middle = rows / 2 / 100 * 100;
    let pages = [
        ("overview", "/admin".to_owned()),
        ("deliveries (newest)", "/admin/deliveries".to_owned()),
        (
            "deliveries state=dead",
            "/admin/deliveries?state=dead".to_owned(),
        ),
        (
            "deliveries provider=provider3",
            "/admin/deliveries?scheme=provider3".to_owned(),
        ),
        (
            "deliveries state=dead, page 2 (before)",
            format!("/admin/deliveries?state=dead&before={middle}"),
        ),
        (
            "deliveries id=evt_<middle>",
            format!("/admin/deliveries?id=evt_{middle}"),
        ),
        ("one delivery", format!("/admin/deliveries/{middle}")),
        // Reads the newest 100,000 bodies when nothing matches (the worst case).
        (
            "deliveries text=<absent> (newest 100,000 bodies)",
            "/admin/deliveries?text=no-such-text-anywhere".to_owned(),
        ),
        (
            "deliveries text=<in a recent body>",
            format!("/admin/deliveries?text=%22n%22:{}%7D", rows - 10),
        ),
    ];
    println!("{label}, {rows} rows, {requests} requests per page (after 3 warm-ups), ms:");
    println!("{:<50} {:>8} {:>8} {:>8}", "page", "p50", "p95", "max");
    for (name, path) in pages {
        let mut times = Vec::with_capacity(requests);
        for i in 0..requests + 3 {
            let started = Instant::now();
            let response = client
                .get(format!("{base}{path}"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.bytes().await.unwrap();
            let elapsed = started.elapsed();
            assert!(status.is_success(), "{path}: {status}");
            assert!(body.len() > 500, "{path}: a page");
            if i >= 3 {
                times.push(elapsed);
            }
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<42} {:>8.1} {:>8.1} {:>8.1}",
            ms(at(0.5)),
            ms(at(0.95)),
            ms(*times.last().unwrap())
        );
    }
}
