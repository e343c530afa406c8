# Multi-stage build: compile with the Rust toolchain, run on a slim Debian.
FROM rust:1.95 AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin integritas

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app integritas \
    && mkdir -p /var/lib/integritas && chown integritas /var/lib/integritas
WORKDIR /app
COPY --from=build /src/target/release/integritas /usr/local/bin/integritas
COPY forms /app/forms
USER integritas
# The master secret's key file (created at first start, mode 0600) lives in a folder the service
# may write; mount a volume there so a restart keeps sessions and rendered forms valid.
ENV INTEGRITAS_LISTEN=0.0.0.0:8080 \
    INTEGRITAS_FORMS_DIR=/app/forms \
    INTEGRITAS_KEY_FILE=/var/lib/integritas/integritas.key
VOLUME /var/lib/integritas
EXPOSE 8080
# Exec form, no shell: the binary itself GETs /healthz on INTEGRITAS_LISTEN (0.0.0.0 → 127.0.0.1);
# exit 0 on 200, 1 otherwise. tests/api/healthcheck.rs runs this exact command line.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/usr/local/bin/integritas", "healthcheck", "--timeout", "2"]
ENTRYPOINT ["integritas"]
CMD ["serve"]
