//! What the pool's writer (`backend.rs`) and SQLite's intake (`intake.rs`) both do to the
//! database: insert a batch's rows one statement each, and check a connection before it goes
//! back to a pool. Kept apart so that neither of the two imports the other's internals.
// With the `inbox` feature alone there is no database: nothing here is used.
#![cfg_attr(
    not(any(feature = "inbox-sqlite", feature = "inbox-postgres")),
    allow(unused)
)]

#[cfg(feature = "inbox-sqlite")]
use sqlx::Transaction;

#[cfg(feature = "inbox-sqlite")]
use super::NewDelivery;

/// Whether a connection given back to the pool may serve again: not one left inside a
/// transaction (its rollback failed, e.g. on a full disk), which would refuse every `BEGIN`
/// ("non-zero transaction depth") until the process restarts.
pub(super) fn usable<C: sqlx::Connection>(connection: &mut C) -> bool {
    let clean = !connection.is_in_transaction();
    if !clean {
        tracing::warn!("inbox: a connection left inside a transaction is closed");
    }
    clean
}

/// The rows of a batch, one `INSERT … ON CONFLICT DO NOTHING` each, in `order` (dedup-key
/// order: see `insert_batch`); for each row, whether it was new.
#[cfg(feature = "inbox-sqlite")]
pub(super) async fn insert_each(
    tx: &mut Transaction<'_, sqlx::Sqlite>,
    rows: &[NewDelivery],
    order: &[(String, usize)],
    now_ms: i64,
) -> Result<Vec<bool>, sqlx::Error> {
    let mut inserted = vec![false; rows.len()];
    for (key, index) in order {
        let row = &rows[*index];
        let done = sqlx::query(
            "INSERT INTO webhook_inbox (dedup_key, scheme, tenant, delivery_id, event_type, headers, body, received_at, state, attempts, run_at, signature_key, traceparent, signed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $8, $9, $10, $11) \
             ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(&row.scheme)
        .bind(&row.tenant)
        .bind(&row.delivery_id)
        .bind(&row.event_type)
        .bind(&row.headers)
        .bind(row.body.as_ref())
        .bind(row.received_at_ms.unwrap_or(now_ms))
        .bind(&row.signature_key)
        .bind(&row.traceparent)
        .bind(row.signed_at)
        .execute(&mut **tx)
        .await?;
        inserted[*index] = done.rows_affected() == 1;
    }
    Ok(inserted)
}
