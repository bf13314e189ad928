#!/bin/bash
# Wraps the image's /entrypoint.sh: takes the password from the file CLICKHOUSE_PASSWORD_FILE
# names (a Docker secret) so that it appears in neither compose.yml nor `docker inspect`. The
# image's entrypoint then replaces the `default` user by CLICKHOUSE_USER with that password, and
# creates CLICKHOUSE_DB on the first start. The password goes into an XML file: use letters and
# digits only (`openssl rand -hex 24`).
set -euo pipefail

if [[ -n "${CLICKHOUSE_PASSWORD_FILE:-}" ]]; then
    if [[ ! -r "$CLICKHOUSE_PASSWORD_FILE" ]]; then
        echo "gnss: cannot read the ClickHouse password file $CLICKHOUSE_PASSWORD_FILE" >&2
        exit 1
    fi
    CLICKHOUSE_PASSWORD="$(cat "$CLICKHOUSE_PASSWORD_FILE")"
    export CLICKHOUSE_PASSWORD
    # Newer entrypoints read CLICKHOUSE_PASSWORD_FILE themselves and refuse both being set.
    unset CLICKHOUSE_PASSWORD_FILE
fi

exec /entrypoint.sh "$@"
