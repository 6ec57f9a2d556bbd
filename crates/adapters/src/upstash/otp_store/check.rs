//! A check of a code: the client's address is counted first (its own slot), and the phone's
//! script (`verify.lua`, the phone's slot) runs only while the address is within its limit, so
//! an address over its limit can neither guess nor burn anyone's code. A verified code then
//! counts as a login in the risk records (their slots). Two round trips for a refusal-free
//! check, three for a success.

use super::super::script_reply::{backend, limit_of, outcome_of};
use super::scripts::{RECORD_LOGIN, VERIFY};
use super::steps::{run_all, run_one, Eval};
use super::UpstashOtpStore;
use auth_core::domain::quota::Quota;
use auth_core::ports::{BackendError, Counted, Limit, VerifyOutcome, VerifyRequest};

pub(super) async fn verify(
    store: &UpstashOtpStore<'_>,
    r: &VerifyRequest<'_>,
) -> Result<Counted<VerifyOutcome>, BackendError> {
    let s = r.settings;
    let (from_address, reset_secs) = count_address(store, r).await?;
    let address = |remaining: u32| {
        Some(Quota {
            limit: s.ip_logins_per_window,
            window_secs: s.ip_login_window_secs,
            remaining,
            reset_secs,
        })
    };
    if from_address > u64::from(s.ip_logins_per_window) {
        let outcome = VerifyOutcome::Limited {
            limit: Limit::ClientIp,
            retry_after_secs: reset_secs,
        };
        return Ok(Counted::new(outcome, address(0)));
    }
    let remaining = s.ip_logins_per_window - from_address as u32;
    let phone_key = |suffix: &str| store.phone_key(r.phone, suffix);
    let step = Eval::new(
        &VERIFY,
        vec![
            phone_key(""),
            phone_key(":fails"),
            phone_key(":lock"),
            phone_key(":locks"),
            phone_key(":guesses"),
            phone_key(":known"),
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
    );
    let items = run_one(store.redis(), &step).await?;
    let (outcome, n) = outcome_of(&items)?;
    let outcome = match outcome {
        "verified" => VerifyOutcome::Verified,
        "missing" => VerifyOutcome::NotFound,
        "mismatch" => VerifyOutcome::Mismatch { attempts_left: n },
        "burned" => VerifyOutcome::Burned,
        // A locked phone's answer says nothing of the address, as before the address counted.
        "locked" => {
            let outcome = VerifyOutcome::Limited {
                limit: Limit::Locked,
                retry_after_secs: n,
            };
            return Ok(Counted::new(outcome, None));
        }
        other => VerifyOutcome::Limited {
            limit: limit_of(other)?,
            retry_after_secs: n,
        },
    };
    if outcome == VerifyOutcome::Verified {
        record_login(store, r).await;
    }
    Ok(Counted::new(outcome, address(remaining)))
}

/// Counts the attempt against the client's address; answers the count and the seconds left in
/// its window. `EXPIRE ... NX`: only the window's first attempt sets its lifetime.
async fn count_address(
    store: &UpstashOtpStore<'_>,
    r: &VerifyRequest<'_>,
) -> Result<(u64, u32), BackendError> {
    let key = store.ip_key(r.client_ip, ":login");
    let window = r.settings.ip_login_window_secs.to_string();
    let replies = store
        .redis()
        .pipeline(&[
            vec!["INCR", key.as_str()],
            vec!["EXPIRE", key.as_str(), window.as_str(), "NX"],
            vec!["TTL", key.as_str()],
        ])
        .await
        .map_err(backend)?;
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

/// Counts a verified code as a login in the risk records, by source. The code is consumed
/// already, so a failure here must not fail the login: the records then miss one login, which
/// can only make a breaker trip sooner, never later.
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
    let _ = run_all(store.redis(), &steps).await;
}
