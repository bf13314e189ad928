//! The Kafka producer of frames: idempotent, compressed, batched for throughput, with a bounded
//! buffer, and a count of every frame that was delivered, failed or dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use metrics::{Counter, Histogram, counter, histogram};
use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::OwnedHeaders;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::types::RDKafkaRespErr;
use thiserror::Error;
use tracing::{debug, error, info, warn};

use gnss_common::kafka::{FrameHeaders, log_librdkafka, set_properties};

use super::record::{FrameRecord, RejectedRecord};
use crate::settings::ProducerArgs;
use gnss_common::telemetry::RateLimit;

use crate::metrics as m;

/// Memory a queued frame takes in all (measured with 270-byte frames and the six headers every
/// frame had then; lean frames take less): turns the buffer size into a bound on queued frames.
const BYTES_PER_QUEUED_FRAME: u64 = 1600;

/// What `send` does when the buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenFull {
    /// Wait until there is room: right for recordings, which can be read later.
    Wait,
    /// Drop the frame and count it: for live receivers, which cannot be paused.
    Drop,
}

/// Problems connecting to Kafka, each saying what to check.
#[derive(Debug, Error)]
pub enum ProducerError {
    #[error(
        "librdkafka rejected the producer configuration ({0}); check the -X/kafka.properties settings"
    )]
    Config(KafkaError),
    #[error(
        "cannot reach Kafka at {brokers} within {timeout:?} ({cause}); check --kafka-brokers \
         (KAFKA_BROKERS) and that the brokers are up"
    )]
    Unreachable { brokers: String, timeout: Duration, cause: KafkaError },
    #[error(
        "topic {topic} does not exist on {brokers}; create it (kafka-topics.sh --create --topic \
         {topic}) or choose another with --kafka-topic (KAFKA_TOPIC)"
    )]
    TopicMissing { topic: String, brokers: String },
}

/// Counts of what happened to produced frames.
#[derive(Debug, Default)]
pub struct Delivery {
    pub produced: AtomicU64,
    pub delivered: AtomicU64,
    pub delivered_bytes: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
}

/// A snapshot of [`Delivery`] and the frames still waiting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub produced: u64,
    pub delivered: u64,
    pub delivered_bytes: u64,
    pub failed: u64,
    pub dropped: u64,
    pub in_flight: u64,
}

impl Report {
    /// Frames read that did not reach Kafka.
    pub fn lost(&self) -> u64 {
        self.failed + self.dropped + self.in_flight
    }
}

/// librdkafka calls this on its own threads: deliveries and errors.
struct Callbacks {
    delivery: Arc<Delivery>,
    started: Instant,
    latency: Histogram,
    delivered: Counter,
    delivered_bytes: Counter,
    errors: Counter,
    error_log: RateLimit,
}

impl ClientContext for Callbacks {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        log_librdkafka(level, facility, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if let Some(suppressed) = self.error_log.check() {
            warn!(%error, suppressed, "Kafka client error: {reason}");
        }
    }
}

