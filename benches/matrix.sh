#!/usr/bin/env bash
# The figures of docs/performance.md's pipeline table, one line each: for every N (logs), a
# recording of N logs of the SPAN mix (one simulated receiver: RANGE with 20-40 observations at
# 10 Hz, BESTPOS and BESTVEL at 20 Hz, INSPVAS at 100 Hz, RXSTATUS and TIME at 1 Hz) decoded and
# replayed to Kafka, then N logs of 20 simulated receivers through Kafka into ClickHouse; then
# 5 million logs with 5 and 80 receivers, the streamer on its own (everything produced before it
# starts), and with batches of 25,000 and 400,000 records. Last, every run's CPU per million logs
# of each process (the `cpu_per_million` lines of reader-replay.sh and streamer-e2e.sh).
#
#   benches/matrix.sh [N ...]        (default 1000000 5000000 20000000)
#
# Takes about 25 minutes for the defaults; the recordings go to BENCH_DIR (default /tmp; 20
# million logs is 3.6 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-1000000 5000000 20000000}
work=$(mktemp -d -p "${BENCH_DIR:-/tmp}")
trap 'rm -rf "$work"' EXIT
scripts/build-release -p novatel-reader -p gnss-streamer -p gnss-benches

# Runs a benchmark, showing its output, and keeps its cpu_per_million line under LABEL.
run() {
  local label=$1
  shift
  "$@" | tee "$work/out"
  awk -v l="$label" '$1 == "cpu_per_million" {$1 = l ":"; print}' "$work/out" >> "$work/cpu"
}

for n in $sizes; do
  echo "== N = $n"
  target/release/novatel-reader simulate --simulate-output "file:$work/recording.gps" \
    --simulate-duration "$((n / 152))s" --simulate-start 2024-06-01T00:00:00Z --metrics-listen off \
    2> /dev/null
  bytes=$(stat -c %s "$work/recording.gps")
  /usr/bin/time -f '%e %M' -o "$work/decode.time" \
    target/release/novatel-reader decode --summary-only "$work/recording.gps" > /dev/null
  read -r seconds rss_kb < "$work/decode.time"
  awk -v n="$n" -v b="$bytes" -v s="$seconds" -v r="$rss_kb" 'BEGIN {
    printf "decode: %d logs (%.0f MB) in %.2f s: %.0f logs/s, %.0f MB/s; peak RSS %.1f MB\n",
      n, b / 1e6, s, n / s, b / 1e6 / s, r / 1024 }'
  echo -n "reader: "
  run "N=$n reader" benches/reader-replay.sh "$work/recording.gps"
  rm "$work/recording.gps"
  echo "streamer, 20 receivers:"
  run "N=$n streamer" benches/streamer-e2e.sh 20 "$((n / 152 / 20))" 40
done

echo "== 5,000,000 logs, receivers"
for receivers in 5 80; do
  echo "$receivers receivers:"
  # The same 121,600 logs/s offered: 800 / receivers times real time.
  run "$receivers receivers" \
    benches/streamer-e2e.sh "$receivers" "$((5000000 / 152 / receivers))" "$((800 / receivers))"
done
echo "== the streamer alone: 456,000 logs produced first (DRAIN=1)"
DRAIN=1 run "drained" benches/streamer-e2e.sh 20 150 0
echo "== 5,000,000 logs, batch size"
for batch in 25000 400000; do
  echo "batches of $batch records:"
  STREAMER_ARGS="--batch-max-frames $batch" run "batches of $batch" benches/streamer-e2e.sh 20 1650 40
done
echo "== CPU per million logs (user + system seconds), run by run"
cat "$work/cpu"
