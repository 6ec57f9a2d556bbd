//! What a deployment sets: the policy settings with their defaults and bounds ([`settings`]),
//! the passkeys' relying party and apps ([`passkeys`]), how a setting's text becomes a value
//! (`values`), and what a configuration must meet before it serves ([`deployment`]). Read
//! through a lookup so that every default, bound and refusal is tested natively; the worker
//! only supplies the lookup.

pub mod deployment;
pub mod passkeys;
pub mod settings;
pub(crate) mod values;
