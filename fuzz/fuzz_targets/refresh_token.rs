//! Refresh tokens as clients present them: parsing never panics, and whatever parses names a
//! canonical user id and hashes the exact text presented.
#![no_main]

use auth_core::domain::secrets::RefreshToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    if let Some(presented) = RefreshToken::parse(input) {
        assert_eq!(presented.hash, RefreshToken::hash_of(input));
        let id = presented.user_id.as_str();
        assert_eq!(id.len(), 36);
        assert_eq!(id, id.to_lowercase());
    }
});
