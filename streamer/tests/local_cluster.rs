//! The replicated cluster the cluster tests run against (`scripts/local-cluster`: ZooKeeper and 2
//! shards x 2 replicas of Debian's ClickHouse 18.16 on loopback) replicates: a row inserted on one
//! replica reaches the other, a `Distributed` table reads both shards, and a replica killed with
//! SIGKILL catches up once it runs again; while ZooKeeper is down, replicated tables refuse
//! inserts, and take them again once it is back.

mod common;

use std::time::{Duration, Instant};

use common::cluster::LocalCluster;
use common::wait_until;

#[test]
fn replicas_replicate_distributed_reads_both_shards_and_a_killed_replica_catches_up() {
    let cluster = LocalCluster::start(2, 2);
    assert_eq!(cluster.nodes(), ["s1r1", "s1r2", "s2r1", "s2r2"]);
    let urls = [(1, 1), (1, 2), (2, 1), (2, 2)].map(|(s, r)| cluster.node_url(s, r));
    assert_eq!(
        cluster.shards_setting(),
        format!("{},{};{},{}", urls[0], urls[1], urls[2], urls[3])
    );

    for node in cluster.nodes() {
        cluster.query(
            node,
            "CREATE TABLE default.t (x UInt64) ENGINE = \
             ReplicatedMergeTree('/clickhouse/tables/{shard}/default/t', '{replica}') ORDER BY x",
        );
        cluster.query(
            node,
            &format!(
                "CREATE TABLE default.all AS default.t ENGINE = Distributed({}, default, t)",
                cluster.cluster_name()
            ),
        );
    }
    cluster.query("s1r1", "INSERT INTO default.t VALUES (1)");
    cluster.query("s2r1", "INSERT INTO default.t VALUES (2)");
    for (replica, row) in [("s1r2", "1\n"), ("s2r2", "2\n")] {
        cluster.query(replica, "SYSTEM SYNC REPLICA default.t");
        assert_eq!(cluster.query(replica, "SELECT x FROM default.t"), row, "{replica}");
    }
    for node in cluster.nodes() {
        assert_eq!(cluster.query(node, "SELECT x FROM default.all ORDER BY x"), "1\n2\n", "{node}");
    }

    cluster.kill("s1r2");
    cluster.query("s1r1", "INSERT INTO default.t VALUES (3)");
    // Its replicas stay active until its ZooKeeper session expires (5 s): a server run before
    // cannot replicate yet, and 18.16 tries again only 10 s later.
    wait_until(Duration::from_secs(20), "s1r2's ZooKeeper session to expire", || {
        cluster.query("s1r1", "SELECT active_replicas FROM system.replicas WHERE table = 't'")
            == "1\n"
    });
    cluster.run("s1r2");
    wait_until(Duration::from_secs(30), "the restarted s1r2 to catch up", || {
        cluster.try_query("s1r2", "SELECT x FROM default.t ORDER BY x").is_ok_and(|x| x == "1\n3\n")
    });
    cluster.query("s1r2", "INSERT INTO default.t VALUES (4)");
    cluster.query("s1r1", "SYSTEM SYNC REPLICA default.t");
    assert_eq!(cluster.query("s1r1", "SELECT count() FROM default.all"), "4\n");
}

#[test]
fn without_zookeeper_replicated_tables_are_read_only_until_it_is_back() {
    let cluster = LocalCluster::start(1, 2);
    for node in cluster.nodes() {
        cluster.query(
            node,
            "CREATE TABLE default.t (x UInt64) ENGINE = \
             ReplicatedMergeTree('/clickhouse/tables/{shard}/default/t', '{replica}') ORDER BY x",
        );
    }
    cluster.query("s1r1", "INSERT INTO default.t VALUES (1)");

    cluster.stop_zookeeper();
    // The first insert may instead fail on the session ZooKeeper's leaving expired.
    wait_until(Duration::from_secs(10), "s1r1's table to turn read-only", || {
        cluster.query("s1r1", "SELECT is_readonly FROM system.replicas WHERE table = 't'") == "1\n"
    });
    let refused = cluster.try_query("s1r1", "INSERT INTO default.t VALUES (2)").unwrap_err();
    assert!(refused.contains("readonly mode"), "{refused}");

    cluster.start_zookeeper();
    let back = Instant::now();
    // 18.16 retries every 10 s.
    wait_until(Duration::from_secs(30), "s1r1 to take inserts again", || {
        cluster.try_query("s1r1", "INSERT INTO default.t VALUES (2)").is_ok()
    });
    eprintln!("inserts taken again {:?} after ZooKeeper was back", back.elapsed());
    cluster.query("s1r2", "SYSTEM SYNC REPLICA default.t");
    assert_eq!(cluster.query("s1r2", "SELECT x FROM default.t ORDER BY x"), "1\n2\n");
}
