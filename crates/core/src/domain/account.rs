//! The account's values: the user id, the scope and the user as the contract shows it. Each is
//! validated once where it enters (a token's claim, a path segment, a database row), so the
//! ports and the SQL never see an id that is not one.

use crate::domain::secrets::uuid_v4;
use crate::ports::{RandomUnavailable, SecureRandom, UnixSeconds};

/// A user's id: a UUID, hyphenated and lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

/// Not a hyphenated UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a user id is a hyphenated UUID")]
pub struct MalformedUserId;

impl UserId {
    /// Accepts a hyphenated UUID in either case.
    pub fn parse(input: &str) -> Result<Self, MalformedUserId> {
        let b = input.as_bytes();
        let shaped = b.len() == 36
            && b.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            });
        if shaped {
            Ok(Self(input.to_ascii_lowercase()))
        } else {
            Err(MalformedUserId)
        }
    }

    /// A fresh random (version 4) id.
    pub fn generate(rng: &impl SecureRandom) -> Result<Self, RandomUnavailable> {
        Ok(Self(uuid_v4(rng)?))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a user may do beyond their own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// No scope: what a new user has.
    Unscoped,
    /// May use the admin endpoints.
    Superadmin,
    /// Any other scope an operator granted; it grants nothing in this service.
    Named(String),
}

/// A scope is empty or at most 32 lower-case letters and underscores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a scope is empty or lower-case letters and underscores, e.g. superadmin")]
pub struct MalformedScope;

impl Scope {
    pub fn parse(input: &str) -> Result<Self, MalformedScope> {
        let ok = input.len() <= 32 && input.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        match input {
            _ if !ok => Err(MalformedScope),
            "" => Ok(Scope::Unscoped),
            "superadmin" => Ok(Scope::Superadmin),
            other => Ok(Scope::Named(other.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Scope::Unscoped => "",
            Scope::Superadmin => "superadmin",
            Scope::Named(name) => name,
        }
    }

    /// The authorization decision of the admin endpoints.
    pub fn may_administer(&self) -> bool {
        *self == Scope::Superadmin
    }
}

/// A user as the contract shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// E.164.
    pub phone: String,
    pub scope: Scope,
    pub created_at: UnixSeconds,
    pub updated_at: UnixSeconds,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_hyphenated_uuids_kept_lower_case() {
        let id = UserId::parse("0B7C2D8E-1F3A-4B5C-8D9E-0123456789AB").unwrap();
        assert_eq!(id.as_str(), "0b7c2d8e-1f3a-4b5c-8d9e-0123456789ab");
        for bad in [
            "",
            "not-a-uuid",
            "0b7c2d8e1f3a4b5c8d9e0123456789ab",
            "0b7c2d8e-1f3a-4b5c-8d9e-0123456789ag",
            "0b7c2d8e-1f3a-4b5c-8d9e-0123456789abc",
            "'; DROP TABLE users; --0123456789ab",
        ] {
            assert_eq!(UserId::parse(bad), Err(MalformedUserId), "{bad:?}");
        }
    }

    #[test]
    fn generated_ids_parse_back() {
        let rng = crate::testing::SeededRandom::new(9);
        let id = UserId::generate(&rng).unwrap();
        assert_eq!(UserId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn only_the_superadmin_scope_administers() {
        assert_eq!(Scope::parse(""), Ok(Scope::Unscoped));
        assert!(Scope::parse("superadmin").unwrap().may_administer());
        for other in ["", "admin", "super_admin"] {
            let scope = Scope::parse(other).unwrap();
            assert!(!scope.may_administer(), "{other:?}");
            assert_eq!(scope.as_str(), other);
        }
        for bad in ["Superadmin", "super-admin", "x".repeat(33).as_str()] {
            assert_eq!(Scope::parse(bad), Err(MalformedScope), "{bad:?}");
        }
    }
}
