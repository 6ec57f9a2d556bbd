# Applies migrations/ with the project's own migrator (`cargo xtask migrate`, which is
# auth_adapters::pg::migrate): the same checksums, locking and one transaction per migration
# as every other way the schema is applied. DATABASE_URL names the database.
FROM rust:1.91-bookworm
WORKDIR /src
COPY . .
RUN cargo build --package xtask
ENTRYPOINT ["/src/target/debug/xtask", "migrate"]
