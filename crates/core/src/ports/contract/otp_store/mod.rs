//! The OTP store's contract. Each scenario takes a fresh, empty store. Here: codes and sends;
//! `limits.rs`: what limits logins (locks, addresses, strangers) and sends (budgets);
//! `address.rs`: the address's login limit beside the code's check, and the attack on it;
//! `refusals.rs`: a refused send leaves no trace; `risk.rs`: the breakers; `defences.rs`: the
//! breakers and budgets against an attacker who aims at them; `account.rs`: the account a
//! number's last login reached, handed back with its next code.

mod account;
mod address;
mod defences;
mod limits;
mod quota;
mod refusals;
mod risk;

use crate::config::settings::Settings;
use crate::domain::phone::PhoneNumber;
use crate::domain::session::SessionId;
use crate::ports::{
    Caller, IssueOutcome, IssueRequest, Limit, OtpStore, VerifyOutcome, VerifyRequest,
};

use super::settings;
use address::{
    an_address_over_its_login_limit_never_refuses_the_right_code,
    past_the_login_limit_a_guesser_gets_only_the_codes_attempts,
};
use limits::{
    consecutive_failures_lock_the_phone, locks_double_and_only_a_success_resets_the_failures,
    logins_are_limited_per_address, sends_stop_at_the_country_and_service_budgets,
    strangers_neither_burn_the_code_nor_lock_the_phone,
};

pub(super) fn phone(n: u32) -> PhoneNumber {
    PhoneNumber::parse(&format!("+1415555{:04}", 2600 + n), None).expect("a valid number")
}

pub(super) fn session(name: &str) -> SessionId {
    SessionId::parse(&format!("{name}-session-0123456789")).expect("a valid session id")
}

/// One actor of a scenario: a phone, a session, a client address and the settings.
pub(super) struct Actor<'a> {
    pub(super) phone: PhoneNumber,
    pub(super) session: SessionId,
    pub(super) ip: &'a str,
    pub(super) settings: &'a Settings,
}

impl Actor<'_> {
    pub(super) async fn issue(&self, store: &impl OtpStore, mac: &str) -> IssueOutcome {
        self.issue_as(store, mac, Caller::default()).await
    }

    /// This actor's request for the code `mac`, from `caller`.
    fn request<'r>(&'r self, mac: &'r str, caller: Caller) -> IssueRequest<'r> {
        IssueRequest {
            phone: &self.phone,
            session: &self.session,
            mac,
            client_ip: self.ip,
            caller,
            settings: self.settings,
        }
    }

    pub(super) async fn issue_as(
        &self,
        store: &impl OtpStore,
        mac: &str,
        caller: Caller,
    ) -> IssueOutcome {
        let request = self.request(mac, caller);
        store
            .issue(&request)
            .await
            .expect("the store answers")
            .outcome
    }

    /// Withdraws the code `mac` this actor was sent, as a send whose SMS failed does.
    pub(super) async fn withdraw_as(&self, store: &impl OtpStore, mac: &str, caller: Caller) {
        let request = self.request(mac, caller);
        store.withdraw(&request).await.expect("the store answers");
    }

    pub(super) async fn verify(&self, store: &impl OtpStore, mac: &str) -> VerifyOutcome {
        self.verify_as(store, mac, &self.session).await
    }

    pub(super) async fn verify_as(
        &self,
        store: &impl OtpStore,
        mac: &str,
        session: &SessionId,
    ) -> VerifyOutcome {
        self.verify_from(store, mac, session, Caller::default())
            .await
    }

    pub(super) async fn verify_from(
        &self,
        store: &impl OtpStore,
        mac: &str,
        session: &SessionId,
        caller: Caller,
    ) -> VerifyOutcome {
        let request = VerifyRequest {
            session,
            ..self.request(mac, caller)
        };
        store
            .verify(&request)
            .await
            .expect("the store answers")
            .outcome
    }
}

