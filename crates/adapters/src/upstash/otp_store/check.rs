//! A check of a code in one round trip: the client's address is counted (its own slot) and the
//! phone's script (`verify.lua`, the phone's slot) checks the code, in one pipeline. A
//! pipeline cannot make one step wait for another's answer, so the phone's check runs whatever
//! the address's count; the answer then puts them together: a wrong or missing code from an
//! address over its limit is refused with the address's limit (its attempt counted against the
//! code, as any wrong guess of the code's own session), and the right code from the session it
//! was sent to is never refused by it. Only that session can use or burn a code, so what an
//! address can guess is bounded by the codes it could have sent (its send limit, times
//! `OTP_MAX_ATTEMPTS`), not by this limit (docs/redis-cluster.md). A verified code then counts
//! as a login in the risk records (their slots), after the answer in the worker (with its
//! isolate's metrics write, `UpstashOtpStore::with_later`), else in a second call.

use super::super::script_reply::{backend, limit_of, outcome_of};
use super::super::Reply;
use super::scripts::{RECORD_LOGIN, VERIFY};
use super::steps::{items, run_after, run_all, Eval};
use super::{UpstashOtpStore, ACCOUNT_SUFFIX};
use auth_core::domain::account::UserId;
use auth_core::domain::quota::Quota;
use auth_core::ports::{BackendError, Counted, Limit, VerifyOutcome, VerifyRequest};

pub(super) async fn verify(
    store: &UpstashOtpStore<'_>,
    r: &VerifyRequest<'_>,
) -> Result<Counted<VerifyOutcome>, BackendError> {
    let s = r.settings;
    let address_key = store.ip_key(r.client_ip, ":login");
    let window = s.ip_login_window_secs.to_string();
    let address_commands = [
        vec!["INCR", address_key.as_str()],
        vec!["EXPIRE", address_key.as_str(), window.as_str(), "NX"],
        vec!["TTL", address_key.as_str()],
    ];
    let (counted, checked) =
        run_after(store.redis(), &address_commands, &[verify_step(store, r)]).await?;
    let (from_address, reset_secs) = address_count(counted)?;
    let checked = checked
        .into_iter()
        .next()
        .ok_or_else(|| BackendError::Failed("the code's check answered nothing".into()))?
        .map_err(backend)?;
    let checked = items(checked)?;
    let phone = phone_outcome(&checked)?;
    let over = from_address > u64::from(s.ip_logins_per_window);
    let remaining = u64::from(s.ip_logins_per_window).saturating_sub(from_address) as u32;
    let address = Some(Quota {
        limit: s.ip_logins_per_window,
        window_secs: s.ip_login_window_secs,
        remaining,
        reset_secs,
    });
    let outcome = match phone {
        // A locked phone's answer says nothing of the address.
        locked @ VerifyOutcome::Limited {
            limit: Limit::Locked,
            ..
        } => return Ok(Counted::new(locked, None)),
        VerifyOutcome::Verified => {
            record_login(store, r).await;
            let mut verified = Counted::new(VerifyOutcome::Verified, address);
            verified.account = remembered_account(&checked);
            return Ok(verified);
        }
        _ if over => VerifyOutcome::Limited {
            limit: Limit::ClientIp,
            retry_after_secs: reset_secs,
        },
        other => other,
    };
    Ok(Counted::new(outcome, address))
}

/// The phone's step: `verify.lua` over the phone's keys (one slot).
fn verify_step(store: &UpstashOtpStore<'_>, r: &VerifyRequest<'_>) -> Eval {
    let s = r.settings;
    let phone_key = |suffix: &str| store.phone_key(r.phone, suffix);
    Eval::new(
        &VERIFY,
        vec![
            phone_key(""),
            phone_key(":fails"),
            phone_key(":lock"),
            phone_key(":locks"),
            phone_key(":guesses"),
            phone_key(":known"),
            phone_key(ACCOUNT_SUFFIX),
        ],
        vec![
            r.mac.to_owned(),
            r.session.as_str().to_owned(),
            s.max_attempts.to_string(),
            s.failed_login_ceiling.to_string(),
            s.lockout_secs.to_string(),
            s.phone_guesses_per_window.to_string(),
            s.phone_guess_window_secs.to_string(),
            s.risk.counters.returning_secs.to_string(),
        ],
    )
}

/// `verify.lua`'s answer as an outcome.
fn phone_outcome(items: &[Reply]) -> Result<VerifyOutcome, BackendError> {
    let (outcome, n) = outcome_of(items)?;
    Ok(match outcome {
        "verified" => VerifyOutcome::Verified,
        "missing" => VerifyOutcome::NotFound,
        "mismatch" => VerifyOutcome::Mismatch { attempts_left: n },
        "burned" => VerifyOutcome::Burned,
        other => VerifyOutcome::Limited {
            limit: limit_of(other)?,
            retry_after_secs: n,
        },
    })
}

/// The account `verify.lua` handed back beside `verified`; a value that is not an account id
/// (none, or one this release cannot read) is no hint.
fn remembered_account(items: &[Reply]) -> Option<UserId> {
    items
        .get(2)
        .and_then(Reply::as_str)
        .and_then(|id| UserId::parse(id).ok())
}

/// The address's count and the seconds left in its window, from `INCR`, `EXPIRE ... NX` (only
/// the window's first attempt sets its lifetime) and `TTL`.
fn address_count(replies: super::steps::Replies) -> Result<(u64, u32), BackendError> {
    let mut numbers = replies.into_iter().map(|reply| reply.map_err(backend));
    let count = numbers.next().transpose()?.and_then(|c| c.as_u64());
    let _expire = numbers.next().transpose()?;
    let ttl = numbers.next().transpose()?.and_then(|t| t.as_i64());
    match (count, ttl) {
        (Some(count), Some(ttl)) => Ok((count, ttl.clamp(1, i64::from(u32::MAX)) as u32)),
        _ => Err(BackendError::Failed(
            "the address counter answered no number".into(),
        )),
    }
}

/// Counts a verified code as a login in the risk records, by source: after the answer when
/// the store has somewhere to put such writes, else now. The code is consumed already, so a
/// failure here must not fail the login: the records then miss one login, which can only make
/// a breaker trip sooner, never later.
async fn record_login(store: &UpstashOtpStore<'_>, r: &VerifyRequest<'_>) {
    let policy = &r.settings.risk.counters;
    let (calling_code, network) = store.risk_records(r.phone, r.client_ip, &r.caller);
    let steps: Vec<Eval> = std::iter::once(calling_code)
        .chain(network)
        .map(|record| {
            let sources = record.sources(r.caller.now, policy.window_secs);
            Eval::new(
                &RECORD_LOGIN,
                vec![record.key.clone(), sources],
                vec![
                    format!("l:{}", record.source),
                    policy.source_cap.to_string(),
                    (2 * policy.window_secs).to_string(),
                ],
            )
        })
        .collect();
    match store.later() {
        Some(later) => later(steps.iter().map(Eval::with_source).collect()),
        None => {
            let _ = run_all(store.redis(), &steps).await;
        }
    }
}
