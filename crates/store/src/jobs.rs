//! Background jobs in a table that any instance can claim: a claim is one atomic UPDATE, so a
//! job runs on one instance at a time; a crashed worker's lease expires and another retries.

use crate::db::{Db, StoreError};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// Queues a job, inside the caller's transaction (so it exists only if the write it follows does).
pub async fn enqueue(
    conn: &mut AnyConnection,
    kind: &str,
    payload: &str,
    run_at: i64,
    max_attempts: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query("INSERT INTO jobs (kind, payload, run_at, attempts, max_attempts, created_at) VALUES ($1, $2, $3, 0, $4, $5) RETURNING id")
        .bind(kind)
        .bind(payload)
        .bind(run_at)
        .bind(max_attempts)
        .bind(now)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("id")?)
}

/// Claims the oldest due job for `lease` seconds, or `None`.
pub async fn claim(db: &Db, worker: &str, now: i64, lease: i64) -> Result<Option<Job>, StoreError> {
    let row = sqlx::query(
        "UPDATE jobs SET locked_by = $1, locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE done_at IS NULL AND attempts < max_attempts AND run_at <= $3 \
                     AND (locked_until IS NULL OR locked_until <= $3) ORDER BY run_at, id LIMIT 1) \
           AND done_at IS NULL AND (locked_until IS NULL OR locked_until <= $3) \
         RETURNING id, kind, payload, attempts, max_attempts",
    )
    .bind(worker)
    .bind(now + lease)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| -> Result<Job, sqlx::Error> {
        Ok(Job {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            attempts: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
        })
    })
    .transpose()
    .map_err(Into::into)
}

pub async fn complete(db: &Db, id: i64, worker: &str, now: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET done_at = $1, locked_by = NULL, locked_until = NULL, last_error = NULL WHERE id = $2 AND locked_by = $3")
        .bind(now)
        .bind(id)
        .bind(worker)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Records a failure and schedules a retry at `retry_at` (the job stays failed once its attempts
/// are used up).
pub async fn fail(
    db: &Db,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET last_error = $1, run_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $3 AND locked_by = $4")
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .bind(worker)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Jobs not done yet (pending, running or failed), for dashboards and tests.
pub async fn pending_count(db: &Db) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
}