impl ProducerContext for Callbacks {
    /// When the message was queued (microseconds since the producer started), shifted left by
    /// one; the low bit is set for frames (clear for reports of rejected bytes).
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, opaque: usize) {
        let (queued_us, frame) = (opaque >> 1, opaque & 1 == 1);
        match result {
            Ok(message) if frame => {
                let bytes = message.payload_len() as u64;
                self.delivery.delivered.fetch_add(1, Ordering::Relaxed);
                self.delivery.delivered_bytes.fetch_add(bytes, Ordering::Relaxed);
                self.delivered.increment(1);
                self.delivered_bytes.increment(bytes);
                let now_us = self.started.elapsed().as_micros() as usize;
                self.latency.record(now_us.saturating_sub(queued_us) as f64 / 1e6);
            }
            Ok(_) => {}
            Err((error, _)) => {
                if frame {
                    self.delivery.failed.fetch_add(1, Ordering::Relaxed);
                }
                self.errors.increment(1);
                if let Some(suppressed) = self.error_log.check() {
                    error!(%error, suppressed, "a message could not be delivered to Kafka");
                }
            }
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Produces frames to one topic.
pub struct FrameProducer {
    producer: ThreadedProducer<Callbacks>,
    topic: String,
    /// The headers of frame messages.
    headers: FrameHeaders,
    when_full: WhenFull,
    delivery: Arc<Delivery>,
    started: Instant,
    produced: Counter,
    dropped: Counter,
    drop_log: RateLimit,
    /// Why the brokers could not be reached at the last look; `None` when they answered.
    unreachable: Mutex<Option<String>>,
}

/// What became of a frame handed to [`FrameProducer::send`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    Queued,
    Dropped,
    Failed,
}

impl FrameProducer {
    /// The librdkafka configuration: the reader's tuning, then the user's properties over it.
    fn client_config(args: &ProducerArgs, properties: &[(String, String)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        let buffer_kbytes = (args.kafka_buffer_bytes / 1024).max(1);
        // librdkafka bounds its queue by payload bytes, but a queued frame costs more than its
        // payload (the message, its headers, batch buffers): about 1.6 KB in all, measured when
        // every frame carried six headers (all of full's but `offset`). Without batch buffers
        // (270-byte frames queued while the brokers are down) a frame takes about 1,070 bytes
        // with full headers and 640 with lean ones, measured: the bound is conservative for lean.
        // Bounding the count too keeps the process within the buffer the user set.
        let buffer_messages = (args.kafka_buffer_bytes / BYTES_PER_QUEUED_FRAME).max(1000);
        config
            .set("bootstrap.servers", &args.kafka.kafka_brokers)
            .set("client.id", "novatel-reader")
            // Retries never duplicate or reorder a frame.
            .set("enable.idempotence", "true")
            .set("compression.codec", args.kafka_compression.as_str())
            // Large batches for throughput; 10 ms keeps live receivers' latency low.
            .set("linger.ms", "10")
            .set("batch.num.messages", "10000")
            .set("batch.size", "1000000")
            .set("queue.buffering.max.kbytes", buffer_kbytes.to_string())
            .set("queue.buffering.max.messages", buffer_messages.to_string())
            // A broker back after an outage is found within a second, not librdkafka's 10 s: the
            // frames a live receiver sent meanwhile go out at once.
            .set("reconnect.backoff.max.ms", "1000")
            // A missing topic is a configuration error, not something to create silently.
            .set("allow.auto.create.topics", "false");
        set_properties(&mut config, properties);
        config
    }

    /// Connects, waiting up to the connect timeout for the brokers, and checks the topic exists.
    /// `properties` are the merged librdkafka properties of the settings.
    pub async fn connect(
        args: &ProducerArgs,
        properties: &[(String, String)],
        when_full: WhenFull,
    ) -> Result<Self, ProducerError> {
        let delivery = Arc::new(Delivery::default());
        let started = Instant::now();
        let callbacks = Callbacks {
            delivery: Arc::clone(&delivery),
            started,
            latency: histogram!(m::PRODUCE_LATENCY),
            delivered: counter!(m::FRAMES_DELIVERED),
            delivered_bytes: counter!(m::DELIVERED_BYTES),
            errors: counter!(m::DELIVERY_ERRORS),
            error_log: RateLimit::new(Duration::from_secs(10)),
        };
        let config = Self::client_config(args, properties);
        let producer: ThreadedProducer<Callbacks> =
            config.create_with_context(callbacks).map_err(ProducerError::Config)?;
        let brokers = args.kafka.kafka_brokers.clone();
        let topic = args.kafka.kafka_topic.clone();
        let timeout = args.kafka_connect_timeout;
        let checker = producer.clone();
        let checked_topic = topic.clone();
        let deadline = Instant::now() + timeout;
        let metadata = tokio::task::spawn_blocking(move || {
            loop {
                let attempt =
                    Duration::from_secs(5).min(deadline.saturating_duration_since(Instant::now()));
                match checker.client().fetch_metadata(Some(&checked_topic), attempt) {
                    Ok(metadata) => return Ok(metadata),
                    Err(e) if Instant::now() >= deadline => return Err(e),
                    Err(e) => {
                        debug!(error = %e, "Kafka not reachable yet");
                        std::thread::sleep(Duration::from_millis(500));
                    }
                }
            }
        })
        .await
        .unwrap_or_else(|join| match join.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => Err(KafkaError::Canceled),
        })
        .map_err(|cause| ProducerError::Unreachable {
            brokers: brokers.clone(),
            timeout,
            cause,
        })?;
        let missing = metadata.topics().iter().all(|t| {
            t.name() != topic
                || t.error() == Some(RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        });
        if missing {
            return Err(ProducerError::TopicMissing { topic, brokers });
        }
        let partitions = metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic)
            .map_or(0, |t| t.partitions().len());
        info!(%brokers, %topic, partitions, "connected to Kafka");
        Ok(FrameProducer {
            producer,
            topic,
            headers: args.kafka_headers,
            when_full,
            delivery,
            started,
            produced: counter!(m::FRAMES_PRODUCED),
            dropped: counter!(m::FRAMES_DROPPED),
            drop_log: RateLimit::new(Duration::from_secs(10)),
            unreachable: Mutex::new(None),
        })
    }

    /// Asks the brokers for the topic's metadata every `every`, for [`Self::unreachable`]: the
    /// same request as at start, so it tells the same about a real cluster as about the mock.
    pub async fn watch_brokers(self: Arc<Self>, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let producer = self.producer.clone();
            let topic = self.topic.clone();
            let answer = tokio::task::spawn_blocking(move || {
                producer.client().fetch_metadata(Some(&topic), every).map(|_| ())
            })
            .await;
            let error = match answer {
                Ok(Ok(())) => None,
                Ok(Err(error)) => Some(error.to_string()),
                Err(join) => Some(join.to_string()),
            };
            *self.unreachable.lock().unwrap_or_else(|p| p.into_inner()) = error;
        }
    }

    /// Why the brokers did not answer the last metadata request, if they did not.
    pub fn unreachable(&self) -> Option<String> {
        self.unreachable.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Queues a frame. With [`WhenFull::Wait`] this waits while the buffer is full; with
    /// [`WhenFull::Drop`] the frame is dropped and counted.
    pub async fn send(&self, record: &FrameRecord<'_>) -> Sent {
        self.send_message(
            record.receiver,
            record.bytes,
            record.timestamp_ms(now_ms),
            record.headers(self.headers),
            true,
        )
        .await
    }

    /// Queues a report of rejected bytes (see the message contract); not counted as a frame.
    pub async fn send_rejected(&self, record: &RejectedRecord<'_>) -> Sent {
        let timestamp_ms = record.timestamp_ms(now_ms);
        self.send_message(record.receiver, &[], timestamp_ms, record.headers(), false).await
    }

    async fn send_message(
        &self,
        key: &str,
        value: &[u8],
        timestamp_ms: i64,
        headers: OwnedHeaders,
        frame: bool,
    ) -> Sent {
        let opaque = (self.started.elapsed().as_micros() as usize) << 1 | usize::from(frame);
        let mut base = BaseRecord::with_opaque_to(&self.topic, opaque)
            .key(key)
            .payload(value)
            .timestamp(timestamp_ms)
            .headers(headers);
        loop {
            match self.producer.send(base) {
                Ok(()) => {
                    if frame {
                        self.delivery.produced.fetch_add(1, Ordering::Relaxed);
                        self.produced.increment(1);
                    }
                    return Sent::Queued;
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                    if self.when_full == WhenFull::Drop {
                        if frame {
                            self.delivery.dropped.fetch_add(1, Ordering::Relaxed);
                            self.dropped.increment(1);
                        }
                        if let Some(suppressed) = self.drop_log.check() {
                            warn!(
                                suppressed,
                                "Kafka buffer full: dropping frames from the live receiver; raise \
                                 --kafka-buffer-bytes or check the brokers"
                            );
                        }
                        return Sent::Dropped;
                    }
                    base = returned;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Err((error, _)) => {
                    if frame {
                        self.delivery.failed.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Some(suppressed) = self.drop_log.check() {
                        error!(%error, suppressed, "Kafka refused a message");
                    }
                    return Sent::Failed;
                }
            }
        }
    }

    /// Frames queued in librdkafka and not yet acknowledged.
    pub fn in_flight(&self) -> u64 {
        self.producer.in_flight_count().max(0) as u64
    }

    /// Waits up to `timeout` for every queued frame to be delivered or to fail.
    pub async fn flush(&self, timeout: Duration) -> Report {
        let producer = self.producer.clone();
        let flushed = tokio::task::spawn_blocking(move || producer.flush(timeout)).await;
        if let Ok(Err(error)) = flushed {
            warn!(%error, in_flight = self.in_flight(), "not every frame reached Kafka before the flush timeout");
        }
        self.report()
    }

    pub fn report(&self) -> Report {
        let d = &self.delivery;
        Report {
            produced: d.produced.load(Ordering::Relaxed),
            delivered: d.delivered.load(Ordering::Relaxed),
            delivered_bytes: d.delivered_bytes.load(Ordering::Relaxed),
            failed: d.failed.load(Ordering::Relaxed),
            dropped: d.dropped.load(Ordering::Relaxed),
            in_flight: self.in_flight(),
        }
    }
}
