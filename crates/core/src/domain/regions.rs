//! Data regions: which database and Redis hold a user, chosen by their number's calling code.
//!
//! `DATA_REGIONS="eu=44,49,33;us=1;ap=61,81"` names each region and the calling codes whose
//! numbers live there; `DATA_REGION_DEFAULT` (the first region listed when unset) takes every
//! other code. A region's rows never leave it: a login routes by its number, and everything
//! after it by the region its tokens name (the access token's `rgn` claim, the refresh token's
//! `eu.` prefix, [`tagged`] and [`split_tag`]).
//!
//! One lookup: an account made before the mapping was what it is (before `DATA_REGIONS` was
//! turned on, when the one database became the default region's; before a calling code moved;
//! or imported into one region's database) lives in a region that is not its number's home. So
//! a number with no account at home is looked for, at its first login, in the regions that may
//! hold such accounts: `DATA_REGIONS_FORMER`, the default region unless set
//! ([`Regions::former_of`]; `usecases::login`).
//!
//! Without `DATA_REGIONS` there is one region with no name, reached through today's settings
//! (`HYPERDRIVE`, `REDIS_REST_URL`), and tokens carry no region: a deployment that never sets it
//! sees nothing of this module.

use crate::domain::phone::PhoneNumber;
use std::collections::HashMap;

/// One region, as an index into [`Regions::names`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionId(pub usize);

/// The regions of a deployment and the calling codes each serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regions {
    /// `None` for the one unnamed region of a single-region deployment.
    names: Vec<Option<String>>,
    by_code: HashMap<u16, RegionId>,
    default: RegionId,
    /// The regions that may hold accounts of numbers homed elsewhere (`DATA_REGIONS_FORMER`).
    former: Vec<RegionId>,
}

/// The longest region name: it goes into binding names, tokens and metric labels.
const MAX_NAME: usize = 12;

/// The most regions a deployment may have: the worker keeps per-region state (probe throttles)
/// in fixed arrays, and every admin listing asks every region.
pub const MAX_REGIONS: usize = 8;

impl Regions {
    /// Today's deployment: one region, unnamed.
    pub fn single() -> Self {
        Self {
            names: vec![None],
            by_code: HashMap::new(),
            default: RegionId(0),
            former: Vec::new(),
        }
    }

