//! `mock-kafka`: librdkafka's mock cluster (the real Kafka protocol, in memory, on loopback) as a
//! process, for local runs and tests where no Kafka can be installed. Prints the bootstrap servers
//! on stdout (and to `--bootstrap-file`), creates the topics, and runs until stopped.
//!
//! It keeps data in memory and drops a partition's oldest data past a few MiB: a stand-in for a
//! broker in development, not a broker.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use rdkafka::mocking::MockCluster;

#[derive(Debug, Parser)]
#[command(name = "mock-kafka", version, about)]
struct Args {
    /// Brokers in the cluster.
    #[arg(long, env = "MOCK_KAFKA_BROKERS", default_value_t = 1)]
    brokers: i32,

    /// Topic to create, as NAME or NAME:PARTITIONS; repeatable.
    #[arg(
        long = "topic",
        env = "MOCK_KAFKA_TOPICS",
        value_delimiter = ',',
        default_value = "gnss.frames:4"
    )]
    topics: Vec<String>,

    /// Also write the bootstrap servers to this file.
    #[arg(long, env = "MOCK_KAFKA_BOOTSTRAP_FILE")]
    bootstrap_file: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let cluster = MockCluster::new(args.brokers).context("cannot start the mock cluster")?;
    for topic in &args.topics {
        let (name, partitions) = match topic.split_once(':') {
            Some((name, n)) => {
                (name, n.parse().with_context(|| format!("bad partition count in {topic}"))?)
            }
            None => (topic.as_str(), 1),
        };
        cluster
            .create_topic(name, partitions, 1)
            .with_context(|| format!("cannot create topic {name}"))?;
    }
    let bootstrap = cluster.bootstrap_servers();
    println!("{bootstrap}");
    if let Some(path) = &args.bootstrap_file {
        std::fs::write(path, &bootstrap)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
