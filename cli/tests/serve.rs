//! `webhook-guard serve` as a real process in front of an upstream (a small axum app here that
//! deduplicates by `Idempotency-Key`, as the guide asks of an upstream):
//!
//! - 1,000 signed deliveries, each sent 3 times, with the upstream answering 500 to its first
//!   100 requests, stalling the next 20 past the forwarder's timeout and restarting once, and
//!   the forwarder `kill -9`ed twice mid-run and restarted: every delivery
//!   acknowledged is handled by the upstream, each exactly once, with its original body and
//!   the guard's headers; the inbox ends with nothing pending and nothing dead.
//! - An upstream that keeps failing: the deliveries end dead, `webhook-guard inbox list` shows
//!   them, `inbox redrive --all` sends them again once the upstream is back.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::forward::{
    Handled, Upstream, delivery, scratch, send_until_acknowledged, serve_upstream, start_serve,
    write_config,
};

fn count() -> usize {
    std::env::var("WG_SERVE_DELIVERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serve_forwards_each_delivery_once_across_failures_and_two_kill_9() {
    let deliveries = count();
    let copies = 3;
    let upstream = Arc::new(Upstream::default());
    upstream.fail_first.store(100, Ordering::SeqCst);
    upstream.stall.store(20, Ordering::SeqCst);
    let mut running =
        serve_upstream(Arc::clone(&upstream), SocketAddr::from(([127, 0, 0, 1], 0))).await;
    let upstream_addr = running.addr;
    let dir = scratch("crash");
    let port = common::free_port();
    let config = write_config(
        &dir,
        port,
        upstream_addr,
        "concurrency = 8\nmax_attempts = 1000\nretry_base_ms = 20\nretry_cap_ms = 300\nlease_ms = 1500\ntimeout_ms = 1000",
        None,
    );
    let serve = Arc::new(Mutex::new(start_serve(&config, port)));
    let url = format!("http://127.0.0.1:{port}/webhooks/audit-trail");
    let run = format!("{}", std::process::id());
    let all: Vec<_> = (0..deliveries).map(|n| delivery(&run, n)).collect();
    // Every copy of every delivery, the copies spread over the run.
    let queue: Arc<Vec<usize>> = Arc::new((0..copies).flat_map(|_| 0..deliveries).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let all = Arc::new(all);
    let client = reqwest::Client::new();
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (queue, next, acknowledged, all, client, url) = (
            Arc::clone(&queue),
            Arc::clone(&next),
            Arc::clone(&acknowledged),
            Arc::clone(&all),
            client.clone(),
            url.clone(),
        );
        senders.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(&n) = queue.get(i) else { break };
                let (_, body, headers) = &all[n];
                send_until_acknowledged(&client, &url, body, headers).await;
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // kill -9 at a third and at two thirds of the sends, each time started again.
    let total = deliveries * copies;
    for kill in 1..=2 {
        while acknowledged.load(Ordering::SeqCst) < total * kill / 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        {
            let mut child = serve.lock().unwrap();
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            *child = start_serve(&config, port);
        }
        if kill == 1 {
            // The upstream restarts too: down for half a second, then back on its address.
            let _ = running.stop.send(());
            let _ = running.task.await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            running = serve_upstream(Arc::clone(&upstream), upstream_addr).await;
        }
    }
    for sender in senders {
        sender.await.unwrap();
    }
    assert_eq!(acknowledged.load(Ordering::SeqCst), total);

    // Every acknowledged delivery reaches the upstream, once.
    let started = Instant::now();
    while upstream.handled.lock().unwrap().len() < deliveries {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "handled {} of {deliveries}",
            upstream.handled.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    {
        let handled = upstream.handled.lock().unwrap();
        assert_eq!(handled.len(), deliveries);
        let by_id: HashMap<&str, &Handled> = handled
            .values()
            .map(|entry| (entry.id.as_str(), entry))
            .collect();
        assert_eq!(by_id.len(), deliveries, "two keys for one delivery id");
        for (id, body, _) in all.iter() {
            let entry = by_id
                .get(id.as_str())
                .unwrap_or_else(|| panic!("{id} was lost"));
            assert_eq!(
                entry.body,
                body.as_bytes(),
                "{id}: the body changed on the way"
            );
        }
    }
    // The inbox agrees: all done, nothing pending, nothing dead.
    let db = format!("sqlite://{}", dir.join("inbox.db").display());
    let started = Instant::now();
    let stats = loop {
        let output = common::cli(&["inbox", "--url", &db, "stats"]);
        assert!(output.status.success(), "{output:?}");
        let stats: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        if stats["pending"] == 0 && stats["running"] == 0 {
            break stats;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{stats}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(stats["done"], deliveries as u64, "{stats}");
    assert_eq!(stats["dead"], 0, "{stats}");
    eprintln!(
        "{deliveries} deliveries x {copies}: upstream saw {} requests ({} answered 500 first, {} \
         stalled past the timeout, {} duplicates deduplicated by Idempotency-Key)",
        upstream.requests.load(Ordering::SeqCst),
        upstream.fail_first.load(Ordering::SeqCst),
        upstream.stall.load(Ordering::SeqCst),
        upstream.duplicates.load(Ordering::SeqCst)
    );
    let mut child = serve.lock().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_an_upstream_keeps_refusing_die_and_are_redriven() {
    let upstream = Arc::new(Upstream::default());
    upstream.failing.store(true, Ordering::SeqCst);
    // Served until the end of the test (dropping it stops the server).
    let running =
        serve_upstream(Arc::clone(&upstream), SocketAddr::from(([127, 0, 0, 1], 0))).await;
    let upstream_addr = running.addr;
    let dir = scratch("dead");
    let port = common::free_port();
    let config = write_config(
        &dir,
        port,
        upstream_addr,
        "max_attempts = 2\nretry_base_ms = 10\nretry_cap_ms = 20",
        None,
    );
    let mut serve = start_serve(&config, port);
    let url = format!("http://127.0.0.1:{port}/webhooks/audit-trail");
    let client = reqwest::Client::new();
    let run = format!("dead{}", std::process::id());
    for n in 0..3 {
        let (_, body, headers) = delivery(&run, n);
        send_until_acknowledged(&client, &url, &body, &headers).await;
    }
    let db = format!("sqlite://{}", dir.join("inbox.db").display());
    let started = Instant::now();
    let dead = loop {
        let output = common::cli(&["inbox", "--url", &db, "list", "--state", "dead"]);
        assert!(output.status.success(), "{output:?}");
        let rows: Vec<serde_json::Value> = common::stdout(&output)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        if rows.len() == 3 {
            break rows;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(dead.iter().all(|row| row["attempts"] == 2), "{dead:?}");
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("500"),
        "{dead:?}"
    );
    let shown = common::cli(&[
        "inbox",
        "--url",
        &db,
        "show",
        &dead[0]["row_id"].to_string(),
    ]);
    let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    let id = dead[0]["delivery_id"].as_str().unwrap();
    assert_eq!(shown["delivery_id"], id, "{shown}");
    // The row in full: the body as received.
    assert!(shown["body"].as_str().unwrap().contains(id), "{shown}");
    let other = common::cli(&["inbox", "--url", &db, "list", "--provider", "github"]);
    assert_eq!(common::stdout(&other), "");
    assert!(upstream.handled.lock().unwrap().is_empty());

    // The upstream is back: a re-drive sends them again.
    upstream.failing.store(false, Ordering::SeqCst);
    let first = dead[0]["row_id"].to_string();
    let redriven = common::cli(&["inbox", "--url", &db, "redrive", &first]);
    assert_eq!(common::stdout(&redriven).trim(), r#"{"redriven":1}"#);
    let redriven = common::cli(&[
        "inbox",
        "--url",
        &db,
        "redrive",
        "--state",
        "dead",
        "--provider",
        "audit-trail",
    ]);
    assert_eq!(common::stdout(&redriven).trim(), r#"{"redriven":2}"#);
    let started = Instant::now();
    while upstream.handled.lock().unwrap().len() < 3 {
        // The serving process polls for work (another process re-drove the rows).
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    loop {
        let done = common::cli(&["inbox", "--url", &db, "list", "--state", "done"]);
        if common::stdout(&done).lines().count() == 3 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing is dead any more: --all finds nothing to re-drive.
    let none = common::cli(&["inbox", "--url", &db, "redrive", "--all"]);
    assert_eq!(common::stdout(&none).trim(), r#"{"redriven":0}"#);
    let _ = serve.kill();
    let _ = serve.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ADMIN_TOKEN` mounts the operator's console at `/admin` (401 without credentials, the pages
/// with them); without it, `/admin` is a 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_at_admin_only_with_admin_token() {
    let upstream = Arc::new(Upstream::default());
    let running = serve_upstream(upstream, SocketAddr::from(([127, 0, 0, 1], 0))).await;
    let client = reqwest::Client::new();
    for token in [None, Some("serve-console-token")] {
        let dir = scratch(if token.is_some() {
            "admin-on"
        } else {
            "admin-off"
        });
        let port = common::free_port();
        let config = write_config(&dir, port, running.addr, "concurrency = 1", None);
        let mut env = vec![(common::forward::SECRET_VAR, common::forward::SECRET)];
        if let Some(token) = token {
            env.push(("ADMIN_TOKEN", token));
        }
        let mut serve = common::start_serve(&config, port, &env);
        let url = |path: &str| format!("http://127.0.0.1:{port}{path}");
        for path in ["/admin", "/admin/deliveries", "/admin/console.css"] {
            let anonymous = client.get(url(path)).send().await.unwrap();
            assert_eq!(
                anonymous.status().as_u16(),
                if token.is_some() { 401 } else { 404 },
                "{path} with ADMIN_TOKEN {token:?}"
            );
        }
        if let Some(token) = token {
            let page = client
                .get(url("/admin/deliveries"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(page.status().as_u16(), 200);
            assert!(page.text().await.unwrap().contains("<h1>Deliveries</h1>"));
        }
        let _ = serve.kill();
        let _ = serve.wait();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
