//! The streaming job (it takes the place of Spark Structured Streaming): NovAtel frames from Kafka
//! ([`consumer`], [`record`]), decoded into the Arrow columns of the raw tables ([`tables`],
//! [`rows`]), aggregated over event-time windows with DataFusion SQL ([`aggregate`]), and written
//! to ClickHouse ([`sink`]) by the job's batches ([`job`], [`writer`]), each record exactly once
//! ([`exactly_once`]). [`dashboards`] and [`report`] read what it wrote.

pub mod aggregate;
pub mod consumer;
pub mod dashboards;
pub mod error;
pub mod exactly_once;
pub mod job;
pub mod metrics;
pub mod record;
pub mod reference;
pub mod report;
pub mod retention;
pub mod rinex;
pub mod rows;
pub mod settings;
pub mod sink;
pub mod status;
pub mod tables;
pub mod writer;
