//! Producing frames to Kafka: the message contract and the producer.

pub mod producer;
pub mod record;

pub use producer::{Delivery, FrameProducer, ProducerError, WhenFull};
pub use record::FrameRecord;
