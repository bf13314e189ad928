//! The Kafka consumer: subscribing, and the rebalance callback that decides where each assigned
//! partition resumes from what ClickHouse holds ([`crate::exactly_once`]).
//!
//! On assignment the marks of every table are read from ClickHouse; a partition resumes after the
//! last record `frames` holds of it, or, if it holds none, where `kafka.start` says. On
//! revocation the writer stops first, and the job gives up the batch in progress.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gnss_common::kafka::{log_librdkafka, set_properties};
use metrics::gauge;
use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, RebalanceProtocol};
use rdkafka::error::KafkaError;
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::{RDKafkaErrorCode, RDKafkaRespErr};
use thiserror::Error;
use tracing::{error, info, warn};

use crate::exactly_once::{self, Marks, Shared};
use crate::metrics as m;
use crate::settings::{Args, Start};
use crate::sink::Sink;
use crate::status::Status;
use crate::tables::FramesBuilder;
use crate::writer::Control;

/// What librdkafka calls back on the consumer's thread (rebalances, logs, errors, statistics),
/// and what those calls need.
pub struct Callbacks {
    pub runtime: tokio::runtime::Handle,
    pub sink: Arc<Sink>,
    /// Tables with Kafka offsets, `frames` among them.
    pub tables: Vec<String>,
    pub topic: String,
    pub start: Start,
    pub shared: Arc<Mutex<Shared>>,
    /// The writer, stopped before partitions are given up.
    pub writer: Arc<Control>,
    /// The last error librdkafka reported (a broker it cannot connect to...).
    pub client_error: Mutex<Option<String>>,
    /// What the HTTP API shows.
    pub status: Arc<Status>,
}

impl Callbacks {
    fn remember(&self, error: &str) {
        *self.client_error.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(error.to_owned());
    }

