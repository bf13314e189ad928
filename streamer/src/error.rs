//! Why the job stops, and whether a write is worth trying again.

use datafusion::arrow::error::ArrowError;
use rdkafka::error::KafkaError;
use thiserror::Error;

use crate::aggregate::AggregateError;
use crate::sink::SinkError;

/// Why the job stopped.
#[derive(Debug, Error)]
pub enum JobError {
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Aggregate(#[from] AggregateError),
    #[error("cannot build a batch's Arrow columns")]
    Arrow(#[from] ArrowError),
    #[error("the Kafka consumer failed")]
    Kafka(#[from] KafkaError),
    /// An insert task of the writer panicked: a bug, not a ClickHouse that can be waited for.
    /// The batch is not acknowledged: the next run writes it.
    #[error(
        "an insert into ClickHouse failed inside the streamer ({0}); this is a bug: please report \
         it with the log. Nothing is lost: a restarted streamer writes the batch again"
    )]
    InsertTask(String),
}

impl JobError {
    /// Whether trying again later may succeed (ClickHouse down, overloaded, too many parts).
    pub fn is_retryable(&self) -> bool {
        matches!(self, JobError::Sink(e) if e.is_retryable())
    }
}