pub(super) fn limit_of(outcome: IssueOutcome) -> Option<Limit> {
    match outcome {
        IssueOutcome::Limited {
            limit,
            retry_after_secs,
        } => {
            assert!(retry_after_secs >= 1, "a refusal says when to retry");
            Some(limit)
        }
        IssueOutcome::Issued => None,
        IssueOutcome::Risky(hit) => panic!("a limit was expected, the counters said {hit:?}"),
    }
}

/// Runs every scenario of the OTP store's contract, each on `fresh()`. `wait(ms)` lets that much
/// time pass for the store (a real sleep for a real store, a clock moved for the double).
pub async fn otp_store<S: OtpStore>(fresh: impl Fn() -> S, wait: impl AsyncFn(u64)) {
    a_code_verifies_once_with_its_own_session(&fresh()).await;
    wrong_guesses_count_down_and_burn_the_code(&fresh()).await;
    a_new_code_replaces_the_old_one_and_its_attempts(&fresh()).await;
    sends_are_limited_by_cooldown_window_day_and_address(&fresh()).await;
    a_withdrawn_code_is_gone_and_frees_the_cooldown(&fresh()).await;
    consecutive_failures_lock_the_phone(&fresh()).await;
    logins_are_limited_per_address(&fresh()).await;
    an_address_over_its_login_limit_never_refuses_the_right_code(&fresh()).await;
    past_the_login_limit_a_guesser_gets_only_the_codes_attempts(&fresh()).await;
    locks_double_and_only_a_success_resets_the_failures(&fresh(), &wait).await;
    strangers_neither_burn_the_code_nor_lock_the_phone(&fresh()).await;
    sends_stop_at_the_country_and_service_budgets(&fresh()).await;
    quota::each_answer_carries_the_callers_own_quota_never_the_numbers(&fresh()).await;
    risk::sends_that_do_not_convert_trip_the_calling_codes_breaker(&fresh()).await;
    risk::logins_keep_the_breaker_closed(&fresh()).await;
    risk::a_passed_bot_check_answers_a_challenge_but_not_a_refusal(&fresh()).await;
    risk::a_network_has_its_own_breaker_and_volume_budget(&fresh()).await;
    risk::an_open_breaker_closes_after_its_cool_off_with_fresh_counts(&fresh()).await;
    risk::a_withdrawn_send_is_not_judged(&fresh()).await;
    defences::one_network_cannot_trip_a_calling_codes_breaker(&fresh()).await;
    defences::one_address_cannot_hold_a_networks_conversion_up(&fresh()).await;
    defences::without_a_bot_check_an_open_breaker_lets_sends_through_and_says_so(&fresh()).await;
    defences::a_returning_number_passes_open_breakers_and_spent_budgets(&fresh()).await;
    refusals::a_send_refused_by_a_shared_limit_leaves_the_phone_as_it_was(&fresh()).await;
    refusals::a_refused_send_spends_no_shared_budget(&fresh()).await;
    account::a_verified_code_hands_back_the_account_the_numbers_last_login_reached(&fresh()).await;
    account::a_forgotten_account_is_never_handed_back(&fresh()).await;
}

async fn a_code_verifies_once_with_its_own_session(store: &impl OtpStore) {
    let s = settings(&[]);
    let a = Actor {
        phone: phone(1),
        session: session("own"),
        ip: "192.0.2.1",
        settings: &s,
    };
    assert_eq!(a.verify(store, "mac-1").await, VerifyOutcome::NotFound);
    assert_eq!(a.issue(store, "mac-1").await, IssueOutcome::Issued);
    assert_eq!(
        a.verify_as(store, "mac-1", &session("other")).await,
        VerifyOutcome::NotFound,
        "another session's login is as if there were no code"
    );
    assert_eq!(a.verify(store, "mac-1").await, VerifyOutcome::Verified);
    assert_eq!(a.verify(store, "mac-1").await, VerifyOutcome::NotFound);
}

