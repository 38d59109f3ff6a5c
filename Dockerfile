# syntax=docker/dockerfile:1
# Rapport's container image: the `rapport` binary on a distroless runtime, as a non-root user.
#
#   docker build -t rapport:local .
#   docker run --rm -p 8080:8080 -v rapport-data:/var/lib/rapport rapport:local
#
# One image runs every role: `serve` (the default), `worker`, `relay`, `migrate`, `token`,
# `backup`. compose.yaml runs a fleet of them on PostgreSQL behind a reverse proxy.

ARG RUST_VERSION=1.95

# --- build -------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# Everything the workspace needs to build; .dockerignore keeps target/, data and secrets out.
COPY . .
# The registry and target caches live outside the image layers: a rebuild after a code change
# recompiles the workspace only. SQLite is compiled in (bundled), TLS is rustls: no system
# libraries beyond libc are needed at run time.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p rapport-api --bin rapport \
    && install -D -m 0755 target/release/rapport /out/rapport \
    && install -d -m 0700 /out/data

# --- runtime -----------------------------------------------------------------------------
# Distroless `cc`: glibc, libgcc, CA certificates, tzdata; no shell, no package manager.
# `nonroot` is uid/gid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build /out/rapport /usr/local/bin/rapport
COPY --from=build --chown=65532:65532 /out/data /var/lib/rapport
USER 65532:65532
ENV RAPPORT_DATA_DIR=/var/lib/rapport \
    RAPPORT_HTTP__HOST=0.0.0.0 \
    RAPPORT_HTTP__PORT=8080 \
    RAPPORT_LOG__FORMAT=json
VOLUME ["/var/lib/rapport"]
EXPOSE 8080
# The image has no curl: the binary asks its own /healthz (exit 0 on 200).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/rapport", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/rapport"]
CMD ["serve"]
