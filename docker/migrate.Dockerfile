# Applies migrations/ and the account functions with the operator's binary (`auth-ops migrate`,
# which is auth_adapters::pg::migrate): the same checksums, locking and one transaction per
# migration as every other way the schema is applied. DATABASE_URL names the database. The
# binary carries the migrations; the final image holds nothing else.
FROM rust:1.91-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --package auth-ops

FROM debian:bookworm-slim
COPY --from=build /src/target/release/auth-ops /usr/local/bin/auth-ops
ENTRYPOINT ["auth-ops", "migrate"]
