//! The OTP store in memory, with the semantics of the Lua scripts (`auth_adapters`'
//! `upstash/scripts/`): the same order of checks, the same counters and expiries, measured on a
//! [`Clock`] so tests can move time. `contract::otp_store` holds both to one behaviour.

use super::otp_keys::{Keys, Value};
use super::otp_risk::RiskRecords;
use crate::config::settings::Settings;
use crate::domain::account::UserId;
use crate::domain::phone::PhoneNumber;
use crate::domain::quota::Quota;
use crate::domain::risk::judge::{judge, Actions, Asker};
use crate::ports::{
    BackendError, Clock, Counted, IssueOutcome, IssueRequest, Limit, OtpStore, UnixSeconds,
    VerifyOutcome, VerifyRequest, ACCOUNT_HINT_SECS,
};
use std::cell::RefCell;

pub struct InMemoryOtpStore<'c, C: Clock> {
    clock: &'c C,
    keys: RefCell<Keys>,
    risk: RefCell<RiskRecords>,
}

impl<'c, C: Clock> InMemoryOtpStore<'c, C> {
    pub fn new(clock: &'c C) -> Self {
        Self {
            clock,
            keys: RefCell::new(Keys::default()),
            risk: RefCell::new(RiskRecords::default()),
        }
    }
}

fn phone_key(phone: &PhoneNumber, suffix: &str) -> String {
    format!("otp:{{{}}}{suffix}", phone.as_e164())
}

fn ip_key(ip: &str, suffix: &str) -> String {
    format!("ip:{{{ip}}}{suffix}")
}

/// The caller's send quota: its address's sends as they stand.
fn address_quota(keys: &mut Keys, ip: &str, s: &Settings, now: UnixSeconds) -> Option<Quota> {
    let count = keys.count(ip, now);
    Some(Quota {
        limit: s.ip_sends_per_window,
        window_secs: s.ip_send_window_secs,
        remaining: (i64::from(s.ip_sends_per_window) - count).max(0) as u32,
        reset_secs: if count > 0 {
            keys.ttl(ip, now)
        } else {
            s.ip_send_window_secs
        },
    })
}

const DAY: u32 = 86_400;
/// How long the failure and lock counters live after their last change.
const KEPT: u32 = 30 * DAY;

