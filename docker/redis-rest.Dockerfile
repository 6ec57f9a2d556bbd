# The Upstash-compatible Redis REST gateway (crates/redis-rest).
FROM rust:1.91-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --profile native-release --package redis-rest

FROM debian:bookworm-slim
COPY --from=build /src/target/native-release/redis-rest /usr/local/bin/redis-rest
ENV REDIS_REST_LISTEN=0.0.0.0:8079
EXPOSE 8079
USER nobody
ENTRYPOINT ["/usr/local/bin/redis-rest"]
