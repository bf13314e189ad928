#!/usr/bin/env bash
# Replay throughput of the reader: a recording replayed as fast as possible to the mock Kafka
# cluster (a separate process), reporting logs/s, MB/s, the reader's peak memory, and the CPU
# (user + system seconds) of the reader over its run and of the mock broker over the same time,
# also per million logs delivered: on a line `CPU per million logs: ...` and last on a line of
# key=value pairs for collecting runs, `cpu_per_million reader= broker= total= logs_per_s= ...`.
#
#   benches/reader-replay.sh [SIZE_MB | RECORDING]
#
# A number generates a synthetic recording of that many MB (default 1000); a path replays that
# file. BIN_DIR: the reader measured (by default target/release, built first). With BIN_DIR nothing
# is built: the mock broker, target/release/mock-kafka, must be there, and for a size
# target/release/synthetic-recording.
set -euo pipefail
cd "$(dirname "$0")/.."
input=${1:-1000}
work=$(mktemp -d)
source scripts/services.sh
trap 'stop_services; rm -rf "$work"' EXIT

bin=${BIN_DIR:-target/release}
[ -n "${BIN_DIR:-}" ] || scripts/build-release -p novatel-reader -p gnss-benches
if [ -f "$input" ]; then
  recording=$input
else
  recording=$work/recording.gps
  target/release/synthetic-recording "$input" "$recording" 2>/dev/null
fi
start_mock_kafka "$work" "gnss.frames:4"

broker_cpu_before=$(cpu_seconds "$MOCK_KAFKA_PID")
/usr/bin/time -f '%e %M %U %S' -o "$work/time" \
  "$bin/novatel-reader" replay --kafka-brokers "$KAFKA_BOOTSTRAP" \
  --metrics-listen off --progress none --log-format json "$recording" 2> "$work/log"
broker_cpu_after=$(cpu_seconds "$MOCK_KAFKA_PID")

read -r seconds rss_kb user system < "$work/time"
report=$(grep '"finished"' "$work/log")
field() { sed -E "s/.*\"$1\":([0-9]+).*/\1/" <<< "$report"; }
frames=$(field delivered)
bytes=$(field delivered_bytes)
lost=$(( $(field failed) + $(field dropped) + $(field undelivered) ))
awk -v f="$frames" -v b="$bytes" -v s="$seconds" -v r="$rss_kb" -v u="$user" -v sys="$system" \
  -v b0="$broker_cpu_before" -v b1="$broker_cpu_after" -v l="$lost" 'BEGIN {
  c = u + sys; bc = b1 - b0; rpm = c * 1e6 / f; bpm = bc * 1e6 / f
  printf "replayed %d logs (%.0f MB) in %.2f s: %.0f logs/s, %.1f MB/s; peak RSS %.1f MB; CPU %.1f s (%.0f%% of a core); mock broker CPU %.1f s; lost %d\n",
    f, b / 1e6, s, f / s, b / 1e6 / s, r / 1024, c, 100 * c / s, bc, l
  printf "CPU per million logs: reader %.1f s, broker %.1f s, total %.1f s\n", rpm, bpm, rpm + bpm
  printf "cpu_per_million reader=%.2f broker=%.2f total=%.2f logs_per_s=%.0f delivered=%d lost=%d\n",
    rpm, bpm, rpm + bpm, f / s, f, l }'
