# syntax=docker/dockerfile:1
# The novatel-reader image. Build context: the repository root (compose.yml builds it with
# `context: ..`); by hand: docker build -f compose/reader.Dockerfile -t gnss-pipe/novatel-reader .

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
    cargo build --release --locked -p novatel-reader --bin novatel-reader \
    && cp target/release/novatel-reader /usr/local/bin/novatel-reader

FROM debian:bookworm-slim
# libssl3 for librdkafka's TLS, ca-certificates for SASL_SSL brokers, curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libssl3 \
    && rm -rf /var/lib/apt/lists/*
# A non-root user in the image's `dialout` group (gid 20, the serial devices' group on Debian and
# Ubuntu hosts). Where the host's device has another group, compose adds it (`group_add`).
RUN useradd --system --uid 10001 --user-group --groups dialout --no-create-home \
    --shell /usr/sbin/nologin reader
COPY --from=builder /usr/local/bin/novatel-reader /usr/local/bin/novatel-reader
USER reader
ENV METRICS_LISTEN=0.0.0.0:9187 LOG_FORMAT=json
EXPOSE 9187
# /ready answers 200 while a source is open and Kafka answers (docs/operations.md).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:9187/ready || exit 1
ENTRYPOINT ["novatel-reader"]
CMD ["--help"]
