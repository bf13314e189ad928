#!/usr/bin/env bash
# Latency at real receiver rates: simulated receivers sending in real time (the reader's own
# simulator and producer) through the mock Kafka cluster to the streamer and a throwaway
# ClickHouse, all on this machine. For every log, the time from its GPS time (when the simulated
# receiver sends it) to the moment a poll of ClickHouse first sees its `frames` row (polled every
# 50 ms, so figures are up to 50 ms pessimistic). Prints p50, p90, p99 and the maximum.
#
#   benches/latency.sh [RECEIVERS] [SECONDS] [BATCH_MAX_AGE]
#
# Defaults: 20 receivers of the SPAN mix (152 logs/s each, 3,040 logs/s in all) for 120 s, the
# streamer writing a batch every 250 ms. STREAMER_ARGS adds streamer flags, READER_ARGS reader ones;
# BIN_DIR the binaries measured (e.g. an earlier build's; by default target/release, built first).
set -euo pipefail
cd "$(dirname "$0")/.."
receivers=${1:-20}
seconds=${2:-120}
batch_age=${3:-250ms}
work=$(mktemp -d -p "${BENCH_DIR:-/tmp}")
source scripts/services.sh
cleanup() {
  kill "${streamer:-}" "${poller:-}" 2>/dev/null || true
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT

bin=${BIN_DIR:-target/release}
[ -n "${BIN_DIR:-}" ] || scripts/build-release -p novatel-reader -p gnss-streamer
settle_page_cache
start_clickhouse "$work/ch"
start_mock_kafka "$work" "gnss.frames:16"
"$bin/gnss-streamer" --kafka-brokers "$KAFKA_BOOTSTRAP" --clickhouse-url "$CLICKHOUSE_URL" \
  --metrics-listen off --log-format json --batch-max-age "$batch_age" ${STREAMER_ARGS:-} \
  2> "$work/streamer.log" &
streamer=$!
until grep -q 'partitions assigned' "$work/streamer.log"; do sleep 0.2; done

streamer_cpu_before=$(cpu_seconds "$streamer")
clickhouse_cpu_before=$(cpu_seconds "$CLICKHOUSE_PID")
python3 benches/visible.py "$CLICKHOUSE_URL" > "$work/latencies" &
poller=$!
"$bin/novatel-reader" simulate --kafka-brokers "$KAFKA_BOOTSTRAP" --metrics-listen off \
  --log-format json --simulate-receivers "$receivers" --simulate-duration "${seconds}s" \
  --simulate-speed 1 ${READER_ARGS:-} 2> "$work/reader.log"
delivered=$(reader_delivered "$work/reader.log")
tries=0
until [ "$(ch_query 'SELECT count() FROM gnss.frames WHERE gps_week > 0')" -ge "$delivered" ]; do
  tries=$((tries + 1))
  [ "$tries" -gt 300 ] && { echo "not every log reached ClickHouse within 60 s" >&2; exit 1; }
  sleep 0.2
done
streamer_cpu=$(awk -v a="$streamer_cpu_before" -v b="$(cpu_seconds "$streamer")" 'BEGIN {print b - a}')
sleep 0.5
kill -TERM "$poller"; wait "$poller" || true; poller=
streamer_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$streamer/status")
# ClickHouse's includes the poller's queries (20 a second).
clickhouse_cpu=$(awk -v a="$clickhouse_cpu_before" -v b="$(cpu_seconds "$CLICKHOUSE_PID")" 'BEGIN {print b - a}')

sort -n "$work/latencies" | awk -v d="$delivered" -v r="$receivers" -v s="$seconds" \
  -v age="$batch_age" -v rss="$streamer_rss_kb" -v scpu="$streamer_cpu" -v chcpu="$clickhouse_cpu" '
  { v[NR] = $1 }
  function at(q) { i = int(q * NR); if (i < 1) i = 1; return v[i] }
  END {
    printf "%d receivers x %d s at real rate (%d logs/s), batches every %s: %d logs delivered, %d seen\n",
      r, s, d / s, age, d, NR
    printf "latency ms: p50 %d, p90 %d, p99 %d, max %d; streamer peak RSS %.1f MB\n",
      at(0.5), at(0.9), at(0.99), v[NR], rss / 1024
    printf "CPU per million logs: streamer %.1f s, ClickHouse %.1f s (with the poller'"'"'s queries)\n",
      scpu * 1e6 / d, chcpu * 1e6 / d
    printf "cpu_per_million streamer=%.2f clickhouse=%.2f p99_ms=%d delivered=%d\n",
      scpu * 1e6 / d, chcpu * 1e6 / d, at(0.99), d
  }'
