#!/usr/bin/env bash
# Replay throughput of the reader: a recording replayed as fast as possible to the mock Kafka
# cluster (a separate process), reporting logs/s, MB/s and the reader's peak memory.
#
#   benches/reader-replay.sh [SIZE_MB | RECORDING]
#
# A number generates a synthetic recording of that many MB (default 1000); a path replays that
# file.
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:-1000}
work=$(mktemp -d)
source scripts/services.sh
trap 'stop_services; rm -rf "$work"' EXIT

scripts/build-release -p novatel-reader -p gnss-benches
if [ -f "$input" ]; then
  recording=$input
else
  recording=$work/recording.gps
  target/release/synthetic-recording "$input" "$recording" 2>/dev/null
fi
start_mock_kafka "$work" "gnss.frames:4"

/usr/bin/time -f '%e %M %P' -o "$work/time" \
  target/release/novatel-reader replay --kafka-brokers "$KAFKA_BOOTSTRAP" \
  --metrics-listen off --progress none --log-format json "$recording" 2> "$work/log"

read -r seconds rss_kb cpu < "$work/time"
report=$(grep '"finished"' "$work/log")
field() { sed -E "s/.*\"$1\":([0-9]+).*/\1/" <<< "$report"; }
frames=$(field delivered)
bytes=$(field delivered_bytes)
lost=$(( $(field failed) + $(field dropped) + $(field undelivered) ))
awk -v f="$frames" -v b="$bytes" -v s="$seconds" -v r="$rss_kb" -v c="$cpu" -v l="$lost" 'BEGIN {
  printf "replayed %d logs (%.0f MB) in %.2f s: %.0f logs/s, %.1f MB/s; peak RSS %.1f MB; CPU %s; lost %d\n",
    f, b / 1e6, s, f / s, b / 1e6 / s, r / 1024, c, l }'