async fn wrong_guesses_count_down_and_burn_the_code(store: &impl OtpStore) {
    let s = settings(&[("OTP_MAX_ATTEMPTS", "3")]);
    let a = Actor {
        phone: phone(2),
        session: session("guess"),
        ip: "192.0.2.2",
        settings: &s,
    };
    a.issue(store, "right").await;
    assert_eq!(
        a.verify(store, "wrong").await,
        VerifyOutcome::Mismatch { attempts_left: 2 }
    );
    assert_eq!(
        a.verify(store, "wrong").await,
        VerifyOutcome::Mismatch { attempts_left: 1 }
    );
    assert_eq!(a.verify(store, "wrong").await, VerifyOutcome::Burned);
    assert_eq!(
        a.verify(store, "right").await,
        VerifyOutcome::NotFound,
        "a burned code is refused even when right"
    );
}

async fn a_new_code_replaces_the_old_one_and_its_attempts(store: &impl OtpStore) {
    let s = settings(&[("OTP_RESEND_COOLDOWN_SECONDS", "0")]);
    let a = Actor {
        phone: phone(3),
        session: session("again"),
        ip: "192.0.2.3",
        settings: &s,
    };
    a.issue(store, "first").await;
    a.verify(store, "wrong").await;
    assert_eq!(a.issue(store, "second").await, IssueOutcome::Issued);
    assert_eq!(
        a.verify(store, "wrong").await,
        VerifyOutcome::Mismatch { attempts_left: 4 },
        "the new code starts with every attempt"
    );
    assert_eq!(
        a.verify(store, "first").await,
        VerifyOutcome::Mismatch { attempts_left: 3 }
    );
    assert_eq!(a.verify(store, "second").await, VerifyOutcome::Verified);
}

async fn sends_are_limited_by_cooldown_window_day_and_address(store: &impl OtpStore) {
    let s = settings(&[]);
    let a = Actor {
        phone: phone(4),
        session: session("cool"),
        ip: "192.0.2.4",
        settings: &s,
    };
    assert_eq!(limit_of(a.issue(store, "m").await), None);
    assert_eq!(limit_of(a.issue(store, "m").await), Some(Limit::Cooldown));

    let s = settings(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("OTP_SENDS_PER_WINDOW", "2"),
    ]);
    let b = Actor {
        phone: phone(5),
        session: session("window"),
        ip: "192.0.2.5",
        settings: &s,
    };
    assert_eq!(limit_of(b.issue(store, "m").await), None);
    assert_eq!(limit_of(b.issue(store, "m").await), None);
    assert_eq!(
        limit_of(b.issue(store, "m").await),
        Some(Limit::PhoneWindow)
    );

    let s = settings(&[
        ("OTP_RESEND_COOLDOWN_SECONDS", "0"),
        ("OTP_SENDS_PER_DAY", "1"),
    ]);
    let c = Actor {
        phone: phone(6),
        session: session("daily"),
        ip: "192.0.2.6",
        settings: &s,
    };
    assert_eq!(limit_of(c.issue(store, "m").await), None);
    assert_eq!(limit_of(c.issue(store, "m").await), Some(Limit::PhoneDaily));

    let s = settings(&[("IP_SENDS_PER_WINDOW", "2")]);
    for (n, expected) in [(7, None), (8, None), (9, Some(Limit::ClientIp))] {
        let d = Actor {
            phone: phone(n),
            session: session("address"),
            ip: "192.0.2.7",
            settings: &s,
        };
        assert_eq!(limit_of(d.issue(store, "m").await), expected, "phone {n}");
    }
}

async fn a_withdrawn_code_is_gone_and_frees_the_cooldown(store: &impl OtpStore) {
    let s = settings(&[]);
    let a = Actor {
        phone: phone(10),
        session: session("withdraw"),
        ip: "192.0.2.10",
        settings: &s,
    };
    a.issue(store, "unsent").await;
    a.withdraw_as(store, "another", Caller::default()).await;
    assert_eq!(
        limit_of(a.issue(store, "x").await),
        Some(Limit::Cooldown),
        "withdrawing another code changes nothing"
    );
    a.withdraw_as(store, "unsent", Caller::default()).await;
    assert_eq!(a.verify(store, "unsent").await, VerifyOutcome::NotFound);
    assert_eq!(a.issue(store, "retry").await, IssueOutcome::Issued);
}
