//! `webhook-guard serve` as two replicas sharing one PostgreSQL inbox (a throwaway cluster,
//! the root's harness `tests/common/postgres_server.rs`): each delivery is sent to both, one
//! replica is `kill -9`ed mid-run and restarted, and the upstream still handles each delivery
//! exactly once; `webhook-guard inbox` reads the same rows from the database.

mod common;

#[path = "../../tests/common/postgres_server.rs"]
mod postgres_server;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::forward::{
    SECRET, SECRET_VAR, Upstream, delivery, scratch, send_until_acknowledged, serve_upstream,
    write_config,
};
use postgres_server::PostgresServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_postgres_inbox_forward_each_delivery_once() {
    let postgres = PostgresServer::start();
    let url = postgres.create_database("webhook_guard_cli");
    let upstream = Arc::new(Upstream::default());
    upstream
        .fail_first
        .store(20, std::sync::atomic::Ordering::SeqCst);
    let running =
        serve_upstream(Arc::clone(&upstream), SocketAddr::from(([127, 0, 0, 1], 0))).await;
    let forwarder = "max_attempts = 1000\nretry_base_ms = 20\nretry_cap_ms = 200\nlease_ms = 1500";
    let (dir_a, dir_b) = (scratch("pg-a"), scratch("pg-b"));
    let (port_a, port_b) = (common::free_port(), common::free_port());
    let config_a = write_config(&dir_a, port_a, running.addr, forwarder, Some(&url));
    let config_b = write_config(&dir_b, port_b, running.addr, forwarder, Some(&url));
    let env = [(SECRET_VAR, SECRET)];
    let mut replica_a = common::start_serve(&config_a, port_a, &env);
    let mut replica_b = common::start_serve(&config_b, port_b, &env);

    let deliveries = 200;
    let run = format!("pg{}", std::process::id());
    let all: Arc<Vec<_>> = Arc::new((0..deliveries).map(|n| delivery(&run, n)).collect());
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::new();
    let mut senders = Vec::new();
    // Each delivery to both replicas, as a provider's retry could land on either.
    for (port, offset) in [(port_a, 0), (port_b, 1)] {
        let (all, acknowledged, client) =
            (Arc::clone(&all), Arc::clone(&acknowledged), client.clone());
        senders.push(tokio::spawn(async move {
            let url = format!("http://127.0.0.1:{port}/webhooks/audit-trail");
            for n in (0..deliveries).map(|n| (n + offset * deliveries / 2) % deliveries) {
                let (_, body, headers) = &all[n];
                send_until_acknowledged(&client, &url, body, headers).await;
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    while acknowledged.load(Ordering::SeqCst) < deliveries / 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    replica_a.kill().unwrap(); // SIGKILL
    replica_a.wait().unwrap();
    replica_a = common::start_serve(&config_a, port_a, &env);
    for sender in senders {
        sender.await.unwrap();
    }

    let started = Instant::now();
    while upstream.handled.lock().unwrap().len() < deliveries {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "handled {} of {deliveries}",
            upstream.handled.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    {
        let handled = upstream.handled.lock().unwrap();
        let ids: HashSet<&str> = handled.values().map(|h| h.id.as_str()).collect();
        assert_eq!((handled.len(), ids.len()), (deliveries, deliveries));
        for (id, body, _) in all.iter() {
            assert!(ids.contains(id.as_str()), "{id} was lost");
            let entry = handled.values().find(|h| &h.id == id).unwrap();
            assert_eq!(entry.body, body.as_bytes());
        }
    }
    let started = Instant::now();
    loop {
        let output = common::cli(&["inbox", "--url", &url, "stats"]);
        assert!(output.status.success(), "{output:?}");
        let stats: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        if stats["done"] == deliveries as u64 {
            assert_eq!(
                (stats["pending"].clone(), stats["dead"].clone()),
                (0.into(), 0.into())
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{stats}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for replica in [&mut replica_a, &mut replica_b] {
        let _ = replica.kill();
        let _ = replica.wait();
    }
    let _ = std::fs::remove_dir_all(&dir_a);
    let _ = std::fs::remove_dir_all(&dir_b);
}
