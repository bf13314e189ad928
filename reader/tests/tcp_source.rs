//! The TCP source against a stand-in receiver on loopback: commands on every connect, a dropped
//! connection picked up again with nothing lost, and a live receiver outpacing a dead Kafka
//! (frames dropped, counted and reported, never silently).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::kafka::{cluster, consume};
use common::{logged, send_signal};
use nix::sys::signal::Signal;
use novatel::simulate::{Config, Simulator};
use novatel::{Event, frames};

fn reader(bootstrap: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_novatel-reader"));
    command
        .env_clear()
        .env("KAFKA_BROKERS", bootstrap)
        .env("METRICS_LISTEN", "off")
        .env("LOG_FORMAT", "json");
    command
}

/// Accepts a connection and reads the reader's command line.
fn accept_with_command(listener: &TcpListener) -> (TcpStream, String) {
    let (stream, _) = listener.accept().unwrap();
    let mut line = String::new();
    BufReader::new(stream.try_clone().unwrap()).read_line(&mut line).unwrap();
    (stream, line.trim().to_owned())
}

#[test]
fn a_dropped_connection_is_made_again_and_nothing_is_lost() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let data =
        std::fs::read(format!("{}/../fixtures/real/test2_rcvr1.dat", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let frames: Vec<Vec<u8>> = frames(&data)
        .filter_map(|e| match e {
            Event::Frame(f) => Some(f.bytes.to_vec()),
            Event::Rejected(_) => None,
        })
        .collect();
    let half = frames.len() / 2;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server_frames = frames.clone();
    let server = std::thread::spawn(move || {
        let mut commands = Vec::new();
        let (mut first, command) = accept_with_command(&listener);
        commands.push(command);
        first.write_all(&server_frames[..half].concat()).unwrap();
        drop(first);
        let (mut second, command) = accept_with_command(&listener);
        commands.push(command);
        second.write_all(&server_frames[half..].concat()).unwrap();
        std::thread::sleep(Duration::from_secs(2));
        commands
    });
    let child = reader(&bootstrap)
        .args([
            "tcp",
            "--tcp-address",
            &address,
            "--receiver-id",
            "base",
            "--tcp-command",
            "LOG RANGECMPB ONTIME 1",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let commands = server.join().unwrap();
    send_signal(&child, Signal::SIGTERM);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(commands, ["LOG RANGECMPB ONTIME 1"; 2]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("receiver connected again"));
    let messages = consume(&bootstrap, "gnss.frames", frames.len(), Duration::from_secs(20));
    let received: Vec<Vec<u8>> = messages.into_iter().map(|m| m.value).collect();
    assert_eq!(received.len(), frames.len());
    assert!(received == frames, "every frame once, in order");
}

#[test]
fn a_live_receiver_outpacing_a_dead_kafka_drops_counts_and_reports() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        // Far more than the 1 MiB buffer, as fast as the socket takes it.
        let mut sim = Simulator::new(Config::default()).unwrap();
        let mut buf = Vec::new();
        for _ in 0..100 {
            buf.clear();
            for _ in 0..1000 {
                sim.write_epoch(&mut buf).unwrap();
            }
            if stream.write_all(&buf).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let child = reader(&bootstrap)
        .args([
            "tcp",
            "--tcp-address",
            &address,
            "--kafka-buffer-bytes",
            "1048576",
            "--kafka-flush-timeout",
            "1s",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    for broker in 1..=3 {
        cluster.broker_down(broker).unwrap();
    }
    std::thread::sleep(Duration::from_secs(3));
    send_signal(&child, Signal::SIGTERM);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "undelivered frames make the exit status non-zero");
    assert!(
        stderr.contains("Kafka buffer full: dropping frames from the live receiver"),
        "{stderr}"
    );
    let report = logged(&output.stderr, "finished");
    let dropped = report["fields"]["dropped"].as_u64().unwrap();
    let frames = report["fields"]["frames"].as_u64().unwrap();
    let produced = report["fields"]["produced"].as_u64().unwrap();
    assert!(dropped > 0);
    assert_eq!(
        produced + dropped,
        frames,
        "every frame read was either queued or counted as dropped"
    );
    assert!(stderr.contains("frames did not reach Kafka"), "{stderr}");
}
