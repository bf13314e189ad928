//! A mock Kafka cluster (librdkafka's own, real protocol on loopback) and a consumer of what the
//! reader produced.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message, OwnedMessage};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

pub type Cluster = MockCluster<'static, DefaultProducerContext>;

/// Three brokers with `topic` of `partitions` partitions.
pub fn cluster(topic: &str, partitions: i32) -> Cluster {
    let cluster = MockCluster::new(3).expect("mock cluster");
    cluster.create_topic(topic, partitions, 1).expect("topic");
    cluster
}

/// A message as the tests look at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    pub value: Vec<u8>,
    pub timestamp: Option<i64>,
    pub headers: BTreeMap<String, String>,
    /// How many headers the message has (`headers` keeps the last of a repeated key).
    pub header_count: usize,
}

impl Received {
    /// The header of the frame the message carries, decoded from the value as consumers do: the
    /// reader's default (lean) messages carry no `log`, `week` or `ms` header.
    pub fn frame_header(&self) -> novatel::Header<'static> {
        let frame = novatel::frames(&self.value)
            .find_map(|event| match event {
                novatel::Event::Frame(frame) => Some(frame),
                novatel::Event::Rejected(_) => None,
            })
            .unwrap_or_else(|| panic!("not a frame: {:?}", String::from_utf8_lossy(&self.value)));
        assert_eq!(frame.bytes.len(), self.value.len(), "the value is one frame");
        novatel::header::parse(&frame).expect("a frame with a header").0
    }
}

impl From<OwnedMessage> for Received {
    fn from(m: OwnedMessage) -> Self {
        let header_count = m.headers().map_or(0, |h| h.count());
        let headers = m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|h| {
                        (
                            h.key.to_owned(),
                            String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Received {
            partition: m.partition(),
            offset: m.offset(),
            key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
            value: m.payload().unwrap_or_default().to_vec(),
            timestamp: m.timestamp().to_millis(),
            headers,
            header_count,
        }
    }
}

/// Consumes `topic` from the start until `expected` frames have come (then a moment longer, to
/// catch duplicates) or `timeout` passes. Returns the frames.
pub fn consume(bootstrap: &str, topic: &str, expected: usize, timeout: Duration) -> Vec<Received> {
    consume_split(bootstrap, topic, expected, timeout).0
}

/// Like [`consume`], returning the frames and the reports of rejected bytes.
pub fn consume_split(
    bootstrap: &str,
    topic: &str,
    expected: usize,
    timeout: Duration,
) -> (Vec<Received>, Vec<Received>) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("test-{}", std::process::id()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let (mut frames, mut reports) = (Vec::new(), Vec::new());
    let deadline = Instant::now() + timeout;
    let mut settle: Option<Instant> = None;
    while Instant::now() < deadline && settle.is_none_or(|t| Instant::now() < t) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            let received = Received::from(message.detach());
            if received.headers.get("kind").is_some_and(|k| k == "rejected") {
                reports.push(received);
            } else {
                frames.push(received);
            }
        }
        if frames.len() >= expected && settle.is_none() {
            settle = Some(Instant::now() + Duration::from_millis(1500));
        }
    }
    (frames, reports)
}

/// Messages grouped by key, each group in partition order (all of a key share a partition).
pub fn by_key(messages: &[Received]) -> BTreeMap<String, Vec<Received>> {
    let mut groups: BTreeMap<String, Vec<Received>> = BTreeMap::new();
    for m in messages {
        groups.entry(m.key.clone()).or_default().push(m.clone());
    }
    for group in groups.values_mut() {
        assert!(
            group.iter().all(|m| m.partition == group[0].partition),
            "a receiver's frames span partitions"
        );
        group.sort_by_key(|m| m.offset);
    }
    groups
}
