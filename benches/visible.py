#!/usr/bin/env python3
"""Polls ClickHouse for frames rows as they become visible and prints, for each new row, the time
from its log's GPS time (when a simulated receiver at real rate sends it) to the poll that first
saw it, in milliseconds. Stops on SIGTERM.

    visible.py CLICKHOUSE_URL [--database gnss] [--interval 0.05] > latencies
"""
import argparse
import signal
import sys
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("url")
parser.add_argument("--database", default="gnss")
parser.add_argument("--interval", type=float, default=0.05)
args = parser.parse_args()

stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)


def query(sql):
    with urllib.request.urlopen(args.url + "/", sql.encode(), timeout=10) as response:
        return response.read().decode()


# Rows are taken in by one consumer in order and written batch after batch, so every row not yet
# seen has an ingest time at or after the latest seen; rows of that millisecond already counted
# are told apart by their Kafka position.
since, at_since = 0, set()
while not stop:
    started = time.time()
    try:
        rows = query(
            f"SELECT kafka_partition, kafka_offset, time_ms, ingest_ms FROM {args.database}.frames "
            f"WHERE ingest_ms >= {since} AND gps_week > 0 FORMAT TabSeparated"
        )
    except OSError as error:  # the table does not exist yet, or a poll timed out
        print(f"poll failed: {error}", file=sys.stderr)
        rows = ""
    now_ms = time.time() * 1000
    fresh = []
    for line in rows.splitlines():
        partition, offset, time_ms, ingest_ms = line.split("\t")
        ingest_ms = int(ingest_ms)
        if ingest_ms == since and (partition, offset) in at_since:
            continue
        fresh.append((ingest_ms, partition, offset))
        print(f"{now_ms - int(time_ms):.0f}")
    if fresh:
        latest = max(i for i, _, _ in fresh)
        if latest > since:
            since, at_since = latest, set()
        at_since.update((p, o) for i, p, o in fresh if i == since)
    time.sleep(max(0.0, args.interval - (time.time() - started)))
sys.stdout.flush()
