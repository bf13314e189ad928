//! A replicated ClickHouse cluster of its own (`scripts/local-cluster`): ZooKeeper and shards x
//! replicas of Debian's ClickHouse 18.16 on loopback, the cluster `gnss`, in a directory of its
//! own; stopped and removed on drop.
//!
//! 18.16 retries replication every 10 s once it has failed: a server killed and run again
//! replicates at once if its former ZooKeeper session has expired (5 s after the kill, when the
//! other replicas' `active_replicas` drop), else up to 10 s after [`LocalCluster::run`]; tables
//! turn writable again up to 10 s after [`LocalCluster::start_zookeeper`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ClickHouse, Version, free_port};

pub struct LocalCluster {
    dir: PathBuf,
    /// `cluster.env`'s assignments.
    env: HashMap<String, String>,
    /// Each server by name (`s1r1`, ...), in shard then replica order: a [`ClickHouse`] that does
    /// not own its process (the script does).
    nodes: Vec<(String, ClickHouse)>,
}

impl LocalCluster {
    /// `shards` x `replicas` servers, named `s<shard>r<replica>`, and their ZooKeeper.
    pub fn start(shards: u32, replicas: u32) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "gnss-streamer-cluster-{}-{}",
            std::process::id(),
            free_port()
        ));
        let (shards, replicas) = (shards.to_string(), replicas.to_string());
        script(&["start", path(&dir), "--shards", &shards, "--replicas", &replicas]);
        let env = parse_env(&std::fs::read_to_string(dir.join("cluster.env")).unwrap());
        let port = |node: &str, kind: &str| -> u16 {
            env[&format!("NODE_{node}_{kind}")].parse().unwrap()
        };
        let nodes = env["CLUSTER_NODES"]
            .split_whitespace()
            .map(|name| {
                let node = ClickHouse {
                    dir: dir.join(name),
                    http_port: port(name, "HTTP"),
                    tcp_port: port(name, "TCP"),
                    interserver_port: port(name, "INTERSERVER"),
                    child: None,
                    version: Version::Debian,
                };
                (name.to_owned(), node)
            })
            .collect();
        LocalCluster { dir, env, nodes }
    }

    /// Every server's HTTP URL, as the streamer takes them: shards separated by `;`, a shard's
    /// replicas by `,`.
    pub fn shards_setting(&self) -> &str {
        &self.env["CLICKHOUSE_SHARDS"]
    }

    /// The cluster's name in `remote_servers` (for `Distributed` and `ON CLUSTER`).
    pub fn cluster_name(&self) -> &str {
        &self.env["CLICKHOUSE_CLUSTER"]
    }

    /// ZooKeeper's `host:port`.
    pub fn zookeeper(&self) -> &str {
        &self.env["ZOOKEEPER"]
    }

    /// The names of the servers, in shard then replica order.
    pub fn nodes(&self) -> Vec<&str> {
        self.nodes.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// A server, to query (it is not to be killed or run through it: see [`LocalCluster::kill`]).
    pub fn node(&self, name: &str) -> &ClickHouse {
        let found = self.nodes.iter().find(|(n, _)| n == name);
        &found.unwrap_or_else(|| panic!("no server {name} in {:?}", self.nodes())).1
    }

    /// The HTTP URL of replica `replica` of shard `shard` (both from 1).
    pub fn node_url(&self, shard: usize, replica: usize) -> String {
        self.node(&format!("s{shard}r{replica}")).url()
    }

    /// Stops one server at once (SIGKILL).
    pub fn kill(&self, node: &str) {
        script(&["kill", path(&self.dir), node]);
    }

    /// Starts a server [`LocalCluster::kill`] stopped, on the same data and ports, and waits until
    /// it answers.
    pub fn run(&self, node: &str) {
        script(&["run", path(&self.dir), node]);
    }

    pub fn stop_zookeeper(&self) {
        script(&["zookeeper-stop", path(&self.dir)]);
    }

    /// Starts ZooKeeper again, on the same port and data, and waits until it answers.
    pub fn start_zookeeper(&self) {
        script(&["zookeeper-start", path(&self.dir)]);
    }

    /// The result of `sql` on `node` (TabSeparated).
    pub fn query(&self, node: &str, sql: &str) -> String {
        self.node(node).query(sql)
    }

    pub fn try_query(&self, node: &str, sql: &str) -> Result<String, String> {
        self.node(node).try_query(sql)
    }

    /// A server's log (warnings and errors), to show when a test fails.
    pub fn log(&self, node: &str) -> String {
        std::fs::read_to_string(self.dir.join(node).join("server.log")).unwrap_or_default()
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        let _ = Command::new(script_path()).arg("stop").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn script_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/local-cluster")
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

/// Runs `scripts/local-cluster args`; panics with its error output if it fails.
fn script(args: &[&str]) {
    let output = Command::new(script_path()).args(args).output().expect("scripts/local-cluster");
    assert!(
        output.status.success(),
        "scripts/local-cluster {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `KEY=VALUE` lines (the value maybe in double quotes); `#` comments.
fn parse_env(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().trim_matches('"').to_owned()))
        .collect()
}
