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
# streamer writing a batch every 250 ms. STREAMER_ARGS adds streamer flags, READER_ARGS reader ones.
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

scripts/build-release -p novatel-reader -p gnss-streamer
settle_page_cache
start_clickhouse "$work/ch"
start_mock_kafka "$work" "gnss.frames:16"
target/release/gnss-streamer --kafka-brokers "$KAFKA_BOOTSTRAP" --clickhouse-url "$CLICKHOUSE_URL" \
  --metrics-listen off --log-format json --batch-max-age "$batch_age" ${STREAMER_ARGS:-} \
  2> "$work/streamer.log" &
streamer=$!
until grep -q 'partitions assigned' "$work/streamer.log"; do sleep 0.2; done

python3 benches/visible.py "$CLICKHOUSE_URL" > "$work/latencies" &
poller=$!
target/release/novatel-reader simulate --kafka-brokers "$KAFKA_BOOTSTRAP" --metrics-listen off \
  --log-format json --simulate-receivers "$receivers" --simulate-duration "${seconds}s" \
  --simulate-speed 1 ${READER_ARGS:-} 2> "$work/reader.log"
delivered=$(reader_delivered "$work/reader.log")
tries=0
until [ "$(ch_query 'SELECT count() FROM gnss.frames WHERE gps_week > 0')" -ge "$delivered" ]; do
  tries=$((tries + 1))
  [ "$tries" -gt 300 ] && { echo "not every log reached ClickHouse within 60 s" >&2; exit 1; }
  sleep 0.2
done
sleep 0.5
kill -TERM "$poller"; wait "$poller" || true; poller=
streamer_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$streamer/status")

sort -n "$work/latencies" | awk -v d="$delivered" -v r="$receivers" -v s="$seconds" \
  -v age="$batch_age" -v rss="$streamer_rss_kb" '
  { v[NR] = $1 }
  function at(q) { i = int(q * NR); if (i < 1) i = 1; return v[i] }
  END {
    printf "%d receivers x %d s at real rate (%d logs/s), batches every %s: %d logs delivered, %d seen\n",
      r, s, d / s, age, d, NR
    printf "latency ms: p50 %d, p90 %d, p99 %d, max %d; streamer peak RSS %.1f MB\n",
      at(0.5), at(0.9), at(0.99), v[NR], rss / 1024
  }'
