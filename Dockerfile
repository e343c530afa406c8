# Multi-stage build: compile with the Rust toolchain, run on a slim Debian.
FROM rust:1.95 AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin integritas

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app integritas
WORKDIR /app
COPY --from=build /src/target/release/integritas /usr/local/bin/integritas
COPY forms /app/forms
USER integritas
ENV INTEGRITAS_LISTEN=0.0.0.0:8080 \
    INTEGRITAS_FORMS_DIR=/app/forms
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q 200 <&3"]
ENTRYPOINT ["integritas"]
CMD ["serve"]
