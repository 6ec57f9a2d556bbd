//! One-time codes: their format, and the MAC that is all the server keeps of them.

use crate::domain::account::UserId;
use crate::domain::phone::PhoneNumber;
use crate::domain::session::SessionId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A code as the client sent it, checked for shape only: exactly `length` ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

/// The code is not `length` ASCII digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("otp must be {0} digits")]
pub struct MalformedCode(pub u8);

impl OtpCode {
    pub fn parse(input: &str, length: u8) -> Result<Self, MalformedCode> {
        if input.len() == length as usize && input.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(input.to_owned()))
        } else {
            Err(MalformedCode(length))
        }
    }

    /// A code made by the server (already digits of the configured length).
    pub(crate) fn trusted(digits: String) -> Self {
        Self(digits)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Codes never appear in debug output, so they cannot reach a log by accident.
impl std::fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtpCode(<redacted>)")
    }
}

/// What a code is for. A code is good for its purpose alone: a login code cannot change a
/// number, and a code sent to change a user's number cannot log anyone in, nor change another
/// user's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose<'a> {
    Login,
    /// Moving this user's account to the number the code was sent to.
    ChangeNumber(&'a UserId),
}

/// HMAC-SHA256(secret, phone | session id | code), hex: a login code's MAC. Binding the session
/// id into the MAC means a code is only good together with the session it was sent for, and
/// storing only the MAC means a Redis dump reveals no code. The fields cannot contain `|`, so
/// the input is unambiguous.
pub fn code_mac(secret: &[u8], phone: &PhoneNumber, session: &SessionId, code: &OtpCode) -> String {
    purpose_mac(secret, CodePurpose::Login, phone, session, code)
}

/// The MAC of a code for `purpose`: a login's is [`code_mac`]'s (so codes pending across a
/// deploy keep working); a number change's starts with `change-number|{user id}|`, which no
/// phone number (`+` and digits) can start with.
pub fn purpose_mac(
    secret: &[u8],
    purpose: CodePurpose<'_>,
    phone: &PhoneNumber,
    session: &SessionId,
    code: &OtpCode,
) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    if let CodePurpose::ChangeNumber(user) = purpose {
        mac.update(b"change-number|");
        mac.update(user.as_str().as_bytes());
        mac.update(b"|");
    }
    mac.update(phone.as_e164().as_bytes());
    mac.update(b"|");
    mac.update(session.as_str().as_bytes());
    mac.update(b"|");
    mac.update(code.as_str().as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("+14155552671", None).unwrap()
    }

    #[test]
    fn codes_must_be_exactly_the_configured_ascii_digits() {
        assert!(OtpCode::parse("123456", 6).is_ok());
        for bad in [
            "12345",
            "1234567",
            "12345a",
            "",
            " 123456",
            "١٢٣٤٥٦",
            "１２３４５６",
            "12 456",
        ] {
            assert_eq!(OtpCode::parse(bad, 6), Err(MalformedCode(6)), "{bad:?}");
        }
    }

    #[test]
    fn the_mac_binds_phone_session_and_code() {
        let s1 = SessionId::parse("session-one-aaaaaaaaaaaa").unwrap();
        let s2 = SessionId::parse("session-two-aaaaaaaaaaaa").unwrap();
        let c1 = OtpCode::parse("123456", 6).unwrap();
        let c2 = OtpCode::parse("123457", 6).unwrap();
        let other = PhoneNumber::parse("+14155552672", None).unwrap();
        let base = code_mac(b"secret", &phone(), &s1, &c1);
        assert_eq!(base.len(), 64);
        assert_eq!(base, code_mac(b"secret", &phone(), &s1, &c1));
        assert_ne!(base, code_mac(b"secret", &phone(), &s2, &c1));
        assert_ne!(base, code_mac(b"secret", &phone(), &s1, &c2));
        assert_ne!(base, code_mac(b"secret", &other, &s1, &c1));
        assert_ne!(base, code_mac(b"other secret", &phone(), &s1, &c1));
    }

    #[test]
    fn a_code_is_good_for_its_purpose_alone() {
        let s = SessionId::parse("session-one-aaaaaaaaaaaa").unwrap();
        let c = OtpCode::parse("123456", 6).unwrap();
        let alice = UserId::parse("7f3c2a9e-3b1d-4f6a-8c2e-000000000001").unwrap();
        let bob = UserId::parse("7f3c2a9e-3b1d-4f6a-8c2e-000000000002").unwrap();
        let mac = |purpose| purpose_mac(b"secret", purpose, &phone(), &s, &c);
        let login = mac(CodePurpose::Login);
        assert_eq!(
            login,
            code_mac(b"secret", &phone(), &s, &c),
            "a login's MAC is unchanged"
        );
        let change = mac(CodePurpose::ChangeNumber(&alice));
        assert_ne!(change, login);
        assert_ne!(change, mac(CodePurpose::ChangeNumber(&bob)));
    }

    #[test]
    fn debug_output_never_shows_the_code() {
        let code = OtpCode::parse("987654", 6).unwrap();
        assert!(!format!("{code:?}").contains("987654"));
    }
}