    /// The last error librdkafka reported.
    pub fn client_error(&self) -> Option<String> {
        self.client_error.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    pub fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads every table's marks, retrying while ClickHouse is unavailable (the group waits).
    fn read_marks(&self) -> Marks {
        let mut delay = Duration::from_millis(200);
        loop {
            match self.runtime.block_on(self.sink.all_marks(&self.tables)) {
                Ok(marks) => return marks,
                Err(error) => {
                    warn!(%error, retry_in = ?delay, "cannot read what ClickHouse holds; partitions wait");
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    /// Where a partition ClickHouse holds nothing of starts. For a time, the broker's index
    /// finds the first record at or after it; a broker that finds none (or cannot look it up)
    /// leaves the partition to be read from its beginning, the records before the time skipped.
    fn start_offset(&self, consumer: &BaseConsumer<Self>, partition: i32) -> Offset {
        match self.start {
            Start::Earliest => Offset::Beginning,
            Start::Latest => Offset::End,
            Start::Time(ms) => {
                self.shared().skip_before.insert(partition, ms);
                let mut query = TopicPartitionList::new();
                let _ = query.add_partition_offset(&self.topic, partition, Offset::Offset(ms));
                match consumer.offsets_for_times(query, Duration::from_secs(10)) {
                    Ok(found) => match found.elements().first().map(|e| e.offset()) {
                        Some(Offset::Offset(offset)) => Offset::Offset(offset),
                        _ => Offset::Beginning,
                    },
                    Err(error) => {
                        warn!(%error, partition, "cannot look up the start time; reading from the beginning");
                        Offset::Beginning
                    }
                }
            }
        }
    }
}

/// Why the consumer could not start.
#[derive(Debug, Error)]
pub enum StartError {
    #[error("cannot create the Kafka consumer: {0}; check the -X properties (kafka.properties)")]
    Create(KafkaError),
    #[error(
        "no Kafka broker of {brokers} answered within {waited:?} ({cause}); check \
         --kafka-brokers (KAFKA_BROKERS), that the brokers are up and reachable from here and, if \
         they want TLS or SASL, the -X security.protocol, ssl and sasl properties; or wait longer \
         with --connect-timeout"
    )]
    NoBroker { brokers: String, waited: Duration, cause: String },
    #[error(
        "topic {topic} is not on the Kafka brokers {brokers} ({cause}) after waiting {waited:?}; \
         check --kafka-topic (KAFKA_TOPIC), create the topic if it does not exist (kafka-topics.sh \
         --create --topic {topic}), or let this client read it"
    )]
    NoTopic { topic: String, brokers: String, waited: Duration, cause: String },
    #[error("cannot subscribe to Kafka topic {topic}: {error}")]
    Subscribe { topic: String, error: KafkaError },
}

/// A consumer of the frames topic in the configured group, subscribed once a broker has answered
/// and the topic exists (waiting up to `connect.timeout` for both). Offsets are stored by the
/// job once a batch is in ClickHouse, and committed from there every 5 s and at stop; where a
/// partition resumes is decided on assignment from what ClickHouse holds.
pub fn subscribe(
    args: &Args,
    properties: &[(String, String)],
    callbacks: Callbacks,
) -> Result<BaseConsumer<Callbacks>, StartError> {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &args.kafka.kafka_brokers)
        .set("group.id", &args.kafka_group)
        .set("client.id", "gnss-streamer")
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "5000")
        .set("enable.auto.offset.store", "false")
        // Only when a resume offset is no longer in the log (retention removed it).
        .set("auto.offset.reset", "earliest")
        .set("enable.partition.eof", "false")
        // Prefetched records, at most 16 MiB: the bound on what waits in memory for the job.
        .set("queued.max.messages.kbytes", "16384")
        // When that bound is reached, fetching resumes 10 ms later rather than librdkafka's
        // default 1 s: a second's stall per full queue halved the throughput (measured).
        .set("fetch.queue.backoff.ms", "10")
        // A broker that holds a fetch until it times out rather than answering when records
        // arrive (librdkafka's mock cluster does) adds up to this to every record's latency:
        // 100 ms rather than 500 (measured with benches/latency.sh, p99 996 -> 533 ms).
        .set("fetch.wait.max.ms", "100")
        .set("statistics.interval.ms", "10000");
    set_properties(&mut config, properties);
    let consumer: BaseConsumer<Callbacks> =
        config.create_with_context(callbacks).map_err(StartError::Create)?;
    let topic = args.kafka.kafka_topic.as_str();
    let ready = wait_for_topic(&consumer, &args.kafka.kafka_brokers, topic, args.connect_timeout)
        .and_then(|()| {
            consumer
                .subscribe(&[topic])
                .map_err(|error| StartError::Subscribe { topic: topic.to_owned(), error })
        });
    if let Err(error) = ready {
        // Without a broker, closing the consumer could wait for one: the process exits anyway.
        std::mem::forget(consumer);
        return Err(error);
    }
    Ok(consumer)
}

/// Waits up to `wait` for a broker to answer and `topic` to exist on it.
fn wait_for_topic(
    consumer: &BaseConsumer<Callbacks>,
    brokers: &str,
    topic: &str,
    wait: Duration,
) -> Result<(), StartError> {
    let started = Instant::now();
    let mut told = false;
    loop {
        let left = wait.saturating_sub(started.elapsed());
        let metadata = consumer.fetch_metadata(
            Some(topic),
            left.clamp(Duration::from_millis(500), Duration::from_secs(5)),
        );
        // librdkafka hands its logs and errors (a broker refusing connections...) over while
        // polled: they go to the log, and the last error is kept for the message below.
        let until = Instant::now() + Duration::from_millis(200);
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            let _ = consumer.poll(left);
        }
        // Why the topic cannot be read, if a broker answered.
        let missing = metadata.as_ref().map(|metadata| {
            match metadata.topics().iter().find(|t| t.name() == topic) {
                None => Some("not in the brokers' answer".to_owned()),
                Some(t) => match t.error() {
                    Some(error) => Some(RDKafkaErrorCode::from(error).to_string()),
                    None if t.partitions().is_empty() => Some("no partitions".to_owned()),
                    None => None,
                },
            }
        });
        let error = match missing {
            Ok(None) => return Ok(()),
            Ok(Some(cause)) => {
                if !told {
                    warn!(topic, %cause, ?wait, "the topic is not on the Kafka brokers; waiting for it");
                    told = true;
                }
                StartError::NoTopic {
                    topic: topic.to_owned(),
                    brokers: brokers.to_owned(),
                    waited: wait,
                    cause,
                }
            }
            Err(error) => StartError::NoBroker {
                brokers: brokers.to_owned(),
                waited: wait,
                cause: consumer.context().client_error().unwrap_or_else(|| error.to_string()),
            },
        };
        if started.elapsed() >= wait {
            return Err(error);
        }
    }
}

