#!/usr/bin/env bash
# End-to-end throughput of the streamer: simulated receivers produced through the mock Kafka
# cluster (a separate process) while the streamer writes them into a throwaway ClickHouse, all on
# this machine. Reports logs/s, rows/s, the streamer's peak memory and CPU, ClickHouse's CPU, the
# inserts per batch (parts ClickHouse creates), and proves by counts that every produced log
# reached ClickHouse once.
#
#   benches/streamer-e2e.sh [RECEIVERS] [SIMULATED_SECONDS] [SPEED] [PARTITIONS]
#
# Defaults: 20 receivers of the simulator's SPAN mix (152 logs/s each: BESTPOS, BESTVEL 20 Hz,
# RANGE 10 Hz, INSPVAS 100 Hz, RXSTATUS, TIME 1 Hz) for 1650 s of GPS time, replayed 40 times
# faster than real time: 5,016,000 logs at about 121,000 logs/s into 64 partitions.
#
# The mock broker keeps about 5 MiB per partition (some 1.3 million logs over 64 partitions), so
# the producer is paced rather than run ahead: a streamer that falls further behind than that
# loses records to the broker, and the counts below say so. The mock also serves one producer
# batch per partition per fetch (a real broker fills the fetch), so the reader lingers 100 ms to
# make batches large enough not to limit the consumer.
#
# DRAIN=1 produces everything first and starts the streamer after: its rate without the reader
# competing for the CPU (keep the logs under about 500,000, which the mock broker holds, e.g.
# `DRAIN=1 benches/streamer-e2e.sh 20 150 0`).
#
# CLUSTER=1 writes to the local cluster of scripts/local-cluster instead (ZooKeeper and 2 shards x
# 2 replicas of ClickHouse on this machine, the streamer in cluster mode): ClickHouse's CPU is the
# four servers', ZooKeeper's is reported beside it, rows are counted through the Distributed tables.
#
# Environment: CLUSTER, DRAIN, BENCH_DIR (where ClickHouse's data goes; /tmp by default, /dev/shm for tmpfs),
# BIN_DIR (the binaries measured, e.g. a copy of an earlier build to compare with; by default
# target/release, built first), STREAMER_ARGS (extra streamer flags), READER_LINGER_MS,
# MOCK_BROKERS, RUST_LOG (the streamer's).
set -euo pipefail
cd "$(dirname "$0")/.."
receivers=${1:-20}
seconds=${2:-1650}
speed=${3:-40}
partitions=${4:-64}
linger_ms=${READER_LINGER_MS:-100}
work=$(mktemp -d -p "${BENCH_DIR:-/tmp}")
source scripts/services.sh
cleanup() {
  kill "${streamer:-}" 2>/dev/null || true
  stop_services
  cp "$work/streamer.log" /tmp/streamer-bench.log 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bin=${BIN_DIR:-target/release}
[ -n "${BIN_DIR:-}" ] || scripts/build-release -p novatel-reader -p gnss-streamer
settle_page_cache
cluster_args=()
if [ "${CLUSTER:-0}" = 1 ]; then
  start_clickhouse_cluster "$work/cluster"
  cluster_args=(--clickhouse-cluster "$CLICKHOUSE_CLUSTER" --clickhouse-shards "$CLICKHOUSE_SHARDS")
  clickhouse=$(for node in $CLUSTER_NODES; do cut -d' ' -f1 "$work/cluster/$node.pid"; done)
  zookeeper=$(cut -d' ' -f1 "$work/cluster/zookeeper.pid")
else
  start_clickhouse "$work/ch"
  clickhouse=${service_pids[0]}
  zookeeper=
fi
start_mock_kafka "$work" "gnss.frames:$partitions" "${MOCK_BROKERS:-1}"
bootstrap=$KAFKA_BOOTSTRAP

# The user and system CPU of the processes PIDS, in seconds.
cpu_seconds() {
  local pid
  for pid in "$@"; do cat "/proc/$pid/stat"; done | awk -v t="$(getconf CLK_TCK)" '{s += $14 + $15} END {print s / t}'
}
metrics_port=$(free_port)
streamer_args=(--kafka-brokers "$bootstrap" --clickhouse-url "$CLICKHOUSE_URL" --log-format json
  ${cluster_args[@]+"${cluster_args[@]}"} ${STREAMER_ARGS:-})
# The DDL first, so that the CPU measured is the streaming's (on a cluster, creating the
# replicated tables takes ZooKeeper and the servers several CPU-seconds).
"$bin/gnss-streamer" "${streamer_args[@]}" --metrics-listen off --migrate-only 2> "$work/migrate.log"
start_streamer() {
  RUST_LOG=${RUST_LOG:-info} "$bin/gnss-streamer" "${streamer_args[@]}" \
    --metrics-listen "127.0.0.1:$metrics_port" 2> "$work/streamer.log" &
  streamer=$!
  until grep -q 'partitions assigned' "$work/streamer.log"; do sleep 0.2; done
}
produce() {
  reader_started=$(date +%s.%N)
  /usr/bin/time -f '%e %M %P' -o "$work/reader.time" \
    "$bin/novatel-reader" simulate --kafka-brokers "$bootstrap" --metrics-listen off \
    --log-format json --simulate-receivers "$receivers" --simulate-duration "${seconds}s" \
    --simulate-speed "$speed" --simulate-start 2024-06-01T00:00:00Z -X "linger.ms=$linger_ms" \
    2> "$work/reader.log"
  delivered=$(reader_delivered "$work/reader.log")
}
if [ "${DRAIN:-0}" = 1 ]; then
  produce
  clickhouse_cpu_before=$(cpu_seconds $clickhouse)
  zookeeper_cpu_before=$(cpu_seconds $zookeeper)
  start_streamer
  streamer_cpu_before=0
else
  start_streamer
  clickhouse_cpu_before=$(cpu_seconds $clickhouse)
  zookeeper_cpu_before=$(cpu_seconds $zookeeper)
  streamer_cpu_before=$(cpu_seconds "$streamer")
  produce
fi

# Wait for the streamer to write everything, or to stop making progress for 20 s.
if wait_for_frames "$delivered"; then all_visible=$(date +%s.%N); fi
# On a cluster, the CPU counted includes the replicas' copies: every replica has every part.
if [ "${CLUSTER:-0}" = 1 ]; then
  for node in $CLUSTER_NODES; do
    for table in $(cluster_query "$node" "SELECT name FROM system.tables WHERE database = 'gnss_local' AND engine LIKE 'Replicated%'"); do
      cluster_query "$node" "SYSTEM SYNC REPLICA gnss_local.$table" > /dev/null
    done
  done
fi
clickhouse_cpu=$(awk -v a="$clickhouse_cpu_before" -v b="$(cpu_seconds $clickhouse)" 'BEGIN {print b - a}')
zookeeper_cpu=$(awk -v a="$zookeeper_cpu_before" -v b="$(cpu_seconds $zookeeper)" 'BEGIN {print b - a}')
streamer_cpu=$(awk -v a="$streamer_cpu_before" -v b="$(cpu_seconds "$streamer")" 'BEGIN {print b - a}')
streamer_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$streamer/status")
# Inserts per table from the streamer's metrics; every batch inserts into frames once.
read -r inserts batches <<< "$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '
  /^streamer_insert_seconds_count/ { n += $NF; if ($0 ~ /table="frames"/) b = $NF }
  END { print n + 0, b + 0 }')"
kill -TERM "$streamer"; wait "$streamer" || true; streamer=

read -r reader_seconds _ reader_cpu < "$work/reader.time"
tables="frames rejected positions velocities observations ins receiver_status hardware clock gps_ephemerides glonass_ephemerides galileo_ephemerides beidou_ephemerides ionosphere_utc satellite_visibility"
rows=0
for table in $tables; do rows=$((rows + $(ch_query "SELECT count() FROM gnss.$table"))); done
read -r frames unique first_ms last_ms <<< "$(ch_query 'SELECT count(), uniqExact(kafka_partition, kafka_offset), min(ingest_ms), max(ingest_ms) FROM gnss.frames')"
awk -v d="$delivered" -v f="$frames" -v u="$unique" -v a="$first_ms" -v b="$last_ms" -v r="$rows" \
  -v rss="$streamer_rss_kb" -v scpu="$streamer_cpu" -v rs="$reader_seconds" -v rcpu="$reader_cpu" \
  -v chcpu="$clickhouse_cpu" -v zkcpu="$zookeeper_cpu" -v cluster="${CLUSTER:-0}" -v ins="$inserts" -v bat="$batches" -v t0="$reader_started" -v t1="${all_visible:-0}" -v drain="${DRAIN:-0}" 'BEGIN {
  s = (b - a) / 1000
  printf "produced %d logs in %.1f s (%.0f logs/s; reader CPU %s)\n", d, rs, d / rs, rcpu
  printf "streamer wrote %d logs (%d distinct records) and %d rows in %.1f s: %.0f logs/s, %.0f rows/s\n", f, u, r, s, f / s, r / s
  if (t1 > 0 && !drain) printf "end to end: %d logs from the reader starting to the last row visible in %.1f s: %.0f logs/s\n", d, t1 - t0, d / (t1 - t0)
  printf "streamer peak RSS %.1f MB, CPU %.1f s; ClickHouse CPU %.1f s\n", rss / 1024, scpu, chcpu
  printf "CPU per million logs: streamer %.1f s, ClickHouse %.1f s\n", scpu * 1e6 / f, chcpu * 1e6 / f
  if (cluster) printf "cluster: 2 shards x 2 replicas, %.0f rows/s per shard; ZooKeeper CPU %.1f s (%.2f s per million logs)\n", r / s / 2, zkcpu, zkcpu * 1e6 / f
  if (bat > 0) printf "%d batches, %d inserts: %.1f per batch\n", bat, ins, ins / bat
  if (f == d && u == d) print "nothing lost, nothing doubled"
  else printf "MISMATCH: %d produced, %d written, %d distinct\n", d, f, u
}'
