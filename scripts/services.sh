# Throwaway local services for scripts and benchmarks, sourced (not run):
#
#   source scripts/services.sh
#   start_clickhouse DIR        # sets CLICKHOUSE_URL and CLICKHOUSE_PID; the server's data, logs
#                               # and pid go in DIR
#   start_mock_kafka DIR TOPIC:PARTITIONS [BROKERS]   # sets KAFKA_BOOTSTRAP and MOCK_KAFKA_PID
#   start_clickhouse_cluster DIR [--shards N] [--replicas M]   # ZooKeeper and N x M (2 x 2)
#                               # ClickHouse servers (scripts/local-cluster start DIR); sources
#                               # DIR/cluster.env: CLICKHOUSE_CLUSTER, CLICKHOUSE_SHARDS,
#                               # CLICKHOUSE_URL (the first server), ZOOKEEPER, NODE_<node>_HTTP...
#   cluster_query NODE SQL      # SQL on one server of that cluster (s1r1, s1r2, s2r1, s2r2...)
#   stop_services               # stops what the three started (call it from an EXIT trap)
#   reader_delivered LOG        # frames a finished reader delivered, from its JSON log (stderr)
#   settle_page_cache           # before a measurement: write back and empty the page cache
#   cpu_seconds PID...          # the user + system CPU seconds those processes have spent so far
#
# ClickHouse is the installed `clickhouse-server` on loopback ports of its own, UTC; Kafka is
# librdkafka's mock cluster (`target/release/mock-kafka`, build it first).

service_pids=()
service_clusters=()
services_scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs SQL on the server start_clickhouse started; prints the result (TabSeparated).
ch_query() {
  curl -sS --fail-with-body "$CLICKHOUSE_URL/" --data-binary "$1"
}

start_clickhouse() {
  local dir=$1
  mkdir -p "$dir/tmp" "$dir/uf" "$dir/fs"
  local http_port
  http_port=$(free_port)
  clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- --path="$dir/" \
    --tmp_path="$dir/tmp/" --user_files_path="$dir/uf/" --format_schema_path="$dir/fs/" \
    --http_port="$http_port" --tcp_port="$(free_port)" --interserver_http_port="$(free_port)" \
    --logger.log="$dir/server.log" --logger.errorlog="$dir/error.log" --timezone=UTC \
    > /dev/null 2>&1 &
  service_pids+=($!)
  CLICKHOUSE_PID=$!
  CLICKHOUSE_URL="http://127.0.0.1:$http_port"
  local tries=0
  until ch_query 'SELECT 1' > /dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 150 ]; then
      echo "ClickHouse did not start within 30 s; see $dir/error.log" >&2
      return 1
    fi
    sleep 0.2
  done
}

start_clickhouse_cluster() {
  local dir=$1
  shift
  service_clusters+=("$dir")
  "$services_scripts/local-cluster" start "$dir" "$@" || return
  source "$dir/cluster.env"
}

cluster_query() {
  local port="NODE_$1_HTTP"
  curl -sS --fail-with-body "http://127.0.0.1:${!port}/" --data-binary "$2"
}

start_mock_kafka() {
  local dir=$1 topic=$2 brokers=${3:-1}
  mkdir -p "$dir"
  rm -f "$dir/bootstrap"
  target/release/mock-kafka --brokers "$brokers" --topic "$topic" --bootstrap-file "$dir/bootstrap" \
    > /dev/null &
  service_pids+=($!)
  MOCK_KAFKA_PID=$!
  while [ ! -s "$dir/bootstrap" ]; do sleep 0.1; done
  KAFKA_BOOTSTRAP=$(cat "$dir/bootstrap")
}

reader_delivered() {
  grep '"finished"' "$1" | sed -E 's/.*"delivered":([0-9]+).*/\1/'
}

# Waits until gnss.frames holds $1 frames (status 0), or the count has not moved for 20 s
# (status 1); the last count is left in $held.
wait_for_frames() {
  local last=-1 still=0
  while :; do
    held=$(ch_query 'SELECT count() FROM gnss.frames')
    [ "$held" -ge "$1" ] && return 0
    if [ "$held" -eq "$last" ]; then still=$((still + 1)); else still=0; fi
    [ "$still" -ge 100 ] && return 1
    last=$held; sleep 0.2
  done
}

# On the development VM, ClickHouse's CPU for the same inserts rose from 1.7 to 4.1 seconds over
# five consecutive runs as the page cache filled, and fell back once it was emptied: measurements
# start from an empty cache so that they do not depend on what ran before (root only).
settle_page_cache() {
  sync
  if ! { echo 3 > /proc/sys/vm/drop_caches; } 2> /dev/null; then
    echo "note: cannot empty the page cache (needs root); figures may depend on earlier runs" >&2
  fi
}

# The user and system CPU of the processes PIDS (all their threads), in seconds; 0 for none. Read
# before and after what is measured, the difference is its CPU. Fields 14 and 15 of
# /proc/PID/stat, counted after the command name, which may hold spaces.
cpu_seconds() {
  local pid
  for pid in "$@"; do sed 's/.*) //' "/proc/$pid/stat"; done |
    awk -v t="$(getconf CLK_TCK)" '{s += $12 + $13} END {printf "%.2f\n", s / t}'
}

stop_services() {
  if [ ${#service_pids[@]} -gt 0 ]; then
    kill "${service_pids[@]}" 2> /dev/null || true
    wait "${service_pids[@]}" 2> /dev/null || true
  fi
  service_pids=()
  local dir
  for dir in ${service_clusters[@]+"${service_clusters[@]}"}; do
    "$services_scripts/local-cluster" stop "$dir" || true
  done
  service_clusters=()
}
