# The worker under `wrangler dev`, built the same way `cargo xtask dev` builds it.
FROM rust:1.91-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# System packages (PostgreSQL, Redis, PgBouncer) come from their own containers here.
ENV PHONE_AUTH_SKIP_SYSTEM_PACKAGES=1
RUN cargo xtask setup && cargo xtask build-worker
EXPOSE 8787
# A development deployment (wrangler.toml's vars are production's): the gateway's address and
# token and the Hyperdrive binding's local target come from the environment (compose); fresh
# development secrets are generated on each start; all of it goes to .dev.vars, none of it on a
# command line (`cargo xtask compose-worker`, tested by tests/e2e/tests/compose_stack.rs).
CMD ["cargo", "xtask", "compose-worker"]
