//! Two data regions on one machine: the test stack is region `eu` (calling code 44 and every
//! code not listed), and a second stack of its own (PostgreSQL, PgBouncer, Redis, gateway) is
//! region `us` (calling code 1). One worker serves both, through a wrangler config of its own
//! that declares a Hyperdrive binding per region (`HYPERDRIVE_EU`, `HYPERDRIVE_US`).

use super::worker::with_password;
use super::StackLayout;
use crate::root;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The regions' setting: names, calling codes, and the default.
pub const DATA_REGIONS: &str = "eu=44;us=1";
pub const DEFAULT_REGION: &str = "eu";

impl StackLayout {
    /// The second region's stack (`us`): ports and state of its own. Its ports are below the
    /// kernel's ephemeral range (32768 and up): it starts after e2e, when the machine's many
    /// short-lived connections had taken a port in that range as their own side (seen here:
    /// 55482 in use at the tier's start, free a moment later).
    pub fn region_us() -> Self {
        let mut p = Self::new("regionus", [25582, 26529, 26582, 8139, 8847, 9289, 8949]);
        // A DATABASE_URL or REDIS_URL names the first region's backends, never this one's.
        p.external_database_url = None;
        p.external_redis_url = None;
        p
    }
}

/// One region as the worker sees it: its name, its pooler and its gateway.
pub struct RegionStack<'a> {
    pub name: &'a str,
    pub layout: &'a StackLayout,
    pub gateway_token: &'a str,
}

/// The worker's settings for the regions: `DATA_REGIONS` and each region's Redis endpoint.
pub fn worker_vars(regions: &[RegionStack]) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::from([
        ("DATA_REGIONS".to_owned(), DATA_REGIONS.to_owned()),
        ("DATA_REGION_DEFAULT".to_owned(), DEFAULT_REGION.to_owned()),
        ("POSTGRES_TLS".to_owned(), "off".to_owned()),
        ("ENVIRONMENT".to_owned(), "development".to_owned()),
    ]);
    for region in regions {
        let upper = region.name.to_ascii_uppercase();
        vars.insert(
            format!("REDIS_REST_URL_{upper}"),
            region.layout.gateway_url(),
        );
        vars.insert(
            format!("REDIS_REST_TOKEN_{upper}"),
            region.gateway_token.to_owned(),
        );
    }
    vars
}

/// A wrangler config in `dir` for the built worker with one Hyperdrive binding per region, each
/// reaching that region's PgBouncer (the project's wrangler.toml declares only `HYPERDRIVE`).
pub fn wrangler_config(dir: &std::path::Path, regions: &[RegionStack]) -> crate::Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut toml = format!(
        "name = \"phone-auth-regions\"\nmain = \"{}\"\ncompatibility_date = \"2026-04-01\"\n",
        root().join("build/index.js").display()
    );
    for region in regions {
        toml.push_str(&format!(
            "\n[[hyperdrive]]\nbinding = \"HYPERDRIVE_{}\"\nid = \"00000000000000000000000000000000\"\nlocalConnectionString = \"{}\"\n",
            region.name.to_ascii_uppercase(),
            with_password(&region.layout.pooler_url()),
        ));
    }
    let path = dir.join("wrangler.toml");
    std::fs::write(&path, toml).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
