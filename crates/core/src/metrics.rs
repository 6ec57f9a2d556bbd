//! Service metrics: what each answered request counts, and the Prometheus text of the totals.
//!
//! Counters live in one Redis hash shared by every isolate (field → integer), so a scrape sees
//! the whole service, not the isolate that answers. A field is `name|label=value,...`. Latency
//! buckets are stored per bucket and made cumulative when rendered.

use std::collections::BTreeMap;

/// Upper bounds (ms) of the latency histogram's buckets; `+Inf` is implied.
pub const LATENCY_BUCKETS_MS: [u32; 10] = [2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

/// What the metrics need to know of one answered request.
pub struct Answered<'a> {
    /// The route template, e.g. `/api/v1/auth/login`.
    pub route: &'a str,
    pub status: u16,
    /// The contract error code, for error answers.
    pub code: Option<&'a str>,
    /// A domain detail the handler marked: `new_user` or `returning_user` on a login.
    pub event: Option<&'a str>,
    pub latency_ms: f64,
}

fn field(name: &str, labels: &[(&str, &str)]) -> String {
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{name}|{}", labels.join(","))
}

/// The increments one answered request makes: (field, amount).
pub fn increments(a: &Answered<'_>) -> Vec<(String, i64)> {
    let status = a.status.to_string();
    let mut out = vec![(
        field(
            "http_responses_total",
            &[("route", a.route), ("status", &status)],
        ),
        1,
    )];
    let bucket = LATENCY_BUCKETS_MS
        .iter()
        .find(|b| a.latency_ms <= f64::from(**b))
        .map_or("+Inf".to_owned(), |b| b.to_string());
    out.push((
        field(
            "http_request_duration_ms_bucket",
            &[("route", a.route), ("le", &bucket)],
        ),
        1,
    ));
    out.push((
        field("http_request_duration_ms_sum", &[("route", a.route)]),
        a.latency_ms.round() as i64,
    ));
    out.push((
        field("http_request_duration_ms_count", &[("route", a.route)]),
        1,
    ));
    let mut count = |name: &str, labels: &[(&str, &str)]| out.push((field(name, labels), 1));
    match (a.route, a.status, a.code) {
        ("/api/v1/auth/send-otp", 200, _) => count("otp_sent_total", &[("outcome", "sent")]),
        ("/api/v1/auth/send-otp", 429, _) => {
            count("otp_sent_total", &[("outcome", "rate_limited")])
        }
        ("/api/v1/auth/send-otp", 502, _) => {
            count("otp_sent_total", &[("outcome", "sms_failed")]);
            count("sms_provider_errors_total", &[]);
        }
        ("/api/v1/auth/send-otp", 400 | 413, _) => {
            count("otp_sent_total", &[("outcome", "invalid")])
        }
        ("/api/v1/auth/login", 200, _) => {
            count("otp_verifications_total", &[("outcome", "success")]);
            let user = if a.event == Some("new_user") {
                "new"
            } else {
                "returning"
            };
            count("logins_total", &[("user", user)]);
        }
        ("/api/v1/auth/login", _, Some("INVALID_OTP")) => {
            count("otp_verifications_total", &[("outcome", "wrong_code")])
        }
        ("/api/v1/auth/login", _, Some("OTP_NOT_FOUND")) => {
            count("otp_verifications_total", &[("outcome", "expired")])
        }
        ("/api/v1/auth/login", _, Some("TOO_MANY_ATTEMPTS")) => {
            count("otp_verifications_total", &[("outcome", "burned")])
        }
        ("/api/v1/auth/login", _, Some("RATE_LIMITED")) => {
            count("otp_verifications_total", &[("outcome", "rate_limited")])
        }
        ("/api/v1/auth/refresh", 200, _) => count("refreshes_total", &[("outcome", "ok")]),
        ("/api/v1/auth/refresh", _, Some("REFRESH_TOKEN_REUSED")) => {
            count("refreshes_total", &[("outcome", "reused")])
        }
        ("/api/v1/auth/refresh", _, Some("INVALID_REFRESH_TOKEN")) => {
            count("refreshes_total", &[("outcome", "invalid")])
        }
        ("/api/v1/auth/logout", 200, _) => count("logouts_total", &[]),
        _ => {}
    }
    out
}

const HELP: &[(&str, &str, &str)] = &[
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
];

/// The Prometheus text exposition of the stored fields. Unknown or malformed fields are skipped.
pub fn render(fields: &[(String, i64)]) -> String {
    // name -> labels -> value, in a stable order.
    let mut series: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (f, value) in fields {
        let Some((name, labels)) = f.split_once('|') else {
            continue;
        };
        if !HELP.iter().any(|(n, _, _)| name.starts_with(n)) {
            continue;
        }
        *series
            .entry(name.to_owned())
            .or_default()
            .entry(labels.to_owned())
            .or_default() += value;
    }
    let mut out = String::new();
    for (name, kind, help) in HELP {
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

fn render_histogram(
    out: &mut String,
    name: &str,
    series: &BTreeMap<String, BTreeMap<String, i64>>,
) {
    let buckets = series.get(&format!("{name}_bucket"));
    // route -> per-bucket counts (not cumulative yet)
    let mut by_route: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
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
    use super::*;

    fn answered(
        route: &str,
        status: u16,
        code: Option<&'static str>,
        event: Option<&'static str>,
        ms: f64,
    ) -> Vec<(String, i64)> {
        let route = route.to_owned();
        increments(&Answered {
            route: &route,
            status,
            code,
            event,
            latency_ms: ms,
        })
    }

    #[test]
    fn outcomes_map_to_their_counters() {
        let all: Vec<(String, i64)> = [
            answered("/api/v1/auth/send-otp", 200, None, None, 3.0),
            answered(
                "/api/v1/auth/send-otp",
                502,
                Some("SMS_DELIVERY_FAILED"),
                None,
                30.0,
            ),
            answered("/api/v1/auth/login", 401, Some("INVALID_OTP"), None, 7.0),
            answered("/api/v1/auth/login", 200, None, Some("new_user"), 40.0),
            answered(
                "/api/v1/auth/refresh",
                403,
                Some("REFRESH_TOKEN_REUSED"),
                None,
                9.0,
            ),
        ]
        .concat();
        let text = render(&all);
        for line in [
            "otp_sent_total{outcome=\"sent\"} 1",
            "otp_sent_total{outcome=\"sms_failed\"} 1",
            "sms_provider_errors_total 1",
            "otp_verifications_total{outcome=\"wrong_code\"} 1",
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
        let all = [
            answered("/health", 200, None, None, 1.0),
            answered("/health", 200, None, None, 7.0),
            answered("/health", 200, None, None, 9000.0),
        ]
        .concat();
        let text = render(&all);
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