impl<C: Clock> OtpStore for InMemoryOtpStore<'_, C> {
    async fn issue(&self, r: &IssueRequest<'_>) -> Result<Counted<IssueOutcome>, BackendError> {
        let (s, now) = (r.settings, self.clock.now());
        let mut keys = self.keys.borrow_mut();
        let code = phone_key(r.phone, "");
        let cooldown = phone_key(r.phone, ":cooldown");
        let window = phone_key(r.phone, ":window");
        let day = phone_key(r.phone, ":day");
        let lock = phone_key(r.phone, ":lock");
        let ip = ip_key(r.client_ip, ":send");
        let country = format!("budget:{{cc{}}}", r.phone.calling_code());
        let global = "budget:{global}".to_owned();
        let returning = keys.exists(&phone_key(r.phone, ":known"), now);
        let budget_spent = |keys: &mut Keys, key: &str, budget: u32| {
            !returning && keys.count(key, now) >= i64::from(budget)
        };
        let refused = [
            (keys.exists(&lock, now), Limit::Locked, &lock),
            (keys.exists(&cooldown, now), Limit::Cooldown, &cooldown),
            (
                keys.count(&window, now) >= i64::from(s.sends_per_window),
                Limit::PhoneWindow,
                &window,
            ),
            (
                keys.count(&day, now) >= i64::from(s.sends_per_day),
                Limit::PhoneDaily,
                &day,
            ),
            (
                keys.count(&ip, now) >= i64::from(s.ip_sends_per_window),
                Limit::ClientIp,
                &ip,
            ),
            (
                budget_spent(
                    &mut keys,
                    &country,
                    s.country_budget(r.phone.calling_code()),
                ),
                Limit::CountryBudget,
                &country,
            ),
            (
                budget_spent(&mut keys, &global, s.global_sends_per_window),
                Limit::GlobalBudget,
                &global,
            ),
        ];
        if let Some((_, limit, key)) = refused.iter().find(|(hit, _, _)| *hit) {
            let retry_after_secs = keys.ttl(key, now);
            let outcome = IssueOutcome::Limited {
                limit: *limit,
                retry_after_secs,
            };
            return Ok(Counted::new(outcome, address_quota(&mut keys, &ip, s, now)));
        }
        let mut risk = self.risk.borrow_mut();
        let (calling_code, network) = risk.signals(r.phone, r.client_ip, &r.caller, s);
        let asker = Asker {
            returning,
            human: r.caller.human,
        };
        let signals = match judge(calling_code, network, asker, Actions::of(s)) {
            Ok(signals) => signals,
            Err(hit) => {
                let quota = address_quota(&mut keys, &ip, s, now);
                return Ok(Counted::new(IssueOutcome::Risky(hit), quota));
            }
        };
        risk.count_send(r.phone, r.client_ip, &r.caller, s);
        keys.incr(&window, s.send_window_secs, now);
        keys.incr(&day, DAY, now);
        keys.incr(&ip, s.ip_send_window_secs, now);
        keys.incr(&country, s.country_send_window_secs, now);
        keys.incr(&global, s.global_send_window_secs, now);
        if s.resend_cooldown_secs > 0 {
            keys.set(&cooldown, Value::Flag, s.resend_cooldown_secs, now);
        }
        let stored = Value::Code {
            mac: r.mac.to_owned(),
            session: r.session.as_str().to_owned(),
            attempts: 0,
        };
        keys.set(&code, stored, s.code_ttl_secs, now);
        Ok(Counted {
            outcome: IssueOutcome::Issued,
            quota: address_quota(&mut keys, &ip, s, now),
            signals,
            account: None,
        })
    }

    async fn withdraw(&self, r: &IssueRequest<'_>) -> Result<(), BackendError> {
        let now = self.clock.now();
        let mut keys = self.keys.borrow_mut();
        let code = phone_key(r.phone, "");
        if matches!(keys.live(&code, now), Some(Value::Code { mac: m, .. }) if m == r.mac) {
            keys.del(&code);
            keys.del(&phone_key(r.phone, ":cooldown"));
            self.risk
                .borrow_mut()
                .uncount_send(r.phone, r.client_ip, &r.caller, r.settings);
        }
        Ok(())
    }

    async fn verify(&self, r: &VerifyRequest<'_>) -> Result<Counted<VerifyOutcome>, BackendError> {
        let outcome = self.check(r)?;
        let quota = match outcome {
            VerifyOutcome::Limited {
                limit: Limit::Locked,
                ..
            } => None,
            _ => {
                let s = r.settings;
                let (now, ip) = (self.clock.now(), ip_key(r.client_ip, ":login"));
                let mut keys = self.keys.borrow_mut();
                let count = keys.count(&ip, now);
                Some(Quota {
                    limit: s.ip_logins_per_window,
                    window_secs: s.ip_login_window_secs,
                    remaining: (i64::from(s.ip_logins_per_window) - count).max(0) as u32,
                    reset_secs: keys.ttl(&ip, now),
                })
            }
        };
        let mut counted = Counted::new(outcome, quota);
        if outcome == VerifyOutcome::Verified {
            let key = phone_key(r.phone, ":account");
            counted.account = match self.keys.borrow_mut().live(&key, self.clock.now()) {
                Some(Value::Account(id)) => Some(id.clone()),
                _ => None,
            };
        }
        Ok(counted)
    }

    async fn remember_account(&self, phone: &PhoneNumber, account: &UserId) {
        let key = phone_key(phone, ":account");
        let now = self.clock.now();
        let value = Value::Account(account.clone());
        self.keys
            .borrow_mut()
            .set(&key, value, ACCOUNT_HINT_SECS, now);
    }

    async fn forget_account(&self, phone: &PhoneNumber) -> Result<(), BackendError> {
        self.keys.borrow_mut().del(&phone_key(phone, ":account"));
        Ok(())
    }
}

