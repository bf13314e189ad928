//! Producing frames to Kafka: each frame and each report of rejected bytes as a message of the
//! contract ([`gnss_common::kafka`]), and the producer.

pub mod producer;
pub mod record;

pub use producer::{Delivery, FrameProducer, ProducerError, WhenFull};
pub use record::{FrameRecord, RejectedRecord};
