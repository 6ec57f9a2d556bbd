//! Each data region's backends (`auth_core::domain::regions` says which region a request goes to).
//!
//! A region `eu` of `DATA_REGIONS` is reached through the Hyperdrive binding `HYPERDRIVE_EU` and
//! the Redis REST endpoint `REDIS_REST_URL_EU` with `REDIS_REST_TOKEN_EU`. Without
//! `DATA_REGIONS` the one region is today's `HYPERDRIVE`, `REDIS_REST_URL` and
//! `REDIS_REST_TOKEN`.

use auth_core::domain::regions::{RegionId, Regions};

/// Where one region's rows and codes live.
pub struct RegionBackends {
    /// The Hyperdrive binding's name in wrangler.toml.
    pub hyperdrive_binding: String,
    pub redis_rest_url: String,
    /// Bearer token for the Redis REST endpoint. Never logged.
    pub redis_rest_token: String,
}

/// Each region's backends, in [`RegionId`] order; `lookup` reads a setting (empty is unset).
pub fn backends(
    regions: &Regions,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<RegionBackends>, String> {
    let required = |name: &str| lookup(name).ok_or_else(|| format!("missing setting {name}"));
    (0..regions.len())
        .map(|i| {
            let suffix = match regions.name(RegionId(i)) {
                Some(name) => format!("_{}", name.to_ascii_uppercase()),
                None => String::new(),
            };
            Ok(RegionBackends {
                hyperdrive_binding: format!("HYPERDRIVE{suffix}"),
                redis_rest_url: required(&format!("REDIS_REST_URL{suffix}"))?,
                redis_rest_token: required(&format!("REDIS_REST_TOKEN{suffix}"))?,
            })
        })
        .collect()
}