impl<C: Clock> InMemoryOtpStore<'_, C> {
    /// `verify` without its quota.
    fn check(&self, r: &VerifyRequest<'_>) -> Result<VerifyOutcome, BackendError> {
        let (s, now) = (r.settings, self.clock.now());
        let mut keys = self.keys.borrow_mut();
        let lock = phone_key(r.phone, ":lock");
        let ip = ip_key(r.client_ip, ":login");
        let limited = |limit, key: &str, keys: &Keys| VerifyOutcome::Limited {
            limit,
            retry_after_secs: keys.ttl(key, now),
        };
        // The address is counted beside the phone's check, which runs whatever the count (one
        // pipeline in the Upstash store); the count refuses only what the check did not verify.
        let over = keys.incr(&ip, s.ip_login_window_secs, now) > i64::from(s.ip_logins_per_window);
        if keys.exists(&lock, now) {
            return Ok(limited(Limit::Locked, &lock, &keys));
        }
        let checked = self.check_phone(r, &mut keys)?;
        Ok(match checked {
            VerifyOutcome::Verified
            | VerifyOutcome::Limited {
                limit: Limit::Locked,
                ..
            } => checked,
            _ if over => limited(Limit::ClientIp, &ip, &keys),
            other => other,
        })
    }

    /// The phone's own check (`verify.lua`'s), under its lock.
    fn check_phone(
        &self,
        r: &VerifyRequest<'_>,
        keys: &mut Keys,
    ) -> Result<VerifyOutcome, BackendError> {
        let (s, now) = (r.settings, self.clock.now());
        let code = phone_key(r.phone, "");
        let failures = phone_key(r.phone, ":fails");
        let lock = phone_key(r.phone, ":lock");
        let locks = phone_key(r.phone, ":locks");
        let limited = |limit, key: &str, keys: &Keys| VerifyOutcome::Limited {
            limit,
            retry_after_secs: keys.ttl(key, now),
        };
        let guesses = phone_key(r.phone, ":guesses");
        let own_session = matches!(keys.live(&code, now), Some(Value::Code { session, .. }) if session == r.session.as_str());
        if !own_session {
            // No code, or another session's: neither the code nor the failures move.
            if keys.incr(&guesses, s.phone_guess_window_secs, now)
                > i64::from(s.phone_guesses_per_window)
            {
                return Ok(limited(Limit::PhoneGuesses, &guesses, keys));
            }
            return Ok(VerifyOutcome::NotFound);
        }
        let attempts = match keys.live(&code, now) {
            None => return Ok(VerifyOutcome::NotFound),
            Some(Value::Code { mac, .. }) if mac == r.mac => {
                // Only a success forgets the failures and the locks.
                keys.del(&code);
                keys.del(&failures);
                keys.del(&locks);
                let returning = s.risk.counters.returning_secs;
                if returning > 0 {
                    keys.set(&phone_key(r.phone, ":known"), Value::Flag, returning, now);
                }
                self.risk
                    .borrow_mut()
                    .count_login(r.phone, r.client_ip, &r.caller, s);
                return Ok(VerifyOutcome::Verified);
            }
            Some(Value::Code { attempts, .. }) => {
                *attempts += 1;
                *attempts
            }
            Some(_) => return Err(BackendError::Failed("code key of the wrong type".into())),
        };
        // Consecutive failures across codes and locks; the keys live 30 days from the last one.
        let consecutive = keys.incr(&failures, KEPT, now);
        keys.0.get_mut(&failures).expect("just counted").1 = Some(now + i64::from(KEPT));
        if consecutive >= i64::from(s.failed_login_ceiling) {
            // Every failure from the ceiling on locks again, twice as long each time, up to a
            // day (or the first lock, when that is set longer).
            let n = keys.incr(&locks, KEPT, now);
            keys.0.get_mut(&locks).expect("just counted").1 = Some(now + i64::from(KEPT));
            let first = u64::from(s.lockout_secs);
            let doubled = first.saturating_mul(1 << (n - 1).clamp(0, 32));
            let seconds = doubled.min(first.max(u64::from(DAY)));
            keys.set(&lock, Value::Flag, seconds as u32, now);
            keys.del(&code);
            return Ok(VerifyOutcome::Burned);
        }
        if attempts >= s.max_attempts {
            keys.del(&code);
            return Ok(VerifyOutcome::Burned);
        }
        Ok(VerifyOutcome::Mismatch {
            attempts_left: s.max_attempts - attempts,
        })
    }
}