impl ClientContext for Callbacks {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        log_librdkafka(level, facility, message);
        // A broker that cannot be reached, or spoken to, is told as a failure.
        if facility == "FAIL" || (level as i32) <= RDKafkaLogLevel::Error as i32 {
            self.remember(message);
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        warn!(%error, "Kafka client error: {reason}");
        self.remember(reason);
    }

    /// Consumer lag per partition, and the high watermarks for `/status`, from librdkafka's
    /// statistics.
    fn stats(&self, statistics: Statistics) {
        for topic in statistics.topics.values() {
            for (partition, p) in &topic.partitions {
                if *partition >= 0 && p.consumer_lag >= 0 {
                    gauge!(m::CONSUMER_LAG, "partition" => partition.to_string())
                        .set(p.consumer_lag as f64);
                }
            }
        }
        if let Some(topic) = statistics.topics.get(&self.topic) {
            let known = topic.partitions.iter().filter(|(p, s)| **p >= 0 && s.hi_offset >= 0);
            self.status.high_watermarks(known.map(|(p, s)| (*p, s.hi_offset)));
        }
    }
}

impl ConsumerContext for Callbacks {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let cooperative = matches!(consumer.rebalance_protocol(), RebalanceProtocol::Cooperative);
        let partitions: Vec<i32> =
            tpl.elements_for_topic(&self.topic).iter().map(|e| e.partition()).collect();
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                let marks = self.read_marks();
                let frames = marks.get(FramesBuilder::TABLE).cloned().unwrap_or_default();
                let mut resumes = Vec::new();
                for &partition in &partitions {
                    let offset = match exactly_once::resume_at(&frames, partition) {
                        Some(next) => Offset::Offset(next),
                        None => self.start_offset(consumer, partition),
                    };
                    resumes.push(format!("{partition}@{offset:?}"));
                    if let Err(error) = tpl.set_partition_offset(&self.topic, partition, offset) {
                        error!(%error, partition, "cannot set the resume offset");
                    }
                }
                let assigned = if cooperative {
                    consumer.incremental_assign(tpl)
                } else {
                    consumer.assign(tpl)
                };
                if let Err(error) = assigned {
                    error!(%error, "cannot take the assigned partitions");
                }
                info!(partitions = ?resumes, "partitions assigned; resuming after what ClickHouse holds");
                self.status.assigned(&partitions, &frames);
                let mut shared = self.shared();
                shared.marks = Some(marks);
                shared.generation += 1;
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                // Nothing more of these partitions is written once they are released; what the
                // writer gave up may be partly in ClickHouse: it reads the marks again.
                self.writer.abandon();
                self.status.revoked(&partitions);
                let mut shared = self.shared();
                shared.revoked.extend(&partitions);
                shared.marks = None;
                shared.generation += 1;
                drop(shared);
                let released = if cooperative {
                    consumer.incremental_unassign(tpl)
                } else {
                    consumer.unassign()
                };
                if let Err(error) = released {
                    error!(%error, "cannot release the revoked partitions");
                }
                info!(
                    ?partitions,
                    "partitions revoked; the batch in progress is left to their next owner"
                );
            }
            other => error!(error = ?other, "rebalance failed"),
        }
    }
}
