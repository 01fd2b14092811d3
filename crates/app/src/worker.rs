//! The background job worker. Each instance runs one; the jobs table (`alliances_store::jobs`)
//! hands each due job to one worker at a time (atomic claim with a lease), so a job runs once
//! unless its worker dies or overruns the lease, in which case another retries it.
//!
//! A job that fails is retried with exponential backoff ([`retry_delay`]) until its
//! `max_attempts` are used up; it then stays in the table, not done, with its last error.
//!
//! Job kinds: `email` (payload: JSON of [`OutgoingEmail`], sent by the [`Mailer`]);
//! `bibliotheque-liens` (no payload: a pass of the library's broken-link check).

use crate::mail::{Mailer, OutgoingEmail};
use crate::{now, App, AppError};
use alliances_store::jobs::{self, Job};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a claimed job is reserved for its worker (seconds).
pub const LEASE_SECS: i64 = 120;
/// A job is abandoned (and retried later) when it runs this long: well within the lease, so that
/// no other worker takes it while it still runs.
pub const JOB_TIMEOUT_SECS: u64 = 90;
/// First retry delay; doubles at each attempt.
pub const RETRY_BASE_SECS: i64 = 30;
/// Longest retry delay.
pub const RETRY_MAX_SECS: i64 = 6 * 3600;

/// Delay before retrying a job that has failed `attempts` times: 30 s × 2^attempts, capped at
/// 6 h (1 min, 2 min, 4 min, 8 min… after the 1st, 2nd, 3rd, 4th failure).
pub fn retry_delay(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    RETRY_BASE_SECS
        .saturating_mul(1i64 << exp)
        .min(RETRY_MAX_SECS)
}

/// What became of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    /// Failed; retried at `retry_at`, or never when its attempts are used up (`gave_up`).
    Failed {
        error: String,
        retry_at: i64,
        gave_up: bool,
    },
}

/// A worker id unique across instances (used to own claims): `<host>-<pid>-<random>`.
pub fn default_worker_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "instance".into());
    let mut r = [0u8; 3];
    getrandom::getrandom(&mut r).expect("the operating system provides randomness");
    format!("{host}-{}-{}", std::process::id(), hex::encode(r))
}

/// Runs one job of any kind.
async fn dispatch(app: &App, mailer: &dyn Mailer, job: &Job) -> Result<(), String> {
    match job.kind.as_str() {
        crate::bibliotheque::liens::KIND => app
            .verifier_liens(now(), &App::client_liens())
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        "email" => {
            let email: OutgoingEmail = serde_json::from_str(&job.payload)
                .map_err(|e| format!("contenu de la tâche « email » illisible : {e}"))?;
            mailer.send(&email).await.map_err(|e| e.to_string())
        }
        other => Err(format!("type de tâche inconnu « {other} »")),
    }
}

/// Claims the oldest job due at `now` and runs it; `None` when no job is due.
pub async fn run_next_job(
    app: &App,
    mailer: &dyn Mailer,
    worker: &str,
    now: i64,
) -> Result<Option<(Job, JobOutcome)>, AppError> {
    let Some(job) = jobs::claim(&app.db, worker, now, LEASE_SECS).await? else {
        return Ok(None);
    };
    let started = Instant::now();
    let result = match tokio::time::timeout(
        Duration::from_secs(JOB_TIMEOUT_SECS),
        dispatch(app, mailer, &job),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(format!("abandonnée après {JOB_TIMEOUT_SECS} s")),
    };
    let finished = now + started.elapsed().as_secs() as i64;
    let outcome = match result {
        Ok(()) => {
            jobs::complete(&app.db, job.id, worker, finished).await?;
            tracing::info!(
                job = job.id,
                kind = %job.kind,
                attempt = job.attempts,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "job done"
            );
            JobOutcome::Done
        }
        Err(error) => {
            let retry_at = finished + retry_delay(job.attempts);
            let gave_up = job.attempts >= job.max_attempts;
            jobs::fail(&app.db, job.id, worker, &error, retry_at).await?;
            if gave_up {
                tracing::error!(
                    job = job.id,
                    kind = %job.kind,
                    attempt = job.attempts,
                    %error,
                    "job failed for the last time: given up"
                );
            } else {
                tracing::warn!(
                    job = job.id,
                    kind = %job.kind,
                    attempt = job.attempts,
                    max_attempts = job.max_attempts,
                    retry_in_s = retry_at - finished,
                    %error,
                    "job failed, will retry"
                );
            }
            JobOutcome::Failed {
                error,
                retry_at,
                gave_up,
            }
        }
    };
    Ok(Some((job, outcome)))
}

/// Runs every job due at `now` (each at most once: a failed job is retried later, never in the
/// same pass); returns how many ran, successfully or not.
pub async fn run_pending_jobs_once(
    app: &App,
    mailer: &dyn Mailer,
    worker: &str,
    now: i64,
) -> Result<usize, AppError> {
    let mut ran = 0;
    while run_next_job(app, mailer, worker, now).await?.is_some() {
        ran += 1;
    }
    Ok(ran)
}

impl App {
    /// Runs the job worker until the task is aborted: runs due jobs one after the other, and
    /// waits `poll` whenever none is due (or the database fails).
    ///
    /// Aborting while a job runs leaves its lease in place: the job is retried once the lease
    /// ends (an e-mail may then be sent twice, never lost).
    pub fn spawn_job_worker(
        self: &Arc<App>,
        mailer: Arc<dyn Mailer>,
        worker_id: String,
        poll: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let app = Arc::clone(self);
        tracing::info!(worker = %worker_id, mailer = %mailer.describe(), "job worker started");
        tokio::spawn(async move {
            loop {
                match run_next_job(&app, mailer.as_ref(), &worker_id, now()).await {
                    Ok(Some(_)) => {}
                    Ok(None) => tokio::time::sleep(poll).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "job worker: database error, will retry");
                        tokio::time::sleep(poll).await;
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(retry_delay(0), 30);
        assert_eq!(retry_delay(1), 60);
        assert_eq!(retry_delay(2), 120);
        assert_eq!(retry_delay(4), 480);
        assert_eq!(retry_delay(12), RETRY_MAX_SECS);
        assert_eq!(retry_delay(i64::MAX), RETRY_MAX_SECS);
        assert_eq!(retry_delay(-3), 30);
    }

    #[test]
    fn worker_ids_are_unique() {
        let a = default_worker_id();
        assert_ne!(a, default_worker_id());
        assert!(a.contains(&std::process::id().to_string()));
    }
}
