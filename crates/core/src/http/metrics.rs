//! What each answered request counts. The domain decides which counters move; how they are
//! stored (a Redis hash) and shown (Prometheus text) is `auth_adapters::metrics`.

use crate::domain::risk::RiskDecision;
use crate::http::error::ErrorCode;
use crate::http::routes::RouteId;

/// Upper bounds (ms) of the latency histogram's buckets; `+Inf` is implied.
pub const LATENCY_BUCKETS_MS: [u32; 10] = [2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

/// A domain detail of an answer that the counters need beyond its status and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    NewUser,
    ReturningUser,
}

/// What a send or a login says of its number and its risk decision, for the per-calling-code
/// series and the risk counters' series.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtpFacts {
    pub calling_code: Option<u16>,
    /// The decision of a send the risk rules stopped or let through after a check.
    pub decision: Option<RiskDecision>,
}

/// What the metrics need to know of one answered request.
#[derive(Debug, Clone, Copy)]
pub struct Answered<'a> {
    /// The operation, when the path matched one.
    pub route: Option<RouteId>,
    /// The route template (or `other`): the label of the HTTP series.
    pub label: &'static str,
    pub status: u16,
    /// The contract error code, for error answers.
    pub code: Option<ErrorCode>,
    pub event: Option<Event>,
    pub latency_ms: f64,
    pub otp: Option<&'a OtpFacts>,
    /// The data region the request worked in, when the deployment has regions and the request
    /// reached one: a `region` label on every counter (the latency histogram stays per route).
    pub region: Option<&'a str>,
}

/// One counter increment: a series (name and labels) and the amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub name: &'static str,
    pub labels: Vec<(&'static str, String)>,
    pub by: i64,
}

fn one(name: &'static str, labels: &[(&'static str, &str)]) -> Count {
    Count {
        name,
        labels: labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        by: 1,
    }
}

/// The increments one answered request makes.
pub fn counts(a: &Answered) -> Vec<Count> {
    let route = a.label;
    let status = a.status.to_string();
    let bucket = LATENCY_BUCKETS_MS
        .iter()
        .find(|b| a.latency_ms <= f64::from(**b))
        .map_or("+Inf".to_owned(), |b| b.to_string());
    let mut out = vec![
        one(
            "http_responses_total",
            &[("route", route), ("status", &status)],
        ),
        one(
            "http_request_duration_ms_bucket",
            &[("route", route), ("le", &bucket)],
        ),
        Count {
            by: a.latency_ms.round() as i64,
            ..one("http_request_duration_ms_sum", &[("route", route)])
        },
        one("http_request_duration_ms_count", &[("route", route)]),
    ];
    if let Some(domain) = domain_count(a) {
        out.extend(domain);
    }
    if let Some(facts) = a.otp {
        out.extend(risk_counts(a, facts));
    }
    if let Some(region) = a.region {
        // The histogram's exposition sums its buckets per route alone.
        let counters = out
            .iter_mut()
            .filter(|c| !c.name.starts_with("http_request_duration_ms"));
        for count in counters {
            count.labels.push(("region", region.to_owned()));
        }
    }
    out
}

/// Sends and logins per calling code (their ratio is what the breaker watches), the risk
/// signals by what became of the send, and the breakers' trips.
fn risk_counts(a: &Answered, facts: &OtpFacts) -> Vec<Count> {
    let mut out = Vec::new();
    let code = facts.calling_code.map(|c| c.to_string());
    match (a.route, a.status, code.as_deref()) {
        (Some(RouteId::SendOtp | RouteId::SendPhoneChangeOtp), 200, Some(code)) => out.push(one(
            "otp_sends_by_calling_code_total",
            &[("calling_code", code)],
        )),
        (Some(RouteId::Login), 200, Some(code)) => out.push(one(
            "logins_by_calling_code_total",
            &[("calling_code", code)],
        )),
        _ => {}
    }
    let Some(decision) = &facts.decision else {
        return out;
    };
    let became = match (a.status, a.code) {
        (200, _) => "sent",
        (_, Some(ErrorCode::SendRefused)) => "refused",
        (_, Some(ErrorCode::CaptchaRequired | ErrorCode::CaptchaFailed)) => "challenged",
        _ => "other",
    };
    for reason in &decision.reasons {
        out.push(one(
            "otp_risk_signals_total",
            &[("reason", reason.as_str()), ("outcome", became)],
        ));
    }
    for trip in &decision.tripped {
        out.push(one(
            "otp_breaker_trips_total",
            &[("scope", trip.scope.as_str())],
        ));
    }
    out
}

