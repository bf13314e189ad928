#!/usr/bin/env bash
# Storage and query cost on current ClickHouse (26.9 in-process, chdb-core from PyPI, served by
# streamer/tests/current_clickhouse.py): simulated receivers produced through the mock Kafka
# cluster and written by the streamer, every table then merged, and reported:
#
# - bytes on disk per row of each table (system.parts);
# - dashboard queries (QUERIES) over the whole of the data and every receiver, at the panels'
#   interval (INTERVAL_S), and over its last hour: median time of 5 runs, rows and bytes read, and
#   what `EXPLAIN indexes = 1` says of the keys ClickHouse used for the last hour.
#
#   benches/storage.sh [RECEIVERS] [SIMULATED_SECONDS] [SPEED] [RATES]
#
# Defaults: 20 receivers of the simulator's SPAN mix for 240 s of GPS time at 10 times real time
# (729,600 logs). For a day (10,368,000 logs, 10 minutes; faster, the streamer falls behind and the
# mock broker drops records): benches/storage.sh 20 86400 150 bestpos=1,bestvel=1,range=1,inspvas=1
#
# Environment: BIN_DIR (binaries; target/release, built first), SQL_DIR (the sql/ directory of
# the schema measured; sql), QUERIES (dashboard or report query names; cn0_constellation
# positions_map), INTERVAL_S (60), BENCH_DIR (where the data goes; /tmp), REPORT_BIN (the
# gnss-report that prints the queries, to measure binaries older than its --print-query;
# $BIN_DIR/gnss-report), COLUMNS_OF (tables whose bytes per column to show).
set -euo pipefail
cd "$(dirname "$0")/.."
receivers=${1:-20}
seconds=${2:-240}
speed=${3:-10}
rates=${4:-}
bin=${BIN_DIR:-target/release}
sql_dir=${SQL_DIR:-sql}
report=${REPORT_BIN:-$bin/gnss-report}
queries=${QUERIES:-cn0_constellation positions_map}
interval_s=${INTERVAL_S:-60}
work=$(mktemp -d -p "${BENCH_DIR:-/tmp}")
source scripts/services.sh
cleanup() {
  kill "${streamer:-}" "${chdb:-}" 2> /dev/null || true
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT

[ -n "${BIN_DIR:-}" ] || scripts/build-release -p novatel-reader -p gnss-streamer
python=$(scripts/current-clickhouse)
mkdir -p "$work/ch"
"$python" streamer/tests/current_clickhouse.py "$work/ch" "$work/ch/port" 2> "$work/chdb.log" &
chdb=$!
while [ ! -s "$work/ch/port" ]; do sleep 0.2; done
CLICKHOUSE_URL="http://127.0.0.1:$(cat "$work/ch/port")"
start_mock_kafka "$work" gnss.frames:64

"$bin/gnss-streamer" --kafka-brokers "$KAFKA_BOOTSTRAP" --clickhouse-url "$CLICKHOUSE_URL" \
  --sql-dir "$sql_dir" --metrics-listen off --log-format json --batch-max-frames 200000 \
  --batch-max-age 1s 2> "$work/streamer.log" &
streamer=$!
until grep -q 'partitions assigned' "$work/streamer.log"; do sleep 0.2; done
"$bin/novatel-reader" simulate --kafka-brokers "$KAFKA_BOOTSTRAP" --metrics-listen off \
  --log-format json --simulate-receivers "$receivers" --simulate-duration "${seconds}s" \
  --simulate-speed "$speed" --simulate-start 2024-06-01T00:00:00Z -X linger.ms=100 \
  ${rates:+--simulate-rate "$rates"} 2> "$work/reader.log"
delivered=$(reader_delivered "$work/reader.log")
wait_for_frames "$delivered" || true
kill -TERM "$streamer"; wait "$streamer" || true; streamer=
echo "$delivered logs produced, $held written"

for table in $(ch_query "SELECT name FROM system.tables WHERE database = 'gnss' AND engine LIKE '%MergeTree'"); do
  ch_query "OPTIMIZE TABLE gnss.$table FINAL"
done
echo "bytes on disk per row (every table merged):"
ch_query "SELECT table, sum(rows) AS table_rows, sum(bytes_on_disk) AS table_bytes,
            round(sum(bytes_on_disk) / sum(rows), 2) AS bytes_per_row
          FROM system.parts WHERE database = 'gnss' AND active
          GROUP BY table HAVING table_rows > 0 ORDER BY table_bytes DESC
          FORMAT PrettyCompactMonoBlock"

for table in ${COLUMNS_OF:-}; do
  echo "bytes on disk per column of $table:"
  ch_query "SELECT name, type, compression_codec, data_compressed_bytes AS compressed,
              data_uncompressed_bytes AS uncompressed
            FROM system.columns WHERE database = 'gnss' AND table = '$table'
            ORDER BY compressed DESC FORMAT PrettyCompactMonoBlock"
done

for name in $queries; do
  sql=$("$report" --clickhouse-url "$CLICKHOUSE_URL" --sql-dir "$sql_dir" \
    --print-query "$name" --interval-s "$interval_s")
  python3 - "$CLICKHOUSE_URL" "$name" "$sql" << 'EOF'
import json, re, statistics, sys, urllib.request
url, name, sql = sys.argv[1:]
def post(text, format):
    request = urllib.request.Request(f"{url}/?database=gnss&default_format={format}", text.encode())
    return urllib.request.urlopen(request).read().decode()
def measure(what, text):
    runs = [json.loads(post(text, "JSON"))["statistics"] for _ in range(5)]
    elapsed = statistics.median(r["elapsed"] for r in runs) * 1000
    rows, megabytes = runs[0]["rows_read"], runs[0]["bytes_read"] / 1e6
    print(f"{name} over {what}: median {elapsed:.1f} ms of 5, {rows:,} rows and {megabytes:.1f} MB read")
# $__timeFilter expanded: toDateTime(<from>) ... toDateTime(<to>). The last hour: from = to - 3600.
times = sorted({int(t) for t in re.findall(r"toDateTime\((\d+)\)", sql)})
measure("the whole of the data", sql)
if len(times) == 2:
    hour = sql.replace(f"toDateTime({times[0]})", f"toDateTime({times[1] - 3600})")
    measure("its last hour", hour)
    plan = post(f"EXPLAIN indexes = 1 {hour}", "TSVRaw")
    keys = [l.strip() for l in plan.splitlines()
            if re.match(r"\s*(PrimaryKey|MinMax|Partition|Keys:|Condition:|Parts:|Granules:)", l)]
    print("  EXPLAIN indexes = 1, last hour: " + " | ".join(keys))
EOF
done
