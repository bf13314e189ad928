# syntax=docker/dockerfile:1
# The gnss-streamer image. Build context: the repository root (compose.yml builds it with
# `context: ..`); by hand: docker build -f compose/streamer.Dockerfile -t gnss-pipe/gnss-streamer .

FROM rust:1.95-bookworm AS builder
# The Debian packages the build needs, as scripts/system-packages lists them (a test checks):
# cmake for rdkafka's bundled librdkafka (cmake-build), OpenSSL and zlib headers for its ssl and
# libz features, curl's headers, which librdkafka 2.12 includes even built without curl.
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake pkg-config libssl-dev zlib1g-dev \
        libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The target directory is a cache mount (kept between builds, not in the image): copy the binary
# out of it in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked -p gnss-streamer --bin gnss-streamer --bin gnss-report \
    --bin gnss-export \
    && cp target/release/gnss-streamer target/release/gnss-report target/release/gnss-export \
    /usr/local/bin/

FROM debian:bookworm-slim
# libssl3 for librdkafka's TLS, ca-certificates for SASL_SSL brokers, curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin streamer
# gnss-report and gnss-export too: `docker compose exec streamer gnss-report --clickhouse-url ...`.
COPY --from=builder /usr/local/bin/gnss-streamer /usr/local/bin/gnss-report \
    /usr/local/bin/gnss-export /usr/local/bin/
# The SQL of the source it was built from; compose.yml mounts the checkout's sql/ over it.
COPY sql /app/sql
WORKDIR /app
USER streamer
ENV SQL_DIR=/app/sql METRICS_LISTEN=0.0.0.0:9188 LOG_FORMAT=json
EXPOSE 9188
# /ready answers 200 while partitions are assigned and ClickHouse answers (docs/operations.md).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:9188/ready || exit 1
ENTRYPOINT ["gnss-streamer"]
