//! The Prometheus text exposition of the stored counters.

use auth_core::http::metrics::LATENCY_BUCKETS_MS;
use std::collections::BTreeMap;

/// Each family the service exposes: name, type, help.
const FAMILIES: &[(&str, &str, &str)] = &[
    (
        "http_responses_total",
        "counter",
        "HTTP responses by route and status.",
    ),
    (
        "http_request_duration_ms",
        "histogram",
        "Request latency in milliseconds (I/O included) by route.",
    ),
    ("otp_sent_total", "counter", "send-otp outcomes."),
    (
        "otp_verifications_total",
        "counter",
        "Code checks by outcome.",
    ),
    (
        "logins_total",
        "counter",
        "Successful logins of new and returning users.",
    ),
    (
        "refreshes_total",
        "counter",
        "Refresh-token rotations by outcome.",
    ),
    ("logouts_total", "counter", "Successful logouts."),
    (
        "sms_provider_errors_total",
        "counter",
        "SMS provider failures.",
    ),
    (
        "otp_sends_by_calling_code_total",
        "counter",
        "Codes sent, by the number's calling code.",
    ),
    (
        "logins_by_calling_code_total",
        "counter",
        "Codes typed in (logins and number changes), by calling code: with the sends, the conversion the breaker watches.",
    ),
    (
        "otp_risk_signals_total",
        "counter",
        "Risk signals that fired on a send, by signal and by what became of the send.",
    ),
    (
        "otp_breaker_trips_total",
        "counter",
        "Breakers tripped by sends that stopped converting, by scope.",
    ),
    (
        "otp_breaker_open",
        "gauge",
        "Breakers open now, by scope and calling code or network.",
    ),
];

/// name -> labels -> value, in a stable order.
type Series = BTreeMap<String, BTreeMap<String, i64>>;

/// The text of the stored fields. Unknown or malformed fields are skipped, so nothing written
/// into the hash by anyone else can inject lines.
pub fn render(fields: &[(String, i64)]) -> String {
    let mut series: Series = BTreeMap::new();
    for (f, value) in fields {
        let Some((name, labels)) = f.split_once('|') else {
            continue;
        };
        if !FAMILIES.iter().any(|(n, _, _)| name.starts_with(n)) {
            continue;
        }
        *series
            .entry(name.to_owned())
            .or_default()
            .entry(labels.to_owned())
            .or_default() += value;
    }
    let mut out = String::new();
    for (name, kind, help) in FAMILIES {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        if *kind == "histogram" {
            render_histogram(&mut out, name, &series);
            continue;
        }
        for (labels, value) in series.get(*name).into_iter().flatten() {
            out.push_str(&format!("{name}{} {value}\n", braces(labels)));
        }
    }
    out
}

fn render_histogram(out: &mut String, name: &str, series: &Series) {
    let buckets = series.get(&format!("{name}_bucket"));
    // route -> per-bucket counts (not cumulative yet)
    let mut by_route: Series = BTreeMap::new();
    for (labels, value) in buckets.into_iter().flatten() {
        let parsed = parse_labels(labels);
        let (Some(route), Some(le)) = (parsed.get("route"), parsed.get("le")) else {
            continue;
        };
        *by_route
            .entry(route.clone())
            .or_default()
            .entry(le.clone())
            .or_default() += value;
    }
    for (route, counts) in &by_route {
        let mut cumulative = 0;
        let bounds = LATENCY_BUCKETS_MS
            .iter()
            .map(|b| b.to_string())
            .chain(["+Inf".to_owned()]);
        for le in bounds {
            cumulative += counts.get(&le).copied().unwrap_or(0);
            out.push_str(&format!(
                "{name}_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}\n"
            ));
        }
        for suffix in ["sum", "count"] {
            let value = series
                .get(&format!("{name}_{suffix}"))
                .and_then(|s| s.get(&format!("route={route}")))
                .copied()
                .unwrap_or(0);
            out.push_str(&format!("{name}_{suffix}{{route=\"{route}\"}} {value}\n"));
        }
    }
}

fn parse_labels(labels: &str) -> BTreeMap<String, String> {
    labels
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn braces(labels: &str) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = parse_labels(labels)
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!("{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::super::field;
    use super::*;
    use auth_core::http::error::ErrorCode;
    use auth_core::http::metrics::{counts, Answered, Event};
    use auth_core::http::routes::{route_of, RouteId};

    fn stored(answers: &[Answered]) -> Vec<(String, i64)> {
        let mut all = Vec::new();
        for a in answers {
            all.extend(counts(a).iter().map(|c| (field(c), c.by)));
        }
        all
    }

    fn answered(
        route: RouteId,
        status: u16,
        code: Option<ErrorCode>,
        ms: f64,
    ) -> Answered<'static> {
        Answered {
            route: Some(route),
            label: route_of(route).template,
            status,
            code,
            event: None,
            latency_ms: ms,
            otp: None,
            region: None,
        }
    }

    #[test]
    fn outcomes_render_as_their_series() {
        let text = render(&stored(&[
            answered(RouteId::SendOtp, 200, None, 3.0),
            answered(
                RouteId::SendOtp,
                502,
                Some(ErrorCode::SmsDeliveryFailed),
                30.0,
            ),
            answered(RouteId::Login, 401, Some(ErrorCode::InvalidOtp), 7.0),
            Answered {
                event: Some(Event::NewUser),
                ..answered(RouteId::Login, 200, None, 40.0)
            },
            answered(
                RouteId::Refresh,
                403,
                Some(ErrorCode::RefreshTokenReused),
                9.0,
            ),
        ]));
        for line in [
            "otp_sent_total{outcome=\"sent\"} 1",
            "otp_sent_total{outcome=\"sms_failed\"} 1",
            "sms_provider_errors_total 1",
            "otp_verifications_total{outcome=\"invalid\"} 1",
            "otp_verifications_total{outcome=\"success\"} 1",
            "logins_total{user=\"new\"} 1",
            "refreshes_total{outcome=\"reused\"} 1",
            "http_responses_total{route=\"/api/v1/auth/login\",status=\"401\"} 1",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }

    #[test]
    fn the_histogram_is_cumulative_with_sum_and_count() {
        let text = render(&stored(&[
            answered(RouteId::Health, 200, None, 1.0),
            answered(RouteId::Health, 200, None, 7.0),
            answered(RouteId::Health, 200, None, 9000.0),
        ]));
        assert!(text.contains("http_request_duration_ms_bucket{route=\"/health\",le=\"2\"} 1"));
        assert!(text.contains("http_request_duration_ms_bucket{route=\"/health\",le=\"10\"} 2"));
        assert!(text.contains("http_request_duration_ms_bucket{route=\"/health\",le=\"2500\"} 2"));
        assert!(text.contains("http_request_duration_ms_bucket{route=\"/health\",le=\"+Inf\"} 3"));
        assert!(text.contains("http_request_duration_ms_sum{route=\"/health\"} 9008"));
        assert!(text.contains("http_request_duration_ms_count{route=\"/health\"} 3"));
        assert!(text.contains("# TYPE http_request_duration_ms histogram"));
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let text = render(&[
            ("evil|x=\"}\" 1\nfake_metric".to_owned(), 5),
            ("no separator".to_owned(), 1),
        ]);
        assert!(!text.contains("evil") && !text.contains("fake_metric"));
    }
}
