#!/usr/bin/env bash
# End-to-end throughput of the streamer: simulated receivers produced through the mock Kafka
# cluster (a separate process) while the streamer writes them into a throwaway ClickHouse, all on
# this machine. Reports logs/s, rows/s, the streamer's peak memory, the inserts per batch (parts
# ClickHouse creates), the CPU of every process, and proves by counts that every produced log
# reached ClickHouse once.
#
# CPU is user + system seconds of each process: the reader's over its whole run; the mock
# broker's, the streamer's, ClickHouse's and ZooKeeper's from the reader starting to the last row
# visible (DRAIN=1: the broker's split at the reader's end into producing and draining, the others'
# from the streamer starting, its start included). Per million logs it is counted against the logs
# the reader delivered for the reader and the broker (while draining, the logs written), against
# the logs written for the others; the total is their sum. Printed on a line `CPU per million
# logs: ...` and last on a line of key=value pairs for collecting runs, `cpu_per_million reader=
# broker= streamer= clickhouse= zookeeper= total= logs_per_s= ...` (the streamer's logs/s, from
# its first batch's start to its last's) with `writer_s_per_million=`: the seconds the streamer's
# writer spent on its batches (aggregating, inserting; `streamer_flush_seconds`) per million logs,
# what bounds the drained rate when it exceeds the consume loop's.
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
# four servers', ZooKeeper's is reported beside it and counted in the total, rows are counted
# through the Distributed tables.
#
# Environment: CLUSTER, DRAIN, BENCH_DIR (where ClickHouse's data goes; /tmp by default, /dev/shm for tmpfs),
# BIN_DIR (the reader and streamer measured, e.g. a copy of an earlier build to compare with; by
# default target/release, built first; the mock broker is target/release/mock-kafka either way),
# STREAMER_ARGS (extra streamer flags), READER_LINGER_MS,
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
  clickhouse=$CLICKHOUSE_PID
  zookeeper=
fi
start_mock_kafka "$work" "gnss.frames:$partitions" "${MOCK_BROKERS:-1}"
bootstrap=$KAFKA_BOOTSTRAP
broker=$MOCK_KAFKA_PID
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
  broker_cpu_before=$(cpu_seconds "$broker")
  reader_started=$(date +%s.%N)
  /usr/bin/time -f '%e %M %U %S' -o "$work/reader.time" \
    "$bin/novatel-reader" simulate --kafka-brokers "$bootstrap" --metrics-listen off \
    --log-format json --simulate-receivers "$receivers" --simulate-duration "${seconds}s" \
    --simulate-speed "$speed" --simulate-start 2024-06-01T00:00:00Z -X "linger.ms=$linger_ms" \
    2> "$work/reader.log"
  delivered=$(reader_delivered "$work/reader.log")
  broker_cpu_produced=$(cpu_seconds "$broker")
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
clickhouse_cpu_after=$(cpu_seconds $clickhouse)
zookeeper_cpu_after=$(cpu_seconds $zookeeper)
streamer_cpu_after=$(cpu_seconds "$streamer")
broker_cpu_after=$(cpu_seconds "$broker")
streamer_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$streamer/status")
# Inserts per table from the streamer's metrics (every batch inserts into frames once), and how
# long the writer took over its batches, from taking one to its frames written.
read -r inserts batches writer_seconds <<< "$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '
  /^streamer_insert_seconds_count/ { n += $NF; if ($0 ~ /table="frames"/) b = $NF }
  /^streamer_flush_seconds_sum/ { w = $NF }
  END { print n + 0, b + 0, w + 0 }')"
kill -TERM "$streamer"; wait "$streamer" || true; streamer=

