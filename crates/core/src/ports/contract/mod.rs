//! Contract suites: one behaviour per port, written once and run against the in-memory double
//! (core's tests) and the real adapter (the adapters' integration tests), so the double cannot
//! drift from what production does.

mod accounts;
mod bot_check;
mod legacy_import;
mod once;
mod otp_store;
mod sms;

pub use accounts::account_store;
pub use bot_check::bot_check;
pub use legacy_import::legacy_import;
pub use once::once_store;
pub use otp_store::otp_store;
pub use sms::sms_sender;

use crate::config::settings::Settings;

/// Settings with `overrides` on the defaults.
pub fn settings(overrides: &[(&str, &str)]) -> Settings {
    let lookup = |name: &str| {
        overrides
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    Settings::from_lookup(lookup).expect("valid test settings")
}