/// The domain counters of an answer, by operation and outcome.
fn domain_count(a: &Answered) -> Option<Vec<Count>> {
    use ErrorCode as E;
    let outcome = |name, value| Some(vec![one(name, &[("outcome", value)])]);
    match (a.route?, a.status, a.code) {
        (RouteId::SendOtp, 200, _) => outcome("otp_sent_total", "sent"),
        (RouteId::SendOtp, 429, _) => outcome("otp_sent_total", "rate_limited"),
        (RouteId::SendOtp, 502, _) => Some(vec![
            one("otp_sent_total", &[("outcome", "sms_failed")]),
            one("sms_provider_errors_total", &[]),
        ]),
        (RouteId::SendOtp, 400 | 413 | 415, _) => outcome("otp_sent_total", "invalid"),
        (RouteId::SendOtp, _, Some(E::CaptchaRequired)) => {
            outcome("otp_sent_total", "captcha_required")
        }
        (RouteId::SendOtp, _, Some(E::CaptchaFailed)) => {
            outcome("otp_sent_total", "captcha_failed")
        }
        (RouteId::SendOtp, _, Some(E::SendRefused)) => outcome("otp_sent_total", "risk_refused"),
        (RouteId::Login, 200, _) => {
            let user = match a.event {
                Some(Event::NewUser) => "new",
                _ => "returning",
            };
            Some(vec![
                one("otp_verifications_total", &[("outcome", "success")]),
                one("logins_total", &[("user", user)]),
            ])
        }
        (RouteId::Login, _, Some(E::InvalidOtp)) => outcome("otp_verifications_total", "invalid"),
        (RouteId::Login, _, Some(E::TooManyAttempts)) => {
            outcome("otp_verifications_total", "burned")
        }
        (RouteId::Login, _, Some(E::RateLimited)) => {
            outcome("otp_verifications_total", "rate_limited")
        }
        (RouteId::Refresh, 200, _) => outcome("refreshes_total", "ok"),
        (RouteId::Refresh, _, Some(E::RefreshTokenReused)) => outcome("refreshes_total", "reused"),
        (RouteId::Refresh, _, Some(E::InvalidRefreshToken)) => {
            outcome("refreshes_total", "invalid")
        }
        (RouteId::Logout, 200, _) => Some(vec![one("logouts_total", &[])]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(route: RouteId, status: u16, code: Option<ErrorCode>) -> Answered<'static> {
        Answered {
            route: Some(route),
            label: crate::http::routes::route_of(route).template,
            status,
            code,
            event: None,
            latency_ms: 7.0,
            otp: None,
            region: None,
        }
    }

    fn names(counts: &[Count]) -> Vec<String> {
        counts
            .iter()
            .skip(4)
            .map(|c| {
                let labels: Vec<String> =
                    c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{}{{{}}}", c.name, labels.join(","))
            })
            .collect()
    }

    #[test]
    fn sends_and_logins_count_per_calling_code_and_risk_decisions_by_signal_and_outcome() {
        use crate::domain::risk::counters::Scope;
        use crate::domain::risk::{Action, RiskReason, Trip};
        let uk = OtpFacts {
            calling_code: Some(44),
            decision: None,
        };
        let sent = counts(&Answered {
            otp: Some(&uk),
            ..answered(RouteId::SendOtp, 200, None)
        });
        assert_eq!(
            names(&sent)[1..],
            ["otp_sends_by_calling_code_total{calling_code=44}"]
        );
        let logged_in = counts(&Answered {
            otp: Some(&uk),
            ..answered(RouteId::Login, 200, None)
        });
        assert!(names(&logged_in).contains(&"logins_by_calling_code_total{calling_code=44}".into()));
        let tripped = OtpFacts {
            calling_code: Some(44),
            decision: Some(RiskDecision {
                action: Action::Refuse,
                reasons: vec![RiskReason::CallingCodeBreaker],
                tripped: vec![Trip {
                    scope: Scope::CallingCode,
                    key: 44,
                }],
            }),
        };
        let refused = counts(&Answered {
            otp: Some(&tripped),
            ..answered(RouteId::SendOtp, 403, Some(ErrorCode::SendRefused))
        });
        assert_eq!(
            names(&refused),
            [
                "otp_sent_total{outcome=risk_refused}",
                "otp_risk_signals_total{reason=calling_code_breaker,outcome=refused}",
                "otp_breaker_trips_total{scope=calling_code}",
            ]
        );
        let allowed = OtpFacts {
            calling_code: Some(98),
            decision: Some(RiskDecision {
                action: Action::Allow,
                reasons: vec![RiskReason::UntrustedCallingCode],
                tripped: vec![],
            }),
        };
        let sent = counts(&Answered {
            otp: Some(&allowed),
            ..answered(RouteId::SendOtp, 200, None)
        });
        assert_eq!(
            names(&sent)[1..],
            [
                "otp_sends_by_calling_code_total{calling_code=98}",
                "otp_risk_signals_total{reason=untrusted_calling_code,outcome=sent}",
            ]
        );
    }

    #[test]
    fn outcomes_map_to_their_counters() {
        let sms_failed = counts(&answered(
            RouteId::SendOtp,
            502,
            Some(ErrorCode::SmsDeliveryFailed),
        ));
        assert_eq!(
            names(&sms_failed),
            [
                "otp_sent_total{outcome=sms_failed}",
                "sms_provider_errors_total{}"
            ]
        );
        for (code, outcome) in [
            (ErrorCode::CaptchaRequired, "captcha_required"),
            (ErrorCode::CaptchaFailed, "captcha_failed"),
            (ErrorCode::SendRefused, "risk_refused"),
        ] {
            let refused = counts(&answered(RouteId::SendOtp, 403, Some(code)));
            assert_eq!(
                names(&refused),
                [format!("otp_sent_total{{outcome={outcome}}}")]
            );
        }
        let wrong = counts(&answered(RouteId::Login, 401, Some(ErrorCode::InvalidOtp)));
        assert_eq!(names(&wrong), ["otp_verifications_total{outcome=invalid}"]);
        let new_user = counts(&Answered {
            event: Some(Event::NewUser),
            ..answered(RouteId::Login, 200, None)
        });
        assert_eq!(
            names(&new_user),
            [
                "otp_verifications_total{outcome=success}",
                "logins_total{user=new}"
            ]
        );
        let reused = counts(&answered(
            RouteId::Refresh,
            403,
            Some(ErrorCode::RefreshTokenReused),
        ));
        assert_eq!(names(&reused), ["refreshes_total{outcome=reused}"]);
        assert!(names(&counts(&answered(RouteId::Profile, 200, None))).is_empty());
    }

    #[test]
    fn every_answer_counts_its_status_and_latency_bucket() {
        let all = counts(&Answered {
            route: None,
            label: crate::http::routes::OTHER,
            status: 404,
            code: Some(ErrorCode::NotFound),
            event: None,
            latency_ms: 9000.4,
            otp: None,
            region: None,
        });
        assert_eq!(all.len(), 4, "no domain counter for an unknown path");
        assert_eq!(all[0].labels[1], ("status", "404".to_owned()));
        assert_eq!(all[1].labels[1], ("le", "+Inf".to_owned()));
        assert_eq!(all[2].by, 9000);
    }

    #[test]
    fn in_a_region_every_counter_but_the_latency_histogram_names_it() {
        let facts = OtpFacts {
            calling_code: Some(44),
            decision: None,
        };
        let all = counts(&Answered {
            region: Some("eu"),
            otp: Some(&facts),
            ..answered(RouteId::SendOtp, 200, None)
        });
        let region = |c: &Count| c.labels.iter().any(|(k, v)| *k == "region" && v == "eu");
        let (histogram, counters): (Vec<_>, Vec<_>) = all
            .iter()
            .partition(|c| c.name.starts_with("http_request_duration_ms"));
        assert_eq!(histogram.len(), 3);
        assert!(histogram.iter().all(|c| !region(c)));
        assert!(counters.len() >= 3, "{counters:?}");
        assert!(counters.iter().all(|c| region(c)), "{counters:?}");
        let plain = counts(&answered(RouteId::SendOtp, 200, None));
        assert!(plain.iter().all(|c| !region(c)));
    }
}
