//! Group commit (issue 17): one writer task per process stores the submissions waiting for it
//! together, in one transaction, and acknowledges each only after that transaction committed.
//!
//! Concurrent submissions then share one commit (one fsync) instead of queueing behind one
//! another's. Each stays atomic on its own: it runs under a savepoint, and a used token, a full
//! link or a closed campaign rolls back to that savepoint and refuses that submission alone. On
//! SQLite the writer also takes the process's writer turn, which the sealer shares, so the two
//! never poll SQLite's lock. PostgreSQL uses the same path (see docs/operations.md).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use crate::error::AppError;
use crate::repo::inbox::{Landed, Landing};

/// Submissions gathered into one transaction at most.
const MAX_BATCH: usize = 64;

struct Job {
    landing: Landing,
    reply: oneshot::Sender<Result<Landed, AppError>>,
}

/// The handle submissions go through; cheap to clone.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer task on the current runtime.
    pub fn start(db: DatabaseConnection, writer_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>) -> GroupCommit {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(db, writer_turn, rx));
        GroupCommit { jobs }
    }

    /// Stores one submission and waits until it is committed (or refused).
    pub async fn land(&self, landing: Landing) -> Result<Landed, AppError> {
        let stopped = || AppError::Internal(anyhow::anyhow!("the submission writer has stopped"));
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { landing, reply }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn run(db: DatabaseConnection, writer_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let _turn = match &writer_turn {
            Some(m) => Some(m.lock().await),
            None => None,
        };
        match write(&db, &batch).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                // Nothing of the batch was stored; each submission is answered with the same
                // failure (503 when the database is unreachable, so the citizen tries again).
                let unavailable = crate::error::is_unavailable(&e);
                tracing::warn!(error = %e, submissions = batch.len(), "a group commit failed; nothing of it was stored");
                for job in batch {
                    let err = if unavailable {
                        AppError::Unavailable("the database is unavailable; please try again shortly".into())
                    } else {
                        AppError::Internal(anyhow::anyhow!("storing a submission failed: {e}"))
                    };
                    let _ = job.reply.send(Err(err));
                }
            }
        }
    }
}

/// One transaction for the batch, a savepoint per submission; `Err` when the transaction as a
/// whole failed (then none was stored).
async fn write(db: &DatabaseConnection, batch: &[Job]) -> Result<Vec<Result<Landed, AppError>>, DbErr> {
    let txn = db.begin().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        txn.execute_unprepared("SAVEPOINT one_submission").await?;
        let outcome = crate::repo::inbox::land(&txn, &job.landing).await;
        let keep = matches!(outcome, Ok(Landed::Accepted));
        if keep {
            txn.execute_unprepared("RELEASE SAVEPOINT one_submission").await?;
        } else {
            txn.execute_unprepared("ROLLBACK TO SAVEPOINT one_submission").await?;
            txn.execute_unprepared("RELEASE SAVEPOINT one_submission").await?;
        }
        outcomes.push(outcome.map_err(AppError::from));
    }
    txn.commit().await?;
    Ok(outcomes)
}
