//! Test doubles of the ports, for the use cases' unit tests. Each double passes the same
//! contract suite as its real adapter (`crate::ports::contract`). Built with the `testing`
//! feature and in core's own tests; the worker never enables it.

mod account_life;
mod accounts;
mod admin_reads;
mod bot_check;
mod legacy_import;
mod lender;
mod once;
mod otp_keys;
mod otp_risk;
mod otp_store;
mod passkeys;
mod rotation;
mod sms;

pub use accounts::InMemoryAccounts;
pub use bot_check::FixedBotCheck;
pub use lender::CountingLender;
pub use once::InMemoryOnce;
pub use otp_store::InMemoryOtpStore;
pub use sms::RecordingSms;

use crate::ports::{Clock, RandomUnavailable, SecureRandom, TokenSigner, UnixSeconds};
use std::cell::Cell;

/// A clock that stands still until told to move.
#[derive(Debug)]
pub struct FixedClock(Cell<UnixSeconds>);

impl FixedClock {
    pub fn at(now: UnixSeconds) -> Self {
        Self(Cell::new(now))
    }

    pub fn advance(&self, secs: i64) {
        self.0.set(self.0.get() + secs);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> UnixSeconds {
        self.0.get()
    }
}

/// A reproducible byte stream (xorshift from a seed). Not secure: tests only.
#[derive(Debug)]
pub struct SeededRandom(Cell<u64>);

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self(Cell::new(seed.max(1)))
    }
}

impl SecureRandom for SeededRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable> {
        for byte in dest {
            let mut x = self.0.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0.set(x);
            *byte = (x >> 24) as u8;
        }
        Ok(())
    }
}

/// A random source that has failed, for the error branches that depend on it.
#[derive(Debug)]
pub struct BrokenRandom;

impl SecureRandom for BrokenRandom {
    fn fill(&self, _dest: &mut [u8]) -> Result<(), RandomUnavailable> {
        Err(RandomUnavailable)
    }
}

/// A signer whose signature is a fixed pattern: the use cases' tests check what is signed and
/// returned, not the cryptography (which `token`'s tests cover with a real key).
#[derive(Debug, Default)]
pub struct FixedSigner {
    pub fail: bool,
}

impl TokenSigner for FixedSigner {
    fn kid(&self) -> &str {
        "test-kid"
    }

    async fn sign(&self, _signing_input: &[u8]) -> Result<Vec<u8>, String> {
        if self.fail {
            return Err("signer unavailable".into());
        }
        Ok(vec![7; 64])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::contract;

    #[test]
    fn the_in_memory_account_store_keeps_the_contract() {
        let clock = FixedClock::at(1_900_000_000);
        let store = InMemoryAccounts::new(&clock);
        futures::executor::block_on(contract::account_store(&store, 0, clock.now()));
    }

    #[test]
    fn the_in_memory_account_store_imports_as_the_contract_says() {
        let clock = FixedClock::at(1_900_000_000);
        let store = InMemoryAccounts::new(&clock);
        futures::executor::block_on(contract::legacy_import(&store, 0, clock.now()));
    }

    #[test]
    fn the_fixed_bot_check_keeps_the_contract() {
        let service = FixedBotCheck::accepting(&["a-passed-challenge"]);
        let down = FixedBotCheck::accepting(&["a-passed-challenge"]);
        down.go_down();
        futures::executor::block_on(contract::bot_check(&service, "a-passed-challenge", &down));
    }

    #[test]
    fn the_in_memory_once_store_keeps_the_contract() {
        let clock = FixedClock::at(1_900_000_000);
        let (store, down) = (InMemoryOnce::new(&clock), InMemoryOnce::new(&clock));
        down.go_down();
        let wait = async |ms: u64| clock.advance(ms.div_ceil(1000) as i64);
        futures::executor::block_on(contract::once_store(&store, &down, wait));
    }

    #[test]
    fn the_recording_sms_sender_keeps_the_contract() {
        let refusing = RecordingSms::default();
        refusing.fail();
        futures::executor::block_on(contract::sms_sender(&RecordingSms::default(), &refusing));
    }

    #[test]
    fn the_in_memory_otp_store_keeps_the_contract() {
        let clock = FixedClock::at(1_900_000_000);
        let wait = async |ms: u64| clock.advance(ms.div_ceil(1000) as i64);
        futures::executor::block_on(contract::otp_store(|| InMemoryOtpStore::new(&clock), wait));
    }

    #[test]
    fn the_in_memory_otp_store_expires_codes_and_limits_with_time() {
        use crate::ports::{
            Caller, IssueOutcome, IssueRequest, OtpStore, VerifyOutcome, VerifyRequest,
        };
        let clock = FixedClock::at(1_900_000_000);
        let store = InMemoryOtpStore::new(&clock);
        let s = contract::settings(&[("OTP_TTL_SECONDS", "120")]);
        let phone = crate::domain::phone::PhoneNumber::parse("+14155552671", None).unwrap();
        let session = crate::domain::session::SessionId::parse("time-session-0123456789").unwrap();
        let issue = IssueRequest {
            phone: &phone,
            session: &session,
            mac: "m",
            client_ip: "192.0.2.1",
            caller: Caller::default(),
            settings: &s,
        };
        let verify = VerifyRequest {
            phone: &phone,
            session: &session,
            mac: "m",
            client_ip: "192.0.2.1",
            caller: Caller::default(),
            settings: &s,
        };
        futures::executor::block_on(async {
            assert_eq!(store.issue(&issue).await.unwrap(), IssueOutcome::Issued);
            clock.advance(61);
            assert_eq!(
                store.issue(&issue).await.unwrap(),
                IssueOutcome::Issued,
                "the 60 s cooldown is over"
            );
            clock.advance(121);
            assert_eq!(
                store.verify(&verify).await.unwrap(),
                VerifyOutcome::NotFound
            );
        });
    }
}