    /// Reads `DATA_REGIONS` and `DATA_REGION_DEFAULT`; no `DATA_REGIONS` is [`Regions::single`].
    pub fn parse(spec: Option<&str>, default: Option<&str>) -> Result<Self, String> {
        let default = default.map(str::trim).filter(|d| !d.is_empty());
        let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
            return match default {
                Some(_) => Err("DATA_REGION_DEFAULT needs DATA_REGIONS".into()),
                None => Ok(Self::single()),
            };
        };
        let mut regions = Self {
            names: Vec::new(),
            by_code: HashMap::new(),
            default: RegionId(0),
            former: Vec::new(),
        };
        for entry in spec.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, codes) = entry
                .split_once('=')
                .ok_or_else(|| format!("DATA_REGIONS entry {entry:?} must be name=codes"))?;
            let name = name.trim();
            if !valid_name(name) {
                return Err(format!(
                    "region name {name:?} must be 1-{MAX_NAME} lower-case letters and digits, \
                     starting with a letter"
                ));
            }
            if regions.named(name).is_some() {
                return Err(format!("region {name:?} is listed twice"));
            }
            let id = RegionId(regions.names.len());
            regions.names.push(Some(name.to_owned()));
            for code in codes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                let code: u16 = code
                    .parse()
                    .ok()
                    .filter(|c| (1..=999).contains(c))
                    .ok_or_else(|| format!("{code:?} in region {name:?} is not a calling code"))?;
                if regions.by_code.insert(code, id).is_some() {
                    return Err(format!("calling code {code} is in two regions"));
                }
            }
        }
        if regions.names.is_empty() {
            return Err("DATA_REGIONS names no region".into());
        }
        if regions.names.len() > MAX_REGIONS {
            return Err(format!(
                "DATA_REGIONS names more than {MAX_REGIONS} regions"
            ));
        }
        if let Some(default) = default {
            regions.default = regions
                .named(default)
                .ok_or_else(|| format!("DATA_REGION_DEFAULT {default:?} is not in DATA_REGIONS"))?;
        }
        regions.former = vec![regions.default];
        Ok(regions)
    }

    /// Reads `DATA_REGIONS_FORMER`: the regions that may hold accounts of numbers whose home is
    /// now another region, by name, comma-separated, or `none`. Unset, the default region: the
    /// database from before regions, and where the import writes.
    pub fn with_former(mut self, raw: Option<&str>) -> Result<Self, String> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(self);
        };
        if self.by_code.is_empty() && self.name(self.default).is_none() {
            return Err("DATA_REGIONS_FORMER needs DATA_REGIONS".into());
        }
        self.former = Vec::new();
        if raw == "none" {
            return Ok(self);
        }
        for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let region = self
                .named(name)
                .ok_or_else(|| format!("DATA_REGIONS_FORMER: {name:?} is not in DATA_REGIONS"))?;
            if !self.former.contains(&region) {
                self.former.push(region);
            }
        }
        Ok(self)
    }

    /// The regions a first login of a number homed in `home` asks when `home` has no account
    /// for it: the former regions but `home` itself.
    pub fn former_of(&self, home: RegionId) -> Vec<RegionId> {
        self.former.iter().copied().filter(|&r| r != home).collect()
    }

    /// Every region, the default first, then in the order listed.
    pub fn ids(&self) -> impl Iterator<Item = RegionId> + '_ {
        let default = self.default;
        std::iter::once(default).chain(
            (0..self.names.len())
                .map(RegionId)
                .filter(move |&r| r != default),
        )
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// A single-region deployment has one region (and `is_empty` is never true).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The region's name; `None` for the single unnamed region.
    pub fn name(&self, region: RegionId) -> Option<&str> {
        self.names.get(region.0).and_then(|n| n.as_deref())
    }

    /// The region of that name.
    pub fn named(&self, name: &str) -> Option<RegionId> {
        self.names
            .iter()
            .position(|n| n.as_deref() == Some(name))
            .map(RegionId)
    }

    pub fn default_region(&self) -> RegionId {
        self.default
    }

    /// The region whose database holds the numbers of this calling code.
    pub fn of_calling_code(&self, code: u16) -> RegionId {
        self.by_code.get(&code).copied().unwrap_or(self.default)
    }

    /// The region of a number: its calling code's (parsed once, at the edge).
    pub fn of_number(&self, phone: &PhoneNumber) -> RegionId {
        self.of_calling_code(phone.calling_code())
    }

    /// The region a token names: its tag, or the default region for a token without one (issued
    /// before the deployment had regions). `None` for a tag this deployment does not know.
    pub fn of_tag(&self, tag: Option<&str>) -> Option<RegionId> {
        match tag {
            None => Some(self.default),
            Some(name) => self.named(name),
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    (1..=MAX_NAME).contains(&name.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// A refresh token with its region in front (`eu.` + the token), or as it is without a region.
/// The tag only routes: the token's hash (what the store keeps) is of the part after it, so a
/// changed tag sends the token to a database that has no such hash.
pub fn tagged(region: Option<&str>, token: String) -> String {
    match region {
        Some(name) => format!("{name}.{token}"),
        None => token,
    }
}

/// A presented refresh token's region tag and the token itself. A token without a tag (a
/// single-region deployment's, or one issued before regions) is all token.
pub fn split_tag(presented: &str) -> (Option<&str>, &str) {
    match presented.split_once('.') {
        Some((tag, token)) if valid_name(tag) => (Some(tag), token),
        _ => (None, presented),
    }
}

#[cfg(test)]
mod tests;
