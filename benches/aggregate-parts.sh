#!/usr/bin/env bash
# What a small insert costs ClickHouse, merges included, into an aggregate table against a plain
# one: INSERTS inserts of 200 rows of positions (20 receivers x 10 one-second windows, each insert
# 7 s on from the last, as batches of 20 times real time come) into `position_agg_input` (the
# `Null` table, its materialized view and the `AggregatingMergeTree` behind it), then the same rows
# into a `MergeTree` of the same columns. Prints ClickHouse's CPU per insert, what the merges
# that followed cost, and the rows ClickHouse merged for each table: the cost of the parts of
# docs/performance.md (issue 20, fifth step) in two minutes instead of a 20-million-log run.
#
#   benches/aggregate-parts.sh [INSERTS]
#
# Default 1500 inserts. Uses the installed ClickHouse (scripts/services.sh) and the streamer's
# migrations (BIN_DIR's gnss-streamer --migrate-only; target/release by default).
set -euo pipefail
cd "$(dirname "$0")/.."
inserts=${1:-1500}
bin=${BIN_DIR:-target/release}
work=$(mktemp -d -p "${BENCH_DIR:-/tmp}")
source scripts/services.sh
cleanup() {
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT

start_clickhouse "$work/ch"
"$bin/gnss-streamer" --clickhouse-url "$CLICKHOUSE_URL" --migrate-only --metrics-listen off \
  2> "$work/streamer.log"
ch_query "CREATE TABLE gnss.position_plain AS gnss.position_agg_input ENGINE = MergeTree
          PARTITION BY toYYYYMMDD(window_start) ORDER BY (resolution_s, receiver, window_start, kafka_partition)"
python3 - "$work" "$inserts" <<'EOF'
import datetime, sys
work, inserts = sys.argv[1], int(sys.argv[2])
start = datetime.datetime(2024, 6, 1)
for i in range(inserts):
    rows = []
    for receiver in range(20):
        for second in range(i * 7, i * 7 + 10):
            window = (start + datetime.timedelta(seconds=second)).strftime("%Y-%m-%d %H:%M:%S")
            values = [f"rcv{receiver}", window, str(receiver), str(i * 1000), "20"]
            values += ["1.5"] * 15 + ["20", "18", "22", "20", "18", "22", "1"]
            rows.append("\t".join(values))
    with open(f"{work}/{i}.tsv", "w") as f:
        f.write("\n".join(rows) + "\n")
EOF

merged_rows() { ch_query "SELECT value FROM system.events WHERE event = 'MergedRows'"; }
for table in position_agg_input position_plain; do
  merged_before=$(merged_rows)
  cpu_before=$(cpu_seconds "$CLICKHOUSE_PID")
  for i in $(seq 0 $((inserts - 1))); do
    curl -sS --fail-with-body --data-binary @"$work/$i.tsv" \
      "$CLICKHOUSE_URL/?query=INSERT%20INTO%20gnss.$table%20FORMAT%20TabSeparated"
  done
  cpu_inserted=$(cpu_seconds "$CLICKHOUSE_PID")
  sleep 15 # the merges still running
  cpu_after=$(cpu_seconds "$CLICKHOUSE_PID")
  merged=$(($(merged_rows) - ${merged_before:-0}))
  awk -v t="$table" -v n="$inserts" -v c0="$cpu_before" -v c1="$cpu_inserted" -v c2="$cpu_after" \
    -v m="$merged" 'BEGIN {
    printf "%s: %.1f ms of ClickHouse CPU per insert (%.1f s while inserting, %.1f s after), %d rows merged for %d inserted (%.0f times)\n",
      t, (c2 - c0) * 1000 / n, c1 - c0, c2 - c1, m, n * 200, m / (n * 200) }'
done