read -r reader_seconds _ reader_user reader_system < "$work/reader.time"
tables="frames rejected positions velocities observations ins receiver_status hardware clock gps_ephemerides glonass_ephemerides galileo_ephemerides beidou_ephemerides ionosphere_utc satellite_visibility"
rows=0
for table in $tables; do rows=$((rows + $(ch_query "SELECT count() FROM gnss.$table"))); done
read -r frames unique first_ms last_ms <<< "$(ch_query 'SELECT count(), uniqExact(kafka_partition, kafka_offset), min(ingest_ms), max(ingest_ms) FROM gnss.frames')"
awk -v d="$delivered" -v f="$frames" -v u="$unique" -v a="$first_ms" -v b="$last_ms" -v r="$rows" \
  -v rss="$streamer_rss_kb" -v rs="$reader_seconds" -v ru="$reader_user" -v rsys="$reader_system" \
  -v scpu0="$streamer_cpu_before" -v scpu1="$streamer_cpu_after" \
  -v chcpu0="$clickhouse_cpu_before" -v chcpu1="$clickhouse_cpu_after" \
  -v zkcpu0="$zookeeper_cpu_before" -v zkcpu1="$zookeeper_cpu_after" \
  -v bcpu0="$broker_cpu_before" -v bcpu1="$broker_cpu_produced" -v bcpu2="$broker_cpu_after" \
  -v cluster="${CLUSTER:-0}" -v ins="$inserts" -v bat="$batches" -v ws="$writer_seconds" -v t0="$reader_started" -v t1="${all_visible:-0}" -v drain="${DRAIN:-0}" 'BEGIN {
  s = (b - a) / 1000
  rcpu = ru + rsys; scpu = scpu1 - scpu0; chcpu = chcpu1 - chcpu0; zkcpu = zkcpu1 - zkcpu0
  bcpu = bcpu2 - bcpu0; bprod = bcpu1 - bcpu0; bdrain = bcpu2 - bcpu1
  # Per million logs: delivered for the reader and the broker (the broker while draining: written),
  # written for the streamer, ClickHouse and ZooKeeper.
  rpm = rcpu * 1e6 / d; spm = scpu * 1e6 / f; chpm = chcpu * 1e6 / f; zkpm = zkcpu * 1e6 / f
  if (drain) { bprodpm = bprod * 1e6 / d; bdrainpm = bdrain * 1e6 / f; bpm = bprodpm + bdrainpm }
  else bpm = bcpu * 1e6 / d
  total = rpm + bpm + spm + chpm + zkpm
  printf "produced %d logs in %.1f s (%.0f logs/s; reader CPU %.1f s, %.0f%% of a core)\n", d, rs, d / rs, rcpu, 100 * rcpu / rs
  printf "streamer wrote %d logs (%d distinct records) and %d rows in %.1f s: %.0f logs/s, %.0f rows/s\n", f, u, r, s, f / s, r / s
  if (t1 > 0 && !drain) printf "end to end: %d logs from the reader starting to the last row visible in %.1f s: %.0f logs/s\n", d, t1 - t0, d / (t1 - t0)
  printf "streamer peak RSS %.1f MB, CPU %.1f s; ClickHouse CPU %.1f s; mock broker CPU %.1f s", rss / 1024, scpu, chcpu, bcpu
  if (drain) printf " (%.1f s producing, %.1f s draining)", bprod, bdrain
  printf "\n"
  if (cluster) printf "cluster: 2 shards x 2 replicas, %.0f rows/s per shard; ZooKeeper CPU %.1f s (%.2f s per million logs)\n", r / s / 2, zkcpu, zkpm
  printf "CPU per million logs: reader %.1f s, broker %.1f s, streamer %.1f s, ClickHouse %.1f s", rpm, bpm, spm, chpm
  if (cluster) printf ", ZooKeeper %.1f s", zkpm
  printf ", total %.1f s\n", total
  if (drain) printf "CPU per million logs producing: reader %.1f s, broker %.1f s; draining: broker %.1f s, streamer %.1f s, ClickHouse %.1f s\n", rpm, bprodpm, bdrainpm, spm, chpm
  if (bat > 0) printf "%d batches of %.0f logs on average, %d inserts: %.1f per batch\n", bat, f / bat, ins, ins / bat
  printf "the writer busy %.1f s per million logs (from taking a batch to its frames written)\n", ws * 1e6 / f
  if (f == d && u == d) print "nothing lost, nothing doubled"
  else printf "MISMATCH: %d produced, %d written, %d distinct\n", d, f, u
  printf "cpu_per_million reader=%.2f broker=%.2f streamer=%.2f clickhouse=%.2f zookeeper=%.2f total=%.2f logs_per_s=%.0f", rpm, bpm, spm, chpm, zkpm, total, f / s
  if (drain) printf " broker_producing=%.2f broker_draining=%.2f", bprodpm, bdrainpm
  printf " reader_logs_per_s=%.0f writer_s_per_million=%.2f delivered=%d written=%d drain=%d cluster=%d\n", d / rs, ws * 1e6 / f, d, f, drain, cluster
}'
