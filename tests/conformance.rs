//! The shared conformance table, run against every adapter with the in-memory stores (the
//! Redis store runs it in redis_http.rs).

mod common;

use std::sync::Arc;

use webhook_guard::replay::{CompactStore, MemoryStore, ReplayStore};

fn memory_store() -> Arc<dyn ReplayStore> {
    Arc::new(MemoryStore::new())
}

fn compact_store() -> Arc<dyn ReplayStore> {
    Arc::new(CompactStore::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_passes_the_table() {
    common::conformance::run_table::<common::axum_app::Axum>(memory_store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_never_runs_a_delivery_twice_when_the_store_is_full() {
    common::conformance::overfill_the_store::<common::axum_app::Axum>(20, 60).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_passes_the_table() {
    common::conformance::run_table::<common::actix_app::Actix>(memory_store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_never_runs_a_delivery_twice_when_the_store_is_full() {
    common::conformance::overfill_the_store::<common::actix_app::Actix>(20, 60).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axum_passes_the_table_with_the_compact_store() {
    common::conformance::run_table::<common::axum_app::Axum>(compact_store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actix_passes_the_table_with_the_compact_store() {
    common::conformance::run_table::<common::actix_app::Actix>(compact_store).await;
}

/// The third adapter (examples/hyper_receiver.rs, plain hyper): the same table, nothing of its
/// own beyond translating requests and responses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_passes_the_table() {
    common::conformance::run_table::<common::hyper_app::Hyper>(memory_store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_never_runs_a_delivery_twice_when_the_store_is_full() {
    common::conformance::overfill_the_store::<common::hyper_app::Hyper>(20, 60).await;
}
