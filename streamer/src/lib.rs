//! The streaming job (it takes the place of Spark Structured Streaming): NovAtel frames from Kafka
//! ([`consumer`], [`record`]), decoded into Arrow record batches ([`rows`]), aggregated over
//! event-time windows with DataFusion SQL ([`aggregate`]), and written to ClickHouse ([`sink`])
//! exactly once ([`job`], [`writer`]).

pub mod aggregate;
pub mod config;
pub mod consumer;
pub mod dashboards;
pub mod duplicates;
pub mod job;
pub mod metrics;
pub mod record;
pub mod reference;
pub mod report;
pub mod rows;
pub mod sink;
pub mod writer;
