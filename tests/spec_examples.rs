//! Every JSON example of both specs, and its plausible variants, reaches the handler (or, for a
//! user's own type, the dead-letter sink) exactly once, on both adapters, with the in-memory
//! stores (redis_http.rs runs it with Redis). See tests/common/spec_examples.rs.

mod common;

use std::sync::Arc;

use common::spec_examples::run_table;
use webhook_guard::replay::{CompactStore, MemoryStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_handles_every_spec_example_once() {
    run_table::<common::axum_app::Axum>(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_handles_every_spec_example_once() {
    run_table::<common::actix_app::Actix>(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_handles_every_spec_example_once_with_the_compact_store() {
    run_table::<common::axum_app::Axum>(Arc::new(CompactStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_handles_every_spec_example_once_with_the_compact_store() {
    run_table::<common::actix_app::Actix>(Arc::new(CompactStore::new())).await;
}
