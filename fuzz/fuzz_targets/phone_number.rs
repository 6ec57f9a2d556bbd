//! Phone numbers as clients send them: parsing never panics, and a parsed number's E.164 form
//! parses back to itself (normalization is idempotent).
#![no_main]

use auth_core::domain::phone::PhoneNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    for region in [
        None,
        Some("US".parse().unwrap()),
        Some("IR".parse().unwrap()),
    ] {
        if let Ok(phone) = PhoneNumber::parse(input, region) {
            let again = PhoneNumber::parse(phone.as_e164(), None).expect("E.164 parses");
            assert_eq!(again.as_e164(), phone.as_e164());
        }
    }
});
